#!/usr/bin/env bash
# layers.sh - the layering rules of doc/ARCHITECTURE.md hold in the source:
# only one file includes curses, only catalog/ and sql/ include sqlite3.h,
# tui/ never includes delta/ or parquet/, and lower layers never include
# higher ones.
. "$(dirname "$0")/../lib.sh"
cd "$TARN_SRCDIR/src" || exit 1
plan 5

curses=$(grep -rlE '#include *[<"](n?curses(w)?(/n?curses)?\.h)[>"]' --include='*.[ch]' . | wc -l)
[ "$curses" -le 1 ]; ok $? "at most one file includes curses ($curses)"

bad=$(grep -rlE '#include *[<"](n?curses(w)?/)?n?curses\.h[>"]' --include='*.[ch]' . \
	| grep -vx './tui/term.c')
[ -z "$bad" ]; ok $? "only tui/term.c includes curses.h or ncurses.h ${bad:+($bad)}"

bad=$(grep -rlE '#include *[<"]sqlite3\.h[>"]' --include='*.[ch]' . | grep -vE '^\./(catalog|sql)/')
[ -z "$bad" ]; ok $? "only catalog/ and sql/ include sqlite3.h ${bad:+($bad)}"

bad=$(grep -rlE '#include *"(delta|parquet)/' --include='*.[ch]' tui 2>/dev/null)
[ -z "$bad" ]; ok $? "tui/ never includes delta/ or parquet/ ${bad:+($bad)}"

# Layers from the bottom up; a file may include its own layer and lower ones.
order="base store io parquet delta catalog share sql pipeline cli shell tui"
bad=""
rank() { local i=0; for l in $order; do [ "$l" = "$1" ] && { echo $i; return; }; i=$((i + 1)); done; echo -1; }
for f in $(find . -name '*.[ch]'); do
	layer=$(echo "$f" | cut -d/ -f2)
	r=$(rank "$layer")
	[ "$r" -ge 0 ] || continue
	for inc in $(grep -Eo '#include *"[a-z]+/' "$f" | sed -E 's/.*"([a-z]+)\//\1/' | sort -u); do
		ri=$(rank "$inc")
		if [ "$ri" -gt "$r" ] && ! { [ "$layer" = cli ] || [ "$layer" = tui ] || [ "$layer" = shell ]; } ; then
			bad="$bad $f->$inc"
		fi
	done
done
[ -z "$bad" ]; ok $? "no layer includes a higher one ${bad:+($bad)}"
done_testing
