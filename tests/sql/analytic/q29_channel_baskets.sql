-- Average basket per channel.
SELECT channel, count(*) AS orders,
  CAST(avg(amount) AS DOUBLE) AS avg_amount,
  avg(quantity) AS avg_quantity,
  max(quantity) AS max_quantity
FROM main.silver.orders
GROUP BY channel
ORDER BY channel;
