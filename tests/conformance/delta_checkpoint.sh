#!/usr/bin/env bash
# delta_checkpoint.sh - `tarn checkpoint` on real tables (plain, partitioned
# with nulls and special characters, deletion vectors, column mapping by
# name and id, app transaction ids, decimals, timestamps, nested types, the
# 300k-file table) and on tables tarn writes: the checkpoint holds what the
# JSON log says, field by field; once the commits it covers are deleted,
# `tarn inspect` shows the same snapshot, `tarn cat` the same rows, and
# DuckDB's independent reader (delta_read.mjs) the same rows it read from
# the log; its footer has Spark's checkpoint schema; an existing checkpoint
# is left alone, and a refused table gets nothing.
. "$(dirname "$0")/../lib.sh"
DATA=${TARN_TESTDATA:-$TARN_SRCDIR/../shared/testdata}
[ -d "$DATA/delta/golden" ] && [ -d "$DATA/delta/tables" ] || skip_all "Delta test tables not found under $DATA/delta"
command -v zstd >/dev/null || skip_all "zstd (to unpack the tables) not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"
PQ=$DATA/parquet/data/alltypes_plain.parquet
[ -f "$PQ" ] || skip_all "Parquet test file not found at $PQ"
PEER=${TARN_DUCKDB_PEER:-$TARN_SRCDIR/build-peers/duckdb}
COMPARE=$DATA/../tools/jsonl_compare.py

# Tables: archive (under delta/) and the version to checkpoint ("" for the
# latest; an earlier one keeps the commits after it).
TABLES="
golden/basic-decimal-table
golden/data-reader-partition-values
golden/data-reader-array-complex-objects
golden/data-reader-timestamp_ntz
golden/kernel-timestamp-int96
golden/log-replay-special-characters-a
golden/canonicalized-paths-special-a
golden/dv-partitioned-with-checkpoint:13
golden/table-with-columnmapping-mode-name
golden/table-with-columnmapping-mode-id
golden/snapshot-data2-deleted:2
tables/delta-rs/delta-0.8.0-null-partition
tables/delta-rs/delta-0.8.0-special-partition
tables/delta-rs/delta-2.2.0-partitioned-types
tables/delta-rs/table-with-dv-small
tables/delta-rs/checkpoint-v2-table
tables/kernel-rs/app-txn-with-last-updated
tables/kernel-rs/with-short-dv
tables/kernel-rs/cdf-column-mapping-id-mode
tables/kernel-rs/type-widening
tables/kernel-rs/300k-add-files-100-col-partitioned
"
PER_TABLE=6
plan $((PER_TABLE * $(echo $TABLES | wc -w) + 18))

# The checkpoint's rows hold what replaying the JSON commits up to the
# version gives, field by field (when the log still starts at commit 0).
cat >"$TEST_TMP/check.py" <<'PY'
import json, os, sys
from urllib.parse import unquote
log, version, rows = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if not os.path.exists(os.path.join(log, '%020d.json' % 0)):
    print('n/a: the log does not start at commit 0'); sys.exit(0)
prot = meta = None
files, txns, domains = {}, {}, {}
def where(p):  # the file a path names: file: URIs and absolute paths are the same file
    p = unquote(p)
    if p.startswith('file://'): p = '/' + p[7:].split('/', 1)[1] if '/' in p[7:] else p
    elif p.startswith('file:'): p = p[5:]
    return p
def dvid(dv):
    if not dv: return None
    return dv['storageType'] + dv['pathOrInlineDv'] + ('@%d' % dv['offset'] if dv.get('offset') is not None else '')
for v in range(version + 1):
    for line in open(os.path.join(log, '%020d.json' % v)):
        if not line.strip(): continue
        a = json.loads(line)
        if 'protocol' in a: prot = a['protocol']
        if 'metaData' in a: meta = a['metaData']
        if 'txn' in a: txns[a['txn']['appId']] = a['txn']
        if 'domainMetadata' in a: domains[a['domainMetadata']['domain']] = a['domainMetadata']
        for k in ('add', 'remove'):
            if k in a:
                key = (where(a[k]['path']), dvid(a[k].get('deletionVector')))
                if k == 'add': files[key] = a[k]
                else: files.pop(key, None)
m = lambda kv: None if kv is None else {e['key']: e['value'] for e in kv}
bad = []
def want(what, got, exp):
    if got != exp: bad.append('%s: %r, want %r' % (what, got, exp))
seen = {'protocol': 0, 'metaData': 0}
got_files, got_txns, got_domains = {}, {}, {}
for line in open(rows):
    r = json.loads(line)
    live = [k for k, x in r.items() if x is not None]
    if len(live) != 1: bad.append('a row with columns %s' % live); continue
    k, x = live[0], r[live[0]]
    if k == 'protocol':
        seen[k] += 1
        want('minReaderVersion', x['minReaderVersion'], prot['minReaderVersion'])
        want('minWriterVersion', x['minWriterVersion'], prot['minWriterVersion'])
        want('readerFeatures', x['readerFeatures'], prot.get('readerFeatures') if prot['minReaderVersion'] >= 3 else None)
        want('writerFeatures', x['writerFeatures'], prot.get('writerFeatures') if prot['minWriterVersion'] >= 7 else None)
    elif k == 'metaData':
        seen[k] += 1
        for f in ('id', 'name', 'description', 'schemaString', 'partitionColumns', 'createdTime'):
            want('metaData.' + f, x[f], meta.get(f))
        want('format.provider', x['format']['provider'], meta['format']['provider'])
        want('configuration', m(x['configuration']), meta.get('configuration') or {})
    elif k == 'txn':
        got_txns[x['appId']] = x
    elif k == 'domainMetadata':
        got_domains[x['domain']] = x
    elif k == 'add':
        got_files[(where(x['path']), dvid(x['deletionVector']))] = x
    else:
        bad.append('a %s row' % k)
want('protocol and metaData rows', seen, {'protocol': 1, 'metaData': 1})
want('txns', {a: (t['version'], t['lastUpdated']) for a, t in got_txns.items()},
     {a: (t['version'], t.get('lastUpdated')) for a, t in txns.items()})
want('domains', {d: (x['configuration'], x['removed']) for d, x in got_domains.items()},
     {d: (x['configuration'], False) for d, x in domains.items() if not x.get('removed')})
want('active files', sorted(got_files, key=str), sorted(files, key=str))
for key, x in got_files.items():
    e = files.get(key)
    if e is None: continue
    for f in ('size', 'modificationTime', 'stats'):
        want('%s %s' % (key[0], f), x[f], e.get(f))
    want('%s partitionValues' % key[0], m(x['partitionValues']), e.get('partitionValues') or {})
    want('%s dataChange' % key[0], x['dataChange'], False)
    want('%s file: scheme' % key[0], x['path'].startswith('file:'), e['path'].startswith('file:'))
    dv, edv = x['deletionVector'], e.get('deletionVector')
    if edv:
        for f in ('storageType', 'pathOrInlineDv', 'offset', 'sizeInBytes', 'cardinality'):
            want('%s deletionVector.%s' % (key[0], f), dv and dv[f], edv.get(f))
if bad:
    print('; '.join(bad[:5])); sys.exit(1)
print('%d files, %d txns, %d domains as in the log' % (len(got_files), len(got_txns), len(got_domains)))
PY

snapshot() { # DIR OUT: the snapshot as inspect sees it, without the commit time
	"$TARN_BIN" inspect --format json "$1" 2>/dev/null |
		python3 -c 'import json,sys; j=json.load(sys.stdin); j.pop("timestamp",None); j.pop("table",None); print(json.dumps(j,sort_keys=True))' >"$2"
}
duck() { # DIR OUT: rows by delta_read.mjs; its exit status
	(cd "$PEER" && timeout 300 node delta_read.mjs "$1") >"$2" 2>"$2.err"
}
have_duck() { [ -d "$PEER/node_modules" ]; }
drop_commits() { # DIR V: delete the JSON commits at or below V
	for f in "$1"/_delta_log/[0-9]*.json; do
		b=$(basename "$f" .json)
		case $b in *[!0-9]*) continue ;; esac
		[ $((10#$b)) -le "$2" ] && rm -f "$f"
	done
}

# check_table NAME DIR [VERSION]: the checks on one table copy, PER_TABLE oks.
check_table() {
	local name=$1 dir=$2 ver=$3 v files cat_ok=0 duck_ok=1
	snapshot "$dir" "$TEST_TMP/snap1"
	timeout 300 "$TARN_BIN" cat --format jsonl "$dir" >"$TEST_TMP/rows1" 2>"$TEST_TMP/cat1.err" || cat_ok=1
	# (without the data files DuckDB cannot read it either)
	[ $cat_ok -eq 0 ] && have_duck && { duck "$dir" "$TEST_TMP/duck1"; duck_ok=$?; }
	"$TARN_BIN" checkpoint ${ver:+--version "$ver"} "$dir" 2>"$TEST_TMP/err"
	rc=$?
	v=$(sed -n 's/^tarn checkpoint: .* version \([0-9]*\): \([0-9]*\) files$/\1/p' "$TEST_TMP/err")
	files=$(sed -n 's/^tarn checkpoint: .* version \([0-9]*\): \([0-9]*\) files$/\2/p' "$TEST_TMP/err")
	[ $rc -eq 0 ] && [ -n "$v" ] && { [ -z "$ver" ] || [ "$v" = "$ver" ]; }
	ok $? "$name: checkpoint: $(head -c 200 "$TEST_TMP/err")"
	if [ -z "$v" ]; then
		for k in $(seq 2 $PER_TABLE); do ok 1 "$name: no checkpoint to check"; done
		return
	fi
	ck=$dir/_delta_log/$(printf %020d "$v").checkpoint.parquet
	"$TARN_BIN" cat --format jsonl "$ck" >"$TEST_TMP/ck.jsonl" 2>&1
	python3 "$TEST_TMP/check.py" "$dir/_delta_log" "$v" "$TEST_TMP/ck.jsonl" >"$TEST_TMP/chk" 2>&1
	ok $? "$name: checkpoint rows: $(tail -n 1 "$TEST_TMP/chk")"
	python3 - "$dir/_delta_log/_last_checkpoint" "$v" "$(wc -l <"$TEST_TMP/ck.jsonl")" \
		"$(stat -c %s "$ck")" "$files" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
want = {'version': int(sys.argv[2]), 'size': int(sys.argv[3]), 'sizeInBytes': int(sys.argv[4]), 'numOfAddFiles': int(sys.argv[5])}
sys.exit(0 if j == want else 1)
PY
	ok $? "$name: _last_checkpoint $(cat "$dir/_delta_log/_last_checkpoint")"
	drop_commits "$dir" "$v"
	snapshot "$dir" "$TEST_TMP/snap2"
	[ -s "$TEST_TMP/snap2" ] && cmp -s "$TEST_TMP/snap1" "$TEST_TMP/snap2"
	ok $? "$name: without the commits up to $v, the same snapshot (files, txns, domains)"
	if [ $cat_ok -ne 0 ]; then
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N - $name: rows # SKIP not readable before either: $(head -c 120 "$TEST_TMP/cat1.err")"
	else
		timeout 300 "$TARN_BIN" cat --format jsonl "$dir" >"$TEST_TMP/rows2" 2>&1
		python3 "$COMPARE" "$TEST_TMP/rows1" "$TEST_TMP/rows2" >"$TEST_TMP/cmp" 2>&1
		ok $? "$name: the same rows: $(tail -n 1 "$TEST_TMP/cmp")"
	fi
	if ! have_duck; then
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N - $name: DuckDB # SKIP DuckDB peer not installed at $PEER"
	elif [ $cat_ok -ne 0 ]; then
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N - $name: DuckDB # SKIP the archive has no data files"
	elif [ $duck_ok -ne 0 ]; then
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N - $name: DuckDB # SKIP delta_read.mjs does not read it: $(head -c 100 "$TEST_TMP/duck1.err")"
	else
		duck "$dir" "$TEST_TMP/duck2"
		python3 "$COMPARE" "$TEST_TMP/duck1" "$TEST_TMP/duck2" >"$TEST_TMP/cmp" 2>&1
		ok $? "$name: DuckDB reads the same rows from the checkpoint: $(tail -n 1 "$TEST_TMP/cmp") $(head -c 150 "$TEST_TMP/duck2.err")"
	fi
}

unpack() { # ARCHIVE DEST: prints the table directory
	mkdir -p "$2" && tar -C "$2" --zstd -xf "$1" 2>/dev/null
	log=$(find "$2" -name _delta_log -type d | head -n 1)
	echo "${log%/_delta_log}"
}

for t in $TABLES; do
	arch=${t%%:*}
	ver=${t#"$arch"}
	ver=${ver#:}
	name=$(basename "$arch")
	dir=$(unpack "$DATA/delta/$arch.tar.zst" "$TEST_TMP/$name")
	check_table "$name" "$dir" "$ver"
	rm -rf "${TEST_TMP:?}/$name"
done

# The footer: Spark's checkpoint schema (golden dv-partitioned-with-checkpoint,
# written by Spark 3.4) less partitionValues_parsed, which tarn leaves out,
# and Spark's codec.
dir=$(unpack "$DATA/delta/golden/dv-partitioned-with-checkpoint.tar.zst" "$TEST_TMP/spark")
"$TARN_BIN" inspect "$dir/_delta_log/00000000000000000010.checkpoint.parquet" >"$TEST_TMP/spark.txt"
"$TARN_BIN" checkpoint "$dir" 2>/dev/null
"$TARN_BIN" inspect "$dir/_delta_log/00000000000000000015.checkpoint.parquet" >"$TEST_TMP/tarn.txt"
schema() { # the Parquet schema lines, without the root's name and the parsed partition values
	sed -n '/^parquet schema:/,/^$/p' "$1" | sed 1,2d | awk '/partitionValues_parsed/ {skip = 1; next} skip && /^        / {next} {skip = 0; print}'
}
schema "$TEST_TMP/spark.txt" >"$TEST_TMP/spark.schema"
schema "$TEST_TMP/tarn.txt" >"$TEST_TMP/tarn.schema"
[ -s "$TEST_TMP/tarn.schema" ] && diff "$TEST_TMP/spark.schema" "$TEST_TMP/tarn.schema" >"$TEST_TMP/diff"
ok $? "the checkpoint's Parquet schema is Spark's ($(wc -l <"$TEST_TMP/tarn.schema") lines): $(head -c 300 "$TEST_TMP/diff")"
chunks=$(grep -cE '^  [a-zA-Z_.]+: [A-Z_0-9]+ ' "$TEST_TMP/tarn.txt")
snappy=$(grep -cE '^  [a-zA-Z_.]+: [A-Z_0-9]+ SNAPPY,' "$TEST_TMP/tarn.txt")
[ "$chunks" -gt 0 ] && [ "$chunks" -eq "$snappy" ]
ok $? "every column chunk is SNAPPY, as Spark writes them ($snappy of $chunks)"
grep -q '^rows: *17 in 1 row group' "$TEST_TMP/tarn.txt"
ok $? "one row group of 17 actions: $(grep '^rows:' "$TEST_TMP/tarn.txt")"

# An existing checkpoint is left alone.
dir=$(unpack "$DATA/delta/golden/only-checkpoint-files.tar.zst" "$TEST_TMP/exists")
ck=$dir/_delta_log/00000000000000000002.checkpoint.parquet
sum=$(cksum <"$ck")
"$TARN_BIN" checkpoint "$dir" 2>"$TEST_TMP/err"
rc=$?
[ $rc -eq 0 ] && grep -q "exists already" "$TEST_TMP/err" && [ "$(cksum <"$ck")" = "$sum" ]
ok $? "an existing checkpoint is left alone: $(head -c 200 "$TEST_TMP/err")"

# A table with row tracking is refused, and nothing is left behind.
dir=$(unpack "$DATA/delta/tables/delta-rs/table_with_liquid_clustering.tar.zst" "$TEST_TMP/rt")
before=$(ls -a "$dir/_delta_log" | md5sum)
"$TARN_BIN" checkpoint "$dir" 2>"$TEST_TMP/err"
rc=$?
[ $rc -eq 1 ] && grep -q "row tracking" "$TEST_TMP/err" && [ "$(ls -a "$dir/_delta_log" | md5sum)" = "$before" ]
ok $? "row tracking is refused, naming why, leaving the log as it was: $(head -c 200 "$TEST_TMP/err")"

# A failed write (a directory where the checkpoint goes) names the file and
# why, and leaves neither a temporary file nor _last_checkpoint.
dir=$(unpack "$DATA/delta/golden/basic-decimal-table.tar.zst" "$TEST_TMP/fail")
mkdir -p "$dir/_delta_log/00000000000000000000.checkpoint.parquet/x"
"$TARN_BIN" checkpoint "$dir" 2>"$TEST_TMP/err"
rc=$?
[ $rc -eq 1 ] && grep -q "00000000000000000000.checkpoint.parquet.*directory" "$TEST_TMP/err" &&
	[ ! -e "$dir/_delta_log/_last_checkpoint" ] && ! ls -a "$dir/_delta_log" | grep -q tarn-tmp
ok $? "a failed write says what and why, and leaves nothing behind: $(head -c 250 "$TEST_TMP/err")"

# Usage errors.
"$TARN_BIN" checkpoint >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "no table: usage error"
"$TARN_BIN" checkpoint "$TEST_TMP/nothing-here" 2>"$TEST_TMP/err"
[ $? -eq 1 ] && grep -q "not a Delta table" "$TEST_TMP/err"
ok $? "not a table: $(head -c 150 "$TEST_TMP/err")"

# A table tarn writes, checkpointed, reads the same in DuckDB; an append
# after the checkpoint is read from the checkpoint and the new commit.
T=$TEST_TMP/imported
"$TARN_BIN" import "$PQ" "$T" 2>/dev/null && "$TARN_BIN" import "$PQ" "$T" 2>/dev/null
"$TARN_BIN" checkpoint "$T" 2>"$TEST_TMP/err"
ok $? "tarn import, twice, then checkpoint: $(cat "$TEST_TMP/err")"
drop_commits "$T" 1
"$TARN_BIN" import "$PQ" "$T" 2>/dev/null
"$TARN_BIN" cat --format jsonl "$T" >"$TEST_TMP/t"
[ "$(wc -l <"$TEST_TMP/t")" -eq 24 ]
ok $? "checkpoint + a later append: $(wc -l <"$TEST_TMP/t") rows (want 24)"
if have_duck; then
	duck "$T" "$TEST_TMP/d"
	python3 "$COMPARE" "$TEST_TMP/d" "$TEST_TMP/t" >"$TEST_TMP/cmp" 2>&1
	ok $? "DuckDB reads the imported, checkpointed table the same: $(tail -n 1 "$TEST_TMP/cmp") $(head -c 150 "$TEST_TMP/d.err")"
else
	echo "ok $((TAP_N += 1)) - DuckDB reads the imported table # SKIP DuckDB peer not installed at $PEER"
fi

# Domain metadata (one removed) and a txn with lastUpdated, in a commit
# made by hand: the checkpoint keeps the live domains and the txn.
cat >"$T/_delta_log/00000000000000000003.json" <<'EOF'
{"protocol":{"minReaderVersion":1,"minWriterVersion":7,"writerFeatures":["domainMetadata","appendOnly","invariants"]}}
{"domainMetadata":{"domain":"tarn.test","configuration":"{\"a\":1}","removed":false}}
{"domainMetadata":{"domain":"tarn.gone","configuration":"{}","removed":false}}
{"txn":{"appId":"stream-1","version":4503599627370497,"lastUpdated":1700000000123}}
EOF
cat >"$T/_delta_log/00000000000000000004.json" <<'EOF'
{"domainMetadata":{"domain":"tarn.gone","configuration":"{}","removed":true}}
EOF
snapshot "$T" "$TEST_TMP/s1"
"$TARN_BIN" checkpoint "$T" 2>"$TEST_TMP/err"
ok $? "domain metadata and txns: $(cat "$TEST_TMP/err")"
"$TARN_BIN" cat --format jsonl "$T/_delta_log/00000000000000000004.checkpoint.parquet" >"$TEST_TMP/ck.jsonl"
python3 - "$TEST_TMP/ck.jsonl" <<'PY' >"$TEST_TMP/chk" 2>&1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
doms = [r['domainMetadata'] for r in rows if r['domainMetadata']]
txns = [r['txn'] for r in rows if r['txn']]
prot = [r['protocol'] for r in rows if r['protocol']][0]
ok = (doms == [{'domain': 'tarn.test', 'configuration': '{"a":1}', 'removed': False}]
      and txns == [{'appId': 'stream-1', 'version': 4503599627370497, 'lastUpdated': 1700000000123}]
      and prot == {'minReaderVersion': 1, 'minWriterVersion': 7, 'readerFeatures': None,
                   'writerFeatures': ['domainMetadata', 'appendOnly', 'invariants']})
print(doms, txns, prot)
sys.exit(0 if ok else 1)
PY
ok $? "the live domain, the txn and the writer features: $(head -c 300 "$TEST_TMP/chk")"
# An older version: --version N keeps _last_checkpoint on the newer one.
"$TARN_BIN" checkpoint --version 2 "$T" 2>"$TEST_TMP/err"
rc=$?
[ $rc -eq 0 ] && [ -f "$T/_delta_log/00000000000000000002.checkpoint.parquet" ] &&
	grep -q '"version":4,' "$T/_delta_log/_last_checkpoint"
ok $? "--version 2 writes that checkpoint and leaves _last_checkpoint at 4: $(cat "$T/_delta_log/_last_checkpoint")"
drop_commits "$T" 4
snapshot "$T" "$TEST_TMP/s2"
cmp -s "$TEST_TMP/s1" "$TEST_TMP/s2" && grep -q '"tarn.test"' "$TEST_TMP/s2" && ! grep -q '"tarn.gone"' "$TEST_TMP/s2"
ok $? "from the checkpoint alone: the same snapshot, domains and txns"
"$TARN_BIN" cat --format jsonl "$T" >"$TEST_TMP/t2"
python3 "$COMPARE" "$TEST_TMP/t" "$TEST_TMP/t2" >/dev/null 2>&1
ok $? "and the same rows"

"$TARN_BIN" checkpoint --version x "$T" >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "--version x: usage error"
# No temporary files anywhere.
! find "$TEST_TMP" -name '.tarn-tmp*' | grep -q .
ok $? "no temporary files left behind"
done_testing
