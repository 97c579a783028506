/* writer.c - writing Parquet files: the schema in Parquet terms, batches cut
 * into row groups, column chunks written in order, and the footer. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "config.h"
#include "parquet/parquet.h"
#include "parquet/parquet_int.h"

#define DEFAULT_ROW_GROUP_ROWS	((size_t)1 << 20)
#define DEFAULT_ROW_GROUP_BYTES ((size_t)128 << 20)
#define DEFAULT_PAGE_BYTES	((size_t)1 << 20)
#define DEFAULT_DICT_MAX_BYTES	((size_t)1 << 20)
#define MAX_DICT_MAX_BYTES	((size_t)1 << 30)
/* Rows shredded at a time: bounds working memory, and lets a row group
 * end near row_group_bytes even when batches are big. */
#define SLICE_ROWS 65536

/* A leaf column: where it is in the schema, and its chunk writer. */
struct wleaf {
	const char **path; /* path_in_schema: names borrowed from the schema or static */
	size_t npath;
	struct pq_cw *cw;
};

struct pq_writer {
	struct store_writer *sw;
	const struct tn_schema *schema; /* borrowed */
	struct pq_write_opts opts;
	struct pq_wctx ctx;
	struct tn_arena meta;	 /* the footer's structs */
	struct tn_arena scratch; /* shredding, per slice */
	/* schema elements, depth first */
	struct pq_schema_elem *elems;
	size_t nelems, elems_cap;
	struct pq_wcol *cols; /* one plan per top-level column */
	struct wleaf *leaves;
	size_t nleaves, leaves_cap;
	struct pq_key_value *kv;
	size_t nkv;
	/* row groups written */
	struct pq_row_group *rgs;
	size_t nrgs, rgs_cap;
	size_t rg_rows; /* rows in the row group being built */
	int64_t rows;	/* rows taken so far */
	uint64_t pos;	/* bytes written to the file */
	/* set after a failed write: the writer can only fail from then on */
	bool broken;
	struct tn_err broken_err;
};

void pq_write_opts_init(struct pq_write_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->codec = PQ_CODEC_ZSTD;
	o->level = PQ_LEVEL_DEFAULT;
	o->row_group_rows = DEFAULT_ROW_GROUP_ROWS;
	o->row_group_bytes = DEFAULT_ROW_GROUP_BYTES;
	o->page_bytes = DEFAULT_PAGE_BYTES;
	o->dictionary = true;
	o->dict_max_bytes = DEFAULT_DICT_MAX_BYTES;
	o->page_crc = true;
}

/* ------------------------------------------------------------------ schema */

struct build {
	struct pq_writer *w;
	const char *names[PQ_MAX_LEVEL + 2]; /* the path from the root */
	size_t depth;
	struct tn_err *err;
};

static struct pq_schema_elem *new_elem(struct pq_writer *w, const char *name)
{
	struct pq_schema_elem *e;

	if (w->nelems == w->elems_cap) {
		w->elems_cap = w->elems_cap ? w->elems_cap * 2 : 16;
		w->elems = tn_reallocarray(w->elems, w->elems_cap, sizeof(*w->elems));
	}
	e = &w->elems[w->nelems++];
	memset(e, 0, sizeof(*e));
	e->name = name;
	return e;
}

static void set_rep(struct pq_schema_elem *e, int rep)
{
	e->has_repetition_type = true;
	e->repetition_type = rep;
}

static void set_group(struct pq_schema_elem *e, size_t n)
{
	e->has_num_children = true;
	e->num_children = (int32_t)n;
}

static void set_ct(struct pq_schema_elem *e, int ct)
{
	e->has_converted_type = true;
	e->converted_type = ct;
}

static struct pq_logical_type *set_lt(struct pq_schema_elem *e, int kind)
{
	e->has_logical_type = true;
	memset(&e->logical_type, 0, sizeof(e->logical_type));
	e->logical_type.kind = kind;
	return &e->logical_type;
}

static void set_integer(struct pq_schema_elem *e, int bits, bool sign, int ct)
{
	struct pq_logical_type *lt = set_lt(e, PQ_LT_INTEGER);

	lt->bit_width = (int8_t)bits;
	lt->is_signed = sign;
	set_ct(e, ct);
}

static int32_t pq_unit(int unit)
{
	return unit == TN_UNIT_MILLIS  ? PQ_UNIT_MILLIS
	       : unit == TN_UNIT_NANOS ? PQ_UNIT_NANOS
				       : PQ_UNIT_MICROS;
}

/* Bytes of a FIXED_LEN_BYTE_ARRAY that hold every unscaled decimal of
 * precision p: the fewest whose signed range reaches 10^p - 1. */
static int decimal_bytes(int p)
{
	__int128 limit = 1, max;

	for (int i = 0; i < p; i++)
		limit *= 10;
	for (int n = 1; n < 16; n++) {
		max = ((__int128)1 << (8 * n - 1)) - 1;
		if (max >= limit - 1)
			return n;
	}
	return 16;
}

/* The physical and logical types of a primitive column. */
static int leaf_elem(struct pq_schema_elem *e, const struct tn_type *t, const char *path,
		     struct tn_err *err)
{
	struct pq_logical_type *lt;

	e->has_type = true;
	switch (t->kind) {
	case TN_BOOL:
		e->type = PQ_BOOLEAN;
		break;
	case TN_INT8:
		e->type = PQ_INT32;
		set_integer(e, 8, true, PQ_CT_INT_8);
		break;
	case TN_INT16:
		e->type = PQ_INT32;
		set_integer(e, 16, true, PQ_CT_INT_16);
		break;
	case TN_INT32:
		e->type = PQ_INT32;
		break;
	case TN_INT64:
		e->type = PQ_INT64;
		break;
	case TN_UINT8:
		e->type = PQ_INT32;
		set_integer(e, 8, false, PQ_CT_UINT_8);
		break;
	case TN_UINT16:
		e->type = PQ_INT32;
		set_integer(e, 16, false, PQ_CT_UINT_16);
		break;
	case TN_UINT32:
		e->type = PQ_INT32;
		set_integer(e, 32, false, PQ_CT_UINT_32);
		break;
	case TN_UINT64:
		e->type = PQ_INT64;
		set_integer(e, 64, false, PQ_CT_UINT_64);
		break;
	case TN_FLOAT:
		e->type = PQ_FLOAT;
		break;
	case TN_DOUBLE:
		e->type = PQ_DOUBLE;
		break;
	case TN_DECIMAL:
		if (t->precision < 1 || t->precision > 38 || t->scale > t->precision)
			return tn_err_set(err, TN_EINVAL,
					  "column '%s': decimal(%d,%d) is not valid", path,
					  t->precision, t->scale);
		if (t->precision <= 9) {
			e->type = PQ_INT32;
		} else if (t->precision <= 18) {
			e->type = PQ_INT64;
		} else {
			e->type = PQ_FIXED_LEN_BYTE_ARRAY;
			e->has_type_length = true;
			e->type_length = decimal_bytes(t->precision);
		}
		lt = set_lt(e, PQ_LT_DECIMAL);
		lt->precision = t->precision;
		lt->scale = t->scale;
		set_ct(e, PQ_CT_DECIMAL);
		e->has_precision = e->has_scale = true;
		e->precision = t->precision;
		e->scale = t->scale;
		break;
	case TN_STRING:
		e->type = PQ_BYTE_ARRAY;
		set_lt(e, t->json ? PQ_LT_JSON : PQ_LT_STRING);
		set_ct(e, t->json ? PQ_CT_JSON : PQ_CT_UTF8);
		break;
	case TN_BINARY:
		e->type = PQ_BYTE_ARRAY;
		break;
	case TN_UUID:
		e->type = PQ_FIXED_LEN_BYTE_ARRAY;
		e->has_type_length = true;
		e->type_length = 16;
		set_lt(e, PQ_LT_UUID);
		break;
	case TN_DATE:
		e->type = PQ_INT32;
		set_lt(e, PQ_LT_DATE);
		set_ct(e, PQ_CT_DATE);
		break;
	case TN_TIME:
		if (t->unit > TN_UNIT_NANOS)
			return tn_err_set(err, TN_EINVAL, "column '%s': time unit %d", path,
					  t->unit);
		/* The converted types TIME_MILLIS and TIME_MICROS mean adjusted
		 * to UTC; a time of day here is not. */
		e->type = t->unit == TN_UNIT_MILLIS ? PQ_INT32 : PQ_INT64;
		lt = set_lt(e, PQ_LT_TIME);
		lt->unit = pq_unit(t->unit);
		lt->is_adjusted_to_utc = false;
		break;
	case TN_TIMESTAMP:
		if (t->unit > TN_UNIT_NANOS)
			return tn_err_set(err, TN_EINVAL, "column '%s': timestamp unit %d", path,
					  t->unit);
		e->type = PQ_INT64;
		lt = set_lt(e, PQ_LT_TIMESTAMP);
		lt->unit = pq_unit(t->unit);
		lt->is_adjusted_to_utc = t->utc;
		if (t->utc && t->unit != TN_UNIT_NANOS)
			set_ct(e, t->unit == TN_UNIT_MILLIS ? PQ_CT_TIMESTAMP_MILLIS
							    : PQ_CT_TIMESTAMP_MICROS);
		break;
	default:
		return tn_err_set(err, TN_EINVAL, "column '%s': unknown type kind %d", path,
				  t->kind);
	}
	return TN_OK;
}

static char *join_path(const char *parent, const char *name)
{
	return parent ? tn_asprintf("%s.%s", parent, name) : tn_strdup(name);
}

/* Add the schema elements of field f (named name: the field's own name or
 * "element", "key", "value") and plan col for it. def and rep are the
 * levels of the parent. */
static int add_field(struct build *b, const struct tn_field *f, const char *name, bool map_key,
		     struct pq_wcol *col, int def, int rep, const char *parent_path)
{
	struct pq_writer *w = b->w;
	const struct tn_type *t = &f->type;
	size_t ei = w->nelems;
	struct pq_schema_elem *e;
	int rc = TN_OK;

	memset(col, 0, sizeof(*col));
	col->leaf = -1;
	if (name == NULL || *name == '\0')
		return tn_err_set(b->err, TN_EINVAL, "a column or field in '%s' has no name",
				  parent_path ? parent_path : "the schema");
	e = new_elem(w, name);
	col->type = t;
	col->path = join_path(parent_path, name);
	col->map_key = map_key;
	col->nullable = f->nullable && !map_key;
	col->def = def + col->nullable;
	set_rep(e, col->nullable ? PQ_OPTIONAL : PQ_REQUIRED);
	if (f->has_field_id) {
		e->has_field_id = true;
		e->field_id = f->field_id;
	}
	if (col->def + 2 > PQ_MAX_LEVEL || b->depth + 3 > PQ_MAX_LEVEL)
		return tn_err_set(b->err, TN_EUNSUPPORTED,
				  "column '%s' is nested deeper than %d levels", col->path,
				  PQ_MAX_LEVEL);
	b->names[b->depth++] = name;
	switch (t->kind) {
	case TN_STRUCT:
		if (t->nfields == 0 || t->fields == NULL) {
			rc = tn_err_set(b->err, TN_EINVAL,
					"column '%s': a struct without fields cannot be written",
					col->path);
			break;
		}
		for (size_t i = 0; rc == TN_OK && i < t->nfields; i++)
			for (size_t j = 0; rc == TN_OK && j < i; j++)
				if (t->fields[i].name && t->fields[j].name &&
				    strcmp(t->fields[i].name, t->fields[j].name) == 0)
					rc = tn_err_set(b->err, TN_EINVAL,
							"column '%s': two fields are named '%s'",
							col->path, t->fields[i].name);
		if (rc != TN_OK)
			break;
		col->role = PQ_COL_STRUCT;
		col->nchildren = t->nfields;
		col->children = tn_calloc(t->nfields, sizeof(*col->children));
		set_group(e, t->nfields);
		for (size_t i = 0; rc == TN_OK && i < t->nfields; i++)
			rc = add_field(b, &t->fields[i], t->fields[i].name, false,
				       &col->children[i], col->def, rep, col->path);
		break;
	case TN_LIST:
	case TN_MAP: {
		bool map = t->kind == TN_MAP;
		size_t want = map ? 2 : 1;
		struct pq_schema_elem *g;
		char *gpath;

		if (t->nfields != want || t->fields == NULL) {
			rc = tn_err_set(b->err, TN_EINVAL,
					"column '%s': a %s needs %zu field%s, not %zu", col->path,
					map ? "map" : "list", want, map ? "s" : "", t->nfields);
			break;
		}
		col->role = map ? PQ_COL_MAP : PQ_COL_LIST;
		col->elem_rep = rep + 1;
		col->nchildren = want;
		col->children = tn_calloc(want, sizeof(*col->children));
		set_group(e, 1);
		set_lt(e, map ? PQ_LT_MAP : PQ_LT_LIST);
		set_ct(e, map ? PQ_CT_MAP : PQ_CT_LIST);
		/* LogicalTypes.md: <rep> group name (LIST) { repeated group list {
		 * <rep> element } }, and for maps a repeated key_value group with
		 * a required key and a value. */
		g = new_elem(w, map ? "key_value" : "list");
		set_rep(g, PQ_REPEATED);
		set_group(g, want);
		b->names[b->depth++] = g->name;
		gpath = join_path(col->path, g->name);
		rc = add_field(b, &t->fields[0], map ? "key" : "element", map, &col->children[0],
			       col->def + 1, col->elem_rep, gpath);
		if (rc == TN_OK && map)
			rc = add_field(b, &t->fields[1], "value", false, &col->children[1],
				       col->def + 1, col->elem_rep, gpath);
		free(gpath);
		b->depth--;
		break;
	}
	default: {
		struct wleaf *l;

		/* new_elem may have moved the array */
		rc = leaf_elem(&w->elems[ei], t, col->path, b->err);
		if (rc != TN_OK)
			break;
		col->role = PQ_COL_PRIMITIVE;
		if (w->nleaves == w->leaves_cap) {
			w->leaves_cap = w->leaves_cap ? w->leaves_cap * 2 : 16;
			w->leaves = tn_reallocarray(w->leaves, w->leaves_cap, sizeof(*w->leaves));
		}
		col->leaf = (int)w->nleaves;
		l = &w->leaves[w->nleaves++];
		memset(l, 0, sizeof(*l));
		l->npath = b->depth;
		l->path = tn_arena_alloc(&w->meta, b->depth * sizeof(char *));
		memcpy(l->path, b->names, b->depth * sizeof(char *));
		l->cw = pq_cw_new(t, w->elems[ei].type,
				  w->elems[ei].has_type_length ? w->elems[ei].type_length : 0,
				  col->def, rep, col->path, &w->ctx);
		break;
	}
	}
	b->depth--;
	return rc;
}

static void free_wcol(struct pq_wcol *c)
{
	for (size_t i = 0; i < c->nchildren; i++)
		free_wcol(&c->children[i]);
	free(c->children);
	free(c->path);
}

static int build_schema(struct pq_writer *w, struct tn_err *err)
{
	struct build b;
	struct pq_schema_elem *root;
	int rc = TN_OK;

	memset(&b, 0, sizeof(b));
	b.w = w;
	b.err = err;
	if (w->schema->ncols == 0)
		return tn_err_set(err, TN_EINVAL, "a Parquet file needs at least one column");
	root = new_elem(w, "schema");
	set_group(root, w->schema->ncols);
	w->cols = tn_calloc(w->schema->ncols, sizeof(*w->cols));
	for (size_t i = 0; rc == TN_OK && i < w->schema->ncols; i++) {
		const struct tn_field *f = &w->schema->cols[i];

		for (size_t j = 0; rc == TN_OK && j < i; j++)
			if (f->name && w->schema->cols[j].name &&
			    strcmp(f->name, w->schema->cols[j].name) == 0)
				rc = tn_err_set(err, TN_EINVAL, "two columns are named '%s'",
						f->name);
		if (rc == TN_OK)
			rc = add_field(&b, f, f->name, false, &w->cols[i], 0, 0, NULL);
	}
	return rc;
}

/* ------------------------------------------------------------------ writing */

static int check_opts(const struct pq_write_opts *o, struct tn_err *err)
{
	static const uint8_t probe[1];
	struct tn_buf b = TN_BUF_INIT;
	int rc;

	switch (o->codec) {
	case PQ_CODEC_UNCOMPRESSED:
	case PQ_CODEC_SNAPPY:
	case PQ_CODEC_GZIP:
	case PQ_CODEC_ZSTD:
	case PQ_CODEC_LZ4_RAW:
		break;
	case PQ_CODEC_LZO:
	case PQ_CODEC_BROTLI:
	case PQ_CODEC_LZ4:
		return tn_err_set(err, TN_EUNSUPPORTED, "tarn cannot write the %s codec",
				  pq_codec_name(o->codec));
	default:
		return tn_err_set(err, TN_EINVAL, "unknown compression codec %d", o->codec);
	}
	/* The level is checked by compressing a byte. */
	rc = pq_compress(o->codec, o->level, probe, 1, &b, err);
	tn_buf_done(&b);
	if (rc != TN_OK)
		return rc;
	for (size_t i = 0; i < o->nkv; i++)
		if (o->kv[i].key == NULL)
			return tn_err_set(err, TN_EINVAL, "key-value metadata %zu has no key", i);
	return TN_OK;
}

static void free_writer(struct pq_writer *w)
{
	if (w->cols)
		for (size_t i = 0; i < w->schema->ncols; i++)
			free_wcol(&w->cols[i]);
	free(w->cols);
	for (size_t i = 0; i < w->nleaves; i++)
		pq_cw_free(w->leaves[i].cw);
	free(w->leaves);
	free(w->elems);
	free(w->rgs);
	pq_wctx_done(&w->ctx);
	tn_arena_done(&w->meta);
	tn_arena_done(&w->scratch);
	free(w);
}

int pq_writer_open(struct store *st, const char *path, const struct tn_schema *schema,
		   const struct pq_write_opts *opts, struct pq_writer **out, struct tn_err *err)
{
	struct pq_writer *w;
	int rc;

	*out = NULL;
	w = tn_calloc(1, sizeof(*w));
	if (opts != NULL)
		w->opts = *opts;
	else
		pq_write_opts_init(&w->opts);
	if (w->opts.row_group_rows == 0)
		w->opts.row_group_rows = DEFAULT_ROW_GROUP_ROWS;
	if (w->opts.row_group_bytes == 0)
		w->opts.row_group_bytes = DEFAULT_ROW_GROUP_BYTES;
	if (w->opts.page_bytes == 0)
		w->opts.page_bytes = DEFAULT_PAGE_BYTES;
	if (w->opts.dict_max_bytes == 0)
		w->opts.dict_max_bytes = DEFAULT_DICT_MAX_BYTES;
	if (w->opts.dict_max_bytes > MAX_DICT_MAX_BYTES)
		w->opts.dict_max_bytes = MAX_DICT_MAX_BYTES;
	w->schema = schema;
	pq_wctx_init(&w->ctx, &w->opts);
	tn_arena_init(&w->meta, 0);
	tn_arena_init(&w->scratch, 0);
	rc = check_opts(&w->opts, err);
	if (rc == TN_OK)
		rc = build_schema(w, err);
	if (rc == TN_OK) {
		w->nkv = w->opts.nkv;
		w->kv = tn_arena_calloc(&w->meta, w->nkv ? w->nkv : 1, sizeof(*w->kv));
		for (size_t i = 0; i < w->nkv; i++) {
			const struct pq_key_value *kv = &w->opts.kv[i];

			w->kv[i].key = tn_arena_strdup(&w->meta, kv->key);
			if (kv->value != NULL) {
				w->kv[i].value =
					tn_arena_strndup(&w->meta, kv->value, kv->value_len);
				w->kv[i].value_len = kv->value_len;
			}
		}
		w->opts.kv = NULL;
		rc = store_writer_open(st, path, &w->sw, err);
	}
	if (rc == TN_OK)
		rc = store_writer_write(w->sw, "PAR1", 4, err);
	if (rc != TN_OK) {
		tn_err_prefix(err, "%s", path);
		store_writer_abort(w->sw);
		free_writer(w);
		return rc;
	}
	w->pos = 4;
	*out = w;
	return TN_OK;
}

static bool type_equal(const struct tn_type *a, const struct tn_type *b);

static bool field_equal(const struct tn_field *a, const struct tn_field *b)
{
	return a->nullable == b->nullable && a->name && b->name && strcmp(a->name, b->name) == 0 &&
	       type_equal(&a->type, &b->type);
}

static bool type_equal(const struct tn_type *a, const struct tn_type *b)
{
	if (a == b)
		return true;
	if (a->kind != b->kind || a->nfields != b->nfields)
		return false;
	switch (a->kind) {
	case TN_DECIMAL:
		return a->precision == b->precision && a->scale == b->scale;
	case TN_TIME:
		return a->unit == b->unit;
	case TN_TIMESTAMP:
		return a->unit == b->unit && a->utc == b->utc;
	case TN_STRING:
		return a->json == b->json;
	case TN_STRUCT:
	case TN_LIST:
	case TN_MAP:
		for (size_t i = 0; i < a->nfields; i++)
			if (!field_equal(&a->fields[i], &b->fields[i]))
				return false;
		return true;
	default:
		return true;
	}
}

static bool schema_equal(const struct tn_schema *a, const struct tn_schema *b)
{
	if (a == b)
		return true;
	if (a->ncols != b->ncols)
		return false;
	for (size_t i = 0; i < a->ncols; i++)
		if (!field_equal(&a->cols[i], &b->cols[i]))
			return false;
	return true;
}

static int sink(void *ctx, const struct pq_wcol *leaf, const struct tn_vec *v,
		const struct pq_slots *s, struct tn_err *err)
{
	struct pq_writer *w = ctx;

	return pq_cw_append(w->leaves[leaf->leaf].cw, &w->ctx, v, s, err);
}

static int flush_row_group(struct pq_writer *w, struct tn_err *err)
{
	struct pq_row_group *rg;
	struct pq_column_chunk *cols;
	int64_t total = 0, comp = 0;
	uint64_t start = w->pos;
	int rc = TN_OK;

	if (w->rg_rows == 0)
		return TN_OK;
	cols = tn_arena_calloc(&w->meta, w->nleaves, sizeof(*cols));
	for (size_t i = 0; rc == TN_OK && i < w->nleaves; i++) {
		rc = pq_cw_flush(w->leaves[i].cw, &w->ctx, w->sw, &w->pos, &cols[i], &w->meta, err);
		cols[i].meta_data.path_in_schema = w->leaves[i].path;
		cols[i].meta_data.n_path_in_schema = w->leaves[i].npath;
		total += cols[i].meta_data.total_uncompressed_size;
		comp += cols[i].meta_data.total_compressed_size;
	}
	if (rc != TN_OK)
		return rc;
	if (w->nrgs == w->rgs_cap) {
		w->rgs_cap = w->rgs_cap ? w->rgs_cap * 2 : 8;
		w->rgs = tn_reallocarray(w->rgs, w->rgs_cap, sizeof(*w->rgs));
	}
	rg = &w->rgs[w->nrgs];
	memset(rg, 0, sizeof(*rg));
	rg->columns = cols;
	rg->n_columns = w->nleaves;
	rg->num_rows = (int64_t)w->rg_rows;
	rg->total_byte_size = total;
	rg->has_total_compressed_size = true;
	rg->total_compressed_size = comp;
	rg->has_file_offset = true;
	rg->file_offset = (int64_t)start;
	if (w->nrgs <= INT16_MAX) {
		rg->has_ordinal = true;
		rg->ordinal = (int16_t)w->nrgs;
	}
	w->nrgs++;
	w->rg_rows = 0;
	return TN_OK;
}

static size_t buffered(const struct pq_writer *w)
{
	size_t n = 0;

	for (size_t i = 0; i < w->nleaves; i++)
		n += pq_cw_buffered(w->leaves[i].cw);
	return n;
}

static int broken(struct pq_writer *w, int rc, struct tn_err *err)
{
	w->broken = true;
	if (err != NULL)
		w->broken_err = *err;
	else
		tn_err_set(&w->broken_err, rc, "an earlier write failed");
	w->broken_err.code = rc;
	return rc;
}

int pq_writer_write(struct pq_writer *w, const struct tn_batch *b, struct tn_err *err)
{
	size_t r = 0;
	int rc = TN_OK;

	if (w->broken) {
		if (err != NULL)
			*err = w->broken_err;
		return w->broken_err.code;
	}
	if (b->schema != w->schema && !schema_equal(b->schema, w->schema))
		return tn_err_set(err, TN_EINVAL, "%s: the batch's schema is not the writer's",
				  w->sw->path);
	while (r < b->nrows) {
		size_t take = b->nrows - r, room = w->opts.row_group_rows - w->rg_rows;

		if (take > room)
			take = room;
		if (take > SLICE_ROWS)
			take = SLICE_ROWS;
		for (size_t i = 0; rc == TN_OK && i < w->schema->ncols; i++) {
			tn_arena_reset(&w->scratch);
			rc = pq_shred(&w->cols[i], &b->cols[i], r, take, (size_t)w->rows + r,
				      &w->scratch, sink, w, err);
		}
		if (rc != TN_OK)
			break;
		w->rg_rows += take;
		r += take;
		if (w->rg_rows >= w->opts.row_group_rows || buffered(w) >= w->opts.row_group_bytes)
			rc = flush_row_group(w, err);
		if (rc != TN_OK)
			break;
	}
	w->rows += (int64_t)r;
	if (rc != TN_OK) {
		tn_err_prefix(err, "%s", w->sw->path);
		return broken(w, rc, err);
	}
	return TN_OK;
}

static int write_footer(struct pq_writer *w, struct tn_err *err)
{
	struct pq_file_meta m;
	struct tn_buf b = TN_BUF_INIT;
	uint32_t len;
	int rc;

	memset(&m, 0, sizeof(m));
	m.version = 2;
	m.schema = w->elems;
	m.n_schema = w->nelems;
	m.num_rows = w->rows;
	m.row_groups = w->rgs;
	m.n_row_groups = w->nrgs;
	if (w->nkv > 0) {
		m.has_key_value_metadata = true;
		m.key_value_metadata = w->kv;
		m.n_key_value_metadata = w->nkv;
	}
	m.created_by = "tarn version " PACKAGE_VERSION;
	m.has_column_orders = true;
	m.column_orders = tn_arena_calloc(&w->meta, w->nleaves, sizeof(*m.column_orders));
	m.n_column_orders = w->nleaves;
	for (size_t i = 0; i < w->nleaves; i++)
		m.column_orders[i].kind = PQ_ORDER_TYPE;
	rc = pq_file_meta_encode(&m, &b, err);
	if (rc == TN_OK && b.len > UINT32_MAX)
		rc = tn_err_set(err, TN_ETOOBIG, "the footer is over 4 GiB");
	if (rc == TN_OK) {
		len = (uint32_t)b.len;
		rc = tn_buf_append(&b, &len, 4, err);
	}
	if (rc == TN_OK)
		rc = tn_buf_append(&b, "PAR1", 4, err);
	if (rc == TN_OK)
		rc = store_writer_write(w->sw, b.data, b.len, err);
	if (rc == TN_OK)
		w->pos += b.len;
	tn_buf_done(&b);
	return rc;
}

int pq_writer_close(struct pq_writer *w, struct pq_write_result *res, struct tn_err *err)
{
	char *path;
	int rc;

	if (w->broken) {
		if (err != NULL)
			*err = w->broken_err;
		rc = w->broken_err.code;
		pq_writer_abort(w);
		return rc;
	}
	path = tn_strdup(w->sw->path);
	rc = flush_row_group(w, err);
	if (rc == TN_OK)
		rc = write_footer(w, err);
	if (rc == TN_OK) {
		struct store_writer *sw = w->sw;

		w->sw = NULL;
		rc = store_writer_commit(sw, false, err);
	}
	if (rc == TN_OK && res != NULL) {
		res->file_size = w->pos;
		res->num_rows = w->rows;
		res->num_row_groups = w->nrgs;
	}
	if (rc != TN_OK)
		tn_err_prefix(err, "%s", path);
	free(path);
	store_writer_abort(w->sw);
	free_writer(w);
	return rc;
}

void pq_writer_abort(struct pq_writer *w)
{
	if (w == NULL)
		return;
	store_writer_abort(w->sw);
	free_writer(w);
}
