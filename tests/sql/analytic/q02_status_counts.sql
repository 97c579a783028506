-- How many orders are in each status.
SELECT status, count(*) AS orders
FROM main.silver.orders
GROUP BY status
ORDER BY orders DESC, status;
