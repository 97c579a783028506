/* test_tui_core.c - the workbench's core without a terminal: key names and
 * terminal sequences, themes (parsing, errors, fewer colours), the action
 * registry and key map, the cell grid, and recordings written and read. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <locale.h>

#include "base/alloc.h"
#include "tui/tui_int.h"

/* A temporary file holding text; caller unlinks and frees. */
static char *tmp_file(const char *text)
{
	char path[] = "/tmp/tarn-tui.XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return tn_strdup(path);
}

/* ------------------------------------------------------------------ keys */

static void test_key_names(void **state)
{
	static const char *const names[] = {
		"C-p", "M-x", "Up", "S-Down", "C-Left", "C-Right", "F1", "F12", "Enter", "Esc",
		"Tab", "S-Tab", "Backspace", "Del", "PgUp", "PgDn", "Home", "End", "Space",
		"C-Space", "?", ":", "g", "G", "é", "M-1", "M-Enter", "S-Home", "Ins", "C-\\",
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int k = key_parse(names[i]);

		assert_true(k >= 0);
		assert_string_equal(key_name(k, buf, sizeof(buf)), names[i]);
	}
	assert_int_equal(key_parse("C-p"), 16);
	assert_int_equal(key_parse("C-P"), 16);
	assert_int_equal(key_parse("C-m"), TK_ENTER);
	assert_int_equal(key_parse("M-x"), 'x' | TK_ALT);
	assert_int_equal(key_parse("F6"), TK_F1 + 5);
	assert_int_equal(key_parse("Space"), ' ');
	assert_int_equal(key_parse("F13"), -1);
	assert_int_equal(key_parse("F0"), -1);
	assert_int_equal(key_parse("Bogus"), -1);
	assert_int_equal(key_parse("ab"), -1);
	assert_int_equal(key_parse(""), -1);
	assert_int_equal(key_parse("C-"), -1);
	assert_int_equal(key_parse("M-M-x"), -1);
	assert_true(key_is_text('a'));
	assert_true(key_is_text(0x00e9));
	assert_false(key_is_text(TK_UP));
	assert_false(key_is_text(TK_ENTER));
	assert_false(key_is_text('a' | TK_ALT));
	assert_false(key_is_text(127));
}

static void test_key_decode(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		int key;
	} cases[] = {
		{"\033[A", 3, TK_UP},          {"\033OB", 3, TK_DOWN},
		{"\033[1;2A", 6, TK_S_UP},     {"\033[1;2D", 6, TK_S_LEFT},
		{"\033[1;5C", 6, TK_C_RIGHT},  {"\033[1;3A", 6, TK_UP | TK_ALT},
		{"\033[1~", 4, TK_HOME},       {"\033[4~", 4, TK_END},
		{"\033[H", 3, TK_HOME},        {"\033OF", 3, TK_END},
		{"\033[5~", 4, TK_PGUP},       {"\033[6~", 4, TK_PGDN},
		{"\033[2~", 4, TK_INS},        {"\033[3~", 4, TK_DEL},
		{"\033OP", 3, TK_F1},          {"\033[11~", 5, TK_F1},
		{"\033[15~", 5, TK_F1 + 4},    {"\033[24~", 5, TK_F12},
		{"\033[[A", 4, TK_F1},         {"\033[Z", 3, TK_BTAB},
		{"\033[a", 3, TK_S_UP},        {"\033Od", 3, TK_C_LEFT},
		{"\033x", 2, 'x' | TK_ALT},    {"\0331", 2, '1' | TK_ALT},
		{"\033\033[A", 4, TK_UP | TK_ALT}, {"\033", 1, TK_ESC},
		{"\r", 1, TK_ENTER},           {"\n", 1, TK_ENTER},
		{"\t", 1, TK_TAB},             {"\x7f", 1, TK_BACKSPACE},
		{"\x10", 1, TK_CTRL('p')},     {"\0", 1, TK_CTRL_SPACE},
		{"\xc3\xa9", 2, 0xe9},         {"\xe6\x97\xa5", 3, 0x65e5},
		{"\xff", 1, 0xfffd},           {"\033[1;2H", 6, TK_S_HOME},
	};
	int k;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t used = key_decode(cases[i].bytes, cases[i].len, &k);

		assert_int_equal(used, cases[i].len);
		assert_int_equal(k, cases[i].key);
	}
	/* Two keys in one read come one at a time. */
	assert_int_equal(key_decode("\033[Bq", 4, &k), 3);
	assert_int_equal(k, TK_DOWN);
	/* Incomplete sequences wait for more bytes. */
	assert_int_equal(key_decode("\033[1;", 4, &k), 0);
	assert_int_equal(key_decode("\033[", 2, &k), 0);
	assert_int_equal(key_decode("\xe6\x97", 2, &k), 0);
	assert_int_equal(key_decode("", 0, &k), 0);
	/* An unknown sequence is swallowed whole as no key. */
	assert_int_equal(key_decode("\033[99x", 5, &k), 5);
	assert_int_equal(k, 0);
}

static void test_key_encode(void **state)
{
	int keys[] = {TK_UP,   TK_S_DOWN, TK_C_LEFT, TK_HOME, TK_END,  TK_PGUP, TK_PGDN, TK_INS,
		      TK_DEL,  TK_BTAB,   TK_F1,     TK_F1 + 4, TK_F12, TK_ENTER, TK_TAB,  TK_ESC,
		      TK_BACKSPACE, 'a', 0xe9, 0x65e5, 0x1f600, 'x' | TK_ALT, TK_UP | TK_ALT,
		      TK_CTRL('w'), TK_CTRL_SPACE, TK_S_HOME, TK_S_END, TK_C_RIGHT, ' '};
	char buf[16];
	int k;

	(void)state;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t n = key_encode(keys[i], buf, sizeof(buf));

		assert_true(n > 0);
		assert_int_equal(key_decode(buf, n, &k), n);
		assert_int_equal(k, keys[i]);
	}
	assert_int_equal(key_encode(TK_RESIZE, buf, sizeof(buf)), 0);
	assert_int_equal(key_encode(TK_F12, buf, 2), 0);
}

/* ---------------------------------------------------------------- themes */

static void test_theme_parse(void **state)
{
	static const char text[] = "# a theme\n"
				   "name = test\n"
				   "\n"
				   "default = fg:white bg:-1\n"
				   "border = fg:bright-blue bold\n"
				   "selection = fg:#ff0000 bg:17 reverse underline\n"
				   "keyword=fg:default dim italic\n"
				   "popup =\n";
	struct tui_theme t;
	struct tn_err err;

	(void)state;
	assert_int_equal(theme_parse(text, strlen(text), "t.theme", &t, &err), TN_OK);
	assert_string_equal(t.name, "test");
	assert_int_equal(t.st[ST_DEFAULT].fg, 7);
	assert_int_equal(t.st[ST_DEFAULT].bg, -1);
	assert_int_equal(t.st[ST_BORDER].fg, 12);
	assert_int_equal(t.st[ST_BORDER].attrs, TA_BOLD);
	assert_int_equal(t.st[ST_SELECTION].fg, 196); /* #ff0000 in the cube */
	assert_int_equal(t.st[ST_SELECTION].bg, 17);
	assert_int_equal(t.st[ST_SELECTION].attrs, TA_REVERSE | TA_UNDERLINE);
	assert_int_equal(t.st[ST_KEYWORD].attrs, TA_DIM | TA_ITALIC);
	assert_int_equal(t.st[ST_POPUP].fg, -1);
	/* unset styles look like default */
	assert_int_equal(t.st[ST_HEADER].fg, 7);
	assert_int_equal(t.st[ST_HEADER].attrs, 0);
}

static void test_theme_errors(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"name = x\nborder = fg:purple\n", "bad.theme:2: unknown colour 'purple'"},
		{"\n\n\nbordr = bold\n", "bad.theme:4: unknown style 'bordr' (did you mean 'border'?)"},
		{"border = blink\n", "bad.theme:1: unknown word 'blink'"},
		{"border bold\n", "bad.theme:1: expected"},
		{"border = fg:256\n", "bad.theme:1: unknown colour '256'"},
		{"border = bold\nborder = dim\n", "bad.theme:2: style 'border' is set twice"},
		{"title = bg:#12345\n", "bad.theme:1: unknown colour '#12345'"},
	};
	struct tui_theme t;
	struct tn_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(theme_parse(cases[i].text, strlen(cases[i].text), "bad.theme", &t,
					     &err),
				 TN_EINVAL);
		if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("got '%s', want '%s...'", err.msg, cases[i].msg);
	}
}

static void test_theme_files(void **state)
{
	static const char *const names[] = {"dark", "light", "high-contrast", "monochrome"};
	const char *src = getenv("TARN_SRCDIR");
	struct tui_theme t, builtin;
	struct tn_err err;
	char *path;

	(void)state;
	if (src == NULL)
		src = ".";
	for (size_t i = 0; i < 4; i++) {
		path = tn_asprintf("%s/themes/%s.theme", src, names[i]);
		if (theme_load(path, &t, &err) != TN_OK)
			fail_msg("%s", err.msg);
		assert_string_equal(t.name, names[i]);
		free(path);
	}
	assert_int_equal(theme_load("monochrome", &t, &err), TN_OK); /* by name */
	for (int i = 0; i < ST_COUNT; i++)
		assert_true(t.st[i].fg == -1 && t.st[i].bg == -1);
	/* the built-in default is themes/dark.theme */
	path = tn_asprintf("%s/themes/dark.theme", src);
	assert_int_equal(theme_load(path, &t, &err), TN_OK);
	assert_int_equal(theme_parse(theme_builtin_dark(), strlen(theme_builtin_dark()), "builtin",
				     &builtin, &err),
			 TN_OK);
	assert_memory_equal(t.st, builtin.st, sizeof(t.st));
	free(path);
	assert_int_equal(theme_load("no-such-theme", &t, &err), TN_ENOENT);
	assert_non_null(strstr(err.msg, "no-such-theme.theme"));
}

static void test_theme_degrade(void **state)
{
	static const char text[] = "default = fg:default bg:default\n"
				   "border = fg:244\n"
				   "selection = fg:231 bg:25\n"
				   "keyword = fg:12 bold\n"
				   "null = fg:244 italic\n"
				   "status = fg:252 bg:236\n"
				   "popup = fg:252 bg:235\n"
				   "popup_sel = fg:231 bg:25\n";
	struct tui_theme t, t16, t8, t0;
	struct tn_err err;

	(void)state;
	assert_int_equal(theme_parse(text, strlen(text), "d", &t, &err), TN_OK);
	t16 = t8 = t0 = t;
	theme_degrade(&t16, 16);
	for (int i = 0; i < ST_COUNT; i++)
		assert_true(t16.st[i].fg < 16 && t16.st[i].bg < 16);
	assert_int_equal(t16.st[ST_SELECTION].fg, 15); /* white */
	assert_int_equal(t16.st[ST_SELECTION].bg, 4);  /* blue */
	assert_int_equal(t16.st[ST_KEYWORD].fg, 12);
	theme_degrade(&t8, 8);
	for (int i = 0; i < ST_COUNT; i++)
		assert_true(t8.st[i].fg < 8 && t8.st[i].bg < 8);
	assert_int_equal(t8.st[ST_KEYWORD].fg, 4);
	assert_true(t8.st[ST_KEYWORD].attrs & TA_BOLD);
	theme_degrade(&t0, 0);
	for (int i = 0; i < ST_COUNT; i++) {
		assert_true(t0.st[i].fg == -1 && t0.st[i].bg == -1);
		assert_int_equal(t0.st[i].attrs & (TA_DIM | TA_ITALIC), 0);
	}
	assert_true(t0.st[ST_SELECTION].attrs & TA_REVERSE);
	assert_true(t0.st[ST_STATUS].attrs & TA_REVERSE);
	assert_int_not_equal(t0.st[ST_POPUP].attrs, t0.st[ST_POPUP_SEL].attrs);
	assert_int_equal(theme_nearest(196, 16), 9);
	assert_int_equal(theme_nearest(9, 8), 1);
	assert_int_equal(theme_nearest(3, 8), 3);
	assert_int_equal(theme_nearest(-1, 8), -1);
	assert_int_equal(theme_nearest(232, 16), 0);
}

/* --------------------------------------------------------------- actions */

static int ran;
static char ran_arg[64];

static int act_note(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)app;
	(void)err;
	ran++;
	snprintf(ran_arg, sizeof(ran_arg), "%s", arg ? arg : "");
	return TN_OK;
}

static const struct tui_action test_actions[] = {
	{"test.quit", "leave", CTX_GLOBAL, "C-q", act_note, false},
	{"test.left", "focus left", CTX_GLOBAL, "C-w h, M-h", act_note, false},
	{"test.palette", "palette", CTX_GLOBAL, "C-p, :", act_note, false},
	{"test.ed_run", "run", CTX_EDITOR, "C-r, C-x C-e", act_note, false},
	{"test.comma", "comma", CTX_RESULTS, ",", act_note, false},
};

static void test_keymap(void **state)
{
	bool prefix;
	int keys[2];
	char buf[128];
	struct tn_err err;
	char *path;

	(void)state;
	action_register(test_actions, 5);
	action_register(test_actions, 5); /* again: no duplicates */
	assert_int_equal(action_count(), 5);
	assert_ptr_equal(action_find("test.left"), &test_actions[1]);
	assert_null(action_find("test.nothing"));
	assert_ptr_equal(action_at(4), &test_actions[4]);
	keymap_reset();

	keys[0] = TK_CTRL('w');
	assert_null(keymap_lookup(CTX_EDITOR, keys, 1, &prefix));
	assert_true(prefix);
	keys[1] = 'h';
	assert_ptr_equal(keymap_lookup(CTX_EDITOR, keys, 2, &prefix), &test_actions[1]);
	assert_false(prefix);
	/* ":" is global: an editor-only lookup does not see it */
	keys[0] = ':';
	assert_null(keymap_lookup_in(CTX_EDITOR, keys, 1, &prefix));
	assert_ptr_equal(keymap_lookup(CTX_EDITOR, keys, 1, &prefix), &test_actions[2]);
	keys[0] = ',';
	assert_ptr_equal(keymap_lookup(CTX_RESULTS, keys, 1, &prefix), &test_actions[4]);
	keys[0] = TK_CTRL('x');
	keys[1] = TK_CTRL('e');
	assert_ptr_equal(keymap_lookup(CTX_EDITOR, keys, 2, &prefix), &test_actions[3]);
	assert_null(keymap_lookup(CTX_CATALOG, keys, 2, &prefix));
	assert_string_equal(keymap_keys_of(&test_actions[1], buf, sizeof(buf)), "C-w h, M-h");
	assert_string_equal(keymap_keys_of(&test_actions[3], buf, sizeof(buf)), "C-r, C-x C-e");

	path = tmp_file("# my keys\n"
			"bind editor C-g test.quit\n"
			"unbind global C-w h\n"
			"  bind global C-w l test.left\n");
	assert_int_equal(keymap_load(path, &err), TN_OK);
	keys[0] = TK_CTRL('g');
	assert_ptr_equal(keymap_lookup(CTX_EDITOR, keys, 1, &prefix), &test_actions[0]);
	assert_null(keymap_lookup(CTX_CATALOG, keys, 1, &prefix));
	assert_string_equal(keymap_keys_of(&test_actions[1], buf, sizeof(buf)), "M-h, C-w l");
	unlink(path);
	free(path);

	path = tmp_file("bind global C-g test.nope\n");
	assert_int_equal(keymap_load(path, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, ":1: unknown action 'test.nope'"));
	unlink(path);
	free(path);
	path = tmp_file("\nbind everywhere C-g test.quit\n");
	assert_int_equal(keymap_load(path, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, ":2: unknown context 'everywhere'"));
	unlink(path);
	free(path);
	path = tmp_file("bind global C-w x y test.quit\n");
	assert_int_equal(keymap_load(path, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, ":1: expected 'bind CONTEXT KEYS ACTION'"));
	unlink(path);
	free(path);
	path = tmp_file("bind global Hyper-x test.quit\n");
	assert_int_equal(keymap_load(path, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, ":1: unknown key 'Hyper-x'"));
	unlink(path);
	free(path);
	assert_int_equal(keymap_load("/nonexistent/tarn/keys", &err), TN_OK);
	(void)ran;
	(void)ran_arg;
}

/* ------------------------------------------------------------------ grid */

static char *dump(const struct tui_grid *g)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	assert_non_null(f);
	assert_int_equal(grid_dump(g, f), 0);
	fclose(f);
	return s;
}

static void test_grid(void **state)
{
	struct tui_grid g;
	char *s;

	(void)state;
	grid_init(&g, 12, 4, false);
	grid_box(&g, (struct tui_rect){0, 0, 12, 4}, ST_BORDER, "Täble", ST_TITLE);
	grid_puts(&g, 1, 1, 10, ST_DEFAULT, "日本語abcdefgh");
	grid_puts(&g, 1, 2, 3, ST_DEFAULT, "x日y");
	s = dump(&g);
	assert_string_equal(s, "┌─ Täble ──┐\n"
			       "│日本語abcd│\n"
			       "│x日       │\n"
			       "└──────────┘\n");
	free(s);
	/* clipping at the grid's edges, and a secret cell */
	grid_puts(&g, 10, 1, 5, ST_DEFAULT, "xyz");
	grid_secret(&g, 2, 2, 1);
	s = dump(&g);
	assert_string_equal(s, "┌─ Täble ──┐\n"
			       "│日本語abcxy\n"
			       "│x*       │\n"
			       "└──────────┘\n");
	free(s);
	grid_free(&g);

	grid_init(&g, 10, 3, true);
	grid_box(&g, (struct tui_rect){0, 0, 10, 3}, ST_BORDER, "é", ST_TITLE);
	grid_puts(&g, 1, 1, 8, ST_DEFAULT, "a日b\x01");
	s = dump(&g);
	assert_string_equal(s, "+- ? ----+\n"
			       "|a?b?    |\n"
			       "+--------+\n");
	free(s);
	assert_int_equal(tui_text_width("日本x", strlen("日本x")), 5);
	assert_int_equal(tui_text_fit("日本x", strlen("日本x"), 3), 3);
	grid_free(&g);
}


/* ------------------------------------------------------------ recordings */

static const struct tui_action rec_actions[] = {
	{"rec.search", "search", CTX_RESULTS, "/", act_note, false},
	{"rec.login", "log in", CTX_GLOBAL, "", act_note, true},
};

static void test_replay_load(void **state)
{
	struct tui_replay rp;
	struct tn_err err;
	char *path;

	(void)state;
	path = tmp_file("{\"version\": 2, \"width\": 90, \"height\": 28, \"timestamp\": 5}\n"
			"[0.1, \"o\", \"\\u001b[2J\"]\n"
			"[0.2, \"i\", \"x\"]\n"
			"\n"
			"[0.3, \"m\", \"results.sort\\tamount desc\"]\n"
			"[0.4, \"r\", \"100x40\"]\n"
			"[0.5, \"m\", \"app.help\"]\n");
	assert_int_equal(replay_load(path, &rp, &err), TN_OK);
	assert_int_equal(rp.w, 90);
	assert_int_equal(rp.h, 28);
	assert_int_equal(rp.n, 3); /* markers present: the 'i' event is dropped */
	assert_int_equal(rp.steps[0].kind, 'm');
	assert_string_equal(rp.steps[0].action, "results.sort");
	assert_string_equal(rp.steps[0].arg, "amount desc");
	assert_int_equal(rp.steps[1].kind, 'r');
	assert_int_equal(rp.steps[1].w, 100);
	assert_int_equal(rp.steps[1].h, 40);
	assert_null(rp.steps[2].arg);
	replay_free(&rp);
	unlink(path);
	free(path);

	/* without markers the keys are the steps */
	path = tmp_file("{\"version\": 2, \"width\": 80, \"height\": 24}\n"
			"[0.2, \"i\", \"\\u001b[A\"]\n");
	assert_int_equal(replay_load(path, &rp, &err), TN_OK);
	assert_int_equal(rp.n, 1);
	assert_string_equal(rp.steps[0].input, "\033[A");
	replay_free(&rp);
	unlink(path);
	free(path);

	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"{\"version\": 1, \"width\": 80, \"height\": 24}\n", ":1: not an asciicast v2"},
		{"{\"version\": 2}\n", ":1: the header needs a width and a height"},
		{"{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"m\"]\n",
		 ":2: expected an event [time, code, data]"},
		{"{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"o\", \"x\"]\nnot json\n",
		 ":3: expected an event"},
		{"{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"r\", \"80by24\"]\n",
		 ":2: a resize needs WxH"},
		{"{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"m\", \"\\targ\"]\n",
		 ":2: a marker without an action name"},
		{"", "an empty recording"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		path = tmp_file(bad[i].text);
		assert_int_equal(replay_load(path, &rp, &err), TN_EINVAL);
		if (strstr(err.msg, bad[i].msg) == NULL)
			fail_msg("case %zu: got '%s', want '%s'", i, err.msg, bad[i].msg);
		assert_int_equal(rp.n, 0);
		unlink(path);
		free(path);
	}
}

static void test_recorder(void **state)
{
	struct tui_recorder *r;
	struct tui_replay rp;
	struct tui_theme th;
	struct tui_grid g;
	struct tn_err err;
	char *path = tmp_file(""), *text = NULL;
	size_t cap = 0;
	FILE *f;

	(void)state;
	assert_int_equal(theme_load("dark", &th, &err), TN_OK);
	assert_int_equal(rec_open(path, 40, 10, true, &r, &err), TN_OK);
	grid_init(&g, 40, 10, false);
	grid_puts(&g, 0, 0, 40, ST_DEFAULT, "hunter2 visible");
	grid_secret(&g, 0, 0, 7);
	rec_frame(r, &g, &th);
	rec_input(r, TK_UP);
	rec_action(r, &rec_actions[0], "needle");
	rec_action(r, &rec_actions[1], "s3cret-password");
	rec_resize(r, 50, 12);
	rec_close(r);
	grid_free(&g);

	f = fopen(path, "r");
	assert_non_null(f);
	assert_true(getdelim(&text, &cap, '\0', f) > 0);
	fclose(f);
	assert_null(strstr(text, "hunter2"));
	assert_null(strstr(text, "s3cret"));
	assert_non_null(strstr(text, "******* visible"));
	assert_non_null(strstr(text, "\"TERM\""));
	free(text);

	assert_int_equal(replay_load(path, &rp, &err), TN_OK);
	assert_int_equal(rp.w, 40);
	assert_int_equal(rp.h, 10);
	assert_int_equal(rp.n, 3);
	assert_string_equal(rp.steps[0].action, "rec.search");
	assert_string_equal(rp.steps[0].arg, "needle");
	assert_string_equal(rp.steps[1].action, "rec.login");
	assert_null(rp.steps[1].arg);
	assert_int_equal(rp.steps[2].kind, 'r');
	assert_true(rp.steps[0].time <= rp.steps[2].time);
	replay_free(&rp);
	unlink(path);
	free(path);
}

int main(void)
{
	/* wide characters need a UTF-8 locale's wcwidth */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "en_US.UTF-8");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_names),    cmocka_unit_test(test_key_decode),
		cmocka_unit_test(test_key_encode),   cmocka_unit_test(test_theme_parse),
		cmocka_unit_test(test_theme_errors), cmocka_unit_test(test_theme_files),
		cmocka_unit_test(test_theme_degrade), cmocka_unit_test(test_keymap),
		cmocka_unit_test(test_grid),         cmocka_unit_test(test_replay_load),
		cmocka_unit_test(test_recorder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
