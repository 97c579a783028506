#!/usr/bin/env bash
# bench/share.sh - `tarn share serve` on loopback. Not a test: run by hand.
#   bench/share.sh [N]        (N requests a latency figure, default 900)
# Needs a built tree (scripts/setup), python3 and curl. Measures, against
# a peer run the same way (python3's http.server with keep-alive, serving
# the same files from the same disk):
#  1. p50/p99 of list shares, metadata (of a 1-file and of the 1,000-file
#     table) and query of a table of 1,000 files: one keep-alive
#     connection, bench/share.py (http.client); goals list and metadata
#     p50 <= 2 ms, query p50 <= 50 ms; the peer's figure is a GET of a
#     small file;
#  2. the download of one ~225 MB Parquet file at its signed URL, by curl
#     and by bench/share.py (best of 3); goal >= 500 MB/s.
set -eu
cd "$(dirname "$0")/.."
N=${1:-900}
# each figure has a recipient of its own: its token bucket (burst 1000,
# 500/s) holds N requests at full speed, so no 429s and no pacing
[ "$N" -le 900 ] || { echo "N is at most 900 (the rate limit's burst)" >&2; exit 2; }
make -s tarn >/dev/null
mkdir -p bench/data
W=$(mktemp -d "$PWD/bench/data/share.XXXXXX")
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$W"' EXIT
lh=$W/lh
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }

# ---- set-up: a table of 1,000 files (one INSERT into 1,000 partitions),
# a 1-file table and one ~225 MB file of incompressible bytes
t0=$(date +%s%N)
./tarn -L "$lh" sql -c "
CREATE TABLE main.default.many (id BIGINT, p INT, v STRING) PARTITIONED BY (p);
INSERT INTO main.default.many SELECT value, value % 1000, 'v' || value FROM (WITH RECURSIVE
  s(value) AS (SELECT 0 UNION ALL SELECT value + 1 FROM s WHERE value < 9999) SELECT value FROM s);
" >/dev/null 2>&1
t_many=$(ms "$t0")
t0=$(date +%s%N)
./tarn -L "$lh" sql -c "
CREATE TABLE main.default.big (id BIGINT, payload BINARY);
INSERT INTO main.default.big SELECT value, randomblob(100) FROM (WITH RECURSIVE
  s(value) AS (SELECT 0 UNION ALL SELECT value + 1 FROM s WHERE value < 2199999) SELECT value FROM s);
CREATE TABLE main.default.one (k INT, v STRING);
INSERT INTO main.default.one VALUES (1, 'a');
CREATE SHARE s;
ALTER SHARE s ADD TABLE main.default.many AS pub.many;
ALTER SHARE s ADD TABLE main.default.big AS pub.big;
ALTER SHARE s ADD TABLE main.default.one AS pub.one;
$(for i in 1 2 3 4 5 6; do echo "CREATE RECIPIENT r$i; GRANT SELECT ON SHARE s TO RECIPIENT r$i;"; done)
" >/dev/null 2>&1
t_big=$(ms "$t0")
nfiles=$(find "$lh/warehouse/main/default/many" -name '*.parquet' | wc -l)
big=$(find "$lh/warehouse/main/default/big" -name '*.parquet')
size=$(stat -c %s "$big")
echo "set-up: $nfiles-file table in $t_many ms (one INSERT into $nfiles partitions);" \
	"a $size-byte file, a 1-file table, share and recipient in $t_big ms"

./tarn -L "$lh" share serve --listen 127.0.0.1:0 2>"$W/serve.err" &
pids="$pids $!"
mkdir "$W/peer"
ln "$big" "$W/peer/big.parquet"
head -c 200 /dev/urandom >"$W/peer/small"
python3 bench/share.py peer "$W/peer" >"$W/peer.port" &
pids="$pids $!"
for _ in $(seq 50); do
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$W/serve.err")
	[ -n "$port" ] && [ -s "$W/peer.port" ] && break
	sleep 0.1
done
peer=$(cat "$W/peer.port")
B=http://127.0.0.1:$port/delta-sharing
P=http://127.0.0.1:$peer
token() { python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['bearerToken'])" \
	"$lh/shares/recipients/r$1.share"; }
TOKEN=$(token 6)
export TOKEN
lat() { local r=$1; shift; TOKEN=$(token "$r") python3 bench/share.py lat "$@"; }
T=$B/shares/s/schemas/pub/tables

# ---- 1. latency
read -r l50 l99 _ < <(lat 1 "$B/shares" "$N")
read -r m50 m99 _ < <(lat 2 "$T/one/metadata" "$N")
read -r mm50 mm99 _ < <(lat 3 "$T/many/metadata" "$N")
read -r q50 q99 qb < <(lat 4 "$T/many/query" "$((N / 5))" POST '{}')
read -r qd50 qd99 qdb < <(lat 5 "$T/many/query" "$((N / 5))" POST '{}' responseformat=delta)
read -r p50 p99 _ < <(TOKEN="" python3 bench/share.py lat "$P/small" "$N")
echo "client: bench/share.py, python3 http.client, one keep-alive connection, $N requests" \
	"after 20 of warm-up (queries: $((N / 5)))"
printf '%-34s p50 %7.3f ms  p99 %7.3f ms\n' "list shares" "$l50" "$l99" \
	"metadata, 1-file table" "$m50" "$m99" \
	"metadata, $nfiles-file table" "$mm50" "$mm99" \
	"query, $nfiles files ($qb B)" "$q50" "$q99" \
	"query delta, $nfiles files ($qdb B)" "$qd50" "$qd99" \
	"peer: http.server GET 200 B" "$p50" "$p99"
awk -v l="$l50" -v m="$m50" -v mm="$mm50" -v q="$q50" -v p="$p50" 'BEGIN {
	printf "list p50 %.3f ms (goal <= 2: %s), metadata p50 %.3f / %.3f ms (goal <= 2: %s), " \
		"query p50 %.1f ms (goal <= 50: %s)\n", l, (l <= 2 ? "met" : "MISSED"), m, mm,
		(m <= 2 && mm <= 2 ? "met" : "MISSED"), q, (q <= 50 ? "met" : "MISSED")
	printf "ratio list / peer GET p50: %.2f\n", l / p }'

# ---- 2. download
url=$(curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	-d '{}' "$T/big/query" | python3 -c "
import json, sys
print([json.loads(l)['file']['url'] for l in sys.stdin if '\"file\"' in l][0])")
curl_mbs() { # best of 3, MB/s
	for _ in 1 2 3; do
		curl -s -o /dev/null -w '%{speed_download} %{size_download}\n' "$1"
	done | awk -v n="$size" '$2 != n { print "short download" > "/dev/stderr"; exit 1 }
		$1 > b { b = $1 } END { printf "%.0f\n", b / 1e6 }'
}
d_curl=$(curl_mbs "$url")
d_py=$(python3 bench/share.py dl "$url" 3)
p_curl=$(curl_mbs "$P/big.parquet")
p_py=$(TOKEN="" python3 bench/share.py dl "$P/big.parquet" 3)
echo "download of $size bytes (best of 3):"
echo "  tarn share serve:  curl $d_curl MB/s, share.py $d_py MB/s"
echo "  peer http.server:  curl $p_curl MB/s, share.py $p_py MB/s"
awk -v a="$d_curl" -v b="$p_curl" 'BEGIN {
	printf "download %.0f MB/s (goal >= 500: %s); ratio tarn / peer (curl): %.2f\n", a,
		(a >= 500 ? "met" : "MISSED"), a / b }'
