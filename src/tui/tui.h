/* tui.h - the terminal workbench (ARCHITECTURE "The TUI"): what cli/
 * calls to open it. Everything else of src/tui is internal (tui_int.h). */
#ifndef TARN_TUI_H
#define TARN_TUI_H

#include <stdbool.h>

#include "base/err.h"

struct tui_opts {
	const char *lakehouse;   /* NULL: tarn_lakehouse_default() */
	const char *theme;       /* theme name or file; NULL: $TARN_THEME, else "dark" */
	const char *keys;        /* key map file; NULL: the default place (tui_keys_path) */
	const char *record;      /* write an asciicast v2 recording here */
	bool record_input;       /* with record: also write 'i' input events */
	const char *replay;      /* replay this recording */
	double speed;            /* replay speed factor (0: as fast as the engine allows) */
	bool headless;           /* with replay: no terminal; a cell grid only */
	const char *dump_screen; /* write the final screen as text here */
	int width, height;       /* headless size (0: the recording's, else 100x30) */
	bool ascii;              /* ASCII line drawing even in a UTF-8 locale */
	bool read_only;          /* refuse statements that change anything */
	bool no_confirm;         /* do not ask before destructive statements */
	const char *initial_sql; /* put in the editor at start (demo) */
};

/* Run the workbench until the user quits (or the replay ends). Returns
 * TN_OK, or an error with err saying what failed (no terminal, a bad
 * theme or key map, an unreadable recording, ...). */
int tui_main(const struct tui_opts *o, struct tn_err *err);

#endif
