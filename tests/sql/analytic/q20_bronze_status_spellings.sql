-- Raw statuses in bronze: how many spellings each clean status has.
SELECT lower(trim(status)) AS status, count(DISTINCT status) AS spellings, count(*) AS rows_
FROM main.bronze.orders_raw
GROUP BY lower(trim(status))
ORDER BY status;
