/* run_int.h - shared inside pipeline/ by the runner (run.c), the progress
 * of its streaming sources (sources.c) and its event log (eventlog.c). */
#ifndef TARN_PIPELINE_RUN_INT_H
#define TARN_PIPELINE_RUN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "pipeline/pipeline.h"

struct store;
struct tarn_engine;

/* ---- statements through the engine (run.c) ---- */

/* tarn_exec_script on a C string: run it, dropping the rows. rows (may
 * be NULL): the rows it changed, -1 for statements that change none. */
int pl_sql(struct tarn_engine *e, const char *sql, int64_t *rows, struct tn_err *err);
/* The first row of a query as display text (NULL values as NULL
 * pointers): *vals has *n entries, or *n == 0 when the query gave no row.
 * Free with pl_strv_free. */
int pl_sql_row(struct tarn_engine *e, const char *sql, char ***vals, size_t *n,
	       struct tn_err *err);
void pl_strv_free(char **v, size_t n);
/* s as a SQL string literal ('it''s'), appended to b. */
void pl_quote(struct tn_buf *b, const char *s);

/* ---- a streaming flow's progress (sources.c) ----
 * Like Spark's offsets log: <table root>/_tarn_pipeline/<app id, made
 * safe>/offsets/<N>.json says what batch N reads, written before the batch
 * runs. Batch N is committed when the table's txn version for the flow's
 * app id is >= N (the batch's INSERT carries it), so the input already
 * read is that of the committed batches since the last refresh. */
struct pl_batch {
	int64_t batch;  /* N: the txn version its commit carries */
	bool refresh;   /* a full refresh: the table was emptied, nothing read */
	char **files;   /* a file source: the files this batch reads, sorted */
	size_t nfiles;
	int64_t from;   /* a table source: versions (from, to] of the source */
	int64_t to;
	char *staged;   /* a fetched source: the staged file's name (in the
			   flow's staged directory, pl_staged_dir) */
	char *state;    /* a fetched source: the JSON state after this batch */
};
void pl_batch_done(struct pl_batch *b);

/* "tarn-pipeline/<pipeline>/<dataset>": the txn app id of a flow. Caller frees. */
char *pl_app_id(const char *pipeline, const char *dataset);
/* <root>/_tarn_pipeline/<app id with '/' and other unsafe bytes as '_'>/offsets */
char *pl_offsets_dir(const char *root, const char *app_id);
/* Write batch b's file atomically (temporary file and rename). */
int pl_offsets_write(struct store *st, const char *dir, const struct pl_batch *b,
		     struct tn_err *err);
/* Forget every batch after `committed` that was planned but not committed. */
int pl_offsets_trim(struct store *st, const char *dir, int64_t committed, struct tn_err *err);
/* Remove the whole progress directory of a flow (a missing one is fine). */
int pl_offsets_clear(struct store *st, const char *dir, struct tn_err *err);

/* <root>/_tarn_pipeline/<app id, made safe>/schema: a file source's
 * columns so far, as schemaHints text (run.c). Caller frees. */
char *pl_schema_file(const char *root, const char *app_id);
/* <root>/_tarn_pipeline/<app id, made safe>/staged: a fetched source's
 * batches, kept until their batch is committed. Caller frees. */
char *pl_staged_dir(const char *root, const char *app_id);
/* Plan the next batch of a fetched source: a batch planned and not
 * committed is reused as it is (*reused; its staged file names the data);
 * otherwise out->batch is committed + 1 and *from (caller frees; NULL:
 * none) the state the last committed batch since the last refresh left.
 * Staged files of committed batches are removed. */
int pl_plan_fetch(struct store *st, const char *dir, const char *staged_dir, int64_t committed,
		  struct pl_batch *out, char **from, bool *reused, struct tn_err *err);

/* The directory a source path's files are named under: the path when it
 * is a directory, else its parent. Caller frees. */
char *pl_files_root(struct store *st, const char *path);
/* At most this many bytes of file names (relative to pl_files_root) in a
 * batch (a few hundred files): a big backlog is taken in several commits,
 * each with its progress. */
#define PL_BATCH_LIST_MAX 16384

/* Plan the next batch of a flow whose committed txn version is
 * `committed` (-1: none). A batch planned but not committed (a run killed
 * after planning) is reused as it is (*reused). Otherwise a file source
 * gets the files of `path` that no committed batch since the last refresh
 * read, in name order, as many as PL_BATCH_LIST_MAX allows; a table source
 * (path NULL) gets versions (last read, latest].
 * out->nfiles == 0 (files) or out->from == out->to (table): nothing new. */
int pl_plan(struct store *st, const char *dir, int64_t committed, const char *path,
	    int64_t latest, struct pl_batch *out, bool *reused, struct tn_err *err);

/* ---- fetched sources: Kafka (kafka.c), HTTP JSON APIs (http.c) ----
 * Their input cannot be listed and read again like files, so a batch is
 * fetched into a staged file first (JSON lines, one object per record);
 * the offsets file then names it together with the source's position
 * after it. A run killed before the commit reads the same staged file
 * again: nothing is fetched twice and nothing is skipped. */
struct pl_fetch {
	const struct pl_dataset *d; /* the source: d->source.opts, d->source.path
				       (read_http's URL) */
	const char *from;           /* the JSON state after the last committed
				       batch (what *to said then); NULL: none yet,
				       start where the options say */
	const char *staged;         /* write the records here (JSON lines); the
				       runner renames it into place afterwards */
	int64_t max_records;        /* at most this many records in one batch */
	const volatile int *cancel; /* may be NULL; nonzero: stop with TN_ECANCELED */
};
/* Fetch what follows f->from into f->staged. *rows: the records written;
 * 0 means nothing new (then *to is NULL and the staged file need not
 * exist). *to: the JSON state after those records (caller frees): Kafka
 * {"topic": {"partition": next offset, ...}}, HTTP {"watermark": ...}.
 * Errors say what failed and where (broker, topic, URL, HTTP status). */
int pl_kafka_fetch(const struct pl_fetch *f, char **to, int64_t *rows, struct tn_err *err);
int pl_http_fetch(const struct pl_fetch *f, char **to, int64_t *rows, struct tn_err *err);
/* The relation a batch's query reads in place of the STREAM source: a
 * parenthesised SELECT over the staged file (an absolute path) with the
 * source's columns. Kafka: key BINARY, value BINARY, topic STRING,
 * partition INT, offset BIGINT, timestamp TIMESTAMP, timestampType INT
 * (Databricks' read_kafka); HTTP: the records' fields as read_files infers
 * them. Caller frees. */
char *pl_kafka_relation(const struct pl_dataset *d, const char *staged);
char *pl_http_relation(const struct pl_dataset *d, const char *staged);

/* ---- the event log (eventlog.c) ---- */
struct pl_eventlog;

/* Open (creating it on first use) the Delta table at path and continue
 * its sequence. Events are buffered until pl_eventlog_flush. */
int pl_eventlog_open(struct tarn_engine *e, const char *path, const char *pipeline,
		     const char *update_id, struct pl_eventlog **out, struct tn_err *err);
/* Buffer one event. flow may be NULL (pipeline events); details is JSON
 * or NULL. */
void pl_eventlog_add(struct pl_eventlog *l, const char *level, const char *event_type,
		     const char *flow, const char *message, const char *details);
/* Append the buffered events in one INSERT (one commit). */
int pl_eventlog_flush(struct pl_eventlog *l, struct tn_err *err);
void pl_eventlog_close(struct pl_eventlog *l);
/* A random version-4 UUID. */
void pl_uuid(char out[37]);

#endif
