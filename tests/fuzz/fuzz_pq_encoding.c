/* fuzz_pq_encoding.c - libFuzzer target for the Parquet value decoders and
 * codecs (they read pages from files). Byte 0 picks a decoder, bytes 1 and 2
 * its parameters (bit width, value width, count); the rest is the input.
 * Decoders must fail cleanly or agree with themselves (one call against
 * many small ones), and encoders must round-trip. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "parquet/codec.h"
#include "parquet/encoding.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXN 4096

#define CHECK(c)                                                                              \
	do {                                                                                  \
		if (!(c))                                                                     \
			abort();                                                              \
	} while (0)

/* RLE hybrid: all at once, and again in pieces mixed with skips. */
static void fuzz_rle(const uint8_t *p, size_t len, int w, size_t n, unsigned step)
{
	uint32_t *a = malloc(n * 4 + 4), *b = malloc(n * 4 + 4);
	struct pq_rle_dec d;
	int rc, rc2 = TN_OK;

	pq_rle_dec_init(&d, p, len, w, NULL);
	rc = pq_rle_dec_get(&d, a, n, NULL);
	pq_rle_dec_init(&d, p, len, w, NULL);
	for (size_t i = 0; i < n && rc2 == TN_OK;) {
		size_t k = 1 + (i * 7 + step) % (step % 19 + 1);

		if (k > n - i)
			k = n - i;
		if ((i + step) % 3 == 0) {
			rc2 = pq_rle_dec_skip(&d, k, NULL);
			if (rc2 == TN_OK)
				memcpy(b + i, a + i, k * 4);
		} else {
			rc2 = pq_rle_dec_get(&d, b + i, k, NULL);
		}
		i += k;
	}
	if (rc == TN_OK) {
		CHECK(rc2 == TN_OK);
		CHECK(memcmp(a, b, n * 4) == 0);
		for (size_t i = 0; i < n; i++)
			CHECK(w == 32 || a[i] >> w == 0);
	} else {
		CHECK(rc == TN_ECORRUPT);
	}
	free(a);
	free(b);
}

static void fuzz_rle_typed(const uint8_t *p, size_t len, int par, size_t n)
{
	uint32_t *idx = malloc(n * 4 + 4);
	int16_t *lv = malloc(n * 2 + 2);
	uint8_t *bo = malloc(n + 1);
	struct pq_rle_dec d;
	const uint8_t *data;
	size_t data_len, used;
	int rc;

	if (pq_rle_dec_init_dict(&d, p, len, NULL) == TN_OK) {
		uint32_t dict_len = (uint32_t)par + 1;

		if (pq_rle_dec_get_indices(&d, idx, n, dict_len, NULL) == TN_OK)
			for (size_t i = 0; i < n; i++)
				CHECK(idx[i] < dict_len);
	}
	if (pq_rle_dec_init(&d, p, len, par % 17, NULL) == TN_OK) {
		int max = par % 3 == 0 ? (1 << (par % 17)) - 1 : par % 9;

		if (max > INT16_MAX)
			max = INT16_MAX;
		rc = pq_rle_dec_get_levels(&d, lv, n, max, NULL);
		if (rc == TN_OK)
			for (size_t i = 0; i < n; i++)
				CHECK(lv[i] >= 0 && lv[i] <= max);
		else
			CHECK(rc == TN_ECORRUPT);
	}
	if (pq_rle_split_prefixed(p, len, &data, &data_len, &used, NULL) == TN_OK) {
		CHECK(used <= len && used == data_len + 4);
		pq_rle_dec_init(&d, data, data_len, 1, NULL);
		if (pq_rle_dec_get_bools(&d, bo, n, NULL) == TN_OK)
			for (size_t i = 0; i < n; i++)
				CHECK(bo[i] <= 1);
	}
	free(idx);
	free(lv);
	free(bo);
}

static void fuzz_plain(const uint8_t *p, size_t len, int par, size_t n)
{
	struct tn_bytes *v = malloc(n * sizeof(*v) + sizeof(*v));
	uint8_t *out = malloc(n * 16 + 1);
	size_t used, pos = par % 8;

	if (pq_plain_decode_byte_array(p, len, v, n, &used, NULL) == TN_OK) {
		CHECK(used <= len);
		for (size_t i = 0; i < n; i++)
			CHECK(v[i].ptr >= p && v[i].ptr + v[i].len <= p + len);
	}
	if (pq_plain_decode_flba(p, len, (size_t)(par % 17), v, n, &used, NULL) == TN_OK)
		CHECK(used <= len);
	if (pq_plain_decode_fixed(p, len, (size_t)(par % 16) + 1, out, n, &used, NULL) == TN_OK)
		CHECK(used <= len);
	if (pq_plain_decode_bool(p, len, &pos, out, n, NULL) == TN_OK)
		CHECK(pos <= len * 8);
	free(v);
	free(out);
}

static void fuzz_delta(const uint8_t *p, size_t len, size_t n, unsigned step)
{
	int64_t *a = malloc(n * 8 + 8), *b = malloc(n * 8 + 8);
	int32_t *c = malloc(n * 4 + 4);
	struct pq_delta_dec d;
	size_t used, used2;
	int rc;

	rc = pq_delta_decode_i64(p, len, a, n, &used, NULL);
	if (rc == TN_OK) {
		CHECK(used <= len);
		/* The same values in pieces. */
		CHECK(pq_delta_dec_init(&d, p, len, 64, n, NULL) == TN_OK);
		for (size_t i = 0; i < n;) {
			size_t k = 1 + (i + step) % (step % 41 + 1);

			if (k > n - i)
				k = n - i;
			CHECK(pq_delta_dec_get_i64(&d, b + i, k, NULL) == TN_OK);
			i += k;
		}
		CHECK(memcmp(a, b, n * 8) == 0);
		CHECK(pq_delta_dec_consumed(&d) == used);
	} else {
		CHECK(rc == TN_ECORRUPT);
	}
	if (pq_delta_decode_i32(p, len, c, n, &used2, NULL) == TN_OK) {
		CHECK(used2 <= len);
		/* INT32 decoding is INT64 decoding mod 2^32. */
		if (rc == TN_OK) {
			CHECK(used2 == used);
			for (size_t i = 0; i < n; i++)
				CHECK(c[i] == (int32_t)(uint32_t)(uint64_t)a[i]);
		}
	}
	free(a);
	free(b);
	free(c);
}

static void fuzz_delta_bytes(const uint8_t *p, size_t len, size_t n)
{
	struct tn_bytes *v = malloc(n * sizeof(*v) + sizeof(*v));
	struct tn_arena arena;
	size_t used;
	int rc;

	if (pq_delta_length_decode(p, len, v, n, &used, NULL) == TN_OK) {
		CHECK(used <= len);
		for (size_t i = 0; i < n; i++)
			CHECK(v[i].ptr >= p && v[i].ptr + v[i].len <= p + len);
	}
	tn_arena_init(&arena, 0);
	rc = pq_delta_bytes_decode(p, len, v, n, &arena, &used, NULL);
	if (rc == TN_OK) {
		volatile uint8_t sink = 0;

		CHECK(used <= len);
		for (size_t i = 0; i < n; i++) /* touch every byte */
			for (uint32_t j = 0; j < v[i].len; j++)
				sink ^= v[i].ptr[j];
		(void)sink;
	} else {
		CHECK(rc == TN_ECORRUPT || rc == TN_ETOOBIG);
	}
	tn_arena_done(&arena);
	free(v);
}

static void fuzz_bss(const uint8_t *p, size_t len, int par)
{
	size_t w = (size_t)(par % 17);
	uint8_t *out = malloc(len + 1);

	if (w && pq_bss_decode(p, len, w, out, len / w, NULL) == TN_OK) {
		struct tn_buf b;

		CHECK(len % w == 0);
		tn_buf_init(&b, 0);
		CHECK(pq_bss_encode(out, w, len / w, &b, NULL) == TN_OK);
		CHECK(b.len == len && (len == 0 || memcmp(b.data, p, len) == 0));
		tn_buf_done(&b);
	}
	free(out);
}

static void fuzz_decompress(const uint8_t *p, size_t len, int codec, size_t out_len)
{
	uint8_t *out = malloc(out_len + 1);
	int rc = pq_decompress(codec, p, len, out, out_len, NULL);

	CHECK(rc == TN_OK || rc == TN_ECORRUPT || rc == TN_EUNSUPPORTED);
	free(out);
}

/* Encoders: the input as values, encoded and decoded back. */
static void fuzz_roundtrip(const uint8_t *p, size_t len, int par)
{
	struct tn_buf b;
	size_t n;

	tn_buf_init(&b, 0);
	switch (par % 4) {
	case 0: { /* RLE at width w: the input as 32-bit values masked to w */
		int w = (par / 4) % 33;
		uint32_t m = w == 32 ? UINT32_MAX : (1u << w) - 1;
		uint32_t *v, *back;
		struct pq_rle_enc e;
		struct pq_rle_dec d;

		n = len / 2;
		v = malloc(n * 4 + 4);
		back = malloc(n * 4 + 4);
		/* Two bytes a value, repeated bytes make runs. */
		for (size_t i = 0; i < n; i++)
			v[i] = ((p[2 * i] * 0x01010101u) ^ ((uint32_t)p[2 * i + 1] << 7)) & m;
		CHECK(pq_rle_enc_init(&e, &b, w, par & 4, NULL) == TN_OK);
		CHECK(pq_rle_enc_put(&e, v, n / 2, NULL) == TN_OK);
		CHECK(pq_rle_enc_put(&e, v + n / 2, n - n / 2, NULL) == TN_OK);
		CHECK(pq_rle_enc_finish(&e, NULL) == TN_OK);
		if (par & 4) {
			const uint8_t *data;
			size_t data_len, used;

			CHECK(pq_rle_split_prefixed((const uint8_t *)b.data, b.len, &data, &data_len,
						    &used, NULL) == TN_OK);
			CHECK(used == b.len);
			pq_rle_dec_init(&d, data, data_len, w, NULL);
		} else {
			pq_rle_dec_init(&d, (const uint8_t *)b.data, b.len, w, NULL);
		}
		CHECK(pq_rle_dec_get(&d, back, n, NULL) == TN_OK);
		CHECK(memcmp(v, back, n * 4) == 0);
		free(v);
		free(back);
		break;
	}
	case 1: { /* DELTA_BINARY_PACKED of the input as int64 and int32 */
		int64_t *v, *back;
		int32_t *v32, *back32;
		size_t used;

		n = len / 8;
		v = malloc(n * 8 + 8);
		back = malloc(n * 8 + 8);
		memcpy(v, p, n * 8);
		CHECK(pq_delta_encode_i64(v, n, &b, NULL) == TN_OK);
		CHECK(pq_delta_decode_i64((const uint8_t *)b.data, b.len, back, n, &used, NULL) ==
		      TN_OK);
		CHECK(used == b.len && memcmp(v, back, n * 8) == 0);
		n = len / 4;
		v32 = malloc(n * 4 + 4);
		back32 = malloc(n * 4 + 4);
		memcpy(v32, p, n * 4);
		tn_buf_reset(&b);
		CHECK(pq_delta_encode_i32(v32, n, &b, NULL) == TN_OK);
		CHECK(pq_delta_decode_i32((const uint8_t *)b.data, b.len, back32, n, &used, NULL) ==
		      TN_OK);
		CHECK(used == b.len && memcmp(v32, back32, n * 4) == 0);
		free(v);
		free(back);
		free(v32);
		free(back32);
		break;
	}
	case 2: { /* DELTA_BYTE_ARRAY / DELTA_LENGTH of the input cut at '\n' */
		struct tn_bytes *v = malloc((len + 1) * sizeof(*v)), *back;
		struct tn_arena arena;
		size_t start = 0, used;

		n = 0;
		for (size_t i = 0; i <= len; i++)
			if (i == len || p[i] == '\n') {
				v[n].ptr = p + start;
				v[n++].len = (uint32_t)(i - start);
				start = i + 1;
			}
		back = malloc(n * sizeof(*back) + sizeof(*back));
		tn_arena_init(&arena, 0);
		CHECK(pq_delta_bytes_encode(v, n, &b, NULL) == TN_OK);
		CHECK(pq_delta_bytes_decode((const uint8_t *)b.data, b.len, back, n, &arena, &used,
					    NULL) == TN_OK);
		CHECK(used == b.len);
		for (size_t i = 0; i < n; i++)
			CHECK(back[i].len == v[i].len &&
			      (v[i].len == 0 || memcmp(back[i].ptr, v[i].ptr, v[i].len) == 0));
		tn_buf_reset(&b);
		CHECK(pq_delta_length_encode(v, n, &b, NULL) == TN_OK);
		CHECK(pq_delta_length_decode((const uint8_t *)b.data, b.len, back, n, &used, NULL) ==
		      TN_OK);
		for (size_t i = 0; i < n; i++)
			CHECK(back[i].len == v[i].len &&
			      (v[i].len == 0 || memcmp(back[i].ptr, v[i].ptr, v[i].len) == 0));
		tn_arena_done(&arena);
		free(v);
		free(back);
		break;
	}
	default: { /* every supported codec */
		static const int codecs[] = {PQ_CODEC_ID_UNCOMPRESSED, PQ_CODEC_ID_SNAPPY,
					     PQ_CODEC_ID_GZIP, PQ_CODEC_ID_ZSTD, PQ_CODEC_ID_LZ4_RAW};
		int codec = codecs[(par / 4) % 5];
		uint8_t *back = malloc(len + 1);

		CHECK(pq_compress(codec, PQ_LEVEL_DEFAULT, p, len, &b, NULL) == TN_OK);
		CHECK(pq_decompress(codec, (const uint8_t *)b.data, b.len, back, len, NULL) == TN_OK);
		CHECK(len == 0 || memcmp(back, p, len) == 0);
		free(back);
		break;
	}
	}
	tn_buf_done(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p;
	size_t len, n;
	int par;

	if (size < 3)
		return 0;
	par = data[1];
	n = ((size_t)data[2] * 17 + (size_t)data[1]) % MAXN;
	p = data + 3;
	len = size - 3;
	switch (data[0] % 10) {
	case 0: fuzz_rle(p, len, par % 33, n, data[2]); break;
	case 1: fuzz_rle_typed(p, len, par, n); break;
	case 2: fuzz_plain(p, len, par, n); break;
	case 3: fuzz_delta(p, len, n, data[2]); break;
	case 4: fuzz_delta_bytes(p, len, n % 512); break;
	case 5: fuzz_bss(p, len, par); break;
	case 6: fuzz_decompress(p, len, par % 9, n * 4); break;
	case 7: fuzz_roundtrip(p, len, par); break;
	case 8: /* the first value's width in the data itself */
		fuzz_rle(p, len, data[2] % 33, (size_t)par * 9 % MAXN, data[1]);
		break;
	default: fuzz_delta(p, len, n % 300, data[1]); break;
	}
	return 0;
}
