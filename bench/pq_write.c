/* pq_write.c - benchmark: read a Parquet file with tarn's reader and write
 * every row to a new file with the writer's defaults (ZSTD), as DuckDB's
 * COPY (SELECT * FROM read_parquet(IN)) TO OUT does. Prints to stderr the
 * rows, the wall time of the whole read and write, and the peak RSS.
 *   bench/pq_write IN.parquet OUT.parquet */
#include <stdio.h>
#include <sys/resource.h>

#include "base/time.h"
#include "parquet/parquet.h"

int main(int argc, char **argv)
{
	struct store *st = store_local_new("");
	struct pq_reader *r = NULL;
	struct pq_writer *w = NULL;
	struct pq_write_result res;
	struct tn_batch b = {0};
	struct tn_err err;
	struct rusage ru;
	int64_t t0 = tn_time_mono_us();

	if (argc != 3) {
		fprintf(stderr, "usage: pq_write IN.parquet OUT.parquet\n");
		return 2;
	}
	if (pq_reader_open(st, argv[1], NULL, &r, &err) != TN_OK ||
	    pq_writer_open(st, argv[2], pq_reader_schema(r), NULL, &w, &err) != TN_OK)
		goto fail;
	for (;;) {
		if (pq_reader_next(r, &b, &err) != TN_OK)
			goto fail;
		if (b.nrows == 0)
			break;
		if (pq_writer_write(w, &b, &err) != TN_OK)
			goto fail;
	}
	if (pq_writer_close(w, &res, &err) != TN_OK) {
		w = NULL;
		goto fail;
	}
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "rows %lld write_ms %.1f max_rss_kb %ld\n", (long long)res.num_rows,
		(tn_time_mono_us() - t0) / 1000.0, ru.ru_maxrss);
	tn_batch_done(&b);
	pq_reader_close(r);
	store_free(st);
	return 0;
fail:
	fprintf(stderr, "pq_write: %s\n", err.msg);
	pq_writer_abort(w);
	if (b.cols != NULL)
		tn_batch_done(&b);
	pq_reader_close(r);
	store_free(st);
	return 1;
}
