/* editor.h - the editor's text model: a UTF-8 buffer with a line index,
 * a cursor and a selection, undo and redo, and a clipboard. No terminal
 * here, so it is tested on its own; pane_editor.c draws it and turns
 * actions into these calls. */
#ifndef TARN_TUI_EDITOR_H
#define TARN_TUI_EDITOR_H

#include <stdbool.h>
#include <stddef.h>

/* Tabs show as spaces to the next multiple of this. */
#define EDITOR_TAB 4

/* Text cut or copied, shared by the editors that point at it. */
struct editor_clip {
	char *text; /* owned, NUL-terminated, or NULL */
	size_t len;
};

/* One edit: bytes [pos, pos + dlen) were del and became ins. */
struct editor_change {
	size_t pos;
	char *del, *ins; /* owned */
	size_t dlen, ilen;
	size_t cur_before, anchor_before;
	bool sel_before;
};

struct editor {
	char *text; /* owned; always NUL-terminated */
	size_t len, cap;
	size_t *lines; /* byte offset where each line starts; lines[0] == 0 */
	size_t nlines, lines_cap;
	size_t cur;    /* the cursor, a byte offset at a UTF-8 boundary */
	size_t anchor; /* the other end of the selection */
	bool sel;      /* a selection is active (anchor .. cur) */
	bool mark;     /* the selection was started by the mark (C-Space):
			  plain moves extend it instead of ending it */
	int goal;      /* display column up/down aim for; -1: the cursor's */
	struct editor_change *undo, *redo; /* stacks, last is next */
	size_t nundo, undo_cap, nredo, redo_cap;
	bool typing;   /* the last change was typing that more typing extends */
	struct editor_clip *clip; /* borrowed */
};

/* Empty text. clip may be NULL (cut and copy then do nothing). */
void editor_init(struct editor *ed, struct editor_clip *clip);
void editor_done(struct editor *ed);
void editor_clip_done(struct editor_clip *c);

/* Replace all text (not undoable: loading a buffer), cursor at pos
 * (clamped, moved back to a UTF-8 boundary). */
void editor_load(struct editor *ed, const char *text, size_t len, size_t pos);

/* Lines: [editor_line_start, editor_line_end) without the '\n'. */
size_t editor_line_of(const struct editor *ed, size_t pos);
size_t editor_line_start(const struct editor *ed, size_t line);
size_t editor_line_end(const struct editor *ed, size_t line);
/* Display columns of s[0..n) starting at column 0 (tabs to the next
 * multiple of EDITOR_TAB, wide characters 2). */
int editor_cols(const char *s, size_t n);
/* The cursor's display column in its line. */
int editor_col(const struct editor *ed);
/* The offset in line whose column is the last <= col. */
size_t editor_pos_at_col(const struct editor *ed, size_t line, int col);

/* The selection [*s, *e); false (and nothing set) when there is none or
 * it is empty. */
bool editor_selection(const struct editor *ed, size_t *s, size_t *e);
/* Selection control: extend true starts a selection at the cursor when
 * none is active (Shift-moves); the mark toggles C-Space's selection. */
void editor_select_begin(struct editor *ed, bool extend);
void editor_mark_toggle(struct editor *ed);
void editor_select_all(struct editor *ed);
void editor_select_none(struct editor *ed);

/* Moves. extend: grow the selection (Shift); without it, a Shift
 * selection ends and a mark selection grows. */
enum editor_move {
	EM_LEFT,
	EM_RIGHT,
	EM_UP,
	EM_DOWN,
	EM_WORD_LEFT,
	EM_WORD_RIGHT,
	EM_HOME, /* the line's first non-blank, then column 0 */
	EM_END,
	EM_DOC_START,
	EM_DOC_END,
};
void editor_move(struct editor *ed, enum editor_move m, bool extend);
/* Up or down by rows lines (PgUp, PgDn). */
void editor_page(struct editor *ed, int rows, bool extend);
/* Put the cursor at pos (clamped to a boundary); ends the selection. */
void editor_goto(struct editor *ed, size_t pos);

/* Edits (all undoable; the selection, when there is one, is replaced). */
/* Text typed: consecutive typing is one undo step. */
void editor_type(struct editor *ed, const char *s, size_t n);
/* Text inserted as one step (paste, completion, a multi-line argument). */
void editor_insert(struct editor *ed, const char *s, size_t n);
/* A line break keeping the current line's indentation. */
void editor_newline(struct editor *ed);
void editor_backspace(struct editor *ed);
void editor_delete(struct editor *ed);
/* Replace [s, e) with ins (completion); the cursor goes after ins. */
void editor_replace(struct editor *ed, size_t s, size_t e, const char *ins, size_t n);
/* Delete all text (undoable). */
void editor_clear(struct editor *ed);

bool editor_undo(struct editor *ed); /* false: nothing to undo */
bool editor_redo(struct editor *ed);

/* Copy the selection to the clipboard (false: no selection); cut also
 * deletes it; paste inserts the clipboard (false: empty). */
bool editor_copy(struct editor *ed);
bool editor_cut(struct editor *ed);
bool editor_paste(struct editor *ed);

#endif
