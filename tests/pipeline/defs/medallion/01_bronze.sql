-- Bronze: raw files and a change feed, taken as they land.
CREATE OR REFRESH STREAMING TABLE orders_bronze
COMMENT 'orders as they land, one row per CSV line'
TBLPROPERTIES ('quality' = 'bronze')
AS SELECT *
FROM STREAM read_files('landing/orders/*.csv', format => 'csv', header => true);

CREATE OR REFRESH STREAMING TABLE customers_cdc
COMMENT 'customer changes (JSON lines: id, name, city, op, seq)'
AS SELECT * FROM STREAM read_files('landing/customers/*.json', format => 'json');
