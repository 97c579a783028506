#!/usr/bin/env bash
# kafka.sh - tarn pipeline run on a Kafka source (tests/helpers/kafka_mock:
# librdkafka's mock cluster in a process of its own): a run ingests every
# record, a second nothing, a third exactly the new ones, and a run killed
# with SIGKILL then rerun leaves no duplicate and no gap.
. "$(dirname "$0")/../lib.sh"
plan 9
MOCK=${TARN_BUILDDIR:-$TARN_SRCDIR}/tests/helpers/kafka_mock
LH=$TEST_TMP/lh
P=$LH/pipelines/stream
mkdir -p "$P"
t() { "$TARN_BIN" --lakehouse "$LH" "$@"; }
q() { t sql --format csv -c "$1" 2>/dev/null | tail -n 1 | tr -d '"'; }
mkfifo "$TEST_TMP/in"
"$MOCK" <"$TEST_TMP/in" >"$TEST_TMP/mock.out" 2>"$TEST_TMP/mock.err" &
MOCK_PID=$!
exec 3>"$TEST_TMP/in"
trap 'kill $MOCK_PID 2>/dev/null; rm -rf "$TEST_TMP"' EXIT
# produce N: N more records; waits for the total to be acknowledged.
TOTAL=0
produce() {
	TOTAL=$((TOTAL + $1))
	echo "$1" >&3
	for _ in $(seq 300); do
		grep -qx "produced $TOTAL" "$TEST_TMP/mock.out" && return 0
		sleep 0.1
	done
	return 1
}
for _ in $(seq 100); do [ -s "$TEST_TMP/mock.out" ] && break; sleep 0.1; done
BS=$(head -n 1 "$TEST_TMP/mock.out")
cat >"$P/01_events.sql" <<SQL
CREATE OR REFRESH STREAMING TABLE events AS
SELECT CAST(value AS STRING) AS v, CAST(key AS STRING) AS k, \`partition\`, \`offset\`, \`timestamp\`
FROM STREAM read_kafka(bootstrapServers => '$BS', subscribe => 'events',
  maxOffsetsPerTrigger => 500);
SQL
T=main.stream.events
# rows, distinct (partition, offset) pairs, and rows whose value is not v<n> of key k<n>
check() {
	q "SELECT count(*) || ',' || count(DISTINCT \`partition\` || ':' || \`offset\`) || ',' ||
	   count(*) FILTER (WHERE substr(v, 2) <> substr(k, 2)) FROM $T"
}

produce 10
run t pipeline run stream
ok $RC "run 1 completes (rc $RC: $ERR)"
[ "$(check)" = "10,10,0" ]; ok $? "run 1 ingests the 10 records ($(check))"
[ "$(q "SELECT typeof(\`timestamp\`) FROM $T LIMIT 1")" = text ] &&
	[ "$(t sql --format csv -c "DESCRIBE TABLE $T" | grep -c '^timestamp,timestamp')" = 1 ]
ok $? "timestamp is a TIMESTAMP column"

run t pipeline run stream
[ "$RC" = 0 ] && [ "$(check)" = "10,10,0" ]; ok $? "run 2 ingests nothing new ($(check))"

produce 5
run t pipeline run stream
[ "$RC" = 0 ] && [ "$(check)" = "15,15,0" ]; ok $? "run 3 ingests exactly the 5 new ones ($(check))"

# SIGKILL in the middle of a run, then a rerun: nothing twice, nothing skipped
# (batches of at most 500 records: the run commits several times)
produce 5000
"$TARN_BIN" --lakehouse "$LH" pipeline run stream >/dev/null 2>&1 & # not t: $! must be tarn itself
pid=$!
sleep 0.5
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
diag "after the kill: $(check)"
run t pipeline run stream
ok $RC "the rerun after SIGKILL completes (rc $RC: $ERR)"
[ "$(check)" = "5015,5015,0" ]; ok $? "no duplicates, no gaps ($(check))"
[ "$(q "SELECT max(\`offset\`) FROM $T WHERE \`partition\` = 0")" = 2507 ]
ok $? "partition 0 read up to its last offset"

run t pipeline run stream
[ "$RC" = 0 ] && [ "$(check)" = "5015,5015,0" ]; ok $? "and one more run adds nothing"
