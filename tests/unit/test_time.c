/* test_time.c - civil dates, ISO-8601 formatting and parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/time.h"

static void test_civil_known_dates(void **state)
{
	int64_t y;
	unsigned m, d;

	(void)state;
	assert_int_equal(tn_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(tn_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(tn_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(tn_days_from_civil(1, 1, 1), -719162);
	assert_int_equal(tn_days_from_civil(9999, 12, 31), 2932896);
	tn_civil_from_days(-719162, &y, &m, &d);
	assert_true(y == 1 && m == 1 && d == 1);
	tn_civil_from_days(19358, &y, &m, &d); /* 2023-01-01 */
	assert_true(y == 2023 && m == 1 && d == 1);
}

static void test_civil_round_trip(void **state)
{
	(void)state;
	for (int64_t days = -1000000; days <= 3000000; days += 7) {
		int64_t y;
		unsigned m, d;

		tn_civil_from_days(days, &y, &m, &d);
		assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
		assert_int_equal(tn_days_from_civil(y, m, d), days);
	}
}

static void test_format(void **state)
{
	char buf[TN_TIME_BUFSZ];

	(void)state;
	assert_string_equal(tn_time_format(0, true, buf), "1970-01-01T00:00:00.000000Z");
	assert_string_equal(tn_time_format(-1, true, buf), "1969-12-31T23:59:59.999999Z");
	assert_string_equal(tn_time_format(1540415658000000LL + 123456, false, buf),
			    "2018-10-24T21:14:18.123456");
	assert_string_equal(tn_time_format_ns(-1, true, buf), "1969-12-31T23:59:59.999999999Z");
	assert_string_equal(tn_time_format_ms(1540415658001LL, true, buf),
			    "2018-10-24T21:14:18.001Z");
	assert_string_equal(tn_date_format(0, buf), "1970-01-01");
	assert_string_equal(tn_date_format(-719163, buf), "0000-12-31");
	assert_string_equal(tn_date_format(-719529, buf), "-0001-12-31");
	assert_string_equal(tn_date_format(2932897, buf), "10000-01-01");
	/* The extremes do not overflow the buffer or crash. */
	tn_time_format(INT64_MIN, true, buf);
	tn_time_format(INT64_MAX, true, buf);
	tn_time_format_ns(INT64_MIN, true, buf);
	assert_true(strlen(buf) < TN_TIME_BUFSZ);
}

static int64_t parse_ok(const char *s)
{
	struct tn_err err;
	int64_t us = 0;

	assert_int_equal(tn_time_parse(s, &us, &err), TN_OK);
	return us;
}

static void test_parse(void **state)
{
	const int64_t base = 1540415658000000LL; /* 2018-10-24T21:14:18Z */

	(void)state;
	assert_int_equal(parse_ok("2018-10-24T21:14:18Z"), base);
	assert_int_equal(parse_ok("2018-10-24 21:14:18"), base);
	assert_int_equal(parse_ok("2018-10-24T21:14:18.5Z"), base + 500000);
	assert_int_equal(parse_ok("2018-10-24T21:14:18.123456789Z"), base + 123456);
	assert_int_equal(parse_ok("2018-10-24T23:14:18+02:00"), base);
	assert_int_equal(parse_ok("2018-10-24T20:14:18-0100"), base);
	assert_int_equal(parse_ok("2018-10-24T21:14:18 UTC"), base);
	assert_int_equal(parse_ok("2018-10-24T21:14"), base - 18000000);
	assert_int_equal(parse_ok("2018-10-24"), base - (21 * 3600 + 14 * 60 + 18) * 1000000LL);
	assert_int_equal(parse_ok("1969-12-31T23:59:59.999999Z"), -1);
}

static void test_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "abc", "2018-10-24T", "2018-13-01", "2018-02-29", "2018-10-32",
		"2018-10-24T24:00:00", "2018-10-24T21:60", "2018-10-24T21:14:18.",
		"2018-10-24T21:14:18+25:00", "2018-10-24X", "18-10-24", "2018-10-24T21:14:18Zjunk",
	};
	struct tn_err err;
	int64_t us;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(tn_time_parse(bad[i], &us, &err), TN_EINVAL);
		assert_non_null(strstr(err.msg, "is not a timestamp"));
	}
	assert_int_equal(tn_date_parse("2020-02-29", &us, &err), TN_OK);
	assert_int_equal(us, 18321);
	assert_int_equal(tn_date_parse("2021-02-29", &us, &err), TN_EINVAL);
	assert_int_equal(tn_date_parse("2021-02-28T00:00", &us, &err), TN_EINVAL);
}

static void test_format_parse_round_trip(void **state)
{
	char buf[TN_TIME_BUFSZ];

	(void)state;
	for (int64_t us = -5000000000000000LL; us < 5000000000000000LL; us += 77777777777777LL)
		assert_int_equal(parse_ok(tn_time_format(us, true, buf)), us);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_civil_known_dates),
		cmocka_unit_test(test_civil_round_trip),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_format_parse_round_trip),
	};

	return cmocka_run_group_tests_name("time", tests, NULL, NULL);
}
