/* test_delta_txview.c - explicit transactions: many writes, deletes,
 * updates and merges in one delta_tx read their own writes (delta_tx_view)
 * and commit as one version, with and without deletion vectors and the
 * change data feed. */
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

#define MAXID 512
#define ABSENT INT64_MIN

static char dir[64];
static char *root;
static struct store *st;
static struct tn_schema schema;
static int64_t model[MAXID]; /* v of each id, ABSENT when the row is not there */

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/tarn-txview-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	root = NULL;
	st = store_local_new("");
	schema.ncols = 3;
	schema.cols = tn_calloc(3, sizeof(*schema.cols));
	schema.cols[0].name = tn_strdup("id");
	schema.cols[0].type.kind = TN_INT64;
	schema.cols[0].nullable = true;
	schema.cols[1].name = tn_strdup("part");
	schema.cols[1].type.kind = TN_STRING;
	schema.cols[1].nullable = true;
	schema.cols[2].name = tn_strdup("v");
	schema.cols[2].type.kind = TN_INT64;
	schema.cols[2].nullable = true;
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
	free(root);
	root = tn_path_join(dir, name);
	for (size_t i = 0; i < MAXID; i++)
		model[i] = ABSENT;
}

/* Rows with the given ids and values (v NULL: v = id), part "p<id % 3>". */
static void rows_of(struct tn_batch *b, const int64_t *ids, const int64_t *v, size_t n)
{
	tn_batch_init(b, &schema, n);
	for (size_t i = 0; i < n; i++) {
		char *p = tn_arena_alloc(&b->arena, 16);

		((int64_t *)b->cols[0].values)[i] = ids[i];
		snprintf(p, 16, "p%d", (int)(ids[i] % 3));
		((struct tn_bytes *)b->cols[1].values)[i].ptr = (const uint8_t *)p;
		((struct tn_bytes *)b->cols[1].values)[i].len = (uint32_t)strlen(p);
		((int64_t *)b->cols[2].values)[i] = v ? v[i] : ids[i];
	}
	b->cols[0].len = b->cols[1].len = b->cols[2].len = n;
	b->nrows = n;
}

/* Write ids [first, first + n) with v = id, and note them in the model. */
static void write_range(struct delta_tx *tx, int64_t first, size_t n)
{
	int64_t *ids = tn_calloc(n, sizeof(*ids));
	struct tn_batch b;
	struct tn_err err;

	for (size_t i = 0; i < n; i++) {
		ids[i] = first + (int64_t)i;
		model[ids[i]] = ids[i];
	}
	rows_of(&b, ids, NULL, n);
	assert_int_equal(delta_tx_write(tx, &b, &err), TN_OK);
	tn_batch_done(&b);
	free(ids);
}

/* The rows of s must be the model's. */
static void check_rows(struct delta_snapshot *s, const char *when)
{
	static const char *const cols[] = {"id", "v"};
	struct delta_scan_opts o = {cols, 2, 0, NULL};
	struct delta_scan *sc;
	struct tn_batch b = {0};
	struct tn_err err;
	int64_t got[MAXID];

	for (size_t i = 0; i < MAXID; i++)
		got[i] = ABSENT;
	if (delta_scan_open(s, &o, &sc, &err) != TN_OK)
		fail_msg("%s: %s", when, err.msg);
	for (;;) {
		if (delta_scan_next(sc, &b, &err) != TN_OK)
			fail_msg("%s: %s", when, err.msg);
		if (b.nrows == 0)
			break;
		for (size_t i = 0; i < b.nrows; i++) {
			int64_t id = ((int64_t *)b.cols[0].values)[i];

			assert_true(id >= 0 && id < MAXID);
			if (got[id] != ABSENT)
				fail_msg("%s: id %lld twice", when, (long long)id);
			got[id] = ((int64_t *)b.cols[1].values)[i];
		}
	}
	tn_batch_done(&b);
	delta_scan_close(sc);
	for (size_t i = 0; i < MAXID; i++)
		if (got[i] != model[i])
			fail_msg("%s: id %zu: v %lld, expected %lld (%lld means absent)", when, i,
				 (long long)got[i], (long long)model[i], (long long)ABSENT);
}

static void check_view(struct delta_tx *tx, const char *when)
{
	struct delta_snapshot *v;
	struct tn_err err;

	if (delta_tx_view(tx, &v, &err) != TN_OK)
		fail_msg("%s: view: %s", when, err.msg);
	check_rows(v, when);
	delta_snapshot_free(v);
}

static void check_table(int64_t version)
{
	struct delta_table *t;
	struct delta_snapshot *s;
	struct tn_err err;

	assert_int_equal(delta_table_open(st, root, &t, &err), TN_OK);
	assert_int_equal(delta_table_latest_version(t), version);
	assert_int_equal(delta_snapshot_open(t, -1, &s, &err), TN_OK);
	check_rows(s, "after the commit");
	delta_snapshot_free(s);
	delta_table_close(t);
}

/* Model: ids in [lo, hi) matching the row filter change. */
static void model_delete(int64_t lo, int64_t hi)
{
	for (int64_t i = lo; i < hi; i++)
		model[i] = ABSENT;
}

static void model_set(int64_t lo, int64_t hi, int64_t v)
{
	for (int64_t i = lo; i < hi; i++)
		if (model[i] != ABSENT)
			model[i] = v;
}

static void do_delete(struct delta_tx *tx, const char *where)
{
	struct delta_pred *p = NULL;
	struct delta_rewrite_result res;
	struct tn_err err;

	if (where)
		assert_int_equal(delta_pred_parse(where, &p, &err), TN_OK);
	if (delta_tx_delete_where(tx, p, &res, &err) != TN_OK)
		fail_msg("delete %s: %s", where ? where : "all", err.msg);
	delta_pred_free(p);
}

static void do_update(struct delta_tx *tx, const char *where, const char *value)
{
	struct delta_assign set = {"v", value, NULL};
	struct delta_pred *p;
	struct delta_rewrite_result res;
	struct tn_err err;

	assert_int_equal(delta_pred_parse(where, &p, &err), TN_OK);
	if (delta_tx_update(tx, p, &set, 1, &res, &err) != TN_OK)
		fail_msg("update %s: %s", where, err.msg);
	delta_pred_free(p);
}

/* MERGE: matched and source v < 0: delete; matched: update set *; not
 * matched: insert *. */
static void do_merge(struct delta_tx *tx, const int64_t *ids, const int64_t *v, size_t n)
{
	static const char *const keys[] = {"id"};
	struct delta_pred *neg;
	struct delta_merge_clause cl[3];
	struct delta_merge_opts o;
	struct delta_merge_result res;
	struct tn_batch b;
	struct tn_err err;

	assert_int_equal(delta_pred_parse("v < 0", &neg, &err), TN_OK);
	memset(cl, 0, sizeof(cl));
	cl[0].when = DELTA_WHEN_MATCHED;
	cl[0].action = DELTA_MERGE_DELETE;
	cl[0].cond = neg;
	cl[1].when = DELTA_WHEN_MATCHED;
	cl[1].action = DELTA_MERGE_UPDATE;
	cl[2].when = DELTA_WHEN_NOT_MATCHED;
	cl[2].action = DELTA_MERGE_INSERT;
	rows_of(&b, ids, v, n);
	memset(&o, 0, sizeof(o));
	o.source_schema = &schema;
	o.source = &b;
	o.nsource = 1;
	o.target_keys = keys;
	o.nkeys = 1;
	o.clauses = cl;
	o.nclauses = 3;
	if (delta_tx_merge(tx, &o, &res, &err) != TN_OK)
		fail_msg("merge: %s", err.msg);
	for (size_t i = 0; i < n; i++) {
		bool matched = model[ids[i]] != ABSENT;

		if (matched && v[i] < 0)
			model[ids[i]] = ABSENT;
		else
			model[ids[i]] = v[i];
	}
	tn_batch_done(&b);
	delta_pred_free(neg);
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

/* The commit removes each path at most once, only paths of the version
 * read (never one it wrote), and every file it adds exists. */
static void check_commit_actions(int64_t v, struct delta_snapshot *read)
{
	char *text = read_commit(v), *line = text, *nl;
	char **removed = NULL;
	size_t nremoved = 0;

	for (; *line; line = nl + 1) {
		char *path, *q;

		nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = '\0';
		if (strncmp(line, "{\"remove\":{\"path\":\"", 19) != 0 &&
		    strncmp(line, "{\"add\":{\"path\":\"", 16) != 0)
			continue;
		path = strstr(line, "\"path\":\"") + 8;
		q = strchr(path, '"');
		*q = '\0';
		if (line[2] == 'r') {
			bool known = false;

			for (size_t i = 0; i < nremoved; i++)
				if (strcmp(removed[i], path) == 0)
					fail_msg("version %lld removes %s twice", (long long)v, path);
			for (size_t i = 0; read && i < delta_snapshot_num_files(read); i++)
				known |= strcmp(delta_snapshot_file(read, i)->path, path) == 0;
			if (!known)
				fail_msg("version %lld removes %s, not a file of version %lld",
					 (long long)v, path, (long long)(v - 1));
			removed = tn_reallocarray(removed, nremoved + 1, sizeof(*removed));
			removed[nremoved++] = path;
		} else {
			char *abs = tn_path_join(root, path);
			struct store_stat ss;
			struct tn_err err;

			if (store_stat(st, abs, &ss, &err) != TN_OK)
				fail_msg("version %lld adds %s, which is not there", (long long)v, path);
			free(abs);
		}
	}
	free(removed);
	free(text);
}

/* Every data file under the root is a file of version v - 1 or of v: the
 * files the transaction wrote and dropped again are gone. */
static void check_no_orphans(int64_t v)
{
	struct delta_table *t;
	struct delta_snapshot *s[2];
	struct store_list l;
	struct tn_err err;
	size_t rlen = strlen(root) + 1;

	assert_int_equal(delta_table_open(st, root, &t, &err), TN_OK);
	assert_int_equal(delta_snapshot_open(t, v - 1, &s[0], &err), TN_OK);
	assert_int_equal(delta_snapshot_open(t, v, &s[1], &err), TN_OK);
	assert_int_equal(store_list(st, root, true, &l, &err), TN_OK);
	for (size_t i = 0; i < l.count; i++) {
		const char *p = l.entries[i].path + rlen;
		bool known = false;

		if (!tn_str_endswith(p, ".parquet") || tn_str_startswith(p, "_"))
			continue;
		for (int k = 0; k < 2; k++)
			for (size_t j = 0; j < delta_snapshot_num_files(s[k]); j++)
				known |= strcmp(delta_snapshot_file(s[k], j)->path, p) == 0;
		if (!known)
			fail_msg("%s is in no version", p);
	}
	store_list_done(&l);
	delta_snapshot_free(s[0]);
	delta_snapshot_free(s[1]);
	delta_table_close(t);
}

/* Inserted rows must be in the change data feed of version v. */
static void check_changes(int64_t v, const int64_t *ids, size_t n)
{
	struct delta_scan_opts o = {0};
	struct delta_table *t;
	struct delta_scan *sc;
	struct tn_batch b = {0};
	struct tn_err err;
	bool *seen = tn_calloc(MAXID, sizeof(*seen));
	int ci, cc;

	assert_int_equal(delta_table_open(st, root, &t, &err), TN_OK);
	if (delta_changes_open(t, v, v, &o, &sc, &err) != TN_OK)
		fail_msg("changes: %s", err.msg);
	ci = tn_schema_find(delta_scan_schema(sc), "id");
	cc = tn_schema_find(delta_scan_schema(sc), "_change_type");
	assert_true(ci >= 0 && cc >= 0);
	for (;;) {
		assert_int_equal(delta_scan_next(sc, &b, &err), TN_OK);
		if (b.nrows == 0)
			break;
		for (size_t i = 0; i < b.nrows; i++) {
			const struct tn_bytes *ct = &((struct tn_bytes *)b.cols[cc].values)[i];
			int64_t id = ((int64_t *)b.cols[ci].values)[i];

			if (ct->len == 6 && memcmp(ct->ptr, "insert", 6) == 0 && id >= 0 && id < MAXID)
				seen[id] = true;
		}
	}
	tn_batch_done(&b);
	delta_scan_close(sc);
	delta_table_close(t);
	for (size_t i = 0; i < n; i++)
		if (!seen[ids[i]])
			fail_msg("id %lld: no insert in the change data feed", (long long)ids[i]);
	free(seen);
}

static void create_table(bool dv, bool cdf, bool partitioned, int64_t first, size_t n)
{
	static const char *const parts[] = {"part"};
	struct delta_kv props[2];
	size_t np = 0;
	struct delta_create_opts o;
	struct delta_tx *tx;
	struct tn_err err;
	int64_t v = -1;

	if (dv)
		props[np++] = (struct delta_kv){(char *)"delta.enableDeletionVectors", (char *)"true"};
	if (cdf)
		props[np++] = (struct delta_kv){(char *)"delta.enableChangeDataFeed", (char *)"true"};
	memset(&o, 0, sizeof(o));
	o.schema = &schema;
	o.partition_columns = partitioned ? parts : NULL;
	o.npartition_columns = partitioned ? 1 : 0;
	o.properties = props;
	o.nproperties = np;
	assert_int_equal(delta_tx_create(st, root, &o, &tx, &err), TN_OK);
	write_range(tx, first, n);
	assert_int_equal(delta_tx_commit(tx, &v, &err), TN_OK);
	assert_int_equal(v, 0);
}

/* Write, delete, update, write, merge, delete in one transaction. */
static void run_sequence(const char *name, bool dv, bool cdf, bool partitioned)
{
	static const int64_t mids[] = {10, 45, 100, 275, 320, 400, 52};
	static const int64_t mv[] = {2010, 2045, 2100, 2275, -1, 2400, 2052};
	static const int64_t inserted[] = {200, 249, 261, 299, 300, 349, 400, 10, 100};
	struct delta_table *t;
	struct delta_snapshot *read;
	struct delta_tx *tx;
	struct tn_err err;
	int64_t v = -1;

	fresh(name);
	create_table(dv, cdf, partitioned, 0, 200);
	assert_int_equal(delta_tx_begin(st, root, &tx, &err), TN_OK);
	delta_tx_set_operation(tx, "MERGE", NULL);
	check_view(tx, "nothing done");

	write_range(tx, 200, 100);
	check_view(tx, "after the first write");

	do_delete(tx, "id < 20 OR (id >= 250 AND id < 260)");
	model_delete(0, 20);
	model_delete(250, 260);
	check_view(tx, "after the first delete");

	do_update(tx, "(id >= 40 AND id < 60) OR (id >= 270 AND id < 280)", "-1");
	model_set(40, 60, -1);
	model_set(270, 280, -1);
	check_view(tx, "after the update");

	/* rows the update moved, the committed file again, a written file */
	do_delete(tx, "(id >= 50 AND id < 55) OR id = 100 OR id = 120 OR id = 290");
	model_delete(50, 55);
	model[100] = model[120] = model[290] = ABSENT;
	check_view(tx, "after the second delete");

	do_update(tx, "id >= 100 AND id < 110", "7");
	model_set(100, 110, 7);
	check_view(tx, "after the second update");

	write_range(tx, 300, 50);
	check_view(tx, "after the second write");

	do_merge(tx, mids, mv, sizeof(mids) / sizeof(*mids));
	check_view(tx, "after the merge");

	assert_int_equal(delta_table_open(st, root, &t, &err), TN_OK);
	assert_int_equal(delta_snapshot_open(t, -1, &read, &err), TN_OK);
	if (delta_tx_commit(tx, &v, &err) != TN_OK)
		fail_msg("commit: %s", err.msg);
	assert_int_equal(v, 1);
	check_table(1);
	check_commit_actions(1, read);
	check_no_orphans(1);
	if (cdf)
		check_changes(1, inserted, sizeof(inserted) / sizeof(*inserted));
	delta_snapshot_free(read);
	delta_table_close(t);
}

static void test_sequence_cow(void **state)
{
	(void)state;
	run_sequence("cow", false, false, false);
}

static void test_sequence_dv(void **state)
{
	(void)state;
	run_sequence("dv", true, false, false);
}

static void test_sequence_cdf(void **state)
{
	(void)state;
	run_sequence("cdf", false, true, true);
}

static void test_sequence_dv_cdf(void **state)
{
	(void)state;
	run_sequence("dvcdf", true, true, true);
}

static void test_sequence_partitioned(void **state)
{
	(void)state;
	run_sequence("part", true, false, true);
}

/* A transaction that creates the table sees its rows and deletes some. */
static void test_create_then_delete(void **state)
{
	struct delta_create_opts o;
	struct delta_tx *tx;
	struct tn_err err;
	int64_t v = -1;

	(void)state;
	fresh("create");
	memset(&o, 0, sizeof(o));
	o.schema = &schema;
	assert_int_equal(delta_tx_create(st, root, &o, &tx, &err), TN_OK);
	check_view(tx, "empty new table");
	write_range(tx, 0, 100);
	check_view(tx, "new table");
	do_delete(tx, "id >= 10 AND id < 30");
	model_delete(10, 30);
	check_view(tx, "new table after a delete");
	do_update(tx, "id < 5", "42");
	model_set(0, 5, 42);
	check_view(tx, "new table after an update");
	assert_int_equal(delta_tx_commit(tx, &v, &err), TN_OK);
	assert_int_equal(v, 0);
	check_table(0);
	check_commit_actions(0, NULL);
}

/* Deleting everything, rows written by the transaction included. */
static void test_delete_all(void **state)
{
	struct delta_tx *tx;
	struct tn_err err;
	int64_t v = -1;

	(void)state;
	fresh("all");
	create_table(false, false, false, 0, 50);
	assert_int_equal(delta_tx_begin(st, root, &tx, &err), TN_OK);
	write_range(tx, 50, 50);
	do_delete(tx, NULL);
	model_delete(0, MAXID);
	check_view(tx, "after delete all");
	write_range(tx, 100, 10);
	check_view(tx, "after writing again");
	assert_int_equal(delta_tx_commit(tx, &v, &err), TN_OK);
	check_table(1);
}

/* A view does not change with the transaction after it was taken. */
static void test_view_is_a_snapshot(void **state)
{
	struct delta_snapshot *before;
	struct delta_tx *tx;
	struct tn_err err;
	int64_t saved[MAXID];

	(void)state;
	fresh("snap");
	create_table(true, false, false, 0, 50);
	assert_int_equal(delta_tx_begin(st, root, &tx, &err), TN_OK);
	write_range(tx, 50, 10);
	assert_int_equal(delta_tx_view(tx, &before, &err), TN_OK);
	assert_int_equal(delta_snapshot_version(before), 1);
	memcpy(saved, model, sizeof(model));
	do_delete(tx, "id < 10 OR id >= 55");
	write_range(tx, 60, 10);
	memcpy(model, saved, sizeof(model));
	check_rows(before, "the earlier view");
	delta_snapshot_free(before);
	delta_tx_abort(tx);
	model_delete(50, MAXID);
	check_table(0);
}

static void append_one(int64_t id)
{
	struct delta_tx *tx;
	struct tn_batch b;
	struct tn_err err;
	int64_t v;

	assert_int_equal(delta_tx_begin(st, root, &tx, &err), TN_OK);
	rows_of(&b, &id, NULL, 1);
	assert_int_equal(delta_tx_write(tx, &b, &err), TN_OK);
	tn_batch_done(&b);
	assert_int_equal(delta_tx_commit(tx, &v, &err), TN_OK);
}

/* Two deletes with different filters (Serializable): an append matching
 * the second conflicts, as one matching the first would; one matching
 * neither does not. */
static void test_reads_of_every_operation_conflict(void **state)
{
	struct delta_tx *tx;
	struct tn_err err;
	int64_t v = -1;

	(void)state;
	fresh("conflict");
	create_table(false, false, true, 0, 100);
	assert_int_equal(delta_tx_begin(st, root, &tx, &err), TN_OK);
	assert_int_equal(delta_tx_set_property(tx, "delta.isolationLevel", "Serializable", &err),
			 TN_OK);
	do_delete(tx, "part = 'p0'");
	do_delete(tx, "part = 'p1'");
	append_one(152); /* p2: version 1, no conflict */
	append_one(151); /* p1: version 2 */
	assert_int_equal(delta_tx_commit(tx, &v, &err), TN_ECONFLICT);
	assert_non_null(strstr(err.msg, "version 2 conflicts"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequence_cow),
		cmocka_unit_test(test_sequence_dv),
		cmocka_unit_test(test_sequence_cdf),
		cmocka_unit_test(test_sequence_dv_cdf),
		cmocka_unit_test(test_sequence_partitioned),
		cmocka_unit_test(test_create_then_delete),
		cmocka_unit_test(test_delete_all),
		cmocka_unit_test(test_view_is_a_snapshot),
		cmocka_unit_test(test_reads_of_every_operation_conflict),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
