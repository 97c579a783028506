/* dv.h - Delta deletion vectors: the descriptor in add/remove actions, Z85,
 * the RoaringBitmapArray of deleted row indexes (load, look up, mask a
 * batch) and the writing side (serialize, DV file records, descriptors).
 *
 * Formats (specs/delta-PROTOCOL.md, "Deletion Vectors" and the appendix
 * "Deletion Vector Format"):
 *   DV data      magic 1681511377 (u32 LE), bucket count (u64 LE), then per
 *                bucket, keys ascending: key (u32 LE, the high 32 bits of
 *                its rows, top bit 0) and a 32-bit portable Roaring bitmap
 *                of the low 32 bits.
 *   DV file      a version byte (1), then records: data size (u32 BE), the
 *                data, CRC-32 of the data (u32 BE). A descriptor's offset
 *                points at a record's size field.
 *   inline DV    the data, Z85-encoded, in the descriptor itself.
 * Bitmaps are CRoaring's; the bytes are checked by tarn (framing, ordering,
 * cardinalities) before CRoaring's safe deserializer sees them. */
#ifndef TARN_DELTA_DV_H
#define TARN_DELTA_DV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "base/buf.h"
#include "base/err.h"
#include "store/store.h"

/* The magic number of the portable RoaringBitmapArray, the one format
 * written today. */
#define DELTA_DV_MAGIC 1681511377u
/* The older "native" layout (bucket count and per-bucket sizes instead of
 * keys), still the protocol's inline example; read, never written. */
#define DELTA_DV_MAGIC_NATIVE 1681511376u
/* Largest DV data tarn reads (sizeInBytes): a dense bitmap over 2^31 rows
 * is 256 MiB. Larger is TN_ETOOBIG. */
#define DELTA_DV_MAX_BYTES (256u << 20)

/* A deletionVector descriptor from an add or remove action. */
struct delta_dv_desc {
	char storage_type;       /* 'u' (relative path from a UUID), 'i' (inline, Z85), 'p' (absolute path) */
	char *path_or_inline_dv; /* owned */
	bool has_offset;
	int32_t offset;          /* valid when has_offset */
	int32_t size_in_bytes;   /* size of the DV data (before Z85 when inline) */
	int64_t cardinality;     /* number of deleted rows */
};

/* Parse the JSON object of an action's "deletionVector" into out (which
 * the caller then owns; free with delta_dv_desc_done). A null or absent
 * "offset" is no offset. TN_ECORRUPT naming the bad field: a missing or
 * mistyped field, a storage type other than u, i or p, a negative or
 * out-of-range number, a 'u' path shorter than the 20-character UUID.
 * out is left zeroed on failure. */
int delta_dv_desc_parse(const cJSON *obj, struct delta_dv_desc *out, struct tn_err *err);
/* Free what d owns and zero it. NULL is a no-op. */
void delta_dv_desc_done(struct delta_dv_desc *d);
/* The descriptor as a JSON object, as a commit writes it (offset only when
 * it has one). Caller frees with cJSON_Delete. */
cJSON *delta_dv_desc_to_json(const struct delta_dv_desc *d);

/* The unique id the protocol defines: storageType + pathOrInlineDv, plus
 * "@" + offset when there is one. Caller frees. */
char *delta_dv_unique_id(const struct delta_dv_desc *d);

/* Where an on-disk DV lives, as a store path (caller frees). For 'u':
 * <table_root>/<random prefix>/deletion_vector_<uuid>.bin, the UUID being
 * the last 20 characters Z85-decoded, the prefix what comes before (no
 * directory when empty). For 'p': the path, percent-decoded, from a
 * "file:" URI or a plain absolute path; other schemes are
 * TN_EUNSUPPORTED. Inline DVs have no file (TN_EINVAL); a bad UUID or a
 * relative 'p' path is TN_ECORRUPT. */
int delta_dv_file_path(const char *table_root, const struct delta_dv_desc *d, char **out,
		       struct tn_err *err);

/* A set of deleted row indexes (0-based rows of one data file). */
struct delta_dv;

/* Load the DV d describes: inline, Z85-decode the descriptor; on disk,
 * check the file's version byte and read the record at offset (offset
 * absent: the first record, just after the version byte), checking that
 * its size equals sizeInBytes and its CRC-32 the data's. The data is then
 * parsed as by delta_dv_parse and its cardinality must equal the
 * descriptor's. table_root is the table's store path (for 'u'). Every
 * error names the file (or "inline deletion vector") and what is wrong:
 * TN_ENOENT for a missing file, TN_ECORRUPT for a checksum or size
 * mismatch, a wrong magic number, a truncated or malformed bitmap, a
 * cardinality other than the log's; TN_ETOOBIG past DELTA_DV_MAX_BYTES.
 * *out is the caller's (delta_dv_free). */
int delta_dv_load(struct store *st, const char *table_root, const struct delta_dv_desc *d,
		  struct delta_dv **out, struct tn_err *err);

/* Parse DV data (magic and RoaringBitmapArray; n bytes exactly, nothing may
 * follow) into a new DV. what names the source in messages ("inline
 * deletion vector", a file name). TN_ECORRUPT for a wrong magic number,
 * truncated data, bucket keys out of order or with the top bit set, a
 * malformed 32-bit bitmap (unknown cookie, keys or values out of order,
 * overlapping runs, cardinalities that disagree with the contents), or
 * trailing bytes. */
int delta_dv_parse(const uint8_t *p, size_t n, const char *what, struct delta_dv **out,
		   struct tn_err *err);

/* An empty DV, for building one to write. */
struct delta_dv *delta_dv_new(void);
/* Free a DV. NULL is a no-op. */
void delta_dv_free(struct delta_dv *dv);
/* Mark row deleted (no-op when it already is). */
void delta_dv_add(struct delta_dv *dv, uint64_t row);
/* Mark rows [first, first + n) deleted. */
void delta_dv_add_range(struct delta_dv *dv, uint64_t first, uint64_t n);
/* Compress runs of consecutive rows (run containers): call before
 * serializing a DV built with delta_dv_add. The set does not change. */
void delta_dv_optimize(struct delta_dv *dv);

/* Number of deleted rows. */
uint64_t delta_dv_cardinality(const struct delta_dv *dv);
/* Whether row is deleted. */
bool delta_dv_contains(const struct delta_dv *dv, uint64_t row);
/* deleted[i] = 1 when row first + i is deleted, else 0, for i < n. Walks
 * the bitmap with an iterator from first: cost is the number of deleted
 * rows in the range plus a search, not n lookups. Rows past 2^64 - 1 are
 * not deleted. */
void delta_dv_mask(const struct delta_dv *dv, uint64_t first, size_t n, uint8_t *deleted);
/* Call fn(row, arg) for every deleted row in increasing order until fn
 * returns false. Returns false when fn stopped it. */
bool delta_dv_iterate(const struct delta_dv *dv, bool (*fn)(uint64_t row, void *arg), void *arg);

/* Append dv's data (magic and portable RoaringBitmapArray) to out. A row at
 * or above 2^63 cannot be written (TN_EINVAL); TN_ETOOBIG from out's cap. */
int delta_dv_serialize(const struct delta_dv *dv, struct tn_buf *out, struct tn_err *err);
/* Append dv to a DV file being built in file as one record (size, data,
 * CRC), putting the version byte first when file is empty. *offset gets
 * where the record starts and *size_in_bytes its data size: what the
 * descriptor of this DV holds. TN_ETOOBIG when either passes INT32_MAX. */
int delta_dv_append_record(const struct delta_dv *dv, struct tn_buf *file, int32_t *offset,
			   int32_t *size_in_bytes, struct tn_err *err);
/* Fill out (caller owns; delta_dv_desc_done) with an inline descriptor of
 * dv: storage type 'i', the data Z85-encoded, its size and cardinality. */
int delta_dv_desc_inline(const struct delta_dv *dv, struct delta_dv_desc *out,
			 struct tn_err *err);
/* Fill out with a 'u' descriptor: path prefix (may be ""; no '/') plus the
 * Z85 form of uuid, and the offset, size and cardinality of its record.
 * delta_dv_file_path then gives where to write the file. */
void delta_dv_desc_relative(const char *prefix, const uint8_t uuid[16], int32_t offset,
			    int32_t size_in_bytes, int64_t cardinality, struct delta_dv_desc *out);

/* Z85 (ZeroMQ RFC 32): 5 characters per 4 bytes, big-endian.
 * Decoding appends to out and accepts the two ways writers handle data
 * whose length is not a multiple of 4: zero bytes padding the data to a
 * multiple of 4 (Delta's Java writers; the descriptor's sizeInBytes says
 * how much is real, so the caller cuts the padding off), and a last group
 * starting with k '#' characters (k = 1..3; the Rust z85 crate), whose
 * other 5-k characters encode the 4-k bytes of the tail. TN_ECORRUPT,
 * naming the offset, for a length not a multiple of 5, a character outside
 * the alphabet, a group above 2^32 - 1, or a malformed padded group. */
int delta_z85_decode(const char *s, size_t len, struct tn_buf *out, struct tn_err *err);
/* Append the Z85 form of p[0..n) to out (NUL-terminated), padding the data
 * with zero bytes to a multiple of 4 as Delta's writers do, so every reader
 * can decode it. */
int delta_z85_encode(const uint8_t *p, size_t n, struct tn_buf *out, struct tn_err *err);

#endif
