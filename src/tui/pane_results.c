/* pane_results.c - the Results pane: a typed grid over a streamed result
 * that fetches as the user scrolls and never holds it all in memory.
 *
 * Threads: the open tarn_result, its batch and the appending side of the
 * resultset belong to the query worker and are only touched in jobs' run();
 * the UI thread reads the resultset and owns everything else. Each run
 * has a generation; jobs of an older one do nothing, and a run's state is
 * freed by a job, on the worker, after every job that could touch it. */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "base/time.h"
#include "cli/cmds.h"
#include "cli/format.h"
#include "sql/sql.h"
#include "tui/resultset.h"
#include "tui/tui_int.h"

#define FETCH_EXTRA    300     /* first fetch: a screenful and this many */
#define FETCH_STEP     1000    /* scrolling near the end fetches this many more */
#define FETCH_BULK     50000   /* a job's rows when fetching to the end or searching */
#define SEARCH_LIMIT   1000000 /* rows a search looks through before giving up */
#define SORT_LOCAL_MAX 100000
#define COPY_MAX_ROWS  100000
#define COPY_MAX_BYTES (32u << 20)

/* One run's result. */
struct qstate {
	/* Worker only. */
	struct tarn_result *res;
	struct tn_batch b;
	size_t bpos; /* rows of b not yet appended start here */
	int64_t appended;
	bool end;
	/* Written by the run job, read by the UI after its done(). */
	struct resultset *rs; /* NULL: no columns (a message or an error) */
	char *message;	      /* what a statement without rows did */
	char *error;	      /* the run failed: the engine's message */
	bool cancelled;	      /* it failed by being cancelled */
	char *fetch_error;    /* a later fetch failed (worker; read after done) */
	char *stmt;	      /* the last statement, without its ';' */
	atomic_uint epoch;    /* fetch jobs of an older epoch are dropped */
};

struct results {
	struct tui_pane pane;
	struct qstate *shown;	     /* what the grid shows; NULL before any run */
	uint64_t gen;		     /* the newest run */
	atomic_uint_fast64_t latest; /* the same, for the worker */
	struct qstate *wopen;	     /* worker only: whose tarn_result is open */
	int pending;		     /* jobs submitted whose done() has not run */
	bool running;		     /* a run job of the current generation */
	bool fetching;		     /* a fetch job of the current generation */
	bool want_all;		     /* fetching to the end, then to the last row */
	int64_t op_start;	     /* when the running thing started (mono us) */
	double run_ms;		     /* the last run: time to its first rows */
	char *title, *run_title;     /* what is shown, what runs */
	int64_t row, top;
	size_t col, left;
	int64_t anchor;	 /* row selection start, -1: none */
	size_t next_col; /* the cursor column when the running run is shown */
	int page;	 /* data rows at the last draw */
	int vis_cols;	 /* columns shown at the last draw */
	char *needle;	 /* the last search */
	bool search_back, searching;
	int64_t search_row; /* searching: where to go on after a fetch */
	int64_t search_scanned;
	char pane_title[160];
};

enum jkind { J_RUN, J_FETCH, J_EXPORT, J_FREE };

struct rjob {
	struct tui_job job; /* first: the worker hands this back */
	struct results *p;
	enum jkind kind;
	uint64_t gen;
	unsigned epoch;
	struct qstate *q;
	char *sql;	/* J_RUN: the text; J_EXPORT: the statement */
	int64_t target; /* J_RUN, J_FETCH: rows wanted in all */
	char *path;	/* J_EXPORT */
	enum cli_format fmt;
	bool parquet;
	int64_t nrows; /* J_EXPORT: rows written */
	int rc;
	struct tn_err err;
};

static const struct tui_pane_ops results_ops;

static struct results *pane_of(struct tui_app *app)
{
	return (struct results *)app->pane[PANE_RESULTS];
}

static struct resultset *shown_rs(struct results *p)
{
	return p->shown != NULL ? p->shown->rs : NULL;
}

/* "10,240" */
static const char *fmt_count(int64_t n, char *buf, size_t size)
{
	char digits[32];
	size_t len, o = 0;

	snprintf(digits, sizeof(digits), "%lld", (long long)n);
	len = strlen(digits);
	for (size_t i = 0; i < len && o + 2 < size; i++) {
		if (i > 0 && digits[i - 1] != '-' && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* ---------------------------------------------------------- worker side */

static void close_open(struct results *p)
{
	struct qstate *q = p->wopen;

	if (q == NULL)
		return;
	if (q->res != NULL)
		tarn_result_free(q->res);
	q->res = NULL;
	if (q->b.cols != NULL)
		tn_batch_done(&q->b);
	memset(&q->b, 0, sizeof(q->b));
	q->bpos = 0;
	p->wopen = NULL;
}

/* Append rows from q's open result until it has target rows or ends. */
static int fetch_rows(struct results *p, struct qstate *q, int64_t target, struct tn_err *err)
{
	int rc = TN_OK;

	while (!q->end && q->appended < target) {
		size_t take;

		if (q->bpos >= q->b.nrows) {
			q->bpos = 0;
			rc = q->res != NULL ? tarn_result_next(q->res, &q->b, err)
					    : tn_err_set(err, TN_EINVAL, "the result was closed");
			if (rc != TN_OK || q->b.nrows == 0) {
				q->end = true;
				break;
			}
		}
		take = q->b.nrows - q->bpos;
		if ((int64_t)take > target - q->appended)
			take = (size_t)(target - q->appended);
		rc = rs_append_batch(q->rs, &q->b, q->bpos, take, err);
		if (rc != TN_OK) {
			q->end = true;
			break;
		}
		q->bpos += take;
		q->appended += (int64_t)take;
	}
	if (q->end) {
		struct tn_err ferr;

		if (p->wopen == q)
			close_open(p);
		/* Before rs_finish: a reader that sees the end sees why. */
		if (rc != TN_OK && q->fetch_error == NULL)
			q->fetch_error = tn_strdup(err->msg);
		if (rs_finish(q->rs, &ferr) != TN_OK && rc == TN_OK)
			*err = ferr, rc = ferr.code;
		return rc;
	}
	return rs_flush(q->rs, err);
}

static bool stop_at_token(void *ctx, const struct tarn_token *t)
{
	bool *more = ctx;

	if (t->kind != TARN_TOK_SPACE && t->kind != TARN_TOK_COMMENT) {
		*more = true;
		return false;
	}
	return true;
}

/* Something but blanks and comments in s[0..n). */
static bool has_statement(const char *s, size_t n)
{
	bool more = false;

	tarn_sql_tokens(s, n, stop_at_token, &more);
	return more;
}

/* A statement's text without the ';' that ends it and the blanks around,
 * so that it can be wrapped in a subquery. */
static char *trim_statement(const char *s, size_t n)
{
	bool semi = false;

	while (n > 0 && (strchr(" \t\r\n", s[n - 1]) != NULL || (s[n - 1] == ';' && !semi))) {
		semi = semi || s[n - 1] == ';';
		n--;
	}
	return tn_strndup(s, n);
}

static void run_run(struct tui_job *job, struct tarn_engine *e)
{
	struct rjob *j = (struct rjob *)job;
	struct results *p = j->p;
	struct qstate *q = j->q;
	const char *sql = j->sql;
	size_t len = strlen(sql), off = 0;
	struct tarn_result *res = NULL;
	int nstmt = 0;

	/* A newer run replaced this one before it started. */
	if (atomic_load(&p->latest) != j->gen)
		return;
	/* The engine runs one statement at a time: close what is open. */
	close_open(p);
	while (off < len && has_statement(sql + off, len - off)) {
		size_t used = 0;

		if (res != NULL) {
			tarn_result_free(res);
			res = NULL;
		}
		j->rc = tarn_exec(e, sql + off, len - off, &used, &res, &j->err);
		nstmt++;
		if (j->rc != TN_OK) {
			if (nstmt > 1)
				tn_err_prefix(&j->err, "statement %d", nstmt);
			q->error = tn_strdup(j->err.msg);
			q->cancelled = j->rc == TN_ECANCELED;
			return;
		}
		free(q->stmt);
		q->stmt = trim_statement(sql + off, used > 0 ? used : len - off);
		if (used == 0)
			break;
		off += used;
	}
	if (res == NULL) {
		q->message = tn_strdup("nothing to run");
		return;
	}
	if (tarn_result_schema(res) == NULL || tarn_result_schema(res)->ncols == 0) {
		const char *m = tarn_result_message(res);
		int64_t n = tarn_result_rows_affected(res);

		q->message = m != NULL ? tn_strdup(m)
			     : n >= 0  ? tn_asprintf("%lld row%s affected", (long long)n,
						     n == 1 ? "" : "s")
				       : tn_strdup("OK");
		tarn_result_free(res);
		return;
	}
	q->res = res;
	q->rs = rs_new(tarn_result_schema(res));
	p->wopen = q;
	j->rc = fetch_rows(p, q, j->target, &j->err);
}

static void fetch_run(struct tui_job *job, struct tarn_engine *e)
{
	struct rjob *j = (struct rjob *)job;
	struct qstate *q = j->q;

	(void)e;
	if (atomic_load(&j->p->latest) != j->gen || atomic_load(&q->epoch) != j->epoch || q->end)
		return;
	j->rc = fetch_rows(j->p, q, j->target, &j->err);
}

static void qstate_free(struct qstate *q)
{
	if (q == NULL)
		return;
	if (q->res != NULL)
		tarn_result_free(q->res);
	if (q->b.cols != NULL)
		tn_batch_done(&q->b);
	rs_free(q->rs);
	free(q->message);
	free(q->error);
	free(q->fetch_error);
	free(q->stmt);
	free(q);
}

static void free_run(struct tui_job *job, struct tarn_engine *e)
{
	struct rjob *j = (struct rjob *)job;

	(void)e;
	if (j->p->wopen == j->q)
		close_open(j->p);
	qstate_free(j->q);
	j->q = NULL;
}

/* Rows for export: counts what goes by. */
struct counted {
	struct tarn_result *res;
	int64_t rows;
};

static int counted_next(void *src, struct tn_batch *b, struct tn_err *err)
{
	struct counted *c = src;
	int rc = tarn_result_next(c->res, b, err);

	if (rc == TN_OK)
		c->rows += (int64_t)b->nrows;
	return rc;
}

/* Write res's rows to a temporary file beside path, renamed into place
 * when complete. */
static int export_text(struct rjob *j, struct counted *c, const struct tn_schema *s)
{
	const char *slash = strrchr(j->path, '/');
	int dirlen = slash != NULL ? (int)(slash - j->path) + 1 : 0;
	char *tmp = tn_asprintf("%.*s.tarn-export.XXXXXX", dirlen, j->path);
	struct cli_writer *w;
	struct tn_batch b;
	FILE *f = NULL;
	int fd, rc;

	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = tn_err_sys(&j->err, errno, "%s: cannot create a file there", j->path);
		free(tmp);
		return rc;
	}
	f = fdopen(fd, "w");
	if (f == NULL) {
		rc = tn_err_sys(&j->err, errno, "%s", tmp);
		close(fd);
		goto fail;
	}
	memset(&b, 0, sizeof(b));
	w = cli_writer_new(f, j->fmt, s);
	rc = cli_writer_stream(w, counted_next, c, &b, -1, &j->err);
	cli_writer_free(w);
	if (b.cols != NULL)
		tn_batch_done(&b);
	if (fclose(f) != 0 && rc == TN_OK)
		rc = tn_err_sys(&j->err, errno, "%s: cannot write", j->path);
	if (rc == TN_OK && rename(tmp, j->path) != 0)
		rc = tn_err_sys(&j->err, errno, "%s: cannot put the file in place", j->path);
	if (rc == TN_OK) {
		free(tmp);
		return TN_OK;
	}
fail:
	unlink(tmp);
	free(tmp);
	return rc;
}

/* Open q's statement again and skip the rows already appended, so that
 * scrolling goes on after an export closed it. */
static void reopen(struct results *p, struct qstate *q, struct tarn_engine *e)
{
	struct tn_err err;
	size_t used;
	int64_t skip = q->appended;
	int rc = tarn_exec(e, q->stmt, strlen(q->stmt), &used, &q->res, &err);

	while (rc == TN_OK && skip > 0) {
		rc = tarn_result_next(q->res, &q->b, &err);
		if (rc == TN_OK && q->b.nrows == 0)
			rc = tn_err_set(&err, TN_EIO,
					"the statement returned fewer rows this time");
		if (rc == TN_OK && (int64_t)q->b.nrows > skip) {
			q->bpos = (size_t)skip;
			break;
		}
		if (rc == TN_OK) {
			skip -= (int64_t)q->b.nrows;
			q->bpos = q->b.nrows;
		}
	}
	p->wopen = q;
	if (rc != TN_OK) {
		close_open(p);
		q->end = true;
		free(q->fetch_error);
		q->fetch_error = tn_asprintf("cannot read on after the export: %s", err.msg);
		rs_finish(q->rs, &err);
	}
}

static void export_run(struct tui_job *job, struct tarn_engine *e)
{
	struct rjob *j = (struct rjob *)job;
	struct results *p = j->p;
	struct qstate *q = j->q;
	bool was_open = p->wopen == q && !q->end;
	struct counted c = {NULL, 0};
	const struct tn_schema *s;
	size_t used;

	close_open(p);
	j->rc = tarn_exec(e, j->sql, strlen(j->sql), &used, &c.res, &j->err);
	if (j->rc == TN_OK && c.res == NULL)
		j->rc = tn_err_set(&j->err, TN_EINVAL, "nothing to export");
	s = j->rc == TN_OK ? tarn_result_schema(c.res) : NULL;
	if (j->rc == TN_OK && (s == NULL || s->ncols == 0))
		j->rc = tn_err_set(&j->err, TN_EINVAL, "the statement returns no rows");
	if (j->rc == TN_OK && j->parquet)
		j->rc = cli_parquet_write(s, counted_next, &c, NULL, j->path, NULL, -1, NULL,
					  &j->err);
	else if (j->rc == TN_OK)
		j->rc = export_text(j, &c, s);
	j->nrows = c.rows;
	if (c.res != NULL)
		tarn_result_free(c.res);
	if (was_open && atomic_load(&p->latest) == j->gen)
		reopen(p, q, e);
}

/* ------------------------------------------------------------ UI side */

static void submit(struct results *p, struct rjob *j,
		   void (*run)(struct tui_job *, struct tarn_engine *),
		   void (*done)(struct tui_job *))
{
	j->p = p;
	j->job.run = run;
	j->job.done = done;
	p->pending++;
	worker_submit(p->pane.app->query, &j->job);
}

static void job_free(struct rjob *j)
{
	free(j->sql);
	free(j->path);
	free(j);
}

static void free_done(struct tui_job *job)
{
	struct rjob *j = (struct rjob *)job;

	/* The worker went away before running it: nothing else can touch q. */
	qstate_free(j->q);
	j->p->pending--;
	job_free(j);
}

/* Free q on the worker, after every job queued before that may use it. */
static void drop_state(struct results *p, struct qstate *q)
{
	struct rjob *j;

	if (q == NULL)
		return;
	j = tn_calloc(1, sizeof(*j));
	j->kind = J_FREE;
	j->q = q;
	submit(p, j, free_run, free_done);
}

static void set_title(struct results *p)
{
	if (p->title != NULL && p->title[0] != '\0')
		snprintf(p->pane_title, sizeof(p->pane_title), "Results%s%s",
			 p->pane.app->grid.ascii ? " - " : " \u00b7 ", p->title);
	else
		snprintf(p->pane_title, sizeof(p->pane_title), "Results");
	p->pane.title = p->pane_title;
}

static void fetch_done(struct tui_job *job);
static void search_continue(struct results *p);

static void submit_fetch(struct results *p, int64_t target)
{
	struct rjob *j;

	if (p->shown == NULL || p->shown->rs == NULL || p->fetching || p->running ||
	    rs_complete(p->shown->rs) || p->pane.app->query == NULL)
		return;
	j = tn_calloc(1, sizeof(*j));
	j->kind = J_FETCH;
	j->gen = p->gen;
	j->q = p->shown;
	j->epoch = atomic_load(&p->shown->epoch);
	j->target = target;
	p->fetching = true;
	p->op_start = tn_time_mono_us();
	submit(p, j, fetch_run, fetch_done);
}

/* Fetch more when the cursor is near the end of the rows fetched so far. */
static void ensure_rows(struct results *p)
{
	struct resultset *rs = shown_rs(p);
	int64_t have, page = p->page > 0 ? p->page : 40;

	if (rs == NULL || rs_complete(rs))
		return;
	have = rs_rows(rs);
	if (have - p->row <= page + FETCH_EXTRA / 3)
		submit_fetch(p, have + (FETCH_STEP > 2 * page ? FETCH_STEP : 2 * page));
}

static void clamp_cursor(struct results *p)
{
	struct resultset *rs = shown_rs(p);
	int64_t n = rs != NULL ? rs_rows(rs) : 0;
	size_t nc = rs != NULL ? rs_ncols(rs) : 0;

	if (p->row >= n)
		p->row = n - 1;
	if (p->row < 0)
		p->row = 0;
	if (p->col >= nc)
		p->col = nc > 0 ? nc - 1 : 0;
}

static void show_fetch_error(struct results *p)
{
	if (p->shown != NULL && p->shown->fetch_error != NULL)
		app_error(p->pane.app, "%s", p->shown->fetch_error);
}

static void go_last(struct results *p)
{
	struct resultset *rs = shown_rs(p);

	if (rs == NULL)
		return;
	if (rs_complete(rs)) {
		p->want_all = false;
		p->row = rs_rows(rs) - 1;
		clamp_cursor(p);
		return;
	}
	p->want_all = true;
	submit_fetch(p, rs_rows(rs) + FETCH_BULK);
}

static void fetch_done(struct tui_job *job)
{
	struct rjob *j = (struct rjob *)job;
	struct results *p = j->p;
	/* Not after a cancel (the epoch moved) or a new run. */
	bool current =
		j->gen == p->gen && j->q == p->shown && j->epoch == atomic_load(&j->q->epoch);

	p->pending--;
	if (current) {
		p->fetching = false;
		if (j->rc != TN_OK)
			show_fetch_error(p);
		else if (p->want_all)
			go_last(p);
		else if (p->searching)
			search_continue(p);
		else
			ensure_rows(p);
		app_redraw(p->pane.app);
	}
	job_free(j);
}

static void run_done(struct tui_job *job)
{
	struct rjob *j = (struct rjob *)job;
	struct results *p = j->p;
	struct qstate *q = j->q;

	p->pending--;
	if (j->gen != p->gen) {
		drop_state(p, q);
		job_free(j);
		return;
	}
	p->running = false;
	p->run_ms = (double)(tn_time_mono_us() - p->op_start) / 1000.0;
	drop_state(p, p->shown);
	p->shown = q;
	free(p->title);
	p->title = p->run_title;
	p->run_title = NULL;
	set_title(p);
	p->row = p->top = 0;
	p->left = 0;
	p->col = p->next_col;
	p->next_col = 0;
	p->anchor = -1;
	p->searching = false;
	if (q->error != NULL)
		app_error(p->pane.app, "%s", q->error);
	else if (q->fetch_error != NULL)
		app_error(p->pane.app, "%s", q->fetch_error);
	else if (q->message != NULL)
		app_status(p->pane.app, "%s", q->message);
	ensure_rows(p);
	app_redraw(p->pane.app);
	job_free(j);
}

void results_cancel(struct tui_pane *pane)
{
	struct results *p = (struct results *)pane;

	if (p == NULL || pane->app->query == NULL)
		return;
	worker_interrupt(pane->app->query);
	if (p->shown != NULL)
		atomic_fetch_add(&p->shown->epoch, 1);
	if (p->fetching || p->want_all || p->searching)
		app_status(pane->app, "fetching stopped");
	p->fetching = false;
	p->want_all = false;
	p->searching = false;
}

/* s with each run of blanks and newlines as one space, for a title line. */
static char *one_line(const char *s)
{
	char *out = tn_malloc(strlen(s) + 1), *o = out;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	for (; *s; s++) {
		bool blank = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r';

		if (!blank)
			*o++ = *s;
		else if (o[-1] != ' ')
			*o++ = ' ';
	}
	while (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	return out;
}

void results_run(struct tui_pane *pane, const char *sql, const char *title)
{
	struct results *p = (struct results *)pane;
	struct rjob *j;

	if (pane->app->query == NULL) {
		app_error(pane->app, "no query worker: statements cannot run");
		return;
	}
	results_cancel(pane);
	j = tn_calloc(1, sizeof(*j));
	j->kind = J_RUN;
	j->gen = ++p->gen;
	atomic_store(&p->latest, p->gen);
	j->q = tn_calloc(1, sizeof(*j->q));
	j->sql = tn_strdup(sql);
	j->target = (p->page > 0 ? p->page : 40) + FETCH_EXTRA;
	free(p->run_title);
	p->run_title = one_line(title != NULL ? title : "");
	p->running = true;
	p->op_start = tn_time_mono_us();
	submit(p, j, run_run, run_done);
	app_redraw(pane->app);
}

bool results_running(struct tui_pane *pane)
{
	struct results *p = (struct results *)pane;

	return p != NULL && p->pending > 0;
}

bool results_progress(struct tui_pane *pane, double *elapsed_ms, int64_t *rows)
{
	struct results *p = (struct results *)pane;
	struct resultset *rs;

	if (p == NULL || !(p->running || p->fetching))
		return false;
	rs = shown_rs(p);
	*elapsed_ms = (double)(tn_time_mono_us() - p->op_start) / 1000.0;
	*rows = !p->running && rs != NULL ? rs_rows(rs) : 0;
	return true;
}

/* -------------------------------------------------------------- drawing */

/* A cell in w columns: newlines as a return sign ('|' in ASCII), tabs as
 * blanks; cut with an ellipsis ('~' in ASCII) when it does not fit. */
static void draw_cell(struct tui_grid *g, int x, int y, int w, const char *text, size_t len,
		      bool numeric, enum tui_style st)
{
	char buf[512];
	size_t n = 0, i;
	int tw;

	if (w <= 0)
		return;
	if (text == NULL) {
		text = "NULL";
		len = 4;
		numeric = false;
	}
	/* Columns are at most RS_WIDTH_MAX wide: the start of a value is enough. */
	for (i = 0; i < len && n + 4 < sizeof(buf); i++) {
		if (text[i] == '\n' && !g->ascii) {
			memcpy(buf + n, "\u21b5", 3);
			n += 3;
		} else if (text[i] == '\n' || text[i] == '\t' || text[i] == '\r') {
			buf[n++] = text[i] == '\n' ? '|' : ' ';
		} else {
			buf[n++] = text[i];
		}
	}
	tw = tui_text_width(buf, n);
	if (tw > w || i < len) {
		size_t fit = tui_text_fit(buf, n, w - 1);
		int used = grid_putn(g, x, y, w - 1, st, buf, fit);

		grid_putch(g, x + used, y, g->ascii ? '~' : 0x2026, st);
		return;
	}
	grid_putn(g, numeric ? x + w - tw : x, y, w, st, buf, n);
}

/* Make the cursor column visible: move the first column shown. */
/* Column widths for the rows on screen: the estimate, widened to the
 * widest value shown (numbers must not be cut), capped. */
static int *visible_widths(struct resultset *rs, int64_t top, int body)
{
	size_t nc = rs_ncols(rs);
	int64_t end = top + body < rs_rows(rs) ? top + body : rs_rows(rs);
	int *w = tn_calloc(nc + 1, sizeof(int));

	for (size_t c = 0; c < nc; c++) {
		w[c] = rs_col(rs, c).width;
		for (int64_t r = top; r < end && w[c] < RS_WIDTH_MAX; r++) {
			const char *text;
			size_t len;
			int tw;

			if (rs_cell(rs, r, c, &text, &len, NULL) != TN_OK || text == NULL)
				continue;
			tw = tui_text_width(text, len < 4 * RS_WIDTH_MAX ? len : 4 * RS_WIDTH_MAX);
			if (tw > w[c])
				w[c] = tw < RS_WIDTH_MAX ? tw : RS_WIDTH_MAX;
		}
	}
	return w;
}

static void fit_columns(struct results *p, struct resultset *rs, const int *wid, int width)
{
	size_t nc = rs_ncols(rs);
	int used;

	if (p->col < p->left)
		p->left = p->col;
	for (;;) {
		used = 0;
		for (size_t c = p->left; c <= p->col && c < nc; c++)
			used += wid[c] + 1;
		if (used - 1 <= width || p->left == p->col)
			break;
		p->left++;
	}
}

/* Text over r, each line wrapped at its width. */
static void draw_message(struct tui_grid *g, struct tui_rect r, const char *text, enum tui_style st)
{
	int y = r.y;

	for (const char *s = text; s != NULL && *s && y < r.y + r.h;) {
		const char *nl = strchr(s, '\n');
		size_t n = nl != NULL ? (size_t)(nl - s) : strlen(s);
		size_t fit = tui_text_fit(s, n, r.w);

		if (fit == 0 && n > 0)
			fit = n; /* a character wider than the pane: let the grid clip it */
		grid_putn(g, r.x, y++, r.w, st, s, fit);
		if (fit < n)
			s += fit;
		else
			s = nl != NULL ? nl + 1 : NULL;
	}
}

static void draw_footer(struct results *p, struct tui_grid *g, struct tui_rect r, int rows_shown)
{
	struct resultset *rs = shown_rs(p);
	struct tn_buf b = TN_BUF_INIT;
	const char *sep = g->ascii ? " | " : " \u00b7 ";
	char c1[32], c2[32], c3[32];
	int y = r.y + r.h - 1, used;
	double ms = p->running || p->fetching ? (double)(tn_time_mono_us() - p->op_start) / 1000.0
					      : p->run_ms;

	if (p->running) {
		tn_buf_printf(&b, NULL, "running %s", p->run_title ? p->run_title : "");
	} else if (p->shown != NULL && rs == NULL) {
		tn_buf_puts(&b,
			    p->shown->error == NULL ? "done"
			    : p->shown->cancelled   ? "cancelled"
						    : "failed",
			    NULL);
	} else if (rs != NULL) {
		int64_t n = rs_rows(rs);
		bool done = rs_complete(rs);

		if (n == 0)
			tn_buf_printf(&b, NULL, "no rows%s", done ? "" : " yet");
		else
			tn_buf_printf(&b, NULL, "rows %s-%s of %s%s", fmt_count(p->top + 1, c1, 32),
				      fmt_count(p->top + rows_shown, c2, 32), fmt_count(n, c3, 32),
				      done ? "" : "+");
		if (p->fetching)
			tn_buf_printf(&b, NULL, "%sfetching", sep);
		else if (done && p->shown->fetch_error != NULL)
			tn_buf_printf(&b, NULL, "%sstopped early", sep);
		if (p->searching)
			tn_buf_printf(&b, NULL, "%ssearching '%s'", sep, p->needle);
		if (p->anchor >= 0)
			tn_buf_printf(&b, NULL, "%s%lld selected", sep,
				      (long long)(llabs(p->row - p->anchor) + 1));
		if (rs_ncols(rs) > 0)
			tn_buf_printf(&b, NULL, "%scol %zu/%zu", sep, p->col + 1, rs_ncols(rs));
	}
	if (p->shown != NULL || p->running)
		tn_buf_printf(&b, NULL, "%s%.*f s", sep, ms < 10000 ? 2 : 1, ms / 1000.0);
	used = b.len > 0 ? grid_putn(g, r.x, y, r.w, ST_DIM, b.data, b.len) : 0;
	/* The title (what ran) on the right when it fits. */
	if (p->title != NULL && !p->running) {
		int tw = tui_text_width(p->title, strlen(p->title));

		if (used + 3 + tw <= r.w)
			grid_puts(g, r.x + r.w - tw, y, tw, ST_DIM, p->title);
	}
	tn_buf_done(&b);
}

static bool cell_matches(const char *text, const char *needle)
{
	return text != NULL && needle != NULL && needle[0] != '\0' &&
	       strcasestr(text, needle) != NULL;
}

static void results_draw(struct tui_pane *pane, struct tui_grid *g, struct tui_rect r, bool focused)
{
	struct results *p = (struct results *)pane;
	struct resultset *rs = shown_rs(p);
	int head, body, x, rows_shown = 0, *wid;
	int64_t nrows;
	size_t nc;

	grid_fill(g, r, ST_DEFAULT);
	if (r.w < 4 || r.h < 2)
		return;
	if (p->shown == NULL) {
		draw_message(g, (struct tui_rect){r.x, r.y, r.w, r.h - 1},
			     p->running ? "running..." : "No results yet: run a statement.",
			     ST_DIM);
		draw_footer(p, g, r, 0);
		return;
	}
	if (rs == NULL) {
		struct qstate *q = p->shown;

		draw_message(g, (struct tui_rect){r.x, r.y, r.w, r.h - 1},
			     q->error != NULL ? q->error : q->message,
			     q->error != NULL ? ST_ERROR : ST_OK);
		draw_footer(p, g, r, 0);
		return;
	}
	nc = rs_ncols(rs);
	nrows = rs_rows(rs);
	head = r.h >= 8 ? 2 : 1; /* types on a second line when there is room */
	body = r.h - head - 1;
	if (body < 1)
		body = 1;
	p->page = body;
	clamp_cursor(p);
	if (p->row < p->top)
		p->top = p->row;
	if (p->row >= p->top + body)
		p->top = p->row - body + 1;
	if (p->top < 0)
		p->top = 0;
	wid = visible_widths(rs, p->top, body);
	fit_columns(p, rs, wid, r.w);

	x = r.x;
	p->vis_cols = 0;
	for (size_t c = p->left; c < nc && x < r.x + r.w; c++) {
		struct rs_col col = rs_col(rs, c);
		int w = wid[c] < r.x + r.w - x ? wid[c] : r.x + r.w - x;
		/* The cell and the blank after it, inside the pane. */
		int gap = w + 1 < r.x + r.w - x ? w + 1 : r.x + r.w - x;

		draw_cell(g, x, r.y, w, col.name, strlen(col.name), col.numeric, ST_HEADER);
		if (head == 2)
			draw_cell(g, x, r.y + 1, w, col.type, strlen(col.type), col.numeric,
				  ST_DIM);
		for (int i = 0; i < body && p->top + i < nrows; i++) {
			int64_t row = p->top + i;
			bool cur_row = row == p->row;
			bool selected = p->anchor >= 0 && ((row >= p->anchor && row <= p->row) ||
							   (row <= p->anchor && row >= p->row));
			const char *text;
			size_t len;
			enum tui_style st;

			if (rs_cell(rs, row, c, &text, &len, NULL) != TN_OK)
				break;
			if (text == NULL)
				st = ST_NULL;
			else if (cell_matches(text, p->needle))
				st = ST_MATCH;
			else
				st = col.numeric ? ST_NUMBER : ST_DEFAULT;
			if (selected)
				st = ST_SELECTION;
			else if (cur_row)
				st = ST_CURSOR_LINE;
			if (cur_row && c == p->col)
				st = focused ? ST_POPUP_SEL : ST_SELECTION;
			/* The whole width takes the row's style, then the text. */
			if (st == ST_SELECTION || st == ST_CURSOR_LINE || st == ST_POPUP_SEL)
				grid_fill(g, (struct tui_rect){x, r.y + head + i, gap, 1}, st);
			draw_cell(g, x, r.y + head + i, w, text, len, col.numeric, st);
			if (i + 1 > rows_shown)
				rows_shown = i + 1;
		}
		x += w + 1;
		p->vis_cols++;
	}
	/* The cursor row runs to the pane's edge. */
	if (p->row >= p->top && p->row < p->top + body && x < r.x + r.w)
		grid_fill(
			g,
			(struct tui_rect){x, r.y + head + (int)(p->row - p->top), r.x + r.w - x, 1},
			p->anchor >= 0 ? ST_SELECTION : ST_CURSOR_LINE);
	if (nc == 0 || nrows == 0)
		grid_puts(g, r.x, r.y + head, r.w, ST_DIM,
			  rs_complete(rs) ? "(no rows)" : "(fetching rows)");
	free(wid);
	draw_footer(p, g, r, rows_shown);
}

/* --------------------------------------------------------------- actions */

static struct results *need_rows(struct tui_app *app, struct tn_err *err)
{
	struct results *p = pane_of(app);

	if (p == NULL || shown_rs(p) == NULL || rs_rows(shown_rs(p)) == 0) {
		tn_err_set(err, TN_EINVAL, "no rows to work on");
		return NULL;
	}
	return p;
}

static int move_rows(struct tui_app *app, int64_t d)
{
	struct results *p = pane_of(app);

	if (p == NULL || shown_rs(p) == NULL)
		return TN_OK;
	p->want_all = false;
	p->row += d;
	clamp_cursor(p);
	ensure_rows(p);
	return TN_OK;
}

static int64_t page_rows(struct tui_app *app)
{
	struct results *p = pane_of(app);

	return p != NULL && p->page > 0 ? p->page : 20;
}

static int act_up(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg, (void)err;
	return move_rows(app, -1);
}

static int act_down(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg, (void)err;
	return move_rows(app, 1);
}

static int act_page_up(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg, (void)err;
	return move_rows(app, -page_rows(app));
}

static int act_page_down(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg, (void)err;
	return move_rows(app, page_rows(app));
}

static int act_half_up(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg, (void)err;
	return move_rows(app, -(page_rows(app) + 1) / 2);
}

static int act_half_down(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg, (void)err;
	return move_rows(app, (page_rows(app) + 1) / 2);
}

static int act_first_row(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg, (void)err;
	return move_rows(app, INT64_MIN / 2);
}

static int act_last_row(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct results *p = pane_of(app);

	(void)arg, (void)err;
	if (p != NULL)
		go_last(p);
	return TN_OK;
}

static int move_col(struct tui_app *app, int64_t d)
{
	struct results *p = pane_of(app);
	int64_t c;

	if (p == NULL || shown_rs(p) == NULL)
		return TN_OK;
	c = (int64_t)p->col + d;
	if (c < 0)
		c = 0;
	if (c >= (int64_t)rs_ncols(shown_rs(p)))
		c = (int64_t)rs_ncols(shown_rs(p)) - 1;
	p->col = c > 0 ? (size_t)c : 0;
	return TN_OK;
}

static int act_left(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg, (void)err;
	return move_col(app, -1);
}

static int act_right(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg, (void)err;
	return move_col(app, 1);
}

static int act_first_col(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg, (void)err;
	return move_col(app, INT64_MIN / 2);
}

static int act_last_col(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg, (void)err;
	return move_col(app, INT64_MAX / 2);
}

/* JSON objects and arrays pretty-printed (two spaces a level); anything
 * else NULL. */
static char *pretty_json(const char *text, size_t len)
{
	size_t i = 0;
	cJSON *j;
	char *s, *out;
	struct tn_buf b = TN_BUF_INIT;

	while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t'))
		i++;
	if (i == len || (text[i] != '{' && text[i] != '['))
		return NULL;
	j = cJSON_ParseWithLength(text, len);
	if (j == NULL)
		return NULL;
	s = cJSON_Print(j);
	cJSON_Delete(j);
	if (s == NULL)
		return NULL;
	/* cJSON indents with tabs, which the grid shows as '?'; strings keep
	 * their tabs escaped, so every raw tab is indentation. */
	for (const char *c = s; *c; c++)
		if (*c == '\t')
			tn_buf_puts(&b, c > s && c[-1] == ':' ? " " : "  ", NULL);
		else
			tn_buf_putc(&b, *c, NULL);
	free(s);
	out = tn_buf_detach(&b, NULL);
	return out;
}

static int act_cell_view(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct results *p = need_rows(app, err);
	struct rs_col col;
	const char *text;
	size_t len;
	char *title, *pretty = NULL;
	int rc;

	(void)arg;
	if (p == NULL)
		return err->code;
	rc = rs_cell(shown_rs(p), p->row, p->col, &text, &len, err);
	if (rc != TN_OK)
		return rc;
	col = rs_col(shown_rs(p), p->col);
	title = tn_asprintf("%s (%s), row %lld", col.name, col.type, (long long)p->row + 1);
	if (text != NULL)
		pretty = pretty_json(text, len);
	app_show_text(app, title, pretty != NULL ? pretty : text != NULL ? text : "NULL");
	free(pretty);
	free(title);
	return TN_OK;
}

/* ---- search ---- */

/* Look for the needle from (row, col) exclusive, forward or back, in at
 * most max rows of those fetched. Returns true and moves the cursor when
 * found; *next is where to go on. */
static bool scan(struct results *p, int64_t row, int64_t col, bool back, int64_t max, int64_t *next)
{
	struct resultset *rs = shown_rs(p);
	int64_t n = rs_rows(rs), nc = (int64_t)rs_ncols(rs);

	for (int64_t i = 0; i < max && row >= 0 && row < n; i++) {
		for (int64_t c = back ? col - 1 : col + 1; c >= 0 && c < nc; c += back ? -1 : 1) {
			const char *text;

			if (rs_cell(rs, row, (size_t)c, &text, NULL, NULL) == TN_OK &&
			    cell_matches(text, p->needle)) {
				p->row = row;
				p->col = (size_t)c;
				return true;
			}
		}
		row += back ? -1 : 1;
		col = back ? nc : -1;
	}
	*next = row;
	return false;
}

static void search_from(struct results *p, int64_t row, int64_t col)
{
	struct resultset *rs = shown_rs(p);
	int64_t next = row, before = rs_rows(rs);
	bool found = scan(p, row, col, p->search_back, SEARCH_LIMIT - p->search_scanned, &next);
	char c1[32];

	p->searching = false;
	if (found) {
		app_status(p->pane.app, "found '%s' at row %s", p->needle,
			   fmt_count(p->row + 1, c1, sizeof(c1)));
		ensure_rows(p);
		return;
	}
	p->search_scanned += p->search_back ? row - next : next - row;
	if (!p->search_back && !rs_complete(rs) && p->search_scanned < SEARCH_LIMIT) {
		/* Not among the rows fetched: fetch on and look again. */
		p->searching = true;
		p->search_row = next;
		submit_fetch(p, before + FETCH_BULK);
		return;
	}
	app_status(p->pane.app, "'%s' not found %s", p->needle,
		   p->search_scanned >= SEARCH_LIMIT
			   ? (p->search_back ? "in the million rows before the cursor"
					     : "in the million rows after the cursor")
		   : p->search_back ? "before the cursor"
				    : "after the cursor");
}

static void search_continue(struct results *p)
{
	search_from(p, p->search_row, -1);
}

static int start_search(struct tui_app *app, bool back, struct tn_err *err)
{
	struct results *p = need_rows(app, err);

	if (p == NULL)
		return err->code;
	if (p->needle == NULL)
		return tn_err_set(err, TN_EINVAL, "no search yet: / searches");
	p->search_back = back;
	p->search_scanned = 0;
	p->want_all = false;
	search_from(p, p->row, (int64_t)p->col);
	return TN_OK;
}

static int act_search(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct results *p = need_rows(app, err);

	if (p == NULL)
		return err->code;
	if (arg == NULL)
		return app_ask(app, "results.search", "Search rows:", p->needle);
	if (arg[0] == '\0')
		return tn_err_set(err, TN_EINVAL, "nothing to search for");
	free(p->needle);
	p->needle = tn_strdup(arg);
	return start_search(app, false, err);
}

static int act_search_next(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	return start_search(app, false, err);
}

static int act_search_prev(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	return start_search(app, true, err);
}

/* ---- sort ---- */

struct first_tok {
	bool found;
	struct tarn_token tok;
};

static bool first_word(void *ctx, const struct tarn_token *t)
{
	struct first_tok *f = ctx;

	if (t->kind == TARN_TOK_SPACE || t->kind == TARN_TOK_COMMENT)
		return true;
	f->found = true;
	f->tok = *t;
	return false;
}

/* A query that ORDER BY can wrap: reads only, starts like a query. */
static bool is_query(const char *sql)
{
	static const char *const starts[] = {"SELECT", "WITH", "VALUES", "FROM", "TABLE", "("};
	struct first_tok f = {false, {0, 0, 0}};
	struct tarn_stmt_info info;

	tarn_sql_classify(sql, strlen(sql), &info);
	if (info.writes)
		return false;
	tarn_sql_tokens(sql, strlen(sql), first_word, &f);
	if (!f.found)
		return false;
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		if (strlen(starts[i]) == f.tok.len &&
		    strncasecmp(sql + f.tok.start, starts[i], f.tok.len) == 0)
			return true;
	return false;
}

struct sort_ctx {
	char **cells;
	size_t ncols, col;
	bool numeric, desc;
};

static int sort_cmp(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *s = arg;
	int64_t ia = *(const int64_t *)a, ib = *(const int64_t *)b;
	const char *x = s->cells[(size_t)ia * s->ncols + s->col];
	const char *y = s->cells[(size_t)ib * s->ncols + s->col];
	int r;

	if (x == NULL || y == NULL)
		r = (x == NULL) - (y == NULL) == 0 ? 0 : x == NULL ? -1 : 1; /* NULL first */
	else if (s->numeric) {
		double dx = strtod(x, NULL), dy = strtod(y, NULL);

		r = dx < dy ? -1 : dx > dy ? 1 : 0;
	} else
		r = strcmp(x, y);
	if (s->desc)
		r = -r;
	return r != 0 ? r : ia < ib ? -1 : ia > ib; /* stable */
}

/* Sort the shown rows in memory (all fetched, not many). */
static int sort_local(struct results *p, size_t col, bool desc, struct tn_err *err)
{
	struct resultset *rs = shown_rs(p), *sorted;
	int64_t n = rs_rows(rs);
	size_t nc = rs_ncols(rs);
	struct sort_ctx s = {NULL, nc, col, rs_col(rs, col).numeric, desc};
	const char **names = tn_calloc(nc + 1, sizeof(char *));
	const char **types = tn_calloc(nc + 1, sizeof(char *));
	bool *numeric = tn_calloc(nc + 1, sizeof(bool));
	int64_t *order = tn_calloc((size_t)n + 1, sizeof(int64_t));
	int rc = TN_OK;

	s.cells = tn_calloc((size_t)n * nc + 1, sizeof(char *));
	for (int64_t r = 0; r < n && rc == TN_OK; r++) {
		order[r] = r;
		for (size_t c = 0; c < nc && rc == TN_OK; c++) {
			const char *text;
			size_t len;

			rc = rs_cell(rs, r, c, &text, &len, err);
			if (rc == TN_OK && text != NULL)
				s.cells[(size_t)r * nc + c] = tn_strndup(text, len);
		}
	}
	if (rc == TN_OK)
		qsort_r(order, (size_t)n, sizeof(int64_t), sort_cmp, &s);
	for (size_t c = 0; c < nc; c++) {
		struct rs_col rc_ = rs_col(rs, c);

		names[c] = rc_.name;
		types[c] = rc_.type;
		numeric[c] = rc_.numeric;
	}
	sorted = rs_new_cols(nc, names, types, numeric);
	for (int64_t r = 0; r < n && rc == TN_OK; r++)
		rc = rs_append_row(sorted, (const char *const *)&s.cells[(size_t)order[r] * nc],
				   NULL, err);
	if (rc == TN_OK)
		rc = rs_finish(sorted, err);
	if (rc == TN_OK) {
		/* Complete and with no job pending: the worker is done with it. */
		p->shown->rs = sorted;
		rs_free(rs);
	} else {
		rs_free(sorted);
	}
	for (size_t i = 0; i < (size_t)n * nc; i++)
		free(s.cells[i]);
	free(s.cells);
	free(order);
	free(names);
	free(types);
	free(numeric);
	return rc;
}

static int do_sort(struct tui_app *app, const char *arg, bool desc, struct tn_err *err)
{
	struct results *p = need_rows(app, err);
	struct resultset *rs;
	char *name, *copy, *sql, *qcol, *title;
	size_t col;
	int rc = TN_OK;

	if (p == NULL)
		return err->code;
	rs = shown_rs(p);
	col = p->col;
	if (arg != NULL && arg[0] != '\0') {
		char *sp;
		int found = -1;

		copy = tn_strdup(arg);
		name = tn_str_trim(copy);
		sp = strrchr(name, ' ');
		if (sp != NULL && (tn_str_ieq(sp + 1, "desc") || tn_str_ieq(sp + 1, "asc"))) {
			desc = tn_str_ieq(sp + 1, "desc");
			*sp = '\0';
			name = tn_str_trim(name);
		}
		if (name[0] == '`' && strlen(name) >= 2 && name[strlen(name) - 1] == '`') {
			memmove(name, name + 1, strlen(name));
			name[strlen(name) - 1] = '\0';
		}
		for (size_t c = 0; c < rs_ncols(rs) && found < 0; c++)
			if (tn_str_ieq(rs_col(rs, c).name, name))
				found = (int)c;
		if (found < 0) {
			rc = tn_err_set(err, TN_ENOENT, "no column '%s' in the result", name);
			free(copy);
			return rc;
		}
		col = (size_t)found;
		free(copy);
	}
	if (p->shown->stmt != NULL && is_query(p->shown->stmt)) {
		qcol = tui_quote_ident(rs_col(rs, col).name);
		/* The newline ends a trailing -- comment of the statement. A
		 * materialized CTE keeps the rows the statement gave: SQLite may
		 * otherwise move the ORDER BY into a subquery's LIMIT without one
		 * (legal SQL, but other rows than those on screen). */
		sql = tn_asprintf("WITH __tarn_sorted AS MATERIALIZED (%s\n) SELECT * FROM "
				  "__tarn_sorted ORDER BY %s%s",
				  p->shown->stmt, qcol, desc ? " DESC" : "");
		title = tn_asprintf("sorted by %s%s", rs_col(rs, col).name, desc ? " desc" : "");
		results_run(&p->pane, sql, title);
		p->next_col = col; /* the same columns come back */
		free(qcol);
		free(sql);
		free(title);
		return TN_OK;
	}
	if (!rs_complete(rs) || p->pending > 0)
		return tn_err_set(err, TN_EINVAL,
				  "not a query and not all rows are fetched: G fetches them, "
				  "then sort again");
	if (rs_rows(rs) > SORT_LOCAL_MAX)
		return tn_err_set(err, TN_ETOOBIG, "too many rows to sort here (more than %d)",
				  SORT_LOCAL_MAX);
	rc = sort_local(p, col, desc, err);
	if (rc == TN_OK) {
		p->row = p->top = 0;
		p->col = col;
		app_status(app, "sorted by %s%s", rs_col(shown_rs(p), col).name,
			   desc ? " descending" : "");
	}
	return rc;
}

static int act_sort(struct tui_app *app, const char *arg, struct tn_err *err)
{
	return do_sort(app, arg, false, err);
}

static int act_sort_desc(struct tui_app *app, const char *arg, struct tn_err *err)
{
	return do_sort(app, arg, true, err);
}

/* ---- copy ---- */

/* One cell for TSV: tabs and newlines escaped as cli's TSV does; NULL empty. */
static void put_tsv(struct tn_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; s != NULL && i < n; i++) {
		switch (s[i]) {
		case '\t':
			tn_buf_puts(b, "\\t", NULL);
			break;
		case '\n':
			tn_buf_puts(b, "\\n", NULL);
			break;
		case '\r':
			tn_buf_puts(b, "\\r", NULL);
			break;
		default:
			tn_buf_putc(b, s[i], NULL);
		}
	}
}

/* Rows [from, to] as TSV, with the header when header. */
static int rows_tsv(struct results *p, int64_t from, int64_t to, bool header, struct tn_buf *b,
		    struct tn_err *err)
{
	struct resultset *rs = shown_rs(p);
	size_t nc = rs_ncols(rs);

	if (to - from + 1 > COPY_MAX_ROWS)
		return tn_err_set(err, TN_ETOOBIG,
				  "%lld rows are too many to copy (at most %d): export them (e)",
				  (long long)(to - from + 1), COPY_MAX_ROWS);
	for (size_t c = 0; header && c < nc; c++) {
		const char *name = rs_col(rs, c).name;

		if (c)
			tn_buf_putc(b, '\t', NULL);
		put_tsv(b, name, strlen(name));
	}
	if (header)
		tn_buf_putc(b, '\n', NULL);
	for (int64_t r = from; r <= to; r++) {
		for (size_t c = 0; c < nc; c++) {
			const char *text;
			size_t len;
			int rc = rs_cell(rs, r, c, &text, &len, err);

			if (rc != TN_OK)
				return rc;
			if (c)
				tn_buf_putc(b, '\t', NULL);
			put_tsv(b, text, len);
		}
		tn_buf_putc(b, '\n', NULL);
		if (b->len > COPY_MAX_BYTES)
			return tn_err_set(err, TN_ETOOBIG,
					  "the rows are too big to copy: export them (e)");
	}
	return TN_OK;
}

static int copy_rows(struct tui_app *app, struct results *p, int64_t from, int64_t to, bool header,
		     const char *what, struct tn_err *err)
{
	struct tn_buf b = TN_BUF_INIT;
	int rc = rows_tsv(p, from, to, header, &b, err);

	if (rc == TN_OK)
		app_copy(app, what, b.data != NULL ? b.data : "");
	tn_buf_done(&b);
	return rc;
}

static int copy_selection(struct tui_app *app, struct results *p, struct tn_err *err)
{
	int64_t from = p->anchor < p->row ? p->anchor : p->row;
	int64_t to = p->anchor < p->row ? p->row : p->anchor;
	char *what = tn_asprintf("%lld rows", (long long)(to - from + 1));
	int rc = copy_rows(app, p, from, to, true, what, err);

	free(what);
	if (rc == TN_OK)
		p->anchor = -1;
	return rc;
}

static int act_copy(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct results *p = need_rows(app, err);
	const char *text;
	int rc;

	(void)arg;
	if (p == NULL)
		return err->code;
	if (p->anchor >= 0)
		return copy_selection(app, p, err);
	rc = rs_cell(shown_rs(p), p->row, p->col, &text, NULL, err);
	if (rc == TN_OK)
		app_copy(app, "cell", text != NULL ? text : "");
	return rc;
}

static int act_copy_row(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct results *p = need_rows(app, err);

	(void)arg;
	if (p == NULL)
		return err->code;
	if (p->anchor >= 0)
		return copy_selection(app, p, err);
	return copy_rows(app, p, p->row, p->row, false, "row", err);
}

static int act_select(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct results *p = need_rows(app, err);

	(void)arg;
	if (p == NULL)
		return err->code;
	p->anchor = p->anchor >= 0 ? -1 : p->row;
	return TN_OK;
}

/* ---- export ---- */

static void export_done(struct tui_job *job)
{
	struct rjob *j = (struct rjob *)job;
	struct results *p = j->p;
	char c1[32];

	p->pending--;
	if (j->rc != TN_OK)
		app_error(p->pane.app, "export: %s", j->err.msg);
	else
		app_status(p->pane.app, "exported %s rows to %s", fmt_count(j->nrows, c1, 32),
			   j->path);
	if (j->gen == p->gen && j->q == p->shown) {
		show_fetch_error(p);
		ensure_rows(p);
	}
	app_redraw(p->pane.app);
	job_free(j);
}

static int export_format(const char *path, enum cli_format *fmt, bool *parquet, struct tn_err *err)
{
	static const struct {
		const char *ext;
		enum cli_format fmt;
	} exts[] = {
		{".csv", CLI_FMT_CSV},		 {".tsv", CLI_FMT_TSV},	  {".jsonl", CLI_FMT_JSONL},
		{".ndjson", CLI_FMT_JSONL},	 {".json", CLI_FMT_JSON}, {".md", CLI_FMT_MARKDOWN},
		{".markdown", CLI_FMT_MARKDOWN},
	};
	char *lower = tn_str_lower(tn_strdup(path));
	bool ok = false;

	*parquet = tn_str_endswith(lower, ".parquet");
	ok = *parquet;
	for (size_t i = 0; !ok && i < sizeof(exts) / sizeof(exts[0]); i++)
		if (tn_str_endswith(lower, exts[i].ext)) {
			*fmt = exts[i].fmt;
			ok = true;
		}
	free(lower);
	if (!ok)
		return tn_err_set(err, TN_EINVAL,
				  "%s: the extension picks the format: .csv, .tsv, .json, .jsonl, "
				  ".md, .markdown or .parquet",
				  path);
	return TN_OK;
}

static int act_export(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct results *p = pane_of(app);
	struct tarn_stmt_info info;
	struct rjob *j;
	enum cli_format fmt = CLI_FMT_CSV;
	bool parquet = false;
	char *path;
	int rc;

	if (p == NULL || shown_rs(p) == NULL || p->shown->stmt == NULL)
		return tn_err_set(err, TN_EINVAL, "no result to export");
	if (arg == NULL)
		return app_ask(
			app, "results.export",
			"Export rows to (.csv .tsv .json .jsonl .md .parquet):", "results.csv");
	{
		char *copy = tn_strdup(arg), *t = tn_str_trim(copy);

		if (t[0] == '~' && t[1] == '/' && getenv("HOME") != NULL)
			path = tn_asprintf("%s%s", getenv("HOME"), t + 1);
		else
			path = tn_strdup(t);
		free(copy);
	}
	rc = export_format(path, &fmt, &parquet, err);
	tarn_sql_classify(p->shown->stmt, strlen(p->shown->stmt), &info);
	if (rc == TN_OK && info.writes)
		rc = tn_err_set(err, TN_EINVAL,
				"export runs the statement again, and %s changes data", info.what);
	if (rc == TN_OK && p->running)
		rc = tn_err_set(err, TN_EINVAL, "a statement is running");
	if (rc != TN_OK) {
		free(path);
		return rc;
	}
	j = tn_calloc(1, sizeof(*j));
	j->kind = J_EXPORT;
	j->gen = p->gen;
	j->q = p->shown;
	j->sql = tn_strdup(p->shown->stmt);
	j->path = path;
	j->fmt = fmt;
	j->parquet = parquet;
	p->op_start = tn_time_mono_us();
	submit(p, j, export_run, export_done);
	app_status(app, "exporting to %s", path);
	return TN_OK;
}

static int act_cancel(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg, (void)err;
	results_cancel(app->pane[PANE_RESULTS]);
	return TN_OK;
}

static const struct tui_action results_actions[] = {
	{"results.up", "Results: up a row", CTX_RESULTS, "Up, k", act_up, false},
	{"results.down", "Results: down a row (fetches more near the end)", CTX_RESULTS, "Down, j",
	 act_down, false},
	{"results.left", "Results: column to the left", CTX_RESULTS, "Left, h", act_left, false},
	{"results.right", "Results: column to the right", CTX_RESULTS, "Right, l", act_right,
	 false},
	{"results.page_up", "Results: up a page", CTX_RESULTS, "PgUp, C-b", act_page_up, false},
	{"results.page_down", "Results: down a page", CTX_RESULTS, "PgDn, C-f", act_page_down,
	 false},
	{"results.half_up", "Results: up half a page", CTX_RESULTS, "C-u", act_half_up, false},
	{"results.half_down", "Results: down half a page", CTX_RESULTS, "C-d", act_half_down,
	 false},
	{"results.first_col", "Results: first column", CTX_RESULTS, "Home, 0", act_first_col,
	 false},
	{"results.last_col", "Results: last column", CTX_RESULTS, "End, $", act_last_col, false},
	{"results.first_row", "Results: first row", CTX_RESULTS, "g g", act_first_row, false},
	{"results.last_row", "Results: last row (fetches every row, with progress)", CTX_RESULTS,
	 "G", act_last_row, false},
	{"results.cell_view", "Results: show the whole value (JSON pretty-printed)", CTX_RESULTS,
	 "Enter, v", act_cell_view, false},
	{"results.search", "Results: search rows from the cursor (case-insensitive)", CTX_RESULTS,
	 "/", act_search, false},
	{"results.search_next", "Results: next match of the search", CTX_RESULTS, "n",
	 act_search_next, false},
	{"results.search_prev", "Results: previous match of the search", CTX_RESULTS, "N",
	 act_search_prev, false},
	{"results.sort", "Results: sort ascending by the column (or \"COLUMN [asc|desc]\")",
	 CTX_RESULTS, "s", act_sort, false},
	{"results.sort_desc", "Results: sort descending by the column", CTX_RESULTS, "S",
	 act_sort_desc, false},
	{"results.copy", "Results: copy the cell, or the selected rows as TSV", CTX_RESULTS, "y",
	 act_copy, false},
	{"results.copy_row", "Results: copy the row (or the selected rows) as TSV", CTX_RESULTS,
	 "Y", act_copy_row, false},
	{"results.select", "Results: start or end a row selection", CTX_RESULTS, "V", act_select,
	 false},
	{"results.export",
	 "Results: export every row to FILE (.csv .tsv .json .jsonl .md .parquet)", CTX_RESULTS,
	 "e", act_export, false},
	{"results.cancel", "Results: stop the running statement or fetch", CTX_RESULTS, NULL,
	 act_cancel, false},
};

static bool results_busy(struct tui_pane *pane)
{
	return ((struct results *)pane)->pending > 0;
}

static void results_free(struct tui_pane *pane)
{
	struct results *p = (struct results *)pane;
	struct tui_worker *w = pane->app->query;

	if (w != NULL) {
		results_cancel(pane);
		atomic_store(&p->latest, ++p->gen);
		drop_state(p, p->shown);
		p->shown = NULL;
		/* Our jobs point at p: wait until every one has come back. */
		while (p->pending > 0) {
			struct pollfd pfd = {worker_wake_fd(w), POLLIN, 0};

			poll(&pfd, 1, 50);
			worker_poll(w);
		}
	} else {
		qstate_free(p->shown);
	}
	free(p->title);
	free(p->run_title);
	free(p->needle);
	free(p);
}

static const struct tui_pane_ops results_ops = {
	.draw = results_draw,
	.busy = results_busy,
	.save = NULL,
	.free = results_free,
};

struct tui_pane *results_pane_new(struct tui_app *app)
{
	struct results *p = tn_calloc(1, sizeof(*p));

	p->pane.ops = &results_ops;
	p->pane.app = app;
	p->pane.ctx = CTX_RESULTS;
	p->anchor = -1;
	atomic_init(&p->latest, 0);
	set_title(p);
	action_register(results_actions, sizeof(results_actions) / sizeof(results_actions[0]));
	return &p->pane;
}
