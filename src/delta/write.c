/* write.c - writing Delta tables: creating a table, and appending to or
 * overwriting it in one atomic commit. New data files are written first;
 * the commit (a create-if-absent of the next _delta_log/N.json) makes them
 * part of the table. A blind append that loses the race to another writer
 * retries at the next version unless the winner changed the protocol or
 * the metadata. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/time.h"
#include "base/valfmt.h"
#include "config.h"
#include "delta/delta_int.h"
#include "parquet/parquet.h"

/* Statistics are kept for the first 32 columns, strings cut to 32 chars. */
#define STATS_COLS 32
#define STATS_PREFIX 32
#define MAX_RETRIES 100

struct colacc {
	bool any;
	int64_t nulls;
	_Alignas(16) uint8_t min[16], max[16];
	char *minb, *maxb; /* copies of string extremes */
	uint32_t minl, maxl;
};

struct out_file {
	char *name;     /* relative to the root */
	uint64_t size;
	int64_t rows;
	char *stats;    /* JSON */
};

struct delta_writer {
	struct store *st;
	char *root;
	int mode;                   /* enum delta_write_mode */
	bool create;                /* the table does not exist yet */
	struct delta_table *t;
	struct delta_snapshot *s;   /* the version read, NULL when creating */
	struct tn_schema schema;    /* the table's schema (copy) */
	struct pq_writer *pw;       /* the open data file */
	char *cur_name;
	int64_t cur_rows;
	struct colacc *acc;
	struct out_file *files;
	size_t nfiles;
	int64_t rows;
	int64_t started_ms;
};

static void delta_writer_abort_keep(struct delta_writer *w);

/* ---- schema to JSON ---- */

static cJSON *type_json(const struct tn_type *t, struct tn_err *err);

static cJSON *field_json(const struct tn_field *f, struct tn_err *err)
{
	cJSON *o = cJSON_CreateObject(), *ty = type_json(&f->type, err);

	if (ty == NULL) {
		cJSON_Delete(o);
		tn_err_prefix(err, "column '%s'", f->name);
		return NULL;
	}
	cJSON_AddStringToObject(o, "name", f->name);
	cJSON_AddItemToObject(o, "type", ty);
	cJSON_AddBoolToObject(o, "nullable", f->nullable);
	cJSON_AddObjectToObject(o, "metadata");
	return o;
}

static cJSON *type_json(const struct tn_type *t, struct tn_err *err)
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
		if (t->unit == TN_UNIT_MICROS && t->utc)
			return cJSON_CreateString("timestamp");
		break;
	case TN_STRUCT: {
		cJSON *o = cJSON_CreateObject(), *fs = cJSON_AddArrayToObject(o, "fields");

		cJSON_AddStringToObject(o, "type", "struct");
		for (size_t i = 0; i < t->nfields; i++) {
			cJSON *f = field_json(&t->fields[i], err);

			if (f == NULL) {
				cJSON_Delete(o);
				return NULL;
			}
			cJSON_AddItemToArray(fs, f);
		}
		return o;
	}
	case TN_LIST: {
		cJSON *o = cJSON_CreateObject(), *e = type_json(&t->fields[0].type, err);

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
		cJSON *o = cJSON_CreateObject(), *k = type_json(&t->fields[0].type, err), *v;

		v = k ? type_json(&t->fields[1].type, err) : NULL;
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

		tn_err_set(err, TN_EUNSUPPORTED, "type %s cannot be written to a Delta table yet",
			   tn_type_name(t, name, sizeof(name)));
	}
	return NULL;
}

/* ---- statistics ---- */

static bool stat_kind(const struct tn_type *t)
{
	return !tn_type_is_nested(t) && t->kind != TN_BINARY && t->kind != TN_BOOL;
}

static void accumulate(struct delta_writer *w, const struct tn_batch *b)
{
	for (size_t c = 0; c < w->schema.ncols && c < STATS_COLS; c++) {
		const struct tn_vec *v = &b->cols[c];
		const struct tn_type *t = &w->schema.cols[c].type;
		struct colacc *a = &w->acc[c];
		size_t width = tn_type_width(t);

		if (tn_type_is_nested(t))
			continue;
		for (size_t i = 0; i < b->nrows; i++) {
			const void *p;
			uint32_t len = 0;

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

				p = s->ptr;
				len = s->len;
				if (!a->any || tn_value_cmp(t, s, &lo) < 0) {
					free(a->minb);
					a->minb = tn_malloc(len + 1);
					memcpy(a->minb, p, len);
					a->minl = len;
				}
				if (!a->any || tn_value_cmp(t, s, &hi) > 0) {
					free(a->maxb);
					a->maxb = tn_malloc(len + 1);
					memcpy(a->maxb, p, len);
					a->maxl = len;
				}
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
}

/* The Delta statistics JSON of the current file. */
static char *stats_json(struct delta_writer *w)
{
	cJSON *o = cJSON_CreateObject(), *mn, *mx, *nc;
	char *s, buf[64];

	cJSON_AddNumberToObject(o, "numRecords", (double)w->cur_rows);
	mn = cJSON_AddObjectToObject(o, "minValues");
	mx = cJSON_AddObjectToObject(o, "maxValues");
	nc = cJSON_AddObjectToObject(o, "nullCount");
	for (size_t c = 0; c < w->schema.ncols && c < STATS_COLS; c++) {
		const struct tn_field *f = &w->schema.cols[c];
		const struct tn_type *t = &f->type;
		struct colacc *a = &w->acc[c];

		if (tn_type_is_nested(t))
			continue;
		cJSON_AddNumberToObject(nc, f->name, (double)a->nulls);
		if (!a->any)
			continue;
		if (t->kind == TN_STRING) {
			/* Cut long strings: the minimum's prefix is still a lower
			 * bound; a cut maximum is no upper bound, so it is left
			 * out (readers then cannot skip by it). */
			uint32_t n = a->minl;
			char *p;

			while (n > STATS_PREFIX)
				n--;
			p = tn_strndup(a->minb, n);
			cJSON_AddStringToObject(mn, f->name, p);
			free(p);
			if (a->maxl <= STATS_PREFIX) {
				p = tn_strndup(a->maxb, a->maxl);
				cJSON_AddStringToObject(mx, f->name, p);
				free(p);
			}
			continue;
		}
		for (int k = 0; k < 2; k++) {
			const void *v = k ? a->max : a->min;
			cJSON *dst = k ? mx : mn;

			switch (t->kind) {
			case TN_DATE:
				cJSON_AddStringToObject(dst, f->name, tn_date_format(*(const int32_t *)v, buf));
				break;
			case TN_TIMESTAMP:
				/* milliseconds, as Spark writes them: the minimum
				 * rounds down, the maximum up */
				cJSON_AddStringToObject(dst, f->name,
							tn_time_format_ms(k ? (*(const int64_t *)v + 999) / 1000
									    : (*(const int64_t *)v >= 0 ? *(const int64_t *)v / 1000
													: -((-*(const int64_t *)v + 999) / 1000)),
									  true, buf));
				break;
			case TN_DECIMAL: {
				char d[48];

				tn_decimal_format(t->precision > 18 ? *(const __int128 *)v : *(const int64_t *)v,
						  t->scale, d);
				cJSON_AddRawToObject(dst, f->name, d);
				break;
			}
			case TN_FLOAT:
				cJSON_AddNumberToObject(dst, f->name, *(const float *)v);
				break;
			case TN_DOUBLE:
				cJSON_AddNumberToObject(dst, f->name, *(const double *)v);
				break;
			case TN_INT8: cJSON_AddNumberToObject(dst, f->name, *(const int8_t *)v); break;
			case TN_INT16: cJSON_AddNumberToObject(dst, f->name, *(const int16_t *)v); break;
			case TN_INT32: cJSON_AddNumberToObject(dst, f->name, *(const int32_t *)v); break;
			default:
				snprintf(buf, sizeof(buf), "%lld", (long long)*(const int64_t *)v);
				cJSON_AddRawToObject(dst, f->name, buf);
				break;
			}
		}
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* ---- files ---- */

static void uuid4(char out[37])
{
	uint8_t b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
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

static int open_data_file(struct delta_writer *w, struct tn_err *err)
{
	struct pq_write_opts o;
	char id[37], *path;
	int rc;

	uuid4(id);
	pq_write_opts_init(&o);
	w->cur_name = tn_asprintf("part-%05zu-%s-c000.zstd.parquet", w->nfiles, id);
	path = tn_path_join(w->root, w->cur_name);
	rc = pq_writer_open(w->st, path, &w->schema, &o, &w->pw, err);
	free(path);
	w->cur_rows = 0;
	memset(w->acc, 0, sizeof(*w->acc) * (w->schema.ncols + 1));
	return rc;
}

static int close_data_file(struct delta_writer *w, struct tn_err *err)
{
	struct pq_write_result res;
	struct out_file *f;
	int rc = pq_writer_close(w->pw, &res, err);

	w->pw = NULL;
	if (rc != TN_OK)
		return rc;
	w->files = tn_reallocarray(w->files, w->nfiles + 1, sizeof(*w->files));
	f = &w->files[w->nfiles++];
	f->name = w->cur_name;
	f->size = res.file_size;
	f->rows = w->cur_rows;
	f->stats = stats_json(w);
	w->cur_name = NULL;
	for (size_t c = 0; c < w->schema.ncols; c++) {
		free(w->acc[c].minb);
		free(w->acc[c].maxb);
		w->acc[c].minb = w->acc[c].maxb = NULL;
	}
	return TN_OK;
}

/* ---- the writer ---- */

static bool same_type(const struct tn_type *a, const struct tn_type *b)
{
	if (a->kind != b->kind || a->nfields != b->nfields)
		return false;
	if (a->kind == TN_DECIMAL && (a->precision != b->precision || a->scale != b->scale))
		return false;
	if (a->kind == TN_TIMESTAMP && (a->unit != b->unit || a->utc != b->utc))
		return false;
	for (size_t i = 0; i < a->nfields; i++)
		if (!same_type(&a->fields[i].type, &b->fields[i].type))
			return false;
	return true;
}

int delta_writer_open(struct store *st, const char *root, const struct tn_schema *schema,
		      int mode, struct delta_writer **out, struct tn_err *err)
{
	struct delta_writer *w = tn_calloc(1, sizeof(*w));
	int rc = TN_OK;

	*out = NULL;
	w->st = st;
	w->root = tn_strdup(root);
	w->mode = mode;
	w->started_ms = tn_time_now_us() / 1000;
	if (delta_is_table(st, root)) {
		const struct tn_schema *ts;

		rc = delta_table_open(st, root, &w->t, err);
		if (rc == TN_OK)
			rc = delta_snapshot_open(w->t, -1, &w->s, err);
		if (rc != TN_OK)
			goto fail;
		if (w->s->protocol.min_writer_version > 2 || w->s->metadata.n_partition_columns > 0 ||
		    delta_snapshot_property(w->s, "delta.columnMapping.mode") != NULL) {
			rc = tn_err_set(err, TN_EUNSUPPORTED,
					"%s: tarn cannot write to this table yet (writer version %d%s)",
					root, w->s->protocol.min_writer_version,
					w->s->metadata.n_partition_columns ? ", partitioned" : "");
			goto fail;
		}
		ts = delta_snapshot_schema(w->s);
		if (ts->ncols != schema->ncols) {
			rc = tn_err_set(err, TN_EINVAL, "%s: the table has %zu columns; the rows to write have %zu",
					root, ts->ncols, schema->ncols);
			goto fail;
		}
		for (size_t i = 0; i < ts->ncols; i++) {
			char a[128], b[128];

			if (strcmp(ts->cols[i].name, schema->cols[i].name) != 0 ||
			    !same_type(&ts->cols[i].type, &schema->cols[i].type)) {
				rc = tn_err_set(err, TN_EINVAL,
						"%s: column %zu is %s %s in the table, %s %s in the rows",
						root, i + 1, ts->cols[i].name,
						tn_type_name(&ts->cols[i].type, a, sizeof(a)),
						schema->cols[i].name,
						tn_type_name(&schema->cols[i].type, b, sizeof(b)));
				goto fail;
			}
		}
		tn_schema_copy(&w->schema, ts);
	} else {
		cJSON *check = NULL;

		w->create = true;
		tn_schema_copy(&w->schema, schema);
		for (size_t i = 0; i < schema->ncols && rc == TN_OK; i++) {
			check = field_json(&schema->cols[i], err);
			if (check == NULL)
				rc = err ? err->code : TN_EUNSUPPORTED;
			cJSON_Delete(check);
		}
		if (rc != TN_OK)
			goto fail;
	}
	w->acc = tn_calloc(w->schema.ncols + 1, sizeof(*w->acc));
	*out = w;
	return TN_OK;
fail:
	delta_writer_abort(w);
	return rc;
}

int delta_writer_write(struct delta_writer *w, const struct tn_batch *b, struct tn_err *err)
{
	struct tn_batch view = *b;
	int rc;

	if (b->nrows == 0)
		return TN_OK;
	if (w->pw == NULL) {
		rc = open_data_file(w, err);
		if (rc != TN_OK)
			return rc;
	}
	view.schema = &w->schema; /* same shape, the table's names */
	accumulate(w, &view);
	rc = pq_writer_write(w->pw, &view, err);
	if (rc != TN_OK)
		return rc;
	w->cur_rows += (int64_t)b->nrows;
	w->rows += (int64_t)b->nrows;
	if (w->cur_rows >= 8 * 1024 * 1024)
		rc = close_data_file(w, err);
	return rc;
}

static char *user_name(void)
{
	struct passwd *pw = getpwuid(getuid());

	return tn_strdup(pw && pw->pw_name ? pw->pw_name : "unknown");
}

static char *commit_text(struct delta_writer *w, int64_t read_version, struct tn_err *err)
{
	struct tn_buf b = TN_BUF_INIT;
	cJSON *ci = cJSON_CreateObject(), *inner = cJSON_AddObjectToObject(ci, "commitInfo");
	cJSON *params, *metrics;
	char *s, *user = user_name(), num[32];
	int64_t now = tn_time_now_us() / 1000;
	uint64_t bytes = 0;

	cJSON_AddNumberToObject(inner, "timestamp", (double)now);
	cJSON_AddStringToObject(inner, "operation", w->create ? "CREATE TABLE AS SELECT" : "WRITE");
	params = cJSON_AddObjectToObject(inner, "operationParameters");
	cJSON_AddStringToObject(params, "mode", w->mode == DELTA_OVERWRITE ? "Overwrite" : "Append");
	cJSON_AddStringToObject(params, "partitionBy", "[]");
	if (read_version >= 0)
		cJSON_AddNumberToObject(inner, "readVersion", (double)read_version);
	cJSON_AddStringToObject(inner, "isolationLevel", "Serializable");
	cJSON_AddBoolToObject(inner, "isBlindAppend", w->mode == DELTA_APPEND);
	metrics = cJSON_AddObjectToObject(inner, "operationMetrics");
	for (size_t i = 0; i < w->nfiles; i++)
		bytes += w->files[i].size;
	snprintf(num, sizeof(num), "%zu", w->nfiles);
	cJSON_AddStringToObject(metrics, "numFiles", num);
	snprintf(num, sizeof(num), "%lld", (long long)w->rows);
	cJSON_AddStringToObject(metrics, "numOutputRows", num);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)bytes);
	cJSON_AddStringToObject(metrics, "numOutputBytes", num);
	if (w->mode == DELTA_OVERWRITE && w->s != NULL) {
		snprintf(num, sizeof(num), "%zu", w->s->nfiles);
		cJSON_AddStringToObject(metrics, "numRemovedFiles", num);
	}
	cJSON_AddStringToObject(inner, "engineInfo", "tarn/" PACKAGE_VERSION);
	cJSON_AddStringToObject(inner, "userName", user);
	free(user);
	s = cJSON_PrintUnformatted(ci);
	cJSON_Delete(ci);
	tn_buf_printf(&b, NULL, "%s\n", s);
	free(s);
	if (w->create) {
		cJSON *p = cJSON_CreateObject(), *pi = cJSON_AddObjectToObject(p, "protocol");
		cJSON *m = cJSON_CreateObject(), *mi = cJSON_AddObjectToObject(m, "metaData");
		cJSON *fmt, *sch = cJSON_CreateObject(), *fields;
		char id[37];

		cJSON_AddNumberToObject(pi, "minReaderVersion", 1);
		cJSON_AddNumberToObject(pi, "minWriterVersion", 2);
		uuid4(id);
		cJSON_AddStringToObject(mi, "id", id);
		fmt = cJSON_AddObjectToObject(mi, "format");
		cJSON_AddStringToObject(fmt, "provider", "parquet");
		cJSON_AddObjectToObject(fmt, "options");
		cJSON_AddStringToObject(sch, "type", "struct");
		fields = cJSON_AddArrayToObject(sch, "fields");
		for (size_t i = 0; i < w->schema.ncols; i++)
			cJSON_AddItemToArray(fields, field_json(&w->schema.cols[i], err));
		s = cJSON_PrintUnformatted(sch);
		cJSON_AddStringToObject(mi, "schemaString", s);
		free(s);
		cJSON_Delete(sch);
		cJSON_AddArrayToObject(mi, "partitionColumns");
		cJSON_AddObjectToObject(mi, "configuration");
		cJSON_AddNumberToObject(mi, "createdTime", (double)w->started_ms);
		s = cJSON_PrintUnformatted(p);
		tn_buf_printf(&b, NULL, "%s\n", s);
		free(s);
		s = cJSON_PrintUnformatted(m);
		tn_buf_printf(&b, NULL, "%s\n", s);
		free(s);
		cJSON_Delete(p);
		cJSON_Delete(m);
	}
	if (w->mode == DELTA_OVERWRITE && w->s != NULL) {
		for (size_t i = 0; i < w->s->nfiles; i++) {
			const struct delta_file *f = w->s->files[i];
			cJSON *r = cJSON_CreateObject(), *ri = cJSON_AddObjectToObject(r, "remove");
			char *enc = delta_uri_encode(f->path);

			cJSON_AddStringToObject(ri, "path", enc);
			free(enc);
			cJSON_AddNumberToObject(ri, "deletionTimestamp", (double)now);
			cJSON_AddBoolToObject(ri, "dataChange", true);
			cJSON_AddBoolToObject(ri, "extendedFileMetadata", true);
			cJSON_AddObjectToObject(ri, "partitionValues");
			cJSON_AddNumberToObject(ri, "size", (double)f->size);
			s = cJSON_PrintUnformatted(r);
			tn_buf_printf(&b, NULL, "%s\n", s);
			free(s);
			cJSON_Delete(r);
		}
	}
	for (size_t i = 0; i < w->nfiles; i++) {
		const struct out_file *f = &w->files[i];
		cJSON *a = cJSON_CreateObject(), *ai = cJSON_AddObjectToObject(a, "add");

		cJSON_AddStringToObject(ai, "path", f->name);
		cJSON_AddObjectToObject(ai, "partitionValues");
		cJSON_AddNumberToObject(ai, "size", (double)f->size);
		cJSON_AddNumberToObject(ai, "modificationTime", (double)now);
		cJSON_AddBoolToObject(ai, "dataChange", true);
		cJSON_AddStringToObject(ai, "stats", f->stats);
		s = cJSON_PrintUnformatted(a);
		tn_buf_printf(&b, NULL, "%s\n", s);
		free(s);
		cJSON_Delete(a);
	}
	return tn_buf_detach(&b, NULL);
}

/* Did the commits after `since` (up to the latest) change what this
 * transaction relied on? Returns a conflict error naming the version. */
static int check_winners(struct delta_writer *w, int64_t since, struct tn_err *err)
{
	struct delta_table *t;
	int rc = delta_table_open(w->st, w->root, &t, err);

	if (rc != TN_OK)
		return rc;
	for (int64_t v = since + 1; rc == TN_OK && v <= t->latest; v++) {
		const char *name = delta_commit_file(t, v);
		struct tn_buf b;

		if (name == NULL)
			continue;
		tn_buf_init(&b, 0);
		{
			char *path = tn_path_join(t->log_dir, name);

			rc = store_read_all(w->st, path, &b, err);
			free(path);
		}
		if (rc == TN_OK && b.data != NULL &&
		    (strstr(b.data, "{\"metaData\"") || strstr(b.data, "{\"protocol\"")))
			rc = tn_err_set(err, TN_ECONFLICT,
					"%s: version %lld changed the table's metadata or protocol while "
					"this write ran (metadata conflict); nothing was committed",
					w->root, (long long)v);
		if (rc == TN_OK && w->mode == DELTA_OVERWRITE && b.data != NULL &&
		    (strstr(b.data, "{\"add\"") || strstr(b.data, "{\"remove\"")))
			rc = tn_err_set(err, TN_ECONFLICT,
					"%s: version %lld changed the table's files while this overwrite "
					"ran (concurrent write); nothing was committed",
					w->root, (long long)v);
		tn_buf_done(&b);
	}
	delta_table_close(t);
	return rc;
}

int delta_writer_commit(struct delta_writer *w, int64_t *version, struct tn_err *err)
{
	int64_t read_version = w->s ? w->s->version : -1, v = read_version + 1;
	int rc = TN_OK;

	if (w->pw != NULL)
		rc = close_data_file(w, err);
	for (int attempt = 0; rc == TN_OK && attempt < MAX_RETRIES; attempt++) {
		char *text = commit_text(w, read_version, err);
		char name[64], *path;

		snprintf(name, sizeof(name), "_delta_log/%020lld.json", (long long)v);
		path = tn_path_join(w->root, name);
		rc = store_put_if_absent(w->st, path, text, strlen(text), err);
		free(path);
		free(text);
		if (rc == TN_OK) {
			if (version)
				*version = v;
			break;
		}
		if (rc != TN_EEXIST)
			break;
		/* Another writer committed version v first. */
		if (w->create) {
			rc = tn_err_set(err, TN_ECONFLICT,
					"%s: another writer created the table at the same time; nothing "
					"was committed",
					w->root);
			break;
		}
		rc = check_winners(w, v - 1, err);
		v++;
	}
	if (rc == TN_EEXIST)
		rc = tn_err_set(err, TN_ECONFLICT, "%s: gave up after %d commits raced this one",
				w->root, MAX_RETRIES);
	if (rc != TN_OK) {
		/* The data files were never committed: remove them. */
		for (size_t i = 0; i < w->nfiles; i++) {
			char *path = tn_path_join(w->root, w->files[i].name);

			store_remove(w->st, path, NULL);
			free(path);
		}
	}
	delta_writer_abort_keep(w);
	return rc;
}

/* Free w; with remove_files, delete the data files it wrote. */
static void writer_free(struct delta_writer *w, bool remove_files)
{
	if (w == NULL)
		return;
	if (w->pw != NULL) {
		pq_writer_abort(w->pw); /* nothing of it is visible yet */
		w->pw = NULL;
	}
	for (size_t i = 0; i < w->nfiles; i++) {
		if (remove_files) {
			char *path = tn_path_join(w->root, w->files[i].name);

			store_remove(w->st, path, NULL);
			free(path);
		}
		free(w->files[i].name);
		free(w->files[i].stats);
	}
	free(w->files);
	free(w->cur_name);
	if (w->acc != NULL)
		for (size_t c = 0; c < w->schema.ncols; c++) {
			free(w->acc[c].minb);
			free(w->acc[c].maxb);
		}
	free(w->acc);
	tn_schema_done(&w->schema);
	delta_snapshot_free(w->s);
	delta_table_close(w->t);
	free(w->root);
	free(w);
}

void delta_writer_abort(struct delta_writer *w)
{
	writer_free(w, true);
}

static void delta_writer_abort_keep(struct delta_writer *w)
{
	writer_free(w, false);
}
