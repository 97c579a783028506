#!/usr/bin/env bash
# mount.sh - tarn's sharing client against tarn's server, end to end: a
# provider lakehouse shares a partition-filtered table WITH HISTORY (and
# the change data feed), a table with deletion vectors, one with column
# mapping and a plain one; a recipient lakehouse mounts the share with
# `tarn share mount` (CREATE CATALOG ... USING SHARE) and reads it: rows,
# VERSION AS OF, TIMESTAMP AS OF, table_changes(), new commits live, the
# file cache. Between the two sits flaky_proxy.py: a 503 (retry), a
# download held until its signed URL expires (the client asks again),
# a download cut in half (resumed with Range). Then the refusals: wrong
# and expired tokens, history not shared, writes, a profile reaching two
# shares; and DROP CATALOG unmounts.
. "$(dirname "$0")/../lib.sh"
command -v python3 >/dev/null || skip_all "python3 is not installed"
plan 25

dir=$(mktemp -d)
spid=""
ppid_=""
trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null; [ -n "$ppid_" ] && kill "$ppid_" 2>/dev/null; rm -rf "$dir"' EXIT
lh="$dir/provider"
cl="$dir/recipient"
plog="$dir/proxy.log"
: >"$plog"

"$TARN_BIN" -L "$lh" sql -c "
CREATE TABLE main.default.sales (id INT, region STRING, amount DOUBLE) PARTITIONED BY (region)
  TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true');
INSERT INTO main.default.sales VALUES (1, 'eu', 1.5), (2, 'us', 2.5), (3, 'eu', 3.0);
INSERT INTO main.default.sales VALUES (4, 'us', 4.0), (5, 'eu', 5.0);
UPDATE main.default.sales SET amount = 30 WHERE id = 3;
DELETE FROM main.default.sales WHERE id = 1;
CREATE TABLE main.default.plain (k INT, v STRING);
INSERT INTO main.default.plain VALUES (1, 'a'), (2, 'b');
CREATE TABLE main.default.dv (id BIGINT, v STRING) TBLPROPERTIES ('delta.enableDeletionVectors' = 'true');
INSERT INTO main.default.dv VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e'), (6, 'f');
DELETE FROM main.default.dv WHERE id % 3 = 0;
CREATE TABLE main.default.cm (a INT, b STRING) TBLPROPERTIES ('delta.columnMapping.mode' = 'name');
INSERT INTO main.default.cm VALUES (1, 'x');
ALTER TABLE main.default.cm RENAME COLUMN b TO c;
INSERT INTO main.default.cm VALUES (2, 'y');
CREATE SHARE s1;
ALTER SHARE s1 ADD TABLE main.default.sales PARTITION (region = 'eu') AS pub.sales_eu WITH HISTORY;
ALTER SHARE s1 ADD TABLE main.default.plain AS other.plain;
ALTER SHARE s1 ADD TABLE main.default.dv AS pub.dv;
ALTER SHARE s1 ADD TABLE main.default.cm AS pub.cm;
CREATE SHARE s2;
ALTER SHARE s2 ADD TABLE main.default.plain AS x.plain;
" >"$dir/setup.log" 2>&1 || { cat "$dir/setup.log"; echo "Bail out! setup failed"; exit 1; }

# the proxy first (its port is the endpoint), then the server behind it
python3 "$TARN_SRCDIR/tests/share/flaky_proxy.py" "$dir/proxy.port" "$dir/upstream.port" "$plog" &
ppid_=$!
for _ in $(seq 100); do [ -s "$dir/proxy.port" ] && break; sleep 0.1; done
pport=$(cat "$dir/proxy.port" 2>/dev/null)
[ -n "$pport" ] || { echo "Bail out! the proxy did not start"; exit 1; }
endpoint="http://127.0.0.1:$pport/delta-sharing"
"$TARN_BIN" -L "$lh" share serve --listen 127.0.0.1:0 --public-url "$endpoint" --url-ttl 2 \
	2>"$dir/serve.err" &
spid=$!
sport=""
for _ in $(seq 100); do
	sport=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$dir/serve.err")
	[ -n "$sport" ] && break
	sleep 0.1
done
[ -n "$sport" ] || { cat "$dir/serve.err"; echo "Bail out! the server did not start"; exit 1; }
echo "$sport" >"$dir/upstream.port"

"$TARN_BIN" -L "$lh" sql -c "
SET tarn.share.endpoint = '$endpoint';
CREATE RECIPIENT partner_co;
GRANT SELECT ON SHARE s1 TO RECIPIENT partner_co;
GRANT SELECT ON SHARE s2 TO RECIPIENT partner_co;
" >>"$dir/setup.log" 2>&1 || { cat "$dir/setup.log"; echo "Bail out! recipient failed"; exit 1; }
profile="$lh/shares/recipients/partner_co.share"

prov() { "$TARN_BIN" -L "$lh" sql --format csv -c "$1" 2>&1; }
recv() { "$TARN_BIN" -L "$cl" sql --format csv -c "$1" 2>&1; }
same() { # same WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok 0 "$1"; else ok 1 "$1"; diag "got:" "$2" "want:" "$3"; fi
}

# 1-2: what the profile reaches (the proxy's 503 is retried)
out=$("$TARN_BIN" share list "$profile" 2>&1)
printf '%s\n' "$out" | grep -qx 's1.pub.sales_eu' && printf '%s\n' "$out" | grep -qx 's2.x.plain'
ok $? "share list names every table the profile reaches" || diag "$out"
grep -q '^api503 ' "$plog"; ok $? "a 503 from the network was retried"

# 3-4: a profile reaching two shares must name one; nothing is left behind
out=$("$TARN_BIN" -L "$cl" share mount partner "$profile" 2>&1)
[ $? -ne 0 ] && printf '%s' "$out" | grep -q "reaches 2 shares (s1, s2)"
ok $? "mounting a profile of two shares without #SHARE is refused, naming them" || diag "$out"
out=$(recv "SHOW CATALOGS")
! printf '%s' "$out" | grep -q partner; ok $? "the refused mount left no catalog" || diag "$out"

# 5-6: the mount
out=$("$TARN_BIN" -L "$cl" share mount partner "$profile#s1" 2>&1)
ok $? "tarn share mount partner PROFILE#s1" || diag "$out"
same "the share's tables are in the catalog" "$(recv "SHOW TABLES IN partner.pub" | cut -d, -f3 | sort | tr '\n' ' ')" "cm dv sales_eu table "

# 7-10: rows, through a held (expired URL) and a cut download
same "rows of the partition-filtered table" \
	"$(recv "SELECT * FROM partner.pub.sales_eu ORDER BY id")" \
	"$(prov "SELECT * FROM main.default.sales WHERE region = 'eu' ORDER BY id")"
grep -q '^held-status 403' "$plog"; ok $? "a URL that expired got 403 from the server" || diag "$(cat "$plog")"
grep -q '^cut ' "$plog" && grep -q '^range bytes=[1-9][0-9]*-' "$plog"
ok $? "a download cut in half was resumed with Range" || diag "$(cat "$plog")"
same "the same rows again (from the cache)" \
	"$(recv "SELECT * FROM partner.pub.sales_eu ORDER BY id")" \
	"$(prov "SELECT * FROM main.default.sales WHERE region = 'eu' ORDER BY id")"

# 11-12: deletion vectors and column mapping (the delta response format)
same "a table with deletion vectors" "$(recv "SELECT * FROM partner.pub.dv ORDER BY id")" \
	"$(prov "SELECT * FROM main.default.dv ORDER BY id")"
same "a table with column mapping (a renamed column)" \
	"$(recv "SELECT * FROM partner.pub.cm ORDER BY a")" \
	"$(prov "SELECT * FROM main.default.cm ORDER BY a")"

# 13-15: time travel and changes
for v in 1 2; do
	same "VERSION AS OF $v" "$(recv "SELECT * FROM partner.pub.sales_eu VERSION AS OF $v ORDER BY id")" \
		"$(prov "SELECT * FROM main.default.sales VERSION AS OF $v WHERE region = 'eu' ORDER BY id")"
done
same "table_changes from version 1" \
	"$(recv "SELECT * FROM table_changes('partner.pub.sales_eu', 1) ORDER BY _commit_version, id, _change_type")" \
	"$(prov "SELECT * FROM table_changes('main.default.sales', 1) WHERE region = 'eu' ORDER BY _commit_version, id, _change_type")"

# 16: TIMESTAMP AS OF now is the latest version
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
same "TIMESTAMP AS OF now" "$(recv "SELECT * FROM partner.pub.sales_eu TIMESTAMP AS OF '$now' ORDER BY id")" \
	"$(prov "SELECT * FROM main.default.sales WHERE region = 'eu' ORDER BY id")"

# 17: a new commit of the provider is read live
prov "INSERT INTO main.default.sales VALUES (7, 'eu', 7.0), (8, 'us', 8.0)" >/dev/null
same "a new commit is seen at once" "$(recv "SELECT id FROM partner.pub.sales_eu ORDER BY id" | tr '\n' ' ')" "id 3 5 7 "

# 18: the cache: reading again downloads nothing
n1=$(grep -c '^file$' "$plog")
recv "SELECT count(*) FROM partner.pub.sales_eu" >/dev/null
n2=$(grep -c '^file$' "$plog")
[ "$n1" -gt 0 ] && [ "$n1" = "$n2" ]; ok $? "files are fetched once (cache by file id: $n1 downloads, then $n2)"

# 19-21: refusals
out=$(recv "SELECT * FROM partner.other.plain VERSION AS OF 1")
[ $? -ne 0 ] && printf '%s' "$out" | grep -q "history sharing is not enabled"
ok $? "no time travel on a table shared without history" || diag "$out"
out=$(recv "SELECT * FROM table_changes('partner.other.plain', 0)")
[ $? -ne 0 ] && printf '%s' "$out" | grep -q "history sharing is not enabled"
ok $? "no changes of a table shared without history" || diag "$out"
out=$(recv "INSERT INTO partner.pub.sales_eu VALUES (9, 'eu', 9.0)")
[ $? -ne 0 ] && printf '%s' "$out" | grep -q "read-only"
ok $? "a shared table cannot be written" || diag "$out"

# 22-23: a wrong token and an expired profile
python3 - "$profile" "$dir/wrong.share" "$dir/expired.share" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
w = dict(p, bearerToken="not-the-token-" + "x" * 20)
json.dump(w, open(sys.argv[2], "w"))
e = dict(p, expirationTime="2001-01-01T00:00:00Z")
json.dump(e, open(sys.argv[3], "w"))
PY
out=$("$TARN_BIN" share list "$dir/wrong.share" 2>&1)
[ $? -ne 0 ] && printf '%s' "$out" | grep -q "refused the token" && ! printf '%s' "$out" | grep -q "not-the-token"
ok $? "a wrong token: refused (401), the token not repeated" || diag "$out"
out=$("$TARN_BIN" share list "$dir/expired.share" 2>&1)
[ $? -ne 0 ] && printf '%s' "$out" | grep -q "expired at 2001-01-01"
ok $? "an expired profile is refused before any request" || diag "$out"

# 24-25: DROP CATALOG unmounts and forgets the cache
[ -d "$cl/.tarn/share-cache/partner" ]
ok $? "the cache is under LAKEHOUSE/.tarn/share-cache/partner"
out=$(recv "DROP CATALOG partner")
[ $? -eq 0 ] && [ ! -d "$cl/.tarn/share-cache/partner" ] && ! recv "SHOW CATALOGS" | grep -q partner
ok $? "DROP CATALOG partner unmounts it and removes its cached files" || diag "$out"
