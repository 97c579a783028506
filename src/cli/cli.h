/* cli.h - the `tarn` command line: a table of subcommands and its driver. */
#ifndef TARN_CLI_H
#define TARN_CLI_H

#include <stddef.h>
#include <stdio.h>

/* Exit codes (ARCHITECTURE "Command line"). */
enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

/* A subcommand. usage and help come from here for `tarn --help`,
 * `tarn help NAME` and usage errors, so they never drift apart. */
struct cli_cmd {
	const char *name;
	const char *args;    /* argument synopsis after the name, "" for none */
	const char *summary; /* one line for the command list */
	const char *help;    /* the rest of `tarn help NAME`: options, details */
	/* argv[0] is the command name. Returns an exit code. */
	int (*run)(int argc, char **argv);
};

/* The command table, ended by an entry with a NULL name. */
extern const struct cli_cmd cli_commands[];

const struct cli_cmd *cli_find(const char *name);
/* "usage: tarn NAME ARGS" for one command. */
void cli_print_usage(FILE *out, const struct cli_cmd *cmd);
/* Print "tarn NAME: message" and the command's usage to stderr; returns
 * CLI_USAGE. */
int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A growable list of strings an option collects (repeated or "a,b,c"). */
struct cli_list {
	char **v; /* NULL-terminated when n > 0 */
	size_t n;
};
void cli_list_add(struct cli_list *l, const char *s);
/* Add each comma-separated item of s, trimmed; empty items are skipped. */
void cli_list_split(struct cli_list *l, const char *s);
void cli_list_done(struct cli_list *l);

/* The lakehouse given before the command (--lakehouse DIR), or NULL:
 * commands that open one use it unless they are given their own. */
extern const char *cli_lakehouse;

/* The whole program: parse global options, run a command. */
int cli_main(int argc, char **argv);

#endif
