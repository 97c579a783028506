/* parquet_int.h - shared inside src/parquet: the schema tree, the assembly
 * plan and the leaf column readers; the writer's shredding plan and column
 * chunk writers. */
#ifndef PQ_PARQUET_INT_H
#define PQ_PARQUET_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/vec.h"
#include "parquet/codec.h"
#include "parquet/encoding.h"
#include "parquet/meta.h"
#include "parquet/parquet.h"
#include "store/store.h"

/* Deepest nesting tarn reads; levels are kept in int16_t. */
#define PQ_MAX_LEVEL 250
/* Caps on what a file may make tarn allocate. */
#define PQ_MAX_FOOTER ((size_t)256 << 20)
#define PQ_MAX_PAGE ((size_t)1 << 30)

/* A node of the file's schema tree (one SchemaElement). */
struct pq_node {
	const struct pq_schema_elem *elem;
	struct pq_node *parent;
	struct pq_node *children;
	size_t nchildren;
	int def_level; /* optional and repeated nodes from the root through this one */
	int rep_level; /* repeated nodes from the root through this one */
	int leaf;      /* leaf index for primitives, -1 for groups */
	int first_leaf;
};

enum pq_col_role { PQ_COL_PRIMITIVE, PQ_COL_STRUCT, PQ_COL_LIST, PQ_COL_MAP };

/* How one node of an output type is assembled from levels. */
struct pq_col {
	int role;                /* enum pq_col_role */
	const struct tn_type *type;
	struct pq_col *parent;
	struct pq_col *children; /* STRUCT fields, LIST element, MAP key and value */
	size_t nchildren;
	int def_present;         /* the value is non-null iff def >= def_present */
	int elem_def;            /* LIST/MAP: an element exists iff def >= elem_def */
	int rep_level;           /* LIST/MAP: entry i starts an element iff rep[i] <= rep_level */
	int leaf;                /* PRIMITIVE: its leaf; else the subtree's first leaf */
};

/* How a leaf's physical values become the output type's storage. */
enum pq_conv {
	PQ_CONV_NONE,       /* same bytes: bool, int32, int64, float, double, bytes */
	PQ_CONV_I32_I8,
	PQ_CONV_I32_I16,
	PQ_CONV_I32_I64,    /* decimal(p<=9) and TIME(millis) widen */
	PQ_CONV_INT96,      /* Julian day + nanoseconds -> microseconds */
	PQ_CONV_DEC_BYTES,  /* big-endian two's complement -> int64 or int128 */
	PQ_CONV_FLOAT16,
	PQ_CONV_I64_I128,   /* decimal of precision > 18 stored in INT64 */
	PQ_CONV_I32_I128,
};

/* A leaf (primitive) column of the file. */
struct pq_leaf {
	const struct pq_node *node;
	char *path;              /* dotted, for messages (owned) */
	int32_t phys;            /* enum pq_type */
	int32_t type_len;        /* FIXED_LEN_BYTE_ARRAY */
	int max_def, max_rep;
	struct tn_type type;     /* the output type of its values */
	int conv;                /* enum pq_conv */
	size_t phys_width;       /* bytes of a PLAIN fixed-width value; 0 for BYTE_ARRAY */
};

/* The schema, built from the footer. */
struct pq_schema {
	struct pq_node root;
	struct pq_leaf *leaves;
	size_t nleaves;
	struct tn_schema out;    /* every top-level column */
	struct pq_col *cols;     /* one plan per top-level column */
};

/* Build the schema tree and the leaves from the footer (borrowed; must
 * outlive s), and the output schema and assembly plans of the top-level
 * columns named in columns (NULL: all, in file order). Errors are
 * TN_ECORRUPT or TN_EUNSUPPORTED naming the column, TN_EINVAL for a
 * column name that is not in the file. */
int pq_schema_build(struct pq_schema *s, const struct pq_file_meta *m,
		    const char *const *columns, size_t ncolumns, struct tn_err *err);
void pq_schema_done(struct pq_schema *s);

/* ---- leaf column chunk reading (column.c) ---- */

/* Levels and values of one leaf for one batch. */
struct pq_leaf_batch {
	size_t n;        /* level entries */
	int16_t *def;    /* n entries, NULL when max_def == 0 */
	int16_t *rep;    /* n entries, NULL when max_rep == 0 */
	void *values;    /* dense non-null values in the output storage */
	size_t nvalues;
	size_t rows;     /* rows covered */
};

struct pq_page;

/* Reads one column chunk page by page. */
struct pq_chunk {
	const struct pq_leaf *leaf;
	struct store_file *file;
	const char *fname;
	const struct pq_column_meta *meta;
	bool verify_crc;
	size_t rg;
	uint64_t pos, end;        /* file range of the pages not read yet */
	uint64_t limit;           /* no page may run past this (the footer) */
	int64_t values_left;      /* from the column metadata */
	/* dictionary, in the output storage */
	void *dict;
	uint32_t dict_len;
	struct tn_arena dict_arena;
	struct pq_page *page;     /* the current data page, or NULL */
	struct pq_page *retired;  /* consumed pages still referenced by the last batch */
	uint64_t page_no;
	bool started;             /* a value was taken (the first must start a row) */
	struct tn_buf raw;        /* compressed page bytes */
	/* what the last pq_chunk_take returned; reused by the next */
	int16_t *def_buf, *rep_buf;
	size_t def_cap, rep_cap;
	void *val_buf;
	size_t val_cap;
	void *scratch;            /* physical values before conversion */
	size_t scratch_cap;
	uint32_t *idx_buf;        /* dictionary indices */
	size_t idx_cap;
};

int pq_chunk_open(struct pq_chunk *c, const struct pq_leaf *leaf, struct store_file *file,
		  const char *fname, const struct pq_column_chunk *cc, size_t rg, bool verify_crc,
		  struct tn_err *err);
void pq_chunk_done(struct pq_chunk *c);
/* Free pages that no batch refers to any more (call at the start of a batch). */
void pq_chunk_release(struct pq_chunk *c);
/* Take the levels and values of the next `rows` rows into lb, allocating
 * in arena. Fewer rows only when the chunk ends (lb->rows says). */
int pq_chunk_take(struct pq_chunk *c, size_t rows, struct pq_leaf_batch *lb,
		  struct tn_arena *arena, struct tn_err *err);

/* Bytes of one physical value as decoded (struct tn_bytes for byte arrays,
 * 1 for booleans). */
size_t pq_phys_size(const struct pq_leaf *l);
/* Convert n physical values at src into the leaf's output storage at dst.
 * TN_ECORRUPT for values that do not fit (a decimal over 16 bytes, ...). */
int pq_convert(const struct pq_leaf *l, const void *src, void *dst, size_t n, struct tn_err *err);

/* ---- assembly (assemble.c) ---- */

/* Build the vector v for plan col over one batch of `rows` rows from the
 * leaves' batches lbs (indexed by leaf). Memory from arena. */
int pq_assemble(const struct pq_col *col, const struct pq_leaf *leaves,
		const struct pq_leaf_batch *lbs, size_t rows, struct tn_vec *v,
		struct tn_arena *arena, struct tn_err *err);

/* ---- writing: shredding (shred.c) ---- */

/* How one node of a written column becomes levels: the writer's plan, the
 * inverse of struct pq_col. Definition levels count the OPTIONAL and
 * REPEATED nodes from the root, as in the reader. */
struct pq_wcol {
	int role;                   /* enum pq_col_role */
	const struct tn_type *type; /* borrowed from the writer's schema */
	char *path;                 /* dotted Parquet path, for messages (owned) */
	bool nullable;              /* OPTIONAL in the file */
	bool map_key;               /* a map's key (REQUIRED however the field says) */
	int def;                    /* definition level of a non-null value */
	int elem_rep;               /* LIST/MAP: repetition level of the elements */
	struct pq_wcol *children;   /* STRUCT fields, LIST element, MAP key and value */
	size_t nchildren;
	int leaf;                   /* PRIMITIVE: its leaf column */
};

/* The level entries of one leaf for a run of rows.
 * def: n definition levels; NULL for a top-level primitive column, whose
 *   levels follow from its vector's nulls (1 present, 0 null; none when
 *   the column is REQUIRED).
 * rep: n repetition levels; NULL when nothing above the leaf repeats.
 * idx: where entry k's value is in the leaf's vector when def[k] is the
 *   leaf's maximum (-1 otherwise); NULL for a top-level primitive column,
 *   whose entry k is value first + k. */
struct pq_slots {
	size_t n;
	const int16_t *def;
	const int16_t *rep;
	const int32_t *idx;
	size_t first;
};

/* Called once per leaf below a column with the leaf's plan node, its vector
 * and its entries. */
typedef int (*pq_shred_sink)(void *ctx, const struct pq_wcol *leaf, const struct tn_vec *v,
			     const struct pq_slots *s, struct tn_err *err);

/* Shred rows [first, first + n) of vector v, a column planned by col, into
 * level entries for each leaf below it, handed to sink in leaf order.
 * Working memory comes from scratch (the caller resets it). row0 is the
 * number (from 0, over the whole file) of row first, for messages. Errors
 * (TN_EINVAL, naming the column's path and the row): a null where col or a
 * field below it is not nullable, a null map key, list offsets that
 * decrease or run past the child vector, children shorter than their
 * parent, a vector without values; or whatever sink returns. */
int pq_shred(const struct pq_wcol *col, const struct tn_vec *v, size_t first, size_t n,
	     size_t row0, struct tn_arena *scratch, pq_shred_sink sink, void *ctx,
	     struct tn_err *err);

/* ---- writing: column chunks (colwrite.c) ---- */

/* What the column chunk writers of one file share: options, the codec
 * state, and scratch buffers. Embedded in the writer; pq_wctx_init /
 * pq_wctx_done. */
struct pq_wctx {
	const struct pq_write_opts *opts; /* borrowed */
	struct pq_codec_ctx codec;
	struct tn_buf page;      /* an uncompressed page being assembled */
	struct tn_buf comp;      /* a compressed page */
	void *scratch;           /* physical values of a piece */
	size_t scratch_cap;
	uint32_t *pos;           /* where a piece's values are in their vector */
	size_t pos_cap;
	uint32_t *lev;           /* definition levels of a piece of a flat column */
	size_t lev_cap;
};

void pq_wctx_init(struct pq_wctx *x, const struct pq_write_opts *opts);
void pq_wctx_done(struct pq_wctx *x);

/* One leaf column's writer: it builds pages from level entries, keeps the
 * current row group's encoded pages, dictionary and statistics, and writes
 * them out as a column chunk. */
struct pq_cw;

/* A writer for values of type t (borrowed; a primitive type) stored as
 * physical type phys (enum pq_type; type_len for FIXED_LEN_BYTE_ARRAY)
 * with the given maximum levels. path (borrowed) names the column in
 * messages. */
struct pq_cw *pq_cw_new(const struct tn_type *t, int phys, int type_len, int max_def,
			int max_rep, const char *path, const struct pq_wctx *x);
void pq_cw_free(struct pq_cw *c);

/* Add level entries s over vector v (the leaf's values) to the column
 * chunk, finishing pages as they fill. Errors: TN_EINVAL for a value the
 * physical type cannot hold, TN_ETOOBIG for a page over 2 GiB, codec
 * errors; the message names the column. */
int pq_cw_append(struct pq_cw *c, struct pq_wctx *x, const struct tn_vec *v,
		 const struct pq_slots *s, struct tn_err *err);

/* Bytes the chunk holds so far (encoded pages, the page being built, the
 * dictionary): for deciding when a row group is full. */
size_t pq_cw_buffered(const struct pq_cw *c);

/* Finish the column chunk: write its dictionary page (if any) and data
 * pages to sw at file offset *pos (advanced by what was written), and fill
 * cc's file_offset and meta_data (everything but path_in_schema, with the
 * statistics and lists copied into arena a). The writer is then empty,
 * ready for the next row group. */
int pq_cw_flush(struct pq_cw *c, struct pq_wctx *x, struct store_writer *sw, uint64_t *pos,
		struct pq_column_chunk *cc, struct tn_arena *a, struct tn_err *err);

#endif
