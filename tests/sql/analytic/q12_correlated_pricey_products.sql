-- Products priced above three times their category's average (a correlated subquery).
SELECT p.product_id, p.name, p.category, p.price
FROM main.silver.products p
WHERE p.price > 3 * (SELECT avg(x.price) FROM main.silver.products x WHERE x.category = p.category)
ORDER BY p.product_id;
