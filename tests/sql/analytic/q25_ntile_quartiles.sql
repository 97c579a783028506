-- Buying customers in revenue quartiles (NTILE over the gold table).
SELECT quartile, count(*) AS customers, min(revenue) AS min_revenue, max(revenue) AS max_revenue
FROM (
  SELECT revenue, NTILE(4) OVER (ORDER BY revenue, customer_id) AS quartile
  FROM main.gold.customer_lifetime
  WHERE orders > 0
) q
GROUP BY quartile
ORDER BY quartile;
