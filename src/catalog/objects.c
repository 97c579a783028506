/* objects.c - catalogs, schemas, tables and views: create, drop, look up,
 * list; comments, owners, properties and tags. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "catalog/catalog_int.h"

#define OBJ_COLS                                                                     \
	"kind, name, type, format, location, view_sql, comment, owner, created_ms," \
	" updated_ms"

/* Managed tables are stored relative to the lakehouse ("warehouse/c/s/t"),
 * so that a lakehouse directory can be moved or copied whole; external
 * locations stay as given. */
static const char *stored_location(const struct cat *c, const struct cat_object *o)
{
	size_t n = strlen(c->dir);

	if (o->type == CAT_MANAGED && o->location != NULL &&
	    strncmp(o->location, c->dir, n) == 0 && o->location[n] == '/')
		return o->location + n + 1;
	return o->location;
}

/* The absolute location of a table read back (older catalogs hold
 * absolute paths for managed tables too: those stay as they are). */
static void resolve_location(const struct cat *c, struct cat_object *o)
{
	if (o->location != NULL && o->location[0] != '/' && strstr(o->location, "://") == NULL) {
		char *abs = tn_asprintf("%s/%s", c->dir, o->location);

		free(o->location);
		o->location = abs;
	}
}

int cat_insert(struct cat *c, int64_t parent, const struct cat_object *o, const char *owner,
	       int64_t *id, struct tn_err *err)
{
	sqlite3_stmt *st;
	bool table = o->kind == CAT_KIND_TABLE;
	int ret;

	ret = cat_prepare(c,
			  "INSERT INTO objects (kind, parent_id, name, type, format, location,"
			  " view_sql, comment, owner, created_ms, updated_ms)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
			  &st, err);
	if (ret != TN_OK)
		return ret;
	sqlite3_bind_int(st, 1, o->kind);
	if (parent)
		sqlite3_bind_int64(st, 2, parent);
	cat_bind_str(st, 3, o->name);
	if (table) {
		sqlite3_bind_int(st, 4, o->type);
		cat_bind_str(st, 5, o->format);
		cat_bind_str(st, 6, stored_location(c, o));
		cat_bind_str(st, 7, o->view_sql);
	}
	cat_bind_str(st, 8, o->comment);
	cat_bind_str(st, 9, owner);
	sqlite3_bind_int64(st, 10, cat_now_ms());
	ret = cat_step_done(c, st, "insert", err);
	*id = sqlite3_last_insert_rowid(c->db);
	return ret;
}

/* A row of OBJ_COLS into o, with the names of its parents from p. */
static void read_object(sqlite3_stmt *st, const struct cat_path *parents, struct cat_object *o)
{
	char *name = cat_col_str(st, 1);

	memset(o, 0, sizeof(*o));
	o->kind = sqlite3_column_int(st, 0);
	if (o->kind == CAT_KIND_CATALOG) {
		o->catalog = name;
	} else {
		o->catalog = tn_strdup(parents->name[0]);
		if (o->kind == CAT_KIND_SCHEMA) {
			o->schema = name;
		} else {
			o->schema = tn_strdup(parents->name[1]);
			o->name = name;
		}
	}
	o->type = sqlite3_column_int(st, 2);
	o->format = cat_col_str(st, 3);
	o->location = cat_col_str(st, 4);
	o->view_sql = cat_col_str(st, 5);
	o->comment = cat_col_str(st, 6);
	o->owner = cat_col_str(st, 7);
	o->created_ms = sqlite3_column_int64(st, 8);
	o->updated_ms = sqlite3_column_int64(st, 9);
}

void cat_object_done(struct cat_object *o)
{
	if (o == NULL)
		return;
	free(o->catalog);
	free(o->schema);
	free(o->name);
	free(o->format);
	free(o->location);
	free(o->view_sql);
	free(o->comment);
	free(o->owner);
	memset(o, 0, sizeof(*o));
}

void cat_list_free(struct cat_object *o, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cat_object_done(&o[i]);
	free(o);
}

/* ---- create ---- */

/* The new object's owner: as given, else the current user. */
static int owner_of(const char *owner, const char **out, struct tn_err *err)
{
	*out = owner ? owner : cat_principal_current()->user;
	return cat_name_check(*out, "owner", err);
}

/* CREATE OR REPLACE of table or view t over the entry at p: the entry keeps
 * its id, owner and creation time; its comment, tags and grants go. */
static int replace_table(struct cat *c, const struct cat_path *p, const struct cat_object *t,
			 struct tn_err *err)
{
	sqlite3_stmt *st;
	char full[3 * (CAT_NAME_MAX + 1)];
	int64_t id = p->id[2];
	int ret;

	if ((p->type == CAT_VIEW) != (t->type == CAT_VIEW))
		return tn_err_set(err, TN_EINVAL, "%s is a %s, not a %s",
				  cat_path_format(p, 3, full, sizeof(full)),
				  cat_kind_name(CAT_KIND_TABLE, p->type),
				  cat_kind_name(CAT_KIND_TABLE, t->type));
	ret = cat_prepare(c,
			  "UPDATE objects SET type = ?2, format = ?3, location = ?4, view_sql = ?5,"
			  " comment = ?6, updated_ms = ?7 WHERE id = ?1",
			  &st, err);
	if (ret != TN_OK)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, t->type);
	cat_bind_str(st, 3, t->format);
	cat_bind_str(st, 4, stored_location(c, t));
	cat_bind_str(st, 5, t->view_sql);
	cat_bind_str(st, 6, t->comment);
	sqlite3_bind_int64(st, 7, cat_now_ms());
	ret = cat_step_done(c, st, "replace", err);
	if (ret == TN_OK)
		ret = cat_prepare(c, "DELETE FROM tags WHERE object_id = ?1", &st, err);
	if (ret == TN_OK) {
		sqlite3_bind_int64(st, 1, id);
		ret = cat_step_done(c, st, "replace", err);
	}
	if (ret == TN_OK)
		ret = cat_prepare(c, "DELETE FROM grants WHERE object_id = ?1", &st, err);
	if (ret == TN_OK) {
		sqlite3_bind_int64(st, 1, id);
		ret = cat_step_done(c, st, "replace", err);
	}
	return ret;
}

/* Create o (o->kind; o->name its own name) inside (catalog, schema). */
static int create(struct cat *c, const struct cat_object *o, const char *catalog,
		  const char *schema, const char *owner, bool if_not_exists, bool replace,
		  struct tn_err *err)
{
	const char *what = cat_kind_name(o->kind, o->type);
	struct cat_path p;
	char full[3 * (CAT_NAME_MAX + 1)];
	int64_t parent = 0, id;
	int ret;

	ret = cat_name_check(o->name, what, err);
	if (ret == TN_OK)
		ret = owner_of(owner, &owner, err);
	if (ret != TN_OK)
		return ret;
	if (o->kind == CAT_KIND_CATALOG) {
		ret = cat_begin(c, err);
		memset(&p, 0, sizeof(p));
	} else {
		ret = cat_write_begin(c, o->kind - 1, catalog, schema, NULL, &p, err);
		if (ret == TN_OK)
			parent = p.id[p.depth - 1];
	}
	if (ret != TN_OK)
		return ret;
	ret = cat_find_child(c, parent, o->name, &p, err);
	if (ret == TN_OK) {
		if (replace)
			return cat_write_end(c, replace_table(c, &p, o, err), err);
		cat_rollback(c);
		if (if_not_exists)
			return TN_OK;
		return tn_err_set(err, TN_EEXIST, "%s %s already exists",
				  cat_kind_name(o->kind, p.type),
				  cat_path_format(&p, p.depth, full, sizeof(full)));
	}
	if (ret == TN_ENOENT)
		ret = cat_insert(c, parent, o, owner, &id, err);
	return cat_write_end(c, ret, err);
}

int cat_catalog_create(struct cat *c, const char *name, const char *comment, const char *owner,
		       bool if_not_exists, struct tn_err *err)
{
	struct cat_object o = {.kind = CAT_KIND_CATALOG, .name = (char *)name,
			       .comment = (char *)comment};

	return create(c, &o, NULL, NULL, owner, if_not_exists, false, err);
}

int cat_schema_create(struct cat *c, const char *catalog, const char *name, const char *comment,
		      const char *owner, bool if_not_exists, struct tn_err *err)
{
	struct cat_object o = {.kind = CAT_KIND_SCHEMA, .name = (char *)name,
			       .comment = (char *)comment};

	return create(c, &o, catalog, NULL, owner, if_not_exists, false, err);
}

int cat_table_create(struct cat *c, const struct cat_object *t, bool replace, struct tn_err *err)
{
	struct cat_object o = *t;
	char *managed = NULL;
	int ret;

	if (t->kind != CAT_KIND_TABLE)
		return tn_err_set(err, TN_EINVAL, "cat_table_create: not a table or view");
	if (t->type < CAT_MANAGED || t->type > CAT_VIEW)
		return tn_err_set(err, TN_EINVAL, "bad table type %d", t->type);
	if (t->type == CAT_VIEW) {
		if (t->view_sql == NULL || *t->view_sql == '\0')
			return tn_err_set(err, TN_EINVAL, "view %s has no query", t->name);
		o.location = NULL;
		o.format = NULL;
	} else {
		if (t->type == CAT_EXTERNAL && (t->location == NULL || *t->location == '\0'))
			return tn_err_set(err, TN_EINVAL, "external table %s has no location",
					  t->name);
		if (t->location == NULL && t->catalog && t->schema && t->name)
			o.location = managed =
				cat_managed_location(c, t->catalog, t->schema, t->name);
		if (o.format == NULL)
			o.format = (char *)"delta";
		o.view_sql = NULL;
	}
	ret = create(c, &o, t->catalog, t->schema, t->owner, false, replace, err);
	free(managed);
	return ret;
}

/* ---- drop ---- */

static int count_children(struct cat *c, int64_t id, int64_t *n, struct tn_err *err)
{
	sqlite3_stmt *st;
	int ret = cat_prepare(c, "SELECT count(*) FROM objects WHERE parent_id = ?1", &st, err);

	if (ret != TN_OK)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		ret = cat_sqlerr(c, sqlite3_errcode(c->db), "count", err);
	sqlite3_finalize(st);
	return ret;
}

static int drop(struct cat *c, int kind, const char *catalog, const char *schema,
		const char *name, bool if_exists, bool cascade, struct tn_err *err)
{
	struct cat_path p;
	sqlite3_stmt *st;
	char full[3 * (CAT_NAME_MAX + 1)];
	int64_t id, n = 0;
	int ret = cat_write_begin(c, kind, catalog, schema, name, &p, err);

	if (ret == TN_ENOENT && if_exists) {
		tn_err_clear(err);
		return TN_OK;
	}
	if (ret != TN_OK)
		return ret;
	id = p.id[p.depth - 1];
	if (kind != CAT_KIND_TABLE && !cascade) {
		ret = count_children(c, id, &n, err);
		if (ret == TN_OK && n > 0)
			ret = tn_err_set(err, TN_EINVAL,
					 "%s %s is not empty (%lld %s); drop it with CASCADE",
					 cat_kind_name(kind, 0),
					 cat_path_format(&p, p.depth, full, sizeof(full)),
					 (long long)n,
					 kind == CAT_KIND_CATALOG
						 ? (n == 1 ? "schema" : "schemas")
						 : (n == 1 ? "table or view" : "tables and views"));
	}
	if (ret == TN_OK)
		ret = cat_prepare(c, "DELETE FROM objects WHERE id = ?1", &st, err);
	if (ret == TN_OK) {
		/* foreign keys take what is inside and what is said about it */
		sqlite3_bind_int64(st, 1, id);
		ret = cat_step_done(c, st, "drop", err);
	}
	return cat_write_end(c, ret, err);
}

int cat_catalog_drop(struct cat *c, const char *name, bool if_exists, bool cascade,
		     struct tn_err *err)
{
	return drop(c, CAT_KIND_CATALOG, name, NULL, NULL, if_exists, cascade, err);
}

int cat_schema_drop(struct cat *c, const char *catalog, const char *name, bool if_exists,
		    bool cascade, struct tn_err *err)
{
	return drop(c, CAT_KIND_SCHEMA, catalog, name, NULL, if_exists, cascade, err);
}

int cat_table_drop(struct cat *c, const char *catalog, const char *schema, const char *name,
		   bool if_exists, struct tn_err *err)
{
	return drop(c, CAT_KIND_TABLE, catalog, schema, name, if_exists, false, err);
}

/* ---- look up and list ---- */

static int get(struct cat *c, int kind, const char *catalog, const char *schema,
	       const char *name, struct cat_object *out, struct tn_err *err)
{
	struct cat_path p;
	sqlite3_stmt *st;
	int rc, ret;

	memset(out, 0, sizeof(*out));
	ret = cat_resolve(c, kind, catalog, schema, name, &p, err);
	if (ret == TN_OK)
		ret = cat_prepare(c, "SELECT " OBJ_COLS " FROM objects WHERE id = ?1", &st, err);
	if (ret != TN_OK)
		return ret;
	sqlite3_bind_int64(st, 1, p.id[p.depth - 1]);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_object(st, &p, out);
		resolve_location(c, out);
	}
	else
		ret = cat_sqlerr(c, rc, "look up", err);
	sqlite3_finalize(st);
	return ret;
}

int cat_object_get(struct cat *c, int kind, const char *catalog, const char *schema,
		   struct cat_object *out, struct tn_err *err)
{
	if (kind == CAT_KIND_TABLE) {
		memset(out, 0, sizeof(*out));
		return tn_err_set(err, TN_EINVAL, "cat_object_get: use cat_table_get for tables");
	}
	return get(c, kind, catalog, schema, NULL, out, err);
}

int cat_table_get(struct cat *c, const char *catalog, const char *schema, const char *name,
		  struct cat_object *out, struct tn_err *err)
{
	return get(c, CAT_KIND_TABLE, catalog, schema, name, out, err);
}

static void object_row(sqlite3_stmt *st, void *item, const void *parents)
{
	read_object(st, parents, item);
}

static void objects_done(void *items, size_t n)
{
	cat_list_free(items, n);
}

/* The children of the object kind-1 at (catalog, schema), by name. */
static int list(struct cat *c, int kind, const char *catalog, const char *schema,
		struct cat_object **out, size_t *n, struct tn_err *err)
{
	struct cat_path p;
	sqlite3_stmt *st;
	int ret = TN_OK;

	*out = NULL;
	*n = 0;
	memset(&p, 0, sizeof(p));
	if (kind > CAT_KIND_CATALOG)
		ret = cat_resolve(c, kind - 1, catalog, schema, NULL, &p, err);
	if (ret == TN_OK)
		ret = cat_prepare(c,
				  "SELECT " OBJ_COLS " FROM objects"
				  " WHERE coalesce(parent_id, 0) = ?1 ORDER BY name, id",
				  &st, err);
	if (ret != TN_OK)
		return ret;
	sqlite3_bind_int64(st, 1, p.depth ? p.id[p.depth - 1] : 0);
	ret = cat_collect(c, st, sizeof(**out), object_row, &p, objects_done, (void **)out, n,
			  err);
	for (size_t i = 0; ret == TN_OK && i < *n; i++)
		resolve_location(c, &(*out)[i]);
	return ret;
}

int cat_list_catalogs(struct cat *c, struct cat_object **out, size_t *n, struct tn_err *err)
{
	return list(c, CAT_KIND_CATALOG, NULL, NULL, out, n, err);
}

int cat_list_schemas(struct cat *c, const char *catalog, struct cat_object **out, size_t *n,
		     struct tn_err *err)
{
	return list(c, CAT_KIND_SCHEMA, catalog, NULL, out, n, err);
}

int cat_list_tables(struct cat *c, const char *catalog, const char *schema,
		    struct cat_object **out, size_t *n, struct tn_err *err)
{
	return list(c, CAT_KIND_TABLE, catalog, schema, out, n, err);
}

/* ---- comments and owners ---- */

/* Run sql (?1 the object's id, ?2 value, ?3 the time) on the object. */
static int update(struct cat *c, int kind, const char *catalog, const char *schema,
		  const char *name, const char *sql, const char *value, struct tn_err *err)
{
	struct cat_path p;
	sqlite3_stmt *st;
	int ret = cat_write_begin(c, kind, catalog, schema, name, &p, err);

	if (ret != TN_OK)
		return ret;
	ret = cat_prepare(c, sql, &st, err);
	if (ret == TN_OK) {
		sqlite3_bind_int64(st, 1, p.id[p.depth - 1]);
		cat_bind_str(st, 2, value);
		sqlite3_bind_int64(st, 3, cat_now_ms());
		ret = cat_step_done(c, st, "update", err);
	}
	return cat_write_end(c, ret, err);
}

int cat_comment_set(struct cat *c, int kind, const char *catalog, const char *schema,
		    const char *name, const char *comment, struct tn_err *err)
{
	return update(c, kind, catalog, schema, name,
		      "UPDATE objects SET comment = ?2, updated_ms = ?3 WHERE id = ?1", comment,
		      err);
}

int cat_owner_set(struct cat *c, int kind, const char *catalog, const char *schema,
		  const char *name, const char *owner, struct tn_err *err)
{
	int ret = cat_name_check(owner, "owner", err);

	if (ret != TN_OK)
		return ret;
	return update(c, kind, catalog, schema, name,
		      "UPDATE objects SET owner = ?2, updated_ms = ?3 WHERE id = ?1", owner, err);
}

/* ---- properties and tags ---- */

/* The statements of one key-value table: set, remove, list. */
struct kv_sql {
	const char *what;
	const char *set, *del, *list;
};

static const struct kv_sql props_sql = {
	"property",
	"INSERT INTO properties (object_id, key, value) VALUES (?1, ?2, ?3)"
	" ON CONFLICT (object_id, key) DO UPDATE SET value = excluded.value",
	"DELETE FROM properties WHERE object_id = ?1 AND key = ?2",
	"SELECT key, value FROM properties WHERE object_id = ?1 ORDER BY key",
};

static const struct kv_sql tags_sql = {
	"tag",
	"INSERT INTO tags (object_id, key, value) VALUES (?1, ?2, ?3)"
	" ON CONFLICT (object_id, key) DO UPDATE SET value = excluded.value",
	"DELETE FROM tags WHERE object_id = ?1 AND key = ?2",
	"SELECT key, value FROM tags WHERE object_id = ?1 ORDER BY key",
};

static int kv_set(struct cat *c, const struct kv_sql *q, int kind, const char *catalog,
		  const char *schema, const char *name, const char *key, const char *value,
		  struct tn_err *err)
{
	struct cat_path p;
	sqlite3_stmt *st;
	int ret;

	if (key == NULL || *key == '\0')
		return tn_err_set(err, TN_EINVAL, "%s key is empty", q->what);
	ret = cat_write_begin(c, kind, catalog, schema, name, &p, err);
	if (ret != TN_OK)
		return ret;
	ret = cat_prepare(c, value ? q->set : q->del, &st, err);
	if (ret == TN_OK) {
		sqlite3_bind_int64(st, 1, p.id[p.depth - 1]);
		cat_bind_str(st, 2, key);
		if (value)
			cat_bind_str(st, 3, value);
		ret = cat_step_done(c, st, q->what, err);
	}
	return cat_write_end(c, ret, err);
}

static void kv_row(sqlite3_stmt *st, void *item, const void *arg)
{
	struct cat_kv *kv = item;

	(void)arg;
	kv->key = cat_col_str(st, 0);
	kv->value = cat_col_str(st, 1);
}

static void kvs_done(void *items, size_t n)
{
	cat_kv_free(items, n);
}

static int kv_list(struct cat *c, const struct kv_sql *q, int kind, const char *catalog,
		   const char *schema, const char *name, struct cat_kv **out, size_t *n,
		   struct tn_err *err)
{
	struct cat_path p;
	sqlite3_stmt *st;
	int ret;

	*out = NULL;
	*n = 0;
	ret = cat_resolve(c, kind, catalog, schema, name, &p, err);
	if (ret == TN_OK)
		ret = cat_prepare(c, q->list, &st, err);
	if (ret != TN_OK)
		return ret;
	sqlite3_bind_int64(st, 1, p.id[p.depth - 1]);
	return cat_collect(c, st, sizeof(**out), kv_row, NULL, kvs_done, (void **)out, n, err);
}

void cat_kv_free(struct cat_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

/* A table's TBLPROPERTIES are in its Delta log; the catalog keeps only
 * what the log cannot say (column comments, as "column.<name>.comment"). */
static int props_kind(int kind, struct tn_err *err)
{
	(void)kind;
	(void)err;
	return TN_OK;
}

int cat_property_set(struct cat *c, int kind, const char *catalog, const char *schema,
		     const char *name, const char *key, const char *value, struct tn_err *err)
{
	int ret = props_kind(kind, err);

	if (ret != TN_OK)
		return ret;
	return kv_set(c, &props_sql, kind, catalog, schema, name, key, value, err);
}

int cat_property_list(struct cat *c, int kind, const char *catalog, const char *schema,
		      const char *name, struct cat_kv **out, size_t *n, struct tn_err *err)
{
	int ret = props_kind(kind, err);

	if (ret != TN_OK) {
		*out = NULL;
		*n = 0;
		return ret;
	}
	return kv_list(c, &props_sql, kind, catalog, schema, name, out, n, err);
}

int cat_tag_set(struct cat *c, int kind, const char *catalog, const char *schema,
		const char *name, const char *key, const char *value, struct tn_err *err)
{
	return kv_set(c, &tags_sql, kind, catalog, schema, name, key, value, err);
}

int cat_tag_list(struct cat *c, int kind, const char *catalog, const char *schema,
		 const char *name, struct cat_kv **out, size_t *n, struct tn_err *err)
{
	return kv_list(c, &tags_sql, kind, catalog, schema, name, out, n, err);
}
