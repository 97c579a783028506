/* history.c - commit timestamps, time travel by timestamp, and the commit
 * history (DESCRIBE HISTORY). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/time.h"
#include "delta/delta_int.h"

/* The in-commit timestamp of a commit, read from its first line (where
 * the protocol puts commitInfo when in-commit timestamps are on). */
static bool in_commit_timestamp(struct delta_table *t, const struct log_file *f, int64_t *ts)
{
	char *path = tn_path_join(t->log_dir, f->name);
	size_t n = f->size < 65536 ? (size_t)f->size : 65536;
	char *buf = tn_malloc(n + 1);
	bool found = false;

	if (store_read_range(t->st, path, 0, buf, n, NULL) == TN_OK) {
		char *nl = memchr(buf, '\n', n);
		cJSON *j, *ci, *v;

		buf[nl ? (size_t)(nl - buf) : n] = '\0';
		j = cJSON_Parse(buf);
		ci = j ? cJSON_GetObjectItemCaseSensitive(j, "commitInfo") : NULL;
		v = ci ? cJSON_GetObjectItemCaseSensitive(ci, "inCommitTimestamp") : NULL;
		if (cJSON_IsNumber(v)) {
			*ts = (int64_t)v->valuedouble;
			found = true;
		}
		cJSON_Delete(j);
	}
	free(buf);
	free(path);
	return found;
}

int delta_commit_timestamps(struct delta_table *t, struct tn_err *err)
{
	int64_t prev = INT64_MIN;

	(void)err;
	if (t->have_ts)
		return TN_OK;
	for (size_t i = 0; i < t->nfiles; i++) {
		struct log_file *f = &t->files[i];
		int64_t ts;

		if (f->kind != LOG_COMMIT)
			continue;
		if (!in_commit_timestamp(t, f, &ts)) {
			/* File times, made monotonic: a commit is never older
			 * than the one before it. */
			ts = f->mtime_us / 1000;
			if (prev != INT64_MIN && ts <= prev)
				ts = prev + 1;
		}
		f->ts = ts;
		prev = ts;
	}
	t->have_ts = true;
	return TN_OK;
}

int64_t delta_commit_ts(const struct delta_table *t, int64_t v)
{
	ssize_t i = t->have_ts ? delta_log_find(t, v, LOG_COMMIT) : -1;

	return i < 0 ? INT64_MIN : t->files[i].ts;
}

int64_t delta_snapshot_timestamp(const struct delta_snapshot *s)
{
	struct delta_table *t = s->t;

	if (s->own_t != NULL) /* a derived snapshot: when it was made */
		return s->timestamp;
	if (delta_commit_timestamps(t, NULL) != TN_OK)
		return -1;
	return delta_commit_ts(t, s->version);
}

int delta_snapshot_open_at(struct delta_table *t, int64_t ts_us, struct delta_snapshot **out,
			   struct tn_err *err)
{
	char a[TN_TIME_BUFSZ], b[TN_TIME_BUFSZ], want[TN_TIME_BUFSZ];
	int64_t found = -1, lo = INT64_MIN, hi = INT64_MIN;
	int rc = delta_commit_timestamps(t, err);

	*out = NULL;
	if (rc != TN_OK)
		return rc;
	for (size_t i = 0; i < t->nfiles; i++) {
		const struct log_file *f = &t->files[i];

		if (f->kind != LOG_COMMIT || f->version < t->earliest)
			continue;
		if (lo == INT64_MIN)
			lo = f->ts;
		hi = f->ts;
		if (f->ts <= ts_us / 1000 - (ts_us % 1000 < 0))
			found = f->version;
	}
	if (lo == INT64_MIN)
		return tn_err_set(err, TN_EINVAL, "%s: no commit times are available", t->root);
	tn_time_format(ts_us, true, want);
	if (found < 0 || ts_us > hi * 1000 + 999) {
		tn_time_format_ms(lo, true, a);
		tn_time_format_ms(hi, true, b);
		return tn_err_set(err, TN_EINVAL,
				  "%s: timestamp %s is %s the table's history (earliest commit "
				  "%s, version %lld; latest %s, version %lld)",
				  t->root, want, found < 0 ? "before" : "after", a,
				  (long long)t->earliest, b, (long long)t->latest);
	}
	return delta_snapshot_open(t, found, out, err);
}

/* ---- history ---- */

struct hist_ctx {
	struct delta_commit *c;
	bool seen;
};

static char *dup_json(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (v == NULL || cJSON_IsNull(v))
		return NULL;
	if (cJSON_IsString(v))
		return tn_strdup(v->valuestring);
	return cJSON_PrintUnformatted(v);
}

static int hist_line(void *ctx, const cJSON *line)
{
	struct hist_ctx *h = ctx;
	const cJSON *ci = cJSON_GetObjectItemCaseSensitive(line, "commitInfo"), *v;
	struct delta_commit *c = h->c;

	if (!cJSON_IsObject(ci) || h->seen)
		return TN_OK;
	h->seen = true;
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(ci, "inCommitTimestamp")) ||
	    cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(ci, "timestamp")))
		c->timestamp = (int64_t)v->valuedouble;
	c->operation = dup_json(ci, "operation");
	c->operation_parameters = dup_json(ci, "operationParameters");
	c->operation_metrics = dup_json(ci, "operationMetrics");
	c->user_name = dup_json(ci, "userName");
	c->engine_info = dup_json(ci, "engineInfo");
	c->isolation_level = dup_json(ci, "isolationLevel");
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(ci, "readVersion"))) {
		c->has_read_version = true;
		c->read_version = (int64_t)v->valuedouble;
	}
	if (cJSON_IsBool(v = cJSON_GetObjectItemCaseSensitive(ci, "isBlindAppend"))) {
		c->has_is_blind_append = true;
		c->is_blind_append = cJSON_IsTrue(v);
	}
	return TN_OK;
}

int delta_history(struct delta_table *t, struct delta_commit **out, size_t *n,
		  struct tn_err *err)
{
	struct delta_commit *cs = NULL;
	size_t count = 0;
	int rc = delta_commit_timestamps(t, err);

	*out = NULL;
	*n = 0;
	for (size_t k = t->nfiles; rc == TN_OK && k-- > 0;) {
		const struct log_file *f = &t->files[k];
		struct hist_ctx h;
		char *path;

		if (f->kind != LOG_COMMIT)
			continue;
		cs = tn_reallocarray(cs, count + 1, sizeof(*cs));
		memset(&cs[count], 0, sizeof(*cs));
		cs[count].version = f->version;
		cs[count].timestamp = delta_commit_ts(t, f->version);
		h.c = &cs[count];
		h.seen = false;
		path = tn_path_join(t->log_dir, f->name);
		rc = delta_each_json_line(t, path, f->name, hist_line, &h, err);
		free(path);
		count++;
	}
	if (rc != TN_OK) {
		tn_err_prefix(err, "%s: _delta_log", t->root);
		delta_history_free(cs, count);
		return rc;
	}
	*out = cs;
	*n = count;
	return TN_OK;
}

void delta_history_free(struct delta_commit *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].operation);
		free(c[i].operation_parameters);
		free(c[i].operation_metrics);
		free(c[i].user_name);
		free(c[i].engine_info);
		free(c[i].isolation_level);
	}
	free(c);
}

const char *delta_commit_file(const struct delta_table *t, int64_t v)
{
	ssize_t i = delta_log_find(t, v, LOG_COMMIT);

	return i < 0 ? NULL : t->files[i].name;
}
