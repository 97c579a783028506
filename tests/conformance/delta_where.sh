#!/usr/bin/env bash
# delta_where.sh - `tarn cat --where` on real tables: the rows are exactly
# those of a full read that pass the filter (checked in Python), and files
# that cannot match are skipped by partition values and statistics
# (--metrics), as many as delta_where.tsv expects.
. "$(dirname "$0")/../lib.sh"
ROOT=${TARN_TESTDATA:-$TARN_SRCDIR/../shared/testdata}/delta
[ -d "$ROOT/golden" ] || skip_all "Delta test tables not found at $ROOT"
command -v zstd >/dev/null || skip_all "zstd (to unpack the tables) not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"
CASES=$TARN_SRCDIR/tests/conformance/delta_where.tsv

cases=$(grep -v '^#' "$CASES")
plan $((2 * $(echo "$cases" | wc -l) + 2))
table_dir() {
	local d
	case $1 in
	*/*) d=$TEST_TMP/t/$1; [ -d "$d" ] || { mkdir -p "$d" && tar -C "$d" --zstd -xf "$ROOT/tables/$1.tar.zst"; } ;;
	*) d=$TEST_TMP/g; [ -d "$d/$1" ] || { mkdir -p "$d" && tar -C "$d" --zstd -xf "$ROOT/golden/$1.tar.zst" 2>/dev/null; }; d=$d/$1 ;;
	esac
	dirname "$(find "$d" -name _delta_log -type d | head -n 1)"
}
while IFS=$'\t' read -r table where expr skipped; do
	dir=$(table_dir "$table")
	"$TARN_BIN" cat --format jsonl "$dir" >"$TEST_TMP/all" 2>"$TEST_TMP/err"
	"$TARN_BIN" cat --format jsonl --metrics --where "$where" "$dir" >"$TEST_TMP/some" 2>"$TEST_TMP/metrics"
	python3 - "$TEST_TMP/all" "$TEST_TMP/some" "$expr" >"$TEST_TMP/cmp" 2>&1 <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
got = sorted(l.strip() for l in open(sys.argv[2]) if l.strip())
want = sorted(json.dumps(r, separators=(',', ':'), ensure_ascii=False) for r in rows if eval(sys.argv[3], {'r': r}))
norm = lambda ls: sorted(json.dumps(json.loads(l), sort_keys=True) for l in ls)
ok = norm(got) == norm(want)
print('%d of %d rows%s' % (len(got), len(rows), '' if ok else ' (want %d)' % len(want)))
sys.exit(0 if ok else 1)
PY
	ok $? "$table: --where \"$where\": $(tail -n 1 "$TEST_TMP/cmp") $(head -c 200 "$TEST_TMP/err")"
	n=$(sed -n 's/^scan: [0-9]* files, \([0-9]*\) skipped.*/\1/p' "$TEST_TMP/metrics")
	[ -n "$n" ] && [ "$n" -ge "$skipped" ]
	ok $? "$table: --where \"$where\" skips ${n:-?} files (at least $skipped): $(head -c 200 "$TEST_TMP/metrics")"
done <<<"$cases"

# Parquet row-group skipping: a table of one file in 8 row groups (tarn
# writes it from a file of the Parquet suite), filtered on its id.
src=$ROOT/../parquet/data/alltypes_tiny_pages.parquet
rg=$TEST_TMP/rg
mkdir -p "$rg/_delta_log"
"$TARN_BIN" cat --output "$rg/part-0.parquet" --row-group-rows 1000 --columns id,int_col "$src" 2>/dev/null
size=$(stat -c %s "$rg/part-0.parquet")
cat >"$rg/_delta_log/00000000000000000000.json" <<JSON
{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}
{"metaData":{"id":"rg","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},{\"name\":\"int_col\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":[],"configuration":{},"createdTime":1}}
{"add":{"path":"part-0.parquet","partitionValues":{},"size":$size,"modificationTime":1,"dataChange":true}}
JSON
got=$("$TARN_BIN" cat --format jsonl --metrics --where "id < 500" "$rg" 2>"$TEST_TMP/metrics" | wc -l)
want=$("$TARN_BIN" cat --format jsonl "$rg" | python3 -c 'import json,sys; print(sum(1 for l in sys.stdin if json.loads(l)["id"] < 500))')
[ "$got" = "$want" ] && [ "$got" -gt 0 ]
ok $? "row groups: --where \"id < 500\" gives $got rows (want $want)"
n=$(sed -n 's/.*read ([0-9]* bytes), \([0-9]*\) row groups skipped.*/\1/p' "$TEST_TMP/metrics")
[ -n "$n" ] && [ "$n" -ge 1 ]
ok $? "row groups: ${n:-?} of 8 skipped by their statistics: $(head -c 200 "$TEST_TMP/metrics")"
done_testing
