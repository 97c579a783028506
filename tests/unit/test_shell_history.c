/* test_shell_history.c - the shell's history file: entries with newlines
 * and backslashes come back as they went in, appends add to what is there,
 * and loading keeps (and trims the file to) the newest entries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "shell/shell.h"
#include "shell/shell_int.h"

static char *tmp_path(void)
{
	char dir[] = "/tmp/tarn-hist.XXXXXX";

	assert_non_null(mkdtemp(dir));
	return shell_history_path(dir);
}

static void remove_path(char *path)
{
	char *slash = strrchr(path, '/');

	unlink(path);
	*slash = '\0';
	rmdir(path);
	free(path);
}

static void free_entries(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void test_round_trip(void **state)
{
	static const char *const entries[] = {
		"SELECT 1;",
		"SELECT a,\n  b\nFROM t;",
		"SELECT 'back\\slash \\n not a newline';",
		"\\format csv",
	};
	char *path = tmp_path(), **v;
	size_t n;

	(void)state;
	assert_int_equal(shell_hist_load(path, 10, &v, &n, NULL), TN_OK);
	assert_int_equal(n, 0);
	free_entries(v, n);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(shell_hist_append(path, entries[i], NULL), TN_OK);
	assert_int_equal(shell_hist_load(path, 10, &v, &n, NULL), TN_OK);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(v[i], entries[i]);
	free_entries(v, n);
	remove_path(path);
}

static void test_trim(void **state)
{
	char *path = tmp_path(), **v, entry[32];
	size_t n;
	FILE *f;
	int lines = 0, c;

	(void)state;
	for (int i = 0; i < 25; i++) {
		snprintf(entry, sizeof(entry), "SELECT %d;", i);
		assert_int_equal(shell_hist_append(path, entry, NULL), TN_OK);
	}
	assert_int_equal(shell_hist_load(path, 10, &v, &n, NULL), TN_OK);
	assert_int_equal(n, 10);
	assert_string_equal(v[0], "SELECT 15;");
	assert_string_equal(v[9], "SELECT 24;");
	free_entries(v, n);
	/* The file now holds the newest ten, and appends go on after them. */
	f = fopen(path, "r");
	assert_non_null(f);
	while ((c = fgetc(f)) != EOF)
		lines += c == '\n';
	fclose(f);
	assert_int_equal(lines, 10);
	assert_int_equal(shell_hist_append(path, "SELECT 25;", NULL), TN_OK);
	assert_int_equal(shell_hist_load(path, 100, &v, &n, NULL), TN_OK);
	assert_int_equal(n, 11);
	assert_string_equal(v[10], "SELECT 25;");
	free_entries(v, n);
	remove_path(path);
}

static void test_unwritable(void **state)
{
	struct tn_err err;

	(void)state;
	assert_int_not_equal(shell_hist_append("/nonexistent-dir/h", "SELECT 1;", &err), TN_OK);
	assert_non_null(strstr(err.msg, "/nonexistent-dir/h"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_unwritable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
