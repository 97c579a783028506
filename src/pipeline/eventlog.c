/* eventlog.c - a pipeline's event log: a Delta table of what each run did
 * (Databricks' event log fields), appended through the engine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "base/time.h"
#include "base/valfmt.h"
#include "delta/delta.h"
#include "pipeline/run_int.h"
#include "sql/sql.h"
#include "store/store.h"

static const char log_schema[] =
	"{\"type\":\"struct\",\"fields\":["
	"{\"name\":\"id\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"sequence\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"origin\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"timestamp\",\"type\":\"timestamp\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"message\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"level\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"event_type\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"details\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]}";

struct pl_eventlog {
	struct tarn_engine *e;
	char *path;
	char *pipeline;
	char *update_id;
	int64_t seq;      /* the last sequence number used */
	struct tn_buf sql; /* the pending INSERT */
	size_t pending;
};

void pl_uuid(char out[37])
{
	uint8_t r[16];
	size_t got = 0;

	while (got < sizeof(r)) {
		ssize_t k = getrandom(r + got, sizeof(r) - got, 0);

		if (k <= 0) { /* no entropy source: time and address, still unique enough */
			int64_t t = tn_time_now_us() ^ (int64_t)(uintptr_t)out;

			memcpy(r, &t, sizeof(t));
			memcpy(r + 8, &t, sizeof(t));
			break;
		}
		got += (size_t)k;
	}
	r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
	r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
		 r[13], r[14], r[15]);
}

static int create_log(const char *path, struct tn_err *err)
{
	struct store *st = store_local_new("");
	struct tn_schema schema;
	struct delta_create_opts o = {.schema = &schema, .name = "event_log"};
	struct delta_tx *tx = NULL;
	struct store_stat ss;
	char *log = tn_asprintf("%s/_delta_log", path);
	int rc;

	memset(&schema, 0, sizeof(schema));
	rc = store_stat(st, log, &ss, err);
	if (rc != TN_ENOENT)
		goto out; /* there already (or an error to report) */
	tn_err_clear(err);
	rc = delta_schema_parse(log_schema, &schema, err);
	if (rc == TN_OK)
		rc = delta_tx_create(st, path, &o, &tx, err);
	if (rc == TN_OK)
		rc = delta_tx_commit(tx, NULL, err);
	else
		delta_tx_abort(tx);
	if (rc == TN_EEXIST || rc == TN_ECONFLICT) { /* another run made it first */
		tn_err_clear(err);
		rc = TN_OK;
	}
out:
	tn_schema_done(&schema);
	free(log);
	store_free(st);
	return rc;
}

int pl_eventlog_open(struct tarn_engine *e, const char *path, const char *pipeline,
		     const char *update_id, struct pl_eventlog **out, struct tn_err *err)
{
	struct pl_eventlog *l;
	struct tn_buf q;
	char **row = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	rc = create_log(path, err);
	if (rc != TN_OK) {
		tn_err_prefix(err, "event log %s", path);
		return rc;
	}
	tn_buf_init(&q, 0);
	tn_buf_puts(&q, "SELECT max(sequence) FROM delta.`", NULL);
	tn_buf_puts(&q, path, NULL);
	tn_buf_puts(&q, "`", NULL);
	tn_buf_putc(&q, '\0', NULL);
	rc = pl_sql_row(e, (const char *)q.data, &row, &n, err);
	tn_buf_done(&q);
	if (rc != TN_OK) {
		tn_err_prefix(err, "event log %s", path);
		return rc;
	}
	l = tn_calloc(1, sizeof(*l));
	l->e = e;
	l->path = tn_strdup(path);
	l->pipeline = tn_strdup(pipeline);
	l->update_id = tn_strdup(update_id);
	l->seq = n > 0 && row[0] ? strtoll(row[0], NULL, 10) : 0;
	tn_buf_init(&l->sql, 0);
	pl_strv_free(row, n);
	*out = l;
	return TN_OK;
}

static void json_str(struct tn_buf *b, const char *s)
{
	if (s == NULL)
		tn_buf_puts(b, "null", NULL);
	else
		tn_json_string(b, s, strlen(s), NULL);
}

void pl_eventlog_add(struct pl_eventlog *l, const char *level, const char *event_type,
		     const char *flow, const char *message, const char *details)
{
	struct tn_buf origin;
	char id[37], ts[TN_TIME_BUFSZ];

	if (l == NULL)
		return;
	tn_buf_init(&origin, 0);
	tn_buf_puts(&origin, "{\"pipeline_name\":", NULL);
	json_str(&origin, l->pipeline);
	tn_buf_puts(&origin, ",\"update_id\":", NULL);
	json_str(&origin, l->update_id);
	if (flow != NULL) {
		tn_buf_puts(&origin, ",\"flow_name\":", NULL);
		json_str(&origin, flow);
		tn_buf_puts(&origin, ",\"dataset_name\":", NULL);
		json_str(&origin, flow);
	}
	tn_buf_putc(&origin, '}', NULL);
	tn_buf_putc(&origin, '\0', NULL);

	if (l->pending == 0) {
		tn_buf_puts(&l->sql, "INSERT INTO delta.`", NULL);
		tn_buf_puts(&l->sql, l->path, NULL);
		tn_buf_puts(&l->sql, "` VALUES ", NULL);
	} else {
		tn_buf_puts(&l->sql, ", ", NULL);
	}
	pl_uuid(id);
	tn_time_format(tn_time_now_us(), true, ts);
	tn_buf_printf(&l->sql, NULL, "('%s', %lld, ", id, (long long)++l->seq);
	pl_quote(&l->sql, (const char *)origin.data);
	tn_buf_printf(&l->sql, NULL, ", '%s', ", ts);
	pl_quote(&l->sql, message);
	tn_buf_puts(&l->sql, ", ", NULL);
	pl_quote(&l->sql, level);
	tn_buf_puts(&l->sql, ", ", NULL);
	pl_quote(&l->sql, event_type);
	tn_buf_puts(&l->sql, ", ", NULL);
	if (details)
		pl_quote(&l->sql, details);
	else
		tn_buf_puts(&l->sql, "NULL", NULL);
	tn_buf_putc(&l->sql, ')', NULL);
	l->pending++;
	tn_buf_done(&origin);
}

int pl_eventlog_flush(struct pl_eventlog *l, struct tn_err *err)
{
	int rc;

	if (l == NULL || l->pending == 0)
		return TN_OK;
	tn_buf_putc(&l->sql, '\0', NULL);
	rc = pl_sql(l->e, (const char *)l->sql.data, NULL, err);
	if (rc != TN_OK)
		tn_err_prefix(err, "event log %s", l->path);
	tn_buf_reset(&l->sql);
	l->pending = 0;
	return rc;
}

void pl_eventlog_close(struct pl_eventlog *l)
{
	if (l == NULL)
		return;
	tn_buf_done(&l->sql);
	free(l->path);
	free(l->pipeline);
	free(l->update_id);
	free(l);
}
