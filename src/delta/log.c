/* log.c - the Delta transaction log: listing _delta_log, choosing the log
 * segment of a version (a checkpoint and the commits after it), replaying
 * its actions into a snapshot, and commit timestamps for time travel. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/time.h"
#include "delta/delta_int.h"
#include "delta/dv.h"
#include "parquet/parquet.h"

/* Reader features tarn reads (minReaderVersion 3), and the writer-only
 * features a reader may ignore need no listing: only readerFeatures are
 * checked. */
static const char *const reader_features[] = {
	"columnMapping", "deletionVectors", "timestampNtz", "v2Checkpoint",
	"vacuumProtocolCheck", "typeWidening", "typeWidening-preview",
};

/* Caps against a hostile log. */
#define MAX_COMMIT_BYTES ((size_t)2 << 30)

/* ---- paths ---- */

char *delta_uri_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = tn_malloc(3 * n + 1), *o = out;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/' ||
		    c == '=') {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

char *delta_uri_decode(const char *s)
{
	size_t n = strlen(s);
	char *out = tn_malloc(n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < n + 0 && (hi = tn_hex_digit((unsigned char)s[i + 1])) >= 0 &&
		    (lo = tn_hex_digit((unsigned char)s[i + 2])) >= 0) {
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

int delta_resolve_path(const char *root, const char *path, char **out, struct tn_err *err)
{
	char *dec = delta_uri_decode(path);
	const char *p = dec;
	size_t k = 0;

	*out = NULL;
	/* A URI scheme: a letter, then letters, digits, '+', '-', '.', then "://" */
	if (isalpha((unsigned char)dec[0]))
		for (k = 1; isalnum((unsigned char)dec[k]) || dec[k] == '+' || dec[k] == '-' ||
			    dec[k] == '.';
		     k++)
			;
	if (tn_str_startswith(p, "file://")) {
		p += 7; /* file:///p (or file://host/p, host ignored) */
		if (*p != '/') {
			const char *sl = strchr(p, '/');

			p = sl ? sl : p + strlen(p);
		}
	} else if (tn_str_startswith(p, "file:")) {
		p += 5;
	} else if (k > 0 && tn_str_startswith(dec + k, "://")) {
		int rc = tn_err_set(err, TN_EUNSUPPORTED,
				    "file '%s': only local paths are supported, not this URI scheme", dec);

		free(dec);
		return rc;
	}
	*out = *p == '/' ? tn_strdup(p) : tn_path_join(root, p);
	free(dec);
	return TN_OK;
}

/* ---- listing ---- */

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Classify a _delta_log file name; false for names that do not matter. */
static bool classify(const char *name, struct log_file *f)
{
	size_t n = strlen(name);
	const char *rest = name + 20;

	if (n < 25 || !all_digits(name, 20) || name[20] != '.')
		return false;
	memset(f, 0, sizeof(*f));
	errno = 0;
	f->version = strtoll(name, NULL, 10);
	if (errno == ERANGE || f->version > INT64_MAX / 2)
		return false; /* no real log gets there */
	rest = name + 21;
	if (strcmp(rest, "json") == 0) {
		f->kind = LOG_COMMIT;
		return true;
	}
	if (strcmp(rest, "checkpoint.parquet") == 0) {
		f->kind = LOG_CKPT_CLASSIC;
		return true;
	}
	if (tn_str_startswith(rest, "checkpoint.")) {
		const char *q = rest + 11;

		/* multi-part: checkpoint.PPPPPPPPPP.NNNNNNNNNN.parquet */
		if (strlen(q) == 10 + 1 + 10 + 8 && all_digits(q, 10) && q[10] == '.' &&
		    all_digits(q + 11, 10) && strcmp(q + 21, ".parquet") == 0) {
			f->kind = LOG_CKPT_PART;
			f->part = atoi(q);
			f->nparts = atoi(q + 11);
			return f->part >= 1 && f->nparts >= 1 && f->part <= f->nparts;
		}
		/* V2: checkpoint.<uuid>.json|parquet */
		if (strlen(q) > 36 && q[36] == '.' &&
		    (strcmp(q + 36, ".json") == 0 || strcmp(q + 36, ".parquet") == 0)) {
			f->kind = LOG_CKPT_V2;
			return true;
		}
	}
	return false;
}

static int cmp_log(const void *a, const void *b)
{
	const struct log_file *x = a, *y = b;

	if (x->version != y->version)
		return x->version < y->version ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind - y->kind;
	if (x->nparts != y->nparts)
		return x->nparts - y->nparts;
	if (x->part != y->part)
		return x->part - y->part;
	return strcmp(x->name, y->name);
}

/* Is there a complete checkpoint at files[i]'s version (of its kind)?
 * For multi-part ones: all parts of one part count present. Returns the
 * number of files it spans (0 when incomplete). */
static size_t checkpoint_span(const struct delta_table *t, size_t i)
{
	const struct log_file *f = &t->files[i];

	if (f->kind == LOG_CKPT_CLASSIC || f->kind == LOG_CKPT_V2)
		return 1;
	if (f->kind != LOG_CKPT_PART || f->part != 1)
		return 0;
	for (int k = 1; k < f->nparts; k++) {
		size_t j = i + (size_t)k;

		if (j >= t->nfiles || t->files[j].version != f->version ||
		    t->files[j].kind != LOG_CKPT_PART || t->files[j].nparts != f->nparts ||
		    t->files[j].part != k + 1)
			return 0;
	}
	return (size_t)f->nparts;
}

bool delta_is_table(struct store *st, const char *root)
{
	char *log = tn_path_join(root, "_delta_log");
	struct store_stat ss;
	bool ok = store_stat(st, log, &ss, NULL) == TN_OK && ss.is_dir;

	free(log);
	return ok;
}

int delta_table_open(struct store *st, const char *root, struct delta_table **out,
		     struct tn_err *err)
{
	struct delta_table *t;
	struct store_list l;
	size_t cap = 0;
	bool have_commit0 = false;
	int rc;

	*out = NULL;
	t = tn_calloc(1, sizeof(*t));
	t->st = st;
	t->root = tn_strdup(root);
	/* keep the root without a trailing slash */
	while (strlen(t->root) > 1 && t->root[strlen(t->root) - 1] == '/')
		t->root[strlen(t->root) - 1] = '\0';
	t->log_dir = tn_path_join(t->root, "_delta_log");
	rc = store_list(st, t->log_dir, false, &l, err);
	if (rc == TN_ENOENT) {
		rc = tn_err_set(err, TN_ENOENT, "%s: not a Delta table (no _delta_log directory)", root);
		goto fail;
	}
	if (rc != TN_OK)
		goto fail;
	for (size_t i = 0; i < l.count; i++) {
		struct log_file f;

		if (l.entries[i].st.is_dir || !classify(tn_path_base(l.entries[i].path), &f))
			continue;
		f.name = tn_strdup(tn_path_base(l.entries[i].path));
		f.mtime_us = l.entries[i].st.mtime_us;
		f.size = l.entries[i].st.size;
		if (t->nfiles == cap) {
			cap = cap ? cap * 2 : 64;
			t->files = tn_reallocarray(t->files, cap, sizeof(*t->files));
		}
		t->files[t->nfiles++] = f;
	}
	store_list_done(&l);
	if (t->nfiles > 1) /* qsort wants a non-NULL base even for nothing */
		qsort(t->files, t->nfiles, sizeof(*t->files), cmp_log);
	t->latest = -1;
	t->earliest = -1;
	for (size_t i = 0; i < t->nfiles; i++) {
		const struct log_file *f = &t->files[i];
		bool usable = f->kind == LOG_COMMIT || checkpoint_span(t, i) > 0;

		if (!usable)
			continue;
		if (f->version > t->latest)
			t->latest = f->version;
		if (f->kind == LOG_COMMIT && f->version == 0)
			have_commit0 = true;
		if (f->kind != LOG_COMMIT && (t->earliest < 0 || f->version < t->earliest))
			t->earliest = f->version;
	}
	if (have_commit0)
		t->earliest = 0;
	if (t->latest < 0) {
		rc = tn_err_set(err, TN_ENOENT,
				"%s: not a Delta table (_delta_log holds no commit or checkpoint)", root);
		goto fail;
	}
	if (t->earliest < 0) {
		/* Only commits, none at version 0 and no checkpoint: the log
		 * cannot be replayed at all. */
		rc = tn_err_set(err, TN_ECORRUPT,
				"%s: the log starts at version %lld without a checkpoint", root,
				(long long)t->files[0].version);
		goto fail;
	}
	*out = t;
	return TN_OK;
fail:
	delta_table_close(t);
	return rc;
}

void delta_table_close(struct delta_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nfiles; i++)
		free(t->files[i].name);
	free(t->files);
	free(t->log_dir);
	free(t->root);
	free(t);
}

const char *delta_table_root(const struct delta_table *t)
{
	return t->root;
}

int64_t delta_table_latest_version(const struct delta_table *t)
{
	return t->latest;
}

int64_t delta_table_earliest_version(const struct delta_table *t)
{
	return t->earliest;
}

/* ---- actions ---- */

struct replay {
	struct delta_snapshot *s;
	struct tn_hmap files; /* key -> struct delta_file * */
	struct tn_hmap txns;  /* appId -> struct delta_txn * */
	struct tn_hmap domains; /* domain -> struct delta_domain * (NULL config: removed) */
	const char *where;    /* file being replayed, for messages */
	struct tn_err *err;
};

static char *astr(struct delta_snapshot *s, const char *v)
{
	return v ? tn_arena_strdup(&s->arena, v) : NULL;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool jint(const cJSON *o, const char *k, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (cJSON_IsNumber(v)) {
		if (!(v->valuedouble > -9.2e18 && v->valuedouble < 9.2e18))
			return false; /* out of range (or NaN): as if absent */
		*out = (int64_t)v->valuedouble;
		return true;
	}
	if (cJSON_IsString(v)) { /* checkpoints converted from text keep big values exact */
		*out = strtoll(v->valuestring, NULL, 10);
		return true;
	}
	return false;
}

static char **str_array(struct delta_snapshot *s, const cJSON *a, size_t *n)
{
	const cJSON *e;
	char **v;
	size_t i = 0;

	*n = 0;
	if (!cJSON_IsArray(a))
		return NULL;
	v = tn_arena_calloc(&s->arena, (size_t)cJSON_GetArraySize(a) + 1, sizeof(char *));
	cJSON_ArrayForEach(e, a)
		if (cJSON_IsString(e))
			v[i++] = astr(s, e->valuestring);
	*n = i;
	return v;
}

/* A JSON object of strings (or nulls) as key-values. */
static struct delta_kv *kv_object(struct delta_snapshot *s, const cJSON *o, size_t *n)
{
	const cJSON *e;
	struct delta_kv *v;
	size_t i = 0;

	*n = 0;
	if (!cJSON_IsObject(o))
		return NULL;
	v = tn_arena_calloc(&s->arena, (size_t)cJSON_GetArraySize(o) + 1, sizeof(*v));
	cJSON_ArrayForEach(e, o) {
		v[i].key = astr(s, e->string);
		if (cJSON_IsString(e)) {
			v[i].value = astr(s, e->valuestring);
		} else if (!cJSON_IsNull(e)) {
			char *txt = cJSON_PrintUnformatted(e);

			v[i].value = astr(s, txt);
			free(txt);
		}
		i++;
	}
	*n = i;
	return v;
}

static int bad(struct replay *r, const char *what)
{
	return tn_err_set(r->err, TN_ECORRUPT, "%s: %s", r->where, what);
}

static int parse_dv(const char *where, const cJSON *o, struct delta_dv_desc *dv,
		    struct delta_snapshot *s, struct tn_err *err)
{
	const char *st = jstr(o, "storageType"), *p = jstr(o, "pathOrInlineDv");
	int64_t v;

	memset(dv, 0, sizeof(*dv));
	if (st == NULL || strlen(st) != 1 || p == NULL || !jint(o, "sizeInBytes", &v))
		return tn_err_set(err, TN_ECORRUPT, "%s: malformed deletionVector descriptor", where);
	dv->storage_type = st[0];
	dv->path_or_inline_dv = astr(s, p);
	dv->size_in_bytes = (int32_t)v;
	if (jint(o, "offset", &v)) {
		dv->has_offset = true;
		dv->offset = (int32_t)v;
	}
	dv->cardinality = jint(o, "cardinality", &v) ? v : 0;
	return TN_OK;
}

/* The reconciliation key of a file action: its resolved path (abs, which
 * must live in the snapshot's arena) and its deletion vector's unique id. */
static char *file_key(struct replay *r, const char *abs, const struct delta_dv_desc *dv)
{
	char *id, *k, *key;

	if (dv == NULL)
		return (char *)abs; /* the file's own abs_path serves as key */
	id = delta_dv_unique_id(dv);
	k = tn_asprintf("%s\x01%s", abs, id);
	key = tn_arena_strdup(&r->s->arena, k);
	free(id);
	free(k);
	return key;
}

static int64_t stats_num_records(const char *stats)
{
	/* The stats JSON starts with {"numRecords":N in every writer seen;
	 * look for the key without parsing the whole object. */
	const char *p = stats ? strstr(stats, "\"numRecords\"") : NULL;

	if (p == NULL)
		return -1;
	p += 12;
	while (*p == ' ' || *p == ':')
		p++;
	return isdigit((unsigned char)*p) ? strtoll(p, NULL, 10) : -1;
}

int delta_file_parse(struct delta_snapshot *s, const cJSON *a, const char *where,
		     struct delta_file **out, struct tn_err *err)
{
	const char *path = jstr(a, "path");
	const cJSON *dvj = cJSON_GetObjectItemCaseSensitive(a, "deletionVector");
	struct delta_file *f;
	char *abs, *dec;
	int rc;

	*out = NULL;
	if (path == NULL)
		return tn_err_set(err, TN_ECORRUPT, "%s: a file action without a path", where);
	rc = delta_resolve_path(s->t->root, path, &abs, err);
	if (rc != TN_OK)
		return rc;
	f = tn_arena_calloc(&s->arena, 1, sizeof(*f));
	dec = delta_uri_decode(path);
	f->path = astr(s, dec);
	free(dec);
	f->abs_path = astr(s, abs);
	free(abs);
	jint(a, "size", &f->size);
	jint(a, "modificationTime", &f->modification_time);
	f->partition_values = kv_object(s, cJSON_GetObjectItemCaseSensitive(a, "partitionValues"),
					&f->n_partition_values);
	f->stats = astr(s, jstr(a, "stats"));
	f->num_records = stats_num_records(f->stats);
	if (cJSON_IsObject(dvj)) {
		rc = parse_dv(where, dvj, &f->dv, s, err);
		if (rc != TN_OK)
			return rc;
		f->has_dv = true;
	}
	*out = f;
	return TN_OK;
}

static int apply_add(struct replay *r, const cJSON *a)
{
	struct delta_file *f;
	char *key;
	int rc = delta_file_parse(r->s, a, r->where, &f, r->err);

	if (rc != TN_OK)
		return rc;
	key = file_key(r, f->abs_path, f->has_dv ? &f->dv : NULL);
	tn_hmap_put(&r->files, key, strlen(key), f);
	return TN_OK;
}

static int apply_remove(struct replay *r, const cJSON *a)
{
	const char *path = jstr(a, "path");
	const cJSON *dvj = cJSON_GetObjectItemCaseSensitive(a, "deletionVector");
	struct delta_dv_desc dv;
	char *abs, *key;
	int rc;

	if (path == NULL)
		return bad(r, "remove action without a path");
	if (cJSON_IsObject(dvj)) {
		rc = parse_dv(r->where, dvj, &dv, r->s, r->err);
		if (rc != TN_OK)
			return rc;
	}
	rc = delta_resolve_path(r->s->t->root, path, &abs, r->err);
	if (rc != TN_OK)
		return rc;
	key = file_key(r, abs, cJSON_IsObject(dvj) ? &dv : NULL);
	tn_hmap_del(&r->files, key, strlen(key));
	free(abs);
	return TN_OK;
}

static int apply_metadata(struct replay *r, const cJSON *m)
{
	struct delta_snapshot *s = r->s;
	struct delta_metadata *md = &s->metadata;
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(m, "format");
	const char *schema = jstr(m, "schemaString"), *id = jstr(m, "id");

	if (id == NULL)
		return bad(r, "metaData action without an id");
	memset(md, 0, sizeof(*md));
	md->id = astr(s, id);
	md->name = astr(s, jstr(m, "name"));
	md->description = astr(s, jstr(m, "description"));
	md->provider = astr(s, cJSON_IsObject(fmt) ? jstr(fmt, "provider") : NULL);
	md->schema_string = astr(s, schema);
	md->partition_columns = str_array(s, cJSON_GetObjectItemCaseSensitive(m, "partitionColumns"),
					  &md->n_partition_columns);
	md->configuration = kv_object(s, cJSON_GetObjectItemCaseSensitive(m, "configuration"),
				      &md->n_configuration);
	md->has_created_time = jint(m, "createdTime", &md->created_time);
	s->has_metadata = true;
	return TN_OK;
}

static int apply_protocol(struct replay *r, const cJSON *p)
{
	struct delta_snapshot *s = r->s;
	struct delta_protocol *pr = &s->protocol;
	int64_t rv, wv;

	if (!jint(p, "minReaderVersion", &rv) || !jint(p, "minWriterVersion", &wv))
		return bad(r, "protocol action without its versions");
	memset(pr, 0, sizeof(*pr));
	pr->min_reader_version = (int32_t)rv;
	pr->min_writer_version = (int32_t)wv;
	pr->reader_features = str_array(s, cJSON_GetObjectItemCaseSensitive(p, "readerFeatures"),
					 &pr->n_reader_features);
	pr->writer_features = str_array(s, cJSON_GetObjectItemCaseSensitive(p, "writerFeatures"),
					 &pr->n_writer_features);
	s->has_protocol = true;
	return TN_OK;
}

static int apply_txn(struct replay *r, const cJSON *x)
{
	struct delta_txn *t;
	const char *app = jstr(x, "appId");

	if (app == NULL)
		return bad(r, "txn action without appId");
	t = tn_arena_calloc(&r->s->arena, 1, sizeof(*t));
	t->app_id = astr(r->s, app);
	jint(x, "version", &t->version);
	t->has_last_updated = jint(x, "lastUpdated", &t->last_updated);
	tn_hmap_put(&r->txns, t->app_id, strlen(t->app_id), t);
	return TN_OK;
}

static int apply_domain(struct replay *r, const cJSON *x)
{
	struct delta_domain *d;
	const char *dom = jstr(x, "domain");
	const cJSON *removed = cJSON_GetObjectItemCaseSensitive(x, "removed");

	if (dom == NULL)
		return bad(r, "domainMetadata action without a domain");
	d = tn_arena_calloc(&r->s->arena, 1, sizeof(*d));
	d->domain = astr(r->s, dom);
	d->configuration = cJSON_IsTrue(removed) ? NULL : astr(r->s, jstr(x, "configuration"));
	tn_hmap_put(&r->domains, d->domain, strlen(d->domain), d);
	return TN_OK;
}

/* One action object (a commit line or a checkpoint row). */
static int apply_action(struct replay *r, const cJSON *line)
{
	const cJSON *a;

	if ((a = cJSON_GetObjectItemCaseSensitive(line, "add")) != NULL && cJSON_IsObject(a))
		return apply_add(r, a);
	if ((a = cJSON_GetObjectItemCaseSensitive(line, "remove")) != NULL && cJSON_IsObject(a))
		return apply_remove(r, a);
	if ((a = cJSON_GetObjectItemCaseSensitive(line, "metaData")) != NULL && cJSON_IsObject(a))
		return apply_metadata(r, a);
	if ((a = cJSON_GetObjectItemCaseSensitive(line, "protocol")) != NULL && cJSON_IsObject(a))
		return apply_protocol(r, a);
	if ((a = cJSON_GetObjectItemCaseSensitive(line, "txn")) != NULL && cJSON_IsObject(a))
		return apply_txn(r, a);
	if ((a = cJSON_GetObjectItemCaseSensitive(line, "domainMetadata")) != NULL && cJSON_IsObject(a))
		return apply_domain(r, a);
	return TN_OK; /* commitInfo, cdc, checkpointMetadata, sidecar, unknown actions */
}

/* ---- reading log files ---- */

int delta_each_json_line(struct delta_table *t, const char *path, const char *label,
			  int (*fn)(void *ctx, const cJSON *line), void *ctx, struct tn_err *err)
{
	struct tn_buf b;
	char *p, *end;
	size_t lineno = 0;
	int rc;

	tn_buf_init(&b, MAX_COMMIT_BYTES);
	rc = store_read_all(t->st, path, &b, err);
	if (rc != TN_OK) {
		tn_buf_done(&b);
		return rc;
	}
	if (b.data == NULL) { /* an empty file */
		tn_buf_done(&b);
		return TN_OK;
	}
	p = b.data;
	end = p + b.len;
	while (rc == TN_OK && p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		cJSON *j;

		lineno++;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		while (len > 0 && isspace((unsigned char)*p)) {
			p++;
			len--;
		}
		if (len > 0) {
			j = cJSON_ParseWithLength(p, len);
			if (j == NULL || !cJSON_IsObject(j))
				rc = tn_err_set(err, TN_ECORRUPT, "%s: line %zu is not a JSON object",
						label, lineno);
			else
				rc = fn(ctx, j);
			cJSON_Delete(j);
		}
		p = nl ? nl + 1 : end;
	}
	tn_buf_done(&b);
	return rc;
}

static int replay_line(void *ctx, const cJSON *line)
{
	return apply_action(ctx, line);
}

/* A column vector value as cJSON, with maps as objects (as in JSON
 * commits). Big integers become strings to stay exact. */
static cJSON *vec_json(const struct tn_vec *v, size_t i);

static cJSON *vec_json(const struct tn_vec *v, size_t i)
{
	const struct tn_type *t = v->type;

	if (tn_vec_is_null(v, i))
		return cJSON_CreateNull();
	switch (t->kind) {
	case TN_STRUCT: {
		cJSON *o = cJSON_CreateObject();

		for (size_t f = 0; f < t->nfields; f++)
			cJSON_AddItemToObject(o, t->fields[f].name, vec_json(&v->children[f], i));
		return o;
	}
	case TN_LIST: {
		cJSON *a = cJSON_CreateArray();

		for (int32_t j = v->offsets[i]; j < v->offsets[i + 1]; j++)
			cJSON_AddItemToArray(a, vec_json(&v->children[0], (size_t)j));
		return a;
	}
	case TN_MAP: {
		cJSON *o = cJSON_CreateObject();

		for (int32_t j = v->offsets[i]; j < v->offsets[i + 1]; j++) {
			const struct tn_vec *k = &v->children[0];
			const struct tn_bytes *kb = &((const struct tn_bytes *)k->values)[j];
			char *key = tn_strndup((const char *)kb->ptr, kb->len);

			if (k->type->kind == TN_STRING)
				cJSON_AddItemToObject(o, key, vec_json(&v->children[1], (size_t)j));
			free(key);
		}
		return o;
	}
	case TN_STRING:
	case TN_BINARY: {
		const struct tn_bytes *b = &((const struct tn_bytes *)v->values)[i];
		char *s = tn_strndup((const char *)b->ptr, b->len);
		cJSON *j = cJSON_CreateString(s);

		free(s);
		return j;
	}
	case TN_BOOL:
		return cJSON_CreateBool(((const uint8_t *)v->values)[i]);
	case TN_INT8:
		return cJSON_CreateNumber(((const int8_t *)v->values)[i]);
	case TN_INT16:
		return cJSON_CreateNumber(((const int16_t *)v->values)[i]);
	case TN_INT32:
		return cJSON_CreateNumber(((const int32_t *)v->values)[i]);
	case TN_INT64: {
		int64_t x = ((const int64_t *)v->values)[i];
		char buf[32];

		if (x > (INT64_C(1) << 53) || x < -(INT64_C(1) << 53)) {
			snprintf(buf, sizeof(buf), "%lld", (long long)x);
			return cJSON_CreateString(buf);
		}
		return cJSON_CreateNumber((double)x);
	}
	case TN_FLOAT:
		return cJSON_CreateNumber(((const float *)v->values)[i]);
	case TN_DOUBLE:
		return cJSON_CreateNumber(((const double *)v->values)[i]);
	default:
		return cJSON_CreateNull();
	}
}

/* Action columns a checkpoint may have; anything else (stats_parsed ...)
 * is not read. */
static const char *const ckpt_columns[] = {
	"add", "remove", "metaData", "protocol", "txn", "domainMetadata", "sidecar",
	"checkpointMetadata",
};

struct sidecars {
	char **names;
	size_t n, cap;
};

static int replay_parquet(struct replay *r, const char *path, struct sidecars *sc,
			  struct tn_err *err)
{
	struct store *st = r->s->t->st;
	struct pq_read_opts o;
	struct pq_reader *pr = NULL;
	const char *cols[8];
	size_t ncols = 0;
	struct tn_batch b = {0};
	int rc;

	/* Open once to learn which action columns the file has. */
	rc = pq_reader_open(st, path, NULL, &pr, err);
	if (rc != TN_OK)
		return rc;
	for (size_t i = 0; i < sizeof(ckpt_columns) / sizeof(ckpt_columns[0]); i++)
		if (tn_schema_find(pq_reader_schema(pr), ckpt_columns[i]) >= 0)
			cols[ncols++] = ckpt_columns[i];
	pq_reader_close(pr);
	pq_read_opts_init(&o);
	o.columns = cols;
	o.ncolumns = ncols;
	rc = pq_reader_open(st, path, &o, &pr, err);
	while (rc == TN_OK) {
		rc = pq_reader_next(pr, &b, err);
		if (rc != TN_OK || b.nrows == 0)
			break;
		for (size_t i = 0; rc == TN_OK && i < b.nrows; i++) {
			for (size_t c = 0; rc == TN_OK && c < ncols; c++) {
				cJSON *line, *val;

				if (tn_vec_is_null(&b.cols[c], i))
					continue;
				line = cJSON_CreateObject();
				val = vec_json(&b.cols[c], i);
				cJSON_AddItemToObject(line, cols[c], val);
				if (strcmp(cols[c], "sidecar") == 0 && sc != NULL) {
					const char *p = jstr(val, "path");

					if (p != NULL) {
						if (sc->n == sc->cap) {
							sc->cap = sc->cap ? sc->cap * 2 : 8;
							sc->names = tn_reallocarray(sc->names, sc->cap,
										    sizeof(char *));
						}
						sc->names[sc->n++] = tn_strdup(p);
					}
				} else {
					rc = apply_action(r, line);
				}
				cJSON_Delete(line);
			}
		}
	}
	if (b.cols != NULL)
		tn_batch_done(&b);
	pq_reader_close(pr);
	return rc;
}

struct json_ckpt {
	struct replay *r;
	struct sidecars *sc;
};

static int replay_v2_line(void *ctx, const cJSON *line)
{
	struct json_ckpt *jc = ctx;
	const cJSON *side = cJSON_GetObjectItemCaseSensitive(line, "sidecar");

	if (cJSON_IsObject(side)) {
		const char *p = jstr(side, "path");
		struct sidecars *sc = jc->sc;

		if (p != NULL) {
			if (sc->n == sc->cap) {
				sc->cap = sc->cap ? sc->cap * 2 : 8;
				sc->names = tn_reallocarray(sc->names, sc->cap, sizeof(char *));
			}
			sc->names[sc->n++] = tn_strdup(p);
		}
		return TN_OK;
	}
	return apply_action(jc->r, line);
}

/* Replay the checkpoint whose first file is t->files[i]. */
static int replay_checkpoint(struct replay *r, size_t i, size_t span, struct tn_err *err)
{
	struct delta_table *t = r->s->t;
	struct sidecars sc = {0};
	int rc = TN_OK;

	for (size_t k = 0; rc == TN_OK && k < span; k++) {
		const struct log_file *f = &t->files[i + k];
		char *path = tn_path_join(t->log_dir, f->name);

		r->where = f->name;
		if (f->kind == LOG_CKPT_V2 && tn_str_endswith(f->name, ".json")) {
			struct json_ckpt jc = {r, &sc};

			rc = delta_each_json_line(t, path, f->name, replay_v2_line, &jc, err);
		} else {
			rc = replay_parquet(r, path, &sc, err);
		}
		free(path);
	}
	for (size_t k = 0; k < sc.n; k++) {
		if (rc == TN_OK) {
			char *dir = tn_path_join(t->log_dir, "_sidecars");
			char *path, *dec = delta_uri_decode(sc.names[k]);

			/* a sidecar path is a file name in _sidecars, or a URI */
			if (strchr(dec, '/') == NULL)
				path = tn_path_join(dir, dec);
			else
				rc = delta_resolve_path(dir, dec, &path, err);
			if (rc == TN_OK) {
				r->where = sc.names[k];
				rc = replay_parquet(r, path, NULL, err);
				free(path);
			}
			free(dir);
			free(dec);
		}
		free(sc.names[k]);
	}
	free(sc.names);
	return rc;
}

/* ---- snapshots ---- */

static int check_protocol(const struct delta_snapshot *s, struct tn_err *err)
{
	const struct delta_protocol *p = &s->protocol;

	if (p->min_reader_version < 1 || p->min_reader_version > 3)
		return tn_err_set(err, TN_EUNSUPPORTED,
				  "%s: table needs reader version %d; tarn supports reader versions 1 "
				  "to 3 (unsupported protocol)",
				  s->t->root, p->min_reader_version);
	if (p->min_reader_version < 3)
		return TN_OK;
	for (size_t i = 0; i < p->n_reader_features; i++) {
		bool known = false;

		for (size_t k = 0; k < sizeof(reader_features) / sizeof(reader_features[0]); k++)
			known |= strcmp(p->reader_features[i], reader_features[k]) == 0;
		if (!known)
			return tn_err_set(err, TN_EUNSUPPORTED,
					  "%s: table feature '%s' is not supported", s->t->root,
					  p->reader_features[i]);
	}
	return TN_OK;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp((*(struct delta_file *const *)a)->path, (*(struct delta_file *const *)b)->path);
}

static int cmp_txn(const void *a, const void *b)
{
	return strcmp(((const struct delta_txn *)a)->app_id, ((const struct delta_txn *)b)->app_id);
}

static int cmp_domain(const void *a, const void *b)
{
	return strcmp(((const struct delta_domain *)a)->domain,
		      ((const struct delta_domain *)b)->domain);
}

static void collect(struct delta_snapshot *s, struct replay *r)
{
	size_t pos = 0, len, i = 0;
	const char *key;
	void *v;

	s->files = tn_arena_calloc(&s->arena, r->files.count + 1, sizeof(*s->files));
	while (tn_hmap_next(&r->files, &pos, &key, &len, &v))
		s->files[i++] = v;
	s->nfiles = i;
	qsort(s->files, s->nfiles, sizeof(*s->files), cmp_file);
	s->txns = tn_arena_calloc(&s->arena, r->txns.count + 1, sizeof(*s->txns));
	pos = 0;
	i = 0;
	while (tn_hmap_next(&r->txns, &pos, &key, &len, &v))
		s->txns[i++] = *(struct delta_txn *)v;
	s->ntxns = i;
	qsort(s->txns, s->ntxns, sizeof(*s->txns), cmp_txn);
	s->domains = tn_arena_calloc(&s->arena, r->domains.count + 1, sizeof(*s->domains));
	pos = 0;
	i = 0;
	while (tn_hmap_next(&r->domains, &pos, &key, &len, &v))
		if (((struct delta_domain *)v)->configuration != NULL)
			s->domains[i++] = *(struct delta_domain *)v;
	s->ndomains = i;
	qsort(s->domains, s->ndomains, sizeof(*s->domains), cmp_domain);
}

ssize_t delta_log_find(const struct delta_table *t, int64_t version, int kind)
{
	size_t lo = 0, hi = t->nfiles;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->files[mid].version < version)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < t->nfiles && t->files[lo].version == version; lo++)
		if (t->files[lo].kind == kind)
			return (ssize_t)lo;
	return -1;
}

static int snapshot_open(struct delta_table *t, int64_t version, bool lenient,
			 struct delta_snapshot **out, struct tn_err *err);

static void replay_init(struct replay *r, struct delta_snapshot *s, struct tn_err *err)
{
	memset(r, 0, sizeof(*r));
	r->s = s;
	r->err = err;
	tn_hmap_init(&r->files);
	tn_hmap_init(&r->txns);
	tn_hmap_init(&r->domains);
}

/* The end of a replay: on success s gets its files, txns and domains and
 * goes to *out; on failure it is freed. */
static int replay_done(struct replay *r, int rc, struct delta_snapshot **out)
{
	if (rc == TN_OK)
		collect(r->s, r);
	tn_hmap_done(&r->files);
	tn_hmap_done(&r->txns);
	tn_hmap_done(&r->domains);
	if (rc != TN_OK) {
		delta_snapshot_free(r->s);
		return rc;
	}
	*out = r->s;
	return TN_OK;
}

int delta_snapshot_open(struct delta_table *t, int64_t version, struct delta_snapshot **out,
			struct tn_err *err)
{
	return snapshot_open(t, version, false, out, err);
}

int delta_snapshot_open_lenient(struct delta_table *t, int64_t version,
				struct delta_snapshot **out, struct tn_err *err)
{
	return snapshot_open(t, version, true, out, err);
}

bool delta_snapshot_has_metadata(const struct delta_snapshot *s)
{
	return s->has_metadata && s->metadata.schema_string != NULL;
}

static int snapshot_open(struct delta_table *t, int64_t version, bool lenient,
			 struct delta_snapshot **out, struct tn_err *err)
{
	struct delta_snapshot *s;
	struct replay r;
	ssize_t ck = -1;
	size_t span = 0;
	int64_t from = 0;
	int rc = TN_OK;

	*out = NULL;
	if (version < 0)
		version = t->latest;
	if (version < t->earliest || version > t->latest)
		return tn_err_set(err, TN_EINVAL,
				  "%s: version %lld is not available (earliest %lld, latest %lld)",
				  t->root, (long long)version, (long long)t->earliest,
				  (long long)t->latest);
	/* The newest complete checkpoint at or before version. */
	for (size_t i = 0; i < t->nfiles; i++) {
		size_t n;

		if (t->files[i].version > version)
			break;
		if (t->files[i].kind != LOG_COMMIT && (n = checkpoint_span(t, i)) > 0 &&
		    (ck < 0 || t->files[i].version > t->files[ck].version)) {
			ck = (ssize_t)i;
			span = n;
		}
	}
	if (ck >= 0)
		from = t->files[ck].version + 1;
	/* Every commit after it must be there. */
	for (int64_t v = from; v <= version; v++)
		if (delta_log_find(t, v, LOG_COMMIT) < 0)
			return tn_err_set(err, TN_ECORRUPT,
					  "%s: the log is missing version %lld (needed for version %lld)",
					  t->root, (long long)v, (long long)version);
	s = tn_calloc(1, sizeof(*s));
	s->t = t;
	s->version = version;
	s->timestamp = -1;
	tn_arena_init(&s->arena, 0);
	replay_init(&r, s, err);
	if (ck >= 0)
		rc = replay_checkpoint(&r, (size_t)ck, span, err);
	for (int64_t v = from; rc == TN_OK && v <= version; v++) {
		const struct log_file *f = &t->files[delta_log_find(t, v, LOG_COMMIT)];
		char *path = tn_path_join(t->log_dir, f->name);

		r.where = f->name;
		rc = delta_each_json_line(t, path, f->name, replay_line, &r, err);
		free(path);
	}
	if (rc != TN_OK)
		tn_err_prefix(err, "%s: _delta_log", t->root);
	if (rc == TN_OK && !s->has_protocol)
		rc = tn_err_set(err, TN_ECORRUPT,
				"%s: corrupt table: version %lld has no protocol action", t->root,
				(long long)version);
	if (rc == TN_OK && !s->has_metadata && !lenient)
		rc = tn_err_set(err, TN_ECORRUPT,
				"%s: corrupt table: version %lld has no metaData action", t->root,
				(long long)version);
	if (rc == TN_OK && s->has_metadata && s->metadata.schema_string == NULL && !lenient)
		rc = tn_err_set(err, TN_ECORRUPT,
				"%s: corrupt table: the metaData of version %lld has no schemaString",
				t->root, (long long)version);
	if (rc == TN_OK)
		rc = check_protocol(s, err);
	if (rc == TN_OK && delta_snapshot_has_metadata(s)) {
		rc = delta_schema_parse(s->metadata.schema_string, &s->schema, err);
		if (rc != TN_OK)
			tn_err_prefix(err, "%s: metaData", t->root);
	}
	return replay_done(&r, rc, out);
}

void delta_snapshot_free(struct delta_snapshot *s)
{
	if (s == NULL)
		return;
	tn_schema_done(&s->schema);
	tn_arena_done(&s->arena);
	delta_table_close(s->own_t);
	free(s);
}

/* ---- derived snapshots ---- */

static struct delta_file *copy_file(struct delta_snapshot *s, const struct delta_file *f)
{
	struct delta_file *c = tn_arena_calloc(&s->arena, 1, sizeof(*c));

	*c = *f;
	c->path = astr(s, f->path);
	c->abs_path = astr(s, f->abs_path);
	c->stats = astr(s, f->stats);
	c->partition_values = tn_arena_calloc(&s->arena, f->n_partition_values + 1,
					      sizeof(*c->partition_values));
	for (size_t i = 0; i < f->n_partition_values; i++) {
		c->partition_values[i].key = astr(s, f->partition_values[i].key);
		c->partition_values[i].value = astr(s, f->partition_values[i].value);
	}
	if (f->has_dv)
		c->dv.path_or_inline_dv = astr(s, f->dv.path_or_inline_dv);
	return c;
}

int delta_snapshot_derive(struct store *st, const char *root, const struct delta_snapshot *base,
			  int64_t version, const char *text, size_t len, struct delta_snapshot **out,
			  struct tn_err *err)
{
	struct delta_snapshot *s = tn_calloc(1, sizeof(*s));
	struct delta_table *t = tn_calloc(1, sizeof(*t));
	const char *p = text, *end = text + len;
	struct replay r;
	int rc = TN_OK;

	*out = NULL;
	t->st = st;
	t->root = tn_strdup(base ? base->t->root : root);
	while (strlen(t->root) > 1 && t->root[strlen(t->root) - 1] == '/')
		t->root[strlen(t->root) - 1] = '\0';
	t->log_dir = tn_path_join(t->root, "_delta_log");
	t->latest = -1;
	s->t = s->own_t = t;
	s->version = version;
	s->timestamp = tn_time_now_us() / 1000;
	tn_arena_init(&s->arena, 0);
	replay_init(&r, s, err);
	r.where = "the transaction's actions";
	for (size_t i = 0; base && i < base->nfiles; i++) {
		struct delta_file *f = copy_file(s, base->files[i]);
		char *key = file_key(&r, f->abs_path, f->has_dv ? &f->dv : NULL);

		tn_hmap_put(&r.files, key, strlen(key), f);
	}
	for (size_t i = 0; base && i < base->ntxns; i++) {
		struct delta_txn *x = tn_arena_calloc(&s->arena, 1, sizeof(*x));

		*x = base->txns[i];
		x->app_id = astr(s, x->app_id);
		tn_hmap_put(&r.txns, x->app_id, strlen(x->app_id), x);
	}
	for (size_t i = 0; base && i < base->ndomains; i++) {
		struct delta_domain *d = tn_arena_calloc(&s->arena, 1, sizeof(*d));

		d->domain = astr(s, base->domains[i].domain);
		d->configuration = astr(s, base->domains[i].configuration);
		tn_hmap_put(&r.domains, d->domain, strlen(d->domain), d);
	}
	while (rc == TN_OK && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n > 0) {
			cJSON *j = cJSON_ParseWithLength(p, n);

			rc = cJSON_IsObject(j) ? apply_action(&r, j)
					       : tn_err_set(err, TN_ECORRUPT, "%s: a line is not a "
								 "JSON object", r.where);
			cJSON_Delete(j);
		}
		p = nl ? nl + 1 : end;
	}
	if (rc == TN_OK && (!s->has_protocol || !delta_snapshot_has_metadata(s)))
		rc = tn_err_set(err, TN_ECORRUPT, "%s: %s leave no protocol or metaData", t->root,
				r.where);
	if (rc == TN_OK)
		rc = check_protocol(s, err);
	if (rc == TN_OK)
		rc = delta_schema_parse(s->metadata.schema_string, &s->schema, err);
	if (rc != TN_OK)
		tn_err_prefix(err, "%s", t->root);
	return replay_done(&r, rc, out);
}

int delta_snapshot_from_actions(struct store *st, const char *root, int64_t version,
				int64_t ts_ms, const char *text, size_t len,
				struct delta_snapshot **out, struct tn_err *err)
{
	int rc = delta_snapshot_derive(st, root, NULL, version, text, len, out, err);

	if (rc == TN_OK)
		(*out)->timestamp = ts_ms;
	return rc;
}

int64_t delta_snapshot_version(const struct delta_snapshot *s)
{
	return s->version;
}

const struct delta_protocol *delta_snapshot_protocol(const struct delta_snapshot *s)
{
	return &s->protocol;
}

const struct delta_metadata *delta_snapshot_metadata(const struct delta_snapshot *s)
{
	return &s->metadata;
}

const struct tn_schema *delta_snapshot_schema(const struct delta_snapshot *s)
{
	return &s->schema;
}

size_t delta_snapshot_num_files(const struct delta_snapshot *s)
{
	return s->nfiles;
}

const struct delta_file *delta_snapshot_file(const struct delta_snapshot *s, size_t i)
{
	return s->files[i];
}

size_t delta_snapshot_num_txns(const struct delta_snapshot *s)
{
	return s->ntxns;
}

const struct delta_txn *delta_snapshot_txn(const struct delta_snapshot *s, size_t i)
{
	return &s->txns[i];
}

size_t delta_snapshot_num_domains(const struct delta_snapshot *s)
{
	return s->ndomains;
}

const struct delta_domain *delta_snapshot_domain(const struct delta_snapshot *s, size_t i)
{
	return &s->domains[i];
}

const char *delta_snapshot_property(const struct delta_snapshot *s, const char *key)
{
	for (size_t i = 0; i < s->metadata.n_configuration; i++)
		if (strcmp(s->metadata.configuration[i].key, key) == 0)
			return s->metadata.configuration[i].value;
	return NULL;
}
