/* store.h - object-store interface: whole and ranged reads, durable writes,
 * atomic create-if-absent, listing. The local filesystem is the first
 * implementation; the Delta log's atomic commits rely on put_if_absent. */
#ifndef TARN_STORE_H
#define TARN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

struct store;
struct store_file;
struct store_writer;

struct store_stat {
	uint64_t size;
	int64_t mtime_us; /* modification time, microseconds since the epoch */
	bool is_dir;
};

struct store_entry {
	char *path; /* owned; the full path as passed to other store calls */
	struct store_stat st;
};

/* The result of store_list: entries sorted by path (byte order). */
struct store_list {
	struct store_entry *entries; /* owned */
	size_t count;
};

/* Implementation slots. Every slot is required; the public functions below
 * are the only callers. Paths are store paths: for the local store, paths
 * relative to its root (or absolute when the root is empty). */
struct store_ops {
	const char *name;
	int (*stat)(struct store *s, const char *path, struct store_stat *st, struct tn_err *err);
	int (*file_open)(struct store *s, const char *path, struct store_file **f, struct tn_err *err);
	int (*writer_open)(struct store *s, const char *path, struct store_writer **w,
			   struct tn_err *err);
	int (*list)(struct store *s, const char *prefix, bool recursive, struct store_list *out,
		    struct tn_err *err);
	int (*remove)(struct store *s, const char *path, struct tn_err *err);
	void (*free)(struct store *s);
};

struct store_file_ops {
	int (*pread)(struct store_file *f, uint64_t off, void *dst, size_t len, struct tn_err *err);
	void (*close)(struct store_file *f);
};

struct store_writer_ops {
	int (*write)(struct store_writer *w, const void *p, size_t len, struct tn_err *err);
	int (*commit)(struct store_writer *w, bool if_absent, struct tn_err *err);
	void (*abort)(struct store_writer *w);
};

struct store {
	const struct store_ops *ops;
};

/* An open file for reading. size is fixed at open. */
struct store_file {
	const struct store_file_ops *ops;
	uint64_t size;
	char *path; /* owned, for messages */
};

/* A file being written. Nothing is visible at path until commit. */
struct store_writer {
	const struct store_writer_ops *ops;
	uint64_t written;
	char *path; /* owned, for messages */
};

/* Open a store on the local filesystem rooted at root (a directory; "" for
 * paths taken as given). The store owns a copy of root. */
struct store *store_local_new(const char *root);
/* Free a store; NULL is a no-op. */
void store_free(struct store *s);
const char *store_name(const struct store *s);

/* Metadata of path. TN_ENOENT when absent. */
int store_stat(struct store *s, const char *path, struct store_stat *st, struct tn_err *err);

/* Read a whole file into out (appending; out's cap applies). */
int store_read_all(struct store *s, const char *path, struct tn_buf *out, struct tn_err *err);
/* Read exactly len bytes at off. TN_ECORRUPT when the file is shorter. */
int store_read_range(struct store *s, const char *path, uint64_t off, void *dst, size_t len,
		     struct tn_err *err);

/* Open for repeated ranged reads; close with store_file_close. */
int store_file_open(struct store *s, const char *path, struct store_file **f, struct tn_err *err);
/* Read exactly len bytes at off; TN_ECORRUPT naming the file if past its end. */
int store_file_pread(struct store_file *f, uint64_t off, void *dst, size_t len,
		     struct tn_err *err);
void store_file_close(struct store_file *f);

/* Start writing path. Parent directories are created as needed. The data
 * goes to a temporary file beside it; store_writer_commit makes it durable
 * and visible at once, store_writer_abort throws it away. */
int store_writer_open(struct store *s, const char *path, struct store_writer **w,
		      struct tn_err *err);
int store_writer_write(struct store_writer *w, const void *p, size_t len, struct tn_err *err);
/* Make the file durable (fsync file and directory) and visible at its path.
 * With if_absent, it appears only if nothing is at the path yet: otherwise
 * TN_EEXIST and nothing changes; of several concurrent committers exactly
 * one succeeds, and readers never see partial content. Frees w either way. */
int store_writer_commit(struct store_writer *w, bool if_absent, struct tn_err *err);
/* Discard the temporary file and free w. NULL is a no-op. */
void store_writer_abort(struct store_writer *w);

/* Write a whole file durably, replacing anything at path. */
int store_write(struct store *s, const char *path, const void *p, size_t len,
		struct tn_err *err);
/* Write a whole file durably only if path does not exist (TN_EEXIST if it does). */
int store_put_if_absent(struct store *s, const char *path, const void *p, size_t len,
			struct tn_err *err);

/* List what is under prefix (a directory path): its direct children, or
 * every file below it when recursive (directories are then not listed).
 * A missing prefix gives TN_ENOENT. Sorted by path. Free with
 * store_list_done. */
int store_list(struct store *s, const char *prefix, bool recursive, struct store_list *out,
	       struct tn_err *err);
void store_list_done(struct store_list *l);

/* Whether path holds a glob character (* ? [). */
bool store_is_glob(const char *path);
/* The files a path names, sorted: the path itself when it is a file; every
 * file below a directory; or, when its last part is a glob (fnmatch), the
 * files of its directory that match. Names starting with '.' or '_' below
 * the listed directory (_delta_log, _SUCCESS, .crc files) are left out.
 * TN_ENOENT when the path (or a glob's directory) does not exist;
 * TN_EUNSUPPORTED for a glob before the last part. Free with
 * store_paths_free. */
int store_glob(struct store *s, const char *path, char ***out, size_t *n, struct tn_err *err);
void store_paths_free(char **v, size_t n);

/* Delete a file. TN_ENOENT when absent. */
int store_remove(struct store *s, const char *path, struct tn_err *err);

#endif
