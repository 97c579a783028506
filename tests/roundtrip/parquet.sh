#!/usr/bin/env bash
# parquet.sh - the Parquet writer's round trip. tests/roundtrip/pq_gen writes
# files covering every tarn type (nesting, nulls, no rows, many row groups
# and pages, dictionary fallback, every codec) with the rows it gave the
# writer; then for every file
#   1. tarn reads back exactly those rows (byte for byte, in order), and
#   2. DuckDB reads back the same rows (jsonl_compare.py, in order, after
#      tests/roundtrip/duckdb_norm.py: see there for the two things DuckDB
#      cannot spell as tarn does);
# and 3. `tarn cat --output` re-encodes some of them with every codec and
# smaller row groups, and both readers agree again.
# The whole test is skipped only when node (for DuckDB) is missing; when the
# DuckDB peer is not installed ($TARN_DUCKDB_PEER, or build-peers/duckdb,
# which scripts/check installs) its checks are reported as skipped.
. "$(dirname "$0")/../lib.sh"
command -v node >/dev/null || skip_all "node (for the DuckDB peer) is not installed"
GEN=${TARN_BUILDDIR:-$TARN_SRCDIR}/tests/roundtrip/pq_gen
NORM=$TARN_SRCDIR/tests/roundtrip/duckdb_norm.py
PEER=${TARN_DUCKDB_PEER:-$TARN_SRCDIR/build-peers/duckdb}
COMPARE=${TARN_TESTDATA:-$TARN_SRCDIR/../shared/testdata}/../tools/jsonl_compare.py
DIR=$TEST_TMP/gen
mkdir -p "$DIR"

duck_skip=""
if [ ! -f "$PEER/canon.mjs" ] || [ ! -d "$PEER/node_modules" ]; then
	duck_skip="the DuckDB peer is not installed at $PEER (scripts/check installs it)"
elif [ ! -f "$COMPARE" ]; then
	duck_skip="jsonl_compare.py not found at $COMPARE"
elif ! command -v python3 >/dev/null; then
	duck_skip="python3 (for jsonl_compare.py) is not installed"
fi

codecs="zstd snappy gzip lz4_raw none"
reencode="scalars nested row_groups"

"$GEN" "$DIR" >"$TEST_TMP/names" 2>"$TEST_TMP/gen.err"
gen_rc=$?
names=$(cat "$TEST_TMP/names")
n=$(echo "$names" | grep -c .)
plan $((1 + 2 * n + 2 * $(echo $codecs | wc -w) * $(echo $reencode | wc -w) + 3))
[ "$gen_rc" -eq 0 ] && [ "$n" -ge 15 ]
ok $? "pq_gen wrote $n files"
[ "$gen_rc" -eq 0 ] || diag "$(head -c 2000 "$TEST_TMP/gen.err")"

# tarn_check NAME FILE EXPECTED
tarn_check() {
	if ! "$TARN_BIN" cat --format jsonl "$2" >"$TEST_TMP/tarn.jsonl" 2>"$TEST_TMP/tarn.err"; then
		ok 1 "$1: tarn reads it back: $(head -c 300 "$TEST_TMP/tarn.err")"
		return
	fi
	cmp -s "$3" "$TEST_TMP/tarn.jsonl"
	ok $? "$1: tarn reads back the rows written ($(grep -c . "$3") rows)"
	cmp -s "$3" "$TEST_TMP/tarn.jsonl" ||
		diag "$(diff "$3" "$TEST_TMP/tarn.jsonl" | head -n 10)"
}

# duck_check NAME FILE EXPECTED
duck_check() {
	if [ -n "$duck_skip" ]; then
		echo "ok $((TAP_N += 1)) - $1: DuckDB reads back the rows written # SKIP $duck_skip"
		return
	fi
	if ! (cd "$PEER" && timeout 120 node canon.mjs "SELECT * FROM read_parquet('$2')") \
		>"$TEST_TMP/duck.jsonl" 2>"$TEST_TMP/duck.err"; then
		ok 1 "$1: DuckDB reads it: $(head -c 300 "$TEST_TMP/duck.err")"
		return
	fi
	python3 "$NORM" "$3" "$TEST_TMP/exp.norm" &&
		python3 "$NORM" "$TEST_TMP/duck.jsonl" "$TEST_TMP/duck.norm" &&
		python3 "$COMPARE" --ordered "$TEST_TMP/exp.norm" "$TEST_TMP/duck.norm" >"$TEST_TMP/cmp" 2>&1
	rc=$?
	ok $rc "$1: DuckDB reads back the rows written: $(tail -n 1 "$TEST_TMP/cmp")"
	[ $rc -eq 0 ] || diag "$(head -c 3000 "$TEST_TMP/cmp")"
}

for name in $names; do
	tarn_check "$name" "$DIR/$name.parquet" "$DIR/$name.expected.jsonl"
	duck_check "$name" "$DIR/$name.parquet" "$DIR/$name.expected.jsonl"
done

# 3. tarn cat --output: every codec, and row groups of 700 rows.
for name in $reencode; do
	for codec in $codecs; do
		out=$DIR/re_${name}_$codec.parquet
		if "$TARN_BIN" cat --output "$out" --codec "$codec" --row-group-rows 700 \
			"$DIR/$name.parquet" >"$TEST_TMP/out" 2>"$TEST_TMP/err"; then
			tarn_check "$name re-encoded ($codec)" "$out" "$DIR/$name.expected.jsonl"
		else
			ok 1 "$name re-encoded ($codec): $(head -c 300 "$TEST_TMP/err")"
		fi
		duck_check "$name re-encoded ($codec)" "$out" "$DIR/$name.expected.jsonl"
	done
done

# Failures leave nothing behind, and bad options are usage errors.
run "$TARN_BIN" cat --output "$DIR/none/out.parquet" "$DIR/missing.parquet"
[ "$RC" -eq 1 ] && [ ! -e "$DIR/none/out.parquet" ] && ! ls -A "$DIR/none" 2>/dev/null | grep -q .
ok $? "a failed cat --output leaves no file (exit $RC)"
run "$TARN_BIN" cat --output "$DIR/x.parquet" --codec brotli "$DIR/scalars.parquet"
[ "$RC" -eq 2 ] && [ ! -e "$DIR/x.parquet" ]
ok $? "cat --codec brotli is a usage error (exit $RC: $ERR)"
run "$TARN_BIN" cat --format csv --output "$DIR/x.parquet" "$DIR/scalars.parquet"
[ "$RC" -eq 2 ] && [ ! -e "$DIR/x.parquet" ]
ok $? "cat --format with --output is a usage error (exit $RC)"
done_testing
