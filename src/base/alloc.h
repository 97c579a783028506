/* alloc.h - checked allocation: out of memory restores the terminal, then aborts. */
#ifndef TN_ALLOC_H
#define TN_ALLOC_H

#include <stddef.h>

/* These never return NULL. On out-of-memory they run the fatal hook (the TUI
 * registers one that gives the terminal back), print what failed to stderr
 * and abort. tn_malloc(0) returns a valid pointer. */
void *tn_malloc(size_t n) __attribute__((malloc));
void *tn_calloc(size_t count, size_t size) __attribute__((malloc));
void *tn_realloc(void *p, size_t n);
/* realloc of count*size with the multiplication checked for overflow. */
void *tn_reallocarray(void *p, size_t count, size_t size);
char *tn_strdup(const char *s) __attribute__((malloc));
char *tn_strndup(const char *s, size_t n) __attribute__((malloc));
/* printf into a new string; caller frees. */
char *tn_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2), malloc));

/* A hook run once before any fatal exit (out of memory, tn_fatal): used to
 * restore the terminal. NULL removes it. */
void tn_set_fatal_hook(void (*hook)(void));

/* Print "tarn: fatal: message" after running the fatal hook, then abort. */
void tn_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
