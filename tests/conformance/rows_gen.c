/* rows_gen.c - writes a Parquet file of generated rows for the Delta write
 * tests: id (bigint, FIRST..FIRST+COUNT-1), tag (string TAG), grp (int,
 * id % 10), val (double, id / 4), in row groups of 64Ki rows. A TAG of
 * NULL writes null tags.
 *   tests/conformance/rows_gen OUT.parquet FIRST COUNT [TAG] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "parquet/parquet.h"

int main(int argc, char **argv)
{
	struct store *st = store_local_new("");
	struct tn_schema s;
	struct pq_writer *w = NULL;
	struct pq_write_result res;
	struct tn_err err;
	const char *tag = argc > 4 ? argv[4] : "t";
	long long first, count;
	const size_t chunk = 65536;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: rows_gen OUT.parquet FIRST COUNT [TAG]\n");
		return 2;
	}
	first = atoll(argv[2]);
	count = atoll(argv[3]);
	s.ncols = 4;
	s.cols = tn_calloc(4, sizeof(*s.cols));
	s.cols[0].name = tn_strdup("id");
	s.cols[0].type.kind = TN_INT64;
	s.cols[1].name = tn_strdup("tag");
	s.cols[1].type.kind = TN_STRING;
	s.cols[2].name = tn_strdup("grp");
	s.cols[2].type.kind = TN_INT32;
	s.cols[3].name = tn_strdup("val");
	s.cols[3].type.kind = TN_DOUBLE;
	for (int i = 0; i < 4; i++)
		s.cols[i].nullable = true;
	if (pq_writer_open(st, argv[1], &s, NULL, &w, &err) != TN_OK)
		goto fail;
	for (long long done = 0; done < count;) {
		size_t n = (size_t)(count - done < (long long)chunk ? count - done : (long long)chunk);
		struct tn_batch b;

		tn_batch_init(&b, &s, n);
		for (size_t i = 0; i < n; i++) {
			long long id = first + done + (long long)i;

			((int64_t *)b.cols[0].values)[i] = id;
			((struct tn_bytes *)b.cols[1].values)[i].ptr = (const uint8_t *)tag;
			((struct tn_bytes *)b.cols[1].values)[i].len = (uint32_t)strlen(tag);
			if (strcmp(tag, "NULL") == 0) {
				tn_vec_need_nulls(&b.cols[1], n, &b.arena);
				b.cols[1].nulls[i] = 1;
			}
			((int32_t *)b.cols[2].values)[i] = (int32_t)(id % 10);
			((double *)b.cols[3].values)[i] = (double)id / 4;
		}
		for (int c = 0; c < 4; c++)
			b.cols[c].len = n;
		b.nrows = n;
		if (pq_writer_write(w, &b, &err) != TN_OK) {
			tn_batch_done(&b);
			goto fail;
		}
		tn_batch_done(&b);
		done += (long long)n;
	}
	if (pq_writer_close(w, &res, &err) != TN_OK) {
		w = NULL;
		goto fail;
	}
	tn_schema_done(&s);
	store_free(st);
	return 0;
fail:
	fprintf(stderr, "rows_gen: %s\n", err.msg);
	pq_writer_abort(w);
	tn_schema_done(&s);
	store_free(st);
	return 1;
}
