/* test_pq_writer.c - the Parquet writer: shredding into levels, statistics,
 * dictionary fallback, errors, and files that read back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/valfmt.h"
#include "parquet/parquet.h"
#include "parquet/parquet_int.h"

static char dir[64];
static struct store *st;

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/tarn-pqw-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	st = store_local_new(dir);
	return 0;
}

static int teardown(void **state)
{
	char *cmd = tn_asprintf("rm -rf '%s'", dir);

	(void)state;
	store_free(st);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
	return 0;
}

/* Files in the test directory (temporary ones too). */
static int nfiles(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.' || strncmp(e->d_name, ".tarn-tmp", 9) == 0;
	closedir(d);
	return n;
}

/* ---- types and vectors ---- */

static struct tn_field fld(const char *name, enum tn_kind kind, bool nullable)
{
	struct tn_field f;

	memset(&f, 0, sizeof(f));
	f.name = tn_strdup(name);
	f.type.kind = kind;
	f.nullable = nullable;
	return f;
}

static struct tn_field list_of(const char *name, struct tn_field elem, bool nullable)
{
	struct tn_field f = fld(name, TN_LIST, nullable);

	f.type.nfields = 1;
	f.type.fields = tn_calloc(1, sizeof(*f.type.fields));
	f.type.fields[0] = elem;
	return f;
}

static struct tn_field map_of(const char *name, struct tn_field k, struct tn_field v)
{
	struct tn_field f = fld(name, TN_MAP, true);

	f.type.nfields = 2;
	f.type.fields = tn_calloc(2, sizeof(*f.type.fields));
	f.type.fields[0] = k;
	f.type.fields[1] = v;
	return f;
}

static void schema1(struct tn_schema *s, struct tn_field f)
{
	s->ncols = 1;
	s->cols = tn_calloc(1, sizeof(*s->cols));
	s->cols[0] = f;
}

/* A batch of schema s and n rows whose vectors the test fills in. */
static void batch(struct tn_batch *b, const struct tn_schema *s, size_t n)
{
	memset(b, 0, sizeof(*b));
	b->schema = s;
	b->nrows = n;
	tn_arena_init(&b->arena, 0);
	b->cols = tn_arena_calloc(&b->arena, s->ncols, sizeof(*b->cols));
	for (size_t i = 0; i < s->ncols; i++) {
		b->cols[i].type = &s->cols[i].type;
		b->cols[i].len = n;
	}
}

static void *copy(struct tn_batch *b, const void *p, size_t n)
{
	void *q = tn_arena_alloc(&b->arena, n ? n : 1);

	memcpy(q, p, n);
	return q;
}

/* Write the batches to name and return what tarn reads back as JSONL. */
static char *roundtrip(const char *name, const struct tn_schema *s, struct tn_batch *bs, size_t nb,
		       const struct pq_write_opts *o, struct pq_write_result *res)
{
	struct pq_writer *w;
	struct pq_reader *r;
	struct tn_err err;
	struct tn_batch rb = {0};
	struct tn_buf out = TN_BUF_INIT;

	assert_int_equal(pq_writer_open(st, name, s, o, &w, &err), TN_OK);
	for (size_t i = 0; i < nb; i++)
		assert_int_equal(pq_writer_write(w, &bs[i], &err), TN_OK);
	assert_int_equal(pq_writer_close(w, res, &err), TN_OK);
	if (pq_reader_open(st, name, NULL, &r, &err) != TN_OK)
		fail_msg("%s", err.msg);
	for (;;) {
		if (pq_reader_next(r, &rb, &err) != TN_OK)
			fail_msg("%s", err.msg);
		if (rb.nrows == 0)
			break;
		for (size_t i = 0; i < rb.nrows; i++) {
			assert_int_equal(tn_row_json(&out, &rb, i, &err), TN_OK);
			tn_buf_putc(&out, '\n', NULL);
		}
	}
	tn_batch_done(&rb);
	pq_reader_close(r);
	if (out.data == NULL)
		tn_buf_puts(&out, "", NULL);
	return tn_buf_detach(&out, NULL);
}

static char *json_of(const struct tn_batch *b)
{
	struct tn_buf out = TN_BUF_INIT;

	for (size_t i = 0; i < b->nrows; i++) {
		tn_row_json(&out, b, i, NULL);
		tn_buf_putc(&out, '\n', NULL);
	}
	if (out.data == NULL)
		tn_buf_puts(&out, "", NULL);
	return tn_buf_detach(&out, NULL);
}

/* The footer of a file, kept open in *r. */
static const struct pq_file_meta *meta_of(const char *name, struct pq_reader **r)
{
	struct tn_err err;

	if (pq_reader_open(st, name, NULL, r, &err) != TN_OK)
		fail_msg("%s", err.msg);
	return pq_reader_meta(*r);
}

/* ---- shredding ---- */

struct rec {
	int16_t def[32], rep[32];
	int32_t idx[32];
	size_t n;
	int leaf;
};

static int record(void *ctx, const struct pq_wcol *leaf, const struct tn_vec *v,
		  const struct pq_slots *s, struct tn_err *err)
{
	struct rec *r = ctx;

	(void)v;
	(void)err;
	r->leaf = leaf->leaf;
	for (size_t k = 0; k < s->n && r->n < 32; k++, r->n++) {
		r->def[r->n] = s->def ? s->def[k] : -1;
		r->rep[r->n] = s->rep ? s->rep[k] : 0;
		r->idx[r->n] = s->idx ? s->idx[k] : (int32_t)(s->first + k);
	}
	return TN_OK;
}

/* optional list<optional int>: [1,2], [], null, [null,3] is the Dremel
 * encoding: def 3 3 1 0 2 3, rep 0 1 0 0 0 1. */
static void test_shred_list(void **state)
{
	struct pq_wcol elem = {.role = PQ_COL_PRIMITIVE, .path = (char *)"l.list.element",
			       .nullable = true, .def = 3, .leaf = 0};
	struct pq_wcol col = {.role = PQ_COL_LIST, .path = (char *)"l", .nullable = true, .def = 1,
			      .elem_rep = 1, .children = &elem, .nchildren = 1, .leaf = -1};
	struct tn_type it = {.kind = TN_INT32};
	int32_t vals[] = {1, 2, 0, 3}, off[] = {0, 2, 2, 2, 4};
	uint8_t lnull[] = {0, 0, 1, 0}, enull[] = {0, 0, 1, 0};
	struct tn_vec child = {.type = &it, .len = 4, .nulls = enull, .values = vals};
	struct tn_vec v = {.len = 4, .nulls = lnull, .offsets = off, .children = &child};
	static const int16_t want_def[] = {3, 3, 1, 0, 2, 3}, want_rep[] = {0, 1, 0, 0, 0, 1};
	static const int32_t want_idx[] = {0, 1, -1, -1, -1, 3};
	struct tn_arena a;
	struct rec r = {0};
	struct tn_err err;

	(void)state;
	tn_arena_init(&a, 0);
	assert_int_equal(pq_shred(&col, &v, 0, 4, 0, &a, record, &r, &err), TN_OK);
	assert_int_equal(r.n, 6);
	for (size_t k = 0; k < 6; k++) {
		assert_int_equal(r.def[k], want_def[k]);
		assert_int_equal(r.rep[k], want_rep[k]);
		assert_int_equal(r.idx[k], want_idx[k]);
	}
	/* rows 1..3 only */
	memset(&r, 0, sizeof(r));
	assert_int_equal(pq_shred(&col, &v, 1, 3, 0, &a, record, &r, &err), TN_OK);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.def[0], 1);
	assert_int_equal(r.idx[3], 3);
	/* offsets that run past the child */
	off[4] = 9;
	assert_int_equal(pq_shred(&col, &v, 0, 4, 0, &a, record, &r, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "offsets"));
	tn_arena_done(&a);
}

/* list<list<int>> with an element list that is empty: the inner list's
 * repetition level marks its own elements. */
static void test_shred_nested_lists(void **state)
{
	struct pq_wcol leaf = {.role = PQ_COL_PRIMITIVE, .path = (char *)"x", .nullable = false,
			       .def = 4, .leaf = 0};
	struct pq_wcol inner = {.role = PQ_COL_LIST, .path = (char *)"i", .nullable = true, .def = 3,
				.elem_rep = 2, .children = &leaf, .nchildren = 1};
	struct pq_wcol outer = {.role = PQ_COL_LIST, .path = (char *)"o", .nullable = true, .def = 1,
				.elem_rep = 1, .children = &inner, .nchildren = 1};
	struct tn_type it = {.kind = TN_INT32};
	/* [[1,2],[],[3]], [[4]] */
	int32_t vals[] = {1, 2, 3, 4}, ioff[] = {0, 2, 2, 3, 4}, ooff[] = {0, 3, 4};
	struct tn_vec lv = {.type = &it, .len = 4, .values = vals};
	struct tn_vec iv = {.len = 4, .offsets = ioff, .children = &lv};
	struct tn_vec ov = {.len = 2, .offsets = ooff, .children = &iv};
	static const int16_t want_def[] = {4, 4, 3, 4, 4}, want_rep[] = {0, 2, 1, 1, 0};
	struct tn_arena a;
	struct rec r = {0};
	struct tn_err err;

	(void)state;
	tn_arena_init(&a, 0);
	assert_int_equal(pq_shred(&outer, &ov, 0, 2, 0, &a, record, &r, &err), TN_OK);
	assert_int_equal(r.n, 5);
	for (size_t k = 0; k < 5; k++) {
		assert_int_equal(r.def[k], want_def[k]);
		assert_int_equal(r.rep[k], want_rep[k]);
	}
	tn_arena_done(&a);
}

/* ---- files ---- */

static void test_flat_roundtrip_and_stats(void **state)
{
	struct tn_schema s = {0};
	struct tn_batch b;
	struct pq_reader *r;
	const struct pq_file_meta *m;
	const struct pq_statistics *ss;
	int32_t iv[] = {5, -7, 0, 100, 3};
	uint8_t nulls[] = {0, 0, 1, 0, 0};
	struct tn_bytes sv[] = {{(const uint8_t *)"b", 1}, {(const uint8_t *)"\xff", 1},
				{(const uint8_t *)"a", 1}, {NULL, 0}, {(const uint8_t *)"ab", 2}};
	uint32_t uv[] = {1, 4000000000u, 7, 2, 3};
	int32_t v32;
	char *got, *want;

	(void)state;
	s.ncols = 3;
	s.cols = tn_calloc(3, sizeof(*s.cols));
	s.cols[0] = fld("i", TN_INT32, true);
	s.cols[1] = fld("s", TN_STRING, false);
	s.cols[2] = fld("u", TN_UINT32, false);
	batch(&b, &s, 5);
	b.cols[0].values = copy(&b, iv, sizeof(iv));
	b.cols[0].nulls = copy(&b, nulls, sizeof(nulls));
	b.cols[1].values = copy(&b, sv, sizeof(sv));
	b.cols[2].values = copy(&b, uv, sizeof(uv));
	want = json_of(&b);
	got = roundtrip("flat.parquet", &s, &b, 1, NULL, NULL);
	assert_string_equal(got, want);
	free(got);
	free(want);

	m = meta_of("flat.parquet", &r);
	assert_int_equal(m->num_rows, 5);
	assert_true(m->has_column_orders);
	assert_int_equal(m->n_column_orders, 3);
	assert_int_equal(m->column_orders[0].kind, PQ_ORDER_TYPE);
	assert_non_null(strstr(m->created_by, "tarn version "));
	ss = &m->row_groups[0].columns[0].meta_data.statistics;
	assert_true(ss->has_null_count);
	assert_int_equal(ss->null_count, 1);
	memcpy(&v32, ss->min_value.p, 4);
	assert_int_equal(v32, -7);
	memcpy(&v32, ss->max_value.p, 4);
	assert_int_equal(v32, 100);
	assert_true(ss->has_min && ss->has_max); /* signed: the old fields too */
	/* strings: unsigned bytes, no deprecated fields */
	ss = &m->row_groups[0].columns[1].meta_data.statistics;
	assert_int_equal(ss->min_value.len, 0); /* the empty string */
	assert_int_equal(ss->max_value.len, 1);
	assert_int_equal(ss->max_value.p[0], 0xff);
	assert_false(ss->has_min || ss->has_max);
	/* uint32 compares unsigned */
	ss = &m->row_groups[0].columns[2].meta_data.statistics;
	memcpy(&v32, ss->min_value.p, 4);
	assert_int_equal((uint32_t)v32, 1);
	memcpy(&v32, ss->max_value.p, 4);
	assert_int_equal((uint32_t)v32, 4000000000u);
	assert_false(ss->has_min);
	pq_reader_close(r);
	tn_batch_done(&b);
	tn_schema_done(&s);
}

static void test_float_stats(void **state)
{
	struct tn_schema s = {0};
	struct tn_batch b;
	struct pq_reader *r;
	const struct pq_file_meta *m;
	double d[] = {NAN, 0.0, 2.5, -1.0};
	double z[] = {0.0, -0.0, 0.0, NAN};
	float nan[] = {NAN, NAN, NAN, NAN};
	double lo, hi;

	(void)state;
	s.ncols = 3;
	s.cols = tn_calloc(3, sizeof(*s.cols));
	s.cols[0] = fld("d", TN_DOUBLE, false);
	s.cols[1] = fld("z", TN_DOUBLE, false);
	s.cols[2] = fld("n", TN_FLOAT, false);
	batch(&b, &s, 4);
	b.cols[0].values = copy(&b, d, sizeof(d));
	b.cols[1].values = copy(&b, z, sizeof(z));
	b.cols[2].values = copy(&b, nan, sizeof(nan));
	free(roundtrip("f.parquet", &s, &b, 1, NULL, NULL));
	m = meta_of("f.parquet", &r);
	memcpy(&lo, m->row_groups[0].columns[0].meta_data.statistics.min_value.p, 8);
	memcpy(&hi, m->row_groups[0].columns[0].meta_data.statistics.max_value.p, 8);
	assert_true(lo == -1.0 && hi == 2.5);
	/* zeros: -0.0 is the minimum and +0.0 the maximum */
	memcpy(&lo, m->row_groups[0].columns[1].meta_data.statistics.min_value.p, 8);
	memcpy(&hi, m->row_groups[0].columns[1].meta_data.statistics.max_value.p, 8);
	assert_true(lo == 0.0 && signbit(lo));
	assert_true(hi == 0.0 && !signbit(hi));
	/* only NaN: no min or max */
	assert_false(m->row_groups[0].columns[2].meta_data.statistics.has_min_value);
	assert_false(m->row_groups[0].columns[2].meta_data.statistics.has_max_value);
	pq_reader_close(r);
	tn_batch_done(&b);
	tn_schema_done(&s);
}

static void test_decimal_stats_and_range(void **state)
{
	struct tn_schema s = {0};
	struct tn_batch b;
	struct pq_reader *r;
	struct pq_writer *w;
	const struct pq_file_meta *m;
	const struct pq_statistics *ss;
	__int128 v[] = {3, -5, 0};
	struct tn_err err;

	(void)state;
	schema1(&s, fld("d", TN_DECIMAL, false));
	s.cols[0].type.precision = 30;
	s.cols[0].type.scale = 2;
	batch(&b, &s, 3);
	b.cols[0].values = copy(&b, v, sizeof(v));
	free(roundtrip("d.parquet", &s, &b, 1, NULL, NULL));
	m = meta_of("d.parquet", &r);
	assert_int_equal(m->schema[1].type, PQ_FIXED_LEN_BYTE_ARRAY);
	assert_int_equal(m->schema[1].type_length, 13);
	ss = &m->row_groups[0].columns[0].meta_data.statistics;
	assert_int_equal(ss->min_value.len, 13);
	assert_int_equal(ss->min_value.p[0], 0xff); /* -5 */
	assert_int_equal(ss->min_value.p[12], 0xfb);
	assert_int_equal(ss->max_value.p[12], 3);
	pq_reader_close(r);

	/* a value wider than the precision */
	((__int128 *)b.cols[0].values)[1] = (__int128)1e30;
	assert_int_equal(pq_writer_open(st, "bad.parquet", &s, NULL, &w, &err), TN_OK);
	assert_int_equal(pq_writer_write(w, &b, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "precision"));
	assert_int_equal(pq_writer_close(w, NULL, &err), TN_EINVAL);
	assert_int_equal(nfiles(), 1); /* d.parquet only */
	tn_batch_done(&b);
	tn_schema_done(&s);
}

static void test_null_in_required(void **state)
{
	struct tn_schema s = {0};
	struct tn_batch b;
	struct pq_writer *w;
	struct tn_err err;
	int64_t v[] = {1, 2, 3};
	uint8_t nulls[] = {0, 0, 1};

	(void)state;
	schema1(&s, fld("id", TN_INT64, false));
	batch(&b, &s, 3);
	b.cols[0].values = copy(&b, v, sizeof(v));
	assert_int_equal(pq_writer_open(st, "req.parquet", &s, NULL, &w, &err), TN_OK);
	assert_int_equal(pq_writer_write(w, &b, &err), TN_OK); /* rows 0..2 */
	b.cols[0].nulls = copy(&b, nulls, sizeof(nulls));
	assert_int_equal(pq_writer_write(w, &b, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "column 'id'"));
	assert_non_null(strstr(err.msg, "row 5"));
	/* the writer stays broken, and nothing is left behind */
	assert_int_equal(pq_writer_write(w, &b, &err), TN_EINVAL);
	assert_int_equal(pq_writer_close(w, NULL, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "row 5"));
	assert_int_equal(nfiles(), 0);
	tn_batch_done(&b);
	tn_schema_done(&s);
}

static void test_null_in_required_nested(void **state)
{
	struct tn_schema s = {0};
	struct tn_batch b;
	struct pq_writer *w;
	struct tn_err err;
	struct tn_type it = {.kind = TN_INT32};
	int32_t vals[] = {1, 2, 3}, off[] = {0, 1, 1, 3};
	uint8_t enull[] = {0, 0, 1};
	struct tn_vec *child;

	(void)state;
	schema1(&s, list_of("l", fld("element", TN_INT32, false), true));
	batch(&b, &s, 3);
	child = tn_arena_calloc(&b.arena, 1, sizeof(*child));
	child->type = &it;
	child->len = 3;
	child->values = vals;
	child->nulls = enull;
	b.cols[0].offsets = off;
	b.cols[0].children = child;
	assert_int_equal(pq_writer_open(st, "l.parquet", &s, NULL, &w, &err), TN_OK);
	assert_int_equal(pq_writer_write(w, &b, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "column 'l.list.element'"));
	assert_non_null(strstr(err.msg, "row 2"));
	pq_writer_abort(w);
	assert_int_equal(nfiles(), 0);
	tn_batch_done(&b);
	tn_schema_done(&s);
}

static void test_null_map_key(void **state)
{
	struct tn_schema s = {0};
	struct tn_batch b;
	struct pq_writer *w;
	struct tn_err err;
	struct tn_type it = {.kind = TN_INT32};
	int32_t keys[] = {1, 2}, vals[] = {3, 4}, off[] = {0, 2};
	uint8_t knull[] = {0, 1};
	struct tn_vec *ch;

	(void)state;
	/* the key field says nullable; Parquet map keys are not */
	schema1(&s, map_of("m", fld("key", TN_INT32, true), fld("value", TN_INT32, true)));
	batch(&b, &s, 1);
	ch = tn_arena_calloc(&b.arena, 2, sizeof(*ch));
	ch[0] = (struct tn_vec){.type = &it, .len = 2, .values = keys, .nulls = knull};
	ch[1] = (struct tn_vec){.type = &it, .len = 2, .values = vals};
	b.cols[0].offsets = off;
	b.cols[0].children = ch;
	assert_int_equal(pq_writer_open(st, "m.parquet", &s, NULL, &w, &err), TN_OK);
	assert_int_equal(pq_writer_write(w, &b, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "map key is null"));
	pq_writer_abort(w);
	/* without the null it reads back */
	knull[1] = 0;
	free(roundtrip("m.parquet", &s, &b, 1, NULL, NULL));
	tn_batch_done(&b);
	tn_schema_done(&s);
}

static void test_bad_schemas_and_options(void **state)
{
	struct tn_schema s = {0};
	struct pq_write_opts o;
	struct pq_writer *w;
	struct tn_err err;

	(void)state;
	assert_int_equal(pq_writer_open(st, "x.parquet", &s, NULL, &w, &err), TN_EINVAL);
	assert_null(w);
	schema1(&s, fld("st", TN_STRUCT, true));
	assert_int_equal(pq_writer_open(st, "x.parquet", &s, NULL, &w, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "struct without fields"));
	tn_schema_done(&s);
	schema1(&s, fld("d", TN_DECIMAL, true));
	s.cols[0].type.precision = 40;
	assert_int_equal(pq_writer_open(st, "x.parquet", &s, NULL, &w, &err), TN_EINVAL);
	s.cols[0].type.precision = 10;
	pq_write_opts_init(&o);
	o.codec = PQ_CODEC_LZO;
	assert_int_equal(pq_writer_open(st, "x.parquet", &s, &o, &w, &err), TN_EUNSUPPORTED);
	o.codec = PQ_CODEC_GZIP;
	o.level = 12;
	assert_int_equal(pq_writer_open(st, "x.parquet", &s, &o, &w, &err), TN_EINVAL);
	o.codec = 99;
	assert_int_equal(pq_writer_open(st, "x.parquet", &s, &o, &w, &err), TN_EINVAL);
	assert_int_equal(nfiles(), 0);
	tn_schema_done(&s);
}

static void test_schema_mismatch_and_abort(void **state)
{
	struct tn_schema s = {0}, other = {0};
	struct tn_batch b, ob;
	struct pq_writer *w;
	struct tn_err err;
	int64_t v[] = {1, 2};

	(void)state;
	schema1(&s, fld("a", TN_INT64, true));
	schema1(&other, fld("a", TN_INT64, false));
	batch(&b, &s, 2);
	b.cols[0].values = copy(&b, v, sizeof(v));
	batch(&ob, &other, 2);
	ob.cols[0].values = copy(&ob, v, sizeof(v));
	assert_int_equal(pq_writer_open(st, "a.parquet", &s, NULL, &w, &err), TN_OK);
	assert_int_equal(pq_writer_write(w, &ob, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "schema"));
	/* refused before anything was taken: the writer goes on */
	assert_int_equal(pq_writer_write(w, &b, &err), TN_OK);
	pq_writer_abort(w);
	assert_int_equal(nfiles(), 0);
	pq_writer_abort(NULL);
	tn_batch_done(&b);
	tn_batch_done(&ob);
	tn_schema_done(&s);
	tn_schema_done(&other);
}

static void test_uuid_length(void **state)
{
	struct tn_schema s = {0};
	struct tn_batch b;
	struct pq_writer *w;
	struct tn_err err;
	struct tn_bytes v[] = {{(const uint8_t *)"0123456789abcdef", 16},
			       {(const uint8_t *)"short", 5}};

	(void)state;
	schema1(&s, fld("u", TN_UUID, true));
	batch(&b, &s, 2);
	b.cols[0].values = copy(&b, v, sizeof(v));
	assert_int_equal(pq_writer_open(st, "u.parquet", &s, NULL, &w, &err), TN_OK);
	assert_int_equal(pq_writer_write(w, &b, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "16 bytes"));
	pq_writer_abort(w);
	tn_batch_done(&b);
	tn_schema_done(&s);
}

/* Distinct strings push the dictionary past its limit: the chunk has a
 * dictionary page, dictionary-encoded pages, then PLAIN pages. A second
 * row group starts a dictionary again. */
static void test_dictionary_fallback(void **state)
{
	struct tn_schema s = {0};
	struct tn_batch b;
	struct pq_write_opts o;
	struct pq_write_result res;
	struct pq_reader *r;
	const struct pq_file_meta *m;
	struct tn_bytes *v;
	char *got, *want;
	size_t n = 4000;

	(void)state;
	schema1(&s, fld("s", TN_STRING, true));
	batch(&b, &s, n);
	v = tn_arena_alloc(&b.arena, n * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		char *p = tn_arena_alloc(&b.arena, 48);

		v[i].len = (uint32_t)snprintf(p, 48, "value-%06zu-%030zu", i * 7 % n, i);
		v[i].ptr = (const uint8_t *)p;
	}
	b.cols[0].values = v;
	pq_write_opts_init(&o);
	o.dict_max_bytes = 4096;
	o.page_bytes = 4096;
	o.row_group_rows = 3000;
	want = json_of(&b);
	got = roundtrip("fb.parquet", &s, &b, 1, &o, &res);
	assert_string_equal(got, want);
	assert_int_equal(res.num_row_groups, 2);
	assert_int_equal(res.num_rows, (int64_t)n);
	m = meta_of("fb.parquet", &r);
	for (size_t g = 0; g < 2; g++) {
		const struct pq_column_meta *cm = &m->row_groups[g].columns[0].meta_data;
		bool dict_data = false, plain_data = false;

		assert_true(cm->has_dictionary_page_offset);
		assert_true(cm->dictionary_page_offset < cm->data_page_offset);
		assert_true(cm->has_encoding_stats);
		for (size_t i = 0; i < cm->n_encoding_stats; i++) {
			const struct pq_page_encoding_stats *es = &cm->encoding_stats[i];

			dict_data |= es->page_type == PQ_PAGE_DATA &&
				     es->encoding == PQ_ENC_RLE_DICTIONARY && es->count > 0;
			plain_data |= es->page_type == PQ_PAGE_DATA && es->encoding == PQ_ENC_PLAIN &&
				      es->count > 0;
		}
		assert_true(dict_data);
		assert_true(plain_data);
	}
	pq_reader_close(r);
	free(got);
	free(want);
	tn_batch_done(&b);
	tn_schema_done(&s);
}

/* Zero rows, and rows in batches that straddle row groups. */
static void test_row_groups(void **state)
{
	struct tn_schema s = {0};
	struct tn_batch b[3];
	struct pq_write_opts o;
	struct pq_write_result res;
	struct pq_key_value kv = {"k", "v", 1};
	struct pq_reader *r;
	const struct pq_file_meta *m;
	struct tn_buf want = TN_BUF_INIT;
	char *got, *j;

	(void)state;
	schema1(&s, fld("x", TN_INT16, true));
	got = roundtrip("empty.parquet", &s, NULL, 0, NULL, &res);
	assert_string_equal(got, "");
	assert_int_equal(res.num_row_groups, 0);
	assert_int_equal(res.num_rows, 0);
	free(got);

	s.cols[0].has_field_id = true;
	s.cols[0].field_id = 42;
	pq_write_opts_init(&o);
	o.row_group_rows = 4;
	o.kv = &kv;
	o.nkv = 1;
	for (size_t i = 0; i < 3; i++) {
		int16_t v[5];

		for (size_t k = 0; k < 5; k++)
			v[k] = (int16_t)(i * 100 + k - 250);
		batch(&b[i], &s, 5);
		b[i].cols[0].values = copy(&b[i], v, sizeof(v));
		j = json_of(&b[i]);
		tn_buf_puts(&want, j, NULL);
		free(j);
	}
	got = roundtrip("rg.parquet", &s, b, 3, &o, &res);
	assert_string_equal(got, want.data);
	assert_int_equal(res.num_row_groups, 4); /* 4 + 4 + 4 + 3 */
	m = meta_of("rg.parquet", &r);
	assert_int_equal(m->n_row_groups, 4);
	assert_int_equal(m->row_groups[3].num_rows, 3);
	assert_int_equal(m->n_key_value_metadata, 1);
	assert_string_equal(m->key_value_metadata[0].key, "k");
	assert_string_equal(m->key_value_metadata[0].value, "v");
	assert_int_equal(m->schema[1].logical_type.kind, PQ_LT_INTEGER);
	assert_int_equal(m->schema[1].logical_type.bit_width, 16);
	assert_true(m->schema[1].has_field_id);
	assert_int_equal(m->schema[1].field_id, 42);
	assert_false(m->schema[0].has_field_id);
	pq_reader_close(r);
	free(got);
	tn_buf_done(&want);
	for (size_t i = 0; i < 3; i++)
		tn_batch_done(&b[i]);
	tn_schema_done(&s);
}

/* Page headers of column chunk cc in the file's bytes: the largest page
 * (uncompressed), and how many pages there are. */
static void scan_pages(const struct tn_buf *file, const struct pq_column_chunk *cc, size_t *max_page,
		       size_t *max_dict, size_t *npages)
{
	const struct pq_column_meta *cm = &cc->meta_data;
	int64_t pos = cm->has_dictionary_page_offset ? cm->dictionary_page_offset
						      : cm->data_page_offset;
	int64_t end = pos + cm->total_compressed_size;
	struct tn_arena a;

	tn_arena_init(&a, 0);
	*max_page = *max_dict = *npages = 0;
	while (pos < end) {
		struct pq_page_header h;
		size_t used;
		struct tn_err err;

		assert_int_equal(pq_page_header_decode((const uint8_t *)file->data + pos,
						       (size_t)(end - pos), &a, &h, &used, &err),
				 TN_OK);
		if (h.type == PQ_PAGE_DICTIONARY) {
			if ((size_t)h.uncompressed_page_size > *max_dict)
				*max_dict = (size_t)h.uncompressed_page_size;
		} else {
			if ((size_t)h.uncompressed_page_size > *max_page)
				*max_page = (size_t)h.uncompressed_page_size;
			(*npages)++;
		}
		assert_true(h.has_crc);
		pos += (int64_t)used + h.compressed_page_size;
	}
	assert_int_equal(pos, end);
	tn_arena_done(&a);
}

/* Long distinct values: neither the pages nor the dictionary grow far past
 * their limits (1 MiB each by default). */
static void test_long_values(void **state)
{
	struct tn_schema s = {0};
	struct tn_batch b;
	struct pq_reader *r;
	const struct pq_file_meta *m;
	struct tn_buf file = TN_BUF_INIT;
	struct tn_bytes *v;
	struct tn_err err;
	size_t n = 200, len = 100000, max_page, max_dict, npages;
	char *got, *want, *path;

	(void)state;
	schema1(&s, fld("s", TN_BINARY, false));
	batch(&b, &s, n);
	v = tn_arena_alloc(&b.arena, n * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = tn_arena_alloc(&b.arena, len);

		for (size_t k = 0; k < len; k++)
			p[k] = (uint8_t)(i * 31 + k * 7 + (k >> 8));
		v[i].ptr = p;
		v[i].len = (uint32_t)len;
	}
	b.cols[0].values = v;
	want = json_of(&b);
	got = roundtrip("long.parquet", &s, &b, 1, NULL, NULL);
	assert_true(strcmp(got, want) == 0);
	m = meta_of("long.parquet", &r);
	path = tn_asprintf("%s/long.parquet", dir);
	{
		struct store *root = store_local_new("");

		assert_int_equal(store_read_all(root, path, &file, &err), TN_OK);
		store_free(root);
	}
	scan_pages(&file, &m->row_groups[0].columns[0], &max_page, &max_dict, &npages);
	assert_true(max_page <= (size_t)2 << 20);
	assert_true(max_dict <= (size_t)2 << 20);
	assert_true(npages >= 10);
	pq_reader_close(r);
	free(path);
	free(got);
	free(want);
	tn_buf_done(&file);
	tn_batch_done(&b);
	tn_schema_done(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shred_list),
		cmocka_unit_test(test_shred_nested_lists),
		cmocka_unit_test_setup_teardown(test_flat_roundtrip_and_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_float_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decimal_stats_and_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_in_required, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_in_required_nested, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_map_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_schemas_and_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_mismatch_and_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uuid_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dictionary_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_row_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_values, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
