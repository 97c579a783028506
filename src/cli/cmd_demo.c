/* cmd_demo.c - `tarn demo`: fill a lakehouse with the demo's sales data by
 * running demo_sql.c's script through the engine, then say what it made. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "base/time.h"
#include "base/valfmt.h"
#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/demo.h"
#include "pipeline/pipeline.h"
#include "sql/sql.h"
#include "tui/tui.h"

/* What a lakehouse directory holds (ARCHITECTURE "The lakehouse on disk");
 * --force removes these and nothing else. */
/* What the editor holds when the demo opens in the workbench. */
static const char demo_starter_sql[] =
	"-- The demo lakehouse: main.bronze (raw), main.silver (clean), main.gold (reports).\n"
	"-- Run the statement under the cursor; ? lists the keys, : the actions.\n"
	"SELECT region, count(*) AS orders, sum(amount) AS revenue\n"
	"FROM main.silver.orders\n"
	"GROUP BY region\n"
	"ORDER BY revenue DESC;\n";

static const char *const lakehouse_entries[] = {
	"tarn.db", "tarn.db-wal", "tarn.db-shm", "tarn.db-journal", "warehouse", "pipelines", "shares",
};

static bool is_lakehouse_entry(const char *name)
{
	for (size_t i = 0; i < sizeof(lakehouse_entries) / sizeof(lakehouse_entries[0]); i++)
		if (strcmp(name, lakehouse_entries[i]) == 0)
			return true;
	return false;
}

/* Whether dir has entries; *stranger is set to the first one that is not
 * a lakehouse's (caller frees). A missing dir is empty. */
static int dir_state(const char *dir, bool *nonempty, char **stranger, struct tn_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	*nonempty = false;
	*stranger = NULL;
	if (d == NULL)
		return errno == ENOENT ? TN_OK : tn_err_sys(err, TN_EIO, "%s", dir);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		*nonempty = true;
		if (*stranger == NULL && !is_lakehouse_entry(e->d_name))
			*stranger = tn_strdup(e->d_name);
	}
	closedir(d);
	return TN_OK;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 ? 0 : -1;
}

/* Remove the lakehouse's own entries under dir (depth first, links not
 * followed). */
static int clear_lakehouse(const char *dir, struct tn_err *err)
{
	for (size_t i = 0; i < sizeof(lakehouse_entries) / sizeof(lakehouse_entries[0]); i++) {
		char *p = tn_path_join(dir, lakehouse_entries[i]);
		struct stat st;
		int rc = TN_OK;

		if (lstat(p, &st) == 0 && nftw(p, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
			rc = tn_err_sys(err, TN_EIO, "removing %s", p);
		free(p);
		if (rc != TN_OK)
			return rc;
	}
	return TN_OK;
}

/* Run every statement of sql; results with rows are read to the end. On
 * failure *failed points at the statement that failed. */
static int run_script(struct tarn_engine *e, const char *sql, const char **failed,
		      struct tn_err *err)
{
	size_t len = strlen(sql), off = 0;

	while (off < len) {
		struct tarn_result *r = NULL;
		struct tn_batch b = {0};
		size_t used = 0;
		int rc;

		*failed = sql + off;
		rc = tarn_exec(e, sql + off, len - off, &used, &r, err);
		if (rc == TN_OK && r != NULL && tarn_result_schema(r) != NULL &&
		    tarn_result_schema(r)->ncols > 0)
			do
				rc = tarn_result_next(r, &b, err);
			while (rc == TN_OK && b.nrows > 0);
		tn_batch_done(&b);
		tarn_result_free(r);
		if (rc != TN_OK)
			return rc;
		if (used == 0)
			break;
		off += used;
	}
	return TN_OK;
}

/* The first value of column col (by name; NULL: the first) of a query's
 * first row, as text into out. */
static int query_value(struct tarn_engine *e, const char *sql, const char *col, struct tn_buf *out,
		       struct tn_err *err)
{
	struct tarn_result *r = NULL;
	struct tn_batch b = {0};
	size_t used;
	int rc, i = 0;

	tn_buf_reset(out);
	rc = tarn_exec(e, sql, strlen(sql), &used, &r, err);
	if (rc == TN_OK && col != NULL && (i = tn_schema_find(tarn_result_schema(r), col)) < 0)
		rc = tn_err_set(err, TN_EINTERNAL, "%s: no column %s", sql, col);
	if (rc == TN_OK)
		rc = tarn_result_next(r, &b, err);
	if (rc == TN_OK && b.nrows == 0)
		rc = tn_err_set(err, TN_EINTERNAL, "%s: no rows", sql);
	if (rc == TN_OK)
		rc = tn_value_text(out, &b.cols[i], 0, 0, err);
	tn_batch_done(&b);
	tarn_result_free(r);
	return rc;
}

/* One line a table: rows and the latest version. */
static int print_summary(struct tarn_engine *e, struct tn_err *err)
{
	size_t n;
	const struct demo_table *t = demo_tables(&n);
	struct tn_buf rows = TN_BUF_INIT, version = TN_BUF_INIT;
	int rc = TN_OK;

	printf("%-28s %9s %8s  %s\n", "table", "rows", "version", "");
	for (size_t i = 0; i < n && rc == TN_OK; i++) {
		char *q = tn_asprintf("SELECT count(*) FROM %s", t[i].name);

		rc = query_value(e, q, NULL, &rows, err);
		free(q);
		if (rc != TN_OK)
			break;
		q = tn_asprintf("DESCRIBE HISTORY %s", t[i].name);
		rc = query_value(e, q, "version", &version, err);
		free(q);
		if (rc == TN_OK)
			printf("%-28s %9s %8s  %s\n", t[i].name, rows.data, version.data, t[i].what);
	}
	tn_buf_done(&rows);
	tn_buf_done(&version);
	return rc;
}

/* The retail pipeline: its files, a run on the first wave of input, then
 * the second wave landed for the next run. */
static int demo_pipeline(struct tarn_engine *e, const char *dir, struct tn_err *err)
{
	struct pipeline p;
	struct pl_run_result res;
	char *pdir = tn_path_join(dir, "pipelines/retail");
	int rc = demo_pipeline_write(dir, err);

	if (rc == TN_OK)
		rc = pipeline_load(pdir, "retail", &p, err);
	free(pdir);
	if (rc != TN_OK)
		return rc;
	rc = pipeline_run(e, &p, NULL, &res, err);
	pl_run_result_free(&res);
	pipeline_free(&p);
	return rc == TN_OK ? demo_pipeline_land(dir, 2, err) : rc;
}

/* The first line of a statement, for an error message. */
static void print_statement(const char *sql)
{
	while (*sql == ' ' || *sql == '\n')
		sql++;
	fprintf(stderr, "tarn demo: in the statement: %.*s...\n", (int)strcspn(sql, "\n"), sql);
}

static void print_script(void)
{
	size_t n;
	const struct demo_step *s = demo_steps(&n);

	for (size_t i = 0; i < n; i++)
		printf("-- %zu. %s\n%s\n", i + 1, s[i].what, s[i].sql);
}

int cli_cmd_demo(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"lakehouse", required_argument, NULL, 'L'},
		{"force", no_argument, NULL, 'f'},
		{"sql", no_argument, NULL, 's'},
		{"no-tui", no_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	const struct cli_cmd *self = cli_find("demo");
	struct tarn_engine_opts eo = {0};
	struct tarn_engine *e = NULL;
	struct tn_err err = {0};
	bool force = false, nonempty, no_tui = false;
	char *dir = NULL, *stranger = NULL;
	const char *failed = NULL;
	size_t nsteps;
	const struct demo_step *steps = demo_steps(&nsteps);
	int64_t t0, ts;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+L:", longopts, NULL)) != -1) {
		if (c == 'L') {
			free(dir);
			dir = tn_strdup(optarg);
		} else if (c == 'f') {
			force = true;
		} else if (c == 'n') {
			no_tui = true;
		} else if (c == 's') {
			free(dir);
			print_script();
			return CLI_OK;
		} else {
			free(dir);
			return cli_usage_error(self, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		free(dir);
		return cli_usage_error(self, "too many arguments");
	}
	if (dir == NULL)
		dir = cli_lakehouse != NULL ? tn_strdup(cli_lakehouse) : tarn_lakehouse_default();

	rc = dir_state(dir, &nonempty, &stranger, &err);
	if (rc == TN_OK && nonempty && !force) {
		fprintf(stderr,
			"tarn demo: %s is not empty; the demo needs a new lakehouse (--force replaces "
			"this one, --lakehouse DIR picks another)\n",
			dir);
		rc = TN_EEXIST;
		goto out;
	}
	if (rc == TN_OK && nonempty && stranger != NULL) {
		fprintf(stderr,
			"tarn demo: %s holds '%s', which is not part of a lakehouse; --force replaces "
			"only a lakehouse\n",
			dir, stranger);
		rc = TN_EEXIST;
		goto out;
	}
	if (rc == TN_OK && nonempty) {
		fprintf(stderr, "tarn demo: removing the lakehouse in %s\n", dir);
		rc = clear_lakehouse(dir, &err);
	}
	if (rc != TN_OK)
		goto fail;

	t0 = tn_time_mono_us();
	eo.lakehouse = dir;
	rc = tarn_engine_open(&eo, &e, &err);
	if (rc != TN_OK)
		goto fail;
	fprintf(stderr, "tarn demo: building a demo lakehouse in %s\n", dir);
	for (size_t i = 0; i < nsteps; i++) {
		fprintf(stderr, "tarn demo: [%2zu/%zu] %s ...", i + 1, nsteps + 1, steps[i].what);
		ts = tn_time_mono_us();
		rc = run_script(e, steps[i].sql, &failed, &err);
		if (rc != TN_OK) {
			fputs(" failed\n", stderr);
			print_statement(failed);
			goto fail;
		}
		fprintf(stderr, " %.2f s\n", (double)(tn_time_mono_us() - ts) / 1e6);
	}
	fprintf(stderr, "tarn demo: [%2zu/%zu] the retail pipeline: landing files, bronze, silver, "
		"gold ...", nsteps + 1, nsteps + 1);
	ts = tn_time_mono_us();
	rc = demo_pipeline(e, dir, &err);
	if (rc != TN_OK) {
		fputs(" failed\n", stderr);
		goto fail;
	}
	fprintf(stderr, " %.2f s\n", (double)(tn_time_mono_us() - ts) / 1e6);
	printf("Built a demo lakehouse in %s in %.1f s:\n\n", dir,
	       (double)(tn_time_mono_us() - t0) / 1e6);
	rc = print_summary(e, &err);
	if (rc != TN_OK)
		goto fail;
	if (!no_tui && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		struct tui_opts to = {0};

		tarn_engine_close(e);
		e = NULL;
		to.lakehouse = dir;
		to.initial_sql = demo_starter_sql;
		rc = cli_tui_run(&to) == CLI_OK ? TN_OK : TN_EIO;
		free(stranger);
		free(dir);
		return rc == TN_OK ? CLI_OK : CLI_FAILED;
	}
	printf("\nOpen it in the terminal workbench, or query it with SQL:\n\n"
	       "  tarn --lakehouse %s\n"
	       "  tarn --lakehouse %s sql -c \"SELECT region, count(*) AS orders FROM "
	       "main.silver.orders GROUP BY region ORDER BY orders DESC\"\n"
	       "  tarn --lakehouse %s sql -c \"DESCRIBE HISTORY main.silver.orders\"\n"
	       "\n`tarn demo --sql` prints the script that built it.\n",
	       dir, dir, dir);
	goto out;
fail:
	fprintf(stderr, "tarn demo: %s\n", err.msg);
out:
	tarn_engine_close(e);
	free(stranger);
	free(dir);
	return rc == TN_OK ? CLI_OK : CLI_FAILED;
}
