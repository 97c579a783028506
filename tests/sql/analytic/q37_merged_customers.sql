-- Customers the second CRM export changed or added (LIKE on the e-mail).
SELECT segment, count(*) AS customers, min(customer_id) AS first_id, max(customer_id) AS last_id
FROM main.silver.customers
WHERE email NOT LIKE '%@example.com'
GROUP BY segment
ORDER BY segment;
