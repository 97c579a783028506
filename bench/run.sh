#!/usr/bin/env bash
# bench/run.sh - Parquet scan and write benchmarks against DuckDB, measured
# in the same run. Not a test: run it by hand.
#   bench/run.sh [ROWS]        (default 10000000)
# Needs a built tree (scripts/setup), node and ../shared/peers/duckdb.
# Prints each timing (best of 3) and the ratios tarn / DuckDB.
set -eu
cd "$(dirname "$0")/.."
ROWS=${1:-10000000}
make -s bench/pq_minmax bench/pq_write >/dev/null
. bench/lib.sh
cols="min(id), max(id), min(small), max(small), min(dbl), max(dbl), min(s), max(s), min(d), max(d), min(amount), max(amount)"

# scan: tarn decodes every column and takes min/max; DuckDB runs the same
# aggregate single-threaded. Times are wall clock of the work (DuckDB's
# query time, tarn's whole process).
t_scan=$(for i in 1 2 3; do bench/pq_minmax "$FILE" 2>&1 >/dev/null | awk '{print $4}'; done | best)
rss=$(bench/pq_minmax "$FILE" 2>&1 >/dev/null | awk '{print $6}')
d_scan=$(for i in 1 2 3; do duck "SELECT $cols FROM read_parquet('$FILE')"; done | best)
# write: the same rows to a zstd Parquet file; both sides read the input too
# (tarn's time is its whole process).
W=$PWD/$OUT/written.parquet
t_write=$(for i in 1 2 3; do bench/pq_write "$FILE" "$W" 2>&1 >/dev/null | awk '/write_ms/ {print $4}'; done | best)
d_write=$(for i in 1 2 3; do duck "COPY (SELECT * FROM read_parquet('$FILE')) TO '$PWD/$OUT/duck_written.parquet' (FORMAT parquet, COMPRESSION zstd)"; done | best)
wrss=$(bench/pq_write "$FILE" "$W" 2>&1 >/dev/null | awk '/write_ms/ {print $6}')
echo "rows:             $ROWS"
echo "scan  tarn:       $t_scan ms (peak RSS $((rss / 1024)) MB)"
echo "scan  duckdb -t1: $d_scan ms"
echo "write tarn:       $t_write ms (read+write, peak RSS $((wrss / 1024)) MB)"
echo "write duckdb -t1: $d_write ms (read+write)"
awk -v a="$t_scan" -v b="$d_scan" 'BEGIN { printf "scan ratio tarn/duckdb:  %.2f\n", a / b }'
awk -v a="$t_write" -v b="$d_write" 'BEGIN { printf "write ratio tarn/duckdb: %.2f\n", a / b }'
# The results agree:
bench/pq_minmax "$FILE" 2>/dev/null
(cd "$PEER" && node canon.mjs "SELECT $cols FROM read_parquet('$FILE')")
