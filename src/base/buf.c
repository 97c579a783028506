/* buf.c - growable byte buffer with a size cap. */
#include "base/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

void tn_buf_init(struct tn_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void tn_buf_done(struct tn_buf *b)
{
	free(b->data);
	tn_buf_init(b, b->max);
}

int tn_buf_reserve(struct tn_buf *b, size_t n, struct tn_err *err)
{
	size_t max = b->max ? b->max : SIZE_MAX / 2;
	size_t need, cap;

	if (n > max || b->len > max - n)
		return tn_err_set(err, TN_ETOOBIG,
				  "buffer would grow past its limit of %zu bytes", max);
	need = b->len + n + 1; /* room for the terminating NUL */
	if (need <= b->cap)
		return TN_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->data = tn_realloc(b->data, cap);
	b->cap = cap;
	return TN_OK;
}

int tn_buf_append(struct tn_buf *b, const void *p, size_t n, struct tn_err *err)
{
	int rc = tn_buf_reserve(b, n, err);

	if (rc != TN_OK)
		return rc;
	if (n != 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return TN_OK;
}

int tn_buf_puts(struct tn_buf *b, const char *s, struct tn_err *err)
{
	return tn_buf_append(b, s, strlen(s), err);
}

int tn_buf_putc(struct tn_buf *b, char c, struct tn_err *err)
{
	return tn_buf_append(b, &c, 1, err);
}

int tn_buf_vprintf(struct tn_buf *b, struct tn_err *err, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, rc;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return tn_err_set(err, TN_EINTERNAL, "bad format string \"%s\"", fmt);
	rc = tn_buf_reserve(b, (size_t)n, err);
	if (rc != TN_OK)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return TN_OK;
}

int tn_buf_printf(struct tn_buf *b, struct tn_err *err, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = tn_buf_vprintf(b, err, fmt, ap);
	va_end(ap);
	return rc;
}

void tn_buf_reset(struct tn_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

char *tn_buf_detach(struct tn_buf *b, size_t *len)
{
	char *p = b->data;

	if (p == NULL)
		p = tn_strdup("");
	if (len != NULL)
		*len = b->len;
	tn_buf_init(b, b->max);
	return p;
}

int tn_buf_read_file(struct tn_buf *b, const char *path, struct tn_err *err)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t n;
	int rc = TN_OK;

	if (f == NULL)
		return tn_err_sys(err, errno, "%s", path);
	while (rc == TN_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((rc = tn_buf_append(b, chunk, n, err)) != TN_OK)
			tn_err_prefix(err, "%s", path);
	if (rc == TN_OK && ferror(f))
		rc = tn_err_sys(err, errno, "%s", path);
	fclose(f);
	return rc;
}
