/* pipeview.c - the Pipelines pane's logic without screen or engine
 * (pipeview.h): the DAG as a tree, runs from the event log, the filter. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/time.h"
#include "tui/pipeview.h"

/* ---- the DAG as a tree ---- */

struct tree {
	const struct pipeline *p;
	bool ascii;
	size_t *parent, *pos;
	struct pv_line *out;
	size_t n;
};

static void emit(struct tree *t, size_t ds, int depth, const char *anc, bool last)
{
	struct pv_line *l = &t->out[t->n++];
	const char *branch = t->ascii ? (last ? "`- " : "+- ") : (last ? "└─ " : "├─ ");
	const char *cont = t->ascii ? (last ? "   " : "|  ") : (last ? "   " : "│  ");
	char *kids_anc = depth > 0 ? tn_asprintf("%s%s", anc, cont) : tn_strdup("");
	size_t nkids = 0, seen = 0;

	l->ds = ds;
	l->parent = t->parent[ds];
	l->depth = depth;
	l->prefix = depth > 0 ? tn_asprintf("%s%s", anc, branch) : tn_strdup("");
	for (size_t k = 0; k < t->p->n; k++)
		nkids += t->parent[t->p->order[k]] == ds;
	for (size_t k = 0; k < t->p->n; k++) {
		size_t c = t->p->order[k];

		if (t->parent[c] == ds) {
			seen++;
			emit(t, c, depth + 1, kids_anc, seen == nkids);
		}
	}
	free(kids_anc);
}

struct pv_line *pv_tree(const struct pipeline *p, bool ascii)
{
	struct tree t = {.p = p, .ascii = ascii};

	t.parent = tn_calloc(p->n + 1, sizeof(size_t));
	t.pos = tn_calloc(p->n + 1, sizeof(size_t));
	t.out = tn_calloc(p->n + 1, sizeof(*t.out));
	for (size_t k = 0; k < p->n; k++)
		t.pos[p->order[k]] = k;
	/* The parent is the dep that runs last: the tree then shows the
	 * longest chain of what a dataset waits for. */
	for (size_t i = 0; i < p->n; i++) {
		t.parent[i] = PV_NONE;
		for (size_t j = 0; j < p->ds[i].ndeps; j++) {
			size_t d = p->ds[i].deps[j];

			if (d != i && (t.parent[i] == PV_NONE || t.pos[d] > t.pos[t.parent[i]]))
				t.parent[i] = d;
		}
	}
	for (size_t k = 0; k < p->n; k++)
		if (t.parent[p->order[k]] == PV_NONE)
			emit(&t, p->order[k], 0, "", true);
	free(t.parent);
	free(t.pos);
	return t.out;
}

void pv_lines_free(struct pv_line *l, size_t n)
{
	for (size_t i = 0; l != NULL && i < n; i++)
		free(l[i].prefix);
	free(l);
}

/* ---- events ---- */

void pv_event_done(struct pv_event *e)
{
	free(e->time);
	free(e->level);
	free(e->type);
	free(e->message);
	free(e->details);
	free(e->update_id);
	free(e->flow);
	memset(e, 0, sizeof(*e));
}

static char *json_str(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));

	return s != NULL ? tn_strdup(s) : NULL;
}

static int64_t json_int(const cJSON *o, const char *key, int64_t dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : dflt;
}

void pv_event_origin(struct pv_event *e, const char *origin)
{
	cJSON *o = origin != NULL ? cJSON_Parse(origin) : NULL;

	free(e->update_id);
	free(e->flow);
	e->update_id = json_str(o, "update_id");
	e->flow = json_str(o, "flow_name");
	cJSON_Delete(o);
}

enum pv_level pv_event_level(const struct pv_event *e)
{
	if (e->level != NULL && strcasecmp(e->level, "ERROR") == 0)
		return PV_ERROR;
	if (e->level != NULL && (strcasecmp(e->level, "WARN") == 0 ||
				 strcasecmp(e->level, "WARNING") == 0))
		return PV_WARN;
	return PV_INFO;
}

static bool has(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; hay != NULL && *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

bool pv_event_match(const struct pv_event *e, const char *text, enum pv_level min)
{
	if (pv_event_level(e) < min)
		return false;
	if (text == NULL || *text == '\0')
		return true;
	return has(e->time, text) || has(e->level, text) || has(e->type, text) ||
	       has(e->flow, text) || has(e->message, text);
}

/* ---- runs ---- */

void pv_flow_done(struct pv_flow *f)
{
	free(f->status);
	free(f->error);
	for (size_t i = 0; i < f->nex; i++)
		free(f->ex[i].name);
	free(f->ex);
	memset(f, 0, sizeof(*f));
	f->version = -1;
}

void pv_runs_free(struct pv_run *r, size_t n)
{
	for (size_t i = 0; r != NULL && i < n; i++) {
		free(r[i].id);
		free(r[i].start);
		free(r[i].state);
		for (size_t k = 0; k < r[i].n; k++)
			pv_flow_done(&r[i].flows[k]);
		free(r[i].flows);
	}
	free(r);
}

static void flow_from_details(struct pv_flow *f, const char *details)
{
	cJSON *d = details != NULL ? cJSON_Parse(details) : NULL;
	const cJSON *fp = cJSON_GetObjectItemCaseSensitive(d, "flow_progress");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(fp, "metrics");
	const cJSON *dq = cJSON_GetObjectItemCaseSensitive(fp, "data_quality"), *x;

	pv_flow_done(f);
	f->seen = true;
	f->status = json_str(fp, "status");
	f->read = json_int(m, "num_input_rows", 0);
	f->written = json_int(m, "num_output_rows", 0);
	f->dropped = json_int(dq, "dropped_records", 0);
	f->version = json_int(fp, "table_version", -1);
	f->ms = json_int(fp, "duration_ms", 0);
	f->error = json_str(fp, "error");
	x = cJSON_GetObjectItemCaseSensitive(dq, "expectations");
	f->nex = (size_t)cJSON_GetArraySize(x);
	f->ex = tn_calloc(f->nex + 1, sizeof(*f->ex));
	f->nex = 0;
	for (const cJSON *e = x != NULL ? x->child : NULL; e != NULL; e = e->next) {
		f->ex[f->nex].name = json_str(e, "name");
		f->ex[f->nex].passed = json_int(e, "passed_records", 0);
		f->ex[f->nex].failed = json_int(e, "failed_records", 0);
		if (f->ex[f->nex].name == NULL)
			f->ex[f->nex].name = tn_strdup("?");
		f->nex++;
	}
	cJSON_Delete(d);
}

static struct pv_run *run_of(struct pv_run **runs, size_t *n, const struct pipeline *p,
			     const char *id)
{
	for (size_t i = *n; i-- > 0;)
		if (strcmp((*runs)[i].id, id) == 0)
			return &(*runs)[i];
	*runs = tn_reallocarray(*runs, *n + 1, sizeof(**runs));
	memset(&(*runs)[*n], 0, sizeof(**runs));
	(*runs)[*n].id = tn_strdup(id);
	(*runs)[*n].ms = -1;
	(*runs)[*n].n = p->n;
	(*runs)[*n].flows = tn_calloc(p->n + 1, sizeof(struct pv_flow));
	for (size_t k = 0; k < p->n; k++)
		(*runs)[*n].flows[k].version = -1;
	return &(*runs)[(*n)++];
}

/* The first dataset in order named name whose flow the run has not seen. */
static size_t flow_dataset(const struct pipeline *p, const struct pv_run *r, const char *name)
{
	for (size_t k = 0; k < p->n; k++) {
		size_t i = p->order[k];

		if (!r->flows[i].seen && strcasecmp(p->ds[i].name, name) == 0)
			return i;
	}
	return PV_NONE;
}

static int64_t time_us(const char *s)
{
	int64_t us = 0;

	return s != NULL && tn_time_parse(s, &us, NULL) == TN_OK ? us : -1;
}

struct pv_run *pv_runs(const struct pipeline *p, const struct pv_event *ev, size_t nev,
		       size_t *nruns)
{
	struct pv_run *runs = NULL;
	size_t n = 0;

	for (size_t i = 0; i < nev; i++) {
		const struct pv_event *e = &ev[i];
		struct pv_run *r;

		if (e->update_id == NULL || e->type == NULL)
			continue;
		r = run_of(&runs, &n, p, e->update_id);
		if (strcmp(e->type, "create_update") == 0) {
			cJSON *d = e->details ? cJSON_Parse(e->details) : NULL;
			const cJSON *cu = cJSON_GetObjectItemCaseSensitive(d, "create_update");

			free(r->start);
			r->start = e->time ? tn_strdup(e->time) : NULL;
			r->full_refresh =
				cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cu, "full_refresh"));
			cJSON_Delete(d);
		} else if (strcmp(e->type, "update_progress") == 0) {
			cJSON *d = e->details ? cJSON_Parse(e->details) : NULL;
			int64_t a = time_us(r->start), b = time_us(e->time);

			free(r->state);
			r->state = json_str(cJSON_GetObjectItemCaseSensitive(d, "update_progress"),
					    "state");
			if (a >= 0 && b >= a)
				r->ms = (b - a) / 1000;
			cJSON_Delete(d);
		} else if (strcmp(e->type, "flow_progress") == 0 && e->flow != NULL) {
			size_t ds = flow_dataset(p, r, e->flow);

			if (ds != PV_NONE)
				flow_from_details(&r->flows[ds], e->details);
		}
	}
	for (size_t i = 0; i < n; i++)
		if (runs[i].state == NULL)
			runs[i].state = tn_strdup("RUNNING");
	/* newest first */
	for (size_t i = 0; i < n / 2; i++) {
		struct pv_run t = runs[i];

		runs[i] = runs[n - 1 - i];
		runs[n - 1 - i] = t;
	}
	*nruns = n;
	return runs;
}

/* ---- words ---- */

const char *pv_kind_name(const struct pl_dataset *d)
{
	switch (d->kind) {
	case PL_STREAMING_TABLE: return "streaming table";
	case PL_MATERIALIZED_VIEW: return "materialized view";
	case PL_APPLY_CHANGES: return d->apply.scd_type == 2 ? "apply changes SCD2"
							      : "apply changes SCD1";
	}
	return "?";
}

const char *pv_state_name(enum pl_flow_state s)
{
	static const char *const names[] = {"QUEUED", "RUNNING", "COMPLETED",
					    "FAILED", "SKIPPED", "CANCELLED"};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "UNKNOWN";
}
