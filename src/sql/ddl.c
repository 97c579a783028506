/* ddl.c - CREATE, DROP, ALTER, COMMENT ON, GRANT and REVOKE; OPTIMIZE,
 * VACUUM and RESTORE. */
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "share/share.h"
#include "sql/session.h"
#include "sql/value.h"

/* ---- names ---- */

/* (catalog, schema, name) of a 1..3-part table name with the current
 * catalog and schema. Borrowed from q and e. */
static void table_parts(const struct tarn_engine *e, const struct qname *q, const char **c,
			const char **s, const char **n)
{
	*c = q->n == 3 ? q->part[0] : e->catalog;
	*s = q->n == 3 ? q->part[1] : q->n == 2 ? q->part[0] : e->schema;
	*n = q->part[q->n - 1];
}

/* (catalog, schema) of a 1..2-part schema name. */
static int schema_parts(const struct tarn_engine *e, const struct qname *q, const char **c,
			const char **s, struct tn_err *err)
{
	if (q->n > 2 || q->path)
		return tn_err_set(err, TN_EINVAL, "a schema name has at most two parts (catalog.schema)");
	*c = q->n == 2 ? q->part[0] : e->catalog;
	*s = q->part[q->n - 1];
	return TN_OK;
}

/* ---- types ---- */

static int parse_type(struct toks *ts, struct tn_type *t, int *pending_gt, struct tn_err *err);

static int close_angle(struct toks *ts, int *pending_gt, struct tn_err *err)
{
	if (*pending_gt > 0) {
		(*pending_gt)--;
		return TN_OK;
	}
	if (tk_accept_op(ts, ">"))
		return TN_OK;
	if (tk_accept_op(ts, ">>")) {
		(*pending_gt)++;
		return TN_OK;
	}
	return tk_error(ts, err, "expected '>'");
}

static int parse_type(struct toks *ts, struct tn_type *t, int *pending_gt, struct tn_err *err)
{
	static const struct {
		const char *name;
		int kind;
	} simple[] = {
		{"BIGINT", TN_INT64}, {"LONG", TN_INT64}, {"INT", TN_INT32}, {"INTEGER", TN_INT32},
		{"SMALLINT", TN_INT16}, {"SHORT", TN_INT16}, {"TINYINT", TN_INT8}, {"BYTE", TN_INT8},
		{"DOUBLE", TN_DOUBLE}, {"FLOAT", TN_FLOAT}, {"REAL", TN_FLOAT}, {"STRING", TN_STRING},
		{"VARCHAR", TN_STRING}, {"CHAR", TN_STRING}, {"TEXT", TN_STRING}, {"BOOLEAN", TN_BOOL},
		{"BOOL", TN_BOOL}, {"DATE", TN_DATE}, {"BINARY", TN_BINARY},
	};
	int rc;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < sizeof(simple) / sizeof(*simple); i++) {
		if (!tk_accept_kw(ts, simple[i].name))
			continue;
		t->kind = simple[i].kind;
		if (t->kind == TN_STRING && tk_accept_op(ts, "(")) { /* VARCHAR(n) */
			int64_t n;

			if (tk_int(ts, &n, err) != TN_OK || tk_expect_op(ts, ")", err) != TN_OK)
				return TN_EINVAL;
		}
		if (t->kind == TN_DOUBLE)
			tk_accept_kw(ts, "PRECISION");
		return TN_OK;
	}
	if (tk_accept_kw(ts, "TIMESTAMP") || tk_accept_kw(ts, "TIMESTAMP_LTZ")) {
		t->kind = TN_TIMESTAMP;
		t->unit = TN_UNIT_MICROS;
		t->utc = true;
		return TN_OK;
	}
	if (tk_accept_kw(ts, "TIMESTAMP_NTZ")) {
		t->kind = TN_TIMESTAMP;
		t->unit = TN_UNIT_MICROS;
		return TN_OK;
	}
	if (tk_accept_kw(ts, "DECIMAL") || tk_accept_kw(ts, "DEC") || tk_accept_kw(ts, "NUMERIC")) {
		int64_t p = 10, s = 0;

		if (tk_accept_op(ts, "(")) {
			if (tk_int(ts, &p, err) != TN_OK)
				return TN_EINVAL;
			if (tk_accept_op(ts, ",") && tk_int(ts, &s, err) != TN_OK)
				return TN_EINVAL;
			if (tk_expect_op(ts, ")", err) != TN_OK)
				return TN_EINVAL;
		}
		if (p < 1 || p > 38 || s < 0 || s > p)
			return tk_error(ts, err, "DECIMAL(%lld,%lld): precision is 1 to 38 and scale 0 to precision",
					(long long)p, (long long)s);
		t->kind = TN_DECIMAL;
		t->precision = (uint8_t)p;
		t->scale = (uint8_t)s;
		return TN_OK;
	}
	if (tk_accept_kw(ts, "ARRAY")) {
		t->kind = TN_LIST;
		t->nfields = 1;
		t->fields = tn_calloc(1, sizeof(struct tn_field));
		t->fields[0].name = tn_strdup("element");
		t->fields[0].nullable = true;
		if (tk_expect_op(ts, "<", err) != TN_OK)
			return TN_EINVAL;
		rc = parse_type(ts, &t->fields[0].type, pending_gt, err);
		return rc == TN_OK ? close_angle(ts, pending_gt, err) : rc;
	}
	if (tk_accept_kw(ts, "MAP")) {
		t->kind = TN_MAP;
		t->nfields = 2;
		t->fields = tn_calloc(2, sizeof(struct tn_field));
		t->fields[0].name = tn_strdup("key");
		t->fields[1].name = tn_strdup("value");
		t->fields[1].nullable = true;
		if (tk_expect_op(ts, "<", err) != TN_OK)
			return TN_EINVAL;
		rc = parse_type(ts, &t->fields[0].type, pending_gt, err);
		if (rc == TN_OK)
			rc = tk_expect_op(ts, ",", err);
		if (rc == TN_OK)
			rc = parse_type(ts, &t->fields[1].type, pending_gt, err);
		return rc == TN_OK ? close_angle(ts, pending_gt, err) : rc;
	}
	if (tk_accept_kw(ts, "STRUCT")) {
		t->kind = TN_STRUCT;
		if (tk_expect_op(ts, "<", err) != TN_OK)
			return TN_EINVAL;
		do {
			struct tn_field *f;

			t->fields = tn_realloc(t->fields, (t->nfields + 1) * sizeof(*t->fields));
			f = &t->fields[t->nfields++];
			memset(f, 0, sizeof(*f));
			f->nullable = true;
			rc = tk_name(ts, &f->name, err);
			if (rc == TN_OK)
				tk_accept_op(ts, ":");
			if (rc == TN_OK)
				rc = parse_type(ts, &f->type, pending_gt, err);
			if (rc != TN_OK)
				return rc;
		} while (*pending_gt == 0 && tk_accept_op(ts, ","));
		return close_angle(ts, pending_gt, err);
	}
	return tk_error(ts, err, "expected a type (BIGINT, INT, DOUBLE, DECIMAL(p,s), STRING, BOOLEAN, DATE, TIMESTAMP, ...)");
}

/* ---- shared clauses ---- */

static int kv_list(struct toks *ts, struct delta_kv **kv, size_t *n, bool values,
		   struct tn_err *err)
{
	if (tk_expect_op(ts, "(", err) != TN_OK)
		return TN_EINVAL;
	while (!tk_accept_op(ts, ")")) {
		char *k = NULL, *v = NULL;
		int rc = TN_OK;

		if (*n && tk_expect_op(ts, ",", err) != TN_OK)
			return TN_EINVAL;
		if (tk_peek(ts, 0)->kind == SQL_TOK_STRING) {
			rc = tk_string(ts, &k, err);
		} else {
			/* dotted keys: delta.appendOnly */
			size_t from = ts->pos;

			while (!tk_at_end(ts) && !tk_is_op(ts, 0, "=") && !tk_is_op(ts, 0, ",") &&
			       !tk_is_op(ts, 0, ")"))
				ts->pos++;
			k = tk_text(ts, from, ts->pos);
			if (*k == '\0')
				rc = tk_error(ts, err, "expected a property name");
		}
		if (rc == TN_OK && values) {
			tk_accept_op(ts, "=");
			if (tk_peek(ts, 0)->kind == SQL_TOK_STRING) {
				rc = tk_string(ts, &v, err);
			} else if (!tk_is_op(ts, 0, ",") && !tk_is_op(ts, 0, ")") && !tk_at_end(ts)) {
				v = tk_text(ts, ts->pos, ts->pos + 1);
				ts->pos++;
			} else {
				rc = tk_error(ts, err, "expected a value for %s", k);
			}
		}
		if (rc != TN_OK) {
			free(k);
			return rc;
		}
		*kv = tn_realloc(*kv, (*n + 1) * sizeof(**kv));
		(*kv)[*n].key = k;
		(*kv)[*n].value = v;
		(*n)++;
	}
	return TN_OK;
}

static void kv_free(struct delta_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

static int name_list(struct toks *ts, char ***out, size_t *n, struct tn_err *err)
{
	bool paren = tk_accept_op(ts, "(");

	do {
		char *s = NULL;
		int rc = tk_name(ts, &s, err);

		if (rc != TN_OK)
			return rc;
		*out = tn_realloc(*out, (*n + 1) * sizeof(char *));
		(*out)[(*n)++] = s;
	} while (tk_accept_op(ts, ","));
	return paren ? tk_expect_op(ts, ")", err) : TN_OK;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static char *msgf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *msgf(const char *fmt, ...)
{
	char buf[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return tn_strdup(buf);
}

/* Delete a directory tree (a managed table's data). */
static int remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int rc = 0;

	if (d == NULL)
		return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		char *p;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		p = tn_path_join(path, de->d_name);
		if (de->d_type == DT_DIR) {
			if (remove_tree(p) != 0)
				rc = -1;
		} else if (unlink(p) != 0) {
			rc = -1;
		}
		free(p);
	}
	closedir(d);
	if (rmdir(path) != 0)
		rc = -1;
	return rc;
}

/* ---- CREATE TABLE ---- */

/* CREATE OR REPLACE of an existing table: every file removed and, when
 * the columns differ, the new schema, in the one commit (the history
 * stays). */
static int replace_contents(struct delta_tx *tx, const struct tn_schema *schema,
			    struct delta_rewrite_result *res, struct tn_err *err)
{
	const struct tn_schema *old = delta_tx_schema(tx);
	bool same = old->ncols == schema->ncols;
	int rc;

	for (size_t i = 0; same && i < old->ncols; i++)
		same = strcasecmp(old->cols[i].name, schema->cols[i].name) == 0 &&
		       tn_type_equal(&old->cols[i].type, &schema->cols[i].type);
	rc = delta_tx_delete_where(tx, NULL, res, err);
	if (rc == TN_OK && !same)
		rc = delta_tx_replace_schema(tx, schema, err);
	return rc;
}

struct ctas {
	struct tarn_engine *e;
	struct delta_tx *tx;
	const char *root;
	struct delta_create_opts *opts;
	int64_t rows;
	bool replace;
	const char *display;
};

static int ctas_batch(void *ctx, const struct tn_batch *b, struct tn_err *err)
{
	struct ctas *c = ctx;
	int rc;

	if (c->tx == NULL) {
		c->opts->schema = b->schema;
		if (c->replace) {
			struct delta_rewrite_result res;

			rc = delta_tx_begin(c->e->st, c->root, &c->tx, err);
			if (rc == TN_OK)
				rc = replace_contents(c->tx, b->schema, &res, err);
			if (rc == TN_OK)
				delta_tx_set_operation(c->tx, "CREATE OR REPLACE TABLE AS SELECT", "{}");
		} else {
			rc = delta_tx_create(c->e->st, c->root, c->opts, &c->tx, err);
			if (rc == TN_OK)
				delta_tx_set_operation(c->tx, "CREATE TABLE AS SELECT", "{}");
		}
		if (rc == TN_OK) {
			bool skip;

			rc = sess_idem_begin(c->e, c->tx, c->display, &skip, err);
		}
		if (rc != TN_OK)
			return rc;
		delta_tx_set_check(c->tx, sess_check_hook, c->e);
	}
	c->rows += (int64_t)b->nrows;
	return b->nrows ? delta_tx_write(c->tx, b, err) : TN_OK;
}

static int create_table(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
			bool replace, struct tn_err *err)
{
	struct qname q;
	const char *c = NULL, *s = NULL, *n = NULL;
	struct cat_object existing, reg;
	struct tn_schema schema = {0};
	struct delta_kv *props = NULL;
	struct delta_kv *colcomments = NULL;
	size_t nprops = 0, ncolc = 0, npart = 0;
	char **part = NULL, *location = NULL, *comment = NULL, *format = NULL, *root = NULL;
	bool if_not_exists = false, exists, have_cols = false, managed;
	size_t as_from = 0;
	struct delta_create_opts opts;
	int rc;

	memset(&existing, 0, sizeof(existing));
	memset(&opts, 0, sizeof(opts));
	if (tk_accept_kw(ts, "IF")) {
		if (tk_expect_kw(ts, "NOT", err) != TN_OK || tk_expect_kw(ts, "EXISTS", err) != TN_OK)
			return TN_EINVAL;
		if_not_exists = true;
	}
	rc = tk_qname(ts, &q, err);
	if (rc != TN_OK)
		return rc;
	if (q.path) {
		qname_done(&q);
		return tn_err_set(err, TN_EINVAL, "CREATE TABLE needs a name; give the path with LOCATION");
	}
	table_parts(e, &q, &c, &s, &n);
	/* columns */
	if (tk_accept_op(ts, "(")) {
		have_cols = true;
		do {
			struct tn_field f;
			int pending = 0;

			memset(&f, 0, sizeof(f));
			f.nullable = true;
			rc = tk_name(ts, &f.name, err);
			if (rc == TN_OK)
				rc = parse_type(ts, &f.type, &pending, err);
			while (rc == TN_OK) {
				if (tk_accept_kw(ts, "NOT")) {
					rc = tk_expect_kw(ts, "NULL", err);
					f.nullable = false;
				} else if (tk_accept_kw(ts, "COMMENT")) {
					char *cm = NULL;

					rc = tk_string(ts, &cm, err);
					if (rc == TN_OK) {
						colcomments = tn_realloc(colcomments, (ncolc + 1) * sizeof(*colcomments));
						colcomments[ncolc].key = tn_strdup(f.name);
						colcomments[ncolc++].value = cm;
					}
				} else if (tk_is_kw(ts, 0, "GENERATED") || tk_is_kw(ts, 0, "DEFAULT")) {
					rc = tk_error(ts, err, "generated, identity and default columns are not supported");
				} else {
					break;
				}
			}
			if (rc != TN_OK) {
				tn_field_done(&f);
				goto out;
			}
			for (size_t i = 0; i < schema.ncols; i++)
				if (strcasecmp(schema.cols[i].name, f.name) == 0) {
					rc = tn_err_set(err, TN_EINVAL, "CREATE TABLE %s: column %s appears twice", n,
							f.name);
					tn_field_done(&f);
					goto out;
				}
			schema.cols = tn_realloc(schema.cols, (schema.ncols + 1) * sizeof(*schema.cols));
			schema.cols[schema.ncols++] = f;
		} while (tk_accept_op(ts, ","));
		rc = tk_expect_op(ts, ")", err);
		if (rc != TN_OK)
			goto out;
	}
	while (rc == TN_OK && !tk_at_end(ts) && !tk_is_kw(ts, 0, "AS")) {
		if (tk_accept_kw(ts, "USING")) {
			rc = tk_name(ts, &format, err);
			if (rc == TN_OK)
				tn_str_lower(format);
		} else if (tk_accept_kw(ts, "PARTITIONED")) {
			rc = tk_expect_kw(ts, "BY", err);
			if (rc == TN_OK)
				rc = name_list(ts, &part, &npart, err);
		} else if (tk_accept_kw(ts, "LOCATION")) {
			rc = tk_string(ts, &location, err);
		} else if (tk_accept_kw(ts, "COMMENT")) {
			rc = tk_string(ts, &comment, err);
		} else if (tk_accept_kw(ts, "TBLPROPERTIES")) {
			rc = kv_list(ts, &props, &nprops, true, err);
		} else {
			rc = tk_error(ts, err, "expected USING, PARTITIONED BY, LOCATION, COMMENT, TBLPROPERTIES or AS");
		}
	}
	if (rc != TN_OK)
		goto out;
	if (tk_accept_kw(ts, "AS")) {
		as_from = ts->pos;
		if (have_cols) {
			rc = tn_err_set(err, TN_EINVAL,
					"CREATE TABLE %s: give either columns or AS SELECT, not both", n);
			goto out;
		}
	}
	if (format == NULL)
		format = tn_strdup("delta");
	if (strcmp(format, "delta") != 0 && strcmp(format, "parquet") != 0 &&
	    strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
		rc = tn_err_set(err, TN_EUNSUPPORTED, "CREATE TABLE %s: USING %s is not supported (DELTA, PARQUET, CSV, JSON)",
				n, format);
		goto out;
	}
	rc = sess_check(e, CAT_PRIV_CREATE, CAT_KIND_SCHEMA, c, s, NULL, err);
	if (rc != TN_OK)
		goto out;
	exists = cat_table_get(e->cat, c, s, n, &existing, NULL) == TN_OK;
	if (exists && if_not_exists) {
		r->message = msgf("table %s.%s.%s exists already: nothing done", existing.catalog,
				  existing.schema, existing.name);
		goto out;
	}
	if (exists && !replace) {
		rc = tn_err_set(err, TN_EEXIST, "table %s.%s.%s already exists (CREATE OR REPLACE, or IF NOT EXISTS)",
				existing.catalog, existing.schema, existing.name);
		goto out;
	}
	if (exists && existing.type == CAT_VIEW) {
		rc = tn_err_set(err, TN_EEXIST, "%s.%s.%s is a view", existing.catalog, existing.schema,
				existing.name);
		goto out;
	}
	managed = location == NULL;
	if (exists)
		root = tn_strdup(existing.location);
	else if (location)
		root = location[0] == '/' ? tn_strdup(location) : NULL;
	if (root == NULL && location) {
		char cwd[4096];

		root = tn_path_join(getcwd(cwd, sizeof(cwd)) ? cwd : ".", location);
	}
	if (root == NULL)
		root = cat_managed_location(e->cat, c, s, n);
	if (strcmp(format, "delta") != 0) {
		if (managed) {
			rc = tn_err_set(err, TN_EINVAL, "CREATE TABLE %s USING %s needs a LOCATION", n, format);
			goto out;
		}
	} else if (as_from) {
		struct ctas cx = {e, NULL, root, &opts, 0, exists, n};
		char *text = tk_text(ts, as_from, ts->n);
		struct sess_rw rw;
		struct tn_schema rs = {0};

		opts.partition_columns = (const char *const *)part;
		opts.npartition_columns = npart;
		opts.properties = props;
		opts.nproperties = nprops;
		opts.description = comment;
		rc = sess_rewrite(e, text, strlen(text), &rw, err);
		free(text);
		if (rc == TN_OK)
			rc = sess_query_each(e, rw.sql, ctas_batch, &cx, &rs, err);
		sess_rw_done(&rw);
		if (rc == TN_OK && cx.tx == NULL) {
			/* no rows: still a table, of the query's columns */
			struct tn_batch empty;

			tn_batch_init(&empty, &rs, 1);
			rc = ctas_batch(&cx, &empty, err);
			tn_batch_done(&empty);
		}
		if (rc == TN_OK) {
			int64_t v;

			rc = delta_tx_commit(cx.tx, &v, err);
			cx.tx = NULL;
			if (rc == TN_OK) {
				r->affected = cx.rows;
				r->message = msgf("created %s.%s.%s with %lld rows (version %lld)", c, s, n,
						  (long long)cx.rows, (long long)v);
			}
		}
		delta_tx_abort(cx.tx);
		tn_schema_done(&rs);
		if (rc != TN_OK)
			goto out;
	} else if (delta_is_table(e->st, root)) {
		if (managed && !exists) {
			rc = tn_err_set(err, TN_EEXIST,
					"CREATE TABLE %s: %s holds a Delta table that the catalog does not know; remove it or CREATE TABLE ... LOCATION it",
					n, root);
			goto out;
		}
		if (exists && replace) {
			struct delta_tx *tx;
			struct delta_rewrite_result res;
			int64_t v;

			rc = delta_tx_begin(e->st, root, &tx, err);
			if (rc == TN_OK) {
				rc = replace_contents(tx, &schema, &res, err);
				if (rc == TN_OK) {
					delta_tx_set_operation(tx, "CREATE OR REPLACE TABLE", "{}");
					rc = delta_tx_commit(tx, &v, err);
				} else {
					delta_tx_abort(tx);
				}
			}
			if (rc != TN_OK)
				goto out;
		}
		/* an existing external table: register it */
	} else {
		struct delta_tx *tx;
		int64_t v;

		if (!have_cols) {
			rc = tn_err_set(err, TN_EINVAL, "CREATE TABLE %s: no columns and no Delta table at %s",
					n, root);
			goto out;
		}
		opts.schema = &schema;
		opts.partition_columns = (const char *const *)part;
		opts.npartition_columns = npart;
		opts.properties = props;
		opts.nproperties = nprops;
		opts.description = comment;
		rc = delta_tx_create(e->st, root, &opts, &tx, err);
		if (rc == TN_OK)
			rc = delta_tx_commit(tx, &v, err);
		if (rc != TN_OK)
			goto out;
	}
	if (!exists) {
		memset(&reg, 0, sizeof(reg));
		reg.kind = CAT_KIND_TABLE;
		reg.catalog = (char *)c;
		reg.schema = (char *)s;
		reg.name = (char *)n;
		reg.type = managed ? CAT_MANAGED : CAT_EXTERNAL;
		reg.format = format;
		reg.location = root;
		reg.comment = comment;
		rc = cat_table_create(e->cat, &reg, false, err);
		if (rc != TN_OK) {
			if (managed)
				remove_tree(root);
			goto out;
		}
	} else if (comment) {
		cat_comment_set(e->cat, CAT_KIND_TABLE, c, s, n, comment, NULL);
	}
	for (size_t i = 0; i < ncolc; i++) {
		char key[300];

		snprintf(key, sizeof(key), "column.%s.comment", colcomments[i].key);
		cat_property_set(e->cat, CAT_KIND_TABLE, c, s, n, key, colcomments[i].value, NULL);
	}
	if (r->message == NULL)
		r->message = msgf("%s table %s.%s.%s", exists ? "replaced" : "created", c, s, n);
out:
	cat_object_done(&existing);
	tn_schema_done(&schema);
	kv_free(props, nprops);
	kv_free(colcomments, ncolc);
	strv_free(part, npart);
	free(location);
	free(comment);
	free(format);
	free(root);
	qname_done(&q);
	return rc;
}

static int create_view(struct tarn_engine *e, struct toks *ts, struct tarn_result *r, bool replace,
		       struct tn_err *err)
{
	struct qname q;
	const char *c = NULL, *s = NULL, *n = NULL;
	struct cat_object reg;
	char *comment = NULL, *query = NULL;
	bool if_not_exists = false;
	struct sess_rw rw;
	sqlite3_stmt *st;
	int rc;

	if (tk_accept_kw(ts, "IF")) {
		if (tk_expect_kw(ts, "NOT", err) != TN_OK || tk_expect_kw(ts, "EXISTS", err) != TN_OK)
			return TN_EINVAL;
		if_not_exists = true;
	}
	rc = tk_qname(ts, &q, err);
	if (rc != TN_OK)
		return rc;
	table_parts(e, &q, &c, &s, &n);
	if (tk_accept_kw(ts, "COMMENT"))
		rc = tk_string(ts, &comment, err);
	if (rc == TN_OK)
		rc = tk_expect_kw(ts, "AS", err);
	if (rc == TN_OK)
		rc = sess_check(e, CAT_PRIV_CREATE, CAT_KIND_SCHEMA, c, s, NULL, err);
	if (rc != TN_OK)
		goto out;
	query = tk_text(ts, ts->pos, ts->n);
	/* it must compile */
	rc = sess_rewrite(e, query, strlen(query), &rw, err);
	if (rc == TN_OK) {
		if (sqlite3_prepare_v2(e->db, rw.sql, -1, &st, NULL) != SQLITE_OK)
			rc = sess_sqlite_error(e, SQLITE_ERROR, "CREATE VIEW", err);
		else
			sqlite3_finalize(st);
		sess_rw_done(&rw);
	}
	if (rc != TN_OK)
		goto out;
	memset(&reg, 0, sizeof(reg));
	reg.kind = CAT_KIND_TABLE;
	reg.catalog = (char *)c;
	reg.schema = (char *)s;
	reg.name = (char *)n;
	reg.type = CAT_VIEW;
	reg.format = (char *)"view";
	reg.view_sql = query;
	reg.comment = comment;
	rc = cat_table_create(e->cat, &reg, replace, err);
	if (rc == TN_EEXIST && if_not_exists) {
		rc = TN_OK;
		r->message = msgf("view %s exists already: nothing done", n);
	} else if (rc == TN_OK) {
		r->message = msgf("%s view %s.%s.%s", replace ? "created or replaced" : "created", c, s, n);
	}
out:
	free(comment);
	free(query);
	qname_done(&q);
	return rc;
}

static int stmt_create(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
		       struct tn_err *err)
{
	bool replace = false;
	struct qname q;
	char *comment = NULL;
	bool ine = false;
	int rc;

	ts->pos++; /* CREATE */
	if (tk_accept_kw(ts, "OR")) {
		if (tk_expect_kw(ts, "REPLACE", err) != TN_OK)
			return TN_EINVAL;
		replace = true;
	}
	tk_accept_kw(ts, "EXTERNAL");
	if (tk_accept_kw(ts, "TEMPORARY") || tk_accept_kw(ts, "TEMP"))
		return tk_error(ts, err, "temporary views are not supported; CREATE VIEW makes a lasting one");
	if (tk_accept_kw(ts, "TABLE"))
		return create_table(e, ts, r, replace, err);
	if (tk_accept_kw(ts, "VIEW"))
		return create_view(e, ts, r, replace, err);
	if (!(tk_is_kw(ts, 0, "CATALOG") || tk_is_kw(ts, 0, "SCHEMA") || tk_is_kw(ts, 0, "DATABASE")))
		return tk_error(ts, err, "expected TABLE, VIEW, SCHEMA or CATALOG");
	{
		bool catalog = tk_accept_kw(ts, "CATALOG");
		const char *c = NULL, *s = NULL;
		struct delta_kv *props = NULL;
		size_t nprops = 0;
		char *share_spec = NULL;

		if (!catalog)
			ts->pos++;
		if (tk_accept_kw(ts, "IF")) {
			if (tk_expect_kw(ts, "NOT", err) != TN_OK || tk_expect_kw(ts, "EXISTS", err) != TN_OK)
				return TN_EINVAL;
			ine = true;
		}
		rc = tk_qname(ts, &q, err);
		if (rc != TN_OK)
			return rc;
		while (rc == TN_OK && !tk_at_end(ts)) {
			if (tk_accept_kw(ts, "COMMENT"))
				rc = tk_string(ts, &comment, err);
			else if (tk_accept_kw(ts, "WITH") || tk_accept_kw(ts, "DBPROPERTIES") ||
				 tk_accept_kw(ts, "PROPERTIES")) {
				tk_accept_kw(ts, "DBPROPERTIES");
				tk_accept_kw(ts, "PROPERTIES");
				rc = kv_list(ts, &props, &nprops, true, err);
			} else if (tk_accept_kw(ts, "LOCATION") || tk_accept_kw(ts, "MANAGED")) {
				char *ignored = NULL;

				tk_accept_kw(ts, "LOCATION");
				rc = tk_string(ts, &ignored, err);
				free(ignored);
			} else if (catalog && share_spec == NULL && tk_accept_kw(ts, "USING")) {
				rc = tk_expect_kw(ts, "SHARE", err);
				if (rc == TN_OK)
					rc = tk_string(ts, &share_spec, err);
			} else {
				rc = tk_error(ts, err, catalog ? "expected USING SHARE, COMMENT or WITH "
								 "DBPROPERTIES"
							       : "expected COMMENT or WITH DBPROPERTIES");
			}
		}
		if (rc == TN_OK && share_spec != NULL) {
			/* a remote share, mounted: its schemas and tables, no "default" */
			size_t n = 0;

			if (q.n != 1)
				rc = tn_err_set(err, TN_EINVAL, "a catalog name has one part");
			else
				rc = share_mount(e->cat, q.part[0], share_spec, comment, e->user, ine, &n,
						 err);
			if (rc == TN_OK && nprops == 0)
				r->message = msgf("created catalog %s: %zu table%s of a share", q.part[0],
						  n, n == 1 ? "" : "s");
			c = q.part[0];
			for (size_t i = 0; rc == TN_OK && i < nprops; i++)
				rc = cat_property_set(e->cat, CAT_KIND_CATALOG, c, NULL, NULL,
						      props[i].key, props[i].value, err);
			kv_free(props, nprops);
			free(share_spec);
			free(comment);
			qname_done(&q);
			return rc;
		}
		if (rc == TN_OK && catalog) {
			if (q.n != 1)
				rc = tn_err_set(err, TN_EINVAL, "a catalog name has one part");
			else
				rc = cat_catalog_create(e->cat, q.part[0], comment, e->user, ine, err);
			/* as Databricks: a new catalog has a schema "default" */
			if (rc == TN_OK && q.n == 1)
				rc = cat_schema_create(e->cat, q.part[0], "default", NULL, e->user, true, err);
			c = q.part[0];
			s = NULL;
		} else if (rc == TN_OK) {
			rc = schema_parts(e, &q, &c, &s, err);
			if (rc == TN_OK)
				rc = sess_check(e, CAT_PRIV_CREATE, CAT_KIND_CATALOG, c, NULL, NULL, err);
			if (rc == TN_OK)
				rc = cat_schema_create(e->cat, c, s, comment, e->user, ine, err);
		}
		for (size_t i = 0; rc == TN_OK && i < nprops; i++)
			rc = cat_property_set(e->cat, catalog ? CAT_KIND_CATALOG : CAT_KIND_SCHEMA, c, s,
					      NULL, props[i].key, props[i].value, err);
		if (rc == TN_OK)
			r->message = msgf("created %s %s%s%s", catalog ? "catalog" : "schema", c,
					  s ? "." : "", s ? s : "");
		kv_free(props, nprops);
	}
	free(comment);
	qname_done(&q);
	return rc;
}

/* ---- DROP ---- */

static int stmt_drop(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
		     struct tn_err *err)
{
	bool table = false, view = false, catalog = false, if_exists = false, cascade = false;
	struct qname q;
	int rc;

	ts->pos++; /* DROP */
	if (tk_accept_kw(ts, "TABLE"))
		table = true;
	else if (tk_accept_kw(ts, "VIEW"))
		view = true;
	else if (tk_accept_kw(ts, "CATALOG"))
		catalog = true;
	else if (!tk_accept_kw(ts, "SCHEMA") && !tk_accept_kw(ts, "DATABASE"))
		return tk_error(ts, err, "expected TABLE, VIEW, SCHEMA or CATALOG");
	if (tk_accept_kw(ts, "IF")) {
		if (tk_expect_kw(ts, "EXISTS", err) != TN_OK)
			return TN_EINVAL;
		if_exists = true;
	}
	rc = tk_qname(ts, &q, err);
	if (rc != TN_OK)
		return rc;
	if (tk_accept_kw(ts, "CASCADE"))
		cascade = true;
	else
		tk_accept_kw(ts, "RESTRICT");
	if (!tk_at_end(ts)) {
		qname_done(&q);
		return tk_error(ts, err, "expected the end of DROP");
	}
	if (table || view) {
		const char *c = NULL, *s = NULL, *n = NULL;
		struct cat_object o;

		table_parts(e, &q, &c, &s, &n);
		rc = cat_table_get(e->cat, c, s, n, &o, err);
		if (rc == TN_ENOENT && if_exists) {
			r->message = msgf("%s %s does not exist: nothing done", view ? "view" : "table", n);
			qname_done(&q);
			return TN_OK;
		}
		if (rc == TN_OK && view != (o.type == CAT_VIEW))
			rc = tn_err_set(err, TN_EINVAL, "%s.%s.%s is %s; use DROP %s", o.catalog, o.schema,
					o.name, view ? "a table" : "a view", view ? "TABLE" : "VIEW");
		if (rc == TN_OK)
			rc = sess_check(e, CAT_PRIV_ALL, CAT_KIND_TABLE, o.catalog, o.schema, o.name, err);
		if (rc == TN_OK)
			rc = cat_table_drop(e->cat, o.catalog, o.schema, o.name, false, err);
		if (rc == TN_OK && o.type == CAT_MANAGED && o.location)
			remove_tree(o.location);
		if (rc == TN_OK)
			r->message = msgf("dropped %s %s.%s.%s%s", view ? "view" : "table", o.catalog, o.schema,
					  o.name,
					  o.type == CAT_MANAGED ? " and its data"
					  : o.type == CAT_EXTERNAL ? " (its data stays where it is)" : "");
		if (rc == TN_OK || o.catalog)
			cat_object_done(&o);
	} else {
		const char *c = NULL, *s = NULL;
		struct cat_object *tabs = NULL;
		size_t ntabs = 0;
		char *share_cache = NULL;

		if (catalog) {
			c = q.part[0];
			rc = q.n == 1 ? sess_check(e, CAT_PRIV_ALL, CAT_KIND_CATALOG, c, NULL, NULL, err)
				      : tn_err_set(err, TN_EINVAL, "a catalog name has one part");
		} else {
			rc = schema_parts(e, &q, &c, &s, err);
			if (rc == TN_OK)
				rc = sess_check(e, CAT_PRIV_ALL, CAT_KIND_SCHEMA, c, s, NULL, err);
		}
		if (rc == TN_ENOENT && if_exists)
			rc = TN_OK;
		/* a mounted share's catalog holds nothing of ours: no CASCADE
		 * needed, and its cached files go */
		if (rc == TN_OK && catalog) {
			struct cat_kv *kv = NULL;
			size_t nkv = 0;

			if (cat_property_list(e->cat, CAT_KIND_CATALOG, c, NULL, NULL, &kv, &nkv,
					      NULL) == TN_OK) {
				for (size_t i = 0; i < nkv; i++)
					if (strcmp(kv[i].key, "share.name") == 0)
						share_cache = sess_share_cache(e, c);
				cat_kv_free(kv, nkv);
			}
			if (share_cache != NULL)
				cascade = true;
		}
		/* managed tables inside go with their data */
		if (rc == TN_OK && cascade) {
			struct cat_object *schemas = NULL;
			size_t nsch = 0;

			if (catalog)
				cat_list_schemas(e->cat, c, &schemas, &nsch, NULL);
			for (size_t i = 0; i < (catalog ? nsch : 1); i++) {
				const char *sn = catalog ? schemas[i].schema : s;

				if (cat_list_tables(e->cat, c, sn, &tabs, &ntabs, NULL) != TN_OK)
					continue;
				for (size_t k = 0; k < ntabs; k++)
					if (tabs[k].type == CAT_MANAGED && tabs[k].location)
						remove_tree(tabs[k].location);
				cat_list_free(tabs, ntabs);
			}
			if (schemas)
				cat_list_free(schemas, nsch);
		}
		if (rc == TN_OK)
			rc = catalog ? cat_catalog_drop(e->cat, c, if_exists, cascade, err)
				     : cat_schema_drop(e->cat, c, s, if_exists, cascade, err);
		if (rc == TN_OK && share_cache != NULL)
			remove_tree(share_cache);
		free(share_cache);
		if (rc == TN_OK)
			r->message = msgf("dropped %s %s%s%s", catalog ? "catalog" : "schema", c, s ? "." : "",
					  s ? s : "");
	}
	qname_done(&q);
	return rc;
}

/* ---- ALTER ---- */

/* The table property that holds CHECK constraint name. */
static void constraint_key(const char *name, char *key, size_t n)
{
	snprintf(key, n, "delta.constraints.%s", name);
	tn_str_lower(key);
}

static int alter_table(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
		       struct tn_err *err)
{
	struct qname q;
	struct sess_table t = {0};
	struct sess_tx *stx;
	int rc;

	rc = tk_qname(ts, &q, err);
	if (rc != TN_OK)
		return rc;
	rc = sess_resolve(e, &q, CAT_PRIV_MODIFY, &t, err);
	qname_done(&q);
	if (rc != TN_OK)
		return rc;
	r->object = tn_strdup(t.display);
	if (tk_accept_kw(ts, "OWNER")) {
		char *who = NULL;

		rc = tk_expect_kw(ts, "TO", err);
		if (rc == TN_OK)
			rc = tk_name(ts, &who, err);
		if (rc == TN_OK)
			rc = sess_check(e, CAT_PRIV_ALL, CAT_KIND_TABLE, t.catalog, t.schema, t.name, err);
		if (rc == TN_OK)
			rc = cat_owner_set(e->cat, CAT_KIND_TABLE, t.catalog, t.schema, t.name, who, err);
		if (rc == TN_OK)
			r->message = msgf("%s is owned by %s", t.display, who);
		free(who);
		goto out;
	}
	if ((tk_is_kw(ts, 0, "SET") || tk_is_kw(ts, 0, "UNSET")) && tk_is_kw(ts, 1, "TAGS")) {
		bool unset = tk_is_kw(ts, 0, "UNSET");
		struct delta_kv *kv = NULL;
		size_t n = 0;

		ts->pos += 2;
		rc = kv_list(ts, &kv, &n, !unset, err);
		for (size_t i = 0; rc == TN_OK && i < n; i++)
			rc = cat_tag_set(e->cat, CAT_KIND_TABLE, t.catalog, t.schema, t.name, kv[i].key,
					 unset ? NULL : kv[i].value, err);
		kv_free(kv, n);
		if (rc == TN_OK)
			r->message = msgf("tags of %s %s", t.display, unset ? "unset" : "set");
		goto out;
	}
	if (strcmp(t.format, "delta") != 0) {
		rc = tn_err_set(err, TN_EINVAL, "ALTER TABLE %s: only Delta tables can be altered", t.display);
		goto out;
	}
	rc = sess_tx_for(e, t.root, t.display, &stx, err);
	if (rc != TN_OK)
		goto out;
	if (tk_accept_kw(ts, "ADD")) {
		if (tk_accept_kw(ts, "CONSTRAINT")) {
			char *name = NULL, *expr = NULL, key[300];
			size_t from;

			rc = tk_name(ts, &name, err);
			if (rc == TN_OK)
				rc = tk_expect_kw(ts, "CHECK", err);
			if (rc == TN_OK)
				rc = tk_expect_op(ts, "(", err);
			if (rc == TN_OK) {
				from = ts->pos;
				tk_skip_expr(ts, NULL, NULL);
				expr = tk_text(ts, from, ts->pos);
				rc = tk_expect_op(ts, ")", err);
			}
			/* the rows there must satisfy it */
			if (rc == TN_OK) {
				struct tn_buf q2;
				struct sess_rw rw;
				sqlite3_stmt *st;
				char *vt = NULL;

				tn_buf_init(&q2, 0);
				sess_quote(&q2, t.root);
				tn_buf_putc(&q2, '\0', NULL);
				rc = sess_temp_vtab(e, "tarn_delta", (char *)q2.data, &vt, err);
				tn_buf_done(&q2);
				if (rc == TN_OK)
					rc = sess_rewrite(e, expr, strlen(expr), &rw, err);
				if (rc == TN_OK) {
					tn_buf_init(&q2, 0);
					tn_buf_printf(&q2, NULL, "SELECT count(*) FROM temp.%s WHERE NOT coalesce((%s), 0)",
						      vt, rw.sql);
					tn_buf_putc(&q2, '\0', NULL);
					sess_rw_done(&rw);
					if (sqlite3_prepare_v2(e->db, (char *)q2.data, -1, &st, NULL) != SQLITE_OK) {
						rc = sess_sqlite_error(e, SQLITE_ERROR, "ADD CONSTRAINT", err);
					} else {
						if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0)
							rc = tn_err_set(err, TN_EINVAL,
									"ALTER TABLE %s ADD CONSTRAINT %s: %lld rows violate CHECK (%s)",
									t.display, name,
									(long long)sqlite3_column_int64(st, 0), expr);
						sqlite3_finalize(st);
					}
					tn_buf_done(&q2);
				}
				free(vt);
			}
			if (rc == TN_OK) {
				constraint_key(name, key, sizeof(key));
				if (delta_tx_property(stx->tx, key)) {
					rc = tn_err_set(err, TN_EEXIST, "ALTER TABLE %s: constraint %s exists already",
							t.display, name);
				} else {
					rc = delta_tx_set_property(stx->tx, key, expr, err);
					delta_tx_set_operation(stx->tx, "ADD CONSTRAINT", "{}");
				}
			}
			if (rc == TN_OK)
				r->message = msgf("added constraint %s to %s", name, t.display);
			free(name);
			free(expr);
		} else {
			struct tn_field *cols = NULL;
			size_t n = 0;
			bool paren;

			if (!tk_accept_kw(ts, "COLUMNS"))
				tk_accept_kw(ts, "COLUMN");
			paren = tk_accept_op(ts, "(");
			do {
				struct tn_field f;
				int pending = 0;

				memset(&f, 0, sizeof(f));
				f.nullable = true;
				rc = tk_name(ts, &f.name, err);
				if (rc == TN_OK)
					rc = parse_type(ts, &f.type, &pending, err);
				if (rc == TN_OK && tk_accept_kw(ts, "COMMENT")) {
					char *cm = NULL;

					rc = tk_string(ts, &cm, err);
					free(cm);
				}
				if (rc != TN_OK) {
					tn_field_done(&f);
					break;
				}
				cols = tn_realloc(cols, (n + 1) * sizeof(*cols));
				cols[n++] = f;
			} while (tk_accept_op(ts, ","));
			if (rc == TN_OK && paren)
				rc = tk_expect_op(ts, ")", err);
			if (rc == TN_OK) {
				rc = delta_tx_add_columns(stx->tx, cols, n, err);
				delta_tx_set_operation(stx->tx, "ADD COLUMNS", "{}");
			}
			if (rc == TN_OK)
				r->message = msgf("added %zu column%s to %s", n, n == 1 ? "" : "s", t.display);
			for (size_t i = 0; i < n; i++)
				tn_field_done(&cols[i]);
			free(cols);
		}
	} else if (tk_accept_kw(ts, "RENAME")) {
		char *a = NULL, *b = NULL;

		rc = tk_expect_kw(ts, "COLUMN", err);
		if (rc == TN_OK)
			rc = tk_name(ts, &a, err);
		if (rc == TN_OK)
			rc = tk_expect_kw(ts, "TO", err);
		if (rc == TN_OK)
			rc = tk_name(ts, &b, err);
		if (rc == TN_OK) {
			rc = delta_tx_rename_column(stx->tx, a, b, err);
			delta_tx_set_operation(stx->tx, "RENAME COLUMN", "{}");
		}
		if (rc == TN_OK)
			r->message = msgf("renamed column %s to %s in %s", a, b, t.display);
		free(a);
		free(b);
	} else if (tk_accept_kw(ts, "DROP")) {
		if (tk_accept_kw(ts, "CONSTRAINT")) {
			bool ie = false;
			char *name = NULL, key[300];

			if (tk_accept_kw(ts, "IF"))
				ie = tk_expect_kw(ts, "EXISTS", err) == TN_OK;
			rc = tk_name(ts, &name, err);
			if (rc == TN_OK) {
				constraint_key(name, key, sizeof(key));
				if (delta_tx_property(stx->tx, key) == NULL) {
					if (!ie)
						rc = tn_err_set(err, TN_ENOENT, "ALTER TABLE %s: no constraint %s",
								t.display, name);
				} else {
					rc = delta_tx_set_property(stx->tx, key, NULL, err);
					delta_tx_set_operation(stx->tx, "DROP CONSTRAINT", "{}");
				}
			}
			if (rc == TN_OK)
				r->message = msgf("dropped constraint %s of %s", name, t.display);
			free(name);
		} else {
			char **names = NULL;
			size_t n = 0;

			if (!tk_accept_kw(ts, "COLUMNS"))
				tk_accept_kw(ts, "COLUMN");
			rc = name_list(ts, &names, &n, err);
			for (size_t i = 0; rc == TN_OK && i < n; i++)
				rc = delta_tx_drop_column(stx->tx, names[i], err);
			if (rc == TN_OK) {
				delta_tx_set_operation(stx->tx, "DROP COLUMNS", "{}");
				r->message = msgf("dropped %zu column%s of %s", n, n == 1 ? "" : "s", t.display);
			}
			strv_free(names, n);
		}
	} else if (tk_accept_kw(ts, "SET") || tk_is_kw(ts, 0, "UNSET")) {
		bool unset = tk_accept_kw(ts, "UNSET");
		struct delta_kv *kv = NULL;
		size_t n = 0;

		rc = tk_expect_kw(ts, "TBLPROPERTIES", err);
		if (rc == TN_OK && unset && tk_accept_kw(ts, "IF"))
			rc = tk_expect_kw(ts, "EXISTS", err);
		if (rc == TN_OK)
			rc = kv_list(ts, &kv, &n, !unset, err);
		for (size_t i = 0; rc == TN_OK && i < n; i++)
			rc = delta_tx_set_property(stx->tx, kv[i].key, unset ? NULL : kv[i].value, err);
		if (rc == TN_OK) {
			delta_tx_set_operation(stx->tx, unset ? "UNSET TBLPROPERTIES" : "SET TBLPROPERTIES", "{}");
			r->message = msgf("%s %zu propert%s of %s", unset ? "unset" : "set", n,
					  n == 1 ? "y" : "ies", t.display);
		}
		kv_free(kv, n);
	} else if (tk_accept_kw(ts, "ALTER") || tk_accept_kw(ts, "CHANGE")) {
		char *col = NULL, *cm = NULL, key[300];

		tk_accept_kw(ts, "COLUMN");
		rc = tk_name(ts, &col, err);
		if (rc == TN_OK)
			rc = tk_expect_kw(ts, "COMMENT", err);
		if (rc == TN_OK)
			rc = tk_string(ts, &cm, err);
		if (rc == TN_OK) {
			snprintf(key, sizeof(key), "column.%s.comment", col);
			rc = cat_property_set(e->cat, CAT_KIND_TABLE, t.catalog, t.schema, t.name, key, cm, err);
		}
		if (rc == TN_OK)
			r->message = msgf("comment of %s.%s set", t.display, col);
		free(col);
		free(cm);
	} else {
		rc = tk_error(ts, err, "expected ADD, DROP, RENAME, SET, UNSET, ALTER COLUMN or OWNER TO");
	}
	if (rc == TN_OK)
		stx->changed = true;
	if (rc == TN_OK && !tk_at_end(ts))
		rc = tk_error(ts, err, "expected the end of ALTER TABLE");
out:
	sess_table_done(&t);
	return rc;
}

static int stmt_alter(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
		      struct tn_err *err)
{
	bool catalog;
	struct qname q;
	const char *c = NULL, *s = NULL;
	int kind, rc;

	ts->pos++; /* ALTER */
	if (tk_accept_kw(ts, "TABLE"))
		return alter_table(e, ts, r, err);
	if (tk_accept_kw(ts, "VIEW"))
		return tk_error(ts, err, "ALTER VIEW is not supported; CREATE OR REPLACE VIEW instead");
	catalog = tk_accept_kw(ts, "CATALOG");
	if (!catalog && !tk_accept_kw(ts, "SCHEMA") && !tk_accept_kw(ts, "DATABASE"))
		return tk_error(ts, err, "expected TABLE, SCHEMA or CATALOG");
	rc = tk_qname(ts, &q, err);
	if (rc != TN_OK)
		return rc;
	kind = catalog ? CAT_KIND_CATALOG : CAT_KIND_SCHEMA;
	if (catalog)
		c = q.part[0];
	else
		rc = schema_parts(e, &q, &c, &s, err);
	if (rc == TN_OK)
		rc = sess_check(e, CAT_PRIV_ALL, kind, c, s, NULL, err);
	if (rc != TN_OK)
		goto out;
	if (tk_accept_kw(ts, "OWNER")) {
		char *who = NULL;

		rc = tk_expect_kw(ts, "TO", err);
		if (rc == TN_OK)
			rc = tk_name(ts, &who, err);
		if (rc == TN_OK)
			rc = cat_owner_set(e->cat, kind, c, s, NULL, who, err);
		free(who);
	} else if (tk_accept_kw(ts, "SET")) {
		struct delta_kv *kv = NULL;
		size_t n = 0;
		bool tags = tk_accept_kw(ts, "TAGS");

		if (!tags && !tk_accept_kw(ts, "DBPROPERTIES") && !tk_accept_kw(ts, "PROPERTIES")) {
			rc = tk_error(ts, err, "expected DBPROPERTIES or TAGS");
			goto out;
		}
		rc = kv_list(ts, &kv, &n, true, err);
		for (size_t i = 0; rc == TN_OK && i < n; i++)
			rc = tags ? cat_tag_set(e->cat, kind, c, s, NULL, kv[i].key, kv[i].value, err)
				  : cat_property_set(e->cat, kind, c, s, NULL, kv[i].key, kv[i].value, err);
		kv_free(kv, n);
	} else {
		rc = tk_error(ts, err, "expected OWNER TO or SET");
	}
	if (rc == TN_OK)
		r->message = msgf("altered %s %s%s%s", catalog ? "catalog" : "schema", c, s ? "." : "",
				  s ? s : "");
out:
	qname_done(&q);
	return rc;
}

/* ---- COMMENT ON ---- */

static int stmt_comment(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
			struct tn_err *err)
{
	struct qname q;
	int kind;
	const char *c = NULL, *s = NULL, *n = NULL;
	char *text = NULL;
	int rc;

	ts->pos++; /* COMMENT */
	if (tk_expect_kw(ts, "ON", err) != TN_OK)
		return TN_EINVAL;
	if (tk_accept_kw(ts, "CATALOG"))
		kind = CAT_KIND_CATALOG;
	else if (tk_accept_kw(ts, "SCHEMA") || tk_accept_kw(ts, "DATABASE"))
		kind = CAT_KIND_SCHEMA;
	else if (tk_accept_kw(ts, "TABLE") || tk_accept_kw(ts, "VIEW"))
		kind = CAT_KIND_TABLE;
	else
		return tk_error(ts, err, "expected CATALOG, SCHEMA or TABLE");
	rc = tk_qname(ts, &q, err);
	if (rc != TN_OK)
		return rc;
	if (tk_expect_kw(ts, "IS", err) != TN_OK) {
		qname_done(&q);
		return TN_EINVAL;
	}
	if (!tk_accept_kw(ts, "NULL"))
		rc = tk_string(ts, &text, err);
	if (rc != TN_OK)
		goto out;
	if (kind == CAT_KIND_CATALOG)
		c = q.part[0];
	else if (kind == CAT_KIND_SCHEMA)
		rc = schema_parts(e, &q, &c, &s, err);
	else
		table_parts(e, &q, &c, &s, &n);
	if (rc == TN_OK)
		rc = sess_check(e, kind == CAT_KIND_TABLE ? CAT_PRIV_MODIFY : CAT_PRIV_ALL, kind, c, s, n, err);
	if (rc == TN_OK)
		rc = cat_comment_set(e->cat, kind, c, s, n, text, err);
	if (rc == TN_OK)
		r->message = msgf("comment %s", text ? "set" : "removed");
out:
	free(text);
	qname_done(&q);
	return rc;
}

/* ---- GRANT / REVOKE ---- */

static int stmt_grant(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
		      struct tn_err *err)
{
	bool grant = tk_is_kw(ts, 0, "GRANT");
	unsigned privs = 0;
	struct qname q;
	int kind;
	const char *c = NULL, *s = NULL, *n = NULL;
	char **who = NULL;
	size_t nwho = 0;
	int rc = TN_OK;

	ts->pos++;
	do {
		if (tk_accept_kw(ts, "ALL")) {
			tk_accept_kw(ts, "PRIVILEGES");
			privs |= CAT_PRIV_ALL;
		} else if (tk_accept_kw(ts, "SELECT")) {
			privs |= CAT_PRIV_SELECT;
		} else if (tk_accept_kw(ts, "MODIFY")) {
			privs |= CAT_PRIV_MODIFY;
		} else if (tk_accept_kw(ts, "USE") || tk_accept_kw(ts, "USAGE")) {
			if (!tk_accept_kw(ts, "CATALOG"))
				tk_accept_kw(ts, "SCHEMA");
			privs |= CAT_PRIV_USE;
		} else if (tk_accept_kw(ts, "CREATE")) {
			if (!tk_accept_kw(ts, "TABLE"))
				tk_accept_kw(ts, "SCHEMA");
			privs |= CAT_PRIV_CREATE;
		} else {
			return tk_error(ts, err, "expected a privilege (SELECT, MODIFY, USE, CREATE, ALL PRIVILEGES)");
		}
	} while (tk_accept_op(ts, ","));
	if (tk_expect_kw(ts, "ON", err) != TN_OK)
		return TN_EINVAL;
	if (tk_accept_kw(ts, "CATALOG"))
		kind = CAT_KIND_CATALOG;
	else if (tk_accept_kw(ts, "SCHEMA") || tk_accept_kw(ts, "DATABASE"))
		kind = CAT_KIND_SCHEMA;
	else {
		tk_accept_kw(ts, "TABLE");
		tk_accept_kw(ts, "VIEW");
		kind = CAT_KIND_TABLE;
	}
	rc = tk_qname(ts, &q, err);
	if (rc != TN_OK)
		return rc;
	if (tk_expect_kw(ts, grant ? "TO" : "FROM", err) != TN_OK) {
		qname_done(&q);
		return TN_EINVAL;
	}
	do {
		char *p = NULL;

		rc = tk_peek(ts, 0)->kind == SQL_TOK_STRING ? tk_string(ts, &p, err) : tk_name(ts, &p, err);
		if (rc != TN_OK)
			break;
		who = tn_realloc(who, (nwho + 1) * sizeof(char *));
		who[nwho++] = p;
	} while (tk_accept_op(ts, ","));
	if (rc != TN_OK)
		goto out;
	if (kind == CAT_KIND_CATALOG)
		c = q.part[0];
	else if (kind == CAT_KIND_SCHEMA)
		rc = schema_parts(e, &q, &c, &s, err);
	else
		table_parts(e, &q, &c, &s, &n);
	if (rc == TN_OK)
		rc = sess_check(e, CAT_PRIV_ALL, kind, c, s, n, err);
	for (size_t i = 0; rc == TN_OK && i < nwho; i++)
		rc = grant ? cat_grant(e->cat, kind, c, s, n, privs, who[i], err)
			   : cat_revoke(e->cat, kind, c, s, n, privs, who[i], err);
	if (rc == TN_OK)
		r->message = msgf("%s", grant ? "granted" : "revoked");
out:
	strv_free(who, nwho);
	qname_done(&q);
	return rc;
}

/* ---- maintenance ---- */

static int maint_table(struct tarn_engine *e, struct toks *ts, struct sess_table *t,
		       struct tarn_result *r, struct tn_err *err)
{
	struct qname q;
	int rc = tk_qname(ts, &q, err);

	if (rc != TN_OK)
		return rc;
	rc = sess_resolve(e, &q, CAT_PRIV_MODIFY, t, err);
	qname_done(&q);
	if (rc == TN_OK && strcmp(t->format, "delta") != 0)
		rc = tn_err_set(err, TN_EINVAL, "%s is not a Delta table", t->display);
	if (rc == TN_OK && e->in_txn)
		rc = tn_err_set(err, TN_EINVAL, "OPTIMIZE, VACUUM and RESTORE cannot run inside a transaction");
	if (rc == TN_OK)
		r->object = tn_strdup(t->display);
	return rc;
}

static int stmt_optimize(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
			 struct tn_err *err)
{
	struct sess_table t = {0};
	struct delta_optimize_opts o;
	struct delta_optimize_result res;
	struct delta_pred *where = NULL;
	char **z = NULL;
	size_t nz = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	ts->pos++;
	rc = maint_table(e, ts, &t, r, err);
	if (rc == TN_OK && tk_accept_kw(ts, "WHERE")) {
		size_t from = ts->pos;
		char *text;

		tk_skip_expr(ts, (const char *const[]){"ZORDER", NULL}, NULL);
		text = tk_text(ts, from, ts->pos);
		rc = delta_pred_parse(text, &where, err);
		free(text);
	}
	if (rc == TN_OK && tk_accept_kw(ts, "ZORDER")) {
		rc = tk_expect_kw(ts, "BY", err);
		if (rc == TN_OK)
			rc = name_list(ts, &z, &nz, err);
	}
	if (rc == TN_OK && !tk_at_end(ts))
		rc = tk_error(ts, err, "expected WHERE, ZORDER BY or the end");
	if (rc == TN_OK) {
		o.where = where;
		o.zorder_by = (const char *const *)z;
		o.nzorder_by = nz;
		rc = delta_optimize(e->st, t.root, &o, &res, err);
	}
	if (rc == TN_OK) {
		res_columns(r, (const char *const[]){"path", "version:bigint", "numFilesAdded:bigint",
						     "numFilesRemoved:bigint", "filesConsidered:bigint",
						     "bytesAdded:bigint", "bytesRemoved:bigint",
						     "partitionsOptimized:bigint"},
			    8);
		res_add_str(r, t.root);
		if (res.version >= 0)
			res_add_int(r, res.version);
		else
			res_add_null(r);
		res_add_int(r, res.files_added);
		res_add_int(r, res.files_removed);
		res_add_int(r, res.files_considered);
		res_add_int(r, res.bytes_added);
		res_add_int(r, res.bytes_removed);
		res_add_int(r, res.partitions_optimized);
		r->message = res.version >= 0 ? msgf("optimized %s: %lld files into %lld (version %lld)",
						     t.display, (long long)res.files_removed,
						     (long long)res.files_added, (long long)res.version)
					      : msgf("%s needs no optimizing", t.display);
	}
	delta_pred_free(where);
	strv_free(z, nz);
	sess_table_done(&t);
	return rc;
}

static int stmt_vacuum(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
		       struct tn_err *err)
{
	struct sess_table t = {0};
	struct delta_vacuum_opts o = {-1, false, false};
	struct delta_vacuum_result res;
	int rc;

	ts->pos++;
	rc = maint_table(e, ts, &t, r, err);
	while (rc == TN_OK && !tk_at_end(ts)) {
		if (tk_accept_kw(ts, "RETAIN")) {
			int64_t h;
			const struct sql_token *tok = tk_peek(ts, 0);
			char num[64];
			double hours;

			if (tok->kind != SQL_TOK_NUMBER || tok->len >= sizeof(num)) {
				rc = tk_error(ts, err, "expected a number of hours");
				break;
			}
			snprintf(num, sizeof(num), "%.*s", (int)tok->len, ts->text + tok->start);
			hours = strtod(num, NULL);
			ts->pos++;
			rc = tk_expect_kw(ts, "HOURS", err);
			h = (int64_t)(hours * 3600000.0);
			o.retention_ms = h;
		} else if (tk_accept_kw(ts, "DRY")) {
			rc = tk_expect_kw(ts, "RUN", err);
			o.dry_run = true;
		} else {
			rc = tk_error(ts, err, "expected RETAIN n HOURS or DRY RUN");
		}
	}
	if (rc == TN_OK) {
		const char *f = getenv("TARN_VACUUM_FORCE");

		o.force = f && strcmp(f, "1") == 0;
		rc = delta_vacuum(e->st, t.root, &o, &res, err);
		if (rc == TN_EINVAL)
			tn_err_prefix(err, "VACUUM %s", t.display);
	}
	if (rc == TN_OK) {
		res_columns(r, (const char *const[]){"path"}, 1);
		for (size_t i = 0; i < res.nfiles; i++)
			res_add_str(r, res.paths[i]);
		r->affected = (int64_t)res.nfiles;
		r->message = msgf("%s %zu file%s (%lld bytes) of %s", o.dry_run ? "would delete" : "deleted",
				  res.nfiles, res.nfiles == 1 ? "" : "s", (long long)res.bytes, t.display);
		delta_vacuum_result_done(&res);
	}
	sess_table_done(&t);
	return rc;
}

static int stmt_restore(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
			struct tn_err *err)
{
	struct sess_table t = {0};
	struct delta_restore_opts o = {-1, 0};
	struct delta_restore_result res;
	int rc;

	ts->pos++;
	tk_accept_kw(ts, "TABLE");
	rc = maint_table(e, ts, &t, r, err);
	if (rc != TN_OK) {
		sess_table_done(&t);
		return rc;
	}
	tk_accept_kw(ts, "TO");
	if (tk_accept_kw(ts, "VERSION")) {
		rc = tk_expect_kw(ts, "AS", err);
		if (rc == TN_OK)
			rc = tk_expect_kw(ts, "OF", err);
		if (rc == TN_OK)
			rc = tk_int(ts, &o.version, err);
	} else if (tk_accept_kw(ts, "TIMESTAMP")) {
		char *s = NULL;

		rc = tk_expect_kw(ts, "AS", err);
		if (rc == TN_OK)
			rc = tk_expect_kw(ts, "OF", err);
		if (rc == TN_OK)
			rc = tk_string(ts, &s, err);
		if (rc == TN_OK && sql_parse_timestamp(s, strlen(s), &o.timestamp_us) != 0)
			rc = tn_err_set(err, TN_EINVAL, "RESTORE: '%s' is not a timestamp", s);
		free(s);
	} else {
		rc = tk_error(ts, err, "expected VERSION AS OF or TIMESTAMP AS OF");
	}
	if (rc == TN_OK && !tk_at_end(ts))
		rc = tk_error(ts, err, "expected the end of RESTORE");
	if (rc == TN_OK)
		rc = delta_restore(e->st, t.root, &o, &res, err);
	if (rc == TN_OK) {
		res_columns(r, (const char *const[]){"table_size_after_restore:bigint",
						     "num_of_files_after_restore:bigint",
						     "num_removed_files:bigint", "num_restored_files:bigint",
						     "removed_files_size:bigint", "restored_files_size:bigint"},
			    6);
		res_add_int(r, res.bytes_after);
		res_add_int(r, res.files_after);
		res_add_int(r, res.files_removed);
		res_add_int(r, res.files_restored);
		res_add_int(r, res.bytes_removed);
		res_add_int(r, res.bytes_restored);
		r->message = msgf("restored %s to version %lld (version %lld)", t.display,
				  (long long)res.restored_version, (long long)res.version);
	}
	sess_table_done(&t);
	return rc;
}

int stmt_ddl(struct tarn_engine *e, struct toks *ts, struct tarn_result *r, struct tn_err *err)
{
	if (tk_is_kw(ts, 0, "CREATE"))
		return stmt_create(e, ts, r, err);
	if (tk_is_kw(ts, 0, "DROP"))
		return stmt_drop(e, ts, r, err);
	if (tk_is_kw(ts, 0, "ALTER"))
		return stmt_alter(e, ts, r, err);
	if (tk_is_kw(ts, 0, "COMMENT"))
		return stmt_comment(e, ts, r, err);
	if (tk_is_kw(ts, 0, "GRANT") || tk_is_kw(ts, 0, "REVOKE"))
		return stmt_grant(e, ts, r, err);
	if (tk_is_kw(ts, 0, "OPTIMIZE"))
		return stmt_optimize(e, ts, r, err);
	if (tk_is_kw(ts, 0, "VACUUM"))
		return stmt_vacuum(e, ts, r, err);
	return stmt_restore(e, ts, r, err);
}
