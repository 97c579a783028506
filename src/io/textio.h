/* textio.h - streaming readers of delimited text (CSV, TSV) and JSON lines
 * that turn a file into typed column batches, with the columns' types
 * inferred from the first rows or taken from a given schema. */
#ifndef TARN_TEXTIO_H
#define TARN_TEXTIO_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "base/vec.h"
#include "store/store.h"

enum tio_format {
	TIO_AUTO,  /* by the path's extension (tio_format_from_path) */
	TIO_CSV,   /* RFC 4180 delimited text */
	TIO_JSONL, /* one JSON object per line */
};

/* The string column that collects values that did not fit (opts.rescue). */
#define TIO_RESCUED_COLUMN "_rescued_data"

/* Bytes one record (a CSV record or a JSON line) may hold; longer is
 * TN_ETOOBIG naming the line. */
#define TIO_RECORD_MAX ((size_t)64 << 20)
/* Columns a file may have. */
#define TIO_COLUMNS_MAX 10000

struct tio_opts {
	int format;       /* enum tio_format */
	char delimiter;   /* CSV field delimiter; 0: tab for .tsv/.tab, else ',' */
	bool header;      /* CSV: the first record names the columns (default true);
			     without one they are column0, column1, ... */
	size_t infer_rows; /* records read to infer the types (default 10000) */
	/* Parse into these columns (borrowed until tio_open returns: the
	 * reader keeps a copy) instead of inferring them. CSV fields and JSON
	 * keys are matched to columns by name (exactly, else ignoring ASCII
	 * case), or by position for CSV without a header; columns the file
	 * lacks are null. Nested column types are TN_EUNSUPPORTED. */
	const struct tn_schema *schema;
	/* Keep going past values that do not fit their column's type (and
	 * fields or keys that are not columns): they become null and the row's
	 * TIO_RESCUED_COLUMN string holds them as a JSON object, {"col":"text",
	 * ..., "_file_path":"path"}; null when nothing was rescued. The column
	 * is added at the end unless the schema has it. Without rescue such a
	 * value is an error naming the file, line and column. */
	bool rescue;
	size_t batch_rows; /* rows per batch at most (default 4096) */
};

/* Defaults: TIO_AUTO, ',' (tab for .tsv), a header, 10000 rows of
 * inference, no schema, no rescue, 4096-row batches. */
void tio_opts_init(struct tio_opts *o);

/* The format a path's extension names: TIO_CSV for .csv, .tsv and .tab,
 * TIO_JSONL for .json, .jsonl and .ndjson (any case), else TIO_AUTO. */
int tio_format_from_path(const char *path);

struct tio_reader;

/* Open the text file at path in store st (borrowed; must outlive the
 * reader). Without a schema, reads the first infer_rows records to infer
 * the columns, then starts again from the top: memory is bounded by a
 * batch and one record, never the file.
 *
 * CSV: RFC 4180: fields quoted with '"' may hold the delimiter, newlines
 * and "" for a quote; records end with LF, CRLF or CR; a UTF-8 byte order
 * mark is skipped; empty lines are skipped; an empty unquoted field is
 * null, and so is an empty quoted one in a column that is not a string.
 * Inferred types: boolean (true/false), bigint, double, date (YYYY-MM-DD),
 * timestamp (ISO-8601, 'T' or space, optional fraction and zone; no zone
 * is UTC), else string; bigint and double make double, date and timestamp
 * make timestamp, any other mix string. Header names that are empty become
 * columnN (N the 0-based position) and repeated ones get _1, _2, ...
 *
 * JSON lines: each non-blank line is one object; columns are the keys in
 * order of first appearance; true/false boolean, numbers bigint when every
 * one is an integer (in range) else double, strings string (dates stay
 * strings), objects and arrays a string of their compact JSON text, and
 * any mix string. An absent key or null is null.
 *
 * Errors name the file and, for bad input, the line (and CSV column):
 * TN_ENOENT, TN_EINVAL (a bad option, an unknown format, a header column
 * not in the schema), TN_ECORRUPT (malformed text), TN_ETOOBIG,
 * TN_EUNSUPPORTED. On error *out is NULL. */
int tio_open(struct store *st, const char *path, const struct tio_opts *o,
	     struct tio_reader **out, struct tn_err *err);
/* NULL is a no-op. */
void tio_close(struct tio_reader *r);

/* The schema of the batches. Owned by the reader. */
const struct tn_schema *tio_schema(const struct tio_reader *r);

/* Read the next batch into b (done with tn_batch_done by the caller, or
 * passed again: it is reset first). b->nrows is 0 at the end. The values
 * live in b's arena: they stay valid after the next call if b is not
 * reused. Errors name the file, line and column; after one the reader
 * returns it again. */
int tio_next(struct tio_reader *r, struct tn_batch *b, struct tn_err *err);

#endif
