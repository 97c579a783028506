/* dv.c - Delta deletion vectors: descriptors, Z85, and RoaringBitmapArray
 * reading (checked by hand, then CRoaring's safe deserializer), lookups,
 * batch masks and writing. */
#include "delta/dv.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <roaring/roaring.h>
#include <zlib.h>

#include "base/alloc.h"
#include "base/str.h"

/* ------------------------------------------------------------ bytes */

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ------------------------------------------------------------ Z85 */

static const char z85_chars[86] =
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/* Digit value + 1 of each alphabet character; 0 for the rest. */
static const uint8_t z85_value[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
	['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
	['f'] = 16, ['g'] = 17, ['h'] = 18, ['i'] = 19, ['j'] = 20, ['k'] = 21, ['l'] = 22,
	['m'] = 23, ['n'] = 24, ['o'] = 25, ['p'] = 26, ['q'] = 27, ['r'] = 28, ['s'] = 29,
	['t'] = 30, ['u'] = 31, ['v'] = 32, ['w'] = 33, ['x'] = 34, ['y'] = 35, ['z'] = 36,
	['A'] = 37, ['B'] = 38, ['C'] = 39, ['D'] = 40, ['E'] = 41, ['F'] = 42, ['G'] = 43,
	['H'] = 44, ['I'] = 45, ['J'] = 46, ['K'] = 47, ['L'] = 48, ['M'] = 49, ['N'] = 50,
	['O'] = 51, ['P'] = 52, ['Q'] = 53, ['R'] = 54, ['S'] = 55, ['T'] = 56, ['U'] = 57,
	['V'] = 58, ['W'] = 59, ['X'] = 60, ['Y'] = 61, ['Z'] = 62, ['.'] = 63, ['-'] = 64,
	[':'] = 65, ['+'] = 66, ['='] = 67, ['^'] = 68, ['!'] = 69, ['/'] = 70, ['*'] = 71,
	['?'] = 72, ['&'] = 73, ['<'] = 74, ['>'] = 75, ['('] = 76, [')'] = 77, ['['] = 78,
	[']'] = 79, ['{'] = 80, ['}'] = 81, ['@'] = 82, ['%'] = 83, ['$'] = 84, ['#'] = 85
};

/* Digit value of c, or -1 outside the alphabet. */
static int z85_digit(unsigned char c)
{
	return (int)z85_value[c] - 1;
}

int delta_z85_decode(const char *s, size_t len, struct tn_buf *out, struct tn_err *err)
{
	size_t start = out->len;
	int rc;

	if (len % 5 != 0)
		return tn_err_set(err, TN_ECORRUPT, "Z85: length %zu is not a multiple of 5", len);
	rc = tn_buf_reserve(out, len / 5 * 4, err);
	if (rc != TN_OK)
		return rc;
	for (size_t g = 0; g < len; g += 5) {
		const unsigned char *c = (const unsigned char *)s + g;
		size_t pad = 0;
		uint64_t v = 0;
		uint8_t bytes[4];

		/* No 5-digit group starting with '#' (84) fits in 32 bits, so a
		 * leading '#' can only be the padding of a short last group. */
		while (pad < 5 && c[pad] == '#')
			pad++;
		if (pad > 0 && (pad > 3 || g + 5 != len)) {
			out->len = start;
			out->data[start] = '\0';
			return tn_err_set(err, TN_ECORRUPT,
					  "Z85: group at offset %zu starts with '#', which only a "
					  "padded last group may (with 1 to 3 of them)", g);
		}
		for (size_t i = pad; i < 5; i++) {
			int d = z85_digit(c[i]);

			if (d < 0) {
				out->len = start;
				out->data[start] = '\0';
				return tn_err_set(err, TN_ECORRUPT,
						  "Z85: bad character 0x%02x at offset %zu", c[i], g + i);
			}
			v = v * 85 + (uint64_t)d;
		}
		if (v >> (8 * (4 - pad)) != 0) {
			out->len = start;
			out->data[start] = '\0';
			return tn_err_set(err, TN_ECORRUPT,
					  "Z85: group at offset %zu is too large for %zu bytes", g,
					  4 - pad);
		}
		put_be32(bytes, (uint32_t)v);
		memcpy(out->data + out->len, bytes + pad, 4 - pad);
		out->len += 4 - pad;
	}
	out->data[out->len] = '\0';
	return TN_OK;
}

int delta_z85_encode(const uint8_t *p, size_t n, struct tn_buf *out, struct tn_err *err)
{
	size_t groups = n / 4 + (n % 4 != 0);
	int rc;

	if (groups > SIZE_MAX / 5)
		return tn_err_set(err, TN_ETOOBIG, "Z85: %zu bytes are too many to encode", n);
	rc = tn_buf_reserve(out, groups * 5, err);
	if (rc != TN_OK)
		return rc;
	for (size_t g = 0; g < groups; g++) {
		uint8_t b[4] = {0, 0, 0, 0};
		size_t k = n - g * 4 < 4 ? n - g * 4 : 4;
		uint32_t v;
		char *o = out->data + out->len;

		memcpy(b, p + g * 4, k);
		v = get_be32(b);
		for (int i = 4; i >= 0; i--) {
			o[i] = z85_chars[v % 85];
			v /= 85;
		}
		out->len += 5;
	}
	out->data[out->len] = '\0';
	return TN_OK;
}

/* ------------------------------------------------------------ descriptors */

void delta_dv_desc_done(struct delta_dv_desc *d)
{
	if (d == NULL)
		return;
	free(d->path_or_inline_dv);
	memset(d, 0, sizeof(*d));
}

/* An integer field of obj in [min, max]. Absent or null: *present = false,
 * TN_ECORRUPT when required. */
static int json_int(const cJSON *obj, const char *name, bool required, int64_t min, int64_t max,
		    bool *present, int64_t *out, struct tn_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	double x;

	*present = false;
	if (v == NULL || cJSON_IsNull(v)) {
		if (required)
			return tn_err_set(err, TN_ECORRUPT, "deletionVector: %s: missing", name);
		return TN_OK;
	}
	if (!cJSON_IsNumber(v))
		return tn_err_set(err, TN_ECORRUPT, "deletionVector: %s: not a number", name);
	x = v->valuedouble;
	/* max is at most 2^63 - 1, whose double is 2^63: compare below it. */
	if (!(x >= (double)min && x < (double)max + 1.0) || (double)(int64_t)x != x)
		return tn_err_set(err, TN_ECORRUPT,
				  "deletionVector: %s: %.17g is not an integer from %" PRId64
				  " to %" PRId64, name, x, min, max);
	*out = (int64_t)x;
	*present = true;
	return TN_OK;
}

int delta_dv_desc_parse(const cJSON *obj, struct delta_dv_desc *out, struct tn_err *err)
{
	const cJSON *st, *path;
	int64_t v;
	bool present;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(obj))
		return tn_err_set(err, TN_ECORRUPT, "deletionVector: not an object");
	st = cJSON_GetObjectItemCaseSensitive(obj, "storageType");
	if (!cJSON_IsString(st))
		return tn_err_set(err, TN_ECORRUPT, "deletionVector: storageType: %s",
				  st ? "not a string" : "missing");
	if (strcmp(st->valuestring, "u") != 0 && strcmp(st->valuestring, "i") != 0 &&
	    strcmp(st->valuestring, "p") != 0)
		return tn_err_set(err, TN_ECORRUPT,
				  "deletionVector: storageType: unknown storage type \"%.40s\" "
				  "(expected u, i or p)", st->valuestring);
	path = cJSON_GetObjectItemCaseSensitive(obj, "pathOrInlineDv");
	if (!cJSON_IsString(path))
		return tn_err_set(err, TN_ECORRUPT, "deletionVector: pathOrInlineDv: %s",
				  path ? "not a string" : "missing");
	if (st->valuestring[0] == 'u' && strlen(path->valuestring) < 20)
		return tn_err_set(err, TN_ECORRUPT,
				  "deletionVector: pathOrInlineDv: \"%s\" is shorter than the "
				  "20 characters of a Z85 UUID", path->valuestring);
	if (path->valuestring[0] == '\0')
		return tn_err_set(err, TN_ECORRUPT, "deletionVector: pathOrInlineDv: empty");

	rc = json_int(obj, "offset", false, 0, INT32_MAX, &present, &v, err);
	if (rc != TN_OK)
		return rc;
	out->has_offset = present;
	out->offset = present ? (int32_t)v : 0;
	rc = json_int(obj, "sizeInBytes", true, 0, INT32_MAX, &present, &v, err);
	if (rc != TN_OK)
		return rc;
	out->size_in_bytes = (int32_t)v;
	rc = json_int(obj, "cardinality", true, 0, INT64_MAX, &present, &v, err);
	if (rc != TN_OK)
		return rc;
	out->cardinality = v;
	out->storage_type = st->valuestring[0];
	out->path_or_inline_dv = tn_strdup(path->valuestring);
	return TN_OK;
}

cJSON *delta_dv_desc_to_json(const struct delta_dv_desc *d)
{
	cJSON *o = cJSON_CreateObject();
	char st[2] = {d->storage_type, '\0'};

	if (o == NULL)
		tn_fatal("out of memory building a deletion vector descriptor");
	if (cJSON_AddStringToObject(o, "storageType", st) == NULL ||
	    cJSON_AddStringToObject(o, "pathOrInlineDv", d->path_or_inline_dv) == NULL ||
	    (d->has_offset && cJSON_AddNumberToObject(o, "offset", d->offset) == NULL) ||
	    cJSON_AddNumberToObject(o, "sizeInBytes", d->size_in_bytes) == NULL ||
	    cJSON_AddNumberToObject(o, "cardinality", (double)d->cardinality) == NULL)
		tn_fatal("out of memory building a deletion vector descriptor");
	return o;
}

char *delta_dv_unique_id(const struct delta_dv_desc *d)
{
	if (d->has_offset)
		return tn_asprintf("%c%s@%" PRId32, d->storage_type, d->path_or_inline_dv,
				   d->offset);
	return tn_asprintf("%c%s", d->storage_type, d->path_or_inline_dv);
}

/* The local path of a 'p' descriptor: a file: URI (empty or localhost
 * authority) or an absolute path, percent-decoded. */
static int local_path_of(const char *uri, char **out, struct tn_err *err)
{
	const char *p = uri;
	struct tn_buf b = TN_BUF_INIT;
	size_t scheme = 0;

	while (p[scheme] != '\0' && (((p[scheme] | 0x20) >= 'a' && (p[scheme] | 0x20) <= 'z') ||
				     (scheme > 0 && ((p[scheme] >= '0' && p[scheme] <= '9') ||
						     p[scheme] == '+' || p[scheme] == '-' ||
						     p[scheme] == '.'))))
		scheme++;
	if (scheme > 0 && p[scheme] == ':') {
		if (scheme != 4 || strncasecmp(p, "file", 4) != 0)
			return tn_err_set(err, TN_EUNSUPPORTED,
					  "deletion vector path %s: only local files (file: URIs "
					  "and absolute paths) can be read", uri);
		p += 5;
		if (p[0] == '/' && p[1] == '/') {
			const char *host = p + 2, *end = strchr(host, '/');
			size_t hl = end ? (size_t)(end - host) : strlen(host);

			if (hl != 0 && !(hl == 9 && strncasecmp(host, "localhost", 9) == 0))
				return tn_err_set(err, TN_EUNSUPPORTED,
						  "deletion vector path %s: files on host \"%.*s\" "
						  "cannot be read", uri, (int)hl, host);
			p = host + hl;
		}
	}
	if (p[0] != '/')
		return tn_err_set(err, TN_ECORRUPT,
				  "deletion vector path %s: not an absolute path", uri);
	for (; *p != '\0'; p++) {
		char c = *p;

		if (c == '%') {
			int hi = tn_hex_digit(p[1]), lo = hi < 0 ? -1 : tn_hex_digit(p[2]);

			if (lo < 0 || (hi == 0 && lo == 0)) {
				tn_buf_done(&b);
				return tn_err_set(err, TN_ECORRUPT,
						  "deletion vector path %s: bad escape at offset %td",
						  uri, p - uri);
			}
			c = (char)(hi << 4 | lo);
			p += 2;
		}
		tn_buf_putc(&b, c, NULL);
	}
	*out = tn_buf_detach(&b, NULL);
	return TN_OK;
}

int delta_dv_file_path(const char *table_root, const struct delta_dv_desc *d, char **out,
		       struct tn_err *err)
{
	const char *s = d->path_or_inline_dv;
	struct tn_buf uuid = TN_BUF_INIT;
	size_t len, plen;
	const uint8_t *u;
	char *rel;
	int rc;

	*out = NULL;
	switch (d->storage_type) {
	case 'p':
		return local_path_of(s, out, err);
	case 'i':
		return tn_err_set(err, TN_EINVAL, "an inline deletion vector has no file");
	case 'u':
		break;
	default:
		return tn_err_set(err, TN_ECORRUPT, "deletion vector: unknown storage type '%c'",
				  d->storage_type);
	}
	len = strlen(s);
	if (len < 20)
		return tn_err_set(err, TN_ECORRUPT,
				  "deletion vector path \"%s\": shorter than a Z85 UUID", s);
	plen = len - 20;
	rc = delta_z85_decode(s + plen, 20, &uuid, err);
	if (rc == TN_OK && uuid.len != 16)
		rc = tn_err_set(err, TN_ECORRUPT, "Z85: padded group in a UUID");
	if (rc != TN_OK) {
		tn_buf_done(&uuid);
		tn_err_prefix(err, "deletion vector path \"%s\"", s);
		return rc;
	}
	if (memchr(s, '/', plen) != NULL) {
		tn_buf_done(&uuid);
		return tn_err_set(err, TN_ECORRUPT,
				  "deletion vector path \"%s\": the prefix holds a '/'", s);
	}
	u = (const uint8_t *)uuid.data;
	rel = tn_asprintf("%.*s%sdeletion_vector_%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			  "%02x%02x%02x%02x%02x%02x.bin", (int)plen, s, plen ? "/" : "",
			  u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10],
			  u[11], u[12], u[13], u[14], u[15]);
	tn_buf_done(&uuid);
	*out = tn_path_join(table_root ? table_root : "", rel);
	free(rel);
	return TN_OK;
}

/* ------------------------------------------------------------ the set */

struct dv_bucket {
	uint32_t key;            /* high 32 bits of the rows */
	roaring_bitmap_t *bm;    /* owned; low 32 bits */
};

struct delta_dv {
	struct dv_bucket *b;     /* ascending keys, no empty bitmap after a load */
	size_t n, cap;
	uint64_t card;
};

struct delta_dv *delta_dv_new(void)
{
	return tn_calloc(1, sizeof(struct delta_dv));
}

void delta_dv_free(struct delta_dv *dv)
{
	if (dv == NULL)
		return;
	for (size_t i = 0; i < dv->n; i++)
		roaring_bitmap_free(dv->b[i].bm);
	free(dv->b);
	free(dv);
}

/* Index of the first bucket whose key is >= key. */
static size_t bucket_lower_bound(const struct delta_dv *dv, uint32_t key)
{
	size_t lo = 0, hi = dv->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (dv->b[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static roaring_bitmap_t *bitmap_new(void)
{
	roaring_bitmap_t *bm = roaring_bitmap_create();

	if (bm == NULL)
		tn_fatal("out of memory creating a bitmap");
	return bm;
}

/* Append a bucket; keys must come in ascending order. */
static void bucket_push(struct delta_dv *dv, uint32_t key, roaring_bitmap_t *bm)
{
	if (dv->n == dv->cap) {
		dv->cap = dv->cap ? dv->cap * 2 : 4;
		dv->b = tn_reallocarray(dv->b, dv->cap, sizeof(*dv->b));
	}
	dv->b[dv->n].key = key;
	dv->b[dv->n].bm = bm;
	dv->n++;
}

/* The bitmap of key, created (in order) when missing. */
static roaring_bitmap_t *bucket_get(struct delta_dv *dv, uint32_t key)
{
	size_t i;

	if (dv->n > 0 && dv->b[dv->n - 1].key == key)
		return dv->b[dv->n - 1].bm;
	i = bucket_lower_bound(dv, key);
	if (i < dv->n && dv->b[i].key == key)
		return dv->b[i].bm;
	bucket_push(dv, key, NULL);
	memmove(dv->b + i + 1, dv->b + i, (dv->n - 1 - i) * sizeof(*dv->b));
	dv->b[i].key = key;
	dv->b[i].bm = bitmap_new();
	return dv->b[i].bm;
}

void delta_dv_add(struct delta_dv *dv, uint64_t row)
{
	if (roaring_bitmap_add_checked(bucket_get(dv, (uint32_t)(row >> 32)), (uint32_t)row))
		dv->card++;
}

void delta_dv_add_range(struct delta_dv *dv, uint64_t first, uint64_t n)
{
	uint64_t last;

	if (n == 0)
		return;
	last = n - 1 > UINT64_MAX - first ? UINT64_MAX : first + (n - 1);
	for (uint64_t key = first >> 32;; key++) {
		uint32_t lo = key == first >> 32 ? (uint32_t)first : 0;
		uint32_t hi = key == last >> 32 ? (uint32_t)last : UINT32_MAX;
		roaring_bitmap_t *bm = bucket_get(dv, (uint32_t)key);
		uint64_t before = roaring_bitmap_get_cardinality(bm);

		roaring_bitmap_add_range_closed(bm, lo, hi);
		dv->card += roaring_bitmap_get_cardinality(bm) - before;
		if (key == last >> 32)
			break;
	}
}

void delta_dv_optimize(struct delta_dv *dv)
{
	for (size_t i = 0; i < dv->n; i++) {
		roaring_bitmap_run_optimize(dv->b[i].bm);
		roaring_bitmap_shrink_to_fit(dv->b[i].bm);
	}
}

uint64_t delta_dv_cardinality(const struct delta_dv *dv)
{
	return dv->card;
}

bool delta_dv_contains(const struct delta_dv *dv, uint64_t row)
{
	size_t i = bucket_lower_bound(dv, (uint32_t)(row >> 32));

	if (i == dv->n || dv->b[i].key != (uint32_t)(row >> 32))
		return false;
	return roaring_bitmap_contains(dv->b[i].bm, (uint32_t)row);
}

/* Values read from an iterator per step. */
#define DV_ITER_CHUNK 256

void delta_dv_mask(const struct delta_dv *dv, uint64_t first, size_t n, uint8_t *deleted)
{
	uint64_t last;

	if (n == 0)
		return;
	memset(deleted, 0, n);
	last = (uint64_t)(n - 1) > UINT64_MAX - first ? UINT64_MAX : first + (uint64_t)(n - 1);
	for (size_t i = bucket_lower_bound(dv, (uint32_t)(first >> 32));
	     i < dv->n && dv->b[i].key <= last >> 32; i++) {
		uint64_t base = (uint64_t)dv->b[i].key << 32;
		uint32_t lo = dv->b[i].key == first >> 32 ? (uint32_t)first : 0;
		uint32_t hi = dv->b[i].key == last >> 32 ? (uint32_t)last : UINT32_MAX;
		uint32_t vals[DV_ITER_CHUNK];
		roaring_uint32_iterator_t it;
		bool done = false;

		roaring_init_iterator(dv->b[i].bm, &it);
		if (!roaring_move_uint32_iterator_equalorlarger(&it, lo))
			continue;
		while (!done && it.has_value) {
			uint32_t k = roaring_read_uint32_iterator(&it, vals, DV_ITER_CHUNK);

			for (uint32_t j = 0; j < k; j++) {
				if (vals[j] > hi) {
					done = true;
					break;
				}
				deleted[base + vals[j] - first] = 1;
			}
			if (k < DV_ITER_CHUNK)
				break;
		}
	}
}

bool delta_dv_iterate(const struct delta_dv *dv, bool (*fn)(uint64_t row, void *arg), void *arg)
{
	for (size_t i = 0; i < dv->n; i++) {
		uint64_t base = (uint64_t)dv->b[i].key << 32;
		uint32_t vals[DV_ITER_CHUNK];
		roaring_uint32_iterator_t it;

		roaring_init_iterator(dv->b[i].bm, &it);
		while (it.has_value) {
			uint32_t k = roaring_read_uint32_iterator(&it, vals, DV_ITER_CHUNK);

			for (uint32_t j = 0; j < k; j++)
				if (!fn(base | vals[j], arg))
					return false;
			if (k < DV_ITER_CHUNK)
				break;
		}
	}
	return true;
}

/* ------------------------------------------------------------ reading */

/* The 32-bit portable Roaring format (RoaringFormatSpec). */
#define RB_COOKIE_NO_RUN 12346u
#define RB_COOKIE_RUN 12347u
#define RB_NO_OFFSET_THRESHOLD 4u
#define RB_ARRAY_MAX 4096u
#define RB_BITSET_BYTES 8192u

/* Check the 32-bit portable bitmap at p (at most n bytes): the framing and
 * that every container is well formed (keys and values ascending, runs
 * apart and inside 16 bits, each container's cardinality its contents').
 * *used gets its length, *card its cardinality. CRoaring's deserializer
 * only keeps within the bytes; it trusts the rest. */
static int rb32_check(const uint8_t *p, size_t n, size_t *used, uint64_t *card,
		      struct tn_err *err)
{
	const uint8_t *runs = NULL, *hdr;
	uint32_t cookie, count;
	size_t pos;
	uint64_t total = 0;

	if (n < 4)
		return tn_err_set(err, TN_ECORRUPT, "truncated: no room for the bitmap's cookie");
	cookie = get_le32(p);
	if (cookie == RB_COOKIE_NO_RUN) {
		if (n < 8)
			return tn_err_set(err, TN_ECORRUPT,
					  "truncated: no room for the container count");
		count = get_le32(p + 4);
		if (count > 65536)
			return tn_err_set(err, TN_ECORRUPT, "%" PRIu32 " containers (at most 65536)",
					  count);
		pos = 8;
	} else if ((cookie & 0xffff) == RB_COOKIE_RUN) {
		count = (cookie >> 16) + 1;
		runs = p + 4;
		pos = 4 + (count + 7) / 8;
		if (pos > n)
			return tn_err_set(err, TN_ECORRUPT, "truncated in the run flags");
	} else {
		return tn_err_set(err, TN_ECORRUPT, "unknown cookie 0x%08" PRIx32
				  " (not a portable Roaring bitmap)", cookie);
	}
	if ((size_t)count * 4 > n - pos)
		return tn_err_set(err, TN_ECORRUPT, "truncated: %" PRIu32
				  " container headers need %zu bytes, %zu are left", count,
				  (size_t)count * 4, n - pos);
	hdr = p + pos;
	pos += (size_t)count * 4;
	if (runs == NULL || count >= RB_NO_OFFSET_THRESHOLD) {
		/* Offsets: readers go in order and need not check them. */
		if ((size_t)count * 4 > n - pos)
			return tn_err_set(err, TN_ECORRUPT, "truncated in the container offsets");
		pos += (size_t)count * 4;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint32_t key = get_le16(hdr + 4 * i), c = (uint32_t)get_le16(hdr + 4 * i + 2) + 1;

		if (i > 0 && key <= get_le16(hdr + 4 * (i - 1)))
			return tn_err_set(err, TN_ECORRUPT, "container keys not ascending at "
					  "container %" PRIu32, i);
		if (runs != NULL && (runs[i / 8] >> (i % 8) & 1)) {
			uint32_t nruns, sum = 0;
			int64_t prev_end = -1;

			if (n - pos < 2)
				return tn_err_set(err, TN_ECORRUPT,
						  "truncated at container %" PRIu32, i);
			nruns = get_le16(p + pos);
			pos += 2;
			if ((size_t)nruns * 4 > n - pos)
				return tn_err_set(err, TN_ECORRUPT, "truncated: container %" PRIu32
						  " has %" PRIu32 " runs", i, nruns);
			for (uint32_t r = 0; r < nruns; r++) {
				uint32_t start = get_le16(p + pos + 4 * r);
				uint32_t len = get_le16(p + pos + 4 * r + 2);

				if ((int64_t)start <= prev_end || start + len > 0xffff)
					return tn_err_set(err, TN_ECORRUPT,
							  "container %" PRIu32 ": run %" PRIu32
							  " overlaps the one before or leaves 16 bits",
							  i, r);
				prev_end = start + len;
				sum += len + 1;
			}
			pos += (size_t)nruns * 4;
			if (sum != c)
				return tn_err_set(err, TN_ECORRUPT,
						  "container %" PRIu32 ": runs hold %" PRIu32
						  " values, the header says %" PRIu32, i, sum, c);
		} else if (c <= RB_ARRAY_MAX) {
			if ((size_t)c * 2 > n - pos)
				return tn_err_set(err, TN_ECORRUPT, "truncated: container %" PRIu32
						  " needs %" PRIu32 " bytes, %zu are left", i, c * 2,
						  n - pos);
			for (uint32_t j = 1; j < c; j++)
				if (get_le16(p + pos + 2 * j) <= get_le16(p + pos + 2 * (j - 1)))
					return tn_err_set(err, TN_ECORRUPT,
							  "container %" PRIu32 ": values not ascending",
							  i);
			pos += (size_t)c * 2;
		} else {
			uint32_t pop = 0;

			if (RB_BITSET_BYTES > n - pos)
				return tn_err_set(err, TN_ECORRUPT, "truncated: container %" PRIu32
						  " needs %u bytes, %zu are left", i,
						  RB_BITSET_BYTES, n - pos);
			for (size_t j = 0; j < RB_BITSET_BYTES; j += 8)
				pop += (uint32_t)__builtin_popcountll(get_le64(p + pos + j));
			pos += RB_BITSET_BYTES;
			if (pop != c)
				return tn_err_set(err, TN_ECORRUPT,
						  "container %" PRIu32 ": bitset holds %" PRIu32
						  " values, the header says %" PRIu32, i, pop, c);
		}
		total += c;
	}
	*used = pos;
	*card = total;
	return TN_OK;
}

/* Check and deserialize one 32-bit bitmap from p (at most n bytes). */
static int rb32_load(const uint8_t *p, size_t n, size_t *used, roaring_bitmap_t **out,
		     struct tn_err *err)
{
	uint64_t card = 0;
	roaring_bitmap_t *bm;
	int rc = rb32_check(p, n, used, &card, err);

	if (rc != TN_OK)
		return rc;
	if (roaring_bitmap_portable_deserialize_size((const char *)p, *used) != *used)
		return tn_err_set(err, TN_ECORRUPT, "bitmap framing disagrees with CRoaring's");
	bm = roaring_bitmap_portable_deserialize_safe((const char *)p, *used);
	if (bm == NULL)
		return tn_err_set(err, TN_ECORRUPT, "bitmap does not deserialize");
	if (roaring_bitmap_get_cardinality(bm) != card) {
		roaring_bitmap_free(bm);
		return tn_err_set(err, TN_ECORRUPT, "bitmap cardinality disagrees with its header");
	}
	*out = bm;
	return TN_OK;
}

/* Keep a loaded bucket (empty ones are dropped). */
static void keep_bucket(struct delta_dv *dv, uint32_t key, roaring_bitmap_t *bm)
{
	uint64_t c = roaring_bitmap_get_cardinality(bm);

	if (c == 0) {
		roaring_bitmap_free(bm);
		return;
	}
	dv->card += c;
	bucket_push(dv, key, bm);
}

/* Portable RoaringBitmapArray after the magic: u64 bucket count, then
 * (u32 key, bitmap) pairs, little-endian. */
static int parse_portable(const uint8_t *p, size_t n, struct delta_dv *dv, struct tn_err *err)
{
	uint64_t count;
	uint32_t prev = 0;
	size_t pos = 8;

	if (n < 8)
		return tn_err_set(err, TN_ECORRUPT, "truncated: no room for the bucket count");
	count = get_le64(p);
	/* A bucket is at least a key and an empty bitmap: 12 bytes. */
	if (count > (n - pos) / 12)
		return tn_err_set(err, TN_ECORRUPT,
				  "truncated: %" PRIu64 " buckets cannot fit in %zu bytes", count,
				  n - pos);
	for (uint64_t i = 0; i < count; i++) {
		roaring_bitmap_t *bm;
		uint32_t key;
		size_t used;
		int rc;

		if (n - pos < 4)
			return tn_err_set(err, TN_ECORRUPT, "truncated at bucket %" PRIu64, i);
		key = get_le32(p + pos);
		if (key & 0x80000000u)
			return tn_err_set(err, TN_ECORRUPT, "bucket %" PRIu64 " has key %" PRIu32
					  " with its top bit set", i, key);
		if (i > 0 && key <= prev)
			return tn_err_set(err, TN_ECORRUPT, "bucket keys not ascending at bucket %"
					  PRIu64 " (key %" PRIu32 ")", i, key);
		rc = rb32_load(p + pos + 4, n - pos - 4, &used, &bm, err);
		if (rc != TN_OK) {
			tn_err_prefix(err, "bucket %" PRIu64 " (key %" PRIu32 ") at byte %zu", i,
				      key, pos + 8);
			return rc;
		}
		pos += 4 + used;
		prev = key;
		keep_bucket(dv, key, bm);
	}
	if (pos != n)
		return tn_err_set(err, TN_ECORRUPT, "%zu bytes follow the bitmap", n - pos);
	return TN_OK;
}

/* The native layout after its magic (the protocol's inline example): a
 * u32 bitmap count, then per bitmap (its key is its index) a u32 size and
 * the bitmap; the counts and sizes in the byte order of the magic. */
static int parse_native(const uint8_t *p, size_t n, bool big, struct delta_dv *dv,
			struct tn_err *err)
{
	uint32_t count;
	size_t pos = 4;

	if (n < 4)
		return tn_err_set(err, TN_ECORRUPT, "truncated: no room for the bitmap count");
	count = big ? get_be32(p) : get_le32(p);
	if (count > (n - pos) / 12 || count > 0x80000000u)
		return tn_err_set(err, TN_ECORRUPT,
				  "truncated: %" PRIu32 " bitmaps cannot fit in %zu bytes", count,
				  n - pos);
	for (uint32_t i = 0; i < count; i++) {
		roaring_bitmap_t *bm;
		uint32_t size;
		size_t used;
		int rc;

		if (n - pos < 4)
			return tn_err_set(err, TN_ECORRUPT, "truncated at bitmap %" PRIu32, i);
		size = big ? get_be32(p + pos) : get_le32(p + pos);
		if (size > n - pos - 4)
			return tn_err_set(err, TN_ECORRUPT, "truncated: bitmap %" PRIu32
					  " has %" PRIu32 " bytes, %zu are left", i, size,
					  n - pos - 4);
		rc = rb32_load(p + pos + 4, size, &used, &bm, err);
		if (rc == TN_OK && used != size) {
			roaring_bitmap_free(bm);
			rc = tn_err_set(err, TN_ECORRUPT, "%zu bytes follow the bitmap",
					(size_t)size - used);
		}
		if (rc != TN_OK) {
			tn_err_prefix(err, "bitmap %" PRIu32 " at byte %zu", i, pos + 8);
			return rc;
		}
		pos += 4 + size;
		keep_bucket(dv, i, bm);
	}
	if (pos != n)
		return tn_err_set(err, TN_ECORRUPT, "%zu bytes follow the bitmaps", n - pos);
	return TN_OK;
}

int delta_dv_parse(const uint8_t *p, size_t n, const char *what, struct delta_dv **out,
		   struct tn_err *err)
{
	struct delta_dv *dv;
	uint32_t magic;
	int rc;

	*out = NULL;
	if (n < 4)
		return tn_err_set(err, TN_ECORRUPT, "%s: truncated: %zu bytes, too short for "
				  "the magic number", what, n);
	magic = get_le32(p);
	dv = delta_dv_new();
	if (magic == DELTA_DV_MAGIC)
		rc = parse_portable(p + 4, n - 4, dv, err);
	else if (magic == DELTA_DV_MAGIC_NATIVE)
		rc = parse_native(p + 4, n - 4, false, dv, err);
	else if (get_be32(p) == DELTA_DV_MAGIC_NATIVE)
		rc = parse_native(p + 4, n - 4, true, dv, err);
	else
		rc = tn_err_set(err, TN_ECORRUPT, "wrong magic number %" PRIu32 " (expected %u)",
				magic, DELTA_DV_MAGIC);
	if (rc != TN_OK) {
		tn_err_prefix(err, "%s", what);
		delta_dv_free(dv);
		return rc;
	}
	*out = dv;
	return TN_OK;
}

static int load_inline(const struct delta_dv_desc *d, struct delta_dv **out, struct tn_err *err)
{
	static const char what[] = "inline deletion vector";
	size_t size = (size_t)d->size_in_bytes;
	struct tn_buf b;
	int rc;

	tn_buf_init(&b, DELTA_DV_MAX_BYTES + 4);
	rc = delta_z85_decode(d->path_or_inline_dv, strlen(d->path_or_inline_dv), &b, err);
	if (rc != TN_OK) {
		tn_err_prefix(err, "%s", what);
		goto done;
	}
	/* Padding to a multiple of 4 bytes is cut off here. */
	if (b.len < size || b.len - size >= 4) {
		rc = tn_err_set(err, TN_ECORRUPT, "%s: %zu bytes decoded, sizeInBytes says %zu",
				what, b.len, size);
		goto done;
	}
	rc = delta_dv_parse((const uint8_t *)b.data, size, what, out, err);
done:
	tn_buf_done(&b);
	return rc;
}

static int load_file(struct store *st, const char *path, const struct delta_dv_desc *d,
		     struct delta_dv **out, struct tn_err *err)
{
	struct store_file *f = NULL;
	uint64_t off = d->has_offset ? (uint64_t)d->offset : 1;
	size_t size = (size_t)d->size_in_bytes;
	uint8_t *rec = NULL, version;
	uint32_t stored, crc;
	char *what = NULL;
	int rc;

	rc = store_file_open(st, path, &f, err);
	if (rc != TN_OK) {
		tn_err_prefix(err, "deletion vector file");
		return rc;
	}
	if (f->size == 0) {
		rc = tn_err_set(err, TN_ECORRUPT, "deletion vector file %s: empty", path);
		goto done;
	}
	rc = store_file_pread(f, 0, &version, 1, err);
	if (rc != TN_OK)
		goto done;
	if (version != 1) {
		rc = tn_err_set(err, TN_ECORRUPT,
				"deletion vector file %s: format version %u (expected 1)", path,
				version);
		goto done;
	}
	if (off == 0) {
		rc = tn_err_set(err, TN_ECORRUPT, "deletion vector file %s: offset 0 is the "
				"version byte, not a record", path);
		goto done;
	}
	if (off > f->size || size + 8 > f->size - off) {
		rc = tn_err_set(err, TN_ECORRUPT,
				"deletion vector file %s: truncated: the record at offset %" PRIu64
				" needs %zu bytes, the file has %" PRIu64, path, off, size + 8,
				f->size);
		goto done;
	}
	rec = tn_malloc(size + 8);
	rc = store_file_pread(f, off, rec, size + 8, err);
	if (rc != TN_OK)
		goto done;
	stored = get_be32(rec);
	if (stored != size) {
		rc = tn_err_set(err, TN_ECORRUPT, "deletion vector file %s: the record at offset %"
				PRIu64 " has %" PRIu32 " bytes, the log says %zu", path, off,
				stored, size);
		goto done;
	}
	stored = get_be32(rec + 4 + size);
	crc = (uint32_t)crc32_z(0, rec + 4, size);
	if (stored != crc) {
		rc = tn_err_set(err, TN_ECORRUPT, "deletion vector file %s: checksum mismatch at "
				"offset %" PRIu64 ": stored CRC-32 %08" PRIx32 ", data has %08"
				PRIx32, path, off, stored, crc);
		goto done;
	}
	what = tn_asprintf("deletion vector file %s (offset %" PRIu64 ")", path, off);
	rc = delta_dv_parse(rec + 4, size, what, out, err);
done:
	free(what);
	free(rec);
	store_file_close(f);
	return rc;
}

int delta_dv_load(struct store *st, const char *table_root, const struct delta_dv_desc *d,
		  struct delta_dv **out, struct tn_err *err)
{
	struct delta_dv *dv = NULL;
	char *path = NULL;
	int rc;

	*out = NULL;
	if (d->size_in_bytes < 0 || d->cardinality < 0)
		return tn_err_set(err, TN_ECORRUPT, "deletion vector: negative size or cardinality");
	if ((uint32_t)d->size_in_bytes > DELTA_DV_MAX_BYTES)
		return tn_err_set(err, TN_ETOOBIG, "deletion vector of %" PRId32
				  " bytes: more than tarn reads (%u)", d->size_in_bytes,
				  DELTA_DV_MAX_BYTES);
	if (d->storage_type == 'i') {
		rc = load_inline(d, &dv, err);
	} else {
		rc = delta_dv_file_path(table_root, d, &path, err);
		if (rc == TN_OK)
			rc = load_file(st, path, d, &dv, err);
	}
	if (rc == TN_OK && dv->card != (uint64_t)d->cardinality)
		rc = tn_err_set(err, TN_ECORRUPT, "%s%s: holds %" PRIu64 " rows, the log's "
				"cardinality is %" PRId64, path ? "deletion vector file " :
				"inline deletion vector", path ? path : "", dv->card,
				d->cardinality);
	free(path);
	if (rc != TN_OK) {
		delta_dv_free(dv);
		return rc;
	}
	*out = dv;
	return TN_OK;
}

/* ------------------------------------------------------------ writing */

int delta_dv_serialize(const struct delta_dv *dv, struct tn_buf *out, struct tn_err *err)
{
	size_t start = out->len;
	uint8_t head[12];
	uint64_t count = 0;
	int rc;

	for (size_t i = 0; i < dv->n; i++) {
		if (roaring_bitmap_is_empty(dv->b[i].bm))
			continue;
		if (dv->b[i].key & 0x80000000u)
			return tn_err_set(err, TN_EINVAL,
					  "row %" PRIu64 " is past the last row a deletion vector "
					  "can hold (2^63 - 1)", (uint64_t)dv->b[i].key << 32 |
					  roaring_bitmap_minimum(dv->b[i].bm));
		count++;
	}
	put_le32(head, DELTA_DV_MAGIC);
	put_le32(head + 4, (uint32_t)count);
	put_le32(head + 8, (uint32_t)(count >> 32));
	rc = tn_buf_append(out, head, sizeof(head), err);
	for (size_t i = 0; i < dv->n && rc == TN_OK; i++) {
		size_t size;

		if (roaring_bitmap_is_empty(dv->b[i].bm))
			continue;
		put_le32(head, dv->b[i].key);
		size = roaring_bitmap_portable_size_in_bytes(dv->b[i].bm);
		rc = tn_buf_append(out, head, 4, err);
		if (rc == TN_OK)
			rc = tn_buf_reserve(out, size, err);
		if (rc == TN_OK) {
			if (roaring_bitmap_portable_serialize(dv->b[i].bm, out->data + out->len) !=
			    size)
				rc = tn_err_set(err, TN_EINTERNAL, "bitmap serialized to an "
						"unexpected size");
			out->len += size;
			out->data[out->len] = '\0';
		}
	}
	if (rc != TN_OK) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
	}
	return rc;
}

int delta_dv_append_record(const struct delta_dv *dv, struct tn_buf *file, int32_t *offset,
			   int32_t *size_in_bytes, struct tn_err *err)
{
	size_t start = file->len, data;
	uint8_t word[4] = {0, 0, 0, 0};
	int rc = TN_OK;

	if (file->len == 0) {
		word[0] = 1;
		rc = tn_buf_append(file, word, 1, err);
		word[0] = 0;
	}
	if (rc != TN_OK)
		return rc;
	if (file->len > INT32_MAX) {
		rc = tn_err_set(err, TN_ETOOBIG, "deletion vector file: a record at offset %zu is "
				"past what a descriptor can point at", file->len);
		goto fail;
	}
	*offset = (int32_t)file->len;
	rc = tn_buf_append(file, word, 4, err);
	data = file->len;
	if (rc == TN_OK)
		rc = delta_dv_serialize(dv, file, err);
	if (rc == TN_OK && file->len - data > INT32_MAX)
		rc = tn_err_set(err, TN_ETOOBIG, "deletion vector of %zu bytes is too large",
				file->len - data);
	if (rc != TN_OK)
		goto fail;
	*size_in_bytes = (int32_t)(file->len - data);
	put_be32((uint8_t *)file->data + data - 4, (uint32_t)(file->len - data));
	put_be32(word, (uint32_t)crc32_z(0, (const uint8_t *)file->data + data, file->len - data));
	rc = tn_buf_append(file, word, 4, err);
	if (rc == TN_OK)
		return TN_OK;
fail:
	file->len = start;
	if (file->data != NULL)
		file->data[start] = '\0';
	return rc;
}

int delta_dv_desc_inline(const struct delta_dv *dv, struct delta_dv_desc *out,
			 struct tn_err *err)
{
	struct tn_buf data = TN_BUF_INIT, text = TN_BUF_INIT;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = delta_dv_serialize(dv, &data, err);
	if (rc == TN_OK && data.len > INT32_MAX)
		rc = tn_err_set(err, TN_ETOOBIG, "deletion vector of %zu bytes is too large",
				data.len);
	if (rc == TN_OK)
		rc = delta_z85_encode((const uint8_t *)data.data, data.len, &text, err);
	if (rc == TN_OK) {
		out->storage_type = 'i';
		out->size_in_bytes = (int32_t)data.len;
		out->cardinality = (int64_t)dv->card;
		out->path_or_inline_dv = tn_buf_detach(&text, NULL);
	}
	tn_buf_done(&data);
	tn_buf_done(&text);
	return rc;
}

void delta_dv_desc_relative(const char *prefix, const uint8_t uuid[16], int32_t offset,
			    int32_t size_in_bytes, int64_t cardinality, struct delta_dv_desc *out)
{
	struct tn_buf b = TN_BUF_INIT;

	tn_buf_puts(&b, prefix, NULL);
	delta_z85_encode(uuid, 16, &b, NULL);
	out->storage_type = 'u';
	out->path_or_inline_dv = tn_buf_detach(&b, NULL);
	out->has_offset = true;
	out->offset = offset;
	out->size_in_bytes = size_in_bytes;
	out->cardinality = cardinality;
}
