-- For a few customers, each order with the date of their next one (LEAD).
SELECT customer_id, order_id, order_date,
  LEAD(order_date) OVER (PARTITION BY customer_id ORDER BY order_date, order_id) AS next_order_date
FROM main.silver.orders
WHERE customer_id IN (5, 777, 4321)
ORDER BY customer_id, order_date, order_id;
