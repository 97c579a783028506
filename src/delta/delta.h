/* delta.h - Delta Lake tables: the transaction log, snapshots at any
 * version or time, scans that stream batches, and history. */
#ifndef TARN_DELTA_H
#define TARN_DELTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/vec.h"
#include "delta/dv.h"
#include "store/store.h"

struct delta_kv {
	char *key;
	char *value; /* NULL for a JSON null */
};

struct delta_protocol {
	int32_t min_reader_version;
	int32_t min_writer_version;
	char **reader_features; /* NULL when the action has none */
	size_t n_reader_features;
	char **writer_features;
	size_t n_writer_features;
};

struct delta_metadata {
	char *id;
	char *name;        /* may be NULL */
	char *description; /* may be NULL */
	char *provider;    /* format.provider */
	char *schema_string;
	char **partition_columns;
	size_t n_partition_columns;
	struct delta_kv *configuration;
	size_t n_configuration;
	bool has_created_time;
	int64_t created_time; /* ms since the epoch */
};

/* An active data file of a snapshot. */
struct delta_file {
	char *path;         /* as the log wrote it, URI-decoded */
	char *abs_path;     /* where it is: the table root joined with path */
	int64_t size;
	int64_t modification_time; /* ms */
	struct delta_kv *partition_values; /* n_partition_values, in the log's order */
	size_t n_partition_values;
	char *stats;        /* the stats JSON, or NULL */
	bool has_dv;
	struct delta_dv_desc dv; /* its strings live with the snapshot: no _done */
	int64_t num_records; /* from stats, -1 when unknown */
};

struct delta_txn {
	char *app_id;
	int64_t version;
	bool has_last_updated;
	int64_t last_updated;
};

struct delta_domain {
	char *domain;
	char *configuration;
};

struct delta_table;
struct delta_snapshot;

/* Open the Delta table at root (a directory path) in store st (borrowed).
 * Lists the log. TN_ENOENT "not a Delta table" when root has no
 * _delta_log, or it holds no commit or checkpoint. */
int delta_table_open(struct store *st, const char *root, struct delta_table **out,
		     struct tn_err *err);
void delta_table_close(struct delta_table *t);
const char *delta_table_root(const struct delta_table *t);
/* The earliest and latest versions the log can reconstruct. */
int64_t delta_table_latest_version(const struct delta_table *t);
int64_t delta_table_earliest_version(const struct delta_table *t);

/* Snapshots. version < 0 means the latest. Errors: TN_EINVAL naming the
 * earliest and latest available versions when version is out of range;
 * TN_ECORRUPT for a gap in the log or a snapshot without protocol or
 * metaData; TN_EUNSUPPORTED naming a reader version or feature tarn lacks. */
int delta_snapshot_open(struct delta_table *t, int64_t version, struct delta_snapshot **out,
			struct tn_err *err);
/* Like delta_snapshot_open, but a snapshot without metaData (or one whose
 * metaData has no schema) opens, with an empty schema, so that it can be
 * inspected; scans of it fail. Protocol checks still apply. */
int delta_snapshot_open_lenient(struct delta_table *t, int64_t version,
				struct delta_snapshot **out, struct tn_err *err);
/* False when a lenient snapshot has no (usable) metaData. */
bool delta_snapshot_has_metadata(const struct delta_snapshot *s);
/* The snapshot as of a time (microseconds since the epoch): the latest
 * commit at or before it. Commit times are the commit files' modification
 * times made monotonic, or in-commit timestamps where enabled. TN_EINVAL
 * when ts is before the first commit or after the last. */
int delta_snapshot_open_at(struct delta_table *t, int64_t ts_us, struct delta_snapshot **out,
			   struct tn_err *err);
void delta_snapshot_free(struct delta_snapshot *s);

int64_t delta_snapshot_version(const struct delta_snapshot *s);
/* The commit timestamp (ms) of the snapshot's version. */
int64_t delta_snapshot_timestamp(const struct delta_snapshot *s);
const struct delta_protocol *delta_snapshot_protocol(const struct delta_snapshot *s);
const struct delta_metadata *delta_snapshot_metadata(const struct delta_snapshot *s);
/* The logical schema (owned by the snapshot). */
const struct tn_schema *delta_snapshot_schema(const struct delta_snapshot *s);
size_t delta_snapshot_num_files(const struct delta_snapshot *s);
/* Active files sorted by path. */
const struct delta_file *delta_snapshot_file(const struct delta_snapshot *s, size_t i);
size_t delta_snapshot_num_txns(const struct delta_snapshot *s);
const struct delta_txn *delta_snapshot_txn(const struct delta_snapshot *s, size_t i);
size_t delta_snapshot_num_domains(const struct delta_snapshot *s);
const struct delta_domain *delta_snapshot_domain(const struct delta_snapshot *s, size_t i);
/* A table property from metaData.configuration, or NULL. */
const char *delta_snapshot_property(const struct delta_snapshot *s, const char *key);

/* ---- scans ---- */

struct delta_pred;

struct delta_scan_opts {
	const char *const *columns; /* top-level logical columns, NULL for all */
	size_t ncolumns;
	size_t batch_rows;          /* 0: the Parquet reader's default */
	const struct delta_pred *where; /* rows to keep, or NULL (borrowed) */
};

/* ---- predicates ---- */

/* Parse a filter: comparisons of a top-level column with a literal
 * (=, !=, <>, <, <=, >, >=), col IN (lit, ...), col IS [NOT] NULL,
 * combined with AND, OR, NOT and parentheses. Literals are numbers,
 * 'quoted strings' (also for dates and timestamps), true, false. Columns
 * may be `quoted`. TN_EINVAL with the position of the problem. */
int delta_pred_parse(const char *text, struct delta_pred **out, struct tn_err *err);
void delta_pred_free(struct delta_pred *p);

struct delta_scan_metrics {
	uint64_t files_total;   /* active files in the snapshot */
	uint64_t files_skipped; /* by partition values or statistics */
	uint64_t files_read;
	uint64_t bytes_read;    /* sizes of the files read */
	uint64_t rows_deleted;  /* rows dropped by deletion vectors */
	uint64_t row_groups_skipped; /* Parquet row groups left unread by statistics */
};

struct delta_scan;

int delta_scan_open(struct delta_snapshot *s, const struct delta_scan_opts *opts,
		    struct delta_scan **out, struct tn_err *err);
/* The schema of the batches (the projected logical columns). */
const struct tn_schema *delta_scan_schema(const struct delta_scan *sc);
/* Next batch; b->nrows == 0 at the end. Values live until the next call. */
int delta_scan_next(struct delta_scan *sc, struct tn_batch *b, struct tn_err *err);
const struct delta_scan_metrics *delta_scan_metrics(const struct delta_scan *sc);
void delta_scan_close(struct delta_scan *sc);

/* The change data feed from version `from` to `to` (inclusive; to < 0 for
 * the latest), as a scan: its batches have the table's columns as of `to`
 * (or opts' projection) and _change_type (insert, delete, update_preimage,
 * update_postimage), _commit_version and _commit_timestamp. Commits with
 * cdc files give their rows; others give their added files' rows as
 * inserts and removed files' rows as deletes (for a file whose deletion
 * vector changed, just the rows between the two vectors). OPTIMIZE-like
 * commits (dataChange false) give nothing. TN_EINVAL for a range outside
 * the log. The scan owns its snapshot. */
int delta_changes_open(struct delta_table *t, int64_t from, int64_t to,
		       const struct delta_scan_opts *opts, struct delta_scan **out,
		       struct tn_err *err);

/* ---- history ---- */

struct delta_commit {
	int64_t version;
	int64_t timestamp;      /* ms: commitInfo.timestamp, else the file time */
	char *operation;        /* NULL when the commit has no commitInfo */
	char *operation_parameters; /* JSON text */
	char *operation_metrics;    /* JSON text */
	char *user_name;
	char *engine_info;
	bool has_read_version;
	int64_t read_version;
	char *isolation_level;
	bool has_is_blind_append;
	bool is_blind_append;
};

/* Every commit still in the log, newest first. Free with delta_history_free. */
int delta_history(struct delta_table *t, struct delta_commit **out, size_t *n,
		  struct tn_err *err);
void delta_history_free(struct delta_commit *c, size_t n);

/* ---- writing ---- */

enum delta_write_mode { DELTA_APPEND, DELTA_OVERWRITE };

struct delta_writer;

/* Start writing rows of the given schema to the table at root: a new
 * table is created (protocol 1/2, no partitions) on commit; an existing one
 * must have the same column names and types in order. Partitioned,
 * column-mapped or writer-version > 2 tables are refused for now
 * (TN_EUNSUPPORTED). */
int delta_writer_open(struct store *st, const char *root, const struct tn_schema *schema,
		      int mode, struct delta_writer **out, struct tn_err *err);
/* Write a batch into the transaction's data files (not yet visible). */
int delta_writer_write(struct delta_writer *w, const struct tn_batch *b, struct tn_err *err);
/* Commit: one new version holding commitInfo, (for a new table) protocol
 * and metaData, the removes of an overwrite and the new files' adds with
 * statistics. A blind append that loses the race retries at the next
 * version unless the winner changed protocol or metadata; an overwrite
 * conflicts with any concurrent change of files. TN_ECONFLICT names the
 * version. On failure the data files are deleted and nothing is
 * committed. Frees w either way. */
int delta_writer_commit(struct delta_writer *w, int64_t *version, struct tn_err *err);
/* Drop the transaction and its data files. NULL is a no-op. */
void delta_writer_abort(struct delta_writer *w);

/* True when a directory looks like a Delta table (has _delta_log). */
bool delta_is_table(struct store *st, const char *root);

/* Write a classic single-file Parquet checkpoint of snapshot s at its version
 * (_delta_log/<version>.checkpoint.parquet: protocol, metaData, txn,
 * domainMetadata and one add per active file, with stats as JSON text,
 * partitionValues, deletion vectors), then _delta_log/_last_checkpoint
 * ({"version","size","sizeInBytes","numOfAddFiles"}). The checkpoint appears
 * atomically (written whole, then renamed into place); an existing one is
 * left alone. Errors: TN_EEXIST when it exists (nothing written);
 * TN_EUNSUPPORTED for a table with row tracking (its row ids would be
 * lost); store errors naming the file, with nothing left behind. */
int delta_checkpoint_write(struct delta_snapshot *s, struct tn_err *err);

#endif
