-- Orders per region in 2023 and 2024 side by side (conditional aggregation).
SELECT region,
  sum(CASE WHEN order_date < '2024-01-01' THEN 1 ELSE 0 END) AS orders_2023,
  sum(CASE WHEN order_date >= '2024-01-01' THEN 1 ELSE 0 END) AS orders_2024,
  CAST(sum(CASE WHEN order_date >= '2024-01-01' THEN amount ELSE 0 END) AS DOUBLE) AS revenue_2024
FROM main.silver.orders
GROUP BY region
ORDER BY region;
