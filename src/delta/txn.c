/* txn.c - Delta transactions: what a commit adds, removes and changes,
 * and the commit itself. A transaction reads one version (its snapshot),
 * writes new data files, collects actions, and commits them as the next
 * version with a create-if-absent of _delta_log/<version>.json. On losing
 * that race it reads the winning commits and applies Delta's conflict
 * rules (metadata or protocol changed, the same application transaction or
 * domain, files appended that this transaction's read would have seen,
 * files it read or removes removed by the winner); when none applies it
 * tries again at the next version. A checkpoint follows every
 * delta.checkpointInterval commits; failing to write one fails nothing. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"
#include "base/str.h"
#include "base/time.h"
#include "config.h"
#include "delta/pred_int.h"
#include "delta/write_int.h"

#define MAX_RETRIES 1000

/* A remove or an add of a file the transaction did not write (a re-add
 * with a new deletion vector, a restored file). */
struct file_action {
	bool add;
	bool dropped;               /* undone by a later change: not committed */
	char *path;                 /* as in the log, decoded (owned) */
	cJSON *json;                /* the action's inner object (owned) */
	bool has_dv;
	struct delta_dv_desc dv;    /* an add's deletion vector (owned) */
};

/* A predicate the transaction read with, bound to a copy of the schema of
 * the moment (the table's schema may change after). */
struct read_pred {
	struct tn_schema schema;
	struct bpred *bp;
};

struct delta_tx {
	struct store *st;
	char *root;
	struct delta_table *t;      /* NULL when creating */
	struct delta_snapshot *s;   /* the version read; NULL when creating */
	bool create;
	cJSON *protocol;            /* the protocol this commit leaves (inner object) */
	cJSON *metadata;            /* the metaData it leaves */
	bool protocol_changed, metadata_changed;
	struct tn_schema schema;    /* logical schema of metadata */
	char **part_cols;
	size_t npart;
	int map_mode;
	struct delta_sink *sink;    /* new data files */
	struct delta_sink *cdc;     /* new change data files */
	struct file_action *acts;   /* removes and re-adds, in order */
	size_t nacts, capacts;
	struct tn_hmap removed;     /* paths (as in the log) of the read version removed */
	struct tn_hmap readded;     /* path -> index + 1 in acts of its live add */
	struct tn_hmap dropped;     /* paths of new data files a later change dropped */
	struct tn_arena arena;
	bool reads;                 /* the transaction read the table's rows */
	bool read_all;              /* ... all of them */
	struct read_pred **read_preds; /* else the rows matching any of these */
	size_t nread_preds;
	struct tn_hmap read_files;  /* paths of the files the read saw */
	bool cdc_backlog;           /* rows inserted before the first read are not
				       change data yet */
	char *app_id;
	int64_t app_version;
	cJSON *domains;             /* domainMetadata actions (array) */
	char *operation;
	cJSON *params, *metrics;
	bool data_change;
	int64_t removed_files, removed_bytes, readded_files;
	struct tn_buf dvfile;       /* deletion vectors written by this commit */
	size_t dv_flushed;          /* bytes of it in the file (written eagerly for views) */
	char *dv_name;              /* its file name, relative to the root */
	char *dv_id;                /* pathOrInlineDv of its descriptors */
	uint8_t dv_uuid[16];
	delta_check_fn check;
	void *check_ctx;
	int64_t started_ms;
};

static void actions_text(struct delta_tx *tx, struct tn_buf *b, bool view, int64_t ict,
			 int64_t now);
static bool new_file_dropped(const struct delta_tx *tx, const char *path);
static int flush_dv(struct delta_tx *tx, struct tn_err *err);

/* ---- small helpers ---- */

static char *user_name(void)
{
	struct passwd *pw = getpwuid(getuid());

	return tn_strdup(pw && pw->pw_name ? pw->pw_name : "unknown");
}

static const char *config_get(const cJSON *meta, const char *key)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(meta, "configuration");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool config_true(const cJSON *meta, const char *key)
{
	const char *v = config_get(meta, key);

	return v != NULL && tn_str_ieq(v, "true");
}

const char *delta_tx_property(const struct delta_tx *tx, const char *key)
{
	return config_get(tx->metadata, key);
}

static struct file_action *push_action(struct delta_tx *tx, bool add, const char *path,
				       cJSON *inner)
{
	struct file_action *a;

	if (tx->nacts == tx->capacts) {
		tx->capacts = tx->capacts ? 2 * tx->capacts : 16;
		tx->acts = tn_reallocarray(tx->acts, tx->capacts, sizeof(*tx->acts));
	}
	a = &tx->acts[tx->nacts++];
	memset(a, 0, sizeof(*a));
	a->add = add;
	a->path = tn_strdup(path);
	a->json = inner;
	return a;
}

static bool has_feature(const cJSON *proto, const char *list, const char *name)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(proto, list), *e;

	cJSON_ArrayForEach(e, a) if (cJSON_IsString(e) && strcmp(e->valuestring, name) == 0) return true;
	return false;
}

/* Writer features tarn honours when it writes. */
static const char *const known_writer_features[] = {
	"appendOnly",	   "invariants",       "checkConstraints", "changeDataFeed",
	"columnMapping",   "deletionVectors",  "timestampNtz",     "domainMetadata",
	"inCommitTimestamp", "typeWidening",   "typeWidening-preview", "vacuumProtocolCheck",
	"v2Checkpoint",    "clustering",	 "icebergCompatV1", "icebergCompatV2",
};

static int check_writable(const char *root, const cJSON *proto, const cJSON *meta,
			  struct tn_err *err)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(proto, "minWriterVersion");
	const cJSON *fs = cJSON_GetObjectItemCaseSensitive(proto, "writerFeatures"), *e;
	int wv = cJSON_IsNumber(w) ? w->valueint : 0;

	if (wv > 7)
		return tn_err_set(err, TN_EUNSUPPORTED,
				  "%s: writer version %d is newer than tarn writes (7)", root, wv);
	if (wv == 6 || (wv == 7 && has_feature(proto, "writerFeatures", "identityColumns")))
		return tn_err_set(err, TN_EUNSUPPORTED,
				  "%s: the table has identity columns, which tarn cannot write", root);
	if (wv == 4 || wv == 5) {
		/* legacy generated columns are writer 4: refuse if any */
		const char *ss = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "schemaString"));

		if (ss && strstr(ss, "delta.generationExpression"))
			return tn_err_set(err, TN_EUNSUPPORTED,
					  "%s: the table has generated columns, which tarn cannot write",
					  root);
	}
	cJSON_ArrayForEach(e, fs) {
		bool ok = false;

		for (size_t i = 0; i < sizeof(known_writer_features) / sizeof(*known_writer_features); i++)
			ok |= cJSON_IsString(e) && strcmp(e->valuestring, known_writer_features[i]) == 0;
		if (!ok)
			return tn_err_set(err, TN_EUNSUPPORTED,
					  "%s: the table uses writer feature '%s', which tarn cannot write",
					  root, cJSON_IsString(e) ? e->valuestring : "?");
	}
	return TN_OK;
}

static cJSON *protocol_json(const struct delta_protocol *p)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "minReaderVersion", p->min_reader_version);
	cJSON_AddNumberToObject(o, "minWriterVersion", p->min_writer_version);
	if (p->reader_features != NULL) {
		cJSON *a = cJSON_AddArrayToObject(o, "readerFeatures");

		for (size_t i = 0; i < p->n_reader_features; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(p->reader_features[i]));
	}
	if (p->writer_features != NULL) {
		cJSON *a = cJSON_AddArrayToObject(o, "writerFeatures");

		for (size_t i = 0; i < p->n_writer_features; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(p->writer_features[i]));
	}
	return o;
}

static cJSON *metadata_json(const struct delta_metadata *m)
{
	cJSON *o = cJSON_CreateObject(), *fmt, *a, *c;

	cJSON_AddStringToObject(o, "id", m->id);
	if (m->name)
		cJSON_AddStringToObject(o, "name", m->name);
	if (m->description)
		cJSON_AddStringToObject(o, "description", m->description);
	fmt = cJSON_AddObjectToObject(o, "format");
	cJSON_AddStringToObject(fmt, "provider", m->provider ? m->provider : "parquet");
	cJSON_AddObjectToObject(fmt, "options");
	cJSON_AddStringToObject(o, "schemaString", m->schema_string);
	a = cJSON_AddArrayToObject(o, "partitionColumns");
	for (size_t i = 0; i < m->n_partition_columns; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(m->partition_columns[i]));
	c = cJSON_AddObjectToObject(o, "configuration");
	for (size_t i = 0; i < m->n_configuration; i++)
		if (m->configuration[i].value)
			cJSON_AddStringToObject(c, m->configuration[i].key, m->configuration[i].value);
	if (m->has_created_time)
		cJSON_AddNumberToObject(o, "createdTime", (double)m->created_time);
	return o;
}

/* Load schema, partition columns and mapping mode from tx->metadata. */
static int load_metadata(struct delta_tx *tx, struct tn_err *err)
{
	const cJSON *pc = cJSON_GetObjectItemCaseSensitive(tx->metadata, "partitionColumns"), *e;
	const char *ss = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(tx->metadata,
									       "schemaString"));
	int rc;

	tn_schema_done(&tx->schema);
	for (size_t i = 0; i < tx->npart; i++)
		free(tx->part_cols[i]);
	free(tx->part_cols);
	tx->part_cols = NULL;
	tx->npart = 0;
	rc = delta_schema_parse(ss ? ss : "", &tx->schema, err);
	if (rc != TN_OK)
		return rc;
	tx->part_cols = tn_calloc((size_t)cJSON_GetArraySize(pc) + 1, sizeof(char *));
	cJSON_ArrayForEach(e, pc) if (cJSON_IsString(e)) tx->part_cols[tx->npart++] =
		tn_strdup(e->valuestring);
	tx->map_mode = delta_map_mode_of(config_get(tx->metadata, "delta.columnMapping.mode"));
	return TN_OK;
}

static void tx_init(struct delta_tx *tx, struct store *st, const char *root)
{
	tx->st = st;
	tx->root = tn_strdup(root);
	tx->data_change = true;
	tx->started_ms = tn_time_now_us() / 1000;
	tn_buf_init(&tx->dvfile, 0);
	tn_hmap_init(&tx->removed);
	tn_hmap_init(&tx->readded);
	tn_hmap_init(&tx->dropped);
	tn_hmap_init(&tx->read_files);
	tn_arena_init(&tx->arena, 0);
	tx->domains = cJSON_CreateArray();
	tx->metrics = cJSON_CreateObject();
}

int delta_tx_begin(struct store *st, const char *root, struct delta_tx **out, struct tn_err *err)
{
	struct delta_tx *tx = tn_calloc(1, sizeof(*tx));
	int rc;

	*out = NULL;
	tx_init(tx, st, root);
	rc = delta_table_open(st, root, &tx->t, err);
	if (rc == TN_OK)
		rc = delta_snapshot_open(tx->t, -1, &tx->s, err);
	if (rc == TN_OK) {
		tx->protocol = protocol_json(&tx->s->protocol);
		tx->metadata = metadata_json(&tx->s->metadata);
		rc = check_writable(root, tx->protocol, tx->metadata, err);
	}
	if (rc == TN_OK)
		rc = load_metadata(tx, err);
	if (rc != TN_OK) {
		delta_tx_abort(tx);
		return rc;
	}
	tx->operation = tn_strdup("WRITE"); /* until set */
	*out = tx;
	return TN_OK;
}

/* ---- protocol for the features a table uses ---- */

static void add_feature(cJSON *proto, const char *list, const char *name)
{
	cJSON *a = cJSON_GetObjectItemCaseSensitive(proto, list);

	if (a == NULL)
		a = cJSON_AddArrayToObject(proto, list);
	if (!has_feature(proto, list, name))
		cJSON_AddItemToArray(a, cJSON_CreateString(name));
}

static int jint(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valueint : 0;
}

static void set_int(cJSON *o, const char *k, int v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, k);
	cJSON_AddNumberToObject(o, k, v);
}

static bool schema_has_ntz(const struct tn_type *t)
{
	if (t->kind == TN_TIMESTAMP && !t->utc)
		return true;
	for (size_t i = 0; i < t->nfields; i++)
		if (schema_has_ntz(&t->fields[i].type))
			return true;
	return false;
}

/* From legacy versions to features: list what writer version wv implied
 * (appendOnly and invariants always, tarn's tables having had them). */
static void legacy_writer_features(cJSON *p, int wv)
{
	add_feature(p, "writerFeatures", "appendOnly");
	add_feature(p, "writerFeatures", "invariants");
	if (wv >= 3)
		add_feature(p, "writerFeatures", "checkConstraints");
	if (wv >= 4)
		add_feature(p, "writerFeatures", "changeDataFeed");
	if (wv >= 5)
		add_feature(p, "writerFeatures", "columnMapping");
}

/* Raise tx->protocol to what the table's properties and schema need:
 * legacy versions when they suffice, table features (reader 3, writer 7)
 * otherwise. Never lowers it. */
static void upgrade_protocol(struct delta_tx *tx)
{
	cJSON *p = tx->protocol, *m = tx->metadata;
	int rv = jint(p, "minReaderVersion"), wv = jint(p, "minWriterVersion");
	int nrv = rv, nwv = wv;
	bool ntz = false, dvs = config_true(m, "delta.enableDeletionVectors");
	bool ict = config_true(m, "delta.enableInCommitTimestamps");
	bool cdf = config_true(m, "delta.enableChangeDataFeed");
	bool cm = tx->map_mode != DELTA_MAP_NONE;
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(m, "configuration"), *e;
	bool checks = false;

	for (size_t i = 0; i < tx->schema.ncols; i++)
		ntz |= schema_has_ntz(&tx->schema.cols[i].type);
	cJSON_ArrayForEach(e, c) checks |= tn_str_startswith(e->string, "delta.constraints.");
	if (checks && nwv < 3)
		nwv = 3;
	if (cdf && nwv < 4)
		nwv = 4;
	if (cm) {
		if (nrv < 2)
			nrv = 2;
		if (nwv < 5)
			nwv = 5;
	}
	if (dvs || ntz || ict) {
		nwv = 7;
		if (dvs || ntz)
			nrv = 3;
	}
	if (nrv == rv && nwv == wv && (wv < 7 || (!dvs && !ntz && !ict && !cm && !cdf && !checks)))
		return;
	tx->protocol_changed = true;
	if (nwv == 7 && wv < 7)
		legacy_writer_features(p, wv);
	if (nrv == 3 && rv < 3 && rv >= 2)
		add_feature(p, "readerFeatures", "columnMapping");
	if (nrv == 3 && cJSON_GetObjectItemCaseSensitive(p, "readerFeatures") == NULL)
		cJSON_AddArrayToObject(p, "readerFeatures");
	set_int(p, "minReaderVersion", nrv);
	set_int(p, "minWriterVersion", nwv);
	if (nwv == 7) {
		if (checks)
			add_feature(p, "writerFeatures", "checkConstraints");
		if (cdf)
			add_feature(p, "writerFeatures", "changeDataFeed");
		if (cm)
			add_feature(p, "writerFeatures", "columnMapping");
		if (dvs)
			add_feature(p, "writerFeatures", "deletionVectors");
		if (ntz)
			add_feature(p, "writerFeatures", "timestampNtz");
		if (ict)
			add_feature(p, "writerFeatures", "inCommitTimestamp");
	}
	if (nrv == 3) {
		if (cm)
			add_feature(p, "readerFeatures", "columnMapping");
		if (dvs)
			add_feature(p, "readerFeatures", "deletionVectors");
		if (ntz)
			add_feature(p, "readerFeatures", "timestampNtz");
	}
}

/* ---- column mapping ---- */

static int64_t max_column_id(const struct tn_type *t)
{
	int64_t m = 0;

	for (size_t i = 0; i < t->nfields; i++) {
		if (t->fields[i].has_field_id && t->fields[i].field_id > m)
			m = t->fields[i].field_id;
		if (t->fields[i].type.kind == TN_STRUCT) {
			int64_t c = max_column_id(&t->fields[i].type);

			if (c > m)
				m = c;
		}
	}
	return m;
}

/* Give every field without one an id and a physical name ("col-<uuid>"). */
static void assign_mapping(struct tn_field *f, int64_t *next)
{
	if (!f->has_field_id) {
		f->has_field_id = true;
		f->field_id = (int32_t)++*next;
	}
	if (f->physical == NULL) {
		char id[37];

		delta_uuid4(id);
		f->physical = tn_asprintf("col-%s", id);
	}
	if (f->type.kind == TN_STRUCT)
		for (size_t i = 0; i < f->type.nfields; i++)
			assign_mapping(&f->type.fields[i], next);
}

static int set_schema(struct delta_tx *tx, const struct tn_schema *s, struct tn_err *err)
{
	cJSON *sch = cJSON_CreateObject(), *fields;
	char *text;

	cJSON_AddStringToObject(sch, "type", "struct");
	fields = cJSON_AddArrayToObject(sch, "fields");
	for (size_t i = 0; i < s->ncols; i++) {
		cJSON *f = delta_field_json(&s->cols[i], err);

		if (f == NULL) {
			cJSON_Delete(sch);
			return err ? err->code : TN_EUNSUPPORTED;
		}
		cJSON_AddItemToArray(fields, f);
	}
	text = cJSON_PrintUnformatted(sch);
	cJSON_Delete(sch);
	cJSON_DeleteItemFromObjectCaseSensitive(tx->metadata, "schemaString");
	cJSON_AddStringToObject(tx->metadata, "schemaString", text);
	free(text);
	tx->metadata_changed = true;
	return load_metadata(tx, err);
}

static void set_config(cJSON *meta, const char *key, const char *value)
{
	cJSON *c = cJSON_GetObjectItemCaseSensitive(meta, "configuration");

	if (c == NULL)
		c = cJSON_AddObjectToObject(meta, "configuration");
	cJSON_DeleteItemFromObjectCaseSensitive(c, key);
	if (value != NULL)
		cJSON_AddStringToObject(c, key, value);
}

/* Turn column mapping on: every column keeps its name as its physical
 * name and gets an id. */
static int enable_mapping(struct delta_tx *tx, const char *mode, struct tn_err *err)
{
	struct tn_schema s;
	int64_t next = 0;
	char buf[32];
	int rc;

	tn_schema_copy(&s, &tx->schema);
	for (size_t i = 0; i < s.ncols; i++) {
		if (s.cols[i].physical == NULL)
			s.cols[i].physical = tn_strdup(tx->create ? "" : s.cols[i].name);
		if (tx->create) { /* a new table gets fresh physical names */
			free(s.cols[i].physical);
			s.cols[i].physical = NULL;
		}
		assign_mapping(&s.cols[i], &next);
	}
	snprintf(buf, sizeof(buf), "%lld", (long long)next);
	set_config(tx->metadata, "delta.columnMapping.mode", mode);
	set_config(tx->metadata, "delta.columnMapping.maxColumnId", buf);
	rc = set_schema(tx, &s, err);
	tn_schema_done(&s);
	return rc;
}

int delta_tx_set_property(struct delta_tx *tx, const char *key, const char *value,
			  struct tn_err *err)
{
	const char *old = config_get(tx->metadata, key);
	int rc = TN_OK;

	if (strcmp(key, "delta.columnMapping.mode") == 0) {
		int mode = delta_map_mode_of(value);

		if (mode == tx->map_mode)
			return TN_OK;
		if (tx->map_mode != DELTA_MAP_NONE || mode == DELTA_MAP_NONE)
			return tn_err_set(err, TN_EUNSUPPORTED,
					  "%s: column mapping cannot be changed from '%s' to '%s'",
					  tx->root, old ? old : "none", value ? value : "none");
		if (mode == DELTA_MAP_ID && !tx->create)
			return tn_err_set(err, TN_EUNSUPPORTED,
					  "%s: an existing table can only change to column mapping mode "
					  "'name'", tx->root);
		rc = enable_mapping(tx, value, err);
	} else if (strcmp(key, "delta.enableInCommitTimestamps") == 0 && value &&
		   tn_str_ieq(value, "true") && !config_true(tx->metadata, key) && !tx->create) {
		char buf[32];

		set_config(tx->metadata, key, value);
		snprintf(buf, sizeof(buf), "%lld", (long long)(tx->s->version + 1));
		set_config(tx->metadata, "delta.inCommitTimestampEnablementVersion", buf);
		/* the timestamp is filled in at commit */
		set_config(tx->metadata, "delta.inCommitTimestampEnablementTimestamp", "0");
	} else {
		set_config(tx->metadata, key, value);
	}
	if (rc == TN_OK) {
		tx->metadata_changed = true;
		upgrade_protocol(tx);
	}
	return rc;
}

/* The union of protocol p (JSON, changed in place) and q: the higher
 * versions and every feature of both, legacy versions spelled as features
 * when the result uses them. */
static void merge_protocol(cJSON *p, const struct delta_protocol *q)
{
	int rv = jint(p, "minReaderVersion"), wv = jint(p, "minWriterVersion");
	int nrv = rv > q->min_reader_version ? rv : q->min_reader_version;
	int nwv = wv > q->min_writer_version ? wv : q->min_writer_version;

	if (nwv == 7) {
		if (wv < 7)
			legacy_writer_features(p, wv);
		if (q->min_writer_version < 7)
			legacy_writer_features(p, q->min_writer_version);
		for (size_t i = 0; i < q->n_writer_features; i++)
			add_feature(p, "writerFeatures", q->writer_features[i]);
	}
	if (nrv == 3) {
		if (cJSON_GetObjectItemCaseSensitive(p, "readerFeatures") == NULL)
			cJSON_AddArrayToObject(p, "readerFeatures");
		if (rv == 2 || q->min_reader_version == 2)
			add_feature(p, "readerFeatures", "columnMapping");
		for (size_t i = 0; i < q->n_reader_features; i++)
			add_feature(p, "readerFeatures", q->reader_features[i]);
	}
	set_int(p, "minReaderVersion", nrv);
	set_int(p, "minWriterVersion", nwv);
}

static bool same_json(const cJSON *a, const cJSON *b)
{
	char *x = cJSON_PrintUnformatted(a), *y = cJSON_PrintUnformatted(b);
	bool same = strcmp(x, y) == 0;

	free(x);
	free(y);
	return same;
}

int delta_tx_restore_metadata(struct delta_tx *tx, const struct delta_snapshot *s,
			      struct tn_err *err)
{
	cJSON *m = metadata_json(&s->metadata), *p = cJSON_Duplicate(tx->protocol, true);
	int rc = TN_OK;

	if (!same_json(m, tx->metadata)) {
		cJSON_Delete(tx->metadata);
		tx->metadata = m;
		m = NULL;
		tx->metadata_changed = true;
		rc = load_metadata(tx, err);
	}
	merge_protocol(p, &s->protocol);
	if (!same_json(p, tx->protocol)) {
		cJSON_Delete(tx->protocol);
		tx->protocol = p;
		p = NULL;
		tx->protocol_changed = true;
	}
	cJSON_Delete(m);
	cJSON_Delete(p);
	if (rc == TN_OK)
		rc = check_writable(tx->root, tx->protocol, tx->metadata, err);
	return rc;
}

int delta_tx_create(struct store *st, const char *root, const struct delta_create_opts *o,
		    struct delta_tx **out, struct tn_err *err)
{
	struct delta_tx *tx;
	struct delta_metadata m;
	struct delta_protocol p = {1, 2, NULL, 0, NULL, 0};
	char id[37];
	int rc = TN_OK;

	*out = NULL;
	if (delta_is_table(st, root))
		return tn_err_set(err, TN_EEXIST, "%s: a Delta table is there already", root);
	tx = tn_calloc(1, sizeof(*tx));
	tx_init(tx, st, root);
	tx->create = true;
	memset(&m, 0, sizeof(m));
	delta_uuid4(id);
	m.id = id;
	m.name = (char *)o->name;
	m.description = (char *)o->description;
	m.schema_string = (char *)"{\"type\":\"struct\",\"fields\":[]}";
	m.partition_columns = (char **)o->partition_columns;
	m.n_partition_columns = o->npartition_columns;
	m.has_created_time = true;
	m.created_time = tx->started_ms;
	tx->metadata = metadata_json(&m);
	tx->protocol = protocol_json(&p);
	tx->protocol_changed = tx->metadata_changed = true;
	rc = set_schema(tx, o->schema, err);
	for (size_t i = 0; rc == TN_OK && i < o->npartition_columns; i++) {
		int c = tn_schema_find(&tx->schema, o->partition_columns[i]);

		if (c < 0)
			rc = tn_err_set(err, TN_EINVAL, "%s: partition column '%s' is not a column",
					root, o->partition_columns[i]);
		else if (tn_type_is_nested(&tx->schema.cols[c].type) ||
			 tx->schema.cols[c].type.kind == TN_BINARY)
			rc = tn_err_set(err, TN_EINVAL,
					"%s: partition column '%s' must be of a primitive type", root,
					o->partition_columns[i]);
	}
	for (size_t i = 0; rc == TN_OK && i < o->nproperties; i++)
		rc = delta_tx_set_property(tx, o->properties[i].key, o->properties[i].value, err);
	if (rc == TN_OK)
		upgrade_protocol(tx);
	if (rc != TN_OK) {
		delta_tx_abort(tx);
		return rc;
	}
	tx->operation = tn_strdup("CREATE TABLE");
	*out = tx;
	return TN_OK;
}

const char *delta_tx_root(const struct delta_tx *tx)
{
	return tx->root;
}

struct delta_table *delta_tx_table(struct delta_tx *tx)
{
	return tx->t;
}

struct delta_snapshot *delta_tx_snapshot(struct delta_tx *tx)
{
	return tx->s;
}

const struct tn_schema *delta_tx_schema(const struct delta_tx *tx)
{
	return &tx->schema;
}

size_t delta_tx_partition_columns(const struct delta_tx *tx, char *const **cols)
{
	*cols = tx->part_cols;
	return tx->npart;
}

void delta_tx_set_operation(struct delta_tx *tx, const char *op, const char *params_json)
{
	free(tx->operation);
	tx->operation = tn_strdup(op);
	cJSON_Delete(tx->params);
	tx->params = params_json ? cJSON_Parse(params_json) : NULL;
}

void delta_tx_set_operation_params(struct delta_tx *tx, const char *op, cJSON *params)
{
	free(tx->operation);
	tx->operation = tn_strdup(op);
	cJSON_Delete(tx->params);
	tx->params = params;
}

void delta_tx_set_metric(struct delta_tx *tx, const char *key, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	cJSON_DeleteItemFromObjectCaseSensitive(tx->metrics, key);
	cJSON_AddStringToObject(tx->metrics, key, buf);
}

void delta_tx_set_data_change(struct delta_tx *tx, bool data_change)
{
	tx->data_change = data_change;
}

void delta_tx_set_check(struct delta_tx *tx, delta_check_fn fn, void *ctx)
{
	tx->check = fn;
	tx->check_ctx = ctx;
}

void delta_tx_set_app_txn(struct delta_tx *tx, const char *app_id, int64_t version)
{
	free(tx->app_id);
	tx->app_id = tn_strdup(app_id);
	tx->app_version = version;
}

int delta_tx_set_domain(struct delta_tx *tx, const char *domain, const char *configuration,
			bool removed, struct tn_err *err)
{
	cJSON *d = cJSON_CreateObject();

	(void)err;
	if (!has_feature(tx->protocol, "writerFeatures", "domainMetadata")) {
		if (jint(tx->protocol, "minWriterVersion") < 7) {
			upgrade_protocol(tx);
			set_int(tx->protocol, "minWriterVersion", 7);
			add_feature(tx->protocol, "writerFeatures", "appendOnly");
			add_feature(tx->protocol, "writerFeatures", "invariants");
		}
		add_feature(tx->protocol, "writerFeatures", "domainMetadata");
		tx->protocol_changed = true;
	}
	cJSON_AddStringToObject(d, "domain", domain);
	cJSON_AddStringToObject(d, "configuration", configuration ? configuration : "");
	cJSON_AddBoolToObject(d, "removed", removed);
	cJSON_AddItemToArray(tx->domains, d);
	return TN_OK;
}

/* ---- reading (for conflicts) ---- */

static int insert_changes(void *ctx, const struct tn_batch *rows, const int64_t *row_index,
			  struct tn_err *err)
{
	(void)row_index;
	return delta_tx_write_changes(ctx, rows, "insert", err);
}

/* Rows inserted before the transaction first read the table were no
 * change data (a blind append's feed comes from its adds); once it reads,
 * its commit's feed comes from its change data files alone, so they
 * become change data too. */
static int catch_up_changes(struct delta_tx *tx, struct tn_err *err)
{
	struct delta_snapshot *v;
	int rc;

	tx->cdc_backlog = false;
	if (!delta_tx_cdf_enabled(tx) || tx->sink == NULL)
		return TN_OK;
	rc = delta_tx_view(tx, &v, err);
	for (size_t i = 0; rc == TN_OK && i < v->nfiles; i++)
		if (delta_tx_file_is_new(tx, v->files[i]->path))
			rc = delta_scan_file_each(v, v->files[i], insert_changes, tx, err);
	delta_snapshot_free(v);
	return rc;
}

static bool read_skips(const struct delta_tx *tx, const struct read_pred *rp,
		       const struct delta_file *f)
{
	return delta_bpred_skip_file(rp->bp, f, tx->part_cols, tx->npart,
				     tx->map_mode != DELTA_MAP_NONE);
}

int delta_tx_read(struct delta_tx *tx, const struct delta_pred *p, struct tn_err *err)
{
	struct read_pred *rp = NULL;
	int rc;

	if (!tx->reads && tx->cdc_backlog && (rc = catch_up_changes(tx, err)) != TN_OK)
		return rc;
	tx->reads = true;
	if (tx->s == NULL)
		return TN_OK;
	if (p == NULL) {
		tx->read_all = true;
	} else if (!tx->read_all) {
		rp = tn_calloc(1, sizeof(*rp));
		tn_schema_copy(&rp->schema, &tx->schema);
		rc = delta_bpred_bind(p, &rp->schema, &rp->bp, err);
		if (rc != TN_OK) {
			tn_schema_done(&rp->schema);
			free(rp);
			return rc;
		}
		tx->read_preds = tn_reallocarray(tx->read_preds, tx->nread_preds + 1,
						 sizeof(*tx->read_preds));
		tx->read_preds[tx->nread_preds++] = rp;
	}
	for (size_t i = 0; i < tx->s->nfiles; i++) {
		const struct delta_file *f = tx->s->files[i];

		if (rp != NULL && read_skips(tx, rp, f))
			continue;
		tn_hmap_put(&tx->read_files, f->path, strlen(f->path), (void *)f);
	}
	return TN_OK;
}

/* ---- data ---- */

static int open_sink(struct delta_tx *tx, bool cdc, struct delta_sink **out, struct tn_err *err)
{
	struct delta_sink_opts o;
	struct tn_schema cs;
	const char *n = config_get(tx->metadata, "delta.dataSkippingNumIndexedCols");
	int rc;

	memset(&o, 0, sizeof(o));
	o.schema = &tx->schema;
	o.partition_columns = tx->part_cols;
	o.npartition_columns = tx->npart;
	o.map_mode = tx->map_mode;
	o.stats_cols = n ? atoi(n) : 32;
	o.prefix = "";
	if (!cdc)
		return delta_sink_open(tx->st, tx->root, &o, out, err);
	/* change data: the table's columns and _change_type */
	cs.ncols = tx->schema.ncols + 1;
	cs.cols = tn_calloc(cs.ncols, sizeof(*cs.cols));
	for (size_t i = 0; i < tx->schema.ncols; i++)
		tn_schema_copy_field(&cs.cols[i], &tx->schema.cols[i]);
	cs.cols[cs.ncols - 1].name = tn_strdup("_change_type");
	cs.cols[cs.ncols - 1].type.kind = TN_STRING;
	cs.cols[cs.ncols - 1].nullable = true;
	o.schema = &cs;
	o.prefix = "_change_data";
	o.cdc = true;
	rc = delta_sink_open(tx->st, tx->root, &o, out, err);
	tn_schema_done(&cs);
	return rc;
}

/* Evaluate the table's constraints (NOT NULL, delta.constraints.*, column
 * invariants) on b: TN_EINVAL naming the first violation. */
static int check_rows(struct delta_tx *tx, const struct tn_batch *b, struct tn_err *err)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(tx->metadata, "configuration"), *e;
	uint8_t *bad;
	int rc = TN_OK;

	for (size_t i = 0; i < tx->schema.ncols; i++) {
		const struct tn_vec *v = &b->cols[i];

		if (tx->schema.cols[i].nullable || v->nulls == NULL)
			continue;
		for (size_t r = 0; r < b->nrows; r++)
			if (v->nulls[r])
				return tn_err_set(err, TN_EINVAL,
						  "%s: NOT NULL constraint violated: column '%s' is null "
						  "in a row to write; nothing was committed",
						  tx->root, tx->schema.cols[i].name);
	}
	bad = tn_calloc(b->nrows ? b->nrows : 1, 1);
	cJSON_ArrayForEach(e, c) {
		const char *name;
		struct delta_pred *p = NULL;
		struct bpred *bp = NULL;
		struct tn_err perr;

		if (!tn_str_startswith(e->string, "delta.constraints.") || !cJSON_IsString(e))
			continue;
		name = e->string + strlen("delta.constraints.");
		memset(bad, 0, b->nrows);
		if (delta_pred_parse(e->valuestring, &p, &perr) == TN_OK &&
		    delta_bpred_bind(p, &tx->schema, &bp, &perr) == TN_OK) {
			delta_bpred_rows(bp, b, bad); /* bad: not true */
		} else if (tx->check != NULL) {
			rc = tx->check(tx->check_ctx, name, e->valuestring, b, bad, err);
		} else {
			rc = tn_err_set(err, TN_EUNSUPPORTED,
					"%s: CHECK constraint %s (%s) needs the SQL engine to evaluate; "
					"nothing was committed",
					tx->root, name, e->valuestring);
		}
		delta_bpred_free(bp);
		delta_pred_free(p);
		for (size_t r = 0; rc == TN_OK && r < b->nrows; r++)
			if (bad[r])
				rc = tn_err_set(err, TN_EINVAL,
						"%s: CHECK constraint %s (%s) violated by a row to write; "
						"nothing was committed",
						tx->root, name, e->valuestring);
		if (rc != TN_OK)
			break;
	}
	free(bad);
	return rc;
}

/* Put b's columns (matched by name) in the table's order, with nulls for
 * columns b lacks. */
static int conform(struct delta_tx *tx, const struct tn_batch *b, struct tn_batch *out,
		   struct tn_err *err)
{
	const struct tn_schema *ts = &tx->schema;

	out->schema = ts;
	out->nrows = b->nrows;
	tn_arena_init(&out->arena, 0);
	out->cols = tn_arena_calloc(&out->arena, ts->ncols ? ts->ncols : 1, sizeof(*out->cols));
	for (size_t i = 0; i < b->schema->ncols; i++)
		if (tn_schema_find(ts, b->schema->cols[i].name) < 0) {
			tn_batch_done(out);
			return tn_err_set(err, TN_EINVAL,
					  "%s: the rows have a column '%s' the table does not (add it "
					  "with schema evolution, mergeSchema); nothing was committed",
					  tx->root, b->schema->cols[i].name);
		}
	for (size_t i = 0; i < ts->ncols; i++) {
		int c = tn_schema_find(b->schema, ts->cols[i].name);
		char x[128], y[128];

		if (c < 0) {
			tn_vec_alloc(&out->cols[i], &ts->cols[i].type, b->nrows, &out->arena);
			out->cols[i].len = b->nrows;
			out->cols[i].nulls = tn_arena_alloc(&out->arena, b->nrows ? b->nrows : 1);
			memset(out->cols[i].nulls, 1, b->nrows);
			if (out->cols[i].offsets)
				memset(out->cols[i].offsets, 0, sizeof(int32_t) * (b->nrows + 1));
			continue;
		}
		if (!tn_type_equal(&ts->cols[i].type, &b->schema->cols[c].type)) {
			tn_batch_done(out);
			return tn_err_set(err, TN_EINVAL,
					  "%s: column '%s' is %s in the table but %s in the rows to "
					  "write; nothing was committed",
					  tx->root, ts->cols[i].name,
					  tn_type_name(&ts->cols[i].type, x, sizeof(x)),
					  tn_type_name(&b->schema->cols[c].type, y, sizeof(y)));
		}
		out->cols[i] = b->cols[c];
		out->cols[i].type = &ts->cols[i].type;
	}
	return TN_OK;
}

static int tx_write(struct delta_tx *tx, const struct tn_batch *b, bool cdc_insert,
		    struct tn_err *err)
{
	struct tn_batch c;
	int rc;

	if (b->nrows == 0)
		return TN_OK;
	if (tx->sink == NULL && (rc = open_sink(tx, false, &tx->sink, err)) != TN_OK)
		return rc;
	rc = conform(tx, b, &c, err);
	if (rc != TN_OK)
		return rc;
	rc = check_rows(tx, &c, err);
	if (rc == TN_OK)
		rc = delta_sink_write(tx->sink, &c, err);
	tn_batch_done(&c);
	if (rc == TN_OK && cdc_insert)
		rc = delta_tx_write_changes(tx, b, "insert", err);
	return rc;
}

/* Inserted rows: in a transaction that also rewrites rows (a merge) with
 * the change data feed on, they are change data too, since readers then
 * take a commit's changes from its change data files alone. */
int delta_tx_write(struct delta_tx *tx, const struct tn_batch *b, struct tn_err *err)
{
	if (!tx->reads && b->nrows > 0 && delta_tx_cdf_enabled(tx))
		tx->cdc_backlog = true;
	return tx_write(tx, b, tx->reads && delta_tx_cdf_enabled(tx), err);
}

int delta_tx_write_copy(struct delta_tx *tx, const struct tn_batch *b, struct tn_err *err)
{
	return tx_write(tx, b, false, err);
}

bool delta_tx_cdf_enabled(const struct delta_tx *tx)
{
	return config_true(tx->metadata, "delta.enableChangeDataFeed");
}

int delta_tx_write_changes(struct delta_tx *tx, const struct tn_batch *b, const char *change_type,
			   struct tn_err *err)
{
	struct tn_batch c, w;
	struct tn_bytes *ct;
	struct tn_schema ws;
	int rc;

	if (b->nrows == 0 || !delta_tx_cdf_enabled(tx))
		return TN_OK;
	if (tx->cdc == NULL && (rc = open_sink(tx, true, &tx->cdc, err)) != TN_OK)
		return rc;
	rc = conform(tx, b, &c, err);
	if (rc != TN_OK)
		return rc;
	ws.ncols = tx->schema.ncols + 1;
	ws.cols = tn_calloc(ws.ncols, sizeof(*ws.cols));
	memcpy(ws.cols, tx->schema.cols, sizeof(*ws.cols) * tx->schema.ncols);
	ws.cols[ws.ncols - 1].name = (char *)"_change_type";
	ws.cols[ws.ncols - 1].type.kind = TN_STRING;
	ws.cols[ws.ncols - 1].nullable = true;
	w.schema = &ws;
	w.nrows = b->nrows;
	memset(&w.arena, 0, sizeof(w.arena));
	w.cols = tn_calloc(ws.ncols, sizeof(*w.cols));
	memcpy(w.cols, c.cols, sizeof(*w.cols) * tx->schema.ncols);
	tn_vec_alloc(&w.cols[ws.ncols - 1], &ws.cols[ws.ncols - 1].type, b->nrows, &c.arena);
	w.cols[ws.ncols - 1].len = b->nrows;
	ct = w.cols[ws.ncols - 1].values;
	for (size_t i = 0; i < b->nrows; i++) {
		ct[i].ptr = (const uint8_t *)change_type;
		ct[i].len = (uint32_t)strlen(change_type);
	}
	rc = delta_sink_write(tx->cdc, &w, err);
	free(w.cols);
	free(ws.cols);
	tn_batch_done(&c);
	return rc;
}

int delta_tx_flush(struct delta_tx *tx, struct tn_err *err)
{
	return tx->sink ? delta_sink_finish(tx->sink, err) : TN_OK;
}

const struct delta_sink *delta_tx_data_sink(const struct delta_tx *tx)
{
	return tx->sink;
}

/* ---- file actions ---- */

static cJSON *pv_json(const struct delta_file *f)
{
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; i < f->n_partition_values; i++) {
		if (f->partition_values[i].value)
			cJSON_AddStringToObject(o, f->partition_values[i].key, f->partition_values[i].value);
		else
			cJSON_AddNullToObject(o, f->partition_values[i].key);
	}
	return o;
}

static char *log_path(const struct delta_file *f)
{
	return delta_uri_encode(f->path);
}

/* The active file of the version read at path, or NULL. */
static const struct delta_file *committed_file(const struct delta_tx *tx, const char *path)
{
	size_t lo = 0, hi = tx->s ? tx->s->nfiles : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(tx->s->files[mid]->path, path);

		if (c == 0)
			return tx->s->files[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool delta_tx_file_is_new(const struct delta_tx *tx, const char *path)
{
	if (committed_file(tx, path) != NULL || new_file_dropped(tx, path))
		return false;
	for (size_t i = 0; tx->sink && i < delta_sink_nfiles(tx->sink); i++)
		if (strcmp(delta_sink_file(tx->sink, i)->path, path) == 0)
			return true;
	return false;
}

/* The live add of path this transaction made, or NULL. */
static struct file_action *readded(const struct delta_tx *tx, const char *path)
{
	uintptr_t i = (uintptr_t)tn_hmap_get(&tx->readded, path, strlen(path));

	return i ? &tx->acts[i - 1] : NULL;
}

/* Undo the transaction's add of path, if any. */
static void drop_readd(struct delta_tx *tx, const char *path)
{
	struct file_action *a = readded(tx, path);

	if (a != NULL) {
		a->dropped = true;
		tn_hmap_del(&tx->readded, path, strlen(path));
		tx->readded_files--;
	}
}

static int remove_action(struct delta_tx *tx, const struct delta_file *f, bool data_change,
			 struct tn_err *err)
{
	const struct delta_file *c;
	cJSON *r;
	char *enc, *key;

	if (data_change && config_true(tx->metadata, "delta.appendOnly"))
		return tn_err_set(err, TN_EINVAL,
				  "%s: the table is append-only (delta.appendOnly): rows cannot be "
				  "removed; nothing was committed",
				  tx->root);
	if (delta_tx_file_is_new(tx, f->path)) {
		/* never committed: its add goes, and the file at commit */
		key = tn_arena_strdup(&tx->arena, f->path);
		tn_hmap_put(&tx->dropped, key, strlen(key), (void *)f);
		return TN_OK;
	}
	drop_readd(tx, f->path);
	if (tn_hmap_get(&tx->removed, f->path, strlen(f->path)) != NULL)
		return TN_OK; /* removed already (and maybe added back since) */
	/* the remove names the file as the version read has it (f may come
	 * from a view, with this transaction's deletion vector) */
	if ((c = committed_file(tx, f->path)) != NULL)
		f = c;
	key = tn_arena_strdup(&tx->arena, f->path);
	tn_hmap_put(&tx->removed, key, strlen(key), (void *)f);
	r = cJSON_CreateObject();
	enc = log_path(f);
	cJSON_AddStringToObject(r, "path", enc);
	free(enc);
	cJSON_AddNumberToObject(r, "deletionTimestamp", (double)(tn_time_now_us() / 1000));
	cJSON_AddBoolToObject(r, "dataChange", data_change);
	cJSON_AddBoolToObject(r, "extendedFileMetadata", true);
	cJSON_AddItemToObject(r, "partitionValues", pv_json(f));
	cJSON_AddNumberToObject(r, "size", (double)f->size);
	if (f->stats)
		cJSON_AddStringToObject(r, "stats", f->stats);
	if (f->has_dv)
		cJSON_AddItemToObject(r, "deletionVector", delta_dv_desc_to_json(&f->dv));
	push_action(tx, false, f->path, r);
	tx->removed_files++;
	tx->removed_bytes += f->size;
	return TN_OK;
}

int delta_tx_remove(struct delta_tx *tx, const struct delta_file *f, struct tn_err *err)
{
	return remove_action(tx, f, tx->data_change, err);
}

/* Add f back with deletion vector dv (or none), in place of any add of its
 * path this transaction made before. wide: dv deletes more rows than the
 * statistics know of. */
static void readd_action(struct delta_tx *tx, const struct delta_file *f,
			 const struct delta_dv_desc *dv, bool data_change, bool wide)
{
	cJSON *a = cJSON_CreateObject();
	char *enc = log_path(f);
	struct file_action *fa;

	cJSON_AddStringToObject(a, "path", enc);
	free(enc);
	cJSON_AddItemToObject(a, "partitionValues", pv_json(f));
	cJSON_AddNumberToObject(a, "size", (double)f->size);
	cJSON_AddNumberToObject(a, "modificationTime", (double)f->modification_time);
	cJSON_AddBoolToObject(a, "dataChange", data_change);
	if (f->stats && wide) {
		/* Rows the new vector deletes may hold the minimum or maximum:
		 * the bounds are wide now (protocol, Per-file Statistics). */
		cJSON *st = cJSON_Parse(f->stats);
		char *text;

		if (st != NULL) {
			cJSON_DeleteItemFromObjectCaseSensitive(st, "tightBounds");
			cJSON_AddBoolToObject(st, "tightBounds", false);
			text = cJSON_PrintUnformatted(st);
			cJSON_AddStringToObject(a, "stats", text);
			free(text);
			cJSON_Delete(st);
		}
	} else if (f->stats) {
		cJSON_AddStringToObject(a, "stats", f->stats);
	}
	if (dv != NULL)
		cJSON_AddItemToObject(a, "deletionVector", delta_dv_desc_to_json(dv));
	drop_readd(tx, f->path);
	fa = push_action(tx, true, f->path, a);
	if (dv != NULL) {
		fa->has_dv = true;
		fa->dv = *dv;
		fa->dv.path_or_inline_dv = tn_strdup(dv->path_or_inline_dv);
	}
	tn_hmap_put(&tx->readded, fa->path, strlen(fa->path), (void *)(uintptr_t)tx->nacts);
	tx->readded_files++;
}

int delta_tx_add_file(struct delta_tx *tx, const struct delta_file *f, struct tn_err *err)
{
	(void)err;
	readd_action(tx, f, f->has_dv ? &f->dv : NULL, tx->data_change, false);
	return TN_OK;
}

bool delta_tx_dv_enabled(const struct delta_tx *tx)
{
	return config_true(tx->metadata, "delta.enableDeletionVectors");
}

/* Write the deletion vectors of this commit so far to its DV file (views
 * read them before the commit). */
static int flush_dv(struct delta_tx *tx, struct tn_err *err)
{
	char *path;
	int rc;

	if (tx->dvfile.len == tx->dv_flushed)
		return TN_OK;
	path = tn_path_join(tx->root, tx->dv_name);
	if (tx->dv_flushed == 0)
		rc = store_put_if_absent(tx->st, path, tx->dvfile.data, tx->dvfile.len, err);
	else /* records are only appended: what views read stays */
		rc = store_write(tx->st, path, tx->dvfile.data, tx->dvfile.len, err);
	free(path);
	if (rc == TN_OK)
		tx->dv_flushed = tx->dvfile.len;
	return rc;
}

/* Load a deletion vector; this commit's own from memory. */
static int load_dv(struct delta_tx *tx, const struct delta_dv_desc *d, struct delta_dv **out,
		   struct tn_err *err)
{
	if (tx->dv_id != NULL && d->storage_type == 'u' &&
	    strcmp(d->path_or_inline_dv, tx->dv_id) == 0) {
		size_t off = d->has_offset ? (size_t)d->offset : 1;

		if (off + 4 + (size_t)d->size_in_bytes > tx->dvfile.len)
			return tn_err_set(err, TN_EINTERNAL, "%s: a deletion vector past the end",
					  tx->dv_name);
		return delta_dv_parse((const uint8_t *)tx->dvfile.data + off + 4,
				      (size_t)d->size_in_bytes, tx->dv_name, out, err);
	}
	return delta_dv_load(tx->st, tx->root, d, out, err);
}

struct dv_merge {
	struct delta_dv *into;
};

static bool dv_union(uint64_t row, void *arg)
{
	delta_dv_add(((struct dv_merge *)arg)->into, row);
	return true;
}

int delta_tx_delete_rows(struct delta_tx *tx, const struct delta_file *f,
			 const struct delta_dv *rows, struct tn_err *err)
{
	const struct file_action *prev = readded(tx, f->path);
	const struct delta_file *c = committed_file(tx, f->path);
	const struct delta_dv_desc *base = prev ? (prev->has_dv ? &prev->dv : NULL)
						: (f->has_dv ? &f->dv : NULL);
	struct delta_dv *all = NULL;
	struct delta_dv_desc d;
	struct dv_merge m;
	int32_t off, size;
	int rc;

	if (delta_tx_file_is_new(tx, f->path))
		return tn_err_set(err, TN_EINVAL,
				  "%s: '%s' was written by this transaction: rewrite it instead of "
				  "giving it a deletion vector", tx->root, f->path);
	if (prev == NULL && tn_hmap_get(&tx->removed, f->path, strlen(f->path)) != NULL)
		return tn_err_set(err, TN_EINVAL, "%s: '%s' was removed by this transaction",
				  tx->root, f->path);
	if (base != NULL) {
		rc = load_dv(tx, base, &all, err);
		if (rc != TN_OK)
			return rc;
	} else {
		all = delta_dv_new();
	}
	m.into = all;
	delta_dv_iterate(rows, dv_union, &m);
	delta_dv_optimize(all);
	if (tx->dv_name == NULL) {
		char id[37];

		/* the descriptor holds the bytes; the file is named by the text */
		delta_uuid4_bytes(tx->dv_uuid, id);
		tx->dv_name = tn_asprintf("deletion_vector_%s.bin", id);
	}
	rc = delta_dv_append_record(all, &tx->dvfile, &off, &size, err);
	if (rc == TN_OK) {
		delta_dv_desc_relative("", tx->dv_uuid, off, size,
				       (int64_t)delta_dv_cardinality(all), &d);
		if (tx->dv_id == NULL)
			tx->dv_id = tn_strdup(d.path_or_inline_dv);
		rc = remove_action(tx, f, true, err);
		if (rc == TN_OK)
			readd_action(tx, c ? c : f, &d, true, true);
		delta_dv_desc_done(&d);
	}
	delta_dv_free(all);
	return rc;
}

/* ---- the transaction's view ---- */

int delta_tx_view(struct delta_tx *tx, struct delta_snapshot **out, struct tn_err *err)
{
	struct tn_buf b = TN_BUF_INIT;
	int rc = TN_OK;

	*out = NULL;
	if (tx->sink != NULL)
		rc = delta_sink_finish(tx->sink, err);
	if (rc == TN_OK)
		rc = flush_dv(tx, err);
	if (rc != TN_OK)
		return rc;
	actions_text(tx, &b, true, 0, tn_time_now_us() / 1000);
	rc = delta_snapshot_derive(tx->st, tx->root, tx->s, tx->s ? tx->s->version + 1 : 0,
				   b.data ? b.data : "", b.len, out, err);
	tn_buf_done(&b);
	return rc;
}

/* ---- schema changes ---- */

int delta_tx_add_columns(struct delta_tx *tx, const struct tn_field *cols, size_t n,
			 struct tn_err *err)
{
	struct tn_schema s;
	int64_t next = 0;
	int rc;

	tn_schema_copy(&s, &tx->schema);
	{
		struct tn_type root = {.kind = TN_STRUCT, .nfields = s.ncols, .fields = s.cols};

		next = max_column_id(&root);
	}
	{
		const char *mx = config_get(tx->metadata, "delta.columnMapping.maxColumnId");

		if (mx && atoll(mx) > next)
			next = atoll(mx);
	}
	s.cols = tn_reallocarray(s.cols, s.ncols + n + 1, sizeof(*s.cols));
	for (size_t i = 0; i < n; i++) {
		struct tn_field *f = &s.cols[s.ncols];

		if (tn_schema_find(&s, cols[i].name) >= 0) {
			tn_schema_done(&s);
			return tn_err_set(err, TN_EINVAL, "%s: the table has a column '%s' already",
					  tx->root, cols[i].name);
		}
		tn_schema_copy_field(f, &cols[i]);
		f->nullable = true; /* existing rows hold nulls */
		free(f->physical);
		f->physical = NULL;
		f->has_field_id = false;
		if (tx->map_mode != DELTA_MAP_NONE)
			assign_mapping(f, &next);
		s.ncols++;
	}
	if (tx->map_mode != DELTA_MAP_NONE) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%lld", (long long)next);
		set_config(tx->metadata, "delta.columnMapping.maxColumnId", buf);
	}
	rc = set_schema(tx, &s, err);
	tn_schema_done(&s);
	if (rc == TN_OK)
		upgrade_protocol(tx);
	return rc;
}

static int need_mapping(struct delta_tx *tx, const char *what, struct tn_err *err)
{
	if (tx->map_mode == DELTA_MAP_NONE)
		return tn_err_set(err, TN_EUNSUPPORTED,
				  "%s: %s needs column mapping: set delta.columnMapping.mode to "
				  "'name' first",
				  tx->root, what);
	return TN_OK;
}

static int find_col(struct delta_tx *tx, const char *name, struct tn_err *err)
{
	int c = tn_schema_find(&tx->schema, name);

	if (c < 0)
		return tn_err_set(err, TN_EINVAL, "%s: no column named '%s'", tx->root, name), -1;
	for (size_t i = 0; i < tx->npart; i++)
		if (strcmp(tx->part_cols[i], name) == 0)
			return tn_err_set(err, TN_EUNSUPPORTED,
					  "%s: '%s' is a partition column and cannot be renamed or "
					  "dropped",
					  tx->root, name),
			       -1;
	return c;
}

int delta_tx_rename_column(struct delta_tx *tx, const char *from, const char *to,
			   struct tn_err *err)
{
	struct tn_schema s;
	int c, rc = need_mapping(tx, "renaming a column", err);

	if (rc != TN_OK || (c = find_col(tx, from, err)) < 0)
		return rc != TN_OK ? rc : err->code;
	if (tn_schema_find(&tx->schema, to) >= 0)
		return tn_err_set(err, TN_EINVAL, "%s: the table has a column '%s' already",
				  tx->root, to);
	tn_schema_copy(&s, &tx->schema);
	free(s.cols[c].name);
	s.cols[c].name = tn_strdup(to);
	rc = set_schema(tx, &s, err);
	tn_schema_done(&s);
	return rc;
}

int delta_tx_drop_column(struct delta_tx *tx, const char *name, struct tn_err *err)
{
	struct tn_schema s;
	int c, rc = need_mapping(tx, "dropping a column", err);

	if (rc != TN_OK || (c = find_col(tx, name, err)) < 0)
		return rc != TN_OK ? rc : err->code;
	if (tx->schema.ncols == 1)
		return tn_err_set(err, TN_EINVAL, "%s: cannot drop the only column", tx->root);
	tn_schema_copy(&s, &tx->schema);
	tn_field_done(&s.cols[c]);
	memmove(&s.cols[c], &s.cols[c + 1], sizeof(*s.cols) * (s.ncols - (size_t)c - 1));
	s.ncols--;
	rc = set_schema(tx, &s, err);
	tn_schema_done(&s);
	return rc;
}

int delta_tx_replace_schema(struct delta_tx *tx, const struct tn_schema *s,
			    struct tn_err *err)
{
	if (tx->map_mode != DELTA_MAP_NONE)
		return tn_err_set(err, TN_EUNSUPPORTED,
				  "%s: replacing the schema of a table with column mapping is not "
				  "supported",
				  tx->root);
	for (size_t i = 0; i < tx->npart; i++)
		if (tn_schema_find(s, tx->part_cols[i]) < 0)
			return tn_err_set(err, TN_EINVAL,
					  "%s: the new columns lack the partition column '%s'",
					  tx->root, tx->part_cols[i]);
	return set_schema(tx, s, err);
}

/* ---- the commit ---- */

static bool blind_append(const struct delta_tx *tx)
{
	return !tx->reads && tx->removed_files == 0 && tx->readded_files == 0 &&
	       !tx->metadata_changed && !tx->protocol_changed;
}

static const char *isolation(const struct delta_tx *tx)
{
	const char *v = config_get(tx->metadata, "delta.isolationLevel");

	/* A commit that changes no data (OPTIMIZE) is checked under snapshot
	 * isolation, as Delta does: only removes of the same files conflict. */
	if (!tx->data_change)
		return "SnapshotIsolation";

	return v && strcmp(v, "Serializable") == 0 ? "Serializable" : "WriteSerializable";
}

static bool new_file_dropped(const struct delta_tx *tx, const char *path)
{
	return tn_hmap_get(&tx->dropped, path, strlen(path)) != NULL;
}

static void add_file_lines(const struct delta_tx *tx, struct tn_buf *b, struct delta_sink *k,
			   bool cdc, bool data_change, int64_t now)
{
	char *const *part_cols = tx->part_cols;
	size_t npart = tx->npart;

	for (size_t i = 0; k && i < delta_sink_nfiles(k); i++) {
		const struct delta_out_file *f = delta_sink_file(k, i);
		cJSON *o, *a, *pv;
		char *enc, *s;

		if (!cdc && new_file_dropped(tx, f->path))
			continue;
		o = cJSON_CreateObject();
		a = cJSON_AddObjectToObject(o, cdc ? "cdc" : "add");
		enc = delta_uri_encode(f->path);

		cJSON_AddStringToObject(a, "path", enc);
		free(enc);
		pv = cJSON_AddObjectToObject(a, "partitionValues");
		for (size_t p = 0; p < npart; p++) {
			if (f->pv[p])
				cJSON_AddStringToObject(pv, part_cols[p], f->pv[p]);
			else
				cJSON_AddNullToObject(pv, part_cols[p]);
		}
		cJSON_AddNumberToObject(a, "size", (double)f->size);
		if (!cdc)
			cJSON_AddNumberToObject(a, "modificationTime", (double)now);
		cJSON_AddBoolToObject(a, "dataChange", cdc ? false : data_change);
		if (f->stats)
			cJSON_AddStringToObject(a, "stats", f->stats);
		s = cJSON_PrintUnformatted(o);
		tn_buf_printf(b, NULL, "%s\n", s);
		free(s);
		cJSON_Delete(o);
	}
}

static void sink_totals(struct delta_sink *k, int64_t *files, int64_t *rows, int64_t *bytes)
{
	for (size_t i = 0; k && i < delta_sink_nfiles(k); i++) {
		(*files)++;
		*rows += delta_sink_file(k, i)->rows;
		*bytes += (int64_t)delta_sink_file(k, i)->size;
	}
}

int delta_tx_totals(struct delta_tx *tx, struct delta_tx_totals *t, struct tn_err *err)
{
	int64_t rows = 0;
	int rc = TN_OK;

	memset(t, 0, sizeof(*t));
	if (tx->sink != NULL)
		rc = delta_sink_finish(tx->sink, err);
	if (rc == TN_OK && tx->cdc != NULL)
		rc = delta_sink_finish(tx->cdc, err);
	sink_totals(tx->sink, &t->files, &t->rows, &t->bytes);
	sink_totals(tx->cdc, &t->cdc_files, &rows, &t->cdc_bytes);
	return rc;
}

static void default_metric(struct delta_tx *tx, const char *key, int64_t v)
{
	if (cJSON_GetObjectItemCaseSensitive(tx->metrics, key) == NULL)
		delta_tx_set_metric(tx, key, v);
}

static char *commit_text(struct delta_tx *tx, int64_t read_version, int64_t ict)
{
	struct tn_buf b = TN_BUF_INIT;
	cJSON *ci = cJSON_CreateObject(), *inner = cJSON_AddObjectToObject(ci, "commitInfo");
	char *s, *user = user_name();
	int64_t now = tn_time_now_us() / 1000, files = 0, rows = 0, bytes = 0;

	for (size_t i = 0; tx->sink && i < delta_sink_nfiles(tx->sink); i++) {
		const struct delta_out_file *f = delta_sink_file(tx->sink, i);

		if (new_file_dropped(tx, f->path))
			continue;
		files++;
		rows += f->rows;
		bytes += (int64_t)f->size;
	}
	if (strcmp(tx->operation, "WRITE") == 0 || strcmp(tx->operation, "CREATE TABLE AS SELECT") == 0 ||
	    strcmp(tx->operation, "CREATE TABLE") == 0) {
		default_metric(tx, "numFiles", files);
		default_metric(tx, "numOutputRows", rows);
		default_metric(tx, "numOutputBytes", bytes);
		if (tx->removed_files > 0)
			default_metric(tx, "numRemovedFiles", tx->removed_files);
	}
	if (ict > 0)
		cJSON_AddNumberToObject(inner, "inCommitTimestamp", (double)ict);
	cJSON_AddNumberToObject(inner, "timestamp", (double)(ict > 0 ? ict : now));
	cJSON_AddStringToObject(inner, "userName", user);
	free(user);
	cJSON_AddStringToObject(inner, "operation", tx->operation);
	cJSON_AddItemToObject(inner, "operationParameters",
			      tx->params ? cJSON_Duplicate(tx->params, true) : cJSON_CreateObject());
	if (read_version >= 0)
		cJSON_AddNumberToObject(inner, "readVersion", (double)read_version);
	cJSON_AddStringToObject(inner, "isolationLevel", isolation(tx));
	cJSON_AddBoolToObject(inner, "isBlindAppend", blind_append(tx));
	cJSON_AddItemToObject(inner, "operationMetrics", cJSON_Duplicate(tx->metrics, true));
	cJSON_AddStringToObject(inner, "engineInfo", "tarn/" PACKAGE_VERSION);
	{
		char id[37];

		delta_uuid4(id);
		cJSON_AddStringToObject(inner, "txnId", id);
	}
	s = cJSON_PrintUnformatted(ci);
	cJSON_Delete(ci);
	tn_buf_printf(&b, NULL, "%s\n", s);
	free(s);
	actions_text(tx, &b, false, ict, now);
	return tn_buf_detach(&b, NULL);
}

static void put_line(struct tn_buf *b, const char *kind, const cJSON *inner)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddItemReferenceToObject(o, kind, (cJSON *)inner);
	s = cJSON_PrintUnformatted(o);
	tn_buf_printf(b, NULL, "%s\n", s);
	free(s);
	cJSON_Delete(o);
}

/* Every action of the commit but commitInfo; for a view, protocol and
 * metaData whether changed or not. */
static void actions_text(struct delta_tx *tx, struct tn_buf *b, bool view, int64_t ict,
			 int64_t now)
{
	const cJSON *d;

	if (tx->protocol_changed || view)
		put_line(b, "protocol", tx->protocol);
	if (tx->metadata_changed || view) {
		cJSON *m = cJSON_Duplicate(tx->metadata, true);
		const char *ts = config_get(m, "delta.inCommitTimestampEnablementTimestamp");

		if (ts && strcmp(ts, "0") == 0) {
			char buf[32];

			snprintf(buf, sizeof(buf), "%lld", (long long)ict);
			set_config(m, "delta.inCommitTimestampEnablementTimestamp", buf);
		}
		put_line(b, "metaData", m);
		cJSON_Delete(m);
	}
	if (tx->app_id != NULL) {
		cJSON *x = cJSON_CreateObject();

		cJSON_AddStringToObject(x, "appId", tx->app_id);
		cJSON_AddNumberToObject(x, "version", (double)tx->app_version);
		cJSON_AddNumberToObject(x, "lastUpdated", (double)now);
		put_line(b, "txn", x);
		cJSON_Delete(x);
	}
	cJSON_ArrayForEach(d, tx->domains) put_line(b, "domainMetadata", d);
	for (size_t i = 0; i < tx->nacts; i++)
		if (!tx->acts[i].dropped)
			put_line(b, tx->acts[i].add ? "add" : "remove", tx->acts[i].json);
	add_file_lines(tx, b, tx->sink, false, tx->data_change, now);
	if (!view)
		add_file_lines(tx, b, tx->cdc, true, false, now);
}

/* What one winning commit did. */
struct winner {
	struct delta_tx *tx;
	struct delta_snapshot *s; /* arena for parsed files */
	const char *name;
	bool metadata, protocol, blind;
	const char *conflict;     /* kind of conflict found */
	char *detail;
	struct tn_err *err;
};

static int winner_line(void *ctx, const cJSON *line)
{
	struct winner *w = ctx;
	struct delta_tx *tx = w->tx;
	const cJSON *a;

	if (w->conflict)
		return TN_OK;
	if ((a = cJSON_GetObjectItemCaseSensitive(line, "commitInfo")) != NULL) {
		w->blind = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "isBlindAppend"));
		return TN_OK;
	}
	if (cJSON_GetObjectItemCaseSensitive(line, "metaData")) {
		w->conflict = "metadata changed";
		return TN_OK;
	}
	if (cJSON_GetObjectItemCaseSensitive(line, "protocol")) {
		w->conflict = "protocol changed";
		return TN_OK;
	}
	if ((a = cJSON_GetObjectItemCaseSensitive(line, "txn")) != NULL) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "appId"));

		if (tx->app_id && id && strcmp(id, tx->app_id) == 0) {
			w->conflict = "concurrent transaction of the same application";
			w->detail = tn_strdup(id);
		}
		return TN_OK;
	}
	if ((a = cJSON_GetObjectItemCaseSensitive(line, "domainMetadata")) != NULL) {
		const char *d = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "domain"));
		const cJSON *mine;

		cJSON_ArrayForEach(mine, tx->domains) {
			const char *md = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(mine, "domain"));

			if (d && md && strcmp(d, md) == 0) {
				w->conflict = "concurrent change of the same domain";
				w->detail = tn_strdup(d);
			}
		}
		return TN_OK;
	}
	if ((a = cJSON_GetObjectItemCaseSensitive(line, "remove")) != NULL) {
		const char *p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "path"));
		char *dec = p ? delta_uri_decode(p) : NULL;

		if (dec && tn_hmap_get(&tx->removed, dec, strlen(dec))) {
			w->conflict = "concurrent delete-delete: both removed a file";
			w->detail = dec;
			return TN_OK;
		}
		if (dec && tn_hmap_get(&tx->read_files, dec, strlen(dec))) {
			w->conflict = "concurrent delete-read: it removed a file this transaction read";
			w->detail = dec;
			return TN_OK;
		}
		free(dec);
		return TN_OK;
	}
	if ((a = cJSON_GetObjectItemCaseSensitive(line, "add")) != NULL) {
		struct delta_file *f;
		int rc;

		if (!tx->reads || cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(a, "dataChange")))
			return TN_OK;
		/* WriteSerializable: rows a blind append added may come after
		 * this transaction in the serial order. */
		if (w->blind && strcmp(isolation(tx), "WriteSerializable") == 0)
			return TN_OK;
		rc = delta_file_parse(w->s, a, w->name, &f, w->err);
		if (rc != TN_OK)
			return rc;
		bool seen = tx->read_all;

		for (size_t i = 0; !seen && i < tx->nread_preds; i++)
			seen = !read_skips(tx, tx->read_preds[i], f);
		if (seen) {
			w->conflict = "concurrent append: it added rows this transaction's read would "
				      "have seen";
			w->detail = tn_strdup(f->path);
		}
	}
	return TN_OK;
}

/* Check the commits after `since` up to `upto` against tx. */
static int check_winners(struct delta_tx *tx, int64_t since, int64_t upto, struct tn_err *err)
{
	struct delta_table *t;
	int rc = delta_table_open(tx->st, tx->root, &t, err);

	if (rc != TN_OK)
		return rc;
	for (int64_t v = since + 1; rc == TN_OK && v <= upto; v++) {
		const char *name = delta_commit_file(t, v);
		struct winner w;
		char *path;

		if (name == NULL)
			continue;
		memset(&w, 0, sizeof(w));
		w.tx = tx;
		w.s = tx->s;
		w.name = name;
		w.err = err;
		w.blind = false;
		path = tn_path_join(t->log_dir, name);
		rc = delta_each_json_line(t, path, name, winner_line, &w, err);
		free(path);
		if (rc == TN_OK && w.conflict)
			rc = tn_err_set(err, TN_ECONFLICT,
					"%s: version %lld conflicts with this %s (%s%s%s); nothing was "
					"committed",
					tx->root, (long long)v, tx->operation, w.conflict,
					w.detail ? ": " : "", w.detail ? w.detail : "");
		free(w.detail);
	}
	delta_table_close(t);
	return rc;
}

/* The in-commit timestamp for version v: after the previous commit's. */
static int64_t next_ict(struct delta_tx *tx, int64_t v)
{
	int64_t now = tn_time_now_us() / 1000, prev = INT64_MIN;
	struct delta_table *t;

	if (!config_true(tx->metadata, "delta.enableInCommitTimestamps"))
		return 0;
	if (v > 0 && delta_table_open(tx->st, tx->root, &t, NULL) == TN_OK) {
		if (delta_commit_timestamps(t, NULL) == TN_OK)
			prev = delta_commit_ts(t, v - 1);
		delta_table_close(t);
	}
	return prev != INT64_MIN && prev >= now ? prev + 1 : now;
}

static void maybe_checkpoint(struct delta_tx *tx, int64_t v)
{
	const char *iv = config_get(tx->metadata, "delta.checkpointInterval");
	int64_t interval = iv ? atoll(iv) : 10;
	struct delta_table *t = NULL;
	struct delta_snapshot *s = NULL;
	struct tn_err err;

	if (interval <= 0 || v == 0 || v % interval != 0 ||
	    has_feature(tx->protocol, "writerFeatures", "v2Checkpoint"))
		return;
	tn_err_clear(&err);
	if (delta_table_open(tx->st, tx->root, &t, &err) != TN_OK ||
	    delta_snapshot_open(t, v, &s, &err) != TN_OK ||
	    (delta_checkpoint_write(s, &err) != TN_OK && err.code != TN_EEXIST))
		tn_log(TN_LOG_WARN, "%s: no checkpoint at version %lld: %s", tx->root, (long long)v,
		       err.msg);
	delta_snapshot_free(s);
	delta_table_close(t);
}

int delta_tx_commit(struct delta_tx *tx, int64_t *version, struct tn_err *err)
{
	int64_t read_version = tx->s ? tx->s->version : -1, v = read_version + 1;
	int rc = TN_OK;

	if (tx->sink != NULL)
		rc = delta_sink_finish(tx->sink, err);
	if (rc == TN_OK && tx->cdc != NULL)
		rc = delta_sink_finish(tx->cdc, err);
	if (rc == TN_OK)
		rc = flush_dv(tx, err);
	for (int attempt = 0; rc == TN_OK && attempt < MAX_RETRIES; attempt++) {
		char name[64], *path, *text = commit_text(tx, read_version, next_ict(tx, v));

		snprintf(name, sizeof(name), "_delta_log/%020lld.json", (long long)v);
		path = tn_path_join(tx->root, name);
		rc = store_put_if_absent(tx->st, path, text, strlen(text), err);
		free(path);
		free(text);
		if (rc == TN_OK) {
			if (version)
				*version = v;
			break;
		}
		if (rc != TN_EEXIST)
			break;
		if (tx->create) {
			rc = tn_err_set(err, TN_ECONFLICT,
					"%s: another writer created the table at the same time; nothing "
					"was committed",
					tx->root);
			break;
		}
		/* Another writer committed version v first: did it change
		 * what this transaction relied on? */
		rc = check_winners(tx, v - 1, v, err);
		v++;
	}
	if (rc == TN_EEXIST)
		rc = tn_err_set(err, TN_ECONFLICT, "%s: gave up after %d commits raced this one",
				tx->root, MAX_RETRIES);
	if (rc != TN_OK) {
		/* Nothing was committed: the new files are orphans; abort
		 * removes them. */
		delta_tx_abort(tx);
		return rc;
	}
	/* New files a later change of this transaction dropped: never
	 * referenced (views that saw them are now out of date). */
	for (size_t i = 0; tx->sink && i < delta_sink_nfiles(tx->sink); i++) {
		const char *p = delta_sink_file(tx->sink, i)->path;

		if (new_file_dropped(tx, p)) {
			char *path = tn_path_join(tx->root, p);

			store_remove(tx->st, path, NULL);
			free(path);
		}
	}
	maybe_checkpoint(tx, v);
	delta_sink_free(tx->sink, false);
	delta_sink_free(tx->cdc, false);
	tx->sink = tx->cdc = NULL;
	free(tx->dv_name);
	tx->dv_name = NULL;
	delta_tx_abort(tx);
	return TN_OK;
}

void delta_tx_abort(struct delta_tx *tx)
{
	if (tx == NULL)
		return;
	delta_sink_free(tx->sink, true);
	delta_sink_free(tx->cdc, true);
	if (tx->dv_name != NULL && tx->dv_flushed > 0) {
		char *path = tn_path_join(tx->root, tx->dv_name);

		store_remove(tx->st, path, NULL);
		free(path);
	}
	cJSON_Delete(tx->protocol);
	cJSON_Delete(tx->metadata);
	cJSON_Delete(tx->domains);
	cJSON_Delete(tx->params);
	cJSON_Delete(tx->metrics);
	for (size_t i = 0; i < tx->nread_preds; i++) {
		delta_bpred_free(tx->read_preds[i]->bp); /* before the schema it points into */
		tn_schema_done(&tx->read_preds[i]->schema);
		free(tx->read_preds[i]);
	}
	free(tx->read_preds);
	tn_schema_done(&tx->schema);
	for (size_t i = 0; i < tx->npart; i++)
		free(tx->part_cols[i]);
	free(tx->part_cols);
	for (size_t i = 0; i < tx->nacts; i++) {
		free(tx->acts[i].path);
		cJSON_Delete(tx->acts[i].json);
		delta_dv_desc_done(&tx->acts[i].dv);
	}
	free(tx->acts);
	tn_buf_done(&tx->dvfile);
	free(tx->dv_name);
	free(tx->dv_id);
	tn_hmap_done(&tx->removed);
	tn_hmap_done(&tx->readded);
	tn_hmap_done(&tx->dropped);
	tn_hmap_done(&tx->read_files);
	tn_arena_done(&tx->arena);
	free(tx->app_id);
	free(tx->operation);
	delta_snapshot_free(tx->s);
	delta_table_close(tx->t);
	free(tx->root);
	free(tx);
}
