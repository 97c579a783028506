/* infer.c - what type a text value looks like, how guesses widen, and text
 * converted into a column's storage. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/str.h"
#include "base/time.h"
#include "base/valfmt.h"
#include "io/textio_int.h"

/* [+-]digits */
static bool is_int(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	while (isdigit((unsigned char)*s))
		s++;
	return *s == '\0';
}

/* The spellings of NaN and the infinities that read as doubles. */
static bool is_nonfinite(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	return strcasecmp(s, "nan") == 0 || strcasecmp(s, "inf") == 0 ||
	       strcasecmp(s, "infinity") == 0;
}

/* [+-](digits[.digits*]|.digits)([eE][+-]digits)? or a non-finite word. */
static bool is_double(const char *s)
{
	size_t digits = 0;

	if (is_nonfinite(s))
		return true;
	if (*s == '+' || *s == '-')
		s++;
	for (; isdigit((unsigned char)*s); s++)
		digits++;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			digits++;
	if (digits == 0)
		return false;
	if (*s == 'e' || *s == 'E')
		return is_int(s + 1); /* the exponent */
	return *s == '\0';
}

static bool fits_i64(const char *s)
{
	errno = 0;
	(void)strtoll(s, NULL, 10);
	return errno != ERANGE;
}

/* "YYYY-MM-DD" followed by 'T' or ' ' and a digit: a timestamp's shape. */
static bool timestamp_shape(const char *s, size_t n)
{
	return n > 11 && s[4] == '-' && (s[10] == 'T' || s[10] == 't' || s[10] == ' ') &&
	       isdigit((unsigned char)s[11]);
}

int tio_guess_text(const char *s, size_t n)
{
	int64_t v;

	if (n == 0)
		return TIO_G_NONE;
	if (strlen(s) != n)
		return TIO_G_STRING;
	if (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0)
		return TIO_G_BOOL;
	if (is_int(s))
		return fits_i64(s) ? TIO_G_INT : TIO_G_DOUBLE;
	if (is_double(s))
		return TIO_G_DOUBLE;
	if (n == 10 && tn_date_parse(s, &v, NULL) == TN_OK)
		return TIO_G_DATE;
	if (timestamp_shape(s, n) && tn_time_parse(s, &v, NULL) == TN_OK)
		return TIO_G_TIMESTAMP;
	return TIO_G_STRING;
}

int tio_guess_json(int tag, const char *s, size_t n)
{
	switch (tag) {
	case TIO_V_NULL:
		return TIO_G_NONE;
	case TIO_V_BOOL:
		return TIO_G_BOOL;
	case TIO_V_NUM:
		return strcspn(s, ".eE") == n && fits_i64(s) ? TIO_G_INT : TIO_G_DOUBLE;
	default:
		return TIO_G_STRING;
	}
}

int tio_guess_merge(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (lo == hi || lo == TIO_G_NONE)
		return hi;
	if ((lo == TIO_G_INT && hi == TIO_G_DOUBLE) || (lo == TIO_G_DATE && hi == TIO_G_TIMESTAMP))
		return hi;
	return TIO_G_STRING;
}

void tio_guess_type(int g, struct tn_type *t)
{
	static const enum tn_kind kinds[] = {
		[TIO_G_NONE] = TN_STRING,  [TIO_G_BOOL] = TN_BOOL,
		[TIO_G_INT] = TN_INT64,    [TIO_G_DOUBLE] = TN_DOUBLE,
		[TIO_G_DATE] = TN_DATE,    [TIO_G_TIMESTAMP] = TN_TIMESTAMP,
		[TIO_G_STRING] = TN_STRING,
	};

	memset(t, 0, sizeof(*t));
	t->kind = kinds[g];
	if (t->kind == TN_TIMESTAMP) {
		t->unit = TN_UNIT_MICROS;
		t->utc = true;
	}
}

/* ---- conversion ---- */

/* TN_EINVAL: "<value as JSON, cut to 40 bytes> is not a valid <type>[: why]". */
static int bad(const struct tn_type *t, const char *s, size_t n, const char *why,
	       struct tn_err *err)
{
	struct tn_buf q = TN_BUF_INIT;
	char name[128];
	int rc;

	tn_json_string(&q, s, n > 40 ? 40 : n, NULL);
	rc = tn_err_set(err, TN_EINVAL, "%s%s is not a valid %s%s%s", q.data ? q.data : "\"\"",
			n > 40 ? "..." : "", tn_type_name(t, name, sizeof(name)), why ? ": " : "",
			why ? why : "");
	tn_buf_done(&q);
	return rc;
}

/* Any integer kind: parsed at 64 bits, checked against the kind's range,
 * stored at its width. */
static int parse_int(const struct tn_type *t, const char *s, size_t n, void *dst,
		     struct tn_err *err)
{
	bool is_unsigned = t->kind >= TN_UINT8 && t->kind <= TN_UINT64;
	unsigned bits = 8 * (unsigned)tn_type_width(t);
	uint64_t u;
	bool out;

	if (!is_int(s) || (is_unsigned && *s == '-'))
		return bad(t, s, n, NULL, err);
	errno = 0;
	if (is_unsigned) {
		u = strtoull(s, NULL, 10);
		out = bits < 64 && u >> bits != 0;
	} else {
		int64_t v = strtoll(s, NULL, 10);

		u = (uint64_t)v;
		out = bits < 64 && (v < -(INT64_C(1) << (bits - 1)) || v >= INT64_C(1) << (bits - 1));
	}
	if (errno == ERANGE || out)
		return bad(t, s, n, "out of range", err);
	switch (bits) {
	case 8: *(uint8_t *)dst = (uint8_t)u; break;
	case 16: *(uint16_t *)dst = (uint16_t)u; break;
	case 32: *(uint32_t *)dst = (uint32_t)u; break;
	default: *(uint64_t *)dst = u; break;
	}
	return TN_OK;
}

/* [+-]digits[.digits], rounded half away from zero to the scale. */
static int parse_decimal(const struct tn_type *t, const char *s, size_t n, void *dst,
			 struct tn_err *err)
{
	const char *p = s;
	__int128 v = 0, lim = 1;
	bool neg = false, any = false;
	int frac = -1; /* fraction digits taken; -1 before the point */

	for (int i = 0; i < t->precision; i++)
		lim *= 10;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	for (; isdigit((unsigned char)*p) || (*p == '.' && frac < 0); p++) {
		if (*p == '.') {
			frac = 0;
			continue;
		}
		any = true;
		if (frac >= t->scale) {
			/* The first digit past the scale rounds; the rest do not count. */
			if (frac == t->scale && *p >= '5')
				v++;
			frac++;
			continue;
		}
		v = v * 10 + (*p - '0');
		if (frac >= 0)
			frac++;
		if (v >= lim)
			return bad(t, s, n, "out of range", err);
	}
	if (!any || *p != '\0')
		return bad(t, s, n, NULL, err);
	for (int i = frac < 0 ? 0 : frac; i < t->scale; i++)
		v *= 10;
	if (v >= lim)
		return bad(t, s, n, "out of range", err);
	if (neg)
		v = -v;
	if (t->precision <= 18)
		*(int64_t *)dst = (int64_t)v;
	else
		memcpy(dst, &v, sizeof(v));
	return TN_OK;
}

/* 8-4-4-4-12 hex digits, or 32 without dashes. */
static int parse_uuid(const struct tn_type *t, const char *s, size_t n, struct tn_bytes *dst,
		      struct tn_arena *a, struct tn_err *err)
{
	uint8_t *u = tn_arena_alloc(a, 16);
	size_t k = 0;

	if (n != 36 && n != 32)
		return bad(t, s, n, NULL, err);
	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (n == 36 && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (s[i] != '-')
				return bad(t, s, n, NULL, err);
			continue;
		}
		hi = tn_hex_digit((unsigned char)s[i]);
		lo = i + 1 < n ? tn_hex_digit((unsigned char)s[i + 1]) : -1;
		if (hi < 0 || lo < 0 || k >= 16)
			return bad(t, s, n, NULL, err);
		u[k++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	dst->ptr = u;
	dst->len = 16;
	return TN_OK;
}

/* A timestamp or (for a time of day) "HH:MM[:SS[.f]]" in t's unit. */
static int parse_time(const struct tn_type *t, const char *s, size_t n, int64_t *dst,
		      struct tn_err *err)
{
	int64_t us;

	if (t->kind == TN_TIME) {
		char day[64];

		if (n > 40 || !isdigit((unsigned char)*s))
			return bad(t, s, n, NULL, err);
		snprintf(day, sizeof(day), "1970-01-01T%s", s);
		if (tn_time_parse(day, &us, NULL) != TN_OK || us < 0 || us >= TN_US_PER_DAY)
			return bad(t, s, n, NULL, err);
	} else if (tn_time_parse(s, &us, NULL) != TN_OK) {
		return bad(t, s, n, NULL, err);
	}
	if (t->unit == TN_UNIT_MILLIS)
		us = us / 1000 - (us % 1000 < 0);
	else if (t->unit == TN_UNIT_NANOS && (us > INT64_MAX / 1000 || us < INT64_MIN / 1000))
		return bad(t, s, n, "out of range in nanoseconds", err);
	else if (t->unit == TN_UNIT_NANOS)
		us *= 1000;
	*dst = us;
	return TN_OK;
}

int tio_parse(const struct tn_type *t, const char *s, size_t n, void *dst, struct tn_arena *a,
	      struct tn_err *err)
{
	int64_t days;

	if (t->kind == TN_STRING || t->kind == TN_BINARY) {
		struct tn_bytes *b = dst;
		uint8_t *p;

		if (t->kind == TN_STRING && !tn_utf8_valid(s, n))
			return bad(t, s, n, "not UTF-8", err);
		if (n > UINT32_MAX)
			return bad(t, s, n, "too long", err);
		p = tn_arena_alloc(a, n ? n : 1);
		memcpy(p, s, n);
		b->ptr = p;
		b->len = (uint32_t)n;
		return TN_OK;
	}
	if (strlen(s) != n)
		return bad(t, s, n, "it holds a NUL byte", err);
	switch (t->kind) {
	case TN_BOOL:
		if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0)
			*(uint8_t *)dst = 1;
		else if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0)
			*(uint8_t *)dst = 0;
		else
			return bad(t, s, n, NULL, err);
		return TN_OK;
	case TN_INT8:
	case TN_INT16:
	case TN_INT32:
	case TN_INT64:
	case TN_UINT8:
	case TN_UINT16:
	case TN_UINT32:
	case TN_UINT64:
		return parse_int(t, s, n, dst, err);
	case TN_FLOAT:
	case TN_DOUBLE: {
		double d;

		if (!is_double(s))
			return bad(t, s, n, NULL, err);
		d = strtod(s, NULL);
		if (t->kind == TN_FLOAT)
			*(float *)dst = (float)d;
		else
			*(double *)dst = d;
		return TN_OK;
	}
	case TN_DECIMAL:
		return parse_decimal(t, s, n, dst, err);
	case TN_UUID:
		return parse_uuid(t, s, n, dst, a, err);
	case TN_DATE:
		if (tn_date_parse(s, &days, NULL) != TN_OK || days < INT32_MIN || days > INT32_MAX)
			return bad(t, s, n, NULL, err);
		*(int32_t *)dst = (int32_t)days;
		return TN_OK;
	case TN_TIME:
	case TN_TIMESTAMP:
		return parse_time(t, s, n, dst, err);
	default:
		return bad(t, s, n, "a nested type cannot be read from text", err);
	}
}
