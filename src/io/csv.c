/* csv.c - RFC 4180 delimited text: records of fields, a header naming the
 * columns, and the columns' types inferred from the first records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "io/textio_int.h"

#define END (-1) /* the end of the file, as a byte */

struct csv {
	bool stop[256];   /* bytes that end an unquoted field */
	int delim;
	uint64_t line;    /* the line being read, from 1 */
	bool after_cr;    /* a line just ended with CR: an LF next belongs to it */
	size_t nfields;   /* fields a record has */
	int *colmap;      /* nfields entries: field -> column, or -1 */
	char **names;     /* nfields header names, or NULL without a header */
	/* Where the first record after the header starts. */
	uint64_t data_off, data_line;
	bool data_after_cr;
};

/* The next byte, or END. */
static int next_byte(struct tio_src *s, int *ch, struct tn_err *err)
{
	int rc = tio_src_fill(s, err);

	*ch = s->pos < s->len ? s->buf[s->pos++] : END;
	return rc;
}

/* The rest of an unquoted field whose first byte is *ch; *ch becomes the
 * byte that ended it (the delimiter, CR, LF or END). */
static int unquoted(struct tio_reader *r, struct csv *c, int *ch, struct tn_err *err)
{
	struct tio_src *s = &r->src;
	uint8_t first = (uint8_t)*ch;
	int rc;

	if (*ch == END || c->stop[first])
		return TN_OK;
	rc = tio_rec_append(&r->rec, &first, 1, err);
	while (rc == TN_OK) {
		size_t i = s->pos;

		while (i < s->len && !c->stop[s->buf[i]])
			i++;
		rc = tio_rec_append(&r->rec, s->buf + s->pos, i - s->pos, err);
		s->pos = i;
		if (rc != TN_OK)
			break;
		if (i < s->len) {
			*ch = s->buf[s->pos++];
			break;
		}
		rc = tio_src_fill(s, err);
		if (rc == TN_OK && s->pos == s->len) {
			*ch = END;
			break;
		}
	}
	return rc;
}

/* A quoted field after its opening quote, through the closing one. */
static int quoted(struct tio_reader *r, struct csv *c, uint64_t line, size_t field,
		  struct tn_err *err)
{
	struct tio_src *s = &r->src;
	int rc = TN_OK;

	while (rc == TN_OK) {
		size_t i = s->pos;

		for (; i < s->len && s->buf[i] != '"'; i++)
			if (s->buf[i] == '\n')
				c->line++;
		rc = tio_rec_append(&r->rec, s->buf + s->pos, i - s->pos, err);
		s->pos = i;
		if (rc == TN_OK && i == s->len) {
			rc = tio_src_fill(s, err);
			if (rc == TN_OK && s->pos == s->len)
				return tn_err_set(err, TN_ECORRUPT,
						  "%s: line %llu, column %zu: a quoted field that "
						  "never ends",
						  r->path, (unsigned long long)line, field);
			continue;
		}
		s->pos++; /* the quote: a closing one, or the first of "" */
		if (rc == TN_OK)
			rc = tio_src_fill(s, err);
		if (rc != TN_OK || s->pos == s->len || s->buf[s->pos] != '"')
			break;
		s->pos++;
		rc = tio_rec_append(&r->rec, "\"", 1, err);
	}
	return rc;
}

/* Read the next record's fields into r->rec (columns not yet set); *got
 * is false at the end. Empty lines are skipped. */
static int csv_record(struct tio_reader *r, struct csv *c, bool *got, struct tn_err *err)
{
	struct tio_rec *rec = &r->rec;
	int ch, rc;

	*got = false;
	for (;;) {
		rc = next_byte(&r->src, &ch, err);
		if (rc != TN_OK)
			return rc;
		if (ch == '\n' && c->after_cr) {
			c->after_cr = false;
			continue;
		}
		c->after_cr = false;
		if (ch != '\n' && ch != '\r')
			break;
		c->line++;
		c->after_cr = ch == '\r';
	}
	if (ch == END)
		return TN_OK;
	tio_rec_reset(rec, c->line);
	for (;;) {
		size_t off = rec->bytes.len, field = rec->n + 1;
		uint64_t line = c->line;
		int tag = TIO_V_TEXT;
		struct tio_val *v;

		if (ch == '"') {
			tag = TIO_V_QUOTED;
			rc = quoted(r, c, line, field, err);
			if (rc == TN_OK)
				rc = next_byte(&r->src, &ch, err);
			if (rc == TN_OK && ch != c->delim && ch != '\n' && ch != '\r' && ch != END)
				rc = tn_err_set(err, TN_ECORRUPT,
						"%s: line %llu, column %zu: a character after the "
						"closing quote (a quote inside a quoted field is "
						"written \"\")",
						r->path, (unsigned long long)c->line, field);
		} else {
			rc = unquoted(r, c, &ch, err);
		}
		if (rc == TN_OK)
			rc = tio_rec_push(rec, off, tag, line, &v, err);
		if (rc != TN_OK)
			return rc;
		if (tag == TIO_V_TEXT && v->len == 0)
			v->tag = TIO_V_NULL;
		v->field = (uint32_t)field;
		if (ch != c->delim)
			break;
		rc = next_byte(&r->src, &ch, err);
		if (rc != TN_OK)
			return rc;
	}
	if (ch == '\n' || ch == '\r') {
		c->line++;
		c->after_cr = ch == '\r';
	}
	*got = true;
	return TN_OK;
}

static void csv_free(void *state)
{
	struct csv *c = state;

	if (c == NULL)
		return;
	for (size_t i = 0; c->names != NULL && i < c->nfields; i++)
		free(c->names[i]);
	free(c->names);
	free(c->colmap);
	free(c);
}

static int csv_next(struct tio_reader *r, bool *got, struct tn_err *err)
{
	struct csv *c = r->state;
	struct tio_rec *rec = &r->rec;
	int rc = csv_record(r, c, got, err);

	if (rc != TN_OK || !*got)
		return rc;
	if (rec->n != c->nfields && !r->o.rescue)
		return tn_err_set(err, TN_ECORRUPT, "%s: line %llu: %zu fields where the %s has %zu",
				  r->path, (unsigned long long)rec->line, rec->n,
				  c->names != NULL ? "header" : r->o.schema ? "schema" : "first record",
				  c->nfields);
	for (size_t i = 0; i < rec->n; i++) {
		struct tio_val *v = &rec->vals[i];
		char pos[32];
		const char *name = pos;

		v->col = i < c->nfields ? c->colmap[i] : -1;
		if (v->col >= 0)
			continue;
		if (i < c->nfields && c->names != NULL)
			name = c->names[i];
		else
			snprintf(pos, sizeof(pos), "_c%zu", i);
		v->name_off = rec->bytes.len;
		v->name_len = strlen(name);
		rc = tio_rec_append(rec, name, v->name_len + 1, err);
		if (rc != TN_OK)
			return rc;
	}
	return TN_OK;
}

static const struct tio_format_ops csv_ops = {csv_next, csv_free};

/* Read the header record: the names of the fields. */
static int read_header(struct tio_reader *r, struct csv *c, struct tn_err *err)
{
	struct tio_rec *rec = &r->rec;
	bool got;
	int rc = csv_record(r, c, &got, err);

	if (rc != TN_OK)
		return rc;
	if (!got)
		return tn_err_set(err, TN_EINVAL, "%s: the file is empty (no header record)", r->path);
	if (rec->n > TIO_COLUMNS_MAX)
		return tn_err_set(err, TN_ETOOBIG, "%s: line %llu: more than %d columns", r->path,
				  (unsigned long long)rec->line, TIO_COLUMNS_MAX);
	c->nfields = rec->n;
	c->names = tn_calloc(rec->n, sizeof(*c->names));
	for (size_t i = 0; i < rec->n; i++) {
		const struct tio_val *v = &rec->vals[i];

		if (!tn_utf8_valid(rec->bytes.data + v->off, v->len))
			return tn_err_set(err, TN_ECORRUPT,
					  "%s: line %llu, column %zu: the header's name is not UTF-8",
					  r->path, (unsigned long long)v->line, i + 1);
		c->names[i] = tn_strndup(rec->bytes.data + v->off, v->len);
	}
	return TN_OK;
}

/* Map the header's (or, without one, the positions') fields to the given
 * schema's columns. */
static int map_to_schema(struct tio_reader *r, struct csv *c, struct tn_err *err)
{
	if (c->names == NULL) {
		/* By position; a rescue column is not in the file. */
		c->colmap = tn_calloc(r->schema.ncols ? r->schema.ncols : 1, sizeof(*c->colmap));
		for (size_t i = 0; i < r->schema.ncols; i++)
			if (strcmp(r->schema.cols[i].name, TIO_RESCUED_COLUMN) != 0)
				c->colmap[c->nfields++] = (int)i;
		return TN_OK;
	}
	c->colmap = tn_calloc(c->nfields ? c->nfields : 1, sizeof(*c->colmap));
	for (size_t i = 0; i < c->nfields; i++) {
		int col = tio_find_column(r, c->names[i], strlen(c->names[i]));

		for (size_t j = 0; col >= 0 && j < i; j++)
			if (c->colmap[j] == col)
				return tn_err_set(err, TN_EINVAL,
						  "%s: the header names column %s twice (columns %zu "
						  "and %zu)",
						  r->path, r->schema.cols[col].name, j + 1, i + 1);
		if (col < 0 && !r->o.rescue)
			return tn_err_set(err, TN_EINVAL,
					  "%s: column %zu of the header, \"%s\", is not a column of "
					  "the schema",
					  r->path, i + 1, c->names[i]);
		c->colmap[i] = col;
	}
	return TN_OK;
}

/* Read up to infer_rows records, guess each field's type, make the
 * columns. Records with another number of fields do not count. */
static int infer(struct tio_reader *r, struct csv *c, struct tn_err *err)
{
	struct tio_rec *rec = &r->rec;
	int *guess = NULL;
	size_t rows = 0;
	int rc = TN_OK;

	while (rc == TN_OK && rows < r->o.infer_rows) {
		bool got;

		rc = csv_record(r, c, &got, err);
		if (rc != TN_OK || !got)
			break;
		if (guess == NULL && c->names == NULL) {
			if (rec->n > TIO_COLUMNS_MAX)
				rc = tn_err_set(err, TN_ETOOBIG, "%s: line %llu: more than %d columns",
						r->path, (unsigned long long)rec->line,
						TIO_COLUMNS_MAX);
			c->nfields = rec->n;
		}
		if (guess == NULL)
			guess = tn_calloc(c->nfields ? c->nfields : 1, sizeof(*guess));
		rows++;
		if (rec->n != c->nfields)
			continue;
		for (size_t i = 0; i < rec->n; i++) {
			const struct tio_val *v = &rec->vals[i];
			int g = v->tag == TIO_V_NULL
					? TIO_G_NONE
					: tio_guess_text(rec->bytes.data + v->off, v->len);

			guess[i] = tio_guess_merge(guess[i], g);
		}
	}
	if (rc == TN_OK && guess == NULL && c->names == NULL)
		rc = tn_err_set(err, TN_EINVAL, "%s: the file is empty (no records to infer the "
				"columns from)", r->path);
	c->colmap = tn_calloc(c->nfields ? c->nfields : 1, sizeof(*c->colmap));
	for (size_t i = 0; rc == TN_OK && i < c->nfields; i++) {
		const char *name = c->names != NULL ? c->names[i] : "";

		c->colmap[i] = (int)r->schema.ncols;
		rc = tio_add_column(r, name, strlen(name), i, c->nfields,
				    guess != NULL ? guess[i] : TIO_G_NONE, err);
	}
	free(guess);
	return rc;
}

int tio_csv_open(struct tio_reader *r, struct tn_err *err)
{
	struct csv *c = tn_calloc(1, sizeof(*c));
	struct tio_src *s = &r->src;
	int rc;

	r->ops = &csv_ops;
	r->state = c;
	c->delim = (unsigned char)r->o.delimiter;
	c->stop[c->delim] = c->stop['\n'] = c->stop['\r'] = true;
	c->line = 1;
	rc = tio_src_start(s, err);
	if (rc == TN_OK && r->o.header)
		rc = read_header(r, c, err);
	if (rc != TN_OK)
		return rc;
	c->data_off = tio_src_offset(s);
	c->data_line = c->line;
	c->data_after_cr = c->after_cr;
	rc = r->o.schema != NULL ? map_to_schema(r, c, err) : infer(r, c, err);
	tio_src_seek(s, c->data_off);
	c->line = c->data_line;
	c->after_cr = c->data_after_cr;
	return rc;
}
