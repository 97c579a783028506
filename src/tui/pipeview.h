/* pipeview.h - what the Pipelines pane computes without a screen or an
 * engine: a pipeline's DAG laid out as a tree, the runs and flow metrics
 * of its event log, and the event log's filter. */
#ifndef TARN_TUI_PIPEVIEW_H
#define TARN_TUI_PIPEVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/pipeline.h"

/* ---- the DAG as a tree ---- */

/* One line of the tree: every dataset once, under the dataset it reads
 * that runs last (its "parent"; roots read nothing of the pipeline), in
 * pipeline order among siblings. Datasets read besides the parent are
 * the dataset's other deps (shown beside it). */
struct pv_line {
	size_t ds;      /* index into pipeline.ds */
	size_t parent;  /* index into pipeline.ds, or PV_NONE */
	int depth;
	char *prefix;   /* "│  ├─ " (or "|  +- " in ASCII); "" for roots; owned */
};
#define PV_NONE ((size_t)-1)

/* The tree of p's datasets: p->n lines in drawing order. Caller frees
 * with pv_lines_free. */
struct pv_line *pv_tree(const struct pipeline *p, bool ascii);
void pv_lines_free(struct pv_line *l, size_t n);

/* ---- the event log ---- */

enum pv_level { PV_INFO, PV_WARN, PV_ERROR };

/* A row of the event log (every string owned; NULL when absent). */
struct pv_event {
	int64_t seq;
	char *time, *level, *type, *message, *details;
	char *update_id, *flow; /* from origin */
};
void pv_event_done(struct pv_event *e);
/* Fill e->update_id and e->flow from the origin JSON. */
void pv_event_origin(struct pv_event *e, const char *origin);
enum pv_level pv_event_level(const struct pv_event *e);

/* Does the event pass the filter: text (case-insensitive, in any of time,
 * level, event_type, flow and message; NULL or "" passes all) and a level
 * at least min? */
bool pv_event_match(const struct pv_event *e, const char *text, enum pv_level min);

struct pv_expect {
	char *name;
	int64_t passed, failed;
};

/* A flow's outcome in a run (from its flow_progress event). */
struct pv_flow {
	bool seen;
	char *status;   /* COMPLETED, FAILED, SKIPPED, CANCELLED, RUNNING, ... */
	int64_t read, written, dropped;
	int64_t version; /* -1: none written */
	int64_t ms;
	char *error;
	struct pv_expect *ex;
	size_t nex;
};

/* A run (an update) of the pipeline. */
struct pv_run {
	char *id;
	char *start;        /* the create_update event's time */
	char *state;        /* COMPLETED, FAILED, or RUNNING without update_progress */
	bool full_refresh;
	int64_t ms;         /* from create_update to update_progress; -1 unknown */
	struct pv_flow *flows; /* n of the pipeline, by dataset index */
	size_t n;
};

/* The runs of events ev[0..nev) (in sequence order) for p, newest first.
 * The k-th flow_progress event naming a dataset in a run is the k-th
 * dataset of that name in p->order (an APPLY CHANGES flow and its target's
 * declaration share a name). Caller frees with pv_runs_free. */
struct pv_run *pv_runs(const struct pipeline *p, const struct pv_event *ev, size_t nev,
		       size_t *nruns);
void pv_runs_free(struct pv_run *r, size_t n);
void pv_flow_done(struct pv_flow *f);

/* ---- words ---- */

/* "streaming table", "materialized view", "apply changes" (SCD type). */
const char *pv_kind_name(const struct pl_dataset *d);
/* A pl_flow_state as the event log writes it (COMPLETED, ...). */
const char *pv_state_name(enum pl_flow_state s);

#endif
