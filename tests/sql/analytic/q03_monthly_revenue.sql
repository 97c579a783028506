-- Revenue per month (strftime on the order date), cancelled orders left out.
SELECT strftime('%Y-%m', order_date) AS month, count(*) AS orders,
  CAST(sum(amount) AS DOUBLE) AS revenue
FROM main.silver.orders
WHERE status <> 'cancelled'
GROUP BY strftime('%Y-%m', order_date)
ORDER BY month;
