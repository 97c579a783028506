/* share_cat.h - the rows of Delta Sharing in tarn.db (schema version 3):
 * shares, their tables, recipients with the hashes of their bearer
 * tokens, grants of shares to recipients, and the server's access log.
 * Plain storage: tokens, UUIDs and profile files are share/state.c's
 * business (share/share.h is the interface the rest of tarn uses).
 *
 * Share and recipient names are case-insensitive, as every catalog name.
 * Errors: TN_ENOENT "share x not found[; did you mean y?]", TN_EEXIST
 * "share x already exists", TN_EINVAL for a bad name. */
#ifndef TARN_CATALOG_SHARE_CAT_H
#define TARN_CATALOG_SHARE_CAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct cat;
struct cat_principal;

struct cat_share {
	char *name, *comment, *uuid, *owner;
	int64_t created_ms;
};

struct cat_share_table {
	char *share, *schema, *name, *uuid;
	char *table;      /* catalog.schema.table */
	char *location;
	char *comment;
	char *parts_json; /* [{"col":..,"value":..}, ...], or NULL */
	bool history;
	int64_t added_ms;
};

struct cat_recipient {
	char *name, *comment, *props_json;
	char *token_hash;       /* lower-case hex SHA-256 of the current token */
	char *old_hash;         /* of the rotated-out one, or NULL */
	int64_t token_expire_ms, old_expire_ms, created_ms, last_access_ms;
};

/* One request to the sharing server. */
struct cat_share_audit {
	int64_t ts_ms;
	char *recipient, *method, *path, *share, *schema, *table;
	int64_t version;  /* -1: none */
	int64_t files, bytes;
	int status;
	char *error, *remote;
};

/* Whether who administers the lakehouse (root or the directory's owner):
 * the one who may create shares and recipients. */
bool cat_is_admin(struct cat *c, const struct cat_principal *who);

int cat_share_create(struct cat *c, const struct cat_share *s, bool if_not_exists,
		     struct tn_err *err);
int cat_share_drop(struct cat *c, const char *name, bool if_exists, struct tn_err *err);
int cat_share_get(struct cat *c, const char *name, struct cat_share *out, struct tn_err *err);
/* Every share (recipient NULL), or those granted to recipient; by name. */
int cat_share_list(struct cat *c, const char *recipient, struct cat_share **out, size_t *n,
		   struct tn_err *err);
void cat_share_free(struct cat_share *v, size_t n);

/* TN_EEXIST when the share has a table of that schema.name, or the
 * lakehouse table already. */
int cat_share_table_add(struct cat *c, const struct cat_share_table *t, struct tn_err *err);
int cat_share_table_remove(struct cat *c, const char *share, const char *schema,
			   const char *name, struct tn_err *err);
/* The tables of share by schema, name. With recipient set, TN_ENOENT
 * "share x not found" as well when it is not granted to recipient. */
int cat_share_tables(struct cat *c, const char *share, const char *recipient,
		     struct cat_share_table **out, size_t *n, struct tn_err *err);
void cat_share_tables_free(struct cat_share_table *v, size_t n);

int cat_recipient_create(struct cat *c, const struct cat_recipient *r, struct tn_err *err);
int cat_recipient_drop(struct cat *c, const char *name, bool if_exists, struct tn_err *err);
int cat_recipient_get(struct cat *c, const char *name, struct cat_recipient *out,
		      struct tn_err *err);
int cat_recipient_list(struct cat *c, struct cat_recipient **out, size_t *n, struct tn_err *err);
void cat_recipient_free(struct cat_recipient *v, size_t n);
void cat_recipient_done(struct cat_recipient *r);
/* Replace the token hash and expiry; old_hash (NULL: none) stays valid
 * until old_expire_ms. */
int cat_recipient_rotate(struct cat *c, const char *name, const char *hash, int64_t expire_ms,
			 const char *old_hash, int64_t old_expire_ms, struct tn_err *err);
/* Record an access at ms. */
int cat_recipient_touch(struct cat *c, const char *name, int64_t ms, struct tn_err *err);

/* Grants; granting twice and revoking what was not granted are no-ops.
 * TN_ENOENT for an unknown share or recipient. */
int cat_share_grant(struct cat *c, const char *share, const char *recipient, bool grant,
		    struct tn_err *err);
/* The recipients of share, or (share NULL) the shares of recipient, sorted. */
int cat_share_grant_list(struct cat *c, const char *share, const char *recipient,
			 char ***names, size_t *n, struct tn_err *err);

int cat_share_audit_add(struct cat *c, const struct cat_share_audit *a, struct tn_err *err);
/* The newest first, at most limit (< 0: all). */
int cat_share_audit_list(struct cat *c, int64_t limit, struct cat_share_audit **out, size_t *n,
			 struct tn_err *err);
void cat_share_audit_free(struct cat_share_audit *v, size_t n);
/* Bind a's fields to parameters 2 to 13 of st, in the access log's
 * column order (recipient ... remote); parameter 1, the time, is the
 * caller's. a's strings must outlive the step. */
struct sqlite3_stmt;
void cat_share_audit_bind(struct sqlite3_stmt *st, const struct cat_share_audit *a);

#endif
