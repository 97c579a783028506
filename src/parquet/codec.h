/* codec.h - Parquet page compression codecs (specs/parquet-Compression.md)
 * and the page CRC-32. */
#ifndef PQ_CODEC_H
#define PQ_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

/* Codec ids: the values of the Thrift enum CompressionCodec. Functions here
 * take them as a plain int, so meta.h's enum pq_codec (PQ_CODEC_*, the same
 * values) can be passed as it is; these names differ only so that both
 * headers can be included together. */
enum pq_codec_id {
	PQ_CODEC_ID_UNCOMPRESSED = 0,
	PQ_CODEC_ID_SNAPPY = 1,
	PQ_CODEC_ID_GZIP = 2,
	PQ_CODEC_ID_LZO = 3,     /* refused: TN_EUNSUPPORTED */
	PQ_CODEC_ID_BROTLI = 4,  /* refused: TN_EUNSUPPORTED */
	PQ_CODEC_ID_LZ4 = 5,     /* deprecated Hadoop-framed LZ4: refused */
	PQ_CODEC_ID_ZSTD = 6,
	PQ_CODEC_ID_LZ4_RAW = 7,
};

/* pq_compress's level meaning "the codec's default" (GZIP 6, ZSTD 3). */
#define PQ_LEVEL_DEFAULT 0

/* The codec's Thrift name ("SNAPPY", "LZ4_RAW"), or "UNKNOWN". Static. */
const char *pq_codec_name(int codec);

/* Whether pq_decompress and pq_compress handle codec. */
int pq_codec_supported(int codec);

/* Reusable library state (a ZSTD context each way, a zlib inflater).
 * Creating these per page is slow; a reader or writer keeps one per thread.
 * Embedded: pq_codec_ctx_init / pq_codec_ctx_done. Fields are private and
 * made on first use. */
struct pq_codec_ctx {
	void *zstd_c;  /* ZSTD_CCtx */
	void *zstd_d;  /* ZSTD_DCtx */
	void *inflate; /* z_stream, inflateInit2 done */
};

/* Start with no library state (cannot fail; contexts are made on first
 * use, and out of memory there is fatal like tn_malloc). */
void pq_codec_ctx_init(struct pq_codec_ctx *ctx);
/* Free the library state; ctx may be initialised again or dropped. */
void pq_codec_ctx_done(struct pq_codec_ctx *ctx);

/* Decompress in[0..in_len) into out[0..out_len), where out_len is the exact
 * uncompressed size from the page header. Both buffers are the caller's.
 * Errors: TN_ECORRUPT when the data is malformed or decompresses to any
 * size but out_len (never writing past out_len); TN_EUNSUPPORTED, naming
 * the codec, for LZO, BROTLI, LZ4 (Hadoop framing; LZ4_RAW is supported)
 * and unknown ids; TN_ETOOBIG for sizes a library cannot take. GZIP data
 * may hold several concatenated members (and zlib streams are accepted);
 * ZSTD data several frames. ctx may be NULL (pq_decompress uses one per
 * thread, freed when the thread exits). */
int pq_decompress_ctx(struct pq_codec_ctx *ctx, int codec, const uint8_t *in, size_t in_len,
		      uint8_t *out, size_t out_len, struct tn_err *err);
int pq_decompress(int codec, const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
		  struct tn_err *err);

/* Compress in[0..in_len) and append the result to out (growing it within
 * its cap: TN_ETOOBIG past it). level: PQ_LEVEL_DEFAULT, or 1..9 for GZIP,
 * the library's range for ZSTD (TN_EINVAL outside it); ignored by the other
 * codecs. UNCOMPRESSED appends in as it is. Refused codecs as above. */
int pq_compress_ctx(struct pq_codec_ctx *ctx, int codec, int level, const uint8_t *in,
		    size_t in_len, struct tn_buf *out, struct tn_err *err);
int pq_compress(int codec, int level, const uint8_t *in, size_t in_len, struct tn_buf *out,
		struct tn_err *err);

/* Standard CRC-32 (as zlib and gzip compute it) of p[0..n): the Parquet page
 * header's crc, taken over the page's compressed bytes. update continues a
 * CRC (start from 0). */
uint32_t pq_crc32(const uint8_t *p, size_t n);
uint32_t pq_crc32_update(uint32_t crc, const uint8_t *p, size_t n);

#endif
