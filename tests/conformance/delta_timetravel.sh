#!/usr/bin/env bash
# delta_timetravel.sh - the golden time-travel tables at every version and
# time. Their commit times were lost in packing; as ../shared/README.md
# says, commit v is given the time 1540415658000 ms + 20 minutes * v. Then:
# each version reads as DuckDB's independent reader (delta_read.mjs) reads
# it; --timestamp at and between commit times picks the right version;
# out-of-range versions and times are clear errors.
. "$(dirname "$0")/../lib.sh"
DATA=${TARN_TESTDATA:-$TARN_SRCDIR/../shared/testdata}/delta/golden
[ -d "$DATA" ] || skip_all "Delta golden tables not found at $DATA"
command -v zstd >/dev/null || skip_all "zstd (to unpack the tables) not installed"
command -v python3 >/dev/null || skip_all "python3 (for jsonl_compare.py) not installed"
PEER=${TARN_DUCKDB_PEER:-$TARN_SRCDIR/build-peers/duckdb}
COMPARE=$DATA/../../../tools/jsonl_compare.py
TABLES="time-travel-start time-travel-start-start20 time-travel-partition-changes-a time-travel-schema-changes-a"
BASE=1540415658 # seconds

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
n=0
for name in $TABLES; do
	tar -C "$TEST_TMP" --zstd -xf "$DATA/$name.tar.zst" 2>/dev/null || { echo "Bail out! cannot unpack $name"; exit 1; }
	log=$TEST_TMP/$name/delta/_delta_log
	for f in "$log"/*.json; do
		v=$((10#$(basename "$f" .json)))
		touch -d "@$((BASE + 1200 * v))" "$f"
	done
	latest=$(ls "$log" | grep -c '^[0-9]\{20\}\.json$')
	n=$((n + 6 * latest + 3))
done
plan "$n"

same() { python3 "$COMPARE" "$1" "$2" >"$TEST_TMP/cmp" 2>&1; }
for name in $TABLES; do
	dir=$TEST_TMP/$name/delta
	last=$(($(ls "$dir/_delta_log" | grep -c '^[0-9]\{20\}\.json$') - 1))
	for v in $(seq 0 "$last"); do
		t=$((BASE + 1200 * v))
		"$TARN_BIN" cat --format jsonl --version "$v" "$dir" >"$TEST_TMP/v" 2>"$TEST_TMP/err"
		ok $? "$name: version $v reads $(head -c 200 "$TEST_TMP/err")"
		if [ -d "$PEER/node_modules" ]; then
			(cd "$PEER" && node delta_read.mjs "$dir" --version "$v") >"$TEST_TMP/duck" 2>"$TEST_TMP/derr"
			same "$TEST_TMP/duck" "$TEST_TMP/v"
			ok $? "$name: version $v equals DuckDB's delta_read.mjs: $(tail -n 1 "$TEST_TMP/cmp")"
		else
			TAP_N=$((TAP_N + 1))
			echo "ok $TAP_N - $name: version $v equals DuckDB's # SKIP DuckDB peer not installed at $PEER"
		fi
		"$TARN_BIN" cat --format jsonl --timestamp "$(iso "$t")" "$dir" >"$TEST_TMP/t" 2>"$TEST_TMP/err"
		ok $? "$name: --timestamp $(iso "$t") reads $(head -c 200 "$TEST_TMP/err")"
		same "$TEST_TMP/v" "$TEST_TMP/t"
		ok $? "$name: --timestamp at commit $v's time is version $v"
		if [ "$v" -lt "$last" ]; then
			"$TARN_BIN" cat --format jsonl --timestamp "$(iso $((t + 600)))" "$dir" >"$TEST_TMP/t" 2>/dev/null
			same "$TEST_TMP/v" "$TEST_TMP/t"
			ok $? "$name: --timestamp between commits $v and $((v + 1)) is version $v"
		else
			# As Spark: a time after the last commit is refused, not
			# rounded down to it.
			"$TARN_BIN" cat --format jsonl --timestamp "$(iso $((t + 1)))" "$dir" >/dev/null 2>"$TEST_TMP/err"
			[ $? -eq 1 ] && grep -q "after the table's history" "$TEST_TMP/err"
			ok $? "$name: a second after the last commit is refused"
		fi
		"$TARN_BIN" inspect --format json --version "$v" "$dir" 2>/dev/null |
			python3 -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if j['version'] == $v else 1)"
		ok $? "$name: inspect --version $v says version $v"
	done
	"$TARN_BIN" cat --timestamp "$(iso $((BASE - 3600)))" "$dir" >/dev/null 2>"$TEST_TMP/err"
	rc=$?
	[ $rc -eq 1 ] && grep -q "before the table's history" "$TEST_TMP/err"
	ok $? "$name: a time before the first commit is an error: $(head -c 200 "$TEST_TMP/err")"
	"$TARN_BIN" cat --timestamp "not-a-time" "$dir" >/dev/null 2>"$TEST_TMP/err"
	rc=$?
	[ $rc -eq 1 ] && grep -q "is not a timestamp" "$TEST_TMP/err"
	ok $? "$name: a malformed time is an error: $(head -c 200 "$TEST_TMP/err")"
	"$TARN_BIN" cat --version $((last + 1)) "$dir" >/dev/null 2>"$TEST_TMP/err"
	rc=$?
	[ $rc -eq 1 ] && grep -q "earliest 0, latest $last" "$TEST_TMP/err"
	ok $? "$name: version $((last + 1)) is an error naming the range: $(head -c 200 "$TEST_TMP/err")"
done
done_testing
