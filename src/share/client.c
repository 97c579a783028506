/* client.c - the Delta Sharing client: a profile file's server spoken to
 * over libcurl, remote tables as snapshots of local copies of their files
 * (a cache by file id), their change feeds, and the mount of a share as a
 * catalog (share_mount). Requests ask for the delta response format
 * (deletion vectors and column mapping arrive as they are in the log) and
 * read the parquet format too, for servers without it. */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/hmap.h"
#include "base/sha256.h"
#include "base/str.h"
#include "base/time.h"
#include "catalog/catalog.h"
#include "delta/delta.h"
#include "share/share.h"

#define CAPABILITIES "responseformat=delta,parquet;readerfeatures=deletionvectors,columnmapping"
#define MAX_ATTEMPTS 4
#define REFRESHES 3

struct share_client {
	struct share_profile p;
	char *profile_path;
	char *cache_dir;
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
};

/* ------------------------------------------------------------ profile */

void share_profile_done(struct share_profile *p)
{
	free(p->endpoint);
	if (p->token != NULL) {
		memset(p->token, 0, strlen(p->token));
		free(p->token);
	}
	memset(p, 0, sizeof(*p));
}

int share_profile_read(const char *path, struct share_profile *out, struct tn_err *err)
{
	struct tn_buf b = TN_BUF_INIT;
	cJSON *j = NULL;
	const cJSON *v, *ep, *tok, *exp;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = tn_buf_read_file(&b, path, err);
	if (rc != TN_OK)
		return rc;
	j = cJSON_ParseWithLength((const char *)b.data, b.len);
	memset(b.data, 0, b.len); /* the token */
	tn_buf_done(&b);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return tn_err_set(err, TN_ECORRUPT, "profile %s: not a JSON object", path);
	}
	v = cJSON_GetObjectItemCaseSensitive(j, "shareCredentialsVersion");
	ep = cJSON_GetObjectItemCaseSensitive(j, "endpoint");
	tok = cJSON_GetObjectItemCaseSensitive(j, "bearerToken");
	exp = cJSON_GetObjectItemCaseSensitive(j, "expirationTime");
	if (!cJSON_IsNumber(v) || v->valueint != 1)
		rc = tn_err_set(err, TN_EUNSUPPORTED,
				"profile %s: shareCredentialsVersion must be 1 (the only version "
				"tarn reads)", path);
	else if (!cJSON_IsString(ep) || strncmp(ep->valuestring, "http", 4) != 0)
		rc = tn_err_set(err, TN_ECORRUPT, "profile %s: no http(s) endpoint", path);
	else if (!cJSON_IsString(tok) || tok->valuestring[0] == '\0')
		rc = tn_err_set(err, TN_ECORRUPT, "profile %s: no bearerToken", path);
	if (rc == TN_OK && cJSON_IsString(exp) && exp->valuestring[0]) {
		int64_t us;

		if (tn_time_parse(exp->valuestring, &us, err) != TN_OK)
			rc = tn_err_set(err, TN_ECORRUPT, "profile %s: expirationTime '%s' is not a time",
					path, exp->valuestring);
		else if ((out->expire_ms = us / 1000) <= tn_time_now_us() / 1000)
			rc = tn_err_set(err, TN_EPERM,
					"profile %s: its token expired at %s; ask the provider for a "
					"new profile", path, exp->valuestring);
	}
	if (rc == TN_OK) {
		size_t n;

		out->endpoint = tn_strdup(ep->valuestring);
		n = strlen(out->endpoint);
		while (n > 0 && out->endpoint[n - 1] == '/')
			out->endpoint[--n] = '\0';
		out->token = tn_strdup(tok->valuestring);
	}
	if (cJSON_IsString(tok))
		memset(tok->valuestring, 0, strlen(tok->valuestring));
	cJSON_Delete(j);
	if (rc != TN_OK)
		share_profile_done(out);
	return rc;
}

/* ------------------------------------------------------------ HTTP */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

int share_client_open(const char *profile, const char *cache_dir, struct share_client **out,
		      struct tn_err *err)
{
	struct share_client *c = tn_calloc(1, sizeof(*c));
	int rc = share_profile_read(profile, &c->p, err);

	*out = NULL;
	if (rc != TN_OK) {
		free(c);
		return rc;
	}
	pthread_once(&curl_once, curl_init_once);
	c->curl = curl_easy_init();
	if (c->curl == NULL) {
		share_profile_done(&c->p);
		free(c);
		return tn_err_set(err, TN_EINTERNAL, "libcurl: cannot make a handle");
	}
	c->profile_path = tn_strdup(profile);
	c->cache_dir = tn_strdup(cache_dir ? cache_dir : ".");
	*out = c;
	return TN_OK;
}

void share_client_close(struct share_client *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->curl);
	share_profile_done(&c->p);
	free(c->profile_path);
	free(c->cache_dir);
	free(c);
}

const char *share_client_endpoint(const struct share_client *c)
{
	return c->p.endpoint;
}

/* One response. */
struct resp {
	long status;
	struct tn_buf body;
	int64_t table_version; /* Delta-Table-Version, -1: none */
	int fd;                /* downloads: the body goes here */
	bool failed_write;
	bool ranged;           /* downloads: a Range was asked for */
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct resp *r = arg;
	size_t len = size * n;
	if (r->failed_write)
		return 0;
	if (r->fd >= 0 && r->status / 100 == 2) {
		size_t off = 0;

		while (off < len) {
			ssize_t w = write(r->fd, p + off, len - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				r->failed_write = true;
				return 0;
			}
			off += (size_t)w;
		}
		return len;
	}
	if (r->body.len + len > (64u << 20))
		return 0; /* an error body or listing this large is not one */
	tn_buf_append(&r->body, p, len, NULL);
	return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct resp *r = arg;
	size_t len = size * n;

	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new response (after a redirect or 100): the status line */
		const char *sp = memchr(p, ' ', len);

		r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		r->table_version = -1;
		/* a 200 to a Range request is the whole file: start over */
		if (r->fd >= 0 && r->ranged && r->status == 200 &&
		    (ftruncate(r->fd, 0) != 0 || lseek(r->fd, 0, SEEK_SET) != 0))
			r->failed_write = true;
	} else if (len > 20 && strncasecmp(p, "Delta-Table-Version:", 20) == 0) {
		r->table_version = strtoll(p + 20, NULL, 10);
	}
	return len;
}

static bool transient(CURLcode cc, long status)
{
	if (cc != CURLE_OK)
		return cc == CURLE_COULDNT_CONNECT || cc == CURLE_OPERATION_TIMEDOUT ||
		       cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR ||
		       cc == CURLE_GOT_NOTHING || cc == CURLE_PARTIAL_FILE;
	return status == 429 || status >= 500;
}

static void backoff(int attempt)
{
	struct timespec ts = {0, 200000000L << attempt};

	while (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	nanosleep(&ts, NULL);
}

/* The error of a failed response: the server's errorCode and message. */
static int resp_error(struct share_client *c, const char *what, struct resp *r,
		      struct tn_err *err)
{
	cJSON *j = cJSON_ParseWithLength((const char *)r->body.data, r->body.len);
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(j, "errorCode");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "message");
	int tc = r->status == 401 || r->status == 403 ? TN_EPERM
		 : r->status == 404			? TN_ENOENT
		 : r->status == 400			? TN_EINVAL
							: TN_EIO;
	int rc = tn_err_set(err, tc, "%s: %s: HTTP %ld%s%s%s%s", c->p.endpoint, what, r->status,
			    cJSON_IsString(code) ? " " : "",
			    cJSON_IsString(code) ? code->valuestring : "",
			    cJSON_IsString(msg) ? ": " : "", cJSON_IsString(msg) ? msg->valuestring : "");

	if (r->status == 401)
		tn_err_prefix(err, "the server refused the token of %s", c->profile_path);
	cJSON_Delete(j);
	return rc;
}

/* The handle reset for one transfer of url into r (the connection to
 * the server stays open across resets). */
static void prepare(struct share_client *c, const char *url, struct resp *r)
{
	CURL *k = c->curl;

	curl_easy_reset(k);
	tn_buf_reset(&r->body);
	r->status = 0;
	r->table_version = -1;
	r->failed_write = false;
	r->ranged = false;
	curl_easy_setopt(k, CURLOPT_URL, url);
	curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(k, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(k, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(k, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(k, CURLOPT_USERAGENT, "tarn/" PACKAGE_VERSION " Delta-Sharing");
	curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(k, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(k, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(k, CURLOPT_HEADERDATA, r);
	c->errbuf[0] = '\0';
}

/* Send one request to the server (path under the endpoint; body: a JSON
 * POST body or NULL for GET) with retries; r holds the answer. Non-2xx
 * answers are errors (TN_EPERM for 401/403, TN_ENOENT for 404). */
static int api(struct share_client *c, const char *path, const char *body, struct resp *r,
	       struct tn_err *err)
{
	char *url = tn_asprintf("%s%s", c->p.endpoint, path);
	char *auth = tn_asprintf("Authorization: Bearer %s", c->p.token);
	struct curl_slist *h = NULL;
	CURLcode cc = CURLE_OK;
	int rc = TN_OK;

	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "delta-sharing-capabilities: " CAPABILITIES);
	if (body)
		h = curl_slist_append(h, "Content-Type: application/json; charset=utf-8");
	for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		CURL *k = c->curl;

		r->fd = -1;
		prepare(c, url, r);
		curl_easy_setopt(k, CURLOPT_TIMEOUT, 120L);
		curl_easy_setopt(k, CURLOPT_HTTPHEADER, h);
		if (body) {
			curl_easy_setopt(k, CURLOPT_POST, 1L);
			curl_easy_setopt(k, CURLOPT_POSTFIELDS, body);
		}
		cc = curl_easy_perform(k);
		if (cc == CURLE_OK)
			curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &r->status);
		if (!transient(cc, r->status) || attempt + 1 == MAX_ATTEMPTS)
			break;
		backoff(attempt);
	}
	if (cc != CURLE_OK)
		rc = tn_err_set(err, TN_EIO, "%s%s: %s", c->p.endpoint, path,
				c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
	else if (r->status / 100 != 2)
		rc = resp_error(c, path, r, err);
	curl_slist_free_all(h);
	memset(auth, 0, strlen(auth));
	free(auth);
	free(url);
	return rc;
}

/* A name as a URL path segment. */
static char *seg(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *out = tn_strdup(e);

	curl_free(e);
	return out;
}

static char *table_path(const char *share, const char *schema, const char *table,
			const char *suffix)
{
	char *a = seg(share), *b = seg(schema), *t = seg(table);
	char *p = tn_asprintf("/shares/%s/schemas/%s/tables/%s%s", a, b, t, suffix);

	free(a);
	free(b);
	free(t);
	return p;
}

/* Call fn for each JSON line of an NDJSON body. */
static int each_line(const struct tn_buf *b, const char *what,
		     int (*fn)(void *ctx, cJSON *line, struct tn_err *err), void *ctx,
		     struct tn_err *err)
{
	const char *p = (const char *)b->data, *end = p + b->len;
	int rc = TN_OK;

	while (rc == TN_OK && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n > 0) {
			cJSON *j = cJSON_ParseWithLength(p, n);

			rc = cJSON_IsObject(j) ? fn(ctx, j, err)
					       : tn_err_set(err, TN_ECORRUPT,
							    "%s: a response line is not a JSON object", what);
			cJSON_Delete(j);
		}
		p = nl ? nl + 1 : end;
	}
	return rc;
}

/* ------------------------------------------------------------ listings */

void share_remote_tables_free(struct share_remote_table *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].share);
		free(v[i].schema);
		free(v[i].name);
	}
	free(v);
}

/* GET a paginated listing (path has no '?'), calling fn for each item. */
static int list_pages(struct share_client *c, const char *path,
		      void (*fn)(void *ctx, const cJSON *item), void *ctx, struct tn_err *err)
{
	char *token = NULL;
	int rc = TN_OK;

	for (int page = 0; rc == TN_OK; page++) {
		struct resp r = {0};
		char *p, *tok = token ? seg(token) : NULL;
		cJSON *j;
		const cJSON *items, *next, *it;

		p = tok ? tn_asprintf("%s?maxResults=500&pageToken=%s", path, tok)
			: tn_asprintf("%s?maxResults=500", path);
		free(tok);
		tn_buf_init(&r.body, 0);
		rc = api(c, p, NULL, &r, err);
		free(p);
		if (rc != TN_OK) {
			tn_buf_done(&r.body);
			break;
		}
		j = cJSON_ParseWithLength((const char *)r.body.data, r.body.len);
		tn_buf_done(&r.body);
		if (!cJSON_IsObject(j)) {
			cJSON_Delete(j);
			rc = tn_err_set(err, TN_ECORRUPT, "%s%s: the answer is not a JSON object",
					c->p.endpoint, path);
			break;
		}
		items = cJSON_GetObjectItemCaseSensitive(j, "items");
		cJSON_ArrayForEach(it, items)
			fn(ctx, it);
		next = cJSON_GetObjectItemCaseSensitive(j, "nextPageToken");
		free(token);
		token = cJSON_IsString(next) && next->valuestring[0] ? tn_strdup(next->valuestring)
								      : NULL;
		cJSON_Delete(j);
		if (token == NULL)
			break;
		if (page > 100000)
			rc = tn_err_set(err, TN_ECORRUPT, "%s%s: the pages never end", c->p.endpoint,
					path);
	}
	free(token);
	return rc;
}

struct names {
	char **v;
	size_t n, cap;
};

static void add_share_name(void *ctx, const cJSON *item)
{
	struct names *ns = ctx;
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");

	if (!cJSON_IsString(name))
		return;
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 8;
		ns->v = tn_reallocarray(ns->v, ns->cap, sizeof(char *));
	}
	ns->v[ns->n++] = tn_strdup(name->valuestring);
}

int share_client_shares(struct share_client *c, char ***names, size_t *n, struct tn_err *err)
{
	struct names ns = {0};
	int rc = list_pages(c, "/shares", add_share_name, &ns, err);

	if (rc != TN_OK) {
		for (size_t i = 0; i < ns.n; i++)
			free(ns.v[i]);
		free(ns.v);
		ns.v = NULL;
		ns.n = 0;
	}
	*names = ns.v;
	*n = ns.n;
	return rc;
}

struct tables {
	struct share_remote_table *v;
	size_t n, cap;
};

static void add_table(void *ctx, const cJSON *item)
{
	struct tables *ts = ctx;
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
	const cJSON *schema = cJSON_GetObjectItemCaseSensitive(item, "schema");
	const cJSON *share = cJSON_GetObjectItemCaseSensitive(item, "share");

	if (!cJSON_IsString(name) || !cJSON_IsString(schema) || !cJSON_IsString(share))
		return;
	if (ts->n == ts->cap) {
		ts->cap = ts->cap ? ts->cap * 2 : 8;
		ts->v = tn_reallocarray(ts->v, ts->cap, sizeof(*ts->v));
	}
	ts->v[ts->n].share = tn_strdup(share->valuestring);
	ts->v[ts->n].schema = tn_strdup(schema->valuestring);
	ts->v[ts->n].name = tn_strdup(name->valuestring);
	ts->n++;
}

int share_client_tables(struct share_client *c, const char *share,
			struct share_remote_table **out, size_t *n, struct tn_err *err)
{
	struct tables ts = {0};
	char *s = seg(share), *path = tn_asprintf("/shares/%s/all-tables", s);
	int rc = list_pages(c, path, add_table, &ts, err);

	free(s);
	free(path);
	if (rc != TN_OK) {
		share_remote_tables_free(ts.v, ts.n);
		ts.v = NULL;
		ts.n = 0;
	}
	*out = ts.v;
	*n = ts.n;
	return rc;
}

int share_client_version(struct share_client *c, const char *share, const char *schema,
			 const char *table, int64_t ts_ms, int64_t *version, struct tn_err *err)
{
	struct resp r = {0};
	char *path, *suffix;
	int rc;

	if (ts_ms != 0) {
		char iso[TN_TIME_BUFSZ], *e = seg(tn_time_format_ms(ts_ms, true, iso));

		suffix = tn_asprintf("/version?startingTimestamp=%s", e);
		free(e);
	} else {
		suffix = tn_strdup("/version");
	}
	path = table_path(share, schema, table, suffix);
	tn_buf_init(&r.body, 0);
	rc = api(c, path, NULL, &r, err);
	if (rc == TN_OK && r.table_version < 0)
		rc = tn_err_set(err, TN_ECORRUPT, "%s%s: no Delta-Table-Version header",
				c->p.endpoint, path);
	*version = r.table_version;
	tn_buf_done(&r.body);
	free(path);
	free(suffix);
	return rc;
}

/* ------------------------------------------------------------ files */

/* A file id as a file name: its own characters when they are safe, else
 * the hex of its SHA-256. */
static char *id_name(const char *id, const char *ext)
{
	bool safe = id[0] != '\0' && id[0] != '.' && strlen(id) <= 128;
	uint8_t h[TN_SHA256_LEN];
	char hex[2 * TN_SHA256_LEN + 1];

	for (const char *p = id; safe && *p; p++)
		safe = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.';
	if (safe)
		return tn_asprintf("%s%s", id, ext);
	tn_sha256(id, strlen(id), h);
	for (size_t i = 0; i < TN_SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	return tn_asprintf("%s%s", hex, ext);
}

/* Fetch url into path (via path.part, resumed with Range after a broken
 * transfer), unless path holds size bytes already (size < 0: unknown).
 * TN_EPERM: the URL was refused (expired or tampered: ask again). */
static int fetch_file(struct share_client *c, const char *url, const char *path, int64_t size,
		      struct tn_err *err)
{
	struct stat sb;
	char *part;
	CURLcode cc = CURLE_OK;
	struct resp r = {0};
	int rc = TN_OK, lock;

	if (stat(path, &sb) == 0 && (size < 0 || sb.st_size == size))
		return TN_OK; /* in the cache */
	part = tn_asprintf("%s.part", path);
	/* one fetch of a file at a time, across processes too: whoever waited
	 * finds it in the cache */
	lock = open(part, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) != 0) {
		rc = tn_err_sys(err, errno, "%s", part);
		if (lock >= 0)
			close(lock);
		free(part);
		return rc;
	}
	if (stat(path, &sb) == 0 && (size < 0 || sb.st_size == size)) {
		close(lock);
		free(part);
		return TN_OK;
	}
	tn_buf_init(&r.body, 0);
	for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		CURL *k = c->curl;
		char range[64];
		off_t have;

		r.fd = open(part, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (r.fd < 0) {
			rc = tn_err_sys(err, errno, "%s", part);
			break;
		}
		have = lseek(r.fd, 0, SEEK_END);
		if (have < 0 || (size >= 0 && have > size)) {
			/* a leftover longer than the file: start again */
			if (ftruncate(r.fd, 0) != 0 || lseek(r.fd, 0, SEEK_SET) != 0) {
				rc = tn_err_sys(err, errno, "%s", part);
				close(r.fd);
				break;
			}
			have = 0;
		}
		if (size >= 0 && have == size) {
			close(r.fd);
			r.fd = -1;
			break;
		}
		prepare(c, url, &r);
		/* no overall timeout for large files: give up when it stalls */
		curl_easy_setopt(k, CURLOPT_LOW_SPEED_LIMIT, 1024L);
		curl_easy_setopt(k, CURLOPT_LOW_SPEED_TIME, 30L);
		r.ranged = have > 0;
		if (have > 0) {
			snprintf(range, sizeof(range), "%lld-", (long long)have);
			curl_easy_setopt(k, CURLOPT_RANGE, range);
		}
		cc = curl_easy_perform(k);
		if (cc == CURLE_OK || cc == CURLE_WRITE_ERROR || cc == CURLE_PARTIAL_FILE ||
		    cc == CURLE_RECV_ERROR)
			curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &r.status);
		close(r.fd);
		r.fd = -1;
		if (r.failed_write) {
			rc = tn_err_sys(err, errno, "%s", part);
			break;
		}
		if (cc == CURLE_OK && r.status / 100 == 2)
			break;
		if (cc == CURLE_OK && (r.status == 403 || r.status == 401)) {
			rc = tn_err_set(err, TN_EPERM, "%s: the file URL was refused (HTTP %ld)",
					c->p.endpoint, r.status);
			break;
		}
		if (cc == CURLE_OK && r.status == 416) {
			/* our partial copy is not of this file: start again */
			if (truncate(part, 0) != 0) {
				rc = tn_err_sys(err, errno, "%s", part);
				break;
			}
		} else if (!transient(cc, r.status) || attempt + 1 == MAX_ATTEMPTS) {
			if (cc != CURLE_OK)
				rc = tn_err_set(err, TN_EIO, "downloading a file of %s: %s",
						c->p.endpoint,
						c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
			else
				rc = tn_err_set(err, TN_EIO, "downloading a file of %s: HTTP %ld",
						c->p.endpoint, r.status);
			break;
		}
		backoff(attempt);
	}
	tn_buf_done(&r.body);
	if (rc == TN_OK) {
		if (stat(part, &sb) != 0)
			rc = tn_err_sys(err, errno, "%s", part);
		else if (size >= 0 && sb.st_size != size)
			rc = tn_err_set(err, TN_EIO, "%s: got %lld bytes of a file of %lld bytes",
					c->p.endpoint, (long long)sb.st_size, (long long)size);
		else if (rename(part, path) != 0)
			rc = tn_err_sys(err, errno, "%s", path);
		if (rc != TN_OK)
			unlink(part);
	}
	close(lock);
	free(part);
	return rc;
}

/* ------------------------------------------------------------ queries */

/* One file of a query or changes answer. */
struct rfile {
	char *id;
	char *kind;      /* "add", "remove" or "cdc" */
	cJSON *action;   /* the Delta action (owned), path still the URL */
	char *url;
	int64_t size;
	char *dv_id, *dv_url; /* a deletion vector at a URL, or NULL */
	int64_t version, ts;
};

struct answer {
	struct share_client *c;
	char *dir;              /* the table's cache directory */
	cJSON *protocol, *metadata; /* Delta actions */
	struct rfile *files;
	size_t n, cap;
	int64_t version;
};

static void answer_done(struct answer *a)
{
	cJSON_Delete(a->protocol);
	cJSON_Delete(a->metadata);
	for (size_t i = 0; i < a->n; i++) {
		free(a->files[i].id);
		free(a->files[i].kind);
		cJSON_Delete(a->files[i].action);
		free(a->files[i].url);
		free(a->files[i].dv_id);
		free(a->files[i].dv_url);
	}
	free(a->files);
	a->protocol = a->metadata = NULL;
	a->files = NULL;
	a->n = a->cap = 0;
}

static int64_t jnum(const cJSON *o, const char *k, int64_t dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : dflt;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static struct rfile *new_file(struct answer *a)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->files = tn_reallocarray(a->files, a->cap, sizeof(*a->files));
	}
	memset(&a->files[a->n], 0, sizeof(*a->files));
	return &a->files[a->n++];
}

/* A parquet-format file object as a Delta action of kind. */
static cJSON *parquet_action(const cJSON *f, const char *kind)
{
	cJSON *a = cJSON_CreateObject();
	const cJSON *pv = cJSON_GetObjectItemCaseSensitive(f, "partitionValues");
	const char *stats = jstr(f, "stats");

	cJSON_AddStringToObject(a, "path", jstr(f, "url") ? jstr(f, "url") : "");
	cJSON_AddItemToObject(a, "partitionValues",
			      pv ? cJSON_Duplicate(pv, 1) : cJSON_CreateObject());
	cJSON_AddNumberToObject(a, "size", (double)jnum(f, "size", 0));
	if (strcmp(kind, "cdc") != 0) {
		cJSON_AddNumberToObject(a, "modificationTime", (double)jnum(f, "timestamp", 0));
		cJSON_AddBoolToObject(a, "dataChange", true);
	}
	if (stats && strcmp(kind, "add") == 0)
		cJSON_AddStringToObject(a, "stats", stats);
	return a;
}

static int on_answer_line(void *ctx, cJSON *line, struct tn_err *err)
{
	struct answer *a = ctx;
	const cJSON *x;

	(void)err;
	if ((x = cJSON_GetObjectItemCaseSensitive(line, "protocol")) != NULL) {
		const cJSON *dp = cJSON_GetObjectItemCaseSensitive(x, "deltaProtocol");
		cJSON *p = dp ? cJSON_Duplicate(dp, 1) : cJSON_CreateObject();

		if (dp == NULL) {
			cJSON_AddNumberToObject(p, "minReaderVersion", 1);
			cJSON_AddNumberToObject(p, "minWriterVersion", 2);
		}
		cJSON_Delete(a->protocol);
		a->protocol = p;
	} else if ((x = cJSON_GetObjectItemCaseSensitive(line, "metaData")) != NULL) {
		const cJSON *dm = cJSON_GetObjectItemCaseSensitive(x, "deltaMetadata");
		cJSON *m = cJSON_Duplicate(dm ? dm : x, 1);

		if (dm == NULL) {
			/* the parquet format's metaData is the log's, near enough */
			cJSON_DeleteItemFromObjectCaseSensitive(m, "version");
			cJSON_DeleteItemFromObjectCaseSensitive(m, "size");
			cJSON_DeleteItemFromObjectCaseSensitive(m, "numFiles");
		}
		if (a->version < 0)
			a->version = jnum(x, "version", -1);
		cJSON_Delete(a->metadata);
		a->metadata = m;
	} else {
		static const char *const kinds[][2] = {
			{"file", "add"}, {"add", "add"}, {"cdf", "cdc"}, {"remove", "remove"}};

		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			const cJSON *f = cJSON_GetObjectItemCaseSensitive(line, kinds[k][0]);
			const cJSON *single;
			struct rfile *rf;

			if (!cJSON_IsObject(f))
				continue;
			rf = new_file(a);
			rf->id = tn_strdup(jstr(f, "id") ? jstr(f, "id") : "");
			rf->version = jnum(f, "version", -1);
			rf->ts = jnum(f, "timestamp", 0);
			single = cJSON_GetObjectItemCaseSensitive(f, "deltaSingleAction");
			if (cJSON_IsObject(single) && single->child != NULL &&
			    cJSON_IsObject(single->child)) {
				const cJSON *dv;

				rf->kind = tn_strdup(single->child->string);
				rf->action = cJSON_Duplicate(single->child, 1);
				rf->url = tn_strdup(jstr(rf->action, "path") ? jstr(rf->action, "path")
									      : "");
				rf->size = jnum(rf->action, "size", -1);
				dv = cJSON_GetObjectItemCaseSensitive(rf->action, "deletionVector");
				if (cJSON_IsObject(dv) && jstr(dv, "storageType") &&
				    strcmp(jstr(dv, "storageType"), "p") == 0 &&
				    jstr(dv, "pathOrInlineDv") &&
				    strncmp(jstr(dv, "pathOrInlineDv"), "http", 4) == 0) {
					rf->dv_url = tn_strdup(jstr(dv, "pathOrInlineDv"));
					rf->dv_id = tn_strdup(jstr(f, "deletionVectorFileId")
								      ? jstr(f, "deletionVectorFileId")
								      : rf->dv_url);
				}
			} else {
				rf->kind = tn_strdup(kinds[k][1]);
				rf->action = parquet_action(f, kinds[k][1]);
				rf->url = tn_strdup(jstr(f, "url") ? jstr(f, "url") : "");
				rf->size = jnum(f, "size", -1);
			}
			if (strcmp(rf->kind, "add") != 0 && strcmp(rf->kind, "remove") != 0 &&
			    strcmp(rf->kind, "cdc") != 0)
				a->n--, free(rf->id), free(rf->kind), cJSON_Delete(rf->action),
					free(rf->url), free(rf->dv_id), free(rf->dv_url);
			break;
		}
	}
	return TN_OK;
}

/* POST a query (or GET changes: body NULL) and read its answer. */
static int ask(struct share_client *c, const char *path, const char *body, struct answer *a,
	       struct tn_err *err)
{
	struct resp r = {0};
	int rc;

	answer_done(a);
	a->version = -1;
	tn_buf_init(&r.body, 0);
	rc = api(c, path, body, &r, err);
	if (rc == TN_OK)
		rc = each_line(&r.body, path, on_answer_line, a, err);
	if (rc == TN_OK && r.table_version >= 0)
		a->version = r.table_version;
	if (rc == TN_OK && (a->protocol == NULL || a->metadata == NULL))
		rc = tn_err_set(err, TN_ECORRUPT, "%s%s: the answer has no protocol or metaData",
				c->p.endpoint, path);
	tn_buf_done(&r.body);
	return rc;
}

/* Download every file (and deletion vector) of an answer into the cache
 * and point the actions at the copies. TN_EPERM: a URL was refused. */
static int fetch_all(struct answer *a, struct tn_err *err)
{
	int rc = tn_mkdirs(a->dir, 0700, err);

	for (size_t i = 0; rc == TN_OK && i < a->n; i++) {
		struct rfile *f = &a->files[i];
		char *name = id_name(f->id[0] ? f->id : f->url, ".parquet");
		char *path = tn_path_join(a->dir, name);

		rc = fetch_file(a->c, f->url, path, f->size, err);
		if (rc == TN_OK) {
			char *u = delta_path_encode(path);

			cJSON_ReplaceItemInObjectCaseSensitive(f->action, "path", cJSON_CreateString(u));
			free(u);
		}
		free(name);
		free(path);
		if (rc == TN_OK && f->dv_url != NULL) {
			cJSON *dv = cJSON_GetObjectItemCaseSensitive(f->action, "deletionVector");

			name = id_name(f->dv_id, ".bin");
			path = tn_path_join(a->dir, name);
			rc = fetch_file(a->c, f->dv_url, path, -1, err);
			if (rc == TN_OK) {
				char *enc = delta_path_encode(path);
				char *u = tn_asprintf("file://%s", enc);

				free(enc);
				cJSON_ReplaceItemInObjectCaseSensitive(dv, "pathOrInlineDv",
								       cJSON_CreateString(u));
				free(u);
			}
			free(name);
			free(path);
		}
	}
	return rc;
}

/* The cache directory of one remote table. */
static char *table_dir(struct share_client *c, const char *share, const char *schema,
		       const char *table)
{
	char *key = tn_asprintf("%s\n%s\n%s\n%s", c->p.endpoint, share, schema, table);
	uint8_t h[TN_SHA256_LEN];
	char hex[17], *dir;

	tn_sha256(key, strlen(key), h);
	for (size_t i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	dir = tn_path_join(c->cache_dir, hex);
	free(key);
	return dir;
}

/* Ask (path, body) and fetch its files; when a file URL was refused (it
 * expired), ask again with the answer's version pinned (pin_body) and go
 * on: the files already fetched stay in the cache. */
static int ask_and_fetch(struct share_client *c, const char *path, const char *body,
			 char *(*pin_body)(int64_t version, const char *body), struct answer *a,
			 struct tn_err *err)
{
	int rc = ask(c, path, body, a, err);

	for (int refresh = 0; rc == TN_OK; refresh++) {
		char *pinned;

		rc = fetch_all(a, err);
		if (rc != TN_EPERM || refresh == REFRESHES)
			break;
		tn_err_clear(err);
		pinned = pin_body(a->version, body);
		rc = ask(c, path, pinned, a, err);
		free(pinned);
	}
	return rc;
}

static char *pin_query(int64_t version, const char *body)
{
	(void)body;
	return tn_asprintf("{\"version\": %lld}", (long long)version);
}

/* The JSON lines of protocol, metaData and the files' actions. */
static void actions_text(const struct answer *a, struct tn_buf *b, bool files)
{
	cJSON *line = cJSON_CreateObject();
	char *s;

	cJSON_AddItemReferenceToObject(line, "protocol", a->protocol);
	s = cJSON_PrintUnformatted(line);
	tn_buf_printf(b, NULL, "%s\n", s);
	free(s);
	cJSON_Delete(line);
	line = cJSON_CreateObject();
	cJSON_AddItemReferenceToObject(line, "metaData", a->metadata);
	s = cJSON_PrintUnformatted(line);
	tn_buf_printf(b, NULL, "%s\n", s);
	free(s);
	cJSON_Delete(line);
	for (size_t i = 0; files && i < a->n; i++) {
		line = cJSON_CreateObject();
		cJSON_AddItemReferenceToObject(line, a->files[i].kind, a->files[i].action);
		s = cJSON_PrintUnformatted(line);
		tn_buf_printf(b, NULL, "%s\n", s);
		free(s);
		cJSON_Delete(line);
	}
}

static char *display(const char *share, const char *schema, const char *table)
{
	return tn_asprintf("%s.%s.%s", share, schema, table);
}

int share_client_snapshot(struct share_client *c, struct store *st, const char *share,
			  const char *schema, const char *table, int64_t version, int64_t ts_ms,
			  struct delta_snapshot **out, struct tn_err *err)
{
	struct answer a = {0};
	char *path = table_path(share, schema, table, "/query"), *body, *name;
	struct tn_buf b = TN_BUF_INIT;
	int64_t ts = 0;
	int rc;

	*out = NULL;
	if (ts_ms != 0) {
		char iso[TN_TIME_BUFSZ];

		body = tn_asprintf("{\"timestamp\": \"%s\"}", tn_time_format_ms(ts_ms, true, iso));
	} else if (version >= 0) {
		body = tn_asprintf("{\"version\": %lld}", (long long)version);
	} else {
		body = tn_strdup("{}");
	}
	a.c = c;
	a.dir = table_dir(c, share, schema, table);
	name = display(share, schema, table);
	rc = ask_and_fetch(c, path, body, pin_query, &a, err);
	for (size_t i = 0; rc == TN_OK && i < a.n; i++) {
		if (strcmp(a.files[i].kind, "add") != 0)
			rc = tn_err_set(err, TN_ECORRUPT, "%s: a query answer holds a %s action", name,
					a.files[i].kind);
		if (a.files[i].ts > ts)
			ts = a.files[i].ts;
	}
	if (rc == TN_OK) {
		actions_text(&a, &b, true);
		rc = delta_snapshot_from_actions(st, name, a.version < 0 ? 0 : a.version,
						 ts_ms ? ts_ms : ts, (const char *)b.data, b.len, out,
						 err);
	}
	if (rc != TN_OK)
		tn_err_prefix(err, "shared table %s", name);
	tn_buf_done(&b);
	answer_done(&a);
	free(a.dir);
	free(name);
	free(body);
	free(path);
	return rc;
}

/* Changes are asked for by GET: no body to pin (the range is fixed). */
static char *pin_same(int64_t version, const char *body)
{
	(void)version;
	return body ? tn_strdup(body) : NULL;
}

static int cmp_version(const void *x, const void *y)
{
	const struct rfile *a = x, *b = y;

	return a->version < b->version ? -1 : a->version > b->version;
}

/* A change feed as the server gave it: the protocol and metaData lines,
 * and each version's actions (paths at the local copies). */
struct share_changes {
	char *name;
	struct tn_buf meta;
	struct tn_buf *texts;
	struct delta_commit_text *commits;
	size_t n;
};

void share_changes_free(struct share_changes *ch)
{
	if (ch == NULL)
		return;
	for (size_t i = 0; i < ch->n; i++)
		tn_buf_done(&ch->texts[i]);
	free(ch->texts);
	free(ch->commits);
	tn_buf_done(&ch->meta);
	free(ch->name);
	free(ch);
}

int share_client_changes(struct share_client *c, const char *share, const char *schema,
			 const char *table, int64_t from, int64_t to, struct share_changes **out,
			 struct tn_err *err)
{
	struct answer a = {0};
	char *suffix = to >= 0 ? tn_asprintf("/changes?startingVersion=%lld&endingVersion=%lld",
					     (long long)from, (long long)to)
			       : tn_asprintf("/changes?startingVersion=%lld", (long long)from);
	char *path = table_path(share, schema, table, suffix);
	struct share_changes *ch = tn_calloc(1, sizeof(*ch));
	int rc;

	*out = NULL;
	a.c = c;
	a.dir = table_dir(c, share, schema, table);
	ch->name = display(share, schema, table);
	tn_buf_init(&ch->meta, 0);
	rc = ask_and_fetch(c, path, NULL, pin_same, &a, err);
	if (rc == TN_OK) {
		/* one commit per version, in version order */
		qsort(a.files, a.n, sizeof(*a.files), cmp_version);
		ch->texts = tn_calloc(a.n + 1, sizeof(*ch->texts));
		ch->commits = tn_calloc(a.n + 1, sizeof(*ch->commits));
		for (size_t i = 0; i < a.n; i++) {
			cJSON *line = cJSON_CreateObject();
			char *s;

			if (ch->n == 0 || ch->commits[ch->n - 1].version != a.files[i].version) {
				tn_buf_init(&ch->texts[ch->n], 0);
				ch->commits[ch->n].version = a.files[i].version;
				ch->commits[ch->n].ts_ms = a.files[i].ts;
				ch->n++;
			}
			cJSON_AddItemReferenceToObject(line, a.files[i].kind, a.files[i].action);
			s = cJSON_PrintUnformatted(line);
			tn_buf_printf(&ch->texts[ch->n - 1], NULL, "%s\n", s);
			free(s);
			cJSON_Delete(line);
		}
		for (size_t i = 0; i < ch->n; i++) {
			ch->commits[i].text = (const char *)ch->texts[i].data;
			ch->commits[i].len = ch->texts[i].len;
		}
		actions_text(&a, &ch->meta, false);
	}
	if (rc != TN_OK) {
		tn_err_prefix(err, "shared table %s", ch->name);
		share_changes_free(ch);
	} else {
		*out = ch;
	}
	answer_done(&a);
	free(a.dir);
	free(path);
	free(suffix);
	return rc;
}

int share_changes_scan(const struct share_changes *ch, struct store *st,
		       const struct delta_scan_opts *opts, struct delta_scan **out,
		       struct tn_err *err)
{
	int rc = delta_changes_from_actions(st, ch->name, (const char *)ch->meta.data,
					    ch->meta.len, ch->commits, ch->n, opts, out, err);

	if (rc != TN_OK)
		tn_err_prefix(err, "shared table %s", ch->name);
	return rc;
}

/* ------------------------------------------------------------ mounts */

int share_location_split(const char *loc, char **profile, char **share, char **schema,
			 char **table, struct tn_err *err)
{
	const char *hash = strrchr(loc, '#'), *d1, *d2;

	*profile = *share = *schema = *table = NULL;
	if (hash == NULL || hash == loc || (d1 = strchr(hash + 1, '.')) == NULL ||
	    (d2 = strchr(d1 + 1, '.')) == NULL || d1 == hash + 1 || d2 == d1 + 1 ||
	    d2[1] == '\0' || strchr(d2 + 1, '.') != NULL)
		return tn_err_set(err, TN_EINVAL,
				  "'%s' is not a shared table's location (PROFILE#share.schema.table)",
				  loc);
	*profile = tn_strndup(loc, (size_t)(hash - loc));
	*share = tn_strndup(hash + 1, (size_t)(d1 - hash - 1));
	*schema = tn_strndup(d1 + 1, (size_t)(d2 - d1 - 1));
	*table = tn_strdup(d2 + 1);
	return TN_OK;
}

int share_mount(struct cat *c, const char *catalog, const char *spec, const char *comment,
		const char *owner, bool if_not_exists, size_t *ntables, struct tn_err *err)
{
	const char *hash = strrchr(spec, '#');
	char *profile = hash ? tn_strndup(spec, (size_t)(hash - spec)) : tn_strdup(spec);
	char *share = hash && hash[1] ? tn_strdup(hash + 1) : NULL, *abs = NULL;
	struct share_client *cl = NULL;
	struct share_remote_table *ts = NULL;
	struct cat_object existing;
	size_t n = 0;
	bool made = false;
	int rc;

	*ntables = 0;
	memset(&existing, 0, sizeof(existing));
	if (cat_object_get(c, CAT_KIND_CATALOG, catalog, NULL, &existing, NULL) == TN_OK) {
		cat_object_done(&existing);
		free(profile);
		free(share);
		if (if_not_exists)
			return TN_OK;
		return tn_err_set(err, TN_EEXIST, "catalog %s exists already", catalog);
	}
	abs = realpath(profile, NULL);
	if (abs == NULL) {
		rc = tn_err_sys(err, errno, "profile %s", profile);
		goto out;
	}
	rc = share_client_open(abs, NULL, &cl, err);
	if (rc == TN_OK && share == NULL) {
		char **names = NULL;
		size_t nn = 0;

		rc = share_client_shares(cl, &names, &nn, err);
		if (rc == TN_OK && nn != 1) {
			struct tn_buf b = TN_BUF_INIT;

			for (size_t i = 0; i < nn; i++)
				tn_buf_printf(&b, NULL, "%s%s", i ? ", " : "", names[i]);
			tn_buf_putc(&b, '\0', NULL);
			rc = nn == 0 ? tn_err_set(err, TN_ENOENT,
						  "profile %s reaches no share (has the provider granted "
						  "one?)", profile)
				     : tn_err_set(err, TN_EINVAL,
						  "profile %s reaches %zu shares (%s): name one as "
						  "'%s#SHARE'",
						  profile, nn, (char *)b.data, profile);
			tn_buf_done(&b);
		}
		if (rc == TN_OK)
			share = tn_strdup(names[0]);
		for (size_t i = 0; i < nn; i++)
			free(names[i]);
		free(names);
	}
	if (rc == TN_OK)
		rc = share_client_tables(cl, share, &ts, &n, err);
	if (rc == TN_OK) {
		char *cm = comment ? tn_strdup(comment)
				   : tn_asprintf("Delta Sharing: share %s at %s", share,
						 share_client_endpoint(cl));

		rc = cat_catalog_create(c, catalog, cm, owner, false, err);
		free(cm);
		made = rc == TN_OK;
	}
	if (rc == TN_OK)
		rc = cat_property_set(c, CAT_KIND_CATALOG, catalog, NULL, NULL, "share.profile", abs,
				      err);
	if (rc == TN_OK)
		rc = cat_property_set(c, CAT_KIND_CATALOG, catalog, NULL, NULL, "share.name", share,
				      err);
	if (rc == TN_OK)
		rc = cat_property_set(c, CAT_KIND_CATALOG, catalog, NULL, NULL, "share.endpoint",
				      share_client_endpoint(cl), err);
	for (size_t i = 0; rc == TN_OK && i < n; i++) {
		struct cat_object t;
		char *loc = tn_asprintf("%s#%s.%s.%s", abs, ts[i].share, ts[i].schema, ts[i].name);

		rc = cat_schema_create(c, catalog, ts[i].schema, NULL, owner, true, err);
		memset(&t, 0, sizeof(t));
		t.kind = CAT_KIND_TABLE;
		t.catalog = (char *)catalog;
		t.schema = ts[i].schema;
		t.name = ts[i].name;
		t.type = CAT_EXTERNAL;
		t.format = (char *)"share";
		t.location = loc;
		t.owner = (char *)owner;
		if (rc == TN_OK)
			rc = cat_table_create(c, &t, false, err);
		free(loc);
	}
	if (rc == TN_OK)
		*ntables = n;
	if (rc != TN_OK && made) {
		struct tn_err e2;

		tn_err_clear(&e2);
		cat_catalog_drop(c, catalog, true, true, &e2);
	}
out:
	share_remote_tables_free(ts, n);
	share_client_close(cl);
	free(abs);
	free(profile);
	free(share);
	return rc;
}
