/* rewrite.c - a Spark SQL query made into SQLite SQL: table references
 * (catalog.schema.table, schema.table, table, delta.`/path`,
 * parquet.`/path`, read_files(...), table_changes(...), with VERSION AS
 * OF, TIMESTAMP AS OF or @vN) become temp virtual tables; strings are
 * re-quoted the SQLite way; backquoted names become "double-quoted";
 * Spark numeric suffixes and the <=> operator are translated. Everything
 * else passes through as written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "sql/session.h"
#include "sql/value.h"

void sess_quote(struct tn_buf *b, const char *s)
{
	tn_buf_putc(b, '\'', NULL);
	for (; *s; s++) {
		if (*s == '\'')
			tn_buf_putc(b, '\'', NULL);
		tn_buf_putc(b, *s, NULL);
	}
	tn_buf_putc(b, '\'', NULL);
}

static void quote_ident(struct tn_buf *b, const char *s)
{
	tn_buf_putc(b, '"', NULL);
	for (; *s; s++) {
		if (*s == '"')
			tn_buf_putc(b, '"', NULL);
		tn_buf_putc(b, *s, NULL);
	}
	tn_buf_putc(b, '"', NULL);
}

void sess_rw_done(struct sess_rw *rw)
{
	free(rw->sql);
	free(rw->out_off);
	free(rw->in_off);
	memset(rw, 0, sizeof(*rw));
}

size_t sess_rw_origin(const struct sess_rw *rw, size_t off)
{
	size_t best = 0;

	for (size_t i = 0; i < rw->nmap; i++) {
		if (rw->out_off[i] > off)
			break;
		best = rw->in_off[i] + (off - rw->out_off[i]);
		if (i + 1 < rw->nmap && rw->in_off[i + 1] < best)
			best = rw->in_off[i + 1];
	}
	return best;
}

struct rw {
	struct tarn_engine *e;
	struct toks ts;
	struct tn_buf out;
	size_t last;               /* bytes of the input copied so far */
	struct sess_rw *res;
	size_t mapcap;
	char **ctes;
	size_t nctes;
	int depth;
	int level;                 /* views inside views */
};

static void mark(struct rw *w, size_t in)
{
	struct sess_rw *r = w->res;

	if (r == NULL)
		return;
	if (r->nmap == w->mapcap) {
		w->mapcap = w->mapcap ? 2 * w->mapcap : 64;
		r->out_off = tn_realloc(r->out_off, w->mapcap * sizeof(size_t));
		r->in_off = tn_realloc(r->in_off, w->mapcap * sizeof(size_t));
	}
	r->out_off[r->nmap] = w->out.len;
	r->in_off[r->nmap] = in;
	r->nmap++;
}

/* Copy the input up to byte `to` as it is. */
static void copy_to(struct rw *w, size_t to)
{
	if (to > w->last) {
		mark(w, w->last);
		tn_buf_append(&w->out, w->ts.text + w->last, to - w->last, NULL);
		w->last = to;
	}
}

static bool is_cte(const struct rw *w, const char *name)
{
	for (size_t i = 0; i < w->nctes; i++)
		if (strcasecmp(w->ctes[i], name) == 0)
			return true;
	return false;
}

/* CTE names: NAME [(cols)] AS ( after WITH, RECURSIVE or ','. */
static void find_ctes(struct rw *w)
{
	struct toks *ts = &w->ts;

	for (size_t i = 1; i < ts->n; i++) {
		const struct sql_token *t = &ts->t[i], *p = &ts->t[i - 1];
		size_t j = i + 1;

		if (t->kind != SQL_TOK_IDENT && t->kind != SQL_TOK_KEYWORD)
			continue;
		if (!((p->kind == SQL_TOK_KEYWORD &&
		       (strncasecmp(ts->text + p->start, "WITH", p->len) == 0 && p->len == 4)) ||
		      (p->len == 9 && strncasecmp(ts->text + p->start, "RECURSIVE", 9) == 0) ||
		      (p->kind == SQL_TOK_OP && p->len == 1 && ts->text[p->start] == ',')))
			continue;
		if (j < ts->n && ts->t[j].kind == SQL_TOK_OP && ts->text[ts->t[j].start] == '(') {
			int d = 0;

			for (; j < ts->n; j++) {
				if (ts->t[j].kind != SQL_TOK_OP)
					continue;
				if (ts->text[ts->t[j].start] == '(')
					d++;
				else if (ts->text[ts->t[j].start] == ')' && --d == 0)
					break;
			}
			j++;
		}
		if (j + 1 >= ts->n || ts->t[j].len != 2 ||
		    strncasecmp(ts->text + ts->t[j].start, "AS", 2) != 0)
			continue;
		/* AS [NOT] MATERIALIZED ( is SQLite's hint on how to run the CTE */
		if (++j < ts->n && ts->t[j].len == 3 && strncasecmp(ts->text + ts->t[j].start, "NOT", 3) == 0)
			j++;
		if (j < ts->n && ts->t[j].len == 12 &&
		    strncasecmp(ts->text + ts->t[j].start, "MATERIALIZED", 12) == 0)
			j++;
		if (j < ts->n && ts->t[j].kind == SQL_TOK_OP && ts->text[ts->t[j].start] == '(') {
			char *name = t->quoted ? tn_strndup(ts->text + t->start + 1, t->len - 2)
					       : tn_strndup(ts->text + t->start, t->len);

			w->ctes = tn_realloc(w->ctes, (w->nctes + 1) * sizeof(char *));
			w->ctes[w->nctes++] = name;
		}
	}
}

/* Words after a table that are not its alias. */
static const char *const not_alias[] = {
	"WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "UNION", "EXCEPT", "INTERSECT", "MINUS",
	"JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "NATURAL", "ON", "USING", "WINDOW",
	"QUALIFY", "OFFSET", "SET", "VALUES", "SELECT", "LATERAL", "TABLESAMPLE", "WHEN",
	"FOR", "AS", "VERSION", "TIMESTAMP", "ANTI", "SEMI", "OUTER", "CLUSTER", "DISTRIBUTE",
	"SORT", "PIVOT", "UNPIVOT", "RETURNING", "DO", "THEN", "INDEXED", "NOT", NULL,
};

static bool alias_follows(const struct toks *ts)
{
	const struct sql_token *t = tk_peek(ts, 0);

	if (tk_is_kw(ts, 0, "AS"))
		return true;
	if (t->kind != SQL_TOK_IDENT)
		return false;
	if (t->quoted)
		return true;
	for (size_t i = 0; not_alias[i]; i++)
		if (tk_is_kw(ts, 0, not_alias[i]))
			return false;
	return true;
}

/* A temp table of the statement, by its quoted name (freed here). */
static void emit_temp(struct rw *w, char *name, const char *alias, bool has_alias)
{
	tn_buf_puts(&w->out, "temp.", NULL);
	tn_buf_puts(&w->out, name, NULL);
	if (!has_alias) {
		tn_buf_puts(&w->out, " AS ", NULL);
		quote_ident(&w->out, alias);
	}
	free(name);
}

static int emit_table(struct rw *w, const char *module, struct tn_buf *args, const char *alias,
		      bool has_alias, struct tn_err *err)
{
	char *name = NULL;
	int rc = sess_temp_vtab(w->e, module, (const char *)args->data, &name, err);

	if (rc != TN_OK)
		return rc;
	emit_temp(w, name, alias, has_alias);
	return TN_OK;
}

static int rewrite_into(struct rw *w, struct tn_err *err);

/* A view: its query, rewritten, in parentheses. */
static int emit_view(struct rw *w, const struct sess_table *t, const char *alias, bool has_alias,
		     struct tn_err *err)
{
	struct rw v;
	int rc;

	if (w->level > 16)
		return tn_err_set(err, TN_EINVAL, "view %s: views nest more than 16 deep (a cycle?)",
				  t->display);
	memset(&v, 0, sizeof(v));
	v.e = w->e;
	v.level = w->level + 1;
	toks_init(&v.ts, t->view_sql, strlen(t->view_sql));
	tn_buf_init(&v.out, 0);
	find_ctes(&v);
	rc = rewrite_into(&v, err);
	if (rc == TN_OK) {
		tn_buf_puts(&w->out, "(", NULL);
		tn_buf_append(&w->out, v.out.data, v.out.len, NULL);
		tn_buf_puts(&w->out, ")", NULL);
		if (!has_alias) {
			tn_buf_puts(&w->out, " AS ", NULL);
			quote_ident(&w->out, alias);
		}
	} else {
		tn_err_prefix(err, "view %s", t->display);
	}
	for (size_t i = 0; i < v.nctes; i++)
		free(v.ctes[i]);
	free(v.ctes);
	tn_buf_done(&v.out);
	toks_done(&v.ts);
	return rc;
}

/* 'ts' text of a TIMESTAMP AS OF in microseconds. */
static int parse_ts_arg(const char *s, int64_t *us, struct tn_err *err)
{
	if (sql_parse_timestamp(s, strlen(s), us) != 0)
		return tn_err_set(err, TN_EINVAL,
				  "TIMESTAMP AS OF '%s': not a timestamp (YYYY-MM-DD[ HH:MM:SS[.f]][Z])", s);
	return TN_OK;
}

/* Function-call arguments: 'a', 12, name => 'v'. */
struct fargs {
	char *pos[4];
	size_t npos;
	char *key[16], *val[16];
	size_t nkv;
};

static void fargs_done(struct fargs *a)
{
	for (size_t i = 0; i < a->npos; i++)
		free(a->pos[i]);
	for (size_t i = 0; i < a->nkv; i++) {
		free(a->key[i]);
		free(a->val[i]);
	}
}

static char *literal_text(struct toks *ts)
{
	const struct sql_token *t = tk_peek(ts, 0);
	char *v;

	if (t->kind == SQL_TOK_STRING)
		v = tk_string_value(ts->text, t);
	else if (tk_is_op(ts, 0, "-") && tk_peek(ts, 1)->kind == SQL_TOK_NUMBER) {
		ts->pos++;
		t = tk_peek(ts, 0);
		v = tn_malloc(t->len + 2);
		v[0] = '-';
		memcpy(v + 1, ts->text + t->start, t->len);
		v[t->len + 1] = '\0';
	} else if (t->kind == SQL_TOK_NUMBER || t->kind == SQL_TOK_IDENT ||
		   t->kind == SQL_TOK_KEYWORD)
		v = tn_strndup(ts->text + t->start, t->len);
	else
		return NULL;
	ts->pos++;
	return v;
}

static int parse_fargs(struct toks *ts, struct fargs *a, struct tn_err *err)
{
	memset(a, 0, sizeof(*a));
	if (tk_expect_op(ts, "(", err) != TN_OK)
		return TN_EINVAL;
	if (tk_accept_op(ts, ")"))
		return TN_OK;
	for (;;) {
		if ((tk_peek(ts, 0)->kind == SQL_TOK_IDENT || tk_peek(ts, 0)->kind == SQL_TOK_KEYWORD) &&
		    tk_is_op(ts, 1, "=>")) {
			if (a->nkv == 16)
				return tk_error(ts, err, "too many options");
			a->key[a->nkv] = tn_strndup(ts->text + tk_peek(ts, 0)->start, tk_peek(ts, 0)->len);
			ts->pos += 2;
			a->val[a->nkv] = literal_text(ts);
			if (a->val[a->nkv] == NULL) {
				free(a->key[a->nkv]);
				return tk_error(ts, err, "expected a literal value");
			}
			a->nkv++;
		} else {
			if (a->npos == 4)
				return tk_error(ts, err, "too many arguments");
			a->pos[a->npos] = literal_text(ts);
			if (a->pos[a->npos] == NULL)
				return tk_error(ts, err, "expected a literal argument");
			a->npos++;
		}
		if (tk_accept_op(ts, ")"))
			return TN_OK;
		if (tk_expect_op(ts, ",", err) != TN_OK)
			return TN_EINVAL;
	}
}

/* Resolve a table named by text (table_changes('main.s.t', ...)). */
static int resolve_text(struct tarn_engine *e, const char *name, unsigned priv,
			struct sess_table *t, struct tn_err *err)
{
	struct toks ts;
	struct qname q;
	int rc;

	toks_init(&ts, name, strlen(name));
	rc = tk_qname(&ts, &q, err);
	if (rc == TN_OK && !tk_at_end(&ts))
		rc = tn_err_set(err, TN_EINVAL, "'%s' is not a table name", name);
	if (rc == TN_OK)
		rc = sess_resolve(e, &q, priv, t, err);
	if (rc == TN_OK || q.n)
		qname_done(&q);
	toks_done(&ts);
	return rc;
}

static int table_function(struct rw *w, const char *fname, bool *handled, struct tn_err *err)
{
	struct toks *ts = &w->ts;
	struct fargs a;
	struct tn_buf args;
	struct sess_table t;
	bool has_alias, shared = false;
	int rc;

	*handled = false;
	if (strcasecmp(fname, "read_files") != 0 && strcasecmp(fname, "table_changes") != 0 &&
	    strcasecmp(fname, "share_audit") != 0)
		return TN_OK;
	*handled = true;
	rc = parse_fargs(ts, &a, err);
	if (rc == TN_OK && strcasecmp(fname, "share_audit") == 0) {
		char *name = NULL;

		if (a.npos || a.nkv)
			rc = tn_err_set(err, TN_EINVAL, "share_audit() takes no arguments");
		if (rc == TN_OK)
			rc = share_sql_audit_table(w->e, &name, err);
		if (rc == TN_OK)
			emit_temp(w, name, fname, alias_follows(ts));
		fargs_done(&a);
		return rc;
	}
	if (rc != TN_OK) {
		fargs_done(&a);
		return rc;
	}
	tn_buf_init(&args, 0);
	memset(&t, 0, sizeof(t));
	if (strcasecmp(fname, "read_files") == 0) {
		const char *format = NULL;

		if (a.npos < 1) {
			rc = tn_err_set(err, TN_EINVAL, "read_files(path, format => 'csv', ...): a path is needed");
			goto out;
		}
		for (size_t i = 0; i < a.nkv; i++)
			if (strcasecmp(a.key[i], "format") == 0)
				format = a.val[i];
		if (format == NULL) {
			const char *dot = strrchr(a.pos[0], '.');

			format = dot && strcasecmp(dot, ".parquet") == 0 ? "parquet"
				 : dot && (strcasecmp(dot, ".json") == 0 || strcasecmp(dot, ".jsonl") == 0 ||
					   strcasecmp(dot, ".ndjson") == 0) ? "json"
									    : "csv";
		}
		sess_quote(&args, a.pos[0]);
		tn_buf_puts(&args, ", ", NULL);
		sess_quote(&args, format);
		for (size_t i = 0; i < a.nkv; i++) {
			char *kv;

			if (strcasecmp(a.key[i], "format") == 0)
				continue;
			/* no fixed buffer: a files => list may be long */
			kv = tn_asprintf("%s=%s", a.key[i], a.val[i]);
			tn_buf_puts(&args, ", ", NULL);
			sess_quote(&args, kv);
			free(kv);
		}
	} else {
		int64_t from, to = -1;

		if (a.npos < 2) {
			rc = tn_err_set(err, TN_EINVAL,
					"table_changes(table, start_version [, end_version]) needs a table and a version");
			goto out;
		}
		rc = resolve_text(w->e, a.pos[0], CAT_PRIV_SELECT, &t, err);
		shared = rc == TN_OK && strcmp(t.format, "share") == 0;
		if (rc == TN_OK && strcmp(t.format, "delta") != 0 && !shared)
			rc = tn_err_set(err, TN_EINVAL, "table_changes: %s is not a Delta table", t.display);
		if (rc == TN_OK)
			rc = tn_parse_i64(a.pos[1], &from, "table_changes start version", err);
		if (rc == TN_OK && a.npos > 2)
			rc = tn_parse_i64(a.pos[2], &to, "table_changes end version", err);
		if (rc != TN_OK)
			goto out;
		sess_quote(&args, t.root);
		if (shared) {
			char *cache = sess_share_cache(w->e, t.catalog);

			tn_buf_puts(&args, ", ", NULL);
			sess_quote(&args, cache);
			free(cache);
		}
		tn_buf_printf(&args, NULL, ", '%lld', '%lld'", (long long)from, (long long)to);
	}
	has_alias = alias_follows(ts);
	tn_buf_putc(&args, '\0', NULL);
	args.len--;
	rc = emit_table(w, strcasecmp(fname, "read_files") == 0 ? "tarn_files"
			   : shared				 ? "tarn_share_changes"
								 : "tarn_changes",
			&args,
			fname, has_alias, err);
out:
	sess_table_done(&t);
	tn_buf_done(&args);
	fargs_done(&a);
	return rc;
}

/* A table reference at the cursor (a name). */
static int table_ref(struct rw *w, struct tn_err *err)
{
	struct toks *ts = &w->ts;
	size_t start = tk_peek(ts, 0)->start, save = ts->pos;
	struct qname q;
	struct sess_table t;
	struct tn_buf args;
	bool has_alias, handled;
	char vspec[64] = "";
	int rc;

	if (tk_qname(ts, &q, err) != TN_OK) {
		ts->pos = save; /* not a name: leave it to SQLite */
		return TN_OK;
	}
	if (tk_is_op(ts, 0, "(")) {
		if (q.n == 1 && !q.path) {
			copy_to(w, start);
			mark(w, start);
			rc = table_function(w, q.part[0], &handled, err);
			qname_done(&q);
			if (rc != TN_OK)
				return rc;
			if (handled)
				w->last = ts->t[ts->pos - 1].start + ts->t[ts->pos - 1].len;
			else
				ts->pos = save + 1;
			return TN_OK;
		}
		qname_done(&q);
		ts->pos = save + 1;
		return TN_OK;
	}
	if (q.n == 1 && !q.path && is_cte(w, q.part[0])) {
		qname_done(&q);
		return TN_OK;
	}
	/* time travel */
	if (tk_is_kw(ts, 0, "FOR") && (tk_is_kw(ts, 1, "VERSION") || tk_is_kw(ts, 1, "TIMESTAMP")))
		ts->pos++;
	if ((tk_is_kw(ts, 0, "VERSION") || tk_is_kw(ts, 0, "TIMESTAMP")) && tk_is_kw(ts, 1, "AS") &&
	    tk_is_kw(ts, 2, "OF")) {
		bool version = tk_is_kw(ts, 0, "VERSION");

		ts->pos += 3;
		if (version) {
			int64_t v;

			rc = tk_int(ts, &v, err);
			if (rc != TN_OK)
				goto fail;
			snprintf(vspec, sizeof(vspec), "v=%lld", (long long)v);
		} else {
			char *s = NULL;
			int64_t us;

			rc = tk_string(ts, &s, err);
			if (rc == TN_OK)
				rc = parse_ts_arg(s, &us, err);
			free(s);
			if (rc != TN_OK)
				goto fail;
			snprintf(vspec, sizeof(vspec), "ts=%lld", (long long)us);
		}
	} else if (tk_is_op(ts, 0, "@") && tk_peek(ts, 1)->kind == SQL_TOK_IDENT &&
		   (ts->text[tk_peek(ts, 1)->start] == 'v' || ts->text[tk_peek(ts, 1)->start] == 'V')) {
		int64_t v;
		char num[32];
		const struct sql_token *vt = tk_peek(ts, 1);

		snprintf(num, sizeof(num), "%.*s", (int)vt->len - 1, ts->text + vt->start + 1);
		if (vt->len > 20 || tn_parse_i64(num, &v, "version", NULL) != TN_OK) {
			ts->pos++;
			rc = tk_error(ts, err, "expected @v<version>");
			goto fail;
		}
		ts->pos += 2;
		snprintf(vspec, sizeof(vspec), "v=%lld", (long long)v);
	}
	rc = sess_resolve(w->e, &q, CAT_PRIV_SELECT, &t, err);
	if (rc != TN_OK) {
		/* point at the name */
		if (strstr(err->msg, "\n  ") == NULL)
			sess_caret(err, ts->text, ts->len, q.start);
		goto fail;
	}
	has_alias = alias_follows(ts);
	copy_to(w, start);
	mark(w, start);
	w->last = ts->t[ts->pos - 1].start + ts->t[ts->pos - 1].len;
	if (strcmp(t.format, "view") == 0) {
		if (vspec[0])
			rc = tn_err_set(err, TN_EINVAL, "%s is a view: it has no versions", t.display);
		else
			rc = emit_view(w, &t, q.part[q.n - 1], has_alias, err);
	} else {
		bool shared = strcmp(t.format, "share") == 0;
		const char *module = strcmp(t.format, "delta") == 0     ? "tarn_delta"
				     : strcmp(t.format, "parquet") == 0 ? "tarn_parquet"
				     : shared				? "tarn_share"
									: "tarn_files";

		tn_buf_init(&args, 0);
		sess_quote(&args, t.root);
		if (shared) {
			char *cache = sess_share_cache(w->e, t.catalog);

			tn_buf_puts(&args, ", ", NULL);
			sess_quote(&args, cache);
			free(cache);
		}
		if (vspec[0] && strcmp(module, "tarn_delta") != 0 && !shared) {
			rc = tn_err_set(err, TN_EINVAL, "%s is not a Delta table: it has no versions",
					t.display);
		} else {
			if (vspec[0]) {
				tn_buf_puts(&args, ", ", NULL);
				sess_quote(&args, vspec);
			}
			if (strcmp(module, "tarn_files") == 0) {
				tn_buf_puts(&args, ", ", NULL);
				sess_quote(&args, t.format);
			}
			tn_buf_putc(&args, '\0', NULL);
			args.len--;
			rc = emit_table(w, module, &args, q.path ? "t" : q.part[q.n - 1], has_alias, err);
		}
		tn_buf_done(&args);
	}
	sess_table_done(&t);
fail:
	qname_done(&q);
	return rc;
}

/* CAST(x AS type) for the types whose SQLite affinity would mangle the
 * value: STRING, VARCHAR(n), CHAR(n) and DATE, TIMESTAMP are NUMERIC to
 * SQLite ('007' becomes 7, '2024-06-01' 2024) and BINARY is not BLOB.
 * One pending CAST: the tokens from its AS to its closing parenthesis are
 * replaced by `as` (the CAST keyword itself by `fn` when set). */
struct cast_fix {
	size_t as, close; /* token indexes */
	const char *as_text;
};

/* The token index of the parenthesis closing the one at `open`, or 0. */
static size_t closing_paren(const struct toks *ts, size_t open)
{
	int depth = 0;

	for (size_t i = open; i < ts->n; i++) {
		const struct sql_token *t = &ts->t[i];

		if (t->kind != SQL_TOK_OP || t->len != 1)
			continue;
		if (ts->text[t->start] == '(')
			depth++;
		else if (ts->text[t->start] == ')' && --depth == 0)
			return i;
	}
	return 0;
}

static bool word_at(const struct toks *ts, size_t i, const char *w)
{
	const struct sql_token *t = &ts->t[i];

	return (t->kind == SQL_TOK_KEYWORD || (t->kind == SQL_TOK_IDENT && !t->quoted)) &&
	       t->len == strlen(w) && strncasecmp(ts->text + t->start, w, t->len) == 0;
}

/* At a CAST token (ts->pos): what replaces it (*fn, "" when it stays)
 * and its "AS type" (fix). false when the CAST needs nothing. */
static bool cast_rewrite(const struct toks *ts, const char **fn, struct cast_fix *fix)
{
	static const struct {
		const char *type, *fn, *as;
	} map[] = {
		{"STRING", "", " AS TEXT"},	  {"VARCHAR", "", " AS TEXT"},
		{"CHAR", "", " AS TEXT"},	  {"BINARY", "", " AS BLOB"},
		{"DATE", "to_date", ""},	  {"TIMESTAMP", "to_timestamp", ""},
		{"TIMESTAMP_NTZ", "to_timestamp", ""}, {"TIMESTAMP_LTZ", "to_timestamp", ""},
	};
	size_t open = ts->pos + 1, close, as = 0;
	int depth = 0;

	if (!word_at(ts, ts->pos, "CAST") || open >= ts->n || ts->t[open].kind != SQL_TOK_OP ||
	    ts->text[ts->t[open].start] != '(' || (close = closing_paren(ts, open)) == 0)
		return false;
	for (size_t i = open + 1; i < close && as == 0; i++) {
		const struct sql_token *t = &ts->t[i];

		if (t->kind == SQL_TOK_OP && t->len == 1 && ts->text[t->start] == '(')
			depth++;
		else if (t->kind == SQL_TOK_OP && t->len == 1 && ts->text[t->start] == ')')
			depth--;
		else if (depth == 0 && word_at(ts, i, "AS"))
			as = i;
	}
	if (as == 0 || as + 1 >= close)
		return false;
	for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++) {
		if (!word_at(ts, as + 1, map[k].type))
			continue;
		*fn = map[k].fn;
		fix->as = as;
		fix->close = close;
		fix->as_text = map[k].as;
		return true;
	}
	return false;
}

static const char *const from_enders[] = {
	"WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "UNION", "EXCEPT", "INTERSECT", "WINDOW",
	"QUALIFY", "SELECT", "SET", "VALUES", "RETURNING", "MINUS", NULL,
};

static int rewrite_into(struct rw *w, struct tn_err *err)
{
	struct toks *ts = &w->ts;
	bool from_at[64] = {false};
	bool fn_at[64] = {false}; /* the parentheses of a function call */
	bool expect = false;
	struct cast_fix casts[32];
	size_t ncasts = 0;
	int rc;

	ts->pos = 0;
	while (ts->pos < ts->n) {
		const struct sql_token *t = tk_peek(ts, 0);
		int d = w->depth < 63 ? w->depth : 63;
		const char *fn;

		if (ncasts > 0 && ts->pos == casts[ncasts - 1].as) {
			/* the innermost pending CAST's "AS type" */
			struct cast_fix *c = &casts[--ncasts];

			copy_to(w, t->start);
			mark(w, t->start);
			tn_buf_puts(&w->out, c->as_text, NULL);
			w->last = ts->t[c->close].start;
			ts->pos = c->close;
			continue;
		}
		if (ncasts < 32 && cast_rewrite(ts, &fn, &casts[ncasts])) {
			if (fn[0] != '\0') {
				copy_to(w, t->start);
				mark(w, t->start);
				tn_buf_puts(&w->out, fn, NULL);
				w->last = t->start + t->len;
			}
			ncasts++;
		}

		if (expect) {
			expect = false;
			if (t->kind == SQL_TOK_IDENT || (t->kind == SQL_TOK_KEYWORD && !tk_is_kw(ts, 0, "LATERAL") &&
							  !tk_is_kw(ts, 0, "SELECT") && !tk_is_kw(ts, 0, "VALUES"))) {
				size_t before = ts->pos;

				rc = table_ref(w, err);
				if (rc != TN_OK)
					return rc;
				if (ts->pos != before)
					continue;
			}
		}
		if (t->kind == SQL_TOK_STRING) {
			char *v = tk_string_value(ts->text, t);

			copy_to(w, t->start);
			mark(w, t->start);
			sess_quote(&w->out, v);
			free(v);
			w->last = t->start + t->len;
		} else if (t->kind == SQL_TOK_IDENT && t->quoted) {
			char *v = tn_strndup(ts->text + t->start + 1, t->len - 2);
			size_t o = 0;

			for (size_t i = 0; v[i]; i++) { /* `` -> ` */
				v[o++] = v[i];
				if (v[i] == '`' && v[i + 1] == '`')
					i++;
			}
			v[o] = '\0';
			copy_to(w, t->start);
			mark(w, t->start);
			quote_ident(&w->out, v);
			free(v);
			w->last = t->start + t->len;
		} else if (t->kind == SQL_TOK_NUMBER) {
			size_t n = t->len;
			const char *s = ts->text + t->start;

			if (!(n > 2 && (s[1] == 'x' || s[1] == 'X'))) {
				while (n > 0 && strchr("LSYDFlsydfBb", s[n - 1]))
					n--;
				if (n < t->len) {
					copy_to(w, t->start);
					mark(w, t->start);
					tn_buf_append(&w->out, s, n, NULL);
					w->last = t->start + t->len;
				}
			}
		} else if (tk_is_op(ts, 0, "<=>")) {
			copy_to(w, t->start);
			tn_buf_puts(&w->out, " IS ", NULL);
			w->last = t->start + t->len;
		} else if (tk_is_op(ts, 0, "(")) {
			const struct sql_token *p = ts->pos > 0 ? &ts->t[ts->pos - 1] : NULL;

			w->depth++;
			if (w->depth < 64) {
				from_at[w->depth] = false;
				fn_at[w->depth] = p && p->kind == SQL_TOK_IDENT && !p->quoted;
			}
		} else if (tk_is_op(ts, 0, ")")) {
			if (w->depth < 64)
				from_at[w->depth] = false;
			if (w->depth > 0)
				w->depth--;
		} else if ((tk_is_kw(ts, 0, "FROM") || tk_is_kw(ts, 0, "JOIN")) && !fn_at[d]) {
			from_at[d] = true;
			expect = true;
		} else if (tk_is_op(ts, 0, ",") && from_at[d]) {
			expect = true;
		} else if (t->kind == SQL_TOK_KEYWORD) {
			for (size_t i = 0; from_enders[i]; i++)
				if (tk_is_kw(ts, 0, from_enders[i]))
					from_at[d] = false;
		}
		ts->pos++;
	}
	copy_to(w, ts->len);
	return TN_OK;
}

int sess_rewrite(struct tarn_engine *e, const char *text, size_t len, struct sess_rw *rw,
		 struct tn_err *err)
{
	struct rw w;
	int rc;

	memset(rw, 0, sizeof(*rw));
	memset(&w, 0, sizeof(w));
	w.e = e;
	w.res = rw;
	toks_init(&w.ts, text, len);
	tn_buf_init(&w.out, 0);
	find_ctes(&w);
	rc = rewrite_into(&w, err);
	for (size_t i = 0; i < w.nctes; i++)
		free(w.ctes[i]);
	free(w.ctes);
	toks_done(&w.ts);
	if (rc != TN_OK) {
		tn_buf_done(&w.out);
		sess_rw_done(rw);
		return rc;
	}
	tn_buf_putc(&w.out, '\0', NULL);
	rw->sql = tn_buf_detach(&w.out, NULL);
	return TN_OK;
}

int sess_rewrite_tokens(struct tarn_engine *e, struct toks *ts, size_t from, size_t to,
			char **out, char **text, struct tn_err *err)
{
	char *t = tk_text(ts, from, to);
	struct sess_rw rw;
	int rc = sess_rewrite(e, t, strlen(t), &rw, err);

	if (rc == TN_OK) {
		*out = rw.sql;
		rw.sql = NULL;
	}
	sess_rw_done(&rw);
	if (text)
		*text = t;
	else
		free(t);
	return rc;
}
