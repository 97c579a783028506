/* time.c - clocks, civil-date arithmetic and ISO-8601 formatting and parsing. */
#include "base/time.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t tn_time_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * TN_US_PER_SEC + ts.tv_nsec / 1000;
}

int64_t tn_time_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * TN_US_PER_SEC + ts.tv_nsec / 1000;
}

/* Howard Hinnant's days_from_civil / civil_from_days, valid for any year
 * that fits. */
int64_t tn_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void tn_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Four digits, more for years past 9999 (as DuckDB and PostgreSQL print
 * them), and a minus sign before year 0. */
static int format_year(char *out, size_t n, int64_t y)
{
	return snprintf(out, n, y >= 0 ? "%04" PRId64 : "%05" PRId64, y);
}

char *tn_date_format(int64_t days, char out[TN_TIME_BUFSZ])
{
	int64_t y;
	unsigned m, d;
	int n;

	tn_civil_from_days(days, &y, &m, &d);
	n = format_year(out, TN_TIME_BUFSZ, y);
	snprintf(out + n, (size_t)(TN_TIME_BUFSZ - n), "-%02u-%02u", m, d);
	return out;
}

/* Split a count of units into days and units within the day, flooring. */
static void split_day(int64_t v, int64_t per_day, int64_t *days, int64_t *rem)
{
	*days = v / per_day;
	*rem = v % per_day;
	if (*rem < 0) {
		*rem += per_day;
		(*days)--;
	}
}

static char *format_frac(int64_t v, int64_t per_sec, int digits, bool utc,
			 char out[TN_TIME_BUFSZ])
{
	int64_t days, rem, secs;
	size_t n;

	split_day(v, per_sec * 86400, &days, &rem);
	tn_date_format(days, out);
	n = strlen(out);
	secs = rem / per_sec;
	snprintf(out + n, TN_TIME_BUFSZ - n, "T%02d:%02d:%02d.%0*" PRId64 "%s",
		 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
		 digits, rem % per_sec, utc ? "Z" : "");
	return out;
}

char *tn_time_format(int64_t us, bool utc, char out[TN_TIME_BUFSZ])
{
	return format_frac(us, TN_US_PER_SEC, 6, utc, out);
}

char *tn_time_format_ns(int64_t ns, bool utc, char out[TN_TIME_BUFSZ])
{
	return format_frac(ns, INT64_C(1000000000), 9, utc, out);
}

char *tn_time_format_ms(int64_t ms, bool utc, char out[TN_TIME_BUFSZ])
{
	return format_frac(ms, 1000, 3, utc, out);
}

/* Read exactly n digits. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static int days_in_month(int64_t y, unsigned m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

static bool parse_date(const char **p, int64_t *days)
{
	int y, m, d;

	if (!digits(p, 4, &y) || **p != '-')
		return false;
	(*p)++;
	if (!digits(p, 2, &m) || **p != '-')
		return false;
	(*p)++;
	if (!digits(p, 2, &d))
		return false;
	if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, (unsigned)m))
		return false;
	*days = tn_days_from_civil(y, (unsigned)m, (unsigned)d);
	return true;
}

int tn_date_parse(const char *s, int64_t *days, struct tn_err *err)
{
	const char *p = s;

	if (!parse_date(&p, days) || *p != '\0')
		return tn_err_set(err, TN_EINVAL, "\"%s\" is not a date (want YYYY-MM-DD)", s);
	return TN_OK;
}

static bool parse_zone(const char **p, int64_t *offset_us)
{
	int hh = 0, mm = 0, sign;

	*offset_us = 0;
	if (**p == '\0')
		return true;
	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		return true;
	}
	if (strcmp(*p, " UTC") == 0 || strcmp(*p, " Z") == 0) {
		*p += strlen(*p);
		return true;
	}
	if (**p != '+' && **p != '-')
		return false;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (!digits(p, 2, &hh))
		return false;
	if (**p == ':')
		(*p)++;
	if (isdigit((unsigned char)**p) && !digits(p, 2, &mm))
		return false;
	if (hh > 23 || mm > 59)
		return false;
	*offset_us = sign * ((int64_t)hh * 3600 + mm * 60) * TN_US_PER_SEC;
	return true;
}

int tn_time_parse(const char *s, int64_t *us, struct tn_err *err)
{
	const char *p = s;
	int64_t days, frac = 0, offset;
	int hh = 0, mi = 0, ss = 0;

	if (!parse_date(&p, &days))
		goto bad;
	if ((*p == 'T' || *p == 't' || *p == ' ') && isdigit((unsigned char)p[1])) {
		p++;
		if (!digits(&p, 2, &hh) || *p++ != ':' || !digits(&p, 2, &mi))
			goto bad;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &ss))
				goto bad;
			if (*p == '.') {
				int n = 0;

				p++;
				if (!isdigit((unsigned char)*p))
					goto bad;
				for (; isdigit((unsigned char)*p); p++, n++)
					if (n < 6)
						frac = frac * 10 + (*p - '0');
				for (; n < 6; n++)
					frac *= 10;
			}
		}
		if (hh > 23 || mi > 59 || ss > 59)
			goto bad;
	}
	if (!parse_zone(&p, &offset) || *p != '\0')
		goto bad;
	*us = days * TN_US_PER_DAY +
	      ((int64_t)hh * 3600 + mi * 60 + ss) * TN_US_PER_SEC + frac - offset;
	return TN_OK;
bad:
	return tn_err_set(err, TN_EINVAL,
			  "\"%s\" is not a timestamp (want YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|+HH:MM])",
			  s);
}
