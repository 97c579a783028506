/* resultset.h - the rows of one result as display text, with bounded
 * memory whatever their number (the Results pane's model).
 *
 * One thread appends (the query worker), one thread reads (the UI).
 * Appended rows go to an open chunk; a chunk is sealed when it holds
 * RS_CHUNK_ROWS rows or RS_CHUNK_BYTES bytes, or on rs_flush, and then
 * written to an unlinked temporary file. Readers see sealed chunks only.
 * A small LRU cache (at most RS_CACHE_BYTES, RS_CACHE_CHUNKS chunks) keeps
 * recently read chunks in memory; reading a row outside it loads its
 * chunk with one pread. The index of chunks is behind a mutex that is
 * held only to look up or publish an entry, never across file I/O. */
#ifndef TARN_TUI_RESULTSET_H
#define TARN_TUI_RESULTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/vec.h"

#define RS_CHUNK_ROWS	1024
#define RS_CHUNK_BYTES	(2u << 20)
#define RS_CACHE_CHUNKS 16
#define RS_CACHE_BYTES	(24u << 20)
/* Column width estimates look at this many rows and stop growing there. */
#define RS_WIDTH_ROWS 1000
/* No column is estimated wider than this (display columns). */
#define RS_WIDTH_MAX 40

struct resultset;

struct rs_col {
	char *name;   /* owned */
	char *type;   /* Spark type name ("bigint", "decimal(10,2)"), owned */
	bool numeric; /* right-aligned */
	int width;    /* estimate from the name and the first rows, capped */
};

/* A result set with the columns of schema (copied). */
struct resultset *rs_new(const struct tn_schema *schema);
/* Columns given as names and type names; numeric[i] right-aligns. */
struct resultset *rs_new_cols(size_t ncols, const char *const *names, const char *const *types,
			      const bool *numeric);
void rs_free(struct resultset *rs);

/* ---- the appending thread ---- */

/* Append one row: cells[i] is the text of column i (lens[i] bytes; lens
 * may be NULL for NUL-terminated text), NULL for SQL NULL. TN_EIO when
 * the temporary file cannot be written; TN_ETOOBIG for a row over 1 GiB. */
int rs_append_row(struct resultset *rs, const char *const *cells, const size_t *lens,
		  struct tn_err *err);
/* Append rows [from, from + n) of a batch as display text (tn_value_text). */
int rs_append_batch(struct resultset *rs, const struct tn_batch *b, size_t from, size_t n,
		    struct tn_err *err);
/* Seal the open chunk so that readers see every row appended so far. */
int rs_flush(struct resultset *rs, struct tn_err *err);
/* Flush, then mark that no more rows come. */
int rs_finish(struct resultset *rs, struct tn_err *err);

/* ---- the reading thread ---- */

size_t rs_ncols(const struct resultset *rs);
/* Column i. Its width may grow while the first rows arrive. */
struct rs_col rs_col(struct resultset *rs, size_t i);
/* Rows readers can see, and whether the end of the result was reached. */
int64_t rs_rows(struct resultset *rs);
bool rs_complete(struct resultset *rs);
/* Cell (row, col): *text points into the cache and stays valid until the
 * next rs_cell or rs_row on this resultset; NULL for SQL NULL. *len may
 * be NULL. TN_EINVAL for a row not yet visible; TN_EIO if the chunk
 * cannot be read back. */
int rs_cell(struct resultset *rs, int64_t row, size_t col, const char **text, size_t *len,
	    struct tn_err *err);

/* The heap bytes the result set holds now (index, cache, open chunk,
 * columns): what its bound is about. Call it when nothing is appending. */
size_t rs_mem(struct resultset *rs);

#endif
