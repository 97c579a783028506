/* pane_editor.c - the Editor pane: SQL buffers (editor.c) drawn with the
 * engine's lexer, completion, running statements, $EDITOR, and buffers
 * kept per lakehouse in LAKEHOUSE/.tarn/buffers/ across restarts. Every
 * user operation is an "editor.*" action, so recordings replay it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "sql/sql.h"
#include "tui/editor.h"
#include "tui/tui_int.h"

/* Files larger than this are not loaded into a buffer. */
#define BUFFER_FILE_MAX (16u << 20)
/* At most this many buffers, and completion items shown at once. */
#define BUFFERS_MAX 64
#define POPUP_ROWS 8

struct ebuf {
	struct editor ed;
	size_t top; /* the first line shown */
	int left;   /* the first display column shown */
};

struct editor_pane {
	struct tui_pane base;
	struct ebuf *bufs[BUFFERS_MAX];
	size_t nbufs, cur;
	struct editor_clip clip;
	char *dir; /* LAKEHOUSE/.tarn/buffers, or NULL: nothing kept */
	int page;  /* text rows at the last draw (PgUp, PgDn) */
	/* the completion popup */
	char **comp;
	size_t ncomp, comp_sel, comp_start;
	char title[96];
};

static const struct tui_pane_ops editor_ops;

static struct editor_pane *pane_of(struct tui_app *app)
{
	struct tui_pane *p = app->pane[PANE_EDITOR];

	return p != NULL && p->ops == &editor_ops ? (struct editor_pane *)p : NULL;
}

static struct editor *cur_ed(struct editor_pane *ep)
{
	return &ep->bufs[ep->cur]->ed;
}

static void update_title(struct editor_pane *ep)
{
	size_t n = (size_t)snprintf(ep->title, sizeof(ep->title), "Editor");

	for (size_t i = 0; i < ep->nbufs && n + 8 < sizeof(ep->title); i++)
		n += (size_t)snprintf(ep->title + n, sizeof(ep->title) - n,
				      i == ep->cur ? " [%zu]" : " %zu", i + 1);
	ep->base.title = ep->title;
}

static struct ebuf *buf_new(struct editor_pane *ep)
{
	struct ebuf *b = tn_calloc(1, sizeof(*b));

	editor_init(&b->ed, &ep->clip);
	return b;
}

static void buf_free(struct ebuf *b)
{
	if (b == NULL)
		return;
	editor_done(&b->ed);
	free(b);
}

/* ---- persistence ---- */

static int mkdir_one(const char *path, struct tn_err *err)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return tn_err_sys(err, errno, "mkdir %s", path);
	return TN_OK;
}

/* Write a file whole or not at all: a temporary file beside it, synced,
 * then renamed over it. */
static int write_atomic(const char *path, const char *data, size_t len, struct tn_err *err)
{
	char *tmp = tn_asprintf("%s.tmp.XXXXXX", path);
	int fd = mkstemp(tmp), rc = TN_OK;

	if (fd < 0) {
		rc = tn_err_sys(err, errno, "create %s", tmp);
		goto done;
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = tn_err_sys(err, w < 0 ? errno : EIO, "write %s", tmp);
			break;
		}
		off += (size_t)w;
	}
	if (rc == TN_OK && fsync(fd) != 0)
		rc = tn_err_sys(err, errno, "fsync %s", tmp);
	if (close(fd) != 0 && rc == TN_OK)
		rc = tn_err_sys(err, errno, "close %s", tmp);
	if (rc == TN_OK && rename(tmp, path) != 0)
		rc = tn_err_sys(err, errno, "rename %s to %s", tmp, path);
	if (rc != TN_OK)
		unlink(tmp);
done:
	free(tmp);
	return rc;
}

/* Read a whole file (NUL-terminated; caller frees). TN_ENOENT when absent. */
static int read_file(const char *path, char **out, size_t *len, struct tn_err *err)
{
	FILE *f = fopen(path, "rb");
	char *data;
	size_t n = 0, cap = 4096;

	*out = NULL;
	if (f == NULL)
		return tn_err_sys(err, errno, "open %s", path);
	data = tn_malloc(cap);
	for (;;) {
		size_t r;

		if (n + 1 == cap) {
			if (cap > BUFFER_FILE_MAX) {
				fclose(f);
				free(data);
				return tn_err_set(err, TN_ETOOBIG, "%s: larger than %u MiB", path,
						  BUFFER_FILE_MAX >> 20);
			}
			cap *= 2;
			data = tn_realloc(data, cap);
		}
		r = fread(data + n, 1, cap - 1 - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno ? errno : EIO;

		fclose(f);
		free(data);
		return tn_err_sys(err, e, "read %s", path);
	}
	fclose(f);
	data[n] = '\0';
	*out = data;
	*len = n;
	return TN_OK;
}

static char *buf_path(const struct editor_pane *ep, size_t i)
{
	return tn_asprintf("%s/buffer-%zu.sql", ep->dir, i + 1);
}

/* Write every buffer and the state file (the current buffer, the
 * cursors); buffer files past the last buffer go. */
static int save_all(struct editor_pane *ep, struct tn_err *err)
{
	struct tn_buf state;
	char *top;
	int rc;

	if (ep->dir == NULL)
		return TN_OK;
	top = tn_strdup(ep->dir);
	*strrchr(top, '/') = '\0';
	rc = mkdir_one(top, err);
	free(top);
	if (rc == TN_OK)
		rc = mkdir_one(ep->dir, err);
	if (rc != TN_OK)
		return rc;
	tn_buf_init(&state, 0);
	tn_buf_printf(&state, NULL, "# tarn editor buffers\nbuffers %zu\ncurrent %zu\n", ep->nbufs,
		      ep->cur + 1);
	for (size_t i = 0; i < ep->nbufs && rc == TN_OK; i++) {
		char *path = buf_path(ep, i);

		rc = write_atomic(path, ep->bufs[i]->ed.text, ep->bufs[i]->ed.len, err);
		free(path);
		tn_buf_printf(&state, NULL, "cursor %zu %zu\n", i + 1, ep->bufs[i]->ed.cur);
	}
	for (size_t i = ep->nbufs; rc == TN_OK && i < BUFFERS_MAX; i++) {
		char *path = buf_path(ep, i);
		int gone = unlink(path);

		free(path);
		if (gone != 0)
			break;
	}
	if (rc == TN_OK) {
		char *path = tn_asprintf("%s/state", ep->dir);

		rc = write_atomic(path, state.data, state.len, err);
		free(path);
	}
	tn_buf_done(&state);
	return rc;
}

static void save_or_report(struct editor_pane *ep)
{
	struct tn_err err = {0};

	if (save_all(ep, &err) != TN_OK)
		app_error(ep->base.app, "editor buffers not saved: %s", err.msg);
}

/* Read the buffers back; missing files are empty buffers. */
static void load_all(struct editor_pane *ep)
{
	char *path = tn_asprintf("%s/state", ep->dir), *state = NULL;
	size_t len, nbufs = 0, current = 1, cursors[BUFFERS_MAX] = {0};
	struct tn_err err = {0};
	int rc = read_file(path, &state, &len, &err);

	free(path);
	if (rc == TN_OK) {
		for (char *line = strtok(state, "\n"); line; line = strtok(NULL, "\n")) {
			size_t a, b;

			if (sscanf(line, "buffers %zu", &a) == 1)
				nbufs = a;
			else if (sscanf(line, "current %zu", &a) == 1)
				current = a;
			else if (sscanf(line, "cursor %zu %zu", &a, &b) == 2 && a >= 1 &&
				 a <= BUFFERS_MAX)
				cursors[a - 1] = b;
		}
		free(state);
	} else if (rc != TN_ENOENT) {
		app_error(ep->base.app, "editor buffers: %s", err.msg);
	}
	if (nbufs > BUFFERS_MAX)
		nbufs = BUFFERS_MAX;
	if (nbufs == 0) /* no state file: the buffer files there are */
		for (char *p; nbufs < BUFFERS_MAX; nbufs++) {
			bool there;

			p = buf_path(ep, nbufs);
			there = access(p, F_OK) == 0;
			free(p);
			if (!there)
				break;
		}
	for (size_t i = 0; i < nbufs; i++) {
		char *text = NULL;

		path = buf_path(ep, i);
		rc = read_file(path, &text, &len, &err);
		free(path);
		ep->bufs[ep->nbufs++] = buf_new(ep);
		if (rc == TN_OK)
			editor_load(&ep->bufs[i]->ed, text, len, cursors[i]);
		else if (rc != TN_ENOENT)
			app_error(ep->base.app, "editor buffers: %s", err.msg);
		free(text);
	}
	if (current >= 1 && current <= ep->nbufs)
		ep->cur = current - 1;
}

/* ---- completion ---- */

static bool comp_open(const struct editor_pane *ep)
{
	return ep->comp != NULL;
}

static void comp_close(struct editor_pane *ep)
{
	tarn_strv_free(ep->comp, ep->ncomp);
	ep->comp = NULL;
	ep->ncomp = ep->comp_sel = 0;
}

/* Candidates for the word at the cursor: names from the catalog when the
 * metadata engine is free, else keywords only. */
static void comp_fill(struct editor_pane *ep)
{
	struct tui_app *app = ep->base.app;
	struct editor *ed = cur_ed(ep);
	struct tarn_engine *e = NULL;
	char **v = NULL;
	size_t n = 0, start = ed->cur;

	comp_close(ep);
	if (app->meta != NULL && worker_idle(app->meta))
		e = worker_engine(app->meta);
	if (tarn_complete(e, ed->text, ed->cur, &start, &v, &n) != TN_OK)
		return;
	if (n == 0) {
		tarn_strv_free(v, n);
		return;
	}
	ep->comp = v;
	ep->ncomp = n;
	ep->comp_start = start;
}

static void comp_accept(struct editor_pane *ep)
{
	struct editor *ed = cur_ed(ep);
	const char *c = ep->comp[ep->comp_sel];

	editor_replace(ed, ep->comp_start, ed->cur, c, strlen(c));
	comp_close(ep);
}

/* After typing or deleting with the popup open: candidates for the word
 * as it is now (closed when the cursor left the word or none remain). */
static void comp_refresh(struct editor_pane *ep)
{
	struct editor *ed;
	size_t start;

	if (!comp_open(ep))
		return;
	ed = cur_ed(ep);
	start = ep->comp_start;
	if (ed->cur < start) {
		comp_close(ep);
		return;
	}
	comp_fill(ep);
	if (comp_open(ep) && ep->comp_start != start)
		comp_close(ep);
}

/* ---- actions ---- */

#define PANE_OR_FAIL(ep, app, err)                                                           \
	struct editor_pane *ep = pane_of(app);                                               \
	if (ep == NULL)                                                                      \
		return tn_err_set(err, TN_EINVAL, "there is no editor");

static int act_insert(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	struct editor *ed = cur_ed(ep);
	size_t n = 0, len;
	char *text;
	uint32_t cp;

	if (arg == NULL)
		return app_ask(app, "editor.insert", "Insert", "");
	len = strlen(arg);
	/* pasted text may end lines with CR or CRLF */
	text = tn_malloc(len + 1);
	for (size_t i = 0; i < len; i++) {
		if (arg[i] == '\r') {
			text[n++] = '\n';
			if (i + 1 < len && arg[i + 1] == '\n')
				i++;
		} else {
			text[n++] = arg[i];
		}
	}
	if (n > 0 && tui_utf8_decode(text, n, &cp) == n && cp != '\n')
		editor_type(ed, text, n); /* one key: typing, grouped for undo */
	else
		editor_insert(ed, text, n);
	free(text);
	comp_refresh(ep);
	return TN_OK;
}

static int act_newline(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	(void)arg;
	if (comp_open(ep))
		comp_accept(ep);
	else
		editor_newline(cur_ed(ep));
	return TN_OK;
}

static int act_backspace(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	(void)arg;
	editor_backspace(cur_ed(ep));
	comp_refresh(ep);
	return TN_OK;
}

static int act_delete(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	(void)arg;
	comp_close(ep);
	editor_delete(cur_ed(ep));
	return TN_OK;
}

static int do_move(struct tui_app *app, enum editor_move m, bool extend, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	if (comp_open(ep) && !extend && (m == EM_UP || m == EM_DOWN)) {
		/* the popup has the arrows */
		ep->comp_sel = m == EM_DOWN ? (ep->comp_sel + 1) % ep->ncomp
					    : (ep->comp_sel + ep->ncomp - 1) % ep->ncomp;
		return TN_OK;
	}
	comp_close(ep);
	editor_move(cur_ed(ep), m, extend);
	return TN_OK;
}

#define MOVE_ACTION(fn, m, extend)                                                           \
	static int fn(struct tui_app *app, const char *arg, struct tn_err *err)              \
	{                                                                                    \
		(void)arg;                                                                   \
		return do_move(app, m, extend, err);                                         \
	}
MOVE_ACTION(act_left, EM_LEFT, false)
MOVE_ACTION(act_right, EM_RIGHT, false)
MOVE_ACTION(act_up, EM_UP, false)
MOVE_ACTION(act_down, EM_DOWN, false)
MOVE_ACTION(act_word_left, EM_WORD_LEFT, false)
MOVE_ACTION(act_word_right, EM_WORD_RIGHT, false)
MOVE_ACTION(act_home, EM_HOME, false)
MOVE_ACTION(act_end, EM_END, false)
MOVE_ACTION(act_doc_start, EM_DOC_START, false)
MOVE_ACTION(act_doc_end, EM_DOC_END, false)
MOVE_ACTION(act_sel_left, EM_LEFT, true)
MOVE_ACTION(act_sel_right, EM_RIGHT, true)
MOVE_ACTION(act_sel_up, EM_UP, true)
MOVE_ACTION(act_sel_down, EM_DOWN, true)
MOVE_ACTION(act_sel_home, EM_HOME, true)
MOVE_ACTION(act_sel_end, EM_END, true)

static int do_page(struct tui_app *app, int dir, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	comp_close(ep);
	editor_page(cur_ed(ep), dir * (ep->page > 2 ? ep->page - 1 : 1), false);
	return TN_OK;
}

static int act_page_up(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	return do_page(app, -1, err);
}

static int act_page_down(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	return do_page(app, 1, err);
}

static int act_mark(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	(void)arg;
	comp_close(ep);
	editor_mark_toggle(cur_ed(ep));
	app_status(app, cur_ed(ep)->sel ? "mark set" : "mark cleared");
	return TN_OK;
}

static int act_select_all(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	(void)arg;
	comp_close(ep);
	editor_select_all(cur_ed(ep));
	return TN_OK;
}

static int act_cut(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	(void)arg;
	comp_close(ep);
	if (!editor_cut(cur_ed(ep)))
		return tn_err_set(err, TN_EINVAL, "nothing selected to cut");
	return TN_OK;
}

static int act_copy(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	(void)arg;
	comp_close(ep);
	if (!editor_copy(cur_ed(ep)))
		return tn_err_set(err, TN_EINVAL, "nothing selected to copy");
	app_copy(app, "selection", ep->clip.text);
	return TN_OK;
}

static int act_paste(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	(void)arg;
	comp_close(ep);
	if (!editor_paste(cur_ed(ep)))
		return tn_err_set(err, TN_EINVAL, "the clipboard is empty (C-x or M-w first)");
	return TN_OK;
}

static int act_undo(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	(void)arg;
	comp_close(ep);
	if (!editor_undo(cur_ed(ep)))
		return tn_err_set(err, TN_EINVAL, "nothing to undo");
	return TN_OK;
}

static int act_redo(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	(void)arg;
	comp_close(ep);
	if (!editor_redo(cur_ed(ep)))
		return tn_err_set(err, TN_EINVAL, "nothing to redo");
	return TN_OK;
}

/* [*s, *e) without the blanks around it. */
static void trim(const struct editor *ed, size_t *s, size_t *e)
{
	while (*s < *e && strchr(" \t\r\n", ed->text[*s]) != NULL)
		++*s;
	while (*e > *s && strchr(" \t\r\n", ed->text[*e - 1]) != NULL)
		--*e;
}

static void run_range(struct editor_pane *ep, size_t s, size_t e, const char *what)
{
	struct editor *ed = cur_ed(ep);
	char *sql = tn_strndup(ed->text + s, e - s);
	char title[64];

	snprintf(title, sizeof(title), "%s, buffer %zu line %zu", what, ep->cur + 1,
		 editor_line_of(ed, s) + 1);
	app_run_sql(ep->base.app, sql, title);
	free(sql);
}

static int act_run(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	struct editor *ed = cur_ed(ep);
	size_t s, e;

	(void)arg;
	comp_close(ep);
	if (editor_selection(ed, &s, &e)) {
		trim(ed, &s, &e);
		if (s == e)
			return tn_err_set(err, TN_EINVAL, "only blanks are selected");
		run_range(ep, s, e, "selection");
		return TN_OK;
	}
	tarn_sql_statement_at(ed->text, ed->len, ed->cur, &s, &e);
	if (s == e)
		return tn_err_set(err, TN_EINVAL, "no statement at the cursor");
	run_range(ep, s, e, "statement");
	return TN_OK;
}

static int act_run_all(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	struct editor *ed = cur_ed(ep);
	size_t s = 0, e = ed->len;

	(void)arg;
	comp_close(ep);
	trim(ed, &s, &e);
	if (s == e)
		return tn_err_set(err, TN_EINVAL, "the buffer is empty");
	run_range(ep, s, e, "script");
	return TN_OK;
}

static int act_complete(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	struct editor *ed = cur_ed(ep);
	char prev = ed->cur > 0 ? ed->text[ed->cur - 1] : ' ';

	(void)arg;
	if (comp_open(ep)) {
		ep->comp_sel = (ep->comp_sel + 1) % ep->ncomp;
		return TN_OK;
	}
	if (prev == ' ' || prev == '\t' || prev == '\n' || prev == '(' || prev == ',') {
		/* nothing to complete: Tab indents to the next stop */
		int col = editor_col(ed);

		editor_type(ed, "        ", (size_t)(EDITOR_TAB - col % EDITOR_TAB));
		return TN_OK;
	}
	comp_fill(ep);
	if (!comp_open(ep)) {
		app_status(app, "no completions");
		return TN_OK;
	}
	if (ep->ncomp == 1)
		comp_accept(ep);
	return TN_OK;
}

/* Move in the open completion list (Tab, Down and Up do this too). */
static int comp_step(struct tui_app *app, bool down, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	if (!comp_open(ep))
		return tn_err_set(err, TN_EINVAL, "no completion is open (Tab)");
	return do_move(app, down ? EM_DOWN : EM_UP, false, err);
}

static int act_complete_next(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	return comp_step(app, true, err);
}

static int act_complete_prev(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	return comp_step(app, false, err);
}

static int act_complete_accept(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	(void)arg;
	if (!comp_open(ep))
		return tn_err_set(err, TN_EINVAL, "no completion is open (Tab)");
	comp_accept(ep);
	return TN_OK;
}

static int act_complete_close(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	(void)arg;
	comp_close(ep);
	editor_select_none(cur_ed(ep));
	return TN_OK;
}

static void switch_to(struct editor_pane *ep, size_t i)
{
	comp_close(ep);
	ep->cur = i;
	update_title(ep);
	save_or_report(ep);
	app_status(ep->base.app, "buffer %zu of %zu", i + 1, ep->nbufs);
}

static int act_new_buffer(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	(void)arg;
	if (ep->nbufs == BUFFERS_MAX)
		return tn_err_set(err, TN_ETOOBIG, "at most %d buffers (M-k closes one)",
				  BUFFERS_MAX);
	ep->bufs[ep->nbufs++] = buf_new(ep);
	switch_to(ep, ep->nbufs - 1);
	return TN_OK;
}

static int act_next_buffer(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	(void)arg;
	switch_to(ep, (ep->cur + 1) % ep->nbufs);
	return TN_OK;
}

static int act_prev_buffer(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	(void)arg;
	switch_to(ep, (ep->cur + ep->nbufs - 1) % ep->nbufs);
	return TN_OK;
}

static void close_current(struct tui_app *app, void *arg)
{
	struct editor_pane *ep = pane_of(app);
	size_t i;

	(void)arg;
	if (ep == NULL)
		return;
	i = ep->cur;
	if (ep->nbufs == 1) {
		/* the last buffer stays, empty (undo brings the text back) */
		editor_clear(cur_ed(ep));
		switch_to(ep, 0);
		return;
	}
	buf_free(ep->bufs[i]);
	memmove(ep->bufs + i, ep->bufs + i + 1, (ep->nbufs - i - 1) * sizeof(*ep->bufs));
	ep->nbufs--;
	switch_to(ep, i < ep->nbufs ? i : ep->nbufs - 1);
}

static int act_close_buffer(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	char q[96];

	(void)arg;
	if (cur_ed(ep)->len == 0) {
		close_current(app, NULL);
		return TN_OK;
	}
	snprintf(q, sizeof(q), "Close buffer %zu (%zu lines)?", ep->cur + 1, cur_ed(ep)->nlines);
	app_confirm(app, q, close_current, NULL);
	return TN_OK;
}

static int act_clear(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	(void)arg;
	comp_close(ep);
	editor_clear(cur_ed(ep));
	return TN_OK;
}

static int act_external(struct tui_app *app, const char *arg, struct tn_err *err)
{
	PANE_OR_FAIL(ep, app, err)
	struct editor *ed = cur_ed(ep);
	const char *tmpdir = getenv("TMPDIR");
	char *path, *text = NULL;
	size_t len, cur = ed->cur;
	int fd, rc;

	(void)arg;
	comp_close(ep);
	path = tn_asprintf("%s/tarn-edit-XXXXXX.sql", tmpdir && *tmpdir ? tmpdir : "/tmp");
	fd = mkstemps(path, 4);
	if (fd < 0) {
		rc = tn_err_sys(err, errno, "create %s", path);
		free(path);
		return rc;
	}
	close(fd);
	rc = write_atomic(path, ed->text, ed->len, err);
	if (rc == TN_OK) {
		/* through sh, so that EDITOR="code -w" works */
		const char *argv[] = {"/bin/sh", "-c", "exec ${EDITOR:-vi} \"$1\"", "sh", path,
				      NULL};

		rc = app_run_external(app, argv, err);
	}
	if (rc == TN_OK)
		rc = read_file(path, &text, &len, err);
	if (rc == TN_OK && (len != ed->len || memcmp(text, ed->text, len) != 0)) {
		editor_replace(ed, 0, ed->len, text, len); /* one undo step */
		editor_goto(ed, cur < len ? cur : len);
	}
	free(text);
	unlink(path);
	free(path);
	return rc;
}

static const struct tui_action editor_actions[] = {
	{"editor.insert", "Insert text at the cursor", CTX_EDITOR, "", act_insert, false},
	{"editor.newline", "New line keeping the indentation (accepts a completion)", CTX_EDITOR,
	 "Enter", act_newline, false},
	{"editor.backspace", "Delete the character before the cursor or the selection",
	 CTX_EDITOR, "Backspace, C-h", act_backspace, false},
	{"editor.delete", "Delete the character under the cursor or the selection", CTX_EDITOR,
	 "Del, C-d", act_delete, false},
	{"editor.left", "Cursor left", CTX_EDITOR, "Left, C-b", act_left, false},
	{"editor.right", "Cursor right", CTX_EDITOR, "Right, C-f", act_right, false},
	{"editor.up", "Cursor up (previous completion)", CTX_EDITOR, "Up", act_up, false},
	{"editor.down", "Cursor down (next completion)", CTX_EDITOR, "Down, C-n", act_down,
	 false},
	{"editor.word_left", "Cursor to the previous word", CTX_EDITOR, "C-Left, M-b",
	 act_word_left, false},
	{"editor.word_right", "Cursor past the next word", CTX_EDITOR, "C-Right, M-f",
	 act_word_right, false},
	{"editor.home", "Cursor to the line's indentation, then its start", CTX_EDITOR,
	 "Home, C-a", act_home, false},
	{"editor.end", "Cursor to the end of the line", CTX_EDITOR, "End, C-e", act_end, false},
	{"editor.page_up", "Cursor a page up", CTX_EDITOR, "PgUp, M-v", act_page_up, false},
	{"editor.page_down", "Cursor a page down", CTX_EDITOR, "PgDn", act_page_down, false},
	{"editor.doc_start", "Cursor to the start of the buffer", CTX_EDITOR, "M-<",
	 act_doc_start, false},
	{"editor.doc_end", "Cursor to the end of the buffer", CTX_EDITOR, "M->", act_doc_end,
	 false},
	{"editor.select_left", "Select to the left", CTX_EDITOR, "S-Left", act_sel_left, false},
	{"editor.select_right", "Select to the right", CTX_EDITOR, "S-Right", act_sel_right,
	 false},
	{"editor.select_up", "Select up", CTX_EDITOR, "S-Up", act_sel_up, false},
	{"editor.select_down", "Select down", CTX_EDITOR, "S-Down", act_sel_down, false},
	{"editor.select_home", "Select to the start of the line", CTX_EDITOR, "S-Home",
	 act_sel_home, false},
	{"editor.select_end", "Select to the end of the line", CTX_EDITOR, "S-End", act_sel_end,
	 false},
	{"editor.mark", "Set or clear the mark (moves then select)", CTX_EDITOR, "C-Space",
	 act_mark, false},
	{"editor.select_all", "Select the whole buffer", CTX_EDITOR, "M-a", act_select_all,
	 false},
	{"editor.cut", "Cut the selection", CTX_EDITOR, "C-x", act_cut, false},
	{"editor.copy", "Copy the selection (also to the terminal's clipboard)", CTX_EDITOR,
	 "M-w", act_copy, false},
	{"editor.paste", "Paste what was cut or copied", CTX_EDITOR, "C-v", act_paste, false},
	{"editor.undo", "Undo", CTX_EDITOR, "C-z, C-_", act_undo, false},
	{"editor.redo", "Redo", CTX_EDITOR, "C-y", act_redo, false},
	{"editor.run", "Run the selection, or the statement at the cursor", CTX_EDITOR,
	 "C-r, F5", act_run, false},
	{"editor.run_all", "Run the whole buffer as a script", CTX_EDITOR, "M-r, F9",
	 act_run_all, false},
	{"editor.complete", "Complete the word (keywords, tables, columns)", CTX_EDITOR, "Tab",
	 act_complete, false},
	{"editor.complete_next", "Next completion", CTX_EDITOR, "", act_complete_next, false},
	{"editor.complete_prev", "Previous completion", CTX_EDITOR, "", act_complete_prev,
	 false},
	{"editor.complete_accept", "Take the selected completion", CTX_EDITOR, "",
	 act_complete_accept, false},
	{"editor.complete_close", "Close the completion list, end the selection", CTX_EDITOR,
	 "C-g", act_complete_close, false},
	{"editor.new_buffer", "A new buffer", CTX_EDITOR, "M-n", act_new_buffer, false},
	{"editor.next_buffer", "The next buffer", CTX_EDITOR, "M-.", act_next_buffer, false},
	{"editor.prev_buffer", "The previous buffer", CTX_EDITOR, "M-,", act_prev_buffer, false},
	{"editor.close_buffer", "Close the buffer", CTX_EDITOR, "M-k", act_close_buffer, false},
	{"editor.clear", "Delete all text of the buffer (undo brings it back)", CTX_EDITOR, "M-c",
	 act_clear, false},
	{"editor.external", "Edit the buffer in $EDITOR", CTX_EDITOR, "M-e", act_external, false},
};

/* ---- drawing ---- */

static enum tui_style tok_style(enum tarn_tok k)
{
	switch (k) {
	case TARN_TOK_COMMENT:
		return ST_COMMENT;
	case TARN_TOK_KEYWORD:
		return ST_KEYWORD;
	case TARN_TOK_IDENT:
	case TARN_TOK_PARAM:
		return ST_IDENT;
	case TARN_TOK_STRING:
		return ST_STRING;
	case TARN_TOK_NUMBER:
		return ST_NUMBER;
	case TARN_TOK_OP:
		return ST_OPERATOR;
	case TARN_TOK_ERROR:
		return ST_ERROR;
	case TARN_TOK_SPACE:
		break;
	}
	return ST_DEFAULT;
}

static bool style_tok(void *ctx, const struct tarn_token *t)
{
	memset((uint8_t *)ctx + t->start, tok_style(t->kind), t->len);
	return true;
}

/* Keep the cursor in the rows x cols shown. */
static void scroll_to_cursor(struct ebuf *b, size_t rows, int cols)
{
	size_t line = editor_line_of(&b->ed, b->ed.cur);
	int col = editor_col(&b->ed);

	if (line < b->top)
		b->top = line;
	if (line >= b->top + rows)
		b->top = line - rows + 1;
	if (b->top + rows > b->ed.nlines)
		b->top = b->ed.nlines > rows ? b->ed.nlines - rows : 0;
	if (col < b->left)
		b->left = col;
	if (col >= b->left + cols)
		b->left = col - cols + 1;
}

/* One line of text from display column left on, in w columns at (x, y). */
static void draw_line(struct tui_grid *g, const struct ebuf *b, size_t line, int x, int y,
		      int w, const uint8_t *styles)
{
	const struct editor *ed = &b->ed;
	size_t p = editor_line_start(ed, line), end = editor_line_end(ed, line), ss = 0, se = 0;
	bool sel = editor_selection(ed, &ss, &se);
	int c = 0;

	while (p < end && c < b->left + w) {
		uint32_t cp;
		size_t n = tui_utf8_decode(ed->text + p, end - p, &cp);
		int cw = cp == '\t' ? EDITOR_TAB - c % EDITOR_TAB : tui_cp_width(cp);
		enum tui_style st = sel && p >= ss && p < se ? ST_SELECTION : styles[p];

		if (cw > 0 && c >= b->left && c + cw <= b->left + w && cp != '\t')
			grid_putn(g, x + c - b->left, y, cw, st, ed->text + p, n);
		else
			/* tabs, and wide characters cut by an edge, as blanks */
			for (int k = c; k < c + cw; k++)
				if (k >= b->left && k < b->left + w)
					grid_putch(g, x + k - b->left, y, ' ', st);
		c += cw;
		p += n;
	}
	/* a selected line break shows as one selected cell */
	if (sel && end < ed->len && end >= ss && end < se && c >= b->left && c < b->left + w)
		grid_putch(g, x + c - b->left, y, ' ', ST_SELECTION);
}

static void draw_popup(struct editor_pane *ep, struct tui_grid *g, struct tui_rect r, int cx,
		       int cy)
{
	const struct ebuf *b = ep->bufs[ep->cur];
	size_t rows = ep->ncomp < POPUP_ROWS ? ep->ncomp : POPUP_ROWS, first = 0;
	size_t ls = editor_line_start(&b->ed, editor_line_of(&b->ed, ep->comp_start));
	int w = 0, x, y;

	for (size_t i = 0; i < ep->ncomp; i++) {
		int cw = tui_text_width(ep->comp[i], strlen(ep->comp[i]));

		if (cw > w)
			w = cw;
	}
	w += 2;
	if (w > r.w)
		w = r.w;
	/* under the word being completed, else above it */
	x = cx - (editor_col(&b->ed) - editor_cols(b->ed.text + ls, ep->comp_start - ls));
	if (x + w > r.x + r.w)
		x = r.x + r.w - w;
	if (x < r.x)
		x = r.x;
	y = cy + 1;
	if (y + (int)rows > r.y + r.h) {
		if (cy - (int)rows >= r.y)
			y = cy - (int)rows;
		else
			rows = (size_t)(r.y + r.h - y > 0 ? r.y + r.h - y : 0);
	}
	if (ep->comp_sel >= rows)
		first = ep->comp_sel - rows + 1;
	for (size_t i = 0; i < rows; i++) {
		enum tui_style st = first + i == ep->comp_sel ? ST_POPUP_SEL : ST_POPUP;

		grid_fill(g, (struct tui_rect){x, y + (int)i, w, 1}, st);
		grid_puts(g, x + 1, y + (int)i, w - 2, st, ep->comp[first + i]);
	}
}

static void editor_draw(struct tui_pane *p, struct tui_grid *g, struct tui_rect r, bool focused)
{
	struct editor_pane *ep = (struct editor_pane *)p;
	struct ebuf *b = ep->bufs[ep->cur];
	struct editor *ed = &b->ed;
	size_t line = editor_line_of(ed, ed->cur), rows;
	int gutter = 1, textw, cx, cy;
	uint8_t *styles;

	grid_fill(g, r, ST_DEFAULT);
	if (r.w < 2 || r.h < 1)
		return;
	for (size_t n = ed->nlines; n > 0; n /= 10)
		gutter++;
	if (gutter < 4)
		gutter = 4;
	if (gutter > r.w / 3)
		gutter = 0; /* too narrow for line numbers */
	textw = r.w - gutter;
	rows = (size_t)r.h;
	ep->page = r.h;
	scroll_to_cursor(b, rows, textw);

	styles = tn_calloc(ed->len + 1, 1);
	tarn_sql_tokens(ed->text, ed->len, style_tok, styles);
	for (size_t row = 0; row < rows && b->top + row < ed->nlines; row++) {
		size_t ln = b->top + row;
		int y = r.y + (int)row;

		if (gutter > 0)
			grid_printf(g, r.x, y, gutter - 1, ln == line ? ST_CURSOR_LINE : ST_DIM,
				    "%*zu", gutter - 1, ln + 1);
		draw_line(g, b, ln, r.x + gutter, y, textw, styles);
	}
	free(styles);
	if (ed->len == 0)
		grid_puts(g, r.x + gutter + 1, r.y, textw - 1, ST_DIM,
			  "-- SQL here: C-r runs the statement, M-r all, Tab completes");
	cx = r.x + gutter + editor_col(ed) - b->left;
	cy = r.y + (int)(line - b->top);
	if (focused) {
		g->cur_x = cx;
		g->cur_y = cy;
		g->cur_visible = true;
	}
	if (comp_open(ep))
		draw_popup(ep, g, r, cx, cy);
}

static void editor_save(struct tui_pane *p)
{
	save_or_report((struct editor_pane *)p);
}

static void editor_free(struct tui_pane *p)
{
	struct editor_pane *ep = (struct editor_pane *)p;

	if (ep == NULL)
		return;
	comp_close(ep);
	for (size_t i = 0; i < ep->nbufs; i++)
		buf_free(ep->bufs[i]);
	editor_clip_done(&ep->clip);
	free(ep->dir);
	free(ep);
}

static const struct tui_pane_ops editor_ops = {
	.draw = editor_draw,
	.busy = NULL,
	.save = editor_save,
	.free = editor_free,
};

struct tui_pane *editor_pane_new(struct tui_app *app)
{
	static bool registered;
	struct editor_pane *ep = tn_calloc(1, sizeof(*ep));

	if (!registered) {
		action_register(editor_actions, sizeof(editor_actions) / sizeof(*editor_actions));
		registered = true;
	}
	ep->base.ops = &editor_ops;
	ep->base.app = app;
	ep->base.ctx = CTX_EDITOR;
	ep->page = 10;
	if (app->lakehouse != NULL) {
		ep->dir = tn_asprintf("%s/.tarn/buffers", app->lakehouse);
		load_all(ep);
	}
	if (ep->nbufs == 0)
		ep->bufs[ep->nbufs++] = buf_new(ep);
	if (app->opts.initial_sql != NULL && cur_ed(ep)->len == 0)
		editor_load(cur_ed(ep), app->opts.initial_sql, strlen(app->opts.initial_sql),
			    strlen(app->opts.initial_sql));
	update_title(ep);
	return &ep->base;
}

void editor_insert_text(struct tui_pane *editor, const char *text)
{
	struct editor_pane *ep = (struct editor_pane *)editor;

	comp_close(ep);
	editor_insert(cur_ed(ep), text, strlen(text));
}

void editor_set_text(struct tui_pane *editor, const char *text)
{
	struct editor_pane *ep = (struct editor_pane *)editor;

	comp_close(ep);
	if (cur_ed(ep)->len > 0 && ep->nbufs < BUFFERS_MAX) {
		ep->bufs[ep->nbufs++] = buf_new(ep);
		switch_to(ep, ep->nbufs - 1);
	}
	editor_replace(cur_ed(ep), 0, cur_ed(ep)->len, text, strlen(text));
}

bool editor_popup_close(struct tui_pane *editor)
{
	struct editor_pane *ep = (struct editor_pane *)editor;
	bool was_open;

	if (editor == NULL || editor->ops != &editor_ops)
		return false;
	was_open = comp_open(ep);
	comp_close(ep);
	return was_open;
}
