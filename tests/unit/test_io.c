/* test_io.c - the CSV and JSON-lines readers: quoting, line ends, nulls,
 * type inference and widening, given schemas, rescue, errors that name the
 * line, files longer than a read chunk. */
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
#include "io/textio.h"
#include "io/textio_int.h"

static char dir[256];
static struct store *st;

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tarn-io-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
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

static void put_file(const char *name, const void *p, size_t n)
{
	assert_int_equal(store_write(st, name, p, n, NULL), TN_OK);
}

/* Write text to name, read it all with o, and give back the rows as
 * canonical JSON lines (caller frees) and the column types as
 * "name:type,..." in types (when not NULL). NULL on error, in err. */
static char *read_rows(const char *name, const char *text, const struct tio_opts *o, char *types,
		       size_t ntypes, struct tn_err *err)
{
	struct tio_reader *r;
	struct tn_batch b = {0};
	struct tn_buf out = TN_BUF_INIT;
	int rc;

	if (text != NULL)
		put_file(name, text, strlen(text));
	rc = tio_open(st, name, o, &r, err);
	if (rc != TN_OK)
		return NULL;
	if (types != NULL) {
		const struct tn_schema *s = tio_schema(r);

		types[0] = '\0';
		for (size_t i = 0; i < s->ncols; i++) {
			char t[64];

			snprintf(types + strlen(types), ntypes - strlen(types), "%s%s:%s",
				 i ? "," : "", s->cols[i].name,
				 tn_type_name(&s->cols[i].type, t, sizeof(t)));
		}
	}
	tn_buf_init(&out, 0);
	tn_buf_puts(&out, "", NULL);
	for (;;) {
		rc = tio_next(r, &b, err);
		if (rc != TN_OK || b.nrows == 0)
			break;
		for (size_t i = 0; i < b.nrows; i++) {
			assert_int_equal(tn_row_json(&out, &b, i, NULL), TN_OK);
			tn_buf_putc(&out, '\n', NULL);
		}
	}
	tn_batch_done(&b);
	tio_close(r);
	if (rc != TN_OK) {
		tn_buf_done(&out);
		return NULL;
	}
	return tn_buf_detach(&out, NULL);
}

/* Read and compare with the expected rows (and types when want_types). */
static void check(const char *name, const char *text, const struct tio_opts *o,
		  const char *want_types, const char *want_rows)
{
	struct tn_err err;
	char types[1024];
	char *rows = read_rows(name, text, o, types, sizeof(types), &err);

	if (rows == NULL)
		fail_msg("%s: %s", name, err.msg);
	if (want_types != NULL)
		assert_string_equal(types, want_types);
	assert_string_equal(rows, want_rows);
	free(rows);
}

/* Read and expect an error whose message holds want. */
static void check_error(const char *name, const char *text, const struct tio_opts *o, int code,
			const char *want)
{
	struct tn_err err;
	char *rows = read_rows(name, text, o, NULL, 0, &err);

	if (rows != NULL)
		fail_msg("%s: no error; rows:\n%s", name, rows);
	assert_int_equal(err.code, code);
	if (strstr(err.msg, want) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", name, err.msg, want);
}

/* ---- CSV ---- */

static void test_csv_quoting(void **state)
{
	(void)state;
	/* Delimiters, "" and newlines (LF and CRLF) inside quotes; CRLF record
	 * ends; a byte order mark; no newline at the end. */
	check("q.csv",
	      "\xef\xbb\xbf"
	      "a,b\r\n"
	      "\"x, y\",\"say \"\"hi\"\"\"\r\n"
	      "\"two\nlines\",\"crlf\r\ninside\"\r\n"
	      "plain,\"\"\r\n"
	      "last,row",
	      NULL, "a:string,b:string",
	      "{\"a\":\"x, y\",\"b\":\"say \\\"hi\\\"\"}\n"
	      "{\"a\":\"two\\nlines\",\"b\":\"crlf\\r\\ninside\"}\n"
	      "{\"a\":\"plain\",\"b\":\"\"}\n"
	      "{\"a\":\"last\",\"b\":\"row\"}\n");
	/* Lone CR line ends, empty lines skipped, a quote inside an unquoted
	 * field kept. */
	check("cr.csv", "a,b\r1,x\"y\r\r\n\n2,z\r", NULL, "a:bigint,b:string",
	      "{\"a\":1,\"b\":\"x\\\"y\"}\n{\"a\":2,\"b\":\"z\"}\n");
}

static void test_csv_nulls(void **state)
{
	(void)state;
	/* Empty unquoted is null; empty quoted is "" in a string column and
	 * null in any other; a missing last field is null. */
	check("n.csv", "s,i,d\n,1,\n\"\",\"\",1.5\nx,,\n", NULL, "s:string,i:bigint,d:double",
	      "{\"s\":null,\"i\":1,\"d\":null}\n"
	      "{\"s\":\"\",\"i\":null,\"d\":1.5}\n"
	      "{\"s\":\"x\",\"i\":null,\"d\":null}\n");
	/* A column of nulls only is a string column. */
	check("allnull.csv", "a,b\n1,\n2,\n", NULL, "a:bigint,b:string",
	      "{\"a\":1,\"b\":null}\n{\"a\":2,\"b\":null}\n");
}

static void test_csv_inference(void **state)
{
	(void)state;
	check("t.csv",
	      "b,i,d,dt,ts,s\n"
	      "true,1,1.5,2020-01-01,2020-01-01 10:00:00,x\n"
	      "FALSE,-9223372036854775808,-2e3,1999-12-31,2020-01-01T10:00:00.5+02:00,2020-13-01\n"
	      "True,42,.5,2000-02-29,2020-06-30T23:59:59Z,12:00\n",
	      NULL, "b:boolean,i:bigint,d:double,dt:date,ts:timestamp,s:string",
	      "{\"b\":true,\"i\":1,\"d\":1.5,\"dt\":\"2020-01-01\",\"ts\":\"2020-01-01T10:00:00.000000Z\",\"s\":\"x\"}\n"
	      "{\"b\":false,\"i\":-9223372036854775808,\"d\":-2000.0,\"dt\":\"1999-12-31\",\"ts\":\"2020-01-01T08:00:00.500000Z\",\"s\":\"2020-13-01\"}\n"
	      "{\"b\":true,\"i\":42,\"d\":0.5,\"dt\":\"2000-02-29\",\"ts\":\"2020-06-30T23:59:59.000000Z\",\"s\":\"12:00\"}\n");
	/* Widening: bigint and double make double, date and timestamp make
	 * timestamp, an integer too big for bigint is a double; other mixes
	 * are strings. */
	check("w.csv",
	      "id,dt,big,bi,di,bs\n"
	      "1,2020-01-01,1,true,1,true\n"
	      "2.5,2020-01-02 03:04:05,99999999999999999999,1,2020-01-01,x\n",
	      NULL, "id:double,dt:timestamp,big:double,bi:string,di:string,bs:string",
	      "{\"id\":1.0,\"dt\":\"2020-01-01T00:00:00.000000Z\",\"big\":1.0,\"bi\":\"true\",\"di\":\"1\",\"bs\":\"true\"}\n"
	      "{\"id\":2.5,\"dt\":\"2020-01-02T03:04:05.000000Z\",\"big\":1e+20,\"bi\":\"1\",\"di\":\"2020-01-01\",\"bs\":\"x\"}\n");
}

static void test_csv_names_and_delimiters(void **state)
{
	struct tio_opts o;

	(void)state;
	/* Empty names become columnN (0-based), repeats get _1, _2. */
	check("names.csv", "a,,A,a\n1,2,3,4\n", NULL, "a:bigint,column1:bigint,A_1:bigint,a_2:bigint",
	      "{\"a\":1,\"column1\":2,\"A_1\":3,\"a_2\":4}\n");
	/* No header: column0, column1, ... padded when there are ten or more. */
	tio_opts_init(&o);
	o.header = false;
	check("nh.csv", "1,x\n2,y\n", &o, "column0:bigint,column1:string",
	      "{\"column0\":1,\"column1\":\"x\"}\n{\"column0\":2,\"column1\":\"y\"}\n");
	check("nh10.csv", "0,1,2,3,4,5,6,7,8,9,10\n", &o,
	      "column00:bigint,column01:bigint,column02:bigint,column03:bigint,column04:bigint,"
	      "column05:bigint,column06:bigint,column07:bigint,column08:bigint,column09:bigint,"
	      "column10:bigint",
	      "{\"column00\":0,\"column01\":1,\"column02\":2,\"column03\":3,\"column04\":4,"
	      "\"column05\":5,\"column06\":6,\"column07\":7,\"column08\":8,\"column09\":9,"
	      "\"column10\":10}\n");
	/* A .tsv file is tab-separated; another delimiter by option. */
	check("t.tsv", "a\tb\n1,5\t\"x\ty\"\n", NULL, "a:string,b:string",
	      "{\"a\":\"1,5\",\"b\":\"x\\ty\"}\n");
	tio_opts_init(&o);
	check("semi.txt", "a;b\n1;2,5\n", &(struct tio_opts){.format = TIO_CSV, .delimiter = ';', .header = true},
	      "a:bigint,b:string", "{\"a\":1,\"b\":\"2,5\"}\n");
	o.delimiter = '"';
	check_error("semi.csv", "a\n", &o, TN_EINVAL, "delimiter");
	check_error("what.txt", "a\n", NULL, TN_EINVAL, "unknown text format");
	assert_int_equal(tio_format_from_path("x/y.NDJSON"), TIO_JSONL);
	assert_int_equal(tio_format_from_path("x.json/y"), TIO_AUTO);
	assert_int_equal(tio_format_from_path("y.TSV"), TIO_CSV);
}

static void test_csv_errors(void **state)
{
	struct tio_opts o;

	(void)state;
	check_error("unterminated.csv", "a,b\n1,2\n3,\"never\nends\n", NULL, TN_ECORRUPT,
		    "unterminated.csv: line 3, column 2: a quoted field that never ends");
	check_error("after.csv", "a,b\n1,\"x\"y\n", NULL, TN_ECORRUPT,
		    "after.csv: line 2, column 2: a character after the closing quote");
	/* Line numbers count the newlines inside quoted fields. */
	check_error("count.csv", "a,b\n\"1\n2\n3\",x\ny\n", NULL, TN_ECORRUPT,
		    "count.csv: line 5: 1 fields where the header has 2");
	check_error("empty.csv", "", NULL, TN_EINVAL, "empty.csv: the file is empty");
	tio_opts_init(&o);
	o.header = false;
	check_error("empty2.csv", "\n\n", &o, TN_EINVAL, "no records");
	check_error("nofile.csv", NULL, NULL, TN_ENOENT, "nofile.csv");
	/* A value past the rows read for inference that does not fit. */
	o.header = true;
	o.infer_rows = 2;
	check_error("late.csv", "a,b\n1,x\n2,y\nthree,z\n", &o, TN_EINVAL,
		    "late.csv: line 4, column 1 (a): \"three\" is not a valid bigint");
	check_error("utf8.csv", "a\n\xff\xfe\n", NULL, TN_EINVAL,
		    "utf8.csv: line 2, column 1 (a): \"\xef\xbf\xbd\xef\xbf\xbd\" is not a valid string: not UTF-8");
}

static struct tn_field field(const char *name, enum tn_kind kind);

static void test_csv_rescue(void **state)
{
	struct tn_schema s = {0};
	struct tio_opts o;

	(void)state;
	tio_opts_init(&o);
	o.infer_rows = 2;
	o.rescue = true;
	check("r.csv", "a,b\n1,x\n2,y\nthree,z\n4,w,extra\n5\n", &o,
	      "a:bigint,b:string,_rescued_data:string",
	      "{\"a\":1,\"b\":\"x\",\"_rescued_data\":null}\n"
	      "{\"a\":2,\"b\":\"y\",\"_rescued_data\":null}\n"
	      "{\"a\":null,\"b\":\"z\",\"_rescued_data\":\"{\\\"a\\\":\\\"three\\\",\\\"_file_path\\\":\\\"r.csv\\\"}\"}\n"
	      "{\"a\":4,\"b\":\"w\",\"_rescued_data\":\"{\\\"_c2\\\":\\\"extra\\\",\\\"_file_path\\\":\\\"r.csv\\\"}\"}\n"
	      "{\"a\":5,\"b\":null,\"_rescued_data\":null}\n");
	/* A schema's rescue column is not a field of a file without a header. */
	s.ncols = 3;
	s.cols = tn_calloc(s.ncols, sizeof(*s.cols));
	s.cols[0] = field("id", TN_INT64);
	s.cols[1] = field(TIO_RESCUED_COLUMN, TN_STRING);
	s.cols[2] = field("name", TN_STRING);
	tio_opts_init(&o);
	o.schema = &s;
	o.header = false;
	check("rpos.csv", "1,a\n", &o, "id:bigint,_rescued_data:string,name:string",
	      "{\"id\":1,\"_rescued_data\":null,\"name\":\"a\"}\n");
	o.rescue = true;
	check("rpos2.csv", "x,a,more\n", &o, "id:bigint,_rescued_data:string,name:string",
	      "{\"id\":null,\"_rescued_data\":\"{\\\"id\\\":\\\"x\\\",\\\"_c2\\\":\\\"more\\\","
	      "\\\"_file_path\\\":\\\"rpos2.csv\\\"}\",\"name\":\"a\"}\n");
	tn_schema_done(&s);
}

static struct tn_field field(const char *name, enum tn_kind kind)
{
	struct tn_field f;

	memset(&f, 0, sizeof(f));
	f.name = tn_strdup(name);
	f.type.kind = kind;
	f.nullable = true;
	return f;
}

static void test_csv_schema(void **state)
{
	struct tn_schema s = {0};
	struct tio_opts o;

	(void)state;
	s.ncols = 6;
	s.cols = tn_calloc(s.ncols, sizeof(*s.cols));
	s.cols[0] = field("Id", TN_INT32);
	s.cols[1] = field("price", TN_DECIMAL);
	s.cols[1].type.precision = 6;
	s.cols[1].type.scale = 2;
	s.cols[2] = field("day", TN_DATE);
	s.cols[3] = field("at", TN_TIMESTAMP);
	s.cols[3].type.unit = TN_UNIT_MICROS;
	s.cols[3].type.utc = true;
	s.cols[4] = field("name", TN_STRING);
	s.cols[5] = field("f", TN_FLOAT);
	tio_opts_init(&o);
	o.schema = &s;
	/* Header columns by name (any case) in any order; columns the file
	 * lacks are null; decimals round half away from zero. */
	check("s.csv", "NAME,price,id,day,at\nx,1.005,7,2020-01-01,2020-01-01\ny,-0.5,-8,,\n", &o,
	      "Id:int,price:decimal(6,2),day:date,at:timestamp,name:string,f:float",
	      "{\"Id\":7,\"price\":\"1.01\",\"day\":\"2020-01-01\",\"at\":\"2020-01-01T00:00:00.000000Z\",\"name\":\"x\",\"f\":null}\n"
	      "{\"Id\":-8,\"price\":\"-0.50\",\"day\":null,\"at\":null,\"name\":\"y\",\"f\":null}\n");
	check_error("range.csv", "id\n2147483648\n", &o, TN_EINVAL,
		    "range.csv: line 2, column 1 (Id): \"2147483648\" is not a valid int: out of range");
	check_error("dec.csv", "price\n10000\n", &o, TN_EINVAL, "out of range");
	check_error("unknown.csv", "id,what\n1,2\n", &o, TN_EINVAL,
		    "unknown.csv: column 2 of the header, \"what\", is not a column of the schema");
	check_error("twice.csv", "id,ID\n1,2\n", &o, TN_EINVAL, "names column Id twice");
	/* Without a header, by position. */
	o.header = false;
	check("pos.csv", "1,2.5,,,,\n", &o, NULL,
	      "{\"Id\":1,\"price\":\"2.50\",\"day\":null,\"at\":null,\"name\":null,\"f\":null}\n");
	/* With rescue, unknown columns and bad values go to _rescued_data. */
	o.header = true;
	o.rescue = true;
	check("sr.csv", "id,what,day\n1,2,2020-02-30\n", &o,
	      "Id:int,price:decimal(6,2),day:date,at:timestamp,name:string,f:float,"
	      "_rescued_data:string",
	      "{\"Id\":1,\"price\":null,\"day\":null,\"at\":null,\"name\":null,\"f\":null,"
	      "\"_rescued_data\":\"{\\\"what\\\":\\\"2\\\",\\\"day\\\":\\\"2020-02-30\\\","
	      "\\\"_file_path\\\":\\\"sr.csv\\\"}\"}\n");
	/* Nested columns cannot be read from text. */
	tn_schema_done(&s);
	s.ncols = 1;
	s.cols = tn_calloc(1, sizeof(*s.cols));
	s.cols[0] = field("l", TN_LIST);
	s.cols[0].type.nfields = 1;
	s.cols[0].type.fields = tn_calloc(1, sizeof(struct tn_field));
	s.cols[0].type.fields[0] = field("element", TN_INT32);
	check_error("nested.csv", "l\n1\n", &o, TN_EUNSUPPORTED, "nested");
	tn_schema_done(&s);
}

/* A file of several read chunks, with quoted values that span chunk
 * boundaries, read in small batches. */
static void test_csv_big(void **state)
{
	struct tn_buf text = TN_BUF_INIT;
	struct tio_opts o;
	struct tio_reader *r;
	struct tn_batch b = {0};
	struct tn_err err;
	size_t rows = 0, batches = 0;
	int64_t sum = 0;
	const size_t n = 20000;

	(void)state;
	tn_buf_init(&text, 0);
	tn_buf_puts(&text, "id,text,v\r\n", NULL);
	for (size_t i = 0; i < n; i++)
		tn_buf_printf(&text, NULL, "%zu,\"row %zu, \"\"quoted\"\"\nsecond line\",%s\r\n", i, i,
			      i == n - 1 ? "0.5" : "1");
	assert_true(text.len > 3 * TIO_CHUNK);
	put_file("big.csv", text.data, text.len);
	tio_opts_init(&o);
	o.batch_rows = 1000;
	assert_int_equal(tio_open(st, "big.csv", &o, &r, &err), TN_OK);
	/* The last row (past inference) widens nothing: v was inferred as bigint
	 * from the first 10000 rows, and 0.5 does not fit: its batch fails. */
	for (;;) {
		int rc = tio_next(r, &b, &err);

		if (rc != TN_OK) {
			assert_non_null(strstr(err.msg, "big.csv: line 40001, column 3 (v): \"0.5\""));
			break;
		}
		if (b.nrows == 0)
			break;
		batches++;
		for (size_t i = 0; i < b.nrows; i++) {
			const struct tn_bytes *s = &((const struct tn_bytes *)b.cols[1].values)[i];
			char want[64];

			snprintf(want, sizeof(want), "row %zu, \"quoted\"\nsecond line", rows);
			assert_int_equal(((const int64_t *)b.cols[0].values)[i], (int64_t)rows);
			assert_int_equal(s->len, strlen(want));
			assert_memory_equal(s->ptr, want, s->len);
			sum += ((const int64_t *)b.cols[2].values)[i];
			rows++;
		}
	}
	assert_int_equal(rows, n - 1000);
	assert_int_equal(sum, (int64_t)(n - 1000));
	assert_int_equal(batches, n / 1000 - 1);
	/* The error stays. */
	assert_int_equal(tio_next(r, &b, &err), TN_EINVAL);
	tn_batch_done(&b);
	tio_close(r);

	/* Read whole with more inference rows: v is double. */
	o.infer_rows = n + 10;
	assert_int_equal(tio_open(st, "big.csv", &o, &r, &err), TN_OK);
	assert_int_equal(tio_schema(r)->cols[2].type.kind, TN_DOUBLE);
	rows = 0;
	while (tio_next(r, &b, &err) == TN_OK && b.nrows > 0)
		rows += b.nrows;
	assert_int_equal(rows, n);
	tn_batch_done(&b);
	tio_close(r);
	tn_buf_done(&text);
}

/* ---- JSON lines ---- */

static void test_jsonl_inference(void **state)
{
	(void)state;
	/* Keys in order of first appearance; absent keys and null are null;
	 * blank lines skipped; objects and arrays become compact JSON text;
	 * dates stay strings; integers keep every digit. */
	check("j.jsonl",
	      "{\"id\": 1, \"name\": \"a\", \"tags\": [\"x\", {\"k\" : null}], \"when\": \"2020-01-01\"}\n"
	      "\n"
	      "  \r\n"
	      "{\"id\":9007199254740993,\"ok\":true,\"name\":null}\r\n"
	      "{\"score\":1.5,\"id\":-3,\"tags\":{}}",
	      NULL, "id:bigint,name:string,tags:string,when:string,ok:boolean,score:double",
	      "{\"id\":1,\"name\":\"a\",\"tags\":\"[\\\"x\\\",{\\\"k\\\":null}]\",\"when\":\"2020-01-01\",\"ok\":null,\"score\":null}\n"
	      "{\"id\":9007199254740993,\"name\":null,\"tags\":null,\"when\":null,\"ok\":true,\"score\":null}\n"
	      "{\"id\":-3,\"name\":null,\"tags\":\"{}\",\"when\":null,\"ok\":null,\"score\":1.5}\n");
	/* Integers and doubles make double; anything else mixed is a string
	 * holding the value's JSON text. */
	check("mix.ndjson", "{\"a\":1,\"b\":1,\"c\":\"s\"}\n{\"a\":2.5,\"b\":true,\"c\":[1]}\n", NULL,
	      "a:double,b:string,c:string",
	      "{\"a\":1.0,\"b\":\"1\",\"c\":\"s\"}\n{\"a\":2.5,\"b\":\"true\",\"c\":\"[1]\"}\n");
	/* Escapes, surrogate pairs, a lone surrogate; keys differing in case
	 * are one column. */
	check("esc.json", "{\"s\":\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\ud800x\",\"S\":\"y\"}\n",
	      NULL, "s:string",
	      "{\"s\":\"y\"}\n");
	check("esc2.json", "{\"s\":\"a\\\"\\\\\\/\\n\\t\\u00e9\\ud83d\\ude00\\ud800x\"}\n", NULL,
	      "s:string", "{\"s\":\"a\\\"\\\\/\\n\\t\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx\"}\n");
	/* An empty file has no columns and no rows. */
	check("empty.jsonl", "", NULL, "", "");
}

static void test_jsonl_errors(void **state)
{
	struct tio_opts o;

	(void)state;
	check_error("bad.jsonl", "{\"a\":1}\n{\"a\":2,}\n", NULL, TN_ECORRUPT,
		    "bad.jsonl: line 2, character 8: expected a key in quotes");
	check_error("arr.json", "[{\"a\":1}]\n", NULL, TN_ECORRUPT,
		    "arr.json: line 1, character 1: a JSON array");
	check_error("pretty.json", "{\n  \"a\": 1\n}\n", NULL, TN_ECORRUPT,
		    "pretty.json: line 1, character 2: expected a key in quotes");
	check_error("more.jsonl", "{\"a\":1} {\"a\":2}\n", NULL, TN_ECORRUPT,
		    "line 1, character 9: more after the object");
	check_error("num.jsonl", "{\"a\":01}\n", NULL, TN_ECORRUPT, "character 7: expected ',' or '}'");
	check_error("str.jsonl", "{\"a\":\"x\n", NULL, TN_ECORRUPT, "a string that never ends");
	check_error("deep.jsonl",
		    "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}\n",
		    NULL, TN_ECORRUPT, "nested more than 64 deep");
	/* A key that first appears after the inference rows, a value that
	 * does not fit. */
	tio_opts_init(&o);
	o.infer_rows = 1;
	check_error("late.jsonl", "{\"a\":1}\n{\"a\":2,\"b\":3}\n", &o, TN_EINVAL,
		    "late.jsonl: line 2, key \"b\": not a column");
	check_error("late2.jsonl", "{\"a\":1}\n\n{\"a\":\"x\"}\n", &o, TN_EINVAL,
		    "late2.jsonl: line 3, key \"a\": \"x\" is not a valid bigint");
	/* With rescue they are kept as JSON. */
	o.rescue = true;
	check("late3.jsonl", "{\"a\":1}\n{\"a\":\"x\",\"b\":[1, 2],\"c\":null}\n{\"a\":true}\n", &o,
	      "a:bigint,_rescued_data:string",
	      "{\"a\":1,\"_rescued_data\":null}\n"
	      "{\"a\":null,\"_rescued_data\":\"{\\\"a\\\":\\\"x\\\",\\\"b\\\":[1,2],\\\"_file_path\\\":\\\"late3.jsonl\\\"}\"}\n"
	      "{\"a\":null,\"_rescued_data\":\"{\\\"a\\\":true,\\\"_file_path\\\":\\\"late3.jsonl\\\"}\"}\n");
	/* A rescued value that is not UTF-8 is kept as a string. */
	check("late4.jsonl", "{\"a\":1}\n{\"a\":[\"\xff\"]}\n", &o, NULL,
	      "{\"a\":1,\"_rescued_data\":null}\n"
	      "{\"a\":null,\"_rescued_data\":\"{\\\"a\\\":\\\"[\\\\\\\"\xef\xbf\xbd\\\\\\\"]\\\","
	      "\\\"_file_path\\\":\\\"late4.jsonl\\\"}\"}\n");
}

static void test_jsonl_schema(void **state)
{
	struct tn_schema s = {0};
	struct tio_opts o;

	(void)state;
	s.ncols = 3;
	s.cols = tn_calloc(s.ncols, sizeof(*s.cols));
	s.cols[0] = field("id", TN_INT16);
	s.cols[1] = field("at", TN_DATE);
	s.cols[2] = field("raw", TN_STRING);
	tio_opts_init(&o);
	o.schema = &s;
	/* Strings parse into typed columns; any value into a string column
	 * as its text. */
	check("s.jsonl", "{\"AT\":\"2021-03-04\",\"id\":\"12\",\"raw\":{\"x\":1.50}}\n{\"raw\":false}\n",
	      &o, "id:smallint,at:date,raw:string",
	      "{\"id\":12,\"at\":\"2021-03-04\",\"raw\":\"{\\\"x\\\":1.50}\"}\n"
	      "{\"id\":null,\"at\":null,\"raw\":\"false\"}\n");
	check_error("s2.jsonl", "{\"id\":40000}\n", &o, TN_EINVAL,
		    "s2.jsonl: line 1, key \"id\": \"40000\" is not a valid smallint: out of range");
	check_error("s3.jsonl", "{\"id\":1,\"zz\":1}\n", &o, TN_EINVAL,
		    "s3.jsonl: line 1, key \"zz\": not a column of the schema");
	tn_schema_done(&s);
}

/* ---- conversions ---- */

static void test_parse_values(void **state)
{
	struct tn_arena a;
	struct tn_type t = {0};
	struct tn_err err;
	union {
		int64_t i;
		uint64_t u;
		double d;
		__int128 q;
		struct tn_bytes b;
	} v;

	(void)state;
	tn_arena_init(&a, 0);
	t.kind = TN_UINT8;
	assert_int_equal(tio_parse(&t, "255", 3, &v, &a, &err), TN_OK);
	assert_int_equal(tio_parse(&t, "-1", 2, &v, &a, &err), TN_EINVAL);
	assert_int_equal(tio_parse(&t, "256", 3, &v, &a, &err), TN_EINVAL);
	t.kind = TN_UINT64;
	assert_int_equal(tio_parse(&t, "18446744073709551615", 20, &v, &a, &err), TN_OK);
	assert_true(v.u == UINT64_MAX);
	t.kind = TN_DOUBLE;
	assert_int_equal(tio_parse(&t, "-Infinity", 9, &v, &a, &err), TN_OK);
	assert_true(v.d < -1e308);
	assert_int_equal(tio_parse(&t, "1e", 2, &v, &a, &err), TN_EINVAL);
	assert_int_equal(tio_parse(&t, "0x10", 4, &v, &a, &err), TN_EINVAL);
	t.kind = TN_DECIMAL;
	t.precision = 38;
	t.scale = 3;
	assert_int_equal(tio_parse(&t, "-12.3456", 8, &v, &a, &err), TN_OK);
	assert_true(v.q == -12346);
	assert_int_equal(tio_parse(&t, "1.2.3", 5, &v, &a, &err), TN_EINVAL);
	assert_int_equal(tio_parse(&t, ".", 1, &v, &a, &err), TN_EINVAL);
	t.kind = TN_UUID;
	assert_int_equal(tio_parse(&t, "123e4567-e89b-12d3-a456-426614174000", 36, &v, &a, &err),
			 TN_OK);
	assert_int_equal(v.b.len, 16);
	assert_int_equal(v.b.ptr[0], 0x12);
	assert_int_equal(v.b.ptr[15], 0x00);
	assert_int_equal(tio_parse(&t, "123e4567-e89b-12d3-a456-42661417400g", 36, &v, &a, &err),
			 TN_EINVAL);
	t.kind = TN_TIME;
	t.unit = TN_UNIT_MILLIS;
	assert_int_equal(tio_parse(&t, "01:02:03.5", 10, &v, &a, &err), TN_OK);
	assert_int_equal(v.i, 3723500);
	t.kind = TN_TIMESTAMP;
	t.unit = TN_UNIT_NANOS;
	assert_int_equal(tio_parse(&t, "1970-01-01T00:00:01.000001", 26, &v, &a, &err), TN_OK);
	assert_int_equal(v.i, 1000001000);
	t.kind = TN_BOOL;
	assert_int_equal(tio_parse(&t, "0", 1, &v, &a, &err), TN_OK);
	assert_int_equal(tio_parse(&t, "yes", 3, &v, &a, &err), TN_EINVAL);
	assert_string_equal(err.msg, "\"yes\" is not a valid boolean");
	/* A NUL inside a value is not a number. */
	t.kind = TN_INT64;
	assert_int_equal(tio_parse(&t, "1\0002", 3, &v, &a, &err), TN_EINVAL);
	tn_arena_done(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_quoting),
		cmocka_unit_test(test_csv_nulls),
		cmocka_unit_test(test_csv_inference),
		cmocka_unit_test(test_csv_names_and_delimiters),
		cmocka_unit_test(test_csv_errors),
		cmocka_unit_test(test_csv_rescue),
		cmocka_unit_test(test_csv_schema),
		cmocka_unit_test(test_csv_big),
		cmocka_unit_test(test_jsonl_inference),
		cmocka_unit_test(test_jsonl_errors),
		cmocka_unit_test(test_jsonl_schema),
		cmocka_unit_test(test_parse_values),
	};

	return cmocka_run_group_tests_name("io", tests, setup, teardown);
}
