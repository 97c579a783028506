/* pq_gen.c - writes Parquet files covering every tarn type with tarn's
 * writer, each with the rows it holds in canonical JSONL, for
 * tests/roundtrip/parquet.sh to read back with tarn and DuckDB.
 *   tests/roundtrip/pq_gen OUTDIR
 * writes OUTDIR/NAME.parquet and OUTDIR/NAME.expected.jsonl for every case
 * and prints the names, one a line.
 *
 * A case is a schema in a small notation and rows as JSON. The schema:
 * "name:type" fields separated by commas, nullable unless the type ends in
 * '!'; types bool i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 dec(P,S) str json
 * bin uuid date time_ms time_us time_ns ts_ms ts_us ts_ns (without time
 * zone) tsz_ms tsz_us tsz_ns (UTC), list<T>, map<K,V>, struct<name:T,...>.
 * Values: JSON null; numbers, or strings for integers JSON cannot hold
 * exactly and for "NaN", "Infinity", "-Infinity", "-0"; decimals as the
 * unscaled integer in a string; bin as hex; uuid as 32 hex digits; date,
 * time and timestamps as integers in their unit; lists as arrays; maps as
 * arrays of [key, value]; structs as objects. The batches are built from
 * these by hand (vectors, offsets, null bitmaps), and the expected rows are
 * tn_row_json of those batches: what the writer was given.
 *
 * The values avoid three spellings that DuckDB's side of the comparison
 * (canon.mjs) cannot give back, none of them a difference in the file:
 * FLOAT subnormals (DuckDB widens to double and prints 1.401298464324817e-45
 * for what tarn prints as the float's shortest form, 1e-45, further apart
 * than jsonl_compare.py's tolerance), TIME(NANOS) of a whole second (printed
 * without a fraction), and binary values with a backslash followed by 'x'
 * (DuckDB does not escape the backslash, so the \xHH escapes it uses for
 * other bytes become ambiguous). tests/roundtrip/duckdb_norm.py has the
 * differences that no choice of values avoids.
 *
 *   tests/roundtrip/pq_gen --rows SPEC ROWS.jsonl OUT [--table
 *       [--partition-by A,B] [--property K=V]...]
 * writes the rows of ROWS.jsonl (objects in the notation above) with the
 * schema SPEC to the Parquet file OUT, or with --table creates the Delta
 * table OUT holding them: particular rows for the tests of other layers. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/valfmt.h"
#include "delta/delta.h"
#include "parquet/parquet.h"

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pq_gen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ------------------------------------------------------------ schema notation */

static void parse_type(const char **p, struct tn_type *t);

static char *parse_name(const char **p)
{
	const char *s = *p;

	while (**p && **p != ':')
		(*p)++;
	if (**p != ':')
		die("schema: no ':' after a name at '%s'", s);
	return tn_strndup(s, (size_t)(*p)++ - (size_t)s);
}

/* One field: name:type[!]. */
static void parse_field(const char **p, struct tn_field *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->name = name ? tn_strdup(name) : parse_name(p);
	parse_type(p, &f->type);
	f->nullable = true;
	if (**p == '!') {
		f->nullable = false;
		(*p)++;
	}
}

static void expect(const char **p, char c)
{
	if (**p != c)
		die("schema: expected '%c' at '%s'", c, *p);
	(*p)++;
}

static void parse_type(const char **p, struct tn_type *t)
{
	static const struct {
		const char *name;
		enum tn_kind kind;
		int unit;
		bool utc, json;
	} simple[] = {
		{"bool", TN_BOOL, 0, 0, 0},	       {"i8", TN_INT8, 0, 0, 0},
		{"i16", TN_INT16, 0, 0, 0},	       {"i32", TN_INT32, 0, 0, 0},
		{"i64", TN_INT64, 0, 0, 0},	       {"u8", TN_UINT8, 0, 0, 0},
		{"u16", TN_UINT16, 0, 0, 0},	       {"u32", TN_UINT32, 0, 0, 0},
		{"u64", TN_UINT64, 0, 0, 0},	       {"f32", TN_FLOAT, 0, 0, 0},
		{"f64", TN_DOUBLE, 0, 0, 0},	       {"str", TN_STRING, 0, 0, 0},
		{"json", TN_STRING, 0, 0, 1},	       {"bin", TN_BINARY, 0, 0, 0},
		{"uuid", TN_UUID, 0, 0, 0},	       {"date", TN_DATE, 0, 0, 0},
		{"time_ms", TN_TIME, TN_UNIT_MILLIS, 0, 0}, {"time_us", TN_TIME, TN_UNIT_MICROS, 0, 0},
		{"time_ns", TN_TIME, TN_UNIT_NANOS, 0, 0},  {"ts_ms", TN_TIMESTAMP, TN_UNIT_MILLIS, 0, 0},
		{"ts_us", TN_TIMESTAMP, TN_UNIT_MICROS, 0, 0}, {"ts_ns", TN_TIMESTAMP, TN_UNIT_NANOS, 0, 0},
		{"tsz_ms", TN_TIMESTAMP, TN_UNIT_MILLIS, 1, 0}, {"tsz_us", TN_TIMESTAMP, TN_UNIT_MICROS, 1, 0},
		{"tsz_ns", TN_TIMESTAMP, TN_UNIT_NANOS, 1, 0},
	};
	const char *s = *p;
	size_t n = 0;

	memset(t, 0, sizeof(*t));
	while (s[n] && (s[n] == '_' || (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9')))
		n++;
	*p += n;
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		if (strlen(simple[i].name) == n && strncmp(s, simple[i].name, n) == 0) {
			t->kind = simple[i].kind;
			t->unit = (uint8_t)simple[i].unit;
			t->utc = simple[i].utc;
			t->json = simple[i].json;
			return;
		}
	}
	if (n == 3 && strncmp(s, "dec", 3) == 0) {
		char *end;

		expect(p, '(');
		t->kind = TN_DECIMAL;
		t->precision = (uint8_t)strtol(*p, &end, 10);
		*p = end;
		expect(p, ',');
		t->scale = (uint8_t)strtol(*p, &end, 10);
		*p = end;
		expect(p, ')');
	} else if (n == 4 && strncmp(s, "list", 4) == 0) {
		t->kind = TN_LIST;
		t->nfields = 1;
		t->fields = tn_calloc(1, sizeof(*t->fields));
		expect(p, '<');
		parse_field(p, &t->fields[0], "element");
		expect(p, '>');
	} else if (n == 3 && strncmp(s, "map", 3) == 0) {
		t->kind = TN_MAP;
		t->nfields = 2;
		t->fields = tn_calloc(2, sizeof(*t->fields));
		expect(p, '<');
		parse_field(p, &t->fields[0], "key");
		t->fields[0].nullable = false;
		expect(p, ',');
		parse_field(p, &t->fields[1], "value");
		expect(p, '>');
	} else if (n == 6 && strncmp(s, "struct", 6) == 0) {
		t->kind = TN_STRUCT;
		expect(p, '<');
		for (;;) {
			t->fields = tn_reallocarray(t->fields, t->nfields + 1, sizeof(*t->fields));
			parse_field(p, &t->fields[t->nfields++], NULL);
			if (**p != ',')
				break;
			(*p)++;
		}
		expect(p, '>');
	} else {
		die("schema: unknown type at '%s'", s);
	}
}

static void parse_schema(const char *spec, struct tn_schema *s)
{
	const char *p = spec;

	memset(s, 0, sizeof(*s));
	for (;;) {
		s->cols = tn_reallocarray(s->cols, s->ncols + 1, sizeof(*s->cols));
		parse_field(&p, &s->cols[s->ncols++], NULL);
		if (*p != ',')
			break;
		p++;
	}
	if (*p)
		die("schema: trailing text '%s'", p);
}

/* ------------------------------------------------------------ values */

static bool is_null(const cJSON *j)
{
	return j == NULL || cJSON_IsNull(j);
}

static __int128 json_int(const cJSON *j)
{
	if (cJSON_IsNumber(j))
		return (__int128)j->valuedouble;
	if (cJSON_IsString(j)) {
		const char *s = j->valuestring;
		bool neg = *s == '-';
		__int128 v = 0;

		s += neg || *s == '+';
		if (!*s)
			die("bad integer '%s'", j->valuestring);
		for (; *s; s++) {
			if (*s < '0' || *s > '9')
				die("bad integer '%s'", j->valuestring);
			v = v * 10 + (*s - '0');
		}
		return neg ? -v : v;
	}
	die("%s: not an integer", cJSON_PrintUnformatted(j));
	return 0;
}

static double json_double(const cJSON *j)
{
	if (cJSON_IsNumber(j))
		return j->valuedouble;
	if (cJSON_IsString(j)) {
		if (strcmp(j->valuestring, "NaN") == 0)
			return NAN;
		if (strcmp(j->valuestring, "Infinity") == 0)
			return INFINITY;
		if (strcmp(j->valuestring, "-Infinity") == 0)
			return -INFINITY;
		return strtod(j->valuestring, NULL); /* "-0" and friends */
	}
	die("%s: not a number", cJSON_PrintUnformatted(j));
	return 0;
}

static struct tn_bytes json_bytes(const cJSON *j, bool hex, struct tn_arena *a)
{
	struct tn_bytes b = {NULL, 0};
	const char *s;
	uint8_t *q;
	size_t n;

	if (!cJSON_IsString(j))
		die("%s: not a string", cJSON_PrintUnformatted(j));
	s = j->valuestring;
	n = strlen(s);
	if (!hex) {
		q = tn_arena_alloc(a, n + 1);
		memcpy(q, s, n);
		b.ptr = n ? q : NULL; /* an empty value may come without a pointer */
		b.len = (uint32_t)n;
		return b;
	}
	q = tn_arena_alloc(a, n / 2 + 1);
	for (size_t i = 0; s[i]; ) {
		if (s[i] == '-') {
			i++;
			continue;
		}
		if (tn_hex_digit(s[i]) < 0 || tn_hex_digit(s[i + 1]) < 0)
			die("bad hex '%s'", s);
		q[b.len++] = (uint8_t)(tn_hex_digit(s[i]) << 4 | tn_hex_digit(s[i + 1]));
		i += 2;
	}
	b.ptr = q;
	return b;
}

/* Fill vector v of type t with the n values items[0..n) (NULL for null). */
static void build(struct tn_vec *v, const struct tn_type *t, cJSON **items, size_t n,
		  struct tn_arena *a)
{
	size_t w = tn_type_width(t);
	uint8_t *vals;

	memset(v, 0, sizeof(*v));
	v->type = t;
	v->len = n;
	for (size_t i = 0; i < n; i++) {
		if (is_null(items[i])) {
			tn_vec_need_nulls(v, n, a);
			v->nulls[i] = 1;
		}
	}
	if (t->kind == TN_STRUCT) {
		cJSON **sub = tn_arena_calloc(a, n ? n : 1, sizeof(*sub));

		v->children = tn_arena_calloc(a, t->nfields, sizeof(*v->children));
		for (size_t f = 0; f < t->nfields; f++) {
			for (size_t i = 0; i < n; i++)
				sub[i] = is_null(items[i]) ? NULL
							   : cJSON_GetObjectItemCaseSensitive(
								     items[i], t->fields[f].name);
			build(&v->children[f], &t->fields[f].type, sub, n, a);
		}
		return;
	}
	if (t->kind == TN_LIST || t->kind == TN_MAP) {
		size_t total = 0, k = 0;
		cJSON **el, **vl = NULL, *e;

		v->offsets = tn_arena_alloc(a, (n + 1) * sizeof(int32_t));
		for (size_t i = 0; i < n; i++)
			if (!is_null(items[i]))
				total += (size_t)cJSON_GetArraySize(items[i]);
		el = tn_arena_calloc(a, total ? total : 1, sizeof(*el));
		if (t->kind == TN_MAP)
			vl = tn_arena_calloc(a, total ? total : 1, sizeof(*vl));
		v->offsets[0] = 0;
		for (size_t i = 0; i < n; i++) {
			if (!is_null(items[i])) {
				cJSON_ArrayForEach(e, items[i]) {
					if (t->kind == TN_MAP) {
						el[k] = cJSON_GetArrayItem(e, 0);
						vl[k] = cJSON_GetArrayItem(e, 1);
					} else {
						el[k] = e;
					}
					k++;
				}
			}
			v->offsets[i + 1] = (int32_t)k;
		}
		v->children = tn_arena_calloc(a, t->nfields, sizeof(*v->children));
		build(&v->children[0], &t->fields[0].type, el, total, a);
		if (t->kind == TN_MAP)
			build(&v->children[1], &t->fields[1].type, vl, total, a);
		return;
	}
	v->values = vals = tn_arena_calloc(a, n ? n : 1, w);
	for (size_t i = 0; i < n; i++) {
		void *dst = vals + i * w;
		const cJSON *j = items[i];

		if (is_null(j))
			continue;
		switch (t->kind) {
		case TN_BOOL:
			*(uint8_t *)dst = cJSON_IsTrue(j);
			break;
		case TN_INT8:
		case TN_UINT8:
			*(uint8_t *)dst = (uint8_t)json_int(j);
			break;
		case TN_INT16:
		case TN_UINT16:
			*(uint16_t *)dst = (uint16_t)json_int(j);
			break;
		case TN_INT32:
		case TN_UINT32:
		case TN_DATE:
			*(uint32_t *)dst = (uint32_t)json_int(j);
			break;
		case TN_INT64:
		case TN_UINT64:
		case TN_TIME:
		case TN_TIMESTAMP:
			*(uint64_t *)dst = (uint64_t)json_int(j);
			break;
		case TN_DECIMAL:
			if (t->precision <= 18) {
				*(int64_t *)dst = (int64_t)json_int(j);
			} else {
				__int128 q = json_int(j);

				memcpy(dst, &q, 16);
			}
			break;
		case TN_FLOAT:
			*(float *)dst = (float)json_double(j);
			break;
		case TN_DOUBLE:
			*(double *)dst = json_double(j);
			break;
		case TN_STRING:
			*(struct tn_bytes *)dst = json_bytes(j, false, a);
			break;
		case TN_BINARY:
		case TN_UUID:
			*(struct tn_bytes *)dst = json_bytes(j, true, a);
			break;
		default:
			die("type %d not handled", t->kind);
		}
	}
}

/* A batch of schema s from rows[0..n) (JSON objects). */
static void make_batch(struct tn_batch *b, const struct tn_schema *s, cJSON **rows, size_t n)
{
	cJSON **items = tn_calloc(n ? n : 1, sizeof(*items));

	memset(b, 0, sizeof(*b));
	b->schema = s;
	b->nrows = n;
	tn_arena_init(&b->arena, 0);
	b->cols = tn_arena_calloc(&b->arena, s->ncols, sizeof(*b->cols));
	for (size_t c = 0; c < s->ncols; c++) {
		for (size_t i = 0; i < n; i++)
			items[i] = cJSON_GetObjectItemCaseSensitive(rows[i], s->cols[c].name);
		build(&b->cols[c], &s->cols[c].type, items, n, &b->arena);
	}
	free(items);
}

/* ------------------------------------------------------------ files */

static const char *outdir;
static struct store *st;

/* Write rows (JSON objects, one per string) in batches of `batch` rows. */
static void write_case(const char *name, const char *spec, const struct pq_write_opts *o,
		       const char *const *rows, size_t nrows, size_t batch)
{
	struct tn_schema s;
	struct pq_writer *w;
	struct tn_err err;
	struct tn_buf line = TN_BUF_INIT;
	char *path = tn_asprintf("%s/%s.parquet", outdir, name);
	char *jpath = tn_asprintf("%s/%s.expected.jsonl", outdir, name);
	FILE *jf = fopen(jpath, "w");
	cJSON **parsed = tn_calloc(nrows ? nrows : 1, sizeof(*parsed));

	if (jf == NULL)
		die("cannot create %s", jpath);
	parse_schema(spec, &s);
	for (size_t i = 0; i < nrows; i++)
		if ((parsed[i] = cJSON_Parse(rows[i])) == NULL)
			die("bad JSON row %s", rows[i]);
	if (pq_writer_open(st, path, &s, o, &w, &err) != TN_OK)
		die("%s", err.msg);
	for (size_t r = 0; r < nrows || (nrows == 0 && r == 0); r += batch) {
		size_t n = nrows - r < batch ? nrows - r : batch;
		struct tn_batch b;

		make_batch(&b, &s, parsed + r, n);
		for (size_t i = 0; i < n; i++) {
			tn_buf_reset(&line);
			if (tn_row_json(&line, &b, i, &err) != TN_OK)
				die("%s", err.msg);
			fprintf(jf, "%s\n", line.data);
		}
		if (pq_writer_write(w, &b, &err) != TN_OK)
			die("%s", err.msg);
		tn_batch_done(&b);
		if (nrows == 0)
			break;
	}
	if (pq_writer_close(w, NULL, &err) != TN_OK)
		die("%s", err.msg);
	if (fclose(jf) != 0)
		die("cannot write %s", jpath);
	printf("%s\n", name);
	for (size_t i = 0; i < nrows; i++)
		cJSON_Delete(parsed[i]);
	free(parsed);
	tn_buf_done(&line);
	tn_schema_done(&s);
	free(path);
	free(jpath);
}

static size_t count(const char *const *rows)
{
	size_t n = 0;

	while (rows[n])
		n++;
	return n;
}

/* ---- every scalar type ---- */

static const char scalar_spec[] =
	"b:bool,i8:i8,i16:i16,i32:i32,i64:i64,u8:u8,u16:u16,u32:u32,u64:u64,f32:f32,f64:f64,"
	"d5:dec(5,2),d18:dec(18,4),d38:dec(38,10),s:str,j:json,bin:bin,id:uuid,dt:date,"
	"t_ms:time_ms,t_us:time_us,t_ns:time_ns,tsz_ms:tsz_ms,tsz_us:tsz_us,tsz_ns:tsz_ns,"
	"ts_ms:ts_ms,ts_us:ts_us,ts_ns:ts_ns";

static const char *const scalar_rows[] = {
	/* ordinary values */
	"{\"b\":true,\"i8\":7,\"i16\":300,\"i32\":70000,\"i64\":\"5000000000\",\"u8\":200,"
	"\"u16\":60000,\"u32\":\"4000000000\",\"u64\":\"10000000000000000000\",\"f32\":1.5,"
	"\"f64\":3.25,\"d5\":\"12345\",\"d18\":\"123456789012345678\","
	"\"d38\":\"12345678901234567890123456789012345678\",\"s\":\"hello\","
	"\"j\":\"{\\\"a\\\":[1,2]}\",\"bin\":\"00ff7f80\",\"id\":\"0123456789abcdef0123456789abcdef\","
	"\"dt\":19000,\"t_ms\":45296789,\"t_us\":\"45296789012\",\"t_ns\":\"45296789012345\","
	"\"tsz_ms\":\"1700000000123\",\"tsz_us\":\"1700000000123456\","
	"\"tsz_ns\":\"1700000000123456789\",\"ts_ms\":\"1700000000123\","
	"\"ts_us\":\"1700000000123456\",\"ts_ns\":\"1700000000123456789\"}",
	/* minimums and negatives */
	"{\"b\":false,\"i8\":-128,\"i16\":-32768,\"i32\":-2147483648,"
	"\"i64\":\"-9223372036854775808\",\"u8\":0,\"u16\":0,\"u32\":0,\"u64\":0,"
	"\"f32\":\"-Infinity\",\"f64\":\"-Infinity\",\"d5\":\"-99999\","
	"\"d18\":\"-999999999999999999\",\"d38\":\"-99999999999999999999999999999999999999\","
	"\"s\":\"\",\"j\":\"[]\",\"bin\":\"\",\"id\":\"00000000000000000000000000000000\","
	"\"dt\":-25567,\"t_ms\":0,\"t_us\":0,\"t_ns\":1,\"tsz_ms\":-1,\"tsz_us\":-1,"
	"\"tsz_ns\":\"-1000\",\"ts_ms\":\"-62135596800000\",\"ts_us\":\"-62135596800000000\","
	"\"ts_ns\":\"-9000000000000000000\"}",
	/* maximums */
	"{\"b\":true,\"i8\":127,\"i16\":32767,\"i32\":2147483647,"
	"\"i64\":\"9223372036854775807\",\"u8\":255,\"u16\":65535,\"u32\":\"4294967295\","
	"\"u64\":\"18446744073709551615\",\"f32\":\"Infinity\",\"f64\":\"Infinity\","
	"\"d5\":\"99999\",\"d18\":\"999999999999999999\","
	"\"d38\":\"99999999999999999999999999999999999999\",\"s\":\"\\uffff\","
	"\"j\":\"null\",\"bin\":\"ffffffff\",\"id\":\"ffffffffffffffffffffffffffffffff\","
	"\"dt\":2932896,\"t_ms\":86399999,\"t_us\":\"86399999999\",\"t_ns\":\"86399999999999\","
	"\"tsz_ms\":\"253402300799999\",\"tsz_us\":\"253402300799999999\","
	"\"tsz_ns\":\"9000000000000000000\",\"ts_ms\":\"253402300799999\","
	"\"ts_us\":\"253402300799999999\",\"ts_ns\":\"9000000000000000000\"}",
	/* NaN, and small decimals */
	"{\"f32\":\"NaN\",\"f64\":\"NaN\",\"d5\":\"-1\",\"d18\":\"-1\",\"d38\":\"-1\","
	"\"s\":\"h\\u00e9llo w\\u00f6rld\",\"i32\":0}",
	/* negative and positive zero */
	"{\"f32\":\"-0\",\"f64\":\"-0\",\"d5\":\"0\",\"d18\":\"0\",\"d38\":\"0\","
	"\"s\":\"\\u65e5\\u672c\\u8a9e\"}",
	"{\"f32\":0,\"f64\":0,\"s\":\"emoji \\ud83c\\udf89\\ud83d\\ude80\","
	"\"bin\":\"000102\"}",
	/* every column null */
	"{}",
	/* escapes */
	"{\"s\":\"tab\\there\\nnew line \\\"quoted\\\" back\\\\slash \\u0001\","
	"\"f32\":1.17549435e-38,\"f64\":5e-324,\"i64\":1}",
	"{\"f32\":3.4028234663852886e38,\"f64\":1.7976931348623157e308,\"u8\":1,\"b\":false}",
	NULL,
};

/* Every scalar type again, but REQUIRED. */
static const char required_spec[] =
	"b:bool!,i8:i8!,u16:u16!,i32:i32!,i64:i64!,u64:u64!,f64:f64!,d9:dec(9,3)!,"
	"d38:dec(38,0)!,s:str!,bin:bin!,id:uuid!,dt:date!,ts:tsz_us!,"
	"l:list<i32!>!,m:map<str,f64!>!,st:struct<a:i32!,b:str>!";

static const char *const required_rows[] = {
	"{\"b\":true,\"i8\":-1,\"u16\":1,\"i32\":1,\"i64\":1,\"u64\":1,\"f64\":1.5,\"d9\":\"-999999999\","
	"\"d38\":\"99999999999999999999999999999999999999\",\"s\":\"a\",\"bin\":\"01\","
	"\"id\":\"11111111222233334444555555555555\",\"dt\":0,\"ts\":0,\"l\":[1,2,3],"
	"\"m\":[[\"x\",1.0],[\"y\",2.0]],\"st\":{\"a\":1,\"b\":\"q\"}}",
	"{\"b\":false,\"i8\":0,\"u16\":0,\"i32\":0,\"i64\":0,\"u64\":0,\"f64\":0,\"d9\":\"0\","
	"\"d38\":\"-99999999999999999999999999999999999999\",\"s\":\"\",\"bin\":\"\","
	"\"id\":\"ffffffff222233334444555555555555\",\"dt\":-1,\"ts\":-1,\"l\":[],\"m\":[],"
	"\"st\":{\"a\":2,\"b\":null}}",
	"{\"b\":true,\"i8\":127,\"u16\":65535,\"i32\":-5,\"i64\":-5,\"u64\":\"18446744073709551615\","
	"\"f64\":-2.5,\"d9\":\"999999999\",\"d38\":\"5\",\"s\":\"zzz\",\"bin\":\"ff\","
	"\"id\":\"00000000222233334444555555555555\",\"dt\":1,\"ts\":1,\"l\":[7],"
	"\"m\":[[\"k\",\"-Infinity\"]],\"st\":{\"a\":3,\"b\":\"r\"}}",
	NULL,
};

/* ---- nesting ---- */

static const char nested_spec[] =
	"id:i32!,"
	"st:struct<a:i32,b:str,c:struct<x:f64,y:list<i32>>>,"
	"li:list<i64>,"
	"lr:list<i64!>!,"
	"ls:list<str>,"
	"ll:list<list<i32>>,"
	"m:map<str,i32>,"
	"mr:map<i32,str!>!,"
	"lst:list<struct<x:i32,y:str,z:list<str>>>,"
	"sl:struct<p:list<i32>,q:map<str,f64>>,"
	"ms:map<str,struct<a:i32,b:list<str>>>,"
	"ml:map<str,list<i32>>,"
	"deep:list<map<str,list<struct<v:i32,w:list<bool>>>>>,"
	"lb:list<bool>,"
	"ld:list<dec(38,2)>,"
	"lu:list<uuid>";

static const char *const nested_rows[] = {
	"{\"id\":0,\"st\":{\"a\":1,\"b\":\"x\",\"c\":{\"x\":1.5,\"y\":[1,2,3]}},\"li\":[1,2,3],"
	"\"lr\":[10,20],\"ls\":[\"a\",\"b\"],\"ll\":[[1,2],[3]],\"m\":[[\"a\",1],[\"b\",2]],"
	"\"mr\":[[1,\"one\"]],\"lst\":[{\"x\":1,\"y\":\"p\",\"z\":[\"q\"]},{\"x\":2,\"y\":\"r\",\"z\":[]}],"
	"\"sl\":{\"p\":[5,6],\"q\":[[\"pi\",3.14]]},"
	"\"ms\":[[\"k\",{\"a\":1,\"b\":[\"u\",\"v\"]}]],\"ml\":[[\"k\",[1,2]]],"
	"\"deep\":[[[\"a\",[{\"v\":1,\"w\":[true,false]}]]]],\"lb\":[true,false,true],"
	"\"ld\":[\"12345\",\"-1\"],\"lu\":[\"0123456789abcdef0123456789abcdef\"]}",
	/* empties */
	"{\"id\":1,\"st\":{\"a\":null,\"b\":null,\"c\":null},\"li\":[],\"lr\":[],\"ls\":[],\"ll\":[],"
	"\"m\":[],\"mr\":[],\"lst\":[],\"sl\":{\"p\":[],\"q\":[]},\"ms\":[],\"ml\":[],\"deep\":[],"
	"\"lb\":[],\"ld\":[],\"lu\":[]}",
	/* nulls at the top */
	"{\"id\":2,\"lr\":[1],\"mr\":[]}",
	/* null elements and values */
	"{\"id\":3,\"st\":{\"a\":3,\"b\":null,\"c\":{\"x\":null,\"y\":null}},\"li\":[null,1,null],"
	"\"lr\":[3,3,3],\"ls\":[null,\"\",null],\"ll\":[null,[],[null],[1,null]],"
	"\"m\":[[\"a\",null],[\"\",0]],\"mr\":[[-1,\"\"],[0,\"z\"]],"
	"\"lst\":[null,{\"x\":null,\"y\":null,\"z\":null},{\"x\":3,\"y\":null,\"z\":[null]}],"
	"\"sl\":{\"p\":null,\"q\":[[\"n\",null]]},"
	"\"ms\":[[\"a\",null],[\"b\",{\"a\":null,\"b\":null}],[\"c\",{\"a\":1,\"b\":[null,\"x\"]}]],"
	"\"ml\":[[\"a\",null],[\"b\",[]],[\"c\",[null]]],"
	"\"deep\":[null,[],[[\"k\",null],[\"l\",[]],[\"m\",[null,{\"v\":null,\"w\":null},"
	"{\"v\":2,\"w\":[null]}]]]],\"lb\":[null,true],\"ld\":[null,\"0\"],\"lu\":[null]}",
	/* a struct that is null, and one whose lists are null */
	"{\"id\":4,\"st\":null,\"li\":[9223372036854775807],\"lr\":[0],\"sl\":null,"
	"\"lst\":[{\"x\":4,\"y\":\"\\u00fc\",\"z\":[\"a\",\"b\",\"c\"]}],\"mr\":[[5,\"five\"],[6,\"six\"]]}",
	"{\"id\":5,\"st\":{\"a\":5,\"b\":\"five\",\"c\":{\"x\":\"NaN\",\"y\":[]}},\"lr\":[5],"
	"\"sl\":{\"p\":null,\"q\":null},\"mr\":[],\"ll\":[[1],[2],[3],[4],[5]]}",
	NULL,
};

/* ---- generated rows: many of them, every kind of column ---- */

static const char mixed_spec[] =
	"id:i64!,i32:i32,s:str,f:f64,f32:f32,dec:dec(18,2),d38:dec(38,6),ts:tsz_us,dt:date,"
	"b:bool,u8:u8,bin:bin,tags:list<str>,kv:map<str,i64>,st:struct<a:i32,b:list<f64>>,"
	"ls:list<struct<x:i32,y:str>>";

static const char *const words[] = {
	"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "\\u00e9t\\u00e9", "\\u65e5\\u672c",
	"", "omega",
};

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static char **mixed_rows(size_t n, size_t first)
{
	char **rows = tn_calloc(n + 1, sizeof(*rows));
	struct tn_buf b = TN_BUF_INIT;

	for (size_t k = 0; k < n; k++) {
		size_t i = first + k;
		uint64_t r = next_rand();
		size_t ntags = i % 5, nkv = (i / 3) % 4, nls = i % 3;

		tn_buf_reset(&b);
		tn_buf_printf(&b, NULL, "{\"id\":%zu", i);
		if (i % 7)
			tn_buf_printf(&b, NULL, ",\"i32\":%d", (int)(r % 200001) - 100000);
		if (i % 11)
			tn_buf_printf(&b, NULL, ",\"s\":\"%s%zu\"", words[i % 10], i % 37);
		if (i % 13 == 1)
			tn_buf_printf(&b, NULL, ",\"f\":\"NaN\"");
		else if (i % 13)
			tn_buf_printf(&b, NULL, ",\"f\":%.17g", ((double)(r % 1000003) - 500000) / 7.0);
		if (i % 9)
			tn_buf_printf(&b, NULL, ",\"f32\":%.9g", (float)(r % 1000) / 8.0f);
		if (i % 6)
			tn_buf_printf(&b, NULL, ",\"dec\":\"%lld\"", (long long)(r % 2000000001) - 1000000000);
		if (i % 8)
			tn_buf_printf(&b, NULL, ",\"d38\":\"%lld%018lld\"", (long long)(r % 1000000) - 500000,
				      (long long)(r % 1000000000000000000ULL));
		if (i % 5)
			tn_buf_printf(&b, NULL, ",\"ts\":%lld", 1600000000000000LL + (long long)(r % 100000000000ULL));
		if (i % 4)
			tn_buf_printf(&b, NULL, ",\"dt\":%d", (int)(r % 40000) - 10000);
		if (i % 3)
			tn_buf_printf(&b, NULL, ",\"b\":%s", r & 1 ? "true" : "false");
		if (i % 10)
			tn_buf_printf(&b, NULL, ",\"u8\":%u", (unsigned)(r % 256));
		if (i % 12)
			tn_buf_printf(&b, NULL, ",\"bin\":\"%02x%02x%02x\"", (unsigned)(i % 92),
				      (unsigned)(r % 92), 0);
		if (i % 17) {
			tn_buf_puts(&b, ",\"tags\":[", NULL);
			for (size_t t = 0; t < ntags; t++) {
				if ((i + t) % 6 == 0)
					tn_buf_printf(&b, NULL, "%snull", t ? "," : "");
				else
					tn_buf_printf(&b, NULL, "%s\"t%zu\"", t ? "," : "", (i + t) % 20);
			}
			tn_buf_puts(&b, "]", NULL);
		}
		if (i % 19) {
			tn_buf_puts(&b, ",\"kv\":[", NULL);
			for (size_t t = 0; t < nkv; t++) {
				if ((i + t) % 4 == 0)
					tn_buf_printf(&b, NULL, "%s[\"k%zu\",null]", t ? "," : "", t);
				else
					tn_buf_printf(&b, NULL, "%s[\"k%zu\",%lld]", t ? "," : "", t,
						      (long long)(r % 1000) * (long long)(t + 1));
			}
			tn_buf_puts(&b, "]", NULL);
		}
		if (i % 23) {
			tn_buf_printf(&b, NULL, ",\"st\":{\"a\":%zu,\"b\":", i);
			if (i % 4 == 3)
				tn_buf_puts(&b, "null}", NULL);
			else
				tn_buf_printf(&b, NULL, "[%zu.5,-%zu.25]}", i, i % 10);
		}
		if (i % 29) {
			tn_buf_puts(&b, ",\"ls\":[", NULL);
			for (size_t t = 0; t < nls; t++) {
				if ((i + t) % 5 == 0)
					tn_buf_printf(&b, NULL, "%snull", t ? "," : "");
				else
					tn_buf_printf(&b, NULL, "%s{\"x\":%zu,\"y\":\"%s\"}", t ? "," : "", t,
						      words[(i + t) % 10]);
			}
			tn_buf_puts(&b, "]", NULL);
		}
		tn_buf_puts(&b, "}", NULL);
		rows[k] = tn_strdup(b.data);
	}
	tn_buf_done(&b);
	return rows;
}

static void free_rows(char **rows)
{
	for (size_t i = 0; rows[i]; i++)
		free(rows[i]);
	free(rows);
}

/* Many distinct long strings (the dictionary falls back to PLAIN) beside a
 * column with few values (it stays dictionary-encoded). */
static char **fallback_rows(size_t n)
{
	char **rows = tn_calloc(n + 1, sizeof(*rows));

	for (size_t i = 0; i < n; i++)
		rows[i] = tn_asprintf("{\"id\":%zu,\"long\":\"%s-%06zu-%0100zu\",\"cat\":%s,\"num\":%zu}",
				      i, words[i % 10], i * 7919 % 1000003, i,
				      i % 10 == 9 ? "null" : (i % 3 ? "\"common\"" : "\"rare\""),
				      i % 50);
	return rows;
}

/* --rows: see the top of the file. */
static int write_rows(int argc, char **argv)
{
	struct delta_write_opts wo;
	struct delta_kv props[32];
	char *parts[32], *plist = NULL;
	const char *spec, *in, *out;
	bool table = false;
	struct tn_schema s;
	struct tn_batch b;
	struct tn_err err;
	cJSON **rows = NULL;
	size_t nrows = 0;
	char line[65536];
	FILE *f;

	if (argc < 5)
		die("usage: pq_gen --rows SPEC ROWS.jsonl OUT [--table [--partition-by A,B] "
		    "[--property K=V]...]");
	spec = argv[2];
	in = argv[3];
	out = argv[4];
	memset(&wo, 0, sizeof(wo));
	wo.mode = DELTA_APPEND;
	wo.partition_by = (const char *const *)parts;
	wo.properties = props;
	for (int i = 5; i < argc; i++) {
		if (strcmp(argv[i], "--table") == 0) {
			table = true;
		} else if (strcmp(argv[i], "--partition-by") == 0 && i + 1 < argc) {
			plist = tn_strdup(argv[++i]);
			for (char *sv = NULL, *c = strtok_r(plist, ",", &sv); c && wo.npartition_by < 32;
			     c = strtok_r(NULL, ",", &sv))
				parts[wo.npartition_by++] = c;
		} else if (strcmp(argv[i], "--property") == 0 && i + 1 < argc && wo.nproperties < 32) {
			char *kv = argv[++i], *eq = strchr(kv, '=');

			if (eq == NULL)
				die("--property wants K=V");
			*eq = '\0';
			props[wo.nproperties].key = kv;
			props[wo.nproperties++].value = eq + 1;
		} else {
			die("unknown argument '%s'", argv[i]);
		}
	}
	parse_schema(spec, &s);
	if ((f = fopen(in, "r")) == NULL)
		die("cannot read %s", in);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (*tn_str_trim(line) == '\0')
			continue;
		rows = tn_reallocarray(rows, nrows + 1, sizeof(*rows));
		if ((rows[nrows++] = cJSON_Parse(line)) == NULL)
			die("%s: bad JSON row %s", in, line);
	}
	fclose(f);
	make_batch(&b, &s, rows, nrows);
	if (table) {
		struct delta_writer *w;

		if (delta_writer_open_opts(st, out, &s, &wo, &w, &err) != TN_OK ||
		    (nrows > 0 && delta_writer_write(w, &b, &err) != TN_OK) ||
		    delta_writer_commit(w, NULL, &err) != TN_OK)
			die("%s", err.msg);
	} else {
		struct pq_write_opts po;
		struct pq_writer *w;

		pq_write_opts_init(&po);
		if (pq_writer_open(st, out, &s, &po, &w, &err) != TN_OK ||
		    pq_writer_write(w, &b, &err) != TN_OK || pq_writer_close(w, NULL, &err) != TN_OK)
			die("%s", err.msg);
	}
	tn_batch_done(&b);
	for (size_t i = 0; i < nrows; i++)
		cJSON_Delete(rows[i]);
	free(rows);
	free(plist);
	tn_schema_done(&s);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int codec;
	} codecs[] = {
		{"codec_zstd", PQ_CODEC_ZSTD},	   {"codec_snappy", PQ_CODEC_SNAPPY},
		{"codec_gzip", PQ_CODEC_GZIP},	   {"codec_lz4_raw", PQ_CODEC_LZ4_RAW},
		{"codec_none", PQ_CODEC_UNCOMPRESSED},
	};
	struct pq_write_opts o;
	struct pq_key_value kv[2] = {{"tarn.test", "pq_gen", 6}, {"empty", NULL, 0}};
	char **rows;

	if (argc > 1 && strcmp(argv[1], "--rows") == 0) {
		int rc;

		st = store_local_new("");
		rc = write_rows(argc, argv);
		store_free(st);
		return rc;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: pq_gen OUTDIR\n");
		return 2;
	}
	outdir = argv[1];
	st = store_local_new("");

	pq_write_opts_init(&o);
	o.kv = kv;
	o.nkv = 2;
	write_case("scalars", scalar_spec, &o, scalar_rows, count(scalar_rows), 4);
	write_case("required", required_spec, &o, required_rows, count(required_rows), 100);
	write_case("nested", nested_spec, &o, nested_rows, count(nested_rows), 100);
	/* one row at a time, and without dictionaries or CRCs */
	pq_write_opts_init(&o);
	o.dictionary = false;
	o.page_crc = false;
	write_case("nested_plain", nested_spec, &o, nested_rows, count(nested_rows), 1);
	write_case("scalars_plain", scalar_spec, &o, scalar_rows, count(scalar_rows), 1);

	/* no rows at all */
	pq_write_opts_init(&o);
	write_case("empty_scalars", scalar_spec, &o, NULL, 0, 1);
	write_case("empty_nested", nested_spec, &o, NULL, 0, 1);

	/* many row groups and pages, from batches that do not line up with them */
	pq_write_opts_init(&o);
	o.row_group_rows = 1000;
	o.page_bytes = 2048;
	rows = mixed_rows(5500, 0);
	write_case("row_groups", mixed_spec, &o, (const char *const *)rows, 5500, 777);
	free_rows(rows);
	/* a row group ends on bytes rather than rows */
	pq_write_opts_init(&o);
	o.row_group_bytes = 64 * 1024;
	o.page_bytes = 8192;
	rows = mixed_rows(4000, 100000);
	write_case("row_group_bytes", mixed_spec, &o, (const char *const *)rows, 4000, 4000);
	free_rows(rows);

	/* dictionary fallback: 2 row groups, each falling back after ~16 KiB */
	pq_write_opts_init(&o);
	o.dict_max_bytes = 16 * 1024;
	o.row_group_rows = 2000;
	o.page_bytes = 16 * 1024;
	rows = fallback_rows(3000);
	write_case("dict_fallback", "id:i64!,long:str,cat:str,num:i32", &o,
		   (const char *const *)rows, 3000, 500);
	free_rows(rows);

	/* every codec */
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
		pq_write_opts_init(&o);
		o.codec = codecs[i].codec;
		if (o.codec == PQ_CODEC_GZIP)
			o.level = 9;
		o.page_bytes = 16 * 1024;
		rows = mixed_rows(3000, 7 * i);
		write_case(codecs[i].name, mixed_spec, &o, (const char *const *)rows, 3000, 1024);
		free_rows(rows);
	}
	store_free(st);
	return 0;
}
