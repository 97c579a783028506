/* dml.c - INSERT INTO/OVERWRITE (through the virtual table), UPDATE and
 * DELETE (the row evaluator: SQLite decides each row of a file over a
 * batch table; the Delta layer rewrites or marks files), COPY INTO, and
 * the CHECK-constraint hook. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "sql/session.h"
#include "sql/value.h"

/* ---- the row evaluator ---- */

struct rowev {
	struct tarn_engine *e;
	struct sql_batchtab *bt;
	sqlite3_stmt *st;
	const struct tn_schema *schema;
	int *set_cols;              /* UPDATE: table column of each SET value */
	size_t nset;
	int action;                 /* DELTA_ROW_DELETE or DELTA_ROW_UPDATE */
	int64_t rows_seen;
};

static int rowev_open(struct tarn_engine *e, struct rowev *ev, const struct tn_schema *schema,
		      const char *alias, const char *select_list, const char *where_sql,
		      struct tn_err *err)
{
	char name[32];
	struct tn_buf sql;
	int rc;

	memset(ev, 0, sizeof(*ev));
	ev->e = e;
	ev->schema = schema;
	snprintf(name, sizeof(name), "__r%d", ++e->next_tab);
	rc = sql_batchtab_create(e->db, name, schema, &ev->bt, err);
	if (rc != TN_OK)
		return rc;
	tn_buf_init(&sql, 0);
	tn_buf_printf(&sql, NULL, "SELECT rowid%s%s FROM temp.\"%s\" AS \"%s\"",
		      select_list && *select_list ? ", " : "", select_list ? select_list : "", name,
		      alias);
	if (where_sql)
		tn_buf_printf(&sql, NULL, " WHERE %s", where_sql);
	tn_buf_putc(&sql, '\0', NULL);
	tn_err_clear(&e->host.last_err);
	rc = sqlite3_prepare_v2(e->db, (char *)sql.data, -1, &ev->st, NULL);
	tn_buf_done(&sql);
	if (rc != SQLITE_OK)
		return sess_sqlite_error(e, rc, NULL, err);
	return TN_OK;
}

static void rowev_close(struct rowev *ev)
{
	if (ev->st)
		sqlite3_finalize(ev->st);
	sql_batchtab_drop(ev->bt);
	free(ev->set_cols);
	memset(ev, 0, sizeof(*ev));
}

static int rowev_fn(void *ctx, const struct tn_batch *rows, uint8_t *act, struct tn_batch *updated,
		    struct tn_err *err)
{
	struct rowev *ev = ctx;
	int rc;

	if (ev->e->interrupted)
		return tn_err_set(err, TN_ECANCELED, "cancelled");
	sql_batchtab_bind(ev->bt, rows);
	sqlite3_reset(ev->st);
	while ((rc = sqlite3_step(ev->st)) == SQLITE_ROW) {
		int64_t i = sqlite3_column_int64(ev->st, 0);

		if (i < 0 || (size_t)i >= rows->nrows)
			continue;
		act[i] = (uint8_t)ev->action;
		for (size_t k = 0; k < ev->nset; k++) {
			int c = ev->set_cols[k];
			int r = sess_put(sqlite3_column_value(ev->st, (int)k + 1),
						 &updated->cols[c], (size_t)i, &updated->arena,
						 ev->schema->cols[c].name, ev->rows_seen + i + 1, err);

			if (r != TN_OK) {
				sqlite3_reset(ev->st);
				sql_batchtab_bind(ev->bt, NULL);
				return r;
			}
		}
	}
	ev->rows_seen += (int64_t)rows->nrows;
	sql_batchtab_bind(ev->bt, NULL);
	if (rc != SQLITE_DONE) {
		rc = sess_sqlite_error(ev->e, rc, NULL, err);
		sqlite3_reset(ev->st);
		return rc;
	}
	return TN_OK;
}

int sess_check_hook(void *ctx, const char *name, const char *expr, const struct tn_batch *b,
		    uint8_t *bad, struct tn_err *err)
{
	struct tarn_engine *e = ctx;
	struct rowev ev;
	struct sess_rw rw;
	char *where;
	int rc;

	rc = sess_rewrite(e, expr, strlen(expr), &rw, err);
	if (rc != TN_OK) {
		tn_err_prefix(err, "CHECK constraint %s", name);
		return rc;
	}
	where = tn_malloc(strlen(rw.sql) + 32);
	sprintf(where, "NOT coalesce((%s), 0)", rw.sql);
	sess_rw_done(&rw);
	rc = rowev_open(e, &ev, b->schema, "t", NULL, where, err);
	free(where);
	if (rc == TN_OK) {
		sql_batchtab_bind(ev.bt, b);
		while ((rc = sqlite3_step(ev.st)) == SQLITE_ROW) {
			int64_t i = sqlite3_column_int64(ev.st, 0);

			if (i >= 0 && (size_t)i < b->nrows)
				bad[i] = 1;
		}
		rc = rc == SQLITE_DONE ? TN_OK : sess_sqlite_error(e, rc, NULL, err);
	} else {
		tn_err_prefix(err, "CHECK constraint %s (%s)", name, expr);
	}
	rowev_close(&ev);
	return rc;
}

/* ---- shared parsing ---- */

/* The target table of a DML statement: name, optional alias. */
static int dml_target(struct tarn_engine *e, struct toks *ts, struct sess_table *t, char **alias,
		      bool alias_ok, struct tn_err *err)
{
	struct qname q;
	int rc = tk_qname(ts, &q, err);

	if (rc != TN_OK)
		return rc;
	rc = sess_resolve(e, &q, CAT_PRIV_MODIFY, t, err);
	if (rc == TN_OK && strcmp(t->format, "share") == 0)
		rc = tn_err_set(err, TN_EINVAL, "%s is a table of a share (read-only): it cannot be "
				"changed here", t->display);
	else if (rc == TN_OK && strcmp(t->format, "delta") != 0)
		rc = tn_err_set(err, TN_EINVAL, "%s is a %s, not a Delta table: it cannot be changed",
				t->display, strcmp(t->format, "view") == 0 ? "view" : t->format);
	if (rc != TN_OK) {
		if (strstr(err->msg, "\n  ") == NULL)
			sess_caret(err, ts->text, ts->len, q.start);
		qname_done(&q);
		return rc;
	}
	*alias = tn_strdup(q.path ? "t" : q.part[q.n - 1]);
	qname_done(&q);
	if (alias_ok) {
		if (tk_accept_kw(ts, "AS")) {
			free(*alias);
			return tk_name(ts, alias, err);
		}
		if (tk_peek(ts, 0)->kind == SQL_TOK_IDENT && !tk_is_kw(ts, 0, "SET") &&
		    !tk_is_kw(ts, 0, "WHERE") && !tk_is_kw(ts, 0, "USING")) {
			free(*alias);
			return tk_name(ts, alias, err);
		}
	}
	return TN_OK;
}

/* A predicate for skipping files, when the condition is simple enough. */
static struct delta_pred *skip_pred(struct toks *ts, size_t from, size_t to)
{
	char *text = tk_text(ts, from, to);
	struct delta_pred *p = NULL;

	if (delta_pred_parse(text, &p, NULL) != TN_OK)
		p = NULL;
	free(text);
	return p;
}

static void set_message(struct tarn_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_message(struct tarn_result *r, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(r->message);
	r->message = tn_strdup(buf);
}

/* ---- INSERT ---- */

/* INSERT ... BY NAME, and schema evolution on append (SET
 * spark.databricks.delta.schema.autoMerge.enabled = true): the query's
 * columns (names, and types from their declarations or first rows) are
 * matched to the table's, by name or by position, and those the table
 * lacks are added to it in the same commit (Delta's mergeSchema). *cols
 * gets the column list to insert into (by name), or stays NULL. */
static int insert_evolve(struct tarn_engine *e, struct sess_tx *stx, const char *display,
			 const char *query, bool by_name, char **cols, struct tn_err *err)
{
	bool merge = sess_setting_on(e, SESS_AUTO_MERGE);
	const struct tn_schema *ts = delta_tx_schema(stx->tx);
	struct tarn_result *q = res_new(e);
	struct tn_field *add = NULL;
	struct tn_buf list;
	size_t nadd = 0;
	int rc;

	tn_buf_init(&list, 0);
	rc = res_query(q, query, err);
	for (size_t i = 0; rc == TN_OK && i < q->schema.ncols; i++) {
		const struct tn_field *f = &q->schema.cols[i];
		int k = by_name ? sess_find_col(ts, f->name) : (i < ts->ncols ? (int)i : -1);

		if (k < 0 && !merge) {
			char what[300];

			snprintf(what, sizeof(what), "INSERT INTO %s BY NAME: the table", display);
			struct tn_err why;

			sess_no_column(ts, what, f->name, &why);
			rc = tn_err_set(err, TN_EINVAL, "%s (SET %s = true adds the query's new columns)",
					why.msg, SESS_AUTO_MERGE);
			break;
		}
		if (k < 0 && sess_find_col(ts, f->name) >= 0) {
			rc = tn_err_set(err, TN_EINVAL,
					"INSERT INTO %s: the query's column %d, %s, is a column of the "
					"table at another position (INSERT INTO %s BY NAME matches by name)",
					display, (int)i + 1, f->name, display);
			break;
		}
		if (k < 0) {
			add = tn_realloc(add, (nadd + 1) * sizeof(*add));
			tn_schema_copy_field(&add[nadd], f);
			add[nadd].nullable = true;
			nadd++;
		}
		tn_buf_printf(&list, NULL, "%s\"%s\"", list.len ? ", " : "",
			      k >= 0 ? ts->cols[k].name : f->name);
	}
	res_release(q);
	if (rc == TN_OK && nadd > 0) {
		rc = delta_tx_add_columns(stx->tx, add, nadd, err);
		if (rc == TN_OK)
			stx->changed = true; /* the target's view has the new columns */
	}
	if (rc == TN_OK && by_name) {
		tn_buf_putc(&list, '\0', NULL);
		*cols = tn_asprintf("(%s)", (char *)list.data);
	}
	for (size_t i = 0; i < nadd; i++)
		tn_field_done(&add[i]);
	free(add);
	tn_buf_done(&list);
	return rc;
}


static int stmt_insert(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
		       struct tn_err *err)
{
	struct sess_table t = {0};
	struct sess_tx *stx;
	struct tn_buf sql;
	char *alias = NULL, *vt = NULL, *query = NULL, *args;
	bool overwrite, by_name;
	size_t qstart;
	int rc;

	ts->pos++; /* INSERT */
	overwrite = tk_accept_kw(ts, "OVERWRITE");
	if (!overwrite && tk_expect_kw(ts, "INTO", err) != TN_OK)
		return TN_EINVAL;
	tk_accept_kw(ts, "TABLE");
	rc = dml_target(e, ts, &t, &alias, false, err);
	if (rc != TN_OK)
		return rc;
	r->object = tn_strdup(t.display);
	tn_buf_init(&sql, 0);
	tn_buf_puts(&sql, "INSERT INTO ", NULL);
	by_name = tk_is_kw(ts, 0, "BY") && tk_is_kw(ts, 1, "NAME");
	if (by_name)
		ts->pos += 2;
	if (!by_name && tk_is_op(ts, 0, "(") && !tk_is_kw(ts, 1, "SELECT") && !tk_is_kw(ts, 1, "WITH") &&
	    !tk_is_kw(ts, 1, "VALUES")) {
		size_t from = ts->pos;

		ts->pos++;
		while (!tk_at_end(ts) && !tk_is_op(ts, 0, ")"))
			ts->pos++;
		if (tk_expect_op(ts, ")", err) != TN_OK) {
			rc = TN_EINVAL;
			goto out;
		}
		{
			char *cols = NULL;

			rc = sess_rewrite_tokens(e, ts, from, ts->pos, &cols, NULL, err);
			if (rc != TN_OK)
				goto out;
			qstart = ts->pos;
			args = cols;
		}
	} else {
		qstart = ts->pos;
		args = NULL;
	}
	if (tk_at_end(ts)) {
		free(args);
		rc = tk_error(ts, err, "expected SELECT or VALUES");
		goto out;
	}
	rc = sess_rewrite_tokens(e, ts, qstart, ts->n, &query, NULL, err);
	if (rc == TN_OK)
		rc = sess_tx_for(e, t.root, t.display, &stx, err);
	if (rc == TN_OK && args == NULL && (by_name || sess_setting_on(e, SESS_AUTO_MERGE)))
		rc = insert_evolve(e, stx, t.display, query, by_name, &args, err);
	if (rc == TN_OK && overwrite) {
		struct delta_rewrite_result res;

		rc = delta_tx_delete_where(stx->tx, NULL, &res, err);
		stx->changed = true;
	}
	if (rc == TN_OK) {
		struct tn_buf a;

		tn_buf_init(&a, 0);
		sess_quote(&a, t.root);
		tn_buf_putc(&a, '\0', NULL);
		rc = sess_temp_vtab(e, "tarn_delta", (char *)a.data, &vt, err);
		tn_buf_done(&a);
	}
	if (rc == TN_OK) {
		tn_buf_printf(&sql, NULL, "temp.%s %s %s", vt, args ? args : "", query);
		tn_buf_putc(&sql, '\0', NULL);
		rc = sess_exec(e, (char *)sql.data, err);
		if (rc != TN_OK)
			tn_err_prefix(err, "INSERT INTO %s", t.display);
	}
	if (rc == TN_OK) {
		int64_t n = sqlite3_changes64(e->db);
		char params[128];

		stx->changed = true;
		stx->rows += n;
		r->affected = n;
		snprintf(params, sizeof(params), "{\"mode\":\"%s\",\"partitionBy\":\"[]\"}",
			 overwrite ? "Overwrite" : "Append");
		delta_tx_set_operation(stx->tx, "WRITE", params);
		set_message(r, "%s %lld row%s into %s", overwrite ? "overwrote with" : "inserted",
			    (long long)n, n == 1 ? "" : "s", t.display);
	}
	free(args);
out:
	free(query);
	free(vt);
	free(alias);
	tn_buf_done(&sql);
	sess_table_done(&t);
	return rc;
}

/* ---- UPDATE and DELETE ---- */

static const char *const where_stop[] = {"WHERE", NULL};
static const char *const set_stop_ops[] = {",", NULL};

static int stmt_update_delete(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
			      bool update, struct tn_err *err)
{
	struct sess_table t = {0};
	struct sess_tx *stx = NULL;
	struct rowev ev;
	struct delta_pred *skip = NULL;
	struct delta_rewrite_result res;
	struct tn_buf list;
	char *alias = NULL, *where = NULL;
	int *cols = NULL;
	size_t ncols = 0;
	const struct tn_schema *schema;
	int rc;

	memset(&ev, 0, sizeof(ev));
	tn_buf_init(&list, 0);
	ts->pos++; /* UPDATE / DELETE */
	if (!update && tk_expect_kw(ts, "FROM", err) != TN_OK)
		return TN_EINVAL;
	rc = dml_target(e, ts, &t, &alias, true, err);
	if (rc != TN_OK)
		goto out_early;
	r->object = tn_strdup(t.display);
	rc = sess_tx_for(e, t.root, t.display, &stx, err);
	if (rc != TN_OK)
		goto out;
	schema = delta_tx_schema(stx->tx);
	if (update) {
		if (tk_expect_kw(ts, "SET", err) != TN_OK) {
			rc = TN_EINVAL;
			goto out;
		}
		do {
			char *col = NULL, *expr = NULL;
			size_t from;
			int c;

			/* col, or alias.col */
			rc = tk_name(ts, &col, err);
			if (rc == TN_OK && tk_accept_op(ts, ".")) {
				free(col);
				rc = tk_name(ts, &col, err);
			}
			if (rc == TN_OK)
				rc = tk_expect_op(ts, "=", err);
			if (rc != TN_OK) {
				free(col);
				goto out;
			}
			c = sess_find_col(schema, col);
			if (c < 0) {
				char what[300];

				snprintf(what, sizeof(what), "UPDATE %s: the table", t.display);
				rc = sess_no_column(schema, what, col, err);
				free(col);
				goto out;
			}
			free(col);
			for (size_t i = 0; i < ncols; i++)
				if (cols[i] == c) {
					rc = tn_err_set(err, TN_EINVAL, "UPDATE %s: column %s is set twice",
							t.display, schema->cols[c].name);
					goto out;
				}
			from = ts->pos;
			tk_skip_expr(ts, where_stop, set_stop_ops);
			if (ts->pos == from) {
				rc = tk_error(ts, err, "expected a value");
				goto out;
			}
			rc = sess_rewrite_tokens(e, ts, from, ts->pos, &expr, NULL, err);
			if (rc != TN_OK)
				goto out;
			tn_buf_printf(&list, NULL, "%s(%s)", ncols ? ", " : "", expr);
			free(expr);
			cols = tn_realloc(cols, (ncols + 1) * sizeof(int));
			cols[ncols++] = c;
		} while (tk_accept_op(ts, ","));
	}
	if (tk_accept_kw(ts, "WHERE")) {
		size_t from = ts->pos;

		tk_skip_expr(ts, NULL, NULL);
		if (ts->pos == from) {
			rc = tk_error(ts, err, "expected a condition");
			goto out;
		}
		rc = sess_rewrite_tokens(e, ts, from, ts->pos, &where, NULL, err);
		if (rc != TN_OK)
			goto out;
		skip = skip_pred(ts, from, ts->pos);
	}
	if (!tk_at_end(ts)) {
		rc = tk_error(ts, err, "expected the end of the statement");
		goto out;
	}
	tn_buf_putc(&list, '\0', NULL);
	if (!update && where == NULL) {
		rc = delta_tx_delete_where(stx->tx, NULL, &res, err);
	} else {
		rc = rowev_open(e, &ev, schema, alias, (char *)list.data, where, err);
		if (rc == TN_OK) {
			ev.set_cols = cols;
			ev.nset = ncols;
			cols = NULL;
			ev.action = update ? DELTA_ROW_UPDATE : DELTA_ROW_DELETE;
			rc = delta_tx_rewrite(stx->tx, skip, rowev_fn, &ev, &res, err);
		}
		if (rc == TN_OK)
			delta_rewrite_commit_info(stx->tx, update ? "UPDATE" : "DELETE", skip, &res);
	}
	if (rc == TN_OK) {
		int64_t n = update ? res.rows_updated : res.rows_deleted;

		stx->changed = true;
		r->affected = n;
		set_message(r, "%s %lld row%s of %s", update ? "updated" : "deleted", (long long)n,
			    n == 1 ? "" : "s", t.display);
	} else {
		tn_err_prefix(err, "%s %s", update ? "UPDATE" : "DELETE FROM", t.display);
	}
out:
	rowev_close(&ev);
	delta_pred_free(skip);
	sess_table_done(&t);
out_early:
	free(cols);
	free(where);
	free(alias);
	tn_buf_done(&list);
	return rc;
}

/* ---- COPY INTO ---- */

static int opt_list(struct toks *ts, char ***keys, char ***vals, size_t *n, struct tn_err *err)
{
	if (tk_expect_op(ts, "(", err) != TN_OK)
		return TN_EINVAL;
	while (!tk_accept_op(ts, ")")) {
		char *k = NULL, *v = NULL;
		int rc;

		if (*n && tk_expect_op(ts, ",", err) != TN_OK)
			return TN_EINVAL;
		rc = tk_peek(ts, 0)->kind == SQL_TOK_STRING ? tk_string(ts, &k, err) : tk_name(ts, &k, err);
		if (rc == TN_OK)
			rc = tk_expect_op(ts, "=", err);
		if (rc == TN_OK) {
			const struct sql_token *t = tk_peek(ts, 0);

			if (t->kind == SQL_TOK_STRING)
				rc = tk_string(ts, &v, err);
			else if (t->kind == SQL_TOK_NUMBER || t->kind == SQL_TOK_KEYWORD ||
				 t->kind == SQL_TOK_IDENT) {
				v = tn_strndup(ts->text + t->start, t->len);
				ts->pos++;
			} else {
				rc = tk_error(ts, err, "expected a value");
			}
		}
		if (rc != TN_OK) {
			free(k);
			return rc;
		}
		*keys = tn_realloc(*keys, (*n + 1) * sizeof(char *));
		*vals = tn_realloc(*vals, (*n + 1) * sizeof(char *));
		(*keys)[*n] = k;
		(*vals)[*n] = v;
		(*n)++;
	}
	return TN_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files COPY INTO reads: path itself, or the files under it (not
 * hidden, not _-prefixed), matching pattern. Sorted. */
static int list_files(const char *path, const char *pattern, char ***out, size_t *n,
		      struct tn_err *err)
{
	struct stat sb;
	DIR *d;
	struct dirent *de;

	*out = NULL;
	*n = 0;
	if (stat(path, &sb) != 0)
		return tn_err_sys(err, errno, "COPY INTO: %s", path);
	if (!S_ISDIR(sb.st_mode)) {
		*out = tn_malloc(sizeof(char *));
		(*out)[0] = tn_strdup(path);
		*n = 1;
		return TN_OK;
	}
	d = opendir(path);
	if (d == NULL)
		return tn_err_sys(err, errno, "COPY INTO: %s", path);
	while ((de = readdir(d)) != NULL) {
		char *p;

		if (de->d_name[0] == '.' || de->d_name[0] == '_')
			continue;
		if (pattern && fnmatch(pattern, de->d_name, 0) != 0)
			continue;
		p = tn_path_join(path, de->d_name);
		if (stat(p, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			free(p);
			continue;
		}
		*out = tn_realloc(*out, (*n + 1) * sizeof(char *));
		(*out)[(*n)++] = p;
	}
	closedir(d);
	qsort(*out, *n, sizeof(char *), cmp_str);
	return TN_OK;
}

/* Files earlier COPY INTO commits of the table loaded. */
static void loaded_files(struct tarn_engine *e, const char *root, struct tn_buf *names)
{
	struct delta_table *dt;
	struct delta_commit *c;
	size_t n;

	if (delta_table_open(e->st, root, &dt, NULL) != TN_OK)
		return;
	if (delta_history(dt, &c, &n, NULL) == TN_OK) {
		for (size_t i = 0; i < n; i++) {
			cJSON *p, *f, *arr;

			if (c[i].operation == NULL || strcmp(c[i].operation, "COPY INTO") != 0 ||
			    c[i].operation_parameters == NULL)
				continue;
			p = cJSON_Parse(c[i].operation_parameters);
			f = cJSON_GetObjectItemCaseSensitive(p, "files");
			arr = cJSON_IsString(f) ? cJSON_Parse(f->valuestring) : NULL;
			for (cJSON *x = arr ? arr->child : NULL; x; x = x->next)
				if (cJSON_IsString(x)) {
					tn_buf_puts(names, x->valuestring, NULL);
					tn_buf_putc(names, '\n', NULL);
				}
			cJSON_Delete(arr);
			cJSON_Delete(p);
		}
		delta_history_free(c, n);
	}
	delta_table_close(dt);
}

static bool name_listed(const struct tn_buf *names, const char *f)
{
	size_t n = strlen(f);
	const char *p = (const char *)names->data, *end = p + names->len;

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl && (size_t)(nl - p) == n && memcmp(p, f, n) == 0)
			return true;
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

static int stmt_copy(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
		     struct tn_err *err)
{
	struct sess_table t = {0};
	struct sess_tx *stx = NULL;
	char *alias = NULL, *path = NULL, *format = NULL, *pattern = NULL, *vt = NULL;
	char **fk = NULL, **fv = NULL, **ck = NULL, **cv = NULL, **files = NULL;
	size_t nf = 0, nc = 0, nfiles = 0, loaded = 0, skipped = 0;
	struct tn_buf done, sql;
	cJSON *list = cJSON_CreateArray();
	bool force = false;
	int64_t rows = 0;
	int rc;

	tn_buf_init(&done, 0);
	tn_buf_init(&sql, 0);
	memset(&t, 0, sizeof(t));
	ts->pos++; /* COPY */
	rc = tk_expect_kw(ts, "INTO", err);
	if (rc == TN_OK)
		rc = dml_target(e, ts, &t, &alias, false, err);
	if (rc == TN_OK)
		rc = tk_expect_kw(ts, "FROM", err);
	if (rc == TN_OK)
		rc = tk_string(ts, &path, err);
	while (rc == TN_OK && !tk_at_end(ts)) {
		if (tk_accept_kw(ts, "FILEFORMAT")) {
			rc = tk_expect_op(ts, "=", err);
			if (rc == TN_OK)
				rc = tk_name(ts, &format, err);
		} else if (tk_accept_kw(ts, "PATTERN")) {
			rc = tk_expect_op(ts, "=", err);
			if (rc == TN_OK)
				rc = tk_string(ts, &pattern, err);
		} else if (tk_accept_kw(ts, "FORMAT_OPTIONS")) {
			rc = opt_list(ts, &fk, &fv, &nf, err);
		} else if (tk_accept_kw(ts, "COPY_OPTIONS")) {
			rc = opt_list(ts, &ck, &cv, &nc, err);
		} else {
			rc = tk_error(ts, err, "expected FILEFORMAT, PATTERN, FORMAT_OPTIONS or COPY_OPTIONS");
		}
	}
	if (rc == TN_OK && format == NULL)
		rc = tn_err_set(err, TN_EINVAL, "COPY INTO: FILEFORMAT = CSV, JSON or PARQUET is required");
	if (rc != TN_OK)
		goto out;
	tn_str_lower(format);
	if (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0 && strcmp(format, "parquet") != 0) {
		rc = tn_err_set(err, TN_EINVAL, "COPY INTO: FILEFORMAT %s is not one of CSV, JSON, PARQUET",
				format);
		goto out;
	}
	for (size_t i = 0; i < nc; i++) {
		if (strcasecmp(ck[i], "force") == 0)
			force = strcasecmp(cv[i], "true") == 0;
		else if (strcasecmp(ck[i], "mergeSchema") == 0 && strcasecmp(cv[i], "true") == 0) {
			rc = tn_err_set(err, TN_EUNSUPPORTED,
					"COPY INTO: COPY_OPTIONS mergeSchema is not supported yet (ALTER TABLE ADD COLUMNS first)");
			goto out;
		}
	}
	r->object = tn_strdup(t.display);
	{
		char *abs = path[0] == '/' ? tn_strdup(path) : NULL;

		if (abs == NULL) {
			char cwd[4096];

			abs = tn_path_join(getcwd(cwd, sizeof(cwd)) ? cwd : ".", path);
		}
		free(path);
		path = abs;
	}
	rc = list_files(path, pattern, &files, &nfiles, err);
	if (rc == TN_OK)
		rc = sess_tx_for(e, t.root, t.display, &stx, err);
	if (rc != TN_OK)
		goto out;
	if (!force)
		loaded_files(e, t.root, &done);
	{
		struct tn_buf a;

		tn_buf_init(&a, 0);
		sess_quote(&a, t.root);
		tn_buf_putc(&a, '\0', NULL);
		rc = sess_temp_vtab(e, "tarn_delta", (char *)a.data, &vt, err);
		tn_buf_done(&a);
	}
	for (size_t i = 0; rc == TN_OK && i < nfiles; i++) {
		struct tn_buf a, cols;
		char *src = NULL;
		const struct tn_schema *ts_schema = delta_tx_schema(stx->tx);
		sqlite3_stmt *info = NULL;

		if (name_listed(&done, files[i])) {
			skipped++;
			continue;
		}
		tn_buf_init(&a, 0);
		tn_buf_init(&cols, 0);
		sess_quote(&a, files[i]);
		if (strcmp(format, "parquet") != 0) {
			tn_buf_puts(&a, ", ", NULL);
			sess_quote(&a, format);
			for (size_t k = 0; k < nf; k++) {
				char kv[512];

				snprintf(kv, sizeof(kv), "%s=%s", fk[k], fv[k]);
				tn_buf_puts(&a, ", ", NULL);
				sess_quote(&a, kv);
			}
		}
		tn_buf_putc(&a, '\0', NULL);
		rc = sess_temp_vtab(e, strcmp(format, "parquet") == 0 ? "tarn_parquet" : "tarn_files",
				    (char *)a.data, &src, err);
		/* match the file's columns to the table's by name */
		if (rc == TN_OK) {
			char q[96];

			snprintf(q, sizeof(q), "SELECT name FROM pragma_table_info('%.*s', 'temp')",
				 (int)strlen(src) - 2, src + 1);
			rc = sqlite3_prepare_v2(e->db, q, -1, &info, NULL) == SQLITE_OK
				     ? TN_OK
				     : sess_sqlite_error(e, SQLITE_ERROR, NULL, err);
		}
		while (rc == TN_OK && sqlite3_step(info) == SQLITE_ROW) {
			const char *c = (const char *)sqlite3_column_text(info, 0);
			int k = sess_find_col(ts_schema, c);

			if (k < 0) {
				rc = tn_err_set(err, TN_EINVAL,
						"COPY INTO %s: %s has a column %s that the table does not have",
						t.display, files[i], c);
				break;
			}
			tn_buf_printf(&cols, NULL, "%s\"%s\"", cols.len ? ", " : "",
				      ts_schema->cols[k].name);
		}
		sqlite3_finalize(info);
		if (rc == TN_OK) {
			tn_buf_putc(&cols, '\0', NULL);
			tn_buf_reset(&sql);
			tn_buf_printf(&sql, NULL, "INSERT INTO temp.%s (%s) SELECT %s FROM temp.%s", vt,
				      (char *)cols.data, (char *)cols.data, src);
			tn_buf_putc(&sql, '\0', NULL);
			rc = sess_exec(e, (char *)sql.data, err);
			if (rc != TN_OK)
				tn_err_prefix(err, "COPY INTO %s from %s", t.display, files[i]);
			else
				rows += sqlite3_changes64(e->db);
		}
		if (rc == TN_OK) {
			cJSON_AddItemToArray(list, cJSON_CreateString(files[i]));
			loaded++;
		}
		free(src);
		tn_buf_done(&a);
		tn_buf_done(&cols);
	}
	if (rc == TN_OK) {
		cJSON *params = cJSON_CreateObject();
		char *ftext = cJSON_PrintUnformatted(list), *ptext;

		cJSON_AddStringToObject(params, "files", ftext);
		cJSON_AddStringToObject(params, "format", format);
		ptext = cJSON_PrintUnformatted(params);
		if (loaded > 0) {
			stx->changed = true;
			delta_tx_set_operation(stx->tx, "COPY INTO", ptext);
		}
		free(ftext);
		free(ptext);
		cJSON_Delete(params);
		r->affected = rows;
		res_columns(r, (const char *const[]){"num_affected_rows:bigint",
						     "num_inserted_rows:bigint",
						     "num_loaded_files:bigint",
						     "num_skipped_files:bigint"},
			    4);
		res_add_int(r, rows);
		res_add_int(r, rows);
		res_add_int(r, (int64_t)loaded);
		res_add_int(r, (int64_t)skipped);
		set_message(r, "loaded %zu file%s (%lld rows) into %s; %zu already loaded", loaded,
			    loaded == 1 ? "" : "s", (long long)rows, t.display, skipped);
	}
out:
	cJSON_Delete(list);
	for (size_t i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	for (size_t i = 0; i < nf; i++) {
		free(fk[i]);
		free(fv[i]);
	}
	for (size_t i = 0; i < nc; i++) {
		free(ck[i]);
		free(cv[i]);
	}
	free(fk);
	free(fv);
	free(ck);
	free(cv);
	free(vt);
	free(path);
	free(format);
	free(pattern);
	free(alias);
	tn_buf_done(&done);
	tn_buf_done(&sql);
	sess_table_done(&t);
	return rc;
}

int stmt_dml(struct tarn_engine *e, struct toks *ts, struct tarn_result *r, struct tn_err *err)
{
	if (tk_is_kw(ts, 0, "INSERT"))
		return stmt_insert(e, ts, r, err);
	if (tk_is_kw(ts, 0, "UPDATE"))
		return stmt_update_delete(e, ts, r, true, err);
	if (tk_is_kw(ts, 0, "DELETE"))
		return stmt_update_delete(e, ts, r, false, err);
	return stmt_copy(e, ts, r, err);
}
