/* test_pipeline_kafka.c - the Kafka source (kafka.c) against librdkafka's
 * in-process mock cluster: a first fetch stages every record with exact
 * key and value bytes and says the next offsets, a fetch from that state
 * finds nothing, new records alone come next, maxOffsetsPerTrigger caps a
 * batch, startingOffsets 'latest', the errors (unknown topic, unreachable
 * broker, bad options, cancel), and the staged batch read through
 * pl_kafka_relation by the engine. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIXTURE_NAME "kafka"
#include "engine_fixture.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "pipeline/pipeline.h"
#include "pipeline/run_int.h"

static rd_kafka_t *producer;
static rd_kafka_mock_cluster_t *mock;
static char staged[128];

static void produce(const char *topic, int32_t partition, const void *key, size_t klen,
		    const void *value, size_t vlen)
{
	rd_kafka_resp_err_t e = rd_kafka_producev(
		producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
		RD_KAFKA_V_KEY((void *)(uintptr_t)key, klen),
		RD_KAFKA_V_VALUE((void *)(uintptr_t)value, vlen),
		RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);

	assert_int_equal(e, RD_KAFKA_RESP_ERR_NO_ERROR);
	assert_int_equal(rd_kafka_flush(producer, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
}

static void produce_text(const char *topic, int32_t partition, const char *key, const char *value)
{
	produce(topic, partition, key, key ? strlen(key) : 0, value, strlen(value));
}

static int group_setup(void **state)
{
	char why[256];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	if (setup(state) != 0)
		return -1;
	rd_kafka_conf_set(conf, "log_level", "0", why, sizeof(why));
	/* a producer whose own mock cluster the fetches are pointed at */
	if (rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", why, sizeof(why)) !=
	    RD_KAFKA_CONF_OK)
		return -1;
	producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
	if (producer == NULL)
		return -1;
	mock = rd_kafka_handle_mock_cluster(producer);
	if (mock == NULL ||
	    rd_kafka_mock_topic_create(mock, "events", 2, 1) != RD_KAFKA_RESP_ERR_NO_ERROR ||
	    rd_kafka_mock_topic_create(mock, "other", 1, 1) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return -1;
	snprintf(staged, sizeof(staged), "%s/batch.json", dir);
	return 0;
}

static int group_teardown(void **state)
{
	rd_kafka_destroy(producer);
	return teardown(state);
}

/* A dataset reading read_kafka(<opts>) on the mock cluster. */
static void dataset(struct pipeline *p, const char *opts)
{
	char *text = tn_asprintf(
		"CREATE OR REFRESH STREAMING TABLE k AS SELECT * FROM STREAM "
		"read_kafka(bootstrapServers => '%s'%s%s)",
		rd_kafka_mock_cluster_bootstraps(mock), *opts ? ", " : "", opts);
	struct tn_err err;

	memset(p, 0, sizeof(*p));
	if (pipeline_parse(p, "f.sql", text, strlen(text), &err) != TN_OK)
		fail_msg("%s", err.msg);
	free(text);
}

/* Fetch into staged: must succeed. */
static int64_t fetch(const char *opts, const char *from, int64_t max, char **to)
{
	struct pipeline p;
	struct pl_fetch f = {0};
	struct tn_err err;
	int64_t rows = -1;

	dataset(&p, opts);
	f.d = &p.ds[0];
	f.from = from;
	f.staged = staged;
	f.max_records = max;
	unlink(staged);
	if (pl_kafka_fetch(&f, to, &rows, &err) != TN_OK)
		fail_msg("%s", err.msg);
	pipeline_free(&p);
	if (rows == 0) {
		assert_null(*to);
		assert_int_equal(access(staged, F_OK), -1);
	}
	return rows;
}

static int fetch_fails(const char *bootstrap, const char *opts, const volatile int *cancel,
		       struct tn_err *err)
{
	struct pipeline p;
	struct pl_fetch f = {0};
	char *text = tn_asprintf("CREATE OR REFRESH STREAMING TABLE k AS SELECT * FROM STREAM "
				 "read_kafka(bootstrapServers => '%s', %s)",
				 bootstrap, opts);
	char *to = NULL;
	int64_t rows = -1;
	int rc;

	memset(&p, 0, sizeof(p));
	assert_int_equal(pipeline_parse(&p, "f.sql", text, strlen(text), err), TN_OK);
	free(text);
	f.d = &p.ds[0];
	f.staged = staged;
	f.max_records = 1000;
	f.cancel = cancel;
	rc = pl_kafka_fetch(&f, &to, &rows, err);
	assert_null(to);
	assert_int_equal(rows, 0);
	pipeline_free(&p);
	return rc;
}

/* The first row of a query over the staged batch (`$` is its relation). */
static char *query(const char *sql)
{
	struct pipeline p;
	char *rel, *q, **vals, *out;
	const char *dollar = strchr(sql, '$');
	size_t n;
	struct tn_err err;

	dataset(&p, "subscribe => 'events'");
	rel = pl_kafka_relation(&p.ds[0], staged);
	q = tn_asprintf("%.*s%s%s", (int)(dollar - sql), sql, rel, dollar + 1);
	if (pl_sql_row(eng, q, &vals, &n, &err) != TN_OK)
		fail_msg("%s: %s", q, err.msg);
	assert_true(n >= 1);
	out = tn_strdup(vals[0] ? vals[0] : "NULL");
	pl_strv_free(vals, n);
	free(q);
	free(rel);
	pipeline_free(&p);
	return out;
}

static void assert_query(const char *sql, const char *want)
{
	char *got = query(sql);

	assert_string_equal(got, want);
	free(got);
}

static int64_t state_at(const char *to, const char *topic, const char *part)
{
	cJSON *o = cJSON_Parse(to), *t = cJSON_GetObjectItemCaseSensitive(o, topic);
	cJSON *v = cJSON_GetObjectItemCaseSensitive(t, part);
	int64_t n = cJSON_IsNumber(v) ? (int64_t)v->valuedouble : -1;

	cJSON_Delete(o);
	return n;
}

static void test_fetch(void **state)
{
	static const unsigned char bin[] = {0x00, 0xff, 0x80, 0x0a, '"', '\\'};
	char *to = NULL, *to2 = NULL;

	(void)state;
	/* an empty topic: nothing, and no state */
	assert_int_equal(fetch("subscribe => 'events'", NULL, 1000, &to), 0);

	produce_text("events", 0, NULL, "first");
	produce_text("events", 0, "k1", "0012");
	produce("events", 1, "\x00\x01", 2, bin, sizeof(bin));
	assert_int_equal(fetch("subscribe => 'events'", NULL, 1000, &to), 3);
	assert_int_equal(state_at(to, "events", "0"), 2);
	assert_int_equal(state_at(to, "events", "1"), 1);

	/* the staged records, through the relation the runner substitutes */
	assert_query("SELECT count(*) FROM $ AS r", "3");
	assert_query("SELECT CAST(value AS STRING) FROM $ AS r WHERE `offset` = 1 AND "
		     "`partition` = 0",
		     "0012");
	assert_query("SELECT coalesce(CAST(`key` AS STRING), 'null key') FROM $ AS r "
		     "WHERE CAST(value AS STRING) = 'first'",
		     "null key");
	assert_query("SELECT hex(value) || '/' || hex(`key`) || '/' || topic FROM $ AS r "
		     "WHERE `partition` = 1",
		     "00FF800A225C/0001/events");
	assert_query("SELECT typeof(value) FROM $ AS r WHERE `partition` = 1", "blob");
	{
		struct pipeline p;
		char *rel, *q;

		dataset(&p, "subscribe => 'events'");
		rel = pl_kafka_relation(&p.ds[0], staged);
		q = tn_asprintf("CREATE TABLE kt AS SELECT * FROM %s AS r", rel);
		exec(q);
		free(q);
		free(rel);
		pipeline_free(&p);
		/* stored in a table, the bytes stay exact */
		assert_query("SELECT hex(value) FROM main.default.kt WHERE `partition` = 1 "
			     "UNION ALL SELECT count(*) FROM $ AS r",
			     "00FF800A225C");
	}
	assert_query("SELECT count(*) FROM $ AS r WHERE timestampType = 0 AND "
		     "year(`timestamp`) >= 2024",
		     "3");

	/* from that state: nothing new */
	assert_int_equal(fetch("subscribe => 'events'", to, 1000, &to2), 0);

	/* new records: only they */
	produce_text("events", 1, "k2", "second");
	assert_int_equal(fetch("subscribe => 'events'", to, 1000, &to2), 1);
	assert_query("SELECT CAST(value AS STRING) || ' ' || `partition` || ' ' || `offset` FROM $ "
		     "AS r",
		     "second 1 1");
	assert_int_equal(state_at(to2, "events", "0"), 2);
	assert_int_equal(state_at(to2, "events", "1"), 2);
	free(to);
	to = to2;

	/* maxOffsetsPerTrigger caps a batch, shared between the partitions;
	 * the next batches go on where it stopped */
	for (int i = 0; i < 5; i++) {
		char v[16];

		snprintf(v, sizeof(v), "m%d", i);
		produce_text("events", i % 2, NULL, v);
	}
	assert_int_equal(fetch("subscribe => 'events', maxOffsetsPerTrigger => 2", to, 1000, &to2),
			 2);
	assert_int_equal(state_at(to2, "events", "0"), 3);
	assert_int_equal(state_at(to2, "events", "1"), 3);
	free(to);
	to = to2;
	/* the runner's own cap (f->max_records) when the option is absent */
	assert_int_equal(fetch("subscribe => 'events'", to, 1, &to2), 1);
	free(to);
	to = to2;
	assert_int_equal(fetch("subscribe => 'events'", to, 1000, &to2), 2);
	assert_query("SELECT count(*) FROM $ AS r WHERE CAST(value AS STRING) IN ('m3', 'm4')",
		     "2");
	assert_int_equal(state_at(to2, "events", "0"), 5);
	assert_int_equal(state_at(to2, "events", "1"), 4);
	free(to);
	free(to2);
}

static void test_topics_and_latest(void **state)
{
	char *to = NULL, *to2 = NULL;

	(void)state;
	produce_text("other", 0, NULL, "o1");
	/* 'latest' skips what is there; a comma list reads both topics */
	assert_int_equal(fetch("subscribe => 'events,other', startingOffsets => 'latest'", NULL,
			       1000, &to),
			 0);
	assert_int_equal(fetch("subscribe => 'events, other', startingOffsets => 'earliest'", NULL,
			       1000, &to),
			 10);
	assert_int_equal(state_at(to, "other", "0"), 1);
	/* startingOffsets only applies without state */
	produce_text("other", 0, NULL, "o2");
	assert_int_equal(fetch("subscribe => 'events,other', startingOffsets => 'latest'", to,
			       1000, &to2),
			 1);
	assert_query("SELECT topic || ':' || CAST(value AS STRING) FROM $ AS r", "other:o2");
	free(to);
	free(to2);
}

static void test_errors(void **state)
{
	struct tn_err err;
	const char *b = rd_kafka_mock_cluster_bootstraps(mock);
	volatile int cancel = 1;

	(void)state;
	assert_int_equal(fetch_fails(b, "subscribe => 'nosuch'", NULL, &err), TN_ENOENT);
	assert_non_null(strstr(err.msg, "no topic 'nosuch' on "));
	assert_int_equal(fetch_fails(b, "subscribe => 'a b'", NULL, &err), TN_EINVAL);
	assert_non_null(strstr(err.msg, "'a b' is not a topic name"));
	assert_int_equal(fetch_fails(b, "startingOffsets => 'earliest'", NULL, &err), TN_EINVAL);
	assert_string_equal(err.msg, "read_kafka needs subscribe => 'topic[,...]'");
	assert_int_equal(fetch_fails(b, "subscribe => 'events', startingOffsets => 'soon'", NULL,
				     &err),
			 TN_EINVAL);
	assert_int_equal(fetch_fails(b, "subscribe => 'events', groupIdPrefix => 'x'", NULL, &err),
			 TN_EINVAL);
	assert_non_null(strstr(err.msg, "unknown option 'groupIdPrefix'"));
	assert_int_equal(fetch_fails(b, "subscribe => 'events', `kafka.auto.offset.reset` => 'x'",
				     NULL, &err),
			 TN_EINVAL);
	assert_int_equal(fetch_fails(b, "subscribe => 'events', `kafka.no.such.prop` => 'x'", NULL,
				     &err),
			 TN_EINVAL);
	assert_non_null(strstr(err.msg, "kafka.no.such.prop"));
	assert_int_equal(fetch_fails(b, "subscribe => 'events'", &cancel, &err), TN_ECANCELED);
	/* nothing listens on port 1: fails after the bounded wait, naming it */
	assert_int_equal(fetch_fails("127.0.0.1:1", "subscribe => 'events'", NULL, &err), TN_EIO);
	assert_non_null(strstr(err.msg, "broker 127.0.0.1:1 not reachable within 10 s"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetch),
		cmocka_unit_test(test_topics_and_latest),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
