-- The 20 customers who spent most (a join, ordered by exact cents).
SELECT c.customer_id, c.name, c.region, count(*) AS orders,
  CAST(round(sum(o.amount) * 100) AS BIGINT) AS revenue_cents
FROM main.silver.orders o
JOIN main.silver.customers c ON c.customer_id = o.customer_id
GROUP BY c.customer_id, c.name, c.region
ORDER BY revenue_cents DESC, c.customer_id
LIMIT 20;
