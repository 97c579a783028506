/* cmds.h - the run functions of tarn's subcommands (cli.c's table). */
#ifndef TARN_CLI_CMDS_H
#define TARN_CLI_CMDS_H

int cli_cmd_cat(int argc, char **argv);
int cli_cmd_inspect(int argc, char **argv);

#endif
