/* merge.c - UPDATE and the MERGE primitive, both on delta_tx_rewrite. An
 * update gives the rows its filter passes new values (literals); a merge
 * hashes the source rows by their key, asks for each target row of the
 * files that may hold a source key which clause applies (matched: update
 * from the source row or delete; not matched by source: update or delete),
 * then inserts the source rows no target row matched. New values come from
 * gathering, column by column, the old value, the source row's or a
 * literal, so nested columns are handled the same way as flat ones. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/valfmt.h"
#include "delta/pred_int.h"
#include "delta/write_int.h"

/* Rows inserted per delta_tx_write call. */
#define INSERT_CHUNK 65536

static const char *root_of(struct delta_tx *tx)
{
	return delta_tx_root(tx);
}

/* ---- literals ---- */

/* v (one value of type t, in a) becomes NULL, nested fields included. */
static void null_value(struct tn_vec *v, const struct tn_type *t, struct tn_arena *a)
{
	size_t w = tn_type_width(t);

	tn_vec_alloc(v, t, 1, a);
	v->len = 1;
	tn_vec_need_nulls(v, 1, a);
	v->nulls[0] = 1;
	if (w != 0)
		memset(v->values, 0, w);
	if (t->kind == TN_STRUCT)
		for (size_t c = 0; c < t->nfields; c++)
			null_value(&v->children[c], &t->fields[c].type, a);
	if (v->offsets)
		v->offsets[1] = 0;
}

static bool decimal_fits(__int128 v, int precision)
{
	__int128 lim = 1;

	for (int i = 0; i < precision; i++)
		lim *= 10;
	return v > -lim && v < lim;
}

/* One value of column f's type from a literal's text (NULL: SQL NULL). */
static int literal_value(struct delta_tx *tx, const struct tn_field *f, const char *text,
			 struct tn_vec *v, struct tn_arena *a, struct tn_err *err)
{
	const struct tn_type *t = &f->type;
	char name[64];
	int64_t x;

	if (text == NULL) {
		null_value(v, t, a);
		return TN_OK;
	}
	tn_vec_alloc(v, t, 1, a);
	v->len = 1;
	switch (t->kind) {
	case TN_STRING:
	case TN_BINARY: {
		struct tn_bytes *b = v->values;

		b->len = (uint32_t)strlen(text);
		b->ptr = (const uint8_t *)tn_arena_strdup(a, text);
		return TN_OK;
	}
	case TN_INT8:
	case TN_INT16:
	case TN_INT32: {
		int bits = (int)tn_type_width(t) * 8;

		if (tn_parse_i64(text, &x, "value", NULL) != TN_OK ||
		    x < -(INT64_C(1) << (bits - 1)) || x >= (INT64_C(1) << (bits - 1)))
			break;
		return delta_value_parse(text, t, v->values, NULL) == TN_OK ? TN_OK : TN_EINVAL;
	}
	case TN_DECIMAL:
		if (delta_value_parse(text, t, v->values, NULL) != TN_OK ||
		    !decimal_fits(tn_vec_decimal(v, 0), t->precision))
			break;
		return TN_OK;
	case TN_BOOL:
	case TN_INT64:
	case TN_FLOAT:
	case TN_DOUBLE:
	case TN_DATE:
	case TN_TIMESTAMP:
		if (delta_value_parse(text, t, v->values, NULL) != TN_OK)
			break;
		return TN_OK;
	default:
		return tn_err_set(err, TN_EINVAL,
				  "%s: column '%s' is %s: only NULL can be assigned to it here",
				  root_of(tx), f->name, tn_type_name(t, name, sizeof(name)));
	}
	return tn_err_set(err, TN_EINVAL, "%s: '%s' is not a %s value (column '%s')", root_of(tx),
			  text, tn_type_name(t, name, sizeof(name)), f->name);
}

/* ---- where new values come from ---- */

enum { FROM_OLD, FROM_SOURCE, FROM_LITERAL };

/* What an updating clause does to the target's columns. */
struct plan_clause {
	bool set_all;			/* UPDATE SET *: every column from the source */
	const struct delta_assign *set; /* else these */
	size_t nset;
};

struct col_srcs {
	struct tn_vec *srcs; /* [0] the rows' own vector; per source column used,
				one vector per source batch; then literals */
	size_t nsrcs;
	bool used;
};

struct assign_plan {
	const struct tn_schema *ts; /* the target's columns */
	size_t nclauses, nbatches;
	uint8_t *kind; /* [k * ncols + c]: FROM_* */
	int32_t *slot; /* [k * ncols + c]: first index into cols[c].srcs */
	struct col_srcs *cols;
	struct tn_arena arena; /* literals and the tables above */
};

static void plan_done(struct assign_plan *ap)
{
	free(ap->kind);
	free(ap->slot);
	for (size_t c = 0; ap->cols && c < ap->ts->ncols; c++)
		free(ap->cols[c].srcs);
	free(ap->cols);
	tn_arena_done(&ap->arena);
	memset(ap, 0, sizeof(*ap));
}

/* Can a source value of type from go into a column of type to without
 * loss: the same type, a wider integer, float to double, a timestamp in
 * milliseconds to one in microseconds. */
static bool widens(const struct tn_type *from, const struct tn_type *to)
{
	if (tn_type_equal(from, to))
		return true;
	if (from->kind >= TN_INT8 && from->kind <= TN_INT64 && to->kind >= TN_INT8 &&
	    to->kind <= TN_INT64)
		return from->kind < to->kind;
	if (from->kind == TN_TIMESTAMP && to->kind == TN_TIMESTAMP)
		return from->utc == to->utc && from->unit == TN_UNIT_MILLIS &&
		       to->unit == TN_UNIT_MICROS;
	return from->kind == TN_FLOAT && to->kind == TN_DOUBLE;
}

static int64_t int_at(const struct tn_vec *v, size_t i)
{
	switch (v->type->kind) {
	case TN_INT8:
		return ((const int8_t *)v->values)[i];
	case TN_INT16:
		return ((const int16_t *)v->values)[i];
	case TN_INT32:
		return ((const int32_t *)v->values)[i];
	default:
		return ((const int64_t *)v->values)[i];
	}
}

/* v as a vector of type t (widens(v->type, t)): v itself, or a widened
 * copy in a. */
static struct tn_vec widened(const struct tn_vec *v, const struct tn_type *t, struct tn_arena *a)
{
	struct tn_vec w;

	if (tn_type_equal(v->type, t))
		return *v;
	tn_vec_alloc(&w, t, v->len, a);
	w.len = v->len;
	w.nulls = v->nulls;
	for (size_t i = 0; i < v->len; i++) {
		switch (t->kind) {
		case TN_DOUBLE:
			((double *)w.values)[i] = ((const float *)v->values)[i];
			break;
		case TN_INT16:
			((int16_t *)w.values)[i] = (int16_t)int_at(v, i);
			break;
		case TN_INT32:
			((int32_t *)w.values)[i] = (int32_t)int_at(v, i);
			break;
		case TN_TIMESTAMP:
			((int64_t *)w.values)[i] = int_at(v, i) * 1000;
			break;
		default:
			((int64_t *)w.values)[i] = int_at(v, i);
			break;
		}
	}
	return w;
}

/* The source column that feeds target column f, checked for its type. */
static int source_column(struct delta_tx *tx, const struct tn_schema *ss, const char *name,
			 const struct tn_field *f, const char *what, int *out, struct tn_err *err)
{
	char x[64], y[64];
	int j = ss ? tn_schema_find(ss, name) : -1;

	if (j < 0)
		return tn_err_set(err, TN_EINVAL, "%s: %s: the source has no column '%s'",
				  root_of(tx), what, name);
	if (!widens(&ss->cols[j].type, &f->type))
		return tn_err_set(
			err, TN_EINVAL,
			"%s: %s: column '%s' is %s in the table but source column '%s' is %s",
			root_of(tx), what, f->name, tn_type_name(&f->type, x, sizeof(x)), name,
			tn_type_name(&ss->cols[j].type, y, sizeof(y)));
	*out = j;
	return TN_OK;
}

/* Check the clauses' assignments against the target (ts) and source (ss,
 * NULL for UPDATE) schemas and lay out, per target column, the vectors
 * its new values are gathered from. */
static int plan_init(struct assign_plan *ap, struct delta_tx *tx, const struct tn_schema *ts,
		     const struct tn_schema *ss, const struct tn_batch *src, size_t nbatches,
		     const struct plan_clause *cl, size_t ncl, struct tn_err *err)
{
	size_t nc = ts->ncols;
	int *srccol = tn_malloc(sizeof(int) * (ncl * nc + 1));
	struct tn_vec *lits = tn_calloc(ncl * nc + 1, sizeof(*lits));
	int rc = TN_OK;

	memset(ap, 0, sizeof(*ap));
	ap->ts = ts;
	ap->nclauses = ncl;
	ap->nbatches = nbatches;
	tn_arena_init(&ap->arena, 0);
	ap->kind = tn_calloc(ncl * nc + 1, 1);
	ap->slot = tn_malloc(sizeof(int32_t) * (ncl * nc + 1));
	ap->cols = tn_calloc(nc + 1, sizeof(*ap->cols));
	for (size_t k = 0; rc == TN_OK && k < ncl; k++) {
		for (size_t c = 0; rc == TN_OK && cl[k].set_all && c < nc; c++) {
			ap->kind[k * nc + c] = FROM_SOURCE;
			rc = source_column(tx, ss, ts->cols[c].name, &ts->cols[c], "UPDATE SET *",
					   &srccol[k * nc + c], err);
		}
		for (size_t i = 0; rc == TN_OK && !cl[k].set_all && i < cl[k].nset; i++) {
			const struct delta_assign *as = &cl[k].set[i];
			int c = tn_schema_find(ts, as->column);

			if (c < 0) {
				rc = tn_err_set(err, TN_EINVAL, "%s: SET: no column named '%s'",
						root_of(tx), as->column);
			} else if (ap->kind[k * nc + (size_t)c] != FROM_OLD) {
				rc = tn_err_set(err, TN_EINVAL,
						"%s: SET: column '%s' is assigned twice",
						root_of(tx), as->column);
			} else if (as->source_column != NULL) {
				if (ss == NULL)
					rc = tn_err_set(
						err, TN_EINVAL,
						"%s: SET %s: there is no source to take '%s' from",
						root_of(tx), as->column, as->source_column);
				else
					rc = source_column(tx, ss, as->source_column, &ts->cols[c],
							   "SET", &srccol[k * nc + (size_t)c], err);
				ap->kind[k * nc + (size_t)c] = FROM_SOURCE;
			} else {
				rc = literal_value(tx, &ts->cols[c], as->value,
						   &lits[k * nc + (size_t)c], &ap->arena, err);
				ap->kind[k * nc + (size_t)c] = FROM_LITERAL;
			}
		}
	}
	/* Per column: the rows' own vector, the source columns' vectors of
	 * every batch, the literals. */
	for (size_t c = 0; rc == TN_OK && c < nc; c++) {
		struct col_srcs *cs = &ap->cols[c];
		size_t n = 1;

		for (size_t k = 0; k < ncl; k++)
			if (ap->kind[k * nc + c] != FROM_OLD)
				n += ap->kind[k * nc + c] == FROM_SOURCE ? nbatches : 1;
		cs->srcs = tn_calloc(n, sizeof(*cs->srcs));
		cs->nsrcs = 1;
		for (size_t k = 0; k < ncl; k++) {
			size_t i = k * nc + c;

			ap->slot[i] = -1;
			if (ap->kind[i] == FROM_OLD)
				continue;
			cs->used = true;
			if (ap->kind[i] == FROM_LITERAL) {
				ap->slot[i] = (int32_t)cs->nsrcs;
				cs->srcs[cs->nsrcs++] = lits[i];
				continue;
			}
			/* the same source column as an earlier clause: share it */
			for (size_t e = 0; e < k && ap->slot[i] < 0; e++)
				if (ap->kind[e * nc + c] == FROM_SOURCE &&
				    srccol[e * nc + c] == srccol[i])
					ap->slot[i] = ap->slot[e * nc + c];
			if (ap->slot[i] >= 0)
				continue;
			ap->slot[i] = (int32_t)cs->nsrcs;
			for (size_t b = 0; b < nbatches; b++)
				cs->srcs[cs->nsrcs++] = widened(&src[b].cols[srccol[i]],
								&ts->cols[c].type, &ap->arena);
		}
	}
	free(srccol);
	free(lits);
	if (rc != TN_OK)
		plan_done(ap);
	return rc;
}

/* Give the updated rows of upd their new values: row i of upd, when
 * act[i] is DELTA_ROW_UPDATE, takes clause clause[i]'s values, those from
 * the source from row sr[i] of source batch sb[i]. */
static void plan_apply(struct assign_plan *ap, struct tn_batch *upd, const uint8_t *act,
		       const int16_t *clause, const uint32_t *sb, const uint32_t *sr)
{
	size_t n = upd->nrows, nc = ap->ts->ncols;
	uint32_t *from = tn_malloc(sizeof(uint32_t) * (n ? n : 1));
	uint32_t *rows = tn_malloc(sizeof(uint32_t) * (n ? n : 1));

	for (size_t c = 0; c < nc; c++) {
		struct col_srcs *cs = &ap->cols[c];
		bool any = false;
		struct tn_vec nv;

		if (!cs->used)
			continue;
		cs->srcs[0] = upd->cols[c];
		for (size_t i = 0; i < n; i++) {
			int k = act[i] == DELTA_ROW_UPDATE ? clause[i] : -1;
			size_t at = k >= 0 ? (size_t)k * nc + c : 0;

			from[i] = 0;
			rows[i] = (uint32_t)i;
			if (k < 0 || ap->kind[at] == FROM_OLD)
				continue;
			any = true;
			from[i] = (uint32_t)ap->slot[at];
			if (ap->kind[at] == FROM_SOURCE) {
				from[i] += sb[i];
				rows[i] = sr[i];
			} else {
				rows[i] = 0;
			}
		}
		if (!any)
			continue;
		tn_vec_gather(&nv, &upd->schema->cols[c].type, cs->srcs, cs->nsrcs, from, rows, n,
			      &upd->arena);
		upd->cols[c] = nv;
	}
	free(from);
	free(rows);
}

/* ---- update ---- */

struct update_ctx {
	struct delta_rows_pred where;
	struct assign_plan plan;
};

static int update_fn(void *ctx, const struct tn_batch *rows, uint8_t *act, struct tn_batch *upd,
		     struct tn_err *err)
{
	struct update_ctx *u = ctx;
	int16_t *clause = tn_calloc(rows->nrows ? rows->nrows : 1, sizeof(int16_t));
	int rc = delta_rows_pred_eval(&u->where, rows, act, err);

	for (size_t i = 0; rc == TN_OK && i < rows->nrows; i++)
		act[i] = act[i] ? DELTA_ROW_UPDATE : DELTA_ROW_KEEP;
	if (rc == TN_OK)
		plan_apply(&u->plan, upd, act, clause, NULL, NULL);
	free(clause);
	return rc;
}

int delta_tx_update(struct delta_tx *tx, const struct delta_pred *where,
		    const struct delta_assign *set, size_t nset, struct delta_rewrite_result *res,
		    struct tn_err *err)
{
	struct update_ctx u = {{where, NULL, NULL}, {0}};
	struct plan_clause pc = {false, set, nset};
	int rc;

	memset(res, 0, sizeof(*res));
	if (nset == 0)
		return tn_err_set(err, TN_EINVAL, "%s: UPDATE: no column to set", root_of(tx));
	/* the rows come from the transaction's view: its schema */
	rc = plan_init(&u.plan, tx, delta_tx_schema(tx), NULL, NULL, 0, &pc, 1, err);
	if (rc != TN_OK)
		return rc;
	rc = delta_tx_rewrite(tx, where, update_fn, &u, res, err);
	delta_rows_pred_done(&u.where);
	plan_done(&u.plan);
	if (rc == TN_OK)
		delta_rewrite_commit_info(tx, "UPDATE", where, res);
	return rc;
}

/* ---- merge: keys ---- */

/* Kinds of key value that can equal each other. */
static int key_family(const struct tn_type *t)
{
	switch (t->kind) {
	case TN_STRING:
	case TN_BINARY:
	case TN_UUID:
		return 's';
	case TN_BOOL:
		return 'b';
	case TN_DATE:
		return 'D';
	case TN_TIMESTAMP:
		return 'T';
	case TN_TIME:
		return 't';
	default:
		return tn_type_is_nested(t) ? 0 : 'n';
	}
}

static void put_int(struct tn_buf *k, int64_t x)
{
	tn_buf_putc(k, 'i', NULL);
	tn_buf_append(k, &x, sizeof(x), NULL);
}

/* Append value i of v in a form equal for equal values of any type of its
 * family (an int 5, a long 5, a decimal 5.00 and a double 5.0 are one
 * key; fractions meet only within decimals or within floating point);
 * false for a null, which matches nothing. */
static bool key_part(struct tn_buf *k, const struct tn_vec *v, size_t i)
{
	const struct tn_type *t = v->type;
	const uint8_t *p = (const uint8_t *)v->values + i * tn_type_width(t);

	if (tn_vec_is_null(v, i))
		return false;
	switch (t->kind) {
	case TN_INT8:
		put_int(k, *(const int8_t *)p);
		break;
	case TN_INT16:
		put_int(k, *(const int16_t *)p);
		break;
	case TN_INT32:
		put_int(k, *(const int32_t *)p);
		break;
	case TN_INT64:
		put_int(k, *(const int64_t *)p);
		break;
	case TN_UINT8:
		put_int(k, *(const uint8_t *)p);
		break;
	case TN_UINT16:
		put_int(k, *(const uint16_t *)p);
		break;
	case TN_UINT32:
		put_int(k, *(const uint32_t *)p);
		break;
	case TN_UINT64:
		if (*(const uint64_t *)p <= INT64_MAX) {
			put_int(k, (int64_t) * (const uint64_t *)p);
		} else {
			tn_buf_putc(k, 'u', NULL);
			tn_buf_append(k, p, 8, NULL);
		}
		break;
	case TN_FLOAT:
	case TN_DOUBLE: {
		double d = t->kind == TN_FLOAT ? *(const float *)p : *(const double *)p;

		if (isnan(d)) {
			tn_buf_puts(k, "NaN", NULL); /* Spark: NaN = NaN */
		} else if (d == floor(d) && fabs(d) < 9.2e18) {
			put_int(k, (int64_t)d); /* -0.0 too */
		} else {
			tn_buf_putc(k, 'f', NULL);
			tn_buf_append(k, &d, sizeof(d), NULL);
		}
		break;
	}
	case TN_DECIMAL: {
		__int128 u = tn_vec_decimal(v, i), pow = 1;
		char buf[48];
		size_t n;

		for (int s = 0; s < t->scale; s++)
			pow *= 10;
		if (u % pow == 0 && u / pow >= INT64_MIN && u / pow <= INT64_MAX) {
			put_int(k, (int64_t)(u / pow));
			break;
		}
		/* 1.50 and 1.5 are one key: the digits without trailing zeros */
		tn_decimal_format(u, t->scale, buf);
		n = strlen(buf);
		while (buf[n - 1] == '0')
			n--;
		tn_buf_putc(k, 'n', NULL);
		tn_buf_append(k, buf, n, NULL);
		break;
	}
	case TN_STRING:
	case TN_BINARY:
	case TN_UUID: {
		const struct tn_bytes *b = (const struct tn_bytes *)p;

		tn_buf_putc(k, 's', NULL);
		tn_buf_append(k, &b->len, sizeof(b->len), NULL);
		tn_buf_append(k, b->ptr, b->len, NULL);
		break;
	}
	case TN_BOOL:
		tn_buf_putc(k, 'b', NULL);
		tn_buf_putc(k, (char)*p, NULL);
		break;
	case TN_DATE:
		tn_buf_putc(k, 'D', NULL);
		tn_buf_append(k, p, 4, NULL);
		break;
	default: { /* timestamps and times, in microseconds where exact */
		int64_t x = *(const int64_t *)p;

		if (t->unit == TN_UNIT_MILLIS)
			x *= 1000;
		else if (t->unit == TN_UNIT_NANOS && x % 1000 == 0)
			x /= 1000;
		tn_buf_putc(k, t->unit == TN_UNIT_NANOS && *(const int64_t *)p % 1000 ? 'N' : 'T',
			    NULL);
		tn_buf_append(k, &x, sizeof(x), NULL);
		break;
	}
	}
	return true;
}

/* The key of row i of b (columns cols[0..n)); false when part is null. */
static bool row_key(struct tn_buf *k, const struct tn_batch *b, const int *cols, size_t n, size_t i)
{
	tn_buf_reset(k);
	for (size_t c = 0; c < n; c++)
		if (!key_part(k, &b->cols[cols[c]], i))
			return false;
	return true;
}

/* The source rows of one key: a chain through merge.next. */
struct key_entry {
	uint32_t head;
	bool matched; /* some target row has the key */
};

#define NONE UINT32_MAX

struct merge {
	struct delta_tx *tx;
	const struct delta_merge_opts *o;
	struct delta_merge_result *res;
	size_t nrows;		  /* source rows */
	uint32_t *sb, *sr;	  /* per source row: batch and row */
	uint32_t *next;		  /* per source row: the next with its key */
	struct key_entry **entry; /* per source row: its key's (NULL: null key) */
	int16_t *mcl, *ncl;	  /* per source row: the first matched / not
				     matched clause whose condition holds, or -1 */
	struct tn_hmap keys;
	struct tn_arena arena; /* keys and entries */
	int *skey, *tkey;      /* key columns in the source, the target */
	struct tn_buf kb;
	bool delete_only; /* the matched clauses are one unconditional DELETE */
	/* the clauses that update (matched and by source), for plan_apply */
	struct assign_plan plan;
	int16_t *plan_of;		   /* per clause: its index in the plan, or -1 */
	struct delta_rows_pred *by_source; /* per clause: its condition on target rows */
};

static int index_source(struct merge *m, struct tn_err *err)
{
	const struct delta_merge_opts *o = m->o;
	size_t g = 0;
	int rc = TN_OK;

	for (size_t b = 0; b < o->nsource; b++)
		m->nrows += o->source[b].nrows;
	if (m->nrows >= NONE)
		return tn_err_set(err, TN_ETOOBIG, "%s: MERGE: %zu source rows are too many",
				  root_of(m->tx), m->nrows);
	m->sb = tn_malloc(sizeof(uint32_t) * (m->nrows + 1));
	m->sr = tn_malloc(sizeof(uint32_t) * (m->nrows + 1));
	m->next = tn_malloc(sizeof(uint32_t) * (m->nrows + 1));
	m->entry = tn_calloc(m->nrows + 1, sizeof(*m->entry));
	m->mcl = tn_malloc(sizeof(int16_t) * (m->nrows + 1));
	m->ncl = tn_malloc(sizeof(int16_t) * (m->nrows + 1));
	for (size_t b = 0; rc == TN_OK && b < o->nsource; b++) {
		const struct tn_batch *sb = &o->source[b];
		size_t n = sb->nrows;
		uint8_t *pass = tn_malloc(n ? n : 1);

		for (size_t i = 0; i < n; i++) {
			m->sb[g + i] = (uint32_t)b;
			m->sr[g + i] = (uint32_t)i;
			m->mcl[g + i] = m->ncl[g + i] = -1;
		}
		/* the clauses' conditions, first that holds wins */
		for (size_t k = 0; rc == TN_OK && k < o->nclauses; k++) {
			const struct delta_merge_clause *cl = &o->clauses[k];
			int16_t *first = cl->when == DELTA_WHEN_MATCHED	      ? m->mcl
					 : cl->when == DELTA_WHEN_NOT_MATCHED ? m->ncl
									      : NULL;
			struct delta_rows_pred rp = {cl->cond, NULL, NULL};

			if (first == NULL)
				continue;
			rc = delta_rows_pred_eval(&rp, sb, pass, err);
			delta_rows_pred_done(&rp);
			for (size_t i = 0; rc == TN_OK && i < n; i++)
				if (first[g + i] < 0 && pass[i])
					first[g + i] = (int16_t)k;
		}
		free(pass);
		for (size_t i = 0; rc == TN_OK && i < n; i++, g++) {
			struct key_entry *e;

			m->next[g] = NONE;
			if (!row_key(&m->kb, sb, m->skey, o->nkeys, i))
				continue;
			e = tn_hmap_get(&m->keys, m->kb.data, m->kb.len);
			if (e == NULL) {
				char *key = tn_arena_alloc(&m->arena, m->kb.len ? m->kb.len : 1);

				memcpy(key, m->kb.data, m->kb.len);
				e = tn_arena_calloc(&m->arena, 1, sizeof(*e));
				e->head = NONE;
				tn_hmap_put(&m->keys, key, m->kb.len, e);
			}
			m->next[g] = e->head;
			e->head = (uint32_t)g;
			m->entry[g] = e;
		}
	}
	if (rc != TN_OK)
		tn_err_prefix(err, "%s: MERGE: source", root_of(m->tx));
	return rc;
}

/* "id = 3, name = 'x'": a target row's key for messages. */
static char *key_text(const struct tn_batch *b, const int *cols, size_t n, size_t i)
{
	struct tn_buf t = TN_BUF_INIT;

	for (size_t c = 0; c < n; c++) {
		tn_buf_printf(&t, NULL, "%s%s = ", c ? ", " : "", b->schema->cols[cols[c]].name);
		tn_value_json(&t, &b->cols[cols[c]], i, NULL);
	}
	return tn_buf_detach(&t, NULL);
}

static int merge_fn(void *ctx, const struct tn_batch *rows, uint8_t *act, struct tn_batch *upd,
		    struct tn_err *err)
{
	struct merge *m = ctx;
	const struct delta_merge_opts *o = m->o;
	size_t n = rows->nrows;
	int16_t *clause = tn_malloc(sizeof(int16_t) * (n ? n : 1));
	uint32_t *sb = tn_calloc(n ? n : 1, sizeof(uint32_t));
	uint32_t *sr = tn_calloc(n ? n : 1, sizeof(uint32_t));
	uint8_t *pass = tn_malloc((n ? n : 1) * (o->nclauses + 1));
	int rc = TN_OK;

	/* the not-matched-by-source conditions, over the target's rows */
	for (size_t k = 0; rc == TN_OK && k < o->nclauses; k++)
		if (o->clauses[k].when == DELTA_WHEN_NOT_MATCHED_BY_SOURCE)
			rc = delta_rows_pred_eval(&m->by_source[k], rows, pass + k * n, err);
	for (size_t i = 0; rc == TN_OK && i < n; i++) {
		struct key_entry *e = NULL;
		int k = -1;

		act[i] = DELTA_ROW_KEEP;
		clause[i] = -1;
		if (row_key(&m->kb, rows, m->tkey, o->nkeys, i))
			e = tn_hmap_get(&m->keys, m->kb.data, m->kb.len);
		if (e != NULL) {
			uint32_t chosen = NONE, count = 0;

			e->matched = true;
			for (uint32_t g = e->head; g != NONE; g = m->next[g])
				if (m->mcl[g] >= 0) {
					count++;
					chosen = g;
				}
			if (count > 1 && !m->delete_only) {
				char *kt = key_text(rows, m->tkey, o->nkeys, i);

				rc = tn_err_set(
					err, TN_EINVAL,
					"%s: MERGE: %u source rows match the same target row "
					"(%s) and would change it; which one wins is ambiguous. "
					"Nothing was committed",
					root_of(m->tx), count, kt);
				free(kt);
				break;
			}
			if (chosen == NONE)
				continue;
			k = m->mcl[chosen];
			sb[i] = m->sb[chosen];
			sr[i] = m->sr[chosen];
		} else {
			for (size_t c = 0; c < o->nclauses && k < 0; c++)
				if (o->clauses[c].when == DELTA_WHEN_NOT_MATCHED_BY_SOURCE &&
				    pass[c * n + i])
					k = (int)c;
			if (k < 0)
				continue;
		}
		if (o->clauses[k].action == DELTA_MERGE_DELETE) {
			act[i] = DELTA_ROW_DELETE;
			if (e != NULL)
				m->res->matched_deleted++;
			else
				m->res->by_source_deleted++;
		} else {
			act[i] = DELTA_ROW_UPDATE;
			clause[i] = m->plan_of[k];
			if (e != NULL)
				m->res->matched_updated++;
			else
				m->res->by_source_updated++;
		}
	}
	if (rc == TN_OK)
		plan_apply(&m->plan, upd, act, clause, sb, sr);
	free(pass);
	free(clause);
	free(sb);
	free(sr);
	return rc;
}

/* ---- merge: setup ---- */

static int check_clauses(struct merge *m, struct tn_err *err)
{
	const struct delta_merge_opts *o = m->o;
	size_t nmatched = 0, ndel = 0;

	for (size_t k = 0; k < o->nclauses; k++) {
		const struct delta_merge_clause *cl = &o->clauses[k];
		bool ok = cl->when == DELTA_WHEN_NOT_MATCHED
				  ? cl->action == DELTA_MERGE_INSERT
				  : cl->action == DELTA_MERGE_UPDATE ||
					    cl->action == DELTA_MERGE_DELETE;

		if (cl->when > DELTA_WHEN_NOT_MATCHED_BY_SOURCE || !ok)
			return tn_err_set(
				err, TN_EINVAL,
				"%s: MERGE: clause %zu: WHEN NOT MATCHED can only INSERT; "
				"the others UPDATE or DELETE",
				root_of(m->tx), k + 1);
		if (cl->action == DELTA_MERGE_UPDATE &&
		    cl->when == DELTA_WHEN_NOT_MATCHED_BY_SOURCE && cl->nset == 0)
			return tn_err_set(
				err, TN_EINVAL,
				"%s: MERGE: clause %zu: WHEN NOT MATCHED BY SOURCE UPDATE needs "
				"assignments (there is no source row to SET * from)",
				root_of(m->tx), k + 1);
		if (cl->action == DELTA_MERGE_INSERT && cl->nset != 0)
			return tn_err_set(
				err, TN_EINVAL,
				"%s: MERGE: clause %zu: INSERT takes every column (INSERT *)",
				root_of(m->tx), k + 1);
		if (cl->when == DELTA_WHEN_MATCHED) {
			nmatched++;
			ndel += cl->action == DELTA_MERGE_DELETE && cl->cond == NULL;
		}
		if (k >= INT16_MAX)
			return tn_err_set(err, TN_EINVAL, "%s: MERGE: too many clauses",
					  root_of(m->tx));
	}
	m->delete_only = nmatched == 1 && ndel == 1;
	return TN_OK;
}

static int find_keys(struct merge *m, const struct tn_schema *ts, struct tn_err *err)
{
	const struct delta_merge_opts *o = m->o;

	if (o->nkeys == 0)
		return tn_err_set(err, TN_EINVAL, "%s: MERGE: no key columns", root_of(m->tx));
	m->skey = tn_calloc(o->nkeys, sizeof(int));
	m->tkey = tn_calloc(o->nkeys, sizeof(int));
	for (size_t i = 0; i < o->nkeys; i++) {
		const char *tn = o->target_keys[i], *sn = o->source_keys ? o->source_keys[i] : tn;
		int t = tn_schema_find(ts, tn), s = tn_schema_find(o->source_schema, sn);
		char x[64], y[64];

		if (t < 0 || s < 0)
			return tn_err_set(
				err, TN_EINVAL, "%s: MERGE: the %s has no key column '%s'",
				root_of(m->tx), t < 0 ? "table" : "source", t < 0 ? tn : sn);
		if (key_family(&ts->cols[t].type) == 0 ||
		    key_family(&ts->cols[t].type) != key_family(&o->source_schema->cols[s].type))
			return tn_err_set(
				err, TN_EINVAL,
				"%s: MERGE: key '%s' is %s in the table and %s in the source: "
				"they cannot be compared",
				root_of(m->tx), tn, tn_type_name(&ts->cols[t].type, x, sizeof(x)),
				tn_type_name(&o->source_schema->cols[s].type, y, sizeof(y)));
		m->tkey[i] = t;
		m->skey[i] = s;
	}
	return TN_OK;
}

/* The updating clauses as a plan; by-source conditions ready to bind. */
static int plan_merge(struct merge *m, const struct tn_schema *ts, struct tn_err *err)
{
	const struct delta_merge_opts *o = m->o;
	struct plan_clause *pc = tn_calloc(o->nclauses + 1, sizeof(*pc));
	size_t n = 0;
	int rc;

	m->plan_of = tn_malloc(sizeof(int16_t) * (o->nclauses + 1));
	m->by_source = tn_calloc(o->nclauses + 1, sizeof(*m->by_source));
	for (size_t k = 0; k < o->nclauses; k++) {
		const struct delta_merge_clause *cl = &o->clauses[k];

		m->by_source[k].p = cl->cond;
		m->plan_of[k] = -1;
		if (cl->action != DELTA_MERGE_UPDATE)
			continue;
		m->plan_of[k] = (int16_t)n;
		pc[n].set_all = cl->nset == 0;
		pc[n].set = cl->set;
		pc[n++].nset = cl->nset;
	}
	rc = plan_init(&m->plan, m->tx, ts, o->source_schema, o->source, o->nsource, pc, n, err);
	free(pc);
	return rc;
}

/* A literal for a filter: the value as text in quotes, or NULL when it
 * cannot be written as one. */
static char *filter_literal(const struct tn_vec *v, size_t i)
{
	struct tn_buf b = TN_BUF_INIT;
	char *text = NULL;

	if (v->type->kind == TN_STRING) {
		const struct tn_bytes *s = &((const struct tn_bytes *)v->values)[i];

		if (memchr(s->ptr, 0, s->len) != NULL)
			return NULL;
		text = tn_strndup((const char *)s->ptr, s->len);
	} else {
		text = delta_partition_text(v, i);
		if (text == NULL)
			return NULL;
	}
	tn_buf_putc(&b, '\'', NULL);
	for (const char *c = text; *c; c++) {
		if (*c == '\'')
			tn_buf_putc(&b, '\'', NULL);
		tn_buf_putc(&b, *c, NULL);
	}
	tn_buf_putc(&b, '\'', NULL);
	free(text);
	return tn_buf_detach(&b, NULL);
}

/* Files that cannot hold a source key need not be read: a filter
 * "key >= min AND key <= max" over the keys whose types allow it. *none
 * when no source key can match at all (every key has a null). */
static int key_range(struct merge *m, const struct tn_schema *ts, struct delta_pred **out,
		     bool *none, struct tn_err *err)
{
	const struct delta_merge_opts *o = m->o;
	struct tn_buf text = TN_BUF_INIT;
	int rc = TN_OK;

	*out = NULL;
	*none = true;
	for (size_t g = 0; g < m->nrows && *none; g++)
		*none = m->entry[g] == NULL;
	if (*none)
		return TN_OK;
	for (size_t k = 0; k < o->nkeys; k++) {
		const struct tn_field *tf = &ts->cols[m->tkey[k]];
		const struct tn_type *t = &tf->type, *st = &o->source_schema->cols[m->skey[k]].type;
		size_t w = tn_type_width(st), lob = 0, lor = 0, hib = 0, hir = 0;
		bool any = false;
		char *lo, *hi;

		/* the bounds as literals of the table's type (the text of a
		 * timestamp is that of microseconds) */
		if (!widens(st, t) || (st->kind == TN_TIMESTAMP && st->unit != TN_UNIT_MICROS) ||
		    !(t->kind == TN_STRING || t->kind == TN_DATE || t->kind == TN_TIMESTAMP ||
		      t->kind == TN_DECIMAL || (t->kind >= TN_INT8 && t->kind <= TN_INT64)))
			continue;
		for (size_t g = 0; g < m->nrows; g++) {
			const uint8_t *p =
				(const uint8_t *)o->source[m->sb[g]].cols[m->skey[k]].values;
			const uint8_t *lp = (const uint8_t *)o->source[lob].cols[m->skey[k]].values;
			const uint8_t *hp = (const uint8_t *)o->source[hib].cols[m->skey[k]].values;

			if (m->entry[g] == NULL)
				continue; /* a null key matches nothing */
			if (!any || tn_value_cmp(st, p + m->sr[g] * w, lp + lor * w) < 0) {
				lob = m->sb[g];
				lor = m->sr[g];
			}
			if (!any || tn_value_cmp(st, p + m->sr[g] * w, hp + hir * w) > 0) {
				hib = m->sb[g];
				hir = m->sr[g];
			}
			any = true;
		}
		lo = filter_literal(&o->source[lob].cols[m->skey[k]], lor);
		hi = filter_literal(&o->source[hib].cols[m->skey[k]], hir);
		if (lo && hi)
			tn_buf_printf(&text, NULL, "%s`%s` >= %s AND `%s` <= %s",
				      text.len ? " AND " : "", tf->name, lo, tf->name, hi);
		free(lo);
		free(hi);
	}
	if (text.len > 0)
		rc = delta_pred_parse(text.data, out, err);
	tn_buf_done(&text);
	return rc;
}

/* Insert the source rows that matched no target row and whose first
 * holding WHEN NOT MATCHED clause inserts. */
static int insert_unmatched(struct merge *m, const struct tn_schema *ts, struct tn_err *err)
{
	const struct delta_merge_opts *o = m->o;
	size_t nc = ts->ncols;
	/* per target column, its source column of every batch (widened) */
	struct tn_vec *srcs = tn_calloc(nc * o->nsource + 1, sizeof(*srcs));
	uint32_t *from = tn_malloc(sizeof(uint32_t) * INSERT_CHUNK);
	uint32_t *rows = tn_malloc(sizeof(uint32_t) * INSERT_CHUNK);
	struct tn_arena wide;
	bool inserts = false;
	int rc = TN_OK;

	tn_arena_init(&wide, 0);
	for (size_t k = 0; k < o->nclauses; k++)
		inserts |= o->clauses[k].action == DELTA_MERGE_INSERT;
	for (size_t c = 0; inserts && rc == TN_OK && c < nc; c++) {
		int j;

		rc = source_column(m->tx, o->source_schema, ts->cols[c].name, &ts->cols[c],
				   "MERGE INSERT *", &j, err);
		for (size_t s = 0; rc == TN_OK && s < o->nsource; s++)
			srcs[c * o->nsource + s] =
				widened(&o->source[s].cols[j], &ts->cols[c].type, &wide);
	}
	for (size_t g = 0; inserts && rc == TN_OK && g < m->nrows;) {
		struct tn_batch b;
		size_t n = 0;

		for (; g < m->nrows && n < INSERT_CHUNK; g++) {
			if ((m->entry[g] && m->entry[g]->matched) || m->ncl[g] < 0)
				continue;
			from[n] = m->sb[g];
			rows[n++] = m->sr[g];
		}
		if (n == 0)
			continue;
		b.schema = ts;
		b.nrows = n;
		tn_arena_init(&b.arena, 0);
		b.cols = tn_arena_calloc(&b.arena, nc ? nc : 1, sizeof(*b.cols));
		for (size_t c = 0; c < nc; c++)
			tn_vec_gather(&b.cols[c], &ts->cols[c].type, srcs + c * o->nsource,
				      o->nsource, from, rows, n, &b.arena);
		rc = delta_tx_write(m->tx, &b, err);
		tn_batch_done(&b);
		m->res->rows_inserted += (int64_t)n;
	}
	tn_arena_done(&wide);
	free(srcs);
	free(from);
	free(rows);
	return rc;
}

static void add_predicates(cJSON *params, const char *name, const struct delta_merge_opts *o,
			   int when)
{
	static const char *const action[] = {"update", "delete", "insert"};
	cJSON *a = cJSON_CreateArray();
	char *text;

	for (size_t k = 0; k < o->nclauses; k++) {
		const struct delta_merge_clause *cl = &o->clauses[k];
		cJSON *p;

		if (cl->when != when)
			continue;
		p = cJSON_CreateObject();
		if (cl->cond != NULL) {
			char *c = delta_pred_text(cl->cond);

			cJSON_AddStringToObject(p, "predicate", c);
			free(c);
		}
		cJSON_AddStringToObject(p, "actionType", action[cl->action]);
		cJSON_AddItemToArray(a, p);
	}
	text = cJSON_PrintUnformatted(a);
	cJSON_AddStringToObject(params, name, text);
	free(text);
	cJSON_Delete(a);
}

static void merge_commit_info(struct merge *m, const struct tn_schema *ts)
{
	const struct delta_merge_opts *o = m->o;
	const struct delta_merge_result *r = m->res;
	const struct delta_rewrite_result *w = &r->rw;
	struct tn_buf on = TN_BUF_INIT;
	cJSON *params = cJSON_CreateObject();
	struct delta_tx *tx = m->tx;
	const char *one;
	char *list;

	tn_buf_putc(&on, '(', NULL);
	for (size_t k = 0; k < o->nkeys; k++)
		tn_buf_printf(&on, NULL, "%starget.`%s` = source.`%s`", k ? " AND " : "",
			      ts->cols[m->tkey[k]].name, o->source_schema->cols[m->skey[k]].name);
	tn_buf_putc(&on, ')', NULL);
	one = on.data;
	list = delta_json_list_text(&one, 1);
	cJSON_AddStringToObject(params, "predicate", list);
	free(list);
	tn_buf_done(&on);
	add_predicates(params, "matchedPredicates", o, DELTA_WHEN_MATCHED);
	add_predicates(params, "notMatchedPredicates", o, DELTA_WHEN_NOT_MATCHED);
	add_predicates(params, "notMatchedBySourcePredicates", o, DELTA_WHEN_NOT_MATCHED_BY_SOURCE);
	delta_tx_set_operation_params(tx, "MERGE", params);
	delta_tx_set_metric(tx, "numSourceRows", r->source_rows);
	delta_tx_set_metric(tx, "numTargetRowsInserted", r->rows_inserted);
	delta_tx_set_metric(tx, "numTargetRowsUpdated", w->rows_updated);
	delta_tx_set_metric(tx, "numTargetRowsMatchedUpdated", r->matched_updated);
	delta_tx_set_metric(tx, "numTargetRowsNotMatchedBySourceUpdated", r->by_source_updated);
	delta_tx_set_metric(tx, "numTargetRowsDeleted", w->rows_deleted);
	delta_tx_set_metric(tx, "numTargetRowsMatchedDeleted", r->matched_deleted);
	delta_tx_set_metric(tx, "numTargetRowsNotMatchedBySourceDeleted", r->by_source_deleted);
	delta_tx_set_metric(tx, "numTargetRowsCopied", w->rows_copied);
	delta_tx_set_metric(tx, "numOutputRows",
			    r->rows_inserted + w->rows_updated + w->rows_copied);
	delta_tx_set_metric(tx, "numTargetFilesAdded", w->files_added);
	delta_tx_set_metric(tx, "numTargetFilesRemoved", w->files_removed);
	delta_tx_set_metric(tx, "numTargetBytesAdded", w->bytes_added);
	delta_tx_set_metric(tx, "numTargetBytesRemoved", w->bytes_removed);
	delta_tx_set_metric(tx, "numTargetChangeFilesAdded", w->cdc_files);
	delta_tx_set_metric(tx, "numTargetDeletionVectorsAdded", w->dvs_added);
	delta_tx_set_metric(tx, "numTargetDeletionVectorsUpdated", w->dvs_updated);
	delta_tx_set_metric(tx, "numTargetDeletionVectorsRemoved", w->dvs_removed);
}

static void merge_done(struct merge *m)
{
	free(m->sb);
	free(m->sr);
	free(m->next);
	free(m->entry);
	free(m->mcl);
	free(m->ncl);
	free(m->skey);
	free(m->tkey);
	free(m->plan_of);
	for (size_t k = 0; m->by_source && k < m->o->nclauses; k++)
		delta_rows_pred_done(&m->by_source[k]);
	free(m->by_source);
	plan_done(&m->plan);
	tn_hmap_done(&m->keys);
	tn_arena_done(&m->arena);
	tn_buf_done(&m->kb);
}

int delta_tx_merge(struct delta_tx *tx, const struct delta_merge_opts *o,
		   struct delta_merge_result *res, struct tn_err *err)
{
	const struct tn_schema *ts = delta_tx_schema(tx); /* the view's */
	struct merge m;
	struct delta_pred *range = NULL;
	struct delta_tx_totals before, after;
	bool by_source = false, none;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&m, 0, sizeof(m));
	m.tx = tx;
	m.o = o;
	m.res = res;
	tn_hmap_init(&m.keys);
	tn_arena_init(&m.arena, 0);
	tn_buf_init(&m.kb, 0);
	for (size_t k = 0; k < o->nclauses; k++)
		by_source |= o->clauses[k].when == DELTA_WHEN_NOT_MATCHED_BY_SOURCE;
	rc = check_clauses(&m, err);
	if (rc == TN_OK)
		rc = find_keys(&m, ts, err);
	if (rc == TN_OK)
		rc = plan_merge(&m, ts, err);
	if (rc == TN_OK)
		rc = index_source(&m, err);
	res->source_rows = (int64_t)m.nrows;
	if (rc == TN_OK)
		rc = delta_tx_totals(tx, &before, err);
	/* Only the files that may hold a source key, unless rows that match
	 * no source row change too. */
	if (rc == TN_OK && !by_source)
		rc = key_range(&m, ts, &range, &none, err);
	else
		none = false;
	if (rc == TN_OK && !none)
		rc = delta_tx_rewrite(tx, range, merge_fn, &m, &res->rw, err);
	if (rc == TN_OK)
		rc = insert_unmatched(&m, ts, err);
	if (rc == TN_OK)
		rc = delta_tx_totals(tx, &after, err);
	if (rc == TN_OK) {
		res->rw.files_added = after.files - before.files;
		res->rw.bytes_added = after.bytes - before.bytes;
		res->rw.cdc_files = after.cdc_files - before.cdc_files;
		merge_commit_info(&m, ts);
	}
	delta_pred_free(range);
	merge_done(&m);
	return rc;
}
