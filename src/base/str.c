/* str.c - string helpers. */
#include "base/str.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"

bool tn_str_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool tn_str_endswith(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

char *tn_str_lower(char *s)
{
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

bool tn_str_ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	return *a == *b;
}

size_t tn_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size != 0) {
		size_t m = n < size - 1 ? n : size - 1;

		memcpy(dst, src, m);
		dst[m] = '\0';
	}
	return n;
}

char *tn_str_trim(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

char *tn_path_join(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (n == 0)
		return tn_strdup(b);
	while (*b == '/')
		b++;
	if (a[n - 1] == '/')
		return tn_asprintf("%s%s", a, b);
	return tn_asprintf("%s/%s", a, b);
}

const char *tn_path_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int tn_parse_i64(const char *s, int64_t *out, const char *what, struct tn_err *err)
{
	char *end;
	long long v;

	errno = 0;
	if (*s == '\0' || isspace((unsigned char)*s))
		return tn_err_set(err, TN_EINVAL, "%s: expected an integer, got \"%s\"", what, s);
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return tn_err_set(err, TN_EINVAL, "%s: expected an integer, got \"%s\"", what, s);
	if (errno == ERANGE)
		return tn_err_set(err, TN_EINVAL, "%s: %s is out of range", what, s);
	*out = v;
	return TN_OK;
}

int tn_parse_u64(const char *s, uint64_t *out, const char *what, struct tn_err *err)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		return tn_err_set(err, TN_EINVAL,
				  "%s: expected a non-negative integer, got \"%s\"", what, s);
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return tn_err_set(err, TN_EINVAL,
				  "%s: expected a non-negative integer, got \"%s\"", what, s);
	if (errno == ERANGE)
		return tn_err_set(err, TN_EINVAL, "%s: %s is out of range", what, s);
	*out = v;
	return TN_OK;
}

size_t tn_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

int tn_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t tn_str_distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row, best = max + 1;

	if ((la > lb ? la - lb : lb - la) > max)
		return max + 1;
	row = tn_malloc((lb + 1) * sizeof(*row));
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0], lo;

		row[0] = i;
		lo = row[0];
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			size_t v = diag + cost;

			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
			if (v < lo)
				lo = v;
		}
		if (lo > max) {
			free(row);
			return max + 1;
		}
	}
	best = row[lb] <= max ? row[lb] : max + 1;
	free(row);
	return best;
}

const char *tn_str_nearest(const char *name, const char *const *cands, size_t n)
{
	size_t len = strlen(name), max = len / 3;
	const char *best = NULL;
	size_t bestd;

	if (max < 1)
		max = 1;
	if (max > 3)
		max = 3;
	bestd = max + 1;
	for (size_t i = 0; i < n; i++) {
		size_t d = tn_str_distance(name, cands[i], max);

		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	return best;
}

bool tn_utf8_valid(const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0, len; i < n; i += len) {
		if (s[i] < 0x80) {
			len = 1;
			continue;
		}
		len = tn_utf8_len(s + i, n - i);
		if (len == 0)
			return false;
	}
	return true;
}

int tn_mkdirs(const char *path, unsigned mode, struct tn_err *err)
{
	char *p = tn_strdup(path);
	int ret = TN_OK;

	for (char *s = p + 1;; s++) {
		char save = *s;

		if (save != '/' && save != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
			ret = tn_err_sys(err, errno, "%s: cannot create the directory", p);
			break;
		}
		*s = save;
		if (save == '\0')
			break;
	}
	free(p);
	return ret;
}
