/* textio.c - the text readers' common part: options, the chunked source,
 * records, the schema, and rows turned into batches (with rescue). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/valfmt.h"
#include "io/textio_int.h"

/* Values a batch holds at most (rows times columns), so that a wide file
 * gets shorter batches; and bytes of strings after which a batch ends
 * early, so that long values do too. */
#define CELLS_MAX ((size_t)1 << 20)
#define BATCH_BYTES ((size_t)64 << 20)

void tio_opts_init(struct tio_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->format = TIO_AUTO;
	o->header = true;
	o->infer_rows = 10000;
	o->batch_rows = 4096;
}

static bool has_ext(const char *path, const char *const *exts)
{
	const char *dot = strrchr(tn_path_base(path), '.');

	for (; dot != NULL && *exts != NULL; exts++)
		if (tn_str_ieq(dot + 1, *exts))
			return true;
	return false;
}

static const char *const tsv_exts[] = {"tsv", "tab", NULL};

int tio_format_from_path(const char *path)
{
	static const char *const csv[] = {"csv", "tsv", "tab", NULL};
	static const char *const jsonl[] = {"json", "jsonl", "ndjson", NULL};

	if (has_ext(path, csv))
		return TIO_CSV;
	if (has_ext(path, jsonl))
		return TIO_JSONL;
	return TIO_AUTO;
}

/* ---- source ---- */

int tio_src_open(struct tio_src *s, struct store *st, const char *path, struct tn_err *err)
{
	memset(s, 0, sizeof(*s));
	s->buf = tn_malloc(TIO_CHUNK);
	return store_file_open(st, path, &s->f, err);
}

void tio_src_close(struct tio_src *s)
{
	if (s->f != NULL)
		store_file_close(s->f);
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

int tio_src_fill(struct tio_src *s, struct tn_err *err)
{
	uint64_t left;
	size_t n;
	int rc;

	if (s->pos < s->len)
		return TN_OK;
	left = s->f->size > s->next ? s->f->size - s->next : 0;
	n = left < TIO_CHUNK ? (size_t)left : TIO_CHUNK;
	s->pos = s->len = 0;
	if (n == 0)
		return TN_OK;
	rc = store_file_pread(s->f, s->next, s->buf, n, err);
	if (rc != TN_OK)
		return rc;
	s->next += n;
	s->len = n;
	return TN_OK;
}

int tio_src_start(struct tio_src *s, struct tn_err *err)
{
	int rc = tio_src_fill(s, err);

	if (rc == TN_OK && s->len >= 3 && memcmp(s->buf, "\xef\xbb\xbf", 3) == 0)
		s->pos = 3;
	return rc;
}

uint64_t tio_src_offset(const struct tio_src *s)
{
	return s->next - (s->len - s->pos);
}

void tio_src_seek(struct tio_src *s, uint64_t off)
{
	s->next = off;
	s->pos = s->len = 0;
}

/* ---- records ---- */

void tio_rec_reset(struct tio_rec *rec, uint64_t line)
{
	tn_buf_reset(&rec->bytes);
	rec->n = 0;
	rec->line = line;
}

int tio_rec_append(struct tio_rec *rec, const void *p, size_t n, struct tn_err *err)
{
	if (rec->bytes.len + n + 1 > TIO_RECORD_MAX)
		return tn_err_set(err, TN_ETOOBIG, "%s: line %llu: a record longer than %zu MiB",
				  rec->path, (unsigned long long)rec->line, TIO_RECORD_MAX >> 20);
	return tn_buf_append(&rec->bytes, p, n, err);
}

int tio_rec_push(struct tio_rec *rec, size_t off, int tag, uint64_t line, struct tio_val **out,
		 struct tn_err *err)
{
	struct tio_val *v;
	int rc;

	if (rec->n >= TIO_VALUES_MAX)
		return tn_err_set(err, TN_ETOOBIG, "%s: line %llu: more than %zu values in a record",
				  rec->path, (unsigned long long)rec->line, TIO_VALUES_MAX);
	rc = tio_rec_append(rec, "", 1, err);
	if (rc != TN_OK)
		return rc;
	if (rec->n == rec->cap) {
		rec->cap = rec->cap ? 2 * rec->cap : 16;
		rec->vals = tn_reallocarray(rec->vals, rec->cap, sizeof(*rec->vals));
	}
	v = &rec->vals[rec->n++];
	memset(v, 0, sizeof(*v));
	v->off = off;
	v->len = rec->bytes.len - 1 - off;
	v->tag = tag;
	v->col = -1;
	v->line = line;
	*out = v;
	return TN_OK;
}

/* ---- schema ---- */

/* name[0..n) lowercased in r->lower. */
static const char *lowered(struct tio_reader *r, const char *name, size_t n)
{
	tn_buf_reset(&r->lower);
	tn_buf_append(&r->lower, name, n, NULL);
	for (size_t i = 0; i < n; i++)
		r->lower.data[i] = (char)tolower((unsigned char)r->lower.data[i]);
	return r->lower.data;
}

int tio_find_column(struct tio_reader *r, const char *name, size_t n)
{
	void *v;

	if (n == 0)
		return -1;
	v = tn_hmap_get(&r->names, lowered(r, name, n), n);
	return v == NULL ? -1 : (int)((uintptr_t)v - 1);
}

/* Append column f (taken over) to the schema and index its name. */
static void push_column(struct tio_reader *r, struct tn_field *f)
{
	struct tn_schema *s = &r->schema;
	size_t n = strlen(f->name);

	s->cols = tn_reallocarray(s->cols, s->ncols + 1, sizeof(*s->cols));
	s->cols[s->ncols++] = *f;
	/* The map borrows its keys: the lowered copy lives as long as r. */
	if (tio_find_column(r, f->name, n) < 0)
		tn_hmap_put(&r->names, tn_strndup(lowered(r, f->name, n), n), n,
			    (void *)(uintptr_t)s->ncols);
}

int tio_add_column(struct tio_reader *r, const char *name, size_t n, size_t pos, size_t width,
		   int guess, struct tn_err *err)
{
	struct tn_field f = {0};
	char *base;

	if (r->schema.ncols >= TIO_COLUMNS_MAX)
		return tn_err_set(err, TN_ETOOBIG, "%s: more than %d columns", r->path,
				  TIO_COLUMNS_MAX);
	if (n == 0) {
		int digits = 1;

		for (size_t w = width > 0 ? width - 1 : 0; w >= 10; w /= 10)
			digits++;
		base = tn_asprintf("column%0*zu", digits, pos);
	} else {
		base = tn_strndup(name, n);
	}
	f.name = tn_strdup(base);
	for (unsigned k = 1; tio_find_column(r, f.name, strlen(f.name)) >= 0; k++) {
		free(f.name);
		f.name = tn_asprintf("%s_%u", base, k);
	}
	free(base);
	f.nullable = true;
	tio_guess_type(guess, &f.type);
	push_column(r, &f);
	return TN_OK;
}

int tio_use_schema(struct tio_reader *r, struct tn_err *err)
{
	const struct tn_schema *s = r->o.schema;

	for (size_t i = 0; i < s->ncols; i++) {
		struct tn_field f;
		char name[128];

		if (tn_type_is_nested(&s->cols[i].type))
			return tn_err_set(err, TN_EUNSUPPORTED,
					  "%s: column %s is %s: nested columns cannot be read from "
					  "text yet",
					  r->path, s->cols[i].name,
					  tn_type_name(&s->cols[i].type, name, sizeof(name)));
		tn_schema_copy_field(&f, &s->cols[i]);
		push_column(r, &f);
	}
	return TN_OK;
}

/* The rescue column: the schema's, or a new one at the end. */
static int add_rescue_column(struct tio_reader *r, struct tn_err *err)
{
	size_t n = strlen(TIO_RESCUED_COLUMN);
	int c = tio_find_column(r, TIO_RESCUED_COLUMN, n), rc = TN_OK;

	if (c < 0) {
		c = (int)r->schema.ncols;
		rc = tio_add_column(r, TIO_RESCUED_COLUMN, n, 0, 0, TIO_G_STRING, err);
	} else if (r->schema.cols[c].type.kind != TN_STRING) {
		rc = tn_err_set(err, TN_EINVAL, "%s: column %s is not a string", r->path,
				TIO_RESCUED_COLUMN);
	}
	r->rescue_col = rc == TN_OK ? c : -1;
	return rc;
}

/* ---- the reader ---- */

int tio_open(struct store *st, const char *path, const struct tio_opts *o,
	     struct tio_reader **out, struct tn_err *err)
{
	struct tio_reader *r = tn_calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	tio_opts_init(&r->o);
	if (o != NULL)
		r->o = *o;
	r->path = tn_strdup(path);
	r->rec.path = r->path;
	r->rescue_col = -1;
	tn_hmap_init(&r->names);
	if (r->o.format == TIO_AUTO)
		r->o.format = tio_format_from_path(path);
	if (r->o.delimiter == 0)
		r->o.delimiter = has_ext(path, tsv_exts) ? '\t' : ',';
	if (r->o.infer_rows == 0)
		r->o.infer_rows = 10000;
	if (r->o.batch_rows == 0)
		r->o.batch_rows = 4096;
	if (r->o.format != TIO_CSV && r->o.format != TIO_JSONL) {
		rc = tn_err_set(err, TN_EINVAL,
				"%s: unknown text format (want a .csv, .tsv, .json, .jsonl or "
				".ndjson name, or a format)",
				path);
		goto fail;
	}
	if (strchr("\"\r\n", r->o.delimiter) != NULL) {
		rc = tn_err_set(err, TN_EINVAL, "%s: a quote or newline cannot be the delimiter",
				path);
		goto fail;
	}
	rc = tio_src_open(&r->src, st, path, err);
	if (rc == TN_OK && r->o.schema != NULL)
		rc = tio_use_schema(r, err);
	if (rc == TN_OK)
		rc = r->o.format == TIO_CSV ? tio_csv_open(r, err) : tio_jsonl_open(r, err);
	if (rc == TN_OK && r->o.rescue)
		rc = add_rescue_column(r, err);
	if (rc != TN_OK)
		goto fail;
	*out = r;
	return TN_OK;
fail:
	tio_close(r);
	return rc;
}

void tio_close(struct tio_reader *r)
{
	size_t pos = 0, n;
	const char *key;
	void *v;

	if (r == NULL)
		return;
	if (r->ops != NULL)
		r->ops->free(r->state);
	while (tn_hmap_next(&r->names, &pos, &key, &n, &v))
		free((char *)key);
	tn_hmap_done(&r->names);
	tn_schema_done(&r->schema);
	tio_src_close(&r->src);
	tn_buf_done(&r->rec.bytes);
	free(r->rec.vals);
	tn_buf_done(&r->lower);
	tn_buf_done(&r->rescued);
	free(r->path);
	free(r);
}

const struct tn_schema *tio_schema(const struct tio_reader *r)
{
	return &r->schema;
}

/* "line L, column N (name)" for CSV, "line L, key \"k\"" for JSON. */
static void where(struct tio_reader *r, const struct tio_val *v, char *out, size_t n)
{
	const char *name = v->col >= 0 ? r->schema.cols[v->col].name
				       : r->rec.bytes.data + v->name_off;

	if (v->field > 0)
		snprintf(out, n, "line %llu, column %u (%s)", (unsigned long long)v->line,
			 v->field, name);
	else
		snprintf(out, n, "line %llu, key \"%s\"", (unsigned long long)v->line, name);
}

/* Add v under its name to the row's rescued object. */
static void rescue(struct tio_reader *r, const struct tio_val *v)
{
	const char *name = v->col >= 0 ? r->schema.cols[v->col].name
				       : r->rec.bytes.data + v->name_off;
	const char *s = r->rec.bytes.data + v->off;
	struct tn_buf *b = &r->rescued;

	tn_buf_putc(b, b->len == 0 ? '{' : ',', NULL);
	tn_json_string(b, name, strlen(name), NULL);
	tn_buf_putc(b, ':', NULL);
	/* JSON values as they were, unless not UTF-8: then as a string. */
	if ((v->tag == TIO_V_NUM || v->tag == TIO_V_BOOL || v->tag == TIO_V_NEST) &&
	    tn_utf8_valid(s, v->len))
		tn_buf_append(b, s, v->len, NULL);
	else
		tn_json_string(b, s, v->len, NULL);
}

/* Put the record's values into row `row` of b. */
/* A BINARY column of JSON lines: the string is base64, as Spark's JSON
 * reader (and tarn's canonical JSON) hold binary, so any bytes survive. */
static int json_binary(const char *s, size_t n, struct tn_bytes *out, struct tn_arena *a,
		       struct tn_err *err)
{
	uint8_t *p = tn_arena_alloc(a, n + 1);
	long got = tn_unbase64(s, n, p);

	if (got < 0)
		return tn_err_set(err, TN_EINVAL, "'%.40s' is not base64 (a BINARY column)", s);
	out->ptr = p;
	out->len = (uint32_t)got;
	return TN_OK;
}

static int put_row(struct tio_reader *r, struct tn_batch *b, size_t row, struct tn_err *err)
{
	struct tio_rec *rec = &r->rec;

	for (size_t c = 0; c < r->schema.ncols; c++)
		b->cols[c].nulls[row] = 1;
	tn_buf_reset(&r->rescued);
	for (size_t i = 0; i < rec->n; i++) {
		const struct tio_val *v = &rec->vals[i];
		struct tn_vec *vec;
		struct tn_err why;
		char at[256];
		int rc;

		if (v->col < 0 || v->col == r->rescue_col) {
			if (v->tag == TIO_V_NULL)
				continue; /* nothing is lost */
			if (r->o.rescue) {
				rescue(r, v);
				continue;
			}
			where(r, v, at, sizeof(at));
			if (r->o.schema != NULL)
				return tn_err_set(err, TN_EINVAL, "%s: %s: not a column of the schema",
						  r->path, at);
			return tn_err_set(err, TN_EINVAL,
					  "%s: %s: not a column (the columns come from the first "
					  "%zu records)",
					  r->path, at, r->o.infer_rows);
		}
		vec = &b->cols[v->col];
		if (v->tag == TIO_V_NULL ||
		    (v->tag == TIO_V_QUOTED && v->len == 0 && vec->type->kind != TN_STRING))
			continue;
		if (vec->type->kind == TN_BINARY && r->o.format == TIO_JSONL)
			rc = json_binary(rec->bytes.data + v->off, v->len,
					 (struct tn_bytes *)vec->values + row, &b->arena, &why);
		else
			rc = tio_parse(vec->type, rec->bytes.data + v->off, v->len,
				       (char *)vec->values + row * tn_type_width(vec->type),
				       &b->arena, &why);
		if (rc == TN_OK) {
			vec->nulls[row] = 0;
		} else if (r->o.rescue) {
			rescue(r, v);
		} else {
			where(r, v, at, sizeof(at));
			return tn_err_set(err, rc, "%s: %s: %s", r->path, at, why.msg);
		}
	}
	if (r->rescued.len > 0) {
		struct tn_vec *vec = &b->cols[r->rescue_col];
		struct tn_bytes *out = (struct tn_bytes *)vec->values + row;

		tn_buf_puts(&r->rescued, ",\"_file_path\":", NULL);
		tn_json_string(&r->rescued, r->path, strlen(r->path), NULL);
		tn_buf_putc(&r->rescued, '}', NULL);
		out->ptr = tn_arena_alloc(&b->arena, r->rescued.len);
		memcpy((uint8_t *)out->ptr, r->rescued.data, r->rescued.len);
		out->len = (uint32_t)r->rescued.len;
		vec->nulls[row] = 0;
	}
	return TN_OK;
}

int tio_next(struct tio_reader *r, struct tn_batch *b, struct tn_err *err)
{
	size_t ncols = r->schema.ncols, cap = r->o.batch_rows, rows = 0;
	int rc = r->failed.code;

	if (b->cols != NULL)
		tn_batch_done(b);
	if (ncols > 0 && cap > CELLS_MAX / ncols)
		cap = CELLS_MAX / ncols > 0 ? CELLS_MAX / ncols : 1;
	tn_batch_init(b, &r->schema, cap);
	if (rc != TN_OK) {
		if (err != NULL)
			*err = r->failed;
		return rc;
	}
	for (size_t c = 0; c < ncols; c++) {
		/* Null slots hold zeros, not whatever the arena had. */
		memset(b->cols[c].values, 0, cap * tn_type_width(b->cols[c].type));
		tn_vec_need_nulls(&b->cols[c], cap, &b->arena);
	}
	while (rows < cap) {
		bool got;

		rc = r->ops->next(r, &got, &r->failed);
		if (rc == TN_OK && got)
			rc = put_row(r, b, rows, &r->failed);
		if (rc != TN_OK || !got)
			break;
		rows++;
		if (b->arena.used > BATCH_BYTES)
			break;
	}
	if (rc != TN_OK) {
		r->failed.code = rc;
		if (err != NULL)
			*err = r->failed;
		b->nrows = 0;
		return rc;
	}
	for (size_t c = 0; c < ncols; c++) {
		struct tn_vec *v = &b->cols[c];

		v->len = rows;
		if (memchr(v->nulls, 1, rows) == NULL)
			v->nulls = NULL;
	}
	b->nrows = rows;
	return TN_OK;
}
