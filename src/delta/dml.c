/* dml.c - row-level changes inside a transaction: delete, update and the
 * merge primitive all come down to delta_tx_rewrite, which asks a callback
 * what happens to each live row of the files that may be affected, then
 * either marks the deleted and updated rows in deletion vectors or
 * rewrites the touched files (copy-on-write); untouched files stay. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "delta/pred_int.h"
#include "delta/write_int.h"

/* One file's pass: the scan's batch without its row-index column. */
static void view_of(const struct tn_batch *b, struct tn_schema *vs, struct tn_batch *v)
{
	vs->ncols = b->schema->ncols - 1;
	vs->cols = b->schema->cols;
	v->schema = vs;
	v->nrows = b->nrows;
	v->cols = b->cols;
	memset(&v->arena, 0, sizeof(v->arena));
}

int delta_scan_file_each(struct delta_snapshot *s, const struct delta_file *f, delta_rows_fn fn,
			 void *ctx, struct tn_err *err)
{
	struct delta_scan *sc;
	struct tn_batch b = {0};
	int rc = delta_scan_open_file(s, f, &sc, err);

	while (rc == TN_OK) {
		struct tn_schema vs;
		struct tn_batch v;

		rc = delta_scan_next(sc, &b, err);
		if (rc != TN_OK || b.nrows == 0)
			break;
		view_of(&b, &vs, &v);
		rc = fn(ctx, &v, b.cols[vs.ncols].values, err);
	}
	if (b.cols != NULL)
		tn_batch_done(&b);
	delta_scan_close(sc);
	return rc;
}

static int write_selected(struct delta_tx *tx, const struct tn_batch *b, const uint8_t *act,
			  int which, const char *change_type, bool as_copy, struct tn_err *err)
{
	uint8_t *keep = tn_malloc(b->nrows ? b->nrows : 1);
	struct tn_batch sel;
	size_t n = 0;
	int rc = TN_OK;

	for (size_t i = 0; i < b->nrows; i++)
		n += keep[i] = act[i] == which;
	if (n > 0) {
		tn_batch_select(&sel, b, keep);
		if (change_type)
			rc = delta_tx_write_changes(tx, &sel, change_type, err);
		else if (as_copy)
			rc = delta_tx_write_copy(tx, &sel, err);
		tn_batch_done(&sel);
	}
	free(keep);
	return rc;
}

/* The rows of one file: ask fn, write updated rows and change data, and
 * note the changed rows' indexes. *touched when any row changed. */
static int first_pass(struct delta_tx *tx, struct delta_snapshot *s, const struct delta_file *f,
		      delta_row_fn fn, void *ctx, bool use_dv, struct delta_dv *changed,
		      struct tn_buf *acts, bool *touched, struct delta_rewrite_result *res,
		      struct tn_err *err)
{
	struct delta_scan *sc;
	struct tn_batch b = {0};
	int rc = delta_scan_open_file(s, f, &sc, err);

	*touched = false;
	while (rc == TN_OK) {
		struct tn_schema vs;
		struct tn_batch v, upd;
		uint8_t *act;
		const int64_t *idx;

		rc = delta_scan_next(sc, &b, err);
		if (rc != TN_OK || b.nrows == 0)
			break;
		view_of(&b, &vs, &v);
		idx = b.cols[vs.ncols].values;
		act = tn_calloc(v.nrows, 1);
		{
			uint8_t *all = tn_malloc(v.nrows);

			memset(all, 1, v.nrows);
			tn_batch_select(&upd, &v, all);
			free(all);
		}
		rc = fn(ctx, &v, act, &upd, err);
		for (size_t i = 0; rc == TN_OK && i < v.nrows; i++) {
			if (act[i] > DELTA_ROW_UPDATE) {
				rc = tn_err_set(err, TN_EINTERNAL, "row action %d is not one", act[i]);
				break;
			}
			if (act[i] == DELTA_ROW_KEEP)
				continue;
			*touched = true;
			if (act[i] == DELTA_ROW_DELETE)
				res->rows_deleted++;
			else
				res->rows_updated++;
			if (use_dv)
				delta_dv_add(changed, (uint64_t)idx[i]);
		}
		if (rc == TN_OK)
			rc = write_selected(tx, &upd, act, DELTA_ROW_UPDATE, NULL, true, err);
		if (rc == TN_OK)
			rc = write_selected(tx, &v, act, DELTA_ROW_DELETE, "delete", false, err);
		if (rc == TN_OK)
			rc = write_selected(tx, &v, act, DELTA_ROW_UPDATE, "update_preimage", false, err);
		if (rc == TN_OK)
			rc = write_selected(tx, &upd, act, DELTA_ROW_UPDATE, "update_postimage", false,
					    err);
		if (rc == TN_OK && !use_dv)
			rc = tn_buf_append(acts, act, v.nrows, err);
		tn_batch_done(&upd);
		free(act);
	}
	if (b.cols != NULL)
		tn_batch_done(&b);
	delta_scan_close(sc);
	return rc;
}

struct copy_ctx {
	struct delta_tx *tx;
	const struct delta_file *f;
	const char *root;
	const uint8_t *acts;
	size_t nacts, pos;
	struct delta_rewrite_result *res;
};

static int copy_batch(void *ctx, const struct tn_batch *v, const int64_t *row_index,
		      struct tn_err *err)
{
	struct copy_ctx *c = ctx;
	int rc;

	(void)row_index;
	if (c->pos + v->nrows > c->nacts)
		return tn_err_set(err, TN_EIO, "%s: data file '%s' changed while it was rewritten",
				  c->root, c->f->path);
	for (size_t i = 0; i < v->nrows; i++)
		c->res->rows_copied += c->acts[c->pos + i] == DELTA_ROW_KEEP;
	rc = write_selected(c->tx, v, c->acts + c->pos, DELTA_ROW_KEEP, NULL, true, err);
	c->pos += v->nrows;
	return rc;
}

/* Copy-on-write: the rows fn kept go to new files. */
static int copy_kept(struct delta_tx *tx, struct delta_snapshot *s, const struct delta_file *f,
		     const uint8_t *acts, size_t nacts, struct delta_rewrite_result *res,
		     struct tn_err *err)
{
	struct copy_ctx c = {tx, f, delta_table_root(s->t), acts, nacts, 0, res};

	return delta_scan_file_each(s, f, copy_batch, &c, err);
}

int delta_tx_rewrite(struct delta_tx *tx, const struct delta_pred *where, delta_row_fn fn,
		     void *ctx, struct delta_rewrite_result *res, struct tn_err *err)
{
	struct delta_snapshot *s = delta_tx_snapshot(tx);
	struct bpred *bp = NULL;
	char *const *pc;
	size_t np = delta_tx_partition_columns(tx, &pc);
	const char *mode = delta_snapshot_property(s, "delta.columnMapping.mode");
	bool physical = delta_map_mode_of(mode) != DELTA_MAP_NONE;
	bool use_dv = delta_tx_dv_enabled(tx);
	int rc;

	memset(res, 0, sizeof(*res));
	if (s == NULL)
		return TN_OK; /* a table being created has no rows */
	rc = delta_tx_read(tx, where, err);
	if (rc == TN_OK && where != NULL)
		rc = delta_bpred_bind(where, &s->schema, &bp, err);
	for (size_t i = 0; rc == TN_OK && i < s->nfiles; i++) {
		const struct delta_file *f = s->files[i];
		struct delta_dv *changed = use_dv ? delta_dv_new() : NULL;
		struct tn_buf acts;
		bool touched;

		if (bp && delta_bpred_skip_file(bp, f, pc, np, physical)) {
			res->files_skipped++;
			delta_dv_free(changed);
			continue;
		}
		res->files_scanned++;
		tn_buf_init(&acts, 0);
		rc = first_pass(tx, s, f, fn, ctx, use_dv, changed, &acts, &touched, res, err);
		if (rc == TN_OK && touched) {
			if (use_dv) {
				if (f->has_dv)
					res->dvs_updated++;
				else
					res->dvs_added++;
				/* every live row gone: drop the file instead */
				if (f->num_records >= 0 &&
				    (int64_t)delta_dv_cardinality(changed) +
						    (f->has_dv ? f->dv.cardinality : 0) >=
					    f->num_records) {
					rc = delta_tx_remove(tx, f, err);
					res->files_removed++;
					res->bytes_removed += f->size;
				} else {
					rc = delta_tx_delete_rows(tx, f, changed, err);
				}
			} else {
				rc = copy_kept(tx, s, f, (const uint8_t *)acts.data, acts.len, res, err);
				if (rc == TN_OK)
					rc = delta_tx_remove(tx, f, err);
				res->files_removed++;
				res->bytes_removed += f->size;
			}
		}
		tn_buf_done(&acts);
		delta_dv_free(changed);
	}
	delta_bpred_free(bp);
	return rc;
}

/* ---- delete ---- */

static int delete_fn(void *ctx, const struct tn_batch *rows, uint8_t *act, struct tn_batch *upd,
		     struct tn_err *err)
{
	const struct delta_pred *where = ctx;
	struct bpred *bp;
	uint8_t *drop;
	int rc;

	(void)upd;
	if (where == NULL) {
		memset(act, DELTA_ROW_DELETE, rows->nrows);
		return TN_OK;
	}
	/* Bound for this batch: a batch's schema lives only as long as the
	 * scan of its file. */
	rc = delta_bpred_bind(where, rows->schema, &bp, err);
	if (rc != TN_OK)
		return rc;
	drop = tn_malloc(rows->nrows ? rows->nrows : 1);
	delta_bpred_rows(bp, rows, drop);
	for (size_t i = 0; i < rows->nrows; i++)
		act[i] = drop[i] ? DELTA_ROW_KEEP : DELTA_ROW_DELETE;
	free(drop);
	delta_bpred_free(bp);
	return TN_OK;
}

int delta_tx_delete_where(struct delta_tx *tx, const struct delta_pred *where,
			  struct delta_rewrite_result *res, struct tn_err *err)
{
	struct delta_snapshot *s = delta_tx_snapshot(tx);
	int rc;

	memset(res, 0, sizeof(*res));
	if (s == NULL)
		return TN_OK;
	if (where == NULL && !delta_tx_cdf_enabled(tx)) {
		/* Everything goes: remove every file without reading it. */
		rc = delta_tx_read(tx, NULL, err);
		for (size_t i = 0; rc == TN_OK && i < s->nfiles; i++) {
			const struct delta_file *f = s->files[i];

			rc = delta_tx_remove(tx, f, err);
			res->files_removed++;
			res->bytes_removed += f->size;
			if (f->num_records >= 0)
				res->rows_deleted += f->num_records - (f->has_dv ? f->dv.cardinality : 0);
		}
		return rc;
	}
	return delta_tx_rewrite(tx, where, delete_fn, (void *)where, res, err);
}
