/* test_sql_versions.c - the files each commit of a table added and
 * removed, what a version holds (tarn_table_commit_files,
 * tarn_table_version_info) and the application transactions of
 * idempotent writes (tarn_table_txn_version), on tables built through
 * the engine. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "sql/sql.h"

#define FIXTURE_NAME "versions"
#include "engine_fixture.h"

static size_t count(const struct tarn_commit_file *f, size_t n, bool added)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += f[i].added == added;
	return k;
}

static int64_t rows(const struct tarn_commit_file *f, size_t n, bool added)
{
	int64_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (f[i].added == added)
			k += f[i].rows;
	return k;
}

static void commit_files(const char *table, int64_t v, struct tarn_commit_file **f, size_t *n)
{
	struct tn_err err;

	if (tarn_table_commit_files(eng, table, v, f, n, &err) != TN_OK)
		fail_msg("version %lld: %s", (long long)v, err.msg);
}

static void test_commit_files(void **state)
{
	struct tarn_commit_file *f;
	struct tarn_table_version info;
	struct tn_err err;
	size_t n;

	(void)state;
	/* Copy-on-write deletes, so that a DELETE removes a file and adds one. */
	exec("CREATE TABLE main.default.t (id INT, name STRING) "
	     "TBLPROPERTIES ('delta.enableDeletionVectors' = 'false')");
	exec("INSERT INTO main.default.t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
	exec("INSERT INTO main.default.t VALUES (4, 'd'), (5, 'e')");
	exec("DELETE FROM main.default.t WHERE id = 2");

	commit_files("main.default.t", 0, &f, &n);
	assert_int_equal(n, 0);
	tarn_commit_files_free(f, n);

	commit_files("main.default.t", 1, &f, &n);
	assert_int_equal(n, 1);
	assert_true(f[0].added);
	assert_int_equal(f[0].rows, 3);
	assert_true(f[0].size > 0);
	assert_false(f[0].has_dv);
	tarn_commit_files_free(f, n);

	/* Names resolve as in SQL: the current catalog and schema. */
	commit_files("t", 2, &f, &n);
	assert_int_equal(n, 1);
	assert_int_equal(f[0].rows, 2);
	tarn_commit_files_free(f, n);

	/* The DELETE rewrote the first file: one removed (3 rows), one added
	 * (2 rows), added first. */
	commit_files("main.default.`t`", 3, &f, &n);
	assert_int_equal(count(f, n, true), 1);
	assert_int_equal(count(f, n, false), 1);
	assert_true(f[0].added);
	assert_false(f[1].added);
	assert_int_equal(rows(f, n, true), 2);
	assert_int_equal(rows(f, n, false), 3);
	assert_string_not_equal(f[0].path, f[1].path);
	tarn_commit_files_free(f, n);

	assert_int_equal(tarn_table_version_info(eng, "main.default.t", 2, &info, &err), TN_OK);
	assert_int_equal(info.version, 2);
	assert_int_equal(info.latest, 3);
	assert_int_equal(info.files, 2);
	assert_int_equal(info.rows, 5);
	assert_true(info.bytes > 0);
	assert_int_equal(tarn_table_version_info(eng, "main.default.t", -1, &info, &err), TN_OK);
	assert_int_equal(info.version, 3);
	assert_int_equal(info.rows, 4);
}

static void test_deletion_vectors(void **state)
{
	struct tarn_commit_file *f;
	size_t n;

	(void)state;
	exec("CREATE TABLE main.default.dv (id INT) "
	     "TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')");
	exec("INSERT INTO main.default.dv VALUES (1), (2), (3), (4)");
	exec("DELETE FROM main.default.dv WHERE id = 3");

	/* The file stays; its deletion vector changes: removed without a
	 * vector (4 rows), added back with one (3 live rows). */
	commit_files("main.default.dv", 2, &f, &n);
	assert_int_equal(n, 2);
	assert_true(f[0].added);
	assert_true(f[0].has_dv);
	assert_int_equal(f[0].rows, 3);
	assert_false(f[1].added);
	assert_false(f[1].has_dv);
	assert_int_equal(f[1].rows, 4);
	assert_string_equal(f[0].path, f[1].path);
	tarn_commit_files_free(f, n);
}

static void test_errors(void **state)
{
	struct tarn_commit_file *f = NULL;
	struct tarn_table_version info;
	struct tn_err err;
	size_t n = 7;

	(void)state;
	exec("CREATE TABLE IF NOT EXISTS main.default.e (id INT)");
	exec("CREATE VIEW main.default.ev AS SELECT 1 AS x");

	assert_int_equal(tarn_table_commit_files(eng, "main.default.nope", 0, &f, &n, &err),
			 TN_ENOENT);
	assert_null(f);
	assert_int_equal(n, 0);
	assert_int_equal(tarn_table_commit_files(eng, "main.default.e", 5, &f, &n, &err),
			 TN_EINVAL);
	assert_non_null(strstr(err.msg, "main.default.e"));
	assert_int_equal(tarn_table_commit_files(eng, "main.default.e", -1, &f, &n, &err),
			 TN_EINVAL);
	assert_int_equal(tarn_table_commit_files(eng, "main.default.e x", 0, &f, &n, &err),
			 TN_EINVAL);
	assert_int_equal(tarn_table_version_info(eng, "main.default.ev", -1, &info, &err),
			 TN_EINVAL);
	assert_non_null(strstr(err.msg, "not a Delta table"));
}

/* Run one statement; its message and rows affected. */
static void exec_msg(const char *sql, char *msg, size_t len, int64_t *affected)
{
	struct tarn_result *r = NULL;
	struct tn_err err;
	size_t used;

	if (tarn_exec(eng, sql, strlen(sql), &used, &r, &err) != TN_OK)
		fail_msg("%s: %s", sql, err.msg);
	snprintf(msg, len, "%s", tarn_result_message(r) ? tarn_result_message(r) : "");
	*affected = tarn_result_rows_affected(r);
	tarn_result_free(r);
}

static void test_txn_version(void **state)
{
	struct tarn_table_version info;
	struct tn_err err;
	int64_t v = 7, affected;
	char msg[512];

	(void)state;
	exec("CREATE TABLE main.default.ing (id INT)");
	assert_int_equal(tarn_table_txn_version(eng, "main.default.ing", "runner", &v, &err),
			 TN_OK);
	assert_int_equal(v, -1);

	exec("SET spark.databricks.delta.write.txnAppId = 'runner'");
	exec("SET spark.databricks.delta.write.txnVersion = 4");
	exec_msg("INSERT INTO main.default.ing VALUES (1), (2)", msg, sizeof(msg), &affected);
	assert_int_equal(affected, 2);
	assert_non_null(strstr(msg, "version 1"));
	assert_int_equal(tarn_table_txn_version(eng, "ing", "runner", &v, &err), TN_OK);
	assert_int_equal(v, 4);
	assert_int_equal(tarn_table_txn_version(eng, "ing", "other", &v, &err), TN_OK);
	assert_int_equal(v, -1);

	/* the same version again: skipped, nothing committed */
	exec("SET txnAppId = runner");
	exec("SET txnVersion = 4");
	exec_msg("INSERT INTO main.default.ing VALUES (3)", msg, sizeof(msg), &affected);
	assert_int_equal(affected, 0);
	assert_non_null(strstr(msg, "skipped"));
	assert_int_equal(tarn_table_version_info(eng, "ing", -1, &info, &err), TN_OK);
	assert_int_equal(info.latest, 1);
	assert_int_equal(info.rows, 2);

	/* a later one commits; another application's sits beside it */
	exec("SET txnAppId = runner");
	exec("SET txnVersion = 9");
	exec("DELETE FROM main.default.ing WHERE id = 1");
	exec("SET txnAppId = other");
	exec("SET txnVersion = 0");
	exec("INSERT INTO main.default.ing VALUES (5)");
	assert_int_equal(tarn_table_txn_version(eng, "ing", "runner", &v, &err), TN_OK);
	assert_int_equal(v, 9);
	assert_int_equal(tarn_table_txn_version(eng, "ing", "other", &v, &err), TN_OK);
	assert_int_equal(v, 0);

	/* the settings served one write each: this one carries none */
	exec("INSERT INTO main.default.ing VALUES (6)");
	assert_int_equal(tarn_table_txn_version(eng, "ing", "runner", &v, &err), TN_OK);
	assert_int_equal(v, 9);
	assert_int_equal(tarn_table_version_info(eng, "ing", -1, &info, &err), TN_OK);
	assert_int_equal(info.latest, 4);
	assert_int_equal(info.rows, 3);

	v = 7;
	assert_int_equal(tarn_table_txn_version(eng, "main.default.ingg", "runner", &v, &err),
			 TN_ENOENT);
	assert_non_null(strstr(err.msg, "ingg"));
	assert_non_null(strstr(err.msg, "did you mean"));
	assert_int_equal(v, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit_files),
		cmocka_unit_test(test_deletion_vectors),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_txn_version),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
