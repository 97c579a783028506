/* vtab.h - SQLite virtual tables over tarn's storage (internal to sql/).
 *
 * Modules registered by sql_vtab_register; the session creates one temp
 * table per table reference of a statement, e.g.
 *   CREATE VIRTUAL TABLE temp."__t1" USING tarn_delta('/abs/root', 'v=3')
 * Arguments (SQL string literals):
 *   tarn_delta(root [, 'v=N' | 'ts=MICROS'])  a Delta table: the latest
 *       snapshot, version N or the version current at a time. Columns are
 *       the table's; rowid is not stable (no UPDATE/DELETE through it).
 *       INSERT goes through xUpdate (see sql_vtab_host).
 *   tarn_parquet(path)        a Parquet file, or every *.parquet file under
 *       a directory (one schema), read-only
 *   tarn_changes(root, from [, to])  the change data feed (delta_changes_open)
 *       with _change_type, _commit_version, _commit_timestamp
 *   tarn_files(path, format [, 'key=value' ...])  read_files: CSV, JSON
 *       lines or Parquet files (a file, a directory or a glob), read with
 *       src/io (options: header, delimiter, ...), schema inferred
 *   tarn_batch(ADDRESS)      the rows of a struct sql_batchtab (below)
 *
 * Column types are declared so that SQLite's affinity fits the value
 * mapping (ARCHITECTURE "SQL") and the Delta type can be read back from
 * sqlite3_column_decltype (sql_decltype / sql_decltype_parse in value.h).
 * Pushdown: xBestIndex takes =, <, <=, >, >=, !=, IS NULL, IS NOT NULL
 * (and IN) on top-level columns and xFilter turns them into a delta_pred,
 * so partitions, files and row groups are skipped; SQLite still checks
 * every row (omit is never set), so a predicate the scan cannot use only
 * costs speed. colUsed limits the columns read. */
#ifndef TARN_SQL_VTAB_H
#define TARN_SQL_VTAB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/vec.h"
#include "delta/delta.h"
#include "store/store.h"

/* What the virtual tables need from the session that owns the connection. */
struct sql_vtab_host {
	struct store *st;
	void *ctx;
	/* The open transaction of the current statement (or explicit
	 * transaction) on the Delta table at root, begun on first use. The
	 * host commits it when the statement (or COMMIT) ends; the vtab only
	 * writes rows into it. */
	int (*tx_for)(void *ctx, const char *root, struct delta_tx **tx, struct tn_err *err);
	/* When the session has an open transaction on root with changes,
	 * reads of the latest version see them: a snapshot of the table as
	 * the transaction leaves it (the host keeps it), else NULL. May be
	 * NULL. */
	struct delta_snapshot *(*tx_view)(void *ctx, const char *root);
	/* Called when a scan ends, with its metrics (EXPLAIN, tests, bench). May be NULL. */
	void (*scan_done)(void *ctx, const char *what, const struct delta_scan_metrics *m);
	/* Where a vtab puts the full error behind an SQLITE_ERROR it returns
	 * (the session reports this rather than SQLite's shorter text). */
	struct tn_err last_err;
};

/* Register the modules on db; host must outlive db. */
int sql_vtab_register(sqlite3 *db, struct sql_vtab_host *host, struct tn_err *err);

/* Flush rows an INSERT buffered in the vtabs of db into their
 * transactions (xSync does this; the session calls it before it commits
 * in case SQLite did not). */
int sql_vtab_flush(sqlite3 *db, struct tn_err *err);

/* ---- batches as tables: the row evaluator of DELETE, UPDATE, MERGE and
 * CHECK constraints ---- */

struct sql_batchtab;

/* Create temp table `name` (a tarn_batch vtab) with schema's columns
 * (borrowed: it must outlive the table) and no rows. rowid is the row's
 * index in the bound batch. */
int sql_batchtab_create(sqlite3 *db, const char *name, const struct tn_schema *schema,
			struct sql_batchtab **out, struct tn_err *err);
/* The rows the table shows from now on (borrowed; NULL: none). */
void sql_batchtab_bind(struct sql_batchtab *bt, const struct tn_batch *b);
/* Drop the table and free bt. NULL is a no-op. */
void sql_batchtab_drop(struct sql_batchtab *bt);

#endif
