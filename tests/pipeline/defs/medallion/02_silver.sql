/* Silver: clean orders (expectations of the three kinds) and customers
   as a slowly changing dimension of type 2. */
CREATE OR REFRESH STREAMING TABLE orders_silver (
  CONSTRAINT valid_id EXPECT (order_id IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT positive_amount EXPECT (amount > 0),
  CONSTRAINT known_currency EXPECT (currency IN ('EUR', 'USD')) ON VIOLATION FAIL UPDATE
)
PARTITIONED BY (order_date)
AS SELECT order_id, customer_id, CAST(amount AS DOUBLE) AS amount, currency,
          CAST(ordered_at AS DATE) AS order_date
FROM STREAM(LIVE.orders_bronze);

CREATE OR REFRESH STREAMING TABLE customers_silver;

APPLY CHANGES INTO LIVE.customers_silver
FROM STREAM(LIVE.customers_cdc)
KEYS (id)
APPLY AS DELETE WHEN op = 'DELETE'
SEQUENCE BY seq
COLUMNS * EXCEPT (op, seq)
STORED AS SCD TYPE 2;
