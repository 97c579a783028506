/* share_cat.c - Delta Sharing's rows in tarn.db: shares, shared tables,
 * recipients, grants and the access log (see share_cat.h). */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "catalog/catalog_int.h"
#include "catalog/share_cat.h"

bool cat_is_admin(struct cat *c, const struct cat_principal *who)
{
	return who && who->user &&
	       (strcmp(who->user, "root") == 0 || strcmp(who->user, c->admin) == 0);
}

/* TN_ENOENT "<what> name not found[; did you mean near?]" among the names
 * of table (shares or recipients). */
static int missing(struct cat *c, const char *table, const char *what, const char *name,
		   struct tn_err *err)
{
	sqlite3_stmt *st;
	char **names = NULL;
	size_t n = 0;
	const char *near = NULL;
	char *sql = tn_asprintf("SELECT name FROM %s", table);

	if (cat_prepare(c, sql, &st, NULL) == TN_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			names = tn_reallocarray(names, n + 1, sizeof(*names));
			names[n++] = cat_col_str(st, 0);
		}
		sqlite3_finalize(st);
		near = tn_str_nearest(name, (const char *const *)names, n);
	}
	if (near)
		tn_err_set(err, TN_ENOENT, "%s %s not found; did you mean %s?", what, name, near);
	else
		tn_err_set(err, TN_ENOENT, "%s %s not found", what, name);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(sql);
	return TN_ENOENT;
}

/* The row id of the share or recipient called name (table "shares" or
 * "recipients"): TN_ENOENT with a near name when there is none. */
static int row_id(struct cat *c, const char *table, const char *name, int64_t *id,
		  struct tn_err *err)
{
	const char *what = strcmp(table, "shares") == 0 ? "share" : "recipient";
	char *sql = tn_asprintf("SELECT id FROM %s WHERE name = ?1", table);
	sqlite3_stmt *st;
	int rc, ret = cat_prepare(c, sql, &st, err);

	free(sql);
	if (ret != TN_OK)
		return ret;
	cat_bind_str(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		ret = TN_ENOENT;
	else
		ret = cat_sqlerr(c, rc, "look up", err);
	sqlite3_finalize(st);
	if (ret == TN_ENOENT)
		return missing(c, table, what, name ? name : "", err);
	return ret;
}

/* Run one statement with a name bound to ?1; *changes: rows it changed. */
static int run_named(struct cat *c, const char *sql, const char *name, const char *what,
		     int *changes, struct tn_err *err)
{
	sqlite3_stmt *st;
	int ret = cat_prepare(c, sql, &st, err);

	if (ret != TN_OK)
		return ret;
	cat_bind_str(st, 1, name);
	ret = cat_step_done(c, st, what, err);
	if (changes)
		*changes = sqlite3_changes(c->db);
	return ret;
}

/* DROP SHARE / DROP RECIPIENT: what goes with it goes by ON DELETE CASCADE. */
static int drop_named(struct cat *c, const char *table, const char *name, bool if_exists,
		      struct tn_err *err)
{
	int64_t id;
	int ret = cat_begin(c, err);

	if (ret != TN_OK)
		return ret;
	ret = row_id(c, table, name, &id, err);
	if (ret == TN_ENOENT && if_exists) {
		tn_err_clear(err);
		cat_rollback(c);
		return TN_OK;
	}
	if (ret == TN_OK) {
		char *sql = tn_asprintf("DELETE FROM %s WHERE name = ?1", table);

		ret = run_named(c, sql, name, "drop", NULL, err);
		free(sql);
	}
	return cat_write_end(c, ret, err);
}

/* ---- shares ---- */

int cat_share_create(struct cat *c, const struct cat_share *s, bool if_not_exists,
		     struct tn_err *err)
{
	sqlite3_stmt *st;
	int rc, ret = cat_name_check(s->name, "share", err);

	if (ret == TN_OK)
		ret = cat_prepare(c,
				  "INSERT INTO shares (name, comment, uuid, owner, created_ms)"
				  " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO NOTHING",
				  &st, err);
	if (ret != TN_OK)
		return ret;
	cat_bind_str(st, 1, s->name);
	cat_bind_str(st, 2, s->comment);
	cat_bind_str(st, 3, s->uuid);
	cat_bind_str(st, 4, s->owner);
	sqlite3_bind_int64(st, 5, s->created_ms ? s->created_ms : cat_now_ms());
	rc = cat_step_wait(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cat_sqlerr(c, rc, "create a share", err);
	if (sqlite3_changes(c->db) == 0 && !if_not_exists)
		return tn_err_set(err, TN_EEXIST, "share %s already exists", s->name);
	return TN_OK;
}

int cat_share_drop(struct cat *c, const char *name, bool if_exists, struct tn_err *err)
{
	return drop_named(c, "shares", name, if_exists, err);
}

static void share_row(sqlite3_stmt *st, void *item, const void *arg)
{
	struct cat_share *s = item;

	(void)arg;
	s->name = cat_col_str(st, 0);
	s->comment = cat_col_str(st, 1);
	s->uuid = cat_col_str(st, 2);
	s->owner = cat_col_str(st, 3);
	s->created_ms = sqlite3_column_int64(st, 4);
}

static void shares_done(void *items, size_t n)
{
	cat_share_free(items, n);
}

void cat_share_free(struct cat_share *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].comment);
		free(v[i].uuid);
		free(v[i].owner);
	}
	free(v);
}

#define SHARE_COLS "s.name, s.comment, s.uuid, s.owner, s.created_ms"

int cat_share_list(struct cat *c, const char *recipient, struct cat_share **out, size_t *n,
		   struct tn_err *err)
{
	sqlite3_stmt *st;
	int ret;

	*out = NULL;
	*n = 0;
	ret = cat_prepare(c,
			  "SELECT " SHARE_COLS " FROM shares s WHERE ?1 IS NULL OR EXISTS ("
			  " SELECT 1 FROM share_grants g JOIN recipients r ON r.id = g.recipient_id"
			  " WHERE g.share_id = s.id AND r.name = ?1) ORDER BY s.name",
			  &st, err);
	if (ret != TN_OK)
		return ret;
	cat_bind_str(st, 1, recipient);
	return cat_collect(c, st, sizeof(**out), share_row, NULL, shares_done, (void **)out, n,
			   err);
}

int cat_share_get(struct cat *c, const char *name, struct cat_share *out, struct tn_err *err)
{
	sqlite3_stmt *st;
	int rc, ret = cat_prepare(c, "SELECT " SHARE_COLS " FROM shares s WHERE s.name = ?1", &st,
				  err);

	memset(out, 0, sizeof(*out));
	if (ret != TN_OK)
		return ret;
	cat_bind_str(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		share_row(st, out, NULL);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return missing(c, "shares", "share", name ? name : "", err);
	return rc == SQLITE_ROW ? TN_OK : cat_sqlerr(c, rc, "read a share", err);
}

/* ---- shared tables ---- */

int cat_share_table_add(struct cat *c, const struct cat_share_table *t, struct tn_err *err)
{
	sqlite3_stmt *st;
	int64_t id;
	int rc, ret = cat_name_check(t->schema, "schema", err);

	if (ret == TN_OK)
		ret = cat_name_check(t->name, "table", err);
	if (ret == TN_OK)
		ret = cat_begin(c, err);
	if (ret != TN_OK)
		return ret;
	ret = row_id(c, "shares", t->share, &id, err);
	if (ret == TN_OK)
		ret = cat_prepare(c,
				  "INSERT INTO share_tables (share_id, schema_name, name, uuid,"
				  " table_name, location, comment, partitions, history, added_ms)"
				  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
				  &st, err);
	if (ret != TN_OK)
		return cat_write_end(c, ret, err);
	sqlite3_bind_int64(st, 1, id);
	cat_bind_str(st, 2, t->schema);
	cat_bind_str(st, 3, t->name);
	cat_bind_str(st, 4, t->uuid);
	cat_bind_str(st, 5, t->table);
	cat_bind_str(st, 6, t->location);
	cat_bind_str(st, 7, t->comment);
	cat_bind_str(st, 8, t->parts_json);
	sqlite3_bind_int(st, 9, t->history);
	sqlite3_bind_int64(st, 10, t->added_ms ? t->added_ms : cat_now_ms());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		ret = tn_err_set(err, TN_EEXIST,
				 "share %s already has %s.%s, or shares table %s already", t->share,
				 t->schema, t->name, t->table);
	else if (rc != SQLITE_DONE)
		ret = cat_sqlerr(c, rc, "add a table to a share", err);
	return cat_write_end(c, ret, err);
}

int cat_share_table_remove(struct cat *c, const char *share, const char *schema,
			   const char *name, struct tn_err *err)
{
	sqlite3_stmt *st;
	int64_t id;
	int ret = cat_begin(c, err);

	if (ret != TN_OK)
		return ret;
	ret = row_id(c, "shares", share, &id, err);
	if (ret == TN_OK)
		ret = cat_prepare(c,
				  "DELETE FROM share_tables WHERE share_id = ?1 AND schema_name = ?2"
				  " AND name = ?3",
				  &st, err);
	if (ret == TN_OK) {
		sqlite3_bind_int64(st, 1, id);
		cat_bind_str(st, 2, schema);
		cat_bind_str(st, 3, name);
		ret = cat_step_done(c, st, "remove a table from a share", err);
		if (ret == TN_OK && sqlite3_changes(c->db) == 0)
			ret = tn_err_set(err, TN_ENOENT, "share %s has no table %s.%s", share,
					 schema, name);
	}
	return cat_write_end(c, ret, err);
}

static void table_row(sqlite3_stmt *st, void *item, const void *arg)
{
	struct cat_share_table *t = item;

	(void)arg;
	t->share = cat_col_str(st, 0);
	t->schema = cat_col_str(st, 1);
	t->name = cat_col_str(st, 2);
	t->uuid = cat_col_str(st, 3);
	t->table = cat_col_str(st, 4);
	t->location = cat_col_str(st, 5);
	t->comment = cat_col_str(st, 6);
	t->parts_json = cat_col_str(st, 7);
	t->history = sqlite3_column_int(st, 8) != 0;
	t->added_ms = sqlite3_column_int64(st, 9);
}

static void tables_done(void *items, size_t n)
{
	cat_share_tables_free(items, n);
}

void cat_share_tables_free(struct cat_share_table *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].share);
		free(v[i].schema);
		free(v[i].name);
		free(v[i].uuid);
		free(v[i].table);
		free(v[i].location);
		free(v[i].comment);
		free(v[i].parts_json);
	}
	free(v);
}

/* Is share granted to recipient? */
static int granted(struct cat *c, const char *share, const char *recipient, bool *yes,
		   struct tn_err *err)
{
	sqlite3_stmt *st;
	int rc, ret = cat_prepare(c,
				  "SELECT 1 FROM share_grants g JOIN shares s ON s.id = g.share_id"
				  " JOIN recipients r ON r.id = g.recipient_id"
				  " WHERE s.name = ?1 AND r.name = ?2",
				  &st, err);

	if (ret != TN_OK)
		return ret;
	cat_bind_str(st, 1, share);
	cat_bind_str(st, 2, recipient);
	rc = sqlite3_step(st);
	*yes = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = cat_sqlerr(c, rc, "read share grants", err);
	sqlite3_finalize(st);
	return ret;
}

int cat_share_tables(struct cat *c, const char *share, const char *recipient,
		     struct cat_share_table **out, size_t *n, struct tn_err *err)
{
	sqlite3_stmt *st;
	int64_t id;
	int ret;

	*out = NULL;
	*n = 0;
	if (recipient) {
		bool yes = false;

		ret = granted(c, share, recipient, &yes, err);
		if (ret != TN_OK)
			return ret;
		/* the same words as for a share that does not exist */
		if (!yes)
			return tn_err_set(err, TN_ENOENT, "share %s not found", share);
	}
	ret = row_id(c, "shares", share, &id, err);
	if (ret == TN_OK)
		ret = cat_prepare(c,
				  "SELECT s.name, t.schema_name, t.name, t.uuid, t.table_name,"
				  " t.location, t.comment, t.partitions, t.history, t.added_ms"
				  " FROM share_tables t JOIN shares s ON s.id = t.share_id"
				  " WHERE t.share_id = ?1 ORDER BY t.schema_name, t.name",
				  &st, err);
	if (ret != TN_OK)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	return cat_collect(c, st, sizeof(**out), table_row, NULL, tables_done, (void **)out, n,
			   err);
}

/* ---- recipients ---- */

int cat_recipient_create(struct cat *c, const struct cat_recipient *r, struct tn_err *err)
{
	sqlite3_stmt *st;
	int rc, ret = cat_name_check(r->name, "recipient", err);

	if (ret == TN_OK)
		ret = cat_prepare(c,
				  "INSERT INTO recipients (name, comment, props, token_hash,"
				  " token_expire_ms, old_hash, old_expire_ms, created_ms,"
				  " last_access_ms) VALUES (?1, ?2, ?3, ?4, ?5, NULL, 0, ?6, 0)"
				  " ON CONFLICT (name) DO NOTHING",
				  &st, err);
	if (ret != TN_OK)
		return ret;
	cat_bind_str(st, 1, r->name);
	cat_bind_str(st, 2, r->comment);
	cat_bind_str(st, 3, r->props_json);
	cat_bind_str(st, 4, r->token_hash);
	sqlite3_bind_int64(st, 5, r->token_expire_ms);
	sqlite3_bind_int64(st, 6, r->created_ms ? r->created_ms : cat_now_ms());
	rc = cat_step_wait(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cat_sqlerr(c, rc, "create a recipient", err);
	if (sqlite3_changes(c->db) == 0)
		return tn_err_set(err, TN_EEXIST, "recipient %s already exists", r->name);
	return TN_OK;
}

int cat_recipient_drop(struct cat *c, const char *name, bool if_exists, struct tn_err *err)
{
	return drop_named(c, "recipients", name, if_exists, err);
}

#define RECIPIENT_COLS                                                                    \
	"name, comment, props, token_hash, old_hash, token_expire_ms, old_expire_ms,"    \
	" created_ms, last_access_ms"

static void recipient_row(sqlite3_stmt *st, void *item, const void *arg)
{
	struct cat_recipient *r = item;

	(void)arg;
	r->name = cat_col_str(st, 0);
	r->comment = cat_col_str(st, 1);
	r->props_json = cat_col_str(st, 2);
	r->token_hash = cat_col_str(st, 3);
	r->old_hash = cat_col_str(st, 4);
	r->token_expire_ms = sqlite3_column_int64(st, 5);
	r->old_expire_ms = sqlite3_column_int64(st, 6);
	r->created_ms = sqlite3_column_int64(st, 7);
	r->last_access_ms = sqlite3_column_int64(st, 8);
}

static void recipients_done(void *items, size_t n)
{
	cat_recipient_free(items, n);
}

void cat_recipient_done(struct cat_recipient *r)
{
	free(r->name);
	free(r->comment);
	free(r->props_json);
	free(r->token_hash);
	free(r->old_hash);
	memset(r, 0, sizeof(*r));
}

void cat_recipient_free(struct cat_recipient *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		cat_recipient_done(&v[i]);
	free(v);
}

int cat_recipient_list(struct cat *c, struct cat_recipient **out, size_t *n, struct tn_err *err)
{
	sqlite3_stmt *st;
	int ret;

	*out = NULL;
	*n = 0;
	ret = cat_prepare(c, "SELECT " RECIPIENT_COLS " FROM recipients ORDER BY name", &st, err);
	if (ret != TN_OK)
		return ret;
	return cat_collect(c, st, sizeof(**out), recipient_row, NULL, recipients_done,
			   (void **)out, n, err);
}

int cat_recipient_get(struct cat *c, const char *name, struct cat_recipient *out,
		      struct tn_err *err)
{
	sqlite3_stmt *st;
	int rc, ret = cat_prepare(c, "SELECT " RECIPIENT_COLS " FROM recipients WHERE name = ?1",
				  &st, err);

	memset(out, 0, sizeof(*out));
	if (ret != TN_OK)
		return ret;
	cat_bind_str(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		recipient_row(st, out, NULL);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return missing(c, "recipients", "recipient", name ? name : "", err);
	return rc == SQLITE_ROW ? TN_OK : cat_sqlerr(c, rc, "read a recipient", err);
}

int cat_recipient_rotate(struct cat *c, const char *name, const char *hash, int64_t expire_ms,
			 const char *old_hash, int64_t old_expire_ms, struct tn_err *err)
{
	sqlite3_stmt *st;
	int64_t id;
	int ret = cat_begin(c, err);

	if (ret != TN_OK)
		return ret;
	ret = row_id(c, "recipients", name, &id, err);
	if (ret == TN_OK)
		ret = cat_prepare(c,
				  "UPDATE recipients SET token_hash = ?2, token_expire_ms = ?3,"
				  " old_hash = ?4, old_expire_ms = ?5 WHERE id = ?1",
				  &st, err);
	if (ret == TN_OK) {
		sqlite3_bind_int64(st, 1, id);
		cat_bind_str(st, 2, hash);
		sqlite3_bind_int64(st, 3, expire_ms);
		cat_bind_str(st, 4, old_hash);
		sqlite3_bind_int64(st, 5, old_hash ? old_expire_ms : 0);
		ret = cat_step_done(c, st, "rotate a token", err);
	}
	return cat_write_end(c, ret, err);
}

int cat_recipient_touch(struct cat *c, const char *name, int64_t ms, struct tn_err *err)
{
	sqlite3_stmt *st;
	int ret = cat_prepare(c, "UPDATE recipients SET last_access_ms = ?2 WHERE name = ?1", &st,
			      err);

	if (ret != TN_OK)
		return ret;
	cat_bind_str(st, 1, name);
	sqlite3_bind_int64(st, 2, ms);
	return cat_step_done(c, st, "record an access", err);
}

/* ---- grants ---- */

int cat_share_grant(struct cat *c, const char *share, const char *recipient, bool grant,
		    struct tn_err *err)
{
	sqlite3_stmt *st;
	int64_t sid, rid;
	int ret = cat_begin(c, err);

	if (ret != TN_OK)
		return ret;
	ret = row_id(c, "shares", share, &sid, err);
	if (ret == TN_OK)
		ret = row_id(c, "recipients", recipient, &rid, err);
	if (ret == TN_OK)
		ret = cat_prepare(c,
				  grant ? "INSERT INTO share_grants (share_id, recipient_id)"
					  " VALUES (?1, ?2) ON CONFLICT DO NOTHING"
					: "DELETE FROM share_grants WHERE share_id = ?1"
					  " AND recipient_id = ?2",
				  &st, err);
	if (ret == TN_OK) {
		sqlite3_bind_int64(st, 1, sid);
		sqlite3_bind_int64(st, 2, rid);
		ret = cat_step_done(c, st, grant ? "grant a share" : "revoke a share", err);
	}
	return cat_write_end(c, ret, err);
}

static void name_row(sqlite3_stmt *st, void *item, const void *arg)
{
	(void)arg;
	*(char **)item = cat_col_str(st, 0);
}

static void names_done(void *items, size_t n)
{
	char **v = items;

	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int cat_share_grant_list(struct cat *c, const char *share, const char *recipient,
			 char ***names, size_t *n, struct tn_err *err)
{
	sqlite3_stmt *st;
	int64_t id;
	int ret;

	*names = NULL;
	*n = 0;
	ret = share ? row_id(c, "shares", share, &id, err)
		    : row_id(c, "recipients", recipient, &id, err);
	if (ret == TN_OK)
		ret = cat_prepare(c,
				  share ? "SELECT r.name FROM share_grants g JOIN recipients r"
					  " ON r.id = g.recipient_id WHERE g.share_id = ?1"
					  " ORDER BY r.name"
					: "SELECT s.name FROM share_grants g JOIN shares s"
					  " ON s.id = g.share_id WHERE g.recipient_id = ?1"
					  " ORDER BY s.name",
				  &st, err);
	if (ret != TN_OK)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	return cat_collect(c, st, sizeof(char *), name_row, NULL, names_done, (void **)names, n,
			   err);
}

/* ---- the access log ---- */

void cat_share_audit_bind(struct sqlite3_stmt *st, const struct cat_share_audit *a)
{
	cat_bind_str(st, 2, a->recipient);
	cat_bind_str(st, 3, a->method);
	cat_bind_str(st, 4, a->path);
	cat_bind_str(st, 5, a->share);
	cat_bind_str(st, 6, a->schema);
	cat_bind_str(st, 7, a->table);
	if (a->version >= 0)
		sqlite3_bind_int64(st, 8, a->version);
	else
		sqlite3_bind_null(st, 8);
	sqlite3_bind_int64(st, 9, a->files);
	sqlite3_bind_int64(st, 10, a->bytes);
	sqlite3_bind_int(st, 11, a->status);
	cat_bind_str(st, 12, a->error);
	cat_bind_str(st, 13, a->remote);
}

int cat_share_audit_add(struct cat *c, const struct cat_share_audit *a, struct tn_err *err)
{
	sqlite3_stmt *st;
	int ret;

	if (a->method == NULL || a->path == NULL)
		return tn_err_set(err, TN_EINVAL, "a share audit record needs the method and path");
	ret = cat_prepare(c,
			  "INSERT INTO share_audit (ts_ms, recipient, method, path, share,"
			  " schema_name, table_name, version, files, bytes, status, error, remote)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
			  &st, err);
	if (ret != TN_OK)
		return ret;
	sqlite3_bind_int64(st, 1, a->ts_ms ? a->ts_ms : cat_now_ms());
	cat_share_audit_bind(st, a);
	return cat_step_done(c, st, "log a share request", err);
}

static void audit_row(sqlite3_stmt *st, void *item, const void *arg)
{
	struct cat_share_audit *a = item;

	(void)arg;
	a->ts_ms = sqlite3_column_int64(st, 0);
	a->recipient = cat_col_str(st, 1);
	a->method = cat_col_str(st, 2);
	a->path = cat_col_str(st, 3);
	a->share = cat_col_str(st, 4);
	a->schema = cat_col_str(st, 5);
	a->table = cat_col_str(st, 6);
	a->version = sqlite3_column_type(st, 7) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 7);
	a->files = sqlite3_column_int64(st, 8);
	a->bytes = sqlite3_column_int64(st, 9);
	a->status = sqlite3_column_int(st, 10);
	a->error = cat_col_str(st, 11);
	a->remote = cat_col_str(st, 12);
}

static void audits_done(void *items, size_t n)
{
	cat_share_audit_free(items, n);
}

void cat_share_audit_free(struct cat_share_audit *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].recipient);
		free(v[i].method);
		free(v[i].path);
		free(v[i].share);
		free(v[i].schema);
		free(v[i].table);
		free(v[i].error);
		free(v[i].remote);
	}
	free(v);
}

int cat_share_audit_list(struct cat *c, int64_t limit, struct cat_share_audit **out, size_t *n,
			 struct tn_err *err)
{
	sqlite3_stmt *st;
	int ret;

	*out = NULL;
	*n = 0;
	ret = cat_prepare(c,
			  "SELECT ts_ms, recipient, method, path, share, schema_name, table_name,"
			  " version, files, bytes, status, error, remote FROM share_audit"
			  " ORDER BY id DESC LIMIT ?1",
			  &st, err);
	if (ret != TN_OK)
		return ret;
	sqlite3_bind_int64(st, 1, limit < 0 ? -1 : limit);
	return cat_collect(c, st, sizeof(**out), audit_row, NULL, audits_done, (void **)out, n,
			   err);
}
