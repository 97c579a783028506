#!/bin/sh
# statements.sh - every tests/sql/*.test file through `tarn sql -f` (run.py).
. "$(dirname "$0")/../lib.sh"
status=0
n=0
for t in "$TARN_SRCDIR"/tests/sql/*.test; do
	python3 "$TARN_SRCDIR/tests/sql/run.py" "$TARN_BIN" "$t" >"$TEST_TMP/tap" 2>&1
	rc=$?
	# renumber the file's TAP lines into one plan
	while IFS= read -r line; do
		case "$line" in
		"ok "*|"not ok "*)
			n=$((n + 1))
			echo "$line" | sed "s/^\(not \)\{0,1\}ok [0-9]*/\1ok $n/"
			;;
		"1.."*) ;;
		*) echo "$line" ;;
		esac
	done <"$TEST_TMP/tap"
	[ $rc -eq 0 ] || status=1
done
echo "1..$n"
exit $status
