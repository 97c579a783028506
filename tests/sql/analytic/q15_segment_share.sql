-- Revenue by segment and region with its share of the total (several CTEs).
WITH joined AS (
  SELECT c.segment, o.region, o.amount
  FROM main.silver.orders o
  JOIN main.silver.customers c ON c.customer_id = o.customer_id
  WHERE o.status <> 'cancelled'
),
by_segment AS (
  SELECT segment, region, sum(amount) AS revenue FROM joined GROUP BY segment, region
),
total AS (
  SELECT sum(revenue) AS revenue FROM by_segment
)
SELECT s.segment, s.region, CAST(s.revenue AS DOUBLE) AS revenue,
  CAST(s.revenue AS DOUBLE) * 100.0 / CAST(t.revenue AS DOUBLE) AS pct
FROM by_segment s CROSS JOIN total t
ORDER BY s.segment, s.region;
