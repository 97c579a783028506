/* scan.c - reading a snapshot's rows: each active file through the Parquet
 * reader, its columns mapped to the table's logical schema (column
 * mapping by name or id, missing columns as nulls, widened types), partition
 * values filled in from the log, and deleted rows removed. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/time.h"
#include "delta/delta_int.h"
#include "delta/dv.h"
#include "parquet/parquet.h"

enum map_mode { MAP_NONE, MAP_NAME, MAP_ID };

struct delta_scan {
	struct delta_snapshot *s;
	struct tn_schema out;      /* projected logical columns (copies) */
	bool *is_partition;        /* per output column */
	int mode;                  /* enum map_mode */
	size_t batch_rows;
	size_t next_file;
	struct pq_reader *pr;      /* the current file */
	const struct delta_file *cur;
	int *src_col;              /* per output column: column in pr's batch, or -1 */
	struct tn_batch in;        /* the Parquet reader's batch */
	struct delta_dv *dv;       /* the current file's deletion vector */
	uint64_t row_in_file;      /* rows of the current file read so far */
	struct delta_scan_metrics m;
};

static const char *phys_name(const struct tn_field *f, int mode)
{
	return mode != MAP_NONE && f->physical ? f->physical : f->name;
}

int delta_scan_open(struct delta_snapshot *s, const struct delta_scan_opts *opts,
		    struct delta_scan **out, struct tn_err *err)
{
	struct delta_scan *sc = tn_calloc(1, sizeof(*sc));
	const struct tn_schema *ls = &s->schema;
	const char *mode = delta_snapshot_property(s, "delta.columnMapping.mode");
	size_t n = opts && opts->columns ? opts->ncolumns : ls->ncols;

	*out = NULL;
	if (!delta_snapshot_has_metadata(s)) {
		free(sc);
		return tn_err_set(err, TN_ECORRUPT, "%s: corrupt table: version %lld has no schema",
				  s->t->root, (long long)s->version);
	}
	sc->s = s;
	sc->mode = mode == NULL || strcmp(mode, "none") == 0 ? MAP_NONE
		   : strcmp(mode, "id") == 0		      ? MAP_ID
							      : MAP_NAME;
	sc->batch_rows = opts ? opts->batch_rows : 0;
	sc->out.ncols = n;
	sc->out.cols = tn_calloc(n ? n : 1, sizeof(*sc->out.cols));
	sc->is_partition = tn_calloc(n ? n : 1, sizeof(bool));
	sc->src_col = tn_calloc(n ? n : 1, sizeof(int));
	for (size_t i = 0; i < n; i++) {
		int c = (int)i;

		if (opts && opts->columns) {
			c = tn_schema_find(ls, opts->columns[i]);
			if (c < 0) {
				int rc = tn_err_set(err, TN_EINVAL, "%s: no column named '%s'",
						    s->t->root, opts->columns[i]);

				sc->out.ncols = i;
				delta_scan_close(sc);
				return rc;
			}
		}
		tn_schema_copy_field(&sc->out.cols[i], &ls->cols[c]);
		for (size_t p = 0; p < s->metadata.n_partition_columns; p++)
			if (strcmp(s->metadata.partition_columns[p], ls->cols[c].name) == 0)
				sc->is_partition[i] = true;
	}
	sc->m.files_total = s->nfiles;
	*out = sc;
	return TN_OK;
}

const struct tn_schema *delta_scan_schema(const struct delta_scan *sc)
{
	return &sc->out;
}

const struct delta_scan_metrics *delta_scan_metrics(const struct delta_scan *sc)
{
	return &sc->m;
}

static void close_file(struct delta_scan *sc)
{
	if (sc->in.cols != NULL)
		tn_batch_done(&sc->in);
	pq_reader_close(sc->pr);
	sc->pr = NULL;
	delta_dv_free(sc->dv);
	sc->dv = NULL;
	sc->cur = NULL;
}

void delta_scan_close(struct delta_scan *sc)
{
	if (sc == NULL)
		return;
	close_file(sc);
	tn_schema_done(&sc->out);
	free(sc->is_partition);
	free(sc->src_col);
	free(sc);
}

/* The file's top-level column for logical field f, or -1. */
static int find_in_file(const struct tn_schema *fs, const struct tn_field *f, int mode)
{
	if (mode == MAP_ID && f->has_field_id) {
		for (size_t i = 0; i < fs->ncols; i++)
			if (fs->cols[i].has_field_id && fs->cols[i].field_id == f->field_id)
				return (int)i;
		return -1;
	}
	return tn_schema_find(fs, phys_name(f, mode));
}

static int open_file(struct delta_scan *sc, const struct delta_file *f, struct tn_err *err)
{
	struct pq_read_opts o;
	const struct tn_schema *fs;
	const char **cols;
	size_t ncols = 0;
	int rc;

	pq_read_opts_init(&o);
	if (sc->batch_rows)
		o.batch_rows = sc->batch_rows;
	rc = pq_reader_open(sc->s->t->st, f->abs_path, &o, &sc->pr, err);
	if (rc != TN_OK) {
		if (rc == TN_ENOENT)
			tn_err_set(err, TN_ENOENT, "%s: data file '%s' is missing (%s)", sc->s->t->root,
				   f->path, f->abs_path);
		return rc;
	}
	fs = pq_reader_schema(sc->pr);
	cols = tn_calloc(sc->out.ncols + 1, sizeof(char *));
	for (size_t i = 0; i < sc->out.ncols; i++) {
		int c = sc->is_partition[i] ? -1 : find_in_file(fs, &sc->out.cols[i], sc->mode);

		sc->src_col[i] = c < 0 ? -1 : (int)ncols;
		if (c >= 0)
			cols[ncols++] = fs->cols[c].name;
	}
	{
		/* the names point into fs, which the projection replaces */
		char **copy = tn_calloc(ncols + 1, sizeof(char *));

		for (size_t i = 0; i < ncols; i++)
			copy[i] = tn_strdup(cols[i]);
		rc = pq_reader_project(sc->pr, (const char *const *)copy, ncols, err);
		for (size_t i = 0; i < ncols; i++)
			free(copy[i]);
		free(copy);
	}
	free(cols);
	if (rc == TN_OK && f->has_dv) {
		struct delta_dv_desc d = {
			.storage_type = f->dv.storage_type,
			.path_or_inline_dv = f->dv.path_or_inline_dv,
			.has_offset = f->dv.has_offset,
			.offset = f->dv.offset,
			.size_in_bytes = f->dv.size_in_bytes,
			.cardinality = f->dv.cardinality,
		};

		rc = delta_dv_load(sc->s->t->st, sc->s->t->root, &d, &sc->dv, err);
		if (rc != TN_OK)
			tn_err_prefix(err, "%s: data file '%s'", sc->s->t->root, f->path);
	}
	sc->cur = f;
	sc->row_in_file = 0;
	sc->m.files_read++;
	sc->m.bytes_read += (uint64_t)f->size;
	return rc;
}

/* ---- values ---- */

/* A vector of n nulls of type t. */
static void null_vec(struct tn_vec *v, const struct tn_type *t, size_t n, struct tn_arena *a)
{
	tn_vec_alloc(v, t, n, a);
	v->len = n;
	memset(v->values ? v->values : (void *)&v->len, 0, v->values ? tn_type_width(t) * n : 0);
	v->nulls = tn_arena_alloc(a, n ? n : 1);
	memset(v->nulls, 1, n);
	if (v->offsets)
		memset(v->offsets, 0, sizeof(int32_t) * (n + 1));
	if (t->kind == TN_STRUCT)
		for (size_t i = 0; i < t->nfields; i++)
			null_vec(&v->children[i], &t->fields[i].type, n, a);
}

static int64_t pow10i(int n)
{
	int64_t p = 1;

	while (n-- > 0)
		p *= 10;
	return p;
}

static int64_t int_at(const struct tn_vec *v, size_t i)
{
	switch (v->type->kind) {
	case TN_INT8: return ((const int8_t *)v->values)[i];
	case TN_INT16: return ((const int16_t *)v->values)[i];
	case TN_INT32: case TN_DATE: return ((const int32_t *)v->values)[i];
	case TN_UINT8: return ((const uint8_t *)v->values)[i];
	case TN_UINT16: return ((const uint16_t *)v->values)[i];
	case TN_UINT32: return ((const uint32_t *)v->values)[i];
	default: return ((const int64_t *)v->values)[i];
	}
}

static bool is_int(enum tn_kind k)
{
	return k >= TN_INT8 && k <= TN_UINT64;
}

/* Convert a primitive vector to type t (type widening, units). */
static int convert_prim(const struct tn_vec *src, const struct tn_type *t, struct tn_vec *dst,
			struct tn_arena *a, const char *col, struct tn_err *err)
{
	const struct tn_type *st = src->type;
	size_t n = src->len, w = tn_type_width(t);
	uint8_t *out;

	if (st->kind == t->kind && (t->kind != TN_DECIMAL || (st->precision == t->precision &&
							      st->scale == t->scale)) &&
	    (t->kind != TN_TIMESTAMP && t->kind != TN_TIME ? true : st->unit == t->unit)) {
		*dst = *src;
		dst->type = t;
		return TN_OK;
	}
	if ((st->kind == TN_STRING || st->kind == TN_BINARY) &&
	    (t->kind == TN_STRING || t->kind == TN_BINARY)) {
		*dst = *src;
		dst->type = t;
		return TN_OK;
	}
	memset(dst, 0, sizeof(*dst));
	dst->type = t;
	dst->len = n;
	dst->nulls = src->nulls;
	dst->values = out = tn_arena_alloc(a, w * (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		void *o = out + i * w;

		if (tn_vec_is_null(src, i)) {
			memset(o, 0, w);
			continue;
		}
		if (is_int(t->kind) && is_int(st->kind)) {
			int64_t x = int_at(src, i);

			switch (w) {
			case 1: *(int8_t *)o = (int8_t)x; break;
			case 2: *(int16_t *)o = (int16_t)x; break;
			case 4: *(int32_t *)o = (int32_t)x; break;
			default: *(int64_t *)o = x; break;
			}
		} else if (t->kind == TN_DOUBLE && st->kind == TN_FLOAT) {
			*(double *)o = ((const float *)src->values)[i];
		} else if (t->kind == TN_DOUBLE && is_int(st->kind)) {
			*(double *)o = (double)int_at(src, i);
		} else if (t->kind == TN_TIMESTAMP && st->kind == TN_DATE) {
			*(int64_t *)o = int_at(src, i) * TN_US_PER_DAY;
		} else if ((t->kind == TN_TIMESTAMP || t->kind == TN_TIME) && st->kind == t->kind) {
			int64_t x = ((const int64_t *)src->values)[i];
			int from = st->unit, to = t->unit;

			while (from < to) { x *= 1000; from++; }
			while (from > to) { x = x >= 0 ? x / 1000 : -((-x + 999) / 1000); from--; }
			*(int64_t *)o = x;
		} else if (t->kind == TN_DECIMAL && (st->kind == TN_DECIMAL || is_int(st->kind))) {
			__int128 x = st->kind == TN_DECIMAL ? tn_vec_decimal(src, i) : int_at(src, i);
			int s0 = st->kind == TN_DECIMAL ? st->scale : 0;

			if (t->scale < s0)
				return tn_err_set(err, TN_EUNSUPPORTED,
						  "column '%s': a file stores a decimal with scale %d, "
						  "above the table's %d",
						  col, s0, t->scale);
			x *= pow10i(t->scale - s0);
			if (t->precision > 18)
				*(__int128 *)o = x;
			else
				*(int64_t *)o = (int64_t)x;
		} else {
			char a1[128], a2[128];

			return tn_err_set(err, TN_EUNSUPPORTED,
					  "column '%s': a file stores %s where the table has %s", col,
					  tn_type_name(st, a1, sizeof(a1)), tn_type_name(t, a2, sizeof(a2)));
		}
	}
	return TN_OK;
}

static const struct tn_field *child_by(const struct tn_type *st, const struct tn_field *lf, int mode,
				       size_t *idx)
{
	for (size_t i = 0; i < st->nfields; i++) {
		const struct tn_field *sf = &st->fields[i];
		bool match = mode == MAP_ID && lf->has_field_id
				     ? sf->has_field_id && sf->field_id == lf->field_id
				     : strcmp(sf->name, phys_name(lf, mode)) == 0;

		if (match) {
			*idx = i;
			return sf;
		}
	}
	return NULL;
}

/* Map a vector read from a file (physical names and types) onto the
 * logical type t. */
static int remap(const struct tn_vec *src, const struct tn_type *t, int mode, struct tn_vec *dst,
		 struct tn_arena *a, const char *col, struct tn_err *err)
{
	const struct tn_type *st = src->type;
	int rc = TN_OK;

	if (!tn_type_is_nested(t))
		return convert_prim(src, t, dst, a, col, err);
	if (st->kind != t->kind) {
		char a1[128], a2[128];

		return tn_err_set(err, TN_ECORRUPT, "column '%s': a file stores %s where the table has %s",
				  col, tn_type_name(st, a1, sizeof(a1)), tn_type_name(t, a2, sizeof(a2)));
	}
	*dst = *src;
	dst->type = t;
	dst->children = tn_arena_calloc(a, t->nfields, sizeof(*dst->children));
	if (t->kind == TN_STRUCT) {
		for (size_t i = 0; rc == TN_OK && i < t->nfields; i++) {
			size_t k;

			if (child_by(st, &t->fields[i], mode, &k) != NULL)
				rc = remap(&src->children[k], &t->fields[i].type, mode, &dst->children[i],
					   a, col, err);
			else
				null_vec(&dst->children[i], &t->fields[i].type, src->len, a);
		}
		return rc;
	}
	for (size_t i = 0; rc == TN_OK && i < t->nfields; i++)
		rc = remap(&src->children[i], &t->fields[i].type, mode, &dst->children[i], a, col, err);
	return rc;
}

/* ---- partition values ---- */

/* Parse a partition value of type t into one value at o. */
static int parse_partition(const char *s, const struct tn_type *t, void *o, struct tn_err *err)
{
	int64_t x;
	char *end;

	switch (t->kind) {
	case TN_BOOL:
		if (tn_str_ieq(s, "true") || tn_str_ieq(s, "false")) {
			*(uint8_t *)o = tn_str_ieq(s, "true");
			return TN_OK;
		}
		break;
	case TN_INT8: case TN_INT16: case TN_INT32: case TN_INT64:
		if (tn_parse_i64(s, &x, "partition value", NULL) != TN_OK)
			break;
		switch (tn_type_width(t)) {
		case 1: *(int8_t *)o = (int8_t)x; break;
		case 2: *(int16_t *)o = (int16_t)x; break;
		case 4: *(int32_t *)o = (int32_t)x; break;
		default: *(int64_t *)o = x; break;
		}
		return TN_OK;
	case TN_FLOAT:
	case TN_DOUBLE: {
		double d = strtod(s, &end);

		if (*end != '\0' || end == s)
			break;
		if (t->kind == TN_FLOAT)
			*(float *)o = (float)d;
		else
			*(double *)o = d;
		return TN_OK;
	}
	case TN_DATE:
		if (tn_date_parse(s, &x, NULL) != TN_OK)
			break;
		*(int32_t *)o = (int32_t)x;
		return TN_OK;
	case TN_TIMESTAMP:
		/* "2021-01-01 08:00:00" or "2021-01-01T08:00:00.000000Z" */
		if (tn_time_parse(s, &x, NULL) != TN_OK)
			break;
		*(int64_t *)o = x;
		return TN_OK;
	case TN_DECIMAL: {
		__int128 v = 0;
		int frac = -1, neg = 0;
		const char *p = s;

		if (*p == '-' || *p == '+')
			neg = *p++ == '-';
		if (!isdigit((unsigned char)*p))
			break;
		for (; *p; p++) {
			if (*p == '.' && frac < 0) {
				frac = 0;
				continue;
			}
			if (!isdigit((unsigned char)*p))
				break;
			if (frac >= 0 && frac == t->scale)
				continue; /* digits past the scale are dropped */
			v = v * 10 + (*p - '0');
			if (frac >= 0)
				frac++;
		}
		if (*p != '\0')
			break;
		for (int k = frac < 0 ? 0 : frac; k < t->scale; k++)
			v *= 10;
		if (neg)
			v = -v;
		if (t->precision > 18)
			*(__int128 *)o = v;
		else
			*(int64_t *)o = (int64_t)v;
		return TN_OK;
	}
	default:
		break;
	}
	return tn_err_set(err, TN_ECORRUPT, "partition value '%s' is not a valid %s", s,
			  tn_type_name(t, (char[64]){0}, 64));
}

static int partition_vec(struct delta_scan *sc, const struct tn_field *f, size_t n,
			 struct tn_vec *v, struct tn_arena *a, struct tn_err *err)
{
	const struct delta_file *df = sc->cur;
	const char *val = NULL;
	bool found = false;
	size_t w = tn_type_width(&f->type);
	int rc;

	for (size_t i = 0; i < df->n_partition_values; i++) {
		/* partition values are keyed by physical name under column mapping */
		if (strcmp(df->partition_values[i].key, phys_name(f, sc->mode)) == 0 ||
		    strcmp(df->partition_values[i].key, f->name) == 0) {
			val = df->partition_values[i].value;
			found = true;
			break;
		}
	}
	(void)found;
	if (val == NULL || *val == '\0') {
		null_vec(v, &f->type, n, a);
		return TN_OK;
	}
	tn_vec_alloc(v, &f->type, n, a);
	v->len = n;
	if (f->type.kind == TN_STRING || f->type.kind == TN_BINARY) {
		struct tn_bytes b = {(const uint8_t *)tn_arena_strdup(a, val), (uint32_t)strlen(val)};

		for (size_t i = 0; i < n; i++)
			((struct tn_bytes *)v->values)[i] = b;
		return TN_OK;
	}
	if (tn_type_is_nested(&f->type))
		return tn_err_set(err, TN_ECORRUPT, "partition column '%s' has a nested type", f->name);
	rc = parse_partition(val, &f->type, v->values, err);
	if (rc != TN_OK) {
		tn_err_prefix(err, "%s: data file '%s', partition column '%s'", sc->s->t->root,
			      df->path, f->name);
		return rc;
	}
	for (size_t i = 1; i < n; i++)
		memcpy((uint8_t *)v->values + i * w, v->values, w);
	return TN_OK;
}

int delta_scan_next(struct delta_scan *sc, struct tn_batch *b, struct tn_err *err)
{
	int rc;

	if (b->cols != NULL)
		tn_batch_done(b);
	b->schema = &sc->out;
	b->nrows = 0;
	tn_arena_init(&b->arena, 0);
	b->cols = tn_arena_calloc(&b->arena, sc->out.ncols ? sc->out.ncols : 1, sizeof(*b->cols));
	for (;;) {
		size_t n, keep;
		uint8_t *del = NULL;

		if (sc->pr == NULL) {
			if (sc->next_file >= sc->s->nfiles)
				return TN_OK;
			rc = open_file(sc, sc->s->files[sc->next_file++], err);
			if (rc != TN_OK) {
				close_file(sc);
				return rc;
			}
		}
		rc = pq_reader_next(sc->pr, &sc->in, err);
		if (rc != TN_OK) {
			close_file(sc);
			return rc;
		}
		n = sc->in.nrows;
		if (n == 0) {
			close_file(sc);
			continue;
		}
		keep = n;
		if (sc->dv != NULL) {
			del = tn_arena_alloc(&b->arena, n);
			delta_dv_mask(sc->dv, sc->row_in_file, n, del);
			for (size_t i = 0; i < n; i++)
				keep -= del[i] != 0;
			sc->m.rows_deleted += n - keep;
		}
		sc->row_in_file += n;
		if (keep == 0)
			continue;
		for (size_t i = 0; i < sc->out.ncols; i++) {
			const struct tn_field *f = &sc->out.cols[i];

			if (sc->is_partition[i])
				rc = partition_vec(sc, f, n, &b->cols[i], &b->arena, err);
			else if (sc->src_col[i] < 0)
				null_vec(&b->cols[i], &f->type, n, &b->arena), rc = TN_OK;
			else
				rc = remap(&sc->in.cols[sc->src_col[i]], &f->type, sc->mode, &b->cols[i],
					   &b->arena, f->name, err);
			if (rc != TN_OK) {
				tn_err_prefix(err, "%s: data file '%s'", sc->s->t->root, sc->cur->path);
				return rc;
			}
		}
		b->nrows = n;
		if (del != NULL && keep < n)
			tn_batch_filter(b, del);
		return TN_OK;
	}
}
