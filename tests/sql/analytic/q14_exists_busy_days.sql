-- Months in which Books sold and Oceania had a day of more than 24 orders (correlated EXISTS).
SELECT cm.month, cm.orders
FROM main.gold.category_monthly cm
WHERE cm.category = 'Books'
  AND EXISTS (
    SELECT 1 FROM main.gold.daily_sales d
    WHERE strftime('%Y-%m', d.order_date) = cm.month AND d.region = 'Oceania' AND d.orders > 24
  )
ORDER BY cm.month;
