#!/usr/bin/env bash
# batch.sh - `tarn sql` without a terminal: statements from -c, -f and a
# pipe, rows on stdout and nothing else, messages and errors (with the
# file and line) on stderr, exit status 0, 1 and 2.
. "$(dirname "$0")/../lib.sh"
plan 26
LH="$TEST_TMP/lh"
sql() { run "$TARN_BIN" sql --lakehouse "$LH" "$@"; }
# pipe TEXT ARGS...: printf TEXT into `tarn sql ARGS` through a pipe.
pipe() {
	local text=$1
	shift
	printf -- "$text" | "$TARN_BIN" sql --lakehouse "$LH" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	RC=${PIPESTATUS[1]}
	OUT=$(cat "$TEST_TMP/out")
	ERR=$(cat "$TEST_TMP/err")
}

sql -c "CREATE TABLE t (id INT, name STRING); INSERT INTO t VALUES (1, 'a'), (2, 'b');"
[ "$RC" -eq 0 ] && [ -z "$OUT" ]; ok $? "-c: DDL and DML exit 0 with nothing on stdout (rc $RC: $ERR)"
[ -n "$ERR" ]; ok $? "-c: what the statements did goes to stderr ($ERR)"

sql --format csv -c "SELECT id, name FROM t ORDER BY id"
[ "$RC" -eq 0 ] && [ "$OUT" = "$(printf 'id,name\n1,a\n2,b')" ] && [ -z "$ERR" ]
ok $? "-c: a query without ';' prints its rows, stdout only ($OUT)"

sql --format jsonl -c "SELECT id, name FROM t WHERE id = 2;"
[ "$RC" -eq 0 ] && [ "$OUT" = '{"id":2,"name":"b"}' ]; ok $? "--format jsonl prints canonical rows ($OUT)"

sql -c "SELECT count(*) AS n FROM t"
[ "$RC" -eq 0 ] && echo "$OUT" | grep -q '^| n ' && echo "$OUT" | grep -Eq '^\| +2 \|' &&
	echo "$OUT" | grep -q '^1 row$'
ok $? "the default format is table ($OUT)"

for f in tsv json markdown; do
	sql --format "$f" -c "SELECT id FROM t WHERE id = 1"
	case $f in
	tsv) want=$(printf 'id\n1') ;;
	json) want='[{"id":1}]' ;;
	markdown) want=$(printf '| id |\n|---|\n| 1 |') ;;
	esac
	[ "$RC" -eq 0 ] && [ "$(echo "$OUT" | tr -d ' \n')" = "$(echo "$want" | tr -d ' \n')" ]
	ok $? "--format $f ($(echo $OUT))"
done

sql --format csv -c "SELECT 1 AS a; SELECT 2 AS b;"
[ "$RC" -eq 0 ] && [ "$OUT" = "$(printf 'a\n1\nb\n2')" ]; ok $? "-c: two statements on one line run in order"

# A pipe on stdin: statements over several lines, comments, a meta command.
pipe '-- the rows\nSELECT id\n  FROM t\n  WHERE id = 1;\n\\format csv\nSELECT name FROM t WHERE id = 2;\n'
[ "$RC" -eq 0 ] && echo "$OUT" | grep -Eq '^\| +1 \|' && [ "$(echo "$OUT" | tail -n 2)" = "$(printf 'name\nb')" ]
ok $? "stdin: multi-line statements and \\format between them ($OUT)"

# --lakehouse before the command reaches the same lakehouse.
run "$TARN_BIN" --lakehouse "$LH" sql --format csv -c "SELECT count(*) AS n FROM t"
[ "$RC" -eq 0 ] && [ "$OUT" = "$(printf 'n\n2')" ]; ok $? "tarn --lakehouse DIR sql works too ($OUT)"
TARN_HOME="$LH" run "$TARN_BIN" sql --format csv -c "SELECT count(*) AS n FROM t"
[ "$RC" -eq 0 ] && [ "$OUT" = "$(printf 'n\n2')" ]; ok $? "TARN_HOME names the default lakehouse ($OUT)"

# A script with an error on line 6: stop there, report the file and line.
cat >"$TEST_TMP/q.sql" <<'EOF'
-- a script
SELECT 'first' AS x;

SELECT 'second'
  AS x;
SELECT * FORM t;
SELECT 'after' AS x;
EOF
sql --format csv -f "$TEST_TMP/q.sql"
[ "$RC" -eq 1 ]; ok $? "-f: a failing statement exits 1 (rc $RC)"
echo "$OUT" | grep -q first && echo "$OUT" | grep -q second && ! echo "$OUT" | grep -q after
ok $? "-f: statements before the error ran, those after it did not ($(echo $OUT))"
echo "$ERR" | grep -q "^tarn sql: $TEST_TMP/q.sql:6:"; ok $? "-f: the error names the file and line 6 ($ERR)"

sql --format csv --continue -f "$TEST_TMP/q.sql"
[ "$RC" -eq 1 ] && echo "$OUT" | grep -q after; ok $? "--continue runs the rest and still exits 1 (rc $RC)"

run "$TARN_BIN" sql --lakehouse "$LH" --format csv -f - <"$TEST_TMP/q.sql"
[ "$RC" -eq 1 ] && echo "$ERR" | grep -q '^tarn sql: stdin:6:'; ok $? "-f -: reads stdin, errors name stdin:LINE ($ERR)"

sql -c "SELECT nosuch_column FROM t;"
[ "$RC" -eq 1 ] && echo "$ERR" | grep -q '^tarn sql: -c:1' && echo "$ERR" | grep -q nosuch_column
ok $? "-c: an unknown column exits 1 naming it ($ERR)"

sql -c "SELECT 1;" -f "$TEST_TMP/q.sql"
[ "$RC" -eq 2 ] && [ -z "$OUT" ] && echo "$ERR" | grep -q '^usage: tarn sql'; ok $? "-c with -f is a usage error (rc $RC)"
sql --format nope -c "SELECT 1;"
[ "$RC" -eq 2 ] && echo "$ERR" | grep -q "nope"; ok $? "an unknown format is a usage error (rc $RC)"
sql --frob
[ "$RC" -eq 2 ]; ok $? "an unknown option is a usage error (rc $RC)"
sql extra
[ "$RC" -eq 2 ]; ok $? "an argument is a usage error (rc $RC)"
sql -f "$TEST_TMP/nosuch.sql"
[ "$RC" -eq 1 ] && echo "$ERR" | grep -q 'nosuch.sql'; ok $? "a missing -f file exits 1 ($ERR)"

pipe '\\nosuch\n'
[ "$RC" -eq 1 ] && echo "$ERR" | grep -q "^tarn sql: stdin:1: unknown meta command"
ok $? "an unknown meta command exits 1 ($ERR)"

pipe 'SELECT 1 AS a;\n\\quit\nSELECT 2 AS b;\n' --format csv
[ "$RC" -eq 0 ] && [ "$OUT" = "$(printf 'a\n1')" ]; ok $? "\\quit ends a script ($OUT)"

pipe ''
[ "$RC" -eq 0 ] && [ -z "$OUT" ]; ok $? "empty input exits 0"
done_testing
