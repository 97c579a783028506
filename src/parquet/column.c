/* column.c - reading one column chunk page by page: page headers, CRCs,
 * decompression, dictionaries, levels, and values decoded straight into
 * the output storage of a batch. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "parquet/codec.h"
#include "parquet/parquet_int.h"

/* A page header is read with this many bytes first, then more if needed. */
#define HEADER_PEEK (16 * 1024)
#define HEADER_MAX ((size_t)16 << 20)
/* Entries (level slots) one page may declare. */
#define PAGE_MAX_ENTRIES ((size_t)64 << 20)

struct pq_page {
	struct pq_page *next;     /* on the retired list */
	uint8_t *buf;             /* decompressed page (owned) */
	size_t n, pos;            /* entries, entries taken */
	int16_t *def, *rep;       /* levels of every entry (owned), NULL when none */
	size_t nvalues, vpos;     /* non-null values, values taken */
	int32_t encoding;
	const uint8_t *vdata;     /* encoded values */
	size_t vlen;
	size_t plain_off;         /* PLAIN: bytes taken */
	size_t bit_pos;           /* PLAIN BOOLEAN: bits taken */
	struct pq_rle_dec rle;    /* dictionary indices, RLE booleans */
	struct pq_delta_dec delta;
	struct tn_bytes *bytes;   /* DELTA_LENGTH/DELTA_BYTE_ARRAY/BSS-FLBA values, decoded at once */
	struct tn_arena arena;    /* for bytes */
};

static void page_free(struct pq_page *p)
{
	if (p == NULL)
		return;
	free(p->buf);
	free(p->def);
	free(p->rep);
	tn_arena_done(&p->arena);
	free(p);
}

/* Prefix err with where we are: "file: column c, row group r, page p". */
static int where(struct pq_chunk *c, int rc, struct tn_err *err)
{
	if (rc != TN_OK)
		tn_err_prefix(err, "%s: column '%s', row group %zu, page %llu", c->fname,
			      c->leaf->path, c->rg, (unsigned long long)c->page_no);
	return rc;
}

int pq_chunk_open(struct pq_chunk *c, const struct pq_leaf *leaf, struct store_file *file,
		  const char *fname, const struct pq_column_chunk *cc, size_t rg, bool verify_crc,
		  struct tn_err *err)
{
	const struct pq_column_meta *m = &cc->meta_data;
	int64_t start;

	memset(c, 0, sizeof(*c));
	c->leaf = leaf;
	c->file = file;
	c->fname = fname;
	c->rg = rg;
	c->verify_crc = verify_crc;
	tn_arena_init(&c->dict_arena, 0);
	if (!cc->has_meta_data)
		return tn_err_set(err, TN_ECORRUPT, "%s: column '%s', row group %zu: no column metadata",
				  fname, leaf->path, rg);
	if (cc->file_path != NULL)
		return tn_err_set(err, TN_EUNSUPPORTED,
				  "%s: column '%s', row group %zu: data in another file ('%s') is not "
				  "supported",
				  fname, leaf->path, rg, cc->file_path);
	if (!pq_codec_supported(m->codec))
		return tn_err_set(err, TN_EUNSUPPORTED,
				  "%s: column '%s', row group %zu: compression codec %s is not "
				  "supported",
				  fname, leaf->path, rg, pq_codec_name(m->codec));
	if (m->type != leaf->phys)
		return tn_err_set(err, TN_ECORRUPT,
				  "%s: column '%s', row group %zu: chunk type %d differs from the "
				  "schema's %d",
				  fname, leaf->path, rg, m->type, leaf->phys);
	c->meta = m;
	start = m->data_page_offset;
	if (m->has_dictionary_page_offset && m->dictionary_page_offset > 0 &&
	    m->dictionary_page_offset < start)
		start = m->dictionary_page_offset;
	if (start < 4 || m->total_compressed_size < 0 ||
	    (uint64_t)start > file->size || (uint64_t)m->total_compressed_size > file->size - (uint64_t)start)
		return tn_err_set(err, TN_ECORRUPT,
				  "%s: column '%s', row group %zu: chunk at offset %lld, %lld bytes, "
				  "lies outside the file (%llu bytes)",
				  fname, leaf->path, rg, (long long)start,
				  (long long)m->total_compressed_size, (unsigned long long)file->size);
	c->pos = (uint64_t)start;
	c->end = (uint64_t)start + (uint64_t)m->total_compressed_size;
	/* Some writers leave the dictionary page out of total_compressed_size:
	 * a page may run past end as long as it stays before the footer. */
	c->limit = file->size - 8;
	if (c->end > c->limit)
		return tn_err_set(err, TN_ECORRUPT,
				  "%s: column '%s', row group %zu: chunk runs into the footer", fname,
				  leaf->path, rg);
	c->values_left = m->num_values;
	tn_buf_init(&c->raw, PQ_MAX_PAGE);
	return TN_OK;
}

void pq_chunk_release(struct pq_chunk *c)
{
	while (c->retired != NULL) {
		struct pq_page *next = c->retired->next;

		page_free(c->retired);
		c->retired = next;
	}
}

void pq_chunk_done(struct pq_chunk *c)
{
	pq_chunk_release(c);
	page_free(c->page);
	c->page = NULL;
	tn_arena_done(&c->dict_arena);
	tn_buf_done(&c->raw);
	free(c->def_buf);
	free(c->rep_buf);
	free(c->val_buf);
	free(c->scratch);
	free(c->idx_buf);
	c->idx_buf = NULL;
	c->def_buf = c->rep_buf = NULL;
	c->val_buf = c->scratch = NULL;
}

/* ---- physical values to output storage ---- */

size_t pq_phys_size(const struct pq_leaf *l)
{
	switch (l->phys) {
	case PQ_BOOLEAN:
		return 1;
	case PQ_BYTE_ARRAY:
	case PQ_FIXED_LEN_BYTE_ARRAY:
		return sizeof(struct tn_bytes);
	default:
		return l->phys_width;
	}
}

static int be_decimal(const struct tn_bytes *b, __int128 *out, struct tn_err *err)
{
	unsigned __int128 u;

	if (b->len > 16)
		return tn_err_set(err, TN_ECORRUPT, "decimal value of %u bytes (at most 16)", b->len);
	if (b->len == 0) {
		*out = 0;
		return TN_OK;
	}
	u = (b->ptr[0] & 0x80) ? ~(unsigned __int128)0 : 0;
	for (uint32_t i = 0; i < b->len; i++)
		u = u << 8 | b->ptr[i];
	*out = (__int128)u;
	return TN_OK;
}

/* Convert n physical values at src into the leaf's output storage at dst. */
int pq_convert(const struct pq_leaf *l, const void *src, void *dst, size_t n, struct tn_err *err)
{
	size_t i;

	switch (l->conv) {
	case PQ_CONV_I32_I8:
		for (i = 0; i < n; i++)
			((int8_t *)dst)[i] = (int8_t)((const int32_t *)src)[i];
		return TN_OK;
	case PQ_CONV_I32_I16:
		for (i = 0; i < n; i++)
			((int16_t *)dst)[i] = (int16_t)((const int32_t *)src)[i];
		return TN_OK;
	case PQ_CONV_I32_I64:
		for (i = 0; i < n; i++)
			((int64_t *)dst)[i] = ((const int32_t *)src)[i];
		return TN_OK;
	case PQ_CONV_I32_I128:
		for (i = 0; i < n; i++)
			((__int128 *)dst)[i] = ((const int32_t *)src)[i];
		return TN_OK;
	case PQ_CONV_I64_I128:
		for (i = 0; i < n; i++)
			((__int128 *)dst)[i] = ((const int64_t *)src)[i];
		return TN_OK;
	case PQ_CONV_INT96:
		for (i = 0; i < n; i++) {
			const uint8_t *p = (const uint8_t *)src + 12 * i;
			int64_t nanos;
			int32_t jd;
			uint64_t us;

			memcpy(&nanos, p, 8);
			memcpy(&jd, p + 8, 4);
			/* Far-off Julian days overflow 64-bit microseconds; they
			 * wrap, as in the other readers, rather than fail the file. */
			us = (uint64_t)((int64_t)jd - 2440588) * UINT64_C(86400000000) +
			     (uint64_t)(nanos / 1000);
			((int64_t *)dst)[i] = (int64_t)us;
		}
		return TN_OK;
	case PQ_CONV_DEC_BYTES:
		for (i = 0; i < n; i++) {
			__int128 v = 0;
			int rc = be_decimal(&((const struct tn_bytes *)src)[i], &v, err);

			if (rc != TN_OK)
				return rc;
			if (l->type.precision > 18)
				((__int128 *)dst)[i] = v;
			else
				((int64_t *)dst)[i] = (int64_t)v;
		}
		return TN_OK;
	case PQ_CONV_FLOAT16:
		for (i = 0; i < n; i++) {
			const struct tn_bytes *b = &((const struct tn_bytes *)src)[i];

			if (b->len != 2)
				return tn_err_set(err, TN_ECORRUPT, "FLOAT16 value of %u bytes", b->len);
			((float *)dst)[i] = pq_half_to_float((uint16_t)(b->ptr[0] | b->ptr[1] << 8));
		}
		return TN_OK;
	default:
		memcpy(dst, src, n * pq_phys_size(l));
		return TN_OK;
	}
}

/* ---- buffers ---- */

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 1024;

	if (need <= *cap)
		return p;
	while (c < need)
		c *= 2;
	*cap = c;
	return tn_reallocarray(p, c, elem);
}

/* ---- dictionary ---- */

static int decode_plain_phys(const struct pq_leaf *l, const uint8_t *p, size_t len, size_t *off,
			     size_t *bit_pos, void *out, size_t n, struct tn_err *err)
{
	size_t used = 0;
	int rc;

	switch (l->phys) {
	case PQ_BOOLEAN:
		return pq_plain_decode_bool(p, len, bit_pos, out, n, err);
	case PQ_BYTE_ARRAY:
		rc = pq_plain_decode_byte_array(p + *off, len - *off, out, n, &used, err);
		break;
	case PQ_FIXED_LEN_BYTE_ARRAY:
		rc = pq_plain_decode_flba(p + *off, len - *off, (size_t)l->type_len, out, n, &used, err);
		break;
	default:
		rc = pq_plain_decode_fixed(p + *off, len - *off, l->phys_width, out, n, &used, err);
		break;
	}
	*off += used;
	return rc;
}

/* Scratch room for n physical values. */
static void *scratch(struct pq_chunk *c, size_t n)
{
	c->scratch = grow(c->scratch, &c->scratch_cap, n * pq_phys_size(c->leaf) + 16, 1);
	return c->scratch;
}

static int read_dictionary(struct pq_chunk *c, const struct pq_page_header *h, uint8_t *buf,
			   size_t len, struct tn_err *err)
{
	const struct pq_leaf *l = c->leaf;
	const struct pq_dictionary_page_header *d = &h->dictionary_page_header;
	size_t off = 0, bit = 0, width = tn_type_width(&l->type);
	void *phys;
	int rc;

	if (!h->has_dictionary_page_header)
		return tn_err_set(err, TN_ECORRUPT, "dictionary page without its header");
	if (c->dict != NULL)
		return tn_err_set(err, TN_ECORRUPT, "a second dictionary page");
	if (d->encoding != PQ_ENC_PLAIN && d->encoding != PQ_ENC_PLAIN_DICTIONARY)
		return tn_err_set(err, TN_EUNSUPPORTED, "dictionary page encoding %d", d->encoding);
	if (d->num_values < 0 || (size_t)d->num_values > len * 8 + 1)
		return tn_err_set(err, TN_ECORRUPT,
				  "dictionary of %d values cannot fit in %zu bytes", d->num_values,
				  len);
	c->dict_len = (uint32_t)d->num_values;
	phys = scratch(c, c->dict_len);
	rc = decode_plain_phys(l, buf, len, &off, &bit, phys, c->dict_len, err);
	if (rc != TN_OK)
		return rc;
	c->dict = tn_arena_alloc(&c->dict_arena, width * (c->dict_len ? c->dict_len : 1));
	return pq_convert(l, phys, c->dict, c->dict_len, err);
}

/* ---- data pages ---- */

static int decode_levels(struct pq_rle_dec *d, int16_t **out, size_t n, int max,
			 struct tn_err *err)
{
	*out = tn_malloc(n * sizeof(int16_t));
	return pq_rle_dec_get_levels(d, *out, n, max, err);
}

/* Levels of a v1 page: RLE with a 4-byte length. (The deprecated
 * BIT_PACKED level encoding is refused as unsupported.) */
static int v1_levels(const uint8_t *p, size_t len, size_t *off, int32_t enc, int16_t **out,
		     size_t n, int max, const char *what, struct tn_err *err)
{
	struct pq_rle_dec d;
	const uint8_t *data;
	size_t dlen, used;
	int rc;

	if (enc != PQ_ENC_RLE)
		return tn_err_set(err, TN_EUNSUPPORTED, "%s levels in encoding %d (only RLE)", what,
				  enc);
	rc = pq_rle_split_prefixed(p + *off, len - *off, &data, &dlen, &used, err);
	if (rc == TN_OK)
		rc = pq_rle_dec_init(&d, data, dlen, pq_bit_width((uint64_t)max), err);
	if (rc == TN_OK)
		rc = decode_levels(&d, out, n, max, err);
	if (rc != TN_OK)
		tn_err_prefix(err, "%s levels", what);
	*off += used;
	return rc;
}

static int v2_levels(const uint8_t *p, size_t len, int16_t **out, size_t n, int max,
		     const char *what, struct tn_err *err)
{
	struct pq_rle_dec d;
	int rc = pq_rle_dec_init(&d, p, len, pq_bit_width((uint64_t)max), err);

	if (rc == TN_OK)
		rc = decode_levels(&d, out, n, max, err);
	if (rc != TN_OK)
		tn_err_prefix(err, "%s levels", what);
	return rc;
}

/* Whether every level is max: the common page without nulls, checked a
 * word at a time before anything is counted. */
static bool all_max(const int16_t *d, size_t n, int max)
{
	uint64_t want = (uint16_t)max * UINT64_C(0x0001000100010001), x;
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		memcpy(&x, d + i, 8);
		if (x != want)
			return false;
	}
	for (; i < n; i++)
		if (d[i] != max)
			return false;
	return true;
}

/* Set up the value decoder of page pg for its encoding. */
static int start_values(struct pq_chunk *c, struct pq_page *pg, struct tn_err *err)
{
	const struct pq_leaf *l = c->leaf;
	int rc = TN_OK;

	switch (pg->encoding) {
	case PQ_ENC_PLAIN:
		return TN_OK;
	case PQ_ENC_PLAIN_DICTIONARY:
	case PQ_ENC_RLE_DICTIONARY:
		if (c->dict == NULL)
			return tn_err_set(err, TN_ECORRUPT,
					  "dictionary-encoded page but the chunk has no dictionary");
		if (pg->nvalues == 0)
			return TN_OK;
		return pq_rle_dec_init_dict(&pg->rle, pg->vdata, pg->vlen, err);
	case PQ_ENC_RLE: {
		const uint8_t *data;
		size_t dlen, used;

		if (l->phys != PQ_BOOLEAN)
			break;
		rc = pq_rle_split_prefixed(pg->vdata, pg->vlen, &data, &dlen, &used, err);
		return rc == TN_OK ? pq_rle_dec_init(&pg->rle, data, dlen, 1, err) : rc;
	}
	case PQ_ENC_DELTA_BINARY_PACKED:
		if (l->phys != PQ_INT32 && l->phys != PQ_INT64)
			break;
		return pq_delta_dec_init(&pg->delta, pg->vdata, pg->vlen, l->phys == PQ_INT32 ? 32 : 64,
					 pg->nvalues, err);
	case PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
		if (l->phys != PQ_BYTE_ARRAY)
			break;
		pg->bytes = tn_arena_alloc(&pg->arena, sizeof(struct tn_bytes) * (pg->nvalues + 1));
		return pq_delta_length_decode(pg->vdata, pg->vlen, pg->bytes, pg->nvalues, NULL, err);
	case PQ_ENC_DELTA_BYTE_ARRAY:
		if (l->phys != PQ_BYTE_ARRAY && l->phys != PQ_FIXED_LEN_BYTE_ARRAY)
			break;
		pg->bytes = tn_arena_alloc(&pg->arena, sizeof(struct tn_bytes) * (pg->nvalues + 1));
		rc = pq_delta_bytes_decode(pg->vdata, pg->vlen, pg->bytes, pg->nvalues, &pg->arena,
					   NULL, err);
		for (size_t i = 0; rc == TN_OK && l->phys == PQ_FIXED_LEN_BYTE_ARRAY && i < pg->nvalues; i++)
			if (pg->bytes[i].len != (uint32_t)l->type_len)
				rc = tn_err_set(err, TN_ECORRUPT,
						"DELTA_BYTE_ARRAY value of %u bytes in a "
						"FIXED_LEN_BYTE_ARRAY(%d) column",
						pg->bytes[i].len, l->type_len);
		return rc;
	case PQ_ENC_BYTE_STREAM_SPLIT:
		if (l->phys == PQ_BOOLEAN || l->phys == PQ_BYTE_ARRAY)
			break;
		if (pg->vlen != pg->nvalues * l->phys_width)
			return tn_err_set(err, TN_ECORRUPT,
					  "BYTE_STREAM_SPLIT data of %zu bytes for %zu values of %zu "
					  "bytes",
					  pg->vlen, pg->nvalues, l->phys_width);
		if (l->phys == PQ_FIXED_LEN_BYTE_ARRAY) {
			uint8_t *flat = tn_arena_alloc(&pg->arena, pg->vlen + 1);

			rc = pq_bss_decode(pg->vdata, pg->vlen, l->phys_width, flat, pg->nvalues, err);
			pg->bytes = tn_arena_alloc(&pg->arena,
						   sizeof(struct tn_bytes) * (pg->nvalues + 1));
			for (size_t i = 0; i < pg->nvalues; i++) {
				pg->bytes[i].ptr = flat + i * l->phys_width;
				pg->bytes[i].len = (uint32_t)l->phys_width;
			}
		}
		return rc;
	default:
		return tn_err_set(err, TN_EUNSUPPORTED, "unknown encoding %d", pg->encoding);
	}
	return tn_err_set(err, TN_ECORRUPT, "encoding %d is not valid for physical type %d",
			  pg->encoding, l->phys);
}

/* Decode the next n values of page pg into dst (output storage). */
static int take_values(struct pq_chunk *c, struct pq_page *pg, void *dst, size_t n,
		       struct tn_err *err)
{
	const struct pq_leaf *l = c->leaf;
	size_t width = tn_type_width(&l->type);
	bool direct = l->conv == PQ_CONV_NONE;
	void *phys;
	int rc;

	if (n > pg->nvalues - pg->vpos)
		return tn_err_set(err, TN_ECORRUPT, "page has fewer values than its levels say");
	if (n == 0)
		return TN_OK;
	if (pg->encoding == PQ_ENC_PLAIN_DICTIONARY || pg->encoding == PQ_ENC_RLE_DICTIONARY) {
		uint32_t *idx;

		c->idx_buf = grow(c->idx_buf, &c->idx_cap, n, sizeof(uint32_t));
		idx = c->idx_buf;

		rc = pq_rle_dec_get_indices(&pg->rle, idx, n, c->dict_len, err);
		if (rc != TN_OK)
			return rc;
		switch (width) {
		case 1:
			for (size_t i = 0; i < n; i++)
				((uint8_t *)dst)[i] = ((const uint8_t *)c->dict)[idx[i]];
			break;
		case 2:
			for (size_t i = 0; i < n; i++)
				((uint16_t *)dst)[i] = ((const uint16_t *)c->dict)[idx[i]];
			break;
		case 4:
			for (size_t i = 0; i < n; i++)
				((uint32_t *)dst)[i] = ((const uint32_t *)c->dict)[idx[i]];
			break;
		case 8:
			for (size_t i = 0; i < n; i++)
				((uint64_t *)dst)[i] = ((const uint64_t *)c->dict)[idx[i]];
			break;
		case sizeof(struct tn_bytes):
			for (size_t i = 0; i < n; i++)
				((struct tn_bytes *)dst)[i] = ((const struct tn_bytes *)c->dict)[idx[i]];
			break;
		default:
			for (size_t i = 0; i < n; i++)
				memcpy((uint8_t *)dst + i * width, (const uint8_t *)c->dict + idx[i] * width,
				       width);
			break;
		}
		pg->vpos += n;
		return TN_OK;
	}
	phys = direct ? dst : scratch(c, n);
	switch (pg->encoding) {
	case PQ_ENC_PLAIN:
		rc = decode_plain_phys(l, pg->vdata, pg->vlen, &pg->plain_off, &pg->bit_pos, phys, n, err);
		break;
	case PQ_ENC_RLE:
		rc = pq_rle_dec_get_bools(&pg->rle, phys, n, err);
		break;
	case PQ_ENC_DELTA_BINARY_PACKED:
		rc = l->phys == PQ_INT32 ? pq_delta_dec_get_i32(&pg->delta, phys, n, err)
					 : pq_delta_dec_get_i64(&pg->delta, phys, n, err);
		break;
	default:
		/* BYTE_STREAM_SPLIT of fixed-width numbers decodes as it goes;
		 * byte arrays (DELTA_*, split FLBA) were decoded at page start. */
		if (pg->bytes == NULL) {
			rc = pq_bss_decode_range(pg->vdata, pg->vlen, l->phys_width, pg->vpos, phys, n, err);
			break;
		}
		memcpy(phys, pg->bytes + pg->vpos, n * sizeof(struct tn_bytes));
		rc = TN_OK;
		break;
	}
	if (rc == TN_OK && !direct)
		rc = pq_convert(l, phys, dst, n, err);
	pg->vpos += n;
	return rc;
}

static uint64_t max_uncompressed(int32_t compressed)
{
	uint64_t cap = (uint64_t)compressed * 4096;

	if (cap < ((uint64_t)64 << 20))
		cap = (uint64_t)64 << 20;
	return cap < PQ_MAX_PAGE ? cap : PQ_MAX_PAGE;
}

/* Read the page header at c->pos into h; *hlen is its length. */
static int read_header(struct pq_chunk *c, struct pq_page_header *h, size_t *hlen,
		       struct tn_arena *a, struct tn_err *err)
{
	size_t want = HEADER_PEEK;
	int rc;

	for (;;) {
		size_t avail = (size_t)(c->limit - c->pos);
		size_t n = want < avail ? want : avail;

		tn_buf_reset(&c->raw);
		rc = tn_buf_reserve(&c->raw, n, err);
		if (rc == TN_OK)
			rc = store_file_pread(c->file, c->pos, c->raw.data, n, err);
		if (rc != TN_OK)
			return rc;
		tn_arena_reset(a);
		rc = pq_page_header_decode((const uint8_t *)c->raw.data, n, a, h, hlen, err);
		if (rc == TN_OK || n == avail || want >= HEADER_MAX)
			break;
		want *= 16; /* maybe a header with large statistics: look further */
	}
	if (rc != TN_OK)
		tn_err_prefix(err, "page header at offset %llu", (unsigned long long)c->pos);
	return rc;
}

/* Load pages until a data page is current. *end is set when the chunk has
 * no more pages. */
static int next_page(struct pq_chunk *c, bool *end, struct tn_err *err)
{
	const struct pq_leaf *l = c->leaf;
	struct tn_arena ha;
	int rc = TN_OK;

	*end = false;
	tn_arena_init(&ha, 4096);
	while (rc == TN_OK) {
		struct pq_page_header h;
		struct pq_page *pg;
		size_t hlen, clen, ulen, lvl_len = 0, off = 0;
		const uint8_t *payload;
		int32_t nvals;

		if (c->pos >= c->end || c->values_left == 0) {
			*end = true;
			break;
		}
		c->page_no++;
		rc = read_header(c, &h, &hlen, &ha, err);
		if (rc != TN_OK)
			break;
		clen = (size_t)h.compressed_page_size;
		ulen = (size_t)h.uncompressed_page_size;
		if (hlen > c->limit - c->pos || clen > c->limit - c->pos - hlen) {
			rc = tn_err_set(err, TN_ECORRUPT,
					"page of %zu bytes at offset %llu runs past the end of the data",
					clen, (unsigned long long)c->pos);
			break;
		}
		if (ulen > max_uncompressed(h.compressed_page_size)) {
			rc = tn_err_set(err, TN_ECORRUPT,
					"page claims %zu bytes uncompressed from %zu compressed", ulen, clen);
			break;
		}
		tn_buf_reset(&c->raw);
		rc = tn_buf_reserve(&c->raw, clen, err);
		if (rc == TN_OK)
			rc = store_file_pread(c->file, c->pos + hlen, c->raw.data, clen, err);
		if (rc != TN_OK)
			break;
		c->pos += hlen + clen;
		payload = (const uint8_t *)c->raw.data;
		if (h.has_crc && c->verify_crc && pq_crc32(payload, clen) != (uint32_t)h.crc) {
			rc = tn_err_set(err, TN_ECORRUPT,
					"page CRC mismatch (stored %08x, computed %08x)",
					(uint32_t)h.crc, pq_crc32(payload, clen));
			break;
		}
		if (h.type == PQ_PAGE_DICTIONARY) {
			uint8_t *buf = tn_arena_alloc(&c->dict_arena, ulen + 1);

			rc = pq_decompress(c->meta->codec, payload, clen, buf, ulen, err);
			if (rc == TN_OK)
				rc = read_dictionary(c, &h, buf, ulen, err);
			continue;
		}
		if (h.type != PQ_PAGE_DATA && h.type != PQ_PAGE_DATA_V2)
			continue; /* index pages and unknown kinds carry no values */
		if (h.type == PQ_PAGE_DATA && !h.has_data_page_header) {
			rc = tn_err_set(err, TN_ECORRUPT, "data page without its header");
			break;
		}
		if (h.type == PQ_PAGE_DATA_V2 && !h.has_data_page_header_v2) {
			rc = tn_err_set(err, TN_ECORRUPT, "data page v2 without its header");
			break;
		}
		nvals = h.type == PQ_PAGE_DATA ? h.data_page_header.num_values
					       : h.data_page_header_v2.num_values;
		if (nvals < 0 || (size_t)nvals > PAGE_MAX_ENTRIES || nvals > c->values_left) {
			rc = tn_err_set(err, TN_ECORRUPT,
					"page declares %d values, more than the chunk's %lld left",
					nvals, (long long)c->values_left);
			break;
		}
		pg = tn_calloc(1, sizeof(*pg));
		tn_arena_init(&pg->arena, 0);
		pg->n = (size_t)nvals;
		c->values_left -= nvals;
		if (h.type == PQ_PAGE_DATA) {
			const struct pq_data_page_header *d = &h.data_page_header;

			pg->buf = tn_malloc(ulen + 1);
			rc = pq_decompress(c->meta->codec, payload, clen, pg->buf, ulen, err);
			if (rc == TN_OK && l->max_rep > 0)
				rc = v1_levels(pg->buf, ulen, &off, d->repetition_level_encoding, &pg->rep,
					       pg->n, l->max_rep, "repetition", err);
			if (rc == TN_OK && l->max_def > 0)
				rc = v1_levels(pg->buf, ulen, &off, d->definition_level_encoding, &pg->def,
					       pg->n, l->max_def, "definition", err);
			pg->encoding = d->encoding;
			pg->vdata = pg->buf + off;
			pg->vlen = ulen - off;
		} else {
			const struct pq_data_page_header_v2 *d = &h.data_page_header_v2;
			size_t rl = (size_t)d->repetition_levels_byte_length;
			size_t dl = (size_t)d->definition_levels_byte_length;

			if (d->repetition_levels_byte_length < 0 || d->definition_levels_byte_length < 0 ||
			    rl > clen || dl > clen - rl || rl + dl > ulen) {
				page_free(pg);
				rc = tn_err_set(err, TN_ECORRUPT,
						"level lengths %d and %d do not fit the page",
						d->repetition_levels_byte_length,
						d->definition_levels_byte_length);
				break;
			}
			lvl_len = rl + dl;
			pg->buf = tn_malloc(ulen + 1);
			memcpy(pg->buf, payload, lvl_len);
			if (!d->is_compressed || ulen == lvl_len) {
				if (clen != ulen)
					rc = tn_err_set(err, TN_ECORRUPT,
							"uncompressed page of %zu bytes declares %zu",
							clen, ulen);
				else
					memcpy(pg->buf + lvl_len, payload + lvl_len, ulen - lvl_len);
			} else {
				rc = pq_decompress(c->meta->codec, payload + lvl_len, clen - lvl_len,
						   pg->buf + lvl_len, ulen - lvl_len, err);
			}
			if (rc == TN_OK && l->max_rep > 0)
				rc = v2_levels(pg->buf, rl, &pg->rep, pg->n, l->max_rep, "repetition", err);
			if (rc == TN_OK && l->max_def > 0)
				rc = v2_levels(pg->buf + rl, dl, &pg->def, pg->n, l->max_def, "definition",
					       err);
			pg->encoding = d->encoding;
			pg->vdata = pg->buf + lvl_len;
			pg->vlen = ulen - lvl_len;
		}
		if (rc == TN_OK) {
			pg->nvalues = pg->n;
			if (pg->def != NULL && !all_max(pg->def, pg->n, l->max_def)) {
				size_t nv = 0;

				for (size_t i = 0; i < pg->n; i++)
					nv += pg->def[i] == l->max_def;
				pg->nvalues = nv;
			}
			rc = start_values(c, pg, err);
		}
		if (rc != TN_OK) {
			page_free(pg);
			break;
		}
		c->page = pg;
		break;
	}
	tn_arena_done(&ha);
	return rc;
}

int pq_chunk_take(struct pq_chunk *c, size_t rows, struct pq_leaf_batch *lb,
		  struct tn_arena *arena, struct tn_err *err)
{
	const struct pq_leaf *l = c->leaf;
	size_t width = tn_type_width(&l->type);
	size_t started = 0;
	int rc = TN_OK;

	(void)arena;
	memset(lb, 0, sizeof(*lb));
	for (;;) {
		struct pq_page *pg = c->page;
		size_t k = 0, nv = 0, avail;

		if (pg == NULL || pg->pos == pg->n) {
			bool end;

			if (pg != NULL) {
				pg->next = c->retired;
				c->retired = pg;
				c->page = NULL;
			}
			rc = next_page(c, &end, err);
			if (rc != TN_OK || end)
				break;
			continue;
		}
		avail = pg->n - pg->pos;
		if (l->max_rep == 0) {
			if (started == rows)
				break;
			k = rows - started < avail ? rows - started : avail;
			started += k;
		} else {
			const int16_t *rep = pg->rep + pg->pos;

			if (!c->started && rep[0] != 0) {
				rc = tn_err_set(err, TN_ECORRUPT,
						"the first value's repetition level is %d, not 0", rep[0]);
				break;
			}
			for (; k < avail; k++) {
				if (rep[k] == 0) {
					if (started == rows)
						break;
					started++;
				}
			}
			if (k == 0)
				break; /* the next row starts here and we have enough */
		}
		c->started = true;
		/* levels */
		c->def_buf = grow(c->def_buf, &c->def_cap, lb->n + k, sizeof(int16_t));
		if (pg->def != NULL) {
			const int16_t *d = pg->def + pg->pos;

			memcpy(c->def_buf + lb->n, d, k * sizeof(int16_t));
			if (pg->nvalues == pg->n) {
				nv = k; /* a page without nulls */
			} else {
				for (size_t i = 0; i < k; i++)
					nv += d[i] == l->max_def;
			}
		} else {
			nv = k;
		}
		if (pg->rep != NULL) {
			c->rep_buf = grow(c->rep_buf, &c->rep_cap, lb->n + k, sizeof(int16_t));
			memcpy(c->rep_buf + lb->n, pg->rep + pg->pos, k * sizeof(int16_t));
		}
		/* values */
		c->val_buf = grow(c->val_buf, &c->val_cap, (lb->nvalues + nv) * width + 16, 1);
		rc = take_values(c, pg, (uint8_t *)c->val_buf + lb->nvalues * width, nv, err);
		if (rc != TN_OK)
			break;
		pg->pos += k;
		lb->n += k;
		lb->nvalues += nv;
		if (l->max_rep > 0 && pg->pos < pg->n && started == rows && pg->rep[pg->pos] == 0)
			break;
	}
	lb->rows = started;
	lb->def = l->max_def > 0 ? c->def_buf : NULL;
	lb->rep = l->max_rep > 0 ? c->rep_buf : NULL;
	lb->values = c->val_buf;
	return where(c, rc, err);
}
