-- Orders, units and revenue per sales region.
SELECT region, count(*) AS orders, sum(quantity) AS units,
  CAST(sum(amount) AS DOUBLE) AS revenue
FROM main.silver.orders
GROUP BY region
ORDER BY region;
