-- Orders per month and the change from the month before (LAG).
WITH monthly AS (
  SELECT strftime('%Y-%m', order_date) AS month, count(*) AS orders
  FROM main.silver.orders
  GROUP BY strftime('%Y-%m', order_date)
)
SELECT month, orders,
  LAG(orders) OVER (ORDER BY month) AS previous,
  orders - LAG(orders) OVER (ORDER BY month) AS change
FROM monthly
ORDER BY month;
