#!/usr/bin/env bash
# analytic.sh - the analytic conformance test: every query of
# tests/sql/analytic/*.sql runs in tarn over the demo lakehouse and in
# DuckDB over the same tables exported as Parquet (`tarn cat --output`),
# and the rows must agree (in order; floats within jsonl_compare.py's
# tolerance). One TAP line a query.
#
# In DuckDB each table is a view of its Parquet file in a schema of the
# same name (DuckDB reserves the catalog name "main", so the queries' main.
# prefix is dropped there). The queries are written to mean the same in
# both: dates compared as 'YYYY-MM-DD' text and taken apart with
# strftime(format, date), sums of decimals cast to DOUBLE, money ordered by
# exact cents, every ORDER BY total.
. "$(dirname "$0")/../lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
command -v node >/dev/null || skip_all "node not installed (the DuckDB peer)"
PEER=${TARN_DUCKDB_PEER:-$TARN_SRCDIR/build-peers/duckdb}
[ -d "$PEER/node_modules" ] || skip_all "DuckDB peer not installed at $PEER (scripts/check installs it)"
COMPARE=$TARN_SRCDIR/../shared/tools/jsonl_compare.py
[ -f "$COMPARE" ] || skip_all "jsonl_compare.py not found at $COMPARE"
QUERIES=$(ls "$TARN_SRCDIR"/tests/sql/analytic/*.sql)
plan $(($(echo "$QUERIES" | wc -l) + 2))

L=$TEST_TMP/lake
"$TARN_BIN" demo --lakehouse "$L" >/dev/null 2>"$TEST_TMP/err"
ok $? "the demo lakehouse"

# Each table as Parquet, and a DuckDB prelude of one view a table.
PQ=$TEST_TMP/pq
mkdir -p "$PQ"
: >"$TEST_TMP/prelude.sql"
n=0
for d in "$L"/warehouse/main/{bronze,silver,gold}/*/; do
	t=$(basename "$d")
	s=$(basename "$(dirname "$d")")
	"$TARN_BIN" cat --output "$PQ/$s.$t.parquet" "$d" 2>>"$TEST_TMP/err" && n=$((n + 1))
	printf "CREATE SCHEMA IF NOT EXISTS %s;\nCREATE VIEW %s.%s AS SELECT * FROM read_parquet('%s');\n" \
		"$s" "$s" "$t" "$PQ/$s.$t.parquet" >>"$TEST_TMP/prelude.sql"
done
[ "$n" -eq 8 ]
ok $? "the demo's 8 tables exported as Parquet ($n)"

for q in $QUERIES; do
	name=$(basename "$q" .sql)
	sql_jsonl "$L" -f "$q" >"$TEST_TMP/tarn.jsonl" 2>"$TEST_TMP/tarn.err"
	trc=$?
	{ cat "$TEST_TMP/prelude.sql"; sed 's/\bmain\.//g' "$q"; } >"$TEST_TMP/duck.sql"
	(cd "$PEER" && node canon.mjs --file "$TEST_TMP/duck.sql") >"$TEST_TMP/duck.jsonl" 2>"$TEST_TMP/duck.err"
	drc=$?
	if [ $trc -ne 0 ]; then
		ok 1 "$name: tarn failed"
		diag "$(head -n 5 "$TEST_TMP/tarn.err")"
	elif [ $drc -ne 0 ]; then
		ok 1 "$name: DuckDB failed"
		diag "$(head -n 5 "$TEST_TMP/duck.err")"
	else
		python3 "$COMPARE" --ordered "$TEST_TMP/duck.jsonl" "$TEST_TMP/tarn.jsonl" >"$TEST_TMP/cmp" 2>&1
		rc=$?
		ok $rc "$name: $(tail -n 1 "$TEST_TMP/cmp")"
		[ $rc -eq 0 ] || diag "$(head -n 12 "$TEST_TMP/cmp")"
	fi
done
done_testing
