/* test_tui_editor.c - the editor's text model: lines, moves by code
 * point, word and display column, selection, undo groups, clipboard. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "tui/editor.h"

static struct editor_clip clip;

static int setup(void **state)
{
	struct editor *ed = test_malloc(sizeof(*ed));

	editor_init(ed, &clip);
	*state = ed;
	return 0;
}

static int teardown(void **state)
{
	editor_done(*state);
	test_free(*state);
	editor_clip_done(&clip);
	return 0;
}

/* The text with '|' at the cursor (and [ ] around a selection). */
static const char *show(const struct editor *ed)
{
	static char out[512];
	size_t n = 0, s = 0, e = 0;
	bool sel = editor_selection(ed, &s, &e);

	for (size_t i = 0; i <= ed->len && n + 4 < sizeof(out); i++) {
		if (sel && i == s && s != ed->cur)
			out[n++] = '[';
		if (i == ed->cur)
			out[n++] = '|';
		if (sel && i == e && e != ed->cur)
			out[n++] = ']';
		if (i < ed->len)
			out[n++] = ed->text[i];
	}
	out[n] = '\0';
	return out;
}

static void type(struct editor *ed, const char *s)
{
	editor_type(ed, s, strlen(s));
}

static void load(struct editor *ed, const char *marked)
{
	const char *bar = strchr(marked, '|');
	char text[512];
	size_t pos = (size_t)(bar - marked);

	memcpy(text, marked, pos);
	strcpy(text + pos, bar + 1);
	editor_load(ed, text, strlen(text), pos);
}

static void test_lines(void **state)
{
	struct editor *ed = *state;

	assert_int_equal(ed->nlines, 1);
	load(ed, "ab\ncd\n|");
	assert_int_equal(ed->nlines, 3);
	assert_int_equal(editor_line_of(ed, 0), 0);
	assert_int_equal(editor_line_of(ed, 2), 0); /* the '\n' ends line 0 */
	assert_int_equal(editor_line_of(ed, 3), 1);
	assert_int_equal(editor_line_of(ed, 6), 2);
	assert_int_equal(editor_line_start(ed, 1), 3);
	assert_int_equal(editor_line_end(ed, 1), 5);
	assert_int_equal(editor_line_end(ed, 2), 6);
	assert_string_equal(ed->text, "ab\ncd\n");
}

static void test_typing_and_delete(void **state)
{
	struct editor *ed = *state;

	type(ed, "SELCT");
	editor_move(ed, EM_LEFT, false);
	editor_move(ed, EM_LEFT, false);
	type(ed, "E");
	assert_string_equal(show(ed), "SELE|CT");
	editor_backspace(ed);
	editor_delete(ed);
	assert_string_equal(show(ed), "SEL|T");
	editor_move(ed, EM_END, false);
	editor_delete(ed); /* at the end: nothing */
	assert_string_equal(show(ed), "SELT|");
	editor_move(ed, EM_DOC_START, false);
	editor_backspace(ed); /* at the start: nothing */
	assert_string_equal(show(ed), "|SELT");
}

static void test_utf8(void **state)
{
	struct editor *ed = *state;

	load(ed, "a\xc3\xa9\xe4\xb8\xad|b"); /* a é 中 b */
	assert_int_equal(editor_col(ed), 4); /* 1 + 1 + 2 */
	editor_move(ed, EM_LEFT, false);
	assert_int_equal(ed->cur, 3);
	editor_move(ed, EM_LEFT, false);
	assert_int_equal(ed->cur, 1);
	editor_move(ed, EM_RIGHT, false);
	assert_int_equal(ed->cur, 3);
	editor_backspace(ed);
	assert_string_equal(ed->text, "a\xe4\xb8\xad" "b");
	editor_delete(ed);
	assert_string_equal(ed->text, "ab");
	/* a position inside a code point moves back to its start */
	load(ed, "\xe4\xb8\xad|");
	editor_goto(ed, 2);
	assert_int_equal(ed->cur, 0);
}

static void test_tabs_and_columns(void **state)
{
	struct editor *ed = *state;

	assert_int_equal(editor_cols("\t", 1), 4);
	assert_int_equal(editor_cols("ab\t", 3), 4);
	assert_int_equal(editor_cols("abcd\t", 5), 8);
	assert_int_equal(editor_cols("\xe4\xb8\xad\t", 4), 4);
	load(ed, "\tx|\nabcdefgh");
	assert_int_equal(editor_col(ed), 5);
	editor_move(ed, EM_DOWN, false);
	assert_int_equal(ed->cur, 3 + 5);
	/* a column inside a tab goes to the tab's start */
	assert_int_equal(editor_pos_at_col(ed, 0, 2), 0);
	assert_int_equal(editor_pos_at_col(ed, 0, 4), 1);
	assert_int_equal(editor_pos_at_col(ed, 0, 99), 2);
}

static void test_up_down_goal(void **state)
{
	struct editor *ed = *state;

	load(ed, "abcdef|\nab\n\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\nabcdefgh");
	editor_move(ed, EM_DOWN, false);
	assert_string_equal(show(ed), "abcdef\nab|\n中中中\nabcdefgh");
	editor_move(ed, EM_DOWN, false); /* column 6: after the third wide char */
	assert_string_equal(show(ed), "abcdef\nab\n中中中|\nabcdefgh");
	editor_move(ed, EM_DOWN, false);
	assert_string_equal(show(ed), "abcdef\nab\n中中中\nabcdef|gh");
	editor_move(ed, EM_UP, false);
	editor_move(ed, EM_UP, false);
	editor_move(ed, EM_UP, false);
	assert_string_equal(show(ed), "abcdef|\nab\n中中中\nabcdefgh");
	editor_move(ed, EM_UP, false); /* on the first line: to the start */
	assert_int_equal(ed->cur, 0);
	editor_move(ed, EM_DOC_END, false);
	editor_move(ed, EM_DOWN, false);
	assert_int_equal(ed->cur, ed->len);
	/* an odd column in wide characters: the one before */
	load(ed, "abc|\n\xe4\xb8\xad\xe4\xb8\xad");
	editor_move(ed, EM_DOWN, false);
	assert_string_equal(show(ed), "abc\n中|中");
}

static void test_pages(void **state)
{
	struct editor *ed = *state;

	load(ed, "0|\n1\n2\n3\n4\n5\n6");
	editor_page(ed, 3, false);
	assert_string_equal(show(ed), "0\n1\n2\n3|\n4\n5\n6");
	editor_page(ed, 10, false);
	assert_int_equal(ed->cur, ed->len);
	editor_page(ed, -2, false);
	assert_int_equal(editor_line_of(ed, ed->cur), 4);
	editor_page(ed, -10, false);
	assert_int_equal(ed->cur, 0);
	editor_page(ed, 2, true);
	assert_string_equal(show(ed), "[0\n1\n|2\n3\n4\n5\n6");
}

static void test_words_home_end(void **state)
{
	struct editor *ed = *state;

	load(ed, "|  SELECT a_b, c.d\n  FROM t");
	editor_move(ed, EM_WORD_RIGHT, false);
	assert_string_equal(show(ed), "  SELECT| a_b, c.d\n  FROM t");
	editor_move(ed, EM_WORD_RIGHT, false);
	assert_string_equal(show(ed), "  SELECT a_b|, c.d\n  FROM t");
	editor_move(ed, EM_WORD_RIGHT, false);
	editor_move(ed, EM_WORD_RIGHT, false);
	editor_move(ed, EM_WORD_RIGHT, false);
	assert_string_equal(show(ed), "  SELECT a_b, c.d\n  FROM| t");
	editor_move(ed, EM_WORD_LEFT, false);
	assert_string_equal(show(ed), "  SELECT a_b, c.d\n  |FROM t");
	editor_move(ed, EM_WORD_LEFT, false);
	assert_string_equal(show(ed), "  SELECT a_b, c.|d\n  FROM t");
	editor_move(ed, EM_HOME, false);
	assert_string_equal(show(ed), "  |SELECT a_b, c.d\n  FROM t");
	editor_move(ed, EM_HOME, false);
	assert_string_equal(show(ed), "|  SELECT a_b, c.d\n  FROM t");
	editor_move(ed, EM_END, false);
	assert_string_equal(show(ed), "  SELECT a_b, c.d|\n  FROM t");
	editor_move(ed, EM_DOC_END, false);
	editor_move(ed, EM_WORD_RIGHT, false);
	assert_int_equal(ed->cur, ed->len);
}

static void test_selection(void **state)
{
	struct editor *ed = *state;

	load(ed, "ab|cdef");
	editor_move(ed, EM_RIGHT, true);
	editor_move(ed, EM_RIGHT, true);
	assert_string_equal(show(ed), "ab[cd|ef");
	/* a plain move ends a Shift selection */
	editor_move(ed, EM_RIGHT, false);
	assert_string_equal(show(ed), "abcde|f");
	/* the mark: plain moves extend */
	editor_mark_toggle(ed);
	editor_move(ed, EM_LEFT, false);
	editor_move(ed, EM_LEFT, false);
	assert_string_equal(show(ed), "abc|de]f");
	editor_mark_toggle(ed);
	assert_string_equal(show(ed), "abc|def");
	/* typing replaces the selection */
	editor_move(ed, EM_HOME, false);
	editor_move(ed, EM_END, true);
	type(ed, "x");
	assert_string_equal(show(ed), "x|");
	editor_select_all(ed);
	editor_delete(ed);
	assert_string_equal(show(ed), "|");
	/* an empty selection is none */
	load(ed, "ab|");
	editor_mark_toggle(ed);
	assert_string_equal(show(ed), "ab|");
	editor_backspace(ed);
	assert_string_equal(show(ed), "a|");
}

static void test_newline_indent(void **state)
{
	struct editor *ed = *state;

	load(ed, "  \tSELECT a|");
	editor_newline(ed);
	assert_string_equal(show(ed), "  \tSELECT a\n  \t|");
	type(ed, "FROM t");
	/* within the indentation: only the part before the cursor */
	load(ed, " |   x");
	editor_newline(ed);
	assert_string_equal(show(ed), " \n |   x");
	load(ed, "x|");
	editor_newline(ed);
	assert_string_equal(show(ed), "x\n|");
}

static void test_undo_groups(void **state)
{
	struct editor *ed = *state;

	type(ed, "S");
	type(ed, "E");
	type(ed, "L");
	editor_newline(ed);
	type(ed, "a");
	type(ed, "b");
	assert_string_equal(show(ed), "SEL\nab|");
	assert_true(editor_undo(ed)); /* "ab" */
	assert_string_equal(show(ed), "SEL\n|");
	assert_true(editor_undo(ed)); /* the newline */
	assert_string_equal(show(ed), "SEL|");
	assert_true(editor_redo(ed));
	assert_string_equal(show(ed), "SEL\n|");
	assert_true(editor_undo(ed));
	assert_true(editor_undo(ed)); /* "SEL" */
	assert_string_equal(show(ed), "|");
	assert_false(editor_undo(ed));
	assert_true(editor_redo(ed));
	assert_true(editor_redo(ed));
	assert_true(editor_redo(ed));
	assert_string_equal(show(ed), "SEL\nab|");
	assert_false(editor_redo(ed));

	/* a move ends a typing group */
	editor_load(ed, "", 0, 0);
	type(ed, "ab");
	editor_move(ed, EM_LEFT, false);
	editor_move(ed, EM_RIGHT, false);
	type(ed, "c");
	assert_true(editor_undo(ed));
	assert_string_equal(show(ed), "ab|");

	/* a new edit clears redo */
	assert_true(editor_undo(ed));
	assert_string_equal(show(ed), "|");
	type(ed, "z");
	assert_false(editor_redo(ed));
	assert_string_equal(show(ed), "z|");

	/* undo restores the selection that was replaced */
	load(ed, "ab|cd");
	editor_move(ed, EM_END, true);
	type(ed, "X");
	type(ed, "Y");
	assert_string_equal(show(ed), "abXY|");
	assert_true(editor_undo(ed));
	assert_string_equal(show(ed), "ab[cd|");
	/* backspace is a step of its own */
	load(ed, "abc|");
	editor_backspace(ed);
	editor_backspace(ed);
	assert_true(editor_undo(ed));
	assert_string_equal(show(ed), "ab|");
	assert_true(editor_undo(ed));
	assert_string_equal(show(ed), "abc|");
	/* loading dropped the history before */
	assert_false(editor_undo(ed));
}

static void test_clipboard(void **state)
{
	struct editor *ed = *state, other;

	load(ed, "SELECT |1, 2");
	assert_false(editor_copy(ed));
	assert_false(editor_paste(ed)); /* empty clipboard */
	editor_move(ed, EM_WORD_RIGHT, true);
	assert_true(editor_copy(ed));
	assert_string_equal(clip.text, "1");
	assert_string_equal(show(ed), "SELECT 1|, 2");
	editor_move(ed, EM_END, true);
	assert_true(editor_cut(ed));
	assert_string_equal(clip.text, ", 2");
	assert_string_equal(show(ed), "SELECT 1|");
	assert_true(editor_paste(ed));
	assert_true(editor_paste(ed));
	assert_string_equal(show(ed), "SELECT 1, 2, 2|");
	assert_true(editor_undo(ed));
	assert_string_equal(show(ed), "SELECT 1, 2|");
	assert_true(editor_undo(ed));
	assert_true(editor_undo(ed)); /* the cut */
	assert_string_equal(show(ed), "SELECT 1[, 2|");
	/* the clipboard is shared by editors */
	editor_init(&other, &clip);
	assert_true(editor_paste(&other));
	assert_string_equal(other.text, ", 2");
	editor_done(&other);
	/* multi-line inserts are one step and index their lines */
	load(ed, "|");
	editor_insert(ed, "a\nb\nc", 5);
	assert_int_equal(ed->nlines, 3);
	assert_true(editor_undo(ed));
	assert_int_equal(ed->len, 0);
}

static void test_replace_clear(void **state)
{
	struct editor *ed = *state;

	load(ed, "SELECT * FROM ite|");
	editor_replace(ed, 14, 17, "items", 5);
	assert_string_equal(show(ed), "SELECT * FROM items|");
	editor_clear(ed);
	assert_string_equal(show(ed), "|");
	assert_true(editor_undo(ed));
	assert_string_equal(show(ed), "SELECT * FROM items|");
	/* out-of-range bounds are clamped */
	editor_replace(ed, 100, 200, "!", 1);
	assert_string_equal(show(ed), "SELECT * FROM items!|");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_typing_and_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tabs_and_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_up_down_goal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_words_home_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_selection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newline_indent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_undo_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clipboard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_clear, setup, teardown),
	};

	/* wide characters need a UTF-8 locale for wcwidth */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL && setlocale(LC_CTYPE, "en_US.UTF-8") == NULL) {
		printf("1..0 # SKIP no UTF-8 locale (C.UTF-8 or en_US.UTF-8)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
