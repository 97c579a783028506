/* codec.c - Parquet page compression: SNAPPY, GZIP, ZSTD and LZ4_RAW through
 * their libraries, and the page CRC-32. */
#include "parquet/codec.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "base/alloc.h"

static const char *const codec_names[] = {
	[PQ_CODEC_ID_UNCOMPRESSED] = "UNCOMPRESSED",
	[PQ_CODEC_ID_SNAPPY] = "SNAPPY",
	[PQ_CODEC_ID_GZIP] = "GZIP",
	[PQ_CODEC_ID_LZO] = "LZO",
	[PQ_CODEC_ID_BROTLI] = "BROTLI",
	[PQ_CODEC_ID_LZ4] = "LZ4",
	[PQ_CODEC_ID_ZSTD] = "ZSTD",
	[PQ_CODEC_ID_LZ4_RAW] = "LZ4_RAW",
};

#define ZSTD_DEFAULT_LEVEL 3

const char *pq_codec_name(int codec)
{
	if (codec < 0 || codec >= (int)(sizeof(codec_names) / sizeof(codec_names[0])))
		return "UNKNOWN";
	return codec_names[codec];
}

int pq_codec_supported(int codec)
{
	switch (codec) {
	case PQ_CODEC_ID_UNCOMPRESSED:
	case PQ_CODEC_ID_SNAPPY:
	case PQ_CODEC_ID_GZIP:
	case PQ_CODEC_ID_ZSTD:
	case PQ_CODEC_ID_LZ4_RAW:
		return 1;
	default:
		return 0;
	}
}

static int refuse(int codec, struct tn_err *err)
{
	switch (codec) {
	case PQ_CODEC_ID_LZ4:
		return tn_err_set(err, TN_EUNSUPPORTED,
				  "compression codec LZ4 (deprecated Hadoop framing) is not supported; LZ4_RAW is");
	case PQ_CODEC_ID_LZO:
	case PQ_CODEC_ID_BROTLI:
		return tn_err_set(err, TN_EUNSUPPORTED, "compression codec %s is not supported",
				  pq_codec_name(codec));
	default:
		return tn_err_set(err, TN_EUNSUPPORTED, "compression codec %d is unknown", codec);
	}
}

/* ---------------------------------------------------------------- contexts */

void pq_codec_ctx_init(struct pq_codec_ctx *ctx)
{
	ctx->zstd_c = NULL;
	ctx->zstd_d = NULL;
	ctx->inflate = NULL;
}

void pq_codec_ctx_done(struct pq_codec_ctx *ctx)
{
	ZSTD_freeCCtx(ctx->zstd_c);
	ZSTD_freeDCtx(ctx->zstd_d);
	if (ctx->inflate != NULL) {
		inflateEnd(ctx->inflate);
		free(ctx->inflate);
	}
	pq_codec_ctx_init(ctx);
}

/* The context pq_compress and pq_decompress use: one per thread, freed by
 * the key's destructor when the thread exits (the thread-local pointer
 * keeps the main thread's reachable until the process ends). */
static pthread_key_t ctx_key;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static _Thread_local struct pq_codec_ctx *thread_ctx;

static void ctx_destroy(void *p)
{
	pq_codec_ctx_done(p);
	free(p);
}

static void ctx_key_make(void)
{
	if (pthread_key_create(&ctx_key, ctx_destroy) != 0)
		tn_fatal("pthread_key_create failed");
}

static struct pq_codec_ctx *this_thread_ctx(void)
{
	if (thread_ctx == NULL) {
		pthread_once(&ctx_once, ctx_key_make);
		thread_ctx = tn_malloc(sizeof(*thread_ctx));
		pq_codec_ctx_init(thread_ctx);
		pthread_setspecific(ctx_key, thread_ctx);
	}
	return thread_ctx;
}

/* ------------------------------------------------------------- decompress */

static int wrong_size(int codec, size_t got, size_t want, struct tn_err *err)
{
	return tn_err_set(err, TN_ECORRUPT,
			  "%s data decompresses to %zu bytes, the page header says %zu",
			  pq_codec_name(codec), got, want);
}

static int snappy_decompress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
			     struct tn_err *err)
{
	size_t ulen;

	/* snappy_uncompress checks the data as it goes and never writes past
	 * the length in the header, which must be out_len. */
	if (snappy_uncompressed_length((const char *)in, in_len, &ulen) != SNAPPY_OK)
		return tn_err_set(err, TN_ECORRUPT, "SNAPPY data has a malformed length header");
	if (ulen != out_len)
		return wrong_size(PQ_CODEC_ID_SNAPPY, ulen, out_len, err);
	if (snappy_uncompress((const char *)in, in_len, (char *)out, &ulen) != SNAPPY_OK)
		return tn_err_set(err, TN_ECORRUPT, "SNAPPY data is corrupt");
	if (ulen != out_len)
		return wrong_size(PQ_CODEC_ID_SNAPPY, ulen, out_len, err);
	return TN_OK;
}

static int gzip_decompress(struct pq_codec_ctx *ctx, const uint8_t *in, size_t in_len,
			   uint8_t *out, size_t out_len, struct tn_err *err)
{
	z_stream *zs = ctx->inflate;
	int r;

	if (in_len > UINT_MAX || out_len > UINT_MAX)
		return tn_err_set(err, TN_ETOOBIG, "GZIP page of %zu bytes (%zu uncompressed) is over 4 GiB",
				  in_len, out_len);
	if (zs == NULL) {
		zs = tn_calloc(1, sizeof(*zs));
		/* 15 + 32: a 32 KiB window, gzip or zlib header detected. */
		if (inflateInit2(zs, 15 + 32) != Z_OK) {
			free(zs);
			return tn_err_set(err, TN_EINTERNAL, "inflateInit2 failed");
		}
		ctx->inflate = zs;
	} else if (inflateReset(zs) != Z_OK) {
		return tn_err_set(err, TN_EINTERNAL, "inflateReset failed");
	}
	zs->next_in = (Bytef *)in;
	zs->avail_in = (uInt)in_len;
	zs->next_out = out;
	zs->avail_out = (uInt)out_len;
	for (;;) {
		r = inflate(zs, Z_NO_FLUSH);
		if (r == Z_STREAM_END) {
			/* Another member may follow (Compression.md: readers
			 * should accept several). */
			if (zs->avail_in == 0)
				break;
			if (inflateReset(zs) != Z_OK)
				return tn_err_set(err, TN_EINTERNAL, "inflateReset failed");
			continue;
		}
		if (r == Z_OK)
			continue;
		if (r == Z_BUF_ERROR) {
			/* No progress: input left means the output is full. */
			if (zs->avail_in != 0)
				return tn_err_set(err, TN_ECORRUPT,
						  "GZIP data decompresses to more than the %zu bytes the page header says",
						  out_len);
			return tn_err_set(err, TN_ECORRUPT,
					  "GZIP data is truncated (%zu of %zu bytes decompressed)",
					  out_len - zs->avail_out, out_len);
		}
		return tn_err_set(err, TN_ECORRUPT, "GZIP data is corrupt: %s",
				  zs->msg != NULL ? zs->msg : zError(r));
	}
	if (zs->avail_out != 0)
		return wrong_size(PQ_CODEC_ID_GZIP, out_len - zs->avail_out, out_len, err);
	return TN_OK;
}

static int zstd_decompress(struct pq_codec_ctx *ctx, const uint8_t *in, size_t in_len,
			   uint8_t *out, size_t out_len, struct tn_err *err)
{
	size_t r;

	if (ctx->zstd_d == NULL && (ctx->zstd_d = ZSTD_createDCtx()) == NULL)
		tn_fatal("out of memory (ZSTD_createDCtx)");
	/* Decodes every frame in in, never writing past out_len. */
	r = ZSTD_decompressDCtx(ctx->zstd_d, out, out_len, in, in_len);
	if (ZSTD_isError(r)) {
		if (ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall)
			return tn_err_set(err, TN_ECORRUPT,
					  "ZSTD data decompresses to more than the %zu bytes the page header says",
					  out_len);
		return tn_err_set(err, TN_ECORRUPT, "ZSTD data is corrupt: %s", ZSTD_getErrorName(r));
	}
	if (r != out_len)
		return wrong_size(PQ_CODEC_ID_ZSTD, r, out_len, err);
	return TN_OK;
}

static int lz4_decompress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
			  struct tn_err *err)
{
	int r;

	if (in_len > LZ4_MAX_INPUT_SIZE || out_len > INT_MAX)
		return tn_err_set(err, TN_ETOOBIG, "LZ4_RAW page of %zu bytes (%zu uncompressed) is too big",
				  in_len, out_len);
	r = LZ4_decompress_safe((const char *)in, (char *)out, (int)in_len, (int)out_len);
	if (r < 0)
		return tn_err_set(err, TN_ECORRUPT,
				  "LZ4_RAW data is corrupt or decompresses to more than the %zu bytes the page header says",
				  out_len);
	if ((size_t)r != out_len)
		return wrong_size(PQ_CODEC_ID_LZ4_RAW, (size_t)r, out_len, err);
	return TN_OK;
}

int pq_decompress_ctx(struct pq_codec_ctx *ctx, int codec, const uint8_t *in, size_t in_len,
		      uint8_t *out, size_t out_len, struct tn_err *err)
{
	uint8_t dummy;

	if (!pq_codec_supported(codec))
		return refuse(codec, err);
	if (codec == PQ_CODEC_ID_UNCOMPRESSED) {
		if (in_len != out_len)
			return tn_err_set(err, TN_ECORRUPT,
					  "uncompressed page has %zu bytes, the page header says %zu", in_len,
					  out_len);
		if (in_len)
			memcpy(out, in, in_len);
		return TN_OK;
	}
	/* An empty page may be stored as no bytes at all. */
	if (in_len == 0 && out_len == 0)
		return TN_OK;
	if (out == NULL)
		out = &dummy; /* the libraries want a pointer even for 0 bytes */
	if (ctx == NULL)
		ctx = this_thread_ctx();
	switch (codec) {
	case PQ_CODEC_ID_SNAPPY:
		return snappy_decompress(in, in_len, out, out_len, err);
	case PQ_CODEC_ID_GZIP:
		return gzip_decompress(ctx, in, in_len, out, out_len, err);
	case PQ_CODEC_ID_ZSTD:
		return zstd_decompress(ctx, in, in_len, out, out_len, err);
	default:
		return lz4_decompress(in, in_len, out, out_len, err);
	}
}

int pq_decompress(int codec, const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
		  struct tn_err *err)
{
	return pq_decompress_ctx(NULL, codec, in, in_len, out, out_len, err);
}

/* --------------------------------------------------------------- compress */

static int gzip_compress(int level, const uint8_t *in, size_t in_len, struct tn_buf *out,
			 struct tn_err *err)
{
	z_stream zs;
	uLong bound;
	int rc, r;

	if (level == PQ_LEVEL_DEFAULT)
		level = Z_DEFAULT_COMPRESSION;
	else if (level < 1 || level > 9)
		return tn_err_set(err, TN_EINVAL, "GZIP level %d is not 1..9", level);
	if (in_len > UINT_MAX / 2)
		return tn_err_set(err, TN_ETOOBIG, "GZIP page of %zu bytes is over 2 GiB", in_len);
	memset(&zs, 0, sizeof(zs));
	/* 15 + 16: a gzip header and trailer, not zlib's. */
	if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return tn_err_set(err, TN_EINTERNAL, "deflateInit2 failed");
	bound = deflateBound(&zs, (uLong)in_len);
	if ((rc = tn_buf_reserve(out, bound, err)) != TN_OK) {
		deflateEnd(&zs);
		return rc;
	}
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)in_len;
	zs.next_out = (Bytef *)out->data + out->len;
	zs.avail_out = (uInt)bound;
	r = deflate(&zs, Z_FINISH);
	if (r != Z_STREAM_END) {
		deflateEnd(&zs);
		return tn_err_set(err, TN_EINTERNAL, "deflate failed: %s", zError(r));
	}
	out->len += zs.total_out;
	out->data[out->len] = '\0';
	deflateEnd(&zs);
	return TN_OK;
}

int pq_compress_ctx(struct pq_codec_ctx *ctx, int codec, int level, const uint8_t *in,
		    size_t in_len, struct tn_buf *out, struct tn_err *err)
{
	size_t bound, n;
	int rc;

	if (!pq_codec_supported(codec))
		return refuse(codec, err);
	switch (codec) {
	case PQ_CODEC_ID_UNCOMPRESSED:
		return tn_buf_append(out, in, in_len, err);
	case PQ_CODEC_ID_SNAPPY:
		bound = snappy_max_compressed_length(in_len);
		if ((rc = tn_buf_reserve(out, bound, err)) != TN_OK)
			return rc;
		n = bound;
		if (snappy_compress((const char *)in, in_len, out->data + out->len, &n) != SNAPPY_OK)
			return tn_err_set(err, TN_EINTERNAL, "snappy_compress failed");
		break;
	case PQ_CODEC_ID_GZIP:
		return gzip_compress(level, in, in_len, out, err);
	case PQ_CODEC_ID_ZSTD:
		if (level == PQ_LEVEL_DEFAULT)
			level = ZSTD_DEFAULT_LEVEL;
		else if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
			return tn_err_set(err, TN_EINVAL, "ZSTD level %d is not %d..%d", level,
					  ZSTD_minCLevel(), ZSTD_maxCLevel());
		if (ctx == NULL)
			ctx = this_thread_ctx();
		if (ctx->zstd_c == NULL && (ctx->zstd_c = ZSTD_createCCtx()) == NULL)
			tn_fatal("out of memory (ZSTD_createCCtx)");
		bound = ZSTD_compressBound(in_len);
		if ((rc = tn_buf_reserve(out, bound, err)) != TN_OK)
			return rc;
		n = ZSTD_compressCCtx(ctx->zstd_c, out->data + out->len, bound, in, in_len, level);
		if (ZSTD_isError(n))
			return tn_err_set(err, TN_EINTERNAL, "ZSTD compression failed: %s",
					  ZSTD_getErrorName(n));
		break;
	default: /* LZ4_RAW */
		if (in_len > LZ4_MAX_INPUT_SIZE)
			return tn_err_set(err, TN_ETOOBIG, "LZ4_RAW page of %zu bytes is too big",
					  in_len);
		bound = (size_t)LZ4_compressBound((int)in_len);
		if ((rc = tn_buf_reserve(out, bound, err)) != TN_OK)
			return rc;
		rc = LZ4_compress_default((const char *)in, out->data + out->len, (int)in_len,
					  (int)bound);
		if (rc <= 0 && in_len > 0)
			return tn_err_set(err, TN_EINTERNAL, "LZ4_compress_default failed");
		n = rc > 0 ? (size_t)rc : 0;
		break;
	}
	out->len += n;
	out->data[out->len] = '\0';
	return TN_OK;
}

int pq_compress(int codec, int level, const uint8_t *in, size_t in_len, struct tn_buf *out,
		struct tn_err *err)
{
	return pq_compress_ctx(NULL, codec, level, in, in_len, out, err);
}

/* ------------------------------------------------------------------- CRC */

uint32_t pq_crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	return (uint32_t)crc32_z(crc, p, n);
}

uint32_t pq_crc32(const uint8_t *p, size_t n)
{
	return pq_crc32_update(0, p, n);
}
