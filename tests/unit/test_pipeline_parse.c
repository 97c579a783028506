/* test_pipeline_parse.c - pipeline definitions (pipeline.h): every
 * statement form with its clauses, expectations, STREAM sources and their
 * place in the query, dependencies, order, every refusal with its
 * FILE:LINE, pipeline.conf, loading a folder and listing a lakehouse. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/str.h"
#include "pipeline/pipeline.h"

static void init(struct pipeline *p)
{
	memset(p, 0, sizeof(*p));
	p->catalog = tn_strdup("main");
	p->schema = tn_strdup("demo");
}

static int parse(struct pipeline *p, const char *file, const char *text, struct tn_err *err)
{
	return pipeline_parse(p, file, text, strlen(text), err);
}

/* Parse text as f.sql into a fresh pipeline and resolve it: must work. */
static void parse_ok(struct pipeline *p, const char *text)
{
	struct tn_err err = {0};

	init(p);
	if (parse(p, "f.sql", text, &err) != TN_OK || pipeline_resolve(p, &err) != TN_OK)
		fail_msg("%s", err.msg);
}

/* Parse (and resolve) text as f.sql: must fail with code and message. */
static void parse_fails(const char *text, int code, const char *msg)
{
	struct pipeline p;
	struct tn_err err = {0};
	int rc;

	init(&p);
	rc = parse(&p, "f.sql", text, &err);
	if (rc == TN_OK)
		rc = pipeline_resolve(&p, &err);
	assert_int_equal(rc, code);
	assert_string_equal(err.msg, msg);
	pipeline_free(&p);
}

/* The source's slice of the query is exactly want. */
static void assert_slice(const struct pl_dataset *ds, const char *want)
{
	assert_non_null(ds->query);
	assert_true(ds->source.start + ds->source.len <= strlen(ds->query));
	assert_int_equal(ds->source.len, strlen(want));
	assert_memory_equal(ds->query + ds->source.start, want, strlen(want));
}

static const char *opt(const struct pl_option *o, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(o[i].name, name) == 0)
			return o[i].value;
	return NULL;
}

static void test_streaming_table(void **state)
{
	static const char text[] =
		"-- bronze layer\n"
		"CREATE OR REFRESH STREAMING TABLE LIVE.orders_raw (\n"
		"  id INT NOT NULL,\n"
		"  CONSTRAINT valid_id EXPECT (id IS NOT NULL AND id > 0) ON VIOLATION DROP ROW,\n"
		"  amount DECIMAL(10, 2) COMMENT 'the amount',\n"
		"  CONSTRAINT positive EXPECT (amount >= 0),\n"
		"  CONSTRAINT `has ts` EXPECT (ts IS NOT NULL) on violation fail update\n"
		")\n"
		"PARTITIONED BY (day, `region x`)\n"
		"COMMENT 'Raw orders, it''s \\'raw\\'\\n'\n"
		"TBLPROPERTIES ('quality' = 'bronze', delta.appendOnly = true, 'n' = -3)\n"
		"AS SELECT *, current_timestamp() AS ts\n"
		"FROM STREAM read_files('/data/orders/*.csv', format => 'csv', header => TRUE,\n"
		"                       maxFiles => 10, sep => \"\\t\") -- trailing\n"
		";";
	struct pipeline p;
	const struct pl_dataset *ds;

	(void)state;
	parse_ok(&p, text);
	assert_int_equal(p.n, 1);
	ds = &p.ds[0];
	assert_int_equal(ds->kind, PL_STREAMING_TABLE);
	assert_string_equal(ds->name, "orders_raw");
	assert_string_equal(ds->file, "f.sql");
	assert_int_equal(ds->line, 2);
	assert_string_equal(ds->columns,
			    "id INT NOT NULL, amount DECIMAL(10, 2) COMMENT 'the amount'");
	assert_int_equal(ds->nexpects, 3);
	assert_string_equal(ds->expects[0].name, "valid_id");
	assert_string_equal(ds->expects[0].expr, "id IS NOT NULL AND id > 0");
	assert_int_equal(ds->expects[0].on, PL_DROP);
	assert_string_equal(ds->expects[1].name, "positive");
	assert_string_equal(ds->expects[1].expr, "amount >= 0");
	assert_int_equal(ds->expects[1].on, PL_KEEP);
	assert_string_equal(ds->expects[2].name, "has ts");
	assert_int_equal(ds->expects[2].on, PL_FAIL);
	assert_int_equal(ds->npartition_by, 2);
	assert_string_equal(ds->partition_by[0], "day");
	assert_string_equal(ds->partition_by[1], "region x");
	assert_string_equal(ds->comment, "Raw orders, it's 'raw'\n");
	assert_int_equal(ds->nprops, 3);
	assert_string_equal(ds->props[0].name, "quality");
	assert_string_equal(ds->props[0].value, "bronze");
	assert_string_equal(ds->props[1].name, "delta.appendOnly");
	assert_string_equal(ds->props[1].value, "true");
	assert_string_equal(ds->props[2].value, "-3");
	assert_string_equal(
		ds->query,
		"SELECT *, current_timestamp() AS ts\n"
		"FROM STREAM read_files('/data/orders/*.csv', format => 'csv', header => "
		"TRUE,\n                       maxFiles => 10, sep => \"\\t\")");
	assert_int_equal(ds->source.kind, PL_SRC_FILES);
	assert_string_equal(ds->source.path, "/data/orders/*.csv");
	assert_null(ds->source.table);
	assert_int_equal(ds->source.nopts, 4);
	assert_string_equal(opt(ds->source.opts, 4, "format"), "csv");
	assert_string_equal(opt(ds->source.opts, 4, "header"), "true");
	assert_string_equal(opt(ds->source.opts, 4, "maxFiles"), "10");
	assert_string_equal(opt(ds->source.opts, 4, "sep"), "\t");
	assert_slice(ds,
		     "STREAM read_files('/data/orders/*.csv', format => 'csv', header => TRUE,\n"
		     "                       maxFiles => 10, sep => \"\\t\")");
	assert_int_equal(ds->ndeps, 0);
	assert_int_equal(ds->nexternal, 0);
	pipeline_free(&p);
}

static void test_streaming_forms(void **state)
{
	static const char text[] =
		"create streaming table if not exists a AS SELECT * FROM STREAM(LIVE.src);\n"
		"CREATE OR REFRESH STREAMING LIVE TABLE b\n"
		"  AS SELECT x FROM STREAM other.t /* c */ WHERE x > 1;\n"
		"Create Or Refresh Streaming Table main.demo.c;\n"
		";;\n"
		"-- only a comment\n"
		";\n"
		"CREATE OR REFRESH STREAMING TABLE d AS SELECT * FROM STREAM ( `odd name` ) o;\n"
		"CREATE OR REFRESH STREAMING TABLE e AS SELECT * FROM STREAM(read_files('/in'))";
	struct pipeline p;

	(void)state;
	parse_ok(&p, text);
	assert_int_equal(p.n, 5);
	assert_string_equal(p.ds[0].name, "a");
	assert_int_equal(p.ds[0].source.kind, PL_SRC_TABLE);
	assert_string_equal(p.ds[0].source.table, "src");
	assert_slice(&p.ds[0], "STREAM(LIVE.src)");
	assert_string_equal(p.ds[1].name, "b");
	assert_int_equal(p.ds[1].line, 2);
	assert_string_equal(p.ds[1].source.table, "other.t");
	assert_slice(&p.ds[1], "STREAM other.t");
	assert_string_equal(p.ds[1].query, "SELECT x FROM STREAM other.t /* c */ WHERE x > 1");
	assert_string_equal(p.ds[2].name, "main.demo.c");
	assert_int_equal(p.ds[2].line, 4);
	assert_null(p.ds[2].query);
	assert_null(p.ds[2].columns);
	assert_int_equal(p.ds[2].source.kind, PL_SRC_NONE);
	assert_int_equal(p.ds[3].line, 8);
	assert_string_equal(p.ds[3].source.table, "`odd name`");
	assert_slice(&p.ds[3], "STREAM ( `odd name` )");
	assert_int_equal(p.ds[4].source.kind, PL_SRC_FILES);
	assert_string_equal(p.ds[4].source.path, "/in");
	assert_slice(&p.ds[4], "STREAM(read_files('/in'))");
	/* src, other.t and `odd name` are lakehouse tables */
	assert_int_equal(p.ds[0].nexternal, 1);
	assert_string_equal(p.ds[0].external[0], "src");
	assert_string_equal(p.ds[3].external[0], "`odd name`");
	pipeline_free(&p);
}

static void test_materialized_view(void **state)
{
	static const char text[] =
		"CREATE OR REFRESH MATERIALIZED VIEW gold.daily (\n"
		"  day DATE, total DOUBLE,\n"
		"  CONSTRAINT some EXPECT (total > 0) ON VIOLATION DROP ROW\n"
		") COMMENT 'daily totals' TBLPROPERTIES ('layer' = 'gold',\n"
		"  'u' = 'caf\\u00e9 \\% \\x\\u12') PARTITIONED BY (day)\n"
		"AS SELECT day, sum(amount) AS total FROM silver GROUP BY day;\n"
		"CREATE OR REFRESH LIVE TABLE legacy AS SELECT 1 AS one;\n"
		"CREATE MATERIALIZED VIEW IF NOT EXISTS plain AS SELECT 2;\n"
		"CREATE OR REFRESH STREAMING TABLE silver AS SELECT * FROM STREAM(ext.orders)";
	struct pipeline p;
	const struct pl_dataset *ds;

	(void)state;
	parse_ok(&p, text);
	assert_int_equal(p.n, 4);
	ds = &p.ds[0];
	assert_int_equal(ds->kind, PL_MATERIALIZED_VIEW);
	assert_string_equal(ds->name, "gold.daily");
	assert_string_equal(ds->columns, "day DATE, total DOUBLE");
	assert_int_equal(ds->nexpects, 1);
	assert_int_equal(ds->expects[0].on, PL_DROP);
	assert_string_equal(ds->comment, "daily totals");
	assert_string_equal(ds->props[0].value, "gold");
	assert_string_equal(ds->props[1].value, "caf\xc3\xa9 \\% xu12");
	assert_string_equal(ds->partition_by[0], "day");
	assert_string_equal(ds->query, "SELECT day, sum(amount) AS total FROM silver GROUP BY day");
	assert_int_equal(ds->source.kind, PL_SRC_NONE);
	assert_int_equal(ds->ndeps, 1);
	assert_int_equal(ds->deps[0], 3);
	assert_int_equal(p.ds[1].kind, PL_MATERIALIZED_VIEW);
	assert_string_equal(p.ds[1].name, "legacy");
	assert_string_equal(p.ds[1].query, "SELECT 1 AS one");
	assert_int_equal(p.ds[2].kind, PL_MATERIALIZED_VIEW);
	assert_string_equal(p.ds[2].name, "plain");
	pipeline_free(&p);
}

static void test_kafka_http(void **state)
{
	static const char text[] =
		"CREATE OR REFRESH STREAMING TABLE k AS SELECT CAST(value AS STRING) v\n"
		"FROM STREAM read_kafka(bootstrapServers => 'localhost:9092',\n"
		"  subscribe => 'events', startingOffsets => 'earliest', `max.poll` => 500);\n"
		"CREATE OR REFRESH STREAMING TABLE h1 AS SELECT * FROM STREAM read_http(\n"
		"  'http://127.0.0.1:8080/api?page=1', pageParam => 'page', watermark => 'ts');\n"
		"CREATE OR REFRESH STREAMING TABLE h2 AS SELECT * FROM STREAM READ_HTTP(url => "
		"r'http://h/x\\y')";
	struct pipeline p;
	const struct pl_dataset *k, *h1, *h2;

	(void)state;
	parse_ok(&p, text);
	k = &p.ds[0];
	h1 = &p.ds[1];
	h2 = &p.ds[2];
	assert_int_equal(k->source.kind, PL_SRC_KAFKA);
	assert_null(k->source.path);
	assert_int_equal(k->source.nopts, 4);
	assert_string_equal(k->source.opts[0].name, "bootstrapServers");
	assert_string_equal(k->source.opts[0].value, "localhost:9092");
	assert_string_equal(opt(k->source.opts, 4, "subscribe"), "events");
	assert_string_equal(opt(k->source.opts, 4, "startingOffsets"), "earliest");
	assert_string_equal(opt(k->source.opts, 4, "max.poll"), "500");
	assert_slice(k,
		     "STREAM read_kafka(bootstrapServers => 'localhost:9092',\n"
		     "  subscribe => 'events', startingOffsets => 'earliest', `max.poll` => 500)");
	assert_int_equal(h1->source.kind, PL_SRC_HTTP);
	assert_string_equal(h1->source.path, "http://127.0.0.1:8080/api?page=1");
	assert_int_equal(h1->source.nopts, 2);
	assert_string_equal(opt(h1->source.opts, 2, "watermark"), "ts");
	assert_slice(h1, "STREAM read_http(\n  'http://127.0.0.1:8080/api?page=1', pageParam => "
			 "'page', watermark => 'ts')");
	assert_int_equal(h2->source.kind, PL_SRC_HTTP);
	assert_string_equal(h2->source.path, "http://h/x\\y");
	assert_string_equal(opt(h2->source.opts, 1, "url"), "http://h/x\\y");
	assert_slice(h2, "STREAM READ_HTTP(url => r'http://h/x\\y')");
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(p.ds[i].ndeps, 0);
		assert_int_equal(p.ds[i].nexternal, 0);
	}
	pipeline_free(&p);
}

static void test_apply_changes(void **state)
{
	static const char text[] =
		"CREATE OR REFRESH STREAMING TABLE customers_cdc\n"
		"  AS SELECT * FROM STREAM read_files('/cdc', format => 'json');\n"
		"CREATE OR REFRESH STREAMING TABLE customers;\n"
		"APPLY CHANGES INTO LIVE.customers\n"
		"FROM STREAM(LIVE.customers_cdc)\n"
		"KEYS (id, `Region`)\n"
		"IGNORE NULL UPDATES\n"
		"APPLY AS DELETE WHEN operation = 'DELETE' OR (op IN ('D', 'X'))\n"
		"SEQUENCE BY struct(seq, ts)\n"
		"COLUMNS * EXCEPT (operation, seq)\n"
		"STORED AS SCD TYPE 2;\n"
		"CREATE OR REFRESH STREAMING TABLE dim (id INT, name STRING);\n"
		"apply changes into dim from stream customers_cdc\n"
		"  sequence by seq columns (id, name) keys (id);\n"
		"CREATE OR REFRESH STREAMING TABLE dim2;\n"
		"APPLY CHANGES INTO dim2 FROM STREAM(customers_cdc) KEYS (id) COLUMNS id, name "
		"STORED AS SCD TYPE 1";
	struct pipeline p;
	const struct pl_apply *a;

	(void)state;
	parse_ok(&p, text);
	assert_int_equal(p.n, 7);
	assert_int_equal(p.ds[2].kind, PL_APPLY_CHANGES);
	assert_string_equal(p.ds[2].name, "customers");
	assert_int_equal(p.ds[2].line, 4);
	assert_null(p.ds[2].query);
	a = &p.ds[2].apply;
	assert_string_equal(a->source, "customers_cdc");
	assert_int_equal(a->nkeys, 2);
	assert_string_equal(a->keys[0], "id");
	assert_string_equal(a->keys[1], "Region");
	assert_true(a->ignore_null_updates);
	assert_string_equal(a->delete_when, "operation = 'DELETE' OR (op IN ('D', 'X'))");
	assert_string_equal(a->sequence_by, "struct(seq, ts)");
	assert_int_equal(a->nexcept, 2);
	assert_string_equal(a->except_cols[0], "operation");
	assert_string_equal(a->except_cols[1], "seq");
	assert_null(a->columns);
	assert_int_equal(a->scd_type, 2);
	/* the flow reads the source; the declaration depends on the flow */
	assert_int_equal(p.ds[2].ndeps, 1);
	assert_int_equal(p.ds[2].deps[0], 0);
	assert_int_equal(p.ds[1].ndeps, 1);
	assert_int_equal(p.ds[1].deps[0], 2);
	assert_int_equal(pipeline_find(&p, "customers"), 1);

	a = &p.ds[4].apply;
	assert_int_equal(p.ds[4].kind, PL_APPLY_CHANGES);
	assert_string_equal(a->source, "customers_cdc");
	assert_string_equal(a->sequence_by, "seq");
	assert_int_equal(a->ncolumns, 2);
	assert_string_equal(a->columns[1], "name");
	assert_int_equal(a->nkeys, 1);
	assert_false(a->ignore_null_updates);
	assert_null(a->delete_when);
	assert_int_equal(a->scd_type, 1);
	assert_string_equal(p.ds[3].columns, "id INT, name STRING");

	a = &p.ds[6].apply;
	assert_int_equal(a->ncolumns, 2);
	assert_null(a->sequence_by);
	assert_int_equal(a->scd_type, 1);
	pipeline_free(&p);
}

static void test_apply_refused(void **state)
{
	(void)state;
	parse_fails("CREATE OR REFRESH STREAMING TABLE t;\n"
		    "APPLY CHANGES INTO t FROM STREAM(s) KEYS (id)\n"
		    "  APPLY AS TRUNCATE WHEN op = 'T'",
		    TN_EUNSUPPORTED,
		    "f.sql:3: APPLY AS TRUNCATE WHEN is not supported (it exists only for SCD "
		    "type 1 and truncates the whole target)");
	parse_fails("APPLY CHANGES INTO t FROM STREAM(s) KEYS (id) STORED AS SCD TYPE 2\n"
		    "TRACK HISTORY ON * EXCEPT (x)",
		    TN_EUNSUPPORTED,
		    "f.sql:2: TRACK HISTORY ON is not supported: SCD type 2 tracks history on "
		    "every column");
	parse_fails("APPLY CHANGES INTO t FROM STREAM(s) KEYS (id) IGNORE NULL UPDATES ON (a)",
		    TN_EUNSUPPORTED, "f.sql:1: IGNORE NULL UPDATES ON columns is not supported");
	parse_fails("\nAPPLY CHANGES INTO t FROM STREAM(s) SEQUENCE BY x", TN_EINVAL,
		    "f.sql:2: APPLY CHANGES INTO t needs KEYS (...)");
	parse_fails("APPLY CHANGES INTO t FROM s KEYS (id)", TN_EINVAL,
		    "f.sql:1: expected STREAM(source): APPLY CHANGES reads a stream, found 's'");
	parse_fails("APPLY CHANGES INTO t FROM STREAM(s) KEYS (id) KEYS (x)", TN_EINVAL,
		    "f.sql:1: KEYS given twice");
	parse_fails("APPLY CHANGES INTO t FROM STREAM(s) KEYS (id) STORED AS SCD TYPE 3", TN_EINVAL,
		    "f.sql:1: expected 1 or 2 after SCD TYPE, found '3'");
	parse_fails("APPLY CHANGES INTO t FROM STREAM(s) KEYS (id) SEQUENCE BY", TN_EINVAL,
		    "f.sql:1: expected a column after SEQUENCE BY, found the end of the "
		    "statement");
	parse_fails("APPLY CHANGES INTO t FROM STREAM(s) KEYS (id) WHERE x", TN_EINVAL,
		    "f.sql:1: expected KEYS, IGNORE NULL UPDATES, APPLY AS DELETE WHEN, "
		    "SEQUENCE BY, COLUMNS, STORED AS SCD TYPE or the end of the statement, "
		    "found 'WHERE'");
	/* the target must be declared, by a streaming table without AS */
	parse_fails("CREATE OR REFRESH STREAMING TABLE s AS SELECT * FROM STREAM(x);\n"
		    "APPLY CHANGES INTO t FROM STREAM(s) KEYS (id)",
		    TN_EINVAL,
		    "f.sql:2: APPLY CHANGES INTO t: no CREATE OR REFRESH STREAMING TABLE t "
		    "declares the target");
	parse_fails("CREATE OR REFRESH STREAMING TABLE s AS SELECT * FROM STREAM(x);\n"
		    "APPLY CHANGES INTO s FROM STREAM(y) KEYS (id)",
		    TN_EINVAL,
		    "f.sql:2: APPLY CHANGES INTO s: the target must be a streaming table declared "
		    "without AS, not the streaming table with a query at f.sql:1");
	parse_fails("CREATE OR REFRESH MATERIALIZED VIEW m AS SELECT 1;\n\n"
		    "APPLY CHANGES INTO m FROM STREAM(y) KEYS (id)",
		    TN_EINVAL,
		    "f.sql:3: APPLY CHANGES INTO m: the target must be a streaming table declared "
		    "without AS, not the materialized view at f.sql:1");
}

static void test_deps(void **state)
{
	static const char text[] =
		"CREATE OR REFRESH STREAMING TABLE bronze AS\n"
		"  SELECT * FROM STREAM read_files('/x', format => 'json');\n"
		"CREATE OR REFRESH STREAMING TABLE silver AS\n"
		"  SELECT b.*, d.name FROM STREAM(LIVE.bronze) b\n"
		"  JOIN main.ref.dims d ON b.k = d.k LEFT OUTER JOIN `look up` ON 1 = 1;\n"
		"CREATE OR REFRESH MATERIALIZED VIEW gold AS\n"
		"  WITH recent AS (SELECT * FROM silver WHERE ts > now()), x (a) AS (SELECT 1)\n"
		"  SELECT extract(year FROM ts) y, trim(BOTH ' ' FROM name), count(*)\n"
		"  FROM recent, x AS xx, main.demo.SILVER s2, other_cat.s.t,\n"
		"    (SELECT * FROM LIVE.bronze) q JOIN range(10) r\n"
		"  CROSS JOIN read_files('/y') WHERE EXISTS (SELECT 1 FROM ext1 WHERE a IN (SELECT "
		"a "
		"FROM ext2))\n"
		"  GROUP BY 1";
	struct pipeline p;

	(void)state;
	parse_ok(&p, text);
	assert_int_equal(p.ds[1].ndeps, 1);
	assert_int_equal(p.ds[1].deps[0], 0);
	assert_int_equal(p.ds[1].nexternal, 2);
	assert_string_equal(p.ds[1].external[0], "main.ref.dims");
	assert_string_equal(p.ds[1].external[1], "`look up`");
	/* silver (the CTE's FROM, then main.demo.SILVER), then bronze; recent and
	 * x are the query's own, ts and name are columns */
	assert_int_equal(p.ds[2].ndeps, 2);
	assert_int_equal(p.ds[2].deps[0], 1);
	assert_int_equal(p.ds[2].deps[1], 0);
	assert_int_equal(p.ds[2].nexternal, 3);
	assert_string_equal(p.ds[2].external[0], "other_cat.s.t");
	assert_string_equal(p.ds[2].external[1], "ext1");
	assert_string_equal(p.ds[2].external[2], "ext2");
	assert_int_equal(p.order[0], 0);
	assert_int_equal(p.order[1], 1);
	assert_int_equal(p.order[2], 2);
	pipeline_free(&p);
}

static void test_find(void **state)
{
	static const char text[] =
		"CREATE OR REFRESH STREAMING TABLE silver;\n"
		"CREATE OR REFRESH MATERIALIZED VIEW gold.daily AS SELECT 1;\n"
		"CREATE OR REFRESH MATERIALIZED VIEW c.s.`Odd Name` AS SELECT 1;\n"
		"APPLY CHANGES INTO silver FROM STREAM(x) KEYS (id)";
	struct pipeline p;

	(void)state;
	parse_ok(&p, text);
	assert_int_equal(pipeline_find(&p, "silver"), 0);
	assert_int_equal(pipeline_find(&p, "LIVE.SILVER"), 0);
	assert_int_equal(pipeline_find(&p, "live.silver"), 0);
	assert_int_equal(pipeline_find(&p, "demo.silver"), 0);
	assert_int_equal(pipeline_find(&p, "main.demo.silver"), 0);
	assert_int_equal(pipeline_find(&p, "`silver`"), 0);
	assert_int_equal(pipeline_find(&p, "other.silver"), -1);
	assert_int_equal(pipeline_find(&p, "daily"), 1);
	assert_int_equal(pipeline_find(&p, "gold.daily"), 1);
	assert_int_equal(pipeline_find(&p, "main.gold.daily"), 1);
	assert_int_equal(pipeline_find(&p, "demo.daily"), -1);
	assert_int_equal(pipeline_find(&p, "odd name"), 2);
	assert_int_equal(pipeline_find(&p, "`odd name`"), 2);
	assert_int_equal(pipeline_find(&p, "C.S.`ODD NAME`"), 2);
	assert_int_equal(pipeline_find(&p, "x"), -1);
	pipeline_free(&p);
}

static void test_order(void **state)
{
	static const char text[] =
		"CREATE OR REFRESH MATERIALIZED VIEW gold AS SELECT * FROM dim;\n"	  /* 0 */
		"CREATE OR REFRESH STREAMING TABLE audit AS SELECT * FROM STREAM(e.t);\n" /* 1 */
		"CREATE OR REFRESH STREAMING TABLE dim;\n"				  /* 2 */
		"APPLY CHANGES INTO dim FROM STREAM(cdc) KEYS (id);\n"			  /* 3 */
		"CREATE OR REFRESH STREAMING TABLE cdc AS\n"				  /* 4 */
		"  SELECT * FROM STREAM read_files('/cdc');\n"
		"CREATE OR REFRESH MATERIALIZED VIEW m2 AS SELECT * FROM gold JOIN audit;\n" /* 5 */
		"CREATE OR REFRESH MATERIALIZED VIEW m3 AS SELECT 1";			     /* 6 */
	static const size_t want[] = {1, 4, 3, 2, 0, 5, 6};
	struct pipeline p;
	struct tn_err err = {0};

	(void)state;
	parse_ok(&p, text);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(p.order[i], want[i]);
	/* resolving again gives the same */
	assert_int_equal(pipeline_resolve(&p, &err), TN_OK);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(p.order[i], want[i]);
	assert_int_equal(p.ds[0].ndeps, 1);
	assert_int_equal(p.ds[5].ndeps, 2);
	pipeline_free(&p);
}

static void test_statement_errors(void **state)
{
	(void)state;
	parse_fails("CREATE OR REFRESH MATERIALIZED VIEW m AS SELECT 1;\n\n  SELECT 1;", TN_EINVAL,
		    "f.sql:3: expected CREATE OR REFRESH STREAMING TABLE, CREATE OR REFRESH "
		    "MATERIALIZED VIEW or APPLY CHANGES INTO, found 'SELECT'");
	parse_fails("/* a\n b */ CREATE TABLE t (a INT)", TN_EINVAL,
		    "f.sql:2: expected CREATE OR REFRESH STREAMING TABLE, CREATE OR REFRESH "
		    "MATERIALIZED VIEW or APPLY CHANGES INTO, found 'CREATE TABLE'");
	parse_fails("CREATE OR REPLACE TABLE t AS SELECT 1", TN_EINVAL,
		    "f.sql:1: expected CREATE OR REFRESH STREAMING TABLE, CREATE OR REFRESH "
		    "MATERIALIZED VIEW or APPLY CHANGES INTO, found 'CREATE OR REPLACE'");
	parse_fails("INSERT INTO t VALUES (1)", TN_EINVAL,
		    "f.sql:1: expected CREATE OR REFRESH STREAMING TABLE, CREATE OR REFRESH "
		    "MATERIALIZED VIEW or APPLY CHANGES INTO, found 'INSERT'");
	parse_fails("APPLY THIS", TN_EINVAL,
		    "f.sql:1: expected CREATE OR REFRESH STREAMING TABLE, CREATE OR REFRESH "
		    "MATERIALIZED VIEW or APPLY CHANGES INTO, found 'APPLY THIS'");
	/* syntax errors */
	parse_fails("CREATE OR REFRESH STREAMING TABLE t (\n a INT,\n CONSTRAINT c EXPECT (a > 0) "
		    "ON VIOLATION DROP\n) AS SELECT * FROM STREAM(s)",
		    TN_EINVAL, "f.sql:3: expected DROP ROW or FAIL UPDATE, found 'DROP'");
	parse_fails("CREATE OR REFRESH STREAMING TABLE t (a INT,) AS SELECT * FROM STREAM(s)",
		    TN_EINVAL, "f.sql:1: expected a column definition or CONSTRAINT, found ')'");
	parse_fails("CREATE OR REFRESH STREAMING TABLE t (a INT AS SELECT * FROM STREAM(s)",
		    TN_EINVAL,
		    "f.sql:1: expected ')' closing the column list, found the end of the "
		    "statement");
	parse_fails("CREATE OR REFRESH STREAMING TABLE t (CONSTRAINT c EXPECT (a > 0), "
		    "CONSTRAINT C EXPECT (b)) AS SELECT * FROM STREAM(s)",
		    TN_EINVAL, "f.sql:1: expectation c given twice");
	parse_fails("CREATE OR REFRESH MATERIALIZED VIEW m COMMENT 'x'", TN_EINVAL,
		    "f.sql:1: expected PARTITIONED BY, COMMENT, TBLPROPERTIES or AS, found the "
		    "end of the statement");
	parse_fails("CREATE OR REFRESH STREAMING TABLE t COMMENT 'a' COMMENT 'b'", TN_EINVAL,
		    "f.sql:1: COMMENT given twice");
	parse_fails("CREATE OR REFRESH STREAMING TABLE t WITH x AS SELECT 1", TN_EINVAL,
		    "f.sql:1: expected PARTITIONED BY, COMMENT, TBLPROPERTIES, AS or the end of "
		    "the statement, found 'WITH'");
	parse_fails("CREATE OR REFRESH STREAMING TABLE t AS", TN_EINVAL,
		    "f.sql:1: expected a query after AS, found the end of the statement");
	parse_fails("CREATE OR REFRESH STREAMING TABLE a.b.c.d", TN_EINVAL,
		    "f.sql:1: a.b.c.d: a name has at most three parts");
	parse_fails("CREATE OR REFRESH STREAMING TABLE t TBLPROPERTIES ('a' = x)", TN_EINVAL,
		    "f.sql:1: expected a property value (a string, number, true or false), found "
		    "'x'");
	parse_fails("CREATE OR REFRESH STREAMING TABLE t COMMENT 'open\n\n", TN_EINVAL,
		    "f.sql:1: unterminated string");
	parse_fails("CREATE OR REFRESH MATERIALIZED VIEW m AS SELECT 1 # 2", TN_EINVAL,
		    "f.sql:1: unexpected character '#'");
}

static void test_source_errors(void **state)
{
	(void)state;
	parse_fails("CREATE OR REFRESH MATERIALIZED VIEW m AS\n"
		    "SELECT * FROM a\n JOIN STREAM(b) ON true",
		    TN_EINVAL,
		    "f.sql:3: materialized view m reads STREAM: only a streaming table reads a "
		    "stream");
	parse_fails("CREATE OR REFRESH STREAMING TABLE s AS\n"
		    "SELECT * FROM STREAM(a)\n"
		    "UNION ALL SELECT * FROM STREAM read_files('/x')",
		    TN_EINVAL,
		    "f.sql:3: streaming table s reads a second STREAM source (the first is on "
		    "line 2): a streaming table reads one");
	parse_fails("\n\nCREATE OR REFRESH STREAMING TABLE s AS\nSELECT * FROM a", TN_EINVAL,
		    "f.sql:3: streaming table s reads no STREAM source (STREAM read_files(...), "
		    "STREAM(table), STREAM read_kafka(...) or STREAM read_http(...))");
	parse_fails("CREATE OR REFRESH STREAMING TABLE s AS SELECT * FROM STREAM read_csv('/x')",
		    TN_EINVAL,
		    "f.sql:1: unknown streaming source read_csv (expected read_files, read_kafka "
		    "or read_http)");
	parse_fails("CREATE OR REFRESH STREAMING TABLE s AS SELECT * FROM STREAM "
		    "read_files(format => 'csv')",
		    TN_EINVAL,
		    "f.sql:1: read_files needs a path: read_files('path or glob', format => ...)");
	parse_fails("CREATE OR REFRESH STREAMING TABLE s AS SELECT * FROM STREAM read_http()",
		    TN_EINVAL,
		    "f.sql:1: read_http needs a URL: read_http('url', ...) or read_http(url => "
		    "'...')");
	parse_fails("CREATE OR REFRESH STREAMING TABLE s AS SELECT * FROM STREAM "
		    "read_files('/x', '/y')",
		    TN_EINVAL, "f.sql:1: read_files: give options as name => value");
	parse_fails("CREATE OR REFRESH STREAMING TABLE s AS SELECT * FROM STREAM "
		    "read_kafka('h:1')",
		    TN_EINVAL, "f.sql:1: read_kafka: give options as name => value");
	parse_fails("CREATE OR REFRESH STREAMING TABLE s AS SELECT * FROM STREAM "
		    "read_files('/x', format => lower('CSV'))",
		    TN_EINVAL,
		    "f.sql:1: expected a literal (a string, number, true or false), found 'lower'");
	parse_fails("CREATE OR REFRESH STREAMING TABLE s AS SELECT * FROM STREAM "
		    "read_files('/x', format => 'csv', FORMAT => 'json')",
		    TN_EINVAL, "f.sql:1: read_files: option FORMAT given twice");
	parse_fails("CREATE OR REFRESH STREAMING TABLE s AS SELECT * FROM STREAM(a b)", TN_EINVAL,
		    "f.sql:1: expected ')', found 'b'");
	parse_fails("CREATE OR REFRESH STREAMING TABLE s AS SELECT * FROM STREAM 5", TN_EINVAL,
		    "f.sql:1: expected a table or read_files, read_kafka or read_http after "
		    "STREAM, found '5'");
}

static void test_graph_errors(void **state)
{
	struct pipeline p;
	struct tn_err err = {0};

	(void)state;
	parse_fails("CREATE OR REFRESH MATERIALIZED VIEW a AS SELECT * FROM b;\n"
		    "CREATE OR REFRESH MATERIALIZED VIEW x AS SELECT 1;\n"
		    "CREATE OR REFRESH MATERIALIZED VIEW b AS SELECT * FROM c JOIN x;\n"
		    "CREATE OR REFRESH MATERIALIZED VIEW c AS SELECT * FROM LIVE.a",
		    TN_EINVAL, "f.sql:1: dependency cycle: a -> b -> c -> a (each reads the next)");
	parse_fails("CREATE OR REFRESH MATERIALIZED VIEW ok AS SELECT 1;\n"
		    "CREATE OR REFRESH STREAMING TABLE s AS SELECT * FROM STREAM(s)",
		    TN_EINVAL, "f.sql:2: dependency cycle: s -> s (each reads the next)");
	/* through an APPLY CHANGES flow: the flow itself is not named */
	parse_fails("CREATE OR REFRESH STREAMING TABLE t;\n"
		    "APPLY CHANGES INTO t FROM STREAM(u) KEYS (id);\n"
		    "CREATE OR REFRESH STREAMING TABLE u AS SELECT * FROM STREAM(t)",
		    TN_EINVAL, "f.sql:1: dependency cycle: t -> u -> t (each reads the next)");
	/* defined twice, in two files */
	init(&p);
	assert_int_equal(
		parse(&p, "a.sql", "\nCREATE OR REFRESH MATERIALIZED VIEW t AS SELECT 1", &err),
		TN_OK);
	assert_int_equal(parse(&p, "b.sql", "CREATE OR REFRESH STREAMING TABLE main.demo.T", &err),
			 TN_OK);
	assert_int_equal(pipeline_resolve(&p, &err), TN_EINVAL);
	assert_string_equal(err.msg, "b.sql:1: main.demo.T is defined twice (also at a.sql:2)");
	pipeline_free(&p);
	parse_fails("CREATE OR REFRESH MATERIALIZED VIEW gold.t AS SELECT 1;\n"
		    "CREATE OR REFRESH MATERIALIZED VIEW t AS SELECT 1",
		    TN_EINVAL, "f.sql:2: t is defined twice (also at f.sql:1)");
	/* the same last part in other schemas is allowed */
	parse_ok(&p, "CREATE OR REFRESH MATERIALIZED VIEW gold.t AS SELECT 1;\n"
		     "CREATE OR REFRESH MATERIALIZED VIEW silver.t AS SELECT 1");
	assert_int_equal(p.n, 2);
	pipeline_free(&p);
}

/* The sample pipeline of tests/pipeline/defs (every statement form). */
static void test_sample(void **state)
{
	static const size_t want[] = {0, 1, 2, 4, 3, 5};
	const char *src = getenv("TARN_SRCDIR");
	char *dir = tn_asprintf("%s/tests/pipeline/defs/medallion", src ? src : ".");
	struct pipeline p;
	struct tn_err err = {0};

	(void)state;
	if (pipeline_load(dir, NULL, &p, &err) != TN_OK)
		fail_msg("%s", err.msg);
	assert_string_equal(p.name, "medallion");
	assert_string_equal(p.schema, "medallion");
	assert_int_equal(p.n, 6);
	assert_int_equal(p.ds[0].source.kind, PL_SRC_FILES);
	assert_string_equal(p.ds[0].source.path, "landing/orders/*.csv");
	assert_int_equal(p.ds[2].nexpects, 3);
	assert_int_equal(p.ds[2].expects[2].on, PL_FAIL);
	assert_string_equal(p.ds[2].source.table, "orders_bronze");
	assert_int_equal(p.ds[4].kind, PL_APPLY_CHANGES);
	assert_int_equal(p.ds[4].apply.scd_type, 2);
	assert_int_equal(p.ds[5].kind, PL_MATERIALIZED_VIEW);
	assert_int_equal(p.ds[5].ndeps, 2);
	for (size_t i = 0; i < p.n; i++) {
		assert_int_equal(p.order[i], want[i]);
		assert_int_equal(p.ds[i].nexternal, 0);
	}
	pipeline_free(&p);
	free(dir);
}

/* ------------------------------------------------------------- folders */

static char *tmp_dir(void)
{
	char dir[] = "/tmp/tarn-pl.XXXXXX";

	assert_non_null(mkdtemp(dir));
	return tn_strdup(dir);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void rm_tree(char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

static void put(const char *dir, const char *name, const char *text)
{
	char *path = tn_path_join(dir, name);
	FILE *f;

	if (strchr(name, '/')) {
		char *sub = tn_strndup(path, (size_t)(strrchr(path, '/') - path));

		mkdir(sub, 0755);
		free(sub);
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static void test_load(void **state)
{
	char *dir = tmp_dir(), *pdir = tn_path_join(dir, "Sales-Flow 2"), *path;
	struct pipeline p;
	struct tn_err err = {0};

	(void)state;
	mkdir(pdir, 0755);
	put(pdir, "02_silver.sql",
	    "-- silver\nCREATE OR REFRESH STREAMING TABLE silver AS\n"
	    "  SELECT * FROM STREAM(bronze);\n");
	put(pdir, "01_bronze.sql",
	    "CREATE OR REFRESH STREAMING TABLE bronze AS\n"
	    "  SELECT * FROM STREAM read_files('/in', format => 'csv');\n"
	    "CREATE OR REFRESH MATERIALIZED VIEW gold AS SELECT count(*) FROM silver;\n");
	put(pdir, "README.md", "not SQL");
	assert_int_equal(pipeline_load(pdir, NULL, &p, &err), TN_OK);
	assert_string_equal(p.name, "Sales-Flow 2");
	assert_string_equal(p.dir, pdir);
	assert_string_equal(p.catalog, "main");
	assert_string_equal(p.schema, "sales_flow_2");
	assert_int_equal(p.n, 3);
	assert_string_equal(p.ds[0].name, "bronze");
	assert_string_equal(p.ds[1].name, "gold");
	assert_string_equal(p.ds[2].name, "silver");
	path = tn_path_join(pdir, "02_silver.sql");
	assert_string_equal(p.ds[2].file, path);
	free(path);
	assert_int_equal(p.ds[2].line, 2);
	assert_int_equal(p.order[0], 0);
	assert_int_equal(p.order[1], 2);
	assert_int_equal(p.order[2], 1);
	pipeline_free(&p);

	/* pipeline.conf: settings, comments, blank lines */
	put(pdir, "pipeline.conf",
	    "# where it goes\n\ncatalog = lake   # the catalog\n"
	    "  SCHEMA=Sales\n");
	assert_int_equal(pipeline_load(pdir, "named", &p, &err), TN_OK);
	assert_string_equal(p.name, "named");
	assert_string_equal(p.catalog, "lake");
	assert_string_equal(p.schema, "sales");
	pipeline_free(&p);

	path = tn_path_join(pdir, "pipeline.conf");
	put(pdir, "pipeline.conf", "catalog = lake\n# ok\nowner = me\n");
	assert_int_equal(pipeline_load(pdir, NULL, &p, &err), TN_EINVAL);
	assert_true(tn_str_endswith(err.msg, "pipeline.conf:3: unknown setting 'owner' (catalog "
					     "or schema)"));
	assert_true(tn_str_startswith(err.msg, path));
	assert_int_equal(p.n, 0);
	assert_null(p.name);
	put(pdir, "pipeline.conf", "\nschema\n");
	assert_int_equal(pipeline_load(pdir, NULL, &p, &err), TN_EINVAL);
	assert_true(tn_str_endswith(err.msg, "pipeline.conf:2: expected 'catalog = NAME' or "
					     "'schema = NAME', found 'schema'"));
	put(pdir, "pipeline.conf", "schema = a b\n");
	assert_int_equal(pipeline_load(pdir, NULL, &p, &err), TN_EINVAL);
	assert_true(tn_str_endswith(err.msg, "pipeline.conf:1: schema: expected a name of "
					     "letters, digits and _, found 'a b'"));
	put(pdir, "pipeline.conf", "schema = a\nschema = b\n");
	assert_int_equal(pipeline_load(pdir, NULL, &p, &err), TN_EINVAL);
	assert_true(tn_str_endswith(err.msg, "pipeline.conf:2: schema given twice"));
	free(path);
	put(pdir, "pipeline.conf", "");

	/* an error names the file's path and line */
	put(pdir, "03_bad.sql",
	    "CREATE OR REFRESH MATERIALIZED VIEW x AS SELECT 1;\n"
	    "DROP TABLE silver;\n");
	assert_int_equal(pipeline_load(pdir, NULL, &p, &err), TN_EINVAL);
	path = tn_asprintf("%s/03_bad.sql:2: expected CREATE OR REFRESH STREAMING TABLE, "
			   "CREATE OR REFRESH MATERIALIZED VIEW or APPLY CHANGES INTO, found "
			   "'DROP'",
			   pdir);
	assert_string_equal(err.msg, path);
	free(path);
	/* a cycle across files */
	put(pdir, "03_bad.sql",
	    "CREATE OR REFRESH STREAMING TABLE bronze2 AS\n"
	    "  SELECT * FROM STREAM(gold);\n");
	put(pdir, "01_bronze.sql",
	    "CREATE OR REFRESH STREAMING TABLE bronze AS\n"
	    "  SELECT * FROM STREAM read_files('/in', format => 'csv');\n"
	    "CREATE OR REFRESH MATERIALIZED VIEW gold AS SELECT count(*) FROM bronze2;\n");
	assert_int_equal(pipeline_load(pdir, NULL, &p, &err), TN_EINVAL);
	path = tn_asprintf("%s/01_bronze.sql:3: dependency cycle: gold -> bronze2 -> gold (each "
			   "reads the next)",
			   pdir);
	assert_string_equal(err.msg, path);
	free(path);

	/* no folder; a folder without .sql files */
	path = tn_path_join(dir, "none");
	assert_int_equal(pipeline_load(path, NULL, &p, &err), TN_ENOENT);
	free(path);
	path = tn_path_join(dir, "empty");
	mkdir(path, 0755);
	put(path, "notes.txt", "x");
	assert_int_equal(pipeline_load(path, NULL, &p, &err), TN_ENOENT);
	assert_true(tn_str_endswith(err.msg, "empty: no .sql file in the pipeline folder"));
	free(path);
	free(pdir);
	rm_tree(dir);
}

static void test_list(void **state)
{
	char *lake = tmp_dir(), **names, *s;
	struct tn_err err = {0};
	size_t n;

	(void)state;
	assert_int_equal(pipeline_list(lake, &names, &n, &err), TN_OK);
	assert_int_equal(n, 0);
	pipeline_names_free(names, n);
	s = tn_path_join(lake, "pipelines");
	mkdir(s, 0755);
	put(s, "sales/x.sql", "");
	put(s, "Alpha/y.sql", "");
	put(s, "empty/notes.txt", "");
	put(s, "loose.sql", "");
	assert_int_equal(pipeline_list(lake, &names, &n, &err), TN_OK);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "Alpha");
	assert_string_equal(names[1], "sales");
	pipeline_names_free(names, n);
	free(s);

	s = pipeline_dir(lake, "sales");
	assert_true(tn_str_endswith(s, "/pipelines/sales"));
	assert_true(tn_str_startswith(s, lake));
	free(s);
	s = pipeline_dir("/lake", "./my/pipe");
	assert_string_equal(s, "./my/pipe");
	free(s);
	s = pipeline_event_log_path("/lake", "sales");
	assert_string_equal(s, "/lake/pipelines/sales/_event_log");
	free(s);
	rm_tree(lake);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_streaming_table),
		cmocka_unit_test(test_streaming_forms),
		cmocka_unit_test(test_materialized_view),
		cmocka_unit_test(test_kafka_http),
		cmocka_unit_test(test_apply_changes),
		cmocka_unit_test(test_apply_refused),
		cmocka_unit_test(test_deps),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_statement_errors),
		cmocka_unit_test(test_source_errors),
		cmocka_unit_test(test_graph_errors),
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
