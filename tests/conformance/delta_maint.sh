#!/usr/bin/env bash
# delta_maint.sh - table maintenance: tarn optimize (compaction and
# Z-order) keeps every row, read the same by tarn and DuckDB's independent
# reader, and shows nothing in the change feed; Z-order makes point filters
# read fewer files; tarn vacuum deletes exactly the files no version within
# the retention needs (orphans too), never a file of a version within it,
# and refuses a short retention without --force; tarn restore reproduces
# the golden table basic-with-inserts-overwrite-restore, by version and by
# timestamp, and fails clearly once vacuum took a file it needs.
. "$(dirname "$0")/../lib.sh"
DATA=${TARN_TESTDATA:-$TARN_SRCDIR/../shared/testdata}
[ -d "$DATA/delta/golden" ] || skip_all "Delta test data not found at $DATA"
command -v python3 >/dev/null || skip_all "python3 not installed"
command -v zstd >/dev/null || skip_all "zstd (to unpack the golden table) not installed"
GEN=${TARN_BUILDDIR:-$TARN_SRCDIR}/tests/roundtrip/pq_gen
[ -x "$GEN" ] || skip_all "tests/roundtrip/pq_gen not built (make check builds it)"
PEER=${TARN_DUCKDB_PEER:-$TARN_SRCDIR/build-peers/duckdb}
COMPARE=$DATA/../tools/jsonl_compare.py
plan 48

rows() { "$TARN_BIN" cat --format jsonl "$@" | sort; }
nfiles() { "$TARN_BIN" inspect --format json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["num_files"])'; }
nversions() { ls "$1/_delta_log" | grep -c '^[0-9]*\.json$'; }
# files_read TABLE EXPR: how many files a filtered scan reads
files_read() {
	"$TARN_BIN" cat --metrics --where "$2" "$1" 2>&1 >/dev/null | sed -n 's/.* \([0-9]*\) read.*/\1/p'
}
# commit TABLE VERSION KEY: a field of the commit's commitInfo (JSON)
commit() {
	python3 - "$1" "$2" "$3" <<'PY'
import json, sys
for line in open('%s/_delta_log/%020d.json' % (sys.argv[1], int(sys.argv[2]))):
    a = json.loads(line)
    if 'commitInfo' in a:
        print(json.dumps(a['commitInfo'].get(sys.argv[3]), sort_keys=True))
PY
}
# active TABLE: the active files' paths and stats, replayed from the JSON log
active_stats() {
	python3 - "$1" <<'PY'
import glob, json, sys
files = {}
for f in sorted(glob.glob(sys.argv[1] + '/_delta_log/*.json')):
    for line in open(f):
        a = json.loads(line)
        if 'add' in a:
            files[a['add']['path']] = json.loads(a['add']['stats'])
        elif 'remove' in a:
            files.pop(a['remove']['path'], None)
for p, s in sorted(files.items()):
    print(p, s['minValues']['a'], s['maxValues']['a'], s['minValues']['b'], s['maxValues']['b'])
PY
}
# gen NAME FIRST COUNT SEED: NAME.parquet with ids FIRST.., random a and b
gen() {
	python3 - "$2" "$3" "$4" >"$TEST_TMP/$1.jsonl" <<'PY'
import json, random, sys
first, count, seed = map(int, sys.argv[1:])
r = random.Random(seed)
for i in range(first, first + count):
    print(json.dumps({'id': i, 'a': r.randrange(1000), 'b': r.randrange(1000), 's': 'row %d' % i}))
PY
	"$GEN" --rows "id:i64,a:i64,b:i64,s:str" "$TEST_TMP/$1.jsonl" "$TEST_TMP/$1.parquet" >/dev/null
}
backdate() { # DAYS FILES...: set modification times DAYS days back
	local d=$1
	shift
	touch -d "@$(($(date +%s) - d * 86400))" "$@"
}

# ---------------------------------------------------------------- optimize
T=$TEST_TMP/opt
for i in $(seq 0 19); do
	gen "p$i" $((i * 500)) 500 "$i"
	"$TARN_BIN" import "$TEST_TMP/p$i.parquet" "$T" 2>/dev/null
done
rows "$T" >"$TEST_TMP/before"
[ "$(nfiles "$T")" -eq 20 ]
ok $? "20 imports make 20 small files"
run "$TARN_BIN" optimize "$T"
[ $RC -eq 0 ] && [ "$(nfiles "$T")" -eq 1 ]
ok $? "optimize compacts them into $(nfiles "$T") file: $ERR"
rows "$T" >"$TEST_TMP/after"
cmp -s "$TEST_TMP/before" "$TEST_TMP/after"
ok $? "the rows after optimize are the rows before ($(wc -l <"$TEST_TMP/after"))"
duck_equal "$T" "after optimize, in DuckDB"
[ "$(commit "$T" 20 operation)" = '"OPTIMIZE"' ] &&
	[ "$(commit "$T" 20 operationParameters)" = '{"auto": false, "clusterBy": "[]", "predicate": "[]", "zOrderBy": "[]"}' ] &&
	[ "$(commit "$T" 20 isolationLevel)" = '"SnapshotIsolation"' ]
ok $? "commitInfo: OPTIMIZE $(commit "$T" 20 operationParameters), $(commit "$T" 20 isolationLevel)"
m=$(commit "$T" 20 operationMetrics)
echo "$m" | python3 -c '
import json, sys
m = json.load(sys.stdin)
want = {"numRemovedFiles", "numRemovedBytes", "numAddedFiles", "numAddedBytes", "minFileSize",
        "maxFileSize", "p25FileSize", "p50FileSize", "p75FileSize", "numDeletionVectorsRemoved"}
assert set(m) == want, set(m) ^ want
assert m["numRemovedFiles"] == "20" and m["numAddedFiles"] == "1"
assert m["minFileSize"] == m["maxFileSize"] == m["numAddedBytes"]'
ok $? "metrics as Spark names them: $m"
python3 - "$T/_delta_log/00000000000000000020.json" <<'PY'
import json, sys
acts = [json.loads(l) for l in open(sys.argv[1])]
files = [a.get('add') or a.get('remove') for a in acts if 'add' in a or 'remove' in a]
sys.exit(0 if len(files) == 21 and all(f['dataChange'] is False for f in files) else 1)
PY
ok $? "every add and remove of the optimize says dataChange false"
run "$TARN_BIN" changes --from 20 --to 20 --format jsonl "$T"
[ $RC -eq 0 ] && [ -z "$OUT" ]
ok $? "the change feed of the optimize commit is empty"
rows --version 19 "$T" >"$TEST_TMP/v19"
cmp -s "$TEST_TMP/before" "$TEST_TMP/v19"
ok $? "time travel to the version before the optimize still reads its rows"
run "$TARN_BIN" optimize "$T"
[ $RC -eq 0 ] && [ "$(nversions "$T")" -eq 21 ] && echo "$ERR" | grep -q "nothing to optimize"
ok $? "a second optimize has nothing to do and commits nothing: $ERR"
run "$TARN_BIN" optimize --where "a = 1" "$T"
[ $RC -eq 1 ] && echo "$ERR" | grep -q "partition columns only"
ok $? "optimize --where on a data column is refused: $ERR"
run "$TARN_BIN" optimize --zorder-by nosuch "$T"
[ $RC -eq 1 ] && echo "$ERR" | grep -q "'nosuch' is not a column"
ok $? "an unknown Z-order column is refused: $ERR"

# A small target size: files of about that size, none bigger than needed.
S=$TEST_TMP/small
for i in 0 1 2 3 4 5; do "$TARN_BIN" import "$TEST_TMP/p$i.parquet" "$S" 2>/dev/null; done
one=$(stat -c %s "$S"/part-*.parquet | sort -n | tail -n 1)
"$TARN_BIN" optimize --target-size $((one * 2 + one / 2)) "$S" 2>/dev/null
[ "$(nfiles "$S")" -eq 3 ]
ok $? "a target of 2.5 files packs 6 files into bins of 2: $(nfiles "$S") files"

# ---------------------------------------------------------------- Z-order
Z=$TEST_TMP/z
for i in $(seq 0 19); do "$TARN_BIN" import "$TEST_TMP/p$i.parquet" "$Z" 2>/dev/null; done
reads() { # TABLE COLUMN: files read by 10 point filters on COLUMN
	local n=0
	for v in 3 101 222 345 480 517 666 742 871 998; do
		n=$((n + $(files_read "$1" "$2 = $v")))
	done
	echo $n
}
width() { # TABLE: mean width of the files' ranges of a, and of b
	active_stats "$1" | awk '{wa += $3 - $2; wb += $5 - $4; n++} END {printf "%d %d\n", wa / n, wb / n}'
}
ra0=$(reads "$Z" a)
rb0=$(reads "$Z" b)
w0=$(width "$Z")
total=$(stat -c %s "$Z"/part-*.parquet | awk '{s += $1} END {print s}')
run "$TARN_BIN" optimize --zorder-by a,b --target-size $((total / 16)) "$Z"
[ $RC -eq 0 ]
ok $? "optimize --zorder-by a,b: $ERR"
rows "$Z" >"$TEST_TMP/zafter"
cmp -s "$TEST_TMP/before" "$TEST_TMP/zafter"
ok $? "the rows after Z-order are the rows before"
duck_equal "$Z" "after Z-order, in DuckDB"
ra1=$(reads "$Z" a)
rb1=$(reads "$Z" b)
w1=$(width "$Z")
n=$(nfiles "$Z")
[ "$n" -ge 8 ] && [ "$n" -le 24 ]
ok $? "Z-order cuts the rows into files of about the target size: $n files"
[ $((ra1 * 2)) -lt "$ra0" ] && [ $((rb1 * 2)) -lt "$rb0" ]
ok $? "10 point filters on a read $ra0 files before, $ra1 after; on b $rb0, $rb1"
set -- $w0 $w1
[ "$3" -lt $(($1 / 2)) ] && [ "$4" -lt $(($2 / 2)) ]
ok $? "mean file range of a: $1 before, $3 after; of b: $2 before, $4 after"
v=$(($(nversions "$Z") - 1))
[ "$(commit "$Z" $v operationParameters | python3 -c 'import json,sys; print(json.load(sys.stdin)["zOrderBy"])')" = '["a","b"]' ]
ok $? "commitInfo records zOrderBy $(commit "$Z" $v operationParameters)"
run "$TARN_BIN" changes --from $v --format jsonl "$Z"
[ $RC -eq 0 ] && [ -z "$OUT" ]
ok $? "the change feed of the Z-order commit is empty"

# ---------------------------------------------------------------- deletion vectors
D=$TEST_TMP/dv
"$TARN_BIN" import "$TEST_TMP/p0.parquet" "$D" 2>/dev/null
"$TARN_BIN" import "$TEST_TMP/p1.parquet" "$D" 2>/dev/null
"$TARN_BIN" alter --set-property delta.enableDeletionVectors=true "$D" 2>/dev/null
run "$TARN_BIN" delete --where "a < 100" "$D"
[ $RC -eq 0 ] && ls "$D" | grep -q '^deletion_vector_'
ok $? "delete over two files writes deletion vectors: $ERR"
rows "$D" >"$TEST_TMP/dvbefore"
n=$(wc -l <"$TEST_TMP/dvbefore")
run "$TARN_BIN" vacuum --retain 0 --force "$D"
rows "$D" >"$TEST_TMP/dvvac"
[ $RC -eq 0 ] && ls "$D" | grep -q '^deletion_vector_' && cmp -s "$TEST_TMP/dvbefore" "$TEST_TMP/dvvac"
ok $? "vacuum keeps the deletion vectors of the current version: $ERR"
run "$TARN_BIN" optimize "$D"
rows "$D" >"$TEST_TMP/dvafter"
[ $RC -eq 0 ] && [ "$(nfiles "$D")" -eq 1 ] && cmp -s "$TEST_TMP/dvbefore" "$TEST_TMP/dvafter"
ok $? "optimize compacts the files with deletion vectors into 1 of their $n live rows"
v=$(($(nversions "$D") - 1))
[ "$(commit "$D" $v operationMetrics | python3 -c 'import json,sys; print(json.load(sys.stdin)["numDeletionVectorsRemoved"])')" = 2 ]
ok $? "numDeletionVectorsRemoved is 2"
run "$TARN_BIN" vacuum --retain 0 --force --dry-run "$D"
[ $RC -eq 0 ] && [ "$(echo "$OUT" | grep -c 'part-')" -eq 2 ] && [ "$(echo "$OUT" | grep -c 'deletion_vector_')" -eq 1 ]
ok $? "with the vectors compacted away, vacuum would delete 2 data files and 1 vector file"

# ---------------------------------------------------------------- vacuum
# T: versions 0-19 imports, 20 the optimize, both 10 days old; 21 a delete
# now. The optimize's input files were removed 10 days ago: vacuum takes
# them; the optimized file was removed by 21, within retention: it stays.
"$TARN_BIN" delete --where "id < 10" "$T" 2>/dev/null
for v in $(seq 0 20); do backdate $((30 - v)) "$T/_delta_log/$(printf %020d $v).json"; done
backdate 30 "$T"/part-*.parquet
cp "$TEST_TMP/p0.parquet" "$T/part-00000-orphan-of-a-killed-writer.parquet"
backdate 10 "$T/part-00000-orphan-of-a-killed-writer.parquet"
cp "$TEST_TMP/p0.parquet" "$T/part-00000-fresh-uncommitted.parquet"
mkdir -p "$T/_staging" "$T/.hidden"
cp "$TEST_TMP/p0.parquet" "$T/_staging/x.parquet"
cp "$TEST_TMP/p0.parquet" "$T/.hidden/x.parquet"
cp "$TEST_TMP/p0.parquet" "$T/.x.parquet"
backdate 10 "$T/_staging/x.parquet" "$T/.hidden/x.parquet" "$T/.x.parquet"
python3 - "$T" >"$TEST_TMP/want" <<'PY'
import json, sys
t = sys.argv[1]
for v in range(20):
    for line in open('%s/_delta_log/%020d.json' % (t, v)):
        a = json.loads(line)
        if 'add' in a:
            print(t + '/' + a['add']['path'])
print(t + '/part-00000-orphan-of-a-killed-writer.parquet')
PY
sort -o "$TEST_TMP/want" "$TEST_TMP/want"
run "$TARN_BIN" vacuum --dry-run "$T"
echo "$OUT" >"$TEST_TMP/got"
[ $RC -eq 0 ] && cmp -s "$TEST_TMP/want" "$TEST_TMP/got"
ok $? "dry run lists exactly the 20 files removed 10 days ago and the old orphan: $ERR"
[ "$(ls "$T"/*.parquet | wc -l)" -eq 24 ]
ok $? "a dry run deletes nothing"
run "$TARN_BIN" vacuum --retain 24 "$T"
[ $RC -eq 1 ] && echo "$ERR" | grep -q "shorter than the table's" && [ "$(ls "$T"/*.parquet | wc -l)" -eq 24 ]
ok $? "a retention below the table's is refused without --force: $ERR"
"$TARN_BIN" alter --set-property "delta.deletedFileRetentionDuration=interval 12 days" "$T" 2>/dev/null
run "$TARN_BIN" vacuum --dry-run "$T"
[ $RC -eq 0 ] && [ -z "$OUT" ] && echo "$ERR" | grep -q "retention 288 hours"
ok $? "delta.deletedFileRetentionDuration 'interval 12 days' keeps them all: $ERR"
run "$TARN_BIN" vacuum --retain 168 "$T"
[ $RC -eq 1 ]
ok $? "168 hours is now below the table's 12 days: refused"
"$TARN_BIN" alter --unset-property delta.deletedFileRetentionDuration "$T" 2>/dev/null
v=$(nversions "$T")
run "$TARN_BIN" vacuum "$T"
left=$(ls "$T" | sort | tr '\n' ' ')
[ $RC -eq 0 ] && [ "$(ls "$T"/*.parquet | wc -l)" -eq 3 ] && [ -f "$T/_staging/x.parquet" ] &&
	[ -f "$T/.hidden/x.parquet" ] && [ -f "$T/.x.parquet" ] && [ -f "$T/part-00000-fresh-uncommitted.parquet" ]
ok $? "vacuum deletes them, keeping hidden and young files: $ERR; left: $left"
[ "$(commit "$T" $v operation)" = '"VACUUM START"' ] && [ "$(commit "$T" $((v + 1)) operation)" = '"VACUUM END"' ] &&
	commit "$T" $v operationMetrics | grep -q '"numFilesToDelete": "21"' &&
	[ "$(commit "$T" $((v + 1)) operationParameters)" = '{"status": "COMPLETED"}' ]
ok $? "VACUUM START and VACUUM END are logged: $(commit "$T" $v operationMetrics) $(commit "$T" $((v + 1)) operationMetrics)"
rows --version 20 "$T" >"$TEST_TMP/v20"
cmp -s "$TEST_TMP/before" "$TEST_TMP/v20"
ok $? "version 20, current when the retention began, still reads"
rows "$T" >"$TEST_TMP/now"
[ "$(wc -l <"$TEST_TMP/now")" -eq 9990 ]
ok $? "the latest version still reads ($(wc -l <"$TEST_TMP/now") rows)"
duck_equal "$T" "after vacuum, in DuckDB"
run "$TARN_BIN" cat --version 19 "$T"
[ $RC -eq 1 ] && echo "$ERR" | grep -q missing
ok $? "a version older than the retention lost its files: $ERR"

# Change data files: kept within the retention, removable after it.
C=$TEST_TMP/cdf
"$TARN_BIN" import "$TEST_TMP/p0.parquet" "$C" 2>/dev/null
"$TARN_BIN" alter --set-property delta.enableChangeDataFeed=true "$C" 2>/dev/null
"$TARN_BIN" delete --where "a < 500" "$C" 2>/dev/null
backdate 30 "$C"/part-*.parquet "$C"/_change_data/*
run "$TARN_BIN" vacuum --dry-run "$C"
[ -d "$C/_change_data" ] && [ $RC -eq 0 ] && [ -z "$OUT" ]
ok $? "old files of recent commits, change data included, are kept: $ERR"
run "$TARN_BIN" vacuum --retain 0 --force --dry-run "$C"
[ "$(echo "$OUT" | grep -c '/_change_data/')" -eq 1 ] && [ "$(echo "$OUT" | wc -l)" -eq 2 ]
ok $? "with no retention, the change data file and the rewritten file would go: $(echo $OUT)"

# ---------------------------------------------------------------- restore
tar -C "$TEST_TMP" --zstd -xf "$DATA/delta/golden/basic-with-inserts-overwrite-restore.tar.zst"
GOLD=$TEST_TMP/basic-with-inserts-overwrite-restore
ids() { # NAME FIRST END: NAME.parquet with ids FIRST..END-1
	python3 -c "import json
for i in range($2, $3): print(json.dumps({'id': i}))" >"$TEST_TMP/$1.jsonl"
	"$GEN" --rows "id:i64" "$TEST_TMP/$1.jsonl" "$TEST_TMP/$1.parquet" >/dev/null
}
ids r0 0 100
ids r1 100 200
ids r2 500 1000
R=$TEST_TMP/restore
"$TARN_BIN" import "$TEST_TMP/r0.parquet" "$R" 2>/dev/null
"$TARN_BIN" import "$TEST_TMP/r1.parquet" "$R" 2>/dev/null
"$TARN_BIN" import --mode overwrite "$TEST_TMP/r2.parquet" "$R" 2>/dev/null
run "$TARN_BIN" restore --version 1 "$R"
[ $RC -eq 0 ]
ok $? "restore --version 1: $ERR"
rows "$GOLD/delta" >"$TEST_TMP/gold"
for f in "$GOLD"/expected/*.parquet; do "$TARN_BIN" cat --format jsonl "$f"; done | sort >"$TEST_TMP/gold_exp"
rows "$R" >"$TEST_TMP/ours"
[ -s "$TEST_TMP/gold" ] && cmp -s "$TEST_TMP/gold" "$TEST_TMP/ours" && cmp -s "$TEST_TMP/gold_exp" "$TEST_TMP/ours"
ok $? "the rows are the golden table's and its expected files' ($(wc -l <"$TEST_TMP/ours") rows)"
duck_equal "$R" "the restored table in DuckDB"
python3 - "$R/_delta_log/00000000000000000003.json" "$GOLD/delta/_delta_log/00000000000000000003.json" <<'PY'
import json, sys
def info(p):
    for l in open(p):
        a = json.loads(l)
        if 'commitInfo' in a:
            return a['commitInfo']
ours, gold = info(sys.argv[1]), info(sys.argv[2])
assert ours['operation'] == gold['operation'] == 'RESTORE'
assert ours['operationParameters'] == gold['operationParameters'], ours['operationParameters']
assert set(ours['operationMetrics']) == set(gold['operationMetrics'])
m = ours['operationMetrics']
assert (m['numRestoredFiles'], m['numRemovedFiles'], m['numOfFilesAfterRestore']) == ('2', '1', '2'), m
assert m['restoredFilesSize'] == m['tableSizeAfterRestore']
PY
ok $? "commitInfo: RESTORE with the golden table's parameters and metrics: $(commit "$R" 3 operationMetrics)"
for v in 0 1 2 3; do touch -d "2024-01-0$((v + 1))T00:00:00Z" "$R/_delta_log/$(printf %020d $v).json"; done
run "$TARN_BIN" restore --timestamp 2024-01-01T12:00:00Z "$R"
rows "$R" >"$TEST_TMP/ours"
rows "$TEST_TMP/r0.parquet" >"$TEST_TMP/want"
[ $RC -eq 0 ] && cmp -s "$TEST_TMP/want" "$TEST_TMP/ours" &&
	[ "$(commit "$R" 4 operationParameters)" = '{"timestamp": "2024-01-01T12:00:00.000000Z", "version": 0}' ]
ok $? "restore --timestamp finds version 0: $ERR $(commit "$R" 4 operationParameters)"
run "$TARN_BIN" restore --timestamp 2023-12-31T00:00:00Z "$R"
[ $RC -eq 1 ] && echo "$ERR" | grep -q "before the table's history"
ok $? "a time before the first commit is refused: $ERR"
"$TARN_BIN" vacuum --retain 0 --force "$R" 2>/dev/null
v=$(nversions "$R")
run "$TARN_BIN" restore --version 2 "$R"
[ $RC -eq 1 ] && echo "$ERR" | grep -q "is gone" && [ "$(nversions "$R")" -eq "$v" ]
ok $? "restore after vacuum fails clearly and commits nothing: $ERR"
run "$TARN_BIN" restore --version 1 "$R"
[ $RC -eq 1 ]
ok $? "so does restoring version 1, whose files vacuum took too"
run "$TARN_BIN" restore "$R"
[ $RC -eq 2 ]
ok $? "restore without --version or --timestamp is a usage error"
done_testing
