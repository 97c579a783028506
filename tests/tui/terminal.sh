#!/usr/bin/env bash
# terminal.sh - the workbench on a real terminal (tmux): scenarios driven
# by keys (send-keys) and read back from the screen (capture-pane), with
# TERM=xterm-256color, xterm and screen, an ASCII-only locale and
# NO_COLOR; a recording made on the terminal that replays headless to the
# same screen; `tarn demo` opening the workbench (the README quick start).
. "$(dirname "$0")/../lib.sh"
command -v tmux >/dev/null || skip_all "tmux not installed"
locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$' || skip_all "no C.UTF-8 locale"
plan 28

export HOME="$TEST_TMP/home" XDG_STATE_HOME="$TEST_TMP/home/state" XDG_CONFIG_HOME="$TEST_TMP/home/config"
mkdir -p "$HOME"
unset TARN_THEME NO_COLOR TARN_TUI_TRACE TMUX
LH="$TEST_TMP/lh"
trap 'TM kill-server 2>/dev/null; rm -rf "$TEST_TMP"' EXIT

# start "ENV..." [ARGS...]: the workbench in a fresh terminal, with the
# environment words given.
start() {
	local envs=$1
	shift
	tm_start "env $envs '$TARN_BIN' --lakehouse '$LH' $*"
	wait_for 'help .*palette'
}
screen() { TM capture-pane -p 2>/dev/null; }
colours() { TM capture-pane -p -e 2>/dev/null; }
key() { TM send-keys "$@"; sleep 0.1; }

"$TARN_BIN" demo --lakehouse "$LH" --no-tui >"$TEST_TMP/demo.log" 2>&1
ok $? "a demo lakehouse (tarn demo --no-tui)"

# --- xterm-256color, UTF-8 ---
start "TERM=xterm-256color LC_ALL=C.UTF-8"
screen | grep -q '┌─ Catalog'; ok $? "xterm-256color: the frame in box-drawing characters"
colours | grep -q $'\e\[38;5;'; ok $? "xterm-256color: 256-colour escapes"

# 1. write and run a query
typ "SELECT region, count(*) AS n FROM main.silver.orders GROUP BY region ORDER BY n DESC;"
key C-r
wait_for '^│.*│Europe +111436' 20; ok $? "a query typed in the editor runs (C-r) and its rows show"
wait_for 'rows 1-6 of 6'; ok $? "the results footer counts the rows"

# 2. catalog: jump, preview
key C-w h
key /
wait_for 'catalog.jump|jump'
typ "silver.customers"; key Enter
wait_for '▾ silver'; ok $? "the catalog jump opens the path"
key p
wait_for 'Results · preview main.silver.customers' 20; ok $? "p previews the table in Results"

# 3. resize below 80x24 and back
TM resize-window -x 70 -y 20
wait_for 'terminal too small: 70x20'; ok $? "below 80x24 the screen says it is too small"
TM resize-window -x 100 -y 30
wait_for '┌─ Catalog'; ok $? "growing back redraws the frame"
screen | grep -q 'Results · preview main.silver.customers'; ok $? "and the panes keep their state"

# 4. cancel a long query; the UI answers while it runs
key C-w l
key M-c
typ "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;"
key C-r
wait_for 'running' 10; ok $? "a long statement shows as running in the status bar"
key F1
wait_for '─ Help ─' 5; ok $? "the help overlay opens while the statement runs"
key Escape
sleep 0.3
key Escape
wait_for 'cancelled' 10; ok $? "Esc cancels the running statement"
key C-q
wait_for '^EXIT 0' 10; ok $? "C-q quits with status 0"

# --- xterm: 8 colours ---
start "TERM=xterm LC_ALL=C.UTF-8"
c=$(colours)
! grep -q $'\e\[38;5;' <<<"$c" && grep -Eq $'\e\\[(3[0-7]|9[0-7])(;|m)' <<<"$c"
ok $? "xterm: 8/16-colour escapes only"
key C-w j
wait_for '╔|┏|┌─ Results' 5; ok $? "xterm: C-w j moves the focus"
key C-q
wait_for '^EXIT 0' 10; ok $? "xterm: quits"

# --- screen ---
start "TERM=screen LC_ALL=C.UTF-8"
screen | grep -q 'Catalog'; ok $? "screen: the frame draws"
key C-w h
key Down
key Right
wait_for 'bronze' 5; ok $? "screen: arrow keys move and expand the catalog"
key C-q
wait_for '^EXIT 0' 10; ok $? "screen: quits"

# --- ASCII-only locale ---
start "TERM=xterm-256color LC_ALL=C"
s=$(screen)
grep -q '+- Catalog -' <<<"$s" && ! LC_ALL=C grep -q $'[\x80-\xff]' <<<"$s"
ok $? "an ASCII-only locale draws ASCII borders and no UTF-8"
key C-q

# --- NO_COLOR ---
start "TERM=xterm-256color LC_ALL=C.UTF-8 NO_COLOR=1"
! colours | grep -Eq $'\e\\[([0-9;]*;)?(3[0-8]|4[0-8]|9[0-7]|10[0-7])(;|m)'
ok $? "NO_COLOR: no colour escapes (39/49, the default colours, aside)"
key C-q

# --- a recording made on the terminal replays headless to the same screen ---
rm -rf "$LH/.tarn/buffers" # an empty editor, as the replay will have
start "TERM=xterm-256color LC_ALL=C.UTF-8" --record "$TEST_TMP/t.cast"
typ "SELECT 6 * 7 AS answer;"
key C-r
wait_for '42'
key C-w h
key l
wait_for '▸ bronze'
screen >"$TEST_TMP/live"
key C-q
wait_for '^EXIT 0' 10
head -n 1 "$TEST_TMP/t.cast" | python3 -c '
import json, sys
h = json.loads(sys.stdin.readline())
assert h["version"] == 2 and h["width"] == 100 and h["height"] == 30, h
assert h["env"]["TERM"] == "xterm-256color", h'
ok $? "the recording's header: asciicast v2, 100x30, TERM"
grep -q '"m", "editor.run"\|"m","editor.run"' "$TEST_TMP/t.cast" &&
	grep -q '"o",' "$TEST_TMP/t.cast"
ok $? "it has an 'm' marker per action and 'o' output events"
rm -rf "$LH/.tarn/buffers" # the replay starts from an empty editor, as the recording did
LC_ALL=C.UTF-8 "$TARN_BIN" --lakehouse "$LH" --replay "$TEST_TMP/t.cast" --headless \
	--dump-screen "$TEST_TMP/replayed" 2>"$TEST_TMP/replay.err"
ok $? "it replays headless $(head -c 200 "$TEST_TMP/replay.err")"
# The live screen was taken before C-q; the replay ends after it, on the
# same frame (C-q only quits). Trailing blanks differ between the two.
diff <(sed 's/ *$//' "$TEST_TMP/live" | grep -v 'rows\|·.*s$') \
	<(sed 's/ *$//' "$TEST_TMP/replayed" | grep -v 'rows\|·.*s$') >"$TEST_TMP/d"
ok $? "to the screen the terminal showed$(head -n 8 "$TEST_TMP/d" | tr '\n' ' ')"

# --- the README quick start: tarn demo opens the workbench ---
tm_start "env TERM=xterm-256color LC_ALL=C.UTF-8 '$TARN_BIN' demo --lakehouse '$TEST_TMP/demo2'"
wait_for '┌─ Catalog' 90; ok $? "tarn demo builds the lakehouse and opens the workbench"
key C-q
wait_for '^EXIT 0' 10; ok $? "and quits with status 0"
done_testing
