/* tui_int.h - the inside of the terminal workbench.
 *
 * Panes draw into an off-screen cell grid (grid.c); term.c is the only file
 * that calls curses and copies the grid to the screen; in headless replay
 * there is no terminal at all, only the grid. Every user-visible operation
 * is an action in one registry (action.c): key bindings, the command
 * palette, the help overlay and the recorder name the same actions.
 * Statements run on worker threads (worker.c), each with its own engine;
 * the UI thread never blocks on the engine. Only src/sql/sql.h (the
 * engine facade) and cli/format.h are used from below. */
#ifndef TARN_TUI_INT_H
#define TARN_TUI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "tui/tui.h"

struct tarn_engine;
struct tarn_engine_opts;
struct tui_app;

/* ================================================================ styles */

/* What a cell shows; a theme gives each a colour pair and attributes. */
enum tui_style {
	ST_DEFAULT,      /* pane background text */
	ST_BORDER,       /* pane borders */
	ST_BORDER_FOCUS, /* the focused pane's border */
	ST_TITLE,        /* pane titles */
	ST_TITLE_FOCUS,  /* the focused pane's title */
	ST_TAB,          /* view tabs on the top line */
	ST_TAB_ACTIVE,   /* the current view's tab */
	ST_STATUS,       /* the status bar */
	ST_STATUS_BUSY,  /* status bar: a statement is running */
	ST_STATUS_ERR,   /* status bar: the last error */
	ST_SELECTION,    /* selected text, selected rows or cells */
	ST_CURSOR_LINE,  /* the row or line under the cursor */
	ST_HEADER,       /* results grid header, table headers */
	ST_NULL,         /* NULL values */
	ST_NUMBER,       /* numbers (grid cells, SQL literals) */
	ST_KEYWORD,      /* SQL keywords */
	ST_STRING,       /* SQL strings, string cells */
	ST_COMMENT,      /* SQL comments */
	ST_IDENT,        /* SQL identifiers */
	ST_OPERATOR,     /* SQL operators and punctuation */
	ST_MATCH,        /* search matches, fuzzy-match letters */
	ST_DIM,          /* secondary text: types, hints, line numbers */
	ST_ERROR,        /* error text */
	ST_OK,           /* success text, added rows */
	ST_WARN,         /* warnings, removed rows, destructive prompts */
	ST_POPUP,        /* overlays: palette, help, dialogs, completion */
	ST_POPUP_SEL,    /* the selected item in an overlay */
	ST_COUNT
};

/* The names theme files use for the styles ("default", "border", ...,
 * "popup_sel"), indexed by enum tui_style. */
extern const char *const tui_style_names[ST_COUNT];

/* Attributes of a style. */
enum {
	TA_BOLD = 1,
	TA_UNDERLINE = 2,
	TA_REVERSE = 4,
	TA_DIM = 8,
	TA_ITALIC = 16,
};

/* A colour is -1 (the terminal's default) or 0..255 (xterm palette). */
struct tui_style_def {
	int16_t fg, bg;
	uint16_t attrs;
};

struct tui_theme {
	char name[64];
	struct tui_style_def st[ST_COUNT];
};

/* Load a theme by name (looked up as NAME.theme in $TARN_THEMES, then
 * ~/.config/tarn/themes, then the installed themes directory, then the
 * source tree's themes/) or by path (contains a '/'). "dark" is built in
 * too, so the workbench runs without theme files. TN_ENOENT naming the
 * places looked in; TN_EINVAL "FILE:LINE: ..." for a bad line. (theme.c) */
int theme_load(const char *name, struct tui_theme *t, struct tn_err *err);
/* Parse theme text (the format of themes/README). */
int theme_parse(const char *text, size_t len, const char *file, struct tui_theme *t,
		struct tn_err *err);
/* Fit a theme to a terminal of ncolors colours (256, 16, 8, or 0/1 for
 * monochrome, which keeps attributes only: bold, underline, reverse). */
void theme_degrade(struct tui_theme *t, int ncolors);
/* The nearest of the first n (8 or 16) xterm colours to xterm colour c. */
int theme_nearest(int c, int n);
/* The text of the built-in "dark" theme (the same as themes/dark.theme). */
const char *theme_builtin_dark(void);

/* ================================================================== grid */

/* One screen cell. ch is a Unicode code point; 0 marks the right half of
 * a double-width character to its left. */
struct tui_cell {
	uint32_t ch;
	uint8_t style;  /* enum tui_style */
	uint8_t secret; /* never shown in recordings (credentials) */
};

struct tui_rect {
	int x, y, w, h;
};

/* The off-screen screen. Panes draw here; term.c copies it to curses,
 * record.c to the recording, grid_dump to text. */
struct tui_grid {
	int w, h;
	struct tui_cell *cells; /* h rows of w */
	bool ascii;             /* ASCII line drawing */
	int cur_x, cur_y;       /* the terminal cursor */
	bool cur_visible;
};

void grid_init(struct tui_grid *g, int w, int h, bool ascii);
void grid_resize(struct tui_grid *g, int w, int h);
void grid_free(struct tui_grid *g);
/* Blank cells of style st over r (clipped to the grid). */
void grid_fill(struct tui_grid *g, struct tui_rect r, enum tui_style st);
/* UTF-8 text s[0..n) at (x, y), at most maxw columns, clipped to the grid;
 * control characters show as '?', invalid UTF-8 as U+FFFD (or '?' in
 * ASCII mode, where non-ASCII shows as '?'). Returns the columns used. */
int grid_putn(struct tui_grid *g, int x, int y, int maxw, enum tui_style st, const char *s,
	      size_t n);
int grid_puts(struct tui_grid *g, int x, int y, int maxw, enum tui_style st, const char *s);
/* printf into at most maxw columns. */
int grid_printf(struct tui_grid *g, int x, int y, int maxw, enum tui_style st, const char *fmt,
		...) __attribute__((format(printf, 6, 7)));
void grid_putch(struct tui_grid *g, int x, int y, uint32_t ch, enum tui_style st);
/* Change the style of w cells from (x, y), keeping their text. */
void grid_restyle(struct tui_grid *g, int x, int y, int w, enum tui_style st);
/* Mark w cells from (x, y) secret. */
void grid_secret(struct tui_grid *g, int x, int y, int w);
/* A frame around r (its outer cells) with a title at the top left,
 * in box-drawing characters or ASCII (+-|). */
void grid_box(struct tui_grid *g, struct tui_rect r, enum tui_style border,
	      const char *title, enum tui_style title_style);
void grid_hline(struct tui_grid *g, int x, int y, int w, enum tui_style st);
void grid_vline(struct tui_grid *g, int x, int y, int h, enum tui_style st);
/* The screen as text: one line per row, trailing blanks removed, secret
 * cells as '*'. */
int grid_dump(const struct tui_grid *g, FILE *out);
/* Columns of UTF-8 text s[0..n) (wcwidth; invalid bytes are 1). */
int tui_text_width(const char *s, size_t n);
/* The bytes of s[0..n) that fit in cols columns. */
size_t tui_text_fit(const char *s, size_t n, int cols);
/* Decode one UTF-8 code point at s[0..n): its length (>= 1); invalid
 * bytes give U+FFFD and length 1. */
size_t tui_utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Columns of one code point (0, 1 or 2; control characters 1). */
int tui_cp_width(uint32_t cp);

/* ================================================================== keys */

/* A key is a Unicode code point (typed text; Ctrl-A..Ctrl-Z are 1..26,
 * Enter 13, Tab 9, Esc 27, Backspace 127), or one of TK_* below, possibly
 * with TK_ALT (sent as Esc + key). */
enum {
	TK_UP = 0x110000,
	TK_DOWN,
	TK_LEFT,
	TK_RIGHT,
	TK_HOME,
	TK_END,
	TK_PGUP,
	TK_PGDN,
	TK_INS,
	TK_DEL,
	TK_BTAB, /* Shift-Tab */
	TK_S_UP, /* Shift-arrows (selection) */
	TK_S_DOWN,
	TK_S_LEFT,
	TK_S_RIGHT,
	TK_S_HOME,
	TK_S_END,
	TK_C_LEFT, /* Ctrl-arrows (word moves) */
	TK_C_RIGHT,
	TK_F1,
	TK_F12 = TK_F1 + 11,
	TK_RESIZE,
	TK_CTRL_SPACE, /* Ctrl-Space / Ctrl-@ (NUL) */
};
#define TK_ALT 0x40000000
#define TK_CTRL(c) ((c) & 0x1f) /* TK_CTRL('p') */
#define TK_ENTER 13
#define TK_TAB 9
#define TK_ESC 27
#define TK_BACKSPACE 127

/* "C-p", "M-x", "Up", "S-Down", "C-Left", "F1", "Enter", "Esc", "Tab",
 * "S-Tab", "Backspace", "Del", "PgUp", "PgDn", "Home", "End", "Space",
 * "C-Space", a single character ("?", ":", "g"). -1 if unknown. (keys.c) */
int key_parse(const char *name);
/* The name key_parse reads back. */
const char *key_name(int key, char *buf, size_t n);
/* Decode the first key of terminal input bytes s[0..n) (xterm and
 * screen sequences, UTF-8, Esc+key as TK_ALT). Returns the bytes used
 * (0: n == 0 or an incomplete sequence). */
size_t key_decode(const char *s, size_t n, int *key);
/* The bytes an xterm sends for key (for 'i' events). Returns the length. */
size_t key_encode(int key, char *buf, size_t n);
/* A printable key (text to insert): not a control or TK_* key. */
bool key_is_text(int key);
/* The UTF-8 bytes of code point cp (at most 4) into out. Returns the
 * length. (keys.c) */
size_t tui_utf8_encode(uint32_t cp, char out[4]);

/* =============================================================== actions */

/* Where a binding applies: the focused pane's context first, then
 * CTX_GLOBAL. */
enum tui_ctx {
	CTX_GLOBAL,
	CTX_CATALOG,
	CTX_EDITOR,
	CTX_RESULTS,
	CTX_HISTORY,
	CTX_PIPELINES,
	CTX_SHARES,
	CTX_COUNT
};
extern const char *const tui_ctx_names[CTX_COUNT]; /* "global", "catalog", ... */

/* An action runs on the UI thread. arg is the action's argument (typed
 * text for editor.insert, a file name for results.export, ...) or NULL
 * when it was started by a key (it then asks for what it needs). Returns
 * TN_OK or an error the status bar shows (err set). */
typedef int (*tui_action_fn)(struct tui_app *app, const char *arg, struct tn_err *err);

struct tui_action {
	const char *name;  /* "results.sort", unique; recorded in 'm' markers */
	const char *desc;  /* one line for help and the palette */
	enum tui_ctx ctx;  /* where its keys apply */
	const char *keys;  /* default bindings, separated by ", ": "C-p, :";
			      a binding is one key or two ("C-w h") */
	tui_action_fn fn;
	bool secret_arg;   /* the argument never goes into recordings */
};

/* Add a module's actions (a static table, kept). Names must be unique. */
void action_register(const struct tui_action *a, size_t n);
const struct tui_action *action_find(const char *name);
/* All registered actions, in registration order. */
size_t action_count(void);
const struct tui_action *action_at(size_t i);
/* Run an action by name: runs it, records its 'm' marker (unless it only
 * opened a prompt with app_ask), shows an error in the status bar. (app.c)
 *
 * Everything a user does is an action, so that recordings replay it:
 * a text key that no binding takes runs "<context>.insert" (for example
 * "editor.insert") with the key's UTF-8 as the argument, when the focused
 * pane's context has such an action. Overlays answer through actions too
 * ("app.yes", "app.no", "app.close"). */
int app_action(struct tui_app *app, const char *name, const char *arg);
/* For an action started without its argument: ask for it in a prompt; on
 * Enter the action runs again with the text (and that run is what gets
 * recorded). Returns TN_OK. */
int app_ask(struct tui_app *app, const char *action, const char *label, const char *initial);

/* Key map: the defaults from the registry, then the user's file (lines
 * "bind CONTEXT KEYS ACTION", "unbind CONTEXT KEYS", '#' comments). */
void keymap_reset(void);
int keymap_load(const char *path, struct tn_err *err); /* ENOENT is not an error */
/* The action bound to keys[0..n) in ctx (or global), NULL if none; *prefix
 * is set when keys[0..n) starts a longer binding (wait for the next key). */
const struct tui_action *keymap_lookup(enum tui_ctx ctx, const int *keys, size_t n,
				       bool *prefix);
/* Like keymap_lookup, in ctx only (no global fallback): the app tries the
 * focused pane's bindings, then its "<ctx>.insert" for text, then global. */
const struct tui_action *keymap_lookup_in(enum tui_ctx ctx, const int *keys, size_t n,
					  bool *prefix);
/* The bindings of an action, as text ("C-p, :"), for help and palette. */
const char *keymap_keys_of(const struct tui_action *a, char *buf, size_t n);
/* $XDG_CONFIG_HOME/tarn/keys (or ~/.config/tarn/keys). Caller frees. */
char *tui_keys_path(void);

/* ================================================================ worker */

/* A job runs fn on the worker thread with the worker's engine, then done
 * on the UI thread (from worker_poll). A job is owned by whoever made it;
 * done may free it. */
struct tui_job {
	void (*run)(struct tui_job *j, struct tarn_engine *e);
	void (*done)(struct tui_job *j);
	struct tui_job *next; /* the worker's queue */
};

struct tui_worker;

/* A thread with its own engine on the lakehouse. wake_fd becomes
 * readable when a job finished (the UI loop waits on it and the
 * keyboard). */
int worker_new(const struct tarn_engine_opts *o, struct tui_worker **out, struct tn_err *err);
void worker_free(struct tui_worker *w); /* interrupts, joins, drops queued jobs */
void worker_submit(struct tui_worker *w, struct tui_job *j);
/* Run done() of the finished jobs (UI thread). Returns how many. */
int worker_poll(struct tui_worker *w);
/* Nothing queued, running or waiting for done(). */
bool worker_idle(const struct tui_worker *w);
/* Stop the running statement (tarn_engine_interrupt). */
void worker_interrupt(struct tui_worker *w);
int worker_wake_fd(const struct tui_worker *w);
/* The engine, for the UI thread only while the worker is idle (the
 * current catalog and schema for the status bar, completion). */
struct tarn_engine *worker_engine(struct tui_worker *w);

/* Rows of a small result, as text: what metadata queries return. */
struct tui_rows {
	size_t ncols, nrows;
	char **names;  /* ncols column names */
	char **types;  /* ncols Spark type names */
	char **cells;  /* nrows * ncols, row-major; NULL for SQL NULL */
	char *message; /* tarn_result_message, or NULL */
};
/* Run one statement and keep at most max rows (worker thread).
 * TN_OK with out filled; errors as tarn_exec. */
int tui_query_rows(struct tarn_engine *e, const char *sql, size_t max, struct tui_rows *out,
		   struct tn_err *err);
void tui_rows_free(struct tui_rows *r);
/* Cell (row, col), NULL for NULL. */
const char *tui_rows_get(const struct tui_rows *r, size_t row, size_t col);
/* A SQL identifier quoted with backticks when it needs it, for building
 * statements from names. Caller frees. */
char *tui_quote_ident(const char *name);
/* A three-part name "c.s.t" with each part quoted as needed. Caller frees. */
char *tui_quote_name3(const char *c, const char *s, const char *t);
/* A SQL string literal. Caller frees. */
char *tui_quote_string(const char *s);

/* ================================================================= panes */

struct tui_pane;

struct tui_pane_ops {
	/* Draw into r of g: the inside of the pane's frame (the app draws the
	 * frame with the pane's title, and hides the terminal cursor before
	 * each frame). focused: the pane has the keyboard. */
	void (*draw)(struct tui_pane *p, struct tui_grid *g, struct tui_rect r, bool focused);
	/* Waiting for something (a job of its own): replay waits until no
	 * pane is busy and the workers are idle. May be NULL. */
	bool (*busy)(struct tui_pane *p);
	/* Persist what should survive a restart (editor buffers). May be NULL. */
	void (*save)(struct tui_pane *p);
	void (*free)(struct tui_pane *p);
};

struct tui_pane {
	const struct tui_pane_ops *ops;
	struct tui_app *app;
	enum tui_ctx ctx;
	const char *title;
};

/* The panes. Each module registers its actions in its constructor
 * (names: "catalog.*", "editor.*", "results.*", "history.*"). */
struct tui_pane *catalog_pane_new(struct tui_app *app);
struct tui_pane *editor_pane_new(struct tui_app *app);
struct tui_pane *results_pane_new(struct tui_app *app);
struct tui_pane *history_pane_new(struct tui_app *app);

/* What panes ask of each other (through the app). */
/* Insert text at the editor's cursor. */
void editor_insert_text(struct tui_pane *editor, const char *text);
/* Replace the current buffer's text (a new buffer when it has text). */
void editor_set_text(struct tui_pane *editor, const char *text);
/* Close the editor's completion list: true when one was open (the app's
 * Esc closes it before cancelling anything). */
bool editor_popup_close(struct tui_pane *editor);
/* Run sql in the query worker and show its rows (or message) in Results.
 * title says where it came from ("preview main.shop.items"). */
void results_run(struct tui_pane *results, const char *sql, const char *title);
/* Stop the running statement. */
void results_cancel(struct tui_pane *results);
/* A statement runs or rows are being fetched. */
bool results_running(struct tui_pane *results);
/* For the status bar: the running statement's elapsed ms and rows so far
 * (false when none runs). */
bool results_progress(struct tui_pane *results, double *elapsed_ms, int64_t *rows);
/* Show table (three-part name) in History, at version (-1: latest). */
void history_open(struct tui_pane *history, const char *table, int64_t version);
/* The Pipelines pane (pane_pipelines.c; actions "pipeline.*"). */
struct tui_pane *pipelines_pane_new(struct tui_app *app);
/* The Pipelines view was entered: read the pipelines and the open one's
 * event log again. */
void pipelines_show(struct tui_pane *pipelines);
/* A pipeline runs (on the query worker): true, with what the status bar
 * says about it in buf ("pipeline retail: orders_silver, 2/6 flows"). */
bool pipelines_running(struct tui_pane *pipelines, char *buf, size_t n);
/* Cancel the running pipeline: true when one was running. */
bool pipelines_cancel(struct tui_pane *pipelines);
/* The Shares pane (pane_shares.c; actions "share.*"): Delta Sharing's
 * shares, their tables, recipients and their tokens, grants, the access
 * log. */
struct tui_pane *shares_pane_new(struct tui_app *app);
/* The Shares view was entered: read the shares and recipients again. */
void shares_show(struct tui_pane *shares);

/* What the Catalog and History panes share (pane_util.c). */
struct tn_buf;
/* A job of a pane that may outlive the pane: work() runs on the worker,
 * finish() on the UI thread only while the pane lives, destroy() always
 * (it frees the job). Embed it first in a pane's job. */
struct tui_pjob {
	struct tui_job job;
	void (*work)(struct tui_pjob *j, struct tarn_engine *e);
	void (*finish)(struct tui_pjob *j);
	void (*destroy)(struct tui_pjob *j);
	struct tui_pjobs *set;      /* NULL once the pane is gone */
	struct tui_pjob *next_live;
};
/* A pane's jobs not finished yet (n > 0: the pane is busy). */
struct tui_pjobs {
	struct tui_pjob *live;
	size_t n;
};
void tui_pjob_submit(struct tui_pjobs *s, struct tui_worker *w, struct tui_pjob *j);
/* The pane goes away: its jobs still run and are destroyed, unfinished. */
void tui_pjobs_orphan(struct tui_pjobs *s);
/* A list cursor moved by delta lines, kept in [0, n). */
size_t tui_cursor_move(size_t cur, size_t n, long delta);
/* Keep a list's cursor in its window of h rows (*top: its first row). */
void tui_list_scroll(size_t cur, size_t *top, int h);
/* The cursor's row of a list: highlighted where the keys go (here), else
 * marked at x. */
void tui_list_cursor(struct tui_grid *g, int x, int y, int w, bool here);
/* Wipe a secret string's bytes, then free it (NULL: nothing). */
void tui_free_secret(char *s);
/* The column of r named name, -1 when none. */
int tui_rows_col(const struct tui_rows *r, const char *name);
/* "3.6 MB" */
const char *tui_size_text(int64_t bytes, char *buf, size_t n);
/* Rows as an aligned text table (a header line, then one line per row,
 * each starting with indent; columns cut at maxcol columns). */
void tui_rows_text(struct tn_buf *b, const struct tui_rows *r, const char *indent, int maxcol);
/* Draw lines of text in r from line skip on: an unindented line ending in
 * ':' as a header, "  + x" as added, "  - x" as removed. Returns the
 * number of lines. */
int tui_text_draw(struct tui_grid *g, struct tui_rect r, const char *text, int skip);

/* =================================================================== app */

enum tui_view {
	VIEW_WORKBENCH, /* Catalog | Editor / Results */
	VIEW_HISTORY,
	VIEW_PIPELINES, /* pipelines, their DAG, runs and event log */
	VIEW_SHARES,    /* Delta Sharing: shares, recipients, grants, access log */
	VIEW_COUNT
};

enum tui_pane_id {
	PANE_CATALOG,
	PANE_EDITOR,
	PANE_RESULTS,
	PANE_HISTORY,
	PANE_PIPELINES,
	PANE_SHARES,
	PANE_COUNT
};

struct tui_app {
	struct tui_opts opts;
	char *lakehouse;           /* absolute path */
	struct tui_theme theme;
	struct tui_grid grid;
	struct tui_worker *query;  /* the user's statements (Results) */
	struct tui_worker *meta;   /* catalog tree, details, history */
	struct tui_pane *pane[PANE_COUNT];
	enum tui_pane_id focus;
	enum tui_view view;
	bool zoomed;               /* the focused pane fills the view */
	bool quit;
	char catalog[128], schema[128]; /* current, for the status bar */
	char status[512];          /* the last message */
	bool status_is_error;
	struct tui_overlay *overlay; /* palette, help, confirm, prompt, text; or NULL */
	struct tui_recorder *rec;  /* or NULL */
	bool replaying;
	bool headless;
};

/* Messages in the status bar (the last error stays until the next
 * message). */
void app_status(struct tui_app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void app_error(struct tui_app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void app_focus(struct tui_app *app, enum tui_pane_id id);
void app_view(struct tui_app *app, enum tui_view v);
/* Run a statement from the editor or a pane: refuses writes in read-only
 * mode and asks before destructive statements (DROP, TRUNCATE, DELETE or
 * UPDATE without WHERE, VACUUM, RESTORE) unless confirmation is off, then
 * hands it to Results. */
void app_run_sql(struct tui_app *app, const char *sql, const char *title);

/* Overlays (one at a time; keys go to it first). */
typedef void (*tui_confirm_fn)(struct tui_app *app, void *arg);
typedef void (*tui_prompt_fn)(struct tui_app *app, const char *text, void *arg);
/* Ask yes/no; yes() runs on 'y'. arg is freed with free() either way. */
void app_confirm(struct tui_app *app, const char *question, tui_confirm_fn yes, void *arg);
/* Ask for a line of text (search, export file, ...); done() on Enter,
 * nothing on Esc. arg is freed with free() either way. */
void app_prompt(struct tui_app *app, const char *label, const char *initial, bool secret,
		tui_prompt_fn done, void *arg);
/* Show text in a scrollable overlay (cell view, describe output). */
void app_show_text(struct tui_app *app, const char *title, const char *text);
/* Show a credential this once (a recipient's profile): text in which every
 * occurrence of secret is drawn in secret cells (the terminal shows them;
 * recordings and screen dumps show '*'); c or y copies copy (app_copy,
 * OSC 52). The overlay wipes its copies when it closes; the caller wipes
 * its own. */
void app_show_credential(struct tui_app *app, const char *title, const char *text,
			 const char *secret, const char *copy);
/* Copy text to the clipboard: OSC 52 to the terminal (works over SSH),
 * and always to the fallback file ($XDG_STATE_HOME/tarn/clipboard, else
 * ~/.local/state/tarn/clipboard). The status bar says where. */
void app_copy(struct tui_app *app, const char *what, const char *text);
/* A pane's state changed asynchronously: draw again. */
void app_redraw(struct tui_app *app);
/* Run a program on the terminal (leaving curses and coming back), e.g.
 * $EDITOR on a file. TN_EINVAL in headless mode; the program's failure
 * as TN_EIO. */
int app_run_external(struct tui_app *app, const char *const argv[], struct tn_err *err);
/* Like app_run_sql without the confirmation (the caller asked already);
 * read-only mode still refuses writes. */
void app_run_sql_now(struct tui_app *app, const char *sql, const char *title);

/* ============================================================== terminal */

/* term.c: the only user of curses. */
struct tui_term;
int term_open(bool ascii_wanted, struct tui_term **out, struct tn_err *err);
void term_close(struct tui_term *t);
/* Colours the terminal has (0 with NO_COLOR or monochrome, 8, 16, 256),
 * and whether it draws UTF-8 (the locale's codeset). */
int term_colors(const struct tui_term *t);
bool term_utf8(const struct tui_term *t);
void term_size(const struct tui_term *t, int *w, int *h);
/* Copy the grid to the screen in theme's colours. */
void term_draw(struct tui_term *t, const struct tui_grid *g, const struct tui_theme *theme);
/* The next key, waiting at most timeout_ms (-1: forever) and also
 * returning early when extra_fd becomes readable (-1: none). 0: none;
 * TK_RESIZE after SIGWINCH. */
int term_key(struct tui_term *t, int timeout_ms, int extra_fd);
/* term_key waiting on several fds (the workers' wake fds); nfds <= 8. */
int term_key_fds(struct tui_term *t, int timeout_ms, const int *fds, size_t nfds);
/* Write an escape sequence straight to the terminal (OSC 52). */
void term_raw(struct tui_term *t, const char *bytes, size_t n);
/* Leave curses for a child process ($EDITOR) and come back. */
void term_suspend(struct tui_term *t);
void term_resume(struct tui_term *t);

/* ============================================================= recording */

struct tui_recorder;
/* Start a recording: the header (width, height, timestamp, TERM). */
int rec_open(const char *path, int w, int h, bool with_input, struct tui_recorder **out,
	     struct tn_err *err);
void rec_close(struct tui_recorder *r);
/* An 'm' marker: the action's name, then a tab and its argument (unless
 * the action's argument is secret). */
void rec_action(struct tui_recorder *r, const struct tui_action *a, const char *arg);
/* An 'o' event: the changes since the last frame as ANSI output (secret
 * cells as '*'). */
void rec_frame(struct tui_recorder *r, const struct tui_grid *g, const struct tui_theme *t);
void rec_resize(struct tui_recorder *r, int w, int h);
void rec_input(struct tui_recorder *r, int key);

/* A recording read back for replay: its size and its steps. */
struct tui_step {
	double time;    /* seconds from the start */
	char kind;      /* 'm' action, 'i' input, 'r' resize */
	char *action;   /* 'm': the action's name */
	char *arg;      /* 'm': its argument or NULL */
	char *input;    /* 'i': the bytes */
	int w, h;       /* 'r' */
};
struct tui_replay {
	int w, h;
	struct tui_step *steps;
	size_t n;
};
/* Read an asciicast v2 file. When it has 'm' markers, replay uses those
 * and drops 'i' events (the same keys); else it replays the 'i' events.
 * TN_EINVAL "FILE:LINE: ..." for malformed lines. */
int replay_load(const char *path, struct tui_replay *out, struct tn_err *err);
void replay_free(struct tui_replay *r);


/* The movement actions of a list pane (a_up, a_down, a_top, a_bottom,
 * a_page_up, a_page_down), for a pane file that defines
 * move_by(app, delta, err) and pane_of(app) with a `page` (rows). */
#define TUI_MOVE_ACTION(fn, delta)                                                  \
	static int fn(struct tui_app *app, const char *arg, struct tn_err *err)      \
	{                                                                            \
		(void)arg;                                                           \
		return move_by(app, delta, err);                                     \
	}
#define TUI_MOVE_ACTIONS                                                            \
	TUI_MOVE_ACTION(a_up, -1)                                                    \
	TUI_MOVE_ACTION(a_down, 1)                                                   \
	TUI_MOVE_ACTION(a_top, -(long)INT_MAX)                                       \
	TUI_MOVE_ACTION(a_bottom, INT_MAX)                                           \
	TUI_MOVE_ACTION(a_page_up, -(long)(pane_of(app) ? pane_of(app)->page : 1))   \
	TUI_MOVE_ACTION(a_page_down, pane_of(app) ? pane_of(app)->page : 1)
/* a_scroll_down and a_scroll_up: the pane's lower part by `step` lines,
 * for a pane file with need_pane(app, err) and a `skip` (lines scrolled). */
#define TUI_SCROLL_ACTION(fn, delta)                                                \
	static int fn(struct tui_app *app, const char *arg, struct tn_err *err)      \
	{                                                                            \
		__typeof__(need_pane(app, err)) p_ = need_pane(app, err);            \
                                                                                     \
		(void)arg;                                                           \
		if (p_ == NULL)                                                      \
			return err->code;                                            \
		p_->skip = p_->skip + (delta) < 0 ? 0 : p_->skip + (delta);          \
		return TN_OK;                                                        \
	}
#define TUI_SCROLL_ACTIONS(step)                                                    \
	TUI_SCROLL_ACTION(a_scroll_down, (step))                                     \
	TUI_SCROLL_ACTION(a_scroll_up, -(step))

#endif
