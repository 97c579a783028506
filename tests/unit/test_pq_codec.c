/* test_pq_codec.c - Parquet page compression codecs and the page CRC. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "parquet/codec.h"

static const int supported[] = {PQ_CODEC_ID_UNCOMPRESSED, PQ_CODEC_ID_SNAPPY, PQ_CODEC_ID_GZIP,
				PQ_CODEC_ID_ZSTD, PQ_CODEC_ID_LZ4_RAW};
#define NSUPPORTED (sizeof(supported) / sizeof(supported[0]))

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* Page-like data: random, or text that compresses. */
static uint8_t *sample(size_t n, bool compressible)
{
	uint8_t *p = tn_malloc(n ? n : 1);

	for (size_t i = 0; i < n; i++)
		p[i] = compressible ? (uint8_t)("lakehouse "[(i / 3) % 10] + (i % 97 == 0))
				    : (uint8_t)rnd();
	return p;
}

static uint8_t *exact(const void *p, size_t n)
{
	uint8_t *q = tn_malloc(n ? n : 1);

	if (n)
		memcpy(q, p, n);
	return q;
}

static void roundtrip(struct pq_codec_ctx *ctx, int codec, int level, const uint8_t *in,
		      size_t n)
{
	struct tn_buf b;
	struct tn_err err;
	uint8_t *out = tn_malloc(n ? n : 1), *c;

	tn_buf_init(&b, 0);
	tn_buf_puts(&b, "hdr", NULL); /* compress appends */
	if (pq_compress_ctx(ctx, codec, level, in, n, &b, &err) != TN_OK)
		fail_msg("%s: %s", pq_codec_name(codec), err.msg);
	assert_memory_equal(b.data, "hdr", 3);
	c = exact(b.data + 3, b.len - 3);
	if (pq_decompress_ctx(ctx, codec, c, b.len - 3, out, n, &err) != TN_OK)
		fail_msg("%s of %zu bytes: %s", pq_codec_name(codec), n, err.msg);
	assert_memory_equal(out, in, n);
	free(c);
	free(out);
	tn_buf_done(&b);
}

static void test_codec_roundtrip(void **state)
{
	static const size_t sizes[] = {0, 1, 100, 4096, 200000};
	struct pq_codec_ctx ctx;

	(void)state;
	pq_codec_ctx_init(&ctx);
	for (size_t ci = 0; ci < NSUPPORTED; ci++)
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
			for (int comp = 0; comp < 2; comp++) {
				uint8_t *in = sample(sizes[si], comp);

				roundtrip(&ctx, supported[ci], PQ_LEVEL_DEFAULT, in, sizes[si]);
				roundtrip(NULL, supported[ci], PQ_LEVEL_DEFAULT, in, sizes[si]);
				free(in);
			}
	pq_codec_ctx_done(&ctx);
	pq_codec_ctx_done(&ctx); /* twice is harmless */
}

static void test_codec_levels(void **state)
{
	uint8_t *in = sample(50000, true);
	struct tn_buf b;
	struct tn_err err;
	size_t fast, best;

	(void)state;
	roundtrip(NULL, PQ_CODEC_ID_GZIP, 1, in, 50000);
	roundtrip(NULL, PQ_CODEC_ID_GZIP, 9, in, 50000);
	roundtrip(NULL, PQ_CODEC_ID_ZSTD, 1, in, 50000);
	roundtrip(NULL, PQ_CODEC_ID_ZSTD, 19, in, 50000);
	roundtrip(NULL, PQ_CODEC_ID_ZSTD, -5, in, 50000);
	tn_buf_init(&b, 0);
	assert_int_equal(pq_compress(PQ_CODEC_ID_GZIP, 10, in, 100, &b, &err), TN_EINVAL);
	assert_int_equal(pq_compress(PQ_CODEC_ID_GZIP, -1, in, 100, &b, &err), TN_EINVAL);
	assert_int_equal(pq_compress(PQ_CODEC_ID_ZSTD, 1000, in, 100, &b, &err), TN_EINVAL);
	assert_int_equal(b.len, 0);
	/* Higher levels do compress harder. */
	pq_compress(PQ_CODEC_ID_ZSTD, 1, in, 50000, &b, NULL);
	fast = b.len;
	tn_buf_reset(&b);
	pq_compress(PQ_CODEC_ID_ZSTD, 19, in, 50000, &b, NULL);
	best = b.len;
	assert_true(best <= fast);
	/* A capped buffer: TN_ETOOBIG. */
	tn_buf_done(&b);
	tn_buf_init(&b, 10);
	for (size_t ci = 0; ci < NSUPPORTED; ci++)
		assert_int_equal(pq_compress(supported[ci], PQ_LEVEL_DEFAULT, in, 50000, &b, &err),
				 TN_ETOOBIG);
	tn_buf_done(&b);
	free(in);
}

/* One gzip member of p made with zlib itself. */
static void gzip_member(const uint8_t *p, size_t n, struct tn_buf *out)
{
	z_stream zs;
	uLong bound;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	bound = deflateBound(&zs, n);
	tn_buf_reserve(out, bound, NULL);
	zs.next_in = (Bytef *)p;
	zs.avail_in = (uInt)n;
	zs.next_out = (Bytef *)out->data + out->len;
	zs.avail_out = (uInt)bound;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	out->len += zs.total_out;
	deflateEnd(&zs);
}

static void test_gzip_concatenated_members(void **state)
{
	uint8_t *a = sample(3000, true), *b2 = sample(5000, false), *want, *got;
	struct tn_buf b;
	struct tn_err err;

	(void)state;
	want = tn_malloc(8000);
	got = tn_malloc(8000);
	memcpy(want, a, 3000);
	memcpy(want + 3000, b2, 5000);
	tn_buf_init(&b, 0);
	gzip_member(a, 3000, &b);
	gzip_member(b2, 5000, &b);
	gzip_member(NULL, 0, &b); /* an empty third member */
	assert_int_equal(pq_decompress(PQ_CODEC_ID_GZIP, (const uint8_t *)b.data, b.len, got, 8000,
				       &err),
			 TN_OK);
	assert_memory_equal(got, want, 8000);
	/* The members together are more than the first alone. */
	assert_int_equal(pq_decompress(PQ_CODEC_ID_GZIP, (const uint8_t *)b.data, b.len, got, 3000,
				       &err),
			 TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "more than the 3000 bytes"));
	/* Garbage after a member is not another member. */
	tn_buf_append(&b, "\0\0\0", 3, NULL);
	assert_int_equal(pq_decompress(PQ_CODEC_ID_GZIP, (const uint8_t *)b.data, b.len, got, 8000,
				       &err),
			 TN_ECORRUPT);
	tn_buf_done(&b);
	free(a);
	free(b2);
	free(want);
	free(got);
}

static void test_zstd_multiple_frames(void **state)
{
	uint8_t *a = sample(10000, true), *got = tn_malloc(20000);
	size_t bound = ZSTD_compressBound(10000), n1, n2;
	uint8_t *c = tn_malloc(2 * bound);
	struct tn_err err;

	(void)state;
	n1 = ZSTD_compress(c, bound, a, 10000, 1);
	n2 = ZSTD_compress(c + n1, bound, a, 10000, 5);
	assert_false(ZSTD_isError(n1) || ZSTD_isError(n2));
	assert_int_equal(pq_decompress(PQ_CODEC_ID_ZSTD, c, n1 + n2, got, 20000, &err), TN_OK);
	assert_memory_equal(got, a, 10000);
	assert_memory_equal(got + 10000, a, 10000);
	free(a);
	free(c);
	free(got);
}

/* The size in the page header must be exactly the decompressed size. */
static void test_codec_wrong_size(void **state)
{
	uint8_t *in = sample(1000, true), *out = tn_malloc(2000);
	struct tn_buf b;
	struct tn_err err;

	(void)state;
	tn_buf_init(&b, 0);
	for (size_t ci = 0; ci < NSUPPORTED; ci++) {
		const uint8_t *c;

		tn_buf_reset(&b);
		assert_int_equal(pq_compress(supported[ci], PQ_LEVEL_DEFAULT, in, 1000, &b, &err),
				 TN_OK);
		c = (const uint8_t *)b.data;
		assert_int_equal(pq_decompress(supported[ci], c, b.len, out, 999, &err),
				 TN_ECORRUPT);
		if (supported[ci] != PQ_CODEC_ID_UNCOMPRESSED)
			assert_non_null(strstr(err.msg, pq_codec_name(supported[ci])));
		assert_int_equal(pq_decompress(supported[ci], c, b.len, out, 1001, &err),
				 TN_ECORRUPT);
		assert_int_equal(pq_decompress(supported[ci], c, b.len, out, 1000, &err), TN_OK);
	}
	tn_buf_done(&b);
	free(in);
	free(out);
}

/* Truncated data is an error at every length; flipped bytes are an error or
 * some output of the right size, never a crash. */
static void test_codec_corrupt(void **state)
{
	uint8_t *in = sample(3000, true), *out = tn_malloc(3000);
	struct tn_buf b;
	struct tn_err err;

	(void)state;
	tn_buf_init(&b, 0);
	for (size_t ci = 1; ci < NSUPPORTED; ci++) {
		int codec = supported[ci];

		tn_buf_reset(&b);
		assert_int_equal(pq_compress(codec, PQ_LEVEL_DEFAULT, in, 3000, &b, &err), TN_OK);
		for (size_t len = 0; len < b.len; len++) {
			uint8_t *c = exact(b.data, len);
			int rc = pq_decompress(codec, c, len, out, 3000, &err);

			if (rc != TN_ECORRUPT)
				fail_msg("%s cut to %zu of %zu bytes: %d %s", pq_codec_name(codec), len,
					 b.len, rc, err.msg);
			free(c);
		}
		for (int trial = 0; trial < 2000; trial++) {
			uint8_t *c = exact(b.data, b.len);
			int rc;

			c[rnd() % b.len] ^= (uint8_t)(1 + rnd() % 255);
			if (trial % 2)
				c[rnd() % b.len] = (uint8_t)rnd();
			rc = pq_decompress(codec, c, b.len, out, 3000, &err);
			assert_true(rc == TN_OK || rc == TN_ECORRUPT);
			free(c);
		}
	}
	/* Not compressed data at all. */
	assert_int_equal(pq_decompress(PQ_CODEC_ID_SNAPPY, (const uint8_t *)"\xff\xff\xff\xff\xff\xff",
				       6, out, 10, &err),
			 TN_ECORRUPT);
	assert_int_equal(pq_decompress(PQ_CODEC_ID_GZIP, (const uint8_t *)"hello", 5, out, 10, &err),
			 TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "GZIP"));
	assert_int_equal(pq_decompress(PQ_CODEC_ID_ZSTD, (const uint8_t *)"hello", 5, out, 10, &err),
			 TN_ECORRUPT);
	assert_int_equal(pq_decompress(PQ_CODEC_ID_LZ4_RAW, (const uint8_t *)"\xf0", 1, out, 10, &err),
			 TN_ECORRUPT);
	/* An empty page may have no bytes. */
	for (size_t ci = 0; ci < NSUPPORTED; ci++)
		assert_int_equal(pq_decompress(supported[ci], NULL, 0, NULL, 0, &err), TN_OK);
	tn_buf_done(&b);
	free(in);
	free(out);
}

static void test_codec_unsupported(void **state)
{
	const struct {
		int codec;
		const char *msg;
	} cases[] = {
		{PQ_CODEC_ID_LZO, "LZO"},
		{PQ_CODEC_ID_BROTLI, "BROTLI"},
		{PQ_CODEC_ID_LZ4, "LZ4 (deprecated Hadoop framing) is not supported; LZ4_RAW is"},
		{8, "codec 8 is unknown"},
		{-1, "codec -1 is unknown"},
	};
	uint8_t out[4];
	struct tn_buf b;
	struct tn_err err;

	(void)state;
	tn_buf_init(&b, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_false(pq_codec_supported(cases[i].codec));
		assert_int_equal(pq_decompress(cases[i].codec, (const uint8_t *)"abcd", 4, out, 4,
					       &err),
				 TN_EUNSUPPORTED);
		assert_non_null(strstr(err.msg, cases[i].msg));
		assert_int_equal(pq_compress(cases[i].codec, 0, (const uint8_t *)"abcd", 4, &b, &err),
				 TN_EUNSUPPORTED);
		assert_non_null(strstr(err.msg, cases[i].msg));
	}
	assert_int_equal(b.len, 0);
	assert_string_equal(pq_codec_name(PQ_CODEC_ID_LZ4_RAW), "LZ4_RAW");
	assert_string_equal(pq_codec_name(PQ_CODEC_ID_UNCOMPRESSED), "UNCOMPRESSED");
	assert_string_equal(pq_codec_name(PQ_CODEC_ID_SNAPPY), "SNAPPY");
	assert_string_equal(pq_codec_name(99), "UNKNOWN");
	assert_string_equal(pq_codec_name(-3), "UNKNOWN");
	tn_buf_done(&b);
}

static void test_uncompressed(void **state)
{
	uint8_t out[8];
	struct tn_err err;

	(void)state;
	assert_int_equal(pq_decompress(PQ_CODEC_ID_UNCOMPRESSED, (const uint8_t *)"abcdefgh", 8, out,
				       8, &err),
			 TN_OK);
	assert_memory_equal(out, "abcdefgh", 8);
	assert_int_equal(pq_decompress(PQ_CODEC_ID_UNCOMPRESSED, (const uint8_t *)"abcdefgh", 8, out,
				       7, &err),
			 TN_ECORRUPT);
	assert_non_null(strstr(err.msg, "uncompressed page has 8 bytes, the page header says 7"));
}

static void test_crc32(void **state)
{
	const uint8_t *s = (const uint8_t *)"123456789";

	(void)state;
	/* The standard CRC-32 check value. */
	assert_int_equal(pq_crc32(s, 9), 0xcbf43926u);
	assert_int_equal(pq_crc32_update(pq_crc32(s, 4), s + 4, 5), 0xcbf43926u);
	assert_int_equal(pq_crc32(s, 0), 0);
}

static void *thread_main(void *arg)
{
	const uint8_t *in = arg;
	struct tn_buf b;
	uint8_t out[5000];
	int ok;

	tn_buf_init(&b, 0);
	ok = pq_compress(PQ_CODEC_ID_ZSTD, 0, in, 5000, &b, NULL) == TN_OK &&
	     pq_decompress(PQ_CODEC_ID_ZSTD, (const uint8_t *)b.data, b.len, out, 5000, NULL) ==
		     TN_OK &&
	     memcmp(out, in, 5000) == 0;
	tn_buf_reset(&b);
	ok = ok && pq_compress(PQ_CODEC_ID_GZIP, 0, in, 5000, &b, NULL) == TN_OK &&
	     pq_decompress(PQ_CODEC_ID_GZIP, (const uint8_t *)b.data, b.len, out, 5000, NULL) ==
		     TN_OK &&
	     memcmp(out, in, 5000) == 0;
	tn_buf_done(&b);
	return ok ? arg : NULL;
}

/* The per-thread contexts work in threads and go away with them (the
 * sanitizer build reports a leak otherwise). */
static void test_codec_threads(void **state)
{
	uint8_t *in = sample(5000, true);
	pthread_t t[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_main, in), 0);
	for (int i = 0; i < 4; i++) {
		void *r;

		assert_int_equal(pthread_join(t[i], &r), 0);
		assert_ptr_equal(r, in);
	}
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_roundtrip),
		cmocka_unit_test(test_codec_levels),
		cmocka_unit_test(test_gzip_concatenated_members),
		cmocka_unit_test(test_zstd_multiple_frames),
		cmocka_unit_test(test_codec_wrong_size),
		cmocka_unit_test(test_codec_corrupt),
		cmocka_unit_test(test_codec_unsupported),
		cmocka_unit_test(test_uncompressed),
		cmocka_unit_test(test_crc32),
		cmocka_unit_test(test_codec_threads),
	};

	return cmocka_run_group_tests_name("pq_codec", tests, NULL, NULL);
}
