-- The most common e-mail domains (instr, substr).
SELECT substr(email, instr(email, '@') + 1) AS domain, count(*) AS customers
FROM main.silver.customers
GROUP BY substr(email, instr(email, '@') + 1)
ORDER BY customers DESC, domain
LIMIT 10;
