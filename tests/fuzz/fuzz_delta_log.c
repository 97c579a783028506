/* fuzz_delta_log.c - libFuzzer target for Delta log parsing: commit lines
 * and checkpoint rows. The first byte picks where the input goes in a
 * table made in memory (/dev/shm): 0 the first commit, 1 a second commit
 * after a valid first one, 2 a checkpoint after a valid first commit.
 * Then the table is opened, replayed, its history and change feed read and
 * its rows scanned (data files are absent: errors, never crashes). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "delta/delta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char first_commit[] =
	"{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n"
	"{\"metaData\":{\"id\":\"t\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"
	"\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[{\\\"name\\\":\\\"a\\\","
	"\\\"type\\\":\\\"long\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}}]}\","
	"\"partitionColumns\":[],\"configuration\":{},\"createdTime\":1}}\n";

static void put(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		abort();
	if (n && fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char root[64], log[96], c0[160], c1[160], ck[192];
	static struct store *st;
	struct delta_table *t = NULL;
	struct delta_snapshot *s = NULL;
	struct delta_scan *sc = NULL;
	struct delta_commit *h = NULL;
	struct tn_batch b = {0};
	size_t nh = 0;
	int mode;

	if (st == NULL) {
		snprintf(root, sizeof(root), "/dev/shm/tarn-fuzz-delta-%d", (int)getpid());
		snprintf(log, sizeof(log), "%s/_delta_log", root);
		mkdir(root, 0700);
		mkdir(log, 0700);
		snprintf(c0, sizeof(c0), "%s/00000000000000000000.json", log);
		snprintf(c1, sizeof(c1), "%s/00000000000000000001.json", log);
		snprintf(ck, sizeof(ck), "%s/00000000000000000001.checkpoint.parquet", log);
		st = store_local_new("");
	}
	if (size < 1)
		return 0;
	mode = data[0] % 3;
	unlink(c1);
	unlink(ck);
	if (mode == 0) {
		put(c0, data + 1, size - 1);
	} else {
		put(c0, first_commit, sizeof(first_commit) - 1);
		put(mode == 1 ? c1 : ck, data + 1, size - 1);
	}
	if (delta_table_open(st, root, &t, NULL) == TN_OK) {
		if (delta_snapshot_open(t, -1, &s, NULL) == TN_OK &&
		    delta_scan_open(s, NULL, &sc, NULL) == TN_OK) {
			while (delta_scan_next(sc, &b, NULL) == TN_OK && b.nrows > 0)
				;
			delta_scan_close(sc);
			sc = NULL;
		}
		delta_snapshot_free(s);
		if (delta_history(t, &h, &nh, NULL) == TN_OK)
			delta_history_free(h, nh);
		if (delta_changes_open(t, 0, -1, NULL, &sc, NULL) == TN_OK) {
			while (delta_scan_next(sc, &b, NULL) == TN_OK && b.nrows > 0)
				;
			delta_scan_close(sc);
		}
		if (b.cols != NULL)
			tn_batch_done(&b);
		delta_table_close(t);
	}
	return 0;
}
