/* test_delta_dv.c - Delta deletion vectors: Z85 (both padding variants),
 * descriptors, round trips through the portable RoaringBitmapArray (inline
 * and in DV files), batch masks, every deletion vector of the real test
 * tables, and the errors of damaged ones. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/valfmt.h"
#include "delta/dv.h"
#include "parquet/parquet.h"

static char tmpdir[4096];
static struct store *st;

static int setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/tarn-dv-XXXXXX", t && *t ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	st = store_local_new("");
	return 0;
}

static int teardown(void **state)
{
	char *cmd = tn_asprintf("rm -rf '%s'", tmpdir);
	int rc = system(cmd);

	(void)state;
	free(cmd);
	store_free(st);
	return rc == 0 ? 0 : -1;
}

/* A file name in the private temporary directory; caller frees. */
static char *tmp_path(const char *name)
{
	return tn_asprintf("%s/%s", tmpdir, name);
}

/* Deterministic pseudo-random numbers (xorshift64*). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* ------------------------------------------------------------ Z85 */

static char *z85(const void *p, size_t n)
{
	struct tn_buf b = TN_BUF_INIT;

	assert_int_equal(delta_z85_encode(p, n, &b, NULL), TN_OK);
	return tn_buf_detach(&b, NULL);
}

static void test_z85_spec(void **state)
{
	/* ZeroMQ RFC 32's test vector. */
	static const uint8_t hello[8] = {0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b};
	/* The UUID of the protocol's example 1, d2c639aa-8816-431a-aaf6-d3fe2512ff61. */
	static const uint8_t uuid[16] = {0xd2, 0xc6, 0x39, 0xaa, 0x88, 0x16, 0x43, 0x1a,
					 0xaa, 0xf6, 0xd3, 0xfe, 0x25, 0x12, 0xff, 0x61};
	struct tn_buf b = TN_BUF_INIT;
	struct tn_err err;
	char *s;

	(void)state;
	s = z85(hello, 8);
	assert_string_equal(s, "HelloWorld");
	free(s);
	assert_int_equal(delta_z85_decode("HelloWorld", 10, &b, &err), TN_OK);
	assert_int_equal(b.len, 8);
	assert_memory_equal(b.data, hello, 8);
	tn_buf_reset(&b);

	s = z85(uuid, 16);
	assert_string_equal(s, "^-aqEH.-t@S}K{vb[*k^");
	free(s);

	/* The protocol's inline example decodes to its 40 bytes. */
	assert_int_equal(delta_z85_decode("wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L", 50,
					  &b, &err), TN_OK);
	assert_int_equal(b.len, 40);
	tn_buf_done(&b);
}

static void test_z85_round_trip(void **state)
{
	uint8_t data[300];
	struct tn_buf b = TN_BUF_INIT;
	struct tn_err err;

	(void)state;
	for (size_t n = 0; n <= sizeof(data); n += 1 + n / 16) {
		char *s;

		for (size_t i = 0; i < n; i++)
			data[i] = (uint8_t)rnd();
		if (n > 4)
			memset(data, n % 3 == 0 ? 0xff : 0, 4); /* the extremes of a group */
		s = z85(data, n);
		assert_int_equal(strlen(s), (n + 3) / 4 * 5);
		tn_buf_reset(&b);
		assert_int_equal(delta_z85_decode(s, strlen(s), &b, &err), TN_OK);
		/* Padded with zeros to a multiple of 4: the caller cuts it. */
		assert_int_equal(b.len, (n + 3) / 4 * 4);
		assert_memory_equal(b.data, data, n);
		for (size_t i = n; i < b.len; i++)
			assert_int_equal(b.data[i], 0);
		free(s);
	}
	tn_buf_done(&b);
}

/* The Rust z85 crate's padding: a last group starting with k '#' holds
 * 4 - k bytes. */
static void test_z85_hash_padding(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		uint8_t bytes[4];
	} cases[] = {
		{"HelloWorld#isxk", 11, {0xab, 0xcd, 0xef}},
		{"HelloWorld##67A", 10, {0xab, 0xcd}},
		{"HelloWorld###21", 9, {0xab}},
	};
	struct tn_buf b = TN_BUF_INIT;
	struct tn_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tn_buf_reset(&b);
		assert_int_equal(delta_z85_decode(cases[i].s, 15, &b, &err), TN_OK);
		assert_int_equal(b.len, cases[i].len);
		assert_memory_equal(b.data + 8, cases[i].bytes, cases[i].len - 8);
	}
	tn_buf_done(&b);
}

static void test_z85_errors(void **state)
{
	static const char *const bad[] = {
		"Hello",        /* fine: the control case, checked below */
		"Hell",         /* not a multiple of 5 */
		"Hello World",  /* ' ' and length */
		"Hell\"",       /* '"' is not in the alphabet */
		"Hell\\",       /* nor '\\' */
		"Hell~",        /* nor '~' */
		"Hell,",        /* nor ',' */
		"Hell\x80",     /* nor bytes above 0x7f */
		"%%%%%",        /* above 2^32 - 1 */
		"#0000Hello",   /* '#' leads only a padded last group ... */
		"##09300000",   /* ... which is last */
		"####0",        /* at most 3 '#' */
		"#####",
		"##zzz",        /* 3 digits above 0xffff */
		"###zz",        /* 2 digits above 0xff */
	};
	struct tn_buf b = TN_BUF_INIT;
	struct tn_err err;

	(void)state;
	assert_int_equal(delta_z85_decode(bad[0], 5, &b, &err), TN_OK);
	for (size_t i = 1; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tn_buf_reset(&b);
		tn_err_clear(&err);
		assert_int_equal(delta_z85_decode(bad[i], strlen(bad[i]), &b, &err), TN_ECORRUPT);
		assert_int_equal(b.len, 0);
		assert_true(strstr(err.msg, "Z85") != NULL);
	}
	assert_int_equal(delta_z85_decode("Hell~", 5, &b, &err), TN_ECORRUPT);
	assert_string_equal(err.msg, "Z85: bad character 0x7e at offset 4");
	tn_buf_done(&b);
}

/* ------------------------------------------------------------ descriptors */

static int parse_desc(const char *json, struct delta_dv_desc *d, struct tn_err *err)
{
	cJSON *j = cJSON_Parse(json);
	int rc;

	assert_non_null(j);
	rc = delta_dv_desc_parse(j, d, err);
	cJSON_Delete(j);
	return rc;
}

static void test_desc_examples(void **state)
{
	struct delta_dv_desc d;
	struct tn_err err;
	char *s;

	(void)state;
	/* The protocol's three examples. */
	assert_int_equal(parse_desc("{\"storageType\":\"u\",\"pathOrInlineDv\":"
				    "\"ab^-aqEH.-t@S}K{vb[*k^\",\"offset\":4,\"sizeInBytes\":40,"
				    "\"cardinality\":6}", &d, &err), TN_OK);
	assert_int_equal(d.storage_type, 'u');
	assert_true(d.has_offset);
	assert_int_equal(d.offset, 4);
	assert_int_equal(d.size_in_bytes, 40);
	assert_int_equal(d.cardinality, 6);
	s = delta_dv_unique_id(&d);
	assert_string_equal(s, "uab^-aqEH.-t@S}K{vb[*k^@4");
	free(s);
	assert_int_equal(delta_dv_file_path("s3://mytable", &d, &s, &err), TN_OK);
	assert_string_equal(s,
			    "s3://mytable/ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin");
	free(s);
	delta_dv_desc_done(&d);

	assert_int_equal(parse_desc("{\"storageType\":\"p\",\"pathOrInlineDv\":"
				    "\"s3://mytable/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin\","
				    "\"offset\":4,\"sizeInBytes\":40,\"cardinality\":6}", &d, &err),
			 TN_OK);
	s = delta_dv_unique_id(&d);
	assert_string_equal(s, "ps3://mytable/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin@4");
	free(s);
	/* tarn reads local files only. */
	assert_int_equal(delta_dv_file_path("/t", &d, &s, &err), TN_EUNSUPPORTED);
	assert_null(s);
	assert_true(strstr(err.msg, "s3://mytable") != NULL);
	delta_dv_desc_done(&d);

	assert_int_equal(parse_desc("{\"storageType\":\"i\",\"pathOrInlineDv\":"
				    "\"wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L\","
				    "\"sizeInBytes\":40,\"cardinality\":6}", &d, &err), TN_OK);
	assert_false(d.has_offset);
	s = delta_dv_unique_id(&d);
	assert_string_equal(s, "iwi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L");
	free(s);
	assert_int_equal(delta_dv_file_path("/t", &d, &s, &err), TN_EINVAL);
	delta_dv_desc_done(&d);

	/* A null offset is no offset (kernel-rs tables write it). */
	assert_int_equal(parse_desc("{\"storageType\":\"i\",\"pathOrInlineDv\":\"HelloWorld\","
				    "\"offset\":null,\"sizeInBytes\":8,\"cardinality\":0}", &d, &err),
			 TN_OK);
	assert_false(d.has_offset);
	delta_dv_desc_done(&d);
	delta_dv_desc_done(NULL);
}

/* The protocol's inline example is in the older native layout; it holds
 * rows 3, 4, 7, 11, 18 and 29. */
static void test_spec_inline_example(void **state)
{
	static const uint64_t rows[] = {3, 4, 7, 11, 18, 29};
	struct delta_dv_desc d = {
		.storage_type = 'i',
		.path_or_inline_dv = (char *)"wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L",
		.size_in_bytes = 40,
		.cardinality = 6,
	};
	struct delta_dv *dv;
	struct tn_err err;
	uint8_t mask[32];

	(void)state;
	assert_int_equal(delta_dv_load(st, "", &d, &dv, &err), TN_OK);
	assert_int_equal(delta_dv_cardinality(dv), 6);
	delta_dv_mask(dv, 0, 32, mask);
	for (uint64_t r = 0, k = 0; r < 32; r++) {
		bool want = k < 6 && rows[k] == r;

		assert_int_equal(mask[r], want);
		assert_int_equal(delta_dv_contains(dv, r), want);
		k += want;
	}
	delta_dv_free(dv);
}

static void test_desc_errors(void **state)
{
	static const struct {
		const char *json, *field;
	} bad[] = {
		{"[]", "not an object"},
		{"{\"pathOrInlineDv\":\"x\",\"sizeInBytes\":1,\"cardinality\":1}", "storageType"},
		{"{\"storageType\":\"x\",\"pathOrInlineDv\":\"x\",\"sizeInBytes\":1,\"cardinality\":1}",
		 "storageType"},
		{"{\"storageType\":\"uu\",\"pathOrInlineDv\":\"x\",\"sizeInBytes\":1,\"cardinality\":1}",
		 "storageType"},
		{"{\"storageType\":7,\"pathOrInlineDv\":\"x\",\"sizeInBytes\":1,\"cardinality\":1}",
		 "storageType"},
		{"{\"storageType\":\"i\",\"sizeInBytes\":1,\"cardinality\":1}", "pathOrInlineDv"},
		{"{\"storageType\":\"i\",\"pathOrInlineDv\":\"\",\"sizeInBytes\":1,\"cardinality\":1}",
		 "pathOrInlineDv"},
		{"{\"storageType\":\"u\",\"pathOrInlineDv\":\"short\",\"offset\":1,\"sizeInBytes\":1,"
		 "\"cardinality\":1}", "pathOrInlineDv"},
		{"{\"storageType\":\"i\",\"pathOrInlineDv\":\"x\",\"sizeInBytes\":\"40\",\"cardinality\":1}",
		 "sizeInBytes"},
		{"{\"storageType\":\"i\",\"pathOrInlineDv\":\"x\",\"cardinality\":1}", "sizeInBytes"},
		{"{\"storageType\":\"i\",\"pathOrInlineDv\":\"x\",\"sizeInBytes\":-1,\"cardinality\":1}",
		 "sizeInBytes"},
		{"{\"storageType\":\"i\",\"pathOrInlineDv\":\"x\",\"sizeInBytes\":3000000000,"
		 "\"cardinality\":1}", "sizeInBytes"},
		{"{\"storageType\":\"i\",\"pathOrInlineDv\":\"x\",\"sizeInBytes\":1,\"cardinality\":-2}",
		 "cardinality"},
		{"{\"storageType\":\"i\",\"pathOrInlineDv\":\"x\",\"sizeInBytes\":1,\"cardinality\":1.5}",
		 "cardinality"},
		{"{\"storageType\":\"i\",\"pathOrInlineDv\":\"x\",\"sizeInBytes\":1}", "cardinality"},
		{"{\"storageType\":\"u\",\"pathOrInlineDv\":\"vBn[lx{q8@P<9BNH/isA\",\"offset\":\"1\","
		 "\"sizeInBytes\":1,\"cardinality\":1}", "offset"},
		{"{\"storageType\":\"u\",\"pathOrInlineDv\":\"vBn[lx{q8@P<9BNH/isA\",\"offset\":-1,"
		 "\"sizeInBytes\":1,\"cardinality\":1}", "offset"},
	};
	struct delta_dv_desc d;
	struct tn_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tn_err_clear(&err);
		assert_int_equal(parse_desc(bad[i].json, &d, &err), TN_ECORRUPT);
		if (strstr(err.msg, bad[i].field) == NULL)
			fail_msg("%s: message \"%s\" does not name %s", bad[i].json, err.msg,
				 bad[i].field);
		assert_null(d.path_or_inline_dv);
	}
}

static void test_file_paths(void **state)
{
	static const struct {
		char type;
		const char *path, *root, *want;
		int rc;
	} cases[] = {
		{'u', "vBn[lx{q8@P<9BNH/isA", "/t", "/t/deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin", TN_OK},
		{'u', "abvBn[lx{q8@P<9BNH/isA", "/t/", "/t/ab/deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin", TN_OK},
		{'u', "vBn[lx{q8@P<9BNH/isA", "", "deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin", TN_OK},
		{'u', "vBn[lx{q8@P<9BNH/is~", "/t", NULL, TN_ECORRUPT},
		{'u', "vBn[lx{q8@P<9BN##AAA", "/t", NULL, TN_ECORRUPT},
		{'u', "vBn[lx{q8@P<9BN%%%%%", "/t", NULL, TN_ECORRUPT},
		{'u', "a/bvBn[lx{q8@P<9BNH/isA", "/t", NULL, TN_ECORRUPT},
		{'p', "/data/t/dv.bin", "/t", "/data/t/dv.bin", TN_OK},
		{'p', "file:///data/t%20x/dv%2B1.bin", "/t", "/data/t x/dv+1.bin", TN_OK},
		{'p', "file:/data/t/dv.bin", "/t", "/data/t/dv.bin", TN_OK},
		{'p', "FILE://localhost/data/dv.bin", "/t", "/data/dv.bin", TN_OK},
		{'p', "file://otherhost/data/dv.bin", "/t", NULL, TN_EUNSUPPORTED},
		{'p', "s3://bucket/t/dv.bin", "/t", NULL, TN_EUNSUPPORTED},
		{'p', "abfss://c@a.dfs.core.windows.net/dv.bin", "/t", NULL, TN_EUNSUPPORTED},
		{'p', "dv.bin", "/t", NULL, TN_ECORRUPT},
		{'p', "/data/%zz.bin", "/t", NULL, TN_ECORRUPT},
		{'p', "/data/%00.bin", "/t", NULL, TN_ECORRUPT},
		{'p', "/data/%2", "/t", NULL, TN_ECORRUPT},
		{'x', "/data/dv.bin", "/t", NULL, TN_ECORRUPT},
	};
	struct tn_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct delta_dv_desc d = {.storage_type = cases[i].type,
					  .path_or_inline_dv = (char *)cases[i].path};
		char *out = NULL;
		int rc = delta_dv_file_path(cases[i].root, &d, &out, &err);

		if (rc != cases[i].rc)
			fail_msg("%s: got %s (%s), wanted %s", cases[i].path, tn_code_name(rc),
				 rc ? err.msg : out, tn_code_name(cases[i].rc));
		if (rc == TN_OK)
			assert_string_equal(out, cases[i].want);
		else
			assert_null(out);
		free(out);
	}
}

/* ------------------------------------------------------------ round trips */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A set of rows as a sorted array without duplicates: the model the DV is
 * checked against. */
struct rowset {
	uint64_t *v;
	size_t n, cap;
};

static void rs_add(struct rowset *s, uint64_t row)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->v = tn_reallocarray(s->v, s->cap, sizeof(*s->v));
	}
	s->v[s->n++] = row;
}

static void rs_finish(struct rowset *s)
{
	size_t k = 0;

	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	for (size_t i = 1; i < s->n; i++)
		if (s->v[i] != s->v[k])
			s->v[++k] = s->v[i];
	s->n = k + 1;
}

static bool rs_has(const struct rowset *s, uint64_t row)
{
	return s->n > 0 && bsearch(&row, s->v, s->n, sizeof(*s->v), cmp_u64) != NULL;
}

struct iter_state {
	const struct rowset *want;
	size_t i;
};

static bool iter_check(uint64_t row, void *arg)
{
	struct iter_state *is = arg;

	assert_true(is->i < is->want->n);
	assert_int_equal(row, is->want->v[is->i]);
	is->i++;
	return true;
}

static void check_window(const struct delta_dv *dv, const struct rowset *want, uint64_t first,
			 size_t n)
{
	uint8_t *mask = tn_malloc(n + 1);

	mask[n] = 0xaa; /* the mask writes n bytes, no more */
	delta_dv_mask(dv, first, n, mask);
	assert_int_equal(mask[n], 0xaa);
	for (size_t i = 0; i < n; i++) {
		bool want_del = first + i >= first && rs_has(want, first + i);

		if (mask[i] != want_del)
			fail_msg("row %llu: mask says %d", (unsigned long long)(first + i), mask[i]);
	}
	free(mask);
}

/* dv holds exactly want: cardinality, iteration, lookups and masks. */
static void check_dv(const struct delta_dv *dv, const struct rowset *want)
{
	struct iter_state is = {want, 0};

	assert_int_equal(delta_dv_cardinality(dv), want->n);
	assert_true(delta_dv_iterate(dv, iter_check, &is));
	assert_int_equal(is.i, want->n);
	for (size_t i = 0; i < want->n; i += 1 + want->n / 2000) {
		uint64_t r = want->v[i];

		assert_true(delta_dv_contains(dv, r));
		if (!rs_has(want, r + 1))
			assert_false(delta_dv_contains(dv, r + 1));
		/* Windows starting at, just before and around a deleted row. */
		check_window(dv, want, r, 64);
		check_window(dv, want, r > 100 ? r - 100 : 0, 300);
	}
	for (int i = 0; i < 200; i++) {
		uint64_t r = rnd() >> (rnd() % 64);

		assert_int_equal(delta_dv_contains(dv, r), rs_has(want, r));
	}
	/* Consecutive batches of 4096 as a scan asks, over the first rows and
	 * across the first bucket boundary. */
	for (uint64_t first = 0; first < 300000; first += 4096)
		check_window(dv, want, first, 4096);
	for (uint64_t first = (1ull << 32) - 3 * 4096; first < (1ull << 32) + 3 * 4096; first += 4096)
		check_window(dv, want, first, 4096);
	check_window(dv, want, UINT64_MAX - 10, 10);
	check_window(dv, want, 5, 0);
}

/* Serialize dv, parse it back, and load it inline and from a DV file (as
 * the second record of the file, after another DV), checking each. */
static void round_trip(struct delta_dv *dv, const struct rowset *want, const char *name)
{
	static const uint8_t uuid[16] = {0x61, 0xd1, 0x6c, 0x75, 0x69, 0x94, 0x46, 0xb7,
					 0xa1, 0x5b, 0x8b, 0x53, 0x88, 0x52, 0xe5, 0x0e};
	struct tn_buf data = TN_BUF_INIT, file = TN_BUF_INIT;
	struct delta_dv_desc d, dp;
	struct delta_dv *back, *other = delta_dv_new();
	struct tn_err err;
	int32_t off0, size0, off, size;
	char *root = tmp_path(name), *path;
	uint8_t head[4];

	check_dv(dv, want);
	delta_dv_optimize(dv);
	check_dv(dv, want);

	assert_int_equal(delta_dv_serialize(dv, &data, &err), TN_OK);
	assert_int_equal(delta_dv_parse((const uint8_t *)data.data, data.len, "test", &back, &err),
			 TN_OK);
	check_dv(back, want);
	delta_dv_free(back);

	assert_int_equal(delta_dv_desc_inline(dv, &d, &err), TN_OK);
	assert_int_equal(d.size_in_bytes, data.len);
	assert_int_equal(d.cardinality, want->n);
	assert_int_equal(delta_dv_load(st, root, &d, &back, &err), TN_OK);
	check_dv(back, want);
	delta_dv_free(back);
	delta_dv_desc_done(&d);

	delta_dv_add(other, 7);
	assert_int_equal(delta_dv_append_record(other, &file, &off0, &size0, &err), TN_OK);
	assert_int_equal(off0, 1);
	assert_int_equal(file.data[0], 1);
	assert_int_equal(delta_dv_append_record(dv, &file, &off, &size, &err), TN_OK);
	assert_int_equal(off, 1 + 4 + size0 + 4);
	assert_int_equal(size, data.len);
	assert_int_equal(file.len, (size_t)off + 4 + size + 4);
	memcpy(head, file.data + off, 4);
	assert_int_equal((uint32_t)head[0] << 24 | head[1] << 16 | head[2] << 8 | head[3], size);
	assert_memory_equal(file.data + off + 4, data.data, data.len);

	delta_dv_desc_relative("xy", uuid, off, size, (int64_t)want->n, &d);
	assert_int_equal(delta_dv_file_path(root, &d, &path, &err), TN_OK);
	assert_true(tn_str_endswith(path, "/xy/deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin"));
	assert_int_equal(store_write(st, path, file.data, file.len, &err), TN_OK);
	assert_int_equal(delta_dv_load(st, root, &d, &back, &err), TN_OK);
	check_dv(back, want);
	delta_dv_free(back);

	/* The same file by absolute path, as a file: URI. */
	dp = (struct delta_dv_desc){.storage_type = 'p', .has_offset = true, .offset = off,
				    .size_in_bytes = size, .cardinality = (int64_t)want->n};
	dp.path_or_inline_dv = tn_asprintf("file://%s", path);
	assert_int_equal(delta_dv_load(st, "/nowhere", &dp, &back, &err), TN_OK);
	check_dv(back, want);
	delta_dv_free(back);
	delta_dv_desc_done(&dp);

	/* The descriptor survives JSON. */
	{
		cJSON *j = delta_dv_desc_to_json(&d);
		struct delta_dv_desc d2;
		char *id1 = delta_dv_unique_id(&d), *id2;

		assert_int_equal(delta_dv_desc_parse(j, &d2, &err), TN_OK);
		id2 = delta_dv_unique_id(&d2);
		assert_string_equal(id1, id2);
		assert_int_equal(d2.size_in_bytes, size);
		assert_int_equal(d2.cardinality, want->n);
		free(id1);
		free(id2);
		delta_dv_desc_done(&d2);
		cJSON_Delete(j);
	}

	delta_dv_desc_done(&d);
	delta_dv_free(other);
	free(path);
	free(root);
	tn_buf_done(&data);
	tn_buf_done(&file);
}

static void test_round_trip_empty(void **state)
{
	struct rowset want = {0};
	struct delta_dv *dv = delta_dv_new();
	struct tn_buf b = TN_BUF_INIT;

	(void)state;
	round_trip(dv, &want, "empty");
	/* magic and a zero bucket count */
	assert_int_equal(delta_dv_serialize(dv, &b, NULL), TN_OK);
	assert_int_equal(b.len, 12);
	tn_buf_done(&b);
	delta_dv_free(dv);
}

static void test_round_trip_sparse(void **state)
{
	struct rowset want = {0};
	struct delta_dv *dv = delta_dv_new();

	(void)state;
	for (int i = 0; i < 3000; i++) {
		uint64_t r = rnd() % 5000000;

		rs_add(&want, r);
		delta_dv_add(dv, r);
		delta_dv_add(dv, r); /* twice is once */
	}
	rs_add(&want, 0);
	delta_dv_add(dv, 0);
	rs_finish(&want);
	round_trip(dv, &want, "sparse");
	free(want.v);
	delta_dv_free(dv);
}

static void test_round_trip_dense(void **state)
{
	struct rowset want = {0};
	struct delta_dv *dv = delta_dv_new();

	(void)state;
	/* Runs (run containers once optimized), a bitset-dense stretch and
	 * single rows between them. */
	delta_dv_add_range(dv, 10, 200000);
	for (uint64_t r = 10; r < 200010; r++)
		rs_add(&want, r);
	for (uint64_t r = 300000; r < 400000; r += 3) {
		delta_dv_add(dv, r);
		rs_add(&want, r);
	}
	delta_dv_add_range(dv, 150000, 100000); /* overlaps the first run */
	for (uint64_t r = 150000; r < 250000; r++)
		rs_add(&want, r);
	delta_dv_add(dv, 65535);
	delta_dv_add(dv, 65536);
	delta_dv_add(dv, 1000000);
	rs_add(&want, 1000000);
	rs_finish(&want);
	round_trip(dv, &want, "dense");
	free(want.v);
	delta_dv_free(dv);
}

static void test_round_trip_buckets(void **state)
{
	static const uint64_t keys[] = {0, 1, 2, 5, 77, 0x7fffffff};
	struct rowset want = {0};
	struct delta_dv *dv = delta_dv_new();
	struct tn_buf b = TN_BUF_INIT;
	struct tn_err err;

	(void)state;
	/* Several buckets, added out of order, with rows at their edges and a
	 * run that crosses from one into the next. */
	for (size_t k = sizeof(keys) / sizeof(keys[0]); k-- > 0;) {
		uint64_t base = keys[k] << 32;

		for (int i = 0; i < 500; i++) {
			uint64_t r = base | (uint32_t)rnd();

			delta_dv_add(dv, r);
			rs_add(&want, r);
		}
		delta_dv_add(dv, base);
		delta_dv_add(dv, base | 0xffffffff);
		rs_add(&want, base);
		rs_add(&want, base | 0xffffffff);
	}
	delta_dv_add_range(dv, (1ull << 32) - 5000, 10000);
	for (uint64_t r = (1ull << 32) - 5000; r < (1ull << 32) + 5000; r++)
		rs_add(&want, r);
	rs_finish(&want);
	round_trip(dv, &want, "buckets");
	check_window(dv, &want, (1ull << 32) - 2048, 4096);
	check_window(dv, &want, (0x7fffffffull << 32) | 0xfffff000, 8192);

	/* A row at 2^63 or above cannot be written. */
	delta_dv_add(dv, 1ull << 63);
	assert_true(delta_dv_contains(dv, 1ull << 63));
	assert_int_equal(delta_dv_serialize(dv, &b, &err), TN_EINVAL);
	assert_int_equal(b.len, 0);
	assert_true(strstr(err.msg, "9223372036854775808") != NULL);
	tn_buf_done(&b);
	free(want.v);
	delta_dv_free(dv);
}

/* ------------------------------------------------------------ errors */

/* A DV file holding one record of {3, 5, 70000} at offset 1; returns its
 * descriptor (the path in pathOrInlineDv, type 'p'). */
static void write_dv_file(const char *name, struct delta_dv_desc *d, struct tn_buf *file)
{
	struct delta_dv *dv = delta_dv_new();
	int32_t off, size;
	char *path = tmp_path(name);

	delta_dv_add(dv, 3);
	delta_dv_add(dv, 5);
	delta_dv_add(dv, 70000);
	tn_buf_reset(file);
	assert_int_equal(delta_dv_append_record(dv, file, &off, &size, NULL), TN_OK);
	assert_int_equal(store_write(st, path, file->data, file->len, NULL), TN_OK);
	*d = (struct delta_dv_desc){.storage_type = 'p', .path_or_inline_dv = path,
				    .has_offset = true, .offset = off, .size_in_bytes = size,
				    .cardinality = 3};
	delta_dv_free(dv);
}

static void put_be32_at(struct tn_buf *b, size_t at, uint32_t v)
{
	b->data[at] = (char)(v >> 24);
	b->data[at + 1] = (char)(v >> 16);
	b->data[at + 2] = (char)(v >> 8);
	b->data[at + 3] = (char)v;
}

/* Rewrite the record at offset 1 of file with its data changed: a new size
 * and a CRC that matches, so that the bitmap's own checks are reached. */
static void rewrite_record(struct delta_dv_desc *d, struct tn_buf *file, size_t new_size)
{
	uint32_t crc;
	struct tn_buf b = TN_BUF_INIT;

	tn_buf_append(&b, file->data, 1 + 4 + new_size, NULL);
	put_be32_at(&b, 1, (uint32_t)new_size);
	crc = (uint32_t)crc32_z(0, (const uint8_t *)b.data + 5, new_size);
	tn_buf_append(&b, "\0\0\0\0", 4, NULL);
	put_be32_at(&b, 5 + new_size, crc);
	assert_int_equal(store_write(st, d->path_or_inline_dv, b.data, b.len, NULL), TN_OK);
	d->size_in_bytes = (int32_t)new_size;
	tn_buf_done(&b);
}

static void expect_error(int rc, const struct tn_err *err, int code, const char *a, const char *b)
{
	if (rc != code || (a && strstr(err->msg, a) == NULL) || (b && strstr(err->msg, b) == NULL))
		fail_msg("got %s \"%s\", wanted %s naming \"%s\" and \"%s\"", tn_code_name(rc),
			 err->msg, tn_code_name(code), a ? a : "", b ? b : "");
}

static void test_errors_file(void **state)
{
	struct tn_buf file = TN_BUF_INIT;
	struct delta_dv_desc d;
	struct delta_dv *dv = NULL;
	struct tn_err err;
	size_t size;
	char *path;
	int rc;

	(void)state;
	write_dv_file("err.bin", &d, &file);
	path = d.path_or_inline_dv;
	size = (size_t)d.size_in_bytes;
	assert_int_equal(delta_dv_load(st, "", &d, &dv, &err), TN_OK);
	assert_true(delta_dv_contains(dv, 70000));
	delta_dv_free(dv);

	/* A flipped CRC byte; a flipped data byte. */
	file.data[file.len - 1] ^= 0x01;
	assert_int_equal(store_write(st, path, file.data, file.len, NULL), TN_OK);
	rc = delta_dv_load(st, "", &d, &dv, &err);
	expect_error(rc, &err, TN_ECORRUPT, path, "checksum mismatch");
	assert_null(dv);
	file.data[file.len - 1] ^= 0x01;
	file.data[5 + size - 3] ^= 0x40;
	assert_int_equal(store_write(st, path, file.data, file.len, NULL), TN_OK);
	expect_error(delta_dv_load(st, "", &d, &dv, &err), &err, TN_ECORRUPT, path, "checksum");
	file.data[5 + size - 3] ^= 0x40;

	/* A wrong magic number under a good checksum. */
	file.data[6] ^= 0x01;
	rewrite_record(&d, &file, size);
	expect_error(delta_dv_load(st, "", &d, &dv, &err), &err, TN_ECORRUPT, path,
		     "wrong magic number");
	file.data[6] ^= 0x01;

	/* Truncated data under a good checksum: the bitmap is cut short. */
	for (size_t cut = 1; cut < size; cut++) {
		tn_err_clear(&err);
		rewrite_record(&d, &file, size - cut);
		expect_error(delta_dv_load(st, "", &d, &dv, &err), &err, TN_ECORRUPT, path, NULL);
		if (cut <= size - 4 && strstr(err.msg, "truncated") == NULL)
			fail_msg("cut %zu: %s", cut, err.msg);
	}
	/* The file itself cut short. */
	assert_int_equal(store_write(st, path, file.data, file.len - 2, NULL), TN_OK);
	d.size_in_bytes = (int32_t)size;
	expect_error(delta_dv_load(st, "", &d, &dv, &err), &err, TN_ECORRUPT, path, "truncated");
	assert_int_equal(store_write(st, path, file.data, file.len, NULL), TN_OK);
	assert_int_equal(delta_dv_load(st, "", &d, &dv, &err), TN_OK);
	delta_dv_free(dv);

	/* The log and the file disagree: size, cardinality, offset. */
	d.size_in_bytes = (int32_t)size - 1;
	expect_error(delta_dv_load(st, "", &d, &dv, &err), &err, TN_ECORRUPT, path, "the log says");
	d.size_in_bytes = (int32_t)size;
	d.cardinality = 4;
	expect_error(delta_dv_load(st, "", &d, &dv, &err), &err, TN_ECORRUPT, path, "cardinality");
	d.cardinality = 3;
	d.offset = 0;
	expect_error(delta_dv_load(st, "", &d, &dv, &err), &err, TN_ECORRUPT, path, "version byte");
	d.offset = 1000;
	expect_error(delta_dv_load(st, "", &d, &dv, &err), &err, TN_ECORRUPT, path, "truncated");
	/* No offset: the first record. */
	d.has_offset = false;
	assert_int_equal(delta_dv_load(st, "", &d, &dv, &err), TN_OK);
	delta_dv_free(dv);
	d.has_offset = true;
	d.offset = 1;

	/* An unknown format version. */
	file.data[0] = 2;
	assert_int_equal(store_write(st, path, file.data, file.len, NULL), TN_OK);
	expect_error(delta_dv_load(st, "", &d, &dv, &err), &err, TN_ECORRUPT, path, "format version");
	file.data[0] = 1;

	/* Too large to read. */
	d.size_in_bytes = INT32_MAX;
	expect_error(delta_dv_load(st, "", &d, &dv, &err), &err, TN_ETOOBIG, NULL, NULL);
	d.size_in_bytes = (int32_t)size;

	/* A missing file, by absolute path and by UUID. */
	assert_int_equal(store_remove(st, path, NULL), TN_OK);
	expect_error(delta_dv_load(st, "", &d, &dv, &err), &err, TN_ENOENT, path, NULL);
	free(d.path_or_inline_dv);
	d.storage_type = 'u';
	d.path_or_inline_dv = tn_strdup("vBn[lx{q8@P<9BNH/isA");
	expect_error(delta_dv_load(st, tmpdir, &d, &dv, &err), &err, TN_ENOENT,
		     "deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin", tmpdir);

	/* A storage type the protocol does not have. */
	d.storage_type = 'x';
	expect_error(delta_dv_load(st, tmpdir, &d, &dv, &err), &err, TN_ECORRUPT, "storage type",
		     NULL);
	assert_null(dv);
	delta_dv_desc_done(&d);
	tn_buf_done(&file);
}

static void test_errors_inline(void **state)
{
	struct delta_dv *dv = delta_dv_new(), *back = NULL;
	struct delta_dv_desc d;
	struct tn_err err;
	char *good;

	(void)state;
	delta_dv_add(dv, 1);
	delta_dv_add(dv, 2);
	assert_int_equal(delta_dv_desc_inline(dv, &d, &err), TN_OK);
	good = tn_strdup(d.path_or_inline_dv);

	d.path_or_inline_dv[3] = '~';
	expect_error(delta_dv_load(st, "", &d, &back, &err), &err, TN_ECORRUPT,
		     "inline deletion vector", "bad character");
	strcpy(d.path_or_inline_dv, good);
	d.path_or_inline_dv[strlen(good) - 1] = '\0';
	expect_error(delta_dv_load(st, "", &d, &back, &err), &err, TN_ECORRUPT,
		     "inline deletion vector", "multiple of 5");
	strcpy(d.path_or_inline_dv, good);
	d.size_in_bytes -= 4;
	expect_error(delta_dv_load(st, "", &d, &back, &err), &err, TN_ECORRUPT,
		     "inline deletion vector", "sizeInBytes");
	d.size_in_bytes += 8;
	expect_error(delta_dv_load(st, "", &d, &back, &err), &err, TN_ECORRUPT,
		     "inline deletion vector", "sizeInBytes");
	d.size_in_bytes -= 4;
	d.path_or_inline_dv[0] = d.path_or_inline_dv[0] == '0' ? '1' : '0';
	expect_error(delta_dv_load(st, "", &d, &back, &err), &err, TN_ECORRUPT,
		     "inline deletion vector", "magic");
	strcpy(d.path_or_inline_dv, good);
	d.cardinality = 1;
	expect_error(delta_dv_load(st, "", &d, &back, &err), &err, TN_ECORRUPT,
		     "inline deletion vector", "cardinality");
	assert_null(back);
	free(good);
	delta_dv_desc_done(&d);
	delta_dv_free(dv);
}

/* ---- hand-made RoaringBitmapArrays */

static void le16(struct tn_buf *b, uint32_t v)
{
	uint8_t p[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

	tn_buf_append(b, p, 2, NULL);
}

static void le32(struct tn_buf *b, uint32_t v)
{
	le16(b, v & 0xffff);
	le16(b, v >> 16);
}

static void le64(struct tn_buf *b, uint64_t v)
{
	le32(b, (uint32_t)v);
	le32(b, (uint32_t)(v >> 32));
}

/* Magic and bucket count. */
static void head(struct tn_buf *b, uint64_t buckets)
{
	tn_buf_reset(b);
	le32(b, DELTA_DV_MAGIC);
	le64(b, buckets);
}

/* A no-run bitmap of one array container (key hk) of the given values. */
static void array_bitmap(struct tn_buf *b, uint32_t hk, const uint16_t *v, size_t n)
{
	le32(b, 12346);
	le32(b, 1);
	le16(b, hk);
	le16(b, (uint32_t)n - 1);
	le32(b, 16);
	for (size_t i = 0; i < n; i++)
		le16(b, v[i]);
}

static int parse_buf(const struct tn_buf *b, struct delta_dv **dv, struct tn_err *err)
{
	return delta_dv_parse((const uint8_t *)b->data, b->len, "test data", dv, err);
}

static void expect_bad(const struct tn_buf *b, const char *what)
{
	struct delta_dv *dv = NULL;
	struct tn_err err;

	tn_err_clear(&err);
	expect_error(parse_buf(b, &dv, &err), &err, TN_ECORRUPT, "test data", what);
	assert_null(dv);
}

static void test_errors_bitmap(void **state)
{
	static const uint16_t v35[] = {3, 5}, v53[] = {5, 3}, v33[] = {3, 3};
	struct tn_buf b = TN_BUF_INIT, good = TN_BUF_INIT;
	struct delta_dv *dv;
	struct tn_err err;

	(void)state;
	head(&b, 1);
	le32(&b, 0);
	array_bitmap(&b, 0, v35, 2);
	assert_int_equal(parse_buf(&b, &dv, &err), TN_OK);
	assert_int_equal(delta_dv_cardinality(dv), 2);
	assert_true(delta_dv_contains(dv, 5));
	delta_dv_free(dv);
	tn_buf_append(&good, b.data, b.len, NULL);
	/* Every shorter prefix is truncated. */
	for (size_t n = 0; n < good.len; n++) {
		tn_buf_reset(&b);
		tn_buf_append(&b, good.data, n, NULL);
		expect_bad(&b, "truncated");
	}
	/* Trailing bytes. */
	tn_buf_reset(&b);
	tn_buf_append(&b, good.data, good.len, NULL);
	tn_buf_putc(&b, 0, NULL);
	expect_bad(&b, "follow the bitmap");

	/* Values, container keys, bucket keys out of order; a key's top bit. */
	head(&b, 1);
	le32(&b, 0);
	array_bitmap(&b, 0, v53, 2);
	expect_bad(&b, "values not ascending");
	head(&b, 1);
	le32(&b, 0);
	array_bitmap(&b, 0, v33, 2);
	expect_bad(&b, "values not ascending");
	head(&b, 1);
	le32(&b, 0);
	le32(&b, 12346);
	le32(&b, 2);
	le16(&b, 1);
	le16(&b, 0);
	le16(&b, 1);
	le16(&b, 0);
	le32(&b, 24);
	le32(&b, 26);
	le16(&b, 1);
	le16(&b, 2);
	expect_bad(&b, "container keys not ascending");
	head(&b, 2);
	le32(&b, 3);
	array_bitmap(&b, 0, v35, 2);
	le32(&b, 3);
	array_bitmap(&b, 0, v35, 2);
	expect_bad(&b, "bucket keys not ascending");
	head(&b, 1);
	le32(&b, 0x80000000u);
	array_bitmap(&b, 0, v35, 2);
	expect_bad(&b, "top bit");
	/* Unknown cookie; too many buckets for the bytes. */
	head(&b, 1);
	le32(&b, 0);
	le32(&b, 12345);
	le32(&b, 0);
	expect_bad(&b, "cookie");
	head(&b, UINT64_MAX);
	le32(&b, 0);
	array_bitmap(&b, 0, v35, 2);
	expect_bad(&b, "buckets");

	/* Run containers: overlapping, leaving 16 bits, a wrong count. */
	head(&b, 1);
	le32(&b, 0);
	le32(&b, 12347);        /* one container, runs */
	tn_buf_putc(&b, 1, NULL); /* container 0 is a run container */
	le16(&b, 0);
	le16(&b, 5);            /* 6 values */
	le16(&b, 2);            /* 2 runs */
	le16(&b, 0);
	le16(&b, 3);            /* 0..3 */
	le16(&b, 3);
	le16(&b, 1);            /* 3..4: overlaps */
	expect_bad(&b, "overlaps");
	b.data[b.len - 4] = 4;  /* 4..5: follows, 6 values */
	assert_int_equal(parse_buf(&b, &dv, &err), TN_OK);
	assert_int_equal(delta_dv_cardinality(dv), 6);
	delta_dv_free(dv);
	b.data[b.len - 2] = 2;  /* 4..6: 7 values */
	expect_bad(&b, "the header says");
	head(&b, 1);
	le32(&b, 0);
	le32(&b, 12347);
	tn_buf_putc(&b, 1, NULL);
	le16(&b, 0);
	le16(&b, 1);
	le16(&b, 1);
	le16(&b, 65535);
	le16(&b, 1);            /* 65535..65536 */
	expect_bad(&b, "16 bits");

	/* A bitset container whose bits disagree with its header. */
	head(&b, 1);
	le32(&b, 0);
	le32(&b, 12346);
	le32(&b, 1);
	le16(&b, 0);
	le16(&b, 4999);
	le32(&b, 16);
	for (int i = 0; i < 8192; i++)
		tn_buf_putc(&b, i < 625 ? (char)0xff : 0, NULL); /* 5000 bits */
	assert_int_equal(parse_buf(&b, &dv, &err), TN_OK);
	assert_int_equal(delta_dv_cardinality(dv), 5000);
	assert_true(delta_dv_contains(dv, 4999));
	assert_false(delta_dv_contains(dv, 5000));
	delta_dv_free(dv);
	b.data[b.len - 1] = 1;
	expect_bad(&b, "bitset holds 5001");

	/* Empty buckets are allowed (and dropped). */
	head(&b, 2);
	le32(&b, 0);
	le32(&b, 12346);
	le32(&b, 0);
	le32(&b, 1);
	array_bitmap(&b, 0, v35, 2);
	assert_int_equal(parse_buf(&b, &dv, &err), TN_OK);
	assert_int_equal(delta_dv_cardinality(dv), 2);
	assert_true(delta_dv_contains(dv, (1ull << 32) | 3));
	assert_false(delta_dv_contains(dv, 3));
	delta_dv_free(dv);

	tn_buf_done(&b);
	tn_buf_done(&good);
}

/* ------------------------------------------------------------ real tables */

static char *testdata_root(void)
{
	const char *td = getenv("TARN_TESTDATA");
	const char *src = getenv("TARN_SRCDIR");

	return td ? tn_strdup(td) : tn_asprintf("%s/../shared/testdata", src ? src : ".");
}

/* The archives known to hold deletion vectors (found by scanning every
 * test table's log); each must yield at least one. */
static const char *const dv_archives[] = {
	"delta-rs__table-with-dv-small", "delta-rs__table_with_deletion_logs",
	"delta-rs__cdf-table-with-cdc-and-dvs", "kernel-rs__table-with-dv-small",
	"kernel-rs__cdf-table-with-dv", "kernel-rs__cdf-table-with-cdc-and-dvs",
	"kernel-rs__with-short-dv", "kernel-rs__compacted-log-files-table",
	"golden__dv-partitioned-with-checkpoint", "golden__log-replay-dv-key-cases",
};
#define N_DV_ARCHIVES (sizeof(dv_archives) / sizeof(dv_archives[0]))

/* Whether to unpack archive <group>__<name>: a known one, or one whose name
 * says deletion vectors (so that new test tables are picked up). */
static bool wanted_archive(const char *id)
{
	for (size_t i = 0; i < N_DV_ARCHIVES; i++)
		if (strcmp(id, dv_archives[i]) == 0)
			return true;
	return strstr(id, "dv") != NULL || strstr(id, "deletion") != NULL;
}

/* Unpack the Delta test tables that hold deletion vectors into
 * <tmpdir>/tables/<group>__<name>; returns that directory, or NULL when the
 * test data or zstd is absent. */
static char *unpack_tables(void)
{
	static const char *const groups[] = {"tables/delta-rs", "tables/kernel-rs", "golden"};
	char *root = testdata_root(), *dest = tmp_path("tables");
	struct stat sb;
	int n = 0;

	if (stat(root, &sb) != 0 || system("command -v zstd >/dev/null 2>&1") != 0) {
		free(root);
		free(dest);
		return NULL;
	}
	mkdir(dest, 0700);
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		char *dir = tn_asprintf("%s/delta/%s", root, groups[g]);
		struct dirent **ents;
		int k = scandir(dir, &ents, NULL, alphasort);

		for (int i = 0; i < k; i++) {
			const char *name = ents[i]->d_name;
			char *id = tn_asprintf("%s__%.*s", tn_path_base(groups[g]),
					       (int)(strlen(name) - 8), name);

			if (tn_str_endswith(name, ".tar.zst") && wanted_archive(id)) {
				char *out = tn_asprintf("%s/%s", dest, id);
				char *cmd = tn_asprintf("tar --zstd --warning=no-unknown-keyword "
							"-xf '%s/%s' -C '%s'", dir, name, out);

				mkdir(out, 0700);
				if (system(cmd) != 0)
					fail_msg("cannot unpack %s/%s", dir, name);
				n++;
				free(cmd);
				free(out);
			}
			free(id);
			free(ents[i]);
		}
		if (k >= 0)
			free(ents);
		free(dir);
	}
	free(root);
	if (n == 0) {
		free(dest);
		return NULL;
	}
	return dest;
}

struct seen {
	char **ids;
	size_t n;
};

static bool seen_add(struct seen *s, char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->ids[i], id) == 0) {
			free(id);
			return false;
		}
	s->ids = tn_reallocarray(s->ids, s->n + 1, sizeof(*s->ids));
	s->ids[s->n++] = id;
	return true;
}

/* The loaded DV of the first descriptor in a commit whose unique id is id. */
struct found {
	const char *archive;
	const char *id;
	struct delta_dv *dv;
	const char *table_root;
	char *data_file;
};

static void check_rows(const struct delta_dv *dv, const uint64_t *rows, size_t n)
{
	struct rowset want = {0};

	for (size_t i = 0; i < n; i++)
		rs_add(&want, rows[i]);
	rs_finish(&want);
	check_dv(dv, &want);
	free(want.v);
}

static void test_real_tables(void **state)
{
	struct found want[] = {
		/* DELETE ... WHERE value IN (0, 9) on rows 0..9 */
		{"delta-rs__table-with-dv-small", "uvBn[lx{q8@P<9BNH/isA@1", NULL, NULL, NULL},
		/* kernel-rs's CDF test: delete 4 rows, then restore some */
		{"kernel-rs__cdf-table-with-dv",
		 "i^Bg9^0rr910000000000iXQKl0rr91000935c8Xg000311onP9", NULL, NULL, NULL},
		{"kernel-rs__cdf-table-with-dv", "i^Bg9^0rr910000000000iXQKl0rr91000315c8Xg000f5",
		 NULL, NULL, NULL},
		/* Its 34 bytes end in a '#'-padded group. */
		{"kernel-rs__cdf-table-with-dv", "i^Bg9^0rr910000000000iXQKl0rr91000005c8Xg##093",
		 NULL, NULL, NULL},
	};
	size_t per_archive[N_DV_ARCHIVES] = {0};
	struct seen seen = {0};
	struct store_list l;
	struct tn_err err;
	size_t loaded = 0, inline_n = 0, tables = 0;
	char *dest = unpack_tables(), *last_table = NULL;

	(void)state;
	if (dest == NULL)
		skip();
	assert_int_equal(store_list(st, dest, true, &l, &err), TN_OK);
	for (size_t f = 0; f < l.count; f++) {
		const char *path = l.entries[f].path, *log = strstr(path, "/_delta_log/");
		const char *archive = path + strlen(dest) + 1;
		struct tn_buf text = TN_BUF_INIT;
		char *table_root, *line, *save = NULL;

		if (log == NULL || !tn_str_endswith(path, ".json") || strchr(log + 12, '/') != NULL)
			continue;
		assert_int_equal(store_read_all(st, path, &text, &err), TN_OK);
		if (strstr(text.data, "\"deletionVector\"") == NULL) {
			tn_buf_done(&text);
			continue;
		}
		table_root = tn_strndup(path, (size_t)(log - path));
		for (line = strtok_r(text.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			static const char *const kinds[] = {"add", "remove"};
			cJSON *j;

			if (strstr(line, "\"deletionVector\"") == NULL)
				continue;
			j = cJSON_Parse(line);
			if (j == NULL)
				fail_msg("%s: a line does not parse as JSON", path);
			for (int k = 0; k < 2; k++) {
				const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, kinds[k]);
				const cJSON *dvj = cJSON_GetObjectItemCaseSensitive(a, "deletionVector");
				struct delta_dv_desc d;
				struct delta_dv *dv;
				char *id;

				if (!cJSON_IsObject(dvj))
					continue;
				if (delta_dv_desc_parse(dvj, &d, &err) != TN_OK)
					fail_msg("%s: %s", path, err.msg);
				id = delta_dv_unique_id(&d);
				if (!seen_add(&seen, tn_asprintf("%s|%s", table_root, id))) {
					free(id);
					delta_dv_desc_done(&d);
					continue;
				}
				if (delta_dv_load(st, table_root, &d, &dv, &err) != TN_OK)
					fail_msg("%s: %s: %s", path, id, err.msg);
				assert_int_equal(delta_dv_cardinality(dv), d.cardinality);
				loaded++;
				inline_n += d.storage_type == 'i';
				if (last_table == NULL || strcmp(last_table, table_root) != 0) {
					tables++;
					free(last_table);
					last_table = tn_strdup(table_root);
				}
				for (size_t m = 0; m < N_DV_ARCHIVES; m++)
					if (tn_str_startswith(archive, dv_archives[m]) &&
					    archive[strlen(dv_archives[m])] == '/')
						per_archive[m]++;
				for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++)
					if (want[w].dv == NULL && strcmp(id, want[w].id) == 0 &&
					    tn_str_startswith(archive, want[w].archive)) {
						const cJSON *p = cJSON_GetObjectItemCaseSensitive(a, "path");

						want[w].dv = dv;
						want[w].data_file = tn_asprintf("%s/%s", table_root,
										p->valuestring);
						dv = NULL;
					}
				delta_dv_free(dv);
				free(id);
				delta_dv_desc_done(&d);
			}
			cJSON_Delete(j);
		}
		free(table_root);
		tn_buf_done(&text);
	}
	printf("# loaded %zu distinct deletion vectors (%zu inline) of %zu tables\n", loaded,
	       inline_n, tables);
	for (size_t m = 0; m < N_DV_ARCHIVES; m++)
		if (per_archive[m] == 0)
			fail_msg("no deletion vector loaded from %s", dv_archives[m]);
	for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++)
		if (want[w].dv == NULL)
			fail_msg("%s: deletion vector %s not found", want[w].archive, want[w].id);

	{
		static const uint64_t r09[] = {0, 9}, r0145[] = {0, 1, 4, 5}, r05[] = {0, 5},
				      r3[] = {3};
		struct pq_reader *r;
		struct tn_batch b = {0};
		size_t row = 0, hits = 0;

		check_rows(want[0].dv, r09, 2);
		check_rows(want[1].dv, r0145, 4);
		check_rows(want[2].dv, r05, 2);
		check_rows(want[3].dv, r3, 1);
		/* The deleted rows of table-with-dv-small are those the DELETE's
		 * predicate (value IN (0, 9)) picks out of its data file. */
		assert_int_equal(pq_reader_open(st, want[0].data_file, NULL, &r, &err), TN_OK);
		while (pq_reader_next(r, &b, &err) == TN_OK && b.nrows > 0) {
			for (size_t i = 0; i < b.nrows; i++, row++) {
				struct tn_buf j = TN_BUF_INIT;
				bool match;

				assert_int_equal(tn_row_json(&j, &b, i, &err), TN_OK);
				match = strcmp(j.data, "{\"value\":0}") == 0 ||
					strcmp(j.data, "{\"value\":9}") == 0;
				assert_int_equal(delta_dv_contains(want[0].dv, row), match);
				hits += match;
				tn_buf_done(&j);
			}
		}
		assert_int_equal(row, 10);
		assert_int_equal(hits, 2);
		tn_batch_done(&b);
		pq_reader_close(r);
	}

	for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
		delta_dv_free(want[w].dv);
		free(want[w].data_file);
	}
	for (size_t i = 0; i < seen.n; i++)
		free(seen.ids[i]);
	free(seen.ids);
	free(last_table);
	store_list_done(&l);
	free(dest);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_z85_spec),
		cmocka_unit_test(test_z85_round_trip),
		cmocka_unit_test(test_z85_hash_padding),
		cmocka_unit_test(test_z85_errors),
		cmocka_unit_test(test_desc_examples),
		cmocka_unit_test(test_spec_inline_example),
		cmocka_unit_test(test_desc_errors),
		cmocka_unit_test(test_file_paths),
		cmocka_unit_test(test_round_trip_empty),
		cmocka_unit_test(test_round_trip_sparse),
		cmocka_unit_test(test_round_trip_dense),
		cmocka_unit_test(test_round_trip_buckets),
		cmocka_unit_test(test_errors_file),
		cmocka_unit_test(test_errors_inline),
		cmocka_unit_test(test_errors_bitmap),
		cmocka_unit_test(test_real_tables),
	};

	return cmocka_run_group_tests_name("delta_dv", tests, setup, teardown);
}
