/* editor.c - the editor's text model (editor.h). The text is one byte
 * array with an index of line starts rebuilt after each edit: SQL buffers
 * are small, and one representation keeps every operation simple. */
#include "tui/editor.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "tui/tui_int.h"

/* Undo steps kept per buffer; the oldest go first. */
#define EDITOR_UNDO_MAX 1000

static void index_lines(struct editor *ed)
{
	ed->nlines = 0;
	for (size_t i = 0;; i++) {
		if (ed->nlines == ed->lines_cap) {
			ed->lines_cap = ed->lines_cap ? ed->lines_cap * 2 : 64;
			ed->lines = tn_realloc(ed->lines, ed->lines_cap * sizeof(*ed->lines));
		}
		ed->lines[ed->nlines++] = i;
		{
			const char *nl = memchr(ed->text + i, '\n', ed->len - i);

			if (nl == NULL)
				break;
			i = (size_t)(nl - ed->text);
		}
	}
}

void editor_init(struct editor *ed, struct editor_clip *clip)
{
	memset(ed, 0, sizeof(*ed));
	ed->cap = 64;
	ed->text = tn_calloc(ed->cap, 1);
	ed->goal = -1;
	ed->clip = clip;
	index_lines(ed);
}

static void change_free(struct editor_change *c)
{
	free(c->del);
	free(c->ins);
}

static void drop_redo(struct editor *ed)
{
	for (size_t i = 0; i < ed->nredo; i++)
		change_free(&ed->redo[i]);
	ed->nredo = 0;
}

static void drop_undo(struct editor *ed)
{
	for (size_t i = 0; i < ed->nundo; i++)
		change_free(&ed->undo[i]);
	ed->nundo = 0;
}

void editor_done(struct editor *ed)
{
	drop_undo(ed);
	drop_redo(ed);
	free(ed->undo);
	free(ed->redo);
	free(ed->text);
	free(ed->lines);
	memset(ed, 0, sizeof(*ed));
}

void editor_clip_done(struct editor_clip *c)
{
	free(c->text);
	c->text = NULL;
	c->len = 0;
}

/* The start of the code point that contains byte pos. */
static size_t boundary(const struct editor *ed, size_t pos)
{
	if (pos > ed->len)
		pos = ed->len;
	while (pos > 0 && pos < ed->len && ((unsigned char)ed->text[pos] & 0xc0) == 0x80)
		pos--;
	return pos;
}

static size_t next_cp(const struct editor *ed, size_t pos)
{
	uint32_t cp;

	if (pos >= ed->len)
		return ed->len;
	return pos + tui_utf8_decode(ed->text + pos, ed->len - pos, &cp);
}

static size_t prev_cp(const struct editor *ed, size_t pos)
{
	return pos == 0 ? 0 : boundary(ed, pos - 1);
}

/* Bytes [pos, pos + dlen) become ins[0..ilen), without undo. */
static void splice(struct editor *ed, size_t pos, size_t dlen, const char *ins, size_t ilen)
{
	size_t len = ed->len - dlen + ilen;

	if (len + 1 > ed->cap) {
		while (len + 1 > ed->cap)
			ed->cap *= 2;
		ed->text = tn_realloc(ed->text, ed->cap);
	}
	memmove(ed->text + pos + ilen, ed->text + pos + dlen, ed->len - pos - dlen);
	memcpy(ed->text + pos, ins, ilen);
	ed->len = len;
	ed->text[len] = '\0';
	index_lines(ed);
}

void editor_load(struct editor *ed, const char *text, size_t len, size_t pos)
{
	splice(ed, 0, ed->len, text, len);
	drop_undo(ed);
	drop_redo(ed);
	ed->cur = boundary(ed, pos);
	ed->sel = ed->mark = ed->typing = false;
	ed->goal = -1;
}

size_t editor_line_of(const struct editor *ed, size_t pos)
{
	size_t lo = 0, hi = ed->nlines;

	/* the last line starting at or before pos */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ed->lines[mid] <= pos)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

size_t editor_line_start(const struct editor *ed, size_t line)
{
	return line < ed->nlines ? ed->lines[line] : ed->len;
}

size_t editor_line_end(const struct editor *ed, size_t line)
{
	return line + 1 < ed->nlines ? ed->lines[line + 1] - 1 : ed->len;
}

int editor_cols(const char *s, size_t n)
{
	int col = 0;
	uint32_t cp;

	for (size_t i = 0; i < n;) {
		i += tui_utf8_decode(s + i, n - i, &cp);
		col = cp == '\t' ? (col / EDITOR_TAB + 1) * EDITOR_TAB : col + tui_cp_width(cp);
	}
	return col;
}

int editor_col(const struct editor *ed)
{
	size_t ls = editor_line_start(ed, editor_line_of(ed, ed->cur));

	return editor_cols(ed->text + ls, ed->cur - ls);
}

size_t editor_pos_at_col(const struct editor *ed, size_t line, int col)
{
	size_t p = editor_line_start(ed, line), end = editor_line_end(ed, line);
	int c = 0;

	while (p < end) {
		uint32_t cp;
		size_t n = tui_utf8_decode(ed->text + p, end - p, &cp);
		int next = cp == '\t' ? (c / EDITOR_TAB + 1) * EDITOR_TAB : c + tui_cp_width(cp);

		if (next > col)
			break;
		c = next;
		p += n;
	}
	return p;
}

bool editor_selection(const struct editor *ed, size_t *s, size_t *e)
{
	if (!ed->sel || ed->anchor == ed->cur)
		return false;
	*s = ed->anchor < ed->cur ? ed->anchor : ed->cur;
	*e = ed->anchor < ed->cur ? ed->cur : ed->anchor;
	return true;
}

void editor_select_begin(struct editor *ed, bool extend)
{
	ed->typing = false;
	if (extend) {
		if (!ed->sel) {
			ed->sel = true;
			ed->mark = false;
			ed->anchor = ed->cur;
		}
	} else if (ed->sel && !ed->mark) {
		ed->sel = false;
	}
}

void editor_mark_toggle(struct editor *ed)
{
	ed->typing = false;
	if (ed->sel) {
		ed->sel = ed->mark = false;
	} else {
		ed->sel = ed->mark = true;
		ed->anchor = ed->cur;
	}
}

void editor_select_all(struct editor *ed)
{
	ed->typing = false;
	ed->sel = true;
	ed->mark = false;
	ed->anchor = 0;
	ed->cur = ed->len;
	ed->goal = -1;
}

void editor_select_none(struct editor *ed)
{
	ed->sel = ed->mark = false;
}

static bool is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

static void move_vert(struct editor *ed, long lines)
{
	size_t line = editor_line_of(ed, ed->cur);

	if (ed->goal < 0)
		ed->goal = editor_col(ed);
	if (lines < 0 && (size_t)-lines > line) {
		ed->cur = 0;
		ed->goal = -1;
	} else if (lines > 0 && line + (size_t)lines >= ed->nlines) {
		ed->cur = ed->len;
		ed->goal = -1;
	} else {
		ed->cur = editor_pos_at_col(ed, line + (size_t)lines, ed->goal);
	}
}

void editor_move(struct editor *ed, enum editor_move m, bool extend)
{
	size_t p = ed->cur, line = editor_line_of(ed, ed->cur), ls, le;

	editor_select_begin(ed, extend);
	switch (m) {
	case EM_UP:
	case EM_DOWN:
		move_vert(ed, m == EM_UP ? -1 : 1);
		return;
	case EM_LEFT:
		p = prev_cp(ed, p);
		break;
	case EM_RIGHT:
		p = next_cp(ed, p);
		break;
	case EM_WORD_LEFT:
		while (p > 0 && !is_word(ed->text[p - 1]))
			p--;
		while (p > 0 && is_word(ed->text[p - 1]))
			p--;
		break;
	case EM_WORD_RIGHT:
		while (p < ed->len && !is_word(ed->text[p]))
			p++;
		while (p < ed->len && is_word(ed->text[p]))
			p++;
		break;
	case EM_HOME:
		ls = editor_line_start(ed, line);
		le = editor_line_end(ed, line);
		p = ls;
		while (p < le && (ed->text[p] == ' ' || ed->text[p] == '\t'))
			p++;
		if (p == ed->cur)
			p = ls; /* already at the indentation: to column 0 */
		break;
	case EM_END:
		p = editor_line_end(ed, line);
		break;
	case EM_DOC_START:
		p = 0;
		break;
	case EM_DOC_END:
		p = ed->len;
		break;
	}
	ed->cur = boundary(ed, p);
	ed->goal = -1;
}

void editor_page(struct editor *ed, int rows, bool extend)
{
	editor_select_begin(ed, extend);
	move_vert(ed, rows);
}

void editor_goto(struct editor *ed, size_t pos)
{
	ed->sel = ed->mark = ed->typing = false;
	ed->cur = boundary(ed, pos);
	ed->goal = -1;
}

/* ---- edits ---- */

static void push(struct editor_change **v, size_t *n, size_t *cap, struct editor_change c)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = tn_realloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = c;
}

static char *dup_bytes(const char *s, size_t n)
{
	char *d = tn_malloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* An undoable edit: [pos, pos + dlen) becomes ins; the cursor goes after
 * ins and the selection ends. */
static void edit(struct editor *ed, size_t pos, size_t dlen, const char *ins, size_t ilen)
{
	struct editor_change c = {
		.pos = pos,
		.del = dup_bytes(ed->text + pos, dlen),
		.dlen = dlen,
		.ins = dup_bytes(ins, ilen),
		.ilen = ilen,
		.cur_before = ed->cur,
		.anchor_before = ed->anchor,
		.sel_before = ed->sel,
	};

	drop_redo(ed);
	if (ed->nundo == EDITOR_UNDO_MAX) {
		change_free(&ed->undo[0]);
		memmove(ed->undo, ed->undo + 1, (ed->nundo - 1) * sizeof(*ed->undo));
		ed->nundo--;
	}
	push(&ed->undo, &ed->nundo, &ed->undo_cap, c);
	splice(ed, pos, dlen, ins, ilen);
	ed->cur = pos + ilen;
	ed->sel = ed->mark = ed->typing = false;
	ed->goal = -1;
}

/* Replace the selection (or insert at the cursor) with s. */
static void edit_at_cursor(struct editor *ed, const char *s, size_t n)
{
	size_t a, b;

	if (editor_selection(ed, &a, &b))
		edit(ed, a, b - a, s, n);
	else
		edit(ed, ed->cur, 0, s, n);
}

void editor_type(struct editor *ed, const char *s, size_t n)
{
	struct editor_change *last = ed->nundo ? &ed->undo[ed->nundo - 1] : NULL;
	size_t a, b;

	if (n == 0)
		return;
	if (ed->typing && last != NULL && !editor_selection(ed, &a, &b) &&
	    ed->cur == last->pos + last->ilen) {
		/* more of the same typing: one undo step */
		last->ins = tn_realloc(last->ins, last->ilen + n + 1);
		memcpy(last->ins + last->ilen, s, n);
		last->ilen += n;
		last->ins[last->ilen] = '\0';
		splice(ed, ed->cur, 0, s, n);
		ed->cur += n;
		ed->goal = -1;
		return;
	}
	edit_at_cursor(ed, s, n);
	ed->typing = true;
}

void editor_insert(struct editor *ed, const char *s, size_t n)
{
	edit_at_cursor(ed, s, n);
}

void editor_newline(struct editor *ed)
{
	size_t ls = editor_line_start(ed, editor_line_of(ed, ed->cur)), p = ls, a, b;
	char *ins;

	if (editor_selection(ed, &a, &b))
		ls = p = editor_line_start(ed, editor_line_of(ed, a));
	else
		a = ed->cur;
	while (p < a && (ed->text[p] == ' ' || ed->text[p] == '\t'))
		p++;
	ins = tn_malloc(p - ls + 2);
	ins[0] = '\n';
	memcpy(ins + 1, ed->text + ls, p - ls);
	edit_at_cursor(ed, ins, p - ls + 1);
	free(ins);
}

void editor_backspace(struct editor *ed)
{
	size_t a, b;

	if (editor_selection(ed, &a, &b))
		edit(ed, a, b - a, "", 0);
	else if (ed->cur > 0)
		edit(ed, prev_cp(ed, ed->cur), ed->cur - prev_cp(ed, ed->cur), "", 0);
}

void editor_delete(struct editor *ed)
{
	size_t a, b;

	if (editor_selection(ed, &a, &b))
		edit(ed, a, b - a, "", 0);
	else if (ed->cur < ed->len)
		edit(ed, ed->cur, next_cp(ed, ed->cur) - ed->cur, "", 0);
}

void editor_replace(struct editor *ed, size_t s, size_t e, const char *ins, size_t n)
{
	if (e > ed->len)
		e = ed->len;
	if (s > e)
		s = e;
	edit(ed, s, e - s, ins, n);
}

void editor_clear(struct editor *ed)
{
	if (ed->len > 0)
		edit(ed, 0, ed->len, "", 0);
}

bool editor_undo(struct editor *ed)
{
	struct editor_change c;

	if (ed->nundo == 0)
		return false;
	c = ed->undo[--ed->nundo];
	splice(ed, c.pos, c.ilen, c.del, c.dlen);
	ed->cur = c.cur_before;
	ed->anchor = c.anchor_before;
	ed->sel = c.sel_before;
	ed->mark = ed->typing = false;
	ed->goal = -1;
	push(&ed->redo, &ed->nredo, &ed->redo_cap, c);
	return true;
}

bool editor_redo(struct editor *ed)
{
	struct editor_change c;

	if (ed->nredo == 0)
		return false;
	c = ed->redo[--ed->nredo];
	splice(ed, c.pos, c.dlen, c.ins, c.ilen);
	ed->cur = c.pos + c.ilen;
	ed->sel = ed->mark = ed->typing = false;
	ed->goal = -1;
	push(&ed->undo, &ed->nundo, &ed->undo_cap, c);
	return true;
}

/* Put the selection on the clipboard: false when there is none. */
static bool clip_selection(struct editor *ed, size_t *a, size_t *b)
{
	if (ed->clip == NULL || !editor_selection(ed, a, b))
		return false;
	free(ed->clip->text);
	ed->clip->text = dup_bytes(ed->text + *a, *b - *a);
	ed->clip->len = *b - *a;
	return true;
}

bool editor_copy(struct editor *ed)
{
	size_t a, b;

	if (!clip_selection(ed, &a, &b))
		return false;
	ed->sel = ed->mark = ed->typing = false;
	return true;
}

bool editor_cut(struct editor *ed)
{
	size_t a, b;

	if (!clip_selection(ed, &a, &b))
		return false;
	edit(ed, a, b - a, "", 0);
	return true;
}

bool editor_paste(struct editor *ed)
{
	if (ed->clip == NULL || ed->clip->len == 0)
		return false;
	editor_insert(ed, ed->clip->text, ed->clip->len);
	return true;
}
