-- Orders that bronze holds more than once (late corrections).
SELECT count(*) AS corrected_orders, min(order_id) AS first_id, max(order_id) AS last_id
FROM (
  SELECT order_id FROM main.bronze.orders_raw GROUP BY order_id HAVING count(*) > 1
) dup;
