/* time.h - UTC time in microseconds since the Unix epoch: clocks, civil dates, ISO-8601. */
#ifndef TN_TIME_H
#define TN_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

#define TN_US_PER_SEC INT64_C(1000000)
#define TN_US_PER_DAY (INT64_C(86400) * TN_US_PER_SEC)

/* Big enough for any formatted timestamp, nanoseconds and sign included. */
#define TN_TIME_BUFSZ 48

/* Wall-clock time, microseconds since 1970-01-01T00:00:00Z. */
int64_t tn_time_now_us(void);
/* Monotonic clock in microseconds, for measuring durations. */
int64_t tn_time_mono_us(void);

/* Days since 1970-01-01 for a proleptic Gregorian date (any year). */
int64_t tn_days_from_civil(int64_t y, unsigned m, unsigned d);
void tn_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* "YYYY-MM-DD". Years past 9999 get more digits; years before 0 a minus
 * sign ("-0001" is 2 BC). Returns out. */
char *tn_date_format(int64_t days, char out[TN_TIME_BUFSZ]);
/* "YYYY-MM-DDTHH:MM:SS.ffffff" followed by "Z" when utc is true. */
char *tn_time_format(int64_t us, bool utc, char out[TN_TIME_BUFSZ]);
/* The same with nine fraction digits, from nanoseconds. */
char *tn_time_format_ns(int64_t ns, bool utc, char out[TN_TIME_BUFSZ]);
/* Milliseconds, three fraction digits (Delta commit timestamps). */
char *tn_time_format_ms(int64_t ms, bool utc, char out[TN_TIME_BUFSZ]);

/* Parse "YYYY-MM-DD" into days. */
int tn_date_parse(const char *s, int64_t *days, struct tn_err *err);
/* Parse an ISO-8601 timestamp: "YYYY-MM-DD", optionally followed by 'T' or
 * ' ' and "HH:MM[:SS[.fraction]]", optionally followed by "Z", " UTC" or an
 * offset "+HH:MM", "+HHMM", "+HH". Without a zone the time is taken as UTC.
 * Fraction digits past six are truncated. */
int tn_time_parse(const char *s, int64_t *us, struct tn_err *err);

#endif
