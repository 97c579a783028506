/* app.c - the workbench: the frame (view tabs, panes, status bar), key
 * dispatch through the action registry, the global actions, the main
 * loop over the keyboard and the workers, and replay. */
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "base/time.h"
#include "sql/sql.h"
#include "tui/app_int.h"

#define MIN_W 80
#define MIN_H 24
/* A replay step that has not settled by then is a hung engine or pane. */
#define REPLAY_STEP_TIMEOUT_MS 120000

static const char *const view_names[VIEW_COUNT] = {"Workbench", "History", "Pipelines",
						   "Shares"};

static void mark(struct tui_app *app)
{
	app_priv(app)->dirty = true;
}

/* --------------------------------------------------------------- status */

static void set_status(struct tui_app *app, bool error, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void set_status(struct tui_app *app, bool error, const char *fmt, va_list ap)
{
	vsnprintf(app->status, sizeof(app->status), fmt, ap);
	/* one line: newlines of engine messages (carets) become spaces */
	for (char *p = app->status; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	app->status_is_error = error;
	mark(app);
}

void app_status(struct tui_app *app, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_status(app, false, fmt, ap);
	va_end(ap);
}

void app_error(struct tui_app *app, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_status(app, true, fmt, ap);
	va_end(ap);
}

void app_redraw(struct tui_app *app)
{
	mark(app);
}

/* ---------------------------------------------------------------- focus */

/* The view a pane is in: History, Pipelines and Shares have one pane each. */
static enum tui_view view_of(enum tui_pane_id id)
{
	return id == PANE_HISTORY     ? VIEW_HISTORY
	       : id == PANE_PIPELINES ? VIEW_PIPELINES
	       : id == PANE_SHARES    ? VIEW_SHARES
				      : VIEW_WORKBENCH;
}

static bool pane_in_view(const struct tui_app *app, enum tui_pane_id id)
{
	return view_of(id) == app->view;
}

void app_focus(struct tui_app *app, enum tui_pane_id id)
{
	if (id >= PANE_COUNT || app->pane[id] == NULL)
		return;
	if (!pane_in_view(app, id))
		app_view(app, view_of(id));
	app->focus = id;
	if (view_of(id) == VIEW_WORKBENCH)
		app_priv(app)->wb_focus = id;
	mark(app);
}

void app_view(struct tui_app *app, enum tui_view v)
{
	if (v >= VIEW_COUNT)
		return;
	app->view = v;
	app->focus = v == VIEW_HISTORY	   ? PANE_HISTORY
		     : v == VIEW_PIPELINES ? PANE_PIPELINES
		     : v == VIEW_SHARES	   ? PANE_SHARES
					   : app_priv(app)->wb_focus;
	if (v == VIEW_PIPELINES && app->pane[PANE_PIPELINES] != NULL)
		pipelines_show(app->pane[PANE_PIPELINES]);
	if (v == VIEW_SHARES && app->pane[PANE_SHARES] != NULL)
		shares_show(app->pane[PANE_SHARES]);
	mark(app);
}

/* ------------------------------------------------------------- overlays */

static void open_overlay(struct tui_app *app, struct tui_overlay *o)
{
	overlay_free(app->overlay);
	app->overlay = o;
	mark(app);
}

void app_confirm(struct tui_app *app, const char *question, tui_confirm_fn yes, void *arg)
{
	open_overlay(app, overlay_confirm_new(question, yes, arg));
}

void app_prompt(struct tui_app *app, const char *label, const char *initial, bool secret,
		tui_prompt_fn done, void *arg)
{
	open_overlay(app, overlay_prompt_new(label, initial, secret, done, arg, NULL));
}

int app_ask(struct tui_app *app, const char *action, const char *label, const char *initial)
{
	const struct tui_action *a = action_find(action);

	open_overlay(app, overlay_prompt_new(label, initial, a != NULL && a->secret_arg, NULL,
					     NULL, action));
	app_priv(app)->ask_opened = true;
	return TN_OK;
}

void app_show_text(struct tui_app *app, const char *title, const char *text)
{
	open_overlay(app, overlay_text_new(title, text));
}

void app_show_credential(struct tui_app *app, const char *title, const char *text,
			 const char *secret, const char *copy)
{
	open_overlay(app, overlay_credential_new(title, text, secret, copy));
}

/* -------------------------------------------------------------- actions */

int app_action(struct tui_app *app, const char *name, const char *arg)
{
	struct app_priv *p = app_priv(app);
	const struct tui_action *a = action_find(name);
	struct tn_err err = {0};
	int mode, rc;

	if (a == NULL) {
		app_error(app, "unknown action '%s'", name);
		return TN_EINVAL;
	}
	mode = overlay_record_mode(app->overlay, name);
	/* An action from outside the overlay (the palette's choice, a replayed
	 * step) closes it first. */
	if (app->overlay != NULL && mode == 1 && !tn_str_startswith(name, "app.overlay_") &&
	    strcmp(name, "app.yes") != 0 && strcmp(name, "app.no") != 0 &&
	    strcmp(name, "app.close") != 0 && strcmp(name, "app.submit") != 0) {
		overlay_free(app->overlay);
		app->overlay = NULL;
	}
	p->ask_opened = false;
	rc = a->fn(app, arg, &err);
	if (app->rec != NULL && mode != 0 && !p->ask_opened)
		rec_action(app->rec, a, mode == 2 ? NULL : arg);
	p->ask_opened = false;
	if (rc != TN_OK)
		app_error(app, "%s", err.msg[0] ? err.msg : tn_code_name(rc));
	mark(app);
	return rc;
}

static int act_quit(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	app->quit = true;
	return TN_OK;
}

static int act_palette(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)err;
	open_overlay(app, overlay_palette_new(arg));
	return TN_OK;
}

static int act_help(struct tui_app *app, const char *arg, struct tn_err *err)
{
	char *text = overlay_help_text();

	(void)arg;
	(void)err;
	app_show_text(app, "Help", text);
	free(text);
	return TN_OK;
}

/* The panes of the current view, in focus order. */
static size_t view_panes(const struct tui_app *app, enum tui_pane_id out[PANE_COUNT])
{
	size_t n = 0;

	for (int i = 0; i < PANE_COUNT; i++)
		if (app->pane[i] != NULL && pane_in_view(app, (enum tui_pane_id)i))
			out[n++] = (enum tui_pane_id)i;
	return n;
}

static void focus_step(struct tui_app *app, int d)
{
	enum tui_pane_id ids[PANE_COUNT];
	size_t n = view_panes(app, ids), at = 0;

	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (ids[i] == app->focus)
			at = i;
	app_focus(app, ids[(size_t)((int)at + d + (int)n) % n]);
}

static int act_focus_next(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	focus_step(app, 1);
	return TN_OK;
}

static int act_focus_prev(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	focus_step(app, -1);
	return TN_OK;
}

/* Catalog on the left, Editor above Results on the right. */
static void focus_dir(struct tui_app *app, char dir)
{
	enum tui_pane_id f = app->focus, to = f;

	if (app->view != VIEW_WORKBENCH || app->zoomed)
		return;
	if (dir == 'h' && f != PANE_CATALOG)
		to = PANE_CATALOG;
	else if (dir == 'l' && f == PANE_CATALOG)
		to = PANE_EDITOR;
	else if (dir == 'k' && f == PANE_RESULTS)
		to = PANE_EDITOR;
	else if (dir == 'j' && f == PANE_EDITOR)
		to = PANE_RESULTS;
	app_focus(app, to);
}

static int act_left(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	focus_dir(app, 'h');
	return TN_OK;
}

static int act_right(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	focus_dir(app, 'l');
	return TN_OK;
}

static int act_up(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	focus_dir(app, 'k');
	return TN_OK;
}

static int act_down(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	focus_dir(app, 'j');
	return TN_OK;
}

static int act_zoom(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	app->zoomed = !app->zoomed;
	return TN_OK;
}

static int act_view_wb(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	app_view(app, VIEW_WORKBENCH);
	return TN_OK;
}

static int act_view_hist(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	app_view(app, VIEW_HISTORY);
	return TN_OK;
}

static int act_view_pipelines(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	app_view(app, VIEW_PIPELINES);
	return TN_OK;
}

static int act_view_shares(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	app_view(app, VIEW_SHARES);
	return TN_OK;
}

static int act_cancel(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct tui_pane *res = app->pane[PANE_RESULTS];

	(void)arg;
	(void)err;
	if (res != NULL && results_running(res)) {
		results_cancel(res);
		app_status(app, "cancelling the statement");
	} else if (app->pane[PANE_PIPELINES] != NULL &&
		   pipelines_cancel(app->pane[PANE_PIPELINES])) {
		app_status(app, "cancelling the pipeline run");
	} else if (app->status_is_error) {
		app->status[0] = '\0'; /* Esc also dismisses the last error */
		app->status_is_error = false;
	}
	return TN_OK;
}

static int term_colours(const struct tui_app *app)
{
	const struct tui_term *t = app_priv((struct tui_app *)app)->term;

	return t != NULL ? term_colors(t) : 256;
}

static int act_theme(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct tui_theme th;
	int rc;

	if (arg == NULL || *arg == '\0')
		return app_ask(app, "app.theme", "Theme (dark, light, high-contrast, monochrome):",
			       app->theme.name);
	rc = theme_load(arg, &th, err);
	if (rc != TN_OK)
		return rc;
	theme_degrade(&th, term_colours(app));
	app->theme = th;
	app_status(app, "theme %s", th.name);
	return TN_OK;
}

static int act_redraw(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	mark(app);
	return TN_OK;
}

static const struct tui_action app_actions[] = {
	{"app.quit", "leave the workbench (editor buffers are kept)", CTX_GLOBAL, "C-q", act_quit,
	 false},
	{"app.palette", "the command palette: find an action by name and run it", CTX_GLOBAL,
	 "C-p, :", act_palette, false},
	{"app.help", "every action with its keys", CTX_GLOBAL, "?, F1, C-w ?", act_help, false},
	{"app.focus_next", "focus the next pane", CTX_GLOBAL, "C-w w, Tab, F6",
	 act_focus_next, false},
	{"app.focus_prev", "focus the previous pane", CTX_GLOBAL, "C-w W, C-w p, S-Tab",
	 act_focus_prev, false},
	{"app.focus_left", "focus the pane on the left (Catalog)", CTX_GLOBAL,
	 "C-w h, C-w Left, M-Left", act_left, false},
	{"app.focus_right", "focus the pane on the right (Editor)", CTX_GLOBAL,
	 "C-w l, C-w Right, M-Right", act_right, false},
	{"app.focus_up", "focus the pane above (Editor)", CTX_GLOBAL, "C-w k, C-w Up, M-Up",
	 act_up, false},
	{"app.focus_down", "focus the pane below (Results)", CTX_GLOBAL,
	 "C-w j, C-w Down, M-Down", act_down, false},
	{"app.zoom", "let the focused pane fill the view, or stop", CTX_GLOBAL, "C-w z, C-w o",
	 act_zoom, false},
	{"app.view_workbench", "the workbench view: Catalog, Editor, Results", CTX_GLOBAL,
	 "C-w 1, M-1", act_view_wb, false},
	{"app.view_history", "the History view: a table's versions, diff, restore", CTX_GLOBAL,
	 "C-w 2, M-2", act_view_hist, false},
	{"app.view_pipelines", "the Pipelines view: runs and DAGs", CTX_GLOBAL, "C-w 3, M-3",
	 act_view_pipelines, false},
	{"app.view_shares", "the Shares view: Delta Sharing shares, recipients, grants",
	 CTX_GLOBAL, "C-w 4, M-4", act_view_shares, false},
	{"app.cancel", "cancel a statement or pipeline run", CTX_GLOBAL, "Esc, C-c",
	 act_cancel, false},
	{"app.theme", "switch the colour theme", CTX_GLOBAL, "", act_theme, false},
	{"app.redraw", "draw the screen again", CTX_GLOBAL, "C-l", act_redraw, false},
};

/* ----------------------------------------------------------------- keys */

static void app_key(struct tui_app *app, int key)
{
	struct app_priv *p = app_priv(app);
	const struct tui_action *a;
	struct tui_pane *pane = app->pane[app->focus];
	enum tui_ctx ctx = pane != NULL ? pane->ctx : CTX_GLOBAL;
	bool prefix = false;
	char arg[16], name[64];

	if (key == TK_RESIZE) {
		if (p->term != NULL) {
			int w, h;

			term_size(p->term, &w, &h);
			grid_resize(&app->grid, w, h);
			rec_resize(app->rec, w, h);
		}
		mark(app);
		return;
	}
	if (app->rec != NULL && !overlay_secret(app->overlay))
		rec_input(app->rec, key);
	if (app->overlay != NULL) {
		const char *act = overlay_key(app->overlay, key, arg, sizeof(arg));

		p->npending = 0;
		if (act != NULL)
			app_action(app, act, strcmp(act, "app.overlay_insert") == 0 ? arg : NULL);
		return;
	}
	if (p->npending >= 2)
		p->npending = 0;
	p->pending[p->npending++] = key;
	a = keymap_lookup_in(ctx, p->pending, p->npending, &prefix);
	if (a == NULL && !prefix && p->npending == 1 && key_is_text(key) && ctx != CTX_GLOBAL) {
		snprintf(name, sizeof(name), "%s.insert", tui_ctx_names[ctx]);
		if (action_find(name) != NULL) {
			size_t n = key_encode(key, arg, sizeof(arg) - 1);

			arg[n] = '\0';
			p->npending = 0;
			app_action(app, name, arg);
			return;
		}
	}
	if (a == NULL && !prefix && ctx != CTX_GLOBAL)
		a = keymap_lookup_in(CTX_GLOBAL, p->pending, p->npending, &prefix);
	if (a != NULL) {
		if (p->npending == 2 && tn_str_endswith(app->status, " ..."))
			app->status[0] = '\0'; /* the prefix's hint has done its job */
		p->npending = 0;
		app_action(app, a->name, NULL);
	} else if (prefix) {
		key_name(key, name, sizeof(name));
		app_status(app, "%s ...", name);
	} else {
		char k1[32], k2[32];

		key_name(p->pending[0], k1, sizeof(k1));
		if (p->npending == 2)
			key_name(p->pending[1], k2, sizeof(k2));
		app_status(app, "%s%s%s is not bound here (? shows the keys)", k1,
			   p->npending == 2 ? " " : "", p->npending == 2 ? k2 : "");
		p->npending = 0;
	}
}

/* -------------------------------------------------------------- drawing */

static void draw_tabs(struct tui_app *app, struct tui_grid *g)
{
	int x = 0;

	grid_fill(g, (struct tui_rect){0, 0, g->w, 1}, ST_TAB);
	for (int v = 0; v < VIEW_COUNT; v++)
		x += grid_printf(g, x, 0, g->w - x, v == (int)app->view ? ST_TAB_ACTIVE : ST_TAB,
				 " %d %s ", v + 1, view_names[v]);
	if (app->zoomed)
		grid_puts(g, x + 1, 0, g->w - x - 1, ST_TAB, "[zoom]");
}

static void draw_pane(struct tui_app *app, struct tui_grid *g, enum tui_pane_id id,
		      struct tui_rect r)
{
	struct tui_pane *p = app->pane[id];
	bool focused = app->focus == id;
	struct tui_rect in = {r.x + 1, r.y + 1, r.w - 2, r.h - 2};

	if (p == NULL || r.w < 3 || r.h < 3)
		return;
	grid_fill(g, r, ST_DEFAULT);
	grid_box(g, r, focused ? ST_BORDER_FOCUS : ST_BORDER, p->title,
		 focused ? ST_TITLE_FOCUS : ST_TITLE);
	p->ops->draw(p, g, in, focused);
}

static void draw_view(struct tui_app *app, struct tui_grid *g, struct tui_rect v)
{
	int cw, eh;

	if (app->zoomed || app->view != VIEW_WORKBENCH) {
		draw_pane(app, g, app->focus, v);
		return;
	}
	cw = v.w / 4 < 24 ? 24 : v.w / 4;
	eh = v.h * 2 / 5 < 6 ? 6 : v.h * 2 / 5;
	draw_pane(app, g, PANE_CATALOG, (struct tui_rect){v.x, v.y, cw, v.h});
	draw_pane(app, g, PANE_EDITOR, (struct tui_rect){v.x + cw, v.y, v.w - cw, eh});
	draw_pane(app, g, PANE_RESULTS, (struct tui_rect){v.x + cw, v.y + eh, v.w - cw, v.h - eh});
}

static void draw_status(struct tui_app *app, struct tui_grid *g)
{
	static const char hints[] = "? help  : palette";
	struct tui_pane *res = app->pane[PANE_RESULTS];
	double ms;
	int64_t rows;
	int y = g->h - 1, x = 0, hw = (int)sizeof(hints) - 1;
	char pl[160];
	bool running = res != NULL && results_progress(res, &ms, &rows);

	grid_fill(g, (struct tui_rect){0, y, g->w, 1}, ST_STATUS);
	/* The current catalog and schema only while the query worker is idle:
	 * its engine belongs to the worker thread otherwise. */
	if (app->query != NULL && worker_idle(app->query)) {
		struct tarn_engine *e = worker_engine(app->query);

		tn_strlcpy(app->catalog, tarn_engine_catalog(e), sizeof(app->catalog));
		tn_strlcpy(app->schema, tarn_engine_schema(e), sizeof(app->schema));
	}
	x += grid_printf(g, x, y, g->w - x, ST_STATUS, " %s ", tn_path_base(app->lakehouse));
	if (app->catalog[0] != '\0')
		x += grid_printf(g, x, y, g->w - x, ST_STATUS, " %s.%s ", app->catalog,
				 app->schema);
	if (app->opts.read_only)
		x += grid_puts(g, x, y, g->w - x, ST_STATUS, " read-only ");
	x++;
	if (running)
		x += grid_printf(g, x, y, g->w - x - hw - 2, ST_STATUS_BUSY,
				 " running %.1f s, %lld rows  Esc cancels ", ms / 1000.0,
				 (long long)rows) + 1;
	if (app->pane[PANE_PIPELINES] != NULL &&
	    pipelines_running(app->pane[PANE_PIPELINES], pl, sizeof(pl)))
		x += grid_printf(g, x, y, g->w - x - hw - 2, ST_STATUS_BUSY, " %s  Esc cancels ",
				 pl) + 1;
	if (app->status[0] != '\0')
		grid_printf(g, x, y, g->w - x - hw - 2,
			    app->status_is_error ? ST_STATUS_ERR : ST_STATUS, " %s ", app->status);
	if (g->w - hw - 1 > x)
		grid_puts(g, g->w - hw - 1, y, hw, ST_STATUS, hints);
}

static void draw_too_small(struct tui_app *app, struct tui_grid *g)
{
	char l1[64], l2[64];
	const char *l3 = "make the window larger, or press C-q to quit";
	int y = g->h / 2 - 1;

	(void)app;
	snprintf(l1, sizeof(l1), "terminal too small: %dx%d", g->w, g->h);
	snprintf(l2, sizeof(l2), "tarn needs at least %dx%d", MIN_W, MIN_H);
	grid_fill(g, (struct tui_rect){0, 0, g->w, g->h}, ST_DEFAULT);
	grid_puts(g, (g->w - (int)strlen(l1)) / 2 > 0 ? (g->w - (int)strlen(l1)) / 2 : 0, y,
		  g->w, ST_ERROR, l1);
	grid_puts(g, (g->w - (int)strlen(l2)) / 2 > 0 ? (g->w - (int)strlen(l2)) / 2 : 0, y + 1,
		  g->w, ST_DEFAULT, l2);
	grid_puts(g, (g->w - (int)strlen(l3)) / 2 > 0 ? (g->w - (int)strlen(l3)) / 2 : 0, y + 2,
		  g->w, ST_DIM, l3);
}

static void render(struct tui_app *app)
{
	struct tui_grid *g = &app->grid;

	g->cur_visible = false;
	grid_fill(g, (struct tui_rect){0, 0, g->w, g->h}, ST_DEFAULT);
	if (g->w < MIN_W || g->h < MIN_H) {
		draw_too_small(app, g);
	} else {
		draw_tabs(app, g);
		draw_view(app, g, (struct tui_rect){0, 1, g->w, g->h - 2});
		draw_status(app, g);
		if (app->overlay != NULL)
			overlay_draw(app->overlay, g, &app->theme);
	}
}

/* Draw the frame to the grid, the terminal and the recording. */
static void frame(struct tui_app *app)
{
	struct app_priv *p = app_priv(app);

	render(app);
	if (p->term != NULL)
		term_draw(p->term, &app->grid, &app->theme);
	if (app->rec != NULL)
		rec_frame(app->rec, &app->grid, &app->theme);
	p->dirty = false;
}

/* ------------------------------------------------------------ statements */

/* One allocation (app_confirm frees its arg with free()). */
struct sql_job {
	char *title; /* into sql */
	char sql[];
};

struct split_ctx {
	const char *text;
	size_t start;           /* where the current statement began */
	bool has_code;          /* it has a token that is not a blank or comment */
	struct tarn_stmt_info worst; /* the first destructive (or writing) one */
	bool writes, destructive;
	struct tn_buf what;     /* what the destructive ones do */
};

static void classify(struct split_ctx *c, size_t end)
{
	struct tarn_stmt_info info;

	if (!c->has_code)
		return;
	tarn_sql_classify(c->text + c->start, end - c->start, &info);
	if (info.writes && !c->writes) {
		c->writes = true;
		c->worst = info;
	}
	if (info.destructive) {
		c->destructive = true;
		tn_buf_printf(&c->what, NULL, "%s%s", c->what.len ? ", " : "", info.what);
	}
}

static bool split_tok(void *ctx, const struct tarn_token *t)
{
	struct split_ctx *c = ctx;

	if (t->kind == TARN_TOK_OP && t->len == 1 && c->text[t->start] == ';') {
		classify(c, t->start);
		c->start = t->start + 1;
		c->has_code = false;
	} else if (t->kind != TARN_TOK_SPACE && t->kind != TARN_TOK_COMMENT) {
		c->has_code = true;
	}
	return true;
}

/* Read-only mode refuses writes: false when sql may not run. */
static bool allowed(struct tui_app *app, struct split_ctx *c)
{
	if (app->opts.read_only && c->writes) {
		app_error(app,
			  "read-only: %s not run",
			  c->worst.what);
		return false;
	}
	return true;
}

static void scan(struct split_ctx *c, const char *sql)
{
	size_t len = strlen(sql);

	memset(c, 0, sizeof(*c));
	c->text = sql;
	tarn_sql_tokens(sql, len, split_tok, c);
	classify(c, len);
}

void app_run_sql_now(struct tui_app *app, const char *sql, const char *title)
{
	struct split_ctx c;

	scan(&c, sql);
	if (allowed(app, &c) && app->pane[PANE_RESULTS] != NULL)
		results_run(app->pane[PANE_RESULTS], sql, title);
	tn_buf_done(&c.what);
}

static void run_confirmed(struct tui_app *app, void *arg)
{
	struct sql_job *j = arg;

	app_run_sql_now(app, j->sql, j->title);
}

/* What a destructive statement does, for its confirmation. */
static const char *consequence(const char *what)
{
	if (strncmp(what, "DROP", 4) == 0)
		return "the object goes from the catalog, and a managed table's data with it.";
	if (strncmp(what, "TRUNCATE", 8) == 0 || strncmp(what, "DELETE", 6) == 0)
		return "every row of the table goes (RESTORE of the previous version brings them "
		       "back).";
	if (strncmp(what, "UPDATE", 6) == 0)
		return "every row of the table changes (RESTORE of the previous version undoes it).";
	if (strncmp(what, "VACUUM", 6) == 0)
		return "old data files are deleted for good: time travel to the versions that used "
		       "them stops working.";
	if (strncmp(what, "RESTORE", 7) == 0)
		return "the table's data becomes an earlier version's (written as a new version).";
	return "the table's current data is replaced (earlier versions stay in its history).";
}

void app_run_sql(struct tui_app *app, const char *sql, const char *title)
{
	struct split_ctx c;

	scan(&c, sql);
	if (!allowed(app, &c)) {
		tn_buf_done(&c.what);
		return;
	}
	if (c.destructive && !app->opts.no_confirm) {
		size_t ns = strlen(sql) + 1, nt = strlen(title != NULL ? title : "") + 1;
		struct sql_job *j = tn_malloc(sizeof(*j) + ns + nt);
		char *q = tn_asprintf("%s: %s Run it?", c.what.data, consequence(c.what.data));

		memcpy(j->sql, sql, ns);
		j->title = j->sql + ns;
		memcpy(j->title, title != NULL ? title : "", nt);
		app_confirm(app, q, run_confirmed, j);
		free(q);
	} else if (app->pane[PANE_RESULTS] != NULL) {
		results_run(app->pane[PANE_RESULTS], sql, title);
	}
	tn_buf_done(&c.what);
}

/* ------------------------------------------------------- copy, programs */

static char *base64(const char *s, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = tn_malloc((n + 2) / 3 * 4 + 1), *o = out;
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)u[i] << 16 | (i + 1 < n ? (uint32_t)u[i + 1] << 8 : 0) |
			     (i + 2 < n ? u[i + 2] : 0);

		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		*o++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* $XDG_STATE_HOME/tarn/clipboard, else ~/.local/state/tarn/clipboard,
 * with its directories made (0700). Caller frees. */
static char *clipboard_path(void)
{
	const char *st = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *dir = st != NULL && *st ? tn_asprintf("%s/tarn", st)
				     : tn_asprintf("%s/.local/state/tarn", home ? home : ".");
	char *path = tn_asprintf("%s/clipboard", dir);

	for (char *p = dir + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0700);
			*p = '/';
		}
	mkdir(dir, 0700);
	free(dir);
	return path;
}

void app_copy(struct tui_app *app, const char *what, const char *text)
{
	struct app_priv *p = app_priv(app);
	size_t n = strlen(text);
	char *path = clipboard_path();
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	bool saved = false;

	if (fd >= 0) {
		ssize_t w = 0;

		fchmod(fd, 0600);
		for (size_t off = 0; off < n && w >= 0; off += (size_t)w)
			w = write(fd, text + off, n - off);
		saved = w >= 0 && close(fd) == 0;
		if (w < 0)
			close(fd);
	}
	if (p->term != NULL) {
		char *b64 = base64(text, n), *seq = tn_asprintf("\033]52;c;%s\a", b64);

		term_raw(p->term, seq, strlen(seq));
		free(seq);
		free(b64);
		if (saved)
			app_status(app, "copied %s (%zu bytes) to the clipboard (OSC 52) and %s", what,
				   n, path);
		else
			app_status(app, "copied %s (%zu bytes) to the clipboard (OSC 52); %s: %s",
				   what, n, path, strerror(errno));
	} else if (saved) {
		app_status(app, "copied %s (%zu bytes) to %s", what, n, path);
	} else {
		app_error(app, "cannot write %s: %s", path, strerror(errno));
	}
	free(path);
}

int app_run_external(struct tui_app *app, const char *const argv[], struct tn_err *err)
{
	struct app_priv *p = app_priv(app);
	pid_t pid;
	int status = 0;

	if (p->term == NULL)
		return tn_err_set(err, TN_EINVAL, "cannot run %s without a terminal (headless)",
				  argv[0]);
	term_suspend(p->term);
	pid = fork();
	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "tarn: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	term_resume(p->term);
	mark(app);
	if (pid < 0)
		return tn_err_sys(err, errno, "cannot start %s", argv[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return tn_err_set(err, TN_EIO, "%s failed (%s %d)", argv[0],
				  WIFEXITED(status) ? "exit status" : "signal",
				  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return TN_OK;
}

/* ------------------------------------------------------------------ loop */

static int poll_workers(struct tui_app *app)
{
	int n = 0;

	if (app->query != NULL)
		n += worker_poll(app->query);
	if (app->meta != NULL)
		n += worker_poll(app->meta);
	if (n > 0)
		mark(app);
	return n;
}

static bool busy(struct tui_app *app)
{
	if ((app->query != NULL && !worker_idle(app->query)) ||
	    (app->meta != NULL && !worker_idle(app->meta)))
		return true;
	for (int i = 0; i < PANE_COUNT; i++) {
		struct tui_pane *p = app->pane[i];

		if (p != NULL && p->ops->busy != NULL && p->ops->busy(p))
			return true;
	}
	return false;
}

/* Wait on the workers' wake fds for at most ms. */
static void wait_workers(struct tui_app *app, int ms)
{
	struct pollfd fds[2];
	nfds_t n = 0;

	if (app->query != NULL)
		fds[n++] = (struct pollfd){worker_wake_fd(app->query), POLLIN, 0};
	if (app->meta != NULL)
		fds[n++] = (struct pollfd){worker_wake_fd(app->meta), POLLIN, 0};
	poll(fds, n, ms);
}

/* "WHAT MS [FLAG] wall=S": the wall clock lets bench/tui.sh measure from
 * before the exec and from when tmux sent a key. */
static void trace(struct tui_app *app, const char *what, int64_t since_us, const char *flag)
{
	FILE *f = app_priv(app)->trace;

	if (f != NULL) {
		fprintf(f, "%s %.3f%s%s wall=%.6f\n", what,
			(double)(tn_time_mono_us() - since_us) / 1000.0, flag ? " " : "",
			flag ? flag : "", (double)tn_time_now_us() / 1e6);
		fflush(f);
	}
}

/* start_us: tui_main's start, for the trace's ready_ms (the screen is up
 * to date and nothing is loading: the catalog is shown). */
static void loop(struct tui_app *app, int64_t start_us)
{
	struct app_priv *p = app_priv(app);
	int fds[2] = {app->query ? worker_wake_fd(app->query) : -1,
		      app->meta ? worker_wake_fd(app->meta) : -1};
	bool ready = false;

	while (!app->quit) {
		struct tui_pane *res = app->pane[PANE_RESULTS];
		/* A pipeline's progress arrives without waking the loop: draw
		 * it on the same tick as a statement's elapsed time. */
		bool running = (res != NULL && results_running(res)) ||
			       (app->pane[PANE_PIPELINES] != NULL &&
				pipelines_running(app->pane[PANE_PIPELINES], NULL, 0));
		int key;
		int64_t t0;

		if (!ready && !p->dirty && !busy(app)) {
			ready = true;
			trace(app, "ready_ms", start_us, NULL);
		}
		key = term_key_fds(p->term, running ? 200 : -1, fds, 2);
		t0 = tn_time_mono_us();

		if (key != 0)
			app_key(app, key);
		poll_workers(app);
		if (running)
			mark(app); /* the elapsed time in the status bar */
		if (p->dirty && !app->quit) {
			frame(app);
			if (key != 0)
				trace(app, "key_frame_ms", t0, running ? "running" : NULL);
		}
	}
}

/* ---------------------------------------------------------------- replay */

static int replay_settle(struct tui_app *app, size_t i, const struct tui_step *s,
			 struct tn_err *err)
{
	int64_t start = tn_time_mono_us();

	for (;;) {
		int n = poll_workers(app);

		if (n == 0 && !busy(app))
			return TN_OK;
		if ((tn_time_mono_us() - start) / 1000 > REPLAY_STEP_TIMEOUT_MS && s == NULL)
			return tn_err_set(err, TN_EIO,
					  "replay %s: the workbench did not settle within %d s of "
					  "starting",
					  app->opts.replay, REPLAY_STEP_TIMEOUT_MS / 1000);
		if ((tn_time_mono_us() - start) / 1000 > REPLAY_STEP_TIMEOUT_MS)
			return tn_err_set(err, TN_EIO,
					  "replay %s: step %zu (%s%s at %.2f s) did not finish within "
					  "%d s",
					  app->opts.replay, i + 1,
					  s->kind == 'm' ? "action " : s->kind == 'i' ? "keys" : "resize",
					  s->kind == 'm' ? s->action : "", s->time,
					  REPLAY_STEP_TIMEOUT_MS / 1000);
		if (n == 0)
			wait_workers(app, 20);
	}
}

/* A step followed by a cancel cannot wait for the engine to be idle (the
 * statement may never end): it waits until the statement has run for a
 * while, or has ended by itself. */
#define REPLAY_CANCEL_LEAD_MS 300

static bool cancels(const struct tui_step *s)
{
	return s->kind == 'm' &&
	       (strcmp(s->action, "app.cancel") == 0 || strcmp(s->action, "results.cancel") == 0);
}

static void replay_lead(struct tui_app *app)
{
	struct tui_pane *res = app->pane[PANE_RESULTS];
	int64_t start = tn_time_mono_us();

	while ((tn_time_mono_us() - start) / 1000 < REPLAY_STEP_TIMEOUT_MS) {
		double ms = 0;
		int64_t rows = 0;

		poll_workers(app);
		if (res == NULL || !results_running(res))
			return;
		if (results_progress(res, &ms, &rows) && ms >= REPLAY_CANCEL_LEAD_MS)
			return;
		wait_workers(app, 20);
	}
}

static int replay_run(struct tui_app *app, struct tn_err *err)
{
	struct app_priv *p = app_priv(app);
	const struct tui_replay *rp = &p->replay;
	double last = 0;
	int rc = replay_settle(app, 0, NULL, err);

	app->replaying = true;
	if (rc == TN_OK)
		frame(app);
	for (size_t i = 0; rc == TN_OK && i < rp->n && !app->quit; i++) {
		const struct tui_step *s = &rp->steps[i];

		if (p->term != NULL && app->opts.speed > 0 && s->time > last) {
			double gap = (s->time - last) / app->opts.speed;

			usleep((useconds_t)((gap > 2.0 ? 2.0 : gap) * 1e6));
		}
		last = s->time;
		if (s->kind == 'm') {
			if (action_find(s->action) == NULL) {
				rc = tn_err_set(err, TN_EINVAL, "replay %s: step %zu: unknown action '%s'",
						app->opts.replay, i + 1, s->action);
				break;
			}
			app_action(app, s->action, s->arg);
		} else if (s->kind == 'i') {
			size_t n = strlen(s->input), off = 0;

			while (off < n) {
				int key;
				size_t used = key_decode(s->input + off, n - off, &key);

				if (used == 0)
					used = n - off; /* a cut sequence: drop it */
				else if (key != 0)
					app_key(app, key);
				off += used;
			}
		} else if (s->kind == 'r' && p->term == NULL) {
			grid_resize(&app->grid, s->w, s->h);
			rec_resize(app->rec, s->w, s->h);
		}
		if (i + 1 < rp->n && cancels(&rp->steps[i + 1]))
			replay_lead(app);
		else
			rc = replay_settle(app, i, s, err);
		if (rc == TN_OK)
			frame(app);
	}
	app->replaying = false;
	return rc;
}

/* ------------------------------------------------------------------ main */

static bool utf8_locale(void)
{
	return strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
}

static int open_workers(struct tui_app *app, struct tn_err *err)
{
	struct tarn_engine_opts eo = {0};
	char *dir = app->opts.lakehouse != NULL ? tn_strdup(app->opts.lakehouse)
						: tarn_lakehouse_default();
	char real[PATH_MAX];
	int rc;

	eo.lakehouse = dir;
	rc = worker_new(&eo, &app->query, err);
	if (rc == TN_OK)
		rc = worker_new(&eo, &app->meta, err);
	app->lakehouse = tn_strdup(realpath(dir, real) != NULL ? real : dir);
	free(dir);
	return rc;
}

static void free_app(struct app_priv *p)
{
	struct tui_app *app = &p->pub;

	overlay_free(app->overlay);
	app->overlay = NULL;
	/* Panes go first, while the workers still run: Results frees its open
	 * result on the query worker (whose engine it belongs to) and waits
	 * for its jobs; Catalog and History orphan theirs. A running
	 * statement or pipeline run is stopped so that waiting is short. */
	if (app->pane[PANE_PIPELINES] != NULL)
		pipelines_cancel(app->pane[PANE_PIPELINES]); /* before Results waits on it */
	if (app->query != NULL)
		worker_interrupt(app->query);
	for (int i = 0; i < PANE_COUNT; i++)
		if (app->pane[i] != NULL)
			app->pane[i]->ops->free(app->pane[i]);
	worker_free(app->query);
	worker_free(app->meta);
	app->query = app->meta = NULL;
	rec_close(app->rec);
	term_close(p->term);
	grid_free(&app->grid);
	replay_free(&p->replay);
	if (p->trace != NULL)
		fclose(p->trace);
	free(app->lakehouse);
	free(p);
}

static int load_settings(struct tui_app *app, struct tn_err *err)
{
	const char *theme = app->opts.theme;
	char *keys;
	int rc;

	if (theme == NULL)
		theme = getenv("TARN_THEME");
	if (theme == NULL || *theme == '\0')
		theme = "dark";
	rc = theme_load(theme, &app->theme, err);
	if (rc != TN_OK)
		return rc;
	keymap_reset();
	if (app->opts.keys != NULL && access(app->opts.keys, R_OK) != 0)
		return tn_err_sys(err, errno, "cannot read the key map %s", app->opts.keys);
	keys = app->opts.keys != NULL ? tn_strdup(app->opts.keys) : tui_keys_path();
	rc = keymap_load(keys, err);
	free(keys);
	return rc;
}

static int dump_screen(struct tui_app *app, struct tn_err *err)
{
	FILE *f = fopen(app->opts.dump_screen, "w");
	int rc = TN_OK;

	if (f == NULL)
		return tn_err_sys(err, errno, "cannot write %s", app->opts.dump_screen);
	if (grid_dump(&app->grid, f) != 0)
		rc = tn_err_sys(err, errno, "cannot write %s", app->opts.dump_screen);
	if (fclose(f) != 0 && rc == TN_OK)
		rc = tn_err_sys(err, errno, "cannot write %s", app->opts.dump_screen);
	return rc;
}

int tui_main(const struct tui_opts *o, struct tn_err *err)
{
	int64_t t0 = tn_time_mono_us();
	struct app_priv *p = tn_calloc(1, sizeof(*p));
	struct tui_app *app = &p->pub;
	const char *tr = getenv("TARN_TUI_TRACE");
	int rc = TN_OK, w = 100, h = 30;
	bool ascii;

	setlocale(LC_ALL, "");
	app->opts = *o;
	app->headless = o->headless;
	if (o->headless && o->replay == NULL) {
		free(p);
		return tn_err_set(err, TN_EINVAL, "--headless needs --replay FILE");
	}
	if (tr != NULL && *tr != '\0' && (p->trace = fopen(tr, "a")) == NULL) {
		rc = tn_err_sys(err, errno, "cannot open TARN_TUI_TRACE %s", tr);
		goto out;
	}
	if (o->replay != NULL) {
		rc = replay_load(o->replay, &p->replay, err);
		if (rc != TN_OK)
			goto out;
		w = p->replay.w;
		h = p->replay.h;
	}
	if (o->headless && o->width > 0 && o->height > 0) {
		w = o->width;
		h = o->height;
	}
	action_register(app_actions, sizeof(app_actions) / sizeof(app_actions[0]));
	action_register(overlay_actions, overlay_nactions);
	ascii = o->ascii || !utf8_locale();
	if (!o->headless) {
		rc = term_open(o->ascii, &p->term, err);
		if (rc != TN_OK)
			goto out;
		ascii = ascii || !term_utf8(p->term);
		term_size(p->term, &w, &h);
	}
	grid_init(&app->grid, w, h, ascii);
	rc = open_workers(app, err);
	if (rc == TN_OK) {
		app->pane[PANE_CATALOG] = catalog_pane_new(app);
		app->pane[PANE_EDITOR] = editor_pane_new(app);
		app->pane[PANE_RESULTS] = results_pane_new(app);
		app->pane[PANE_HISTORY] = history_pane_new(app);
		app->pane[PANE_PIPELINES] = pipelines_pane_new(app);
		app->pane[PANE_SHARES] = shares_pane_new(app);
		rc = load_settings(app, err);
	}
	if (rc != TN_OK)
		goto out;
	if (p->term != NULL)
		theme_degrade(&app->theme, term_colors(p->term));
	p->wb_focus = PANE_EDITOR;
	app_focus(app, PANE_EDITOR);
	if (o->initial_sql != NULL)
		editor_set_text(app->pane[PANE_EDITOR], o->initial_sql);
	if (o->record != NULL) {
		rc = rec_open(o->record, w, h, o->record_input, &app->rec, err);
		if (rc != TN_OK)
			goto out;
	}
	if (p->term != NULL) {
		frame(app);
		trace(app, "first_frame_ms", t0, NULL);
	}
	if (o->replay != NULL) {
		rc = replay_run(app, err);
		if (rc == TN_OK && o->dump_screen != NULL)
			rc = dump_screen(app, err);
		if (rc != TN_OK || o->headless)
			goto out;
		frame(app);
	}
	loop(app, t0);
out:
	for (int i = 0; i < PANE_COUNT; i++)
		if (app->pane[i] != NULL && app->pane[i]->ops->save != NULL)
			app->pane[i]->ops->save(app->pane[i]);
	free_app(p);
	return rc;
}
