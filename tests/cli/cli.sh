#!/usr/bin/env bash
# cli.sh - the tarn command line: help, version, usage errors and exit codes.
. "$(dirname "$0")/../lib.sh"
plan 12

run "$TARN_BIN" --help
ok $(( RC != 0 )) "--help exits 0"
echo "$OUT" | grep -q '^usage: tarn' ; ok $? "--help prints usage on stdout"
[ -z "$ERR" ]; ok $? "--help writes nothing to stderr"

run "$TARN_BIN" --version
echo "$OUT" | grep -Eq '^tarn [0-9]+\.[0-9]+\.[0-9]+$'; ok $? "--version prints 'tarn X.Y.Z' ($OUT)"
V=$OUT
run "$TARN_BIN" version
[ "$RC" -eq 0 ] && [ "$OUT" = "$V" ]; ok $? "'tarn version' agrees with --version"

run "$TARN_BIN" help help
[ "$RC" -eq 0 ] && echo "$OUT" | grep -q '^usage: tarn help \[COMMAND\]'; ok $? "'tarn help help' shows the command's usage"

run "$TARN_BIN" frobnicate
[ "$RC" -eq 2 ] && [ -z "$OUT" ] && echo "$ERR" | grep -q "unknown command 'frobnicate'"
ok $? "unknown command: exit 2, message on stderr"

run "$TARN_BIN" --frobnicate
[ "$RC" -eq 2 ] && [ -z "$OUT" ] && echo "$ERR" | grep -q "unknown option '--frobnicate'" \
	&& echo "$ERR" | grep -q '^usage: tarn'
ok $? "unknown option: exit 2, usage on stderr"

run "$TARN_BIN" help nosuch
[ "$RC" -eq 2 ] && echo "$ERR" | grep -q "unknown command 'nosuch'"; ok $? "help for an unknown command: exit 2"

run "$TARN_BIN" version extra
[ "$RC" -eq 2 ] && echo "$ERR" | grep -q '^usage: tarn version'; ok $? "extra argument: exit 2 with the command's usage"

run "$TARN_BIN" </dev/null
[ "$RC" -eq 1 ] && echo "$ERR" | grep -q 'the workbench needs a terminal; use `tarn sql`'
ok $? "no command and no terminal: exit 1, pointing to tarn sql"

TARN_LOG="$TEST_TMP/tarn.log" "$TARN_BIN" version >/dev/null 2>&1
grep -q ' INFO run: version$' "$TEST_TMP/tarn.log"; ok $? "TARN_LOG receives a log line"

done_testing
