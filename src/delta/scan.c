/* scan.c - reading a snapshot's rows: each active file through the Parquet
 * reader, its columns mapped to the table's logical schema (column
 * mapping by name or id, missing columns as nulls, widened types), partition
 * values filled in from the log, and deleted rows removed. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/time.h"
#include "delta/delta_int.h"
#include "delta/dv.h"
#include "delta/pred_int.h"
#include "parquet/parquet.h"

enum map_mode { MAP_NONE, MAP_NAME, MAP_ID };

/* Which rows of a file an item reads. */
enum item_rows {
	ROWS_LIVE,      /* rows its deletion vector (if any) does not delete */
	ROWS_IN_DV,     /* rows its deletion vector deletes and `other` does not */
};

/* A file to read, with what a change feed says about it. */
struct scan_item {
	const struct delta_file *f;
	int rows;                /* enum item_rows */
	bool has_other;
	struct delta_dv_desc other;
	const char *change_type; /* NULL: the file's own _change_type column */
	int64_t version;
	int64_t ts_ms;
};

struct delta_scan {
	struct delta_snapshot *s;
	struct scan_item *items;   /* the files to read, in order */
	size_t nitems;
	bool cdf;                  /* the last 3 output columns are the change feed's */
	bool row_index;            /* the last output column is the row's index in its file */
	bool owns_snapshot;
	struct bpred *where;       /* the filter, bound to out */
	size_t nlogical;           /* output columns before those */
	size_t nhidden;            /* the last of those, read for the filter only */
	struct tn_schema vis;      /* the columns returned: out without the hidden ones */
	const struct scan_item *item;
	struct delta_dv *other;    /* ROWS_IN_DV: the item's other deletion vector */
	int ct_col;                /* _change_type in the file's batch, or -1 */
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

struct hidden {
	struct delta_scan *sc;
	const struct tn_schema *ls;
	struct delta_snapshot *s;
	size_t nvisible;
};

/* A column the filter names that the projection lacks: read it too. */
static void add_hidden(const char *col, void *arg)
{
	struct hidden *h = arg;
	struct delta_scan *sc = h->sc;
	int c = tn_schema_find(h->ls, col);
	size_t n = sc->out.ncols;

	if (c < 0 || tn_schema_find(&sc->out, col) >= 0)
		return; /* binding reports an unknown column */
	sc->out.cols = tn_reallocarray(sc->out.cols, n + 1, sizeof(*sc->out.cols));
	sc->is_partition = tn_reallocarray(sc->is_partition, n + 1, sizeof(bool));
	sc->src_col = tn_reallocarray(sc->src_col, n + 1, sizeof(int));
	tn_schema_copy_field(&sc->out.cols[n], &h->ls->cols[c]);
	sc->is_partition[n] = false;
	sc->src_col[n] = -1;
	for (size_t p = 0; p < h->s->metadata.n_partition_columns; p++)
		if (strcmp(h->s->metadata.partition_columns[p], col) == 0)
			sc->is_partition[n] = true;
	sc->out.ncols = n + 1;
	sc->nhidden++;
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
	if (opts && opts->where && opts->columns) {
		struct hidden h = {sc, ls, s, n};

		delta_pred_columns(opts->where, add_hidden, &h);
		n = sc->out.ncols;
	}
	sc->nlogical = n;
	if (opts && opts->where) {
		int rc = delta_bpred_bind(opts->where, &sc->out, &sc->where, err);

		if (rc != TN_OK) {
			tn_err_prefix(err, "%s", s->t->root);
			delta_scan_close(sc);
			return rc;
		}
	}
	sc->items = tn_calloc(s->nfiles + 1, sizeof(*sc->items));
	for (size_t i = 0; i < s->nfiles; i++) {
		/* Partition pruning and file skipping by statistics. */
		if (sc->where && delta_bpred_skip_file(sc->where, s->files[i],
							s->metadata.partition_columns,
							s->metadata.n_partition_columns,
							sc->mode != MAP_NONE)) {
			sc->m.files_skipped++;
			continue;
		}
		sc->items[sc->nitems++].f = s->files[i];
	}
	sc->m.files_total = s->nfiles;
	*out = sc;
	return TN_OK;
}

const struct tn_schema *delta_scan_schema(const struct delta_scan *sc)
{
	if (sc->nhidden == 0)
		return &sc->out;
	((struct delta_scan *)sc)->vis.cols = sc->out.cols;
	((struct delta_scan *)sc)->vis.ncols = sc->out.ncols - sc->nhidden;
	return &sc->vis;
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
	delta_dv_free(sc->other);
	sc->dv = NULL;
	sc->other = NULL;
	sc->cur = NULL;
	sc->item = NULL;
}

void delta_scan_close(struct delta_scan *sc)
{
	if (sc == NULL)
		return;
	close_file(sc);
	delta_bpred_free(sc->where);
	free(sc->items);
	if (sc->owns_snapshot)
		delta_snapshot_free(sc->s);
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

static int open_file(struct delta_scan *sc, const struct scan_item *it, struct tn_err *err)
{
	const struct delta_file *f = it->f;
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
	cols = tn_calloc(sc->out.ncols + 2, sizeof(char *));
	for (size_t i = 0; i < sc->nlogical; i++) {
		int c = sc->is_partition[i] ? -1 : find_in_file(fs, &sc->out.cols[i], sc->mode);

		sc->src_col[i] = c < 0 ? -1 : (int)ncols;
		if (c >= 0)
			cols[ncols++] = fs->cols[c].name;
	}
	sc->ct_col = -1;
	if (sc->cdf && it->change_type == NULL) {
		int c = tn_schema_find(fs, "_change_type");

		if (c < 0) {
			free(cols);
			return tn_err_set(err, TN_ECORRUPT,
					  "%s: change data file '%s' has no _change_type column",
					  sc->s->t->root, f->path);
		}
		sc->ct_col = (int)ncols;
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
	if (rc == TN_OK && sc->where != NULL && !sc->cdf && !f->has_dv) {
		/* Parquet row-group skipping by chunk statistics. (Not with a
		 * deletion vector: its row numbers count every row group.) */
		size_t n = pq_reader_meta(sc->pr)->n_row_groups;
		bool *keep = tn_calloc(n + 1, sizeof(bool));
		size_t skipped = delta_bpred_row_groups(sc->where, f, sc->s->metadata.partition_columns,
							sc->s->metadata.n_partition_columns,
							sc->mode != MAP_NONE, sc->pr, keep);

		if (skipped > 0)
			rc = pq_reader_select_row_groups(sc->pr, keep, n, err);
		sc->m.row_groups_skipped += skipped;
		free(keep);
	}
	if (rc == TN_OK && f->has_dv)
		rc = delta_dv_load(sc->s->t->st, sc->s->t->root, &f->dv, &sc->dv, err);
	if (rc == TN_OK && it->rows == ROWS_IN_DV && it->has_other)
		rc = delta_dv_load(sc->s->t->st, sc->s->t->root, &it->other, &sc->other, err);
	if (rc != TN_OK)
		tn_err_prefix(err, "%s: data file '%s'", sc->s->t->root, f->path);
	sc->cur = f;
	sc->item = it;
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
int delta_value_parse(const char *s, const struct tn_type *t, void *o, struct tn_err *err)
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
	rc = delta_value_parse(val, &f->type, v->values, err);
	if (rc != TN_OK) {
		tn_err_prefix(err, "%s: data file '%s', partition column '%s'", sc->s->t->root,
			      df->path, f->name);
		return rc;
	}
	for (size_t i = 1; i < n; i++)
		memcpy((uint8_t *)v->values + i * w, v->values, w);
	return TN_OK;
}

/* Change-feed column k (0 _change_type, 1 _commit_version, 2
 * _commit_timestamp) for n rows of the current item. */
static int cdf_column(struct delta_scan *sc, size_t k, size_t n, struct tn_vec *v,
		      struct tn_arena *a)
{
	const struct scan_item *it = sc->item;
	const struct tn_field *f = &sc->out.cols[sc->nlogical + k];

	if (k == 0 && it->change_type == NULL) {
		*v = sc->in.cols[sc->ct_col];
		v->type = &f->type;
		return TN_OK;
	}
	tn_vec_alloc(v, &f->type, n, a);
	v->len = n;
	for (size_t i = 0; i < n; i++) {
		if (k == 0) {
			((struct tn_bytes *)v->values)[i].ptr = (const uint8_t *)it->change_type;
			((struct tn_bytes *)v->values)[i].len = (uint32_t)strlen(it->change_type);
		} else if (k == 1) {
			((int64_t *)v->values)[i] = it->version;
		} else {
			((int64_t *)v->values)[i] = it->ts_ms * 1000;
		}
	}
	return TN_OK;
}

int delta_scan_next(struct delta_scan *sc, struct tn_batch *b, struct tn_err *err)
{
	int rc;

	if (b->cols != NULL)
		tn_batch_done(b);
	b->schema = &sc->out;
	tn_arena_init(&b->arena, 0);
	for (;;) {
		/* A batch whose rows were all filtered out leaves nothing
		 * behind: the arena starts over for the next one. */
		tn_arena_reset(&b->arena);
		b->nrows = 0;
		b->cols = tn_arena_calloc(&b->arena, sc->out.ncols ? sc->out.ncols : 1,
					  sizeof(*b->cols));
		size_t n, keep;
		uint8_t *del = NULL;

		if (sc->pr == NULL) {
			if (sc->next_file >= sc->nitems)
				return TN_OK;
			rc = open_file(sc, &sc->items[sc->next_file++], err);
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
		if (sc->item->rows == ROWS_IN_DV) {
			/* rows the file's vector deletes and the other does not */
			uint8_t *o = tn_arena_alloc(&b->arena, n);

			del = tn_arena_alloc(&b->arena, n);
			if (sc->dv != NULL)
				delta_dv_mask(sc->dv, sc->row_in_file, n, del);
			else
				memset(del, 0, n);
			if (sc->other != NULL)
				delta_dv_mask(sc->other, sc->row_in_file, n, o);
			else
				memset(o, 0, n);
			for (size_t i = 0; i < n; i++) {
				del[i] = !(del[i] && !o[i]);
				keep -= del[i] != 0;
			}
		} else if (sc->dv != NULL) {
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

			if (i >= sc->nlogical && sc->row_index) {
				tn_vec_alloc(&b->cols[i], &f->type, n, &b->arena);
				b->cols[i].len = n;
				for (size_t r = 0; r < n; r++)
					((int64_t *)b->cols[i].values)[r] =
						(int64_t)(sc->row_in_file - n + r);
				rc = TN_OK;
			} else if (i >= sc->nlogical)
				rc = cdf_column(sc, i - sc->nlogical, n, &b->cols[i], &b->arena);
			else if (sc->is_partition[i])
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
		if (sc->where != NULL) {
			uint8_t *drop = tn_arena_alloc(&b->arena, b->nrows ? b->nrows : 1);

			if (delta_bpred_rows(sc->where, b, drop) < b->nrows)
				tn_batch_filter(b, drop);
			if (b->nrows == 0)
				continue;
		}
		b->schema = delta_scan_schema(sc); /* without the hidden columns */
		return TN_OK;
	}
}

/* ---- one file, with row indexes ---- */

int delta_scan_open_file(struct delta_snapshot *s, const struct delta_file *f,
			 struct delta_scan **out, struct tn_err *err)
{
	struct delta_scan *sc;
	size_t n;
	int rc = delta_scan_open(s, NULL, &sc, err);

	*out = NULL;
	if (rc != TN_OK)
		return rc;
	sc->nitems = 0;
	sc->items[sc->nitems++].f = f;
	sc->m.files_total = 1;
	sc->m.files_skipped = 0;
	sc->row_index = true;
	n = sc->out.ncols;
	sc->out.cols = tn_reallocarray(sc->out.cols, n + 1, sizeof(*sc->out.cols));
	memset(&sc->out.cols[n], 0, sizeof(sc->out.cols[n]));
	sc->out.cols[n].name = tn_strdup("_tarn_row_index");
	sc->out.cols[n].type.kind = TN_INT64;
	sc->out.ncols = n + 1;
	sc->is_partition = tn_reallocarray(sc->is_partition, n + 1, sizeof(bool));
	sc->src_col = tn_reallocarray(sc->src_col, n + 1, sizeof(int));
	sc->is_partition[n] = false;
	sc->src_col[n] = -1;
	*out = sc;
	return TN_OK;
}

/* ---- change data feed ---- */

struct commit_actions {
	struct delta_snapshot *s;
	const char *where;
	struct delta_file **adds, **removes, **cdcs;
	size_t nadds, nremoves, ncdcs, cap_a, cap_r, cap_c;
	struct tn_err *err;
};

static void push(struct delta_file ***v, size_t *n, size_t *cap, struct delta_file *f)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = tn_reallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = f;
}

static int collect_line(void *ctx, const cJSON *line)
{
	struct commit_actions *ca = ctx;
	static const char *const kinds[] = {"add", "remove", "cdc"};

	for (int k = 0; k < 3; k++) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(line, kinds[k]);
		const cJSON *dc;
		struct delta_file *f;
		int rc;

		if (!cJSON_IsObject(a))
			continue;
		dc = cJSON_GetObjectItemCaseSensitive(a, "dataChange");
		if (k < 2 && cJSON_IsFalse(dc))
			return TN_OK; /* a rearrangement (OPTIMIZE ...) changes no rows */
		rc = delta_file_parse(ca->s, a, ca->where, &f, ca->err);
		if (rc != TN_OK)
			return rc;
		if (k == 0)
			push(&ca->adds, &ca->nadds, &ca->cap_a, f);
		else if (k == 1)
			push(&ca->removes, &ca->nremoves, &ca->cap_r, f);
		else
			push(&ca->cdcs, &ca->ncdcs, &ca->cap_c, f);
	}
	return TN_OK;
}

static struct scan_item *add_item(struct delta_scan *sc, size_t *cap)
{
	if (sc->nitems == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		sc->items = tn_reallocarray(sc->items, *cap, sizeof(*sc->items));
	}
	memset(&sc->items[sc->nitems], 0, sizeof(*sc->items));
	return &sc->items[sc->nitems++];
}

/* The items of one commit: its cdc files when it has any, else its adds
 * (inserts) and removes (deletes); an add and a remove of the same file
 * with deletion vectors changed only the rows between the two vectors. */
static void commit_items(struct delta_scan *sc, struct commit_actions *ca, int64_t v, int64_t ts,
			 size_t *cap)
{
	bool *paired = tn_calloc(ca->nremoves + 1, sizeof(bool));
	struct scan_item *it;

	if (ca->ncdcs > 0) {
		for (size_t i = 0; i < ca->ncdcs; i++) {
			it = add_item(sc, cap);
			it->f = ca->cdcs[i];
			it->version = v;
			it->ts_ms = ts;
		}
		free(paired);
		return;
	}
	for (size_t i = 0; i < ca->nadds; i++) {
		const struct delta_file *a = ca->adds[i], *r = NULL;

		for (size_t j = 0; j < ca->nremoves && r == NULL; j++)
			if (!paired[j] && (a->has_dv || ca->removes[j]->has_dv) &&
			    strcmp(ca->removes[j]->abs_path, a->abs_path) == 0) {
				r = ca->removes[j];
				paired[j] = true;
			}
		if (r == NULL) {
			it = add_item(sc, cap);
			it->f = a;
			it->change_type = "insert";
		} else {
			if (a->has_dv) { /* newly deleted rows */
				it = add_item(sc, cap);
				it->f = a;
				it->rows = ROWS_IN_DV;
				it->has_other = r->has_dv;
				it->other = r->dv;
				it->change_type = "delete";
				it->version = v;
				it->ts_ms = ts;
			}
			if (r->has_dv) { /* rows no longer deleted (a restore) */
				it = add_item(sc, cap);
				it->f = r;
				it->rows = ROWS_IN_DV;
				it->has_other = a->has_dv;
				it->other = a->dv;
				it->change_type = "insert";
			} else {
				continue;
			}
		}
		it->version = v;
		it->ts_ms = ts;
	}
	for (size_t j = 0; j < ca->nremoves; j++) {
		if (paired[j])
			continue;
		it = add_item(sc, cap);
		it->f = ca->removes[j];
		it->change_type = "delete";
		it->version = v;
		it->ts_ms = ts;
	}
	free(paired);
}

static void cdf_field(struct tn_field *f, const char *name, enum tn_kind kind)
{
	memset(f, 0, sizeof(*f));
	f->name = tn_strdup(name);
	f->type.kind = kind;
	if (kind == TN_TIMESTAMP) {
		f->type.unit = TN_UNIT_MICROS;
		f->type.utc = true;
	}
}

/* A change-feed scan over snapshot s (taken: freed on failure too) with
 * no items yet: the columns of s (or opts' projection) and the feed's. */
static int changes_scan(struct delta_snapshot *s, const char *what,
			const struct delta_scan_opts *opts, struct delta_scan **out,
			struct tn_err *err)
{
	struct delta_scan *sc = NULL;
	size_t n;
	int rc = delta_scan_open(s, opts, &sc, err);

	if (rc != TN_OK) {
		delta_snapshot_free(s);
		return rc;
	}
	sc->owns_snapshot = true;
	if (sc->nhidden > 0) {
		delta_scan_close(sc);
		return tn_err_set(err, TN_EINVAL,
				  "%s: a change-feed filter may only name the columns read", what);
	}
	sc->cdf = true;
	free(sc->items);
	sc->items = NULL;
	sc->nitems = 0;
	n = sc->out.ncols;
	sc->out.cols = tn_reallocarray(sc->out.cols, n + 3, sizeof(*sc->out.cols));
	cdf_field(&sc->out.cols[n], "_change_type", TN_STRING);
	cdf_field(&sc->out.cols[n + 1], "_commit_version", TN_INT64);
	cdf_field(&sc->out.cols[n + 2], "_commit_timestamp", TN_TIMESTAMP);
	sc->out.ncols = n + 3;
	sc->is_partition = tn_reallocarray(sc->is_partition, n + 3, sizeof(bool));
	sc->src_col = tn_reallocarray(sc->src_col, n + 3, sizeof(int));
	for (size_t i = n; i < n + 3; i++) {
		sc->is_partition[i] = false;
		sc->src_col[i] = -1;
	}
	*out = sc;
	return TN_OK;
}

/* The end of a change-feed scan's making: closed on failure. */
static int changes_done(struct delta_scan *sc, int rc, struct delta_scan **out)
{
	if (rc != TN_OK) {
		delta_scan_close(sc);
		return rc;
	}
	sc->m.files_total = sc->nitems;
	sc->m.files_skipped = 0;
	*out = sc;
	return TN_OK;
}

int delta_changes_open(struct delta_table *t, int64_t from, int64_t to,
		       const struct delta_scan_opts *opts, struct delta_scan **out,
		       struct tn_err *err)
{
	struct delta_snapshot *s = NULL;
	struct delta_scan *sc = NULL;
	size_t cap = 0;
	int rc;

	*out = NULL;
	if (to < 0)
		to = t->latest;
	if (from < 0 || from > to || to > t->latest)
		return tn_err_set(err, TN_EINVAL,
				  "%s: no changes from version %lld to %lld (the latest version is %lld)",
				  t->root, (long long)from, (long long)to, (long long)t->latest);
	for (int64_t v = from; v <= to; v++)
		if (delta_commit_file(t, v) == NULL)
			return tn_err_set(err, TN_EINVAL,
					  "%s: commit %lld is not in the log any more (changes need every "
					  "commit from %lld to %lld)",
					  t->root, (long long)v, (long long)from, (long long)to);
	rc = delta_commit_timestamps(t, err);
	if (rc == TN_OK)
		rc = delta_snapshot_open(t, to, &s, err);
	if (rc == TN_OK)
		rc = changes_scan(s, t->root, opts, &sc, err);
	if (rc != TN_OK)
		return rc;
	for (int64_t v = from; rc == TN_OK && v <= to; v++) {
		const char *name = delta_commit_file(t, v);
		char *path = tn_path_join(t->log_dir, name);
		struct commit_actions ca;

		memset(&ca, 0, sizeof(ca));
		ca.s = sc->s;
		ca.where = name;
		ca.err = err;
		rc = delta_each_json_line(t, path, name, collect_line, &ca, err);
		if (rc == TN_OK)
			commit_items(sc, &ca, v, delta_commit_ts(t, v), &cap);
		free(ca.adds);
		free(ca.removes);
		free(ca.cdcs);
		free(path);
	}
	return changes_done(sc, rc, out);
}

int delta_changes_from_actions(struct store *st, const char *root, const char *meta,
			       size_t meta_len, const struct delta_commit_text *c, size_t n,
			       const struct delta_scan_opts *opts, struct delta_scan **out,
			       struct tn_err *err)
{
	struct delta_snapshot *s = NULL;
	struct delta_scan *sc = NULL;
	size_t cap = 0;
	int rc;

	*out = NULL;
	rc = delta_snapshot_from_actions(st, root, n ? c[n - 1].version : 0, 0, meta, meta_len,
					 &s, err);
	if (rc == TN_OK)
		rc = changes_scan(s, root, opts, &sc, err);
	if (rc != TN_OK)
		return rc;
	for (size_t i = 0; rc == TN_OK && i < n; i++) {
		struct commit_actions ca;
		const char *p = c[i].text, *end = c[i].text + c[i].len;
		char where[64];

		snprintf(where, sizeof(where), "version %lld", (long long)c[i].version);
		memset(&ca, 0, sizeof(ca));
		ca.s = sc->s;
		ca.where = where;
		ca.err = err;
		while (rc == TN_OK && p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

			if (len > 0) {
				cJSON *j = cJSON_ParseWithLength(p, len);

				rc = cJSON_IsObject(j) ? collect_line(&ca, j)
						       : tn_err_set(err, TN_ECORRUPT,
								    "%s: %s: a line is not a JSON object",
								    root, where);
				cJSON_Delete(j);
			}
			p = nl ? nl + 1 : end;
		}
		if (rc == TN_OK)
			commit_items(sc, &ca, c[i].version, c[i].ts_ms, &cap);
		free(ca.adds);
		free(ca.removes);
		free(ca.cdcs);
	}
	return changes_done(sc, rc, out);
}
