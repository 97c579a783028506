/* test_pq_reader.c - the Parquet reader's API: projection, row-group
 * selection, batch sizes, the page index, statistics, CRCs and errors, on
 * files of the public Parquet test suite. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/valfmt.h"
#include "parquet/parquet.h"

static char *data_dir;
static struct store *st;

static char *path_of(const char *name)
{
	return tn_asprintf("%s/parquet/data/%s", data_dir, name);
}

static int setup(void **state)
{
	const char *td = getenv("TARN_TESTDATA");
	const char *src = getenv("TARN_SRCDIR");

	(void)state;
	data_dir = td ? tn_strdup(td) : tn_asprintf("%s/../shared/testdata", src ? src : ".");
	st = store_local_new("");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(data_dir);
	store_free(st);
	return 0;
}

/* Open name with opts, or skip the test when the test data is absent. */
static struct pq_reader *open_or_skip(const char *name, const struct pq_read_opts *opts)
{
	char *p = path_of(name);
	struct pq_reader *r = NULL;
	struct tn_err err;

	if (access(p, R_OK) != 0) {
		free(p);
		skip();
	}
	if (pq_reader_open(st, p, opts, &r, &err) != TN_OK)
		fail_msg("%s", err.msg);
	free(p);
	return r;
}

static char *row_json(const struct tn_batch *b, size_t i)
{
	struct tn_buf out = TN_BUF_INIT;

	assert_int_equal(tn_row_json(&out, b, i, NULL), TN_OK);
	return tn_buf_detach(&out, NULL);
}

static void test_projection(void **state)
{
	const char *cols[] = {"string_col", "id"};
	struct pq_read_opts o;
	struct pq_reader *r;
	struct tn_batch b = {0};
	struct tn_err err;
	char *row;

	(void)state;
	pq_read_opts_init(&o);
	o.columns = cols;
	o.ncolumns = 2;
	r = open_or_skip("alltypes_plain.parquet", &o);
	assert_int_equal(pq_reader_schema(r)->ncols, 2);
	assert_string_equal(pq_reader_schema(r)->cols[0].name, "string_col");
	assert_int_equal(pq_reader_next(r, &b, &err), TN_OK);
	assert_int_equal(b.nrows, 8);
	row = row_json(&b, 0);
	assert_string_equal(row, "{\"string_col\":\"MA==\",\"id\":4}");
	free(row);
	assert_int_equal(pq_reader_next(r, &b, &err), TN_OK);
	assert_int_equal(b.nrows, 0);
	assert_int_equal(pq_reader_next(r, &b, &err), TN_OK); /* stays at the end */
	assert_int_equal(b.nrows, 0);
	tn_batch_done(&b);
	pq_reader_close(r);
}

static void test_missing_column(void **state)
{
	const char *cols[] = {"id", "nope"};
	struct pq_read_opts o;
	struct pq_reader *r = NULL;
	struct tn_err err;
	char *p = path_of("alltypes_plain.parquet");

	(void)state;
	if (access(p, R_OK) != 0) {
		free(p);
		skip();
	}
	pq_read_opts_init(&o);
	o.columns = cols;
	o.ncolumns = 2;
	assert_int_equal(pq_reader_open(st, p, &o, &r, &err), TN_EINVAL);
	assert_null(r);
	assert_non_null(strstr(err.msg, "no column named 'nope'"));
	assert_non_null(strstr(err.msg, "alltypes_plain.parquet"));
	free(p);
}

/* All rows of a reader as JSON lines, with the batch sizes checked. */
static char *all_rows(struct pq_reader *r, size_t max_batch, size_t *nrows)
{
	struct tn_buf out = TN_BUF_INIT;
	struct tn_batch b = {0};
	struct tn_err err;

	*nrows = 0;
	for (;;) {
		assert_int_equal(pq_reader_next(r, &b, &err), TN_OK);
		if (b.nrows == 0)
			break;
		assert_true(b.nrows <= max_batch);
		for (size_t i = 0; i < b.nrows; i++) {
			tn_row_json(&out, &b, i, NULL);
			tn_buf_putc(&out, '\n', NULL);
		}
		*nrows += b.nrows;
	}
	tn_batch_done(&b);
	return tn_buf_detach(&out, NULL);
}

static void test_row_groups_and_batches(void **state)
{
	struct pq_read_opts o;
	struct pq_reader *r;
	struct tn_err err;
	char *full, *part, *line;
	size_t n;
	bool keep[5] = {false, true, false, true, false};

	(void)state;
	pq_read_opts_init(&o);
	o.batch_rows = 3;
	r = open_or_skip("floating_orders_nan_count.parquet", &o);
	assert_int_equal(pq_reader_meta(r)->n_row_groups, 5);
	full = all_rows(r, 3, &n);
	assert_int_equal(n, 50);
	pq_reader_close(r);

	r = open_or_skip("floating_orders_nan_count.parquet", &o);
	assert_int_equal(pq_reader_select_row_groups(r, keep, 4, &err), TN_EINVAL);
	assert_int_equal(pq_reader_select_row_groups(r, keep, 5, &err), TN_OK);
	part = all_rows(r, 3, &n);
	assert_int_equal(n, 20);
	/* The selected groups' rows are rows 10-19 and 30-39 of the file. */
	line = full;
	for (int i = 0; i < 10; i++)
		line = strchr(line, '\n') + 1;
	assert_int_equal(strncmp(part, line, (size_t)(strchr(strchr(line, '\n') + 1, '\n') - line)), 0);
	free(full);
	free(part);
	pq_reader_close(r);
}

static void test_page_index_and_stats(void **state)
{
	struct pq_reader *r = open_or_skip("alltypes_tiny_pages.parquet", NULL);
	const struct pq_file_meta *m = pq_reader_meta(r);
	const struct pq_statistics *s;
	struct pq_column_index ci;
	struct pq_offset_index oi;
	struct tn_arena a;
	struct tn_buf out = TN_BUF_INIT;
	struct tn_err err;

	(void)state;
	tn_arena_init(&a, 0);
	assert_string_equal(pq_reader_leaf_path(r, 0), "id");
	assert_int_equal(pq_reader_num_leaves(r), 13);
	assert_int_equal(pq_reader_column_index(r, 0, 0, &a, &ci, &err), TN_OK);
	assert_int_equal(pq_reader_offset_index(r, 0, 0, &a, &oi, &err), TN_OK);
	assert_true(ci.n_pages > 1);
	assert_int_equal(ci.n_pages, oi.n_page_locations);
	assert_int_equal(oi.page_locations[0].first_row_index, 0);
	for (size_t i = 1; i < oi.n_page_locations; i++)
		assert_true(oi.page_locations[i].first_row_index >
			    oi.page_locations[i - 1].first_row_index);
	/* Page minimums of id decode as ints within the column's range. */
	for (size_t i = 0; i < ci.n_pages; i++) {
		long v;

		tn_buf_reset(&out);
		assert_int_equal(pq_reader_stat_json(r, 0, &ci.min_values[i], &out, &err), TN_OK);
		v = strtol(out.data, NULL, 10);
		assert_true(v >= 0 && v <= 7299);
	}
	/* Chunk statistics. */
	s = &m->row_groups[0].columns[0].meta_data.statistics;
	assert_true(s->has_min_value && s->has_max_value);
	tn_buf_reset(&out);
	assert_int_equal(pq_reader_stat_json(r, 0, &s->max_value, &out, &err), TN_OK);
	assert_string_equal(out.data, "7299");
	/* A string column's statistics are strings. */
	s = &m->row_groups[0].columns[9].meta_data.statistics;
	tn_buf_reset(&out);
	assert_int_equal(pq_reader_stat_json(r, 9, &s->min_value, &out, &err), TN_OK);
	assert_string_equal(out.data, "\"0\"");
	tn_buf_done(&out);
	tn_arena_done(&a);
	pq_reader_close(r);
}

static void test_crc(void **state)
{
	struct pq_read_opts o;
	struct pq_reader *r;
	struct tn_batch b = {0};
	struct tn_err err;

	(void)state;
	r = open_or_skip("datapage_v1-corrupt-checksum.parquet", NULL);
	assert_int_equal(pq_reader_next(r, &b, &err), TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "CRC mismatch"));
	assert_non_null(strstr(err.msg, "datapage_v1-corrupt-checksum.parquet"));
	pq_reader_close(r);
	pq_read_opts_init(&o);
	o.verify_crc = false;
	r = open_or_skip("datapage_v1-corrupt-checksum.parquet", &o);
	assert_int_equal(pq_reader_next(r, &b, &err), TN_OK);
	assert_true(b.nrows > 0);
	tn_batch_done(&b);
	pq_reader_close(r);
}

static void test_not_parquet(void **state)
{
	char tmp[] = "/tmp/tarn-notpq-XXXXXX";
	int fd = mkstemp(tmp);
	struct pq_reader *r = NULL;
	struct tn_err err;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello, this is not parquet at all", 33), 33);
	close(fd);
	assert_int_equal(pq_reader_open(st, tmp, NULL, &r, &err), TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "not a Parquet file"));
	unlink(tmp);
	assert_int_equal(pq_reader_open(st, tmp, NULL, &r, &err), TN_ENOENT);
	assert_non_null(strstr(err.msg, tmp));
}

/* A footer whose root element is a column, not a group. */
static void test_root_leaf(void **state)
{
	char tmp[] = "/tmp/tarn-rootleaf-XXXXXX";
	struct pq_schema_elem root;
	struct pq_file_meta m;
	struct tn_buf b = TN_BUF_INIT;
	struct pq_reader *r = NULL;
	struct tn_err err;
	uint32_t len;
	int fd;

	(void)state;
	memset(&root, 0, sizeof(root));
	memset(&m, 0, sizeof(m));
	root.name = "root";
	root.has_type = true;
	root.type = PQ_INT32;
	m.version = 1;
	m.schema = &root;
	m.n_schema = 1;
	tn_buf_puts(&b, "PAR1", NULL);
	assert_int_equal(pq_file_meta_encode(&m, &b, &err), TN_OK);
	len = (uint32_t)(b.len - 4);
	tn_buf_append(&b, &len, 4, NULL);
	tn_buf_puts(&b, "PAR1", NULL);
	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
	close(fd);
	assert_int_equal(pq_reader_open(st, tmp, NULL, &r, &err), TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "the root is a column"));
	unlink(tmp);
	tn_buf_done(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_projection),
		cmocka_unit_test(test_missing_column),
		cmocka_unit_test(test_row_groups_and_batches),
		cmocka_unit_test(test_page_index_and_stats),
		cmocka_unit_test(test_crc),
		cmocka_unit_test(test_not_parquet),
		cmocka_unit_test(test_root_leaf),
	};

	return cmocka_run_group_tests_name("pq_reader", tests, setup, teardown);
}
