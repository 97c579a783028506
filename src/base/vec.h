/* vec.h - types, schemas and columnar batches: the in-memory form of rows
 * that every layer passes around (ARCHITECTURE "Data in memory"). */
#ifndef TN_VEC_H
#define TN_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"

/* A byte-string view. Owned by whoever owns the memory it points into (for
 * a batch: the batch, until the producer's next call). */
struct tn_bytes {
	const uint8_t *ptr;
	uint32_t len;
};

/* Kinds of value. The comment says how a vector stores a value of it. */
enum tn_kind {
	TN_BOOL,      /* uint8_t, 0 or 1 */
	TN_INT8,      /* int8_t */
	TN_INT16,     /* int16_t */
	TN_INT32,     /* int32_t */
	TN_INT64,     /* int64_t */
	TN_UINT8,     /* uint8_t */
	TN_UINT16,    /* uint16_t */
	TN_UINT32,    /* uint32_t */
	TN_UINT64,    /* uint64_t */
	TN_FLOAT,     /* float (Parquet FLOAT16 is widened to this) */
	TN_DOUBLE,    /* double */
	TN_DECIMAL,   /* int64_t unscaled when precision <= 18, else __int128 */
	TN_STRING,    /* struct tn_bytes, UTF-8 */
	TN_BINARY,    /* struct tn_bytes */
	TN_UUID,      /* struct tn_bytes of 16 bytes */
	TN_DATE,      /* int32_t days since 1970-01-01 */
	TN_TIME,      /* int64_t since midnight, in unit */
	TN_TIMESTAMP, /* int64_t since the epoch, in unit; utc says adjusted */
	TN_STRUCT,    /* no values; children[i] per field */
	TN_LIST,      /* offsets (len+1 int32) into children[0] */
	TN_MAP,       /* offsets (len+1 int32) into children[0] (keys), children[1] (values) */
	TN_KIND_COUNT
};

enum tn_time_unit { TN_UNIT_MILLIS, TN_UNIT_MICROS, TN_UNIT_NANOS };

struct tn_field;

/* A type. Nested types own their fields. */
struct tn_type {
	enum tn_kind kind;
	uint8_t precision;       /* TN_DECIMAL */
	uint8_t scale;           /* TN_DECIMAL */
	uint8_t unit;            /* enum tn_time_unit: TN_TIME, TN_TIMESTAMP */
	bool utc;                /* TN_TIMESTAMP: adjusted to UTC (false: _ntz) */
	bool json;               /* TN_STRING holding JSON */
	size_t nfields;          /* TN_STRUCT: fields; TN_LIST: 1 (element);
				    TN_MAP: 2 (key, value) */
	struct tn_field *fields;
};

/* A named, possibly nullable column or struct field. */
struct tn_field {
	char *name;
	struct tn_type type;
	bool nullable;
	bool has_field_id;
	int32_t field_id;        /* Parquet field_id (Delta column mapping) */
	char *physical;          /* name in the data files when it differs
				    (Delta column mapping), else NULL; owned */
};

/* A schema is the struct of a batch's columns. */
struct tn_schema {
	size_t ncols;
	struct tn_field *cols;
};

/* A column vector of len values.
 * nulls: len bytes, 1 = null; NULL when no value is null.
 * values: len elements of the kind's storage (see enum tn_kind); NULL for
 *   TN_STRUCT, TN_LIST and TN_MAP.
 * offsets: TN_LIST and TN_MAP, len+1 entries, offsets[0] == 0; a null list
 *   has offsets[i] == offsets[i+1].
 * children: TN_STRUCT one per field (each of len values); TN_LIST one
 *   (elements); TN_MAP two (keys, values). */
struct tn_vec {
	const struct tn_type *type; /* borrowed from the schema */
	size_t len;
	uint8_t *nulls;
	void *values;
	int32_t *offsets;
	struct tn_vec *children;    /* array of type->nfields */
};

/* A batch of rows: one vector per column of schema. The batch's memory
 * (vectors, and whatever its producer says) lives in arena. */
struct tn_batch {
	const struct tn_schema *schema; /* borrowed */
	size_t nrows;
	struct tn_vec *cols;            /* schema->ncols vectors */
	struct tn_arena arena;
};

/* ---- types and schemas ---- */

/* Bytes per value in a vector of this type (0 for nested kinds). */
size_t tn_type_width(const struct tn_type *t);
bool tn_type_is_nested(const struct tn_type *t);
/* Spark-style name: "bigint", "decimal(18,2)", "timestamp", "timestamp_ntz",
 * "array<int>", "struct<a:int,b:string>", "map<string,int>". Writes at most
 * n bytes (always terminated); returns out. */
char *tn_type_name(const struct tn_type *t, char *out, size_t n);
/* Deep copy / free of a type's fields (the type itself is embedded). */
void tn_type_copy(struct tn_type *dst, const struct tn_type *src);
void tn_type_done(struct tn_type *t);
void tn_field_done(struct tn_field *f);
void tn_schema_done(struct tn_schema *s);
void tn_schema_copy(struct tn_schema *dst, const struct tn_schema *src);
/* Deep copy of one field. */
void tn_schema_copy_field(struct tn_field *dst, const struct tn_field *src);
/* Index of the column named name, or -1. Exact match. */
int tn_schema_find(const struct tn_schema *s, const char *name);
/* The same type: kind, decimal precision and scale, time unit and zone,
 * and the fields' types, recursively (names aside). */
bool tn_type_equal(const struct tn_type *a, const struct tn_type *b);

/* ---- batches ---- */

/* Start an empty batch over schema, with vectors allocated for cap rows in
 * the batch's arena (nested children start with no room; see
 * tn_vec_alloc). */
void tn_batch_init(struct tn_batch *b, const struct tn_schema *schema, size_t cap);
void tn_batch_done(struct tn_batch *b);
/* Allocate storage in arena for a vector of type t and cap values,
 * recursively for struct children (list/map children get none: the
 * producer sizes them). nulls is left NULL. */
void tn_vec_alloc(struct tn_vec *v, const struct tn_type *t, size_t cap, struct tn_arena *arena);
/* Make v->nulls (zeroed) if it is NULL. */
void tn_vec_need_nulls(struct tn_vec *v, size_t cap, struct tn_arena *arena);
static inline bool tn_vec_is_null(const struct tn_vec *v, size_t i)
{
	return v->nulls != NULL && v->nulls[i];
}

/* Remove the rows whose drop[i] is non-zero (b->nrows entries) from every
 * column, nested values included. New storage comes from b's arena; the
 * old is left alone (it may belong to a reader). */
/* Copy the rows of src whose keep[i] is set into dst, a new batch over the
 * same schema with its own arena (tn_batch_done). Values may point into
 * src's arena: src must outlive dst. */
void tn_batch_select(struct tn_batch *dst, const struct tn_batch *src, const uint8_t *keep);
void tn_batch_filter(struct tn_batch *b, const uint8_t *drop);
/* Build dst, n values of type t with storage in arena a, from the values
 * of other vectors of that type: value i is value rows[i] of
 * srcs[from[i]] (nested values whole). Byte strings are not copied: dst
 * points where the sources do. */
void tn_vec_gather(struct tn_vec *dst, const struct tn_type *t, const struct tn_vec *srcs,
		   size_t nsrcs, const uint32_t *from, const uint32_t *rows, size_t n,
		   struct tn_arena *a);
/* A deep copy of src: dst (over the same schema, with its own arena; free
 * with tn_batch_done) shares no memory with it, so src may go. */
void tn_batch_copy(struct tn_batch *dst, const struct tn_batch *src);

/* A row of one of several batches. */
struct tn_rowref {
	uint32_t batch;
	uint32_t row;
};

/* Build dst, a new batch over schema with its own arena (tn_batch_done),
 * from n rows of the batches src[0..nsrc) (all over schema's types): row i
 * is row refs[i].row of src[refs[i].batch]. Everything, strings and nested
 * values included, is copied: dst outlives its sources. */
void tn_batch_gather(struct tn_batch *dst, const struct tn_schema *schema,
		     const struct tn_batch *const *src, size_t nsrc, const struct tn_rowref *refs,
		     size_t n);

/* Compare two values of the primitive type t in their vector storage
 * (struct tn_bytes for strings and binary, compared as unsigned bytes):
 * <0, 0, >0. NaN sorts above every number. */
int tn_value_cmp(const struct tn_type *t, const void *a, const void *b);

/* Decimal unscaled value i of a TN_DECIMAL vector, widened. */
__int128 tn_vec_decimal(const struct tn_vec *v, size_t i);
/* Format an unscaled decimal with scale fraction digits ("-12.30"). out
 * needs 44 bytes. Returns out. */
char *tn_decimal_format(__int128 unscaled, int scale, char *out);

#endif
