#!/usr/bin/env bash
# http.sh - tarn pipeline run with read_http sources against a local JSON
# API (tests/pipeline/http_server.py): every page ingested, a rerun takes
# nothing, appended records are taken exactly once, a server error half
# way through a fetch fails the flow with the URL and status and commits
# nothing, and the rerun after it takes what it missed.
. "$(dirname "$0")/../lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not found"
plan 17
LH=$TEST_TMP/lh
P=$LH/pipelines/api
DATA=$TEST_TMP/records.jsonl
LOG=$TEST_TMP/requests.log
FAIL=$TEST_TMP/fail
mkdir -p "$P"
: >"$DATA"
t() { "$TARN_BIN" --lakehouse "$LH" "$@"; }
q() { t sql --format csv -c "$1" 2>/dev/null | tail -n 1; }
versions() { t sql --format csv -c "DESCRIBE HISTORY $1" 2>/dev/null | tail -n +2 | wc -l; }
# add FIRST N: records with ids FIRST.., updated_at growing with the id.
add() {
	awk -v f="$1" -v n="$2" 'BEGIN { for (i = f; i < f + n; i++)
		printf "{\"id\": %d, \"name\": \"n%d\", \"updated_at\": \"2024-01-01T00:%02d:00Z\"}\n",
			i, i, i }' >>"$DATA"
}

python3 "$TARN_SRCDIR/tests/pipeline/http_server.py" --data "$DATA" --log "$LOG" \
	--fail-file "$FAIL" >"$TEST_TMP/port" &
SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf "$TEST_TMP"' EXIT
for ((i = 0; i < 100; i++)); do
	[ -s "$TEST_TMP/port" ] && break
	sleep 0.05
done
PORT=$(head -n 1 "$TEST_TMP/port")
[ -n "$PORT" ] || { echo "Bail out! the test server did not start"; exit 1; }
URL=http://127.0.0.1:$PORT

cat >"$P/01_orders.sql" <<SQL
-- a relative next URL in a nested field; since= on the first request
CREATE OR REFRESH STREAMING TABLE orders AS
SELECT id, name, updated_at FROM STREAM read_http('$URL/cursor', nextField => 'paging.next',
  watermark => 'updated_at', watermarkParam => 'since');

-- page numbers, records under data, the watermark filtered client-side only
CREATE OR REFRESH STREAMING TABLE paged AS
SELECT * FROM STREAM read_http(url => '$URL/pages', PAGEPARAM => 'page', records => 'data',
  watermark => 'updated_at');
SQL

add 1 5
run t pipeline run api
ok $RC "run 1 completes (rc $RC: $ERR)"
[ "$(q 'SELECT count(*), sum(id) FROM main.api.orders')" = "5,15" ]
ok $? "orders: the 5 records of 3 pages"
[ "$(q 'SELECT count(*), sum(id) FROM main.api.paged')" = "5,15" ]
ok $? "paged: the 5 records of pages 1-3"
[ "$(grep -c '^GET /cursor' "$LOG")" = 3 ]; ok $? "orders: 3 requests, following paging.next"
[ "$(grep -c '^GET /pages' "$LOG")" = 4 ]; ok $? "paged: 4 requests, the last page empty"

v_orders=$(versions main.api.orders)
v_paged=$(versions main.api.paged)
: >"$LOG"
run t pipeline run api
ok $RC "run 2 completes (rc $RC: $ERR)"
[ "$(versions main.api.orders),$(versions main.api.paged)" = "$v_orders,$v_paged" ]
ok $? "run 2: nothing new, nothing committed"
grep -q '^GET /cursor?since=2024-01-01T00%3a05%3a00Z$' "$LOG"
ok $? "run 2 asks for records since the watermark"

add 6 3
run t pipeline run api
ok $RC "run 3 completes (rc $RC: $ERR)"
[ "$(q 'SELECT count(*), count(DISTINCT id), sum(id) FROM main.api.orders')" = "8,8,36" ]
ok $? "orders: exactly the 3 new records added (the server's since is inclusive)"
[ "$(q 'SELECT count(*), count(DISTINCT id), sum(id) FROM main.api.paged')" = "8,8,36" ]
ok $? "paged: exactly the 3 new records added (the server does not filter)"
echo "$OUT" | grep -Eq '^orders +completed +3 +3 '; ok $? "summary: orders read 3, wrote 3"

# A server error on the second page: the flow fails, nothing is committed.
add 9 3
touch "$FAIL"
v_orders=$(versions main.api.orders)
run t pipeline run api
[ "$RC" = 1 ]; ok $? "a server error fails the run (rc $RC)"
echo "$ERR" | grep -q "orders: GET $URL/cursor?since=2024-01-01T00%3A08%3A00Z&offset=2: HTTP status 500"
ok $? "the message names the flow, the URL and the status ($ERR)"
[ "$(q 'SELECT count(*) FROM main.api.orders'),$(versions main.api.orders)" = "8,$v_orders" ]
ok $? "nothing committed to orders"

rm -f "$FAIL"
run t pipeline run api
ok $RC "the rerun completes (rc $RC: $ERR)"
[ "$(q 'SELECT count(*), count(DISTINCT id), sum(id) FROM main.api.orders'),$(q 'SELECT count(*), count(DISTINCT id) FROM main.api.paged')" = "11,11,66,11,11" ]
ok $? "the rerun takes the 3 records the failed run missed, once"
done_testing
