-- Products nobody ordered, per category (NOT IN).
SELECT p.category, count(*) AS unsold
FROM main.silver.products p
WHERE p.product_id NOT IN (SELECT product_id FROM main.silver.orders)
GROUP BY p.category
ORDER BY p.category;
