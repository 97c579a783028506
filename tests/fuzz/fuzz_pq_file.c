/* fuzz_pq_file.c - libFuzzer target for the whole Parquet read path: footer,
 * schema, page headers, decompression, levels, values and nested assembly.
 * The input is a Parquet file; it is read in memory through a memfd. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/valfmt.h"
#include "parquet/parquet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct store *st;
	struct pq_read_opts opts;
	struct pq_reader *r = NULL;
	struct tn_batch b;
	struct tn_buf row = TN_BUF_INIT;
	char path[64];
	int fd = memfd_create("fuzz.parquet", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	if (st == NULL)
		st = store_local_new("");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	pq_read_opts_init(&opts);
	/* Small batches reach the page-boundary paths; CRCs would stop most
	 * mutations at the first page. */
	opts.batch_rows = 1 + (size % 7) * 3;
	opts.verify_crc = size % 2;
	memset(&b, 0, sizeof(b));
	if (pq_reader_open(st, path, &opts, &r, NULL) == TN_OK) {
		for (int n = 0; n < 10000; n++) {
			if (pq_reader_next(r, &b, NULL) != TN_OK || b.nrows == 0)
				break;
			/* Touch every value as the command line would. */
			for (size_t i = 0; i < b.nrows; i++) {
				tn_buf_reset(&row);
				tn_row_json(&row, &b, i, NULL);
			}
		}
		if (b.cols != NULL)
			tn_batch_done(&b);
		pq_reader_close(r);
	}
	tn_buf_done(&row);
	close(fd);
	return 0;
}
