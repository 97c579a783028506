-- Coupons in bronze, spelled the same (upper, coalesce).
SELECT upper(coalesce(coupon, 'none')) AS coupon, count(*) AS orders
FROM main.bronze.orders_raw
GROUP BY upper(coalesce(coupon, 'none'))
ORDER BY coupon;
