/* hmap.c - open-addressing hash map with linear probing and tombstones. */
#include "base/hmap.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

struct tn_hmap_slot {
	const char *key; /* NULL: empty; TOMBSTONE: deleted */
	size_t len;
	uint64_t hash;
	void *value;
};

static const char tombstone[1];
#define TOMBSTONE tombstone

void tn_hmap_init(struct tn_hmap *m)
{
	memset(m, 0, sizeof(*m));
}

void tn_hmap_done(struct tn_hmap *m)
{
	free(m->slots);
	tn_hmap_init(m);
}

/* FNV-1a over 8-byte words, then a final mix: quick for the short path
 * strings it mostly sees. */
uint64_t tn_hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL ^ n;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static struct tn_hmap_slot *find(const struct tn_hmap *m, const char *key, size_t len, uint64_t h)
{
	size_t mask = m->cap - 1, i = h & mask;

	if (m->cap == 0)
		return NULL;
	for (;; i = (i + 1) & mask) {
		struct tn_hmap_slot *s = &m->slots[i];

		if (s->key == NULL)
			return NULL;
		if (s->key != TOMBSTONE && s->hash == h && s->len == len && memcmp(s->key, key, len) == 0)
			return s;
	}
}

static void grow(struct tn_hmap *m)
{
	struct tn_hmap_slot *old = m->slots;
	size_t oldcap = m->cap;

	m->cap = oldcap ? (m->count * 4 > oldcap ? oldcap * 2 : oldcap) : 16;
	m->slots = tn_calloc(m->cap, sizeof(*m->slots));
	m->used = m->count;
	for (size_t i = 0; i < oldcap; i++) {
		struct tn_hmap_slot *s = &old[i];

		if (s->key != NULL && s->key != TOMBSTONE) {
			size_t j = s->hash & (m->cap - 1);

			while (m->slots[j].key != NULL)
				j = (j + 1) & (m->cap - 1);
			m->slots[j] = *s;
		}
	}
	free(old);
}

void *tn_hmap_get(const struct tn_hmap *m, const char *key, size_t len)
{
	struct tn_hmap_slot *s = find(m, key, len, tn_hash_bytes(key, len));

	return s ? s->value : NULL;
}

void *tn_hmap_put(struct tn_hmap *m, const char *key, size_t len, void *value)
{
	uint64_t h = tn_hash_bytes(key, len);
	struct tn_hmap_slot *s = find(m, key, len, h);
	size_t i;

	if (s != NULL) {
		void *prev = s->value;

		s->value = value;
		return prev;
	}
	if ((m->used + 1) * 4 > m->cap * 3)
		grow(m);
	for (i = h & (m->cap - 1); m->slots[i].key != NULL && m->slots[i].key != TOMBSTONE;
	     i = (i + 1) & (m->cap - 1))
		;
	if (m->slots[i].key == NULL)
		m->used++;
	m->slots[i].key = key;
	m->slots[i].len = len;
	m->slots[i].hash = h;
	m->slots[i].value = value;
	m->count++;
	return NULL;
}

void *tn_hmap_del(struct tn_hmap *m, const char *key, size_t len)
{
	struct tn_hmap_slot *s = find(m, key, len, tn_hash_bytes(key, len));
	void *v;

	if (s == NULL)
		return NULL;
	v = s->value;
	s->key = TOMBSTONE;
	s->value = NULL;
	m->count--;
	return v;
}

bool tn_hmap_next(const struct tn_hmap *m, size_t *pos, const char **key, size_t *len, void **value)
{
	for (; *pos < m->cap; (*pos)++) {
		struct tn_hmap_slot *s = &m->slots[*pos];

		if (s->key != NULL && s->key != TOMBSTONE) {
			*key = s->key;
			*len = s->len;
			*value = s->value;
			(*pos)++;
			return true;
		}
	}
	return false;
}
