/* protocol.c - the endpoints of the Delta Sharing protocol, apart from
 * HTTP: shares, schemas, tables, versions, metadata, queries and changes,
 * answered from the share state (catalog) and the Delta logs, with every
 * file a recipient sees filtered by the share's partitions and given out
 * as a signed URL of this server. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/time.h"
#include "base/vec.h"
#include "delta/delta.h"
#include "share/server_int.h"
#include "share/share.h"

#define E_PARAM "INVALID_PARAMETER_VALUE"
#define E_NOTFOUND "RESOURCE_DOES_NOT_EXIST"
#define E_INTERNAL "INTERNAL_ERROR"
#define NDJSON "application/x-ndjson; charset=utf-8"
#define JSON "application/json; charset=utf-8"
/* The most items a list answers with, whatever maxResults says. */
#define MAX_PAGE 1000

void share_resp_init(struct share_resp *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->status = 200;
	rs->content_type = JSON;
	rs->version = -1;
	tn_buf_init(&rs->body, 0);
}

void share_resp_done(struct share_resp *rs)
{
	tn_buf_done(&rs->body);
	free(rs->share);
	free(rs->schema);
	free(rs->table);
}

int share_resp_error(struct share_resp *rs, int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	cJSON *o = cJSON_CreateObject();
	char *text;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(o, "errorCode", code);
	cJSON_AddStringToObject(o, "message", msg);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	tn_buf_reset(&rs->body);
	tn_buf_puts(&rs->body, text, NULL);
	free(text);
	rs->status = status;
	rs->content_type = JSON;
	rs->error = code;
	rs->capabilities[0] = '\0';
	return status;
}

/* One object as one NDJSON line: cJSON escapes newlines inside strings. */
static void put_line(struct share_resp *rs, cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);

	tn_buf_puts(&rs->body, text, NULL);
	tn_buf_putc(&rs->body, '\n', NULL);
	free(text);
	cJSON_Delete(o);
}

static void put_json(struct share_resp *rs, cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);

	tn_buf_puts(&rs->body, text, NULL);
	free(text);
	cJSON_Delete(o);
}

/* ------------------------------------------------------------ lists */

struct page {
	size_t offset, max;
};

/* maxResults and pageToken of a list; scope binds the token. */
static int page_parse(struct share_srv *s, const struct share_req *rq, const char *scope,
		      struct page *pg, struct share_resp *rs)
{
	const char *mr = rq->arg(rq->arg_ctx, "maxResults");
	const char *tok = rq->arg(rq->arg_ctx, "pageToken");

	pg->offset = 0;
	pg->max = MAX_PAGE;
	if (mr != NULL) {
		int64_t v;

		if (tn_parse_i64(mr, &v, "maxResults", NULL) != TN_OK || v < 0 || v > INT32_MAX)
			return share_resp_error(rs, 400, E_PARAM,
						"maxResults must be a non-negative 32-bit integer");
		pg->max = v < MAX_PAGE ? (size_t)v : MAX_PAGE;
	}
	if (tok != NULL && *tok != '\0' &&
	    share_page_token_parse(s->key, scope, tok, &pg->offset, NULL) != TN_OK)
		return share_resp_error(rs, 400, E_PARAM, "invalid pageToken");
	return 0;
}

/* Items [offset, offset + max) of n: *end; the next page's token when more. */
static void page_finish(struct share_srv *s, const char *scope, const struct page *pg, size_t n,
			cJSON *resp, cJSON *items, size_t *from, size_t *to)
{
	*from = pg->offset < n ? pg->offset : n;
	*to = n - *from > pg->max ? *from + pg->max : n;
	cJSON_AddItemToObject(resp, "items", items);
	if (*to < n) {
		char *t = share_page_token(s->key, scope, *to);

		cJSON_AddStringToObject(resp, "nextPageToken", t);
		free(t);
	}
}

static char *scope_of(const char *what, const char *recipient, const char *share,
		      const char *schema)
{
	char *sc = tn_asprintf("%s\n%s\n%s\n%s", what, recipient, share ? share : "",
			       schema ? schema : "");

	return tn_str_lower(sc);
}

/* The tables of a share as the recipient sees them; 404 when the share
 * does not exist or is not granted to it (the two look the same). */
static int load_tables(struct share_srv *s, const struct share_req *rq, const char *share,
		       struct share_table **v, size_t *n, struct share_resp *rs)
{
	struct tn_err err;
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = share_tables(s->cat, share, rq->recipient, v, n, &err);
	pthread_mutex_unlock(&s->lock);
	if (rc == TN_ENOENT)
		return share_resp_error(rs, 404, E_NOTFOUND, "share '%s' not found", share);
	if (rc != TN_OK)
		return share_resp_error(rs, 500, E_INTERNAL, "the share state could not be read");
	return 0;
}

static void add_table_item(cJSON *items, const struct share_table *t, const char *share_id)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", t->name);
	cJSON_AddStringToObject(o, "schema", t->schema);
	cJSON_AddStringToObject(o, "share", t->share);
	if (share_id)
		cJSON_AddStringToObject(o, "shareId", share_id);
	cJSON_AddStringToObject(o, "id", t->id);
	cJSON_AddItemToArray(items, o);
}

static char *share_id_of(struct share_srv *s, const char *share)
{
	struct share_info si;
	char *id = NULL;

	memset(&si, 0, sizeof(si));
	pthread_mutex_lock(&s->lock);
	if (share_get(s->cat, share, &si, NULL) == TN_OK) {
		id = si.id ? tn_strdup(si.id) : NULL;
		free(si.name), free(si.comment), free(si.id), free(si.owner);
	}
	pthread_mutex_unlock(&s->lock);
	return id;
}

static void list_shares(struct share_srv *s, const struct share_req *rq, struct share_resp *rs)
{
	char *scope = scope_of("shares", rq->recipient, NULL, NULL);
	struct share_info *v = NULL;
	struct page pg;
	size_t n = 0, from, to;
	cJSON *resp, *items;
	int rc;

	if (page_parse(s, rq, scope, &pg, rs) != 0)
		goto done;
	pthread_mutex_lock(&s->lock);
	rc = share_list(s->cat, rq->recipient, &v, &n, NULL);
	pthread_mutex_unlock(&s->lock);
	if (rc != TN_OK) {
		share_resp_error(rs, 500, E_INTERNAL, "the share state could not be read");
		goto done;
	}
	resp = cJSON_CreateObject();
	items = cJSON_CreateArray();
	page_finish(s, scope, &pg, n, resp, items, &from, &to);
	for (size_t i = from; i < to; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", v[i].name);
		if (v[i].id)
			cJSON_AddStringToObject(o, "id", v[i].id);
		if (v[i].comment)
			cJSON_AddStringToObject(o, "comment", v[i].comment);
		cJSON_AddItemToArray(items, o);
	}
	put_json(rs, resp);
	share_info_free(v, n);
done:
	free(scope);
}

static void get_share(struct share_srv *s, const struct share_req *rq, const char *share,
		      struct share_resp *rs)
{
	struct share_info *v = NULL;
	size_t n = 0;
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = share_list(s->cat, rq->recipient, &v, &n, NULL);
	pthread_mutex_unlock(&s->lock);
	if (rc != TN_OK) {
		share_resp_error(rs, 500, E_INTERNAL, "the share state could not be read");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (tn_str_ieq(v[i].name, share)) {
			cJSON *resp = cJSON_CreateObject(), *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "name", v[i].name);
			if (v[i].id)
				cJSON_AddStringToObject(o, "id", v[i].id);
			if (v[i].comment)
				cJSON_AddStringToObject(o, "comment", v[i].comment);
			cJSON_AddItemToObject(resp, "share", o);
			put_json(rs, resp);
			share_info_free(v, n);
			return;
		}
	}
	share_info_free(v, n);
	share_resp_error(rs, 404, E_NOTFOUND, "share '%s' not found", share);
}

static void list_schemas(struct share_srv *s, const struct share_req *rq, const char *share,
			 struct share_resp *rs)
{
	char *scope = scope_of("schemas", rq->recipient, share, NULL);
	struct share_table *v = NULL;
	const char **names;
	size_t n = 0, ns = 0, from, to;
	struct page pg;
	cJSON *resp, *items;

	if (page_parse(s, rq, scope, &pg, rs) != 0 || load_tables(s, rq, share, &v, &n, rs) != 0)
		goto done;
	/* the tables come sorted by schema: its distinct names */
	names = tn_calloc(n + 1, sizeof(*names));
	for (size_t i = 0; i < n; i++)
		if (ns == 0 || !tn_str_ieq(names[ns - 1], v[i].schema))
			names[ns++] = v[i].schema;
	resp = cJSON_CreateObject();
	items = cJSON_CreateArray();
	page_finish(s, scope, &pg, ns, resp, items, &from, &to);
	for (size_t i = from; i < to; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", names[i]);
		cJSON_AddStringToObject(o, "share", v[0].share);
		cJSON_AddItemToArray(items, o);
	}
	put_json(rs, resp);
	free(names);
	share_tables_free(v, n);
done:
	free(scope);
}

/* schema NULL: every table of the share (all-tables). */
static void list_tables(struct share_srv *s, const struct share_req *rq, const char *share,
			const char *schema, struct share_resp *rs)
{
	char *scope = scope_of(schema ? "tables" : "all-tables", rq->recipient, share, schema);
	struct share_table *v = NULL;
	size_t n = 0, nt = 0, from, to, *idx;
	struct page pg;
	cJSON *resp, *items;
	char *share_id;

	if (page_parse(s, rq, scope, &pg, rs) != 0 || load_tables(s, rq, share, &v, &n, rs) != 0)
		goto done;
	idx = tn_calloc(n + 1, sizeof(*idx));
	for (size_t i = 0; i < n; i++)
		if (schema == NULL || tn_str_ieq(v[i].schema, schema))
			idx[nt++] = i;
	if (schema != NULL && nt == 0) {
		share_resp_error(rs, 404, E_NOTFOUND, "schema '%s' not found in share '%s'", schema,
				 share);
		free(idx);
		share_tables_free(v, n);
		goto done;
	}
	share_id = share_id_of(s, share);
	resp = cJSON_CreateObject();
	items = cJSON_CreateArray();
	page_finish(s, scope, &pg, nt, resp, items, &from, &to);
	for (size_t i = from; i < to; i++)
		add_table_item(items, &v[idx[i]], share_id);
	put_json(rs, resp);
	free(share_id);
	free(idx);
	share_tables_free(v, n);
done:
	free(scope);
}

/* ------------------------------------------------------------ tables */

struct tctx {
	struct share_srv *s;
	const struct share_req *rq;
	struct share_resp *rs;
	struct share_table *tabs;
	size_t ntabs;
	const struct share_table *t;
	struct delta_table *dt;
	struct delta_snapshot *snap;  /* the version asked for (or the latest) */
	struct delta_filter *part;    /* the share's partition filter, or NULL */
	struct delta_filter **hints;  /* the predicate hints that bound */
	size_t nhints;
	bool delta;                   /* responseformat=delta */
	int64_t expire_ms;
	int64_t min_expire;
};

static void tctx_done(struct tctx *x)
{
	for (size_t i = 0; i < x->nhints; i++)
		delta_filter_free(x->hints[i]);
	free(x->hints);
	delta_filter_free(x->part);
	delta_snapshot_free(x->snap);
	delta_table_close(x->dt);
	share_tables_free(x->tabs, x->ntabs);
}

static int find_table(struct tctx *x, const char *share, const char *schema, const char *name)
{
	if (load_tables(x->s, x->rq, share, &x->tabs, &x->ntabs, x->rs) != 0)
		return -1;
	for (size_t i = 0; i < x->ntabs; i++)
		if (tn_str_ieq(x->tabs[i].schema, schema) && tn_str_ieq(x->tabs[i].name, name))
			x->t = &x->tabs[i];
	if (x->t == NULL) {
		bool has_schema = false;

		for (size_t i = 0; i < x->ntabs; i++)
			has_schema |= tn_str_ieq(x->tabs[i].schema, schema);
		if (!has_schema)
			share_resp_error(x->rs, 404, E_NOTFOUND,
					 "schema '%s' not found in share '%s'", schema, share);
		else
			share_resp_error(x->rs, 404, E_NOTFOUND, "table '%s.%s' not found in share '%s'",
					 schema, name, share);
		return -1;
	}
	x->rs->table = tn_strdup(x->t->name);
	if (delta_table_open(x->s->st, x->t->location, &x->dt, NULL) != TN_OK) {
		share_resp_error(x->rs, 500, E_INTERNAL, "table '%s.%s' cannot be read", schema, name);
		return -1;
	}
	return 0;
}

static int need_history(struct tctx *x, const char *what)
{
	if (x->t->history)
		return 0;
	return share_resp_error(x->rs, 400, E_PARAM,
				"%s is not supported because history sharing is not enabled on "
				"table '%s.%s.%s'",
				what, x->t->share, x->t->schema, x->t->name);
}

static int parse_ts(struct tctx *x, const char *name, const char *text, int64_t *us)
{
	if (tn_time_parse(text, us, NULL) != TN_OK)
		return share_resp_error(x->rs, 400, E_PARAM,
					"%s must be a timestamp like 2022-01-01T00:00:00Z", name);
	return 0;
}

static int open_snapshot(struct tctx *x, int64_t version)
{
	struct tn_err err;
	int rc = delta_snapshot_open(x->dt, version, &x->snap, &err);

	if (rc == TN_EINVAL)
		return share_resp_error(x->rs, 400, E_PARAM, "%s", err.msg);
	if (rc != TN_OK)
		return share_resp_error(x->rs, 500, E_INTERNAL, "the table's log cannot be read");
	return 0;
}

/* The latest version committed at or before ts (at_or_after false), or
 * the earliest at or after it (true). */
static int version_for_ts(struct tctx *x, int64_t ts_us, bool at_or_after, int64_t *v)
{
	struct delta_snapshot *latest = NULL, *s = NULL;
	int64_t lts;
	int rc = delta_snapshot_open(x->dt, -1, &latest, NULL);

	if (rc != TN_OK)
		return share_resp_error(x->rs, 500, E_INTERNAL, "the table's log cannot be read");
	lts = delta_snapshot_timestamp(latest);
	delta_snapshot_free(latest);
	if (ts_us > lts * 1000 + 999) {
		if (at_or_after)
			return share_resp_error(x->rs, 400, E_PARAM,
						"the timestamp is after the latest version");
		*v = delta_table_latest_version(x->dt);
		return 0;
	}
	rc = delta_snapshot_open_at(x->dt, ts_us, &s, NULL);
	if (rc == TN_EINVAL) {
		if (!at_or_after)
			return share_resp_error(x->rs, 400, E_PARAM,
						"the timestamp is before the earliest version");
		*v = delta_table_earliest_version(x->dt);
		return 0;
	}
	if (rc != TN_OK)
		return share_resp_error(x->rs, 500, E_INTERNAL, "the table's log cannot be read");
	*v = delta_snapshot_version(s);
	if (at_or_after && delta_snapshot_timestamp(s) * 1000 < ts_us)
		(*v)++;
	delta_snapshot_free(s);
	return 0;
}

/* Negotiate the response format (the delta-sharing-capabilities header). */
static int negotiate(struct tctx *x)
{
	const struct delta_protocol *p = delta_snapshot_protocol(x->snap);
	bool want_delta = false, want_parquet = false, end_stream = false;
	char *caps = tn_strdup(x->rq->capabilities ? x->rq->capabilities : ""), *save = NULL;
	char *features = NULL;
	bool advanced = p->min_reader_version > 1;
	int rc = 0;

	tn_str_lower(caps);
	for (char *kv = strtok_r(caps, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(kv, '='), *k = tn_str_trim(kv);

		if (eq == NULL)
			continue;
		*eq = '\0';
		k = tn_str_trim(k);
		if (strcmp(k, "responseformat") == 0) {
			char *s2 = NULL;

			for (char *f = strtok_r(eq + 1, ",", &s2); f; f = strtok_r(NULL, ",", &s2)) {
				f = tn_str_trim(f);
				want_delta |= strcmp(f, "delta") == 0;
				want_parquet |= strcmp(f, "parquet") == 0;
			}
		} else if (strcmp(k, "readerfeatures") == 0) {
			features = eq + 1;
		} else if (strcmp(k, "includeendstreamaction") == 0) {
			end_stream = strcmp(tn_str_trim(eq + 1), "true") == 0;
		}
	}
	x->delta = want_delta && (!want_parquet || advanced);
	if (advanced && !x->delta) {
		rc = share_resp_error(x->rs, 400, E_PARAM,
				      "table '%s.%s.%s' needs minReaderVersion %d: ask for "
				      "responseformat=delta",
				      x->t->share, x->t->schema, x->t->name, p->min_reader_version);
		goto done;
	}
	if (x->delta) {
		/* every reader feature the table uses must be one the client reads */
		for (size_t i = 0; i < p->n_reader_features; i++) {
			char *want = tn_str_lower(tn_strdup(p->reader_features[i]));
			bool ok = false;
			char *list = tn_strdup(features ? features : ""), *s2 = NULL;

			for (char *f = strtok_r(list, ",", &s2); f; f = strtok_r(NULL, ",", &s2))
				ok |= strcmp(tn_str_trim(f), want) == 0;
			free(list);
			if (!ok)
				rc = share_resp_error(x->rs, 400, E_PARAM,
						      "table '%s.%s.%s' uses the reader feature %s: "
						      "list it in readerfeatures",
						      x->t->share, x->t->schema, x->t->name,
						      p->reader_features[i]);
			free(want);
			if (rc)
				goto done;
		}
	}
	snprintf(x->rs->capabilities, sizeof(x->rs->capabilities), "responseformat=%s%s",
		 x->delta ? "delta" : "parquet", end_stream ? ";includeendstreamaction=true" : "");
done:
	free(caps);
	return rc;
}

static bool end_stream_wanted(const struct tctx *x)
{
	return strstr(x->rs->capabilities, "includeendstreamaction=true") != NULL;
}

/* s between quotes q, a quote inside doubled (SQL's '' and ``). */
static void put_quoted(struct tn_buf *b, const char *s, char q)
{
	tn_buf_putc(b, q, NULL);
	for (; *s; s++) {
		if (*s == q)
			tn_buf_putc(b, q, NULL);
		tn_buf_putc(b, *s, NULL);
	}
	tn_buf_putc(b, q, NULL);
}

/* A predicate on one column: `col` = literal, the literal as the column's
 * type wants it. */
static char *part_text(const struct tn_schema *sc, const struct share_part *p)
{
	int c = tn_schema_find(sc, p->col);
	enum tn_kind k = c >= 0 ? sc->cols[c].type.kind : TN_STRING;
	struct tn_buf b;

	tn_buf_init(&b, 0);
	put_quoted(&b, p->col, '`');
	tn_buf_puts(&b, " = ", NULL);
	if (k == TN_BOOL || (k >= TN_INT8 && k <= TN_DECIMAL))
		tn_buf_puts(&b, p->value, NULL);
	else
		put_quoted(&b, p->value, '\'');
	tn_buf_putc(&b, '\0', NULL);
	return tn_buf_detach(&b, NULL);
}

/* The share's partition filter: exact on partition columns. A filter that
 * cannot be built serves nothing (fail closed). */
static int build_part_filter(struct tctx *x)
{
	const struct delta_metadata *md = delta_snapshot_metadata(x->snap);
	const struct tn_schema *sc = delta_snapshot_schema(x->snap);
	struct delta_pred *p = NULL;
	struct tn_buf b;
	int rc = 0;

	if (x->t->nparts == 0)
		return 0;
	tn_buf_init(&b, 0);
	for (size_t i = 0; i < x->t->nparts; i++) {
		bool is_part = false;
		char *one;

		for (size_t j = 0; j < md->n_partition_columns; j++)
			is_part |= tn_str_ieq(md->partition_columns[j], x->t->parts[i].col);
		if (!is_part) {
			rc = share_resp_error(x->rs, 500, E_INTERNAL,
					      "the share's partition filter names '%s', not a "
					      "partition column of the table",
					      x->t->parts[i].col);
			goto done;
		}
		one = part_text(sc, &x->t->parts[i]);
		tn_buf_printf(&b, NULL, "%s%s", i ? " AND " : "", one);
		free(one);
	}
	tn_buf_putc(&b, '\0', NULL);
	if (delta_pred_parse(b.data, &p, NULL) != TN_OK ||
	    delta_filter_open(x->snap, p, &x->part, NULL) != TN_OK)
		rc = share_resp_error(x->rs, 500, E_INTERNAL,
				      "the share's partition filter cannot be applied");
done:
	delta_pred_free(p);
	tn_buf_done(&b);
	return rc;
}

static void add_hint(struct tctx *x, const char *text)
{
	struct delta_pred *p = NULL;
	struct delta_filter *f = NULL;

	/* hints are best effort: one that does not parse or bind is skipped */
	if (delta_pred_parse(text, &p, NULL) == TN_OK &&
	    delta_filter_open(x->snap, p, &f, NULL) == TN_OK) {
		x->hints = tn_reallocarray(x->hints, x->nhints + 1, sizeof(*x->hints));
		x->hints[x->nhints++] = f;
	}
	delta_pred_free(p);
}

/* jsonPredicateHints as predicate text; NULL for what it cannot say. */
static char *json_pred_text(const cJSON *j, int depth)
{
	static const struct {
		const char *op, *sql;
	} cmp[] = {{"equal", "="},
		   {"lessThan", "<"},
		   {"lessThanOrEqual", "<="},
		   {"greaterThan", ">"},
		   {"greaterThanOrEqual", ">="}};
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(j, "op");
	const cJSON *ch = cJSON_GetObjectItemCaseSensitive(j, "children");
	int n = cJSON_IsArray(ch) ? cJSON_GetArraySize(ch) : 0;

	if (depth > 32 || !cJSON_IsString(op))
		return NULL;
	if (strcmp(op->valuestring, "column") == 0) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(j, "name");

		if (!cJSON_IsString(nm) || strchr(nm->valuestring, '`'))
			return NULL;
		return tn_asprintf("`%s`", nm->valuestring);
	}
	if (strcmp(op->valuestring, "literal") == 0) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "value");
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "valueType");
		struct tn_buf b;

		if (!cJSON_IsString(v) || !cJSON_IsString(t))
			return NULL;
		if (strcmp(t->valuestring, "string") != 0 && strcmp(t->valuestring, "date") != 0 &&
		    strcmp(t->valuestring, "timestamp") != 0) {
			int64_t iv;
			char *end;

			if (strcmp(t->valuestring, "bool") == 0)
				return strcmp(v->valuestring, "true") == 0 ||
						       strcmp(v->valuestring, "false") == 0
					       ? tn_strdup(v->valuestring)
					       : NULL;
			if (tn_parse_i64(v->valuestring, &iv, "v", NULL) == TN_OK)
				return tn_strdup(v->valuestring);
			strtod(v->valuestring, &end);
			return *v->valuestring && *end == '\0' ? tn_strdup(v->valuestring) : NULL;
		}
		tn_buf_init(&b, 0);
		put_quoted(&b, v->valuestring, '\'');
		tn_buf_putc(&b, '\0', NULL);
		return tn_buf_detach(&b, NULL);
	}
	if (strcmp(op->valuestring, "isNull") == 0 && n == 1) {
		char *c = json_pred_text(cJSON_GetArrayItem(ch, 0), depth + 1);
		char *r = c ? tn_asprintf("%s IS NULL", c) : NULL;

		free(c);
		return r;
	}
	if (strcmp(op->valuestring, "not") == 0 && n == 1) {
		char *c = json_pred_text(cJSON_GetArrayItem(ch, 0), depth + 1);
		char *r = c ? tn_asprintf("NOT (%s)", c) : NULL;

		free(c);
		return r;
	}
	if ((strcmp(op->valuestring, "and") == 0 || strcmp(op->valuestring, "or") == 0) && n >= 1) {
		struct tn_buf b;

		tn_buf_init(&b, 0);
		for (int i = 0; i < n; i++) {
			char *c = json_pred_text(cJSON_GetArrayItem(ch, i), depth + 1);

			if (c == NULL) {
				tn_buf_done(&b);
				return NULL;
			}
			tn_buf_printf(&b, NULL, "%s(%s)", i ? (op->valuestring[0] == 'a' ? " AND " : " OR ")
							    : "",
				      c);
			free(c);
		}
		tn_buf_putc(&b, '\0', NULL);
		return tn_buf_detach(&b, NULL);
	}
	for (size_t k = 0; k < sizeof(cmp) / sizeof(cmp[0]); k++) {
		if (strcmp(op->valuestring, cmp[k].op) == 0 && n == 2) {
			char *a = json_pred_text(cJSON_GetArrayItem(ch, 0), depth + 1);
			char *b = json_pred_text(cJSON_GetArrayItem(ch, 1), depth + 1);
			char *r = a && b ? tn_asprintf("%s %s %s", a, cmp[k].sql, b) : NULL;

			free(a);
			free(b);
			return r;
		}
	}
	return NULL;
}

/* A file action's fields as a delta_file for the filters (kv: owned). */
static void file_of(const cJSON *a, struct delta_file *f)
{
	const cJSON *pv = cJSON_GetObjectItemCaseSensitive(a, "partitionValues");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(a, "stats");
	const cJSON *e;
	size_t n = 0;

	memset(f, 0, sizeof(*f));
	f->num_records = -1;
	f->partition_values = tn_calloc((size_t)cJSON_GetArraySize(pv) + 1, sizeof(struct delta_kv));
	cJSON_ArrayForEach(e, pv) {
		f->partition_values[n].key = e->string;
		f->partition_values[n++].value = cJSON_IsString(e) ? e->valuestring : NULL;
	}
	f->n_partition_values = n;
	if (cJSON_IsString(st)) {
		cJSON *sj = cJSON_Parse(st->valuestring);
		const cJSON *nr = cJSON_GetObjectItemCaseSensitive(sj, "numRecords");

		f->stats = st->valuestring;
		if (cJSON_IsNumber(nr))
			f->num_records = (int64_t)nr->valuedouble;
		cJSON_Delete(sj);
	}
}

/* Whether a file action may be given out: inside the share's partitions
 * (always enforced) and, when hints is set, not ruled out by a hint. */
static bool file_allowed(struct tctx *x, const cJSON *a, bool hints)
{
	struct delta_file f;
	bool ok = true;

	if (x->part == NULL && (!hints || x->nhints == 0))
		return true;
	file_of(a, &f);
	/* a remove without partition values cannot be placed: not given out */
	if (x->part != NULL &&
	    (cJSON_GetObjectItemCaseSensitive(a, "partitionValues") == NULL ||
	     delta_filter_skip(x->part, &f)))
		ok = false;
	for (size_t i = 0; ok && hints && i < x->nhints; i++)
		if (delta_filter_skip(x->hints[i], &f))
			ok = false;
	free(f.partition_values);
	return ok;
}

/* A file's stable id: its path hashed (the same file, the same id). */
static void file_id(const char *path, char out[33])
{
	uint8_t d[TN_SHA256_LEN];

	tn_sha256(path, strlen(path), d);
	tn_hex(d, 16, out);
}

static char *signed_url(struct tctx *x, const char *path)
{
	char *rel = share_file_sign(x->s->key, x->t->id, path, x->expire_ms);
	char *url = tn_asprintf("%s%s", x->s->base_url, rel);

	free(rel);
	return url;
}

/* A deletion vector on disk is given out as a signed URL too ('p'); its
 * path relative to the table's root is what is signed. NULL: cannot. */
static char *dv_rel_path(struct tctx *x, const cJSON *dvj)
{
	struct delta_dv_desc d;
	const char *root = delta_table_root(x->dt);
	char *abs = NULL, *rel = NULL;
	size_t rl = strlen(root);

	if (delta_dv_desc_parse(dvj, &d, NULL) != TN_OK)
		return NULL;
	if (d.storage_type != 'i' && delta_dv_file_path(root, &d, &abs, NULL) == TN_OK &&
	    strncmp(abs, root, rl) == 0 && abs[rl] == '/')
		rel = tn_strdup(abs + rl + 1);
	free(abs);
	delta_dv_desc_done(&d);
	return rel;
}

/* Emit one file action (kind "add", "remove" or "cdc"; snapshot: the
 * parquet wrapper is "file"), version/ts < 0: none. encoded: its path is
 * as the log writes it (URI-encoded); snapshot files' are decoded. */
static void emit_file_as(struct tctx *x, const char *kind, const cJSON *a, bool snapshot,
			 bool encoded, int64_t version, int64_t ts)
{
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(a, "path");
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(a, "size");
	const cJSON *pv = cJSON_GetObjectItemCaseSensitive(a, "partitionValues");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(a, "stats");
	const cJSON *dvj = cJSON_GetObjectItemCaseSensitive(a, "deletionVector");
	char id[33], *decoded, *url;
	cJSON *line, *o;

	if (!cJSON_IsString(path))
		return;
	line = cJSON_CreateObject();
	o = cJSON_CreateObject();
	decoded = encoded ? delta_path_decode(path->valuestring) : tn_strdup(path->valuestring);
	file_id(decoded, id);
	url = signed_url(x, decoded);
	if (x->delta) {
		cJSON *act = cJSON_Duplicate(a, 1), *single = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", id);
		cJSON_ReplaceItemInObjectCaseSensitive(act, "path", cJSON_CreateString(url));
		if (cJSON_IsObject(dvj)) {
			char *rel = dv_rel_path(x, dvj);

			if (rel != NULL) {
				cJSON *ndv = cJSON_Duplicate(dvj, 1);
				char dvid[33], *dvurl = signed_url(x, rel);

				file_id(rel, dvid);
				cJSON_AddStringToObject(o, "deletionVectorFileId", dvid);
				cJSON_ReplaceItemInObjectCaseSensitive(ndv, "storageType",
								       cJSON_CreateString("p"));
				cJSON_ReplaceItemInObjectCaseSensitive(ndv, "pathOrInlineDv",
								       cJSON_CreateString(dvurl));
				cJSON_ReplaceItemInObjectCaseSensitive(act, "deletionVector", ndv);
				free(dvurl);
				free(rel);
			}
		}
		if (version >= 0) {
			cJSON_AddNumberToObject(o, "version", (double)version);
			cJSON_AddNumberToObject(o, "timestamp", (double)ts);
		}
		cJSON_AddNumberToObject(o, "expirationTimestamp", (double)x->expire_ms);
		cJSON_AddItemToObject(single, kind, act);
		cJSON_AddItemToObject(o, "deltaSingleAction", single);
		cJSON_AddItemToObject(line, "file", o);
	} else {
		cJSON_AddStringToObject(o, "url", url);
		cJSON_AddStringToObject(o, "id", id);
		cJSON_AddItemToObject(o, "partitionValues",
				      pv ? cJSON_Duplicate(pv, 1) : cJSON_CreateObject());
		cJSON_AddNumberToObject(o, "size", cJSON_IsNumber(size) ? size->valuedouble : 0);
		if (cJSON_IsString(st) && strcmp(kind, "add") == 0)
			cJSON_AddStringToObject(o, "stats", st->valuestring);
		if (version >= 0) {
			cJSON_AddNumberToObject(o, "version", (double)version);
			cJSON_AddNumberToObject(o, "timestamp", (double)ts);
		}
		cJSON_AddNumberToObject(o, "expirationTimestamp", (double)x->expire_ms);
		cJSON_AddItemToObject(line, snapshot ? "file" : strcmp(kind, "cdc") == 0 ? "cdf" : kind,
				      o);
	}
	x->rs->files++;
	x->rs->bytes += cJSON_IsNumber(size) ? (int64_t)size->valuedouble : 0;
	free(url);
	free(decoded);
	put_line(x->rs, line);
}

static void emit_file(struct tctx *x, const char *kind, const cJSON *a, bool snapshot,
		      int64_t version, int64_t ts)
{
	emit_file_as(x, kind, a, snapshot, !snapshot, version, ts);
}

/* The protocol and metaData lines; md and proto in their log form. */
static void emit_protocol(struct tctx *x, const cJSON *proto)
{
	cJSON *line = cJSON_CreateObject(), *o = cJSON_CreateObject();

	if (x->delta) {
		cJSON_AddItemToObject(o, "deltaProtocol", cJSON_Duplicate(proto, 1));
	} else {
		cJSON_AddNumberToObject(o, "minReaderVersion", 1);
	}
	cJSON_AddItemToObject(line, "protocol", o);
	put_line(x->rs, line);
}

static void emit_metadata(struct tctx *x, const cJSON *md, int64_t version, int64_t size,
			  int64_t nfiles)
{
	cJSON *line = cJSON_CreateObject(), *o;

	if (x->delta) {
		o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "deltaMetadata", cJSON_Duplicate(md, 1));
	} else {
		static const char *const keep[] = {"id", "name", "description", "format",
						   "schemaString", "partitionColumns",
						   "configuration"};

		o = cJSON_CreateObject();
		for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(md, keep[i]);

			if (v && !cJSON_IsNull(v))
				cJSON_AddItemToObject(o, keep[i], cJSON_Duplicate(v, 1));
		}
	}
	if (version >= 0)
		cJSON_AddNumberToObject(o, "version", (double)version);
	if (size >= 0) {
		cJSON_AddNumberToObject(o, "size", (double)size);
		cJSON_AddNumberToObject(o, "numFiles", (double)nfiles);
	}
	cJSON_AddItemToObject(line, "metaData", o);
	put_line(x->rs, line);
}

static cJSON *protocol_json(const struct delta_protocol *p)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "minReaderVersion", p->min_reader_version);
	cJSON_AddNumberToObject(o, "minWriterVersion", p->min_writer_version);
	if (p->reader_features) {
		cJSON *a = cJSON_AddArrayToObject(o, "readerFeatures");

		for (size_t i = 0; i < p->n_reader_features; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(p->reader_features[i]));
	}
	if (p->writer_features) {
		cJSON *a = cJSON_AddArrayToObject(o, "writerFeatures");

		for (size_t i = 0; i < p->n_writer_features; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(p->writer_features[i]));
	}
	return o;
}

static cJSON *metadata_json(const struct delta_metadata *m)
{
	cJSON *o = cJSON_CreateObject(), *fmt = cJSON_CreateObject(), *pc, *cf;

	cJSON_AddStringToObject(o, "id", m->id);
	if (m->name)
		cJSON_AddStringToObject(o, "name", m->name);
	if (m->description)
		cJSON_AddStringToObject(o, "description", m->description);
	cJSON_AddStringToObject(fmt, "provider", m->provider ? m->provider : "parquet");
	cJSON_AddItemToObject(fmt, "options", cJSON_CreateObject());
	cJSON_AddItemToObject(o, "format", fmt);
	cJSON_AddStringToObject(o, "schemaString", m->schema_string);
	pc = cJSON_AddArrayToObject(o, "partitionColumns");
	for (size_t i = 0; i < m->n_partition_columns; i++)
		cJSON_AddItemToArray(pc, cJSON_CreateString(m->partition_columns[i]));
	cf = cJSON_AddObjectToObject(o, "configuration");
	for (size_t i = 0; i < m->n_configuration; i++)
		if (m->configuration[i].value)
			cJSON_AddStringToObject(cf, m->configuration[i].key, m->configuration[i].value);
	if (m->has_created_time)
		cJSON_AddNumberToObject(o, "createdTime", (double)m->created_time);
	return o;
}

/* A snapshot file in its log form. */
static cJSON *file_json(const struct delta_file *f)
{
	cJSON *o = cJSON_CreateObject(), *pv;

	cJSON_AddStringToObject(o, "path", f->path);
	pv = cJSON_AddObjectToObject(o, "partitionValues");
	for (size_t i = 0; i < f->n_partition_values; i++) {
		if (f->partition_values[i].value)
			cJSON_AddStringToObject(pv, f->partition_values[i].key,
						f->partition_values[i].value);
		else
			cJSON_AddNullToObject(pv, f->partition_values[i].key);
	}
	cJSON_AddNumberToObject(o, "size", (double)f->size);
	cJSON_AddNumberToObject(o, "modificationTime", (double)f->modification_time);
	cJSON_AddBoolToObject(o, "dataChange", true);
	if (f->stats)
		cJSON_AddStringToObject(o, "stats", f->stats);
	if (f->has_dv)
		cJSON_AddItemToObject(o, "deletionVector", delta_dv_desc_to_json(&f->dv));
	return o;
}

/* The head lines: protocol and metadata of the snapshot; with size and
 * numFiles of what the recipient may see. */
static void emit_head(struct tctx *x, int64_t version)
{
	cJSON *p = protocol_json(delta_snapshot_protocol(x->snap));
	cJSON *m = metadata_json(delta_snapshot_metadata(x->snap));
	int64_t size = 0, nfiles = 0;

	for (size_t i = 0; i < delta_snapshot_num_files(x->snap); i++) {
		const struct delta_file *f = delta_snapshot_file(x->snap, i);
		/* without a partition filter every file counts: no JSON to make */
		cJSON *fj = x->part != NULL ? file_json(f) : NULL;

		if (fj == NULL || file_allowed(x, fj, false)) {
			size += f->size;
			nfiles++;
		}
		cJSON_Delete(fj);
	}
	emit_protocol(x, p);
	emit_metadata(x, m, version, size, nfiles);
	cJSON_Delete(p);
	cJSON_Delete(m);
}

static void emit_end(struct tctx *x)
{
	cJSON *line, *o;

	if (!end_stream_wanted(x))
		return;
	line = cJSON_CreateObject();
	o = cJSON_AddObjectToObject(line, "endStreamAction");
	cJSON_AddNumberToObject(o, "minUrlExpirationTimestamp", (double)x->expire_ms);
	put_line(x->rs, line);
}

/* A non-negative integer argument; absent leaves *v. */
static int int_arg(struct tctx *x, const char *name, const char *text, int64_t *v)
{
	if (tn_parse_i64(text, v, name, NULL) != TN_OK || *v < 0)
		return share_resp_error(x->rs, 400, E_PARAM, "%s must be a non-negative integer",
					name);
	return 0;
}

static void table_version(struct tctx *x)
{
	const char *sts = x->rq->arg(x->rq->arg_ctx, "startingTimestamp");
	int64_t v = delta_table_latest_version(x->dt), us;

	if (sts != NULL) {
		if (need_history(x, "startingTimestamp") || parse_ts(x, "startingTimestamp", sts, &us) ||
		    version_for_ts(x, us, true, &v))
			return;
	}
	x->rs->version = v;
	x->rs->content_type = NULL;
}

/* version / timestamp of metadata and query: the snapshot to open. */
static int pick_version(struct tctx *x, const cJSON *jv, const char *tv, int64_t *v)
{
	int64_t us;

	*v = -1;
	if (jv == NULL && tv == NULL)
		return 0;
	if (jv != NULL && tv != NULL)
		return share_resp_error(x->rs, 400, E_PARAM,
					"version and timestamp cannot both be given");
	if (need_history(x, jv ? "Reading table by version" : "Reading table by timestamp"))
		return -1;
	if (jv != NULL) {
		*v = (int64_t)jv->valuedouble;
		return 0;
	}
	if (parse_ts(x, "timestamp", tv, &us))
		return -1;
	return version_for_ts(x, us, false, v);
}

static void table_metadata(struct tctx *x)
{
	const char *vs = x->rq->arg(x->rq->arg_ctx, "version");
	const char *ts = x->rq->arg(x->rq->arg_ctx, "timestamp");
	cJSON *jv = NULL;
	int64_t v;

	if (vs != NULL) {
		if (int_arg(x, "version", vs, &v))
			return;
		jv = cJSON_CreateNumber((double)v);
	}
	if (pick_version(x, jv, ts, &v) || open_snapshot(x, v) || negotiate(x) ||
	    build_part_filter(x))
		goto done;
	x->rs->content_type = NDJSON;
	x->rs->version = delta_snapshot_version(x->snap);
	emit_head(x, v >= 0 ? v : -1);
	emit_end(x);
done:
	cJSON_Delete(jv);
}

struct commit_ctx {
	struct tctx *x;
	int64_t version, ts;
	bool cdf;              /* changes: cdc files win over add/remove */
	bool history_md;       /* metaData actions as lines */
	cJSON *md, *proto;     /* the commit's metaData and protocol */
	cJSON *adds, *removes, *cdcs;
};

static int commit_line(void *ctx, const cJSON *line)
{
	struct commit_ctx *c = ctx;
	const cJSON *a;

	if ((a = cJSON_GetObjectItemCaseSensitive(line, "metaData")) != NULL)
		c->md = cJSON_Duplicate(a, 1);
	else if ((a = cJSON_GetObjectItemCaseSensitive(line, "protocol")) != NULL)
		c->proto = cJSON_Duplicate(a, 1);
	else if ((a = cJSON_GetObjectItemCaseSensitive(line, "cdc")) != NULL)
		cJSON_AddItemToArray(c->cdcs, cJSON_Duplicate(a, 1));
	else if ((a = cJSON_GetObjectItemCaseSensitive(line, "add")) != NULL ||
		 (a = cJSON_GetObjectItemCaseSensitive(line, "remove")) != NULL) {
		const cJSON *dc = cJSON_GetObjectItemCaseSensitive(a, "dataChange");

		/* rearrangements (OPTIMIZE) change no rows */
		if (cJSON_IsFalse(dc))
			return TN_OK;
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(line, "add") ? c->adds
										   : c->removes,
				     cJSON_Duplicate(a, 1));
	}
	return TN_OK;
}

/* The data change files of commits from..to (query with startingVersion,
 * and changes). */
static int emit_commits(struct tctx *x, int64_t from, int64_t to, bool cdf, bool history_md)
{
	for (int64_t v = from; v <= to; v++) {
		struct commit_ctx c = {x, v, 0, cdf, history_md, NULL, NULL, cJSON_CreateArray(),
				       cJSON_CreateArray(), cJSON_CreateArray()};
		const cJSON *a;
		int rc = delta_commit_actions(x->dt, v, &c.ts, commit_line, &c, NULL);

		if (rc == TN_OK) {
			if (c.md && history_md)
				emit_metadata(x, c.md, v, -1, -1);
			if (cdf && cJSON_GetArraySize(c.cdcs) > 0) {
				cJSON_ArrayForEach(a, c.cdcs)
					if (file_allowed(x, a, false))
						emit_file(x, "cdc", a, false, v, c.ts);
			} else {
				cJSON_ArrayForEach(a, c.adds)
					if (file_allowed(x, a, false))
						emit_file(x, "add", a, false, v, c.ts);
				cJSON_ArrayForEach(a, c.removes)
					if (file_allowed(x, a, false))
						emit_file(x, "remove", a, false, v, c.ts);
			}
		}
		cJSON_Delete(c.md);
		cJSON_Delete(c.proto);
		cJSON_Delete(c.adds);
		cJSON_Delete(c.removes);
		cJSON_Delete(c.cdcs);
		if (rc != TN_OK)
			return share_resp_error(x->rs, 400, E_PARAM,
						"version %" PRId64 " is no longer in the table's log",
						v);
	}
	return 0;
}

static const cJSON *body_field(struct tctx *x, const cJSON *body, const char *name, int type,
			       bool *bad)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);

	if (v == NULL || cJSON_IsNull(v))
		return NULL;
	if ((type == cJSON_Number &&
	     (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9e15 ||
	      v->valuedouble != (double)(int64_t)v->valuedouble)) ||
	    (type != cJSON_Number && !(v->type & type))) {
		share_resp_error(x->rs, 400, E_PARAM, "%s has the wrong type in the request body",
				 name);
		*bad = true;
	}
	return v;
}

static void table_query(struct tctx *x)
{
	cJSON *body = NULL;
	const cJSON *ph, *jph, *lh, *ver, *ts, *sv, *ev;
	bool bad = false;
	int64_t v = -1, limit = -1, seen = 0;

	if (x->rq->body_len > 0) {
		body = cJSON_ParseWithLength(x->rq->body, x->rq->body_len);
		if (!cJSON_IsObject(body)) {
			share_resp_error(x->rs, 400, E_PARAM, "the request body is not a JSON object");
			goto done;
		}
	}
	ph = body_field(x, body, "predicateHints", cJSON_Array, &bad);
	jph = body_field(x, body, "jsonPredicateHints", cJSON_String, &bad);
	lh = body_field(x, body, "limitHint", cJSON_Number, &bad);
	ver = body_field(x, body, "version", cJSON_Number, &bad);
	ts = body_field(x, body, "timestamp", cJSON_String, &bad);
	sv = body_field(x, body, "startingVersion", cJSON_Number, &bad);
	ev = body_field(x, body, "endingVersion", cJSON_Number, &bad);
	if (bad)
		goto done;
	if (sv && (ver || ts)) {
		share_resp_error(x->rs, 400, E_PARAM,
				 "startingVersion cannot be given with version or timestamp");
		goto done;
	}
	if (ev && !sv) {
		share_resp_error(x->rs, 400, E_PARAM, "endingVersion needs startingVersion");
		goto done;
	}
	if (sv) {
		int64_t from = (int64_t)sv->valuedouble, to, latest;

		if (need_history(x, "Reading table changes (startingVersion)") ||
		    open_snapshot(x, -1) || negotiate(x) || build_part_filter(x))
			goto done;
		latest = delta_snapshot_version(x->snap);
		to = ev ? (int64_t)ev->valuedouble : latest;
		to = to < latest ? to : latest;
		if (from > latest || from < delta_table_earliest_version(x->dt) || to < from) {
			share_resp_error(x->rs, 400, E_PARAM,
					 "startingVersion %" PRId64 " is outside versions %" PRId64
					 " to %" PRId64,
					 from, delta_table_earliest_version(x->dt), latest);
			goto done;
		}
		x->rs->content_type = NDJSON;
		x->rs->version = from;
		emit_head(x, -1);
		if (emit_commits(x, from, to, false, true) == 0)
			emit_end(x);
		goto done;
	}
	if (pick_version(x, ver, ts ? ts->valuestring : NULL, &v) || open_snapshot(x, v) ||
	    negotiate(x) || build_part_filter(x))
		goto done;
	if (cJSON_IsArray(ph)) {
		const cJSON *h;

		cJSON_ArrayForEach(h, ph)
			if (cJSON_IsString(h))
				add_hint(x, h->valuestring);
	}
	if (jph) {
		cJSON *tree = cJSON_Parse(jph->valuestring);
		char *text = tree ? json_pred_text(tree, 0) : NULL;

		if (text)
			add_hint(x, text);
		free(text);
		cJSON_Delete(tree);
	}
	if (lh)
		limit = (int64_t)lh->valuedouble;
	x->rs->content_type = NDJSON;
	x->rs->version = delta_snapshot_version(x->snap);
	emit_head(x, v >= 0 ? v : -1);
	for (size_t i = 0; i < delta_snapshot_num_files(x->snap); i++) {
		const struct delta_file *f = delta_snapshot_file(x->snap, i);
		cJSON *fj = file_json(f);

		/* limitHint: stop once the files given hold enough rows */
		if (file_allowed(x, fj, true) && (limit < 0 || seen < limit)) {
			emit_file(x, "add", fj, true, v >= 0 ? v : -1,
				  v >= 0 ? delta_snapshot_timestamp(x->snap) : -1);
			if (limit >= 0)
				seen = f->num_records >= 0 ? seen + f->num_records : seen;
		}
		cJSON_Delete(fj);
	}
	emit_end(x);
done:
	cJSON_Delete(body);
}

static void table_changes(struct tctx *x)
{
	const char *sv = x->rq->arg(x->rq->arg_ctx, "startingVersion");
	const char *st = x->rq->arg(x->rq->arg_ctx, "startingTimestamp");
	const char *ev = x->rq->arg(x->rq->arg_ctx, "endingVersion");
	const char *et = x->rq->arg(x->rq->arg_ctx, "endingTimestamp");
	const char *hm = x->rq->arg(x->rq->arg_ctx, "includeHistoricalMetadata");
	int64_t from = -1, to = -1, latest, us;

	if (need_history(x, "Reading the change data feed"))
		return;
	if ((sv == NULL) == (st == NULL)) {
		share_resp_error(x->rs, 400, E_PARAM,
				 "give one of startingVersion and startingTimestamp");
		return;
	}
	if (ev != NULL && et != NULL) {
		share_resp_error(x->rs, 400, E_PARAM,
				 "endingVersion and endingTimestamp cannot both be given");
		return;
	}
	if ((sv && int_arg(x, "startingVersion", sv, &from)) ||
	    (ev && int_arg(x, "endingVersion", ev, &to)))
		return;
	if ((st && (parse_ts(x, "startingTimestamp", st, &us) || version_for_ts(x, us, true, &from))) ||
	    (et && (parse_ts(x, "endingTimestamp", et, &us) || version_for_ts(x, us, false, &to))))
		return;
	if (open_snapshot(x, -1) || negotiate(x) || build_part_filter(x))
		return;
	latest = delta_snapshot_version(x->snap);
	if (to < 0 || to > latest)
		to = latest;
	if (from > latest || from < delta_table_earliest_version(x->dt) || to < from) {
		share_resp_error(x->rs, 400, E_PARAM,
				 "the versions asked for (%" PRId64 " to %" PRId64
				 ") are outside %" PRId64 " to %" PRId64,
				 from, to, delta_table_earliest_version(x->dt), latest);
		return;
	}
	x->rs->content_type = NDJSON;
	x->rs->version = from;
	emit_head(x, -1);
	if (emit_commits(x, from, to, true, hm && tn_str_ieq(hm, "true")) == 0)
		emit_end(x);
}

/* ------------------------------------------------------------ routing */

#define MAX_SEGS 8

static bool is_get(const struct share_req *rq)
{
	return strcmp(rq->method, "GET") == 0;
}

void share_handle(struct share_srv *s, const struct share_req *rq, struct share_resp *rs)
{
	char *path = tn_strdup(rq->path), *save = NULL, *seg[MAX_SEGS + 1];
	size_t n = 0;
	const char *fh = rq->fileidhash;

	for (char *p = strtok_r(path, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (n == MAX_SEGS) {
			n = MAX_SEGS + 1;
			break;
		}
		seg[n++] = p;
	}
	if (fh != NULL) {
		if (!tn_str_ieq(fh, "parquet") && !tn_str_ieq(fh, "delta")) {
			share_resp_error(rs, 400, E_PARAM, "fileidhash must be parquet or delta");
			goto done;
		}
		snprintf(rs->fileidhash, sizeof(rs->fileidhash), "%s", fh);
		tn_str_lower(rs->fileidhash);
	}
	if (n == 0 || n > MAX_SEGS || strcmp(seg[0], "shares") != 0) {
		share_resp_error(rs, 404, E_NOTFOUND, "no such endpoint");
		goto done;
	}
	if (n >= 2)
		rs->share = tn_strdup(seg[1]);
	if (n >= 4)
		rs->schema = tn_strdup(seg[3]);
	if (n <= 5 || (n == 5 && strcmp(seg[4], "tables") == 0) ||
	    (n == 3 && strcmp(seg[2], "all-tables") == 0)) {
		if (!is_get(rq)) {
			share_resp_error(rs, 405, E_PARAM, "method %s not allowed here", rq->method);
			goto done;
		}
		if (n == 1)
			list_shares(s, rq, rs);
		else if (n == 2)
			get_share(s, rq, seg[1], rs);
		else if (n == 3 && strcmp(seg[2], "schemas") == 0)
			list_schemas(s, rq, seg[1], rs);
		else if (n == 3 && strcmp(seg[2], "all-tables") == 0)
			list_tables(s, rq, seg[1], NULL, rs);
		else if (n == 5 && strcmp(seg[2], "schemas") == 0 && strcmp(seg[4], "tables") == 0)
			list_tables(s, rq, seg[1], seg[3], rs);
		else
			share_resp_error(rs, 404, E_NOTFOUND, "no such endpoint");
		goto done;
	}
	if (strcmp(seg[2], "schemas") != 0 || strcmp(seg[4], "tables") != 0 || n > 7) {
		share_resp_error(rs, 404, E_NOTFOUND, "no such endpoint");
		goto done;
	}
	{
		const char *op = n == 7 ? seg[6] : "";
		struct tctx x;
		const char *want = strcmp(op, "query") == 0 ? "POST"
				   : strcmp(op, "") == 0     ? "HEAD"
				   : strcmp(op, "version") == 0 && !is_get(rq) ? "HEAD"
								       : "GET";

		if (strcmp(op, "") != 0 && strcmp(op, "version") != 0 && strcmp(op, "metadata") != 0 &&
		    strcmp(op, "query") != 0 && strcmp(op, "changes") != 0) {
			share_resp_error(rs, 404, E_NOTFOUND, "no such endpoint");
			goto done;
		}
		if (strcmp(rq->method, want) != 0) {
			share_resp_error(rs, 405, E_PARAM, "method %s not allowed here", rq->method);
			goto done;
		}
		memset(&x, 0, sizeof(x));
		x.s = s, x.rq = rq, x.rs = rs;
		x.expire_ms = rq->now_ms + s->url_ttl_ms;
		if (find_table(&x, seg[1], seg[3], seg[5]) == 0) {
			if (op[0] == '\0' || strcmp(op, "version") == 0)
				table_version(&x);
			else if (strcmp(op, "metadata") == 0)
				table_metadata(&x);
			else if (strcmp(op, "query") == 0)
				table_query(&x);
			else
				table_changes(&x);
		}
		/* an error after lines were written replaces them all */
		tctx_done(&x);
	}
done:
	free(path);
}

int share_table_root(struct share_srv *s, const char *table_id, char **root, struct tn_err *err)
{
	struct share_info *shares = NULL;
	size_t ns = 0;
	int rc;

	*root = NULL;
	pthread_mutex_lock(&s->lock);
	rc = share_list(s->cat, NULL, &shares, &ns, err);
	for (size_t i = 0; rc == TN_OK && *root == NULL && i < ns; i++) {
		struct share_table *v = NULL;
		size_t n = 0;

		if (share_tables(s->cat, shares[i].name, NULL, &v, &n, NULL) != TN_OK)
			continue;
		for (size_t j = 0; j < n && *root == NULL; j++)
			if (strcmp(v[j].id, table_id) == 0)
				*root = tn_strdup(v[j].location);
		share_tables_free(v, n);
	}
	pthread_mutex_unlock(&s->lock);
	share_info_free(shares, ns);
	if (rc == TN_OK && *root == NULL)
		rc = tn_err_set(err, TN_ENOENT, "no shared table has this id");
	return rc;
}
