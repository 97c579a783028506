-- Orders of Norwegian enterprise customers (IN with a subquery).
SELECT count(*) AS orders, sum(quantity) AS units, CAST(sum(amount) AS DOUBLE) AS revenue
FROM main.silver.orders
WHERE customer_id IN (
  SELECT customer_id FROM main.silver.customers
  WHERE segment = 'Enterprise' AND country = 'Norway'
);
