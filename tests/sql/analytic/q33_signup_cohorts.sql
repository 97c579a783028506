-- Customers per signup year and segment.
SELECT strftime('%Y', signup_date) AS cohort, segment, count(*) AS customers
FROM main.silver.customers
GROUP BY strftime('%Y', signup_date), segment
ORDER BY cohort, segment;
