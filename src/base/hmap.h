/* hmap.h - hash map from byte-string keys to pointers (open addressing). */
#ifndef TN_HMAP_H
#define TN_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Keys are borrowed: the caller keeps them alive while they are in the
 * map (an arena is the usual owner). Values are opaque pointers. */
struct tn_hmap {
	struct tn_hmap_slot *slots;
	size_t cap;   /* power of two, or 0 */
	size_t count; /* live entries */
	size_t used;  /* live entries and tombstones */
};

void tn_hmap_init(struct tn_hmap *m);
void tn_hmap_done(struct tn_hmap *m);
uint64_t tn_hash_bytes(const void *p, size_t n);
/* The value stored under key, or NULL. */
void *tn_hmap_get(const struct tn_hmap *m, const char *key, size_t len);
/* Store value under key (replacing and returning any previous value, else
 * NULL). value must not be NULL. */
void *tn_hmap_put(struct tn_hmap *m, const char *key, size_t len, void *value);
/* Remove key; returns its value or NULL. */
void *tn_hmap_del(struct tn_hmap *m, const char *key, size_t len);
/* Iterate: *pos starts at 0; returns false at the end. */
bool tn_hmap_next(const struct tn_hmap *m, size_t *pos, const char **key, size_t *len, void **value);

#endif
