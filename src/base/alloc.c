/* alloc.c - checked allocation and the fatal-exit path. */
#include "base/alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void (*fatal_hook)(void);

void tn_set_fatal_hook(void (*hook)(void))
{
	fatal_hook = hook;
}

static void run_fatal_hook(void)
{
	void (*hook)(void) = fatal_hook;

	fatal_hook = NULL; /* once, even if the hook itself fails */
	if (hook != NULL)
		hook();
}

void tn_fatal(const char *fmt, ...)
{
	va_list ap;

	run_fatal_hook();
	fputs("tarn: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void *oom(size_t n)
{
	tn_fatal("out of memory allocating %zu bytes", n);
}

void *tn_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	return p ? p : oom(n);
}

void *tn_calloc(size_t count, size_t size)
{
	void *p;

	if (count == 0 || size == 0)
		count = size = 1;
	p = calloc(count, size);
	return p ? p : oom(count * size);
}

void *tn_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	return q ? q : oom(n);
}

void *tn_reallocarray(void *p, size_t count, size_t size)
{
	if (size != 0 && count > SIZE_MAX / size)
		tn_fatal("allocation size overflow (%zu x %zu)", count, size);
	return tn_realloc(p, count * size);
}

char *tn_strdup(const char *s)
{
	return tn_strndup(s, strlen(s));
}

char *tn_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = tn_malloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *tn_asprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		tn_fatal("bad format string \"%s\"", fmt);
	p = tn_malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
