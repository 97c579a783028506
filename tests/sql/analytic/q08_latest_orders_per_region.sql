-- The last three orders of each region (ROW_NUMBER).
SELECT region, order_id, order_date, customer_id, amount
FROM (
  SELECT region, order_id, order_date, customer_id, amount,
    ROW_NUMBER() OVER (PARTITION BY region ORDER BY order_date DESC, order_id DESC) AS rn
  FROM main.silver.orders
) latest
WHERE rn <= 3
ORDER BY region, rn;
