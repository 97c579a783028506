/* sources.c - streaming sources' input and progress: the files a source
 * path names, and the offsets log that says which batch reads what. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "pipeline/run_int.h"
#include "store/store.h"

void pl_batch_done(struct pl_batch *b)
{
	for (size_t i = 0; i < b->nfiles; i++)
		free(b->files[i]);
	free(b->files);
	free(b->staged);
	free(b->state);
	memset(b, 0, sizeof(*b));
}

char *pl_app_id(const char *pipeline, const char *dataset)
{
	return tn_asprintf("tarn-pipeline/%s/%s", pipeline, dataset);
}

static char *flow_dir(const char *root, const char *app_id, const char *leaf)
{
	char *safe = tn_strdup(app_id), *dir;

	for (char *c = safe; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '.'))
			*c = '_';
	dir = tn_asprintf("%s/_tarn_pipeline/%s/%s", root, safe, leaf);
	free(safe);
	return dir;
}

char *pl_offsets_dir(const char *root, const char *app_id)
{
	return flow_dir(root, app_id, "offsets");
}

char *pl_schema_file(const char *root, const char *app_id)
{
	return flow_dir(root, app_id, "schema");
}

char *pl_staged_dir(const char *root, const char *app_id)
{
	return flow_dir(root, app_id, "staged");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *pl_files_root(struct store *st, const char *path)
{
	struct store_stat ss;
	struct tn_err err;
	const char *slash = strrchr(path, '/');

	if (!store_is_glob(path) && store_stat(st, path, &ss, &err) == TN_OK && ss.is_dir)
		return tn_strdup(path);
	return slash ? tn_strndup(path, (size_t)(slash - path)) : tn_strdup(".");
}

static char *offsets_file(const char *dir, int64_t batch)
{
	return tn_asprintf("%s/%lld.json", dir, (long long)batch);
}

int pl_offsets_write(struct store *st, const char *dir, const struct pl_batch *b,
		     struct tn_err *err)
{
	cJSON *o = cJSON_CreateObject();
	char *text, *file;
	int rc;

	cJSON_AddNumberToObject(o, "batch", (double)b->batch);
	if (b->refresh) {
		cJSON_AddTrueToObject(o, "refresh");
	} else if (b->staged != NULL) {
		cJSON *state = cJSON_Parse(b->state ? b->state : "null");

		cJSON_AddStringToObject(o, "staged", b->staged);
		cJSON_AddItemToObject(o, "state", state ? state : cJSON_CreateNull());
	} else if (b->files != NULL || b->nfiles > 0) {
		cJSON *files = cJSON_AddArrayToObject(o, "files");

		for (size_t i = 0; i < b->nfiles; i++)
			cJSON_AddItemToArray(files, cJSON_CreateString(b->files[i]));
	} else {
		cJSON_AddNumberToObject(o, "fromVersion", (double)b->from);
		cJSON_AddNumberToObject(o, "toVersion", (double)b->to);
	}
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text == NULL)
		tn_fatal("out of memory writing offsets");
	file = offsets_file(dir, b->batch);
	rc = store_write(st, file, text, strlen(text), err);
	if (rc != TN_OK)
		tn_err_prefix(err, "%s", file);
	free(file);
	cJSON_free(text);
	return rc;
}

static int offsets_read(struct store *st, const char *dir, int64_t batch, struct pl_batch *out,
			struct tn_err *err)
{
	struct tn_buf buf;
	char *file = offsets_file(dir, batch);
	cJSON *o = NULL, *files, *v;
	int rc;

	memset(out, 0, sizeof(*out));
	out->batch = batch;
	tn_buf_init(&buf, 256u << 20);
	rc = store_read_all(st, file, &buf, err);
	if (rc == TN_OK) {
		o = cJSON_ParseWithLength((const char *)buf.data, buf.len);
		if (o == NULL || !cJSON_IsObject(o))
			rc = tn_err_set(err, TN_ECORRUPT, "%s: not a JSON object", file);
	}
	if (rc == TN_OK) {
		out->refresh = cJSON_IsTrue(cJSON_GetObjectItem(o, "refresh"));
		files = cJSON_GetObjectItem(o, "files");
		if (cJSON_IsArray(files)) {
			out->files = tn_calloc((size_t)cJSON_GetArraySize(files) + 1, sizeof(char *));
			cJSON_ArrayForEach(v, files)
				if (cJSON_IsString(v))
					out->files[out->nfiles++] = tn_strdup(v->valuestring);
		}
		v = cJSON_GetObjectItem(o, "staged");
		if (cJSON_IsString(v)) {
			out->staged = tn_strdup(v->valuestring);
			out->state = cJSON_PrintUnformatted(cJSON_GetObjectItem(o, "state"));
			if (out->state == NULL)
				tn_fatal("out of memory reading offsets");
		}
		v = cJSON_GetObjectItem(o, "fromVersion");
		out->from = cJSON_IsNumber(v) ? (int64_t)v->valuedouble : -1;
		v = cJSON_GetObjectItem(o, "toVersion");
		out->to = cJSON_IsNumber(v) ? (int64_t)v->valuedouble : -1;
	}
	cJSON_Delete(o);
	tn_buf_done(&buf);
	free(file);
	return rc;
}

/* The batch numbers in dir, ascending (none when dir is missing). */
static int offsets_batches(struct store *st, const char *dir, int64_t **out, size_t *n,
			   struct tn_err *err)
{
	struct store_list l = {0};
	int rc = store_list(st, dir, false, &l, err);

	*out = NULL;
	*n = 0;
	if (rc == TN_ENOENT) {
		tn_err_clear(err);
		return TN_OK;
	}
	if (rc != TN_OK)
		return rc;
	*out = tn_calloc(l.count + 1, sizeof(int64_t));
	for (size_t i = 0; i < l.count; i++) {
		const char *base = tn_path_base(l.entries[i].path);
		char *end;
		long long v = strtoll(base, &end, 10);

		if (end != base && strcmp(end, ".json") == 0 && v >= 0)
			(*out)[(*n)++] = v;
	}
	store_list_done(&l);
	for (size_t i = 1; i < *n; i++) /* few entries: insertion sort */
		for (size_t j = i; j > 0 && (*out)[j - 1] > (*out)[j]; j--) {
			int64_t t = (*out)[j];

			(*out)[j] = (*out)[j - 1];
			(*out)[j - 1] = t;
		}
	return TN_OK;
}

int pl_offsets_trim(struct store *st, const char *dir, int64_t committed, struct tn_err *err)
{
	int64_t *b;
	size_t n;
	int rc = offsets_batches(st, dir, &b, &n, err);

	for (size_t i = 0; rc == TN_OK && i < n; i++) {
		if (b[i] > committed) {
			char *f = offsets_file(dir, b[i]);

			rc = store_remove(st, f, err);
			free(f);
		}
	}
	free(b);
	return rc;
}

int pl_offsets_clear(struct store *st, const char *dir, struct tn_err *err)
{
	return pl_offsets_trim(st, dir, -1, err);
}

static int bsearch_str(char **v, size_t n, const char *s)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v[mid], s);

		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int pl_plan(struct store *st, const char *dir, int64_t committed, const char *path,
	    int64_t latest, struct pl_batch *out, bool *reused, struct tn_err *err)
{
	struct pl_batch prev;
	int64_t *b = NULL;
	size_t n = 0, nseen = 0;
	char **seen = NULL, **all = NULL, *root = NULL;
	size_t nall = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	*reused = false;
	rc = offsets_batches(st, dir, &b, &n, err);
	if (rc != TN_OK)
		return rc;
	/* A batch planned and not committed: run exactly it again. */
	for (size_t i = 0; i < n; i++) {
		if (b[i] != committed + 1)
			continue;
		rc = offsets_read(st, dir, b[i], out, err);
		if (rc == TN_OK && !out->refresh) {
			*reused = true;
			goto out;
		}
		pl_batch_done(out); /* a refresh that did not commit: plan afresh */
		if (rc != TN_OK)
			goto out;
	}
	out->batch = committed + 1;
	out->from = out->to = -1;
	/* What the committed batches since the last refresh read. */
	for (size_t i = 0; i < n && b[i] <= committed; i++) {
		rc = offsets_read(st, dir, b[i], &prev, err);
		if (rc != TN_OK)
			goto out;
		if (prev.refresh) {
			for (size_t j = 0; j < nseen; j++)
				free(seen[j]);
			nseen = 0;
			out->from = -1;
		} else if (path == NULL) {
			out->from = prev.to;
		}
		seen = tn_reallocarray(seen, nseen + prev.nfiles + 1, sizeof(char *));
		for (size_t j = 0; j < prev.nfiles; j++) {
			seen[nseen++] = prev.files[j];
			prev.files[j] = NULL;
		}
		pl_batch_done(&prev);
	}
	if (path == NULL) {
		/* A table source: continue after the last version read. */
		out->to = latest > out->from ? latest : out->from;
		goto out;
	}
	if (nseen > 1) /* qsort wants a non-NULL base even for nothing */
		qsort(seen, nseen, sizeof(char *), cmp_str);
	rc = store_glob(st, path, &all, &nall, err);
	if (rc != TN_OK)
		goto out;
	root = pl_files_root(st, path);
	out->files = tn_calloc(nall + 1, sizeof(char *));
	for (size_t i = 0, budget = 0, rootlen = strlen(root); i < nall; i++) {
		/* a batch's files => list stays bounded; the rest wait for
		 * the next batch */
		size_t rel = strlen(all[i]) > rootlen ? strlen(all[i]) - rootlen : strlen(all[i]);

		if (bsearch_str(seen, nseen, all[i]) ||
		    (out->nfiles > 0 && budget + rel + 1 > PL_BATCH_LIST_MAX)) {
			free(all[i]);
			continue;
		}
		budget += rel + 1;
		out->files[out->nfiles++] = all[i];
	}
out:
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	free(all);
	free(root);
	free(b);
	return rc;
}

int pl_plan_fetch(struct store *st, const char *dir, const char *staged_dir, int64_t committed,
		  struct pl_batch *out, char **from, bool *reused, struct tn_err *err)
{
	struct pl_batch prev;
	struct store_list l = {0};
	int64_t *b = NULL;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	*from = NULL;
	*reused = false;
	rc = offsets_batches(st, dir, &b, &n, err);
	/* the state after the newest committed batch, unless a refresh came after it */
	for (size_t i = n; rc == TN_OK && i-- > 0;) {
		if (b[i] == committed + 1) {
			rc = offsets_read(st, dir, b[i], out, err);
			if (rc == TN_OK && !out->refresh && out->staged != NULL) {
				*reused = true; /* planned by a run that did not commit it */
				goto out;
			}
			pl_batch_done(out);
			continue;
		}
		if (b[i] > committed)
			continue;
		rc = offsets_read(st, dir, b[i], &prev, err);
		if (rc == TN_OK && !prev.refresh) {
			*from = prev.state;
			prev.state = NULL;
		}
		pl_batch_done(&prev);
		break;
	}
	if (rc != TN_OK)
		goto out;
	out->batch = committed + 1;
	out->from = out->to = -1;
	/* committed batches' staged files are no longer needed */
	if (store_list(st, staged_dir, false, &l, err) == TN_OK) {
		for (size_t i = 0; i < l.count; i++) {
			const char *base = tn_path_base(l.entries[i].path);
			char *end;
			long long v = strtoll(base, &end, 10);

			if (end != base && v <= committed)
				store_remove(st, l.entries[i].path, NULL);
		}
		store_list_done(&l);
	}
	tn_err_clear(err);
out:
	free(b);
	return rc;
}
