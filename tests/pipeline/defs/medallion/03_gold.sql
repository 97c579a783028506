-- Gold: revenue per city and day, from the current customers.
CREATE OR REFRESH MATERIALIZED VIEW revenue_by_city
COMMENT 'revenue per city and day'
AS WITH current_customers AS (
  SELECT id, city FROM customers_silver WHERE __END_AT IS NULL
)
SELECT c.city, o.order_date, sum(o.amount) AS revenue, count(*) AS orders
FROM orders_silver o
JOIN current_customers c ON o.customer_id = c.id
GROUP BY c.city, o.order_date;
