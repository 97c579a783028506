/* sql_run.c - run a SQL script on a lakehouse through the engine and print
 * the rows of its statements as canonical JSON lines: what the shell tests
 * use where `tarn sql` is not built.
 *   sql_run LAKEHOUSE -c SQL | -f FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "cli/format.h"
#include "sql/sql.h"

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct tn_buf b = TN_BUF_INIT;
	char chunk[65536];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		tn_buf_append(&b, chunk, n, NULL);
	fclose(f);
	tn_buf_putc(&b, '\0', NULL);
	return tn_buf_detach(&b, &n);
}

int main(int argc, char **argv)
{
	struct tarn_engine_opts o = {0};
	struct tarn_engine *e = NULL;
	struct tn_err err = {0};
	char *sql;
	size_t len, off = 0;
	int rc;

	if (argc != 4 || (strcmp(argv[2], "-c") != 0 && strcmp(argv[2], "-f") != 0)) {
		fputs("usage: sql_run LAKEHOUSE -c SQL | -f FILE\n", stderr);
		return 2;
	}
	sql = strcmp(argv[2], "-c") == 0 ? tn_strdup(argv[3]) : read_file(argv[3]);
	if (sql == NULL) {
		perror(argv[3]);
		return 1;
	}
	o.lakehouse = argv[1];
	rc = tarn_engine_open(&o, &e, &err);
	len = strlen(sql);
	while (rc == TN_OK && off < len) {
		struct tarn_result *r = NULL;
		size_t used = 0;

		rc = tarn_exec(e, sql + off, len - off, &used, &r, &err);
		if (rc == TN_OK && r != NULL && tarn_result_schema(r) != NULL &&
		    tarn_result_schema(r)->ncols > 0) {
			struct cli_writer *w = cli_writer_new(stdout, CLI_FMT_JSONL, tarn_result_schema(r));
			struct tn_batch b = {0};

			rc = cli_writer_stream(w, tarn_result_next, r, &b, -1, &err);
			tn_batch_done(&b);
			cli_writer_free(w);
		}
		tarn_result_free(r);
		if (used == 0)
			break;
		off += used;
	}
	if (rc != TN_OK)
		fprintf(stderr, "sql_run: %s\n", err.msg);
	tarn_engine_close(e);
	free(sql);
	return rc == TN_OK ? 0 : 1;
}
