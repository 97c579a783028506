/* complete.c - completion for the shell and the editor (tarn_complete):
 * the lexer says what kind of word the cursor is in (a keyword, a table
 * after FROM, a schema after USE, a column elsewhere), and the engine's
 * own SHOW and DESCRIBE statements give the names (so that privileges
 * apply), kept out of the audit log and the query history. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "sql/lex.h"
#include "sql/session.h"
#include "sql/sql.h"

/* Tokens of one statement looked at, names of tables read, at most. */
#define COMPLETE_MAX_TOKENS 4096
#define COMPLETE_MAX_TABLES 16

struct cands {
	char **v;
	size_t n;
	const char *prefix; /* the word typed so far */
	size_t plen;
};

static void cand_add(struct cands *c, const char *s, size_t len)
{
	if (len < c->plen || strncasecmp(s, c->prefix, c->plen) != 0)
		return;
	c->v = tn_reallocarray(c->v, c->n + 1, sizeof(*c->v));
	c->v[c->n++] = tn_strndup(s, len);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- names from the engine ---- */

/* `name` with backticks doubled. */
static void put_quoted(struct tn_buf *b, const char *name)
{
	tn_buf_putc(b, '`', NULL);
	for (const char *p = name; *p; p++) {
		if (*p == '`')
			tn_buf_putc(b, '`', NULL);
		tn_buf_putc(b, *p, NULL);
	}
	tn_buf_putc(b, '`', NULL);
}

/* Run sql (not audited: a TAB is not a statement the user ran) and add
 * the values of the first column named one of names (else column
 * fallback) that are not "" or "# ...". Failures add nothing. */
static void add_from_query(struct tarn_engine *e, const char *sql, const char *const *names,
			   size_t fallback, struct cands *c)
{
	struct tarn_result *r = NULL;
	const struct tn_schema *s;
	struct tn_batch b = {0};
	size_t used, col = fallback;
	bool found = false, no_audit;
	int rc;

	if (e == NULL)
		return; /* keywords only (the editor while its engine is busy) */
	no_audit = e->no_audit;
	e->no_audit = true;
	rc = tarn_exec(e, sql, strlen(sql), &used, &r, NULL);
	if (rc != TN_OK || r == NULL)
		goto done;
	s = tarn_result_schema(r);
	if (s == NULL || s->ncols == 0)
		goto done;
	for (const char *const *nm = names; *nm && !found; nm++)
		for (size_t i = 0; i < s->ncols && !found; i++)
			if (strcasecmp(s->cols[i].name, *nm) == 0) {
				col = i;
				found = true;
			}
	if (col >= s->ncols || s->cols[col].type.kind != TN_STRING)
		goto done;
	while (tarn_result_next(r, &b, NULL) == TN_OK && b.nrows > 0) {
		const struct tn_vec *v = &b.cols[col];

		for (size_t i = 0; i < b.nrows; i++) {
			const struct tn_bytes *x = &((const struct tn_bytes *)v->values)[i];

			if (tn_vec_is_null(v, i) || x->len == 0 || x->ptr[0] == '#')
				continue;
			cand_add(c, (const char *)x->ptr, x->len);
		}
	}
done:
	tn_batch_done(&b);
	tarn_result_free(r);
	e->no_audit = no_audit;
}

static void add_catalogs(struct tarn_engine *e, struct cands *c)
{
	static const char *const names[] = {"catalog", NULL};

	add_from_query(e, "SHOW CATALOGS", names, 0, c);
}

/* Schemas of catalog (NULL: the current one). */
static void add_schemas(struct tarn_engine *e, const char *catalog, struct cands *c)
{
	static const char *const names[] = {"schema", "databaseName", "namespace", NULL};
	struct tn_buf sql;

	tn_buf_init(&sql, 0);
	tn_buf_puts(&sql, "SHOW SCHEMAS", NULL);
	if (catalog != NULL) {
		tn_buf_puts(&sql, " IN ", NULL);
		put_quoted(&sql, catalog);
	}
	add_from_query(e, sql.data, names, 1, c);
	tn_buf_done(&sql);
}

/* Tables of catalog.schema (either may be NULL: the current one). */
static void add_tables(struct tarn_engine *e, const char *catalog, const char *schema,
		       struct cands *c)
{
	static const char *const names[] = {"table", "tableName", NULL};
	struct tn_buf sql;

	tn_buf_init(&sql, 0);
	tn_buf_puts(&sql, "SHOW TABLES", NULL);
	if (schema != NULL) {
		tn_buf_puts(&sql, " IN ", NULL);
		if (catalog != NULL) {
			put_quoted(&sql, catalog);
			tn_buf_putc(&sql, '.', NULL);
		}
		put_quoted(&sql, schema);
	}
	add_from_query(e, sql.data, names, 2, c);
	tn_buf_done(&sql);
}

/* Columns of the table named by parts[0..n). */
static void add_columns(struct tarn_engine *e, char *const *parts, size_t n, struct cands *c)
{
	static const char *const names[] = {"col_name", NULL};
	struct tn_buf sql;

	tn_buf_init(&sql, 0);
	tn_buf_puts(&sql, "DESCRIBE TABLE ", NULL);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			tn_buf_putc(&sql, '.', NULL);
		put_quoted(&sql, parts[i]);
	}
	add_from_query(e, sql.data, names, 0, c);
	tn_buf_done(&sql);
}

/* ---- reading the statement ---- */

/* A table the statement names: up to three parts and an alias. */
struct table_ref {
	char *parts[3];
	size_t nparts;
	char *alias;
};

struct stmt {
	const char *text;
	struct sql_token *t; /* the statement's tokens, blanks and comments left out */
	size_t n;
};

static bool tok_is(const struct stmt *s, size_t i, const char *word)
{
	const struct sql_token *t = &s->t[i];

	return i < s->n && strlen(word) == t->len &&
	       strncasecmp(s->text + t->start, word, t->len) == 0;
}

static bool tok_is_op(const struct stmt *s, size_t i, char op)
{
	return i < s->n && s->t[i].kind == SQL_TOK_OP && s->t[i].len == 1 &&
	       s->text[s->t[i].start] == op;
}

static bool tok_is_name(const struct stmt *s, size_t i)
{
	return i < s->n && s->t[i].kind == SQL_TOK_IDENT;
}

/* A name token's text: a `quoted` name without its quotes. */
static char *tok_name(const struct stmt *s, size_t i)
{
	const struct sql_token *t = &s->t[i];
	const char *p = s->text + t->start;
	char *out, *w;

	if (!t->quoted || t->len < 2)
		return tn_strndup(p, t->len);
	out = w = tn_malloc(t->len);
	for (size_t k = 1; k + 1 < t->len; k++) {
		*w++ = p[k];
		if (p[k] == '`' && p[k + 1] == '`')
			k++;
	}
	*w = '\0';
	return out;
}

/* Keywords after which a table name comes. */
static bool before_table(const struct stmt *s, size_t i)
{
	static const char *const words[] = {"FROM",    "JOIN",    "INTO",   "TABLE",  "UPDATE",
					    "USING",   "DESCRIBE", "DETAIL", "HISTORY", "OPTIMIZE",
					    "VACUUM",  "EXTENDED", NULL};

	if (i >= s->n || s->t[i].kind != SQL_TOK_KEYWORD)
		return false;
	for (const char *const *w = words; *w; w++)
		if (tok_is(s, i, *w))
			return true;
	return false;
}

/* A dotted name at token i: its parts (at most three) and the token after. */
static size_t read_name(const struct stmt *s, size_t i, struct table_ref *r)
{
	memset(r, 0, sizeof(*r));
	while (tok_is_name(s, i) && r->nparts < 3) {
		r->parts[r->nparts++] = tok_name(s, i);
		i++;
		if (!tok_is_op(s, i, '.') || !tok_is_name(s, i + 1))
			break;
		i++;
	}
	return i;
}

static void table_ref_done(struct table_ref *r)
{
	for (size_t i = 0; i < r->nparts; i++)
		free(r->parts[i]);
	free(r->alias);
	memset(r, 0, sizeof(*r));
}

/* The tables the statement names (after FROM, JOIN, ... and in FROM
 * lists), with their aliases. */
static size_t find_tables(const struct stmt *s, struct table_ref *refs, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i + 1 < s->n && n < max; i++) {
		if (!before_table(s, i))
			continue;
		for (size_t j = i + 1; n < max;) {
			struct table_ref r;

			j = read_name(s, j, &r);
			if (r.nparts == 0 || tok_is_op(s, j, '(')) {
				table_ref_done(&r);
				break;
			}
			if (tok_is(s, j, "AS"))
				j++;
			if (tok_is_name(s, j))
				r.alias = tok_name(s, j++);
			refs[n++] = r;
			if (!tok_is_op(s, j, ','))
				break;
			j++;
		}
	}
	return n;
}

int tarn_complete(struct tarn_engine *e, const char *text, size_t pos, size_t *start,
		  char ***out, size_t *n)
{
	struct sql_lexer lx;
	struct stmt s = {.text = text};
	struct cands c = {0};
	struct table_ref refs[COMPLETE_MAX_TABLES];
	char *qual[2] = {NULL, NULL};
	size_t nqual = 0, nrefs = 0, len = strlen(text), w, cur, prev;
	bool seen_pos;

	if (pos > len)
		pos = len;
	/* The word being typed. */
	w = pos;
	while (w > 0 && (isalnum((unsigned char)text[w - 1]) || text[w - 1] == '_'))
		w--;
	*start = w;
	c.prefix = text + w;
	c.plen = pos - w;

	/* The tokens of the statement around pos. */
	s.t = tn_calloc(COMPLETE_MAX_TOKENS, sizeof(*s.t));
	sql_lex_init(&lx, text, len);
	for (;;) {
		struct sql_token t = sql_lex_next(&lx);

		if (t.kind == SQL_TOK_END)
			break;
		if (t.kind == SQL_TOK_SPACE || t.kind == SQL_TOK_COMMENT)
			continue;
		if (t.kind == SQL_TOK_OP && t.len == 1 && text[t.start] == ';') {
			if (t.start >= pos)
				break;
			s.n = 0; /* a statement before the cursor's */
			continue;
		}
		if (s.n < COMPLETE_MAX_TOKENS)
			s.t[s.n++] = t;
	}
	/* cur: the first token at or after the word; prev: the first of its
	 * qualifiers ("cat.schema." right before it), so prev - 1 is the token
	 * that says what kind of name this is. */
	for (cur = 0; cur < s.n && s.t[cur].start < w; cur++)
		;
	prev = cur;
	for (size_t at = w; nqual < 2 && prev >= 2 && tok_is_op(&s, prev - 1, '.') &&
			    s.t[prev - 1].start + 1 == at && tok_is_name(&s, prev - 2) &&
			    s.t[prev - 2].start + s.t[prev - 2].len == s.t[prev - 1].start;
	     nqual++) {
		qual[1] = qual[0];
		qual[0] = tok_name(&s, prev - 2);
		at = s.t[prev - 2].start;
		prev -= 2;
	}
	seen_pos = prev > 0;

	if (seen_pos && before_table(&s, prev - 1)) {
		if (nqual == 0) {
			add_tables(e, NULL, NULL, &c);
			add_schemas(e, NULL, &c);
			add_catalogs(e, &c);
		} else if (nqual == 1) {
			add_schemas(e, qual[0], &c);
			add_tables(e, NULL, qual[0], &c);
		} else {
			add_tables(e, qual[0], qual[1], &c);
		}
	} else if (seen_pos && (tok_is(&s, prev - 1, "USE") || tok_is(&s, prev - 1, "SCHEMA") ||
				tok_is(&s, prev - 1, "DATABASE") || tok_is(&s, prev - 1, "IN"))) {
		if (nqual == 0) {
			add_schemas(e, NULL, &c);
			add_catalogs(e, &c);
		} else {
			add_schemas(e, qual[0], &c);
		}
	} else if (seen_pos && tok_is(&s, prev - 1, "CATALOG")) {
		if (nqual == 0)
			add_catalogs(e, &c);
	} else {
		/* Columns of the statement's tables (of the one a qualifier
		 * names, when it names one), and keywords. */
		bool any = false;

		nrefs = find_tables(&s, refs, COMPLETE_MAX_TABLES);
		if (nqual == 1)
			for (size_t i = 0; i < nrefs; i++)
				if ((refs[i].alias && strcasecmp(refs[i].alias, qual[0]) == 0) ||
				    strcasecmp(refs[i].parts[refs[i].nparts - 1], qual[0]) == 0) {
					add_columns(e, refs[i].parts, refs[i].nparts, &c);
					any = true;
				}
		if (nqual == 1 && !any) {
			/* schema.table, or a table not in the statement */
			add_tables(e, NULL, qual[0], &c);
			add_columns(e, qual, 1, &c);
		} else if (nqual == 0) {
			for (size_t i = 0; i < nrefs; i++)
				add_columns(e, refs[i].parts, refs[i].nparts, &c);
			for (const char *const *k = sql_keywords; *k; k++)
				cand_add(&c, *k, strlen(*k));
		} else if (nqual == 2) {
			add_tables(e, qual[0], qual[1], &c);
		}
	}

	/* Sorted, unique. */
	if (c.n > 1) {
		size_t k = 1;

		qsort(c.v, c.n, sizeof(*c.v), cmp_str);
		for (size_t i = 1; i < c.n; i++) {
			if (strcmp(c.v[i], c.v[k - 1]) == 0)
				free(c.v[i]);
			else
				c.v[k++] = c.v[i];
		}
		c.n = k;
	}
	for (size_t i = 0; i < nrefs; i++)
		table_ref_done(&refs[i]);
	free(qual[0]);
	free(qual[1]);
	free(s.t);
	*out = c.v;
	*n = c.n;
	return TN_OK;
}

void tarn_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
