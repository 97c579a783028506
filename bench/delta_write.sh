#!/usr/bin/env bash
# bench/delta_write.sh - Delta write benchmarks. Not a test: run by hand.
#   bench/delta_write.sh [ROWS]        (default 10000000)
# Needs a built tree (scripts/setup), node and ../shared/peers/duckdb.
#  1. append ROWS rows to a new table (tarn import) against DuckDB writing
#     the same rows to one Parquet file single-threaded (COPY ... TO);
#  2. delete 1% of the rows of a 100-file table: bytes rewritten against the
#     table's size, copy-on-write and with deletion vectors;
#  3. a small append (one row, one file) to a table of 10,000 files:
#     median time of 21 `tarn import` runs (the whole process).
set -eu
cd "$(dirname "$0")/.."
ROWS=${1:-10000000}
GEN=tests/conformance/rows_gen
make -s tarn "$GEN" >/dev/null
. bench/lib.sh
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
W=$(mktemp -d "$PWD/$OUT/delta.XXXXXX")
trap 'rm -rf "$W"' EXIT

# 1. append
t_app=$(for i in 1 2 3; do rm -rf "$W/app"; ms ./tarn import "$FILE" "$W/app"; done | best)
d_app=$(for i in 1 2 3; do duck "COPY (SELECT * FROM read_parquet('$FILE')) TO '$W/duck.parquet' (FORMAT parquet, COMPRESSION zstd)"; done | best)
[ "$(./tarn cat --format csv --columns id "$W/app" | tail -n +2 | wc -l)" -eq "$ROWS" ]
echo "append $ROWS rows  tarn: $t_app ms   duckdb -t1 COPY TO: $d_app ms"
awk -v a="$t_app" -v b="$d_app" 'BEGIN { printf "append ratio tarn/duckdb: %.2f (goal <= 1.5)\n", a / b }'

# 2. delete 1% of a 100-file table (100,000 rows a file)
for mode in cow dv; do
	T=$W/del-$mode
	prop=""
	[ $mode = dv ] && prop="--property delta.enableDeletionVectors=true"
	for f in $(seq 0 99); do
		[ -f "$W/f$f.parquet" ] || $GEN "$W/f$f.parquet" $((f * 100000)) 100000 "file$f"
		# shellcheck disable=SC2086
		./tarn import $prop "$W/f$f.parquet" "$T" 2>/dev/null
		prop=""
	done
	size=$(find "$T" -name '*.parquet' ! -path '*_delta_log*' -printf '%s\n' | awk '{s += $1} END {print s}')
	find "$T" -type f ! -path '*_delta_log*' -printf '%p\n' | sort >"$W/before"
	t_del=$(ms ./tarn delete --where "id >= 5050000 AND id < 5150000" "$T")
	written=$(find "$T" -type f ! -path '*_delta_log*' -printf '%p\n' | sort | comm -13 "$W/before" - |
		xargs -r stat -c %s | awk '{s += $1} END {print s + 0}')
	metrics=$(./tarn history --format jsonl --limit 1 "$T" | python3 -c 'import json,sys; m=json.loads(json.loads(sys.stdin.readline())["operationMetrics"]); print(m["numDeletedRows"], m["numRemovedFiles"], m.get("numRemovedBytes", 0))')
	set -- $metrics
	echo "delete 1% ($1 rows) from 100 files, $mode: $t_del ms; files removed $2 ($3 bytes), bytes written $written of a $size-byte table ($(awk -v a="$written" -v b="$size" 'BEGIN { printf "%.2f%%", 100 * a / b }'))"
done

# 3. small append to a table of 10,000 files
T=$W/wide
$GEN "$W/wide.parquet" 0 10000 wide
./tarn import --partition-by id "$W/wide.parquet" "$T" 2>/dev/null
nfiles=$(find "$T" -name '*.parquet' ! -path '*_delta_log*' | wc -l)
if ./tarn help checkpoint >/dev/null 2>&1; then ./tarn checkpoint "$T" 2>/dev/null; fi
$GEN "$W/small.parquet" 20000 1 small
t_small=$(for i in $(seq 1 21); do ms ./tarn import "$W/small.parquet" "$T"; done | median)
echo "small append to a $nfiles-file table: median $t_small ms over 21 commits (goal <= 50 ms)"
