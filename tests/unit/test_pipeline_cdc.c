/* test_pipeline_cdc.c - APPLY CHANGES INTO as SCD type 1 and 2 (cdc_apply)
 * through a real engine on a temporary lakehouse: whole target tables
 * against hand-computed ones, one table version per batch, errors that
 * commit nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/valfmt.h"
#include "pipeline/cdc.h"
#include "sql/sql.h"

#define FIXTURE_NAME "cdc"
#include "engine_fixture.h"

/* The rows of a query as "v|v|v\n" lines (NULL for nulls). Caller frees. */
static char *rows(const char *sql)
{
	struct tarn_result *r = NULL;
	struct tn_buf out = TN_BUF_INIT;
	struct tn_batch b;
	struct tn_err err;
	size_t used;

	memset(&b, 0, sizeof(b));
	if (tarn_exec(eng, sql, strlen(sql), &used, &r, &err) != TN_OK)
		fail_msg("%s: %s", sql, err.msg);
	tn_buf_puts(&out, "", NULL);
	for (;;) {
		if (tarn_result_next(r, &b, &err) != TN_OK)
			fail_msg("%s: %s", sql, err.msg);
		if (b.nrows == 0)
			break;
		for (size_t i = 0; i < b.nrows; i++) {
			for (size_t c = 0; c < b.schema->ncols; c++) {
				if (c > 0)
					tn_buf_putc(&out, '|', NULL);
				tn_value_text(&out, &b.cols[c], i, 0, NULL);
			}
			tn_buf_putc(&out, '\n', NULL);
		}
	}
	tn_batch_done(&b);
	tarn_result_free(r);
	return tn_buf_detach(&out, NULL);
}

static void check_rows(const char *sql, const char *want)
{
	char *got = rows(sql);

	if (strcmp(got, want) != 0)
		fail_msg("%s\n--- got:\n%s--- want:\n%s", sql, got, want);
	free(got);
}

/* DESCRIBE HISTORY as "version operation" lines, newest first. */
static void check_history(const char *table, const char *want)
{
	char *sql = tn_asprintf("DESCRIBE HISTORY %s", table);
	struct tarn_result *r = NULL;
	struct tn_buf out = TN_BUF_INIT;
	struct tn_batch b;
	struct tn_err err;
	size_t used;

	memset(&b, 0, sizeof(b));
	if (tarn_exec(eng, sql, strlen(sql), &used, &r, &err) != TN_OK)
		fail_msg("%s: %s", sql, err.msg);
	tn_buf_puts(&out, "", NULL);
	for (;;) {
		int v, op;

		if (tarn_result_next(r, &b, &err) != TN_OK)
			fail_msg("%s: %s", sql, err.msg);
		if (b.nrows == 0)
			break;
		v = tn_schema_find(b.schema, "version");
		op = tn_schema_find(b.schema, "operation");
		assert_true(v >= 0 && op >= 0);
		for (size_t i = 0; i < b.nrows; i++) {
			tn_value_text(&out, &b.cols[v], i, 0, NULL);
			tn_buf_putc(&out, ' ', NULL);
			tn_value_text(&out, &b.cols[op], i, 0, NULL);
			tn_buf_putc(&out, '\n', NULL);
		}
	}
	if (strcmp(out.data, want) != 0)
		fail_msg("%s\n--- got:\n%s--- want:\n%s", sql, out.data, want);
	tn_batch_done(&b);
	tarn_result_free(r);
	tn_buf_done(&out);
	free(sql);
}

static int64_t latest(const char *table)
{
	struct tarn_table_version v;
	struct tn_err err;

	if (tarn_table_version_info(eng, table, -1, &v, &err) != TN_OK)
		fail_msg("%s: %s", table, err.msg);
	return v.latest;
}

/* Create the target on batch 1's source, then apply batch `b` of table
 * ch (rows with column b = batch), checking it made exactly one version. */
static struct cdc_stats apply(const struct pl_apply *a, const char *target, const char *ch,
			      int b)
{
	char *batch = tn_asprintf("(SELECT * FROM %s WHERE b = %d)", ch, b);
	struct cdc_stats st;
	struct tn_err err;
	bool created;
	int64_t before;

	if (cdc_target_create(eng, a, target, batch, NULL, &created, &err) != TN_OK)
		fail_msg("create %s: %s", target, err.msg);
	assert_int_equal(created, b == 1);
	before = latest(target);
	if (cdc_apply(eng, a, target, batch, &st, &err) != TN_OK)
		fail_msg("batch %d into %s: %s", b, target, err.msg);
	assert_int_equal(st.version, before + 1);
	assert_int_equal(latest(target), before + 1);
	assert_false(tarn_engine_in_transaction(eng));
	free(batch);
	return st;
}

/* pl_apply holds mutable strings (the parser's); -Wwrite-strings */
static char s_op[] = "op", s_b[] = "b", s_id[] = "id", s_seq[] = "seq", s_src[] = "src",
	    s_del[] = "op = 'D'";
static char *ops_except[] = {s_op, s_b};
static char *id_key[] = {s_id};

static void test_scd1(void **state)
{
	struct pl_apply a = {.source = s_src, .keys = id_key, .nkeys = 1, .sequence_by = s_seq,
			     .delete_when = s_del, .except_cols = ops_except, .nexcept = 2,
			     .scd_type = 1};
	struct cdc_stats st;

	(void)state;
	exec("CREATE TABLE ch1 (b INT, id BIGINT, name STRING, seq BIGINT, op STRING)");
	exec("INSERT INTO ch1 VALUES "
	     /* several changes of a key, out of order: seq 3 is the latest */
	     "(1, 1, 'a', 1, 'U'), (1, 2, 'b', 1, 'U'), (1, 3, 'c', 1, 'U'), "
	     "(1, 1, 'a3', 3, 'U'), (1, 1, 'a2', 2, 'U'), "
	     /* inserted then deleted in the batch; a delete that is the latest */
	     "(1, 4, 'd', 1, 'U'), (1, 4, NULL, 2, 'D'), (1, 5, 'e', 2, 'D'), "
	     "(1, 5, 'e1', 1, 'U'), "
	     /* a tie of sequences: the later row wins */
	     "(1, 6, 'f', 1, 'U'), (1, 6, 'f2', 1, 'U')");
	exec("INSERT INTO ch1 VALUES "
	     /* update, delete, insert; a late update and a late delete (their
	      * sequences are older than the target's) are ignored */
	     "(2, 2, 'b2', 5, 'U'), (2, 3, NULL, 5, 'D'), (2, 1, 'old', 2, 'U'), "
	     "(2, 6, NULL, 0, 'D'), (2, 7, 'g', 1, 'U')");

	st = apply(&a, "main.default.dim1", "ch1", 1);
	check_rows("SELECT * FROM main.default.dim1 ORDER BY id",
		   "1|a3|3\n2|b|1\n3|c|1\n6|f2|1\n");
	assert_int_equal(st.rows_read, 11);
	assert_int_equal(st.inserted, 4);
	assert_int_equal(st.updated, 0);
	assert_int_equal(st.deleted, 0);

	st = apply(&a, "main.default.dim1", "ch1", 2);
	check_rows("SELECT * FROM main.default.dim1 ORDER BY id",
		   "1|a3|3\n2|b2|5\n6|f2|1\n7|g|1\n");
	assert_int_equal(st.inserted, 1);
	assert_int_equal(st.updated, 1);
	assert_int_equal(st.deleted, 1);
	check_history("main.default.dim1", "2 MERGE\n1 MERGE\n0 CREATE TABLE\n");
}

static void test_scd2(void **state)
{
	static char *except[] = {s_op, s_b, s_seq};
	struct pl_apply a = {.source = s_src, .keys = id_key, .nkeys = 1, .sequence_by = s_seq,
			     .delete_when = s_del, .except_cols = except, .nexcept = 3,
			     .scd_type = 2};
	struct cdc_stats st;
	char *cols;
	struct tn_err err;
	const char *all = "SELECT id, name, city, __START_AT, __END_AT FROM main.default.dim2 "
			  "ORDER BY id, __START_AT";

	(void)state;
	exec("CREATE TABLE ch2 (b INT, id BIGINT, name STRING, city STRING, seq BIGINT, op STRING)");
	exec("INSERT INTO ch2 VALUES "
	     /* three versions of key 1, arriving out of order */
	     "(1, 1, 'a', 'x', 10, 'U'), (1, 1, 'a', 'y', 30, 'U'), (1, 1, 'a', 'x2', 20, 'U'), "
	     /* a no-op update: no new version */
	     "(1, 2, 'b', 'x', 10, 'U'), (1, 2, 'b', 'x', 20, 'U'), "
	     /* a delete closes the version and adds none */
	     "(1, 3, 'c', 'x', 10, 'U'), (1, 3, NULL, NULL, 20, 'D'), "
	     "(1, 4, 'd', 'x', 10, 'U')");
	exec("INSERT INTO ch2 VALUES "
	     "(2, 1, 'a', 'z', 50, 'U'), "
	     /* late: between the versions at 20 and 30 */
	     "(2, 1, 'a', 'late', 25, 'U'), "
	     "(2, 2, NULL, NULL, 40, 'D'), "
	     /* back after its delete */
	     "(2, 3, 'c', 'w', 60, 'U'), "
	     /* equal to the current version */
	     "(2, 4, 'd', 'x', 70, 'U'), "
	     "(2, 5, 'e', 'x', 10, 'U')");
	exec("INSERT INTO ch2 VALUES "
	     /* the sequence of an existing version: replaces its values */
	     "(3, 1, 'a', 'y2', 30, 'U'), "
	     /* a delete before the key's first version ends nothing */
	     "(3, 5, NULL, NULL, 5, 'D'), "
	     /* a late delete inside a version's interval ends it there */
	     "(3, 4, NULL, NULL, 40, 'D')");

	if (cdc_target_columns(eng, &a, "main.default.dim2", "(SELECT * FROM ch2)", &cols, &err) !=
	    TN_OK)
		fail_msg("%s", err.msg);
	assert_string_equal(cols, "`id` bigint, `name` string, `city` string, "
			    "`__START_AT` bigint, `__END_AT` bigint");
	free(cols);

	st = apply(&a, "main.default.dim2", "ch2", 1);
	check_rows(all,
		   "1|a|x|10|20\n"
		   "1|a|x2|20|30\n"
		   "1|a|y|30|NULL\n"
		   "2|b|x|10|NULL\n"
		   "3|c|x|10|20\n"
		   "4|d|x|10|NULL\n");
	assert_int_equal(st.rows_read, 8);
	assert_int_equal(st.inserted, 6);
	assert_int_equal(st.updated + st.deleted, 0);

	st = apply(&a, "main.default.dim2", "ch2", 2);
	check_rows(all,
		   "1|a|x|10|20\n"
		   "1|a|x2|20|25\n"
		   "1|a|late|25|30\n"
		   "1|a|y|30|50\n"
		   "1|a|z|50|NULL\n"
		   "2|b|x|10|40\n"
		   "3|c|x|10|20\n"
		   "3|c|w|60|NULL\n"
		   "4|d|x|10|NULL\n"
		   "5|e|x|10|NULL\n");
	assert_int_equal(st.inserted, 4);
	assert_int_equal(st.updated, 3);
	assert_int_equal(st.deleted, 0);

	st = apply(&a, "main.default.dim2", "ch2", 3);
	check_rows(all,
		   "1|a|x|10|20\n"
		   "1|a|x2|20|25\n"
		   "1|a|late|25|30\n"
		   "1|a|y2|30|50\n"
		   "1|a|z|50|NULL\n"
		   "2|b|x|10|40\n"
		   "3|c|x|10|20\n"
		   "3|c|w|60|NULL\n"
		   "4|d|x|10|40\n"
		   "5|e|x|10|NULL\n");
	assert_int_equal(st.inserted, 0);
	assert_int_equal(st.updated, 2);
	assert_int_equal(st.deleted, 0);
	check_history("main.default.dim2", "3 MERGE\n2 MERGE\n1 MERGE\n0 CREATE TABLE\n");
}

/* A composite key, COLUMNS (...) and no SEQUENCE BY (arrival order) in
 * SCD1; a composite key in SCD2. */
static void test_composite(void **state)
{
	static char s_region[] = "region", s_v[] = "v", s_ts[] = "ts";
	static char *keys[] = {s_region, s_id};
	static char *only[] = {s_region, s_id, s_v};
	static char *except[] = {s_op, s_b};
	struct pl_apply a1 = {.source = s_src, .keys = keys, .nkeys = 2, .delete_when = s_del,
			      .columns = only, .ncolumns = 3, .scd_type = 1};
	struct pl_apply a2 = {.source = s_src, .keys = keys, .nkeys = 2, .sequence_by = s_ts,
			      .delete_when = s_del, .except_cols = except, .nexcept = 2,
			      .scd_type = 2};
	struct cdc_stats st;

	(void)state;
	exec("CREATE TABLE ch3 (b INT, region STRING, id INT, v STRING, ts BIGINT, op STRING)");
	exec("INSERT INTO ch3 VALUES (1, 'eu', 1, 'a', 1, 'U'), (1, 'us', 1, 'b', 1, 'U'), "
	     "(1, 'eu', 1, 'a2', 2, 'U'), (1, 'eu', 2, 'c', 1, 'U'), (1, 'us', 2, 'd', 1, 'U'), "
	     "(1, 'us', 2, NULL, 2, 'D')");
	exec("INSERT INTO ch3 VALUES (2, 'us', 1, 'b2', 3, 'U'), (2, 'eu', 2, NULL, 3, 'D')");

	st = apply(&a1, "main.default.dim3", "ch3", 1);
	check_rows("SELECT * FROM main.default.dim3 ORDER BY region, id",
		   "eu|1|a2\neu|2|c\nus|1|b\n");
	assert_int_equal(st.inserted, 3);
	st = apply(&a1, "main.default.dim3", "ch3", 2);
	check_rows("SELECT * FROM main.default.dim3 ORDER BY region, id", "eu|1|a2\nus|1|b2\n");
	assert_int_equal(st.updated, 1);
	assert_int_equal(st.deleted, 1);

	apply(&a2, "main.default.dim4", "ch3", 1);
	apply(&a2, "main.default.dim4", "ch3", 2);
	check_rows("SELECT region, id, v, ts, __START_AT, __END_AT FROM main.default.dim4 "
		   "ORDER BY region, id, __START_AT",
		   "eu|1|a|1|1|2\n"
		   "eu|1|a2|2|2|NULL\n"
		   "eu|2|c|1|1|3\n"
		   "us|1|b|1|1|3\n"
		   "us|1|b2|3|3|NULL\n"
		   "us|2|d|1|1|2\n");
}

/* Bad clauses and failing batches name the dataset and commit nothing. */
static void test_errors(void **state)
{
	static char s_nope[] = "nope", s_bad[] = "no_such_column = 1";
	static char *bad_key[] = {s_nope};
	struct pl_apply a = {.source = s_src, .keys = bad_key, .nkeys = 1, .sequence_by = s_seq,
			     .scd_type = 1};
	struct cdc_stats st;
	struct tn_err err;
	int64_t v;

	(void)state;
	exec("CREATE TABLE ch5 (b INT, id BIGINT, name STRING, seq BIGINT, op STRING)");
	exec("INSERT INTO ch5 VALUES (1, 1, 'a', 1, 'U'), (1, NULL, 'x', 2, 'U')");
	exec("CREATE TABLE dim5 (id BIGINT, name STRING, seq BIGINT, op STRING, b INT)");
	v = latest("main.default.dim5");

	assert_int_equal(cdc_apply(eng, &a, "main.default.dim5", "(SELECT * FROM ch5)", &st,
				   &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "APPLY CHANGES INTO main.default.dim5: key column 'nope' "
				"is not in the source"));

	a.keys = id_key;
	a.delete_when = s_bad;
	assert_int_not_equal(cdc_apply(eng, &a, "main.default.dim5",
				       "(SELECT * FROM ch5 WHERE id IS NOT NULL)", &st, &err), TN_OK);
	assert_non_null(strstr(err.msg, "APPLY CHANGES INTO main.default.dim5"));
	assert_false(tarn_engine_in_transaction(eng));

	a.delete_when = NULL;
	assert_int_equal(cdc_apply(eng, &a, "main.default.dim5", "(SELECT * FROM ch5)", &st,
				   &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "1 change rows have a NULL key"));

	a.scd_type = 2;
	assert_int_equal(cdc_apply(eng, &a, "main.default.dim5",
				   "(SELECT * FROM ch5 WHERE id IS NOT NULL)", &st, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "the target has no column '__START_AT'"));
	assert_int_equal(latest("main.default.dim5"), v);
	check_rows("SELECT count(*) FROM main.default.dim5", "0\n");

	/* inside the caller's transaction: only the MERGE, the caller commits */
	a.scd_type = 1;
	exec("BEGIN");
	if (cdc_apply(eng, &a, "main.default.dim5", "(SELECT * FROM ch5 WHERE id IS NOT NULL)",
		      &st, &err) != TN_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(st.version, -1);
	assert_true(tarn_engine_in_transaction(eng));
	exec("COMMIT");
	assert_int_equal(latest("main.default.dim5"), v + 1);
	check_rows("SELECT id, name, seq FROM main.default.dim5", "1|a|1\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scd1),
		cmocka_unit_test(test_scd2),
		cmocka_unit_test(test_composite),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
