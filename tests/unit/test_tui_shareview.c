/* test_tui_shareview.c - the Shares pane's logic (tui/shareview.h): token
 * expiry and last access in words, partition filters as WHERE conditions
 * (quotes and commas inside values kept), the preview's SELECT, and the
 * credential file named by CREATE RECIPIENT's message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tui/shareview.h"

#define MIN_MS INT64_C(60000)
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS (24 * HOUR_MS)

static void test_spans(void **state)
{
	char b[64];
	int64_t now = INT64_C(1750000000000);

	(void)state;
	assert_string_equal(sv_span_text(45000, b, sizeof(b)), "45s");
	assert_string_equal(sv_span_text(12 * MIN_MS + 30000, b, sizeof(b)), "12m 30s");
	assert_string_equal(sv_span_text(4 * HOUR_MS + 5 * MIN_MS, b, sizeof(b)), "4h 05m");
	assert_string_equal(sv_span_text(30 * DAY_MS - HOUR_MS, b, sizeof(b)), "29d 23h");
	assert_string_equal(sv_expiry_text(0, now, b, sizeof(b)), "no expiry");
	assert_string_equal(sv_expiry_text(now + 30 * DAY_MS - HOUR_MS, now, b, sizeof(b)),
			    "expires in 29d 23h");
	assert_string_equal(sv_expiry_text(now - 2 * HOUR_MS, now, b, sizeof(b)),
			    "expired 2h 00m ago");
	assert_string_equal(sv_expiry_text(now, now, b, sizeof(b)), "expired 0s ago");
	assert_string_equal(sv_ago_text(0, now, b, sizeof(b)), "never");
	assert_string_equal(sv_ago_text(now - 5 * MIN_MS - 2000, now, b, sizeof(b)), "5m 02s ago");
}

static void test_time(void **state)
{
	(void)state;
	assert_int_equal(sv_time_ms("1970-01-02T00:00:00.000Z"), DAY_MS);
	assert_int_equal(sv_time_ms("2025-06-15T16:26:40.123Z"), INT64_C(1750004800123));
	assert_int_equal(sv_time_ms(NULL), 0);
	assert_int_equal(sv_time_ms(""), 0);
	assert_int_equal(sv_time_ms("soon"), 0);
}

static void test_where(void **state)
{
	char *w;

	(void)state;
	assert_null(sv_where(NULL));
	assert_null(sv_where(""));
	w = sv_where("region = 'Europe'");
	assert_string_equal(w, "region = 'Europe'");
	free(w);
	/* commas and quotes inside a value are the value's */
	w = sv_where("region = 'eu, west', note = 'it''s', day = '2024-01-01'");
	assert_string_equal(w, "region = 'eu, west' AND note = 'it''s' AND day = '2024-01-01'");
	free(w);
	/* names that need quoting are quoted */
	w = sv_where("sales region = 'x', n = 3");
	assert_string_equal(w, "`sales region` = 'x' AND n = 3");
	free(w);
}

static void test_preview_sql(void **state)
{
	char *s;

	(void)state;
	s = sv_preview_sql("main.silver.orders", "region = 'Europe'", 50);
	assert_string_equal(s, "SELECT * FROM main.silver.orders WHERE region = 'Europe' LIMIT 50");
	free(s);
	s = sv_preview_sql("main.gold.daily sales", NULL, 10);
	assert_string_equal(s, "SELECT * FROM main.gold.`daily sales` LIMIT 10");
	free(s);
}

static void test_profile_path(void **state)
{
	char *p;

	(void)state;
	p = sv_profile_path("recipient acme created; its credential file is /l/shares/recipients/"
			    "acme.share (mode 0600; the token is in that file only and is not "
			    "shown again): give it to the recipient over a safe channel");
	assert_string_equal(p, "/l/shares/recipients/acme.share");
	free(p);
	assert_null(sv_profile_path("recipient acme exists already: nothing done"));
	assert_null(sv_profile_path(NULL));
	assert_null(sv_profile_path("its credential file is  (mode 0600"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_preview_sql),
		cmocka_unit_test(test_profile_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
