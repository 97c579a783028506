/* shell.c - a shell session: run a statement and print what it gives,
 * meta commands, and Ctrl-C as a cancel of the running statement. */
#include "shell/shell.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/time.h"
#include "sql/sql.h"

/* ---- Ctrl-C ---- */

/* The engine whose statement runs now, for the SIGINT handler; NULL
 * between statements. */
static struct tarn_engine *volatile sig_engine;
static volatile sig_atomic_t sig_seen;

static void on_sigint(int sig)
{
	struct tarn_engine *e = sig_engine;

	(void)sig;
	sig_seen = 1;
	if (e != NULL)
		tarn_engine_interrupt(e);
}

void shell_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a read at the prompt or of a script returns EINTR. */
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
}

bool shell_interrupted(void)
{
	bool seen = sig_seen != 0;

	sig_seen = 0;
	return seen;
}

/* ---- statements ---- */

void shell_init(struct shell *s, struct tarn_engine *e, enum cli_format fmt, FILE *msg)
{
	memset(s, 0, sizeof(*s));
	s->engine = e;
	s->format = fmt;
	s->out = stdout;
	s->msg = msg;
}

static void close_output(struct shell *s)
{
	if (s->out_path != NULL) {
		fclose(s->out);
		free(s->out_path);
		s->out_path = NULL;
	}
	s->out = stdout;
}

void shell_done(struct shell *s)
{
	close_output(s);
}

/* tarn_result_next that stops at Ctrl-C even when the engine would go on
 * handing out rows it has. */
static int next_rows(void *r, struct tn_batch *b, struct tn_err *err)
{
	if (sig_seen)
		return tn_err_set(err, TN_ECANCELED, "cancelled");
	return tarn_result_next(r, b, err);
}

static int print_result(struct shell *s, struct tarn_result *r, struct tn_err *err)
{
	const struct tn_schema *schema = tarn_result_schema(r);
	const char *message = tarn_result_message(r);
	int rc = TN_OK;

	if (schema != NULL && schema->ncols > 0) {
		struct cli_writer *w = cli_writer_new(s->out, s->format, schema);
		struct tn_batch b = {0};

		rc = cli_writer_stream(w, next_rows, r, &b, -1, err);
		tn_batch_done(&b);
		cli_writer_free(w);
	}
	if (rc == TN_OK && message != NULL) {
		fprintf(s->msg, "%s\n", message);
		fflush(s->msg);
	}
	return rc;
}

int shell_exec(struct shell *s, const char *sql, size_t len, size_t *used, struct tn_err *err)
{
	struct tarn_result *r = NULL;
	int64_t t0 = tn_time_mono_us();
	bool ran;
	int rc;

	*used = 0;
	if (shell_interrupted())
		return tn_err_set(err, TN_ECANCELED, "cancelled");
	sig_engine = s->engine;
	rc = tarn_exec(s->engine, sql, len, used, &r, err);
	if (rc == TN_OK && r != NULL)
		rc = print_result(s, r, err);
	sig_engine = NULL;
	ran = r != NULL || rc != TN_OK;
	tarn_result_free(r);
	/* A Ctrl-C that came while the last rows were printed, too late to
	 * cancel anything, must not cancel the next statement. */
	shell_interrupted();
	if (s->timing && ran) {
		fprintf(s->msg, "Time: %.3f ms\n", (double)(tn_time_mono_us() - t0) / 1000.0);
		fflush(s->msg);
	}
	return rc;
}

/* ---- meta commands ---- */

static const char meta_help[] =
	"Statements end with ';' and may span lines. Meta commands:\n"
	"  \\help, \\?            this help\n"
	"  \\quit, \\q            leave the shell (also Ctrl-D)\n"
	"  \\format [F]          show or set the output format: " CLI_FORMAT_NAMES "\n"
	"  \\timing [on|off]     print each statement's time (no argument: toggle)\n"
	"  \\output [FILE], \\o   write results to FILE; without FILE, to the terminal\n"
	"  \\tables [SCHEMA]     SHOW TABLES [IN SCHEMA]\n"
	"  \\schemas [CATALOG]   SHOW SCHEMAS [IN CATALOG]\n"
	"  \\describe TABLE, \\d  DESCRIBE TABLE\n"
	"Ctrl-C cancels the running statement, or clears the line at the prompt.\n"
	"TAB completes keywords, catalogs, schemas, tables and columns.\n";

bool shell_is_meta(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	return line[0] == '\\' && (isalpha((unsigned char)line[1]) || line[1] == '?');
}

/* Run one SQL statement built by a meta command. */
static int meta_sql(struct shell *s, char *sql, struct tn_err *err)
{
	size_t used;
	int rc = shell_exec(s, sql, strlen(sql), &used, err);

	free(sql);
	return rc;
}

static int meta_on_off(const char *arg, bool *flag, struct tn_err *err)
{
	if (*arg == '\0')
		*flag = !*flag;
	else if (tn_str_ieq(arg, "on"))
		*flag = true;
	else if (tn_str_ieq(arg, "off"))
		*flag = false;
	else
		return tn_err_set(err, TN_EINVAL, "want on or off, not '%s'", arg);
	return TN_OK;
}

int shell_meta(struct shell *s, const char *line, struct tn_err *err)
{
	char *copy = tn_strdup(line), *name = tn_str_trim(copy) + 1, *arg;
	int rc = TN_OK;

	arg = name + strcspn(name, " \t");
	if (*arg != '\0')
		*arg++ = '\0';
	arg = tn_str_trim(arg);
	if (strcmp(name, "help") == 0 || strcmp(name, "?") == 0 || strcmp(name, "h") == 0) {
		fputs(meta_help, s->msg);
	} else if (strcmp(name, "quit") == 0 || strcmp(name, "q") == 0) {
		s->quit = true;
	} else if (strcmp(name, "format") == 0 || strcmp(name, "f") == 0) {
		enum cli_format f;

		if (*arg == '\0') {
			static const char *const names[] = {"table", "csv", "tsv", "json", "jsonl",
							    "markdown"};

			fprintf(s->msg, "format %s\n", names[s->format]);
		} else if ((rc = cli_format_parse(arg, &f, err)) == TN_OK) {
			s->format = f;
		}
	} else if (strcmp(name, "timing") == 0) {
		rc = meta_on_off(arg, &s->timing, err);
		if (rc == TN_OK)
			fprintf(s->msg, "timing %s\n", s->timing ? "on" : "off");
	} else if (strcmp(name, "output") == 0 || strcmp(name, "o") == 0) {
		if (*arg == '\0') {
			close_output(s);
		} else {
			FILE *f = fopen(arg, "w");

			if (f == NULL) {
				rc = tn_err_sys(err, errno, "%s", arg);
			} else {
				close_output(s);
				s->out = f;
				s->out_path = tn_strdup(arg);
			}
		}
	} else if (strcmp(name, "tables") == 0 || strcmp(name, "dt") == 0) {
		rc = meta_sql(s, *arg ? tn_asprintf("SHOW TABLES IN %s;", arg)
				      : tn_strdup("SHOW TABLES;"), err);
	} else if (strcmp(name, "schemas") == 0 || strcmp(name, "dn") == 0) {
		rc = meta_sql(s, *arg ? tn_asprintf("SHOW SCHEMAS IN %s;", arg)
				      : tn_strdup("SHOW SCHEMAS;"), err);
	} else if (strcmp(name, "describe") == 0 || strcmp(name, "d") == 0) {
		if (*arg == '\0')
			rc = tn_err_set(err, TN_EINVAL, "\\%s: name a table", name);
		else
			rc = meta_sql(s, tn_asprintf("DESCRIBE %s;", arg), err);
	} else {
		rc = tn_err_set(err, TN_EINVAL, "unknown meta command '\\%s' (\\help lists them)",
				name);
	}
	fflush(s->msg);
	free(copy);
	return rc;
}
