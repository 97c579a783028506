/* server.c - the Delta Sharing server on libmicrohttpd: bearer tokens,
 * limits (request size, connections, rate per recipient, timeouts), the
 * audit of every request, and the data files at signed URLs (HEAD and
 * Range) whose real path must lie inside the shared table's root. */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/time.h"
#include "catalog/catalog.h"
#include "share/server_int.h"
#include "share/share.h"
#include "store/store.h"

#define MAX_BODY (1u << 20)       /* a query's JSON body */
#define MAX_CONNECTIONS 512
#define MAX_PER_IP 128
#define TIMEOUT_S 30
#define THREADS 4
/* Requests per second per recipient, with bursts of RATE_BURST. */
#define RATE_PER_S 500.0
#define RATE_BURST 1000.0
#define MAX_BUCKETS 4096

struct bucket {
	char *recipient;
	double tokens;
	int64_t last_us;
};

struct server {
	struct share_srv srv;
	struct MHD_Daemon *d;
	pthread_mutex_t rate_lock;
	struct bucket *buckets;
	size_t nbuckets;
	/* libmicrohttpd's first complaint while the daemon starts (a bad TLS
	 * certificate or key); once serving, its messages are dropped, as
	 * they could quote a request */
	atomic_int log_state; /* LOG_DROP, LOG_WANT, LOG_TAKEN */
	char start_msg[256];
};

enum { LOG_DROP, LOG_WANT, LOG_TAKEN };

struct conn {
	struct tn_buf body;
	bool too_big;
};

/* A token bucket per recipient: false when it is empty. */
static bool rate_ok(struct server *sv, const char *recipient)
{
	int64_t now = tn_time_mono_us();
	struct bucket *b = NULL;
	bool ok;

	pthread_mutex_lock(&sv->rate_lock);
	for (size_t i = 0; i < sv->nbuckets && b == NULL; i++)
		if (strcmp(sv->buckets[i].recipient, recipient) == 0)
			b = &sv->buckets[i];
	if (b == NULL) {
		if (sv->nbuckets == MAX_BUCKETS) { /* forget everyone: recipients are few */
			for (size_t i = 0; i < sv->nbuckets; i++)
				free(sv->buckets[i].recipient);
			sv->nbuckets = 0;
		}
		sv->buckets = tn_reallocarray(sv->buckets, sv->nbuckets + 1, sizeof(*sv->buckets));
		b = &sv->buckets[sv->nbuckets++];
		b->recipient = tn_strdup(recipient);
		b->tokens = RATE_BURST;
		b->last_us = now;
	}
	b->tokens += (double)(now - b->last_us) / 1e6 * RATE_PER_S;
	if (b->tokens > RATE_BURST)
		b->tokens = RATE_BURST;
	b->last_us = now;
	ok = b->tokens >= 1.0;
	if (ok)
		b->tokens -= 1.0;
	pthread_mutex_unlock(&sv->rate_lock);
	return ok;
}

static const char *arg_of(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

static void remote_of(struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	*out = '\0';
	if (ci == NULL || ci->client_addr == NULL)
		return;
	if (getnameinfo(ci->client_addr,
			ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							       : sizeof(struct sockaddr_in),
			out, (socklen_t)n, NULL, 0, NI_NUMERICHOST) != 0)
		*out = '\0';
}

static void audit(struct server *sv, const char *recipient, const char *method, const char *path,
		  const struct share_resp *rs, const char *remote)
{
	struct share_audit a = {
		.ts_ms = tn_time_now_us() / 1000,
		.recipient = recipient,
		.method = method,
		.path = path,
		.share = rs->share,
		.schema = rs->schema,
		.table = rs->table,
		.version = rs->version,
		.files = rs->files,
		.bytes = rs->bytes,
		.status = rs->status,
		.error = rs->error,
		.remote = remote,
	};

	pthread_mutex_lock(&sv->srv.lock);
	share_audit_add(sv->srv.cat, &a, NULL);
	pthread_mutex_unlock(&sv->srv.lock);
}

static enum MHD_Result send_resp(struct MHD_Connection *c, struct share_resp *rs)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(rs->body.len, rs->body.data,
								 MHD_RESPMEM_MUST_COPY);
	char v[24];
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	if (rs->content_type != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rs->content_type);
	if (rs->version >= 0 && rs->status < 300) {
		snprintf(v, sizeof(v), "%" PRId64, rs->version);
		MHD_add_response_header(r, "Delta-Table-Version", v);
	}
	if (rs->capabilities[0] && rs->status < 300)
		MHD_add_response_header(r, "delta-sharing-capabilities", rs->capabilities);
	if (rs->fileidhash[0] && rs->status < 300)
		MHD_add_response_header(r, "fileidhash", rs->fileidhash);
	if (rs->status == 401)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, (unsigned)rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* "bytes=a-b", "bytes=a-", "bytes=-n" of a file of size n: 1 with the
 * range, 0 for none (the whole file), -1 when unsatisfiable. */
static int parse_range(const char *h, int64_t size, int64_t *from, int64_t *len)
{
	int64_t a = -1, b = -1;
	const char *p;
	char *end;

	if (h == NULL || strncmp(h, "bytes=", 6) != 0 || strchr(h, ','))
		return 0;
	p = h + 6;
	if (*p == '-') {
		long long n = strtoll(p + 1, &end, 10);

		if (end == p + 1 || *end || n <= 0)
			return -1;
		a = n >= size ? 0 : size - n;
		b = size - 1;
	} else {
		a = strtoll(p, &end, 10);
		if (end == p || *end != '-' || a < 0)
			return -1;
		p = end + 1;
		if (*p) {
			b = strtoll(p, &end, 10);
			if (*end || b < a)
				return -1;
		} else {
			b = size - 1;
		}
	}
	if (a >= size)
		return -1;
	if (b >= size)
		b = size - 1;
	*from = a;
	*len = b - a + 1;
	return 1;
}

/* GET or HEAD /files/<table id>/<b64 path>?e=&s= */
static void serve_file(struct server *sv, struct MHD_Connection *c, const char *rest,
		       struct share_resp *rs, struct MHD_Response **out, int *status)
{
	char *copy = tn_strdup(rest), *slash = strchr(copy, '/'), *path = NULL, *root = NULL;
	char *rroot = NULL, *full = NULL, *rfull = NULL;
	int fd = -1, range;
	struct stat sb;
	int64_t from = 0, len = 0;

	*out = NULL;
	if (slash != NULL)
		*slash++ = '\0';
	if (slash == NULL || strchr(slash, '/') ||
	    share_file_check(sv->srv.key, copy, slash, arg_of(c, "e"), arg_of(c, "s"),
			     tn_time_now_us() / 1000, &path, NULL) != TN_OK) {
		share_resp_error(rs, 403, "FORBIDDEN", "the URL is not valid or has expired");
		goto done;
	}
	if (share_table_root(&sv->srv, copy, &root, NULL) != TN_OK ||
	    (rroot = realpath(root, NULL)) == NULL) {
		share_resp_error(rs, 403, "FORBIDDEN", "the URL is not valid or has expired");
		goto done;
	}
	full = path[0] == '/' ? tn_strdup(path) : tn_path_join(rroot, path);
	rfull = realpath(full, NULL);
	/* whatever the path says (.., symlinks), the file must be inside the root */
	if (rfull == NULL || strncmp(rfull, rroot, strlen(rroot)) != 0 ||
	    rfull[strlen(rroot)] != '/') {
		share_resp_error(rs, 404, "RESOURCE_DOES_NOT_EXIST", "no such file");
		goto done;
	}
	fd = open(rfull, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		share_resp_error(rs, 404, "RESOURCE_DOES_NOT_EXIST", "no such file");
		goto done;
	}
	range = parse_range(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range"), sb.st_size,
			    &from, &len);
	if (range < 0) {
		char cr[48];

		share_resp_error(rs, 416, "INVALID_PARAMETER_VALUE", "the range is not satisfiable");
		*out = MHD_create_response_from_buffer(rs->body.len, rs->body.data,
						       MHD_RESPMEM_MUST_COPY);
		snprintf(cr, sizeof(cr), "bytes */%lld", (long long)sb.st_size);
		MHD_add_response_header(*out, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
		MHD_add_response_header(*out, MHD_HTTP_HEADER_CONTENT_TYPE, rs->content_type);
		*status = 416;
		goto done;
	}
	if (range == 0) {
		from = 0;
		len = sb.st_size;
	}
	*out = MHD_create_response_from_fd_at_offset64((uint64_t)len, fd, (uint64_t)from);
	if (*out == NULL) {
		share_resp_error(rs, 500, "INTERNAL_ERROR", "the file cannot be sent");
		goto done;
	}
	fd = -1; /* the response owns it */
	MHD_add_response_header(*out, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	MHD_add_response_header(*out, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	if (range > 0) {
		char cr[80];

		snprintf(cr, sizeof(cr), "bytes %lld-%lld/%lld", (long long)from,
			 (long long)(from + len - 1), (long long)sb.st_size);
		MHD_add_response_header(*out, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
	}
	*status = range > 0 ? 206 : 200;
	rs->status = *status;
	rs->files = 1;
	rs->bytes = len;
done:
	if (fd >= 0)
		close(fd);
	free(rfull);
	free(full);
	free(rroot);
	free(root);
	free(path);
	free(copy);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct server *sv = cls;
	struct conn *cn = *con_cls;
	struct share_resp rs;
	char remote[64], *recipient = NULL;
	const char *path = url, *auth;
	enum MHD_Result ret;

	(void)version;
	if (cn == NULL) {
		cn = tn_calloc(1, sizeof(*cn));
		tn_buf_init(&cn->body, 0);
		*con_cls = cn;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (cn->body.len + *upload_size > MAX_BODY)
			cn->too_big = true;
		else
			tn_buf_append(&cn->body, upload, *upload_size, NULL);
		*upload_size = 0;
		return MHD_YES;
	}
	share_resp_init(&rs);
	remote_of(c, remote, sizeof(remote));
	if (sv->srv.prefix[0] != '\0') {
		size_t pl = strlen(sv->srv.prefix);

		if (strncmp(path, sv->srv.prefix, pl) != 0 || (path[pl] != '/' && path[pl] != '\0')) {
			share_resp_error(&rs, 404, "RESOURCE_DOES_NOT_EXIST", "no such endpoint");
			goto reply;
		}
		path += pl;
	}
	if (tn_str_startswith(path, "/files/") &&
	    (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)) {
		struct MHD_Response *r = NULL;
		int status = 0;

		serve_file(sv, c, path + 7, &rs, &r, &status);
		if (r != NULL) {
			audit(sv, NULL, method, path, &rs, remote);
			ret = MHD_queue_response(c, (unsigned)status, r);
			MHD_destroy_response(r);
			share_resp_done(&rs);
			return ret;
		}
		goto reply;
	}
	auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0) {
		share_resp_error(&rs, 401, "UNAUTHENTICATED", "the bearer token is missing or not valid");
		goto reply;
	}
	pthread_mutex_lock(&sv->srv.lock);
	if (share_auth(sv->srv.cat, auth + 7, &recipient, NULL) != TN_OK)
		recipient = NULL;
	pthread_mutex_unlock(&sv->srv.lock);
	if (recipient == NULL) {
		share_resp_error(&rs, 401, "UNAUTHENTICATED", "the bearer token is missing or not valid");
		goto reply;
	}
	if (!rate_ok(sv, recipient)) {
		share_resp_error(&rs, 429, "RESOURCE_EXHAUSTED", "too many requests: slow down");
		goto reply;
	}
	if (cn->too_big) {
		share_resp_error(&rs, 413, "INVALID_PARAMETER_VALUE",
				 "the request body is larger than %u bytes", MAX_BODY);
		goto reply;
	}
	{
		struct share_req rq = {
			.method = method,
			.path = path,
			.recipient = recipient,
			.arg = arg_of,
			.arg_ctx = c,
			.capabilities =
				MHD_lookup_connection_value(c, MHD_HEADER_KIND, "delta-sharing-capabilities"),
			.fileidhash = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "fileidhash"),
			.body = cn->body.data,
			.body_len = cn->body.len,
			.now_ms = tn_time_now_us() / 1000,
		};

		share_handle(&sv->srv, &rq, &rs);
	}
reply:
	audit(sv, recipient, method, path, &rs, remote);
	ret = send_resp(c, &rs);
	share_resp_done(&rs);
	free(recipient);
	return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	(void)cls, (void)c, (void)toe;
	if (cn == NULL)
		return;
	tn_buf_done(&cn->body);
	free(cn);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct server *sv = cls;
	int want = LOG_WANT;
	size_t n;

	/* the pool's threads may call this at once: one message only */
	if (!atomic_compare_exchange_strong(&sv->log_state, &want, LOG_TAKEN))
		return;
	vsnprintf(sv->start_msg, sizeof(sv->start_msg), fmt, ap);
	n = strlen(sv->start_msg);
	while (n > 0 && (sv->start_msg[n - 1] == '\n' || sv->start_msg[n - 1] == '.'))
		sv->start_msg[--n] = '\0';
}

/* ADDR:PORT ([v6]:PORT) as a listening socket; *port the bound port. */
static int listen_on(const char *spec, int *fd_out, char *host, size_t hostn, int *port,
		     struct tn_err *err)
{
	char *copy = tn_strdup(spec), *h = copy, *p = strrchr(copy, ':');
	struct addrinfo hints = {0}, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = -1, one = 1, rc;

	if (p == NULL) {
		free(copy);
		return tn_err_set(err, TN_EINVAL, "--listen %s: give ADDR:PORT", spec);
	}
	*p++ = '\0';
	if (*h == '[' && h[strlen(h) - 1] == ']') {
		h++;
		h[strlen(h) - 1] = '\0';
	}
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(*h ? h : NULL, p, &hints, &ai);
	if (rc != 0) {
		rc = tn_err_set(err, TN_EINVAL, "--listen %s: %s", spec, gai_strerror(rc));
		goto done;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		rc = tn_err_sys(err, errno, "--listen %s", spec);
		if (fd >= 0)
			close(fd);
		goto done;
	}
	getnameinfo((struct sockaddr *)&ss, sl, host, (socklen_t)hostn, NULL, 0, NI_NUMERICHOST);
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					       : ((struct sockaddr_in *)&ss)->sin_port);
	*fd_out = fd;
	rc = TN_OK;
done:
	if (ai)
		freeaddrinfo(ai);
	free(copy);
	return rc;
}

/* The contents of the file an option names (what: the option, put
 * before the message: "--tls-cert F: No such file ..."). */
static char *read_file(const char *what, const char *path, struct tn_err *err)
{
	struct tn_buf b;

	tn_buf_init(&b, 1u << 20);
	if (tn_buf_read_file(&b, path, err) != TN_OK) {
		char msg[TN_ERR_MSG_MAX];
		int se = err->sys_errno;

		memcpy(msg, err->msg, sizeof(msg));
		tn_err_set(err, err->code, "%s %s", what, msg);
		err->sys_errno = se;
		tn_buf_done(&b);
		return NULL;
	}
	tn_buf_putc(&b, '\0', NULL);
	return tn_buf_detach(&b, NULL);
}

int share_serve(const struct share_serve_opts *o, volatile sig_atomic_t *stop,
		struct tn_err *err)
{
	struct server sv;
	char host[NI_MAXHOST] = "", *cert = NULL, *key = NULL;
	int fd = -1, port = 0, rc;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	const char *url_path;

	memset(&sv, 0, sizeof(sv));
	atomic_init(&sv.log_state, LOG_DROP);
	pthread_mutex_init(&sv.srv.lock, NULL);
	pthread_mutex_init(&sv.rate_lock, NULL);
	sv.srv.url_ttl_ms = o->url_ttl_s > 0 ? o->url_ttl_s * 1000 : SHARE_URL_TTL_MS;
	rc = cat_open(o->lakehouse, &sv.srv.cat, err);
	if (rc == TN_OK)
		rc = share_key_load(cat_lakehouse(sv.srv.cat), sv.srv.key, err);
	sv.srv.st = store_local_new("");
	if (rc == TN_OK && (o->tls_cert != NULL) != (o->tls_key != NULL))
		rc = tn_err_set(err, TN_EINVAL, "--tls-cert and --tls-key go together");
	if (rc == TN_OK && o->tls_cert != NULL) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
			rc = tn_err_set(err, TN_EUNSUPPORTED, "this libmicrohttpd has no TLS");
		else if ((cert = read_file("--tls-cert", o->tls_cert, err)) == NULL ||
			 (key = read_file("--tls-key", o->tls_key, err)) == NULL)
			rc = err ? err->code : TN_EIO;
		flags |= MHD_USE_TLS;
	}
	if (rc == TN_OK)
		rc = listen_on(o->listen ? o->listen : "127.0.0.1:8080", &fd, host, sizeof(host),
			       &port, err);
	if (rc != TN_OK)
		goto done;
	if (o->public_url != NULL) {
		sv.srv.base_url = tn_strdup(o->public_url);
	} else {
		bool v6 = strchr(host, ':') != NULL;

		/* the path recipients' profiles name by default
		 * (tarn.share.endpoint) */
		sv.srv.base_url = tn_asprintf("%s://%s%s%s:%d/delta-sharing",
					      cert ? "https" : "http", v6 ? "[" : "", host,
					      v6 ? "]" : "", port);
	}
	while (tn_str_endswith(sv.srv.base_url, "/"))
		sv.srv.base_url[strlen(sv.srv.base_url) - 1] = '\0';
	url_path = strstr(sv.srv.base_url, "://");
	url_path = url_path ? strchr(url_path + 3, '/') : NULL;
	sv.srv.prefix = tn_strdup(url_path ? url_path : "");
	{
		struct MHD_OptionItem ops[] = {
			{MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, &sv}, /* first, or it warns */
			{MHD_OPTION_LISTEN_SOCKET, fd, NULL},
			{MHD_OPTION_THREAD_POOL_SIZE, THREADS, NULL},
			{MHD_OPTION_CONNECTION_LIMIT, MAX_CONNECTIONS, NULL},
			{MHD_OPTION_PER_IP_CONNECTION_LIMIT, MAX_PER_IP, NULL},
			{MHD_OPTION_CONNECTION_TIMEOUT, TIMEOUT_S, NULL},
			{MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL},
			{MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_done, &sv},
			{cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert},
			{MHD_OPTION_HTTPS_MEM_KEY, 0, key},
			{MHD_OPTION_END, 0, NULL},
		};

		atomic_store(&sv.log_state, LOG_WANT);
		sv.d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &sv, MHD_OPTION_ARRAY, ops,
					MHD_OPTION_END);
		atomic_store(&sv.log_state, LOG_DROP);
	}
	if (sv.d == NULL) {
		close(fd);
		if (cert != NULL && strstr(sv.start_msg, "TLS") != NULL)
			rc = tn_err_set(err, TN_EINVAL,
					"--tls-cert %s --tls-key %s: not a PEM certificate and its "
					"private key (%s)",
					o->tls_cert, o->tls_key,
					sv.start_msg);
		else
			rc = tn_err_set(err, TN_EIO, "the HTTP server did not start on %s:%d%s%s", host,
					port, sv.start_msg[0] ? ": " : "", sv.start_msg);
		goto done;
	}
	fprintf(stderr, "tarn share serve: listening on %s:%d, endpoint %s\n", host, port,
		sv.srv.base_url);
	fflush(stderr);
	while (!*stop)
		pause();
	MHD_stop_daemon(sv.d);
	close(fd);
done:
	if (key) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	free(cert);
	explicit_bzero(sv.srv.key, sizeof(sv.srv.key));
	for (size_t i = 0; i < sv.nbuckets; i++)
		free(sv.buckets[i].recipient);
	free(sv.buckets);
	free(sv.srv.base_url);
	free(sv.srv.prefix);
	store_free(sv.srv.st);
	cat_close(sv.srv.cat);
	pthread_mutex_destroy(&sv.srv.lock);
	pthread_mutex_destroy(&sv.rate_lock);
	return rc;
}
