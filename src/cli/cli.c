/* cli.c - global options, the command table and help output. */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "cli/cmds.h"
#include "cli/format.h"
#include "config.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

const struct cli_cmd cli_commands[] = {
	{"cat",
	 "[--format F | --output OUT.parquet] [--columns A,B] [--limit N] [--version N | --timestamp TS] PATH",
	 "print the rows of a Parquet file or a Delta table, or write them to a Parquet file",
	 "PATH is a Parquet file or a Delta table's directory.\n"
	 "Options:\n"
	 "  -f, --format F      output format: " CLI_FORMAT_NAMES " (default table);\n"
	 "                      jsonl is the canonical row format\n"
	 "  -c, --columns A,B   only these top-level columns, in this order\n"
	 "  -n, --limit N       at most N rows\n"
	 "      --no-crc        do not verify page checksums\n"
	 "      --batch-rows N  rows decoded at a time (default 4096)\n"
	 "  -o, --output OUT    write the rows to the Parquet file OUT instead of\n"
	 "                      printing them (it appears only when complete)\n"
	 "      --codec C       with --output: zstd (default), snappy, gzip, lz4_raw\n"
	 "                      or none\n"
	 "      --row-group-rows N\n"
	 "                      with --output: rows per row group (default 1048576)\n"
	 "      --version N     a Delta table as of version N\n"
	 "      --timestamp TS  a Delta table as of a time (ISO-8601, UTC unless it says)\n"
	 "      --where EXPR    a Delta table's rows that match EXPR, e.g.\n"
	 "                      \"year = 2024 AND city IN ('Oslo', 'Rome')\"; files that\n"
	 "                      cannot match (partition values, statistics) are skipped\n"
	 "      --metrics       print the scan's file counts to stderr\n",
	 cli_cmd_cat},
	{"history", "[--format F] [--limit N] TABLE_DIR",
	 "show a Delta table's commits, newest first",
	 "One row per commit: version, timestamp, userName, operation,\n"
	 "operationParameters, readVersion, isolationLevel, isBlindAppend,\n"
	 "operationMetrics, engineInfo (the columns of DESCRIBE HISTORY).\n"
	 "Options:\n"
	 "  -f, --format F   output format: " CLI_FORMAT_NAMES " (default table)\n"
	 "  -n, --limit N    the newest N commits only\n",
	 cli_cmd_history},
	{"changes", "--from V [--to V] [--format F] [--limit N] TABLE_DIR",
	 "show a Delta table's change data feed between two versions",
	 "The rows each commit from --from to --to (default: the latest) inserted,\n"
	 "deleted or updated, with _change_type (insert, delete, update_preimage,\n"
	 "update_postimage), _commit_version and _commit_timestamp. Commits that\n"
	 "wrote change data files give those; others give the rows of the files\n"
	 "they added and removed.\n"
	 "Options:\n"
	 "      --from V     the first version (required)\n"
	 "      --to V       the last version (default: the latest)\n"
	 "  -f, --format F   output format: " CLI_FORMAT_NAMES " (default table)\n"
	 "  -n, --limit N    at most N rows\n",
	 cli_cmd_changes},
	{"checkpoint", "[--version N] TABLE_DIR",
	 "write a Delta table's checkpoint so that readers can skip the log before it",
	 "Writes _delta_log/<version>.checkpoint.parquet, a classic single-file\n"
	 "checkpoint of the latest version (or --version N) that Spark, DuckDB and\n"
	 "delta-rs read: the protocol, metadata, transaction ids, domain metadata\n"
	 "and every active file with its statistics, partition values and deletion\n"
	 "vector; then points _delta_log/_last_checkpoint at it (unless that names a\n"
	 "newer one). The file appears whole or not at all. A checkpoint that exists\n"
	 "already is left alone. Remove tombstones are not written, and tables with\n"
	 "row tracking are refused.\n"
	 "Options:\n"
	 "      --version N  checkpoint version N instead of the latest\n",
	 cli_cmd_checkpoint},
	{"help", "[COMMAND]", "show help for tarn or for one command",
	 "Without COMMAND, list the commands. With one, show its usage and options.\n",
	 cmd_help},
	{"import", "[--mode append|overwrite] FILE.parquet TABLE_DIR",
	 "append a Parquet file's rows to a Delta table, or replace its rows",
	 "Writes the rows into new data files of TABLE_DIR and commits them as one\n"
	 "new version (creating the table when the directory has none; the\n"
	 "columns must then match the table's). Every file gets statistics, and the\n"
	 "commit records commitInfo. A concurrent append makes this one retry at\n"
	 "the next version; other conflicts fail and leave the table as it was.\n"
	 "Partitioned and column-mapped tables cannot be written yet.\n"
	 "Options:\n"
	 "      --mode M     append (default) or overwrite\n",
	 cli_cmd_import},
	{"inspect", "[--format text|json] [--version N | --timestamp TS] PATH",
	 "show a Parquet file's footer or a Delta table's snapshot",
	 "For a Parquet file: the schema (as tarn types and as Parquet declares it),\n"
	 "key-value metadata, and for every row group each column chunk's type,\n"
	 "codec, encodings, sizes and statistics.\n"
	 "For a Delta table's directory: version, protocol, metadata, schema,\n"
	 "partition columns, properties and the active files.\n"
	 "Options:\n"
	 "  -f, --format F      text (default) or json\n"
	 "      --version N     a Delta table as of version N\n"
	 "      --timestamp TS  a Delta table as of a time\n",
	 cli_cmd_inspect},
	{"version", "", "print the version of tarn", "Same as `tarn --version`.\n",
	 cmd_version},
	{NULL, NULL, NULL, NULL, NULL},
};

static const char global_usage[] = "usage: tarn [--help | --version] COMMAND [ARGS...]\n";

const struct cli_cmd *cli_find(const char *name)
{
	for (const struct cli_cmd *c = cli_commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void cli_print_usage(FILE *out, const struct cli_cmd *cmd)
{
	fprintf(out, "usage: tarn %s%s%s\n", cmd->name, *cmd->args ? " " : "", cmd->args);
}

int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tarn %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_print_usage(stderr, cmd);
	return CLI_USAGE;
}

static void print_global_help(FILE *out)
{
	fputs("tarn - a terminal lakehouse workbench\n\n", out);
	fputs(global_usage, out);
	fputs("\nOptions:\n"
	      "  -h, --help       show this help and exit\n"
	      "  -V, --version    print the version and exit\n"
	      "\nCommands:\n",
	      out);
	for (const struct cli_cmd *c = cli_commands; c->name != NULL; c++)
		fprintf(out, "  %-12s %s\n", c->name, c->summary);
	fputs("\nRun `tarn help COMMAND` for a command's options. Data goes to stdout,\n"
	      "messages to stderr. Exit status: 0 ok, 1 failed, 2 usage error.\n"
	      "Environment: TARN_LOG names a log file (TARN_LOG_LEVEL: debug, info,\n"
	      "warn, error).\n",
	      out);
}

static int cmd_help(int argc, char **argv)
{
	const struct cli_cmd *self = cli_find("help"), *c;

	if (argc == 1) {
		print_global_help(stdout);
		return CLI_OK;
	}
	if (argc > 2)
		return cli_usage_error(self, "too many arguments");
	c = cli_find(argv[1]);
	if (c == NULL) {
		fprintf(stderr, "tarn help: unknown command '%s'\n", argv[1]);
		fputs(global_usage, stderr);
		return CLI_USAGE;
	}
	cli_print_usage(stdout, c);
	fprintf(stdout, "\n%s.\n\n%s", c->summary, c->help);
	return CLI_OK;
}

static void print_version(void)
{
	printf("tarn %s\n", PACKAGE_VERSION);
}

static int cmd_version(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return cli_usage_error(cli_find("version"), "takes no arguments");
	print_version();
	return CLI_OK;
}

int cli_main(int argc, char **argv)
{
	const struct cli_cmd *c;
	int i = 1;

	tn_log_open_env();
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			print_global_help(stdout);
			return CLI_OK;
		}
		if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			print_version();
			return CLI_OK;
		}
		fprintf(stderr, "tarn: unknown option '%s'\n", a);
		fputs(global_usage, stderr);
		return CLI_USAGE;
	}
	if (i >= argc) {
		fputs("tarn: no command given (the terminal workbench is not built yet)\n", stderr);
		fputs(global_usage, stderr);
		fputs("Run `tarn --help` for the list of commands.\n", stderr);
		return CLI_USAGE;
	}
	c = cli_find(argv[i]);
	if (c == NULL) {
		fprintf(stderr, "tarn: unknown command '%s'\n", argv[i]);
		fputs(global_usage, stderr);
		fputs("Run `tarn --help` for the list of commands.\n", stderr);
		return CLI_USAGE;
	}
	tn_info("run: %s", c->name);
	return c->run(argc - i, argv + i);
}
