/* parquet.h - reading and writing Parquet files as columnar batches. */
#ifndef TARN_PARQUET_H
#define TARN_PARQUET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/vec.h"
#include "parquet/codec.h"
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

/* Change the projection to columns (NULL: all), before the first
 * pq_reader_next: a caller can look at the file's schema first. TN_EINVAL
 * for a name not in the file. The schema returned before is freed. */
int pq_reader_project(struct pq_reader *r, const char *const *columns, size_t ncolumns,
		      struct tn_err *err);

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
/* The same value in the storage of the column's type (out: 16 bytes,
 * aligned; string views point into v). */
int pq_reader_stat_value(const struct pq_reader *r, size_t leaf, const struct pq_binary *v,
			 void *out, struct tn_err *err);
/* The leaf of a top-level primitive column, or -1 (nested or absent). */
int pq_reader_leaf_of_column(const struct pq_reader *r, const char *name);
/* The output type of leaf column `leaf`. */
const struct tn_type *pq_reader_leaf_type(const struct pq_reader *r, size_t leaf);

/* ---------------------------------------------------------------- writing
 *
 * A writer turns batches into one Parquet file: data page v1 with RLE
 * levels, values PLAIN or dictionary-encoded (a PLAIN dictionary page and
 * RLE_DICTIONARY data pages, falling back to PLAIN for the rest of a column
 * chunk when its dictionary grows too big), every page compressed with one
 * codec, column chunk statistics, and a footer that tarn, DuckDB, Spark and
 * Arrow read back as the batches' types (doc/ARCHITECTURE.md, "The Parquet
 * writer", has the type mapping). A row group's encoded pages are buffered
 * in memory and written when the row group is full; the file goes to a
 * temporary file that appears at its path only when pq_writer_close
 * succeeds. */

struct pq_write_opts {
	int codec;              /* PQ_CODEC_ZSTD (default), SNAPPY, GZIP, UNCOMPRESSED, LZ4_RAW */
	int level;              /* codec level (GZIP 1..9, ZSTD's range); PQ_LEVEL_DEFAULT (0) */
	size_t row_group_rows;  /* rows per row group (default 1048576) */
	size_t row_group_bytes; /* or when this many encoded bytes are buffered (default 128 MiB) */
	size_t page_bytes;      /* target data page size before compression (default 1 MiB) */
	bool dictionary;        /* try dictionary encoding (default true) */
	size_t dict_max_bytes;  /* fall back to PLAIN when a chunk's dictionary grows past this
				   (default 1 MiB, at most 1 GiB) */
	bool page_crc;          /* write page CRCs (default true) */
	const struct pq_key_value *kv; /* key-value metadata (copied by pq_writer_open) */
	size_t nkv;
};

/* What a successful pq_writer_close wrote. */
struct pq_write_result {
	uint64_t file_size;
	int64_t num_rows;
	size_t num_row_groups;
};

/* Defaults: ZSTD at its default level, 1 Mi-row / 128 MiB row groups,
 * 1 MiB pages, dictionary encoding with 1 MiB dictionaries, page CRCs, no
 * key-value metadata. A size of 0 in the options also means its default. */
void pq_write_opts_init(struct pq_write_opts *o);

struct pq_writer;

/* Start writing a Parquet file at path in store st (borrowed; must outlive
 * the writer) with the columns of schema (borrowed until close or abort).
 * opts may be NULL for defaults. Nothing is visible at path until
 * pq_writer_close succeeds. Errors: TN_EINVAL for options out of range (an
 * unknown codec or level, a key without a name) or a schema Parquet cannot
 * hold (no columns, an empty struct, a decimal of precision over 38, a
 * list without one element field, a map without key and value fields);
 * TN_EUNSUPPORTED for a codec tarn cannot write (LZO, BROTLI, LZ4) or
 * nesting deeper than the reader takes; TN_EIO and friends from the store.
 * On error *out is NULL and nothing is left behind. */
int pq_writer_open(struct store *st, const char *path, const struct tn_schema *schema,
		   const struct pq_write_opts *opts, struct pq_writer **out, struct tn_err *err);

/* Append every row of b (b->nrows; each column vector must hold at least
 * that many values). b->schema must be the writer's schema or equal to it
 * (same names, types and nullability). The batch is only read during the
 * call: its values are encoded (or copied) before this returns. Errors
 * name the column: TN_EINVAL for a schema that differs, a null in a column
 * or field that is not nullable (with the row, counted from 0 over all rows
 * written), a map with a null key, a value the Parquet type cannot hold (a
 * decimal wider than its precision, a UUID that is not 16 bytes, a
 * TIME(millis) past a day), or malformed vectors (offsets that decrease or
 * run past the children); TN_ETOOBIG for a page over 2 GiB; store errors
 * when a full row group is written. After an error the writer is broken:
 * pq_writer_close fails with the same error and removes the temporary
 * file. */
int pq_writer_write(struct pq_writer *w, const struct tn_batch *b, struct tn_err *err);

/* Write the buffered rows and the footer, and commit the file durably at
 * its path (replacing what was there). Frees w either way; on error nothing
 * is left at path (and a file that was there is unchanged). res (may be
 * NULL) gets the file's size, rows and row groups. */
int pq_writer_close(struct pq_writer *w, struct pq_write_result *res, struct tn_err *err);

/* Throw the file away and free w. NULL is a no-op. */
void pq_writer_abort(struct pq_writer *w);

#endif
