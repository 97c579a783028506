#!/usr/bin/env bash
# parquet.sh - every file in the Parquet test suite's MANIFEST.tsv through
# the real tarn binary: `rows` entries must print the expected rows (as
# DuckDB read them), `error` and `unsupported` entries must fail cleanly
# (exit 1, a message naming the file), never crash.
. "$(dirname "$0")/../lib.sh"
DATA=${TARN_TESTDATA:-$TARN_SRCDIR/../shared/testdata}/parquet
[ -f "$DATA/MANIFEST.tsv" ] || skip_all "Parquet test data not found at $DATA"
command -v python3 >/dev/null || skip_all "python3 (for jsonl_compare.py) not installed"
COMPARE=$DATA/../../tools/jsonl_compare.py
QUIRKS=$TARN_SRCDIR/tests/conformance/parquet_quirks.tsv

entries=$(tail -n +2 "$DATA/MANIFEST.tsv" | cut -f1,3)
plan "$(echo "$entries" | wc -l)"

while IFS=$'\t' read -r file expect; do
	path=$DATA/$file
	name=$(echo "$file" | sed 's|/|__|g')
	out=$TEST_TMP/out.jsonl
	timeout 120 "$TARN_BIN" cat --format jsonl "$path" >"$out" 2>"$TEST_TMP/err"
	rc=$?
	err=$(head -c 400 "$TEST_TMP/err")
	base=$(basename "$file")
	case $expect in
	rows | rows-or-error)
		exp=$DATA/expected/$name.jsonl
		[ -f "$exp" ] || exp=$exp.zst
		if [ "$expect" = rows-or-error ] && [ "$rc" -eq 1 ] && echo "$err" | grep -q "$base"; then
			ok 0 "$file: clean error ($err)"
			continue
		fi
		if [ "$rc" -ne 0 ]; then
			ok 1 "$file: exit $rc: $err"
			continue
		fi
		[ -f "$exp" ] || exp=-
		python3 "$TARN_SRCDIR/tests/conformance/compare.py" "$QUIRKS" "$file" "$exp" "$out" \
			"$COMPARE" >"$TEST_TMP/cmp" 2>&1
		crc=$?
		ok $crc "$file: $(grep -v '^(with quirks' "$TEST_TMP/cmp" | tail -n 1) $(grep '^(with quirks' "$TEST_TMP/cmp")"
		[ $crc -eq 0 ] || diag "$(head -c 3000 "$TEST_TMP/cmp")"
		;;
	error | unsupported)
		if [ "$rc" -eq 1 ] && echo "$err" | grep -q "$base"; then
			if [ "$expect" = unsupported ] && ! echo "$err" | grep -qi "not supported\|unsupported"; then
				ok 1 "$file: exit 1 but the message does not say what is unsupported: $err"
			else
				ok 0 "$file: $expect: $err"
			fi
		else
			ok 1 "$file: want a clean $expect (exit 1 naming the file), got exit $rc: $err"
		fi
		;;
	*)
		ok 1 "$file: unknown expectation '$expect'"
		;;
	esac
done <<<"$entries"
done_testing
