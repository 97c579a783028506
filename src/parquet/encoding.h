/* encoding.h - Parquet value encodings: RLE/bit-packed hybrid, PLAIN,
 * DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY,
 * BYTE_STREAM_SPLIT, and FLOAT16 widening (specs/parquet-Encodings.md).
 *
 * Conventions for every decoder here:
 * - Input is a borrowed (pointer, length) pair; nothing is read outside it.
 * - Output goes to caller-owned arrays of a stated capacity; nothing is
 *   written outside them.
 * - A decoder asked for n values decodes exactly n or fails. Malformed or
 *   short data is TN_ECORRUPT with a message saying what was wrong; a count
 *   over a cap is TN_ETOOBIG. Callers add context (file, column, page) with
 *   tn_err_prefix.
 * - struct tn_bytes results are views into the input (PLAIN, DELTA_LENGTH)
 *   or into caller-supplied storage (DELTA_BYTE_ARRAY): they live as long as
 *   that memory.
 * Encoders append to a struct tn_buf (growing it up to its cap: TN_ETOOBIG)
 * and take values that the caller owns.
 * The host must be little-endian (checked at compile time), as Parquet is. */
#ifndef PQ_ENCODING_H
#define PQ_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/vec.h"

/* ------------------------------------------------------------ bit packing */

/* Bytes that n values of bit_width bits take when bit-packed: ceil(n*w/8). */
size_t pq_bitpack_size(size_t n, int bit_width);

/* Unpack n values of bit_width (0..32) bits, packed LSB-first as Parquet
 * packs them (the RLE hybrid's bit-packed runs, PLAIN BOOLEAN), from in.
 * Needs pq_bitpack_size(n, bit_width) <= in_len, else TN_ECORRUPT. */
int pq_bitunpack32(const uint8_t *in, size_t in_len, int bit_width, uint32_t *out, size_t n,
		   struct tn_err *err);
/* The same for bit_width 0..64 into 64-bit values. */
int pq_bitunpack64(const uint8_t *in, size_t in_len, int bit_width, uint64_t *out, size_t n,
		   struct tn_err *err);

/* Pack n values into pq_bitpack_size(n, bit_width) bytes at out (the last
 * byte's unused high bits are zero). Values must fit in bit_width bits
 * (higher bits are dropped). bit_width 0..32 / 0..64. */
void pq_bitpack32(const uint32_t *in, size_t n, int bit_width, uint8_t *out);
void pq_bitpack64(const uint64_t *in, size_t n, int bit_width, uint8_t *out);

/* Bits needed to store v (0 for 0). For levels: the bit width of max level. */
int pq_bit_width(uint64_t v);

/* -------------------------------------------- RLE / bit-packed hybrid */

/* Which prefix the caller strips (Encodings.md, "Prepend length?"):
 * - data page v1 levels, and RLE BOOLEAN values in v1 and v2 pages: a
 *   4-byte little-endian length, then the hybrid data. Use
 *   pq_rle_split_prefixed to find the data and what it consumed.
 * - data page v2 levels: no prefix; the lengths are in the page header.
 * - dictionary indices: one byte of bit width, then the data. Use
 *   pq_rle_dec_init_dict.
 * pq_rle_dec_init itself takes the bare hybrid data. */

/* An incremental decoder over borrowed hybrid data. Embedded; no _done.
 * Fields are private. */
struct pq_rle_dec {
	const uint8_t *p, *end; /* unread input */
	int bit_width;
	uint32_t rle_left;      /* values left in the current RLE run */
	uint32_t rle_value;
	uint32_t bp_left;       /* values left in the current bit-packed run */
	uint32_t stage_pos, stage_len; /* unpacked values waiting in stage */
	uint32_t stage[8];
	uint64_t done;          /* values returned so far (for messages) */
};

/* Split data that starts with a 4-byte little-endian length: *data and
 * *data_len are the hybrid data, *consumed is 4 + length. TN_ECORRUPT when
 * the length is missing or longer than len. */
int pq_rle_split_prefixed(const uint8_t *p, size_t len, const uint8_t **data, size_t *data_len,
			  size_t *consumed, struct tn_err *err);

/* Start decoding the hybrid data p[0..len) (borrowed; must outlive d) of
 * bit_width bits per value. bit_width 0 means every value is 0 (the data
 * still holds run headers). TN_ECORRUPT when bit_width is not 0..32. */
int pq_rle_dec_init(struct pq_rle_dec *d, const uint8_t *p, size_t len, int bit_width,
		    struct tn_err *err);

/* Start decoding dictionary indices: p[0] is the bit width (0..32), then
 * the hybrid data. TN_ECORRUPT when p is empty or the width is over 32. */
int pq_rle_dec_init_dict(struct pq_rle_dec *d, const uint8_t *p, size_t len,
			 struct tn_err *err);

/* Decode exactly the next n values into out[0..n). TN_ECORRUPT when the
 * data ends first, a run header is malformed, or a run value does not fit
 * the bit width. On error d is left unusable. */
int pq_rle_dec_get(struct pq_rle_dec *d, uint32_t *out, size_t n, struct tn_err *err);

/* pq_rle_dec_get for dictionary indices: also TN_ECORRUPT when an index is
 * not below dict_len. */
int pq_rle_dec_get_indices(struct pq_rle_dec *d, uint32_t *out, size_t n, uint32_t dict_len,
			   struct tn_err *err);

/* Repetition or definition levels into int16_t: also TN_ECORRUPT when a
 * level is over max_level. */
int pq_rle_dec_get_levels(struct pq_rle_dec *d, int16_t *out, size_t n, int max_level,
			  struct tn_err *err);

/* RLE-encoded BOOLEAN values (bit width 1) into bytes that are 0 or 1. */
int pq_rle_dec_get_bools(struct pq_rle_dec *d, uint8_t *out, size_t n, struct tn_err *err);

/* Skip the next n values. Same errors as pq_rle_dec_get. */
int pq_rle_dec_skip(struct pq_rle_dec *d, size_t n, struct tn_err *err);

/* A streaming encoder that appends hybrid data to a buffer: runs of 8 or
 * more equal values become RLE runs, the rest bit-packed runs of up to 504
 * values (whole groups of 8; the last group is padded with zeros). Embedded;
 * out is borrowed and must outlive the encoder. Fields are private. */
struct pq_rle_enc {
	struct tn_buf *out;
	int bit_width;
	bool prefixed;
	size_t prefix_at;      /* offset in out of the 4-byte length */
	uint32_t run_value;    /* the trailing run of equal values, not yet placed */
	uint64_t run_len;
	uint32_t nlit;         /* literal values waiting to be bit-packed */
	uint32_t lit[512];
};

/* Start encoding values of bit_width (0..32) bits onto the end of out. With
 * length_prefix, 4 bytes are reserved now and pq_rle_enc_finish fills in
 * the data's length (data page v1 levels, RLE booleans). TN_EINVAL for a
 * bad width; TN_ETOOBIG when out is full. */
int pq_rle_enc_init(struct pq_rle_enc *e, struct tn_buf *out, int bit_width, bool length_prefix,
		    struct tn_err *err);
/* Add n values. TN_EINVAL when a value does not fit the bit width;
 * TN_ETOOBIG when out is full. */
int pq_rle_enc_put(struct pq_rle_enc *e, const uint32_t *v, size_t n, struct tn_err *err);
/* Add n values of 16 bits (levels). */
int pq_rle_enc_put_levels(struct pq_rle_enc *e, const int16_t *v, size_t n, struct tn_err *err);
/* Add value v n times (without an array). TN_EINVAL when v does not fit. */
int pq_rle_enc_put_repeat(struct pq_rle_enc *e, uint32_t v, size_t n, struct tn_err *err);
/* Write out everything pending (and the length prefix). The encoder may be
 * initialised again afterwards. */
int pq_rle_enc_finish(struct pq_rle_enc *e, struct tn_err *err);

/* ------------------------------------------------------------------ PLAIN */

/* Fixed-width PLAIN values (INT32 4, INT64 8, INT96 12, FLOAT 4, DOUBLE 8,
 * FIXED_LEN_BYTE_ARRAY its length): copy n values of width bytes into out
 * (n * width bytes). *consumed = n * width. TN_ECORRUPT when len is short. */
int pq_plain_decode_fixed(const uint8_t *p, size_t len, size_t width, void *out, size_t n,
			  size_t *consumed, struct tn_err *err);

/* PLAIN BOOLEAN: n values, bit-packed LSB-first, starting *bit_pos bits into
 * p; out gets 0 or 1 per value and *bit_pos advances by n (so a page can be
 * decoded in several calls). TN_ECORRUPT when p runs out. */
int pq_plain_decode_bool(const uint8_t *p, size_t len, size_t *bit_pos, uint8_t *out, size_t n,
			 struct tn_err *err);

/* PLAIN BYTE_ARRAY: n values of a 4-byte little-endian length and the
 * bytes. out[i] views into p. *consumed is the bytes read. TN_ECORRUPT for a
 * length that runs past len. */
int pq_plain_decode_byte_array(const uint8_t *p, size_t len, struct tn_bytes *out, size_t n,
			       size_t *consumed, struct tn_err *err);

/* PLAIN FIXED_LEN_BYTE_ARRAY as views of type_len (1..INT32_MAX) bytes into
 * p. TN_ECORRUPT when len is short or type_len is 0 or too big. */
int pq_plain_decode_flba(const uint8_t *p, size_t len, size_t type_len, struct tn_bytes *out,
			 size_t n, size_t *consumed, struct tn_err *err);

/* Append n values of width bytes from v (INT32, INT64, INT96, FLOAT,
 * DOUBLE, or contiguous FIXED_LEN_BYTE_ARRAY). */
int pq_plain_encode_fixed(const void *v, size_t width, size_t n, struct tn_buf *out,
			  struct tn_err *err);
/* Append n booleans (v[i] != 0 is true) bit-packed, the last byte padded
 * with zeros. */
int pq_plain_encode_bool(const uint8_t *v, size_t n, struct tn_buf *out, struct tn_err *err);
/* Append n BYTE_ARRAY values (length, bytes). */
int pq_plain_encode_byte_array(const struct tn_bytes *v, size_t n, struct tn_buf *out,
			       struct tn_err *err);
/* Append n FIXED_LEN_BYTE_ARRAY values; TN_EINVAL when one is not type_len
 * bytes long. */
int pq_plain_encode_flba(const struct tn_bytes *v, size_t n, size_t type_len,
			 struct tn_buf *out, struct tn_err *err);

/* ---------------------------------------------------- DELTA_BINARY_PACKED */

/* Caps on what a DELTA_BINARY_PACKED header may declare. */
#define PQ_DELTA_MAX_BLOCK_SIZE (1u << 16)   /* values per block */

/* An incremental DELTA_BINARY_PACKED decoder over borrowed input. Embedded;
 * no _done. Fields other than total are private. */
struct pq_delta_dec {
	const uint8_t *start, *p, *end;
	int value_bits;        /* 32 or 64 */
	uint32_t block_size, mb_count, mb_size;
	uint64_t total;        /* values in the stream (from the header) */
	uint64_t left;         /* values not yet returned */
	uint64_t last;         /* the last value returned, or the first value */
	bool first_pending;    /* the header's first value is not yet returned */
	uint64_t min_delta;
	const uint8_t *widths; /* the current block's miniblock bit widths */
	uint32_t mb_index;     /* current miniblock in the block */
	uint32_t mb_left;      /* values left in the current miniblock */
	const uint8_t *mb_p;   /* unread packed data of the current miniblock */
	int mb_width;
	uint32_t stage_pos, stage_len;
	uint64_t stage[8];     /* unpacked deltas waiting (without min_delta) */
};

/* Read the header of a DELTA_BINARY_PACKED stream in p[0..len) (borrowed)
 * for INT32 (value_bits 32) or INT64 (64) values. d->total is then the
 * stream's value count. TN_ECORRUPT for a malformed header (block size not
 * a positive multiple of 128 or over PQ_DELTA_MAX_BLOCK_SIZE, miniblock
 * count not dividing it into multiples of 32, a bad varint) or when the
 * stream declares more than max_values values. */
int pq_delta_dec_init(struct pq_delta_dec *d, const uint8_t *p, size_t len, int value_bits,
		      uint64_t max_values, struct tn_err *err);
/* Decode the next n values (wrapping two's-complement arithmetic, as the
 * format requires). TN_ECORRUPT when n is more than are left, the data is
 * short, or a miniblock's bit width is over value_bits. get_i32 is for a
 * decoder started with value_bits 32, get_i64 for 64 (TN_EINVAL if not). */
int pq_delta_dec_get_i64(struct pq_delta_dec *d, int64_t *out, size_t n, struct tn_err *err);
int pq_delta_dec_get_i32(struct pq_delta_dec *d, int32_t *out, size_t n, struct tn_err *err);
/* Once every value has been returned: the bytes the stream took (header,
 * blocks, and the padding of its last miniblock). DELTA_LENGTH_BYTE_ARRAY
 * data starts there. Before that it is the bytes read so far. */
size_t pq_delta_dec_consumed(const struct pq_delta_dec *d);

/* One-shot decodes: the stream must hold exactly n values. *consumed (may be
 * NULL) gets the bytes the stream took. */
int pq_delta_decode_i64(const uint8_t *p, size_t len, int64_t *out, size_t n, size_t *consumed,
			struct tn_err *err);
int pq_delta_decode_i32(const uint8_t *p, size_t len, int32_t *out, size_t n, size_t *consumed,
			struct tn_err *err);

/* Append n values as DELTA_BINARY_PACKED with blocks of 128 values in 4
 * miniblocks of 32 (as parquet-mr and Arrow write). INT32 deltas wrap in
 * 32 bits, so no miniblock is wider than 32 bits. */
int pq_delta_encode_i64(const int64_t *v, size_t n, struct tn_buf *out, struct tn_err *err);
int pq_delta_encode_i32(const int32_t *v, size_t n, struct tn_buf *out, struct tn_err *err);

/* ------------------------------------------ DELTA_LENGTH / DELTA_BYTE_ARRAY */

/* Cap on the bytes DELTA_BYTE_ARRAY may materialise from one page. */
#define PQ_DELTA_BYTES_MAX ((size_t)1 << 30)

/* DELTA_LENGTH_BYTE_ARRAY: exactly n values (the stream's length count must
 * be n) as views into p. *consumed (may be NULL) is the bytes read.
 * TN_ECORRUPT for a negative length, lengths that run past len, or a count
 * other than n. */
int pq_delta_length_decode(const uint8_t *p, size_t len, struct tn_bytes *out, size_t n,
			   size_t *consumed, struct tn_err *err);

/* DELTA_BYTE_ARRAY: exactly n values. Each value is rebuilt from the
 * previous one's prefix and a suffix, so values are written into memory
 * from arena (owned by the arena; out[i] views into it). TN_ECORRUPT when a
 * prefix is negative or longer than the previous value, or as for the
 * length streams; TN_ETOOBIG when the values would take more than
 * PQ_DELTA_BYTES_MAX bytes. For FIXED_LEN_BYTE_ARRAY the caller checks that
 * every length is the type's. */
int pq_delta_bytes_decode(const uint8_t *p, size_t len, struct tn_bytes *out, size_t n,
			  struct tn_arena *arena, size_t *consumed, struct tn_err *err);

/* Append n values as DELTA_LENGTH_BYTE_ARRAY / DELTA_BYTE_ARRAY. */
int pq_delta_length_encode(const struct tn_bytes *v, size_t n, struct tn_buf *out,
			   struct tn_err *err);
int pq_delta_bytes_encode(const struct tn_bytes *v, size_t n, struct tn_buf *out,
			  struct tn_err *err);

/* ------------------------------------------------------ BYTE_STREAM_SPLIT */

/* Decode n values of width bytes (4 FLOAT/INT32, 8 DOUBLE/INT64, the type
 * length for FIXED_LEN_BYTE_ARRAY, e.g. 2 for FLOAT16) into out (n * width
 * bytes). The input must be exactly n * width bytes: TN_ECORRUPT if not. */
int pq_bss_decode(const uint8_t *p, size_t len, size_t width, void *out, size_t n,
		  struct tn_err *err);
/* Decode values [first, first + n) of a page holding len / width values
 * (len must be a multiple of width), for a page read in several calls. */
int pq_bss_decode_range(const uint8_t *p, size_t len, size_t width, size_t first, void *out,
			size_t n, struct tn_err *err);
/* Append n values of width bytes from v as BYTE_STREAM_SPLIT. */
int pq_bss_encode(const void *v, size_t width, size_t n, struct tn_buf *out, struct tn_err *err);

/* ---------------------------------------------------------------- FLOAT16 */

/* An IEEE half (FLOAT16 logical type: 2 bytes little-endian) as a float,
 * exactly: subnormals, infinities, and NaN (sign and payload kept). */
float pq_half_to_float(uint16_t h);
/* n FLOAT16 values of 2 bytes each from p (2n bytes) into out. */
void pq_half_decode(const uint8_t *p, float *out, size_t n);

#endif
