/* catalog.h - the metastore: catalogs, schemas, tables and views with
 * their comments, properties, tags, owners and grants, an audit log of
 * statements and a query history, kept in LAKEHOUSE/tarn.db (SQLite, WAL
 * mode, a busy timeout, a versioned schema upgraded by migrations).
 *
 * Names are case-insensitive (stored as given, compared with ASCII case
 * folded), as in Databricks. Objects are addressed by (catalog, schema,
 * name): a catalog by (c, NULL, NULL), a schema by (c, s, NULL). A table's
 * columns, partitioning and TBLPROPERTIES live in its Delta log, not here;
 * the catalog keeps where the table is and what people said about it. */
#ifndef TARN_CATALOG_H
#define TARN_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct cat;

/* What a securable object is. */
enum cat_kind { CAT_KIND_CATALOG, CAT_KIND_SCHEMA, CAT_KIND_TABLE };

/* What a table-level object is. */
enum cat_table_type {
	CAT_MANAGED,  /* a Delta table under LAKEHOUSE/warehouse/<c>/<s>/<t> */
	CAT_EXTERNAL, /* a Delta table (or Parquet data) where LOCATION says */
	CAT_VIEW,     /* a stored query (view_sql) */
};

/* Privileges (a bit set). */
enum cat_priv {
	CAT_PRIV_USE = 1,    /* USE CATALOG / USE SCHEMA: see what is inside */
	CAT_PRIV_SELECT = 2, /* read a table or view */
	CAT_PRIV_MODIFY = 4, /* write a table: INSERT, UPDATE, DELETE, MERGE, ... */
	CAT_PRIV_CREATE = 8, /* create schemas in a catalog, tables in a schema */
	CAT_PRIV_ALL = 15,   /* ALL PRIVILEGES */
};

/* A catalog, schema, table or view. Strings are owned (cat_object_done). */
struct cat_object {
	int kind;         /* enum cat_kind */
	char *catalog;
	char *schema;     /* NULL for a catalog */
	char *name;       /* NULL for a catalog or schema */
	int type;         /* tables: enum cat_table_type */
	char *format;     /* tables: "delta" or "parquet" */
	char *location;   /* tables: the absolute path of the data */
	char *view_sql;   /* views: the query text */
	char *comment;    /* NULL when none */
	char *owner;      /* a principal */
	int64_t created_ms, updated_ms;
};

/* Who runs a statement: an OS user and the OS groups it belongs to. */
struct cat_principal {
	const char *user;
	const char *const *groups;
	size_t ngroups;
};

/* A struct cat is for one thread at a time; processes and threads may
 * each open their own on one lakehouse.
 *
 * Open (creating when absent) the catalog of the lakehouse at dir: makes
 * dir and dir/warehouse, opens dir/tarn.db in WAL mode with a busy
 * timeout of 5 s, upgrades its schema to the current version in one
 * transaction, and on a new database creates catalog "main" with schema
 * "default", owned by the current user. Errors name the file. */
int cat_open(const char *dir, struct cat **out, struct tn_err *err);
void cat_close(struct cat *c);
/* The lakehouse directory (absolute). */
const char *cat_lakehouse(const struct cat *c);
/* The schema version of tarn.db after cat_open. */
int cat_schema_version(const struct cat *c);

/* The current process's user and groups (static storage, filled once). */
const struct cat_principal *cat_principal_current(void);

/* ---- objects ---- */

/* Create a catalog / a schema. TN_EEXIST "catalog x already exists"
 * unless if_not_exists (then a no-op); TN_ENOENT for a missing parent
 * (with a near name, "did you mean ...?"). owner NULL: the current user.
 * Names are non-empty UTF-8 of at most 255 bytes without '/' or control
 * characters (else TN_EINVAL). A new catalog has no schemas. */
int cat_catalog_create(struct cat *c, const char *name, const char *comment, const char *owner,
		       bool if_not_exists, struct tn_err *err);
int cat_schema_create(struct cat *c, const char *catalog, const char *name, const char *comment,
		      const char *owner, bool if_not_exists, struct tn_err *err);
/* Drop a catalog / a schema. TN_ENOENT unless if_exists; TN_EINVAL when it
 * is not empty unless cascade (then what is inside goes too: the catalog
 * rows only; the caller deletes managed tables' data, see
 * cat_list_tables). */
int cat_catalog_drop(struct cat *c, const char *name, bool if_exists, bool cascade,
		     struct tn_err *err);
int cat_schema_drop(struct cat *c, const char *catalog, const char *name, bool if_exists,
		    bool cascade, struct tn_err *err);

/* The directory of a managed table: LAKEHOUSE/warehouse/<c>/<s>/<t>, names
 * lower-cased. Caller frees. */
char *cat_managed_location(const struct cat *c, const char *catalog, const char *schema,
			   const char *table);

/* Register a table or view t (kind CAT_KIND_TABLE; catalog, schema, name,
 * type, and location or view_sql set; owner NULL: the current user).
 * TN_EEXIST when the name is taken, unless replace (then the old entry's
 * comment, tags and grants go, its owner stays). TN_ENOENT for a missing
 * schema. */
int cat_table_create(struct cat *c, const struct cat_object *t, bool replace, struct tn_err *err);
/* Look up a table or view. TN_ENOENT "table main.default.ordrs not found;
 * did you mean main.default.orders?" (the nearest name in that schema, or
 * the schema / catalog that is missing). */
int cat_table_get(struct cat *c, const char *catalog, const char *schema, const char *name,
		  struct cat_object *out, struct tn_err *err);
/* Unregister a table or view. TN_ENOENT unless if_exists. */
int cat_table_drop(struct cat *c, const char *catalog, const char *schema, const char *name,
		   bool if_exists, struct tn_err *err);
/* Look up a catalog or schema (name NULL). TN_ENOENT with a near name.
 * kind CAT_KIND_TABLE is TN_EINVAL: use cat_table_get. */
int cat_object_get(struct cat *c, int kind, const char *catalog, const char *schema,
		   struct cat_object *out, struct tn_err *err);
void cat_object_done(struct cat_object *o);

/* Lists, sorted by name: all catalogs; the schemas of a catalog; the
 * tables and views of a schema. Free with cat_list_free. */
int cat_list_catalogs(struct cat *c, struct cat_object **out, size_t *n, struct tn_err *err);
int cat_list_schemas(struct cat *c, const char *catalog, struct cat_object **out, size_t *n,
		     struct tn_err *err);
int cat_list_tables(struct cat *c, const char *catalog, const char *schema,
		    struct cat_object **out, size_t *n, struct tn_err *err);
void cat_list_free(struct cat_object *o, size_t n);

/* COMMENT ON; comment NULL removes it. ALTER ... OWNER TO. */
int cat_comment_set(struct cat *c, int kind, const char *catalog, const char *schema,
		    const char *name, const char *comment, struct tn_err *err);
int cat_owner_set(struct cat *c, int kind, const char *catalog, const char *schema,
		  const char *name, const char *owner, struct tn_err *err);

/* Properties (catalogs and schemas: DBPROPERTIES) and tags (any object);
 * value NULL removes the key. Lists are sorted by key. A table's
 * TBLPROPERTIES are in its Delta log; its catalog properties hold what
 * the log cannot (the SQL layer keeps column comments there, as
 * "column.<name>.comment"). */
struct cat_kv {
	char *key;
	char *value;
};
int cat_property_set(struct cat *c, int kind, const char *catalog, const char *schema,
		     const char *name, const char *key, const char *value, struct tn_err *err);
int cat_property_list(struct cat *c, int kind, const char *catalog, const char *schema,
		      const char *name, struct cat_kv **out, size_t *n, struct tn_err *err);
int cat_tag_set(struct cat *c, int kind, const char *catalog, const char *schema,
		const char *name, const char *key, const char *value, struct tn_err *err);
int cat_tag_list(struct cat *c, int kind, const char *catalog, const char *schema,
		 const char *name, struct cat_kv **out, size_t *n, struct tn_err *err);
void cat_kv_free(struct cat_kv *kv, size_t n);

/* ---- grants ---- */

/* GRANT / REVOKE privs (enum cat_priv bits) on an object to a principal
 * (a user or group name). Revoking what was not granted is a no-op.
 * TN_ENOENT for a missing object. */
int cat_grant(struct cat *c, int kind, const char *catalog, const char *schema,
	      const char *name, unsigned privs, const char *principal, struct tn_err *err);
int cat_revoke(struct cat *c, int kind, const char *catalog, const char *schema,
	       const char *name, unsigned privs, const char *principal, struct tn_err *err);

struct cat_grant {
	char *principal;
	unsigned privs;
	int kind;                      /* the object the grant is on */
	char *catalog, *schema, *name;
};
/* The grants on one object (not inherited ones), sorted by principal. */
int cat_grant_list(struct cat *c, int kind, const char *catalog, const char *schema,
		   const char *name, struct cat_grant **out, size_t *n, struct tn_err *err);
void cat_grant_free(struct cat_grant *g, size_t n);

/* May who do priv on the object? Allowed when who (or one of its groups)
 * owns the object or an object above it, when who is root or owns the
 * lakehouse directory (the administrator), or when priv was granted to
 * who or one of its groups on the object or an object above it (grants
 * are inherited downwards) and, for anything inside a catalog or schema,
 * USE was granted (or is owned) on each of them. Otherwise TN_EPERM:
 * "permission denied: user bob lacks SELECT on table main.sales.orders".
 * USE itself is not inherited (USE on a catalog does not open its
 * schemas) except from a grant of ALL PRIVILEGES above. A missing USE is
 * named first ("lacks USE on schema main.sales"). Principals compare
 * case-sensitively (they are OS names). TN_ENOENT for a missing object. */
int cat_check(struct cat *c, const struct cat_principal *who, unsigned priv, int kind,
	      const char *catalog, const char *schema, const char *name, struct tn_err *err);

/* ---- audit log and query history ---- */

struct cat_audit {
	int64_t id;          /* assigned by the log */
	int64_t ts_ms;       /* when the statement started */
	char *user;
	char *statement;     /* the text as run */
	char *operation;     /* SELECT, INSERT, MERGE, GRANT, ... */
	char *object;        /* the main table it touched, or NULL */
	int64_t rows;        /* rows returned or changed, -1 when unknown */
	int64_t duration_us;
	char *outcome;       /* "ok", "error", "denied" or "cancelled" */
	char *error;         /* the message, or NULL */
};
/* Append one statement to the audit log (id ignored; ts_ms 0: now; user
 * NULL: the current user; outcome NULL: "ok"; statement required). The
 * log cannot be changed or cleared (tarn.db's triggers refuse it). */
int cat_audit_add(struct cat *c, const struct cat_audit *a, struct tn_err *err);
/* The newest entries first, at most limit (< 0: all); user NULL: everyone. */
int cat_audit_list(struct cat *c, const char *user, int64_t limit, struct cat_audit **out,
		   size_t *n, struct tn_err *err);
void cat_audit_free(struct cat_audit *a, size_t n);

/* The query history: what a user ran (queries and statements), for the
 * editor and the shell to recall. Same record; kept apart from the audit
 * log because users may clear their own history (cat_history_clear) but
 * never the audit log. */
int cat_history_add(struct cat *c, const struct cat_audit *a, struct tn_err *err);
int cat_history_list(struct cat *c, const char *user, int64_t limit, struct cat_audit **out,
		     size_t *n, struct tn_err *err);
/* user NULL clears everyone's history. */
int cat_history_clear(struct cat *c, const char *user, struct tn_err *err);

#endif
