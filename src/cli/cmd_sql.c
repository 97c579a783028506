/* cmd_sql.c - `tarn sql`: the interactive shell on a terminal, otherwise
 * a batch run of the statements of -c, -f or standard input that prints
 * rows to stdout and everything else to stderr. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/format.h"
#include "shell/shell.h"
#include "sql/lex.h"
#include "sql/sql.h"

/* A batch run over one input. */
struct batch {
	struct shell *s;
	const char *name; /* the file, "stdin" or "-c", for messages */
	bool keep_going;  /* --continue */
	int failed;       /* statements that failed */
	bool stop;        /* a failure (without --continue), Ctrl-C or \quit */
};

/* Advance a 1-based line and column over bytes. */
static void advance(const char *p, size_t n, unsigned *line, unsigned *col)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* The bytes of blanks and comments that start text. */
static size_t skip_blank(const char *text, size_t len)
{
	struct sql_lexer lx;
	struct sql_token t;

	sql_lex_init(&lx, text, len);
	do
		t = sql_lex_next(&lx);
	while (t.kind == SQL_TOK_SPACE || t.kind == SQL_TOK_COMMENT);
	return t.kind == SQL_TOK_END ? len : t.start;
}

/* Where the statement that starts text ends: past its ';' (or the end). */
static size_t statement_end(const char *text, size_t len)
{
	struct sql_lexer lx;
	struct sql_token t;

	sql_lex_init(&lx, text, len);
	do
		t = sql_lex_next(&lx);
	while (t.kind != SQL_TOK_END && !(t.kind == SQL_TOK_OP && t.len == 1 && text[t.start] == ';'));
	return t.kind == SQL_TOK_END ? len : t.start + 1;
}

/* "tarn sql: NAME:LINE: message". The engine places errors as "line N,
 * column M: ..." of the statement it was given; that becomes the place in
 * the input. */
static void report(struct batch *bt, unsigned line, unsigned col, const struct tn_err *err)
{
	unsigned n, m;
	int off = 0;

	if (sscanf(err->msg, "line %u, column %u: %n", &n, &m, &off) == 2 && off > 0 && n > 0)
		fprintf(stderr, "tarn sql: %s:%u:%u: %s\n", bt->name, line + n - 1,
			n == 1 ? col + m - 1 : m, err->msg + off);
	else
		fprintf(stderr, "tarn sql: %s:%u: %s\n", bt->name, line, err->msg);
	fflush(stderr);
}

/* Run the statements of text[0..len), whose first byte is at line. */
static void run_text(struct batch *bt, const char *text, size_t len, unsigned line)
{
	unsigned col = 1;
	size_t off = 0;

	while (off < len && !bt->stop) {
		size_t skip = skip_blank(text + off, len - off), used = 0;
		struct tn_err err;
		int rc;

		advance(text + off, skip, &line, &col);
		off += skip;
		if (off >= len)
			break;
		rc = shell_exec(bt->s, text + off, len - off, &used, &err);
		if (rc != TN_OK) {
			report(bt, line, col, &err);
			bt->failed++;
			if (!bt->keep_going || rc == TN_ECANCELED)
				bt->stop = true;
			used = statement_end(text + off, len - off);
		}
		if (used == 0 || used > len - off)
			used = len - off;
		advance(text + off, used, &line, &col);
		off += used;
	}
}

/* Read f line by line; run each statement once its last line is in, and
 * meta commands that stand between statements. */
static void run_stream(struct batch *bt, FILE *f)
{
	struct tn_buf acc;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0, first = 1;
	bool semicolon = false;

	tn_buf_init(&acc, 0);
	while (!bt->stop && (n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (acc.len == 0 && shell_is_meta(line)) {
			struct tn_err err;

			if (n > 0 && line[n - 1] == '\n')
				line[n - 1] = '\0';
			if (shell_meta(bt->s, line, &err) != TN_OK) {
				report(bt, lineno, 1, &err);
				bt->failed++;
				bt->stop = !bt->keep_going;
			}
			if (bt->s->quit)
				bt->stop = true;
			continue;
		}
		if (acc.len == 0)
			first = lineno;
		tn_buf_append(&acc, line, (size_t)n, NULL);
		/* Only text with a ';' can end a statement. */
		semicolon = semicolon || memchr(line, ';', (size_t)n) != NULL;
		if (semicolon && tarn_sql_complete(acc.data, acc.len)) {
			run_text(bt, acc.data, acc.len, first);
			tn_buf_reset(&acc);
			semicolon = false;
		}
	}
	if (!bt->stop && ferror(f)) {
		struct tn_err err;

		if (errno == EINTR)
			tn_err_set(&err, TN_ECANCELED, "cancelled");
		else
			tn_err_sys(&err, errno, "reading");
		report(bt, lineno, 1, &err);
		bt->failed++;
		bt->stop = true;
	}
	/* The last statement may lack its ';'. */
	if (!bt->stop && acc.len > 0)
		run_text(bt, acc.data, acc.len, first);
	free(line);
	tn_buf_done(&acc);
}

int cli_cmd_sql(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"command", required_argument, NULL, 'c'},
		{"file", required_argument, NULL, 'f'},
		{"format", required_argument, NULL, 'F'},
		{"lakehouse", required_argument, NULL, 'L'},
		{"continue", no_argument, NULL, 'k'},
		{NULL, 0, NULL, 0},
	};
	const struct cli_cmd *self = cli_find("sql");
	const char *command = NULL, *file = NULL, *format = NULL, *lakehouse = cli_lakehouse;
	struct tarn_engine_opts eo = {0};
	struct tarn_engine *e = NULL;
	struct batch bt = {0};
	struct shell s;
	struct tn_err err;
	enum cli_format fmt = CLI_FMT_TABLE;
	bool keep_going = false, interactive;
	int c, rc = CLI_OK;
	FILE *in = NULL;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:c:f:F:L:k", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			command = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'F':
			format = optarg;
			break;
		case 'L':
			lakehouse = optarg;
			break;
		case 'k':
			keep_going = true;
			break;
		case ':':
			return cli_usage_error(self, "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_error(self, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);
	if (command != NULL && file != NULL)
		return cli_usage_error(self, "give -c or -f, not both");
	if (format != NULL && cli_format_parse(format, &fmt, &err) != TN_OK)
		return cli_usage_error(self, "--format: %s", err.msg);
	if (lakehouse != NULL && *lakehouse == '\0')
		return cli_usage_error(self, "--lakehouse needs a directory");
	interactive = command == NULL && file == NULL && isatty(STDIN_FILENO) &&
		      isatty(STDOUT_FILENO);

	if (command != NULL) {
		in = fmemopen((void *)command, strlen(command), "r");
		bt.name = "-c";
	} else if (file != NULL && strcmp(file, "-") != 0) {
		in = fopen(file, "r");
		bt.name = file;
	} else {
		in = stdin;
		bt.name = "stdin";
	}
	if (in == NULL) {
		fprintf(stderr, "tarn sql: %s: %s\n", file ? file : "-c", strerror(errno));
		return CLI_FAILED;
	}

	eo.lakehouse = lakehouse;
	if (tarn_engine_open(&eo, &e, &err) != TN_OK) {
		if (in != stdin)
			fclose(in);
		return cli_fail("sql", &err);
	}
	shell_init(&s, e, fmt, interactive ? stdout : stderr);
	if (interactive) {
		char *hist = shell_history_path(tarn_engine_lakehouse(e));

		rc = shell_interactive(&s, hist);
		free(hist);
	} else {
		shell_signals_install();
		bt.s = &s;
		bt.keep_going = keep_going;
		run_stream(&bt, in);
		rc = bt.failed > 0 ? CLI_FAILED : CLI_OK;
	}
	if (in != stdin)
		fclose(in);
	shell_done(&s);
	tarn_engine_close(e);
	return rc;
}
