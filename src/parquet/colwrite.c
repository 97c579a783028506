/* colwrite.c - one leaf column of the Parquet writer: values in their
 * physical form, data pages (RLE levels, then PLAIN values or dictionary
 * indices), compression, the column chunk's dictionary and statistics.
 *
 * Pages are built from "pieces" of level entries that end at row
 * boundaries, so that no row spans two pages. A piece's values go to the
 * dictionary while it is on; when the dictionary grows past its limit the
 * page is finished and the rest of the column chunk is PLAIN. The chunk's
 * data pages are kept (compressed, with their headers) until the row group
 * is written, because the dictionary page has to come first. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "parquet/parquet_int.h"

#define PIECE_MAX	4096	   /* level entries per piece at most */
#define PAGE_MAX_SLOTS	(1u << 20) /* level entries per page at most */
#define STATS_MAX_BYTES 1024	   /* longer byte-array min/max values are truncated */
#define TABLE_MIN_BITS	10

#define HASH_MUL 0x9e3779b97f4a7c15ULL
#define HASH_MIX 0xd6e8feb86659fd93ULL

/* How a vector's storage becomes the physical value. */
enum conv {
	CV_COPY, /* the same bytes */
	CV_BOOL, /* uint8_t, any non-zero is true */
	CV_I8,	 /* to INT32 */
	CV_U8,
	CV_I16,
	CV_U16,
	CV_TIME_MS,  /* int64_t to INT32, checked */
	CV_DEC_I32,  /* decimal(p <= 9): int64_t to INT32, checked against the precision */
	CV_DEC_I64,  /* decimal(p <= 18): checked */
	CV_DEC_FLBA, /* decimal(p > 18): __int128 to big-endian bytes, checked */
	CV_UUID,     /* 16-byte struct tn_bytes to FIXED_LEN_BYTE_ARRAY(16) */
};

/* How statistics compare values (the column order of the logical type). */
enum order {
	OR_BOOL,
	OR_I32,
	OR_U32,
	OR_I64,
	OR_U64,
	OR_FLOAT,
	OR_DOUBLE,
	OR_BYTES,     /* unsigned byte-wise: BYTE_ARRAY, UUID */
	OR_DEC_BYTES, /* big-endian two's complement: decimal FIXED_LEN_BYTE_ARRAY */
};

struct stats {
	bool has; /* min and max hold a value (not every value was null or NaN) */
	union {
		int64_t i;
		uint64_t u;
		double d;
	} min, max;
	struct tn_buf minb, maxb; /* OR_BYTES, OR_DEC_BYTES */
	int64_t nulls;
};

struct pq_cw {
	const struct tn_type *type;
	const char *path;
	int phys, type_len;
	size_t width;  /* bytes of a physical value in memory (struct tn_bytes for BYTE_ARRAY) */
	size_t vwidth; /* bytes of a value in the vector */
	bool bytes;    /* BYTE_ARRAY */
	int conv, order;
	int max_def, max_rep;
	__int128 dec_limit; /* decimals: 10^precision */

	/* the page being built */
	struct tn_buf def_buf, rep_buf, vals;
	struct pq_rle_enc def_enc, rep_enc;
	uint32_t *idx; /* dictionary indices */
	size_t nidx, idx_cap;
	size_t page_slots;
	size_t page_vbytes; /* bytes of the page's values as PLAIN would take */
	size_t slot_bytes;  /* bytes per level entry on the last page (0: no page yet) */
	bool page_dict;	    /* the page holds dictionary indices */

	/* the column chunk */
	struct tn_buf pages; /* finished data pages: header, compressed data, ... */
	int64_t num_values;
	int64_t usize, csize; /* data pages with their headers */
	int32_t ndict_pages, nplain_pages;
	bool dict_allowed, use_dict;

	/* the dictionary: PLAIN values, and an open-addressing table of entry + 1 */
	struct tn_buf dict;
	uint32_t dict_n;
	uint32_t *table;
	int table_bits;
	uint32_t *dict_off;  /* BYTE_ARRAY: where each entry's bytes start in dict */
	uint64_t *dict_hash; /* BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY: each entry's hash */
	size_t dict_cap;

	struct stats st;
};

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

/* ------------------------------------------------------------------ context */

void pq_wctx_init(struct pq_wctx *x, const struct pq_write_opts *opts)
{
	memset(x, 0, sizeof(*x));
	x->opts = opts;
	pq_codec_ctx_init(&x->codec);
	tn_buf_init(&x->page, 0);
	tn_buf_init(&x->comp, 0);
}

void pq_wctx_done(struct pq_wctx *x)
{
	pq_codec_ctx_done(&x->codec);
	tn_buf_done(&x->page);
	tn_buf_done(&x->comp);
	free(x->scratch);
	free(x->pos);
	free(x->lev);
	memset(x, 0, sizeof(*x));
}

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 256;

	if (need <= *cap)
		return p;
	while (n < need)
		n *= 2;
	*cap = n;
	return tn_reallocarray(p, n, size);
}

/* ------------------------------------------------------------- statistics */

static int cmp_bytes(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	size_t n = an < bn ? an : bn;
	int c = n ? memcmp(a, b, n) : 0;

	return c ? c : (an > bn) - (an < bn);
}

/* Big-endian two's complement numbers of n bytes, compared by value. */
static int cmp_dec(const uint8_t *a, const uint8_t *b, size_t n)
{
	if (a[0] != b[0])
		return (a[0] ^ 0x80) < (b[0] ^ 0x80) ? -1 : 1;
	return memcmp(a + 1, b + 1, n - 1);
}

static void keep(struct tn_buf *b, const uint8_t *p, size_t n)
{
	tn_buf_reset(b);
	tn_buf_append(b, p, n, NULL); /* no cap */
}

static void stats_bytes(struct stats *st, const uint8_t *p, size_t n, bool dec)
{
	if (!st->has) {
		keep(&st->minb, p, n);
		keep(&st->maxb, p, n);
		st->has = true;
		return;
	}
	if (dec) {
		if (cmp_dec(p, (const uint8_t *)st->minb.data, n) < 0)
			keep(&st->minb, p, n);
		else if (cmp_dec(p, (const uint8_t *)st->maxb.data, n) > 0)
			keep(&st->maxb, p, n);
		return;
	}
	if (cmp_bytes(p, n, (const uint8_t *)st->minb.data, st->minb.len) < 0)
		keep(&st->minb, p, n);
	else if (cmp_bytes(p, n, (const uint8_t *)st->maxb.data, st->maxb.len) > 0)
		keep(&st->maxb, p, n);
}

#define STATS_LOOP(T, field)                                                                       \
	do {                                                                                       \
		const T *q = p;                                                                    \
		T mn = st->has ? (T)st->min.field : q[0];                                          \
		T mx = st->has ? (T)st->max.field : q[0];                                          \
		for (size_t i = 0; i < n; i++) {                                                   \
			mn = q[i] < mn ? q[i] : mn;                                                \
			mx = q[i] > mx ? q[i] : mx;                                                \
		}                                                                                  \
		st->min.field = mn;                                                                \
		st->max.field = mx;                                                                \
		st->has = true;                                                                    \
	} while (0)

/* NaN is never a minimum or a maximum. */
#define STATS_FLOAT_LOOP(T)                                                                        \
	do {                                                                                       \
		const T *q = p;                                                                    \
		for (size_t i = 0; i < n; i++) {                                                   \
			double d = q[i];                                                           \
			if (isnan(d))                                                              \
				continue;                                                          \
			if (!st->has) {                                                            \
				st->min.d = st->max.d = d;                                         \
				st->has = true;                                                    \
			} else if (d < st->min.d) {                                                \
				st->min.d = d;                                                     \
			} else if (d > st->max.d) {                                                \
				st->max.d = d;                                                     \
			}                                                                          \
		}                                                                                  \
	} while (0)

/* Fold n physical values at p into the chunk's statistics. */
static void stats_add(struct pq_cw *c, const void *p, size_t n)
{
	struct stats *st = &c->st;

	if (n == 0)
		return;
	switch (c->order) {
	case OR_BOOL:
		STATS_LOOP(uint8_t, i);
		break;
	case OR_I32:
		STATS_LOOP(int32_t, i);
		break;
	case OR_U32:
		STATS_LOOP(uint32_t, u);
		break;
	case OR_I64:
		STATS_LOOP(int64_t, i);
		break;
	case OR_U64:
		STATS_LOOP(uint64_t, u);
		break;
	case OR_FLOAT:
		STATS_FLOAT_LOOP(float);
		break;
	case OR_DOUBLE:
		STATS_FLOAT_LOOP(double);
		break;
	default:
		if (c->bytes) {
			const struct tn_bytes *b = p;

			for (size_t i = 0; i < n; i++)
				stats_bytes(st, b[i].ptr, b[i].len, false);
		} else {
			const uint8_t *b = p;

			for (size_t i = 0; i < n; i++)
				stats_bytes(st, b + i * c->width, c->width,
					    c->order == OR_DEC_BYTES);
		}
		break;
	}
}

static void stats_reset(struct stats *st)
{
	st->has = false;
	st->nulls = 0;
	tn_buf_reset(&st->minb);
	tn_buf_reset(&st->maxb);
}

static struct pq_binary arena_bytes(struct tn_arena *a, const void *p, size_t n)
{
	struct pq_binary b;
	uint8_t *q = tn_arena_alloc(a, n ? n : 1);

	memcpy(q, p, n);
	b.p = q;
	b.len = n;
	return b;
}

/* The smallest byte string of at most STATS_MAX_BYTES bytes that is above
 * every string starting with p[0..n): the prefix with its last byte that
 * is not 0xff incremented. False when there is none. */
static bool truncate_max(const uint8_t *p, size_t n, uint8_t *out, size_t *outn)
{
	size_t k = n < STATS_MAX_BYTES ? n : STATS_MAX_BYTES;

	while (k > 0 && p[k - 1] == 0xff)
		k--;
	if (k == 0)
		return false;
	memcpy(out, p, k);
	out[k - 1]++;
	*outn = k;
	return true;
}

static void stats_out(const struct pq_cw *c, struct pq_statistics *o, struct tn_arena *a)
{
	const struct stats *st = &c->st;
	uint8_t mn[16], mx[16];
	size_t n = 0;
	bool old = false;

	memset(o, 0, sizeof(*o));
	o->has_null_count = true;
	o->null_count = st->nulls;
	if (!st->has)
		return;
	switch (c->order) {
	case OR_BOOL:
		mn[0] = (uint8_t)st->min.i;
		mx[0] = (uint8_t)st->max.i;
		n = 1;
		old = true;
		break;
	case OR_I32:
	case OR_U32: {
		uint32_t a32 =
			c->order == OR_I32 ? (uint32_t)(int32_t)st->min.i : (uint32_t)st->min.u;
		uint32_t b32 =
			c->order == OR_I32 ? (uint32_t)(int32_t)st->max.i : (uint32_t)st->max.u;

		memcpy(mn, &a32, 4);
		memcpy(mx, &b32, 4);
		n = 4;
		old = c->order == OR_I32;
		break;
	}
	case OR_I64:
	case OR_U64:
		memcpy(mn, &st->min.u, 8);
		memcpy(mx, &st->max.u, 8);
		n = 8;
		old = c->order == OR_I64;
		break;
	case OR_FLOAT: {
		/* -0.0 as a minimum and +0.0 as a maximum whenever a zero is the
		 * bound, as the format asks: either zero may be in the data. */
		float f = (float)st->min.d, g = (float)st->max.d;

		if (f == 0.0f)
			f = -0.0f;
		if (g == 0.0f)
			g = 0.0f;
		memcpy(mn, &f, 4);
		memcpy(mx, &g, 4);
		n = 4;
		old = true;
		break;
	}
	case OR_DOUBLE: {
		double f = st->min.d, g = st->max.d;

		if (f == 0.0)
			f = -0.0;
		if (g == 0.0)
			g = 0.0;
		memcpy(mn, &f, 8);
		memcpy(mx, &g, 8);
		n = 8;
		old = true;
		break;
	}
	default: {
		const uint8_t *lo = (const uint8_t *)st->minb.data;
		const uint8_t *hi = (const uint8_t *)st->maxb.data;
		size_t lon = st->minb.len, hin = st->maxb.len;
		uint8_t *trunc;

		if (hin > STATS_MAX_BYTES) {
			trunc = tn_arena_alloc(a, STATS_MAX_BYTES);
			if (!truncate_max(hi, hin, trunc, &hin))
				return; /* no bound to give: leave min and max out */
			o->max_value.p = trunc;
			o->max_value.len = hin;
			o->has_is_max_value_exact = true;
			o->is_max_value_exact = false;
		} else {
			o->max_value = arena_bytes(a, hi, hin);
			o->has_is_max_value_exact = true;
			o->is_max_value_exact = true;
		}
		o->has_is_min_value_exact = true;
		o->is_min_value_exact = lon <= STATS_MAX_BYTES;
		o->min_value = arena_bytes(a, lo, lon <= STATS_MAX_BYTES ? lon : STATS_MAX_BYTES);
		o->has_min_value = o->has_max_value = true;
		return;
	}
	}
	o->has_min_value = o->has_max_value = true;
	o->min_value = arena_bytes(a, mn, n);
	o->max_value = arena_bytes(a, mx, n);
	o->has_is_min_value_exact = o->has_is_max_value_exact = true;
	o->is_min_value_exact = o->is_max_value_exact = true;
	if (old) {
		/* The deprecated fields, for readers from before min_value, which
		 * compared these types signed as the column order does. */
		o->has_min = o->has_max = true;
		o->min = o->min_value;
		o->max = o->max_value;
	}
}

/* ------------------------------------------------------------- dictionary */

static inline uint64_t hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = (uint64_t)n * HASH_MUL ^ HASH_MIX, t;

	while (n > 8) {
		h = (h ^ load64(p)) * HASH_MIX;
		h ^= h >> 31;
		p += 8;
		n -= 8;
	}
	if (n >= 4)
		t = load32(p) | (uint64_t)load32(p + n - 4) << 32;
	else if (n > 0)
		t = p[0] | (uint64_t)p[n / 2] << 8 | (uint64_t)p[n - 1] << 16;
	else
		t = 0;
	h = (h ^ t) * HASH_MIX;
	return h ^ (h >> 31);
}

static inline size_t slot_of(uint64_t h, int bits)
{
	return (size_t)((h * HASH_MUL) >> (64 - bits));
}

/* The hash of dictionary entry e (fixed widths 4 and 8 hash the value). */
static uint64_t entry_hash(const struct pq_cw *c, uint32_t e)
{
	if (c->width == 4)
		return load32((const uint8_t *)c->dict.data + (size_t)e * 4);
	if (c->width == 8)
		return load64((const uint8_t *)c->dict.data + (size_t)e * 8);
	return c->dict_hash[e];
}

static void table_grow(struct pq_cw *c)
{
	int bits = c->table ? c->table_bits + 1 : TABLE_MIN_BITS;
	size_t cap = (size_t)1 << bits, mask = cap - 1;
	uint32_t *t = tn_calloc(cap, sizeof(uint32_t));

	for (uint32_t e = 0; e < c->dict_n; e++) {
		size_t s = slot_of(entry_hash(c, e), bits);

		while (t[s] != 0)
			s = (s + 1) & mask;
		t[s] = e + 1;
	}
	free(c->table);
	c->table = t;
	c->table_bits = bits;
}

/* Room for one more entry: the table stays at most half full. */
static inline void dict_room(struct pq_cw *c)
{
	if (c->table == NULL || (size_t)(c->dict_n + 1) * 2 > ((size_t)1 << c->table_bits))
		table_grow(c);
	if (c->dict_n >= c->dict_cap && (c->bytes || (c->width != 4 && c->width != 8))) {
		c->dict_cap = c->dict_cap ? c->dict_cap * 2 : 1024;
		c->dict_hash = tn_reallocarray(c->dict_hash, c->dict_cap, sizeof(uint64_t));
		if (c->bytes)
			c->dict_off = tn_reallocarray(c->dict_off, c->dict_cap, sizeof(uint32_t));
	}
}

/* Dictionary indices of n fixed-width values of W (4 or 8) bytes. */
static inline __attribute__((always_inline)) void
dict_fixed(struct pq_cw *c, const uint8_t *p, size_t n, uint32_t *out, const size_t W)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t key = W == 4 ? load32(p + i * W) : load64(p + i * W);
		size_t mask, s;
		uint32_t e;

		if ((size_t)(c->dict_n + 1) * 2 > ((size_t)1 << c->table_bits))
			table_grow(c);
		mask = ((size_t)1 << c->table_bits) - 1;
		s = slot_of(key, c->table_bits);
		for (;;) {
			e = c->table[s];
			if (e == 0)
				break;
			if ((W == 4 ? load32((const uint8_t *)c->dict.data + (size_t)(e - 1) * 4)
				    : load64((const uint8_t *)c->dict.data +
					     (size_t)(e - 1) * 8)) == key)
				break;
			s = (s + 1) & mask;
		}
		if (e == 0) {
			tn_buf_append(&c->dict, p + i * W, W, NULL); /* no cap */
			stats_add(c, p + i * W, 1);
			c->table[s] = ++c->dict_n;
			e = c->dict_n;
		}
		out[i] = e - 1;
	}
}

/* Dictionary index of a byte string (BYTE_ARRAY, or a FIXED_LEN_BYTE_ARRAY
 * value of another width), adding it if new. */
static uint32_t dict_bytes(struct pq_cw *c, const uint8_t *p, size_t n)
{
	static const uint8_t none[1];
	uint64_t h;
	size_t mask, s;
	uint32_t e;

	if (p == NULL)
		p = none; /* an empty value may have no pointer */
	h = hash_bytes(p, n);
	if (c->table == NULL)
		dict_room(c);
	for (;;) {
		mask = ((size_t)1 << c->table_bits) - 1;
		s = slot_of(h, c->table_bits);
		while ((e = c->table[s]) != 0) {
			if (c->dict_hash[e - 1] == h) {
				const uint8_t *q;
				size_t qn;

				if (c->bytes) {
					q = (const uint8_t *)c->dict.data + c->dict_off[e - 1];
					qn = load32(q - 4);
				} else {
					q = (const uint8_t *)c->dict.data + (size_t)(e - 1) * n;
					qn = n;
				}
				if (qn == n && (n == 0 || memcmp(q, p, n) == 0))
					return e - 1;
			}
			s = (s + 1) & mask;
		}
		if ((size_t)(c->dict_n + 1) * 2 <= mask + 1 && c->dict_n < c->dict_cap)
			break;
		dict_room(c);
	}
	if (c->bytes) {
		uint32_t len = (uint32_t)n;

		tn_buf_append(&c->dict, &len, 4, NULL);
		c->dict_off[c->dict_n] = (uint32_t)c->dict.len;
		tn_buf_append(&c->dict, p, n, NULL);
		stats_bytes(&c->st, p, n, false);
	} else {
		tn_buf_append(&c->dict, p, n, NULL);
		stats_bytes(&c->st, p, n, c->order == OR_DEC_BYTES);
	}
	c->dict_hash[c->dict_n] = h;
	c->table[s] = ++c->dict_n;
	return c->dict_n - 1;
}

static void dict_reset(struct pq_cw *c)
{
	tn_buf_reset(&c->dict);
	c->dict_n = 0;
	if (c->table != NULL)
		memset(c->table, 0, sizeof(uint32_t) << c->table_bits);
}

/* ------------------------------------------------------------------ pages */

static int level_enc_init(struct pq_rle_enc *e, struct tn_buf *b, int max)
{
	tn_buf_reset(b);
	return pq_rle_enc_init(e, b, pq_bit_width((uint64_t)max), true, NULL);
}

static size_t page_est(const struct pq_cw *c)
{
	size_t n = c->def_buf.len + c->rep_buf.len;

	if (c->page_dict)
		n += c->nidx * (size_t)(pq_bit_width(c->dict_n) + 1) / 8;
	else if (c->phys == PQ_BOOLEAN)
		n += c->vals.len / 8;
	else
		n += c->vals.len;
	return n;
}

size_t pq_cw_buffered(const struct pq_cw *c)
{
	return c->pages.len + page_est(c) + c->dict.len;
}

/* Compress a page's body into x->comp (or not, for UNCOMPRESSED), fill the
 * header's sizes and CRC, and say where the bytes to write are. */
static int compress_page(struct pq_cw *c, struct pq_wctx *x, struct pq_page_header *h,
			 const uint8_t *body, size_t len, const uint8_t **data, size_t *clen,
			 struct tn_err *err)
{
	int rc;

	*data = body;
	*clen = len;
	if (x->opts->codec != PQ_CODEC_UNCOMPRESSED) {
		tn_buf_reset(&x->comp);
		rc = pq_compress_ctx(&x->codec, x->opts->codec, x->opts->level, body, len, &x->comp,
				     err);
		if (rc != TN_OK) {
			tn_err_prefix(err, "column '%s'", c->path);
			return rc;
		}
		*data = (const uint8_t *)x->comp.data;
		*clen = x->comp.len;
	}
	if (len > INT32_MAX || *clen > INT32_MAX)
		return tn_err_set(err, TN_ETOOBIG, "column '%s': a page of %zu bytes is over 2 GiB",
				  c->path, len > *clen ? len : *clen);
	h->uncompressed_page_size = (int32_t)len;
	h->compressed_page_size = (int32_t)*clen;
	if (x->opts->page_crc) {
		h->has_crc = true;
		h->crc = (int32_t)pq_crc32(*data, *clen);
	}
	return TN_OK;
}

static int finish_page(struct pq_cw *c, struct pq_wctx *x, struct tn_err *err)
{
	struct tn_buf *pg = &x->page;
	bool dict = c->page_dict && c->nidx > 0;
	struct pq_page_header h;
	const uint8_t *body, *data;
	size_t len, clen, before;
	int rc = TN_OK;

	if (c->page_slots == 0)
		return TN_OK;
	tn_buf_reset(pg);
	if (c->max_rep > 0 && (rc = pq_rle_enc_finish(&c->rep_enc, err)) == TN_OK)
		rc = tn_buf_append(pg, c->rep_buf.data, c->rep_buf.len, err);
	if (rc == TN_OK && c->max_def > 0 && (rc = pq_rle_enc_finish(&c->def_enc, err)) == TN_OK)
		rc = tn_buf_append(pg, c->def_buf.data, c->def_buf.len, err);
	if (rc != TN_OK)
		return rc;
	body = (const uint8_t *)pg->data;
	if (dict) {
		struct pq_rle_enc e;
		int bw = pq_bit_width(c->dict_n - 1);

		bw = bw ? bw : 1;
		if ((rc = tn_buf_putc(pg, (char)bw, err)) != TN_OK ||
		    (rc = pq_rle_enc_init(&e, pg, bw, false, err)) != TN_OK ||
		    (rc = pq_rle_enc_put(&e, c->idx, c->nidx, err)) != TN_OK ||
		    (rc = pq_rle_enc_finish(&e, err)) != TN_OK)
			return rc;
		body = (const uint8_t *)pg->data;
		len = pg->len;
	} else if (c->phys == PQ_BOOLEAN) {
		if ((rc = pq_plain_encode_bool((const uint8_t *)c->vals.data, c->vals.len, pg,
					       err)) != TN_OK)
			return rc;
		body = (const uint8_t *)pg->data;
		len = pg->len;
	} else if (pg->len == 0) {
		body = (const uint8_t *)c->vals.data; /* no levels: the values are the page */
		len = c->vals.len;
	} else {
		if ((rc = tn_buf_append(pg, c->vals.data, c->vals.len, err)) != TN_OK)
			return rc;
		body = (const uint8_t *)pg->data;
		len = pg->len;
	}
	memset(&h, 0, sizeof(h));
	h.type = PQ_PAGE_DATA;
	h.has_data_page_header = true;
	h.data_page_header.num_values = (int32_t)c->page_slots;
	h.data_page_header.encoding = dict ? PQ_ENC_RLE_DICTIONARY : PQ_ENC_PLAIN;
	h.data_page_header.definition_level_encoding = PQ_ENC_RLE;
	h.data_page_header.repetition_level_encoding = PQ_ENC_RLE;
	if ((rc = compress_page(c, x, &h, body ? body : (const uint8_t *)"", len, &data, &clen,
				err)) != TN_OK)
		return rc;
	before = c->pages.len;
	if ((rc = pq_page_header_encode(&h, &c->pages, err)) != TN_OK ||
	    (rc = tn_buf_append(&c->pages, data, clen, err)) != TN_OK)
		return rc;
	c->usize += (int64_t)(c->pages.len - before - clen + len);
	c->csize += (int64_t)(c->pages.len - before);
	if (dict)
		c->ndict_pages++;
	else
		c->nplain_pages++;
	c->slot_bytes = (len + (dict ? c->page_vbytes : 0)) / c->page_slots + 1;
	c->page_slots = 0;
	c->page_vbytes = 0;
	c->nidx = 0;
	tn_buf_reset(&c->vals);
	if (c->max_def > 0)
		level_enc_init(&c->def_enc, &c->def_buf, c->max_def);
	if (c->max_rep > 0)
		level_enc_init(&c->rep_enc, &c->rep_buf, c->max_rep);
	return TN_OK;
}

/* ----------------------------------------------------------------- values */

static int value_error(const struct pq_cw *c, const char *what, struct tn_err *err)
{
	char tname[64];

	return tn_err_set(err, TN_EINVAL, "column '%s': %s for %s", c->path, what,
			  tn_type_name(c->type, tname, sizeof(tname)));
}

#define AT(i) (pos ? (size_t)pos[i] : first + (i))

/* The physical values of n values of v, at positions pos[0..n) or, when
 * pos is NULL, from first on: *out points at them, in the vector itself
 * when nothing needs converting, else in x->scratch. */
static int phys_values(struct pq_cw *c, struct pq_wctx *x, const struct tn_vec *v,
		       const uint32_t *pos, size_t first, size_t n, const void **out,
		       struct tn_err *err)
{
	const uint8_t *src = v->values;
	uint8_t *dst;

	if (pos == NULL && (c->conv == CV_COPY || c->conv == CV_DEC_I64)) {
		if (c->conv == CV_DEC_I64) {
			const int64_t *q = (const int64_t *)src + first;
			int64_t lim = (int64_t)c->dec_limit;

			for (size_t i = 0; i < n; i++)
				if (q[i] >= lim || q[i] <= -lim)
					return value_error(c, "a value over the precision", err);
		}
		*out = src + first * c->vwidth;
		return TN_OK;
	}
	x->scratch = grow(x->scratch, &x->scratch_cap, n * c->width, 1);
	dst = x->scratch;
	*out = dst;
	switch (c->conv) {
	case CV_COPY:
	case CV_DEC_I64:
		if (c->vwidth == 4) {
			for (size_t i = 0; i < n; i++)
				memcpy(dst + i * 4, src + AT(i) * 4, 4);
		} else if (c->vwidth == 8) {
			for (size_t i = 0; i < n; i++)
				memcpy(dst + i * 8, src + AT(i) * 8, 8);
		} else {
			for (size_t i = 0; i < n; i++)
				memcpy(dst + i * c->vwidth, src + AT(i) * c->vwidth, c->vwidth);
		}
		if (c->conv == CV_DEC_I64) {
			const int64_t *q = (const int64_t *)dst;
			int64_t lim = (int64_t)c->dec_limit;

			for (size_t i = 0; i < n; i++)
				if (q[i] >= lim || q[i] <= -lim)
					return value_error(c, "a value over the precision", err);
		}
		return TN_OK;
	case CV_BOOL:
		for (size_t i = 0; i < n; i++)
			dst[i] = src[AT(i)] != 0;
		return TN_OK;
	case CV_I8:
		for (size_t i = 0; i < n; i++)
			((int32_t *)dst)[i] = ((const int8_t *)src)[AT(i)];
		return TN_OK;
	case CV_U8:
		for (size_t i = 0; i < n; i++)
			((int32_t *)dst)[i] = src[AT(i)];
		return TN_OK;
	case CV_I16:
		for (size_t i = 0; i < n; i++)
			((int32_t *)dst)[i] = ((const int16_t *)src)[AT(i)];
		return TN_OK;
	case CV_U16:
		for (size_t i = 0; i < n; i++)
			((int32_t *)dst)[i] = ((const uint16_t *)src)[AT(i)];
		return TN_OK;
	case CV_TIME_MS:
	case CV_DEC_I32: {
		int64_t lim =
			c->conv == CV_DEC_I32 ? (int64_t)c->dec_limit : (int64_t)INT32_MAX + 1;

		for (size_t i = 0; i < n; i++) {
			int64_t q = ((const int64_t *)src)[AT(i)];

			if (q >= lim || q <= -lim)
				return value_error(c,
						   c->conv == CV_DEC_I32
							   ? "a value over the precision"
							   : "a value out of range",
						   err);
			((int32_t *)dst)[i] = (int32_t)q;
		}
		return TN_OK;
	}
	case CV_DEC_FLBA: {
		const size_t w = c->width;

		for (size_t i = 0; i < n; i++) {
			__int128 q;
			unsigned __int128 u;

			memcpy(&q, src + AT(i) * 16, 16);
			if (q >= c->dec_limit || q <= -c->dec_limit)
				return value_error(c, "a value over the precision", err);
			u = (unsigned __int128)q;
			for (size_t b = 0; b < w; b++)
				dst[i * w + w - 1 - b] = (uint8_t)(u >> (8 * b));
		}
		return TN_OK;
	}
	case CV_UUID:
		for (size_t i = 0; i < n; i++) {
			const struct tn_bytes *b = (const struct tn_bytes *)src + AT(i);

			if (b->len != 16)
				return value_error(c, "a value that is not 16 bytes", err);
			memcpy(dst + i * 16, b->ptr, 16);
		}
		return TN_OK;
	default:
		return tn_err_set(err, TN_EINTERNAL, "column '%s': conversion %d", c->path,
				  c->conv);
	}
}

#undef AT

/* Add n physical values to the page: dictionary indices or PLAIN bytes. */
static int put_values(struct pq_cw *c, const void *p, size_t n, struct tn_err *err)
{
	int rc;

	if (c->page_dict) {
		uint32_t *out;

		c->idx = grow(c->idx, &c->idx_cap, c->nidx + n, sizeof(uint32_t));
		out = c->idx + c->nidx;
		if (c->table == NULL)
			dict_room(c);
		if (c->bytes) {
			const struct tn_bytes *b = p;

			for (size_t i = 0; i < n; i++) {
				if (b[i].len > INT32_MAX)
					return tn_err_set(
						err, TN_EINVAL,
						"column '%s': a value of %u bytes is over 2 GiB",
						c->path, b[i].len);
				if (c->dict.len + b[i].len + 4 > UINT32_MAX)
					return tn_err_set(
						err, TN_ETOOBIG,
						"column '%s': the dictionary is over 4 GiB",
						c->path);
				c->page_vbytes += 4 + (size_t)b[i].len;
				out[i] = dict_bytes(c, b[i].ptr, b[i].len);
			}
		} else if (c->width == 4) {
			dict_fixed(c, p, n, out, 4);
		} else if (c->width == 8) {
			dict_fixed(c, p, n, out, 8);
		} else {
			for (size_t i = 0; i < n; i++)
				out[i] = dict_bytes(c, (const uint8_t *)p + i * c->width, c->width);
		}
		if (!c->bytes)
			c->page_vbytes += n * c->width;
		c->nidx += n;
		return TN_OK;
	}
	if (c->bytes) {
		rc = pq_plain_encode_byte_array(p, n, &c->vals, err);
		if (rc != TN_OK)
			tn_err_prefix(err, "column '%s'", c->path);
	} else {
		rc = tn_buf_append(&c->vals, p, n * c->width, err);
	}
	if (rc == TN_OK)
		stats_add(c, p, n);
	return rc;
}

/* Level entries [k, end) of s: levels, then values. */
static int append_piece(struct pq_cw *c, struct pq_wctx *x, const struct tn_vec *v,
			const struct pq_slots *s, size_t k, size_t end, struct tn_err *err)
{
	size_t m = end - k, nv = 0, first = 0;
	const uint32_t *pos = NULL;
	const void *p = NULL;
	int rc = TN_OK;

	if (c->page_slots == 0)
		c->page_dict = c->use_dict;
	if (c->max_rep > 0 &&
	    (rc = pq_rle_enc_put_levels(&c->rep_enc, s->rep + k, m, err)) != TN_OK)
		return rc;
	if (s->def == NULL) {
		/* a top-level column: entry k is value first + k */
		const uint8_t *nulls = v->nulls ? v->nulls + s->first + k : NULL;
		bool any = false;

		first = s->first + k;
		if (c->max_def > 0 && nulls != NULL)
			for (size_t j = 0; j < m && !any; j++)
				any = nulls[j] != 0;
		if (!any) {
			nv = m;
			if (c->max_def > 0)
				rc = pq_rle_enc_put_repeat(&c->def_enc, 1, m, err);
		} else {
			uint32_t *lev, *ps;

			x->lev = grow(x->lev, &x->lev_cap, m, sizeof(uint32_t));
			x->pos = grow(x->pos, &x->pos_cap, m, sizeof(uint32_t));
			lev = x->lev;
			ps = x->pos;
			for (size_t j = 0; j < m; j++) {
				lev[j] = nulls[j] == 0;
				ps[nv] = (uint32_t)(first + j);
				nv += lev[j];
			}
			pos = ps;
			rc = pq_rle_enc_put(&c->def_enc, lev, m, err);
		}
	} else {
		uint32_t *ps;

		if (c->max_def > 0)
			rc = pq_rle_enc_put_levels(&c->def_enc, s->def + k, m, err);
		x->pos = grow(x->pos, &x->pos_cap, m, sizeof(uint32_t));
		ps = x->pos;
		for (size_t j = k; j < end; j++) {
			ps[nv] = (uint32_t)s->idx[j];
			nv += s->def[j] == c->max_def;
		}
		pos = ps;
	}
	if (rc != TN_OK)
		return rc;
	c->st.nulls += (int64_t)(m - nv);
	c->page_slots += m;
	c->num_values += (int64_t)m;
	if (nv == 0)
		return TN_OK;
	rc = phys_values(c, x, v, pos, first, nv, &p, err);
	if (rc == TN_OK)
		rc = put_values(c, p, nv, err);
	return rc;
}

/* Level entries for the next piece: about what fills the page, judged by
 * the page so far (or the last one). With a dictionary, what the piece may
 * add to it counts too, so that neither the page nor the dictionary goes
 * far past its limit however long the values are. */
static size_t piece_size(const struct pq_cw *c, const struct pq_wctx *x)
{
	size_t est = page_est(c), target = x->opts->page_bytes, per, n;

	if (c->page_slots > 0)
		per = (est + (c->page_dict ? c->page_vbytes : 0)) / c->page_slots + 1;
	else
		per = c->slot_bytes;
	if (per == 0) {
		/* nothing to go by yet: feel the way with a small piece */
		n = c->bytes ? 16 : PIECE_MAX;
	} else {
		n = est < target ? (target - est) / per + 1 : 1;
	}
	if (n > PIECE_MAX)
		n = PIECE_MAX;
	if (n > PAGE_MAX_SLOTS - c->page_slots)
		n = PAGE_MAX_SLOTS - c->page_slots;
	return n ? n : 1;
}

int pq_cw_append(struct pq_cw *c, struct pq_wctx *x, const struct tn_vec *v,
		 const struct pq_slots *s, struct tn_err *err)
{
	size_t k = 0;
	int rc;

	while (k < s->n) {
		size_t end = k + piece_size(c, x);

		if (end > s->n)
			end = s->n;
		if (s->rep != NULL)
			while (end < s->n && s->rep[end] != 0)
				end++;
		if ((rc = append_piece(c, x, v, s, k, end, err)) != TN_OK)
			return rc;
		k = end;
		if (c->page_dict && c->dict.len > x->opts->dict_max_bytes) {
			/* The dictionary is too big: this chunk goes on in PLAIN. */
			c->use_dict = false;
			if ((rc = finish_page(c, x, err)) != TN_OK)
				return rc;
		} else if (page_est(c) >= x->opts->page_bytes || c->page_slots >= PAGE_MAX_SLOTS) {
			if ((rc = finish_page(c, x, err)) != TN_OK)
				return rc;
		}
	}
	return TN_OK;
}

/* ------------------------------------------------------------ the chunk */

int pq_cw_flush(struct pq_cw *c, struct pq_wctx *x, struct store_writer *sw, uint64_t *pos,
		struct pq_column_chunk *cc, struct tn_arena *a, struct tn_err *err)
{
	struct pq_column_meta *m = &cc->meta_data;
	int64_t usize = 0, csize = 0;
	int32_t enc[3];
	size_t nenc = 0, nstats = 0;
	int rc;

	memset(cc, 0, sizeof(*cc));
	if ((rc = finish_page(c, x, err)) != TN_OK)
		return rc;
	cc->file_offset = (int64_t)*pos;
	cc->has_meta_data = true;
	if (c->ndict_pages > 0) {
		struct pq_page_header h;
		struct tn_buf hdr = TN_BUF_INIT;
		const uint8_t *data;
		size_t clen;

		memset(&h, 0, sizeof(h));
		h.type = PQ_PAGE_DICTIONARY;
		h.has_dictionary_page_header = true;
		h.dictionary_page_header.num_values = (int32_t)c->dict_n;
		h.dictionary_page_header.encoding = PQ_ENC_PLAIN;
		rc = compress_page(c, x, &h, (const uint8_t *)c->dict.data, c->dict.len, &data,
				   &clen, err);
		if (rc == TN_OK)
			rc = pq_page_header_encode(&h, &hdr, err);
		if (rc == TN_OK)
			rc = store_writer_write(sw, hdr.data, hdr.len, err);
		if (rc == TN_OK)
			rc = store_writer_write(sw, data, clen, err);
		m->has_dictionary_page_offset = true;
		m->dictionary_page_offset = (int64_t)*pos;
		usize = (int64_t)(hdr.len + c->dict.len);
		csize = (int64_t)(hdr.len + clen);
		*pos += hdr.len + clen;
		tn_buf_done(&hdr);
		if (rc != TN_OK)
			return rc;
	}
	m->data_page_offset = (int64_t)*pos;
	if ((rc = store_writer_write(sw, c->pages.data, c->pages.len, err)) != TN_OK)
		return rc;
	*pos += c->pages.len;

	m->type = c->phys;
	if (c->ndict_pages > 0 || c->nplain_pages > 0)
		enc[nenc++] = PQ_ENC_PLAIN;
	if (c->max_def > 0 || c->max_rep > 0)
		enc[nenc++] = PQ_ENC_RLE;
	if (c->ndict_pages > 0)
		enc[nenc++] = PQ_ENC_RLE_DICTIONARY;
	m->encodings = tn_arena_alloc(a, sizeof(int32_t) * (nenc ? nenc : 1));
	memcpy(m->encodings, enc, sizeof(int32_t) * nenc);
	m->n_encodings = nenc;
	m->codec = x->opts->codec;
	m->num_values = c->num_values;
	m->total_uncompressed_size = usize + c->usize;
	m->total_compressed_size = csize + c->csize;
	m->has_statistics = true;
	stats_out(c, &m->statistics, a);
	m->encoding_stats = tn_arena_calloc(a, 3, sizeof(*m->encoding_stats));
	if (c->ndict_pages > 0) {
		m->encoding_stats[nstats].page_type = PQ_PAGE_DICTIONARY;
		m->encoding_stats[nstats].encoding = PQ_ENC_PLAIN;
		m->encoding_stats[nstats++].count = 1;
		m->encoding_stats[nstats].page_type = PQ_PAGE_DATA;
		m->encoding_stats[nstats].encoding = PQ_ENC_RLE_DICTIONARY;
		m->encoding_stats[nstats++].count = c->ndict_pages;
	}
	if (c->nplain_pages > 0) {
		m->encoding_stats[nstats].page_type = PQ_PAGE_DATA;
		m->encoding_stats[nstats].encoding = PQ_ENC_PLAIN;
		m->encoding_stats[nstats++].count = c->nplain_pages;
	}
	m->has_encoding_stats = true;
	m->n_encoding_stats = nstats;

	/* ready for the next row group */
	tn_buf_reset(&c->pages);
	c->num_values = 0;
	c->usize = c->csize = 0;
	c->ndict_pages = c->nplain_pages = 0;
	c->use_dict = c->dict_allowed;
	dict_reset(c);
	stats_reset(&c->st);
	return TN_OK;
}

/* ------------------------------------------------------------ lifecycle */

static __int128 pow10_128(int p)
{
	__int128 v = 1;

	while (p-- > 0)
		v *= 10;
	return v;
}

struct pq_cw *pq_cw_new(const struct tn_type *t, int phys, int type_len, int max_def, int max_rep,
			const char *path, const struct pq_wctx *x)
{
	struct pq_cw *c = tn_calloc(1, sizeof(*c));

	c->type = t;
	c->path = path;
	c->phys = phys;
	c->type_len = type_len;
	c->max_def = max_def;
	c->max_rep = max_rep;
	c->vwidth = tn_type_width(t);
	c->conv = CV_COPY;
	switch (phys) {
	case PQ_BOOLEAN:
		c->width = 1;
		c->conv = CV_BOOL;
		c->order = OR_BOOL;
		break;
	case PQ_INT32:
		c->width = 4;
		c->order = OR_I32;
		switch (t->kind) {
		case TN_INT8:
			c->conv = CV_I8;
			break;
		case TN_INT16:
			c->conv = CV_I16;
			break;
		case TN_UINT8:
			c->conv = CV_U8;
			c->order = OR_U32;
			break;
		case TN_UINT16:
			c->conv = CV_U16;
			c->order = OR_U32;
			break;
		case TN_UINT32:
			c->order = OR_U32;
			break;
		case TN_TIME:
			c->conv = CV_TIME_MS;
			break;
		case TN_DECIMAL:
			c->conv = CV_DEC_I32;
			break;
		default:
			break;
		}
		break;
	case PQ_INT64:
		c->width = 8;
		c->order = t->kind == TN_UINT64 ? OR_U64 : OR_I64;
		if (t->kind == TN_DECIMAL)
			c->conv = CV_DEC_I64;
		break;
	case PQ_FLOAT:
		c->width = 4;
		c->order = OR_FLOAT;
		break;
	case PQ_DOUBLE:
		c->width = 8;
		c->order = OR_DOUBLE;
		break;
	case PQ_BYTE_ARRAY:
		c->width = sizeof(struct tn_bytes);
		c->bytes = true;
		c->order = OR_BYTES;
		break;
	default: /* FIXED_LEN_BYTE_ARRAY */
		c->width = (size_t)type_len;
		if (t->kind == TN_DECIMAL) {
			c->conv = CV_DEC_FLBA;
			c->order = OR_DEC_BYTES;
		} else {
			c->conv = CV_UUID;
			c->order = OR_BYTES;
		}
		break;
	}
	if (t->kind == TN_DECIMAL)
		c->dec_limit = pow10_128(t->precision);
	c->dict_allowed = x->opts->dictionary && phys != PQ_BOOLEAN;
	c->use_dict = c->dict_allowed;
	tn_buf_init(&c->def_buf, 0);
	tn_buf_init(&c->rep_buf, 0);
	tn_buf_init(&c->vals, 0);
	tn_buf_init(&c->pages, 0);
	tn_buf_init(&c->dict, 0);
	tn_buf_init(&c->st.minb, 0);
	tn_buf_init(&c->st.maxb, 0);
	if (max_def > 0)
		level_enc_init(&c->def_enc, &c->def_buf, max_def);
	if (max_rep > 0)
		level_enc_init(&c->rep_enc, &c->rep_buf, max_rep);
	return c;
}

void pq_cw_free(struct pq_cw *c)
{
	if (c == NULL)
		return;
	tn_buf_done(&c->def_buf);
	tn_buf_done(&c->rep_buf);
	tn_buf_done(&c->vals);
	tn_buf_done(&c->pages);
	tn_buf_done(&c->dict);
	tn_buf_done(&c->st.minb);
	tn_buf_done(&c->st.maxb);
	free(c->idx);
	free(c->table);
	free(c->dict_off);
	free(c->dict_hash);
	free(c);
}
