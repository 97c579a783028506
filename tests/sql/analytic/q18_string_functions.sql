-- String functions over the first products.
SELECT product_id,
  upper(substr(name, 1, 3)) AS prefix,
  length(name) AS name_length,
  lower(replace(category, ' & ', '_')) AS category_slug,
  trim('  ' || sku || '  ') AS sku,
  sku || '/' || CAST(product_id AS VARCHAR) AS ref
FROM main.silver.products
WHERE product_id <= 12
ORDER BY product_id;
