# bench/lib.sh - what the benchmarks share: the DuckDB peer (installed into
# bench/data/duckdb-peer), timing it, and the generated input file. Source
# it from the repository root with ROWS set.
OUT=bench/data
PEER=$OUT/duckdb-peer
mkdir -p "$OUT"
if [ ! -d "$PEER/node_modules" ]; then
	cp -r ../shared/peers/duckdb/. "$PEER"
	(cd "$PEER" && npm install --no-audit --no-fund >/dev/null)
fi
FILE=$PWD/$OUT/bench_$ROWS.parquet
# DuckDB's wall time (ms) of one query, single-threaded.
duck() { (cd "$PEER" && node canon.mjs --threads 1 --time "$1" 2>&1 >/dev/null | awk '/wall_ms/ {print $2}'); }
if [ ! -f "$FILE" ]; then
	echo "generating $ROWS rows with DuckDB..." >&2
	(cd "$PEER" && node canon.mjs "COPY (SELECT i::BIGINT AS id, (i % 100)::INTEGER AS small,
		(i * 7919 % 1000003) / 7.0 AS dbl, 'item_' || lpad(((i * 31) % 1000)::VARCHAR, 5, '0') AS s,
		DATE '2000-01-01' + (i % 9000)::INTEGER AS d,
		(((i * 13) % 10000000) / 100)::DECIMAL(18,2) AS amount
		FROM range($ROWS) t(i)) TO '$FILE' (FORMAT parquet, COMPRESSION zstd)" >/dev/null)
fi
best() { sort -n | head -n 1; }
