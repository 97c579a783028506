/* demo_pipeline.c - the pipeline of `tarn demo`: "retail" in
 * LAKEHOUSE/pipelines/retail, with its landing files (CSV orders, JSON
 * lines of customer changes) in its landing/ folder. Bronze takes the
 * files as they land, silver drops orders without an id or with an amount
 * that is not positive and keeps the customers as an SCD type 2 dimension,
 * gold sums revenue per city and day.
 *
 * The files come in two waves: the demo runs the pipeline on the first
 * and then lands the second, so that a run from the workbench (or
 * `tarn pipeline run retail`) has new input to take. Every value is
 * arithmetic on the row number, so every build lands the same files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "cli/demo.h"
#include "store/store.h"

static const char bronze_sql[] =
	"-- Bronze: the files as they land in landing/, taken once each.\n"
	"CREATE OR REFRESH STREAMING TABLE orders_bronze\n"
	"COMMENT 'orders as the shop exports them, one row per CSV line'\n"
	"TBLPROPERTIES ('quality' = 'bronze')\n"
	"AS SELECT * FROM STREAM read_files('landing/orders/*.csv', format => 'csv',\n"
	"                                   header => true);\n"
	"\n"
	"CREATE OR REFRESH STREAMING TABLE customer_changes\n"
	"COMMENT 'customer changes from the CRM (JSON lines: id, name, city, tier, op, seq)'\n"
	"TBLPROPERTIES ('quality' = 'bronze')\n"
	"AS SELECT * FROM STREAM read_files('landing/customers/*.json', format => 'json');\n";

static const char silver_sql[] =
	"-- Silver: orders that can be counted, and customers with their history.\n"
	"CREATE OR REFRESH STREAMING TABLE orders_clean (\n"
	"  CONSTRAINT valid_order_id EXPECT (order_id IS NOT NULL) ON VIOLATION DROP ROW,\n"
	"  CONSTRAINT positive_amount EXPECT (amount > 0) ON VIOLATION DROP ROW,\n"
	"  CONSTRAINT known_currency EXPECT (currency IN ('EUR', 'USD', 'GBP'))\n"
	")\n"
	"COMMENT 'orders with an id and a positive amount'\n"
	"TBLPROPERTIES ('quality' = 'silver')\n"
	"AS SELECT order_id, customer_id, CAST(amount AS DOUBLE) AS amount,\n"
	"          upper(currency) AS currency, CAST(ordered_at AS DATE) AS order_date\n"
	"FROM STREAM(LIVE.orders_bronze);\n"
	"\n"
	"CREATE OR REFRESH STREAMING TABLE customers_dim\n"
	"COMMENT 'customers and their history (SCD type 2: __START_AT, __END_AT)';\n"
	"\n"
	"APPLY CHANGES INTO LIVE.customers_dim\n"
	"FROM STREAM(LIVE.customer_changes)\n"
	"KEYS (id)\n"
	"APPLY AS DELETE WHEN op = 'DELETE'\n"
	"SEQUENCE BY seq\n"
	"COLUMNS * EXCEPT (op, seq, _rescued_data)\n"
	"STORED AS SCD TYPE 2;\n";

static const char gold_sql[] =
	"-- Gold: revenue per city and day, by the customers' current city.\n"
	"CREATE OR REFRESH MATERIALIZED VIEW revenue_by_city\n"
	"COMMENT 'revenue per city and day'\n"
	"TBLPROPERTIES ('quality' = 'gold')\n"
	"AS WITH current_customers AS (\n"
	"  SELECT id, city FROM customers_dim WHERE __END_AT IS NULL\n"
	")\n"
	"SELECT c.city, o.order_date, count(*) AS orders, round(sum(o.amount), 2) AS revenue\n"
	"FROM orders_clean o\n"
	"JOIN current_customers c ON o.customer_id = c.id\n"
	"GROUP BY c.city, o.order_date;\n";

static const char *const cities[] = {"Lisbon", "Porto", "Madrid", "Lyon", "Turin", "Ghent"};
static const char *const names[] = {"Ana",   "Bruno", "Carla", "Diogo", "Eva",  "Filipe",
				    "Greta", "Hugo",  "Ines",  "Joao",  "Karin", "Luis",
				    "Marta", "Nuno"};
#define NCUST 12

static int put(struct store *st, const char *dir, const char *name, const struct tn_buf *b,
	       struct tn_err *err)
{
	char *path = tn_path_join(dir, name);
	int rc = store_write(st, path, b->data, b->len, err);

	free(path);
	return rc;
}

/* Orders first..last of a wave: every 17th has no id, every 23rd is a
 * refund (a negative amount), every 29th is in yen. */
static void orders_csv(struct tn_buf *b, int first, int last)
{
	tn_buf_reset(b);
	tn_buf_puts(b, "order_id,customer_id,amount,currency,ordered_at\n", NULL);
	for (int i = first; i <= last; i++) {
		unsigned h = (unsigned)i * 2654435761u >> 12;
		int cents = (int)(h % 20000) + 500;
		int hour = i * 7 % 24, day = 1 + i / 18;

		if (i % 23 == 0)
			cents = -cents;
		if (i % 17 != 0)
			tn_buf_printf(b, NULL, "%d", 10000 + i);
		tn_buf_printf(b, NULL, ",%d,%d.%02d,%s,2024-06-%02dT%02d:%02d:00Z\n",
			      1 + (int)(h >> 3) % NCUST, cents / 100, abs(cents % 100),
			      i % 29 == 0 ? "JPY" : i % 3 == 0 ? "usd" : "EUR", day, hour,
			      i * 13 % 60);
	}
}

static void change(struct tn_buf *b, int id, const char *city, const char *tier, const char *op,
		   int seq)
{
	tn_buf_printf(b, NULL,
		      "{\"id\": %d, \"name\": \"%s\", \"city\": \"%s\", \"tier\": \"%s\", "
		      "\"op\": \"%s\", \"seq\": %d}\n",
		      id, names[(id - 1) % 14], city, tier, op, seq);
}

int demo_pipeline_land(const char *lakehouse, int wave, struct tn_err *err)
{
	char *top = tn_path_join(lakehouse, "pipelines/retail/landing");
	char *od = tn_path_join(top, "orders"), *cd = tn_path_join(top, "customers");
	struct store *st = store_local_new("");
	struct tn_buf b;
	int rc;

	tn_buf_init(&b, 0);
	if (wave == 1) {
		orders_csv(&b, 1, 120);
		rc = put(st, od, "orders-2024-06-01.csv", &b, err);
		orders_csv(&b, 121, 240);
		if (rc == TN_OK)
			rc = put(st, od, "orders-2024-06-08.csv", &b, err);
		tn_buf_reset(&b);
		for (int id = 1; id <= NCUST; id++)
			change(&b, id, cities[id % 6], id % 4 == 0 ? "gold" : "standard", "UPSERT",
			       1);
		if (rc == TN_OK)
			rc = put(st, cd, "customers-0001.json", &b, err);
	} else {
		orders_csv(&b, 241, 330);
		rc = put(st, od, "orders-2024-06-15.csv", &b, err);
		/* two customers move, one is promoted, one leaves, one joins */
		tn_buf_reset(&b);
		change(&b, 2, "Madrid", "standard", "UPSERT", 2);
		change(&b, 5, "Lisbon", "standard", "UPSERT", 2);
		change(&b, 7, cities[7 % 6], "gold", "UPSERT", 2);
		change(&b, 9, cities[9 % 6], "standard", "DELETE", 2);
		change(&b, 13, "Porto", "standard", "UPSERT", 1);
		if (rc == TN_OK)
			rc = put(st, cd, "customers-0002.json", &b, err);
	}
	tn_buf_done(&b);
	store_free(st);
	free(top);
	free(od);
	free(cd);
	return rc;
}

int demo_pipeline_write(const char *lakehouse, struct tn_err *err)
{
	static const struct {
		const char *name, *text;
	} files[] = {
		{"01_bronze.sql", bronze_sql},
		{"02_silver.sql", silver_sql},
		{"03_gold.sql", gold_sql},
	};
	char *dir = tn_path_join(lakehouse, "pipelines/retail");
	struct store *st = store_local_new("");
	int rc = TN_OK;

	for (size_t i = 0; rc == TN_OK && i < sizeof(files) / sizeof(files[0]); i++) {
		char *path = tn_path_join(dir, files[i].name);

		rc = store_write(st, path, files[i].text, strlen(files[i].text), err);
		free(path);
	}
	store_free(st);
	free(dir);
	return rc == TN_OK ? demo_pipeline_land(lakehouse, 1, err) : rc;
}
