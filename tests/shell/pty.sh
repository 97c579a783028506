#!/usr/bin/env bash
# pty.sh - the interactive `tarn sql` on a real terminal (tmux): the
# prompt, multi-line statements, history kept across runs, TAB completion
# of tables and columns, Ctrl-C cancelling a running statement and
# clearing the line, meta commands, Ctrl-D.
. "$(dirname "$0")/../lib.sh"
command -v tmux >/dev/null || skip_all "tmux not installed"
plan 14

LH="$TEST_TMP/lh"
trap 'TM kill-server 2>/dev/null; rm -rf "$TEST_TMP"' EXIT
export HOME="$TEST_TMP" # no ~/.editrc of the user's

# start: a new shell in a fresh terminal.
start() {
	tm_start "'$TARN_BIN' sql --lakehouse '$LH'"
	wait_for '> ?$'
}
screen() { TM capture-pane -p -J -S -5000 2>/dev/null; }
key() { TM send-keys "$@"; }

"$TARN_BIN" sql --lakehouse "$LH" -c \
	"CREATE TABLE customers (customer_id INT, region STRING);
	 INSERT INTO customers VALUES (1, 'north'), (2, 'south');" >/dev/null 2>&1
ok $? "a table to complete (tarn sql -c)"

start
screen | grep -Eq 'main\.default> ?$'; ok $? "the prompt names the current catalog and schema"

typ 'SELECT 40 + 2'; key Enter
wait_for '\.\.\.> ?$'; ok $? "an unfinished statement gets a continuation prompt"
typ 'AS answer_one;'; key Enter
wait_for '^\| +42 \|'; ok $? "the statement runs once a line ends it with ';'"

# Completion of a table name and a column name.
typ 'SELECT count(*) AS n FROM custo'; key Tab
wait_for 'FROM customers ?$' 5; ok $? "TAB completes a table name"
key C-u; key C-k
typ 'SELECT region FROM customers WHERE custom'; key Tab
wait_for 'WHERE customer_id ?$' 5; ok $? "TAB completes a column of the statement's table"
typ ' = 2;'; key Enter
wait_for '^\| south'; ok $? "the completed statement runs"

# Ctrl-C cancels a running statement; the shell goes on.
typ 'WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT count(*) FROM c;'
key Enter
sleep 1
key C-c
wait_for '^(\^C)?cancelled' 10; ok $? "Ctrl-C cancels a running statement"
typ 'SELECT 1 AS after_cancel;'; key Enter
wait_for 'after_cancel' 10 && wait_for '^\| +1 \|' 10; ok $? "the shell runs statements after a cancel"

# Ctrl-C at the prompt drops the line.
typ 'SELECT this is not run'; key C-c
typ 'SELECT 4343 AS fresh;'; key Enter
wait_for '^\| +4343 \|' && ! screen | sed -n '/this is not run/,$p' | grep -q error; ok $? "Ctrl-C at the prompt clears the line"

# Meta commands.
typ '\format csv'; key Enter
typ '\timing on'; key Enter
typ 'SELECT 5151 AS v;'; key Enter
wait_for '^5151$' && wait_for '^Time: [0-9.]+ ms'; ok $? "\\format csv and \\timing on"

# Ctrl-D leaves with status 0; the history is in the lakehouse.
key C-d
wait_for '^EXIT 0$'; ok $? "Ctrl-D leaves the shell with status 0"
grep -q 'answer_one' "$LH/.tarn_sql_history"; ok $? "history is kept in LAKEHOUSE/.tarn_sql_history"

# A new run recalls the last run's statements with Up.
start
key Up; key Up; key Up; key Up
wait_for 'main\.default> SELECT 4343 AS fresh; ?$' 5; ok $? "Up recalls a statement of the previous run"
done_testing
