/* server_int.h - inside src/share: the Delta Sharing server's parts:
 * signing (sign.c), the endpoints apart from HTTP (protocol.c) and the
 * libmicrohttpd glue (server.c). */
#ifndef TARN_SHARE_SERVER_INT_H
#define TARN_SHARE_SERVER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/sha256.h"

struct cat;
struct store;

#define SHARE_KEY_LEN 32
/* Signed file URLs live this long unless the server is told otherwise. */
#define SHARE_URL_TTL_MS (3600 * 1000)

/* ------------------------------------------------------------ sign.c */

/* The server key, LAKEHOUSE/shares/server.key: 32 random bytes made (mode
 * 0600, by temp file and link so two servers agree) on first use. A key
 * file of another size or readable by others is refused (TN_EPERM). */
int share_key_load(const char *lakehouse, uint8_t key[SHARE_KEY_LEN], struct tn_err *err);

/* base64url without padding. Caller frees. */
char *share_b64url(const void *p, size_t n);
/* Decode base64url (no padding); NULL when s is not that. *n: the length. */
uint8_t *share_b64url_decode(const char *s, size_t *n);

/* The path and query of a signed URL for a file of a shared table:
 * "/files/<table id>/<b64url(path)>?e=<expiry ms>&s=<hex HMAC>", the HMAC
 * over table id, path and expiry. path is relative to the table's root
 * (as the log names it, decoded). Caller frees. */
char *share_file_sign(const uint8_t key[SHARE_KEY_LEN], const char *table_id, const char *path,
		      int64_t expire_ms);
/* Check a signed URL's parts: TN_OK with *path (caller frees) the file's
 * path; TN_EPERM when anything was changed or the URL expired (now_ms);
 * one message for all. */
int share_file_check(const uint8_t key[SHARE_KEY_LEN], const char *table_id,
		     const char *path_b64, const char *expire, const char *sig, int64_t now_ms,
		     char **path, struct tn_err *err);

/* Opaque page tokens: base64url of an offset and an HMAC binding it to a
 * scope (the listing and the recipient), so that they cannot be forged or
 * moved to another listing. Caller frees. */
char *share_page_token(const uint8_t key[SHARE_KEY_LEN], const char *scope, size_t offset);
/* TN_EINVAL for a token that is not one of ours for this scope. */
int share_page_token_parse(const uint8_t key[SHARE_KEY_LEN], const char *scope, const char *tok,
			   size_t *offset, struct tn_err *err);

/* ------------------------------------------------------------ protocol.c */

struct share_srv {
	struct cat *cat;          /* borrowed; used under lock only */
	pthread_mutex_t lock;
	struct store *st;         /* borrowed: the local store */
	uint8_t key[SHARE_KEY_LEN];
	char *base_url;           /* the public URL, no trailing '/' (owned) */
	char *prefix;             /* its path ("" or "/x/y"), stripped from requests (owned) */
	int64_t url_ttl_ms;
};

/* One request, HTTP aside. */
struct share_req {
	const char *method;       /* GET, HEAD, POST, ... */
	const char *path;         /* decoded, without the query string */
	const char *recipient;    /* authenticated */
	/* a query parameter, or NULL */
	const char *(*arg)(void *ctx, const char *name);
	void *arg_ctx;
	const char *capabilities; /* the delta-sharing-capabilities header, or NULL */
	const char *fileidhash;   /* the fileidhash header, or NULL */
	const char *body;         /* POST body (not NUL-terminated), or NULL */
	size_t body_len;
	int64_t now_ms;
};

struct share_resp {
	int status;
	const char *content_type; /* static */
	struct tn_buf body;
	int64_t version;          /* Delta-Table-Version, -1: none */
	char capabilities[96];    /* the delta-sharing-capabilities answer, "" none */
	char fileidhash[16];      /* echoed, "" none */
	/* for the audit (owned) */
	char *share, *schema, *table;
	int64_t files, bytes;
	const char *error;        /* errorCode or NULL */
};

void share_resp_init(struct share_resp *rs);
void share_resp_done(struct share_resp *rs);
/* Fill rs with an error: {"errorCode","message"}. Returns status. */
int share_resp_error(struct share_resp *rs, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Answer one request of a recipient (everything but /files). */
void share_handle(struct share_srv *s, const struct share_req *rq, struct share_resp *rs);
/* The directory of the shared table with this id (caller frees), or
 * TN_ENOENT when no share holds it any more. */
int share_table_root(struct share_srv *s, const char *table_id, char **root, struct tn_err *err);

#endif
