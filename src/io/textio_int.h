/* textio_int.h - shared inside src/io: the chunked source, the record of
 * values a format hands to the row builder, type guesses and the
 * conversion of text into a column's storage. */
#ifndef TIO_TEXTIO_INT_H
#define TIO_TEXTIO_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/hmap.h"
#include "base/vec.h"
#include "io/textio.h"
#include "store/store.h"

/* Bytes read from the file at a time. */
#define TIO_CHUNK ((size_t)64 << 10)
/* Values one record may hold (fields of a CSV record, keys of a line). */
#define TIO_VALUES_MAX ((size_t)100000)

/* ---- the source: a file read a chunk at a time ---- */

struct tio_src {
	struct store_file *f;
	uint64_t next; /* file offset of the byte after buf[len - 1] */
	uint8_t *buf;  /* TIO_CHUNK bytes, owned */
	size_t len, pos;
};

int tio_src_open(struct tio_src *s, struct store *st, const char *path, struct tn_err *err);
void tio_src_close(struct tio_src *s);
/* Read on when every byte of the chunk is used: afterwards pos < len, or
 * pos == len at the end of the file. */
int tio_src_fill(struct tio_src *s, struct tn_err *err);
/* Read the first chunk and step over a UTF-8 byte order mark. */
int tio_src_start(struct tio_src *s, struct tn_err *err);
/* The file offset of the next byte, and going back to one. */
uint64_t tio_src_offset(const struct tio_src *s);
void tio_src_seek(struct tio_src *s, uint64_t off);

/* ---- records ---- */

enum tio_tag {
	TIO_V_NULL,   /* an empty unquoted CSV field, JSON null */
	TIO_V_TEXT,   /* an unquoted CSV field */
	TIO_V_QUOTED, /* a quoted CSV field (empty: null unless the column is a string) */
	TIO_V_STR,    /* a JSON string, unescaped */
	TIO_V_NUM,    /* a JSON number as written */
	TIO_V_BOOL,   /* JSON true or false */
	TIO_V_NEST,   /* a JSON object or array as compact JSON text */
};

/* One value of a record. Its bytes, and its name, are in the record's
 * bytes, each followed by a NUL. */
struct tio_val {
	size_t off, len;
	size_t name_off, name_len; /* JSON: the key; CSV: for a field that is not a
				      column, the name to rescue it under */
	int tag;       /* enum tio_tag */
	int col;       /* the schema's column, or -1 when the value is not one */
	uint64_t line; /* where the value starts */
	uint32_t field; /* CSV: 1-based position; JSON: 0 */
};

struct tio_rec {
	struct tn_buf bytes; /* capped at TIO_RECORD_MAX */
	struct tio_val *vals;
	size_t n, cap;
	uint64_t line; /* where the record starts */
	const char *path; /* borrowed, for messages */
};

/* Start an empty record. */
void tio_rec_reset(struct tio_rec *rec, uint64_t line);
/* Append n bytes of the value or name being built; TN_ETOOBIG past
 * TIO_RECORD_MAX, naming the file and the record's line. */
int tio_rec_append(struct tio_rec *rec, const void *p, size_t n, struct tn_err *err);
/* Finish the value that started at byte off: a NUL goes after it, and a
 * new tio_val (returned, col -1, no name) holds it. TN_ETOOBIG past
 * TIO_VALUES_MAX values. */
int tio_rec_push(struct tio_rec *rec, size_t off, int tag, uint64_t line, struct tio_val **out,
		 struct tn_err *err);

/* ---- the reader ---- */

struct tio_reader;

struct tio_format_ops {
	/* Read the next record into r->rec with every value's col set; *got is
	 * false at the end. Errors name the file and line. */
	int (*next)(struct tio_reader *r, bool *got, struct tn_err *err);
	void (*free)(void *state);
};

struct tio_reader {
	struct tio_opts o;
	char *path; /* owned, for messages and _file_path */
	struct tio_src src;
	const struct tio_format_ops *ops;
	void *state; /* the format's */
	struct tn_schema schema;
	int rescue_col; /* or -1 */
	struct tio_rec rec;
	/* Schema columns by ASCII-lowercased name (col + 1). */
	struct tn_hmap names;
	struct tn_buf lower; /* scratch for lookups */
	struct tn_buf rescued;
	struct tn_err failed; /* the sticky error */
};

/* The column named name[0..n) (ASCII case ignored), or -1. */
int tio_find_column(struct tio_reader *r, const char *name, size_t n);
/* Add a column of the guessed type to r->schema (and to r->names). A
 * name used already (ignoring ASCII case) gets the first free suffix _1,
 * _2, ...; an empty one becomes "columnN" for 0-based position pos,
 * padded to the digits of width - 1. TN_ETOOBIG past TIO_COLUMNS_MAX. */
int tio_add_column(struct tio_reader *r, const char *name, size_t n, size_t pos, size_t width,
		   int guess, struct tn_err *err);
/* Take opts.schema as the reader's: copied, nested types refused. */
int tio_use_schema(struct tio_reader *r, struct tn_err *err);

int tio_csv_open(struct tio_reader *r, struct tn_err *err);
int tio_jsonl_open(struct tio_reader *r, struct tn_err *err);

/* ---- types: guesses and conversion (infer.c) ---- */

/* What a value looks like, narrowest first; merged into a column's type. */
enum tio_guess {
	TIO_G_NONE, /* no value yet (nulls only) */
	TIO_G_BOOL,
	TIO_G_INT,
	TIO_G_DOUBLE,
	TIO_G_DATE,
	TIO_G_TIMESTAMP,
	TIO_G_STRING,
};

/* The guess for CSV text s[0..n) (NUL-terminated). */
int tio_guess_text(const char *s, size_t n);
/* The guess for a JSON value of the given tag and text. */
int tio_guess_json(int tag, const char *s, size_t n);
/* The narrowest guess that holds both. */
int tio_guess_merge(int a, int b);
/* The type of a column of guess g (string for TIO_G_NONE). */
void tio_guess_type(int g, struct tn_type *t);

/* Convert text s[0..n) (NUL-terminated) into the storage of primitive
 * type t at dst; strings and binary are copied into a. TN_EINVAL with a
 * message saying why, e.g. "\"abc\" is not a valid bigint". */
int tio_parse(const struct tn_type *t, const char *s, size_t n, void *dst, struct tn_arena *a,
	      struct tn_err *err);

#endif
