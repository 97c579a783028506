-- Orders by size bucket (CASE).
SELECT CASE
    WHEN amount < 50 THEN '1 small'
    WHEN amount < 250 THEN '2 medium'
    WHEN amount < 1000 THEN '3 large'
    ELSE '4 huge'
  END AS bucket,
  count(*) AS orders, CAST(sum(amount) AS DOUBLE) AS revenue
FROM main.silver.orders
GROUP BY 1
ORDER BY bucket;
