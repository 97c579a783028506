/* cmd_tui.c - `tarn` without a command: the workbench's options and its
 * start. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "tui/tui.h"

/* The option's value: "--opt VALUE" or "--opt=VALUE". NULL: not this
 * option; *bad: it is, without a value. */
static const char *value(int argc, char **argv, int *i, const char *name, bool *bad)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=' && a[n + 1] != '\0')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc || argv[*i + 1][0] == '\0') {
		*bad = true;
		return NULL;
	}
	return argv[++*i];
}

int cli_tui_option(int argc, char **argv, int *i, struct tui_opts *o)
{
	static const char *const names[] = {"--theme", "--keys", "--record", "--replay",
					    "--speed", "--dump-screen", "--size"};
	const char *a = argv[*i], *v = NULL;
	bool bad = false;
	size_t k;

	if (strcmp(a, "--ascii") == 0)
		o->ascii = true;
	else if (strcmp(a, "--read-only") == 0)
		o->read_only = true;
	else if (strcmp(a, "--no-confirm") == 0)
		o->no_confirm = true;
	else if (strcmp(a, "--record-input") == 0)
		o->record_input = true;
	else if (strcmp(a, "--headless") == 0)
		o->headless = true;
	else {
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if ((v = value(argc, argv, i, names[k], &bad)) != NULL || bad)
				break;
		if (bad) {
			fprintf(stderr, "tarn: %s needs a value\n", names[k]);
			return -1;
		}
		if (v == NULL)
			return 0;
		switch (k) {
		case 0:
			o->theme = v;
			break;
		case 1:
			o->keys = v;
			break;
		case 2:
			o->record = v;
			break;
		case 3:
			o->replay = v;
			break;
		case 4: {
			char *end;

			o->speed = strtod(v, &end);
			if (*end != '\0' || !(o->speed > 0) || o->speed > 1000) {
				fprintf(stderr, "tarn: --speed takes a factor over 0, such as 2 or 0.5\n");
				return -1;
			}
			break;
		}
		case 5:
			o->dump_screen = v;
			break;
		case 6: {
			char x, rest;

			if (sscanf(v, "%d%c%d%c", &o->width, &x, &o->height, &rest) != 3 || x != 'x' ||
			    o->width < 1 || o->height < 1 || o->width > 1000 || o->height > 1000) {
				fprintf(stderr, "tarn: --size takes WIDTHxHEIGHT, such as 100x30\n");
				return -1;
			}
			break;
		}
		}
	}
	return 1;
}

int cli_tui_run(const struct tui_opts *o)
{
	struct tn_err err = {0};

	if (o->record_input && o->record == NULL)
		return fprintf(stderr, "tarn: --record-input needs --record FILE.cast\n"), CLI_USAGE;
	if ((o->headless || o->speed > 0) && o->replay == NULL)
		return fprintf(stderr, "tarn: %s needs --replay FILE\n",
			       o->headless ? "--headless" : "--speed"),
		       CLI_USAGE;
	if ((o->dump_screen != NULL || o->width > 0) && !o->headless)
		return fprintf(stderr, "tarn: %s needs --headless\n",
			       o->dump_screen != NULL ? "--dump-screen" : "--size"),
		       CLI_USAGE;
	if (!o->headless && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fputs("tarn: the workbench needs a terminal; use `tarn sql` for scripts\n", stderr);
		return CLI_FAILED;
	}
	if (tui_main(o, &err) != TN_OK) {
		fprintf(stderr, "tarn: %s\n", err.msg);
		return CLI_FAILED;
	}
	return CLI_OK;
}
