/* test_tui_resultset.c - the Results pane's row store: rows read back
 * exactly (in any order, across chunks, flushes and cache evictions),
 * NULL is not the empty string, UTF-8 and values larger than a chunk
 * survive, and ten million rows keep its heap under a fixed bound. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/arena.h"
#include "tui/resultset.h"

#define MEM_BOUND ((size_t)64 << 20)

static bool utf8_locale;

static const char *const names3[] = {"id", "label", "amount"};
static const char *const types3[] = {"bigint", "string", "decimal(10,2)"};
static const bool numeric3[] = {true, false, true};

/* The text a synthetic cell has; NULL for every 7th label. */
static const char *cell_text(int64_t row, size_t col, char *buf, size_t n)
{
	switch (col) {
	case 0:
		snprintf(buf, n, "%lld", (long long)row);
		return buf;
	case 1:
		if (row % 7 == 3)
			return NULL;
		snprintf(buf, n, "label-%lld-%s", (long long)row, row % 5 == 0 ? "x" : "");
		return buf;
	default:
		snprintf(buf, n, "%lld.%02lld", (long long)(row * 31 % 100000),
			 (long long)(row % 100));
		return buf;
	}
}

static void append_synthetic(struct resultset *rs, int64_t from, int64_t to)
{
	char b0[32], b1[48], b2[32];
	struct tn_err err;

	for (int64_t r = from; r < to; r++) {
		const char *cells[3] = {cell_text(r, 0, b0, sizeof(b0)),
					cell_text(r, 1, b1, sizeof(b1)),
					cell_text(r, 2, b2, sizeof(b2))};

		assert_int_equal(rs_append_row(rs, cells, NULL, &err), TN_OK);
	}
}

static void check_cell(struct resultset *rs, int64_t row, size_t col)
{
	char want_buf[48];
	const char *want = cell_text(row, col, want_buf, sizeof(want_buf));
	const char *got;
	size_t len;
	struct tn_err err;

	assert_int_equal(rs_cell(rs, row, col, &got, &len, &err), TN_OK);
	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_int_equal(len, strlen(want));
	assert_string_equal(got, want);
}

static void test_random_access(void **state)
{
	struct resultset *rs = rs_new_cols(3, names3, types3, numeric3);
	const int64_t n = 200000;
	uint64_t seed = 12345;
	struct tn_err err;
	const char *t;

	(void)state;
	/* Appended rows are invisible until a flush seals their chunk. */
	append_synthetic(rs, 0, 500);
	assert_int_equal(rs_rows(rs), 0);
	assert_int_not_equal(rs_cell(rs, 0, 0, &t, NULL, &err), TN_OK);
	assert_int_equal(rs_flush(rs, &err), TN_OK);
	assert_int_equal(rs_rows(rs), 500);
	assert_false(rs_complete(rs));
	check_cell(rs, 499, 2);
	/* Partial chunks at odd places, then full ones. */
	append_synthetic(rs, 500, 777);
	assert_int_equal(rs_flush(rs, &err), TN_OK);
	append_synthetic(rs, 777, n);
	assert_int_equal(rs_finish(rs, &err), TN_OK);
	assert_int_equal(rs_rows(rs), n);
	assert_true(rs_complete(rs));

	for (int64_t r = 0; r < n; r += 97)
		for (size_t c = 0; c < 3; c++)
			check_cell(rs, r, c);
	/* Random order touches far more chunks than the cache keeps. */
	for (int i = 0; i < 50000; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		check_cell(rs, (int64_t)((seed >> 33) % (uint64_t)n), (size_t)(seed >> 20) % 3);
	}
	check_cell(rs, 0, 0);
	check_cell(rs, n - 1, 1);
	assert_int_not_equal(rs_cell(rs, n, 0, &t, NULL, &err), TN_OK);
	assert_int_not_equal(rs_cell(rs, 0, 3, &t, NULL, &err), TN_OK);
	assert_true(rs_mem(rs) < MEM_BOUND);

	{
		struct rs_col c = rs_col(rs, 2);

		assert_string_equal(c.name, "amount");
		assert_string_equal(c.type, "decimal(10,2)");
		assert_true(c.numeric);
		assert_false(rs_col(rs, 1).numeric);
		/* "label-123-x" is wider than the name "label". */
		assert_true(rs_col(rs, 1).width > 5);
	}
	rs_free(rs);
}

static void test_ten_million_rows(void **state)
{
	struct resultset *rs = rs_new_cols(3, names3, types3, numeric3);
	const int64_t n = 10000000, step = 1000000;
	size_t peak = 0, bytes = 0;
	struct tn_err err;

	(void)state;
	for (int64_t r = 0; r < n; r += step) {
		char b0[32], b1[48], b2[32];

		for (int64_t i = r; i < r + step; i++) {
			const char *cells[3] = {cell_text(i, 0, b0, sizeof(b0)),
						cell_text(i, 1, b1, sizeof(b1)),
						cell_text(i, 2, b2, sizeof(b2))};

			for (size_t c = 0; c < 3; c++)
				bytes += cells[c] != NULL ? strlen(cells[c]) : 0;
			assert_int_equal(rs_append_row(rs, cells, NULL, &err), TN_OK);
		}
		assert_int_equal(rs_flush(rs, &err), TN_OK);
		/* Read across everything seen so far: the cache fills and evicts. */
		for (int64_t i = 0; i < r + step; i += 49999)
			check_cell(rs, i, (size_t)(i % 3));
		if (rs_mem(rs) > peak)
			peak = rs_mem(rs);
	}
	assert_int_equal(rs_finish(rs, &err), TN_OK);
	assert_int_equal(rs_rows(rs), n);
	check_cell(rs, n - 1, 0);
	check_cell(rs, n / 2 + 3, 1);
	/* The rows themselves are several times the bound: keeping them would
	 * break it, so the bound says something. */
	assert_true(bytes > 3 * MEM_BOUND);
	printf("# %lld rows, %zu bytes of text, peak heap %zu bytes\n", (long long)n, bytes, peak);
	assert_true(peak < MEM_BOUND);
	rs_free(rs);
}

static void test_nulls_utf8_long(void **state)
{
	static const char *const names[] = {"名前", "v"};
	static const char *const types[] = {"string", "string"};
	struct resultset *rs = rs_new_cols(2, names, types, NULL);
	size_t big_len = (size_t)5 << 20; /* more than a chunk holds */
	char *big = tn_malloc(big_len + 1);
	const char *t;
	size_t len;
	struct tn_err err;

	(void)state;
	for (size_t i = 0; i < big_len; i++)
		big[i] = (char)('a' + i % 26);
	big[big_len] = '\0';
	{
		const char *r0[2] = {"naïve 日本語 🦆", ""};
		const char *r1[2] = {NULL, "NULL"};
		const char *r2[2] = {"big", big};
		const char *r3[2] = {"tab\there", NULL};
		size_t lens[2] = {3, 3};
		const char *r4[2] = {"abcdef", "xyz!!"}; /* lengths cut them */

		assert_int_equal(rs_append_row(rs, r0, NULL, &err), TN_OK);
		assert_int_equal(rs_append_row(rs, r1, NULL, &err), TN_OK);
		assert_int_equal(rs_append_row(rs, r2, NULL, &err), TN_OK);
		assert_int_equal(rs_append_row(rs, r3, NULL, &err), TN_OK);
		assert_int_equal(rs_append_row(rs, r4, lens, &err), TN_OK);
	}
	assert_int_equal(rs_finish(rs, &err), TN_OK);
	assert_int_equal(rs_rows(rs), 5);

	assert_int_equal(rs_cell(rs, 0, 0, &t, &len, &err), TN_OK);
	assert_string_equal(t, "naïve 日本語 🦆");
	assert_int_equal(len, strlen("naïve 日本語 🦆"));
	/* The empty string is a value, not NULL; "NULL" is a string. */
	assert_int_equal(rs_cell(rs, 0, 1, &t, &len, &err), TN_OK);
	assert_non_null(t);
	assert_int_equal(len, 0);
	assert_int_equal(rs_cell(rs, 1, 0, &t, &len, &err), TN_OK);
	assert_null(t);
	assert_int_equal(rs_cell(rs, 1, 1, &t, &len, &err), TN_OK);
	assert_string_equal(t, "NULL");
	assert_int_equal(rs_cell(rs, 2, 1, &t, &len, &err), TN_OK);
	assert_int_equal(len, big_len);
	assert_memory_equal(t, big, big_len);
	assert_int_equal(rs_cell(rs, 3, 0, &t, &len, &err), TN_OK);
	assert_string_equal(t, "tab\there");
	assert_int_equal(rs_cell(rs, 3, 1, &t, &len, &err), TN_OK);
	assert_null(t);
	assert_int_equal(rs_cell(rs, 4, 0, &t, &len, &err), TN_OK);
	assert_string_equal(t, "abc");
	assert_int_equal(rs_cell(rs, 4, 1, &t, &len, &err), TN_OK);
	assert_string_equal(t, "xyz");
	/* Widths: in display columns, capped. */
	/* 15 columns where wide characters are known, else one each. */
	assert_int_equal(rs_col(rs, 0).width, utf8_locale ? 15 : 11);
	assert_int_equal(rs_col(rs, 1).width, RS_WIDTH_MAX);
	/* A value bigger than the cache still reads; the heap gives it back
	 * when other chunks push it out. */
	assert_true(rs_mem(rs) < MEM_BOUND);
	free(big);
	rs_free(rs);
}

static void test_batch(void **state)
{
	struct tn_field f[3];
	struct tn_schema s = {3, f};
	struct tn_batch b;
	struct resultset *rs;
	const char *t;
	struct tn_err err;

	(void)state;
	memset(f, 0, sizeof(f));
	f[0].name = (char *)"n";
	f[0].type.kind = TN_INT32;
	f[1].name = (char *)"s";
	f[1].type.kind = TN_STRING;
	f[2].name = (char *)"d";
	f[2].type.kind = TN_DOUBLE;
	tn_batch_init(&b, &s, 4);
	b.nrows = 3;
	for (int i = 0; i < 3; i++) {
		((int32_t *)b.cols[0].values)[i] = i * 10 - 5;
		((double *)b.cols[2].values)[i] = i + 0.5;
	}
	((struct tn_bytes *)b.cols[1].values)[0] = (struct tn_bytes){(const uint8_t *)"é", 2};
	((struct tn_bytes *)b.cols[1].values)[2] = (struct tn_bytes){(const uint8_t *)"z", 1};
	tn_vec_need_nulls(&b.cols[1], 4, &b.arena);
	b.cols[1].nulls[1] = 1;
	for (int i = 0; i < 3; i++)
		b.cols[i].len = 3;

	rs = rs_new(&s);
	assert_true(rs_col(rs, 0).numeric);
	assert_false(rs_col(rs, 1).numeric);
	assert_true(rs_col(rs, 2).numeric);
	assert_string_equal(rs_col(rs, 0).type, "int");
	assert_int_equal(rs_append_batch(rs, &b, 1, 2, &err), TN_OK);
	assert_int_equal(rs_append_batch(rs, &b, 0, 1, &err), TN_OK);
	assert_int_equal(rs_finish(rs, &err), TN_OK);
	assert_int_equal(rs_rows(rs), 3);
	assert_int_equal(rs_cell(rs, 0, 0, &t, NULL, &err), TN_OK);
	assert_string_equal(t, "5");
	assert_int_equal(rs_cell(rs, 0, 1, &t, NULL, &err), TN_OK);
	assert_null(t);
	assert_int_equal(rs_cell(rs, 1, 1, &t, NULL, &err), TN_OK);
	assert_string_equal(t, "z");
	assert_int_equal(rs_cell(rs, 2, 0, &t, NULL, &err), TN_OK);
	assert_string_equal(t, "-5");
	assert_int_equal(rs_cell(rs, 2, 1, &t, NULL, &err), TN_OK);
	assert_string_equal(t, "é");
	assert_int_equal(rs_cell(rs, 2, 2, &t, NULL, &err), TN_OK);
	assert_string_equal(t, "0.5");
	rs_free(rs);
	tn_batch_done(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_access),
		cmocka_unit_test(test_nulls_utf8_long),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_ten_million_rows),
	};

	utf8_locale = setlocale(LC_CTYPE, "C.UTF-8") != NULL;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
