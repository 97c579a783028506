/* shell.h - the SQL shell of `tarn sql`: running statements and printing
 * their results (batch and interactive alike), meta commands, Ctrl-C, and
 * the interactive line editor (libedit) with history and completion. */
#ifndef TARN_SHELL_H
#define TARN_SHELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/err.h"
#include "cli/format.h"

struct tarn_engine;

/* Entries the history file keeps (the newest). */
#define SHELL_HISTORY_MAX 1000

/* A session: where results and messages go, and the settings meta
 * commands change. */
struct shell {
	struct tarn_engine *engine; /* borrowed */
	enum cli_format format;
	bool timing;                /* print each statement's time to msg */
	FILE *out;                  /* results: stdout, or the \output file */
	char *out_path;             /* the \output file (owned), NULL for stdout */
	FILE *msg;                  /* what statements did, timings */
	bool quit;                  /* \quit was given */
};

/* A session writing results to stdout and messages to msg. */
void shell_init(struct shell *s, struct tarn_engine *e, enum cli_format fmt, FILE *msg);
/* Closes the \output file, if any. */
void shell_done(struct shell *s);

/* Run the first statement of sql[0..len) (*used: the bytes it took, as
 * tarn_exec) and print its rows to s->out in s->format, or its message to
 * s->msg. Blank text runs nothing. Errors are the engine's (TN_ECANCELED
 * after Ctrl-C) or TN_EIO when the output cannot be written. */
int shell_exec(struct shell *s, const char *sql, size_t len, size_t *used, struct tn_err *err);

/* Whether line (blanks first allowed) is a meta command: a backslash and
 * a name, such as "\format csv". */
bool shell_is_meta(const char *line);
/* Run a meta command (\help, \quit, \format, \timing, \output, \tables,
 * \schemas, \describe). TN_EINVAL for an unknown one or bad arguments. */
int shell_meta(struct shell *s, const char *line, struct tn_err *err);

/* Make SIGINT interrupt the statement that shell_exec runs (it then fails
 * with TN_ECANCELED) instead of ending the program. */
void shell_signals_install(void);
/* Whether SIGINT came since the last call (which clears it). */
bool shell_interrupted(void);

/* The interactive shell on the terminal: read statements (multi-line,
 * ended by ';') and meta commands with libedit until \quit or Ctrl-D.
 * history_path (may be NULL for none) is loaded first and appended to
 * after each entry. Returns an exit code: 0. */
int shell_interactive(struct shell *s, const char *history_path);

/* The lakehouse's history file, LAKEHOUSE/.tarn_sql_history. Caller frees. */
char *shell_history_path(const char *lakehouse);

#endif
