/* sink.c - writing rows into a Delta table's data files: rows are split by
 * their partition values (one open file per partition, under Hive-style
 * directories col=value/), columns are written under their physical names
 * when the table maps columns, and every file gets the statistics the log
 * records (numRecords, minValues, maxValues, nullCount). Files roll over
 * after a number of rows. Nothing is part of the table until a commit
 * adds the files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/hmap.h"
#include "base/str.h"
#include "base/time.h"
#include "base/valfmt.h"
#include "delta/write_int.h"
#include "parquet/parquet.h"

/* Strings in statistics are cut to this many characters. */
#define STATS_PREFIX 32
#define DEFAULT_FILE_ROWS (8 * 1024 * 1024)

int delta_map_mode_of(const char *property)
{
	if (property == NULL || strcmp(property, "none") == 0)
		return DELTA_MAP_NONE;
	return strcmp(property, "id") == 0 ? DELTA_MAP_ID : DELTA_MAP_NAME;
}

void delta_uuid4(char out[37])
{
	uint8_t b[16];

	delta_uuid4_bytes(b, out);
}

void delta_uuid4_bytes(uint8_t b[16], char out[37])
{
	if (getrandom(b, 16, 0) != 16) {
		uint64_t x = (uint64_t)tn_time_now_us() ^ ((uint64_t)getpid() << 40);

		for (int i = 0; i < 16; i++, x = x * 6364136223846793005ULL + 1442695040888963407ULL)
			b[i] = (uint8_t)(x >> 56);
	}
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

/* ---- schema to JSON ---- */

cJSON *delta_field_json(const struct tn_field *f, struct tn_err *err)
{
	cJSON *o = cJSON_CreateObject(), *ty = delta_type_json(&f->type, err), *m;

	if (ty == NULL) {
		cJSON_Delete(o);
		tn_err_prefix(err, "column '%s'", f->name);
		return NULL;
	}
	cJSON_AddStringToObject(o, "name", f->name);
	cJSON_AddItemToObject(o, "type", ty);
	cJSON_AddBoolToObject(o, "nullable", f->nullable);
	m = cJSON_AddObjectToObject(o, "metadata");
	if (f->has_field_id)
		cJSON_AddNumberToObject(m, "delta.columnMapping.id", f->field_id);
	if (f->physical != NULL)
		cJSON_AddStringToObject(m, "delta.columnMapping.physicalName", f->physical);
	return o;
}

cJSON *delta_type_json(const struct tn_type *t, struct tn_err *err)
{
	char buf[32];

	switch (t->kind) {
	case TN_BOOL: return cJSON_CreateString("boolean");
	case TN_INT8: return cJSON_CreateString("byte");
	case TN_INT16: return cJSON_CreateString("short");
	case TN_INT32: return cJSON_CreateString("integer");
	case TN_INT64: return cJSON_CreateString("long");
	case TN_FLOAT: return cJSON_CreateString("float");
	case TN_DOUBLE: return cJSON_CreateString("double");
	case TN_STRING: return cJSON_CreateString("string");
	case TN_BINARY: return cJSON_CreateString("binary");
	case TN_DATE: return cJSON_CreateString("date");
	case TN_DECIMAL:
		snprintf(buf, sizeof(buf), "decimal(%u,%u)", t->precision, t->scale);
		return cJSON_CreateString(buf);
	case TN_TIMESTAMP:
		if (t->unit == TN_UNIT_MICROS)
			return cJSON_CreateString(t->utc ? "timestamp" : "timestamp_ntz");
		break;
	case TN_STRUCT: {
		cJSON *o = cJSON_CreateObject(), *fs = cJSON_AddArrayToObject(o, "fields");

		cJSON_AddStringToObject(o, "type", "struct");
		for (size_t i = 0; i < t->nfields; i++) {
			cJSON *f = delta_field_json(&t->fields[i], err);

			if (f == NULL) {
				cJSON_Delete(o);
				return NULL;
			}
			cJSON_AddItemToArray(fs, f);
		}
		return o;
	}
	case TN_LIST: {
		cJSON *o = cJSON_CreateObject(), *e = delta_type_json(&t->fields[0].type, err);

		if (e == NULL) {
			cJSON_Delete(o);
			return NULL;
		}
		cJSON_AddStringToObject(o, "type", "array");
		cJSON_AddItemToObject(o, "elementType", e);
		cJSON_AddBoolToObject(o, "containsNull", t->fields[0].nullable);
		return o;
	}
	case TN_MAP: {
		cJSON *o = cJSON_CreateObject(), *k = delta_type_json(&t->fields[0].type, err), *v;

		v = k ? delta_type_json(&t->fields[1].type, err) : NULL;
		if (v == NULL) {
			cJSON_Delete(k);
			cJSON_Delete(o);
			return NULL;
		}
		cJSON_AddStringToObject(o, "type", "map");
		cJSON_AddItemToObject(o, "keyType", k);
		cJSON_AddItemToObject(o, "valueType", v);
		cJSON_AddBoolToObject(o, "valueContainsNull", t->fields[1].nullable);
		return o;
	}
	default:
		break;
	}
	{
		char name[64];

		tn_err_set(err, TN_EUNSUPPORTED, "type %s cannot be written to a Delta table",
			   tn_type_name(t, name, sizeof(name)));
	}
	return NULL;
}

/* ---- partition values ---- */

char *delta_partition_text(const struct tn_vec *v, size_t i)
{
	const struct tn_type *t = v->type;
	char buf[TN_TIME_BUFSZ + 16];

	if (tn_vec_is_null(v, i))
		return NULL;
	switch (t->kind) {
	case TN_STRING:
	case TN_BINARY: {
		const struct tn_bytes *b = &((const struct tn_bytes *)v->values)[i];

		if (b->len == 0)
			return NULL; /* Delta treats an empty partition value as null */
		return tn_strndup((const char *)b->ptr, b->len);
	}
	case TN_BOOL: return tn_strdup(((const uint8_t *)v->values)[i] ? "true" : "false");
	case TN_INT8: snprintf(buf, sizeof(buf), "%d", ((const int8_t *)v->values)[i]); break;
	case TN_INT16: snprintf(buf, sizeof(buf), "%d", ((const int16_t *)v->values)[i]); break;
	case TN_INT32: snprintf(buf, sizeof(buf), "%d", ((const int32_t *)v->values)[i]); break;
	case TN_INT64:
		snprintf(buf, sizeof(buf), "%lld", (long long)((const int64_t *)v->values)[i]);
		break;
	case TN_FLOAT: snprintf(buf, sizeof(buf), "%.9g", ((const float *)v->values)[i]); break;
	case TN_DOUBLE: snprintf(buf, sizeof(buf), "%.17g", ((const double *)v->values)[i]); break;
	case TN_DATE: tn_date_format(((const int32_t *)v->values)[i], buf); break;
	case TN_DECIMAL: tn_decimal_format(tn_vec_decimal(v, i), t->scale, buf); break;
	case TN_TIMESTAMP: {
		/* Spark's form: "2024-01-31 12:00:00.123456" (no zone) */
		char *p;

		tn_time_format(((const int64_t *)v->values)[i], false, buf);
		if ((p = strchr(buf, 'T')) != NULL)
			*p = ' ';
		break;
	}
	default: return NULL;
	}
	return tn_strdup(buf);
}

/* Hive's escaping of a partition directory name (Spark's
 * ExternalCatalogUtils): control characters and "#%'*\/:=?\\{[]^ as %XX. */
static void hive_escape(struct tn_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || strchr("\"#%'*/:=?\\{[]^", *p) != NULL)
			tn_buf_printf(b, NULL, "%%%02X", *p);
		else
			tn_buf_putc(b, (char)*p, NULL);
	}
}

/* ---- statistics ---- */

struct colacc {
	bool any;
	int64_t nulls;
	_Alignas(16) uint8_t min[16], max[16];
	char *minb, *maxb; /* copies of string extremes */
	uint32_t minl, maxl;
};

static bool stat_kind(const struct tn_type *t)
{
	return !tn_type_is_nested(t) && t->kind != TN_BINARY && t->kind != TN_BOOL;
}

static void keep_string(char **dst, uint32_t *dl, const struct tn_bytes *s)
{
	free(*dst);
	*dst = tn_malloc(s->len + 1);
	memcpy(*dst, s->ptr, s->len);
	*dl = s->len;
}

static void accumulate(struct colacc *a, const struct tn_vec *v, size_t n)
{
	const struct tn_type *t = v->type;
	size_t width = tn_type_width(t);

	for (size_t i = 0; i < n; i++) {
		const void *p;

		if (tn_vec_is_null(v, i)) {
			a->nulls++;
			continue;
		}
		if (!stat_kind(t))
			continue;
		if (t->kind == TN_STRING) {
			const struct tn_bytes *s = &((const struct tn_bytes *)v->values)[i];
			struct tn_bytes lo = {(const uint8_t *)a->minb, a->minl};
			struct tn_bytes hi = {(const uint8_t *)a->maxb, a->maxl};

			if (!a->any || tn_value_cmp(t, s, &lo) < 0)
				keep_string(&a->minb, &a->minl, s);
			if (!a->any || tn_value_cmp(t, s, &hi) > 0)
				keep_string(&a->maxb, &a->maxl, s);
			a->any = true;
			continue;
		}
		p = (const uint8_t *)v->values + i * width;
		if ((t->kind == TN_FLOAT && *(const float *)p != *(const float *)p) ||
		    (t->kind == TN_DOUBLE && *(const double *)p != *(const double *)p))
			continue; /* NaN is never a bound */
		if (!a->any || tn_value_cmp(t, p, a->min) < 0)
			memcpy(a->min, p, width);
		if (!a->any || tn_value_cmp(t, p, a->max) > 0)
			memcpy(a->max, p, width);
		a->any = true;
	}
}

static void add_bound(cJSON *dst, const char *name, const struct tn_type *t, const void *v, bool max)
{
	char buf[64];

	switch (t->kind) {
	case TN_DATE:
		cJSON_AddStringToObject(dst, name, tn_date_format(*(const int32_t *)v, buf));
		break;
	case TN_TIMESTAMP: {
		/* milliseconds, as Spark writes them: the minimum rounds down,
		 * the maximum up */
		int64_t us = *(const int64_t *)v;
		int64_t ms = max ? (us >= 0 ? (us + 999) / 1000 : -((-us) / 1000))
				 : (us >= 0 ? us / 1000 : -((-us + 999) / 1000));

		cJSON_AddStringToObject(dst, name, tn_time_format_ms(ms, t->utc, buf));
		break;
	}
	case TN_DECIMAL:
		tn_decimal_format(t->precision > 18 ? *(const __int128 *)v : *(const int64_t *)v,
				  t->scale, buf);
		cJSON_AddRawToObject(dst, name, buf);
		break;
	case TN_FLOAT: cJSON_AddNumberToObject(dst, name, *(const float *)v); break;
	case TN_DOUBLE: cJSON_AddNumberToObject(dst, name, *(const double *)v); break;
	case TN_INT8: cJSON_AddNumberToObject(dst, name, *(const int8_t *)v); break;
	case TN_INT16: cJSON_AddNumberToObject(dst, name, *(const int16_t *)v); break;
	case TN_INT32: cJSON_AddNumberToObject(dst, name, *(const int32_t *)v); break;
	default:
		snprintf(buf, sizeof(buf), "%lld", (long long)*(const int64_t *)v);
		cJSON_AddRawToObject(dst, name, buf);
		break;
	}
}

/* ---- the sink ---- */

struct part_out {
	char **pv;             /* partition values of this partition */
	char *dir;             /* "" or "a=1/b=x/" (escaped) */
	struct pq_writer *pw;  /* the open file, or NULL */
	char *name;            /* its path relative to the root */
	int64_t rows;
	struct colacc *acc;    /* per file column */
};

struct delta_sink {
	struct store *st;
	char *root;
	struct delta_sink_opts o;
	struct tn_schema file;  /* columns in the data files (physical names) */
	int *src;               /* per file column: the batch column */
	int *part_col;          /* per partition column: the batch column */
	size_t stats_cols;      /* file columns with statistics */
	struct tn_hmap parts;   /* key -> struct part_out */
	struct tn_arena keys;
	struct part_out **open; /* every partition seen, in order */
	size_t nopen;
	struct delta_out_file *files;
	size_t nfiles, seq;
};

/* The field as it is in the data files: physical names all the way down. */
static void physical_field(struct tn_field *dst, const struct tn_field *src, int mode)
{
	tn_schema_copy_field(dst, src);
	if (mode == DELTA_MAP_NONE)
		return;
	if (src->physical != NULL) {
		free(dst->name);
		dst->name = tn_strdup(src->physical);
	}
	if (dst->type.kind == TN_STRUCT)
		for (size_t i = 0; i < dst->type.nfields; i++) {
			tn_field_done(&dst->type.fields[i]);
			physical_field(&dst->type.fields[i], &src->type.fields[i], mode);
		}
}

int delta_sink_open(struct store *st, const char *root, const struct delta_sink_opts *o,
		    struct delta_sink **out, struct tn_err *err)
{
	struct delta_sink *k = tn_calloc(1, sizeof(*k));
	const struct tn_schema *s = o->schema;
	size_t n = 0, limit;

	k->st = st;
	k->root = tn_strdup(root);
	k->o = *o;
	if (k->o.file_rows <= 0)
		k->o.file_rows = DEFAULT_FILE_ROWS;
	k->file.cols = tn_calloc(s->ncols ? s->ncols : 1, sizeof(*k->file.cols));
	k->src = tn_calloc(s->ncols ? s->ncols : 1, sizeof(int));
	k->part_col = tn_calloc(o->npartition_columns + 1, sizeof(int));
	tn_hmap_init(&k->parts);
	tn_arena_init(&k->keys, 0);
	for (size_t p = 0; p < o->npartition_columns; p++) {
		int c = tn_schema_find(s, o->partition_columns[p]);

		if (c < 0 || tn_type_is_nested(&s->cols[c].type)) {
			int rc = tn_err_set(err, TN_EINVAL, "%s: partition column '%s' %s", root,
					    o->partition_columns[p],
					    c < 0 ? "is not a column" : "is not of a primitive type");

			delta_sink_free(k, false);
			return rc;
		}
		k->part_col[p] = c;
	}
	for (size_t c = 0; c < s->ncols; c++) {
		bool is_part = false;

		for (size_t p = 0; p < o->npartition_columns; p++)
			is_part |= k->part_col[p] == (int)c;
		if (is_part)
			continue;
		physical_field(&k->file.cols[n], &s->cols[c], o->map_mode);
		k->src[n++] = (int)c;
	}
	k->file.ncols = n;
	if (n == 0) {
		int rc = tn_err_set(err, TN_EINVAL, "%s: every column is a partition column", root);

		delta_sink_free(k, false);
		return rc;
	}
	/* Statistics cover the first N columns of the table (partition
	 * columns count but need none). */
	limit = o->stats_cols < 0 ? s->ncols : (size_t)o->stats_cols;
	for (size_t i = 0; i < n && !o->cdc; i++)
		if ((size_t)k->src[i] < limit)
			k->stats_cols = i + 1;
	*out = k;
	return TN_OK;
}

static char *stats_json(struct delta_sink *k, struct part_out *p)
{
	cJSON *o = cJSON_CreateObject(), *mn, *mx, *nc;
	char *s;

	cJSON_AddNumberToObject(o, "numRecords", (double)p->rows);
	mn = cJSON_AddObjectToObject(o, "minValues");
	mx = cJSON_AddObjectToObject(o, "maxValues");
	nc = cJSON_AddObjectToObject(o, "nullCount");
	for (size_t c = 0; c < k->stats_cols; c++) {
		const struct tn_field *f = &k->file.cols[c];
		const struct tn_type *t = &f->type;
		struct colacc *a = &p->acc[c];

		if (tn_type_is_nested(t))
			continue;
		cJSON_AddNumberToObject(nc, f->name, (double)a->nulls);
		if (!a->any)
			continue;
		if (t->kind == TN_STRING) {
			/* A cut minimum is still a lower bound; a cut maximum
			 * is none, so a long one is left out. */
			uint32_t len = a->minl;
			char *str;

			/* cut on a UTF-8 character boundary */
			if (len > STATS_PREFIX) {
				len = STATS_PREFIX;
				while (len > 0 && ((unsigned char)a->minb[len] & 0xc0) == 0x80)
					len--;
			}
			str = tn_strndup(a->minb, len);
			cJSON_AddStringToObject(mn, f->name, str);
			free(str);
			if (a->maxl <= STATS_PREFIX) {
				str = tn_strndup(a->maxb, a->maxl);
				cJSON_AddStringToObject(mx, f->name, str);
				free(str);
			}
			continue;
		}
		add_bound(mn, f->name, t, a->min, false);
		add_bound(mx, f->name, t, a->max, true);
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static void free_acc(struct delta_sink *k, struct part_out *p)
{
	if (p->acc == NULL)
		return;
	for (size_t c = 0; c < k->file.ncols; c++) {
		free(p->acc[c].minb);
		free(p->acc[c].maxb);
	}
	memset(p->acc, 0, sizeof(*p->acc) * k->file.ncols);
}

static int open_file(struct delta_sink *k, struct part_out *p, struct tn_err *err)
{
	struct pq_write_opts wo;
	char id[37], *path;
	int rc;

	delta_uuid4(id);
	pq_write_opts_init(&wo);
	p->name = tn_asprintf("%s%s%spart-%05zu-%s-c000.zstd.parquet", k->o.prefix ? k->o.prefix : "",
			      k->o.prefix && *k->o.prefix ? "/" : "", p->dir, k->seq++, id);
	path = tn_path_join(k->root, p->name);
	rc = pq_writer_open(k->st, path, &k->file, &wo, &p->pw, err);
	free(path);
	p->rows = 0;
	if (p->acc == NULL)
		p->acc = tn_calloc(k->file.ncols, sizeof(*p->acc));
	return rc;
}

static int close_file(struct delta_sink *k, struct part_out *p, struct tn_err *err)
{
	struct pq_write_result res;
	struct delta_out_file *f;
	int rc = pq_writer_close(p->pw, &res, err);

	p->pw = NULL;
	if (rc != TN_OK) {
		free(p->name);
		p->name = NULL;
		return rc;
	}
	k->files = tn_reallocarray(k->files, k->nfiles + 1, sizeof(*k->files));
	f = &k->files[k->nfiles++];
	f->path = p->name;
	f->size = res.file_size;
	f->rows = p->rows;
	f->stats = k->o.cdc ? NULL : stats_json(k, p);
	f->pv = tn_calloc(k->o.npartition_columns + 1, sizeof(char *));
	for (size_t i = 0; i < k->o.npartition_columns; i++)
		f->pv[i] = p->pv[i] ? tn_strdup(p->pv[i]) : NULL;
	p->name = NULL;
	free_acc(k, p);
	return TN_OK;
}

/* Write rows of b (all of one partition) to p's file. */
static int write_part(struct delta_sink *k, struct part_out *p, const struct tn_batch *b,
		      struct tn_err *err)
{
	struct tn_batch view;
	int rc;

	if (b->nrows == 0)
		return TN_OK;
	if (p->pw == NULL && (rc = open_file(k, p, err)) != TN_OK)
		return rc;
	view.schema = &k->file;
	view.nrows = b->nrows;
	memset(&view.arena, 0, sizeof(view.arena)); /* values stay in b's */
	view.cols = tn_calloc(k->file.ncols, sizeof(*view.cols));
	for (size_t c = 0; c < k->file.ncols; c++) {
		view.cols[c] = b->cols[k->src[c]];
		if (c < k->stats_cols)
			accumulate(&p->acc[c], &view.cols[c], b->nrows);
	}
	rc = pq_writer_write(p->pw, &view, err);
	free(view.cols);
	if (rc != TN_OK)
		return rc;
	p->rows += (int64_t)b->nrows;
	if (p->rows >= k->o.file_rows)
		rc = close_file(k, p, err);
	return rc;
}

static struct part_out *partition(struct delta_sink *k, char **pv)
{
	struct tn_buf key = TN_BUF_INIT, dir = TN_BUF_INIT;
	struct part_out *p;
	char *ks;

	for (size_t i = 0; i < k->o.npartition_columns; i++) {
		if (pv[i] == NULL)
			tn_buf_putc(&key, '\2', NULL);
		else
			tn_buf_puts(&key, pv[i], NULL);
		tn_buf_putc(&key, '\1', NULL);
	}
	p = tn_hmap_get(&k->parts, key.data ? key.data : "", key.len);
	if (p != NULL) {
		tn_buf_done(&key);
		for (size_t i = 0; i < k->o.npartition_columns; i++)
			free(pv[i]);
		return p;
	}
	p = tn_calloc(1, sizeof(*p));
	p->pv = tn_calloc(k->o.npartition_columns + 1, sizeof(char *));
	for (size_t i = 0; i < k->o.npartition_columns; i++) {
		p->pv[i] = pv[i];
		/* Column-mapped tables keep their files at the root: partition
		 * directories would name physical columns. */
		if (k->o.map_mode != DELTA_MAP_NONE)
			continue;
		hive_escape(&dir, k->o.partition_columns[i]);
		tn_buf_putc(&dir, '=', NULL);
		if (pv[i] == NULL)
			tn_buf_puts(&dir, "__HIVE_DEFAULT_PARTITION__", NULL);
		else
			hive_escape(&dir, pv[i]);
		tn_buf_putc(&dir, '/', NULL);
	}
	p->dir = dir.data ? tn_buf_detach(&dir, NULL) : tn_strdup("");
	ks = tn_arena_strndup(&k->keys, key.data ? key.data : "", key.len);
	tn_hmap_put(&k->parts, ks, key.len, p);
	tn_buf_done(&key);
	k->open = tn_reallocarray(k->open, k->nopen + 1, sizeof(*k->open));
	k->open[k->nopen++] = p;
	return p;
}

int delta_sink_write(struct delta_sink *k, const struct tn_batch *b, struct tn_err *err)
{
	size_t np = k->o.npartition_columns, n = b->nrows;
	struct part_out **row_part;
	uint8_t *keep;
	int rc = TN_OK;

	if (n == 0)
		return TN_OK;
	if (np == 0) {
		char *none = NULL;

		return write_part(k, partition(k, &none), b, err);
	}
	row_part = tn_calloc(n, sizeof(*row_part));
	for (size_t i = 0; i < n; i++) {
		char *pv[np ? np : 1];

		for (size_t p = 0; p < np; p++)
			pv[p] = delta_partition_text(&b->cols[k->part_col[p]], i);
		row_part[i] = partition(k, pv);
	}
	/* The common case: every row in one partition. */
	{
		size_t i = 1;

		while (i < n && row_part[i] == row_part[0])
			i++;
		if (i == n) {
			rc = write_part(k, row_part[0], b, err);
			free(row_part);
			return rc;
		}
	}
	keep = tn_malloc(n);
	for (size_t i = 0; i < n && rc == TN_OK; i++) {
		struct part_out *p = row_part[i];
		struct tn_batch sel;

		if (p == NULL)
			continue; /* written with an earlier partition */
		for (size_t j = i; j < n; j++) {
			keep[j] = row_part[j] == p;
			if (keep[j])
				row_part[j] = NULL;
		}
		memset(keep, 0, i);
		keep[i] = 1;
		tn_batch_select(&sel, b, keep);
		rc = write_part(k, p, &sel, err);
		tn_batch_done(&sel);
	}
	free(keep);
	free(row_part);
	return rc;
}

int delta_sink_finish(struct delta_sink *k, struct tn_err *err)
{
	for (size_t i = 0; i < k->nopen; i++)
		if (k->open[i]->pw != NULL) {
			int rc = close_file(k, k->open[i], err);

			if (rc != TN_OK)
				return rc;
		}
	return TN_OK;
}

size_t delta_sink_nfiles(const struct delta_sink *k)
{
	return k->nfiles;
}

const struct delta_out_file *delta_sink_file(const struct delta_sink *k, size_t i)
{
	return &k->files[i];
}

void delta_sink_free(struct delta_sink *k, bool remove)
{
	if (k == NULL)
		return;
	for (size_t i = 0; i < k->nopen; i++) {
		struct part_out *p = k->open[i];

		if (p->pw != NULL)
			pq_writer_abort(p->pw); /* nothing of it is visible yet */
		free_acc(k, p);
		free(p->acc);
		free(p->name);
		for (size_t j = 0; j < k->o.npartition_columns; j++)
			free(p->pv[j]);
		free(p->pv);
		free(p->dir);
		free(p);
	}
	free(k->open);
	for (size_t i = 0; i < k->nfiles; i++) {
		if (remove) {
			char *path = tn_path_join(k->root, k->files[i].path);

			store_remove(k->st, path, NULL);
			free(path);
		}
		free(k->files[i].path);
		free(k->files[i].stats);
		for (size_t j = 0; j < k->o.npartition_columns; j++)
			free(k->files[i].pv[j]);
		free(k->files[i].pv);
	}
	free(k->files);
	tn_hmap_done(&k->parts);
	tn_arena_done(&k->keys);
	tn_schema_done(&k->file);
	free(k->src);
	free(k->part_col);
	free(k->root);
	free(k);
}
