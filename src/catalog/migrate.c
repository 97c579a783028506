/* migrate.c - the versions of tarn.db's schema: an ordered list of
 * migrations, migration i taking PRAGMA user_version from i to i + 1 in
 * one transaction. Never edit a migration that has shipped; add one. */
#include <stdio.h>

#include "base/alloc.h"
#include "catalog/catalog_int.h"

/* A table of keys and values said about objects. */
#define KV_TABLE(name)                                                              \
	"CREATE TABLE " name " ("                                                   \
	" object_id INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,"     \
	" key TEXT NOT NULL,"                                                       \
	" value TEXT NOT NULL,"                                                     \
	" PRIMARY KEY (object_id, key)) WITHOUT ROWID;"

/* Version 1: the securable objects and what is said about them. One table
 * holds catalogs (parent NULL), schemas (parent a catalog) and tables and
 * views (parent a schema), so that properties, tags and grants refer to
 * any of them and go with them (ON DELETE CASCADE). */
static const char v1_objects[] =
	"CREATE TABLE objects ("
	" id INTEGER PRIMARY KEY,"
	" kind INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 2),"
	" parent_id INTEGER REFERENCES objects(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL COLLATE NOCASE,"
	" type INTEGER,"
	" format TEXT,"
	" location TEXT,"
	" view_sql TEXT,"
	" comment TEXT,"
	" owner TEXT NOT NULL,"
	" created_ms INTEGER NOT NULL,"
	" updated_ms INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX objects_name ON objects (coalesce(parent_id, 0), name);"
	"CREATE INDEX objects_parent ON objects (parent_id);"
	KV_TABLE("properties")
	KV_TABLE("tags")
	"CREATE TABLE grants ("
	" object_id INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,"
	" principal TEXT NOT NULL,"
	" privs INTEGER NOT NULL CHECK (privs BETWEEN 1 AND 15),"
	" PRIMARY KEY (object_id, principal)) WITHOUT ROWID;";

/* A new lakehouse is usable at once: main.default, owned by whoever made it. */
static int v1_defaults(struct cat *c, struct tn_err *err)
{
	struct cat_object o = {.kind = CAT_KIND_CATALOG, .name = (char *)"main"};
	const char *owner = cat_principal_current()->user;
	int64_t id;
	int ret = cat_insert(c, 0, &o, owner, &id, err);

	if (ret != TN_OK)
		return ret;
	o.kind = CAT_KIND_SCHEMA;
	o.name = (char *)"default";
	return cat_insert(c, id, &o, owner, &id, err);
}

/* A log of statements (struct cat_audit), newest last, by user. */
#define LOG_TABLE(name)                                                             \
	"CREATE TABLE " name " ("                                                   \
	" id INTEGER PRIMARY KEY,"                                                  \
	" ts_ms INTEGER NOT NULL,"                                                  \
	" user_name TEXT NOT NULL,"                                                 \
	" statement TEXT NOT NULL,"                                                 \
	" operation TEXT,"                                                          \
	" object TEXT,"                                                             \
	" rows INTEGER NOT NULL,"                                                   \
	" duration_us INTEGER NOT NULL,"                                            \
	" outcome TEXT NOT NULL,"                                                   \
	" error TEXT);"                                                             \
	"CREATE INDEX " name "_user ON " name " (user_name, id);"

/* Version 2: the audit log (append-only: the triggers refuse changes) and
 * the query history (users may clear their own). */
static const char v2_logs[] =
	LOG_TABLE("audit")
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	LOG_TABLE("history");

/* Version 3: Delta Sharing (share/): shares of tables, recipients (only a
 * hash of each bearer token), which recipient may read which share, and
 * the server's access log (append-only, like the audit log). */
static const char v3_shares[] =
	"CREATE TABLE shares ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	" comment TEXT,"
	" uuid TEXT NOT NULL,"
	" owner TEXT NOT NULL,"
	" created_ms INTEGER NOT NULL);"
	"CREATE TABLE share_tables ("
	" id INTEGER PRIMARY KEY,"
	" share_id INTEGER NOT NULL REFERENCES shares(id) ON DELETE CASCADE,"
	" schema_name TEXT NOT NULL COLLATE NOCASE,"
	" name TEXT NOT NULL COLLATE NOCASE,"
	" uuid TEXT NOT NULL,"
	" table_name TEXT NOT NULL COLLATE NOCASE,"
	" location TEXT NOT NULL,"
	" comment TEXT,"
	" partitions TEXT,"
	" history INTEGER NOT NULL,"
	" added_ms INTEGER NOT NULL,"
	" UNIQUE (share_id, schema_name, name),"
	" UNIQUE (share_id, table_name));"
	"CREATE TABLE recipients ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	" comment TEXT,"
	" props TEXT,"
	" token_hash TEXT NOT NULL,"
	" token_expire_ms INTEGER NOT NULL,"
	" old_hash TEXT,"
	" old_expire_ms INTEGER NOT NULL,"
	" created_ms INTEGER NOT NULL,"
	" last_access_ms INTEGER NOT NULL);"
	"CREATE TABLE share_grants ("
	" share_id INTEGER NOT NULL REFERENCES shares(id) ON DELETE CASCADE,"
	" recipient_id INTEGER NOT NULL REFERENCES recipients(id) ON DELETE CASCADE,"
	" PRIMARY KEY (share_id, recipient_id)) WITHOUT ROWID;"
	"CREATE INDEX share_grants_recipient ON share_grants (recipient_id);"
	"CREATE TABLE share_audit ("
	" id INTEGER PRIMARY KEY,"
	" ts_ms INTEGER NOT NULL,"
	" recipient TEXT,"
	" method TEXT NOT NULL,"
	" path TEXT NOT NULL,"
	" share TEXT,"
	" schema_name TEXT,"
	" table_name TEXT,"
	" version INTEGER,"
	" files INTEGER NOT NULL,"
	" bytes INTEGER NOT NULL,"
	" status INTEGER NOT NULL,"
	" error TEXT,"
	" remote TEXT);"
	"CREATE TRIGGER share_audit_no_update BEFORE UPDATE ON share_audit"
	" BEGIN SELECT RAISE(ABORT, 'the share audit log is append-only'); END;"
	"CREATE TRIGGER share_audit_no_delete BEFORE DELETE ON share_audit"
	" BEGIN SELECT RAISE(ABORT, 'the share audit log is append-only'); END;";

static const struct migration {
	const char *sql;                               /* fixed DDL */
	int (*fill)(struct cat *c, struct tn_err *err); /* then this, or NULL */
} migrations[] = {
	{v1_objects, v1_defaults},
	{v2_logs, NULL},
	{v3_shares, NULL},
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

static int user_version(struct cat *c, int *v, struct tn_err *err)
{
	sqlite3_stmt *st;
	int rc, ret = cat_prepare(c, "PRAGMA user_version", &st, err);

	if (ret != TN_OK)
		return ret;
	rc = cat_step_wait(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	else
		ret = cat_sqlerr(c, rc, "read the schema version", err);
	sqlite3_finalize(st);
	return ret;
}

/* One step, when another process has not taken it first: the version is
 * read again under the write lock. */
static int migrate_one(struct cat *c, struct tn_err *err)
{
	const struct migration *m;
	char set[64];
	int v = -1, ret = cat_begin(c, err);

	if (ret != TN_OK)
		return ret;
	ret = user_version(c, &v, err);
	if (ret != TN_OK || v >= NMIGRATIONS)
		goto done;
	m = &migrations[v];
	ret = cat_exec(c, m->sql, err);
	if (ret == TN_OK && m->fill)
		ret = m->fill(c, err);
	if (ret != TN_OK)
		goto done;
	snprintf(set, sizeof(set), "PRAGMA user_version = %d", v + 1);
	ret = cat_exec(c, set, err);
done:
	if (ret != TN_OK) {
		tn_err_prefix(err, "schema migration to version %d", v + 1);
		cat_rollback(c);
		return ret;
	}
	return cat_commit(c, err);
}

int cat_migrate(struct cat *c, struct tn_err *err)
{
	for (;;) {
		int v, ret = user_version(c, &v, err);

		if (ret != TN_OK)
			return ret;
		if (v > NMIGRATIONS)
			return tn_err_set(err, TN_EUNSUPPORTED,
					  "%s: schema version %d is newer than this tarn knows (%d)",
					  c->dbpath, v, NMIGRATIONS);
		if (v == NMIGRATIONS) {
			c->version = v;
			return TN_OK;
		}
		ret = migrate_one(c, err);
		if (ret != TN_OK)
			return ret;
	}
}
