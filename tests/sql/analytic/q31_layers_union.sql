-- Orders in each layer (UNION ALL).
SELECT 'bronze' AS layer, count(DISTINCT order_id) AS orders FROM main.bronze.orders_raw
UNION ALL
SELECT 'silver', count(*) FROM main.silver.orders
UNION ALL
SELECT 'gold', sum(orders) FROM main.gold.daily_sales
ORDER BY layer;
