/* cli.c - global options, the command table and help output. */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"

#include "base/log.h"
#include "cli/cmds.h"
#include "cli/format.h"
#include "config.h"
#include "tui/tui.h"

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
	 "  -o, --output OUT    write the rows (of a Parquet file, or of a Delta table\n"
	 "                      at its version, time and --where) to the Parquet file\n"
	 "                      OUT instead of printing them (it appears only when\n"
	 "                      complete)\n"
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
	{"demo", "[--lakehouse DIR] [--force] [--sql] [--no-tui]",
	 "build a demo lakehouse of sales data with a history to explore",
	 "Creates a lakehouse with a bronze/silver/gold sales dataset: CRM exports and\n"
	 "web-shop orders as they land (main.bronze), customers, products and orders\n"
	 "cleaned and joined (main.silver: 20,000 customers, 2,000 products, about\n"
	 "300,000 orders over 2023 and 2024, amounts as decimal(10,2)) and reports\n"
	 "(main.gold), with comments and table properties. Tables have a real\n"
	 "history: appends, an UPDATE, a DELETE, MERGEs, OPTIMIZE with Z-order,\n"
	 "INSERT OVERWRITE and CREATE OR REPLACE. Everything is made by a SQL script\n"
	 "run through the engine; the rows are the same on every run. Progress goes\n"
	 "to stderr; then the tables, their rows and versions and the time taken.\n"
	 "On a terminal, the workbench then opens on the new lakehouse with a first\n"
	 "query in the editor.\n"
	 "A lakehouse directory that is not empty is refused unless --force.\n"
	 "Options:\n"
	 "  -L, --lakehouse DIR  the lakehouse to create (also before the command;\n"
	 "                       default: $TARN_HOME, else $XDG_DATA_HOME/tarn, else\n"
	 "                       ~/.local/share/tarn)\n"
	 "      --force          replace the lakehouse in DIR (its catalog, warehouse,\n"
	 "                       pipelines and shares; a directory holding anything\n"
	 "                       else is still refused)\n"
	 "      --sql            print the SQL script instead of running it\n"
	 "      --no-tui         only build the lakehouse, even on a terminal\n",
	 cli_cmd_demo},
	{"help", "[COMMAND]", "show help for tarn or for one command",
	 "Without COMMAND, list the commands. With one, show its usage and options.\n",
	 cmd_help},
	{"import", "[--mode append|overwrite] [--replace-where EXPR] [--partition-by A,B] [--property K=V] [--merge-schema] [--format F] [--delimiter C] [--no-header] [--rescue] FILE TABLE_DIR",
	 "append a Parquet, CSV or JSON-lines file's rows to a Delta table, or replace its rows",
	 "Writes the rows into new data files of TABLE_DIR and commits them as one\n"
	 "new version, creating the table when the directory has none. Rows go to\n"
	 "the table's columns by name; a missing column is null, a column the table\n"
	 "lacks or of another type is refused (unless --merge-schema), as is a null\n"
	 "in a NOT NULL column or a row breaking a CHECK constraint. Every file gets\n"
	 "statistics, and the commit records commitInfo. A concurrent append makes\n"
	 "this one retry at the next version; other conflicts fail and leave the\n"
	 "table as it was.\n"
	 "FILE is Parquet (.parquet), CSV (.csv, .tsv, .tab) or JSON lines (.json,\n"
	 ".jsonl, .ndjson). A new table gets the columns of a CSV header (or of the\n"
	 "JSON keys) with types inferred from the first 10000 rows; rows for an\n"
	 "existing table are read as its columns' types. A value that does not fit\n"
	 "fails the import, naming the line and column.\n"
	 "Options:\n"
	 "      --mode M              append (default) or overwrite\n"
	 "      --replace-where EXPR  overwrite only the rows matching EXPR; every new\n"
	 "                            row must match it\n"
	 "      --partition-by A,B    a new table's partition columns\n"
	 "      --property K=V        a table property (repeatable), e.g.\n"
	 "                            delta.enableDeletionVectors=true\n"
	 "      --merge-schema        add the file's new columns to the table\n"
	 "  -f, --format F            csv, jsonl or parquet (default: by FILE's extension)\n"
	 "  -d, --delimiter C         CSV field delimiter: one character, or tab (default\n"
	 "                            ',', tab for .tsv)\n"
	 "      --no-header           the CSV's first line is data: columns are column0, ...\n"
	 "      --rescue              values that do not fit become null and go, as JSON,\n"
	 "                            to a _rescued_data column (which an existing table\n"
	 "                            must have)\n",
	 cli_cmd_import},
	{"delete", "--where EXPR | --all TABLE_DIR",
	 "delete the rows of a Delta table that match a filter",
	 "Deletes in one new version. Files that cannot hold matching rows (by\n"
	 "partition values and statistics) are not read; a file with matching rows is\n"
	 "rewritten without them, or, when the table has delta.enableDeletionVectors,\n"
	 "keeps its data and gets a deletion vector. With the change data feed on,\n"
	 "the deleted rows are also written as change data.\n"
	 "Options:\n"
	 "  -w, --where EXPR  the rows to delete (the filter syntax of cat --where)\n"
	 "      --all         delete every row\n",
	 cli_cmd_delete},
	{"update", "--set COL=VALUE [--set ...] [--where EXPR] TABLE_DIR",
	 "set columns of the rows of a Delta table that match a filter",
	 "Updates in one new version. VALUE is a literal read as the column's type\n"
	 "(numbers, true/false, dates and timestamps as text, strings as they are);\n"
	 "'quoted' keeps the text as it is ('' for a quote), a bare NULL is null.\n"
	 "Files that cannot hold matching rows are not read; in a file with\n"
	 "matching rows those rows are written anew with their new values, and\n"
	 "the file is rewritten without them or, with delta.enableDeletionVectors,\n"
	 "keeps its data and gets a deletion vector. With the change data feed on,\n"
	 "the old and new rows are written as update_preimage and update_postimage.\n"
	 "Options:\n"
	 "  -s, --set COL=VALUE  a column and its new value (repeatable)\n"
	 "  -w, --where EXPR     the rows to update (the filter syntax of cat\n"
	 "                       --where; default: every row)\n",
	 cli_cmd_update},
	{"merge",
	 "--on KEY[,KEY] [--when-matched update|delete|ignore] [--when-not-matched insert|ignore] [--when-not-matched-by-source delete|ignore] [--matched-where EXPR] SOURCE TABLE_DIR",
	 "merge the rows of a Parquet file or a Delta table into a Delta table by key",
	 "MERGE INTO TABLE USING SOURCE ON the keys, in one new version: a table row\n"
	 "whose key a source row has is updated from it (every column, by name) or\n"
	 "deleted; a source row whose key no table row has is inserted; a table\n"
	 "row whose key no source row has may be deleted. Null keys match nothing.\n"
	 "Two source rows that would change the same table row are an error, and\n"
	 "nothing is committed. Only files that may hold a source key are read.\n"
	 "SOURCE is read into memory.\n"
	 "Options:\n"
	 "      --on KEY[,KEY]   key columns, of the same name in both, or\n"
	 "                       TABLE_COL=SOURCE_COL\n"
	 "      --when-matched A          update (default), delete or ignore\n"
	 "      --when-not-matched A      insert (default) or ignore\n"
	 "      --when-not-matched-by-source A\n"
	 "                                delete, or ignore (default)\n"
	 "      --matched-where EXPR      only matched source rows that pass EXPR\n"
	 "                                (over the source's columns) update or delete\n"
	 "      --not-matched-where EXPR  only unmatched source rows that pass EXPR\n"
	 "                                are inserted\n"
	 "      --not-matched-by-source-where EXPR\n"
	 "                                only unmatched table rows that pass EXPR\n"
	 "                                (over the table's columns) are deleted\n",
	 cli_cmd_merge},
	{"alter", "[--set-property K=V] [--unset-property K] [--add-column 'NAME TYPE'] [--rename-column OLD=NEW] [--drop-column NAME] TABLE_DIR",
	 "change a Delta table's properties or columns",
	 "Applies the changes, in order, in one new version. Properties may switch\n"
	 "on features (delta.enableDeletionVectors, delta.enableChangeDataFeed,\n"
	 "delta.columnMapping.mode=name, delta.enableInCommitTimestamps,\n"
	 "delta.constraints.NAME = 'expr', delta.appendOnly, ...); the protocol is\n"
	 "raised as they need. New columns are nullable and come last. Renaming and\n"
	 "dropping columns needs column mapping (delta.columnMapping.mode=name).\n"
	 "Options:\n"
	 "      --set-property K=V       set a table property\n"
	 "      --unset-property K       remove a table property\n"
	 "      --add-column 'NAME TYPE' add a column (a Delta type: long, string,\n"
	 "                               decimal(10,2), timestamp, ...)\n"
	 "      --rename-column OLD=NEW  rename a column\n"
	 "      --drop-column NAME       drop a column\n",
	 cli_cmd_alter},
	{"optimize", "[--where EXPR] [--zorder-by A,B] [--target-size BYTES] TABLE_DIR",
	 "compact a Delta table's small files, or cluster its rows by Z-order",
	 "Rewrites files in one new version without changing the rows (readers of\n"
	 "the change data feed see nothing). Per partition, files smaller than the\n"
	 "target size, and files with deletion vectors, are packed into bins of up to\n"
	 "the target size; each bin of two or more files (or one file with deleted\n"
	 "rows) becomes one file of its live rows. With --zorder-by every file of each\n"
	 "partition is rewritten, its rows sorted along a Z-order curve over the\n"
	 "columns, so that files cover narrow ranges of each and filters on them skip\n"
	 "more files (a partition's rows are sorted in memory). A concurrent commit\n"
	 "that removes a file being rewritten makes this fail; appends do not.\n"
	 "Options:\n"
	 "  -w, --where EXPR       only the partitions matching EXPR (partition\n"
	 "                         columns only)\n"
	 "      --zorder-by A,B    Z-order by these data columns\n"
	 "      --target-size BYTES\n"
	 "                         the file size to aim for (default: the table's\n"
	 "                         delta.targetFileSize, else 134217728)\n",
	 cli_cmd_optimize},
	{"vacuum", "[--retain HOURS] [--dry-run] [--force] TABLE_DIR",
	 "delete the files a Delta table no longer needs",
	 "Deletes the files under TABLE_DIR (data files, change data and deletion\n"
	 "vectors; not _delta_log or other names starting with '_' or '.') that no\n"
	 "version committed within the retention period references and that are\n"
	 "older than it: files of versions older than that, and files left by\n"
	 "writers that never committed. Time travel to versions before the\n"
	 "retention period may fail afterwards. The deletion is logged as two\n"
	 "commits, VACUUM START and VACUUM END.\n"
	 "Options:\n"
	 "      --retain HOURS  the retention period (default: the table's\n"
	 "                      delta.deletedFileRetentionDuration, else 168 hours)\n"
	 "      --dry-run       print the files that would be deleted, delete nothing\n"
	 "      --force         allow a retention shorter than the table's\n",
	 cli_cmd_vacuum},
	{"restore", "--version N | --timestamp TS TABLE_DIR",
	 "restore a Delta table to an earlier version",
	 "Commits a new version whose files, schema and properties are those of\n"
	 "version N (or of the version current at TS): files added since are\n"
	 "removed, files removed since are added back. History is kept; the restore\n"
	 "itself can be undone by another. Fails, committing nothing, when a file\n"
	 "the version needs was deleted by vacuum.\n"
	 "Options:\n"
	 "      --version N     the version to restore\n"
	 "      --timestamp TS  the version current at this time (ISO-8601, UTC\n"
	 "                      unless it says)\n",
	 cli_cmd_restore},
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
	{"pipeline", "list | show NAME | run [--full-refresh] [--dataset X] NAME|PATH",
	 "list, show and run the lakehouse's declarative pipelines",
	 "A pipeline is a folder of .sql files, LAKEHOUSE/pipelines/NAME (or a PATH\n"
	 "holding a '/'), defining streaming tables, materialized views and APPLY\n"
	 "CHANGES flows in the pipeline's catalog and schema (pipeline.conf; default\n"
	 "main.NAME).\n"
	 "  list      the pipelines: datasets, the last run's state and time\n"
	 "  show NAME the datasets in the order they run (kind, source, expectations,\n"
	 "            what they read) and the last run's metrics per dataset\n"
	 "  run NAME  run the datasets in dependency order: streaming tables take only\n"
	 "            input they have not read (new files, new versions of a table),\n"
	 "            exactly once even when a run is killed; materialized views are\n"
	 "            recomputed; expectations count, drop rows or fail the dataset.\n"
	 "            A dataset that fails skips those that read it. A line per flow\n"
	 "            goes to stderr, a summary table to stdout; every run appends to\n"
	 "            the event log, NAME/_event_log (a Delta table). Exit status 1\n"
	 "            when a flow failed. Ctrl-C cancels the run.\n"
	 "Options of run:\n"
	 "      --full-refresh  empty the streaming tables and forget what they read,\n"
	 "                      then read everything again\n"
	 "      --dataset X     run only dataset X\n",
	 cli_cmd_pipeline},
	{"share", "serve [--listen ADDR:PORT] [--tls-cert F --tls-key F] [--public-url URL]\n"
	 "       | list PROFILE[#SHARE] | mount NAME PROFILE[#SHARE]",
	 "serve the lakehouse's shares over Delta Sharing, or mount another's",
	 "serve: serves every share (CREATE SHARE, GRANT ... TO RECIPIENT) over the open\n"
	 "Delta Sharing protocol: recipients list shares, schemas and tables, read\n"
	 "versions, metadata, files (and, for tables shared WITH HISTORY, older\n"
	 "versions and the change data feed) with any Delta Sharing client, using\n"
	 "the bearer token of their profile file. Data files are served by the\n"
	 "server itself at URLs signed with LAKEHOUSE/shares/server.key (made on\n"
	 "first start). Every request is audited. Runs until SIGINT or SIGTERM;\n"
	 "prints the address it listens on to stderr.\n"
	 "Options of serve:\n"
	 "      --listen ADDR:PORT  where to listen (default 127.0.0.1:8080; port 0:\n"
	 "                          any free port)\n"
	 "      --tls-cert F        serve HTTPS with this PEM certificate ...\n"
	 "      --tls-key F         ... and this PEM private key\n"
	 "      --public-url URL    the endpoint as recipients reach it, for file URLs\n"
	 "                          (default: http://ADDR:PORT/delta-sharing from\n"
	 "                          --listen); its path is the prefix\n"
	 "      --url-ttl SECONDS   how long signed file URLs stay valid (default 3600)\n"
	 "  -L, --lakehouse DIR     the lakehouse (also before the command)\n"
	 "list: the tables a profile file (a recipient's credential, from any Delta\n"
	 "Sharing server) reaches, as share.schema.table; #SHARE: only that share.\n"
	 "mount: CREATE CATALOG NAME USING SHARE 'PROFILE[#SHARE]': the share's\n"
	 "tables become NAME.schema.table, read live from the server (files cached\n"
	 "in LAKEHOUSE/.tarn/share-cache/NAME), with VERSION/TIMESTAMP AS OF and\n"
	 "table_changes() when the provider shares history. Without #SHARE the\n"
	 "profile must reach exactly one share. DROP CATALOG NAME unmounts it.\n",
	 cli_cmd_share},
	{"sql", "[-c SQL | -f FILE] [--format F] [--continue] [--lakehouse DIR]",
	 "run SQL on the lakehouse: a shell on a terminal, a script otherwise",
	 "With a terminal on stdin and stdout and neither -c nor -f, an interactive\n"
	 "shell: statements end with ';' and may span lines; TAB completes keywords,\n"
	 "catalogs, schemas, tables and columns; Up and Down walk the history, kept\n"
	 "per lakehouse in LAKEHOUSE/.tarn_sql_history (the newest 1000 entries);\n"
	 "Ctrl-C cancels the running statement (or clears the line), Ctrl-D leaves.\n"
	 "Meta commands: \\help, \\quit, \\format F, \\timing on|off, \\output FILE\n"
	 "(\\output alone: back to the terminal), \\tables, \\schemas, \\describe T.\n"
	 "Otherwise runs the statements of -c, -f or stdin in order, rows to stdout,\n"
	 "what other statements did to stderr, and stops at the first that fails\n"
	 "with \"tarn sql: FILE:LINE: message\" (exit status 1). Meta commands work\n"
	 "in scripts too, on lines of their own between statements.\n"
	 "Options:\n"
	 "  -c, --command SQL    run these statements\n"
	 "  -f, --file FILE      run the statements of FILE (- for stdin)\n"
	 "  -F, --format F       output format: " CLI_FORMAT_NAMES " (default table)\n"
	 "  -k, --continue       go on after a failed statement (the exit status is\n"
	 "                       still 1)\n"
	 "  -L, --lakehouse DIR  the lakehouse (also before the command; default:\n"
	 "                       $TARN_HOME, else $XDG_DATA_HOME/tarn, else\n"
	 "                       ~/.local/share/tarn)\n",
	 cli_cmd_sql},
	{"version", "", "print the version of tarn", "Same as `tarn --version`.\n",
	 cmd_version},
	{NULL, NULL, NULL, NULL, NULL},
};

static const char global_usage[] =
	"usage: tarn [--help | --version] [--lakehouse DIR] COMMAND [ARGS...]\n"
	"       tarn [--lakehouse DIR] [--theme NAME] [--keys FILE] [--ascii] [--read-only]\n"
	"            [--no-confirm] [--record FILE.cast [--record-input]]\n"
	"            [--replay FILE [--speed X] [--headless] [--dump-screen FILE] [--size WxH]]\n";

const char *cli_lakehouse;

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

void cli_list_add(struct cli_list *l, const char *s)
{
	l->v = tn_reallocarray(l->v, l->n + 2, sizeof(char *));
	l->v[l->n++] = tn_strdup(s);
	l->v[l->n] = NULL;
}

void cli_list_split(struct cli_list *l, const char *s)
{
	char *copy = tn_strdup(s), *save = NULL;

	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (*tn_str_trim(tok))
			cli_list_add(l, tn_str_trim(tok));
	free(copy);
}

void cli_list_done(struct cli_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void print_global_help(FILE *out)
{
	fputs("tarn - a terminal lakehouse workbench\n\n", out);
	fputs(global_usage, out);
	fputs("\nOptions:\n"
	      "  -h, --help       show this help and exit\n"
	      "  -V, --version    print the version and exit\n"
	      "  -L, --lakehouse DIR\n"
	      "                   the lakehouse for commands that open one (default:\n"
	      "                   $TARN_HOME, else $XDG_DATA_HOME/tarn, else\n"
	      "                   ~/.local/share/tarn)\n"
	      "\nWithout a command, tarn opens the terminal workbench on the lakehouse:\n"
	      "catalog, SQL editor, results and table history (press ? inside for the\n"
	      "keys, : for the command palette). Its options:\n"
	      "      --theme NAME   colour theme: dark (default), light, high-contrast,\n"
	      "                   monochrome, or a theme file (also $TARN_THEME); NO_COLOR\n"
	      "                   turns colours off\n"
	      "      --keys FILE    key map (default: $XDG_CONFIG_HOME/tarn/keys, else\n"
	      "                   ~/.config/tarn/keys): lines 'bind CONTEXT KEYS ACTION'\n"
	      "                   and 'unbind CONTEXT KEYS'\n"
	      "      --ascii        ASCII line drawing (also when the locale is not UTF-8)\n"
	      "      --read-only    refuse statements that change the lakehouse\n"
	      "      --no-confirm   do not ask before destructive statements (DROP,\n"
	      "                   DELETE or UPDATE without WHERE, VACUUM, RESTORE, ...)\n"
	      "      --record FILE.cast\n"
	      "                   record the session as asciicast v2 (screens and one\n"
	      "                   marker per action; secrets are left out)\n"
	      "      --record-input also record the keys typed\n"
	      "      --replay FILE  replay a recording's actions (or keys), waiting for\n"
	      "                   the engine between steps, then stay interactive\n"
	      "      --speed X      with --replay on a terminal: keep the recorded pauses,\n"
	      "                   X times faster (at most 2 s each)\n"
	      "      --headless     with --replay: no terminal; exit at the end\n"
	      "      --dump-screen FILE\n"
	      "                   with --headless: write the last screen as text to FILE\n"
	      "      --size WxH     with --headless: the screen size (default: the\n"
	      "                   recording's)\n"
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
	static struct tui_opts topts;
	const struct cli_cmd *c;
	const char *tui_opt = NULL;
	int i = 1, r;

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
		if (strcmp(a, "-L") == 0 || strcmp(a, "--lakehouse") == 0) {
			if (i + 1 >= argc || argv[i + 1][0] == '\0') {
				fprintf(stderr, "tarn: %s needs a directory\n", a);
				fputs(global_usage, stderr);
				return CLI_USAGE;
			}
			cli_lakehouse = argv[++i];
			continue;
		}
		if (strncmp(a, "--lakehouse=", 12) == 0 && a[12] != '\0') {
			cli_lakehouse = a + 12;
			continue;
		}
		r = cli_tui_option(argc, argv, &i, &topts);
		if (r < 0) {
			fputs(global_usage, stderr);
			return CLI_USAGE;
		}
		if (r > 0) {
			tui_opt = a;
			continue;
		}
		fprintf(stderr, "tarn: unknown option '%s'\n", a);
		fputs(global_usage, stderr);
		return CLI_USAGE;
	}
	if (i >= argc) {
		tn_info("run: workbench");
		topts.lakehouse = cli_lakehouse;
		return cli_tui_run(&topts);
	}
	if (tui_opt != NULL) {
		fprintf(stderr, "tarn: %s is an option of the workbench (tarn without a command)\n",
			tui_opt);
		fputs(global_usage, stderr);
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
