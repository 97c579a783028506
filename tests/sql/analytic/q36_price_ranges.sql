-- Products and prices per category (after the Electronics price rise).
SELECT category, count(*) AS products,
  sum(CASE WHEN active THEN 1 ELSE 0 END) AS active_products,
  CAST(avg(price) AS DOUBLE) AS avg_price,
  min(price) AS min_price, max(price) AS max_price
FROM main.silver.products
GROUP BY category
ORDER BY category;
