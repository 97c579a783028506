/* term.c - the terminal: the only file that calls curses. It copies the
 * cell grid to the screen, reads keys and writes escape sequences. */
/* curses has a key_name of its own; tui_int.h's is tarn's */
#define key_name curses_key_name
#include <curses.h>
#undef key_name
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "tui/tui_int.h"

/* Codes of the keys term.c defines itself (after curses' own). */
#define OWN_KEY_BASE (KEY_MAX + 1)

struct tui_term {
	SCREEN *screen;
	int colors;
	bool utf8;
	struct tui_theme drawn; /* the theme the colour pairs were made for */
	bool have_pairs;
	bool suspended;
	int own_keys[64];       /* TK_* of OWN_KEY_BASE + i */
	int nown;
	/* curses key codes of extended terminfo keys, and what they are */
	struct {
		int code, key;
	} ext[16];
	int next;
};

static volatile sig_atomic_t winched;
static int winch_pipe[2] = {-1, -1};

static void on_winch(int sig)
{
	int saved = errno;
	ssize_t rc;

	(void)sig;
	winched = 1;
	rc = write(winch_pipe[1], "w", 1);
	(void)rc;
	errno = saved;
}

static void fatal_hook(void)
{
	if (!isendwin())
		endwin();
}

static const struct {
	int code, key;
} curses_keys[] = {
	{KEY_UP, TK_UP},         {KEY_DOWN, TK_DOWN},        {KEY_LEFT, TK_LEFT},
	{KEY_RIGHT, TK_RIGHT},   {KEY_HOME, TK_HOME},        {KEY_END, TK_END},
	{KEY_PPAGE, TK_PGUP},    {KEY_NPAGE, TK_PGDN},       {KEY_IC, TK_INS},
	{KEY_DC, TK_DEL},        {KEY_BTAB, TK_BTAB},        {KEY_SR, TK_S_UP},
	{KEY_SF, TK_S_DOWN},     {KEY_SLEFT, TK_S_LEFT},     {KEY_SRIGHT, TK_S_RIGHT},
	{KEY_SHOME, TK_S_HOME},  {KEY_SEND, TK_S_END},       {KEY_BACKSPACE, TK_BACKSPACE},
	{KEY_ENTER, TK_ENTER},   {KEY_RESIZE, TK_RESIZE},    {KEY_A1, TK_HOME},
	{KEY_C1, TK_END},        {KEY_A3, TK_PGUP},          {KEY_C3, TK_PGDN},
	{KEY_FIND, TK_HOME},     {KEY_SELECT, TK_END},
};

/* Extended terminfo key names (xterm's modified keys). */
static const struct {
	const char *name;
	int key;
} ext_names[] = {
	{"kLFT5", TK_C_LEFT},       {"kRIT5", TK_C_RIGHT},     {"kUP", TK_S_UP},
	{"kDN", TK_S_DOWN},         {"kUP3", TK_UP | TK_ALT},  {"kDN3", TK_DOWN | TK_ALT},
	{"kLFT3", TK_LEFT | TK_ALT}, {"kRIT3", TK_RIGHT | TK_ALT},
};

/* Sequences terminals send that the terminfo entry may lack (tmux and
 * screen pass xterm's modified keys through; TERM=screen does not list
 * them). */
static const char *const extra_seqs[] = {
	"\033[1;2A", "\033[1;2B", "\033[1;2C", "\033[1;2D", "\033[1;2H", "\033[1;2F",
	"\033[1;5C", "\033[1;5D", "\033[1;3A", "\033[1;3B", "\033[1;3C", "\033[1;3D",
	"\033[1~",   "\033[4~",   "\033[7~",   "\033[8~",   "\033[H",    "\033[F",
	"\033OH",    "\033OF",    "\033[Z",    "\033[3~",   "\033[2~",   "\033[5~",
	"\033[6~",   "\033OP",    "\033OQ",    "\033OR",    "\033OS",    "\033[15~",
	"\033[17~",  "\033[18~",  "\033[19~",  "\033[20~",  "\033[21~",  "\033[23~",
	"\033[24~",  "\033[A",    "\033[B",    "\033[C",    "\033[D",    "\033OA",
	"\033OB",    "\033OC",    "\033OD",
};

static void define_keys(struct tui_term *t)
{
	t->next = 0;
	for (size_t i = 0; i < sizeof(ext_names) / sizeof(ext_names[0]); i++) {
		const char *s = tigetstr((char *)ext_names[i].name);
		int code;

		if (s == NULL || s == (char *)-1 || (code = key_defined(s)) <= 0)
			continue;
		t->ext[t->next].code = code;
		t->ext[t->next].key = ext_names[i].key;
		t->next++;
	}
	t->nown = 0;
	for (size_t i = 0; i < sizeof(extra_seqs) / sizeof(extra_seqs[0]); i++) {
		int key = 0;

		if (key_defined(extra_seqs[i]) != 0 || t->nown == 64)
			continue;
		key_decode(extra_seqs[i], strlen(extra_seqs[i]), &key);
		if (key == 0)
			continue;
		define_key(extra_seqs[i], OWN_KEY_BASE + t->nown);
		t->own_keys[t->nown++] = key;
	}
}

int term_open(bool ascii_wanted, struct tui_term **out, struct tn_err *err)
{
	struct tui_term *t;
	const char *nc = getenv("NO_COLOR");
	struct sigaction sa;

	*out = NULL;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return tn_err_set(err, TN_EINVAL, "the workbench needs a terminal");
	if (getenv("TERM") == NULL || *getenv("TERM") == '\0')
		return tn_err_set(err, TN_EINVAL, "TERM is not set");
	t = tn_calloc(1, sizeof(*t));
	if (winch_pipe[0] < 0) {
		if (pipe(winch_pipe) != 0) {
			free(t);
			return tn_err_sys(err, errno, "cannot create a pipe");
		}
		for (int i = 0; i < 2; i++) {
			fcntl(winch_pipe[i], F_SETFL, fcntl(winch_pipe[i], F_GETFL) | O_NONBLOCK);
			fcntl(winch_pipe[i], F_SETFD, FD_CLOEXEC);
		}
	}
	/* Our own SIGWINCH handler (installed first, so curses leaves it):
	 * it wakes the poll in term_key through a pipe. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_winch;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	t->screen = newterm(NULL, stdout, stdin);
	if (t->screen == NULL) {
		free(t);
		return tn_err_set(err, TN_EINVAL, "cannot use the terminal TERM=%s", getenv("TERM"));
	}
	tn_set_fatal_hook(fatal_hook);
	set_escdelay(25);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	intrflush(stdscr, FALSE);
	t->utf8 = !ascii_wanted && strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	if (has_colors() && (nc == NULL || *nc == '\0')) {
		start_color();
		use_default_colors();
		t->colors = COLORS >= 256 ? 256 : COLORS >= 16 ? 16 : COLORS >= 8 ? 8 : 0;
	}
	define_keys(t);
	*out = t;
	return TN_OK;
}

void term_close(struct tui_term *t)
{
	if (t == NULL)
		return;
	if (!isendwin())
		endwin();
	delscreen(t->screen);
	tn_set_fatal_hook(NULL);
	signal(SIGWINCH, SIG_DFL);
	free(t);
}

int term_colors(const struct tui_term *t)
{
	return t->colors;
}

bool term_utf8(const struct tui_term *t)
{
	return t->utf8;
}

void term_size(const struct tui_term *t, int *w, int *h)
{
	(void)t;
	getmaxyx(stdscr, *h, *w);
}

static attr_t attrs_of(uint16_t a)
{
	attr_t r = A_NORMAL;

	if (a & TA_BOLD)
		r |= A_BOLD;
	if (a & TA_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & TA_REVERSE)
		r |= A_REVERSE;
	if (a & TA_DIM)
		r |= A_DIM;
	if (a & TA_ITALIC)
		r |= A_ITALIC;
	return r;
}

/* One colour pair per style (pair i + 1), made again when the theme
 * changes. */
static void make_pairs(struct tui_term *t, const struct tui_theme *theme)
{
	if (t->have_pairs && memcmp(t->drawn.st, theme->st, sizeof(theme->st)) == 0)
		return;
	t->drawn = *theme;
	t->have_pairs = true;
	if (t->colors == 0)
		return;
	for (int i = 0; i < ST_COUNT; i++) {
		int fg = theme->st[i].fg, bg = theme->st[i].bg;

		init_pair((short)(i + 1), (short)(fg < COLORS ? fg : -1), (short)(bg < COLORS ? bg : -1));
	}
}

void term_draw(struct tui_term *t, const struct tui_grid *g, const struct tui_theme *theme)
{
	int w, h;

	make_pairs(t, theme);
	getmaxyx(stdscr, h, w);
	for (int y = 0; y < g->h && y < h; y++) {
		const struct tui_cell *row = &g->cells[(size_t)y * (size_t)g->w];

		for (int x = 0; x < g->w && x < w; x++) {
			const struct tui_cell *c = &row[x];
			const struct tui_style_def *d = &theme->st[c->style < ST_COUNT ? c->style : 0];
			wchar_t wc[2] = {(wchar_t)c->ch, 0};
			cchar_t cc;

			if (c->ch == 0)
				continue; /* the right half of a wide character */
			if (c->ch < 0x20 || (!t->utf8 && c->ch > 0x7e))
				wc[0] = '?';
			setcchar(&cc, wc, attrs_of(d->attrs),
				 (short)(t->colors ? c->style + 1 : 0), NULL);
			mvadd_wch(y, x, &cc);
		}
	}
	if (g->cur_visible && g->cur_x < w && g->cur_y < h) {
		curs_set(1);
		move(g->cur_y, g->cur_x);
	} else {
		curs_set(0);
	}
	refresh();
}

static int map_code(struct tui_term *t, int code)
{
	if (code >= OWN_KEY_BASE && code < OWN_KEY_BASE + t->nown)
		return t->own_keys[code - OWN_KEY_BASE];
	for (int i = 0; i < t->next; i++)
		if (t->ext[i].code == code)
			return t->ext[i].key;
	if (code >= KEY_F(1) && code <= KEY_F(12))
		return TK_F1 + code - KEY_F(1);
	for (size_t i = 0; i < sizeof(curses_keys) / sizeof(curses_keys[0]); i++)
		if (curses_keys[i].code == code)
			return curses_keys[i].key;
	return 0;
}

static int map_char(wint_t wc)
{
	if (wc == '\n' || wc == '\r')
		return TK_ENTER;
	if (wc == 0)
		return TK_CTRL_SPACE;
	return (int)wc;
}

/* A key curses has (or can read without waiting), 0 when none. */
static int read_key(struct tui_term *t)
{
	wint_t wc;
	int r, next;

	wtimeout(stdscr, 0);
	r = wget_wch(stdscr, &wc);
	if (r == ERR)
		return 0;
	if (r == KEY_CODE_YES)
		return map_code(t, (int)wc);
	if (wc != 27)
		return map_char(wc);
	/* Esc with a key right behind it is Alt with that key. */
	r = wget_wch(stdscr, &wc);
	if (r == ERR)
		return TK_ESC;
	next = r == KEY_CODE_YES ? map_code(t, (int)wc) : map_char(wc);
	return next == 0 || (next & TK_ALT) ? next : next | TK_ALT;
}

static int resized(void)
{
	struct winsize ws;
	char drain[64];

	winched = 0;
	while (read(winch_pipe[0], drain, sizeof(drain)) > 0)
		;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resize_term(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	return TK_RESIZE;
}

int term_key_fds(struct tui_term *t, int timeout_ms, const int *fds, size_t nfds)
{
	struct pollfd p[10];
	size_t n = 0;
	int key;

	if (winched)
		return resized();
	key = read_key(t);
	if (key != 0)
		return key;
	p[n++] = (struct pollfd){STDIN_FILENO, POLLIN, 0};
	p[n++] = (struct pollfd){winch_pipe[0], POLLIN, 0};
	for (size_t i = 0; i < nfds && n < 10; i++)
		if (fds[i] >= 0)
			p[n++] = (struct pollfd){fds[i], POLLIN, 0};
	for (;;) {
		int r = poll(p, n, timeout_ms);

		if (winched)
			return resized();
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			key = read_key(t);
			if (key != 0)
				return key;
			if (p[0].revents & (POLLHUP | POLLERR))
				return TK_CTRL('q'); /* the terminal went away */
		}
		for (size_t i = 2; i < n; i++)
			if (p[i].revents)
				return 0;
		/* Half a sequence: wait for the rest without a new deadline. */
		if (timeout_ms > 0)
			timeout_ms = 0;
		if (timeout_ms == 0)
			return 0;
	}
}

int term_key(struct tui_term *t, int timeout_ms, int extra_fd)
{
	return term_key_fds(t, timeout_ms, &extra_fd, 1);
}

static void write_all(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

void term_raw(struct tui_term *t, const char *bytes, size_t n)
{
	const char *tmux = getenv("TMUX"), *term = getenv("TERM");
	struct tn_buf b = TN_BUF_INIT;

	(void)t;
	if (tmux != NULL && *tmux != '\0') {
		/* tmux passes a DCS "tmux;" through, with its Escs doubled */
		tn_buf_puts(&b, "\033Ptmux;", NULL);
		for (size_t i = 0; i < n; i++) {
			if (bytes[i] == '\033')
				tn_buf_putc(&b, '\033', NULL);
			tn_buf_putc(&b, bytes[i], NULL);
		}
		tn_buf_puts(&b, "\033\\", NULL);
	} else if (term != NULL && strncmp(term, "screen", 6) == 0) {
		/* screen passes a DCS through, but at most 768 bytes at a time */
		for (size_t i = 0; i < n; i += 512) {
			tn_buf_puts(&b, "\033P", NULL);
			tn_buf_append(&b, bytes + i, n - i < 512 ? n - i : 512, NULL);
			tn_buf_puts(&b, "\033\\", NULL);
		}
	} else {
		tn_buf_append(&b, bytes, n, NULL);
	}
	fflush(stdout);
	write_all(b.data, b.len);
	tn_buf_done(&b);
}

void term_suspend(struct tui_term *t)
{
	if (t->suspended)
		return;
	def_prog_mode();
	endwin();
	t->suspended = true;
}

void term_resume(struct tui_term *t)
{
	if (!t->suspended)
		return;
	reset_prog_mode();
	t->suspended = false;
	clearok(curscr, TRUE);
	refresh();
}
