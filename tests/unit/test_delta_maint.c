/* test_delta_maint.c - OPTIMIZE, RESTORE and VACUUM through the C API:
 * what the command line cannot make yet (partitioned tables) and what
 * needs a transaction held open (a concurrent commit between an optimize
 * and its commit). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/str.h"
#include "delta/delta.h"
#include "store/store.h"

struct fixture {
	char dir[64];
	char *root;
	struct store *st;
	struct tn_schema schema; /* p string, id bigint, s string */
};

static int setup(void **state)
{
	struct fixture *fx = tn_calloc(1, sizeof(*fx));

	strcpy(fx->dir, "/tmp/tarn-maint-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	fx->root = tn_path_join(fx->dir, "t");
	fx->st = store_local_new("");
	if (delta_schema_parse("{\"type\":\"struct\",\"fields\":["
			       "{\"name\":\"p\",\"type\":\"string\",\"nullable\":true},"
			       "{\"name\":\"id\",\"type\":\"long\",\"nullable\":true},"
			       "{\"name\":\"s\",\"type\":\"string\",\"nullable\":true}]}",
			       &fx->schema, NULL) != TN_OK)
		return -1;
	*state = fx;
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	store_free(fx->st);
	tn_schema_done(&fx->schema);
	free(fx->root);
	free(fx);
	return 0;
}

static const char *const words[] = {"delta", "alpha", "zeta", "beta", "kappa", "omega"};

/* n rows: ids from first, p alternating x/y (or all p when given), s a
 * word or null. */
static void make_rows(struct fixture *fx, struct tn_batch *b, int64_t first, size_t n,
		      const char *p)
{
	struct tn_bytes *pv, *sv;

	tn_batch_init(b, &fx->schema, n);
	b->nrows = n;
	pv = b->cols[0].values;
	sv = b->cols[2].values;
	tn_vec_need_nulls(&b->cols[2], n, &b->arena);
	for (size_t i = 0; i < n; i++) {
		const char *pi = p ? p : (i % 2 ? "y" : "x");
		int64_t id = first + (int64_t)i;

		pv[i].ptr = (const uint8_t *)pi;
		pv[i].len = 1;
		((int64_t *)b->cols[1].values)[i] = id;
		b->cols[2].nulls[i] = id % 7 == 3;
		sv[i].ptr = (const uint8_t *)words[(id * 5) % 6];
		sv[i].len = (uint32_t)strlen(words[(id * 5) % 6]);
	}
	for (size_t c = 0; c < 3; c++)
		b->cols[c].len = n;
}

static void create(struct fixture *fx, bool partitioned, const struct delta_kv *props,
		   size_t nprops)
{
	static const char *const part[] = {"p"};
	struct delta_create_opts o;
	struct delta_tx *tx;
	struct tn_err err;

	memset(&o, 0, sizeof(o));
	o.schema = &fx->schema;
	o.partition_columns = partitioned ? part : NULL;
	o.npartition_columns = partitioned ? 1 : 0;
	o.properties = props;
	o.nproperties = nprops;
	assert_int_equal(delta_tx_create(fx->st, fx->root, &o, &tx, &err), TN_OK);
	assert_int_equal(delta_tx_commit(tx, NULL, &err), TN_OK);
}

static void append(struct fixture *fx, int64_t first, size_t n, const char *p)
{
	struct delta_tx *tx;
	struct tn_batch b;
	struct tn_err err;

	make_rows(fx, &b, first, n, p);
	assert_int_equal(delta_tx_begin(fx->st, fx->root, &tx, &err), TN_OK);
	assert_int_equal(delta_tx_write(tx, &b, &err), TN_OK);
	assert_int_equal(delta_tx_commit(tx, NULL, &err), TN_OK);
	tn_batch_done(&b);
}

struct table_sum {
	int64_t rows, ids, nulls, files;
	int64_t x_files, y_files;
};

/* Rows, the sum of their ids, null s values and files of the latest
 * version. */
static struct table_sum summary(struct fixture *fx)
{
	struct table_sum ts = {0};
	struct delta_table *t;
	struct delta_snapshot *s;
	struct delta_scan *sc;
	struct tn_batch b = {0};
	struct tn_err err;

	assert_int_equal(delta_table_open(fx->st, fx->root, &t, &err), TN_OK);
	assert_int_equal(delta_snapshot_open(t, -1, &s, &err), TN_OK);
	ts.files = (int64_t)delta_snapshot_num_files(s);
	for (size_t i = 0; i < delta_snapshot_num_files(s); i++) {
		const struct delta_file *f = delta_snapshot_file(s, i);

		for (size_t k = 0; k < f->n_partition_values; k++) {
			const char *v = f->partition_values[k].value;

			ts.x_files += v && strcmp(v, "x") == 0;
			ts.y_files += v && strcmp(v, "y") == 0;
		}
	}
	assert_int_equal(delta_scan_open(s, NULL, &sc, &err), TN_OK);
	for (;;) {
		int c = tn_schema_find(delta_scan_schema(sc), "id");
		int sc_ = tn_schema_find(delta_scan_schema(sc), "s");

		assert_int_equal(delta_scan_next(sc, &b, &err), TN_OK);
		if (b.nrows == 0)
			break;
		ts.rows += (int64_t)b.nrows;
		for (size_t i = 0; i < b.nrows; i++) {
			ts.ids += ((const int64_t *)b.cols[c].values)[i];
			ts.nulls += tn_vec_is_null(&b.cols[sc_], i);
		}
	}
	if (b.cols != NULL)
		tn_batch_done(&b);
	delta_scan_close(sc);
	delta_snapshot_free(s);
	delta_table_close(t);
	return ts;
}

static void test_optimize_where_partition(void **state)
{
	struct fixture *fx = *state;
	struct delta_optimize_opts o;
	struct delta_optimize_result res;
	struct delta_pred *p;
	struct table_sum before, after;
	struct tn_err err;

	create(fx, true, NULL, 0);
	for (int i = 0; i < 3; i++)
		append(fx, i * 100, 100, NULL);
	before = summary(fx);
	assert_int_equal(before.x_files, 3);
	assert_int_equal(before.y_files, 3);
	memset(&o, 0, sizeof(o));
	assert_int_equal(delta_pred_parse("p = 'x'", &p, &err), TN_OK);
	o.where = p;
	assert_int_equal(delta_optimize(fx->st, fx->root, &o, &res, &err), TN_OK);
	assert_int_equal(res.version, 4);
	assert_int_equal(res.files_considered, 3);
	assert_int_equal(res.files_removed, 3);
	assert_int_equal(res.files_added, 1);
	assert_int_equal(res.partitions_optimized, 1);
	after = summary(fx);
	assert_int_equal(after.x_files, 1);
	assert_int_equal(after.y_files, 3);
	assert_int_equal(after.rows, before.rows);
	assert_int_equal(after.ids, before.ids);
	assert_int_equal(after.nulls, before.nulls);
	/* the rest of the table */
	memset(&o, 0, sizeof(o));
	assert_int_equal(delta_optimize(fx->st, fx->root, &o, &res, &err), TN_OK);
	assert_int_equal(res.files_removed, 3);
	after = summary(fx);
	assert_int_equal(after.files, 2);
	assert_int_equal(after.ids, before.ids);
	/* Z-order of a partition column, or a filter on data, is refused */
	{
		const char *z[] = {"p"};

		o.zorder_by = z;
		o.nzorder_by = 1;
		assert_int_equal(delta_optimize(fx->st, fx->root, &o, &res, &err), TN_EINVAL);
		assert_non_null(strstr(err.msg, "partition column"));
	}
	delta_pred_free(p);
	assert_int_equal(delta_pred_parse("id = 3", &p, &err), TN_OK);
	memset(&o, 0, sizeof(o));
	o.where = p;
	assert_int_equal(delta_optimize(fx->st, fx->root, &o, &res, &err), TN_EINVAL);
	delta_pred_free(p);
}

/* A file an optimize rewrites is deleted by a commit that wins the race:
 * the optimize fails and leaves nothing behind. An append that wins does
 * not stop it. */
static void test_optimize_conflicts(void **state)
{
	struct fixture *fx = *state;
	struct delta_optimize_opts o;
	struct delta_optimize_result res;
	struct delta_rewrite_result rr;
	struct delta_tx *opt, *del;
	struct delta_pred *p;
	struct table_sum before, after;
	struct store_list l;
	struct tn_err err;
	int64_t v;

	create(fx, false, NULL, 0);
	for (int i = 0; i < 3; i++)
		append(fx, i * 100, 100, "x");
	memset(&o, 0, sizeof(o));
	assert_int_equal(delta_tx_begin(fx->st, fx->root, &opt, &err), TN_OK);
	assert_int_equal(delta_optimize_tx(opt, &o, &res, &err), TN_OK);
	assert_int_equal(res.files_removed, 3);
	/* the winner deletes rows of one of the files */
	assert_int_equal(delta_pred_parse("id = 150", &p, &err), TN_OK);
	assert_int_equal(delta_tx_begin(fx->st, fx->root, &del, &err), TN_OK);
	assert_int_equal(delta_tx_delete_where(del, p, &rr, &err), TN_OK);
	assert_int_equal(rr.rows_deleted, 1);
	assert_int_equal(delta_tx_commit(del, &v, &err), TN_OK);
	before = summary(fx);
	assert_int_equal(delta_tx_commit(opt, &v, &err), TN_ECONFLICT);
	assert_non_null(strstr(err.msg, "removed a file"));
	after = summary(fx);
	assert_int_equal(after.files, before.files);
	assert_int_equal(after.rows, 299);
	/* no orphan of the optimize: 3 files appended, 1 rewritten by the delete */
	assert_int_equal(store_list(fx->st, fx->root, false, &l, &err), TN_OK);
	{
		size_t n = 0;

		for (size_t i = 0; i < l.count; i++)
			n += tn_str_endswith(l.entries[i].path, ".parquet");
		assert_int_equal(n, 4);
	}
	store_list_done(&l);
	delta_pred_free(p);

	/* an append that wins is fine */
	assert_int_equal(delta_tx_begin(fx->st, fx->root, &opt, &err), TN_OK);
	assert_int_equal(delta_optimize_tx(opt, &o, &res, &err), TN_OK);
	append(fx, 1000, 10, "x");
	assert_int_equal(delta_tx_commit(opt, &v, &err), TN_OK);
	after = summary(fx);
	assert_int_equal(after.rows, 309);
	assert_int_equal(after.files, 2);
}

/* Z-order over a string with nulls and a number keeps every row. */
static void test_zorder_strings(void **state)
{
	struct fixture *fx = *state;
	const char *z[] = {"s", "id"};
	struct delta_optimize_opts o;
	struct delta_optimize_result res;
	struct table_sum before, after;
	struct tn_err err;

	create(fx, true, NULL, 0);
	for (int i = 0; i < 4; i++)
		append(fx, i * 1000, 1000, NULL);
	before = summary(fx);
	memset(&o, 0, sizeof(o));
	o.zorder_by = z;
	o.nzorder_by = 2;
	o.target_size = 4096;
	assert_int_equal(delta_optimize(fx->st, fx->root, &o, &res, &err), TN_OK);
	assert_int_equal(res.partitions_optimized, 2);
	assert_true(res.files_added > 2);
	after = summary(fx);
	assert_int_equal(after.rows, before.rows);
	assert_int_equal(after.ids, before.ids);
	assert_int_equal(after.nulls, before.nulls);
}

/* OPTIMIZE changes no data: an append-only table allows it. */
static void test_append_only(void **state)
{
	struct fixture *fx = *state;
	const struct delta_kv props[] = {{(char *)"delta.appendOnly", (char *)"true"}};
	struct delta_optimize_opts o;
	struct delta_optimize_result res;
	struct delta_rewrite_result rr;
	struct delta_tx *tx;
	struct tn_err err;

	create(fx, false, props, 1);
	append(fx, 0, 10, "x");
	append(fx, 10, 10, "x");
	memset(&o, 0, sizeof(o));
	assert_int_equal(delta_optimize(fx->st, fx->root, &o, &res, &err), TN_OK);
	assert_int_equal(res.files_removed, 2);
	assert_int_equal(summary(fx).rows, 20);
	assert_int_equal(delta_tx_begin(fx->st, fx->root, &tx, &err), TN_OK);
	assert_int_equal(delta_tx_delete_where(tx, NULL, &rr, &err), TN_EINVAL);
	delta_tx_abort(tx);
}

/* RESTORE brings back the old schema and properties, never a lower
 * protocol. */
static void test_restore_metadata(void **state)
{
	struct fixture *fx = *state;
	struct delta_restore_opts o = {1, 0};
	struct delta_restore_result res;
	struct tn_field extra = {.name = (char *)"extra", .type = {.kind = TN_INT32}, .nullable = true};
	struct delta_table *t;
	struct delta_snapshot *s;
	struct delta_tx *tx;
	struct tn_err err;

	create(fx, false, NULL, 0);
	append(fx, 0, 10, "x");
	assert_int_equal(delta_tx_begin(fx->st, fx->root, &tx, &err), TN_OK);
	assert_int_equal(delta_tx_set_property(tx, "delta.enableDeletionVectors", "true", &err), TN_OK);
	assert_int_equal(delta_tx_add_columns(tx, &extra, 1, &err), TN_OK);
	assert_int_equal(delta_tx_commit(tx, NULL, &err), TN_OK);
	append(fx, 10, 10, "x");
	assert_int_equal(delta_restore(fx->st, fx->root, &o, &res, &err), TN_OK);
	assert_int_equal(res.version, 4);
	assert_int_equal(res.files_removed, 1);
	assert_int_equal(res.files_restored, 0);
	assert_int_equal(delta_table_open(fx->st, fx->root, &t, &err), TN_OK);
	assert_int_equal(delta_snapshot_open(t, -1, &s, &err), TN_OK);
	assert_int_equal(delta_snapshot_schema(s)->ncols, 3);
	assert_null(delta_snapshot_property(s, "delta.enableDeletionVectors"));
	assert_int_equal(delta_snapshot_protocol(s)->min_reader_version, 3);
	assert_int_equal(delta_snapshot_protocol(s)->min_writer_version, 7);
	delta_snapshot_free(s);
	delta_table_close(t);
	assert_int_equal(summary(fx).rows, 10);
	/* and forward again */
	o.version = 3;
	assert_int_equal(delta_restore(fx->st, fx->root, &o, &res, &err), TN_OK);
	assert_int_equal(res.files_restored, 1);
	assert_int_equal(summary(fx).rows, 20);
}

static void test_interval(void **state)
{
	int64_t ms;

	(void)state;
	assert_int_equal(delta_interval_parse("interval 7 days", &ms, NULL), TN_OK);
	assert_int_equal(ms, 7LL * 24 * 3600 * 1000);
	assert_int_equal(delta_interval_parse("INTERVAL 1 week 2 hours", &ms, NULL), TN_OK);
	assert_int_equal(ms, (7LL * 24 + 2) * 3600 * 1000);
	assert_int_equal(delta_interval_parse("30 minutes", &ms, NULL), TN_OK);
	assert_int_equal(ms, 30LL * 60 * 1000);
	assert_int_equal(delta_interval_parse("interval 1 hour 500 milliseconds", &ms, NULL), TN_OK);
	assert_int_equal(ms, 3600LL * 1000 + 500);
	assert_int_equal(delta_interval_parse("interval 1 month", &ms, NULL), TN_EINVAL);
	assert_int_equal(delta_interval_parse("7", &ms, NULL), TN_EINVAL);
	assert_int_equal(delta_interval_parse("interval", &ms, NULL), TN_EINVAL);
	assert_int_equal(delta_interval_parse("interval -1 days", &ms, NULL), TN_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_optimize_where_partition, setup, teardown),
		cmocka_unit_test_setup_teardown(test_optimize_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zorder_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_metadata, setup, teardown),
		cmocka_unit_test(test_interval),
	};

	return cmocka_run_group_tests_name("delta_maint", tests, NULL, NULL);
}
