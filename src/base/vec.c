/* vec.c - types, schemas and columnar batches. */
#include "base/vec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

static const uint8_t kind_width[TN_KIND_COUNT] = {
	[TN_BOOL] = 1,     [TN_INT8] = 1,    [TN_INT16] = 2,   [TN_INT32] = 4,
	[TN_INT64] = 8,    [TN_UINT8] = 1,   [TN_UINT16] = 2,  [TN_UINT32] = 4,
	[TN_UINT64] = 8,   [TN_FLOAT] = 4,   [TN_DOUBLE] = 8,  [TN_DECIMAL] = 8,
	[TN_STRING] = sizeof(struct tn_bytes), [TN_BINARY] = sizeof(struct tn_bytes),
	[TN_UUID] = sizeof(struct tn_bytes),   [TN_DATE] = 4,  [TN_TIME] = 8,
	[TN_TIMESTAMP] = 8,
};

size_t tn_type_width(const struct tn_type *t)
{
	if (t->kind == TN_DECIMAL && t->precision > 18)
		return sizeof(__int128);
	return kind_width[t->kind];
}

bool tn_type_is_nested(const struct tn_type *t)
{
	return t->kind == TN_STRUCT || t->kind == TN_LIST || t->kind == TN_MAP;
}

struct namebuf {
	char *out;
	size_t n, len;
};

static void put(struct namebuf *nb, const char *s)
{
	size_t m = strlen(s);

	if (nb->len + 1 >= nb->n)
		return;
	if (m > nb->n - nb->len - 1)
		m = nb->n - nb->len - 1;
	memcpy(nb->out + nb->len, s, m);
	nb->len += m;
	nb->out[nb->len] = '\0';
}

static void name_into(const struct tn_type *t, struct namebuf *nb)
{
	static const char *const names[TN_KIND_COUNT] = {
		[TN_BOOL] = "boolean", [TN_INT8] = "tinyint",   [TN_INT16] = "smallint",
		[TN_INT32] = "int",     [TN_INT64] = "bigint",  [TN_UINT8] = "utinyint",
		[TN_UINT16] = "usmallint", [TN_UINT32] = "uint", [TN_UINT64] = "ubigint",
		[TN_FLOAT] = "float",   [TN_DOUBLE] = "double", [TN_STRING] = "string",
		[TN_BINARY] = "binary", [TN_UUID] = "uuid",     [TN_DATE] = "date",
	};
	char tmp[64];

	switch (t->kind) {
	case TN_DECIMAL:
		snprintf(tmp, sizeof(tmp), "decimal(%u,%u)", t->precision, t->scale);
		put(nb, tmp);
		break;
	case TN_TIME:
		put(nb, t->unit == TN_UNIT_NANOS ? "time_ns" : "time");
		break;
	case TN_TIMESTAMP:
		put(nb, t->utc ? "timestamp" : "timestamp_ntz");
		if (t->unit == TN_UNIT_NANOS)
			put(nb, "_ns");
		else if (t->unit == TN_UNIT_MILLIS)
			put(nb, "_ms");
		break;
	case TN_STRUCT:
		put(nb, "struct<");
		for (size_t i = 0; i < t->nfields; i++) {
			if (i)
				put(nb, ",");
			put(nb, t->fields[i].name);
			put(nb, ":");
			name_into(&t->fields[i].type, nb);
		}
		put(nb, ">");
		break;
	case TN_LIST:
		put(nb, "array<");
		name_into(&t->fields[0].type, nb);
		put(nb, ">");
		break;
	case TN_MAP:
		put(nb, "map<");
		name_into(&t->fields[0].type, nb);
		put(nb, ",");
		name_into(&t->fields[1].type, nb);
		put(nb, ">");
		break;
	default:
		put(nb, t->kind == TN_STRING && t->json ? "json" : names[t->kind]);
		break;
	}
}

char *tn_type_name(const struct tn_type *t, char *out, size_t n)
{
	struct namebuf nb = {out, n, 0};

	if (n > 0)
		out[0] = '\0';
	name_into(t, &nb);
	return out;
}

static void field_copy(struct tn_field *dst, const struct tn_field *src)
{
	*dst = *src;
	dst->name = tn_strdup(src->name);
	dst->physical = src->physical ? tn_strdup(src->physical) : NULL;
	tn_type_copy(&dst->type, &src->type);
}

void tn_schema_copy_field(struct tn_field *dst, const struct tn_field *src)
{
	field_copy(dst, src);
}

void tn_type_copy(struct tn_type *dst, const struct tn_type *src)
{
	*dst = *src;
	if (src->nfields == 0) {
		dst->fields = NULL;
		return;
	}
	dst->fields = tn_calloc(src->nfields, sizeof(*dst->fields));
	for (size_t i = 0; i < src->nfields; i++)
		field_copy(&dst->fields[i], &src->fields[i]);
}

void tn_field_done(struct tn_field *f)
{
	free(f->name);
	free(f->physical);
	f->name = NULL;
	f->physical = NULL;
	tn_type_done(&f->type);
}

void tn_type_done(struct tn_type *t)
{
	for (size_t i = 0; i < t->nfields; i++)
		tn_field_done(&t->fields[i]);
	free(t->fields);
	t->fields = NULL;
	t->nfields = 0;
}

void tn_schema_done(struct tn_schema *s)
{
	for (size_t i = 0; i < s->ncols; i++)
		tn_field_done(&s->cols[i]);
	free(s->cols);
	s->cols = NULL;
	s->ncols = 0;
}

void tn_schema_copy(struct tn_schema *dst, const struct tn_schema *src)
{
	dst->ncols = src->ncols;
	dst->cols = src->ncols ? tn_calloc(src->ncols, sizeof(*dst->cols)) : NULL;
	for (size_t i = 0; i < src->ncols; i++)
		field_copy(&dst->cols[i], &src->cols[i]);
}

int tn_schema_find(const struct tn_schema *s, const char *name)
{
	for (size_t i = 0; i < s->ncols; i++)
		if (strcmp(s->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

bool tn_type_equal(const struct tn_type *a, const struct tn_type *b)
{
	if (a->kind != b->kind || a->nfields != b->nfields)
		return false;
	if (a->kind == TN_DECIMAL && (a->precision != b->precision || a->scale != b->scale))
		return false;
	if ((a->kind == TN_TIMESTAMP || a->kind == TN_TIME) && (a->unit != b->unit || a->utc != b->utc))
		return false;
	for (size_t i = 0; i < a->nfields; i++)
		if (!tn_type_equal(&a->fields[i].type, &b->fields[i].type))
			return false;
	return true;
}

void tn_vec_alloc(struct tn_vec *v, const struct tn_type *t, size_t cap, struct tn_arena *arena)
{
	size_t w = tn_type_width(t);

	memset(v, 0, sizeof(*v));
	v->type = t;
	if (w != 0)
		v->values = tn_arena_alloc(arena, w * (cap ? cap : 1));
	if (t->kind == TN_LIST || t->kind == TN_MAP) {
		v->offsets = tn_arena_alloc(arena, sizeof(int32_t) * (cap + 1));
		v->offsets[0] = 0;
	}
	if (t->nfields != 0) {
		v->children = tn_arena_calloc(arena, t->nfields, sizeof(*v->children));
		for (size_t i = 0; i < t->nfields; i++)
			tn_vec_alloc(&v->children[i], &t->fields[i].type,
				     t->kind == TN_STRUCT ? cap : 0, arena);
	}
}

void tn_vec_need_nulls(struct tn_vec *v, size_t cap, struct tn_arena *arena)
{
	if (v->nulls == NULL)
		v->nulls = tn_arena_calloc(arena, cap ? cap : 1, 1);
}

void tn_batch_init(struct tn_batch *b, const struct tn_schema *schema, size_t cap)
{
	b->schema = schema;
	b->nrows = 0;
	tn_arena_init(&b->arena, 0);
	b->cols = tn_arena_calloc(&b->arena, schema->ncols ? schema->ncols : 1, sizeof(*b->cols));
	for (size_t i = 0; i < schema->ncols; i++)
		tn_vec_alloc(&b->cols[i], &schema->cols[i].type, cap, &b->arena);
}

void tn_batch_done(struct tn_batch *b)
{
	tn_arena_done(&b->arena);
	b->cols = NULL;
	b->nrows = 0;
}

__int128 tn_vec_decimal(const struct tn_vec *v, size_t i)
{
	if (v->type->precision > 18)
		return ((const __int128 *)v->values)[i];
	return ((const int64_t *)v->values)[i];
}

char *tn_decimal_format(__int128 unscaled, int scale, char *out)
{
	char digits[48];
	unsigned __int128 u = unscaled < 0 ? -(unsigned __int128)unscaled : (unsigned __int128)unscaled;
	int n = 0, pos = 0;

	do {
		digits[n++] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u != 0);
	while (n <= scale)
		digits[n++] = '0';
	if (unscaled < 0)
		out[pos++] = '-';
	while (n > 0) {
		if (n == scale)
			out[pos++] = '.';
		out[pos++] = digits[--n];
	}
	out[pos] = '\0';
	return out;
}

/* Keep the values whose keep[i] is set; v has n values. */
static void filter_vec(struct tn_vec *v, const uint8_t *keep, size_t n, struct tn_arena *a)
{
	size_t w = tn_type_width(v->type), m = 0;
	uint8_t *vals = w ? tn_arena_alloc(a, w * (n ? n : 1)) : NULL;
	uint8_t *nulls = v->nulls ? tn_arena_alloc(a, n ? n : 1) : NULL;
	int32_t *offs = v->offsets ? tn_arena_alloc(a, sizeof(int32_t) * (n + 1)) : NULL;
	uint8_t *ekeep = NULL;
	size_t nel = 0;

	if (offs != NULL) {
		nel = (size_t)v->offsets[n];
		ekeep = tn_arena_calloc(a, nel ? nel : 1, 1);
		offs[0] = 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (!keep[i])
			continue;
		if (vals)
			memcpy(vals + m * w, (const uint8_t *)v->values + i * w, w);
		if (nulls)
			nulls[m] = v->nulls[i];
		if (offs) {
			for (int32_t j = v->offsets[i]; j < v->offsets[i + 1]; j++)
				ekeep[j] = 1;
			offs[m + 1] = offs[m] + (v->offsets[i + 1] - v->offsets[i]);
		}
		m++;
	}
	for (size_t c = 0; c < v->type->nfields; c++) {
		if (v->type->kind == TN_STRUCT)
			filter_vec(&v->children[c], keep, n, a);
		else
			filter_vec(&v->children[c], ekeep, nel, a);
	}
	if (vals)
		v->values = vals;
	v->nulls = nulls;
	if (offs)
		v->offsets = offs;
	v->len = m;
}

void tn_batch_filter(struct tn_batch *b, const uint8_t *drop)
{
	uint8_t *keep = tn_arena_alloc(&b->arena, b->nrows ? b->nrows : 1);
	size_t m = 0;

	for (size_t i = 0; i < b->nrows; i++)
		m += keep[i] = !drop[i];
	for (size_t c = 0; c < b->schema->ncols; c++)
		filter_vec(&b->cols[c], keep, b->nrows, &b->arena);
	b->nrows = m;
}

/* A shallow copy of v (and, recursively, of its children's vectors) whose
 * child arrays live in a: filtering it leaves v as it was. */
static void clone_vec(struct tn_vec *dst, const struct tn_vec *src, struct tn_arena *a)
{
	*dst = *src;
	if (src->children != NULL && src->type->nfields > 0) {
		dst->children = tn_arena_calloc(a, src->type->nfields, sizeof(*dst->children));
		for (size_t c = 0; c < src->type->nfields; c++)
			clone_vec(&dst->children[c], &src->children[c], a);
	}
}

void tn_batch_select(struct tn_batch *dst, const struct tn_batch *src, const uint8_t *keep)
{
	size_t m = 0;

	dst->schema = src->schema;
	tn_arena_init(&dst->arena, 0);
	dst->cols = tn_arena_calloc(&dst->arena, src->schema->ncols ? src->schema->ncols : 1,
				    sizeof(*dst->cols));
	for (size_t i = 0; i < src->nrows; i++)
		m += keep[i] != 0;
	for (size_t c = 0; c < src->schema->ncols; c++) {
		clone_vec(&dst->cols[c], &src->cols[c], &dst->arena);
		filter_vec(&dst->cols[c], keep, src->nrows, &dst->arena);
	}
	dst->nrows = m;
}

static bool is_bytes(const struct tn_type *t)
{
	return t->kind == TN_STRING || t->kind == TN_BINARY || t->kind == TN_UUID;
}

static void gather_vec(struct tn_vec *dst, const struct tn_type *t, const struct tn_vec *const *src,
		       size_t nsrc, const struct tn_rowref *refs, size_t n, struct tn_arena *a)
{
	size_t w = tn_type_width(t);
	const struct tn_vec **sub = tn_calloc(nsrc ? nsrc : 1, sizeof(*sub));
	bool nulls = false;

	memset(dst, 0, sizeof(*dst));
	dst->type = t;
	dst->len = n;
	for (size_t k = 0; k < nsrc; k++)
		nulls |= src[k]->nulls != NULL;
	if (nulls) {
		dst->nulls = tn_arena_alloc(a, n ? n : 1);
		for (size_t i = 0; i < n; i++)
			dst->nulls[i] = tn_vec_is_null(src[refs[i].batch], refs[i].row);
	}
	if (w != 0) {
		uint8_t *vals = tn_arena_alloc(a, w * (n ? n : 1));

		for (size_t i = 0; i < n; i++)
			memcpy(vals + i * w, (const uint8_t *)src[refs[i].batch]->values + refs[i].row * w,
			       w);
		dst->values = vals;
	}
	if (is_bytes(t)) {
		struct tn_bytes *b = dst->values;
		size_t total = 0;
		uint8_t *p;

		for (size_t i = 0; i < n; i++)
			total += dst->nulls && dst->nulls[i] ? 0 : b[i].len;
		p = tn_arena_alloc(a, total ? total : 1);
		for (size_t i = 0; i < n; i++) {
			if (dst->nulls && dst->nulls[i]) {
				b[i].ptr = p;
				b[i].len = 0;
				continue;
			}
			memcpy(p, b[i].ptr, b[i].len);
			b[i].ptr = p;
			p += b[i].len;
		}
	}
	if (t->kind == TN_STRUCT) {
		dst->children = tn_arena_calloc(a, t->nfields ? t->nfields : 1, sizeof(*dst->children));
		for (size_t c = 0; c < t->nfields; c++) {
			for (size_t k = 0; k < nsrc; k++)
				sub[k] = &src[k]->children[c];
			gather_vec(&dst->children[c], &t->fields[c].type, sub, nsrc, refs, n, a);
		}
	} else if (t->kind == TN_LIST || t->kind == TN_MAP) {
		struct tn_rowref *el;
		size_t m = 0;

		dst->offsets = tn_arena_alloc(a, sizeof(int32_t) * (n + 1));
		dst->offsets[0] = 0;
		for (size_t i = 0; i < n; i++) {
			const int32_t *o = src[refs[i].batch]->offsets;

			m += (size_t)(o[refs[i].row + 1] - o[refs[i].row]);
			dst->offsets[i + 1] = (int32_t)m;
		}
		el = tn_calloc(m ? m : 1, sizeof(*el));
		m = 0;
		for (size_t i = 0; i < n; i++) {
			const int32_t *o = src[refs[i].batch]->offsets;

			for (int32_t j = o[refs[i].row]; j < o[refs[i].row + 1]; j++) {
				el[m].batch = refs[i].batch;
				el[m++].row = (uint32_t)j;
			}
		}
		dst->children = tn_arena_calloc(a, t->nfields ? t->nfields : 1, sizeof(*dst->children));
		for (size_t c = 0; c < t->nfields; c++) {
			for (size_t k = 0; k < nsrc; k++)
				sub[k] = &src[k]->children[c];
			gather_vec(&dst->children[c], &t->fields[c].type, sub, nsrc, el, m, a);
		}
		free(el);
	}
	free(sub);
}

void tn_batch_gather(struct tn_batch *dst, const struct tn_schema *schema,
		     const struct tn_batch *const *src, size_t nsrc, const struct tn_rowref *refs,
		     size_t n)
{
	const struct tn_vec **cols = tn_calloc(nsrc ? nsrc : 1, sizeof(*cols));

	dst->schema = schema;
	dst->nrows = n;
	tn_arena_init(&dst->arena, 0);
	dst->cols = tn_arena_calloc(&dst->arena, schema->ncols ? schema->ncols : 1, sizeof(*dst->cols));
	for (size_t c = 0; c < schema->ncols; c++) {
		for (size_t k = 0; k < nsrc; k++)
			cols[k] = &src[k]->cols[c];
		gather_vec(&dst->cols[c], &schema->cols[c].type, cols, nsrc, refs, n, &dst->arena);
	}
	free(cols);
}

void tn_vec_gather(struct tn_vec *dst, const struct tn_type *t, const struct tn_vec *srcs,
		   size_t nsrcs, const uint32_t *from, const uint32_t *rows, size_t n,
		   struct tn_arena *a)
{
	const struct tn_vec **src = tn_calloc(nsrcs ? nsrcs : 1, sizeof(*src));
	struct tn_rowref *refs = tn_calloc(n ? n : 1, sizeof(*refs));

	for (size_t k = 0; k < nsrcs; k++)
		src[k] = &srcs[k];
	for (size_t i = 0; i < n; i++) {
		refs[i].batch = from[i];
		refs[i].row = rows[i];
	}
	memset(dst, 0, sizeof(*dst));
	gather_vec(dst, t, src, nsrcs, refs, n, a);
	free(refs);
	free(src);
}

void tn_batch_copy(struct tn_batch *dst, const struct tn_batch *src)
{
	struct tn_rowref *refs = tn_calloc(src->nrows ? src->nrows : 1, sizeof(*refs));

	for (size_t i = 0; i < src->nrows; i++)
		refs[i].row = (uint32_t)i;
	tn_batch_gather(dst, src->schema, &src, 1, refs, src->nrows);
	free(refs);
}

static int sign_ld(long double d)
{
	return d < 0 ? -1 : d > 0;
}

int tn_value_cmp(const struct tn_type *t, const void *a, const void *b)
{
	switch (t->kind) {
	case TN_BOOL:
	case TN_UINT8:
		return *(const uint8_t *)a - *(const uint8_t *)b;
	case TN_INT8:
		return *(const int8_t *)a - *(const int8_t *)b;
	case TN_INT16:
		return *(const int16_t *)a - *(const int16_t *)b;
	case TN_UINT16:
		return *(const uint16_t *)a - *(const uint16_t *)b;
	case TN_INT32:
	case TN_DATE: {
		int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

		return (x > y) - (x < y);
	}
	case TN_UINT32: {
		uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

		return (x > y) - (x < y);
	}
	case TN_UINT64: {
		uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

		return (x > y) - (x < y);
	}
	case TN_FLOAT: {
		float x = *(const float *)a, y = *(const float *)b;

		if (isnan(x) || isnan(y)) /* NaN sorts above every number */
			return isnan(x) - isnan(y);
		return sign_ld((long double)x - y);
	}
	case TN_DOUBLE: {
		double x = *(const double *)a, y = *(const double *)b;

		if (isnan(x) || isnan(y))
			return isnan(x) - isnan(y);
		return (x > y) - (x < y);
	}
	case TN_DECIMAL:
		if (t->precision > 18) {
			__int128 x = *(const __int128 *)a, y = *(const __int128 *)b;

			return (x > y) - (x < y);
		}
		/* fall through */
	case TN_INT64:
	case TN_TIME:
	case TN_TIMESTAMP: {
		int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

		return (x > y) - (x < y);
	}
	default: {
		const struct tn_bytes *x = a, *y = b;
		size_t n = x->len < y->len ? x->len : y->len;
		int c = n ? memcmp(x->ptr, y->ptr, n) : 0;

		return c ? (c > 0) - (c < 0) : (x->len > y->len) - (x->len < y->len);
	}
	}
}

