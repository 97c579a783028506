/* cmds.h - the run functions of tarn's subcommands (cli.c's table). */
#ifndef TARN_CLI_CMDS_H
#define TARN_CLI_CMDS_H

#include <stdint.h>

int cli_cmd_cat(int argc, char **argv);
int cli_cmd_inspect(int argc, char **argv);
int cli_cmd_history(int argc, char **argv);
int cli_cmd_changes(int argc, char **argv);
int cli_cmd_import(int argc, char **argv);
int cli_cmd_delete(int argc, char **argv);
int cli_cmd_alter(int argc, char **argv);
int cli_cmd_optimize(int argc, char **argv);
int cli_cmd_vacuum(int argc, char **argv);
int cli_cmd_restore(int argc, char **argv);
/* "tarn CMD: message" on stderr; returns CLI_FAILED. */
struct tn_err;
int cli_fail(const char *cmd, const struct tn_err *err);
int cli_cmd_update(int argc, char **argv);
int cli_cmd_merge(int argc, char **argv);
/* "tarn CMD: TABLE version N: what" on stderr; returns CLI_OK. */
int cli_commit_report(const char *cmd, const char *table, int64_t version, const char *what);
struct delta_tx;
struct tn_err;
/* Commit tx when rc is TN_OK, else drop it; tx is gone either way.
 * Returns the commit's result or rc. */
int cli_tx_finish(struct delta_tx *tx, int rc, int64_t *version, struct tn_err *err);
int cli_cmd_checkpoint(int argc, char **argv);
int cli_cmd_demo(int argc, char **argv);
int cli_cmd_sql(int argc, char **argv);
int cli_cmd_pipeline(int argc, char **argv);
int cli_cmd_share(int argc, char **argv);
/* The workbench (cmd_tui.c): a global option at argv[*i] into o (1; *i
 * moves past its value), not one of its options (0), or a usage error
 * already printed (-1). */
struct tui_opts;
int cli_tui_option(int argc, char **argv, int *i, struct tui_opts *o);
/* Open the workbench; an exit code. Without a terminal (and not
 * headless) it says to use `tarn sql` and fails. */
int cli_tui_run(const struct tui_opts *o);

/* Delta tables for cat and inspect (a directory argument). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cli/format.h"
int cli_delta_cat(const char *dir, enum cli_format fmt, const char *const *cols, size_t ncols,
		  int64_t limit, const char *version, const char *timestamp, size_t batch_rows,
		  const char *where, bool metrics);
int cli_delta_inspect(const char *dir, bool json, const char *version, const char *timestamp);
/* tarn cat --output of a Delta table: its rows (at a version or time,
 * matching where) into one new Parquet file. */
struct pq_write_opts;
struct store;
int cli_delta_cat_parquet(const char *dir, const char *const *cols, size_t ncols, int64_t limit,
			  const char *version, const char *timestamp, const char *where,
			  const char *out, const struct pq_write_opts *wo);
/* Write every batch of next(src) (at most limit rows; < 0: all) as a new
 * Parquet file at out (it appears only when complete). */
int cli_write_parquet(const struct tn_schema *schema, cli_next_fn next, void *src,
		      struct store *st, const char *out, const struct pq_write_opts *wo,
		      int64_t limit);
/* The same without printing anything: errors in err (the file named).
 * st NULL: the local filesystem, out as given; wo NULL: defaults; res
 * (rows, row groups, bytes written) may be NULL. */
struct pq_write_result;
int cli_parquet_write(const struct tn_schema *schema, cli_next_fn next, void *src,
		      struct store *st, const char *out, const struct pq_write_opts *wo,
		      int64_t limit, struct pq_write_result *res, struct tn_err *err);

#endif
