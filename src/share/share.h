/* share.h - Delta Sharing (../shared/specs/delta-sharing-PROTOCOL.md):
 * shares of lakehouse tables, recipients with bearer tokens, grants and
 * the access audit, kept in the catalog (share state: state.c on
 * catalog/); the server (server.c, libmicrohttpd) that serves them to
 * recipients with signed file URLs; and (later) the client that mounts a
 * remote share as a catalog.
 *
 * Layering: share/ sits above catalog/ and delta/ and below sql/: the SQL
 * statements (CREATE SHARE, ...) in sql/ call the state functions here;
 * the server reads Delta logs through delta/ and never runs SQL. Never
 * include sqlite3.h here (the catalog holds the tables). */
#ifndef TARN_SHARE_H
#define TARN_SHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct cat;

/* ------------------------------------------------------------ state */

struct share_info {
	char *name;
	char *comment;   /* or NULL */
	char *id;        /* a UUID made when the share is created */
	char *owner;
	int64_t created_ms;
};

/* A partition filter of a shared table: PARTITION (col = 'value', ...). */
struct share_part {
	char *col;
	char *value;     /* the literal's text (strings unquoted) */
};

/* A table of a share, as recipients see it: share.schema.name. */
struct share_table {
	char *share;
	char *schema;    /* AS schema.name, else the table's own schema */
	char *name;
	char *id;        /* a UUID made when the table is added */
	char *table;     /* the lakehouse table: catalog.schema.table */
	char *location;  /* its directory (absolute) */
	char *comment;   /* or NULL */
	struct share_part *parts; /* rows outside these partitions are never served */
	size_t nparts;
	bool history;    /* WITH HISTORY: versions, timestamps and changes served */
	int64_t added_ms;
};

struct share_recipient {
	char *name;
	char *comment;
	char *props_json;        /* PROPERTIES as a JSON object, or NULL */
	int64_t created_ms;
	int64_t token_expire_ms; /* the current token's expiry, 0: none */
	int64_t old_expire_ms;   /* a rotated-out token still valid until, 0: none */
	int64_t last_access_ms;  /* 0: never */
};

void share_info_free(struct share_info *v, size_t n);
void share_tables_free(struct share_table *v, size_t n);
void share_recipients_free(struct share_recipient *v, size_t n);

/* Shares: names are case-insensitive, as every catalog name. */
int share_create(struct cat *c, const char *name, const char *comment, const char *owner,
		 bool if_not_exists, struct tn_err *err);
int share_drop(struct cat *c, const char *name, bool if_exists, struct tn_err *err);
/* Every share (recipient NULL), or those granted to recipient; by name. */
int share_list(struct cat *c, const char *recipient, struct share_info **out, size_t *n,
	       struct tn_err *err);
int share_get(struct cat *c, const char *name, struct share_info *out, struct tn_err *err);
/* ALTER SHARE s ADD TABLE: t is the table's catalog.schema.table and
 * location its directory; schema/name: AS schema.name (NULL: t's own). */
int share_add_table(struct cat *c, const char *share, const struct share_table *t,
		    struct tn_err *err);
int share_remove_table(struct cat *c, const char *share, const char *schema, const char *name,
		       struct tn_err *err);
/* The tables of a share (sorted by schema, name). With recipient set,
 * TN_ENOENT unless the share exists AND is granted to it (a recipient
 * cannot tell the two apart). */
int share_tables(struct cat *c, const char *share, const char *recipient,
		 struct share_table **out, size_t *n, struct tn_err *err);

/* Recipients. share_recipient_create makes a token (32 random bytes,
 * base64url), keeps only its SHA-256, and returns it once in *token
 * (caller frees, wipes). ttl_s: lifetime (0: none). */
int share_recipient_create(struct cat *c, const char *name, const char *comment,
			   const char *props_json, int64_t ttl_s, char **token, struct tn_err *err);
int share_recipient_drop(struct cat *c, const char *name, bool if_exists, struct tn_err *err);
int share_recipient_list(struct cat *c, struct share_recipient **out, size_t *n,
			 struct tn_err *err);
/* One recipient (free its strings with share_recipient_done). TN_ENOENT
 * with a near name. */
int share_recipient_get(struct cat *c, const char *name, struct share_recipient *out,
			struct tn_err *err);
void share_recipient_done(struct share_recipient *r);
/* ROTATE TOKEN: a new token; the old one stays valid for grace_s seconds
 * (0: revoked at once). */
int share_recipient_rotate(struct cat *c, const char *name, int64_t grace_s, int64_t ttl_s,
			   char **token, struct tn_err *err);
/* The recipient a bearer token belongs to (caller frees), comparing
 * hashes in constant time and honouring expiry and the grace period;
 * records the access time. TN_EPERM for a missing, unknown or expired
 * token (one message for all: nothing to learn from it). */
int share_auth(struct cat *c, const char *token, char **recipient, struct tn_err *err);

/* GRANT / REVOKE SELECT ON SHARE s TO / FROM RECIPIENT r. */
int share_grant(struct cat *c, const char *share, const char *recipient, struct tn_err *err);
int share_revoke(struct cat *c, const char *share, const char *recipient, struct tn_err *err);
/* The recipients of a share, or the shares of a recipient (the other NULL). */
int share_grant_list(struct cat *c, const char *share, const char *recipient, char ***names,
		     size_t *n, struct tn_err *err);

/* The profile file of a recipient (shareCredentialsVersion 1, endpoint,
 * bearerToken, expirationTime), written once with mode 0600 by temp file
 * and rename; never overwrites an existing file. */
int share_profile_write(const char *path, const char *endpoint, const char *token,
			int64_t expire_ms, struct tn_err *err);

/* One audited request of the server. */
struct share_audit {
	int64_t ts_ms;
	const char *recipient;  /* NULL: not authenticated */
	const char *method, *path; /* the request (no query string secrets) */
	const char *share, *schema, *table; /* or NULL */
	int64_t version;        /* -1: none */
	int64_t files, bytes;
	int status;             /* the HTTP status sent */
	const char *error;      /* errorCode, or NULL */
	const char *remote;     /* the client's address */
};
int share_audit_add(struct cat *c, const struct share_audit *a, struct tn_err *err);

/* ------------------------------------------------------------ server */

struct share_serve_opts {
	const char *lakehouse;   /* NULL: the default lakehouse */
	const char *listen;      /* ADDR:PORT (port 0: any), NULL: 127.0.0.1:8080 */
	const char *tls_cert, *tls_key; /* PEM files, both or neither */
	const char *public_url;  /* the endpoint recipients use, NULL: from listen */
	int64_t url_ttl_s;       /* signed URLs' lifetime, 0: one hour */
};

/* Serve the lakehouse's shares until *stop is set (by a signal handler:
 * the wait is pause()). Prints "tarn share serve: listening on ADDR:PORT,
 * endpoint URL" on stderr once listening. */
#include <signal.h>
int share_serve(const struct share_serve_opts *o, volatile sig_atomic_t *stop,
		struct tn_err *err);

/* ------------------------------------------------------------ client */

struct store;
struct delta_snapshot;
struct delta_scan;
struct delta_scan_opts;

/* A profile file (shareCredentialsVersion 1). */
struct share_profile {
	char *endpoint;   /* without a trailing '/' */
	char *token;      /* the bearer token: never in messages or logs */
	int64_t expire_ms; /* 0: none */
};
/* Read a profile. Errors name the file and never quote the token;
 * TN_EPERM when the token expired (naming when). */
int share_profile_read(const char *path, struct share_profile *out, struct tn_err *err);
void share_profile_done(struct share_profile *p);

/* A client of the server a profile names (libcurl, one connection kept
 * alive). Data files are fetched into cache_dir (made when needed), one
 * file per file id, resumed with Range after a broken transfer, retried
 * on network errors, 429 and 5xx; URLs that expired are refreshed by
 * asking the server again for the same version. */
struct share_client;
int share_client_open(const char *profile, const char *cache_dir, struct share_client **out,
		      struct tn_err *err);
void share_client_close(struct share_client *c);
const char *share_client_endpoint(const struct share_client *c);

/* A table of a remote share. */
struct share_remote_table {
	char *share, *schema, *name;
};
void share_remote_tables_free(struct share_remote_table *v, size_t n);
/* The shares the profile may read (sorted by the server). */
int share_client_shares(struct share_client *c, char ***names, size_t *n, struct tn_err *err);
/* Every table of a share (list all tables, every page). */
int share_client_tables(struct share_client *c, const char *share,
			struct share_remote_table **out, size_t *n, struct tn_err *err);
/* The table's current version (or the version at ts_ms when not 0). */
int share_client_version(struct share_client *c, const char *share, const char *schema,
			 const char *table, int64_t ts_ms, int64_t *version, struct tn_err *err);
/* The table at a version (version < 0 and ts_ms == 0: the latest; ts_ms
 * != 0: as of that time) as a snapshot whose files are local copies in
 * the cache (st: the store to read them with). */
int share_client_snapshot(struct share_client *c, struct store *st, const char *share,
			  const char *schema, const char *table, int64_t version, int64_t ts_ms,
			  struct delta_snapshot **out, struct tn_err *err);
/* The change data feed from version `from` to `to` (< 0: the latest),
 * fetched once (files into the cache); share_changes_scan reads it, as
 * delta_changes_open gives it, as often as needed without the network. */
struct share_changes;
int share_client_changes(struct share_client *c, const char *share, const char *schema,
			 const char *table, int64_t from, int64_t to, struct share_changes **out,
			 struct tn_err *err);
int share_changes_scan(const struct share_changes *ch, struct store *st,
		       const struct delta_scan_opts *opts, struct delta_scan **out,
		       struct tn_err *err);
void share_changes_free(struct share_changes *ch);

/* A shared table's location in the catalog: "PROFILE#share.schema.table"
 * (as Delta Sharing's clients name tables). Split into its parts (caller
 * frees each); TN_EINVAL when it is not of that form. */
int share_location_split(const char *loc, char **profile, char **share, char **schema,
			 char **table, struct tn_err *err);

/* CREATE CATALOG name USING SHARE 'PROFILE[#share]': list the share's
 * tables over the network, then make the catalog (properties
 * share.profile, share.name, share.endpoint), a schema per remote schema
 * and a table per remote table (CAT_EXTERNAL, format "share", location
 * as share_location_split reads it). Without #share the profile must
 * reach exactly one share. Nothing is left behind on failure. *ntables
 * gets how many tables were mounted. */
int share_mount(struct cat *c, const char *catalog, const char *spec, const char *comment,
		const char *owner, bool if_not_exists, size_t *ntables, struct tn_err *err);

#endif
