/* arena.h - bump allocator for memory with one lifetime (a query, a page). */
#ifndef TN_ARENA_H
#define TN_ARENA_H

#include <stddef.h>

struct tn_arena_block;

/* An arena hands out memory that is freed all at once by reset or done.
 * Embedded: tn_arena_init / tn_arena_done. */
struct tn_arena {
	struct tn_arena_block *head;
	size_t block_size; /* size of ordinary blocks */
	size_t used;       /* bytes handed out since the last reset */
};

void tn_arena_init(struct tn_arena *a, size_t block_size);
void tn_arena_done(struct tn_arena *a);
/* n bytes aligned for any type; never NULL (aborts on out of memory). */
void *tn_arena_alloc(struct tn_arena *a, size_t n);
void *tn_arena_calloc(struct tn_arena *a, size_t count, size_t size);
char *tn_arena_strdup(struct tn_arena *a, const char *s);
char *tn_arena_strndup(struct tn_arena *a, const char *s, size_t n);
/* Free everything but the first block, which is kept for reuse. */
void tn_arena_reset(struct tn_arena *a);

#endif
