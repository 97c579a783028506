/* fuzz_delta_dv.c - libFuzzer target for deletion vectors: the Z85 decoder
 * and the RoaringBitmapArray parser (both read bytes straight from a Delta
 * log or a DV file). The first byte picks the parser:
 *   0  Z85: whatever decodes without '#' padding encodes back to the input
 *   1  DV data as given (magic and bitmap)
 *   2  DV data after a portable magic number (so the fuzzer need not find it)
 * Whatever parses must iterate in order, agree with lookups and masks, and
 * reach a fixed point through serialize and parse. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "delta/dv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Rows checked per input, so that a dense bitmap stays fast. */
#define MAX_ROWS 20000

struct walk {
	const struct delta_dv *dv;
	uint64_t n, prev, first_row;
};

static bool walk_row(uint64_t row, void *arg)
{
	struct walk *w = arg;

	if ((w->n > 0 && row <= w->prev) || !delta_dv_contains(w->dv, row))
		abort();
	if (w->n == 0)
		w->first_row = row;
	w->prev = row;
	return ++w->n < MAX_ROWS;
}

static void check_mask(const struct delta_dv *dv, uint64_t first, size_t n)
{
	uint8_t mask[300];

	delta_dv_mask(dv, first, n, mask);
	for (size_t i = 0; i < n; i++)
		if (mask[i] != (first + i >= first && delta_dv_contains(dv, first + i)))
			abort();
}

static void check_dv(struct delta_dv *dv)
{
	struct walk w = {dv, 0, 0, 0};
	struct tn_buf a = TN_BUF_INIT, b = TN_BUF_INIT;
	struct delta_dv *back;
	bool all = delta_dv_iterate(dv, walk_row, &w);

	if (all && w.n != delta_dv_cardinality(dv))
		abort();
	if (w.n > 0) {
		check_mask(dv, w.first_row > 7 ? w.first_row - 7 : 0, 300);
		check_mask(dv, w.prev > 150 ? w.prev - 150 : 0, 300);
		check_mask(dv, (w.prev & ~0xffffffffull) + 0xffffff00u, 300);
	}
	/* Rows at 2^63 and above cannot be written; parsing never yields them. */
	if (delta_dv_serialize(dv, &a, NULL) != TN_OK)
		abort();
	if (delta_dv_parse((const uint8_t *)a.data, a.len, "fuzz", &back, NULL) != TN_OK)
		abort();
	if (delta_dv_cardinality(back) != delta_dv_cardinality(dv))
		abort();
	if (delta_dv_serialize(back, &b, NULL) != TN_OK || a.len != b.len ||
	    memcmp(a.data, b.data, a.len) != 0)
		abort();
	delta_dv_free(back);
	tn_buf_done(&a);
	tn_buf_done(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_buf out = TN_BUF_INIT, again = TN_BUF_INIT;
	struct delta_dv *dv = NULL;
	const uint8_t *p = data + 1;
	size_t n = size - 1;

	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		if (delta_z85_decode((const char *)p, n, &out, NULL) == TN_OK &&
		    memchr(p, '#', n) == NULL) {
			if (out.len != n / 5 * 4)
				abort();
			if (delta_z85_encode((const uint8_t *)out.data, out.len, &again, NULL) !=
			    TN_OK || again.len != n || memcmp(again.data, p, n) != 0)
				abort();
		}
		break;
	case 1:
		if (delta_dv_parse(p, n, "fuzz", &dv, NULL) == TN_OK)
			check_dv(dv);
		break;
	case 2: {
		uint8_t *buf = malloc(n + 4);

		if (buf == NULL)
			return 0;
		buf[0] = (uint8_t)DELTA_DV_MAGIC;
		buf[1] = (uint8_t)(DELTA_DV_MAGIC >> 8);
		buf[2] = (uint8_t)(DELTA_DV_MAGIC >> 16);
		buf[3] = (uint8_t)(DELTA_DV_MAGIC >> 24);
		memcpy(buf + 4, p, n);
		if (delta_dv_parse(buf, n + 4, "fuzz", &dv, NULL) == TN_OK)
			check_dv(dv);
		free(buf);
		break;
	}
	}
	delta_dv_free(dv);
	tn_buf_done(&out);
	tn_buf_done(&again);
	return 0;
}
