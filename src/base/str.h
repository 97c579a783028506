/* str.h - string helpers. */
#ifndef TN_STR_H
#define TN_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

bool tn_str_startswith(const char *s, const char *prefix);
bool tn_str_endswith(const char *s, const char *suffix);
/* Lower-case the ASCII letters of s in place; returns s. */
char *tn_str_lower(char *s);
/* ASCII case-insensitive equality. */
bool tn_str_ieq(const char *a, const char *b);
/* Copy at most size-1 bytes and always terminate (size > 0). Returns
 * strlen(src), so truncation is `ret >= size`. */
size_t tn_strlcpy(char *dst, const char *src, size_t size);
/* Strip ASCII white space from both ends in place; returns s advanced. */
char *tn_str_trim(char *s);
/* "a" + "/" + "b" without doubling the slash; caller frees. An empty a
 * yields a copy of b. */
char *tn_path_join(const char *a, const char *b);
/* mkdir -p: the directories of path that are missing, each made with
 * mode (what exists is fine). */
int tn_mkdirs(const char *path, unsigned mode, struct tn_err *err);
/* The part after the last '/', borrowed from path. */
const char *tn_path_base(const char *path);
/* Parse a whole decimal integer (optional sign, no spaces, no trailing
 * characters), checking range. TN_EINVAL with a message naming what. */
int tn_parse_i64(const char *s, int64_t *out, const char *what, struct tn_err *err);
int tn_parse_u64(const char *s, uint64_t *out, const char *what, struct tn_err *err);

/* Length of the valid UTF-8 sequence at s (n > 0 bytes left), or 0 when
 * it is not one (overlong forms, surrogates and code points past U+10FFFF
 * are not). */
size_t tn_utf8_len(const unsigned char *s, size_t n);
/* True when p[0..n) is valid UTF-8. */
bool tn_utf8_valid(const void *p, size_t n);
/* The value of a hex digit (either case), or -1. */
int tn_hex_digit(int c);
/* Edit distance (insertions, deletions, substitutions; ASCII case
 * ignored) between a and b, or max+1 once it exceeds max. */
size_t tn_str_distance(const char *a, const char *b, size_t max);
/* The candidate nearest to name (edit distance at most a third of its
 * length, at least 1, at most 3), or NULL: for "did you mean ...?". */
const char *tn_str_nearest(const char *name, const char *const *cands, size_t n);

#endif
