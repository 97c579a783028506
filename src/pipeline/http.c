/* http.c - the read_http source of streaming tables: the records of a JSON
 * API, page after page, fetched with libcurl into a staged JSON-lines file.
 *
 * STREAM read_http('url', name => 'value', ...); option names ignore case:
 *   records        where the records are: a dotted path to an array in the
 *                  response object ('data', 'result.items'). Default: the
 *                  response itself when it is an array, else the first of
 *                  its fields data, items, results that is an array.
 *   nextField      pagination by a field of the response (dotted path)
 *                  holding the next page's URL, absolute or relative to
 *                  the page's; null, missing or '' ends.
 *   pageParam      pagination by a query parameter counting pages from
 *   pageStart      (default 1) until a page has no records.
 *                  Without either, an RFC 8288 Link: <url>; rel="next"
 *                  header is followed when there is one.
 *   maxPages       requests per fetch before it fails (default 1000): a
 *                  server that never stops paginating is an error, not a
 *                  run that never ends.
 *   watermark      a record field (dotted path) that grows with every new
 *                  or changed record, e.g. 'updated_at'. Compared as
 *                  numbers when both sides are numbers, else as strings
 *                  (ISO 8601 timestamps in one format order that way).
 *                  The state after a batch is {"watermark": the greatest
 *                  seen}; the next fetch keeps only records above it,
 *                  since servers often treat "since" as inclusive. A record
 *                  without the field fails the fetch: it could be taken
 *                  again on every run.
 *   watermarkParam a query parameter that gets the last watermark:
 *                  'since' asks for ?since=<watermark>. Added to the first
 *                  request (with nextField or Link, the server's next URLs
 *                  carry on from there), and to every request with
 *                  pageParam, whose pages count within the filtered set.
 *   headers        extra request headers, 'Name: value; Name2: value2'
 *                  (so a value cannot hold ';').
 *   timeoutSeconds per request (default 30).
 *   rescuedDataColumn, rescue, inferRows: passed to the read_files that
 *                  reads the staged batch (pl_http_relation).
 * Without a watermark every fetch takes everything the URL returns, so
 * each run appends it all again: use that only with an API that returns
 * each record once (a queue), and a watermark otherwise.
 *
 * A batch takes everything new (f->max_records is not applied): records
 * need not come in watermark order, and several can share one watermark,
 * so stopping part way could not say where to resume without loss.
 *
 * Errors name the URL: a transfer failure (curl's message), an HTTP status
 * outside 2xx (with the start of the body), a response that is not JSON or
 * has no records where expected, a record that is not an object. Anything
 * staged is removed then, and the state stays where it was. */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "pipeline/run_int.h"

/* One response body at most: a page of records, not a data dump. */
#define HTTP_BODY_MAX ((size_t)256 << 20)

struct http_opts {
	const char *records;
	const char *next_field;
	const char *page_param;
	int64_t page_start;
	int64_t max_pages;
	const char *watermark;
	const char *watermark_param;
	const char *headers;
	int64_t timeout;
};

static const char *const opt_names[] = {
	"url", "records", "nextField", "pageParam", "pageStart", "maxPages", "watermark",
	"watermarkParam", "headers", "timeoutSeconds", "rescuedDataColumn", "rescue",
	"inferRows", "infer_rows",
};

static int int_opt(const struct pl_option *o, int64_t min, int64_t *out, struct tn_err *err)
{
	int rc = tn_parse_i64(o->value, out, o->name, err);

	if (rc == TN_OK && *out < min)
		rc = tn_err_set(err, TN_EINVAL, "read_http: %s must be at least %lld, not %s",
				o->name, (long long)min, o->value);
	return rc;
}

static int parse_opts(const struct pl_dataset *d, struct http_opts *o, struct tn_err *err)
{
	size_t nnames = sizeof(opt_names) / sizeof(opt_names[0]);
	int rc = TN_OK;

	memset(o, 0, sizeof(*o));
	o->page_start = 1;
	o->max_pages = 1000;
	o->timeout = 30;
	for (size_t i = 0; rc == TN_OK && i < d->source.nopts; i++) {
		const struct pl_option *op = &d->source.opts[i];
		const char *k = op->name, *near;
		bool known = false;

		for (size_t j = 0; j < nnames; j++)
			known |= tn_str_ieq(k, opt_names[j]);
		if (!known) {
			near = tn_str_nearest(k, opt_names, nnames);
			return tn_err_set(err, TN_EINVAL, "read_http: unknown option '%s'%s%s%s", k,
					  near ? " (did you mean " : "", near ? near : "",
					  near ? "?)" : "");
		}
		if (tn_str_ieq(k, "records"))
			o->records = op->value;
		else if (tn_str_ieq(k, "nextField"))
			o->next_field = op->value;
		else if (tn_str_ieq(k, "pageParam"))
			o->page_param = op->value;
		else if (tn_str_ieq(k, "pageStart"))
			rc = int_opt(op, 0, &o->page_start, err);
		else if (tn_str_ieq(k, "maxPages"))
			rc = int_opt(op, 1, &o->max_pages, err);
		else if (tn_str_ieq(k, "watermark"))
			o->watermark = op->value;
		else if (tn_str_ieq(k, "watermarkParam"))
			o->watermark_param = op->value;
		else if (tn_str_ieq(k, "headers"))
			o->headers = op->value;
		else if (tn_str_ieq(k, "timeoutSeconds"))
			rc = int_opt(op, 1, &o->timeout, err);
	}
	if (rc == TN_OK && o->next_field && o->page_param)
		rc = tn_err_set(err, TN_EINVAL,
				"read_http: nextField and pageParam are two kinds of pagination: "
				"give one");
	if (rc == TN_OK && o->watermark_param && !o->watermark)
		rc = tn_err_set(err, TN_EINVAL,
				"read_http: watermarkParam needs watermark (the record field "
				"whose last value it sends)");
	return rc;
}

/* ------------------------------------------------------- one fetch */

struct http {
	const struct pl_fetch *f;
	struct http_opts o;
	const char *url;          /* as given */
	CURL *curl;
	struct curl_slist *hdrs;
	CURLU *base;              /* the URL as given, parsed */
	char errbuf[CURL_ERROR_SIZE];
	struct tn_buf body;       /* the current response's */
	bool too_big;
	char *link_next;          /* its Link rel="next", or NULL */
	long status;
	cJSON *state;             /* f->from parsed */
	const cJSON *last;        /* its watermark, or NULL: take everything */
	cJSON *max;               /* the greatest watermark taken */
	FILE *out;                /* f->staged, opened at the first record */
	bool staged;              /* it was */
	int64_t rows;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct http *h = ctx;

	if (tn_buf_append(&h->body, p, size * n, NULL) != TN_OK) {
		h->too_big = true;
		return 0; /* stops the transfer */
	}
	return size * n;
}

/* Whether the parameters of one Link value, [p, end), say rel="next"
 * (rel may list several space-separated relation types). */
static bool rel_is_next(const char *p, const char *end)
{
	while (p < end) {
		const char *v, *ve;

		while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
			p++;
		if (end - p < 3 || strncasecmp(p, "rel", 3) != 0) {
			while (p < end && *p != ';')
				p++;
			continue;
		}
		v = p + 3;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		if (v == end || *v != '=') {
			p = v;
			continue;
		}
		v++;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		if (v < end && *v == '"') {
			v++;
			ve = memchr(v, '"', (size_t)(end - v));
			if (ve == NULL)
				ve = end;
		} else {
			for (ve = v; ve < end && *ve != ';' && *ve != ',' && *ve != ' '; ve++)
				;
		}
		while (v < ve) {
			const char *w = v;

			while (w < ve && *w != ' ')
				w++;
			if (w - v == 4 && strncasecmp(v, "next", 4) == 0)
				return true;
			v = w + 1;
		}
		p = ve;
		while (p < end && *p != ';')
			p++;
	}
	return false;
}

/* The URL of the rel="next" link in a Link header's value, or NULL. */
static char *link_next(const char *v, const char *end)
{
	while (v < end) {
		const char *lt = memchr(v, '<', (size_t)(end - v)), *gt, *seg;

		if (lt == NULL)
			break;
		gt = memchr(lt, '>', (size_t)(end - lt));
		if (gt == NULL)
			break;
		seg = memchr(gt, '<', (size_t)(end - gt));
		if (seg == NULL)
			seg = end;
		if (rel_is_next(gt + 1, seg))
			return tn_asprintf("%.*s", (int)(gt - lt - 1), lt + 1);
		v = seg;
	}
	return NULL;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct http *h = ctx;
	size_t len = size * n;

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new response (after a redirect): its own links */
		free(h->link_next);
		h->link_next = NULL;
	} else if (len > 5 && strncasecmp(p, "link:", 5) == 0 && h->link_next == NULL) {
		size_t vlen = len;

		while (vlen > 5 && (p[vlen - 1] == '\r' || p[vlen - 1] == '\n'))
			vlen--;
		h->link_next = link_next(p + 5, p + vlen);
	}
	return len;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	const struct http *h = ctx;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return h->f->cancel && *h->f->cancel;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* curl's handle with the options every request of the fetch shares. */
static int http_open(struct http *h, struct tn_err *err)
{
	const char *hv = h->o.headers;
	bool accept = false;
	CURL *c;

	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return tn_err_set(err, TN_EIO, "read_http: libcurl: %s",
				  curl_easy_strerror(curl_init_rc));
	h->base = curl_url();
	if (h->base == NULL || curl_url_set(h->base, CURLUPART_URL, h->url, 0) != CURLUE_OK)
		return tn_err_set(err, TN_EINVAL, "read_http: '%s' is not a valid URL", h->url);
	{
		char *scheme = NULL;
		bool web = curl_url_get(h->base, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
			   (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);

		curl_free(scheme);
		if (!web)
			return tn_err_set(err, TN_EINVAL, "read_http: '%s' is not an http(s) URL",
					  h->url);
	}
	while (hv && *hv) {
		const char *semi = strchr(hv, ';');
		char *line = tn_asprintf("%.*s", semi ? (int)(semi - hv) : (int)strlen(hv), hv);
		char *t = tn_str_trim(line), *colon = strchr(t, ':');
		struct curl_slist *l;

		hv = semi ? semi + 1 : NULL;
		if (*t == '\0') {
			free(line);
			continue;
		}
		if (colon == NULL || colon == t) {
			int rc = tn_err_set(err, TN_EINVAL,
					    "read_http: headers: '%s' is not 'Name: value'", t);

			free(line);
			return rc;
		}
		accept |= colon - t == 6 && strncasecmp(t, "accept", 6) == 0;
		l = curl_slist_append(h->hdrs, t);
		free(line);
		if (l == NULL)
			return tn_err_set(err, TN_EIO, "read_http: out of memory");
		h->hdrs = l;
	}
	if (!accept)
		h->hdrs = curl_slist_append(h->hdrs, "Accept: application/json");
	h->curl = c = curl_easy_init();
	if (c == NULL || h->hdrs == NULL)
		return tn_err_set(err, TN_EIO, "read_http: could not start libcurl");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* runs on worker threads */
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)h->o.timeout);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "tarn/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	tn_buf_init(&h->body, HTTP_BODY_MAX);
	return TN_OK;
}

static void http_close(struct http *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->hdrs);
	curl_url_cleanup(h->base);
	tn_buf_done(&h->body);
	free(h->link_next);
	cJSON_Delete(h->state);
	cJSON_Delete(h->max);
	if (h->out)
		fclose(h->out);
}

static bool cancelled(const struct http *h)
{
	return h->f->cancel && *h->f->cancel;
}

/* The start of the body as one line, for error messages. */
static char *body_excerpt(const struct http *h)
{
	size_t n = h->body.len < 160 ? h->body.len : 160;
	char *s = tn_asprintf("%.*s%s", (int)n, h->body.len ? h->body.data : "",
			      h->body.len > n ? "..." : "");

	for (char *c = s; *c; c++)
		if ((unsigned char)*c < ' ')
			*c = ' ';
	return s;
}

/* GET url into *json (NULL for 204 No Content). */
static int get(struct http *h, const char *url, cJSON **json, struct tn_err *err)
{
	const char *end = NULL;
	CURLcode cc;
	int rc;

	*json = NULL;
	tn_buf_reset(&h->body);
	free(h->link_next);
	h->link_next = NULL;
	h->too_big = false;
	h->errbuf[0] = '\0';
	h->status = 0;
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	cc = curl_easy_perform(h->curl);
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &h->status);
	if (cc == CURLE_ABORTED_BY_CALLBACK || (cc != CURLE_OK && cancelled(h)))
		return tn_err_set(err, TN_ECANCELED, "cancelled while fetching %s", url);
	if (h->too_big)
		return tn_err_set(err, TN_ETOOBIG, "GET %s: the response is over %zu MiB", url,
				  HTTP_BODY_MAX >> 20);
	if (cc != CURLE_OK)
		return tn_err_set(err, TN_EIO, "GET %s: %s", url,
				  h->errbuf[0] ? h->errbuf : curl_easy_strerror(cc));
	if (h->status < 200 || h->status > 299) {
		char *ex = body_excerpt(h);

		rc = tn_err_set(err, TN_EIO, "GET %s: HTTP status %ld%s%s", url, h->status,
				*ex ? ": " : "", ex);
		free(ex);
		return rc;
	}
	if (h->status == 204)
		return TN_OK;
	*json = cJSON_ParseWithLengthOpts(h->body.data ? h->body.data : "", h->body.len, &end,
					  false);
	if (*json == NULL) {
		size_t at = end && h->body.data ? (size_t)(end - h->body.data) : 0;

		return tn_err_set(err, TN_ECORRUPT,
				  "GET %s: the response (HTTP %ld) is not valid JSON (at byte %zu)", url,
				  h->status, at);
	}
	return TN_OK;
}

/* The value at a dotted path of objects, or NULL. */
static const cJSON *path_get(const cJSON *v, const char *path)
{
	const char *p = path;

	while (v && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		const cJSON *c = NULL;

		if (!cJSON_IsObject(v))
			return NULL;
		cJSON_ArrayForEach(c, v)
		{
			if (c->string && strlen(c->string) == n && memcmp(c->string, p, n) == 0)
				break;
		}
		v = c;
		p += n + (dot != NULL);
	}
	return v;
}

static int records_of(const struct http *h, const char *url, const cJSON *json,
		      const cJSON **arr, struct tn_err *err)
{
	static const char *const dflt[] = {"data", "items", "results"};

	*arr = NULL;
	if (h->o.records) {
		*arr = path_get(json, h->o.records);
		if (*arr == NULL)
			return tn_err_set(err, TN_ECORRUPT,
					  "GET %s: the response (HTTP %ld) has no '%s' (records => '%s')",
					  url, h->status, h->o.records, h->o.records);
		if (!cJSON_IsArray(*arr))
			return tn_err_set(err, TN_ECORRUPT,
					  "GET %s: '%s' in the response is not an array of records", url,
					  h->o.records);
		return TN_OK;
	}
	if (cJSON_IsArray(json)) {
		*arr = json;
		return TN_OK;
	}
	for (size_t i = 0; cJSON_IsObject(json) && i < 3; i++) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(json, dflt[i]);

		if (cJSON_IsArray(a)) {
			*arr = a;
			return TN_OK;
		}
	}
	return tn_err_set(err, TN_ECORRUPT,
			  "GET %s: expected a JSON array of records, or an object with a data, "
			  "items or results array (HTTP %ld); say where with records => '...'",
			  url, h->status);
}

/* The text a watermark compares and is sent as. Caller frees. */
static char *wm_text(const cJSON *w)
{
	return cJSON_IsString(w) ? tn_strdup(w->valuestring) : cJSON_PrintUnformatted(w);
}

static int wm_cmp(const cJSON *a, const cJSON *b)
{
	char *x, *y;
	int c;

	if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
		return (a->valuedouble > b->valuedouble) - (a->valuedouble < b->valuedouble);
	x = wm_text(a);
	y = wm_text(b);
	c = strcmp(x ? x : "", y ? y : "");
	free(x);
	free(y);
	return c;
}

/* Stage the records of one page that are past the last watermark. */
static int take(struct http *h, const char *url, const cJSON *arr, struct tn_err *err)
{
	const cJSON *rec;
	int64_t i = 0;

	cJSON_ArrayForEach(rec, arr)
	{
		char *line;
		int ok;

		i++;
		if (!cJSON_IsObject(rec))
			return tn_err_set(err, TN_ECORRUPT, "GET %s: record %lld is not a JSON object",
					  url, (long long)i);
		if (h->o.watermark) {
			const cJSON *w = path_get(rec, h->o.watermark);

			if (!cJSON_IsNumber(w) && !cJSON_IsString(w))
				return tn_err_set(err, TN_ECORRUPT,
						  "GET %s: record %lld has no '%s' (the watermark) "
						  "that is a number or a string",
						  url, (long long)i, h->o.watermark);
			if (h->last && wm_cmp(w, h->last) <= 0)
				continue; /* taken by an earlier batch */
			if (h->max == NULL || wm_cmp(w, h->max) > 0) {
				cJSON_Delete(h->max);
				h->max = cJSON_Duplicate(w, true);
			}
		}
		if (h->out == NULL) {
			h->out = fopen(h->f->staged, "w");
			h->staged = h->out != NULL;
			if (h->out == NULL)
				return tn_err_sys(err, errno, "read_http: %s", h->f->staged);
		}
		line = cJSON_PrintUnformatted(rec);
		if (line == NULL)
			return tn_err_set(err, TN_EIO, "read_http: out of memory");
		ok = fputs(line, h->out) >= 0 && fputc('\n', h->out) != EOF;
		free(line);
		if (!ok)
			return tn_err_sys(err, errno, "read_http: writing %s", h->f->staged);
		h->rows++;
	}
	return TN_OK;
}

/* The URL of a request made from the URL as given: with the watermark
 * parameter and page number when asked. Caller frees with curl_free. */
static char *request_url(struct http *h, int64_t page, struct tn_err *err)
{
	CURLU *u = curl_url_dup(h->base);
	char *s = NULL, *q;
	bool ok = u != NULL;

	if (ok && h->o.watermark_param && h->last) {
		char *w = wm_text(h->last);

		q = tn_asprintf("%s=%s", h->o.watermark_param, w ? w : "");
		ok = curl_url_set(u, CURLUPART_QUERY, q, CURLU_APPENDQUERY | CURLU_URLENCODE) ==
		     CURLUE_OK;
		free(q);
		free(w);
	}
	if (ok && h->o.page_param) {
		q = tn_asprintf("%s=%lld", h->o.page_param, (long long)page);
		ok = curl_url_set(u, CURLUPART_QUERY, q, CURLU_APPENDQUERY | CURLU_URLENCODE) ==
		     CURLUE_OK;
		free(q);
	}
	if (ok)
		ok = curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK;
	curl_url_cleanup(u);
	if (!ok)
		tn_err_set(err, TN_EINVAL, "read_http: could not add parameters to '%s'", h->url);
	return ok ? s : NULL;
}

/* next resolved against the URL the response came from (after redirects). */
static char *resolve(struct http *h, const char *cur, const char *next, struct tn_err *err)
{
	CURLU *u = curl_url();
	char *eff = NULL, *s = NULL;
	bool ok;

	curl_easy_getinfo(h->curl, CURLINFO_EFFECTIVE_URL, &eff);
	ok = u && curl_url_set(u, CURLUPART_URL, eff ? eff : cur, 0) == CURLUE_OK &&
	     curl_url_set(u, CURLUPART_URL, next, 0) == CURLUE_OK &&
	     curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK;
	curl_url_cleanup(u);
	if (!ok)
		tn_err_set(err, TN_ECORRUPT, "GET %s: the next page's URL '%s' is not valid", cur,
			   next);
	return ok ? s : NULL;
}

/* The next page's URL after the response to cur (NULL: cur was the last). */
static int next_url(struct http *h, const char *cur, const cJSON *json, size_t nrecs,
		    int64_t page, char **next, struct tn_err *err)
{
	const char *rel = NULL;

	*next = NULL;
	if (h->o.page_param) {
		if (nrecs == 0)
			return TN_OK;
		*next = request_url(h, page + 1, err);
		return *next ? TN_OK : err->code;
	}
	if (h->o.next_field) {
		const cJSON *v = path_get(json, h->o.next_field);

		if (v != NULL && !cJSON_IsNull(v) && !cJSON_IsString(v))
			return tn_err_set(err, TN_ECORRUPT,
					  "GET %s: '%s' (nextField) is not a URL string", cur,
					  h->o.next_field);
		rel = cJSON_IsString(v) ? v->valuestring : NULL;
	} else {
		rel = h->link_next;
	}
	if (rel == NULL || *rel == '\0')
		return TN_OK;
	*next = resolve(h, cur, rel, err);
	return *next ? TN_OK : err->code;
}

int pl_http_fetch(const struct pl_fetch *f, char **to, int64_t *rows, struct tn_err *err)
{
	struct http h = {.f = f, .url = f->d->source.path};
	struct tn_err e2;
	char *url = NULL;
	int64_t page = 0;
	int rc;

	*to = NULL;
	*rows = 0;
	if (err == NULL)
		err = &e2;
	rc = parse_opts(f->d, &h.o, err);
	if (rc == TN_OK && f->from) {
		h.state = cJSON_Parse(f->from);
		if (!cJSON_IsObject(h.state))
			rc = tn_err_set(err, TN_ECORRUPT, "read_http %s: the saved state is not a "
					"JSON object: %s", h.url, f->from);
		h.last = cJSON_GetObjectItemCaseSensitive(h.state, "watermark");
		if (cJSON_IsNull(h.last))
			h.last = NULL;
	}
	if (rc == TN_OK)
		rc = http_open(&h, err);
	if (rc == TN_OK) {
		url = request_url(&h, h.o.page_start, err);
		rc = url ? TN_OK : err->code;
	}
	while (rc == TN_OK && url) {
		cJSON *json = NULL;
		const cJSON *arr = NULL;
		char *next = NULL;

		if (cancelled(&h)) {
			rc = tn_err_set(err, TN_ECANCELED, "cancelled while fetching %s", url);
			break;
		}
		if (page == h.o.max_pages) {
			rc = tn_err_set(err, TN_ETOOBIG,
					"read_http %s: still more pages after %lld (maxPages); raise "
					"maxPages or check the pagination options",
					h.url, (long long)h.o.max_pages);
			break;
		}
		rc = get(&h, url, &json, err);
		if (rc == TN_OK && json)
			rc = records_of(&h, url, json, &arr, err);
		if (rc == TN_OK && arr)
			rc = take(&h, url, arr, err);
		if (rc == TN_OK && json)
			rc = next_url(&h, url, json, (size_t)cJSON_GetArraySize(arr),
				      h.o.page_start + page, &next, err);
		cJSON_Delete(json);
		curl_free(url);
		url = next;
		page++;
	}
	curl_free(url);
	if (h.out && fclose(h.out) != 0 && rc == TN_OK)
		rc = tn_err_sys(err, errno, "read_http: writing %s", f->staged);
	h.out = NULL;
	if (rc == TN_OK && h.rows > 0) {
		cJSON *st = cJSON_CreateObject();

		cJSON_AddItemToObject(st, "watermark", h.max ? h.max : cJSON_CreateNull());
		h.max = NULL;
		*to = cJSON_PrintUnformatted(st);
		cJSON_Delete(st);
		*rows = h.rows;
	} else if (h.staged) {
		unlink(f->staged); /* a part of a batch is no batch */
	}
	http_close(&h);
	return rc;
}

char *pl_http_relation(const struct pl_dataset *d, const char *staged)
{
	struct tn_buf b;
	bool rescue = true;
	char *s;

	tn_buf_init(&b, 0);
	tn_buf_puts(&b, "(SELECT * FROM read_files(", NULL);
	pl_quote(&b, staged);
	tn_buf_puts(&b, ", format => 'json'", NULL);
	for (size_t i = 0; i < d->source.nopts; i++) {
		const char *k = d->source.opts[i].name;

		if (!tn_str_ieq(k, "rescuedDataColumn") && !tn_str_ieq(k, "rescue") &&
		    !tn_str_ieq(k, "inferRows") && !tn_str_ieq(k, "infer_rows"))
			continue;
		rescue &= !tn_str_ieq(k, "rescuedDataColumn") && !tn_str_ieq(k, "rescue");
		tn_buf_printf(&b, NULL, ", %s => ", k);
		pl_quote(&b, d->source.opts[i].value);
	}
	/* as for JSON files: values that do not fit the inferred types are kept */
	if (rescue)
		tn_buf_puts(&b, ", rescuedDataColumn => '_rescued_data'", NULL);
	tn_buf_puts(&b, "))", NULL);
	s = tn_buf_detach(&b, NULL);
	return s;
}
