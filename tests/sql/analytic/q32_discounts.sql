-- What the coupons cost: list value against amount paid per discount.
SELECT discount_pct, count(*) AS orders,
  CAST(sum(quantity * unit_price) AS DOUBLE) AS list_value,
  CAST(sum(amount) AS DOUBLE) AS paid
FROM main.silver.orders
GROUP BY discount_pct
ORDER BY discount_pct;
