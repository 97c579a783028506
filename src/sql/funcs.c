/* funcs.c - Spark SQL functions that SQLite lacks, so that Databricks
 * queries run as written: date parts and arithmetic on 'YYYY-MM-DD' /
 * ISO timestamps, string helpers with Spark's null rules, nvl, and the
 * statistics aggregates (stddev, variance), unbase64. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/time.h"
#include "base/valfmt.h"
#include "sql/session.h"
#include "sql/value.h"

/* Days since the epoch of a date or timestamp value, or false. */
static bool day_of(sqlite3_value *v, int64_t *days, int64_t *us)
{
	const char *s = (const char *)sqlite3_value_text(v);
	int64_t t;

	if (s == NULL)
		return false;
	if (sql_parse_timestamp(s, strlen(s), &t) != 0)
		return false;
	if (us)
		*us = t;
	*days = t >= 0 ? t / 86400000000LL : -((-t + 86400000000LL - 1) / 86400000000LL);
	return true;
}

static void result_date(sqlite3_context *ctx, int64_t days)
{
	char buf[TN_TIME_BUFSZ];

	sqlite3_result_text(ctx, tn_date_format(days, buf), -1, SQLITE_TRANSIENT);
}

enum { P_YEAR, P_MONTH, P_DAY, P_QUARTER, P_DOW, P_DOY, P_HOUR, P_MINUTE, P_SECOND, P_WEEK };

static void date_part(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int part = (int)(intptr_t)sqlite3_user_data(ctx);
	int64_t days, us, y;
	unsigned m, d;

	(void)argc;
	if (!day_of(argv[0], &days, &us)) {
		sqlite3_result_null(ctx);
		return;
	}
	tn_civil_from_days(days, &y, &m, &d);
	switch (part) {
	case P_YEAR: sqlite3_result_int64(ctx, y); break;
	case P_MONTH: sqlite3_result_int(ctx, (int)m); break;
	case P_DAY: sqlite3_result_int(ctx, (int)d); break;
	case P_QUARTER: sqlite3_result_int(ctx, (int)(m - 1) / 3 + 1); break;
	case P_DOW: sqlite3_result_int(ctx, (int)(((days % 7) + 7 + 4) % 7) + 1); break; /* 1 = Sunday */
	case P_DOY: sqlite3_result_int64(ctx, days - tn_days_from_civil(y, 1, 1) + 1); break;
	case P_HOUR: sqlite3_result_int64(ctx, (us / 3600000000LL % 24 + 24) % 24); break;
	case P_MINUTE: sqlite3_result_int64(ctx, (us / 60000000LL % 60 + 60) % 60); break;
	case P_SECOND: sqlite3_result_int64(ctx, (us / 1000000LL % 60 + 60) % 60); break;
	case P_WEEK: {
		/* ISO week */
		int64_t wd = ((days % 7) + 7 + 3) % 7; /* 0 = Monday */
		int64_t thursday = days - wd + 3, ty;
		unsigned tm, td;

		tn_civil_from_days(thursday, &ty, &tm, &td);
		sqlite3_result_int64(ctx, (thursday - tn_days_from_civil(ty, 1, 1)) / 7 + 1);
		break;
	}
	}
}

static void f_date_add(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int sign = (int)(intptr_t)sqlite3_user_data(ctx);
	int64_t days;

	(void)argc;
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL || !day_of(argv[0], &days, NULL)) {
		sqlite3_result_null(ctx);
		return;
	}
	result_date(ctx, days + sign * sqlite3_value_int64(argv[1]));
}

static void f_add_months(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int64_t days, y;
	unsigned m, d, dim;
	int64_t k, mm;

	(void)argc;
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL || !day_of(argv[0], &days, NULL)) {
		sqlite3_result_null(ctx);
		return;
	}
	tn_civil_from_days(days, &y, &m, &d);
	k = sqlite3_value_int64(argv[1]);
	mm = y * 12 + (m - 1) + k;
	y = mm >= 0 ? mm / 12 : -((-mm + 11) / 12);
	m = (unsigned)(mm - y * 12) + 1;
	dim = (unsigned)(tn_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) -
			 tn_days_from_civil(y, m, 1));
	result_date(ctx, tn_days_from_civil(y, m, d > dim ? dim : d));
}

static void f_datediff(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int64_t a, b;

	(void)argc;
	if (!day_of(argv[0], &a, NULL) || !day_of(argv[1], &b, NULL)) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_int64(ctx, a - b);
}

static void f_to_date(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int64_t days;

	(void)argc;
	if (!day_of(argv[0], &days, NULL)) {
		sqlite3_result_null(ctx);
		return;
	}
	result_date(ctx, days);
}

/* to_timestamp(x): a timestamp's text (what CAST(x AS TIMESTAMP) becomes):
 * text in ISO form (a date alone is midnight; no zone is UTC), or a number
 * of seconds since the epoch, as Spark casts them; else NULL. */
static void f_to_timestamp(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int64_t days, us;
	char buf[TN_TIME_BUFSZ];
	int type = sqlite3_value_type(argv[0]);

	(void)argc;
	if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
		double sec = sqlite3_value_double(argv[0]);

		if (!(sec > -9.2e12 && sec < 9.2e12)) {
			sqlite3_result_null(ctx);
			return;
		}
		us = type == SQLITE_INTEGER ? sqlite3_value_int64(argv[0]) * 1000000
					    : (int64_t)(sec * 1e6);
	} else if (!day_of(argv[0], &days, &us)) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_text(ctx, tn_time_format(us, true, buf), -1, SQLITE_TRANSIENT);
}

/* date_trunc('month', ts) -> timestamp text; trunc(date, 'MM') -> date. */
static void truncate_to(sqlite3_context *ctx, const char *unit, sqlite3_value *v, bool as_date)
{
	int64_t days, us, y;
	unsigned m, d;
	char buf[TN_TIME_BUFSZ];

	if (unit == NULL || !day_of(v, &days, &us)) {
		sqlite3_result_null(ctx);
		return;
	}
	tn_civil_from_days(days, &y, &m, &d);
	if (strcasecmp(unit, "year") == 0 || strcasecmp(unit, "yyyy") == 0 || strcasecmp(unit, "yy") == 0)
		days = tn_days_from_civil(y, 1, 1);
	else if (strcasecmp(unit, "quarter") == 0)
		days = tn_days_from_civil(y, (m - 1) / 3 * 3 + 1, 1);
	else if (strcasecmp(unit, "month") == 0 || strcasecmp(unit, "mm") == 0 || strcasecmp(unit, "mon") == 0)
		days = tn_days_from_civil(y, m, 1);
	else if (strcasecmp(unit, "week") == 0)
		days -= ((days % 7) + 7 + 3) % 7;
	else if (strcasecmp(unit, "day") == 0 || strcasecmp(unit, "dd") == 0)
		;
	else if (!as_date && strcasecmp(unit, "hour") == 0) {
		sqlite3_result_text(ctx, tn_time_format(us - (us % 3600000000LL + 3600000000LL) % 3600000000LL, true, buf), -1, SQLITE_TRANSIENT);
		return;
	} else if (!as_date && strcasecmp(unit, "minute") == 0) {
		sqlite3_result_text(ctx, tn_time_format(us - (us % 60000000LL + 60000000LL) % 60000000LL, true, buf), -1, SQLITE_TRANSIENT);
		return;
	} else {
		sqlite3_result_null(ctx);
		return;
	}
	if (as_date)
		result_date(ctx, days);
	else
		sqlite3_result_text(ctx, tn_time_format(days * 86400000000LL, true, buf), -1, SQLITE_TRANSIENT);
}

static void f_date_trunc(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	truncate_to(ctx, (const char *)sqlite3_value_text(argv[0]), argv[1], false);
}

static void f_trunc(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	truncate_to(ctx, (const char *)sqlite3_value_text(argv[1]), argv[0], true);
}

static void f_last_day(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int64_t days, y;
	unsigned m, d;

	(void)argc;
	if (!day_of(argv[0], &days, NULL)) {
		sqlite3_result_null(ctx);
		return;
	}
	tn_civil_from_days(days, &y, &m, &d);
	result_date(ctx, tn_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1);
}

/* concat: null when any argument is null (Spark). */
static void f_concat(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	size_t n = 0;
	char *out;

	for (int i = 0; i < argc; i++) {
		if (sqlite3_value_type(argv[i]) == SQLITE_NULL) {
			sqlite3_result_null(ctx);
			return;
		}
		sqlite3_value_text(argv[i]);
		n += (size_t)sqlite3_value_bytes(argv[i]);
	}
	out = sqlite3_malloc64(n + 1);
	if (out == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	n = 0;
	for (int i = 0; i < argc; i++) {
		size_t k = (size_t)sqlite3_value_bytes(argv[i]);

		memcpy(out + n, sqlite3_value_text(argv[i]), k);
		n += k;
	}
	sqlite3_result_text64(ctx, out, n, sqlite3_free, SQLITE_UTF8);
}

/* concat_ws: nulls skipped. */
static void f_concat_ws(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *sep;
	size_t ns, n = 0;
	char *out;
	bool first = true;

	if (argc < 1 || sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	sep = (const char *)sqlite3_value_text(argv[0]);
	ns = (size_t)sqlite3_value_bytes(argv[0]);
	for (int i = 1; i < argc; i++) {
		sqlite3_value_text(argv[i]);
		n += (size_t)sqlite3_value_bytes(argv[i]) + ns;
	}
	out = sqlite3_malloc64(n + 1);
	if (out == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	n = 0;
	for (int i = 1; i < argc; i++) {
		size_t k;

		if (sqlite3_value_type(argv[i]) == SQLITE_NULL)
			continue;
		if (!first) {
			memcpy(out + n, sep, ns);
			n += ns;
		}
		first = false;
		k = (size_t)sqlite3_value_bytes(argv[i]);
		memcpy(out + n, sqlite3_value_text(argv[i]), k);
		n += k;
	}
	sqlite3_result_text64(ctx, out, n, sqlite3_free, SQLITE_UTF8);
}

static void f_nvl(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_value(ctx, sqlite3_value_type(argv[0]) != SQLITE_NULL ? argv[0] : argv[1]);
}

static void f_nvl2(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_value(ctx, sqlite3_value_type(argv[0]) != SQLITE_NULL ? argv[1] : argv[2]);
}

/* left(s, n) / right(s, n) in characters. */
static void f_leftright(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	bool right = sqlite3_user_data(ctx) != NULL;
	const unsigned char *s = sqlite3_value_text(argv[0]);
	int64_t n = sqlite3_value_int64(argv[1]), len = 0;
	const unsigned char *p;

	(void)argc;
	if (s == NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	for (p = s; *p; p++)
		len += (*p & 0xC0) != 0x80;
	if (n < 0)
		n = 0;
	if (n > len)
		n = len;
	{
		int64_t skip = right ? len - n : 0, take = n, c = -1;
		const unsigned char *a = NULL, *b = NULL;

		for (p = s;; p++) {
			if ((*p & 0xC0) != 0x80 || *p == 0) {
				c++;
				if (c == skip && a == NULL)
					a = p;
				if (c == skip + take) {
					b = p;
					break;
				}
			}
			if (*p == 0)
				break;
		}
		if (a == NULL)
			a = p;
		if (b == NULL)
			b = p;
		sqlite3_result_text(ctx, (const char *)a, (int)(b - a), SQLITE_TRANSIENT);
	}
}

static void f_pad(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	bool right = sqlite3_user_data(ctx) != NULL;
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	int64_t n = sqlite3_value_int64(argv[1]);
	const char *pad = argc > 2 ? (const char *)sqlite3_value_text(argv[2]) : " ";
	size_t ls, lp;
	char *out;

	if (s == NULL || pad == NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	ls = strlen(s);
	lp = strlen(pad);
	if (n < 0)
		n = 0;
	if ((size_t)n <= ls || lp == 0) {
		sqlite3_result_text(ctx, s, (int)((size_t)n < ls ? (size_t)n : ls), SQLITE_TRANSIENT);
		return;
	}
	out = sqlite3_malloc64((size_t)n + 1);
	if (out == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (right) {
		memcpy(out, s, ls);
		for (size_t i = ls; i < (size_t)n; i++)
			out[i] = pad[(i - ls) % lp];
	} else {
		size_t k = (size_t)n - ls;

		for (size_t i = 0; i < k; i++)
			out[i] = pad[i % lp];
		memcpy(out + k, s, ls);
	}
	sqlite3_result_text64(ctx, out, (size_t)n, sqlite3_free, SQLITE_UTF8);
}

/* unbase64(str) -> binary (the bytes str encodes); NULL for NULL, an
 * error for text that is not base64 (Spark's unbase64). */
static void f_unbase64(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	size_t n = (size_t)sqlite3_value_bytes(argv[0]);
	uint8_t *out;
	long got;

	(void)argc;
	if (s == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	out = sqlite3_malloc64(n + 1);
	if (out == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	got = tn_unbase64(s, n, out);
	if (got < 0) {
		sqlite3_free(out);
		sqlite3_result_error(ctx, "unbase64: the argument is not base64", -1);
		return;
	}
	sqlite3_result_blob64(ctx, out, (sqlite3_uint64)got, sqlite3_free);
}

static void f_initcap(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	char *out;
	bool start = true;

	(void)argc;
	if (s == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	out = sqlite3_mprintf("%s", s);
	for (char *p = out; *p; p++) {
		if (*p == ' ')
			start = true;
		else {
			if (*p >= 'a' && *p <= 'z' && start)
				*p = (char)(*p - 32);
			else if (*p >= 'A' && *p <= 'Z' && !start)
				*p = (char)(*p + 32);
			start = false;
		}
	}
	sqlite3_result_text(ctx, out, -1, sqlite3_free);
}

static void f_startsends(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int mode = (int)(intptr_t)sqlite3_user_data(ctx); /* 0 starts, 1 ends, 2 contains */
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	const char *t = (const char *)sqlite3_value_text(argv[1]);
	size_t ls, lt;

	(void)argc;
	if (s == NULL || t == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	ls = strlen(s);
	lt = strlen(t);
	if (mode == 0)
		sqlite3_result_int(ctx, ls >= lt && memcmp(s, t, lt) == 0);
	else if (mode == 1)
		sqlite3_result_int(ctx, ls >= lt && memcmp(s + ls - lt, t, lt) == 0);
	else
		sqlite3_result_int(ctx, strstr(s, t) != NULL);
}

static void f_if(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_value(ctx, sqlite3_value_type(argv[0]) != SQLITE_NULL &&
					  sqlite3_value_double(argv[0]) != 0
				  ? argv[1]
				  : argv[2]);
}

/* ---- stddev / variance (Welford) ---- */

struct welford {
	int64_t n;
	double mean, m2;
};

static void w_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct welford *w = sqlite3_aggregate_context(ctx, sizeof(*w));
	double x, d;

	(void)argc;
	if (w == NULL || sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return;
	x = sqlite3_value_double(argv[0]);
	w->n++;
	d = x - w->mean;
	w->mean += d / (double)w->n;
	w->m2 += d * (x - w->mean);
}

static void w_final(sqlite3_context *ctx)
{
	struct welford *w = sqlite3_aggregate_context(ctx, 0);
	int kind = (int)(intptr_t)sqlite3_user_data(ctx); /* 0 var_samp 1 var_pop 2 stddev_samp 3 stddev_pop */
	double v;

	if (w == NULL || w->n == 0 || ((kind == 0 || kind == 2) && w->n < 2)) {
		sqlite3_result_null(ctx);
		return;
	}
	v = w->m2 / (double)((kind == 0 || kind == 2) ? w->n - 1 : w->n);
	sqlite3_result_double(ctx, kind >= 2 ? sqrt(v) : v);
}

int sql_funcs_register(sqlite3 *db, struct tn_err *err)
{
	static const struct {
		const char *name;
		int nargs;
		void (*fn)(sqlite3_context *, int, sqlite3_value **);
		intptr_t data;
	} fns[] = {
		{"year", 1, date_part, P_YEAR},
		{"month", 1, date_part, P_MONTH},
		{"day", 1, date_part, P_DAY},
		{"dayofmonth", 1, date_part, P_DAY},
		{"quarter", 1, date_part, P_QUARTER},
		{"dayofweek", 1, date_part, P_DOW},
		{"dayofyear", 1, date_part, P_DOY},
		{"hour", 1, date_part, P_HOUR},
		{"minute", 1, date_part, P_MINUTE},
		{"second", 1, date_part, P_SECOND},
		{"weekofyear", 1, date_part, P_WEEK},
		{"date_add", 2, f_date_add, 1},
		{"dateadd", 2, f_date_add, 1},
		{"date_sub", 2, f_date_add, -1},
		{"add_months", 2, f_add_months, 0},
		{"datediff", 2, f_datediff, 0},
		{"to_date", 1, f_to_date, 0},
		{"to_date", 2, f_to_date, 0},
		{"to_timestamp", 1, f_to_timestamp, 0},
		{"date_trunc", 2, f_date_trunc, 0},
		{"trunc", 2, f_trunc, 0},
		{"last_day", 1, f_last_day, 0},
		{"concat", -1, f_concat, 0},
		{"concat_ws", -1, f_concat_ws, 0},
		{"nvl", 2, f_nvl, 0},
		{"nvl2", 3, f_nvl2, 0},
		{"if", 3, f_if, 0},
		{"left", 2, f_leftright, 0},
		{"right", 2, f_leftright, 1},
		{"lpad", 2, f_pad, 0},
		{"lpad", 3, f_pad, 0},
		{"rpad", 2, f_pad, 1},
		{"rpad", 3, f_pad, 1},
		{"initcap", 1, f_initcap, 0},
		{"unbase64", 1, f_unbase64, 0},
		{"startswith", 2, f_startsends, 0},
		{"endswith", 2, f_startsends, 1},
		{"contains", 2, f_startsends, 2},
	};
	static const struct {
		const char *name;
		intptr_t kind;
	} aggs[] = {
		{"var_samp", 0}, {"variance", 0}, {"var_pop", 1},
		{"stddev_samp", 2}, {"stddev", 2}, {"std", 2}, {"stddev_pop", 3},
	};

	for (size_t i = 0; i < sizeof(fns) / sizeof(*fns); i++)
		if (sqlite3_create_function(db, fns[i].name, fns[i].nargs,
					    SQLITE_UTF8 | SQLITE_DETERMINISTIC, (void *)fns[i].data,
					    fns[i].fn, NULL, NULL) != SQLITE_OK)
			return tn_err_set(err, TN_EINTERNAL, "cannot register SQL function %s: %s",
					  fns[i].name, sqlite3_errmsg(db));
	for (size_t i = 0; i < sizeof(aggs) / sizeof(*aggs); i++)
		if (sqlite3_create_function(db, aggs[i].name, 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
					    (void *)aggs[i].kind, NULL, w_step, w_final) != SQLITE_OK)
			return tn_err_set(err, TN_EINTERNAL, "cannot register SQL function %s: %s",
					  aggs[i].name, sqlite3_errmsg(db));
	return TN_OK;
}
