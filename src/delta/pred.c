/* pred.c - scan filters: parsing, binding to a table's schema, deciding
 * from partition values and file statistics whether a file can hold
 * matching rows (file skipping), and filtering rows. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "delta/delta_int.h"
#include "delta/pred_int.h"
#include "parquet/parquet.h"

enum { P_AND, P_OR, P_NOT, P_EQ, P_NE, P_LT, P_LE, P_GT, P_GE, P_IN, P_NULL, P_NOTNULL };

struct delta_pred {
	int op;
	struct delta_pred *l, *r;
	char *column;
	char **values; /* literal texts; NULL entries are SQL NULL */
	size_t nvalues;
	bool *quoted;
};

void delta_pred_free(struct delta_pred *p)
{
	if (p == NULL)
		return;
	delta_pred_free(p->l);
	delta_pred_free(p->r);
	free(p->column);
	for (size_t i = 0; i < p->nvalues; i++)
		free(p->values[i]);
	free(p->values);
	free(p->quoted);
	free(p);
}

/* ---- text ---- */

static void pred_text(struct tn_buf *b, const struct delta_pred *p)
{
	static const char *const ops[] = {[P_EQ] = "=", [P_NE] = "!=", [P_LT] = "<",
					  [P_LE] = "<=", [P_GT] = ">", [P_GE] = ">="};

	switch (p->op) {
	case P_AND:
	case P_OR:
		tn_buf_putc(b, '(', NULL);
		pred_text(b, p->l);
		tn_buf_puts(b, p->op == P_AND ? " AND " : " OR ", NULL);
		pred_text(b, p->r);
		tn_buf_putc(b, ')', NULL);
		return;
	case P_NOT:
		tn_buf_puts(b, "NOT ", NULL);
		pred_text(b, p->l);
		return;
	default:
		break;
	}
	tn_buf_printf(b, NULL, "`%s`", p->column);
	if (p->op == P_NULL || p->op == P_NOTNULL) {
		tn_buf_puts(b, p->op == P_NULL ? " IS NULL" : " IS NOT NULL", NULL);
		return;
	}
	tn_buf_printf(b, NULL, " %s ", p->op == P_IN ? "IN" : ops[p->op]);
	if (p->op == P_IN)
		tn_buf_putc(b, '(', NULL);
	for (size_t i = 0; i < p->nvalues; i++) {
		if (i)
			tn_buf_puts(b, ", ", NULL);
		if (p->values[i] == NULL) {
			tn_buf_puts(b, "NULL", NULL);
		} else if (p->quoted[i]) {
			tn_buf_putc(b, '\'', NULL);
			for (const char *c = p->values[i]; *c; c++) {
				if (*c == '\'')
					tn_buf_putc(b, '\'', NULL);
				tn_buf_putc(b, *c, NULL);
			}
			tn_buf_putc(b, '\'', NULL);
		} else {
			tn_buf_puts(b, p->values[i], NULL);
		}
	}
	if (p->op == P_IN)
		tn_buf_putc(b, ')', NULL);
}

void delta_pred_columns(const struct delta_pred *p, void (*fn)(const char *col, void *arg),
			void *arg)
{
	if (p == NULL)
		return;
	if (p->column != NULL)
		fn(p->column, arg);
	delta_pred_columns(p->l, fn, arg);
	delta_pred_columns(p->r, fn, arg);
}

char *delta_pred_text(const struct delta_pred *p)
{
	struct tn_buf b = TN_BUF_INIT;

	pred_text(&b, p);
	return tn_buf_detach(&b, NULL);
}

/* ---- parsing ---- */

struct parser {
	const char *text, *p;
	struct tn_err *err;
	int rc;
};

static void skip_ws(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

static bool keyword(struct parser *ps, const char *kw)
{
	size_t n = strlen(kw);

	skip_ws(ps);
	if (strncasecmp(ps->p, kw, n) == 0 && !isalnum((unsigned char)ps->p[n]) && ps->p[n] != '_') {
		ps->p += n;
		return true;
	}
	return false;
}

static bool punct(struct parser *ps, const char *s)
{
	skip_ws(ps);
	if (strncmp(ps->p, s, strlen(s)) == 0) {
		ps->p += strlen(s);
		return true;
	}
	return false;
}

static void *fail(struct parser *ps, const char *what)
{
	if (ps->rc == TN_OK)
		ps->rc = tn_err_set(ps->err, TN_EINVAL, "filter: %s at position %d in \"%s\"", what,
				    (int)(ps->p - ps->text) + 1, ps->text);
	return NULL;
}

static char *identifier(struct parser *ps)
{
	const char *s;

	skip_ws(ps);
	if (*ps->p == '`') {
		s = ++ps->p;
		while (*ps->p && *ps->p != '`')
			ps->p++;
		if (*ps->p != '`')
			return fail(ps, "unterminated `name`");
		return tn_strndup(s, (size_t)(ps->p++ - s));
	}
	s = ps->p;
	while (isalnum((unsigned char)*ps->p) || *ps->p == '_')
		ps->p++;
	if (ps->p == s)
		return fail(ps, "expected a column name");
	return tn_strndup(s, (size_t)(ps->p - s));
}

/* A literal's text; *quoted tells strings from bare words. */
static char *literal(struct parser *ps, bool *quoted)
{
	const char *s;
	struct tn_buf b = TN_BUF_INIT;

	skip_ws(ps);
	*quoted = *ps->p == '\'';
	if (*quoted) {
		ps->p++;
		for (;;) {
			if (*ps->p == '\0') {
				tn_buf_done(&b);
				return fail(ps, "unterminated 'string'");
			}
			if (*ps->p == '\'' && ps->p[1] == '\'') {
				tn_buf_putc(&b, '\'', NULL);
				ps->p += 2;
				continue;
			}
			if (*ps->p == '\'')
				break;
			tn_buf_putc(&b, *ps->p++, NULL);
		}
		ps->p++;
		return tn_buf_detach(&b, NULL);
	}
	s = ps->p;
	while (isalnum((unsigned char)*ps->p) || *ps->p == '.' || *ps->p == '-' || *ps->p == '+' ||
	       *ps->p == '_')
		ps->p++;
	if (ps->p == s)
		return fail(ps, "expected a value");
	return tn_strndup(s, (size_t)(ps->p - s));
}

static struct delta_pred *node(int op)
{
	struct delta_pred *p = tn_calloc(1, sizeof(*p));

	p->op = op;
	return p;
}

static void add_value(struct delta_pred *p, char *v, bool quoted)
{
	p->values = tn_reallocarray(p->values, p->nvalues + 1, sizeof(char *));
	p->quoted = tn_reallocarray(p->quoted, p->nvalues + 1, sizeof(bool));
	p->values[p->nvalues] = v;
	p->quoted[p->nvalues++] = quoted;
}

static struct delta_pred *parse_or(struct parser *ps);

static struct delta_pred *parse_atom(struct parser *ps)
{
	static const struct {
		const char *s;
		int op;
	} ops[] = {{"<=", P_LE}, {">=", P_GE}, {"<>", P_NE}, {"!=", P_NE},
		   {"=", P_EQ},	 {"<", P_LT},  {">", P_GT}};
	struct delta_pred *p;
	char *col;
	bool q;

	if (punct(ps, "(")) {
		p = parse_or(ps);
		if (p != NULL && !punct(ps, ")")) {
			delta_pred_free(p);
			return fail(ps, "expected )");
		}
		return p;
	}
	if (keyword(ps, "NOT")) {
		struct delta_pred *inner = parse_atom(ps);

		if (inner == NULL)
			return NULL;
		p = node(P_NOT);
		p->l = inner;
		return p;
	}
	col = identifier(ps);
	if (col == NULL)
		return NULL;
	if (keyword(ps, "IS")) {
		p = node(keyword(ps, "NOT") ? P_NOTNULL : P_NULL);
		p->column = col;
		if (!keyword(ps, "NULL")) {
			delta_pred_free(p);
			return fail(ps, "expected NULL");
		}
		return p;
	}
	if (keyword(ps, "IN")) {
		p = node(P_IN);
		p->column = col;
		if (!punct(ps, "(")) {
			delta_pred_free(p);
			return fail(ps, "expected ( after IN");
		}
		do {
			char *v = literal(ps, &q);

			if (v == NULL) {
				delta_pred_free(p);
				return NULL;
			}
			add_value(p, v, q);
		} while (punct(ps, ","));
		if (!punct(ps, ")")) {
			delta_pred_free(p);
			return fail(ps, "expected ) after the IN list");
		}
		return p;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (punct(ps, ops[i].s)) {
			char *v = literal(ps, &q);

			if (v == NULL) {
				free(col);
				return NULL;
			}
			p = node(ops[i].op);
			p->column = col;
			add_value(p, v, q);
			return p;
		}
	}
	free(col);
	return fail(ps, "expected a comparison (=, <, >, <=, >=, !=, IN, IS NULL)");
}

static struct delta_pred *parse_and(struct parser *ps)
{
	struct delta_pred *l = parse_atom(ps);

	while (l != NULL && keyword(ps, "AND")) {
		struct delta_pred *r = parse_atom(ps), *p;

		if (r == NULL) {
			delta_pred_free(l);
			return NULL;
		}
		p = node(P_AND);
		p->l = l;
		p->r = r;
		l = p;
	}
	return l;
}

static struct delta_pred *parse_or(struct parser *ps)
{
	struct delta_pred *l = parse_and(ps);

	while (l != NULL && keyword(ps, "OR")) {
		struct delta_pred *r = parse_and(ps), *p;

		if (r == NULL) {
			delta_pred_free(l);
			return NULL;
		}
		p = node(P_OR);
		p->l = l;
		p->r = r;
		l = p;
	}
	return l;
}

int delta_pred_parse(const char *text, struct delta_pred **out, struct tn_err *err)
{
	struct parser ps = {text, text, err, TN_OK};
	struct delta_pred *p = parse_or(&ps);

	*out = NULL;
	if (p != NULL) {
		skip_ws(&ps);
		if (*ps.p != '\0') {
			delta_pred_free(p);
			fail(&ps, "unexpected text");
			p = NULL;
		}
	}
	if (p == NULL)
		return ps.rc != TN_OK ? ps.rc : tn_err_set(err, TN_EINVAL, "filter: cannot parse");
	*out = p;
	return TN_OK;
}

/* ---- binding ---- */

struct bval {
	bool null;
	_Alignas(16) uint8_t v[16]; /* the type's storage (struct tn_bytes for strings) */
};

struct bpred {
	int op;
	struct bpred *l, *r;
	int col;                 /* in the scan's output schema */
	const struct tn_field *f;
	struct bval *vals;
	size_t nvals;
};

static bool comparable(const struct tn_type *t)
{
	return !tn_type_is_nested(t);
}

static int bind(const struct delta_pred *p, const struct tn_schema *s, struct bpred **out,
		struct tn_err *err)
{
	struct bpred *b = tn_calloc(1, sizeof(*b));
	int rc = TN_OK;

	*out = b;
	b->op = p->op;
	if (p->op == P_AND || p->op == P_OR || p->op == P_NOT) {
		rc = bind(p->l, s, &b->l, err);
		if (rc == TN_OK && p->r)
			rc = bind(p->r, s, &b->r, err);
		return rc;
	}
	b->col = tn_schema_find(s, p->column);
	if (b->col < 0)
		return tn_err_set(err, TN_EINVAL, "filter: no column named '%s'",
				  p->column);
	b->f = &s->cols[b->col];
	if (!comparable(&b->f->type))
		return tn_err_set(err, TN_EINVAL, "filter: column '%s' has a nested type", p->column);
	b->vals = tn_calloc(p->nvalues + 1, sizeof(*b->vals));
	b->nvals = p->nvalues;
	for (size_t i = 0; i < p->nvalues; i++) {
		const char *v = p->values[i];
		const struct tn_type *t = &b->f->type;

		if (!p->quoted[i] && tn_str_ieq(v, "null")) {
			b->vals[i].null = true;
		} else if (t->kind == TN_STRING || t->kind == TN_BINARY) {
			struct tn_bytes bytes = {(const uint8_t *)tn_strdup(v), (uint32_t)strlen(v)};

			memcpy(b->vals[i].v, &bytes, sizeof(bytes));
		} else if (delta_value_parse(v, t, b->vals[i].v, NULL) != TN_OK) {
			char name[64];

			return tn_err_set(err, TN_EINVAL, "filter: '%s' is not a %s (column '%s')", v,
					  tn_type_name(t, name, sizeof(name)), p->column);
		}
	}
	return TN_OK;
}

int delta_bpred_bind(const struct delta_pred *p, const struct tn_schema *s, struct bpred **out,
		     struct tn_err *err)
{
	int rc = bind(p, s, out, err);

	if (rc != TN_OK) {
		delta_bpred_free(*out);
		*out = NULL;
	}
	return rc;
}

void delta_bpred_free(struct bpred *b)
{
	if (b == NULL)
		return;
	delta_bpred_free(b->l);
	delta_bpred_free(b->r);
	if (b->f && (b->f->type.kind == TN_STRING || b->f->type.kind == TN_BINARY))
		for (size_t i = 0; i < b->nvals; i++)
			if (!b->vals[i].null)
				free((void *)((struct tn_bytes *)b->vals[i].v)->ptr);
	free(b->vals);
	free(b);
}

/* ---- comparing ---- */

/* ---- rows ---- */

/* SQL three-valued logic: 0 false, 1 true, 2 unknown. */
enum { F = 0, T = 1, U = 2 };

static int test_value(const struct bpred *b, bool isnull, const void *v)
{
	int c;

	if (b->op == P_NULL)
		return isnull ? T : F;
	if (b->op == P_NOTNULL)
		return isnull ? F : T;
	if (isnull)
		return U;
	if (b->op == P_IN) {
		int r = F;

		for (size_t i = 0; i < b->nvals; i++) {
			if (b->vals[i].null)
				r = U;
			else if (tn_value_cmp(&b->f->type, v, b->vals[i].v) == 0)
				return T;
		}
		return r;
	}
	if (b->vals[0].null)
		return U;
	c = tn_value_cmp(&b->f->type, v, b->vals[0].v);
	switch (b->op) {
	case P_EQ: return c == 0;
	case P_NE: return c != 0;
	case P_LT: return c < 0;
	case P_LE: return c <= 0;
	case P_GT: return c > 0;
	default: return c >= 0;
	}
}

static int logic(int op, int l, int r)
{
	if (op == P_NOT)
		return l == U ? U : !l;
	if (op == P_AND)
		return l == F || r == F ? F : l == T && r == T ? T : U;
	return l == T || r == T ? T : l == F && r == F ? F : U;
}

static int eval_row(const struct bpred *b, const struct tn_batch *batch, size_t i)
{
	const struct tn_vec *v;

	if (b->op == P_AND || b->op == P_OR)
		return logic(b->op, eval_row(b->l, batch, i), eval_row(b->r, batch, i));
	if (b->op == P_NOT)
		return logic(P_NOT, eval_row(b->l, batch, i), U);
	v = &batch->cols[b->col];
	return test_value(b, tn_vec_is_null(v, i),
			  (const uint8_t *)v->values + i * tn_type_width(&b->f->type));
}

size_t delta_bpred_rows(const struct bpred *b, const struct tn_batch *batch, uint8_t *drop)
{
	size_t kept = 0;

	for (size_t i = 0; i < batch->nrows; i++) {
		drop[i] = eval_row(b, batch, i) != T;
		kept += !drop[i];
	}
	return kept;
}

/* ---- files ---- */

/* What a file's statistics say about a column. */
struct colstats {
	bool has_min, has_max, has_nulls;
	struct bval min, max;
	int64_t nulls;
};

struct file_ctx {
	const struct delta_file *f;
	const char *const *part;  /* partition column names */
	size_t npart;
	int mode_physical;        /* stats keyed by physical names */
	cJSON *stats;
	int64_t num_records;
	/* set when judging a row group of an open file instead */
	const struct pq_reader *pr;
	size_t rg;
};

static bool same_storage(const struct tn_type *a, const struct tn_type *b)
{
	return a->kind == b->kind && a->precision == b->precision && a->scale == b->scale &&
	       a->unit == b->unit;
}

/* A row group's chunk statistics for a top-level primitive column. */
static void rg_stats(struct file_ctx *fc, const struct tn_field *f, struct colstats *cs)
{
	const char *name = fc->mode_physical && f->physical ? f->physical : f->name;
	int leaf = pq_reader_leaf_of_column(fc->pr, name);
	const struct pq_column_chunk *cc;
	const struct pq_statistics *st;

	if (leaf < 0 || !same_storage(pq_reader_leaf_type(fc->pr, (size_t)leaf), &f->type))
		return;
	cc = &pq_reader_meta(fc->pr)->row_groups[fc->rg].columns[leaf];
	if (!cc->has_meta_data || !cc->meta_data.has_statistics)
		return;
	st = &cc->meta_data.statistics;
	/* Only the exact, column-order min_value/max_value are trusted. */
	cs->has_min = st->has_min_value && !(st->has_is_min_value_exact && !st->is_min_value_exact) &&
		      pq_reader_stat_value(fc->pr, (size_t)leaf, &st->min_value, cs->min.v, NULL) == TN_OK;
	cs->has_max = st->has_max_value && !(st->has_is_max_value_exact && !st->is_max_value_exact) &&
		      pq_reader_stat_value(fc->pr, (size_t)leaf, &st->max_value, cs->max.v, NULL) == TN_OK;
	if ((f->type.kind == TN_FLOAT || f->type.kind == TN_DOUBLE) &&
	    !(st->has_nan_count && st->nan_count == 0))
		cs->has_min = cs->has_max = false; /* NaN may hide behind the bounds */
	cs->has_nulls = st->has_null_count;
	cs->nulls = st->null_count;
}

static bool stat_value(const cJSON *j, const struct tn_type *t, struct bval *out)
{
	char buf[64];
	const char *text;

	if (j == NULL || cJSON_IsNull(j))
		return false;
	if (cJSON_IsString(j)) {
		text = j->valuestring;
	} else if (cJSON_IsNumber(j)) {
		/* cJSON keeps numbers as doubles: an integer past 2^53 is
		 * rounded, and a rounded bound is no bound. */
		if (t->kind != TN_DOUBLE && t->kind != TN_FLOAT &&
		    !(fabs(j->valuedouble) < 9007199254740992.0))
			return false;
		if (t->kind == TN_DOUBLE || t->kind == TN_FLOAT)
			snprintf(buf, sizeof(buf), "%.17g", j->valuedouble);
		else if (t->kind == TN_DECIMAL)
			return false; /* a decimal as a double is not exact */
		else
			snprintf(buf, sizeof(buf), "%.0f", j->valuedouble);
		text = buf;
	} else if (cJSON_IsBool(j)) {
		text = cJSON_IsTrue(j) ? "true" : "false";
	} else {
		return false;
	}
	if (t->kind == TN_STRING || t->kind == TN_BINARY) {
		struct tn_bytes b = {(const uint8_t *)text, (uint32_t)strlen(text)};

		memcpy(out->v, &b, sizeof(b)); /* points into the cJSON tree */
		return true;
	}
	return delta_value_parse(text, t, out->v, NULL) == TN_OK;
}

static void column_stats(struct file_ctx *fc, const struct tn_field *f, struct colstats *cs)
{
	const char *name = fc->mode_physical && f->physical ? f->physical : f->name;
	const cJSON *mn, *mx, *nc;

	memset(cs, 0, sizeof(*cs));
	if (fc->pr != NULL) {
		rg_stats(fc, f, cs);
		return;
	}
	if (fc->stats == NULL)
		return;
	mn = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(fc->stats, "minValues"), name);
	mx = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(fc->stats, "maxValues"), name);
	nc = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(fc->stats, "nullCount"), name);
	cs->has_min = stat_value(mn, &f->type, &cs->min);
	cs->has_max = stat_value(mx, &f->type, &cs->max);
	/* Writers cut long strings in the statistics: a cut maximum is no
	 * upper bound. */
	if (cs->has_max && f->type.kind == TN_STRING && cJSON_IsString(mx) &&
	    strlen(mx->valuestring) >= 32)
		cs->has_max = false;
	/* Writers cut timestamps in the statistics to milliseconds: the
	 * maximum may be up to 999 microseconds below the true one. */
	if (cs->has_max && f->type.kind == TN_TIMESTAMP) {
		int64_t m = *(int64_t *)cs->max.v, slack = f->type.unit == TN_UNIT_NANOS ? 999999 : 999;

		if (f->type.unit != TN_UNIT_MILLIS && m <= INT64_MAX - slack)
			*(int64_t *)cs->max.v = m + slack;
	}
	if (cJSON_IsNumber(nc) && nc->valuedouble >= 0 && nc->valuedouble < 9.2e18) {
		cs->has_nulls = true;
		cs->nulls = (int64_t)nc->valuedouble;
	}
}

/* For a whole file: F no row passes, T every row passes, U every row is
 * unknown (a null partition value), M it depends on the row. F and U both
 * mean no row is kept. */
enum { M = 3 };

static int logic4(int op, int l, int r)
{
	if (op == P_NOT)
		return l == F ? T : l == T ? F : l;
	if (op == P_AND) {
		if (l == F || r == F)
			return F;
		if (l == M || r == M) /* with U: false or unknown, both keep nothing */
			return (l == U || r == U) ? F : M;
		return l == T && r == T ? T : U;
	}
	if (l == T || r == T)
		return T;
	if (l == M || r == M)
		return M;
	return l == F && r == F ? F : U;
}

/* May the file hold rows for which b is true? */
static int eval_file(const struct bpred *b, struct file_ctx *fc)
{
	struct colstats cs;
	bool part = false;

	if (b->op == P_AND || b->op == P_OR)
		return logic4(b->op, eval_file(b->l, fc), eval_file(b->r, fc));
	if (b->op == P_NOT)
		return logic4(P_NOT, eval_file(b->l, fc), M);
	for (size_t i = 0; i < fc->npart; i++)
		part |= strcmp(fc->part[i], b->f->name) == 0;
	if (part) {
		/* The exact value, from the log. */
		const struct delta_file *f = fc->f;
		const char *name = fc->mode_physical && b->f->physical ? b->f->physical : b->f->name;
		const char *text = NULL;
		struct bval v;

		for (size_t i = 0; i < f->n_partition_values; i++)
			if (strcmp(f->partition_values[i].key, name) == 0 ||
			    strcmp(f->partition_values[i].key, b->f->name) == 0)
				text = f->partition_values[i].value;
		if (text == NULL || *text == '\0')
			return test_value(b, true, NULL);
		if (b->f->type.kind == TN_STRING || b->f->type.kind == TN_BINARY) {
			struct tn_bytes bytes = {(const uint8_t *)text, (uint32_t)strlen(text)};

			memcpy(v.v, &bytes, sizeof(bytes));
		} else if (delta_value_parse(text, &b->f->type, v.v, NULL) != TN_OK) {
			return M;
		}
		return test_value(b, false, v.v);
	}
	column_stats(fc, b->f, &cs);
	switch (b->op) {
	case P_NULL:
		if (cs.has_nulls && cs.nulls == 0)
			return F;
		return M;
	case P_NOTNULL:
		if (cs.has_nulls && fc->num_records >= 0 && cs.nulls == fc->num_records)
			return F;
		return M;
	default:
		break;
	}
	if (cs.has_nulls && fc->num_records >= 0 && cs.nulls == fc->num_records)
		return F; /* every value is null: no comparison is true */
	for (size_t i = 0; i < (b->op == P_IN ? b->nvals : 1); i++) {
		const struct bval *v = &b->vals[i];
		bool maybe = true;

		if (v->null)
			continue;
		switch (b->op) {
		case P_EQ:
		case P_IN:
			maybe = !(cs.has_min && tn_value_cmp(&b->f->type, cs.min.v, v->v) > 0) &&
				!(cs.has_max && tn_value_cmp(&b->f->type, cs.max.v, v->v) < 0);
			break;
		case P_NE:
			maybe = !(cs.has_min && cs.has_max && cs.has_nulls && cs.nulls == 0 &&
				  tn_value_cmp(&b->f->type, cs.min.v, v->v) == 0 &&
				  tn_value_cmp(&b->f->type, cs.max.v, v->v) == 0);
			break;
		case P_LT:
			maybe = !(cs.has_min && tn_value_cmp(&b->f->type, cs.min.v, v->v) >= 0);
			break;
		case P_LE:
			maybe = !(cs.has_min && tn_value_cmp(&b->f->type, cs.min.v, v->v) > 0);
			break;
		case P_GT:
			maybe = !(cs.has_max && tn_value_cmp(&b->f->type, cs.max.v, v->v) <= 0);
			break;
		case P_GE:
			maybe = !(cs.has_max && tn_value_cmp(&b->f->type, cs.max.v, v->v) < 0);
			break;
		}
		if (maybe)
			return M;
	}
	return F;
}

bool delta_bpred_skip_file(const struct bpred *b, const struct delta_file *f,
			   char *const *partition_columns, size_t npart, bool physical)
{
	struct file_ctx fc = {f, (const char *const *)partition_columns, npart, physical, NULL,
			      f->num_records, NULL, 0};
	int r;

	fc.stats = f->stats ? cJSON_Parse(f->stats) : NULL;
	if (fc.stats != NULL && fc.num_records < 0) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(fc.stats, "numRecords");

		if (cJSON_IsNumber(n) && n->valuedouble >= 0 && n->valuedouble < 9.2e18)
			fc.num_records = (int64_t)n->valuedouble;
	}
	r = eval_file(b, &fc);
	cJSON_Delete(fc.stats);
	return r == F || r == U;
}

size_t delta_bpred_row_groups(const struct bpred *b, const struct delta_file *f,
			      char *const *partition_columns, size_t npart, bool physical,
			      const struct pq_reader *pr, bool *keep)
{
	const struct pq_file_meta *m = pq_reader_meta(pr);
	size_t skipped = 0;

	for (size_t g = 0; g < m->n_row_groups; g++) {
		struct file_ctx fc = {f, (const char *const *)partition_columns, npart, physical, NULL,
				      m->row_groups[g].num_rows, pr, g};
		int r = eval_file(b, &fc);

		keep[g] = !(r == F || r == U);
		skipped += !keep[g];
	}
	return skipped;
}
