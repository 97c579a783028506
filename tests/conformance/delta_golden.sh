#!/usr/bin/env bash
# delta_golden.sh - every table of the Delta golden suite (Spark-written, as
# delta-kernel-rs tests them) through the real tarn binary: `rows` tables
# print the expected rows, `error` tables fail cleanly with the right
# message, `inspect` tables show what their note says
# (delta_golden_checks.tsv).
. "$(dirname "$0")/../lib.sh"
DATA=${TARN_TESTDATA:-$TARN_SRCDIR/../shared/testdata}/delta/golden
[ -f "$DATA/MANIFEST.tsv" ] || skip_all "Delta golden tables not found at $DATA"
command -v python3 >/dev/null || skip_all "python3 (for jsonl_compare.py) not installed"
command -v zstd >/dev/null || skip_all "zstd (to unpack the tables) not installed"
COMPARE=$DATA/../../../tools/jsonl_compare.py
CHECKS=$TARN_SRCDIR/tests/conformance/delta_golden_checks.tsv
QUIRKS=$TARN_SRCDIR/tests/conformance/delta_golden_quirks.tsv

for t in "$DATA"/*.tar.zst; do
	tar -C "$TEST_TMP" --zstd -xf "$t" 2>/dev/null || { echo "Bail out! cannot unpack $t"; exit 1; }
done
entries=$(tail -n +2 "$DATA/MANIFEST.tsv" | cut -f1,2)
plan "$(echo "$entries" | wc -l)"
check() { awk -F'\t' -v t="$1" '$1 == t { print $2 "\t" $3 }' "$CHECKS"; }

while IFS=$'\t' read -r name expect; do
	dir=$TEST_TMP/$name/delta
	[ -d "$dir" ] || dir=$TEST_TMP/$name
	c=$(check "$name")
	kind=${c%%$'\t'*}
	what=${c#*$'\t'}
	case $expect in
	rows)
		exp=$DATA/expected/$name.jsonl
		[ -f "$exp" ] || exp=$exp.zst
		timeout 300 "$TARN_BIN" cat --format jsonl "$dir" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
		rc=$?
		if [ $rc -ne 0 ]; then
			ok 1 "$name: exit $rc: $(head -c 300 "$TEST_TMP/err")"
			continue
		fi
		python3 "$TARN_SRCDIR/tests/conformance/compare.py" "$QUIRKS" "$name" "$exp" \
			"$TEST_TMP/out" "$COMPARE" >"$TEST_TMP/cmp" 2>&1
		crc=$?
		ok $crc "$name: $(grep -v '^(with quirks' "$TEST_TMP/cmp" | tail -n 1) $(grep '^(with quirks' "$TEST_TMP/cmp")"
		[ $crc -eq 0 ] || diag "$(head -c 2000 "$TEST_TMP/cmp")"
		;;
	error)
		timeout 60 "$TARN_BIN" cat --format jsonl "$dir" >/dev/null 2>"$TEST_TMP/err"
		rc=$?
		msg=$(head -c 400 "$TEST_TMP/err")
		[ $rc -eq 1 ] && [ "$kind" = error ] && echo "$msg" | grep -Eqi -- "$what"
		ok $? "$name: exit $rc: $msg"
		;;
	inspect)
		if [ "$kind" = history ]; then
			"$TARN_BIN" history --format jsonl "$dir" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
			rc=$?
			expr="h = [json.loads(l) for l in open(sys.argv[1])]; sys.exit(0 if ($what) else 1)"
		else
			"$TARN_BIN" inspect --format json "$dir" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
			rc=$?
			expr="j = json.load(open(sys.argv[1])); sys.exit(0 if ($what) else 1)"
		fi
		if [ $rc -ne 0 ] || [ -z "$kind" ]; then
			ok 1 "$name: exit $rc ${kind:-(no check in delta_golden_checks.tsv)}: $(head -c 300 "$TEST_TMP/err")"
			continue
		fi
		python3 -c "import json, sys; $expr" "$TEST_TMP/out"
		ok $? "$name: $what"
		;;
	*)
		ok 1 "$name: unknown expectation '$expect'"
		;;
	esac
done <<<"$entries"
done_testing
