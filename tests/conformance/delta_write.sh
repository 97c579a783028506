#!/usr/bin/env bash
# delta_write.sh - tables tarn writes (`tarn import`): created, appended to
# and overwritten, read back the same by tarn and by DuckDB's independent
# reader (delta_read.mjs), with the log's actions holding the fields the
# protocol requires; concurrent appends lose nothing; a refused write
# commits nothing.
. "$(dirname "$0")/../lib.sh"
DATA=${TARN_TESTDATA:-$TARN_SRCDIR/../shared/testdata}/parquet/data
[ -d "$DATA" ] || skip_all "Parquet test data not found at $DATA"
command -v python3 >/dev/null || skip_all "python3 not installed"
PEER=${TARN_DUCKDB_PEER:-$TARN_SRCDIR/build-peers/duckdb}
COMPARE=$DATA/../../../tools/jsonl_compare.py
plan 27

rows() { "$TARN_BIN" cat --format jsonl "$1" | wc -l; }

T=$TEST_TMP/t1
SRC=$DATA/alltypes_plain.parquet
"$TARN_BIN" import "$SRC" "$T" 2>/dev/null
"$TARN_BIN" cat --format jsonl "$SRC" >"$TEST_TMP/src"
"$TARN_BIN" cat --format jsonl "$T" >"$TEST_TMP/tbl"
python3 "$COMPARE" "$TEST_TMP/src" "$TEST_TMP/tbl" >/dev/null 2>&1
ok $? "import creates a table with the file's rows"
duck_equal "$T" "a new table reads the same in DuckDB"
"$TARN_BIN" import "$SRC" "$T" 2>/dev/null
[ "$(rows "$T")" -eq 16 ]
ok $? "append adds the rows again ($(rows "$T") rows)"
duck_equal "$T" "after an append"
"$TARN_BIN" import --mode overwrite "$SRC" "$T" 2>/dev/null
[ "$(rows "$T")" -eq 8 ]
ok $? "overwrite replaces the rows ($(rows "$T") rows)"
duck_equal "$T" "after an overwrite"
ops=$("$TARN_BIN" history --format jsonl "$T" | python3 -c 'import json,sys; print(",".join(json.loads(l)["operation"] + ":" + json.loads(json.loads(l)["operationParameters"])["mode"] for l in sys.stdin))')
[ "$ops" = "WRITE:Overwrite,WRITE:Append,CREATE TABLE AS SELECT:Append" ]
ok $? "history: $ops"

# Every action has the protocol's required fields, of the right types.
python3 "$TARN_SRCDIR/tests/conformance/log_check.py" "$T/_delta_log" >"$TEST_TMP/chk" 2>&1
ok $? "log: $(tail -n 1 "$TEST_TMP/chk")"

# Statistics let readers skip the file.
"$TARN_BIN" cat --metrics --where "id > 100" "$T" 2>"$TEST_TMP/m" >/dev/null
grep -q "1 files, 1 skipped" "$TEST_TMP/m"
ok $? "file statistics skip a non-matching file: $(head -c 120 "$TEST_TMP/m")"

# A refused write commits nothing and leaves no data file.
before=$(ls "$T" | wc -l)
"$TARN_BIN" import "$DATA/nulls.snappy.parquet" "$T" >/dev/null 2>"$TEST_TMP/err"
rc=$?
[ $rc -eq 1 ] && [ "$(ls "$T/_delta_log" | wc -l)" -eq 3 ] && [ "$(ls "$T" | wc -l)" -eq "$before" ]
ok $? "a mismatched schema is refused and changes nothing: $(head -c 150 "$TEST_TMP/err")"

# Nested types round-trip.
N=$TEST_TMP/nested
"$TARN_BIN" import "$DATA/nested_lists.snappy.parquet" "$N" 2>/dev/null
"$TARN_BIN" cat --format jsonl "$DATA/nested_lists.snappy.parquet" >"$TEST_TMP/src"
"$TARN_BIN" cat --format jsonl "$N" >"$TEST_TMP/tbl"
python3 "$COMPARE" "$TEST_TMP/src" "$TEST_TMP/tbl" >/dev/null 2>&1
ok $? "nested lists round-trip through a table"
duck_equal "$N" "nested lists in DuckDB"

# Concurrent appends: 4 writers, 3 appends each, all at once.
C=$TEST_TMP/conc
"$TARN_BIN" import "$SRC" "$C" 2>/dev/null
for p in 1 2 3 4; do
	( for i in 1 2 3; do "$TARN_BIN" import "$SRC" "$C" 2>>"$TEST_TMP/conc.err" || echo fail >>"$TEST_TMP/conc.fail"; done ) &
done
wait
[ ! -f "$TEST_TMP/conc.fail" ] && [ "$(rows "$C")" -eq $((8 + 4 * 3 * 8)) ]
ok $? "4 concurrent writers x 3 appends: $(rows "$C") rows (want $((8 + 96)))"
[ "$(ls "$C/_delta_log" | grep -c 'json$')" -eq 13 ]
ok $? "13 contiguous versions: $(ls "$C/_delta_log" | grep -c 'json$')"
[ "$(ls "$C" | grep -c parquet)" -eq 13 ]
ok $? "no orphan data files: $(ls "$C" | grep -c parquet) for 13 commits"

# Partitioned tables: Hive-style directories, values with characters that
# need escaping, null partition values.
GEN=${TARN_BUILDDIR:-$TARN_SRCDIR}/tests/conformance/rows_gen
P=$TEST_TMP/parted
"$GEN" "$TEST_TMP/p1.parquet" 0 100 'a b/c=d%e:f'
"$GEN" "$TEST_TMP/p2.parquet" 100 50 NULL
"$GEN" "$TEST_TMP/p3.parquet" 150 50 plain
"$TARN_BIN" import --partition-by tag,grp "$TEST_TMP/p1.parquet" "$P" 2>/dev/null &&
	"$TARN_BIN" import "$TEST_TMP/p2.parquet" "$P" 2>/dev/null &&
	"$TARN_BIN" import "$TEST_TMP/p3.parquet" "$P" 2>/dev/null
ok $? "a partitioned table is created and appended to"
[ "$("$TARN_BIN" cat --format csv --columns id,tag --where "tag IS NULL" "$P" | tail -n +2 | wc -l)" -eq 50 ] &&
	[ "$("$TARN_BIN" cat --metrics --format csv --columns id,tag,grp --where "tag = 'plain' AND grp = 3" "$P" 2>&1 >/dev/null | grep -o '[0-9]* read' | grep -o '[0-9]*')" -eq 1 ]
ok $? "partition values read back (nulls too) and prune files"
ls "$P" | grep -q '^tag=a b%2Fc%3Dd%25e%3Af$' && ls "$P" | grep -q '^tag=__HIVE_DEFAULT_PARTITION__$'
ok $? "partition directories are Hive-escaped: $(ls "$P" | tr '\n' ' ')"
duck_equal "$P" "a partitioned table in DuckDB"

# Column mapping (name mode), schema evolution, rename and drop.
M=$TEST_TMP/mapped
"$TARN_BIN" import --property delta.columnMapping.mode=name "$TEST_TMP/p3.parquet" "$M" 2>/dev/null &&
	"$TARN_BIN" alter --rename-column val=value --drop-column grp "$M" 2>/dev/null
ok $? "a column-mapped table: create, rename a column, drop a column"
"$TARN_BIN" inspect --format json "$M" | python3 -c '
import json, sys
s = json.load(sys.stdin)
cols = [c["name"] for c in s["schema"]] if "schema" in s else []
print(" ".join(cols))' >"$TEST_TMP/cols" 2>/dev/null
"$TARN_BIN" cat --format jsonl --limit 1 "$M" | grep -q '"value":37.5' &&
	! "$TARN_BIN" cat --format jsonl --limit 1 "$M" | grep -q '"grp"'
ok $? "renamed column keeps its values, the dropped one is gone"
duck_equal "$M" "a renamed and dropped column in DuckDB"
"$TARN_BIN" import "$TEST_TMP/p1.parquet" "$M" 2>"$TEST_TMP/err"
[ $? -eq 1 ] && grep -q "column 'grp'" "$TEST_TMP/err"
ok $? "rows with a column the table lacks are refused: $(head -c 120 "$TEST_TMP/err")"
"$TARN_BIN" import --merge-schema "$TEST_TMP/p1.parquet" "$M" 2>/dev/null &&
	[ "$("$TARN_BIN" cat --format csv --columns id,grp --where "grp IS NULL" "$M" | tail -n +2 | wc -l)" -eq 50 ] &&
	[ "$("$TARN_BIN" cat --format csv --columns id,grp --where "grp = 3" "$M" | tail -n +2 | wc -l)" -eq 10 ]
ok $? "--merge-schema adds the new columns: null in old rows; a dropped column added again does not bring back its old values"
# delta_read.mjs selects every column of the schema from every file; files
# written before a column was added lack it (valid Delta: readers give
# nulls), which it cannot do.
if [ -d "$PEER/node_modules" ] && (cd "$PEER" && node delta_read.mjs "$M") 2>&1 >/dev/null | grep -q "not found in FROM clause"; then
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - after schema evolution in DuckDB # SKIP delta_read.mjs cannot read files that predate an added column"
else
	duck_equal "$M" "after schema evolution in DuckDB"
fi

# A log whose commit numbers are far apart (a crafted name): history and
# time travel do not try to cover the gap, and reading names the gap.
S=$TEST_TMP/sparse/_delta_log
mkdir -p "$S"
cp "$T/_delta_log/00000000000000000000.json" "$S/"
cp "$T/_delta_log/00000000000000000001.json" "$S/10000000000000000000.json" 2>/dev/null
cp "$T/_delta_log/00000000000000000001.json" "$S/00000010000000000000.json"
"$TARN_BIN" history --format jsonl "$TEST_TMP/sparse" >"$TEST_TMP/h" 2>"$TEST_TMP/err"
[ $? -eq 0 ] && [ "$(wc -l <"$TEST_TMP/h")" -eq 2 ]
ok $? "far-apart commit numbers: history lists the 2 commits $(head -c 100 "$TEST_TMP/err")"
"$TARN_BIN" cat "$TEST_TMP/sparse" >/dev/null 2>"$TEST_TMP/err"
[ $? -eq 1 ] && grep -q "missing version 1 " "$TEST_TMP/err"
ok $? "far-apart commit numbers: reading names the missing version: $(head -c 150 "$TEST_TMP/err")"
done_testing
