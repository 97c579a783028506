/* cmds.h - the run functions of tarn's subcommands (cli.c's table). */
#ifndef TARN_CLI_CMDS_H
#define TARN_CLI_CMDS_H

int cli_cmd_cat(int argc, char **argv);
int cli_cmd_inspect(int argc, char **argv);
int cli_cmd_history(int argc, char **argv);
int cli_cmd_changes(int argc, char **argv);
int cli_cmd_import(int argc, char **argv);
int cli_cmd_checkpoint(int argc, char **argv);

/* Delta tables for cat and inspect (a directory argument). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cli/format.h"
int cli_delta_cat(const char *dir, enum cli_format fmt, const char *const *cols, size_t ncols,
		  int64_t limit, const char *version, const char *timestamp, size_t batch_rows,
		  const char *where, bool metrics);
int cli_delta_inspect(const char *dir, bool json, const char *version, const char *timestamp);

#endif
