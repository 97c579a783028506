-- Each region's busiest month (DENSE_RANK over a CTE).
WITH monthly AS (
  SELECT region, strftime('%Y-%m', order_date) AS month, count(*) AS orders
  FROM main.silver.orders
  GROUP BY region, strftime('%Y-%m', order_date)
)
SELECT region, month, orders
FROM (
  SELECT region, month, orders,
    DENSE_RANK() OVER (PARTITION BY region ORDER BY orders DESC) AS r
  FROM monthly
) ranked
WHERE r = 1
ORDER BY region, month;
