#!/usr/bin/env bash
# bench/tui.sh - the workbench's figures of issue 7 ("Performance"), run in
# tmux (120x40) with TARN_TUI_TRACE, against peers measured in the same run:
#   1. First frame on the demo lakehouse: from just before the exec of
#      tarn (a wall-clock stamp taken by the launching shell) to the end of
#      the first frame (the trace line's wall clock), so exec, dynamic
#      linking, option parsing, opening the engines and the terminal all
#      count; also from the start of tui_main, and until the catalog is
#      shown (ready_ms). Peers: a whole `sqlite3 DB .quit` (start, open a
#      database, exit) and a whole `tarn sql -c 'SELECT 1'` on the demo.
#   2. Keystroke to frame while a statement runs: a GROUP BY over three
#      copies of the 10-million-row table runs in the editor while ~100
#      Up/Down keys go in at ~30 ms intervals; key_frame_ms (from reading
#      the key to the end of the frame) of the keys read while it ran, and
#      from tmux sending the key to the end of its frame.
#   3. SELECT * on the 10-million-row table, Results focused, G (fetch
#      every row), then back to the top and 100 pages down: VmRSS sampled
#      every 200 ms, the peak (VmHWM), and the time from running the
#      statement until the footer shows the final count. Peers: the whole
#      `sqlite3 DB 'SELECT * FROM t' >/dev/null` on a native table of the
#      same rows, DuckDB (1 thread) writing the same rows as CSV to
#      /dev/null (its query time), and `tarn sql --format csv` doing the
#      same (the engine without the workbench).
# Run from the repository root after building: bench/tui.sh [ROWS]
# Not part of make check. Takes a few minutes (the fetches dominate).
set -eu
export LC_NUMERIC=C # EPOCHREALTIME with a decimal point
ROWS=${1:-10000000}
. bench/lib.sh
TARN=$PWD/tarn
L=$PWD/$OUT/sql_lake_$ROWS
NATIVE=$PWD/$OUT/sql_native_$ROWS.db
DEMO=$PWD/$OUT/tui_demo
for c in tmux sqlite3; do
	command -v $c >/dev/null || { echo "bench/tui.sh: $c is needed" >&2; exit 1; }
done
if [ ! -d "$L/warehouse/main/default/t" ] || [ ! -f "$NATIVE" ]; then
	echo "bench/tui.sh: run bench/sql.sh $ROWS first: it builds $L and $NATIVE" >&2
	exit 1
fi
[ -d "$DEMO/warehouse" ] || "$TARN" demo --lakehouse "$DEMO" --no-tui >/dev/null 2>&1

W=$(mktemp -d /tmp/tarn-bench-tui.XXXXXX)
SOCK=$W/tmux.sock
tm() { tmux -S "$SOCK" "$@"; }
trap 'tm kill-server 2>/dev/null || true; rm -rf "$W"' EXIT
# A private config, state and clipboard: the user's key map and theme stay out.
mkdir -p "$W/config" "$W/state"
cat >"$W/launch.sh" <<EOF
#!/bin/bash
# launch.sh STAMP TRACE LAKEHOUSE: the stamp is the last thing before the exec.
export TARN_TUI_TRACE=\$2 XDG_CONFIG_HOME=$W/config XDG_STATE_HOME=$W/state
unset NO_COLOR TARN_THEME
echo "\$EPOCHREALTIME" >"\$1"
exec "$TARN" --lakehouse "\$3"
EOF
chmod +x "$W/launch.sh"
tm -f /dev/null new-session -d -s bench -x 120 -y 40 "sleep 100000"

now() { echo "$EPOCHREALTIME"; }
msd() { awk "BEGIN{printf \"%.1f\\n\", ($2 - $1) * 1000}"; } # msd T0 T1: ms between stamps
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
median() { sort -n | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]}'; }
pct95() { sort -n | awk '{a[NR] = $1} END {if (NR) print a[int(NR * 0.95 + 0.999)]}'; }
maxof() { sort -n | tail -n 1; }
wait_for() { # wait_for SECONDS CMD...: until CMD succeeds
	local end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || { echo "bench/tui.sh: timed out: $*" >&2; exit 1; }
		sleep 0.05
	done
}
shows() { tm capture-pane -p -t "$WIN" | grep -q -- "$1"; }
gone() { ! tm list-windows -t bench -F '#{window_name}' | grep -qx "$NAME"; }
traced() { grep -q "^$1 " "$W/$NAME.trace" 2>/dev/null; }
nframes() { grep -c "^key_frame_ms " "$W/$NAME.trace" || true; }
frames_ge() { [ "$(nframes)" -ge "$1" ]; }
# start NAME LAKEHOUSE: a window running the workbench (NAME, WIN, PID);
# waits until the catalog is shown.
start() {
	NAME=$1 WIN=bench:$1
	rm -rf "$2/.tarn" # no editor buffers from an earlier run
	tm new-window -d -t bench -n "$NAME" "$W/launch.sh $W/$NAME.exec $W/$NAME.trace $2"
	PID=$(tm list-panes -t "$WIN" -F '#{pane_pid}')
	wait_for 30 traced ready_ms
}
quit() {
	tm send-keys -t "$WIN" C-q
	wait_for 60 gone
}
# field FILE NAME: the MS of NAME's first trace line; wall FILE NAME: its wall clock
field() { awk -v n="$2" '$1 == n {print $2; exit}' "$1"; }
wall() { awk -v n="$2" '$1 == n {for (i = 3; i <= NF; i++) if ($i ~ /^wall=/) print substr($i, 6); exit}' "$1"; }
sep3() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

echo "$("$TARN" --version | head -n 1); $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tmux $(tmux -V | cut -d" " -f2), 120x40, TERM=$(tm show-options -gv default-terminal) inside tmux"

# ---------------------------------------------------------------- 1. first frame
# The peers run between the workbench's starts, so that the machine's load
# (shared) falls on all three alike.
N=10
: >"$W/ff" && : >"$W/ffm" && : >"$W/rd" && : >"$W/sq" && : >"$W/s1"
for i in $(seq $N); do
	start "ff$i" "$DEMO"
	t=$W/ff$i.trace
	e=$(cat "$W/ff$i.exec")
	msd "$e" "$(wall "$t" first_frame_ms)" >>"$W/ff"
	field "$t" first_frame_ms >>"$W/ffm"
	msd "$e" "$(wall "$t" ready_ms)" >>"$W/rd"
	quit
	t=$(now); sqlite3 "$NATIVE" .quit; msd "$t" "$(now)" >>"$W/sq"
	t=$(now); "$TARN" --lakehouse "$DEMO" sql -c "SELECT 1" >/dev/null; msd "$t" "$(now)" >>"$W/s1"
done
mb() { echo "$(median <"$1") ms median, $(best <"$1") ms best"; }

# ------------------------------------------------- 2. keystroke to frame, running
start keys "$L"
tm send-keys -t "$WIN" -l "SELECT g, count(*), sum(x), min(id)"
tm send-keys -t "$WIN" Enter
tm send-keys -t "$WIN" -l "FROM (SELECT * FROM t UNION ALL SELECT * FROM t UNION ALL SELECT * FROM t)"
tm send-keys -t "$WIN" Enter
tm send-keys -t "$WIN" -l "GROUP BY g"
wait_for 10 shows "GROUP BY g"
# The typing's frames: keystroke to frame with nothing running.
IDLE=$(awk '$1 == "key_frame_ms" && $3 !~ /running/ {print $2}' "$W/keys.trace" | median)
tm send-keys -t "$WIN" C-r
wait_for 10 shows "running"
skip=$(nframes)
: >"$W/sent"
for i in $(seq 100); do
	k=Up
	[ $((i % 2)) = 0 ] && k=Down
	now >>"$W/sent"
	tm send-keys -t "$WIN" $k
	sleep 0.03
done
wait_for 600 shows "rows 1-"
awk -v s="$skip" '$1 == "key_frame_ms" && ++n > s' "$W/keys.trace" >"$W/keys.sent"
awk '$3 == "running" {print $2}' "$W/keys.sent" >"$W/kf"
KN=$(wc -l <"$W/kf") KSENT=$(wc -l <"$W/sent")
KMED=$(median <"$W/kf") K95=$(pct95 <"$W/kf") KMAX=$(maxof <"$W/kf")
# tmux send to frame: the n-th frame after the statement started is the
# n-th key's (every key draws while a statement runs).
if [ "$(wc -l <"$W/keys.sent")" = "$KSENT" ]; then
	awk '{for (i = 3; i <= NF; i++) if ($i ~ /^wall=/) print substr($i, 6)}' "$W/keys.sent" |
		paste "$W/sent" - | awk '{printf "%.3f\n", ($2 - $1) * 1000}' >"$W/e2e"
	E2E="$(median <"$W/e2e") ms median, $(pct95 <"$W/e2e") ms p95"
else
	E2E="not matched ($KSENT keys sent, $(wc -l <"$W/keys.sent") frames)"
fi
quit

# ------------------------------------------------------- 3. fetch every row, RSS
start fetch "$L"
tm send-keys -t "$WIN" -l "SELECT * FROM t"
T0=$(now)
tm send-keys -t "$WIN" C-r
wait_for 600 shows "rows 1-"
tm send-keys -t "$WIN" C-w j
TG=$(now)
tm send-keys -t "$WIN" G
FINAL="of $(sep3 "$ROWS") "
PEAK=0
: >"$W/rss"
while :; do
	r=$(awk '/^VmRSS/ {print $2}' "/proc/$PID/status")
	echo "$(now) $r" >>"$W/rss"
	[ "$r" -gt "$PEAK" ] && PEAK=$r
	s=$(tm capture-pane -p -t "$WIN")
	case "$s" in *"$FINAL"*) case "$s" in *fetching*) ;; *) break ;; esac ;; esac
	sleep 0.2
done
TE=$(now)
SPILL=$(stat -L -c %s "$(find "/proc/$PID/fd" -lname '*tarn-results*' | head -n 1)" 2>/dev/null || echo 0)
HWM_FETCH=$(awk '/^VmHWM/ {print $2}' "/proc/$PID/status")
# Scroll back through it: the top, then 100 pages down (chunks read back
# from the result's file through the bounded cache).
skip=$(nframes)
tm send-keys -t "$WIN" g g
for _ in $(seq 100); do
	tm send-keys -t "$WIN" PgDn
	sleep 0.02
done
wait_for 30 frames_ge $((skip + 101)) # the first g draws nothing
HWM=$(awk '/^VmHWM/ {print $2}' "/proc/$PID/status")
SCROLL=$(awk -v s="$skip" '$1 == "key_frame_ms" && ++n > s {print $2}' "$W/fetch.trace" | median)
quit
TUI_ALL=$(msd "$T0" "$TE") TUI_G=$(msd "$TG" "$TE")

: >"$W/pq"
for _ in 1 2 3; do
	t=$(now); sqlite3 "$NATIVE" "SELECT * FROM t" >/dev/null; msd "$t" "$(now)" >>"$W/pq"
done
PQ=$(best <"$W/pq")
PD=$(duck "COPY (SELECT id, small AS g, dbl AS x FROM read_parquet('$FILE')) TO '/dev/null' (FORMAT csv)")
t=$(now); "$TARN" --lakehouse "$L" sql --format csv -c "SELECT * FROM t" >/dev/null; PC=$(msd "$t" "$(now)")

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
FF=$(best <"$W/ff") SQ=$(best <"$W/sq") S1=$(best <"$W/s1")
echo "first frame, demo lakehouse, exec to end of first frame: $(mb "$W/ff") (of $N)   [goal <= 100 ms]"
echo "  from tui_main: $(mb "$W/ffm"); exec until the catalog is shown: $(mb "$W/rd")"
echo "  peers, whole process: sqlite3 DB .quit $(mb "$W/sq"); tarn sql -c 'SELECT 1' $(mb "$W/s1")"
echo "  best to best: workbench/sqlite3 $(ratio "$FF" "$SQ"), workbench/tarn sql $(ratio "$FF" "$S1")"
echo "keystroke to frame while a statement runs, median of $KN keys read while it ran ($KSENT sent): $KMED ms   [goal <= 16 ms]"
echo "  p95 $K95 ms, max $KMAX ms; tmux send-keys to end of frame: $E2E; idle (typing the statement): median $IDLE ms"
echo "fetch $(sep3 "$ROWS") rows (SELECT * FROM t, G) and scroll back: peak RSS (VmHWM) $((HWM / 1024)) MB   [goal <= 200 MB]"
echo "  VmRSS sampled: first $(($(head -n 1 "$W/rss" | cut -d' ' -f2) / 1024)) MB, peak $((PEAK / 1024)) MB, last $(($(tail -n 1 "$W/rss" | cut -d' ' -f2) / 1024)) MB"
echo "  VmHWM after the fetch $((HWM_FETCH / 1024)) MB; the result's file $((SPILL / 1048576)) MB; $(wc -l <"$W/rss") samples every 200 ms; PgDn key to frame median $SCROLL ms"
echo "  time from C-r to the final count: $TUI_ALL ms (from G: $TUI_G ms)"
echo "  peers: sqlite3 native table to /dev/null $PQ ms (best of 3; tarn/sqlite3 $(ratio "$TUI_ALL" "$PQ")), DuckDB 1 thread COPY to /dev/null csv $PD ms (tarn/DuckDB $(ratio "$TUI_ALL" "$PD"))"
echo "  the same engine without the workbench: tarn sql --format csv -c 'SELECT * FROM t' >/dev/null $PC ms (workbench/that $(ratio "$TUI_ALL" "$PC"))"
