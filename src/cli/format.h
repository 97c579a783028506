/* format.h - writing batches to stdout in the command line's output formats. */
#ifndef TARN_CLI_FORMAT_H
#define TARN_CLI_FORMAT_H

#include <stdio.h>

#include "base/err.h"
#include "base/vec.h"

enum cli_format {
	CLI_FMT_TABLE,    /* aligned columns for people */
	CLI_FMT_CSV,      /* RFC 4180, header row */
	CLI_FMT_TSV,      /* tab-separated, header row, tabs/newlines escaped */
	CLI_FMT_JSON,     /* one JSON array of row objects */
	CLI_FMT_JSONL,    /* canonical rows, one JSON object per line */
	CLI_FMT_MARKDOWN, /* a Markdown table */
};

/* The names accepted by --format, for usage text. */
#define CLI_FORMAT_NAMES "table, csv, tsv, json, jsonl, markdown"

/* Parse a --format value. TN_EINVAL naming the valid ones otherwise. */
int cli_format_parse(const char *name, enum cli_format *out, struct tn_err *err);

struct cli_writer;

/* A writer of rows with the given schema (borrowed; must outlive it). */
struct cli_writer *cli_writer_new(FILE *out, enum cli_format fmt, const struct tn_schema *schema);
/* Write rows [0, n) of b (n <= b->nrows). The table format lays out its
 * columns from the first rows it sees. */
int cli_writer_rows(struct cli_writer *w, const struct tn_batch *b, size_t n, struct tn_err *err);
/* Finish (closing brackets, table footer) and flush. TN_EIO if the output
 * could not be written. */
int cli_writer_finish(struct cli_writer *w, struct tn_err *err);
void cli_writer_free(struct cli_writer *w);

/* A source of batches: fills b (reset by the source), b->nrows == 0 at the end. */
typedef int (*cli_next_fn)(void *src, struct tn_batch *b, struct tn_err *err);
/* Write every batch from next(src) (at most limit rows; limit < 0: all)
 * and finish. b is the caller's batch, left for it to free. Returns the
 * first error from the source or the writer. */
int cli_writer_stream(struct cli_writer *w, cli_next_fn next, void *src, struct tn_batch *b,
		      int64_t limit, struct tn_err *err);

#endif
