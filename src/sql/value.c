/* value.c - tarn values <-> SQLite values: results per cell (no
 * allocation for scalars), casts of SQLite values into vectors for writes,
 * and the declared types of virtual-table columns. */
#include "sql/value.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "base/time.h"
#include "base/valfmt.h"

/* SQLite's subtype for JSON text (json1's JSON_SUBTYPE). */
#define SQL_JSON_SUBTYPE 74

static const double pow10d[23] = {1e0,  1e1,  1e2,  1e3,  1e4,	1e5,  1e6,  1e7,
				  1e8,	1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* ---------------------------------------------------------------- results */

static inline char *put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* "YYYY-MM-DD" at p for years 0..9999 (others through tn_date_format);
 * returns the end. */
static char *fmt_date(char *p, int64_t days)
{
	int64_t y;
	unsigned m, d;

	tn_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		char buf[TN_TIME_BUFSZ];
		size_t n = strlen(tn_date_format(days, buf));

		memcpy(p, buf, n);
		return p + n;
	}
	p = put2(p, (unsigned)(y / 100));
	p = put2(p, (unsigned)(y % 100));
	*p++ = '-';
	p = put2(p, m);
	*p++ = '-';
	return put2(p, d);
}

/* A timestamp v in units of per_sec (digits fraction digits) as
 * YYYY-MM-DDTHH:MM:SS.f...[Z]; returns the length. */
static size_t fmt_ts(char *out, int64_t v, int64_t per_sec, int digits, bool utc)
{
	int64_t per_day = per_sec * 86400, days = v / per_day, rem = v % per_day, secs, frac;
	char *p;

	if (rem < 0) {
		rem += per_day;
		days--;
	}
	p = fmt_date(out, days);
	secs = rem / per_sec;
	frac = rem % per_sec;
	*p++ = 'T';
	p = put2(p, (unsigned)(secs / 3600));
	*p++ = ':';
	p = put2(p, (unsigned)(secs / 60 % 60));
	*p++ = ':';
	p = put2(p, (unsigned)(secs % 60));
	*p++ = '.';
	for (int i = digits - 1; i >= 0; i--) {
		p[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	p += digits;
	if (utc)
		*p++ = 'Z';
	*p = '\0';
	return (size_t)(p - out);
}

static double decimal_double(__int128 u, int scale)
{
	char buf[48];

	if (u > -((__int128)1 << 53) && u < ((__int128)1 << 53) && scale <= 22)
		return (double)(int64_t)u / pow10d[scale]; /* both exact: correctly rounded */
	return strtod(tn_decimal_format(u, scale, buf), NULL);
}

static void result_nested(sqlite3_context *ctx, const struct tn_vec *v, size_t i)
{
	struct tn_buf b = TN_BUF_INIT;
	struct tn_err err;

	if (tn_value_json(&b, v, i, &err) != TN_OK) {
		sqlite3_result_error(ctx, err.msg, -1);
	} else {
		sqlite3_result_text(ctx, b.data ? b.data : "", (int)b.len, SQLITE_TRANSIENT);
		sqlite3_result_subtype(ctx, SQL_JSON_SUBTYPE);
	}
	tn_buf_done(&b);
}

void sql_value_result(sqlite3_context *ctx, const struct tn_vec *v, size_t i)
{
	const struct tn_type *t = v->type;
	char buf[TN_TIME_BUFSZ];

	if (v->nulls != NULL && v->nulls[i]) {
		sqlite3_result_null(ctx);
		return;
	}
	switch (t->kind) {
	case TN_INT64:
		sqlite3_result_int64(ctx, ((const int64_t *)v->values)[i]);
		return;
	case TN_DOUBLE:
		sqlite3_result_double(ctx, ((const double *)v->values)[i]);
		return;
	case TN_INT32:
		sqlite3_result_int64(ctx, ((const int32_t *)v->values)[i]);
		return;
	case TN_BOOL:
	case TN_UINT8:
		sqlite3_result_int64(ctx, ((const uint8_t *)v->values)[i]);
		return;
	case TN_INT8:
		sqlite3_result_int64(ctx, ((const int8_t *)v->values)[i]);
		return;
	case TN_INT16:
		sqlite3_result_int64(ctx, ((const int16_t *)v->values)[i]);
		return;
	case TN_UINT16:
		sqlite3_result_int64(ctx, ((const uint16_t *)v->values)[i]);
		return;
	case TN_UINT32:
		sqlite3_result_int64(ctx, ((const uint32_t *)v->values)[i]);
		return;
	case TN_UINT64: {
		uint64_t u = ((const uint64_t *)v->values)[i];

		if (u <= INT64_MAX) {
			sqlite3_result_int64(ctx, (int64_t)u);
		} else { /* exact as text rather than rounded */
			int n = snprintf(buf, sizeof(buf), "%" PRIu64, u);

			sqlite3_result_text(ctx, buf, n, SQLITE_TRANSIENT);
		}
		return;
	}
	case TN_FLOAT:
		sqlite3_result_double(ctx, ((const float *)v->values)[i]);
		return;
	case TN_DECIMAL:
		sqlite3_result_double(ctx, decimal_double(tn_vec_decimal(v, i), t->scale));
		return;
	case TN_STRING: {
		const struct tn_bytes *b = &((const struct tn_bytes *)v->values)[i];

		sqlite3_result_text(ctx, b->len ? (const char *)b->ptr : "", (int)b->len,
				    SQLITE_TRANSIENT);
		if (t->json)
			sqlite3_result_subtype(ctx, SQL_JSON_SUBTYPE);
		return;
	}
	case TN_BINARY:
	case TN_UUID: {
		const struct tn_bytes *b = &((const struct tn_bytes *)v->values)[i];

		sqlite3_result_blob(ctx, b->len ? (const void *)b->ptr : "", (int)b->len,
				    SQLITE_TRANSIENT);
		return;
	}
	case TN_DATE: {
		char *e = fmt_date(buf, ((const int32_t *)v->values)[i]);

		sqlite3_result_text(ctx, buf, (int)(e - buf), SQLITE_TRANSIENT);
		return;
	}
	case TN_TIMESTAMP: {
		int64_t x = ((const int64_t *)v->values)[i];
		size_t n;

		if (t->unit == TN_UNIT_NANOS)
			n = fmt_ts(buf, x, INT64_C(1000000000), 9, t->utc);
		else if (t->unit == TN_UNIT_MILLIS) /* shown with micros' six digits */
			n = fmt_ts(buf, x * 1000, TN_US_PER_SEC, 6, t->utc);
		else
			n = fmt_ts(buf, x, TN_US_PER_SEC, 6, t->utc);
		sqlite3_result_text(ctx, buf, (int)n, SQLITE_TRANSIENT);
		return;
	}
	case TN_TIME: {
		int64_t x = ((const int64_t *)v->values)[i];
		size_t n;

		if (t->unit == TN_UNIT_MILLIS)
			x *= 1000;
		else if (t->unit == TN_UNIT_NANOS)
			x /= 1000;
		/* format as a timestamp on day 0 and keep the time part */
		n = fmt_ts(buf, x, TN_US_PER_SEC, 6, false);
		sqlite3_result_text(ctx, buf + 11, (int)n - 11, SQLITE_TRANSIENT);
		return;
	}
	case TN_STRUCT:
	case TN_LIST:
	case TN_MAP:
		result_nested(ctx, v, i);
		return;
	default:
		sqlite3_result_null(ctx);
		return;
	}
}

/* ---------------------------------------------------------------- parsing */

static bool dig(const char *s, size_t n, size_t at, size_t k, int *out)
{
	int v = 0;

	if (at + k > n)
		return false;
	for (size_t i = at; i < at + k; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool valid_date(int y, int m, int d)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (m < 1 || m > 12 || d < 1)
		return false;
	return d <= (m == 2 && leap ? 29 : dim[m - 1]);
}

/* YYYY-MM-DD at s; *end is where it stops. */
static int parse_ymd(const char *s, size_t n, int64_t *days, size_t *end)
{
	int y, m, d;

	if (!dig(s, n, 0, 4, &y) || n < 10 || s[4] != '-' || !dig(s, n, 5, 2, &m) || s[7] != '-' ||
	    !dig(s, n, 8, 2, &d) || !valid_date(y, m, d))
		return -1;
	*days = tn_days_from_civil(y, (unsigned)m, (unsigned)d);
	*end = 10;
	return 0;
}

int sql_parse_date(const char *s, size_t n, int32_t *days)
{
	int64_t d;
	size_t e;

	if (parse_ymd(s, n, &d, &e) != 0 || e != n)
		return -1;
	*days = (int32_t)d;
	return 0;
}

/* HH:MM[:SS[.f]] at s[*at..n) into microseconds since midnight. */
static int parse_hms(const char *s, size_t n, size_t *at, int64_t *us)
{
	size_t p = *at;
	int hh, mm, ss = 0;
	int64_t frac = 0;

	if (!dig(s, n, p, 2, &hh) || p + 2 >= n || s[p + 2] != ':' || !dig(s, n, p + 3, 2, &mm))
		return -1;
	p += 5;
	if (p < n && s[p] == ':') {
		if (!dig(s, n, p + 1, 2, &ss))
			return -1;
		p += 3;
		if (p < n && s[p] == '.') {
			int digits = 0;

			p++;
			if (p >= n || s[p] < '0' || s[p] > '9')
				return -1;
			while (p < n && s[p] >= '0' && s[p] <= '9') {
				if (digits < 6) {
					frac = frac * 10 + (s[p] - '0');
					digits++;
				}
				p++;
			}
			while (digits++ < 6)
				frac *= 10;
		}
	}
	if (hh > 23 || mm > 59 || ss > 60)
		return -1;
	*us = ((int64_t)hh * 3600 + mm * 60 + ss) * TN_US_PER_SEC + frac;
	*at = p;
	return 0;
}

int sql_parse_timestamp(const char *s, size_t n, int64_t *micros)
{
	int64_t days, tod = 0;
	size_t p;

	if (parse_ymd(s, n, &days, &p) != 0)
		return -1;
	if (p < n && (s[p] == 'T' || s[p] == ' ') && p + 1 < n && isdigit((unsigned char)s[p + 1])) {
		p++;
		if (parse_hms(s, n, &p, &tod) != 0)
			return -1;
	}
	*micros = days * TN_US_PER_DAY + tod;
	if (p < n && s[p] == ' ')
		p++;
	if (p < n && s[p] == 'Z') {
		p++;
	} else if (p + 3 <= n && strncmp(s + p, "UTC", 3) == 0) {
		p += 3;
	} else if (p < n && (s[p] == '+' || s[p] == '-')) {
		int oh, om = 0, sign = s[p] == '-' ? -1 : 1;

		if (!dig(s, n, p + 1, 2, &oh))
			return -1;
		p += 3;
		if (p < n && s[p] == ':')
			p++;
		if (p < n) {
			if (!dig(s, n, p, 2, &om))
				return -1;
			p += 2;
		}
		if (oh > 18 || om > 59)
			return -1;
		*micros -= sign * ((int64_t)oh * 3600 + om * 60) * TN_US_PER_SEC;
	}
	return p == n ? 0 : -1;
}

/* ---------------------------------------------------------------- casts */

/* A value to store: what an sqlite3_value or a JSON leaf holds. */
enum { SV_NULL, SV_INT, SV_REAL, SV_TEXT, SV_BLOB };
struct sval {
	int kind;
	int64_t i;
	double d;
	const char *p; /* text (not terminated) or blob */
	size_t n;
};

struct cast {
	struct tn_arena *a;
	const char *column;
	int64_t row;
	struct tn_err *err;
};

static const char *sv_show(const struct sval *s, char *buf, size_t n)
{
	switch (s->kind) {
	case SV_INT:
		snprintf(buf, n, "%" PRId64, s->i);
		break;
	case SV_REAL:
		tn_double_format(s->d, buf);
		break;
	case SV_TEXT:
		snprintf(buf, n, "'%.*s%s'", s->n > 40 ? 40 : (int)s->n, s->p, s->n > 40 ? "..." : "");
		break;
	case SV_BLOB:
		snprintf(buf, n, "a blob of %zu bytes", s->n);
		break;
	default:
		snprintf(buf, n, "NULL");
	}
	return buf;
}

static int bad(const struct cast *c, const struct sval *s, const struct tn_type *t, const char *why)
{
	char name[96], shown[64];

	tn_type_name(t, name, sizeof(name));
	return tn_err_set(c->err, TN_EINVAL, "column %s, row %" PRId64 ": %s %s %s", c->column,
			  c->row, sv_show(s, shown, sizeof(shown)), why ? why : "is not a",
			  name);
}

/* Whole text as an integer (sign, digits, blanks around). */
static bool text_int(const char *p, size_t n, int64_t *out)
{
	char buf[32];
	char *end;
	long long v;

	while (n > 0 && isspace((unsigned char)*p))
		p++, n--;
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	for (size_t i = (buf[0] == '-' || buf[0] == '+'); i < n; i++)
		if (!isdigit((unsigned char)buf[i]))
			return false;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

static bool text_double(const char *p, size_t n, double *out)
{
	char buf[64];
	char *end;

	while (n > 0 && isspace((unsigned char)*p))
		p++, n--;
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (strcasecmp(buf, "nan") == 0) {
		*out = NAN;
		return true;
	}
	if (strcasecmp(buf, "infinity") == 0 || strcasecmp(buf, "+infinity") == 0 ||
	    strcasecmp(buf, "inf") == 0) {
		*out = INFINITY;
		return true;
	}
	if (strcasecmp(buf, "-infinity") == 0 || strcasecmp(buf, "-inf") == 0) {
		*out = -INFINITY;
		return true;
	}
	*out = strtod(buf, &end);
	return *end == '\0' && end != buf && !isalpha((unsigned char)buf[n - 1]);
}

/* Decimal text ("-12.345", "1e3") as an unscaled value of the scale,
 * rounded half away from zero; false when it is no number or does not
 * fit the precision. */
static bool text_decimal(const char *p, size_t n, int precision, int scale, __int128 *out)
{
	__int128 v = 0, lim = 1;
	int exp = 0, frac_digits = 0, round_digit = -1;
	bool neg = false, any = false, dot = false;
	size_t i = 0;

	for (int k = 0; k < precision; k++)
		lim *= 10;
	while (i < n && isspace((unsigned char)p[i]))
		i++;
	while (n > i && isspace((unsigned char)p[n - 1]))
		n--;
	if (i < n && (p[i] == '-' || p[i] == '+'))
		neg = p[i++] == '-';
	/* collect digits into a 38-digit mantissa, count fraction digits */
	char digs[80];
	int nd = 0;

	for (; i < n; i++) {
		if (p[i] >= '0' && p[i] <= '9') {
			any = true;
			if (nd == 0 && p[i] == '0') {
				if (dot)
					frac_digits++;
				continue;
			}
			if (nd < (int)sizeof(digs)) {
				digs[nd++] = p[i];
				if (dot)
					frac_digits++;
			} else {
				if (!dot)
					exp++; /* fraction digits this far down only round */
			}
		} else if (p[i] == '.' && !dot) {
			dot = true;
		} else {
			break;
		}
	}
	if (!any)
		return false;
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		int64_t e;

		if (!text_int(p + i + 1, n - i - 1, &e) || e > 1000 || e < -1000)
			return false;
		exp += (int)e;
		i = n;
	}
	if (i != n)
		return false;
	/* value = digs * 10^(exp - frac_digits); want digs * 10^(exp - frac_digits + scale) */
	int shift = exp - frac_digits + scale;
	int keep = nd + shift; /* digits of digs that land at or above the unit */

	if (keep > nd) {
		for (int k = 0; k < nd; k++) {
			v = v * 10 + (digs[k] - '0');
			if (v >= lim)
				return false;
		}
		for (int k = nd; k < keep; k++) {
			v *= 10;
			if (v >= lim && v != 0)
				return false;
		}
	} else {
		for (int k = 0; k < keep && k < nd; k++) {
			v = v * 10 + (digs[k] - '0');
			if (v >= lim)
				return false;
		}
		if (keep >= 0 && keep < nd)
			round_digit = digs[keep] - '0';
		else if (keep < 0)
			round_digit = 0;
		if (round_digit >= 5)
			v++;
		if (v >= lim)
			return false;
	}
	*out = neg ? -v : v;
	return true;
}

/* cap: the values v has room for (nulls are allocated for that many) */
static int put_scalar(const struct cast *c, const struct sval *s, struct tn_vec *v, size_t i,
		      size_t cap);
static int put_json(const struct cast *c, const cJSON *j, struct tn_vec *v, size_t i, size_t cap);

static void set_null(const struct cast *c, struct tn_vec *v, size_t i, size_t cap)
{
	if (v->nulls == NULL)
		tn_vec_need_nulls(v, cap, c->a);
	v->nulls[i] = 1;
	if (v->type->kind == TN_LIST || v->type->kind == TN_MAP)
		v->offsets[i + 1] = v->offsets[i];
	else if (v->type->kind == TN_STRUCT)
		for (size_t k = 0; k < v->type->nfields; k++)
			set_null(c, &v->children[k], i, cap);
}

static int int_range(const struct cast *c, const struct sval *s, struct tn_vec *v, size_t i,
		     int64_t x)
{
	const struct tn_type *t = v->type;

	switch (t->kind) {
	case TN_INT8:
		if (x < INT8_MIN || x > INT8_MAX)
			break;
		((int8_t *)v->values)[i] = (int8_t)x;
		return TN_OK;
	case TN_INT16:
		if (x < INT16_MIN || x > INT16_MAX)
			break;
		((int16_t *)v->values)[i] = (int16_t)x;
		return TN_OK;
	case TN_INT32:
		if (x < INT32_MIN || x > INT32_MAX)
			break;
		((int32_t *)v->values)[i] = (int32_t)x;
		return TN_OK;
	case TN_INT64:
		((int64_t *)v->values)[i] = x;
		return TN_OK;
	case TN_UINT8:
		if (x < 0 || x > UINT8_MAX)
			break;
		((uint8_t *)v->values)[i] = (uint8_t)x;
		return TN_OK;
	case TN_UINT16:
		if (x < 0 || x > UINT16_MAX)
			break;
		((uint16_t *)v->values)[i] = (uint16_t)x;
		return TN_OK;
	case TN_UINT32:
		if (x < 0 || x > UINT32_MAX)
			break;
		((uint32_t *)v->values)[i] = (uint32_t)x;
		return TN_OK;
	case TN_UINT64:
		if (x < 0)
			break;
		((uint64_t *)v->values)[i] = (uint64_t)x;
		return TN_OK;
	default:
		break;
	}
	return bad(c, s, t, "is out of range for");
}

static int put_int(const struct cast *c, const struct sval *s, struct tn_vec *v, size_t i)
{
	int64_t x;

	if (s->kind == SV_INT) {
		x = s->i;
	} else if (s->kind == SV_REAL) {
		if (!(s->d >= -9223372036854775808.0 && s->d < 9223372036854775808.0))
			return bad(c, s, v->type, "is out of range for");
		if (s->d != floor(s->d))
			return bad(c, s, v->type, "has a fraction: not a");
		x = (int64_t)s->d;
	} else if (s->kind == SV_TEXT) {
		if (v->type->kind == TN_UINT64) {
			char buf[32];
			char *end;

			if (s->n > 0 && s->n < sizeof(buf) && s->p[0] != '-') {
				memcpy(buf, s->p, s->n);
				buf[s->n] = '\0';
				errno = 0;
				unsigned long long u = strtoull(buf, &end, 10);

				if (errno == 0 && *end == '\0' && isdigit((unsigned char)buf[0])) {
					((uint64_t *)v->values)[i] = u;
					return TN_OK;
				}
			}
		}
		if (!text_int(s->p, s->n, &x))
			return bad(c, s, v->type, NULL);
	} else {
		return bad(c, s, v->type, NULL);
	}
	return int_range(c, s, v, i, x);
}

static int put_bytes(const struct cast *c, struct tn_vec *v, size_t i, const void *p, size_t n)
{
	struct tn_bytes *b = &((struct tn_bytes *)v->values)[i];
	uint8_t *copy = tn_arena_alloc(c->a, n ? n : 1);

	if (n)
		memcpy(copy, p, n);
	b->ptr = copy;
	b->len = (uint32_t)n;
	return TN_OK;
}

static int put_uuid(const struct cast *c, const struct sval *s, struct tn_vec *v, size_t i)
{
	uint8_t u[16];
	size_t k = 0;

	if (s->kind == SV_BLOB && s->n == 16)
		return put_bytes(c, v, i, s->p, 16);
	if (s->kind != SV_TEXT)
		return bad(c, s, v->type, NULL);
	for (size_t j = 0; j < s->n && k < 32; j++) {
		int h;

		if (s->p[j] == '-' && (k == 8 || k == 12 || k == 16 || k == 20))
			continue;
		h = tn_hex_digit((unsigned char)s->p[j]);
		if (h < 0)
			return bad(c, s, v->type, NULL);
		if (k % 2 == 0)
			u[k / 2] = (uint8_t)(h << 4);
		else
			u[k / 2] |= (uint8_t)h;
		k++;
	}
	if (k != 32 || s->n != 36)
		return bad(c, s, v->type, NULL);
	return put_bytes(c, v, i, u, 16);
}

static int put_scalar(const struct cast *c, const struct sval *s, struct tn_vec *v, size_t i,
		      size_t cap)
{
	const struct tn_type *t = v->type;

	if (s->kind == SV_NULL) {
		set_null(c, v, i, cap);
		return TN_OK;
	}
	switch (t->kind) {
	case TN_BOOL:
		if (s->kind == SV_INT && (s->i == 0 || s->i == 1)) {
			((uint8_t *)v->values)[i] = (uint8_t)s->i;
			return TN_OK;
		}
		if (s->kind == SV_REAL && (s->d == 0 || s->d == 1)) {
			((uint8_t *)v->values)[i] = s->d == 1;
			return TN_OK;
		}
		if (s->kind == SV_TEXT) {
			if ((s->n == 4 && strncasecmp(s->p, "true", 4) == 0) ||
			    (s->n == 1 && s->p[0] == '1')) {
				((uint8_t *)v->values)[i] = 1;
				return TN_OK;
			}
			if ((s->n == 5 && strncasecmp(s->p, "false", 5) == 0) ||
			    (s->n == 1 && s->p[0] == '0')) {
				((uint8_t *)v->values)[i] = 0;
				return TN_OK;
			}
		}
		return bad(c, s, t, NULL);
	case TN_INT8:
	case TN_INT16:
	case TN_INT32:
	case TN_INT64:
	case TN_UINT8:
	case TN_UINT16:
	case TN_UINT32:
	case TN_UINT64:
		return put_int(c, s, v, i);
	case TN_FLOAT:
	case TN_DOUBLE: {
		double d;

		if (s->kind == SV_INT)
			d = (double)s->i;
		else if (s->kind == SV_REAL)
			d = s->d;
		else if (s->kind != SV_TEXT || !text_double(s->p, s->n, &d))
			return bad(c, s, t, NULL);
		if (t->kind == TN_DOUBLE) {
			((double *)v->values)[i] = d;
		} else {
			if (isfinite(d) && fabs(d) > FLT_MAX)
				return bad(c, s, t, "is out of range for");
			((float *)v->values)[i] = (float)d;
		}
		return TN_OK;
	}
	case TN_DECIMAL: {
		__int128 u;
		char buf[48];
		const char *p = s->p;
		size_t n = s->n;

		if (s->kind == SV_INT) {
			n = (size_t)snprintf(buf, sizeof(buf), "%" PRId64, s->i);
			p = buf;
		} else if (s->kind == SV_REAL) {
			if (!isfinite(s->d))
				return bad(c, s, t, NULL);
			p = tn_double_format(s->d, buf);
			n = strlen(p);
		} else if (s->kind != SV_TEXT) {
			return bad(c, s, t, NULL);
		}
		if (!text_decimal(p, n, t->precision, t->scale, &u)) {
			int64_t dummy;
			double dd;

			return bad(c, s, t,
				   text_double(p, n, &dd) || text_int(p, n, &dummy)
					   ? "is out of range for"
					   : NULL);
		}
		if (t->precision <= 18)
			((int64_t *)v->values)[i] = (int64_t)u;
		else
			((__int128 *)v->values)[i] = u;
		return TN_OK;
	}
	case TN_STRING:
		if (s->kind == SV_TEXT || (s->kind == SV_BLOB && tn_utf8_valid(s->p, s->n)))
			return put_bytes(c, v, i, s->p, s->n);
		if (s->kind == SV_INT || s->kind == SV_REAL) {
			char buf[48];

			if (s->kind == SV_INT)
				snprintf(buf, sizeof(buf), "%" PRId64, s->i);
			else
				tn_double_format(s->d, buf);
			return put_bytes(c, v, i, buf, strlen(buf));
		}
		return bad(c, s, t, NULL);
	case TN_BINARY:
		if (s->kind == SV_BLOB || s->kind == SV_TEXT)
			return put_bytes(c, v, i, s->p, s->n);
		return bad(c, s, t, NULL);
	case TN_UUID:
		return put_uuid(c, s, v, i);
	case TN_DATE: {
		int32_t d;
		int64_t us;

		if (s->kind != SV_TEXT)
			return bad(c, s, t, NULL);
		if (sql_parse_date(s->p, s->n, &d) == 0) {
			((int32_t *)v->values)[i] = d;
			return TN_OK;
		}
		if (sql_parse_timestamp(s->p, s->n, &us) == 0) {
			int64_t days = us / TN_US_PER_DAY - (us % TN_US_PER_DAY < 0);

			((int32_t *)v->values)[i] = (int32_t)days;
			return TN_OK;
		}
		return bad(c, s, t, NULL);
	}
	case TN_TIMESTAMP: {
		int64_t us;

		if (s->kind != SV_TEXT || sql_parse_timestamp(s->p, s->n, &us) != 0)
			return bad(c, s, t, NULL);
		if (t->unit == TN_UNIT_MILLIS)
			us = us / 1000 - (us % 1000 < 0);
		else if (t->unit == TN_UNIT_NANOS)
			us *= 1000;
		((int64_t *)v->values)[i] = us;
		return TN_OK;
	}
	case TN_TIME: {
		int64_t us;
		size_t at = 0;

		if (s->kind != SV_TEXT || parse_hms(s->p, s->n, &at, &us) != 0 || at != s->n)
			return bad(c, s, t, NULL);
		if (t->unit == TN_UNIT_MILLIS)
			us /= 1000;
		else if (t->unit == TN_UNIT_NANOS)
			us *= 1000;
		((int64_t *)v->values)[i] = us;
		return TN_OK;
	}
	case TN_STRUCT:
	case TN_LIST:
	case TN_MAP: {
		cJSON *j;
		int rc;

		if (s->kind != SV_TEXT)
			return bad(c, s, t, "is no JSON text for");
		j = cJSON_ParseWithLength(s->p, s->n);
		if (j == NULL)
			return bad(c, s, t, "is no JSON text for");
		rc = put_json(c, j, v, i, cap);
		cJSON_Delete(j);
		return rc;
	}
	default:
		return bad(c, s, t, NULL);
	}
}

/* ---- nested values from JSON ---- */

/* Make room for n values in a list's or map's child vector that holds
 * have (capacity: the next power of two from 8, so it grows by
 * doubling as values are appended in order). */
static size_t cap_of(size_t n)
{
	size_t c = 8;

	if (n == 0)
		return 0;
	while (c < n)
		c *= 2;
	return c;
}

static void vec_grow(struct tn_vec *v, const struct tn_type *t, size_t have, size_t need,
		     struct tn_arena *a)
{
	size_t oc = cap_of(have), nc;
	struct tn_vec old = *v;

	if (need <= oc)
		return;
	nc = cap_of(need);
	if (t->kind == TN_STRUCT) {
		for (size_t k = 0; k < t->nfields; k++)
			vec_grow(&v->children[k], &t->fields[k].type, have, need, a);
	} else if (t->kind == TN_LIST || t->kind == TN_MAP) {
		v->offsets = tn_arena_alloc(a, (nc + 1) * sizeof(int32_t));
		if (have)
			memcpy(v->offsets, old.offsets, (have + 1) * sizeof(int32_t));
		else
			v->offsets[0] = 0;
		if (v->children == NULL) {
			v->children = tn_arena_calloc(a, t->nfields, sizeof(struct tn_vec));
			for (size_t k = 0; k < t->nfields; k++)
				v->children[k].type = &t->fields[k].type;
		}
	} else {
		size_t w = tn_type_width(t);

		v->values = tn_arena_alloc(a, nc * w);
		if (have)
			memcpy(v->values, old.values, have * w);
	}
	if (old.nulls != NULL) {
		v->nulls = tn_arena_calloc(a, nc, 1);
		memcpy(v->nulls, old.nulls, have);
	}
}

/* Append one value to child vector ch of type t that holds `have` values. */
static int append_json(const struct cast *c, const cJSON *j, struct tn_vec *ch, size_t have)
{
	vec_grow(ch, ch->type, have, have + 1, c->a);
	ch->len = have + 1;
	return put_json(c, j, ch, have, cap_of(have + 1));
}

static int put_json(const struct cast *c, const cJSON *j, struct tn_vec *v, size_t i, size_t cap)
{
	const struct tn_type *t = v->type;
	struct sval s = {SV_NULL, 0, 0, NULL, 0};

	if (j == NULL || cJSON_IsNull(j)) {
		set_null(c, v, i, cap);
		return TN_OK;
	}
	if (t->kind == TN_STRUCT) {
		if (!cJSON_IsObject(j))
			goto mismatch;
		for (size_t k = 0; k < t->nfields; k++) {
			int rc = put_json(c, cJSON_GetObjectItemCaseSensitive(j, t->fields[k].name),
					  &v->children[k], i, cap);

			if (rc != TN_OK)
				return rc;
		}
		return TN_OK;
	}
	if (t->kind == TN_LIST || t->kind == TN_MAP) {
		size_t base = (size_t)v->offsets[i], n = 0;
		const cJSON *e;

		if (t->kind == TN_MAP && cJSON_IsObject(j)) {
			cJSON_ArrayForEach(e, j)
			{
				cJSON *key = cJSON_CreateString(e->string);
				int rc = append_json(c, key, &v->children[0], base + n);

				cJSON_Delete(key);
				if (rc == TN_OK)
					rc = append_json(c, e, &v->children[1], base + n);
				if (rc != TN_OK)
					return rc;
				n++;
			}
		} else if (cJSON_IsArray(j)) {
			cJSON_ArrayForEach(e, j)
			{
				int rc;

				if (t->kind == TN_LIST) {
					rc = append_json(c, e, &v->children[0], base + n);
				} else {
					if (!cJSON_IsObject(e))
						goto mismatch;
					rc = append_json(c, cJSON_GetObjectItemCaseSensitive(e, "key"),
							 &v->children[0], base + n);
					if (rc == TN_OK)
						rc = append_json(
							c, cJSON_GetObjectItemCaseSensitive(e, "value"),
							&v->children[1], base + n);
				}
				if (rc != TN_OK)
					return rc;
				n++;
			}
		} else {
			goto mismatch;
		}
		if (base + n > INT32_MAX)
			return tn_err_set(c->err, TN_ETOOBIG, "column %s, row %" PRId64 ": too many elements",
					  c->column, c->row);
		v->offsets[i + 1] = (int32_t)(base + n);
		return TN_OK;
	}
	if (cJSON_IsBool(j)) {
		s.kind = SV_INT;
		s.i = cJSON_IsTrue(j);
		if (t->kind == TN_STRING) {
			s.kind = SV_TEXT;
			s.p = s.i ? "true" : "false";
			s.n = strlen(s.p);
		}
	} else if (cJSON_IsNumber(j)) {
		double d = j->valuedouble;

		if (d == floor(d) && fabs(d) < 9007199254740992.0) {
			s.kind = SV_INT;
			s.i = (int64_t)d;
		} else {
			s.kind = SV_REAL;
			s.d = d;
		}
	} else if (cJSON_IsString(j)) {
		s.kind = SV_TEXT;
		s.p = j->valuestring;
		s.n = strlen(j->valuestring);
		if (t->kind == TN_BINARY) {
			/* canonical JSON holds binary as base64 */
			uint8_t *out = tn_arena_alloc(c->a, s.n + 1);
			long n = tn_unbase64(s.p, s.n, out);

			if (n < 0)
				goto mismatch;
			((struct tn_bytes *)v->values)[i].ptr = out;
			((struct tn_bytes *)v->values)[i].len = (uint32_t)n;
			return TN_OK;
		}
	} else {
		char *text = cJSON_PrintUnformatted(j);
		int rc;

		if (t->kind != TN_STRING) {
			free(text);
			goto mismatch;
		}
		s.kind = SV_TEXT;
		s.p = text;
		s.n = strlen(text);
		rc = put_scalar(c, &s, v, i, cap);
		free(text);
		return rc;
	}
	return put_scalar(c, &s, v, i, cap);
mismatch: {
	char name[96];

	return tn_err_set(c->err, TN_EINVAL, "column %s, row %" PRId64 ": JSON that is not a %s",
			  c->column, c->row, tn_type_name(t, name, sizeof(name)));
}
}

int sql_value_to_vec(sqlite3_value *val, struct tn_vec *v, size_t i, struct tn_arena *a,
		     const char *column, int64_t row, struct tn_err *err)
{
	struct cast c = {a, column, row, err};
	struct sval s = {SV_NULL, 0, 0, NULL, 0};
	const struct tn_type *t = v->type;
	size_t cap = v->len > i ? v->len : i + 1;

	switch (sqlite3_value_type(val)) {
	case SQLITE_INTEGER:
		s.kind = SV_INT;
		s.i = sqlite3_value_int64(val);
		/* the fast, common cases */
		if (t->kind == TN_INT64) {
			((int64_t *)v->values)[i] = s.i;
			return TN_OK;
		}
		break;
	case SQLITE_FLOAT:
		s.kind = SV_REAL;
		s.d = sqlite3_value_double(val);
		if (t->kind == TN_DOUBLE) {
			((double *)v->values)[i] = s.d;
			return TN_OK;
		}
		break;
	case SQLITE_TEXT:
		s.kind = SV_TEXT;
		s.p = (const char *)sqlite3_value_text(val);
		s.n = (size_t)sqlite3_value_bytes(val);
		if (s.p == NULL)
			s.p = "";
		break;
	case SQLITE_BLOB:
		s.kind = SV_BLOB;
		s.p = sqlite3_value_blob(val);
		s.n = (size_t)sqlite3_value_bytes(val);
		if (s.p == NULL)
			s.p = "";
		break;
	default:
		break;
	}
	if (s.kind == SV_NULL && tn_type_is_nested(t) && t->kind != TN_STRUCT) {
		set_null(&c, v, i, cap);
		return TN_OK;
	}
	return put_scalar(&c, &s, v, i, cap);
}

/* ---------------------------------------------------------------- types */

char *sql_decltype(const struct tn_type *t, char *buf, size_t n)
{
	const char *s;

	switch (t->kind) {
	case TN_BOOL: s = "BOOLEAN"; break;
	case TN_INT8: s = "TINYINT"; break;
	case TN_INT16: s = "SMALLINT"; break;
	case TN_INT32: s = "INT"; break;
	case TN_INT64: s = "BIGINT"; break;
	case TN_UINT8: s = "UTINYINT"; break;
	case TN_UINT16: s = "USMALLINT"; break;
	case TN_UINT32: s = "UINTEGER"; break;
	case TN_UINT64: s = "UBIGINT"; break;
	case TN_FLOAT: s = "FLOAT"; break;
	case TN_DOUBLE: s = "DOUBLE"; break;
	case TN_DECIMAL:
		snprintf(buf, n, "DECIMAL(%d,%d)", t->precision, t->scale);
		return buf;
	case TN_STRING: s = t->json ? "JSON TEXT" : "STRING TEXT"; break;
	case TN_BINARY: s = "BINARY BLOB"; break;
	case TN_UUID: s = "UUID BLOB"; break;
	case TN_DATE: s = "DATE TEXT"; break;
	case TN_TIME: s = "TIME TEXT"; break;
	case TN_TIMESTAMP:
		snprintf(buf, n, "%s%s TEXT", t->utc ? "TIMESTAMP" : "TIMESTAMP_NTZ",
			 t->unit == TN_UNIT_MILLIS ? "(3)" : t->unit == TN_UNIT_NANOS ? "(9)" : "");
		return buf;
	default: s = "JSON TEXT"; break; /* nested: no "INT" inside, or the affinity would change */
	}
	snprintf(buf, n, "%s", s);
	return buf;
}

int sql_decltype_parse(const char *decl, struct tn_type *out)
{
	static const struct {
		const char *name;
		enum tn_kind kind;
	} names[] = {
		{"BOOLEAN", TN_BOOL},	 {"BOOL", TN_BOOL},	    {"TINYINT", TN_INT8},
		{"BYTE", TN_INT8},	 {"SMALLINT", TN_INT16},    {"SHORT", TN_INT16},
		{"INT", TN_INT32},	 {"INT4", TN_INT32},	    {"INTEGER", TN_INT64},
		{"BIGINT", TN_INT64},	 {"LONG", TN_INT64},	    {"INT8", TN_INT64},
		{"UTINYINT", TN_UINT8},	 {"USMALLINT", TN_UINT16}, {"UINTEGER", TN_UINT32},
		{"UBIGINT", TN_UINT64},	 {"FLOAT", TN_FLOAT},	    {"REAL", TN_DOUBLE},
		{"DOUBLE", TN_DOUBLE},	 {"NUMERIC", TN_DOUBLE},   {"STRING", TN_STRING},
		{"TEXT", TN_STRING},	 {"VARCHAR", TN_STRING},   {"CHAR", TN_STRING},
		{"CLOB", TN_STRING},	 {"JSON", TN_STRING},	    {"BINARY", TN_BINARY},
		{"BLOB", TN_BINARY},	 {"BYTEA", TN_BINARY},	    {"VARBINARY", TN_BINARY},
		{"UUID", TN_UUID},	 {"DATE", TN_DATE},	    {"TIME", TN_TIME},
		{"TIMESTAMP", TN_TIMESTAMP}, {"DATETIME", TN_TIMESTAMP},
		{"TIMESTAMP_NTZ", TN_TIMESTAMP}, {"TIMESTAMP_LTZ", TN_TIMESTAMP},
		{"DECIMAL", TN_DECIMAL}, {"DEC", TN_DECIMAL},	    {"STRUCT", TN_STRING},
		{"ARRAY", TN_STRING},	 {"MAP", TN_STRING},
	};
	char word[32];
	size_t n = 0;
	const char *p;

	memset(out, 0, sizeof(*out));
	if (decl == NULL)
		return -1;
	while (isspace((unsigned char)*decl))
		decl++;
	for (p = decl; (isalnum((unsigned char)*p) || *p == '_') && n + 1 < sizeof(word); p++)
		word[n++] = (char)toupper((unsigned char)*p);
	word[n] = '\0';
	if (n == 0)
		return -1;
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (strcmp(word, names[k].name) != 0)
			continue;
		out->kind = names[k].kind;
		while (isspace((unsigned char)*p))
			p++;
		if (out->kind == TN_DECIMAL || (strcmp(word, "NUMERIC") == 0 && *p == '(')) {
			int prec = 10, scale = 0;

			out->kind = TN_DECIMAL;
			if (*p == '(' && sscanf(p, "(%d , %d)", &prec, &scale) < 1)
				return -1;
			if (prec < 1 || prec > 38 || scale < 0 || scale > prec)
				return -1;
			out->precision = (uint8_t)prec;
			out->scale = (uint8_t)scale;
		} else if (out->kind == TN_TIMESTAMP) {
			int digits = 6;

			out->utc = strcmp(word, "TIMESTAMP_NTZ") != 0;
			out->unit = TN_UNIT_MICROS;
			if (*p == '(' && sscanf(p, "(%d)", &digits) == 1)
				out->unit = digits <= 3	  ? TN_UNIT_MILLIS
					    : digits <= 6 ? TN_UNIT_MICROS
							  : TN_UNIT_NANOS;
		} else if (out->kind == TN_TIME) {
			out->unit = TN_UNIT_MICROS;
		} else if (out->kind == TN_STRING) {
			out->json = strcmp(word, "JSON") == 0 || strcmp(word, "STRUCT") == 0 ||
				    strcmp(word, "ARRAY") == 0 || strcmp(word, "MAP") == 0;
		}
		return 0;
	}
	return -1;
}
