#!/usr/bin/env bash
# sql_cli.sh - SQL through the real tarn binary where one script cannot
# say it: time travel on the golden time-travel tables (each version read
# through SQL equals `tarn cat --version`, which delta_timetravel.sh holds
# against DuckDB), grants seen by another user, and error messages.
. "$(dirname "$0")/../lib.sh"
DATA=${TARN_TESTDATA:-$TARN_SRCDIR/../shared/testdata}/delta/golden
COMPARE=$DATA/../../../tools/jsonl_compare.py
L=$TEST_TMP/lake
sql() { "$TARN_BIN" --lakehouse "$L" sql "$@"; }

# ---- errors and grants (no test data needed) ----
sql -c "CREATE SCHEMA shop; CREATE TABLE shop.items (id BIGINT, price DOUBLE);
INSERT INTO shop.items VALUES (1, 9.5), (2, 3.0)" 2>/dev/null
ok $? "set-up"
run sql -c "SELECT * FROM shop.itms"
[ $RC -eq 1 ] && grep -q "did you mean main.shop.items" <<<"$ERR"
ok $? "an unknown table suggests the near name: $ERR"
run sql -c "SELECT prise FROM shop.items"
[ $RC -eq 1 ] && grep -q "did you mean price" <<<"$ERR"
ok $? "an unknown column suggests the near name: $ERR"
run sql -c "SELECT id,
  price FORM shop.items"
[ $RC -eq 1 ] && grep -q "^  *\^" <<<"$ERR" && grep -q -- "-c:2:" <<<"$ERR"
ok $? "a syntax error points at line 2 with a caret"
run sql -c "CREATE TABLE t (id BIGINT NOT NULL,, x INT)"
[ $RC -eq 1 ] && grep -q -- "-c:1:36: syntax error" <<<"$ERR" && grep -q "\^" <<<"$ERR"
ok $? "a syntax error in a lakehouse statement names line and column: $ERR"
run sql -c "INSERT INTO shop.items VALUES (3, 'cheap')"
[ $RC -eq 1 ] && grep -q "column price, row 1" <<<"$ERR"
ok $? "a value that does not fit names the column and the row: $ERR"

run env TARN_USER=bob "$TARN_BIN" --lakehouse "$L" sql -c "SELECT * FROM shop.items"
[ $RC -eq 1 ] && grep -q "permission denied: user bob lacks" <<<"$ERR"
ok $? "bob may not read the table: $ERR"
sql -c "GRANT USE CATALOG ON CATALOG main TO bob; GRANT USE SCHEMA, SELECT ON SCHEMA main.shop TO bob" 2>/dev/null
run env TARN_USER=bob "$TARN_BIN" --lakehouse "$L" sql --format csv -c "SELECT count(*) AS n FROM shop.items"
[ $RC -eq 0 ] && [ "$OUT" = "$(printf 'n\n2')" ]
ok $? "after GRANT SELECT bob reads it"
run env TARN_USER=bob "$TARN_BIN" --lakehouse "$L" sql -c "DELETE FROM shop.items"
[ $RC -eq 1 ] && grep -q "lacks MODIFY on table main.shop.items" <<<"$ERR"
ok $? "bob may not change it: $ERR"
run sql --format csv -c "SELECT count(*) FROM shop.items"
[ "$OUT" = "$(printf 'count(*)\n2')" ]
ok $? "the denied DELETE changed nothing"

# ---- time travel on the golden tables ----
if [ ! -d "$DATA" ] || ! command -v zstd >/dev/null; then
	echo "ok $((TAP_N + 1)) - golden time-travel tables # SKIP $DATA or zstd missing"
	TAP_N=$((TAP_N + 1))
	echo "1..$TAP_N"
	done_testing
fi
BASE=1540415658
for name in time-travel-start time-travel-start-start20 time-travel-partition-changes-a time-travel-schema-changes-a; do
	tar -C "$TEST_TMP" --zstd -xf "$DATA/$name.tar.zst" 2>/dev/null || { echo "Bail out! cannot unpack $name"; exit 1; }
	dir=$TEST_TMP/$name/delta
	for f in "$dir"/_delta_log/*.json; do
		v=$((10#$(basename "$f" .json)))
		touch -d "@$((BASE + 1200 * v))" "$f"
	done
	last=$(($(ls "$dir/_delta_log" | grep -c '^[0-9]\{20\}\.json$') - 1))
	sql -c "CREATE TABLE \`$name\` LOCATION '$dir'" 2>/dev/null
	for v in $(seq 0 "$last"); do
		"$TARN_BIN" cat --format jsonl --version "$v" "$dir" >"$TEST_TMP/want" 2>/dev/null
		sql --format jsonl -c "SELECT * FROM delta.\`$dir\` VERSION AS OF $v" >"$TEST_TMP/a" 2>"$TEST_TMP/err"
		python3 "$COMPARE" "$TEST_TMP/want" "$TEST_TMP/a" >/dev/null 2>&1
		ok $? "$name: delta.\`path\` VERSION AS OF $v $(head -c 200 "$TEST_TMP/err")"
		sql --format jsonl -c "SELECT * FROM \`$name\`@v$v" >"$TEST_TMP/b" 2>"$TEST_TMP/err"
		python3 "$COMPARE" "$TEST_TMP/want" "$TEST_TMP/b" >/dev/null 2>&1
		ok $? "$name: catalog table @v$v $(head -c 200 "$TEST_TMP/err")"
		ts=$(date -u -d "@$((BASE + 1200 * v + 600))" '+%Y-%m-%d %H:%M:%S')
		[ "$v" -lt "$last" ] || ts=$(date -u -d "@$((BASE + 1200 * v))" '+%Y-%m-%d %H:%M:%S')
		sql --format jsonl -c "SELECT * FROM main.default.\`$name\` TIMESTAMP AS OF '$ts'" >"$TEST_TMP/c" 2>"$TEST_TMP/err"
		python3 "$COMPARE" "$TEST_TMP/want" "$TEST_TMP/c" >/dev/null 2>&1
		ok $? "$name: TIMESTAMP AS OF '$ts' is version $v $(head -c 200 "$TEST_TMP/err")"
	done
	run sql -c "SELECT * FROM \`$name\` VERSION AS OF $((last + 1))"
	[ $RC -eq 1 ] && grep -q "not available" <<<"$ERR"
	ok $? "$name: a version past the last is an error: $ERR"
done
echo "1..$TAP_N"
done_testing
