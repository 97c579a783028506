/* arena.c - bump allocator. */
#include "base/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

struct tn_arena_block {
	struct tn_arena_block *next;
	size_t size;
	size_t off;
	alignas(max_align_t) unsigned char mem[];
};

#define ALIGN_UP(n) (((n) + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1))

void tn_arena_init(struct tn_arena *a, size_t block_size)
{
	a->head = NULL;
	a->block_size = block_size ? block_size : 64 * 1024;
	a->used = 0;
}

void tn_arena_done(struct tn_arena *a)
{
	struct tn_arena_block *b = a->head, *next;

	for (; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
	a->used = 0;
}

void *tn_arena_alloc(struct tn_arena *a, size_t n)
{
	struct tn_arena_block *b = a->head;
	size_t need;

	if (n > SIZE_MAX / 2)
		tn_fatal("arena allocation of %zu bytes is too large", n);
	need = ALIGN_UP(n ? n : 1);
	if (b == NULL || b->size - b->off < need) {
		size_t size = need > a->block_size ? need : a->block_size;

		b = tn_malloc(sizeof(*b) + size);
		b->size = size;
		b->off = 0;
		/* An oversized block goes behind the current one so the space
		 * left in the current block is not wasted. */
		if (a->head != NULL && size > a->block_size) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	b->off += need;
	a->used += need;
	return b->mem + b->off - need;
}

void *tn_arena_calloc(struct tn_arena *a, size_t count, size_t size)
{
	void *p;

	if (size != 0 && count > SIZE_MAX / size)
		tn_fatal("arena allocation size overflow (%zu x %zu)", count, size);
	p = tn_arena_alloc(a, count * size);
	memset(p, 0, count * size);
	return p;
}

char *tn_arena_strndup(struct tn_arena *a, const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = tn_arena_alloc(a, len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *tn_arena_strdup(struct tn_arena *a, const char *s)
{
	return tn_arena_strndup(a, s, strlen(s));
}

void tn_arena_reset(struct tn_arena *a)
{
	struct tn_arena_block *keep = a->head, *b, *next;

	if (keep == NULL)
		return;
	for (b = keep->next; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	keep->next = NULL;
	keep->off = 0;
	a->used = 0;
}
