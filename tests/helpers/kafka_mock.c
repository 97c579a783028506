/* kafka_mock.c - a Kafka cluster for the pipeline tests (built for make
 * check only): librdkafka's mock cluster lives inside one process, so this
 * one keeps it. It makes topic "events" (2 partitions), prints the
 * bootstrap address, then for each line N on stdin produces N records
 * (key "k<seq>", value "v<seq>", partition seq % 2) and prints
 * "produced <total>". At the end of stdin it stays until killed. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	char why[256], line[64], key[32], val[32];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mock;
	long seq = 0;

	rd_kafka_conf_set(conf, "log_level", "0", why, sizeof(why));
	if (rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", why, sizeof(why)) !=
		    RD_KAFKA_CONF_OK ||
	    (rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why))) == NULL) {
		fprintf(stderr, "kafka_mock: %s\n", why);
		return 1;
	}
	mock = rd_kafka_handle_mock_cluster(rk);
	if (mock == NULL || rd_kafka_mock_topic_create(mock, "events", 2, 1) != 0) {
		fprintf(stderr, "kafka_mock: no mock cluster\n");
		return 1;
	}
	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mock));
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		long n = atol(line);

		for (long i = 0; i < n; i++, seq++) {
			int kn = snprintf(key, sizeof(key), "k%ld", seq);
			int vn = snprintf(val, sizeof(val), "v%ld", seq);

			if (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("events"),
					      RD_KAFKA_V_PARTITION((int32_t)(seq % 2)),
					      RD_KAFKA_V_KEY(key, (size_t)kn),
					      RD_KAFKA_V_VALUE(val, (size_t)vn),
					      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
					      RD_KAFKA_V_END) != 0) {
				fprintf(stderr, "kafka_mock: produce failed\n");
				return 1;
			}
			rd_kafka_poll(rk, 0);
		}
		if (rd_kafka_flush(rk, 30000) != 0) {
			fprintf(stderr, "kafka_mock: flush failed\n");
			return 1;
		}
		printf("produced %ld\n", seq);
		fflush(stdout);
	}
	for (;;)
		pause();
}
