-- The 6th to 15th largest orders in Africa (ORDER BY with LIMIT and OFFSET).
SELECT order_id, customer_id, order_date, quantity, amount
FROM main.silver.orders
WHERE region = 'Africa'
ORDER BY amount DESC, order_id
LIMIT 10 OFFSET 5;
