-- Revenue per day of December 2024 with a running total (a window over an aggregate).
SELECT order_date, count(*) AS orders,
  CAST(sum(amount) AS DOUBLE) AS revenue,
  CAST(sum(sum(amount)) OVER (ORDER BY order_date) AS DOUBLE) AS running_revenue
FROM main.silver.orders
WHERE order_date >= '2024-12-01'
GROUP BY order_date
ORDER BY order_date;
