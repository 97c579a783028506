-- Customers per region from a scalar subquery in the select list.
SELECT r.region,
  (SELECT count(*) FROM main.silver.customers c WHERE c.region = r.region) AS customers
FROM (SELECT DISTINCT region FROM main.gold.daily_sales) r
ORDER BY r.region;
