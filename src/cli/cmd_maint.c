/* cmd_maint.c - table maintenance from the command line: optimize (compact
 * or Z-order), vacuum (delete files no recent version needs) and restore
 * (an earlier version as a new commit). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/time.h"
#include "cli/cli.h"
#include "cli/cmds.h"
#include "delta/delta.h"
#include "store/store.h"

/* "a,b,c" split in place into at most max names. */
static size_t split_names(char *s, char **out, size_t max)
{
	size_t n = 0;

	for (char *tok = strtok(s, ","); tok != NULL && n < max; tok = strtok(NULL, ","))
		if (*tn_str_trim(tok))
			out[n++] = tn_str_trim(tok);
	return n;
}

/* ---- optimize ---- */

int cli_cmd_optimize(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"where", required_argument, NULL, 'w'},
		{"zorder-by", required_argument, NULL, 'z'},
		{"target-size", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	const struct cli_cmd *self = cli_find("optimize");
	struct delta_optimize_opts o;
	struct delta_optimize_result res;
	struct delta_pred *p = NULL;
	char *zcols[64], *zspec = NULL;
	struct store *st;
	struct tn_err err;
	int c, rc;

	memset(&o, 0, sizeof(o));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+w:", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			delta_pred_free(p);
			if (delta_pred_parse(optarg, &p, &err) != TN_OK)
				return cli_usage_error(self, "--where: %s", err.msg);
			break;
		case 'z':
			free(zspec);
			zspec = tn_strdup(optarg);
			break;
		case 't':
			if (tn_parse_i64(optarg, &o.target_size, "--target-size", &err) != TN_OK ||
			    o.target_size <= 0) {
				delta_pred_free(p);
				free(zspec);
				return cli_usage_error(self, "--target-size wants a number of bytes, not '%s'",
						       optarg);
			}
			break;
		default:
			delta_pred_free(p);
			free(zspec);
			return cli_usage_error(self, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1) {
		delta_pred_free(p);
		free(zspec);
		return cli_usage_error(self, "want one table directory");
	}
	o.where = p;
	if (zspec != NULL) {
		o.nzorder_by = split_names(zspec, zcols, sizeof(zcols) / sizeof(*zcols));
		o.zorder_by = (const char *const *)zcols;
	}
	st = store_local_new("");
	rc = delta_optimize(st, argv[optind], &o, &res, &err);
	store_free(st);
	delta_pred_free(p);
	free(zspec);
	if (rc != TN_OK)
		return cli_fail("optimize", &err);
	if (res.version < 0) {
		fprintf(stderr, "tarn optimize: %s: nothing to optimize (%lld files considered)\n",
			argv[optind], (long long)res.files_considered);
		return CLI_OK;
	}
	{
		char what[160];

		snprintf(what, sizeof(what), "%lld files (%lld bytes) rewritten as %lld (%lld bytes)%s",
			 (long long)res.files_removed, (long long)res.bytes_removed,
			 (long long)res.files_added, (long long)res.bytes_added,
			 o.nzorder_by ? ", Z-ordered" : "");
		return cli_commit_report("optimize", argv[optind], res.version, what);
	}
}

/* ---- vacuum ---- */

int cli_cmd_vacuum(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"retain", required_argument, NULL, 'r'},
		{"dry-run", no_argument, NULL, 'n'},
		{"force", no_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	const struct cli_cmd *self = cli_find("vacuum");
	struct delta_vacuum_opts o;
	struct delta_vacuum_result res;
	struct store *st;
	struct tn_err err;
	int c, rc;

	memset(&o, 0, sizeof(o));
	o.retention_ms = -1;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c == 'r') {
			char *end;
			double h = strtod(optarg, &end);

			if (end == optarg || *end != '\0' || !(h >= 0) || h > 1e9)
				return cli_usage_error(self, "--retain wants a number of hours, not '%s'",
						       optarg);
			o.retention_ms = (int64_t)(h * 3600.0 * 1000.0 + 0.5);
		} else if (c == 'n') {
			o.dry_run = true;
		} else if (c == 'f') {
			o.force = true;
		} else {
			return cli_usage_error(self, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(self, "want one table directory");
	st = store_local_new("");
	rc = delta_vacuum(st, argv[optind], &o, &res, &err);
	store_free(st);
	if (rc != TN_OK) {
		delta_vacuum_result_done(&res);
		return cli_fail("vacuum", &err);
	}
	if (o.dry_run) {
		for (size_t i = 0; i < res.nfiles; i++)
			printf("%s\n", res.paths[i]);
		fprintf(stderr,
			"tarn vacuum: %s: %zu files (%lld bytes) would be deleted (retention %.4g "
			"hours, versions from %lld kept)\n",
			argv[optind], res.nfiles, (long long)res.bytes,
			(double)res.retention_ms / 3.6e6, (long long)res.oldest_version);
	} else {
		char what[160];

		snprintf(what, sizeof(what),
			 "%zu files (%lld bytes) deleted (retention %.4g hours, versions from %lld "
			 "kept)",
			 res.nfiles, (long long)res.bytes, (double)res.retention_ms / 3.6e6,
			 (long long)res.oldest_version);
		cli_commit_report("vacuum", argv[optind], res.end_version, what);
	}
	delta_vacuum_result_done(&res);
	return CLI_OK;
}

/* ---- restore ---- */

int cli_cmd_restore(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"version", required_argument, NULL, 'v'},
		{"timestamp", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	const struct cli_cmd *self = cli_find("restore");
	struct delta_restore_opts o = {-1, 0};
	struct delta_restore_result res;
	bool by_time = false;
	struct store *st;
	struct tn_err err;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c == 'v') {
			if (tn_parse_i64(optarg, &o.version, "--version", &err) != TN_OK || o.version < 0)
				return cli_usage_error(self, "--version wants a version number, not '%s'",
						       optarg);
		} else if (c == 't') {
			if (tn_time_parse(optarg, &o.timestamp_us, &err) != TN_OK)
				return cli_usage_error(self, "--timestamp: %s", err.msg);
			by_time = true;
		} else {
			return cli_usage_error(self, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(self, "want one table directory");
	if ((o.version >= 0) == by_time)
		return cli_usage_error(self, "give --version N or --timestamp TS");
	st = store_local_new("");
	rc = delta_restore(st, argv[optind], &o, &res, &err);
	store_free(st);
	if (rc != TN_OK)
		return cli_fail("restore", &err);
	{
		char what[160];

		snprintf(what, sizeof(what),
			 "restored version %lld (%lld files added back, %lld removed; %lld files now)",
			 (long long)res.restored_version, (long long)res.files_restored,
			 (long long)res.files_removed, (long long)res.files_after);
		return cli_commit_report("restore", argv[optind], res.version, what);
	}
}
