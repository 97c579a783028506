/* audit.c - the audit log of statements (append-only) and the query
 * history (the same records; users may clear theirs). */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "catalog/catalog_int.h"

/* The statements of one log: the tables differ, nothing else. */
struct log_sql {
	const char *add, *list;
};

static const struct log_sql audit_sql = {
	"INSERT INTO audit (ts_ms, user_name, statement, operation, object, rows, duration_us,"
	" outcome, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	"SELECT id, ts_ms, user_name, statement, operation, object, rows, duration_us, outcome,"
	" error FROM audit WHERE ?1 IS NULL OR user_name = ?1 ORDER BY id DESC LIMIT ?2",
};

static const struct log_sql history_sql = {
	"INSERT INTO history (ts_ms, user_name, statement, operation, object, rows, duration_us,"
	" outcome, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	"SELECT id, ts_ms, user_name, statement, operation, object, rows, duration_us, outcome,"
	" error FROM history WHERE ?1 IS NULL OR user_name = ?1 ORDER BY id DESC LIMIT ?2",
};

/* Missing fields get defaults: now, the current user, "ok". */
static int log_add(struct cat *c, const struct log_sql *q, const struct cat_audit *a,
		   struct tn_err *err)
{
	sqlite3_stmt *st;
	int ret;

	if (a->statement == NULL)
		return tn_err_set(err, TN_EINVAL, "an audit record needs the statement");
	ret = cat_prepare(c, q->add, &st, err);
	if (ret != TN_OK)
		return ret;
	sqlite3_bind_int64(st, 1, a->ts_ms ? a->ts_ms : cat_now_ms());
	cat_bind_str(st, 2, a->user ? a->user : cat_principal_current()->user);
	cat_bind_str(st, 3, a->statement);
	cat_bind_str(st, 4, a->operation);
	cat_bind_str(st, 5, a->object);
	sqlite3_bind_int64(st, 6, a->rows);
	sqlite3_bind_int64(st, 7, a->duration_us);
	cat_bind_str(st, 8, a->outcome ? a->outcome : "ok");
	cat_bind_str(st, 9, a->error);
	return cat_step_done(c, st, "log a statement", err);
}

static void audit_row(sqlite3_stmt *st, void *item, const void *arg)
{
	struct cat_audit *a = item;

	(void)arg;
	a->id = sqlite3_column_int64(st, 0);
	a->ts_ms = sqlite3_column_int64(st, 1);
	a->user = cat_col_str(st, 2);
	a->statement = cat_col_str(st, 3);
	a->operation = cat_col_str(st, 4);
	a->object = cat_col_str(st, 5);
	a->rows = sqlite3_column_int64(st, 6);
	a->duration_us = sqlite3_column_int64(st, 7);
	a->outcome = cat_col_str(st, 8);
	a->error = cat_col_str(st, 9);
}

static void audits_done(void *items, size_t n)
{
	cat_audit_free(items, n);
}

static int log_list(struct cat *c, const struct log_sql *q, const char *user, int64_t limit,
		    struct cat_audit **out, size_t *n, struct tn_err *err)
{
	sqlite3_stmt *st;
	int ret;

	*out = NULL;
	*n = 0;
	ret = cat_prepare(c, q->list, &st, err);
	if (ret != TN_OK)
		return ret;
	cat_bind_str(st, 1, user);
	sqlite3_bind_int64(st, 2, limit < 0 ? -1 : limit);
	return cat_collect(c, st, sizeof(**out), audit_row, NULL, audits_done, (void **)out, n,
			   err);
}

void cat_audit_free(struct cat_audit *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].user);
		free(a[i].statement);
		free(a[i].operation);
		free(a[i].object);
		free(a[i].outcome);
		free(a[i].error);
	}
	free(a);
}

int cat_audit_add(struct cat *c, const struct cat_audit *a, struct tn_err *err)
{
	return log_add(c, &audit_sql, a, err);
}

int cat_audit_list(struct cat *c, const char *user, int64_t limit, struct cat_audit **out,
		   size_t *n, struct tn_err *err)
{
	return log_list(c, &audit_sql, user, limit, out, n, err);
}

int cat_history_add(struct cat *c, const struct cat_audit *a, struct tn_err *err)
{
	return log_add(c, &history_sql, a, err);
}

int cat_history_list(struct cat *c, const char *user, int64_t limit, struct cat_audit **out,
		     size_t *n, struct tn_err *err)
{
	return log_list(c, &history_sql, user, limit, out, n, err);
}

int cat_history_clear(struct cat *c, const char *user, struct tn_err *err)
{
	sqlite3_stmt *st;
	int ret = cat_prepare(c, "DELETE FROM history WHERE ?1 IS NULL OR user_name = ?1", &st,
			      err);

	if (ret != TN_OK)
		return ret;
	cat_bind_str(st, 1, user);
	return cat_step_done(c, st, "clear the history", err);
}
