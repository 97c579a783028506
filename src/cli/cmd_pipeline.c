/* cmd_pipeline.c - `tarn pipeline list|show|run`: a lakehouse's declarative
 * pipelines, their datasets and last run (from the event log), and runs
 * with a progress line per flow and a summary. */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/valfmt.h"
#include "cli/cli.h"
#include "cli/cmds.h"
#include "pipeline/pipeline.h"
#include "sql/sql.h"

static struct tarn_engine *volatile running; /* for Ctrl-C */

static void on_sigint(int sig)
{
	(void)sig;
	if (running)
		tarn_engine_interrupt(running);
}

static int open_engine(const char *lakehouse, struct tarn_engine **e)
{
	struct tarn_engine_opts eo = {.lakehouse = lakehouse};
	struct tn_err err;

	if (tarn_engine_open(&eo, e, &err) != TN_OK)
		return cli_fail("pipeline", &err);
	return CLI_OK;
}

/* Rows of a query over the event log: each row's columns as text (NULL for
 * null), passed to fn. A missing log is no rows. */
static void log_rows(struct tarn_engine *e, const char *sql,
		     void (*fn)(void *ctx, char **vals, size_t n), void *ctx)
{
	struct tarn_result *res = NULL;
	struct tn_batch b;
	struct tn_err err;
	size_t used;

	if (tarn_exec(e, sql, strlen(sql), &used, &res, &err) != TN_OK || res == NULL)
		return;
	tn_batch_init(&b, tarn_result_schema(res), 0);
	while (tarn_result_next(res, &b, &err) == TN_OK && b.nrows > 0) {
		size_t nc = tarn_result_schema(res)->ncols;

		for (size_t r = 0; r < b.nrows; r++) {
			char **v = tn_calloc(nc + 1, sizeof(char *));

			for (size_t c = 0; c < nc; c++) {
				struct tn_buf t;

				if (tn_vec_is_null(&b.cols[c], r))
					continue;
				tn_buf_init(&t, 0);
				tn_value_text(&t, &b.cols[c], r, 1, NULL);
				tn_buf_putc(&t, '\0', NULL);
				v[c] = tn_buf_detach(&t, NULL);
			}
			fn(ctx, v, nc);
			for (size_t c = 0; c < nc; c++)
				free(v[c]);
			free(v);
		}
	}
	tn_batch_done(&b);
	tarn_result_free(res);
}

static void keep_first(void *ctx, char **vals, size_t n)
{
	char ***out = ctx;

	if (*out != NULL)
		return;
	*out = tn_calloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		(*out)[i] = vals[i] ? tn_strdup(vals[i]) : NULL;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static char *log_query(const char *dir, const char *tail)
{
	return tn_asprintf("SELECT timestamp, origin, details FROM delta.`%s/_event_log` %s", dir,
			   tail);
}

/* The last finished run: its time, update id and state ("never" when none). */
struct last_run {
	char *time, *update_id, *state;
};

static void last_run_get(struct tarn_engine *e, const char *dir, struct last_run *lr)
{
	char *q = log_query(dir, "WHERE event_type = 'update_progress' ORDER BY sequence DESC LIMIT 1");
	char **row = NULL;
	cJSON *o, *d;

	memset(lr, 0, sizeof(*lr));
	log_rows(e, q, keep_first, &row);
	free(q);
	if (row == NULL)
		return;
	lr->time = row[0] ? tn_strdup(row[0]) : NULL;
	o = row[1] ? cJSON_Parse(row[1]) : NULL;
	d = cJSON_GetObjectItem(o, "update_id");
	lr->update_id = cJSON_IsString(d) ? tn_strdup(d->valuestring) : NULL;
	cJSON_Delete(o);
	o = row[2] ? cJSON_Parse(row[2]) : NULL;
	d = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "update_progress"), "state");
	lr->state = cJSON_IsString(d) ? tn_strdup(d->valuestring) : NULL;
	cJSON_Delete(o);
	strv_free(row, 3);
}

static void last_run_done(struct last_run *lr)
{
	free(lr->time);
	free(lr->update_id);
	free(lr->state);
}

static int cmd_list(struct tarn_engine *e)
{
	char **names = NULL;
	size_t n = 0;
	struct tn_err err;

	if (pipeline_list(tarn_engine_lakehouse(e), &names, &n, &err) != TN_OK)
		return cli_fail("pipeline list", &err);
	printf("%-24s %8s  %-10s %s\n", "pipeline", "datasets", "last run", "at");
	for (size_t i = 0; i < n; i++) {
		char *dir = pipeline_dir(tarn_engine_lakehouse(e), names[i]);
		struct pipeline p;
		struct last_run lr;
		char count[32];

		if (pipeline_load(dir, names[i], &p, &err) == TN_OK) {
			snprintf(count, sizeof(count), "%zu", p.n);
			pipeline_free(&p);
		} else {
			snprintf(count, sizeof(count), "invalid");
		}
		last_run_get(e, dir, &lr);
		printf("%-24s %8s  %-10s %s\n", names[i], count, lr.state ? lr.state : "never",
		       lr.time ? lr.time : "-");
		last_run_done(&lr);
		free(dir);
	}
	pipeline_names_free(names, n);
	return CLI_OK;
}

static const char *kind_name(enum pl_kind k)
{
	return k == PL_STREAMING_TABLE ? "streaming table"
	       : k == PL_MATERIALIZED_VIEW ? "materialized view" : "apply changes";
}

static void print_source(const struct pl_dataset *d)
{
	switch (d->kind == PL_APPLY_CHANGES ? PL_SRC_TABLE : d->source.kind) {
	case PL_SRC_FILES: printf("    source: files %s\n", d->source.path); break;
	case PL_SRC_TABLE:
		printf("    source: STREAM(%s)%s\n",
		       d->kind == PL_APPLY_CHANGES ? d->apply.source : d->source.table,
		       d->kind == PL_APPLY_CHANGES ? (d->apply.scd_type == 2 ? ", SCD type 2"
									   : ", SCD type 1")
						   : "");
		break;
	case PL_SRC_KAFKA: printf("    source: kafka\n"); break;
	case PL_SRC_HTTP: printf("    source: http %s\n", d->source.path); break;
	case PL_SRC_NONE: break;
	}
}

/* Last run's flow_progress rows, printed as they come. */
struct show_ctx {
	const char *update_id;
};

static void show_flow(void *ctx, char **v, size_t n)
{
	struct show_ctx *sc = ctx;
	cJSON *o = n > 1 && v[1] ? cJSON_Parse(v[1]) : NULL, *d, *fp, *m, *x;
	const char *uid, *name;

	uid = cJSON_GetStringValue(cJSON_GetObjectItem(o, "update_id"));
	name = cJSON_GetStringValue(cJSON_GetObjectItem(o, "flow_name"));
	if (uid == NULL || name == NULL || strcmp(uid, sc->update_id) != 0) {
		cJSON_Delete(o);
		return;
	}
	d = n > 2 && v[2] ? cJSON_Parse(v[2]) : NULL;
	fp = cJSON_GetObjectItem(d, "flow_progress");
	m = cJSON_GetObjectItem(fp, "metrics");
	printf("  %-24s %-10s read %.0f, written %.0f, dropped %.0f",
	       name, cJSON_GetStringValue(cJSON_GetObjectItem(fp, "status")) ?: "?",
	       cJSON_GetNumberValue(cJSON_GetObjectItem(m, "num_input_rows")),
	       cJSON_GetNumberValue(cJSON_GetObjectItem(m, "num_output_rows")),
	       cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(fp, "data_quality"),
							"dropped_records")));
	x = cJSON_GetObjectItem(fp, "table_version");
	if (cJSON_IsNumber(x))
		printf(", version %.0f", x->valuedouble);
	printf(", %.0f ms\n", cJSON_GetNumberValue(cJSON_GetObjectItem(fp, "duration_ms")));
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(cJSON_GetObjectItem(fp, "data_quality"),
						  "expectations"))
		printf("    expectation %s: passed %.0f, failed %.0f\n",
		       cJSON_GetStringValue(cJSON_GetObjectItem(x, "name")) ?: "?",
		       cJSON_GetNumberValue(cJSON_GetObjectItem(x, "passed_records")),
		       cJSON_GetNumberValue(cJSON_GetObjectItem(x, "failed_records")));
	x = cJSON_GetObjectItem(fp, "error");
	if (cJSON_IsString(x))
		printf("    error: %s\n", x->valuestring);
	cJSON_Delete(d);
	cJSON_Delete(o);
}

static int cmd_show(struct tarn_engine *e, const char *name)
{
	char *dir = pipeline_dir(tarn_engine_lakehouse(e), name);
	struct pipeline p;
	struct last_run lr;
	struct tn_err err;

	if (pipeline_load(dir, strchr(name, '/') ? NULL : name, &p, &err) != TN_OK) {
		free(dir);
		return cli_fail("pipeline show", &err);
	}
	printf("pipeline %s (%s), target %s.%s\n", p.name, p.dir, p.catalog, p.schema);
	printf("datasets, in the order they run:\n");
	for (size_t k = 0; k < p.n; k++) {
		const struct pl_dataset *d = &p.ds[p.order[k]];

		printf("  %s: %s (%s:%u)\n", d->name, kind_name(d->kind), d->file, d->line);
		print_source(d);
		for (size_t i = 0; i < d->nexpects; i++)
			printf("    expect %s: %s%s\n", d->expects[i].name, d->expects[i].expr,
			       d->expects[i].on == PL_DROP   ? " (drop row)"
			       : d->expects[i].on == PL_FAIL ? " (fail update)" : "");
		if (d->ndeps + d->nexternal > 0) {
			printf("    reads:");
			for (size_t i = 0; i < d->ndeps; i++)
				printf(" %s", p.ds[d->deps[i]].name);
			for (size_t i = 0; i < d->nexternal; i++)
				printf(" %s", d->external[i]);
			printf("\n");
		}
	}
	last_run_get(e, p.dir, &lr);
	if (lr.update_id == NULL) {
		printf("last run: never\n");
	} else {
		struct show_ctx sc = {.update_id = lr.update_id};
		char *q = log_query(p.dir, "WHERE event_type = 'flow_progress' ORDER BY sequence");

		printf("last run: %s at %s (update %s)\n", lr.state ? lr.state : "?",
		       lr.time ? lr.time : "?", lr.update_id);
		log_rows(e, q, show_flow, &sc);
		free(q);
	}
	last_run_done(&lr);
	pipeline_free(&p);
	free(dir);
	return CLI_OK;
}

static const char *state_text(enum pl_flow_state s)
{
	static const char *const t[] = {"pending", "running", "completed",
					"failed", "skipped", "cancelled"};

	return (unsigned)s < sizeof(t) / sizeof(t[0]) ? t[s] : "?";
}

static int64_t expect_failures(const struct pl_flow_result *f)
{
	int64_t n = 0;

	for (size_t i = 0; i < f->nexpects; i++)
		n += f->expects[i].failed;
	return n;
}

static void on_progress(void *ctx, const struct pipeline *p, const struct pl_flow_result *f)
{
	const char *name = p->ds[f->dataset].name;

	(void)ctx;
	if (f->state == PL_FLOW_RUNNING)
		fprintf(stderr, "tarn pipeline: %s: running\n", name);
	else if (f->state == PL_FLOW_FAILED)
		fprintf(stderr, "tarn pipeline: %s: failed: %s\n", name, f->error);
	else
		fprintf(stderr, "tarn pipeline: %s: %s, %lld rows read, %lld written (%.0f ms)\n",
			name, state_text(f->state), (long long)f->rows_read,
			(long long)f->rows_written, f->ms);
	fflush(stderr);
}

static void print_summary(const struct pipeline *p, const struct pl_run_result *r)
{
	printf("%-24s %-10s %10s %10s %8s %13s %8s %9s\n", "dataset", "state", "read", "written",
	       "dropped", "expect_failed", "version", "ms");
	for (size_t k = 0; k < p->n; k++) {
		const struct pl_flow_result *f = &r->flows[p->order[k]];
		char v[32] = "-";

		if (f->version >= 0)
			snprintf(v, sizeof(v), "%lld", (long long)f->version);
		printf("%-24s %-10s %10lld %10lld %8lld %13lld %8s %9.0f\n", p->ds[f->dataset].name,
		       state_text(f->state), (long long)f->rows_read, (long long)f->rows_written,
		       (long long)f->rows_dropped, (long long)expect_failures(f), v, f->ms);
	}
}

static int cmd_run(struct tarn_engine *e, const struct cli_cmd *self, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"full-refresh", no_argument, NULL, 'r'},
		{"dataset", required_argument, NULL, 'd'},
		{NULL, 0, NULL, 0},
	};
	struct pl_run_opts o = {.progress = on_progress};
	struct pl_run_result res;
	struct pipeline p;
	struct tn_err err;
	struct sigaction sa;
	char *dir;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:d:", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o.full_refresh = true; break;
		case 'd': o.dataset = optarg; break;
		case ':': return cli_usage_error(self, "option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage_error(self, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(self, "pipeline run needs one NAME or PATH");
	dir = pipeline_dir(tarn_engine_lakehouse(e), argv[optind]);
	rc = pipeline_load(dir, strchr(argv[optind], '/') ? NULL : argv[optind], &p, &err);
	free(dir);
	if (rc != TN_OK)
		return cli_fail("pipeline run", &err);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	running = e;
	sigaction(SIGINT, &sa, NULL);
	rc = pipeline_run(e, &p, &o, &res, &err);
	running = NULL;
	if (res.flows != NULL)
		print_summary(&p, &res);
	if (rc != TN_OK)
		fprintf(stderr, "tarn pipeline run: %s\n", err.msg);
	else
		fprintf(stderr, "tarn pipeline run: %s: completed in %.0f ms (update %s)\n", p.name,
			res.ms, res.update_id);
	pl_run_result_free(&res);
	pipeline_free(&p);
	return rc == TN_OK ? CLI_OK : CLI_FAILED;
}

int cli_cmd_pipeline(int argc, char **argv)
{
	const struct cli_cmd *self = cli_find("pipeline");
	struct tarn_engine *e = NULL;
	const char *sub;
	int rc;

	if (argc < 2)
		return cli_usage_error(self, "give list, show NAME or run NAME");
	sub = argv[1];
	if (strcmp(sub, "list") == 0 && argc != 2)
		return cli_usage_error(self, "pipeline list takes no arguments");
	if (strcmp(sub, "show") == 0 && argc != 3)
		return cli_usage_error(self, "pipeline show needs one NAME");
	if (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 && strcmp(sub, "run") != 0)
		return cli_usage_error(self, "unknown subcommand '%s' (list, show, run)", sub);
	rc = open_engine(cli_lakehouse, &e);
	if (rc != CLI_OK)
		return rc;
	if (strcmp(sub, "list") == 0)
		rc = cmd_list(e);
	else if (strcmp(sub, "show") == 0)
		rc = cmd_show(e, argv[2]);
	else
		rc = cmd_run(e, self, argc - 1, argv + 1);
	tarn_engine_close(e);
	return rc;
}
