/* test_pq_encoding.c - Parquet value encodings: round trips, the spec's
 * worked examples, and malformed input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "parquet/encoding.h"

/* ---------------------------------------------------------------- helpers */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static uint64_t mask_of(int w)
{
	return w >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << w) - 1;
}

/* A copy of p in a heap block of exactly n bytes, so that AddressSanitizer
 * catches any read past the end. */
static uint8_t *exact(const void *p, size_t n)
{
	uint8_t *q = tn_malloc(n ? n : 1);

	if (n)
		memcpy(q, p, n);
	return q;
}

/* The reference packer: one bit at a time, LSB first. */
static void naive_pack(const uint64_t *v, size_t n, int w, uint8_t *out)
{
	memset(out, 0, pq_bitpack_size(n, w));
	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < w; b++)
			if ((v[i] >> b) & 1) {
				size_t bit = i * (size_t)w + (size_t)b;

				out[bit / 8] |= (uint8_t)(1u << (bit % 8));
			}
}

static bool has(const struct tn_err *err, const char *s)
{
	if (strstr(err->msg, s) == NULL) {
		print_error("message \"%s\" lacks \"%s\"\n", err->msg, s);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ bit packing */

static void test_bitpack_spec_example(void **state)
{
	/* Encodings.md: 0..7 at 3 bits are 10001000 11000110 11111010. */
	const uint32_t v[8] = {0, 1, 2, 3, 4, 5, 6, 7};
	const uint8_t want[3] = {0x88, 0xc6, 0xfa};
	uint8_t got[3];
	uint32_t back[8];

	(void)state;
	assert_int_equal(pq_bitpack_size(8, 3), 3);
	pq_bitpack32(v, 8, 3, got);
	assert_memory_equal(got, want, 3);
	assert_int_equal(pq_bitunpack32(want, 3, 3, back, 8, NULL), TN_OK);
	assert_memory_equal(back, v, sizeof(v));
	assert_int_equal(pq_bit_width(0), 0);
	assert_int_equal(pq_bit_width(1), 1);
	assert_int_equal(pq_bit_width(7), 3);
	assert_int_equal(pq_bit_width(8), 4);
	assert_int_equal(pq_bit_width(UINT64_MAX), 64);
}

static void test_bitpack_all_widths(void **state)
{
	static const size_t sizes[] = {0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100, 1000};
	struct tn_err err;

	(void)state;
	for (int w = 0; w <= 64; w++) {
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			size_t n = sizes[si], bytes = pq_bitpack_size(n, w);
			uint64_t *v = tn_calloc(n + 1, 8), *back = tn_calloc(n + 1, 8);
			uint8_t *ref = tn_calloc(bytes + 1, 1), *got = tn_calloc(bytes + 1, 1), *in;

			assert_int_equal(bytes, (n * (size_t)w + 7) / 8);
			for (size_t i = 0; i < n; i++)
				v[i] = rnd() & mask_of(w);
			if (n)
				v[n - 1] = mask_of(w); /* the top value too */
			naive_pack(v, n, w, ref);
			pq_bitpack64(v, n, w, got);
			assert_memory_equal(got, ref, bytes);
			in = exact(ref, bytes);
			assert_int_equal(pq_bitunpack64(in, bytes, w, back, n, &err), TN_OK);
			assert_memory_equal(back, v, n * 8);
			if (w <= 32) {
				uint32_t *v32 = tn_calloc(n + 1, 4), *b32 = tn_calloc(n + 1, 4);

				for (size_t i = 0; i < n; i++)
					v32[i] = (uint32_t)v[i];
				memset(got, 0, bytes);
				pq_bitpack32(v32, n, w, got);
				assert_memory_equal(got, ref, bytes);
				assert_int_equal(pq_bitunpack32(in, bytes, w, b32, n, &err), TN_OK);
				assert_memory_equal(b32, v32, n * 4);
				free(v32);
				free(b32);
			}
			/* One byte short is corrupt, not a read past the end. */
			if (bytes) {
				assert_int_equal(pq_bitunpack64(in, bytes - 1, w, back, n, &err),
						 TN_ECORRUPT);
				assert_true(has(&err, "remain"));
			}
			free(in);
			free(v);
			free(back);
			free(ref);
			free(got);
		}
	}
	assert_int_equal(pq_bitunpack32(NULL, 0, 33, NULL, 0, &err), TN_ECORRUPT);
	assert_int_equal(pq_bitunpack64(NULL, 0, 65, NULL, 0, &err), TN_ECORRUPT);
}

/* -------------------------------------------- RLE / bit-packed hybrid */

/* Encode v with the streaming encoder, fed in pieces of random size. */
static void rle_encode(const uint32_t *v, size_t n, int w, bool prefix, struct tn_buf *out)
{
	struct pq_rle_enc e;
	struct tn_err err;

	assert_int_equal(pq_rle_enc_init(&e, out, w, prefix, &err), TN_OK);
	for (size_t i = 0; i < n;) {
		size_t k = 1 + rnd() % 300;

		if (k > n - i)
			k = n - i;
		assert_int_equal(pq_rle_enc_put(&e, v + i, k, &err), TN_OK);
		i += k;
	}
	assert_int_equal(pq_rle_enc_finish(&e, &err), TN_OK);
}

/* Decode n values from p in pieces of random size and compare with v. */
static void rle_check(const uint8_t *p, size_t len, int w, const uint32_t *v, size_t n)
{
	struct pq_rle_dec d;
	struct tn_err err;
	uint32_t *got = tn_calloc(n + 1, 4);

	assert_int_equal(pq_rle_dec_init(&d, p, len, w, &err), TN_OK);
	for (size_t i = 0; i < n;) {
		size_t k = rnd() % 4 == 0 ? 1 + rnd() % 7 : 1 + rnd() % 700;

		if (k > n - i)
			k = n - i;
		if (pq_rle_dec_get(&d, got + i, k, &err) != TN_OK)
			fail_msg("w=%d n=%zu at %zu: %s", w, n, i, err.msg);
		i += k;
	}
	assert_memory_equal(got, v, n * 4);
	/* Nothing is left but the zero padding of the last group. */
	assert_true(d.rle_left == 0);
	free(got);
}

/* Values of w bits in runs: short and long, crossing groups of 8. */
static void rle_data(uint32_t *v, size_t n, int w, int pattern)
{
	uint32_t m = (uint32_t)mask_of(w);

	for (size_t i = 0; i < n;) {
		size_t run;
		uint32_t x = (uint32_t)rnd() & m;

		switch (pattern) {
		case 0: run = 1; break;                          /* random */
		case 1: run = 1 + rnd() % 20; break;             /* runs around 8 */
		case 2: run = 1 + rnd() % 3000; break;           /* long runs */
		case 3: run = n; break;                          /* one value */
		default: run = 1; x = (uint32_t)(i & 1) & m; break; /* alternating */
		}
		for (size_t j = 0; j < run && i < n; j++)
			v[i++] = x;
	}
}

static void test_rle_roundtrip(void **state)
{
	static const size_t sizes[] = {0, 1, 5, 8, 9, 16, 17, 100, 511, 512, 513, 4099, 20000};
	struct tn_buf b;

	(void)state;
	tn_buf_init(&b, 0);
	for (int w = 0; w <= 32; w++)
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
			for (int pattern = 0; pattern < 5; pattern++) {
				size_t n = sizes[si];
				uint32_t *v = tn_calloc(n + 1, 4);
				uint8_t *p;

				rle_data(v, n, w, pattern);
				tn_buf_reset(&b);
				rle_encode(v, n, w, false, &b);
				p = exact(b.data, b.len);
				rle_check(p, b.len, w, v, n);
				free(p);
				free(v);
			}
	tn_buf_done(&b);
}

static void test_rle_encoder_uses_runs(void **state)
{
	uint32_t v[1000];
	struct tn_buf b;

	(void)state;
	tn_buf_init(&b, 0);
	/* 1000 equal values: one RLE run, a 2-byte header and 2 value bytes. */
	for (int i = 0; i < 1000; i++)
		v[i] = 700;
	rle_encode(v, 1000, 10, false, &b);
	assert_int_equal(b.len, 4);
	assert_int_equal((uint8_t)b.data[0], ((1000 << 1) & 0x7f) | 0x80);
	assert_int_equal((uint8_t)b.data[1], (1000 << 1) >> 7);
	assert_int_equal((uint8_t)b.data[2], 700 & 0xff);
	assert_int_equal((uint8_t)b.data[3], 700 >> 8);
	/* 3 literals then 13 equal values: the run completes the first group
	 * and the remaining 8 become an RLE run. */
	tn_buf_reset(&b);
	v[0] = 1;
	v[1] = 2;
	v[2] = 3;
	for (int i = 3; i < 16; i++)
		v[i] = 5;
	rle_encode(v, 16, 3, false, &b);
	assert_int_equal(b.len, 1 + 3 + 1 + 1);
	assert_int_equal((uint8_t)b.data[0], 0x03);       /* bit-packed, 1 group */
	assert_int_equal((uint8_t)b.data[4], 8 << 1);     /* RLE run of 8 */
	assert_int_equal((uint8_t)b.data[5], 5);
	rle_check((const uint8_t *)b.data, b.len, 3, v, 16);
	tn_buf_done(&b);
}

static void test_rle_hand_built(void **state)
{
	/* A bit-packed run of one group (0..7 at 3 bits), an RLE run of four
	 * 5s, then at 10 bits an RLE value takes 2 bytes. */
	const uint8_t a[] = {0x03, 0x88, 0xc6, 0xfa, 0x08, 0x05};
	const uint32_t wa[] = {0, 1, 2, 3, 4, 5, 6, 7, 5, 5, 5, 5};
	const uint8_t b[] = {0x06, 0xe8, 0x03};
	const uint32_t wb[] = {1000, 1000, 1000};
	/* Bit width 0: runs without value bytes; a bit-packed run of 0-bit
	 * values takes no data either. */
	const uint8_t c[] = {0x0a, 0x03};
	const uint32_t wc[13] = {0};

	(void)state;
	rle_check(a, sizeof(a), 3, wa, 12);
	rle_check(b, sizeof(b), 10, wb, 3);
	rle_check(c, sizeof(c), 0, wc, 13);
}

static void test_rle_truncated(void **state)
{
	struct tn_buf b;
	uint32_t v[300], got[300];
	struct tn_err err;
	int corrupt = 0;

	(void)state;
	tn_buf_init(&b, 0);
	for (int w = 1; w <= 32; w += 3) {
		rle_data(v, 300, w, 1);
		tn_buf_reset(&b);
		rle_encode(v, 300, w, false, &b);
		for (size_t len = 0; len < b.len; len++) {
			uint8_t *p = exact(b.data, len);
			struct pq_rle_dec d;
			int rc;

			assert_int_equal(pq_rle_dec_init(&d, p, len, w, &err), TN_OK);
			rc = pq_rle_dec_get(&d, got, 300, &err);
			/* Cutting only the last group's padding loses no value. */
			if (rc == TN_OK) {
				assert_memory_equal(got, v, sizeof(v));
				assert_true(len + (size_t)w > b.len);
			} else {
				assert_int_equal(rc, TN_ECORRUPT);
				corrupt++;
			}
			free(p);
		}
	}
	assert_true(corrupt > 100);
	tn_buf_done(&b);
}

static void test_rle_bad_runs(void **state)
{
	struct pq_rle_dec d;
	struct tn_err err;
	uint32_t out[16];
	/* RLE run of 2^31 values (header 2^32). */
	const uint8_t big_rle[] = {0x80, 0x80, 0x80, 0x80, 0x10, 0x01};
	/* Bit-packed run of 2^28 groups (2^31 values). */
	const uint8_t big_bp[] = {0x81, 0x80, 0x80, 0x80, 0x02};
	/* An 11-byte varint. */
	const uint8_t long_varint[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				       0xff, 0xff, 0xff, 0xff, 0x01};
	/* An RLE value of 9 at 3 bits. */
	const uint8_t wide[] = {0x10, 0x09};
	/* An RLE run whose 2-byte value is cut. */
	const uint8_t cut[] = {0x10, 0x09};
	/* A bit-packed run of 2 groups with bytes for only the first. */
	const uint8_t short_bp[] = {0x05, 0x88, 0xc6, 0xfa};

	(void)state;
	pq_rle_dec_init(&d, big_rle, sizeof(big_rle), 1, NULL);
	assert_int_equal(pq_rle_dec_get(&d, out, 1, &err), TN_ECORRUPT);
	assert_true(has(&err, "over the limit"));
	pq_rle_dec_init(&d, big_bp, sizeof(big_bp), 1, NULL);
	assert_int_equal(pq_rle_dec_get(&d, out, 1, &err), TN_ECORRUPT);
	assert_true(has(&err, "over the limit"));
	pq_rle_dec_init(&d, long_varint, sizeof(long_varint), 1, NULL);
	assert_int_equal(pq_rle_dec_get(&d, out, 1, &err), TN_ECORRUPT);
	assert_true(has(&err, "truncated or too long"));
	pq_rle_dec_init(&d, wide, sizeof(wide), 3, NULL);
	assert_int_equal(pq_rle_dec_get(&d, out, 1, &err), TN_ECORRUPT);
	assert_true(has(&err, "does not fit in 3 bits"));
	pq_rle_dec_init(&d, cut, sizeof(cut), 9, NULL);
	assert_int_equal(pq_rle_dec_get(&d, out, 1, &err), TN_ECORRUPT);
	assert_true(has(&err, "truncated"));
	/* The values whose bits are there can be read, then the data ends. */
	pq_rle_dec_init(&d, short_bp, sizeof(short_bp), 3, NULL);
	assert_int_equal(pq_rle_dec_get(&d, out, 8, &err), TN_OK);
	assert_int_equal(out[7], 7);
	assert_int_equal(pq_rle_dec_get(&d, out, 1, &err), TN_ECORRUPT);
	assert_true(has(&err, "ends after 8 values"));
	/* Asking for more than there is. */
	pq_rle_dec_init(&d, wide, 2, 4, NULL);
	assert_int_equal(pq_rle_dec_get(&d, out, 9, &err), TN_ECORRUPT);
	assert_true(has(&err, "ends after 8 values"));
	assert_int_equal(pq_rle_dec_init(&d, wide, 2, 33, &err), TN_ECORRUPT);
	assert_int_equal(pq_rle_dec_init(&d, wide, 2, -1, &err), TN_ECORRUPT);
	/* Empty input: 0 values are fine, 1 is not. */
	pq_rle_dec_init(&d, NULL, 0, 5, NULL);
	assert_int_equal(pq_rle_dec_get(&d, out, 0, &err), TN_OK);
	assert_int_equal(pq_rle_dec_get(&d, out, 1, &err), TN_ECORRUPT);
}

static void test_rle_dict_indices(void **state)
{
	struct tn_buf b;
	struct pq_rle_dec d;
	struct tn_err err;
	uint32_t v[100], got[100];
	const uint8_t bad_width[] = {33, 0x02, 0x00};

	(void)state;
	tn_buf_init(&b, 0);
	for (int i = 0; i < 100; i++)
		v[i] = (uint32_t)(i < 50 ? i % 37 : 3);
	/* Data page: one byte of bit width, then the hybrid data. */
	tn_buf_putc(&b, 6, NULL);
	rle_encode(v, 100, 6, false, &b);
	assert_int_equal(pq_rle_dec_init_dict(&d, (const uint8_t *)b.data, b.len, &err), TN_OK);
	assert_int_equal(pq_rle_dec_get_indices(&d, got, 100, 37, &err), TN_OK);
	assert_memory_equal(got, v, sizeof(v));
	/* A bit-packed index past the dictionary. */
	pq_rle_dec_init_dict(&d, (const uint8_t *)b.data, b.len, NULL);
	assert_int_equal(pq_rle_dec_get_indices(&d, got, 100, 36, &err), TN_ECORRUPT);
	assert_true(has(&err, "dictionary index 36 is out of range (the dictionary has 36 values)"));
	/* An RLE-run index past it. */
	pq_rle_dec_init_dict(&d, (const uint8_t *)b.data, b.len, NULL);
	assert_int_equal(pq_rle_dec_get_indices(&d, got, 50, 37, &err), TN_OK);
	assert_int_equal(pq_rle_dec_get_indices(&d, got, 50, 3, &err), TN_ECORRUPT);
	assert_true(has(&err, "dictionary index 3 is out of range"));
	/* An empty dictionary has no valid index. */
	pq_rle_dec_init_dict(&d, (const uint8_t *)b.data, b.len, NULL);
	assert_int_equal(pq_rle_dec_get_indices(&d, got, 1, 0, &err), TN_ECORRUPT);
	assert_int_equal(pq_rle_dec_init_dict(&d, bad_width, 3, &err), TN_ECORRUPT);
	assert_true(has(&err, "bit width 33"));
	assert_int_equal(pq_rle_dec_init_dict(&d, bad_width, 0, &err), TN_ECORRUPT);
	tn_buf_done(&b);
}

static void test_rle_levels_and_bools(void **state)
{
	struct tn_buf b;
	struct pq_rle_enc e;
	struct pq_rle_dec d;
	struct tn_err err;
	int16_t lv[1000], glv[1000];
	uint32_t bits[77];
	uint8_t bools[77];
	const uint8_t *data;
	size_t data_len, consumed;

	(void)state;
	tn_buf_init(&b, 0);
	for (int i = 0; i < 1000; i++)
		lv[i] = (int16_t)(i % 100 < 60 ? 3 : (int16_t)(rnd() % 4));
	/* Data page v1 levels: a 4-byte length first. */
	assert_int_equal(pq_rle_enc_init(&e, &b, pq_bit_width(3), true, &err), TN_OK);
	assert_int_equal(pq_rle_enc_put_levels(&e, lv, 1000, &err), TN_OK);
	assert_int_equal(pq_rle_enc_finish(&e, &err), TN_OK);
	tn_buf_append(&b, "tail", 4, NULL);
	assert_int_equal(pq_rle_split_prefixed((const uint8_t *)b.data, b.len, &data, &data_len,
					       &consumed, &err),
			 TN_OK);
	assert_int_equal(consumed, b.len - 4);
	assert_int_equal(pq_rle_dec_init(&d, data, data_len, 2, &err), TN_OK);
	assert_int_equal(pq_rle_dec_get_levels(&d, glv, 999, 3, &err), TN_OK);
	assert_int_equal(pq_rle_dec_get_levels(&d, glv + 999, 1, 3, &err), TN_OK);
	assert_memory_equal(glv, lv, sizeof(lv));
	pq_rle_dec_init(&d, data, data_len, 2, NULL);
	assert_int_equal(pq_rle_dec_get_levels(&d, glv, 1000, 2, &err), TN_ECORRUPT);
	assert_true(has(&err, "level 3 is over the maximum level 2"));
	/* The length prefix must fit. */
	assert_int_equal(pq_rle_split_prefixed((const uint8_t *)b.data, 3, &data, &data_len,
					       &consumed, &err),
			 TN_ECORRUPT);
	assert_int_equal(pq_rle_split_prefixed((const uint8_t *)b.data, consumed - 1, &data,
					       &data_len, &consumed, &err),
			 TN_ECORRUPT);
	assert_true(has(&err, "runs past"));

	/* RLE booleans. */
	for (int i = 0; i < 77; i++)
		bits[i] = (i % 11 < 4) ^ (i > 40);
	tn_buf_reset(&b);
	rle_encode(bits, 77, 1, false, &b);
	pq_rle_dec_init(&d, (const uint8_t *)b.data, b.len, 1, NULL);
	assert_int_equal(pq_rle_dec_get_bools(&d, bools, 77, &err), TN_OK);
	for (int i = 0; i < 77; i++)
		assert_int_equal(bools[i], bits[i]);
	pq_rle_dec_init(&d, (const uint8_t *)b.data, b.len, 2, NULL);
	assert_int_equal(pq_rle_dec_get_bools(&d, bools, 77, &err), TN_ECORRUPT);
	tn_buf_done(&b);
}

static void test_rle_skip(void **state)
{
	struct tn_buf b;
	struct pq_rle_dec d;
	struct tn_err err;
	uint32_t v[5000], got[5000];

	(void)state;
	tn_buf_init(&b, 0);
	for (int w = 0; w <= 32; w += 4) {
		rle_data(v, 5000, w, 1);
		tn_buf_reset(&b);
		rle_encode(v, 5000, w, false, &b);
		pq_rle_dec_init(&d, (const uint8_t *)b.data, b.len, w, NULL);
		for (size_t i = 0; i < 5000;) {
			size_t k = 1 + rnd() % 100;

			if (k > 5000 - i)
				k = 5000 - i;
			if (rnd() & 1) {
				assert_int_equal(pq_rle_dec_skip(&d, k, &err), TN_OK);
			} else {
				assert_int_equal(pq_rle_dec_get(&d, got, k, &err), TN_OK);
				assert_memory_equal(got, v + i, k * 4);
			}
			i += k;
		}
		assert_int_equal(pq_rle_dec_skip(&d, 8, &err), TN_ECORRUPT);
	}
	tn_buf_done(&b);
}

static void test_rle_encoder_rejects(void **state)
{
	struct tn_buf b;
	struct pq_rle_enc e;
	struct tn_err err;
	uint32_t v[2] = {1, 8};

	(void)state;
	tn_buf_init(&b, 0);
	assert_int_equal(pq_rle_enc_init(&e, &b, 33, false, &err), TN_EINVAL);
	assert_int_equal(pq_rle_enc_init(&e, &b, 3, false, &err), TN_OK);
	assert_int_equal(pq_rle_enc_put(&e, v, 2, &err), TN_EINVAL);
	assert_true(has(&err, "value 8 does not fit"));
	/* A capped buffer fills up: TN_ETOOBIG. */
	tn_buf_done(&b);
	tn_buf_init(&b, 16);
	{
		uint32_t r[1000];

		for (int i = 0; i < 1000; i++)
			r[i] = (uint32_t)rnd() & 0xffff;
		assert_int_equal(pq_rle_enc_init(&e, &b, 16, false, &err), TN_OK);
		assert_int_equal(pq_rle_enc_put(&e, r, 1000, &err), TN_ETOOBIG);
	}
	tn_buf_done(&b);
}

/* ------------------------------------------------------------------ PLAIN */

static void test_plain_fixed(void **state)
{
	struct tn_buf b;
	struct tn_err err;
	int32_t i32[5] = {0, -1, INT32_MIN, INT32_MAX, 42}, gi32[5];
	int64_t i64[3] = {INT64_MIN, INT64_MAX, -7}, gi64[3];
	double dv[3] = {1.5, -0.0, INFINITY}, gdv[3];
	uint8_t i96[24], gi96[24];
	size_t used;
	const uint8_t le[8] = {0x01, 0x02, 0x03, 0x04, 0xff, 0xff, 0xff, 0xff};

	(void)state;
	tn_buf_init(&b, 0);
	for (int i = 0; i < 24; i++)
		i96[i] = (uint8_t)rnd();
	assert_int_equal(pq_plain_encode_fixed(i32, 4, 5, &b, &err), TN_OK);
	assert_int_equal(pq_plain_encode_fixed(i64, 8, 3, &b, &err), TN_OK);
	assert_int_equal(pq_plain_encode_fixed(dv, 8, 3, &b, &err), TN_OK);
	assert_int_equal(pq_plain_encode_fixed(i96, 12, 2, &b, &err), TN_OK);
	assert_int_equal(b.len, 20 + 24 + 24 + 24);
	{
		const uint8_t *p = (const uint8_t *)b.data;
		size_t len = b.len;

		assert_int_equal(pq_plain_decode_fixed(p, len, 4, gi32, 5, &used, &err), TN_OK);
		p += used, len -= used;
		assert_int_equal(pq_plain_decode_fixed(p, len, 8, gi64, 3, &used, &err), TN_OK);
		p += used, len -= used;
		assert_int_equal(pq_plain_decode_fixed(p, len, 8, gdv, 3, &used, &err), TN_OK);
		p += used, len -= used;
		assert_int_equal(pq_plain_decode_fixed(p, len, 12, gi96, 2, &used, &err), TN_OK);
		assert_int_equal(used, len);
		assert_int_equal(pq_plain_decode_fixed(p, len - 1, 12, gi96, 2, &used, &err),
				 TN_ECORRUPT);
		assert_true(has(&err, "holds 1 values of 12 bytes, 2 expected"));
	}
	assert_memory_equal(gi32, i32, sizeof(i32));
	assert_memory_equal(gi64, i64, sizeof(i64));
	assert_memory_equal(gdv, dv, sizeof(dv));
	assert_memory_equal(gi96, i96, sizeof(i96));
	/* Little-endian on the wire. */
	assert_int_equal(pq_plain_decode_fixed(le, 8, 4, gi32, 2, NULL, &err), TN_OK);
	assert_int_equal(gi32[0], 0x04030201);
	assert_int_equal(gi32[1], -1);
	assert_int_equal(pq_plain_decode_fixed(le, 0, 4, gi32, 0, &used, &err), TN_OK);
	assert_int_equal(used, 0);
	tn_buf_done(&b);
}

static void test_plain_bool(void **state)
{
	struct tn_buf b;
	struct tn_err err;
	uint8_t v[1001], got[1001];
	size_t pos = 0;

	(void)state;
	tn_buf_init(&b, 0);
	for (int i = 0; i < 1001; i++)
		v[i] = (uint8_t)(rnd() % 3 == 0);
	v[0] = 1;
	v[1] = 0;
	v[2] = 1;
	assert_int_equal(pq_plain_encode_bool(v, 1001, &b, &err), TN_OK);
	assert_int_equal(b.len, 126);
	assert_int_equal((uint8_t)b.data[0] & 7, 5); /* LSB first */
	/* Decoded in pieces that do not fall on byte boundaries. */
	for (size_t i = 0; i < 1001;) {
		size_t k = 1 + rnd() % 30;

		if (k > 1001 - i)
			k = 1001 - i;
		assert_int_equal(pq_plain_decode_bool((const uint8_t *)b.data, b.len, &pos, got + i,
						      k, &err),
				 TN_OK);
		i += k;
	}
	assert_int_equal(pos, 1001);
	assert_memory_equal(got, v, sizeof(v));
	/* 7 padding bits remain; the 8th value past them does not. */
	assert_int_equal(pq_plain_decode_bool((const uint8_t *)b.data, b.len, &pos, got, 7, &err),
			 TN_OK);
	assert_int_equal(pq_plain_decode_bool((const uint8_t *)b.data, b.len, &pos, got, 1, &err),
			 TN_ECORRUPT);
	tn_buf_done(&b);
}

static void test_plain_byte_array(void **state)
{
	struct tn_buf b;
	struct tn_err err;
	struct tn_bytes v[4] = {{(const uint8_t *)"abc", 3}, {(const uint8_t *)"", 0},
				{(const uint8_t *)"hello world", 11}, {(const uint8_t *)"z", 1}};
	struct tn_bytes got[4];
	size_t used;
	const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 'x'};

	(void)state;
	tn_buf_init(&b, 0);
	assert_int_equal(pq_plain_encode_byte_array(v, 4, &b, &err), TN_OK);
	assert_int_equal(b.len, 16 + 15);
	assert_int_equal(pq_plain_decode_byte_array((const uint8_t *)b.data, b.len, got, 4, &used,
						    &err),
			 TN_OK);
	assert_int_equal(used, b.len);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(got[i].len, v[i].len);
		assert_memory_equal(got[i].ptr, v[i].ptr, v[i].len);
		/* Views into the input. */
		assert_true(got[i].ptr >= (const uint8_t *)b.data &&
			    got[i].ptr <= (const uint8_t *)b.data + b.len);
	}
	/* Every shorter input is corrupt. */
	for (size_t len = 0; len < b.len; len++) {
		uint8_t *p = exact(b.data, len);

		assert_int_equal(pq_plain_decode_byte_array(p, len, got, 4, &used, &err),
				 TN_ECORRUPT);
		free(p);
	}
	assert_int_equal(pq_plain_decode_byte_array(huge, 5, got, 1, &used, &err), TN_ECORRUPT);
	assert_true(has(&err, "length 4294967295 at byte 0 runs past the page"));

	/* FIXED_LEN_BYTE_ARRAY. */
	tn_buf_reset(&b);
	v[1] = (struct tn_bytes){(const uint8_t *)"xyz", 3};
	assert_int_equal(pq_plain_encode_flba(v, 2, 3, &b, &err), TN_OK);
	assert_int_equal(pq_plain_encode_flba(v, 3, 3, &b, &err), TN_EINVAL);
	assert_int_equal(b.len, 6);
	assert_int_equal(pq_plain_decode_flba((const uint8_t *)b.data, b.len, 3, got, 2, &used,
					      &err),
			 TN_OK);
	assert_int_equal(used, 6);
	assert_memory_equal(got[1].ptr, "xyz", 3);
	assert_int_equal(pq_plain_decode_flba((const uint8_t *)b.data, 5, 3, got, 2, &used, &err),
			 TN_ECORRUPT);
	assert_int_equal(pq_plain_decode_flba((const uint8_t *)b.data, 5, 0, got, 2, &used, &err),
			 TN_ECORRUPT);
	tn_buf_done(&b);
}

/* ---------------------------------------------------- DELTA_BINARY_PACKED */

/* Encodings.md's two examples with a valid block (128 values in 4
 * miniblocks) instead of the example's 8: our encoder must write exactly
 * these bytes, and the decoder read them back. */
static void test_delta_spec_examples(void **state)
{
	const int64_t e1[] = {1, 2, 3, 4, 5};
	const uint8_t b1[] = {0x80, 0x01, 0x04, 0x05, 0x02, /* header: 128, 4, 5, first 1 */
			      0x02, 0x00, 0x00, 0x00, 0x00}; /* min delta 1, widths 0 */
	const int64_t e2[] = {7, 5, 3, 1, 2, 3, 4, 5};
	const uint8_t b2[] = {0x80, 0x01, 0x04, 0x08, 0x0e, /* 128, 4, 8, first 7 */
			      0x03, 0x02, 0x00, 0x00, 0x00, /* min delta -2, widths 2 0 0 0 */
			      0xc0, 0x3f, 0, 0, 0, 0, 0, 0}; /* 0,0,0,3,3,3,3 + padding */
	/* The example's own block size of 8 is invalid in real files. */
	const uint8_t b8[] = {0x08, 0x01, 0x05, 0x02, 0x02, 0x00};
	struct tn_buf b;
	struct tn_err err;
	int64_t got[8];
	size_t used;

	(void)state;
	tn_buf_init(&b, 0);
	assert_int_equal(pq_delta_encode_i64(e1, 5, &b, &err), TN_OK);
	assert_int_equal(b.len, sizeof(b1));
	assert_memory_equal(b.data, b1, sizeof(b1));
	assert_int_equal(pq_delta_decode_i64(b1, sizeof(b1), got, 5, &used, &err), TN_OK);
	assert_memory_equal(got, e1, sizeof(e1));
	assert_int_equal(used, sizeof(b1));
	tn_buf_reset(&b);
	assert_int_equal(pq_delta_encode_i64(e2, 8, &b, &err), TN_OK);
	assert_int_equal(b.len, sizeof(b2));
	assert_memory_equal(b.data, b2, sizeof(b2));
	assert_int_equal(pq_delta_decode_i64(b2, sizeof(b2), got, 8, &used, &err), TN_OK);
	assert_memory_equal(got, e2, sizeof(e2));
	assert_int_equal(used, sizeof(b2));
	assert_int_equal(pq_delta_decode_i64(b8, sizeof(b8), got, 5, &used, &err), TN_ECORRUPT);
	assert_true(has(&err, "block size 8 is not a multiple of 128"));
	tn_buf_done(&b);
}

static void delta_roundtrip64(const int64_t *v, size_t n)
{
	struct tn_buf b;
	struct tn_err err;
	struct pq_delta_dec d;
	int64_t *got = tn_calloc(n + 1, 8);
	uint8_t *p;
	size_t used;

	tn_buf_init(&b, 0);
	assert_int_equal(pq_delta_encode_i64(v, n, &b, &err), TN_OK);
	p = exact(b.data, b.len);
	assert_int_equal(pq_delta_decode_i64(p, b.len, got, n, &used, &err), TN_OK);
	assert_int_equal(used, b.len);
	assert_memory_equal(got, v, n * 8);
	/* In pieces. */
	memset(got, 0, n * 8);
	assert_int_equal(pq_delta_dec_init(&d, p, b.len, 64, n, &err), TN_OK);
	assert_int_equal(d.total, n);
	for (size_t i = 0; i < n;) {
		size_t k = rnd() % 2 ? 1 + rnd() % 9 : 1 + rnd() % 300;

		if (k > n - i)
			k = n - i;
		if (pq_delta_dec_get_i64(&d, got + i, k, &err) != TN_OK)
			fail_msg("n=%zu at %zu: %s", n, i, err.msg);
		i += k;
	}
	assert_memory_equal(got, v, n * 8);
	assert_int_equal(pq_delta_dec_consumed(&d), b.len);
	assert_int_equal(pq_delta_dec_get_i64(&d, got, 1, &err), TN_ECORRUPT);
	free(p);
	free(got);
	tn_buf_done(&b);
}

static void delta_roundtrip32(const int32_t *v, size_t n)
{
	struct tn_buf b;
	struct tn_err err;
	struct pq_delta_dec d;
	int32_t *got = tn_calloc(n + 1, 4);
	uint8_t *p;
	size_t used;

	tn_buf_init(&b, 0);
	assert_int_equal(pq_delta_encode_i32(v, n, &b, &err), TN_OK);
	p = exact(b.data, b.len);
	assert_int_equal(pq_delta_decode_i32(p, b.len, got, n, &used, &err), TN_OK);
	assert_int_equal(used, b.len);
	assert_memory_equal(got, v, n * 4);
	memset(got, 0, n * 4);
	assert_int_equal(pq_delta_dec_init(&d, p, b.len, 32, n, &err), TN_OK);
	for (size_t i = 0; i < n;) {
		size_t k = 1 + rnd() % 50;

		if (k > n - i)
			k = n - i;
		assert_int_equal(pq_delta_dec_get_i32(&d, got + i, k, &err), TN_OK);
		i += k;
	}
	assert_memory_equal(got, v, n * 4);
	free(p);
	free(got);
	tn_buf_done(&b);
}

static void test_delta_roundtrip(void **state)
{
	static const size_t sizes[] = {0, 1, 2, 3, 31, 32, 33, 127, 128, 129, 130, 257, 1000, 5000};

	(void)state;
	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		size_t n = sizes[si];
		int64_t *v = tn_calloc(n + 1, 8);
		int32_t *v32 = tn_calloc(n + 1, 4);

		for (int kind = 0; kind < 7; kind++) {
			for (size_t i = 0; i < n; i++) {
				switch (kind) {
				case 0: v[i] = (int64_t)rnd(); break;                     /* 64-bit deltas */
				case 1: v[i] = 1000 + (int64_t)i * 3; break;            /* width 0 */
				case 2: v[i] = (int64_t)(rnd() % 1000) - 500; break;
				case 3: v[i] = i % 2 ? INT64_MIN : INT64_MAX; break;    /* overflowing deltas */
				case 4: v[i] = 42; break;                               /* constant */
				case 5: v[i] = (int64_t)i * (int64_t)i - 7; break;      /* growing deltas */
				default: v[i] = i % 200 < 100 ? 5 : (int64_t)(rnd() >> (rnd() % 64)); break;
				}
				v32[i] = (int32_t)(uint32_t)v[i];
			}
			delta_roundtrip64(v, n);
			delta_roundtrip32(v32, n);
		}
		free(v);
		free(v32);
	}
}

static void test_delta_int32_wraps(void **state)
{
	const int32_t v[] = {INT32_MAX, INT32_MIN, INT32_MAX, 0, INT32_MIN, -1, 1, INT32_MIN};
	const int64_t e[] = {INT64_MIN, INT64_MAX, INT64_MIN, 0};
	struct tn_buf b;
	struct tn_err err;
	struct pq_delta_dec d;

	(void)state;
	delta_roundtrip32(v, 8);
	delta_roundtrip64(e, 4);
	/* INT32 deltas wrap in 32 bits, so no miniblock is wider than 32. */
	tn_buf_init(&b, 0);
	assert_int_equal(pq_delta_encode_i32(v, 8, &b, &err), TN_OK);
	assert_int_equal(pq_delta_dec_init(&d, (const uint8_t *)b.data, b.len, 32, 8, &err), TN_OK);
	{
		int32_t got[8];
		int64_t g64[8];

		assert_int_equal(pq_delta_dec_get_i64(&d, g64, 1, &err), TN_EINVAL);
		assert_int_equal(pq_delta_dec_get_i32(&d, got, 8, &err), TN_OK);
		assert_memory_equal(got, v, sizeof(v));
	}
	tn_buf_done(&b);
}

static void test_delta_single_and_empty(void **state)
{
	struct tn_buf b;
	struct tn_err err;
	int64_t one = INT64_MIN, got[2];
	size_t used;

	(void)state;
	tn_buf_init(&b, 0);
	/* One value: the header only. */
	assert_int_equal(pq_delta_encode_i64(&one, 1, &b, &err), TN_OK);
	assert_int_equal(b.len, 2 + 1 + 1 + 10);
	tn_buf_append(&b, "junk", 4, NULL);
	assert_int_equal(pq_delta_decode_i64((const uint8_t *)b.data, b.len, got, 1, &used, &err),
			 TN_OK);
	assert_int_equal(got[0], INT64_MIN);
	assert_int_equal(used, 14);
	/* The count must be what the caller expects. */
	assert_int_equal(pq_delta_decode_i64((const uint8_t *)b.data, b.len, got, 2, &used, &err),
			 TN_ECORRUPT);
	assert_int_equal(pq_delta_decode_i64((const uint8_t *)b.data, b.len, got, 0, &used, &err),
			 TN_ECORRUPT);
	assert_true(has(&err, "more than the 0 expected"));
	tn_buf_reset(&b);
	assert_int_equal(pq_delta_encode_i64(NULL, 0, &b, &err), TN_OK);
	assert_int_equal(pq_delta_decode_i64((const uint8_t *)b.data, b.len, got, 0, &used, &err),
			 TN_OK);
	assert_int_equal(used, b.len);
	tn_buf_done(&b);
}

static void test_delta_bad_headers(void **state)
{
	struct pq_delta_dec d;
	struct tn_err err;
	int64_t got[10];
	int32_t g32[10];
	const struct {
		uint8_t b[12];
		size_t len;
		const char *msg;
	} bad[] = {
		{{0x00, 0x04, 0x05, 0x00}, 4, "block size 0"},
		{{0x64, 0x04, 0x05, 0x00}, 4, "block size 100"},
		{{0x80, 0x80, 0x10, 0x01, 0x01, 0x00}, 6, "block size 262144"},
		{{0x80, 0x01, 0x00, 0x05, 0x00}, 5, "cannot have 0 miniblocks"},
		{{0x80, 0x01, 0x03, 0x05, 0x00}, 5, "cannot have 3 miniblocks"},
		{{0x80, 0x01, 0x08, 0x05, 0x00}, 5, "cannot have 8 miniblocks"},
		{{0x80, 0x01, 0x04, 0x0b, 0x00}, 5, "holds 11 values, more than the 10 expected"},
		{{0x80, 0x01, 0x04}, 3, "header is truncated"},
		{{0x80, 0x01, 0x04, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 12,
		 "bad varint"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pq_delta_dec_init(&d, bad[i].b, bad[i].len, 64, 10, &err),
				 TN_ECORRUPT);
		assert_true(has(&err, bad[i].msg));
	}
	{
		/* A miniblock wider than 64 bits, and wider than 32 for INT32. */
		const uint8_t w65[] = {0x80, 0x01, 0x04, 0x03, 0x00, 0x00, 65, 0, 0, 0};
		const uint8_t w33[] = {0x80, 0x01, 0x04, 0x03, 0x00, 0x00, 33, 0, 0, 0};

		pq_delta_dec_init(&d, w65, sizeof(w65), 64, 10, NULL);
		assert_int_equal(pq_delta_dec_get_i64(&d, got, 3, &err), TN_ECORRUPT);
		assert_true(has(&err, "bit width 65 is over 64"));
		pq_delta_dec_init(&d, w33, sizeof(w33), 32, 10, NULL);
		assert_int_equal(pq_delta_dec_get_i32(&d, g32, 3, &err), TN_ECORRUPT);
		assert_true(has(&err, "bit width 33 is over 32"));
	}
	{
		/* Widths of miniblocks that hold no value may be anything. */
		const uint8_t junk[] = {0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0xff, 0xee, 0xdd};

		assert_int_equal(pq_delta_decode_i64(junk, sizeof(junk), got, 5, NULL, &err), TN_OK);
		assert_int_equal(got[4], 5);
	}
}

static void test_delta_truncated(void **state)
{
	int64_t v[300], got[300];
	struct tn_buf b;
	struct tn_err err;

	(void)state;
	tn_buf_init(&b, 0);
	for (int i = 0; i < 300; i++)
		v[i] = (int64_t)(rnd() % 100000);
	assert_int_equal(pq_delta_encode_i64(v, 300, &b, &err), TN_OK);
	for (size_t len = 0; len < b.len; len++) {
		uint8_t *p = exact(b.data, len);

		assert_int_equal(pq_delta_decode_i64(p, len, got, 300, NULL, &err), TN_ECORRUPT);
		free(p);
	}
	tn_buf_done(&b);
}

/* ------------------------------------------ DELTA_LENGTH / DELTA_BYTE_ARRAY */

static struct tn_bytes S(const char *s)
{
	return (struct tn_bytes){(const uint8_t *)s, (uint32_t)strlen(s)};
}

static void test_delta_length_spec_example(void **state)
{
	struct tn_bytes v[4] = {S("Hello"), S("World"), S("Foobar"), S("ABCDEF")}, got[4];
	const int32_t lens[4] = {5, 5, 6, 6};
	struct tn_buf b, ref;
	struct tn_err err;
	size_t used;

	(void)state;
	tn_buf_init(&b, 0);
	tn_buf_init(&ref, 0);
	/* DeltaEncoding(5, 5, 6, 6) then "HelloWorldFoobarABCDEF". */
	assert_int_equal(pq_delta_encode_i32(lens, 4, &ref, &err), TN_OK);
	tn_buf_puts(&ref, "HelloWorldFoobarABCDEF", NULL);
	assert_int_equal(pq_delta_length_encode(v, 4, &b, &err), TN_OK);
	assert_int_equal(b.len, ref.len);
	assert_memory_equal(b.data, ref.data, b.len);
	tn_buf_putc(&b, '!', NULL);
	assert_int_equal(pq_delta_length_decode((const uint8_t *)b.data, b.len, got, 4, &used, &err),
			 TN_OK);
	assert_int_equal(used, b.len - 1);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(got[i].len, v[i].len);
		assert_memory_equal(got[i].ptr, v[i].ptr, v[i].len);
	}
	/* Shorter inputs are corrupt; so is a count other than the caller's. */
	for (size_t len = 0; len < b.len - 1; len++) {
		uint8_t *p = exact(b.data, len);

		assert_int_equal(pq_delta_length_decode(p, len, got, 4, &used, &err), TN_ECORRUPT);
		free(p);
	}
	assert_int_equal(pq_delta_length_decode((const uint8_t *)b.data, b.len, got, 3, &used, &err),
			 TN_ECORRUPT);
	tn_buf_done(&b);
	tn_buf_done(&ref);
}

static void test_delta_length_bad_lengths(void **state)
{
	const int32_t neg[3] = {2, -1, 3};
	const int32_t big[2] = {INT32_MAX, INT32_MAX};
	struct tn_bytes got[3];
	struct tn_buf b;
	struct tn_err err;

	(void)state;
	tn_buf_init(&b, 0);
	pq_delta_encode_i32(neg, 3, &b, NULL);
	tn_buf_puts(&b, "abcdef", NULL);
	assert_int_equal(pq_delta_length_decode((const uint8_t *)b.data, b.len, got, 3, NULL, &err),
			 TN_ECORRUPT);
	assert_true(has(&err, "value 1 has length -1"));
	tn_buf_reset(&b);
	pq_delta_encode_i32(big, 2, &b, NULL);
	tn_buf_puts(&b, "abcdef", NULL);
	assert_int_equal(pq_delta_length_decode((const uint8_t *)b.data, b.len, got, 2, NULL, &err),
			 TN_ECORRUPT);
	assert_true(has(&err, "need 4294967294 bytes"));
	tn_buf_done(&b);
}

static void test_delta_bytes_spec_example(void **state)
{
	struct tn_bytes v[4] = {S("axis"), S("axle"), S("babble"), S("babyhood")}, got[4];
	const int32_t pfx[4] = {0, 2, 0, 3}, sfx[4] = {4, 2, 6, 5};
	struct tn_buf b, ref;
	struct tn_arena arena;
	struct tn_err err;
	size_t used;

	(void)state;
	tn_buf_init(&b, 0);
	tn_buf_init(&ref, 0);
	tn_arena_init(&arena, 0);
	/* DeltaEncoding(0,2,0,3), DeltaEncoding(4,2,6,5), "axislebabbleyhood". */
	pq_delta_encode_i32(pfx, 4, &ref, NULL);
	pq_delta_encode_i32(sfx, 4, &ref, NULL);
	tn_buf_puts(&ref, "axislebabbleyhood", NULL);
	assert_int_equal(pq_delta_bytes_encode(v, 4, &b, &err), TN_OK);
	assert_int_equal(b.len, ref.len);
	assert_memory_equal(b.data, ref.data, b.len);
	assert_int_equal(pq_delta_bytes_decode((const uint8_t *)b.data, b.len, got, 4, &arena, &used,
					       &err),
			 TN_OK);
	assert_int_equal(used, b.len);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(got[i].len, v[i].len);
		assert_memory_equal(got[i].ptr, v[i].ptr, v[i].len);
	}
	for (size_t len = 0; len < b.len; len++) {
		uint8_t *p = exact(b.data, len);

		assert_int_equal(pq_delta_bytes_decode(p, len, got, 4, &arena, &used, &err),
				 TN_ECORRUPT);
		free(p);
	}
	tn_arena_done(&arena);
	tn_buf_done(&b);
	tn_buf_done(&ref);
}

static void test_delta_bytes_bad_prefix(void **state)
{
	const int32_t pfx[3] = {0, 3, 4}, sfx[3] = {3, 1, 0};
	const int32_t pfx0[1] = {1}, sfx0[1] = {1};
	struct tn_bytes got[3];
	struct tn_buf b;
	struct tn_arena arena;
	struct tn_err err;

	(void)state;
	tn_buf_init(&b, 0);
	tn_arena_init(&arena, 0);
	/* "abc", "abcd", then a prefix of 4 of "abcd" is fine... */
	pq_delta_encode_i32(pfx, 3, &b, NULL);
	pq_delta_encode_i32(sfx, 3, &b, NULL);
	tn_buf_puts(&b, "abcd", NULL);
	assert_int_equal(pq_delta_bytes_decode((const uint8_t *)b.data, b.len, got, 3, &arena, NULL,
					       &err),
			 TN_OK);
	assert_int_equal(got[2].len, 4);
	assert_memory_equal(got[2].ptr, "abcd", 4);
	/* ...but the first value has no previous one to take a prefix from. */
	tn_buf_reset(&b);
	pq_delta_encode_i32(pfx0, 1, &b, NULL);
	pq_delta_encode_i32(sfx0, 1, &b, NULL);
	tn_buf_puts(&b, "x", NULL);
	assert_int_equal(pq_delta_bytes_decode((const uint8_t *)b.data, b.len, got, 1, &arena, NULL,
					       &err),
			 TN_ECORRUPT);
	assert_true(has(&err, "prefix of 1 bytes is longer than the previous value (0 bytes)"));
	tn_arena_done(&arena);
	tn_buf_done(&b);
}

static void test_delta_bytes_roundtrip(void **state)
{
	enum { N = 3000 };
	struct tn_bytes *v = tn_calloc(N, sizeof(*v)), *got = tn_calloc(N, sizeof(*got));
	char *pool = tn_malloc(N * 40);
	struct tn_buf b;
	struct tn_arena arena;
	struct tn_err err;
	size_t used;

	(void)state;
	tn_buf_init(&b, 0);
	tn_arena_init(&arena, 0);
	/* Sorted-ish keys with shared prefixes, some empty. */
	for (int i = 0; i < N; i++) {
		char *s = pool + i * 40;
		int n = rnd() % 17 == 0 ? 0 : snprintf(s, 40, "key/%05d/%llu", i / 7,
						       (unsigned long long)(rnd() % 1000));

		v[i] = (struct tn_bytes){(const uint8_t *)s, (uint32_t)n};
	}
	assert_int_equal(pq_delta_bytes_encode(v, N, &b, &err), TN_OK);
	assert_int_equal(pq_delta_bytes_decode((const uint8_t *)b.data, b.len, got, N, &arena, &used,
					       &err),
			 TN_OK);
	assert_int_equal(used, b.len);
	for (int i = 0; i < N; i++) {
		assert_int_equal(got[i].len, v[i].len);
		assert_memory_equal(got[i].ptr, v[i].ptr, v[i].len);
	}
	tn_buf_reset(&b);
	assert_int_equal(pq_delta_length_encode(v, N, &b, &err), TN_OK);
	assert_int_equal(pq_delta_length_decode((const uint8_t *)b.data, b.len, got, N, &used, &err),
			 TN_OK);
	for (int i = 0; i < N; i++)
		assert_memory_equal(got[i].ptr, v[i].ptr, v[i].len);
	/* Zero values. */
	tn_buf_reset(&b);
	assert_int_equal(pq_delta_bytes_encode(v, 0, &b, &err), TN_OK);
	assert_int_equal(pq_delta_bytes_decode((const uint8_t *)b.data, b.len, got, 0, &arena, &used,
					       &err),
			 TN_OK);
	assert_int_equal(used, b.len);
	tn_arena_done(&arena);
	tn_buf_done(&b);
	free(v);
	free(got);
	free(pool);
}

/* ------------------------------------------------------ BYTE_STREAM_SPLIT */

static void test_bss(void **state)
{
	/* Encodings.md's example: three 4-byte values. */
	const uint8_t in[12] = {0xaa, 0xbb, 0xcc, 0xdd, 0x00, 0x11, 0x22, 0x33, 0xa3, 0xb4, 0xc5, 0xd6};
	const uint8_t want[12] = {0xaa, 0x00, 0xa3, 0xbb, 0x11, 0xb4, 0xcc, 0x22, 0xc5, 0xdd, 0x33, 0xd6};
	uint8_t got[12];
	struct tn_buf b;
	struct tn_err err;
	static const size_t widths[] = {1, 2, 3, 4, 8, 12, 16};

	(void)state;
	tn_buf_init(&b, 0);
	assert_int_equal(pq_bss_encode(in, 4, 3, &b, &err), TN_OK);
	assert_memory_equal(b.data, want, 12);
	assert_int_equal(pq_bss_decode(want, 12, 4, got, 3, &err), TN_OK);
	assert_memory_equal(got, in, 12);
	/* The middle value alone. */
	assert_int_equal(pq_bss_decode_range(want, 12, 4, 1, got, 1, &err), TN_OK);
	assert_memory_equal(got, in + 4, 4);
	assert_int_equal(pq_bss_decode_range(want, 12, 4, 2, got, 2, &err), TN_ECORRUPT);
	assert_int_equal(pq_bss_decode(want, 11, 4, got, 3, &err), TN_ECORRUPT);
	assert_int_equal(pq_bss_decode(want, 12, 4, got, 2, &err), TN_ECORRUPT);
	assert_int_equal(pq_bss_decode(want, 12, 0, got, 2, &err), TN_ECORRUPT);
	for (size_t wi = 0; wi < sizeof(widths) / sizeof(widths[0]); wi++) {
		size_t w = widths[wi], n = 1 + rnd() % 500;
		uint8_t *v = tn_malloc(n * w), *back = tn_malloc(n * w), *p;

		for (size_t i = 0; i < n * w; i++)
			v[i] = (uint8_t)rnd();
		tn_buf_reset(&b);
		assert_int_equal(pq_bss_encode(v, w, n, &b, &err), TN_OK);
		p = exact(b.data, b.len);
		assert_int_equal(pq_bss_decode(p, b.len, w, back, n, &err), TN_OK);
		assert_memory_equal(back, v, n * w);
		free(p);
		free(v);
		free(back);
	}
	tn_buf_done(&b);
}

/* ---------------------------------------------------------------- FLOAT16 */

/* x * 2^k by steps, exact in the range used here (no libm needed). */
static float scale2(float x, int k)
{
	for (; k > 0; k--)
		x *= 2.0f;
	for (; k < 0; k++)
		x *= 0.5f;
	return x;
}

static void test_half(void **state)
{
	const uint8_t two[4] = {0x00, 0x3c, 0x00, 0xc0}; /* 1.0, -2.0 little-endian */
	float f[2];

	(void)state;
	assert_true(pq_half_to_float(0x3c00) == 1.0f);
	assert_true(pq_half_to_float(0xc000) == -2.0f);
	assert_true(pq_half_to_float(0x7bff) == 65504.0f);
	assert_true(pq_half_to_float(0x0001) == 0x1p-24f);  /* smallest subnormal */
	assert_true(pq_half_to_float(0x03ff) == 0x3ffp-24f); /* largest subnormal */
	assert_true(pq_half_to_float(0x0400) == 0x1p-14f);  /* smallest normal */
	assert_true(pq_half_to_float(0x3555) == 0x1.554p-2f);
	assert_true(pq_half_to_float(0x7c00) == INFINITY);
	assert_true(pq_half_to_float(0xfc00) == -INFINITY);
	assert_true(isnan(pq_half_to_float(0x7e00)));
	assert_true(isnan(pq_half_to_float(0xfc01)));
	assert_true(pq_half_to_float(0x8000) == 0.0f && signbit(pq_half_to_float(0x8000)));
	assert_true(pq_half_to_float(0x0000) == 0.0f && !signbit(pq_half_to_float(0x0000)));
	/* Every finite half against arithmetic from its fields. */
	for (uint32_t h = 0; h < 0x10000; h++) {
		int e = (h >> 10) & 0x1f, m = h & 0x3ff;
		float want;

		if (e == 0x1f)
			continue;
		want = e == 0 ? scale2((float)m, -24) : scale2((float)(m | 0x400), e - 25);
		if (h & 0x8000)
			want = -want;
		assert_true(pq_half_to_float((uint16_t)h) == want);
		assert_true(signbit(pq_half_to_float((uint16_t)h)) == signbit(want));
	}
	pq_half_decode(two, f, 2);
	assert_true(f[0] == 1.0f && f[1] == -2.0f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bitpack_spec_example),
		cmocka_unit_test(test_bitpack_all_widths),
		cmocka_unit_test(test_rle_roundtrip),
		cmocka_unit_test(test_rle_encoder_uses_runs),
		cmocka_unit_test(test_rle_hand_built),
		cmocka_unit_test(test_rle_truncated),
		cmocka_unit_test(test_rle_bad_runs),
		cmocka_unit_test(test_rle_dict_indices),
		cmocka_unit_test(test_rle_levels_and_bools),
		cmocka_unit_test(test_rle_skip),
		cmocka_unit_test(test_rle_encoder_rejects),
		cmocka_unit_test(test_plain_fixed),
		cmocka_unit_test(test_plain_bool),
		cmocka_unit_test(test_plain_byte_array),
		cmocka_unit_test(test_delta_spec_examples),
		cmocka_unit_test(test_delta_roundtrip),
		cmocka_unit_test(test_delta_int32_wraps),
		cmocka_unit_test(test_delta_single_and_empty),
		cmocka_unit_test(test_delta_bad_headers),
		cmocka_unit_test(test_delta_truncated),
		cmocka_unit_test(test_delta_length_spec_example),
		cmocka_unit_test(test_delta_length_bad_lengths),
		cmocka_unit_test(test_delta_bytes_spec_example),
		cmocka_unit_test(test_delta_bytes_bad_prefix),
		cmocka_unit_test(test_delta_bytes_roundtrip),
		cmocka_unit_test(test_bss),
		cmocka_unit_test(test_half),
	};

	return cmocka_run_group_tests_name("pq_encoding", tests, NULL, NULL);
}
