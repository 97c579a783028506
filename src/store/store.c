/* store.c - the public object-store calls, dispatching to an implementation. */
#include "store/store.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"

void store_free(struct store *s)
{
	if (s != NULL)
		s->ops->free(s);
}

const char *store_name(const struct store *s)
{
	return s->ops->name;
}

int store_stat(struct store *s, const char *path, struct store_stat *st, struct tn_err *err)
{
	return s->ops->stat(s, path, st, err);
}

int store_file_open(struct store *s, const char *path, struct store_file **f, struct tn_err *err)
{
	return s->ops->file_open(s, path, f, err);
}

int store_file_pread(struct store_file *f, uint64_t off, void *dst, size_t len,
		     struct tn_err *err)
{
	if (off > f->size || len > f->size - off)
		return tn_err_set(err, TN_ECORRUPT,
				  "%s: wanted %zu bytes at offset %llu, but the file has %llu bytes",
				  f->path, len, (unsigned long long)off,
				  (unsigned long long)f->size);
	if (len == 0)
		return TN_OK;
	return f->ops->pread(f, off, dst, len, err);
}

void store_file_close(struct store_file *f)
{
	if (f != NULL)
		f->ops->close(f);
}

int store_read_all(struct store *s, const char *path, struct tn_buf *out, struct tn_err *err)
{
	struct store_file *f;
	int rc = store_file_open(s, path, &f, err);

	if (rc != TN_OK)
		return rc;
	if (f->size > SIZE_MAX / 2) {
		rc = tn_err_set(err, TN_ETOOBIG, "%s: file of %llu bytes is too large to read whole",
				path, (unsigned long long)f->size);
		goto done;
	}
	rc = tn_buf_reserve(out, (size_t)f->size, err);
	if (rc != TN_OK) {
		tn_err_prefix(err, "%s", path);
		goto done;
	}
	rc = store_file_pread(f, 0, out->data + out->len, (size_t)f->size, err);
	if (rc == TN_OK) {
		out->len += (size_t)f->size;
		out->data[out->len] = '\0';
	}
done:
	store_file_close(f);
	return rc;
}

int store_read_range(struct store *s, const char *path, uint64_t off, void *dst, size_t len,
		     struct tn_err *err)
{
	struct store_file *f;
	int rc = store_file_open(s, path, &f, err);

	if (rc != TN_OK)
		return rc;
	rc = store_file_pread(f, off, dst, len, err);
	store_file_close(f);
	return rc;
}

int store_writer_open(struct store *s, const char *path, struct store_writer **w,
		      struct tn_err *err)
{
	return s->ops->writer_open(s, path, w, err);
}

int store_writer_write(struct store_writer *w, const void *p, size_t len, struct tn_err *err)
{
	int rc;

	if (len == 0)
		return TN_OK;
	rc = w->ops->write(w, p, len, err);
	if (rc == TN_OK)
		w->written += len;
	return rc;
}

int store_writer_commit(struct store_writer *w, bool if_absent, struct tn_err *err)
{
	return w->ops->commit(w, if_absent, err);
}

void store_writer_abort(struct store_writer *w)
{
	if (w != NULL)
		w->ops->abort(w);
}

static int write_whole(struct store *s, const char *path, const void *p, size_t len,
		       bool if_absent, struct tn_err *err)
{
	struct store_writer *w;
	int rc = store_writer_open(s, path, &w, err);

	if (rc != TN_OK)
		return rc;
	rc = store_writer_write(w, p, len, err);
	if (rc != TN_OK) {
		store_writer_abort(w);
		return rc;
	}
	return store_writer_commit(w, if_absent, err);
}

int store_write(struct store *s, const char *path, const void *p, size_t len,
		struct tn_err *err)
{
	return write_whole(s, path, p, len, false, err);
}

int store_put_if_absent(struct store *s, const char *path, const void *p, size_t len,
			struct tn_err *err)
{
	return write_whole(s, path, p, len, true, err);
}

int store_list(struct store *s, const char *prefix, bool recursive, struct store_list *out,
	       struct tn_err *err)
{
	out->entries = NULL;
	out->count = 0;
	return s->ops->list(s, prefix, recursive, out, err);
}

void store_list_done(struct store_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->entries[i].path);
	free(l->entries);
	l->entries = NULL;
	l->count = 0;
}

bool store_is_glob(const char *path)
{
	return strpbrk(path, "*?[") != NULL;
}

/* A name below the listed directory that starts with '.' or '_' in any part. */
static bool hidden_below(const char *path, size_t prefix_len)
{
	const char *p = path + prefix_len;

	while (*p == '/')
		p++;
	for (;;) {
		if (*p == '.' || *p == '_')
			return true;
		p = strchr(p, '/');
		if (p == NULL)
			return false;
		p++;
	}
}

int store_glob(struct store *s, const char *path, char ***out, size_t *n, struct tn_err *err)
{
	struct store_list l = {0};
	struct store_stat ss;
	const char *pattern = NULL;
	char *dir = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if (store_is_glob(path)) {
		const char *slash = strrchr(path, '/');

		dir = slash ? tn_strndup(path, (size_t)(slash - path)) : tn_strdup(".");
		pattern = slash ? slash + 1 : path;
		if (store_is_glob(dir)) {
			free(dir);
			return tn_err_set(err, TN_EUNSUPPORTED,
					  "%s: only the last part of a path may hold * ? [", path);
		}
		rc = store_list(s, dir, false, &l, err);
	} else {
		rc = store_stat(s, path, &ss, err);
		if (rc == TN_OK && !ss.is_dir) {
			*out = tn_calloc(1, sizeof(char *));
			(*out)[(*n)++] = tn_strdup(path);
			return TN_OK;
		}
		if (rc == TN_OK)
			rc = store_list(s, path, true, &l, err);
	}
	if (rc == TN_OK) {
		size_t plen = strlen(dir ? dir : path);

		/* store_list is sorted by path, so the result is too */
		*out = tn_calloc(l.count + 1, sizeof(char *));
		for (size_t i = 0; i < l.count; i++) {
			const char *p = l.entries[i].path;

			if (l.entries[i].st.is_dir || hidden_below(p, plen))
				continue;
			if (pattern && fnmatch(pattern, tn_path_base(p), 0) != 0)
				continue;
			(*out)[(*n)++] = tn_strdup(p);
		}
	}
	store_list_done(&l);
	free(dir);
	return rc;
}

void store_paths_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int store_remove(struct store *s, const char *path, struct tn_err *err)
{
	return s->ops->remove(s, path, err);
}
