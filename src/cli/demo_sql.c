/* demo_sql.c - the SQL script of `tarn demo`: a bronze/silver/gold sales
 * lakehouse with comments, properties and a real history (appends, a
 * self-reading append, UPDATE, DELETE, MERGE, OPTIMIZE with Z-order,
 * INSERT OVERWRITE, CREATE OR REPLACE ... AS SELECT), and a Delta Share for
 * a partner (a partition-filtered table, a table with history, a
 * recipient), all through the engine.
 *
 * Rows come from SQLite recursive CTEs. Their "randomness" is arithmetic,
 * so every build makes the same rows: H(P, x) is a 20-bit multiplicative
 * hash of the row number x (Knuth's method with the odd constant P, the
 * low 12 bits dropped); different constants give unrelated streams.
 * Lookups in small dimension tables go through MATERIALIZED CTEs, which
 * SQLite indexes automatically, instead of joining a virtual table once
 * per row. */
#include "cli/demo.h"

#define H(p, x) "((" x ") * " #p " % 4294967296 / 4096)"

/* Orders as the shop's system exports them: order ids lo..hi, dated over
 * 2023 and 2024 in id order, customers and products skewed towards the low
 * ids (the product of two uniform picks), statuses in mixed spelling. */
#define ORDERS_RAW(lo, hi)                                                                    \
	"INSERT INTO main.bronze.orders_raw\n"                                                 \
	"SELECT * FROM (\n"                                                                    \
	"  WITH RECURSIVE seq(i) AS (\n"                                                       \
	"    SELECT " #lo " UNION ALL SELECT i + 1 FROM seq WHERE i < " #hi "\n"               \
	"  ),\n"                                                                               \
	"  o AS (\n"                                                                           \
	"    SELECT i, (i - 1) * 731 / 300000 AS day, " H(2246822519, "i") " % 100 AS st,\n"   \
	"           " H(3266489917, "i") " % 3 AS spelling, " H(668265263, "i") " % 10 AS ch,\n" \
	"           " H(374761393, "i") " % 20 AS coupon, " H(2654435761, "i") " % 7200 AS secs\n" \
	"    FROM seq\n"                                                                       \
	"  ),\n"                                                                               \
	"  s AS (\n"                                                                           \
	"    SELECT *, CASE\n"                                                                 \
	"        WHEN day >= 717 THEN CASE WHEN st < 50 THEN 'pending' ELSE 'shipped' END\n"   \
	"        WHEN st < 78 THEN 'delivered' WHEN st < 86 THEN 'shipped'\n"                  \
	"        WHEN st < 92 THEN 'cancelled' WHEN st < 96 THEN 'returned'\n"                 \
	"        ELSE 'pending' END AS status\n"                                               \
	"    FROM o\n"                                                                         \
	"  )\n"                                                                                \
	"  SELECT i AS order_id,\n"                                                            \
	"    1 + (" H(2654435761, "i") " % 20000) * (" H(2246822519, "i + 7") " % 20000) / 20000\n" \
	"      AS customer_id,\n"                                                              \
	"    1 + (" H(3266489917, "i + 11") " % 2000) * (" H(668265263, "i + 13") " % 2000) / 2000\n" \
	"      AS product_id,\n"                                                               \
	"    date('2023-01-01', '+' || day || ' days') AS order_date,\n"                       \
	"    1 + " H(374761393, "i + 17") " % 3 + (" H(2654435761, "i + 19") " % 10 = 0) * 4\n" \
	"      AS quantity,\n"                                                                 \
	"    CASE spelling WHEN 0 THEN upper(status) WHEN 1 THEN status\n"                     \
	"      ELSE ' ' || status || ' ' END AS status,\n"                                     \
	"    CASE WHEN ch < 5 THEN 'web' WHEN ch < 8 THEN 'mobile' ELSE 'store' END AS channel,\n" \
	"    CASE coupon WHEN 0 THEN 'SAVE5' WHEN 1 THEN 'SAVE10' WHEN 2 THEN 'save15'\n"      \
	"      ELSE NULL END AS coupon,\n"                                                     \
	"    datetime('2023-01-01', '+' || (day + 1) || ' days', '+' || secs || ' seconds')\n" \
	"      AS _ingested_at\n"                                                              \
	"  FROM s\n"                                                                           \
	");\n"

/* Bronze orders made clean: trimmed lower-case statuses, the customer's
 * region, the product's current price, the coupon's discount. */
#define DISCOUNT                                                                               \
	"CASE upper(o.coupon) WHEN 'SAVE5' THEN 5 WHEN 'SAVE10' THEN 10 WHEN 'SAVE15' THEN 15\n" \
	"      ELSE 0 END"
#define SILVER_ORDERS(from, where)                                                                  \
	"SELECT * FROM (\n"                                                                    \
	"  WITH c AS MATERIALIZED (SELECT customer_id, region FROM main.silver.customers),\n"  \
	"  p AS MATERIALIZED (SELECT product_id, price FROM main.silver.products)\n"           \
	"  SELECT o.order_id, o.customer_id, o.product_id, o.order_date, c.region, o.channel,\n" \
	"    lower(trim(o.status)) AS status, o.quantity, p.price AS unit_price,\n"             \
	"    " DISCOUNT " AS discount_pct,\n"                                                  \
	"    round(o.quantity * p.price * (100 - " DISCOUNT ") / 100.0, 2) AS amount\n"       \
	"  FROM " from " o\n"                                                                   \
	"  JOIN c ON c.customer_id = o.customer_id\n"                                          \
	"  JOIN p ON p.product_id = o.product_id\n"                                            \
	"  WHERE " where "\n"                                                                  \
	")"

/* Gold: revenue per day and region (cancelled orders left out). */
#define DAILY_SALES                                                                            \
	"INSERT OVERWRITE main.gold.daily_sales\n"                                             \
	"SELECT order_date, region, count(*) AS orders, sum(quantity) AS units,\n"             \
	"  round(sum(amount), 2) AS revenue\n"                                                 \
	"FROM main.silver.orders WHERE status <> 'cancelled'\n"                                \
	"GROUP BY order_date, region;\n"

/* Gold: every customer with their orders to date (none for some). */
#define CUSTOMER_LIFETIME                                                                     \
	"main.gold.customer_lifetime\n"                                                        \
	"COMMENT 'Orders and revenue per customer over their whole history'\n"                 \
	"AS SELECT * FROM (\n"                                                                 \
	"  WITH o AS MATERIALIZED (\n"                                                         \
	"    SELECT customer_id, count(*) AS orders, round(sum(amount), 2) AS revenue,\n"      \
	"      min(order_date) AS first_order, max(order_date) AS last_order\n"                \
	"    FROM main.silver.orders WHERE status <> 'cancelled' GROUP BY customer_id\n"      \
	"  )\n"                                                                                \
	"  SELECT c.customer_id, c.name, c.region, c.segment,\n"                               \
	"    coalesce(o.orders, 0) AS orders, coalesce(o.revenue, 0.0) AS revenue,\n"          \
	"    o.first_order, o.last_order\n"                                                    \
	"  FROM main.silver.customers c LEFT JOIN o ON o.customer_id = c.customer_id\n"       \
	");\n"

static const struct demo_step steps[] = {
	{"schemas bronze, silver and gold",
	 "CREATE SCHEMA IF NOT EXISTS main.bronze\n"
	 "  COMMENT 'Raw data as it lands from the source systems, append-only';\n"
	 "CREATE SCHEMA IF NOT EXISTS main.silver\n"
	 "  COMMENT 'Cleaned, typed and joined data: one row per business entity';\n"
	 "CREATE SCHEMA IF NOT EXISTS main.gold\n"
	 "  COMMENT 'Aggregates for reports and dashboards';\n"},

	{"bronze.customers_raw: two CRM exports (21,250 rows)",
	 "CREATE TABLE main.bronze.customers_raw (\n"
	 "  customer_id BIGINT NOT NULL COMMENT 'the CRM''s customer number',\n"
	 "  full_name STRING,\n"
	 "  email STRING,\n"
	 "  country STRING,\n"
	 "  region STRING,\n"
	 "  segment STRING COMMENT 'Consumer, Small Business or Enterprise',\n"
	 "  signup_date STRING COMMENT 'as the CRM writes it: YYYY-MM-DD',\n"
	 "  marketing_opt_in STRING COMMENT 'Y or N',\n"
	 "  _batch INT NOT NULL COMMENT 'the export the row came in',\n"
	 "  _ingested_at TIMESTAMP COMMENT 'when the export was loaded'\n"
	 ") USING DELTA\n"
	 "COMMENT 'Customer records as the CRM exports them: every customer in the first\n"
	 "export, changed and new customers in the second'\n"
	 "TBLPROPERTIES ('quality' = 'bronze', 'source' = 'crm');\n"
	 "INSERT INTO main.bronze.customers_raw\n"
	 "SELECT * FROM (\n"
	 "  WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 20250),\n"
	 "  first_names(n, name) AS (VALUES (0, 'Ada'), (1, 'Bjorn'), (2, 'Chiara'), (3, 'Dmitri'),\n"
	 "    (4, 'Emeka'), (5, 'Fatima'), (6, 'Giulia'), (7, 'Hiroshi'), (8, 'Ingrid'), (9, 'Jamal'),\n"
	 "    (10, 'Kofi'), (11, 'Lucia'), (12, 'Mateo'), (13, 'Nadia'), (14, 'Oskar'), (15, 'Priya'),\n"
	 "    (16, 'Quentin'), (17, 'Rosa'), (18, 'Sven'), (19, 'Tomoko'), (20, 'Uma'), (21, 'Viktor'),\n"
	 "    (22, 'Wen'), (23, 'Yusuf')),\n"
	 "  last_names(n, name) AS (VALUES (0, 'Andersen'), (1, 'Bianchi'), (2, 'Chen'), (3, 'Dubois'),\n"
	 "    (4, 'Eriksen'), (5, 'Fernandez'), (6, 'Garcia'), (7, 'Haddad'), (8, 'Ito'), (9, 'Jensen'),\n"
	 "    (10, 'Kowalski'), (11, 'Larsen'), (12, 'Mensah'), (13, 'Novak'), (14, 'Okafor'),\n"
	 "    (15, 'Patel'), (16, 'Quinn'), (17, 'Rossi'), (18, 'Schmidt'), (19, 'Tanaka'),\n"
	 "    (20, 'Usman'), (21, 'Volkov'), (22, 'Wang'), (23, 'Zimmermann')),\n"
	 "  countries(n, name, region) AS (VALUES (0, 'United States', 'North America'),\n"
	 "    (1, 'United States', 'North America'), (2, 'United States', 'North America'),\n"
	 "    (3, 'Canada', 'North America'), (4, 'Mexico', 'North America'),\n"
	 "    (5, 'Germany', 'Europe'), (6, 'Germany', 'Europe'), (7, 'France', 'Europe'),\n"
	 "    (8, 'United Kingdom', 'Europe'), (9, 'United Kingdom', 'Europe'), (10, 'Norway', 'Europe'),\n"
	 "    (11, 'Italy', 'Europe'), (12, 'Spain', 'Europe'), (13, 'Poland', 'Europe'),\n"
	 "    (14, 'Japan', 'Asia'), (15, 'India', 'Asia'), (16, 'India', 'Asia'),\n"
	 "    (17, 'Singapore', 'Asia'), (18, 'South Korea', 'Asia'), (19, 'Brazil', 'South America'),\n"
	 "    (20, 'Argentina', 'South America'), (21, 'Nigeria', 'Africa'), (22, 'Kenya', 'Africa'),\n"
	 "    (23, 'Australia', 'Oceania')),\n"
	 "  picks AS MATERIALIZED (\n"
	 "    SELECT i, " H(2654435761, "i") " % 24 AS f, " H(374761393, "i") " % 24 AS l,\n"
	 "      " H(2654435761, "i + 101") " % 24 AS c, " H(2246822519, "i") " % 100 AS seg,\n"
	 "      " H(3266489917, "i") " % 730 AS signup_day, " H(668265263, "i") " % 10 AS opt\n"
	 "    FROM seq\n"
	 "  ),\n"
	 "  base AS MATERIALIZED (\n"
	 "    SELECT i, f.name AS first_name, l.name AS last_name, c.name AS country, c.region,\n"
	 "      seg, signup_day, opt\n"
	 "    FROM picks\n"
	 "    JOIN first_names f ON f.n = picks.f\n"
	 "    JOIN last_names l ON l.n = picks.l\n"
	 "    JOIN countries c ON c.n = picks.c\n"
	 "  )\n"
	 "  SELECT i, first_name || ' ' || last_name,\n"
	 "    lower(first_name || '.' || last_name) || i || '@example.com', country, region,\n"
	 "    CASE WHEN seg < 60 THEN 'Consumer' WHEN seg < 90 THEN 'Small Business'\n"
	 "      ELSE 'Enterprise' END,\n"
	 "    date('2021-01-01', '+' || signup_day || ' days'),\n"
	 "    CASE WHEN opt < 4 THEN 'Y' ELSE 'N' END,\n"
	 "    CASE WHEN i <= 20000 THEN 1 ELSE 2 END,\n"
	 "    CASE WHEN i <= 20000 THEN '2023-01-01 03:00:00' ELSE '2024-12-31 03:00:00' END\n"
	 "  FROM base\n"
	 "  UNION ALL\n"
	 "  SELECT i, first_name || ' ' || last_name,\n"
	 "    lower(first_name || '.' || last_name) || '@' || lower(replace(country, ' ', ''))\n"
	 "      || '.example.com', country, region,\n"
	 "    CASE WHEN seg < 60 THEN 'Small Business' ELSE 'Enterprise' END,\n"
	 "    date('2021-01-01', '+' || signup_day || ' days'), 'Y', 2, '2024-12-31 03:00:00'\n"
	 "  FROM base WHERE i <= 20000 AND i % 20 = 0\n"
	 ");\n"},

	{"silver.customers from the first export (20,000 rows)",
	 "CREATE TABLE main.silver.customers (\n"
	 "  customer_id BIGINT NOT NULL,\n"
	 "  name STRING NOT NULL,\n"
	 "  email STRING,\n"
	 "  country STRING,\n"
	 "  region STRING COMMENT 'sales region: Africa, Asia, Europe, North America, Oceania,\n"
	 "South America',\n"
	 "  segment STRING COMMENT 'Consumer, Small Business or Enterprise',\n"
	 "  signup_date DATE,\n"
	 "  marketing_opt_in BOOLEAN,\n"
	 "  updated_at TIMESTAMP COMMENT 'when the CRM export with this version was loaded'\n"
	 ") USING DELTA\n"
	 "COMMENT 'One row per customer, the latest CRM export wins'\n"
	 "TBLPROPERTIES ('quality' = 'silver', 'delta.enableChangeDataFeed' = 'true');\n"
	 "INSERT INTO main.silver.customers\n"
	 "SELECT customer_id, full_name, email, country, region, segment, signup_date,\n"
	 "  marketing_opt_in = 'Y', _ingested_at\n"
	 "FROM main.bronze.customers_raw WHERE _batch = 1;\n"},

	{"silver.products (2,000 rows)",
	 "CREATE TABLE main.silver.products (\n"
	 "  product_id INT NOT NULL,\n"
	 "  sku STRING NOT NULL,\n"
	 "  name STRING NOT NULL,\n"
	 "  category STRING,\n"
	 "  price DECIMAL(10,2) COMMENT 'list price in USD',\n"
	 "  launched_on DATE,\n"
	 "  active BOOLEAN COMMENT 'still sold'\n"
	 ") USING DELTA\n"
	 "COMMENT 'The product catalogue'\n"
	 "TBLPROPERTIES ('quality' = 'silver');\n"
	 "INSERT INTO main.silver.products\n"
	 "SELECT * FROM (\n"
	 "  WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 2000),\n"
	 "  adjectives(n, word) AS (VALUES (0, 'Classic'), (1, 'Compact'), (2, 'Deluxe'), (3, 'Eco'),\n"
	 "    (4, 'Smart'), (5, 'Ultra'), (6, 'Pro'), (7, 'Mini'), (8, 'Vintage'), (9, 'Portable'),\n"
	 "    (10, 'Premium'), (11, 'Basic')),\n"
	 "  nouns(n, category, word) AS (VALUES (0, 'Electronics', 'Headphones'),\n"
	 "    (1, 'Electronics', 'Speaker'), (2, 'Electronics', 'Drone'), (3, 'Electronics', 'Charger'),\n"
	 "    (4, 'Home & Kitchen', 'Kettle'), (5, 'Home & Kitchen', 'Blender'),\n"
	 "    (6, 'Home & Kitchen', 'Lamp'), (7, 'Home & Kitchen', 'Mug'), (8, 'Outdoors', 'Tent'),\n"
	 "    (9, 'Outdoors', 'Backpack'), (10, 'Outdoors', 'Lantern'), (11, 'Outdoors', 'Bottle'),\n"
	 "    (12, 'Toys', 'Puzzle'), (13, 'Toys', 'Robot'), (14, 'Toys', 'Kite'), (15, 'Toys', 'Blocks'),\n"
	 "    (16, 'Books', 'Novel'), (17, 'Books', 'Cookbook'), (18, 'Books', 'Atlas'),\n"
	 "    (19, 'Books', 'Journal'), (20, 'Clothing', 'Jacket'), (21, 'Clothing', 'Scarf'),\n"
	 "    (22, 'Clothing', 'Sneakers'), (23, 'Clothing', 'Hat'), (24, 'Beauty', 'Serum'),\n"
	 "    (25, 'Beauty', 'Shampoo'), (26, 'Beauty', 'Lotion'), (27, 'Beauty', 'Perfume'),\n"
	 "    (28, 'Sports', 'Racket'), (29, 'Sports', 'Yoga Mat'), (30, 'Sports', 'Dumbbell'),\n"
	 "    (31, 'Sports', 'Helmet'))\n"
	 "  SELECT i, 'SKU-' || substr('0000' || i, -5), a.word || ' ' || n.word || ' ' || (100 + i % 900),\n"
	 "    n.category,\n"
	 "    round((199 + (" H(2654435761, "i") " % 1000) * (" H(2246822519, "i") " % 1000) / 10)\n"
	 "      / 100.0, 2),\n"
	 "    date('2020-01-01', '+' || (" H(3266489917, "i") " % 1461) || ' days'),\n"
	 "    " H(668265263, "i") " % 20 <> 0\n"
	 "  FROM seq\n"
	 "  JOIN adjectives a ON a.n = " H(374761393, "i") " % 12\n"
	 "  JOIN nouns n ON n.n = " H(2654435761, "i + 3") " % 32\n"
	 ");\n"},

	{"bronze.orders_raw: orders 1 to 150,000",
	 "CREATE TABLE main.bronze.orders_raw (\n"
	 "  order_id BIGINT NOT NULL,\n"
	 "  customer_id BIGINT,\n"
	 "  product_id INT,\n"
	 "  order_date STRING COMMENT 'YYYY-MM-DD, as the shop exports it',\n"
	 "  quantity INT,\n"
	 "  status STRING COMMENT 'free text: any case, stray blanks',\n"
	 "  channel STRING,\n"
	 "  coupon STRING,\n"
	 "  _ingested_at TIMESTAMP\n"
	 ") USING DELTA\n"
	 "COMMENT 'Orders as the web shop exports them, appended daily; corrections come\n"
	 "as new rows for the same order'\n"
	 "TBLPROPERTIES ('quality' = 'bronze', 'source' = 'shop');\n" ORDERS_RAW(1, 150000)},

	{"bronze.orders_raw: orders 150,001 to 300,000", ORDERS_RAW(150001, 300000)},

	{"silver.orders: the orders of 2023",
	 "CREATE TABLE main.silver.orders (\n"
	 "  order_id BIGINT NOT NULL,\n"
	 "  customer_id BIGINT NOT NULL,\n"
	 "  product_id INT NOT NULL,\n"
	 "  order_date DATE NOT NULL,\n"
	 "  region STRING NOT NULL COMMENT 'the customer''s sales region',\n"
	 "  channel STRING COMMENT 'web, mobile or store',\n"
	 "  status STRING COMMENT 'pending, shipped, delivered, returned or cancelled',\n"
	 "  quantity INT,\n"
	 "  unit_price DECIMAL(10,2) COMMENT 'the list price when the order was loaded',\n"
	 "  discount_pct INT COMMENT 'from the coupon: 0, 5, 10 or 15',\n"
	 "  amount DECIMAL(10,2) COMMENT 'quantity * unit_price less the discount, in USD'\n"
	 ") USING DELTA\n"
	 "PARTITIONED BY (region)\n"
	 "COMMENT 'One row per order, with the latest status'\n"
	 "TBLPROPERTIES ('quality' = 'silver', 'delta.enableDeletionVectors' = 'true',\n"
	 "  'delta.enableChangeDataFeed' = 'true');\n"
	 "INSERT INTO main.silver.orders\n" SILVER_ORDERS("main.bronze.orders_raw", "o.order_date < '2024-01-01'") ";\n"},

	{"silver.orders: the orders of 2024 up to order 290,000",
	 "INSERT INTO main.silver.orders\n" SILVER_ORDERS(
		 "main.bronze.orders_raw", "o.order_date >= '2024-01-01' AND o.order_id <= 290000") ";\n"},

	{"gold tables: daily_sales, customer_lifetime, category_monthly",
	 "CREATE TABLE main.gold.daily_sales (\n"
	 "  order_date DATE NOT NULL,\n"
	 "  region STRING NOT NULL,\n"
	 "  orders BIGINT COMMENT 'orders not cancelled',\n"
	 "  units BIGINT,\n"
	 "  revenue DECIMAL(14,2) COMMENT 'USD'\n"
	 ") USING DELTA\n"
	 "COMMENT 'Revenue per day and region'\n"
	 "TBLPROPERTIES ('quality' = 'gold', 'refresh' = 'after each silver.orders load');\n"
	 DAILY_SALES
	 "CREATE TABLE " CUSTOMER_LIFETIME},

	{"history: a price rise, shipped orders delivered, old cancellations purged",
	 "UPDATE main.silver.products SET price = round(price * 1.08, 2)\n"
	 "WHERE category = 'Electronics' AND active;\n"
	 "UPDATE main.silver.orders SET status = 'delivered'\n"
	 "WHERE status = 'shipped' AND order_date < '2024-12-01';\n"
	 "DELETE FROM main.silver.orders\n"
	 "WHERE status = 'cancelled' AND order_date < '2023-04-01';\n"},

	{"history: MERGE the second CRM export into silver.customers",
	 "MERGE INTO main.silver.customers t\n"
	 "USING (\n"
	 "  SELECT customer_id, full_name AS name, email, country, region, segment,\n"
	 "    signup_date, marketing_opt_in = 'Y' AS marketing_opt_in, _ingested_at AS updated_at\n"
	 "  FROM main.bronze.customers_raw WHERE _batch = 2\n"
	 ") s\n"
	 "ON t.customer_id = s.customer_id\n"
	 "WHEN MATCHED THEN UPDATE SET *\n"
	 "WHEN NOT MATCHED THEN INSERT *;\n"},

	{"history: late returns land in bronze and MERGE into silver.orders",
	 "INSERT INTO main.bronze.orders_raw\n"
	 "SELECT order_id, customer_id, product_id, order_date, quantity, 'RETURNED', channel,\n"
	 "  coupon, datetime(_ingested_at, '+9 days')\n"
	 "FROM main.bronze.orders_raw\n"
	 "WHERE order_id BETWEEN 280001 AND 290000 AND order_id % 4 = 0;\n"
	 "MERGE INTO main.silver.orders t\n"
	 "USING (" SILVER_ORDERS(
		 "(SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY order_id\n"
		 "      ORDER BY _ingested_at DESC) AS latest\n"
		 "    FROM main.bronze.orders_raw WHERE order_id > 280000) WHERE latest = 1)",
		 "true") ") s\n"
	 "ON t.order_id = s.order_id\n"
	 "WHEN MATCHED AND t.status <> s.status THEN UPDATE SET status = s.status\n"
	 "WHEN NOT MATCHED THEN INSERT *;\n"},

	{"maintenance: OPTIMIZE silver.orders ZORDER BY (customer_id), OPTIMIZE bronze",
	 "OPTIMIZE main.silver.orders ZORDER BY (customer_id);\n"
	 "OPTIMIZE main.bronze.orders_raw;\n"},

	{"gold refreshed; properties and comments",
	 DAILY_SALES
	 "CREATE OR REPLACE TABLE " CUSTOMER_LIFETIME
	 "CREATE TABLE main.gold.category_monthly\n"
	 "COMMENT 'Revenue per month and product category'\n"
	 "TBLPROPERTIES ('quality' = 'gold')\n"
	 "AS SELECT * FROM (\n"
	 "  WITH p AS MATERIALIZED (SELECT product_id, category FROM main.silver.products)\n"
	 "  SELECT substr(o.order_date, 1, 7) AS month, p.category, count(*) AS orders,\n"
	 "    sum(o.quantity) AS units, round(sum(o.amount), 2) AS revenue\n"
	 "  FROM main.silver.orders o JOIN p ON p.product_id = o.product_id\n"
	 "  WHERE o.status <> 'cancelled'\n"
	 "  GROUP BY substr(o.order_date, 1, 7), p.category\n"
	 ");\n"
	 "ALTER TABLE main.silver.products SET TBLPROPERTIES ('owner' = 'merchandising',\n"
	 "  'review' = 'prices change monthly');\n"
	 "COMMENT ON TABLE main.gold.daily_sales IS\n"
	 "  'Revenue per day and region, cancelled orders left out; rebuilt after each load';\n"},

	{"a Delta Share for a partner: partner_sales, read by recipient acme",
	 "CREATE SHARE partner_sales COMMENT 'Sales data for Acme, our reseller in Europe';\n"
	 "ALTER SHARE partner_sales ADD TABLE main.silver.orders COMMENT 'European orders only'\n"
	 "  PARTITION (region = 'Europe') AS sales.orders_europe;\n"
	 "ALTER SHARE partner_sales ADD TABLE main.gold.daily_sales\n"
	 "  COMMENT 'Revenue per day and region, with its history' AS sales.daily_sales\n"
	 "  WITH HISTORY;\n"
	 "CREATE RECIPIENT acme COMMENT 'Acme GmbH, reseller in Europe';\n"
	 "GRANT SELECT ON SHARE partner_sales TO RECIPIENT acme;\n"},
};

static const struct demo_table tables[] = {
	{"main.bronze.customers_raw", "two CRM exports"},
	{"main.bronze.orders_raw", "orders as exported, with late corrections"},
	{"main.silver.customers", "one row per customer"},
	{"main.silver.products", "the product catalogue"},
	{"main.silver.orders", "one row per order, partitioned by region"},
	{"main.gold.daily_sales", "revenue per day and region"},
	{"main.gold.customer_lifetime", "orders and revenue per customer"},
	{"main.gold.category_monthly", "revenue per month and category"},
};

const struct demo_step *demo_steps(size_t *n)
{
	*n = sizeof(steps) / sizeof(steps[0]);
	return steps;
}

const struct demo_table *demo_tables(size_t *n)
{
	*n = sizeof(tables) / sizeof(tables[0]);
	return tables;
}
