-- Each category's share of its region's revenue (a window over grouped rows).
WITH r AS (
  SELECT o.region, p.category, sum(o.amount) AS revenue
  FROM main.silver.orders o
  JOIN main.silver.products p ON p.product_id = o.product_id
  GROUP BY o.region, p.category
)
SELECT region, category,
  CAST(revenue AS DOUBLE) / CAST(sum(revenue) OVER (PARTITION BY region) AS DOUBLE) AS share
FROM r
ORDER BY region, category;
