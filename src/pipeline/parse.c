/* parse.c - a pipeline's definitions: the statements of its .sql files
 * (CREATE OR REFRESH STREAMING TABLE, CREATE OR REFRESH MATERIALIZED VIEW,
 * APPLY CHANGES INTO), pipeline.conf, and the pipelines of a lakehouse.
 * Statements are read with the engine's lexer (sql.h); a query is kept as
 * text for the runner, only its STREAM source is taken apart here.
 *
 * The grammar (words in any ASCII case; statements end at ';'; comments
 * and empty statements anywhere; a name is one to three parts, `quoted`
 * or not, a leading LIVE. dropped):
 *
 *   CREATE [OR REFRESH] STREAMING [LIVE] TABLE name          -- streaming table
 *   CREATE STREAMING [LIVE] TABLE IF NOT EXISTS name
 *   CREATE [OR REFRESH] MATERIALIZED VIEW name               -- materialized view
 *   CREATE [OR REFRESH] LIVE TABLE name                      -- (legacy) the same
 *     [( element, ... )]   element: CONSTRAINT c EXPECT (cond)
 *                            [ON VIOLATION DROP ROW | ON VIOLATION FAIL UPDATE]
 *                          or anything else (a column or table constraint)
 *     then, in any order, each at most once:
 *     [PARTITIONED BY (col, ...)] [COMMENT 'text']
 *     [TBLPROPERTIES (key = literal, ...)]   key: 'string' or a dotted name
 *     AS query    (optional for a streaming table; required for a view)
 *
 *   APPLY CHANGES INTO name FROM STREAM(source) | STREAM source
 *     then, in any order, each at most once (KEYS required):
 *     KEYS (col, ...)  IGNORE NULL UPDATES  APPLY AS DELETE WHEN cond
 *     SEQUENCE BY expr  COLUMNS * EXCEPT (col, ...) | COLUMNS (col, ...) |
 *     COLUMNS col, ...  STORED AS SCD TYPE 1 | STORED AS SCD TYPE 2
 *     (refused: APPLY AS TRUNCATE WHEN, IGNORE NULL UPDATES ON, TRACK HISTORY)
 *
 *   A streaming table's query has exactly one STREAM source, a view's none:
 *     STREAM name | STREAM(name) | STREAM [(] fn(args) [)]
 *     fn: read_files('path', ...) | read_kafka(...) | read_http(['url',] ...)
 *     args: one leading string (not for read_kafka), then name => literal
 *     literal: 'string' | [-]number | true | false | null
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_int.h"
#include "store/store.h"

/* A pipeline file or pipeline.conf larger than this is refused. */
#define PL_FILE_MAX (16u << 20)

/* ------------------------------------------------------------- tokens */

static bool collect_tok(void *ctx, const struct tarn_token *t)
{
	struct pl_toks *tk = ctx;
	struct pl_tok *o;

	for (; tk->pos < t->start; tk->pos++)
		if (tk->text[tk->pos] == '\n')
			tk->line++;
	if (t->kind == TARN_TOK_SPACE || t->kind == TARN_TOK_COMMENT)
		return true;
	if (tk->n == tk->cap) {
		tk->cap = tk->cap ? 2 * tk->cap : 64;
		tk->t = tn_reallocarray(tk->t, tk->cap, sizeof(*tk->t));
	}
	o = &tk->t[tk->n++];
	o->kind = t->kind;
	o->start = t->start;
	o->len = t->len;
	o->line = tk->line;
	if (t->kind == TARN_TOK_OP && t->len == 1 && tk->text[t->start] == ')' && tk->depth > 0)
		tk->depth--;
	o->depth = tk->depth;
	if (t->kind == TARN_TOK_OP && t->len == 1 && tk->text[t->start] == '(')
		tk->depth++;
	return true;
}

void pl_toks_scan(struct pl_toks *tk, const char *text, size_t len)
{
	memset(tk, 0, sizeof(*tk));
	tk->text = text;
	tk->line = 1;
	tarn_sql_tokens(text, len, collect_tok, tk);
}

void pl_toks_done(struct pl_toks *tk)
{
	free(tk->t);
	memset(tk, 0, sizeof(*tk));
}

static bool ieq_n(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

bool pl_tok_is(const struct pl_toks *tk, size_t i, size_t n, const char *word)
{
	const struct pl_tok *t;

	if (i >= n)
		return false;
	t = &tk->t[i];
	return (t->kind == TARN_TOK_KEYWORD ||
		(t->kind == TARN_TOK_IDENT && tk->text[t->start] != '`')) &&
	       ieq_n(tk->text + t->start, t->len, word);
}

bool pl_tok_op(const struct pl_toks *tk, size_t i, size_t n, const char *op)
{
	return i < n && tk->t[i].kind == TARN_TOK_OP && strlen(op) == tk->t[i].len &&
	       memcmp(tk->text + tk->t[i].start, op, tk->t[i].len) == 0;
}

bool pl_tok_word(const struct pl_toks *tk, size_t i, size_t n)
{
	return i < n && (tk->t[i].kind == TARN_TOK_KEYWORD || tk->t[i].kind == TARN_TOK_IDENT);
}

char *pl_name_read(const struct pl_toks *tk, size_t *i, size_t n)
{
	size_t j = *i;
	char *name;

	if (!pl_tok_word(tk, j, n))
		return NULL;
	/* LIVE.x is the pipeline's own x (the legacy DLT spelling) */
	if (pl_tok_is(tk, j, n, "LIVE") && pl_tok_op(tk, j + 1, n, ".") &&
	    pl_tok_word(tk, j + 2, n))
		j += 2;
	name = tn_strndup(tk->text + tk->t[j].start, tk->t[j].len);
	j++;
	while (pl_tok_op(tk, j, n, ".") && pl_tok_word(tk, j + 1, n)) {
		char *longer = tn_asprintf("%s.%.*s", name, (int)tk->t[j + 1].len,
					   tk->text + tk->t[j + 1].start);

		free(name);
		name = longer;
		j += 2;
	}
	*i = j;
	return name;
}

char *pl_unquote_ident(const char *s, size_t len)
{
	struct tn_buf b = TN_BUF_INIT;

	if (len < 2 || s[0] != '`')
		return tn_strndup(s, len);
	tn_buf_reserve(&b, len, NULL);
	for (size_t i = 1; i + 1 < len; i++) {
		tn_buf_putc(&b, s[i], NULL);
		if (s[i] == '`' && s[i + 1] == '`')
			i++;
	}
	return tn_buf_detach(&b, NULL);
}

size_t pl_name_parts(const char *name, char *parts[3])
{
	size_t n = 0;
	const char *s = name;

	for (;;) {
		const char *e = s;

		if (*e == '`') {
			for (e++; *e; e++) {
				if (*e == '`' && e[1] == '`')
					e++;
				else if (*e == '`')
					break;
			}
			if (*e)
				e++;
		} else {
			while (*e && *e != '.')
				e++;
		}
		if (n == 3) {
			pl_parts_free(parts, n);
			return 0;
		}
		parts[n++] = pl_unquote_ident(s, (size_t)(e - s));
		if (*e != '.')
			return n;
		s = e + 1;
	}
}

void pl_parts_free(char *parts[3], size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(parts[i]);
}

/* ------------------------------------------------------------- parser */

/* One statement: tokens [first, end) of tk; i is the next to read. */
struct parser {
	const char *file;
	const char *text;
	const struct pl_toks *tk;
	size_t first, i, end;
	struct tn_err *err;
};

static const struct pl_tok *tok(const struct parser *p, size_t i)
{
	return &p->tk->t[i < p->end ? i : p->end - 1];
}

static bool is(const struct parser *p, size_t i, const char *word)
{
	return pl_tok_is(p->tk, i, p->end, word);
}

static bool is_op(const struct parser *p, size_t i, const char *op)
{
	return pl_tok_op(p->tk, i, p->end, op);
}

static bool accept(struct parser *p, const char *word)
{
	if (!is(p, p->i, word))
		return false;
	p->i++;
	return true;
}

static bool accept_op(struct parser *p, const char *op)
{
	if (!is_op(p, p->i, op))
		return false;
	p->i++;
	return true;
}

/* "FILE:LINE: message" at token i (the statement's last line past its end). */
static int fail(const struct parser *p, size_t i, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(const struct parser *p, size_t i, int code, const char *fmt, ...)
{
	char msg[TN_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return tn_err_set(p->err, code, "%s:%u: %s", p->file, tok(p, i)->line, msg);
}

/* Token i quoted for a message, or "the end of the statement". */
static const char *found(const struct parser *p, size_t i, char *buf, size_t size)
{
	const struct pl_tok *t;

	if (i >= p->end)
		return "the end of the statement";
	t = &p->tk->t[i];
	snprintf(buf, size, "'%.*s%s'", t->len > 40 ? 40 : (int)t->len, p->text + t->start,
		 t->len > 40 ? "..." : "");
	return buf;
}

static int expected(const struct parser *p, size_t i, const char *what)
{
	char buf[64];

	return fail(p, i, TN_EINVAL, "expected %s, found %s", what, found(p, i, buf, sizeof(buf)));
}

static int need(struct parser *p, const char *word)
{
	return accept(p, word) ? TN_OK : expected(p, p->i, word);
}

static int need_op(struct parser *p, const char *op)
{
	char what[8];

	if (accept_op(p, op))
		return TN_OK;
	snprintf(what, sizeof(what), "'%s'", op);
	return expected(p, p->i, what);
}

/* Not a pipeline statement: name its first words, through token last. */
static int unknown(const struct parser *p, size_t last)
{
	char words[64] = "";
	size_t n = 0;

	if (last >= p->end)
		last = p->end - 1;
	for (size_t i = p->first; i <= last && n < sizeof(words) - 1; i++) {
		const struct pl_tok *t = &p->tk->t[i];

		n += (size_t)snprintf(words + n, sizeof(words) - n, "%s%.*s",
				      i > p->first ? " " : "", (int)t->len, p->text + t->start);
	}
	return fail(p, p->first, TN_EINVAL,
		    "expected CREATE OR REFRESH STREAMING TABLE, CREATE OR REFRESH MATERIALIZED "
		    "VIEW or APPLY CHANGES INTO, found '%s'",
		    words);
}

/* The ')' that closes the '(' at open, or p->end. */
static size_t matching(const struct parser *p, size_t open)
{
	for (size_t k = open + 1; k < p->end; k++)
		if (is_op(p, k, ")") && p->tk->t[k].depth == p->tk->t[open].depth)
			return k;
	return p->end;
}

/* The text of tokens [a, b) (b > a), comments between them included. */
static char *text_of(const struct parser *p, size_t a, size_t b)
{
	const struct pl_tok *last = &p->tk->t[b - 1];

	return tn_strndup(p->text + p->tk->t[a].start, last->start + last->len - p->tk->t[a].start);
}

/* \uXXXX at s[0..4) as UTF-8 into b; false when it is not four hex
 * digits (or is NUL, which a C string cannot hold). */
static bool put_unicode(struct tn_buf *b, const char *s)
{
	unsigned cp = 0;
	char u[3];

	for (size_t k = 0; k < 4; k++) {
		int d = tn_hex_digit((unsigned char)s[k]);

		if (d < 0)
			return false;
		cp = cp * 16 + (unsigned)d;
	}
	if (cp == 0)
		return false;
	if (cp < 0x80) {
		u[0] = (char)cp;
		return tn_buf_append(b, u, 1, NULL) == TN_OK;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3F));
		return tn_buf_append(b, u, 2, NULL) == TN_OK;
	}
	u[0] = (char)(0xE0 | cp >> 12);
	u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
	u[2] = (char)(0x80 | (cp & 0x3F));
	return tn_buf_append(b, u, 3, NULL) == TN_OK;
}

/* A string literal's value: quotes removed, '' and Spark's backslash
 * escapes resolved (r'raw' strings keep their backslashes). */
static char *unescape_string(const char *s, size_t len)
{
	static const char from[] = "ntrb", to[] = "\n\t\r\b";
	struct tn_buf b = TN_BUF_INIT;
	bool raw = s[0] == 'r' || s[0] == 'R';
	char q;

	if (raw) {
		s++;
		len--;
	}
	q = s[0];
	tn_buf_reserve(&b, len, NULL);
	/* the text between the quotes is s[1..len-1) */
	for (size_t i = 1; i + 1 < len; i++) {
		char c = s[i];
		const char *m;

		if (c == q && i + 2 < len && s[i + 1] == q) {
			i++;
		} else if (c == '\\' && !raw && i + 2 < len) {
			c = s[++i];
			if (c == 'u' && i + 5 < len && put_unicode(&b, s + i + 1)) {
				i += 4;
				continue;
			}
			if (c == '%' || c == '_') /* Spark keeps these for LIKE patterns */
				tn_buf_putc(&b, '\\', NULL);
			else if ((m = strchr(from, c)) != NULL && c != '\0')
				c = to[m - from];
		}
		tn_buf_putc(&b, c, NULL);
	}
	return tn_buf_detach(&b, NULL);
}

/* A literal at *j: a string (unescaped), a number (with a sign), true,
 * false or null; the value's text in *out. */
static int literal(struct parser *p, size_t *j, const char *what, char **out)
{
	const struct pl_tok *t = tok(p, *j);
	const char *sign = "";
	size_t k = *j;

	if (k < p->end && t->kind == TARN_TOK_STRING) {
		*out = unescape_string(p->text + t->start, t->len);
		*j = k + 1;
		return TN_OK;
	}
	if (is_op(p, k, "-") || is_op(p, k, "+")) {
		sign = is_op(p, k, "-") ? "-" : "";
		t = tok(p, ++k);
	}
	if (k < p->end && t->kind == TARN_TOK_NUMBER) {
		*out = tn_asprintf("%s%.*s", sign, (int)t->len, p->text + t->start);
		*j = k + 1;
		return TN_OK;
	}
	if (k == *j && (is(p, k, "TRUE") || is(p, k, "FALSE") || is(p, k, "NULL"))) {
		*out = tn_str_lower(tn_strndup(p->text + t->start, t->len));
		*j = k + 1;
		return TN_OK;
	}
	return expected(p, k, what);
}

/* One name part at p->i (unquoted) into *out. */
static int column_name(struct parser *p, char **out)
{
	const struct pl_tok *t = tok(p, p->i);

	if (!pl_tok_word(p->tk, p->i, p->end))
		return expected(p, p->i, "a column name");
	*out = pl_unquote_ident(p->text + t->start, t->len);
	p->i++;
	return TN_OK;
}

static void strv_push(char ***v, size_t *n, char *s)
{
	*v = tn_reallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = s;
}

/* a, b, c (in parentheses when paren). */
static int column_list(struct parser *p, bool paren, char ***v, size_t *n)
{
	int rc;

	if (paren && (rc = need_op(p, "(")) != TN_OK)
		return rc;
	do {
		char *c = NULL;

		if ((rc = column_name(p, &c)) != TN_OK)
			return rc;
		strv_push(v, n, c);
	} while (accept_op(p, ","));
	return paren ? need_op(p, ")") : TN_OK;
}

/* A dataset's name at p->i: one to three parts, LIVE. dropped. */
static int dataset_name(struct parser *p, char **out)
{
	size_t at = p->i, n;
	char *parts[3];

	*out = pl_name_read(p->tk, &p->i, p->end);
	if (*out == NULL)
		return expected(p, p->i, "a name");
	n = pl_name_parts(*out, parts);
	pl_parts_free(parts, n);
	if (n == 0)
		return fail(p, at, TN_EINVAL, "%s: a name has at most three parts", *out);
	return TN_OK;
}

/* -------------------------------------------------- CREATE statements */

/* CONSTRAINT name EXPECT (expr) [ON VIOLATION DROP ROW | FAIL UPDATE]:
 * tokens [k, e) of a table specification. */
static int expectation(struct parser *p, struct pl_dataset *ds, size_t k, size_t e)
{
	struct pl_expect x = {NULL, NULL, PL_KEEP};
	size_t open = k + 3, close, j;
	const struct pl_tok *t = tok(p, k + 1);

	if (!is_op(p, open, "("))
		return expected(p, open, "'(' after EXPECT");
	close = matching(p, open);
	if (close >= e)
		return expected(p, close < p->end ? close : e, "')' closing EXPECT (");
	if (close == open + 1)
		return expected(p, close, "a condition inside EXPECT ( )");
	j = close + 1;
	if (pl_tok_is(p->tk, j, e, "ON")) {
		if (!pl_tok_is(p->tk, j + 1, e, "VIOLATION"))
			return expected(p, j + 1, "VIOLATION");
		if (pl_tok_is(p->tk, j + 2, e, "DROP") && pl_tok_is(p->tk, j + 3, e, "ROW"))
			x.on = PL_DROP;
		else if (pl_tok_is(p->tk, j + 2, e, "FAIL") && pl_tok_is(p->tk, j + 3, e, "UPDATE"))
			x.on = PL_FAIL;
		else
			return expected(p, j + 2, "DROP ROW or FAIL UPDATE");
		j += 4;
	}
	if (j != e)
		return expected(p, j, "ON VIOLATION, ',' or ')'");
	x.name = pl_unquote_ident(p->text + t->start, t->len);
	for (size_t i = 0; i < ds->nexpects; i++) {
		if (tn_str_ieq(ds->expects[i].name, x.name)) {
			free(x.name);
			return fail(p, k, TN_EINVAL, "expectation %s given twice",
				    ds->expects[i].name);
		}
	}
	x.expr = text_of(p, open + 1, close);
	ds->expects = tn_reallocarray(ds->expects, ds->nexpects + 1, sizeof(*ds->expects));
	ds->expects[ds->nexpects++] = x;
	return TN_OK;
}

/* ( column definitions and CONSTRAINT ... EXPECT ... , ... ) at p->i. */
static int table_spec(struct parser *p, struct pl_dataset *ds)
{
	struct tn_buf cols = TN_BUF_INIT;
	size_t open = p->i, close = matching(p, open), k = open + 1;
	unsigned inner = p->tk->t[open].depth + 1;
	int rc = TN_OK;

	if (close >= p->end)
		return expected(p, p->end, "')' closing the column list");
	for (;;) {
		size_t e = k;

		while (e < close && !(is_op(p, e, ",") && p->tk->t[e].depth == inner))
			e++;
		if (e == k) {
			rc = expected(p, k, "a column definition or CONSTRAINT");
			break;
		}
		if (is(p, k, "CONSTRAINT") && pl_tok_word(p->tk, k + 1, e) &&
		    pl_tok_is(p->tk, k + 2, e, "EXPECT")) {
			if ((rc = expectation(p, ds, k, e)) != TN_OK)
				break;
		} else {
			char *c = text_of(p, k, e);

			tn_buf_printf(&cols, NULL, "%s%s", cols.len ? ", " : "", c);
			free(c);
		}
		if (e == close)
			break;
		k = e + 1;
	}
	if (rc == TN_OK && cols.len)
		ds->columns = tn_buf_detach(&cols, NULL);
	tn_buf_done(&cols);
	p->i = close + 1;
	return rc;
}

/* TBLPROPERTIES ('k' = 'v', a.b = true, ...) */
static int properties(struct parser *p, struct pl_dataset *ds)
{
	int rc;

	if ((rc = need_op(p, "(")) != TN_OK)
		return rc;
	do {
		struct pl_option o = {NULL, NULL};
		const struct pl_tok *t = tok(p, p->i);

		if (p->i < p->end && t->kind == TARN_TOK_STRING) {
			o.name = unescape_string(p->text + t->start, t->len);
			p->i++;
		} else if ((o.name = pl_name_read(p->tk, &p->i, p->end)) == NULL) {
			return expected(p, p->i, "a property name");
		}
		if ((rc = need_op(p, "=")) == TN_OK)
			rc = literal(p, &p->i, "a property value (a string, number, true or false)",
				     &o.value);
		if (rc != TN_OK) {
			free(o.name);
			return rc;
		}
		ds->props = tn_reallocarray(ds->props, ds->nprops + 1, sizeof(*ds->props));
		ds->props[ds->nprops++] = o;
	} while (accept_op(p, ","));
	return need_op(p, ")");
}

static bool source_fn(const struct parser *p, size_t j, enum pl_source_kind *kind)
{
	static const struct {
		const char *name;
		enum pl_source_kind kind;
	} fns[] = {{"read_files", PL_SRC_FILES},
		   {"read_kafka", PL_SRC_KAFKA},
		   {"read_http", PL_SRC_HTTP}};

	for (size_t i = 0; i < sizeof(fns) / sizeof(*fns); i++) {
		if (is(p, j, fns[i].name)) {
			*kind = fns[i].kind;
			return true;
		}
	}
	return false;
}

/* The arguments of a source function: '(' at open. Returns the index after
 * its ')' in *next. */
static int source_args(struct parser *p, struct pl_source *s, size_t fn, size_t open, size_t *next)
{
	const char *fname = s->kind == PL_SRC_FILES   ? "read_files"
			    : s->kind == PL_SRC_KAFKA ? "read_kafka"
						      : "read_http";
	size_t close = matching(p, open), j = open + 1;
	int rc;

	if (close >= p->end)
		return expected(p, p->end, "')' closing the source's arguments");
	while (j < close) {
		const struct pl_tok *t = tok(p, j);

		if (pl_tok_word(p->tk, j, close) && is_op(p, j + 1, "=>")) {
			struct pl_option o = {pl_unquote_ident(p->text + t->start, t->len), NULL};

			for (size_t i = 0; i < s->nopts; i++) {
				if (tn_str_ieq(s->opts[i].name, o.name)) {
					rc = fail(p, j, TN_EINVAL, "%s: option %s given twice",
						  fname, o.name);
					free(o.name);
					return rc;
				}
			}
			j += 2;
			if ((rc = literal(p, &j, "a literal (a string, number, true or false)",
					  &o.value)) != TN_OK) {
				free(o.name);
				return rc;
			}
			s->opts = tn_reallocarray(s->opts, s->nopts + 1, sizeof(*s->opts));
			s->opts[s->nopts++] = o;
		} else {
			if (s->path || s->kind == PL_SRC_KAFKA)
				return fail(p, j, TN_EINVAL, "%s: give options as name => value",
					    fname);
			if (t->kind != TARN_TOK_STRING)
				return expected(p, j,
						s->kind == PL_SRC_FILES ? "a path string"
									: "a URL string");
			s->path = unescape_string(p->text + t->start, t->len);
			j++;
		}
		if (j == close)
			break;
		if (!is_op(p, j, ","))
			return expected(p, j, "',' or ')'");
		if (++j == close)
			return expected(p, j, "an argument");
	}
	if (s->kind == PL_SRC_HTTP && s->path == NULL) {
		for (size_t i = 0; i < s->nopts; i++)
			if (tn_str_ieq(s->opts[i].name, "url"))
				s->path = tn_strdup(s->opts[i].value);
	}
	if (s->kind == PL_SRC_FILES && s->path == NULL)
		return fail(p, fn, TN_EINVAL,
			    "read_files needs a path: read_files('path or glob', "
			    "format => ...)");
	if (s->kind == PL_SRC_HTTP && s->path == NULL)
		return fail(p, fn, TN_EINVAL,
			    "read_http needs a URL: read_http('url', ...) or "
			    "read_http(url => '...')");
	*next = close + 1;
	return TN_OK;
}

/* The STREAM source at token k (STREAM) of a query starting at byte qoff;
 * *next is the token after it. */
static int stream_source(struct parser *p, struct pl_source *s, size_t k, size_t qoff, size_t *next)
{
	size_t j = k + 1;
	bool paren = is_op(p, j, "(");
	const struct pl_tok *last;
	int rc;

	if (paren)
		j++;
	if (pl_tok_word(p->tk, j, p->end) && is_op(p, j + 1, "(")) {
		if (!source_fn(p, j, &s->kind)) {
			const struct pl_tok *t = tok(p, j);

			return fail(p, j, TN_EINVAL,
				    "unknown streaming source %.*s (expected "
				    "read_files, read_kafka or read_http)",
				    (int)t->len, p->text + t->start);
		}
		if ((rc = source_args(p, s, j, j + 1, &j)) != TN_OK)
			return rc;
	} else {
		s->table = pl_name_read(p->tk, &j, p->end);
		if (s->table == NULL)
			return expected(p, j,
					"a table or read_files, read_kafka or read_http after "
					"STREAM");
		s->kind = PL_SRC_TABLE;
	}
	if (paren) {
		if (!is_op(p, j, ")"))
			return expected(p, j, "')'");
		j++;
	}
	last = tok(p, j - 1);
	s->start = tok(p, k)->start - qoff;
	s->len = last->start + last->len - tok(p, k)->start;
	*next = j;
	return TN_OK;
}

/* The query of a streaming table (tokens from q on) reads exactly one
 * STREAM source; a materialized view's reads none. */
static int query_sources(struct parser *p, struct pl_dataset *ds, size_t q)
{
	size_t qoff = tok(p, q)->start;
	unsigned first_line = 0;
	int rc;

	for (size_t k = q; k < p->end; k++) {
		if (!is(p, k, "STREAM"))
			continue;
		if (ds->kind == PL_MATERIALIZED_VIEW)
			return fail(p, k, TN_EINVAL,
				    "materialized view %s reads STREAM: only a "
				    "streaming table reads a stream",
				    ds->name);
		if (first_line)
			return fail(p, k, TN_EINVAL,
				    "streaming table %s reads a second STREAM source "
				    "(the first is on line %u): a streaming table reads one",
				    ds->name, first_line);
		first_line = tok(p, k)->line;
		if ((rc = stream_source(p, &ds->source, k, qoff, &k)) != TN_OK)
			return rc;
		k--;
	}
	if (ds->kind == PL_STREAMING_TABLE && !first_line)
		return fail(p, p->first, TN_EINVAL,
			    "streaming table %s reads no STREAM source "
			    "(STREAM read_files(...), STREAM(table), STREAM read_kafka(...) or "
			    "STREAM read_http(...))",
			    ds->name);
	return TN_OK;
}

/* CREATE [OR REFRESH] STREAMING [LIVE] TABLE | MATERIALIZED VIEW | LIVE TABLE ... */
static int create_stmt(struct parser *p, struct pl_dataset *ds)
{
	bool or_refresh = false;
	const char *clauses;
	int rc;

	p->i++;
	if (accept(p, "OR")) {
		if (!accept(p, "REFRESH"))
			return unknown(p, p->i);
		or_refresh = true;
	}
	if (accept(p, "STREAMING")) {
		accept(p, "LIVE");
		if (!accept(p, "TABLE"))
			return unknown(p, p->i);
		ds->kind = PL_STREAMING_TABLE;
	} else if (accept(p, "LIVE")) {
		/* the legacy LIVE TABLE is a materialized view */
		if (!accept(p, "TABLE"))
			return unknown(p, p->i);
		ds->kind = PL_MATERIALIZED_VIEW;
	} else if (accept(p, "MATERIALIZED")) {
		if (!accept(p, "VIEW"))
			return unknown(p, p->i);
		ds->kind = PL_MATERIALIZED_VIEW;
	} else {
		return unknown(p, p->i);
	}
	if (!or_refresh && accept(p, "IF") &&
	    ((rc = need(p, "NOT")) != TN_OK || (rc = need(p, "EXISTS")) != TN_OK))
		return rc;
	if ((rc = dataset_name(p, &ds->name)) != TN_OK)
		return rc;
	if (is_op(p, p->i, "(") && (rc = table_spec(p, ds)) != TN_OK)
		return rc;
	for (;;) {
		size_t at = p->i;

		if (accept(p, "PARTITIONED")) {
			if (ds->partition_by)
				return fail(p, at, TN_EINVAL, "PARTITIONED BY given twice");
			if ((rc = need(p, "BY")) != TN_OK ||
			    (rc = column_list(p, true, &ds->partition_by, &ds->npartition_by)) !=
				    TN_OK)
				return rc;
		} else if (accept(p, "COMMENT")) {
			const struct pl_tok *t = tok(p, p->i);

			if (ds->comment)
				return fail(p, at, TN_EINVAL, "COMMENT given twice");
			if (p->i >= p->end || t->kind != TARN_TOK_STRING)
				return expected(p, p->i, "a string after COMMENT");
			ds->comment = unescape_string(p->text + t->start, t->len);
			p->i++;
		} else if (accept(p, "TBLPROPERTIES")) {
			if (ds->props)
				return fail(p, at, TN_EINVAL, "TBLPROPERTIES given twice");
			if ((rc = properties(p, ds)) != TN_OK)
				return rc;
		} else {
			break;
		}
	}
	clauses = ds->kind == PL_STREAMING_TABLE
			  ? "PARTITIONED BY, COMMENT, TBLPROPERTIES, AS or the end of the statement"
			  : "PARTITIONED BY, COMMENT, TBLPROPERTIES or AS";
	if (!accept(p, "AS")) {
		if (p->i < p->end || ds->kind == PL_MATERIALIZED_VIEW)
			return expected(p, p->i, clauses);
		return TN_OK; /* a streaming table that flows (APPLY CHANGES) write into */
	}
	if (p->i >= p->end)
		return expected(p, p->i, "a query after AS");
	ds->query = text_of(p, p->i, p->end);
	return query_sources(p, ds, p->i);
}

/* ------------------------------------------------------ APPLY CHANGES */

/* Where an APPLY CHANGES clause starts (at the expression's depth). */
static bool apply_clause(const struct parser *p, size_t k)
{
	return (is(p, k, "KEYS") && is_op(p, k + 1, "(")) ||
	       (is(p, k, "IGNORE") && is(p, k + 1, "NULL")) ||
	       (is(p, k, "APPLY") && is(p, k + 1, "AS")) ||
	       (is(p, k, "SEQUENCE") && is(p, k + 1, "BY")) || is(p, k, "COLUMNS") ||
	       (is(p, k, "STORED") && is(p, k + 1, "AS")) ||
	       (is(p, k, "TRACK") && is(p, k + 1, "HISTORY"));
}

/* An expression from p->i to the next clause: its text in *out. */
static int apply_expr(struct parser *p, const char *what, char **out)
{
	size_t k = p->i;

	while (k < p->end && !(p->tk->t[k].depth == p->tk->t[p->i].depth && apply_clause(p, k)))
		k++;
	if (k == p->i)
		return expected(p, k, what);
	*out = text_of(p, p->i, k);
	p->i = k;
	return TN_OK;
}

static int twice(const struct parser *p, size_t at, bool seen, const char *clause)
{
	return seen ? fail(p, at, TN_EINVAL, "%s given twice", clause) : TN_OK;
}

/* One clause of APPLY CHANGES after the source. */
static int apply_clause_parse(struct parser *p, struct pl_dataset *ds, bool *ignore_seen)
{
	struct pl_apply *a = &ds->apply;
	size_t at = p->i;
	int rc;

	if (accept(p, "KEYS")) {
		if ((rc = twice(p, at, a->keys != NULL, "KEYS")) != TN_OK)
			return rc;
		return column_list(p, true, &a->keys, &a->nkeys);
	}
	if (accept(p, "IGNORE")) {
		if ((rc = twice(p, at, *ignore_seen, "IGNORE NULL UPDATES")) != TN_OK ||
		    (rc = need(p, "NULL")) != TN_OK || (rc = need(p, "UPDATES")) != TN_OK)
			return rc;
		if (is(p, p->i, "ON"))
			return fail(p, p->i, TN_EUNSUPPORTED,
				    "IGNORE NULL UPDATES ON columns is not supported");
		*ignore_seen = a->ignore_null_updates = true;
		return TN_OK;
	}
	if (accept(p, "APPLY")) {
		if ((rc = need(p, "AS")) != TN_OK)
			return rc;
		if (is(p, p->i, "TRUNCATE"))
			return fail(p, p->i, TN_EUNSUPPORTED,
				    "APPLY AS TRUNCATE WHEN is not "
				    "supported (it exists only for SCD type 1 and truncates the "
				    "whole target)");
		if ((rc = need(p, "DELETE")) != TN_OK || (rc = need(p, "WHEN")) != TN_OK ||
		    (rc = twice(p, at, a->delete_when != NULL, "APPLY AS DELETE WHEN")) != TN_OK)
			return rc;
		return apply_expr(p, "a condition after APPLY AS DELETE WHEN", &a->delete_when);
	}
	if (accept(p, "SEQUENCE")) {
		if ((rc = need(p, "BY")) != TN_OK ||
		    (rc = twice(p, at, a->sequence_by != NULL, "SEQUENCE BY")) != TN_OK)
			return rc;
		return apply_expr(p, "a column after SEQUENCE BY", &a->sequence_by);
	}
	if (accept(p, "COLUMNS")) {
		if ((rc = twice(p, at, a->columns || a->except_cols, "COLUMNS")) != TN_OK)
			return rc;
		if (accept_op(p, "*")) {
			if ((rc = need(p, "EXCEPT")) != TN_OK)
				return rc;
			return column_list(p, true, &a->except_cols, &a->nexcept);
		}
		return column_list(p, is_op(p, p->i, "("), &a->columns, &a->ncolumns);
	}
	if (accept(p, "STORED")) {
		const struct pl_tok *t;

		if ((rc = need(p, "AS")) != TN_OK || (rc = need(p, "SCD")) != TN_OK ||
		    (rc = need(p, "TYPE")) != TN_OK)
			return rc;
		t = tok(p, p->i);
		if (p->i >= p->end || t->kind != TARN_TOK_NUMBER || t->len != 1 ||
		    (p->text[t->start] != '1' && p->text[t->start] != '2'))
			return expected(p, p->i, "1 or 2 after SCD TYPE");
		a->scd_type = p->text[t->start] - '0';
		p->i++;
		return TN_OK;
	}
	if (is(p, p->i, "TRACK") && is(p, p->i + 1, "HISTORY"))
		return fail(p, p->i, TN_EUNSUPPORTED,
			    "TRACK HISTORY ON is not supported: SCD type "
			    "2 tracks history on every column");
	return expected(p, p->i,
			"KEYS, IGNORE NULL UPDATES, APPLY AS DELETE WHEN, SEQUENCE BY, "
			"COLUMNS, STORED AS SCD TYPE or the end of the statement");
}

/* APPLY CHANGES INTO target FROM STREAM(source) KEYS (...) clauses */
static int apply_stmt(struct parser *p, struct pl_dataset *ds)
{
	bool paren, ignore_seen = false;
	int rc;

	ds->kind = PL_APPLY_CHANGES;
	ds->apply.scd_type = 1;
	p->i++;
	if (!accept(p, "CHANGES") || !accept(p, "INTO"))
		return unknown(p, p->i);
	if ((rc = dataset_name(p, &ds->name)) != TN_OK || (rc = need(p, "FROM")) != TN_OK)
		return rc;
	if (!accept(p, "STREAM"))
		return expected(p, p->i, "STREAM(source): APPLY CHANGES reads a stream");
	paren = accept_op(p, "(");
	ds->apply.source = pl_name_read(p->tk, &p->i, p->end);
	if (ds->apply.source == NULL)
		return expected(p, p->i, "the source table after STREAM");
	if (paren && (rc = need_op(p, ")")) != TN_OK)
		return rc;
	while (p->i < p->end)
		if ((rc = apply_clause_parse(p, ds, &ignore_seen)) != TN_OK)
			return rc;
	if (ds->apply.keys == NULL)
		return fail(p, p->first, TN_EINVAL, "APPLY CHANGES INTO %s needs KEYS (...)",
			    ds->name);
	return TN_OK;
}

/* ------------------------------------------------------------ datasets */

static void options_free(struct pl_option *o, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(o[i].name);
		free(o[i].value);
	}
	free(o);
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void dataset_free(struct pl_dataset *ds)
{
	struct pl_apply *a = &ds->apply;

	free(ds->name);
	free(ds->file);
	free(ds->query);
	free(ds->columns);
	free(ds->source.table);
	free(ds->source.path);
	options_free(ds->source.opts, ds->source.nopts);
	for (size_t i = 0; i < ds->nexpects; i++) {
		free(ds->expects[i].name);
		free(ds->expects[i].expr);
	}
	free(ds->expects);
	free(ds->comment);
	options_free(ds->props, ds->nprops);
	strv_free(ds->partition_by, ds->npartition_by);
	free(a->source);
	strv_free(a->keys, a->nkeys);
	free(a->sequence_by);
	free(a->delete_when);
	strv_free(a->except_cols, a->nexcept);
	strv_free(a->columns, a->ncolumns);
	free(ds->deps);
	strv_free(ds->external, ds->nexternal);
	memset(ds, 0, sizeof(*ds));
}

static int statement(struct parser *p, struct pl_dataset *ds)
{
	for (size_t k = p->first; k < p->end; k++) {
		const struct pl_tok *t = &p->tk->t[k];
		char c = p->text[t->start];

		if (t->kind != TARN_TOK_ERROR)
			continue;
		if (c == '\'' || c == '"' || c == '`' || c == '/' || c == 'r' || c == 'R')
			return fail(p, k, TN_EINVAL, "unterminated %s",
				    c == '`'   ? "quoted name"
				    : c == '/' ? "comment"
					       : "string");
		return fail(p, k, TN_EINVAL, "unexpected character '%c'", c);
	}
	if (is(p, p->i, "CREATE"))
		return create_stmt(p, ds);
	if (is(p, p->i, "APPLY"))
		return apply_stmt(p, ds);
	return unknown(p, p->i);
}

int pipeline_parse(struct pipeline *pl, const char *file, const char *text, size_t len,
		   struct tn_err *err)
{
	struct pl_toks tk;
	size_t s = 0;
	int rc = TN_OK;

	pl_toks_scan(&tk, text, len);
	for (size_t k = 0; k <= tk.n && rc == TN_OK; k++) {
		struct parser p = {file, text, &tk, s, s, k, err};
		struct pl_dataset ds;

		if (k < tk.n && !pl_tok_op(&tk, k, tk.n, ";"))
			continue;
		s = k + 1;
		if (p.end == p.first)
			continue;
		memset(&ds, 0, sizeof(ds));
		ds.file = tn_strdup(file);
		ds.line = tk.t[p.first].line;
		if ((rc = statement(&p, &ds)) != TN_OK) {
			dataset_free(&ds);
			break;
		}
		pl->ds = tn_reallocarray(pl->ds, pl->n + 1, sizeof(*pl->ds));
		pl->ds[pl->n++] = ds;
	}
	pl_toks_done(&tk);
	return rc;
}

void pipeline_free(struct pipeline *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		dataset_free(&p->ds[i]);
	free(p->ds);
	free(p->order);
	free(p->name);
	free(p->dir);
	free(p->catalog);
	free(p->schema);
	memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------ pipeline.conf */

static bool plain_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

/* catalog = NAME / schema = NAME lines, '#' comments. */
static int parse_conf(struct pipeline *p, const char *file, char *text, struct tn_err *err)
{
	unsigned line = 0;
	char *next = text;

	while (next != NULL && *next) {
		char *l = next, *eq, *key, *val, **slot;

		line++;
		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		if (strchr(l, '#'))
			*strchr(l, '#') = '\0';
		l = tn_str_trim(l);
		if (*l == '\0')
			continue;
		eq = strchr(l, '=');
		if (eq == NULL)
			return tn_err_set(err, TN_EINVAL,
					  "%s:%u: expected 'catalog = NAME' or "
					  "'schema = NAME', found '%s'",
					  file, line, l);
		*eq = '\0';
		key = tn_str_trim(l);
		val = tn_str_trim(eq + 1);
		if (tn_str_ieq(key, "catalog"))
			slot = &p->catalog;
		else if (tn_str_ieq(key, "schema"))
			slot = &p->schema;
		else
			return tn_err_set(err, TN_EINVAL,
					  "%s:%u: unknown setting '%s' (catalog or "
					  "schema)",
					  file, line, key);
		if (!plain_name(val))
			return tn_err_set(err, TN_EINVAL,
					  "%s:%u: %s: expected a name of letters, "
					  "digits and _, found '%s'",
					  file, line, key, val);
		if (*slot)
			return tn_err_set(err, TN_EINVAL, "%s:%u: %s given twice", file, line, key);
		*slot = tn_str_lower(tn_strdup(val));
	}
	return TN_OK;
}

/* The default schema: the pipeline's name lower-cased, other characters
 * than [a-z0-9_] turned to '_'. */
static char *default_schema(const char *name)
{
	char *s = tn_str_lower(tn_strdup(name));

	for (char *c = s; *c; c++)
		if (!(*c == '_' || (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z')))
			*c = '_';
	return s;
}

static char *dir_base(const char *dir)
{
	size_t n = strlen(dir);
	const char *s;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	s = dir + n;
	while (s > dir && s[-1] != '/')
		s--;
	return tn_strndup(s, (size_t)(dir + n - s));
}

static int read_text(struct store *st, const char *path, struct tn_buf *b, struct tn_err *err)
{
	tn_buf_reset(b);
	return store_read_all(st, path, b, err);
}

int pipeline_load(const char *dir, const char *name, struct pipeline *out, struct tn_err *err)
{
	struct store *st = store_local_new("");
	struct store_list l = {NULL, 0};
	struct tn_buf b;
	char *conf = tn_path_join(dir, "pipeline.conf");
	size_t nfiles = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	tn_buf_init(&b, PL_FILE_MAX);
	out->dir = tn_strdup(dir);
	out->name = name ? tn_strdup(name) : dir_base(dir);
	if ((rc = store_list(st, dir, false, &l, err)) != TN_OK) {
		if (rc == TN_ENOENT)
			tn_err_set(err, TN_ENOENT, "%s: no such pipeline folder", dir);
		goto out;
	}
	rc = read_text(st, conf, &b, err);
	if (rc == TN_OK && (rc = tn_buf_reserve(&b, 1, err)) == TN_OK) /* b.data a string */
		rc = parse_conf(out, conf, b.data, err);
	else if (rc == TN_ENOENT)
		rc = TN_OK, tn_err_clear(err);
	if (rc != TN_OK)
		goto out;
	if (out->catalog == NULL)
		out->catalog = tn_strdup("main");
	if (out->schema == NULL)
		out->schema = default_schema(out->name);
	for (size_t i = 0; i < l.count && rc == TN_OK; i++) {
		const struct store_entry *e = &l.entries[i];

		if (e->st.is_dir || !tn_str_endswith(e->path, ".sql"))
			continue;
		nfiles++;
		if ((rc = read_text(st, e->path, &b, err)) == TN_OK)
			rc = pipeline_parse(out, e->path, b.data ? b.data : "", b.len, err);
	}
	if (rc == TN_OK && nfiles == 0)
		rc = tn_err_set(err, TN_ENOENT, "%s: no .sql file in the pipeline folder", dir);
	if (rc == TN_OK)
		rc = pipeline_resolve(out, err);
out:
	if (rc != TN_OK)
		pipeline_free(out);
	store_list_done(&l);
	tn_buf_done(&b);
	free(conf);
	store_free(st);
	return rc;
}

/* ----------------------------------------------------------- lakehouse */

static bool has_sql_file(struct store *st, const char *dir)
{
	struct store_list l = {NULL, 0};
	bool any = false;

	if (store_list(st, dir, false, &l, NULL) != TN_OK)
		return false;
	for (size_t i = 0; i < l.count && !any; i++)
		any = !l.entries[i].st.is_dir && tn_str_endswith(l.entries[i].path, ".sql");
	store_list_done(&l);
	return any;
}

int pipeline_list(const char *lakehouse, char ***names, size_t *n, struct tn_err *err)
{
	struct store *st = store_local_new("");
	struct store_list l = {NULL, 0};
	char *root = tn_path_join(lakehouse, "pipelines");
	int rc = store_list(st, root, false, &l, err);

	*names = NULL;
	*n = 0;
	if (rc == TN_ENOENT) {
		tn_err_clear(err);
		rc = TN_OK;
	}
	for (size_t i = 0; i < l.count && rc == TN_OK; i++)
		if (l.entries[i].st.is_dir && has_sql_file(st, l.entries[i].path))
			strv_push(names, n, tn_strdup(tn_path_base(l.entries[i].path)));
	store_list_done(&l);
	free(root);
	store_free(st);
	return rc;
}

void pipeline_names_free(char **names, size_t n)
{
	strv_free(names, n);
}

char *pipeline_dir(const char *lakehouse, const char *name)
{
	char *root, *dir;

	if (strchr(name, '/'))
		return tn_strdup(name);
	root = tn_path_join(lakehouse, "pipelines");
	dir = tn_path_join(root, name);
	free(root);
	return dir;
}

char *pipeline_event_log_path(const char *lakehouse, const char *name)
{
	char *dir = pipeline_dir(lakehouse, name), *path = tn_path_join(dir, "_event_log");

	free(dir);
	return path;
}
