/* pane_shares.c - the Shares view: Delta Sharing's shares with their
 * tables (partition filters, history), recipients with their token status
 * (expiry, a rotated-out token's grace, last access), grants, the access
 * log, and what a recipient sees (its tables, a table's rows within its
 * partition filter). Shares, tables, recipients and grants are made and
 * changed from here; a new or rotated token is shown once, in secret
 * cells, and copied through OSC 52.
 *
 * Everything goes through the engine's statements (SHOW SHARES, DESCRIBE
 * RECIPIENT, CREATE RECIPIENT, ...), so that the pane is checked and
 * audited as SQL is: reads on the meta worker, writes on the query worker
 * (in turn with the user's statements). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "base/time.h"
#include "sql/sql.h"
#include "tui/shareview.h"
#include "tui/tui_int.h"

/* Rows of a preview: what fits a screen, as a recipient's first page. */
#define PREVIEW_ROWS 50
/* The newest requests of the access log shown. */
#define AUDIT_ROWS 500
/* A profile file is a few hundred bytes. */
#define PROFILE_MAX 65536

enum sec { SEC_SHARES, SEC_TABLES, SEC_RECIPIENTS, SEC_AUDIT, SEC_COUNT };

static const char *const sec_names[SEC_COUNT] = {"Shares", "Tables", "Recipients",
						 "Access log"};

struct stab {
	char *name;    /* schema.name, as recipients see it */
	char *object;  /* the lakehouse table */
	char *parts;   /* "region = 'eu'", NULL: every row */
	char *comment;
	bool history;
};

struct sshare {
	char *name, *comment, *owner, *created;
	struct stab *t;
	size_t nt;
	char **readers; /* recipients granted */
	size_t nreaders;
};

struct srcp {
	char *name, *comment, *props, *created, *status;
	int64_t expires, old_expires, last; /* ms, 0: none / never */
	char **shares;  /* granted */
	size_t nshares;
};

/* What a load reads. */
struct sdata {
	struct sshare *sh;
	size_t nsh;
	struct srcp *rc;
	size_t nrc;
	struct tui_rows audit;
	char *error, *audit_error;
};

struct sh_pane {
	struct tui_pane base;
	struct tui_pjobs jobs;
	unsigned gen, pgen;  /* newer loads / previews drop older ones' results */
	enum sec sec;
	bool on_recipient;   /* the details are the recipient's, not the share's */
	struct sdata d;
	bool loading, loaded;
	size_t cur_sh, top_sh, cur_tb, cur_rc, top_rc, cur_au, top_au;
	/* the preview of a shared table */
	char *pv_share, *pv_table, *pv_sql, *pv_error;
	struct tui_rows pv;
	bool pv_has, pv_loading;
	int skip, page;
	/* what a change made: the cursor goes there after the next load */
	char *want_sh, *want_rc;
};

static const struct tui_pane_ops sh_ops;

static struct sh_pane *pane_of(struct tui_app *app)
{
	struct tui_pane *p = app->pane[PANE_SHARES];

	return p != NULL && p->ops == &sh_ops ? (struct sh_pane *)p : NULL;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

static void sdata_done(struct sdata *d)
{
	for (size_t i = 0; i < d->nsh; i++) {
		struct sshare *s = &d->sh[i];

		for (size_t k = 0; k < s->nt; k++) {
			free(s->t[k].name);
			free(s->t[k].object);
			free(s->t[k].parts);
			free(s->t[k].comment);
		}
		free(s->t);
		strv_free(s->readers, s->nreaders);
		free(s->name);
		free(s->comment);
		free(s->owner);
		free(s->created);
	}
	free(d->sh);
	for (size_t i = 0; i < d->nrc; i++) {
		struct srcp *r = &d->rc[i];

		strv_free(r->shares, r->nshares);
		free(r->name);
		free(r->comment);
		free(r->props);
		free(r->created);
		free(r->status);
	}
	free(d->rc);
	tui_rows_free(&d->audit);
	free(d->error);
	free(d->audit_error);
	memset(d, 0, sizeof(*d));
}

static const struct sshare *sel_share(const struct sh_pane *p)
{
	return p->cur_sh < p->d.nsh ? &p->d.sh[p->cur_sh] : NULL;
}

static const struct stab *sel_table(const struct sh_pane *p)
{
	const struct sshare *s = sel_share(p);

	return s != NULL && p->cur_tb < s->nt ? &s->t[p->cur_tb] : NULL;
}

static const struct srcp *sel_recipient(const struct sh_pane *p)
{
	return p->cur_rc < p->d.nrc ? &p->d.rc[p->cur_rc] : NULL;
}

static const struct sshare *share_named(const struct sh_pane *p, const char *name)
{
	for (size_t i = 0; i < p->d.nsh; i++)
		if (strcasecmp(p->d.sh[i].name, name) == 0)
			return &p->d.sh[i];
	return NULL;
}

/* ================================================================ loads */

struct ljob {
	struct tui_pjob pj;
	struct sh_pane *p;
	unsigned gen;
	struct sdata d;
};

/* A column of row i by name, copied (NULL for NULL or no such column). */
static char *col_dup(const struct tui_rows *r, size_t i, const char *name)
{
	int c = tui_rows_col(r, name);
	const char *s = c >= 0 ? tui_rows_get(r, i, (size_t)c) : NULL;

	return s != NULL ? tn_strdup(s) : NULL;
}

/* The first column of every row of sql (names of grants). */
static int names_of(struct tarn_engine *e, const char *sql, char ***out, size_t *n,
		    struct tn_err *err)
{
	struct tui_rows r;
	int rc = tui_query_rows(e, sql, SIZE_MAX, &r, err);

	*out = NULL;
	*n = 0;
	if (rc != TN_OK)
		return rc;
	*out = tn_calloc(r.nrows + 1, sizeof(char *));
	for (size_t i = 0; i < r.nrows && r.ncols > 0; i++) {
		const char *s = tui_rows_get(&r, i, 0);

		(*out)[(*n)++] = tn_strdup(s != NULL ? s : "");
	}
	tui_rows_free(&r);
	return TN_OK;
}

static int load_share(struct tarn_engine *e, struct sshare *s, struct tn_err *err)
{
	char *q = tui_quote_ident(s->name), *sql = tn_asprintf("DESCRIBE SHARE %s", q);
	struct tui_rows r;
	int rc = tui_query_rows(e, sql, SIZE_MAX, &r, err);

	free(sql);
	if (rc == TN_OK) {
		s->t = tn_calloc(r.nrows + 1, sizeof(*s->t));
		for (size_t i = 0; i < r.nrows; i++) {
			struct stab *t = &s->t[s->nt++];
			char *h = col_dup(&r, i, "history");

			t->name = col_dup(&r, i, "name");
			t->object = col_dup(&r, i, "shared_object");
			t->parts = col_dup(&r, i, "partitions");
			t->comment = col_dup(&r, i, "comment");
			t->history = h != NULL && strcmp(h, "true") == 0;
			free(h);
			if (t->name == NULL)
				t->name = tn_strdup("?");
			if (t->object == NULL)
				t->object = tn_strdup("?");
		}
		tui_rows_free(&r);
		sql = tn_asprintf("SHOW GRANTS ON SHARE %s", q);
		rc = names_of(e, sql, &s->readers, &s->nreaders, err);
		free(sql);
	}
	free(q);
	return rc;
}

static int load_recipient(struct tarn_engine *e, struct srcp *rp, struct tn_err *err)
{
	char *q = tui_quote_ident(rp->name), *sql = tn_asprintf("DESCRIBE RECIPIENT %s", q);
	struct tui_rows r;
	int rc = tui_query_rows(e, sql, 1, &r, err);

	free(sql);
	if (rc == TN_OK && r.nrows == 1) {
		char *s;

		rp->comment = col_dup(&r, 0, "comment");
		rp->props = col_dup(&r, 0, "properties");
		rp->created = col_dup(&r, 0, "created_at");
		rp->status = col_dup(&r, 0, "token_status");
		rp->expires = sv_time_ms(s = col_dup(&r, 0, "token_expires"));
		free(s);
		rp->old_expires = sv_time_ms(s = col_dup(&r, 0, "old_token_expires"));
		free(s);
		rp->last = sv_time_ms(s = col_dup(&r, 0, "last_access"));
		free(s);
	}
	if (rc == TN_OK) {
		tui_rows_free(&r);
		sql = tn_asprintf("SHOW GRANTS TO RECIPIENT %s", q);
		rc = names_of(e, sql, &rp->shares, &rp->nshares, err);
		free(sql);
	}
	free(q);
	return rc;
}

static void load_work(struct tui_pjob *pj, struct tarn_engine *e)
{
	struct ljob *j = (struct ljob *)pj;
	struct sdata *d = &j->d;
	struct tui_rows r;
	struct tn_err err = {0};
	int rc = tui_query_rows(e, "SHOW SHARES", SIZE_MAX, &r, &err);

	if (rc == TN_OK) {
		d->sh = tn_calloc(r.nrows + 1, sizeof(*d->sh));
		for (size_t i = 0; i < r.nrows; i++) {
			struct sshare *s = &d->sh[d->nsh++];

			s->name = col_dup(&r, i, "name");
			s->comment = col_dup(&r, i, "comment");
			s->owner = col_dup(&r, i, "created_by");
			s->created = col_dup(&r, i, "created_at");
			if (s->name == NULL)
				s->name = tn_strdup("?");
		}
		tui_rows_free(&r);
	}
	for (size_t i = 0; rc == TN_OK && i < d->nsh; i++)
		rc = load_share(e, &d->sh[i], &err);
	if (rc == TN_OK && (rc = tui_query_rows(e, "SHOW RECIPIENTS", SIZE_MAX, &r, &err)) ==
				   TN_OK) {
		d->rc = tn_calloc(r.nrows + 1, sizeof(*d->rc));
		for (size_t i = 0; i < r.nrows; i++) {
			struct srcp *rp = &d->rc[d->nrc++];

			rp->name = col_dup(&r, i, "name");
			if (rp->name == NULL)
				rp->name = tn_strdup("?");
		}
		tui_rows_free(&r);
	}
	for (size_t i = 0; rc == TN_OK && i < d->nrc; i++)
		rc = load_recipient(e, &d->rc[i], &err);
	if (rc != TN_OK) {
		d->error = tn_strdup(err.msg);
		return;
	}
	{
		char *sql = tn_asprintf("SELECT ts, recipient, method, path, share, schema, "
					"\"table\", version, files, bytes, status, error "
					"FROM share_audit() ORDER BY ts DESC LIMIT %d",
					AUDIT_ROWS);

		if (tui_query_rows(e, sql, AUDIT_ROWS, &d->audit, &err) != TN_OK)
			d->audit_error = tn_strdup(err.msg);
		free(sql);
	}
}

/* Put the cursor back on the item of that name (it may have moved). */
static size_t find_name(const char *was, size_t cur, size_t n, const char *(*name)(const void *,
										     size_t),
			const void *v)
{
	if (was != NULL)
		for (size_t i = 0; i < n; i++)
			if (strcmp(name(v, i), was) == 0)
				return i;
	return cur < n ? cur : n > 0 ? n - 1 : 0;
}

static const char *share_name_at(const void *v, size_t i)
{
	return ((const struct sshare *)v)[i].name;
}

static const char *rcp_name_at(const void *v, size_t i)
{
	return ((const struct srcp *)v)[i].name;
}

static const char *tab_name_at(const void *v, size_t i)
{
	return ((const struct stab *)v)[i].name;
}

static void load_finish(struct tui_pjob *pj)
{
	struct ljob *j = (struct ljob *)pj;
	struct sh_pane *p = j->p;
	const struct sshare *s = sel_share(p);
	const struct stab *t = sel_table(p);
	const struct srcp *r = sel_recipient(p);
	char *ws = s ? tn_strdup(s->name) : NULL, *wt = t ? tn_strdup(t->name) : NULL;
	char *wr = r ? tn_strdup(r->name) : NULL;

	if (j->gen != p->gen)
		goto out;
	if (p->want_sh != NULL) {
		free(ws);
		ws = p->want_sh;
		p->want_sh = NULL;
	}
	if (p->want_rc != NULL) {
		free(wr);
		wr = p->want_rc;
		p->want_rc = NULL;
	}
	p->loading = false;
	p->loaded = true;
	sdata_done(&p->d);
	p->d = j->d;
	memset(&j->d, 0, sizeof(j->d));
	p->cur_sh = find_name(ws, p->cur_sh, p->d.nsh, share_name_at, p->d.sh);
	p->cur_rc = find_name(wr, p->cur_rc, p->d.nrc, rcp_name_at, p->d.rc);
	s = sel_share(p);
	p->cur_tb = s != NULL ? find_name(wt, p->cur_tb, s->nt, tab_name_at, s->t) : 0;
	if (p->cur_au >= p->d.audit.nrows)
		p->cur_au = 0;
	app_redraw(p->base.app);
out:
	free(ws);
	free(wt);
	free(wr);
}

static void ljob_destroy(struct tui_pjob *pj)
{
	struct ljob *j = (struct ljob *)pj;

	sdata_done(&j->d);
	free(j);
}

static void load(struct sh_pane *p)
{
	struct ljob *j;

	if (p->base.app->meta == NULL)
		return;
	j = tn_calloc(1, sizeof(*j));
	j->p = p;
	j->gen = ++p->gen;
	j->pj.work = load_work;
	j->pj.finish = load_finish;
	j->pj.destroy = ljob_destroy;
	p->loading = true;
	tui_pjob_submit(&p->jobs, p->base.app->meta, &j->pj);
}

void shares_show(struct tui_pane *pane)
{
	if (pane != NULL && pane->ops == &sh_ops)
		load((struct sh_pane *)pane);
}

/* ============================================================= previews */

struct pjob {
	struct tui_pjob pj;
	struct sh_pane *p;
	unsigned gen;
	char *sql;
	int rc;
	struct tn_err err;
	struct tui_rows rows;
};

static void preview_work(struct tui_pjob *pj, struct tarn_engine *e)
{
	struct pjob *j = (struct pjob *)pj;

	j->rc = tui_query_rows(e, j->sql, PREVIEW_ROWS, &j->rows, &j->err);
}

static void preview_clear(struct sh_pane *p)
{
	free(p->pv_share);
	free(p->pv_table);
	free(p->pv_sql);
	free(p->pv_error);
	p->pv_share = p->pv_table = p->pv_sql = p->pv_error = NULL;
	if (p->pv_has)
		tui_rows_free(&p->pv);
	p->pv_has = false;
	p->pv_loading = false;
}

static void preview_finish(struct tui_pjob *pj)
{
	struct pjob *j = (struct pjob *)pj;
	struct sh_pane *p = j->p;

	if (j->gen != p->pgen)
		return;
	p->pv_loading = false;
	if (j->rc != TN_OK) {
		p->pv_error = tn_strdup(j->err.msg);
	} else {
		p->pv = j->rows;
		memset(&j->rows, 0, sizeof(j->rows));
		p->pv_has = true;
	}
	app_redraw(p->base.app);
}

static void pjob_destroy(struct tui_pjob *pj)
{
	struct pjob *j = (struct pjob *)pj;

	tui_rows_free(&j->rows);
	free(j->sql);
	free(j);
}

static void preview(struct sh_pane *p, const struct sshare *s, const struct stab *t)
{
	struct pjob *j = tn_calloc(1, sizeof(*j));

	preview_clear(p);
	p->pv_share = tn_strdup(s->name);
	p->pv_table = tn_strdup(t->name);
	p->pv_sql = sv_preview_sql(t->object, t->parts, PREVIEW_ROWS);
	p->pv_loading = true;
	p->skip = 0;
	j->p = p;
	j->gen = ++p->pgen;
	j->sql = tn_strdup(p->pv_sql);
	j->pj.work = preview_work;
	j->pj.finish = preview_finish;
	j->pj.destroy = pjob_destroy;
	tui_pjob_submit(&p->jobs, p->base.app->meta, &j->pj);
}

/* =============================================================== writes */

/* A statement that changes sharing state, on the query worker. A
 * credential job (CREATE RECIPIENT, ROTATE TOKEN) then reads the profile
 * file the statement wrote, to show it once. */
struct wjob {
	struct tui_pjob pj;
	struct sh_pane *p;
	char *sql;
	bool credential;
	char *who;          /* the recipient, for the credential's title */
	int rc;
	struct tn_err err;
	char *message;
	char *path, *profile, *token, *endpoint, *expires; /* profile and token wiped */
	char *profile_error;
};

static char *read_profile(const char *path, struct tn_err *err)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (f == NULL) {
		tn_err_sys(err, errno, "%s", path);
		return NULL;
	}
	buf = tn_malloc(PROFILE_MAX + 1);
	n = fread(buf, 1, PROFILE_MAX, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void read_credential(struct wjob *j)
{
	struct tn_err err = {0};
	cJSON *o;
	const char *s;

	j->path = sv_profile_path(j->message);
	if (j->path == NULL) {
		j->profile_error = tn_strdup("the statement named no credential file");
		return;
	}
	j->profile = read_profile(j->path, &err);
	if (j->profile == NULL) {
		j->profile_error = tn_strdup(err.msg);
		return;
	}
	o = cJSON_Parse(j->profile);
	if ((s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "bearerToken"))) != NULL)
		j->token = tn_strdup(s);
	if ((s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "endpoint"))) != NULL)
		j->endpoint = tn_strdup(s);
	s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "expirationTime"));
	j->expires = tn_strdup(s != NULL ? s : "never");
	if (o != NULL) {
		/* cJSON keeps the token in its own copy: wipe it before freeing */
		cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "bearerToken");

		if (cJSON_IsString(t) && t->valuestring != NULL)
			explicit_bzero(t->valuestring, strlen(t->valuestring));
		cJSON_Delete(o);
	}
	if (j->token == NULL)
		j->profile_error = tn_asprintf("%s holds no bearerToken", j->path);
}

static void write_work(struct tui_pjob *pj, struct tarn_engine *e)
{
	struct wjob *j = (struct wjob *)pj;
	struct tui_rows r;

	j->rc = tui_query_rows(e, j->sql, 0, &r, &j->err);
	if (j->rc != TN_OK)
		return;
	j->message = r.message != NULL ? tn_strdup(r.message) : NULL;
	tui_rows_free(&r);
	if (j->credential)
		read_credential(j);
}

/* path relative to the lakehouse when inside it (shorter, and the same on
 * every machine). */
static const char *lakehouse_rel(struct tui_app *app, const char *path)
{
	const char *roots[2] = {app->lakehouse, app->opts.lakehouse};

	for (int i = 0; i < 2; i++) {
		size_t n = roots[i] != NULL ? strlen(roots[i]) : 0;

		if (n > 0 && strncmp(path, roots[i], n) == 0 && path[n] == '/')
			return path + n + 1;
	}
	return path;
}

static void show_credential(struct tui_app *app, struct wjob *j)
{
	const char *rel = lakehouse_rel(app, j->path);
	char *title = tn_asprintf("Credential of recipient %s", j->who);
	char *text = tn_asprintf(
		"The recipient reads its shares with this profile (a .share file). Give it\n"
		"over a safe channel: tarn keeps only a hash of the token and does not show it\n"
		"again.\n\n"
		"  shareCredentialsVersion  1\n"
		"  endpoint                 %s\n"
		"  bearerToken              %s\n"
		"  expirationTime           %s\n\n"
		"Saved as %s%s (mode 0600).",
		j->endpoint != NULL ? j->endpoint : "?", j->token, j->expires,
		rel != j->path ? "LAKEHOUSE/" : "", rel);

	app_show_credential(app, title, text, j->token, j->profile);
	tui_free_secret(text);
	free(title);
}

static void write_finish(struct tui_pjob *pj)
{
	struct wjob *j = (struct wjob *)pj;
	struct sh_pane *p = j->p;
	struct tui_app *app = p->base.app;

	if (j->rc != TN_OK) {
		app_error(app, "%s", j->err.msg);
	} else if (j->credential) {
		/* the message's head: what happened, without the file's path */
		const char *cut = j->message != NULL ? strstr(j->message, "; its credential") : NULL;

		if (j->profile_error != NULL) {
			app_error(app, "%.*s, but its credential cannot be shown: %s",
				  cut != NULL ? (int)(cut - j->message) : 0, j->message,
				  j->profile_error);
		} else {
			show_credential(app, j);
			app_status(app, "%.*s: its credential is shown this once",
				   cut != NULL ? (int)(cut - j->message) : (int)strlen(j->message),
				   j->message);
		}
	} else {
		app_status(app, "%s", j->message != NULL ? j->message : "done");
	}
	load(p);
}

static void wjob_destroy(struct tui_pjob *pj)
{
	struct wjob *j = (struct wjob *)pj;

	free(j->sql);
	free(j->who);
	free(j->message);
	free(j->path);
	tui_free_secret(j->profile);
	tui_free_secret(j->token);
	free(j->endpoint);
	free(j->expires);
	free(j->profile_error);
	free(j);
}

/* Run sql (owned: freed here) on the query worker; who: the recipient
 * whose credential it makes, or NULL. */
static int submit_write(struct tui_app *app, struct sh_pane *p, char *sql, const char *who,
			struct tn_err *err)
{
	struct wjob *j;

	if (app->opts.read_only) {
		free(sql);
		return tn_err_set(err, TN_EPERM, "read-only mode: sharing changes are refused");
	}
	if (app->query == NULL) {
		free(sql);
		return tn_err_set(err, TN_EINVAL, "no query worker");
	}
	j = tn_calloc(1, sizeof(*j));
	j->p = p;
	j->sql = sql;
	j->credential = who != NULL;
	j->who = who != NULL ? tn_strdup(who) : NULL;
	j->pj.work = write_work;
	j->pj.finish = write_finish;
	j->pj.destroy = wjob_destroy;
	tui_pjob_submit(&p->jobs, app->query, &j->pj);
	return TN_OK;
}

/* ============================================================== drawing */

static void draw_head(struct sh_pane *p, struct tui_grid *g, int x, int y, int w, enum sec s,
		      bool focused, const char *extra)
{
	int n = grid_puts(g, x, y, w, focused && p->sec == s ? ST_TITLE_FOCUS : ST_HEADER,
			  sec_names[s]);

	if (extra != NULL)
		grid_puts(g, x + n, y, w - n, ST_DIM, extra);
}

static void cursor_row(struct sh_pane *p, struct tui_grid *g, int x, int y, int w, enum sec s,
		       bool focused)
{
	tui_list_cursor(g, x, y, w, focused && p->sec == s);
}

static void draw_shares(struct sh_pane *p, struct tui_grid *g, struct tui_rect r, bool focused)
{
	char extra[32];

	snprintf(extra, sizeof(extra), "  %zu", p->d.nsh);
	draw_head(p, g, r.x, r.y, r.w, SEC_SHARES, focused,
		  p->loading && !p->loaded ? "  loading..." : p->loaded ? extra : "");
	if (p->loaded && p->d.nsh == 0) {
		grid_puts(g, r.x + 1, r.y + 1, r.w - 1, ST_DIM, "none: n makes one");
		return;
	}
	tui_list_scroll(p->cur_sh, &p->top_sh, r.h - 1);
	for (int i = 0; i + 1 < r.h && p->top_sh + (size_t)i < p->d.nsh; i++) {
		size_t k = p->top_sh + (size_t)i;
		const struct sshare *s = &p->d.sh[k];
		int y = r.y + 1 + i;
		char n[32];

		snprintf(n, sizeof(n), "%zu table%s", s->nt, s->nt == 1 ? "" : "s");
		grid_puts(g, r.x + 1, y, r.w - 2 - (int)strlen(n), ST_DEFAULT, s->name);
		grid_puts(g, r.x + r.w - (int)strlen(n), y, (int)strlen(n), ST_DIM, n);
		if (k == p->cur_sh)
			cursor_row(p, g, r.x, y, r.w, SEC_SHARES, focused);
	}
}

/* A recipient's token in a word: expired, active, or active with an old
 * token still valid. */
static const char *token_word(const struct srcp *r, int64_t now)
{
	if (r->expires > 0 && r->expires <= now)
		return "expired";
	if (r->old_expires > now)
		return "rotating";
	return r->status != NULL ? r->status : "active";
}

static void draw_recipients(struct sh_pane *p, struct tui_grid *g, struct tui_rect r,
			    bool focused)
{
	int64_t now = tn_time_now_us() / 1000;
	char extra[32];

	if (r.h < 2)
		return;
	snprintf(extra, sizeof(extra), "  %zu", p->d.nrc);
	draw_head(p, g, r.x, r.y, r.w, SEC_RECIPIENTS, focused, p->loaded ? extra : "");
	if (p->loaded && p->d.nrc == 0) {
		grid_puts(g, r.x + 1, r.y + 1, r.w - 1, ST_DIM, "none: N makes one");
		return;
	}
	tui_list_scroll(p->cur_rc, &p->top_rc, r.h - 1);
	for (int i = 0; i + 1 < r.h && p->top_rc + (size_t)i < p->d.nrc; i++) {
		size_t k = p->top_rc + (size_t)i;
		const struct srcp *rp = &p->d.rc[k];
		const char *w = token_word(rp, now);
		int y = r.y + 1 + i, ww = (int)strlen(w);

		grid_puts(g, r.x + 1, y, r.w - 2 - ww, rp->nshares ? ST_DEFAULT : ST_DIM, rp->name);
		grid_puts(g, r.x + r.w - ww, y, ww,
			  strcmp(w, "expired") == 0 ? ST_ERROR
			  : strcmp(w, "rotating") == 0 ? ST_WARN
						      : ST_OK,
			  w);
		if (k == p->cur_rc)
			cursor_row(p, g, r.x, y, r.w, SEC_RECIPIENTS, focused);
	}
}

/* label and value on a line; returns the next y. */
static int field(struct tui_grid *g, int x, int y, int w, const char *label, enum tui_style st,
		 const char *value)
{
	grid_puts(g, x, y, w, ST_DIM, label);
	grid_puts(g, x + 13, y, w - 13, st, value != NULL ? value : "-");
	return y + 1;
}

static void draw_share_details(struct sh_pane *p, struct tui_grid *g, struct tui_rect r,
			       bool focused)
{
	const struct sshare *s = sel_share(p);
	int y = r.y, end = r.x + r.w, nw = 4, fw = 8;
	struct tn_buf b = TN_BUF_INIT;
	char extra[32];

	if (s == NULL) {
		grid_puts(g, r.x, y, r.w, ST_DIM,
			  p->loaded ? "No share: n makes one, then a adds tables." : "");
		return;
	}
	y += grid_puts(g, r.x, y, r.w, ST_IDENT, s->name) > 0;
	if (s->comment != NULL)
		grid_printf(g, r.x + (int)strlen(s->name) + 2, y - 1,
			    r.w - (int)strlen(s->name) - 2, ST_DEFAULT, "%s", s->comment);
	for (size_t i = 0; i < s->nreaders; i++)
		tn_buf_printf(&b, NULL, "%s%s", i ? ", " : "", s->readers[i]);
	tn_buf_putc(&b, '\0', NULL);
	y = field(g, r.x, y, r.w, "owner", ST_DEFAULT, s->owner);
	y = field(g, r.x, y, r.w, "read by", s->nreaders ? ST_DEFAULT : ST_DIM,
		  s->nreaders ? (char *)b.data : "no recipient yet (+ grants one)");
	tn_buf_done(&b);
	snprintf(extra, sizeof(extra), "  %zu", s->nt);
	draw_head(p, g, r.x, ++y, r.w, SEC_TABLES, focused, extra);
	y++;
	if (s->nt == 0)
		grid_puts(g, r.x + 1, y, r.w - 1, ST_DIM, "none: a adds a table");
	/* the name, what rows, history; the lakehouse table last (cut first) */
	for (size_t i = 0; i < s->nt; i++) {
		int l = (int)strlen(s->t[i].name);
		int f = s->t[i].parts != NULL ? (int)strlen(s->t[i].parts) : 8;

		nw = l > nw ? l : nw;
		fw = f > fw ? f : fw;
	}
	nw = nw > 32 ? 32 : nw;
	fw = fw > 28 ? 28 : fw;
	for (size_t i = 0; i < s->nt && y < r.y + r.h; i++, y++) {
		const struct stab *t = &s->t[i];
		int x = r.x + 1;

		x += grid_printf(g, x, y, end - x, ST_DEFAULT, "%-*.*s ", nw, nw, t->name);
		x += grid_printf(g, x, y, end - x, t->parts ? ST_WARN : ST_DIM, "%-*.*s ", fw, fw,
				 t->parts ? t->parts : "all rows");
		x += grid_printf(g, x, y, end - x, t->history ? ST_OK : ST_DIM, "%-7s ",
				 t->history ? "history" : "latest");
		grid_printf(g, x, y, end - x, ST_DIM, "%s %s", g->ascii ? "<-" : "←", t->object);
		if (i == p->cur_tb)
			cursor_row(p, g, r.x, y, r.w, SEC_TABLES, focused);
	}
}

static void draw_recipient_details(struct sh_pane *p, struct tui_grid *g, struct tui_rect r)
{
	const struct srcp *rp = sel_recipient(p);
	int64_t now = tn_time_now_us() / 1000;
	int y = r.y;
	char buf[96], span[32];
	struct tn_buf b = TN_BUF_INIT;

	if (rp == NULL) {
		grid_puts(g, r.x, y, r.w, ST_DIM, p->loaded ? "No recipient: N makes one." : "");
		return;
	}
	grid_puts(g, r.x, y, r.w, ST_IDENT, rp->name);
	if (rp->comment != NULL)
		grid_puts(g, r.x + (int)strlen(rp->name) + 2, y, r.w - (int)strlen(rp->name) - 2,
			  ST_DEFAULT, rp->comment);
	y++;
	sv_expiry_text(rp->expires, now, buf, sizeof(buf));
	y = field(g, r.x, y, r.w, "token", rp->expires > 0 && rp->expires <= now ? ST_ERROR : ST_OK,
		  buf);
	if (rp->old_expires > now) {
		snprintf(buf, sizeof(buf), "still valid for %s (rotated)",
			 sv_span_text(rp->old_expires - now, span, sizeof(span)));
		y = field(g, r.x, y, r.w, "old token", ST_WARN, buf);
	} else {
		y = field(g, r.x, y, r.w, "old token", ST_DIM, "none");
	}
	y = field(g, r.x, y, r.w, "last access", rp->last ? ST_DEFAULT : ST_DIM,
		  sv_ago_text(rp->last, now, buf, sizeof(buf)));
	y = field(g, r.x, y, r.w, "created", ST_DIM, rp->created);
	if (rp->props != NULL)
		y = field(g, r.x, y, r.w, "properties", ST_DEFAULT, rp->props);
	for (size_t i = 0; i < rp->nshares; i++)
		tn_buf_printf(&b, NULL, "%s%s", i ? ", " : "", rp->shares[i]);
	tn_buf_putc(&b, '\0', NULL);
	field(g, r.x, y, r.w, "reads", rp->nshares ? ST_DEFAULT : ST_DIM,
	      rp->nshares ? (char *)b.data : "nothing yet (+ grants a share)");
	tn_buf_done(&b);
}

/* What a recipient sees: every table of every share granted to it. */
static char *sees_text(const struct sh_pane *p, const struct srcp *rp)
{
	struct tn_buf b = TN_BUF_INIT;
	size_t nt = 0;
	int w = 8;

	for (size_t i = 0; i < rp->nshares; i++) {
		const struct sshare *s = share_named(p, rp->shares[i]);

		for (size_t k = 0; s != NULL && k < s->nt; k++) {
			int l = (int)(strlen(s->name) + 1 + strlen(s->t[k].name));

			w = l > w ? l : w;
			nt++;
		}
	}
	tn_buf_printf(&b, NULL, "What %s sees: %zu table%s in %zu share%s:\n", rp->name, nt,
		      nt == 1 ? "" : "s", rp->nshares, rp->nshares == 1 ? "" : "s");
	for (size_t i = 0; i < rp->nshares; i++) {
		const struct sshare *s = share_named(p, rp->shares[i]);

		for (size_t k = 0; s != NULL && k < s->nt; k++) {
			const struct stab *t = &s->t[k];
			char *full = tn_asprintf("%s.%s", s->name, t->name);

			tn_buf_printf(&b, NULL, "  %-*s  %s%s; %s\n", w, full,
				      t->parts ? "rows where " : "every row",
				      t->parts ? t->parts : "",
				      t->history ? "versions, time travel and changes"
						 : "the latest version only");
			free(full);
		}
	}
	if (rp->nshares == 0)
		tn_buf_puts(&b, "  nothing: no share is granted to it (+ grants one)\n", NULL);
	tn_buf_putc(&b, '\0', NULL);
	return tn_buf_detach(&b, NULL);
}

static void draw_preview(struct sh_pane *p, struct tui_grid *g, struct tui_rect r)
{
	const struct sshare *s = sel_share(p);
	const struct stab *t = sel_table(p);
	struct tn_buf b = TN_BUF_INIT;

	p->page = r.h > 2 ? r.h - 1 : 1;
	if (t == NULL)
		return;
	if (p->pv_share == NULL || strcmp(p->pv_share, s->name) != 0 ||
	    strcmp(p->pv_table, t->name) != 0) {
		grid_printf(g, r.x, r.y, r.w, ST_DIM, "Enter or p: the rows recipients see in %s.%s",
			    s->name, t->name);
		return;
	}
	/* the heading stays; the rows scroll under it */
	grid_printf(g, r.x, r.y, r.w, ST_HEADER, "%s as recipients see it: %s%s (first %d rows; o "
		    "opens them in Results)", t->name, t->parts ? "rows where " : "every row",
		    t->parts ? t->parts : "", PREVIEW_ROWS);
	if (p->pv_loading)
		tn_buf_puts(&b, "  loading...\n", NULL);
	else if (p->pv_error != NULL)
		tn_buf_printf(&b, NULL, "  %s\n", p->pv_error);
	else if (p->pv_has)
		tui_rows_text(&b, &p->pv, "", 24);
	tn_buf_putc(&b, '\0', NULL);
	tui_text_draw(g, (struct tui_rect){r.x, r.y + 1, r.w, r.h - 1}, (char *)b.data, p->skip);
	tn_buf_done(&b);
}

static void draw_audit(struct sh_pane *p, struct tui_grid *g, struct tui_rect r, bool focused)
{
	const struct tui_rows *a = &p->d.audit;
	char extra[48];

	snprintf(extra, sizeof(extra), "  %zu request%s, newest first", a->nrows,
		 a->nrows == 1 ? "" : "s");
	draw_head(p, g, r.x, r.y, r.w, SEC_AUDIT, focused, extra);
	if (p->d.audit_error != NULL) {
		grid_puts(g, r.x + 1, r.y + 1, r.w - 1, ST_ERROR, p->d.audit_error);
		return;
	}
	if (a->nrows == 0) {
		grid_puts(g, r.x + 1, r.y + 1, r.w - 1, ST_DIM,
			  "no requests yet: tarn share serve records every request here");
		return;
	}
	grid_printf(g, r.x + 1, r.y + 1, r.w - 1, ST_HEADER, "%-19s %-12s %-6s %5s %9s  %s",
		    "time", "recipient", "status", "files", "bytes", "request");
	p->page = r.h > 3 ? r.h - 2 : 1;
	tui_list_scroll(p->cur_au, &p->top_au, r.h - 2);
	for (int i = 0; i + 2 < r.h && p->top_au + (size_t)i < a->nrows; i++) {
		size_t k = p->top_au + (size_t)i;
		const char *ts = tui_rows_get(a, k, 0), *who = tui_rows_get(a, k, 1);
		const char *m = tui_rows_get(a, k, 2), *path = tui_rows_get(a, k, 3);
		const char *st = tui_rows_get(a, k, 10), *files = tui_rows_get(a, k, 8);
		const char *bytes = tui_rows_get(a, k, 9), *e = tui_rows_get(a, k, 11);
		int y = r.y + 2 + i, x = r.x + 1, end = r.x + r.w;
		char t[32], sz[32];

		snprintf(t, sizeof(t), "%.19s", ts != NULL ? ts : "");
		if (strlen(t) > 10)
			t[10] = ' ';
		tui_size_text(bytes != NULL ? strtoll(bytes, NULL, 10) : 0, sz, sizeof(sz));
		x += grid_printf(g, x, y, end - x, ST_DIM, "%-19s ", t);
		x += grid_printf(g, x, y, end - x, who ? ST_IDENT : ST_DIM, "%-12.12s ",
				 who ? who : "-");
		x += grid_printf(g, x, y, end - x,
				 st != NULL && atoi(st) >= 400 ? ST_ERROR : ST_OK, "%-6s ",
				 st ? st : "");
		x += grid_printf(g, x, y, end - x, ST_NUMBER, "%5s %9s  ", files ? files : "",
				 sz);
		grid_printf(g, x, y, end - x, ST_DEFAULT, "%s %s%s%s", m ? m : "", path ? path : "",
			    e ? "  " : "", e ? e : "");
		if (k == p->cur_au)
			cursor_row(p, g, r.x, y, r.w, SEC_AUDIT, focused);
	}
}

static void sh_draw(struct tui_pane *pane, struct tui_grid *g, struct tui_rect r, bool focused)
{
	struct sh_pane *p = (struct sh_pane *)pane;
	int lw, th, lh;
	struct tui_rect lower;

	if (r.w <= 0 || r.h <= 0)
		return;
	grid_fill(g, r, ST_DEFAULT);
	if (r.w < 60 || r.h < 12) {
		grid_puts(g, r.x, r.y, r.w, ST_DIM, "The Shares view needs more room (C-w z).");
		return;
	}
	if (p->d.error != NULL) {
		grid_puts(g, r.x, r.y, r.w, ST_ERROR, p->d.error);
		return;
	}
	lw = r.w / 4 < 26 ? 26 : r.w / 4 > 34 ? 34 : r.w / 4;
	th = r.h / 2 < 10 ? 10 : r.h / 2;
	lh = (int)p->d.nsh + 1;
	lh = lh < 3 ? 3 : lh > th / 2 ? th / 2 : lh;
	draw_shares(p, g, (struct tui_rect){r.x, r.y, lw, lh}, focused);
	grid_hline(g, r.x, r.y + lh, lw, ST_BORDER);
	draw_recipients(p, g, (struct tui_rect){r.x, r.y + lh + 1, lw, th - lh - 1}, focused);
	grid_vline(g, r.x + lw, r.y, th, ST_BORDER);
	{
		struct tui_rect right = {r.x + lw + 2, r.y, r.w - lw - 2, th};

		if (p->on_recipient)
			draw_recipient_details(p, g, right);
		else
			draw_share_details(p, g, right, focused);
	}
	grid_hline(g, r.x, r.y + th, r.w, ST_BORDER);
	lower = (struct tui_rect){r.x, r.y + th + 1, r.w, r.h - th - 1};
	if (p->sec == SEC_AUDIT) {
		draw_audit(p, g, lower, focused);
	} else if (p->on_recipient) {
		const struct srcp *rp = sel_recipient(p);
		char *text = rp != NULL ? sees_text(p, rp) : NULL;

		if (text != NULL)
			tui_text_draw(g, lower, text, p->skip);
		free(text);
	} else {
		draw_preview(p, g, lower);
	}
}

static bool sh_busy(struct tui_pane *pane)
{
	return ((struct sh_pane *)pane)->jobs.n > 0;
}

static void sh_free(struct tui_pane *pane)
{
	struct sh_pane *p = (struct sh_pane *)pane;

	tui_pjobs_orphan(&p->jobs);
	sdata_done(&p->d);
	preview_clear(p);
	free(p->want_sh);
	free(p->want_rc);
	free(p);
}

static const struct tui_pane_ops sh_ops = {
	.draw = sh_draw,
	.busy = sh_busy,
	.save = NULL,
	.free = sh_free,
};

/* ============================================================== actions */

static struct sh_pane *need_pane(struct tui_app *app, struct tn_err *err)
{
	struct sh_pane *p = pane_of(app);

	if (p == NULL)
		tn_err_set(err, TN_EINVAL, "the Shares pane is not open");
	return p;
}

static void set_sec(struct sh_pane *p, enum sec s)
{
	p->sec = s;
	if (s == SEC_SHARES || s == SEC_TABLES)
		p->on_recipient = false;
	else if (s == SEC_RECIPIENTS)
		p->on_recipient = true;
	p->skip = 0;
}

static int move_by(struct tui_app *app, long delta, struct tn_err *err)
{
	struct sh_pane *p = need_pane(app, err);
	const struct sshare *s;
	size_t was;

	if (p == NULL)
		return err->code;
	switch (p->sec) {
	case SEC_SHARES:
		was = p->cur_sh;
		p->cur_sh = tui_cursor_move(p->cur_sh, p->d.nsh, delta);
		if (p->cur_sh != was)
			p->cur_tb = 0;
		break;
	case SEC_TABLES:
		s = sel_share(p);
		p->cur_tb = tui_cursor_move(p->cur_tb, s != NULL ? s->nt : 0, delta);
		break;
	case SEC_RECIPIENTS:
		p->cur_rc = tui_cursor_move(p->cur_rc, p->d.nrc, delta);
		p->skip = 0;
		break;
	case SEC_AUDIT:
		p->cur_au = tui_cursor_move(p->cur_au, p->d.audit.nrows, delta);
		break;
	case SEC_COUNT: break;
	}
	return TN_OK;
}

TUI_MOVE_ACTIONS

static int to_section(struct tui_app *app, int delta, struct tn_err *err)
{
	struct sh_pane *p = need_pane(app, err);

	if (p == NULL)
		return err->code;
	set_sec(p, (enum sec)(((int)p->sec + delta + SEC_COUNT) % SEC_COUNT));
	return TN_OK;
}

static int a_next(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	return to_section(app, 1, err);
}

static int a_prev(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	return to_section(app, -1, err);
}

TUI_SCROLL_ACTIONS(3)

static int a_preview(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct sh_pane *p = need_pane(app, err);
	const struct stab *t;

	(void)arg;
	if (p == NULL)
		return err->code;
	if ((t = sel_table(p)) == NULL)
		return tn_err_set(err, TN_EINVAL, "preview: no shared table is selected");
	set_sec(p, SEC_TABLES);
	preview(p, sel_share(p), t);
	return TN_OK;
}

/* The preview's statement in Results, where wide rows scroll. */
static int a_open_results(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct sh_pane *p = need_pane(app, err);
	const struct stab *t;
	char *sql, *title;

	(void)arg;
	if (p == NULL)
		return err->code;
	if ((t = sel_table(p)) == NULL)
		return tn_err_set(err, TN_EINVAL, "open: no shared table is selected");
	sql = sv_preview_sql(t->object, t->parts, PREVIEW_ROWS);
	title = tn_asprintf("what recipients of %s see in %s", sel_share(p)->name, t->name);
	app_view(app, VIEW_WORKBENCH);
	app_focus(app, PANE_RESULTS);
	app_run_sql_now(app, sql, title);
	free(title);
	free(sql);
	return TN_OK;
}

static char *audit_text(const struct tui_rows *a, size_t row)
{
	struct tn_buf b = TN_BUF_INIT;

	for (size_t c = 0; c < a->ncols; c++) {
		const char *v = tui_rows_get(a, row, c);

		tn_buf_printf(&b, NULL, "%-10s %s\n", a->names[c], v != NULL ? v : "-");
	}
	tn_buf_putc(&b, '\0', NULL);
	return tn_buf_detach(&b, NULL);
}

/* Enter: into the tables from a share; a table's preview; an access
 * log request in full. */
static int a_enter(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct sh_pane *p = need_pane(app, err);
	char *text;

	if (p == NULL)
		return err->code;
	switch (p->sec) {
	case SEC_SHARES: set_sec(p, SEC_TABLES); return TN_OK;
	case SEC_TABLES: return a_preview(app, arg, err);
	case SEC_RECIPIENTS: return TN_OK;
	case SEC_AUDIT:
		if (p->cur_au >= p->d.audit.nrows)
			return tn_err_set(err, TN_EINVAL, "no request is selected");
		text = audit_text(&p->d.audit, p->cur_au);
		app_show_text(app, "Request", text);
		free(text);
		return TN_OK;
	case SEC_COUNT: break;
	}
	return TN_OK;
}

static int a_refresh(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct sh_pane *p = need_pane(app, err);

	(void)arg;
	if (p == NULL)
		return err->code;
	load(p);
	return TN_OK;
}

/* "NAME [COMMENT...]": the name and, after a blank, the comment. */
static char *name_comment_sql(const char *verb, const char *arg)
{
	size_t n = strcspn(arg, " ");
	char *name = tn_strndup(arg, n), *q = tui_quote_ident(name), *sql;
	const char *rest = arg + n;

	while (*rest == ' ')
		rest++;
	if (*rest != '\0') {
		char *c = tui_quote_string(rest);

		sql = tn_asprintf("%s %s COMMENT %s", verb, q, c);
		free(c);
	} else {
		sql = tn_asprintf("%s %s", verb, q);
	}
	free(q);
	free(name);
	return sql;
}

static int a_create(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct sh_pane *p = need_pane(app, err);

	if (p == NULL)
		return err->code;
	if (arg == NULL || *arg == '\0')
		return app_ask(app, "share.create", "New share: NAME [comment]", "");
	free(p->want_sh);
	p->want_sh = tn_strndup(arg, strcspn(arg, " "));
	set_sec(p, SEC_SHARES);
	return submit_write(app, p, name_comment_sql("CREATE SHARE", arg), NULL, err);
}

static int a_add_table(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct sh_pane *p = need_pane(app, err);
	const struct sshare *s;
	char *q, *sql;

	if (p == NULL)
		return err->code;
	if ((s = sel_share(p)) == NULL)
		return tn_err_set(err, TN_EINVAL, "add table: no share is selected (n makes one)");
	if (arg == NULL || *arg == '\0') {
		char *label = tn_asprintf("Add to share %s: TABLE [PARTITION (col = 'v')] "
					  "[AS schema.name] [WITH HISTORY]",
					  s->name);

		app_ask(app, "share.add_table", label, "");
		free(label);
		return TN_OK;
	}
	q = tui_quote_ident(s->name);
	sql = tn_asprintf("ALTER SHARE %s ADD TABLE %s", q, arg);
	free(q);
	set_sec(p, SEC_TABLES);
	return submit_write(app, p, sql, NULL, err);
}

/* The statement to run after a yes, with the job's pane looked up again
 * (one allocation: app_confirm frees it with free()). */
struct later {
	char sql[1];
};

static void later_yes(struct tui_app *app, void *arg)
{
	struct sh_pane *p = pane_of(app);
	struct later *l = arg;
	struct tn_err err = {0};

	if (p != NULL && submit_write(app, p, tn_strdup(l->sql), NULL, &err) != TN_OK)
		app_error(app, "%s", err.msg);
}

/* Run sql after asking question (or at once when confirmation is off). */
static int confirm_write(struct tui_app *app, struct sh_pane *p, char *sql, const char *question,
			 struct tn_err *err)
{
	struct later *l;
	size_t n = strlen(sql);

	if (app->opts.no_confirm)
		return submit_write(app, p, sql, NULL, err);
	if (app->opts.read_only) {
		free(sql);
		return tn_err_set(err, TN_EPERM, "read-only mode: sharing changes are refused");
	}
	l = tn_malloc(sizeof(*l) + n);
	memcpy(l->sql, sql, n + 1);
	free(sql);
	app_confirm(app, question, later_yes, l);
	return TN_OK;
}

static int a_remove_table(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct sh_pane *p = need_pane(app, err);
	const struct sshare *s;
	const struct stab *t;
	char *q, *sql, *question;
	int rc;

	(void)arg;
	if (p == NULL)
		return err->code;
	if ((t = sel_table(p)) == NULL)
		return tn_err_set(err, TN_EINVAL, "remove table: no shared table is selected");
	s = sel_share(p);
	q = tui_quote_ident(s->name);
	sql = tn_asprintf("ALTER SHARE %s REMOVE TABLE %s", q, t->name);
	question = tn_asprintf("Remove %s from share %s? Its recipients stop seeing it at once "
			       "(the table itself stays).",
			       t->name, s->name);
	rc = confirm_write(app, p, sql, question, err);
	free(question);
	free(q);
	return rc;
}

static int a_create_recipient(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct sh_pane *p = need_pane(app, err);
	size_t n;
	char *name;
	int rc;

	if (p == NULL)
		return err->code;
	if (arg == NULL || *arg == '\0')
		return app_ask(app, "share.create_recipient", "New recipient: NAME [comment]", "");
	n = strcspn(arg, " ");
	name = tn_strndup(arg, n);
	free(p->want_rc);
	p->want_rc = tn_strdup(name);
	set_sec(p, SEC_RECIPIENTS);
	rc = submit_write(app, p, name_comment_sql("CREATE RECIPIENT", arg), name, err);
	free(name);
	return rc;
}

static const struct srcp *need_recipient(struct sh_pane *p, const char *what,
					 struct tn_err *err)
{
	const struct srcp *r = p->on_recipient ? sel_recipient(p) : NULL;

	if (r == NULL)
		tn_err_set(err, TN_EINVAL, "%s: select a recipient first (Tab to Recipients)", what);
	return r;
}

static int a_rotate(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct sh_pane *p = need_pane(app, err);
	const struct srcp *r;
	int64_t grace;
	char *q, *sql;
	int rc;

	if (p == NULL)
		return err->code;
	if ((r = need_recipient(p, "rotate", err)) == NULL)
		return err->code;
	if (arg == NULL || *arg == '\0') {
		char *label = tn_asprintf("Rotate the token of %s: seconds the old token still works "
					  "(0: revoked now)",
					  r->name);

		app_ask(app, "share.rotate", label, "0");
		free(label);
		return TN_OK;
	}
	if (tn_parse_i64(arg, &grace, "seconds", err) != TN_OK || grace < 0)
		return tn_err_set(err, TN_EINVAL, "rotate: give the seconds the old token works, "
						  "not '%s'",
				  arg);
	q = tui_quote_ident(r->name);
	sql = grace > 0 ? tn_asprintf("ALTER RECIPIENT %s ROTATE TOKEN EXPIRE OLD TOKEN IN %" PRId64
				      " SECONDS",
				      q, grace)
			: tn_asprintf("ALTER RECIPIENT %s ROTATE TOKEN", q);
	rc = submit_write(app, p, sql, r->name, err);
	free(q);
	return rc;
}

/* GRANT or REVOKE between the selected share and a recipient named by arg,
 * or the selected recipient and a share named by arg. */
static int grant_revoke(struct tui_app *app, const char *arg, bool grant, struct tn_err *err)
{
	struct sh_pane *p = need_pane(app, err);
	const char *action = grant ? "share.grant" : "share.revoke";
	const char *share, *who;
	char *qs, *qr, *sql;
	int rc;

	if (p == NULL)
		return err->code;
	if (p->on_recipient ? sel_recipient(p) == NULL : sel_share(p) == NULL)
		return tn_err_set(err, TN_EINVAL, "%s: select a share or a recipient first",
				  grant ? "grant" : "revoke");
	if (arg == NULL || *arg == '\0') {
		const struct srcp *r = sel_recipient(p);
		const struct sshare *s = sel_share(p);
		char *label = p->on_recipient
				      ? tn_asprintf("%s %s: the share", grant ? "Let" : "Stop",
						    r->name)
				      : tn_asprintf("%s share %s: the recipient",
						    grant ? "Grant" : "Revoke", s->name);
		const char *init = "";

		if (!grant && p->on_recipient && r->nshares > 0)
			init = r->shares[0];
		else if (!grant && !p->on_recipient && s->nreaders > 0)
			init = s->readers[0];
		app_ask(app, action, label, init);
		free(label);
		return TN_OK;
	}
	share = p->on_recipient ? arg : sel_share(p)->name;
	who = p->on_recipient ? sel_recipient(p)->name : arg;
	qs = tui_quote_ident(share);
	qr = tui_quote_ident(who);
	sql = tn_asprintf("%s SELECT ON SHARE %s %s RECIPIENT %s", grant ? "GRANT" : "REVOKE", qs,
			  grant ? "TO" : "FROM", qr);
	rc = submit_write(app, p, sql, NULL, err);
	free(qs);
	free(qr);
	return rc;
}

static int a_grant(struct tui_app *app, const char *arg, struct tn_err *err)
{
	return grant_revoke(app, arg, true, err);
}

static int a_revoke(struct tui_app *app, const char *arg, struct tn_err *err)
{
	return grant_revoke(app, arg, false, err);
}

static int a_drop(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct sh_pane *p = need_pane(app, err);
	char *q, *sql, *question;
	int rc;

	(void)arg;
	if (p == NULL)
		return err->code;
	if (p->on_recipient) {
		const struct srcp *r = sel_recipient(p);

		if (r == NULL)
			return tn_err_set(err, TN_EINVAL, "drop: no recipient is selected");
		q = tui_quote_ident(r->name);
		sql = tn_asprintf("DROP RECIPIENT %s", q);
		question = tn_asprintf("Drop recipient %s? Its tokens stop working at once.",
				       r->name);
	} else {
		const struct sshare *s = sel_share(p);

		if (s == NULL)
			return tn_err_set(err, TN_EINVAL, "drop: no share is selected");
		q = tui_quote_ident(s->name);
		sql = tn_asprintf("DROP SHARE %s", q);
		question = tn_asprintf("Drop share %s? Its recipients lose it at once (its tables "
				       "stay in the lakehouse).",
				       s->name);
	}
	rc = confirm_write(app, p, sql, question, err);
	free(question);
	free(q);
	return rc;
}

static const struct tui_action sh_actions[] = {
	{"share.up", "Move up the focused list", CTX_SHARES, "k, Up", a_up, false},
	{"share.down", "Move down the focused list", CTX_SHARES, "j, Down", a_down, false},
	{"share.page_up", "Move a page up", CTX_SHARES, "PgUp", a_page_up, false},
	{"share.page_down", "Move a page down", CTX_SHARES, "PgDn", a_page_down, false},
	{"share.top", "Go to the first item", CTX_SHARES, "g g, Home", a_top, false},
	{"share.bottom", "Go to the last item", CTX_SHARES, "G, End", a_bottom, false},
	{"share.next_section", "Focus the next part: shares, tables, recipients, access log",
	 CTX_SHARES, "Tab, l, Right", a_next, false},
	{"share.prev_section", "Focus the previous part", CTX_SHARES, "S-Tab, h, Left", a_prev,
	 false},
	{"share.enter", "Open: a share's tables, a table's rows, a request of the access log",
	 CTX_SHARES, "Enter", a_enter, false},
	{"share.preview", "The rows recipients see in the selected table (its partition filter)",
	 CTX_SHARES, "p", a_preview, false},
	{"share.open_results", "The rows recipients see in the selected table, in Results",
	 CTX_SHARES, "o", a_open_results, false},
	{"share.create", "Make a share: NAME [comment]", CTX_SHARES, "n", a_create, false},
	{"share.add_table", "Add a table to the share: TABLE [PARTITION (...)] [AS s.n] [WITH "
			    "HISTORY]",
	 CTX_SHARES, "a", a_add_table, false},
	{"share.remove_table", "Remove the selected table from its share (asks)", CTX_SHARES, "x",
	 a_remove_table, false},
	{"share.create_recipient", "Make a recipient and show its credential once", CTX_SHARES,
	 "N", a_create_recipient, false},
	{"share.rotate", "Rotate the recipient's token (the new one shown once)", CTX_SHARES, "R",
	 a_rotate, false},
	{"share.grant", "Let a recipient read a share (GRANT SELECT ON SHARE)", CTX_SHARES, "+",
	 a_grant, false},
	{"share.revoke", "Stop a recipient reading a share (REVOKE)", CTX_SHARES, "-", a_revoke,
	 false},
	{"share.drop", "Drop the selected share or recipient (asks)", CTX_SHARES, "D", a_drop,
	 false},
	{"share.scroll_down", "Scroll the lower part down", CTX_SHARES, "J", a_scroll_down, false},
	{"share.scroll_up", "Scroll the lower part up", CTX_SHARES, "K", a_scroll_up, false},
	{"share.refresh", "Read the shares, recipients and access log again", CTX_SHARES, "F5",
	 a_refresh, false},
};

struct tui_pane *shares_pane_new(struct tui_app *app)
{
	static bool registered;
	struct sh_pane *p = tn_calloc(1, sizeof(*p));

	if (!registered) {
		action_register(sh_actions, sizeof(sh_actions) / sizeof(*sh_actions));
		registered = true;
	}
	p->base.ops = &sh_ops;
	p->base.app = app;
	p->base.ctx = CTX_SHARES;
	p->base.title = "Shares";
	p->page = 10;
	return &p->base;
}
