-- Customers with more than 60 orders (HAVING).
SELECT customer_id, count(*) AS orders, sum(quantity) AS units
FROM main.silver.orders
GROUP BY customer_id
HAVING count(*) > 60
ORDER BY orders DESC, customer_id;
