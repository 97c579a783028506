/* test_sql_vtab.c - SQLite virtual tables over Delta tables, Parquet,
 * the change feed, text files and batches; the value mapping both ways. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/valfmt.h"
#include "delta/delta.h"
#include "parquet/parquet.h"
#include "sql/value.h"
#include "sql/vtab.h"

static char dir[64];
static struct store *st;

/* The session, as far as the virtual tables see it. */
struct thost {
	struct sql_vtab_host h;
	struct delta_tx *tx;
	char *tx_root;
	int scans;
	struct delta_scan_metrics last;
	char last_what[512];
};

static struct thost th;
static sqlite3 *db;

static int t_tx_for(void *ctx, const char *root, struct delta_tx **tx, struct tn_err *err)
{
	struct thost *h = ctx;

	if (h->tx == NULL) {
		int rc = delta_tx_begin(st, root, &h->tx, err);

		if (rc != TN_OK)
			return rc;
		h->tx_root = tn_strdup(root);
	}
	assert_string_equal(root, h->tx_root);
	*tx = h->tx;
	return TN_OK;
}

static void t_scan_done(void *ctx, const char *what, const struct delta_scan_metrics *m)
{
	struct thost *h = ctx;

	h->scans++;
	h->last = *m;
	snprintf(h->last_what, sizeof(h->last_what), "%s", what);
}

/* Commit what the statement wrote, as the session does. */
static int64_t commit(void)
{
	struct tn_err err;
	int64_t v = -1;

	assert_int_equal(sql_vtab_flush(db, &err), TN_OK);
	assert_non_null(th.tx);
	assert_int_equal(delta_tx_commit(th.tx, &v, &err), TN_OK);
	th.tx = NULL;
	free(th.tx_root);
	th.tx_root = NULL;
	return v;
}

static void abort_tx(void)
{
	delta_tx_abort(th.tx);
	th.tx = NULL;
	free(th.tx_root);
	th.tx_root = NULL;
}

static int setup(void **state)
{
	struct tn_err err;

	(void)state;
	strcpy(dir, "/tmp/tarn-vtab-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	st = store_local_new("");
	memset(&th, 0, sizeof(th));
	th.h.st = st;
	th.h.ctx = &th;
	th.h.tx_for = t_tx_for;
	th.h.scan_done = t_scan_done;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return -1;
	return sql_vtab_register(db, &th.h, &err) == TN_OK ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = tn_asprintf("rm -rf '%s'", dir);

	(void)state;
	sqlite3_close(db);
	store_free(st);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
	return 0;
}

/* ---- helpers ---- */

static int exec(const char *fmt, ...)
{
	va_list ap;
	char *sql, *msg = NULL;
	int rc;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fprintf(stderr, "# %s: %s\n", sql, msg);
	sqlite3_free(msg);
	sqlite3_free(sql);
	return rc;
}

/* The text of the first column of the first row ("NULL" for null; the
 * caller frees), with its type name in *type when asked. */
static char *query(const char *sql, const char **type)
{
	sqlite3_stmt *s;
	char *out;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		fprintf(stderr, "# %s: %s\n", sql, sqlite3_errmsg(db));
	assert_int_equal(rc, SQLITE_OK);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW)
		fprintf(stderr, "# %s: %s\n", sql, sqlite3_errmsg(db));
	assert_int_equal(rc, SQLITE_ROW);
	if (type) {
		static const char *names[] = {"?", "integer", "real", "text", "blob", "null"};

		*type = names[sqlite3_column_type(s, 0)];
	}
	out = sqlite3_column_type(s, 0) == SQLITE_NULL
		      ? tn_strdup("NULL")
		      : tn_strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return out;
}

static void check(const char *sql, const char *want, const char *want_type)
{
	const char *type;
	char *got = query(sql, &type);

	if (strcmp(got, want) != 0 || (want_type && strcmp(type, want_type) != 0))
		fprintf(stderr, "# %s: got %s (%s), want %s (%s)\n", sql, got, type, want,
			want_type ? want_type : "any");
	assert_string_equal(got, want);
	if (want_type)
		assert_string_equal(type, want_type);
	free(got);
}

static int64_t query_int(const char *sql)
{
	char *s = query(sql, NULL);
	int64_t v = strtoll(s, NULL, 10);

	free(s);
	return v;
}

/* The error message of a statement that must fail. */
static char *fails(const char *sql)
{
	char *msg = NULL, *out;

	assert_int_not_equal(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK);
	out = tn_strdup(msg ? msg : "");
	sqlite3_free(msg);
	return out;
}

static char *path(const char *name)
{
	return tn_path_join(dir, name);
}

static void create_table(const char *root, const char *schema_json, const char *const *parts,
			 size_t nparts)
{
	struct tn_schema s;
	struct tn_err err;
	struct delta_create_opts o = {0};
	struct delta_tx *tx;
	int64_t v;

	assert_int_equal(delta_schema_parse(schema_json, &s, &err), TN_OK);
	o.schema = &s;
	o.partition_columns = parts;
	o.npartition_columns = nparts;
	assert_int_equal(delta_tx_create(st, root, &o, &tx, &err), TN_OK);
	assert_int_equal(delta_tx_commit(tx, &v, &err), TN_OK);
	tn_schema_done(&s);
}

/* ---- the big table: ids clustered by file ---- */

static const char *nums_schema =
	"{\"type\":\"struct\",\"fields\":["
	"{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"x\",\"type\":\"double\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"g\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"p\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]}";

static char *nums_root;

/* 10 commits of 1000 rows: commit k holds ids k*1000.., x = id / 2,
 * g = id % 7, p = "even"/"odd" by k. */
static void make_nums(void)
{
	const char *parts[] = {"p"};
	struct tn_schema s;
	struct tn_err err;

	if (nums_root != NULL)
		return;
	nums_root = path("nums");
	create_table(nums_root, nums_schema, parts, 1);
	assert_int_equal(delta_schema_parse(nums_schema, &s, &err), TN_OK);
	for (int k = 0; k < 10; k++) {
		struct delta_tx *tx;
		struct tn_batch b;
		int64_t v;

		assert_int_equal(delta_tx_begin(st, nums_root, &tx, &err), TN_OK);
		tn_batch_init(&b, &s, 1000);
		for (int i = 0; i < 1000; i++) {
			int64_t id = k * 1000 + i;
			const char *p = k % 2 ? "odd" : "even";

			((int64_t *)b.cols[0].values)[i] = id;
			((double *)b.cols[1].values)[i] = (double)id / 2;
			((int32_t *)b.cols[2].values)[i] = (int32_t)(id % 7);
			((struct tn_bytes *)b.cols[3].values)[i].ptr = (const uint8_t *)p;
			((struct tn_bytes *)b.cols[3].values)[i].len = (uint32_t)strlen(p);
		}
		for (int c = 0; c < 4; c++)
			b.cols[c].len = 1000;
		b.nrows = 1000;
		assert_int_equal(delta_tx_write(tx, &b, &err), TN_OK);
		tn_batch_done(&b);
		assert_int_equal(delta_tx_commit(tx, &v, &err), TN_OK);
		assert_int_equal(v, k + 1);
	}
	tn_schema_done(&s);
}

static void test_scan_and_pushdown(void **state)
{
	(void)state;
	make_nums();
	assert_int_equal(exec("CREATE VIRTUAL TABLE temp.nums USING tarn_delta(%Q)", nums_root),
			 SQLITE_OK);
	check("SELECT count(*) FROM nums", "10000", "integer");
	check("SELECT sum(id) FROM nums", "49995000", "integer");
	check("SELECT sum(x) FROM nums", "24997500.0", "real");
	check("SELECT typeof(g) || typeof(p) FROM nums LIMIT 1", "integertext", NULL);
	assert_string_equal(th.last_what, nums_root);
	assert_int_equal(th.last.files_total, 10);

	/* an id range: files are clustered by id, so 9 of 10 are skipped */
	check("SELECT count(*) FROM nums WHERE id >= 2000 AND id < 3000", "1000", NULL);
	assert_int_equal(th.last.files_skipped, 9);
	check("SELECT sum(id) FROM nums WHERE id BETWEEN 2500 AND 2509", "25045", NULL);
	assert_int_equal(th.last.files_skipped, 9);
	/* partitions */
	check("SELECT count(*) FROM nums WHERE p = 'odd'", "5000", NULL);
	assert_int_equal(th.last.files_skipped, 5);
	check("SELECT count(*) FROM nums WHERE p IN ('odd', 'none')", "5000", NULL);
	assert_int_equal(th.last.files_skipped, 5);
	check("SELECT count(*) FROM nums WHERE id IN (5, 1500, 9999, NULL)", "3", NULL);
	assert_int_equal(th.last.files_skipped, 7);
	/* values SQLite compares its own way */
	check("SELECT count(*) FROM nums WHERE id = 2.5", "0", NULL);
	check("SELECT count(*) FROM nums WHERE id < 2.5", "3", NULL);
	check("SELECT count(*) FROM nums WHERE id > 9997.5", "2", NULL);
	assert_int_equal(th.last.files_skipped, 9);
	check("SELECT count(*) FROM nums WHERE id = NULL", "0", NULL);
	check("SELECT count(*) FROM nums WHERE id IS NULL", "0", NULL);
	check("SELECT count(*) FROM nums WHERE id > 'abc'", "0", NULL);
	check("SELECT count(*) FROM nums WHERE id = '42'", "1", NULL);
	check("SELECT count(*) FROM nums WHERE x >= 4999.5", "1", NULL);
	assert_int_equal(th.last.files_skipped, 9);
	check("SELECT count(*) FROM nums WHERE g = 3 AND id < 100", "14", NULL);
	check("SELECT count(*) FROM nums WHERE p != 'odd' AND id >= 9000", "0", NULL);
	check("SELECT count(*) FROM nums WHERE p = 'ODD' COLLATE NOCASE", "5000", NULL);
	/* projection: only what is used; a join reads the table again */
	check("SELECT group_concat(id) FROM (SELECT id FROM nums WHERE id < 3)", "0,1,2", NULL);
	check("SELECT count(*) FROM nums a JOIN nums b ON a.id = b.id + 1 WHERE a.id < 10", "9",
	      NULL);
	check("SELECT g, count(*) FROM nums GROUP BY g ORDER BY g LIMIT 1", "0", NULL);
	check("SELECT max(rowid) FROM nums", "9999", NULL);
	assert_int_equal(exec("DROP TABLE temp.nums"), SQLITE_OK);
}

static void test_versions(void **state)
{
	struct delta_table *t;
	struct delta_snapshot *s;
	struct tn_err err;
	char *msg;
	int64_t ts;

	(void)state;
	make_nums();
	assert_int_equal(exec("CREATE VIRTUAL TABLE temp.v1 USING tarn_delta(%Q, 'v=1')", nums_root),
			 SQLITE_OK);
	check("SELECT count(*) FROM v1", "1000", NULL);
	assert_int_equal(delta_table_open(st, nums_root, &t, &err), TN_OK);
	assert_int_equal(delta_snapshot_open(t, 3, &s, &err), TN_OK);
	ts = delta_snapshot_timestamp(s) * 1000;
	delta_snapshot_free(s);
	delta_table_close(t);
	assert_int_equal(exec("CREATE VIRTUAL TABLE temp.v3 USING tarn_delta(%Q, 'ts=%lld')",
			      nums_root, (long long)ts),
			 SQLITE_OK);
	/* commits within one millisecond share the time: at least version 3 */
	assert_true(query_int("SELECT count(*) FROM v3") >= 3000);
	msg = fails("CREATE VIRTUAL TABLE temp.v99 USING tarn_delta('/nonexistent/x')");
	assert_non_null(strstr(msg, "/nonexistent/x"));
	free(msg);
	{
		char *sql = sqlite3_mprintf("CREATE VIRTUAL TABLE temp.v99 USING tarn_delta(%Q, 'v=99')",
					    nums_root);

		msg = fails(sql);
		sqlite3_free(sql);
	}
	assert_non_null(strstr(msg, "99"));
	assert_non_null(strstr(th.h.last_err.msg, "99"));
	free(msg);
	msg = fails("INSERT INTO v1 VALUES (1, 1, 1, 'x')");
	assert_non_null(strstr(msg, "read-only"));
	free(msg);
	assert_int_equal(exec("DROP TABLE temp.v1; DROP TABLE temp.v3"), SQLITE_OK);
}

static void test_insert(void **state)
{
	char *root = path("copy"), *msg;
	const char *parts[] = {"p"};

	(void)state;
	make_nums();
	create_table(root, nums_schema, parts, 1);
	assert_int_equal(exec("CREATE VIRTUAL TABLE temp.src USING tarn_delta(%Q)", nums_root),
			 SQLITE_OK);
	assert_int_equal(exec("CREATE VIRTUAL TABLE temp.dst USING tarn_delta(%Q)", root),
			 SQLITE_OK);
	/* more rows than one flush holds */
	assert_int_equal(exec("INSERT INTO dst SELECT id, x, g, p FROM src WHERE id < 5000"),
			 SQLITE_OK);
	assert_int_equal(commit(), 1);
	assert_int_equal(exec("DROP TABLE temp.dst"), SQLITE_OK);
	assert_int_equal(exec("CREATE VIRTUAL TABLE temp.dst USING tarn_delta(%Q)", root),
			 SQLITE_OK);
	check("SELECT count(*) || ' ' || sum(id) || ' ' || sum(x) FROM dst",
	      "5000 12497500 6248750.0", NULL);
	check("SELECT count(*) FROM dst WHERE p = 'odd'", "2000", NULL);
	/* values cast to the column's type */
	assert_int_equal(exec("INSERT INTO dst VALUES ('7', 3, 2.0, 5)"), SQLITE_OK);
	assert_int_equal(commit(), 2);
	assert_int_equal(exec("DROP TABLE temp.dst"), SQLITE_OK);
	assert_int_equal(exec("CREATE VIRTUAL TABLE temp.dst USING tarn_delta(%Q)", root),
			 SQLITE_OK);
	check("SELECT id || typeof(id) || x || g || p || typeof(p) FROM dst WHERE p = '5'",
	      "7integer3.025text", NULL);
	/* a value that does not fit: the column and the row */
	msg = fails("INSERT INTO dst VALUES (1, 1, 1, 'a'), (2, 2, 'abc', 'a')");
	assert_non_null(strstr(msg, "column g, row 2: 'abc' is not a int"));
	assert_non_null(strstr(th.h.last_err.msg, "column g, row 2"));
	free(msg);
	msg = fails("INSERT INTO dst VALUES (1, 1, 2.5, 'a')");
	assert_non_null(strstr(msg, "column g, row 1: 2.5 has a fraction"));
	free(msg);
	msg = fails("INSERT INTO dst VALUES (1, 1, 3000000000, 'a')");
	assert_non_null(strstr(msg, "out of range"));
	free(msg);
	msg = fails("UPDATE dst SET g = 1");
	assert_non_null(strstr(msg, "UPDATE through the virtual table is not supported"));
	free(msg);
	msg = fails("DELETE FROM dst");
	assert_non_null(strstr(msg, "not supported"));
	free(msg);
	abort_tx();
	assert_int_equal(exec("DROP TABLE temp.dst; DROP TABLE temp.src"), SQLITE_OK);
	free(root);
}

static const char *all_schema =
	"{\"type\":\"struct\",\"fields\":["
	"{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"i8\",\"type\":\"byte\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"i16\",\"type\":\"short\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"i32\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"f\",\"type\":\"float\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"d\",\"type\":\"double\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"dec\",\"type\":\"decimal(10,2)\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"big\",\"type\":\"decimal(25,3)\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"s\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"bin\",\"type\":\"binary\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"flag\",\"type\":\"boolean\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"day\",\"type\":\"date\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"ts\",\"type\":\"timestamp\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"ntz\",\"type\":\"timestamp_ntz\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"st\",\"type\":{\"type\":\"struct\",\"fields\":["
	"{\"name\":\"a\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"b\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]},"
	"\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"arr\",\"type\":{\"type\":\"array\",\"elementType\":\"long\","
	"\"containsNull\":true},\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"part\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]}";

static void test_all_types(void **state)
{
	char *root = path("all");
	const char *parts[] = {"part"};
	sqlite3_stmt *s;

	(void)state;
	create_table(root, all_schema, parts, 1);
	assert_int_equal(exec("CREATE VIRTUAL TABLE temp.a USING tarn_delta(%Q)", root), SQLITE_OK);
	assert_int_equal(
		exec("INSERT INTO a VALUES (1, -5, 300, 70000, 1.5, 2.25, 12.34, "
		     "'12345678901234567890.125', 'héllo', x'00ff10', 1, '2024-02-29', "
		     "'2024-01-02T03:04:05.123456Z', '2024-01-02 03:04:05', "
		     "'{\"a\":1,\"b\":\"x\"}', '[1,2,null]', 'p1')"),
		SQLITE_OK);
	assert_int_equal(commit(), 1);
	assert_int_equal(exec("INSERT INTO a (id, part) VALUES (2, 'p2'), (3, NULL)"), SQLITE_OK);
	assert_int_equal(commit(), 2);
	assert_int_equal(exec("DROP TABLE temp.a"), SQLITE_OK);
	assert_int_equal(exec("CREATE VIRTUAL TABLE temp.a USING tarn_delta(%Q)", root), SQLITE_OK);

	check("SELECT count(*) FROM a", "3", NULL);
	check("SELECT i8 FROM a WHERE id = 1", "-5", "integer");
	check("SELECT i16 FROM a WHERE id = 1", "300", "integer");
	check("SELECT i32 FROM a WHERE id = 1", "70000", "integer");
	check("SELECT f FROM a WHERE id = 1", "1.5", "real");
	check("SELECT d FROM a WHERE id = 1", "2.25", "real");
	check("SELECT dec FROM a WHERE id = 1", "12.34", "real");
	check("SELECT big FROM a WHERE id = 1", "1.23456789012346e+19", "real");
	check("SELECT s FROM a WHERE id = 1", "héllo", "text");
	check("SELECT hex(bin) || typeof(bin) FROM a WHERE id = 1", "00FF10blob", NULL);
	check("SELECT flag FROM a WHERE id = 1", "1", "integer");
	check("SELECT day FROM a WHERE id = 1", "2024-02-29", "text");
	check("SELECT ts FROM a WHERE id = 1", "2024-01-02T03:04:05.123456Z", "text");
	check("SELECT ntz FROM a WHERE id = 1", "2024-01-02T03:04:05.000000", "text");
	check("SELECT st FROM a WHERE id = 1", "{\"a\":1,\"b\":\"x\"}", "text");
	check("SELECT arr FROM a WHERE id = 1", "[1,2,null]", "text");
	check("SELECT json_extract(st, '$.b') || json_array_length(arr) FROM a WHERE id = 1", "x3",
	      NULL);
	check("SELECT part FROM a WHERE id = 1", "p1", "text");
	check("SELECT typeof(s) || typeof(st) || typeof(arr) || typeof(day) FROM a WHERE id = 2",
	      "nullnullnullnull", NULL);
	check("SELECT id FROM a WHERE part IS NULL", "3", "integer");
	/* pushdown on each kind gives what SQLite gives */
	check("SELECT id FROM a WHERE dec = 12.34", "1", NULL);
	check("SELECT id FROM a WHERE dec > 12.33 AND dec < 12.35", "1", NULL);
	check("SELECT count(*) FROM a WHERE dec > 12.34", "0", NULL);
	check("SELECT id FROM a WHERE day = '2024-02-29'", "1", NULL);
	check("SELECT id FROM a WHERE day >= '2024-02-01'", "1", NULL);
	check("SELECT id FROM a WHERE ts > '2024-01-02'", "1", NULL);
	check("SELECT id FROM a WHERE ts >= '2024-01-02T03:04:05.123456Z'", "1", NULL);
	check("SELECT count(*) FROM a WHERE ts = '2024-01-02'", "0", NULL);
	check("SELECT id FROM a WHERE ts < '2024-01-03'", "1", NULL);
	check("SELECT id FROM a WHERE flag = 1", "1", NULL);
	check("SELECT id FROM a WHERE flag = true AND s = 'héllo'", "1", NULL);
	check("SELECT count(*) FROM a WHERE s > 'h'", "1", NULL);
	check("SELECT count(*) FROM a WHERE i8 < 0 AND i16 = 300 AND f > 1", "1", NULL);
	check("SELECT count(*) FROM a WHERE st IS NOT NULL", "1", NULL);
	/* the declared types carry the Delta types */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT * FROM a", -1, &s, NULL), SQLITE_OK);
	{
		static const char *want[] = {
			"BIGINT",      "TINYINT",     "SMALLINT",   "INT",	  "FLOAT",
			"DOUBLE",      "DECIMAL(10,2)", "DECIMAL(25,3)", "STRING TEXT", "BINARY BLOB",
			"BOOLEAN",     "DATE TEXT",   "TIMESTAMP TEXT", "TIMESTAMP_NTZ TEXT",
			"JSON TEXT",   "JSON TEXT",   "STRING TEXT"};

		assert_int_equal(sqlite3_column_count(s), 17);
		for (int i = 0; i < 17; i++)
			assert_string_equal(sqlite3_column_decltype(s, i), want[i]);
	}
	sqlite3_finalize(s);
	/* a copy through INSERT ... SELECT keeps every value */
	{
		char *root2 = path("all2");

		create_table(root2, all_schema, parts, 1);
		assert_int_equal(exec("CREATE VIRTUAL TABLE temp.a2 USING tarn_delta(%Q)", root2),
				 SQLITE_OK);
		assert_int_equal(exec("INSERT INTO a2 SELECT * FROM a"), SQLITE_OK);
		commit();
		assert_int_equal(exec("DROP TABLE temp.a2"), SQLITE_OK);
		assert_int_equal(exec("CREATE VIRTUAL TABLE temp.a2 USING tarn_delta(%Q)", root2),
				 SQLITE_OK);
		{
			static const char *cols[] = {"id", "i8", "i16", "i32", "f", "d", "dec", "big",
						     "s", "bin", "flag", "day", "ts", "ntz", "st",
						     "arr", "part"};

			for (int c = 0; c < 17; c++) {
				char *q = sqlite3_mprintf("SELECT group_concat(quote(%s)) FROM (SELECT %s FROM a "
							  "EXCEPT SELECT %s FROM a2)", cols[c], cols[c], cols[c]);
				check(q, "NULL", NULL);
				sqlite3_free(q);
			}
		}
		check("SELECT count(*) FROM (SELECT * FROM a EXCEPT SELECT * FROM a2)", "0", NULL);
		check("SELECT count(*) FROM a2", "3", NULL);
		assert_int_equal(exec("DROP TABLE temp.a2"), SQLITE_OK);
		free(root2);
	}
	assert_int_equal(exec("DROP TABLE temp.a"), SQLITE_OK);
	free(root);
}

static void test_wide(void **state)
{
	char *root = path("wide");
	struct tn_buf b = TN_BUF_INIT;

	(void)state;
	tn_buf_puts(&b, "{\"type\":\"struct\",\"fields\":[", NULL);
	for (int i = 0; i < 70; i++)
		tn_buf_printf(&b, NULL,
			      "%s{\"name\":\"c%d\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}}",
			      i ? "," : "", i);
	tn_buf_puts(&b, "]}", NULL);
	create_table(root, b.data, NULL, 0);
	tn_buf_done(&b);
	assert_int_equal(exec("CREATE VIRTUAL TABLE temp.w USING tarn_delta(%Q)", root), SQLITE_OK);
	tn_buf_init(&b, 0);
	tn_buf_puts(&b, "INSERT INTO w VALUES (", NULL);
	for (int i = 0; i < 70; i++)
		tn_buf_printf(&b, NULL, "%s%d", i ? "," : "", i * 10);
	tn_buf_puts(&b, ")", NULL);
	assert_int_equal(exec("%s", b.data), SQLITE_OK);
	tn_buf_done(&b);
	commit();
	/* a vtab reads the version current when it was created */
	check("SELECT count(*) FROM w", "0", NULL);
	assert_int_equal(exec("DROP TABLE temp.w"), SQLITE_OK);
	assert_int_equal(exec("CREATE VIRTUAL TABLE temp.w USING tarn_delta(%Q)", root), SQLITE_OK);
	check("SELECT c0 + c62 + c63 + c69 FROM w", "1940", NULL);
	check("SELECT c68 FROM w WHERE c66 = 660", "680", NULL);
	assert_int_equal(exec("DROP TABLE temp.w"), SQLITE_OK);
	free(root);
}

static void test_batchtab(void **state)
{
	struct tn_schema s;
	struct tn_batch b, b2;
	struct sql_batchtab *bt;
	struct tn_err err;
	static const char *names[] = {"a", "b", "x", "c"};

	(void)state;
	assert_int_equal(delta_schema_parse(
				 "{\"type\":\"struct\",\"fields\":["
				 "{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},"
				 "{\"name\":\"name\",\"type\":\"string\",\"nullable\":true,"
				 "\"metadata\":{}}]}",
				 &s, &err),
			 TN_OK);
	tn_batch_init(&b, &s, 4);
	for (int i = 0; i < 4; i++) {
		((int64_t *)b.cols[0].values)[i] = i + 1;
		((struct tn_bytes *)b.cols[1].values)[i].ptr = (const uint8_t *)names[i];
		((struct tn_bytes *)b.cols[1].values)[i].len = 1;
	}
	b.cols[0].len = b.cols[1].len = b.nrows = 4;
	assert_int_equal(sql_batchtab_create(db, "rows", &s, &bt, &err), TN_OK);
	check("SELECT count(*) FROM rows", "0", NULL);
	sql_batchtab_bind(bt, &b);
	check("SELECT sum(id * 2) FROM rows WHERE name != 'x'", "14", NULL);
	check("SELECT group_concat(rowid) FROM rows WHERE upper(name) IN ('A', 'C')", "0,3", NULL);
	tn_batch_init(&b2, &s, 1);
	((int64_t *)b2.cols[0].values)[0] = 42;
	b2.cols[0].len = b2.cols[1].len = b2.nrows = 1;
	tn_vec_need_nulls(&b2.cols[1], 1, &b2.arena);
	b2.cols[1].nulls[0] = 1;
	sql_batchtab_bind(bt, &b2);
	check("SELECT id || coalesce(name, '-') FROM rows", "42-", NULL);
	sql_batchtab_drop(bt);
	assert_int_not_equal(exec("SELECT * FROM rows"), SQLITE_OK);
	/* an address that is no batch table is refused */
	assert_int_not_equal(exec("CREATE VIRTUAL TABLE temp.bad USING tarn_batch('1234')"),
			     SQLITE_OK);
	tn_batch_done(&b);
	tn_batch_done(&b2);
	tn_schema_done(&s);
}

static void write_parquet(const char *p, int64_t first, int n)
{
	struct tn_schema s;
	struct tn_batch b;
	struct tn_err err;
	struct pq_writer *w;

	assert_int_equal(delta_schema_parse(nums_schema, &s, &err), TN_OK);
	tn_batch_init(&b, &s, (size_t)n);
	for (int i = 0; i < n; i++) {
		((int64_t *)b.cols[0].values)[i] = first + i;
		((double *)b.cols[1].values)[i] = 0.5;
		((int32_t *)b.cols[2].values)[i] = i % 3;
		((struct tn_bytes *)b.cols[3].values)[i].ptr = (const uint8_t *)"q";
		((struct tn_bytes *)b.cols[3].values)[i].len = 1;
	}
	for (int c = 0; c < 4; c++)
		b.cols[c].len = (size_t)n;
	b.nrows = (size_t)n;
	assert_int_equal(pq_writer_open(st, p, &s, NULL, &w, &err), TN_OK);
	assert_int_equal(pq_writer_write(w, &b, &err), TN_OK);
	assert_int_equal(pq_writer_close(w, NULL, &err), TN_OK);
	tn_batch_done(&b);
	tn_schema_done(&s);
}

static void test_parquet(void **state)
{
	char *d = path("pq"), *f1 = path("pq/a.parquet"), *f2 = path("pq/b.parquet");

	(void)state;
	write_parquet(f1, 0, 100);
	write_parquet(f2, 100, 50);
	assert_int_equal(exec("CREATE VIRTUAL TABLE temp.pf USING tarn_parquet(%Q)", f1), SQLITE_OK);
	check("SELECT count(*) || ' ' || sum(id) || ' ' || sum(x) FROM pf", "100 4950 50.0", NULL);
	check("SELECT count(*) FROM pf WHERE g = 1", "33", NULL);
	assert_int_equal(exec("CREATE VIRTUAL TABLE temp.pd USING tarn_parquet(%Q)", d), SQLITE_OK);
	check("SELECT count(*) || ' ' || max(id) FROM pd", "150 149", NULL);
	assert_int_equal(th.last.files_read, 2);
	assert_int_equal(exec("CREATE VIRTUAL TABLE temp.pg USING tarn_files(%Q, 'parquet')", d),
			 SQLITE_OK);
	check("SELECT count(*) FROM pg WHERE p = 'q'", "150", NULL);
	assert_int_equal(exec("DROP TABLE temp.pf; DROP TABLE temp.pd; DROP TABLE temp.pg"),
			 SQLITE_OK);
	free(d);
	free(f1);
	free(f2);
}

static void test_changes(void **state)
{
	(void)state;
	make_nums();
	assert_int_equal(exec("CREATE VIRTUAL TABLE temp.ch USING tarn_changes(%Q, 1, 2)", nums_root),
			 SQLITE_OK);
	check("SELECT count(*) FROM ch", "2000", NULL);
	check("SELECT group_concat(DISTINCT _change_type) FROM ch", "insert", NULL);
	check("SELECT min(_commit_version) || max(_commit_version) FROM ch", "12", NULL);
	check("SELECT sum(id) FROM ch WHERE _commit_version = 2", "1499500", NULL);
	check("SELECT typeof(_commit_timestamp) FROM ch LIMIT 1", "text", NULL);
	assert_int_equal(exec("DROP TABLE temp.ch"), SQLITE_OK);
}

static void write_file(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_files(void **state)
{
	char *csv = path("t.csv"), *json = path("t.jsonl"), *tsv = path("t.txt");

	(void)state;
	write_file(csv, "id,name,amount,day\n1,ann,1.5,2024-01-01\n2,bob,,2024-01-02\n");
	write_file(json, "{\"id\":1,\"tags\":[1,2],\"ok\":true}\n{\"id\":7,\"ok\":false}\n");
	write_file(tsv, "a;b\n1;x\n");
	assert_int_equal(exec("CREATE VIRTUAL TABLE temp.fc USING tarn_files(%Q, 'csv')", csv),
			 SQLITE_OK);
	check("SELECT count(*) || ' ' || sum(id) || ' ' || sum(amount) FROM fc", "2 3 1.5", NULL);
	check("SELECT name || day FROM fc WHERE id = 2", "bob2024-01-02", NULL);
	check("SELECT typeof(amount) FROM fc WHERE id = 2", "null", NULL);
	assert_int_equal(exec("CREATE VIRTUAL TABLE temp.fj USING tarn_files(%Q, 'json')", json),
			 SQLITE_OK);
	check("SELECT sum(id) || group_concat(ok) FROM fj", "81,0", NULL);
	check("SELECT json_array_length(tags) FROM fj WHERE id = 1", "2", NULL);
	assert_int_equal(
		exec("CREATE VIRTUAL TABLE temp.ft USING tarn_files(%Q, 'csv', 'delimiter=;')", tsv),
		SQLITE_OK);
	check("SELECT a || b FROM ft", "1x", NULL);
	assert_int_not_equal(exec("CREATE VIRTUAL TABLE temp.fx USING tarn_files(%Q, 'xml')", csv),
			     SQLITE_OK);
	assert_int_equal(exec("DROP TABLE temp.fc; DROP TABLE temp.fj; DROP TABLE temp.ft"),
			 SQLITE_OK);
	free(csv);
	free(json);
	free(tsv);
}

/* ---- value.c ---- */

static struct tn_vec *rt_vec;
static size_t rt_row;

static void rt_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	sql_value_result(ctx, rt_vec, rt_row);
}

/* Value i of v through sql_value_result and back with sql_value_to_vec:
 * the same canonical JSON. */
static void round_trip(struct tn_vec *v, size_t i)
{
	sqlite3_stmt *s;
	sqlite3_value *val;
	struct tn_arena a;
	struct tn_vec out;
	struct tn_buf j1 = TN_BUF_INIT, j2 = TN_BUF_INIT;
	struct tn_err err;

	rt_vec = v;
	rt_row = i;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT rt()", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	val = sqlite3_value_dup(sqlite3_column_value(s, 0));
	sqlite3_finalize(s);
	tn_arena_init(&a, 0);
	tn_vec_alloc(&out, v->type, 4, &a);
	out.len = 4;
	if (sql_value_to_vec(val, &out, 0, &a, "c", 1, &err) != TN_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(tn_value_json(&j1, v, i, &err), TN_OK);
	assert_int_equal(tn_value_json(&j2, &out, 0, &err), TN_OK);
	if (strcmp(j1.data, j2.data) != 0)
		fail_msg("round trip: %s became %s", j1.data, j2.data);
	tn_buf_done(&j1);
	tn_buf_done(&j2);
	sqlite3_value_free(val);
	tn_arena_done(&a);
}

/* A protected copy of the value of "SELECT expr" (sqlite3_value_free). */
static sqlite3_value *value_of(const char *expr)
{
	char *sql = tn_asprintf("SELECT %s", expr);
	sqlite3_stmt *q;
	sqlite3_value *val;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	val = sqlite3_value_dup(sqlite3_column_value(q, 0));
	sqlite3_finalize(q);
	free(sql);
	return val;
}

/* A schema of one column of the Delta type type_json, and a vector of n
 * values of it in a. */
static void one_column(const char *name, const char *type_json, size_t n, struct tn_schema *s,
		       struct tn_arena *a, struct tn_vec *v)
{
	char *json = tn_asprintf("{\"type\":\"struct\",\"fields\":[{\"name\":\"%s\",\"type\":%s,"
				 "\"nullable\":true,\"metadata\":{}}]}",
				 name, type_json);
	struct tn_err err;

	assert_int_equal(delta_schema_parse(json, s, &err), TN_OK);
	free(json);
	tn_arena_init(a, 0);
	tn_vec_alloc(v, &s->cols[0].type, n, a);
	v->len = n;
}

static void test_value_round_trips(void **state)
{
	static const char *types[] = {
		"\"boolean\"", "\"byte\"", "\"short\"", "\"integer\"", "\"long\"", "\"float\"",
		"\"double\"", "\"decimal(10,2)\"", "\"decimal(30,5)\"", "\"string\"", "\"binary\"",
		"\"date\"", "\"timestamp\"", "\"timestamp_ntz\"",
		"{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"integer\","
		"\"nullable\":true,\"metadata\":{}},{\"name\":\"b\",\"type\":{\"type\":\"array\","
		"\"elementType\":\"string\",\"containsNull\":true},\"nullable\":true,"
		"\"metadata\":{}}]}",
		"{\"type\":\"array\",\"elementType\":{\"type\":\"array\",\"elementType\":\"long\","
		"\"containsNull\":true},\"containsNull\":true}",
		"{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":\"double\","
		"\"valueContainsNull\":true}",
	};
	static const char *values[] = {
		"true", "-128", "32767", "-2147483648", "9223372036854775807", "1.25",
		"0.1", "'-12345678.91'", "'-1234567890.12345'", "'it''s'", "x'00ff'",
		"'1969-12-31'", "'1900-01-01T00:00:00.000001Z'", "'2262-04-11T23:47:16.854775'",
		"'{\"a\":5,\"b\":[\"x\",null]}'", "'[[1,2],null,[]]'",
		"'[{\"key\":\"k\",\"value\":1.5},{\"key\":\"n\",\"value\":null}]'",
	};

	(void)state;
	assert_int_equal(sqlite3_create_function(db, "rt", 0, SQLITE_UTF8, NULL, rt_fn, NULL, NULL),
			 SQLITE_OK);
	for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
		struct tn_schema s;
		struct tn_err err;
		struct tn_arena a;
		struct tn_vec v;
		sqlite3_value *val;

		one_column("c", types[k], 2, &s, &a, &v);
		/* the value from SQL text, then out and back */
		val = value_of(values[k]);
		if (sql_value_to_vec(val, &v, 0, &a, "c", 1, &err) != TN_OK)
			fail_msg("%s: %s", values[k], err.msg);
		sqlite3_value_free(val);
		val = value_of("NULL");
		assert_int_equal(sql_value_to_vec(val, &v, 1, &a, "c", 2, &err), TN_OK);
		sqlite3_value_free(val);
		round_trip(&v, 0);
		round_trip(&v, 1);
		/* the declared type reads back as the type (nested: JSON text) */
		{
			char decl[64];
			struct tn_type t;

			assert_int_equal(sql_decltype_parse(sql_decltype(&s.cols[0].type, decl,
									  sizeof(decl)),
							     &t),
					 0);
			if (tn_type_is_nested(&s.cols[0].type))
				assert_true(t.kind == TN_STRING && t.json);
			else
				assert_true(tn_type_equal(&t, &s.cols[0].type));
		}
		tn_arena_done(&a);
		tn_schema_done(&s);
	}
}

static void test_value_errors(void **state)
{
	static const struct {
		const char *type, *sql, *msg;
	} cases[] = {
		{"\"long\"", "'abc'", "column qty, row 3: 'abc' is not a bigint"},
		{"\"integer\"", "1.5", "column qty, row 3: 1.5 has a fraction: not a int"},
		{"\"byte\"", "300", "column qty, row 3: 300 is out of range for tinyint"},
		{"\"decimal(4,2)\"", "123.4", "column qty, row 3: 123.4 is out of range for decimal(4,2)"},
		{"\"date\"", "'2024-02-30'", "column qty, row 3: '2024-02-30' is not a date"},
		{"\"timestamp\"", "'yesterday'", "column qty, row 3: 'yesterday' is not a timestamp"},
		{"\"boolean\"", "2", "column qty, row 3: 2 is not a boolean"},
		{"\"binary\"", "5", "column qty, row 3: 5 is not a binary"},
		{"{\"type\":\"array\",\"elementType\":\"long\",\"containsNull\":true}", "'[1,\"x\"]'",
		 "column qty, row 3: 'x' is not a bigint"},
	};

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct tn_schema s;
		struct tn_err err;
		struct tn_arena a;
		struct tn_vec v;
		sqlite3_value *val = value_of(cases[k].sql);

		one_column("qty", cases[k].type, 1, &s, &a, &v);
		assert_int_equal(sql_value_to_vec(val, &v, 0, &a, "qty", 3, &err), TN_EINVAL);
		if (strcmp(err.msg, cases[k].msg) != 0)
			fail_msg("got \"%s\", want \"%s\"", err.msg, cases[k].msg);
		sqlite3_value_free(val);
		tn_arena_done(&a);
		tn_schema_done(&s);
	}
}

static void test_decltype_parse(void **state)
{
	static const struct {
		const char *decl;
		enum tn_kind kind;
		int precision, scale;
	} cases[] = {
		{"INTEGER", TN_INT64, 0, 0},	      {"int", TN_INT32, 0, 0},
		{"BIGINT", TN_INT64, 0, 0},	      {"REAL", TN_DOUBLE, 0, 0},
		{"TEXT", TN_STRING, 0, 0},	      {"VARCHAR(20)", TN_STRING, 0, 0},
		{"BLOB", TN_BINARY, 0, 0},	      {"NUMERIC", TN_DOUBLE, 0, 0},
		{"DATE", TN_DATE, 0, 0},	      {"TIMESTAMP", TN_TIMESTAMP, 0, 0},
		{"BOOLEAN", TN_BOOL, 0, 0},	      {"DECIMAL(12, 3)", TN_DECIMAL, 12, 3},
		{"decimal", TN_DECIMAL, 10, 0},	      {"STRING TEXT", TN_STRING, 0, 0},
		{"DATE TEXT", TN_DATE, 0, 0},	      {"BINARY BLOB", TN_BINARY, 0, 0},
		{"TIMESTAMP_NTZ TEXT", TN_TIMESTAMP, 0, 0}, {"JSON TEXT", TN_STRING, 0, 0},
		{"FLOAT", TN_FLOAT, 0, 0},	      {"DOUBLE", TN_DOUBLE, 0, 0},
	};
	struct tn_type t;

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		if (sql_decltype_parse(cases[k].decl, &t) != 0 || t.kind != cases[k].kind)
			fail_msg("%s", cases[k].decl);
		if (t.kind == TN_DECIMAL) {
			assert_int_equal(t.precision, cases[k].precision);
			assert_int_equal(t.scale, cases[k].scale);
		}
	}
	assert_int_equal(sql_decltype_parse("TIMESTAMP_NTZ TEXT", &t), 0);
	assert_false(t.utc);
	assert_int_equal(sql_decltype_parse("JSON TEXT", &t), 0);
	assert_true(t.json);
	assert_int_equal(sql_decltype_parse(NULL, &t), -1);
	assert_int_equal(sql_decltype_parse("", &t), -1);
	assert_int_equal(sql_decltype_parse("WIDGET", &t), -1);
	assert_int_equal(sql_decltype_parse("DECIMAL(50,2)", &t), -1);
}

static void test_parse_times(void **state)
{
	int32_t d;
	int64_t us;

	(void)state;
	assert_int_equal(sql_parse_date("1970-01-02", 10, &d), 0);
	assert_int_equal(d, 1);
	assert_int_equal(sql_parse_date("1970-13-02", 10, &d), -1);
	assert_int_equal(sql_parse_date("1970-01-02x", 11, &d), -1);
	assert_int_equal(sql_parse_timestamp("1970-01-01", 10, &us), 0);
	assert_int_equal(us, 0);
	assert_int_equal(sql_parse_timestamp("1970-01-01T00:00:01.5Z", 22, &us), 0);
	assert_int_equal(us, 1500000);
	assert_int_equal(sql_parse_timestamp("1970-01-01 01:00+01:00", 22, &us), 0);
	assert_int_equal(us, 0);
	assert_int_equal(sql_parse_timestamp("1970-01-01T00:00", 16, &us), 0);
	assert_int_equal(sql_parse_timestamp("1970-01-01T25:00", 16, &us), -1);
	assert_int_equal(sql_parse_timestamp("1970-01-01Tx", 12, &us), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_and_pushdown),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_insert),
		cmocka_unit_test(test_all_types),
		cmocka_unit_test(test_wide),
		cmocka_unit_test(test_batchtab),
		cmocka_unit_test(test_parquet),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_value_round_trips),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_decltype_parse),
		cmocka_unit_test(test_parse_times),
	};
	int rc = cmocka_run_group_tests(tests, setup, teardown);

	free(nums_root);
	return rc;
}
