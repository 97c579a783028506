-- Customers without an order, per region (LEFT JOIN ... IS NULL).
SELECT c.region, count(*) AS customers
FROM main.silver.customers c
LEFT JOIN (SELECT DISTINCT customer_id FROM main.silver.orders) o
  ON o.customer_id = c.customer_id
WHERE o.customer_id IS NULL
GROUP BY c.region
ORDER BY c.region;
