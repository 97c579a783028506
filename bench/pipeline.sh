#!/usr/bin/env bash
# bench/pipeline.sh - pipeline benchmarks. Not a test: run by hand.
#   bench/pipeline.sh [MB]        (default 1024: a 1 GB CSV file)
# Needs a built tree (scripts/setup), node and ../shared/peers/duckdb.
#  1. ingest a generated CSV file of MB megabytes into a bronze streaming
#     table (`tarn pipeline run`, the whole process) against DuckDB
#     reading the same file into one Parquet file single-threaded
#     (COPY (SELECT * FROM read_csv(...)) TO ...); goal ratio <= 2;
#  2. the same pipeline run again with no new input (median of 11 runs of
#     the whole process); goal <= 200 ms.
set -eu
cd "$(dirname "$0")/.."
MB=${1:-1024}
ROWS=1000 # lib.sh's Parquet file is not used here; keep it small
make -s tarn >/dev/null
. bench/lib.sh
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
W=$(mktemp -d "$PWD/$OUT/pipeline.XXXXXX")
trap 'rm -rf "$W"' EXIT
CSV=$PWD/$OUT/bench_${MB}mb.csv
# about 53 bytes a row
N=$((MB * 1024 * 1024 / 53))
if [ ! -f "$CSV" ]; then
	echo "generating $N rows (~$MB MB of CSV) with DuckDB..." >&2
	(cd "$PEER" && node canon.mjs "COPY (SELECT i::BIGINT AS id, (i % 100)::INTEGER AS small,
		round((i * 7919 % 1000003) / 7.0, 4) AS dbl, 'item_' || lpad(((i * 31) % 1000)::VARCHAR, 5, '0') AS s,
		DATE '2000-01-01' + (i % 9000)::INTEGER AS d,
		(((i * 13) % 10000000) / 100)::DECIMAL(18,2) AS amount
		FROM range($N) t(i)) TO '$CSV' (FORMAT csv, HEADER true)" >/dev/null)
fi
size=$(stat -c %s "$CSV")
rows=$(($(wc -l <"$CSV") - 1))
echo "input: $CSV, $size bytes, $rows rows"

mkdir -p "$W/land"
ln -s "$CSV" "$W/land/input.csv"
# 1. ingest
t_in=$(for i in 1 2 3; do
	rm -rf "$W/lh"; mkdir -p "$W/lh/pipelines/bench"
	printf "CREATE OR REFRESH STREAMING TABLE bronze\nAS SELECT * FROM STREAM read_files('%s', format => 'csv');\n" \
		"$W/land" >"$W/lh/pipelines/bench/a.sql"
	ms ./tarn --lakehouse "$W/lh" pipeline run bench
done | best)
got=$(./tarn --lakehouse "$W/lh" sql --format csv -c "SELECT count(*) FROM main.bench.bronze" | tail -n 1)
[ "$got" -eq "$rows" ] || { echo "bronze has $got rows, not $rows" >&2; exit 1; }
d_in=$(for i in 1 2 3; do duck "COPY (SELECT * FROM read_csv('$CSV')) TO '$W/duck.parquet' (FORMAT parquet, COMPRESSION zstd)"; done | best)
echo "ingest $size bytes  tarn pipeline run: $t_in ms   duckdb -t1 COPY TO: $d_in ms"
awk -v a="$t_in" -v b="$d_in" -v s="$size" 'BEGIN { printf "ingest ratio tarn/duckdb: %.2f (goal <= 2); tarn %.0f MB/s, duckdb %.0f MB/s\n", a / b, s / a / 1048.576, s / b / 1048.576 }'

# 2. a run with nothing new
t_noop=$(for i in $(seq 11); do ms ./tarn --lakehouse "$W/lh" pipeline run bench; done | median)
echo "no-input run (whole process, median of 11): $t_noop ms (goal <= 200)"
