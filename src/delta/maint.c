/* maint.c - table maintenance: OPTIMIZE (compaction by bin-packing, and
 * Z-order clustering), VACUUM (deleting the files no version within the
 * retention period references) and RESTORE (an earlier version's files
 * and metadata as a new commit). Each is built on delta_tx. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/time.h"
#include "delta/pred_int.h"
#include "delta/write_int.h"

#define DEFAULT_TARGET_SIZE (128LL * 1024 * 1024)
#define DEFAULT_RETENTION_MS (7LL * 24 * 3600 * 1000)
#define ZORDER_MAX_COLUMNS 32
#define WRITE_ROWS 65536 /* rows handed to the writer at a time */

/* ---- OPTIMIZE ---- */

/* "134217728", "128mb", "1g": bytes (k, m, g, t are powers of 1024). */
static bool parse_size(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	int64_t mult = 1;

	if (end == s || v <= 0)
		return false;
	while (isspace((unsigned char)*end))
		end++;
	switch (tolower((unsigned char)*end)) {
	case 'k': mult = 1LL << 10; break;
	case 'm': mult = 1LL << 20; break;
	case 'g': mult = 1LL << 30; break;
	case 't': mult = 1LL << 40; break;
	case 'b':
	case '\0': break;
	default: return false;
	}
	if (*end && tolower((unsigned char)*end) != 'b')
		end++;
	if (tolower((unsigned char)*end) == 'b')
		end++;
	if (*end != '\0' || v > INT64_MAX / mult)
		return false;
	*out = v * mult;
	return true;
}

struct bin {
	const struct delta_file **files;
	size_t n, cap;
};

static void bin_push(struct bin *b, const struct delta_file *f)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 8;
		b->files = tn_reallocarray(b->files, b->cap, sizeof(*b->files));
	}
	b->files[b->n++] = f;
}

struct optimize {
	struct delta_tx *tx;
	struct delta_snapshot *s;
	const struct delta_optimize_opts *o;
	struct delta_optimize_result *res;
	const char *root;
	int64_t target;
	size_t min_files;
	int zcols[ZORDER_MAX_COLUMNS]; /* Z-order columns in the table's schema */
	size_t nz;
	struct tn_schema part_schema;  /* the partition columns, for the filter */
	struct bpred *where;
};

/* The bytes of f's live rows, estimated from its size. */
static int64_t live_bytes(const struct delta_file *f)
{
	if (!f->has_dv || f->num_records <= 0)
		return f->size;
	return (int64_t)((double)f->size * (double)(f->num_records - f->dv.cardinality) /
			 (double)f->num_records);
}

static int check_zorder(struct optimize *op, struct tn_err *err)
{
	const struct tn_schema *ts = delta_tx_schema(op->tx);
	char *const *pc;
	size_t np = delta_tx_partition_columns(op->tx, &pc);

	if (op->o->nzorder_by > ZORDER_MAX_COLUMNS)
		return tn_err_set(err, TN_EINVAL, "%s: OPTIMIZE takes at most %d Z-order columns",
				  op->root, ZORDER_MAX_COLUMNS);
	for (size_t i = 0; i < op->o->nzorder_by; i++) {
		const char *name = op->o->zorder_by[i];
		int c = tn_schema_find(ts, name);

		if (c < 0)
			return tn_err_set(err, TN_EINVAL, "%s: Z-order column '%s' is not a column",
					  op->root, name);
		for (size_t p = 0; p < np; p++)
			if (strcmp(pc[p], name) == 0)
				return tn_err_set(err, TN_EINVAL,
						  "%s: '%s' is a partition column; Z-order "
						  "clusters data columns only",
						  op->root, name);
		if (tn_type_is_nested(&ts->cols[c].type))
			return tn_err_set(err, TN_EINVAL,
					  "%s: Z-order column '%s' has a nested type", op->root, name);
		op->zcols[op->nz++] = c;
	}
	return TN_OK;
}

/* The filter, bound to the partition columns alone: OPTIMIZE picks
 * partitions, not rows. */
static int bind_where(struct optimize *op, struct tn_err *err)
{
	const struct tn_schema *ts = delta_tx_schema(op->tx);
	char *const *pc;
	size_t np = delta_tx_partition_columns(op->tx, &pc);
	struct bpred *all;
	int rc;

	if (op->o->where == NULL)
		return TN_OK;
	rc = delta_bpred_bind(op->o->where, ts, &all, err);
	if (rc != TN_OK)
		return tn_err_prefix(err, "%s", op->root), rc;
	delta_bpred_free(all);
	op->part_schema.cols = tn_calloc(np + 1, sizeof(*op->part_schema.cols));
	for (size_t p = 0; p < np; p++) {
		int c = tn_schema_find(ts, pc[p]);

		if (c >= 0)
			tn_schema_copy_field(&op->part_schema.cols[op->part_schema.ncols++], &ts->cols[c]);
	}
	if (delta_bpred_bind(op->o->where, &op->part_schema, &op->where, NULL) != TN_OK)
		return tn_err_set(err, TN_EINVAL,
				  "%s: the OPTIMIZE filter may use partition columns only (%s)",
				  op->root, np ? "it picks partitions" : "the table has none");
	return TN_OK;
}

static int write_batch(void *ctx, const struct tn_batch *rows, const int64_t *row_index,
		       struct tn_err *err)
{
	(void)row_index;
	return delta_tx_write_copy(ctx, rows, err);
}

/* ---- Z-order ---- */

/* A partition's rows in memory: copies of the scan's batches. */
struct zrows {
	struct tn_batch **b;
	size_t nb;
	struct tn_rowref *refs; /* every row */
	size_t n;
};

static void zrows_done(struct zrows *z)
{
	for (size_t i = 0; i < z->nb; i++) {
		tn_batch_done(z->b[i]);
		free(z->b[i]);
	}
	free(z->b);
	free(z->refs);
}

struct load_ctx {
	const struct tn_schema *schema;
	struct zrows *z;
	const char *root;
};

/* Keep a copy of a batch of rows. */
static int load_batch(void *ctx, const struct tn_batch *v, const int64_t *row_index,
		      struct tn_err *err)
{
	struct load_ctx *c = ctx;
	struct zrows *z = c->z;
	struct tn_rowref *ident;

	(void)row_index;
	if (z->n + v->nrows > UINT32_MAX)
		return tn_err_set(err, TN_ETOOBIG,
				  "%s: a partition of more than %u rows cannot be Z-ordered", c->root,
				  UINT32_MAX);
	ident = tn_calloc(v->nrows, sizeof(*ident));
	z->refs = tn_reallocarray(z->refs, z->n + v->nrows, sizeof(*z->refs));
	for (size_t r = 0; r < v->nrows; r++) {
		ident[r].row = (uint32_t)r;
		z->refs[z->n + r].batch = (uint32_t)z->nb;
		z->refs[z->n + r].row = (uint32_t)r;
	}
	z->b = tn_reallocarray(z->b, z->nb + 1, sizeof(*z->b));
	z->b[z->nb] = tn_malloc(sizeof(**z->b));
	tn_batch_gather(z->b[z->nb++], c->schema, &v, 1, ident, v->nrows);
	z->n += v->nrows;
	free(ident);
	return TN_OK;
}

static int load_rows(struct optimize *op, const struct bin *bin, struct zrows *z,
		     struct tn_err *err)
{
	struct load_ctx c = {delta_tx_schema(op->tx), z, op->root};
	int rc = TN_OK;

	for (size_t i = 0; rc == TN_OK && i < bin->n; i++)
		rc = delta_scan_file_each(op->s, bin->files[i], load_batch, &c, err);
	return rc;
}

struct zcmp_ctx {
	const struct zrows *z;
	int col;
};

/* Order of two rows by one column's value, nulls first. */
static int zcmp(const void *x, const void *y, void *arg)
{
	const struct zcmp_ctx *c = arg;
	const struct tn_rowref *a = &c->z->refs[*(const uint32_t *)x];
	const struct tn_rowref *b = &c->z->refs[*(const uint32_t *)y];
	const struct tn_vec *va = &c->z->b[a->batch]->cols[c->col];
	const struct tn_vec *vb = &c->z->b[b->batch]->cols[c->col];
	bool na = tn_vec_is_null(va, a->row), nb = tn_vec_is_null(vb, b->row);
	size_t w = tn_type_width(va->type);

	if (na || nb)
		return nb - na;
	return tn_value_cmp(va->type, (const uint8_t *)va->values + a->row * w,
			    (const uint8_t *)vb->values + b->row * w);
}

struct zkey {
	uint64_t z;
	uint32_t row;
};

static int zkey_cmp(const void *x, const void *y)
{
	const struct zkey *a = x, *b = y;

	if (a->z != b->z)
		return a->z < b->z ? -1 : 1;
	return (a->row > b->row) - (a->row < b->row);
}

/* Each row's Z-value: every column's dense rank scaled to 64/nz bits, the
 * bits interleaved (most significant first, columns in the order given). */
static struct zkey *zorder_keys(const struct optimize *op, const struct zrows *z)
{
	struct zkey *k = tn_calloc(z->n ? z->n : 1, sizeof(*k));
	uint32_t *idx = tn_calloc(z->n ? z->n : 1, sizeof(*idx));
	uint64_t *rank = tn_calloc(z->n ? z->n : 1, sizeof(*rank));
	unsigned bits = 64 / (unsigned)op->nz;

	for (size_t i = 0; i < z->n; i++)
		k[i].row = (uint32_t)i;
	for (size_t c = 0; c < op->nz; c++) {
		struct zcmp_ctx ctx = {z, op->zcols[c]};
		uint64_t r = 0;

		for (size_t i = 0; i < z->n; i++)
			idx[i] = (uint32_t)i;
		qsort_r(idx, z->n, sizeof(*idx), zcmp, &ctx);
		for (size_t i = 0; i < z->n; i++) {
			if (i > 0 && zcmp(&idx[i - 1], &idx[i], &ctx) != 0)
				r++;
			rank[idx[i]] = r;
		}
		for (size_t i = 0; i < z->n; i++) {
			uint64_t scaled = r == 0 ? 0
					 : (uint64_t)(((unsigned __int128)rank[i] << bits) / (r + 1));

			for (unsigned j = 0; j < bits; j++)
				if (scaled >> j & 1)
					k[i].z |= 1ULL << (j * op->nz + (op->nz - 1 - c));
		}
	}
	free(rank);
	free(idx);
	qsort(k, z->n, sizeof(*k), zkey_cmp);
	return k;
}

static int zorder_bin(struct optimize *op, const struct bin *bin, struct tn_err *err)
{
	const struct tn_schema *ts = delta_tx_schema(op->tx);
	struct zrows z = {0};
	struct zkey *keys;
	struct tn_rowref *refs;
	int64_t bytes = 0;
	size_t nout, per;
	int rc = load_rows(op, bin, &z, err);

	if (rc != TN_OK || z.n == 0) {
		zrows_done(&z);
		return rc;
	}
	for (size_t i = 0; i < bin->n; i++)
		bytes += live_bytes(bin->files[i]);
	nout = (size_t)((bytes + op->target - 1) / op->target);
	nout = nout < 1 ? 1 : nout > z.n ? z.n : nout;
	per = (z.n + nout - 1) / nout;
	keys = zorder_keys(op, &z);
	refs = tn_calloc(WRITE_ROWS, sizeof(*refs));
	for (size_t first = 0; rc == TN_OK && first < z.n; first += per) {
		size_t end = first + per < z.n ? first + per : z.n;

		for (size_t i = first; rc == TN_OK && i < end; i += WRITE_ROWS) {
			size_t m = end - i < WRITE_ROWS ? end - i : WRITE_ROWS;
			struct tn_batch out;

			for (size_t j = 0; j < m; j++)
				refs[j] = z.refs[keys[i + j].row];
			tn_batch_gather(&out, ts, (const struct tn_batch *const *)z.b, z.nb, refs, m);
			rc = delta_tx_write_copy(op->tx, &out, err);
			tn_batch_done(&out);
		}
		if (rc == TN_OK)
			rc = delta_tx_flush(op->tx, err); /* one file per range */
	}
	free(refs);
	free(keys);
	zrows_done(&z);
	return rc;
}

/* ---- bins ---- */

static int rewrite_bin(struct optimize *op, const struct bin *bin, struct tn_err *err)
{
	int rc;

	if (op->nz > 0) {
		rc = zorder_bin(op, bin, err);
	} else {
		rc = TN_OK;
		for (size_t i = 0; rc == TN_OK && i < bin->n; i++)
			rc = delta_scan_file_each(op->s, bin->files[i], write_batch, op->tx, err);
		if (rc == TN_OK)
			rc = delta_tx_flush(op->tx, err);
	}
	for (size_t i = 0; rc == TN_OK && i < bin->n; i++) {
		const struct delta_file *f = bin->files[i];

		rc = delta_tx_remove(op->tx, f, err);
		op->res->files_removed++;
		op->res->bytes_removed += f->size;
		op->res->dvs_removed += f->has_dv;
	}
	return rc;
}

static int size_cmp(const void *x, const void *y)
{
	const struct delta_file *a = *(const struct delta_file *const *)x;
	const struct delta_file *b = *(const struct delta_file *const *)y;

	if (a->size != b->size)
		return a->size < b->size ? -1 : 1;
	return strcmp(a->path, b->path);
}

/* Bin-packing of one partition's files, smallest first, as Delta does. */
static int pack_partition(struct optimize *op, struct bin *part, struct tn_err *err)
{
	struct bin cur = {0};
	int64_t cur_size = 0;
	bool any = false;
	int rc = TN_OK;

	qsort(part->files, part->n, sizeof(*part->files), size_cmp);
	for (size_t i = 0; rc == TN_OK && i <= part->n; i++) {
		const struct delta_file *f = i < part->n ? part->files[i] : NULL;

		if (f != NULL && f->size >= op->target && !f->has_dv)
			continue;
		if (cur.n > 0 && (f == NULL || cur_size + f->size > op->target)) {
			if (cur.n >= op->min_files || (cur.n == 1 && cur.files[0]->has_dv)) {
				rc = rewrite_bin(op, &cur, err);
				any = true;
			}
			cur.n = 0;
			cur_size = 0;
		}
		if (f != NULL) {
			bin_push(&cur, f);
			cur_size += f->size;
		}
	}
	free(cur.files);
	op->res->partitions_optimized += any;
	return rc;
}

/* A partition's identity: its values, sorted by key. */
static char *partition_key(const struct delta_file *f)
{
	struct tn_buf b = TN_BUF_INIT;
	const char *last = NULL;

	for (size_t done = 0; done < f->n_partition_values; done++) {
		const struct delta_kv *next = NULL;

		for (size_t i = 0; i < f->n_partition_values; i++) {
			const struct delta_kv *kv = &f->partition_values[i];

			if ((last == NULL || strcmp(kv->key, last) > 0) &&
			    (next == NULL || strcmp(kv->key, next->key) < 0))
				next = kv;
		}
		tn_buf_printf(&b, NULL, "%s\1%s\2", next->key, next->value ? next->value : "\3");
		last = next->key;
	}
	return b.data ? tn_buf_detach(&b, NULL) : tn_strdup("");
}

static int i64_cmp(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a > b) - (a < b);
}

static void file_size_metrics(struct optimize *op)
{
	const struct delta_sink *k = delta_tx_data_sink(op->tx);
	size_t n = k ? delta_sink_nfiles(k) : 0;
	int64_t *sizes = tn_calloc(n ? n : 1, sizeof(*sizes));
	static const struct {
		const char *name;
		int pct;
	} pcts[] = {{"p25FileSize", 25}, {"p50FileSize", 50}, {"p75FileSize", 75}};

	for (size_t i = 0; i < n; i++) {
		sizes[i] = (int64_t)delta_sink_file(k, i)->size;
		op->res->bytes_added += sizes[i];
	}
	op->res->files_added = (int64_t)n;
	qsort(sizes, n, sizeof(*sizes), i64_cmp);
	op->res->min_file_size = n ? sizes[0] : 0;
	op->res->max_file_size = n ? sizes[n - 1] : 0;
	delta_tx_set_metric(op->tx, "numRemovedFiles", op->res->files_removed);
	delta_tx_set_metric(op->tx, "numRemovedBytes", op->res->bytes_removed);
	delta_tx_set_metric(op->tx, "numAddedFiles", op->res->files_added);
	delta_tx_set_metric(op->tx, "numAddedBytes", op->res->bytes_added);
	delta_tx_set_metric(op->tx, "numDeletionVectorsRemoved", op->res->dvs_removed);
	delta_tx_set_metric(op->tx, "minFileSize", op->res->min_file_size);
	delta_tx_set_metric(op->tx, "maxFileSize", op->res->max_file_size);
	for (size_t i = 0; i < sizeof(pcts) / sizeof(*pcts); i++)
		delta_tx_set_metric(op->tx, pcts[i].name, n ? sizes[(n - 1) * pcts[i].pct / 100] : 0);
	free(sizes);
}

static void set_optimize_operation(struct optimize *op)
{
	char *text = op->o->where ? delta_pred_text(op->o->where) : NULL;
	char *pred = delta_json_list_text((const char *const *)&text, text ? 1 : 0);
	char *z = delta_json_list_text(op->o->zorder_by, op->o->nzorder_by);
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "predicate", pred);
	cJSON_AddStringToObject(p, "zOrderBy", z);
	cJSON_AddStringToObject(p, "clusterBy", "[]");
	cJSON_AddBoolToObject(p, "auto", false);
	delta_tx_set_operation_params(op->tx, "OPTIMIZE", p);
	free(z);
	free(pred);
	free(text);
}

int delta_optimize_tx(struct delta_tx *tx, const struct delta_optimize_opts *o,
		      struct delta_optimize_result *res, struct tn_err *err)
{
	struct optimize op;
	struct tn_hmap parts;
	struct bin *groups = NULL;
	size_t ngroups = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	res->version = -1;
	memset(&op, 0, sizeof(op));
	op.tx = tx;
	op.s = delta_tx_snapshot(tx);
	op.o = o;
	op.res = res;
	op.root = op.s ? delta_table_root(delta_tx_table(tx)) : "";
	op.min_files = o->min_files ? o->min_files : 2;
	op.target = o->target_size;
	if (op.s == NULL)
		return tn_err_set(err, TN_EINVAL, "OPTIMIZE: the table is being created");
	if (op.target <= 0) {
		const char *p = delta_tx_property(tx, "delta.targetFileSize");

		op.target = DEFAULT_TARGET_SIZE;
		if (p != NULL && !parse_size(p, &op.target))
			return tn_err_set(err, TN_EINVAL,
					  "%s: delta.targetFileSize '%s' is not a size", op.root, p);
	}
	rc = check_zorder(&op, err);
	if (rc == TN_OK)
		rc = bind_where(&op, err);
	delta_tx_set_data_change(tx, false);
	tn_hmap_init(&parts);
	/* Partitions, in the order of their first file. */
	for (size_t i = 0; rc == TN_OK && i < op.s->nfiles; i++) {
		const struct delta_file *f = op.s->files[i];
		char *const *pc;
		size_t np = delta_tx_partition_columns(tx, &pc);
		bool physical = delta_map_mode_of(delta_tx_property(tx, "delta.columnMapping.mode")) !=
				DELTA_MAP_NONE;
		char *key;
		void *g;

		if (op.where && delta_bpred_skip_file(op.where, f, pc, np, physical))
			continue;
		res->files_considered++;
		key = partition_key(f);
		g = tn_hmap_get(&parts, key, strlen(key));
		if (g == NULL) {
			groups = tn_reallocarray(groups, ngroups + 1, sizeof(*groups));
			memset(&groups[ngroups], 0, sizeof(*groups));
			g = (void *)(uintptr_t)++ngroups;
			tn_hmap_put(&parts, key, strlen(key), g);
		} else {
			free(key);
		}
		bin_push(&groups[(uintptr_t)g - 1], f);
	}
	for (size_t i = 0; rc == TN_OK && i < ngroups; i++) {
		if (op.nz > 0) {
			rc = rewrite_bin(&op, &groups[i], err);
			res->partitions_optimized++;
		} else {
			rc = pack_partition(&op, &groups[i], err);
		}
	}
	{
		size_t pos = 0;
		const char *key;
		size_t len;
		void *v;

		while (tn_hmap_next(&parts, &pos, &key, &len, &v))
			free((char *)key);
	}
	tn_hmap_done(&parts);
	for (size_t i = 0; i < ngroups; i++)
		free(groups[i].files);
	free(groups);
	if (rc == TN_OK) {
		file_size_metrics(&op);
		set_optimize_operation(&op);
	}
	delta_bpred_free(op.where);
	tn_schema_done(&op.part_schema);
	return rc;
}

int delta_optimize(struct store *st, const char *root, const struct delta_optimize_opts *o,
		   struct delta_optimize_result *res, struct tn_err *err)
{
	struct delta_tx *tx;
	int rc = delta_tx_begin(st, root, &tx, err);

	memset(res, 0, sizeof(*res));
	res->version = -1;
	if (rc != TN_OK)
		return rc;
	rc = delta_optimize_tx(tx, o, res, err);
	if (rc != TN_OK || res->files_removed == 0) {
		delta_tx_abort(tx);
		return rc;
	}
	return delta_tx_commit(tx, &res->version, err);
}

/* ---- VACUUM ---- */

int delta_interval_parse(const char *s, int64_t *ms, struct tn_err *err)
{
	static const struct {
		const char *unit;
		int64_t us;
	} units[] = {
		{"microsecond", 1},	       {"millisecond", 1000},
		{"second", 1000000},	       {"minute", 60LL * 1000000},
		{"hour", 3600LL * 1000000},    {"day", 24LL * 3600 * 1000000},
		{"week", 7LL * 24 * 3600 * 1000000},
	};
	const char *p = s;
	__int128 total = 0;
	int terms = 0;

	while (isspace((unsigned char)*p))
		p++;
	if (strncasecmp(p, "interval", 8) == 0 && (isspace((unsigned char)p[8]) || p[8] == '\0'))
		p += 8;
	for (;;) {
		char *end;
		long long n;
		size_t len = 0, u;

		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		n = strtoll(p, &end, 10);
		if (end == p || n < 0)
			goto bad;
		p = end;
		while (isspace((unsigned char)*p))
			p++;
		while (isalpha((unsigned char)p[len]))
			len++;
		for (u = 0; u < sizeof(units) / sizeof(*units); u++) {
			size_t ul = strlen(units[u].unit);

			if ((len == ul || (len == ul + 1 && tolower((unsigned char)p[ul]) == 's')) &&
			    strncasecmp(p, units[u].unit, ul) == 0)
				break;
		}
		if (u == sizeof(units) / sizeof(*units))
			goto bad;
		total += (__int128)n * units[u].us;
		if (total > INT64_MAX)
			goto bad;
		p += len;
		terms++;
	}
	if (terms == 0)
		goto bad;
	*ms = (int64_t)(total / 1000);
	return TN_OK;
bad:
	return tn_err_set(err, TN_EINVAL,
			  "'%s' is not an interval like 'interval 7 days' (weeks, days, hours, "
			  "minutes, seconds, milliseconds, microseconds)",
			  s);
}

struct vacuum {
	struct store *st;
	const char *root;
	char *prefix;         /* store paths under the table start with it */
	char *real;           /* the root's real path and '/', or NULL */
	struct delta_snapshot *s; /* the latest version; parses actions */
	struct tn_hmap keep;  /* paths relative to the root that a version needs */
	struct tn_arena arena;
	struct tn_err *err;
};

/* A store path relative to the table root, or NULL when it is elsewhere. */
static const char *relative(const struct vacuum *v, const char *path)
{
	if (tn_str_startswith(path, v->prefix))
		return path + strlen(v->prefix);
	if (v->real && tn_str_startswith(path, v->real))
		return path + strlen(v->real);
	return NULL;
}

static void keep_path(struct vacuum *v, const char *path)
{
	const char *rel = relative(v, path);

	while (rel && tn_str_startswith(rel, "./"))
		rel += 2;
	if (rel != NULL && *rel) {
		char *k = tn_arena_strdup(&v->arena, rel);

		tn_hmap_put(&v->keep, k, strlen(k), k);
	}
}

static void keep_file(struct vacuum *v, const struct delta_file *f)
{
	char *dv;

	keep_path(v, f->abs_path);
	if (f->has_dv && f->dv.storage_type != 'i' &&
	    delta_dv_file_path(v->root, &f->dv, &dv, NULL) == TN_OK) {
		keep_path(v, dv);
		free(dv);
	}
}

static void keep_snapshot(struct vacuum *v, const struct delta_snapshot *s)
{
	for (size_t i = 0; i < s->nfiles; i++)
		keep_file(v, s->files[i]);
}

struct commit_scan {
	struct vacuum *v;
	const char *name;
};

/* Every file a commit's add, remove or cdc action names. */
static int keep_line(void *ctx, const cJSON *line)
{
	struct commit_scan *c = ctx;
	static const char *const kinds[] = {"add", "remove", "cdc"};

	for (size_t k = 0; k < sizeof(kinds) / sizeof(*kinds); k++) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(line, kinds[k]);
		struct delta_file *f;
		int rc;

		if (!cJSON_IsObject(a))
			continue;
		rc = delta_file_parse(c->v->s, a, c->name, &f, c->v->err);
		if (rc != TN_OK)
			return rc;
		keep_file(c->v, f);
	}
	return TN_OK;
}

/* The files of every version committed after cutoff (ms), and of the one
 * current at cutoff. Sets *oldest to that version. */
static int referenced(struct vacuum *v, struct delta_table *t, int64_t cutoff, int64_t *oldest)
{
	int64_t v0 = t->earliest;
	struct delta_snapshot *s0;
	int rc = delta_commit_timestamps(t, v->err);

	for (int64_t ver = t->earliest; rc == TN_OK && ver <= t->latest; ver++) {
		int64_t ts = delta_commit_ts(t, ver);

		if (ts != INT64_MIN && ts > cutoff)
			break;
		v0 = ver;
	}
	*oldest = v0;
	if (rc == TN_OK)
		rc = delta_snapshot_open(t, v0, &s0, v->err);
	if (rc != TN_OK)
		return rc;
	keep_snapshot(v, s0);
	delta_snapshot_free(s0);
	keep_snapshot(v, v->s);
	for (int64_t ver = v0 + 1; rc == TN_OK && ver <= t->latest; ver++) {
		const char *name = delta_commit_file(t, ver);

		if (name != NULL) {
			struct commit_scan c = {v, name};
			char *path = tn_path_join(t->log_dir, name);

			rc = delta_each_json_line(t, path, name, keep_line, &c, v->err);
			free(path);
		} else { /* a checkpoint stands for the commit */
			struct delta_snapshot *s;

			rc = delta_snapshot_open(t, ver, &s, v->err);
			if (rc == TN_OK) {
				keep_snapshot(v, s);
				delta_snapshot_free(s);
			}
		}
	}
	return rc;
}

/* Delta's hidden names (DeltaTableUtils.isHiddenDirectory): '_' and '.'
 * except change data, index and partition directories; "metadata" is
 * UniForm's Iceberg metadata. */
static bool hidden(const char *name, size_t len, char *const *pc, size_t np)
{
	if (len == 8 && strncmp(name, "metadata", 8) == 0)
		return true;
	if (name[0] != '_' && name[0] != '.')
		return false;
	if (tn_str_startswith(name, "_change_data") || tn_str_startswith(name, "_delta_index"))
		return false;
	for (size_t i = 0; i < np; i++) {
		size_t n = strlen(pc[i]);

		if (len > n && strncmp(name, pc[i], n) == 0 && name[n] == '=')
			return false;
	}
	return true;
}

static bool hidden_path(const char *rel, char *const *pc, size_t np)
{
	while (*rel) {
		const char *sl = strchr(rel, '/');
		size_t len = sl ? (size_t)(sl - rel) : strlen(rel);

		if (len > 0 && hidden(rel, len, pc, np))
			return true;
		rel += len + (sl != NULL);
	}
	return false;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A commit of commitInfo alone, as Delta logs VACUUM. */
static int log_vacuum(struct store *st, const char *root, const char *op, cJSON *params,
		      const char *const *metric_names, const int64_t *metrics, size_t nmetrics,
		      int64_t *version, struct tn_err *err)
{
	struct delta_tx *tx;
	char *text = cJSON_PrintUnformatted(params);
	int rc = delta_tx_begin(st, root, &tx, err);

	if (rc == TN_OK) {
		delta_tx_set_data_change(tx, false);
		delta_tx_set_operation(tx, op, text);
		for (size_t i = 0; i < nmetrics; i++)
			delta_tx_set_metric(tx, metric_names[i], metrics[i]);
		rc = delta_tx_commit(tx, version, err);
	}
	free(text);
	cJSON_Delete(params);
	return rc;
}

/* Find what to delete: fills res (paths, nfiles, bytes, oldest_version). */
static int vacuum_plan(struct vacuum *v, struct delta_table *t, int64_t cutoff,
		       struct delta_vacuum_result *res, size_t *ndirs)
{
	const struct delta_metadata *m = delta_snapshot_metadata(v->s);
	struct store_list l = {0};
	struct tn_hmap dirs;
	int rc = referenced(v, t, cutoff, &res->oldest_version);

	if (rc == TN_OK)
		rc = store_list(v->st, v->root, true, &l, v->err);
	tn_hmap_init(&dirs);
	for (size_t i = 0; rc == TN_OK && i < l.count; i++) {
		const struct store_entry *e = &l.entries[i];
		const char *rel = relative(v, e->path), *sl;

		if (rel == NULL || hidden_path(rel, m->partition_columns, m->n_partition_columns))
			continue;
		sl = strrchr(rel, '/');
		if (sl != NULL)
			tn_hmap_put(&dirs, rel, (size_t)(sl - rel), (void *)rel);
		if (tn_hmap_get(&v->keep, rel, strlen(rel)) || e->st.mtime_us / 1000 >= cutoff)
			continue;
		res->paths = tn_reallocarray(res->paths, res->nfiles + 1, sizeof(*res->paths));
		res->paths[res->nfiles++] = tn_strdup(e->path);
		res->bytes += (int64_t)e->st.size;
	}
	*ndirs = dirs.count + 1;
	tn_hmap_done(&dirs);
	store_list_done(&l);
	if (res->nfiles > 1)
		qsort(res->paths, res->nfiles, sizeof(*res->paths), path_cmp);
	return rc;
}

static int vacuum_retention(const char *root, const struct delta_snapshot *s,
			    const struct delta_vacuum_opts *o,
			    int64_t *conf, struct delta_vacuum_result *res, struct tn_err *err)
{
	const char *p = delta_snapshot_property(s, "delta.deletedFileRetentionDuration");
	int rc;

	*conf = DEFAULT_RETENTION_MS;
	if (p != NULL && (rc = delta_interval_parse(p, conf, err)) != TN_OK)
		return tn_err_prefix(err, "%s: delta.deletedFileRetentionDuration", root), rc;
	res->retention_ms = o->retention_ms < 0 ? *conf : o->retention_ms;
	if (res->retention_ms < *conf && !o->force)
		return tn_err_set(err, TN_EINVAL,
				  "%s: a retention of %.4g hours is shorter than the table's "
				  "(delta.deletedFileRetentionDuration, %.4g hours): readers of "
				  "older versions and writers still running could lose files they "
				  "need; force it if you are sure",
				  root, (double)res->retention_ms / 3.6e6, (double)*conf / 3.6e6);
	return TN_OK;
}

int delta_vacuum(struct store *st, const char *root, const struct delta_vacuum_opts *o,
		 struct delta_vacuum_result *res, struct tn_err *err)
{
	struct vacuum v;
	struct delta_table *t = NULL;
	int64_t conf = 0, cutoff, deleted = 0;
	size_t ndirs = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	res->start_version = res->end_version = -1;
	memset(&v, 0, sizeof(v));
	v.st = st;
	v.root = root;
	v.err = err;
	v.prefix = tn_path_join(root, "");
	{
		char *real = realpath(root, NULL);

		v.real = real ? tn_path_join(real, "") : NULL;
		free(real);
	}
	tn_hmap_init(&v.keep);
	tn_arena_init(&v.arena, 0);
	rc = delta_table_open(st, root, &t, err);
	if (rc == TN_OK)
		rc = delta_snapshot_open(t, -1, &v.s, err);
	if (rc == TN_OK)
		rc = vacuum_retention(root, v.s, o, &conf, res, err);
	cutoff = tn_time_now_us() / 1000 - res->retention_ms;
	if (rc == TN_OK)
		rc = vacuum_plan(&v, t, cutoff, res, &ndirs);
	if (rc == TN_OK && !o->dry_run) {
		static const char *const start_metrics[] = {"numFilesToDelete", "sizeOfDataToDelete"};
		static const char *const end_metrics[] = {"numDeletedFiles", "numVacuumedDirectories"};
		int64_t sm[2] = {(int64_t)res->nfiles, res->bytes}, em[2];
		cJSON *p = cJSON_CreateObject();
		int drc = TN_OK;

		cJSON_AddBoolToObject(p, "retentionCheckEnabled", !o->force);
		cJSON_AddNumberToObject(p, "defaultRetentionMillis", (double)conf);
		if (o->retention_ms >= 0)
			cJSON_AddNumberToObject(p, "specifiedRetentionMillis", (double)o->retention_ms);
		rc = log_vacuum(st, root, "VACUUM START", p, start_metrics, sm, 2, &res->start_version,
				err);
		for (size_t i = 0; rc == TN_OK && drc == TN_OK && i < res->nfiles; i++) {
			drc = store_remove(st, res->paths[i], err);
			if (drc == TN_ENOENT)
				drc = TN_OK; /* gone already: another vacuum */
			else if (drc == TN_OK)
				deleted++;
		}
		if (rc == TN_OK) {
			p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "status", drc == TN_OK ? "COMPLETED" : "FAILED");
			em[0] = deleted;
			em[1] = (int64_t)ndirs;
			rc = drc != TN_OK ? drc
					  : log_vacuum(st, root, "VACUUM END", p, end_metrics, em, 2,
						       &res->end_version, err);
			if (drc != TN_OK) /* log the failure; report the deletion's error */
				log_vacuum(st, root, "VACUUM END", p, end_metrics, em, 2,
					   &res->end_version, NULL);
		}
	}
	delta_snapshot_free(v.s);
	delta_table_close(t);
	tn_hmap_done(&v.keep);
	tn_arena_done(&v.arena);
	free(v.prefix);
	free(v.real);
	return rc;
}

void delta_vacuum_result_done(struct delta_vacuum_result *r)
{
	for (size_t i = 0; i < r->nfiles; i++)
		free(r->paths[i]);
	free(r->paths);
	r->paths = NULL;
	r->nfiles = 0;
}

/* ---- RESTORE ---- */

/* A file's identity in a snapshot: its path and deletion vector. */
static char *file_key(const struct delta_file *f)
{
	char *dv = f->has_dv ? delta_dv_unique_id(&f->dv) : NULL;
	char *k = tn_asprintf("%s\n%s", f->abs_path, dv ? dv : "");

	free(dv);
	return k;
}

static void index_files(const struct delta_snapshot *s, struct tn_hmap *m, struct tn_arena *a)
{
	for (size_t i = 0; i < s->nfiles; i++) {
		char *k = file_key(s->files[i]);
		char *ak = tn_arena_strdup(a, k);

		tn_hmap_put(m, ak, strlen(ak), s->files[i]);
		free(k);
	}
}

/* The data file and deletion vector f needs are still there. */
static int check_present(struct store *st, const char *root, int64_t version,
			 const struct delta_file *f, struct tn_err *err)
{
	struct store_stat ss;
	char *dv = NULL;
	int rc = store_stat(st, f->abs_path, &ss, err);

	if (rc == TN_OK && f->has_dv && f->dv.storage_type != 'i') {
		rc = delta_dv_file_path(root, &f->dv, &dv, err);
		if (rc == TN_OK)
			rc = store_stat(st, dv, &ss, err);
	}
	if (rc == TN_ENOENT)
		rc = tn_err_set(err, TN_ENOENT,
				"%s: cannot restore version %lld: its %s '%s' is gone (deleted by "
				"VACUUM?); nothing was committed",
				root, (long long)version, dv ? "deletion vector" : "data file",
				dv ? dv : f->path);
	free(dv);
	return rc;
}

static void set_restore_operation(struct delta_tx *tx, const struct delta_restore_opts *o,
				  const struct delta_restore_result *res)
{
	cJSON *p = cJSON_CreateObject();
	char ts[TN_TIME_BUFSZ];

	cJSON_AddNumberToObject(p, "version", (double)res->restored_version);
	if (o->version < 0)
		cJSON_AddStringToObject(p, "timestamp", tn_time_format(o->timestamp_us, true, ts));
	else
		cJSON_AddNullToObject(p, "timestamp");
	delta_tx_set_operation_params(tx, "RESTORE", p);
	delta_tx_set_metric(tx, "numRestoredFiles", res->files_restored);
	delta_tx_set_metric(tx, "removedFilesSize", res->bytes_removed);
	delta_tx_set_metric(tx, "numRemovedFiles", res->files_removed);
	delta_tx_set_metric(tx, "restoredFilesSize", res->bytes_restored);
	delta_tx_set_metric(tx, "numOfFilesAfterRestore", res->files_after);
	delta_tx_set_metric(tx, "tableSizeAfterRestore", res->bytes_after);
}

int delta_restore(struct store *st, const char *root, const struct delta_restore_opts *o,
		  struct delta_restore_result *res, struct tn_err *err)
{
	struct delta_tx *tx;
	struct delta_snapshot *cur, *target = NULL;
	struct tn_hmap now, then;
	struct tn_arena keys;
	int rc = delta_tx_begin(st, root, &tx, err);

	memset(res, 0, sizeof(*res));
	res->version = res->restored_version = -1;
	if (rc != TN_OK)
		return rc;
	cur = delta_tx_snapshot(tx);
	if (o->version >= 0)
		rc = delta_snapshot_open(delta_tx_table(tx), o->version, &target, err);
	else
		rc = delta_snapshot_open_at(delta_tx_table(tx), o->timestamp_us, &target, err);
	if (rc != TN_OK) {
		delta_tx_abort(tx);
		return rc;
	}
	res->restored_version = delta_snapshot_version(target);
	tn_hmap_init(&now);
	tn_hmap_init(&then);
	tn_arena_init(&keys, 0);
	index_files(cur, &now, &keys);
	index_files(target, &then, &keys);
	rc = delta_tx_read(tx, NULL, err);
	if (rc == TN_OK)
		rc = delta_tx_restore_metadata(tx, target, err);
	for (size_t i = 0; rc == TN_OK && i < target->nfiles; i++) {
		const struct delta_file *f = target->files[i];
		char *k = file_key(f);

		res->files_after++;
		res->bytes_after += f->size;
		if (tn_hmap_get(&now, k, strlen(k)) == NULL) {
			rc = check_present(st, root, res->restored_version, f, err);
			if (rc == TN_OK)
				rc = delta_tx_add_file(tx, f, err);
			res->files_restored++;
			res->bytes_restored += f->size;
		}
		free(k);
	}
	for (size_t i = 0; rc == TN_OK && i < cur->nfiles; i++) {
		const struct delta_file *f = cur->files[i];
		char *k = file_key(f);

		if (tn_hmap_get(&then, k, strlen(k)) == NULL) {
			rc = delta_tx_remove(tx, f, err);
			res->files_removed++;
			res->bytes_removed += f->size;
		}
		free(k);
	}
	tn_hmap_done(&now);
	tn_hmap_done(&then);
	tn_arena_done(&keys);
	delta_snapshot_free(target);
	if (rc != TN_OK) {
		delta_tx_abort(tx);
		return rc;
	}
	set_restore_operation(tx, o, res);
	return delta_tx_commit(tx, &res->version, err);
}
