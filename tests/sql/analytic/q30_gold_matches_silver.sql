-- The gold daily table adds up to the silver orders (scalar subqueries).
SELECT
  (SELECT sum(orders) FROM main.gold.daily_sales) AS gold_orders,
  (SELECT count(*) FROM main.silver.orders WHERE status <> 'cancelled') AS silver_orders,
  (SELECT sum(units) FROM main.gold.daily_sales) AS gold_units,
  (SELECT count(*) FROM main.gold.daily_sales) AS gold_rows;
