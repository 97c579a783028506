/* test_pq_meta.c - Thrift compact protocol and Parquet metadata: hand-written
 * bytes, round trips, truncation, nesting and size limits, real footers. */
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

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "parquet/meta.h"
#include "parquet/thrift.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- helpers */

static struct pq_binary bin(const char *s)
{
	struct pq_binary b;

	b.p = (const uint8_t *)s;
	b.len = strlen(s);
	return b;
}

static void assert_bin(struct pq_binary b, const void *p, size_t len)
{
	assert_int_equal(b.len, len);
	if (len != 0)
		assert_memory_equal(b.p, p, len);
}

static int decode_meta(const void *p, size_t len, struct tn_arena *a, struct pq_file_meta *m,
	struct tn_err *err)
{
	return pq_file_meta_decode(p, len, a, m, err);
}

/* ---------------------------------------------------------------- protocol: reading */

static void test_varints_and_zigzag(void **state)
{
	/* i32 1, i32 -1, i32 -64, i32 INT32_MAX, i32 INT32_MIN, i64 INT64_MIN,
	 * i16 -300, varint 300. */
	static const uint8_t in[] = {
		0x02, 0x01, 0x7f,
		0xfe, 0xff, 0xff, 0xff, 0x0f,
		0xff, 0xff, 0xff, 0xff, 0x0f,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
		0xd7, 0x04,
		0xac, 0x02,
	};
	struct pq_thrift_reader r;
	struct tn_err err;
	int32_t v32;
	int64_t v64;
	int16_t v16;
	uint64_t u;

	(void)state;
	pq_thrift_reader_init(&r, in, sizeof(in), &err);
	assert_int_equal(pq_thrift_read_i32(&r, &v32), TN_OK);
	assert_int_equal(v32, 1);
	assert_int_equal(pq_thrift_read_i32(&r, &v32), TN_OK);
	assert_int_equal(v32, -1);
	assert_int_equal(pq_thrift_read_i32(&r, &v32), TN_OK);
	assert_int_equal(v32, -64);
	assert_int_equal(pq_thrift_read_i32(&r, &v32), TN_OK);
	assert_int_equal(v32, INT32_MAX);
	assert_int_equal(pq_thrift_read_i32(&r, &v32), TN_OK);
	assert_int_equal(v32, INT32_MIN);
	assert_int_equal(pq_thrift_read_i64(&r, &v64), TN_OK);
	assert_true(v64 == INT64_MIN);
	assert_int_equal(pq_thrift_read_i16(&r, &v16), TN_OK);
	assert_int_equal(v16, -300);
	assert_int_equal(pq_thrift_read_varint(&r, &u), TN_OK);
	assert_int_equal(u, 300);
	assert_int_equal(pq_thrift_remaining(&r), 0);
	/* Nothing left: an error naming what and where. */
	assert_int_equal(pq_thrift_read_i32(&r, &v32), TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "i32 at byte 27"));
}

static void test_varint_errors(void **state)
{
	static const uint8_t too_long[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x02};
	static const uint8_t cut[] = {0x80, 0x80};
	static const uint8_t big32[] = {0x80, 0x80, 0x80, 0x80, 0x10}; /* zigzag 2^32 */
	static const uint8_t big16[] = {0x80, 0x80, 0x04};             /* zigzag 65536 */
	struct pq_thrift_reader r;
	struct tn_err err;
	uint64_t u;
	int32_t v32;
	int16_t v16;

	(void)state;
	pq_thrift_reader_init(&r, too_long, sizeof(too_long), &err);
	assert_int_equal(pq_thrift_read_varint(&r, &u), TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "64 bits"));
	pq_thrift_reader_init(&r, cut, sizeof(cut), &err);
	assert_int_equal(pq_thrift_read_varint(&r, &u), TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "byte 0"));
	pq_thrift_reader_init(&r, big32, sizeof(big32), &err);
	assert_int_equal(pq_thrift_read_i32(&r, &v32), TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "out of range"));
	pq_thrift_reader_init(&r, big16, sizeof(big16), &err);
	assert_int_equal(pq_thrift_read_i16(&r, &v16), TN_ECORRUPT);
	/* The reader's base shifts offsets in messages to file positions. */
	pq_thrift_reader_init(&r, cut, sizeof(cut), &err);
	r.base = 1000;
	assert_int_equal(pq_thrift_read_varint(&r, &u), TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "byte 1000"));
}

static void test_field_headers(void **state)
{
	static const uint8_t in[] = {
		0x15, 0x02,             /* short form: id 1, i32 1 */
		0x05, 0x50, 0x04,       /* long form: id 40, i32 2 */
		0x16, 0x06,             /* short form: delta 1 -> id 41, i64 3 */
		0x05, 0x01, 0x08,       /* long form: id -1, i32 4 */
		0x11,                   /* id 0 (-1 + 1), bool true */
		0xf2,                   /* id 15, bool false */
		0x0c, 0xfe, 0xff, 0x03, /* long form: id 32767, struct */
		0x18, 0x02, 'h', 'i',   /* nested struct restarts ids: id 1 binary */
		0x00,                   /* end of nested */
		0x00,                   /* end of outer */
	};
	struct pq_thrift_reader r;
	struct pq_thrift_field f;
	const uint8_t *s;
	size_t n;
	int32_t v32;
	int64_t v64;

	(void)state;
	pq_thrift_reader_init(&r, in, sizeof(in), NULL);
	assert_int_equal(pq_thrift_struct_begin(&r), TN_OK);
	assert_int_equal(pq_thrift_read_field(&r, &f), TN_OK);
	assert_int_equal(f.id, 1);
	assert_int_equal(f.type, PQ_TT_I32);
	assert_int_equal(pq_thrift_read_i32(&r, &v32), TN_OK);
	assert_int_equal(v32, 1);
	assert_int_equal(pq_thrift_read_field(&r, &f), TN_OK);
	assert_int_equal(f.id, 40);
	assert_int_equal(pq_thrift_read_i32(&r, &v32), TN_OK);
	assert_int_equal(v32, 2);
	assert_int_equal(pq_thrift_read_field(&r, &f), TN_OK);
	assert_int_equal(f.id, 41);
	assert_int_equal(f.type, PQ_TT_I64);
	assert_int_equal(pq_thrift_read_i64(&r, &v64), TN_OK);
	assert_int_equal(v64, 3);
	assert_int_equal(pq_thrift_read_field(&r, &f), TN_OK);
	assert_int_equal(f.id, -1);
	assert_int_equal(pq_thrift_read_i32(&r, &v32), TN_OK);
	assert_int_equal(v32, 4);
	assert_int_equal(pq_thrift_read_field(&r, &f), TN_OK);
	assert_int_equal(f.id, 0);
	assert_int_equal(f.type, PQ_TT_TRUE);
	assert_int_equal(pq_thrift_read_field(&r, &f), TN_OK);
	assert_int_equal(f.id, 15);
	assert_int_equal(f.type, PQ_TT_FALSE);
	assert_int_equal(pq_thrift_read_field(&r, &f), TN_OK);
	assert_int_equal(f.id, 32767);
	assert_int_equal(f.type, PQ_TT_STRUCT);
	assert_int_equal(pq_thrift_struct_begin(&r), TN_OK);
	assert_int_equal(pq_thrift_read_field(&r, &f), TN_OK);
	assert_int_equal(f.id, 1);
	assert_int_equal(pq_thrift_read_binary(&r, &s, &n), TN_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(s, "hi", 2);
	assert_int_equal(pq_thrift_read_field(&r, &f), TN_OK);
	assert_int_equal(f.type, PQ_TT_STOP);
	pq_thrift_struct_end(&r);
	assert_int_equal(pq_thrift_read_field(&r, &f), TN_OK);
	assert_int_equal(f.type, PQ_TT_STOP);
	pq_thrift_struct_end(&r);
	assert_int_equal(pq_thrift_remaining(&r), 0);
}

static void test_field_header_errors(void **state)
{
	static const uint8_t bad_type[] = {0x1d};
	static const uint8_t overflow[] = {0x05, 0xfe, 0xff, 0x03, 0x02, 0x15}; /* 32767 + 1 */
	struct pq_thrift_reader r;
	struct pq_thrift_field f;
	struct tn_err err;
	int32_t v;

	(void)state;
	pq_thrift_reader_init(&r, bad_type, sizeof(bad_type), &err);
	assert_int_equal(pq_thrift_struct_begin(&r), TN_OK);
	assert_int_equal(pq_thrift_read_field(&r, &f), TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "field header at byte 0"));
	pq_thrift_reader_init(&r, overflow, sizeof(overflow), &err);
	assert_int_equal(pq_thrift_struct_begin(&r), TN_OK);
	assert_int_equal(pq_thrift_read_field(&r, &f), TN_OK);
	assert_int_equal(pq_thrift_read_i32(&r, &v), TN_OK);
	assert_int_equal(pq_thrift_read_field(&r, &f), TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "32767"));
}

static void test_lists_sets_maps(void **state)
{
	uint8_t in[64];
	size_t n = 0, count, i;
	struct pq_thrift_reader r;
	uint8_t t, kt, vt;
	int32_t v;
	bool b;

	(void)state;
	in[n++] = 0x35; /* 3 x i32: 1, 2, 3 */
	in[n++] = 0x02;
	in[n++] = 0x04;
	in[n++] = 0x06;
	in[n++] = 0xf5; /* long form: 20 x i32 */
	in[n++] = 20;
	for (i = 0; i < 20; i++)
		in[n++] = (uint8_t)(2 * i);
	in[n++] = 0x31; /* 3 bools, element type 1 */
	in[n++] = 1;
	in[n++] = 2;
	in[n++] = 0;
	in[n++] = 0x22; /* 2 bools, element type 2 */
	in[n++] = 1;
	in[n++] = 1;
	in[n++] = 0x1a; /* a set of 1 set: element type SET */
	in[n++] = 0x05; /* the inner set: empty, of i32 */
	in[n++] = 0x02; /* map of 2 */
	in[n++] = 0x85; /* binary -> i32 */
	in[n++] = 0x01;
	in[n++] = 'k';
	in[n++] = 0x02;
	in[n++] = 0x00;
	in[n++] = 0x04;
	in[n++] = 0x00; /* empty map: no type byte */
	pq_thrift_reader_init(&r, in, n, NULL);

	assert_int_equal(pq_thrift_read_list(&r, &t, &count), TN_OK);
	assert_int_equal(t, PQ_TT_I32);
	assert_int_equal(count, 3);
	for (i = 0; i < count; i++) {
		assert_int_equal(pq_thrift_read_i32(&r, &v), TN_OK);
		assert_int_equal(v, (int32_t)i + 1);
	}
	pq_thrift_container_end(&r);

	assert_int_equal(pq_thrift_read_list(&r, &t, &count), TN_OK);
	assert_int_equal(count, 20);
	for (i = 0; i < count; i++) {
		assert_int_equal(pq_thrift_read_i32(&r, &v), TN_OK);
		assert_int_equal(v, (int32_t)i);
	}
	pq_thrift_container_end(&r);

	assert_int_equal(pq_thrift_read_list(&r, &t, &count), TN_OK);
	assert_int_equal(t, PQ_TT_TRUE);
	assert_int_equal(count, 3);
	assert_int_equal(pq_thrift_read_bool(&r, &b), TN_OK);
	assert_true(b);
	assert_int_equal(pq_thrift_read_bool(&r, &b), TN_OK);
	assert_false(b);
	assert_int_equal(pq_thrift_read_bool(&r, &b), TN_OK);
	assert_false(b);
	pq_thrift_container_end(&r);

	assert_int_equal(pq_thrift_read_list(&r, &t, &count), TN_OK);
	assert_int_equal(t, PQ_TT_TRUE); /* type 2 comes back as 1 */
	assert_int_equal(count, 2);
	assert_int_equal(pq_thrift_skip(&r, PQ_TT_STOP), TN_ECORRUPT); /* not a value */
	pq_thrift_reader_init(&r, in, n, NULL);
	r.pos = 1 + 3 + 2 + 20 + 4; /* back to the list of type 2 */
	assert_int_equal(pq_thrift_skip(&r, PQ_TT_LIST), TN_OK);
	assert_int_equal(pq_thrift_skip(&r, PQ_TT_SET), TN_OK);

	assert_int_equal(pq_thrift_read_map(&r, &kt, &vt, &count), TN_OK);
	assert_int_equal(count, 2);
	assert_int_equal(kt, PQ_TT_BINARY);
	assert_int_equal(vt, PQ_TT_I32);
	pq_thrift_container_end(&r);
	/* Skip the entries and the empty map. */
	r.pos = n - 8;
	assert_int_equal(pq_thrift_skip(&r, PQ_TT_MAP), TN_OK);
	assert_int_equal(pq_thrift_skip(&r, PQ_TT_MAP), TN_OK);
	assert_int_equal(pq_thrift_remaining(&r), 0);
	assert_int_equal(r.depth, 0);
}

static void test_bad_bool_and_list_types(void **state)
{
	static const uint8_t bad_bool[] = {0x11, 0x03};
	static const uint8_t bad_elem[] = {0x10};
	static const uint8_t dbl[] = {0x27, 0, 0, 0, 0, 0, 0, 0, 0}; /* 2 doubles, 8 bytes */
	struct pq_thrift_reader r;
	struct tn_err err;
	size_t count;
	uint8_t t;

	(void)state;
	pq_thrift_reader_init(&r, bad_bool, sizeof(bad_bool), &err);
	assert_int_equal(pq_thrift_skip(&r, PQ_TT_LIST), TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "bool at byte 1"));
	pq_thrift_reader_init(&r, bad_elem, sizeof(bad_elem), &err);
	assert_int_equal(pq_thrift_read_list(&r, &t, &count), TN_ECORRUPT);
	pq_thrift_reader_init(&r, dbl, sizeof(dbl), &err);
	assert_int_equal(pq_thrift_read_list(&r, &t, &count), TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "cannot fit"));
}

static void test_binary_bounds(void **state)
{
	static const uint8_t in[] = {0x05, 'a', 'b', 'c'};
	static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
	struct pq_thrift_reader r;
	struct tn_err err;
	const uint8_t *p;
	size_t n;

	(void)state;
	pq_thrift_reader_init(&r, in, sizeof(in), &err);
	assert_int_equal(pq_thrift_read_binary(&r, &p, &n), TN_ECORRUPT);
	assert_string_equal(err.msg, "binary length at byte 0: 5 bytes but only 3 left");
	pq_thrift_reader_init(&r, huge, sizeof(huge), &err);
	assert_int_equal(pq_thrift_read_binary(&r, &p, &n), TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "2^31"));
}

static void test_huge_counts_rejected(void **state)
{
	/* FileMetaData { 1: version=1, 2: schema list<struct> of 2^31-1 } */
	static const uint8_t in[] = {0x15, 0x02, 0x19, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00,
		0x00};
	static const uint8_t map[] = {0xff, 0xff, 0xff, 0x7f, 0x55, 0x00};
	struct tn_arena a;
	struct pq_file_meta m;
	struct pq_thrift_reader r;
	struct tn_err err;
	size_t count;
	uint8_t kt, vt;

	(void)state;
	tn_arena_init(&a, 0);
	assert_int_equal(decode_meta(in, sizeof(in), &a, &m, &err), TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "FileMetaData.schema"));
	assert_non_null(strstr(err.msg, "2147483647 elements cannot fit in the 2 bytes left"));
	/* Rejected before anything was allocated. */
	assert_int_equal(a.used, 0);
	tn_arena_done(&a);

	pq_thrift_reader_init(&r, map, sizeof(map), &err);
	assert_int_equal(pq_thrift_read_map(&r, &kt, &vt, &count), TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "map header"));
}

static void test_depth_cap(void **state)
{
	uint8_t in[400];
	size_t i, n = 0;
	struct pq_thrift_reader r;
	struct tn_arena a;
	struct pq_file_meta m;
	struct tn_err err;

	(void)state;
	/* 100 nested structs, each holding the next as field 1. */
	for (i = 0; i < 100; i++)
		in[n++] = 0x1c;
	for (i = 0; i < 101; i++)
		in[n++] = 0x00;
	pq_thrift_reader_init(&r, in, n, &err);
	assert_int_equal(pq_thrift_skip(&r, PQ_TT_STRUCT), TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "nested more than 64 deep"));

	/* 63 levels fit: the outer struct plus 63 nested. */
	n = 0;
	for (i = 0; i < 63; i++)
		in[n++] = 0x1c;
	for (i = 0; i < 64; i++)
		in[n++] = 0x00;
	pq_thrift_reader_init(&r, in, n, &err);
	assert_int_equal(pq_thrift_skip(&r, PQ_TT_STRUCT), TN_OK);
	assert_int_equal(pq_thrift_remaining(&r), 0);

	/* Lists of lists count too. */
	n = 0;
	for (i = 0; i < 200; i++)
		in[n++] = 0x19;
	pq_thrift_reader_init(&r, in, n, &err);
	assert_int_equal(pq_thrift_skip(&r, PQ_TT_LIST), TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "deep"));

	/* Deep junk in an unknown field of a footer. */
	n = 0;
	in[n++] = 0x0c; /* long form: field 100, struct */
	in[n++] = 0xc8;
	in[n++] = 0x01;
	for (i = 0; i < 150; i++)
		in[n++] = 0x1c;
	for (i = 0; i < 151; i++)
		in[n++] = 0x00;
	in[n++] = 0x00;
	tn_arena_init(&a, 0);
	assert_int_equal(decode_meta(in, n, &a, &m, &err), TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "FileMetaData.field 100"));
	assert_non_null(strstr(err.msg, "deep"));
	tn_arena_done(&a);
}

static void test_decoded_memory_capped(void **state)
{
	/* One row group claiming just more column chunks than the budget
	 * holds, with a byte for each: the count passes the bytes-left check,
	 * the memory cap refuses it before allocating. */
	size_t count = PQ_META_MAX_DECODED / sizeof(struct pq_column_chunk) + 1;
	struct pq_thrift_writer w;
	struct tn_buf b;
	struct tn_arena a;
	struct pq_file_meta m;
	struct tn_err err;

	(void)state;
	tn_buf_init(&b, 0);
	pq_thrift_writer_init(&w, &b, NULL);
	pq_thrift_write_struct_begin(&w);
	pq_thrift_write_i32_field(&w, 1, 1);
	pq_thrift_write_field(&w, 4, PQ_TT_LIST);
	pq_thrift_write_list(&w, PQ_TT_STRUCT, 1);
	pq_thrift_write_struct_begin(&w);
	pq_thrift_write_field(&w, 1, PQ_TT_LIST);
	pq_thrift_write_list(&w, PQ_TT_STRUCT, count);
	assert_int_equal(pq_thrift_writer_status(&w), TN_OK);
	assert_int_equal(tn_buf_reserve(&b, count, &err), TN_OK);
	memset(b.data + b.len, 0, count);
	b.len += count;
	tn_arena_init(&a, 0);
	assert_int_equal(decode_meta(b.data, b.len, &a, &m, &err), TN_ETOOBIG);
	assert_non_null(strstr(err.msg, "FileMetaData.row_groups[0]: RowGroup.columns: at byte"));
	assert_non_null(strstr(err.msg, "more than 1024 MiB"));
	assert_true(a.used < 4096);
	tn_arena_done(&a);
	tn_buf_done(&b);
}

/* ---------------------------------------------------------------- protocol: writing */

static void test_writer_forms(void **state)
{
	static const uint8_t want[] = {
		0x15, 0x02,                   /* id 1 i32 1 */
		0x05, 0x50, 0x03,             /* id 40 long form, i32 -2 */
		0x11,                         /* id 41 bool true */
		0x12,                         /* id 42 bool false */
		0x08, 0x01, 0x00,             /* id -1 long form, empty binary */
		0x1c,                         /* id 0 struct */
		0x36, 0x01,                   /* nested: id 3 i64 -1 */
		0x00,                         /* nested end */
		0xf9, 0xf5, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, /* id 15 list of 15 i32 (long form) */
		0x19, 0x21, 0x01,             /* id 16 list of 2 bools */
		0x02,
		0x1b, 0x00,                   /* id 17 empty map */
		0x1b, 0x01, 0x85, 0x00, 0x00, /* id 18 map binary->i32 {"": 0} */
		0x17, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, /* id 19 double 1.0 */
		0x00,
	};
	struct tn_buf out;
	struct pq_thrift_writer w;
	struct pq_thrift_reader r;
	struct pq_thrift_field f;
	struct tn_err err;
	double d;
	int i;

	(void)state;
	tn_buf_init(&out, 0);
	pq_thrift_writer_init(&w, &out, &err);
	pq_thrift_write_struct_begin(&w);
	pq_thrift_write_i32_field(&w, 1, 1);
	pq_thrift_write_i32_field(&w, 40, -2);
	pq_thrift_write_bool_field(&w, 41, true);
	pq_thrift_write_bool_field(&w, 42, false);
	pq_thrift_write_binary_field(&w, -1, "", 0);
	pq_thrift_write_field(&w, 0, PQ_TT_STRUCT);
	pq_thrift_write_struct_begin(&w);
	pq_thrift_write_i64_field(&w, 3, -1);
	pq_thrift_write_struct_end(&w);
	pq_thrift_write_field(&w, 15, PQ_TT_LIST);
	pq_thrift_write_list(&w, PQ_TT_I32, 15);
	for (i = 0; i < 15; i++)
		pq_thrift_write_i32(&w, 0);
	pq_thrift_write_field(&w, 16, PQ_TT_LIST);
	pq_thrift_write_list(&w, PQ_TT_TRUE, 2);
	pq_thrift_write_bool(&w, true);
	pq_thrift_write_bool(&w, false);
	pq_thrift_write_field(&w, 17, PQ_TT_MAP);
	pq_thrift_write_map(&w, PQ_TT_BINARY, PQ_TT_I32, 0);
	pq_thrift_write_field(&w, 18, PQ_TT_MAP);
	pq_thrift_write_map(&w, PQ_TT_BINARY, PQ_TT_I32, 1);
	pq_thrift_write_binary(&w, "", 0);
	pq_thrift_write_i32(&w, 0);
	pq_thrift_write_field(&w, 19, PQ_TT_DOUBLE);
	pq_thrift_write_double(&w, 1.0);
	assert_int_equal(pq_thrift_write_struct_end(&w), TN_OK);
	assert_int_equal(out.len, sizeof(want));
	assert_memory_equal(out.data, want, sizeof(want));

	/* What the writer wrote, the reader skips whole, and reads back. */
	pq_thrift_reader_init(&r, (const uint8_t *)out.data, out.len, &err);
	assert_int_equal(pq_thrift_skip(&r, PQ_TT_STRUCT), TN_OK);
	assert_int_equal(pq_thrift_remaining(&r), 0);
	r.pos = out.len - 10;
	pq_thrift_struct_begin(&r);
	r.last_id[0] = 18;
	assert_int_equal(pq_thrift_read_field(&r, &f), TN_OK);
	assert_int_equal(f.id, 19);
	assert_int_equal(pq_thrift_read_double(&r, &d), TN_OK);
	assert_true(d == 1.0);
	tn_buf_done(&out);
}

static void test_writer_sticky_errors(void **state)
{
	struct tn_buf out;
	struct pq_thrift_writer w;
	struct tn_err err;

	(void)state;
	tn_buf_init(&out, 4);
	pq_thrift_writer_init(&w, &out, &err);
	pq_thrift_write_struct_begin(&w);
	pq_thrift_write_i64_field(&w, 1, 1);
	assert_int_equal(pq_thrift_write_i64_field(&w, 2, INT64_MAX), TN_ETOOBIG);
	/* Sticky: later writes fail the same way and add nothing. */
	assert_int_equal(pq_thrift_write_stop(&w), TN_ETOOBIG);
	assert_int_equal(pq_thrift_writer_status(&w), TN_ETOOBIG);
	assert_true(out.len <= 4);
	tn_buf_done(&out);

	tn_buf_init(&out, 0);
	pq_thrift_writer_init(&w, &out, &err);
	assert_int_equal(pq_thrift_write_field(&w, 1, PQ_TT_I32), TN_EINTERNAL);
	pq_thrift_writer_init(&w, &out, &err);
	assert_int_equal(pq_thrift_write_list(&w, PQ_TT_I32, (size_t)INT32_MAX + 1), TN_EINVAL);
	tn_buf_done(&out);
}

/* ---------------------------------------------------------------- a rich FileMetaData */

static const char *path_a[] = {"a"};
static const char *path_ab[] = {"b", "c"};

struct rich {
	struct pq_schema_elem schema[6];
	struct pq_row_group rg[2];
	struct pq_column_chunk cols[2];
	struct pq_key_value kv[3];
	struct pq_key_value col_kv[1];
	struct pq_column_order orders[3];
	struct pq_sorting_column sort[2];
	struct pq_page_encoding_stats estats[2];
	int32_t encodings[3];
	int64_t rep_hist[3], def_hist[2];
	int32_t geo_types[2];
	struct pq_file_meta m;
};

static const uint8_t raw_member_value[] = {0x15, 0x0e, 0x00}; /* struct { 1: i32 7 } */

static void fill_rich(struct rich *x)
{
	struct pq_file_meta *m = &x->m;
	struct pq_schema_elem *s = x->schema;
	struct pq_column_meta *cm;

	memset(x, 0, sizeof(*x));
	m->version = 2;
	m->num_rows = 1234567890123LL;
	m->created_by = "tarn test";

	s[0].name = "root";
	s[0].has_num_children = true;
	s[0].num_children = 3;
	s[1].name = "a";
	s[1].has_type = true;
	s[1].type = PQ_INT64;
	s[1].has_repetition_type = true;
	s[1].repetition_type = PQ_OPTIONAL;
	s[1].has_field_id = true;
	s[1].field_id = 17;
	s[1].has_converted_type = true;
	s[1].converted_type = PQ_CT_TIMESTAMP_MICROS;
	s[1].has_logical_type = true;
	s[1].logical_type.kind = PQ_LT_TIMESTAMP;
	s[1].logical_type.is_adjusted_to_utc = true;
	s[1].logical_type.unit = PQ_UNIT_NANOS;
	s[2].name = "b";
	s[2].has_repetition_type = true;
	s[2].repetition_type = PQ_REQUIRED;
	s[2].has_num_children = true;
	s[2].num_children = 1;
	s[2].has_field_id = true;
	s[2].field_id = -5;
	s[3].name = "c";
	s[3].has_type = true;
	s[3].type = PQ_FIXED_LEN_BYTE_ARRAY;
	s[3].has_type_length = true;
	s[3].type_length = 16;
	s[3].has_repetition_type = true;
	s[3].repetition_type = PQ_REPEATED;
	s[3].has_converted_type = true;
	s[3].converted_type = PQ_CT_DECIMAL;
	s[3].has_scale = true;
	s[3].scale = 4;
	s[3].has_precision = true;
	s[3].precision = 38;
	s[3].has_logical_type = true;
	s[3].logical_type.kind = PQ_LT_DECIMAL;
	s[3].logical_type.scale = 4;
	s[3].logical_type.precision = 38;
	s[4].name = "d";
	s[4].has_type = true;
	s[4].type = PQ_INT32;
	s[4].has_logical_type = true;
	s[4].logical_type.kind = PQ_LT_INTEGER;
	s[4].logical_type.bit_width = 8;
	s[4].logical_type.is_signed = false;
	s[4].has_vector_length = true;
	s[4].vector_length = 3;
	s[5].name = "geo";
	s[5].has_type = true;
	s[5].type = PQ_BYTE_ARRAY;
	s[5].has_logical_type = true;
	s[5].logical_type.kind = PQ_LT_GEOGRAPHY;
	s[5].logical_type.crs = "OGC:CRS84";
	s[5].logical_type.has_algorithm = true;
	s[5].logical_type.algorithm = PQ_EDGE_KARNEY;
	m->schema = s;
	m->n_schema = LEN(x->schema);

	x->encodings[0] = PQ_ENC_PLAIN;
	x->encodings[1] = PQ_ENC_RLE_DICTIONARY;
	x->encodings[2] = 99; /* a value from the future survives */
	x->estats[0].page_type = PQ_PAGE_DICTIONARY;
	x->estats[0].encoding = PQ_ENC_PLAIN;
	x->estats[0].count = 1;
	x->estats[1].page_type = PQ_PAGE_DATA_V2;
	x->estats[1].encoding = PQ_ENC_RLE_DICTIONARY;
	x->estats[1].count = 20;
	x->rep_hist[0] = 5;
	x->rep_hist[1] = 0;
	x->rep_hist[2] = 7;
	x->def_hist[0] = 1;
	x->def_hist[1] = 11;
	x->geo_types[0] = 1;
	x->geo_types[1] = 1003;
	x->col_kv[0].key = "col key";
	x->col_kv[0].value = "col value";
	x->col_kv[0].value_len = 9;

	x->cols[0].file_path = "other.parquet";
	x->cols[0].file_offset = 4;
	x->cols[0].has_meta_data = true;
	cm = &x->cols[0].meta_data;
	cm->type = PQ_INT64;
	cm->encodings = x->encodings;
	cm->n_encodings = LEN(x->encodings);
	cm->path_in_schema = path_a;
	cm->n_path_in_schema = 1;
	cm->codec = PQ_CODEC_ZSTD;
	cm->num_values = 100;
	cm->total_uncompressed_size = 4000;
	cm->total_compressed_size = 300;
	cm->has_key_value_metadata = true;
	cm->key_value_metadata = x->col_kv;
	cm->n_key_value_metadata = 1;
	cm->data_page_offset = 104;
	cm->has_index_page_offset = true;
	cm->index_page_offset = 99;
	cm->has_dictionary_page_offset = true;
	cm->dictionary_page_offset = 4;
	cm->has_statistics = true;
	cm->statistics.has_min = true;
	cm->statistics.min = bin("\x01\x00\x00\x00\x00\x00\x00\x00");
	cm->statistics.min.len = 8;
	cm->statistics.has_max = true;
	cm->statistics.max = bin("\xff");
	cm->statistics.has_min_value = true;
	cm->statistics.min_value = bin("apple");
	cm->statistics.has_max_value = true;
	cm->statistics.max_value = bin("zebra");
	cm->statistics.has_null_count = true;
	cm->statistics.null_count = 0;
	cm->statistics.has_distinct_count = true;
	cm->statistics.distinct_count = 42;
	cm->statistics.has_nan_count = true;
	cm->statistics.nan_count = 3;
	cm->statistics.has_is_max_value_exact = true;
	cm->statistics.is_max_value_exact = true;
	cm->statistics.has_is_min_value_exact = true;
	cm->statistics.is_min_value_exact = false;
	cm->has_encoding_stats = true;
	cm->encoding_stats = x->estats;
	cm->n_encoding_stats = LEN(x->estats);
	cm->has_bloom_filter_offset = true;
	cm->bloom_filter_offset = 5000;
	cm->has_bloom_filter_length = true;
	cm->bloom_filter_length = 256;
	cm->has_size_statistics = true;
	cm->size_statistics.has_unencoded_byte_array_data_bytes = true;
	cm->size_statistics.unencoded_byte_array_data_bytes = 77;
	cm->size_statistics.has_repetition_level_histogram = true;
	cm->size_statistics.repetition_level_histogram = x->rep_hist;
	cm->size_statistics.n_repetition_level_histogram = LEN(x->rep_hist);
	cm->size_statistics.has_definition_level_histogram = true;
	cm->size_statistics.definition_level_histogram = x->def_hist;
	cm->size_statistics.n_definition_level_histogram = LEN(x->def_hist);
	cm->has_geospatial_statistics = true;
	cm->geospatial_statistics.has_bbox = true;
	cm->geospatial_statistics.bbox.xmin = -180.0;
	cm->geospatial_statistics.bbox.xmax = 180.0;
	cm->geospatial_statistics.bbox.ymin = -90.5;
	cm->geospatial_statistics.bbox.ymax = 90.25;
	cm->geospatial_statistics.bbox.has_zmin = true;
	cm->geospatial_statistics.bbox.zmin = -1e300;
	cm->geospatial_statistics.bbox.has_mmax = true;
	cm->geospatial_statistics.bbox.mmax = 0.125;
	cm->geospatial_statistics.has_geospatial_types = true;
	cm->geospatial_statistics.geospatial_types = x->geo_types;
	cm->geospatial_statistics.n_geospatial_types = LEN(x->geo_types);
	x->cols[0].has_offset_index_offset = true;
	x->cols[0].offset_index_offset = 6000;
	x->cols[0].has_offset_index_length = true;
	x->cols[0].offset_index_length = 60;
	x->cols[0].has_column_index_offset = true;
	x->cols[0].column_index_offset = 7000;
	x->cols[0].has_column_index_length = true;
	x->cols[0].column_index_length = 70;

	x->cols[1].file_offset = 0;
	x->cols[1].has_meta_data = true;
	cm = &x->cols[1].meta_data;
	cm->type = PQ_FIXED_LEN_BYTE_ARRAY;
	cm->encodings = x->encodings;
	cm->n_encodings = 1;
	cm->path_in_schema = path_ab;
	cm->n_path_in_schema = 2;
	cm->codec = PQ_CODEC_UNCOMPRESSED;
	cm->data_page_offset = 400;
	x->cols[1].has_crypto_metadata = true;
	x->cols[1].crypto_metadata.kind = PQ_CRYPTO_COLUMN_KEY;
	x->cols[1].crypto_metadata.path_in_schema = path_ab;
	x->cols[1].crypto_metadata.n_path_in_schema = 2;
	x->cols[1].crypto_metadata.has_key_metadata = true;
	x->cols[1].crypto_metadata.key_metadata = bin("kid");
	x->cols[1].has_encrypted_column_metadata = true;
	x->cols[1].encrypted_column_metadata = bin("\x01\x02\x03");

	x->sort[0].column_idx = 1;
	x->sort[0].descending = true;
	x->sort[0].nulls_first = false;
	x->sort[1].column_idx = 0;
	x->sort[1].nulls_first = true;
	x->rg[0].columns = x->cols;
	x->rg[0].n_columns = 2;
	x->rg[0].total_byte_size = 4400;
	x->rg[0].num_rows = 100;
	x->rg[0].has_sorting_columns = true;
	x->rg[0].sorting_columns = x->sort;
	x->rg[0].n_sorting_columns = 2;
	x->rg[0].has_file_offset = true;
	x->rg[0].file_offset = 4;
	x->rg[0].has_total_compressed_size = true;
	x->rg[0].total_compressed_size = 396;
	x->rg[0].has_ordinal = true;
	x->rg[0].ordinal = -3;
	/* An empty row group, only required fields. */
	x->rg[1].num_rows = 0;
	m->row_groups = x->rg;
	m->n_row_groups = 2;

	x->kv[0].key = "k1";
	x->kv[0].value = "v1";
	x->kv[0].value_len = 2;
	x->kv[1].key = "no value";
	x->kv[2].key = "binary";
	x->kv[2].value = "a\0b";
	x->kv[2].value_len = 3;
	m->has_key_value_metadata = true;
	m->key_value_metadata = x->kv;
	m->n_key_value_metadata = 3;

	x->orders[0].kind = PQ_ORDER_TYPE;
	x->orders[1].kind = PQ_ORDER_IEEE_754_TOTAL;
	x->orders[2].kind = PQ_ORDER_UNRECOGNIZED;
	x->orders[2].raw.id = 9;
	x->orders[2].raw.type = PQ_TT_STRUCT;
	x->orders[2].raw.value.p = raw_member_value;
	x->orders[2].raw.value.len = sizeof(raw_member_value);
	m->has_column_orders = true;
	m->column_orders = x->orders;
	m->n_column_orders = 3;

	m->has_encryption_algorithm = true;
	m->encryption_algorithm.kind = PQ_ENCRYPTION_AES_GCM_CTR_V1;
	m->encryption_algorithm.has_aad_prefix = true;
	m->encryption_algorithm.aad_prefix = bin("prefix");
	m->encryption_algorithm.has_aad_file_unique = true;
	m->encryption_algorithm.aad_file_unique = bin("unique");
	m->encryption_algorithm.has_supply_aad_prefix = true;
	m->encryption_algorithm.supply_aad_prefix = true;
	m->has_footer_signing_key_metadata = true;
	m->footer_signing_key_metadata = bin("signing key");
}

static void check_rich(const struct pq_file_meta *m)
{
	const struct pq_schema_elem *s = m->schema;
	const struct pq_column_meta *cm;
	const struct pq_column_chunk *c;

	assert_int_equal(m->version, 2);
	assert_true(m->num_rows == 1234567890123LL);
	assert_string_equal(m->created_by, "tarn test");
	assert_int_equal(m->n_schema, 6);
	assert_string_equal(s[0].name, "root");
	assert_false(s[0].has_type);
	assert_false(s[0].has_repetition_type);
	assert_true(s[0].has_num_children);
	assert_int_equal(s[0].num_children, 3);
	assert_string_equal(s[1].name, "a");
	assert_true(s[1].has_field_id);
	assert_int_equal(s[1].field_id, 17);
	assert_int_equal(s[1].converted_type, PQ_CT_TIMESTAMP_MICROS);
	assert_true(s[1].has_logical_type);
	assert_int_equal(s[1].logical_type.kind, PQ_LT_TIMESTAMP);
	assert_true(s[1].logical_type.is_adjusted_to_utc);
	assert_int_equal(s[1].logical_type.unit, PQ_UNIT_NANOS);
	assert_int_equal(s[2].field_id, -5);
	assert_false(s[2].has_logical_type);
	assert_int_equal(s[3].type_length, 16);
	assert_int_equal(s[3].repetition_type, PQ_REPEATED);
	assert_true(s[3].has_scale && s[3].has_precision);
	assert_int_equal(s[3].logical_type.kind, PQ_LT_DECIMAL);
	assert_int_equal(s[3].logical_type.scale, 4);
	assert_int_equal(s[3].logical_type.precision, 38);
	assert_int_equal(s[4].logical_type.kind, PQ_LT_INTEGER);
	assert_int_equal(s[4].logical_type.bit_width, 8);
	assert_false(s[4].logical_type.is_signed);
	assert_true(s[4].has_vector_length);
	assert_int_equal(s[4].vector_length, 3);
	assert_int_equal(s[5].logical_type.kind, PQ_LT_GEOGRAPHY);
	assert_string_equal(s[5].logical_type.crs, "OGC:CRS84");
	assert_true(s[5].logical_type.has_algorithm);
	assert_int_equal(s[5].logical_type.algorithm, PQ_EDGE_KARNEY);

	assert_int_equal(m->n_row_groups, 2);
	assert_int_equal(m->row_groups[0].n_columns, 2);
	assert_int_equal(m->row_groups[0].ordinal, -3);
	assert_int_equal(m->row_groups[0].n_sorting_columns, 2);
	assert_true(m->row_groups[0].sorting_columns[0].descending);
	assert_true(m->row_groups[0].sorting_columns[1].nulls_first);
	assert_int_equal(m->row_groups[0].total_compressed_size, 396);
	assert_int_equal(m->row_groups[1].n_columns, 0);
	assert_false(m->row_groups[1].has_sorting_columns);
	assert_false(m->row_groups[1].has_ordinal);

	c = &m->row_groups[0].columns[0];
	assert_string_equal(c->file_path, "other.parquet");
	assert_int_equal(c->file_offset, 4);
	assert_int_equal(c->offset_index_length, 60);
	assert_int_equal(c->column_index_offset, 7000);
	assert_false(c->has_crypto_metadata);
	cm = &c->meta_data;
	assert_int_equal(cm->n_encodings, 3);
	assert_int_equal(cm->encodings[1], PQ_ENC_RLE_DICTIONARY);
	assert_int_equal(cm->encodings[2], 99);
	assert_int_equal(cm->n_path_in_schema, 1);
	assert_string_equal(cm->path_in_schema[0], "a");
	assert_int_equal(cm->codec, PQ_CODEC_ZSTD);
	assert_int_equal(cm->n_key_value_metadata, 1);
	assert_string_equal(cm->key_value_metadata[0].value, "col value");
	assert_true(cm->has_dictionary_page_offset);
	assert_int_equal(cm->dictionary_page_offset, 4);
	assert_true(cm->has_statistics);
	assert_bin(cm->statistics.min, "\x01\0\0\0\0\0\0\0", 8);
	assert_bin(cm->statistics.max, "\xff", 1);
	assert_bin(cm->statistics.min_value, "apple", 5);
	assert_bin(cm->statistics.max_value, "zebra", 5);
	assert_true(cm->statistics.has_null_count);
	assert_int_equal(cm->statistics.null_count, 0);
	assert_int_equal(cm->statistics.distinct_count, 42);
	assert_int_equal(cm->statistics.nan_count, 3);
	assert_true(cm->statistics.has_is_min_value_exact);
	assert_false(cm->statistics.is_min_value_exact);
	assert_true(cm->statistics.is_max_value_exact);
	assert_int_equal(cm->n_encoding_stats, 2);
	assert_int_equal(cm->encoding_stats[1].count, 20);
	assert_int_equal(cm->bloom_filter_offset, 5000);
	assert_int_equal(cm->bloom_filter_length, 256);
	assert_int_equal(cm->size_statistics.unencoded_byte_array_data_bytes, 77);
	assert_int_equal(cm->size_statistics.n_repetition_level_histogram, 3);
	assert_int_equal(cm->size_statistics.repetition_level_histogram[2], 7);
	assert_int_equal(cm->size_statistics.definition_level_histogram[1], 11);
	assert_true(cm->geospatial_statistics.bbox.ymin == -90.5);
	assert_true(cm->geospatial_statistics.bbox.zmin == -1e300);
	assert_false(cm->geospatial_statistics.bbox.has_zmax);
	assert_true(cm->geospatial_statistics.bbox.mmax == 0.125);
	assert_int_equal(cm->geospatial_statistics.geospatial_types[1], 1003);

	c = &m->row_groups[0].columns[1];
	assert_null(c->file_path);
	assert_false(c->meta_data.has_statistics);
	assert_string_equal(c->meta_data.path_in_schema[1], "c");
	assert_true(c->has_crypto_metadata);
	assert_int_equal(c->crypto_metadata.kind, PQ_CRYPTO_COLUMN_KEY);
	assert_string_equal(c->crypto_metadata.path_in_schema[0], "b");
	assert_bin(c->crypto_metadata.key_metadata, "kid", 3);
	assert_bin(c->encrypted_column_metadata, "\x01\x02\x03", 3);

	assert_int_equal(m->n_key_value_metadata, 3);
	assert_string_equal(m->key_value_metadata[0].key, "k1");
	assert_string_equal(m->key_value_metadata[0].value, "v1");
	assert_null(m->key_value_metadata[1].value);
	assert_int_equal(m->key_value_metadata[2].value_len, 3);
	assert_memory_equal(m->key_value_metadata[2].value, "a\0b", 4);

	assert_int_equal(m->n_column_orders, 3);
	assert_int_equal(m->column_orders[0].kind, PQ_ORDER_TYPE);
	assert_int_equal(m->column_orders[1].kind, PQ_ORDER_IEEE_754_TOTAL);
	assert_int_equal(m->column_orders[2].kind, PQ_ORDER_UNRECOGNIZED);
	assert_int_equal(m->column_orders[2].raw.id, 9);
	assert_bin(m->column_orders[2].raw.value, raw_member_value, sizeof(raw_member_value));

	assert_true(m->has_encryption_algorithm);
	assert_int_equal(m->encryption_algorithm.kind, PQ_ENCRYPTION_AES_GCM_CTR_V1);
	assert_bin(m->encryption_algorithm.aad_prefix, "prefix", 6);
	assert_bin(m->encryption_algorithm.aad_file_unique, "unique", 6);
	assert_true(m->encryption_algorithm.supply_aad_prefix);
	assert_bin(m->footer_signing_key_metadata, "signing key", 11);
	assert_true(pq_file_meta_is_encrypted(m));
}

static void test_file_meta_round_trip(void **state)
{
	struct rich *x = calloc(1, sizeof(*x));
	struct tn_buf enc1, enc2;
	struct tn_arena a;
	struct pq_file_meta m;
	struct tn_err err;
	uint8_t *copy;

	(void)state;
	assert_non_null(x);
	fill_rich(x);
	tn_buf_init(&enc1, 0);
	tn_buf_init(&enc2, 0);
	tn_arena_init(&a, 0);
	assert_int_equal(pq_file_meta_encode(&x->m, &enc1, &err), TN_OK);

	/* Decode from a copy that is freed at once: nothing may point into it. */
	copy = malloc(enc1.len);
	memcpy(copy, enc1.data, enc1.len);
	assert_int_equal(decode_meta(copy, enc1.len, &a, &m, &err), TN_OK);
	memset(copy, 0xa5, enc1.len);
	free(copy);
	check_rich(&m);

	/* Encoding what was decoded gives the same bytes. */
	assert_int_equal(pq_file_meta_encode(&m, &enc2, &err), TN_OK);
	assert_int_equal(enc1.len, enc2.len);
	assert_memory_equal(enc1.data, enc2.data, enc1.len);

	/* Trailing bytes (a footer signature) do not matter. */
	assert_int_equal(tn_buf_append(&enc2, "0123456789abcdef0123456789ab", 28, &err), TN_OK);
	assert_int_equal(decode_meta(enc2.data, enc2.len, &a, &m, &err), TN_OK);
	check_rich(&m);

	tn_arena_done(&a);
	tn_buf_done(&enc1);
	tn_buf_done(&enc2);
	free(x);
}

static void test_file_meta_truncated(void **state)
{
	struct rich *x = calloc(1, sizeof(*x));
	struct tn_buf enc;
	struct tn_arena a;
	struct pq_file_meta m;
	struct tn_err err;
	size_t n;

	(void)state;
	assert_non_null(x);
	fill_rich(x);
	tn_buf_init(&enc, 0);
	tn_arena_init(&a, 0);
	assert_int_equal(pq_file_meta_encode(&x->m, &enc, &err), TN_OK);
	for (n = 0; n < enc.len; n++) {
		/* An exact-size heap copy so that ASan sees any overread. */
		uint8_t *p = malloc(n ? n : 1);

		memcpy(p, enc.data, n);
		tn_err_clear(&err);
		assert_int_equal(decode_meta(p, n, &a, &m, &err), TN_ECORRUPT);
		assert_true(err.msg[0] != '\0');
		assert_non_null(strstr(err.msg, "at byte"));
		free(p);
		tn_arena_reset(&a);
	}
	tn_arena_done(&a);
	tn_buf_done(&enc);
	free(x);
}

static void test_encoder_refuses_bad_structs(void **state)
{
	struct rich *x = calloc(1, sizeof(*x));
	struct tn_buf out;
	struct tn_err err;

	(void)state;
	assert_non_null(x);
	fill_rich(x);
	tn_buf_init(&out, 0);
	x->schema[2].name = NULL;
	assert_int_equal(pq_file_meta_encode(&x->m, &out, &err), TN_EINVAL);
	assert_string_equal(err.msg, "SchemaElement.name is NULL but required");
	x->schema[2].name = "b";
	x->cols[0].meta_data.encodings = NULL;
	tn_buf_reset(&out);
	assert_int_equal(pq_file_meta_encode(&x->m, &out, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "ColumnMetaData.encodings"));
	x->cols[0].meta_data.encodings = x->encodings;
	x->m.n_schema = 0;
	assert_int_equal(pq_file_meta_encode(&x->m, &out, &err), TN_EINVAL);
	x->m.n_schema = 6;
	/* A capped buffer. */
	tn_buf_done(&out);
	tn_buf_init(&out, 64);
	assert_int_equal(pq_file_meta_encode(&x->m, &out, &err), TN_ETOOBIG);
	tn_buf_done(&out);
	free(x);
}

/* ---------------------------------------------------------------- decoder rules */

/* A minimal FileMetaData written with the thrift writer; fields chosen by
 * the flags so that tests can leave some out. */
enum { MF_VERSION = 1, MF_SCHEMA = 2, MF_ROWS = 4, MF_GROUPS = 8, MF_ALL = 15 };

static void write_min_meta(struct tn_buf *out, int flags, int64_t rows, const char *name,
	size_t name_len)
{
	struct pq_thrift_writer w;

	pq_thrift_writer_init(&w, out, NULL);
	pq_thrift_write_struct_begin(&w);
	if (flags & MF_VERSION)
		pq_thrift_write_i32_field(&w, 1, 1);
	if (flags & MF_SCHEMA) {
		pq_thrift_write_field(&w, 2, PQ_TT_LIST);
		pq_thrift_write_list(&w, PQ_TT_STRUCT, 1);
		pq_thrift_write_struct_begin(&w);
		pq_thrift_write_binary_field(&w, 4, name, name_len);
		pq_thrift_write_struct_end(&w);
	}
	if (flags & MF_ROWS)
		pq_thrift_write_i64_field(&w, 3, rows);
	if (flags & MF_GROUPS) {
		pq_thrift_write_field(&w, 4, PQ_TT_LIST);
		pq_thrift_write_list(&w, PQ_TT_STRUCT, 0);
	}
	pq_thrift_write_struct_end(&w);
	assert_int_equal(pq_thrift_writer_status(&w), TN_OK);
}

static void test_required_and_negative(void **state)
{
	struct tn_buf b;
	struct tn_arena a;
	struct pq_file_meta m;
	struct tn_err err;

	(void)state;
	tn_buf_init(&b, 0);
	tn_arena_init(&a, 0);
	write_min_meta(&b, MF_ALL, 0, "root", 4);
	assert_int_equal(decode_meta(b.data, b.len, &a, &m, &err), TN_OK);
	assert_string_equal(m.schema[0].name, "root");
	assert_null(m.created_by);
	assert_false(m.has_key_value_metadata);

	tn_buf_reset(&b);
	write_min_meta(&b, MF_ALL & ~MF_SCHEMA, 0, "root", 4);
	assert_int_equal(decode_meta(b.data, b.len, &a, &m, &err), TN_ECORRUPT);
	assert_string_equal(err.msg, "FileMetaData: required field 'schema' missing");

	tn_buf_reset(&b);
	write_min_meta(&b, MF_ALL & ~MF_VERSION, 0, "root", 4);
	assert_int_equal(decode_meta(b.data, b.len, &a, &m, &err), TN_ECORRUPT);
	assert_string_equal(err.msg, "FileMetaData: required field 'version' missing");

	tn_buf_reset(&b);
	write_min_meta(&b, MF_ALL, -1, "root", 4);
	assert_int_equal(decode_meta(b.data, b.len, &a, &m, &err), TN_ECORRUPT);
	assert_string_equal(err.msg, "FileMetaData.num_rows is negative (-1)");

	/* A NUL inside a name. */
	tn_buf_reset(&b);
	write_min_meta(&b, MF_ALL, 0, "ro\0t", 4);
	assert_int_equal(decode_meta(b.data, b.len, &a, &m, &err), TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "FileMetaData.schema[0]: SchemaElement.name: string at byte"));
	assert_non_null(strstr(err.msg, "NUL"));

	tn_arena_done(&a);
	tn_buf_done(&b);
}

static void test_unknown_fields_skipped(void **state)
{
	struct tn_buf b, again;
	struct pq_thrift_writer w;
	struct tn_arena a;
	struct pq_file_meta m;
	struct tn_err err;

	(void)state;
	tn_buf_init(&b, 0);
	tn_buf_init(&again, 0);
	tn_arena_init(&a, 0);
	pq_thrift_writer_init(&w, &b, NULL);
	pq_thrift_write_struct_begin(&w);
	pq_thrift_write_i32_field(&w, 1, 1);
	/* An unknown field holding a struct with a list of maps of lists. */
	pq_thrift_write_field(&w, 2000, PQ_TT_STRUCT);
	pq_thrift_write_struct_begin(&w);
	pq_thrift_write_field(&w, 3, PQ_TT_LIST);
	pq_thrift_write_list(&w, PQ_TT_MAP, 2);
	pq_thrift_write_map(&w, PQ_TT_I32, PQ_TT_LIST, 1);
	pq_thrift_write_i32(&w, 5);
	pq_thrift_write_list(&w, PQ_TT_TRUE, 3);
	pq_thrift_write_bool(&w, true);
	pq_thrift_write_bool(&w, false);
	pq_thrift_write_bool(&w, true);
	pq_thrift_write_map(&w, PQ_TT_BINARY, PQ_TT_DOUBLE, 0);
	pq_thrift_write_bool_field(&w, 4, true);
	pq_thrift_write_field(&w, 5, PQ_TT_SET);
	pq_thrift_write_list(&w, PQ_TT_STRUCT, 1);
	pq_thrift_write_struct_begin(&w);
	pq_thrift_write_binary_field(&w, 1, "x", 1);
	pq_thrift_write_struct_end(&w);
	pq_thrift_write_struct_end(&w);
	/* Schema whose element has an unknown field and a known one of the wrong type. */
	pq_thrift_write_field(&w, 2, PQ_TT_LIST);
	pq_thrift_write_list(&w, PQ_TT_STRUCT, 1);
	pq_thrift_write_struct_begin(&w);
	pq_thrift_write_i64_field(&w, 1, 5); /* type should be i32: skipped */
	pq_thrift_write_binary_field(&w, 4, "root", 4);
	pq_thrift_write_field(&w, 99, PQ_TT_DOUBLE);
	pq_thrift_write_double(&w, 2.5);
	pq_thrift_write_struct_end(&w);
	pq_thrift_write_i64_field(&w, 3, 10);
	pq_thrift_write_field(&w, 4, PQ_TT_LIST);
	pq_thrift_write_list(&w, PQ_TT_STRUCT, 0);
	pq_thrift_write_i32_field(&w, 6, 1); /* created_by as an i32: skipped */
	pq_thrift_write_struct_end(&w);
	assert_int_equal(pq_thrift_writer_status(&w), TN_OK);

	assert_int_equal(decode_meta(b.data, b.len, &a, &m, &err), TN_OK);
	assert_int_equal(m.num_rows, 10);
	assert_int_equal(m.n_schema, 1);
	assert_string_equal(m.schema[0].name, "root");
	assert_false(m.schema[0].has_type);
	assert_null(m.created_by);
	/* Unknown fields are dropped on encoding. */
	assert_int_equal(pq_file_meta_encode(&m, &again, &err), TN_OK);
	assert_true(again.len < b.len);

	tn_arena_done(&a);
	tn_buf_done(&b);
	tn_buf_done(&again);
}

/* A footer with one schema element whose logicalType field is the given
 * bytes (a LogicalType struct's content, STOP included). */
static size_t meta_with_logical(uint8_t *out, const uint8_t *lt, size_t lt_len)
{
	static const uint8_t head[] = {0x15, 0x02, 0x19, 0x1c, 0x48, 0x01, 'x', 0x6c};
	static const uint8_t tail[] = {0x00, 0x16, 0x00, 0x19, 0x0c, 0x00};
	size_t n = 0;

	memcpy(out + n, head, sizeof(head));
	n += sizeof(head);
	memcpy(out + n, lt, lt_len);
	n += lt_len;
	memcpy(out + n, tail, sizeof(tail));
	return n + sizeof(tail);
}

static void test_logical_types(void **state)
{
	/* Field 30 of LogicalType: a struct with an i32. */
	static const uint8_t unknown_member[] = {0x0c, 0x3c, 0x15, 0x0e, 0x00, 0x00};
	/* TIMESTAMP(isAdjustedToUTC=false, unit=<member 7>) */
	static const uint8_t unknown_unit[] = {0x8c, 0x12, 0x1c, 0x7c, 0x00, 0x00, 0x00, 0x00};
	/* TIME(true, MILLIS) */
	static const uint8_t time_millis[] = {0x7c, 0x11, 0x1c, 0x1c, 0x00, 0x00, 0x00, 0x00};
	/* An empty union. */
	static const uint8_t empty[] = {0x00};
	/* STRING with a field StringType does not have: still STRING. */
	static const uint8_t string_extra[] = {0x1c, 0x15, 0x02, 0x00, 0x00};
	/* DECIMAL missing precision. */
	static const uint8_t bad_decimal[] = {0x5c, 0x15, 0x04, 0x00, 0x00};
	/* UUID, FLOAT16, VARIANT(spec 1), JSON, BSON, ENUM, DATE, NULL each alone. */
	static const uint8_t variant[] = {0x0c, 0x20, 0x13, 0x01, 0x00, 0x00};
	uint8_t buf[128];
	struct tn_buf enc;
	struct tn_arena a;
	struct pq_file_meta m;
	struct tn_err err;
	const struct pq_logical_type *lt;
	size_t n;

	(void)state;
	tn_arena_init(&a, 0);
	tn_buf_init(&enc, 0);

	n = meta_with_logical(buf, unknown_member, sizeof(unknown_member));
	assert_int_equal(decode_meta(buf, n, &a, &m, &err), TN_OK);
	lt = &m.schema[0].logical_type;
	assert_true(m.schema[0].has_logical_type);
	assert_int_equal(lt->kind, PQ_LT_UNRECOGNIZED);
	assert_int_equal(lt->raw.id, 30);
	assert_int_equal(lt->raw.type, PQ_TT_STRUCT);
	/* Kept as written: encoding gives the input back. */
	assert_int_equal(pq_file_meta_encode(&m, &enc, &err), TN_OK);
	assert_int_equal(enc.len, n);
	assert_memory_equal(enc.data, buf, n);

	n = meta_with_logical(buf, unknown_unit, sizeof(unknown_unit));
	assert_int_equal(decode_meta(buf, n, &a, &m, &err), TN_OK);
	lt = &m.schema[0].logical_type;
	assert_int_equal(lt->kind, PQ_LT_UNRECOGNIZED);
	assert_int_equal(lt->raw.id, PQ_LT_TIMESTAMP);
	tn_buf_reset(&enc);
	assert_int_equal(pq_file_meta_encode(&m, &enc, &err), TN_OK);
	assert_int_equal(enc.len, n);
	assert_memory_equal(enc.data, buf, n);

	n = meta_with_logical(buf, time_millis, sizeof(time_millis));
	assert_int_equal(decode_meta(buf, n, &a, &m, &err), TN_OK);
	lt = &m.schema[0].logical_type;
	assert_int_equal(lt->kind, PQ_LT_TIME);
	assert_true(lt->is_adjusted_to_utc);
	assert_int_equal(lt->unit, PQ_UNIT_MILLIS);
	tn_buf_reset(&enc);
	assert_int_equal(pq_file_meta_encode(&m, &enc, &err), TN_OK);
	assert_int_equal(enc.len, n);
	assert_memory_equal(enc.data, buf, n);

	n = meta_with_logical(buf, empty, sizeof(empty));
	assert_int_equal(decode_meta(buf, n, &a, &m, &err), TN_OK);
	assert_int_equal(m.schema[0].logical_type.kind, PQ_LT_UNRECOGNIZED);
	assert_int_equal(m.schema[0].logical_type.raw.type, PQ_TT_STOP);
	tn_buf_reset(&enc);
	assert_int_equal(pq_file_meta_encode(&m, &enc, &err), TN_OK);
	assert_int_equal(enc.len, n);
	assert_memory_equal(enc.data, buf, n);

	n = meta_with_logical(buf, string_extra, sizeof(string_extra));
	assert_int_equal(decode_meta(buf, n, &a, &m, &err), TN_OK);
	assert_int_equal(m.schema[0].logical_type.kind, PQ_LT_STRING);

	n = meta_with_logical(buf, variant, sizeof(variant));
	assert_int_equal(decode_meta(buf, n, &a, &m, &err), TN_OK);
	lt = &m.schema[0].logical_type;
	assert_int_equal(lt->kind, PQ_LT_VARIANT);
	assert_true(lt->has_specification_version);
	assert_int_equal(lt->specification_version, 1);

	n = meta_with_logical(buf, bad_decimal, sizeof(bad_decimal));
	assert_int_equal(decode_meta(buf, n, &a, &m, &err), TN_ECORRUPT);
	assert_string_equal(err.msg, "FileMetaData.schema[0]: SchemaElement.logicalType: "
				     "LogicalType.DECIMAL: DecimalType: required field 'precision' missing");

	tn_buf_done(&enc);
	tn_arena_done(&a);
}

static void test_every_logical_kind_round_trips(void **state)
{
	static const int kinds[] = {PQ_LT_STRING, PQ_LT_MAP, PQ_LT_LIST, PQ_LT_ENUM,
		PQ_LT_DECIMAL, PQ_LT_DATE, PQ_LT_TIME, PQ_LT_TIMESTAMP, PQ_LT_INTEGER, PQ_LT_NULL,
		PQ_LT_JSON, PQ_LT_BSON, PQ_LT_UUID, PQ_LT_FLOAT16, PQ_LT_VARIANT, PQ_LT_GEOMETRY,
		PQ_LT_GEOGRAPHY, PQ_LT_VECTOR};
	struct pq_schema_elem s[LEN(kinds)];
	struct pq_file_meta m, back;
	struct tn_buf enc;
	struct tn_arena a;
	struct tn_err err;
	size_t i;

	(void)state;
	memset(&m, 0, sizeof(m));
	memset(s, 0, sizeof(s));
	for (i = 0; i < LEN(kinds); i++) {
		s[i].name = "c";
		s[i].has_logical_type = true;
		s[i].logical_type.kind = kinds[i];
		s[i].logical_type.unit = PQ_UNIT_MICROS;
		s[i].logical_type.bit_width = 64;
		s[i].logical_type.is_signed = true;
		s[i].logical_type.precision = 9;
	}
	m.schema = s;
	m.n_schema = LEN(s);
	tn_buf_init(&enc, 0);
	tn_arena_init(&a, 0);
	assert_int_equal(pq_file_meta_encode(&m, &enc, &err), TN_OK);
	assert_int_equal(decode_meta(enc.data, enc.len, &a, &back, &err), TN_OK);
	assert_int_equal(back.n_schema, LEN(kinds));
	for (i = 0; i < LEN(kinds); i++) {
		const struct pq_logical_type *lt = &back.schema[i].logical_type;

		assert_true(back.schema[i].has_logical_type);
		assert_int_equal(lt->kind, kinds[i]);
		if (kinds[i] == PQ_LT_TIME || kinds[i] == PQ_LT_TIMESTAMP)
			assert_int_equal(lt->unit, PQ_UNIT_MICROS);
		if (kinds[i] == PQ_LT_INTEGER) {
			assert_int_equal(lt->bit_width, 64);
			assert_true(lt->is_signed);
		}
		if (kinds[i] == PQ_LT_DECIMAL)
			assert_int_equal(lt->precision, 9);
		if (kinds[i] == PQ_LT_GEOMETRY)
			assert_null(lt->crs);
	}
	tn_arena_done(&a);
	tn_buf_done(&enc);
}

/* ---------------------------------------------------------------- page headers, page index */

static void test_page_header_round_trip(void **state)
{
	struct pq_page_header h, back;
	struct tn_buf enc, enc2;
	struct tn_arena a;
	struct tn_err err;
	size_t used, hlen, n;

	(void)state;
	tn_buf_init(&enc, 0);
	tn_buf_init(&enc2, 0);
	tn_arena_init(&a, 0);

	/* A v1 data page with statistics and a crc. */
	memset(&h, 0, sizeof(h));
	h.type = PQ_PAGE_DATA;
	h.uncompressed_page_size = 1 << 20;
	h.compressed_page_size = 4096;
	h.has_crc = true;
	h.crc = (int32_t)0xdeadbeefu;
	h.has_data_page_header = true;
	h.data_page_header.num_values = 1000;
	h.data_page_header.encoding = PQ_ENC_RLE_DICTIONARY;
	h.data_page_header.definition_level_encoding = PQ_ENC_RLE;
	h.data_page_header.repetition_level_encoding = PQ_ENC_BIT_PACKED;
	h.data_page_header.has_statistics = true;
	h.data_page_header.statistics.has_min_value = true;
	h.data_page_header.statistics.min_value = bin("\x00\x01");
	h.data_page_header.statistics.min_value.len = 2;
	h.data_page_header.statistics.has_max_value = true;
	h.data_page_header.statistics.max_value = bin("\xfe\xff");
	h.data_page_header.statistics.has_null_count = true;
	h.data_page_header.statistics.null_count = 12;
	assert_int_equal(pq_page_header_encode(&h, &enc, &err), TN_OK);
	hlen = enc.len;
	/* The page data follows the header. */
	assert_int_equal(tn_buf_append(&enc, "PAGEDATA", 8, &err), TN_OK);
	assert_int_equal(pq_page_header_decode((const uint8_t *)enc.data, enc.len, &a, &back,
				 &used, &err), TN_OK);
	assert_int_equal(used, hlen);
	assert_int_equal(back.type, PQ_PAGE_DATA);
	assert_int_equal(back.uncompressed_page_size, 1 << 20);
	assert_true(back.has_crc);
	assert_int_equal((uint32_t)back.crc, 0xdeadbeefu);
	assert_true(back.has_data_page_header);
	assert_false(back.has_dictionary_page_header);
	assert_false(back.has_data_page_header_v2);
	assert_int_equal(back.data_page_header.num_values, 1000);
	assert_int_equal(back.data_page_header.repetition_level_encoding, PQ_ENC_BIT_PACKED);
	assert_bin(back.data_page_header.statistics.min_value, "\x00\x01", 2);
	assert_bin(back.data_page_header.statistics.max_value, "\xfe\xff", 2);
	assert_int_equal(back.data_page_header.statistics.null_count, 12);
	assert_false(back.data_page_header.statistics.has_min);
	assert_int_equal(pq_page_header_encode(&back, &enc2, &err), TN_OK);
	assert_int_equal(enc2.len, hlen);
	assert_memory_equal(enc2.data, enc.data, hlen);

	/* Dictionary page, v2 page and index page in one header (the decoder
	 * does not insist on one). */
	memset(&h, 0, sizeof(h));
	h.type = PQ_PAGE_DATA_V2;
	h.has_dictionary_page_header = true;
	h.dictionary_page_header.num_values = 7;
	h.dictionary_page_header.encoding = PQ_ENC_PLAIN;
	h.dictionary_page_header.has_is_sorted = true;
	h.dictionary_page_header.is_sorted = true;
	h.has_index_page_header = true;
	h.has_data_page_header_v2 = true;
	h.data_page_header_v2.num_values = 10;
	h.data_page_header_v2.num_nulls = 2;
	h.data_page_header_v2.num_rows = 8;
	h.data_page_header_v2.encoding = PQ_ENC_DELTA_BINARY_PACKED;
	h.data_page_header_v2.definition_levels_byte_length = 3;
	h.data_page_header_v2.repetition_levels_byte_length = 0;
	h.data_page_header_v2.has_is_compressed = true;
	h.data_page_header_v2.is_compressed = false;
	h.data_page_header_v2.has_statistics = true;
	h.data_page_header_v2.statistics.has_distinct_count = true;
	h.data_page_header_v2.statistics.distinct_count = 4;
	tn_buf_reset(&enc);
	tn_buf_reset(&enc2);
	assert_int_equal(pq_page_header_encode(&h, &enc, &err), TN_OK);
	assert_int_equal(pq_page_header_decode((const uint8_t *)enc.data, enc.len, &a, &back,
				 &used, &err), TN_OK);
	assert_int_equal(used, enc.len);
	assert_true(back.has_index_page_header);
	assert_true(back.dictionary_page_header.is_sorted);
	assert_int_equal(back.dictionary_page_header.num_values, 7);
	assert_int_equal(back.data_page_header_v2.num_nulls, 2);
	assert_int_equal(back.data_page_header_v2.definition_levels_byte_length, 3);
	assert_true(back.data_page_header_v2.has_is_compressed);
	assert_false(back.data_page_header_v2.is_compressed);
	assert_int_equal(back.data_page_header_v2.statistics.distinct_count, 4);
	assert_int_equal(pq_page_header_encode(&back, &enc2, &err), TN_OK);
	assert_int_equal(enc2.len, enc.len);
	assert_memory_equal(enc2.data, enc.data, enc.len);

	/* is_compressed defaults to true when absent. */
	h.data_page_header_v2.has_is_compressed = false;
	tn_buf_reset(&enc);
	assert_int_equal(pq_page_header_encode(&h, &enc, &err), TN_OK);
	assert_int_equal(pq_page_header_decode((const uint8_t *)enc.data, enc.len, &a, &back,
				 NULL, &err), TN_OK);
	assert_false(back.data_page_header_v2.has_is_compressed);
	assert_true(back.data_page_header_v2.is_compressed);

	/* Truncated page headers fail; a negative size is corrupt. */
	for (n = 0; n < enc.len; n++)
		assert_int_equal(pq_page_header_decode((const uint8_t *)enc.data, n, &a, &back,
					 &used, &err), TN_ECORRUPT);
	h.compressed_page_size = -1;
	tn_buf_reset(&enc);
	assert_int_equal(pq_page_header_encode(&h, &enc, &err), TN_OK);
	assert_int_equal(pq_page_header_decode((const uint8_t *)enc.data, enc.len, &a, &back,
				 &used, &err), TN_ECORRUPT);
	assert_string_equal(err.msg, "PageHeader.compressed_page_size is negative (-1)");
	h.compressed_page_size = 0;
	h.data_page_header_v2.num_nulls = -2;
	tn_buf_reset(&enc);
	assert_int_equal(pq_page_header_encode(&h, &enc, &err), TN_OK);
	assert_int_equal(pq_page_header_decode((const uint8_t *)enc.data, enc.len, &a, &back,
				 &used, &err), TN_ECORRUPT);
	assert_string_equal(err.msg,
		"PageHeader.data_page_header_v2: DataPageHeaderV2.num_nulls is negative (-2)");

	tn_arena_done(&a);
	tn_buf_done(&enc);
	tn_buf_done(&enc2);
}

static void test_page_index_round_trip(void **state)
{
	bool nulls[3] = {false, true, false};
	struct pq_binary mins[3], maxs[3];
	int64_t null_counts[3] = {0, 10, 1}, hist[6] = {1, 2, 3, 4, 5, 6};
	struct pq_page_location locs[2] = {{4, 100, 0}, {104, 200, 50}};
	int64_t unenc[2] = {300, 0};
	struct pq_column_index ci, ci2;
	struct pq_offset_index oi, oi2;
	struct tn_buf enc, enc2;
	struct tn_arena a;
	struct tn_err err;

	(void)state;
	mins[0] = bin("a");
	mins[1] = bin("");
	mins[2] = bin("m");
	maxs[0] = bin("l");
	maxs[1] = bin("");
	maxs[2] = bin("zz");
	memset(&ci, 0, sizeof(ci));
	ci.n_pages = 3;
	ci.null_pages = nulls;
	ci.min_values = mins;
	ci.max_values = maxs;
	ci.boundary_order = PQ_BOUNDARY_ASCENDING;
	ci.has_null_counts = true;
	ci.null_counts = null_counts;
	ci.has_definition_level_histograms = true;
	ci.definition_level_histograms = hist;
	ci.n_definition_level_histograms = 6;
	ci.has_nan_counts = true;
	ci.nan_counts = null_counts;
	tn_buf_init(&enc, 0);
	tn_buf_init(&enc2, 0);
	tn_arena_init(&a, 0);
	assert_int_equal(pq_column_index_encode(&ci, &enc, &err), TN_OK);
	assert_int_equal(pq_column_index_decode((const uint8_t *)enc.data, enc.len, &a, &ci2, &err),
		TN_OK);
	assert_int_equal(ci2.n_pages, 3);
	assert_true(ci2.null_pages[1]);
	assert_false(ci2.null_pages[2]);
	assert_bin(ci2.min_values[2], "m", 1);
	assert_bin(ci2.max_values[2], "zz", 2);
	assert_int_equal(ci2.max_values[1].len, 0);
	assert_int_equal(ci2.boundary_order, PQ_BOUNDARY_ASCENDING);
	assert_int_equal(ci2.null_counts[1], 10);
	assert_false(ci2.has_repetition_level_histograms);
	assert_int_equal(ci2.n_definition_level_histograms, 6);
	assert_int_equal(ci2.definition_level_histograms[5], 6);
	assert_true(ci2.has_nan_counts);
	assert_int_equal(pq_column_index_encode(&ci2, &enc2, &err), TN_OK);
	assert_int_equal(enc2.len, enc.len);
	assert_memory_equal(enc2.data, enc.data, enc.len);

	/* Lists of different lengths are corrupt. */
	{
		struct pq_thrift_writer w;

		tn_buf_reset(&enc);
		pq_thrift_writer_init(&w, &enc, NULL);
		pq_thrift_write_struct_begin(&w);
		pq_thrift_write_field(&w, 1, PQ_TT_LIST);
		pq_thrift_write_list(&w, PQ_TT_TRUE, 2);
		pq_thrift_write_bool(&w, true);
		pq_thrift_write_bool(&w, true);
		pq_thrift_write_field(&w, 2, PQ_TT_LIST);
		pq_thrift_write_list(&w, PQ_TT_BINARY, 1);
		pq_thrift_write_binary(&w, "", 0);
		pq_thrift_write_field(&w, 3, PQ_TT_LIST);
		pq_thrift_write_list(&w, PQ_TT_BINARY, 2);
		pq_thrift_write_binary(&w, "", 0);
		pq_thrift_write_binary(&w, "", 0);
		pq_thrift_write_i32_field(&w, 4, 0);
		pq_thrift_write_struct_end(&w);
		assert_int_equal(pq_column_index_decode((const uint8_t *)enc.data, enc.len, &a, &ci2,
					 &err), TN_ECORRUPT);
		assert_non_null(strstr(err.msg, "different lengths"));
	}

	memset(&oi, 0, sizeof(oi));
	oi.page_locations = locs;
	oi.n_page_locations = 2;
	oi.has_unencoded_byte_array_data_bytes = true;
	oi.unencoded_byte_array_data_bytes = unenc;
	tn_buf_reset(&enc);
	tn_buf_reset(&enc2);
	assert_int_equal(pq_offset_index_encode(&oi, &enc, &err), TN_OK);
	assert_int_equal(pq_offset_index_decode((const uint8_t *)enc.data, enc.len, &a, &oi2, &err),
		TN_OK);
	assert_int_equal(oi2.n_page_locations, 2);
	assert_int_equal(oi2.page_locations[1].offset, 104);
	assert_int_equal(oi2.page_locations[1].compressed_page_size, 200);
	assert_int_equal(oi2.page_locations[1].first_row_index, 50);
	assert_int_equal(oi2.unencoded_byte_array_data_bytes[0], 300);
	assert_int_equal(pq_offset_index_encode(&oi2, &enc2, &err), TN_OK);
	assert_int_equal(enc2.len, enc.len);
	assert_memory_equal(enc2.data, enc.data, enc.len);

	locs[1].first_row_index = -1;
	tn_buf_reset(&enc);
	assert_int_equal(pq_offset_index_encode(&oi, &enc, &err), TN_OK);
	assert_int_equal(pq_offset_index_decode((const uint8_t *)enc.data, enc.len, &a, &oi2, &err),
		TN_ECORRUPT);
	assert_string_equal(err.msg, "OffsetIndex.page_locations[1]: "
				     "PageLocation.first_row_index is negative (-1)");

	tn_arena_done(&a);
	tn_buf_done(&enc);
	tn_buf_done(&enc2);
}

/* ---------------------------------------------------------------- real files */

static char *testdata_dir(void)
{
	const char *d = getenv("TARN_TESTDATA");
	const char *src = getenv("TARN_SRCDIR");
	char *path;

	if (d != NULL && d[0] != '\0')
		return strdup(d);
	if (src == NULL || src[0] == '\0')
		src = ".";
	path = malloc(strlen(src) + 32);
	assert_non_null(path);
	sprintf(path, "%s/../shared/testdata", src);
	return path;
}

/* The whole file; NULL when it cannot be read. */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *p;
	long n;

	if (f == NULL)
		return NULL;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || fseek(f, 0, SEEK_END) != 0 ||
	    (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	if (fread(p, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(p);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* The footer of a plaintext Parquet file, borrowed from the file's bytes;
 * false when the file does not end in a plaintext footer. */
static bool footer(const uint8_t *file, size_t n, const uint8_t **p, size_t *len)
{
	uint32_t flen;

	if (n < 12 || memcmp(file + n - 4, "PAR1", 4) != 0)
		return false;
	flen = (uint32_t)file[n - 8] | (uint32_t)file[n - 7] << 8 | (uint32_t)file[n - 6] << 16 |
	       (uint32_t)file[n - 5] << 24;
	if (flen > n - 12)
		return false;
	*p = file + n - 8 - flen;
	*len = flen;
	return true;
}

static void test_real_footer_alltypes_plain(void **state)
{
	char *dir = testdata_dir(), *path;
	uint8_t *file;
	const uint8_t *f;
	size_t n, flen, i, leaves = 0;
	struct tn_arena a;
	struct pq_file_meta m, m2;
	struct tn_buf enc, enc2;
	struct tn_err err;
	bool has_id = false;

	(void)state;
	path = malloc(strlen(dir) + 64);
	sprintf(path, "%s/parquet/data/alltypes_plain.parquet", dir);
	file = read_file(path, &n);
	free(path);
	free(dir);
	if (file == NULL)
		skip();
	assert_true(footer(file, n, &f, &flen));
	tn_arena_init(&a, 0);
	tn_buf_init(&enc, 0);
	tn_buf_init(&enc2, 0);
	assert_int_equal(pq_file_meta_decode(f, flen, &a, &m, &err), TN_OK);
	assert_int_equal(m.num_rows, 8);
	for (i = 0; i < m.n_schema; i++) {
		if (!m.schema[i].has_num_children || m.schema[i].num_children == 0)
			leaves++;
		if (strcmp(m.schema[i].name, "id") == 0)
			has_id = true;
	}
	assert_int_equal(leaves, 11);
	assert_true(has_id);
	assert_int_equal(m.n_row_groups, 1);
	assert_int_equal(m.row_groups[0].n_columns, 11);
	assert_false(pq_file_meta_is_encrypted(&m));

	/* decode -> encode -> decode: the same metadata, the same bytes; for
	 * this writer even the file's own bytes. */
	assert_int_equal(pq_file_meta_encode(&m, &enc, &err), TN_OK);
	free(file);
	assert_int_equal(pq_file_meta_decode((const uint8_t *)enc.data, enc.len, &a, &m2, &err),
		TN_OK);
	assert_int_equal(m2.num_rows, m.num_rows);
	assert_int_equal(m2.n_schema, m.n_schema);
	for (i = 0; i < m.n_schema; i++)
		assert_string_equal(m2.schema[i].name, m.schema[i].name);
	assert_int_equal(pq_file_meta_encode(&m2, &enc2, &err), TN_OK);
	assert_int_equal(enc2.len, enc.len);
	assert_memory_equal(enc2.data, enc.data, enc.len);
	assert_int_equal(enc.len, flen);

	tn_buf_done(&enc);
	tn_buf_done(&enc2);
	tn_arena_done(&a);
}

/* Every plaintext footer in parquet/data decodes and re-encodes stably;
 * the encrypted one with a plaintext footer is recognized as encrypted and
 * the unknown logical type comes back unrecognized. */
static void test_real_footers_all(void **state)
{
	char *dir = testdata_dir(), *ddir, *path;
	DIR *dp;
	struct dirent *de;
	int decoded = 0;
	bool saw_encrypted = false, saw_unknown = false;

	(void)state;
	ddir = malloc(strlen(dir) + 32);
	sprintf(ddir, "%s/parquet/data", dir);
	free(dir);
	dp = opendir(ddir);
	if (dp == NULL) {
		free(ddir);
		skip();
	}
	while ((de = readdir(dp)) != NULL) {
		uint8_t *file;
		const uint8_t *f;
		size_t n, flen, i;
		struct tn_arena a;
		struct pq_file_meta m, m2;
		struct tn_buf e1, e2;
		struct tn_err err;

		if (de->d_name[0] == '.')
			continue;
		path = malloc(strlen(ddir) + strlen(de->d_name) + 2);
		sprintf(path, "%s/%s", ddir, de->d_name);
		file = read_file(path, &n);
		free(path);
		if (file == NULL || !footer(file, n, &f, &flen)) {
			free(file);
			continue;
		}
		tn_arena_init(&a, 0);
		tn_buf_init(&e1, 0);
		tn_buf_init(&e2, 0);
		if (pq_file_meta_decode(f, flen, &a, &m, &err) != TN_OK)
			fail_msg("%s: %s", de->d_name, err.msg);
		assert_int_equal(pq_file_meta_encode(&m, &e1, &err), TN_OK);
		assert_int_equal(pq_file_meta_decode((const uint8_t *)e1.data, e1.len, &a, &m2, &err),
			TN_OK);
		assert_int_equal(pq_file_meta_encode(&m2, &e2, &err), TN_OK);
		assert_int_equal(e1.len, e2.len);
		assert_memory_equal(e1.data, e2.data, e1.len);
		if (pq_file_meta_is_encrypted(&m))
			saw_encrypted = true;
		if (strcmp(de->d_name, "unknown-logical-type.parquet") == 0)
			for (i = 0; i < m.n_schema; i++)
				if (m.schema[i].has_logical_type &&
				    m.schema[i].logical_type.kind == PQ_LT_UNRECOGNIZED)
					saw_unknown = true;
		decoded++;
		tn_buf_done(&e1);
		tn_buf_done(&e2);
		tn_arena_done(&a);
		free(file);
	}
	closedir(dp);
	free(ddir);
	if (decoded == 0)
		skip();
	assert_true(decoded >= 40);
	assert_true(saw_encrypted);
	assert_true(saw_unknown);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varints_and_zigzag),
		cmocka_unit_test(test_varint_errors),
		cmocka_unit_test(test_field_headers),
		cmocka_unit_test(test_field_header_errors),
		cmocka_unit_test(test_lists_sets_maps),
		cmocka_unit_test(test_bad_bool_and_list_types),
		cmocka_unit_test(test_binary_bounds),
		cmocka_unit_test(test_huge_counts_rejected),
		cmocka_unit_test(test_depth_cap),
		cmocka_unit_test(test_decoded_memory_capped),
		cmocka_unit_test(test_writer_forms),
		cmocka_unit_test(test_writer_sticky_errors),
		cmocka_unit_test(test_file_meta_round_trip),
		cmocka_unit_test(test_file_meta_truncated),
		cmocka_unit_test(test_encoder_refuses_bad_structs),
		cmocka_unit_test(test_required_and_negative),
		cmocka_unit_test(test_unknown_fields_skipped),
		cmocka_unit_test(test_logical_types),
		cmocka_unit_test(test_every_logical_kind_round_trips),
		cmocka_unit_test(test_page_header_round_trip),
		cmocka_unit_test(test_page_index_round_trip),
		cmocka_unit_test(test_real_footer_alltypes_plain),
		cmocka_unit_test(test_real_footers_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
