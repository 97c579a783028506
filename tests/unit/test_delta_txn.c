/* test_delta_txn.c - Delta transactions: what commits hold, the conflict
 * rules between concurrent transactions, schema enforcement and
 * constraints, the protocol features turn on, in-commit timestamps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "delta/delta.h"

static char dir[64];
static char *root;
static struct store *st;
static struct tn_schema schema;

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/tarn-txn-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	root = tn_path_join(dir, "t");
	st = store_local_new("");
	schema.ncols = 2;
	schema.cols = tn_calloc(2, sizeof(*schema.cols));
	schema.cols[0].name = tn_strdup("id");
	schema.cols[0].type.kind = TN_INT64;
	schema.cols[0].nullable = true;
	schema.cols[1].name = tn_strdup("part");
	schema.cols[1].type.kind = TN_STRING;
	schema.cols[1].nullable = true;
	return 0;
}

static int teardown(void **state)
{
	char *cmd = tn_asprintf("rm -rf '%s'", dir);

	(void)state;
	store_free(st);
	tn_schema_done(&schema);
	free(root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
	return 0;
}

static void fresh(const char *name)
{
	char *cmd = tn_asprintf("rm -rf '%s'", root);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(root);
	root = tn_path_join(dir, name);
}

/* Rows ids first..first+n-1, part = "p<id % nparts>". */
static void rows(struct tn_batch *b, int64_t first, size_t n, int nparts)
{
	tn_batch_init(b, &schema, n);
	for (size_t i = 0; i < n; i++) {
		char *p = tn_arena_alloc(&b->arena, 16);

		((int64_t *)b->cols[0].values)[i] = first + (int64_t)i;
		snprintf(p, 16, "p%d", (int)((first + (int64_t)i) % nparts));
		((struct tn_bytes *)b->cols[1].values)[i].ptr = (const uint8_t *)p;
		((struct tn_bytes *)b->cols[1].values)[i].len = (uint32_t)strlen(p);
	}
	b->cols[0].len = b->cols[1].len = n;
	b->nrows = n;
}

static void create(const char *const *parts, size_t nparts, const struct delta_kv *props,
		   size_t nprops, int64_t n)
{
	struct delta_create_opts o = {&schema, parts, nparts, props, nprops, NULL, NULL};
	struct delta_tx *tx;
	struct tn_batch b;
	struct tn_err err;
	int64_t v = -1;

	assert_int_equal(delta_tx_create(st, root, &o, &tx, &err), TN_OK);
	rows(&b, 0, (size_t)n, 4);
	assert_int_equal(delta_tx_write(tx, &b, &err), TN_OK);
	tn_batch_done(&b);
	assert_int_equal(delta_tx_commit(tx, &v, &err), TN_OK);
	assert_int_equal(v, 0);
}

static int64_t count_rows(const char *where)
{
	struct delta_table *t;
	struct delta_snapshot *s;
	struct delta_scan *sc;
	struct delta_pred *p = NULL;
	struct delta_scan_opts o = {0};
	struct tn_batch b = {0};
	struct tn_err err;
	int64_t n = 0;

	if (where)
		assert_int_equal(delta_pred_parse(where, &p, &err), TN_OK);
	o.where = p;
	assert_int_equal(delta_table_open(st, root, &t, &err), TN_OK);
	assert_int_equal(delta_snapshot_open(t, -1, &s, &err), TN_OK);
	assert_int_equal(delta_scan_open(s, &o, &sc, &err), TN_OK);
	do {
		assert_int_equal(delta_scan_next(sc, &b, &err), TN_OK);
		n += (int64_t)b.nrows;
	} while (b.nrows > 0);
	tn_batch_done(&b);
	delta_scan_close(sc);
	delta_snapshot_free(s);
	delta_table_close(t);
	delta_pred_free(p);
	return n;
}

static struct delta_tx *begin(void)
{
	struct delta_tx *tx;
	struct tn_err err;

	assert_int_equal(delta_tx_begin(st, root, &tx, &err), TN_OK);
	return tx;
}

static int append(struct delta_tx *tx, int64_t first, size_t n, struct tn_err *err)
{
	struct tn_batch b;
	int rc;

	rows(&b, first, n, 4);
	delta_tx_set_operation(tx, "WRITE", "{\"mode\":\"Append\"}");
	rc = delta_tx_write(tx, &b, err);
	tn_batch_done(&b);
	return rc;
}

static int delete_where(struct delta_tx *tx, const char *where, struct tn_err *err)
{
	struct delta_pred *p;
	struct delta_rewrite_result res;
	int rc;

	assert_int_equal(delta_pred_parse(where, &p, err), TN_OK);
	delta_tx_set_operation(tx, "DELETE", NULL);
	rc = delta_tx_delete_where(tx, p, &res, err);
	delta_pred_free(p);
	return rc;
}

static char *read_commit(int64_t v)
{
	char name[128];
	struct tn_buf b = TN_BUF_INIT;
	struct tn_err err;
	char *path;

	snprintf(name, sizeof(name), "_delta_log/%020lld.json", (long long)v);
	path = tn_path_join(root, name);
	assert_int_equal(store_read_all(st, path, &b, &err), TN_OK);
	free(path);
	tn_buf_putc(&b, '\0', NULL);
	return tn_buf_detach(&b, NULL);
}

/* ---- tests ---- */

static void test_partitioned_write(void **state)
{
	const char *parts[] = {"part"};
	char *c0;

	(void)state;
	fresh("part");
	create(parts, 1, NULL, 0, 100);
	assert_int_equal(count_rows(NULL), 100);
	assert_int_equal(count_rows("part = 'p1'"), 25);
	c0 = read_commit(0);
	/* one file per partition, under part=pN/ */
	assert_non_null(strstr(c0, "\"path\":\"part=p0/part-"));
	assert_non_null(strstr(c0, "\"partitionValues\":{\"part\":\"p3\"}"));
	assert_non_null(strstr(c0, "\"partitionColumns\":[\"part\"]"));
	assert_null(strstr(c0, "\"minValues\":{\"id\":0,\"part\"")); /* no stats for partition columns */
	free(c0);
}

static void test_blind_appends_do_not_conflict(void **state)
{
	struct delta_tx *a, *b;
	struct tn_err err;
	int64_t va, vb;
	char *c;

	(void)state;
	fresh("blind");
	create(NULL, 0, NULL, 0, 10);
	a = begin();
	b = begin();
	assert_int_equal(append(a, 100, 5, &err), TN_OK);
	assert_int_equal(append(b, 200, 5, &err), TN_OK);
	assert_int_equal(delta_tx_commit(a, &va, &err), TN_OK);
	assert_int_equal(delta_tx_commit(b, &vb, &err), TN_OK);
	assert_int_equal(va, 1);
	assert_int_equal(vb, 2);
	assert_int_equal(count_rows(NULL), 20);
	c = read_commit(2);
	assert_non_null(strstr(c, "\"readVersion\":0"));
	assert_non_null(strstr(c, "\"isBlindAppend\":true"));
	assert_non_null(strstr(c, "\"engineInfo\":\"tarn/"));
	free(c);
}

static void test_delete_delete_conflicts(void **state)
{
	struct delta_tx *a, *b;
	struct tn_err err;
	int64_t v;

	(void)state;
	fresh("deldel");
	create(NULL, 0, NULL, 0, 10);
	a = begin();
	b = begin();
	assert_int_equal(delete_where(a, "id = 1", &err), TN_OK);
	assert_int_equal(delete_where(b, "id = 2", &err), TN_OK);
	assert_int_equal(delta_tx_commit(a, &v, &err), TN_OK);
	assert_int_equal(delta_tx_commit(b, &v, &err), TN_ECONFLICT);
	assert_non_null(strstr(err.msg, "version 1"));
	assert_non_null(strstr(err.msg, "delete"));
	assert_int_equal(count_rows(NULL), 9);
	assert_int_equal(count_rows("id = 2"), 1);
}

static void test_append_during_delete(void **state)
{
	struct delta_tx *a, *b;
	struct tn_err err;
	int64_t v;

	(void)state;
	/* WriteSerializable: a blind append may come after the delete. */
	fresh("appdel");
	create(NULL, 0, NULL, 0, 10);
	a = begin();
	b = begin();
	assert_int_equal(delete_where(a, "id < 5", &err), TN_OK);
	assert_int_equal(append(b, 0, 3, &err), TN_OK);
	assert_int_equal(delta_tx_commit(b, &v, &err), TN_OK);
	assert_int_equal(delta_tx_commit(a, &v, &err), TN_OK);
	assert_int_equal(v, 2);
	assert_int_equal(count_rows(NULL), 8);
}

static void test_serializable_append_conflicts(void **state)
{
	const struct delta_kv props[] = {{(char *)"delta.isolationLevel", (char *)"Serializable"}};
	struct delta_tx *a, *b;
	struct tn_err err;
	int64_t v;

	(void)state;
	fresh("serial");
	create(NULL, 0, props, 1, 10);
	a = begin();
	b = begin();
	assert_int_equal(delete_where(a, "id < 5", &err), TN_OK);
	assert_int_equal(append(b, 0, 3, &err), TN_OK);
	assert_int_equal(delta_tx_commit(b, &v, &err), TN_OK);
	assert_int_equal(delta_tx_commit(a, &v, &err), TN_ECONFLICT);
	assert_non_null(strstr(err.msg, "concurrent append"));
	/* an append outside the read predicate does not conflict */
	a = begin();
	b = begin();
	assert_int_equal(delete_where(a, "id < 5", &err), TN_OK);
	assert_int_equal(append(b, 1000, 3, &err), TN_OK);
	assert_int_equal(delta_tx_commit(b, &v, &err), TN_OK);
	assert_int_equal(delta_tx_commit(a, &v, &err), TN_OK);
}

static void test_metadata_and_app_conflicts(void **state)
{
	struct delta_tx *a, *b;
	struct tn_err err;
	int64_t v;

	(void)state;
	fresh("meta");
	create(NULL, 0, NULL, 0, 10);
	a = begin();
	b = begin();
	assert_int_equal(delta_tx_set_property(a, "owner", "x", &err), TN_OK);
	delta_tx_set_operation(a, "SET TBLPROPERTIES", NULL);
	assert_int_equal(append(b, 50, 1, &err), TN_OK);
	assert_int_equal(delta_tx_commit(a, &v, &err), TN_OK);
	assert_int_equal(delta_tx_commit(b, &v, &err), TN_ECONFLICT);
	assert_non_null(strstr(err.msg, "metadata changed"));

	a = begin();
	b = begin();
	delta_tx_set_app_txn(a, "stream-1", 7);
	delta_tx_set_app_txn(b, "stream-1", 7);
	assert_int_equal(append(a, 60, 1, &err), TN_OK);
	assert_int_equal(append(b, 60, 1, &err), TN_OK);
	assert_int_equal(delta_tx_commit(a, &v, &err), TN_OK);
	assert_int_equal(delta_tx_commit(b, &v, &err), TN_ECONFLICT);
	assert_non_null(strstr(err.msg, "stream-1"));
	assert_int_equal(count_rows(NULL), 11);
}

static void test_schema_enforcement(void **state)
{
	struct tn_schema other;
	struct delta_tx *tx;
	struct tn_batch b;
	struct tn_err err;

	(void)state;
	fresh("enforce");
	create(NULL, 0, NULL, 0, 3);
	tn_schema_copy(&other, &schema);
	other.cols[0].type.kind = TN_INT32;
	tx = begin();
	tn_batch_init(&b, &other, 1);
	b.nrows = 1;
	b.cols[0].len = b.cols[1].len = 1;
	assert_int_equal(delta_tx_write(tx, &b, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "column 'id'"));
	tn_batch_done(&b);
	delta_tx_abort(tx);
	/* a CHECK constraint */
	tx = begin();
	assert_int_equal(delta_tx_set_property(tx, "delta.constraints.positive", "id >= 0", &err),
			 TN_OK);
	delta_tx_set_operation(tx, "ADD CONSTRAINT", NULL);
	assert_int_equal(delta_tx_commit(tx, NULL, &err), TN_OK);
	tx = begin();
	assert_int_equal(append(tx, -2, 3, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "positive"));
	delta_tx_abort(tx);
	assert_int_equal(count_rows(NULL), 3);
	tn_schema_done(&other);
}

static void test_ict_and_features(void **state)
{
	const struct delta_kv props[] = {
		{(char *)"delta.enableInCommitTimestamps", (char *)"true"},
		{(char *)"delta.enableDeletionVectors", (char *)"true"},
	};
	struct delta_tx *tx;
	struct tn_err err;
	char *c0, *c1;
	int64_t t0, t1;

	(void)state;
	fresh("ict");
	create(NULL, 0, props, 2, 10);
	tx = begin();
	assert_int_equal(delete_where(tx, "id = 3", &err), TN_OK);
	assert_int_equal(delta_tx_commit(tx, NULL, &err), TN_OK);
	c0 = read_commit(0);
	c1 = read_commit(1);
	/* commitInfo with the in-commit timestamp is the first action */
	assert_true(tn_str_startswith(c0, "{\"commitInfo\":{\"inCommitTimestamp\":"));
	assert_true(tn_str_startswith(c1, "{\"commitInfo\":{\"inCommitTimestamp\":"));
	t0 = atoll(c0 + strlen("{\"commitInfo\":{\"inCommitTimestamp\":"));
	t1 = atoll(c1 + strlen("{\"commitInfo\":{\"inCommitTimestamp\":"));
	assert_true(t1 > t0);
	assert_non_null(strstr(c0, "\"minReaderVersion\":3"));
	assert_true(strstr(c0, "\"inCommitTimestamp\"]") != NULL ||
		    strstr(c0, "\"inCommitTimestamp\",") != NULL); /* a writer feature */
	assert_non_null(strstr(c0, "\"readerFeatures\":[\"deletionVectors\"]"));
	/* the delete wrote a deletion vector, not a new data file */
	assert_non_null(strstr(c1, "\"deletionVector\":{\"storageType\":\"u\""));
	assert_int_equal(count_rows(NULL), 9);
	free(c0);
	free(c1);
}

static void test_append_only(void **state)
{
	const struct delta_kv props[] = {{(char *)"delta.appendOnly", (char *)"true"}};
	struct delta_tx *tx;
	struct tn_err err;

	(void)state;
	fresh("appendonly");
	create(NULL, 0, props, 1, 10);
	tx = begin();
	assert_int_equal(delete_where(tx, "id = 3", &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "append-only"));
	delta_tx_abort(tx);
	assert_int_equal(count_rows(NULL), 10);
}

static void test_evolution(void **state)
{
	const struct delta_kv props[] = {{(char *)"delta.columnMapping.mode", (char *)"name"}};
	struct tn_field extra = {0};
	struct delta_tx *tx;
	struct tn_err err;

	(void)state;
	fresh("evolve");
	create(NULL, 0, props, 1, 10);
	tx = begin();
	extra.name = (char *)"score";
	extra.type.kind = TN_DOUBLE;
	extra.nullable = true;
	assert_int_equal(delta_tx_add_columns(tx, &extra, 1, &err), TN_OK);
	assert_int_equal(delta_tx_rename_column(tx, "part", "bucket", &err), TN_OK);
	assert_int_equal(delta_tx_drop_column(tx, "id", &err), TN_OK);
	delta_tx_set_operation(tx, "ALTER", NULL);
	assert_int_equal(delta_tx_commit(tx, NULL, &err), TN_OK);
	/* renamed and added columns read under their new names */
	assert_int_equal(count_rows("bucket = 'p1'"), 3);
	assert_int_equal(count_rows("score IS NULL"), 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_partitioned_write),
		cmocka_unit_test(test_blind_appends_do_not_conflict),
		cmocka_unit_test(test_delete_delete_conflicts),
		cmocka_unit_test(test_append_during_delete),
		cmocka_unit_test(test_serializable_append_conflicts),
		cmocka_unit_test(test_metadata_and_app_conflicts),
		cmocka_unit_test(test_schema_enforcement),
		cmocka_unit_test(test_ict_and_features),
		cmocka_unit_test(test_append_only),
		cmocka_unit_test(test_evolution),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
