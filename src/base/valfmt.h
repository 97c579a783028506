/* valfmt.h - one value of a column vector as text: canonical JSON
 * (ARCHITECTURE "Canonical row format") and plain display text. */
#ifndef TN_VALFMT_H
#define TN_VALFMT_H

#include <stddef.h>

#include "base/buf.h"
#include "base/vec.h"

/* Append value i of v as canonical JSON: null, true/false, exact integers,
 * shortest round-tripping floats ("NaN", "Infinity" as strings), decimals as
 * strings with exactly scale digits, strings escaped (invalid UTF-8 becomes
 * U+FFFD), binary as base64, dates/times/timestamps as ISO-8601 strings,
 * UUIDs as 8-4-4-4-12 hex, structs as objects, lists as arrays, maps as
 * arrays of {"key":k,"value":v}. */
int tn_value_json(struct tn_buf *out, const struct tn_vec *v, size_t i, struct tn_err *err);
/* Append a whole row of a batch as one canonical JSON object (no newline). */
int tn_row_json(struct tn_buf *out, const struct tn_batch *b, size_t row, struct tn_err *err);
/* Append value i as display text: like JSON for nested values, but strings
 * unquoted, null as "NULL" (or nothing when empty_null), numbers plain. */
int tn_value_text(struct tn_buf *out, const struct tn_vec *v, size_t i, int empty_null,
		  struct tn_err *err);

/* Append a JSON string literal for s[0..n). */
int tn_json_string(struct tn_buf *out, const char *s, size_t n, struct tn_err *err);
/* Shortest text that reads back to exactly d / f ("1.1", "1e+300"). out
 * needs 32 bytes. Non-finite values give "NaN", "Infinity", "-Infinity". */
char *tn_double_format(double d, char *out);
char *tn_float_format(float f, char *out);
/* Append base64 (standard alphabet, padded) of p[0..n). */
int tn_base64(struct tn_buf *out, const uint8_t *p, size_t n, struct tn_err *err);
/* Decode base64 s[0..n) (standard alphabet; '=' ends it) into out, which
 * has room for n bytes. Returns the bytes written, or -1 on a character
 * outside the alphabet. */
long tn_unbase64(const char *s, size_t n, uint8_t *out);

#endif
