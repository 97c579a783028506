/* format.c - output formats for rows: table, csv, tsv, json, jsonl, markdown. */
#include "cli/format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "base/valfmt.h"

/* Table layout: columns are sized from the first TABLE_SAMPLE rows; longer
 * cells are cut with "…" at TABLE_MAX_WIDTH display columns. */
#define TABLE_SAMPLE 200
#define TABLE_MAX_WIDTH 40

struct cli_writer {
	FILE *out;
	enum cli_format fmt;
	const struct tn_schema *schema;
	uint64_t rows;
	struct tn_buf line;
	struct tn_buf cell;
	/* table */
	size_t *width;
	bool laid_out;
	/* table rows held until the layout is known: text cells, NUL-separated */
	struct tn_buf held;
	size_t held_rows;
};

static const struct {
	const char *name;
	enum cli_format fmt;
} format_names[] = {
	{"table", CLI_FMT_TABLE}, {"csv", CLI_FMT_CSV},     {"tsv", CLI_FMT_TSV},
	{"json", CLI_FMT_JSON},   {"jsonl", CLI_FMT_JSONL}, {"markdown", CLI_FMT_MARKDOWN},
};

int cli_format_parse(const char *name, enum cli_format *out, struct tn_err *err)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (strcmp(name, format_names[i].name) == 0) {
			*out = format_names[i].fmt;
			return TN_OK;
		}
	}
	return tn_err_set(err, TN_EINVAL, "unknown format '%s' (want one of: " CLI_FORMAT_NAMES ")",
			  name);
}

struct cli_writer *cli_writer_new(FILE *out, enum cli_format fmt, const struct tn_schema *schema)
{
	struct cli_writer *w = tn_calloc(1, sizeof(*w));

	w->out = out;
	w->fmt = fmt;
	w->schema = schema;
	w->width = tn_calloc(schema->ncols ? schema->ncols : 1, sizeof(*w->width));
	return w;
}

void cli_writer_free(struct cli_writer *w)
{
	if (w == NULL)
		return;
	tn_buf_done(&w->line);
	tn_buf_done(&w->cell);
	tn_buf_done(&w->held);
	free(w->width);
	free(w);
}

/* Display width of UTF-8 text: one column per code point (good enough for
 * the Latin, Greek and Cyrillic text tables mostly hold). */
static size_t display_width(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

/* Byte length of the prefix of s that fits in cols display columns. */
static size_t prefix_bytes(const char *s, size_t n, size_t cols)
{
	size_t w = 0, i = 0;

	for (; i < n; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (w == cols)
				break;
			w++;
		}
	}
	return i;
}

/* Text of one cell, with control characters made visible for one-line
 * formats. */
static int cell_text(struct cli_writer *w, const struct tn_vec *v, size_t i, struct tn_err *err)
{
	tn_buf_reset(&w->cell);
	return tn_value_text(&w->cell, v, i, w->fmt == CLI_FMT_CSV, err);
}

static int put_csv_field(struct tn_buf *line, const char *s, size_t n, bool is_null,
			 struct tn_err *err)
{
	int rc = TN_OK;

	if (is_null)
		return TN_OK;
	if (n == 0 || strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ' || s[n - 1] == ' ') {
		rc = tn_buf_putc(line, '"', err);
		for (size_t i = 0; rc == TN_OK && i < n; i++) {
			if (s[i] == '"')
				rc = tn_buf_putc(line, '"', err);
			if (rc == TN_OK)
				rc = tn_buf_putc(line, s[i], err);
		}
		return rc == TN_OK ? tn_buf_putc(line, '"', err) : rc;
	}
	return tn_buf_append(line, s, n, err);
}

/* TSV, Markdown and table cells are one line: escape what would break it. */
static int put_escaped(struct tn_buf *line, const char *s, size_t n, bool markdown,
		       struct tn_err *err)
{
	int rc = TN_OK;

	for (size_t i = 0; rc == TN_OK && i < n; i++) {
		switch (s[i]) {
		case '\t':
			rc = tn_buf_puts(line, "\\t", err);
			break;
		case '\n':
			rc = tn_buf_puts(line, "\\n", err);
			break;
		case '\r':
			rc = tn_buf_puts(line, "\\r", err);
			break;
		case '\\':
			rc = tn_buf_puts(line, markdown ? "\\\\" : "\\", err);
			break;
		case '|':
			rc = tn_buf_puts(line, markdown ? "\\|" : "|", err);
			break;
		default:
			rc = tn_buf_putc(line, s[i], err);
		}
	}
	return rc;
}

static int flush_line(struct cli_writer *w, struct tn_err *err)
{
	if (w->line.len == 0)
		return TN_OK;
	if (fwrite(w->line.data, 1, w->line.len, w->out) != w->line.len)
		return tn_err_sys(err, errno, "writing output");
	tn_buf_reset(&w->line);
	return TN_OK;
}

static int header(struct cli_writer *w, struct tn_err *err)
{
	const struct tn_schema *s = w->schema;
	int rc = TN_OK;

	for (size_t c = 0; rc == TN_OK && c < s->ncols; c++) {
		const char *name = s->cols[c].name;

		switch (w->fmt) {
		case CLI_FMT_CSV:
			if (c)
				rc = tn_buf_putc(&w->line, ',', err);
			if (rc == TN_OK)
				rc = put_csv_field(&w->line, name, strlen(name), false, err);
			break;
		case CLI_FMT_TSV:
			if (c)
				rc = tn_buf_putc(&w->line, '\t', err);
			if (rc == TN_OK)
				rc = put_escaped(&w->line, name, strlen(name), false, err);
			break;
		case CLI_FMT_MARKDOWN:
			rc = tn_buf_puts(&w->line, "| ", err);
			if (rc == TN_OK)
				rc = put_escaped(&w->line, name, strlen(name), true, err);
			if (rc == TN_OK)
				rc = tn_buf_putc(&w->line, ' ', err);
			break;
		default:
			break;
		}
	}
	if (rc == TN_OK && w->fmt == CLI_FMT_MARKDOWN) {
		rc = tn_buf_puts(&w->line, "|\n", err);
		for (size_t c = 0; rc == TN_OK && c < s->ncols; c++)
			rc = tn_buf_puts(&w->line, "|---", err);
		if (rc == TN_OK)
			rc = tn_buf_putc(&w->line, '|', err);
	}
	if (rc == TN_OK)
		rc = tn_buf_putc(&w->line, '\n', err);
	return rc == TN_OK ? flush_line(w, err) : rc;
}

/* ---- table ---- */

static int table_rule(struct cli_writer *w, struct tn_err *err)
{
	int rc = tn_buf_putc(&w->line, '+', err);

	for (size_t c = 0; rc == TN_OK && c < w->schema->ncols; c++) {
		for (size_t k = 0; rc == TN_OK && k < w->width[c] + 2; k++)
			rc = tn_buf_putc(&w->line, '-', err);
		if (rc == TN_OK)
			rc = tn_buf_putc(&w->line, '+', err);
	}
	if (rc == TN_OK)
		rc = tn_buf_putc(&w->line, '\n', err);
	return rc;
}

static bool right_aligned(const struct tn_type *t)
{
	return (t->kind >= TN_INT8 && t->kind <= TN_DECIMAL);
}

/* One table line from cells (each NUL-terminated, one after another). */
static int table_line(struct cli_writer *w, const char *cells, bool is_header, struct tn_err *err)
{
	int rc = tn_buf_putc(&w->line, '|', err);
	const char *p = cells;

	for (size_t c = 0; rc == TN_OK && c < w->schema->ncols; c++) {
		size_t n = strlen(p), dw = display_width(p, n), cut = n, pad;
		bool right = !is_header && right_aligned(&w->schema->cols[c].type);

		if (dw > w->width[c]) {
			cut = prefix_bytes(p, n, w->width[c] - 1);
			dw = w->width[c];
		}
		pad = w->width[c] - dw;
		rc = tn_buf_putc(&w->line, ' ', err);
		for (size_t k = 0; rc == TN_OK && right && k < pad; k++)
			rc = tn_buf_putc(&w->line, ' ', err);
		if (rc == TN_OK)
			rc = tn_buf_append(&w->line, p, cut, err);
		if (rc == TN_OK && cut < n)
			rc = tn_buf_puts(&w->line, "\xe2\x80\xa6", err); /* … */
		for (size_t k = 0; rc == TN_OK && !right && k < pad; k++)
			rc = tn_buf_putc(&w->line, ' ', err);
		if (rc == TN_OK)
			rc = tn_buf_puts(&w->line, " |", err);
		p += n + 1;
	}
	if (rc == TN_OK)
		rc = tn_buf_putc(&w->line, '\n', err);
	return rc;
}

static int table_layout(struct cli_writer *w, struct tn_err *err)
{
	struct tn_buf names = TN_BUF_INIT;
	const char *p = w->held.data;
	int rc = TN_OK;

	for (size_t c = 0; c < w->schema->ncols; c++) {
		const char *name = w->schema->cols[c].name;
		size_t dw = display_width(name, strlen(name));

		if (dw > w->width[c])
			w->width[c] = dw;
		if (w->width[c] > TABLE_MAX_WIDTH)
			w->width[c] = TABLE_MAX_WIDTH;
		if (w->width[c] < 1)
			w->width[c] = 1;
		tn_buf_append(&names, name, strlen(name) + 1, NULL);
	}
	w->laid_out = true;
	rc = table_rule(w, err);
	if (rc == TN_OK)
		rc = table_line(w, names.data ? names.data : "", true, err);
	if (rc == TN_OK)
		rc = table_rule(w, err);
	for (size_t r = 0; rc == TN_OK && r < w->held_rows; r++) {
		rc = table_line(w, p, false, err);
		for (size_t c = 0; c < w->schema->ncols; c++)
			p += strlen(p) + 1;
	}
	tn_buf_done(&names);
	tn_buf_done(&w->held);
	w->held_rows = 0;
	return rc == TN_OK ? flush_line(w, err) : rc;
}

static int table_rows(struct cli_writer *w, const struct tn_batch *b, size_t n, struct tn_err *err)
{
	int rc = TN_OK;

	for (size_t r = 0; rc == TN_OK && r < n; r++) {
		struct tn_buf *dst = w->laid_out ? &w->cell : &w->held;
		struct tn_buf row = TN_BUF_INIT;

		for (size_t c = 0; rc == TN_OK && c < w->schema->ncols; c++) {
			size_t start = row.len;

			rc = tn_value_text(&row, &b->cols[c], r, 0, err);
			if (rc != TN_OK)
				break;
			/* Cells are one line and hold no NUL. */
			for (size_t k = start; k < row.len; k++)
				if (row.data[k] == '\n' || row.data[k] == '\t' || row.data[k] == '\r' ||
				    row.data[k] == '\0')
					row.data[k] = ' ';
			if (!w->laid_out) {
				size_t dw = display_width(row.data + start, row.len - start);

				if (dw > w->width[c])
					w->width[c] = dw;
			}
			rc = tn_buf_putc(&row, '\0', err);
		}
		if (rc == TN_OK && !w->laid_out) {
			rc = tn_buf_append(dst, row.data, row.len, err);
			w->held_rows++;
			if (rc == TN_OK && w->held_rows >= TABLE_SAMPLE)
				rc = table_layout(w, err);
		} else if (rc == TN_OK) {
			rc = table_line(w, row.data, false, err);
			if (rc == TN_OK)
				rc = flush_line(w, err);
		}
		tn_buf_done(&row);
	}
	return rc;
}

/* ---- rows ---- */

int cli_writer_rows(struct cli_writer *w, const struct tn_batch *b, size_t n, struct tn_err *err)
{
	int rc = TN_OK;

	if (w->rows == 0 && n > 0 && w->fmt != CLI_FMT_TABLE && w->fmt != CLI_FMT_JSON &&
	    w->fmt != CLI_FMT_JSONL) {
		rc = header(w, err);
		if (rc != TN_OK)
			return rc;
	}
	if (w->fmt == CLI_FMT_TABLE) {
		rc = table_rows(w, b, n, err);
		w->rows += n;
		return rc;
	}
	for (size_t r = 0; rc == TN_OK && r < n; r++, w->rows++) {
		switch (w->fmt) {
		case CLI_FMT_JSON:
			rc = tn_buf_puts(&w->line, w->rows == 0 ? "[\n" : ",\n", err);
			if (rc == TN_OK)
				rc = tn_row_json(&w->line, b, r, err);
			break;
		case CLI_FMT_JSONL:
			rc = tn_row_json(&w->line, b, r, err);
			if (rc == TN_OK)
				rc = tn_buf_putc(&w->line, '\n', err);
			break;
		default:
			for (size_t c = 0; rc == TN_OK && c < b->schema->ncols; c++) {
				const struct tn_vec *v = &b->cols[c];

				if (w->fmt == CLI_FMT_MARKDOWN)
					rc = tn_buf_puts(&w->line, "| ", err);
				else if (c)
					rc = tn_buf_putc(&w->line, w->fmt == CLI_FMT_CSV ? ',' : '\t', err);
				if (rc == TN_OK)
					rc = cell_text(w, v, r, err);
				if (rc != TN_OK)
					break;
				if (w->fmt == CLI_FMT_CSV)
					rc = put_csv_field(&w->line, w->cell.data ? w->cell.data : "",
							   w->cell.len, tn_vec_is_null(v, r), err);
				else
					rc = put_escaped(&w->line, w->cell.data ? w->cell.data : "",
							 w->cell.len, w->fmt == CLI_FMT_MARKDOWN, err);
				if (rc == TN_OK && w->fmt == CLI_FMT_MARKDOWN)
					rc = tn_buf_putc(&w->line, ' ', err);
			}
			if (rc == TN_OK)
				rc = tn_buf_puts(&w->line, w->fmt == CLI_FMT_MARKDOWN ? "|\n" : "\n", err);
			break;
		}
		/* Write in chunks of a few KiB to keep memory flat. */
		if (rc == TN_OK && w->line.len >= 64 * 1024)
			rc = flush_line(w, err);
	}
	return rc == TN_OK ? flush_line(w, err) : rc;
}

int cli_writer_finish(struct cli_writer *w, struct tn_err *err)
{
	int rc = TN_OK;

	switch (w->fmt) {
	case CLI_FMT_TABLE:
		if (!w->laid_out)
			rc = table_layout(w, err);
		if (rc == TN_OK)
			rc = table_rule(w, err);
		if (rc == TN_OK)
			rc = tn_buf_printf(&w->line, err, "%llu row%s\n", (unsigned long long)w->rows,
					   w->rows == 1 ? "" : "s");
		break;
	case CLI_FMT_JSON:
		rc = tn_buf_puts(&w->line, w->rows == 0 ? "[]\n" : "\n]\n", err);
		break;
	case CLI_FMT_CSV:
	case CLI_FMT_TSV:
	case CLI_FMT_MARKDOWN:
		if (w->rows == 0)
			rc = header(w, err);
		break;
	default:
		break;
	}
	if (rc == TN_OK)
		rc = flush_line(w, err);
	if (rc == TN_OK && fflush(w->out) != 0)
		rc = tn_err_sys(err, errno, "writing output");
	return rc;
}

int cli_writer_stream(struct cli_writer *w, cli_next_fn next, void *src, struct tn_batch *b,
		      int64_t limit, struct tn_err *err)
{
	int64_t shown = 0;
	int rc = TN_OK;

	while (rc == TN_OK && (limit < 0 || shown < limit)) {
		size_t n;

		rc = next(src, b, err);
		if (rc != TN_OK || b->nrows == 0)
			break;
		n = b->nrows;
		if (limit >= 0 && (int64_t)n > limit - shown)
			n = (size_t)(limit - shown);
		rc = cli_writer_rows(w, b, n, err);
		shown += (int64_t)n;
	}
	if (rc != TN_OK) {
		cli_writer_finish(w, NULL); /* flush what was written before the error */
		return rc;
	}
	return cli_writer_finish(w, err);
}
