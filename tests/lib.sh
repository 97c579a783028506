# lib.sh - TAP helpers for shell tests. Source it; then call plan, ok, etc.
# TARN_BIN (the tarn binary) and TARN_SRCDIR come from `make check`.
: "${TARN_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${TARN_BIN:=$TARN_SRCDIR/tarn}"
TAP_N=0
TAP_FAILED=0
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/tarn-test.XXXXXX")
trap 'rm -rf "$TEST_TMP"' EXIT

plan() { echo "1..$1"; }
skip_all() { echo "1..0 # SKIP $*"; exit 77; }
ok() { # ok CONDITION-EXIT-STATUS DESCRIPTION
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $TAP_N - $2"
	else
		echo "not ok $TAP_N - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}
diag() { printf '# %s\n' "$@"; }
# run CMD...: run it, keeping stdout, stderr and status in $OUT, $ERR, $RC.
run() {
	"$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	RC=$?
	OUT=$(cat "$TEST_TMP/out")
	ERR=$(cat "$TEST_TMP/err")
}
# duck_equal TABLE DESCRIPTION: tarn's rows of a Delta table equal those of
# DuckDB's reader, $PEER/delta_read.mjs, by $COMPARE (jsonl_compare.py); a
# skip when the peer is not installed.
duck_equal() {
	if [ ! -d "$PEER/node_modules" ]; then
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N - $2 # SKIP DuckDB peer not installed at $PEER"
		return
	fi
	"$TARN_BIN" cat --format jsonl "$1" >"$TEST_TMP/t"
	(cd "$PEER" && node delta_read.mjs "$1") >"$TEST_TMP/d" 2>&1
	python3 "$COMPARE" "$TEST_TMP/d" "$TEST_TMP/t" >"$TEST_TMP/cmp" 2>&1
	ok $? "$2: $(tail -n 1 "$TEST_TMP/cmp")"
}
# sql_jsonl LAKEHOUSE -c SQL | -f FILE: the rows of the statements as
# canonical JSON lines (tarn sql).
sql_jsonl() { "$TARN_BIN" --lakehouse "$1" sql --format jsonl "$2" "$3"; }
done_testing() { exit $((TAP_FAILED > 0)); }

# ---- terminal tests (tmux) ----
# Each run gets a tmux server of its own, its socket in $TEST_TMP. The
# script defines screen() (the text wait_for reads) and kills the server
# on exit (trap 'TM kill-server 2>/dev/null; rm -rf "$TEST_TMP"' EXIT).
TM_RUNS=0
TM() { tmux -S "$TEST_TMP/tmux-$TM_RUNS" -f /dev/null "$@"; }
# tm_start COMMAND: COMMAND in a fresh 100x30 terminal; when it ends, the
# pane says "EXIT <status>".
tm_start() {
	TM kill-server 2>/dev/null
	TM_RUNS=$((TM_RUNS + 1))
	TM new-session -d -x 100 -y 30 "$1; echo \"EXIT \$?\"; sleep 60"
}
# wait_for REGEX [SECONDS]: until the terminal shows a line matching it.
wait_for() {
	local i
	for ((i = 0; i < ${2:-10} * 20; i++)); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.05
	done
	diag "timed out waiting for /$1/; the screen:" "$(screen | grep -v '^ *$' | tail -n 15)"
	return 1
}
# typ TEXT: the text as keys (tmux reads a trailing ';' as its own).
typ() { TM send-keys -l -- "${1%;}"; [ "${1%;}" = "$1" ] || TM send-keys -H 3b; }
