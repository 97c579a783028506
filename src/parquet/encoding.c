/* encoding.c - Parquet value encodings: the bit-packing kernels, the RLE
 * hybrid, PLAIN, the DELTA family and BYTE_STREAM_SPLIT. */
#include "parquet/encoding.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the Parquet decoders copy little-endian values as they are");

#define ALWAYS_INLINE inline __attribute__((always_inline))
#define COLD __attribute__((cold, noinline))

typedef unsigned long long ull; /* for printf */

static inline size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint32_t load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* ---------------------------------------------------------------- varints */

/* ULEB128 of at most 64 bits. False when truncated or too long. */
static inline bool uleb_read(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t r = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		uint8_t b;

		if (p == end)
			return false;
		b = *p++;
		if (shift == 63 && b > 1)
			return false;
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*pp = p;
			*v = r;
			return true;
		}
	}
	return false;
}

static inline uint64_t zigzag_decode(uint64_t u)
{
	return (u >> 1) ^ (0 - (u & 1));
}

static inline uint64_t zigzag_encode(int64_t x)
{
	return ((uint64_t)x << 1) ^ (0 - ((uint64_t)x >> 63));
}

/* Append a ULEB128 to b (at most 10 bytes). */
static int uleb_put(struct tn_buf *b, uint64_t v, struct tn_err *err)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		uint8_t c = v & 0x7f;

		v >>= 7;
		tmp[n++] = c | (v ? 0x80 : 0);
	} while (v);
	return tn_buf_append(b, tmp, n, err);
}

/* ------------------------------------------------------------ bit packing */

size_t pq_bitpack_size(size_t n, int bit_width)
{
	/* n * w / 8 without overflowing for any n a caller can hold. */
	return (n / 8) * (size_t)bit_width + ((n % 8) * (size_t)bit_width + 7) / 8;
}

int pq_bit_width(uint64_t v)
{
	return v == 0 ? 0 : 64 - __builtin_clzll(v);
}

/* The kernels: 8 values of W bits from W bytes. The fast forms load 8 bytes
 * at a time and so may read up to 8 bytes past the group's W bytes; callers
 * use them only where that much input remains (fast_groups), and copy the
 * last groups into a padded buffer otherwise. W is a constant in each
 * instance, so the loops unroll into shifts and masks. */
static ALWAYS_INLINE void unpack8_32(const uint8_t *in, uint32_t *out, const int w)
{
	const uint64_t mask = ((uint64_t)1 << w) - 1;

	if (w == 0) {
		memset(out, 0, 8 * sizeof(*out));
		return;
	}
#pragma GCC unroll 8
	for (int i = 0; i < 8; i++) {
		const int bit = i * w;

		out[i] = (uint32_t)((load64(in + (bit >> 3)) >> (bit & 7)) & mask);
	}
}

static ALWAYS_INLINE void unpack8_64(const uint8_t *in, uint64_t *out, const int w)
{
	const uint64_t mask = w == 64 ? ~(uint64_t)0 : ((uint64_t)1 << w) - 1;

	if (w == 0) {
		memset(out, 0, 8 * sizeof(*out));
		return;
	}
#pragma GCC unroll 8
	for (int i = 0; i < 8; i++) {
		const int bit = i * w, sh = bit & 7;
		uint64_t v = load64(in + (bit >> 3)) >> sh;

		if (sh + w > 64)
			v |= (uint64_t)in[(bit >> 3) + 8] << (64 - sh);
		out[i] = v & mask;
	}
}

static ALWAYS_INLINE void pack8_64(const uint64_t *in, uint8_t *out, const int w)
{
	uint64_t buf[9] = {0};
	const uint64_t mask = w == 64 ? ~(uint64_t)0 : ((uint64_t)1 << w) - 1;

	if (w == 0)
		return;
#pragma GCC unroll 8
	for (int i = 0; i < 8; i++) {
		const int bit = i * w, word = bit >> 6, off = bit & 63;
		const uint64_t v = in[i] & mask;

		buf[word] |= v << off;
		if (off + w > 64)
			buf[word + 1] |= v >> (64 - off);
	}
	memcpy(out, buf, (size_t)w);
}

static ALWAYS_INLINE void pack8_32(const uint32_t *in, uint8_t *out, const int w)
{
	uint64_t v[8];

#pragma GCC unroll 8
	for (int i = 0; i < 8; i++)
		v[i] = in[i];
	pack8_64(v, out, w);
}

typedef void (*unpack32_fn)(const uint8_t *in, uint32_t *out, size_t groups);
typedef void (*unpack64_fn)(const uint8_t *in, uint64_t *out, size_t groups);
typedef void (*pack32_fn)(const uint32_t *in, uint8_t *out, size_t groups);
typedef void (*pack64_fn)(const uint64_t *in, uint8_t *out, size_t groups);

#define KERNELS32(W)                                                                  \
	static void unpack32_##W(const uint8_t *in, uint32_t *out, size_t groups)     \
	{                                                                             \
		for (size_t g = 0; g < groups; g++)                                   \
			unpack8_32(in + g * W, out + g * 8, W);                       \
	}                                                                             \
	static void pack32_##W(const uint32_t *in, uint8_t *out, size_t groups)       \
	{                                                                             \
		for (size_t g = 0; g < groups; g++)                                   \
			pack8_32(in + g * 8, out + g * W, W);                         \
	}
#define KERNELS64(W)                                                                  \
	static void unpack64_##W(const uint8_t *in, uint64_t *out, size_t groups)     \
	{                                                                             \
		for (size_t g = 0; g < groups; g++)                                   \
			unpack8_64(in + g * W, out + g * 8, W);                       \
	}                                                                             \
	static void pack64_##W(const uint64_t *in, uint8_t *out, size_t groups)       \
	{                                                                             \
		for (size_t g = 0; g < groups; g++)                                   \
			pack8_64(in + g * 8, out + g * W, W);                         \
	}

#define EACH_0_32(X)                                                                   \
	X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) \
	X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27)   \
	X(28) X(29) X(30) X(31) X(32)
#define EACH_33_64(X)                                                                  \
	X(33) X(34) X(35) X(36) X(37) X(38) X(39) X(40) X(41) X(42) X(43) X(44) X(45)   \
	X(46) X(47) X(48) X(49) X(50) X(51) X(52) X(53) X(54) X(55) X(56) X(57) X(58)   \
	X(59) X(60) X(61) X(62) X(63) X(64)

EACH_0_32(KERNELS32)
EACH_0_32(KERNELS64)
EACH_33_64(KERNELS64)

/* DELTA_BINARY_PACKED: unpack groups of 8 deltas and add each, plus the
 * block's min delta md, to the running value (wrapping). Fused so that the
 * deltas stay in registers. Returns the last value. */
typedef uint64_t (*delta64_fn)(const uint8_t *in, uint64_t *out, size_t groups, uint64_t last,
			       uint64_t md);
typedef uint32_t (*delta32_fn)(const uint8_t *in, uint32_t *out, size_t groups, uint32_t last,
			       uint32_t md);

#define DELTA_KERNELS(T, B, W)                                                                \
	static T delta##B##_##W(const uint8_t *in, T *out, size_t groups, T last, T md)       \
	{                                                                                     \
		for (size_t g = 0; g < groups; g++) {                                         \
			T v[8];                                                               \
			unpack8_##B(in + g * W, v, W);                                        \
			_Pragma("GCC unroll 8") for (int i = 0; i < 8; i++)                   \
			{                                                                     \
				last += md + v[i];                                            \
				out[g * 8 + i] = last;                                        \
			}                                                                     \
		}                                                                             \
		return last;                                                                  \
	}
#define DELTA64(W) DELTA_KERNELS(uint64_t, 64, W)
#define DELTA32(W) DELTA_KERNELS(uint32_t, 32, W)
EACH_0_32(DELTA32)
EACH_0_32(DELTA64)
EACH_33_64(DELTA64)

#define REF_UNPACK32(W) unpack32_##W,
#define REF_PACK32(W) pack32_##W,
#define REF_UNPACK64(W) unpack64_##W,
#define REF_PACK64(W) pack64_##W,
static const unpack32_fn unpack32_tab[33] = {EACH_0_32(REF_UNPACK32)};
static const pack32_fn pack32_tab[33] = {EACH_0_32(REF_PACK32)};
static const unpack64_fn unpack64_tab[65] = {EACH_0_32(REF_UNPACK64) EACH_33_64(REF_UNPACK64)};
static const pack64_fn pack64_tab[65] = {EACH_0_32(REF_PACK64) EACH_33_64(REF_PACK64)};
#define REF_DELTA32(W) delta32_##W,
#define REF_DELTA64(W) delta64_##W,
static const delta32_fn delta32_tab[33] = {EACH_0_32(REF_DELTA32)};
static const delta64_fn delta64_tab[65] = {EACH_0_32(REF_DELTA64) EACH_33_64(REF_DELTA64)};

/* How many of groups whole groups of w bits, starting at the beginning of
 * avail bytes of input, may use the fast kernels (8 bytes of slack). */
static inline size_t fast_groups(size_t avail, int w, size_t groups)
{
	size_t k;

	if (w == 0)
		return groups;
	if (avail < (size_t)w + 8)
		return 0;
	k = (avail - 8) / (size_t)w;
	return k < groups ? k : groups;
}

/* One group from nbytes (<= w) bytes, the rest taken as zero bits. */
static void unpack8_32_safe(const uint8_t *in, size_t nbytes, int w, uint32_t *out)
{
	uint8_t buf[32 + 8] = {0};

	memcpy(buf, in, nbytes);
	unpack32_tab[w](buf, out, 1);
}

static void unpack8_64_safe(const uint8_t *in, size_t nbytes, int w, uint64_t *out)
{
	uint8_t buf[64 + 8] = {0};

	memcpy(buf, in, nbytes);
	unpack64_tab[w](buf, out, 1);
}

/* n values from in, which holds at least pq_bitpack_size(n, w) of avail
 * bytes. */
static void unpack32(const uint8_t *in, size_t avail, int w, uint32_t *out, size_t n)
{
	size_t groups = n / 8, fast = fast_groups(avail, w, groups), rem = n % 8;

	unpack32_tab[w](in, out, fast);
	for (size_t g = fast; g < groups; g++)
		unpack8_32_safe(in + g * (size_t)w, (size_t)w, w, out + g * 8);
	if (rem) {
		uint32_t tmp[8];
		size_t at = groups * (size_t)w;

		unpack8_32_safe(in + at, min_sz((size_t)w, avail - at), w, tmp);
		memcpy(out + groups * 8, tmp, rem * sizeof(*tmp));
	}
}

static void unpack64(const uint8_t *in, size_t avail, int w, uint64_t *out, size_t n)
{
	size_t groups = n / 8, fast = fast_groups(avail, w, groups), rem = n % 8;

	unpack64_tab[w](in, out, fast);
	for (size_t g = fast; g < groups; g++)
		unpack8_64_safe(in + g * (size_t)w, (size_t)w, w, out + g * 8);
	if (rem) {
		uint64_t tmp[8];
		size_t at = groups * (size_t)w;

		unpack8_64_safe(in + at, min_sz((size_t)w, avail - at), w, tmp);
		memcpy(out + groups * 8, tmp, rem * sizeof(*tmp));
	}
}

/* Whole groups of deltas from in (avail bytes from in on): the fused
 * kernels, the last groups through a padded copy. */
static uint64_t delta64(const uint8_t *in, size_t avail, int w, uint64_t *out, size_t groups,
			uint64_t last, uint64_t md)
{
	size_t fast = fast_groups(avail, w, groups);

	last = delta64_tab[w](in, out, fast, last, md);
	for (size_t g = fast; g < groups; g++) {
		uint8_t buf[64 + 8] = {0};

		memcpy(buf, in + g * (size_t)w, (size_t)w);
		last = delta64_tab[w](buf, out + g * 8, 1, last, md);
	}
	return last;
}

static uint32_t delta32(const uint8_t *in, size_t avail, int w, uint32_t *out, size_t groups,
			uint32_t last, uint32_t md)
{
	size_t fast = fast_groups(avail, w, groups);

	last = delta32_tab[w](in, out, fast, last, md);
	for (size_t g = fast; g < groups; g++) {
		uint8_t buf[32 + 8] = {0};

		memcpy(buf, in + g * (size_t)w, (size_t)w);
		last = delta32_tab[w](buf, out + g * 8, 1, last, md);
	}
	return last;
}

int pq_bitunpack32(const uint8_t *in, size_t in_len, int bit_width, uint32_t *out, size_t n,
		   struct tn_err *err)
{
	size_t need;

	if (bit_width < 0 || bit_width > 32)
		return tn_err_set(err, TN_ECORRUPT, "bit width %d is not 0..32", bit_width);
	need = pq_bitpack_size(n, bit_width);
	if (need > in_len)
		return tn_err_set(err, TN_ECORRUPT,
				  "%zu bit-packed values of %d bits need %zu bytes, only %zu remain", n,
				  bit_width, need, in_len);
	unpack32(in, in_len, bit_width, out, n);
	return TN_OK;
}

int pq_bitunpack64(const uint8_t *in, size_t in_len, int bit_width, uint64_t *out, size_t n,
		   struct tn_err *err)
{
	size_t need;

	if (bit_width < 0 || bit_width > 64)
		return tn_err_set(err, TN_ECORRUPT, "bit width %d is not 0..64", bit_width);
	need = pq_bitpack_size(n, bit_width);
	if (need > in_len)
		return tn_err_set(err, TN_ECORRUPT,
				  "%zu bit-packed values of %d bits need %zu bytes, only %zu remain", n,
				  bit_width, need, in_len);
	unpack64(in, in_len, bit_width, out, n);
	return TN_OK;
}

void pq_bitpack32(const uint32_t *in, size_t n, int bit_width, uint8_t *out)
{
	size_t groups = n / 8, rem = n % 8;

	pack32_tab[bit_width](in, out, groups);
	if (rem) {
		uint32_t tmp[8] = {0};
		uint8_t buf[32];

		memcpy(tmp, in + groups * 8, rem * sizeof(*tmp));
		pack32_tab[bit_width](tmp, buf, 1);
		memcpy(out + groups * (size_t)bit_width, buf, (rem * (size_t)bit_width + 7) / 8);
	}
}

void pq_bitpack64(const uint64_t *in, size_t n, int bit_width, uint8_t *out)
{
	size_t groups = n / 8, rem = n % 8;

	pack64_tab[bit_width](in, out, groups);
	if (rem) {
		uint64_t tmp[8] = {0};
		uint8_t buf[64];

		memcpy(tmp, in + groups * 8, rem * sizeof(*tmp));
		pack64_tab[bit_width](tmp, buf, 1);
		memcpy(out + groups * (size_t)bit_width, buf, (rem * (size_t)bit_width + 7) / 8);
	}
}

/* -------------------------------------------- RLE / bit-packed hybrid */

/* Longest run the format allows (Encodings.md: 1 .. 2^31-1 values). */
#define RLE_MAX_RUN 0x7fffffffu

int pq_rle_split_prefixed(const uint8_t *p, size_t len, const uint8_t **data, size_t *data_len,
			  size_t *consumed, struct tn_err *err)
{
	uint32_t n;

	if (len < 4)
		return tn_err_set(err, TN_ECORRUPT,
				  "RLE data is missing its 4-byte length (%zu bytes remain)", len);
	n = load32(p);
	if (n > len - 4)
		return tn_err_set(err, TN_ECORRUPT,
				  "RLE data length %u runs past the page (%zu bytes remain)", n, len - 4);
	*data = p + 4;
	*data_len = n;
	if (consumed != NULL)
		*consumed = 4 + (size_t)n;
	return TN_OK;
}

int pq_rle_dec_init(struct pq_rle_dec *d, const uint8_t *p, size_t len, int bit_width,
		    struct tn_err *err)
{
	memset(d, 0, sizeof(*d));
	if (bit_width < 0 || bit_width > 32)
		return tn_err_set(err, TN_ECORRUPT, "RLE bit width %d is not 0..32", bit_width);
	d->p = p;
	d->end = p + len;
	d->bit_width = bit_width;
	return TN_OK;
}

int pq_rle_dec_init_dict(struct pq_rle_dec *d, const uint8_t *p, size_t len,
			 struct tn_err *err)
{
	if (len == 0) {
		memset(d, 0, sizeof(*d));
		return tn_err_set(err, TN_ECORRUPT, "dictionary indices are missing their bit width");
	}
	if (p[0] > 32) {
		memset(d, 0, sizeof(*d));
		return tn_err_set(err, TN_ECORRUPT, "dictionary index bit width %u is over 32", p[0]);
	}
	return pq_rle_dec_init(d, p + 1, len - 1, p[0], err);
}

/* Read the next run header (and an RLE run's value). */
static int rle_next_run(struct pq_rle_dec *d, struct tn_err *err)
{
	const int w = d->bit_width;
	uint64_t h;

	if (d->p >= d->end)
		return tn_err_set(err, TN_ECORRUPT, "RLE/bit-packed data ends after %llu values",
				  (ull)d->done);
	if (!uleb_read(&d->p, d->end, &h))
		return tn_err_set(err, TN_ECORRUPT,
				  "RLE/bit-packed run header after %llu values is truncated or too long",
				  (ull)d->done);
	if (h & 1) {
		uint64_t groups = h >> 1, avail = (uint64_t)(d->end - d->p);
		uint64_t values = groups * 8;

		if (groups > RLE_MAX_RUN / 8)
			return tn_err_set(err, TN_ECORRUPT,
					  "bit-packed run of %llu groups of 8 is over the limit of 2^31-1 values",
					  (ull)groups);
		/* A last run cut short keeps the values whose bits are all there
		 * (some writers trim the padding of the final group). */
		if (groups * (uint64_t)w > avail) {
			values = avail * 8 / (uint64_t)w;
			if (values == 0)
				return tn_err_set(err, TN_ECORRUPT,
						  "bit-packed run of %llu values needs %llu bytes, only %llu remain",
						  (ull)(groups * 8), (ull)(groups * (uint64_t)w),
						  (ull)avail);
		}
		d->bp_left = (uint32_t)values;
	} else {
		uint64_t len = h >> 1;
		size_t nb = ((size_t)w + 7) / 8;
		uint32_t v = 0;

		if (len > RLE_MAX_RUN)
			return tn_err_set(err, TN_ECORRUPT,
					  "RLE run of %llu values is over the limit of 2^31-1", (ull)len);
		if ((size_t)(d->end - d->p) < nb)
			return tn_err_set(err, TN_ECORRUPT,
					  "RLE run value after %llu values is truncated", (ull)d->done);
		memcpy(&v, d->p, nb);
		d->p += nb;
		if (w < 32 && (v >> w) != 0)
			return tn_err_set(err, TN_ECORRUPT, "RLE run value %u does not fit in %d bits",
					  v, w);
		d->rle_value = v;
		d->rle_left = (uint32_t)len;
	}
	return TN_OK;
}

/* What the values decoded must satisfy, for the error message. */
enum rle_check { CHECK_NONE, CHECK_INDEX, CHECK_LEVEL };

static COLD int rle_bad_value(uint32_t v, uint32_t limit, enum rle_check check,
			      struct tn_err *err)
{
	if (check == CHECK_INDEX)
		return tn_err_set(err, TN_ECORRUPT,
				  "dictionary index %u is out of range (the dictionary has %llu values)", v,
				  (ull)limit + 1);
	return tn_err_set(err, TN_ECORRUPT, "level %u is over the maximum level %u", v, limit);
}

/* Find the bad value in vals (one exists: max was over limit). */
static COLD int rle_find_bad(const uint32_t *vals, size_t n, uint32_t limit,
			     enum rle_check check, struct tn_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (vals[i] > limit)
			return rle_bad_value(vals[i], limit, check, err);
	return tn_err_set(err, TN_EINTERNAL, "RLE check found no bad value");
}

/* GCC/Clang vector types: four lanes of 32 bits, so the checks and fills
 * below run four values a step at -O2 on any target. */
typedef uint32_t v4u32 __attribute__((vector_size(16)));

/* Whether any of v[0..n) is over limit. */
static inline bool any_over(const uint32_t *v, size_t n, uint32_t limit)
{
	const v4u32 lim = {limit, limit, limit, limit};
	v4u32 acc = {0, 0, 0, 0};
	uint32_t r;
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		v4u32 x;

		memcpy(&x, v + i, sizeof(x));
		acc |= (v4u32)(x > lim);
	}
	r = acc[0] | acc[1] | acc[2] | acc[3];
	for (; i < n; i++)
		r |= v[i] > limit;
	return r != 0;
}

/* Store n decoded values (uint32) to out at index i, as osize bytes each. */
static ALWAYS_INLINE void rle_store(void *out, size_t i, const uint32_t *v, size_t n,
				    const int osize)
{
	if (osize == 4) {
		memcpy((uint32_t *)out + i, v, n * 4);
	} else if (osize == 2) {
		int16_t *o = (int16_t *)out + i;

		for (size_t j = 0; j < n; j++)
			o[j] = (int16_t)v[j];
	} else if (osize == 1) {
		uint8_t *o = (uint8_t *)out + i;

		for (size_t j = 0; j < n; j++)
			o[j] = (uint8_t)v[j];
	}
}

static ALWAYS_INLINE void rle_fill(void *out, size_t i, uint32_t v, size_t n, const int osize)
{
	if (osize == 4) {
		uint32_t *o = (uint32_t *)out + i;
		const v4u32 x = {v, v, v, v};
		size_t j = 0;

		for (; j + 4 <= n; j += 4)
			memcpy(o + j, &x, sizeof(x));
		for (; j < n; j++)
			o[j] = v;
	} else if (osize == 2) {
		int16_t *o = (int16_t *)out + i;

		for (size_t j = 0; j < n; j++)
			o[j] = (int16_t)v;
	} else if (osize == 1) {
		memset((uint8_t *)out + i, (int)v, n);
	}
}

/* The decoding loop, instantiated per output size (osize 0: skip). Values
 * over limit fail with check's message. */
static ALWAYS_INLINE int rle_get(struct pq_rle_dec *d, void *out, size_t n, const int osize,
				 uint32_t limit, enum rle_check check, struct tn_err *err)
{
	const int w = d->bit_width;
	size_t i = 0;
	int rc;

	while (i < n) {
		if (d->stage_pos < d->stage_len) {
			size_t k = min_sz(d->stage_len - d->stage_pos, n - i);
			const uint32_t *v = d->stage + d->stage_pos;

			if (check != CHECK_NONE && any_over(v, k, limit))
				return rle_find_bad(v, k, limit, check, err);
			rle_store(out, i, v, k, osize);
			d->stage_pos += (uint32_t)k;
			i += k;
			d->done += k;
		} else if (d->rle_left) {
			size_t k = min_sz(d->rle_left, n - i);

			if (check != CHECK_NONE && d->rle_value > limit)
				return rle_bad_value(d->rle_value, limit, check, err);
			rle_fill(out, i, d->rle_value, k, osize);
			d->rle_left -= (uint32_t)k;
			i += k;
			d->done += k;
		} else if (d->bp_left) {
			size_t groups = min_sz((n - i) / 8, d->bp_left / 8);

			if (groups && osize == 4) {
				uint32_t *o = (uint32_t *)out + i;
				size_t k;

				/* At most 4096 values a step, so that the check
				 * reads them while they are in L1. */
				if (check != CHECK_NONE)
					groups = min_sz(groups, 512);
				k = groups * 8;

				unpack32(d->p, (size_t)(d->end - d->p), w, o, k);
				if (check != CHECK_NONE && any_over(o, k, limit))
					return rle_find_bad(o, k, limit, check, err);
				d->p += groups * (size_t)w;
				d->bp_left -= (uint32_t)k;
				i += k;
				d->done += k;
			} else if (groups) {
				/* Narrow or skip through a small buffer. */
				uint32_t tmp[512];
				size_t k;

				groups = min_sz(groups, 64);
				k = groups * 8;
				unpack32(d->p, (size_t)(d->end - d->p), w, tmp, k);
				if (check != CHECK_NONE && any_over(tmp, k, limit))
					return rle_find_bad(tmp, k, limit, check, err);
				rle_store(out, i, tmp, k, osize);
				d->p += groups * (size_t)w;
				d->bp_left -= (uint32_t)k;
				i += k;
				d->done += k;
			} else {
				/* Fewer than 8 wanted, or the run's last (perhaps
				 * partial) group: stage one group. */
				size_t nb = min_sz((size_t)w, (size_t)(d->end - d->p));

				unpack8_32_safe(d->p, nb, w, d->stage);
				d->p += nb;
				d->stage_pos = 0;
				d->stage_len = d->bp_left < 8 ? d->bp_left : 8;
				d->bp_left -= d->stage_len;
			}
		} else if ((rc = rle_next_run(d, err)) != TN_OK) {
			return rc;
		}
	}
	return TN_OK;
}

int pq_rle_dec_get(struct pq_rle_dec *d, uint32_t *out, size_t n, struct tn_err *err)
{
	return rle_get(d, out, n, 4, 0, CHECK_NONE, err);
}

int pq_rle_dec_get_indices(struct pq_rle_dec *d, uint32_t *out, size_t n, uint32_t dict_len,
			   struct tn_err *err)
{
	if (dict_len == 0) {
		if (n == 0)
			return TN_OK;
		return tn_err_set(err, TN_ECORRUPT, "dictionary indices refer to an empty dictionary");
	}
	return rle_get(d, out, n, 4, dict_len - 1, CHECK_INDEX, err);
}

int pq_rle_dec_get_levels(struct pq_rle_dec *d, int16_t *out, size_t n, int max_level,
			  struct tn_err *err)
{
	if (max_level < 0 || max_level > INT16_MAX)
		return tn_err_set(err, TN_EINVAL, "maximum level %d is not 0..32767", max_level);
	return rle_get(d, out, n, 2, (uint32_t)max_level, CHECK_LEVEL, err);
}

int pq_rle_dec_get_bools(struct pq_rle_dec *d, uint8_t *out, size_t n, struct tn_err *err)
{
	if (d->bit_width != 1)
		return tn_err_set(err, TN_ECORRUPT, "RLE booleans need bit width 1, not %d",
				  d->bit_width);
	return rle_get(d, out, n, 1, 1, CHECK_NONE, err);
}

int pq_rle_dec_skip(struct pq_rle_dec *d, size_t n, struct tn_err *err)
{
	size_t i = 0;
	int rc;

	/* Whole runs are skipped without decoding them. */
	while (i < n) {
		if (d->stage_pos < d->stage_len) {
			size_t k = min_sz(d->stage_len - d->stage_pos, n - i);

			d->stage_pos += (uint32_t)k;
			i += k;
			d->done += k;
		} else if (d->rle_left) {
			size_t k = min_sz(d->rle_left, n - i);

			d->rle_left -= (uint32_t)k;
			i += k;
			d->done += k;
		} else if (d->bp_left >= 8 && n - i >= 8) {
			size_t groups = min_sz((n - i) / 8, d->bp_left / 8);

			d->p += groups * (size_t)d->bit_width;
			d->bp_left -= (uint32_t)(groups * 8);
			i += groups * 8;
			d->done += groups * 8;
		} else if (d->bp_left) {
			size_t k = min_sz(n - i, d->bp_left);

			if ((rc = rle_get(d, NULL, k, 0, 0, CHECK_NONE, err)) != TN_OK)
				return rc;
			i += k;
		} else if ((rc = rle_next_run(d, err)) != TN_OK) {
			return rc;
		}
	}
	return TN_OK;
}

/* ------------------------------------------------------------ RLE encoder */

#define RLE_LIT_MAX 512 /* lit[] holds 64 groups: a 2-byte header at most */

int pq_rle_enc_init(struct pq_rle_enc *e, struct tn_buf *out, int bit_width, bool length_prefix,
		    struct tn_err *err)
{
	e->out = out;
	e->bit_width = bit_width;
	e->prefixed = length_prefix;
	e->prefix_at = out->len;
	e->run_value = 0;
	e->run_len = 0;
	e->nlit = 0;
	if (bit_width < 0 || bit_width > 32)
		return tn_err_set(err, TN_EINVAL, "RLE bit width %d is not 0..32", bit_width);
	if (length_prefix)
		return tn_buf_append(out, "\0\0\0\0", 4, err);
	return TN_OK;
}

/* Write the literals as one bit-packed run: the whole groups, or with final
 * every value, the last group padded with zeros. Leftovers move to the
 * front. */
static int rle_enc_flush_lits(struct pq_rle_enc *e, bool final, struct tn_err *err)
{
	const int w = e->bit_width;
	uint32_t groups = final ? (e->nlit + 7) / 8 : e->nlit / 8;
	size_t bytes = (size_t)groups * (size_t)w;
	int rc;

	if (groups == 0)
		return TN_OK;
	if (final)
		memset(e->lit + e->nlit, 0, (groups * 8 - e->nlit) * sizeof(e->lit[0]));
	if ((rc = uleb_put(e->out, (uint64_t)groups << 1 | 1, err)) != TN_OK)
		return rc;
	if ((rc = tn_buf_reserve(e->out, bytes, err)) != TN_OK)
		return rc;
	pack32_tab[w](e->lit, (uint8_t *)e->out->data + e->out->len, groups);
	e->out->len += bytes;
	e->out->data[e->out->len] = '\0';
	if (final) {
		e->nlit = 0;
	} else {
		e->nlit -= groups * 8;
		memmove(e->lit, e->lit + groups * 8, e->nlit * sizeof(e->lit[0]));
	}
	return TN_OK;
}

static int rle_enc_lits(struct pq_rle_enc *e, uint32_t v, uint64_t count, struct tn_err *err)
{
	while (count) {
		uint32_t k = (uint32_t)(count < RLE_LIT_MAX - e->nlit ? count : RLE_LIT_MAX - e->nlit);
		int rc;

		for (uint32_t j = 0; j < k; j++)
			e->lit[e->nlit + j] = v;
		e->nlit += k;
		count -= k;
		if (e->nlit == RLE_LIT_MAX && (rc = rle_enc_flush_lits(e, false, err)) != TN_OK)
			return rc;
	}
	return TN_OK;
}

static int rle_enc_run(struct pq_rle_enc *e, uint32_t v, uint64_t len, struct tn_err *err)
{
	size_t nb = ((size_t)e->bit_width + 7) / 8;

	while (len) {
		uint64_t k = len < RLE_MAX_RUN ? len : RLE_MAX_RUN;
		int rc;

		if ((rc = uleb_put(e->out, k << 1, err)) != TN_OK ||
		    (rc = tn_buf_append(e->out, &v, nb, err)) != TN_OK)
			return rc;
		len -= k;
	}
	return TN_OK;
}

/* Place the trailing run of equal values: an RLE run when at least 8 are
 * left after completing the literals' last group, else literals. */
static int rle_enc_settle(struct pq_rle_enc *e, struct tn_err *err)
{
	uint64_t len = e->run_len;
	uint32_t v = e->run_value;
	int rc;

	e->run_len = 0;
	if (len >= 8) {
		uint32_t fill = (8 - e->nlit % 8) % 8;

		if (fill && (rc = rle_enc_lits(e, v, fill, err)) != TN_OK)
			return rc;
		len -= fill;
		if (len >= 8) {
			if ((rc = rle_enc_flush_lits(e, false, err)) != TN_OK)
				return rc;
			return rle_enc_run(e, v, len, err);
		}
	}
	return rle_enc_lits(e, v, len, err);
}

int pq_rle_enc_put(struct pq_rle_enc *e, const uint32_t *v, size_t n, struct tn_err *err)
{
	uint32_t all = 0;
	int rc;

	for (size_t i = 0; i < n; i++)
		all |= v[i];
	if (e->bit_width < 32 && (all >> e->bit_width) != 0) {
		for (size_t i = 0; i < n; i++)
			if (v[i] >> e->bit_width)
				return tn_err_set(err, TN_EINVAL,
						  "value %u does not fit in RLE bit width %d", v[i],
						  e->bit_width);
	}
	for (size_t i = 0; i < n;) {
		uint32_t x = v[i];
		size_t j = i + 1;

		while (j < n && v[j] == x)
			j++;
		if (e->run_len && e->run_value == x) {
			e->run_len += j - i;
		} else {
			if (e->run_len < 8 && e->nlit + e->run_len < RLE_LIT_MAX) {
				/* The common short run: straight to the literals. */
				for (uint32_t k = 0; k < e->run_len; k++)
					e->lit[e->nlit + k] = e->run_value;
				e->nlit += (uint32_t)e->run_len;
			} else if ((rc = rle_enc_settle(e, err)) != TN_OK) {
				return rc;
			}
			e->run_value = x;
			e->run_len = j - i;
		}
		i = j;
	}
	return TN_OK;
}

int pq_rle_enc_put_levels(struct pq_rle_enc *e, const int16_t *v, size_t n, struct tn_err *err)
{
	uint32_t tmp[256];

	for (size_t i = 0; i < n; i += 256) {
		size_t k = min_sz(256, n - i);
		int rc;

		for (size_t j = 0; j < k; j++)
			tmp[j] = (uint32_t)(uint16_t)v[i + j];
		if ((rc = pq_rle_enc_put(e, tmp, k, err)) != TN_OK)
			return rc;
	}
	return TN_OK;
}

int pq_rle_enc_put_repeat(struct pq_rle_enc *e, uint32_t v, size_t n, struct tn_err *err)
{
	int rc;

	if (e->bit_width < 32 && (v >> e->bit_width) != 0)
		return tn_err_set(err, TN_EINVAL, "value %u does not fit in RLE bit width %d", v,
				  e->bit_width);
	if (n == 0)
		return TN_OK;
	if (e->run_len && e->run_value == v) {
		e->run_len += n;
		return TN_OK;
	}
	if (e->run_len && (rc = rle_enc_settle(e, err)) != TN_OK)
		return rc;
	e->run_value = v;
	e->run_len = n;
	return TN_OK;
}

int pq_rle_enc_finish(struct pq_rle_enc *e, struct tn_err *err)
{
	int rc;

	if (e->nlit % 8 == 0 && e->run_len) {
		/* The trailing run can be an RLE run however short it is. */
		if ((rc = rle_enc_flush_lits(e, false, err)) != TN_OK ||
		    (rc = rle_enc_run(e, e->run_value, e->run_len, err)) != TN_OK)
			return rc;
		e->run_len = 0;
	} else if ((rc = rle_enc_settle(e, err)) != TN_OK) {
		return rc;
	}
	if ((rc = rle_enc_flush_lits(e, true, err)) != TN_OK)
		return rc;
	if (e->prefixed) {
		size_t n = e->out->len - e->prefix_at - 4;
		uint32_t n32 = (uint32_t)n;

		if (n > UINT32_MAX)
			return tn_err_set(err, TN_ETOOBIG, "RLE data of %zu bytes is over 4 GiB", n);
		memcpy(e->out->data + e->prefix_at, &n32, 4);
	}
	return TN_OK;
}

/* ------------------------------------------------------------------ PLAIN */

int pq_plain_decode_fixed(const uint8_t *p, size_t len, size_t width, void *out, size_t n,
			  size_t *consumed, struct tn_err *err)
{
	size_t need;

	if (width != 0 && n > len / width)
		return tn_err_set(err, TN_ECORRUPT,
				  "PLAIN data holds %zu values of %zu bytes, %zu expected", len / width,
				  width, n);
	need = n * width;
	if (need)
		memcpy(out, p, need);
	if (consumed != NULL)
		*consumed = need;
	return TN_OK;
}

int pq_plain_decode_bool(const uint8_t *p, size_t len, size_t *bit_pos, uint8_t *out, size_t n,
			 struct tn_err *err)
{
	size_t pos = *bit_pos, i = 0;

	if (pos > len * 8 || n > len * 8 - pos)
		return tn_err_set(err, TN_ECORRUPT,
				  "PLAIN BOOLEAN data holds %zu values, %zu expected",
				  pos > len * 8 ? 0 : len * 8 - pos, n);
	/* Up to a byte boundary, then whole bytes 8 values at a time. */
	for (; i < n && (pos & 7); i++, pos++)
		out[i] = (p[pos >> 3] >> (pos & 7)) & 1;
	for (; n - i >= 8; i += 8, pos += 8) {
		uint8_t b = p[pos >> 3];

		for (int j = 0; j < 8; j++)
			out[i + j] = (b >> j) & 1;
	}
	for (; i < n; i++, pos++)
		out[i] = (p[pos >> 3] >> (pos & 7)) & 1;
	*bit_pos = pos;
	return TN_OK;
}

int pq_plain_decode_byte_array(const uint8_t *p, size_t len, struct tn_bytes *out, size_t n,
			       size_t *consumed, struct tn_err *err)
{
	size_t pos = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t l;

		if (len - pos < 4)
			return tn_err_set(err, TN_ECORRUPT,
					  "PLAIN BYTE_ARRAY value %zu of %zu: length is truncated at byte %zu",
					  i, n, pos);
		l = load32(p + pos);
		pos += 4;
		if (l > len - pos)
			return tn_err_set(err, TN_ECORRUPT,
					  "PLAIN BYTE_ARRAY value %zu of %zu: length %u at byte %zu runs past the page (%zu bytes remain)",
					  i, n, l, pos - 4, len - pos);
		out[i].ptr = p + pos;
		out[i].len = l;
		pos += l;
	}
	if (consumed != NULL)
		*consumed = pos;
	return TN_OK;
}

int pq_plain_decode_flba(const uint8_t *p, size_t len, size_t type_len, struct tn_bytes *out,
			 size_t n, size_t *consumed, struct tn_err *err)
{
	if (type_len == 0 || type_len > INT32_MAX)
		return tn_err_set(err, TN_ECORRUPT, "FIXED_LEN_BYTE_ARRAY length %zu is not 1..2^31-1",
				  type_len);
	if (n > len / type_len)
		return tn_err_set(err, TN_ECORRUPT,
				  "PLAIN data holds %zu values of %zu bytes, %zu expected",
				  len / type_len, type_len, n);
	for (size_t i = 0; i < n; i++) {
		out[i].ptr = p + i * type_len;
		out[i].len = (uint32_t)type_len;
	}
	if (consumed != NULL)
		*consumed = n * type_len;
	return TN_OK;
}

int pq_plain_encode_fixed(const void *v, size_t width, size_t n, struct tn_buf *out,
			  struct tn_err *err)
{
	if (width != 0 && n > SIZE_MAX / width)
		return tn_err_set(err, TN_ETOOBIG, "%zu values of %zu bytes overflow", n, width);
	return tn_buf_append(out, v, n * width, err);
}

int pq_plain_encode_bool(const uint8_t *v, size_t n, struct tn_buf *out, struct tn_err *err)
{
	size_t bytes = (n + 7) / 8;
	uint8_t *o;
	int rc;

	if ((rc = tn_buf_reserve(out, bytes, err)) != TN_OK)
		return rc;
	o = (uint8_t *)out->data + out->len;
	memset(o, 0, bytes);
	for (size_t i = 0; i < n; i++)
		o[i >> 3] |= (uint8_t)((v[i] != 0) << (i & 7));
	out->len += bytes;
	out->data[out->len] = '\0';
	return TN_OK;
}

int pq_plain_encode_byte_array(const struct tn_bytes *v, size_t n, struct tn_buf *out,
			       struct tn_err *err)
{
	size_t total = 0;
	char *o;
	int rc;

	for (size_t i = 0; i < n; i++) {
		if (v[i].len > INT32_MAX)
			return tn_err_set(err, TN_EINVAL, "BYTE_ARRAY value %zu of %u bytes is over 2 GiB",
					  i, v[i].len);
		total += 4 + (size_t)v[i].len;
	}
	if ((rc = tn_buf_reserve(out, total, err)) != TN_OK)
		return rc;
	o = out->data + out->len;
	for (size_t i = 0; i < n; i++) {
		memcpy(o, &v[i].len, 4);
		if (v[i].len)
			memcpy(o + 4, v[i].ptr, v[i].len);
		o += 4 + v[i].len;
	}
	out->len += total;
	out->data[out->len] = '\0';
	return TN_OK;
}

int pq_plain_encode_flba(const struct tn_bytes *v, size_t n, size_t type_len,
			 struct tn_buf *out, struct tn_err *err)
{
	int rc;

	for (size_t i = 0; i < n; i++)
		if (v[i].len != type_len)
			return tn_err_set(err, TN_EINVAL,
					  "FIXED_LEN_BYTE_ARRAY(%zu) value %zu has %u bytes", type_len, i,
					  v[i].len);
	if (type_len && n > SIZE_MAX / type_len)
		return tn_err_set(err, TN_ETOOBIG, "%zu values of %zu bytes overflow", n, type_len);
	if ((rc = tn_buf_reserve(out, n * type_len, err)) != TN_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		tn_buf_append(out, v[i].ptr, type_len, NULL); /* reserved above */
	return TN_OK;
}

/* ---------------------------------------------------- DELTA_BINARY_PACKED */

int pq_delta_dec_init(struct pq_delta_dec *d, const uint8_t *p, size_t len, int value_bits,
		      uint64_t max_values, struct tn_err *err)
{
	uint64_t block_size, mb_count, total, first;

	memset(d, 0, sizeof(*d));
	d->start = d->p = p;
	d->end = p + len;
	d->value_bits = value_bits;
	if (value_bits != 32 && value_bits != 64)
		return tn_err_set(err, TN_EINVAL, "DELTA_BINARY_PACKED of %d-bit values", value_bits);
	if (!uleb_read(&d->p, d->end, &block_size) || !uleb_read(&d->p, d->end, &mb_count) ||
	    !uleb_read(&d->p, d->end, &total) || !uleb_read(&d->p, d->end, &first))
		return tn_err_set(err, TN_ECORRUPT,
				  "DELTA_BINARY_PACKED header is truncated or has a bad varint");
	if (block_size == 0 || block_size % 128 != 0 || block_size > PQ_DELTA_MAX_BLOCK_SIZE)
		return tn_err_set(err, TN_ECORRUPT,
				  "DELTA_BINARY_PACKED block size %llu is not a multiple of 128 up to %u",
				  (ull)block_size, PQ_DELTA_MAX_BLOCK_SIZE);
	if (mb_count == 0 || block_size % mb_count != 0 || (block_size / mb_count) % 32 != 0)
		return tn_err_set(err, TN_ECORRUPT,
				  "DELTA_BINARY_PACKED block of %llu values cannot have %llu miniblocks (each must hold a multiple of 32)",
				  (ull)block_size, (ull)mb_count);
	if (total > max_values)
		return tn_err_set(err, TN_ECORRUPT,
				  "DELTA_BINARY_PACKED holds %llu values, more than the %llu expected",
				  (ull)total, (ull)max_values);
	d->block_size = (uint32_t)block_size;
	d->mb_count = (uint32_t)mb_count;
	d->mb_size = (uint32_t)(block_size / mb_count);
	d->total = d->left = total;
	d->last = zigzag_decode(first);
	d->first_pending = total > 0;
	d->mb_index = d->mb_count; /* the first miniblock needs a block header */
	return TN_OK;
}

/* Start the next miniblock, reading a block header first if needed. */
static int delta_next_mb(struct pq_delta_dec *d, struct tn_err *err)
{
	size_t bytes;
	int w;

	if (d->mb_index >= d->mb_count) {
		uint64_t md;

		if (!uleb_read(&d->p, d->end, &md))
			return tn_err_set(err, TN_ECORRUPT,
					  "DELTA_BINARY_PACKED block header at byte %zu (after %llu of %llu values) is truncated or has a bad varint",
					  (size_t)(d->p - d->start), (ull)(d->total - d->left),
					  (ull)d->total);
		if ((size_t)(d->end - d->p) < d->mb_count)
			return tn_err_set(err, TN_ECORRUPT,
					  "DELTA_BINARY_PACKED block at byte %zu: %u miniblock bit widths run past the data",
					  (size_t)(d->p - d->start), d->mb_count);
		d->min_delta = zigzag_decode(md);
		d->widths = d->p;
		d->p += d->mb_count;
		d->mb_index = 0;
	}
	w = d->widths[d->mb_index++];
	if (w > d->value_bits)
		return tn_err_set(err, TN_ECORRUPT,
				  "DELTA_BINARY_PACKED miniblock bit width %d is over %d", w,
				  d->value_bits);
	bytes = (size_t)d->mb_size / 8 * (size_t)w;
	if ((size_t)(d->end - d->p) < bytes)
		return tn_err_set(err, TN_ECORRUPT,
				  "DELTA_BINARY_PACKED miniblock of %u values at %d bits needs %zu bytes, only %zu remain",
				  d->mb_size, w, bytes, (size_t)(d->end - d->p));
	d->mb_p = d->p;
	d->p += bytes;
	d->mb_width = w;
	d->mb_left = d->mb_size;
	return TN_OK;
}

static int delta_check_n(const struct pq_delta_dec *d, size_t n, int bits, struct tn_err *err)
{
	if (d->value_bits != bits)
		return tn_err_set(err, TN_EINVAL, "DELTA_BINARY_PACKED decoder is for %d-bit values",
				  d->value_bits);
	if (n > d->left)
		return tn_err_set(err, TN_ECORRUPT,
				  "DELTA_BINARY_PACKED holds %llu values, %llu more expected",
				  (ull)d->total, (ull)(d->total - d->left + n));
	return TN_OK;
}

int pq_delta_dec_get_i64(struct pq_delta_dec *d, int64_t *out, size_t n, struct tn_err *err)
{
	uint64_t last = d->last, md = d->min_delta;
	size_t i = 0;
	int rc;

	if ((rc = delta_check_n(d, n, 64, err)) != TN_OK)
		return rc;
	if (n && d->first_pending) {
		out[i++] = (int64_t)last;
		d->first_pending = false;
	}
	while (i < n) {
		if (d->stage_pos < d->stage_len) {
			size_t k = min_sz(d->stage_len - d->stage_pos, n - i);

			for (size_t j = 0; j < k; j++) {
				last += md + d->stage[d->stage_pos + j];
				out[i + j] = (int64_t)last;
			}
			d->stage_pos += (uint32_t)k;
			i += k;
		} else if (d->mb_left == 0) {
			if ((rc = delta_next_mb(d, err)) != TN_OK) {
				d->last = last;
				return rc;
			}
			md = d->min_delta;
		} else {
			const int w = d->mb_width;
			size_t groups = min_sz((n - i) / 8, d->mb_left / 8);

			if (groups) {
				last = delta64(d->mb_p, (size_t)(d->end - d->mb_p), w,
					       (uint64_t *)out + i, groups, last, md);
				i += groups * 8;
			} else {
				groups = 1;
				unpack64(d->mb_p, (size_t)(d->end - d->mb_p), w, d->stage, 8);
				d->stage_pos = 0;
				d->stage_len = 8;
			}
			d->mb_p += groups * (size_t)w;
			d->mb_left -= (uint32_t)(groups * 8);
		}
	}
	d->last = last;
	d->left -= n;
	return TN_OK;
}

int pq_delta_dec_get_i32(struct pq_delta_dec *d, int32_t *out, size_t n, struct tn_err *err)
{
	uint32_t last = (uint32_t)d->last, md = (uint32_t)d->min_delta;
	size_t i = 0;
	int rc;

	if ((rc = delta_check_n(d, n, 32, err)) != TN_OK)
		return rc;
	if (n && d->first_pending) {
		out[i++] = (int32_t)last;
		d->first_pending = false;
	}
	while (i < n) {
		if (d->stage_pos < d->stage_len) {
			size_t k = min_sz(d->stage_len - d->stage_pos, n - i);

			for (size_t j = 0; j < k; j++) {
				last += md + (uint32_t)d->stage[d->stage_pos + j];
				out[i + j] = (int32_t)last;
			}
			d->stage_pos += (uint32_t)k;
			i += k;
		} else if (d->mb_left == 0) {
			if ((rc = delta_next_mb(d, err)) != TN_OK) {
				d->last = last;
				return rc;
			}
			md = (uint32_t)d->min_delta;
		} else {
			const int w = d->mb_width;
			size_t groups = min_sz((n - i) / 8, d->mb_left / 8);

			if (groups) {
				last = delta32(d->mb_p, (size_t)(d->end - d->mb_p), w,
					       (uint32_t *)out + i, groups, last, md);
				i += groups * 8;
			} else {
				uint32_t tmp[8];

				groups = 1;
				unpack32(d->mb_p, (size_t)(d->end - d->mb_p), w, tmp, 8);
				for (int j = 0; j < 8; j++)
					d->stage[j] = tmp[j];
				d->stage_pos = 0;
				d->stage_len = 8;
			}
			d->mb_p += groups * (size_t)w;
			d->mb_left -= (uint32_t)(groups * 8);
		}
	}
	d->last = last;
	d->left -= n;
	return TN_OK;
}

size_t pq_delta_dec_consumed(const struct pq_delta_dec *d)
{
	return (size_t)(d->p - d->start);
}

static int delta_decode_exact(struct pq_delta_dec *d, const uint8_t *p, size_t len, int bits,
			      size_t n, struct tn_err *err)
{
	int rc = pq_delta_dec_init(d, p, len, bits, n, err);

	if (rc != TN_OK)
		return rc;
	if (d->total != n)
		return tn_err_set(err, TN_ECORRUPT,
				  "DELTA_BINARY_PACKED holds %llu values, %zu expected", (ull)d->total,
				  n);
	return TN_OK;
}

int pq_delta_decode_i64(const uint8_t *p, size_t len, int64_t *out, size_t n, size_t *consumed,
			struct tn_err *err)
{
	struct pq_delta_dec d;
	int rc;

	if ((rc = delta_decode_exact(&d, p, len, 64, n, err)) != TN_OK ||
	    (rc = pq_delta_dec_get_i64(&d, out, n, err)) != TN_OK)
		return rc;
	if (consumed != NULL)
		*consumed = pq_delta_dec_consumed(&d);
	return TN_OK;
}

int pq_delta_decode_i32(const uint8_t *p, size_t len, int32_t *out, size_t n, size_t *consumed,
			struct tn_err *err)
{
	struct pq_delta_dec d;
	int rc;

	if ((rc = delta_decode_exact(&d, p, len, 32, n, err)) != TN_OK ||
	    (rc = pq_delta_dec_get_i32(&d, out, n, err)) != TN_OK)
		return rc;
	if (consumed != NULL)
		*consumed = pq_delta_dec_consumed(&d);
	return TN_OK;
}

#define DELTA_BLOCK 128
#define DELTA_MINIBLOCKS 4
#define DELTA_MB_SIZE (DELTA_BLOCK / DELTA_MINIBLOCKS)

/* Encode n values given as uint64 (INT32 values zero-extended to 64 bits
 * with bits 32; deltas then wrap in 32 bits). */
static int delta_encode(const void *values, int bits, size_t n, struct tn_buf *out,
			struct tn_err *err)
{
	const int64_t *v64 = values;
	const int32_t *v32 = values;
	uint64_t first;
	int rc;

	if ((rc = uleb_put(out, DELTA_BLOCK, err)) != TN_OK ||
	    (rc = uleb_put(out, DELTA_MINIBLOCKS, err)) != TN_OK ||
	    (rc = uleb_put(out, n, err)) != TN_OK)
		return rc;
	first = n == 0 ? 0 : zigzag_encode(bits == 64 ? v64[0] : v32[0]);
	if ((rc = uleb_put(out, first, err)) != TN_OK)
		return rc;
	for (size_t start = 1; start < n; start += DELTA_BLOCK) {
		size_t cnt = min_sz(DELTA_BLOCK, n - start);
		uint64_t rel[DELTA_BLOCK] = {0};
		uint8_t widths[DELTA_MINIBLOCKS] = {0};
		int64_t min;
		size_t nmb = (cnt + DELTA_MB_SIZE - 1) / DELTA_MB_SIZE;

		/* Deltas in wrapping arithmetic, their minimum as a signed
		 * number of the column's width, then the deltas above it. */
		if (bits == 64) {
			min = INT64_MAX;
			for (size_t j = 0; j < cnt; j++) {
				rel[j] = (uint64_t)v64[start + j] - (uint64_t)v64[start + j - 1];
				if ((int64_t)rel[j] < min)
					min = (int64_t)rel[j];
			}
			for (size_t j = 0; j < cnt; j++)
				rel[j] -= (uint64_t)min;
		} else {
			int32_t min32 = INT32_MAX;

			for (size_t j = 0; j < cnt; j++) {
				uint32_t dl = (uint32_t)v32[start + j] - (uint32_t)v32[start + j - 1];

				rel[j] = dl;
				if ((int32_t)dl < min32)
					min32 = (int32_t)dl;
			}
			for (size_t j = 0; j < cnt; j++)
				rel[j] = (uint32_t)rel[j] - (uint32_t)min32;
			min = min32;
		}
		for (size_t m = 0; m < nmb; m++) {
			uint64_t all = 0;

			for (size_t j = m * DELTA_MB_SIZE; j < (m + 1) * DELTA_MB_SIZE; j++)
				all |= rel[j]; /* padding past cnt is 0 */
			widths[m] = (uint8_t)pq_bit_width(all);
		}
		if ((rc = uleb_put(out, zigzag_encode(min), err)) != TN_OK ||
		    (rc = tn_buf_append(out, widths, DELTA_MINIBLOCKS, err)) != TN_OK)
			return rc;
		for (size_t m = 0; m < nmb; m++) {
			size_t bytes = (size_t)DELTA_MB_SIZE / 8 * widths[m];

			if ((rc = tn_buf_reserve(out, bytes, err)) != TN_OK)
				return rc;
			pack64_tab[widths[m]](rel + m * DELTA_MB_SIZE, (uint8_t *)out->data + out->len,
					      DELTA_MB_SIZE / 8);
			out->len += bytes;
			out->data[out->len] = '\0';
		}
	}
	return TN_OK;
}

int pq_delta_encode_i64(const int64_t *v, size_t n, struct tn_buf *out, struct tn_err *err)
{
	return delta_encode(v, 64, n, out, err);
}

int pq_delta_encode_i32(const int32_t *v, size_t n, struct tn_buf *out, struct tn_err *err)
{
	return delta_encode(v, 32, n, out, err);
}

/* ------------------------------------------ DELTA_LENGTH / DELTA_BYTE_ARRAY */

/* Decode n lengths (a DELTA_BINARY_PACKED INT32 stream of exactly n values)
 * into out[i].len, checking each is not negative. *consumed: stream bytes;
 * *sum: the total of the lengths. what names the stream in messages. */
static int delta_lengths(const uint8_t *p, size_t len, struct tn_bytes *out, size_t n,
			 const char *what, size_t *consumed, uint64_t *sum, struct tn_err *err)
{
	struct pq_delta_dec d;
	int32_t tmp[1024];
	uint64_t total = 0;
	int rc;

	if ((rc = delta_decode_exact(&d, p, len, 32, n, err)) != TN_OK) {
		tn_err_prefix(err, "%s", what);
		return rc;
	}
	for (size_t i = 0; i < n; i += 1024) {
		size_t k = min_sz(1024, n - i);
		int32_t neg = 0;

		if ((rc = pq_delta_dec_get_i32(&d, tmp, k, err)) != TN_OK) {
			tn_err_prefix(err, "%s", what);
			return rc;
		}
		for (size_t j = 0; j < k; j++) {
			neg |= tmp[j];
			out[i + j].ptr = NULL;
			out[i + j].len = (uint32_t)tmp[j];
			total += (uint32_t)tmp[j];
		}
		if (neg < 0) {
			for (size_t j = 0; j < k; j++)
				if (tmp[j] < 0)
					return tn_err_set(err, TN_ECORRUPT, "%s: value %zu has length %d",
							  what, i + j, tmp[j]);
		}
	}
	*consumed = pq_delta_dec_consumed(&d);
	*sum = total;
	return TN_OK;
}

int pq_delta_length_decode(const uint8_t *p, size_t len, struct tn_bytes *out, size_t n,
			   size_t *consumed, struct tn_err *err)
{
	size_t pos;
	uint64_t sum;
	const uint8_t *data;
	int rc;

	rc = delta_lengths(p, len, out, n, "DELTA_LENGTH_BYTE_ARRAY lengths", &pos, &sum, err);
	if (rc != TN_OK)
		return rc;
	if (sum > len - pos)
		return tn_err_set(err, TN_ECORRUPT,
				  "DELTA_LENGTH_BYTE_ARRAY values need %llu bytes, only %zu remain",
				  (ull)sum, len - pos);
	data = p + pos;
	for (size_t i = 0; i < n; i++) {
		out[i].ptr = data;
		data += out[i].len;
	}
	if (consumed != NULL)
		*consumed = pos + (size_t)sum;
	return TN_OK;
}

int pq_delta_bytes_decode(const uint8_t *p, size_t len, struct tn_bytes *out, size_t n,
			  struct tn_arena *arena, size_t *consumed, struct tn_err *err)
{
	struct tn_bytes *sfx = NULL;
	size_t pos, pos2;
	uint64_t sum, total = 0, prev = 0;
	uint8_t *dst;
	const uint8_t *prevp = NULL;
	int rc;

	/* Prefix lengths go to out[i].len, suffixes to a scratch array. */
	rc = delta_lengths(p, len, out, n, "DELTA_BYTE_ARRAY prefix lengths", &pos, &sum, err);
	if (rc != TN_OK)
		return rc;
	sfx = tn_reallocarray(NULL, n ? n : 1, sizeof(*sfx));
	rc = pq_delta_length_decode(p + pos, len - pos, sfx, n, &pos2, err);
	if (rc != TN_OK) {
		tn_err_prefix(err, "DELTA_BYTE_ARRAY suffixes");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t l;

		if (out[i].len > prev) {
			rc = tn_err_set(err, TN_ECORRUPT,
					"DELTA_BYTE_ARRAY value %zu: prefix of %u bytes is longer than the previous value (%llu bytes)",
					i, out[i].len, (ull)prev);
			goto done;
		}
		l = out[i].len + (uint64_t)sfx[i].len;
		total += l;
		if (total > PQ_DELTA_BYTES_MAX) {
			rc = tn_err_set(err, TN_ETOOBIG,
					"DELTA_BYTE_ARRAY values take more than %zu bytes",
					PQ_DELTA_BYTES_MAX);
			goto done;
		}
		prev = l;
	}
	dst = tn_arena_alloc(arena, total ? (size_t)total : 1);
	for (size_t i = 0; i < n; i++) {
		uint32_t pl = out[i].len, sl = sfx[i].len;

		if (pl)
			memcpy(dst, prevp, pl);
		if (sl)
			memcpy(dst + pl, sfx[i].ptr, sl);
		out[i].ptr = dst;
		out[i].len = pl + sl;
		prevp = dst;
		dst += pl + sl;
	}
	if (consumed != NULL)
		*consumed = pos + pos2;
	rc = TN_OK;
done:
	free(sfx);
	return rc;
}

int pq_delta_length_encode(const struct tn_bytes *v, size_t n, struct tn_buf *out,
			   struct tn_err *err)
{
	int32_t *lens = tn_reallocarray(NULL, n ? n : 1, sizeof(*lens));
	int rc = TN_OK;

	for (size_t i = 0; i < n; i++) {
		if (v[i].len > INT32_MAX) {
			rc = tn_err_set(err, TN_EINVAL, "BYTE_ARRAY value %zu of %u bytes is over 2 GiB",
					i, v[i].len);
			goto done;
		}
		lens[i] = (int32_t)v[i].len;
	}
	if ((rc = pq_delta_encode_i32(lens, n, out, err)) != TN_OK)
		goto done;
	for (size_t i = 0; i < n && rc == TN_OK; i++)
		rc = tn_buf_append(out, v[i].ptr, v[i].len, err);
done:
	free(lens);
	return rc;
}

int pq_delta_bytes_encode(const struct tn_bytes *v, size_t n, struct tn_buf *out,
			  struct tn_err *err)
{
	int32_t *pfx = tn_reallocarray(NULL, n ? n : 1, sizeof(*pfx));
	struct tn_bytes *sfx = tn_reallocarray(NULL, n ? n : 1, sizeof(*sfx));
	int rc = TN_OK;

	for (size_t i = 0; i < n; i++) {
		uint32_t k = 0;

		if (v[i].len > INT32_MAX) {
			rc = tn_err_set(err, TN_EINVAL, "BYTE_ARRAY value %zu of %u bytes is over 2 GiB",
					i, v[i].len);
			goto done;
		}
		if (i > 0) {
			uint32_t m = v[i].len < v[i - 1].len ? v[i].len : v[i - 1].len;

			while (k < m && v[i].ptr[k] == v[i - 1].ptr[k])
				k++;
		}
		pfx[i] = (int32_t)k;
		sfx[i].ptr = v[i].ptr + k;
		sfx[i].len = v[i].len - k;
	}
	if ((rc = pq_delta_encode_i32(pfx, n, out, err)) == TN_OK)
		rc = pq_delta_length_encode(sfx, n, out, err);
done:
	free(pfx);
	free(sfx);
	return rc;
}

/* ------------------------------------------------------ BYTE_STREAM_SPLIT */

/* Gather: out value i byte b = stream b (of stride) at first + i. */
static ALWAYS_INLINE void bss_gather(const uint8_t *p, size_t stride, const size_t width,
				     size_t first, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t b = 0; b < width; b++)
			out[i * width + b] = p[b * stride + first + i];
}

int pq_bss_decode_range(const uint8_t *p, size_t len, size_t width, size_t first, void *out,
			size_t n, struct tn_err *err)
{
	size_t total;

	if (width == 0)
		return tn_err_set(err, TN_ECORRUPT, "BYTE_STREAM_SPLIT of 0-byte values");
	if (len % width != 0)
		return tn_err_set(err, TN_ECORRUPT,
				  "BYTE_STREAM_SPLIT data of %zu bytes is not a whole number of %zu-byte values",
				  len, width);
	total = len / width;
	if (first > total || n > total - first)
		return tn_err_set(err, TN_ECORRUPT,
				  "BYTE_STREAM_SPLIT data holds %zu values, values %zu..%zu wanted", total,
				  first, first + n);
	switch (width) {
	case 2: bss_gather(p, total, 2, first, out, n); break;
	case 4: bss_gather(p, total, 4, first, out, n); break;
	case 8: bss_gather(p, total, 8, first, out, n); break;
	default: bss_gather(p, total, width, first, out, n); break;
	}
	return TN_OK;
}

int pq_bss_decode(const uint8_t *p, size_t len, size_t width, void *out, size_t n,
		  struct tn_err *err)
{
	if (width == 0 || n > len / width || len != n * width)
		return tn_err_set(err, TN_ECORRUPT,
				  "BYTE_STREAM_SPLIT data of %zu bytes is not %zu values of %zu bytes", len,
				  n, width);
	return pq_bss_decode_range(p, len, width, 0, out, n, err);
}

static ALWAYS_INLINE void bss_scatter(const uint8_t *v, const size_t width, size_t n,
				      uint8_t *out)
{
	for (size_t i = 0; i < n; i++)
		for (size_t b = 0; b < width; b++)
			out[b * n + i] = v[i * width + b];
}

int pq_bss_encode(const void *v, size_t width, size_t n, struct tn_buf *out, struct tn_err *err)
{
	uint8_t *o;
	int rc;

	if (width != 0 && n > SIZE_MAX / 2 / width)
		return tn_err_set(err, TN_ETOOBIG, "%zu values of %zu bytes overflow", n, width);
	if ((rc = tn_buf_reserve(out, n * width, err)) != TN_OK)
		return rc;
	o = (uint8_t *)out->data + out->len;
	switch (width) {
	case 2: bss_scatter(v, 2, n, o); break;
	case 4: bss_scatter(v, 4, n, o); break;
	case 8: bss_scatter(v, 8, n, o); break;
	default: bss_scatter(v, width, n, o); break;
	}
	out->len += n * width;
	out->data[out->len] = '\0';
	return TN_OK;
}

/* ---------------------------------------------------------------- FLOAT16 */

float pq_half_to_float(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
	uint32_t bits;
	float f;

	if (exp == 0x1f) {
		bits = sign | 0x7f800000u | (mant << 13); /* inf, or NaN with its payload */
	} else if (exp == 0) {
		/* Zero or subnormal: mant * 2^-24, exact in a float. */
		f = (float)mant * 0x1p-24f;
		return sign ? -f : f;
	} else {
		bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
	}
	memcpy(&f, &bits, 4);
	return f;
}

void pq_half_decode(const uint8_t *p, float *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = pq_half_to_float((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
}
