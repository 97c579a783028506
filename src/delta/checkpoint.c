/* checkpoint.c - classic single-file Parquet checkpoints (the protocol's
 * V1 spec): a snapshot's reconciled actions, one a row, in
 * _delta_log/<version>.checkpoint.parquet, then _delta_log/_last_checkpoint.
 *
 * Each row is built as the JSON action a commit would hold ({"add":{...}}),
 * and a batch's rows become column vectors by walking the checkpoint schema
 * over those objects: the inverse of the reader's replay_parquet, which
 * turns checkpoint rows back into the same JSON. Columns and fields are
 * those Spark writes, in its order; what the snapshot does not keep is
 * written as null: remove tombstones (none are written, so VACUUM sees no
 * recently removed files), add.tags, baseRowId, defaultRowCommitVersion,
 * deletionVector.maxRowIndex, metaData.format.options (an empty map).
 * Statistics are the JSON text (stats_parsed and partitionValues_parsed
 * are not written, whatever delta.checkpoint.writeStatsAsStruct says, and
 * the text is kept even under writeStatsAsJson=false, since nothing else
 * would carry it). Tables with row tracking are refused: their per-file
 * row ids would be lost. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "delta/delta_int.h"
#include "parquet/parquet.h"

/* Actions per batch handed to the Parquet writer. */
#define CKPT_BATCH_ROWS 4096
/* The largest _last_checkpoint worth reading. */
#define LAST_CKPT_MAX (1u << 20)

/* ---- the checkpoint schema ---- */

/* Spark's checkpoint schema as a Delta schema (fields nullable unless they
 * say otherwise, map keys never null): txn, add, remove, metaData,
 * protocol and domainMetadata, their fields in Spark's order. */
#define FIELD(name, type) "{\"name\":\"" name "\",\"type\":" type "}"
#define STRUCT(fields) "{\"type\":\"struct\",\"fields\":[" fields "]}"
#define STR "\"string\""
#define INT "\"integer\""
#define LONG "\"long\""
#define BOOL "\"boolean\""
#define STR_MAP "{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":\"string\"}"
#define STR_LIST "{\"type\":\"array\",\"elementType\":\"string\"}"
#define DV_STRUCT                                                                   \
	STRUCT(FIELD("storageType", STR) "," FIELD("pathOrInlineDv", STR) ","          \
	       FIELD("offset", INT) "," FIELD("sizeInBytes", INT) ","                   \
	       FIELD("cardinality", LONG) "," FIELD("maxRowIndex", LONG))

static const char ckpt_schema_json[] = STRUCT(
	FIELD("txn", STRUCT(
		FIELD("appId", STR) ","
		FIELD("version", LONG) ","
		FIELD("lastUpdated", LONG))) ","
	FIELD("add", STRUCT(
		FIELD("path", STR) ","
		FIELD("partitionValues", STR_MAP) ","
		FIELD("size", LONG) ","
		FIELD("modificationTime", LONG) ","
		FIELD("dataChange", BOOL) ","
		FIELD("tags", STR_MAP) ","
		FIELD("deletionVector", DV_STRUCT) ","
		FIELD("baseRowId", LONG) ","
		FIELD("defaultRowCommitVersion", LONG) ","
		FIELD("stats", STR))) ","
	FIELD("remove", STRUCT(
		FIELD("path", STR) ","
		FIELD("deletionTimestamp", LONG) ","
		FIELD("dataChange", BOOL) ","
		FIELD("extendedFileMetadata", BOOL) ","
		FIELD("partitionValues", STR_MAP) ","
		FIELD("size", LONG) ","
		FIELD("deletionVector", DV_STRUCT) ","
		FIELD("baseRowId", LONG) ","
		FIELD("defaultRowCommitVersion", LONG))) ","
	FIELD("metaData", STRUCT(
		FIELD("id", STR) ","
		FIELD("name", STR) ","
		FIELD("description", STR) ","
		FIELD("format", STRUCT(FIELD("provider", STR) "," FIELD("options", STR_MAP))) ","
		FIELD("schemaString", STR) ","
		FIELD("partitionColumns", STR_LIST) ","
		FIELD("configuration", STR_MAP) ","
		FIELD("createdTime", LONG))) ","
	FIELD("protocol", STRUCT(
		FIELD("minReaderVersion", INT) ","
		FIELD("minWriterVersion", INT) ","
		FIELD("readerFeatures", STR_LIST) ","
		FIELD("writerFeatures", STR_LIST))) ","
	FIELD("domainMetadata", STRUCT(
		FIELD("domain", STR) ","
		FIELD("configuration", STR) ","
		FIELD("removed", BOOL))));

/* ---- actions as JSON ---- */

static cJSON *must(cJSON *j)
{
	if (j == NULL)
		tn_fatal("out of memory building a checkpoint row");
	return j;
}

/* An object of (const char *key, cJSON *value) pairs ended by a NULL key;
 * a NULL value leaves its key out (a null in the checkpoint). */
static cJSON *obj(const char *key, ...)
{
	cJSON *o = must(cJSON_CreateObject()), *v;
	va_list ap;

	va_start(ap, key);
	for (; key != NULL; key = va_arg(ap, const char *))
		if ((v = va_arg(ap, cJSON *)) != NULL && !cJSON_AddItemToObject(o, key, v))
			tn_fatal("out of memory building a checkpoint row");
	va_end(ap);
	return o;
}

/* A string field: absent (so null) when s is NULL. */
static cJSON *jstring(const char *s)
{
	return s ? must(cJSON_CreateString(s)) : NULL;
}

/* A map value or list element: a string or a JSON null. */
static cJSON *jtext(const char *s)
{
	return must(s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

/* A long as its digits (a raw item), so that it stays exact. */
static cJSON *jlong(int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return must(cJSON_CreateRaw(buf));
}

static cJSON *jkv(const struct delta_kv *kv, size_t n)
{
	cJSON *o = must(cJSON_CreateObject());

	for (size_t i = 0; i < n; i++)
		if (!cJSON_AddItemToObject(o, kv[i].key, jtext(kv[i].value)))
			tn_fatal("out of memory building a checkpoint row");
	return o;
}

static cJSON *jstrings(char *const *v, size_t n)
{
	cJSON *a = must(cJSON_CreateArray());

	for (size_t i = 0; i < n; i++)
		if (!cJSON_AddItemToArray(a, jtext(v[i])))
			tn_fatal("out of memory building a checkpoint row");
	return a;
}

/* A path as the log writes it: URI-encoded, a file: scheme kept as it is. */
static char *log_path(const char *path)
{
	char *enc, *out;

	if (!tn_str_startswith(path, "file:"))
		return delta_uri_encode(path);
	enc = delta_uri_encode(path + 5);
	out = tn_asprintf("file:%s", enc);
	free(enc);
	return out;
}

static cJSON *protocol_json(const struct delta_protocol *p)
{
	/* The feature lists are there exactly when the versions that have
	 * them (reader 3, writer 7) are in use, and null otherwise. */
	return obj("minReaderVersion", jlong(p->min_reader_version),
		   "minWriterVersion", jlong(p->min_writer_version),
		   "readerFeatures", p->min_reader_version >= 3
		   ? jstrings(p->reader_features, p->n_reader_features) : NULL,
		   "writerFeatures", p->min_writer_version >= 7
		   ? jstrings(p->writer_features, p->n_writer_features) : NULL,
		   NULL);
}

static cJSON *metadata_json(const struct delta_metadata *m)
{
	return obj("id", jstring(m->id),
		   "name", jstring(m->name),
		   "description", jstring(m->description),
		   "format", obj("provider", jstring(m->provider ? m->provider : "parquet"),
				 "options", obj(NULL), NULL),
		   "schemaString", jstring(m->schema_string),
		   "partitionColumns", jstrings(m->partition_columns, m->n_partition_columns),
		   "configuration", jkv(m->configuration, m->n_configuration),
		   "createdTime", m->has_created_time ? jlong(m->created_time) : NULL,
		   NULL);
}

static cJSON *add_json(const struct delta_file *f)
{
	char *path = log_path(f->path);
	cJSON *o = obj("path", jstring(path),
		       "partitionValues", jkv(f->partition_values, f->n_partition_values),
		       "size", jlong(f->size),
		       "modificationTime", jlong(f->modification_time),
		       "dataChange", must(cJSON_CreateFalse()), /* as Spark writes them */
		       "deletionVector", f->has_dv ? delta_dv_desc_to_json(&f->dv) : NULL,
		       "stats", jstring(f->stats),
		       NULL);

	free(path);
	return o;
}

/* The checkpoint's actions in order: protocol, metaData, txns, domains,
 * adds. */
static size_t num_actions(const struct delta_snapshot *s)
{
	return 2 + s->ntxns + s->ndomains + s->nfiles;
}

/* Action i as a one-key object, like a line of a commit. */
static cJSON *action_json(const struct delta_snapshot *s, size_t i)
{
	const struct delta_txn *t;
	const struct delta_domain *d;

	if (i == 0)
		return obj("protocol", protocol_json(&s->protocol), NULL);
	if (i == 1)
		return obj("metaData", metadata_json(&s->metadata), NULL);
	if ((i -= 2) < s->ntxns) {
		t = &s->txns[i];
		return obj("txn", obj("appId", jstring(t->app_id), "version", jlong(t->version),
				      "lastUpdated", t->has_last_updated ? jlong(t->last_updated) : NULL,
				      NULL),
			   NULL);
	}
	if ((i -= s->ntxns) < s->ndomains) {
		d = &s->domains[i];
		return obj("domainMetadata",
			   obj("domain", jstring(d->domain), "configuration", jstring(d->configuration),
			       "removed", must(cJSON_CreateFalse()), NULL),
			   NULL);
	}
	return obj("add", add_json(s->files[i - s->ndomains]), NULL);
}

/* ---- JSON to column vectors ---- */

/* Does JSON value j hold a value of type t (else it is written as null)? */
static bool fits(const struct tn_type *t, const cJSON *j)
{
	if (j == NULL)
		return false;
	switch (t->kind) {
	case TN_STRUCT:
	case TN_MAP: return cJSON_IsObject(j);
	case TN_LIST: return cJSON_IsArray(j);
	case TN_STRING: return cJSON_IsString(j);
	case TN_BOOL: return cJSON_IsBool(j);
	case TN_INT32:
	case TN_INT64: return cJSON_IsRaw(j) || cJSON_IsNumber(j);
	default: return false;
	}
}

static int64_t long_of(const cJSON *j)
{
	return cJSON_IsRaw(j) ? strtoll(j->valuestring, NULL, 10) : (int64_t)j->valuedouble;
}

static struct tn_bytes bytes_of(const char *s)
{
	return (struct tn_bytes){(const uint8_t *)s, (uint32_t)strlen(s)};
}

/* Fill v with n values of type t from the JSON values items[0..n) (NULL
 * where absent): objects for structs (fields by name) and maps, arrays for
 * lists. Memory from a; strings point into the JSON. */
static void fill_vec(struct tn_vec *v, const struct tn_type *t, const cJSON *const *items,
		     size_t n, struct tn_arena *a)
{
	memset(v, 0, sizeof(*v));
	v->type = t;
	v->len = n;
	for (size_t i = 0; i < n; i++)
		if (!fits(t, items[i])) {
			tn_vec_need_nulls(v, n, a);
			v->nulls[i] = 1;
		}
	if (t->kind == TN_STRUCT) {
		const cJSON **sub = tn_calloc(n + 1, sizeof(*sub));

		v->children = tn_arena_calloc(a, t->nfields, sizeof(*v->children));
		for (size_t f = 0; f < t->nfields; f++) {
			for (size_t i = 0; i < n; i++)
				sub[i] = tn_vec_is_null(v, i) ? NULL
							     : cJSON_GetObjectItemCaseSensitive(
								       items[i], t->fields[f].name);
			fill_vec(&v->children[f], &t->fields[f].type, sub, n, a);
		}
		free(sub);
	} else if (t->kind == TN_LIST || t->kind == TN_MAP) {
		size_t total = 0, k = 0;
		const cJSON **elems, *e;

		v->offsets = tn_arena_alloc(a, (n + 1) * sizeof(*v->offsets));
		for (size_t i = 0; i < n; i++) {
			v->offsets[i] = (int32_t)total;
			if (!tn_vec_is_null(v, i))
				total += (size_t)cJSON_GetArraySize(items[i]);
		}
		v->offsets[n] = (int32_t)total;
		elems = tn_calloc(total + 1, sizeof(*elems));
		for (size_t i = 0; i < n; i++)
			if (!tn_vec_is_null(v, i))
				cJSON_ArrayForEach(e, items[i])
					elems[k++] = e;
		v->children = tn_arena_calloc(a, t->nfields, sizeof(*v->children));
		if (t->kind == TN_LIST) {
			fill_vec(&v->children[0], &t->fields[0].type, elems, total, a);
		} else {
			/* A map's entries are the object's members: names are the
			 * keys, the members the values. */
			struct tn_vec *keys = &v->children[0];
			struct tn_bytes *kb = tn_arena_calloc(a, total + 1, sizeof(*kb));

			for (size_t j = 0; j < total; j++)
				kb[j] = bytes_of(elems[j]->string);
			*keys = (struct tn_vec){.type = &t->fields[0].type, .len = total, .values = kb};
			fill_vec(&v->children[1], &t->fields[1].type, elems, total, a);
		}
		free(elems);
	} else {
		v->values = tn_arena_calloc(a, n + 1, tn_type_width(t));
		for (size_t i = 0; i < n; i++) {
			if (tn_vec_is_null(v, i))
				continue;
			if (t->kind == TN_STRING)
				((struct tn_bytes *)v->values)[i] = bytes_of(items[i]->valuestring);
			else if (t->kind == TN_BOOL)
				((uint8_t *)v->values)[i] = cJSON_IsTrue(items[i]);
			else if (t->kind == TN_INT32)
				((int32_t *)v->values)[i] = (int32_t)long_of(items[i]);
			else
				((int64_t *)v->values)[i] = long_of(items[i]);
		}
	}
}

/* Write actions [from, from + n) of s as one batch. */
static int write_batch(struct pq_writer *w, const struct tn_schema *sch,
		       const struct delta_snapshot *s, size_t from, size_t n, struct tn_err *err)
{
	cJSON **rows = tn_calloc(n, sizeof(*rows));
	const cJSON **items = tn_calloc(n, sizeof(*items));
	struct tn_batch b;
	int rc;

	for (size_t i = 0; i < n; i++)
		rows[i] = action_json(s, from + i);
	memset(&b, 0, sizeof(b));
	tn_arena_init(&b.arena, 0);
	b.schema = sch;
	b.nrows = n;
	b.cols = tn_arena_calloc(&b.arena, sch->ncols, sizeof(*b.cols));
	for (size_t c = 0; c < sch->ncols; c++) {
		for (size_t i = 0; i < n; i++)
			items[i] = cJSON_GetObjectItemCaseSensitive(rows[i], sch->cols[c].name);
		fill_vec(&b.cols[c], &sch->cols[c].type, items, n, &b.arena);
	}
	rc = pq_writer_write(w, &b, err);
	tn_batch_done(&b);
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(rows[i]);
	free(rows);
	free(items);
	return rc;
}

/* ---- _last_checkpoint ---- */

/* The version _last_checkpoint names, or -1 when it is absent or unreadable
 * (a hint only: it is then rewritten). */
static int64_t last_checkpoint_version(struct store *st, const char *path)
{
	struct tn_buf b;
	cJSON *j = NULL, *v;
	int64_t out = -1;

	tn_buf_init(&b, LAST_CKPT_MAX);
	if (store_read_all(st, path, &b, NULL) == TN_OK && b.data != NULL)
		j = cJSON_ParseWithLength(b.data, b.len);
	v = cJSON_GetObjectItemCaseSensitive(j, "version");
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 9e18)
		out = (int64_t)v->valuedouble;
	cJSON_Delete(j);
	tn_buf_done(&b);
	return out;
}

/* Point _last_checkpoint at this checkpoint, unless it names a newer one. */
static int write_last_checkpoint(const struct delta_snapshot *s, size_t actions, uint64_t bytes,
				 struct tn_err *err)
{
	char *path = tn_path_join(s->t->log_dir, "_last_checkpoint"), *text;
	int rc = TN_OK;

	if (last_checkpoint_version(s->t->st, path) < s->version) {
		text = tn_asprintf("{\"version\":%lld,\"size\":%zu,\"sizeInBytes\":%llu,"
				   "\"numOfAddFiles\":%zu}\n",
				   (long long)s->version, actions, (unsigned long long)bytes,
				   s->nfiles);
		rc = store_write(s->t->st, path, text, strlen(text), err);
		free(text);
	}
	free(path);
	return rc;
}

/* ---- the checkpoint ---- */

static bool has_writer_feature(const struct delta_protocol *p, const char *name)
{
	for (size_t i = 0; i < p->n_writer_features; i++)
		if (strcmp(p->writer_features[i], name) == 0)
			return true;
	return false;
}

int delta_checkpoint_write(struct delta_snapshot *s, struct tn_err *err)
{
	struct delta_table *t = s->t;
	struct tn_schema sch = {0};
	struct pq_write_opts o;
	struct pq_write_result res;
	struct pq_writer *w = NULL;
	struct store_stat ss;
	struct tn_err serr;
	char name[48], *path;
	size_t n = num_actions(s);
	int rc;

	snprintf(name, sizeof(name), "%020lld.checkpoint.parquet", (long long)s->version);
	path = tn_path_join(t->log_dir, name);
	if (!delta_snapshot_has_metadata(s)) {
		rc = tn_err_set(err, TN_ECORRUPT,
				"%s: version %lld has no metaData: no checkpoint can be written",
				t->root, (long long)s->version);
		goto done;
	}
	if (has_writer_feature(&s->protocol, "rowTracking")) {
		rc = tn_err_set(err, TN_EUNSUPPORTED,
				"%s: the table uses row tracking, whose row ids (baseRowId) tarn "
				"does not keep: a checkpoint would lose them; not supported",
				t->root);
		goto done;
	}
	/* (a directory in the way is no checkpoint: the rename into place
	 * fails on it, like any other obstacle) */
	rc = store_stat(t->st, path, &ss, err);
	if (rc == TN_OK && ss.is_dir)
		rc = TN_ENOENT;
	if (rc == TN_OK) {
		rc = tn_err_set(err, TN_EEXIST, "%s: _delta_log/%s exists already (left alone)",
				t->root, name);
		goto done;
	}
	if (rc != TN_ENOENT)
		goto done;
	if (delta_schema_parse(ckpt_schema_json, &sch, &serr) != TN_OK) {
		rc = tn_err_set(err, TN_EINTERNAL, "the checkpoint schema: %s", serr.msg);
		goto done;
	}
	pq_write_opts_init(&o);
	o.codec = PQ_CODEC_SNAPPY; /* what Spark's checkpoints use, for older readers */
	rc = pq_writer_open(t->st, path, &sch, &o, &w, err);
	for (size_t i = 0; rc == TN_OK && i < n; i += CKPT_BATCH_ROWS)
		rc = write_batch(w, &sch, s, i, n - i < CKPT_BATCH_ROWS ? n - i : CKPT_BATCH_ROWS,
				 err);
	if (rc == TN_OK) {
		rc = pq_writer_close(w, &res, err);
		w = NULL;
	}
	if (rc != TN_OK) {
		tn_err_prefix(err, "%s: checkpoint of version %lld", t->root, (long long)s->version);
		goto done;
	}
	rc = write_last_checkpoint(s, n, res.file_size, err);
	if (rc != TN_OK)
		tn_err_prefix(err, "%s: _delta_log/%s was written, but _last_checkpoint was not "
				   "updated",
			      t->root, name);
done:
	pq_writer_abort(w);
	tn_schema_done(&sch);
	free(path);
	return rc;
}
