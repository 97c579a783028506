/* test_base.c - errors, allocation, buffers, strings, arena, logging. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"

static void test_err_set_and_prefix(void **state)
{
	struct tn_err err;

	(void)state;
	tn_err_clear(&err);
	assert_int_equal(err.code, TN_OK);
	assert_int_equal(tn_err_set(&err, TN_ECORRUPT, "page %d is short", 3), TN_ECORRUPT);
	assert_string_equal(err.msg, "page 3 is short");
	tn_err_prefix(&err, "column %s", "id");
	tn_err_prefix(&err, "%s", "f.parquet");
	assert_string_equal(err.msg, "f.parquet: column id: page 3 is short");
	assert_int_equal(err.code, TN_ECORRUPT);
	/* NULL is allowed everywhere and the code still comes back. */
	assert_int_equal(tn_err_set(NULL, TN_EINVAL, "x"), TN_EINVAL);
	tn_err_prefix(NULL, "x");
	assert_string_equal(tn_code_name(TN_EUNSUPPORTED), "unsupported");
	assert_string_equal(tn_code_name(9999), "unknown error");
}

static void test_err_sys(void **state)
{
	struct tn_err err;

	(void)state;
	assert_int_equal(tn_err_sys(&err, ENOENT, "/no/such"), TN_ENOENT);
	assert_int_equal(err.sys_errno, ENOENT);
	assert_string_equal(err.msg, "/no/such: No such file or directory");
	assert_int_equal(tn_err_sys(&err, EEXIST, "x"), TN_EEXIST);
	assert_int_equal(tn_err_sys(&err, EACCES, "x"), TN_EIO);
	/* A clear error is not prefixed. */
	tn_err_clear(&err);
	tn_err_prefix(&err, "ctx");
	assert_string_equal(err.msg, "");
}

static void test_err_long_message_truncates(void **state)
{
	struct tn_err err;
	char big[2000];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tn_err_set(&err, TN_EINVAL, "%s", big);
	assert_int_equal(strlen(err.msg), TN_ERR_MSG_MAX - 1);
	tn_err_prefix(&err, "prefix");
	assert_int_equal(strlen(err.msg), TN_ERR_MSG_MAX - 1);
	assert_true(tn_str_startswith(err.msg, "prefix: aaa"));
}

static void test_alloc_basics(void **state)
{
	char *s;
	int *v;

	(void)state;
	s = tn_strdup("lakehouse");
	assert_string_equal(s, "lakehouse");
	free(s);
	s = tn_strndup("lakehouse", 4);
	assert_string_equal(s, "lake");
	free(s);
	s = tn_asprintf("%s-%03d", "v", 7);
	assert_string_equal(s, "v-007");
	free(s);
	v = tn_calloc(10, sizeof(*v));
	for (int i = 0; i < 10; i++)
		assert_int_equal(v[i], 0);
	v = tn_reallocarray(v, 1000, sizeof(*v));
	v[999] = 1;
	free(v);
	free(tn_malloc(0));
}

static int hook_fd = -1;

static void fatal_hook(void)
{
	/* Stands in for the TUI's endwin(): proves the hook runs first. */
	if (write(hook_fd, "restored", 8) != 8)
		_exit(3);
}

/* Run fn in a child; return what the hook wrote and the child's status. */
static int run_fatal_child(void (*fn)(void), char *hook_out, size_t n)
{
	int fds[2], status;
	pid_t pid;
	ssize_t got;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		hook_fd = fds[1];
		/* Keep the expected message off the test output. */
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(4);
		tn_set_fatal_hook(fatal_hook);
		fn();
		_exit(0);
	}
	close(fds[1]);
	got = read(fds[0], hook_out, n - 1);
	hook_out[got > 0 ? got : 0] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void overflow_alloc(void)
{
	free(tn_reallocarray(NULL, SIZE_MAX / 2, 4));
}

#if !defined(__SANITIZE_ADDRESS__)
static void huge_alloc(void)
{
	free(tn_malloc(SIZE_MAX - 4096));
}
#endif

static void test_alloc_fatal_runs_hook_then_aborts(void **state)
{
	char out[32];
	int status;

	(void)state;
	status = run_fatal_child(overflow_alloc, out, sizeof(out));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_string_equal(out, "restored");
#if !defined(__SANITIZE_ADDRESS__)
	/* Under ASan a huge malloc is reported by ASan itself. */
	status = run_fatal_child(huge_alloc, out, sizeof(out));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_string_equal(out, "restored");
#endif
}

static void test_buf_grow_and_cap(void **state)
{
	struct tn_buf b;
	struct tn_err err;
	char *p;
	size_t len;

	(void)state;
	tn_buf_init(&b, 100);
	for (int i = 0; i < 10; i++)
		assert_int_equal(tn_buf_printf(&b, &err, "%d,", i), TN_OK);
	assert_string_equal(b.data, "0,1,2,3,4,5,6,7,8,9,");
	assert_int_equal(b.len, 20);
	assert_int_equal(tn_buf_putc(&b, 'x', &err), TN_OK);
	assert_int_equal(tn_buf_puts(&b, "yz", &err), TN_OK);
	assert_int_equal(b.len, 23);
	/* 23 + 78 > 100: refused, and the buffer is unchanged. */
	char big[78];
	memset(big, 'q', sizeof(big));
	assert_int_equal(tn_buf_append(&b, big, sizeof(big), &err), TN_ETOOBIG);
	assert_int_equal(err.code, TN_ETOOBIG);
	assert_non_null(strstr(err.msg, "100 bytes"));
	assert_int_equal(b.len, 23);
	assert_int_equal(tn_buf_append(&b, big, 77, &err), TN_OK);
	assert_int_equal(b.len, 100);
	assert_int_equal(tn_buf_printf(&b, &err, "%s", "!"), TN_ETOOBIG);
	tn_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(tn_buf_puts(&b, "kept", &err), TN_OK);
	p = tn_buf_detach(&b, &len);
	assert_string_equal(p, "kept");
	assert_int_equal(len, 4);
	assert_null(b.data);
	free(p);
	p = tn_buf_detach(&b, &len);
	assert_string_equal(p, "");
	free(p);
	tn_buf_done(&b);
}

static void test_buf_uncapped_large(void **state)
{
	struct tn_buf b = TN_BUF_INIT;
	char chunk[4096];

	(void)state;
	memset(chunk, 'z', sizeof(chunk));
	for (int i = 0; i < 1000; i++)
		assert_int_equal(tn_buf_append(&b, chunk, sizeof(chunk), NULL), TN_OK);
	assert_int_equal(b.len, 4096000);
	assert_int_equal(b.data[4095999], 'z');
	assert_int_equal(b.data[4096000], '\0');
	assert_int_equal(tn_buf_reserve(&b, SIZE_MAX - 10, NULL), TN_ETOOBIG);
	tn_buf_done(&b);
}

static void test_str_helpers(void **state)
{
	char dst[5], trim[] = "  \t padded \n";
	char *p;

	(void)state;
	assert_true(tn_str_startswith("_delta_log/0.json", "_delta_log/"));
	assert_false(tn_str_startswith("_delta", "_delta_log/"));
	assert_true(tn_str_endswith("00000000000000000010.checkpoint.parquet", ".parquet"));
	assert_false(tn_str_endswith("x", ".parquet"));
	assert_true(tn_str_ieq("SELECT", "select"));
	assert_false(tn_str_ieq("SELECT", "selec"));
	assert_int_equal(tn_strlcpy(dst, "abcdefgh", sizeof(dst)), 8);
	assert_string_equal(dst, "abcd");
	assert_string_equal(tn_str_trim(trim), "padded");
	p = tn_path_join("/a/b/", "/c");
	assert_string_equal(p, "/a/b/c");
	free(p);
	p = tn_path_join("a", "c");
	assert_string_equal(p, "a/c");
	free(p);
	p = tn_path_join("", "c/d");
	assert_string_equal(p, "c/d");
	free(p);
	assert_string_equal(tn_path_base("/x/y/part-0.parquet"), "part-0.parquet");
	assert_string_equal(tn_path_base("plain"), "plain");
}

static void test_parse_ints(void **state)
{
	struct tn_err err;
	int64_t v;
	uint64_t u;

	(void)state;
	assert_int_equal(tn_parse_i64("-42", &v, "--limit", &err), TN_OK);
	assert_int_equal(v, -42);
	assert_int_equal(tn_parse_i64("9223372036854775807", &v, "n", &err), TN_OK);
	assert_int_equal(v, INT64_MAX);
	assert_int_equal(tn_parse_i64("9223372036854775808", &v, "n", &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "out of range"));
	assert_int_equal(tn_parse_i64("12x", &v, "--limit", &err), TN_EINVAL);
	assert_string_equal(err.msg, "--limit: expected an integer, got \"12x\"");
	assert_int_equal(tn_parse_i64("", &v, "n", &err), TN_EINVAL);
	assert_int_equal(tn_parse_i64(" 1", &v, "n", &err), TN_EINVAL);
	assert_int_equal(tn_parse_u64("18446744073709551615", &u, "n", &err), TN_OK);
	assert_true(u == UINT64_MAX);
	assert_int_equal(tn_parse_u64("-1", &u, "--version", &err), TN_EINVAL);
	assert_int_equal(tn_parse_u64("18446744073709551616", &u, "n", &err), TN_EINVAL);
}

static void test_arena(void **state)
{
	struct tn_arena a;
	char *big, *s;

	(void)state;
	tn_arena_init(&a, 256);
	for (int i = 1; i < 500; i++) {
		unsigned char *p = tn_arena_alloc(&a, (size_t)(i % 37) + 1);

		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
		memset(p, 0xab, (size_t)(i % 37) + 1);
	}
	big = tn_arena_alloc(&a, 10000); /* larger than a block */
	memset(big, 1, 10000);
	s = tn_arena_strdup(&a, "catalog.schema.table");
	assert_string_equal(s, "catalog.schema.table");
	s = tn_arena_strndup(&a, "catalog.schema.table", 7);
	assert_string_equal(s, "catalog");
	int *z = tn_arena_calloc(&a, 100, sizeof(int));
	for (int i = 0; i < 100; i++)
		assert_int_equal(z[i], 0);
	assert_true(a.used >= 10000);
	tn_arena_reset(&a);
	assert_int_equal(a.used, 0);
	s = tn_arena_strdup(&a, "again");
	assert_string_equal(s, "again");
	tn_arena_done(&a);
	tn_arena_done(&a); /* twice is harmless */
}

static void test_log_file(void **state)
{
	char path[] = "/tmp/tarn-log-XXXXXX", text[4096];
	int fd;
	FILE *f;
	size_t n;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(tn_log_open(path, TN_LOG_INFO), 0);
	tn_debug("hidden %d", 1);
	tn_info("opened %s", "lakehouse");
	tn_error("failed: %d", 7);
	tn_log_close();
	tn_info("after close"); /* goes nowhere */
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	unlink(path);
	assert_null(strstr(text, "hidden"));
	assert_null(strstr(text, "after close"));
	assert_non_null(strstr(text, " INFO opened lakehouse\n"));
	assert_non_null(strstr(text, " ERROR failed: 7\n"));
	assert_true(text[4] == '-' && text[10] == 'T'); /* ISO-8601 stamp first */

	/* $TARN_LOG unset: logging is off and nothing fails. */
	unsetenv("TARN_LOG");
	assert_int_equal(tn_log_open_env(), 0);
	setenv("TARN_LOG", "/nonexistent-dir/x.log", 1);
	assert_int_equal(tn_log_open_env(), -1);
	unsetenv("TARN_LOG");
	tn_info("dropped");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_set_and_prefix),
		cmocka_unit_test(test_err_sys),
		cmocka_unit_test(test_err_long_message_truncates),
		cmocka_unit_test(test_alloc_basics),
		cmocka_unit_test(test_alloc_fatal_runs_hook_then_aborts),
		cmocka_unit_test(test_buf_grow_and_cap),
		cmocka_unit_test(test_buf_uncapped_large),
		cmocka_unit_test(test_str_helpers),
		cmocka_unit_test(test_parse_ints),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_log_file),
	};

	return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
