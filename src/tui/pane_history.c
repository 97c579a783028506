/* pane_history.c - the History pane: a table's versions with their key
 * metrics, a version's details (parameters, metrics, files added and
 * removed), the diff of two versions, data as of a version, and RESTORE
 * with a confirmation that says what it will do. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "sql/sql.h"
#include "tui/tui_int.h"

/* A row of DESCRIBE HISTORY. */
struct version {
	int64_t v;
	char *ts, *user, *op, *params, *metrics, *read_version, *isolation, *engine;
	char *summary; /* key metrics, for the list */
};

/* The files of a commit, once loaded. */
struct vfiles {
	int64_t v;
	struct tarn_commit_file *f;
	size_t n;
	char *error;
};

struct history_pane {
	struct tui_pane base;
	struct tui_pjobs jobs;
	unsigned gen;        /* a new table: older jobs' results are dropped */
	char *table;         /* as SQL takes it; NULL when none is open */
	struct version *vs;  /* newest first */
	size_t nvs;
	bool loading;
	char *error;         /* the history could not be read */
	int64_t want;        /* put the cursor on this version after a load (-1: newest) */
	size_t cur, top;
	int64_t mark;        /* the version marked for a diff, -1 when none */
	struct vfiles *files; /* cache */
	size_t nfiles;
	bool files_loading;
	char *diff;          /* the diff shown in the lower part, or NULL */
	bool diff_loading;
	int skip;            /* lines of the lower part scrolled away */
	int page;
};

static const struct tui_pane_ops history_ops;

static struct history_pane *pane_of(struct tui_app *app)
{
	struct tui_pane *p = app->pane[PANE_HISTORY];

	return p != NULL && p->ops == &history_ops ? (struct history_pane *)p : NULL;
}

/* ---- versions ---- */

static void version_done(struct version *v)
{
	free(v->ts);
	free(v->user);
	free(v->op);
	free(v->params);
	free(v->metrics);
	free(v->read_version);
	free(v->isolation);
	free(v->engine);
	free(v->summary);
}

static void clear_versions(struct history_pane *p)
{
	for (size_t i = 0; i < p->nvs; i++)
		version_done(&p->vs[i]);
	free(p->vs);
	p->vs = NULL;
	p->nvs = 0;
	for (size_t i = 0; i < p->nfiles; i++) {
		tarn_commit_files_free(p->files[i].f, p->files[i].n);
		free(p->files[i].error);
	}
	free(p->files);
	p->files = NULL;
	p->nfiles = 0;
	free(p->diff);
	p->diff = NULL;
	free(p->error);
	p->error = NULL;
}

static const struct vfiles *files_of(const struct history_pane *p, int64_t v)
{
	for (size_t i = 0; i < p->nfiles; i++)
		if (p->files[i].v == v)
			return &p->files[i];
	return NULL;
}

static struct version *cursor_version(struct history_pane *p)
{
	return p->cur < p->nvs ? &p->vs[p->cur] : NULL;
}

/* A metric of operationMetrics (written as strings, as Spark does). */
static int64_t metric(const cJSON *m, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, key);

	if (cJSON_IsString(v))
		return strtoll(v->valuestring, NULL, 10);
	if (cJSON_IsNumber(v))
		return (int64_t)v->valuedouble;
	return 0;
}

/* The first nonzero of the metrics named (operations name them apart). */
static int64_t first_metric(const cJSON *m, const char *const *keys)
{
	for (; *keys != NULL; keys++) {
		int64_t v = metric(m, *keys);

		if (v != 0)
			return v;
	}
	return 0;
}

/* Rows written, updated and deleted, files added and removed. */
static char *metrics_summary(const char *json)
{
	static const char *const written[] = {"numOutputRows", "numTargetRowsInserted", NULL};
	static const char *const updated[] = {"numUpdatedRows", "numTargetRowsUpdated", NULL};
	static const char *const deleted[] = {"numDeletedRows", "numTargetRowsDeleted", NULL};
	static const char *const added[] = {"numFiles", "numAddedFiles", "numTargetFilesAdded",
					    "numRestoredFiles", NULL};
	static const char *const removed[] = {"numRemovedFiles", "numTargetFilesRemoved", NULL};
	cJSON *m = json != NULL ? cJSON_Parse(json) : NULL;
	struct tn_buf b;
	int64_t w, u, d, fa, fr;

	tn_buf_init(&b, 0);
	tn_buf_puts(&b, "", NULL);
	if (cJSON_IsObject(m)) {
		w = first_metric(m, written);
		u = first_metric(m, updated);
		d = first_metric(m, deleted);
		fa = first_metric(m, added);
		fr = first_metric(m, removed);
		if (w != 0)
			tn_buf_printf(&b, NULL, "+%" PRId64 " rows ", w);
		if (u != 0)
			tn_buf_printf(&b, NULL, "~%" PRId64 " upd ", u);
		if (d != 0)
			tn_buf_printf(&b, NULL, "-%" PRId64 " del ", d);
		if (fa != 0 || fr != 0)
			tn_buf_printf(&b, NULL, "files +%" PRId64 " -%" PRId64, fa, fr);
	}
	cJSON_Delete(m);
	while (b.len > 0 && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	return tn_buf_detach(&b, NULL);
}

static char *dup_col(const struct tui_rows *r, size_t row, const char *name)
{
	int c = tui_rows_col(r, name);
	const char *s = c >= 0 ? tui_rows_get(r, row, (size_t)c) : NULL;

	return s != NULL ? tn_strdup(s) : NULL;
}

static void set_versions(struct history_pane *p, const struct tui_rows *r)
{
	p->vs = tn_calloc(r->nrows + 1, sizeof(*p->vs));
	p->nvs = r->nrows;
	for (size_t i = 0; i < r->nrows; i++) {
		struct version *v = &p->vs[i];
		char *s = dup_col(r, i, "version");

		v->v = s != NULL ? strtoll(s, NULL, 10) : -1;
		free(s);
		v->ts = dup_col(r, i, "timestamp");
		v->user = dup_col(r, i, "userName");
		v->op = dup_col(r, i, "operation");
		v->params = dup_col(r, i, "operationParameters");
		v->metrics = dup_col(r, i, "operationMetrics");
		v->read_version = dup_col(r, i, "readVersion");
		v->isolation = dup_col(r, i, "isolationLevel");
		v->engine = dup_col(r, i, "engineInfo");
		v->summary = metrics_summary(v->metrics);
	}
}

/* "2026-11-21T21:51:26.344Z" as "2026-11-21 21:51:26". */
static void short_time(const char *ts, char *buf, size_t n)
{
	snprintf(buf, n, "%.19s", ts != NULL ? ts : "");
	if (strlen(buf) > 10 && buf[10] == 'T')
		buf[10] = ' ';
}

/* A JSON object's members as "  key: value" lines. */
static void json_lines(struct tn_buf *b, const char *json)
{
	cJSON *o = json != NULL ? cJSON_Parse(json) : NULL;

	if (!cJSON_IsObject(o) || o->child == NULL) {
		tn_buf_puts(b, "  (none)\n", NULL);
		cJSON_Delete(o);
		return;
	}
	for (const cJSON *k = o->child; k != NULL; k = k->next) {
		if (cJSON_IsString(k)) {
			tn_buf_printf(b, NULL, "  %s: %s\n", k->string, k->valuestring);
		} else {
			char *v = cJSON_PrintUnformatted(k);

			tn_buf_printf(b, NULL, "  %s: %s\n", k->string, v ? v : "");
			free(v);
		}
	}
	cJSON_Delete(o);
}

static void files_lines(struct tn_buf *b, const struct vfiles *f, bool loading)
{
	int64_t n[2] = {0, 0}, bytes[2] = {0, 0}, rows[2] = {0, 0};
	char s0[32], s1[32];

	if (f == NULL) {
		tn_buf_puts(b, loading ? "files:\n  loading...\n" : "files:\n  (not loaded)\n", NULL);
		return;
	}
	if (f->error != NULL) {
		tn_buf_printf(b, NULL, "files:\n  (%s)\n", f->error);
		return;
	}
	for (size_t i = 0; i < f->n; i++) {
		int k = f->f[i].added ? 0 : 1;

		n[k]++;
		bytes[k] += f->f[i].size;
		rows[k] = rows[k] < 0 || f->f[i].rows < 0 ? -1 : rows[k] + f->f[i].rows;
	}
	if (f->n == 0) {
		tn_buf_puts(b, "files: none added or removed\n", NULL);
		return;
	}
	tn_buf_printf(b, NULL, "files: %" PRId64 " added (%s), %" PRId64 " removed (%s):\n", n[0],
		      tui_size_text(bytes[0], s0, sizeof(s0)), n[1],
		      tui_size_text(bytes[1], s1, sizeof(s1)));
	for (size_t i = 0; i < f->n; i++) {
		const struct tarn_commit_file *c = &f->f[i];

		tn_buf_printf(b, NULL, "  %c %s  %s", c->added ? '+' : '-', c->path,
			      tui_size_text(c->size, s0, sizeof(s0)));
		if (c->rows >= 0)
			tn_buf_printf(b, NULL, ", %" PRId64 " rows", c->rows);
		tn_buf_puts(b, c->has_dv ? ", deletion vector\n" : "\n", NULL);
	}
}

/* Everything about a version, as text (the lower part and Enter). */
static char *version_text(const struct history_pane *p, const struct version *v)
{
	struct tn_buf b;
	char ts[32];

	tn_buf_init(&b, 0);
	short_time(v->ts, ts, sizeof(ts));
	tn_buf_printf(&b, NULL, "version %" PRId64 "  %s  %s  by %s\n", v->v,
		      v->op ? v->op : "(no commit info)", ts, v->user ? v->user : "?");
	tn_buf_printf(&b, NULL, "read version %s, %s, %s\n",
		      v->read_version ? v->read_version : "none",
		      v->isolation ? v->isolation : "?", v->engine ? v->engine : "?");
	tn_buf_puts(&b, "parameters:\n", NULL);
	json_lines(&b, v->params);
	tn_buf_puts(&b, "metrics:\n", NULL);
	json_lines(&b, v->metrics);
	files_lines(&b, files_of(p, v->v), p->files_loading);
	return tn_buf_detach(&b, NULL);
}

/* ---- jobs ---- */

struct hjob {
	struct tui_pjob pj;
	struct history_pane *p;
	unsigned gen;
	char *table;
	int64_t a, b; /* versions */
	int rc;
	struct tn_err err;
	struct tui_rows rows;
	struct tarn_commit_file *files;
	size_t nfiles;
	struct tarn_table_version info;
	char *text;
};

static void hjob_destroy(struct tui_pjob *pj)
{
	struct hjob *j = (struct hjob *)pj;

	tui_rows_free(&j->rows);
	tarn_commit_files_free(j->files, j->nfiles);
	free(j->table);
	free(j->text);
	free(j);
}

static struct hjob *hjob_new(struct history_pane *p, void (*work)(struct tui_pjob *, struct tarn_engine *),
			     void (*finish)(struct tui_pjob *))
{
	struct hjob *j = tn_calloc(1, sizeof(*j));

	j->p = p;
	j->gen = p->gen;
	j->table = tn_strdup(p->table);
	j->pj.work = work;
	j->pj.finish = finish;
	j->pj.destroy = hjob_destroy;
	return j;
}

static void submit(struct history_pane *p, struct hjob *j)
{
	tui_pjob_submit(&p->jobs, p->base.app->meta, &j->pj);
}

/* A finished job of the table shown now (not of one shown before). */
static struct history_pane *current(struct tui_pjob *pj)
{
	struct hjob *j = (struct hjob *)pj;

	return j->gen == j->p->gen ? j->p : NULL;
}

static void want_files(struct history_pane *p);

static void files_work(struct tui_pjob *pj, struct tarn_engine *e)
{
	struct hjob *j = (struct hjob *)pj;

	j->rc = tarn_table_commit_files(e, j->table, j->a, &j->files, &j->nfiles, &j->err);
}

static void files_finish(struct tui_pjob *pj)
{
	struct hjob *j = (struct hjob *)pj;
	struct history_pane *p = current(pj);
	struct vfiles *f;

	if (p == NULL)
		return;
	p->files_loading = false;
	p->files = tn_reallocarray(p->files, p->nfiles + 1, sizeof(*p->files));
	f = &p->files[p->nfiles++];
	memset(f, 0, sizeof(*f));
	f->v = j->a;
	if (j->rc == TN_OK) {
		f->f = j->files;
		f->n = j->nfiles;
		j->files = NULL;
		j->nfiles = 0;
	} else {
		f->error = tn_strdup(j->err.msg);
	}
	want_files(p);
	app_redraw(p->base.app);
}

/* The cursor's files load as the cursor moves, one job at a time. */
static void want_files(struct history_pane *p)
{
	struct version *v = cursor_version(p);
	struct hjob *j;

	if (v == NULL || p->files_loading || files_of(p, v->v) != NULL ||
	    p->base.app->meta == NULL)
		return;
	j = hjob_new(p, files_work, files_finish);
	j->a = v->v;
	p->files_loading = true;
	submit(p, j);
}

static void load_work(struct tui_pjob *pj, struct tarn_engine *e)
{
	struct hjob *j = (struct hjob *)pj;
	char *sql = tn_asprintf("DESCRIBE HISTORY %s", j->table);

	j->rc = tui_query_rows(e, sql, SIZE_MAX, &j->rows, &j->err);
	free(sql);
}

static void load_finish(struct tui_pjob *pj)
{
	struct hjob *j = (struct hjob *)pj;
	struct history_pane *p = current(pj);

	if (p == NULL)
		return;
	p->loading = false;
	clear_versions(p);
	if (j->rc != TN_OK) {
		p->error = tn_strdup(j->err.msg);
	} else {
		set_versions(p, &j->rows);
		p->cur = 0;
		for (size_t i = 0; i < p->nvs; i++)
			if (p->vs[i].v == p->want)
				p->cur = i;
	}
	p->top = 0;
	p->skip = 0;
	want_files(p);
	app_redraw(p->base.app);
}

static void reload(struct history_pane *p, int64_t want)
{
	if (p->table == NULL || p->base.app->meta == NULL)
		return;
	p->gen++;
	p->want = want;
	p->loading = true;
	p->files_loading = false;
	p->diff_loading = false;
	submit(p, hjob_new(p, load_work, load_finish));
}

void history_open(struct tui_pane *pane, const char *table, int64_t version)
{
	struct history_pane *p;

	if (pane == NULL || pane->ops != &history_ops)
		return;
	p = (struct history_pane *)pane;
	free(p->table);
	p->table = tn_strdup(table);
	clear_versions(p);
	p->mark = -1;
	p->cur = p->top = 0;
	reload(p, version);
}

/* ---- diff ---- */

/* "SELECT <columns> FROM t VERSION AS OF v": the columns both versions
 * have (all when the schemas agree), so that EXCEPT lines them up. */
static char *select_of(const char *table, int64_t v, const char *cols)
{
	return tn_asprintf("SELECT %s FROM %s VERSION AS OF %" PRId64, cols, table, v);
}

static bool diff_query(struct tarn_engine *e, struct tn_buf *b, const char *sql, size_t max,
		       struct tui_rows *r)
{
	struct tn_err err;

	if (tui_query_rows(e, sql, max, r, &err) == TN_OK)
		return true;
	tn_buf_printf(b, NULL, "  (%s)\n", err.msg);
	return false;
}

/* Columns added, removed and retyped from a to b; the common ones as a
 * select list. Returns whether the schemas are the same. */
static bool schema_diff(struct tn_buf *b, const struct tui_rows *ra, const struct tui_rows *rb,
			struct tn_buf *common)
{
	bool same = ra->ncols == rb->ncols;

	tn_buf_puts(common, "", NULL);
	for (size_t c = 0; c < rb->ncols; c++) {
		int k = tui_rows_col(ra, rb->names[c]);

		if (k < 0) {
			tn_buf_printf(b, NULL, "  + %s %s\n", rb->names[c], rb->types[c]);
			same = false;
			continue;
		}
		if (strcmp(ra->types[k], rb->types[c]) != 0) {
			tn_buf_printf(b, NULL, "  ~ %s: %s -> %s\n", rb->names[c], ra->types[k],
				      rb->types[c]);
			same = false;
		}
		if ((size_t)k != c)
			same = false;
		{
			char *q = tui_quote_ident(rb->names[c]);

			tn_buf_printf(common, NULL, "%s%s", common->len ? ", " : "", q);
			free(q);
		}
	}
	for (size_t c = 0; c < ra->ncols; c++)
		if (tui_rows_col(rb, ra->names[c]) < 0)
			tn_buf_printf(b, NULL, "  - %s %s\n", ra->names[c], ra->types[c]);
	if (same)
		tn_buf_puts(b, "  no change\n", NULL);
	return same;
}

/* Rows of `from` that `to` lacks: counted, and a sample. */
static void rows_diff(struct tarn_engine *e, struct tn_buf *b, const char *what,
		      const char *from, const char *to)
{
	struct tui_rows r;
	char *sql = tn_asprintf("SELECT count(*) FROM (%s EXCEPT %s)", from, to);

	if (tui_query_rows(e, sql, 1, &r, NULL) == TN_OK) {
		const char *n = tui_rows_get(&r, 0, 0);

		tn_buf_printf(b, NULL, "%s rows %s:\n", n ? n : "?", what);
		tui_rows_free(&r);
	} else {
		tn_buf_printf(b, NULL, "rows %s:\n", what);
	}
	free(sql);
	sql = tn_asprintf("SELECT * FROM (%s EXCEPT %s) LIMIT 5", from, to);
	if (diff_query(e, b, sql, 5, &r)) {
		if (r.nrows > 0)
			tui_rows_text(b, &r, "  ", 20);
		tui_rows_free(&r);
	}
	free(sql);
}

static void diff_work(struct tui_pjob *pj, struct tarn_engine *e)
{
	struct hjob *j = (struct hjob *)pj;
	struct tui_rows ra, rb;
	struct tn_buf b, common;
	char *sa, *sb;

	tn_buf_init(&b, 0);
	tn_buf_init(&common, 0);
	tn_buf_printf(&b, NULL, "diff of version %" PRId64 " and version %" PRId64
		      " (distinct rows)\n", j->a, j->b);
	sa = select_of(j->table, j->a, "*");
	sb = select_of(j->table, j->b, "*");
	tn_buf_puts(&b, "schema:\n", NULL);
	{
		char *qa = tn_asprintf("%s LIMIT 0", sa), *qb = tn_asprintf("%s LIMIT 0", sb);
		bool ok = diff_query(e, &b, qa, 0, &ra) && diff_query(e, &b, qb, 0, &rb);

		free(qa);
		free(qb);
		if (!ok) {
			tui_rows_free(&ra);
			goto out;
		}
	}
	if (!schema_diff(&b, &ra, &rb, &common)) {
		free(sa);
		free(sb);
		sa = select_of(j->table, j->a, common.data);
		sb = select_of(j->table, j->b, common.data);
		tn_buf_puts(&b, "rows compared on the columns both versions have\n", NULL);
	}
	tui_rows_free(&ra);
	tui_rows_free(&rb);
	{
		char *what = tn_asprintf("added (in version %" PRId64 ", not in %" PRId64 ")", j->b,
					 j->a);

		rows_diff(e, &b, what, sb, sa);
		free(what);
		what = tn_asprintf("removed (in version %" PRId64 ", not in %" PRId64 ")", j->a, j->b);
		rows_diff(e, &b, what, sa, sb);
		free(what);
	}
out:
	free(sa);
	free(sb);
	tn_buf_done(&common);
	j->text = tn_buf_detach(&b, NULL);
}

static void diff_finish(struct tui_pjob *pj)
{
	struct hjob *j = (struct hjob *)pj;
	struct history_pane *p = current(pj);

	if (p == NULL)
		return;
	p->diff_loading = false;
	free(p->diff);
	p->diff = j->text;
	j->text = NULL;
	p->skip = 0;
	app_redraw(p->base.app);
}

/* ---- restore ---- */

/* What the confirmation hands to its answer (freed with free()). */
struct restore_arg {
	unsigned gen;
	int64_t version;
};

static void restore_work(struct tui_pjob *pj, struct tarn_engine *e)
{
	struct hjob *j = (struct hjob *)pj;
	char *sql = tn_asprintf("RESTORE TABLE %s TO VERSION AS OF %" PRId64, j->table, j->a);

	j->rc = tui_query_rows(e, sql, 1, &j->rows, &j->err);
	free(sql);
}

static void restore_finish(struct tui_pjob *pj)
{
	struct hjob *j = (struct hjob *)pj;
	struct history_pane *p = j->p;

	if (j->rc != TN_OK) {
		app_error(p->base.app, "RESTORE failed: %s", j->err.msg);
		return;
	}
	app_status(p->base.app, "%s", j->rows.message ? j->rows.message : "restored");
	if (current(pj) != NULL)
		reload(p, -1);
}

static void restore_yes(struct tui_app *app, void *arg)
{
	struct restore_arg *a = arg;
	struct history_pane *p = pane_of(app);
	struct hjob *j;

	if (p == NULL || a->gen != p->gen || p->table == NULL)
		return;
	if (app->opts.read_only) {
		app_error(app, "read-only mode: RESTORE is refused");
		return;
	}
	j = hjob_new(p, restore_work, restore_finish);
	j->a = a->version;
	submit(p, j);
	app_status(app, "restoring %s to version %" PRId64 "...", p->table, a->version);
}

static void info_work(struct tui_pjob *pj, struct tarn_engine *e)
{
	struct hjob *j = (struct hjob *)pj;

	j->rc = tarn_table_version_info(e, j->table, j->a, &j->info, &j->err);
}

/* The question says exactly what RESTORE will do. */
static void info_finish(struct tui_pjob *pj)
{
	struct hjob *j = (struct hjob *)pj;
	struct history_pane *p = current(pj);
	struct restore_arg *a;
	struct tn_buf q;
	int64_t v = j->a, latest = j->info.latest;

	if (p == NULL)
		return;
	if (j->rc != TN_OK) {
		app_error(p->base.app, "RESTORE: %s", j->err.msg);
		return;
	}
	tn_buf_init(&q, 0);
	tn_buf_printf(&q, NULL,
		      "RESTORE %s TO VERSION AS OF %" PRId64 "? The table gets version %" PRId64
		      "'s data (%" PRId64 " file%s",
		      p->table, v, v, j->info.files, j->info.files == 1 ? "" : "s");
	if (j->info.rows >= 0)
		tn_buf_printf(&q, NULL, ", %" PRId64 " row%s", j->info.rows,
			      j->info.rows == 1 ? "" : "s");
	tn_buf_printf(&q, NULL, ") as a new version %" PRId64 "; ", latest + 1);
	if (latest == v + 1)
		tn_buf_printf(&q, NULL, "version %" PRId64 " stays in its history.", latest);
	else
		tn_buf_printf(&q, NULL, "versions %" PRId64 "-%" PRId64 " stay in its history.",
			      v + 1, latest);
	a = tn_calloc(1, sizeof(*a));
	a->gen = p->gen;
	a->version = v;
	app_confirm(p->base.app, q.data, restore_yes, a);
	tn_buf_done(&q);
}

/* ---- drawing ---- */

static void draw_list(struct history_pane *p, struct tui_grid *g, struct tui_rect r,
		      bool focused)
{
	int end = r.x + r.w;
	char ts[32];

	int tw = r.w >= 100 ? 19 : 16; /* seconds only where there is room */

	grid_printf(g, r.x, r.y, r.w, ST_HEADER, " %5s  %-*s  %-8s  %-13s  %s", "ver", tw,
		    "timestamp", "user", "operation", "metrics");
	grid_restyle(g, r.x, r.y, r.w, ST_HEADER);
	if (p->cur < p->top)
		p->top = p->cur;
	if (p->cur >= p->top + (size_t)(r.h - 1))
		p->top = p->cur - (size_t)(r.h - 1) + 1;
	for (int i = 0; i + 1 < r.h && p->top + (size_t)i < p->nvs; i++) {
		size_t k = p->top + (size_t)i;
		const struct version *v = &p->vs[k];
		int y = r.y + 1 + i, x = r.x;

		short_time(v->ts, ts, sizeof(ts));
		x += grid_printf(g, x, y, end - x, v->v == p->mark ? ST_MATCH : ST_DIM, "%c",
				 v->v == p->mark ? '*' : ' ');
		x += grid_printf(g, x, y, end - x, ST_NUMBER, "%5" PRId64 "  ", v->v);
		x += grid_printf(g, x, y, end - x, ST_DIM, "%-*.*s  ", tw, tw, ts);
		x += grid_printf(g, x, y, end - x, ST_DEFAULT, "%-8.8s  %-13.13s  ",
				 v->user ? v->user : "", v->op ? v->op : "?");
		grid_puts(g, x, y, end - x, ST_DEFAULT, v->summary);
		if (k == p->cur)
			grid_restyle(g, r.x, y, r.w, focused ? ST_CURSOR_LINE : ST_SELECTION);
	}
}

static void history_draw(struct tui_pane *pane, struct tui_grid *g, struct tui_rect r,
			 bool focused)
{
	struct history_pane *p = (struct history_pane *)pane;
	struct tui_rect list = r, lower = r;
	const char *busy = p->loading ? "  loading..." : p->diff_loading ? "  diffing..." : "";
	char *text = NULL;
	int lines;

	if (r.w <= 0 || r.h <= 0)
		return;
	grid_fill(g, r, ST_DEFAULT);
	if (p->table == NULL) {
		grid_puts(g, r.x, r.y, r.w, ST_DEFAULT, "No table is open.");
		grid_puts(g, r.x, r.y + 2, r.w, ST_DIM,
			  "Press H on a table in the Catalog, or O (history.open) and a table name.");
		return;
	}
	grid_printf(g, r.x, r.y, r.w, ST_TITLE, "%s", p->table);
	{
		int x = r.x + tui_text_width(p->table, strlen(p->table));

		x += grid_printf(g, x, r.y, r.x + r.w - x, ST_DIM, "  %zu version%s", p->nvs,
				 p->nvs == 1 ? "" : "s");
		if (p->mark >= 0)
			x += grid_printf(g, x, r.y, r.x + r.w - x, ST_MATCH, "  marked %" PRId64,
					 p->mark);
		grid_puts(g, x, r.y, r.x + r.w - x, ST_STATUS_BUSY, busy);
	}
	if (p->error != NULL) {
		/* Engine messages may show the statement and a caret below. */
		struct tui_rect e = {r.x, r.y + 2, r.w, r.h - 2};

		tui_text_draw(g, e, p->error, 0);
		grid_restyle(g, r.x, r.y + 2, r.w, ST_ERROR);
		return;
	}
	if (r.h < 4)
		return;
	list.y = r.y + 1;
	list.h = r.h - 1;
	if (r.w >= 120) {
		/* Side by side: the list, a rule, the details. */
		list.w = r.w * 11 / 20;
		lower = (struct tui_rect){list.x + list.w + 2, list.y, r.w - list.w - 2, list.h};
		grid_vline(g, list.x + list.w, list.y, list.h, ST_BORDER);
	} else {
		int n = (int)p->nvs + 1, max = (list.h - 1) / 2;

		list.h = n < 3 ? 3 : n > max ? max : n;
		if (list.h < 2)
			list.h = 2;
		lower = (struct tui_rect){r.x, list.y + list.h + 1, r.w, r.h - list.h - 2};
		grid_hline(g, r.x, list.y + list.h, r.w, ST_BORDER);
	}
	p->page = list.h > 2 ? list.h - 1 : 1;
	draw_list(p, g, list, focused);
	if (lower.h <= 0)
		return;
	if (p->diff != NULL)
		lines = tui_text_draw(g, lower, p->diff, p->skip);
	else if (cursor_version(p) != NULL) {
		text = version_text(p, cursor_version(p));
		lines = tui_text_draw(g, lower, text, p->skip);
		free(text);
	} else {
		lines = 0;
	}
	if (lines - p->skip > lower.h) {
		char more[32];
		int w;

		snprintf(more, sizeof(more), " J: %d more", lines - p->skip - lower.h);
		w = (int)strlen(more);
		if (w <= lower.w) {
			grid_fill(g, (struct tui_rect){lower.x + lower.w - w, lower.y + lower.h - 1, w, 1},
				  ST_DEFAULT);
			grid_puts(g, lower.x + lower.w - w, lower.y + lower.h - 1, w, ST_DIM, more);
		}
	}
}

static bool history_busy(struct tui_pane *pane)
{
	return ((struct history_pane *)pane)->jobs.n > 0;
}

static void history_free(struct tui_pane *pane)
{
	struct history_pane *p = (struct history_pane *)pane;

	tui_pjobs_orphan(&p->jobs);
	clear_versions(p);
	free(p->table);
	free(p);
}

static const struct tui_pane_ops history_ops = {
	.draw = history_draw,
	.busy = history_busy,
	.save = NULL,
	.free = history_free,
};

/* ---- actions ---- */

static struct history_pane *need_pane(struct tui_app *app, struct tn_err *err)
{
	struct history_pane *p = pane_of(app);

	if (p == NULL)
		tn_err_set(err, TN_EINVAL, "the History pane is not open");
	return p;
}

/* The pane with a table whose versions are loaded. */
static struct history_pane *need_versions(struct tui_app *app, const char *what,
					  struct tn_err *err)
{
	struct history_pane *p = need_pane(app, err);

	if (p == NULL)
		return NULL;
	if (p->table == NULL) {
		tn_err_set(err, TN_EINVAL, "%s: no table is open (H on a table in the Catalog)",
			   what);
		return NULL;
	}
	if (cursor_version(p) == NULL) {
		tn_err_set(err, TN_EINVAL, "%s: %s", what,
			   p->loading ? "the history is still loading" : "the table has no versions");
		return NULL;
	}
	return p;
}

static int move_by(struct tui_app *app, long delta, struct tn_err *err)
{
	struct history_pane *p = need_pane(app, err);

	if (p == NULL)
		return err->code;
	if (p->nvs == 0)
		return TN_OK;
	p->cur = tui_cursor_move(p->cur, p->nvs, delta);
	free(p->diff);
	p->diff = NULL;
	p->skip = 0;
	want_files(p);
	return TN_OK;
}

TUI_MOVE_ACTIONS

TUI_SCROLL_ACTIONS(5)

static int a_details(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct history_pane *p = need_versions(app, "details", err);
	char *text, *title;

	(void)arg;
	if (p == NULL)
		return err->code;
	free(p->diff);
	p->diff = NULL;
	text = version_text(p, cursor_version(p));
	title = tn_asprintf("%s version %" PRId64, p->table, cursor_version(p)->v);
	app_show_text(app, title, text);
	free(text);
	free(title);
	return TN_OK;
}

static int a_mark(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct history_pane *p = need_versions(app, "mark", err);
	int64_t v;

	(void)arg;
	if (p == NULL)
		return err->code;
	v = cursor_version(p)->v;
	p->mark = p->mark == v ? -1 : v;
	if (p->mark >= 0)
		app_status(app, "marked version %" PRId64 ": move to another and press d to diff", v);
	else
		app_status(app, "unmarked version %" PRId64, v);
	return TN_OK;
}

static int a_diff(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct history_pane *p = need_versions(app, "diff", err);
	struct hjob *j;
	int64_t v;

	(void)arg;
	if (p == NULL)
		return err->code;
	v = cursor_version(p)->v;
	if (p->mark < 0)
		return tn_err_set(err, TN_EINVAL, "diff: mark a version first (m or Space)");
	if (p->mark == v)
		return tn_err_set(err, TN_EINVAL,
				  "diff: the cursor is on the marked version; move to another");
	if (p->diff_loading)
		return tn_err_set(err, TN_EINVAL, "diff: a diff is running");
	j = hjob_new(p, diff_work, diff_finish);
	j->a = p->mark < v ? p->mark : v; /* older */
	j->b = p->mark < v ? v : p->mark;
	p->diff_loading = true;
	submit(p, j);
	return TN_OK;
}

static int a_data(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct history_pane *p = need_versions(app, "data", err);
	char *sql, *title;
	int64_t v;

	(void)arg;
	if (p == NULL)
		return err->code;
	if (app->pane[PANE_RESULTS] == NULL)
		return tn_err_set(err, TN_EINVAL, "data: the Results pane is not open");
	v = cursor_version(p)->v;
	sql = tn_asprintf("SELECT * FROM %s VERSION AS OF %" PRId64 " LIMIT 1000", p->table, v);
	title = tn_asprintf("%s as of version %" PRId64, p->table, v);
	results_run(app->pane[PANE_RESULTS], sql, title);
	free(sql);
	free(title);
	app_view(app, VIEW_WORKBENCH);
	app_focus(app, PANE_RESULTS);
	return TN_OK;
}

static int a_restore(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct history_pane *p = need_versions(app, "restore", err);
	struct hjob *j;
	int64_t v;

	(void)arg;
	if (p == NULL)
		return err->code;
	if (app->opts.read_only)
		return tn_err_set(err, TN_EPERM, "read-only mode: RESTORE is refused");
	v = cursor_version(p)->v;
	if (v == p->vs[0].v)
		return tn_err_set(err, TN_EINVAL,
				  "restore: version %" PRId64 " is the current one; pick an older one",
				  v);
	j = hjob_new(p, info_work, info_finish);
	j->a = v;
	submit(p, j);
	return TN_OK;
}

static int a_refresh(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct history_pane *p = need_pane(app, err);

	(void)arg;
	if (p == NULL)
		return err->code;
	if (p->table == NULL)
		return tn_err_set(err, TN_EINVAL, "refresh: no table is open");
	reload(p, cursor_version(p) != NULL ? cursor_version(p)->v : -1);
	return TN_OK;
}

static int a_open(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct history_pane *p = need_pane(app, err);

	if (p == NULL)
		return err->code;
	if (arg == NULL || *arg == '\0')
		return app_ask(app, "history.open", "table", p->table ? p->table : "");
	history_open(&p->base, arg, -1);
	app_view(app, VIEW_HISTORY);
	app_focus(app, PANE_HISTORY);
	return TN_OK;
}

static const struct tui_action history_actions[] = {
	{"history.up", "Move to the newer version", CTX_HISTORY, "k, Up", a_up, false},
	{"history.down", "Move to the older version", CTX_HISTORY, "j, Down", a_down, false},
	{"history.page_up", "Move a page up the versions", CTX_HISTORY, "PgUp", a_page_up, false},
	{"history.page_down", "Move a page down the versions", CTX_HISTORY, "PgDn", a_page_down,
	 false},
	{"history.top", "Go to the newest version", CTX_HISTORY, "g g, Home", a_top, false},
	{"history.bottom", "Go to the oldest version", CTX_HISTORY, "G, End", a_bottom, false},
	{"history.scroll_down", "Scroll the version's details down", CTX_HISTORY, "J",
	 a_scroll_down, false},
	{"history.scroll_up", "Scroll the version's details up", CTX_HISTORY, "K", a_scroll_up,
	 false},
	{"history.details", "A version's parameters, metrics and files added and removed",
	 CTX_HISTORY, "Enter", a_details, false},
	{"history.mark", "Mark (or unmark) a version to diff against", CTX_HISTORY, "m, Space",
	 a_mark, false},
	{"history.diff", "Diff the marked version and the cursor's: schema, rows added, removed",
	 CTX_HISTORY, "d", a_diff, false},
	{"history.data", "Show the table's data as of the version in Results", CTX_HISTORY, "o",
	 a_data, false},
	{"history.restore", "RESTORE the table to the version (asks first)", CTX_HISTORY, "r",
	 a_restore, false},
	{"history.refresh", "Reload the table's history", CTX_HISTORY, "R", a_refresh, false},
	{"history.open", "Open a table's history by name", CTX_HISTORY, "O", a_open, false},
};

struct tui_pane *history_pane_new(struct tui_app *app)
{
	static bool registered;
	struct history_pane *p = tn_calloc(1, sizeof(*p));

	if (!registered) {
		action_register(history_actions, sizeof(history_actions) / sizeof(*history_actions));
		registered = true;
	}
	p->base.ops = &history_ops;
	p->base.app = app;
	p->base.ctx = CTX_HISTORY;
	p->base.title = "History";
	p->mark = -1;
	p->page = 10;
	return &p->base;
}
