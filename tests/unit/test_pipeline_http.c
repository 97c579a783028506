/* test_pipeline_http.c - the read_http source (pl_http_fetch) against
 * tests/pipeline/http_server.py started on a free local port: every page
 * followed with each kind of pagination, the watermark state and what a
 * fetch from it takes, request headers, cancelling, errors that name the
 * URL and stage nothing, and the staged batch read through the engine
 * (pl_http_relation). Skipped when python3 is absent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "base/time.h"
#include "base/valfmt.h"
#include "pipeline/pipeline.h"
#include "pipeline/run_int.h"
#include "sql/sql.h"

#define FIXTURE_NAME "http"
#include "engine_fixture.h"

static pid_t server;
static int port;
static char *data_file, *log_file, *fail_file, *staged;

static char *server_script(void)
{
	const char *src = getenv("TARN_SRCDIR");

	return tn_path_join(src ? src : ".", "tests/pipeline/http_server.py");
}

/* Start the server; false when it cannot run (no python3). */
static bool server_start(void)
{
	char *script = server_script(), line[32];
	int fd[2];
	FILE *in;
	bool ok;

	if (pipe(fd) != 0)
		return false;
	server = fork();
	if (server == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execlp("python3", "python3", script, "--data", data_file, "--log", log_file,
		       "--fail-file", fail_file, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	free(script);
	in = fdopen(fd[0], "r");
	ok = in && fgets(line, sizeof(line), in) && (port = atoi(line)) > 0;
	if (in)
		fclose(in);
	return ok;
}

static void put(const char *path, const char *mode, const char *text)
{
	FILE *f = fopen(path, mode);

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* n records with ids from first; updated_at grows with the id. */
static void append_records(int first, int n)
{
	FILE *f = fopen(data_file, "a");

	assert_non_null(f);
	for (int i = first; i < first + n; i++)
		fprintf(f, "{\"id\": %d, \"name\": \"n%d\", \"updated_at\": \"2024-01-01T00:%02d:00Z\"}\n",
			i, i, i);
	fclose(f);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	struct tn_buf b = TN_BUF_INIT;
	char chunk[4096];
	size_t n;

	tn_buf_puts(&b, "", NULL);
	if (f == NULL)
		return tn_buf_detach(&b, NULL);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		tn_buf_append(&b, chunk, n, NULL);
	fclose(f);
	return tn_buf_detach(&b, NULL);
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A pipeline of one streaming table reading `source` (read_http(...) with
 * URL_ for the server's base URL). */
struct src {
	struct pipeline p;
};

static void src_load(struct src *s, const char *source)
{
	char *base = tn_asprintf("http://127.0.0.1:%d", port), *text;
	struct tn_buf b = TN_BUF_INIT;
	struct tn_err err;

	for (const char *c = source; *c; c++) {
		if (strncmp(c, "URL_", 4) == 0) {
			tn_buf_puts(&b, base, NULL);
			c += 3;
		} else {
			tn_buf_putc(&b, *c, NULL);
		}
	}
	text = tn_asprintf("CREATE OR REFRESH STREAMING TABLE t AS SELECT * FROM STREAM %s;",
			   b.data);
	memset(&s->p, 0, sizeof(s->p));
	if (pipeline_parse(&s->p, "t.sql", text, strlen(text), &err) != TN_OK)
		fail_msg("%s: %s", text, err.msg);
	assert_int_equal(s->p.n, 1);
	assert_int_equal(s->p.ds[0].source.kind, PL_SRC_HTTP);
	tn_buf_done(&b);
	free(text);
	free(base);
}

/* Fetch from state `from` into the staged file; returns the status. */
static int fetch(const char *source, const char *from, char **to, int64_t *rows,
		 const volatile int *cancel, struct tn_err *err)
{
	struct src s;
	struct pl_fetch f = {.from = from, .staged = staged, .max_records = 1000000,
			     .cancel = cancel};
	int rc;

	unlink(staged);
	src_load(&s, source);
	f.d = &s.p.ds[0];
	rc = pl_http_fetch(&f, to, rows, err);
	pipeline_free(&s.p);
	return rc;
}

static char *fetch_ok(const char *source, const char *from, int64_t want_rows)
{
	struct tn_err err;
	char *to = NULL;
	int64_t rows = -1;

	if (fetch(source, from, &to, &rows, NULL, &err) != TN_OK)
		fail_msg("%s: %s", source, err.msg);
	assert_int_equal(rows, want_rows);
	if (want_rows == 0) {
		assert_null(to);
		assert_int_equal(access(staged, F_OK), -1);
	} else {
		char *got = slurp(staged);

		assert_non_null(to);
		assert_int_equal(lines(got), want_rows);
		free(got);
	}
	return to;
}

static void fetch_fails(const char *source, int code, const char *want)
{
	struct tn_err err;
	char *to = NULL;
	int64_t rows = -1;
	int rc = fetch(source, NULL, &to, &rows, NULL, &err);

	if (rc != code || strstr(err.msg, want) == NULL)
		fail_msg("%s: got %d '%s', want %d '%s'", source, rc, rc ? err.msg : "", code, want);
	assert_null(to);
	assert_int_equal(rows, 0);
	assert_int_equal(access(staged, F_OK), -1);
}

static int group_setup(void **state)
{
	if (setup(state) != 0)
		return -1;
	data_file = tn_path_join(dir, "records.jsonl");
	log_file = tn_path_join(dir, "requests.log");
	fail_file = tn_path_join(dir, "fail");
	staged = tn_path_join(dir, "staged.json");
	put(data_file, "w", "");
	if (!server_start()) {
		fprintf(stderr, "could not start %s\n", server_script());
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
	}
	free(data_file);
	free(log_file);
	free(fail_file);
	free(staged);
	return teardown(state);
}

/* Page numbers, then the state; from the state nothing, then only what
 * was appended, though the server's since is inclusive. */
static void test_pages_and_watermark(void **state)
{
	const char *src = "read_http('URL_/pages', pageParam => 'page', "
			  "watermark => 'updated_at', watermarkParam => 'since')";
	char *to, *to2, *got, *log;

	(void)state;
	put(data_file, "w", "");
	append_records(1, 5);
	put(log_file, "w", "");
	to = fetch_ok(src, NULL, 5);
	assert_string_equal(to, "{\"watermark\":\"2024-01-01T00:05:00Z\"}");
	got = slurp(staged);
	assert_non_null(strstr(got, "{\"id\":1,\"name\":\"n1\",\"updated_at\":\"2024-01-01T00:01:00Z\"}\n"));
	assert_non_null(strstr(got, "\"id\":5,"));
	free(got);
	log = slurp(log_file); /* pages 1-3 hold records, page 4 is empty */
	assert_string_equal(log, "GET /pages?page=1\nGET /pages?page=2\nGET /pages?page=3\n"
				 "GET /pages?page=4\n");
	free(log);

	assert_null(fetch_ok(src, to, 0));
	log = slurp(log_file);
	assert_non_null(strstr(log, "GET /pages?since=2024-01-01T00%3a05%3a00Z&page=1\n"));
	free(log);

	append_records(6, 3);
	to2 = fetch_ok(src, to, 3);
	assert_string_equal(to2, "{\"watermark\":\"2024-01-01T00:08:00Z\"}");
	got = slurp(staged);
	assert_null(strstr(got, "\"id\":5,"));
	assert_non_null(strstr(got, "\"id\":6,"));
	assert_non_null(strstr(got, "\"id\":8,"));
	free(got);
	free(to);
	free(to2);
}

/* A numeric watermark compares as a number (9 < 10), without a since
 * parameter: the filtering is the client's alone. */
static void test_numeric_watermark(void **state)
{
	const char *src = "read_http('URL_/pages?limit=4', PAGEPARAM => 'page', watermark => 'id')";
	char *to;

	(void)state;
	put(data_file, "w", "");
	append_records(1, 9);
	to = fetch_ok(src, NULL, 9);
	assert_string_equal(to, "{\"watermark\":9}");
	append_records(10, 2);
	free(to);
	to = fetch_ok(src, "{\"watermark\":9}", 2);
	assert_string_equal(to, "{\"watermark\":11}");
	free(to);
}

/* A relative next URL in a nested field, with since only on the first
 * request; the Link header; records at a dotted path. */
static void test_next_field_and_link(void **state)
{
	char *to, *log;

	(void)state;
	put(data_file, "w", "");
	append_records(1, 5);
	put(log_file, "w", "");
	to = fetch_ok("read_http('URL_/cursor', nextField => 'paging.next', records => 'data', "
		      "watermark => 'updated_at', watermarkParam => 'since')",
		      "{\"watermark\":\"2024-01-01T00:01:00Z\"}", 4);
	assert_string_equal(to, "{\"watermark\":\"2024-01-01T00:05:00Z\"}");
	free(to);
	log = slurp(log_file);
	assert_string_equal(log, "GET /cursor?since=2024-01-01T00%3a01%3a00Z\n"
				 "GET /cursor?since=2024-01-01T00%3A01%3A00Z&offset=2\n"
				 "GET /cursor?since=2024-01-01T00%3A01%3A00Z&offset=4\n");
	free(log);

	put(log_file, "w", "");
	to = fetch_ok("read_http(url => 'URL_/linked')", NULL, 5);
	assert_string_equal(to, "{\"watermark\":null}");
	free(to);
	log = slurp(log_file);
	assert_string_equal(log, "GET /linked\nGET /linked?offset=2\nGET /linked?offset=4\n");
	free(log);

	put(log_file, "w", "");
	free(fetch_ok("read_http(url => 'URL_/rel')", NULL, 5));
	log = slurp(log_file);
	assert_string_equal(log, "GET /rel\nGET /rel?offset=2\nGET /rel?offset=4\n");
	free(log);

	free(fetch_ok("read_http('URL_/nested', records => 'result.rows')", NULL, 5));
}

static void test_headers(void **state)
{
	(void)state;
	put(data_file, "w", "");
	append_records(1, 3);
	free(fetch_ok("read_http('URL_/auth', pageParam => 'page', "
		      "headers => 'X-Other: 1; X-Token: secret')",
		      NULL, 3));
	fetch_fails("read_http('URL_/auth', pageParam => 'page')", TN_EIO,
		    "/auth?page=1: HTTP status 401: {\"error\": \"no token\"}");
	fetch_fails("read_http('URL_/auth', headers => 'X-Token')", TN_EINVAL,
		    "'X-Token' is not 'Name: value'");
}

static void test_errors(void **state)
{
	char url[64];

	(void)state;
	put(data_file, "w", "");
	append_records(1, 3);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/error", port);
	fetch_fails("read_http('URL_/error')", TN_EIO, url);
	fetch_fails("read_http('URL_/error')", TN_EIO, "HTTP status 500: {\"error\": \"boom\"}");
	fetch_fails("read_http('URL_/invalid')", TN_ECORRUPT,
		    "/invalid: the response (HTTP 200) is not valid JSON");
	fetch_fails("read_http('URL_/not-records')", TN_ECORRUPT,
		    "expected a JSON array of records, or an object with a data, items or "
		    "results array");
	fetch_fails("read_http('URL_/pages', records => 'rows')", TN_ECORRUPT,
		    "the response (HTTP 200) has no 'rows' (records => 'rows')");
	fetch_fails("read_http('URL_/loop', nextField => 'next', maxPages => 5)", TN_ETOOBIG,
		    "still more pages after 5 (maxPages)");
	fetch_fails("read_http('URL_/nowhere')", TN_EIO, "HTTP status 404");
	fetch_fails("read_http('URL_/pages', nextFeild => 'next')", TN_EINVAL,
		    "unknown option 'nextFeild' (did you mean nextField?)");
	fetch_fails("read_http('URL_/pages', nextField => 'n', pageParam => 'p')", TN_EINVAL,
		    "give one");
	fetch_fails("read_http('URL_/pages', timeoutSeconds => 0)", TN_EINVAL,
		    "timeoutSeconds must be at least 1");
	fetch_fails("read_http('ftp://127.0.0.1/x')", TN_EINVAL, "is not an http(s) URL");
	fetch_fails("read_http('URL_/pages', watermark => 'missing')", TN_ECORRUPT,
		    "record 1 has no 'missing' (the watermark)");
	/* nothing listens on port 1 */
	fetch_fails("read_http('http://127.0.0.1:1/x')", TN_EIO, "GET http://127.0.0.1:1/x: ");
}

/* A failure on a later page leaves nothing staged though page 1 was;
 * the next page of the first failing also fails: no cap of 1 page. */
static void test_error_after_first_page(void **state)
{
	(void)state;
	put(data_file, "w", "");
	append_records(1, 3);
	put(fail_file, "w", "");
	fetch_fails("read_http('URL_/cursor', nextField => 'paging.next')", TN_EIO,
		    "/cursor?offset=2: HTTP status 500");
	unlink(fail_file);
	free(fetch_ok("read_http('URL_/cursor', nextField => 'paging.next')", NULL, 3));
	fetch_fails("read_http('URL_/cursor', nextField => 'paging.next', maxPages => 1)",
		    TN_ETOOBIG, "still more pages after 1 (maxPages)");
}

static void *cancel_soon(void *arg)
{
	usleep(300 * 1000);
	*(volatile int *)arg = 1;
	return NULL;
}

static void test_cancel(void **state)
{
	volatile int cancel = 1;
	struct tn_err err;
	char *to = NULL;
	int64_t rows = -1;

	(void)state;
	assert_int_equal(fetch("read_http('URL_/pages')", NULL, &to, &rows, &cancel, &err),
			 TN_ECANCELED);
	assert_non_null(strstr(err.msg, "cancelled while fetching http://127.0.0.1:"));
	assert_null(to);

	/* during a request: the 3 second response is not waited for */
	{
		pthread_t t;
		int64_t t0 = tn_time_mono_us();

		cancel = 0;
		pthread_create(&t, NULL, cancel_soon, (void *)&cancel);
		assert_int_equal(fetch("read_http('URL_/slow')", NULL, &to, &rows, &cancel, &err),
				 TN_ECANCELED);
		pthread_join(t, NULL);
		assert_true(tn_time_mono_us() - t0 < 2000000);
		assert_non_null(strstr(err.msg, "/slow"));
	}
	fetch_fails("read_http('URL_/slow', timeoutSeconds => 1)", TN_EIO, "/slow: Operation timed out");
}

/* The staged batch through read_files: the records' columns. */
static void test_relation(void **state)
{
	struct src s;
	char *rel, *sql;
	struct tarn_result *r = NULL;
	struct tn_batch b;
	struct tn_buf out = TN_BUF_INIT;
	struct tn_err err;
	size_t used;

	(void)state;
	put(data_file, "w", "");
	append_records(1, 4);
	free(fetch_ok("read_http('URL_/pages', pageParam => 'page')", NULL, 4));
	src_load(&s, "read_http('URL_/pages')");
	rel = pl_http_relation(&s.p.ds[0], staged);
	assert_non_null(strstr(rel, "rescuedDataColumn => '_rescued_data'"));
	/* as the runner does: a Delta table made from the batch */
	sql = tn_asprintf("CREATE TABLE h AS SELECT * FROM %s AS x", rel);
	exec(sql);
	free(sql);
	sql = tn_strdup("SELECT count(*), sum(id), max(name), max(updated_at), "
			"count(_rescued_data) FROM h");
	memset(&b, 0, sizeof(b));
	if (tarn_exec(eng, sql, strlen(sql), &used, &r, &err) != TN_OK ||
	    tarn_result_next(r, &b, &err) != TN_OK)
		fail_msg("%s: %s", sql, err.msg);
	assert_int_equal(b.nrows, 1);
	for (size_t c = 0; c < b.schema->ncols; c++) {
		tn_buf_puts(&out, c ? "|" : "", NULL);
		tn_value_text(&out, &b.cols[c], 0, 0, NULL);
	}
	assert_string_equal(out.data, "4|10|n4|2024-01-01T00:04:00Z|0");
	tn_buf_done(&out);
	tn_batch_done(&b);
	tarn_result_free(r);
	free(sql);
	free(rel);
	pipeline_free(&s.p);

	src_load(&s, "read_http('URL_/pages', rescuedDataColumn => 'x', inferRows => 5)");
	rel = pl_http_relation(&s.p.ds[0], "/tmp/it's");
	assert_string_equal(rel, "(SELECT * FROM read_files('/tmp/it''s', format => 'json', "
				 "rescuedDataColumn => 'x', inferRows => '5'))");
	free(rel);
	pipeline_free(&s.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages_and_watermark),
		cmocka_unit_test(test_numeric_watermark),
		cmocka_unit_test(test_next_field_and_link),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_after_first_page),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_relation),
	};

	if (system("command -v python3 >/dev/null 2>&1") != 0) {
		printf("1..0 # SKIP python3 not found\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
