/* meta.c - Parquet metadata structs decoded from and encoded to Thrift compact. */
#include "parquet/meta.h"

#include <stdio.h>
#include <string.h>

#include "parquet/thrift.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ================================================================ decoding */

struct dec {
	struct pq_thrift_reader r;
	struct tn_arena *a;
	struct tn_err *err;
	long fail_index;   /* the list element that failed, -1 when none */
	size_t start_used; /* the arena's use when decoding began */
};

typedef int (*dec_fn)(struct dec *d, void *out);

static void dec_init(struct dec *d, const uint8_t *p, size_t len, struct tn_arena *a,
	struct tn_err *err)
{
	pq_thrift_reader_init(&d->r, p, len, err);
	d->a = a;
	d->err = err;
	d->fail_index = -1;
	d->start_used = a->used;
}

/* Zeroed arena memory for count elements of size bytes, within the
 * decode's budget of PQ_META_MAX_DECODED bytes; NULL and *rc set past it.
 * Every allocation of a decode goes through here. */
static void *dec_alloc(struct dec *d, size_t count, size_t size, int *rc)
{
	size_t spent = d->a->used - d->start_used;
	size_t left = spent < PQ_META_MAX_DECODED ? PQ_META_MAX_DECODED - spent : 0;

	if (size != 0 && count > left / size) {
		*rc = tn_err_set(d->err, TN_ETOOBIG,
			"at byte %zu: decoded metadata would take more than %zu MiB",
			d->r.base + d->r.pos, (size_t)PQ_META_MAX_DECODED >> 20);
		return NULL;
	}
	return tn_arena_calloc(d->a, count, size);
}

/* A copy of n bytes, NUL-terminated when nul is true. */
static const void *dec_copy(struct dec *d, const uint8_t *p, size_t n, bool nul, int *rc)
{
	uint8_t *c = dec_alloc(d, n + (nul ? 1 : 0), 1, rc);

	if (c != NULL && n != 0)
		memcpy(c, p, n);
	return c;
}

/* Put "Struct.field" (and "[i]" when a list element failed) in front of an
 * error that happened while reading field f. */
static int field_fail(struct dec *d, int rc, const char *sname, const char *const *names,
	size_t nnames, int16_t id)
{
	const char *fname = id > 0 && (size_t)id < nnames ? names[id] : NULL;
	char idbuf[24];

	if (fname == NULL) {
		snprintf(idbuf, sizeof(idbuf), "field %d", id);
		fname = idbuf;
	}
	if (d->fail_index >= 0)
		tn_err_prefix(d->err, "%s.%s[%ld]", sname, fname, d->fail_index);
	else
		tn_err_prefix(d->err, "%s.%s", sname, fname);
	d->fail_index = -1;
	return rc;
}

#define FIELD_FAIL(rc, S, N) field_fail(d, rc, S, N, ARRAY_LEN(N), f.id)

static int missing(struct dec *d, const char *sname, const char *fname)
{
	return tn_err_set(d->err, TN_ECORRUPT, "%s: required field '%s' missing", sname, fname);
}

static int negative(struct dec *d, const char *sname, const char *fname, int64_t v)
{
	return tn_err_set(d->err, TN_ECORRUPT, "%s.%s is negative (%lld)", sname, fname,
		(long long)v);
}

/* Open a struct; returns the nesting error with the struct's name. */
static int begin(struct dec *d, const char *sname)
{
	int rc = pq_thrift_struct_begin(&d->r);

	if (rc != TN_OK)
		tn_err_prefix(d->err, "%s", sname);
	return rc;
}

/* The next field of the open struct. At STOP the struct is closed and
 * *more is false. */
static int next_field(struct dec *d, struct pq_thrift_field *f, const char *sname, bool *more)
{
	int rc = pq_thrift_read_field(&d->r, f);

	if (rc != TN_OK) {
		tn_err_prefix(d->err, "%s", sname);
		return rc;
	}
	*more = f->type != PQ_TT_STOP;
	if (!*more)
		pq_thrift_struct_end(&d->r);
	return TN_OK;
}

static int skip_field(struct dec *d, const struct pq_thrift_field *f)
{
	return pq_thrift_skip(&d->r, f->type);
}

/* A list element of type t (booleans are one byte there). */
static int skip_elem(struct dec *d, uint8_t t)
{
	bool b;

	return t == PQ_TT_TRUE ? pq_thrift_read_bool(&d->r, &b) : pq_thrift_skip(&d->r, t);
}

/* ---------------------------------------------------------------- scalar fields
 * A field written with a type other than the expected one is skipped and
 * left absent, as Thrift's own readers do. */

static int get_i32(struct dec *d, const struct pq_thrift_field *f, int32_t *v, bool *has)
{
	int rc;

	if (f->type != PQ_TT_I32)
		return skip_field(d, f);
	if ((rc = pq_thrift_read_i32(&d->r, v)) == TN_OK)
		*has = true;
	return rc;
}

static int get_i64(struct dec *d, const struct pq_thrift_field *f, int64_t *v, bool *has)
{
	int rc;

	if (f->type != PQ_TT_I64)
		return skip_field(d, f);
	if ((rc = pq_thrift_read_i64(&d->r, v)) == TN_OK)
		*has = true;
	return rc;
}

static int get_i16(struct dec *d, const struct pq_thrift_field *f, int16_t *v, bool *has)
{
	int rc;

	if (f->type != PQ_TT_I16)
		return skip_field(d, f);
	if ((rc = pq_thrift_read_i16(&d->r, v)) == TN_OK)
		*has = true;
	return rc;
}

static int get_byte(struct dec *d, const struct pq_thrift_field *f, int8_t *v, bool *has)
{
	int rc;

	if (f->type != PQ_TT_BYTE)
		return skip_field(d, f);
	if ((rc = pq_thrift_read_byte(&d->r, v)) == TN_OK)
		*has = true;
	return rc;
}

static int get_double(struct dec *d, const struct pq_thrift_field *f, double *v, bool *has)
{
	int rc;

	if (f->type != PQ_TT_DOUBLE)
		return skip_field(d, f);
	if ((rc = pq_thrift_read_double(&d->r, v)) == TN_OK)
		*has = true;
	return rc;
}

static int get_bool(struct dec *d, const struct pq_thrift_field *f, bool *v, bool *has)
{
	if (f->type != PQ_TT_TRUE && f->type != PQ_TT_FALSE)
		return skip_field(d, f);
	*v = f->type == PQ_TT_TRUE;
	*has = true;
	return TN_OK;
}

static int read_binary_copy(struct dec *d, struct pq_binary *v)
{
	const uint8_t *p, *c;
	size_t n;
	int rc = pq_thrift_read_binary(&d->r, &p, &n);

	if (rc != TN_OK)
		return rc;
	if ((c = dec_copy(d, p, n, false, &rc)) == NULL)
		return rc;
	v->p = c;
	v->len = n;
	return TN_OK;
}

/* A string: NUL-terminated copy; a NUL inside is corrupt. */
static int read_string_copy(struct dec *d, const char **s)
{
	size_t start = d->r.pos;
	const uint8_t *p;
	const char *c;
	size_t n;
	int rc = pq_thrift_read_binary(&d->r, &p, &n);

	if (rc != TN_OK)
		return rc;
	if (n != 0 && memchr(p, '\0', n) != NULL)
		return tn_err_set(d->err, TN_ECORRUPT, "string at byte %zu contains a NUL byte",
			d->r.base + start);
	if ((c = dec_copy(d, p, n, true, &rc)) == NULL)
		return rc;
	*s = c;
	return TN_OK;
}

static int get_binary(struct dec *d, const struct pq_thrift_field *f, struct pq_binary *v,
	bool *has)
{
	int rc;

	if (f->type != PQ_TT_BINARY)
		return skip_field(d, f);
	if ((rc = read_binary_copy(d, v)) == TN_OK)
		*has = true;
	return rc;
}

static int get_string(struct dec *d, const struct pq_thrift_field *f, const char **s,
	bool *has)
{
	int rc;

	if (f->type != PQ_TT_BINARY)
		return skip_field(d, f);
	if ((rc = read_string_copy(d, s)) == TN_OK)
		*has = true;
	return rc;
}

static int get_struct(struct dec *d, const struct pq_thrift_field *f, void *out, bool *has,
	dec_fn fn)
{
	int rc;

	if (f->type != PQ_TT_STRUCT)
		return skip_field(d, f);
	if ((rc = fn(d, out)) == TN_OK)
		*has = true;
	return rc;
}

/* ---------------------------------------------------------------- list fields */

/* Open a list field whose elements should be of type want. When the field
 * or its elements have another type, the list is skipped and *ok is false. */
static int list_begin(struct dec *d, const struct pq_thrift_field *f, uint8_t want,
	size_t *n, bool *ok)
{
	uint8_t t;
	size_t i;
	int rc;

	*ok = false;
	if (f->type != PQ_TT_LIST)
		return skip_field(d, f);
	if ((rc = pq_thrift_read_list(&d->r, &t, n)) != TN_OK)
		return rc;
	if (t == want) {
		*ok = true;
		return TN_OK;
	}
	for (i = 0; i < *n; i++)
		if ((rc = skip_elem(d, t)) != TN_OK)
			return rc;
	pq_thrift_container_end(&d->r);
	return TN_OK;
}

static int elem_fail(struct dec *d, int rc, size_t i)
{
	d->fail_index = (long)i;
	return rc;
}

static int get_i32_list(struct dec *d, const struct pq_thrift_field *f, int32_t **arr,
	size_t *count, bool *has)
{
	size_t n, i;
	int32_t *v;
	bool ok;
	int rc = list_begin(d, f, PQ_TT_I32, &n, &ok);

	if (rc != TN_OK || !ok)
		return rc;
	if ((v = dec_alloc(d, n, sizeof(*v), &rc)) == NULL)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = pq_thrift_read_i32(&d->r, &v[i])) != TN_OK)
			return elem_fail(d, rc, i);
	pq_thrift_container_end(&d->r);
	*arr = v;
	*count = n;
	*has = true;
	return TN_OK;
}

static int get_i64_list(struct dec *d, const struct pq_thrift_field *f, int64_t **arr,
	size_t *count, bool *has)
{
	size_t n, i;
	int64_t *v;
	bool ok;
	int rc = list_begin(d, f, PQ_TT_I64, &n, &ok);

	if (rc != TN_OK || !ok)
		return rc;
	if ((v = dec_alloc(d, n, sizeof(*v), &rc)) == NULL)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = pq_thrift_read_i64(&d->r, &v[i])) != TN_OK)
			return elem_fail(d, rc, i);
	pq_thrift_container_end(&d->r);
	*arr = v;
	*count = n;
	*has = true;
	return TN_OK;
}

static int get_bool_list(struct dec *d, const struct pq_thrift_field *f, bool **arr,
	size_t *count, bool *has)
{
	size_t n, i;
	bool *v;
	bool ok;
	int rc = list_begin(d, f, PQ_TT_TRUE, &n, &ok);

	if (rc != TN_OK || !ok)
		return rc;
	if ((v = dec_alloc(d, n, sizeof(*v), &rc)) == NULL)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = pq_thrift_read_bool(&d->r, &v[i])) != TN_OK)
			return elem_fail(d, rc, i);
	pq_thrift_container_end(&d->r);
	*arr = v;
	*count = n;
	*has = true;
	return TN_OK;
}

static int get_string_list(struct dec *d, const struct pq_thrift_field *f, const char ***arr,
	size_t *count, bool *has)
{
	size_t n, i;
	const char **v;
	bool ok;
	int rc = list_begin(d, f, PQ_TT_BINARY, &n, &ok);

	if (rc != TN_OK || !ok)
		return rc;
	if ((v = dec_alloc(d, n, sizeof(*v), &rc)) == NULL)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = read_string_copy(d, &v[i])) != TN_OK)
			return elem_fail(d, rc, i);
	pq_thrift_container_end(&d->r);
	*arr = v;
	*count = n;
	*has = true;
	return TN_OK;
}

static int get_binary_list(struct dec *d, const struct pq_thrift_field *f,
	struct pq_binary **arr, size_t *count, bool *has)
{
	size_t n, i;
	struct pq_binary *v;
	bool ok;
	int rc = list_begin(d, f, PQ_TT_BINARY, &n, &ok);

	if (rc != TN_OK || !ok)
		return rc;
	if ((v = dec_alloc(d, n, sizeof(*v), &rc)) == NULL)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = read_binary_copy(d, &v[i])) != TN_OK)
			return elem_fail(d, rc, i);
	pq_thrift_container_end(&d->r);
	*arr = v;
	*count = n;
	*has = true;
	return TN_OK;
}

static int get_struct_list(struct dec *d, const struct pq_thrift_field *f, void *arr,
	size_t *count, bool *has, size_t size, dec_fn fn)
{
	size_t n, i;
	unsigned char *v;
	bool ok;
	int rc = list_begin(d, f, PQ_TT_STRUCT, &n, &ok);

	if (rc != TN_OK || !ok)
		return rc;
	/* n is at most the bytes left (checked by the reader): bounded. */
	if ((v = dec_alloc(d, n, size, &rc)) == NULL)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = fn(d, v + i * size)) != TN_OK)
			return elem_fail(d, rc, i);
	pq_thrift_container_end(&d->r);
	memcpy(arr, &v, sizeof(v));
	*count = n;
	*has = true;
	return TN_OK;
}

/* Capture the value of field f, unread so far, as an unrecognized union
 * member. */
static int get_raw(struct dec *d, const struct pq_thrift_field *f, struct pq_raw_member *raw)
{
	size_t start = d->r.pos;
	const uint8_t *c;
	int rc = skip_field(d, f);

	if (rc != TN_OK)
		return rc;
	if ((c = dec_copy(d, d->r.p + start, d->r.pos - start, false, &rc)) == NULL)
		return rc;
	raw->id = f->id;
	raw->type = f->type;
	raw->value.p = c;
	raw->value.len = d->r.pos - start;
	return TN_OK;
}

/* Every entry of a list of counts is >= 0. */
static int nonneg_list(struct dec *d, const char *sname, const char *fname, const int64_t *v,
	size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] < 0)
			return tn_err_set(d->err, TN_ECORRUPT, "%s.%s[%zu] is negative (%lld)", sname,
				fname, i, (long long)v[i]);
	return TN_OK;
}

/* An empty struct, or one whose fields tarn does not care about. */
static int dec_ignore(struct dec *d, void *out)
{
	(void)out;
	return pq_thrift_skip(&d->r, PQ_TT_STRUCT);
}

/* ---------------------------------------------------------------- logical types */

static int dec_decimal(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "scale", "precision"};
	struct pq_logical_type *lt = out;
	struct pq_thrift_field f;
	bool more, has_scale = false, has_precision = false;
	int rc;

	if ((rc = begin(d, "DecimalType")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "DecimalType", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1: rc = get_i32(d, &f, &lt->scale, &has_scale); break;
		case 2: rc = get_i32(d, &f, &lt->precision, &has_precision); break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "DecimalType", N);
	}
	if (rc != TN_OK)
		return rc;
	if (!has_scale)
		return missing(d, "DecimalType", "scale");
	if (!has_precision)
		return missing(d, "DecimalType", "precision");
	return TN_OK;
}

/* TimeUnit: *unit is 0 when the member is not one tarn knows. */
static int dec_time_unit(struct dec *d, void *out)
{
	int32_t *unit = out;
	struct pq_thrift_field f;
	bool more;
	int rc;

	*unit = 0;
	if ((rc = begin(d, "TimeUnit")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "TimeUnit", &more)) != TN_OK || !more)
			break;
		if (f.type == PQ_TT_STRUCT && f.id >= PQ_UNIT_MILLIS && f.id <= PQ_UNIT_NANOS)
			*unit = f.id;
		else
			*unit = 0;
		if ((rc = skip_field(d, &f)) != TN_OK) {
			tn_err_prefix(d->err, "TimeUnit");
			return rc;
		}
	}
	return rc;
}

/* TimeType and TimestampType have the same fields. */
static int dec_time_common(struct dec *d, struct pq_logical_type *lt, const char *sname)
{
	static const char *const N[] = {NULL, "isAdjustedToUTC", "unit"};
	struct pq_thrift_field f;
	bool more, has_utc = false, has_unit = false;
	int rc;

	if ((rc = begin(d, sname)) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, sname, &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1: rc = get_bool(d, &f, &lt->is_adjusted_to_utc, &has_utc); break;
		case 2: rc = get_struct(d, &f, &lt->unit, &has_unit, dec_time_unit); break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, sname, N);
	}
	if (rc != TN_OK)
		return rc;
	if (!has_utc)
		return missing(d, sname, "isAdjustedToUTC");
	if (!has_unit)
		return missing(d, sname, "unit");
	return TN_OK;
}

static int dec_time(struct dec *d, void *out)
{
	return dec_time_common(d, out, "TimeType");
}

static int dec_timestamp(struct dec *d, void *out)
{
	return dec_time_common(d, out, "TimestampType");
}

static int dec_int_type(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "bitWidth", "isSigned"};
	struct pq_logical_type *lt = out;
	struct pq_thrift_field f;
	bool more, has_width = false, has_signed = false;
	int rc;

	if ((rc = begin(d, "IntType")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "IntType", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1: rc = get_byte(d, &f, &lt->bit_width, &has_width); break;
		case 2: rc = get_bool(d, &f, &lt->is_signed, &has_signed); break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "IntType", N);
	}
	if (rc != TN_OK)
		return rc;
	if (!has_width)
		return missing(d, "IntType", "bitWidth");
	if (!has_signed)
		return missing(d, "IntType", "isSigned");
	return TN_OK;
}

static int dec_variant(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "specification_version"};
	struct pq_logical_type *lt = out;
	struct pq_thrift_field f;
	bool more;
	int rc;

	if ((rc = begin(d, "VariantType")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "VariantType", &more)) != TN_OK || !more)
			break;
		if (f.id == 1)
			rc = get_byte(d, &f, &lt->specification_version, &lt->has_specification_version);
		else
			rc = skip_field(d, &f);
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "VariantType", N);
	}
	return rc;
}

/* GeometryType (crs) and GeographyType (crs, algorithm). */
static int dec_geo_common(struct dec *d, struct pq_logical_type *lt, const char *sname,
	bool geography)
{
	static const char *const N[] = {NULL, "crs", "algorithm"};
	struct pq_thrift_field f;
	bool more, has_crs = false;
	int rc;

	if ((rc = begin(d, sname)) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, sname, &more)) != TN_OK || !more)
			break;
		if (f.id == 1)
			rc = get_string(d, &f, &lt->crs, &has_crs);
		else if (f.id == 2 && geography)
			rc = get_i32(d, &f, &lt->algorithm, &lt->has_algorithm);
		else
			rc = skip_field(d, &f);
		if (rc != TN_OK)
			return FIELD_FAIL(rc, sname, N);
	}
	return rc;
}

static int dec_geometry(struct dec *d, void *out)
{
	return dec_geo_common(d, out, "GeometryType", false);
}

static int dec_geography(struct dec *d, void *out)
{
	return dec_geo_common(d, out, "GeographyType", true);
}

static int dec_logical_type(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "STRING", "MAP", "LIST", "ENUM", "DECIMAL", "DATE",
		"TIME", "TIMESTAMP", "INTERVAL", "INTEGER", "UNKNOWN", "JSON", "BSON", "UUID",
		"FLOAT16", "VARIANT", "GEOMETRY", "GEOGRAPHY", "VECTOR"};
	struct pq_logical_type *lt = out;
	struct pq_thrift_field f;
	bool more, set;
	int rc;

	memset(lt, 0, sizeof(*lt));
	lt->kind = PQ_LT_UNRECOGNIZED;
	if ((rc = begin(d, "LogicalType")) != TN_OK)
		return rc;
	for (;;) {
		size_t start;
		dec_fn fn = NULL;

		if ((rc = next_field(d, &f, "LogicalType", &more)) != TN_OK || !more)
			break;
		start = d->r.pos;
		switch (f.id) {
		case PQ_LT_STRING:
		case PQ_LT_MAP:
		case PQ_LT_LIST:
		case PQ_LT_ENUM:
		case PQ_LT_DATE:
		case PQ_LT_NULL:
		case PQ_LT_JSON:
		case PQ_LT_BSON:
		case PQ_LT_UUID:
		case PQ_LT_FLOAT16:
		case PQ_LT_VECTOR: fn = dec_ignore; break;
		case PQ_LT_DECIMAL: fn = dec_decimal; break;
		case PQ_LT_TIME: fn = dec_time; break;
		case PQ_LT_TIMESTAMP: fn = dec_timestamp; break;
		case PQ_LT_INTEGER: fn = dec_int_type; break;
		case PQ_LT_VARIANT: fn = dec_variant; break;
		case PQ_LT_GEOMETRY: fn = dec_geometry; break;
		case PQ_LT_GEOGRAPHY: fn = dec_geography; break;
		default: break;
		}
		if (fn != NULL && f.type == PQ_TT_STRUCT) {
			set = false;
			rc = get_struct(d, &f, lt, &set, fn);
			lt->kind = f.id;
			if (rc == TN_OK && (f.id == PQ_LT_TIME || f.id == PQ_LT_TIMESTAMP) &&
			    lt->unit == 0) {
				/* A time unit tarn does not know: keep the member
				 * as it was written and fall back to the physical
				 * type. */
				size_t n = d->r.pos - start;
				const uint8_t *c = dec_copy(d, d->r.p + start, n, false, &rc);

				lt->kind = PQ_LT_UNRECOGNIZED;
				lt->raw.id = f.id;
				lt->raw.type = f.type;
				lt->raw.value.p = c;
				lt->raw.value.len = n;
			}
		} else {
			rc = get_raw(d, &f, &lt->raw);
			lt->kind = PQ_LT_UNRECOGNIZED;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "LogicalType", N);
	}
	return rc;
}

/* ---------------------------------------------------------------- schema */

static int dec_schema_elem(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "type", "type_length", "repetition_type", "name",
		"num_children", "converted_type", "scale", "precision", "field_id", "logicalType",
		"vector_length"};
	struct pq_schema_elem *e = out;
	struct pq_thrift_field f;
	bool more, has_name = false;
	int rc;

	memset(e, 0, sizeof(*e));
	if ((rc = begin(d, "SchemaElement")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "SchemaElement", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1: rc = get_i32(d, &f, &e->type, &e->has_type); break;
		case 2: rc = get_i32(d, &f, &e->type_length, &e->has_type_length); break;
		case 3: rc = get_i32(d, &f, &e->repetition_type, &e->has_repetition_type); break;
		case 4: rc = get_string(d, &f, &e->name, &has_name); break;
		case 5: rc = get_i32(d, &f, &e->num_children, &e->has_num_children); break;
		case 6: rc = get_i32(d, &f, &e->converted_type, &e->has_converted_type); break;
		case 7: rc = get_i32(d, &f, &e->scale, &e->has_scale); break;
		case 8: rc = get_i32(d, &f, &e->precision, &e->has_precision); break;
		case 9: rc = get_i32(d, &f, &e->field_id, &e->has_field_id); break;
		case 10:
			rc = get_struct(d, &f, &e->logical_type, &e->has_logical_type,
				dec_logical_type);
			break;
		case 11: rc = get_i32(d, &f, &e->vector_length, &e->has_vector_length); break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "SchemaElement", N);
	}
	if (rc != TN_OK)
		return rc;
	if (!has_name)
		return missing(d, "SchemaElement", "name");
	if (e->has_num_children && e->num_children < 0)
		return negative(d, "SchemaElement", "num_children", e->num_children);
	if (e->has_vector_length && e->vector_length < 0)
		return negative(d, "SchemaElement", "vector_length", e->vector_length);
	/* Only a fixed-length type needs a length; elsewhere it is a hint that
	 * some writers fill with -1. */
	if (e->has_type_length && e->type_length < 0 && e->has_type &&
	    e->type == PQ_FIXED_LEN_BYTE_ARRAY)
		return negative(d, "SchemaElement", "type_length", e->type_length);
	return TN_OK;
}

/* ---------------------------------------------------------------- statistics */

static int dec_statistics(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "max", "min", "null_count", "distinct_count",
		"max_value", "min_value", "is_max_value_exact", "is_min_value_exact", "nan_count"};
	struct pq_statistics *s = out;
	struct pq_thrift_field f;
	bool more;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = begin(d, "Statistics")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "Statistics", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1: rc = get_binary(d, &f, &s->max, &s->has_max); break;
		case 2: rc = get_binary(d, &f, &s->min, &s->has_min); break;
		case 3: rc = get_i64(d, &f, &s->null_count, &s->has_null_count); break;
		case 4: rc = get_i64(d, &f, &s->distinct_count, &s->has_distinct_count); break;
		case 5: rc = get_binary(d, &f, &s->max_value, &s->has_max_value); break;
		case 6: rc = get_binary(d, &f, &s->min_value, &s->has_min_value); break;
		case 7:
			rc = get_bool(d, &f, &s->is_max_value_exact, &s->has_is_max_value_exact);
			break;
		case 8:
			rc = get_bool(d, &f, &s->is_min_value_exact, &s->has_is_min_value_exact);
			break;
		case 9: rc = get_i64(d, &f, &s->nan_count, &s->has_nan_count); break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "Statistics", N);
	}
	if (rc != TN_OK)
		return rc;
	if (s->has_null_count && s->null_count < 0)
		return negative(d, "Statistics", "null_count", s->null_count);
	if (s->has_distinct_count && s->distinct_count < 0)
		return negative(d, "Statistics", "distinct_count", s->distinct_count);
	if (s->has_nan_count && s->nan_count < 0)
		return negative(d, "Statistics", "nan_count", s->nan_count);
	return TN_OK;
}

static int dec_size_statistics(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "unencoded_byte_array_data_bytes",
		"repetition_level_histogram", "definition_level_histogram"};
	struct pq_size_statistics *s = out;
	struct pq_thrift_field f;
	bool more;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = begin(d, "SizeStatistics")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "SizeStatistics", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1:
			rc = get_i64(d, &f, &s->unencoded_byte_array_data_bytes,
				&s->has_unencoded_byte_array_data_bytes);
			break;
		case 2:
			rc = get_i64_list(d, &f, &s->repetition_level_histogram,
				&s->n_repetition_level_histogram, &s->has_repetition_level_histogram);
			break;
		case 3:
			rc = get_i64_list(d, &f, &s->definition_level_histogram,
				&s->n_definition_level_histogram, &s->has_definition_level_histogram);
			break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "SizeStatistics", N);
	}
	if (rc != TN_OK)
		return rc;
	if (s->has_unencoded_byte_array_data_bytes && s->unencoded_byte_array_data_bytes < 0)
		return negative(d, "SizeStatistics", "unencoded_byte_array_data_bytes",
			s->unencoded_byte_array_data_bytes);
	if ((rc = nonneg_list(d, "SizeStatistics", "repetition_level_histogram",
		     s->repetition_level_histogram, s->n_repetition_level_histogram)) != TN_OK)
		return rc;
	return nonneg_list(d, "SizeStatistics", "definition_level_histogram",
		s->definition_level_histogram, s->n_definition_level_histogram);
}

static int dec_bounding_box(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "xmin", "xmax", "ymin", "ymax", "zmin", "zmax",
		"mmin", "mmax"};
	struct pq_bounding_box *b = out;
	struct pq_thrift_field f;
	bool more, has[5] = {false, false, false, false, false};
	int rc, i;

	memset(b, 0, sizeof(*b));
	if ((rc = begin(d, "BoundingBox")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "BoundingBox", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1: rc = get_double(d, &f, &b->xmin, &has[1]); break;
		case 2: rc = get_double(d, &f, &b->xmax, &has[2]); break;
		case 3: rc = get_double(d, &f, &b->ymin, &has[3]); break;
		case 4: rc = get_double(d, &f, &b->ymax, &has[4]); break;
		case 5: rc = get_double(d, &f, &b->zmin, &b->has_zmin); break;
		case 6: rc = get_double(d, &f, &b->zmax, &b->has_zmax); break;
		case 7: rc = get_double(d, &f, &b->mmin, &b->has_mmin); break;
		case 8: rc = get_double(d, &f, &b->mmax, &b->has_mmax); break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "BoundingBox", N);
	}
	if (rc != TN_OK)
		return rc;
	for (i = 1; i <= 4; i++)
		if (!has[i])
			return missing(d, "BoundingBox", N[i]);
	return TN_OK;
}

static int dec_geo_statistics(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "bbox", "geospatial_types"};
	struct pq_geo_statistics *g = out;
	struct pq_thrift_field f;
	bool more;
	int rc;

	memset(g, 0, sizeof(*g));
	if ((rc = begin(d, "GeospatialStatistics")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "GeospatialStatistics", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1: rc = get_struct(d, &f, &g->bbox, &g->has_bbox, dec_bounding_box); break;
		case 2:
			rc = get_i32_list(d, &f, &g->geospatial_types, &g->n_geospatial_types,
				&g->has_geospatial_types);
			break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "GeospatialStatistics", N);
	}
	return rc;
}

/* ---------------------------------------------------------------- column chunks */

static int dec_key_value(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "key", "value"};
	struct pq_key_value *kv = out;
	struct pq_thrift_field f;
	bool more, has_key = false;
	int rc;

	memset(kv, 0, sizeof(*kv));
	if ((rc = begin(d, "KeyValue")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "KeyValue", &more)) != TN_OK || !more)
			break;
		if (f.id == 1) {
			rc = get_string(d, &f, &kv->key, &has_key);
		} else if (f.id == 2 && f.type == PQ_TT_BINARY) {
			const uint8_t *p;
			size_t n;

			/* Values may hold any bytes: keep the length. */
			if ((rc = pq_thrift_read_binary(&d->r, &p, &n)) == TN_OK &&
			    (kv->value = dec_copy(d, p, n, true, &rc)) != NULL)
				kv->value_len = n;
		} else {
			rc = skip_field(d, &f);
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "KeyValue", N);
	}
	if (rc != TN_OK)
		return rc;
	if (!has_key)
		return missing(d, "KeyValue", "key");
	return TN_OK;
}

static int dec_page_encoding_stats(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "page_type", "encoding", "count"};
	struct pq_page_encoding_stats *s = out;
	struct pq_thrift_field f;
	bool more, has[4] = {false, false, false, false};
	int rc, i;

	memset(s, 0, sizeof(*s));
	if ((rc = begin(d, "PageEncodingStats")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "PageEncodingStats", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1: rc = get_i32(d, &f, &s->page_type, &has[1]); break;
		case 2: rc = get_i32(d, &f, &s->encoding, &has[2]); break;
		case 3: rc = get_i32(d, &f, &s->count, &has[3]); break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "PageEncodingStats", N);
	}
	if (rc != TN_OK)
		return rc;
	for (i = 1; i <= 3; i++)
		if (!has[i])
			return missing(d, "PageEncodingStats", N[i]);
	if (s->count < 0)
		return negative(d, "PageEncodingStats", "count", s->count);
	return TN_OK;
}

static int dec_column_meta(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "type", "encodings", "path_in_schema", "codec",
		"num_values", "total_uncompressed_size", "total_compressed_size",
		"key_value_metadata", "data_page_offset", "index_page_offset",
		"dictionary_page_offset", "statistics", "encoding_stats", "bloom_filter_offset",
		"bloom_filter_length", "size_statistics", "geospatial_statistics"};
	/* The required fields, by id. */
	static const int REQ[] = {1, 2, 3, 4, 5, 6, 7, 9};
	struct pq_column_meta *m = out;
	struct pq_thrift_field f;
	bool more, has[18];
	size_t i;
	int rc;

	memset(m, 0, sizeof(*m));
	memset(has, 0, sizeof(has));
	if ((rc = begin(d, "ColumnMetaData")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "ColumnMetaData", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1: rc = get_i32(d, &f, &m->type, &has[1]); break;
		case 2: rc = get_i32_list(d, &f, &m->encodings, &m->n_encodings, &has[2]); break;
		case 3:
			rc = get_string_list(d, &f, &m->path_in_schema, &m->n_path_in_schema,
				&has[3]);
			break;
		case 4: rc = get_i32(d, &f, &m->codec, &has[4]); break;
		case 5: rc = get_i64(d, &f, &m->num_values, &has[5]); break;
		case 6: rc = get_i64(d, &f, &m->total_uncompressed_size, &has[6]); break;
		case 7: rc = get_i64(d, &f, &m->total_compressed_size, &has[7]); break;
		case 8:
			rc = get_struct_list(d, &f, &m->key_value_metadata, &m->n_key_value_metadata,
				&m->has_key_value_metadata, sizeof(struct pq_key_value), dec_key_value);
			break;
		case 9: rc = get_i64(d, &f, &m->data_page_offset, &has[9]); break;
		case 10:
			rc = get_i64(d, &f, &m->index_page_offset, &m->has_index_page_offset);
			break;
		case 11:
			rc = get_i64(d, &f, &m->dictionary_page_offset,
				&m->has_dictionary_page_offset);
			break;
		case 12:
			rc = get_struct(d, &f, &m->statistics, &m->has_statistics, dec_statistics);
			break;
		case 13:
			rc = get_struct_list(d, &f, &m->encoding_stats, &m->n_encoding_stats,
				&m->has_encoding_stats, sizeof(struct pq_page_encoding_stats),
				dec_page_encoding_stats);
			break;
		case 14:
			rc = get_i64(d, &f, &m->bloom_filter_offset, &m->has_bloom_filter_offset);
			break;
		case 15:
			rc = get_i32(d, &f, &m->bloom_filter_length, &m->has_bloom_filter_length);
			break;
		case 16:
			rc = get_struct(d, &f, &m->size_statistics, &m->has_size_statistics,
				dec_size_statistics);
			break;
		case 17:
			rc = get_struct(d, &f, &m->geospatial_statistics,
				&m->has_geospatial_statistics, dec_geo_statistics);
			break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "ColumnMetaData", N);
	}
	if (rc != TN_OK)
		return rc;
	for (i = 0; i < ARRAY_LEN(REQ); i++)
		if (!has[REQ[i]])
			return missing(d, "ColumnMetaData", N[REQ[i]]);
	if (m->num_values < 0)
		return negative(d, "ColumnMetaData", "num_values", m->num_values);
	if (m->total_uncompressed_size < 0)
		return negative(d, "ColumnMetaData", "total_uncompressed_size",
			m->total_uncompressed_size);
	if (m->total_compressed_size < 0)
		return negative(d, "ColumnMetaData", "total_compressed_size",
			m->total_compressed_size);
	if (m->has_bloom_filter_length && m->bloom_filter_length < 0)
		return negative(d, "ColumnMetaData", "bloom_filter_length", m->bloom_filter_length);
	return TN_OK;
}

static int dec_column_key(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "path_in_schema", "key_metadata"};
	struct pq_column_crypto *c = out;
	struct pq_thrift_field f;
	bool more, has_path = false;
	int rc;

	if ((rc = begin(d, "EncryptionWithColumnKey")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "EncryptionWithColumnKey", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1:
			rc = get_string_list(d, &f, &c->path_in_schema, &c->n_path_in_schema,
				&has_path);
			break;
		case 2: rc = get_binary(d, &f, &c->key_metadata, &c->has_key_metadata); break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "EncryptionWithColumnKey", N);
	}
	if (rc != TN_OK)
		return rc;
	if (!has_path)
		return missing(d, "EncryptionWithColumnKey", "path_in_schema");
	return TN_OK;
}

static int dec_column_crypto(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "ENCRYPTION_WITH_FOOTER_KEY",
		"ENCRYPTION_WITH_COLUMN_KEY"};
	struct pq_column_crypto *c = out;
	struct pq_thrift_field f;
	bool more, set;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = begin(d, "ColumnCryptoMetaData")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "ColumnCryptoMetaData", &more)) != TN_OK || !more)
			break;
		if (f.id == PQ_CRYPTO_FOOTER_KEY && f.type == PQ_TT_STRUCT) {
			rc = dec_ignore(d, NULL);
			c->kind = PQ_CRYPTO_FOOTER_KEY;
		} else if (f.id == PQ_CRYPTO_COLUMN_KEY && f.type == PQ_TT_STRUCT) {
			rc = get_struct(d, &f, c, &set, dec_column_key);
			c->kind = PQ_CRYPTO_COLUMN_KEY;
		} else {
			rc = get_raw(d, &f, &c->raw);
			c->kind = PQ_CRYPTO_UNRECOGNIZED;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "ColumnCryptoMetaData", N);
	}
	return rc;
}

static int dec_column_chunk(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "file_path", "file_offset", "meta_data",
		"offset_index_offset", "offset_index_length", "column_index_offset",
		"column_index_length", "crypto_metadata", "encrypted_column_metadata"};
	struct pq_column_chunk *c = out;
	struct pq_thrift_field f;
	bool more, has_path = false, has_offset = false;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = begin(d, "ColumnChunk")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "ColumnChunk", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1: rc = get_string(d, &f, &c->file_path, &has_path); break;
		case 2: rc = get_i64(d, &f, &c->file_offset, &has_offset); break;
		case 3:
			rc = get_struct(d, &f, &c->meta_data, &c->has_meta_data, dec_column_meta);
			break;
		case 4:
			rc = get_i64(d, &f, &c->offset_index_offset, &c->has_offset_index_offset);
			break;
		case 5:
			rc = get_i32(d, &f, &c->offset_index_length, &c->has_offset_index_length);
			break;
		case 6:
			rc = get_i64(d, &f, &c->column_index_offset, &c->has_column_index_offset);
			break;
		case 7:
			rc = get_i32(d, &f, &c->column_index_length, &c->has_column_index_length);
			break;
		case 8:
			rc = get_struct(d, &f, &c->crypto_metadata, &c->has_crypto_metadata,
				dec_column_crypto);
			break;
		case 9:
			rc = get_binary(d, &f, &c->encrypted_column_metadata,
				&c->has_encrypted_column_metadata);
			break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "ColumnChunk", N);
	}
	if (rc != TN_OK)
		return rc;
	if (!has_offset)
		return missing(d, "ColumnChunk", "file_offset");
	if (c->has_offset_index_length && c->offset_index_length < 0)
		return negative(d, "ColumnChunk", "offset_index_length", c->offset_index_length);
	if (c->has_column_index_length && c->column_index_length < 0)
		return negative(d, "ColumnChunk", "column_index_length", c->column_index_length);
	return TN_OK;
}

static int dec_sorting_column(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "column_idx", "descending", "nulls_first"};
	struct pq_sorting_column *s = out;
	struct pq_thrift_field f;
	bool more, has[4] = {false, false, false, false};
	int rc, i;

	memset(s, 0, sizeof(*s));
	if ((rc = begin(d, "SortingColumn")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "SortingColumn", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1: rc = get_i32(d, &f, &s->column_idx, &has[1]); break;
		case 2: rc = get_bool(d, &f, &s->descending, &has[2]); break;
		case 3: rc = get_bool(d, &f, &s->nulls_first, &has[3]); break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "SortingColumn", N);
	}
	if (rc != TN_OK)
		return rc;
	for (i = 1; i <= 3; i++)
		if (!has[i])
			return missing(d, "SortingColumn", N[i]);
	if (s->column_idx < 0)
		return negative(d, "SortingColumn", "column_idx", s->column_idx);
	return TN_OK;
}

static int dec_row_group(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "columns", "total_byte_size", "num_rows",
		"sorting_columns", "file_offset", "total_compressed_size", "ordinal"};
	struct pq_row_group *g = out;
	struct pq_thrift_field f;
	bool more, has[4] = {false, false, false, false};
	int rc, i;

	memset(g, 0, sizeof(*g));
	if ((rc = begin(d, "RowGroup")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "RowGroup", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1:
			rc = get_struct_list(d, &f, &g->columns, &g->n_columns, &has[1],
				sizeof(struct pq_column_chunk), dec_column_chunk);
			break;
		case 2: rc = get_i64(d, &f, &g->total_byte_size, &has[2]); break;
		case 3: rc = get_i64(d, &f, &g->num_rows, &has[3]); break;
		case 4:
			rc = get_struct_list(d, &f, &g->sorting_columns, &g->n_sorting_columns,
				&g->has_sorting_columns, sizeof(struct pq_sorting_column),
				dec_sorting_column);
			break;
		case 5: rc = get_i64(d, &f, &g->file_offset, &g->has_file_offset); break;
		case 6:
			rc = get_i64(d, &f, &g->total_compressed_size, &g->has_total_compressed_size);
			break;
		case 7: rc = get_i16(d, &f, &g->ordinal, &g->has_ordinal); break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "RowGroup", N);
	}
	if (rc != TN_OK)
		return rc;
	for (i = 1; i <= 3; i++)
		if (!has[i])
			return missing(d, "RowGroup", N[i]);
	if (g->total_byte_size < 0)
		return negative(d, "RowGroup", "total_byte_size", g->total_byte_size);
	if (g->num_rows < 0)
		return negative(d, "RowGroup", "num_rows", g->num_rows);
	if (g->has_total_compressed_size && g->total_compressed_size < 0)
		return negative(d, "RowGroup", "total_compressed_size", g->total_compressed_size);
	return TN_OK;
}

static int dec_column_order(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "TYPE_ORDER", "IEEE_754_TOTAL_ORDER",
		"INT96_TIMESTAMP_ORDER"};
	struct pq_column_order *o = out;
	struct pq_thrift_field f;
	bool more;
	int rc;

	memset(o, 0, sizeof(*o));
	if ((rc = begin(d, "ColumnOrder")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "ColumnOrder", &more)) != TN_OK || !more)
			break;
		if (f.type == PQ_TT_STRUCT && f.id >= PQ_ORDER_TYPE &&
		    f.id <= PQ_ORDER_INT96_TIMESTAMP) {
			rc = dec_ignore(d, NULL);
			o->kind = f.id;
		} else {
			rc = get_raw(d, &f, &o->raw);
			o->kind = PQ_ORDER_UNRECOGNIZED;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "ColumnOrder", N);
	}
	return rc;
}

static int dec_aes(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "aad_prefix", "aad_file_unique",
		"supply_aad_prefix"};
	struct pq_encryption_algorithm *e = out;
	struct pq_thrift_field f;
	bool more;
	int rc;

	if ((rc = begin(d, "AesGcmV1")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "AesGcmV1", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1: rc = get_binary(d, &f, &e->aad_prefix, &e->has_aad_prefix); break;
		case 2:
			rc = get_binary(d, &f, &e->aad_file_unique, &e->has_aad_file_unique);
			break;
		case 3:
			rc = get_bool(d, &f, &e->supply_aad_prefix, &e->has_supply_aad_prefix);
			break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "AesGcmV1", N);
	}
	return rc;
}

static int dec_encryption_algorithm(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "AES_GCM_V1", "AES_GCM_CTR_V1"};
	struct pq_encryption_algorithm *e = out;
	struct pq_thrift_field f;
	bool more, set;
	int rc;

	memset(e, 0, sizeof(*e));
	if ((rc = begin(d, "EncryptionAlgorithm")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "EncryptionAlgorithm", &more)) != TN_OK || !more)
			break;
		if (f.type == PQ_TT_STRUCT && (f.id == PQ_ENCRYPTION_AES_GCM_V1 ||
						f.id == PQ_ENCRYPTION_AES_GCM_CTR_V1)) {
			rc = get_struct(d, &f, e, &set, dec_aes);
			e->kind = f.id;
		} else {
			rc = get_raw(d, &f, &e->raw);
			e->kind = PQ_ENCRYPTION_UNRECOGNIZED;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "EncryptionAlgorithm", N);
	}
	return rc;
}

static int dec_file_meta(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "version", "schema", "num_rows", "row_groups",
		"key_value_metadata", "created_by", "column_orders", "encryption_algorithm",
		"footer_signing_key_metadata"};
	struct pq_file_meta *m = out;
	struct pq_thrift_field f;
	bool more, has[5] = {false, false, false, false, false}, has_created_by = false;
	int rc, i;

	memset(m, 0, sizeof(*m));
	if ((rc = begin(d, "FileMetaData")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "FileMetaData", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1: rc = get_i32(d, &f, &m->version, &has[1]); break;
		case 2:
			rc = get_struct_list(d, &f, &m->schema, &m->n_schema, &has[2],
				sizeof(struct pq_schema_elem), dec_schema_elem);
			break;
		case 3: rc = get_i64(d, &f, &m->num_rows, &has[3]); break;
		case 4:
			rc = get_struct_list(d, &f, &m->row_groups, &m->n_row_groups, &has[4],
				sizeof(struct pq_row_group), dec_row_group);
			break;
		case 5:
			rc = get_struct_list(d, &f, &m->key_value_metadata, &m->n_key_value_metadata,
				&m->has_key_value_metadata, sizeof(struct pq_key_value), dec_key_value);
			break;
		case 6: rc = get_string(d, &f, &m->created_by, &has_created_by); break;
		case 7:
			rc = get_struct_list(d, &f, &m->column_orders, &m->n_column_orders,
				&m->has_column_orders, sizeof(struct pq_column_order), dec_column_order);
			break;
		case 8:
			rc = get_struct(d, &f, &m->encryption_algorithm, &m->has_encryption_algorithm,
				dec_encryption_algorithm);
			break;
		case 9:
			rc = get_binary(d, &f, &m->footer_signing_key_metadata,
				&m->has_footer_signing_key_metadata);
			break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "FileMetaData", N);
	}
	if (rc != TN_OK)
		return rc;
	for (i = 1; i <= 4; i++)
		if (!has[i])
			return missing(d, "FileMetaData", N[i]);
	if (m->n_schema == 0)
		return tn_err_set(d->err, TN_ECORRUPT, "FileMetaData.schema is empty (no root)");
	if (m->num_rows < 0)
		return negative(d, "FileMetaData", "num_rows", m->num_rows);
	return TN_OK;
}

/* ---------------------------------------------------------------- pages */

/* Read required i32 fields by id 1..n into v[], and the rest by callback. */
static int dec_data_page_header(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "num_values", "encoding",
		"definition_level_encoding", "repetition_level_encoding", "statistics"};
	struct pq_data_page_header *h = out;
	struct pq_thrift_field f;
	bool more, has[5] = {false, false, false, false, false};
	int rc, i;

	memset(h, 0, sizeof(*h));
	if ((rc = begin(d, "DataPageHeader")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "DataPageHeader", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1: rc = get_i32(d, &f, &h->num_values, &has[1]); break;
		case 2: rc = get_i32(d, &f, &h->encoding, &has[2]); break;
		case 3: rc = get_i32(d, &f, &h->definition_level_encoding, &has[3]); break;
		case 4: rc = get_i32(d, &f, &h->repetition_level_encoding, &has[4]); break;
		case 5:
			rc = get_struct(d, &f, &h->statistics, &h->has_statistics, dec_statistics);
			break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "DataPageHeader", N);
	}
	if (rc != TN_OK)
		return rc;
	for (i = 1; i <= 4; i++)
		if (!has[i])
			return missing(d, "DataPageHeader", N[i]);
	if (h->num_values < 0)
		return negative(d, "DataPageHeader", "num_values", h->num_values);
	return TN_OK;
}

static int dec_dictionary_page_header(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "num_values", "encoding", "is_sorted"};
	struct pq_dictionary_page_header *h = out;
	struct pq_thrift_field f;
	bool more, has[3] = {false, false, false};
	int rc, i;

	memset(h, 0, sizeof(*h));
	if ((rc = begin(d, "DictionaryPageHeader")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "DictionaryPageHeader", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1: rc = get_i32(d, &f, &h->num_values, &has[1]); break;
		case 2: rc = get_i32(d, &f, &h->encoding, &has[2]); break;
		case 3: rc = get_bool(d, &f, &h->is_sorted, &h->has_is_sorted); break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "DictionaryPageHeader", N);
	}
	if (rc != TN_OK)
		return rc;
	for (i = 1; i <= 2; i++)
		if (!has[i])
			return missing(d, "DictionaryPageHeader", N[i]);
	if (h->num_values < 0)
		return negative(d, "DictionaryPageHeader", "num_values", h->num_values);
	return TN_OK;
}

static int dec_data_page_header_v2(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "num_values", "num_nulls", "num_rows", "encoding",
		"definition_levels_byte_length", "repetition_levels_byte_length", "is_compressed",
		"statistics"};
	struct pq_data_page_header_v2 *h = out;
	struct pq_thrift_field f;
	bool more, has[7];
	int32_t *req[7];
	int rc, i;

	memset(h, 0, sizeof(*h));
	memset(has, 0, sizeof(has));
	h->is_compressed = true;
	req[0] = NULL;
	req[1] = &h->num_values;
	req[2] = &h->num_nulls;
	req[3] = &h->num_rows;
	req[4] = &h->encoding;
	req[5] = &h->definition_levels_byte_length;
	req[6] = &h->repetition_levels_byte_length;
	if ((rc = begin(d, "DataPageHeaderV2")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "DataPageHeaderV2", &more)) != TN_OK || !more)
			break;
		if (f.id >= 1 && f.id <= 6)
			rc = get_i32(d, &f, req[f.id], &has[f.id]);
		else if (f.id == 7)
			rc = get_bool(d, &f, &h->is_compressed, &h->has_is_compressed);
		else if (f.id == 8)
			rc = get_struct(d, &f, &h->statistics, &h->has_statistics, dec_statistics);
		else
			rc = skip_field(d, &f);
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "DataPageHeaderV2", N);
	}
	if (rc != TN_OK)
		return rc;
	for (i = 1; i <= 6; i++) {
		if (!has[i])
			return missing(d, "DataPageHeaderV2", N[i]);
		if (i != 4 && *req[i] < 0)
			return negative(d, "DataPageHeaderV2", N[i], *req[i]);
	}
	return TN_OK;
}

static int dec_page_header(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "type", "uncompressed_page_size",
		"compressed_page_size", "crc", "data_page_header", "index_page_header",
		"dictionary_page_header", "data_page_header_v2"};
	struct pq_page_header *h = out;
	struct pq_thrift_field f;
	bool more, has[4] = {false, false, false, false};
	int rc, i;

	memset(h, 0, sizeof(*h));
	if ((rc = begin(d, "PageHeader")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "PageHeader", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1: rc = get_i32(d, &f, &h->type, &has[1]); break;
		case 2: rc = get_i32(d, &f, &h->uncompressed_page_size, &has[2]); break;
		case 3: rc = get_i32(d, &f, &h->compressed_page_size, &has[3]); break;
		case 4: rc = get_i32(d, &f, &h->crc, &h->has_crc); break;
		case 5:
			rc = get_struct(d, &f, &h->data_page_header, &h->has_data_page_header,
				dec_data_page_header);
			break;
		case 6:
			rc = get_struct(d, &f, NULL, &h->has_index_page_header, dec_ignore);
			break;
		case 7:
			rc = get_struct(d, &f, &h->dictionary_page_header,
				&h->has_dictionary_page_header, dec_dictionary_page_header);
			break;
		case 8:
			rc = get_struct(d, &f, &h->data_page_header_v2, &h->has_data_page_header_v2,
				dec_data_page_header_v2);
			break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "PageHeader", N);
	}
	if (rc != TN_OK)
		return rc;
	for (i = 1; i <= 3; i++)
		if (!has[i])
			return missing(d, "PageHeader", N[i]);
	if (h->uncompressed_page_size < 0)
		return negative(d, "PageHeader", "uncompressed_page_size",
			h->uncompressed_page_size);
	if (h->compressed_page_size < 0)
		return negative(d, "PageHeader", "compressed_page_size", h->compressed_page_size);
	return TN_OK;
}

/* ---------------------------------------------------------------- page index */

static int dec_column_index(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "null_pages", "min_values", "max_values",
		"boundary_order", "null_counts", "repetition_level_histograms",
		"definition_level_histograms", "nan_counts"};
	struct pq_column_index *ci = out;
	struct pq_thrift_field f;
	bool more, has[5] = {false, false, false, false, false};
	size_t n_min = 0, n_max = 0, n_null_counts = 0, n_nan_counts = 0;
	int rc, i;

	memset(ci, 0, sizeof(*ci));
	if ((rc = begin(d, "ColumnIndex")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "ColumnIndex", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1: rc = get_bool_list(d, &f, &ci->null_pages, &ci->n_pages, &has[1]); break;
		case 2: rc = get_binary_list(d, &f, &ci->min_values, &n_min, &has[2]); break;
		case 3: rc = get_binary_list(d, &f, &ci->max_values, &n_max, &has[3]); break;
		case 4: rc = get_i32(d, &f, &ci->boundary_order, &has[4]); break;
		case 5:
			rc = get_i64_list(d, &f, &ci->null_counts, &n_null_counts,
				&ci->has_null_counts);
			break;
		case 6:
			rc = get_i64_list(d, &f, &ci->repetition_level_histograms,
				&ci->n_repetition_level_histograms,
				&ci->has_repetition_level_histograms);
			break;
		case 7:
			rc = get_i64_list(d, &f, &ci->definition_level_histograms,
				&ci->n_definition_level_histograms,
				&ci->has_definition_level_histograms);
			break;
		case 8:
			rc = get_i64_list(d, &f, &ci->nan_counts, &n_nan_counts, &ci->has_nan_counts);
			break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "ColumnIndex", N);
	}
	if (rc != TN_OK)
		return rc;
	for (i = 1; i <= 4; i++)
		if (!has[i])
			return missing(d, "ColumnIndex", N[i]);
	if (n_min != ci->n_pages || n_max != ci->n_pages ||
	    (ci->has_null_counts && n_null_counts != ci->n_pages) ||
	    (ci->has_nan_counts && n_nan_counts != ci->n_pages))
		return tn_err_set(d->err, TN_ECORRUPT,
			"ColumnIndex: lists of different lengths (null_pages %zu, min_values %zu, "
			"max_values %zu, null_counts %zu, nan_counts %zu)",
			ci->n_pages, n_min, n_max, n_null_counts, n_nan_counts);
	if ((rc = nonneg_list(d, "ColumnIndex", "null_counts", ci->null_counts,
		     ci->has_null_counts ? ci->n_pages : 0)) != TN_OK ||
	    (rc = nonneg_list(d, "ColumnIndex", "nan_counts", ci->nan_counts,
		     ci->has_nan_counts ? ci->n_pages : 0)) != TN_OK ||
	    (rc = nonneg_list(d, "ColumnIndex", "repetition_level_histograms",
		     ci->repetition_level_histograms, ci->n_repetition_level_histograms)) != TN_OK)
		return rc;
	return nonneg_list(d, "ColumnIndex", "definition_level_histograms",
		ci->definition_level_histograms, ci->n_definition_level_histograms);
}

static int dec_page_location(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "offset", "compressed_page_size",
		"first_row_index"};
	struct pq_page_location *l = out;
	struct pq_thrift_field f;
	bool more, has[4] = {false, false, false, false};
	int rc, i;

	memset(l, 0, sizeof(*l));
	if ((rc = begin(d, "PageLocation")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "PageLocation", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1: rc = get_i64(d, &f, &l->offset, &has[1]); break;
		case 2: rc = get_i32(d, &f, &l->compressed_page_size, &has[2]); break;
		case 3: rc = get_i64(d, &f, &l->first_row_index, &has[3]); break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "PageLocation", N);
	}
	if (rc != TN_OK)
		return rc;
	for (i = 1; i <= 3; i++)
		if (!has[i])
			return missing(d, "PageLocation", N[i]);
	if (l->compressed_page_size < 0)
		return negative(d, "PageLocation", "compressed_page_size", l->compressed_page_size);
	if (l->first_row_index < 0)
		return negative(d, "PageLocation", "first_row_index", l->first_row_index);
	return TN_OK;
}

static int dec_offset_index(struct dec *d, void *out)
{
	static const char *const N[] = {NULL, "page_locations", "unencoded_byte_array_data_bytes"};
	struct pq_offset_index *oi = out;
	struct pq_thrift_field f;
	bool more, has_locations = false;
	size_t n_unenc = 0;
	int rc;

	memset(oi, 0, sizeof(*oi));
	if ((rc = begin(d, "OffsetIndex")) != TN_OK)
		return rc;
	for (;;) {
		if ((rc = next_field(d, &f, "OffsetIndex", &more)) != TN_OK || !more)
			break;
		switch (f.id) {
		case 1:
			rc = get_struct_list(d, &f, &oi->page_locations, &oi->n_page_locations,
				&has_locations, sizeof(struct pq_page_location), dec_page_location);
			break;
		case 2:
			rc = get_i64_list(d, &f, &oi->unencoded_byte_array_data_bytes, &n_unenc,
				&oi->has_unencoded_byte_array_data_bytes);
			break;
		default: rc = skip_field(d, &f); break;
		}
		if (rc != TN_OK)
			return FIELD_FAIL(rc, "OffsetIndex", N);
	}
	if (rc != TN_OK)
		return rc;
	if (!has_locations)
		return missing(d, "OffsetIndex", "page_locations");
	if (oi->has_unencoded_byte_array_data_bytes && n_unenc != oi->n_page_locations)
		return tn_err_set(d->err, TN_ECORRUPT,
			"OffsetIndex: %zu unencoded_byte_array_data_bytes for %zu pages", n_unenc,
			oi->n_page_locations);
	return nonneg_list(d, "OffsetIndex", "unencoded_byte_array_data_bytes",
		oi->unencoded_byte_array_data_bytes,
		oi->has_unencoded_byte_array_data_bytes ? n_unenc : 0);
}

/* ---------------------------------------------------------------- public decoders */

static int decode(const uint8_t *p, size_t len, struct tn_arena *a, void *out,
	size_t *consumed, dec_fn fn, struct tn_err *err)
{
	struct dec d;
	int rc;

	if (p == NULL && len != 0)
		return tn_err_set(err, TN_EINVAL, "metadata decode: NULL input");
	dec_init(&d, p, len, a, err);
	rc = fn(&d, out);
	if (rc == TN_OK && consumed != NULL)
		*consumed = d.r.pos;
	return rc;
}

int pq_file_meta_decode(const uint8_t *p, size_t len, struct tn_arena *a,
	struct pq_file_meta *out, struct tn_err *err)
{
	return decode(p, len, a, out, NULL, dec_file_meta, err);
}

int pq_page_header_decode(const uint8_t *p, size_t len, struct tn_arena *a,
	struct pq_page_header *out, size_t *consumed, struct tn_err *err)
{
	return decode(p, len, a, out, consumed, dec_page_header, err);
}

int pq_column_index_decode(const uint8_t *p, size_t len, struct tn_arena *a,
	struct pq_column_index *out, struct tn_err *err)
{
	return decode(p, len, a, out, NULL, dec_column_index, err);
}

int pq_offset_index_decode(const uint8_t *p, size_t len, struct tn_arena *a,
	struct pq_offset_index *out, struct tn_err *err)
{
	return decode(p, len, a, out, NULL, dec_offset_index, err);
}

/* ================================================================ encoding
 * The writer's errors are sticky, so encoders write straight through and
 * the public functions look at the status once at the end. */

typedef struct pq_thrift_writer W;

static void invalid(W *w, const char *sname, const char *fname, const char *why)
{
	if (w->status == TN_OK)
		w->status = tn_err_set(w->err, TN_EINVAL, "%s.%s %s", sname, fname, why);
}

/* An array with count n: NULL is allowed only when n is 0. */
static bool arr_ok(W *w, const void *arr, size_t n, const char *sname, const char *fname)
{
	if (arr == NULL && n != 0) {
		invalid(w, sname, fname, "is NULL with a non-zero count");
		return false;
	}
	return true;
}

static void put_binary(W *w, int16_t id, const struct pq_binary *b, const char *sname,
	const char *fname)
{
	if (arr_ok(w, b->p, b->len, sname, fname))
		pq_thrift_write_binary_field(w, id, b->p, b->len);
}

static void put_string(W *w, int16_t id, const char *s)
{
	if (s != NULL)
		pq_thrift_write_binary_field(w, id, s, strlen(s));
}

static void put_req_string(W *w, int16_t id, const char *s, const char *sname,
	const char *fname)
{
	if (s == NULL)
		invalid(w, sname, fname, "is NULL but required");
	else
		pq_thrift_write_binary_field(w, id, s, strlen(s));
}

static void put_i32_list(W *w, int16_t id, const int32_t *v, size_t n, const char *sname,
	const char *fname)
{
	size_t i;

	if (!arr_ok(w, v, n, sname, fname))
		return;
	pq_thrift_write_field(w, id, PQ_TT_LIST);
	pq_thrift_write_list(w, PQ_TT_I32, n);
	for (i = 0; i < n && w->status == TN_OK; i++)
		pq_thrift_write_i32(w, v[i]);
}

static void put_i64_list(W *w, int16_t id, const int64_t *v, size_t n, const char *sname,
	const char *fname)
{
	size_t i;

	if (!arr_ok(w, v, n, sname, fname))
		return;
	pq_thrift_write_field(w, id, PQ_TT_LIST);
	pq_thrift_write_list(w, PQ_TT_I64, n);
	for (i = 0; i < n && w->status == TN_OK; i++)
		pq_thrift_write_i64(w, v[i]);
}

static void put_string_list(W *w, int16_t id, const char *const *v, size_t n, const char *sname,
	const char *fname)
{
	size_t i;

	if (!arr_ok(w, v, n, sname, fname))
		return;
	pq_thrift_write_field(w, id, PQ_TT_LIST);
	pq_thrift_write_list(w, PQ_TT_BINARY, n);
	for (i = 0; i < n && w->status == TN_OK; i++) {
		if (v[i] == NULL)
			invalid(w, sname, fname, "has a NULL element");
		else
			pq_thrift_write_binary(w, v[i], strlen(v[i]));
	}
}

static void put_raw(W *w, const struct pq_raw_member *raw)
{
	if (raw->type == PQ_TT_STOP)
		return; /* an empty union */
	if (!arr_ok(w, raw->value.p, raw->value.len, "union", "raw member"))
		return;
	pq_thrift_write_field(w, raw->id, raw->type);
	pq_thrift_write_raw(w, raw->value.p, raw->value.len);
}

/* A field holding an empty struct. */
static void put_empty(W *w, int16_t id)
{
	pq_thrift_write_field(w, id, PQ_TT_STRUCT);
	pq_thrift_write_struct_begin(w);
	pq_thrift_write_struct_end(w);
}

static void enc_logical_type(W *w, const struct pq_logical_type *lt)
{
	pq_thrift_write_struct_begin(w);
	switch (lt->kind) {
	case PQ_LT_DECIMAL:
		pq_thrift_write_field(w, PQ_LT_DECIMAL, PQ_TT_STRUCT);
		pq_thrift_write_struct_begin(w);
		pq_thrift_write_i32_field(w, 1, lt->scale);
		pq_thrift_write_i32_field(w, 2, lt->precision);
		pq_thrift_write_struct_end(w);
		break;
	case PQ_LT_TIME:
	case PQ_LT_TIMESTAMP:
		if (lt->unit < PQ_UNIT_MILLIS || lt->unit > PQ_UNIT_NANOS) {
			invalid(w, "LogicalType", "unit", "is not MILLIS, MICROS or NANOS");
			break;
		}
		pq_thrift_write_field(w, (int16_t)lt->kind, PQ_TT_STRUCT);
		pq_thrift_write_struct_begin(w);
		pq_thrift_write_bool_field(w, 1, lt->is_adjusted_to_utc);
		pq_thrift_write_field(w, 2, PQ_TT_STRUCT);
		pq_thrift_write_struct_begin(w);
		put_empty(w, (int16_t)lt->unit);
		pq_thrift_write_struct_end(w);
		pq_thrift_write_struct_end(w);
		break;
	case PQ_LT_INTEGER:
		pq_thrift_write_field(w, PQ_LT_INTEGER, PQ_TT_STRUCT);
		pq_thrift_write_struct_begin(w);
		pq_thrift_write_field(w, 1, PQ_TT_BYTE);
		pq_thrift_write_byte(w, lt->bit_width);
		pq_thrift_write_bool_field(w, 2, lt->is_signed);
		pq_thrift_write_struct_end(w);
		break;
	case PQ_LT_VARIANT:
		pq_thrift_write_field(w, PQ_LT_VARIANT, PQ_TT_STRUCT);
		pq_thrift_write_struct_begin(w);
		if (lt->has_specification_version) {
			pq_thrift_write_field(w, 1, PQ_TT_BYTE);
			pq_thrift_write_byte(w, lt->specification_version);
		}
		pq_thrift_write_struct_end(w);
		break;
	case PQ_LT_GEOMETRY:
	case PQ_LT_GEOGRAPHY:
		pq_thrift_write_field(w, (int16_t)lt->kind, PQ_TT_STRUCT);
		pq_thrift_write_struct_begin(w);
		put_string(w, 1, lt->crs);
		if (lt->kind == PQ_LT_GEOGRAPHY && lt->has_algorithm)
			pq_thrift_write_i32_field(w, 2, lt->algorithm);
		pq_thrift_write_struct_end(w);
		break;
	case PQ_LT_STRING:
	case PQ_LT_MAP:
	case PQ_LT_LIST:
	case PQ_LT_ENUM:
	case PQ_LT_DATE:
	case PQ_LT_NULL:
	case PQ_LT_JSON:
	case PQ_LT_BSON:
	case PQ_LT_UUID:
	case PQ_LT_FLOAT16:
	case PQ_LT_VECTOR:
		put_empty(w, (int16_t)lt->kind);
		break;
	case PQ_LT_UNRECOGNIZED:
		put_raw(w, &lt->raw);
		break;
	default:
		invalid(w, "LogicalType", "kind", "is not a LogicalType member");
		break;
	}
	pq_thrift_write_struct_end(w);
}

static void enc_schema_elem(W *w, const struct pq_schema_elem *e)
{
	pq_thrift_write_struct_begin(w);
	if (e->has_type)
		pq_thrift_write_i32_field(w, 1, e->type);
	if (e->has_type_length)
		pq_thrift_write_i32_field(w, 2, e->type_length);
	if (e->has_repetition_type)
		pq_thrift_write_i32_field(w, 3, e->repetition_type);
	put_req_string(w, 4, e->name, "SchemaElement", "name");
	if (e->has_num_children)
		pq_thrift_write_i32_field(w, 5, e->num_children);
	if (e->has_converted_type)
		pq_thrift_write_i32_field(w, 6, e->converted_type);
	if (e->has_scale)
		pq_thrift_write_i32_field(w, 7, e->scale);
	if (e->has_precision)
		pq_thrift_write_i32_field(w, 8, e->precision);
	if (e->has_field_id)
		pq_thrift_write_i32_field(w, 9, e->field_id);
	if (e->has_logical_type) {
		pq_thrift_write_field(w, 10, PQ_TT_STRUCT);
		enc_logical_type(w, &e->logical_type);
	}
	if (e->has_vector_length)
		pq_thrift_write_i32_field(w, 11, e->vector_length);
	pq_thrift_write_struct_end(w);
}

static void enc_statistics(W *w, int16_t id, const struct pq_statistics *s)
{
	pq_thrift_write_field(w, id, PQ_TT_STRUCT);
	pq_thrift_write_struct_begin(w);
	if (s->has_max)
		put_binary(w, 1, &s->max, "Statistics", "max");
	if (s->has_min)
		put_binary(w, 2, &s->min, "Statistics", "min");
	if (s->has_null_count)
		pq_thrift_write_i64_field(w, 3, s->null_count);
	if (s->has_distinct_count)
		pq_thrift_write_i64_field(w, 4, s->distinct_count);
	if (s->has_max_value)
		put_binary(w, 5, &s->max_value, "Statistics", "max_value");
	if (s->has_min_value)
		put_binary(w, 6, &s->min_value, "Statistics", "min_value");
	if (s->has_is_max_value_exact)
		pq_thrift_write_bool_field(w, 7, s->is_max_value_exact);
	if (s->has_is_min_value_exact)
		pq_thrift_write_bool_field(w, 8, s->is_min_value_exact);
	if (s->has_nan_count)
		pq_thrift_write_i64_field(w, 9, s->nan_count);
	pq_thrift_write_struct_end(w);
}

static void enc_size_statistics(W *w, const struct pq_size_statistics *s)
{
	pq_thrift_write_field(w, 16, PQ_TT_STRUCT);
	pq_thrift_write_struct_begin(w);
	if (s->has_unencoded_byte_array_data_bytes)
		pq_thrift_write_i64_field(w, 1, s->unencoded_byte_array_data_bytes);
	if (s->has_repetition_level_histogram)
		put_i64_list(w, 2, s->repetition_level_histogram, s->n_repetition_level_histogram,
			"SizeStatistics", "repetition_level_histogram");
	if (s->has_definition_level_histogram)
		put_i64_list(w, 3, s->definition_level_histogram, s->n_definition_level_histogram,
			"SizeStatistics", "definition_level_histogram");
	pq_thrift_write_struct_end(w);
}

static void put_double_field(W *w, int16_t id, double v)
{
	pq_thrift_write_field(w, id, PQ_TT_DOUBLE);
	pq_thrift_write_double(w, v);
}

static void enc_geo_statistics(W *w, const struct pq_geo_statistics *g)
{
	pq_thrift_write_field(w, 17, PQ_TT_STRUCT);
	pq_thrift_write_struct_begin(w);
	if (g->has_bbox) {
		const struct pq_bounding_box *b = &g->bbox;

		pq_thrift_write_field(w, 1, PQ_TT_STRUCT);
		pq_thrift_write_struct_begin(w);
		put_double_field(w, 1, b->xmin);
		put_double_field(w, 2, b->xmax);
		put_double_field(w, 3, b->ymin);
		put_double_field(w, 4, b->ymax);
		if (b->has_zmin)
			put_double_field(w, 5, b->zmin);
		if (b->has_zmax)
			put_double_field(w, 6, b->zmax);
		if (b->has_mmin)
			put_double_field(w, 7, b->mmin);
		if (b->has_mmax)
			put_double_field(w, 8, b->mmax);
		pq_thrift_write_struct_end(w);
	}
	if (g->has_geospatial_types)
		put_i32_list(w, 2, g->geospatial_types, g->n_geospatial_types,
			"GeospatialStatistics", "geospatial_types");
	pq_thrift_write_struct_end(w);
}

static void enc_key_values(W *w, int16_t id, const struct pq_key_value *kv, size_t n,
	const char *sname)
{
	size_t i;

	if (!arr_ok(w, kv, n, sname, "key_value_metadata"))
		return;
	pq_thrift_write_field(w, id, PQ_TT_LIST);
	pq_thrift_write_list(w, PQ_TT_STRUCT, n);
	for (i = 0; i < n && w->status == TN_OK; i++) {
		pq_thrift_write_struct_begin(w);
		put_req_string(w, 1, kv[i].key, "KeyValue", "key");
		if (kv[i].value != NULL)
			pq_thrift_write_binary_field(w, 2, kv[i].value, kv[i].value_len);
		pq_thrift_write_struct_end(w);
	}
}

static void enc_column_meta(W *w, const struct pq_column_meta *m)
{
	static const char S[] = "ColumnMetaData";
	size_t i;

	pq_thrift_write_field(w, 3, PQ_TT_STRUCT);
	pq_thrift_write_struct_begin(w);
	pq_thrift_write_i32_field(w, 1, m->type);
	put_i32_list(w, 2, m->encodings, m->n_encodings, S, "encodings");
	put_string_list(w, 3, m->path_in_schema, m->n_path_in_schema, S, "path_in_schema");
	pq_thrift_write_i32_field(w, 4, m->codec);
	pq_thrift_write_i64_field(w, 5, m->num_values);
	pq_thrift_write_i64_field(w, 6, m->total_uncompressed_size);
	pq_thrift_write_i64_field(w, 7, m->total_compressed_size);
	if (m->has_key_value_metadata)
		enc_key_values(w, 8, m->key_value_metadata, m->n_key_value_metadata, S);
	pq_thrift_write_i64_field(w, 9, m->data_page_offset);
	if (m->has_index_page_offset)
		pq_thrift_write_i64_field(w, 10, m->index_page_offset);
	if (m->has_dictionary_page_offset)
		pq_thrift_write_i64_field(w, 11, m->dictionary_page_offset);
	if (m->has_statistics)
		enc_statistics(w, 12, &m->statistics);
	if (m->has_encoding_stats && arr_ok(w, m->encoding_stats, m->n_encoding_stats, S,
					      "encoding_stats")) {
		pq_thrift_write_field(w, 13, PQ_TT_LIST);
		pq_thrift_write_list(w, PQ_TT_STRUCT, m->n_encoding_stats);
		for (i = 0; i < m->n_encoding_stats && w->status == TN_OK; i++) {
			pq_thrift_write_struct_begin(w);
			pq_thrift_write_i32_field(w, 1, m->encoding_stats[i].page_type);
			pq_thrift_write_i32_field(w, 2, m->encoding_stats[i].encoding);
			pq_thrift_write_i32_field(w, 3, m->encoding_stats[i].count);
			pq_thrift_write_struct_end(w);
		}
	}
	if (m->has_bloom_filter_offset)
		pq_thrift_write_i64_field(w, 14, m->bloom_filter_offset);
	if (m->has_bloom_filter_length)
		pq_thrift_write_i32_field(w, 15, m->bloom_filter_length);
	if (m->has_size_statistics)
		enc_size_statistics(w, &m->size_statistics);
	if (m->has_geospatial_statistics)
		enc_geo_statistics(w, &m->geospatial_statistics);
	pq_thrift_write_struct_end(w);
}

static void enc_column_crypto(W *w, const struct pq_column_crypto *c)
{
	pq_thrift_write_field(w, 8, PQ_TT_STRUCT);
	pq_thrift_write_struct_begin(w);
	switch (c->kind) {
	case PQ_CRYPTO_FOOTER_KEY:
		put_empty(w, PQ_CRYPTO_FOOTER_KEY);
		break;
	case PQ_CRYPTO_COLUMN_KEY:
		pq_thrift_write_field(w, PQ_CRYPTO_COLUMN_KEY, PQ_TT_STRUCT);
		pq_thrift_write_struct_begin(w);
		put_string_list(w, 1, c->path_in_schema, c->n_path_in_schema,
			"EncryptionWithColumnKey", "path_in_schema");
		if (c->has_key_metadata)
			put_binary(w, 2, &c->key_metadata, "EncryptionWithColumnKey", "key_metadata");
		pq_thrift_write_struct_end(w);
		break;
	case PQ_CRYPTO_UNRECOGNIZED:
		put_raw(w, &c->raw);
		break;
	default:
		invalid(w, "ColumnCryptoMetaData", "kind", "is not a member");
		break;
	}
	pq_thrift_write_struct_end(w);
}

static void enc_column_chunk(W *w, const struct pq_column_chunk *c)
{
	pq_thrift_write_struct_begin(w);
	put_string(w, 1, c->file_path);
	pq_thrift_write_i64_field(w, 2, c->file_offset);
	if (c->has_meta_data)
		enc_column_meta(w, &c->meta_data);
	if (c->has_offset_index_offset)
		pq_thrift_write_i64_field(w, 4, c->offset_index_offset);
	if (c->has_offset_index_length)
		pq_thrift_write_i32_field(w, 5, c->offset_index_length);
	if (c->has_column_index_offset)
		pq_thrift_write_i64_field(w, 6, c->column_index_offset);
	if (c->has_column_index_length)
		pq_thrift_write_i32_field(w, 7, c->column_index_length);
	if (c->has_crypto_metadata)
		enc_column_crypto(w, &c->crypto_metadata);
	if (c->has_encrypted_column_metadata)
		put_binary(w, 9, &c->encrypted_column_metadata, "ColumnChunk",
			"encrypted_column_metadata");
	pq_thrift_write_struct_end(w);
}

static void enc_row_group(W *w, const struct pq_row_group *g)
{
	size_t i;

	pq_thrift_write_struct_begin(w);
	if (arr_ok(w, g->columns, g->n_columns, "RowGroup", "columns")) {
		pq_thrift_write_field(w, 1, PQ_TT_LIST);
		pq_thrift_write_list(w, PQ_TT_STRUCT, g->n_columns);
		for (i = 0; i < g->n_columns && w->status == TN_OK; i++)
			enc_column_chunk(w, &g->columns[i]);
	}
	pq_thrift_write_i64_field(w, 2, g->total_byte_size);
	pq_thrift_write_i64_field(w, 3, g->num_rows);
	if (g->has_sorting_columns &&
	    arr_ok(w, g->sorting_columns, g->n_sorting_columns, "RowGroup", "sorting_columns")) {
		pq_thrift_write_field(w, 4, PQ_TT_LIST);
		pq_thrift_write_list(w, PQ_TT_STRUCT, g->n_sorting_columns);
		for (i = 0; i < g->n_sorting_columns && w->status == TN_OK; i++) {
			pq_thrift_write_struct_begin(w);
			pq_thrift_write_i32_field(w, 1, g->sorting_columns[i].column_idx);
			pq_thrift_write_bool_field(w, 2, g->sorting_columns[i].descending);
			pq_thrift_write_bool_field(w, 3, g->sorting_columns[i].nulls_first);
			pq_thrift_write_struct_end(w);
		}
	}
	if (g->has_file_offset)
		pq_thrift_write_i64_field(w, 5, g->file_offset);
	if (g->has_total_compressed_size)
		pq_thrift_write_i64_field(w, 6, g->total_compressed_size);
	if (g->has_ordinal) {
		pq_thrift_write_field(w, 7, PQ_TT_I16);
		pq_thrift_write_i16(w, g->ordinal);
	}
	pq_thrift_write_struct_end(w);
}

static void enc_column_order(W *w, const struct pq_column_order *o)
{
	pq_thrift_write_struct_begin(w);
	switch (o->kind) {
	case PQ_ORDER_TYPE:
	case PQ_ORDER_IEEE_754_TOTAL:
	case PQ_ORDER_INT96_TIMESTAMP:
		put_empty(w, (int16_t)o->kind);
		break;
	case PQ_ORDER_UNRECOGNIZED:
		put_raw(w, &o->raw);
		break;
	default:
		invalid(w, "ColumnOrder", "kind", "is not a member");
		break;
	}
	pq_thrift_write_struct_end(w);
}

static void enc_encryption_algorithm(W *w, const struct pq_encryption_algorithm *e)
{
	pq_thrift_write_field(w, 8, PQ_TT_STRUCT);
	pq_thrift_write_struct_begin(w);
	switch (e->kind) {
	case PQ_ENCRYPTION_AES_GCM_V1:
	case PQ_ENCRYPTION_AES_GCM_CTR_V1:
		pq_thrift_write_field(w, (int16_t)e->kind, PQ_TT_STRUCT);
		pq_thrift_write_struct_begin(w);
		if (e->has_aad_prefix)
			put_binary(w, 1, &e->aad_prefix, "AesGcmV1", "aad_prefix");
		if (e->has_aad_file_unique)
			put_binary(w, 2, &e->aad_file_unique, "AesGcmV1", "aad_file_unique");
		if (e->has_supply_aad_prefix)
			pq_thrift_write_bool_field(w, 3, e->supply_aad_prefix);
		pq_thrift_write_struct_end(w);
		break;
	case PQ_ENCRYPTION_UNRECOGNIZED:
		put_raw(w, &e->raw);
		break;
	default:
		invalid(w, "EncryptionAlgorithm", "kind", "is not a member");
		break;
	}
	pq_thrift_write_struct_end(w);
}

static void enc_file_meta(W *w, const struct pq_file_meta *m)
{
	static const char S[] = "FileMetaData";
	size_t i;

	if (m->n_schema == 0) {
		invalid(w, S, "schema", "is empty (no root)");
		return;
	}
	pq_thrift_write_struct_begin(w);
	pq_thrift_write_i32_field(w, 1, m->version);
	if (arr_ok(w, m->schema, m->n_schema, S, "schema")) {
		pq_thrift_write_field(w, 2, PQ_TT_LIST);
		pq_thrift_write_list(w, PQ_TT_STRUCT, m->n_schema);
		for (i = 0; i < m->n_schema && w->status == TN_OK; i++)
			enc_schema_elem(w, &m->schema[i]);
	}
	pq_thrift_write_i64_field(w, 3, m->num_rows);
	if (arr_ok(w, m->row_groups, m->n_row_groups, S, "row_groups")) {
		pq_thrift_write_field(w, 4, PQ_TT_LIST);
		pq_thrift_write_list(w, PQ_TT_STRUCT, m->n_row_groups);
		for (i = 0; i < m->n_row_groups && w->status == TN_OK; i++)
			enc_row_group(w, &m->row_groups[i]);
	}
	if (m->has_key_value_metadata)
		enc_key_values(w, 5, m->key_value_metadata, m->n_key_value_metadata, S);
	put_string(w, 6, m->created_by);
	if (m->has_column_orders && arr_ok(w, m->column_orders, m->n_column_orders, S,
					     "column_orders")) {
		pq_thrift_write_field(w, 7, PQ_TT_LIST);
		pq_thrift_write_list(w, PQ_TT_STRUCT, m->n_column_orders);
		for (i = 0; i < m->n_column_orders && w->status == TN_OK; i++)
			enc_column_order(w, &m->column_orders[i]);
	}
	if (m->has_encryption_algorithm)
		enc_encryption_algorithm(w, &m->encryption_algorithm);
	if (m->has_footer_signing_key_metadata)
		put_binary(w, 9, &m->footer_signing_key_metadata, S, "footer_signing_key_metadata");
	pq_thrift_write_struct_end(w);
}

static void enc_page_header(W *w, const struct pq_page_header *h)
{
	pq_thrift_write_struct_begin(w);
	pq_thrift_write_i32_field(w, 1, h->type);
	pq_thrift_write_i32_field(w, 2, h->uncompressed_page_size);
	pq_thrift_write_i32_field(w, 3, h->compressed_page_size);
	if (h->has_crc)
		pq_thrift_write_i32_field(w, 4, h->crc);
	if (h->has_data_page_header) {
		const struct pq_data_page_header *p = &h->data_page_header;

		pq_thrift_write_field(w, 5, PQ_TT_STRUCT);
		pq_thrift_write_struct_begin(w);
		pq_thrift_write_i32_field(w, 1, p->num_values);
		pq_thrift_write_i32_field(w, 2, p->encoding);
		pq_thrift_write_i32_field(w, 3, p->definition_level_encoding);
		pq_thrift_write_i32_field(w, 4, p->repetition_level_encoding);
		if (p->has_statistics)
			enc_statistics(w, 5, &p->statistics);
		pq_thrift_write_struct_end(w);
	}
	if (h->has_index_page_header)
		put_empty(w, 6);
	if (h->has_dictionary_page_header) {
		const struct pq_dictionary_page_header *p = &h->dictionary_page_header;

		pq_thrift_write_field(w, 7, PQ_TT_STRUCT);
		pq_thrift_write_struct_begin(w);
		pq_thrift_write_i32_field(w, 1, p->num_values);
		pq_thrift_write_i32_field(w, 2, p->encoding);
		if (p->has_is_sorted)
			pq_thrift_write_bool_field(w, 3, p->is_sorted);
		pq_thrift_write_struct_end(w);
	}
	if (h->has_data_page_header_v2) {
		const struct pq_data_page_header_v2 *p = &h->data_page_header_v2;

		pq_thrift_write_field(w, 8, PQ_TT_STRUCT);
		pq_thrift_write_struct_begin(w);
		pq_thrift_write_i32_field(w, 1, p->num_values);
		pq_thrift_write_i32_field(w, 2, p->num_nulls);
		pq_thrift_write_i32_field(w, 3, p->num_rows);
		pq_thrift_write_i32_field(w, 4, p->encoding);
		pq_thrift_write_i32_field(w, 5, p->definition_levels_byte_length);
		pq_thrift_write_i32_field(w, 6, p->repetition_levels_byte_length);
		if (p->has_is_compressed)
			pq_thrift_write_bool_field(w, 7, p->is_compressed);
		if (p->has_statistics)
			enc_statistics(w, 8, &p->statistics);
		pq_thrift_write_struct_end(w);
	}
	pq_thrift_write_struct_end(w);
}

static void enc_column_index(W *w, const struct pq_column_index *ci)
{
	static const char S[] = "ColumnIndex";
	size_t i;

	pq_thrift_write_struct_begin(w);
	if (arr_ok(w, ci->null_pages, ci->n_pages, S, "null_pages")) {
		pq_thrift_write_field(w, 1, PQ_TT_LIST);
		pq_thrift_write_list(w, PQ_TT_TRUE, ci->n_pages);
		for (i = 0; i < ci->n_pages && w->status == TN_OK; i++)
			pq_thrift_write_bool(w, ci->null_pages[i]);
	}
	if (arr_ok(w, ci->min_values, ci->n_pages, S, "min_values")) {
		pq_thrift_write_field(w, 2, PQ_TT_LIST);
		pq_thrift_write_list(w, PQ_TT_BINARY, ci->n_pages);
		for (i = 0; i < ci->n_pages && w->status == TN_OK; i++)
			if (arr_ok(w, ci->min_values[i].p, ci->min_values[i].len, S, "min_values"))
				pq_thrift_write_binary(w, ci->min_values[i].p, ci->min_values[i].len);
	}
	if (arr_ok(w, ci->max_values, ci->n_pages, S, "max_values")) {
		pq_thrift_write_field(w, 3, PQ_TT_LIST);
		pq_thrift_write_list(w, PQ_TT_BINARY, ci->n_pages);
		for (i = 0; i < ci->n_pages && w->status == TN_OK; i++)
			if (arr_ok(w, ci->max_values[i].p, ci->max_values[i].len, S, "max_values"))
				pq_thrift_write_binary(w, ci->max_values[i].p, ci->max_values[i].len);
	}
	pq_thrift_write_i32_field(w, 4, ci->boundary_order);
	if (ci->has_null_counts)
		put_i64_list(w, 5, ci->null_counts, ci->n_pages, S, "null_counts");
	if (ci->has_repetition_level_histograms)
		put_i64_list(w, 6, ci->repetition_level_histograms,
			ci->n_repetition_level_histograms, S, "repetition_level_histograms");
	if (ci->has_definition_level_histograms)
		put_i64_list(w, 7, ci->definition_level_histograms,
			ci->n_definition_level_histograms, S, "definition_level_histograms");
	if (ci->has_nan_counts)
		put_i64_list(w, 8, ci->nan_counts, ci->n_pages, S, "nan_counts");
	pq_thrift_write_struct_end(w);
}

static void enc_offset_index(W *w, const struct pq_offset_index *oi)
{
	size_t i;

	pq_thrift_write_struct_begin(w);
	if (arr_ok(w, oi->page_locations, oi->n_page_locations, "OffsetIndex",
		   "page_locations")) {
		pq_thrift_write_field(w, 1, PQ_TT_LIST);
		pq_thrift_write_list(w, PQ_TT_STRUCT, oi->n_page_locations);
		for (i = 0; i < oi->n_page_locations && w->status == TN_OK; i++) {
			const struct pq_page_location *l = &oi->page_locations[i];

			pq_thrift_write_struct_begin(w);
			pq_thrift_write_i64_field(w, 1, l->offset);
			pq_thrift_write_i32_field(w, 2, l->compressed_page_size);
			pq_thrift_write_i64_field(w, 3, l->first_row_index);
			pq_thrift_write_struct_end(w);
		}
	}
	if (oi->has_unencoded_byte_array_data_bytes)
		put_i64_list(w, 2, oi->unencoded_byte_array_data_bytes, oi->n_page_locations,
			"OffsetIndex", "unencoded_byte_array_data_bytes");
	pq_thrift_write_struct_end(w);
}

/* ---------------------------------------------------------------- public encoders */

int pq_file_meta_encode(const struct pq_file_meta *m, struct tn_buf *out, struct tn_err *err)
{
	W w;

	pq_thrift_writer_init(&w, out, err);
	enc_file_meta(&w, m);
	return pq_thrift_writer_status(&w);
}

int pq_page_header_encode(const struct pq_page_header *h, struct tn_buf *out,
	struct tn_err *err)
{
	W w;

	pq_thrift_writer_init(&w, out, err);
	enc_page_header(&w, h);
	return pq_thrift_writer_status(&w);
}

int pq_column_index_encode(const struct pq_column_index *ci, struct tn_buf *out,
	struct tn_err *err)
{
	W w;

	pq_thrift_writer_init(&w, out, err);
	enc_column_index(&w, ci);
	return pq_thrift_writer_status(&w);
}

int pq_offset_index_encode(const struct pq_offset_index *oi, struct tn_buf *out,
	struct tn_err *err)
{
	W w;

	pq_thrift_writer_init(&w, out, err);
	enc_offset_index(&w, oi);
	return pq_thrift_writer_status(&w);
}

bool pq_file_meta_is_encrypted(const struct pq_file_meta *m)
{
	size_t i, j;

	if (m->has_encryption_algorithm)
		return true;
	for (i = 0; i < m->n_row_groups; i++)
		for (j = 0; j < m->row_groups[i].n_columns; j++) {
			const struct pq_column_chunk *c = &m->row_groups[i].columns[j];

			if (c->has_crypto_metadata || c->has_encrypted_column_metadata)
				return true;
		}
	return false;
}
