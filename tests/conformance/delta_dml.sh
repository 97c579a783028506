#!/usr/bin/env bash
# delta_dml.sh - row-level changes (`tarn delete`, `tarn update`, `tarn
# merge`) on plain, partitioned, column-mapped and deletion-vector tables,
# with and without the change data feed. After every change: the rows are
# what dml_model.py computes; DuckDB's reader (delta_read.mjs) reads the
# same where it can (no deletion vectors); `tarn changes` gives exactly the
# change rows; the commit removes (or gives deletion vectors to) only files
# that hold changed rows. Then: the log's actions have the protocol's
# fields, Spark's metrics add up, and refused changes commit nothing.
. "$(dirname "$0")/../lib.sh"
COMPARE=${TARN_TESTDATA:-$TARN_SRCDIR/../shared/testdata}/../tools/jsonl_compare.py
[ -f "$COMPARE" ] || skip_all "jsonl_compare.py not found at $COMPARE"
command -v python3 >/dev/null || skip_all "python3 not installed"
GEN=${TARN_BUILDDIR:-$TARN_SRCDIR}/tests/roundtrip/pq_gen
[ -x "$GEN" ] || skip_all "tests/roundtrip/pq_gen is not built (make check builds it)"
PEER=${TARN_DUCKDB_PEER:-$TARN_SRCDIR/build-peers/duckdb}
MODEL=$TARN_SRCDIR/tests/conformance/dml_model.py

version() { ls "$1/_delta_log" | grep -c '^[0-9]*\.json$'; }
commit() { printf '%s/_delta_log/%020d.json' "$1" "$2"; }
metric() { # TABLE NAME: the latest commit's operationMetrics[NAME]
	"$TARN_BIN" history --format jsonl --limit 1 "$1" |
		python3 -c 'import json,sys; print(json.loads(json.loads(sys.stdin.read())["operationMetrics"]).get(sys.argv[1]))' "$2"
}

# The rows: a target of ids 0-19 in two appends (two files, or two per
# partition), and merge sources.
rows() { # FIRST LAST NAME PART_SHIFT V_FACTOR
	python3 -c 'import json,sys
a,b,n,s,f=int(sys.argv[1]),int(sys.argv[2]),sys.argv[3],int(sys.argv[4]),float(sys.argv[5])
for i in range(a,b+1): print(json.dumps({"id":i,"name":n+str(i),"part":(i+s)%3,"v":i*f}))' "$@"
}
SPEC='id:i64!,name:str,part:i32,v:f64'
rows 0 9 n 0 1.5 >"$TEST_TMP/t1.jsonl"
rows 10 19 n 0 1.5 >"$TEST_TMP/t2.jsonl"
rows 15 24 s 1 2 >"$TEST_TMP/s1.jsonl"
{ rows 20 22 x 0 0; echo '{"id":30,"name":null,"part":null,"v":null}'; } >"$TEST_TMP/s2.jsonl"
"$GEN" --rows "$SPEC" "$TEST_TMP/s1.jsonl" "$TEST_TMP/s1.parquet" || exit 1
"$GEN" --rows "$SPEC" "$TEST_TMP/s2.jsonl" "$TEST_TMP/s2.parquet" || exit 1
"$GEN" --rows "$SPEC" "$TEST_TMP/s1.jsonl" "$TEST_TMP/s1tbl" --table || exit 1

# make_table NAME VARIANT: the target, in the variant's shape.
make_table() {
	local T=$TEST_TMP/$1
	case $2 in
	plain)
		"$GEN" --rows "$SPEC" "$TEST_TMP/t1.jsonl" "$T" --table ;;
	part)
		"$GEN" --rows "$SPEC" "$TEST_TMP/t1.jsonl" "$T" --table --partition-by part \
			--property delta.enableChangeDataFeed=true ;;
	cm) # mapped by name, with a renamed column (physical name nm)
		"$GEN" --rows "${SPEC/name:/nm:}" <(sed 's/"name"/"nm"/' "$TEST_TMP/t1.jsonl") "$T" --table &&
			"$TARN_BIN" alter --set-property delta.columnMapping.mode=name \
				--set-property delta.enableChangeDataFeed=true "$T" 2>/dev/null &&
			"$TARN_BIN" alter --rename-column nm=name "$T" 2>/dev/null ;;
	dv)
		"$GEN" --rows "$SPEC" "$TEST_TMP/t1.jsonl" "$T" --table &&
			"$TARN_BIN" alter --set-property delta.enableDeletionVectors=true \
				--set-property delta.enableChangeDataFeed=true "$T" 2>/dev/null ;;
	dvpart)
		"$GEN" --rows "$SPEC" "$TEST_TMP/t1.jsonl" "$T" --table --partition-by part \
			--property delta.enableDeletionVectors=true \
			--property delta.enableChangeDataFeed=true ;;
	esac || return 1
	"$GEN" --rows "$SPEC" "$TEST_TMP/t2.jsonl" "$T" --table
}

# step DESC -- TARN_ARGS... -- MODEL_ARGS...: change the table $T (variant
# $VAR) with tarn and the model $STATE, then check.
step() {
	local desc=$1 v0 v1 targs=() margs=()
	shift 2
	while [ "$1" != -- ]; do targs+=("$1"); shift; done
	shift
	margs=("$@")
	v0=$(($(version "$T") - 1))
	"$TARN_BIN" inspect --format json "$T" >"$TEST_TMP/prev.json"
	"$TARN_BIN" "${targs[@]}" "$T" >/dev/null 2>"$TEST_TMP/err"
	rc=$?
	python3 "$MODEL" "${margs[0]}" "$STATE" "${margs[@]:1}"
	v1=$(($(version "$T") - 1))
	"$TARN_BIN" cat --format jsonl "$T" >"$TEST_TMP/rows" 2>&1
	python3 "$COMPARE" "$STATE" "$TEST_TMP/rows" >"$TEST_TMP/cmp" 2>&1
	[ $rc -eq 0 ] && [ "$v1" -eq $((v0 + 1)) ] && python3 "$COMPARE" "$STATE" "$TEST_TMP/rows" >/dev/null 2>&1
	ok $? "$VAR: $desc: rows: $(tail -n 1 "$TEST_TMP/cmp") $(head -c 200 "$TEST_TMP/err")"
	case $VAR in
	dv*) ;;
	*) duck_equal "$T" "$VAR: $desc: DuckDB reads the same" ;;
	esac
	if [ "$CDF" = 1 ]; then
		"$TARN_BIN" changes --from "$v1" --to "$v1" --format jsonl "$T" >"$TEST_TMP/ch" 2>&1
		python3 "$COMPARE" "$STATE.changes" "$TEST_TMP/ch" \
			--ignore-columns _commit_version,_commit_timestamp >"$TEST_TMP/cmp" 2>&1
		ok $? "$VAR: $desc: change feed: $(tail -n 1 "$TEST_TMP/cmp")"
		[ -s "$TEST_TMP/cmp" ] && grep -q DIFF "$TEST_TMP/cmp" && diag "$(head -c 1500 "$TEST_TMP/cmp")"
	fi
	python3 "$MODEL" touched "$STATE.changed" "$TEST_TMP/prev.json" "$T" "$TARN_BIN" \
		"$(commit "$T" "$v1")" $SUBSET >"$TEST_TMP/touch" 2>&1
	ok $? "$VAR: $desc: files: $(tail -n 1 "$TEST_TMP/touch")"
}

for VAR in plain part cm dv dvpart; do
	T=$TEST_TMP/$VAR
	STATE=$TEST_TMP/$VAR.state
	cat "$TEST_TMP/t1.jsonl" "$TEST_TMP/t2.jsonl" >"$STATE"
	CDF=1
	SUBSET=
	case $VAR in plain) CDF=0 ;; dv*) SUBSET=--subset ;; esac
	make_table "$VAR" "$VAR" >/dev/null 2>"$TEST_TMP/err"
	ok $? "$VAR: table created $(head -c 200 "$TEST_TMP/err")"
	src=$TEST_TMP/s1.parquet
	[ "$VAR" = part ] && src=$TEST_TMP/s1tbl # a Delta table as the source
	step "delete id < 3" -- delete --where "id < 3" -- delete 'r["id"] < 3'
	step "update 2 columns where id >= 12" -- update --set name=upd --set v=NULL --where "id >= 12" \
		-- update 'r["id"] >= 12' '{"name": "upd", "v": null}'
	step "merge: update matched, insert the rest" -- merge --on id "$src" \
		-- merge "$TEST_TMP/s1.jsonl" id update insert ignore
	step "merge: delete matched and unmatched id < 6, no inserts" -- merge --on id \
		--when-matched delete --when-not-matched ignore --when-not-matched-by-source delete \
		--not-matched-by-source-where "id < 6" "$TEST_TMP/s2.parquet" \
		-- merge "$TEST_TMP/s2.jsonl" id delete ignore delete 'r["id"] < 6'
	step "update moves a row to another partition" -- update --set part=2 --where "id = 10" \
		-- update 'r["id"] == 10' '{"part": 2}'
	step "update to the string 'NULL'" -- update --set "name='NULL'" --where "name = 'n11'" \
		-- update 'r["name"] == "n11"' '{"name": "NULL"}'
	step "delete where v IS NULL" -- delete --where "v IS NULL" -- delete 'r["v"] is None'
	step "delete nothing" -- delete --where "id = 999" -- delete 'r["id"] == 999'
done

# Deletion vectors: a delete keeps the data files and marks rows; bounds
# become wide.
T=$TEST_TMP/dv
"$TARN_BIN" delete --where "id = 7" "$T" 2>/dev/null
python3 - "$(commit "$T" $(($(version "$T") - 1)))" >"$TEST_TMP/chk" 2>&1 <<'PY'
import json, sys
acts = [json.loads(l) for l in open(sys.argv[1])]
adds = [a['add'] for a in acts if 'add' in a]
rems = [a['remove'] for a in acts if 'remove' in a]
ok = (len(adds) == 1 and len(rems) == 1 and adds[0]['path'] == rems[0]['path'] and
      adds[0]['deletionVector']['cardinality'] >= 1 and
      json.loads(adds[0]['stats'])['tightBounds'] is False)
print('a deletion vector for the file, wide bounds' if ok else 'unexpected: %s' % acts[1:])
sys.exit(0 if ok else 1)
PY
ok $? "dv: delete gives the file a deletion vector: $(tail -n 1 "$TEST_TMP/chk")"
[ "$(metric "$T" numDeletionVectorsUpdated)" = 1 ] && [ "$(metric "$T" numAddedFiles)" = 0 ]
ok $? "dv: metrics: numDeletionVectorsUpdated $(metric "$T" numDeletionVectorsUpdated), numAddedFiles $(metric "$T" numAddedFiles)"

# Spark's metrics and parameters of a merge.
T=$TEST_TMP/m
make_table m plain >/dev/null 2>&1
"$TARN_BIN" merge --on id --matched-where "id < 18" "$TEST_TMP/s1.parquet" "$T" 2>/dev/null
got=$(for m in numSourceRows numTargetRowsInserted numTargetRowsUpdated numTargetRowsMatchedUpdated numTargetRowsDeleted numTargetRowsCopied numOutputRows numTargetFilesRemoved; do printf '%s ' "$(metric "$T" $m)"; done)
[ "$got" = "10 5 3 3 0 7 15 1 " ]
ok $? "merge metrics (source, inserted, updated, matched updated, deleted, copied, output, files removed): $got"
"$TARN_BIN" history --format jsonl --limit 1 "$T" | python3 -c '
import json, sys
h = json.loads(sys.stdin.read())
p = json.loads(h["operationParameters"])
ok = (h["operation"] == "MERGE" and json.loads(p["predicate"]) == ["(target.`id` = source.`id`)"] and
      json.loads(p["matchedPredicates"]) == [{"predicate": "`id` < 18", "actionType": "update"}] and
      json.loads(p["notMatchedPredicates"]) == [{"actionType": "insert"}] and
      json.loads(p["notMatchedBySourcePredicates"]) == [])
print(p)
sys.exit(0 if ok else 1)' >"$TEST_TMP/p" 2>&1
ok $? "merge operationParameters as Spark writes them: $(head -c 300 "$TEST_TMP/p")"
[ "$("$TARN_BIN" cat --format jsonl --where "id = 18" "$T" | grep -c '"n18"')" -eq 1 ]
ok $? "merge --matched-where leaves the other matched rows alone"

# Nested columns: merged whole from the source, set to NULL; a source with
# a narrower key type (int for the table's bigint) merges too.
N=$TEST_TMP/nested
NSPEC='id:i64,s:struct<a:i32,b:str>,l:list<i64>,m:map<str,i32>'
cat >"$TEST_TMP/n.jsonl" <<'EOF'
{"id":1,"s":{"a":1,"b":"x"},"l":[1,2],"m":[["k",1]]}
{"id":2,"s":null,"l":[],"m":null}
{"id":3,"s":{"a":3,"b":null},"l":null,"m":[["a",1],["b",2]]}
EOF
cat >"$TEST_TMP/ns.jsonl" <<'EOF'
{"id":2,"s":{"a":20,"b":"y"},"l":[7,8,9],"m":[["z",26]]}
{"id":4,"s":{"a":4,"b":"w"},"l":[4],"m":[]}
EOF
cat >"$TEST_TMP/n.want" <<'EOF'
{"id":1,"s":null,"l":null,"m":[{"key":"k","value":1}]}
{"id":2,"s":{"a":20,"b":"y"},"l":[7,8,9],"m":[{"key":"z","value":26}]}
{"id":3,"s":{"a":3,"b":null},"l":null,"m":[{"key":"a","value":1},{"key":"b","value":2}]}
{"id":4,"s":{"a":4,"b":"w"},"l":[4],"m":[]}
EOF
"$GEN" --rows "$NSPEC" "$TEST_TMP/n.jsonl" "$N" --table &&
	"$GEN" --rows "${NSPEC/id:i64/id:i32}" "$TEST_TMP/ns.jsonl" "$TEST_TMP/ns.parquet" &&
	"$TARN_BIN" merge --on id "$TEST_TMP/ns.parquet" "$N" 2>"$TEST_TMP/err" &&
	"$TARN_BIN" update --set s=NULL --set l=NULL --where "id = 1" "$N" 2>>"$TEST_TMP/err"
"$TARN_BIN" cat --format jsonl "$N" >"$TEST_TMP/rows" 2>&1
python3 "$COMPARE" "$TEST_TMP/n.want" "$TEST_TMP/rows" >"$TEST_TMP/cmp" 2>&1
ok $? "nested columns: merged from an int-keyed source, set to NULL: $(tail -n 1 "$TEST_TMP/cmp")"
duck_equal "$N" "nested columns: DuckDB reads the same"

# Timestamps in milliseconds in the source: widened, and a key.
TS=$TEST_TMP/ts
echo '{"id":1,"ts":1700000000000000}' >"$TEST_TMP/ts.jsonl"
printf '%s\n' '{"id":1,"ts":1700000005123}' '{"id":2,"ts":1700000005123}' >"$TEST_TMP/tss.jsonl"
"$GEN" --rows "id:i64,ts:tsz_us" "$TEST_TMP/ts.jsonl" "$TS" --table &&
	"$GEN" --rows "id:i32,ts:tsz_ms" "$TEST_TMP/tss.jsonl" "$TEST_TMP/tss.parquet" &&
	"$TARN_BIN" merge --on id "$TEST_TMP/tss.parquet" "$TS" 2>/dev/null &&
	[ "$("$TARN_BIN" cat --format jsonl --where "ts = '2023-11-14 22:13:25.123'" "$TS" | wc -l)" -eq 2 ] &&
	"$TARN_BIN" merge --on ts --when-matched delete --when-not-matched ignore \
		"$TEST_TMP/tss.parquet" "$TS" 2>/dev/null &&
	[ "$("$TARN_BIN" cat --format jsonl "$TS" | wc -l)" -eq 0 ]
ok $? "a source with millisecond timestamps: merged into microseconds, matched by them as a key"

# Concurrent updates of the same file: the first commit wins, the others
# fail with a conflict, commit nothing and leave no data file behind.
CC=$TEST_TMP/conc
"$GEN" --rows "$SPEC" "$TEST_TMP/t1.jsonl" "$CC" --table
for i in 1 2 3; do
	("$TARN_BIN" update --set "name=w$i" --where "id < 5" "$CC" >/dev/null 2>"$TEST_TMP/conc$i" ||
		grep -q "conflicts with this UPDATE" "$TEST_TMP/conc$i" || echo "conc $i" >>"$TEST_TMP/conc.bad") &
done
wait
won=$(($(version "$CC") - 1))
names=$("$TARN_BIN" cat --format jsonl --where "id < 5" "$CC" | grep -o '"w[0-9]"' | sort -u | wc -l)
added=$(cat "$CC"/_delta_log/*.json | grep -c '"add"')
[ ! -f "$TEST_TMP/conc.bad" ] && [ "$won" -ge 1 ] && [ "$names" -eq 1 ] &&
	[ "$(ls "$CC" | grep -c parquet)" -eq "$added" ]
ok $? "3 concurrent updates: $won committed, the rows from one of them, $(ls "$CC" | grep -c parquet) data files for $added adds"

# Refused changes commit nothing.
refuse() { # DESC PATTERN TARN_ARGS...: exit 1, the message, no new version
	local desc=$1 pat=$2 v
	shift 2
	v=$(version "$T")
	"$TARN_BIN" "$@" "$T" >/dev/null 2>"$TEST_TMP/err"
	[ $? -eq 1 ] && [ "$(version "$T")" -eq "$v" ] && grep -Eq -- "$pat" "$TEST_TMP/err"
	ok $? "refused: $desc: $(head -c 200 "$TEST_TMP/err")"
}
{ cat "$TEST_TMP/s1.jsonl"; rows 16 16 dup 0 1; } >"$TEST_TMP/dup.jsonl"
"$GEN" --rows "$SPEC" "$TEST_TMP/dup.jsonl" "$TEST_TMP/dup.parquet"
refuse "two source rows match one target row" "2 source rows match the same target row \(id = 16\)" \
	merge --on id "$TEST_TMP/dup.parquet"
"$TARN_BIN" merge --on id --when-matched delete "$TEST_TMP/dup.parquet" "$T" >/dev/null 2>&1
ok $? "two source rows may match one target row that an unconditional DELETE removes"
refuse "a value not of the column's type" "'abc' is not a bigint" update --set id=abc
refuse "an integer out of range" "not a int" update --set part=3000000000
refuse "NULL in a NOT NULL column" "NOT NULL constraint violated: column 'id'" update --set id=NULL
refuse "an unknown column" "no column named 'nope'" update --set nope=1
refuse "an unknown key" "no key column 'nope'" merge --on nope "$TEST_TMP/s1.parquet"
rows 1 2 k 0 1 | cut -d, -f1 | sed 's/$/}/' >"$TEST_TMP/ids.jsonl"
"$GEN" --rows "id:i64!" "$TEST_TMP/ids.jsonl" "$TEST_TMP/ids.parquet"
refuse "a source without a column of the table" "source has no column 'name'" \
	merge --on id "$TEST_TMP/ids.parquet"
sed 's/"name": *"[^"]*"/"name": 7/' "$TEST_TMP/s1.jsonl" >"$TEST_TMP/ni.jsonl"
"$GEN" --rows "${SPEC/name:str/name:i32}" "$TEST_TMP/ni.jsonl" "$TEST_TMP/ni.parquet"
refuse "a source column of another type" "column 'name' is string in the table but source column 'name' is int" \
	merge --on id "$TEST_TMP/ni.parquet"
"$TARN_BIN" update --where "id = 1" "$T" >/dev/null 2>&1
ok $(($? != 2)) "update without --set is a usage error"

# Every action has the protocol's required fields, of the right types.
python3 "$TARN_SRCDIR/tests/conformance/log_check.py" "$TEST_TMP"/*/_delta_log >"$TEST_TMP/chk" 2>&1
ok $? "log: $(tail -n 1 "$TEST_TMP/chk")"
plan "$TAP_N"
done_testing
