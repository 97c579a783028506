/* test_share_state.c - Delta Sharing's state (share/share.h): SHA-256
 * and HMAC vectors, bearer tokens (right, wrong, expired, rotated with
 * and without a grace period), profile files (mode, contents, never
 * overwritten), the tables a recipient may see, and that tokens appear in
 * no message, audit record or history entry of the SQL statements. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#define FIXTURE_NAME "share"
#include "engine_fixture.h"

#include "base/sha256.h"
#include "base/time.h"
#include "catalog/catalog.h"
#include "catalog/share_cat.h"
#include "share/share.h"

#define OK(call)                                                  \
	do {                                                      \
		struct tn_err e_;                                 \
		if ((call) != TN_OK)                              \
			fail_msg("%s: %s", #call, e_.msg);        \
	} while (0)

static struct cat *open_cat(void)
{
	struct cat *c;
	struct tn_err err;

	if (cat_open(dir, &c, &err) != TN_OK)
		fail_msg("cat_open: %s", err.msg);
	return c;
}

static void hex_of(const void *p, size_t n, char out[65])
{
	uint8_t h[TN_SHA256_LEN];

	tn_sha256(p, n, h);
	tn_hex(h, sizeof(h), out);
}

static void test_sha256(void **state)
{
	uint8_t h[TN_SHA256_LEN];
	char hex[65];
	struct tn_sha256 ctx;
	char block[1000];

	(void)state;
	hex_of("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* a million 'a' fed in uneven pieces */
	memset(block, 'a', sizeof(block));
	tn_sha256_init(&ctx);
	for (size_t done = 0, step = 1; done < 1000000; done += step, step = step % 997 + 1)
		tn_sha256_update(&ctx, block, done + step > 1000000 ? 1000000 - done : step);
	tn_sha256_final(&ctx, h);
	tn_hex(h, sizeof(h), hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* RFC 4231 test cases 2 and 6 (a key longer than a block) */
	tn_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, h);
	tn_hex(h, sizeof(h), hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(block, 0xaa, 131);
	tn_hmac_sha256(block, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54, h);
	tn_hex(h, sizeof(h), hex);
	assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	assert_true(tn_ct_equal("abcd", "abcd", 4));
	assert_false(tn_ct_equal("abcd", "abce", 4));
	assert_int_equal(tn_random_bytes(h, sizeof(h)), 0);
}

static void test_tokens(void **state)
{
	struct cat *c = open_cat();
	struct share_recipient r;
	struct cat_recipient row;
	struct tn_err err;
	char *token = NULL, *who = NULL, hex[65];

	(void)state;
	OK(share_recipient_create(c, "acme", "Acme GmbH", "{\"country\":\"DE\"}", 0, &token, &e_));
	/* 32 bytes as unpadded base64url */
	assert_int_equal(strlen(token), 43);
	assert_int_equal(strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				       "0123456789-_"),
			 43);
	/* the catalog keeps the hash, not the token */
	OK(cat_recipient_get(c, "ACME", &row, &e_));
	hex_of(token, strlen(token), hex);
	assert_string_equal(row.token_hash, hex);
	assert_null(row.old_hash);
	cat_recipient_done(&row);

	OK(share_recipient_get(c, "acme", &r, &e_));
	assert_int_equal(r.last_access_ms, 0);
	assert_int_equal(r.token_expire_ms, 0);
	share_recipient_done(&r);
	OK(share_auth(c, token, &who, &e_));
	assert_string_equal(who, "acme");
	free(who);
	OK(share_recipient_get(c, "acme", &r, &e_));
	assert_true(r.last_access_ms > 0);
	share_recipient_done(&r);

	/* wrong, truncated, empty and missing tokens: one answer for all */
	token[0] = token[0] == 'A' ? 'B' : 'A';
	assert_int_equal(share_auth(c, token, &who, &err), TN_EPERM);
	assert_null(who);
	assert_string_equal(err.msg, "invalid or expired bearer token");
	token[0] = token[0] == 'A' ? 'B' : 'A';
	token[42] = '\0';
	assert_int_equal(share_auth(c, token, &who, &err), TN_EPERM);
	assert_int_equal(share_auth(c, "", &who, &err), TN_EPERM);
	assert_int_equal(share_auth(c, NULL, &who, &err), TN_EPERM);
	free(token);

	/* a second recipient's token finds that recipient */
	OK(share_recipient_create(c, "globex", NULL, NULL, 0, &token, &e_));
	OK(share_auth(c, token, &who, &e_));
	assert_string_equal(who, "globex");
	free(who);
	free(token);
	assert_int_equal(share_recipient_create(c, "Acme", NULL, NULL, 0, &token, &err), TN_EEXIST);
	assert_null(token);
	assert_int_equal(share_recipient_create(c, "x", NULL, "[1]", 0, &token, &err), TN_EINVAL);
	assert_int_equal(share_recipient_create(c, "y", NULL, NULL, -5, &token, &err), TN_EINVAL);
	cat_close(c);
}

static void test_expiry_and_rotation(void **state)
{
	struct cat *c = open_cat();
	struct share_recipient r;
	struct tn_err err;
	char *t1 = NULL, *t2 = NULL, *t3 = NULL, *who = NULL;
	int64_t before = tn_time_now_us() / 1000;

	(void)state;
	/* a token with a lifetime of one second */
	OK(share_recipient_create(c, "brief", NULL, NULL, 1, &t1, &e_));
	OK(share_recipient_get(c, "brief", &r, &e_));
	assert_true(r.token_expire_ms >= before + 1000 && r.token_expire_ms <= before + 3000);
	share_recipient_done(&r);
	OK(share_auth(c, t1, &who, &e_));
	free(who);
	usleep(1200 * 1000);
	assert_int_equal(share_auth(c, t1, &who, &err), TN_EPERM);
	free(t1);

	/* rotation with a grace period: both work, then only the new one */
	OK(share_recipient_create(c, "rot", NULL, NULL, 0, &t1, &e_));
	OK(share_recipient_rotate(c, "rot", 1, 0, &t2, &e_));
	assert_string_not_equal(t1, t2);
	OK(share_recipient_get(c, "rot", &r, &e_));
	assert_true(r.old_expire_ms > 0);
	share_recipient_done(&r);
	OK(share_auth(c, t1, &who, &e_));
	assert_string_equal(who, "rot");
	free(who);
	OK(share_auth(c, t2, &who, &e_));
	free(who);
	usleep(1200 * 1000);
	assert_int_equal(share_auth(c, t1, &who, &err), TN_EPERM);
	OK(share_auth(c, t2, &who, &e_));
	free(who);

	/* without grace the old token stops at once */
	OK(share_recipient_rotate(c, "rot", 0, 0, &t3, &e_));
	assert_int_equal(share_auth(c, t2, &who, &err), TN_EPERM);
	OK(share_auth(c, t3, &who, &e_));
	free(who);
	OK(share_recipient_get(c, "rot", &r, &e_));
	assert_int_equal(r.old_expire_ms, 0);
	share_recipient_done(&r);
	free(t1);
	assert_int_equal(share_recipient_rotate(c, "nobody", 0, 0, &t1, &err), TN_ENOENT);
	assert_null(t1);
	assert_int_equal(share_recipient_rotate(c, "rot", -1, 0, &t1, &err), TN_EINVAL);
	/* a dropped recipient's token no longer works */
	OK(share_recipient_drop(c, "rot", false, &e_));
	assert_int_equal(share_auth(c, t3, &who, &err), TN_EPERM);
	assert_int_equal(share_recipient_drop(c, "rot", false, &err), TN_ENOENT);
	OK(share_recipient_drop(c, "rot", true, &e_));
	free(t1);
	free(t2);
	free(t3);
	cat_close(c);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = tn_calloc(1, 4096);

	assert_non_null(f);
	assert_true(fread(buf, 1, 4095, f) > 0);
	fclose(f);
	return buf;
}

static void test_profile(void **state)
{
	char *pdir = tn_asprintf("%s/profiles/deep", dir);
	char *path = tn_asprintf("%s/acme.share", pdir);
	struct tn_err err;
	struct stat sb;
	struct dirent *d;
	DIR *dh;
	char *text, *again;
	cJSON *o;

	(void)state;
	OK(share_profile_write(path, "https://h:8443/delta-sharing", "tok-123", 1700000000123, &e_));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	text = slurp(path);
	o = cJSON_Parse(text);
	assert_non_null(o);
	assert_int_equal(cJSON_GetObjectItem(o, "shareCredentialsVersion")->valueint, 1);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "endpoint")),
			    "https://h:8443/delta-sharing");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "bearerToken")), "tok-123");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "expirationTime")),
			    "2023-11-14T22:13:20.123Z");
	cJSON_Delete(o);
	/* never overwritten */
	assert_int_equal(share_profile_write(path, "http://other", "tok-456", 0, &err), TN_EEXIST);
	assert_non_null(strstr(err.msg, "not overwritten"));
	again = slurp(path);
	assert_string_equal(text, again);
	/* no temporary file is left behind */
	dh = opendir(pdir);
	assert_non_null(dh);
	while ((d = readdir(dh)) != NULL)
		assert_true(strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0 ||
			    strcmp(d->d_name, "acme.share") == 0);
	closedir(dh);
	free(text);
	free(again);
	free(path);
	/* without an expiry the field is left out */
	path = tn_asprintf("%s/forever.share", pdir);
	OK(share_profile_write(path, "http://h/ds", "t", 0, &e_));
	text = slurp(path);
	assert_null(strstr(text, "expirationTime"));
	free(text);
	free(path);
	free(pdir);
}

static void test_tables_and_grants(void **state)
{
	struct cat *c = open_cat();
	struct share_table *v = NULL, add = {0};
	struct share_part part = {(char *)"region", (char *)"eu"};
	struct share_info *shares;
	struct tn_err err, err2;
	char *token = NULL, **names;
	size_t n;

	(void)state;
	exec("CREATE TABLE main.default.orders (id BIGINT, region STRING) PARTITIONED BY (region)");
	OK(share_create(c, "partners", "for partners", NULL, false, &e_));
	assert_int_equal(share_create(c, "PARTNERS", NULL, NULL, false, &err), TN_EEXIST);
	OK(share_create(c, "partners", NULL, NULL, true, &e_));
	add.table = (char *)"main.default.orders";
	add.location = (char *)"/somewhere/orders";
	add.parts = &part;
	add.nparts = 1;
	add.history = true;
	OK(share_add_table(c, "partners", &add, &e_));
	assert_int_equal(share_add_table(c, "partners", &add, &err), TN_EEXIST);
	assert_int_equal(share_add_table(c, "nope", &add, &err), TN_ENOENT);
	OK(share_recipient_create(c, "initech", NULL, NULL, 0, &token, &e_));
	free(token);

	/* the owner's view */
	OK(share_tables(c, "partners", NULL, &v, &n, &e_));
	assert_int_equal(n, 1);
	assert_string_equal(v[0].schema, "default");
	assert_string_equal(v[0].name, "orders");
	assert_int_equal(v[0].nparts, 1);
	assert_string_equal(v[0].parts[0].col, "region");
	assert_string_equal(v[0].parts[0].value, "eu");
	assert_true(v[0].history);
	assert_int_equal(strlen(v[0].id), 36);
	share_tables_free(v, n);

	/* a recipient without a grant cannot tell the share from none */
	assert_int_equal(share_tables(c, "partners", "initech", &v, &n, &err), TN_ENOENT);
	assert_int_equal(share_tables(c, "missing", "initech", &v, &n, &err2), TN_ENOENT);
	assert_string_equal(err.msg, "share partners not found");
	assert_string_equal(err2.msg, "share missing not found");
	OK(share_list(c, "initech", &shares, &n, &e_));
	assert_int_equal(n, 0);
	share_info_free(shares, n);

	OK(share_grant(c, "partners", "initech", &e_));
	OK(share_grant(c, "partners", "initech", &e_)); /* twice: a no-op */
	OK(share_tables(c, "partners", "initech", &v, &n, &e_));
	assert_int_equal(n, 1);
	share_tables_free(v, n);
	OK(share_list(c, "initech", &shares, &n, &e_));
	assert_int_equal(n, 1);
	assert_string_equal(shares[0].name, "partners");
	assert_string_equal(shares[0].comment, "for partners");
	share_info_free(shares, n);
	OK(share_grant_list(c, "partners", NULL, &names, &n, &e_));
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "initech");
	free(names[0]);
	free(names);
	assert_int_equal(share_grant(c, "partners", "nobody", &err), TN_ENOENT);

	OK(share_revoke(c, "partners", "initech", &e_));
	assert_int_equal(share_tables(c, "partners", "initech", &v, &n, &err), TN_ENOENT);
	OK(share_grant(c, "partners", "initech", &e_));
	OK(share_remove_table(c, "partners", "default", "orders", &e_));
	assert_int_equal(share_remove_table(c, "partners", "default", "orders", &err), TN_ENOENT);
	OK(share_tables(c, "partners", "initech", &v, &n, &e_));
	assert_int_equal(n, 0);
	share_tables_free(v, n);
	/* dropping the share drops its grants */
	OK(share_drop(c, "partners", false, &e_));
	OK(share_list(c, "initech", &shares, &n, &e_));
	assert_int_equal(n, 0);
	share_info_free(shares, n);
	OK(share_recipient_drop(c, "initech", false, &e_));
	cat_close(c);
}

static void test_audit(void **state)
{
	struct cat *c = open_cat();
	struct share_audit a = {0};
	struct cat_share_audit *v;
	struct tn_err err;
	size_t n;

	(void)state;
	a.method = "GET";
	a.path = "/shares/partners/schemas/default/tables/orders/metadata";
	a.recipient = "acme";
	a.share = "partners";
	a.version = 3;
	a.status = 200;
	a.remote = "127.0.0.1";
	OK(share_audit_add(c, &a, &e_));
	a.recipient = NULL;
	a.version = -1;
	a.status = 401;
	a.error = "UNAUTHENTICATED";
	OK(share_audit_add(c, &a, &e_));
	OK(cat_share_audit_list(c, -1, &v, &n, &e_));
	assert_int_equal(n, 2);
	assert_int_equal(v[0].status, 401);
	assert_null(v[0].recipient);
	assert_int_equal(v[0].version, -1);
	assert_int_equal(v[1].version, 3);
	assert_string_equal(v[1].recipient, "acme");
	assert_true(v[1].ts_ms > 0);
	cat_share_audit_free(v, n);
	a.method = NULL;
	assert_int_equal(share_audit_add(c, &a, &err), TN_EINVAL);
	cat_close(c);
}

/* Run one statement on engine en; its message, or NULL on failure. */
static int run(struct tarn_engine *en, const char *sql, char **msg, struct tn_err *err)
{
	struct tarn_result *r = NULL;
	size_t used;
	int rc = tarn_exec(en, sql, strlen(sql), &used, &r, err);

	*msg = rc == TN_OK && tarn_result_message(r) ? tn_strdup(tarn_result_message(r)) : NULL;
	tarn_result_free(r);
	return rc;
}

static void test_sql_secrets_and_rights(void **state)
{
	struct tarn_engine_opts o = {0};
	struct tarn_engine *audited, *bob;
	struct cat *c;
	struct cat_audit *log;
	struct tn_err err;
	char *msg, *path, *text, *token;
	cJSON *profile;
	size_t n;

	(void)state;
	o.lakehouse = dir;
	OK(tarn_engine_open(&o, &audited, &e_));
	OK(run(audited, "SET tarn.share.endpoint = 'https://example.com:8443/delta-sharing'", &msg,
	       &e_));
	free(msg);
	OK(run(audited, "CREATE RECIPIENT wayne COMMENT 'Wayne'", &msg, &e_));
	path = tn_asprintf("%s/shares/recipients/wayne.share", dir);
	assert_non_null(strstr(msg, path));
	text = slurp(path);
	profile = cJSON_Parse(text);
	token = tn_strdup(cJSON_GetStringValue(cJSON_GetObjectItem(profile, "bearerToken")));
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(profile, "endpoint")),
			    "https://example.com:8443/delta-sharing");
	cJSON_Delete(profile);
	assert_null(strstr(msg, token));
	free(msg);
	/* the statement again: the file is there, nothing is overwritten */
	OK(run(audited, "DROP RECIPIENT wayne", &msg, &e_));
	free(msg);
	assert_int_equal(run(audited, "CREATE RECIPIENT wayne", &msg, &err), TN_EEXIST);
	assert_null(msg);
	free(text);
	text = slurp(path);
	assert_non_null(strstr(text, token));
	free(path);
	path = tn_asprintf("%s/prof2", dir);
	msg = tn_asprintf("SET tarn.share.profile_dir = '%s'", path);
	{
		char *m2;

		OK(run(audited, msg, &m2, &e_));
		free(m2);
	}
	free(msg);
	OK(run(audited, "CREATE RECIPIENT wayne", &msg, &e_));
	assert_non_null(strstr(msg, path));
	free(msg);
	OK(run(audited, "ALTER RECIPIENT wayne ROTATE TOKEN EXPIRE OLD TOKEN IN 10 SECONDS", &msg,
	       &e_));
	assert_non_null(strstr(msg, path));
	assert_non_null(strstr(msg, "10 more seconds"));
	free(msg);

	/* no token in the audit log or the history */
	c = open_cat();
	OK(cat_audit_list(c, NULL, -1, &log, &n, &e_));
	assert_true(n >= 4);
	for (size_t i = 0; i < n; i++) {
		assert_null(strstr(log[i].statement, token));
		assert_true(log[i].error == NULL || strstr(log[i].error, token) == NULL);
	}
	cat_audit_free(log, n);
	OK(cat_history_list(c, NULL, -1, &log, &n, &e_));
	for (size_t i = 0; i < n; i++)
		assert_null(strstr(log[i].statement, token));
	cat_audit_free(log, n);
	cat_close(c);

	/* another user may not manage shares or recipients or read the log */
	o.user = "bob";
	o.no_audit = true;
	OK(tarn_engine_open(&o, &bob, &e_));
	assert_int_equal(run(bob, "CREATE SHARE bobs", &msg, &err), TN_EPERM);
	assert_non_null(strstr(err.msg, "administrator"));
	assert_int_equal(run(bob, "CREATE RECIPIENT bobr", &msg, &err), TN_EPERM);
	assert_int_equal(run(bob, "SELECT * FROM share_audit()", &msg, &err), TN_EPERM);
	OK(run(audited, "CREATE SHARE adm", &msg, &e_));
	free(msg);
	assert_int_equal(run(bob, "DROP SHARE adm", &msg, &err), TN_EPERM);
	assert_int_equal(run(bob, "GRANT SELECT ON SHARE adm TO RECIPIENT wayne", &msg, &err),
			 TN_EPERM);
	OK(run(audited, "DROP SHARE adm", &msg, &e_));
	free(msg);
	tarn_engine_close(bob);
	tarn_engine_close(audited);
	free(text);
	free(token);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_expiry_and_rotation),
		cmocka_unit_test(test_profile),
		cmocka_unit_test(test_tables_and_grants),
		cmocka_unit_test(test_audit),
		cmocka_unit_test(test_sql_secrets_and_rights),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
