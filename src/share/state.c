/* state.c - Delta Sharing's state (share.h) on the catalog's rows
 * (catalog/share_cat.h): UUIDs, bearer tokens of which only a SHA-256 is
 * kept, their checks in constant time, and recipients' profile files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/sha256.h"
#include "base/str.h"
#include "base/time.h"
#include "base/valfmt.h"
#include "catalog/catalog.h"
#include "catalog/share_cat.h"
#include "share/share.h"

/* Random bytes of a token: 256 bits, as the protocol's servers use. */
#define TOKEN_BYTES 32
/* Longer bearer tokens are not ours: refused before hashing. */
#define TOKEN_MAX 512
#define HASH_HEX (2 * TN_SHA256_LEN)

static const char denied_msg[] = "invalid or expired bearer token";

static int64_t now_ms(void)
{
	return tn_time_now_us() / 1000;
}

/* A version-4 UUID from the kernel's random bytes. */
static int make_uuid(char out[37], struct tn_err *err)
{
	uint8_t b[16];

	if (tn_random_bytes(b, sizeof(b)) != 0)
		return tn_err_sys(err, errno, "no random bytes for a UUID");
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
	return TN_OK;
}

static void token_hash(const char *token, char hex[HASH_HEX + 1])
{
	uint8_t h[TN_SHA256_LEN];

	tn_sha256(token, strlen(token), h);
	tn_hex(h, sizeof(h), hex);
	explicit_bzero(h, sizeof(h));
}

/* A new token (base64url of TOKEN_BYTES random bytes, no padding) and its
 * hash. The caller wipes and frees *token. */
static int make_token(char **token, char hex[HASH_HEX + 1], struct tn_err *err)
{
	uint8_t raw[TOKEN_BYTES];
	struct tn_buf b;
	int ret;

	*token = NULL;
	if (tn_random_bytes(raw, sizeof(raw)) != 0)
		return tn_err_sys(err, errno, "no random bytes for a token");
	tn_buf_init(&b, 0);
	ret = tn_base64(&b, raw, sizeof(raw), err);
	explicit_bzero(raw, sizeof(raw));
	if (ret != TN_OK) {
		tn_buf_done(&b);
		return ret;
	}
	for (size_t i = 0; i < b.len; i++) {
		if (b.data[i] == '+')
			b.data[i] = '-';
		else if (b.data[i] == '/')
			b.data[i] = '_';
		else if (b.data[i] == '=')
			b.data[i] = '\0';
	}
	*token = tn_strdup((const char *)b.data);
	explicit_bzero(b.data, b.len);
	tn_buf_done(&b);
	token_hash(*token, hex);
	return TN_OK;
}

static void token_free(char *token)
{
	if (token) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
}

static int ttl_expiry(int64_t ttl_s, int64_t now, int64_t *expire, struct tn_err *err)
{
	if (ttl_s < 0 || ttl_s > INT64_C(100) * 365 * 86400)
		return tn_err_set(err, TN_EINVAL, "token lifetime %lld s is out of range",
				  (long long)ttl_s);
	*expire = ttl_s ? now + ttl_s * 1000 : 0;
	return TN_OK;
}

/* ------------------------------------------------------------ frees */

void share_info_free(struct share_info *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].comment);
		free(v[i].id);
		free(v[i].owner);
	}
	free(v);
}

static void parts_free(struct share_part *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].col);
		free(p[i].value);
	}
	free(p);
}

void share_tables_free(struct share_table *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].share);
		free(v[i].schema);
		free(v[i].name);
		free(v[i].id);
		free(v[i].table);
		free(v[i].location);
		free(v[i].comment);
		parts_free(v[i].parts, v[i].nparts);
	}
	free(v);
}

void share_recipient_done(struct share_recipient *r)
{
	free(r->name);
	free(r->comment);
	free(r->props_json);
	memset(r, 0, sizeof(*r));
}

void share_recipients_free(struct share_recipient *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		share_recipient_done(&v[i]);
	free(v);
}

/* ------------------------------------------------------------ shares */

static void info_from(struct share_info *d, struct cat_share *s)
{
	/* the strings move */
	d->name = s->name;
	d->comment = s->comment;
	d->id = s->uuid;
	d->owner = s->owner;
	d->created_ms = s->created_ms;
	memset(s, 0, sizeof(*s));
}

int share_create(struct cat *c, const char *name, const char *comment, const char *owner,
		 bool if_not_exists, struct tn_err *err)
{
	struct cat_share s = {0};
	char uuid[37];
	int ret = make_uuid(uuid, err);

	if (ret != TN_OK)
		return ret;
	s.name = (char *)name;
	s.comment = (char *)comment;
	s.uuid = uuid;
	s.owner = (char *)(owner ? owner : cat_principal_current()->user);
	s.created_ms = now_ms();
	return cat_share_create(c, &s, if_not_exists, err);
}

int share_drop(struct cat *c, const char *name, bool if_exists, struct tn_err *err)
{
	return cat_share_drop(c, name, if_exists, err);
}

int share_list(struct cat *c, const char *recipient, struct share_info **out, size_t *n,
	       struct tn_err *err)
{
	struct cat_share *v;
	int ret = cat_share_list(c, recipient, &v, n, err);

	*out = NULL;
	if (ret != TN_OK)
		return ret;
	*out = tn_calloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		info_from(&(*out)[i], &v[i]);
	cat_share_free(v, *n);
	return TN_OK;
}

int share_get(struct cat *c, const char *name, struct share_info *out, struct tn_err *err)
{
	struct cat_share s;
	int ret = cat_share_get(c, name, &s, err);

	memset(out, 0, sizeof(*out));
	if (ret == TN_OK)
		info_from(out, &s);
	return ret;
}

/* ------------------------------------------------------------ tables */

static char *parts_json(const struct share_part *p, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	char *s, *out;

	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "col", p[i].col);
		cJSON_AddStringToObject(o, "value", p[i].value);
		cJSON_AddItemToArray(a, o);
	}
	s = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	if (s == NULL)
		tn_fatal("out of memory");
	out = tn_strdup(s);
	cJSON_free(s);
	return out;
}

static int parts_parse(const char *json, struct share_part **out, size_t *n, struct tn_err *err)
{
	cJSON *a, *o;

	*out = NULL;
	*n = 0;
	if (json == NULL)
		return TN_OK;
	a = cJSON_Parse(json);
	if (!cJSON_IsArray(a)) {
		cJSON_Delete(a);
		return tn_err_set(err, TN_ECORRUPT, "a shared table's partition filter is damaged");
	}
	*out = tn_calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(**out));
	cJSON_ArrayForEach(o, a)
	{
		const char *col = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "col"));
		const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "value"));

		if (col == NULL || v == NULL) {
			parts_free(*out, *n);
			*out = NULL;
			*n = 0;
			cJSON_Delete(a);
			return tn_err_set(err, TN_ECORRUPT,
					  "a shared table's partition filter is damaged");
		}
		(*out)[*n].col = tn_strdup(col);
		(*out)[(*n)++].value = tn_strdup(v);
	}
	cJSON_Delete(a);
	return TN_OK;
}

/* The schema and table parts of "catalog.schema.table" (names without
 * dots; else the caller must say AS schema.name). */
static int own_name(const char *full, char **schema, char **name, struct tn_err *err)
{
	const char *d1 = strchr(full, '.');
	const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;

	if (d1 == NULL || d2 == NULL || strchr(d2 + 1, '.') != NULL)
		return tn_err_set(err, TN_EINVAL,
				  "%s: cannot tell its schema and name apart: give AS schema.name",
				  full);
	*schema = tn_strndup(d1 + 1, (size_t)(d2 - d1 - 1));
	*name = tn_strdup(d2 + 1);
	return TN_OK;
}

int share_add_table(struct cat *c, const char *share, const struct share_table *t,
		    struct tn_err *err)
{
	struct cat_share_table r = {0};
	char uuid[37], *schema = NULL, *name = NULL;
	int ret;

	if (t->table == NULL || t->location == NULL || *t->location != '/')
		return tn_err_set(err, TN_EINVAL, "a shared table needs its name and absolute location");
	for (size_t i = 0; i < t->nparts; i++)
		if (t->parts[i].col == NULL || t->parts[i].value == NULL)
			return tn_err_set(err, TN_EINVAL, "a partition filter needs a column and a value");
	ret = make_uuid(uuid, err);
	if (ret == TN_OK && (t->schema == NULL || t->name == NULL))
		ret = own_name(t->table, &schema, &name, err);
	if (ret != TN_OK)
		return ret;
	r.share = (char *)share;
	r.schema = schema ? schema : t->schema;
	r.name = name ? name : t->name;
	r.uuid = uuid;
	r.table = t->table;
	r.location = t->location;
	r.comment = t->comment;
	r.parts_json = t->nparts ? parts_json(t->parts, t->nparts) : NULL;
	r.history = t->history;
	r.added_ms = now_ms();
	ret = cat_share_table_add(c, &r, err);
	free(r.parts_json);
	free(schema);
	free(name);
	return ret;
}

int share_remove_table(struct cat *c, const char *share, const char *schema, const char *name,
		       struct tn_err *err)
{
	return cat_share_table_remove(c, share, schema, name, err);
}

int share_tables(struct cat *c, const char *share, const char *recipient,
		 struct share_table **out, size_t *n, struct tn_err *err)
{
	struct cat_share_table *v;
	size_t count;
	int ret = cat_share_tables(c, share, recipient, &v, &count, err);

	*out = NULL;
	*n = 0;
	if (ret != TN_OK)
		return ret;
	*out = tn_calloc(count ? count : 1, sizeof(**out));
	for (size_t i = 0; i < count && ret == TN_OK; i++) {
		struct share_table *d = &(*out)[i];

		ret = parts_parse(v[i].parts_json, &d->parts, &d->nparts, err);
		d->share = v[i].share;
		d->schema = v[i].schema;
		d->name = v[i].name;
		d->id = v[i].uuid;
		d->table = v[i].table;
		d->location = v[i].location;
		d->comment = v[i].comment;
		d->history = v[i].history;
		d->added_ms = v[i].added_ms;
		free(v[i].parts_json);
		memset(&v[i], 0, sizeof(v[i]));
		*n = i + 1;
	}
	cat_share_tables_free(v, count);
	if (ret != TN_OK) {
		share_tables_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

/* ------------------------------------------------------------ recipients */

static void recipient_from(struct share_recipient *d, struct cat_recipient *r)
{
	d->name = r->name;
	d->comment = r->comment;
	d->props_json = r->props_json;
	d->created_ms = r->created_ms;
	d->token_expire_ms = r->token_expire_ms;
	d->old_expire_ms = r->old_hash ? r->old_expire_ms : 0;
	d->last_access_ms = r->last_access_ms;
	r->name = r->comment = r->props_json = NULL;
}

int share_recipient_create(struct cat *c, const char *name, const char *comment,
			   const char *props_json, int64_t ttl_s, char **token, struct tn_err *err)
{
	struct cat_recipient r = {0};
	char hex[HASH_HEX + 1];
	int64_t now = now_ms();
	int ret;

	*token = NULL;
	ret = ttl_expiry(ttl_s, now, &r.token_expire_ms, err);
	if (ret == TN_OK && props_json) {
		cJSON *p = cJSON_Parse(props_json);

		if (!cJSON_IsObject(p))
			ret = tn_err_set(err, TN_EINVAL, "recipient properties are not a JSON object");
		cJSON_Delete(p);
	}
	if (ret == TN_OK)
		ret = make_token(token, hex, err);
	if (ret != TN_OK)
		return ret;
	r.name = (char *)name;
	r.comment = (char *)comment;
	r.props_json = (char *)props_json;
	r.token_hash = hex;
	r.created_ms = now;
	ret = cat_recipient_create(c, &r, err);
	if (ret != TN_OK) {
		token_free(*token);
		*token = NULL;
	}
	return ret;
}

int share_recipient_drop(struct cat *c, const char *name, bool if_exists, struct tn_err *err)
{
	return cat_recipient_drop(c, name, if_exists, err);
}

int share_recipient_list(struct cat *c, struct share_recipient **out, size_t *n,
			 struct tn_err *err)
{
	struct cat_recipient *v;
	int ret = cat_recipient_list(c, &v, n, err);

	*out = NULL;
	if (ret != TN_OK)
		return ret;
	*out = tn_calloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		recipient_from(&(*out)[i], &v[i]);
	cat_recipient_free(v, *n);
	return TN_OK;
}

int share_recipient_get(struct cat *c, const char *name, struct share_recipient *out,
			struct tn_err *err)
{
	struct cat_recipient r;
	int ret = cat_recipient_get(c, name, &r, err);

	memset(out, 0, sizeof(*out));
	if (ret != TN_OK)
		return ret;
	recipient_from(out, &r);
	cat_recipient_done(&r);
	return TN_OK;
}

int share_recipient_rotate(struct cat *c, const char *name, int64_t grace_s, int64_t ttl_s,
			   char **token, struct tn_err *err)
{
	struct cat_recipient r;
	char hex[HASH_HEX + 1];
	int64_t now = now_ms(), expire = 0, old_expire = 0;
	const char *old = NULL;
	int ret;

	*token = NULL;
	if (grace_s < 0 || grace_s > INT64_C(100) * 365 * 86400)
		return tn_err_set(err, TN_EINVAL, "EXPIRE OLD TOKEN IN %lld SECONDS is out of range",
				  (long long)grace_s);
	ret = ttl_expiry(ttl_s, now, &expire, err);
	if (ret == TN_OK)
		ret = cat_recipient_get(c, name, &r, err);
	if (ret != TN_OK)
		return ret;
	if (grace_s > 0) {
		old = r.token_hash;
		old_expire = now + grace_s * 1000;
		/* a grace period never outlives the old token */
		if (r.token_expire_ms && r.token_expire_ms < old_expire)
			old_expire = r.token_expire_ms;
		if (old_expire <= now)
			old = NULL;
	}
	ret = make_token(token, hex, err);
	if (ret == TN_OK)
		ret = cat_recipient_rotate(c, name, hex, expire, old, old_expire, err);
	if (ret != TN_OK) {
		token_free(*token);
		*token = NULL;
	}
	cat_recipient_done(&r);
	return ret;
}

static bool hash_matches(const char *want, const char *stored)
{
	return stored != NULL && strlen(stored) == HASH_HEX && tn_ct_equal(want, stored, HASH_HEX);
}

int share_auth(struct cat *c, const char *token, char **recipient, struct tn_err *err)
{
	struct cat_recipient *v;
	char hex[HASH_HEX + 1];
	size_t n, found = (size_t)-1;
	int64_t now = now_ms();
	int ret;

	*recipient = NULL;
	if (token == NULL || *token == '\0' || strnlen(token, TOKEN_MAX + 1) > TOKEN_MAX)
		return tn_err_set(err, TN_EPERM, "%s", denied_msg);
	token_hash(token, hex);
	ret = cat_recipient_list(c, &v, &n, err);
	if (ret != TN_OK)
		return ret;
	/* every recipient is compared, so the time taken says nothing about
	 * which hash (or how much of it) matched */
	for (size_t i = 0; i < n; i++) {
		bool cur = hash_matches(hex, v[i].token_hash);
		bool old = hash_matches(hex, v[i].old_hash);
		bool ok = (cur && (v[i].token_expire_ms == 0 || now < v[i].token_expire_ms)) ||
			  (old && now < v[i].old_expire_ms);

		if (ok && found == (size_t)-1)
			found = i;
	}
	explicit_bzero(hex, sizeof(hex));
	if (found == (size_t)-1)
		ret = tn_err_set(err, TN_EPERM, "%s", denied_msg);
	else
		ret = cat_recipient_touch(c, v[found].name, now, err);
	if (ret == TN_OK)
		*recipient = tn_strdup(v[found].name);
	cat_recipient_free(v, n);
	return ret;
}

/* ------------------------------------------------------------ grants */

int share_grant(struct cat *c, const char *share, const char *recipient, struct tn_err *err)
{
	return cat_share_grant(c, share, recipient, true, err);
}

int share_revoke(struct cat *c, const char *share, const char *recipient, struct tn_err *err)
{
	return cat_share_grant(c, share, recipient, false, err);
}

int share_grant_list(struct cat *c, const char *share, const char *recipient, char ***names,
		     size_t *n, struct tn_err *err)
{
	if ((share == NULL) == (recipient == NULL))
		return tn_err_set(err, TN_EINVAL, "share_grant_list: a share or a recipient");
	return cat_share_grant_list(c, share, recipient, names, n, err);
}

/* ------------------------------------------------------------ profiles */

static char *profile_text(const char *endpoint, const char *token, int64_t expire_ms)
{
	cJSON *o = cJSON_CreateObject();
	char *s, *out;

	cJSON_AddNumberToObject(o, "shareCredentialsVersion", 1);
	cJSON_AddStringToObject(o, "endpoint", endpoint);
	cJSON_AddStringToObject(o, "bearerToken", token);
	if (expire_ms > 0) {
		char ts[TN_TIME_BUFSZ];

		cJSON_AddStringToObject(o, "expirationTime", tn_time_format_ms(expire_ms, true, ts));
	}
	s = cJSON_Print(o);
	cJSON_Delete(o);
	if (s == NULL)
		tn_fatal("out of memory");
	out = tn_asprintf("%s\n", s);
	explicit_bzero(s, strlen(s));
	cJSON_free(s);
	return out;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int share_profile_write(const char *path, const char *endpoint, const char *token,
			int64_t expire_ms, struct tn_err *err)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	char *dir, *tmp, *text;
	int fd, ret = TN_OK;

	if (path == NULL || *path == '\0' || endpoint == NULL || token == NULL || *token == '\0')
		return tn_err_set(err, TN_EINVAL, "a profile needs a path, an endpoint and a token");
	dir = slash ? tn_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : tn_strdup(".");
	ret = tn_mkdirs(dir, 0700, err); /* the directory holds secrets */
	if (ret != TN_OK) {
		free(dir);
		return ret;
	}
	tmp = tn_asprintf("%s/.tarn-tmp.profile.XXXXXX", dir);
	fd = mkstemp(tmp); /* mode 0600 */
	if (fd < 0) {
		ret = tn_err_sys(err, errno, "%s: cannot create a temporary file", dir);
		free(tmp);
		free(dir);
		return ret;
	}
	text = profile_text(endpoint, token, expire_ms);
	if (fchmod(fd, 0600) != 0 || write_all(fd, text, strlen(text)) != 0 || fsync(fd) != 0)
		ret = tn_err_sys(err, errno, "%s: cannot write the profile", tmp);
	explicit_bzero(text, strlen(text));
	free(text);
	if (close(fd) != 0 && ret == TN_OK)
		ret = tn_err_sys(err, errno, "%s: cannot write the profile", tmp);
	/* link(2) refuses an existing name: a profile is never overwritten */
	if (ret == TN_OK && link(tmp, path) != 0) {
		if (errno == EEXIST)
			ret = tn_err_set(err, TN_EEXIST, "%s exists already: not overwritten", path);
		else
			ret = tn_err_sys(err, errno, "%s: cannot create the profile", path);
	}
	unlink(tmp);
	if (ret == TN_OK) {
		int dfd = open(dir, O_RDONLY | O_DIRECTORY);

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	free(tmp);
	free(dir);
	return ret;
}

/* ------------------------------------------------------------ audit */

int share_audit_add(struct cat *c, const struct share_audit *a, struct tn_err *err)
{
	struct cat_share_audit r;

	r.ts_ms = a->ts_ms;
	r.recipient = (char *)a->recipient;
	r.method = (char *)a->method;
	r.path = (char *)a->path;
	r.share = (char *)a->share;
	r.schema = (char *)a->schema;
	r.table = (char *)a->table;
	r.version = a->version;
	r.files = a->files;
	r.bytes = a->bytes;
	r.status = a->status;
	r.error = (char *)a->error;
	r.remote = (char *)a->remote;
	return cat_share_audit_add(c, &r, err);
}
