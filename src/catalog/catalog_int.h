/* catalog_int.h - what the files of src/catalog/ share: the handle, SQLite
 * helpers that turn failures into tn_err, and the resolution of a
 * (catalog, schema, name) address to rows of the objects table. */
#ifndef TARN_CATALOG_INT_H
#define TARN_CATALOG_INT_H

#include <sqlite3.h>

#include "catalog/catalog.h"

/* Names of catalogs, schemas and tables, and principals, are at most this
 * many bytes (checked when they are stored). */
#define CAT_NAME_MAX 255
/* How long a statement waits for another process's lock. */
#define CAT_BUSY_MS 5000

struct cat {
	sqlite3 *db;
	char *dir;     /* the lakehouse, absolute */
	char *dbpath;  /* dir/tarn.db, for messages */
	char *admin;   /* the name of the lakehouse directory's owner */
	int version;   /* PRAGMA user_version after the migrations */
};

/* An object found by cat_resolve: depth 1 is a catalog, 2 a schema, 3 a
 * table or view; level i < depth holds that ancestor (or the object
 * itself at depth-1) with its name as stored. */
struct cat_path {
	int depth;
	int64_t id[3];
	char name[3][CAT_NAME_MAX + 1];
	char owner[3][CAT_NAME_MAX + 1];
	int type;      /* tables: enum cat_table_type */
};

/* The schema migrations (migrate.c): bring tarn.db to the newest version,
 * each step in one transaction. */
int cat_migrate(struct cat *c, struct tn_err *err);

/* A failed SQLite call rc on c->db as a tn_err: "DBPATH: what: message";
 * TN_ECORRUPT for a damaged file, TN_EIO otherwise. Returns the code. */
int cat_sqlerr(struct cat *c, int rc, const char *what, struct tn_err *err);
/* Prepare sql (fixed text; values are bound, never printed into it). */
int cat_prepare(struct cat *c, const char *sql, sqlite3_stmt **st, struct tn_err *err);
/* Run fixed SQL without results (one or more statements). */
int cat_exec(struct cat *c, const char *sql, struct tn_err *err);
/* sqlite3_step, retrying SQLITE_BUSY for up to CAT_BUSY_MS. */
int cat_step_wait(sqlite3_stmt *st);
/* Step a statement that returns no rows, then finalize it. */
int cat_step_done(struct cat *c, sqlite3_stmt *st, const char *what, struct tn_err *err);
/* BEGIN IMMEDIATE (the write lock first, so that the busy timeout applies
 * and no read-to-write upgrade can fail), COMMIT, ROLLBACK. */
int cat_begin(struct cat *c, struct tn_err *err);
int cat_commit(struct cat *c, struct tn_err *err);
void cat_rollback(struct cat *c);
/* Bind a string, or NULL for a NULL pointer. The string must outlive the
 * statement's execution. */
void cat_bind_str(sqlite3_stmt *st, int i, const char *s);
/* A column as a new string (NULL for SQL NULL). */
char *cat_col_str(sqlite3_stmt *st, int i);

/* Step st to its end (then finalize it), appending an item of size bytes
 * to the array *out for each row, filled by row(st, item, arg). On a
 * failure the items so far go to done(items, count) and *out is NULL. */
typedef void (*cat_row_fn)(sqlite3_stmt *st, void *item, const void *arg);
int cat_collect(struct cat *c, sqlite3_stmt *st, size_t size, cat_row_fn row, const void *arg,
		void (*done)(void *items, size_t n), void **out, size_t *n, struct tn_err *err);

/* Milliseconds since the epoch. */
int64_t cat_now_ms(void);
/* TN_EINVAL unless name is a usable object name (non-empty, at most
 * CAT_NAME_MAX bytes of UTF-8, no control characters, no '/', not "." or
 * ".."); what is "catalog", "schema", "table" or "principal". */
int cat_name_check(const char *name, const char *what, struct tn_err *err);
/* "catalog", "schema", "table" or "view". */
const char *cat_kind_name(int kind, int type);
/* "c", "c.s" or "c.s.t" of p's first depth levels, into buf. */
const char *cat_path_format(const struct cat_path *p, int depth, char *buf, size_t size);

/* Find the object kind at (catalog, schema, name). TN_ENOENT names the
 * first level that is missing, with a near name when there is one;
 * TN_EINVAL for a bad kind or a missing part of the address. */
int cat_resolve(struct cat *c, int kind, const char *catalog, const char *schema,
		const char *name, struct cat_path *p, struct tn_err *err);
/* Look up the child called name of object parent (0: a catalog) into
 * level p->depth of p, which is then one deeper. TN_ENOENT without a
 * message when there is none. */
int cat_find_child(struct cat *c, int64_t parent, const char *name, struct cat_path *p,
		   struct tn_err *err);

/* Insert object o (its kind, name and, for tables, type, format,
 * location, view_sql; its comment) under parent (0 for a catalog), owned
 * by owner. *id is the new row's. */
int cat_insert(struct cat *c, int64_t parent, const struct cat_object *o, const char *owner,
	       int64_t *id, struct tn_err *err);
/* BEGIN IMMEDIATE, then cat_resolve (rolled back when it fails). */
int cat_write_begin(struct cat *c, int kind, const char *catalog, const char *schema,
		    const char *name, struct cat_path *p, struct tn_err *err);
/* COMMIT when ret is TN_OK, else ROLLBACK; returns the outcome. */
int cat_write_end(struct cat *c, int ret, struct tn_err *err);

#endif
