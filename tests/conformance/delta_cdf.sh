#!/usr/bin/env bash
# delta_cdf.sh - the change data feed of the real CDF tables (delta-rs and
# delta-kernel-rs suites): replaying `tarn changes` from version 0 gives
# every snapshot `tarn cat --version` reads (cdf_replay.py), and bad
# ranges are clear errors.
. "$(dirname "$0")/../lib.sh"
DATA=${TARN_TESTDATA:-$TARN_SRCDIR/../shared/testdata}/delta/tables
[ -d "$DATA" ] || skip_all "Delta test tables not found at $DATA"
command -v zstd >/dev/null || skip_all "zstd (to unpack the tables) not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"
# Reader fixtures whose feed cannot be replayed into their snapshots: the
# feed is read and shown as written. cdf-table-update-ops writes the change
# types "update_pre"/"update_post"; cdf-table-simple's version 2 has change
# files but adds no data file.
NOT_REPLAYABLE="cdf-table-update-ops cdf-table-simple"
# Log-only fixtures whose data files do not exist: a clear error naming the
# missing file is the right answer.
NO_DATA="table-with-cdf"

archives=$(ls "$DATA"/*/*cdf*.tar.zst "$DATA"/*/*cdc*.tar.zst 2>/dev/null | sort -u)
plan $(($(echo "$archives" | wc -l) * 2))
for a in $archives; do
	name=$(basename "$a" .tar.zst)
	d=$TEST_TMP/$(basename "$(dirname "$a")")__$name
	mkdir -p "$d" && tar -C "$d" --zstd -xf "$a" 2>/dev/null
	log=$(find "$d" -name _delta_log -type d | head -n 1)
	dir=${log%/_delta_log}
	if echo " $NO_DATA " | grep -q " $name "; then
		"$TARN_BIN" changes --from 0 --format jsonl "$dir" >/dev/null 2>"$TEST_TMP/err"
		[ $? -eq 1 ] && grep -q "data file .* is missing" "$TEST_TMP/err"
		ok $? "$name: a log without its data files: $(head -c 150 "$TEST_TMP/err")"
	elif echo " $NOT_REPLAYABLE " | grep -q " $name "; then
		"$TARN_BIN" changes --from 0 --format jsonl "$dir" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
		ok $? "$name: changes read ($(wc -l <"$TEST_TMP/out") rows; not replayable: non-standard change types)"
	else
		python3 "$TARN_SRCDIR/tests/conformance/cdf_replay.py" "$TARN_BIN" "$dir" >"$TEST_TMP/out" 2>&1
		ok $? "$name: $(tail -n 1 "$TEST_TMP/out")"
	fi
	"$TARN_BIN" changes --from 999 "$dir" >/dev/null 2>"$TEST_TMP/err"
	[ $? -eq 1 ] && grep -q "no changes from version 999" "$TEST_TMP/err"
	ok $? "$name: an out-of-range --from is an error: $(head -c 150 "$TEST_TMP/err")"
done
done_testing
