#!/usr/bin/env bash
# run.sh - tarn pipeline run: streaming tables from files and tables, a
# materialized view, expectations (keep, drop, fail) with exact counts,
# incremental and exactly-once ingestion (also after SIGKILL), the event
# log, --full-refresh, and errors refused before anything runs.
. "$(dirname "$0")/../lib.sh"
plan 32
LH=$TEST_TMP/lh
LAND=$TEST_TMP/land
P=$LH/pipelines/sales
mkdir -p "$LAND" "$P"
t() { "$TARN_BIN" --lakehouse "$LH" "$@"; }
count() { t sql --format csv -c "SELECT count(*) FROM $1" 2>/dev/null | tail -n 1; }
# land N FIRST: a CSV file of N rows with ids from FIRST; every 5th amount negative.
land() {
	awk -v n="$2" -v f="$3" 'BEGIN { print "id,name,amount";
		for (i = f; i < f + n; i++) printf "%d,n%d,%d\n", i, i, (i % 5 == 0 ? -i : i) }' >"$LAND/$1"
}
cat >"$P/01_bronze.sql" <<SQL
CREATE OR REFRESH STREAMING TABLE bronze
COMMENT 'raw orders'
AS SELECT * FROM STREAM read_files('$LAND', format => 'csv');
SQL
cat >"$P/02_silver.sql" <<SQL
CREATE OR REFRESH STREAMING TABLE silver (
  CONSTRAINT positive EXPECT (amount > 0) ON VIOLATION DROP ROW,
  CONSTRAINT small EXPECT (id < 15)
) AS SELECT id, name, amount FROM STREAM(bronze);

CREATE OR REFRESH MATERIALIZED VIEW gold AS
SELECT count(*) AS n, sum(amount) AS total FROM silver;
SQL
land a.csv 10 1
land .hidden.csv 3 100
run t pipeline run sales
ok $RC "first run completes (rc $RC: $ERR)"
[ "$(count main.sales.bronze)" = 10 ]; ok $? "bronze has the 10 rows (hidden file left out)"
[ "$(count main.sales.silver)" = 8 ]; ok $? "silver drops the 2 negative amounts"
echo "$OUT" | grep -Eq '^silver +completed +10 +8 +2 +2 '; ok $? "summary: silver read 10, wrote 8, dropped 2"
[ "$(t sql --format csv -c 'SELECT n, total FROM main.sales.gold' | tail -n 1)" = "8,40" ]
ok $? "gold aggregates silver"

v=$(t sql --format csv -c "SELECT count(*) FROM main.sales.bronze VERSION AS OF 0" | tail -n 1)
start=$(date +%s%N)
run t pipeline run sales
ms=$(( ($(date +%s%N) - start) / 1000000 ))
ok $RC "a run with no new files completes"
v2=$(t sql --format csv -c "SELECT count(*) FROM main.sales.bronze VERSION AS OF 0" | tail -n 1)
[ "$v" = "$v2" ]; ok $? "no new files: nothing committed to bronze (version $v2)"
diag "no-op run: $ms ms"

land b.csv 10 11
run t pipeline run sales
[ "$(count main.sales.bronze)" = 20 ]; ok $? "a new file is taken once (20 rows)"
[ "$(count main.sales.silver)" = 16 ]; ok $? "silver takes only bronze's new versions (16)"
echo "$OUT" | grep -Eq '^silver +completed +10 +8 +2 +8 '; ok $? "expectation 'small' failed on 6 rows of the batch, kept"
[ "$(t sql --format csv -c 'SELECT count(*) FROM main.sales.silver WHERE id >= 15' | tail -n 1)" = 4 ]
ok $? "KEEP keeps the rows that break it"

# Event log: flow_progress rows with the counts.
EL=$P/_event_log
n=$(t sql --format csv -c "SELECT count(*) FROM delta.\`$EL\` WHERE event_type = 'flow_progress'" | tail -n 1)
[ "$n" = 9 ]; ok $? "event log: 9 flow_progress events over 3 runs ($n)"
t sql --format csv -c "SELECT details FROM delta.\`$EL\` WHERE event_type = 'flow_progress' AND origin LIKE '%\"flow_name\":\"silver\"%' ORDER BY sequence DESC LIMIT 1" | sed 's/""/"/g' >"$TEST_TMP/d"
grep -q '"num_input_rows":10,"num_output_rows":8' "$TEST_TMP/d" && grep -q '"dropped_records":2' "$TEST_TMP/d" &&
	grep -q '"name":"small","dataset":"silver","passed_records":4,"failed_records":6' "$TEST_TMP/d"
ok $? "event log: silver's metrics and expectations"
seqs=$(t sql --format csv -c "SELECT count(DISTINCT sequence), count(*) FROM delta.\`$EL\`" | tail -n 1)
[ "${seqs%,*}" = "${seqs#*,}" ]; ok $? "event log sequence numbers are unique across runs ($seqs)"

# FAIL UPDATE: the flow fails, nothing committed, dependents skipped.
cat >"$P/03_strict.sql" <<SQL
CREATE OR REFRESH MATERIALIZED VIEW strict (
  CONSTRAINT low EXPECT (id < 18) ON VIOLATION FAIL UPDATE
) AS SELECT * FROM silver;
CREATE OR REFRESH MATERIALIZED VIEW after_strict AS SELECT count(*) AS n FROM strict;
SQL
run t pipeline run sales
[ "$RC" = 1 ]; ok $? "a FAIL UPDATE expectation fails the run (rc $RC)"
echo "$ERR" | grep -q "expectation 'low' failed on 2 rows (FAIL UPDATE)"; ok $? "the message names the expectation and the rows"
t sql -c "DESCRIBE HISTORY main.sales.strict" >/dev/null 2>&1; [ $? != 0 ]; ok $? "nothing committed for the failed dataset"
echo "$OUT" | grep -Eq '^after_strict +skipped'; ok $? "its dependent is skipped"
rm "$P/03_strict.sql"

# SIGKILL mid-run, several times, then runs until done: exactly once.
for i in $(seq 1 40); do land "k$i.csv" 50 $((1000 + i * 50)); done
k=0
for delay in 0.05 0.1 0.2 0.3 0.5; do
	k=$((k + 1))
	"$TARN_BIN" --lakehouse "$LH" pipeline run sales >/dev/null 2>&1 & # not t: $! must be tarn
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	land "kk$k.csv" 5 $((5000 + k * 10))
done
t pipeline run sales >/dev/null 2>&1
t pipeline run sales >/dev/null 2>&1
ids=$(t sql --format csv -c "SELECT count(*), count(DISTINCT id) FROM main.sales.bronze" | tail -n 1)
expect=$((20 + 40 * 50 + 5 * 5))
[ "$ids" = "$expect,$expect" ]; ok $? "after SIGKILLs bronze has every row once ($ids, want $expect)"
sv=$(t sql --format csv -c "SELECT count(*), count(DISTINCT id) FROM main.sales.silver" | tail -n 1)
want=$(t sql --format csv -c "SELECT count(*) FROM main.sales.bronze WHERE amount > 0" | tail -n 1)
[ "$sv" = "$want,$want" ]; ok $? "silver too ($sv, want $want)"

# --full-refresh: read everything again, once.
run t pipeline run --full-refresh sales
ok $RC "a full refresh completes"
[ "$(count main.sales.bronze)" = "$expect" ]; ok $? "after a full refresh bronze has every row once"

# APPLY CHANGES: SCD type 2 and type 1 from a streaming table of changes,
# against hand-computed tables, over two runs.
C=$LH/pipelines/cdc
mkdir -p "$C" "$TEST_TMP/changes"
printf 'id,name,seq,op\n1,ann,1,U\n2,bob,1,U\n1,anna,2,U\n' >"$TEST_TMP/changes/a.csv"
cat >"$C/p.sql" <<EOF
CREATE OR REFRESH STREAMING TABLE changes AS
SELECT * FROM STREAM read_files('$TEST_TMP/changes', format => 'csv', header => true);
CREATE OR REFRESH STREAMING TABLE dim2;
APPLY CHANGES INTO dim2 FROM STREAM(changes) KEYS (id) APPLY AS DELETE WHEN op = 'D'
  SEQUENCE BY seq COLUMNS * EXCEPT (op) STORED AS SCD TYPE 2;
CREATE OR REFRESH STREAMING TABLE dim1;
APPLY CHANGES INTO dim1 FROM STREAM(changes) KEYS (id) APPLY AS DELETE WHEN op = 'D'
  SEQUENCE BY seq COLUMNS * EXCEPT (op);
EOF
rows() { t sql --format csv -c "$1" | tail -n +2 | tr '\n' ' '; }
run t pipeline run cdc
got=$(rows "SELECT id, name, __START_AT, __END_AT FROM main.cdc.dim2 ORDER BY id, __START_AT")
[ "$RC" = 0 ] && [ "$got" = "1,ann,1,2 1,anna,2, 2,bob,1, " ]; ok $? "SCD2 after the first batch ($got)"
printf 'id,name,seq,op\n2,bob,3,D\n3,cy,3,U\n' >"$TEST_TMP/changes/b.csv"
run t pipeline run cdc
got=$(rows "SELECT id, name, __START_AT, __END_AT FROM main.cdc.dim2 ORDER BY id, __START_AT")
[ "$RC" = 0 ] && [ "$got" = "1,ann,1,2 1,anna,2, 2,bob,1,3 3,cy,3, " ]; ok $? "SCD2 closes a deleted key and adds a new one ($got)"
got=$(rows "SELECT id, name, seq FROM main.cdc.dim1 ORDER BY id")
[ "$got" = "1,anna,2 3,cy,3 " ]; ok $? "SCD1 keeps the latest row per key, deletes removed ($got)"
v1=$(t sql --format csv -c "DESCRIBE HISTORY main.cdc.dim2 LIMIT 1" | tail -n 1 | cut -d, -f1)
run t pipeline run cdc
n=$(t sql --format csv -c "SELECT count(*) FROM main.cdc.dim2" | tail -n 1)
v2=$(t sql --format csv -c "DESCRIBE HISTORY main.cdc.dim2 LIMIT 1" | tail -n 1 | cut -d, -f1)
[ "$RC" = 0 ] && [ "$n" = 4 ] && [ "$v1" = "$v2" ]; ok $? "a run with no new changes commits nothing ($n rows, version $v1 then $v2)"
run t pipeline run --dataset changes cdc
[ "$RC" = 0 ] && echo "$OUT" | grep -Eq '^changes +completed' && ! echo "$OUT" | grep -Eq '^dim2 +completed'
ok $? "--dataset runs only that dataset"

# Schema evolution (as Auto Loader): a later file's new column is added to
# the table; a value that does not fit the type the earlier files gave
# the column is rescued, not turned into a type change or a failed flow.
E=$LH/pipelines/evolve
mkdir -p "$E" "$TEST_TMP/evo"
printf 'id,amount\n1,2.5\n2,3.5\n' >"$TEST_TMP/evo/1.csv"
cat >"$E/a.sql" <<SQL
CREATE OR REFRESH STREAMING TABLE raw
AS SELECT * FROM STREAM read_files('$TEST_TMP/evo', format => 'csv');
SQL
run t pipeline run evolve
printf 'id,amount,channel\n3,n/a,web\n4,4.5,shop\n' >"$TEST_TMP/evo/2.csv"
run t pipeline run evolve
got=$(rows "SELECT id, amount, channel, _rescued_data IS NOT NULL AND _rescued_data LIKE '%\"amount\":\"n/a\"%' FROM main.evolve.raw ORDER BY id")
[ "$RC" = 0 ] && [ "$got" = "1,2.5,,0 2,3.5,,0 3,,web,1 4,4.5,shop,0 " ]
ok $? "a new column is added, a value that does not fit is rescued ($got; $ERR)"
ty=$(t sql --format csv -c "DESCRIBE TABLE main.evolve.raw" | grep -E '^(amount|channel),' | cut -d, -f1,2 | tr '\n' ' ')
[ "$ty" = "amount,double channel,string " ]; ok $? "amount stays double, channel is string ($ty)"

# Refused before anything runs: unknown reference, cycle, syntax error.
for case in unknown cycle syntax; do
	Q=$LH/pipelines/bad_$case
	mkdir -p "$Q"
	case $case in
	unknown) printf 'CREATE OR REFRESH MATERIALIZED VIEW m AS\nSELECT * FROM nowhere;\n' >"$Q/a.sql" ;;
	cycle) printf 'CREATE OR REFRESH MATERIALIZED VIEW x AS SELECT * FROM y;\nCREATE OR REFRESH MATERIALIZED VIEW y AS SELECT * FROM x;\n' >"$Q/a.sql" ;;
	syntax) printf 'CREATE OR REFRESH MATERIALIZED VIEW m AS SELECT 1;\nCREATE OR REFRESH STREAMING m2 AS SELECT 1;\n' >"$Q/a.sql" ;;
	esac
	run t pipeline run "bad_$case"
	[ "$RC" = 1 ] && echo "$ERR" | grep -q "a.sql:[0-9]" &&
		! t sql -c "DESCRIBE TABLE main.bad_$case.m" >/dev/null 2>&1 &&
		! t sql -c "DESCRIBE TABLE main.bad_$case.x" >/dev/null 2>&1
	ok $? "$case: refused with FILE:LINE, no table created ($(echo "$ERR" | head -n 1))"
done
done_testing
