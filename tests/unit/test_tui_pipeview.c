/* test_tui_pipeview.c - the Pipelines pane's logic (tui/pipeview.h): the
 * DAG drawn as a tree (every dataset once, under what it waits for last,
 * in UTF-8 and ASCII), runs and flow metrics rebuilt from event log rows
 * (an APPLY CHANGES flow and its target share a name), and the event
 * filter by text and level. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "tui/pipeview.h"

/* bronze <- files; silver <- bronze; cdc <- files; APPLY CHANGES dim from
 * cdc (flow + declaration "dim"); gold reads silver and dim. */
static const char medallion[] =
	"CREATE OR REFRESH STREAMING TABLE bronze AS SELECT * FROM STREAM read_files('in', "
	"format => 'csv');\n"
	"CREATE OR REFRESH STREAMING TABLE silver (CONSTRAINT pos EXPECT (a > 0) ON VIOLATION "
	"DROP ROW) AS SELECT * FROM STREAM(bronze);\n"
	"CREATE OR REFRESH STREAMING TABLE cdc AS SELECT * FROM STREAM read_files('c', "
	"format => 'json');\n"
	"CREATE OR REFRESH STREAMING TABLE dim;\n"
	"APPLY CHANGES INTO dim FROM STREAM(cdc) KEYS (id) SEQUENCE BY seq STORED AS SCD TYPE 2;\n"
	"CREATE OR REFRESH MATERIALIZED VIEW gold AS SELECT * FROM silver JOIN dim USING (id);\n";

static void load(struct pipeline *p)
{
	struct tn_err err = {0};

	memset(p, 0, sizeof(*p));
	p->catalog = tn_strdup("main");
	p->schema = tn_strdup("m");
	if (pipeline_parse(p, "f.sql", medallion, strlen(medallion), &err) != TN_OK ||
	    pipeline_resolve(p, &err) != TN_OK)
		fail_msg("%s", err.msg);
}

/* "prefix name [kind]" per line. */
static char *tree_text(const struct pipeline *p, bool ascii)
{
	struct pv_line *l = pv_tree(p, ascii);
	size_t cap = 4096, len = 0;
	char *out = tn_calloc(cap, 1);

	for (size_t i = 0; i < p->n; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%s [%s]\n", l[i].prefix,
					p->ds[l[i].ds].name, pv_kind_name(&p->ds[l[i].ds]));
	pv_lines_free(l, p->n);
	return out;
}

static void test_tree(void **state)
{
	struct pipeline p;
	char *t;

	(void)state;
	load(&p);
	t = tree_text(&p, false);
	assert_string_equal(t, "bronze [streaming table]\n"
			       "└─ silver [streaming table]\n"
			       "cdc [streaming table]\n"
			       "└─ dim [apply changes SCD2]\n"
			       "   └─ dim [streaming table]\n"
			       "      └─ gold [materialized view]\n");
	free(t);
	t = tree_text(&p, true);
	assert_string_equal(t, "bronze [streaming table]\n"
			       "`- silver [streaming table]\n"
			       "cdc [streaming table]\n"
			       "`- dim [apply changes SCD2]\n"
			       "   `- dim [streaming table]\n"
			       "      `- gold [materialized view]\n");
	free(t);
	pipeline_free(&p);
}

/* Siblings: ├─ before the last, │ continues below them. */
static void test_tree_siblings(void **state)
{
	static const char text[] =
		"CREATE OR REFRESH STREAMING TABLE a AS SELECT * FROM STREAM read_files('x');\n"
		"CREATE OR REFRESH MATERIALIZED VIEW b AS SELECT * FROM a;\n"
		"CREATE OR REFRESH MATERIALIZED VIEW c AS SELECT * FROM b;\n"
		"CREATE OR REFRESH MATERIALIZED VIEW d AS SELECT * FROM a;\n";
	struct pipeline p;
	struct pv_line *l;
	struct tn_err err = {0};
	char *t;

	(void)state;
	memset(&p, 0, sizeof(p));
	if (pipeline_parse(&p, "f.sql", text, strlen(text), &err) != TN_OK ||
	    pipeline_resolve(&p, &err) != TN_OK)
		fail_msg("%s", err.msg);
	t = tree_text(&p, false);
	assert_string_equal(t, "a [streaming table]\n"
			       "├─ b [materialized view]\n"
			       "│  └─ c [materialized view]\n"
			       "└─ d [materialized view]\n");
	free(t);
	l = pv_tree(&p, false);
	assert_int_equal(l[0].parent, PV_NONE);
	assert_int_equal(l[0].depth, 0);
	assert_int_equal(l[2].depth, 2);
	assert_string_equal(p.ds[l[2].parent].name, "b");
	pv_lines_free(l, p.n);
	pipeline_free(&p);
}

static void ev(struct pv_event *e, int64_t seq, const char *level, const char *type,
	       const char *flow, const char *update, const char *message, const char *details)
{
	char *origin = flow ? tn_asprintf("{\"pipeline_name\":\"m\",\"update_id\":\"%s\","
					  "\"flow_name\":\"%s\",\"dataset_name\":\"%s\"}",
					  update, flow, flow)
			    : tn_asprintf("{\"pipeline_name\":\"m\",\"update_id\":\"%s\"}", update);

	memset(e, 0, sizeof(*e));
	e->seq = seq;
	e->time = tn_asprintf("2026-01-01T00:00:%02lldZ", (long long)seq);
	e->level = tn_strdup(level);
	e->type = tn_strdup(type);
	e->message = tn_strdup(message);
	e->details = details ? tn_strdup(details) : NULL;
	pv_event_origin(e, origin);
	free(origin);
}

static char *flow_details(const char *status, int in, int out, int dropped, int version)
{
	return tn_asprintf("{\"flow_progress\":{\"status\":\"%s\",\"metrics\":{\"num_input_rows\":"
			   "%d,\"num_output_rows\":%d},\"data_quality\":{\"dropped_records\":%d,"
			   "\"expectations\":[{\"name\":\"pos\",\"dataset\":\"silver\","
			   "\"passed_records\":%d,\"failed_records\":%d}]},\"table_version\":%d,"
			   "\"duration_ms\":12%s}}",
			   status, in, out, dropped, out, dropped, version,
			   strcmp(status, "FAILED") == 0 ? ",\"error\":\"boom\"" : "");
}

static size_t index_of(const struct pipeline *p, const char *name, enum pl_kind kind)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->ds[i].name, name) == 0 && p->ds[i].kind == kind)
			return i;
	fail_msg("no dataset %s", name);
	return 0;
}

static void test_runs(void **state)
{
	struct pipeline p;
	struct pv_event e[12];
	struct pv_run *r;
	size_t n = 0, nr;
	char *d[5];

	(void)state;
	load(&p);
	d[0] = flow_details("COMPLETED", 10, 8, 2, 3);
	d[1] = flow_details("COMPLETED", 4, 4, 0, 1);  /* the APPLY CHANGES flow */
	d[2] = flow_details("COMPLETED", 0, 0, 0, -1); /* the declaration after it */
	d[3] = flow_details("FAILED", 0, 0, 0, -1);
	d[4] = flow_details("COMPLETED", 5, 5, 0, 7);
	ev(&e[n++], 1, "INFO", "create_update", NULL, "u1", "Update u1 started.",
	   "{\"create_update\":{\"full_refresh\":false}}");
	ev(&e[n++], 2, "INFO", "flow_progress", "silver", "u1", "Flow 'silver' is COMPLETED.",
	   d[0]);
	ev(&e[n++], 3, "INFO", "flow_progress", "dim", "u1", "Flow 'dim' is COMPLETED.", d[1]);
	ev(&e[n++], 4, "INFO", "flow_progress", "dim", "u1", "Flow 'dim' is COMPLETED.", d[2]);
	ev(&e[n++], 5, "ERROR", "flow_progress", "gold", "u1", "Flow 'gold' has FAILED: boom",
	   d[3]);
	ev(&e[n++], 6, "ERROR", "update_progress", NULL, "u1", "Update FAILED.",
	   "{\"update_progress\":{\"state\":\"FAILED\"}}");
	ev(&e[n++], 7, "INFO", "create_update", NULL, "u2", "Update u2 started (full refresh).",
	   "{\"create_update\":{\"full_refresh\":true}}");
	ev(&e[n++], 9, "INFO", "flow_progress", "gold", "u2", "Flow 'gold' is COMPLETED.", d[4]);
	r = pv_runs(&p, e, n, &nr);
	assert_int_equal(nr, 2);
	/* newest first; u2 has not ended */
	assert_string_equal(r[0].id, "u2");
	assert_string_equal(r[0].state, "RUNNING");
	assert_true(r[0].full_refresh);
	assert_int_equal(r[0].ms, -1);
	assert_true(r[0].flows[index_of(&p, "gold", PL_MATERIALIZED_VIEW)].seen);
	assert_false(r[0].flows[index_of(&p, "silver", PL_STREAMING_TABLE)].seen);
	assert_string_equal(r[1].id, "u1");
	assert_string_equal(r[1].state, "FAILED");
	assert_false(r[1].full_refresh);
	assert_int_equal(r[1].ms, 5000);
	{
		const struct pv_flow *s = &r[1].flows[index_of(&p, "silver", PL_STREAMING_TABLE)];
		const struct pv_flow *fl = &r[1].flows[index_of(&p, "dim", PL_APPLY_CHANGES)];
		const struct pv_flow *decl = &r[1].flows[index_of(&p, "dim", PL_STREAMING_TABLE)];
		const struct pv_flow *g = &r[1].flows[index_of(&p, "gold", PL_MATERIALIZED_VIEW)];

		assert_string_equal(s->status, "COMPLETED");
		assert_int_equal(s->read, 10);
		assert_int_equal(s->written, 8);
		assert_int_equal(s->dropped, 2);
		assert_int_equal(s->version, 3);
		assert_int_equal(s->ms, 12);
		assert_int_equal(s->nex, 1);
		assert_string_equal(s->ex[0].name, "pos");
		assert_int_equal(s->ex[0].passed, 8);
		assert_int_equal(s->ex[0].failed, 2);
		/* the first "dim" event is the flow's (it runs first), the second the table's */
		assert_int_equal(fl->read, 4);
		assert_int_equal(fl->version, 1);
		assert_int_equal(decl->read, 0);
		assert_int_equal(decl->version, -1);
		assert_string_equal(g->status, "FAILED");
		assert_string_equal(g->error, "boom");
		assert_false(r[1].flows[index_of(&p, "bronze", PL_STREAMING_TABLE)].seen);
	}
	pv_runs_free(r, nr);
	for (size_t i = 0; i < n; i++)
		pv_event_done(&e[i]);
	for (size_t i = 0; i < 5; i++)
		free(d[i]);
	pipeline_free(&p);
}

static void test_filter(void **state)
{
	struct pv_event e[3];

	(void)state;
	ev(&e[0], 1, "INFO", "create_update", NULL, "u1", "Update u1 started.", NULL);
	ev(&e[1], 2, "WARN", "flow_progress", "Silver", "u1", "Flow 'Silver' is SLOW.", NULL);
	ev(&e[2], 3, "ERROR", "flow_progress", "gold", "u1", "Flow 'gold' has FAILED", NULL);
	assert_null(e[0].flow);
	assert_string_equal(e[1].flow, "Silver");
	assert_string_equal(e[1].update_id, "u1");
	/* no filter */
	for (int i = 0; i < 3; i++)
		assert_true(pv_event_match(&e[i], NULL, PV_INFO));
	assert_true(pv_event_match(&e[0], "", PV_INFO));
	/* text in any column, any case */
	assert_true(pv_event_match(&e[1], "silver", PV_INFO));   /* flow and message */
	assert_false(pv_event_match(&e[0], "silver", PV_INFO));
	assert_true(pv_event_match(&e[0], "CREATE_", PV_INFO));  /* event_type */
	assert_true(pv_event_match(&e[2], "error", PV_INFO));    /* level */
	assert_true(pv_event_match(&e[0], "00:00:01", PV_INFO)); /* time */
	assert_false(pv_event_match(&e[1], "00:00:01", PV_INFO));
	assert_false(pv_event_match(&e[0], "u1x", PV_INFO));
	/* level */
	assert_int_equal(pv_event_level(&e[1]), PV_WARN);
	assert_false(pv_event_match(&e[0], NULL, PV_WARN));
	assert_true(pv_event_match(&e[1], NULL, PV_WARN));
	assert_true(pv_event_match(&e[2], NULL, PV_WARN));
	assert_false(pv_event_match(&e[1], NULL, PV_ERROR));
	assert_true(pv_event_match(&e[2], "gold", PV_ERROR));
	assert_false(pv_event_match(&e[2], "silver", PV_ERROR));
	for (int i = 0; i < 3; i++)
		pv_event_done(&e[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_tree_siblings),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
