/* merge.c - MERGE INTO with Databricks semantics, evaluated by SQLite:
 * the source is materialized in a temp table (indexed on the ON keys),
 * each file of the target is joined with it batch by batch inside
 * delta_tx_rewrite (matched rows updated or deleted by the first WHEN
 * MATCHED clause whose condition holds; unmatched target rows by WHEN NOT
 * MATCHED BY SOURCE), then the source rows no target row matched are
 * inserted by the first WHEN NOT MATCHED clause that holds. Several
 * source rows matching one target row that a clause would change is an
 * error, and nothing is committed. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "sql/session.h"
#include "sql/value.h"

enum { M_MATCHED, M_NOT_MATCHED, M_BY_SOURCE };
enum { A_UPDATE, A_DELETE, A_INSERT };

struct mclause {
	int when, action;
	char *cond;        /* rewritten, or NULL */
	char *cond_text;   /* as written, for commitInfo */
	bool star;         /* UPDATE SET * / INSERT * */
	int *cols;         /* target columns set */
	char **exprs;      /* rewritten values */
	size_t n;
	int first_expr;    /* index of its first value in the SELECT list */
};

struct merge {
	struct tarn_engine *e;
	const struct tn_schema *schema;   /* the target's */
	struct mclause *cl;
	size_t ncl;
	char *talias, *salias;
	char *src;                        /* quoted temp table of the source */
	char *on;                         /* rewritten ON condition */
	char *on_text;
	int64_t nsource;
	uint8_t *matched;                 /* by source rowid (1-based) */
	struct sql_batchtab *bt;
	char *btname;
	sqlite3_stmt *join, *unmatched;
	int64_t rows_seen;
	int64_t upd_m, del_m, upd_s, del_s, ins;
};

static void clauses_free(struct merge *m)
{
	for (size_t i = 0; i < m->ncl; i++) {
		struct mclause *c = &m->cl[i];

		free(c->cond);
		free(c->cond_text);
		for (size_t k = 0; k < c->n; k++)
			free(c->exprs[k]);
		free(c->exprs);
		free(c->cols);
	}
	free(m->cl);
}

static const char *const clause_stop[] = {"WHEN", "THEN", NULL};
static const char *const comma[] = {",", NULL};

/* SET a = e, t.b = e ... */
static int parse_set(struct merge *m, struct toks *ts, struct mclause *c, struct tn_err *err)
{
	if (tk_accept_op(ts, "*")) {
		c->star = true;
		return TN_OK;
	}
	do {
		char *col = NULL;
		size_t from;
		int k, rc = tk_name(ts, &col, err);

		if (rc == TN_OK && tk_accept_op(ts, ".")) {
			free(col);
			rc = tk_name(ts, &col, err);
		}
		if (rc == TN_OK)
			rc = tk_expect_op(ts, "=", err);
		if (rc != TN_OK) {
			free(col);
			return rc;
		}
		k = sess_find_col(m->schema, col);
		if (k < 0) {
			rc = sess_no_column(m->schema, "MERGE: the target", col, err);
			free(col);
			return rc;
		}
		free(col);
		from = ts->pos;
		tk_skip_expr(ts, clause_stop, comma);
		if (from == ts->pos)
			return tk_error(ts, err, "expected a value");
		c->cols = tn_realloc(c->cols, (c->n + 1) * sizeof(int));
		c->exprs = tn_realloc(c->exprs, (c->n + 1) * sizeof(char *));
		c->cols[c->n] = k;
		rc = sess_rewrite_tokens(m->e, ts, from, ts->pos, &c->exprs[c->n], NULL, err);
		if (rc != TN_OK)
			return rc;
		c->n++;
	} while (tk_accept_op(ts, ","));
	return TN_OK;
}

/* INSERT * | INSERT (cols) VALUES (exprs) */
static int parse_insert(struct merge *m, struct toks *ts, struct mclause *c, struct tn_err *err)
{
	size_t ncols = 0;
	int rc;

	if (tk_accept_op(ts, "*")) {
		c->star = true;
		return TN_OK;
	}
	if (tk_expect_op(ts, "(", err) != TN_OK)
		return TN_EINVAL;
	do {
		char *col = NULL;
		int k;

		rc = tk_name(ts, &col, err);
		if (rc == TN_OK && tk_accept_op(ts, ".")) {
			free(col);
			rc = tk_name(ts, &col, err);
		}
		if (rc != TN_OK)
			return rc;
		k = sess_find_col(m->schema, col);
		if (k < 0) {
			rc = sess_no_column(m->schema, "MERGE: the target", col, err);
			free(col);
			return rc;
		}
		free(col);
		c->cols = tn_realloc(c->cols, (ncols + 1) * sizeof(int));
		c->cols[ncols++] = k;
	} while (tk_accept_op(ts, ","));
	if (tk_expect_op(ts, ")", err) != TN_OK || tk_expect_kw(ts, "VALUES", err) != TN_OK ||
	    tk_expect_op(ts, "(", err) != TN_OK)
		return TN_EINVAL;
	c->exprs = tn_calloc(ncols, sizeof(char *));
	for (size_t i = 0; i < ncols; i++) {
		size_t from = ts->pos;

		if (i > 0 && tk_expect_op(ts, ",", err) != TN_OK)
			return TN_EINVAL;
		from = ts->pos;
		tk_skip_expr(ts, NULL, comma);
		if (from == ts->pos)
			return tk_error(ts, err, "expected a value");
		c->n = i + 1;
		rc = sess_rewrite_tokens(m->e, ts, from, ts->pos, &c->exprs[i], NULL, err);
		if (rc != TN_OK)
			return rc;
	}
	c->n = ncols;
	return tk_expect_op(ts, ")", err);
}

static int parse_clauses(struct merge *m, struct toks *ts, struct tn_err *err)
{
	while (tk_accept_kw(ts, "WHEN")) {
		struct mclause *c;
		int rc;

		m->cl = tn_realloc(m->cl, (m->ncl + 1) * sizeof(*m->cl));
		c = &m->cl[m->ncl++];
		memset(c, 0, sizeof(*c));
		if (tk_accept_kw(ts, "MATCHED")) {
			c->when = M_MATCHED;
		} else {
			if (tk_expect_kw(ts, "NOT", err) != TN_OK || tk_expect_kw(ts, "MATCHED", err) != TN_OK)
				return TN_EINVAL;
			c->when = M_NOT_MATCHED;
			if (tk_accept_kw(ts, "BY")) {
				if (tk_accept_kw(ts, "SOURCE"))
					c->when = M_BY_SOURCE;
				else if (tk_expect_kw(ts, "TARGET", err) != TN_OK)
					return TN_EINVAL;
			}
		}
		if (tk_accept_kw(ts, "AND")) {
			size_t from = ts->pos;

			tk_skip_expr(ts, clause_stop, NULL);
			if (from == ts->pos)
				return tk_error(ts, err, "expected a condition");
			rc = sess_rewrite_tokens(m->e, ts, from, ts->pos, &c->cond, &c->cond_text, err);
			if (rc != TN_OK)
				return rc;
		}
		if (tk_expect_kw(ts, "THEN", err) != TN_OK)
			return TN_EINVAL;
		if (c->when == M_NOT_MATCHED) {
			if (tk_expect_kw(ts, "INSERT", err) != TN_OK)
				return TN_EINVAL;
			c->action = A_INSERT;
			rc = parse_insert(m, ts, c, err);
		} else if (tk_accept_kw(ts, "DELETE")) {
			c->action = A_DELETE;
			rc = TN_OK;
		} else {
			if (tk_expect_kw(ts, "UPDATE", err) != TN_OK || tk_expect_kw(ts, "SET", err) != TN_OK)
				return TN_EINVAL;
			c->action = A_UPDATE;
			rc = parse_set(m, ts, c, err);
			if (rc == TN_OK && c->star && c->when == M_BY_SOURCE)
				return tn_err_set(err, TN_EINVAL,
						  "MERGE: WHEN NOT MATCHED BY SOURCE cannot UPDATE SET * (there is no source row)");
		}
		if (rc != TN_OK)
			return rc;
	}
	if (m->ncl == 0)
		return tk_error(ts, err, "expected WHEN MATCHED or WHEN NOT MATCHED");
	if (!tk_at_end(ts))
		return tk_error(ts, err, "expected WHEN or the end of MERGE");
	return TN_OK;
}

/* Columns of the source temp table. */
static int source_columns(struct merge *m, char ***names, size_t *n, struct tn_err *err)
{
	char sql[160];
	sqlite3_stmt *st;

	*names = NULL;
	*n = 0;
	snprintf(sql, sizeof(sql), "SELECT name FROM pragma_table_info('%.*s', 'temp')",
		 (int)strlen(m->src) - 2, m->src + 1);
	if (sqlite3_prepare_v2(m->e->db, sql, -1, &st, NULL) != SQLITE_OK)
		return sess_sqlite_error(m->e, SQLITE_ERROR, NULL, err);
	while (sqlite3_step(st) == SQLITE_ROW) {
		*names = tn_realloc(*names, (*n + 1) * sizeof(char *));
		(*names)[(*n)++] = tn_strdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return TN_OK;
}

/* UPDATE SET * and INSERT *: every target column from the source column of its name. */
static int expand_stars(struct merge *m, struct tn_err *err)
{
	char **names;
	size_t n;
	int rc = source_columns(m, &names, &n, err);

	for (size_t i = 0; rc == TN_OK && i < m->ncl; i++) {
		struct mclause *c = &m->cl[i];

		if (!c->star)
			continue;
		c->cols = tn_calloc(m->schema->ncols, sizeof(int));
		c->exprs = tn_calloc(m->schema->ncols, sizeof(char *));
		for (size_t k = 0; k < m->schema->ncols; k++) {
			const char *tc = m->schema->cols[k].name;
			size_t j;

			for (j = 0; j < n && strcasecmp(names[j], tc) != 0; j++)
				;
			if (j == n) {
				rc = tn_err_set(err, TN_EINVAL,
						"MERGE: %s * needs a source column for every target column; the source has no %s",
						c->action == A_INSERT ? "INSERT" : "UPDATE SET", tc);
				break;
			}
			c->cols[c->n] = (int)k;
			c->exprs[c->n] = tn_malloc(strlen(m->salias) + strlen(names[j]) + 8);
			sprintf(c->exprs[c->n], "\"%s\".\"%s\"", m->salias, names[j]);
			c->n++;
		}
	}
	for (size_t j = 0; j < n; j++)
		free(names[j]);
	free(names);
	return rc;
}

/* SELECT list: the conditions, then every value, of the clauses of one kind. */
static void select_list(struct merge *m, int when, struct tn_buf *b)
{
	int k = 0;

	for (size_t i = 0; i < m->ncl; i++) {
		struct mclause *c = &m->cl[i];

		if (c->when != when)
			continue;
		tn_buf_printf(b, NULL, ", CASE WHEN %s THEN 1 ELSE 0 END", c->cond ? c->cond : "1");
		k++;
	}
	for (size_t i = 0; i < m->ncl; i++) {
		struct mclause *c = &m->cl[i];

		if (c->when != when)
			continue;
		c->first_expr = k;
		for (size_t j = 0; j < c->n; j++, k++)
			tn_buf_printf(b, NULL, ", (%s)", c->exprs[j]);
	}
}

static size_t nclauses(const struct merge *m, int when)
{
	size_t n = 0;

	for (size_t i = 0; i < m->ncl; i++)
		n += m->cl[i].when == when;
	return n;
}

/* Apply clause c's values from columns of st (offset base) to row i of out. */
static int apply_values(struct merge *m, const struct mclause *c, sqlite3_stmt *st, int base,
			struct tn_batch *out, size_t i, int64_t rowno, struct tn_err *err)
{
	for (size_t j = 0; j < c->n; j++) {
		int col = c->cols[j];
		int rc = sess_put(sqlite3_column_value(st, base + c->first_expr + (int)j),
					  &out->cols[col], i, &out->arena, m->schema->cols[col].name,
					  rowno, err);

		if (rc != TN_OK)
			return rc;
	}
	return TN_OK;
}

/* The clause of kind `when` that applies: conditions are columns [base, base+n). */
static const struct mclause *pick(const struct merge *m, int when, sqlite3_stmt *st, int base)
{
	int k = 0;

	for (size_t i = 0; i < m->ncl; i++) {
		const struct mclause *c = &m->cl[i];

		if (c->when != when)
			continue;
		if (sqlite3_column_int(st, base + k))
			return c;
		k++;
	}
	return NULL;
}

static int merge_fn(void *ctx, const struct tn_batch *rows, uint8_t *act, struct tn_batch *updated,
		    struct tn_err *err)
{
	struct merge *m = ctx;
	int64_t last = -1;
	const struct mclause *last_c = NULL;
	int rc = TN_OK, s;
	int nm = (int)nclauses(m, M_MATCHED);

	if (m->e->interrupted)
		return tn_err_set(err, TN_ECANCELED, "cancelled");
	sql_batchtab_bind(m->bt, rows);
	if (m->join) {
		sqlite3_reset(m->join);
		while (rc == TN_OK && (s = sqlite3_step(m->join)) == SQLITE_ROW) {
			int64_t ti = sqlite3_column_int64(m->join, 0);
			int64_t si = sqlite3_column_int64(m->join, 1);
			const struct mclause *c = pick(m, M_MATCHED, m->join, 2);

			if (si >= 1 && si <= m->nsource)
				m->matched[si] = 1;
			if (ti < 0 || (size_t)ti >= rows->nrows)
				continue;
			if (ti == last) {
				/* a second source row for this target row */
				if (c == NULL)
					c = last_c;
				if (c != NULL && !(c->action == A_DELETE && c->cond == NULL && nm == 1))
					rc = tn_err_set(err, TN_EINVAL,
							"MERGE: several source rows match the same target row "
							"(row %lld of the target's scan) and a WHEN MATCHED clause would change it; "
							"nothing was committed. Make the source unique on the ON keys",
							(long long)(m->rows_seen + ti + 1));
				continue;
			}
			last = ti;
			last_c = c;
			if (c == NULL) {
				act[ti] = DELTA_ROW_KEEP;
				continue;
			}
			if (c->action == A_DELETE) {
				act[ti] = DELTA_ROW_DELETE;
				m->del_m++;
			} else {
				act[ti] = DELTA_ROW_UPDATE;
				m->upd_m++;
				rc = apply_values(m, c, m->join, 2, updated, (size_t)ti,
						  m->rows_seen + ti + 1, err);
			}
		}
		if (rc == TN_OK && s != SQLITE_DONE)
			rc = sess_sqlite_error(m->e, s, NULL, err);
		sqlite3_reset(m->join);
	}
	if (rc == TN_OK && m->unmatched) {
		sqlite3_reset(m->unmatched);
		while (rc == TN_OK && (s = sqlite3_step(m->unmatched)) == SQLITE_ROW) {
			int64_t ti = sqlite3_column_int64(m->unmatched, 0);
			const struct mclause *c = pick(m, M_BY_SOURCE, m->unmatched, 1);

			if (ti < 0 || (size_t)ti >= rows->nrows || c == NULL)
				continue;
			if (c->action == A_DELETE) {
				act[ti] = DELTA_ROW_DELETE;
				m->del_s++;
			} else {
				act[ti] = DELTA_ROW_UPDATE;
				m->upd_s++;
				rc = apply_values(m, c, m->unmatched, 1,
						  updated, (size_t)ti, m->rows_seen + ti + 1, err);
			}
		}
		if (rc == TN_OK && s != SQLITE_DONE)
			rc = sess_sqlite_error(m->e, s, NULL, err);
		sqlite3_reset(m->unmatched);
	}
	m->rows_seen += (int64_t)rows->nrows;
	sql_batchtab_bind(m->bt, NULL);
	return rc;
}

/* Insert the source rows no target row matched. */
static int merge_inserts(struct merge *m, struct delta_tx *tx, struct tn_err *err)
{
	struct tn_buf sql;
	sqlite3_stmt *st = NULL;
	struct tn_batch b;
	size_t n = 0;
	int nn = (int)nclauses(m, M_NOT_MATCHED), rc = TN_OK, s;

	if (nn == 0)
		return TN_OK;
	tn_buf_init(&sql, 0);
	tn_buf_puts(&sql, "SELECT rowid", NULL);
	select_list(m, M_NOT_MATCHED, &sql);
	tn_buf_printf(&sql, NULL, " FROM temp.%s AS \"%s\"", m->src, m->salias);
	tn_buf_putc(&sql, '\0', NULL);
	if (sqlite3_prepare_v2(m->e->db, (char *)sql.data, -1, &st, NULL) != SQLITE_OK)
		rc = sess_sqlite_error(m->e, SQLITE_ERROR, "MERGE WHEN NOT MATCHED", err);
	tn_buf_done(&sql);
	if (rc != TN_OK)
		return rc;
	tn_batch_init(&b, m->schema, 4096);
	while (rc == TN_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t si = sqlite3_column_int64(st, 0);
		const struct mclause *c;

		if (si >= 1 && si <= m->nsource && m->matched[si])
			continue;
		c = pick(m, M_NOT_MATCHED, st, 1);
		if (c == NULL)
			continue;
		/* columns the clause does not set are null */
		for (size_t k = 0; k < m->schema->ncols; k++) {
			tn_vec_need_nulls(&b.cols[k], 4096, &b.arena);
			b.cols[k].nulls[n] = 1;
		}
		rc = apply_values(m, c, st, 1, &b, n, si, err);
		if (rc != TN_OK)
			break;
		n++;
		m->ins++;
		if (n == 4096) {
			for (size_t k = 0; k < m->schema->ncols; k++)
				b.cols[k].len = n;
			b.nrows = n;
			rc = delta_tx_write(tx, &b, err);
			tn_batch_done(&b);
			tn_batch_init(&b, m->schema, 4096);
			n = 0;
		}
	}
	if (rc == TN_OK && s != SQLITE_DONE)
		rc = sess_sqlite_error(m->e, s, NULL, err);
	if (rc == TN_OK && n > 0) {
		for (size_t k = 0; k < m->schema->ncols; k++)
			b.cols[k].len = n;
		b.nrows = n;
		rc = delta_tx_write(tx, &b, err);
	}
	tn_batch_done(&b);
	sqlite3_finalize(st);
	return rc;
}

/* ON ta.x = sa.y pairs: index the source on them, and a filter of the
 * target's files by the keys' range. */
static char *keys_filter(struct merge *m, struct toks *ts, size_t from, size_t to)
{
	struct tn_buf idx, filt;
	char *out = NULL;
	bool any = false;

	tn_buf_init(&idx, 0);
	tn_buf_init(&filt, 0);
	for (size_t i = from; i + 7 <= to; i++) {
		size_t save = ts->pos;
		char *a1 = NULL, *c1 = NULL, *a2 = NULL, *c2 = NULL;

		if (i > from) {
			ts->pos = i - 1;
			if (!tk_is_kw(ts, 0, "AND")) {
				ts->pos = save;
				continue;
			}
		}
		ts->pos = i;
		if (tk_name(ts, &a1, NULL) == TN_OK && tk_accept_op(ts, ".") &&
		    tk_name(ts, &c1, NULL) == TN_OK && tk_accept_op(ts, "=") &&
		    tk_name(ts, &a2, NULL) == TN_OK && tk_accept_op(ts, ".") &&
		    tk_name(ts, &c2, NULL) == TN_OK &&
		    (ts->pos == to || (ts->pos < to && tk_is_kw(ts, 0, "AND")))) {
			const char *tc = NULL, *sc = NULL;

			if (strcasecmp(a1, m->talias) == 0 && strcasecmp(a2, m->salias) == 0) {
				tc = c1;
				sc = c2;
			} else if (strcasecmp(a2, m->talias) == 0 && strcasecmp(a1, m->salias) == 0) {
				tc = c2;
				sc = c1;
			}
			int k = tc ? sess_find_col(m->schema, tc) : -1;

			if (k >= 0) {
				const char *col = m->schema->cols[k].name;
				char sql[512];
				sqlite3_stmt *st;

				tn_buf_printf(&idx, NULL, "%s\"%s\"", idx.len ? ", " : "", sc);
				snprintf(sql, sizeof(sql), "SELECT min(\"%s\"), max(\"%s\") FROM temp.%s", sc, sc,
					 m->src);
				if (sqlite3_prepare_v2(m->e->db, sql, -1, &st, NULL) == SQLITE_OK) {
					if (sqlite3_step(st) == SQLITE_ROW &&
					    sqlite3_column_type(st, 0) == SQLITE_INTEGER) {
						tn_buf_printf(&filt, NULL, "%s`%s` >= %lld AND `%s` <= %lld",
							      any ? " AND " : "", col,
							      (long long)sqlite3_column_int64(st, 0), col,
							      (long long)sqlite3_column_int64(st, 1));
						any = true;
					}
					sqlite3_finalize(st);
				}
			}
		}
		free(a1);
		free(c1);
		free(a2);
		free(c2);
		ts->pos = save;
	}
	if (idx.len > 0) {
		struct tn_buf ci;

		tn_buf_init(&ci, 0);
		tn_buf_putc(&idx, '\0', NULL);
		tn_buf_printf(&ci, NULL, "CREATE INDEX temp.\"%.*s_k\" ON \"%.*s\" (%s)",
			      (int)strlen(m->src) - 2, m->src + 1, (int)strlen(m->src) - 2, m->src + 1,
			      (char *)idx.data);
		tn_buf_putc(&ci, '\0', NULL);
		sqlite3_exec(m->e->db, (char *)ci.data, NULL, NULL, NULL);
		tn_buf_done(&ci);
	}
	if (any) {
		tn_buf_putc(&filt, '\0', NULL);
		out = tn_buf_detach(&filt, NULL);
	}
	tn_buf_done(&idx);
	tn_buf_done(&filt);
	return out;
}

static char *json_preds(const struct merge *m, int when)
{
	cJSON *a = cJSON_CreateArray();
	char *s;

	for (size_t i = 0; i < m->ncl; i++) {
		const struct mclause *c = &m->cl[i];
		cJSON *o;

		if (c->when != when)
			continue;
		o = cJSON_CreateObject();
		if (c->cond_text)
			cJSON_AddStringToObject(o, "predicate", c->cond_text);
		cJSON_AddStringToObject(o, "actionType",
					c->action == A_DELETE ? "delete"
					: c->action == A_INSERT ? (c->star ? "insertStar" : "insert")
								: (c->star ? "updateStar" : "update"));
		cJSON_AddItemToArray(a, o);
	}
	s = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return s;
}

int stmt_merge(struct tarn_engine *e, struct toks *ts, struct tarn_result *r, struct tn_err *err)
{
	struct merge m;
	struct sess_table t = {0};
	struct sess_tx *stx = NULL;
	struct qname q;
	struct delta_pred *skip = NULL;
	struct delta_rewrite_result res;
	struct tn_buf sql;
	char *srcsql = NULL, *filter = NULL;
	size_t on_from, on_to;
	int rc;

	memset(&m, 0, sizeof(m));
	memset(&t, 0, sizeof(t));
	memset(&res, 0, sizeof(res));
	tn_buf_init(&sql, 0);
	m.e = e;
	ts->pos++; /* MERGE */
	rc = tk_expect_kw(ts, "INTO", err);
	if (rc == TN_OK)
		rc = tk_qname(ts, &q, err);
	if (rc != TN_OK)
		goto out;
	rc = sess_resolve(e, &q, CAT_PRIV_MODIFY, &t, err);
	if (rc == TN_OK && strcmp(t.format, "delta") != 0)
		rc = tn_err_set(err, TN_EINVAL, "MERGE INTO %s: not a Delta table", t.display);
	m.talias = tn_strdup(q.path ? "t" : q.part[q.n - 1]);
	qname_done(&q);
	if (rc != TN_OK)
		goto out;
	r->object = tn_strdup(t.display);
	if (tk_accept_kw(ts, "AS") || (tk_peek(ts, 0)->kind == SQL_TOK_IDENT && !tk_is_kw(ts, 0, "USING"))) {
		free(m.talias);
		rc = tk_name(ts, &m.talias, err);
		if (rc != TN_OK)
			goto out;
	}
	rc = tk_expect_kw(ts, "USING", err);
	if (rc != TN_OK)
		goto out;
	/* the source: (query) or a table, then its alias */
	{
		size_t from = ts->pos;
		char *text;
		struct sess_rw rw;

		if (tk_is_op(ts, 0, "(")) {
			int d = 0;

			do {
				if (tk_is_op(ts, 0, "("))
					d++;
				else if (tk_is_op(ts, 0, ")"))
					d--;
				ts->pos++;
			} while (d > 0 && ts->pos < ts->n);
			text = tk_text(ts, from + 1, ts->pos - 1);
			m.salias = tn_strdup("source");
		} else {
			struct qname sq;
			char *name;

			rc = tk_qname(ts, &sq, err);
			if (rc != TN_OK)
				goto out;
			/* time travel words stay with the name */
			if (tk_is_kw(ts, 0, "FOR"))
				ts->pos++;
			if ((tk_is_kw(ts, 0, "VERSION") || tk_is_kw(ts, 0, "TIMESTAMP")) &&
			    tk_is_kw(ts, 1, "AS") && tk_is_kw(ts, 2, "OF"))
				ts->pos += 4;
			else if (tk_is_op(ts, 0, "@"))
				ts->pos += 2;
			name = tk_text(ts, from, ts->pos);
			text = tn_malloc(strlen(name) + 16);
			sprintf(text, "SELECT * FROM %s", name);
			free(name);
			m.salias = tn_strdup(sq.path ? "source" : sq.part[sq.n - 1]);
			qname_done(&sq);
		}
		if (tk_accept_kw(ts, "AS") || (tk_peek(ts, 0)->kind == SQL_TOK_IDENT && !tk_is_kw(ts, 0, "ON"))) {
			free(m.salias);
			rc = tk_name(ts, &m.salias, err);
		}
		if (rc == TN_OK)
			rc = sess_rewrite(e, text, strlen(text), &rw, err);
		free(text);
		if (rc != TN_OK)
			goto out;
		srcsql = rw.sql;
		rw.sql = NULL;
		sess_rw_done(&rw);
	}
	rc = tk_expect_kw(ts, "ON", err);
	if (rc != TN_OK)
		goto out;
	on_from = ts->pos;
	tk_skip_expr(ts, (const char *const[]){"WHEN", NULL}, NULL);
	on_to = ts->pos;
	if (on_to == on_from) {
		rc = tk_error(ts, err, "expected the ON condition");
		goto out;
	}
	rc = sess_rewrite_tokens(e, ts, on_from, on_to, &m.on, &m.on_text, err);
	if (rc == TN_OK)
		rc = sess_tx_for(e, t.root, t.display, &stx, err);
	if (rc != TN_OK)
		goto out;
	m.schema = delta_tx_schema(stx->tx);
	rc = parse_clauses(&m, ts, err);
	if (rc != TN_OK)
		goto out;
	/* materialize the source */
	{
		char nm[32];

		snprintf(nm, sizeof(nm), "\"__s%d\"", ++e->next_tab);
		m.src = tn_strdup(nm);
		tn_buf_printf(&sql, NULL, "CREATE TEMP TABLE %s AS %s", nm, srcsql);
		tn_buf_putc(&sql, '\0', NULL);
		rc = sess_exec(e, (char *)sql.data, err);
		if (rc != TN_OK) {
			tn_err_prefix(err, "MERGE: the source");
			goto out;
		}
		e->temps = tn_realloc(e->temps, (e->ntemps + 1) * sizeof(char *));
		e->temps[e->ntemps++] = tn_strdup(nm);
		{
			sqlite3_stmt *st;
			char mq[96];

			snprintf(mq, sizeof(mq), "SELECT max(rowid) FROM temp.%s", m.src);
			if (sqlite3_prepare_v2(e->db, mq, -1, &st, NULL) == SQLITE_OK) {
				if (sqlite3_step(st) == SQLITE_ROW)
					m.nsource = sqlite3_column_int64(st, 0);
				sqlite3_finalize(st);
			}
		}
		m.matched = tn_calloc((size_t)m.nsource + 2, 1);
	}
	rc = expand_stars(&m, err);
	if (rc != TN_OK)
		goto out;
	filter = nclauses(&m, M_BY_SOURCE) == 0 ? keys_filter(&m, ts, on_from, on_to) : NULL;
	if (filter && delta_pred_parse(filter, &skip, NULL) != TN_OK)
		skip = NULL;
	/* the per-batch queries */
	{
		char nm[32];

		snprintf(nm, sizeof(nm), "__r%d", ++e->next_tab);
		m.btname = tn_strdup(nm);
		rc = sql_batchtab_create(e->db, nm, m.schema, &m.bt, err);
		if (rc != TN_OK)
			goto out;
		tn_buf_reset(&sql);
		tn_buf_printf(&sql, NULL, "SELECT \"%s\".rowid, \"%s\".rowid", m.talias, m.salias);
		select_list(&m, M_MATCHED, &sql);
		tn_buf_printf(&sql, NULL, " FROM temp.\"%s\" AS \"%s\" JOIN temp.%s AS \"%s\" ON (%s) ORDER BY 1",
			      nm, m.talias, m.src, m.salias, m.on);
		tn_buf_putc(&sql, '\0', NULL);
		if (sqlite3_prepare_v2(e->db, (char *)sql.data, -1, &m.join, NULL) != SQLITE_OK) {
			rc = sess_sqlite_error(e, SQLITE_ERROR, "MERGE", err);
			goto out;
		}
		if (nclauses(&m, M_BY_SOURCE) > 0) {
			tn_buf_reset(&sql);
			tn_buf_printf(&sql, NULL, "SELECT \"%s\".rowid", m.talias);
			select_list(&m, M_BY_SOURCE, &sql);
			tn_buf_printf(&sql, NULL,
				      " FROM temp.\"%s\" AS \"%s\" WHERE NOT EXISTS (SELECT 1 FROM temp.%s AS \"%s\" WHERE %s)",
				      nm, m.talias, m.src, m.salias, m.on);
			tn_buf_putc(&sql, '\0', NULL);
			if (sqlite3_prepare_v2(e->db, (char *)sql.data, -1, &m.unmatched, NULL) != SQLITE_OK) {
				rc = sess_sqlite_error(e, SQLITE_ERROR, "MERGE WHEN NOT MATCHED BY SOURCE", err);
				goto out;
			}
		}
	}
	rc = delta_tx_rewrite(stx->tx, skip, merge_fn, &m, &res, err);
	if (rc == TN_OK)
		rc = merge_inserts(&m, stx->tx, err);
	if (rc == TN_OK) {
		cJSON *p = cJSON_CreateObject();
		char *s1 = json_preds(&m, M_MATCHED), *s2 = json_preds(&m, M_NOT_MATCHED),
		     *s3 = json_preds(&m, M_BY_SOURCE), *ps;
		int64_t changed = m.upd_m + m.del_m + m.upd_s + m.del_s + m.ins;

		cJSON_AddStringToObject(p, "predicate", m.on_text);
		cJSON_AddStringToObject(p, "matchedPredicates", s1);
		cJSON_AddStringToObject(p, "notMatchedPredicates", s2);
		cJSON_AddStringToObject(p, "notMatchedBySourcePredicates", s3);
		ps = cJSON_PrintUnformatted(p);
		delta_tx_set_operation(stx->tx, "MERGE", ps);
		delta_tx_set_metric(stx->tx, "numSourceRows", m.nsource);
		delta_tx_set_metric(stx->tx, "numTargetRowsInserted", m.ins);
		delta_tx_set_metric(stx->tx, "numTargetRowsUpdated", m.upd_m + m.upd_s);
		delta_tx_set_metric(stx->tx, "numTargetRowsMatchedUpdated", m.upd_m);
		delta_tx_set_metric(stx->tx, "numTargetRowsNotMatchedBySourceUpdated", m.upd_s);
		delta_tx_set_metric(stx->tx, "numTargetRowsDeleted", m.del_m + m.del_s);
		delta_tx_set_metric(stx->tx, "numTargetRowsMatchedDeleted", m.del_m);
		delta_tx_set_metric(stx->tx, "numTargetRowsNotMatchedBySourceDeleted", m.del_s);
		delta_tx_set_metric(stx->tx, "numTargetRowsCopied", res.rows_copied);
		delta_tx_set_metric(stx->tx, "numOutputRows", res.rows_copied + m.upd_m + m.upd_s + m.ins);
		delta_tx_set_metric(stx->tx, "numTargetFilesAdded", res.files_added);
		delta_tx_set_metric(stx->tx, "numTargetFilesRemoved", res.files_removed);
		delta_tx_set_metric(stx->tx, "numTargetChangeFilesAdded", res.cdc_files);
		free(s1);
		free(s2);
		free(s3);
		free(ps);
		cJSON_Delete(p);
		stx->changed = true;
		r->affected = changed;
		res_columns(r, (const char *const[]){"num_affected_rows:bigint", "num_updated_rows:bigint",
						     "num_deleted_rows:bigint", "num_inserted_rows:bigint"},
			    4);
		res_add_int(r, changed);
		res_add_int(r, m.upd_m + m.upd_s);
		res_add_int(r, m.del_m + m.del_s);
		res_add_int(r, m.ins);
		{
			char msg[256];

			snprintf(msg, sizeof(msg), "merged into %s: %lld updated, %lld deleted, %lld inserted",
				 t.display, (long long)(m.upd_m + m.upd_s), (long long)(m.del_m + m.del_s),
				 (long long)m.ins);
			r->message = tn_strdup(msg);
		}
	} else {
		tn_err_prefix(err, "MERGE INTO %s", t.display);
	}
out:
	if (m.join)
		sqlite3_finalize(m.join);
	if (m.unmatched)
		sqlite3_finalize(m.unmatched);
	sql_batchtab_drop(m.bt);
	free(m.btname);
	clauses_free(&m);
	free(m.talias);
	free(m.salias);
	free(m.src);
	free(m.on);
	free(m.on_text);
	free(m.matched);
	free(srcsql);
	free(filter);
	delta_pred_free(skip);
	tn_buf_done(&sql);
	sess_table_done(&t);
	return rc;
}
