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

/* Parse a Delta schemaString into a tn_schema (physical names and field
 * ids from column-mapping metadata). TN_ECORRUPT for malformed JSON,
 * TN_EUNSUPPORTED for types tarn does not read (naming them). */
int delta_schema_parse(const char *json, struct tn_schema *out, struct tn_err *err);

/* ---- scans ---- */

struct delta_pred;

struct delta_scan_opts {
	/* top-level logical columns, NULL for all; where may name others
	 * (they are read to filter, not returned) */
	const char *const *columns;
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
/* Call fn for each column the predicate names (repeats included). */
void delta_pred_columns(const struct delta_pred *p, void (*fn)(const char *col, void *arg),
			void *arg);
/* The predicate as text that delta_pred_parse reads back. Caller frees. */
char *delta_pred_text(const struct delta_pred *p);

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

/* ---- tables known only by their actions (Delta Sharing) ---- */

/* A snapshot of a table that lives elsewhere, from JSON-lines actions
 * (protocol, metaData, add with absolute paths or file: URIs, deletion
 * vectors 'p' at absolute paths): version and ts_ms are what its source
 * says. root names it in messages. Scan it; never checkpoint it.
 * TN_ECORRUPT for a malformed line or no protocol or metaData. */
int delta_snapshot_from_actions(struct store *st, const char *root, int64_t version,
				int64_t ts_ms, const char *text, size_t len,
				struct delta_snapshot **out, struct tn_err *err);

/* One commit known by its actions (JSON lines: add, remove, cdc). */
struct delta_commit_text {
	int64_t version, ts_ms;
	const char *text;
	size_t len;
};
/* The change data feed of commits known by their actions, in the order
 * given, with meta (protocol and metaData lines) for the columns: as
 * delta_changes_open. */
int delta_changes_from_actions(struct store *st, const char *root, const char *meta,
			       size_t meta_len, const struct delta_commit_text *c, size_t n,
			       const struct delta_scan_opts *opts, struct delta_scan **out,
			       struct tn_err *err);

/* ---- files for readers that fetch them themselves ---- */

/* Which active files of a snapshot may hold rows matching p: the same
 * pruning scans do, by partition values and statistics (physical names
 * under column mapping). Files proven to hold none are skipped; for
 * partition columns the answer is exact. TN_EINVAL for a column that is
 * not in s's schema or a literal that is not of its type. */
struct delta_filter;
int delta_filter_open(const struct delta_snapshot *s, const struct delta_pred *p,
		      struct delta_filter **out, struct tn_err *err);
/* True when no row of file can match (file may come from any commit of
 * the table with the snapshot's partition columns). */
bool delta_filter_skip(const struct delta_filter *f, const struct delta_file *file);
void delta_filter_free(struct delta_filter *f);
/* A path as a log action writes it (URI-encoded), decoded. Caller frees. */
char *delta_path_decode(const char *s);
/* A path as a log action writes it (RFC 3986). Caller frees. */
char *delta_path_encode(const char *s);
/* Call fn with each action (a JSON object) of commit v in log order;
 * *ts_ms is the commit's timestamp (as delta_snapshot_timestamp's).
 * TN_ENOENT when that commit's file is gone; stops at fn's first error. */
int delta_commit_actions(struct delta_table *t, int64_t v, int64_t *ts_ms,
			 int (*fn)(void *ctx, const cJSON *action), void *ctx, struct tn_err *err);

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

/* ---- writing: transactions ---- */

/* A transaction reads one version of a table, writes new data files and
 * collects actions, and commits them all as the next version or nothing.
 * Conflicts with concurrent commits follow Delta's rules (see txn.c); a
 * transaction that only appends (read nothing, removed nothing, changed no
 * metadata) is a blind append and retries past other appends. */
struct delta_tx;

struct delta_create_opts {
	const struct tn_schema *schema;
	const char *const *partition_columns;
	size_t npartition_columns;
	const struct delta_kv *properties; /* delta.* and user properties */
	size_t nproperties;
	const char *name, *description;    /* may be NULL */
};

/* Evaluates a CHECK constraint the Delta layer cannot (an SQL expression
 * beyond delta_pred_parse's): sets bad[i] = 1 for each row of b for which
 * expr is not true. */
typedef int (*delta_check_fn)(void *ctx, const char *name, const char *expr,
			      const struct tn_batch *b, uint8_t *bad, struct tn_err *err);

/* Begin a transaction on the existing table at root, reading its latest
 * version. TN_ENOENT when there is no table; TN_EUNSUPPORTED naming a
 * writer feature tarn does not honour. The operation is "WRITE" until set. */
int delta_tx_begin(struct store *st, const char *root, struct delta_tx **out, struct tn_err *err);
/* Begin a transaction that creates the table (version 0): the protocol is
 * the least the properties need (1/2; writer 3 for CHECK constraints, 4
 * for the change data feed, 2/5 for column mapping, table features for
 * deletion vectors, timestamp_ntz and in-commit timestamps). TN_EEXIST
 * when a table is there. The operation is "CREATE TABLE" until set. */
int delta_tx_create(struct store *st, const char *root, const struct delta_create_opts *o,
		    struct delta_tx **out, struct tn_err *err);
struct delta_table *delta_tx_table(struct delta_tx *tx);       /* NULL when creating */
struct delta_snapshot *delta_tx_snapshot(struct delta_tx *tx); /* the version read, or NULL */
/* The table's logical schema as this transaction will leave it. */
const struct tn_schema *delta_tx_schema(const struct delta_tx *tx);
size_t delta_tx_partition_columns(const struct delta_tx *tx, char *const **cols);
/* A property as this transaction will leave it, or NULL. */
const char *delta_tx_property(const struct delta_tx *tx, const char *key);
bool delta_tx_cdf_enabled(const struct delta_tx *tx);
bool delta_tx_dv_enabled(const struct delta_tx *tx);

/* commitInfo: the operation ("WRITE", "DELETE", ...), its parameters as a
 * JSON object's text, and metrics (written as strings, as Spark does). */
void delta_tx_set_operation(struct delta_tx *tx, const char *op, const char *params_json);
void delta_tx_set_metric(struct delta_tx *tx, const char *key, int64_t v);
/* false for rearrangements (OPTIMIZE): adds and removes say dataChange false. */
void delta_tx_set_data_change(struct delta_tx *tx, bool data_change);
void delta_tx_set_check(struct delta_tx *tx, delta_check_fn fn, void *ctx);
/* Record that the transaction read the rows matching p (NULL: all): a
 * concurrent commit that adds rows matching it (under Serializable, or
 * WriteSerializable unless that commit was a blind append) or removes a
 * file it read is a conflict. */
int delta_tx_read(struct delta_tx *tx, const struct delta_pred *p, struct tn_err *err);
/* Commit application transaction version (the txn action). */
void delta_tx_set_app_txn(struct delta_tx *tx, const char *app_id, int64_t version);
int delta_tx_set_domain(struct delta_tx *tx, const char *domain, const char *configuration,
			bool removed, struct tn_err *err);
/* Set (value NULL: unset) a table property, raising the protocol as the
 * feature needs. delta.columnMapping.mode = name gives every column an id
 * and a physical name. */
int delta_tx_set_property(struct delta_tx *tx, const char *key, const char *value,
			  struct tn_err *err);
/* Schema evolution: add nullable columns at the end (mergeSchema); rename
 * or drop a column (needs column mapping). */
int delta_tx_add_columns(struct delta_tx *tx, const struct tn_field *cols, size_t n,
			 struct tn_err *err);
int delta_tx_rename_column(struct delta_tx *tx, const char *from, const char *to,
			   struct tn_err *err);
int delta_tx_drop_column(struct delta_tx *tx, const char *name, struct tn_err *err);
/* CREATE OR REPLACE with other columns: the table's schema becomes s (its
 * partition columns must all be in s). Only for a transaction that has
 * removed every file (delta_tx_delete_where with no predicate), so no data
 * of the old schema stays; TN_EUNSUPPORTED with column mapping on. */
int delta_tx_replace_schema(struct delta_tx *tx, const struct tn_schema *s,
			    struct tn_err *err);

/* Write rows into new data files (split by partition values). b's columns
 * are matched to the table's by name (missing ones are null; extra ones or
 * other types are TN_EINVAL naming the column); NOT NULL, CHECK
 * (delta.constraints.*) constraints are enforced: a violation is TN_EINVAL
 * naming the column or constraint. */
int delta_tx_write(struct delta_tx *tx, const struct tn_batch *b, struct tn_err *err);
/* With the change data feed on, write b's rows as change data of the given
 * _change_type (insert, delete, update_preimage, update_postimage) into
 * _change_data/ files; a no-op otherwise. */
int delta_tx_write_changes(struct delta_tx *tx, const struct tn_batch *b, const char *change_type,
			   struct tn_err *err);
/* Remove an active file of the snapshot read, or of the transaction's view
 * (delta_tx_view). A file this transaction wrote is dropped (no add, no
 * remove; the file is deleted at commit); a file it added back (with a
 * deletion vector) loses that add; a file it removed already is not
 * removed twice. */
int delta_tx_remove(struct delta_tx *tx, const struct delta_file *f, struct tn_err *err);
/* Add a file that exists (RESTORE; f may come from another snapshot),
 * with its statistics and deletion vector. */
int delta_tx_add_file(struct delta_tx *tx, const struct delta_file *f, struct tn_err *err);
/* Mark rows of an active file deleted with a deletion vector (the union of
 * its vector, if any, and rows): removes f and adds it back with the new
 * vector, stored in this commit's DV file. Called again for the same file
 * (f from the snapshot read or from a view), the vector is the union of
 * what this transaction set before and rows, and there is still one
 * remove and one add. TN_EINVAL for a file this transaction wrote (rewrite
 * it instead) or removed. */
int delta_tx_delete_rows(struct delta_tx *tx, const struct delta_file *f,
			 const struct delta_dv *rows, struct tn_err *err);

/* The table as this transaction would leave it (read-your-writes): the
 * version read's files without those the transaction removed, with the
 * deletion vectors it set, and the data files it wrote (with their
 * statistics and partition values), under its protocol, metaData (schema,
 * properties), application transactions and domains. For a transaction
 * creating the table, its metaData and the files it wrote. Scans of it
 * (delta_scan_open) see the transaction's uncommitted writes; its version
 * is the version read + 1 (0 when creating) and its timestamp the time it
 * was made. Closes the data files being written (later rows go to new
 * files) and writes the deletion vectors so far to this commit's DV file,
 * so that the view can read them.
 * *out is the caller's (delta_snapshot_free) and does not change with the
 * transaction: it is what the transaction had done when it was taken. Its
 * files stay readable until the transaction commits or aborts: then files
 * the transaction wrote and dropped again, or all it wrote (abort), are
 * deleted. Never checkpoint a view. */
int delta_tx_view(struct delta_tx *tx, struct delta_snapshot **out, struct tn_err *err);

/* Commit as the next version (retrying past concurrent blind appends and
 * other commits that do not conflict). On success *version is the new
 * version; a checkpoint follows every delta.checkpointInterval (10)
 * commits. On failure (TN_ECONFLICT naming the version and the kind of
 * conflict) nothing is committed and the transaction's files are deleted.
 * Frees tx either way. */
int delta_tx_commit(struct delta_tx *tx, int64_t *version, struct tn_err *err);
/* Drop the transaction and the files it wrote. NULL is a no-op. */
void delta_tx_abort(struct delta_tx *tx);

/* ---- writing rows: append and overwrite ---- */

enum delta_write_mode { DELTA_APPEND, DELTA_OVERWRITE };

struct delta_write_opts {
	int mode;                           /* enum delta_write_mode */
	const struct delta_pred *replace_where; /* overwrite only the rows matching it */
	/* for a new table: */
	const char *const *partition_by;
	size_t npartition_by;
	const struct delta_kv *properties;
	size_t nproperties;
	bool merge_schema;                  /* add the rows' new columns to the table */
};

struct delta_writer;

/* Start writing rows of the given schema to the table at root; the table
 * is created (partitioned by partition_by, with properties) when there is
 * none. Rows are matched to the table's columns by name (see
 * delta_tx_write). */
int delta_writer_open_opts(struct store *st, const char *root, const struct tn_schema *schema,
			   const struct delta_write_opts *o, struct delta_writer **out,
			   struct tn_err *err);
int delta_writer_open(struct store *st, const char *root, const struct tn_schema *schema,
		      int mode, struct delta_writer **out, struct tn_err *err);
struct delta_tx *delta_writer_tx(struct delta_writer *w);
/* Write a batch into the transaction's data files (not yet visible). */
int delta_writer_write(struct delta_writer *w, const struct tn_batch *b, struct tn_err *err);
/* Commit (see delta_tx_commit). Frees w either way. */
int delta_writer_commit(struct delta_writer *w, int64_t *version, struct tn_err *err);
/* Drop the transaction and its data files. NULL is a no-op. */
void delta_writer_abort(struct delta_writer *w);

/* ---- row-level changes: delete, update, merge ---- */

enum delta_row_action { DELTA_ROW_KEEP, DELTA_ROW_DELETE, DELTA_ROW_UPDATE };

/* Decides, for a batch of live rows of a file being considered, what
 * happens to each: act[i] = enum delta_row_action. For DELTA_ROW_UPDATE,
 * row i of `updated` holds the new values: updated starts as a copy of
 * rows (same schema, its own vectors) that fn changes in place (new
 * strings go in updated->arena). */
typedef int (*delta_row_fn)(void *ctx, const struct tn_batch *rows, uint8_t *act,
			    struct tn_batch *updated, struct tn_err *err);

struct delta_rewrite_result {
	int64_t rows_deleted, rows_updated, rows_copied;
	int64_t files_removed, files_added, bytes_removed, bytes_added;
	int64_t dvs_added, dvs_updated, dvs_removed, cdc_files;
	int64_t files_scanned, files_skipped;
};

/* Apply fn to the live rows of every active file of the transaction's view
 * (delta_tx_view: what earlier operations of tx wrote, removed and marked
 * deleted included) that may hold rows matching where (NULL: every file;
 * files proven not to match by partition values or statistics are
 * skipped), inside tx. A file tx wrote itself is always rewritten
 * (copy-on-write) when touched, and dropped. A file where fn keeps every
 * row is left alone. Otherwise, with deletion vectors enabled, the deleted
 * and updated rows are marked in a deletion vector and the updated rows
 * written to new files; without, the file is rewritten (copy-on-write)
 * with its kept and updated rows. With the change data feed on, delete,
 * update_preimage and update_postimage rows go to change data files.
 * Records the read (delta_tx_read with where) for conflict checks. */
int delta_tx_rewrite(struct delta_tx *tx, const struct delta_pred *where, delta_row_fn fn,
		     void *ctx, struct delta_rewrite_result *res, struct tn_err *err);
/* Delete the rows matching where (NULL: all rows). Sets commitInfo: DELETE,
 * the predicate and Spark's metrics (see delta_rewrite_commit_info). */
int delta_tx_delete_where(struct delta_tx *tx, const struct delta_pred *where,
			  struct delta_rewrite_result *res, struct tn_err *err);
/* commitInfo for op "DELETE" or "UPDATE" as Spark writes it: parameters
 * {"predicate": "[\"<where>\"]"} and metrics numDeletedRows or
 * numUpdatedRows, numCopiedRows, numAddedFiles, numRemovedFiles,
 * numAddedBytes, numRemovedBytes, numAddedChangeFiles,
 * numDeletionVectorsAdded, numDeletionVectorsUpdated,
 * numDeletionVectorsRemoved. */
void delta_rewrite_commit_info(struct delta_tx *tx, const char *op, const struct delta_pred *where,
			       const struct delta_rewrite_result *res);

/* An assignment of UPDATE: column = value, the text of a literal read as
 * the column's type (numbers, true/false, dates and timestamps as
 * delta_pred_parse takes them, strings and binary as they are; nested
 * columns take only NULL), or SQL NULL when value is NULL. In a merge's
 * WHEN MATCHED UPDATE, source_column instead names the source column whose
 * value (of the matched source row) the column takes. */
struct delta_assign {
	const char *column;
	const char *value;         /* NULL: NULL */
	const char *source_column; /* merge only; NULL: use value */
};

/* Set columns of the rows matching where (NULL: every row) to the values
 * of set[0..nset), with delta_tx_rewrite (updated rows move to new files;
 * with the change data feed, update_preimage and update_postimage rows).
 * An updated partition column moves the row to its new partition. Sets
 * commitInfo: UPDATE, the predicate and Spark's metrics. TN_EINVAL naming
 * the column for an unknown column, one assigned twice, or a value that is
 * not of its type; a NOT NULL column set to NULL fails when a row is
 * written. */
int delta_tx_update(struct delta_tx *tx, const struct delta_pred *where,
		    const struct delta_assign *set, size_t nset, struct delta_rewrite_result *res,
		    struct tn_err *err);

/* MERGE INTO target USING source ON target.k = source.k ... with
 * Databricks' semantics. Clauses of each kind are tried in order; the
 * first whose condition holds applies, and a row no clause applies to is
 * left alone. */
enum delta_merge_when {
	DELTA_WHEN_MATCHED,               /* UPDATE (SET * or assignments) or DELETE */
	DELTA_WHEN_NOT_MATCHED,           /* INSERT * */
	DELTA_WHEN_NOT_MATCHED_BY_SOURCE, /* UPDATE (assignments) or DELETE */
};
enum delta_merge_action { DELTA_MERGE_UPDATE, DELTA_MERGE_DELETE, DELTA_MERGE_INSERT };

struct delta_merge_clause {
	int when;                       /* enum delta_merge_when */
	int action;                     /* enum delta_merge_action */
	/* AND cond, or NULL: over the source's columns (WHEN MATCHED, WHEN
	 * NOT MATCHED) or the target's (WHEN NOT MATCHED BY SOURCE) */
	const struct delta_pred *cond;
	/* UPDATE: the assignments; none with WHEN MATCHED is UPDATE SET *
	 * (every target column from the source column of its name) */
	const struct delta_assign *set;
	size_t nset;
};

struct delta_merge_opts {
	const struct tn_schema *source_schema;
	const struct tn_batch *source; /* the source rows, batches of source_schema
					  (borrowed: they must live until the commit) */
	size_t nsource;
	/* the ON condition: target_keys[i] = source_keys[i] for every i
	 * (source_keys NULL: the same names); a null key matches nothing */
	const char *const *target_keys;
	const char *const *source_keys;
	size_t nkeys;
	const struct delta_merge_clause *clauses;
	size_t nclauses;
};

struct delta_merge_result {
	struct delta_rewrite_result rw; /* the target's rows and files (with the inserts') */
	int64_t source_rows, rows_inserted;
	int64_t matched_updated, matched_deleted, by_source_updated, by_source_deleted;
};

/* Merge the source into the table in tx: hashes the source rows by key,
 * rewrites (delta_tx_rewrite) the files that may hold a source key (all
 * files when a WHEN NOT MATCHED BY SOURCE clause exists; others by a
 * min/max filter of the source keys) and inserts the source rows no target
 * row matched, all in tx. INSERT * and UPDATE SET * take every target
 * column from the source column of the same name, of its type or one that
 * widens to it without loss (a narrower integer, float for double,
 * timestamps in milliseconds for microseconds). Sets
 * commitInfo: MERGE, Spark's operationParameters (predicate,
 * matchedPredicates, notMatchedPredicates, notMatchedBySourcePredicates)
 * and metrics (numSourceRows, numTargetRowsInserted, ...Updated,
 * ...Deleted, ...Copied, numTargetFilesAdded, ...Removed,
 * numTargetChangeFilesAdded, ...). TN_EINVAL when several source rows
 * match one target row that a WHEN MATCHED clause would change (unless the
 * only one is an unconditional DELETE), for a bad clause, an unknown key
 * or column, or types that differ; the caller then aborts tx, so nothing
 * is committed. */
int delta_tx_merge(struct delta_tx *tx, const struct delta_merge_opts *o,
		   struct delta_merge_result *res, struct tn_err *err);

/* ---- maintenance ---- */

struct delta_optimize_opts {
	const struct delta_pred *where;   /* partitions to optimize (partition columns
					     only), NULL for all (borrowed) */
	const char *const *zorder_by;     /* Z-order by these data columns, or NULL */
	size_t nzorder_by;
	int64_t target_size;              /* bytes; 0: delta.targetFileSize, else 128 MiB */
	size_t min_files;                 /* files a bin needs to be compacted; 0: 2 */
};

struct delta_optimize_result {
	int64_t version;                  /* the commit, -1 when nothing was rewritten */
	int64_t files_considered;         /* active files in the partitions chosen */
	int64_t files_removed, bytes_removed, files_added, bytes_added;
	int64_t dvs_removed;              /* removed files that had a deletion vector */
	int64_t partitions_optimized;
	int64_t min_file_size, max_file_size; /* of the files added */
};

/* OPTIMIZE inside tx (the caller commits): rearrange files without
 * changing rows, adds and removes marked dataChange false, operation
 * OPTIMIZE with Spark's parameters and metrics. Without Z-order, per
 * partition, files smaller than the target (and any file with a deletion
 * vector) are packed, smallest first, into bins of up to the target size;
 * each bin of min_files or more files (or a single file with a deletion
 * vector) is rewritten as one file of its live rows. With Z-order, every
 * file of each partition is rewritten: rows sorted by the interleaved bits
 * of each column's rank, cut into files of about the target size (the
 * partition's rows are held in memory). Removing files a concurrent commit
 * also removed is a conflict at commit; concurrent appends are not.
 * TN_EINVAL for a filter on data columns, or a Z-order column that is
 * unknown, nested or a partition column. */
int delta_optimize_tx(struct delta_tx *tx, const struct delta_optimize_opts *o,
		      struct delta_optimize_result *res, struct tn_err *err);
/* Begin, optimize and commit (no commit when nothing needs rewriting). */
int delta_optimize(struct store *st, const char *root, const struct delta_optimize_opts *o,
		   struct delta_optimize_result *res, struct tn_err *err);

struct delta_vacuum_opts {
	int64_t retention_ms; /* < 0: delta.deletedFileRetentionDuration, else 7 days */
	bool dry_run;         /* list, delete nothing, commit nothing */
	bool force;           /* allow a retention below the table's */
};

struct delta_vacuum_result {
	int64_t retention_ms;          /* the retention used */
	int64_t oldest_version;        /* the version current at now - retention */
	size_t nfiles;                 /* files deleted (or, in a dry run, to delete) */
	int64_t bytes;
	char **paths;                  /* their store paths, sorted; owned */
	int64_t start_version, end_version; /* VACUUM START / END commits, or -1 */
};

/* VACUUM: delete the files under root (recursively, leaving out _delta_log
 * and other names starting with '_' or '.', but not _change_data or
 * partition directories) that no version committed within the retention
 * period references (data, change data and deletion-vector files of the
 * version current at now - retention and of every commit since), and that
 * are themselves older than the retention (a file a running writer has
 * not committed yet is younger). Commits VACUUM START and VACUUM END
 * (commitInfo only) around the deletion. TN_EINVAL for a retention below
 * the table's unless force, or an unreadable retention property. Free the
 * result with delta_vacuum_result_done. */
int delta_vacuum(struct store *st, const char *root, const struct delta_vacuum_opts *o,
		 struct delta_vacuum_result *res, struct tn_err *err);
void delta_vacuum_result_done(struct delta_vacuum_result *r);
/* "interval 7 days", "168 hours", "interval 1 week 2 days" (weeks, days,
 * hours, minutes, seconds, milliseconds, microseconds) in milliseconds.
 * TN_EINVAL when it is none. */
int delta_interval_parse(const char *s, int64_t *ms, struct tn_err *err);

struct delta_restore_opts {
	int64_t version;      /* the version to restore, or -1 to go by timestamp */
	int64_t timestamp_us; /* with version -1: the version current at this time */
};

struct delta_restore_result {
	int64_t version;          /* the commit */
	int64_t restored_version; /* the version whose state it has */
	int64_t files_restored, bytes_restored, files_removed, bytes_removed;
	int64_t files_after, bytes_after;
};

/* RESTORE: one commit that makes the table's files those of an earlier
 * version (removing files active now but not then, adding back files of
 * then by path and deletion vector, with their statistics), its metaData
 * too, and a protocol that is the union of both (never lower). Operation
 * RESTORE with Spark's parameters and metrics. TN_ENOENT naming a file the
 * version needs that is gone (vacuumed); TN_EINVAL for a version or time
 * the log does not hold. */
int delta_restore(struct store *st, const char *root, const struct delta_restore_opts *o,
		  struct delta_restore_result *res, struct tn_err *err);

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
