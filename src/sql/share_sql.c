/* share_sql.c - the Delta Sharing statements (Databricks syntax) on the
 * share state (share/share.h): CREATE / ALTER / DROP / SHOW / DESCRIBE
 * SHARE, the same for RECIPIENT (with ROTATE TOKEN), GRANT / REVOKE
 * SELECT ON SHARE, SHOW GRANTS ON SHARE / TO RECIPIENT, and the table
 * function share_audit(). Shares and recipients are managed by the
 * lakehouse administrator; a share's owner may also change, grant and
 * describe it. Bearer tokens go into profile files only, never into a
 * message, the audit log or the query history. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/time.h"
#include "catalog/share_cat.h"
#include "share/share.h"
#include "sql/session.h"

#define ENDPOINT_KEY "tarn.share.endpoint"
#define PROFILE_DIR_KEY "tarn.share.profile_dir"
#define LIFETIME_KEY "tarn.share.token_lifetime"
#define ENDPOINT_DEFAULT "http://localhost:8080/delta-sharing"

/* ---- which statements are ours ---- */

static bool is_share_or_recipient(const struct toks *ts, size_t at)
{
	return tk_is_kw(ts, at, "SHARE") || tk_is_kw(ts, at, "RECIPIENT");
}

bool share_sql_match(const struct toks *ts)
{
	if (tk_is_kw(ts, 0, "CREATE") || tk_is_kw(ts, 0, "DROP") || tk_is_kw(ts, 0, "ALTER") ||
	    tk_is_kw(ts, 0, "DESCRIBE") || tk_is_kw(ts, 0, "DESC"))
		return is_share_or_recipient(ts, 1);
	if (tk_is_kw(ts, 0, "GRANT") || tk_is_kw(ts, 0, "REVOKE"))
		return tk_is_kw(ts, 1, "SELECT") && tk_is_kw(ts, 2, "ON") && tk_is_kw(ts, 3, "SHARE");
	if (!tk_is_kw(ts, 0, "SHOW"))
		return false;
	return tk_is_kw(ts, 1, "SHARES") || tk_is_kw(ts, 1, "RECIPIENTS") ||
	       (tk_is_kw(ts, 1, "ALL") && tk_is_kw(ts, 2, "IN") && tk_is_kw(ts, 3, "SHARE")) ||
	       (tk_is_kw(ts, 1, "GRANTS") && tk_is_kw(ts, 2, "ON") && tk_is_kw(ts, 3, "SHARE")) ||
	       (tk_is_kw(ts, 1, "GRANTS") && tk_is_kw(ts, 2, "TO") &&
		tk_is_kw(ts, 3, "RECIPIENT"));
}

/* ---- helpers ---- */

static int need_admin(struct tarn_engine *e, const char *what, struct tn_err *err)
{
	if (cat_is_admin(e->cat, &e->who))
		return TN_OK;
	return tn_err_set(err, TN_EPERM,
			  "permission denied: user %s may not %s (the lakehouse administrator may)",
			  e->user, what);
}

static void info_done(struct share_info *s)
{
	free(s->name);
	free(s->comment);
	free(s->id);
	free(s->owner);
}

/* The administrator or the share's owner; TN_ENOENT for no such share. */
static int need_owner(struct tarn_engine *e, const char *share, const char *what,
		      struct tn_err *err)
{
	struct share_info s;
	bool mine;
	int rc = share_get(e->cat, share, &s, err);

	if (rc != TN_OK)
		return rc;
	mine = strcmp(s.owner, e->user) == 0;
	for (size_t i = 0; !mine && i < e->who.ngroups; i++)
		mine = e->who.groups[i] && strcmp(e->who.groups[i], s.owner) == 0;
	info_done(&s);
	if (mine || cat_is_admin(e->cat, &e->who))
		return TN_OK;
	return tn_err_set(err, TN_EPERM, "permission denied: user %s may not %s of share %s",
			  e->user, what, share);
}

static int if_exists(struct toks *ts, bool not, bool *out, struct tn_err *err)
{
	*out = false;
	if (!tk_accept_kw(ts, "IF"))
		return TN_OK;
	if ((not && tk_expect_kw(ts, "NOT", err) != TN_OK) || tk_expect_kw(ts, "EXISTS", err) != TN_OK)
		return TN_EINVAL;
	*out = true;
	return TN_OK;
}

static int expect_end(struct toks *ts, struct tn_err *err)
{
	return tk_at_end(ts) ? TN_OK : tk_error(ts, err, "expected the end of the statement");
}

/* A literal as text: a string (unquoted), a number, TRUE or FALSE. */
static int literal(struct toks *ts, char **out, struct tn_err *err)
{
	const struct sql_token *t = tk_peek(ts, 0);
	bool neg = false;

	if (t->kind == SQL_TOK_STRING)
		return tk_string(ts, out, err);
	if (tk_is_op(ts, 0, "-") && tk_peek(ts, 1)->kind == SQL_TOK_NUMBER) {
		neg = true;
		t = tk_peek(ts, 1);
	}
	if (t->kind == SQL_TOK_NUMBER || tk_is_kw(ts, 0, "TRUE") || tk_is_kw(ts, 0, "FALSE")) {
		char *v = tk_text(ts, ts->pos + neg, ts->pos + neg + 1);

		*out = neg ? tn_asprintf("-%s", v) : tn_strdup(v);
		free(v);
		for (char *c = *out; !neg && (t->kind != SQL_TOK_NUMBER) && *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
		ts->pos += 1 + neg;
		return TN_OK;
	}
	return tk_error(ts, err, "expected a literal (a string, a number, TRUE or FALSE)");
}

/* ( key = literal [, ...] ): keys are names, or strings when quoted. */
static int pair_list(struct toks *ts, char ***keys, char ***vals, size_t *n, struct tn_err *err)
{
	int rc = TN_OK;

	*keys = *vals = NULL;
	*n = 0;
	if (tk_expect_op(ts, "(", err) != TN_OK)
		return TN_EINVAL;
	do {
		char *k = NULL, *v = NULL;

		rc = tk_peek(ts, 0)->kind == SQL_TOK_STRING ? tk_string(ts, &k, err)
							    : tk_name(ts, &k, err);
		if (rc == TN_OK)
			rc = tk_expect_op(ts, "=", err);
		if (rc == TN_OK)
			rc = literal(ts, &v, err);
		if (rc != TN_OK) {
			free(k);
			break;
		}
		*keys = tn_reallocarray(*keys, *n + 1, sizeof(char *));
		*vals = tn_reallocarray(*vals, *n + 1, sizeof(char *));
		(*keys)[*n] = k;
		(*vals)[(*n)++] = v;
	} while (tk_accept_op(ts, ","));
	if (rc == TN_OK)
		rc = tk_expect_op(ts, ")", err);
	return rc;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static char *time_text(int64_t ms)
{
	char buf[TN_TIME_BUFSZ];

	return ms > 0 ? tn_strdup(tn_time_format_ms(ms, true, buf)) : NULL;
}

static void add_time(struct tarn_result *r, int64_t ms)
{
	char *s = time_text(ms);

	res_add_str(r, s);
	free(s);
}

/* ---- shares ---- */

static int create_share(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
			struct tn_err *err)
{
	char *name = NULL, *comment = NULL;
	bool ine, existed = false;
	int rc = if_exists(ts, true, &ine, err);

	if (rc == TN_OK)
		rc = tk_name(ts, &name, err);
	if (rc == TN_OK && tk_accept_kw(ts, "COMMENT"))
		rc = tk_string(ts, &comment, err);
	if (rc == TN_OK)
		rc = expect_end(ts, err);
	if (rc == TN_OK)
		rc = need_admin(e, "create shares", err);
	if (rc == TN_OK && ine) {
		struct share_info s;

		existed = share_get(e->cat, name, &s, NULL) == TN_OK;
		if (existed)
			info_done(&s);
	}
	if (rc == TN_OK && !existed)
		rc = share_create(e->cat, name, comment, e->user, ine, err);
	if (rc == TN_OK)
		r->message = existed ? tn_asprintf("share %s exists already: nothing done", name)
				     : tn_asprintf("share %s created", name);
	free(name);
	free(comment);
	return rc;
}

/* DROP SHARE / DROP RECIPIENT [IF EXISTS] name. */
static int drop_named(struct tarn_engine *e, struct toks *ts, struct tarn_result *r, bool share,
		      struct tn_err *err)
{
	const char *what = share ? "share" : "recipient";
	char *name = NULL;
	bool ie;
	int rc = if_exists(ts, false, &ie, err);

	if (rc == TN_OK)
		rc = tk_name(ts, &name, err);
	if (rc == TN_OK)
		rc = expect_end(ts, err);
	if (rc == TN_OK && share) {
		rc = need_owner(e, name, "drop", err);
	} else if (rc == TN_OK) {
		struct share_recipient v;

		rc = need_admin(e, "drop recipients", err);
		if (rc == TN_OK)
			rc = share_recipient_get(e->cat, name, &v, err);
		if (rc == TN_OK)
			share_recipient_done(&v);
	}
	if (rc == TN_ENOENT && ie) {
		tn_err_clear(err);
		r->message = tn_asprintf("%s %s does not exist: nothing done", what, name);
		free(name);
		return TN_OK;
	}
	if (rc == TN_OK)
		rc = share ? share_drop(e->cat, name, false, err)
			   : share_recipient_drop(e->cat, name, false, err);
	if (rc == TN_OK)
		r->message = tn_asprintf(share ? "share %s dropped"
					       : "recipient %s dropped; its tokens no longer work",
					 name);
	free(name);
	return rc;
}

/* The partition columns of a Delta table's latest snapshot. */
static int partition_columns(struct tarn_engine *e, const struct sess_table *t, char ***cols,
			     size_t *n, struct tn_err *err)
{
	struct delta_table *dt;
	struct delta_snapshot *s;
	const struct delta_metadata *m;
	int rc = delta_table_open(e->st, t->root, &dt, err);

	*cols = NULL;
	*n = 0;
	if (rc == TN_OK) {
		rc = delta_snapshot_open(dt, -1, &s, err);
		if (rc == TN_OK) {
			m = delta_snapshot_metadata(s);
			*cols = tn_calloc(m->n_partition_columns + 1, sizeof(char *));
			for (size_t i = 0; i < m->n_partition_columns; i++)
				(*cols)[i] = tn_strdup(m->partition_columns[i]);
			*n = m->n_partition_columns;
			delta_snapshot_free(s);
		}
		delta_table_close(dt);
	}
	if (rc != TN_OK)
		tn_err_prefix(err, "%s", t->display);
	return rc;
}

/* Check the partition filter against the table: each column a partition
 * column (named as the table names it), at most once. */
static int check_parts(struct tarn_engine *e, const struct sess_table *t, struct share_part *p,
		       size_t np, struct tn_err *err)
{
	char **cols;
	size_t nc;
	int rc = np ? partition_columns(e, t, &cols, &nc, err) : TN_OK;

	if (rc != TN_OK || np == 0)
		return rc;
	for (size_t i = 0; rc == TN_OK && i < np; i++) {
		size_t j;

		for (j = 0; j < nc && strcasecmp(cols[j], p[i].col) != 0; j++)
			;
		if (j == nc) {
			struct tn_buf b;

			tn_buf_init(&b, 0);
			for (size_t k = 0; k < nc; k++)
				tn_buf_printf(&b, NULL, "%s%s", k ? ", " : "", cols[k]);
			tn_buf_putc(&b, '\0', NULL);
			rc = tn_err_set(err, TN_EINVAL,
					"%s is not a partition column of %s (%s%s)", p[i].col,
					t->display, nc ? "its partition columns: " : "it has none",
					nc ? (char *)b.data : "");
			tn_buf_done(&b);
			break;
		}
		for (size_t k = 0; k < i; k++)
			if (strcasecmp(p[k].col, p[i].col) == 0)
				rc = tn_err_set(err, TN_EINVAL, "PARTITION names %s twice", p[i].col);
		free(p[i].col);
		p[i].col = tn_strdup(cols[j]);
	}
	strv_free(cols, nc);
	return rc;
}

static char *parts_text(const struct share_part *p, size_t n)
{
	struct tn_buf b;
	char *s;

	if (n == 0)
		return NULL;
	tn_buf_init(&b, 0);
	for (size_t i = 0; i < n; i++) {
		tn_buf_printf(&b, NULL, "%s%s = ", i ? ", " : "", p[i].col);
		sess_quote(&b, p[i].value);
	}
	tn_buf_putc(&b, '\0', NULL);
	s = tn_strdup((char *)b.data);
	tn_buf_done(&b);
	return s;
}

static int add_table(struct tarn_engine *e, struct toks *ts, const char *share,
		     struct tarn_result *r, struct tn_err *err)
{
	struct share_table st = {0};
	struct sess_table t = {0};
	struct qname q = {0}, as = {0};
	char **keys = NULL, **vals = NULL, *pt;
	size_t nkv = 0;
	int rc = tk_qname(ts, &q, err);

	while (rc == TN_OK && !tk_at_end(ts)) {
		if (tk_accept_kw(ts, "COMMENT") && st.comment == NULL) {
			rc = tk_string(ts, &st.comment, err);
		} else if (tk_accept_kw(ts, "PARTITION") && nkv == 0) {
			rc = pair_list(ts, &keys, &vals, &nkv, err);
		} else if (tk_accept_kw(ts, "AS") && as.n == 0) {
			rc = tk_qname(ts, &as, err);
			if (rc == TN_OK && (as.n != 2 || as.path))
				rc = tn_err_set(err, TN_EINVAL,
						"AS takes the name recipients see: schema.name");
		} else if (tk_accept_kw(ts, "WITH")) {
			rc = tk_expect_kw(ts, "HISTORY", err);
			st.history = true;
		} else if (tk_accept_kw(ts, "WITHOUT")) {
			rc = tk_expect_kw(ts, "HISTORY", err);
			st.history = false;
		} else {
			rc = tk_error(ts, err, "expected COMMENT, PARTITION, AS, WITH HISTORY or "
					       "WITHOUT HISTORY");
		}
	}
	if (rc == TN_OK && q.path)
		rc = tn_err_set(err, TN_EINVAL, "only tables of the catalog can be shared, not a path");
	if (rc == TN_OK)
		rc = need_owner(e, share, "add tables to", err);
	if (rc == TN_OK)
		rc = sess_resolve(e, &q, CAT_PRIV_SELECT, &t, err);
	if (rc == TN_OK && strcmp(t.format, "delta") != 0)
		rc = tn_err_set(err, TN_EINVAL, "%s is a %s: only Delta tables can be shared",
				t.display, t.format);
	st.parts = tn_calloc(nkv + 1, sizeof(*st.parts));
	for (size_t i = 0; i < nkv; i++) {
		st.parts[i].col = keys[i];
		st.parts[i].value = vals[i];
	}
	st.nparts = nkv;
	free(keys);
	free(vals);
	if (rc == TN_OK)
		rc = check_parts(e, &t, st.parts, st.nparts, err);
	if (rc == TN_OK) {
		st.table = t.display;
		st.location = t.root;
		st.schema = as.n ? as.part[0] : t.schema;
		st.name = as.n ? as.part[1] : t.name;
		rc = share_add_table(e->cat, share, &st, err);
	}
	if (rc == TN_OK) {
		pt = parts_text(st.parts, st.nparts);
		r->message = tn_asprintf("%s added to share %s as %s.%s (%s history%s%s)", t.display,
					 share, st.schema, st.name,
					 st.history ? "with" : "without",
					 pt ? "; rows of " : "", pt ? pt : "");
		free(pt);
	}
	for (size_t i = 0; i < st.nparts; i++) {
		free(st.parts[i].col);
		free(st.parts[i].value);
	}
	free(st.parts);
	free(st.comment);
	sess_table_done(&t);
	qname_done(&q);
	qname_done(&as);
	return rc;
}

/* REMOVE TABLE: by the name recipients see (schema.name), by the lakehouse
 * table's name (catalog.schema.table), or by a name alone when one shared
 * table has it. */
static int remove_table(struct tarn_engine *e, struct toks *ts, const char *share,
			struct tarn_result *r, struct tn_err *err)
{
	struct share_table *v = NULL;
	struct qname q = {0};
	size_t n = 0, hit = (size_t)-1, hits = 0;
	int rc = tk_qname(ts, &q, err);

	if (rc == TN_OK)
		rc = expect_end(ts, err);
	if (rc == TN_OK && q.path)
		rc = tn_err_set(err, TN_EINVAL, "REMOVE TABLE takes a table's name, not a path");
	if (rc == TN_OK)
		rc = need_owner(e, share, "remove tables from", err);
	if (rc == TN_OK)
		rc = share_tables(e->cat, share, NULL, &v, &n, err);
	for (size_t i = 0; rc == TN_OK && i < n; i++) {
		bool m = q.n == 1 ? strcasecmp(v[i].name, q.part[0]) == 0
			 : q.n == 2 ? strcasecmp(v[i].schema, q.part[0]) == 0 &&
					      strcasecmp(v[i].name, q.part[1]) == 0
				    : false;

		if (q.n == 3) {
			char *full = tn_asprintf("%s.%s.%s", q.part[0], q.part[1], q.part[2]);

			m = strcasecmp(v[i].table, full) == 0;
			free(full);
		}
		if (m) {
			hit = i;
			hits++;
		}
	}
	if (rc == TN_OK && hits == 0)
		rc = tn_err_set(err, TN_ENOENT, "share %s has no table %s", share,
				q.n ? q.part[q.n - 1] : "");
	else if (rc == TN_OK && hits > 1)
		rc = tn_err_set(err, TN_EINVAL, "share %s has several tables called %s: say schema.%s",
				share, q.part[0], q.part[0]);
	if (rc == TN_OK)
		rc = share_remove_table(e->cat, share, v[hit].schema, v[hit].name, err);
	if (rc == TN_OK)
		r->message = tn_asprintf("%s.%s removed from share %s", v[hit].schema, v[hit].name,
					 share);
	share_tables_free(v, n);
	qname_done(&q);
	return rc;
}

static int alter_share(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
		       struct tn_err *err)
{
	char *name = NULL;
	int rc = tk_name(ts, &name, err);

	if (rc == TN_OK) {
		if (tk_accept_kw(ts, "ADD")) {
			tk_accept_kw(ts, "TABLE");
			rc = add_table(e, ts, name, r, err);
		} else if (tk_accept_kw(ts, "REMOVE")) {
			tk_accept_kw(ts, "TABLE");
			rc = remove_table(e, ts, name, r, err);
		} else {
			rc = tk_error(ts, err, "expected ADD TABLE or REMOVE TABLE");
		}
	}
	free(name);
	return rc;
}

static int show_shares(struct tarn_engine *e, struct tarn_result *r, struct tn_err *err)
{
	static const char *const cols[] = {"name", "created_at", "created_by", "comment", "id"};
	struct share_info *v;
	size_t n;
	int rc = share_list(e->cat, NULL, &v, &n, err);

	if (rc != TN_OK)
		return rc;
	res_columns(r, cols, 5);
	for (size_t i = 0; i < n; i++) {
		res_add_str(r, v[i].name);
		add_time(r, v[i].created_ms);
		res_add_str(r, v[i].owner);
		res_add_str(r, v[i].comment);
		res_add_str(r, v[i].id);
	}
	share_info_free(v, n);
	return TN_OK;
}

/* DESCRIBE SHARE s / SHOW ALL IN SHARE s: the tables and what of them is
 * shared. */
static int describe_share(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
			  struct tn_err *err)
{
	static const char *const cols[] = {"name",	 "type",	   "shared_object",
					   "partitions", "history:boolean", "comment",
					   "added_at",	 "id"};
	struct share_table *v = NULL;
	char *name = NULL;
	size_t n = 0;
	int rc = tk_name(ts, &name, err);

	if (rc == TN_OK)
		rc = expect_end(ts, err);
	if (rc == TN_OK)
		rc = need_owner(e, name, "describe", err);
	if (rc == TN_OK)
		rc = share_tables(e->cat, name, NULL, &v, &n, err);
	if (rc == TN_OK) {
		res_columns(r, cols, 8);
		for (size_t i = 0; i < n; i++) {
			char *full = tn_asprintf("%s.%s", v[i].schema, v[i].name);
			char *pt = parts_text(v[i].parts, v[i].nparts);

			res_add_str(r, full);
			res_add_str(r, "TABLE");
			res_add_str(r, v[i].table);
			res_add_str(r, pt);
			res_add_int(r, v[i].history);
			res_add_str(r, v[i].comment);
			add_time(r, v[i].added_ms);
			res_add_str(r, v[i].id);
			free(full);
			free(pt);
		}
	}
	share_tables_free(v, n);
	free(name);
	return rc;
}

/* ---- recipients ---- */

static char *profile_path(struct tarn_engine *e, const char *name, const char *suffix)
{
	const char *dir = sess_setting(e, PROFILE_DIR_KEY);
	char *d = dir && *dir ? tn_strdup(dir) : tn_asprintf("%s/shares/recipients", e->lakehouse);
	char *p = tn_asprintf("%s/%s%s.share", d, name, suffix);

	free(d);
	return p;
}

static int settings_for_token(struct tarn_engine *e, const char **endpoint, int64_t *ttl,
			      struct tn_err *err)
{
	const char *life = sess_setting(e, LIFETIME_KEY);

	*endpoint = sess_setting(e, ENDPOINT_KEY);
	if (*endpoint == NULL || **endpoint == '\0')
		*endpoint = ENDPOINT_DEFAULT;
	if (strncmp(*endpoint, "http://", 7) != 0 && strncmp(*endpoint, "https://", 8) != 0)
		return tn_err_set(err, TN_EINVAL, "%s '%s' is not an http:// or https:// URL",
				  ENDPOINT_KEY, *endpoint);
	*ttl = 0;
	if (life && *life) {
		if (tn_parse_i64(life, ttl, LIFETIME_KEY, err) != TN_OK)
			return TN_EINVAL;
		if (*ttl < 0)
			return tn_err_set(err, TN_EINVAL, "%s: %s is negative", LIFETIME_KEY, life);
	}
	return TN_OK;
}

static bool path_exists(const char *p)
{
	struct stat sb;

	return lstat(p, &sb) == 0;
}

/* The token's expiry from the catalog, for the profile. */
static int64_t token_expiry(struct tarn_engine *e, const char *name)
{
	struct share_recipient rc;
	int64_t ms = 0;

	if (share_recipient_get(e->cat, name, &rc, NULL) == TN_OK) {
		ms = rc.token_expire_ms;
		share_recipient_done(&rc);
	}
	return ms;
}

/* "<head>; its credential file is PATH ...": the file is the only place
 * the token is ever written. */
static char *shown_once(const char *head, const char *path)
{
	return tn_asprintf("%s; its credential file is %s (mode 0600; the token is in that file "
			   "only and is not shown again): give it to the recipient over a safe "
			   "channel",
			   head, path);
}

static char *props_json(char **keys, char **vals, size_t n)
{
	cJSON *o;
	char *s, *out;

	if (n == 0)
		return NULL;
	o = cJSON_CreateObject();
	for (size_t i = 0; i < n; i++) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, keys[i]);
		cJSON_AddStringToObject(o, keys[i], vals[i]);
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		tn_fatal("out of memory");
	out = tn_strdup(s);
	cJSON_free(s);
	return out;
}

static void token_wipe(char *token)
{
	if (token) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
}

static int create_recipient(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
			    struct tn_err *err)
{
	char *name = NULL, *comment = NULL, *props = NULL, *path = NULL, *token = NULL;
	char **keys = NULL, **vals = NULL;
	size_t nkv = 0;
	const char *endpoint;
	int64_t ttl;
	bool ine;
	int rc = if_exists(ts, true, &ine, err);

	if (rc == TN_OK)
		rc = tk_name(ts, &name, err);
	while (rc == TN_OK && !tk_at_end(ts)) {
		if (tk_accept_kw(ts, "COMMENT") && comment == NULL)
			rc = tk_string(ts, &comment, err);
		else if (tk_accept_kw(ts, "PROPERTIES") && nkv == 0)
			rc = pair_list(ts, &keys, &vals, &nkv, err);
		else if (tk_is_kw(ts, 0, "USING"))
			rc = tk_error(ts, err, "recipients on another sharing server (USING ID) are "
					       "not supported: tarn makes a bearer token");
		else
			rc = tk_error(ts, err, "expected COMMENT or PROPERTIES");
	}
	if (rc == TN_OK)
		rc = need_admin(e, "create recipients", err);
	if (rc == TN_OK)
		rc = settings_for_token(e, &endpoint, &ttl, err);
	if (rc == TN_OK && ine) {
		struct share_recipient old;

		if (share_recipient_get(e->cat, name, &old, NULL) == TN_OK) {
			share_recipient_done(&old);
			r->message = tn_asprintf("recipient %s exists already: nothing done", name);
			goto out;
		}
	}
	if (rc == TN_OK) {
		path = profile_path(e, name, "");
		if (path_exists(path))
			rc = tn_err_set(err, TN_EEXIST,
					"%s exists already: remove it, or SET %s to another directory",
					path, PROFILE_DIR_KEY);
	}
	if (rc == TN_OK) {
		props = props_json(keys, vals, nkv);
		rc = share_recipient_create(e->cat, name, comment, props, ttl, &token, err);
	}
	if (rc == TN_OK) {
		rc = share_profile_write(path, endpoint, token, token_expiry(e, name), err);
		/* a recipient whose token nobody has is of no use */
		if (rc != TN_OK)
			share_recipient_drop(e->cat, name, true, NULL);
	}
	if (rc == TN_OK) {
		char *head = tn_asprintf("recipient %s created", name);

		r->message = shown_once(head, path);
		free(head);
	}
out:
	token_wipe(token);
	strv_free(keys, nkv);
	strv_free(vals, nkv);
	free(name);
	free(comment);
	free(props);
	free(path);
	return rc;
}

static int alter_recipient(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
			   struct tn_err *err)
{
	char *name = NULL, *path = NULL, *token = NULL;
	const char *endpoint;
	int64_t grace = 0, ttl;
	int rc = tk_name(ts, &name, err);

	if (rc == TN_OK && (tk_expect_kw(ts, "ROTATE", err) != TN_OK ||
			    tk_expect_kw(ts, "TOKEN", err) != TN_OK))
		rc = TN_EINVAL;
	if (rc == TN_OK && tk_accept_kw(ts, "EXPIRE")) {
		if (tk_expect_kw(ts, "OLD", err) != TN_OK || tk_expect_kw(ts, "TOKEN", err) != TN_OK ||
		    tk_expect_kw(ts, "IN", err) != TN_OK || tk_int(ts, &grace, err) != TN_OK)
			rc = TN_EINVAL;
		if (rc == TN_OK && !tk_accept_kw(ts, "SECONDS") && !tk_accept_kw(ts, "SECOND"))
			rc = tk_error(ts, err, "expected SECONDS");
	}
	if (rc == TN_OK)
		rc = expect_end(ts, err);
	if (rc == TN_OK)
		rc = need_admin(e, "rotate tokens", err);
	if (rc == TN_OK)
		rc = settings_for_token(e, &endpoint, &ttl, err);
	if (rc == TN_OK) {
		struct share_recipient cur;

		/* unknown recipients fail before any file is made */
		rc = share_recipient_get(e->cat, name, &cur, err);
		if (rc == TN_OK)
			share_recipient_done(&cur);
	}
	if (rc == TN_OK) {
		char ts_buf[TN_TIME_BUFSZ], stamp[32];
		size_t k = 0;

		tn_time_format(tn_time_now_us(), true, ts_buf);
		/* 2025-01-02T03:04:05.678901Z -> .20250102T030405678901Z */
		stamp[k++] = '.';
		for (const char *c = ts_buf; *c && k < sizeof(stamp) - 1; c++)
			if (*c != '-' && *c != ':' && *c != '.')
				stamp[k++] = *c;
		stamp[k] = '\0';
		path = profile_path(e, name, stamp);
		if (path_exists(path))
			rc = tn_err_set(err, TN_EEXIST, "%s exists already: try again", path);
	}
	if (rc == TN_OK)
		rc = share_recipient_rotate(e->cat, name, grace, ttl, &token, err);
	if (rc == TN_OK) {
		rc = share_profile_write(path, endpoint, token, token_expiry(e, name), err);
		if (rc != TN_OK)
			tn_err_prefix(err, "the token of %s was rotated but its file could not be "
					   "written: rotate again",
				      name);
	}
	if (rc == TN_OK) {
		char *head = grace > 0 ? tn_asprintf("token of recipient %s rotated (the old one "
						     "works for %lld more seconds)",
						     name, (long long)grace)
				       : tn_asprintf("token of recipient %s rotated (the old one no "
						     "longer works)",
						     name);

		r->message = shown_once(head, path);
		free(head);
	}
	token_wipe(token);
	free(name);
	free(path);
	return rc;
}

static const char *token_status(const struct share_recipient *v, int64_t now)
{
	return v->token_expire_ms && v->token_expire_ms <= now ? "expired" : "active";
}

static int show_recipients(struct tarn_engine *e, struct tarn_result *r, struct tn_err *err)
{
	static const char *const cols[] = {"name", "created_at", "comment", "token_status",
					   "token_expires", "last_access"};
	struct share_recipient *v;
	size_t n;
	int64_t now = tn_time_now_us() / 1000;
	int rc = need_admin(e, "list recipients", err);

	if (rc == TN_OK)
		rc = share_recipient_list(e->cat, &v, &n, err);
	if (rc != TN_OK)
		return rc;
	res_columns(r, cols, 6);
	for (size_t i = 0; i < n; i++) {
		res_add_str(r, v[i].name);
		add_time(r, v[i].created_ms);
		res_add_str(r, v[i].comment);
		res_add_str(r, token_status(&v[i], now));
		add_time(r, v[i].token_expire_ms);
		add_time(r, v[i].last_access_ms);
	}
	share_recipients_free(v, n);
	return TN_OK;
}

static int describe_recipient(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
			      struct tn_err *err)
{
	static const char *const cols[] = {"name",	    "created_at",    "comment",
					   "properties",    "token_status",  "token_expires",
					   "old_token_expires", "last_access", "shares"};
	struct share_recipient v = {0};
	char *name = NULL, **shares = NULL;
	size_t ns = 0;
	int64_t now = tn_time_now_us() / 1000;
	int rc = tk_name(ts, &name, err);

	if (rc == TN_OK)
		rc = expect_end(ts, err);
	if (rc == TN_OK)
		rc = need_admin(e, "describe recipients", err);
	if (rc == TN_OK)
		rc = share_recipient_get(e->cat, name, &v, err);
	if (rc == TN_OK)
		rc = share_grant_list(e->cat, NULL, v.name, &shares, &ns, err);
	if (rc == TN_OK) {
		struct tn_buf b;

		tn_buf_init(&b, 0);
		for (size_t i = 0; i < ns; i++)
			tn_buf_printf(&b, NULL, "%s%s", i ? ", " : "", shares[i]);
		tn_buf_putc(&b, '\0', NULL);
		res_columns(r, cols, 9);
		res_add_str(r, v.name);
		add_time(r, v.created_ms);
		res_add_str(r, v.comment);
		res_add_str(r, v.props_json);
		res_add_str(r, token_status(&v, now));
		add_time(r, v.token_expire_ms);
		add_time(r, v.old_expire_ms > now ? v.old_expire_ms : 0);
		add_time(r, v.last_access_ms);
		res_add_str(r, (char *)b.data);
		tn_buf_done(&b);
	}
	strv_free(shares, ns);
	share_recipient_done(&v);
	free(name);
	return rc;
}

/* ---- grants ---- */

static int grant_share(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
		       struct tn_err *err)
{
	bool grant = tk_is_kw(ts, 0, "GRANT");
	char *share = NULL, *who = NULL;
	int rc;

	ts->pos += 4; /* GRANT SELECT ON SHARE */
	rc = tk_name(ts, &share, err);
	if (rc == TN_OK)
		rc = tk_expect_kw(ts, grant ? "TO" : "FROM", err);
	if (rc == TN_OK)
		rc = tk_expect_kw(ts, "RECIPIENT", err);
	if (rc == TN_OK)
		rc = tk_name(ts, &who, err);
	if (rc == TN_OK)
		rc = expect_end(ts, err);
	if (rc == TN_OK)
		rc = need_owner(e, share, grant ? "grant" : "revoke", err);
	if (rc == TN_OK)
		rc = grant ? share_grant(e->cat, share, who, err) : share_revoke(e->cat, share, who, err);
	if (rc == TN_OK)
		r->message = grant ? tn_asprintf("recipient %s may read share %s", who, share)
				   : tn_asprintf("recipient %s may no longer read share %s", who, share);
	free(share);
	free(who);
	return rc;
}

static int show_grants(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
		       struct tn_err *err)
{
	bool on = tk_is_kw(ts, 2, "ON");
	const char *cols[2] = {on ? "recipient" : "share", "privilege"};
	char *name = NULL, **v = NULL;
	size_t n = 0;
	int rc;

	ts->pos += 4; /* SHOW GRANTS ON SHARE / TO RECIPIENT */
	rc = tk_name(ts, &name, err);
	if (rc == TN_OK)
		rc = expect_end(ts, err);
	if (rc == TN_OK)
		rc = on ? need_owner(e, name, "see the grants", err)
			: need_admin(e, "see a recipient's grants", err);
	if (rc == TN_OK)
		rc = share_grant_list(e->cat, on ? name : NULL, on ? NULL : name, &v, &n, err);
	if (rc == TN_OK) {
		res_columns(r, cols, 2);
		for (size_t i = 0; i < n; i++) {
			res_add_str(r, v[i]);
			res_add_str(r, "SELECT");
		}
	}
	strv_free(v, n);
	free(name);
	return rc;
}

/* ---- the statement ---- */

int stmt_share(struct tarn_engine *e, struct toks *ts, struct tarn_result *r, struct tn_err *err)
{
	if (tk_is_kw(ts, 0, "GRANT") || tk_is_kw(ts, 0, "REVOKE"))
		return grant_share(e, ts, r, err);
	if (tk_is_kw(ts, 0, "SHOW")) {
		ts->pos++;
		if (tk_accept_kw(ts, "SHARES"))
			return expect_end(ts, err) != TN_OK ? TN_EINVAL : show_shares(e, r, err);
		if (tk_accept_kw(ts, "RECIPIENTS"))
			return expect_end(ts, err) != TN_OK ? TN_EINVAL
							     : show_recipients(e, r, err);
		if (tk_accept_kw(ts, "ALL")) {
			ts->pos += 2; /* IN SHARE */
			return describe_share(e, ts, r, err);
		}
		ts->pos--;
		return show_grants(e, ts, r, err);
	}
	{
		bool create = tk_is_kw(ts, 0, "CREATE"), drop = tk_is_kw(ts, 0, "DROP");
		bool alter = tk_is_kw(ts, 0, "ALTER");
		bool share;

		ts->pos++;
		share = tk_accept_kw(ts, "SHARE");
		if (!share)
			ts->pos++; /* RECIPIENT */
		if (create)
			return share ? create_share(e, ts, r, err) : create_recipient(e, ts, r, err);
		if (drop)
			return drop_named(e, ts, r, share, err);
		if (alter)
			return share ? alter_share(e, ts, r, err) : alter_recipient(e, ts, r, err);
		return share ? describe_share(e, ts, r, err) : describe_recipient(e, ts, r, err);
	}
}

/* ---- share_audit() ---- */

int share_sql_audit_table(struct tarn_engine *e, char **name, struct tn_err *err)
{
	struct cat_share_audit *v;
	size_t n;
	sqlite3_stmt *st = NULL;
	char nm[32], *sql;
	int rc = need_admin(e, "read the share audit log", err);

	*name = NULL;
	if (rc == TN_OK)
		rc = cat_share_audit_list(e->cat, -1, &v, &n, err);
	if (rc != TN_OK)
		return rc;
	snprintf(nm, sizeof(nm), "\"__t%d\"", ++e->next_tab);
	sql = tn_asprintf("CREATE TEMP TABLE %s (ts TEXT, recipient TEXT, method TEXT, path TEXT,"
			  " share TEXT, schema TEXT, \"table\" TEXT, version INTEGER,"
			  " files INTEGER, bytes INTEGER, status INTEGER, error TEXT,"
			  " remote TEXT)",
			  nm);
	rc = sess_exec(e, sql, err);
	free(sql);
	if (rc == TN_OK) {
		e->temps = tn_realloc(e->temps, (e->ntemps + 1) * sizeof(char *));
		e->temps[e->ntemps++] = tn_strdup(nm);
		sql = tn_asprintf("INSERT INTO temp.%s VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", nm);
		if (sqlite3_prepare_v2(e->db, sql, -1, &st, NULL) != SQLITE_OK)
			rc = sess_sqlite_error(e, sqlite3_errcode(e->db), "share_audit()", err);
		free(sql);
	}
	for (size_t i = 0; rc == TN_OK && i < n; i++) {
		const struct cat_share_audit *a = &v[i];
		char *t = time_text(a->ts_ms);
		int src;

		sqlite3_bind_text(st, 1, t, -1, SQLITE_TRANSIENT);
		cat_share_audit_bind(st, a);
		src = sqlite3_step(st);
		if (src != SQLITE_DONE)
			rc = sess_sqlite_error(e, src, "share_audit()", err);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		free(t);
	}
	sqlite3_finalize(st);
	cat_share_audit_free(v, n);
	if (rc == TN_OK)
		*name = tn_strdup(nm);
	return rc;
}

char *sess_share_cache(struct tarn_engine *e, const char *catalog)
{
	char *low = tn_strdup(catalog), *dir;

	for (char *p = low; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	dir = tn_asprintf("%s/.tarn/share-cache/%s", e->lakehouse, low);
	free(low);
	return dir;
}
