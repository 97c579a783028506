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

/* One file's pass: the scan's batch without its row-index column. Its
 * columns are those of `cols` (the scan's, the same for every file, and
 * living as long as `cols`): a callback may keep what it bound to them
 * from file to file. */
static void view_of(const struct tn_schema *cols, const struct tn_batch *b,
		    struct tn_schema *vs, struct tn_batch *v)
{
	vs->ncols = b->schema->ncols - 1;
	vs->cols = cols->cols;
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
		view_of(&s->schema, &b, &vs, &v);
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
		/* the transaction's schema (the view's, but a callback's
		 * bindings may outlive the view, freed after the rewrite) */
		view_of(delta_tx_schema(tx), &b, &vs, &v);
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

/* The rewrite works on the transaction's view, so that it sees what the
 * transaction did before: files it removed are gone, vectors it set apply,
 * and files it wrote are there. Those were never committed: they are
 * rewritten (copy-on-write) whatever the table's setting, and dropped. */
int delta_tx_rewrite(struct delta_tx *tx, const struct delta_pred *where, delta_row_fn fn,
		     void *ctx, struct delta_rewrite_result *res, struct tn_err *err)
{
	struct delta_snapshot *s = NULL;
	struct bpred *bp = NULL;
	char *const *pc;
	size_t np = delta_tx_partition_columns(tx, &pc);
	const char *mode = delta_tx_property(tx, "delta.columnMapping.mode");
	bool physical = delta_map_mode_of(mode) != DELTA_MAP_NONE;
	bool dv_on = delta_tx_dv_enabled(tx);
	int rc;

	struct delta_tx_totals before, after;

	memset(res, 0, sizeof(*res));
	rc = delta_tx_totals(tx, &before, err);
	if (rc == TN_OK)
		rc = delta_tx_read(tx, where, err);
	if (rc == TN_OK)
		rc = delta_tx_view(tx, &s, err);
	if (rc == TN_OK && where != NULL)
		rc = delta_bpred_bind(where, &s->schema, &bp, err);
	for (size_t i = 0; rc == TN_OK && i < s->nfiles; i++) {
		const struct delta_file *f = s->files[i];
		bool is_new = delta_tx_file_is_new(tx, f->path), use_dv = dv_on && !is_new;
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
			if (use_dv &&
			    /* every live row gone: drop the file instead */
			    !(f->num_records >= 0 &&
			      (int64_t)delta_dv_cardinality(changed) +
					      (f->has_dv ? f->dv.cardinality : 0) >=
				      f->num_records)) {
				if (f->has_dv)
					res->dvs_updated++;
				else
					res->dvs_added++;
				rc = delta_tx_delete_rows(tx, f, changed, err);
			} else {
				if (!use_dv)
					rc = copy_kept(tx, s, f, (const uint8_t *)acts.data, acts.len,
						       res, err);
				if (rc == TN_OK)
					rc = delta_tx_remove(tx, f, err);
				if (!is_new) {
					res->files_removed++;
					res->bytes_removed += f->size;
					res->dvs_removed += f->has_dv;
				}
			}
		}
		tn_buf_done(&acts);
		delta_dv_free(changed);
	}
	delta_bpred_free(bp);
	delta_snapshot_free(s);
	if (rc == TN_OK)
		rc = delta_tx_totals(tx, &after, err);
	res->files_added = after.files - before.files;
	res->bytes_added = after.bytes - before.bytes;
	res->cdc_files = after.cdc_files - before.cdc_files;
	return rc;
}

/* ---- commitInfo ---- */

char *delta_json_list_text(const char *const *items, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	char *s;

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(items[i]));
	s = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return s;
}

void delta_rewrite_commit_info(struct delta_tx *tx, const char *op, const struct delta_pred *where,
			       const struct delta_rewrite_result *res)
{
	char *text = where ? delta_pred_text(where) : NULL;
	const char *one = text;
	char *list = delta_json_list_text(&one, text ? 1 : 0);
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "predicate", list);
	delta_tx_set_operation_params(tx, op, o);
	free(list);
	free(text);
	delta_tx_set_metric(tx, strcmp(op, "DELETE") == 0 ? "numDeletedRows" : "numUpdatedRows",
			    strcmp(op, "DELETE") == 0 ? res->rows_deleted : res->rows_updated);
	delta_tx_set_metric(tx, "numCopiedRows", res->rows_copied);
	delta_tx_set_metric(tx, "numAddedFiles", res->files_added);
	delta_tx_set_metric(tx, "numRemovedFiles", res->files_removed);
	delta_tx_set_metric(tx, "numAddedBytes", res->bytes_added);
	delta_tx_set_metric(tx, "numRemovedBytes", res->bytes_removed);
	delta_tx_set_metric(tx, "numAddedChangeFiles", res->cdc_files);
	delta_tx_set_metric(tx, "numDeletionVectorsAdded", res->dvs_added);
	delta_tx_set_metric(tx, "numDeletionVectorsUpdated", res->dvs_updated);
	delta_tx_set_metric(tx, "numDeletionVectorsRemoved", res->dvs_removed);
}

/* ---- predicates over the rows ---- */

int delta_rows_pred_eval(struct delta_rows_pred *rp, const struct tn_batch *b, uint8_t *pass,
			 struct tn_err *err)
{
	if (rp->p == NULL) {
		memset(pass, 1, b->nrows);
		return TN_OK;
	}
	if (rp->bp == NULL || rp->bound != b->schema) {
		int rc;

		delta_bpred_free(rp->bp);
		rp->bp = NULL;
		rc = delta_bpred_bind(rp->p, b->schema, &rp->bp, err);
		if (rc != TN_OK)
			return rc;
		rp->bound = b->schema;
	}
	delta_bpred_rows(rp->bp, b, pass); /* drop[i]: not true */
	for (size_t i = 0; i < b->nrows; i++)
		pass[i] = !pass[i];
	return TN_OK;
}

void delta_rows_pred_done(struct delta_rows_pred *rp)
{
	delta_bpred_free(rp->bp);
	rp->bp = NULL;
}

/* ---- delete ---- */

static int delete_fn(void *ctx, const struct tn_batch *rows, uint8_t *act, struct tn_batch *upd,
		     struct tn_err *err)
{
	int rc = delta_rows_pred_eval(ctx, rows, act, err);

	(void)upd;
	for (size_t i = 0; rc == TN_OK && i < rows->nrows; i++)
		act[i] = act[i] ? DELTA_ROW_DELETE : DELTA_ROW_KEEP;
	return rc;
}

int delta_tx_delete_where(struct delta_tx *tx, const struct delta_pred *where,
			  struct delta_rewrite_result *res, struct tn_err *err)
{
	struct delta_snapshot *s = NULL;
	struct delta_rows_pred d = {where, NULL, NULL};
	int rc;

	memset(res, 0, sizeof(*res));
	if (where == NULL && !delta_tx_cdf_enabled(tx)) {
		/* Everything goes: remove every file without reading it. */
		rc = delta_tx_read(tx, NULL, err);
		if (rc == TN_OK)
			rc = delta_tx_view(tx, &s, err);
		for (size_t i = 0; rc == TN_OK && i < s->nfiles; i++) {
			const struct delta_file *f = s->files[i];

			if (delta_tx_file_is_new(tx, f->path)) {
				rc = delta_tx_remove(tx, f, err); /* dropped, never committed */
				if (f->num_records >= 0)
					res->rows_deleted += f->num_records;
				continue;
			}
			rc = delta_tx_remove(tx, f, err);
			res->files_removed++;
			res->bytes_removed += f->size;
			res->dvs_removed += f->has_dv;
			if (f->num_records >= 0)
				res->rows_deleted += f->num_records - (f->has_dv ? f->dv.cardinality : 0);
		}
	} else {
		rc = delta_tx_rewrite(tx, where, delete_fn, &d, res, err);
		delta_rows_pred_done(&d);
	}
	delta_snapshot_free(s);
	if (rc == TN_OK)
		delta_rewrite_commit_info(tx, "DELETE", where, res);
	return rc;
}
