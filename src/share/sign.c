/* sign.c - the server key, signed file URLs and page tokens of the Delta
 * Sharing server (HMAC-SHA256 with the server key). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/str.h"
#include "share/server_int.h"

static int read_key(const char *path, uint8_t key[SHARE_KEY_LEN], struct tn_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	ssize_t got;

	if (fd < 0)
		return tn_err_sys(err, errno, "%s", path);
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 077) != 0 ||
	    sb.st_size != SHARE_KEY_LEN) {
		close(fd);
		return tn_err_set(err, TN_EPERM,
				  "%s: not a %d-byte file readable by its owner only; remove it "
				  "to make a new key (signed URLs given out so far stop working)",
				  path, SHARE_KEY_LEN);
	}
	got = read(fd, key, SHARE_KEY_LEN);
	close(fd);
	if (got != SHARE_KEY_LEN)
		return tn_err_sys(err, errno, "%s: short read", path);
	return TN_OK;
}

int share_key_load(const char *lakehouse, uint8_t key[SHARE_KEY_LEN], struct tn_err *err)
{
	char *dir = tn_path_join(lakehouse, "shares");
	char *path = tn_path_join(dir, "server.key");
	char *tmp = tn_asprintf("%s.%ld.tmp", path, (long)getpid());
	int rc = TN_OK, fd;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		rc = tn_err_sys(err, errno, "%s", dir);
		goto done;
	}
	if (access(path, F_OK) == 0) {
		rc = read_key(path, key, err);
		goto done;
	}
	if (tn_random_bytes(key, SHARE_KEY_LEN) != 0) {
		rc = tn_err_sys(err, errno, "getrandom");
		goto done;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = tn_err_sys(err, errno, "%s", tmp);
		goto done;
	}
	if (write(fd, key, SHARE_KEY_LEN) != SHARE_KEY_LEN || fsync(fd) != 0) {
		rc = tn_err_sys(err, errno, "%s", tmp);
		close(fd);
		unlink(tmp);
		goto done;
	}
	close(fd);
	/* link, not rename: a server starting at the same time keeps its key
	 * and we take the one that won */
	if (link(tmp, path) != 0 && errno != EEXIST)
		rc = tn_err_sys(err, errno, "%s", path);
	unlink(tmp);
	if (rc == TN_OK)
		rc = read_key(path, key, err);
done:
	free(tmp);
	free(path);
	free(dir);
	return rc;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *share_b64url(const void *p, size_t n)
{
	const uint8_t *s = p;
	char *out = tn_malloc(n / 3 * 4 + 5), *o = out;
	size_t i = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];

		*o++ = b64[v >> 18], *o++ = b64[(v >> 12) & 63];
		*o++ = b64[(v >> 6) & 63], *o++ = b64[v & 63];
	}
	if (n - i == 1) {
		*o++ = b64[s[i] >> 2], *o++ = b64[(s[i] & 3) << 4];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)s[i] << 8 | s[i + 1];

		*o++ = b64[v >> 10], *o++ = b64[(v >> 4) & 63], *o++ = b64[(v & 15) << 2];
	}
	*o = '\0';
	return out;
}

uint8_t *share_b64url_decode(const char *s, size_t *n)
{
	size_t len = strlen(s), bits = 0, k = 0;
	uint8_t *out;
	uint32_t acc = 0;

	if (len % 4 == 1)
		return NULL;
	out = tn_malloc(len / 4 * 3 + 3);
	for (size_t i = 0; i < len; i++) {
		const char *c = s[i] ? strchr(b64, s[i]) : NULL;

		if (c == NULL) {
			free(out);
			return NULL;
		}
		acc = acc << 6 | (uint32_t)(c - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[k++] = (uint8_t)(acc >> bits);
		}
	}
	/* the unused low bits must be zero: one encoding per value */
	if ((acc & ((1u << bits) - 1)) != 0) {
		free(out);
		return NULL;
	}
	*n = k;
	return out;
}

static void file_mac(const uint8_t key[SHARE_KEY_LEN], const char *table_id, const char *path,
		     const char *expire, char hex[2 * TN_SHA256_LEN + 1])
{
	char *msg = tn_asprintf("file\n%s\n%s\n%s", table_id, path, expire);
	uint8_t mac[TN_SHA256_LEN];

	tn_hmac_sha256(key, SHARE_KEY_LEN, msg, strlen(msg), mac);
	tn_hex(mac, sizeof(mac), hex);
	free(msg);
}

char *share_file_sign(const uint8_t key[SHARE_KEY_LEN], const char *table_id, const char *path,
		      int64_t expire_ms)
{
	char exp[24], hex[2 * TN_SHA256_LEN + 1], *p64 = share_b64url(path, strlen(path)), *url;

	snprintf(exp, sizeof(exp), "%" PRId64, expire_ms);
	file_mac(key, table_id, path, exp, hex);
	url = tn_asprintf("/files/%s/%s?e=%s&s=%s", table_id, p64, exp, hex);
	free(p64);
	return url;
}

int share_file_check(const uint8_t key[SHARE_KEY_LEN], const char *table_id,
		     const char *path_b64, const char *expire, const char *sig, int64_t now_ms,
		     char **path, struct tn_err *err)
{
	char hex[2 * TN_SHA256_LEN + 1], *p;
	int64_t exp;
	uint8_t *raw;
	size_t n;

	*path = NULL;
	if (table_id == NULL || path_b64 == NULL || expire == NULL || sig == NULL ||
	    strlen(sig) != 2 * TN_SHA256_LEN || tn_parse_i64(expire, &exp, "e", NULL) != TN_OK)
		goto bad;
	raw = share_b64url_decode(path_b64, &n);
	if (raw == NULL)
		goto bad;
	p = tn_malloc(n + 1);
	memcpy(p, raw, n);
	p[n] = '\0';
	free(raw);
	if (strlen(p) != n) { /* a NUL inside */
		free(p);
		goto bad;
	}
	file_mac(key, table_id, p, expire, hex);
	if (!tn_ct_equal(hex, sig, 2 * TN_SHA256_LEN) || now_ms > exp) {
		free(p);
		goto bad;
	}
	*path = p;
	return TN_OK;
bad:
	return tn_err_set(err, TN_EPERM, "the URL is not valid or has expired");
}

#define TOKEN_MAC 16

static void page_mac(const uint8_t key[SHARE_KEY_LEN], const char *scope, const uint8_t off[8],
		     uint8_t mac[TN_SHA256_LEN])
{
	struct tn_buf b;

	tn_buf_init(&b, 0);
	tn_buf_puts(&b, "page\n", NULL);
	tn_buf_puts(&b, scope, NULL);
	tn_buf_putc(&b, '\n', NULL);
	tn_buf_append(&b, off, 8, NULL);
	tn_hmac_sha256(key, SHARE_KEY_LEN, b.data, b.len, mac);
	tn_buf_done(&b);
}

char *share_page_token(const uint8_t key[SHARE_KEY_LEN], const char *scope, size_t offset)
{
	uint8_t raw[8 + TN_SHA256_LEN];

	for (int i = 0; i < 8; i++)
		raw[i] = (uint8_t)((uint64_t)offset >> (56 - 8 * i));
	page_mac(key, scope, raw, raw + 8);
	return share_b64url(raw, 8 + TOKEN_MAC);
}

int share_page_token_parse(const uint8_t key[SHARE_KEY_LEN], const char *scope, const char *tok,
			   size_t *offset, struct tn_err *err)
{
	uint8_t mac[TN_SHA256_LEN], *raw;
	uint64_t off = 0;
	size_t n;

	raw = share_b64url_decode(tok, &n);
	if (raw == NULL || n != 8 + TOKEN_MAC)
		goto bad;
	page_mac(key, scope, raw, mac);
	if (!tn_ct_equal(mac, raw + 8, TOKEN_MAC))
		goto bad;
	for (int i = 0; i < 8; i++)
		off = off << 8 | raw[i];
	free(raw);
	if (off > SIZE_MAX)
		return tn_err_set(err, TN_EINVAL, "invalid pageToken");
	*offset = (size_t)off;
	return TN_OK;
bad:
	free(raw);
	return tn_err_set(err, TN_EINVAL, "invalid pageToken");
}
