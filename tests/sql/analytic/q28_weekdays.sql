-- Orders per day of the week (strftime %w: 0 is Sunday).
SELECT strftime('%w', order_date) AS weekday, count(*) AS orders
FROM main.silver.orders
GROUP BY strftime('%w', order_date)
ORDER BY weekday;
