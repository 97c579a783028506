/* pq_minmax.c - benchmark: decode every column of a Parquet file and
 * compute each column's min and max (what DuckDB's
 * SELECT min(c), max(c) ... does), printing them and the peak RSS.
 *   bench/pq_minmax FILE.parquet */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "base/time.h"
#include "base/valfmt.h"
#include "parquet/parquet.h"

struct acc {
	bool any;
	union {
		int64_t i;
		double d;
		struct tn_bytes b;
		__int128 q;
	} min, max;
	char *minb, *maxb; /* copies of byte-string extremes */
};

static int bytes_cmp(struct tn_bytes a, struct tn_bytes b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = memcmp(a.ptr, b.ptr, n);

	return c ? c : (a.len > b.len) - (a.len < b.len);
}

static void keep_bytes(char **slot, struct tn_bytes *dst, struct tn_bytes src)
{
	free(*slot);
	*slot = malloc(src.len + 1);
	memcpy(*slot, src.ptr, src.len);
	dst->ptr = (const uint8_t *)*slot;
	dst->len = src.len;
}

#define SCAN_INT(T)                                                            \
	do {                                                                   \
		const T *x = v->values;                                        \
		for (size_t i = 0; i < v->len; i++) {                          \
			if (v->nulls && v->nulls[i])                           \
				continue;                                      \
			if (!a->any || x[i] < a->min.i) a->min.i = x[i];       \
			if (!a->any || x[i] > a->max.i) a->max.i = x[i];       \
			a->any = true;                                         \
		}                                                              \
	} while (0)

static void scan(const struct tn_vec *v, struct acc *a)
{
	switch (v->type->kind) {
	case TN_BOOL: case TN_INT8: SCAN_INT(int8_t); break;
	case TN_UINT8: SCAN_INT(uint8_t); break;
	case TN_INT16: SCAN_INT(int16_t); break;
	case TN_UINT16: SCAN_INT(uint16_t); break;
	case TN_INT32: case TN_DATE: SCAN_INT(int32_t); break;
	case TN_UINT32: SCAN_INT(uint32_t); break;
	case TN_INT64: case TN_UINT64: case TN_TIME: case TN_TIMESTAMP: SCAN_INT(int64_t); break;
	case TN_DECIMAL:
		if (v->type->precision <= 18) {
			SCAN_INT(int64_t);
			break;
		}
		for (size_t i = 0; i < v->len; i++) {
			__int128 q = ((const __int128 *)v->values)[i];

			if (v->nulls && v->nulls[i])
				continue;
			if (!a->any || q < a->min.q) a->min.q = q;
			if (!a->any || q > a->max.q) a->max.q = q;
			a->any = true;
		}
		break;
	case TN_FLOAT:
	case TN_DOUBLE:
		for (size_t i = 0; i < v->len; i++) {
			double d = v->type->kind == TN_FLOAT ? ((const float *)v->values)[i]
							      : ((const double *)v->values)[i];

			if ((v->nulls && v->nulls[i]) || isnan(d))
				continue;
			if (!a->any || d < a->min.d) a->min.d = d;
			if (!a->any || d > a->max.d) a->max.d = d;
			a->any = true;
		}
		break;
	case TN_STRING:
	case TN_BINARY:
	case TN_UUID: {
		const struct tn_bytes *x = v->values;
		struct tn_bytes lo = {0}, hi = {0};
		bool any = false;

		/* Extremes of the batch first, then one copy each. */
		for (size_t i = 0; i < v->len; i++) {
			if (v->nulls && v->nulls[i])
				continue;
			if (!any || bytes_cmp(x[i], lo) < 0) lo = x[i];
			if (!any || bytes_cmp(x[i], hi) > 0) hi = x[i];
			any = true;
		}
		if (any && (!a->any || bytes_cmp(lo, a->min.b) < 0))
			keep_bytes(&a->minb, &a->min.b, lo);
		if (any && (!a->any || bytes_cmp(hi, a->max.b) > 0))
			keep_bytes(&a->maxb, &a->max.b, hi);
		a->any |= any;
		break;
	}
	default:
		break;
	}
}

static void print_value(const struct tn_type *t, void *val)
{
	struct tn_vec v = {.type = t, .len = 1, .values = val};
	struct tn_buf b = TN_BUF_INIT;

	tn_value_json(&b, &v, 0, NULL);
	printf("%s", b.data ? b.data : "");
	tn_buf_done(&b);
}

int main(int argc, char **argv)
{
	struct store *st = store_local_new("");
	struct pq_reader *r;
	struct tn_batch b = {0};
	struct tn_err err;
	struct rusage ru;
	struct acc *acc;
	int64_t t0 = tn_time_mono_us(), rows = 0;
	const struct tn_schema *s;

	if (argc != 2) {
		fprintf(stderr, "usage: pq_minmax FILE.parquet\n");
		return 2;
	}
	if (pq_reader_open(st, argv[1], NULL, &r, &err) != TN_OK) {
		fprintf(stderr, "pq_minmax: %s\n", err.msg);
		return 1;
	}
	s = pq_reader_schema(r);
	acc = calloc(s->ncols, sizeof(*acc));
	for (;;) {
		if (pq_reader_next(r, &b, &err) != TN_OK) {
			fprintf(stderr, "pq_minmax: %s\n", err.msg);
			return 1;
		}
		if (b.nrows == 0)
			break;
		rows += (int64_t)b.nrows;
		for (size_t c = 0; c < s->ncols; c++)
			scan(&b.cols[c], &acc[c]);
	}
	for (size_t c = 0; c < s->ncols; c++) {
		const struct tn_type *t = &s->cols[c].type;
		float fmin = (float)acc[c].min.d, fmax = (float)acc[c].max.d;
		/* Integers of every width read back from the low bytes of the
		 * int64 (little-endian); floats need narrowing. */
		void *mn = t->kind == TN_FLOAT ? (void *)&fmin : (void *)&acc[c].min;
		void *mx = t->kind == TN_FLOAT ? (void *)&fmax : (void *)&acc[c].max;

		printf("%s: min ", s->cols[c].name);
		if (acc[c].any) print_value(t, mn); else printf("null");
		printf(" max ");
		if (acc[c].any) print_value(t, mx); else printf("null");
		printf("\n");
		free(acc[c].minb);
		free(acc[c].maxb);
	}
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "rows %lld wall_ms %.1f max_rss_kb %ld\n", (long long)rows,
		(tn_time_mono_us() - t0) / 1000.0, ru.ru_maxrss);
	tn_batch_done(&b);
	free(acc);
	pq_reader_close(r);
	store_free(st);
	return 0;
}
