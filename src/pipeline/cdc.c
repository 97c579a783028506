/* cdc.c - APPLY CHANGES INTO: a batch of changes applied to a target as
 * SCD type 1 or 2 by one MERGE INTO (semantics in cdc.h). The batch is
 * ranked and placed in each key's timeline by window functions in the
 * MERGE's source, so the engine makes one commit of the target. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "base/vec.h"
#include "pipeline/cdc.h"
#include "sql/sql.h"

/* What the source, the clauses and the target say, resolved to names. */
struct plan {
	const struct pl_apply *a;
	const char *target;
	const char *batch;
	struct tn_schema src;  /* the source's columns, then __cdc_seq when sequenced */
	size_t nsrc;           /* source columns in src */
	const char **cols;     /* the target's data columns (names borrowed from src) */
	size_t ncols;
	const char **keys;     /* KEYS, as the source spells them */
	size_t nkeys;
	const char *seq_col;   /* SEQUENCE BY when it is a column the target keeps */
	char *seq_sql;         /* SEQUENCE BY over the source, NULL: arrival order */
	char seq_type[128];
	char *del_sql;         /* APPLY AS DELETE WHEN over the source, or NULL */
};

static void plan_done(struct plan *p)
{
	tn_schema_done(&p->src);
	free(p->cols);
	free(p->keys);
	free(p->seq_sql);
	free(p->del_sql);
}

/* A name as written, without its backquotes. Caller frees. */
static char *unquote(const char *s)
{
	size_t n = strlen(s);
	char *out, *o;

	if (n < 2 || s[0] != '`' || s[n - 1] != '`')
		return tn_strdup(s);
	out = o = tn_malloc(n);
	for (size_t i = 1; i + 1 < n; i++) {
		*o++ = s[i];
		if (s[i] == '`' && s[i + 1] == '`')
			i++;
	}
	*o = '\0';
	return out;
}

static void put_name(struct tn_buf *b, const char *alias, const char *name)
{
	if (alias != NULL)
		tn_buf_printf(b, NULL, "%s.", alias);
	tn_buf_putc(b, '`', NULL);
	for (const char *s = name; *s; s++) {
		if (*s == '`')
			tn_buf_putc(b, '`', NULL);
		tn_buf_putc(b, *s, NULL);
	}
	tn_buf_putc(b, '`', NULL);
}

/* alias.`a`, alias.`b` */
static void put_list(struct tn_buf *b, const char *alias, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			tn_buf_puts(b, ", ", NULL);
		put_name(b, alias, names[i]);
	}
}

/* x.`k1` = y.`k1` AND x.`k2` = y.`k2` */
static void put_keys_eq(struct tn_buf *b, const struct plan *p, const char *x, const char *y)
{
	for (size_t i = 0; i < p->nkeys; i++) {
		if (i > 0)
			tn_buf_puts(b, " AND ", NULL);
		put_name(b, x, p->keys[i]);
		tn_buf_puts(b, " = ", NULL);
		put_name(b, y, p->keys[i]);
	}
}

/* "PARTITION BY `k1`, `k2` ORDER BY __cdc_seq" */
static void put_window(struct tn_buf *b, const struct plan *p)
{
	tn_buf_puts(b, "OVER (PARTITION BY ", NULL);
	put_list(b, NULL, p->keys, p->nkeys);
	tn_buf_puts(b, " ORDER BY __cdc_seq)", NULL);
}

static const char *src_list(const struct plan *p, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->nsrc && len + 4 < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "",
					p->src.cols[i].name);
	return buf;
}

/* The source column name stands for (ASCII case ignored), or NULL. */
static const char *src_find(const struct plan *p, const char *name)
{
	char *u = unquote(name);
	const char *found = NULL;

	for (size_t i = 0; i < p->nsrc && found == NULL; i++)
		if (tn_str_ieq(p->src.cols[i].name, u))
			found = p->src.cols[i].name;
	free(u);
	return found;
}

static bool in_list(char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		char *u = unquote(names[i]);
		bool eq = tn_str_ieq(u, name);

		free(u);
		if (eq)
			return true;
	}
	return false;
}

static bool is_col(const struct plan *p, const char *name)
{
	for (size_t i = 0; i < p->ncols; i++)
		if (p->cols[i] == name)
			return true;
	return false;
}

static bool is_key(const struct plan *p, const char *name)
{
	for (size_t k = 0; k < p->nkeys; k++)
		if (p->keys[k] == name)
			return true;
	return false;
}

/* Whether a change of the column makes a new SCD2 version. */
static bool is_tracked(const struct plan *p, const char *name)
{
	return !is_key(p, name) && name != p->seq_col;
}

static int64_t vec_int(const struct tn_vec *v, size_t i)
{
	if (tn_vec_is_null(v, i))
		return 0;
	switch (v->type->kind) {
	case TN_INT8: return ((const int8_t *)v->values)[i];
	case TN_INT16: return ((const int16_t *)v->values)[i];
	case TN_INT32: return ((const int32_t *)v->values)[i];
	case TN_INT64: return ((const int64_t *)v->values)[i];
	case TN_UINT8: return ((const uint8_t *)v->values)[i];
	case TN_UINT16: return ((const uint16_t *)v->values)[i];
	case TN_UINT32: return ((const uint32_t *)v->values)[i];
	case TN_UINT64: return (int64_t)((const uint64_t *)v->values)[i];
	case TN_DOUBLE: return (int64_t)((const double *)v->values)[i];
	default: return 0;
	}
}

/* Run one statement that returns a row; out[i] = its column names[i]
 * (0 when it has no such column or no row). */
static int query_ints(struct tarn_engine *e, const char *sql, const char *const *names,
		      int64_t *out, size_t n, struct tn_err *err)
{
	struct tarn_result *r = NULL;
	struct tn_batch b;
	size_t used;
	int rc;

	memset(&b, 0, sizeof(b));
	for (size_t i = 0; i < n; i++)
		out[i] = 0;
	rc = tarn_exec(e, sql, strlen(sql), &used, &r, err);
	if (rc != TN_OK)
		goto done;
	if (r == NULL)
		goto done;
	rc = tarn_result_next(r, &b, err);
	if (rc != TN_OK || b.nrows == 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		int k = tn_schema_find(b.schema, names[i]);

		if (k >= 0)
			out[i] = vec_int(&b.cols[k], 0);
	}
done:
	tn_batch_done(&b);
	tarn_result_free(r);
	return rc;
}

/* The columns of a relation (the first rows are read to type expressions). */
static int relation_schema(struct tarn_engine *e, const char *sql, struct tn_schema *out,
			   struct tn_err *err)
{
	struct tarn_result *r = NULL;
	size_t used;
	int rc = tarn_exec(e, sql, strlen(sql), &used, &r, err);

	if (rc == TN_OK && r == NULL)
		rc = tn_err_set(err, TN_EINVAL, "the query returns no columns");
	if (rc == TN_OK)
		tn_schema_copy(out, tarn_result_schema(r));
	tarn_result_free(r);
	return rc;
}

/* Read the source's columns and resolve every clause against them. */
static int plan_build(struct tarn_engine *e, const struct pl_apply *a, const char *target,
		      const char *batch, struct plan *p, struct tn_err *err)
{
	struct tn_buf q = TN_BUF_INIT;
	const char *kind = "column", *name = NULL, *why = NULL;
	char cols[400];
	int rc;

	memset(p, 0, sizeof(*p));
	p->a = a;
	p->target = target;
	p->batch = batch;
	if (a->nkeys == 0)
		return tn_err_set(err, TN_EINVAL, "APPLY CHANGES INTO %s: no KEYS", target);
	if (a->scd_type != 1 && a->scd_type != 2)
		return tn_err_set(err, TN_EINVAL, "APPLY CHANGES INTO %s: SCD TYPE %d (1 or 2)",
				  target, a->scd_type);
	if (a->scd_type == 2 && a->sequence_by == NULL)
		return tn_err_set(err, TN_EINVAL,
				  "APPLY CHANGES INTO %s: STORED AS SCD TYPE 2 needs SEQUENCE BY",
				  target);
	if (a->columns != NULL && a->nexcept > 0)
		return tn_err_set(err, TN_EINVAL,
				  "APPLY CHANGES INTO %s: COLUMNS (...) and COLUMNS * EXCEPT (...) "
				  "together", target);
	tn_buf_puts(&q, "SELECT *", NULL);
	if (a->sequence_by != NULL)
		tn_buf_printf(&q, NULL, ", (%s) AS __cdc_seq", a->sequence_by);
	tn_buf_printf(&q, NULL, " FROM %s AS __cdc_src", batch);
	rc = relation_schema(e, q.data, &p->src, err);
	tn_buf_done(&q);
	if (rc != TN_OK) {
		tn_err_prefix(err, "APPLY CHANGES INTO %s: reading the source", target);
		return rc;
	}
	p->nsrc = p->src.ncols - (a->sequence_by != NULL);
	src_list(p, cols, sizeof(cols));
	p->cols = tn_calloc(p->nsrc + 1, sizeof(char *));
	p->keys = tn_calloc(a->nkeys, sizeof(char *));
	for (size_t i = 0; i < p->nsrc; i++) {
		const char *c = p->src.cols[i].name;

		if (strncmp(c, "__cdc_", 6) == 0 ||
		    (a->scd_type == 2 && (tn_str_ieq(c, "__START_AT") || tn_str_ieq(c, "__END_AT")))) {
			kind = "source column";
			why = "has a name the target reserves";
			name = c;
			goto bad;
		}
		if (a->columns != NULL ? in_list(a->columns, a->ncolumns, c)
				       : !in_list(a->except_cols, a->nexcept, c))
			p->cols[p->ncols++] = c;
	}
	for (size_t i = 0; i < a->ncolumns; i++)
		if (src_find(p, a->columns[i]) == NULL) {
			why = "of COLUMNS is not in the source";
			name = a->columns[i];
			goto bad;
		}
	for (size_t i = 0; i < a->nexcept; i++)
		if (src_find(p, a->except_cols[i]) == NULL) {
			why = "of COLUMNS * EXCEPT is not in the source";
			name = a->except_cols[i];
			goto bad;
		}
	for (size_t i = 0; i < a->nkeys; i++) {
		p->keys[i] = src_find(p, a->keys[i]);
		kind = "key column";
		name = a->keys[i];
		if (p->keys[i] == NULL) {
			why = "is not in the source";
			goto bad;
		}
		if (!is_col(p, p->keys[i])) {
			why = "is excluded from the target";
			goto bad;
		}
	}
	p->nkeys = a->nkeys;
	if (a->sequence_by != NULL) {
		const char *c = src_find(p, a->sequence_by);
		struct tn_buf s = TN_BUF_INIT;
		const struct tn_type *t = &p->src.cols[p->nsrc].type;

		if (c != NULL) {
			put_name(&s, NULL, c);
			if (is_col(p, c))
				p->seq_col = c;
		} else {
			tn_buf_printf(&s, NULL, "(%s)", a->sequence_by);
		}
		p->seq_sql = tn_buf_detach(&s, NULL);
		tn_type_name(t, p->seq_type, sizeof(p->seq_type));
	}
	if (a->delete_when != NULL)
		p->del_sql = tn_asprintf("(%s)", a->delete_when);
	return TN_OK;
bad:
	tn_err_set(err, TN_EINVAL, "APPLY CHANGES INTO %s: %s '%s' %s (the source's columns: %s)",
		   target, kind, name, why, cols);
	plan_done(p);
	return TN_EINVAL;
}

static void put_columns(struct tn_buf *b, const struct plan *p)
{
	for (size_t i = 0; i < p->ncols; i++) {
		char ty[256];
		int k = tn_schema_find(&p->src, p->cols[i]);

		tn_type_name(&p->src.cols[k].type, ty, sizeof(ty));
		if (i > 0)
			tn_buf_puts(b, ", ", NULL);
		put_name(b, NULL, p->cols[i]);
		tn_buf_printf(b, NULL, " %s", ty);
	}
	if (p->a->scd_type == 2)
		tn_buf_printf(b, NULL, ", `__START_AT` %s, `__END_AT` %s", p->seq_type, p->seq_type);
}

int cdc_target_columns(struct tarn_engine *e, const struct pl_apply *a, const char *target,
		       const char *batch_sql, char **out, struct tn_err *err)
{
	struct tn_buf b = TN_BUF_INIT;
	struct plan p;
	int rc = plan_build(e, a, target, batch_sql, &p, err);

	if (rc != TN_OK)
		return rc;
	put_columns(&b, &p);
	*out = tn_buf_detach(&b, NULL);
	plan_done(&p);
	return TN_OK;
}

int cdc_target_create(struct tarn_engine *e, const struct pl_apply *a, const char *target,
		      const char *batch_sql, const char *extra, bool *created,
		      struct tn_err *err)
{
	struct tarn_table_version info;
	struct tn_buf b = TN_BUF_INIT;
	struct plan p;
	int rc;

	*created = false;
	rc = tarn_table_version_info(e, target, -1, &info, err);
	if (rc != TN_ENOENT) {
		if (rc != TN_OK)
			tn_err_prefix(err, "APPLY CHANGES INTO %s", target);
		return rc;
	}
	rc = plan_build(e, a, target, batch_sql, &p, err);
	if (rc != TN_OK)
		return rc;
	tn_buf_printf(&b, NULL, "CREATE TABLE IF NOT EXISTS %s (", target);
	put_columns(&b, &p);
	tn_buf_printf(&b, NULL, ")%s%s", extra ? " " : "", extra ? extra : "");
	rc = tarn_exec_script(e, b.data, b.len, NULL, err);
	if (rc != TN_OK)
		tn_err_prefix(err, "APPLY CHANGES INTO %s: creating the target", target);
	else
		*created = true;
	tn_buf_done(&b);
	plan_done(&p);
	return rc;
}

/* The batch's changes: the target's columns, __cdc_seq, __cdc_del (1: a
 * delete) and __cdc_ord (arrival order, for ties). */
static void put_changes(struct tn_buf *b, const struct plan *p)
{
	tn_buf_puts(b, "SELECT ", NULL);
	put_list(b, NULL, p->cols, p->ncols);
	tn_buf_printf(b, NULL, ", %s AS __cdc_seq, ", p->seq_sql ? p->seq_sql : "NULL");
	if (p->del_sql != NULL)
		tn_buf_printf(b, NULL, "CASE WHEN %s THEN 1 ELSE 0 END", p->del_sql);
	else
		tn_buf_puts(b, "0", NULL);
	tn_buf_printf(b, NULL, " AS __cdc_del, row_number() OVER () AS __cdc_ord FROM %s AS __cdc_src",
		      p->batch);
}

/* UPDATE SET of the target's non-key columns from __cdc_s (a key alone when
 * there are none), without a trailing comma. */
static void put_set(struct tn_buf *b, const struct plan *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->ncols; i++) {
		if (is_key(p, p->cols[i]) && !(i + 1 == p->ncols && n == 0))
			continue;
		tn_buf_puts(b, n++ ? ", " : " ", NULL);
		put_name(b, NULL, p->cols[i]);
		tn_buf_puts(b, " = ", NULL);
		put_name(b, "__cdc_s", p->cols[i]);
	}
}

static void put_insert(struct tn_buf *b, const struct plan *p, bool scd2)
{
	tn_buf_puts(b, " THEN INSERT (", NULL);
	put_list(b, NULL, p->cols, p->ncols);
	tn_buf_puts(b, scd2 ? ", `__START_AT`, `__END_AT`) VALUES (" : ") VALUES (", NULL);
	put_list(b, "__cdc_s", p->cols, p->ncols);
	tn_buf_puts(b, scd2 ? ", __cdc_s.`__START_AT`, __cdc_s.`__END_AT`)" : ")", NULL);
}

/* SCD1: each key's latest change of the batch; a change older than the
 * target row's sequence (when the target keeps it) is ignored. */
static char *scd1_sql(const struct plan *p)
{
	struct tn_buf b = TN_BUF_INIT;
	char *guard = NULL;

	if (p->seq_col != NULL) {
		struct tn_buf g = TN_BUF_INIT;

		tn_buf_puts(&g, " AND (", NULL);
		put_name(&g, "__cdc_t", p->seq_col);
		tn_buf_puts(&g, " IS NULL OR __cdc_s.__cdc_seq >= ", NULL);
		put_name(&g, "__cdc_t", p->seq_col);
		tn_buf_puts(&g, ")", NULL);
		guard = tn_buf_detach(&g, NULL);
	}
	tn_buf_printf(&b, NULL, "MERGE INTO %s AS __cdc_t USING (SELECT * FROM (SELECT *, "
		      "row_number() OVER (PARTITION BY ", p->target);
	put_list(&b, NULL, p->keys, p->nkeys);
	tn_buf_puts(&b, " ORDER BY __cdc_seq DESC, __cdc_ord DESC) AS __cdc_rn FROM (", NULL);
	put_changes(&b, p);
	tn_buf_puts(&b, ") AS __cdc_c) AS __cdc_l WHERE __cdc_rn = 1) AS __cdc_s ON ", NULL);
	put_keys_eq(&b, p, "__cdc_t", "__cdc_s");
	tn_buf_printf(&b, NULL, " WHEN MATCHED AND __cdc_s.__cdc_del = 1%s THEN DELETE",
		      guard ? guard : "");
	tn_buf_printf(&b, NULL, " WHEN MATCHED%s THEN UPDATE SET", guard ? guard : "");
	put_set(&b, p);
	tn_buf_puts(&b, " WHEN NOT MATCHED AND __cdc_s.__cdc_del = 0", NULL);
	put_insert(&b, p, false);
	free(guard);
	return tn_buf_detach(&b, NULL);
}

/* The columns of the target as NULL but the keys, from alias. */
static void put_keys_only(struct tn_buf *b, const struct plan *p, const char *alias)
{
	for (size_t i = 0; i < p->ncols; i++) {
		if (i > 0)
			tn_buf_puts(b, ", ", NULL);
		if (is_key(p, p->cols[i])) {
			put_name(b, alias, p->cols[i]);
		} else {
			tn_buf_puts(b, "NULL AS ", NULL);
			put_name(b, NULL, p->cols[i]);
		}
	}
}

/* SCD2: the timeline of every key the batch touches, rebuilt from its
 * rows in the target (__cdc_old) and the batch's changes (__cdc_new, one
 * per key and sequence: the later row); no-op upserts of the batch
 * dropped (__cdc_live); each version ends where the next change starts
 * (__cdc_ver). The MERGE source holds the new versions, the old versions
 * whose __END_AT moved, and the batch's deletes (__cdc_drop = 1: they
 * remove an old version at their sequence, if any); it matches the target
 * on the keys and __START_AT. */
static char *scd2_sql(const struct plan *p)
{
	struct tn_buf b = TN_BUF_INIT;
	size_t ntr = 0;

	tn_buf_printf(&b, NULL, "MERGE INTO %s AS __cdc_t USING (WITH __cdc_new AS (SELECT * FROM "
		      "(SELECT *, row_number() OVER (PARTITION BY ", p->target);
	put_list(&b, NULL, p->keys, p->nkeys);
	tn_buf_puts(&b, ", __cdc_seq ORDER BY __cdc_ord DESC) AS __cdc_rn FROM (", NULL);
	put_changes(&b, p);
	tn_buf_puts(&b, ") AS __cdc_c) AS __cdc_l WHERE __cdc_rn = 1), ", NULL);

	tn_buf_puts(&b, "__cdc_old AS (SELECT ", NULL);
	put_list(&b, NULL, p->cols, p->ncols);
	tn_buf_printf(&b, NULL, ", `__START_AT`, `__END_AT` FROM %s AS __cdc_h WHERE EXISTS "
		      "(SELECT 1 FROM __cdc_new AS __cdc_n WHERE ", p->target);
	put_keys_eq(&b, p, "__cdc_n", "__cdc_h");
	tn_buf_puts(&b, ")), ", NULL);

	/* existing versions, existing deletes, the batch's changes */
	tn_buf_puts(&b, "__cdc_ev AS (SELECT ", NULL);
	put_list(&b, NULL, p->cols, p->ncols);
	tn_buf_puts(&b, ", `__START_AT` AS __cdc_seq, 0 AS __cdc_del, 0 AS __cdc_isnew, "
		    "`__END_AT` AS __cdc_end0 FROM __cdc_old AS __cdc_o WHERE NOT EXISTS "
		    "(SELECT 1 FROM __cdc_new AS __cdc_n WHERE ", NULL);
	put_keys_eq(&b, p, "__cdc_n", "__cdc_o");
	tn_buf_puts(&b, " AND __cdc_n.__cdc_seq = __cdc_o.`__START_AT`) UNION ALL SELECT ", NULL);
	put_keys_only(&b, p, "__cdc_o");
	tn_buf_puts(&b, ", __cdc_o.`__END_AT`, 1, 0, NULL FROM __cdc_old AS __cdc_o "
		    "WHERE __cdc_o.`__END_AT` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM __cdc_old "
		    "AS __cdc_p WHERE ", NULL);
	put_keys_eq(&b, p, "__cdc_p", "__cdc_o");
	tn_buf_puts(&b, " AND __cdc_p.`__START_AT` = __cdc_o.`__END_AT`) AND NOT EXISTS "
		    "(SELECT 1 FROM __cdc_new AS __cdc_n WHERE ", NULL);
	put_keys_eq(&b, p, "__cdc_n", "__cdc_o");
	tn_buf_puts(&b, " AND __cdc_n.__cdc_seq = __cdc_o.`__END_AT`) UNION ALL SELECT ", NULL);
	put_list(&b, NULL, p->cols, p->ncols);
	tn_buf_puts(&b, ", __cdc_seq, __cdc_del, 1, NULL FROM __cdc_new), ", NULL);

	/* an upsert of the batch equal to the version before it is no change */
	tn_buf_puts(&b, "__cdc_live AS (SELECT * FROM (SELECT *, lag(__cdc_del) ", NULL);
	put_window(&b, p);
	tn_buf_puts(&b, " AS __cdc_pdel", NULL);
	for (size_t i = 0; i < p->ncols; i++) {
		if (!is_tracked(p, p->cols[i]))
			continue;
		tn_buf_puts(&b, ", lag(", NULL);
		put_name(&b, NULL, p->cols[i]);
		tn_buf_puts(&b, ") ", NULL);
		put_window(&b, p);
		tn_buf_printf(&b, NULL, " AS __cdc_p%zu", ntr++);
	}
	tn_buf_puts(&b, " FROM __cdc_ev) AS __cdc_x WHERE NOT (__cdc_isnew = 1 AND __cdc_del = 0 "
		    "AND coalesce(__cdc_pdel, 1) = 0", NULL);
	ntr = 0;
	for (size_t i = 0; i < p->ncols; i++) {
		if (!is_tracked(p, p->cols[i]))
			continue;
		tn_buf_puts(&b, " AND ", NULL);
		put_name(&b, NULL, p->cols[i]);
		/* <=>: the engine's rewrite reads "DISTINCT FROM x" as a table */
		tn_buf_printf(&b, NULL, " <=> __cdc_p%zu", ntr++);
	}
	tn_buf_puts(&b, ")), __cdc_ver AS (SELECT *, lead(__cdc_seq) ", NULL);
	put_window(&b, p);
	tn_buf_puts(&b, " AS __cdc_end FROM __cdc_live) SELECT ", NULL);
	put_list(&b, NULL, p->cols, p->ncols);
	tn_buf_puts(&b, ", __cdc_seq AS `__START_AT`, __cdc_end AS `__END_AT`, 0 AS __cdc_drop "
		    "FROM __cdc_ver WHERE __cdc_del = 0 AND (__cdc_isnew = 1 OR "
		    "NOT (__cdc_end <=> __cdc_end0)) UNION ALL SELECT ", NULL);
	put_list(&b, NULL, p->cols, p->ncols);
	tn_buf_puts(&b, ", __cdc_seq, NULL, 1 FROM __cdc_new WHERE __cdc_del = 1) AS __cdc_s ON ",
		    NULL);
	put_keys_eq(&b, p, "__cdc_t", "__cdc_s");
	tn_buf_puts(&b, " AND __cdc_t.`__START_AT` = __cdc_s.`__START_AT` WHEN MATCHED AND "
		    "__cdc_s.__cdc_drop = 1 THEN DELETE WHEN MATCHED THEN UPDATE SET", NULL);
	put_set(&b, p);
	tn_buf_puts(&b, ", `__END_AT` = __cdc_s.`__END_AT` WHEN NOT MATCHED AND "
		    "__cdc_s.__cdc_drop = 0", NULL);
	put_insert(&b, p, true);
	return tn_buf_detach(&b, NULL);
}

/* Count the batch's rows; refuse NULL keys and NULL sequence values. */
static int check_batch(struct tarn_engine *e, const struct plan *p, int64_t *rows,
		       struct tn_err *err)
{
	static const char *const names[] = {"__cdc_n", "__cdc_nk", "__cdc_ns"};
	struct tn_buf q = TN_BUF_INIT;
	int64_t v[3];
	int rc;

	tn_buf_puts(&q, "SELECT count(*) AS __cdc_n, coalesce(sum(CASE WHEN ", NULL);
	for (size_t i = 0; i < p->nkeys; i++) {
		if (i > 0)
			tn_buf_puts(&q, " OR ", NULL);
		put_name(&q, NULL, p->keys[i]);
		tn_buf_puts(&q, " IS NULL", NULL);
	}
	tn_buf_printf(&q, NULL, " THEN 1 ELSE 0 END), 0) AS __cdc_nk, coalesce(sum(CASE WHEN "
		      "%s IS NULL THEN 1 ELSE 0 END), 0) AS __cdc_ns FROM %s AS __cdc_src",
		      p->seq_sql ? p->seq_sql : "0", p->batch);
	rc = query_ints(e, q.data, names, v, 3, err);
	tn_buf_done(&q);
	if (rc != TN_OK) {
		tn_err_prefix(err, "APPLY CHANGES INTO %s: reading the source", p->target);
		return rc;
	}
	*rows = v[0];
	if (v[1] > 0)
		return tn_err_set(err, TN_EINVAL, "APPLY CHANGES INTO %s: %lld change rows have a "
				  "NULL key", p->target, (long long)v[1]);
	if (v[2] > 0)
		return tn_err_set(err, TN_EINVAL, "APPLY CHANGES INTO %s: %lld change rows have a "
				  "NULL SEQUENCE BY value (%s)", p->target, (long long)v[2],
				  p->a->sequence_by);
	return TN_OK;
}

/* The target must hold every column the MERGE writes (DESCRIBE reads
 * only the log). */
static int check_target(struct tarn_engine *e, const struct plan *p, struct tn_err *err)
{
	static const char *const hist[] = {"__START_AT", "__END_AT"};
	char *q = tn_asprintf("DESCRIBE %s", p->target);
	struct tarn_result *r = NULL;
	struct tn_batch b;
	size_t used, ncols = 0;
	char **cols = NULL;
	const char *missing = NULL;
	int rc = tarn_exec(e, q, strlen(q), &used, &r, err);

	memset(&b, 0, sizeof(b));
	while (rc == TN_OK && r != NULL && (rc = tarn_result_next(r, &b, err)) == TN_OK &&
	       b.nrows > 0) {
		int k = tn_schema_find(b.schema, "col_name");

		for (size_t i = 0; k >= 0 && b.cols[k].type->kind == TN_STRING && i < b.nrows; i++) {
			const struct tn_bytes *v = &((const struct tn_bytes *)b.cols[k].values)[i];

			if (tn_vec_is_null(&b.cols[k], i) || v->len == 0)
				continue;
			cols = tn_reallocarray(cols, ncols + 1, sizeof(char *));
			cols[ncols++] = tn_strndup((const char *)v->ptr, v->len);
		}
	}
	tn_batch_done(&b);
	tarn_result_free(r);
	free(q);
	if (rc != TN_OK) {
		tn_err_prefix(err, "APPLY CHANGES INTO %s: the target", p->target);
		goto done;
	}
	for (size_t i = 0; i < p->ncols + 2 && missing == NULL; i++) {
		const char *c = i < p->ncols ? p->cols[i] : hist[i - p->ncols];
		bool found = false;

		if (i >= p->ncols && p->a->scd_type != 2)
			break;
		for (size_t k = 0; k < ncols && !found; k++)
			found = tn_str_ieq(cols[k], c);
		if (!found)
			missing = c;
	}
	if (missing != NULL)
		rc = tn_err_set(err, TN_EINVAL, "APPLY CHANGES INTO %s: the target has no column '%s'",
				p->target, missing);
done:
	for (size_t i = 0; i < ncols; i++)
		free(cols[i]);
	free(cols);
	return rc;
}

int cdc_apply(struct tarn_engine *e, const struct pl_apply *a, const char *target,
	      const char *batch_sql, struct cdc_stats *st, struct tn_err *err)
{
	static const char *const names[] = {"num_inserted_rows", "num_updated_rows",
					    "num_deleted_rows"};
	struct cdc_stats s = {.version = -1};
	bool own = !tarn_engine_in_transaction(e);
	struct plan p;
	char *sql = NULL;
	int64_t n[3];
	int rc;

	if (a->ignore_null_updates)
		return tn_err_set(err, TN_EUNSUPPORTED,
				  "APPLY CHANGES INTO %s: IGNORE NULL UPDATES is not supported yet",
				  target);
	rc = plan_build(e, a, target, batch_sql, &p, err);

	if (rc != TN_OK)
		return rc;
	rc = check_target(e, &p, err);
	if (rc == TN_OK)
		rc = check_batch(e, &p, &s.rows_read, err);
	if (rc != TN_OK)
		goto done;
	sql = a->scd_type == 2 ? scd2_sql(&p) : scd1_sql(&p);
	if (own && (rc = tarn_exec_script(e, "BEGIN", 5, NULL, err)) != TN_OK)
		goto fail;
	rc = query_ints(e, sql, names, n, 3, err);
	if (rc == TN_OK && own)
		rc = tarn_exec_script(e, "COMMIT", 6, NULL, err);
	if (rc != TN_OK)
		goto fail;
	s.inserted = n[0];
	s.updated = n[1];
	s.deleted = n[2];
	if (own) {
		struct tarn_table_version info;

		/* committed: a failure to read the log back is no failure */
		if (tarn_table_version_info(e, target, -1, &info, NULL) == TN_OK)
			s.version = info.latest;
	}
	if (st != NULL)
		*st = s;
	goto done;
fail:
	/* the engine ends a transaction whose statement failed; make sure */
	if (own && tarn_engine_in_transaction(e)) {
		struct tn_err ignored;

		tarn_exec_script(e, "ROLLBACK", 8, NULL, &ignored);
	}
	tn_err_prefix(err, "APPLY CHANGES INTO %s", target);
done:
	free(sql);
	plan_done(&p);
	return rc;
}
