/* fuzz_pq_meta.c - libFuzzer target for the Parquet metadata decoders
 * (footers, page headers and the page index come from untrusted files).
 * Whatever decodes must encode, decode again and encode to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "parquet/meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef int (*decode_fn)(const uint8_t *p, size_t len, struct tn_arena *a, void *out);
typedef int (*encode_fn)(const void *in, struct tn_buf *out);

static int dec_meta(const uint8_t *p, size_t len, struct tn_arena *a, void *out)
{
	return pq_file_meta_decode(p, len, a, out, NULL);
}

static int enc_meta(const void *in, struct tn_buf *out)
{
	return pq_file_meta_encode(in, out, NULL);
}

static int dec_page(const uint8_t *p, size_t len, struct tn_arena *a, void *out)
{
	size_t used = 0;
	int rc = pq_page_header_decode(p, len, a, out, &used, NULL);

	if (rc == TN_OK && used > len)
		abort();
	return rc;
}

static int enc_page(const void *in, struct tn_buf *out)
{
	return pq_page_header_encode(in, out, NULL);
}

static int dec_ci(const uint8_t *p, size_t len, struct tn_arena *a, void *out)
{
	return pq_column_index_decode(p, len, a, out, NULL);
}

static int enc_ci(const void *in, struct tn_buf *out)
{
	return pq_column_index_encode(in, out, NULL);
}

static int dec_oi(const uint8_t *p, size_t len, struct tn_arena *a, void *out)
{
	return pq_offset_index_decode(p, len, a, out, NULL);
}

static int enc_oi(const void *in, struct tn_buf *out)
{
	return pq_offset_index_encode(in, out, NULL);
}

static void round_trip(const uint8_t *data, size_t size, decode_fn dec, encode_fn enc,
	void *v1, void *v2)
{
	struct tn_arena a;
	struct tn_buf e1, e2;

	tn_arena_init(&a, 0);
	tn_buf_init(&e1, 0);
	tn_buf_init(&e2, 0);
	if (dec(data, size, &a, v1) == TN_OK) {
		if (enc(v1, &e1) != TN_OK)
			abort();
		if (dec((const uint8_t *)e1.data, e1.len, &a, v2) != TN_OK)
			abort();
		if (enc(v2, &e2) != TN_OK)
			abort();
		if (e1.len != e2.len || memcmp(e1.data, e2.data, e1.len) != 0)
			abort();
	}
	tn_buf_done(&e1);
	tn_buf_done(&e2);
	tn_arena_done(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	union {
		struct pq_file_meta m;
		struct pq_page_header h;
		struct pq_column_index ci;
		struct pq_offset_index oi;
	} v1, v2;

	round_trip(data, size, dec_meta, enc_meta, &v1, &v2);
	round_trip(data, size, dec_page, enc_page, &v1, &v2);
	round_trip(data, size, dec_ci, enc_ci, &v1, &v2);
	round_trip(data, size, dec_oi, enc_oi, &v1, &v2);
	return 0;
}
