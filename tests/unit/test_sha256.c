/* test_sha256.c - SHA-256 against FIPS 180-4's examples, HMAC-SHA256
 * against RFC 4231's test cases, hex, constant-time compare, random bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sha256.h"

static char *hex(const uint8_t *p, size_t n)
{
	static char out[2 * 64 + 1];

	return tn_hex(p, n, out);
}

static void unhex(const char *s, uint8_t *out, size_t *n)
{
	*n = 0;
	for (; s[0] && s[1]; s += 2) {
		unsigned v;

		sscanf(s, "%2x", &v);
		out[(*n)++] = (uint8_t)v;
	}
}

static void test_sha256_fips(void **state)
{
	uint8_t d[TN_SHA256_LEN];
	static const char two_block[] =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	struct tn_sha256 c;
	char *million;

	(void)state;
	tn_sha256("abc", 3, d);
	assert_string_equal(hex(d, 32),
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	tn_sha256("", 0, d);
	assert_string_equal(hex(d, 32),
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	tn_sha256(two_block, strlen(two_block), d);
	assert_string_equal(hex(d, 32),
			    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* one million 'a', fed in uneven pieces to exercise the buffering */
	million = malloc(1000000);
	memset(million, 'a', 1000000);
	tn_sha256_init(&c);
	for (size_t off = 0, step = 1; off < 1000000; off += step, step = step * 7 % 131 + 1)
		tn_sha256_update(&c, million + off, off + step > 1000000 ? 1000000 - off : step);
	tn_sha256_final(&c, d);
	assert_string_equal(hex(d, 32),
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

struct hmac_case {
	const char *key_hex;
	const char *data_hex;
	const char *mac;
	size_t maclen; /* case 5 checks a truncated MAC */
};

static void test_hmac_rfc4231(void **state)
{
	static const struct hmac_case cases[] = {
		{"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
		 "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", 32},
		{"4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
		 "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", 32},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		 "dddddddddddddddddddddddddddddddddddddddddddddddddd"
		 "dddddddddddddddddddddddddddddddddddddddddddddddddd",
		 "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe", 32},
		{"0102030405060708090a0b0c0d0e0f10111213141516171819",
		 "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
		 "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
		 "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b", 32},
		{"0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
		 "546573742057697468205472756e636174696f6e", "a3b6167473100ee06e0c796c2955552b", 16},
		/* keys longer than a block are hashed first */
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaaaaaaaaaa",
		 "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579"
		 "202d2048617368204b6579204669727374",
		 "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", 32},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaaaaaaaaaa",
		 "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c"
		 "6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d"
		 "73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564"
		 "206265666f7265206265696e6720757365642062792074686520484d414320616c676f7269"
		 "74686d2e",
		 "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2", 32},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t key[200], data[200], mac[TN_SHA256_LEN];
		size_t klen, dlen;

		unhex(cases[i].key_hex, key, &klen);
		unhex(cases[i].data_hex, data, &dlen);
		tn_hmac_sha256(key, klen, data, dlen, mac);
		assert_string_equal(hex(mac, cases[i].maclen), cases[i].mac);
	}
}

static void test_ct_equal_and_random(void **state)
{
	uint8_t a[32], b[32];

	(void)state;
	assert_int_equal(tn_random_bytes(a, sizeof(a)), 0);
	assert_int_equal(tn_random_bytes(b, sizeof(b)), 0);
	/* two 256-bit draws that agree are a broken generator */
	assert_false(tn_ct_equal(a, b, sizeof(a)));
	memcpy(b, a, sizeof(a));
	assert_true(tn_ct_equal(a, b, sizeof(a)));
	b[31] ^= 1;
	assert_false(tn_ct_equal(a, b, sizeof(a)));
	b[31] ^= 1;
	b[0] ^= 0x80;
	assert_false(tn_ct_equal(a, b, sizeof(a)));
	assert_true(tn_ct_equal(a, b, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_fips),
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_ct_equal_and_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
