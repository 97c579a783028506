#!/usr/bin/env bash
# scenarios.sh - the workbench's recorded scenarios: each
# tests/tui/scenarios/NAME.cast is replayed headless (`tarn --replay F
# --headless --dump-screen OUT`) on a fresh copy of the demo lakehouse, and
# the final screen must equal NAME.screen after the volatile parts are
# masked (commit times, durations, the lakehouse path). NAME.args, when
# present, holds extra command-line words (one per line); NAME.env extra
# environment (VAR=value lines). NAME.check, when present, is a shell
# snippet run afterwards in the scenario's directory (for files a
# scenario writes); it fails the test by exiting non-zero.
# TARN_BLESS=1 writes the screens instead of comparing (then read them!).
. "$(dirname "$0")/../lib.sh"
DIR=$TARN_SRCDIR/tests/tui/scenarios
# doc/demo.cast, the recorded demo of the README, is checked as "doc_demo".
casts=("$DIR"/*.cast "$TARN_SRCDIR/doc/demo.cast")
plan ${#casts[@]}

export HOME="$TEST_TMP/home" XDG_STATE_HOME="$TEST_TMP/home/state" XDG_CONFIG_HOME="$TEST_TMP/home/config"
mkdir -p "$HOME"
unset TARN_THEME NO_COLOR TARN_TUI_TRACE
DEMO=$TEST_TMP/demo
if ! "$TARN_BIN" demo --lakehouse "$DEMO" --no-tui >"$TEST_TMP/demo.log" 2>&1; then
	diag "tarn demo failed:" "$(tail -n 5 "$TEST_TMP/demo.log")"
	exit 1
fi

# mask FILE: the screen with what changes from run to run replaced.
mask() {
	sed -E -e "s#$2#<LH>#g" \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?Z?)?/<TIME>/g' \
		-e 's/\b[0-9]+(\.[0-9]+)? ?(ms|s)\b/<DUR>/g' \
		-e 's/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/<UUID>/g' \
		-e "s/\b$(id -un)\b/<USER>/g" "$1"
}

for cast in "${casts[@]}"; do
	name=$(basename "$cast" .cast)
	[ "$cast" = "$TARN_SRCDIR/doc/demo.cast" ] && name=doc_demo
	work=$TEST_TMP/$name
	mkdir -p "$work"
	cp -a "$DEMO" "$work/lh"
	args=()
	[ -f "$DIR/$name.args" ] && mapfile -t args <"$DIR/$name.args"
	envs=(LC_ALL=C.UTF-8)
	[ -f "$DIR/$name.env" ] && mapfile -t -O 1 envs <"$DIR/$name.env"
	(cd "$work" && env "${envs[@]}" timeout 120 "$TARN_BIN" --lakehouse "$work/lh" "${args[@]}" \
		--replay "$cast" --headless --dump-screen "$work/screen" >"$work/out" 2>"$work/err")
	rc=$?
	if [ $rc -ne 0 ]; then
		ok 1 "$name: tarn exited $rc: $(head -c 300 "$work/err")"
		continue
	fi
	mask "$work/screen" "$work/lh" >"$work/got"
	if [ -n "${TARN_BLESS:-}" ]; then
		cp "$work/got" "$DIR/$name.screen"
	fi
	if ! diff -u "$DIR/$name.screen" "$work/got" >"$work/diff" 2>&1; then
		ok 1 "$name: the screen differs"
		diag "$(head -n 60 "$work/diff")"
		continue
	fi
	if [ -f "$DIR/$name.check" ] && ! (cd "$work" && bash "$DIR/$name.check") >"$work/check" 2>&1; then
		ok 1 "$name: check failed: $(head -c 300 "$work/check")"
		continue
	fi
	ok 0 "$name"
done
done_testing
