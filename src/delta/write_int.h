/* write_int.h - the writing side inside src/delta: data file sinks
 * (partitioned Parquet files with statistics) and schema JSON. */
#ifndef DELTA_WRITE_INT_H
#define DELTA_WRITE_INT_H

#include "delta/delta_int.h"

/* Column mapping modes (delta.columnMapping.mode). */
enum delta_map_mode { DELTA_MAP_NONE, DELTA_MAP_NAME, DELTA_MAP_ID };

int delta_map_mode_of(const char *property);

/* A data file a sink wrote (not yet committed). */
struct delta_out_file {
	char *path;                    /* relative to the root, not URI-encoded */
	char **pv;                     /* partition values (NULL for null), per partition column */
	uint64_t size;
	int64_t rows;
	char *stats;                   /* statistics JSON, or NULL (change data files) */
};

struct delta_sink_opts {
	const struct tn_schema *schema;  /* logical columns of the batches written */
	char *const *partition_columns;  /* names, in the table's order */
	size_t npartition_columns;
	int map_mode;                    /* enum delta_map_mode */
	int stats_cols;                  /* columns with statistics; < 0: all */
	const char *prefix;              /* directory under the root ("" or "_change_data") */
	bool cdc;                        /* the batches' last column is _change_type: no stats */
	int64_t file_rows;               /* roll to a new file after this many rows (0: 8 Mi) */
};

struct delta_sink;

int delta_sink_open(struct store *st, const char *root, const struct delta_sink_opts *o,
		    struct delta_sink **out, struct tn_err *err);
/* Write the rows of b (its columns are the sink's schema, in order). */
int delta_sink_write(struct delta_sink *k, const struct tn_batch *b, struct tn_err *err);
/* Close every open file. */
int delta_sink_finish(struct delta_sink *k, struct tn_err *err);
size_t delta_sink_nfiles(const struct delta_sink *k);
const struct delta_out_file *delta_sink_file(const struct delta_sink *k, size_t i);
/* Free k; with remove, delete every file it wrote (open ones are aborted). */
void delta_sink_free(struct delta_sink *k, bool remove);

/* The Delta JSON of a field (with its column-mapping metadata when it has
 * a physical name or field id) and of a type. TN_EUNSUPPORTED for a type a
 * Delta table cannot hold. */
cJSON *delta_field_json(const struct tn_field *f, struct tn_err *err);
cJSON *delta_type_json(const struct tn_type *t, struct tn_err *err);

/* The text form of a partition value (as the log holds it) of row i of v,
 * or NULL for a null. Caller frees. */
char *delta_partition_text(const struct tn_vec *v, size_t i);


/* Write rows rewritten from existing files (copied or updated): like
 * delta_tx_write, but never change data of their own. */
int delta_tx_write_copy(struct delta_tx *tx, const struct tn_batch *b, struct tn_err *err);

/* Close the data files being written, so that the rows written next go
 * to new files (one OPTIMIZE bin, one file). */
int delta_tx_flush(struct delta_tx *tx, struct tn_err *err);
/* The table's root, as the transaction was given it. */
const char *delta_tx_root(const struct delta_tx *tx);

/* Whether path is a data file this transaction wrote (and no later change
 * of it dropped again): a file of its view that was never committed. */
bool delta_tx_file_is_new(const struct delta_tx *tx, const char *path);

/* The sink of the new data files, or NULL before the first write. */
const struct delta_sink *delta_tx_data_sink(const struct delta_tx *tx);
/* RESTORE: take s's metaData when it differs from the transaction's, and
 * raise the protocol to the union of both (never lowering it). */
int delta_tx_restore_metadata(struct delta_tx *tx, const struct delta_snapshot *s,
			      struct tn_err *err);

/* Call fn with each batch of the live rows of f, an active file of s (all
 * the table's columns), and their indexes in the data file. Stops at fn's
 * first error. */
typedef int (*delta_rows_fn)(void *ctx, const struct tn_batch *rows, const int64_t *row_index,
			     struct tn_err *err);
int delta_scan_file_each(struct delta_snapshot *s, const struct delta_file *f, delta_rows_fn fn,
			 void *ctx, struct tn_err *err);

/* What a transaction has written so far. */
struct delta_tx_totals {
	int64_t files, bytes, rows;  /* data files */
	int64_t cdc_files, cdc_bytes; /* change data files */
};

/* Close the transaction's open data and change data files (later writes
 * start new ones), so that they count, and sum them. */
int delta_tx_totals(struct delta_tx *tx, struct delta_tx_totals *t, struct tn_err *err);

/* A filter over rows, bound to the rows' schema when first used (and
 * again when it changes). */
struct delta_rows_pred {
	const struct delta_pred *p; /* NULL: every row passes (borrowed) */
	struct bpred *bp;
	const struct tn_schema *bound;
};

/* pass[i] = 1 for the rows of b for which rp->p is true, else 0.
 * TN_EINVAL when it names a column b lacks. */
int delta_rows_pred_eval(struct delta_rows_pred *rp, const struct tn_batch *b, uint8_t *pass,
			 struct tn_err *err);
void delta_rows_pred_done(struct delta_rows_pred *rp);

/* A JSON array of strings as text (Spark's form of list parameters).
 * Caller frees. */
char *delta_json_list_text(const char *const *items, size_t n);

/* delta_tx_set_operation with the parameters as a JSON object, which the
 * transaction takes. */
void delta_tx_set_operation_params(struct delta_tx *tx, const char *op, cJSON *params);

/* A random version-4 UUID as text. */
void delta_uuid4(char out[37]);
/* The same, with its 16 bytes too. */
void delta_uuid4_bytes(uint8_t b[16], char out[37]);

#endif
