#!/usr/bin/env bash
# checkpoints.sh - every Delta checkpoint file (classic, multi-part, V2 and
# sidecars) in the real tables of ../shared/testdata/delta/tables reads
# through `tarn cat` with as many rows as its footer says, and, where the
# DuckDB peer is installed, equal to DuckDB's rows.
. "$(dirname "$0")/../lib.sh"
DATA=${TARN_TESTDATA:-$TARN_SRCDIR/../shared/testdata}/delta/tables
[ -d "$DATA" ] || skip_all "Delta test tables not found at $DATA"
command -v zstd >/dev/null || skip_all "zstd (to unpack the test tables) not installed"
PEER=${TARN_DUCKDB_PEER:-$TARN_SRCDIR/build-peers/duckdb}
COMPARE=$DATA/../../../tools/jsonl_compare.py

for t in "$DATA"/*/*.tar.zst; do
	d=$TEST_TMP/$(basename "$(dirname "$t")")__$(basename "$t" .tar.zst)
	mkdir -p "$d" && tar -C "$d" --zstd -xf "$t" || { echo "Bail out! cannot unpack $t"; exit 1; }
done
files=$(find "$TEST_TMP" -path '*_delta_log*' -name '*.parquet' | sort)
n=$(echo "$files" | wc -l)
plan $((2 * n))
for f in $files; do
	short=${f#"$TEST_TMP"/}
	"$TARN_BIN" cat --format jsonl "$f" >"$TEST_TMP/rows" 2>"$TEST_TMP/err"
	rc=$?
	want=$("$TARN_BIN" inspect --format json "$f" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["num_rows"])' 2>/dev/null)
	got=$(wc -l <"$TEST_TMP/rows")
	[ "$rc" -eq 0 ] && [ "$got" = "$want" ]
	ok $? "$short reads: $got rows of $want${rc:+ (exit $rc)} $(head -c 200 "$TEST_TMP/err")"
	if [ -f "$PEER/canon.mjs" ] && [ -d "$PEER/node_modules" ]; then
		(cd "$PEER" && node canon.mjs "SELECT * FROM read_parquet('$f')") >"$TEST_TMP/duck" 2>&1
		python3 "$COMPARE" "$TEST_TMP/duck" "$TEST_TMP/rows" >"$TEST_TMP/cmp" 2>&1
		ok $? "$short equals DuckDB's rows: $(tail -n 1 "$TEST_TMP/cmp")"
	else
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N - $short equals DuckDB's rows # SKIP DuckDB peer not installed at $PEER"
	fi
done
done_testing
