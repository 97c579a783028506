/* meta.c - USE, SHOW, DESCRIBE and EXPLAIN: what the lakehouse holds. */
#include <cjson/cJSON.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "base/time.h"
#include "sql/session.h"
#include "sql/value.h"

int sess_query_each(struct tarn_engine *e, const char *sql, sess_batch_fn fn, void *ctx,
		    struct tn_schema *schema_out, struct tn_err *err)
{
	struct tarn_result *r = res_new(e);
	struct tn_batch b = {0};
	int rc = res_query(r, sql, err);

	while (rc == TN_OK) {
		rc = tarn_result_next(r, &b, err);
		if (rc != TN_OK || b.nrows == 0)
			break;
		rc = fn(ctx, &b, err);
	}
	tn_batch_done(&b);
	if (schema_out)
		tn_schema_copy(schema_out, &r->schema);
	res_release(r);
	return rc;
}

static char *lower(const char *s)
{
	return tn_str_lower(tn_strdup(s));
}

static bool like(const char *pat, const char *name)
{
	/* Spark SHOW ... LIKE: * and | alternatives; also SQL % */
	char *p, *save = NULL, *tok;
	bool ok = false;

	if (pat == NULL)
		return true;
	p = lower(pat);
	for (tok = strtok_r(p, "|", &save); tok && !ok; tok = strtok_r(NULL, "|", &save)) {
		char *ln = lower(name);

		for (char *c = tok; *c; c++)
			if (*c == '%')
				*c = '*';
		ok = fnmatch(tn_str_trim(tok), ln, 0) == 0;
		free(ln);
	}
	free(p);
	return ok;
}

/* ---- USE ---- */

static int stmt_use(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
		    struct tn_err *err)
{
	struct qname q;
	struct cat_object o;
	bool catalog, schema;
	int rc;

	ts->pos++; /* USE */
	catalog = tk_accept_kw(ts, "CATALOG");
	schema = !catalog && (tk_accept_kw(ts, "SCHEMA") || tk_accept_kw(ts, "DATABASE"));
	rc = tk_qname(ts, &q, err);
	if (rc != TN_OK)
		return rc;
	if (!tk_at_end(ts)) {
		qname_done(&q);
		return tk_error(ts, err, "expected the end of USE");
	}
	if (catalog) {
		rc = q.n == 1 ? cat_object_get(e->cat, CAT_KIND_CATALOG, q.part[0], NULL, &o, err)
			      : tn_err_set(err, TN_EINVAL, "a catalog name has one part");
		if (rc == TN_OK)
			rc = sess_check(e, CAT_PRIV_USE, CAT_KIND_CATALOG, o.catalog, NULL, NULL, err);
		if (rc == TN_OK) {
			free(e->catalog);
			e->catalog = tn_strdup(o.catalog);
			/* the schema follows: default when it has one */
			{
				struct cat_object s2;

				if (cat_object_get(e->cat, CAT_KIND_SCHEMA, o.catalog, "default", &s2, NULL) == TN_OK) {
					free(e->schema);
					e->schema = tn_strdup(s2.schema);
					cat_object_done(&s2);
				}
			}
			cat_object_done(&o);
		}
	} else {
		const char *c = q.n == 2 ? q.part[0] : e->catalog, *s = q.part[q.n - 1];

		(void)schema;
		rc = q.n <= 2 ? cat_object_get(e->cat, CAT_KIND_SCHEMA, c, s, &o, err)
			      : tn_err_set(err, TN_EINVAL, "a schema name has at most two parts");
		if (rc == TN_OK)
			rc = sess_check(e, CAT_PRIV_USE, CAT_KIND_SCHEMA, o.catalog, o.schema, NULL, err);
		if (rc == TN_OK) {
			free(e->catalog);
			free(e->schema);
			e->catalog = tn_strdup(o.catalog);
			e->schema = tn_strdup(o.schema);
			cat_object_done(&o);
		}
	}
	if (rc == TN_OK) {
		char m[300];

		snprintf(m, sizeof(m), "using %s.%s", e->catalog, e->schema);
		r->message = tn_strdup(m);
	}
	qname_done(&q);
	return rc;
}

/* ---- SHOW ---- */

static int opt_like(struct toks *ts, char **pat, struct tn_err *err)
{
	*pat = NULL;
	if (tk_accept_kw(ts, "LIKE"))
		return tk_string(ts, pat, err);
	if (tk_peek(ts, 0)->kind == SQL_TOK_STRING)
		return tk_string(ts, pat, err);
	return TN_OK;
}

static int table_of(struct tarn_engine *e, struct toks *ts, unsigned priv, struct sess_table *t,
		    struct tn_err *err)
{
	struct qname q;
	int rc;

	memset(t, 0, sizeof(*t)); /* callers free it whatever happens */
	rc = tk_qname(ts, &q, err);
	if (rc != TN_OK)
		return rc;
	rc = sess_resolve(e, &q, priv, t, err);
	if (rc != TN_OK && strstr(err->msg, "\n  ") == NULL)
		sess_caret(err, ts->text, ts->len, q.start);
	qname_done(&q);
	return rc;
}

static int open_snapshot(struct tarn_engine *e, const struct sess_table *t, int64_t version,
			 struct delta_table **dt, struct delta_snapshot **s, struct tn_err *err)
{
	int rc;

	if (strcmp(t->format, "delta") != 0)
		return tn_err_set(err, TN_EINVAL, "%s is a %s, not a Delta table", t->display, t->format);
	rc = delta_table_open(e->st, t->root, dt, err);
	if (rc == TN_OK) {
		rc = delta_snapshot_open(*dt, version, s, err);
		if (rc != TN_OK)
			delta_table_close(*dt);
	}
	if (rc != TN_OK)
		tn_err_prefix(err, "%s", t->display);
	return rc;
}

static int show_columns_of(struct tarn_engine *e, struct tarn_result *r,
			   const struct sess_table *t, bool extended, struct tn_err *err);

static int stmt_show(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
		     struct tn_err *err)
{
	char *pat = NULL;
	int rc = TN_OK;

	ts->pos++; /* SHOW */
	if (tk_accept_kw(ts, "CATALOGS")) {
		struct cat_object *o;
		size_t n;

		rc = opt_like(ts, &pat, err);
		if (rc == TN_OK)
			rc = cat_list_catalogs(e->cat, &o, &n, err);
		if (rc == TN_OK) {
			res_columns(r, (const char *const[]){"catalog", "comment", "owner"}, 3);
			for (size_t i = 0; i < n; i++) {
				if (!like(pat, o[i].catalog))
					continue;
				res_add_str(r, o[i].catalog);
				res_add_str(r, o[i].comment);
				res_add_str(r, o[i].owner);
			}
			cat_list_free(o, n);
		}
	} else if (tk_accept_kw(ts, "SCHEMAS") || tk_accept_kw(ts, "DATABASES")) {
		char *c = NULL;
		struct cat_object *o;
		size_t n;

		if (tk_accept_kw(ts, "IN") || tk_accept_kw(ts, "FROM"))
			rc = tk_name(ts, &c, err);
		if (rc == TN_OK)
			rc = opt_like(ts, &pat, err);
		if (rc == TN_OK)
			rc = cat_list_schemas(e->cat, c ? c : e->catalog, &o, &n, err);
		if (rc == TN_OK) {
			res_columns(r, (const char *const[]){"catalog", "schema", "comment", "owner"}, 4);
			for (size_t i = 0; i < n; i++) {
				if (!like(pat, o[i].schema))
					continue;
				res_add_str(r, o[i].catalog);
				res_add_str(r, o[i].schema);
				res_add_str(r, o[i].comment);
				res_add_str(r, o[i].owner);
			}
			cat_list_free(o, n);
		}
		free(c);
	} else if (tk_is_kw(ts, 0, "TABLES") || tk_is_kw(ts, 0, "VIEWS")) {
		bool views;
		struct qname q = {0};
		const char *c = e->catalog, *s = e->schema;
		struct cat_object *o;
		size_t n;

		views = tk_is_kw(ts, 0, "VIEWS");
		ts->pos++;
		if (tk_accept_kw(ts, "IN") || tk_accept_kw(ts, "FROM")) {
			rc = tk_qname(ts, &q, err);
			if (rc == TN_OK && q.n == 2) {
				c = q.part[0];
				s = q.part[1];
			} else if (rc == TN_OK && q.n == 1) {
				s = q.part[0];
			} else if (rc == TN_OK) {
				rc = tn_err_set(err, TN_EINVAL, "SHOW TABLES IN [catalog.]schema");
			}
		}
		if (rc == TN_OK)
			rc = opt_like(ts, &pat, err);
		if (rc == TN_OK)
			rc = sess_check(e, CAT_PRIV_USE, CAT_KIND_SCHEMA, c, s, NULL, err);
		if (rc == TN_OK)
			rc = cat_list_tables(e->cat, c, s, &o, &n, err);
		if (rc == TN_OK) {
			res_columns(r, (const char *const[]){"catalog", "schema", "table", "type", "format", "comment"}, 6);
			for (size_t i = 0; i < n; i++) {
				if (!like(pat, o[i].name) || (views && o[i].type != CAT_VIEW))
					continue;
				res_add_str(r, o[i].catalog);
				res_add_str(r, o[i].schema);
				res_add_str(r, o[i].name);
				res_add_str(r, o[i].type == CAT_MANAGED    ? "MANAGED"
					       : o[i].type == CAT_EXTERNAL ? "EXTERNAL"
									   : "VIEW");
				res_add_str(r, o[i].type == CAT_VIEW ? NULL : o[i].format);
				res_add_str(r, o[i].comment);
			}
			cat_list_free(o, n);
		}
		qname_done(&q);
	} else if (tk_accept_kw(ts, "COLUMNS")) {
		struct sess_table t = {0};

		if (!tk_accept_kw(ts, "IN"))
			rc = tk_expect_kw(ts, "FROM", err);
		if (rc == TN_OK)
			rc = table_of(e, ts, CAT_PRIV_SELECT, &t, err);
		if (rc == TN_OK) {
			rc = show_columns_of(e, r, &t, false, err);
			sess_table_done(&t);
		}
	} else if (tk_accept_kw(ts, "TBLPROPERTIES")) {
		struct sess_table t = {0};
		struct delta_table *dt;
		struct delta_snapshot *s;
		char *key = NULL;

		rc = table_of(e, ts, CAT_PRIV_SELECT, &t, err);
		if (rc == TN_OK && tk_accept_op(ts, "(")) {
			size_t from = ts->pos;

			while (!tk_at_end(ts) && !tk_is_op(ts, 0, ")"))
				ts->pos++;
			key = tk_text(ts, from, ts->pos);
			if (key[0] == '\'' || key[0] == '"') {
				memmove(key, key + 1, strlen(key));
				key[strlen(key) - 1] = '\0';
			}
			rc = tk_expect_op(ts, ")", err);
		}
		if (rc == TN_OK)
			rc = open_snapshot(e, &t, -1, &dt, &s, err);
		if (rc == TN_OK) {
			const struct delta_metadata *m = delta_snapshot_metadata(s);
			const struct delta_protocol *p = delta_snapshot_protocol(s);
			char num[32];

			res_columns(r, (const char *const[]){"key", "value"}, 2);
			for (size_t i = 0; i < m->n_configuration; i++) {
				if (key && strcmp(key, m->configuration[i].key) != 0)
					continue;
				res_add_str(r, m->configuration[i].key);
				res_add_str(r, m->configuration[i].value);
			}
			if (key == NULL || strcmp(key, "delta.minReaderVersion") == 0) {
				snprintf(num, sizeof(num), "%d", p->min_reader_version);
				res_add_str(r, "delta.minReaderVersion");
				res_add_str(r, num);
			}
			if (key == NULL || strcmp(key, "delta.minWriterVersion") == 0) {
				snprintf(num, sizeof(num), "%d", p->min_writer_version);
				res_add_str(r, "delta.minWriterVersion");
				res_add_str(r, num);
			}
			delta_snapshot_free(s);
			delta_table_close(dt);
		}
		free(key);
		sess_table_done(&t);
	} else if (tk_accept_kw(ts, "GRANTS")) {
		int kind;
		struct qname q;
		struct cat_grant *g;
		size_t n;
		char *principal = NULL;

		if (!tk_is_kw(ts, 0, "ON"))
			rc = tk_peek(ts, 0)->kind == SQL_TOK_STRING ? tk_string(ts, &principal, err)
								    : tk_name(ts, &principal, err);
		if (rc == TN_OK)
			rc = tk_expect_kw(ts, "ON", err);
		if (rc != TN_OK) {
			free(principal);
			return rc;
		}
		if (tk_accept_kw(ts, "CATALOG"))
			kind = CAT_KIND_CATALOG;
		else if (tk_accept_kw(ts, "SCHEMA") || tk_accept_kw(ts, "DATABASE"))
			kind = CAT_KIND_SCHEMA;
		else {
			tk_accept_kw(ts, "TABLE");
			kind = CAT_KIND_TABLE;
		}
		rc = tk_qname(ts, &q, err);
		if (rc == TN_OK) {
			const char *c, *s = NULL, *nm = NULL;

			if (kind == CAT_KIND_CATALOG)
				c = q.part[0];
			else if (kind == CAT_KIND_SCHEMA) {
				c = q.n == 2 ? q.part[0] : e->catalog;
				s = q.part[q.n - 1];
			} else {
				c = q.n == 3 ? q.part[0] : e->catalog;
				s = q.n == 3 ? q.part[1] : q.n == 2 ? q.part[0] : e->schema;
				nm = q.part[q.n - 1];
			}
			rc = cat_grant_list(e->cat, kind, c, s, nm, &g, &n, err);
			if (rc == TN_OK) {
				static const char *const names[] = {"USE", "SELECT", "MODIFY", "CREATE"};

				res_columns(r, (const char *const[]){"principal", "privilege", "object_type", "object"}, 4);
				for (size_t i = 0; i < n; i++) {
					char obj[400];

					if (principal && strcasecmp(principal, g[i].principal) != 0)
						continue;
					snprintf(obj, sizeof(obj), "%s%s%s%s%s", g[i].catalog, g[i].schema ? "." : "",
						 g[i].schema ? g[i].schema : "", g[i].name ? "." : "",
						 g[i].name ? g[i].name : "");
					for (int b = 0; b < 4; b++) {
						if (g[i].privs == CAT_PRIV_ALL && b > 0)
							break;
						if (!(g[i].privs & (1u << b)))
							continue;
						res_add_str(r, g[i].principal);
						res_add_str(r, g[i].privs == CAT_PRIV_ALL ? "ALL PRIVILEGES" : names[b]);
						res_add_str(r, g[i].kind == CAT_KIND_CATALOG  ? "CATALOG"
							       : g[i].kind == CAT_KIND_SCHEMA ? "SCHEMA"
											      : "TABLE");
						res_add_str(r, obj);
					}
				}
				cat_grant_free(g, n);
			}
			qname_done(&q);
		}
		free(principal);
	} else {
		return tk_error(ts, err, "expected CATALOGS, SCHEMAS, TABLES, VIEWS, COLUMNS, TBLPROPERTIES or GRANTS");
	}
	if (rc == TN_OK && !tk_at_end(ts))
		rc = tk_error(ts, err, "expected the end of SHOW");
	free(pat);
	return rc;
}

/* ---- DESCRIBE ---- */

static const char *col_comment(struct cat_kv *props, size_t n, const char *col)
{
	char key[300];

	snprintf(key, sizeof(key), "column.%s.comment", col);
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(props[i].key, key) == 0)
			return props[i].value;
	return NULL;
}

static int show_columns_of(struct tarn_engine *e, struct tarn_result *r,
			   const struct sess_table *t, bool extended, struct tn_err *err)
{
	struct tn_schema schema = {0};
	char **part = NULL;
	size_t npart = 0;
	struct cat_kv *props = NULL;
	size_t nprops = 0;
	int rc = TN_OK;

	if (strcmp(t->format, "delta") == 0) {
		struct delta_table *dt;
		struct delta_snapshot *s;

		rc = open_snapshot(e, t, -1, &dt, &s, err);
		if (rc != TN_OK)
			return rc;
		tn_schema_copy(&schema, delta_snapshot_schema(s));
		{
			const struct delta_metadata *m = delta_snapshot_metadata(s);

			npart = m->n_partition_columns;
			part = tn_calloc(npart + 1, sizeof(char *));
			for (size_t i = 0; i < npart; i++)
				part[i] = tn_strdup(m->partition_columns[i]);
		}
		delta_snapshot_free(s);
		delta_table_close(dt);
	} else {
		/* views and files: the columns of a query over them */
		struct tn_buf q;
		struct sess_rw rw;
		sqlite3_stmt *st;
		char *text;

		tn_buf_init(&q, 0);
		tn_buf_puts(&q, "SELECT * FROM ", NULL);
		if (t->catalog)
			tn_buf_printf(&q, NULL, "`%s`.`%s`.`%s`", t->catalog, t->schema, t->name);
		else
			tn_buf_printf(&q, NULL, "%s.`%s`", t->format, t->root);
		tn_buf_putc(&q, '\0', NULL);
		text = (char *)q.data;
		rc = sess_rewrite(e, text, strlen(text), &rw, err);
		tn_buf_done(&q);
		if (rc != TN_OK)
			return rc;
		if (sqlite3_prepare_v2(e->db, rw.sql, -1, &st, NULL) != SQLITE_OK) {
			rc = sess_sqlite_error(e, SQLITE_ERROR, t->display, err);
			sess_rw_done(&rw);
			return rc;
		}
		sess_rw_done(&rw);
		schema.ncols = (size_t)sqlite3_column_count(st);
		schema.cols = tn_calloc(schema.ncols + 1, sizeof(struct tn_field));
		for (size_t i = 0; i < schema.ncols; i++) {
			schema.cols[i].name = tn_strdup(sqlite3_column_name(st, (int)i));
			schema.cols[i].nullable = true;
			if (sql_decltype_parse(sqlite3_column_decltype(st, (int)i), &schema.cols[i].type) != 0)
				schema.cols[i].type.kind = TN_STRING;
		}
		sqlite3_finalize(st);
	}
	if (t->catalog)
		cat_property_list(e->cat, CAT_KIND_TABLE, t->catalog, t->schema, t->name, &props, &nprops, NULL);
	res_columns(r, (const char *const[]){"col_name", "data_type", "comment"}, 3);
	for (size_t i = 0; i < schema.ncols; i++) {
		char ty[256];

		tn_type_name(&schema.cols[i].type, ty, sizeof(ty));
		if (!schema.cols[i].nullable) {
			size_t l = strlen(ty);

			snprintf(ty + l, sizeof(ty) - l, " not null");
		}
		res_add_str(r, schema.cols[i].name);
		res_add_str(r, ty);
		res_add_str(r, col_comment(props, nprops, schema.cols[i].name));
	}
	if (npart > 0 && extended) {
		res_add_str(r, "");
		res_add_str(r, "");
		res_add_str(r, "");
		res_add_str(r, "# Partition Information");
		res_add_str(r, "");
		res_add_str(r, "");
		for (size_t i = 0; i < npart; i++) {
			int k = tn_schema_find(&schema, part[i]);
			char ty[256] = "";

			if (k >= 0)
				tn_type_name(&schema.cols[k].type, ty, sizeof(ty));
			res_add_str(r, part[i]);
			res_add_str(r, ty);
			res_add_str(r, "");
		}
	}
	if (extended) {
		const char *rows[][2] = {
			{"Catalog", t->catalog},
			{"Database", t->schema},
			{"Table", t->name},
			{"Type", t->type == CAT_MANAGED ? "MANAGED" : t->type == CAT_VIEW ? "VIEW" : "EXTERNAL"},
			{"Location", t->root},
			{"Provider", t->format},
			{"Owner", t->owner},
			{"Comment", t->comment},
			{"View Text", t->view_sql},
		};

		res_add_str(r, "");
		res_add_str(r, "");
		res_add_str(r, "");
		res_add_str(r, "# Detailed Table Information");
		res_add_str(r, "");
		res_add_str(r, "");
		for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
			if (rows[i][1] == NULL)
				continue;
			res_add_str(r, rows[i][0]);
			res_add_str(r, rows[i][1]);
			res_add_str(r, "");
		}
		if (t->catalog) {
			struct cat_kv *tags = NULL;
			size_t ntags = 0;

			if (cat_tag_list(e->cat, CAT_KIND_TABLE, t->catalog, t->schema, t->name, &tags,
					 &ntags, NULL) == TN_OK && ntags > 0) {
				struct tn_buf b;

				tn_buf_init(&b, 0);
				for (size_t i = 0; i < ntags; i++)
					tn_buf_printf(&b, NULL, "%s%s=%s", i ? ", " : "[", tags[i].key,
						      tags[i].value ? tags[i].value : "");
				tn_buf_puts(&b, "]", NULL);
				tn_buf_putc(&b, '\0', NULL);
				res_add_str(r, "Tags");
				res_add_str(r, (char *)b.data);
				res_add_str(r, "");
				tn_buf_done(&b);
				cat_kv_free(tags, ntags);
			}
		}
	}
	if (props)
		cat_kv_free(props, nprops);
	for (size_t i = 0; i < npart; i++)
		free(part[i]);
	free(part);
	tn_schema_done(&schema);
	return rc;
}

static void add_ms_time(struct tarn_result *r, int64_t ms)
{
	char buf[TN_TIME_BUFSZ];

	res_add_str(r, tn_time_format_ms(ms, true, buf));
}

static int describe_history(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
			    struct tn_err *err)
{
	struct sess_table t = {0};
	struct delta_table *dt;
	struct delta_commit *c;
	size_t n;
	int64_t limit = -1;
	int rc = table_of(e, ts, CAT_PRIV_SELECT, &t, err);

	if (rc == TN_OK && tk_accept_kw(ts, "LIMIT"))
		rc = tk_int(ts, &limit, err);
	if (rc == TN_OK && !tk_at_end(ts))
		rc = tk_error(ts, err, "expected LIMIT or the end");
	if (rc == TN_OK && strcmp(t.format, "delta") != 0)
		rc = tn_err_set(err, TN_EINVAL, "%s is not a Delta table: it has no history", t.display);
	if (rc == TN_OK)
		rc = delta_table_open(e->st, t.root, &dt, err);
	if (rc != TN_OK) {
		sess_table_done(&t);
		return rc;
	}
	r->object = tn_strdup(t.display);
	rc = delta_history(dt, &c, &n, err);
	if (rc == TN_OK) {
		res_columns(r, (const char *const[]){"version:bigint", "timestamp", "userName", "operation",
						     "operationParameters", "readVersion:bigint",
						     "isolationLevel", "isBlindAppend:boolean",
						     "operationMetrics", "engineInfo"},
			    10);
		for (size_t i = 0; i < n && (limit < 0 || (int64_t)i < limit); i++) {
			res_add_int(r, c[i].version);
			add_ms_time(r, c[i].timestamp);
			res_add_str(r, c[i].user_name);
			res_add_str(r, c[i].operation);
			res_add_str(r, c[i].operation_parameters);
			if (c[i].has_read_version)
				res_add_int(r, c[i].read_version);
			else
				res_add_null(r);
			res_add_str(r, c[i].isolation_level);
			if (c[i].has_is_blind_append)
				res_add_int(r, c[i].is_blind_append);
			else
				res_add_null(r);
			res_add_str(r, c[i].operation_metrics);
			res_add_str(r, c[i].engine_info);
		}
		delta_history_free(c, n);
	}
	delta_table_close(dt);
	sess_table_done(&t);
	return rc;
}

static int describe_detail(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
			   struct tn_err *err)
{
	struct sess_table t = {0};
	struct delta_table *dt;
	struct delta_snapshot *s;
	int rc = table_of(e, ts, CAT_PRIV_SELECT, &t, err);

	if (rc == TN_OK && !tk_at_end(ts))
		rc = tk_error(ts, err, "expected the end");
	if (rc == TN_OK)
		rc = open_snapshot(e, &t, -1, &dt, &s, err);
	if (rc != TN_OK) {
		sess_table_done(&t);
		return rc;
	}
	{
		const struct delta_metadata *m = delta_snapshot_metadata(s);
		const struct delta_protocol *p = delta_snapshot_protocol(s);
		cJSON *parts = cJSON_CreateArray(), *props = cJSON_CreateObject(), *feats = cJSON_CreateArray();
		char *ps, *pp, *pf;
		int64_t bytes = 0;

		for (size_t i = 0; i < m->n_partition_columns; i++)
			cJSON_AddItemToArray(parts, cJSON_CreateString(m->partition_columns[i]));
		for (size_t i = 0; i < m->n_configuration; i++)
			cJSON_AddStringToObject(props, m->configuration[i].key,
						m->configuration[i].value ? m->configuration[i].value : "");
		for (size_t i = 0; i < p->n_reader_features; i++)
			cJSON_AddItemToArray(feats, cJSON_CreateString(p->reader_features[i]));
		for (size_t i = 0; i < p->n_writer_features; i++) {
			bool dup = false;

			for (size_t k = 0; k < p->n_reader_features; k++)
				dup |= strcmp(p->reader_features[k], p->writer_features[i]) == 0;
			if (!dup)
				cJSON_AddItemToArray(feats, cJSON_CreateString(p->writer_features[i]));
		}
		for (size_t i = 0; i < delta_snapshot_num_files(s); i++)
			bytes += delta_snapshot_file(s, i)->size;
		ps = cJSON_PrintUnformatted(parts);
		pp = cJSON_PrintUnformatted(props);
		pf = cJSON_PrintUnformatted(feats);
		res_columns(r, (const char *const[]){"format", "id", "name", "description", "location",
						     "createdAt", "lastModified", "partitionColumns",
						     "numFiles:bigint", "sizeInBytes:bigint", "properties",
						     "minReaderVersion:bigint", "minWriterVersion:bigint",
						     "tableFeatures", "version:bigint"},
			    15);
		res_add_str(r, "delta");
		res_add_str(r, m->id);
		res_add_str(r, t.catalog ? t.display : NULL);
		res_add_str(r, t.comment ? t.comment : m->description);
		res_add_str(r, t.root);
		if (m->has_created_time)
			add_ms_time(r, m->created_time);
		else
			res_add_null(r);
		add_ms_time(r, delta_snapshot_timestamp(s));
		res_add_str(r, ps);
		res_add_int(r, (int64_t)delta_snapshot_num_files(s));
		res_add_int(r, bytes);
		res_add_str(r, pp);
		res_add_int(r, p->min_reader_version);
		res_add_int(r, p->min_writer_version);
		res_add_str(r, pf);
		res_add_int(r, delta_snapshot_version(s));
		free(ps);
		free(pp);
		free(pf);
		cJSON_Delete(parts);
		cJSON_Delete(props);
		cJSON_Delete(feats);
	}
	delta_snapshot_free(s);
	delta_table_close(dt);
	sess_table_done(&t);
	return rc;
}

static int stmt_describe(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
			 struct tn_err *err)
{
	bool extended;
	struct sess_table t = {0};
	int rc;

	ts->pos++; /* DESCRIBE / DESC */
	if (tk_accept_kw(ts, "HISTORY"))
		return describe_history(e, ts, r, err);
	if (tk_accept_kw(ts, "DETAIL"))
		return describe_detail(e, ts, r, err);
	if (tk_is_kw(ts, 0, "CATALOG") || tk_is_kw(ts, 0, "SCHEMA") || tk_is_kw(ts, 0, "DATABASE")) {
		bool cat = tk_is_kw(ts, 0, "CATALOG");
		struct qname q;
		struct cat_object o;
		struct cat_kv *props = NULL;
		size_t np = 0;

		ts->pos++;
		tk_accept_kw(ts, "EXTENDED");
		rc = tk_qname(ts, &q, err);
		if (rc != TN_OK)
			return rc;
		if (cat)
			rc = cat_object_get(e->cat, CAT_KIND_CATALOG, q.part[0], NULL, &o, err);
		else
			rc = cat_object_get(e->cat, CAT_KIND_SCHEMA, q.n == 2 ? q.part[0] : e->catalog,
					    q.part[q.n - 1], &o, err);
		qname_done(&q);
		if (rc != TN_OK)
			return rc;
		res_columns(r, (const char *const[]){"info_name", "info_value"}, 2);
		res_add_str(r, "Catalog Name");
		res_add_str(r, o.catalog);
		if (!cat) {
			res_add_str(r, "Namespace Name");
			res_add_str(r, o.schema);
		}
		res_add_str(r, "Comment");
		res_add_str(r, o.comment);
		res_add_str(r, "Owner");
		res_add_str(r, o.owner);
		if (cat_property_list(e->cat, cat ? CAT_KIND_CATALOG : CAT_KIND_SCHEMA, o.catalog,
				      o.schema, NULL, &props, &np, NULL) == TN_OK) {
			for (size_t i = 0; i < np; i++) {
				char k[300];

				snprintf(k, sizeof(k), "Property %s", props[i].key);
				res_add_str(r, k);
				res_add_str(r, props[i].value);
			}
			cat_kv_free(props, np);
		}
		cat_object_done(&o);
		return TN_OK;
	}
	tk_accept_kw(ts, "TABLE");
	extended = tk_accept_kw(ts, "EXTENDED") || tk_accept_kw(ts, "FORMATTED");
	rc = table_of(e, ts, CAT_PRIV_SELECT, &t, err);
	if (rc == TN_OK && !tk_at_end(ts))
		rc = tk_error(ts, err, "expected the end of DESCRIBE");
	if (rc == TN_OK) {
		r->object = tn_strdup(t.display);
		rc = show_columns_of(e, r, &t, extended, err);
	}
	sess_table_done(&t);
	return rc;
}

/* ---- EXPLAIN ---- */

static int stmt_explain(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
			struct tn_err *err)
{
	struct sess_rw rw;
	char *text;
	sqlite3_stmt *st;
	struct tn_buf q;
	int rc, s;

	ts->pos++; /* EXPLAIN */
	tk_accept_kw(ts, "EXTENDED");
	tk_accept_kw(ts, "FORMATTED");
	text = tk_text(ts, ts->pos, ts->n);
	rc = sess_rewrite(e, text, strlen(text), &rw, err);
	free(text);
	if (rc != TN_OK)
		return rc;
	res_columns(r, (const char *const[]){"plan"}, 1);
	/* SQLite's plan */
	tn_buf_init(&q, 0);
	tn_buf_printf(&q, NULL, "EXPLAIN QUERY PLAN %s", rw.sql);
	tn_buf_putc(&q, '\0', NULL);
	if (sqlite3_prepare_v2(e->db, (char *)q.data, -1, &st, NULL) != SQLITE_OK) {
		rc = sess_sqlite_error(e, SQLITE_ERROR, NULL, err);
		tn_buf_done(&q);
		sess_rw_done(&rw);
		return rc;
	}
	tn_buf_done(&q);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 3);

		res_add_str(r, d);
	}
	sqlite3_finalize(st);
	/* the scans: run the query, rows discarded, and report what each read */
	e->keep_scans = true;
	if (sqlite3_prepare_v2(e->db, rw.sql, -1, &st, NULL) != SQLITE_OK) {
		rc = sess_sqlite_error(e, SQLITE_ERROR, NULL, err);
	} else {
		while ((s = sqlite3_step(st)) == SQLITE_ROW)
			;
		if (s != SQLITE_DONE)
			rc = sess_sqlite_error(e, s, NULL, err);
		sqlite3_finalize(st);
	}
	e->keep_scans = false;
	sess_rw_done(&rw);
	for (size_t i = 0; rc == TN_OK && i < e->nscans; i++) {
		const struct delta_scan_metrics *m = &e->scans[i].m;
		char line[1024];

		snprintf(line, sizeof(line),
			 "scan %s: files read %llu of %llu, skipped %llu (partition values, statistics); "
			 "row groups skipped %llu; bytes read %llu; rows dropped by deletion vectors %llu",
			 e->scans[i].what, (unsigned long long)m->files_read,
			 (unsigned long long)m->files_total, (unsigned long long)m->files_skipped,
			 (unsigned long long)m->row_groups_skipped, (unsigned long long)m->bytes_read,
			 (unsigned long long)m->rows_deleted);
		res_add_str(r, line);
	}
	return rc;
}

/* ---- SET and RESET ---- */

/* The key of SET key = value: the text of its tokens without blanks (it
 * is dotted: spark.databricks.delta.write.txnAppId), or a `quoted` name. */
static char *setting_key_text(struct toks *ts, size_t from, size_t to)
{
	char *k, *o;

	if (to == from + 1 && tk_peek(ts, 0)->quoted && tk_peek(ts, 0)->kind == SQL_TOK_IDENT) {
		size_t save = ts->pos;

		ts->pos = from;
		if (tk_name(ts, &k, NULL) == TN_OK)
			return k;
		ts->pos = save;
	}
	k = tk_text(ts, from, to);
	o = k;
	for (char *c = k; *c; c++)
		if (*c != ' ' && *c != '\t' && *c != '\n' && *c != '\r')
			*o++ = *c;
	*o = '\0';
	return k;
}

static void setting_rows(struct tarn_engine *e, struct tarn_result *r, const char *key)
{
	res_columns(r, (const char *const[]){"key", "value"}, 2);
	if (key) {
		const char *v = sess_setting(e, key);

		res_add_str(r, key);
		res_add_str(r, v ? v : "<undefined>");
		return;
	}
	for (size_t i = 0; i < e->nsettings; i++) {
		res_add_str(r, e->settings[i].key);
		res_add_str(r, e->settings[i].value);
	}
}

/* SET [key [= value]] and RESET [key], as Spark SQL has them: session
 * settings. The engine acts on txnAppId/txnVersion (idempotent writes)
 * and schema.autoMerge.enabled; other keys are kept and shown. */
static int stmt_set(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
		    struct tn_err *err)
{
	bool reset = tk_is_kw(ts, 0, "RESET");
	size_t from, eq;
	char *key, *value = NULL;
	int rc;

	ts->pos++; /* SET / RESET */
	from = ts->pos;
	while (!tk_at_end(ts) && !tk_is_op(ts, 0, "="))
		ts->pos++;
	eq = ts->pos;
	if (eq == from) {
		if (!tk_at_end(ts))
			return tk_error(ts, err, "expected a setting's name");
		if (reset) {
			sess_settings_clear(e);
			r->message = tn_strdup("settings reset");
		} else {
			setting_rows(e, r, NULL);
		}
		return TN_OK;
	}
	ts->pos = from;
	key = setting_key_text(ts, from, eq);
	ts->pos = eq;
	if (reset || tk_at_end(ts)) {
		if (!tk_at_end(ts)) {
			free(key);
			return tk_error(ts, err, "expected the end of RESET");
		}
		if (reset) {
			rc = sess_setting_set(e, key, NULL, err);
			if (rc == TN_OK)
				r->message = tn_asprintf("%s reset", key);
		} else {
			rc = TN_OK;
			setting_rows(e, r, key);
		}
		free(key);
		return rc;
	}
	ts->pos++; /* = */
	if (tk_peek(ts, 0)->kind == SQL_TOK_STRING && ts->pos + 1 == ts->n) {
		rc = tk_string(ts, &value, err);
	} else if (tk_at_end(ts)) {
		rc = tk_error(ts, err, "expected a value");
	} else {
		value = tk_text(ts, ts->pos, ts->n);
		ts->pos = ts->n;
		rc = TN_OK;
	}
	if (rc == TN_OK)
		rc = sess_setting_set(e, key, value, err);
	if (rc == TN_OK)
		r->message = tn_asprintf("%s = %s", key, value);
	free(key);
	free(value);
	return rc;
}

int stmt_meta(struct tarn_engine *e, struct toks *ts, struct tarn_result *r, struct tn_err *err)
{
	if (tk_is_kw(ts, 0, "SET") || tk_is_kw(ts, 0, "RESET"))
		return stmt_set(e, ts, r, err);
	if (tk_is_kw(ts, 0, "USE"))
		return stmt_use(e, ts, r, err);
	if (tk_is_kw(ts, 0, "SHOW"))
		return stmt_show(e, ts, r, err);
	if (tk_is_kw(ts, 0, "EXPLAIN"))
		return stmt_explain(e, ts, r, err);
	return stmt_describe(e, ts, r, err);
}
