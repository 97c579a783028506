#!/usr/bin/env bash
# delta_tables.sh - every real table from the delta-rs and delta-kernel-rs
# test suites (../shared/testdata/delta/tables) opens with `tarn inspect`
# and reads with `tarn cat`, or fails with an error naming what is not
# supported; where DuckDB's independent reader (delta_read.mjs) reads a
# table too, the rows are equal.
. "$(dirname "$0")/../lib.sh"
DATA=${TARN_TESTDATA:-$TARN_SRCDIR/../shared/testdata}/delta/tables
[ -d "$DATA" ] || skip_all "Delta test tables not found at $DATA"
command -v zstd >/dev/null || skip_all "zstd (to unpack the tables) not installed"
command -v python3 >/dev/null || skip_all "python3 (for jsonl_compare.py) not installed"
PEER=${TARN_DUCKDB_PEER:-$TARN_SRCDIR/build-peers/duckdb}
COMPARE=$DATA/../../../tools/jsonl_compare.py
# Tables that are not tables: a _delta_log with nothing but a .crc file.
NOT_A_TABLE="crc-malformed"
# Where delta_read.mjs (the oracle) is known to read differently, the
# columns compared without: it renames only top-level columns under column
# mapping, so nested fields keep their physical names there.
oracle_gap() {
	case $1 in
	stats-writing-all-types) echo nested_struct ;;
	esac
}

archives=$(ls "$DATA"/*/*.tar.zst)
plan $((3 * $(echo "$archives" | wc -l)))
for a in $archives; do
	name=$(basename "$a" .tar.zst)
	d=$TEST_TMP/$(basename "$(dirname "$a")")__$name
	mkdir -p "$d" && tar -C "$d" --zstd -xf "$a" 2>/dev/null
	log=$(find "$d" -name _delta_log -type d | head -n 1)
	dir=${log%/_delta_log}
	"$TARN_BIN" inspect "$dir" >/dev/null 2>"$TEST_TMP/err"
	rc=$?
	msg=$(head -c 300 "$TEST_TMP/err")
	if [ $rc -eq 0 ]; then
		ok 0 "$name: opens"
	elif [ $rc -eq 1 ] && echo "$msg" | grep -qi "not supported\|unsupported"; then
		ok 0 "$name: refused, naming what: $msg"
	elif [ $rc -eq 1 ] && echo " $NOT_A_TABLE " | grep -q " $name " && echo "$msg" | grep -q "not a Delta table"; then
		ok 0 "$name: not a table (as expected): $msg"
	else
		ok 1 "$name: exit $rc: $msg"
	fi
	if [ $rc -ne 0 ]; then
		TAP_N=$((TAP_N + 2))
		echo "ok $((TAP_N - 1)) - $name: reads # SKIP does not open"
		echo "ok $TAP_N - $name: equals DuckDB # SKIP does not open"
		continue
	fi
	timeout 300 "$TARN_BIN" cat --format jsonl "$dir" >"$TEST_TMP/rows" 2>"$TEST_TMP/err"
	rc=$?
	msg=$(head -c 300 "$TEST_TMP/err")
	# Some suites ship a log without its data files: a clear "is missing"
	# naming the file is the right answer there.
	[ $rc -eq 0 ] || { [ $rc -eq 1 ] && echo "$msg" | grep -qi "not supported\|unsupported\|data file .* is missing"; }
	ok $? "$name: reads $(wc -l <"$TEST_TMP/rows") rows${msg:+: $msg}"
	if [ $rc -ne 0 ]; then
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N - $name: equals DuckDB # SKIP tarn refused it"
	elif [ ! -d "$PEER/node_modules" ]; then
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N - $name: equals DuckDB # SKIP DuckDB peer not installed at $PEER"
	else
		(cd "$PEER" && timeout 300 node delta_read.mjs "$dir") >"$TEST_TMP/duck" 2>"$TEST_TMP/derr"
		drc=$?
		if [ $drc -ne 0 ]; then
			TAP_N=$((TAP_N + 1))
			echo "ok $TAP_N - $name: equals DuckDB # SKIP delta_read.mjs cannot read it (exit $drc): $(head -c 150 "$TEST_TMP/derr")"
		else
			gap=$(oracle_gap "$name")
			python3 "$COMPARE" ${gap:+--ignore-columns "$gap"} "$TEST_TMP/duck" "$TEST_TMP/rows" >"$TEST_TMP/cmp" 2>&1
			crc=$?
			ok $crc "$name: equals DuckDB: $(tail -n 1 "$TEST_TMP/cmp")${gap:+ (without $gap: the oracle keeps nested physical names)}"
			[ $crc -eq 0 ] || diag "$(head -c 1500 "$TEST_TMP/cmp")"
		fi
	fi
done
done_testing
