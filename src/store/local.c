/* local.c - the object store on the local filesystem.
 *
 * Durability: a write goes to a temporary file in the target directory,
 * which is fsynced and then renamed (or, for create-if-absent, renamed with
 * RENAME_NOREPLACE, falling back to link(2) where the filesystem lacks it)
 * onto its name; the directory is fsynced after. A reader therefore sees
 * either nothing or the whole file, and a crash leaves at most a temporary
 * file, never a half-written one under the real name. */
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/str.h"

/* Temporary files start with this; listings leave them out. */
#define TMP_PREFIX ".tarn-tmp."

struct local_store {
	struct store base;
	char *root;
};

struct local_file {
	struct store_file base;
	int fd;
};

struct local_writer {
	struct store_writer base;
	int fd;
	char *tmp;  /* full path of the temporary file */
	char *full; /* full path of the destination */
};

static char *full_path(struct store *s, const char *path)
{
	return tn_path_join(((struct local_store *)s)->root, path);
}

static int64_t mtime_us(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000 + st->st_mtim.tv_nsec / 1000;
}

static void fill_stat(const struct stat *st, struct store_stat *out)
{
	out->size = (uint64_t)st->st_size;
	out->mtime_us = mtime_us(st);
	out->is_dir = S_ISDIR(st->st_mode);
}

static int local_stat(struct store *s, const char *path, struct store_stat *out,
		      struct tn_err *err)
{
	char *full = full_path(s, path);
	struct stat st;
	int rc = TN_OK;

	if (stat(full, &st) != 0)
		rc = tn_err_sys(err, errno, "%s", full);
	else
		fill_stat(&st, out);
	free(full);
	return rc;
}

static int local_pread(struct store_file *f, uint64_t off, void *dst, size_t len,
		       struct tn_err *err)
{
	struct local_file *lf = (struct local_file *)f;
	char *p = dst;

	while (len > 0) {
		ssize_t n = pread(lf->fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return tn_err_sys(err, errno, "%s: read at offset %llu", f->path,
					  (unsigned long long)off);
		if (n == 0)
			return tn_err_set(err, TN_ECORRUPT,
					  "%s: file ended at offset %llu (it shrank while open?)",
					  f->path, (unsigned long long)off);
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return TN_OK;
}

static void local_file_close(struct store_file *f)
{
	struct local_file *lf = (struct local_file *)f;

	close(lf->fd);
	free(f->path);
	free(lf);
}

static const struct store_file_ops local_file_ops = {
	.pread = local_pread,
	.close = local_file_close,
};

static int local_file_open(struct store *s, const char *path, struct store_file **out,
			   struct tn_err *err)
{
	char *full = full_path(s, path);
	struct local_file *lf;
	struct stat st;
	int fd;

	*out = NULL;
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int rc = tn_err_sys(err, errno, "%s", full);

		free(full);
		return rc;
	}
	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		int rc = S_ISDIR(st.st_mode)
				 ? tn_err_set(err, TN_EINVAL, "%s: is a directory, not a file", full)
				 : tn_err_sys(err, errno, "%s", full);

		close(fd);
		free(full);
		return rc;
	}
	lf = tn_calloc(1, sizeof(*lf));
	lf->base.ops = &local_file_ops;
	lf->base.size = (uint64_t)st.st_size;
	lf->base.path = full;
	lf->fd = fd;
	*out = &lf->base;
	return TN_OK;
}

static int fsync_dir(const char *dir, struct tn_err *err)
{
	int fd = open(*dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = TN_OK;

	if (fd < 0)
		return tn_err_sys(err, errno, "%s: open directory to sync", dir);
	if (fsync(fd) != 0 && errno != EINVAL)
		rc = tn_err_sys(err, errno, "%s: fsync directory", dir);
	close(fd);
	return rc;
}

static char *dir_of(const char *full)
{
	const char *slash = strrchr(full, '/');

	if (slash == NULL)
		return tn_strdup(".");
	if (slash == full)
		return tn_strdup("/");
	return tn_strndup(full, (size_t)(slash - full));
}

/* mkdir -p, syncing each parent of a directory it creates. */
static int make_dirs(const char *dir, struct tn_err *err)
{
	struct stat st;
	char *parent;
	int rc;

	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return TN_OK;
		return tn_err_set(err, TN_EEXIST, "%s: exists and is not a directory", dir);
	}
	parent = dir_of(dir);
	rc = strcmp(parent, dir) == 0 ? TN_OK : make_dirs(parent, err);
	if (rc == TN_OK && mkdir(dir, 0777) != 0 && errno != EEXIST)
		rc = tn_err_sys(err, errno, "%s: create directory", dir);
	if (rc == TN_OK)
		rc = fsync_dir(parent, err);
	free(parent);
	return rc;
}

static int local_write(struct store_writer *w, const void *p, size_t len, struct tn_err *err)
{
	struct local_writer *lw = (struct local_writer *)w;
	const char *q = p;

	while (len > 0) {
		ssize_t n = write(lw->fd, q, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return tn_err_sys(err, errno, "%s: write", w->path);
		q += n;
		len -= (size_t)n;
	}
	return TN_OK;
}

static void writer_free(struct local_writer *lw)
{
	if (lw->fd >= 0)
		close(lw->fd);
	free(lw->tmp);
	free(lw->full);
	free(lw->base.path);
	free(lw);
}

static void local_abort(struct store_writer *w)
{
	struct local_writer *lw = (struct local_writer *)w;

	unlink(lw->tmp);
	writer_free(lw);
}

/* Put tmp at full without replacing anything there. */
static int link_noreplace(const char *tmp, const char *full, struct tn_err *err)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, full, RENAME_NOREPLACE) == 0)
		return TN_OK;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return tn_err_sys(err, errno, "%s", full);
	/* The filesystem has no RENAME_NOREPLACE: link(2) fails with EEXIST
	 * just as atomically. */
	if (link(tmp, full) != 0)
		return tn_err_sys(err, errno, "%s", full);
	unlink(tmp);
	return TN_OK;
}

static int local_commit(struct store_writer *w, bool if_absent, struct tn_err *err)
{
	struct local_writer *lw = (struct local_writer *)w;
	char *dir;
	int rc = TN_OK;

	if (fsync(lw->fd) != 0)
		rc = tn_err_sys(err, errno, "%s: fsync", w->path);
	if (close(lw->fd) != 0 && rc == TN_OK)
		rc = tn_err_sys(err, errno, "%s: close", w->path);
	lw->fd = -1;
	if (rc == TN_OK) {
		if (if_absent) {
			rc = link_noreplace(lw->tmp, lw->full, err);
			if (rc == TN_EEXIST)
				tn_err_set(err, TN_EEXIST, "%s: already exists", w->path);
		} else if (rename(lw->tmp, lw->full) != 0) {
			rc = tn_err_sys(err, errno, "%s", w->path);
		}
	}
	if (rc != TN_OK) {
		local_abort(w);
		return rc;
	}
	dir = dir_of(lw->full);
	rc = fsync_dir(dir, err);
	free(dir);
	writer_free(lw);
	return rc;
}

static const struct store_writer_ops local_writer_ops = {
	.write = local_write,
	.commit = local_commit,
	.abort = local_abort,
};

static int local_writer_open(struct store *s, const char *path, struct store_writer **out,
			     struct tn_err *err)
{
	struct local_writer *lw;
	char *dir;
	int rc;

	*out = NULL;
	lw = tn_calloc(1, sizeof(*lw));
	lw->fd = -1;
	lw->base.ops = &local_writer_ops;
	lw->full = full_path(s, path);
	lw->base.path = tn_strdup(lw->full);
	if (*tn_path_base(lw->full) == '\0') {
		rc = tn_err_set(err, TN_EINVAL, "%s: not a file name", lw->full);
		goto fail;
	}
	dir = dir_of(lw->full);
	rc = make_dirs(dir, err);
	lw->tmp = tn_asprintf("%s/" TMP_PREFIX "%s.XXXXXX", dir, tn_path_base(lw->full));
	free(dir);
	if (rc != TN_OK)
		goto fail;
	lw->fd = mkostemp(lw->tmp, O_CLOEXEC);
	if (lw->fd < 0) {
		rc = tn_err_sys(err, errno, "%s: create temporary file", lw->full);
		goto fail;
	}
	/* mkostemp makes 0600 files; data files are for everyone who may read
	 * the directory, as with open(2) and the umask. */
	{
		mode_t mask = umask(022);

		umask(mask);
		fchmod(lw->fd, 0666 & ~mask);
	}
	*out = &lw->base;
	return TN_OK;
fail:
	writer_free(lw);
	return rc;
}

struct lister {
	struct store_list *out;
	size_t cap;
};

static void add_entry(struct lister *l, char *path, const struct stat *st)
{
	struct store_list *out = l->out;

	if (out->count == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		out->entries = tn_reallocarray(out->entries, l->cap, sizeof(*out->entries));
	}
	out->entries[out->count].path = path;
	fill_stat(st, &out->entries[out->count].st);
	out->count++;
}

/* List dir_full (a filesystem path), naming entries by store_prefix/name. */
static int list_dir(struct lister *l, const char *dir_full, const char *store_prefix,
		    bool recursive, struct tn_err *err)
{
	DIR *d = opendir(dir_full);
	struct dirent *de;
	int rc = TN_OK;

	if (d == NULL)
		return tn_err_sys(err, errno, "%s", dir_full);
	while (rc == TN_OK) {
		struct stat st;
		char *child_full, *child;

		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				rc = tn_err_sys(err, errno, "%s: read directory", dir_full);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    tn_str_startswith(de->d_name, TMP_PREFIX))
			continue;
		child_full = tn_path_join(dir_full, de->d_name);
		if (stat(child_full, &st) != 0) {
			/* Removed since readdir: not there any more. */
			if (errno != ENOENT)
				rc = tn_err_sys(err, errno, "%s", child_full);
			free(child_full);
			continue;
		}
		child = tn_path_join(store_prefix, de->d_name);
		if (recursive && S_ISDIR(st.st_mode)) {
			rc = list_dir(l, child_full, child, true, err);
			free(child);
		} else {
			add_entry(l, child, &st);
		}
		free(child_full);
	}
	closedir(d);
	return rc;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct store_entry *)a)->path, ((const struct store_entry *)b)->path);
}

static int local_list(struct store *s, const char *prefix, bool recursive,
		      struct store_list *out, struct tn_err *err)
{
	struct lister l = {out, 0};
	char *full = full_path(s, prefix);
	int rc = list_dir(&l, full, prefix, recursive, err);

	free(full);
	if (rc != TN_OK) {
		store_list_done(out);
		return rc;
	}
	if (out->count > 1) /* an empty directory has no array at all */
		qsort(out->entries, out->count, sizeof(*out->entries), cmp_entry);
	return TN_OK;
}

static int local_remove(struct store *s, const char *path, struct tn_err *err)
{
	char *full = full_path(s, path);
	int rc = TN_OK;

	if (unlink(full) != 0)
		rc = tn_err_sys(err, errno, "%s: delete", full);
	free(full);
	return rc;
}

static void local_free(struct store *s)
{
	struct local_store *ls = (struct local_store *)s;

	free(ls->root);
	free(ls);
}

static const struct store_ops local_ops = {
	.name = "local",
	.stat = local_stat,
	.file_open = local_file_open,
	.writer_open = local_writer_open,
	.list = local_list,
	.remove = local_remove,
	.free = local_free,
};

struct store *store_local_new(const char *root)
{
	struct local_store *ls = tn_calloc(1, sizeof(*ls));

	ls->base.ops = &local_ops;
	ls->root = tn_strdup(root ? root : "");
	return &ls->base;
}
