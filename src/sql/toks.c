/* toks.c - a statement as a token array, and the small recursive-descent
 * helpers the statement parsers share (see session.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "sql/session.h"

void toks_init(struct toks *ts, const char *text, size_t len)
{
	struct sql_lexer lx;
	size_t cap = 64;

	memset(ts, 0, sizeof(*ts));
	ts->text = text;
	ts->len = len;
	ts->t = tn_malloc(cap * sizeof(*ts->t));
	sql_lex_init(&lx, text, len);
	for (;;) {
		struct sql_token t = sql_lex_next(&lx);

		if (t.kind == SQL_TOK_SPACE || t.kind == SQL_TOK_COMMENT)
			continue;
		if (ts->n + 1 >= cap) {
			cap *= 2;
			ts->t = tn_realloc(ts->t, cap * sizeof(*ts->t));
		}
		ts->t[ts->n++] = t;
		if (t.kind == SQL_TOK_END)
			break;
	}
	ts->n--; /* the END token stays after the last one */
}

void toks_done(struct toks *ts)
{
	free(ts->t);
	ts->t = NULL;
}

const struct sql_token *tk_peek(const struct toks *ts, size_t ahead)
{
	size_t i = ts->pos + ahead;

	return &ts->t[i < ts->n ? i : ts->n];
}

static bool tok_is_word(const struct toks *ts, const struct sql_token *t, const char *w)
{
	return (t->kind == SQL_TOK_KEYWORD || (t->kind == SQL_TOK_IDENT && !t->quoted)) &&
	       t->len == strlen(w) && strncasecmp(ts->text + t->start, w, t->len) == 0;
}

bool tk_is_kw(const struct toks *ts, size_t ahead, const char *kw)
{
	return tok_is_word(ts, tk_peek(ts, ahead), kw);
}

bool tk_is_op(const struct toks *ts, size_t ahead, const char *op)
{
	const struct sql_token *t = tk_peek(ts, ahead);

	return t->kind == SQL_TOK_OP && t->len == strlen(op) &&
	       memcmp(ts->text + t->start, op, t->len) == 0;
}

bool tk_accept_kw(struct toks *ts, const char *kw)
{
	if (!tk_is_kw(ts, 0, kw))
		return false;
	ts->pos++;
	return true;
}

bool tk_accept_op(struct toks *ts, const char *op)
{
	if (!tk_is_op(ts, 0, op))
		return false;
	ts->pos++;
	return true;
}

bool tk_at_end(const struct toks *ts)
{
	return ts->pos >= ts->n || (tk_is_op(ts, 0, ";") && ts->pos + 1 >= ts->n);
}

void sess_caret(struct tn_err *err, const char *text, size_t len, size_t off)
{
	size_t ls = off, le = off, used = strlen(err->msg), col;
	int width;

	if (off > len)
		off = len;
	ls = off;
	while (ls > 0 && text[ls - 1] != '\n')
		ls--;
	le = off;
	while (le < len && text[le] != '\n')
		le++;
	/* keep the shown line within 100 bytes around the error */
	if (off - ls > 70)
		ls = off - 70;
	if (le - ls > 100)
		le = ls + 100;
	col = off - ls;
	width = (int)(le - ls);
	if (used < sizeof(err->msg))
		snprintf(err->msg + used, sizeof(err->msg) - used, "\n  %.*s\n  %*s^", width,
			 text + ls, (int)col, "");
}

static void where_of(const struct toks *ts, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < ts->len; i++) {
		if (ts->text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int tk_error(const struct toks *ts, struct tn_err *err, const char *fmt, ...)
{
	const struct sql_token *t = tk_peek(ts, 0);
	char what[256];
	unsigned line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	where_of(ts, t->start, &line, &col);
	if (t->kind == SQL_TOK_END || ts->pos >= ts->n)
		tn_err_set(err, TN_EINVAL, "line %u, column %u: syntax error: %s at the end of the statement",
			   line, col, what);
	else
		tn_err_set(err, TN_EINVAL, "line %u, column %u: syntax error: %s near '%.*s'", line,
			   col, what, (int)(t->len > 40 ? 40 : t->len), ts->text + t->start);
	sess_caret(err, ts->text, ts->len, t->start);
	return TN_EINVAL;
}

int tk_expect_kw(struct toks *ts, const char *kw, struct tn_err *err)
{
	if (tk_accept_kw(ts, kw))
		return TN_OK;
	return tk_error(ts, err, "expected %s", kw);
}

int tk_expect_op(struct toks *ts, const char *op, struct tn_err *err)
{
	if (tk_accept_op(ts, op))
		return TN_OK;
	return tk_error(ts, err, "expected '%s'", op);
}

/* Keywords that may not be names without quotes (they end clauses). */
static const char *const reserved[] = {
	"ALL", "AND", "AS", "BY", "CASE", "CROSS", "DISTINCT", "ELSE", "END", "EXCEPT", "FROM",
	"FULL", "GROUP", "HAVING", "IN", "INNER", "INTERSECT", "INTO", "IS", "JOIN", "LEFT",
	"LIMIT", "NATURAL", "NOT", "NULL", "ON", "OR", "ORDER", "OUTER", "RIGHT", "SELECT",
	"THEN", "UNION", "USING", "WHEN", "WHERE", "WINDOW", "WITH", "SET", "VALUES", "ANTI",
	"SEMI", "LATERAL", "QUALIFY", "OFFSET", "MINUS", NULL,
};

static bool is_reserved(const struct toks *ts, const struct sql_token *t)
{
	if (t->kind != SQL_TOK_KEYWORD)
		return false;
	for (size_t i = 0; reserved[i]; i++)
		if (tok_is_word(ts, t, reserved[i]))
			return true;
	return false;
}

static char *ident_value(const char *text, const struct sql_token *t)
{
	if (!t->quoted)
		return tn_strndup(text + t->start, t->len);
	/* `a``b` -> a`b */
	char *out = tn_malloc(t->len + 1);
	size_t n = 0;

	for (size_t i = t->start + 1; i + 1 < t->start + t->len; i++) {
		out[n++] = text[i];
		if (text[i] == '`' && text[i + 1] == '`')
			i++;
	}
	out[n] = '\0';
	return out;
}

int tk_name(struct toks *ts, char **out, struct tn_err *err)
{
	const struct sql_token *t = tk_peek(ts, 0);

	if (t->kind == SQL_TOK_IDENT || (t->kind == SQL_TOK_KEYWORD && !is_reserved(ts, t))) {
		*out = ident_value(ts->text, t);
		ts->pos++;
		return TN_OK;
	}
	return tk_error(ts, err, "expected a name");
}

void qname_done(struct qname *q)
{
	for (size_t i = 0; i < 3; i++)
		free(q->part[i]);
	memset(q, 0, sizeof(*q));
}

int tk_qname(struct toks *ts, struct qname *q, struct tn_err *err)
{
	int rc;

	memset(q, 0, sizeof(*q));
	q->start = tk_peek(ts, 0)->start;
	/* delta.`/path`, parquet.`/path` */
	if ((tk_is_kw(ts, 0, "delta") || tk_is_kw(ts, 0, "parquet") || tk_is_kw(ts, 0, "csv") ||
	     tk_is_kw(ts, 0, "json")) &&
	    tk_is_op(ts, 1, ".") && tk_peek(ts, 2)->kind == SQL_TOK_IDENT && tk_peek(ts, 2)->quoted) {
		const char *p = ts->text + tk_peek(ts, 2)->start + 1;

		if (*p == '/' || *p == '.' || *p == '~') {
			q->part[0] = ident_value(ts->text, tk_peek(ts, 0));
			q->part[1] = ident_value(ts->text, tk_peek(ts, 2));
			tn_str_lower(q->part[0]);
			q->n = 2;
			q->path = true;
			ts->pos += 3;
			q->end = ts->t[ts->pos - 1].start + ts->t[ts->pos - 1].len;
			return TN_OK;
		}
	}
	for (;;) {
		if (q->n == 3)
			return tk_error(ts, err, "a name has at most three parts (catalog.schema.table)");
		rc = tk_name(ts, &q->part[q->n], err);
		if (rc != TN_OK) {
			qname_done(q);
			return rc;
		}
		q->n++;
		if (!tk_is_op(ts, 0, "."))
			break;
		ts->pos++;
	}
	q->end = ts->t[ts->pos - 1].start + ts->t[ts->pos - 1].len;
	return TN_OK;
}

char *tk_string_value(const char *text, const struct sql_token *t)
{
	const char *s = text + t->start;
	size_t n = t->len;
	bool raw = false;
	char q, *out;
	size_t o = 0;

	if (n > 0 && (s[0] == 'r' || s[0] == 'R')) {
		raw = true;
		s++;
		n--;
	}
	q = s[0];
	out = tn_malloc(n + 1);
	for (size_t i = 1; i + 1 < n; i++) {
		char c = s[i];

		if (c == q && s[i + 1] == q && i + 2 < n) {
			out[o++] = q;
			i++;
		} else if (c == '\\' && !raw && i + 2 < n) {
			char d = s[++i];

			switch (d) {
			case 'n': out[o++] = '\n'; break;
			case 't': out[o++] = '\t'; break;
			case 'r': out[o++] = '\r'; break;
			case '0': out[o++] = '\0'; break;
			case 'b': out[o++] = '\b'; break;
			case 'Z': out[o++] = 26; break;
			case '%': out[o++] = '\\'; out[o++] = '%'; break;
			case '_': out[o++] = '\\'; out[o++] = '_'; break;
			default: out[o++] = d; break;
			}
		} else {
			out[o++] = c;
		}
	}
	out[o] = '\0';
	return out;
}

int tk_string(struct toks *ts, char **out, struct tn_err *err)
{
	const struct sql_token *t = tk_peek(ts, 0);

	if (t->kind != SQL_TOK_STRING)
		return tk_error(ts, err, "expected a 'string'");
	*out = tk_string_value(ts->text, t);
	ts->pos++;
	return TN_OK;
}

int tk_int(struct toks *ts, int64_t *out, struct tn_err *err)
{
	const struct sql_token *t = tk_peek(ts, 0);
	bool neg = false;
	char buf[32];

	if (tk_is_op(ts, 0, "-")) {
		neg = true;
		t = tk_peek(ts, 1);
	}
	if (t->kind != SQL_TOK_NUMBER || t->len >= sizeof(buf))
		return tk_error(ts, err, "expected a whole number");
	memcpy(buf, ts->text + t->start, t->len);
	buf[t->len] = '\0';
	if (t->len > 0 && (buf[t->len - 1] == 'L' || buf[t->len - 1] == 'l'))
		buf[t->len - 1] = '\0';
	if (tn_parse_i64(buf, out, "number", NULL) != TN_OK)
		return tk_error(ts, err, "expected a whole number");
	if (neg)
		*out = -*out;
	ts->pos += neg ? 2 : 1;
	return TN_OK;
}

char *tk_text(const struct toks *ts, size_t from, size_t to)
{
	size_t a, b;

	if (to <= from || from >= ts->n)
		return tn_strdup("");
	if (to > ts->n)
		to = ts->n;
	a = ts->t[from].start;
	b = ts->t[to - 1].start + ts->t[to - 1].len;
	return tn_strndup(ts->text + a, b - a);
}

static bool in_list_kw(const struct toks *ts, const char *const *l)
{
	for (size_t i = 0; l && l[i]; i++)
		if (tk_is_kw(ts, 0, l[i]))
			return true;
	return false;
}

static bool in_list_op(const struct toks *ts, const char *const *l)
{
	for (size_t i = 0; l && l[i]; i++)
		if (tk_is_op(ts, 0, l[i]))
			return true;
	return false;
}

size_t tk_skip_expr(struct toks *ts, const char *const *stop_kws, const char *const *stop_ops)
{
	int depth = 0;

	while (ts->pos < ts->n) {
		if (depth == 0 && (in_list_kw(ts, stop_kws) || in_list_op(ts, stop_ops) ||
				   tk_is_op(ts, 0, ";")))
			break;
		if (tk_is_op(ts, 0, "(") || tk_is_kw(ts, 0, "CASE"))
			depth++;
		else if (tk_is_op(ts, 0, ")") || tk_is_kw(ts, 0, "END")) {
			if (depth == 0)
				break;
			depth--;
		}
		ts->pos++;
	}
	return ts->pos;
}
