/* versions.c - what a table's versions hold, beyond DESCRIBE HISTORY: the
 * files a commit added and removed, and a version's size (sql.h), for the
 * workbench's History pane. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "sql/session.h"

/* Resolve a table name the way DESCRIBE HISTORY does and open its log. */
static int open_delta(struct tarn_engine *e, const char *table, struct delta_table **dt,
		      struct tn_err *err)
{
	struct toks ts;
	struct qname q;
	struct sess_table t;
	int rc;

	*dt = NULL;
	toks_init(&ts, table, strlen(table));
	rc = tk_qname(&ts, &q, err);
	if (rc != TN_OK) {
		toks_done(&ts);
		return rc;
	}
	if (!tk_at_end(&ts))
		rc = tk_error(&ts, err, "expected a table name");
	if (rc == TN_OK)
		rc = sess_resolve(e, &q, CAT_PRIV_SELECT, &t, err);
	qname_done(&q);
	toks_done(&ts);
	if (rc != TN_OK)
		return rc;
	if (strcmp(t.format, "delta") != 0)
		rc = tn_err_set(err, TN_EINVAL, "%s is not a Delta table: it has no versions",
				t.display);
	else
		rc = delta_table_open(e->st, t.root, dt, err);
	sess_table_done(&t);
	return rc;
}

static int64_t live_rows(const struct delta_file *f)
{
	if (f->num_records < 0)
		return -1;
	return f->num_records - (f->has_dv ? f->dv.cardinality : 0);
}

static bool same_dv(const struct delta_file *a, const struct delta_file *b)
{
	if (a->has_dv != b->has_dv)
		return false;
	if (!a->has_dv)
		return true;
	return a->dv.storage_type == b->dv.storage_type &&
	       a->dv.has_offset == b->dv.has_offset &&
	       (!a->dv.has_offset || a->dv.offset == b->dv.offset) &&
	       strcmp(a->dv.path_or_inline_dv, b->dv.path_or_inline_dv) == 0;
}

struct file_list {
	struct tarn_commit_file *f;
	size_t n;
};

static void add_file(struct file_list *l, const struct delta_file *f, bool added)
{
	struct tarn_commit_file *c;

	l->f = tn_reallocarray(l->f, l->n + 1, sizeof(*l->f));
	c = &l->f[l->n++];
	c->path = tn_strdup(f->path);
	c->size = f->size;
	c->rows = live_rows(f);
	c->added = added;
	c->has_dv = f->has_dv;
}

/* Both snapshots list their files sorted by path: one merge walk. */
static void diff_files(const struct delta_snapshot *before, const struct delta_snapshot *after,
		       struct file_list *added, struct file_list *removed)
{
	size_t nb = before ? delta_snapshot_num_files(before) : 0;
	size_t na = delta_snapshot_num_files(after);
	size_t i = 0, k = 0;

	while (i < nb || k < na) {
		const struct delta_file *b = i < nb ? delta_snapshot_file(before, i) : NULL;
		const struct delta_file *a = k < na ? delta_snapshot_file(after, k) : NULL;
		int c = b == NULL ? 1 : a == NULL ? -1 : strcmp(b->path, a->path);

		if (c < 0) {
			add_file(removed, b, false);
			i++;
		} else if (c > 0) {
			add_file(added, a, true);
			k++;
		} else {
			if (!same_dv(b, a)) {
				add_file(removed, b, false);
				add_file(added, a, true);
			}
			i++;
			k++;
		}
	}
}

int tarn_table_commit_files(struct tarn_engine *e, const char *table, int64_t version,
			    struct tarn_commit_file **out, size_t *n, struct tn_err *err)
{
	struct delta_table *dt;
	struct delta_snapshot *before = NULL, *after = NULL;
	struct file_list added = {0}, removed = {0};
	int rc = open_delta(e, table, &dt, err);

	*out = NULL;
	*n = 0;
	if (rc != TN_OK)
		return rc;
	if (version < 0)
		rc = tn_err_set(err, TN_EINVAL, "version %lld: versions start at 0",
				(long long)version);
	if (rc == TN_OK)
		rc = delta_snapshot_open_lenient(dt, version, &after, err);
	if (rc == TN_OK && version > 0) {
		rc = delta_snapshot_open_lenient(dt, version - 1, &before, err);
		if (rc != TN_OK)
			tn_err_prefix(err, "the files of version %lld need version %lld",
				      (long long)version, (long long)(version - 1));
	}
	if (rc == TN_OK) {
		diff_files(before, after, &added, &removed);
		added.f = tn_reallocarray(added.f, added.n + removed.n + 1, sizeof(*added.f));
		if (removed.n > 0)
			memcpy(added.f + added.n, removed.f, removed.n * sizeof(*removed.f));
		*out = added.f;
		*n = added.n + removed.n;
		free(removed.f);
	}
	if (rc != TN_OK)
		tn_err_prefix(err, "%s", table);
	delta_snapshot_free(before);
	delta_snapshot_free(after);
	delta_table_close(dt);
	return rc;
}

void tarn_commit_files_free(struct tarn_commit_file *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f[i].path);
	free(f);
}

int tarn_table_txn_version(struct tarn_engine *e, const char *table, const char *app_id,
			   int64_t *version, struct tn_err *err)
{
	struct delta_table *dt;
	struct delta_snapshot *s = NULL;
	int rc = open_delta(e, table, &dt, err);

	*version = -1;
	if (rc == TN_OK)
		rc = delta_snapshot_open(dt, -1, &s, err);
	for (size_t i = 0; rc == TN_OK && i < delta_snapshot_num_txns(s); i++) {
		const struct delta_txn *t = delta_snapshot_txn(s, i);

		if (strcmp(t->app_id, app_id) == 0 && t->version > *version)
			*version = t->version;
	}
	delta_snapshot_free(s);
	delta_table_close(dt);
	return rc;
}

int tarn_table_version_info(struct tarn_engine *e, const char *table, int64_t version,
			    struct tarn_table_version *out, struct tn_err *err)
{
	struct delta_table *dt;
	struct delta_snapshot *s = NULL;
	int rc = open_delta(e, table, &dt, err);

	memset(out, 0, sizeof(*out));
	if (rc != TN_OK)
		return rc;
	rc = delta_snapshot_open_lenient(dt, version, &s, err);
	if (rc == TN_OK) {
		out->version = delta_snapshot_version(s);
		out->latest = delta_table_latest_version(dt);
		out->files = (int64_t)delta_snapshot_num_files(s);
		for (size_t i = 0; i < delta_snapshot_num_files(s); i++) {
			const struct delta_file *f = delta_snapshot_file(s, i);
			int64_t r = live_rows(f);

			out->bytes += f->size;
			out->rows = out->rows < 0 || r < 0 ? -1 : out->rows + r;
		}
	} else {
		tn_err_prefix(err, "%s", table);
	}
	delta_snapshot_free(s);
	delta_table_close(dt);
	return rc;
}
