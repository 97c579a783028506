/* app_int.h - what app.c and overlay.c share: the app's private state and
 * the overlays (palette, help, confirm, prompt, text view). */
#ifndef TARN_TUI_APP_INT_H
#define TARN_TUI_APP_INT_H

#include "tui/tui_int.h"

/* The app with what only app.c and overlay.c see; tui_main allocates it,
 * so a struct tui_app * given to panes points at one of these. */
struct app_priv {
	struct tui_app pub;
	struct tui_term *term;      /* NULL when headless */
	bool dirty;                 /* draw again */
	bool ask_opened;            /* the running action only opened a prompt */
	int pending[2];             /* keys of a two-key binding typed so far */
	size_t npending;
	enum tui_pane_id wb_focus;  /* the focused workbench pane (back from History) */
	FILE *trace;                /* TARN_TUI_TRACE */
	struct tui_replay replay;
};

static inline struct app_priv *app_priv(struct tui_app *app)
{
	return (struct app_priv *)app;
}

/* ---- overlays (overlay.c) ---- */
struct tui_overlay *overlay_palette_new(const char *filter);
struct tui_overlay *overlay_text_new(const char *title, const char *text);
/* A text view showing a credential: secret's occurrences in secret cells,
 * app.overlay_copy copies copy; everything wiped on free. */
struct tui_overlay *overlay_credential_new(const char *title, const char *text,
					   const char *secret, const char *copy);
/* The help text: every action by context with its keys. Caller frees. */
char *overlay_help_text(void);
struct tui_overlay *overlay_confirm_new(const char *question, tui_confirm_fn yes, void *arg);
/* ask_action: the action app_ask runs with the text (then done is NULL). */
struct tui_overlay *overlay_prompt_new(const char *label, const char *initial, bool secret,
				       tui_prompt_fn done, void *arg, const char *ask_action);
/* Frees the overlay and its callback's arg without calling anything. */
void overlay_free(struct tui_overlay *o);
void overlay_draw(struct tui_overlay *o, struct tui_grid *g, const struct tui_theme *t);
/* The overlay action a key runs (NULL: the key does nothing here); *arg
 * gets the key's UTF-8 for app.overlay_insert. */
const char *overlay_key(const struct tui_overlay *o, int key, char *arg, size_t n);
/* How app_action records action name while o is open: 0 not at all
 * (what it leads to is recorded), 1 with its argument, 2 without it. */
int overlay_record_mode(const struct tui_overlay *o, const char *name);
/* A secret prompt is open: no input events may be recorded. */
bool overlay_secret(const struct tui_overlay *o);
/* The overlay actions (app.yes, app.no, app.close, app.submit,
 * app.overlay_*), registered by the app. */
extern const struct tui_action overlay_actions[];
extern const size_t overlay_nactions;

#endif
