/* pipeline.h - declarative pipelines (Databricks Lakeflow / Delta Live
 * Tables style): a folder of .sql files defining streaming tables,
 * materialized views and APPLY CHANGES flows, run in dependency order on
 * the engine (sql/sql.h) with expectations, exactly-once incremental
 * ingestion and an event log.
 *
 * Layering: pipeline/ sits above sql/: it runs statements through the
 * engine facade and never includes sqlite3.h; cli/, shell/ and tui/ call
 * it. Parsing (parse.c, dag.c) needs no engine. */
#ifndef TARN_PIPELINE_H
#define TARN_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct tarn_engine;

/* ------------------------------------------------------- definitions */

enum pl_kind {
	PL_STREAMING_TABLE,    /* CREATE OR REFRESH STREAMING TABLE (with or without AS) */
	PL_MATERIALIZED_VIEW,  /* CREATE OR REFRESH MATERIALIZED VIEW ... AS */
	PL_APPLY_CHANGES,      /* APPLY CHANGES INTO target FROM STREAM(source) ... */
};

/* What happens to a row that fails an expectation. */
enum pl_violation {
	PL_KEEP, /* no ON VIOLATION: keep the row, count it */
	PL_DROP, /* ON VIOLATION DROP ROW */
	PL_FAIL, /* ON VIOLATION FAIL UPDATE: stop, nothing committed for the dataset */
};

struct pl_expect {
	char *name;  /* CONSTRAINT name */
	char *expr;  /* the text inside EXPECT ( ... ) */
	enum pl_violation on;
};

/* A named argument of a source function: format => 'csv'. name as
 * written (backticks removed); value is the literal's text without quotes
 * (strings unescaped; numbers as written, with a '-' sign; true, false
 * and null lower-cased). */
struct pl_option {
	char *name;
	char *value;
};

enum pl_source_kind {
	PL_SRC_NONE,  /* a materialized view, or a streaming table without AS */
	PL_SRC_FILES, /* STREAM read_files('path or glob', format => ..., ...) */
	PL_SRC_TABLE, /* STREAM(t) or STREAM t: another dataset or lakehouse table,
			 read incrementally by version */
	PL_SRC_KAFKA, /* STREAM read_kafka(bootstrapServers => ..., subscribe => ...) */
	PL_SRC_HTTP,  /* STREAM read_http(url => ..., ...) */
};

/* The one streaming source of a streaming table's query. */
struct pl_source {
	enum pl_source_kind kind;
	char *table;             /* PL_SRC_TABLE: the name as written, LIVE. dropped */
	char *path;              /* PL_SRC_FILES: the first argument; PL_SRC_HTTP: url */
	struct pl_option *opts;  /* the named arguments */
	size_t nopts;
	/* Where the source is in the dataset's query text ("STREAM
	 * read_files(...)" or "STREAM(t)", the keyword included), so the
	 * runner can put a batch's relation in its place. */
	size_t start, len;
};

/* APPLY CHANGES INTO target FROM STREAM(source) KEYS (...)
 * [IGNORE NULL UPDATES] [APPLY AS DELETE WHEN cond] [SEQUENCE BY col]
 * [COLUMNS * EXCEPT (...) | COLUMNS (...)] [STORED AS SCD TYPE 1|2]
 * (clauses in any order, each at most once). Column names (keys,
 * except_cols, columns) are unquoted. APPLY AS TRUNCATE WHEN, IGNORE NULL
 * UPDATES ON ... and TRACK HISTORY ON ... are refused (TN_EUNSUPPORTED). */
struct pl_apply {
	char *source;          /* the name inside STREAM( ), LIVE. dropped */
	char **keys;
	size_t nkeys;
	char *sequence_by;     /* a column (or expression text), NULL: arrival order */
	char *delete_when;     /* condition text, or NULL */
	char **except_cols;    /* COLUMNS * EXCEPT (...) */
	size_t nexcept;
	char **columns;        /* COLUMNS (a, b): only these; NULL: all */
	size_t ncolumns;
	int scd_type;          /* 1 (default) or 2 */
	bool ignore_null_updates; /* IGNORE NULL UPDATES: a NULL in an update
				     keeps the target's value */
};

/* An APPLY CHANGES flow is a pl_dataset of its own (kind
 * PL_APPLY_CHANGES, name = the target), beside the target's declaration
 * (a PL_STREAMING_TABLE without query). The flow depends on its source;
 * the declaration depends on every flow into it, so readers of the target
 * (whose deps name the declaration: pipeline_find never returns a flow)
 * come after the flows in order. */
struct pl_dataset {
	enum pl_kind kind;
	char *name;            /* as written (one, two or three parts, `quotes`
				  kept, LIVE. dropped) */
	char *file;            /* the .sql file, and the line the statement starts on */
	unsigned line;
	char *query;           /* the AS query text, or NULL */
	char *columns;         /* the column definitions inside ( ), without the
				  CONSTRAINT clauses, or NULL */
	struct pl_source source;
	struct pl_expect *expects;
	size_t nexpects;
	char *comment;         /* COMMENT '...' or NULL */
	struct pl_option *props; /* TBLPROPERTIES ('k' = 'v', a.b = true): values
				    unquoted, true/false/null lower-cased */
	size_t nprops;
	char **partition_by;   /* PARTITIONED BY (...), unquoted column names */
	size_t npartition_by;
	struct pl_apply apply; /* PL_APPLY_CHANGES: target is name */
	/* Datasets of the pipeline this one reads (indexes into
	 * pipeline.ds), from FROM/JOIN names, STREAM(...) and APPLY CHANGES'
	 * source. Names that are not datasets of the pipeline are in
	 * external (lakehouse tables; the runner checks they exist). */
	size_t *deps;
	size_t ndeps;
	char **external;
	size_t nexternal;
};

struct pipeline {
	char *name;            /* the folder's name */
	char *dir;             /* the folder */
	char *catalog;         /* where unqualified names go (pipeline.conf;
				  default main) */
	char *schema;          /* (default: the pipeline's name) */
	struct pl_dataset *ds;
	size_t n;
	size_t *order;         /* n indexes: every dataset after those it reads */
};

/* Read every *.sql file of dir (in name order) and the optional
 * dir/pipeline.conf ("catalog = NAME", "schema = NAME", '#' comments).
 * name: the pipeline's name (NULL: dir's last component). Refused before
 * anything runs, with "FILE:LINE: ..." in err (TN_EINVAL): a syntax error,
 * a statement that is not one of the three kinds, a dataset defined twice,
 * APPLY CHANGES into a name no CREATE OR REFRESH STREAMING TABLE declares,
 * a cycle (naming the datasets on it); TN_EUNSUPPORTED (also with
 * FILE:LINE) for APPLY AS TRUNCATE WHEN, IGNORE NULL UPDATES ON and TRACK
 * HISTORY ON. TN_ENOENT when dir is missing or holds no .sql file.
 * ds[].file is dir joined with the file's name; catalog defaults to
 * "main", schema to name lower-cased with characters other than
 * [a-z0-9_] turned to '_' (pipeline.conf values are lower-cased). The
 * grammar accepted is in parse.c. */
int pipeline_load(const char *dir, const char *name, struct pipeline *out, struct tn_err *err);
/* Parse one file's text (for tests and pipeline_load): appends to p->ds.
 * Does not resolve dependencies. */
int pipeline_parse(struct pipeline *p, const char *file, const char *text, size_t len,
		   struct tn_err *err);
/* Resolve dependencies and order the datasets (pipeline_load calls it;
 * calling it again recomputes deps, external and order). The names a
 * query reads: those after FROM (of a SELECT) and JOIN, with commas, but
 * not subqueries, table functions or names its WITH defines; STREAM
 * names. Order: every dataset after those it reads, independent ones in
 * file order. Errors (TN_EINVAL): "FILE:LINE: x is defined twice (also at
 * FILE:LINE)", APPLY CHANGES into a name no streaming table without AS
 * declares, "FILE:LINE: dependency cycle: a -> b -> a (each reads the
 * next)" at the member first in file order. */
int pipeline_resolve(struct pipeline *p, struct tn_err *err);
void pipeline_free(struct pipeline *p);
/* Index of the dataset named name, or -1. A leading LIVE. is dropped;
 * name matches a dataset written with the same parts, one whose last part
 * it is (a one-part name), or, when p->catalog and p->schema are set, one
 * naming the same table once unqualified parts take them. ASCII case is
 * ignored. APPLY CHANGES flows are never returned (their target's
 * declaration is). */
int pipeline_find(const struct pipeline *p, const char *name);

/* The pipelines of a lakehouse: the folders of LAKEHOUSE/pipelines that
 * hold a .sql file, sorted. Free with pipeline_names_free. */
int pipeline_list(const char *lakehouse, char ***names, size_t *n, struct tn_err *err);
void pipeline_names_free(char **names, size_t n);
/* LAKEHOUSE/pipelines/NAME, or NAME itself when it contains a '/'.
 * Caller frees. */
char *pipeline_dir(const char *lakehouse, const char *name);

/* ----------------------------------------------------------------- runs */

enum pl_flow_state {
	PL_FLOW_PENDING,
	PL_FLOW_RUNNING,
	PL_FLOW_COMPLETED,  /* committed a version (or had nothing new) */
	PL_FLOW_FAILED,
	PL_FLOW_SKIPPED,    /* an upstream dataset failed, or not selected */
	PL_FLOW_CANCELLED,
};

struct pl_expect_result {
	char *name;
	int64_t passed, failed; /* failed: rows that broke it (kept, dropped or fatal) */
};

struct pl_flow_result {
	size_t dataset;         /* index into pipeline.ds */
	enum pl_flow_state state;
	int64_t rows_read;      /* input rows of the batch */
	int64_t rows_written;   /* rows the commit added (or the view's rows) */
	int64_t rows_dropped;   /* by DROP ROW expectations */
	struct pl_expect_result *expects;
	size_t nexpects;
	int64_t version;        /* the table version written, -1: none */
	double ms;
	char *error;            /* PL_FLOW_FAILED: what and where */
};

struct pl_run_result {
	char *update_id;        /* a UUID for this run (the event log's origin) */
	struct pl_flow_result *flows; /* pipeline.n, in pipeline.ds order */
	size_t n;
	bool ok;
	double ms;
};

struct pl_run_opts {
	bool full_refresh;      /* drop what streaming tables hold and their progress,
				   recompute everything */
	const char *dataset;    /* run only this dataset (NULL: all) */
	/* Called on the calling thread as flows start and finish (may be NULL). */
	void (*progress)(void *ctx, const struct pipeline *p, const struct pl_flow_result *f);
	void *ctx;
	/* May be NULL. Nonzero stops the run between batches and flows (the
	 * running statement stops with tarn_engine_interrupt): the flow
	 * running then ends PL_FLOW_CANCELLED with nothing committed for its
	 * batch, the rest are skipped, and the result is TN_ECANCELED. */
	const volatile int *cancel;
};

/* Run the pipeline on the engine (whose lakehouse holds it). Streaming
 * tables read only input they have not read: files not seen before,
 * table versions after the last read, Kafka offsets after the last
 * committed; each batch is committed with its progress in the same Delta
 * commit (txn appId/version), so a run killed at any point resumes on the
 * next run without duplicates or gaps. Materialized views recompute.
 * Every run appends to the pipeline's event log. TN_OK when every flow
 * completed; otherwise the first failure in err, and out says which flows
 * did what. out is filled either way (free with pl_run_result_free). */
int pipeline_run(struct tarn_engine *e, const struct pipeline *p, const struct pl_run_opts *o,
		 struct pl_run_result *out, struct tn_err *err);
void pl_run_result_free(struct pl_run_result *r);

/* The event log of a pipeline: a Delta table at
 * LAKEHOUSE/pipelines/NAME/_event_log (query it with
 * SELECT * FROM delta.`...`). Columns: id STRING, sequence BIGINT,
 * origin STRING (JSON: pipeline_name, update_id, flow_name, dataset_name),
 * timestamp TIMESTAMP, message STRING, level STRING (INFO, WARN, ERROR),
 * event_type STRING (create_update, update_progress, flow_progress,
 * dataset_definition), details STRING (JSON: for flow_progress
 * {"flow_progress": {"status", "metrics": {"num_input_rows",
 * "num_output_rows"}, "data_quality": {"dropped_records", "expectations":
 * [{"name", "dataset", "passed_records", "failed_records"}]},
 * "table_version", "duration_ms"}}). Caller frees. */
char *pipeline_event_log_path(const char *lakehouse, const char *name);

#endif
