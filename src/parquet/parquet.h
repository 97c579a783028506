/* parquet.h - reading and writing Parquet files as columnar batches. */
#ifndef TARN_PARQUET_H
#define TARN_PARQUET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/vec.h"
#include "parquet/meta.h"
#include "store/store.h"

/* ---------------------------------------------------------------- reading */

struct pq_read_opts {
	/* Verify page CRCs where the writer stored them (default true). */
	bool verify_crc;
	/* Rows per batch (default 4096 when 0). */
	size_t batch_rows;
	/* Top-level columns to read, by name, in this order; NULL for all. */
	const char *const *columns;
	size_t ncolumns;
};

/* Defaults: verify CRCs, 4096-row batches, every column. */
void pq_read_opts_init(struct pq_read_opts *o);

struct pq_reader;

/* Open the Parquet file at path in store st (borrowed; must outlive the
 * reader), read and check its footer and schema. Errors name the file:
 * TN_ENOENT, TN_ECORRUPT (not Parquet, a bad footer or schema),
 * TN_EUNSUPPORTED (encryption, a MAP without values, ...), TN_EINVAL (a
 * projected column that does not exist). opts may be NULL for defaults. */
int pq_reader_open(struct store *st, const char *path, const struct pq_read_opts *opts,
		   struct pq_reader **out, struct tn_err *err);
void pq_reader_close(struct pq_reader *r);

/* The schema of the batches (the projected columns). Owned by the reader. */
const struct tn_schema *pq_reader_schema(const struct pq_reader *r);
/* The file's decoded footer. Owned by the reader. */
const struct pq_file_meta *pq_reader_meta(const struct pq_reader *r);
/* Rows in the file (the footer's num_rows). */
int64_t pq_reader_num_rows(const struct pq_reader *r);

/* Read only the row groups whose keep[i] is true (nrg entries, the file's
 * row-group count), e.g. after pruning by statistics. Call before the first
 * pq_reader_next. */
int pq_reader_select_row_groups(struct pq_reader *r, const bool *keep, size_t nrg,
				struct tn_err *err);

/* Read the next batch into b (which must be done with tn_batch_done by the
 * caller after use, or passed again: it is reset first). b->nrows is 0 at
 * the end of the file. The batch's values (strings especially) point into
 * the reader's buffers: they are valid until the next pq_reader_next or
 * pq_reader_close. Errors name the file, row group, column and page. */
int pq_reader_next(struct pq_reader *r, struct tn_batch *b, struct tn_err *err);

/* The column index / offset index (page index) of leaf column `leaf` in row
 * group rg, decoded into arena a. TN_ENOENT when the file has none. */
int pq_reader_column_index(struct pq_reader *r, size_t rg, size_t leaf, struct tn_arena *a,
			   struct pq_column_index *out, struct tn_err *err);
int pq_reader_offset_index(struct pq_reader *r, size_t rg, size_t leaf, struct tn_arena *a,
			   struct pq_offset_index *out, struct tn_err *err);

/* Leaf (primitive) columns of the file, in footer order: count, and the
 * dotted path of one ("a.b.list.element"). */
size_t pq_reader_num_leaves(const struct pq_reader *r);
const char *pq_reader_leaf_path(const struct pq_reader *r, size_t leaf);

/* A statistics value (min/max of a chunk or page) of leaf column `leaf` as
 * canonical JSON appended to out: the plain-encoded physical bytes are
 * decoded and converted to the column's type. TN_ECORRUPT when the bytes
 * do not fit the type. */
int pq_reader_stat_json(const struct pq_reader *r, size_t leaf, const struct pq_binary *v,
			struct tn_buf *out, struct tn_err *err);
/* The output type of leaf column `leaf`. */
const struct tn_type *pq_reader_leaf_type(const struct pq_reader *r, size_t leaf);

#endif
