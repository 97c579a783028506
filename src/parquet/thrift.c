/* thrift.c - Thrift compact protocol reader and writer. */
#include "parquet/thrift.h"

#include <string.h>

/* Longest varint: ten bytes of seven bits hold 64. */
#define VARINT_MAX_BYTES 10

static int corrupt(struct pq_thrift_reader *r, size_t at, const char *what, const char *why)
{
	return tn_err_set(r->err, TN_ECORRUPT, "%s at byte %zu: %s", what, r->base + at,
		why);
}

void pq_thrift_reader_init(struct pq_thrift_reader *r, const uint8_t *p, size_t len,
	struct tn_err *err)
{
	memset(r, 0, sizeof(*r));
	r->p = p;
	r->len = p != NULL ? len : 0;
	r->err = err;
}

static int enter(struct pq_thrift_reader *r, const char *what)
{
	if (r->depth >= PQ_THRIFT_MAX_DEPTH)
		return tn_err_set(r->err, TN_ECORRUPT,
			"%s at byte %zu: nested more than %d deep", what, r->base + r->pos,
			PQ_THRIFT_MAX_DEPTH);
	r->depth++;
	return TN_OK;
}

int pq_thrift_struct_begin(struct pq_thrift_reader *r)
{
	int rc = enter(r, "struct");

	if (rc != TN_OK)
		return rc;
	/* nstruct <= depth < PQ_THRIFT_MAX_DEPTH, so the slot exists. */
	r->last_id[r->nstruct++] = 0;
	return TN_OK;
}

void pq_thrift_struct_end(struct pq_thrift_reader *r)
{
	if (r->nstruct > 0)
		r->nstruct--;
	if (r->depth > 0)
		r->depth--;
}

void pq_thrift_container_end(struct pq_thrift_reader *r)
{
	if (r->depth > 0)
		r->depth--;
}

static int read_u8(struct pq_thrift_reader *r, uint8_t *v, const char *what)
{
	if (r->pos >= r->len)
		return corrupt(r, r->pos, what, "input ends");
	*v = r->p[r->pos++];
	return TN_OK;
}

static int varint(struct pq_thrift_reader *r, uint64_t *v, const char *what)
{
	size_t start = r->pos;
	uint64_t x = 0;
	int i;

	for (i = 0; i < VARINT_MAX_BYTES; i++) {
		uint8_t b;

		if (r->pos >= r->len)
			return corrupt(r, start, what, "varint cut short by the end of input");
		b = r->p[r->pos++];
		if (i == VARINT_MAX_BYTES - 1 && b > 1)
			return corrupt(r, start, what, "varint longer than 64 bits");
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if ((b & 0x80) == 0) {
			*v = x;
			return TN_OK;
		}
	}
	return corrupt(r, start, what, "varint longer than 64 bits");
}

static int64_t unzigzag(uint64_t u)
{
	/* (u >> 1) ^ -(u & 1), written without signed overflow. */
	uint64_t x = (u >> 1) ^ (~(u & 1) + 1);

	return x <= INT64_MAX ? (int64_t)x : -(int64_t)(~x) - 1;
}

static uint64_t zigzag(int64_t v)
{
	uint64_t u = (uint64_t)v;

	return (u << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

static int read_int(struct pq_thrift_reader *r, int64_t min, int64_t max, int64_t *v,
	const char *what)
{
	size_t start = r->pos;
	uint64_t u = 0;
	int64_t x;
	int rc = varint(r, &u, what);

	if (rc != TN_OK)
		return rc;
	x = unzigzag(u);
	if (x < min || x > max)
		return corrupt(r, start, what, "value out of range");
	*v = x;
	return TN_OK;
}

int pq_thrift_read_varint(struct pq_thrift_reader *r, uint64_t *v)
{
	return varint(r, v, "varint");
}

int pq_thrift_read_i16(struct pq_thrift_reader *r, int16_t *v)
{
	int64_t x = 0;
	int rc = read_int(r, INT16_MIN, INT16_MAX, &x, "i16");

	if (rc == TN_OK)
		*v = (int16_t)x;
	return rc;
}

int pq_thrift_read_i32(struct pq_thrift_reader *r, int32_t *v)
{
	int64_t x = 0;
	int rc = read_int(r, INT32_MIN, INT32_MAX, &x, "i32");

	if (rc == TN_OK)
		*v = (int32_t)x;
	return rc;
}

int pq_thrift_read_i64(struct pq_thrift_reader *r, int64_t *v)
{
	return read_int(r, INT64_MIN, INT64_MAX, v, "i64");
}

int pq_thrift_read_byte(struct pq_thrift_reader *r, int8_t *v)
{
	uint8_t b = 0;
	int rc = read_u8(r, &b, "byte");

	if (rc == TN_OK)
		*v = (int8_t)b;
	return rc;
}

int pq_thrift_read_double(struct pq_thrift_reader *r, double *v)
{
	uint64_t bits = 0;
	int i;

	if (pq_thrift_remaining(r) < 8)
		return corrupt(r, r->pos, "double", "fewer than 8 bytes left");
	for (i = 7; i >= 0; i--)
		bits = bits << 8 | r->p[r->pos + (size_t)i];
	r->pos += 8;
	memcpy(v, &bits, sizeof(*v));
	return TN_OK;
}

int pq_thrift_read_bool(struct pq_thrift_reader *r, bool *v)
{
	size_t start = r->pos;
	uint8_t b = 0;
	int rc = read_u8(r, &b, "bool");

	if (rc != TN_OK)
		return rc;
	if (b > 2)
		return corrupt(r, start, "bool", "byte is not 0, 1 or 2");
	*v = b == 1;
	return TN_OK;
}

int pq_thrift_read_binary(struct pq_thrift_reader *r, const uint8_t **data, size_t *len)
{
	size_t start = r->pos;
	uint64_t n = 0;
	int rc = varint(r, &n, "binary length");

	if (rc != TN_OK)
		return rc;
	if (n > INT32_MAX)
		return corrupt(r, start, "binary length", "over 2^31-1");
	if (n > pq_thrift_remaining(r))
		return tn_err_set(r->err, TN_ECORRUPT,
			"binary length at byte %zu: %llu bytes but only %zu left",
			r->base + start, (unsigned long long)n, pq_thrift_remaining(r));
	*data = r->p + r->pos;
	*len = (size_t)n;
	r->pos += (size_t)n;
	return TN_OK;
}

/* A type code valid for an element, key or value; booleans come back as
 * PQ_TT_TRUE whichever of the two codes was written. */
static int elem_type(struct pq_thrift_reader *r, uint8_t t, size_t at, const char *what,
	uint8_t *out)
{
	if (t == PQ_TT_STOP || t > PQ_TT_STRUCT)
		return corrupt(r, at, what, "invalid element type");
	*out = t == PQ_TT_FALSE ? PQ_TT_TRUE : t;
	return TN_OK;
}

/* Element counts: at most 2^31-1 and no more than the bytes left allow. */
static int check_count(struct pq_thrift_reader *r, size_t at, const char *what, uint64_t n,
	size_t min_bytes)
{
	if (n > INT32_MAX)
		return corrupt(r, at, what, "count over 2^31-1");
	if (n > pq_thrift_remaining(r) / min_bytes)
		return tn_err_set(r->err, TN_ECORRUPT,
			"%s at byte %zu: %llu elements cannot fit in the %zu bytes left", what,
			r->base + at, (unsigned long long)n, pq_thrift_remaining(r));
	return TN_OK;
}

int pq_thrift_read_list(struct pq_thrift_reader *r, uint8_t *elem, size_t *count)
{
	size_t start = r->pos;
	uint8_t b = 0, t = 0;
	uint64_t n = 0;
	int rc;

	if ((rc = read_u8(r, &b, "list header")) != TN_OK ||
	    (rc = elem_type(r, b & 0x0f, start, "list header", &t)) != TN_OK)
		return rc;
	n = b >> 4;
	if (n == 15 && (rc = varint(r, &n, "list size")) != TN_OK)
		return rc;
	if ((rc = check_count(r, start, "list header", n, t == PQ_TT_DOUBLE ? 8 : 1)) != TN_OK)
		return rc;
	if ((rc = enter(r, "list")) != TN_OK)
		return rc;
	*elem = t;
	*count = (size_t)n;
	return TN_OK;
}

int pq_thrift_read_map(struct pq_thrift_reader *r, uint8_t *kt, uint8_t *vt, size_t *count)
{
	size_t start = r->pos;
	uint64_t n = 0;
	uint8_t b = 0, k = 0, v = 0;
	int rc;

	if ((rc = varint(r, &n, "map size")) != TN_OK)
		return rc;
	if (n > 0) {
		if ((rc = read_u8(r, &b, "map types")) != TN_OK ||
		    (rc = elem_type(r, b >> 4, start, "map key type", &k)) != TN_OK ||
		    (rc = elem_type(r, b & 0x0f, start, "map value type", &v)) != TN_OK ||
		    (rc = check_count(r, start, "map header", n, 2)) != TN_OK)
			return rc;
	}
	if ((rc = enter(r, "map")) != TN_OK)
		return rc;
	*kt = k;
	*vt = v;
	*count = (size_t)n;
	return TN_OK;
}

int pq_thrift_read_field(struct pq_thrift_reader *r, struct pq_thrift_field *f)
{
	size_t start = r->pos;
	uint8_t b = 0, type, delta;
	int rc;

	if (r->nstruct <= 0)
		return tn_err_set(r->err, TN_EINTERNAL, "thrift: field header read outside a struct");
	if ((rc = read_u8(r, &b, "field header")) != TN_OK)
		return rc;
	type = b & 0x0f;
	delta = b >> 4;
	if (type == PQ_TT_STOP) {
		f->id = 0;
		f->type = PQ_TT_STOP;
		return TN_OK;
	}
	if (type > PQ_TT_STRUCT)
		return corrupt(r, start, "field header", "invalid type");
	if (delta != 0) {
		int id = r->last_id[r->nstruct - 1] + delta;

		if (id > INT16_MAX)
			return corrupt(r, start, "field header", "field id over 32767");
		f->id = (int16_t)id;
	} else {
		int64_t id = 0;

		if ((rc = read_int(r, INT16_MIN, INT16_MAX, &id, "field id")) != TN_OK)
			return rc;
		f->id = (int16_t)id;
	}
	f->type = type;
	r->last_id[r->nstruct - 1] = f->id;
	return TN_OK;
}

int pq_thrift_skip(struct pq_thrift_reader *r, uint8_t type)
{
	const uint8_t *data;
	size_t n, i;
	uint64_t u;
	uint8_t t, kt, vt;
	int8_t byte;
	double d;
	bool b;
	int rc;

	switch (type) {
	case PQ_TT_TRUE:
	case PQ_TT_FALSE:
		/* A boolean field's value is in its header. */
		return TN_OK;
	case PQ_TT_BYTE:
		return pq_thrift_read_byte(r, &byte);
	case PQ_TT_I16:
	case PQ_TT_I32:
	case PQ_TT_I64:
		return varint(r, &u, "integer");
	case PQ_TT_DOUBLE:
		return pq_thrift_read_double(r, &d);
	case PQ_TT_BINARY:
		return pq_thrift_read_binary(r, &data, &n);
	case PQ_TT_LIST:
	case PQ_TT_SET:
		if ((rc = pq_thrift_read_list(r, &t, &n)) != TN_OK)
			return rc;
		for (i = 0; i < n; i++) {
			rc = t == PQ_TT_TRUE ? pq_thrift_read_bool(r, &b) : pq_thrift_skip(r, t);
			if (rc != TN_OK)
				return rc;
		}
		pq_thrift_container_end(r);
		return TN_OK;
	case PQ_TT_MAP:
		if ((rc = pq_thrift_read_map(r, &kt, &vt, &n)) != TN_OK)
			return rc;
		for (i = 0; i < n; i++) {
			rc = kt == PQ_TT_TRUE ? pq_thrift_read_bool(r, &b) : pq_thrift_skip(r, kt);
			if (rc == TN_OK)
				rc = vt == PQ_TT_TRUE ? pq_thrift_read_bool(r, &b) : pq_thrift_skip(r, vt);
			if (rc != TN_OK)
				return rc;
		}
		pq_thrift_container_end(r);
		return TN_OK;
	case PQ_TT_STRUCT: {
		struct pq_thrift_field f;

		if ((rc = pq_thrift_struct_begin(r)) != TN_OK)
			return rc;
		for (;;) {
			if ((rc = pq_thrift_read_field(r, &f)) != TN_OK)
				return rc;
			if (f.type == PQ_TT_STOP)
				break;
			if ((rc = pq_thrift_skip(r, f.type)) != TN_OK)
				return rc;
		}
		pq_thrift_struct_end(r);
		return TN_OK;
	}
	default:
		return corrupt(r, r->pos, "value", "invalid type");
	}
}

/* ---------------------------------------------------------------- writing */

void pq_thrift_writer_init(struct pq_thrift_writer *w, struct tn_buf *out, struct tn_err *err)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->err = err;
}

int pq_thrift_writer_status(const struct pq_thrift_writer *w)
{
	return w->status;
}

static int put(struct pq_thrift_writer *w, const void *p, size_t n)
{
	if (w->status != TN_OK)
		return w->status;
	w->status = tn_buf_append(w->out, p, n, w->err);
	return w->status;
}

static int fail(struct pq_thrift_writer *w, int code, const char *msg)
{
	if (w->status != TN_OK)
		return w->status;
	w->status = tn_err_set(w->err, code, "thrift: %s", msg);
	return w->status;
}

int pq_thrift_write_raw(struct pq_thrift_writer *w, const void *data, size_t len)
{
	return put(w, data, len);
}

int pq_thrift_write_varint(struct pq_thrift_writer *w, uint64_t v)
{
	uint8_t b[VARINT_MAX_BYTES];
	size_t n = 0;

	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	return put(w, b, n);
}

int pq_thrift_write_i16(struct pq_thrift_writer *w, int16_t v)
{
	return pq_thrift_write_varint(w, zigzag(v));
}

int pq_thrift_write_i32(struct pq_thrift_writer *w, int32_t v)
{
	return pq_thrift_write_varint(w, zigzag(v));
}

int pq_thrift_write_i64(struct pq_thrift_writer *w, int64_t v)
{
	return pq_thrift_write_varint(w, zigzag(v));
}

int pq_thrift_write_byte(struct pq_thrift_writer *w, int8_t v)
{
	uint8_t b = (uint8_t)v;

	return put(w, &b, 1);
}

int pq_thrift_write_double(struct pq_thrift_writer *w, double v)
{
	uint8_t b[8];
	uint64_t bits;
	int i;

	memcpy(&bits, &v, sizeof(bits));
	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(bits >> (8 * i));
	return put(w, b, sizeof(b));
}

int pq_thrift_write_bool(struct pq_thrift_writer *w, bool v)
{
	uint8_t b = v ? PQ_TT_TRUE : PQ_TT_FALSE;

	return put(w, &b, 1);
}

int pq_thrift_write_binary(struct pq_thrift_writer *w, const void *data, size_t len)
{
	if (len > INT32_MAX)
		return fail(w, TN_EINVAL, "binary value longer than 2^31-1 bytes");
	pq_thrift_write_varint(w, len);
	return put(w, data, len);
}

int pq_thrift_write_list(struct pq_thrift_writer *w, uint8_t elem_type, size_t count)
{
	uint8_t b;

	if (count > INT32_MAX)
		return fail(w, TN_EINVAL, "list longer than 2^31-1 elements");
	if (elem_type == PQ_TT_STOP || elem_type > PQ_TT_STRUCT)
		return fail(w, TN_EINTERNAL, "invalid list element type");
	if (elem_type == PQ_TT_FALSE)
		elem_type = PQ_TT_TRUE;
	if (count < 15) {
		b = (uint8_t)(count << 4 | elem_type);
		return put(w, &b, 1);
	}
	b = (uint8_t)(0xf0 | elem_type);
	put(w, &b, 1);
	return pq_thrift_write_varint(w, count);
}

int pq_thrift_write_map(struct pq_thrift_writer *w, uint8_t kt, uint8_t vt, size_t count)
{
	uint8_t b;

	if (count > INT32_MAX)
		return fail(w, TN_EINVAL, "map larger than 2^31-1 entries");
	pq_thrift_write_varint(w, count);
	if (count == 0)
		return w->status;
	if (kt == PQ_TT_STOP || kt > PQ_TT_STRUCT || vt == PQ_TT_STOP || vt > PQ_TT_STRUCT)
		return fail(w, TN_EINTERNAL, "invalid map key or value type");
	if (kt == PQ_TT_FALSE)
		kt = PQ_TT_TRUE;
	if (vt == PQ_TT_FALSE)
		vt = PQ_TT_TRUE;
	b = (uint8_t)(kt << 4 | vt);
	return put(w, &b, 1);
}

int pq_thrift_write_struct_begin(struct pq_thrift_writer *w)
{
	if (w->status != TN_OK)
		return w->status;
	if (w->nstruct >= PQ_THRIFT_MAX_DEPTH)
		return fail(w, TN_EINTERNAL, "structs nested too deep");
	w->last_id[w->nstruct++] = 0;
	return TN_OK;
}

int pq_thrift_write_stop(struct pq_thrift_writer *w)
{
	uint8_t b = PQ_TT_STOP;

	return put(w, &b, 1);
}

int pq_thrift_write_struct_end(struct pq_thrift_writer *w)
{
	if (w->status != TN_OK)
		return w->status;
	if (w->nstruct <= 0)
		return fail(w, TN_EINTERNAL, "struct end without a begin");
	w->nstruct--;
	return pq_thrift_write_stop(w);
}

int pq_thrift_write_field(struct pq_thrift_writer *w, int16_t id, uint8_t type)
{
	int16_t *last;
	uint8_t b;

	if (w->status != TN_OK)
		return w->status;
	if (w->nstruct <= 0)
		return fail(w, TN_EINTERNAL, "field outside a struct");
	if (type == PQ_TT_STOP || type > PQ_TT_STRUCT)
		return fail(w, TN_EINTERNAL, "invalid field type");
	last = &w->last_id[w->nstruct - 1];
	if (id > *last && id - *last <= 15) {
		b = (uint8_t)((id - *last) << 4 | type);
		put(w, &b, 1);
	} else {
		b = type;
		put(w, &b, 1);
		pq_thrift_write_i16(w, id);
	}
	*last = id;
	return w->status;
}

int pq_thrift_write_bool_field(struct pq_thrift_writer *w, int16_t id, bool v)
{
	return pq_thrift_write_field(w, id, v ? PQ_TT_TRUE : PQ_TT_FALSE);
}

int pq_thrift_write_i32_field(struct pq_thrift_writer *w, int16_t id, int32_t v)
{
	pq_thrift_write_field(w, id, PQ_TT_I32);
	return pq_thrift_write_i32(w, v);
}

int pq_thrift_write_i64_field(struct pq_thrift_writer *w, int16_t id, int64_t v)
{
	pq_thrift_write_field(w, id, PQ_TT_I64);
	return pq_thrift_write_i64(w, v);
}

int pq_thrift_write_binary_field(struct pq_thrift_writer *w, int16_t id, const void *data,
	size_t len)
{
	pq_thrift_write_field(w, id, PQ_TT_BINARY);
	return pq_thrift_write_binary(w, data, len);
}
