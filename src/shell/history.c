/* history.c - the shell's history file: one entry a line, appended to as
 * the user goes, trimmed to the newest entries when loaded. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "shell/shell.h"
#include "shell/shell_int.h"

char *shell_history_path(const char *lakehouse)
{
	return tn_asprintf("%s/.tarn_sql_history", lakehouse);
}

static char *unescape(const char *line, size_t len)
{
	char *out = tn_malloc(len + 1), *w = out;

	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\\' && i + 1 < len) {
			i++;
			*w++ = line[i] == 'n' ? '\n' : line[i];
		} else {
			*w++ = line[i];
		}
	}
	*w = '\0';
	return out;
}

static void escape(struct tn_buf *b, const char *entry)
{
	for (const char *p = entry; *p; p++) {
		if (*p == '\\')
			tn_buf_puts(b, "\\\\", NULL);
		else if (*p == '\n')
			tn_buf_puts(b, "\\n", NULL);
		else
			tn_buf_append(b, p, 1, NULL);
	}
	tn_buf_append(b, "\n", 1, NULL);
}

/* Replace path with entries[0..n), atomically. */
static int rewrite(const char *path, char **entries, size_t n, struct tn_err *err)
{
	char *tmp = tn_asprintf("%s.XXXXXX", path);
	struct tn_buf b;
	int fd = mkstemp(tmp), rc = TN_OK;

	if (fd < 0) {
		rc = tn_err_sys(err, errno, "%s", tmp);
		free(tmp);
		return rc;
	}
	tn_buf_init(&b, 0);
	for (size_t i = 0; i < n; i++)
		escape(&b, entries[i]);
	for (size_t off = 0; off < b.len;) {
		ssize_t k = write(fd, b.data + off, b.len - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = tn_err_sys(err, errno, "%s", tmp);
			break;
		}
		off += (size_t)k;
	}
	if (close(fd) != 0 && rc == TN_OK)
		rc = tn_err_sys(err, errno, "%s", tmp);
	if (rc == TN_OK && rename(tmp, path) != 0)
		rc = tn_err_sys(err, errno, "%s", path);
	if (rc != TN_OK)
		unlink(tmp);
	tn_buf_done(&b);
	free(tmp);
	return rc;
}

int shell_hist_load(const char *path, size_t max, char ***out, size_t *n, struct tn_err *err)
{
	FILE *f = fopen(path, "r");
	char **ring, *line = NULL;
	size_t cap = 0, total = 0;
	ssize_t len;
	int rc = TN_OK;

	*out = NULL;
	*n = 0;
	if (f == NULL)
		return errno == ENOENT ? TN_OK : tn_err_sys(err, errno, "%s", path);
	if (max == 0)
		max = 1;
	ring = tn_calloc(max, sizeof(*ring));
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len == 0)
			continue;
		free(ring[total % max]);
		ring[total % max] = unescape(line, (size_t)len);
		total++;
	}
	free(line);
	fclose(f);
	/* Oldest first. */
	*n = total < max ? total : max;
	*out = tn_calloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		(*out)[i] = ring[(total - *n + i) % max];
	free(ring);
	if (total > max)
		rc = rewrite(path, *out, *n, err);
	return rc;
}

int shell_hist_append(const char *path, const char *entry, struct tn_err *err)
{
	struct tn_buf b;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600), rc = TN_OK;
	ssize_t k;

	if (fd < 0)
		return tn_err_sys(err, errno, "%s", path);
	tn_buf_init(&b, 0);
	escape(&b, entry);
	do
		k = write(fd, b.data, b.len);
	while (k < 0 && errno == EINTR);
	if (k < 0 || (size_t)k != b.len)
		rc = tn_err_sys(err, k < 0 ? errno : EIO, "%s", path);
	close(fd);
	tn_buf_done(&b);
	return rc;
}
