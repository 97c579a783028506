/* grants.c - GRANT, REVOKE and the privilege check (cat_check): the rules
 * of Unity Catalog on tarn's three levels of objects. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "catalog/catalog_int.h"

static int privs_check(unsigned privs, struct tn_err *err)
{
	if (privs == 0 || (privs & ~(unsigned)CAT_PRIV_ALL) != 0)
		return tn_err_set(err, TN_EINVAL, "bad privilege set %#x", privs);
	return TN_OK;
}

/* The name of the lowest privilege in privs. */
static const char *priv_name(unsigned privs)
{
	if (privs == CAT_PRIV_ALL)
		return "ALL PRIVILEGES";
	if (privs & CAT_PRIV_USE)
		return "USE";
	if (privs & CAT_PRIV_SELECT)
		return "SELECT";
	if (privs & CAT_PRIV_MODIFY)
		return "MODIFY";
	return "CREATE";
}

/* Run the statements sql[] (NULL-terminated; ?1 the object's id, ?2 the
 * principal, ?3 the privileges) on the object, in one transaction. */
static int change(struct cat *c, int kind, const char *catalog, const char *schema,
		  const char *name, const char *const *sql, unsigned privs,
		  const char *principal, struct tn_err *err)
{
	struct cat_path p;
	sqlite3_stmt *st;
	int ret = privs_check(privs, err);

	if (ret == TN_OK)
		ret = cat_name_check(principal, "principal", err);
	if (ret == TN_OK)
		ret = cat_write_begin(c, kind, catalog, schema, name, &p, err);
	if (ret != TN_OK)
		return ret;
	for (; ret == TN_OK && *sql; sql++) {
		ret = cat_prepare(c, *sql, &st, err);
		if (ret != TN_OK)
			break;
		sqlite3_bind_int64(st, 1, p.id[p.depth - 1]);
		cat_bind_str(st, 2, principal);
		sqlite3_bind_int(st, 3, (int)privs);
		ret = cat_step_done(c, st, "grant", err);
	}
	return cat_write_end(c, ret, err);
}

int cat_grant(struct cat *c, int kind, const char *catalog, const char *schema,
	      const char *name, unsigned privs, const char *principal, struct tn_err *err)
{
	static const char *const sql[] = {
		"INSERT INTO grants (object_id, principal, privs) VALUES (?1, ?2, ?3)"
		" ON CONFLICT (object_id, principal) DO UPDATE SET privs = privs | ?3",
		NULL,
	};

	return change(c, kind, catalog, schema, name, sql, privs, principal, err);
}

int cat_revoke(struct cat *c, int kind, const char *catalog, const char *schema,
	       const char *name, unsigned privs, const char *principal, struct tn_err *err)
{
	/* a grant left with no privilege is no grant */
	static const char *const sql[] = {
		"UPDATE grants SET privs = privs & ~?3"
		" WHERE object_id = ?1 AND principal = ?2 AND (privs & ~?3) != 0",
		"DELETE FROM grants WHERE object_id = ?1 AND principal = ?2 AND (privs & ~?3) = 0",
		NULL,
	};

	return change(c, kind, catalog, schema, name, sql, privs, principal, err);
}

static void grant_row(sqlite3_stmt *st, void *item, const void *arg)
{
	const struct cat_path *p = arg;
	struct cat_grant *g = item;

	g->principal = cat_col_str(st, 0);
	g->privs = (unsigned)sqlite3_column_int(st, 1);
	g->kind = p->depth - 1;
	g->catalog = tn_strdup(p->name[0]);
	g->schema = p->depth > 1 ? tn_strdup(p->name[1]) : NULL;
	g->name = p->depth > 2 ? tn_strdup(p->name[2]) : NULL;
}

static void grants_done(void *items, size_t n)
{
	cat_grant_free(items, n);
}

int cat_grant_list(struct cat *c, int kind, const char *catalog, const char *schema,
		   const char *name, struct cat_grant **out, size_t *n, struct tn_err *err)
{
	struct cat_path p;
	sqlite3_stmt *st;
	int ret;

	*out = NULL;
	*n = 0;
	ret = cat_resolve(c, kind, catalog, schema, name, &p, err);
	if (ret == TN_OK)
		ret = cat_prepare(c,
				  "SELECT principal, privs FROM grants WHERE object_id = ?1"
				  " ORDER BY principal",
				  &st, err);
	if (ret != TN_OK)
		return ret;
	sqlite3_bind_int64(st, 1, p.id[p.depth - 1]);
	return cat_collect(c, st, sizeof(**out), grant_row, &p, grants_done, (void **)out, n, err);
}

void cat_grant_free(struct cat_grant *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(g[i].principal);
		free(g[i].catalog);
		free(g[i].schema);
		free(g[i].name);
	}
	free(g);
}

/* ---- the check ---- */

/* Is principal who's user or one of its groups? */
static bool is_who(const struct cat_principal *who, const char *principal)
{
	if (strcmp(who->user, principal) == 0)
		return true;
	for (size_t i = 0; i < who->ngroups; i++)
		if (who->groups[i] && strcmp(who->groups[i], principal) == 0)
			return true;
	return false;
}

/* The privileges granted on object id to who and its groups. */
static int granted(struct cat *c, int64_t id, const struct cat_principal *who, unsigned *privs,
		   struct tn_err *err)
{
	sqlite3_stmt *st;
	int rc, ret = cat_prepare(c, "SELECT principal, privs FROM grants WHERE object_id = ?1",
				  &st, err);

	*privs = 0;
	if (ret != TN_OK)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (is_who(who, (const char *)sqlite3_column_text(st, 0)))
			*privs |= (unsigned)sqlite3_column_int(st, 1);
	if (rc != SQLITE_DONE)
		ret = cat_sqlerr(c, rc, "read grants", err);
	sqlite3_finalize(st);
	return ret;
}

static int denied(const struct cat_principal *who, unsigned priv, int kind, int type,
		  const struct cat_path *p, int depth, struct tn_err *err)
{
	char full[3 * (CAT_NAME_MAX + 1)];

	return tn_err_set(err, TN_EPERM, "permission denied: user %s lacks %s on %s %s",
			  who->user, priv_name(priv), cat_kind_name(kind, type),
			  cat_path_format(p, depth, full, sizeof(full)));
}

int cat_check(struct cat *c, const struct cat_principal *who, unsigned priv, int kind,
	      const char *catalog, const char *schema, const char *name, struct tn_err *err)
{
	struct cat_path p;
	unsigned have = 0;
	bool all_above = false;
	int ret;

	if (who == NULL || who->user == NULL)
		return tn_err_set(err, TN_EINVAL, "cat_check: no principal");
	ret = privs_check(priv, err);
	if (ret == TN_OK)
		ret = cat_resolve(c, kind, catalog, schema, name, &p, err);
	if (ret != TN_OK)
		return ret;
	if (strcmp(who->user, "root") == 0 || strcmp(who->user, c->admin) == 0)
		return TN_OK;
	/* an owner of the object or of anything above it may do anything */
	for (int i = 0; i < p.depth; i++)
		if (is_who(who, p.owner[i]))
			return TN_OK;
	/* SELECT, MODIFY and CREATE are inherited downwards; USE is not (USE
	 * on a catalog does not open its schemas) unless it came with ALL
	 * PRIVILEGES on something above */
	for (int i = 0; i < p.depth; i++) {
		unsigned here;
		bool use;

		ret = granted(c, p.id[i], who, &here, err);
		if (ret != TN_OK)
			return ret;
		use = (here & CAT_PRIV_USE) || all_above;
		if (i < p.depth - 1 && !use)
			return denied(who, CAT_PRIV_USE, i, 0, &p, i + 1, err);
		have = (have & ~(unsigned)CAT_PRIV_USE) | here | (use ? CAT_PRIV_USE : 0);
		if (here == CAT_PRIV_ALL)
			all_above = true;
	}
	if ((have & priv) != priv)
		return denied(who, priv == CAT_PRIV_ALL ? priv : priv & ~have, kind, p.type, &p,
			      p.depth, err);
	return TN_OK;
}
