/* edit.c - the interactive shell: libedit reads lines with a prompt that
 * names the current catalog and schema, TAB asks the engine for
 * completions, lines gather until a statement ends, and every entry goes
 * to the lakehouse's history file. */
#include <ctype.h>
#include <errno.h>
#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "shell/shell.h"
#include "shell/shell_int.h"
#include "sql/sql.h"

/* Candidates listed at most by one TAB. */
#define LIST_MAX 200

struct ui {
	struct shell *s;
	struct tn_buf acc; /* lines of the statement being typed */
	bool cancel;       /* Ctrl-C at the prompt: drop what el_gets returns */
	char prompt[256];
};

static char *prompt_fn(EditLine *el)
{
	struct ui *ui;
	const char *cat, *sch;
	char where[200];

	el_get(el, EL_CLIENTDATA, &ui);
	cat = tarn_engine_catalog(ui->s->engine);
	sch = tarn_engine_schema(ui->s->engine);
	if (cat != NULL && sch != NULL)
		snprintf(where, sizeof(where), "%s.%s%s", cat, sch,
			 tarn_engine_in_transaction(ui->s->engine) ? "*" : "");
	else
		snprintf(where, sizeof(where), "tarn");
	if (ui->acc.len == 0)
		snprintf(ui->prompt, sizeof(ui->prompt), "%s> ", where);
	else
		snprintf(ui->prompt, sizeof(ui->prompt), "%*s> ", (int)strlen(where), "...");
	return ui->prompt;
}

/* ---- completion ---- */

static int term_width(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* The candidates in columns under the line. */
static void list_candidates(char **v, size_t n)
{
	size_t width = 0, shown = n < LIST_MAX ? n : LIST_MAX, cols, rows;

	for (size_t i = 0; i < shown; i++)
		if (strlen(v[i]) > width)
			width = strlen(v[i]);
	width += 2;
	cols = (size_t)term_width() / width;
	if (cols == 0)
		cols = 1;
	rows = (shown + cols - 1) / cols;
	fputc('\n', stdout);
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < cols; c++) {
			size_t i = c * rows + r;

			if (i < shown)
				fprintf(stdout, "%-*s", (int)width, v[i]);
		}
		fputc('\n', stdout);
	}
	if (shown < n)
		fprintf(stdout, "(%zu more)\n", n - shown);
	fflush(stdout);
}

/* A keyword offered in upper case goes in as the user types: in lower
 * case after a lower-case start. */
static char *fit_case(const char *cand, size_t n, const char *typed, size_t typed_len)
{
	char *out = tn_strndup(cand, n);
	bool lower = typed_len > 0, upper_cand = true;

	for (size_t i = 0; i < typed_len; i++)
		if (!islower((unsigned char)typed[i]) && typed[i] != '_')
			lower = false;
	for (size_t i = 0; i < n; i++)
		if (islower((unsigned char)out[i]))
			upper_cand = false;
	if (lower && upper_cand)
		for (size_t i = 0; i < n; i++)
			out[i] = (char)tolower((unsigned char)out[i]);
	return out;
}

static unsigned char complete_fn(EditLine *el, int ch)
{
	struct ui *ui;
	const LineInfo *li = el_line(el);
	struct tn_buf text;
	size_t pos, start = 0, n = 0, common, typed;
	char **v = NULL;
	unsigned char ret = CC_REFRESH_BEEP;

	(void)ch;
	el_get(el, EL_CLIENTDATA, &ui);
	/* The statement so far, so that the tables of earlier lines count. */
	tn_buf_init(&text, 0);
	tn_buf_append(&text, ui->acc.data ? ui->acc.data : "", ui->acc.len, NULL);
	pos = text.len + (size_t)(li->cursor - li->buffer);
	tn_buf_append(&text, li->buffer, (size_t)(li->lastchar - li->buffer), NULL);
	tn_buf_putc(&text, '\0', NULL);
	text.len--;
	if (tarn_complete(ui->s->engine, text.data, pos, &start, &v, &n) != TN_OK || n == 0)
		goto done;
	if (start < ui->acc.len || start > pos)
		start = pos; /* a word never spans lines */
	typed = pos - start;
	/* The longest prefix all candidates share (ASCII case ignored). */
	common = strlen(v[0]);
	for (size_t i = 1; i < n; i++) {
		size_t k = 0;

		while (k < common && v[i][k] &&
		       tolower((unsigned char)v[i][k]) == tolower((unsigned char)v[0][k]))
			k++;
		common = k;
	}
	if (n == 1 || common > typed) {
		char *ins = fit_case(v[0], n == 1 ? strlen(v[0]) : common, text.data + start, typed);

		el_deletestr(el, (int)typed);
		if (el_insertstr(el, ins) == 0 && n == 1)
			el_insertstr(el, " ");
		free(ins);
		ret = CC_REFRESH;
	} else {
		list_candidates(v, n);
		ret = CC_REDISPLAY;
	}
done:
	tarn_strv_free(v, n);
	tn_buf_done(&text);
	return ret;
}

/* Ctrl-C at the prompt. The terminal does not turn it into SIGINT while
 * libedit reads (-isig), so that it never races with the keys before it:
 * mark the line, end it as Enter would, and let the loop drop it. */
static unsigned char cancel_fn(EditLine *el, int ch)
{
	struct ui *ui;
	const LineInfo *li = el_line(el);

	(void)ch;
	el_get(el, EL_CLIENTDATA, &ui);
	ui->cancel = true;
	el_cursor(el, (int)(li->lastchar - li->cursor));
	el_insertstr(el, "^C");
	el_push(el, "\n");
	return CC_REFRESH;
}

/* ---- history ---- */

static void history_load(History *h, const char *path)
{
	HistEvent ev;
	struct tn_err err;
	char **v;
	size_t n;

	if (shell_hist_load(path, SHELL_HISTORY_MAX, &v, &n, &err) != TN_OK)
		fprintf(stderr, "tarn sql: history: %s\n", err.msg);
	for (size_t i = 0; i < n; i++) {
		history(h, &ev, H_ENTER, v[i]);
		free(v[i]);
	}
	free(v);
}

static void history_add(History *h, const char *path, const char *entry, bool *warned)
{
	HistEvent ev;
	struct tn_err err;

	/* Not twice in a row. */
	if (history(h, &ev, H_FIRST) == 0 && strcmp(ev.str, entry) == 0)
		return;
	history(h, &ev, H_ENTER, entry);
	if (path != NULL && shell_hist_append(path, entry, &err) != TN_OK && !*warned) {
		fprintf(stderr, "tarn sql: history not saved: %s\n", err.msg);
		*warned = true;
	}
}

/* ---- the loop ---- */

static void print_error(const struct tn_err *err)
{
	if (err->code == TN_ECANCELED)
		fputs("cancelled\n", stderr);
	else
		fprintf(stderr, "error: %s\n", err->msg);
	fflush(stderr);
}

/* Run every statement of the entry. */
static void run_statements(struct shell *s, const char *sql, size_t len)
{
	struct tn_err err;

	for (size_t off = 0, used; off < len; off += used) {
		if (shell_exec(s, sql + off, len - off, &used, &err) != TN_OK) {
			print_error(&err);
			return;
		}
		if (used == 0)
			return;
	}
}

/* The same with the terminal's echo off: keys typed ahead appear once,
 * when libedit reads them at the next prompt, not also wherever the
 * output happens to be. */
static void run_entry(struct shell *s, const char *sql, size_t len)
{
	struct termios saved, quiet;
	bool echo_off = tcgetattr(STDIN_FILENO, &saved) == 0;

	if (echo_off) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOCTL);
		echo_off = tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
	}
	run_statements(s, sql, len);
	if (echo_off)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
}

/* The entry without its trailing blanks, for the history. */
static char *entry_text(const char *s, size_t len)
{
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	return tn_strndup(s, len);
}

int shell_interactive(struct shell *s, const char *history_path)
{
	EditLine *el = el_init("tarn", stdin, stdout, stderr);
	History *hist = history_init();
	HistEvent ev;
	struct ui ui = {.s = s};
	bool warned = false;

	if (el == NULL || hist == NULL) {
		fputs("tarn sql: cannot start the line editor\n", stderr);
		if (el != NULL)
			el_end(el);
		if (hist != NULL)
			history_end(hist);
		return 1;
	}
	tn_buf_init(&ui.acc, 0);
	history(hist, &ev, H_SETSIZE, SHELL_HISTORY_MAX);
	if (history_path != NULL)
		history_load(hist, history_path);
	el_set(el, EL_CLIENTDATA, &ui);
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_SIGNAL, 1);
	el_set(el, EL_PROMPT, prompt_fn);
	el_set(el, EL_HIST, history, hist);
	el_set(el, EL_ADDFN, "tarn-complete", "complete a keyword or name", complete_fn);
	el_set(el, EL_BIND, "^I", "tarn-complete", NULL);
	el_set(el, EL_ADDFN, "tarn-cancel", "drop the line and the statement", cancel_fn);
	el_set(el, EL_BIND, "^C", "tarn-cancel", NULL);
	el_set(el, EL_SETTY, "-d", "-isig", NULL);
	el_source(el, NULL); /* ~/.editrc may rebind keys */
	shell_signals_install();
	fputs("tarn sql: statements end with ';'. \\help for help, \\quit or Ctrl-D to leave.\n",
	      stdout);

	while (!s->quit) {
		int count = 0;
		const char *line;
		char *entry;

		shell_interrupted();
		ui.cancel = false;
		line = el_gets(el, &count);
		if (ui.cancel || shell_interrupted() || (line == NULL && count < 0 && errno == EINTR)) {
			/* Ctrl-C at the prompt (or SIGINT from elsewhere): drop
			 * the line and the statement. */
			if (!ui.cancel)
				fputc('\n', stdout);
			tn_buf_reset(&ui.acc);
			continue;
		}
		if (line == NULL || count <= 0) {
			fputc('\n', stdout);
			break;
		}
		if (ui.acc.len == 0 && shell_is_meta(line)) {
			struct tn_err err;

			entry = entry_text(line, strlen(line));
			history_add(hist, history_path, entry, &warned);
			if (shell_meta(s, entry, &err) != TN_OK)
				print_error(&err);
			free(entry);
			continue;
		}
		tn_buf_puts(&ui.acc, line, NULL);
		entry = entry_text(ui.acc.data, ui.acc.len);
		if (*entry == '\0') {
			tn_buf_reset(&ui.acc);
		} else if (tarn_sql_complete(ui.acc.data, ui.acc.len)) {
			history_add(hist, history_path, entry, &warned);
			run_entry(s, ui.acc.data, ui.acc.len);
			tn_buf_reset(&ui.acc);
		}
		free(entry);
	}
	tn_buf_done(&ui.acc);
	history_end(hist);
	el_end(el);
	return 0;
}
