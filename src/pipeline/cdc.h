/* cdc.h - APPLY CHANGES INTO (pipeline/ internal): a batch of change rows
 * applied to a target table as SCD type 1 or 2 with Databricks' semantics,
 * by one MERGE INTO through the engine, so a batch is one Delta commit of
 * the target.
 *
 * Semantics (a: struct pl_apply; "the batch": the rows of batch_sql):
 * - Target columns: the source's columns in source order, minus COLUMNS *
 *   EXCEPT (...), or only those of COLUMNS (...); SCD2 adds __START_AT and
 *   __END_AT of the SEQUENCE BY expression's type. Keys must be among them.
 * - A change is a delete when APPLY AS DELETE WHEN holds (NULL: not a
 *   delete), else an upsert. No SEQUENCE BY: the batch's row order is the
 *   sequence (SCD1 only). A NULL key or NULL sequence value fails the batch.
 * - SCD1: per key only the batch's latest change counts (highest sequence;
 *   ties: the later row). A delete removes the key, an upsert updates or
 *   inserts it. When the SEQUENCE BY column is a plain column the target
 *   keeps, a change whose sequence is lower than the target row's is
 *   ignored (late data does not overwrite newer). No tombstones are kept
 *   (the target holds no hidden state and a side table would be a second
 *   commit): a delete in one batch followed, in a LATER batch, by an upsert
 *   with an older sequence re-inserts the key. Within a batch ordering is
 *   exact.
 * - SCD2: each key's history is rows [__START_AT, __END_AT) of sequence
 *   values, __END_AT NULL for the current row. Changes are placed in the
 *   key's timeline by sequence, including late ones: the timeline of every
 *   key the batch touches is rebuilt from its existing rows (each row an
 *   upsert at __START_AT; an __END_AT that starts no row is a delete) plus
 *   the batch's changes, and __END_AT is the next change's sequence. An
 *   upsert whose tracked columns (the target's non-key columns except the
 *   SEQUENCE BY column) equal those of the version just before it makes no
 *   new version; rows already in the target are never dropped by this rule.
 *   A delete ends the version before it and adds no row. A batch change at
 *   the sequence of an existing change of the key replaces it (the later
 *   arrival wins, as in SCD1): an existing version there is overwritten by
 *   an upsert, removed by a delete. Several changes of a key with one
 *   sequence in a batch: the later row. SEQUENCE BY is required.
 * Generated names start with __cdc_; source columns may not. */
#ifndef TARN_PIPELINE_CDC_H
#define TARN_PIPELINE_CDC_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "pipeline/pipeline.h"

struct tarn_engine;

/* What one batch did. */
struct cdc_stats {
	int64_t rows_read;     /* rows of the batch */
	int64_t inserted;      /* target rows the MERGE inserted, updated, deleted */
	int64_t updated;
	int64_t deleted;
	int64_t version;       /* the version committed; -1 when the caller's
				  transaction commits */
};

/* The target's column definitions for this source, as CREATE TABLE takes
 * them: "`id` bigint, `name` string, `__START_AT` bigint, `__END_AT`
 * bigint". target names the dataset in errors; batch_sql is a relation
 * over the source rows (the first rows are read to type expression
 * columns). *out: caller frees. Errors (TN_EINVAL) name the dataset and
 * the column: a key, sequence or listed column not in the source, a key
 * excluded from the target, a source column named __START_AT/__END_AT
 * (SCD2) or __cdc_*. */
int cdc_target_columns(struct tarn_engine *e, const struct pl_apply *a, const char *target,
		       const char *batch_sql, char **out, struct tn_err *err);

/* Create target (a name as SQL takes it) with cdc_target_columns' columns
 * and extra after them (e.g. "COMMENT 'x' TBLPROPERTIES (...)", NULL:
 * none) when it does not exist: a commit of its own (version 0). Call it
 * before opening the batch's transaction or setting its txn appId/version,
 * or the CREATE's commit would carry them. *created: whether it did. */
int cdc_target_create(struct tarn_engine *e, const struct pl_apply *a, const char *target,
		      const char *batch_sql, const char *extra, bool *created,
		      struct tn_err *err);

/* Apply the batch (batch_sql: a relation such as "(SELECT ... FROM t)") to
 * target, which must exist (TN_ENOENT otherwise) and hold every target
 * column. Outside a transaction, runs BEGIN; MERGE; COMMIT (settings made
 * before, such as the txn appId/version, go into that commit) and fills
 * st->version; inside the caller's transaction, only the MERGE (the caller
 * commits; st->version -1). On error nothing is committed (the engine ends
 * a transaction that fails) and err says "APPLY CHANGES INTO target: what
 * failed". st may be NULL. */
int cdc_apply(struct tarn_engine *e, const struct pl_apply *a, const char *target,
	      const char *batch_sql, struct cdc_stats *st, struct tn_err *err);

#endif
