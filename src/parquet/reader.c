/* reader.c - opening a Parquet file, checking its footer, and streaming
 * row groups as batches. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/valfmt.h"
#include "parquet/parquet.h"
#include "parquet/parquet_int.h"

#define DEFAULT_BATCH_ROWS 4096

struct pq_reader {
	struct store_file *file;
	char *path;
	struct pq_read_opts opts;
	struct tn_arena meta_arena;
	struct pq_file_meta meta;
	struct pq_schema schema;
	bool *need_leaf;          /* leaves below the projected columns */
	bool *keep_rg;
	size_t next_rg;           /* the row group after the current one */
	size_t rg;                /* the current row group */
	int64_t rg_rows_left;
	bool rg_open;
	struct pq_chunk *chunks;  /* one per leaf; open for needed leaves */
	struct pq_leaf_batch *lbs;
};

void pq_read_opts_init(struct pq_read_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->verify_crc = true;
	o->batch_rows = DEFAULT_BATCH_ROWS;
}

static void mark_leaves(const struct pq_col *c, bool *need)
{
	if (c->role == PQ_COL_PRIMITIVE)
		need[c->leaf] = true;
	for (size_t i = 0; i < c->nchildren; i++)
		mark_leaves(&c->children[i], need);
}

static int read_footer(struct pq_reader *r, struct tn_err *err)
{
	uint64_t size = r->file->size;
	uint8_t tail[8], head[4];
	uint32_t flen;
	uint8_t *buf;
	int rc;

	if (size < 12)
		return tn_err_set(err, TN_ECORRUPT, "%s: not a Parquet file (only %llu bytes)", r->path,
				  (unsigned long long)size);
	rc = store_file_pread(r->file, 0, head, 4, err);
	if (rc == TN_OK)
		rc = store_file_pread(r->file, size - 8, tail, 8, err);
	if (rc != TN_OK)
		return rc;
	if (memcmp(tail + 4, "PARE", 4) == 0 || memcmp(head, "PARE", 4) == 0)
		return tn_err_set(err, TN_EUNSUPPORTED,
				  "%s: encrypted Parquet file (encrypted footer): encryption is not "
				  "supported",
				  r->path);
	if (memcmp(head, "PAR1", 4) != 0 || memcmp(tail + 4, "PAR1", 4) != 0)
		return tn_err_set(err, TN_ECORRUPT,
				  "%s: not a Parquet file (no PAR1 magic at the start and end)", r->path);
	flen = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 |
	       (uint32_t)tail[3] << 24;
	if (flen == 0 || flen > size - 12 || flen > PQ_MAX_FOOTER)
		return tn_err_set(err, TN_ECORRUPT,
				  "%s: footer length %u does not fit in a file of %llu bytes", r->path,
				  flen, (unsigned long long)size);
	buf = tn_malloc(flen);
	rc = store_file_pread(r->file, size - 8 - flen, buf, flen, err);
	if (rc == TN_OK) {
		rc = pq_file_meta_decode(buf, flen, &r->meta_arena, &r->meta, err);
		if (rc != TN_OK)
			tn_err_prefix(err, "%s: footer", r->path);
	}
	free(buf);
	if (rc != TN_OK)
		return rc;
	if (pq_file_meta_is_encrypted(&r->meta))
		return tn_err_set(err, TN_EUNSUPPORTED,
				  "%s: encrypted Parquet file (encrypted columns): encryption is not "
				  "supported",
				  r->path);
	return TN_OK;
}

static int check_row_groups(struct pq_reader *r, struct tn_err *err)
{
	for (size_t i = 0; i < r->meta.n_row_groups; i++) {
		const struct pq_row_group *g = &r->meta.row_groups[i];

		if (g->num_rows < 0)
			return tn_err_set(err, TN_ECORRUPT, "%s: row group %zu has %lld rows", r->path, i,
					  (long long)g->num_rows);
		if (g->n_columns != r->schema.nleaves)
			return tn_err_set(err, TN_ECORRUPT,
					  "%s: row group %zu has %zu column chunks; the schema has %zu "
					  "columns",
					  r->path, i, g->n_columns, r->schema.nleaves);
	}
	return TN_OK;
}

int pq_reader_open(struct store *st, const char *path, const struct pq_read_opts *opts,
		   struct pq_reader **out, struct tn_err *err)
{
	struct pq_reader *r = tn_calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (opts != NULL)
		r->opts = *opts;
	else
		pq_read_opts_init(&r->opts);
	if (r->opts.batch_rows == 0)
		r->opts.batch_rows = DEFAULT_BATCH_ROWS;
	r->path = tn_strdup(path);
	tn_arena_init(&r->meta_arena, 0);
	rc = store_file_open(st, path, &r->file, err);
	if (rc == TN_OK)
		rc = read_footer(r, err);
	if (rc == TN_OK) {
		rc = pq_schema_build(&r->schema, &r->meta, r->opts.columns,
				     r->opts.columns ? r->opts.ncolumns : 0, err);
		if (rc != TN_OK)
			tn_err_prefix(err, "%s", path);
	}
	if (rc == TN_OK)
		rc = check_row_groups(r, err);
	if (rc != TN_OK) {
		pq_reader_close(r);
		return rc;
	}
	r->opts.columns = NULL; /* borrowed only during open */
	r->need_leaf = tn_calloc(r->schema.nleaves + 1, sizeof(bool));
	for (size_t i = 0; i < r->schema.out.ncols; i++)
		mark_leaves(&r->schema.cols[i], r->need_leaf);
	r->keep_rg = tn_calloc(r->meta.n_row_groups + 1, sizeof(bool));
	for (size_t i = 0; i < r->meta.n_row_groups; i++)
		r->keep_rg[i] = true;
	r->chunks = tn_calloc(r->schema.nleaves + 1, sizeof(*r->chunks));
	r->lbs = tn_calloc(r->schema.nleaves + 1, sizeof(*r->lbs));
	*out = r;
	return TN_OK;
}

int pq_reader_project(struct pq_reader *r, const char *const *columns, size_t ncolumns,
		      struct tn_err *err)
{
	struct pq_schema fresh;
	int rc;

	if (r->rg_open || r->next_rg != 0)
		return tn_err_set(err, TN_EINVAL, "%s: projection after reading began", r->path);
	rc = pq_schema_build(&fresh, &r->meta, columns, columns ? ncolumns : 0, err);
	if (rc != TN_OK) {
		pq_schema_done(&fresh);
		tn_err_prefix(err, "%s", r->path);
		return rc;
	}
	pq_schema_done(&r->schema);
	r->schema = fresh;
	memset(r->need_leaf, 0, (r->schema.nleaves + 1) * sizeof(bool));
	for (size_t i = 0; i < r->schema.out.ncols; i++)
		mark_leaves(&r->schema.cols[i], r->need_leaf);
	return TN_OK;
}

static void close_row_group(struct pq_reader *r)
{
	if (!r->rg_open)
		return;
	for (size_t i = 0; i < r->schema.nleaves; i++)
		if (r->need_leaf[i])
			pq_chunk_done(&r->chunks[i]);
	r->rg_open = false;
}

void pq_reader_close(struct pq_reader *r)
{
	if (r == NULL)
		return;
	close_row_group(r);
	free(r->chunks);
	free(r->lbs);
	free(r->need_leaf);
	free(r->keep_rg);
	pq_schema_done(&r->schema);
	tn_arena_done(&r->meta_arena);
	store_file_close(r->file);
	free(r->path);
	free(r);
}

const struct tn_schema *pq_reader_schema(const struct pq_reader *r)
{
	return &r->schema.out;
}

const struct pq_file_meta *pq_reader_meta(const struct pq_reader *r)
{
	return &r->meta;
}

int64_t pq_reader_num_rows(const struct pq_reader *r)
{
	return r->meta.num_rows;
}

size_t pq_reader_num_leaves(const struct pq_reader *r)
{
	return r->schema.nleaves;
}

const char *pq_reader_leaf_path(const struct pq_reader *r, size_t leaf)
{
	return leaf < r->schema.nleaves ? r->schema.leaves[leaf].path : NULL;
}

int pq_reader_select_row_groups(struct pq_reader *r, const bool *keep, size_t nrg,
				struct tn_err *err)
{
	if (nrg != r->meta.n_row_groups)
		return tn_err_set(err, TN_EINVAL, "%s: %zu row-group flags for %zu row groups", r->path,
				  nrg, r->meta.n_row_groups);
	memcpy(r->keep_rg, keep, nrg * sizeof(bool));
	return TN_OK;
}

static int open_row_group(struct pq_reader *r, size_t rg, struct tn_err *err)
{
	const struct pq_row_group *g = &r->meta.row_groups[rg];
	int rc = TN_OK;
	size_t i;

	for (i = 0; rc == TN_OK && i < r->schema.nleaves; i++)
		if (r->need_leaf[i])
			rc = pq_chunk_open(&r->chunks[i], &r->schema.leaves[i], r->file, r->path,
					   &g->columns[i], rg, r->opts.verify_crc, err);
	if (rc != TN_OK) {
		/* chunks [0, i) were opened (the failed one cleans up itself) */
		for (size_t j = 0; j + 1 < i; j++)
			if (r->need_leaf[j])
				pq_chunk_done(&r->chunks[j]);
		if (i > 0 && r->need_leaf[i - 1])
			pq_chunk_done(&r->chunks[i - 1]);
		return rc;
	}
	r->rg = rg;
	r->rg_rows_left = g->num_rows;
	r->rg_open = true;
	return TN_OK;
}

int pq_reader_next(struct pq_reader *r, struct tn_batch *b, struct tn_err *err)
{
	const struct tn_schema *s = &r->schema.out;
	size_t rows;
	int rc = TN_OK;

	if (b->cols != NULL)
		tn_batch_done(b);
	b->schema = s;
	b->nrows = 0;
	tn_arena_init(&b->arena, 0);
	b->cols = tn_arena_calloc(&b->arena, s->ncols ? s->ncols : 1, sizeof(*b->cols));
	for (size_t i = 0; i < s->ncols; i++)
		b->cols[i].type = &s->cols[i].type;

	if (r->rg_open)
		for (size_t i = 0; i < r->schema.nleaves; i++)
			if (r->need_leaf[i])
				pq_chunk_release(&r->chunks[i]);
	while (!r->rg_open || r->rg_rows_left == 0) {
		close_row_group(r);
		while (r->next_rg < r->meta.n_row_groups &&
		       (!r->keep_rg[r->next_rg] || r->meta.row_groups[r->next_rg].num_rows == 0))
			r->next_rg++;
		if (r->next_rg >= r->meta.n_row_groups)
			return TN_OK; /* the end */
		rc = open_row_group(r, r->next_rg++, err);
		if (rc != TN_OK)
			return rc;
	}
	rows = (size_t)(r->rg_rows_left < (int64_t)r->opts.batch_rows ? r->rg_rows_left
								     : (int64_t)r->opts.batch_rows);
	for (size_t i = 0; rc == TN_OK && i < r->schema.nleaves; i++) {
		if (!r->need_leaf[i])
			continue;
		rc = pq_chunk_take(&r->chunks[i], rows, &r->lbs[i], &b->arena, err);
		if (rc == TN_OK && r->lbs[i].rows != rows)
			rc = tn_err_set(err, TN_ECORRUPT,
					"%s: column '%s', row group %zu: the column ends %lld rows "
					"before the row group's %lld",
					r->path, r->schema.leaves[i].path, r->rg,
					(long long)(r->rg_rows_left - (int64_t)r->lbs[i].rows),
					(long long)r->meta.row_groups[r->rg].num_rows);
	}
	for (size_t i = 0; rc == TN_OK && i < s->ncols; i++) {
		rc = pq_assemble(&r->schema.cols[i], r->schema.leaves, r->lbs, rows, &b->cols[i],
				 &b->arena, err);
		if (rc != TN_OK)
			tn_err_prefix(err, "%s: row group %zu", r->path, r->rg);
	}
	if (rc != TN_OK)
		return rc;
	r->rg_rows_left -= (int64_t)rows;
	b->nrows = rows;
	return TN_OK;
}

static int read_index(struct pq_reader *r, size_t rg, size_t leaf, bool column, struct tn_arena *a,
		      void *out, struct tn_err *err)
{
	const struct pq_column_chunk *cc;
	int64_t off;
	int32_t len;
	uint8_t *buf;
	int rc;

	if (rg >= r->meta.n_row_groups || leaf >= r->schema.nleaves)
		return tn_err_set(err, TN_EINVAL, "%s: no row group %zu / column %zu", r->path, rg, leaf);
	cc = &r->meta.row_groups[rg].columns[leaf];
	if (column ? !(cc->has_column_index_offset && cc->has_column_index_length)
		   : !(cc->has_offset_index_offset && cc->has_offset_index_length))
		return tn_err_set(err, TN_ENOENT, "%s: column '%s', row group %zu has no %s index",
				  r->path, r->schema.leaves[leaf].path, rg, column ? "column" : "offset");
	off = column ? cc->column_index_offset : cc->offset_index_offset;
	len = column ? cc->column_index_length : cc->offset_index_length;
	if (off < 0 || len < 0 || (uint64_t)off > r->file->size ||
	    (uint64_t)len > r->file->size - (uint64_t)off)
		return tn_err_set(err, TN_ECORRUPT, "%s: column '%s', row group %zu: index outside the file",
				  r->path, r->schema.leaves[leaf].path, rg);
	buf = tn_malloc((size_t)len + 1);
	rc = store_file_pread(r->file, (uint64_t)off, buf, (size_t)len, err);
	if (rc == TN_OK)
		rc = column ? pq_column_index_decode(buf, (size_t)len, a, out, err)
			    : pq_offset_index_decode(buf, (size_t)len, a, out, err);
	free(buf);
	if (rc != TN_OK)
		tn_err_prefix(err, "%s: column '%s', row group %zu", r->path,
			      r->schema.leaves[leaf].path, rg);
	return rc;
}

int pq_reader_column_index(struct pq_reader *r, size_t rg, size_t leaf, struct tn_arena *a,
			   struct pq_column_index *out, struct tn_err *err)
{
	return read_index(r, rg, leaf, true, a, out, err);
}

int pq_reader_offset_index(struct pq_reader *r, size_t rg, size_t leaf, struct tn_arena *a,
			   struct pq_offset_index *out, struct tn_err *err)
{
	return read_index(r, rg, leaf, false, a, out, err);
}

const struct tn_type *pq_reader_leaf_type(const struct pq_reader *r, size_t leaf)
{
	return &r->schema.leaves[leaf].type;
}

int pq_reader_stat_value(const struct pq_reader *r, size_t leaf, const struct pq_binary *v,
			 void *out, struct tn_err *err)
{
	const struct pq_leaf *l = &r->schema.leaves[leaf];
	_Alignas(16) uint8_t phys[32];

	switch (l->phys) {
	case PQ_BOOLEAN:
		if (v->len < 1)
			goto short_value;
		phys[0] = v->p[0] & 1;
		break;
	case PQ_BYTE_ARRAY:
	case PQ_FIXED_LEN_BYTE_ARRAY: {
		struct tn_bytes b = {v->p, (uint32_t)v->len};

		if (v->len > UINT32_MAX)
			goto short_value;
		memcpy(phys, &b, sizeof(b));
		break;
	}
	default:
		if (v->len < l->phys_width || l->phys_width > sizeof(phys))
			goto short_value;
		memcpy(phys, v->p, l->phys_width);
		break;
	}
	return pq_convert(l, phys, out, 1, err);
short_value:
	return tn_err_set(err, TN_ECORRUPT, "column '%s': statistics value of %zu bytes", l->path,
			  v->len);
}

int pq_reader_stat_json(const struct pq_reader *r, size_t leaf, const struct pq_binary *v,
			struct tn_buf *out, struct tn_err *err)
{
	_Alignas(16) uint8_t val[32];
	struct tn_vec vec;
	int rc = pq_reader_stat_value(r, leaf, v, val, err);

	memset(&vec, 0, sizeof(vec));
	vec.type = &r->schema.leaves[leaf].type;
	vec.len = 1;
	vec.values = val;
	return rc == TN_OK ? tn_value_json(out, &vec, 0, err) : rc;
}

int pq_reader_leaf_of_column(const struct pq_reader *r, const char *name)
{
	for (size_t i = 0; i < r->schema.root.nchildren; i++) {
		const struct pq_node *n = &r->schema.root.children[i];

		if (n->leaf >= 0 && strcmp(n->elem->name, name) == 0)
			return n->leaf;
	}
	return -1;
}
