#!/usr/bin/env bash
# help_man.sh - `tarn --help`, `tarn help CMD` and doc/tarn.1 agree: every
# command and global option in the help is in the man page and vice versa,
# and the man page names the same version.
. "$(dirname "$0")/../lib.sh"
MAN="$TARN_SRCDIR/doc/tarn.1"

help_cmds=$("$TARN_BIN" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF && !/^Commands:/ {print $1}' | sort)
# Commands in the man page are the .TP entries under .SH COMMANDS, as .B name.
man_cmds=$(sed -n '/^\.SH COMMANDS/,/^\.SH /p' "$MAN" | awk 'prev == ".TP" && /^\.B / {print $2} {prev = $0}' | sort)
n=$(echo "$help_cmds" | wc -l)
plan $((n + 5))

[ -n "$help_cmds" ]; ok $? "tarn --help lists commands"
[ "$help_cmds" = "$man_cmds" ]; ok $? "the man page documents exactly the commands in --help"
[ "$help_cmds" = "$man_cmds" ] || diag "help: $(echo $help_cmds)" "man: $(echo $man_cmds)"

# Every option of every command is in the man page too.
man_text=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$MAN")
for c in $help_cmds; do
	opts=$("$TARN_BIN" help "$c" 2>/dev/null | grep -Eo -- '--[a-z][a-z-]+' | sort -u)
	missing=""
	for o in $opts; do
		echo "$man_text" | grep -q -- "$o" || missing="$missing $o"
	done
	"$TARN_BIN" help "$c" >/dev/null 2>&1 && [ -z "$missing" ]
	ok $? "tarn help $c works and its options are in the man page${missing:+ (missing:$missing)}"
done

help_opts=$("$TARN_BIN" --help | grep -Eo -- '--[a-z][a-z-]+' | sort -u)
man_opts=$(sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$MAN" | grep -Eo -- '\\-\\-[a-z][a-z-]+' | sed 's/\\//g' | sort -u)
[ "$help_opts" = "$man_opts" ]; ok $? "global options agree ($(echo $help_opts))"
[ "$help_opts" = "$man_opts" ] || diag "man: $(echo $man_opts)"

v=$("$TARN_BIN" --version | awk '{print $2}')
grep -q "^\.TH TARN 1 .*\"tarn $v\"" "$MAN"; ok $? "man page names version $v"

man -l "$MAN" >/dev/null 2>&1 || command -v man >/dev/null || true
# groff (if present) renders the page without warnings.
if command -v groff >/dev/null; then
	w=$(groff -man -Tutf8 -ww -z "$MAN" 2>&1)
	[ -z "$w" ]; ok $? "groff renders the man page without warnings"
	[ -z "$w" ] || diag "$w"
else
	echo "ok $((TAP_N += 1)) - groff renders the man page # SKIP groff not installed"
fi
done_testing
