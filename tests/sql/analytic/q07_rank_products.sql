-- The three best-selling products of each category by units (RANK; ties share a rank).
WITH sold AS (
  SELECT p.category, p.product_id, p.name, sum(o.quantity) AS units
  FROM main.silver.orders o
  JOIN main.silver.products p ON p.product_id = o.product_id
  GROUP BY p.category, p.product_id, p.name
),
ranked AS (
  SELECT category, product_id, name, units,
    RANK() OVER (PARTITION BY category ORDER BY units DESC) AS rnk
  FROM sold
)
SELECT category, rnk, product_id, name, units
FROM ranked
WHERE rnk <= 3
ORDER BY category, rnk, product_id;
