/* test_share_sign.c - the Delta Sharing server's signing: base64url, signed
 * file URLs (tampering, expiry) and page tokens (forgery, other scopes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "share/server_int.h"

static const uint8_t key[SHARE_KEY_LEN] = "0123456789abcdef0123456789abcde";

static void test_b64url(void **state)
{
	static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar",
					 "a/b?c=d&e%2F..\xff"};
	char *e;
	uint8_t *d;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		e = share_b64url(in[i], strlen(in[i]));
		assert_null(strpbrk(e, "+/="));
		d = share_b64url_decode(e, &n);
		assert_non_null(d);
		assert_int_equal(n, strlen(in[i]));
		assert_memory_equal(d, in[i], n);
		free(d);
		free(e);
	}
	e = share_b64url("foobar", 6);
	assert_string_equal(e, "Zm9vYmFy");
	free(e);
	assert_null(share_b64url_decode("Zm9v!", &n));
	assert_null(share_b64url_decode("Zm9vY", &n)); /* 1 mod 4 */
	assert_null(share_b64url_decode("Zh", &n));    /* non-zero spare bits */
}

/* The parts of "/files/ID/P64?e=E&s=S" */
static void split(char *url, char **id, char **p64, char **e, char **s)
{
	*id = url + strlen("/files/");
	*p64 = strchr(*id, '/');
	*(*p64)++ = '\0';
	*e = strchr(*p64, '?');
	*(*e)++ = '\0';
	*e += 2;
	*s = strchr(*e, '&');
	*(*s)++ = '\0';
	*s += 2;
}

static void test_file_urls(void **state)
{
	char *url = share_file_sign(key, "tbl-1", "year=2024/part-0.parquet", 5000);
	char *id, *p64, *e, *s, *path = NULL, *other;
	struct tn_err err;

	(void)state;
	split(url, &id, &p64, &e, &s);
	assert_int_equal(share_file_check(key, id, p64, e, s, 4000, &path, &err), TN_OK);
	assert_string_equal(path, "year=2024/part-0.parquet");
	free(path);
	/* expired */
	assert_int_equal(share_file_check(key, id, p64, e, s, 5001, &path, &err), TN_EPERM);
	assert_null(path);
	/* another table, a later expiry, another path, a changed signature */
	assert_int_equal(share_file_check(key, "tbl-2", p64, e, s, 0, &path, &err), TN_EPERM);
	assert_int_equal(share_file_check(key, id, p64, "9999999", s, 0, &path, &err), TN_EPERM);
	other = share_b64url("../../etc/passwd", 16);
	assert_int_equal(share_file_check(key, id, other, e, s, 0, &path, &err), TN_EPERM);
	free(other);
	s[0] = s[0] == 'a' ? 'b' : 'a';
	assert_int_equal(share_file_check(key, id, p64, e, s, 0, &path, &err), TN_EPERM);
	assert_int_equal(share_file_check(key, id, p64, e, "short", 0, &path, &err), TN_EPERM);
	assert_string_equal(err.msg, "the URL is not valid or has expired");
	free(url);
}

static void test_page_tokens(void **state)
{
	char *t = share_page_token(key, "shares\nalice", 42), *bad;
	size_t off = 0;
	struct tn_err err;

	(void)state;
	assert_int_equal(share_page_token_parse(key, "shares\nalice", t, &off, &err), TN_OK);
	assert_int_equal(off, 42);
	/* another recipient's or listing's scope */
	assert_int_equal(share_page_token_parse(key, "shares\nbob", t, &off, &err), TN_EINVAL);
	/* forged: a changed offset byte */
	bad = tn_strdup(t);
	bad[2] = bad[2] == 'A' ? 'B' : 'A';
	assert_int_equal(share_page_token_parse(key, "shares\nalice", bad, &off, &err), TN_EINVAL);
	free(bad);
	assert_int_equal(share_page_token_parse(key, "shares\nalice", "garbage", &off, &err),
			 TN_EINVAL);
	assert_int_equal(share_page_token_parse(key, "shares\nalice", "", &off, &err), TN_EINVAL);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64url),
		cmocka_unit_test(test_file_urls),
		cmocka_unit_test(test_page_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
