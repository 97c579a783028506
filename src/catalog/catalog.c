/* catalog.c - opening the metastore (tarn.db in the lakehouse), the
 * current principal, SQLite helpers and the resolution of names. */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/time.h"
#include "catalog/catalog_int.h"

/* ---- SQLite helpers ---- */

int cat_sqlerr(struct cat *c, int rc, const char *what, struct tn_err *err)
{
	int code = TN_EIO;
	int prim = rc & 0xff;

	if (prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB)
		code = TN_ECORRUPT;
	return tn_err_set(err, code, "%s: %s: %s", c->dbpath, what,
			  c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
}

int cat_prepare(struct cat *c, const char *sql, sqlite3_stmt **st, struct tn_err *err)
{
	int rc = sqlite3_prepare_v2(c->db, sql, -1, st, NULL);

	if (rc != SQLITE_OK) {
		*st = NULL;
		return cat_sqlerr(c, rc, "prepare", err);
	}
	return TN_OK;
}

int cat_exec(struct cat *c, const char *sql, struct tn_err *err)
{
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? TN_OK : cat_sqlerr(c, rc, "exec", err);
}

int cat_step_done(struct cat *c, sqlite3_stmt *st, const char *what, struct tn_err *err)
{
	int rc = sqlite3_step(st);
	int ret = TN_OK;

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = cat_sqlerr(c, rc, what, err);
	sqlite3_finalize(st);
	return ret;
}

int cat_begin(struct cat *c, struct tn_err *err)
{
	sqlite3_stmt *st;
	int rc, ret = cat_prepare(c, "BEGIN IMMEDIATE", &st, err);

	if (ret != TN_OK)
		return ret;
	rc = cat_step_wait(st);
	if (rc != SQLITE_DONE)
		ret = cat_sqlerr(c, rc, "begin", err);
	sqlite3_finalize(st);
	return ret;
}

int cat_commit(struct cat *c, struct tn_err *err)
{
	int ret = cat_exec(c, "COMMIT", err);

	if (ret != TN_OK)
		cat_rollback(c);
	return ret;
}

void cat_rollback(struct cat *c)
{
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

void cat_bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

char *cat_col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? tn_strdup((const char *)s) : NULL;
}

int cat_collect(struct cat *c, sqlite3_stmt *st, size_t size, cat_row_fn row, const void *arg,
		void (*done)(void *items, size_t n), void **out, size_t *n, struct tn_err *err)
{
	char *items = NULL;
	size_t count = 0;
	int rc, ret = TN_OK;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		items = tn_reallocarray(items, count + 1, size);
		memset(items + count * size, 0, size);
		row(st, items + count * size, arg);
		count++;
	}
	if (rc != SQLITE_DONE) {
		ret = cat_sqlerr(c, rc, "read", err);
		done(items, count);
		items = NULL;
		count = 0;
	}
	sqlite3_finalize(st);
	*out = items;
	*n = count;
	return ret;
}

int64_t cat_now_ms(void)
{
	return tn_time_now_us() / 1000;
}

/* ---- names ---- */

int cat_name_check(const char *name, const char *what, struct tn_err *err)
{
	size_t len;

	if (name == NULL || *name == '\0')
		return tn_err_set(err, TN_EINVAL, "%s name is empty", what);
	len = strlen(name);
	if (len > CAT_NAME_MAX)
		return tn_err_set(err, TN_EINVAL, "%s name '%.40s...' is longer than %d bytes", what,
				  name, CAT_NAME_MAX);
	if (!tn_utf8_valid(name, len))
		return tn_err_set(err, TN_EINVAL, "%s name is not valid UTF-8", what);
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '/')
			return tn_err_set(err, TN_EINVAL,
					  "%s name '%s' has a '/' or a control character", what,
					  name);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return tn_err_set(err, TN_EINVAL, "'%s' is not a %s name", name, what);
	return TN_OK;
}

const char *cat_kind_name(int kind, int type)
{
	switch (kind) {
	case CAT_KIND_CATALOG:
		return "catalog";
	case CAT_KIND_SCHEMA:
		return "schema";
	default:
		return type == CAT_VIEW ? "view" : "table";
	}
}

const char *cat_path_format(const struct cat_path *p, int depth, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < depth && off < size; i++) {
		int n = snprintf(buf + off, size - off, "%s%s", i ? "." : "", p->name[i]);

		if (n < 0)
			break;
		off += (size_t)n;
	}
	return buf;
}

/* ---- resolution ---- */

int cat_find_child(struct cat *c, int64_t parent, const char *name, struct cat_path *p,
		   struct tn_err *err)
{
	sqlite3_stmt *st;
	int rc, ret;

	ret = cat_prepare(c,
			  "SELECT id, name, owner, type FROM objects"
			  " WHERE coalesce(parent_id, 0) = ?1 AND name = ?2",
			  &st, err);
	if (ret != TN_OK)
		return ret;
	sqlite3_bind_int64(st, 1, parent);
	cat_bind_str(st, 2, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int d = p->depth++;

		p->id[d] = sqlite3_column_int64(st, 0);
		tn_strlcpy(p->name[d], (const char *)sqlite3_column_text(st, 1), sizeof(p->name[d]));
		tn_strlcpy(p->owner[d], (const char *)sqlite3_column_text(st, 2),
			   sizeof(p->owner[d]));
		p->type = sqlite3_column_int(st, 3);
		ret = TN_OK;
	} else if (rc == SQLITE_DONE) {
		ret = TN_ENOENT;
	} else {
		ret = cat_sqlerr(c, rc, "look up", err);
	}
	sqlite3_finalize(st);
	return ret;
}

/* TN_ENOENT "<what> <prefix.>name not found[; did you mean <prefix.>near?]"
 * with the nearest of the children of parent. */
static int not_found(struct cat *c, int64_t parent, const char *what, const char *prefix,
		     const char *name, struct tn_err *err)
{
	sqlite3_stmt *st;
	char **names = NULL;
	size_t n = 0;
	const char *near = NULL;
	const char *dot = *prefix ? "." : "";

	if (cat_prepare(c, "SELECT name FROM objects WHERE coalesce(parent_id, 0) = ?1", &st,
			NULL) == TN_OK) {
		sqlite3_bind_int64(st, 1, parent);
		while (sqlite3_step(st) == SQLITE_ROW) {
			names = tn_reallocarray(names, n + 1, sizeof(*names));
			names[n++] = cat_col_str(st, 0);
		}
		sqlite3_finalize(st);
		near = tn_str_nearest(name, (const char *const *)names, n);
	}
	if (near)
		tn_err_set(err, TN_ENOENT, "%s %s%s%s not found; did you mean %s%s%s?", what, prefix,
			   dot, name, prefix, dot, near);
	else
		tn_err_set(err, TN_ENOENT, "%s %s%s%s not found", what, prefix, dot, name);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return TN_ENOENT;
}

int cat_resolve(struct cat *c, int kind, const char *catalog, const char *schema,
		const char *name, struct cat_path *p, struct tn_err *err)
{
	static const char *const what[3] = {"catalog", "schema", "table"};
	const char *part[3] = {catalog, schema, name};
	int depth;
	char prefix[2 * (CAT_NAME_MAX + 1)];

	if (kind < CAT_KIND_CATALOG || kind > CAT_KIND_TABLE)
		return tn_err_set(err, TN_EINVAL, "bad object kind %d", kind);
	depth = kind + 1;
	for (int i = 0; i < depth; i++)
		if (part[i] == NULL || *part[i] == '\0')
			return tn_err_set(err, TN_EINVAL, "a %s needs a %s name", what[kind],
					  what[i]);
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < depth; i++) {
		int64_t parent = i ? p->id[i - 1] : 0;
		int ret = cat_find_child(c, parent, part[i], p, err);

		if (ret == TN_ENOENT)
			return not_found(c, parent, what[i],
					 cat_path_format(p, i, prefix, sizeof(prefix)), part[i],
					 err);
		if (ret != TN_OK)
			return ret;
	}
	return TN_OK;
}

int cat_write_begin(struct cat *c, int kind, const char *catalog, const char *schema,
		    const char *name, struct cat_path *p, struct tn_err *err)
{
	int ret = cat_begin(c, err);

	if (ret != TN_OK)
		return ret;
	ret = cat_resolve(c, kind, catalog, schema, name, p, err);
	if (ret != TN_OK)
		cat_rollback(c);
	return ret;
}

int cat_write_end(struct cat *c, int ret, struct tn_err *err)
{
	if (ret != TN_OK) {
		cat_rollback(c);
		return ret;
	}
	return cat_commit(c, err);
}

/* ---- the current principal ---- */

static struct cat_principal current;
static pthread_once_t current_once = PTHREAD_ONCE_INIT;

/* A user or group name, or its number when the system has no name. */
static char *id_name(const char *name, unsigned id)
{
	return name ? tn_strdup(name) : tn_asprintf("%u", id);
}

static void current_fill(void)
{
	struct passwd *pw = getpwuid(geteuid());
	int ngroups = 32;
	gid_t *gids = tn_calloc((size_t)ngroups, sizeof(*gids));
	char **names;

	current.user = id_name(pw ? pw->pw_name : NULL, (unsigned)geteuid());
	if (pw == NULL) {
		gids[0] = getegid();
		ngroups = 1;
	} else if (getgrouplist(pw->pw_name, pw->pw_gid, gids, &ngroups) < 0) {
		/* ngroups now says how many there are */
		gids = tn_reallocarray(gids, (size_t)ngroups, sizeof(*gids));
		if (getgrouplist(pw->pw_name, pw->pw_gid, gids, &ngroups) < 0) {
			gids[0] = pw->pw_gid;
			ngroups = 1;
		}
	}
	names = tn_calloc((size_t)ngroups, sizeof(*names));
	for (int i = 0; i < ngroups; i++) {
		struct group *gr = getgrgid(gids[i]);

		names[i] = id_name(gr ? gr->gr_name : NULL, (unsigned)gids[i]);
	}
	free(gids);
	current.groups = (const char *const *)names;
	current.ngroups = (size_t)ngroups;
}

const struct cat_principal *cat_principal_current(void)
{
	pthread_once(&current_once, current_fill);
	return &current;
}

/* ---- open and close ---- */

/* Step st, waiting out SQLITE_BUSY for up to the busy timeout: switching
 * a new file to WAL mode and reading it while another process does the
 * same can be refused at once, without the busy handler. */
int cat_step_wait(sqlite3_stmt *st)
{
	int64_t deadline = tn_time_mono_us() + CAT_BUSY_MS * INT64_C(1000);
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_BUSY || (rc & 0xff) == SQLITE_BUSY) {
		if (tn_time_mono_us() > deadline)
			break;
		sqlite3_reset(st);
		usleep(2000);
	}
	return rc;
}

static int open_db(struct cat *c, struct tn_err *err)
{
	sqlite3_stmt *st;
	int rc, ret;

	rc = sqlite3_open_v2(c->dbpath, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK)
		return cat_sqlerr(c, rc, "cannot open", err);
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, CAT_BUSY_MS);
	ret = cat_prepare(c, "PRAGMA journal_mode = WAL", &st, err);
	if (ret != TN_OK)
		return ret;
	rc = cat_step_wait(st);
	if (rc != SQLITE_ROW)
		ret = cat_sqlerr(c, rc, "cannot use WAL mode", err);
	else if (!tn_str_ieq((const char *)sqlite3_column_text(st, 0), "wal"))
		ret = tn_err_set(err, TN_EIO, "%s: the file system does not allow WAL mode (%s)",
				 c->dbpath, sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (ret != TN_OK)
		return ret;
	/* WAL makes NORMAL durable enough: a crash loses at most the last
	 * commits, never consistency. */
	return cat_exec(c, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL", err);
}

int cat_open(const char *dir, struct cat **out, struct tn_err *err)
{
	struct cat *c = tn_calloc(1, sizeof(*c));
	char *wh = NULL, *abs = NULL;
	struct stat sb;
	int ret;

	*out = NULL;
	if (dir == NULL || *dir == '\0') {
		free(c);
		return tn_err_set(err, TN_EINVAL, "no lakehouse directory");
	}
	ret = tn_mkdirs(dir, 0777, err);
	if (ret != TN_OK)
		goto fail;
	abs = realpath(dir, NULL);
	if (abs == NULL) {
		ret = tn_err_sys(err, errno, "%s", dir);
		goto fail;
	}
	c->dir = tn_strdup(abs);
	free(abs);
	wh = tn_path_join(c->dir, "warehouse");
	ret = tn_mkdirs(wh, 0777, err);
	if (ret != TN_OK)
		goto fail;
	if (stat(c->dir, &sb) != 0) {
		ret = tn_err_sys(err, errno, "%s", c->dir);
		goto fail;
	}
	{
		struct passwd *pw = getpwuid(sb.st_uid);

		c->admin = id_name(pw ? pw->pw_name : NULL, (unsigned)sb.st_uid);
	}
	c->dbpath = tn_path_join(c->dir, "tarn.db");
	ret = open_db(c, err);
	if (ret == TN_OK)
		ret = cat_migrate(c, err);
	if (ret != TN_OK)
		goto fail;
	free(wh);
	*out = c;
	return TN_OK;
fail:
	free(wh);
	cat_close(c);
	return ret;
}

void cat_close(struct cat *c)
{
	if (c == NULL)
		return;
	sqlite3_close_v2(c->db);
	free(c->dir);
	free(c->dbpath);
	free(c->admin);
	free(c);
}

const char *cat_lakehouse(const struct cat *c)
{
	return c->dir;
}

int cat_schema_version(const struct cat *c)
{
	return c->version;
}

char *cat_managed_location(const struct cat *c, const char *catalog, const char *schema,
			   const char *table)
{
	char *p = tn_asprintf("%s/warehouse/%s/%s/%s", c->dir, catalog, schema, table);
	size_t skip = strlen(c->dir);

	for (char *s = p + skip; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	return p;
}
