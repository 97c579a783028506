/* test_vec.c - types, batches, canonical JSON and the output formats. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/valfmt.h"
#include "base/vec.h"
#include "cli/format.h"

static struct tn_field field(const char *name, enum tn_kind kind)
{
	struct tn_field f;

	memset(&f, 0, sizeof(f));
	f.name = tn_strdup(name);
	f.type.kind = kind;
	f.nullable = true;
	return f;
}

/* Schema: id bigint, price decimal(5,2), name string, tags array<string>,
 * attrs map<string,int>, pt struct<x:double,y:double>, ts timestamp, d date,
 * raw binary. */
static void make_schema(struct tn_schema *s)
{
	s->ncols = 9;
	s->cols = tn_calloc(9, sizeof(*s->cols));
	s->cols[0] = field("id", TN_INT64);
	s->cols[1] = field("price", TN_DECIMAL);
	s->cols[1].type.precision = 5;
	s->cols[1].type.scale = 2;
	s->cols[2] = field("name", TN_STRING);
	s->cols[3] = field("tags", TN_LIST);
	s->cols[3].type.nfields = 1;
	s->cols[3].type.fields = tn_calloc(1, sizeof(struct tn_field));
	s->cols[3].type.fields[0] = field("element", TN_STRING);
	s->cols[4] = field("attrs", TN_MAP);
	s->cols[4].type.nfields = 2;
	s->cols[4].type.fields = tn_calloc(2, sizeof(struct tn_field));
	s->cols[4].type.fields[0] = field("key", TN_STRING);
	s->cols[4].type.fields[1] = field("value", TN_INT32);
	s->cols[5] = field("pt", TN_STRUCT);
	s->cols[5].type.nfields = 2;
	s->cols[5].type.fields = tn_calloc(2, sizeof(struct tn_field));
	s->cols[5].type.fields[0] = field("x", TN_DOUBLE);
	s->cols[5].type.fields[1] = field("y", TN_DOUBLE);
	s->cols[6] = field("ts", TN_TIMESTAMP);
	s->cols[6].type.utc = true;
	s->cols[6].type.unit = TN_UNIT_MICROS;
	s->cols[7] = field("d", TN_DATE);
	s->cols[8] = field("raw", TN_BINARY);
}

static struct tn_bytes bytes(const char *s)
{
	struct tn_bytes b = {(const uint8_t *)s, (uint32_t)strlen(s)};

	return b;
}

/* Two rows: a full one and one of nulls / empties. */
static void fill(struct tn_batch *b)
{
	struct tn_vec *c = b->cols;

	b->nrows = 2;
	((int64_t *)c[0].values)[0] = -9007199254740993LL;
	tn_vec_need_nulls(&c[0], 2, &b->arena);
	c[0].nulls[1] = 1;
	((int64_t *)c[1].values)[0] = -1230;
	((int64_t *)c[1].values)[1] = 5;
	((struct tn_bytes *)c[2].values)[0] = bytes("a \"q\"\n\x01\xff é");
	((struct tn_bytes *)c[2].values)[1] = bytes("");
	/* tags: ["x", null] and [] */
	tn_vec_alloc(&c[3].children[0], &b->schema->cols[3].type.fields[0].type, 2, &b->arena);
	((struct tn_bytes *)c[3].children[0].values)[0] = bytes("x");
	tn_vec_need_nulls(&c[3].children[0], 2, &b->arena);
	c[3].children[0].nulls[1] = 1;
	c[3].children[0].len = 2;
	c[3].offsets[1] = 2;
	c[3].offsets[2] = 2;
	/* attrs: {"k": 7} and null */
	tn_vec_alloc(&c[4].children[0], &b->schema->cols[4].type.fields[0].type, 1, &b->arena);
	tn_vec_alloc(&c[4].children[1], &b->schema->cols[4].type.fields[1].type, 1, &b->arena);
	((struct tn_bytes *)c[4].children[0].values)[0] = bytes("k");
	((int32_t *)c[4].children[1].values)[0] = 7;
	c[4].offsets[1] = 1;
	c[4].offsets[2] = 1;
	tn_vec_need_nulls(&c[4], 2, &b->arena);
	c[4].nulls[1] = 1;
	/* pt: {1.5, NaN} and {null, -inf} */
	((double *)c[5].children[0].values)[0] = 1.5;
	((double *)c[5].children[1].values)[0] = NAN;
	tn_vec_need_nulls(&c[5].children[0], 2, &b->arena);
	c[5].children[0].nulls[1] = 1;
	((double *)c[5].children[1].values)[1] = -INFINITY;
	((int64_t *)c[6].values)[0] = 1540415658123456LL;
	((int64_t *)c[6].values)[1] = -1;
	((int32_t *)c[7].values)[0] = 0;
	((int32_t *)c[7].values)[1] = -1;
	((struct tn_bytes *)c[8].values)[0] = bytes("hello");
	((struct tn_bytes *)c[8].values)[1] = bytes("");
	for (int i = 0; i < 9; i++)
		c[i].len = 2;
	c[5].children[0].len = c[5].children[1].len = 2;
}

static void test_row_json(void **state)
{
	struct tn_schema s;
	struct tn_batch b;
	struct tn_buf out = TN_BUF_INIT;
	struct tn_err err;

	(void)state;
	make_schema(&s);
	tn_batch_init(&b, &s, 2);
	fill(&b);
	assert_int_equal(tn_row_json(&out, &b, 0, &err), TN_OK);
	assert_string_equal(out.data,
			    "{\"id\":-9007199254740993,\"price\":\"-12.30\","
			    "\"name\":\"a \\\"q\\\"\\n\\u0001\xef\xbf\xbd \xc3\xa9\","
			    "\"tags\":[\"x\",null],\"attrs\":[{\"key\":\"k\",\"value\":7}],"
			    "\"pt\":{\"x\":1.5,\"y\":\"NaN\"},\"ts\":\"2018-10-24T21:14:18.123456Z\","
			    "\"d\":\"1970-01-01\",\"raw\":\"aGVsbG8=\"}");
	tn_buf_reset(&out);
	assert_int_equal(tn_row_json(&out, &b, 1, &err), TN_OK);
	assert_string_equal(out.data,
			    "{\"id\":null,\"price\":\"0.05\",\"name\":\"\",\"tags\":[],\"attrs\":null,"
			    "\"pt\":{\"x\":null,\"y\":\"-Infinity\"},"
			    "\"ts\":\"1969-12-31T23:59:59.999999Z\",\"d\":\"1969-12-31\",\"raw\":\"\"}");
	tn_buf_done(&out);
	tn_batch_done(&b);
	tn_schema_done(&s);
}

static void test_type_names(void **state)
{
	struct tn_schema s;
	char name[128];

	(void)state;
	make_schema(&s);
	assert_string_equal(tn_type_name(&s.cols[1].type, name, sizeof(name)), "decimal(5,2)");
	assert_string_equal(tn_type_name(&s.cols[3].type, name, sizeof(name)), "array<string>");
	assert_string_equal(tn_type_name(&s.cols[4].type, name, sizeof(name)), "map<string,int>");
	assert_string_equal(tn_type_name(&s.cols[5].type, name, sizeof(name)),
			    "struct<x:double,y:double>");
	assert_string_equal(tn_type_name(&s.cols[5].type, name, 10), "struct<x:");
	assert_int_equal(tn_schema_find(&s, "pt"), 5);
	assert_int_equal(tn_schema_find(&s, "PT"), -1);
	{
		struct tn_schema copy;

		tn_schema_copy(&copy, &s);
		assert_string_equal(tn_type_name(&copy.cols[4].type, name, sizeof(name)),
				    "map<string,int>");
		tn_schema_done(&copy);
	}
	tn_schema_done(&s);
}

static void test_numbers(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(tn_double_format(0.1, out), "0.1");
	assert_string_equal(tn_double_format(1e300, out), "1e+300");
	assert_string_equal(tn_double_format(10.0, out), "10.0");
	assert_string_equal(tn_double_format(-0.0, out), "-0.0");
	assert_string_equal(tn_double_format(5e-324, out), "5e-324");
	assert_true(strtod(tn_double_format(0.30000000000000004, out), NULL) == 0.30000000000000004);
	assert_string_equal(tn_float_format(1.1f, out), "1.1");
	assert_string_equal(tn_float_format(3.4028235e38f, out), "3.4028235e+38");
	assert_string_equal(tn_decimal_format(0, 2, out), "0.00");
	assert_string_equal(tn_decimal_format(-5, 3, out), "-0.005");
	assert_string_equal(tn_decimal_format(123, 0, out), "123");
	{
		__int128 big = (__int128)1 << 126;

		assert_string_equal(tn_decimal_format(-big, 38, out),
				    "-0.85070591730234615865843651857942052864");
	}
}

static void test_base64(void **state)
{
	struct tn_buf out = TN_BUF_INIT;

	(void)state;
	tn_base64(&out, (const uint8_t *)"", 0, NULL);
	tn_base64(&out, (const uint8_t *)"f", 1, NULL);
	tn_buf_putc(&out, ' ', NULL);
	tn_base64(&out, (const uint8_t *)"fo", 2, NULL);
	tn_buf_putc(&out, ' ', NULL);
	tn_base64(&out, (const uint8_t *)"foo", 3, NULL);
	tn_buf_putc(&out, ' ', NULL);
	tn_base64(&out, (const uint8_t *)"foobar", 6, NULL);
	assert_string_equal(out.data, "Zg== Zm8= Zm9v Zm9vYmFy");
	tn_buf_done(&out);
}

/* Write the batch in a format to a memory stream. Caller frees. */
static char *render(enum cli_format fmt, const struct tn_batch *b, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct cli_writer *w = cli_writer_new(f, fmt, b->schema);
	struct tn_err err;

	assert_int_equal(cli_writer_rows(w, b, n, &err), TN_OK);
	assert_int_equal(cli_writer_finish(w, &err), TN_OK);
	cli_writer_free(w);
	fclose(f);
	return text;
}

static void test_formats(void **state)
{
	struct tn_schema s;
	struct tn_batch b;
	enum cli_format fmt;
	struct tn_err err;
	char *t;

	(void)state;
	make_schema(&s);
	tn_batch_init(&b, &s, 2);
	fill(&b);
	assert_int_equal(cli_format_parse("jsonl", &fmt, &err), TN_OK);
	assert_int_equal(fmt, CLI_FMT_JSONL);
	assert_int_equal(cli_format_parse("xml", &fmt, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "unknown format 'xml'"));

	t = render(CLI_FMT_CSV, &b, 2);
	{
		const char *want = "id,price,name,tags,attrs,pt,ts,d,raw\n"
				   "-9007199254740993,-12.30,\"a \"\"q\"\"\n";

		assert_true(strncmp(t, want, strlen(want)) == 0);
	}
	/* A null is an empty field; an empty string is "". */
	assert_non_null(strstr(t, "\n,0.05,\"\",[],,"));
	free(t);

	t = render(CLI_FMT_TSV, &b, 1);
	assert_non_null(strstr(t, "\t-12.30\ta \"q\"\\n"));
	free(t);

	t = render(CLI_FMT_MARKDOWN, &b, 1);
	assert_true(strncmp(t, "| id | price | name |", 20) == 0);
	assert_non_null(strstr(t, "\n|---|---|"));
	free(t);

	t = render(CLI_FMT_JSON, &b, 2);
	assert_true(strncmp(t, "[\n{\"id\":-9007199254740993,", 26) == 0);
	assert_non_null(strstr(t, "},\n{\"id\":null"));
	assert_true(strcmp(t + strlen(t) - 3, "\n]\n") == 0);
	free(t);

	t = render(CLI_FMT_TABLE, &b, 2);
	assert_true(strncmp(t, "+----", 5) == 0);
	assert_non_null(strstr(t, "| id                "));
	assert_non_null(strstr(t, "| NULL "));
	assert_non_null(strstr(t, "\n2 rows\n"));
	free(t);

	t = render(CLI_FMT_JSON, &b, 0);
	assert_string_equal(t, "[]\n");
	free(t);
	t = render(CLI_FMT_CSV, &b, 0);
	assert_string_equal(t, "id,price,name,tags,attrs,pt,ts,d,raw\n");
	free(t);

	tn_batch_done(&b);
	tn_schema_done(&s);
}

/* Rows taken from two batches, in a new order, read the same as the
 * originals, and outlive them. */
static void test_gather(void **state)
{
	struct tn_schema s;
	struct tn_batch a, b, g;
	const struct tn_batch *src[2] = {&a, &b};
	const struct tn_rowref refs[3] = {{1, 1}, {0, 0}, {1, 0}};
	struct tn_buf want = TN_BUF_INIT, got = TN_BUF_INIT;
	char *copy;

	(void)state;
	make_schema(&s);
	tn_batch_init(&a, &s, 2);
	fill(&a);
	tn_batch_init(&b, &s, 2);
	fill(&b);
	copy = tn_strdup("zz");
	((struct tn_bytes *)b.cols[2].values)[1] = bytes(copy);
	tn_batch_gather(&g, &s, src, 2, refs, 3);
	for (size_t i = 0; i < 3; i++) {
		tn_buf_reset(&want);
		assert_int_equal(tn_row_json(&want, src[refs[i].batch], refs[i].row, NULL), TN_OK);
		tn_buf_reset(&got);
		assert_int_equal(tn_row_json(&got, &g, i, NULL), TN_OK);
		assert_string_equal(got.data, want.data);
	}
	free(copy);
	tn_batch_done(&a);
	tn_batch_done(&b);
	tn_buf_reset(&got);
	assert_int_equal(tn_row_json(&got, &g, 0, NULL), TN_OK);
	assert_non_null(strstr(got.data, "\"name\":\"zz\""));
	tn_batch_done(&g);
	tn_buf_done(&want);
	tn_buf_done(&got);
	tn_schema_done(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row_json),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_gather),
	};

	return cmocka_run_group_tests_name("vec", tests, NULL, NULL);
}
