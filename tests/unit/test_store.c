/* test_store.c - the local object store: reads, durable writes, listing, and
 * the create-if-absent race that the Delta log's commits rely on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/str.h"
#include "store/store.h"

struct fixture {
	char dir[64];
	struct store *st;
};

static int setup(void **state)
{
	struct fixture *fx = tn_calloc(1, sizeof(*fx));

	strcpy(fx->dir, "/tmp/tarn-store-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	fx->st = store_local_new(fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char *cmd = tn_asprintf("rm -rf '%s'", fx->dir);
	int rc = system(cmd);

	free(cmd);
	store_free(fx->st);
	free(fx);
	return rc == 0 ? 0 : -1;
}

/* Names in dir, sorted, joined by ','. Caller frees. */
static char *dir_names(const char *dir)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	struct tn_buf b = TN_BUF_INIT;

	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' || strlen(ents[i]->d_name) > 2)
			tn_buf_printf(&b, NULL, "%s%s", b.len ? "," : "", ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return tn_buf_detach(&b, NULL);
}

static void test_write_and_read(void **state)
{
	struct fixture *fx = *state;
	struct tn_buf b = TN_BUF_INIT;
	struct store_stat st;
	struct tn_err err;
	char range[4];

	assert_int_equal(store_write(fx->st, "t/_delta_log/00.json", "{\"a\":1}\n", 8, &err), TN_OK);
	assert_int_equal(store_read_all(fx->st, "t/_delta_log/00.json", &b, &err), TN_OK);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "{\"a\":1}\n");
	assert_int_equal(store_stat(fx->st, "t/_delta_log/00.json", &st, &err), TN_OK);
	assert_int_equal(st.size, 8);
	assert_false(st.is_dir);
	assert_true(st.mtime_us > 1500000000000000LL);
	assert_int_equal(store_stat(fx->st, "t/_delta_log", &st, &err), TN_OK);
	assert_true(st.is_dir);
	assert_int_equal(store_read_range(fx->st, "t/_delta_log/00.json", 2, range, 3, &err), TN_OK);
	assert_memory_equal(range, "a\":", 3);
	/* Past the end: an error naming the file, not a short read. */
	assert_int_equal(store_read_range(fx->st, "t/_delta_log/00.json", 6, range, 4, &err),
			 TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "00.json"));
	assert_non_null(strstr(err.msg, "has 8 bytes"));
	/* Overwrite replaces the content. */
	assert_int_equal(store_write(fx->st, "t/_delta_log/00.json", "x", 1, &err), TN_OK);
	tn_buf_reset(&b);
	assert_int_equal(store_read_all(fx->st, "t/_delta_log/00.json", &b, &err), TN_OK);
	assert_string_equal(b.data, "x");
	/* An empty file is fine. */
	assert_int_equal(store_write(fx->st, "empty", "", 0, &err), TN_OK);
	tn_buf_reset(&b);
	assert_int_equal(store_read_all(fx->st, "empty", &b, &err), TN_OK);
	assert_int_equal(b.len, 0);
	tn_buf_done(&b);
}

static void test_read_errors(void **state)
{
	struct fixture *fx = *state;
	struct tn_buf b;
	struct store_stat st;
	struct tn_err err;

	tn_buf_init(&b, 4);
	assert_int_equal(store_read_all(fx->st, "missing.parquet", &b, &err), TN_ENOENT);
	assert_non_null(strstr(err.msg, "missing.parquet: No such file"));
	assert_int_equal(store_stat(fx->st, "missing", &st, &err), TN_ENOENT);
	/* Over the buffer's cap: refused, naming the file. */
	assert_int_equal(store_write(fx->st, "five", "12345", 5, &err), TN_OK);
	assert_int_equal(store_read_all(fx->st, "five", &b, &err), TN_ETOOBIG);
	assert_non_null(strstr(err.msg, "five"));
	/* A directory is not a file. */
	assert_int_equal(store_write(fx->st, "d/f", "1", 1, &err), TN_OK);
	assert_int_equal(store_read_all(fx->st, "d", &b, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "is a directory"));
	/* A file in the way of a directory. */
	assert_int_equal(store_write(fx->st, "five/x", "1", 1, &err), TN_EEXIST);
	assert_non_null(strstr(err.msg, "not a directory"));
	tn_buf_done(&b);
}

static void test_put_if_absent(void **state)
{
	struct fixture *fx = *state;
	struct tn_buf b = TN_BUF_INIT;
	struct tn_err err;
	char *dir, *names;

	assert_int_equal(store_put_if_absent(fx->st, "log/1.json", "first", 5, &err), TN_OK);
	assert_int_equal(store_put_if_absent(fx->st, "log/1.json", "second", 6, &err), TN_EEXIST);
	assert_non_null(strstr(err.msg, "1.json: already exists"));
	assert_int_equal(store_read_all(fx->st, "log/1.json", &b, &err), TN_OK);
	assert_string_equal(b.data, "first");
	/* The loser's temporary file is gone. */
	dir = tn_path_join(fx->dir, "log");
	names = dir_names(dir);
	assert_string_equal(names, "1.json");
	free(names);
	free(dir);
	tn_buf_done(&b);
}

static void test_writer_stream_and_abort(void **state)
{
	struct fixture *fx = *state;
	struct store_writer *w;
	struct store_file *f;
	struct store_stat st;
	struct tn_err err;
	char chunk[1000], back[1000];
	char *dir, *names;

	memset(chunk, 'p', sizeof(chunk));
	assert_int_equal(store_writer_open(fx->st, "w/data.parquet", &w, &err), TN_OK);
	for (int i = 0; i < 100; i++)
		assert_int_equal(store_writer_write(w, chunk, sizeof(chunk), &err), TN_OK);
	assert_int_equal(w->written, 100000);
	/* Nothing visible before commit. */
	assert_int_equal(store_stat(fx->st, "w/data.parquet", &st, &err), TN_ENOENT);
	assert_int_equal(store_writer_commit(w, false, &err), TN_OK);
	assert_int_equal(store_file_open(fx->st, "w/data.parquet", &f, &err), TN_OK);
	assert_int_equal(f->size, 100000);
	assert_int_equal(store_file_pread(f, 99000, back, 1000, &err), TN_OK);
	assert_memory_equal(back, chunk, 1000);
	assert_int_equal(store_file_pread(f, 99001, back, 1000, &err), TN_ECORRUPT);
	store_file_close(f);

	assert_int_equal(store_writer_open(fx->st, "w/aborted.parquet", &w, &err), TN_OK);
	assert_int_equal(store_writer_write(w, chunk, sizeof(chunk), &err), TN_OK);
	store_writer_abort(w);
	store_writer_abort(NULL);
	dir = tn_path_join(fx->dir, "w");
	names = dir_names(dir);
	assert_string_equal(names, "data.parquet");
	free(names);
	free(dir);
}

static void test_list(void **state)
{
	struct fixture *fx = *state;
	struct store_list l;
	struct store_writer *w;
	struct tn_err err;

	assert_int_equal(store_write(fx->st, "t/b.parquet", "bb", 2, &err), TN_OK);
	assert_int_equal(store_write(fx->st, "t/a.parquet", "a", 1, &err), TN_OK);
	assert_int_equal(store_write(fx->st, "t/_delta_log/0.json", "{}", 2, &err), TN_OK);
	assert_int_equal(store_write(fx->st, "t/p=1/c.parquet", "ccc", 3, &err), TN_OK);
	/* An in-progress write is not listed. */
	assert_int_equal(store_writer_open(fx->st, "t/pending.parquet", &w, &err), TN_OK);

	assert_int_equal(store_list(fx->st, "t", false, &l, &err), TN_OK);
	assert_int_equal(l.count, 4);
	assert_string_equal(l.entries[0].path, "t/_delta_log");
	assert_true(l.entries[0].st.is_dir);
	assert_string_equal(l.entries[1].path, "t/a.parquet");
	assert_int_equal(l.entries[1].st.size, 1);
	assert_string_equal(l.entries[2].path, "t/b.parquet");
	assert_string_equal(l.entries[3].path, "t/p=1");
	store_list_done(&l);

	assert_int_equal(store_list(fx->st, "t", true, &l, &err), TN_OK);
	assert_int_equal(l.count, 4);
	assert_string_equal(l.entries[0].path, "t/_delta_log/0.json");
	assert_string_equal(l.entries[1].path, "t/a.parquet");
	assert_string_equal(l.entries[2].path, "t/b.parquet");
	assert_string_equal(l.entries[3].path, "t/p=1/c.parquet");
	assert_int_equal(l.entries[3].st.size, 3);
	store_list_done(&l);
	store_writer_abort(w);

	assert_int_equal(store_list(fx->st, "nope", false, &l, &err), TN_ENOENT);
	assert_int_equal(l.count, 0);

	assert_int_equal(store_remove(fx->st, "t/a.parquet", &err), TN_OK);
	assert_int_equal(store_remove(fx->st, "t/a.parquet", &err), TN_ENOENT);
	assert_int_equal(store_list(fx->st, "t", false, &l, &err), TN_OK);
	assert_int_equal(l.count, 3);
	store_list_done(&l);
}

static void test_absolute_paths_with_empty_root(void **state)
{
	struct fixture *fx = *state;
	struct store *abs = store_local_new("");
	struct tn_buf b = TN_BUF_INIT;
	struct tn_err err;
	char *path = tn_path_join(fx->dir, "abs/file.txt");

	assert_string_equal(store_name(abs), "local");
	assert_int_equal(store_write(abs, path, "abs", 3, &err), TN_OK);
	assert_int_equal(store_read_all(fx->st, "abs/file.txt", &b, &err), TN_OK);
	assert_string_equal(b.data, "abs");
	free(path);
	tn_buf_done(&b);
	store_free(abs);
	store_free(NULL);
}

/*
 * The race: RACERS processes are released at once to create the same file,
 * each with its own content, large enough that a torn write would show,
 * while a reader keeps reading the path. Exactly one creator may succeed;
 * the rest get TN_EEXIST; every read sees nothing or one racer's whole
 * content.
 */
#define RACERS 6
#define RACE_ROUNDS 100
#define RACE_SIZE (256 * 1024)

/* Content of racer i: byte i+'A' repeated. */
static int check_content(const struct tn_buf *b)
{
	if (b->len != RACE_SIZE)
		return -1;
	for (size_t j = 1; j < b->len; j++)
		if (b->data[j] != b->data[0])
			return -1;
	return b->data[0] - 'A';
}

static void race_reader(const char *dir, const char *path, int go_fd)
{
	struct store *st = store_local_new(dir);
	struct tn_buf b = TN_BUF_INIT;
	char c;
	int bad = 0;

	if (read(go_fd, &c, 1) != 0)
		_exit(5);
	for (int i = 0; i < 2000; i++) {
		struct tn_err err;
		int rc;

		tn_buf_reset(&b);
		rc = store_read_all(st, path, &b, &err);
		if (rc == TN_ENOENT)
			continue;
		if (rc != TN_OK || check_content(&b) < 0)
			bad++;
		else
			break; /* it is there and whole; it cannot change now */
	}
	_exit(bad ? 1 : 0);
}

static void race_creator(const char *dir, const char *path, int id, int go_fd)
{
	struct store *st = store_local_new(dir);
	struct tn_err err;
	char *data = tn_malloc(RACE_SIZE), c;
	int rc;

	memset(data, 'A' + id, RACE_SIZE);
	if (read(go_fd, &c, 1) != 0) /* wait for the start (EOF) */
		_exit(5);
	rc = store_put_if_absent(st, path, data, RACE_SIZE, &err);
	_exit(rc == TN_OK ? 0 : rc == TN_EEXIST ? 10 : 20);
}

static void test_create_if_absent_race(void **state)
{
	struct fixture *fx = *state;

	for (int round = 0; round < RACE_ROUNDS; round++) {
		char path[64];
		pid_t pids[RACERS + 1];
		int go[2], winners = 0, losers = 0, winner = -1, status;
		struct tn_buf b = TN_BUF_INIT;
		struct tn_err err;

		snprintf(path, sizeof(path), "race/%020d.json", round);
		assert_int_equal(pipe(go), 0);
		for (int i = 0; i <= RACERS; i++) {
			pids[i] = fork();
			assert_true(pids[i] >= 0);
			if (pids[i] == 0) {
				close(go[1]);
				if (i == RACERS)
					race_reader(fx->dir, path, go[0]);
				race_creator(fx->dir, path, i, go[0]);
			}
		}
		close(go[0]);
		close(go[1]); /* everyone reads EOF: go */
		for (int i = 0; i <= RACERS; i++) {
			assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
			assert_true(WIFEXITED(status));
			if (i == RACERS) {
				assert_int_equal(WEXITSTATUS(status), 0); /* reader saw no torn file */
			} else if (WEXITSTATUS(status) == 0) {
				winners++;
				winner = i;
			} else {
				assert_int_equal(WEXITSTATUS(status), 10);
				losers++;
			}
		}
		assert_int_equal(winners, 1);
		assert_int_equal(losers, RACERS - 1);
		assert_int_equal(store_read_all(fx->st, path, &b, &err), TN_OK);
		assert_int_equal(check_content(&b), winner);
		tn_buf_done(&b);
	}
	/* No temporary file is left behind by any loser. */
	{
		char *dir = tn_path_join(fx->dir, "race");
		char *names = dir_names(dir);

		assert_null(strstr(names, ".tarn-tmp"));
		free(names);
		free(dir);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_if_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_stream_and_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absolute_paths_with_empty_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_if_absent_race, setup, teardown),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
