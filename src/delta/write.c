/* write.c - writing rows to a Delta table: append, overwrite of the whole
 * table, and overwrite of the rows matching a predicate (replaceWhere),
 * creating the table when there is none. One transaction (txn.c) each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "delta/pred_int.h"
#include "delta/write_int.h"

struct delta_writer {
	struct delta_tx *tx;
	struct bpred *replace;   /* replaceWhere bound to the table's schema */
	char *root;
	int64_t rows;
};

/* commitInfo.operationParameters of a write: mode, partitionBy and, for
 * replaceWhere, the predicate. */
static void set_write_operation(struct delta_tx *tx, const char *op, const char *mode,
				const char *predicate)
{
	char *const *pc;
	size_t np = delta_tx_partition_columns(tx, &pc);
	char *parts = delta_json_list_text((const char *const *)pc, np);
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "mode", mode);
	cJSON_AddStringToObject(p, "partitionBy", parts);
	if (predicate)
		cJSON_AddStringToObject(p, "predicate", predicate);
	delta_tx_set_operation_params(tx, op, p);
	free(parts);
}

/* The columns of schema the table lacks (for mergeSchema). */
static int merge_schema(struct delta_tx *tx, const struct tn_schema *schema, struct tn_err *err)
{
	const struct tn_schema *ts = delta_tx_schema(tx);
	struct tn_field *add = tn_calloc(schema->ncols + 1, sizeof(*add));
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < schema->ncols; i++)
		if (tn_schema_find(ts, schema->cols[i].name) < 0)
			add[n++] = schema->cols[i]; /* shallow: copied by add_columns */
	rc = n ? delta_tx_add_columns(tx, add, n, err) : TN_OK;
	free(add);
	return rc;
}

int delta_writer_open_opts(struct store *st, const char *root, const struct tn_schema *schema,
			   const struct delta_write_opts *o, struct delta_writer **out,
			   struct tn_err *err)
{
	struct delta_writer *w = tn_calloc(1, sizeof(*w));
	int rc;

	*out = NULL;
	w->root = tn_strdup(root);
	if (!delta_is_table(st, root)) {
		struct delta_create_opts c = {schema, o->partition_by, o->npartition_by,
					      o->properties, o->nproperties, NULL, NULL};

		rc = delta_tx_create(st, root, &c, &w->tx, err);
		if (rc == TN_OK)
			set_write_operation(w->tx, "CREATE TABLE AS SELECT", "Append", NULL);
	} else {
		rc = delta_tx_begin(st, root, &w->tx, err);
		if (rc == TN_OK && o->merge_schema)
			rc = merge_schema(w->tx, schema, err);
		for (size_t i = 0; rc == TN_OK && i < o->nproperties; i++)
			rc = delta_tx_set_property(w->tx, o->properties[i].key, o->properties[i].value,
						   err);
		if (rc == TN_OK && o->mode == DELTA_OVERWRITE && o->replace_where != NULL) {
			struct delta_rewrite_result res;

			rc = delta_bpred_bind(o->replace_where, delta_tx_schema(w->tx), &w->replace, err);
			if (rc == TN_OK)
				rc = delta_tx_delete_where(w->tx, o->replace_where, &res, err);
			if (rc == TN_OK) {
				char *text = delta_pred_text(o->replace_where);

				set_write_operation(w->tx, "WRITE", "Overwrite", text);
				free(text);
				delta_tx_set_metric(w->tx, "numRemovedFiles", res.files_removed);
				delta_tx_set_metric(w->tx, "numDeletedRows", res.rows_deleted);
				delta_tx_set_metric(w->tx, "numCopiedRows", res.rows_copied);
			}
		} else if (rc == TN_OK && o->mode == DELTA_OVERWRITE) {
			struct delta_snapshot *s = delta_tx_snapshot(w->tx);

			rc = delta_tx_read(w->tx, NULL, err);
			for (size_t i = 0; rc == TN_OK && i < delta_snapshot_num_files(s); i++)
				rc = delta_tx_remove(w->tx, delta_snapshot_file(s, i), err);
			set_write_operation(w->tx, "WRITE", "Overwrite", NULL);
		} else if (rc == TN_OK) {
			set_write_operation(w->tx, "WRITE", "Append", NULL);
		}
	}
	if (rc != TN_OK) {
		delta_writer_abort(w);
		return rc;
	}
	*out = w;
	return TN_OK;
}

int delta_writer_open(struct store *st, const char *root, const struct tn_schema *schema,
		      int mode, struct delta_writer **out, struct tn_err *err)
{
	struct delta_write_opts o;

	memset(&o, 0, sizeof(o));
	o.mode = mode;
	return delta_writer_open_opts(st, root, schema, &o, out, err);
}

struct delta_tx *delta_writer_tx(struct delta_writer *w)
{
	return w->tx;
}

int delta_writer_write(struct delta_writer *w, const struct tn_batch *b, struct tn_err *err)
{
	if (w->replace != NULL && b->nrows > 0) {
		/* replaceWhere: every new row must match the predicate. */
		uint8_t *drop = tn_malloc(b->nrows);
		size_t kept;

		/* the predicate is bound to the table's columns: match by name */
		struct tn_batch view = *b;

		view.schema = delta_tx_schema(w->tx);
		kept = b->schema->ncols == view.schema->ncols ? delta_bpred_rows(w->replace, &view, drop)
							       : b->nrows;
		free(drop);
		if (kept < b->nrows)
			return tn_err_set(err, TN_EINVAL,
					  "%s: %zu rows to write do not match the replaceWhere "
					  "predicate; nothing was committed",
					  w->root, b->nrows - kept);
	}
	w->rows += (int64_t)b->nrows;
	return delta_tx_write(w->tx, b, err);
}

int delta_writer_commit(struct delta_writer *w, int64_t *version, struct tn_err *err)
{
	struct delta_tx *tx = w->tx;

	w->tx = NULL;
	delta_writer_abort(w);
	return delta_tx_commit(tx, version, err);
}

void delta_writer_abort(struct delta_writer *w)
{
	if (w == NULL)
		return;
	delta_tx_abort(w->tx);
	delta_bpred_free(w->replace);
	free(w->root);
	free(w);
}
