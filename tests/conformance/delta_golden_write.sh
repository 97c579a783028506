#!/usr/bin/env bash
# delta_golden_write.sh - tarn does again what Spark and delta-rs did to
# three real tables, from the same starting rows and with the operations
# their logs record, and must end with the rows they ended with:
#   basic-with-inserts-updates (golden): a write of two files, then UPDATE
#     str = 'N/A' WHERE id < 50;
#   dv-partitioned-with-checkpoint (golden): partitioned by part, deletion
#     vectors on, 15 DELETEs (every version compared);
#   delta-rs simple_table, version 0 to 1: a MERGE on id that updates the
#     matched rows and inserts the rest.
# The commits' Spark metrics are compared with the originals' too.
. "$(dirname "$0")/../lib.sh"
TD=${TARN_TESTDATA:-$TARN_SRCDIR/../shared/testdata}
GOLDEN=$TD/delta/golden
SIMPLE=$TD/delta/tables/delta-rs/simple_table.tar.zst
[ -f "$GOLDEN/basic-with-inserts-updates.tar.zst" ] || skip_all "Delta golden tables not found at $GOLDEN"
[ -f "$SIMPLE" ] || skip_all "delta-rs simple_table not found at $SIMPLE"
command -v python3 >/dev/null || skip_all "python3 not installed"
command -v zstd >/dev/null || skip_all "zstd (to unpack the tables) not installed"
COMPARE=$TD/../tools/jsonl_compare.py
GEN=${TARN_BUILDDIR:-$TARN_SRCDIR}/tests/roundtrip/pq_gen
[ -x "$GEN" ] || skip_all "tests/roundtrip/pq_gen is not built (make check builds it)"
for t in basic-with-inserts-updates dv-partitioned-with-checkpoint; do
	tar -C "$TEST_TMP" --zstd -xf "$GOLDEN/$t.tar.zst" || { echo "Bail out! cannot unpack $t"; exit 1; }
done
tar -C "$TEST_TMP" --zstd -xf "$SIMPLE" || { echo "Bail out! cannot unpack $SIMPLE"; exit 1; }

expected() { # NAME: the golden table's expected rows file
	if [ -f "$GOLDEN/expected/$1.jsonl" ]; then echo "$GOLDEN/expected/$1.jsonl"; else echo "$GOLDEN/expected/$1.jsonl.zst"; fi
}
same() { # EXPECTED_ROWS TABLE [VERSION]: tarn's rows of TABLE equal them
	"$TARN_BIN" cat --format jsonl ${3:+--version "$3"} "$2" >"$TEST_TMP/rows" 2>&1
	python3 "$COMPARE" "$1" "$TEST_TMP/rows" >"$TEST_TMP/cmp" 2>&1
}
# logq COMMIT_FILE EXPR [ARG...]: the Python expression EXPR over a
# commit's actions (acts; ci, its commitInfo; args, the ARGs), a list one
# item a line.
logq() {
	python3 -c '
import json, re, sys
acts = [json.loads(l) for l in open(sys.argv[1])]
ci = next((a["commitInfo"] for a in acts if "commitInfo" in a), {})
args = sys.argv[3:]
v = eval(sys.argv[2])
print("\n".join(map(str, v)) if isinstance(v, list) else v)' "$@"
}
ADDS='[a["add"]["path"] for a in acts if "add" in a]'
PRED='re.sub(r"#\d+", "", json.loads(ci["operationParameters"]["predicate"])[0])'
METRICS='" ".join("%s=%s" % (k, ci.get("operationMetrics", {}).get(k)) for k in args)'
version_file() { printf '%s/_delta_log/%020d.json' "$1" "$2"; }

# ---- basic-with-inserts-updates ----
G=$TEST_TMP/basic-with-inserts-updates/delta
T=$TEST_TMP/biu
# version 0 wrote two files: the same rows as two appends
files=$(logq "$(version_file "$G" 0)" "$ADDS")
for f in $files; do "$TARN_BIN" import "$G/$f" "$T" 2>/dev/null || echo "import $f failed"; done >"$TEST_TMP/err"
"$TARN_BIN" cat --format jsonl --version 0 "$G" >"$TEST_TMP/rows0"
same "$TEST_TMP/rows0" "$T"
ok $? "basic-with-inserts-updates: the table before the update: $(tail -n 1 "$TEST_TMP/cmp") $(cat "$TEST_TMP/err")"
pred=$(logq "$(version_file "$G" 1)" "$PRED")
"$TARN_BIN" update --set "str=N/A" --where "$pred" "$T" 2>"$TEST_TMP/err"
same "$(expected basic-with-inserts-updates)" "$T"
ok $? "basic-with-inserts-updates: UPDATE str = 'N/A' WHERE $pred: $(tail -n 1 "$TEST_TMP/cmp") $(cat "$TEST_TMP/err")"
same "$(expected basic-with-inserts-updates)" "$G"
ok $? "basic-with-inserts-updates: the original reads the same: $(tail -n 1 "$TEST_TMP/cmp")"
keys="numUpdatedRows numCopiedRows numRemovedFiles numAddedFiles numDeletionVectorsAdded"
want=$(logq "$(version_file "$G" 1)" "$METRICS" $keys)
got=$(logq "$(version_file "$T" 2)" "$METRICS" $keys)
[ "$got" = "$want" ]
ok $? "basic-with-inserts-updates: metrics as Spark's: $got (Spark: $want)"

# ---- dv-partitioned-with-checkpoint ----
G=$TEST_TMP/dv-partitioned-with-checkpoint/delta
T=$TEST_TMP/dvp
# Version 0 wrote 20 files (two per partition): the same files, one
# commit each, so that a DELETE empties a file where Spark's did.
logq "$(version_file "$G" 0)" '[a["add"]["path"] + " " + a["add"]["partitionValues"]["part"] for a in acts if "add" in a]' \
	>"$TEST_TMP/files0"
while read -r f part; do
	"$TARN_BIN" cat --format jsonl "$G/$f" | sed "s/^{/{\"part\":$part,/" >"$TEST_TMP/f.jsonl" &&
		"$GEN" --rows "part:i32,col1:i32,col2:str" "$TEST_TMP/f.jsonl" "$T" --table \
			--partition-by part --property delta.enableDeletionVectors=true || echo "$f failed"
done <"$TEST_TMP/files0" >"$TEST_TMP/err" 2>&1
base=$(($(ls "$T/_delta_log" | grep -c 'json$') - 1)) # tarn's version of the original's 0
"$TARN_BIN" cat --format jsonl --version 0 "$G" >"$TEST_TMP/rows0"
same "$TEST_TMP/rows0" "$T"
ok $? "dv-partitioned-with-checkpoint: version 0, partitioned by part, in $(ls "$T"/part=* | grep -c parquet) files: $(tail -n 1 "$TEST_TMP/cmp") $(head -c 200 "$TEST_TMP/err")"
"$TARN_BIN" inspect --format json "$T" | python3 -c '
import json, sys
j = json.load(sys.stdin)
p = j["protocol"]
ok = ("deletionVectors" in p.get("readerFeatures", []) and "deletionVectors" in p.get("writerFeatures", [])
      and j["metadata"]["partitionColumns"] == ["part"])
print(p, j["metadata"]["partitionColumns"])
sys.exit(0 if ok else 1)' >"$TEST_TMP/p" 2>&1
ok $? "dv-partitioned-with-checkpoint: the table feature deletionVectors, like the original's: $(head -c 200 "$TEST_TMP/p")"
bad_rows= bad_metrics= n=0
for v in $(seq 1 15); do
	pred=$(logq "$(version_file "$G" "$v")" "$PRED")
	"$TARN_BIN" delete --where "$pred" "$T" >/dev/null 2>>"$TEST_TMP/err" || bad_rows="$bad_rows $v(exit)"
	"$TARN_BIN" cat --format jsonl --version "$v" "$G" >"$TEST_TMP/want"
	same "$TEST_TMP/want" "$T" || bad_rows="$bad_rows $v"
	keys="numDeletedRows numRemovedFiles numAddedFiles numCopiedRows"
	[ "$(logq "$(version_file "$T" $((base + v)))" "$METRICS" $keys)" = \
		"$(logq "$(version_file "$G" "$v")" "$METRICS" $keys)" ] ||
		bad_metrics="$bad_metrics $v"
	n=$((n + 1))
done
[ -z "$bad_rows" ]
ok $? "dv-partitioned-with-checkpoint: $n DELETEs, each version's rows as the original's${bad_rows:+; differ at$bad_rows}"
same "$(expected dv-partitioned-with-checkpoint)" "$T"
ok $? "dv-partitioned-with-checkpoint: the expected rows: $(tail -n 1 "$TEST_TMP/cmp")"
[ -z "$bad_metrics" ]
ok $? "dv-partitioned-with-checkpoint: numDeletedRows, numRemovedFiles (a file's last row), numAddedFiles, numCopiedRows as Spark's${bad_metrics:+; differ at$bad_metrics}"
python3 - "$T/_delta_log" "$G/_delta_log" "$base" >"$TEST_TMP/chk" 2>&1 <<'PY'
import glob, json, sys
def shape(d, base):
    out = []
    for f in sorted(glob.glob(d + '/*.json'))[base + 1:]:
        acts = [json.loads(l) for l in open(f)]
        adds = [a['add'] for a in acts if 'add' in a]
        rems = [a['remove'] for a in acts if 'remove' in a]
        out.append((len(rems), len(adds), sum('deletionVector' in a for a in adds),
                    sum(a.get('deletionVector', {}).get('cardinality', 0) for a in adds)))
    return out
mine, theirs = shape(sys.argv[1], int(sys.argv[3])), shape(sys.argv[2], 0)
print('per commit (removes, adds, adds with DVs, DV rows): %s%s' %
      (mine[:4], '' if mine == theirs else ' vs the original %s' % theirs[:4]))
sys.exit(0 if mine == theirs else 1)
PY
ok $? "dv-partitioned-with-checkpoint: the same file actions and deletion vectors: $(tail -n 1 "$TEST_TMP/chk")"
# Deletion vectors are files beside the data, in the table's root: one
# for each DELETE that left a file with live rows.
want=$(python3 -c '
import json, sys
print(sum(any("deletionVector" in json.loads(l).get("add", {}) for l in open(f)) for f in sys.argv[1:]))' \
	"$T"/_delta_log/*.json)
[ "$(ls "$T" | grep -c '^deletion_vector_.*\.bin$')" -eq "$want" ] && [ "$want" -eq 10 ]
ok $? "dv-partitioned-with-checkpoint: a deletion vector file per DELETE that kept the file: $(ls "$T" | grep -c '^deletion_vector_') (want $want)"

# ---- delta-rs simple_table: MERGE ----
G=$TEST_TMP/simple_table
T=$TEST_TMP/st
# version 0: one append per data file (an empty file adds none)
files=$(logq "$(version_file "$G" 0)" "$ADDS")
for f in $files; do "$TARN_BIN" import "$G/$f" "$T" 2>/dev/null || echo "import $f failed"; done >"$TEST_TMP/err"
"$TARN_BIN" cat --format jsonl --version 0 "$G" >"$TEST_TMP/rows0"
same "$TEST_TMP/rows0" "$T"
ok $? "simple_table: version 0 ($(wc -l <"$TEST_TMP/rows0") rows in $(ls "$T" | grep -c parquet) files): $(tail -n 1 "$TEST_TMP/cmp") $(cat "$TEST_TMP/err")"
logq "$(version_file "$G" 1)" 'ci["operation"] + " " + ci["operationParameters"]["predicate"]' >"$TEST_TMP/op"
grep -q '^MERGE (oldData.`id` = newData.`id`)$' "$TEST_TMP/op"
ok $? "simple_table: version 1 is a MERGE on id: $(cat "$TEST_TMP/op")"
# The source: what the merge left (it updated every match and inserted
# the rest): the ids 0-19.
"$TARN_BIN" cat --format jsonl --version 1 "$G" >"$TEST_TMP/rows1"
"$GEN" --rows "id:i64" "$TEST_TMP/rows1" "$TEST_TMP/src.parquet"
"$TARN_BIN" merge --on id --when-matched update --when-not-matched insert "$TEST_TMP/src.parquet" "$T" \
	2>"$TEST_TMP/err" >/dev/null
same "$TEST_TMP/rows1" "$T"
ok $? "simple_table: tarn merge gives version 1's rows: $(tail -n 1 "$TEST_TMP/cmp") $(cat "$TEST_TMP/err")"
python3 - "$(version_file "$T" "$(($(ls "$T/_delta_log" | grep -c 'json$') - 1))")" \
	"$(version_file "$G" 1)" >"$TEST_TMP/chk" 2>&1 <<'PY'
import json, sys
def removed(f):
    return sorted(json.loads(l)['remove']['path'] for l in open(f) if '"remove"' in l)
mine, theirs = removed(sys.argv[1]), removed(sys.argv[2])
print('%d files removed (delta-rs: %d)' % (len(mine), len(theirs)))
sys.exit(0 if len(mine) == len(theirs) else 1)
PY
ok $? "simple_table: the merge rewrites the files with matches: $(tail -n 1 "$TEST_TMP/chk")"
got=$("$TARN_BIN" history --format jsonl --limit 1 "$T" | python3 -c '
import json, sys
h = json.loads(sys.stdin.read())
m = json.loads(h["operationMetrics"])
print(h["operation"], *(m[k] for k in ("numSourceRows", "numTargetRowsUpdated", "numTargetRowsInserted", "numTargetRowsDeleted", "numTargetFilesRemoved")))')
[ "$got" = "MERGE 20 5 15 0 5" ]
ok $? "simple_table: operation, numSourceRows, numTargetRowsUpdated, ...Inserted, ...Deleted, numTargetFilesRemoved: $got"

# Merging the same source again changes the values of no row.
"$TARN_BIN" merge --on id "$TEST_TMP/src.parquet" "$T" >/dev/null 2>&1
same "$TEST_TMP/rows1" "$T"
ok $? "simple_table: merging again leaves the rows: $(tail -n 1 "$TEST_TMP/cmp")"
# Versions 2-4 of simple_table overwrite and delete; its later rows are not
# a merge's and are not compared.

# The change feed of the merge: 5 updates and 15 inserts. (simple_table has
# no change data feed; a copy with it on must give exactly these.)
C=$TEST_TMP/st_cdf
for f in $files; do "$TARN_BIN" import "$G/$f" "$C" 2>/dev/null; done
"$TARN_BIN" alter --set-property delta.enableChangeDataFeed=true "$C" 2>/dev/null
"$TARN_BIN" merge --on id "$TEST_TMP/src.parquet" "$C" >/dev/null 2>&1
v=$(($(ls "$C/_delta_log" | grep -c 'json$') - 1))
"$TARN_BIN" changes --from "$v" --format jsonl "$C" | python3 -c '
import collections, json, sys
c = collections.Counter(json.loads(l)["_change_type"] for l in sys.stdin)
print(dict(sorted(c.items())))
sys.exit(0 if c == {"insert": 15, "update_preimage": 5, "update_postimage": 5} else 1)' >"$TEST_TMP/c" 2>&1
ok $? "simple_table with the change data feed: the merge's changes: $(cat "$TEST_TMP/c")"
"$TARN_BIN" cat --format jsonl "$C" >"$TEST_TMP/rows"
python3 "$COMPARE" "$TEST_TMP/rows1" "$TEST_TMP/rows" >"$TEST_TMP/cmp" 2>&1
ok $? "simple_table with the change data feed: the same rows: $(tail -n 1 "$TEST_TMP/cmp")"
"$TARN_BIN" history --format jsonl --limit 1 "$C" | python3 -c '
import json, sys
m = json.loads(json.loads(sys.stdin.read())["operationMetrics"])
print("numTargetChangeFilesAdded", m["numTargetChangeFilesAdded"])
sys.exit(0 if int(m["numTargetChangeFilesAdded"]) >= 1 else 1)' >"$TEST_TMP/c" 2>&1
ok $? "simple_table with the change data feed: $(cat "$TEST_TMP/c")"
plan "$TAP_N"
done_testing
