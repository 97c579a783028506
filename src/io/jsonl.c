/* jsonl.c - JSON lines: one object per line, its keys the columns. A small
 * scanner of its own rather than cJSON, which keeps numbers as doubles:
 * integers must keep every digit, and nested values are kept as compact
 * text with their numbers as written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "io/textio_int.h"

/* Objects and arrays nest at most this deep. */
#define DEPTH_MAX 64

struct jsonl {
	uint64_t line;     /* lines read */
	uint64_t data_off; /* after a byte order mark */
	struct tn_buf text; /* the current line */
};

/* A scan of one line into r->rec. */
struct scan {
	struct tio_reader *r;
	const char *start, *p, *end;
	uint64_t line;
	struct tn_err *err;
};

static int fail(struct scan *sc, const char *what)
{
	return tn_err_set(sc->err, TN_ECORRUPT, "%s: line %llu, character %zu: %s", sc->r->path,
			  (unsigned long long)sc->line, (size_t)(sc->p - sc->start) + 1, what);
}

static void skip_ws(struct scan *sc)
{
	while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\t' || *sc->p == '\r' || *sc->p == '\n'))
		sc->p++;
}

static int put(struct scan *sc, const void *p, size_t n)
{
	return tio_rec_append(&sc->r->rec, p, n, sc->err);
}

static int hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int c = (unsigned char)p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* Append code point cp as UTF-8. */
static int put_utf8(struct scan *sc, unsigned cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12), b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18), b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	}
	return put(sc, b, n);
}

/* The escape after a backslash at p: appended decoded, or (raw) as
 * written. A lone surrogate decodes to U+FFFD. */
static int escape(struct scan *sc, bool raw)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *at = sc->p, *e;
	int cp, lo;

	if (++sc->p >= sc->end)
		return fail(sc, "a string that never ends");
	e = strchr(from, *sc->p);
	if (*sc->p != '\0' && e != NULL) {
		sc->p++;
		return raw ? put(sc, at, 2) : put(sc, &to[e - from], 1);
	}
	if (*sc->p != 'u' || sc->end - sc->p < 5 || (cp = hex4(sc->p + 1)) < 0)
		return fail(sc, "a bad escape in a string");
	sc->p += 5;
	if (raw)
		return put(sc, at, 6);
	if (cp >= 0xd800 && cp <= 0xdbff && sc->end - sc->p >= 6 && sc->p[0] == '\\' &&
	    sc->p[1] == 'u' && (lo = hex4(sc->p + 2)) >= 0xdc00 && lo <= 0xdfff) {
		sc->p += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	} else if (cp >= 0xd800 && cp <= 0xdfff) {
		cp = 0xfffd;
	}
	return put_utf8(sc, (unsigned)cp);
}

/* A string at its opening quote: appended unescaped, or (raw) as written
 * with its quotes. */
static int string(struct scan *sc, bool raw)
{
	int rc = raw ? put(sc, "\"", 1) : TN_OK;

	sc->p++;
	while (rc == TN_OK) {
		const char *run = sc->p;

		while (sc->p < sc->end && *sc->p != '"' && *sc->p != '\\' &&
		       (unsigned char)*sc->p >= 0x20)
			sc->p++;
		rc = put(sc, run, (size_t)(sc->p - run));
		if (rc != TN_OK)
			break;
		if (sc->p == sc->end)
			return fail(sc, "a string that never ends");
		if (*sc->p == '"') {
			sc->p++;
			return raw ? put(sc, "\"", 1) : TN_OK;
		}
		if (*sc->p != '\\')
			return fail(sc, "a control character in a string (write it as an escape)");
		rc = escape(sc, raw);
	}
	return rc;
}

static bool digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, appended as written. */
static int number(struct scan *sc)
{
	const char *s = sc->p;

	if (*sc->p == '-')
		sc->p++;
	if (!digit(sc->p, sc->end))
		return fail(sc, "a bad number");
	if (*sc->p == '0')
		sc->p++;
	else
		while (digit(sc->p, sc->end))
			sc->p++;
	if (sc->p < sc->end && *sc->p == '.') {
		if (!digit(++sc->p, sc->end))
			return fail(sc, "a bad number");
		while (digit(sc->p, sc->end))
			sc->p++;
	}
	if (sc->p < sc->end && (*sc->p == 'e' || *sc->p == 'E')) {
		sc->p++;
		if (sc->p < sc->end && (*sc->p == '+' || *sc->p == '-'))
			sc->p++;
		if (!digit(sc->p, sc->end))
			return fail(sc, "a bad number");
		while (digit(sc->p, sc->end))
			sc->p++;
	}
	return put(sc, s, (size_t)(sc->p - s));
}

/* true, false or null: its tag (TIO_V_BOOL, TIO_V_NULL), or -1. */
static int literal(struct scan *sc)
{
	static const char *const words[] = {"true", "false", "null"};

	for (int i = 0; i < 3; i++) {
		size_t n = strlen(words[i]);

		if ((size_t)(sc->end - sc->p) >= n && memcmp(sc->p, words[i], n) == 0) {
			sc->p += n;
			return i < 2 ? TIO_V_BOOL : TIO_V_NULL;
		}
	}
	return -1;
}

static int value(struct scan *sc, int depth, int *tag);

/* An object or array at its opening bracket, appended as compact text. */
static int nested(struct scan *sc, int depth)
{
	char open = *sc->p, close = open == '{' ? '}' : ']';
	int rc, tag;

	if (depth > DEPTH_MAX)
		return fail(sc, "objects and arrays nested more than 64 deep");
	sc->p++;
	rc = put(sc, &open, 1);
	skip_ws(sc);
	if (rc == TN_OK && sc->p < sc->end && *sc->p == close) {
		sc->p++;
		return put(sc, &close, 1);
	}
	while (rc == TN_OK) {
		if (open == '{') {
			if (sc->p == sc->end || *sc->p != '"')
				return fail(sc, "expected a key in quotes");
			rc = string(sc, true);
			if (rc != TN_OK)
				return rc;
			skip_ws(sc);
			if (sc->p == sc->end || *sc->p != ':')
				return fail(sc, "expected ':' after a key");
			sc->p++;
			rc = put(sc, ":", 1);
			skip_ws(sc);
		}
		if (rc == TN_OK)
			rc = value(sc, depth + 1, &tag);
		if (rc != TN_OK)
			return rc;
		skip_ws(sc);
		if (sc->p < sc->end && *sc->p == ',') {
			sc->p++;
			rc = put(sc, ",", 1);
			skip_ws(sc);
		} else if (sc->p < sc->end && *sc->p == close) {
			sc->p++;
			return put(sc, &close, 1);
		} else {
			return fail(sc, open == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
		}
	}
	return rc;
}

/* Any value, appended: strings unescaped at depth 0, as written deeper. */
static int value(struct scan *sc, int depth, int *tag)
{
	const char *at = sc->p;

	if (sc->p == sc->end)
		return fail(sc, "expected a value");
	switch (*sc->p) {
	case '"':
		*tag = TIO_V_STR;
		return string(sc, depth > 0);
	case '{':
	case '[':
		*tag = TIO_V_NEST;
		return nested(sc, depth);
	case 't':
	case 'f':
	case 'n':
		*tag = literal(sc);
		if (*tag < 0)
			return fail(sc, "expected a value");
		return *tag == TIO_V_NULL && depth == 0 ? TN_OK : put(sc, at, (size_t)(sc->p - at));
	default:
		*tag = TIO_V_NUM;
		if (*sc->p != '-' && !digit(sc->p, sc->end))
			return fail(sc, "expected a value");
		return number(sc);
	}
}

/* The line in j->text as one object: its keys and values into r->rec.
 * *blank when the line holds only white space. */
static int scan_line(struct tio_reader *r, struct jsonl *j, bool *blank, struct tn_err *err)
{
	struct scan sc = {r, j->text.data, j->text.data, j->text.data + j->text.len, j->line, err};
	struct tio_rec *rec = &r->rec;
	int rc = TN_OK;

	tio_rec_reset(rec, j->line);
	skip_ws(&sc);
	*blank = sc.p == sc.end;
	if (*blank)
		return TN_OK;
	if (*sc.p == '[')
		return fail(&sc, "a JSON array: tarn reads JSON lines, one object per line");
	if (*sc.p != '{')
		return fail(&sc, "not a JSON object: tarn reads JSON lines, one object per line");
	sc.p++;
	skip_ws(&sc);
	if (sc.p < sc.end && *sc.p == '}') {
		sc.p++;
		goto end;
	}
	for (;;) {
		size_t key_off = rec->bytes.len, key_len;
		struct tio_val *v;
		int tag;

		if (sc.p == sc.end || *sc.p != '"')
			return fail(&sc, "expected a key in quotes (one object per line)");
		rc = string(&sc, false);
		key_len = rec->bytes.len - key_off;
		if (rc == TN_OK)
			rc = put(&sc, "", 1);
		if (rc != TN_OK)
			return rc;
		skip_ws(&sc);
		if (sc.p == sc.end || *sc.p != ':')
			return fail(&sc, "expected ':' after a key");
		sc.p++;
		skip_ws(&sc);
		rc = value(&sc, 0, &tag);
		if (rc == TN_OK)
			rc = tio_rec_push(rec, key_off + key_len + 1, tag, j->line, &v, err);
		if (rc != TN_OK)
			return rc;
		v->name_off = key_off;
		v->name_len = key_len;
		skip_ws(&sc);
		if (sc.p < sc.end && *sc.p == ',') {
			sc.p++;
			skip_ws(&sc);
		} else if (sc.p < sc.end && *sc.p == '}') {
			sc.p++;
			break;
		} else {
			return fail(&sc, "expected ',' or '}'");
		}
	}
end:
	skip_ws(&sc);
	if (sc.p != sc.end)
		return fail(&sc, "more after the object (one object per line)");
	return TN_OK;
}

/* The next line into j->text, without its line end; *got false at the end. */
static int read_line(struct tio_reader *r, struct jsonl *j, bool *got, struct tn_err *err)
{
	struct tio_src *s = &r->src;
	bool any = false;
	int rc;

	tn_buf_reset(&j->text);
	*got = false;
	for (;;) {
		const uint8_t *nl;
		size_t n;

		rc = tio_src_fill(s, err);
		if (rc != TN_OK)
			return rc;
		if (s->pos == s->len) {
			if (!any)
				return TN_OK;
			break;
		}
		any = true;
		nl = memchr(s->buf + s->pos, '\n', s->len - s->pos);
		n = nl != NULL ? (size_t)(nl - (s->buf + s->pos)) : s->len - s->pos;
		if (j->text.len + n > TIO_RECORD_MAX)
			return tn_err_set(err, TN_ETOOBIG, "%s: line %llu: longer than %zu MiB",
					  r->path, (unsigned long long)j->line + 1,
					  TIO_RECORD_MAX >> 20);
		rc = tn_buf_append(&j->text, s->buf + s->pos, n, err);
		if (rc != TN_OK)
			return rc;
		s->pos += n + (nl != NULL);
		if (nl != NULL)
			break;
	}
	if (j->text.len > 0 && j->text.data[j->text.len - 1] == '\r')
		j->text.data[--j->text.len] = '\0';
	j->line++;
	*got = true;
	return TN_OK;
}

/* The next non-blank line scanned into r->rec. */
static int next_object(struct tio_reader *r, struct jsonl *j, bool *got, struct tn_err *err)
{
	bool blank = true;
	int rc = TN_OK;

	while (rc == TN_OK && blank) {
		rc = read_line(r, j, got, err);
		if (rc != TN_OK || !*got)
			break;
		if (j->text.len > 0 && memchr(j->text.data, '\0', j->text.len) != NULL)
			return tn_err_set(err, TN_ECORRUPT, "%s: line %llu: a NUL byte", r->path,
					  (unsigned long long)j->line);
		rc = scan_line(r, j, &blank, err);
	}
	return rc;
}

static int jsonl_next(struct tio_reader *r, bool *got, struct tn_err *err)
{
	struct tio_rec *rec = &r->rec;
	int rc = next_object(r, r->state, got, err);

	for (size_t i = 0; rc == TN_OK && *got && i < rec->n; i++)
		rec->vals[i].col =
			tio_find_column(r, rec->bytes.data + rec->vals[i].name_off, rec->vals[i].name_len);
	return rc;
}

static void jsonl_free(void *state)
{
	struct jsonl *j = state;

	if (j == NULL)
		return;
	tn_buf_done(&j->text);
	free(j);
}

static const struct tio_format_ops jsonl_ops = {jsonl_next, jsonl_free};

/* Columns from the keys of the first infer_rows objects. */
static int infer(struct tio_reader *r, struct jsonl *j, struct tn_err *err)
{
	struct tio_rec *rec = &r->rec;
	int *guess = NULL;
	int rc = TN_OK;

	for (size_t rows = 0; rc == TN_OK && rows < r->o.infer_rows; rows++) {
		bool got;

		rc = next_object(r, j, &got, err);
		if (rc != TN_OK || !got)
			break;
		for (size_t i = 0; rc == TN_OK && i < rec->n; i++) {
			const struct tio_val *v = &rec->vals[i];
			const char *key = rec->bytes.data + v->name_off;
			int col = tio_find_column(r, key, v->name_len);

			/* A key that cannot name a column stays unknown. */
			if (col < 0 && v->name_len > 0 && memchr(key, '\0', v->name_len) == NULL) {
				rc = tio_add_column(r, key, v->name_len, 0, 0, TIO_G_NONE, err);
				if (rc != TN_OK)
					break;
				col = (int)r->schema.ncols - 1;
				guess = tn_reallocarray(guess, r->schema.ncols, sizeof(*guess));
				guess[col] = TIO_G_NONE;
			}
			if (col >= 0)
				guess[col] = tio_guess_merge(
					guess[col],
					tio_guess_json(v->tag, rec->bytes.data + v->off, v->len));
		}
	}
	for (size_t c = 0; rc == TN_OK && c < r->schema.ncols; c++)
		tio_guess_type(guess[c], &r->schema.cols[c].type);
	free(guess);
	return rc;
}

int tio_jsonl_open(struct tio_reader *r, struct tn_err *err)
{
	struct jsonl *j = tn_calloc(1, sizeof(*j));
	struct tio_src *s = &r->src;
	int rc;

	r->ops = &jsonl_ops;
	r->state = j;
	tn_buf_init(&j->text, 0);
	rc = tio_src_start(s, err);
	if (rc != TN_OK)
		return rc;
	j->data_off = tio_src_offset(s);
	if (r->o.schema == NULL)
		rc = infer(r, j, err);
	tio_src_seek(s, j->data_off);
	j->line = 0;
	return rc;
}
