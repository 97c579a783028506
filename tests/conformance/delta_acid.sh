#!/usr/bin/env bash
# delta_acid.sh - atomicity, isolation and durability of tarn's Delta
# writes through the real binary:
#  - concurrency: 3 processes appending and 1 deleting on one table for many
#    rounds; no row is lost or duplicated, every conflict is retried or
#    reported, and the final table equals the serial expectation;
#  - crashes: a writer killed with SIGKILL at random instants, 50 times; the
#    table always opens at a committed version holding exactly that
#    version's rows.
. "$(dirname "$0")/../lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
GEN=${TARN_BUILDDIR:-$TARN_SRCDIR}/tests/conformance/rows_gen
[ -x "$GEN" ] || skip_all "rows_gen not built ($GEN)"
ROUNDS=${TARN_ACID_ROUNDS:-12}
KILLS=${TARN_ACID_KILLS:-50}
plan 8

ids() { "$TARN_BIN" cat --format csv --columns id "$1" | tail -n +2 | sort -n; }

# ---- concurrency ----
T=$TEST_TMP/conc
"$GEN" "$TEST_TMP/base.parquet" 1000000 1000 base
"$TARN_BIN" import "$TEST_TMP/base.parquet" "$T" 2>/dev/null
for w in 1 2 3; do
	for r in $(seq 1 "$ROUNDS"); do
		"$GEN" "$TEST_TMP/w$w-$r.parquet" $((w * 100000 + r * 100)) 50 "w$w"
	done
done
appender() { # W: append its ROUNDS files; an exit other than 0 is a failure
	local w=$1 r
	for r in $(seq 1 "$ROUNDS"); do
		"$TARN_BIN" import "$TEST_TMP/w$w-$r.parquet" "$T" 2>>"$TEST_TMP/app$w.err" ||
			echo "append $w-$r failed" >>"$TEST_TMP/fail"
	done
}
deleter() { # delete ids 1000000+r*7 one round at a time; retry reported conflicts
	local r n
	for r in $(seq 1 "$ROUNDS"); do
		for n in $(seq 1 20); do
			if "$TARN_BIN" delete --where "id = $((1000000 + r * 7))" "$T" 2>>"$TEST_TMP/del.err"; then
				break
			fi
			if grep -q "conflicts with this DELETE" "$TEST_TMP/del.err"; then
				echo conflict >>"$TEST_TMP/conflicts"
				: >"$TEST_TMP/del.err"
				continue
			fi
			echo "delete $r failed: $(cat "$TEST_TMP/del.err")" >>"$TEST_TMP/fail"
			break
		done
	done
}
appender 1 &
appender 2 &
appender 3 &
deleter &
wait
[ ! -s "$TEST_TMP/fail" ]
ok $? "every append and delete committed ($(cat "$TEST_TMP/fail" 2>/dev/null | head -n 3))"
python3 - "$ROUNDS" >"$TEST_TMP/want" <<'PY'
import sys
rounds = int(sys.argv[1])
ids = set(range(1000000, 1001000))
for r in range(1, rounds + 1):
    ids.discard(1000000 + r * 7)
rows = sorted(ids)
for w in (1, 2, 3):
    for r in range(1, rounds + 1):
        rows += range(w * 100000 + r * 100, w * 100000 + r * 100 + 50)
for i in sorted(rows):
    print(i)
PY
ids "$T" >"$TEST_TMP/got"
cmp -s "$TEST_TMP/want" "$TEST_TMP/got"
ok $? "the final table equals the serial expectation ($(wc -l <"$TEST_TMP/got") rows, want $(wc -l <"$TEST_TMP/want"))"
nv=$("$TARN_BIN" history --format jsonl "$T" | wc -l)
[ "$nv" -eq $((1 + 4 * ROUNDS)) ]
ok $? "one version per write: $nv versions for $((1 + 4 * ROUNDS)) writes"
python3 - "$T/_delta_log" <<'PY'
import glob, json, os, sys
seen = {}
for f in sorted(glob.glob(os.path.join(sys.argv[1], '*.json'))):
    for line in open(f):
        a = json.loads(line)
        if 'add' in a:
            p = a['add']['path']
            assert p not in seen, 'file added twice: ' + p
            seen[p] = f
PY
ok $? "no data file is added twice"
# Appends that lost a race retried at a later version than they read.
retried=$("$TARN_BIN" history --format jsonl "$T" | python3 -c '
import json, sys
n = 0
for l in sys.stdin:
    c = json.loads(l)
    if c.get("readVersion") is not None and c["readVersion"] < c["version"] - 1:
        n += 1
print(n)')
echo "# $retried commits retried past concurrent ones; the deleter retried $(cat "$TEST_TMP/conflicts" 2>/dev/null | wc -l) reported conflicts"

# ---- crashes ----
C=$TEST_TMP/crash
"$GEN" "$TEST_TMP/c0.parquet" 0 1000 c0
"$TARN_BIN" import "$TEST_TMP/c0.parquet" "$C" 2>/dev/null
# The model: the ids each version holds.
echo "0 0 1000" >"$TEST_TMP/model" # version first count (ranges appended), deletes as "d ID"
bad=0 killed=0 committed=0
for i in $(seq 1 "$KILLS"); do
	before=$("$TARN_BIN" history --format jsonl --limit 1 "$C" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["version"])')
	if [ $((i % 2)) -eq 0 ]; then
		# delete what the previous round appended, and one row of the base
		op="d $(((i - 1) * 100000)) $(((i - 1) * 100000 + 200000)) $i"
		"$TARN_BIN" delete --where "(id >= $(((i - 1) * 100000)) AND id < $(((i - 1) * 100000 + 200000))) OR id = $i" "$C" 2>/dev/null &
	else
		[ -f "$TEST_TMP/c$i.parquet" ] || "$GEN" "$TEST_TMP/c$i.parquet" $((i * 100000)) 200000 "c$i"
		op="a $((i * 100000)) 200000"
		"$TARN_BIN" import "$TEST_TMP/c$i.parquet" "$C" 2>/dev/null &
	fi
	pid=$!
	# a random instant within the write (tens of milliseconds)
	sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
	kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
	wait "$pid" 2>/dev/null
	after=$("$TARN_BIN" history --format jsonl --limit 1 "$C" 2>"$TEST_TMP/herr" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["version"])' 2>/dev/null)
	if [ -z "$after" ]; then
		bad=$((bad + 1))
		echo "# kill $i: the table does not open: $(cat "$TEST_TMP/herr")"
		continue
	fi
	if [ "$after" -gt "$before" ]; then
		echo "$op" >>"$TEST_TMP/model"
		committed=$((committed + 1))
	fi
	python3 - "$TEST_TMP/model" >"$TEST_TMP/cwant" <<'PY'
import sys
ids = []
for line in open(sys.argv[1]):
    p = line.split()
    if p[0] == 'd':
        lo, hi, one = int(p[1]), int(p[2]), int(p[3])
        ids = [i for i in ids if not (lo <= i < hi or i == one)]
    else:
        a, n = int(p[1]), int(p[2])
        ids += range(a, a + n)
for i in sorted(ids):
    print(i)
PY
	if ! ids "$C" >"$TEST_TMP/cgot" 2>"$TEST_TMP/cerr" || ! cmp -s "$TEST_TMP/cwant" "$TEST_TMP/cgot"; then
		bad=$((bad + 1))
		echo "# kill $i ($op): version $after holds $(wc -l <"$TEST_TMP/cgot") rows, want $(wc -l <"$TEST_TMP/cwant") $(head -c 300 "$TEST_TMP/cerr")"
		# follow the table from here
		python3 - "$TEST_TMP/cgot" >"$TEST_TMP/model" <<'PY'
import sys
for l in open(sys.argv[1]):
    print('a', l.strip(), 1)
PY
	fi
done
[ "$bad" -eq 0 ]
ok $? "$KILLS writers killed with SIGKILL ($killed mid-write, $committed committed first): the table always opened at a committed version with exactly its rows"
"$TARN_BIN" cat --format jsonl "$C" >/dev/null
ok $? "the table still reads after the kills"
# ids far above the crash rounds' (up to 5.1 million, kept when a last delete was killed)
"$GEN" "$TEST_TMP/after.parquet" 900000000 10 after
"$TARN_BIN" import "$TEST_TMP/after.parquet" "$C" 2>/dev/null &&
	[ "$("$TARN_BIN" cat --format csv --columns id --where "id >= 900000000" "$C" | tail -n +2 | wc -l)" -eq 10 ]
ok $? "and takes new writes"
# Killed writers leave at most orphan data files (never a half-written log entry).
python3 - "$C/_delta_log" <<'PY'
import glob, json, os, sys
for f in glob.glob(os.path.join(sys.argv[1], '*.json')):
    for line in open(f):
        json.loads(line)
PY
ok $? "every commit in the log is whole JSON"
done_testing
