#!/usr/bin/env bash
# bench/sql.sh - the SQL layer against its peers, in one run:
#   1. SELECT count(*), sum(x) and a GROUP BY over 100 groups on a
#      10-million-row Delta table: tarn (`tarn sql -c`, the whole process)
#      vs the sqlite3 shell on a native table of the same rows (a file
#      database, warm) vs DuckDB on the same Parquet file (1 thread).
#   2. WHERE id BETWEEN a AND b on a 100-file table clustered by id: the
#      files the scan reads (EXPLAIN's scan metrics).
#   3. Shell start plus SELECT 1.
# Run from the repository root after building: bench/sql.sh [ROWS]
# Not part of make check.
set -eu
ROWS=${1:-10000000}
. bench/lib.sh
TARN=$PWD/tarn
L=$PWD/$OUT/sql_lake_$ROWS
NATIVE=$PWD/$OUT/sql_native_$ROWS.db
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
time3() { # time3 CMD... : best wall ms of 3 runs
	for _ in 1 2 3; do
		t=$(date +%s%N)
		"$@" >/dev/null
		ms "$t"
	done | best
}
command -v sqlite3 >/dev/null || { echo "bench/sql.sh: the sqlite3 shell is needed (apt-get install sqlite3)" >&2; exit 1; }

if [ ! -d "$L/warehouse/main/default/t" ]; then
	echo "loading $ROWS rows into a Delta table..." >&2
	rm -rf "$L"
	"$TARN" --lakehouse "$L" sql -c "CREATE TABLE t AS SELECT id, small AS g, dbl AS x FROM parquet.\`$FILE\`" >/dev/null
fi
if [ ! -f "$NATIVE" ]; then
	echo "loading $ROWS rows into a native SQLite table..." >&2
	CSV=$PWD/$OUT/sql_native.csv
	(cd "$PEER" && node canon.mjs "COPY (SELECT id, small AS g, dbl AS x FROM read_parquet('$FILE')) TO '$CSV' (HEADER false)" >/dev/null)
	sqlite3 "$NATIVE" "CREATE TABLE t (id INTEGER, g INTEGER, x REAL);" ".mode csv" ".import $CSV t"
	rm -f "$CSV"
fi

Q1="SELECT count(*), sum(x) FROM t"
Q2="SELECT g, count(*), sum(x) FROM t GROUP BY g"
for q in "$Q1" "$Q2"; do
	a=$(time3 "$TARN" --lakehouse "$L" sql -c "$q")
	b=$(time3 sqlite3 "$NATIVE" "$q")
	c=$(duck "$(echo "$q" | sed "s|FROM t|FROM (SELECT id, small AS g, dbl AS x FROM read_parquet('$FILE'))|")")
	echo "$q: tarn ${a} ms, sqlite3 native ${b} ms, DuckDB ${c} ms; tarn/sqlite3 $(awk "BEGIN{printf \"%.2f\", $a/$b}"), tarn/DuckDB $(awk "BEGIN{printf \"%.2f\", $a/$c}")"
done

# 2. a 100-file table clustered by id
C=$PWD/$OUT/sql_lake_clustered
if [ ! -d "$C/warehouse/main/default/c" ]; then
	rm -rf "$C"
	{
		echo "CREATE TABLE c (id BIGINT, v DOUBLE);"
		for i in $(seq 0 99); do
			echo "INSERT INTO c SELECT $i * 10000 + value, value * 0.5 FROM (WITH RECURSIVE s(value) AS (SELECT 0 UNION ALL SELECT value + 1 FROM s WHERE value < 9999) SELECT value FROM s);"
		done
	} | "$TARN" --lakehouse "$C" sql >/dev/null 2>&1
fi
"$TARN" --lakehouse "$C" sql --format csv -c "EXPLAIN SELECT count(*) FROM c WHERE id BETWEEN 123456 AND 129999" | grep "^\"scan"
"$TARN" --lakehouse "$C" sql --format csv -c "EXPLAIN SELECT count(*) FROM c WHERE id BETWEEN 419990 AND 420010" | grep "^\"scan"

# 3. shell start plus SELECT 1 (best of 10)
for _ in $(seq 10); do
	t=$(date +%s%N)
	"$TARN" --lakehouse "$L" sql -c "SELECT 1" >/dev/null
	ms "$t"
done | best | sed 's/^/tarn sql -c "SELECT 1": /; s/$/ ms (best of 10)/'
