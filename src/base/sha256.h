/* sha256.h - SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for bearer
 * token hashes and signed file URLs; constant-time comparison. */
#ifndef TARN_BASE_SHA256_H
#define TARN_BASE_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TN_SHA256_LEN 32

struct tn_sha256 {
	uint32_t h[8];
	uint64_t nbytes;
	uint8_t block[64];
	size_t used;
};

void tn_sha256_init(struct tn_sha256 *c);
void tn_sha256_update(struct tn_sha256 *c, const void *p, size_t n);
void tn_sha256_final(struct tn_sha256 *c, uint8_t out[TN_SHA256_LEN]);
void tn_sha256(const void *p, size_t n, uint8_t out[TN_SHA256_LEN]);
void tn_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n,
		    uint8_t out[TN_SHA256_LEN]);
/* Lower-case hex of n bytes into out (2n + 1 bytes). Returns out. */
char *tn_hex(const uint8_t *p, size_t n, char *out);
/* Whether a[0..n) equals b[0..n), in time that depends only on n. */
bool tn_ct_equal(const void *a, const void *b, size_t n);
/* n bytes from the kernel's CSPRNG (getrandom); 0, or -1 on failure. */
int tn_random_bytes(void *out, size_t n);

#endif
