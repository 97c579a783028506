#!/usr/bin/env bash
# import_text.sh - `tarn import` of CSV, TSV and JSON-lines files into Delta
# tables: the rows tarn reads back equal what DuckDB reads from the same
# file (read_csv, read_json) and from the table (delta_read.mjs); appends
# take the table's types and column order; bad values fail naming the file,
# line and column and commit nothing, or with --rescue are kept aside.
. "$(dirname "$0")/../lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
COMPARE=${TARN_TESTDATA:-$TARN_SRCDIR/../shared/testdata}/../tools/jsonl_compare.py
[ -f "$COMPARE" ] || skip_all "jsonl_compare.py not found at $COMPARE"
PEER=${TARN_DUCKDB_PEER:-$TARN_SRCDIR/build-peers/duckdb}
plan 26

D=$TEST_TMP
# peer_same TABLE DESC CMD...: tarn's rows of TABLE equal what CMD, run in
# the DuckDB peer's folder, prints.
peer_same() {
	local t=$1 desc=$2
	shift 2
	if [ ! -d "$PEER/node_modules" ]; then
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N - $desc # SKIP DuckDB peer not installed at $PEER"
		return
	fi
	"$TARN_BIN" cat --format jsonl "$t" >"$D/tarn.jsonl"
	(cd "$PEER" && "$@") >"$D/duck.jsonl" 2>&1
	python3 "$COMPARE" "$D/duck.jsonl" "$D/tarn.jsonl" >"$D/cmp" 2>&1
	ok $? "$desc: $(tail -n 1 "$D/cmp")"
}
# same_as_duckdb TABLE SQL DESC: DuckDB's query over the file gives the rows.
same_as_duckdb() { peer_same "$1" "$3" node canon.mjs "$2"; }
# delta_same TABLE DESC: DuckDB's own Delta reader reads the table the same.
delta_same() { peer_same "$1" "$2" node delta_read.mjs "$1"; }
versions() { ls "$1/_delta_log" | grep -c 'json$'; }

# ---- CSV: quoting, CRLF, a byte order mark, nulls, every inferred type.
printf '\xef\xbb\xbfid,name,price,day,at,ok,note\r\n1,"Smith, Jane",1.5,2020-01-01,2020-01-01 10:00:00,true,plain\r\n2,"two\r\nlines ""quoted""",2,2021-12-31,2021-06-30T23:59:59.123456Z,false,\r\n3,,-0.25,,,,"x"\r\n4,\xc3\x9cn\xc3\xafc\xc3\xb6d\xc3\xa9,1e3,1999-01-01,1999-01-01 00:00:00+02:00,TRUE,last\r\n' >"$D/a.csv"
run "$TARN_BIN" import "$D/a.csv" "$D/ta"
[ "$RC" -eq 0 ] && echo "$ERR" | grep -q "version 0: 4 rows"
ok $? "a CSV makes a new table: $ERR"
cat >"$D/want" <<'EOF'
{"id":1,"name":"Smith, Jane","price":1.5,"day":"2020-01-01","at":"2020-01-01T10:00:00.000000Z","ok":true,"note":"plain"}
{"id":2,"name":"two\r\nlines \"quoted\"","price":2.0,"day":"2021-12-31","at":"2021-06-30T23:59:59.123456Z","ok":false,"note":null}
{"id":3,"name":null,"price":-0.25,"day":null,"at":null,"ok":null,"note":"x"}
{"id":4,"name":"Ünïcödé","price":1000.0,"day":"1999-01-01","at":"1998-12-31T22:00:00.000000Z","ok":true,"note":"last"}
EOF
"$TARN_BIN" cat --format jsonl "$D/ta" | diff "$D/want" - >"$D/diff"
ok $? "its rows and inferred types $(head -c 200 "$D/diff")"
same_as_duckdb "$D/ta" "SELECT * FROM read_csv('$D/a.csv')" "the CSV reads as DuckDB reads it"
delta_same "$D/ta" "DuckDB's Delta reader reads the new table the same"

# ---- TSV by extension; --no-header and --delimiter.
printf 'k\tv\n1\ta,b\n2\t"t\tab"\n' >"$D/t.tsv"
"$TARN_BIN" import "$D/t.tsv" "$D/tt" 2>/dev/null
same_as_duckdb "$D/tt" "SELECT * FROM read_csv('$D/t.tsv', delim='\t')" "a .tsv file is tab-separated"
printf '1;x;2020-01-01\n2;y;\n' >"$D/n.csv"
"$TARN_BIN" import --no-header --delimiter ';' "$D/n.csv" "$D/tn" 2>/dev/null
[ "$("$TARN_BIN" cat --format jsonl "$D/tn" | head -n 1)" = '{"column0":1,"column1":"x","column2":"2020-01-01"}' ]
ok $? "--no-header --delimiter ';': columns column0, column1, ..."
same_as_duckdb "$D/tn" "SELECT * FROM read_csv('$D/n.csv', delim=';', header=false)" "--no-header as DuckDB's header=false"
cp "$D/n.csv" "$D/n.txt"
run "$TARN_BIN" import --format csv --no-header -d ';' "$D/n.txt" "$D/tn2"
[ "$RC" -eq 0 ] && [ "$("$TARN_BIN" cat --format jsonl "$D/tn2" | wc -l)" -eq 2 ]
ok $? "--format csv reads a file of another name $ERR"

# ---- JSON lines: keys in order of appearance, nested values as JSON text.
printf '{"id":1,"name":"a\\u00e9\\n","tags":["x",{"k":null}],"when":"2020-01-01","big":9007199254740993}\n\n{"id":2,"ok":true,"name":null,"score":1.5}\r\n{"score":2,"id":3,"tags":{"a":[1,2]}}\n' >"$D/j.jsonl"
"$TARN_BIN" import "$D/j.jsonl" "$D/tj" 2>/dev/null
"$TARN_BIN" cat --format jsonl "$D/tj" >"$D/got"
cat >"$D/want" <<'EOF'
{"id":1,"name":"aé\n","tags":"[\"x\",{\"k\":null}]","when":"2020-01-01","big":9007199254740993,"ok":null,"score":null}
{"id":2,"name":null,"tags":null,"when":null,"big":null,"ok":true,"score":1.5}
{"id":3,"name":null,"tags":"{\"a\":[1,2]}","when":null,"big":null,"ok":null,"score":2.0}
EOF
diff "$D/want" "$D/got" >"$D/diff"
ok $? "JSON lines make a table: keys in order, nested as JSON text $(head -c 200 "$D/diff")"
same_as_duckdb "$D/tj" "SELECT * REPLACE (to_json(tags)::VARCHAR AS tags) FROM read_json('$D/j.jsonl')" \
	"JSON lines read as DuckDB reads them"

# ---- Generated files of many read chunks.
python3 - "$D" <<'PY'
import csv, json, random, sys
random.seed(7)
d = sys.argv[1]
words = ['alpha', 'beta', 'gam,ma', 'del"ta', 'two\nlines', 'crlf\r\nx', 'caf\u00e9', '\u6f22\u5b57', 'semi;colon', ' space ']
def maybe(v, p=0.1):
    return None if random.random() < p else v
with open(d + '/g.csv', 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(['id', 'label', 'amount', 'count', 'day', 'at', 'flag'])
    for i in range(30000):
        w.writerow([i, maybe(random.choice(words) + str(i)),
                    maybe('%.6f' % random.uniform(-1e6, 1e6)),
                    maybe(random.randint(-2**63, 2**63 - 1)),
                    maybe('%04d-%02d-%02d' % (random.randint(1900, 2100), random.randint(1, 12), random.randint(1, 28))),
                    maybe('2021-%02d-%02d %02d:%02d:%02d.%06d' % (random.randint(1, 12), random.randint(1, 28),
                          random.randint(0, 23), random.randint(0, 59), random.randint(0, 59), random.randint(0, 999999))),
                    maybe(random.choice(['true', 'false']))])
with open(d + '/g.jsonl', 'w') as f:
    for i in range(30000):
        o = {'id': i, 'name': random.choice(words) + str(i), 'score': random.uniform(-1, 1),
             'n': random.randint(-2**62, 2**62), 'ok': random.random() < 0.5,
             'tags': [random.choice(['a', 'b', 'c']) for _ in range(random.randint(0, 3))]}
        for k in list(o):
            if k != 'id' and random.random() < 0.1:
                if random.random() < 0.5:
                    del o[k]
                else:
                    o[k] = None
        f.write(json.dumps(o, ensure_ascii=random.random() < 0.5, separators=(', ', ': ')) + '\n')
PY
run "$TARN_BIN" import "$D/g.csv" "$D/tg"
[ "$RC" -eq 0 ] && [ "$("$TARN_BIN" cat --format jsonl "$D/tg" | wc -l)" -eq 30000 ]
ok $? "a 30000-row CSV of $(wc -c <"$D/g.csv") bytes imports whole $ERR"
same_as_duckdb "$D/tg" "SELECT * FROM read_csv('$D/g.csv')" "the generated CSV reads as in DuckDB"
run "$TARN_BIN" import "$D/g.jsonl" "$D/tgj"
[ "$RC" -eq 0 ] && [ "$("$TARN_BIN" cat --format jsonl "$D/tgj" | wc -l)" -eq 30000 ]
ok $? "a 30000-line JSON-lines file imports whole $ERR"
same_as_duckdb "$D/tgj" \
	"SELECT * REPLACE (to_json(tags)::VARCHAR AS tags) FROM read_json('$D/g.jsonl', columns={id:'BIGINT',name:'VARCHAR',score:'DOUBLE',n:'BIGINT',ok:'BOOLEAN',tags:'VARCHAR[]'})" \
	"the generated JSON lines read as in DuckDB"

# ---- Appending: the table's columns by name, its types.
printf 'note,id,price,ok,day\nappended,5,7,false,2022-02-02\n,6,,,\n' >"$D/b.csv"
run "$TARN_BIN" import "$D/b.csv" "$D/ta"
"$TARN_BIN" cat --format jsonl "$D/ta" >"$D/got"
cat >"$D/want" <<'EOF'
{"id":5,"name":null,"price":7.0,"day":"2022-02-02","at":null,"ok":false,"note":"appended"}
{"id":6,"name":null,"price":null,"day":null,"at":null,"ok":null,"note":null}
EOF
[ "$RC" -eq 0 ] && [ "$(wc -l <"$D/got")" -eq 6 ] && [ "$(grep -cFxf "$D/want" "$D/got")" -eq 2 ]
ok $? "an append matches columns by name and takes the table's types $ERR"
printf '{"id":7,"price":"8.5","day":"2023-03-03","ok":true}\n' >"$D/b.jsonl"
run "$TARN_BIN" import "$D/b.jsonl" "$D/ta"
[ "$RC" -eq 0 ] && "$TARN_BIN" cat --format jsonl "$D/ta" | grep -q '^{"id":7,"name":null,"price":8.5,"day":"2023-03-03","at":null,"ok":true,"note":null}$'
ok $? "JSON lines append to a table made from CSV $ERR"
delta_same "$D/ta" "after the appends, DuckDB's Delta reader agrees"

# ---- Bad values: the file, line and column; nothing committed.
printf 'id,note\n8,a\n9,"x\ny"\nten,z\n' >"$D/bad.csv"
before=$(versions "$D/ta")
files=$(ls "$D/ta" | wc -l)
run "$TARN_BIN" import "$D/bad.csv" "$D/ta"
[ "$RC" -eq 1 ] && echo "$ERR" | grep -qF "bad.csv: line 5, column 1 (id): \"ten\" is not a valid bigint" &&
	[ "$(versions "$D/ta")" -eq "$before" ] && [ "$(ls "$D/ta" | wc -l)" -eq "$files" ]
ok $? "a bad value fails, naming file, line and column, and commits nothing: $ERR"
printf '{"id":1}\n{"id":2,}\n' >"$D/bad.jsonl"
run "$TARN_BIN" import "$D/bad.jsonl" "$D/tbad"
[ "$RC" -eq 1 ] && echo "$ERR" | grep -qF "bad.jsonl: line 2, character 9: expected a key in quotes" && [ ! -d "$D/tbad/_delta_log" ]
ok $? "malformed JSON fails naming the line and character: $ERR"
run "$TARN_BIN" import "$D/bad.csv" "$D/tj"
[ "$RC" -eq 1 ] && echo "$ERR" | grep -q '"note", is not a column of the schema'
ok $? "a CSV column the table lacks is refused: $ERR"

# ---- --rescue.
printf 'id,name\n1,a\n2,b,extra\n' >"$D/r.csv"
run "$TARN_BIN" import --rescue "$D/r.csv" "$D/tr"
"$TARN_BIN" cat --format jsonl "$D/tr" >"$D/got"
cat >"$D/want" <<EOF
{"id":1,"name":"a","_rescued_data":null}
{"id":2,"name":"b","_rescued_data":"{\"_c2\":\"extra\",\"_file_path\":\"$D/r.csv\"}"}
EOF
[ "$RC" -eq 0 ] && diff "$D/want" "$D/got" >"$D/diff"
ok $? "--rescue: a new table gets _rescued_data with what did not fit $(head -c 200 "$D/diff")"
printf 'name,id\nc,three\n' >"$D/r2.csv"
run "$TARN_BIN" import --rescue "$D/r2.csv" "$D/tr"
"$TARN_BIN" cat --format jsonl "$D/tr" | grep -qF "{\"id\":null,\"name\":\"c\",\"_rescued_data\":\"{\\\"id\\\":\\\"three\\\",\\\"_file_path\\\""
ok $? "--rescue: an append keeps a bad value aside $ERR"
run "$TARN_BIN" import --rescue "$D/r2.csv" "$D/ta"
[ "$RC" -eq 1 ] && echo "$ERR" | grep -q "needs a string column _rescued_data"
ok $? "--rescue into a table without _rescued_data fails: $ERR"

# ---- Overwrite and usage errors.
run "$TARN_BIN" import --mode overwrite --no-header -d ';' "$D/n.csv" "$D/tn"
[ "$RC" -eq 0 ] && [ "$("$TARN_BIN" cat --format jsonl "$D/tn" | wc -l)" -eq 2 ] && [ "$(versions "$D/tn")" -eq 2 ]
ok $? "--mode overwrite replaces a table's rows from a CSV (a header-less file, by position) $ERR"
run "$TARN_BIN" import "$D/n.txt" "$D/tx"
[ "$RC" -eq 2 ] && echo "$ERR" | grep -q "give --format"
ok $? "an unknown extension is a usage error: $(echo "$ERR" | head -n 1)"
run "$TARN_BIN" import --delimiter ab "$D/n.csv" "$D/tx"
rc1=$RC
run "$TARN_BIN" import --format xml "$D/n.csv" "$D/tx"
rc2=$RC
run "$TARN_BIN" import --no-header "$D/j.jsonl" "$D/tx"
[ "$rc1" -eq 2 ] && [ "$rc2" -eq 2 ] && [ "$RC" -eq 2 ] && [ ! -d "$D/tx" ]
ok $? "a bad --delimiter or --format, or a CSV option for JSON, is a usage error"
done_testing
