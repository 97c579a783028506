/* cmd_checkpoint.c - `tarn checkpoint`: write a Delta table's classic
 * Parquet checkpoint and point _last_checkpoint at it. */
#include <getopt.h>
#include <stdio.h>

#include "base/str.h"
#include "cli/cli.h"
#include "cli/cmds.h"
#include "delta/delta.h"

int cli_cmd_checkpoint(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"version", required_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	const struct cli_cmd *self = cli_find("checkpoint");
	struct store *st;
	struct delta_table *t = NULL;
	struct delta_snapshot *s = NULL;
	struct tn_err err;
	int64_t version = -1;
	const char *dir;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c == 'v' && tn_parse_i64(optarg, &version, "--version", &err) == TN_OK &&
		    version >= 0)
			continue;
		if (c == 'v')
			return cli_usage_error(self, "--version wants a version, got '%s'", optarg);
		return cli_usage_error(self, "unknown option '%s'", argv[optind - 1]);
	}
	if (argc - optind != 1)
		return cli_usage_error(self, argc - optind == 0 ? "no table given" : "too many arguments");
	dir = argv[optind];
	st = store_local_new("");
	rc = delta_table_open(st, dir, &t, &err);
	if (rc == TN_OK)
		rc = delta_snapshot_open(t, version, &s, &err);
	if (rc == TN_OK)
		rc = delta_checkpoint_write(s, &err);
	if (rc == TN_OK)
		fprintf(stderr, "tarn checkpoint: %s version %lld: %zu files\n", dir,
			(long long)delta_snapshot_version(s), delta_snapshot_num_files(s));
	else /* an existing checkpoint is not a failure: the table has one */
		fprintf(stderr, "tarn checkpoint: %s\n", err.msg);
	delta_snapshot_free(s);
	delta_table_close(t);
	store_free(st);
	return rc == TN_OK || rc == TN_EEXIST ? CLI_OK : CLI_FAILED;
}
