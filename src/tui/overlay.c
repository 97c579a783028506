/* overlay.c - what opens over the panes: the command palette, help, yes/no
 * questions, line prompts, text views and credentials shown once. Their keys run actions
 * (app.yes, app.submit, app.overlay_down, ...) so that recordings replay
 * them. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "tui/app_int.h"

enum ov_kind { OV_PALETTE, OV_TEXT, OV_CONFIRM, OV_PROMPT, OV_CREDENTIAL };

struct tui_overlay {
	enum ov_kind kind;
	char *title;            /* question, label or title */
	struct tn_buf input;    /* prompt text, palette filter */
	bool secret;
	tui_confirm_fn yes;
	tui_prompt_fn done;
	void *arg;              /* freed with free() */
	char *ask_action;       /* app_ask: run this with the text */
	char *text;             /* text view */
	char *hidden, *copy;    /* a credential: what is secret, what c copies */
	const char **lines;     /* into text */
	size_t nlines;
	int top;                /* first line shown; palette: first item shown */
	int page;               /* lines shown at the last draw */
	const struct tui_action **items; /* palette matches, best first */
	size_t nitems;
	int sel;
};

static struct tui_overlay *ov_new(enum ov_kind kind, const char *title)
{
	struct tui_overlay *o = tn_calloc(1, sizeof(*o));

	o->kind = kind;
	o->title = tn_strdup(title != NULL ? title : "");
	tn_buf_init(&o->input, 64 * 1024);
	tn_buf_puts(&o->input, "", NULL);
	o->page = 10;
	return o;
}

void overlay_free(struct tui_overlay *o)
{
	if (o == NULL)
		return;
	free(o->title);
	tn_buf_done(&o->input);
	free(o->arg);
	free(o->ask_action);
	/* a credential's copies go as soon as it closes */
	tui_free_secret(o->text);
	tui_free_secret(o->hidden);
	tui_free_secret(o->copy);
	free(o->lines);
	free(o->items);
	free(o);
}

/* ---------------------------------------------------------------- palette */

/* Actions the palette offers: not the overlays' own, not typing. */
static bool in_palette(const struct tui_action *a)
{
	return !tn_str_startswith(a->name, "app.overlay_") && strcmp(a->name, "app.yes") != 0 &&
	       strcmp(a->name, "app.no") != 0 && strcmp(a->name, "app.close") != 0 &&
	       strcmp(a->name, "app.submit") != 0 && !tn_str_endswith(a->name, ".insert");
}

/* Fuzzy match from s[from]: the query's characters in order (ASCII case
 * ignored). Lower is better: where the match starts plus the gaps in it;
 * -1: none. */
static long fuzzy_from(const char *q, const char *s, long from)
{
	long score = 0, start = -1, last = -1;

	for (long i = from; *q != '\0'; q++) {
		if (*q == ' ')
			continue;
		while (s[i] != '\0' && tolower((unsigned char)s[i]) != tolower((unsigned char)*q))
			i++;
		if (s[i] == '\0')
			return -1;
		if (start < 0)
			start = i;
		else
			score += i - last - 1;
		last = i++;
	}
	return start < 0 ? 0 : start + 2 * score;
}

/* The best match over every place the query's first character occurs, so
 * that "sort" finds results.sort before history.top. */
static long fuzzy(const char *q, const char *s)
{
	long best = -1;

	while (*q == ' ')
		q++;
	if (*q == '\0')
		return 0;
	for (long i = 0; s[i] != '\0'; i++) {
		long sc;

		if (tolower((unsigned char)s[i]) != tolower((unsigned char)*q))
			continue;
		sc = fuzzy_from(q, s, i);
		if (sc >= 0 && (best < 0 || sc < best))
			best = sc;
	}
	return best;
}

static void palette_filter(struct tui_overlay *o)
{
	size_t n = action_count();
	long *score = tn_calloc(n + 1, sizeof(long));

	free(o->items);
	o->items = tn_calloc(n + 1, sizeof(*o->items));
	o->nitems = 0;
	for (size_t i = 0; i < n; i++) {
		const struct tui_action *a = action_at(i);
		long s = fuzzy(o->input.data, a->name), d;

		if (!in_palette(a))
			continue;
		d = fuzzy(o->input.data, a->desc);
		if (s < 0 && d < 0)
			continue;
		s = s >= 0 ? s : 1000 + d; /* names before descriptions */
		/* insertion keeps equal scores in registration order */
		size_t k = o->nitems++;

		while (k > 0 && score[k - 1] > s) {
			score[k] = score[k - 1];
			o->items[k] = o->items[k - 1];
			k--;
		}
		score[k] = s;
		o->items[k] = a;
	}
	free(score);
	o->sel = 0;
	o->top = 0;
}

struct tui_overlay *overlay_palette_new(const char *filter)
{
	struct tui_overlay *o = ov_new(OV_PALETTE, "Command palette");

	if (filter != NULL)
		tn_buf_puts(&o->input, filter, NULL);
	palette_filter(o);
	return o;
}

/* ------------------------------------------------------------------ text */

static void split_lines(struct tui_overlay *o)
{
	size_t n = 1;

	for (const char *p = o->text; *p; p++)
		n += *p == '\n';
	o->lines = tn_calloc(n, sizeof(*o->lines));
	o->nlines = 0;
	for (char *p = o->text; p != NULL;) {
		char *nl = strchr(p, '\n');

		if (nl != NULL)
			*nl = '\0';
		o->lines[o->nlines++] = p;
		p = nl != NULL ? nl + 1 : NULL;
	}
	while (o->nlines > 1 && *o->lines[o->nlines - 1] == '\0')
		o->nlines--;
}

struct tui_overlay *overlay_text_new(const char *title, const char *text)
{
	struct tui_overlay *o = ov_new(OV_TEXT, title);
	struct tn_buf b = TN_BUF_INIT;

	/* tabs to spaces: cells have no tab stops */
	for (const char *p = text != NULL ? text : ""; *p; p++) {
		if (*p == '\t')
			tn_buf_puts(&b, "    ", NULL);
		else if (*p != '\r')
			tn_buf_putc(&b, *p, NULL);
	}
	tn_buf_putc(&b, '\0', NULL);
	o->text = tn_buf_detach(&b, NULL);
	split_lines(o);
	return o;
}

struct tui_overlay *overlay_credential_new(const char *title, const char *text,
					   const char *secret, const char *copy)
{
	struct tui_overlay *o = overlay_text_new(title, text);

	o->kind = OV_CREDENTIAL;
	o->hidden = secret != NULL && *secret ? tn_strdup(secret) : NULL;
	o->copy = tn_strdup(copy != NULL ? copy : "");
	return o;
}

char *overlay_help_text(void)
{
	struct tn_buf b = TN_BUF_INIT;
	char keys[128];
	int kw = 10; /* the keys column: as wide as the widest bindings */

	for (size_t i = 0; i < action_count(); i++) {
		int w = (int)strlen(keymap_keys_of(action_at(i), keys, sizeof(keys)));

		kw = w > kw ? (w > 32 ? 32 : w) : kw;
	}
	tn_buf_puts(&b,
		    "Keys run actions; every action is also in the command palette (: or C-p).\n"
		    "Two-key bindings such as \"C-w h\" are typed one key after the other.\n"
		    "Key map file: bind CONTEXT KEYS ACTION / unbind CONTEXT KEYS\n",
		    NULL);
	for (int c = 0; c < CTX_COUNT; c++) {
		bool header = false;

		for (size_t i = 0; i < action_count(); i++) {
			const struct tui_action *a = action_at(i);

			if (a->ctx != (enum tui_ctx)c || !in_palette(a))
				continue;
			if (!header) {
				tn_buf_printf(&b, NULL, "\n%c%s\n", toupper(*tui_ctx_names[c]),
					      tui_ctx_names[c] + 1);
				header = true;
			}
			keymap_keys_of(a, keys, sizeof(keys));
			tn_buf_printf(&b, NULL, "  %-*s %-24s %s\n", kw, *keys ? keys : "-", a->name,
				      a->desc);
		}
	}
	tn_buf_puts(&b,
		    "\nDialogs\n"
		    "  y / n                  answer a question\n"
		    "  Enter / Esc            accept or cancel a prompt or the palette\n"
		    "  Up Down PgUp PgDn      move in lists and text (also j k g G)\n",
		    NULL);
	return tn_buf_detach(&b, NULL);
}

/* ---------------------------------------------------- confirm and prompt */

struct tui_overlay *overlay_confirm_new(const char *question, tui_confirm_fn yes, void *arg)
{
	struct tui_overlay *o = ov_new(OV_CONFIRM, question);

	o->yes = yes;
	o->arg = arg;
	return o;
}

struct tui_overlay *overlay_prompt_new(const char *label, const char *initial, bool secret,
				       tui_prompt_fn done, void *arg, const char *ask_action)
{
	struct tui_overlay *o = ov_new(OV_PROMPT, label);

	o->secret = secret;
	o->done = done;
	o->arg = arg;
	o->ask_action = ask_action != NULL ? tn_strdup(ask_action) : NULL;
	if (initial != NULL)
		tn_buf_puts(&o->input, initial, NULL);
	return o;
}

bool overlay_secret(const struct tui_overlay *o)
{
	return o != NULL && o->secret;
}

int overlay_record_mode(const struct tui_overlay *o, const char *name)
{
	bool own = tn_str_startswith(name, "app.overlay_") || strcmp(name, "app.submit") == 0 ||
		   strcmp(name, "app.yes") == 0 || strcmp(name, "app.no") == 0 ||
		   strcmp(name, "app.close") == 0;

	if (o == NULL || !own)
		return 1;
	if (o->kind == OV_PROMPT && o->ask_action != NULL)
		return 0;
	if (o->kind == OV_PALETTE && strcmp(name, "app.submit") == 0)
		return 0;
	if (o->secret && tn_str_startswith(name, "app.overlay_"))
		return 0;
	if (o->secret && strcmp(name, "app.submit") == 0)
		return 2;
	return 1;
}

const char *overlay_key(const struct tui_overlay *o, int key, char *arg, size_t n)
{
	if (key == TK_ESC || key == TK_CTRL('c'))
		return o->kind == OV_CONFIRM ? "app.no" : "app.close";
	switch (o->kind) {
	case OV_CONFIRM:
		if (key == 'y' || key == 'Y')
			return "app.yes";
		if (key == 'n' || key == 'N')
			return "app.no";
		return NULL;
	case OV_PALETTE:
		if (key == TK_UP || key == TK_CTRL('p') || key == TK_CTRL('k'))
			return "app.overlay_up";
		if (key == TK_DOWN || key == TK_CTRL('n') || key == TK_CTRL('j'))
			return "app.overlay_down";
		if (key == TK_PGUP)
			return "app.overlay_pgup";
		if (key == TK_PGDN)
			return "app.overlay_pgdn";
		/* the filter is edited like a prompt */
		__attribute__((fallthrough));
	case OV_PROMPT:
		if (key == TK_ENTER)
			return "app.submit";
		if (key == TK_BACKSPACE || key == TK_CTRL('h'))
			return "app.overlay_backspace";
		if (key == TK_CTRL('u'))
			return "app.overlay_clear";
		if (key_is_text(key)) {
			size_t len = key_encode(key, arg, n - 1);

			arg[len] = '\0';
			return len > 0 ? "app.overlay_insert" : NULL;
		}
		return NULL;
	case OV_CREDENTIAL:
		if (key == 'c' || key == 'y')
			return "app.overlay_copy";
		if (key == TK_ENTER)
			return "app.close";
		__attribute__((fallthrough));
	case OV_TEXT:
		if (key == TK_UP || key == 'k')
			return "app.overlay_up";
		if (key == TK_DOWN || key == 'j' || key == TK_ENTER)
			return "app.overlay_down";
		if (key == TK_PGUP || key == 'b')
			return "app.overlay_pgup";
		if (key == TK_PGDN || key == ' ')
			return "app.overlay_pgdn";
		if (key == TK_HOME || key == 'g')
			return "app.overlay_top";
		if (key == TK_END || key == 'G')
			return "app.overlay_bottom";
		if (key == 'q')
			return "app.close";
		return NULL;
	}
	return NULL;
}

/* ------------------------------------------------------------- drawing */

static struct tui_rect centered(const struct tui_grid *g, int w, int h, bool high)
{
	if (w > g->w - 2)
		w = g->w - 2;
	if (h > g->h - 2)
		h = g->h - 2;
	return (struct tui_rect){(g->w - w) / 2, high ? (g->h - h) / 4 : (g->h - h) / 2, w, h};
}

static void frame(struct tui_grid *g, struct tui_rect r, const char *title)
{
	grid_fill(g, r, ST_POPUP);
	grid_box(g, r, ST_POPUP, title, ST_POPUP);
}

/* The last bytes of text that fit in cols columns. */
static const char *tail_fit(const char *s, int cols)
{
	size_t n = strlen(s);

	while (tui_text_width(s, n) > cols) {
		uint32_t cp;
		size_t l = tui_utf8_decode(s, n, &cp);

		s += l;
		n -= l;
	}
	return s;
}

static void draw_input(struct tui_overlay *o, struct tui_grid *g, int x, int y, int w)
{
	int used;

	if (o->secret) {
		int n = tui_text_width(o->input.data, o->input.len);

		used = 0;
		for (int i = 0; i < n && i < w - 1; i++, used++)
			grid_putch(g, x + i, y, '*', ST_POPUP);
		grid_secret(g, x, y, used);
	} else {
		used = grid_puts(g, x, y, w - 1, ST_POPUP, tail_fit(o->input.data, w - 1));
	}
	g->cur_x = x + used;
	g->cur_y = y;
	g->cur_visible = true;
}

static void draw_palette(struct tui_overlay *o, struct tui_grid *g)
{
	struct tui_rect r = centered(g, 96, 22, true);
	int rows = r.h - 4, inner = r.w - 4;
	char keys[96];

	frame(g, r, o->title);
	grid_puts(g, r.x + 2, r.y + 1, 2, ST_POPUP, "> ");
	if (o->sel < o->top)
		o->top = o->sel;
	if (rows > 0 && o->sel >= o->top + rows)
		o->top = o->sel - rows + 1;
	o->page = rows > 1 ? rows : 1;
	for (int i = 0; i < rows && (size_t)(o->top + i) < o->nitems; i++) {
		const struct tui_action *a = o->items[o->top + i];
		enum tui_style st = o->top + i == o->sel ? ST_POPUP_SEL : ST_POPUP;
		int y = r.y + 3 + i, kw;

		grid_fill(g, (struct tui_rect){r.x + 1, y, r.w - 2, 1}, st);
		keymap_keys_of(a, keys, sizeof(keys));
		kw = tui_text_width(keys, strlen(keys));
		if (kw > inner / 3)
			kw = inner / 3;
		grid_puts(g, r.x + 2, y, 26, st, a->name);
		grid_puts(g, r.x + 29, y, inner - 28 - kw, st, a->desc);
		grid_puts(g, r.x + 2 + inner - kw, y, kw, st == ST_POPUP ? ST_DIM : st, keys);
	}
	if (o->nitems == 0)
		grid_puts(g, r.x + 2, r.y + 3, inner, ST_DIM, "no action matches");
	grid_hline(g, r.x + 1, r.y + 2, r.w - 2, ST_POPUP);
	draw_input(o, g, r.x + 4, r.y + 1, inner - 2);
}

/* A text view; a credential's view is as high as its text, with its
 * secret's cells marked wherever it shows. */
static void draw_text(struct tui_overlay *o, struct tui_grid *g)
{
	bool cred = o->kind == OV_CREDENTIAL;
	int h = cred ? ((int)o->nlines + 4 < 8 ? 8 : (int)o->nlines + 4) : g->h - 4;
	struct tui_rect r = centered(g, g->w - 8, h, false);
	int rows = r.h - 3, x = r.x + 2, w = r.w - 4;
	char pos[64];

	frame(g, r, o->title);
	o->page = rows > 1 ? rows : 1;
	if (o->top > (int)o->nlines - rows)
		o->top = (int)o->nlines - rows;
	if (o->top < 0)
		o->top = 0;
	for (int i = 0; i < rows && (size_t)(o->top + i) < o->nlines; i++) {
		const char *line = o->lines[o->top + i], *at = line;
		int y = r.y + 1 + i;

		grid_puts(g, x, y, w, cred ? ST_POPUP_SEL : ST_POPUP, line);
		while (o->hidden != NULL && (at = strstr(at, o->hidden)) != NULL) {
			int cx = tui_text_width(line, (size_t)(at - line));
			int sw = tui_text_width(o->hidden, strlen(o->hidden));

			if (cx < w)
				grid_secret(g, x + cx, y, cx + sw > w ? w - cx : sw);
			at += strlen(o->hidden);
		}
	}
	if (cred)
		snprintf(pos, sizeof(pos), "c copies it (OSC 52)   Esc closes: it is not shown again");
	else
		snprintf(pos, sizeof(pos), "%d-%d of %zu   Esc closes  Up Down PgUp PgDn scroll",
			 o->nlines ? o->top + 1 : 0,
			 o->top + rows < (int)o->nlines ? o->top + rows : (int)o->nlines, o->nlines);
	grid_puts(g, x, r.y + r.h - 2, w, ST_DIM, pos);
}

/* Words of s wrapped into lines of at most w columns, drawn from (x, y);
 * returns the lines used (at most max). */
static int draw_wrapped(struct tui_grid *g, int x, int y, int w, int max, enum tui_style st,
			const char *s)
{
	int line = 0;

	while (*s != '\0' && line < max) {
		size_t n = strlen(s), fit = tui_text_fit(s, n, w), cut = fit;
		const char *nl = memchr(s, '\n', fit);

		if (nl != NULL)
			cut = (size_t)(nl - s);
		else if (fit < n) {
			while (cut > 0 && s[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = fit;
		}
		grid_putn(g, x, y + line++, w, st, s, cut);
		s += cut;
		while (*s == ' ' || *s == '\n')
			s++;
	}
	return line;
}

static void draw_confirm(struct tui_overlay *o, struct tui_grid *g)
{
	struct tui_rect r = centered(g, 64, 9, false);
	int used;

	frame(g, r, "Confirm");
	used = draw_wrapped(g, r.x + 2, r.y + 1, r.w - 4, r.h - 4, ST_WARN, o->title);
	grid_puts(g, r.x + 2, r.y + 2 + used, r.w - 4, ST_POPUP, "y  yes      n  no (Esc)");
	g->cur_visible = false;
}

static void draw_prompt(struct tui_overlay *o, struct tui_grid *g)
{
	struct tui_rect r = centered(g, 70, 6, true);

	frame(g, r, NULL);
	grid_puts(g, r.x + 2, r.y + 1, r.w - 4, ST_POPUP, o->title);
	grid_puts(g, r.x + 2, r.y + 4, r.w - 4, ST_DIM, "Enter accepts   Esc cancels");
	grid_puts(g, r.x + 2, r.y + 2, 2, ST_POPUP, "> ");
	draw_input(o, g, r.x + 4, r.y + 2, r.w - 6);
}

void overlay_draw(struct tui_overlay *o, struct tui_grid *g, const struct tui_theme *t)
{
	(void)t;
	g->cur_visible = false;
	if (g->w < 10 || g->h < 6)
		return;
	switch (o->kind) {
	case OV_PALETTE:
		draw_palette(o, g);
		break;
	case OV_TEXT:
	case OV_CREDENTIAL:
		draw_text(o, g);
		break;
	case OV_CONFIRM:
		draw_confirm(o, g);
		break;
	case OV_PROMPT:
		draw_prompt(o, g);
		break;
	}
}

/* ------------------------------------------------------------- actions */

/* Take the open overlay off the screen (the caller frees it). */
static struct tui_overlay *take(struct tui_app *app)
{
	struct tui_overlay *o = app->overlay;

	app->overlay = NULL;
	app_priv(app)->dirty = true;
	return o;
}

static int ov_yes(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct tui_overlay *o = app->overlay;
	tui_confirm_fn yes;
	void *cb_arg;

	(void)arg;
	(void)err;
	if (o == NULL || o->kind != OV_CONFIRM)
		return TN_OK;
	take(app);
	yes = o->yes;
	cb_arg = o->arg;
	o->arg = NULL;
	overlay_free(o);
	if (yes != NULL)
		yes(app, cb_arg);
	free(cb_arg);
	return TN_OK;
}

static int ov_close(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	if (app->overlay != NULL)
		overlay_free(take(app));
	return TN_OK;
}

static int ov_submit(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct tui_overlay *o = app->overlay;
	char *text;

	(void)err;
	if (o == NULL)
		return TN_OK;
	if (o->kind == OV_CONFIRM)
		return TN_OK; /* only y answers yes */
	take(app);
	if (o->kind == OV_PALETTE) {
		const struct tui_action *a = o->sel < (int)o->nitems ? o->items[o->sel] : NULL;

		overlay_free(o);
		return a != NULL ? app_action(app, a->name, NULL) : TN_OK;
	}
	if (o->kind != OV_PROMPT) {
		overlay_free(o);
		return TN_OK;
	}
	/* A replayed submit carries the text (unless it was secret). */
	text = tn_strdup(arg != NULL ? arg : o->input.data);
	if (o->ask_action != NULL) {
		char *name = tn_strdup(o->ask_action);

		overlay_free(o);
		app_action(app, name, text);
		free(name);
	} else {
		tui_prompt_fn done = o->done;
		void *cb_arg = o->arg;

		o->arg = NULL;
		overlay_free(o);
		if (done != NULL)
			done(app, text, cb_arg);
		free(cb_arg);
	}
	free(text);
	return TN_OK;
}

static bool editable(const struct tui_overlay *o)
{
	return o != NULL && (o->kind == OV_PROMPT || o->kind == OV_PALETTE);
}

static int ov_insert(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct tui_overlay *o = app->overlay;

	if (!editable(o) || arg == NULL)
		return TN_OK;
	if (tn_buf_puts(&o->input, arg, err) != TN_OK)
		return err->code;
	if (o->kind == OV_PALETTE)
		palette_filter(o);
	return TN_OK;
}

static int ov_backspace(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct tui_overlay *o = app->overlay;

	(void)arg;
	(void)err;
	if (!editable(o) || o->input.len == 0)
		return TN_OK;
	do
		o->input.len--;
	while (o->input.len > 0 && ((unsigned char)o->input.data[o->input.len] & 0xc0) == 0x80);
	o->input.data[o->input.len] = '\0';
	if (o->kind == OV_PALETTE)
		palette_filter(o);
	return TN_OK;
}

static int ov_clear(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct tui_overlay *o = app->overlay;

	(void)arg;
	(void)err;
	if (!editable(o))
		return TN_OK;
	tn_buf_reset(&o->input);
	tn_buf_puts(&o->input, "", NULL);
	if (o->kind == OV_PALETTE)
		palette_filter(o);
	return TN_OK;
}

/* Move the palette's selection or the text's first line by d. */
static int move(struct tui_app *app, long d)
{
	struct tui_overlay *o = app->overlay;

	if (o == NULL)
		return TN_OK;
	if (o->kind == OV_PALETTE) {
		long s = o->sel + d;

		if (s >= (long)o->nitems)
			s = (long)o->nitems - 1;
		o->sel = s < 0 ? 0 : (int)s;
	} else if (o->kind == OV_TEXT || o->kind == OV_CREDENTIAL) {
		long t = o->top + d;

		if (t > (long)o->nlines - o->page)
			t = (long)o->nlines - o->page;
		o->top = t < 0 ? 0 : (int)t;
	}
	return TN_OK;
}

static int ov_up(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	return move(app, -1);
}

static int ov_down(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	return move(app, 1);
}

static int ov_pgup(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	return move(app, app->overlay != NULL ? -app->overlay->page : 0);
}

static int ov_pgdn(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	return move(app, app->overlay != NULL ? app->overlay->page : 0);
}

static int ov_top(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	return move(app, -1000000000L);
}

static int ov_bottom(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	(void)err;
	return move(app, 1000000000L);
}

static int ov_copy(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct tui_overlay *o = app->overlay;

	(void)arg;
	(void)err;
	if (o != NULL && o->kind == OV_CREDENTIAL)
		app_copy(app, "the credential", o->copy);
	return TN_OK;
}

const struct tui_action overlay_actions[] = {
	{"app.yes", "answer yes to the question (y)", CTX_GLOBAL, "", ov_yes, false},
	{"app.no", "answer no to the question (n, Esc)", CTX_GLOBAL, "", ov_close, false},
	{"app.close", "close the overlay (Esc)", CTX_GLOBAL, "", ov_close, false},
	{"app.submit", "accept the prompt or the palette's choice (Enter)", CTX_GLOBAL, "",
	 ov_submit, false},
	{"app.overlay_insert", "type into the prompt or the palette's filter", CTX_GLOBAL, "",
	 ov_insert, false},
	{"app.overlay_backspace", "delete the character before the cursor", CTX_GLOBAL, "",
	 ov_backspace, false},
	{"app.overlay_clear", "clear the prompt (C-u)", CTX_GLOBAL, "", ov_clear, false},
	{"app.overlay_up", "move up in the overlay", CTX_GLOBAL, "", ov_up, false},
	{"app.overlay_down", "move down in the overlay", CTX_GLOBAL, "", ov_down, false},
	{"app.overlay_pgup", "a page up in the overlay", CTX_GLOBAL, "", ov_pgup, false},
	{"app.overlay_pgdn", "a page down in the overlay", CTX_GLOBAL, "", ov_pgdn, false},
	{"app.overlay_top", "to the top of the overlay", CTX_GLOBAL, "", ov_top, false},
	{"app.overlay_bottom", "to the bottom of the overlay", CTX_GLOBAL, "", ov_bottom, false},
	{"app.overlay_copy", "copy the credential shown (c)", CTX_GLOBAL, "", ov_copy, false},
};
const size_t overlay_nactions = sizeof(overlay_actions) / sizeof(overlay_actions[0]);
