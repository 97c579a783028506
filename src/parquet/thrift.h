/* thrift.h - the Thrift compact protocol: a bounds-checked reader over a byte
 * range and a writer appending to a tn_buf. Parquet's footer, page headers
 * and page index are Thrift structs in this encoding. */
#ifndef PQ_THRIFT_H
#define PQ_THRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

/* Type codes of the compact protocol as they appear in field headers and in
 * list, set and map headers. A boolean field carries its value in the type
 * (TRUE or FALSE); a boolean list element is one byte. */
enum pq_ttype {
	PQ_TT_STOP = 0,
	PQ_TT_TRUE = 1,
	PQ_TT_FALSE = 2,
	PQ_TT_BYTE = 3,
	PQ_TT_I16 = 4,
	PQ_TT_I32 = 5,
	PQ_TT_I64 = 6,
	PQ_TT_DOUBLE = 7,
	PQ_TT_BINARY = 8,
	PQ_TT_LIST = 9,
	PQ_TT_SET = 10,
	PQ_TT_MAP = 11,
	PQ_TT_STRUCT = 12,
};

/* How deeply structs, lists and maps may nest, counted together. Deeper
 * input is TN_ECORRUPT: it bounds the recursion of skip and of decoders. */
#define PQ_THRIFT_MAX_DEPTH 64

/* ---------------------------------------------------------------- reading */

/* A reader over len bytes at p, which it borrows (they must outlive it).
 * Every read checks what it needs against the bytes that remain; errors are
 * TN_ECORRUPT with a message naming what was being read and the byte offset
 * (counted from p, plus base). After an error the reader must not be used
 * further. Plain struct, no cleanup. */
struct pq_thrift_reader {
	const uint8_t *p;
	size_t len;
	size_t pos;
	size_t base;    /* added to offsets in messages (where p sits in a file) */
	int depth;      /* open structs, lists and maps */
	int nstruct;    /* open structs: entries in last_id */
	int16_t last_id[PQ_THRIFT_MAX_DEPTH]; /* last field id per open struct */
	struct tn_err *err; /* borrowed; may be NULL */
};

/* A field header: type is an enum pq_ttype; PQ_TT_STOP ends the struct
 * (id is then 0). */
struct pq_thrift_field {
	int16_t id;
	uint8_t type;
};

/* Start reading len bytes at p (borrowed), at position 0, outside any
 * struct. err (borrowed, may be NULL) receives every error. */
void pq_thrift_reader_init(struct pq_thrift_reader *r, const uint8_t *p, size_t len,
	struct tn_err *err);

/* Bytes left to read. */
static inline size_t pq_thrift_remaining(const struct pq_thrift_reader *r)
{
	return r->len - r->pos;
}

/* Enter a struct (before its first field header) and leave it (after the
 * STOP). begin is TN_ECORRUPT when nesting passes PQ_THRIFT_MAX_DEPTH. */
int pq_thrift_struct_begin(struct pq_thrift_reader *r);
void pq_thrift_struct_end(struct pq_thrift_reader *r);

/* Read a field header inside the innermost open struct: the short form
 * (id delta in the high nibble) or the long form (zero delta, then a
 * zigzag i16 id). Type 0 is STOP; types outside 1..12 are TN_ECORRUPT. */
int pq_thrift_read_field(struct pq_thrift_reader *r, struct pq_thrift_field *f);

/* An unsigned LEB128 varint of at most 64 bits. */
int pq_thrift_read_varint(struct pq_thrift_reader *r, uint64_t *v);
/* Zigzag varints; a value that does not fit the width is TN_ECORRUPT. */
int pq_thrift_read_i16(struct pq_thrift_reader *r, int16_t *v);
int pq_thrift_read_i32(struct pq_thrift_reader *r, int32_t *v);
int pq_thrift_read_i64(struct pq_thrift_reader *r, int64_t *v);
/* One raw byte (Thrift byte / i8). */
int pq_thrift_read_byte(struct pq_thrift_reader *r, int8_t *v);
/* Eight bytes, little-endian IEEE 754. */
int pq_thrift_read_double(struct pq_thrift_reader *r, double *v);
/* A boolean list or set element: one byte, 1 true, 0 or 2 false. */
int pq_thrift_read_bool(struct pq_thrift_reader *r, bool *v);
/* A binary or string: varint length, then the bytes. *data points into the
 * reader's input (borrowed); the length is checked against what remains. */
int pq_thrift_read_binary(struct pq_thrift_reader *r, const uint8_t **data, size_t *len);

/* A list or set header: element type and count. The count is checked
 * against the bytes that remain (every element takes at least one byte,
 * a double eight), so a caller may allocate count elements at once.
 * Enters one nesting level: call pq_thrift_container_end after the
 * elements. Element type BOOLEAN may be written as 1 or 2; it comes back
 * as PQ_TT_TRUE. */
int pq_thrift_read_list(struct pq_thrift_reader *r, uint8_t *elem_type, size_t *count);
/* A map header: count, and key and value types when count > 0 (both 0
 * otherwise). Checked like a list (two bytes an entry at least). Enters
 * one nesting level like pq_thrift_read_list. */
int pq_thrift_read_map(struct pq_thrift_reader *r, uint8_t *key_type, uint8_t *value_type,
	size_t *count);
void pq_thrift_container_end(struct pq_thrift_reader *r);

/* Skip one value of the given type, nested structs, lists and maps
 * included. A field of type TRUE or FALSE has no bytes to skip. */
int pq_thrift_skip(struct pq_thrift_reader *r, uint8_t type);

/* ---------------------------------------------------------------- writing */

/* A writer appending to out (borrowed). Errors are sticky: after the first
 * failure (TN_ETOOBIG from the buffer's cap, TN_EINVAL for a count or
 * length the protocol cannot carry, TN_EINTERNAL for unbalanced nesting)
 * every call returns that code again and writes nothing, so an encoder
 * may check only at the end with pq_thrift_writer_status. */
struct pq_thrift_writer {
	struct tn_buf *out;
	int nstruct;
	int16_t last_id[PQ_THRIFT_MAX_DEPTH];
	int status;
	struct tn_err *err; /* borrowed; may be NULL */
};

/* Start appending to out (borrowed; what is there stays). err (borrowed,
 * may be NULL) receives the first error. */
void pq_thrift_writer_init(struct pq_thrift_writer *w, struct tn_buf *out, struct tn_err *err);
/* TN_OK, or the first error any write met. */
int pq_thrift_writer_status(const struct pq_thrift_writer *w);

/* Open a struct (field ids restart) and close it: end writes the STOP byte. */
int pq_thrift_write_struct_begin(struct pq_thrift_writer *w);
int pq_thrift_write_struct_end(struct pq_thrift_writer *w);
/* A STOP byte alone (end of a struct whose nesting the caller tracks). */
int pq_thrift_write_stop(struct pq_thrift_writer *w);

/* A field header in the innermost open struct: the short form when the id
 * is 1..15 above the previous one, the long form otherwise. For a boolean
 * field use pq_thrift_write_bool_field, which puts the value in the type. */
int pq_thrift_write_field(struct pq_thrift_writer *w, int16_t id, uint8_t type);
int pq_thrift_write_bool_field(struct pq_thrift_writer *w, int16_t id, bool v);

int pq_thrift_write_varint(struct pq_thrift_writer *w, uint64_t v);
int pq_thrift_write_i16(struct pq_thrift_writer *w, int16_t v);
int pq_thrift_write_i32(struct pq_thrift_writer *w, int32_t v);
int pq_thrift_write_i64(struct pq_thrift_writer *w, int64_t v);
int pq_thrift_write_byte(struct pq_thrift_writer *w, int8_t v);
int pq_thrift_write_double(struct pq_thrift_writer *w, double v);
/* A boolean list element (one byte: 1 true, 2 false). */
int pq_thrift_write_bool(struct pq_thrift_writer *w, bool v);
/* Length-prefixed bytes; len above INT32_MAX is TN_EINVAL. */
int pq_thrift_write_binary(struct pq_thrift_writer *w, const void *data, size_t len);
/* A list or set header (elem_type PQ_TT_TRUE for booleans); count above
 * INT32_MAX is TN_EINVAL. Short form for counts up to 14. */
int pq_thrift_write_list(struct pq_thrift_writer *w, uint8_t elem_type, size_t count);
/* A map header (types written only when count > 0). */
int pq_thrift_write_map(struct pq_thrift_writer *w, uint8_t key_type, uint8_t value_type,
	size_t count);
/* Bytes appended as they are: a value captured by a reader and replayed. */
int pq_thrift_write_raw(struct pq_thrift_writer *w, const void *data, size_t len);

/* Field header plus value, the common case for encoders. */
int pq_thrift_write_i32_field(struct pq_thrift_writer *w, int16_t id, int32_t v);
int pq_thrift_write_i64_field(struct pq_thrift_writer *w, int16_t id, int64_t v);
int pq_thrift_write_binary_field(struct pq_thrift_writer *w, int16_t id, const void *data,
	size_t len);

#endif
