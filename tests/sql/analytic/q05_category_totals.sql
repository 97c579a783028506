-- Distinct buyers, units and revenue per product category.
SELECT p.category, count(DISTINCT o.customer_id) AS customers, sum(o.quantity) AS units,
  CAST(sum(o.amount) AS DOUBLE) AS revenue
FROM main.silver.orders o
JOIN main.silver.products p ON p.product_id = o.product_id
GROUP BY p.category
ORDER BY p.category;
