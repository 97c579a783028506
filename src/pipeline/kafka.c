/* kafka.c - the Kafka source of pipelines (STREAM read_kafka(...)) through
 * librdkafka: a batch is every record up to the partitions' high
 * watermarks at fetch time (at most a cap), staged as JSON lines.
 *
 * Progress is tarn's own (the offsets log holds what *to says), so the
 * consumer never joins a group nor commits: it assigns partitions at
 * explicit offsets and stops when each reaches its end. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "base/time.h"
#include "base/valfmt.h"
#include "pipeline/run_int.h"

/* How long a broker may stay unreachable or silent before the fetch fails. */
#define KAFKA_TIMEOUT_MS 10000
/* One wait on the broker: cancel is looked at between waits. */
#define KAFKA_SLICE_MS 200

struct kopts {
	const char *servers;
	char **topics;
	size_t ntopics;
	bool latest;  /* startingOffsets => 'latest' */
	int64_t cap;  /* records (offsets) in one batch */
};

/* One partition of a fetch: read offsets [start, end). */
struct kpart {
	const char *topic; /* borrowed from kopts.topics */
	int32_t partition;
	int64_t start, end, next;
	bool done;
};

struct kfetch {
	const struct pl_fetch *f;
	struct kopts o;
	rd_kafka_t *rk;
	char last_error[256]; /* librdkafka's last error event (why a broker is down) */
	struct kpart *parts;
	size_t nparts;
};

static void kopts_done(struct kopts *o)
{
	for (size_t i = 0; i < o->ntopics; i++)
		free(o->topics[i]);
	free(o->topics);
}

/* Kafka's legal topic names: [a-zA-Z0-9._-], 1 to 249 bytes. */
static bool topic_ok(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 249)
		return false;
	for (; *t; t++)
		if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') ||
		      (*t >= '0' && *t <= '9') || *t == '.' || *t == '_' || *t == '-'))
			return false;
	return true;
}

static int split_topics(struct kopts *o, const char *list, struct tn_err *err)
{
	const char *p = list;

	for (;;) {
		const char *comma = strchr(p, ',');
		char *raw = tn_strndup(p, comma ? (size_t)(comma - p) : strlen(p));
		char *t = tn_strdup(tn_str_trim(raw));

		free(raw);
		if (!topic_ok(t)) {
			int rc = tn_err_set(err, TN_EINVAL,
					    "read_kafka: subscribe '%s': '%s' is not a topic name "
					    "(letters, digits, '.', '_', '-')",
					    list, t);
			free(t);
			return rc;
		}
		o->topics = tn_reallocarray(o->topics, o->ntopics + 1, sizeof(*o->topics));
		o->topics[o->ntopics++] = t;
		if (comma == NULL)
			return TN_OK;
		p = comma + 1;
	}
}

/* Librdkafka properties that would fight tarn's own progress or options. */
static const char *const refused_props[] = {
	"bootstrap.servers", "enable.auto.commit", "auto.offset.reset", "enable.partition.eof",
	NULL,
};

static int parse_opts(const struct pl_dataset *d, int64_t max_records, struct kopts *o,
		      struct tn_err *err)
{
	const char *subscribe = NULL;
	int64_t per_trigger = 0;
	int rc;

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < d->source.nopts; i++) {
		const char *k = d->source.opts[i].name, *v = d->source.opts[i].value;

		if (tn_str_ieq(k, "bootstrapServers")) {
			o->servers = v;
		} else if (tn_str_ieq(k, "subscribe")) {
			subscribe = v;
		} else if (tn_str_ieq(k, "startingOffsets")) {
			if (!tn_str_ieq(v, "earliest") && !tn_str_ieq(v, "latest"))
				return tn_err_set(err, TN_EINVAL,
						  "read_kafka: startingOffsets '%s': 'earliest' or "
						  "'latest'",
						  v);
			o->latest = tn_str_ieq(v, "latest");
		} else if (tn_str_ieq(k, "maxOffsetsPerTrigger")) {
			if ((rc = tn_parse_i64(v, &per_trigger, "read_kafka: maxOffsetsPerTrigger",
					       err)) != TN_OK)
				return rc;
			if (per_trigger <= 0)
				return tn_err_set(err, TN_EINVAL,
						  "read_kafka: maxOffsetsPerTrigger %s: not positive", v);
		} else if (strncasecmp(k, "kafka.", 6) == 0) {
			for (size_t r = 0; refused_props[r]; r++)
				if (tn_str_ieq(k + 6, refused_props[r]))
					return tn_err_set(err, TN_EINVAL,
							  "read_kafka: option %s is tarn's to set "
							  "(bootstrapServers, startingOffsets)",
							  k);
		} else {
			return tn_err_set(err, TN_EINVAL,
					  "read_kafka: unknown option '%s' (bootstrapServers, "
					  "subscribe, startingOffsets, maxOffsetsPerTrigger, "
					  "kafka.<property>)",
					  k);
		}
	}
	if (o->servers == NULL || !*o->servers)
		return tn_err_set(err, TN_EINVAL,
				  "read_kafka needs bootstrapServers => 'host:port[,...]'");
	if (subscribe == NULL)
		return tn_err_set(err, TN_EINVAL, "read_kafka needs subscribe => 'topic[,...]'");
	o->cap = max_records > 0 ? max_records : INT64_MAX;
	if (per_trigger > 0 && per_trigger < o->cap)
		o->cap = per_trigger;
	return split_topics(o, subscribe, err);
}

/* ---------------------------------------------------------------- client */

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	/* librdkafka would print to stderr, over the workbench's screen */
	(void)rk, (void)level, (void)fac, (void)buf;
}

static void on_error(rd_kafka_t *rk, int code, const char *reason, void *opaque)
{
	struct kfetch *k = opaque;

	(void)rk, (void)code;
	tn_strlcpy(k->last_error, reason, sizeof(k->last_error));
}

static int set_prop(rd_kafka_conf_t *conf, const char *name, const char *value,
		    struct tn_err *err)
{
	char why[256];

	if (rd_kafka_conf_set(conf, name, value, why, sizeof(why)) != RD_KAFKA_CONF_OK)
		return tn_err_set(err, TN_EINVAL, "read_kafka: kafka.%s: %s", name, why);
	return TN_OK;
}

static int client_new(struct kfetch *k, struct tn_err *err)
{
	const struct pl_dataset *d = k->f->d;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char why[512];
	int rc = TN_OK;

	rd_kafka_conf_set_opaque(conf, k);
	rd_kafka_conf_set_log_cb(conf, on_log);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rc = set_prop(conf, "bootstrap.servers", k->o.servers, err);
	/* as Spark's Kafka source: records of open transactions are read too,
	 * else a batch would wait for offsets below the high watermark that
	 * the broker holds back */
	if (rc == TN_OK)
		rc = set_prop(conf, "isolation.level", "read_uncommitted", err);
	/* assign() needs a group id, though no group is joined nor committed to */
	if (rc == TN_OK)
		rc = set_prop(conf, "group.id", "tarn-pipeline", err);
	if (rc == TN_OK)
		rc = set_prop(conf, "enable.auto.commit", "false", err);
	if (rc == TN_OK)
		rc = set_prop(conf, "enable.auto.offset.store", "false", err);
	if (rc == TN_OK)
		rc = set_prop(conf, "enable.partition.eof", "true", err);
	/* reading a topic must not make it */
	if (rc == TN_OK)
		rc = set_prop(conf, "allow.auto.create.topics", "false", err);
	for (size_t i = 0; rc == TN_OK && i < d->source.nopts; i++)
		if (strncasecmp(d->source.opts[i].name, "kafka.", 6) == 0)
			rc = set_prop(conf, d->source.opts[i].name + 6, d->source.opts[i].value, err);
	if (rc != TN_OK) {
		rd_kafka_conf_destroy(conf);
		return rc;
	}
	k->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why));
	if (k->rk == NULL) {
		rd_kafka_conf_destroy(conf);
		return tn_err_set(err, TN_EINVAL, "read_kafka: cannot make a consumer for %s: %s",
				  k->o.servers, why);
	}
	return TN_OK;
}

static bool cancelled(const struct kfetch *k)
{
	return k->f->cancel != NULL && *k->f->cancel != 0;
}

static int cancel_err(struct tn_err *err)
{
	return tn_err_set(err, TN_ECANCELED, "read_kafka: cancelled");
}

static int unreachable(const struct kfetch *k, rd_kafka_resp_err_t e, struct tn_err *err)
{
	return tn_err_set(err, TN_EIO, "read_kafka: broker %s not reachable within %d s: %s",
			  k->o.servers, KAFKA_TIMEOUT_MS / 1000,
			  k->last_error[0] ? k->last_error : rd_kafka_err2str(e));
}

/* The cluster's topics. All of them are asked for: a request naming a
 * topic may create it on brokers that auto-create topics. A topic still
 * electing its leaders is waited for. */
static int cluster_metadata(struct kfetch *k, const struct rd_kafka_metadata **md,
			    struct tn_err *err)
{
	int64_t deadline = tn_time_mono_us() + KAFKA_TIMEOUT_MS * INT64_C(1000);

	for (;;) {
		rd_kafka_resp_err_t e;
		bool settled = true;

		if (cancelled(k))
			return cancel_err(err);
		*md = NULL;
		e = rd_kafka_metadata(k->rk, 1, NULL, md, KAFKA_SLICE_MS);
		for (int i = 0; e == RD_KAFKA_RESP_ERR_NO_ERROR && i < (*md)->topic_cnt; i++)
			settled &= (*md)->topics[i].err != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE;
		if (e == RD_KAFKA_RESP_ERR_NO_ERROR && settled)
			return TN_OK;
		if (*md)
			rd_kafka_metadata_destroy(*md);
		*md = NULL;
		if (tn_time_mono_us() > deadline)
			return unreachable(k, e, err);
		if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
			usleep(KAFKA_SLICE_MS * 1000);
	}
}

/* The partitions of a topic. */
static int topic_partitions(const struct kfetch *k, const struct rd_kafka_metadata *md,
			    const char *topic, int32_t **parts, size_t *n, struct tn_err *err)
{
	const rd_kafka_metadata_topic_t *t = NULL;

	*parts = NULL;
	*n = 0;
	for (int i = 0; t == NULL && i < md->topic_cnt; i++)
		if (strcmp(md->topics[i].topic, topic) == 0)
			t = &md->topics[i];
	if (t == NULL || t->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
		return tn_err_set(err, TN_ENOENT, "read_kafka: no topic '%s' on %s", topic,
				  k->o.servers);
	if (t->err != RD_KAFKA_RESP_ERR_NO_ERROR)
		return tn_err_set(err, TN_EIO, "read_kafka: topic '%s' on %s: %s", topic,
				  k->o.servers, rd_kafka_err2str(t->err));
	if (t->partition_cnt == 0)
		return tn_err_set(err, TN_ENOENT, "read_kafka: topic '%s' on %s has no partitions",
				  topic, k->o.servers);
	*parts = tn_calloc((size_t)t->partition_cnt, sizeof(**parts));
	for (int i = 0; i < t->partition_cnt; i++)
		(*parts)[i] = t->partitions[i].id;
	*n = (size_t)t->partition_cnt;
	return TN_OK;
}

static int watermarks(struct kfetch *k, const char *topic, int32_t part, int64_t *lo, int64_t *hi,
		      struct tn_err *err)
{
	int64_t deadline = tn_time_mono_us() + KAFKA_TIMEOUT_MS * INT64_C(1000);

	for (;;) {
		rd_kafka_resp_err_t e;

		if (cancelled(k))
			return cancel_err(err);
		e = rd_kafka_query_watermark_offsets(k->rk, topic, part, lo, hi, 1000);
		if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
			return TN_OK;
		if (e != RD_KAFKA_RESP_ERR__TIMED_OUT && e != RD_KAFKA_RESP_ERR__TRANSPORT &&
		    e != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE &&
		    e != RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION)
			return tn_err_set(err, TN_EIO, "read_kafka: %s partition %d on %s: %s", topic,
					  (int)part, k->o.servers, rd_kafka_err2str(e));
		if (tn_time_mono_us() > deadline)
			return unreachable(k, e, err);
	}
}

/* ----------------------------------------------------------------- state */

/* f->from's next offset of topic/partition, or -1. */
static int64_t state_offset(const cJSON *state, const char *topic, int32_t part)
{
	char key[16];
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(state, topic), *v;

	snprintf(key, sizeof(key), "%d", (int)part);
	v = t ? cJSON_GetObjectItemCaseSensitive(t, key) : NULL;
	return cJSON_IsNumber(v) && v->valuedouble >= 0 ? (int64_t)v->valuedouble : -1;
}

static char *state_json(const struct kfetch *k)
{
	cJSON *o = cJSON_CreateObject();
	char *s, *out;

	for (size_t i = 0; i < k->nparts; i++) {
		const struct kpart *p = &k->parts[i];
		cJSON *t = cJSON_GetObjectItemCaseSensitive(o, p->topic);
		char key[16];

		if (t == NULL)
			t = cJSON_AddObjectToObject(o, p->topic);
		snprintf(key, sizeof(key), "%d", (int)p->partition);
		cJSON_AddNumberToObject(t, key, (double)p->next);
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	out = tn_strdup(s);
	cJSON_free(s);
	return out;
}

/* Every partition of the subscribed topics with its range [start, end):
 * from the state (new partitions and, on the first batch, every one from
 * startingOffsets) up to the high watermark now, the cap shared out. */
static int plan(struct kfetch *k, const cJSON *state, struct tn_err *err)
{
	const struct rd_kafka_metadata *md = NULL;
	int64_t left = k->o.cap;
	int rc = cluster_metadata(k, &md, err);

	for (size_t t = 0; rc == TN_OK && t < k->o.ntopics; t++) {
		int32_t *ids;
		size_t n;

		rc = topic_partitions(k, md, k->o.topics[t], &ids, &n, err);
		for (size_t i = 0; rc == TN_OK && i < n; i++) {
			struct kpart *p;
			int64_t lo, hi, at;

			rc = watermarks(k, k->o.topics[t], ids[i], &lo, &hi, err);
			if (rc != TN_OK)
				break;
			at = state_offset(state, k->o.topics[t], ids[i]);
			if (at < 0)
				at = state == NULL && k->o.latest ? hi : lo;
			/* records the broker deleted (retention) are gone: go on
			 * from the oldest it has */
			if (at < lo)
				at = lo;
			k->parts = tn_reallocarray(k->parts, k->nparts + 1, sizeof(*k->parts));
			p = &k->parts[k->nparts++];
			/* end holds the high watermark until the cap is shared out */
			*p = (struct kpart){k->o.topics[t], ids[i], at, hi > at ? hi : at, at, false};
		}
		free(ids);
	}
	if (md)
		rd_kafka_metadata_destroy(md);
	if (rc != TN_OK)
		return rc;
	/* share the cap: rounds of equal shares, so that one busy partition
	 * does not starve the others */
	{
		int64_t *want = tn_calloc(k->nparts + 1, sizeof(*want));
		size_t open = 0;

		for (size_t i = 0; i < k->nparts; i++) {
			want[i] = k->parts[i].end - k->parts[i].start;
			k->parts[i].end = k->parts[i].start;
			open += want[i] > 0;
		}
		while (left > 0 && open > 0) {
			int64_t share = left / (int64_t)open > 0 ? left / (int64_t)open : 1;

			open = 0;
			for (size_t i = 0; i < k->nparts && left > 0; i++) {
				int64_t take = want[i] < share ? want[i] : share;

				take = take < left ? take : left;
				k->parts[i].end += take;
				want[i] -= take;
				left -= take;
				open += want[i] > 0;
			}
		}
		free(want);
	}
	for (size_t i = 0; i < k->nparts; i++)
		k->parts[i].done = k->parts[i].end <= k->parts[i].start;
	return TN_OK;
}

/* ---------------------------------------------------------------- reading */

static struct kpart *part_of(struct kfetch *k, const char *topic, int32_t partition)
{
	for (size_t i = 0; i < k->nparts; i++)
		if (k->parts[i].partition == partition && strcmp(k->parts[i].topic, topic) == 0)
			return &k->parts[i];
	return NULL;
}

static void json_bytes(struct tn_buf *b, const char *name, const void *p, size_t n)
{
	tn_buf_printf(b, NULL, "\"%s\":", name);
	if (p == NULL) {
		tn_buf_puts(b, "null", NULL);
		return;
	}
	tn_buf_putc(b, '"', NULL);
	tn_base64(b, p, n, NULL);
	tn_buf_putc(b, '"', NULL);
}

/* One record as a JSON line: key and value base64 (their exact bytes),
 * the timestamp as the engine's timestamp text. */
static void record_line(struct tn_buf *b, const rd_kafka_message_t *m, const char *topic)
{
	rd_kafka_timestamp_type_t tt;
	int64_t ts = rd_kafka_message_timestamp(m, &tt);

	tn_buf_putc(b, '{', NULL);
	json_bytes(b, "key", m->key, m->key_len);
	tn_buf_putc(b, ',', NULL);
	json_bytes(b, "value", m->payload, m->len);
	tn_buf_printf(b, NULL, ",\"topic\":\"%s\",\"partition\":%d,\"offset\":%lld,", topic,
		      (int)m->partition, (long long)m->offset);
	if (tt == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || ts < 0) {
		tn_buf_puts(b, "\"timestamp\":null,\"timestampType\":-1}\n", NULL);
	} else {
		char when[TN_TIME_BUFSZ];

		/* Kafka's timestampType: 0 CreateTime, 1 LogAppendTime */
		tn_buf_printf(b, NULL, "\"timestamp\":\"%s\",\"timestampType\":%d}\n",
			      tn_time_format_ms(ts, true, when),
			      tt == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? 1 : 0);
	}
}

static int write_out(FILE *fp, struct tn_buf *b, const char *path, struct tn_err *err)
{
	if (b->len && fwrite(b->data, 1, b->len, fp) != b->len)
		return tn_err_sys(err, errno, "read_kafka: writing %s", path);
	tn_buf_reset(b);
	return TN_OK;
}

/* Poll until every partition has reached its end. */
static int consume(struct kfetch *k, FILE *fp, int64_t *rows, struct tn_err *err)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)k->nparts);
	int64_t idle_since = tn_time_mono_us();
	size_t left = 0;
	struct tn_buf b;
	rd_kafka_resp_err_t e;
	int rc = TN_OK;

	for (size_t i = 0; i < k->nparts; i++) {
		if (k->parts[i].done)
			continue;
		rd_kafka_topic_partition_list_add(l, k->parts[i].topic, k->parts[i].partition)
			->offset = k->parts[i].start;
		left++;
	}
	e = rd_kafka_assign(k->rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
		return tn_err_set(err, TN_EIO, "read_kafka: assigning partitions on %s: %s",
				  k->o.servers, rd_kafka_err2str(e));
	tn_buf_init(&b, 0);
	while (rc == TN_OK && left > 0) {
		rd_kafka_message_t *m;
		struct kpart *p;

		if (cancelled(k)) {
			rc = cancel_err(err);
			break;
		}
		m = rd_kafka_consumer_poll(k->rk, KAFKA_SLICE_MS);
		if (m == NULL) {
			if (tn_time_mono_us() - idle_since > KAFKA_TIMEOUT_MS * INT64_C(1000))
				rc = tn_err_set(err, TN_EIO,
						"read_kafka: no records from %s for %d s (%s)",
						k->o.servers, KAFKA_TIMEOUT_MS / 1000,
						k->last_error[0] ? k->last_error
								 : "the broker is silent");
			continue;
		}
		idle_since = tn_time_mono_us();
		p = m->rkt ? part_of(k, rd_kafka_topic_name(m->rkt), m->partition) : NULL;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			/* at the end the broker has: offsets up to it that were
			 * never delivered are gaps (compaction, transaction
			 * markers) */
			if (p && !p->done && m->offset >= p->end) {
				p->done = true;
				left--;
			}
		} else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			/* transport trouble is retried by librdkafka; the rest ends the batch */
			if (m->err != RD_KAFKA_RESP_ERR__TRANSPORT &&
			    m->err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
				rc = tn_err_set(err, TN_EIO, "read_kafka: %s%s%s on %s: %s",
						p ? "topic " : "", p ? p->topic : "", p ? "" : "consumer",
						k->o.servers, rd_kafka_message_errstr(m));
		} else if (p && !p->done) {
			if (m->offset < p->end) {
				record_line(&b, m, p->topic);
				(*rows)++;
			}
			if (m->offset >= p->end - 1) {
				p->done = true;
				left--;
			}
			if (b.len >= 1 << 20)
				rc = write_out(fp, &b, k->f->staged, err);
		}
		rd_kafka_message_destroy(m);
	}
	if (rc == TN_OK)
		rc = write_out(fp, &b, k->f->staged, err);
	tn_buf_done(&b);
	rd_kafka_assign(k->rk, NULL);
	return rc;
}

int pl_kafka_fetch(const struct pl_fetch *f, char **to, int64_t *rows, struct tn_err *err)
{
	struct kfetch k;
	cJSON *state = NULL;
	FILE *fp = NULL;
	int rc;

	*to = NULL;
	*rows = 0;
	memset(&k, 0, sizeof(k));
	k.f = f;
	rc = parse_opts(f->d, f->max_records, &k.o, err);
	if (rc == TN_OK && f->from != NULL) {
		state = cJSON_Parse(f->from);
		if (!cJSON_IsObject(state))
			rc = tn_err_set(err, TN_ECORRUPT,
					"read_kafka: the saved offsets are not a JSON object: %.80s",
					f->from);
	}
	if (rc == TN_OK)
		rc = client_new(&k, err);
	if (rc == TN_OK)
		rc = plan(&k, state, err);
	if (rc == TN_OK) {
		bool any = false;

		for (size_t i = 0; i < k.nparts; i++)
			any |= !k.parts[i].done;
		if (any) {
			fp = fopen(f->staged, "w");
			if (fp == NULL)
				rc = tn_err_sys(err, errno, "read_kafka: cannot create %s", f->staged);
		}
		if (fp)
			rc = consume(&k, fp, rows, err);
		/* the offsets log names the staged file: it must be whole on disk first */
		if (fp && rc == TN_OK && (fflush(fp) != 0 || fsync(fileno(fp)) != 0))
			rc = tn_err_sys(err, errno, "read_kafka: writing %s", f->staged);
		if (fp && fclose(fp) != 0 && rc == TN_OK)
			rc = tn_err_sys(err, errno, "read_kafka: writing %s", f->staged);
	}
	if (rc == TN_OK && *rows > 0) {
		for (size_t i = 0; i < k.nparts; i++)
			k.parts[i].next = k.parts[i].end;
		*to = state_json(&k);
	} else {
		*rows = 0;
		if (fp)
			unlink(f->staged);
	}
	if (k.rk) {
		rd_kafka_consumer_close(k.rk);
		rd_kafka_destroy(k.rk);
	}
	cJSON_Delete(state);
	free(k.parts);
	kopts_done(&k.o);
	return rc;
}

char *pl_kafka_relation(const struct pl_dataset *d, const char *staged)
{
	struct tn_buf b;

	(void)d;
	tn_buf_init(&b, 0);
	/* the hints give the columns Databricks' read_kafka types; JSON
	 * holds BINARY as base64, so key and value keep their exact bytes */
	tn_buf_puts(&b,
		    "(SELECT `key`, `value`, `topic`, `partition`, `offset`, `timestamp`, "
		    "`timestampType` FROM read_files(",
		    NULL);
	pl_quote(&b, staged);
	tn_buf_puts(&b,
		    ", format => 'json', schemaHints => 'key BINARY, value BINARY, "
		    "topic STRING, `partition` INT, `offset` BIGINT, `timestamp` TIMESTAMP, "
		    "timestampType INT'))",
		    NULL);
	return tn_buf_detach(&b, NULL);
}
