/* delta_int.h - shared inside src/delta: the log listing, snapshot state,
 * action parsing and the schema. */
#ifndef DELTA_DELTA_INT_H
#define DELTA_DELTA_INT_H

#include <cjson/cJSON.h>
#include <sys/types.h>

#include "base/arena.h"
#include "base/hmap.h"
#include "delta/delta.h"

enum log_kind { LOG_COMMIT, LOG_CKPT_CLASSIC, LOG_CKPT_PART, LOG_CKPT_V2 };

/* A file of _delta_log that matters. */
struct log_file {
	int64_t version;
	int kind;          /* enum log_kind */
	int part, nparts;  /* LOG_CKPT_PART */
	char *name;        /* file name in _delta_log (owned) */
	int64_t mtime_us;
	uint64_t size;
	int64_t ts;        /* LOG_COMMIT: commit timestamp (ms), once computed */
};

struct delta_table {
	struct store *st;
	char *root;
	char *log_dir;
	struct log_file *files; /* sorted by version, then kind */
	size_t nfiles;
	int64_t latest, earliest;
	bool have_ts;           /* files[].ts are computed */
};

struct delta_snapshot {
	struct delta_table *t;
	int64_t version;
	int64_t timestamp;
	struct tn_arena arena;  /* every string and array of the snapshot */
	bool has_protocol, has_metadata;
	struct delta_protocol protocol;
	struct delta_metadata metadata;
	struct tn_schema schema;
	struct delta_file **files; /* sorted by path */
	size_t nfiles;
	struct delta_txn *txns;
	size_t ntxns;
	struct delta_domain *domains;
	size_t ndomains;
	struct delta_table *own_t; /* a derived snapshot's table (owned), or NULL */
};

/* ---- schema.c ---- */

/* Parse one Delta type (a JSON string like "long" or an object). */
int delta_type_parse(const cJSON *j, struct tn_type *out, struct tn_err *err);

/* ---- scan.c ---- */

/* Parse the text form of a value (a partition value, a literal) of
 * primitive type t into one value of its storage at o. Strings and
 * binary are not handled here (they are their text). TN_ECORRUPT when
 * the text is not a value of the type. */
int delta_value_parse(const char *s, const struct tn_type *t, void *o, struct tn_err *err);

/* A scan of one active file f of s, all columns, live rows only (its
 * deletion vector applied), with one more output column, _tarn_row_index
 * (int64): each row's index in the data file. */
int delta_scan_open_file(struct delta_snapshot *s, const struct delta_file *f,
			 struct delta_scan **out, struct tn_err *err);

/* ---- log.c ---- */

/* A file action (add, remove or cdc) as a delta_file in s's arena. where
 * names the log file for messages. */
int delta_file_parse(struct delta_snapshot *s, const cJSON *a, const char *where,
		     struct delta_file **out, struct tn_err *err);

/* Escape a path for the log (RFC 3986: what is not unreserved or '/'
 * becomes %XX). Caller frees. */
char *delta_uri_encode(const char *s);
/* Decode %XX escapes (a path from the log). Caller frees. */
char *delta_uri_decode(const char *s);
/* Where a path from the log is: file: URIs and absolute paths as they are,
 * relative ones under root. TN_EUNSUPPORTED for other schemes. */
int delta_resolve_path(const char *root, const char *path, char **out, struct tn_err *err);

/* The index in t->files of the file of a version and kind (the files are
 * sorted by version), or -1. */
ssize_t delta_log_find(const struct delta_table *t, int64_t version, int kind);
/* Call fn for each line of the JSON-lines file at path (label names it in
 * messages); a line that is not a JSON object is TN_ECORRUPT naming the
 * file and line. Stops at fn's first error. */
int delta_each_json_line(struct delta_table *t, const char *path, const char *label,
			 int (*fn)(void *ctx, const cJSON *line), void *ctx, struct tn_err *err);
/* A snapshot that is base (NULL: an empty table) with the JSON-lines
 * actions of text[0..len) applied as one more commit (a transaction's
 * view of its table), at version `version`. It owns a table of its own
 * (root in st, no log files), so it outlives base and whoever made it;
 * scan it, never checkpoint it. TN_ECORRUPT for a malformed line, or no
 * protocol or metaData after the text. */
int delta_snapshot_derive(struct store *st, const char *root, const struct delta_snapshot *base,
			  int64_t version, const char *text, size_t len, struct delta_snapshot **out,
			  struct tn_err *err);

/* The commit timestamps (ms) of every commit file, filled in t. */
int delta_commit_timestamps(struct delta_table *t, struct tn_err *err);
/* Commit v's timestamp (after delta_commit_timestamps), INT64_MIN if none. */
int64_t delta_commit_ts(const struct delta_table *t, int64_t v);
/* The name of commit v's file in _delta_log, or NULL when it is gone. */
const char *delta_commit_file(const struct delta_table *t, int64_t v);

#endif
