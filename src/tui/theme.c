/* theme.c - colour themes: the text format of themes/README, lookup of
 * theme files, and fitting a theme to the terminal's colours. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "tui/tui_int.h"

#ifndef TARN_THEMES_DIR
#define TARN_THEMES_DIR "/usr/local/share/tarn/themes"
#endif
#ifndef TARN_SRC_THEMES_DIR
#define TARN_SRC_THEMES_DIR "themes"
#endif

const char *const tui_style_names[ST_COUNT] = {
	"default",     "border",  "border_focus", "title",  "title_focus", "tab",
	"tab_active",  "status",  "status_busy",  "status_err", "selection",
	"cursor_line", "header",  "null",         "number", "keyword",     "string",
	"comment",     "ident",   "operator",     "match",  "dim",         "error",
	"ok",          "warn",    "popup",        "popup_sel",
};

/* The built-in default: the text of themes/dark.theme (a unit test checks
 * that they are the same), so the workbench runs without theme files. */
static const char builtin_dark[] =
	"# dark.theme - tarn's default theme, for terminals with a dark background.\n"
	"# The format is described in themes/README.\n"
	"name = dark\n"
	"\n"
	"default       = fg:default bg:default\n"
	"border        = fg:244\n"
	"border_focus  = fg:75 bold\n"
	"title         = fg:250\n"
	"title_focus   = fg:231 bold\n"
	"tab           = fg:250 bg:236\n"
	"tab_active    = fg:231 bg:25 bold\n"
	"status        = fg:252 bg:236\n"
	"status_busy   = fg:231 bg:130 bold\n"
	"status_err    = fg:231 bg:124 bold\n"
	"selection     = fg:231 bg:25\n"
	"cursor_line   = bg:237\n"
	"header        = fg:75 bold underline\n"
	"null          = fg:244 italic\n"
	"number        = fg:179\n"
	"keyword       = fg:75 bold\n"
	"string        = fg:114\n"
	"comment       = fg:244 italic\n"
	"ident         = fg:default\n"
	"operator      = fg:176\n"
	"match         = fg:214 bold underline\n"
	"dim           = fg:244\n"
	"error         = fg:203 bold\n"
	"ok            = fg:114\n"
	"warn          = fg:214\n"
	"popup         = fg:252 bg:235\n"
	"popup_sel     = fg:231 bg:25 bold\n";

static const char *const colour_names[16] = {
	"black",        "red",        "green",        "yellow",
	"blue",         "magenta",    "cyan",         "white",
	"bright-black", "bright-red", "bright-green", "bright-yellow",
	"bright-blue",  "bright-magenta", "bright-cyan", "bright-white",
};

/* xterm's default RGB values of the 16 basic colours. */
static const uint8_t basic_rgb[16][3] = {
	{0, 0, 0},       {205, 0, 0},     {0, 205, 0},     {205, 205, 0},
	{0, 0, 238},     {205, 0, 205},   {0, 205, 205},   {229, 229, 229},
	{127, 127, 127}, {255, 0, 0},     {0, 255, 0},     {255, 255, 0},
	{92, 92, 255},   {255, 0, 255},   {0, 255, 255},   {255, 255, 255},
};

static const uint8_t cube_level[6] = {0, 95, 135, 175, 215, 255};

static void xterm_rgb(int c, int rgb[3])
{
	if (c < 16) {
		for (int i = 0; i < 3; i++)
			rgb[i] = basic_rgb[c][i];
	} else if (c < 232) {
		c -= 16;
		rgb[0] = cube_level[c / 36];
		rgb[1] = cube_level[(c / 6) % 6];
		rgb[2] = cube_level[c % 6];
	} else {
		rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (c - 232);
	}
}

/* The xterm colour in [from, to) nearest to rgb (squared distance). */
static int nearest_rgb(const int rgb[3], int from, int to)
{
	int best = from;
	long best_d = -1;

	for (int c = from; c < to; c++) {
		int o[3];
		long d = 0;

		xterm_rgb(c, o);
		for (int i = 0; i < 3; i++)
			d += (long)(o[i] - rgb[i]) * (o[i] - rgb[i]);
		if (best_d < 0 || d < best_d) {
			best_d = d;
			best = c;
		}
	}
	return best;
}

int theme_nearest(int c, int n)
{
	int rgb[3];

	if (c < 0 || c < n)
		return c;
	if (c < 16 && n == 8)
		return c - 8; /* a bright colour's plain twin */
	xterm_rgb(c, rgb);
	return nearest_rgb(rgb, 0, n);
}

/* A colour word: default, -1, 0..255, a name, or #rrggbb. */
static bool parse_colour(const char *s, int16_t *out)
{
	int64_t v;

	if (strcmp(s, "default") == 0 || strcmp(s, "-1") == 0) {
		*out = -1;
		return true;
	}
	for (int i = 0; i < 16; i++)
		if (strcmp(s, colour_names[i]) == 0) {
			*out = (int16_t)i;
			return true;
		}
	if (strcmp(s, "gray") == 0 || strcmp(s, "grey") == 0) {
		*out = 8;
		return true;
	}
	if (s[0] == '#' && strlen(s) == 7) {
		int rgb[3];

		for (int i = 0; i < 3; i++) {
			int hi = tn_hex_digit(s[1 + 2 * i]), lo = tn_hex_digit(s[2 + 2 * i]);

			if (hi < 0 || lo < 0)
				return false;
			rgb[i] = hi * 16 + lo;
		}
		/* Only the cube and the grays: the 16 basic colours differ from
		 * one terminal's palette to the next. */
		*out = (int16_t)nearest_rgb(rgb, 16, 256);
		return true;
	}
	if (tn_parse_i64(s, &v, "colour", NULL) == TN_OK && v >= 0 && v <= 255) {
		*out = (int16_t)v;
		return true;
	}
	return false;
}

static const struct {
	const char *name;
	uint16_t attr;
} attr_names[] = {
	{"bold", TA_BOLD}, {"underline", TA_UNDERLINE}, {"reverse", TA_REVERSE},
	{"dim", TA_DIM},   {"italic", TA_ITALIC},
};

/* The words after '=' of a style line. */
static int parse_style(char *words, struct tui_style_def *d, const char *file, int line,
		       struct tn_err *err)
{
	char *save = NULL;

	*d = (struct tui_style_def){-1, -1, 0};
	for (char *w = strtok_r(words, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		bool known = false;

		if (strncmp(w, "fg:", 3) == 0 || strncmp(w, "bg:", 3) == 0) {
			if (!parse_colour(w + 3, w[0] == 'f' ? &d->fg : &d->bg))
				return tn_err_set(err, TN_EINVAL,
						  "%s:%d: unknown colour '%s' (a name such as "
						  "bright-blue, 0-255, #rrggbb or default)",
						  file, line, w + 3);
			continue;
		}
		for (size_t i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]); i++)
			if (strcmp(w, attr_names[i].name) == 0) {
				d->attrs |= attr_names[i].attr;
				known = true;
			}
		if (!known)
			return tn_err_set(err, TN_EINVAL,
					  "%s:%d: unknown word '%s' (fg:COLOUR, bg:COLOUR, bold, "
					  "underline, reverse, dim or italic)",
					  file, line, w);
	}
	return TN_OK;
}

int theme_parse(const char *text, size_t len, const char *file, struct tui_theme *t,
		struct tn_err *err)
{
	bool set[ST_COUNT] = {false};
	size_t pos = 0;
	int line = 0, rc = TN_OK;

	memset(t, 0, sizeof(*t));
	for (int i = 0; i < ST_COUNT; i++)
		t->st[i] = (struct tui_style_def){-1, -1, 0};
	while (pos < len && rc == TN_OK) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;
		char *copy = tn_strndup(text + pos, end - pos), *key, *eq, *val;
		int st = -1;

		line++;
		pos = end + 1;
		key = tn_str_trim(copy);
		if (*key == '\0' || *key == '#') {
			free(copy);
			continue;
		}
		eq = strchr(key, '=');
		if (eq == NULL) {
			rc = tn_err_set(err, TN_EINVAL, "%s:%d: expected 'STYLE = ...' or 'name = NAME'",
					file, line);
			free(copy);
			break;
		}
		*eq = '\0';
		key = tn_str_trim(key);
		val = tn_str_trim(eq + 1);
		if (strcmp(key, "name") == 0) {
			if (*val == '\0' || strlen(val) >= sizeof(t->name))
				rc = tn_err_set(err, TN_EINVAL, "%s:%d: a theme name of 1 to %zu bytes",
						file, line, sizeof(t->name) - 1);
			else
				tn_strlcpy(t->name, val, sizeof(t->name));
			free(copy);
			continue;
		}
		for (int i = 0; i < ST_COUNT; i++)
			if (strcmp(key, tui_style_names[i]) == 0)
				st = i;
		if (st < 0) {
			const char *near = tn_str_nearest(key, (const char *const *)tui_style_names,
							  ST_COUNT);

			rc = tn_err_set(err, TN_EINVAL, "%s:%d: unknown style '%s'%s%s%s", file, line,
					key, near ? " (did you mean '" : "", near ? near : "",
					near ? "'?)" : "");
		} else if (set[st]) {
			rc = tn_err_set(err, TN_EINVAL, "%s:%d: style '%s' is set twice", file, line,
					key);
		} else {
			rc = parse_style(val, &t->st[st], file, line, err);
			set[st] = true;
		}
		free(copy);
	}
	if (rc != TN_OK)
		return rc;
	if (t->name[0] == '\0') {
		const char *base = tn_path_base(file);
		size_t n = strcspn(base, ".");

		snprintf(t->name, sizeof(t->name), "%.*s", (int)(n < 63 ? n : 63), base);
	}
	/* What the file leaves out looks like the default style. */
	for (int i = 1; i < ST_COUNT; i++)
		if (!set[i])
			t->st[i] = (struct tui_style_def){t->st[ST_DEFAULT].fg, t->st[ST_DEFAULT].bg, 0};
	return TN_OK;
}

static int load_file(const char *path, struct tui_theme *t, struct tn_err *err)
{
	struct tn_buf b = TN_BUF_INIT;
	char chunk[4096];
	FILE *f = fopen(path, "r");
	size_t n;
	int rc = TN_OK;

	if (f == NULL)
		return tn_err_sys(err, errno, "cannot open theme %s", path);
	tn_buf_init(&b, 1 << 20);
	while (rc == TN_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = tn_buf_append(&b, chunk, n, err);
	if (rc == TN_OK && ferror(f))
		rc = tn_err_sys(err, errno, "cannot read theme %s", path);
	fclose(f);
	if (rc == TN_ETOOBIG)
		tn_err_prefix(err, "theme %s", path);
	if (rc == TN_OK)
		rc = theme_parse(b.data ? b.data : "", b.len, path, t, err);
	tn_buf_done(&b);
	return rc;
}

int theme_load(const char *name, struct tui_theme *t, struct tn_err *err)
{
	char *dirs[4] = {NULL, NULL, NULL, NULL};
	const char *env = getenv("TARN_THEMES"), *cfg = getenv("XDG_CONFIG_HOME"),
		   *home = getenv("HOME");
	struct tn_buf tried = TN_BUF_INIT;
	int nd = 0, rc = TN_ENOENT;

	if (strchr(name, '/') != NULL)
		return load_file(name, t, err);
	if (*name == '\0' || strchr(name, '.') == name)
		return tn_err_set(err, TN_EINVAL, "bad theme name '%s'", name);
	if (env != NULL && *env != '\0')
		dirs[nd++] = tn_strdup(env);
	if (cfg != NULL && *cfg != '\0')
		dirs[nd++] = tn_asprintf("%s/tarn/themes", cfg);
	else if (home != NULL && *home != '\0')
		dirs[nd++] = tn_asprintf("%s/.config/tarn/themes", home);
	dirs[nd++] = tn_strdup(TARN_THEMES_DIR);
	dirs[nd++] = tn_strdup(TARN_SRC_THEMES_DIR);
	for (int i = 0; i < nd && rc == TN_ENOENT; i++) {
		char *path = tn_asprintf("%s/%s.theme", dirs[i], name);
		FILE *f = fopen(path, "r");

		if (f != NULL) {
			fclose(f);
			rc = load_file(path, t, err);
		}
		tn_buf_printf(&tried, NULL, "%s%s", i ? ", " : "", dirs[i]);
		free(path);
	}
	if (rc == TN_ENOENT && strcmp(name, "dark") == 0)
		rc = theme_parse(builtin_dark, sizeof(builtin_dark) - 1, "(built-in dark)", t, err);
	else if (rc == TN_ENOENT)
		tn_err_set(err, TN_ENOENT, "no theme '%s' (looked for %s.theme in %s)", name, name,
			   tried.data ? tried.data : "");
	tn_buf_done(&tried);
	for (int i = 0; i < nd; i++)
		free(dirs[i]);
	return rc;
}

/* Is the style told apart from the default by its background only? */
static bool has_bg(const struct tui_theme *t, int i)
{
	return t->st[i].bg >= 0 && t->st[i].bg != t->st[ST_DEFAULT].bg;
}

void theme_degrade(struct tui_theme *t, int ncolors)
{
	if (ncolors >= 256)
		return;
	if (ncolors >= 8) {
		int n = ncolors >= 16 ? 16 : 8;

		for (int i = 0; i < ST_COUNT; i++) {
			struct tui_style_def *d = &t->st[i];

			if (n == 8 && d->fg >= 8 && d->fg < 16)
				d->attrs |= TA_BOLD; /* bright text is bold text on 8 colours */
			d->fg = (int16_t)theme_nearest(d->fg, n);
			d->bg = (int16_t)theme_nearest(d->bg, n);
			if (d->fg >= 0 && d->fg == d->bg) {
				/* Both ended on one colour: keep the text readable. */
				d->fg = d->bg = -1;
				d->attrs |= TA_REVERSE;
			}
		}
		return;
	}
	/* Monochrome: a background that set a style apart becomes reverse
	 * video; only bold, underline and reverse remain. */
	for (int i = 0; i < ST_COUNT; i++) {
		struct tui_style_def *d = &t->st[i];

		if (i != ST_DEFAULT && has_bg(t, i))
			d->attrs |= TA_REVERSE;
	}
	for (int i = 0; i < ST_COUNT; i++) {
		t->st[i].fg = t->st[i].bg = -1;
		t->st[i].attrs &= TA_BOLD | TA_UNDERLINE | TA_REVERSE;
	}
	/* Items selected inside a reverse-video overlay or under a reverse
	 * cursor line would look like their surroundings. */
	if (t->st[ST_POPUP_SEL].attrs == t->st[ST_POPUP].attrs)
		t->st[ST_POPUP_SEL].attrs ^= TA_REVERSE;
	if (t->st[ST_CURSOR_LINE].attrs == t->st[ST_SELECTION].attrs)
		t->st[ST_CURSOR_LINE].attrs = TA_UNDERLINE;
	if (t->st[ST_TAB_ACTIVE].attrs == t->st[ST_TAB].attrs)
		t->st[ST_TAB_ACTIVE].attrs ^= TA_REVERSE;
}

const char *theme_builtin_dark(void)
{
	return builtin_dark;
}
