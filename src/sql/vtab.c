/* vtab.c - SQLite virtual tables over Delta tables, Parquet files, the
 * change data feed, text files and in-memory batches: pushdown of
 * comparisons into delta_pred filters, projection, streaming batches and
 * INSERT into Delta transactions. */
#include "sql/vtab.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "base/time.h"
#include "io/textio.h"
#include "parquet/parquet.h"
#include "share/share.h"
#include "sql/value.h"

/* Rows an INSERT buffers before writing them into the transaction. */
#define VT_FLUSH_ROWS 4096
/* Rows a scan asks for per batch. */
#define VT_BATCH_ROWS 8192

/* VT_SHARE and VT_SHARE_CHANGES connect as such and then scan as
 * VT_DELTA and VT_CHANGES (with vt->shc set). */
enum vt_kind { VT_DELTA, VT_PARQUET, VT_CHANGES, VT_FILES, VT_BATCH, VT_SHARE, VT_SHARE_CHANGES };

struct vt;

/* The modules' client data, one per connection: the host, the vtabs that
 * hold buffered rows, the live batch tables. */
struct vmod {
	struct sql_vtab_host *host;
	sqlite3 *db;
	int refs; /* modules registered with it */
	struct vt **dirty;
	size_t ndirty, capdirty;
	struct sql_batchtab **bts;
	size_t nbts, capbts;
};

struct sql_batchtab {
	struct vmod *m;
	sqlite3 *db;
	char *name;
	const struct tn_schema *schema;
	const struct tn_batch *b;
};

struct vt {
	sqlite3_vtab base;
	struct vmod *m;
	int kind;
	char *what;                 /* root or path: messages, scan_done */
	struct tn_schema own;       /* the columns, when the vtab owns them */
	const struct tn_schema *sch;
	double est_rows;
	/* tarn_delta, tarn_changes */
	struct delta_table *t;
	struct delta_snapshot *snap; /* connect-time snapshot */
	bool latest;
	int64_t from, to;
	/* tarn_share, tarn_share_changes: a table of a mounted share */
	struct share_client *shc;
	struct share_changes *shch; /* tarn_share_changes: fetched at connect */
	char *sh_share, *sh_schema, *sh_table;
	/* tarn_parquet, tarn_files */
	char **paths;
	size_t npaths;
	int format;                 /* enum tio_format, or -1 for Parquet */
	struct tio_opts tio;
	/* tarn_batch */
	struct sql_batchtab *bt;
	/* INSERT buffer */
	struct tn_batch buf;
	bool has_buf;
	size_t nbuf;
	int64_t stmt_rows;
	bool dirty;
};

struct cur {
	sqlite3_vtab_cursor base;
	struct vt *vt;
	struct delta_scan *sc;
	struct delta_pred *pred;
	struct pq_reader *pr;
	struct tio_reader *tr;
	size_t path_i;
	struct delta_scan_metrics m; /* for Parquet and text sources */
	struct tn_batch b;
	const struct tn_batch *batch; /* the rows being read: &b or a bound batch */
	size_t row;
	int64_t rowid;
	bool eof;
	bool open;
	/* the vector of each vtab column in the current batch, or NULL */
	const struct tn_vec **colv;
	int *map;  /* vtab column -> batch column, -1 when not read */
	const char **proj;
	size_t nproj;
};

/* ---------------------------------------------------------------- registry */

/* Connections with registered modules: sql_vtab_flush and
 * sql_batchtab_create find a connection's module data here. */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vmod **reg;
static size_t nreg, capreg;

static struct vmod *reg_find(sqlite3 *db)
{
	struct vmod *m = NULL;

	pthread_mutex_lock(&reg_lock);
	for (size_t i = 0; i < nreg; i++)
		if (reg[i]->db == db)
			m = reg[i];
	pthread_mutex_unlock(&reg_lock);
	return m;
}

static void reg_add(struct vmod *m)
{
	pthread_mutex_lock(&reg_lock);
	if (nreg == capreg) {
		capreg = capreg ? capreg * 2 : 8;
		reg = tn_reallocarray(reg, capreg, sizeof(*reg));
	}
	reg[nreg++] = m;
	pthread_mutex_unlock(&reg_lock);
}

static void reg_remove(struct vmod *m)
{
	pthread_mutex_lock(&reg_lock);
	for (size_t i = 0; i < nreg; i++)
		if (reg[i] == m) {
			reg[i] = reg[--nreg];
			break;
		}
	if (nreg == 0) {
		free(reg);
		reg = NULL;
		capreg = 0;
	}
	pthread_mutex_unlock(&reg_lock);
}

static void ptr_add(void ***v, size_t *n, size_t *cap, void *p)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == p)
			return;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*v = tn_reallocarray(*v, *cap, sizeof(void *));
	}
	(*v)[(*n)++] = p;
}

static void ptr_del(void **v, size_t *n, void *p)
{
	for (size_t i = 0; i < *n; i++)
		if (v[i] == p) {
			v[i] = v[--*n];
			return;
		}
}

/* ---------------------------------------------------------------- errors */

/* Keep the full error for the host; give SQLite its message. */
static int vt_fail(struct vt *vt, const struct tn_err *err)
{
	vt->m->host->last_err = *err;
	sqlite3_free(vt->base.zErrMsg);
	vt->base.zErrMsg = sqlite3_mprintf("%s", err->msg);
	return SQLITE_ERROR;
}

/* ---------------------------------------------------------------- arguments */

/* An argument as SQLite hands it over ('quoted', "quoted" or bare), unquoted. */
static char *arg_text(const char *a)
{
	size_t n = strlen(a);
	char q = n >= 2 ? a[0] : 0;
	char *out, *o;

	while (n > 0 && isspace((unsigned char)a[n - 1]))
		n--;
	while (n > 0 && isspace((unsigned char)*a))
		a++, n--;
	q = n >= 2 ? a[0] : 0;
	if ((q != '\'' && q != '"') || a[n - 1] != q)
		return tn_strndup(a, n);
	out = o = tn_malloc(n);
	for (size_t i = 1; i + 1 < n; i++) {
		*o++ = a[i];
		if (a[i] == q && a[i + 1] == q)
			i++;
	}
	*o = '\0';
	return out;
}

static char *declare_sql(const struct tn_schema *s)
{
	sqlite3_str *q = sqlite3_str_new(NULL);
	char type[64];

	sqlite3_str_appendall(q, "CREATE TABLE x(");
	for (size_t i = 0; i < s->ncols; i++)
		sqlite3_str_appendf(q, "%s\"%w\" %s", i ? ", " : "", s->cols[i].name,
				    sql_decltype(&s->cols[i].type, type, sizeof(type)));
	if (s->ncols == 0)
		sqlite3_str_appendall(q, "\"_empty\" TEXT HIDDEN");
	sqlite3_str_appendall(q, ")");
	return sqlite3_str_finish(q);
}

/* ---------------------------------------------------------------- connect */

static double snapshot_rows(const struct delta_snapshot *s)
{
	double n = 0;

	for (size_t i = 0; i < delta_snapshot_num_files(s); i++) {
		const struct delta_file *f = delta_snapshot_file(s, i);

		n += f->num_records >= 0 ? (double)f->num_records : (double)f->size / 16.0;
	}
	return n;
}

static int connect_delta(struct vt *vt, int argc, char **args, struct tn_err *err)
{
	struct sql_vtab_host *h = vt->m->host;
	int64_t version = -1, ts = 0;
	bool by_ts = false;
	int rc;

	if (argc < 1 || argc > 2)
		return tn_err_set(err, TN_EINVAL, "tarn_delta: expected (root [, 'v=N' | 'ts=MICROS'])");
	vt->what = tn_strdup(args[0]);
	if (argc == 2) {
		if (strncmp(args[1], "v=", 2) == 0)
			rc = tn_parse_i64(args[1] + 2, &version, "version", err);
		else if (strncmp(args[1], "ts=", 3) == 0)
			rc = tn_parse_i64(args[1] + 3, &ts, "timestamp", err), by_ts = true;
		else
			rc = tn_err_set(err, TN_EINVAL, "tarn_delta: '%s' is neither 'v=N' nor 'ts=MICROS'",
					args[1]);
		if (rc != TN_OK)
			return rc;
		if (!by_ts && version < 0)
			return tn_err_set(err, TN_EINVAL, "tarn_delta: version %" PRId64 " is negative",
					  version);
	}
	vt->latest = argc == 1;
	rc = delta_table_open(h->st, vt->what, &vt->t, err);
	if (rc == TN_OK)
		rc = by_ts ? delta_snapshot_open_at(vt->t, ts, &vt->snap, err)
			   : delta_snapshot_open(vt->t, version, &vt->snap, err);
	if (rc != TN_OK)
		return rc;
	{
		struct delta_snapshot *s = vt->snap;

		if (vt->latest && h->tx_view != NULL) {
			struct delta_snapshot *v = h->tx_view(h->ctx, vt->what);

			if (v != NULL)
				s = v;
		}
		tn_schema_copy(&vt->own, delta_snapshot_schema(s));
		vt->est_rows = snapshot_rows(s);
	}
	vt->sch = &vt->own;
	return TN_OK;
}

static int connect_changes(struct vt *vt, int argc, char **args, struct tn_err *err)
{
	struct delta_scan *sc;
	int rc;

	vt->to = -1;
	if (argc < 2 || argc > 3)
		return tn_err_set(err, TN_EINVAL, "tarn_changes: expected (root, from [, to])");
	vt->what = tn_strdup(args[0]);
	rc = tn_parse_i64(args[1], &vt->from, "start version", err);
	if (rc == TN_OK && argc == 3)
		rc = tn_parse_i64(args[2], &vt->to, "end version", err);
	if (rc == TN_OK)
		rc = delta_table_open(vt->m->host->st, vt->what, &vt->t, err);
	if (rc == TN_OK)
		rc = delta_changes_open(vt->t, vt->from, vt->to, NULL, &sc, err);
	if (rc != TN_OK)
		return rc;
	tn_schema_copy(&vt->own, delta_scan_schema(sc));
	delta_scan_close(sc);
	vt->sch = &vt->own;
	vt->est_rows = 1e6;
	return TN_OK;
}

/* A table of a mounted share: (location, cache directory [, 'v=N' |
 * 'ts=MICROS']) for its rows, (location, cache directory, from, to) for
 * its changes (fetched once, here: the scans read them without the
 * network). */
static int connect_share(struct vt *vt, int argc, char **args, bool changes,
			 struct tn_err *err)
{
	struct sql_vtab_host *h = vt->m->host;
	int64_t version = -1, ts = 0;
	char *profile = NULL;
	int rc;

	if (changes ? argc != 4 : argc < 2 || argc > 3)
		return tn_err_set(err, TN_EINVAL, "%s",
				  changes ? "tarn_share_changes: expected (location, cache, from, to)"
					  : "tarn_share: expected (location, cache [, 'v=N' | 'ts=MICROS'])");
	vt->what = tn_strdup(args[0]);
	rc = share_location_split(args[0], &profile, &vt->sh_share, &vt->sh_schema, &vt->sh_table,
				  err);
	if (rc == TN_OK && changes) {
		rc = tn_parse_i64(args[2], &vt->from, "start version", err);
		if (rc == TN_OK)
			rc = tn_parse_i64(args[3], &vt->to, "end version", err);
	} else if (rc == TN_OK && argc == 3) {
		if (strncmp(args[2], "v=", 2) == 0)
			rc = tn_parse_i64(args[2] + 2, &version, "version", err);
		else if (strncmp(args[2], "ts=", 3) == 0)
			rc = tn_parse_i64(args[2] + 3, &ts, "timestamp", err);
		else
			rc = tn_err_set(err, TN_EINVAL, "tarn_share: '%s' is neither 'v=N' nor 'ts=MICROS'",
					args[2]);
		if (rc == TN_OK && ts != 0 && ts / 1000 == 0)
			ts = 1000; /* 0 means "latest" below: the epoch is before every commit anyway */
	}
	if (rc == TN_OK)
		rc = share_client_open(profile, args[1], &vt->shc, err);
	free(profile);
	if (rc != TN_OK)
		return rc;
	if (changes) {
		struct delta_scan *sc;

		rc = share_client_changes(vt->shc, vt->sh_share, vt->sh_schema, vt->sh_table,
					  vt->from, vt->to, &vt->shch, err);
		if (rc == TN_OK)
			rc = share_changes_scan(vt->shch, h->st, NULL, &sc, err);
		if (rc != TN_OK)
			return rc;
		tn_schema_copy(&vt->own, delta_scan_schema(sc));
		delta_scan_close(sc);
		vt->est_rows = 1e6;
	} else {
		rc = share_client_snapshot(vt->shc, h->st, vt->sh_share, vt->sh_schema, vt->sh_table,
					   version, ts / 1000, &vt->snap, err);
		if (rc != TN_OK)
			return rc;
		tn_schema_copy(&vt->own, delta_snapshot_schema(vt->snap));
		vt->est_rows = snapshot_rows(vt->snap);
	}
	vt->sch = &vt->own;
	return TN_OK;
}

/* The files a path names (store_glob), with ext only those ending so when
 * it is not a glob. */
static int list_paths(struct vt *vt, const char *path, const char *ext, struct tn_err *err)
{
	int rc = store_glob(vt->m->host->st, path, &vt->paths, &vt->npaths, err);

	if (rc == TN_OK && ext != NULL && !store_is_glob(path)) {
		size_t k = 0;

		for (size_t i = 0; i < vt->npaths; i++) {
			if (tn_str_endswith(tn_path_base(vt->paths[i]), ext))
				vt->paths[k++] = vt->paths[i];
			else
				free(vt->paths[i]);
		}
		vt->npaths = k;
	}
	if (rc == TN_OK && vt->npaths == 0)
		rc = tn_err_set(err, TN_ENOENT, "%s: no %sfiles there", path, ext ? ext + 1 : "");
	return rc;
}

/* Same column names and types. */
static bool schema_same(const struct tn_schema *a, const struct tn_schema *b)
{
	if (a->ncols != b->ncols)
		return false;
	for (size_t i = 0; i < a->ncols; i++)
		if (strcmp(a->cols[i].name, b->cols[i].name) != 0 ||
		    !tn_type_equal(&a->cols[i].type, &b->cols[i].type))
			return false;
	return true;
}

static int connect_parquet_paths(struct vt *vt, struct tn_err *err)
{
	struct pq_reader *pr;
	int rc = pq_reader_open(vt->m->host->st, vt->paths[0], NULL, &pr, err);

	if (rc != TN_OK)
		return rc;
	tn_schema_copy(&vt->own, pq_reader_schema(pr));
	vt->sch = &vt->own;
	vt->est_rows = (double)pq_reader_num_rows(pr) * (double)vt->npaths;
	pq_reader_close(pr);
	vt->format = -1;
	return TN_OK;
}

static int connect_parquet(struct vt *vt, int argc, char **args, struct tn_err *err)
{
	int rc;

	if (argc != 1)
		return tn_err_set(err, TN_EINVAL, "tarn_parquet: expected (path)");
	vt->what = tn_strdup(args[0]);
	rc = list_paths(vt, args[0], ".parquet", err);
	return rc == TN_OK ? connect_parquet_paths(vt, err) : rc;
}

static int bool_opt(const char *k, const char *v, bool *out, struct tn_err *err)
{
	if (tn_str_ieq(v, "true") || strcmp(v, "1") == 0)
		*out = true;
	else if (tn_str_ieq(v, "false") || strcmp(v, "0") == 0)
		*out = false;
	else
		return tn_err_set(err, TN_EINVAL, "read_files: option %s: '%s' is not true or false",
				  k, v);
	return TN_OK;
}

/* files => 'a.csv,b.csv': exactly these files (relative to the path
 * argument, a directory, unless absolute), in the order given, so that a
 * caller can read one batch of new files. */
static int explicit_paths(struct vt *vt, const char *dir, const char *list, struct tn_err *err)
{
	struct store *st = vt->m->host->st;
	const char *p = list;

	vt->paths = tn_calloc(strlen(list) / 2 + 2, sizeof(char *));
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char *name, *path;
		struct store_stat ss;

		while (n > 0 && (*p == ' ' || *p == '\t'))
			p++, n--;
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0)
			return tn_err_set(err, TN_EINVAL, "read_files: files '%s' names an empty file",
					  list);
		name = tn_strndup(p, n);
		path = name[0] == '/' ? tn_strdup(name) : tn_path_join(dir, name);
		free(name);
		int rc = store_stat(st, path, &ss, err);

		if (rc == TN_OK && ss.is_dir)
			rc = tn_err_set(err, TN_EINVAL, "read_files: %s is a directory, not a file",
					path);
		if (rc != TN_OK) {
			free(path);
			return rc;
		}
		vt->paths[vt->npaths++] = path;
		p = comma ? comma + 1 : p + n;
	}
	if (vt->npaths == 0)
		return tn_err_set(err, TN_EINVAL, "read_files: files names no file");
	return TN_OK;
}

/* The type that holds values of both a and b (text inference's rules). */
static void widen_type(struct tn_type *a, const struct tn_type *b)
{
	enum tn_kind x = a->kind, y = b->kind;

	if (tn_type_equal(a, b))
		return;
	if ((x == TN_INT64 && y == TN_DOUBLE) || (x == TN_DOUBLE && y == TN_INT64)) {
		a->kind = TN_DOUBLE;
	} else if ((x == TN_DATE && y == TN_TIMESTAMP) || (x == TN_TIMESTAMP && y == TN_DATE)) {
		*a = x == TN_TIMESTAMP ? *a : *b;
	} else {
		memset(a, 0, sizeof(*a));
		a->kind = TN_STRING;
	}
}

/* One schema for all the files, as Databricks' read_files infers it:
 * columns by name (ASCII case ignored) in order of first appearance,
 * types widened where files differ, the rescued data column last. */
static int infer_files(struct vt *vt, struct tn_err *err)
{
	struct tn_schema *u = &vt->own;
	bool rescued = false;

	for (size_t p = 0; p < vt->npaths; p++) {
		struct tio_reader *tr;
		const struct tn_schema *fs;
		int rc = tio_open(vt->m->host->st, vt->paths[p], &vt->tio, &tr, err);

		if (rc != TN_OK)
			return rc;
		fs = tio_schema(tr);
		for (size_t i = 0; i < fs->ncols; i++) {
			const struct tn_field *f = &fs->cols[i];
			size_t k = 0;

			if (strcmp(f->name, TIO_RESCUED_COLUMN) == 0) {
				rescued = true;
				continue;
			}
			while (k < u->ncols && strcasecmp(u->cols[k].name, f->name) != 0)
				k++;
			if (k < u->ncols) {
				widen_type(&u->cols[k].type, &f->type);
				continue;
			}
			u->cols = tn_realloc(u->cols, (u->ncols + 2) * sizeof(*u->cols));
			tn_schema_copy_field(&u->cols[u->ncols++], f);
		}
		tio_close(tr);
	}
	if (rescued) {
		struct tn_field *f;

		u->cols = tn_realloc(u->cols, (u->ncols + 1) * sizeof(*u->cols));
		f = &u->cols[u->ncols++];
		memset(f, 0, sizeof(*f));
		f->name = tn_strdup(TIO_RESCUED_COLUMN);
		f->type.kind = TN_STRING;
		f->nullable = true;
	}
	return TN_OK;
}

/* schemaHints => 'a BIGINT, b DECIMAL(10,2)' (Auto Loader's option): these
 * columns get these types whatever the files suggest (values that do not
 * fit are rescued or an error), and hinted columns the files lack are
 * added (null). Applied after inference; the rescued column stays last. */
static int apply_hints(struct tn_schema *u, const char *hints, struct tn_err *err)
{
	const char *p = hints;

	while (*p) {
		const char *start, *end;
		char *name, *type;
		struct tn_type t;
		int depth = 0;
		size_t k = 0;

		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		start = p;
		if (*p == '`') {
			end = strchr(p + 1, '`');
			if (end == NULL)
				return tn_err_set(err, TN_EINVAL, "read_files: schemaHints '%s': "
						  "unterminated `name`", hints);
			name = tn_strndup(p + 1, (size_t)(end - p - 1));
			p = end + 1;
		} else {
			while (*p && *p != ' ')
				p++;
			name = tn_strndup(start, (size_t)(p - start));
		}
		while (*p == ' ')
			p++;
		start = p;
		while (*p && (*p != ',' || depth > 0)) {
			depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
			p++;
		}
		end = p;
		while (end > start && end[-1] == ' ')
			end--;
		type = tn_strndup(start, (size_t)(end - start));
		memset(&t, 0, sizeof(t));
		if (name[0] == '\0' || sql_decltype_parse(type, &t) != 0) {
			int rc = tn_err_set(err, TN_EINVAL,
					    "read_files: schemaHints: '%s %s' is not 'column TYPE'",
					    name, type);

			free(name);
			free(type);
			return rc;
		}
		free(type);
		while (k < u->ncols && strcasecmp(u->cols[k].name, name) != 0)
			k++;
		if (k == u->ncols) {
			/* a new column goes before the rescued data column */
			size_t at = u->ncols;

			if (at > 0 && strcmp(u->cols[at - 1].name, TIO_RESCUED_COLUMN) == 0)
				at--;
			u->cols = tn_realloc(u->cols, (u->ncols + 1) * sizeof(*u->cols));
			memmove(&u->cols[at + 1], &u->cols[at], (u->ncols - at) * sizeof(*u->cols));
			memset(&u->cols[at], 0, sizeof(*u->cols));
			u->cols[at].name = name;
			u->cols[at].nullable = true;
			u->ncols++;
			k = at;
		} else {
			free(name);
			tn_type_done(&u->cols[k].type);
		}
		u->cols[k].type = t;
	}
	return TN_OK;
}

static int connect_files(struct vt *vt, int argc, char **args, struct tn_err *err)
{
	const char *fmt, *files = NULL, *hints = NULL;
	bool parquet;
	int rc = TN_OK;

	if (argc < 2)
		return tn_err_set(err, TN_EINVAL,
				  "tarn_files: expected (path, format [, 'key=value' ...])");
	vt->what = tn_strdup(args[0]);
	fmt = args[1];
	tio_opts_init(&vt->tio);
	parquet = tn_str_ieq(fmt, "parquet");
	if (parquet) {
		vt->format = -1;
	} else if (tn_str_ieq(fmt, "csv") || tn_str_ieq(fmt, "tsv")) {
		vt->tio.format = TIO_CSV;
		if (tn_str_ieq(fmt, "tsv"))
			vt->tio.delimiter = '\t';
	} else if (tn_str_ieq(fmt, "json") || tn_str_ieq(fmt, "jsonl") ||
		   tn_str_ieq(fmt, "ndjson")) {
		vt->tio.format = TIO_JSONL;
	} else {
		return tn_err_set(err, TN_EINVAL,
				  "read_files: unknown format '%s' (csv, tsv, json, parquet)", fmt);
	}
	if (!parquet)
		vt->format = vt->tio.format;
	for (int i = 2; rc == TN_OK && i < argc; i++) {
		char *eq = strchr(args[i], '=');
		const char *k = args[i], *v;
		int64_t n;

		if (eq == NULL)
			return tn_err_set(err, TN_EINVAL, "read_files: option '%s' is not key=value",
					  args[i]);
		*eq = '\0';
		v = eq + 1;
		if (tn_str_ieq(k, "files"))
			files = v;
		else if (tn_str_ieq(k, "schemaHints") && !parquet)
			hints = v;
		else if (parquet)
			rc = tn_err_set(err, TN_EINVAL,
					"read_files: Parquet takes no option but files ('%s')", k);
		else if (tn_str_ieq(k, "header"))
			rc = bool_opt(k, v, &vt->tio.header, err);
		else if (tn_str_ieq(k, "rescue"))
			rc = bool_opt(k, v, &vt->tio.rescue, err);
		else if (tn_str_ieq(k, "rescuedDataColumn")) {
			/* Auto Loader's option names the column; tarn's is fixed */
			vt->tio.rescue = true;
			if (strcmp(v, TIO_RESCUED_COLUMN) != 0)
				rc = tn_err_set(err, TN_EUNSUPPORTED,
						"read_files: rescuedDataColumn '%s': the rescued data "
						"column can only be %s",
						v, TIO_RESCUED_COLUMN);
		} else if (tn_str_ieq(k, "delimiter") || tn_str_ieq(k, "sep")) {
			if (strcmp(v, "\\t") == 0 || tn_str_ieq(v, "tab"))
				vt->tio.delimiter = '\t';
			else if (strlen(v) == 1)
				vt->tio.delimiter = v[0];
			else
				rc = tn_err_set(err, TN_EINVAL,
						"read_files: delimiter '%s' is not one character", v);
		} else if (tn_str_ieq(k, "inferRows") || tn_str_ieq(k, "infer_rows")) {
			rc = tn_parse_i64(v, &n, "infer_rows", err);
			if (rc == TN_OK)
				vt->tio.infer_rows = (size_t)(n > 0 ? n : 1);
		} else
			rc = tn_err_set(err, TN_EINVAL,
					"read_files: unknown option '%s' (header, delimiter, "
					"infer_rows, rescuedDataColumn, schemaHints, files)",
					k);
		*eq = '=';
	}
	if (rc != TN_OK)
		return rc;
	if (files)
		rc = explicit_paths(vt, args[0], files, err);
	else
		rc = list_paths(vt, args[0], parquet ? ".parquet" : NULL, err);
	if (rc != TN_OK)
		return rc;
	if (parquet)
		return connect_parquet_paths(vt, err);
	rc = infer_files(vt, err);
	if (rc == TN_OK && hints)
		rc = apply_hints(&vt->own, hints, err);
	if (rc != TN_OK)
		return rc;
	vt->sch = &vt->own;
	vt->est_rows = 1e5 * (double)vt->npaths;
	return TN_OK;
}

static int connect_batch(struct vt *vt, int argc, char **args, struct tn_err *err)
{
	struct sql_batchtab *bt = NULL;
	unsigned long long p = 0;
	char *end;
	bool found = false;

	if (argc == 1) {
		p = strtoull(args[0], &end, 16);
		if (*end != '\0')
			p = 0;
	}
	bt = (struct sql_batchtab *)(uintptr_t)p;
	for (size_t i = 0; bt != NULL && i < vt->m->nbts; i++)
		found |= vt->m->bts[i] == bt;
	if (!found)
		return tn_err_set(err, TN_EINVAL, "tarn_batch: not a batch table of this connection");
	vt->bt = bt;
	vt->sch = bt->schema;
	vt->what = tn_strdup(bt->name);
	vt->est_rows = 1000;
	return TN_OK;
}

static void vt_free(struct vt *vt)
{
	if (vt == NULL)
		return;
	if (vt->dirty)
		ptr_del((void **)vt->m->dirty, &vt->m->ndirty, vt);
	if (vt->has_buf)
		tn_batch_done(&vt->buf);
	delta_snapshot_free(vt->snap);
	delta_table_close(vt->t);
	share_client_close(vt->shc);
	share_changes_free(vt->shch);
	free(vt->sh_share);
	free(vt->sh_schema);
	free(vt->sh_table);
	for (size_t i = 0; i < vt->npaths; i++)
		free(vt->paths[i]);
	free(vt->paths);
	tn_schema_done(&vt->own);
	free(vt->what);
	sqlite3_free(vt->base.zErrMsg);
	free(vt);
}

static int x_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
		     char **pzErr, int kind)
{
	struct vt *vt = tn_calloc(1, sizeof(*vt));
	struct tn_err err;
	int nargs = argc > 3 ? argc - 3 : 0, rc;
	char **args = tn_calloc((size_t)nargs + 1, sizeof(char *));
	char *sql;

	tn_err_clear(&err);
	vt->m = aux;
	vt->kind = kind;
	for (int i = 0; i < nargs; i++)
		args[i] = arg_text(argv[3 + i]);
	switch (kind) {
	case VT_DELTA: rc = connect_delta(vt, nargs, args, &err); break;
	case VT_CHANGES: rc = connect_changes(vt, nargs, args, &err); break;
	case VT_SHARE: rc = connect_share(vt, nargs, args, false, &err), vt->kind = VT_DELTA; break;
	case VT_SHARE_CHANGES:
		rc = connect_share(vt, nargs, args, true, &err), vt->kind = VT_CHANGES;
		break;
	case VT_PARQUET: rc = connect_parquet(vt, nargs, args, &err); break;
	case VT_FILES: rc = connect_files(vt, nargs, args, &err); break;
	default: rc = connect_batch(vt, nargs, args, &err); break;
	}
	for (int i = 0; i < nargs; i++)
		free(args[i]);
	free(args);
	if (rc == TN_OK) {
		sql = declare_sql(vt->sch);
		if (sqlite3_declare_vtab(db, sql) != SQLITE_OK)
			rc = tn_err_set(&err, TN_EINTERNAL, "declaring %s: %s", sql, sqlite3_errmsg(db));
		sqlite3_free(sql);
	}
	if (rc != TN_OK) {
		vt->m->host->last_err = err;
		*pzErr = sqlite3_mprintf("%s", err.msg);
		vt_free(vt);
		return SQLITE_ERROR;
	}
	*out = &vt->base;
	return SQLITE_OK;
}

#define CONNECT_FN(name, kind)                                                                    \
	static int name(sqlite3 *db, void *aux, int argc, const char *const *argv,                \
			sqlite3_vtab **out, char **pzErr)                                         \
	{                                                                                         \
		return x_connect(db, aux, argc, argv, out, pzErr, kind);                          \
	}
CONNECT_FN(connect_delta_fn, VT_DELTA)
CONNECT_FN(connect_parquet_fn, VT_PARQUET)
CONNECT_FN(connect_changes_fn, VT_CHANGES)
CONNECT_FN(connect_files_fn, VT_FILES)
CONNECT_FN(connect_batch_fn, VT_BATCH)
CONNECT_FN(connect_share_fn, VT_SHARE)
CONNECT_FN(connect_share_changes_fn, VT_SHARE_CHANGES)

static int x_disconnect(sqlite3_vtab *base)
{
	vt_free((struct vt *)base);
	return SQLITE_OK;
}

/* ---------------------------------------------------------------- pushdown */

static bool pushable_op(unsigned char op)
{
	switch (op) {
	case SQLITE_INDEX_CONSTRAINT_EQ:
	case SQLITE_INDEX_CONSTRAINT_LT:
	case SQLITE_INDEX_CONSTRAINT_LE:
	case SQLITE_INDEX_CONSTRAINT_GT:
	case SQLITE_INDEX_CONSTRAINT_GE:
	case SQLITE_INDEX_CONSTRAINT_NE:
	case SQLITE_INDEX_CONSTRAINT_IS:
	case SQLITE_INDEX_CONSTRAINT_ISNOT:
	case SQLITE_INDEX_CONSTRAINT_ISNULL:
	case SQLITE_INDEX_CONSTRAINT_ISNOTNULL:
		return true;
	default:
		return false;
	}
}

/* Columns whose values a delta_pred can compare the way SQLite does (for
 * some values; xFilter decides per value). */
static bool pushable_type(const struct tn_type *t)
{
	switch (t->kind) {
	case TN_BOOL:
	case TN_INT8:
	case TN_INT16:
	case TN_INT32:
	case TN_INT64:
	case TN_UINT8:
	case TN_UINT16:
	case TN_UINT32:
	case TN_UINT64:
	case TN_DOUBLE:
	case TN_STRING:
	case TN_DATE:
		return true;
	case TN_DECIMAL:
		return t->precision <= 18;
	case TN_TIMESTAMP:
		return t->unit == TN_UNIT_MICROS;
	case TN_FLOAT:
	case TN_BINARY:
	case TN_UUID:
	case TN_TIME:
		return true; /* IS [NOT] NULL only */
	default:
		return false;
	}
}

static int x_best_index(sqlite3_vtab *base, sqlite3_index_info *info)
{
	struct vt *vt = (struct vt *)base;
	sqlite3_str *q = sqlite3_str_new(NULL);
	double rows = vt->est_rows > 1 ? vt->est_rows : 1;
	int argv_i = 0;
	bool push = vt->kind == VT_DELTA;

	sqlite3_str_appendf(q, "%llx;", (unsigned long long)info->colUsed);
	for (int i = 0; push && i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *c = &info->aConstraint[i];
		const struct tn_type *t;
		const char *coll;
		bool in = false;

		if (!c->usable || c->iColumn < 0 || (size_t)c->iColumn >= vt->sch->ncols ||
		    !pushable_op(c->op))
			continue;
		t = &vt->sch->cols[c->iColumn].type;
		if (!pushable_type(t) || strchr(vt->sch->cols[c->iColumn].name, '`') != NULL)
			continue;
		coll = sqlite3_vtab_collation(info, i);
		if (t->kind == TN_STRING && coll != NULL && sqlite3_stricmp(coll, "BINARY") != 0)
			continue;
		if (c->op == SQLITE_INDEX_CONSTRAINT_EQ && sqlite3_vtab_in(info, i, -1)) {
			sqlite3_vtab_in(info, i, 1);
			in = true;
		}
		info->aConstraintUsage[i].argvIndex = ++argv_i;
		info->aConstraintUsage[i].omit = 0;
		sqlite3_str_appendf(q, "%d,%d%s;", c->iColumn, c->op, in ? ",i" : "");
		if (c->op == SQLITE_INDEX_CONSTRAINT_EQ || c->op == SQLITE_INDEX_CONSTRAINT_IS)
			rows /= in ? 4 : 10;
		else if (c->op != SQLITE_INDEX_CONSTRAINT_NE &&
			 c->op != SQLITE_INDEX_CONSTRAINT_ISNOT &&
			 c->op != SQLITE_INDEX_CONSTRAINT_ISNOTNULL)
			rows /= 3;
	}
	if (rows < 1)
		rows = 1;
	info->idxNum = argv_i;
	info->idxStr = sqlite3_str_finish(q);
	info->needToFreeIdxStr = 1;
	info->estimatedRows = (sqlite3_int64)rows;
	info->estimatedCost = rows + (argv_i ? 10 : 1000);
	return SQLITE_OK;
}

enum { TERM_OK, TERM_SKIP, TERM_NONE };

static void quote_text(struct tn_buf *b, const char *s, size_t n)
{
	tn_buf_putc(b, '\'', NULL);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'')
			tn_buf_putc(b, '\'', NULL);
		tn_buf_putc(b, s[i], NULL);
	}
	tn_buf_putc(b, '\'', NULL);
}

static bool int_fits(enum tn_kind k, int64_t x)
{
	switch (k) {
	case TN_INT8: return x >= INT8_MIN && x <= INT8_MAX;
	case TN_INT16: return x >= INT16_MIN && x <= INT16_MAX;
	case TN_INT32: return x >= INT32_MIN && x <= INT32_MAX;
	case TN_UINT8: return x >= 0 && x <= UINT8_MAX;
	case TN_UINT16: return x >= 0 && x <= UINT16_MAX;
	case TN_UINT32: return x >= 0 && x <= UINT32_MAX;
	case TN_UINT64: return x >= 0;
	default: return true;
	}
}

static bool is_int_kind(enum tn_kind k)
{
	return k >= TN_INT8 && k <= TN_UINT64;
}

/* The literal for value v of a column of type t in a comparison op (an
 * SQLITE_INDEX_CONSTRAINT_*, which may be changed to a looser one so
 * that the scan keeps every row SQLite would). Appends it to b. */
static int literal(struct tn_buf *b, const struct tn_type *t, sqlite3_value *v, int *op)
{
	int vt = sqlite3_value_type(v);
	char tmp[64];

	if (is_int_kind(t->kind)) {
		int64_t x;

		if (vt == SQLITE_INTEGER) {
			x = sqlite3_value_int64(v);
		} else if (vt == SQLITE_FLOAT) {
			double d = sqlite3_value_double(v);

			if (!(d > -9.2e18 && d < 9.2e18))
				return TERM_SKIP;
			if (d != floor(d)) {
				if (*op == SQLITE_INDEX_CONSTRAINT_EQ || *op == SQLITE_INDEX_CONSTRAINT_IS)
					return TERM_NONE;
				if (*op == SQLITE_INDEX_CONSTRAINT_LT || *op == SQLITE_INDEX_CONSTRAINT_LE)
					*op = SQLITE_INDEX_CONSTRAINT_LE, d = floor(d);
				else if (*op == SQLITE_INDEX_CONSTRAINT_GT ||
					 *op == SQLITE_INDEX_CONSTRAINT_GE)
					*op = SQLITE_INDEX_CONSTRAINT_GE, d = ceil(d);
				else
					return TERM_SKIP;
			}
			x = (int64_t)d;
		} else {
			return TERM_SKIP;
		}
		if (!int_fits(t->kind, x))
			return TERM_SKIP;
		tn_buf_printf(b, NULL, "%" PRId64, x);
		return TERM_OK;
	}
	switch (t->kind) {
	case TN_BOOL:
		if (vt != SQLITE_INTEGER || (*op != SQLITE_INDEX_CONSTRAINT_EQ &&
					     *op != SQLITE_INDEX_CONSTRAINT_IS &&
					     *op != SQLITE_INDEX_CONSTRAINT_NE &&
					     *op != SQLITE_INDEX_CONSTRAINT_ISNOT))
			return TERM_SKIP;
		if (sqlite3_value_int64(v) == 0 || sqlite3_value_int64(v) == 1) {
			tn_buf_puts(b, sqlite3_value_int64(v) ? "true" : "false", NULL);
			return TERM_OK;
		}
		return *op == SQLITE_INDEX_CONSTRAINT_EQ || *op == SQLITE_INDEX_CONSTRAINT_IS
			       ? TERM_NONE
			       : TERM_SKIP;
	case TN_DOUBLE:
		if (vt == SQLITE_INTEGER) {
			int64_t x = sqlite3_value_int64(v);

			if (x > (INT64_C(1) << 53) || x < -(INT64_C(1) << 53))
				return TERM_SKIP;
			tn_buf_printf(b, NULL, "%" PRId64, x);
			return TERM_OK;
		}
		if (vt == SQLITE_FLOAT && isfinite(sqlite3_value_double(v))) {
			tn_buf_printf(b, NULL, "%.17g", sqlite3_value_double(v));
			return TERM_OK;
		}
		return TERM_SKIP;
	case TN_STRING:
		if (vt == SQLITE_TEXT) {
			const char *s = (const char *)sqlite3_value_text(v);
			size_t n = (size_t)sqlite3_value_bytes(v);

			if (s == NULL || memchr(s, '\0', n) != NULL)
				return TERM_SKIP;
			quote_text(b, s, n);
			return TERM_OK;
		}
		if (vt == SQLITE_INTEGER) { /* TEXT affinity makes it text */
			snprintf(tmp, sizeof(tmp), "'%" PRId64 "'", (int64_t)sqlite3_value_int64(v));
			tn_buf_puts(b, tmp, NULL);
			return TERM_OK;
		}
		return TERM_SKIP;
	case TN_DATE: {
		int32_t days;
		const char *s = (const char *)sqlite3_value_text(v);
		size_t n = (size_t)sqlite3_value_bytes(v);

		/* only the text the column shows compares like dates */
		if (vt != SQLITE_TEXT || s == NULL || sql_parse_date(s, n, &days) != 0 || n != 10 ||
		    s[0] == '-')
			return TERM_SKIP;
		quote_text(b, s, n);
		return TERM_OK;
	}
	case TN_TIMESTAMP: {
		const char *s = (const char *)sqlite3_value_text(v);
		size_t n = (size_t)sqlite3_value_bytes(v), cn;
		int64_t us, y;
		unsigned mo, dd;
		char canon[TN_TIME_BUFSZ];

		if (vt != SQLITE_TEXT || s == NULL || n < 10 || sql_parse_timestamp(s, n, &us) != 0)
			return TERM_SKIP;
		tn_civil_from_days(us / TN_US_PER_DAY - (us % TN_US_PER_DAY < 0), &y, &mo, &dd);
		if (y < 0 || y > 9999)
			return TERM_SKIP;
		tn_time_format(us, t->utc, canon);
		cn = strlen(canon);
		if (n == cn && memcmp(s, canon, n) == 0) {
			quote_text(b, canon, cn);
			return TERM_OK;
		}
		/* a proper prefix of the text of its own time: every row's text
		 * sorts by time around it, and none equals it */
		if (n < cn && memcmp(s, canon, n) == 0 && (n == 10 || s[10] == 'T')) {
			switch (*op) {
			case SQLITE_INDEX_CONSTRAINT_EQ:
			case SQLITE_INDEX_CONSTRAINT_IS:
				return TERM_NONE;
			case SQLITE_INDEX_CONSTRAINT_LT:
			case SQLITE_INDEX_CONSTRAINT_LE:
				*op = SQLITE_INDEX_CONSTRAINT_LT;
				break;
			case SQLITE_INDEX_CONSTRAINT_GT:
			case SQLITE_INDEX_CONSTRAINT_GE:
				*op = SQLITE_INDEX_CONSTRAINT_GE;
				break;
			default:
				return TERM_SKIP;
			}
			quote_text(b, canon, cn);
			return TERM_OK;
		}
		return TERM_SKIP;
	}
	default:
		return TERM_SKIP;
	}
}

static const char *op_text(int op)
{
	switch (op) {
	case SQLITE_INDEX_CONSTRAINT_EQ:
	case SQLITE_INDEX_CONSTRAINT_IS: return "=";
	case SQLITE_INDEX_CONSTRAINT_LT: return "<";
	case SQLITE_INDEX_CONSTRAINT_LE: return "<=";
	case SQLITE_INDEX_CONSTRAINT_GT: return ">";
	case SQLITE_INDEX_CONSTRAINT_GE: return ">=";
	default: return "!=";
	}
}

/* A decimal column: SQLite compares its values as doubles, so the bound
 * is widened by more than any rounding, in units of the scale. */
static int decimal_term(struct tn_buf *b, const struct tn_field *f, int op, sqlite3_value *v)
{
	const struct tn_type *t = &f->type;
	int vt = sqlite3_value_type(v);
	char l[48], h[48];
	double x, slack;
	int64_t p = 1;

	if (vt != SQLITE_INTEGER && vt != SQLITE_FLOAT)
		return TERM_SKIP;
	for (int k = 0; k < t->scale; k++)
		p *= 10;
	x = sqlite3_value_double(v) * (double)p;
	slack = fabs(x) * 1e-12 + 1;
	if (!(fabs(x) + slack < 9e17))
		return TERM_SKIP;
	tn_decimal_format((int64_t)floor(x - slack), t->scale, l);
	tn_decimal_format((int64_t)ceil(x + slack), t->scale, h);
	switch (op) {
	case SQLITE_INDEX_CONSTRAINT_LT:
	case SQLITE_INDEX_CONSTRAINT_LE:
		tn_buf_printf(b, NULL, "<= %s", h);
		return TERM_OK;
	case SQLITE_INDEX_CONSTRAINT_GT:
	case SQLITE_INDEX_CONSTRAINT_GE:
		tn_buf_printf(b, NULL, ">= %s", l);
		return TERM_OK;
	case SQLITE_INDEX_CONSTRAINT_EQ:
	case SQLITE_INDEX_CONSTRAINT_IS:
		tn_buf_printf(b, NULL, ">= %s AND `%s` <= %s", l, f->name, h);
		return TERM_OK;
	default:
		return TERM_SKIP;
	}
}

/* One constraint as filter text appended to b (after " AND " when b has
 * some). */
static int term(struct tn_buf *b, const struct tn_field *f, int op, bool in, sqlite3_value *v)
{
	size_t mark = b->len;
	int rc;

	if (b->len)
		tn_buf_puts(b, " AND ", NULL);
	tn_buf_printf(b, NULL, "`%s` ", f->name);
	if (op == SQLITE_INDEX_CONSTRAINT_ISNULL || op == SQLITE_INDEX_CONSTRAINT_ISNOTNULL ||
	    ((op == SQLITE_INDEX_CONSTRAINT_IS || op == SQLITE_INDEX_CONSTRAINT_ISNOT) &&
	     sqlite3_value_type(v) == SQLITE_NULL)) {
		if (tn_type_is_nested(&f->type)) {
			rc = TERM_SKIP;
			goto out;
		}
		tn_buf_puts(b,
			    op == SQLITE_INDEX_CONSTRAINT_ISNULL || op == SQLITE_INDEX_CONSTRAINT_IS
				    ? "IS NULL"
				    : "IS NOT NULL",
			    NULL);
		return TERM_OK;
	}
	if (f->type.kind == TN_FLOAT || f->type.kind == TN_BINARY || f->type.kind == TN_UUID ||
	    f->type.kind == TN_TIME || (in && f->type.kind == TN_DECIMAL)) {
		rc = TERM_SKIP;
		goto out;
	}
	if (in) {
		sqlite3_value *e;
		size_t n = 0;
		int r;

		tn_buf_puts(b, "IN (", NULL);
		for (r = sqlite3_vtab_in_first(v, &e); r == SQLITE_OK && e != NULL;
		     r = sqlite3_vtab_in_next(v, &e)) {
			int eop = SQLITE_INDEX_CONSTRAINT_EQ;
			size_t at = b->len;

			if (sqlite3_value_type(e) == SQLITE_NULL)
				continue; /* matches nothing */
			if (n)
				tn_buf_puts(b, ", ", NULL);
			rc = literal(b, &f->type, e, &eop);
			if (rc == TERM_NONE) {
				b->len = at;
				b->data[at] = '\0';
				continue;
			}
			if (rc != TERM_OK || eop != SQLITE_INDEX_CONSTRAINT_EQ)
				goto skip;
			n++;
		}
		if (r != SQLITE_OK && r != SQLITE_DONE)
			goto skip;
		if (n == 0) {
			rc = TERM_NONE;
			goto out;
		}
		tn_buf_puts(b, ")", NULL);
		return TERM_OK;
	}
	if (sqlite3_value_type(v) == SQLITE_NULL)
		return TERM_NONE; /* = < > != NULL: never true */
	if (f->type.kind == TN_DECIMAL) {
		rc = decimal_term(b, f, op, v);
	} else {
		struct tn_buf lit = TN_BUF_INIT;
		int lop = op == SQLITE_INDEX_CONSTRAINT_ISNOT ? SQLITE_INDEX_CONSTRAINT_NE : op;

		rc = literal(&lit, &f->type, v, &lop);
		if (rc == TERM_OK)
			tn_buf_printf(b, NULL, "%s %s", op_text(lop), lit.data);
		tn_buf_done(&lit);
	}
	if (rc == TERM_OK)
		return TERM_OK;
	goto out;
skip:
	rc = TERM_SKIP;
out:
	b->len = mark;
	if (b->data)
		b->data[mark] = '\0';
	return rc;
}

/* ---------------------------------------------------------------- cursors */

static int x_open(sqlite3_vtab *base, sqlite3_vtab_cursor **out)
{
	struct vt *vt = (struct vt *)base;
	struct cur *c = tn_calloc(1, sizeof(*c));
	size_t n = vt->sch->ncols;

	c->vt = vt;
	c->colv = tn_calloc(n + 1, sizeof(*c->colv));
	c->map = tn_calloc(n + 1, sizeof(int));
	c->proj = tn_calloc(n + 1, sizeof(char *));
	c->eof = true;
	*out = &c->base;
	return SQLITE_OK;
}

static void scan_done(struct cur *c)
{
	struct sql_vtab_host *h = c->vt->m->host;

	if (!c->open)
		return;
	if (h->scan_done != NULL)
		h->scan_done(h->ctx, c->vt->what, c->sc ? delta_scan_metrics(c->sc) : &c->m);
	delta_scan_close(c->sc);
	delta_pred_free(c->pred);
	pq_reader_close(c->pr);
	tio_close(c->tr);
	c->sc = NULL;
	c->pred = NULL;
	c->pr = NULL;
	c->tr = NULL;
	if (c->b.cols != NULL)
		tn_batch_done(&c->b);
	memset(&c->b, 0, sizeof(c->b));
	memset(&c->m, 0, sizeof(c->m));
	c->batch = NULL;
	c->open = false;
}

static int x_close(sqlite3_vtab_cursor *base)
{
	struct cur *c = (struct cur *)base;

	scan_done(c);
	free(c->colv);
	free(c->map);
	free(c->proj);
	free(c);
	return SQLITE_OK;
}

/* Open the next file of a Parquet or text source; false at the end. */
static int next_file(struct cur *c, bool *more, struct tn_err *err)
{
	struct vt *vt = c->vt;
	struct store *st = vt->m->host->st;
	int rc;

	pq_reader_close(c->pr);
	tio_close(c->tr);
	c->pr = NULL;
	c->tr = NULL;
	*more = c->path_i < vt->npaths;
	if (!*more)
		return TN_OK;
	const char *path = vt->paths[c->path_i++];

	c->m.files_read++;
	if (vt->format < 0) {
		struct pq_read_opts o;

		pq_read_opts_init(&o);
		o.batch_rows = VT_BATCH_ROWS;
		rc = pq_reader_open(st, path, &o, &c->pr, err);
		if (rc == TN_OK && !schema_same(pq_reader_schema(c->pr), vt->sch))
			rc = tn_err_set(err, TN_EINVAL,
					"%s: its columns are not those of %s (one schema for all files)",
					path, vt->paths[0]);
		if (rc == TN_OK)
			rc = pq_reader_project(c->pr, c->proj, c->nproj, err);
		return rc;
	}
	{
		struct tio_opts o = vt->tio;

		o.schema = vt->sch;
		o.batch_rows = VT_BATCH_ROWS;
		return tio_open(st, path, &o, &c->tr, err);
	}
}

static void bind_batch(struct cur *c)
{
	for (size_t i = 0; i < c->vt->sch->ncols; i++)
		c->colv[i] = c->map[i] >= 0 ? &c->batch->cols[c->map[i]] : NULL;
}

/* The next non-empty batch into c->batch; c->eof at the end. */
static int fetch(struct cur *c, struct tn_err *err)
{
	struct vt *vt = c->vt;
	int rc = TN_OK;

	c->row = 0;
	for (;;) {
		if (vt->kind == VT_BATCH) {
			c->eof = true; /* one batch, bound at xFilter */
			return TN_OK;
		}
		if (c->sc != NULL) {
			rc = delta_scan_next(c->sc, &c->b, err);
		} else if (c->pr != NULL) {
			rc = pq_reader_next(c->pr, &c->b, err);
		} else if (c->tr != NULL) {
			rc = tio_next(c->tr, &c->b, err);
		} else {
			c->eof = true;
			return TN_OK;
		}
		if (rc != TN_OK)
			return rc;
		if (c->b.nrows > 0) {
			c->batch = &c->b;
			bind_batch(c);
			return TN_OK;
		}
		if (c->sc != NULL) {
			c->eof = true;
			return TN_OK;
		}
		{
			bool more;

			rc = next_file(c, &more, err);
			if (rc != TN_OK)
				return rc;
			if (!more) {
				c->eof = true;
				return TN_OK;
			}
		}
	}
}

static int cur_fail(struct cur *c, const struct tn_err *err)
{
	return vt_fail(c->vt, err);
}

static int open_delta(struct cur *c, const char *where, struct tn_err *err)
{
	struct vt *vt = c->vt;
	struct sql_vtab_host *h = vt->m->host;
	struct delta_scan_opts o = {0};
	struct delta_snapshot *s = vt->snap;
	int rc;

	o.columns = c->proj;
	o.ncolumns = c->nproj;
	o.batch_rows = VT_BATCH_ROWS;
	if (where != NULL) {
		rc = delta_pred_parse(where, &c->pred, err);
		if (rc != TN_OK)
			return rc;
		o.where = c->pred;
	}
	if (vt->kind == VT_CHANGES && vt->shch != NULL) {
		o.where = NULL;
		return share_changes_scan(vt->shch, h->st, &o, &c->sc, err);
	}
	if (vt->kind == VT_CHANGES) {
		o.where = NULL;
		return delta_changes_open(vt->t, vt->from, vt->to, &o, &c->sc, err);
	}
	if (vt->latest && h->tx_view != NULL) {
		struct delta_snapshot *v = h->tx_view(h->ctx, vt->what);

		if (v != NULL)
			s = v;
	}
	return delta_scan_open(s, &o, &c->sc, err);
}

static int x_filter(sqlite3_vtab_cursor *base, int idx_num, const char *idx_str, int argc,
		    sqlite3_value **argv)
{
	struct cur *c = (struct cur *)base;
	struct vt *vt = c->vt;
	const struct tn_schema *s = vt->sch;
	unsigned long long used = 0;
	struct tn_buf where = TN_BUF_INIT;
	const char *p = idx_str;
	struct tn_err err;
	bool none = false;
	int rc = TN_OK;

	(void)idx_num;
	tn_err_clear(&err);
	scan_done(c);
	c->open = true;
	c->eof = false;
	c->rowid = 0;
	c->path_i = 0;
	if (p != NULL) {
		char *end;

		used = strtoull(p, &end, 16);
		p = *end == ';' ? end + 1 : "";
	} else {
		used = ~0ULL;
	}
	/* projection: colUsed's bit 63 stands for every column past 62 */
	c->nproj = 0;
	for (size_t i = 0; i < s->ncols; i++) {
		bool u = (used & (1ULL << (i < 63 ? i : 63))) != 0 || vt->kind == VT_FILES ||
			 vt->kind == VT_BATCH;

		c->map[i] = -1;
		if (u) {
			c->map[i] = (int)c->nproj;
			c->proj[c->nproj++] = s->cols[i].name;
		}
		c->colv[i] = NULL;
	}
	if (vt->kind == VT_CHANGES) {
		/* the feed's own columns always come last */
		size_t nt = s->ncols >= 3 ? s->ncols - 3 : 0, k = 0;

		for (size_t i = 0; i < nt; i++)
			if (c->map[i] >= 0)
				k++;
		c->nproj = k;
		for (size_t i = nt; i < s->ncols; i++)
			c->map[i] = (int)(k + (i - nt));
	}
	for (int a = 0; a < argc && *p; a++) {
		int col, op, t;
		bool in = false;
		char *end;

		col = (int)strtol(p, &end, 10);
		op = *end == ',' ? (int)strtol(end + 1, &end, 10) : 0;
		if (strncmp(end, ",i", 2) == 0)
			in = true, end += 2;
		p = *end == ';' ? end + 1 : end;
		if (col < 0 || (size_t)col >= s->ncols)
			continue;
		t = term(&where, &s->cols[col], op, in, argv[a]);
		if (t == TERM_NONE)
			none = true;
	}
	if (none) {
		c->eof = true;
		tn_buf_done(&where);
		return SQLITE_OK;
	}
	switch (vt->kind) {
	case VT_DELTA:
	case VT_CHANGES:
		rc = open_delta(c, where.len ? where.data : NULL, &err);
		if (rc == TN_EINVAL && where.len) {
			/* a filter the scan cannot use only costs speed */
			delta_pred_free(c->pred);
			c->pred = NULL;
			tn_err_clear(&err);
			rc = open_delta(c, NULL, &err);
		}
		break;
	case VT_PARQUET:
	case VT_FILES: {
		bool more;

		c->m.files_total = vt->npaths;
		rc = next_file(c, &more, &err);
		break;
	}
	default:
		c->batch = vt->bt->b;
		c->row = 0;
		if (c->batch == NULL || c->batch->nrows == 0) {
			c->eof = true;
		} else {
			for (size_t i = 0; i < s->ncols; i++)
				c->map[i] = (int)i;
			bind_batch(c);
		}
		tn_buf_done(&where);
		return SQLITE_OK;
	}
	tn_buf_done(&where);
	if (rc == TN_OK)
		rc = fetch(c, &err);
	if (rc != TN_OK) {
		c->eof = true;
		return cur_fail(c, &err);
	}
	return SQLITE_OK;
}

static int x_next(sqlite3_vtab_cursor *base)
{
	struct cur *c = (struct cur *)base;
	struct tn_err err;

	c->rowid++;
	if (++c->row < c->batch->nrows)
		return SQLITE_OK;
	if (fetch(c, &err) != TN_OK) {
		c->eof = true;
		return cur_fail(c, &err);
	}
	return SQLITE_OK;
}

static int x_eof(sqlite3_vtab_cursor *base)
{
	return ((struct cur *)base)->eof;
}

static int x_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int i)
{
	struct cur *c = (struct cur *)base;
	const struct tn_vec *v = c->colv[i];

	if (v == NULL)
		sqlite3_result_null(ctx);
	else
		sql_value_result(ctx, v, c->row);
	return SQLITE_OK;
}

static int x_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *rowid)
{
	struct cur *c = (struct cur *)base;

	*rowid = c->vt->kind == VT_BATCH ? (sqlite3_int64)c->row : c->rowid;
	return SQLITE_OK;
}

/* ---------------------------------------------------------------- writes */

static void buf_drop(struct vt *vt)
{
	if (vt->has_buf)
		tn_batch_done(&vt->buf);
	vt->has_buf = false;
	vt->nbuf = 0;
	if (vt->dirty)
		ptr_del((void **)vt->m->dirty, &vt->m->ndirty, vt);
	vt->dirty = false;
}

/* Lengths of a struct's children follow the struct's. */
static void set_len(struct tn_vec *v, size_t n)
{
	v->len = n;
	if (v->type->kind == TN_STRUCT)
		for (size_t k = 0; k < v->type->nfields; k++)
			set_len(&v->children[k], n);
}

static int vt_flush(struct vt *vt, struct tn_err *err)
{
	struct sql_vtab_host *h = vt->m->host;
	struct delta_tx *tx = NULL;
	int rc;

	if (!vt->has_buf || vt->nbuf == 0) {
		buf_drop(vt);
		return TN_OK;
	}
	for (size_t i = 0; i < vt->sch->ncols; i++)
		set_len(&vt->buf.cols[i], vt->nbuf);
	vt->buf.nrows = vt->nbuf;
	if (h->tx_for == NULL)
		rc = tn_err_set(err, TN_EUNSUPPORTED, "%s: this session cannot write", vt->what);
	else
		rc = h->tx_for(h->ctx, vt->what, &tx, err);
	if (rc == TN_OK)
		rc = delta_tx_write(tx, &vt->buf, err);
	buf_drop(vt);
	return rc;
}

static int x_update(sqlite3_vtab *base, int argc, sqlite3_value **argv, sqlite3_int64 *rowid)
{
	struct vt *vt = (struct vt *)base;
	const struct tn_schema *s = vt->sch;
	struct tn_err err;
	int64_t row;

	tn_err_clear(&err);
	if (argc == 1 || sqlite3_value_type(argv[0]) != SQLITE_NULL) {
		tn_err_set(&err, TN_EUNSUPPORTED, "UPDATE through the virtual table is not supported");
		return vt_fail(vt, &err);
	}
	if (vt->shc != NULL) {
		tn_err_set(&err, TN_EUNSUPPORTED, "%s is a table of a share: read-only", vt->what);
		return vt_fail(vt, &err);
	}
	if (vt->kind != VT_DELTA || !vt->latest) {
		tn_err_set(&err, TN_EUNSUPPORTED, "%s is read-only%s", vt->what,
			   vt->kind == VT_DELTA ? " at an earlier version" : "");
		return vt_fail(vt, &err);
	}
	if ((size_t)argc != s->ncols + 2) {
		tn_err_set(&err, TN_EINTERNAL, "%s: %d values for %zu columns", vt->what, argc - 2,
			   s->ncols);
		return vt_fail(vt, &err);
	}
	if (!vt->has_buf) {
		tn_batch_init(&vt->buf, s, VT_FLUSH_ROWS);
		for (size_t i = 0; i < s->ncols; i++)
			set_len(&vt->buf.cols[i], VT_FLUSH_ROWS); /* the room sql_value_to_vec sees */
		vt->has_buf = true;
		vt->nbuf = 0;
	}
	if (!vt->dirty) {
		ptr_add((void ***)&vt->m->dirty, &vt->m->ndirty, &vt->m->capdirty, vt);
		vt->dirty = true;
	}
	row = ++vt->stmt_rows;
	for (size_t i = 0; i < s->ncols; i++) {
		int rc = sql_value_to_vec(argv[2 + i], &vt->buf.cols[i], vt->nbuf, &vt->buf.arena,
					  s->cols[i].name, row, &err);

		if (rc != TN_OK) {
			tn_err_prefix(&err, "%s", vt->what);
			return vt_fail(vt, &err);
		}
	}
	vt->nbuf++;
	*rowid = row;
	if (vt->nbuf == VT_FLUSH_ROWS && vt_flush(vt, &err) != TN_OK)
		return vt_fail(vt, &err);
	return SQLITE_OK;
}

static int x_begin(sqlite3_vtab *base)
{
	((struct vt *)base)->stmt_rows = 0;
	return SQLITE_OK;
}

static int x_sync(sqlite3_vtab *base)
{
	struct vt *vt = (struct vt *)base;
	struct tn_err err;

	tn_err_clear(&err);
	if (vt_flush(vt, &err) != TN_OK)
		return vt_fail(vt, &err);
	return SQLITE_OK;
}

static int x_commit(sqlite3_vtab *base)
{
	((struct vt *)base)->stmt_rows = 0;
	return SQLITE_OK;
}

static int x_rollback(sqlite3_vtab *base)
{
	struct vt *vt = (struct vt *)base;

	buf_drop(vt);
	vt->stmt_rows = 0;
	return SQLITE_OK;
}

/* ---------------------------------------------------------------- modules */

static const sqlite3_module mod_delta = {
	.iVersion = 1,
	.xCreate = connect_delta_fn,
	.xConnect = connect_delta_fn,
	.xBestIndex = x_best_index,
	.xDisconnect = x_disconnect,
	.xDestroy = x_disconnect,
	.xOpen = x_open,
	.xClose = x_close,
	.xFilter = x_filter,
	.xNext = x_next,
	.xEof = x_eof,
	.xColumn = x_column,
	.xRowid = x_rowid,
	.xUpdate = x_update,
	.xBegin = x_begin,
	.xSync = x_sync,
	.xCommit = x_commit,
	.xRollback = x_rollback,
};

#define READONLY_MODULE(name, fn)                                                                 \
	static const sqlite3_module name = {                                                      \
		.iVersion = 1,                                                                    \
		.xCreate = fn,                                                                    \
		.xConnect = fn,                                                                   \
		.xBestIndex = x_best_index,                                                       \
		.xDisconnect = x_disconnect,                                                      \
		.xDestroy = x_disconnect,                                                         \
		.xOpen = x_open,                                                                  \
		.xClose = x_close,                                                                \
		.xFilter = x_filter,                                                              \
		.xNext = x_next,                                                                  \
		.xEof = x_eof,                                                                    \
		.xColumn = x_column,                                                              \
		.xRowid = x_rowid,                                                                \
		.xUpdate = x_update,                                                              \
	}
READONLY_MODULE(mod_parquet, connect_parquet_fn);
READONLY_MODULE(mod_changes, connect_changes_fn);
READONLY_MODULE(mod_files, connect_files_fn);
READONLY_MODULE(mod_batch, connect_batch_fn);
READONLY_MODULE(mod_share, connect_share_fn);
READONLY_MODULE(mod_share_changes, connect_share_changes_fn);

static void vmod_release(void *p)
{
	struct vmod *m = p;

	if (--m->refs > 0)
		return;
	reg_remove(m);
	for (size_t i = 0; i < m->nbts; i++)
		m->bts[i]->m = NULL;
	free(m->dirty);
	free(m->bts);
	free(m);
}

int sql_vtab_register(sqlite3 *db, struct sql_vtab_host *host, struct tn_err *err)
{
	static const struct {
		const char *name;
		const sqlite3_module *mod;
	} mods[] = {{"tarn_delta", &mod_delta},
		    {"tarn_parquet", &mod_parquet},
		    {"tarn_changes", &mod_changes},
		    {"tarn_files", &mod_files},
		    {"tarn_batch", &mod_batch},
		    {"tarn_share", &mod_share},
		    {"tarn_share_changes", &mod_share_changes}};
	struct vmod *m = tn_calloc(1, sizeof(*m));

	m->host = host;
	m->db = db;
	m->refs = 1; /* ours until the loop is done */
	reg_add(m);
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		int rc;

		m->refs++;
		rc = sqlite3_create_module_v2(db, mods[i].name, mods[i].mod, m, vmod_release);
		if (rc != SQLITE_OK) {
			/* the destructor ran for this one */
			vmod_release(m);
			return tn_err_set(err, TN_EINTERNAL, "registering %s: %s", mods[i].name,
					  sqlite3_errmsg(db));
		}
	}
	vmod_release(m);
	return TN_OK;
}

int sql_vtab_flush(sqlite3 *db, struct tn_err *err)
{
	struct vmod *m = reg_find(db);
	int rc = TN_OK;

	while (m != NULL && m->ndirty > 0) {
		struct vt *vt = m->dirty[0];
		int r = vt_flush(vt, err); /* takes vt off the list */

		if (r != TN_OK && rc == TN_OK) {
			rc = r;
			m->host->last_err = *err;
		}
	}
	return rc;
}

/* ---------------------------------------------------------------- batch tables */

int sql_batchtab_create(sqlite3 *db, const char *name, const struct tn_schema *schema,
			struct sql_batchtab **out, struct tn_err *err)
{
	struct vmod *m = reg_find(db);
	struct sql_batchtab *bt;
	char *sql, *msg = NULL;
	int rc;

	*out = NULL;
	if (m == NULL)
		return tn_err_set(err, TN_EINTERNAL, "batch table %s: no tarn modules on the connection",
				  name);
	bt = tn_calloc(1, sizeof(*bt));
	bt->m = m;
	bt->db = db;
	bt->name = tn_strdup(name);
	bt->schema = schema;
	ptr_add((void ***)&m->bts, &m->nbts, &m->capbts, bt);
	sql = sqlite3_mprintf("CREATE VIRTUAL TABLE temp.\"%w\" USING tarn_batch('%llx')", name,
			      (unsigned long long)(uintptr_t)bt);
	rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	sqlite3_free(sql);
	if (rc != SQLITE_OK) {
		rc = tn_err_set(err, TN_EINVAL, "batch table %s: %s", name, msg ? msg : "failed");
		sqlite3_free(msg);
		ptr_del((void **)m->bts, &m->nbts, bt);
		free(bt->name);
		free(bt);
		return rc;
	}
	*out = bt;
	return TN_OK;
}

void sql_batchtab_bind(struct sql_batchtab *bt, const struct tn_batch *b)
{
	bt->b = b;
}

void sql_batchtab_drop(struct sql_batchtab *bt)
{
	char *sql;

	if (bt == NULL)
		return;
	if (bt->m != NULL) {
		sql = sqlite3_mprintf("DROP TABLE IF EXISTS temp.\"%w\"", bt->name);
		sqlite3_exec(bt->db, sql, NULL, NULL, NULL);
		sqlite3_free(sql);
		ptr_del((void **)bt->m->bts, &bt->m->nbts, bt);
	}
	free(bt->name);
	free(bt);
}
