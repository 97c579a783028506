/* valfmt.c - values of column vectors as canonical JSON and display text. */
#include "base/valfmt.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "base/time.h"

char *tn_double_format(double d, char *out)
{
	if (isnan(d))
		return strcpy(out, "NaN");
	if (isinf(d))
		return strcpy(out, d > 0 ? "Infinity" : "-Infinity");
	if (d == 0)
		return strcpy(out, signbit(d) ? "-0.0" : "0.0");
	/* Integral values of moderate size print as integers with ".0" so they
	 * stay recognisably floating point. */
	if (fabs(d) < 1e15 && d == (double)(int64_t)d) {
		snprintf(out, 32, "%" PRId64 ".0", (int64_t)d);
		return out;
	}
	/* The shortest text that reads back as d. A decimal of at most
	 * DBL_DIG (15) digits survives the trip through a double, so %.15g
	 * already gives any shorter form (with %g's trailing zeros gone);
	 * only 16 and 17 digits need trying beyond it. Starting at 1 cost
	 * 17 rounds of printing and parsing for most computed values.
	 * Subnormals have fewer digits of precision: they search from 1. */
	for (int prec = fabs(d) < DBL_MIN ? 1 : DBL_DIG; prec <= 17; prec++) {
		snprintf(out, 32, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			break;
	}
	return out;
}

char *tn_float_format(float f, char *out)
{
	if (isnan(f) || isinf(f) || f == 0 || (fabsf(f) < 1e7f && f == (float)(int64_t)f))
		return tn_double_format(f, out);
	for (int prec = fabsf(f) < FLT_MIN ? 1 : FLT_DIG; prec <= 9; prec++) { /* as above */
		snprintf(out, 32, "%.*g", prec, (double)f);
		if (strtof(out, NULL) == f)
			break;
	}
	return out;
}

int tn_base64(struct tn_buf *out, const uint8_t *p, size_t n, struct tn_err *err)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t need = (n + 2) / 3 * 4;
	char *o;
	size_t i;
	int rc = tn_buf_reserve(out, need, err);

	if (rc != TN_OK)
		return rc;
	o = out->data + out->len;
	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = tab[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);

		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	out->len += need;
	out->data[out->len] = '\0';
	return TN_OK;
}

long tn_unbase64(const char *s, size_t n, uint8_t *out)
{
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;

	for (size_t k = 0; k < n; k++) {
		int ch = (unsigned char)s[k], val;

		if (ch == '=')
			break;
		val = ch >= 'A' && ch <= 'Z'   ? ch - 'A'
		      : ch >= 'a' && ch <= 'z' ? ch - 'a' + 26
		      : ch >= '0' && ch <= '9' ? ch - '0' + 52
		      : ch == '+'	       ? 62
		      : ch == '/'	       ? 63
					       : -1;
		if (val < 0)
			return -1;
		acc = acc << 6 | (uint32_t)val;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return (long)o;
}

int tn_json_string(struct tn_buf *out, const char *s, size_t n, struct tn_err *err)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0;
	int rc = tn_buf_putc(out, '"', err);

	while (rc == TN_OK && i < n) {
		unsigned c = p[i];
		char esc[8];
		const char *e = NULL;
		size_t len = 1;

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80) {
			len = tn_utf8_len(p + i, n - i);
			if (len != 0) {
				i += len;
				continue;
			}
			len = 1;
			e = "\xef\xbf\xbd"; /* U+FFFD for a byte that is not UTF-8 */
		} else if (c == '"') {
			e = "\\\"";
		} else if (c == '\\') {
			e = "\\\\";
		} else if (c == '\n') {
			e = "\\n";
		} else if (c == '\r') {
			e = "\\r";
		} else if (c == '\t') {
			e = "\\t";
		} else {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			e = esc;
		}
		rc = tn_buf_append(out, s + start, i - start, err);
		if (rc == TN_OK)
			rc = tn_buf_puts(out, e, err);
		i += len;
		start = i;
	}
	if (rc == TN_OK)
		rc = tn_buf_append(out, s + start, i - start, err);
	if (rc == TN_OK)
		rc = tn_buf_putc(out, '"', err);
	return rc;
}

static char *uuid_format(const uint8_t *p, char *out)
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[p[i] >> 4];
		*o++ = hex[p[i] & 15];
	}
	*o = '\0';
	return out;
}

static char *time_of_day(int64_t v, unsigned unit, char *out)
{
	int64_t per = unit == TN_UNIT_NANOS ? 1000000000 : unit == TN_UNIT_MILLIS ? 1000 : 1000000;
	int digits = unit == TN_UNIT_NANOS ? 9 : 6;
	int64_t secs = v / per, frac = v % per;

	if (unit == TN_UNIT_MILLIS)
		frac *= 1000;
	snprintf(out, TN_TIME_BUFSZ, "%02d:%02d:%02d.%0*" PRId64, (int)(secs / 3600 % 100),
		 (int)(secs / 60 % 60), (int)(secs % 60), digits, frac);
	return out;
}

static char *timestamp_format(int64_t v, const struct tn_type *t, char *out)
{
	switch (t->unit) {
	case TN_UNIT_NANOS:
		return tn_time_format_ns(v, t->utc, out);
	case TN_UNIT_MILLIS:
		/* Shown with microseconds, as every other timestamp. */
		if (v > INT64_MAX / 1000 || v < INT64_MIN / 1000)
			return tn_time_format_ms(v, t->utc, out);
		return tn_time_format(v * 1000, t->utc, out);
	default:
		return tn_time_format(v, t->utc, out);
	}
}

/* Scalar (non-nested, non-null) value as text; quoted says whether the
 * text needs JSON quoting. Returns a pointer into tmp (or a literal). */
static const char *scalar_text(const struct tn_vec *v, size_t i, char tmp[64], int *quoted)
{
	const struct tn_type *t = v->type;

	*quoted = 0;
	switch (t->kind) {
	case TN_BOOL:
		return ((const uint8_t *)v->values)[i] ? "true" : "false";
	case TN_INT8:
		snprintf(tmp, 64, "%d", ((const int8_t *)v->values)[i]);
		return tmp;
	case TN_INT16:
		snprintf(tmp, 64, "%d", ((const int16_t *)v->values)[i]);
		return tmp;
	case TN_INT32:
		snprintf(tmp, 64, "%" PRId32, ((const int32_t *)v->values)[i]);
		return tmp;
	case TN_INT64:
		snprintf(tmp, 64, "%" PRId64, ((const int64_t *)v->values)[i]);
		return tmp;
	case TN_UINT8:
		snprintf(tmp, 64, "%u", ((const uint8_t *)v->values)[i]);
		return tmp;
	case TN_UINT16:
		snprintf(tmp, 64, "%u", ((const uint16_t *)v->values)[i]);
		return tmp;
	case TN_UINT32:
		snprintf(tmp, 64, "%" PRIu32, ((const uint32_t *)v->values)[i]);
		return tmp;
	case TN_UINT64:
		snprintf(tmp, 64, "%" PRIu64, ((const uint64_t *)v->values)[i]);
		return tmp;
	case TN_FLOAT: {
		float f = ((const float *)v->values)[i];

		*quoted = isnan(f) || isinf(f);
		return tn_float_format(f, tmp);
	}
	case TN_DOUBLE: {
		double d = ((const double *)v->values)[i];

		*quoted = isnan(d) || isinf(d);
		return tn_double_format(d, tmp);
	}
	case TN_DECIMAL:
		*quoted = 1;
		return tn_decimal_format(tn_vec_decimal(v, i), t->scale, tmp);
	case TN_DATE:
		*quoted = 1;
		return tn_date_format(((const int32_t *)v->values)[i], tmp);
	case TN_TIME:
		*quoted = 1;
		return time_of_day(((const int64_t *)v->values)[i], t->unit, tmp);
	case TN_TIMESTAMP:
		*quoted = 1;
		return timestamp_format(((const int64_t *)v->values)[i], t, tmp);
	case TN_UUID: {
		const struct tn_bytes *b = &((const struct tn_bytes *)v->values)[i];

		*quoted = 1;
		if (b->len != 16)
			return "(bad uuid)";
		return uuid_format(b->ptr, tmp);
	}
	default:
		return "";
	}
}

static int nested_json(struct tn_buf *out, const struct tn_vec *v, size_t i, struct tn_err *err)
{
	const struct tn_type *t = v->type;
	int rc = TN_OK;

	if (t->kind == TN_STRUCT) {
		rc = tn_buf_putc(out, '{', err);
		for (size_t f = 0; rc == TN_OK && f < t->nfields; f++) {
			if (f)
				rc = tn_buf_putc(out, ',', err);
			if (rc == TN_OK)
				rc = tn_json_string(out, t->fields[f].name, strlen(t->fields[f].name), err);
			if (rc == TN_OK)
				rc = tn_buf_putc(out, ':', err);
			if (rc == TN_OK)
				rc = tn_value_json(out, &v->children[f], i, err);
		}
		return rc == TN_OK ? tn_buf_putc(out, '}', err) : rc;
	}
	rc = tn_buf_putc(out, '[', err);
	for (int32_t j = v->offsets[i]; rc == TN_OK && j < v->offsets[i + 1]; j++) {
		if (j > v->offsets[i])
			rc = tn_buf_putc(out, ',', err);
		if (rc != TN_OK)
			break;
		if (t->kind == TN_LIST) {
			rc = tn_value_json(out, &v->children[0], (size_t)j, err);
			continue;
		}
		rc = tn_buf_puts(out, "{\"key\":", err);
		if (rc == TN_OK)
			rc = tn_value_json(out, &v->children[0], (size_t)j, err);
		if (rc == TN_OK)
			rc = tn_buf_puts(out, ",\"value\":", err);
		if (rc == TN_OK)
			rc = tn_value_json(out, &v->children[1], (size_t)j, err);
		if (rc == TN_OK)
			rc = tn_buf_putc(out, '}', err);
	}
	return rc == TN_OK ? tn_buf_putc(out, ']', err) : rc;
}

int tn_value_json(struct tn_buf *out, const struct tn_vec *v, size_t i, struct tn_err *err)
{
	const struct tn_type *t = v->type;
	char tmp[64];
	const char *s;
	int quoted;

	if (tn_vec_is_null(v, i))
		return tn_buf_append(out, "null", 4, err);
	switch (t->kind) {
	case TN_STRUCT:
	case TN_LIST:
	case TN_MAP:
		return nested_json(out, v, i, err);
	case TN_STRING: {
		const struct tn_bytes *b = &((const struct tn_bytes *)v->values)[i];

		return tn_json_string(out, (const char *)b->ptr, b->len, err);
	}
	case TN_BINARY: {
		const struct tn_bytes *b = &((const struct tn_bytes *)v->values)[i];
		int rc = tn_buf_putc(out, '"', err);

		if (rc == TN_OK)
			rc = tn_base64(out, b->ptr, b->len, err);
		return rc == TN_OK ? tn_buf_putc(out, '"', err) : rc;
	}
	default:
		s = scalar_text(v, i, tmp, &quoted);
		if (quoted)
			return tn_json_string(out, s, strlen(s), err);
		return tn_buf_puts(out, s, err);
	}
}

int tn_row_json(struct tn_buf *out, const struct tn_batch *b, size_t row, struct tn_err *err)
{
	int rc = tn_buf_putc(out, '{', err);

	for (size_t c = 0; rc == TN_OK && c < b->schema->ncols; c++) {
		const char *name = b->schema->cols[c].name;

		if (c)
			rc = tn_buf_putc(out, ',', err);
		if (rc == TN_OK)
			rc = tn_json_string(out, name, strlen(name), err);
		if (rc == TN_OK)
			rc = tn_buf_putc(out, ':', err);
		if (rc == TN_OK)
			rc = tn_value_json(out, &b->cols[c], row, err);
	}
	return rc == TN_OK ? tn_buf_putc(out, '}', err) : rc;
}

int tn_value_text(struct tn_buf *out, const struct tn_vec *v, size_t i, int empty_null,
		  struct tn_err *err)
{
	char tmp[64];
	int quoted;

	if (tn_vec_is_null(v, i))
		return empty_null ? TN_OK : tn_buf_puts(out, "NULL", err);
	switch (v->type->kind) {
	case TN_STRUCT:
	case TN_LIST:
	case TN_MAP:
		return nested_json(out, v, i, err);
	case TN_STRING: {
		const struct tn_bytes *b = &((const struct tn_bytes *)v->values)[i];

		return tn_buf_append(out, b->ptr, b->len, err);
	}
	case TN_BINARY:
		return tn_base64(out, ((const struct tn_bytes *)v->values)[i].ptr,
				 ((const struct tn_bytes *)v->values)[i].len, err);
	default:
		return tn_buf_puts(out, scalar_text(v, i, tmp, &quoted), err);
	}
}
