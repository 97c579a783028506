/* filter.c - file filters and commit actions for readers that hand out
 * files rather than rows (the Delta Sharing server): which active files may
 * hold rows matching a predicate, and the actions of one commit. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "delta/delta_int.h"
#include "delta/pred_int.h"

struct delta_filter {
	struct bpred *b;
	char *const *partition_columns;
	size_t npart;
	bool physical;
};

int delta_filter_open(const struct delta_snapshot *s, const struct delta_pred *p,
		      struct delta_filter **out, struct tn_err *err)
{
	const char *mode = delta_snapshot_property(s, "delta.columnMapping.mode");
	const struct delta_metadata *md = delta_snapshot_metadata(s);
	struct delta_filter *f = tn_calloc(1, sizeof(*f));
	int rc = delta_bpred_bind(p, delta_snapshot_schema(s), &f->b, err);

	*out = NULL;
	if (rc != TN_OK) {
		free(f);
		return rc;
	}
	f->partition_columns = md->partition_columns;
	f->npart = md->n_partition_columns;
	f->physical = mode != NULL && strcmp(mode, "none") != 0;
	*out = f;
	return TN_OK;
}

bool delta_filter_skip(const struct delta_filter *f, const struct delta_file *file)
{
	return delta_bpred_skip_file(f->b, file, f->partition_columns, f->npart, f->physical);
}

void delta_filter_free(struct delta_filter *f)
{
	if (f == NULL)
		return;
	delta_bpred_free(f->b);
	free(f);
}

int delta_commit_actions(struct delta_table *t, int64_t v, int64_t *ts_ms,
			 int (*fn)(void *ctx, const cJSON *action), void *ctx, struct tn_err *err)
{
	const char *name = delta_commit_file(t, v);
	char *path;
	int rc;

	if (name == NULL)
		return tn_err_set(err, TN_ENOENT, "%s: the commit of version %lld is gone",
				  t->root, (long long)v);
	rc = delta_commit_timestamps(t, err);
	if (rc != TN_OK)
		return rc;
	*ts_ms = delta_commit_ts(t, v);
	path = tn_path_join(t->log_dir, name);
	rc = delta_each_json_line(t, path, name, fn, ctx, err);
	free(path);
	return rc;
}

char *delta_path_decode(const char *s)
{
	return delta_uri_decode(s);
}

char *delta_path_encode(const char *s)
{
	return delta_uri_encode(s);
}
