/* buf.h - growable byte buffer with a size cap. */
#ifndef TN_BUF_H
#define TN_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* A byte buffer that grows up to max bytes. data is always NUL-terminated
 * one past len (so text can be used as a C string) once anything was
 * reserved. The buffer owns data. */
struct tn_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* cap on len; 0 means no cap beyond SIZE_MAX/2 */
};

#define TN_BUF_INIT {NULL, 0, 0, 0}

void tn_buf_init(struct tn_buf *b, size_t max);
void tn_buf_done(struct tn_buf *b);
/* Make room for n more bytes. TN_ETOOBIG (err filled) if len+n > max. */
int tn_buf_reserve(struct tn_buf *b, size_t n, struct tn_err *err);
int tn_buf_append(struct tn_buf *b, const void *p, size_t n, struct tn_err *err);
int tn_buf_puts(struct tn_buf *b, const char *s, struct tn_err *err);
int tn_buf_putc(struct tn_buf *b, char c, struct tn_err *err);
int tn_buf_printf(struct tn_buf *b, struct tn_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int tn_buf_vprintf(struct tn_buf *b, struct tn_err *err, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* Empty the buffer, keeping its memory. */
void tn_buf_reset(struct tn_buf *b);
/* Take the bytes (NUL-terminated; caller frees) and leave b empty. */
char *tn_buf_detach(struct tn_buf *b, size_t *len);
/* Append the whole file at path (b's cap applies); errors name the file. */
int tn_buf_read_file(struct tn_buf *b, const char *path, struct tn_err *err);

#endif
