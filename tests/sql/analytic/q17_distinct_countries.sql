-- The countries of each region (DISTINCT).
SELECT DISTINCT region, country
FROM main.silver.customers
ORDER BY region, country;
