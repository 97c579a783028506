/* lexapi.c - the engine's lexer for editors (sql.h): tokens for
 * highlighting, the statement around a cursor, and what a statement does
 * (read-only mode and confirmations in the workbench). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql/lex.h"
#include "sql/sql.h"

void tarn_sql_tokens(const char *text, size_t len,
		     bool (*fn)(void *ctx, const struct tarn_token *t), void *ctx)
{
	/* sql_tok without SQL_TOK_END, in the same order */
	static const enum tarn_tok kinds[] = {
		[SQL_TOK_SPACE] = TARN_TOK_SPACE,     [SQL_TOK_COMMENT] = TARN_TOK_COMMENT,
		[SQL_TOK_KEYWORD] = TARN_TOK_KEYWORD, [SQL_TOK_IDENT] = TARN_TOK_IDENT,
		[SQL_TOK_STRING] = TARN_TOK_STRING,   [SQL_TOK_NUMBER] = TARN_TOK_NUMBER,
		[SQL_TOK_PARAM] = TARN_TOK_PARAM,     [SQL_TOK_OP] = TARN_TOK_OP,
		[SQL_TOK_ERROR] = TARN_TOK_ERROR,
	};
	struct sql_lexer lx;

	sql_lex_init(&lx, text, len);
	for (;;) {
		struct sql_token t = sql_lex_next(&lx);
		struct tarn_token out;

		if (t.kind == SQL_TOK_END)
			return;
		out.kind = kinds[t.kind];
		out.start = t.start;
		out.len = t.len;
		if (!fn(ctx, &out))
			return;
	}
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static bool is_semicolon(const char *text, const struct sql_token *t)
{
	return t->kind == SQL_TOK_OP && t->len == 1 && text[t->start] == ';';
}

/* pos is in the blanks after the ';' at semi, and only blanks follow it on
 * its line: the cursor still "stands on" the statement before. */
static bool after_on_blank_line(const char *text, size_t len, size_t semi, size_t pos)
{
	for (size_t i = semi + 1; i < pos; i++)
		if (!is_blank(text[i]))
			return false;
	for (size_t i = pos; i < len && text[i] != '\n'; i++)
		if (!is_blank(text[i]))
			return false;
	return true;
}

void tarn_sql_statement_at(const char *text, size_t len, size_t pos, size_t *start,
			   size_t *end)
{
	struct sql_lexer lx;
	size_t s = 0, e = len;

	if (pos > len)
		pos = len;
	sql_lex_init(&lx, text, len);
	for (;;) {
		struct sql_token t = sql_lex_next(&lx);

		if (t.kind == SQL_TOK_END)
			break;
		if (!is_semicolon(text, &t))
			continue;
		if (pos <= t.start || after_on_blank_line(text, len, t.start, pos)) {
			e = t.start;
			break;
		}
		s = t.start + 1;
	}
	while (s < e && is_blank(text[s]))
		s++;
	while (e > s && is_blank(text[e - 1]))
		e--;
	*start = s;
	*end = e;
}

/* ---- classification ---- */

#define CLASSIFY_MAX_WORDS 256

/* The statement's tokens without blanks and comments, with their paren
 * depth (a token's depth counts the parentheses open before it). */
struct words {
	const char *text;
	struct sql_token t[CLASSIFY_MAX_WORDS];
	int depth[CLASSIFY_MAX_WORDS];
	size_t n;
	bool more; /* tokens past CLASSIFY_MAX_WORDS were dropped */
};

static bool w_is(const struct words *w, size_t i, const char *word)
{
	const struct sql_token *t;

	if (i >= w->n)
		return false;
	t = &w->t[i];
	return (t->kind == SQL_TOK_KEYWORD || (t->kind == SQL_TOK_IDENT && !t->quoted)) &&
	       strlen(word) == t->len && strncasecmp(w->text + t->start, word, t->len) == 0;
}

static bool w_is_any(const struct words *w, size_t i, const char *const *words)
{
	for (; *words; words++)
		if (w_is(w, i, *words))
			return true;
	return false;
}

/* The first index >= from of a top-level word of words, or w->n. */
static size_t w_find_top(const struct words *w, size_t from, const char *const *words)
{
	for (size_t i = from; i < w->n; i++)
		if (w->depth[i] == 0 && w_is_any(w, i, words))
			return i;
	return w->n;
}

/* out->what: the upper-cased words [from, to) joined by spaces. */
static void set_what(struct tarn_stmt_info *out, const struct words *w, size_t from,
		     size_t to, const char *suffix)
{
	size_t n = 0;

	out->what[0] = '\0';
	for (size_t i = from; i < to && i < w->n; i++) {
		const struct sql_token *t = &w->t[i];

		if (n + t->len + 2 >= sizeof(out->what))
			break;
		if (n > 0)
			out->what[n++] = ' ';
		for (size_t k = 0; k < t->len; k++) {
			char c = w->text[t->start + k];

			out->what[n++] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
		}
		out->what[n] = '\0';
	}
	if (suffix != NULL)
		snprintf(out->what + n, sizeof(out->what) - n, "%s", suffix);
}

/* The end of a statement's leading words: through the kind of object
 * (CREATE OR REPLACE TEMPORARY VIEW, DROP TABLE, ...), at most 5 words. */
static size_t lead_end(const struct words *w, size_t from)
{
	static const char *const objects[] = {
		"TABLE",  "VIEW",      "SCHEMA",   "DATABASE", "CATALOG", "FUNCTION", "SHARE",
		"RECIPIENT", "COLUMN", "COLUMNS", "INTO",     "FROM",    "TABLES",   "SCHEMAS",
		"DATABASES", "CATALOGS", "VIEWS", "FUNCTIONS", "SHARES", NULL,
	};
	/* words the lexer does not know as keywords */
	static const char *const modifiers[] = {"TEMPORARY", "TEMP", "GLOBAL", NULL};
	size_t i;

	for (i = from; i < w->n && i < from + 5; i++) {
		const struct sql_token *t = &w->t[i];

		if (t->kind != SQL_TOK_KEYWORD && !(t->kind == SQL_TOK_IDENT && !t->quoted))
			break;
		if (w_is_any(w, i, objects))
			return i + 1;
		if (t->kind == SQL_TOK_IDENT && !w_is_any(w, i, modifiers))
			break; /* a name: the object kind was not spelled out */
	}
	return i;
}

/* Classify the statement whose first word is w[i]. */
static void classify_at(const struct words *w, size_t i, struct tarn_stmt_info *out)
{
	static const char *const reads[] = {"SELECT", "VALUES", "TABLE", "SHOW", "DESCRIBE",
					    "DESC", "EXPLAIN", "USE", "BEGIN", "START", "COMMIT",
					    "END", "ROLLBACK", "ABORT", "SET", "RESET", NULL};
	static const char *const dml[] = {"INSERT", "UPDATE", "DELETE", "MERGE", NULL};
	static const char *const dropping[] = {"DROP", "TRUNCATE", "VACUUM", "RESTORE", NULL};
	static const char *const where[] = {"WHERE", NULL};

	out->writes = true;
	out->destructive = false;
	if (w_is(w, i, "WITH") || w_is(w, i, "FROM") ||
	    (i < w->n && w->t[i].kind == SQL_TOK_OP && w->t[i].len == 1 &&
	     w->text[w->t[i].start] == '(')) {
		/* A query, unless a data change follows its CTEs or FROM
		 * clause at the top level (WITH c AS (...) INSERT INTO ...). */
		size_t j = w_find_top(w, i + 1, dml);

		if (j < w->n) {
			classify_at(w, j, out);
			return;
		}
		out->writes = false;
		set_what(out, w, i, i + 1, w_is(w, i, "WITH") ? " ... SELECT" : NULL);
		if (out->what[0] == '(')
			snprintf(out->what, sizeof(out->what), "SELECT");
		return;
	}
	if (w_is_any(w, i, reads)) {
		out->writes = false;
		set_what(out, w, i, w_is(w, i, "SHOW") ? lead_end(w, i + 1) : i + 1, NULL);
		return;
	}
	if (w_is(w, i, "UPDATE") || w_is(w, i, "DELETE")) {
		bool has_where = w_find_top(w, i + 1, where) < w->n;

		/* past the words we kept, assume a WHERE rather than alarm */
		out->destructive = !has_where && !w->more;
		set_what(out, w, i, i + 1, out->destructive ? " without WHERE" : NULL);
		return;
	}
	if (w_is(w, i, "INSERT")) {
		out->destructive = w_is(w, i + 1, "OVERWRITE");
		set_what(out, w, i, out->destructive ? i + 2 : i + 1, NULL);
		return;
	}
	if (w_is(w, i, "CREATE")) {
		out->destructive = w_is(w, i + 1, "OR") && w_is(w, i + 2, "REPLACE");
		set_what(out, w, i, lead_end(w, i + 1), NULL);
		return;
	}
	if (w_is_any(w, i, dropping)) {
		out->destructive = true;
		set_what(out, w, i, lead_end(w, i + 1), NULL);
		return;
	}
	if (w_is(w, i, "COPY") || w_is(w, i, "ALTER")) {
		set_what(out, w, i, lead_end(w, i + 1), NULL);
		return;
	}
	/* MERGE, ALTER, COMMENT, GRANT, REVOKE, OPTIMIZE, and what the engine
	 * does not know: counted as writes, so read-only mode refuses them. */
	set_what(out, w, i, i + 1, NULL);
}

void tarn_sql_classify(const char *sql, size_t len, struct tarn_stmt_info *out)
{
	struct words words = {.text = sql}, *w = &words;
	struct sql_lexer lx;
	int depth = 0;

	memset(out, 0, sizeof(*out));
	sql_lex_init(&lx, sql, len);
	for (;;) {
		struct sql_token t = sql_lex_next(&lx);

		if (t.kind == SQL_TOK_END)
			break;
		if (t.kind == SQL_TOK_SPACE || t.kind == SQL_TOK_COMMENT)
			continue;
		if (is_semicolon(sql, &t))
			break; /* the first statement only */
		if (w->n == CLASSIFY_MAX_WORDS) {
			w->more = true;
			break;
		}
		if (t.kind == SQL_TOK_OP && t.len == 1 && sql[t.start] == ')' && depth > 0)
			depth--;
		w->depth[w->n] = depth;
		w->t[w->n++] = t;
		if (t.kind == SQL_TOK_OP && t.len == 1 && sql[t.start] == '(')
			depth++;
	}
	if (w->n == 0)
		return; /* only blanks and comments: nothing to run */
	classify_at(w, 0, out);
}
