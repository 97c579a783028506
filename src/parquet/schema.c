/* schema.c - from the footer's flat schema to a tree, leaf columns with
 * their levels and types, and plans for assembling nested values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "parquet/parquet_int.h"

struct builder {
	const struct pq_file_meta *m;
	size_t next;  /* next schema element */
	size_t nleaves;
	struct tn_err *err;
};

static const char *elem_name(const struct pq_node *n)
{
	return n->elem->name ? n->elem->name : "?";
}

static int build_node(struct builder *b, struct pq_node *n, struct pq_node *parent, int depth)
{
	const struct pq_schema_elem *e;

	if (b->next >= b->m->n_schema)
		return tn_err_set(b->err, TN_ECORRUPT,
				  "schema: group '%s' declares more children than the schema has",
				  parent ? elem_name(parent) : "root");
	e = &b->m->schema[b->next++];
	memset(n, 0, sizeof(*n));
	n->elem = e;
	n->parent = parent;
	n->leaf = -1;
	n->first_leaf = (int)b->nleaves;
	if (parent != NULL) {
		int rep = e->has_repetition_type ? e->repetition_type : PQ_OPTIONAL;

		if (!e->has_repetition_type)
			return tn_err_set(b->err, TN_ECORRUPT,
					  "schema: column '%s' has no repetition type", e->name);
		if (rep != PQ_REQUIRED && rep != PQ_OPTIONAL && rep != PQ_REPEATED)
			return tn_err_set(b->err, TN_EUNSUPPORTED,
					  "schema: column '%s' has repetition type %d", e->name, rep);
		n->def_level = parent->def_level + (rep != PQ_REQUIRED);
		n->rep_level = parent->rep_level + (rep == PQ_REPEATED);
		if (n->def_level > PQ_MAX_LEVEL || depth > PQ_MAX_LEVEL)
			return tn_err_set(b->err, TN_EUNSUPPORTED,
					  "schema: column '%s' is nested deeper than %d levels",
					  e->name, PQ_MAX_LEVEL);
	}
	if (e->has_num_children && (parent == NULL || !e->has_type)) {
		int rc;

		if (e->num_children < 0 || (size_t)e->num_children > b->m->n_schema - b->next)
			return tn_err_set(b->err, TN_ECORRUPT,
					  "schema: group '%s' declares %d children, more than the "
					  "schema's %zu remaining elements",
					  e->name, e->num_children, b->m->n_schema - b->next);
		if (e->num_children == 0 && parent != NULL)
			return tn_err_set(b->err, TN_EUNSUPPORTED,
					  "schema: group '%s' has no children (empty struct)", e->name);
		n->nchildren = (size_t)e->num_children;
		n->children = tn_calloc(n->nchildren ? n->nchildren : 1, sizeof(*n->children));
		for (size_t i = 0; i < n->nchildren; i++) {
			rc = build_node(b, &n->children[i], n, depth + 1);
			if (rc != TN_OK)
				return rc;
		}
		return TN_OK;
	}
	if (!e->has_type)
		return tn_err_set(b->err, TN_ECORRUPT,
				  "schema: column '%s' has neither a type nor children", e->name);
	n->leaf = (int)b->nleaves++;
	return TN_OK;
}

static void free_node(struct pq_node *n)
{
	for (size_t i = 0; i < n->nchildren; i++)
		free_node(&n->children[i]);
	free(n->children);
}

static bool has_lt(const struct pq_schema_elem *e, int kind)
{
	return e->has_logical_type && e->logical_type.kind == kind;
}

static bool has_ct(const struct pq_schema_elem *e, int ct)
{
	return e->has_converted_type && e->converted_type == ct;
}

static enum tn_time_unit unit_of(int32_t u)
{
	return u == PQ_UNIT_MILLIS ? TN_UNIT_MILLIS : u == PQ_UNIT_NANOS ? TN_UNIT_NANOS : TN_UNIT_MICROS;
}

static int decimal_type(struct pq_leaf *l, int32_t precision, int32_t scale, struct tn_err *err)
{
	if (precision < 1 || precision > 38 || scale < 0 || scale > precision)
		return tn_err_set(err, TN_ECORRUPT, "column '%s': bad decimal(%d,%d)", l->path,
				  precision, scale);
	l->type.kind = TN_DECIMAL;
	l->type.precision = (uint8_t)precision;
	l->type.scale = (uint8_t)scale;
	switch (l->phys) {
	case PQ_INT32:
		l->conv = precision > 18 ? PQ_CONV_I32_I128 : PQ_CONV_I32_I64;
		break;
	case PQ_INT64:
		l->conv = precision > 18 ? PQ_CONV_I64_I128 : PQ_CONV_NONE;
		break;
	case PQ_BYTE_ARRAY:
	case PQ_FIXED_LEN_BYTE_ARRAY:
		if (l->phys == PQ_FIXED_LEN_BYTE_ARRAY && l->type_len > 16)
			return tn_err_set(err, TN_EUNSUPPORTED,
					  "column '%s': decimal in %d bytes (at most 16)", l->path,
					  l->type_len);
		l->conv = PQ_CONV_DEC_BYTES;
		break;
	default:
		return tn_err_set(err, TN_ECORRUPT, "column '%s': decimal on physical type %d",
				  l->path, l->phys);
	}
	return TN_OK;
}

/* The output type of a leaf from its physical, logical and converted types.
 * An annotation that does not fit the physical type, or one tarn does not
 * know, falls back to the physical type. */
static int leaf_type(struct pq_leaf *l, struct tn_err *err)
{
	const struct pq_schema_elem *e = l->node->elem;
	const struct pq_logical_type *lt = e->has_logical_type ? &e->logical_type : NULL;
	int lk = lt ? lt->kind : PQ_LT_UNRECOGNIZED;
	int ct = e->has_converted_type ? e->converted_type : -1;

	memset(&l->type, 0, sizeof(l->type));
	l->conv = PQ_CONV_NONE;
	l->phys = e->type;
	l->type_len = e->has_type_length ? e->type_length : 0;
	switch (l->phys) {
	case PQ_BOOLEAN:
		l->type.kind = TN_BOOL;
		l->phys_width = 0;
		return TN_OK;
	case PQ_INT32:
		l->phys_width = 4;
		l->type.kind = TN_INT32;
		if (lk == PQ_LT_DECIMAL)
			return decimal_type(l, lt->precision, lt->scale, err);
		if (ct == PQ_CT_DECIMAL && lk == PQ_LT_UNRECOGNIZED)
			return decimal_type(l, e->precision, e->scale, err);
		if (lk == PQ_LT_DATE || ct == PQ_CT_DATE) {
			l->type.kind = TN_DATE;
		} else if ((lk == PQ_LT_TIME && lt->unit == PQ_UNIT_MILLIS) || ct == PQ_CT_TIME_MILLIS) {
			l->type.kind = TN_TIME;
			l->type.unit = TN_UNIT_MILLIS;
			l->conv = PQ_CONV_I32_I64;
		} else if (lk == PQ_LT_INTEGER || (ct >= PQ_CT_UINT_8 && ct <= PQ_CT_INT_32 &&
						    ct != PQ_CT_UINT_64)) {
			int bits = lk == PQ_LT_INTEGER ? lt->bit_width
				   : (ct == PQ_CT_UINT_8 || ct == PQ_CT_INT_8)	 ? 8
				   : (ct == PQ_CT_UINT_16 || ct == PQ_CT_INT_16) ? 16
										 : 32;
			bool sign = lk == PQ_LT_INTEGER ? lt->is_signed : ct >= PQ_CT_INT_8;

			if (bits == 8) {
				l->type.kind = sign ? TN_INT8 : TN_UINT8;
				l->conv = PQ_CONV_I32_I8;
			} else if (bits == 16) {
				l->type.kind = sign ? TN_INT16 : TN_UINT16;
				l->conv = PQ_CONV_I32_I16;
			} else if (bits == 32) {
				l->type.kind = sign ? TN_INT32 : TN_UINT32;
			}
		}
		return TN_OK;
	case PQ_INT64:
		l->phys_width = 8;
		l->type.kind = TN_INT64;
		if (lk == PQ_LT_DECIMAL)
			return decimal_type(l, lt->precision, lt->scale, err);
		if (ct == PQ_CT_DECIMAL && lk == PQ_LT_UNRECOGNIZED)
			return decimal_type(l, e->precision, e->scale, err);
		if (lk == PQ_LT_TIMESTAMP) {
			l->type.kind = TN_TIMESTAMP;
			l->type.unit = (uint8_t)unit_of(lt->unit);
			l->type.utc = lt->is_adjusted_to_utc;
		} else if (ct == PQ_CT_TIMESTAMP_MILLIS || ct == PQ_CT_TIMESTAMP_MICROS) {
			l->type.kind = TN_TIMESTAMP;
			l->type.unit = ct == PQ_CT_TIMESTAMP_MILLIS ? TN_UNIT_MILLIS : TN_UNIT_MICROS;
			l->type.utc = true;
		} else if (lk == PQ_LT_TIME && lt->unit != PQ_UNIT_MILLIS) {
			l->type.kind = TN_TIME;
			l->type.unit = (uint8_t)unit_of(lt->unit);
		} else if (ct == PQ_CT_TIME_MICROS) {
			l->type.kind = TN_TIME;
			l->type.unit = TN_UNIT_MICROS;
		} else if ((lk == PQ_LT_INTEGER && !lt->is_signed) || ct == PQ_CT_UINT_64) {
			l->type.kind = TN_UINT64;
		}
		return TN_OK;
	case PQ_INT96:
		l->phys_width = 12;
		l->type.kind = TN_TIMESTAMP;
		l->type.unit = TN_UNIT_MICROS;
		l->type.utc = true;
		l->conv = PQ_CONV_INT96;
		return TN_OK;
	case PQ_FLOAT:
		l->phys_width = 4;
		l->type.kind = TN_FLOAT;
		return TN_OK;
	case PQ_DOUBLE:
		l->phys_width = 8;
		l->type.kind = TN_DOUBLE;
		return TN_OK;
	case PQ_BYTE_ARRAY:
		l->phys_width = 0;
		l->type.kind = TN_BINARY;
		if (lk == PQ_LT_DECIMAL)
			return decimal_type(l, lt->precision, lt->scale, err);
		if (ct == PQ_CT_DECIMAL && lk == PQ_LT_UNRECOGNIZED)
			return decimal_type(l, e->precision, e->scale, err);
		if (lk == PQ_LT_STRING || lk == PQ_LT_ENUM || lk == PQ_LT_JSON ||
		    ct == PQ_CT_UTF8 || ct == PQ_CT_ENUM || ct == PQ_CT_JSON) {
			l->type.kind = TN_STRING;
			l->type.json = lk == PQ_LT_JSON || ct == PQ_CT_JSON;
		}
		return TN_OK;
	case PQ_FIXED_LEN_BYTE_ARRAY:
		if (l->type_len <= 0)
			return tn_err_set(err, TN_ECORRUPT,
					  "column '%s': FIXED_LEN_BYTE_ARRAY with length %d", l->path,
					  l->type_len);
		l->phys_width = (size_t)l->type_len;
		l->type.kind = TN_BINARY;
		if (lk == PQ_LT_DECIMAL)
			return decimal_type(l, lt->precision, lt->scale, err);
		if (ct == PQ_CT_DECIMAL && lk == PQ_LT_UNRECOGNIZED)
			return decimal_type(l, e->precision, e->scale, err);
		if (lk == PQ_LT_UUID && l->type_len == 16) {
			l->type.kind = TN_UUID;
		} else if (lk == PQ_LT_FLOAT16 && l->type_len == 2) {
			l->type.kind = TN_FLOAT;
			l->conv = PQ_CONV_FLOAT16;
		}
		return TN_OK;
	default:
		return tn_err_set(err, TN_EUNSUPPORTED, "column '%s': unknown physical type %d",
				  l->path, l->phys);
	}
}

static void leaf_paths(struct pq_schema *s, const struct pq_node *n, const char *prefix)
{
	char *path = *prefix ? tn_asprintf("%s.%s", prefix, elem_name(n)) : tn_strdup(elem_name(n));

	if (n->leaf >= 0) {
		s->leaves[n->leaf].node = n;
		s->leaves[n->leaf].path = path;
		return;
	}
	for (size_t i = 0; i < n->nchildren; i++)
		leaf_paths(s, &n->children[i], path);
	free(path);
}

/* ---- planning ---- */

struct planner {
	struct pq_schema *s;
	struct tn_err *err;
};

static int plan_node(struct planner *p, const struct pq_node *n, bool as_element,
		     struct tn_field *f, struct pq_col *col, struct pq_col *parent);

static bool is_list_group(const struct pq_node *n)
{
	return n->leaf < 0 && (has_lt(n->elem, PQ_LT_LIST) || has_ct(n->elem, PQ_CT_LIST));
}

static bool is_map_group(const struct pq_node *n)
{
	return n->leaf < 0 && (has_lt(n->elem, PQ_LT_MAP) || has_ct(n->elem, PQ_CT_MAP) ||
			       has_ct(n->elem, PQ_CT_MAP_KEY_VALUE));
}

static bool repeated(const struct pq_node *n)
{
	return n->elem->has_repetition_type && n->elem->repetition_type == PQ_REPEATED;
}

/* Make f a list (or map) field with nchildren element fields. */
static void nested_field(struct tn_field *f, struct pq_col *col, enum tn_kind kind, size_t n)
{
	f->type.kind = kind;
	f->type.nfields = n;
	f->type.fields = tn_calloc(n, sizeof(*f->type.fields));
	col->nchildren = n;
	col->children = tn_calloc(n, sizeof(*col->children));
}

/* The element of a LIST-annotated group n whose one child r is repeated,
 * by the backward-compatibility rules of LogicalTypes.md. */
static const struct pq_node *list_element(const struct pq_node *n, const struct pq_node *r)
{
	char *tuple;
	bool legacy;

	if (r->leaf >= 0 || r->nchildren != 1)
		return r;
	tuple = tn_asprintf("%s_tuple", elem_name(n));
	legacy = strcmp(elem_name(r), "array") == 0 || strcmp(elem_name(r), tuple) == 0;
	free(tuple);
	return legacy ? r : &r->children[0];
}

static int plan_list(struct planner *p, const struct pq_node *n, const struct pq_node *r,
		     const struct pq_node *elem, int def_present, struct tn_field *f,
		     struct pq_col *col)
{
	col->role = PQ_COL_LIST;
	col->def_present = def_present;
	col->elem_def = r->def_level;
	col->rep_level = r->rep_level;
	nested_field(f, col, TN_LIST, 1);
	(void)n;
	return plan_node(p, elem, elem == r, &f->type.fields[0], &col->children[0], col);
}

static int plan_node(struct planner *p, const struct pq_node *n, bool as_element,
		     struct tn_field *f, struct pq_col *col, struct pq_col *parent)
{
	const struct pq_schema_elem *e = n->elem;
	int rc;

	memset(col, 0, sizeof(*col));
	col->parent = parent;
	col->leaf = n->first_leaf;
	col->type = &f->type;
	f->name = tn_strdup(elem_name(n));
	f->nullable = e->has_repetition_type && e->repetition_type == PQ_OPTIONAL;
	f->has_field_id = e->has_field_id;
	f->field_id = e->field_id;

	if (repeated(n) && !as_element) {
		/* A bare repeated field: a list that is never null, of required
		 * elements. */
		f->nullable = false;
		col->role = PQ_COL_LIST;
		col->def_present = n->def_level - 1;
		col->elem_def = n->def_level;
		col->rep_level = n->rep_level;
		nested_field(f, col, TN_LIST, 1);
		rc = plan_node(p, n, true, &f->type.fields[0], &col->children[0], col);
		if (rc == TN_OK) {
			free(f->type.fields[0].name);
			f->type.fields[0].name = tn_strdup("element");
		}
		return rc;
	}
	if (as_element)
		f->nullable = false;
	col->def_present = n->def_level;
	if (n->leaf >= 0) {
		const struct pq_leaf *l = &p->s->leaves[n->leaf];

		col->role = PQ_COL_PRIMITIVE;
		tn_type_copy(&f->type, &l->type);
		return TN_OK;
	}
	if (is_list_group(n) && n->nchildren == 1 && repeated(&n->children[0])) {
		const struct pq_node *r = &n->children[0];

		return plan_list(p, n, r, list_element(n, r), n->def_level, f, col);
	}
	if (is_map_group(n) && n->nchildren == 1 && repeated(&n->children[0])) {
		const struct pq_node *r = &n->children[0];

		if (r->leaf >= 0 || r->nchildren != 2) {
			if (r->leaf < 0 && r->nchildren == 1)
				return tn_err_set(p->err, TN_EUNSUPPORTED,
						  "column '%s': a MAP without a value field is not "
						  "supported",
						  p->s->leaves[n->first_leaf].path);
			return tn_err_set(p->err, TN_ECORRUPT,
					  "column '%s': a MAP's key_value group must have a key and "
					  "a value",
					  p->s->leaves[n->first_leaf].path);
		}
		col->role = PQ_COL_MAP;
		col->elem_def = r->def_level;
		col->rep_level = r->rep_level;
		nested_field(f, col, TN_MAP, 2);
		rc = plan_node(p, &r->children[0], false, &f->type.fields[0], &col->children[0], col);
		if (rc == TN_OK)
			rc = plan_node(p, &r->children[1], false, &f->type.fields[1],
				       &col->children[1], col);
		return rc;
	}
	/* A struct (also an annotated group whose shape does not fit). */
	col->role = PQ_COL_STRUCT;
	nested_field(f, col, TN_STRUCT, n->nchildren);
	for (size_t i = 0; i < n->nchildren; i++) {
		rc = plan_node(p, &n->children[i], false, &f->type.fields[i], &col->children[i], col);
		if (rc != TN_OK)
			return rc;
	}
	return TN_OK;
}

static void free_col(struct pq_col *c)
{
	for (size_t i = 0; i < c->nchildren; i++)
		free_col(&c->children[i]);
	free(c->children);
}

int pq_schema_build(struct pq_schema *s, const struct pq_file_meta *m,
		    const char *const *columns, size_t ncolumns, struct tn_err *err)
{
	struct builder b = {m, 0, 0, err};
	struct planner p = {s, err};
	size_t ncols;
	int rc;

	memset(s, 0, sizeof(*s));
	if (m->n_schema == 0)
		return tn_err_set(err, TN_ECORRUPT, "schema: no elements");
	rc = build_node(&b, &s->root, NULL, 0);
	if (rc != TN_OK)
		return rc;
	if (s->root.leaf >= 0)
		return tn_err_set(err, TN_ECORRUPT, "schema: the root is a column, not a group");
	if (b.next != m->n_schema)
		return tn_err_set(err, TN_ECORRUPT,
				  "schema: %zu elements follow the root's last child",
				  m->n_schema - b.next);
	s->nleaves = b.nleaves;
	s->leaves = tn_calloc(s->nleaves ? s->nleaves : 1, sizeof(*s->leaves));
	for (size_t i = 0; i < s->root.nchildren; i++)
		leaf_paths(s, &s->root.children[i], "");
	for (size_t i = 0; i < s->nleaves; i++) {
		struct pq_leaf *l = &s->leaves[i];

		l->max_def = l->node->def_level;
		l->max_rep = l->node->rep_level;
		rc = leaf_type(l, err);
		if (rc != TN_OK)
			return rc;
	}

	ncols = columns ? ncolumns : s->root.nchildren;
	s->out.ncols = ncols;
	s->out.cols = tn_calloc(ncols ? ncols : 1, sizeof(*s->out.cols));
	s->cols = tn_calloc(ncols ? ncols : 1, sizeof(*s->cols));
	for (size_t i = 0; i < ncols; i++) {
		const struct pq_node *n = NULL;

		if (columns == NULL) {
			n = &s->root.children[i];
		} else {
			for (size_t j = 0; j < s->root.nchildren && n == NULL; j++)
				if (strcmp(elem_name(&s->root.children[j]), columns[i]) == 0)
					n = &s->root.children[j];
			if (n == NULL)
				return tn_err_set(err, TN_EINVAL, "no column named '%s'", columns[i]);
		}
		rc = plan_node(&p, n, false, &s->out.cols[i], &s->cols[i], NULL);
		if (rc != TN_OK)
			return rc;
	}
	return TN_OK;
}

void pq_schema_done(struct pq_schema *s)
{
	for (size_t i = 0; i < s->out.ncols; i++)
		if (s->cols)
			free_col(&s->cols[i]);
	free(s->cols);
	tn_schema_done(&s->out);
	for (size_t i = 0; i < s->nleaves; i++)
		free(s->leaves[i].path);
	free(s->leaves);
	free_node(&s->root);
	memset(s, 0, sizeof(*s));
}
