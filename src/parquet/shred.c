/* shred.c - definition and repetition levels from nested vectors: the
 * inverse of assemble.c.
 *
 * Shredding works a level of the plan at a time over "slots", one per level
 * entry that the subtree below will produce. A column starts with one slot
 * per row. At a nullable node a null value ends its slot: the entry's
 * definition level is fixed there (the node's level minus one) and nothing
 * below adds to it. A list or map replaces each live slot with one slot per
 * element (the first keeps the slot's repetition level, the others get the
 * list's), or ends it when the list is empty (at the list's own level). A
 * struct hands a copy of its slots to each field. At a leaf, the live slots
 * are those at the leaf's maximum definition level, and their index says
 * which value of the leaf's vector they hold. */
#include <string.h>

#include "parquet/parquet_int.h"

struct slots {
	size_t n;
	int16_t *def;
	int16_t *rep; /* NULL while nothing above repeats */
	int32_t *idx; /* -1: the entry ended above */
};

struct shred {
	struct tn_arena *a;
	pq_shred_sink sink;
	void *ctx;
	size_t row0;
	struct tn_err *err;
};

/* The row (over the file) of slot k. */
static size_t slot_row(const struct shred *sh, const struct slots *s, size_t k)
{
	size_t rows = 0;

	if (s->rep == NULL)
		return sh->row0 + k;
	for (size_t j = 0; j <= k; j++)
		rows += s->rep[j] == 0;
	return sh->row0 + rows - 1;
}

static int null_error(struct shred *sh, const struct pq_wcol *col, size_t row)
{
	if (col->map_key)
		return tn_err_set(sh->err, TN_EINVAL, "column '%s': row %zu: a map key is null",
				  col->path, row);
	return tn_err_set(sh->err, TN_EINVAL,
			  "column '%s': row %zu: null in a column that is not nullable", col->path,
			  row);
}

static void slots_copy(struct shred *sh, const struct slots *in, struct slots *out)
{
	size_t n = in->n ? in->n : 1;

	out->n = in->n;
	out->def = tn_arena_alloc(sh->a, n * sizeof(int16_t));
	out->idx = tn_arena_alloc(sh->a, n * sizeof(int32_t));
	memcpy(out->def, in->def, in->n * sizeof(int16_t));
	memcpy(out->idx, in->idx, in->n * sizeof(int32_t));
	out->rep = NULL;
	if (in->rep != NULL) {
		out->rep = tn_arena_alloc(sh->a, n * sizeof(int16_t));
		memcpy(out->rep, in->rep, in->n * sizeof(int16_t));
	}
}

static int shred_node(struct shred *sh, const struct pq_wcol *col, const struct tn_vec *v,
		      struct slots *s);

static int emit_leaf(struct shred *sh, const struct pq_wcol *col, const struct tn_vec *v,
		     struct slots *s)
{
	struct pq_slots ps;

	if (v->values == NULL && v->len > 0)
		return tn_err_set(sh->err, TN_EINVAL, "column '%s': the vector has no values",
				  col->path);
	for (size_t k = 0; k < s->n; k++)
		if (s->idx[k] >= 0)
			s->def[k] = (int16_t)col->def;
	ps.n = s->n;
	ps.def = s->def;
	ps.rep = s->rep;
	ps.idx = s->idx;
	ps.first = 0;
	return sh->sink(sh->ctx, col, v, &ps, sh->err);
}

/* Slots for the elements of the list or map col over s. */
static int expand(struct shred *sh, const struct pq_wcol *col, const struct tn_vec *v,
		  const struct slots *s, size_t child_len, struct slots *out)
{
	const int32_t *off = v->offsets;
	size_t count = 0, j = 0;

	if (off == NULL && v->len > 0)
		return tn_err_set(sh->err, TN_EINVAL, "column '%s': the vector has no offsets",
				  col->path);
	for (size_t k = 0; k < s->n; k++) {
		int32_t i = s->idx[k], a, b;

		if (i < 0) {
			count++;
			continue;
		}
		a = off[i];
		b = off[i + 1];
		if (a < 0 || b < a || (size_t)b > child_len)
			return tn_err_set(sh->err, TN_EINVAL,
					  "column '%s': row %zu: bad offsets %d..%d (%zu elements)",
					  col->path, slot_row(sh, s, k), a, b, child_len);
		count += b > a ? (size_t)(b - a) : 1;
	}
	out->n = count;
	out->def = tn_arena_alloc(sh->a, (count ? count : 1) * sizeof(int16_t));
	out->rep = tn_arena_alloc(sh->a, (count ? count : 1) * sizeof(int16_t));
	out->idx = tn_arena_alloc(sh->a, (count ? count : 1) * sizeof(int32_t));
	for (size_t k = 0; k < s->n; k++) {
		int32_t i = s->idx[k];
		int16_t rep = s->rep ? s->rep[k] : 0;

		if (i < 0 || off[i] == off[i + 1]) {
			/* ended above, or an empty list: defined up to the list */
			out->def[j] = i < 0 ? s->def[k] : (int16_t)col->def;
			out->rep[j] = rep;
			out->idx[j++] = -1;
			continue;
		}
		for (int32_t e = off[i]; e < off[i + 1]; e++) {
			out->rep[j] = e == off[i] ? rep : (int16_t)col->elem_rep;
			out->idx[j++] = e;
		}
	}
	return TN_OK;
}

static int shred_node(struct shred *sh, const struct pq_wcol *col, const struct tn_vec *v,
		      struct slots *s)
{
	struct slots el, copy;
	int rc = TN_OK;

	if (v->nulls != NULL) {
		for (size_t k = 0; k < s->n; k++) {
			int32_t i = s->idx[k];

			if (i >= 0 && v->nulls[i]) {
				if (!col->nullable)
					return null_error(sh, col, slot_row(sh, s, k));
				s->def[k] = (int16_t)(col->def - 1);
				s->idx[k] = -1;
			}
		}
	}
	switch (col->role) {
	case PQ_COL_PRIMITIVE:
		return emit_leaf(sh, col, v, s);
	case PQ_COL_STRUCT:
		if (v->children == NULL)
			return tn_err_set(sh->err, TN_EINVAL,
					  "column '%s': the vector has no children", col->path);
		for (size_t f = 0; rc == TN_OK && f < col->nchildren; f++) {
			if (v->children[f].len < v->len)
				return tn_err_set(
					sh->err, TN_EINVAL,
					"column '%s': field %zu has %zu values, the struct %zu",
					col->path, f, v->children[f].len, v->len);
			if (f + 1 < col->nchildren) {
				slots_copy(sh, s, &copy);
				rc = shred_node(sh, &col->children[f], &v->children[f], &copy);
			} else {
				rc = shred_node(sh, &col->children[f], &v->children[f], s);
			}
		}
		return rc;
	default: /* LIST, MAP */
		if (v->children == NULL)
			return tn_err_set(sh->err, TN_EINVAL,
					  "column '%s': the vector has no children", col->path);
		rc = expand(sh, col, v, s, v->children[0].len, &el);
		if (rc != TN_OK)
			return rc;
		if (col->role == PQ_COL_LIST)
			return shred_node(sh, &col->children[0], &v->children[0], &el);
		if (v->children[1].len < v->children[0].len)
			return tn_err_set(sh->err, TN_EINVAL,
					  "column '%s': a map has %zu keys but %zu values",
					  col->path, v->children[0].len, v->children[1].len);
		slots_copy(sh, &el, &copy);
		rc = shred_node(sh, &col->children[0], &v->children[0], &copy);
		if (rc == TN_OK)
			rc = shred_node(sh, &col->children[1], &v->children[1], &el);
		return rc;
	}
}

int pq_shred(const struct pq_wcol *col, const struct tn_vec *v, size_t first, size_t n, size_t row0,
	     struct tn_arena *scratch, pq_shred_sink sink, void *ctx, struct tn_err *err)
{
	struct shred sh = {scratch, sink, ctx, row0, err};
	struct slots s;

	if (first > v->len || n > v->len - first)
		return tn_err_set(err, TN_EINVAL, "column '%s': the vector has %zu values, not %zu",
				  col->path, v->len, first + n);
	if (first + n > INT32_MAX)
		return tn_err_set(err, TN_ETOOBIG, "column '%s': over 2^31 rows in one batch",
				  col->path);
	if (col->role == PQ_COL_PRIMITIVE) {
		struct pq_slots ps = {n, NULL, NULL, NULL, first};

		if (v->values == NULL && n > 0)
			return tn_err_set(err, TN_EINVAL, "column '%s': the vector has no values",
					  col->path);
		if (!col->nullable && v->nulls != NULL)
			for (size_t k = 0; k < n; k++)
				if (v->nulls[first + k])
					return null_error(&sh, col, row0 + k);
		return sink(ctx, col, v, &ps, err);
	}
	s.n = n;
	s.def = tn_arena_calloc(scratch, n ? n : 1, sizeof(int16_t));
	s.idx = tn_arena_alloc(scratch, (n ? n : 1) * sizeof(int32_t));
	s.rep = NULL;
	for (size_t k = 0; k < n; k++)
		s.idx[k] = (int32_t)(first + k);
	return shred_node(&sh, col, v, &s);
}
