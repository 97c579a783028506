/* assemble.c - nested values from definition and repetition levels.
 *
 * Each value of a node of the output type covers a range of level entries
 * in any leaf below it: a top-level value covers one row (the entries from
 * a repetition level of 0 to the next), a struct field covers its struct's
 * range, and the elements of a list split their list's range where the
 * repetition level is at most the list's. A value is null when the
 * definition level at the start of its range is below the node's level. The
 * structure above a node is the same in every leaf below it, so ranges can
 * be worked out in whichever leaf is at hand. */
#include <string.h>

#include "parquet/parquet_int.h"

struct ranges {
	uint32_t *s, *e;
	size_t n;
};

struct ctx {
	const struct pq_leaf *leaves;
	const struct pq_leaf_batch *lbs;
	struct tn_arena *arena;
	struct tn_err *err;
};

static void ranges_alloc(struct ranges *r, size_t n, struct tn_arena *a)
{
	r->s = tn_arena_alloc(a, sizeof(uint32_t) * (n ? n : 1));
	r->e = tn_arena_alloc(a, sizeof(uint32_t) * (n ? n : 1));
	r->n = 0;
}

/* One range per row of leaf lb. */
static void top_ranges(const struct pq_leaf_batch *lb, struct ranges *r, struct tn_arena *a)
{
	ranges_alloc(r, lb->rep ? lb->rows : lb->n, a);
	if (lb->rep == NULL) {
		for (size_t i = 0; i < lb->n; i++) {
			r->s[i] = (uint32_t)i;
			r->e[i] = (uint32_t)i + 1;
		}
		r->n = lb->n;
		return;
	}
	for (size_t i = 0; i < lb->n; i++) {
		if (lb->rep[i] == 0) {
			if (r->n > 0)
				r->e[r->n - 1] = (uint32_t)i;
			r->s[r->n++] = (uint32_t)i;
		}
	}
	if (r->n > 0)
		r->e[r->n - 1] = (uint32_t)lb->n;
}

/* Elements of the list or map col over the ranges in of leaf lb: out gets
 * the element ranges; offsets (len+1) and nulls (when not NULL) the list
 * vector's. Returns whether any list was null. */
static bool element_ranges(const struct pq_col *col, const struct pq_leaf_batch *lb,
			   const struct ranges *in, struct ranges *out, int32_t *offsets,
			   uint8_t *nulls, struct tn_arena *a)
{
	const int16_t *def = lb->def, *rep = lb->rep;
	size_t count = 0;
	bool any_null = false;

	/* Count first so the element arrays are allocated once. */
	for (size_t k = 0; k < in->n; k++) {
		uint32_t s = in->s[k];

		if (def != NULL && def[s] < col->elem_def)
			continue;
		count++;
		for (uint32_t i = s + 1; i < in->e[k]; i++)
			count += rep[i] <= col->rep_level;
	}
	ranges_alloc(out, count, a);
	if (offsets != NULL)
		offsets[0] = 0;
	for (size_t k = 0; k < in->n; k++) {
		uint32_t s = in->s[k], e = in->e[k];

		if (def != NULL && def[s] < col->def_present) {
			any_null = true;
			if (nulls != NULL)
				nulls[k] = 1;
		} else if (def == NULL || def[s] >= col->elem_def) {
			out->s[out->n++] = s;
			for (uint32_t i = s + 1; i < e; i++) {
				if (rep[i] <= col->rep_level) {
					out->e[out->n - 1] = i;
					out->s[out->n++] = i;
				}
			}
			out->e[out->n - 1] = e;
		}
		if (offsets != NULL)
			offsets[k + 1] = (int32_t)out->n;
	}
	return any_null;
}

/* The ranges of col's values in leaf `leaf`, worked out from the top. */
static int ranges_for(struct ctx *x, const struct pq_col *col, int leaf, struct ranges *out)
{
	struct ranges up;
	int rc;

	if (col->parent == NULL) {
		top_ranges(&x->lbs[leaf], out, x->arena);
		return TN_OK;
	}
	rc = ranges_for(x, col->parent, leaf, &up);
	if (rc != TN_OK)
		return rc;
	if (col->parent->role == PQ_COL_STRUCT) {
		*out = up;
		return TN_OK;
	}
	element_ranges(col->parent, &x->lbs[leaf], &up, out, NULL, NULL, x->arena);
	return TN_OK;
}

static int build(struct ctx *x, const struct pq_col *col, const struct ranges *r, struct tn_vec *v);

/* Build child i of col, whose values are the ranges r of col's own leaf when
 * the child starts at that leaf, else worked out again in the child's. */
static int build_child(struct ctx *x, const struct pq_col *col, size_t i, const struct ranges *r,
		       struct tn_vec *v)
{
	const struct pq_col *ch = &col->children[i];
	struct ranges mine;
	int rc;

	if (ch->leaf == col->leaf)
		return build(x, ch, r, v);
	rc = ranges_for(x, ch, ch->leaf, &mine);
	if (rc != TN_OK)
		return rc;
	if (mine.n != r->n)
		return tn_err_set(x->err, TN_ECORRUPT,
				  "columns '%s' and '%s' disagree on the number of values (%zu and %zu)",
				  x->leaves[col->leaf].path, x->leaves[ch->leaf].path, r->n, mine.n);
	return build(x, ch, &mine, v);
}

static int build_primitive(struct ctx *x, const struct pq_col *col, const struct ranges *r,
			   struct tn_vec *v)
{
	const struct pq_leaf *l = &x->leaves[col->leaf];
	const struct pq_leaf_batch *lb = &x->lbs[col->leaf];
	size_t w = tn_type_width(&l->type), pos = 0, cnt = 0;
	const uint8_t *src = lb->values;
	uint8_t *dst;

	v->len = r->n;
	v->values = dst = tn_arena_alloc(x->arena, w * (r->n ? r->n : 1));
	if (lb->def == NULL) {
		for (size_t k = 0; k < r->n; k++)
			memcpy(dst + k * w, src + (size_t)r->s[k] * w, w);
		return TN_OK;
	}
	for (size_t k = 0; k < r->n; k++) {
		uint32_t s = r->s[k];

		for (; pos < s; pos++)
			cnt += lb->def[pos] == l->max_def;
		if (lb->def[s] == l->max_def) {
			memcpy(dst + k * w, src + cnt * w, w);
		} else {
			tn_vec_need_nulls(v, r->n, x->arena);
			v->nulls[k] = 1;
			memset(dst + k * w, 0, w);
		}
	}
	return TN_OK;
}

static int build(struct ctx *x, const struct pq_col *col, const struct ranges *r, struct tn_vec *v)
{
	const struct pq_leaf_batch *lb = &x->lbs[col->leaf];
	int rc = TN_OK;

	memset(v, 0, sizeof(*v));
	v->type = col->type;
	if (col->role == PQ_COL_PRIMITIVE)
		return build_primitive(x, col, r, v);
	v->len = r->n;
	v->children = tn_arena_calloc(x->arena, col->nchildren, sizeof(*v->children));
	if (col->role == PQ_COL_STRUCT) {
		if (lb->def != NULL) {
			for (size_t k = 0; k < r->n; k++) {
				if (lb->def[r->s[k]] < col->def_present) {
					tn_vec_need_nulls(v, r->n, x->arena);
					v->nulls[k] = 1;
				}
			}
		}
		for (size_t i = 0; rc == TN_OK && i < col->nchildren; i++)
			rc = build_child(x, col, i, r, &v->children[i]);
		return rc;
	}
	/* list or map */
	{
		struct ranges el;
		uint8_t *nulls = tn_arena_calloc(x->arena, r->n ? r->n : 1, 1);

		v->offsets = tn_arena_alloc(x->arena, sizeof(int32_t) * (r->n + 1));
		if (element_ranges(col, lb, r, &el, v->offsets, nulls, x->arena))
			v->nulls = nulls;
		for (size_t i = 0; rc == TN_OK && i < col->nchildren; i++)
			rc = build_child(x, col, i, &el, &v->children[i]);
	}
	return rc;
}

int pq_assemble(const struct pq_col *col, const struct pq_leaf *leaves,
		const struct pq_leaf_batch *lbs, size_t rows, struct tn_vec *v,
		struct tn_arena *arena, struct tn_err *err)
{
	struct ctx x = {leaves, lbs, arena, err};
	const struct pq_leaf_batch *lb = &lbs[col->leaf];
	struct ranges r;

	/* The common case: a flat column whose values can be used as they are. */
	if (col->role == PQ_COL_PRIMITIVE && lb->rep == NULL && lb->nvalues == lb->n) {
		memset(v, 0, sizeof(*v));
		v->type = col->type;
		v->len = lb->n;
		v->values = lb->values;
		return lb->n == rows ? TN_OK
				     : tn_err_set(err, TN_ECORRUPT, "column '%s' has %zu values, not %zu",
						  leaves[col->leaf].path, lb->n, rows);
	}
	top_ranges(lb, &r, arena);
	if (r.n != rows)
		return tn_err_set(err, TN_ECORRUPT, "column '%s' has %zu rows where %zu were expected",
				  leaves[col->leaf].path, r.n, rows);
	return build(&x, col, &r, v);
}
