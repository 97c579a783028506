#!/usr/bin/env bash
# server.sh - `tarn share serve` end to end: a lakehouse with tables, a
# share (a partition-filtered table WITH HISTORY, a plain one), a recipient
# and a grant made in SQL; then client.py, the project's own protocol
# client, checks every endpoint against the protocol and the 401/404/400/
# 403 cases, path traversal, Range and the partition filter.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/serve.sh"
share_init

"$TARN_BIN" -L "$lh" sql -c "
CREATE TABLE main.default.sales (id INT, region STRING, amount DOUBLE) PARTITIONED BY (region);
INSERT INTO main.default.sales VALUES (1, 'eu', 1.5), (2, 'us', 2.5), (3, 'eu', 3.0);
INSERT INTO main.default.sales VALUES (4, 'us', 4.0), (5, 'eu', 5.0);
CREATE TABLE main.default.plain (k INT, v STRING);
INSERT INTO main.default.plain VALUES (1, 'a'), (2, 'b');
CREATE SHARE s1 COMMENT 'first share';
ALTER SHARE s1 ADD TABLE main.default.sales PARTITION (region = 'eu') AS pub.sales_eu WITH HISTORY;
ALTER SHARE s1 ADD TABLE main.default.plain AS other.plain;
CREATE SHARE hidden;
CREATE RECIPIENT r1;
GRANT SELECT ON SHARE s1 TO RECIPIENT r1;
" >"$dir/setup.log" 2>&1 || { cat "$dir/setup.log"; echo "Bail out! setup failed"; exit 1; }
profile="$lh/shares/recipients/r1.share"
[ -f "$profile" ] || { echo "Bail out! no profile at $profile"; exit 1; }
# a file outside every table, for the symlink test
echo "secret" >"$dir/outside.txt"

serve_start "$lh" "$dir/serve.err"

python3 "$TARN_SRCDIR/tests/share/client.py" "http://127.0.0.1:$port/delta-sharing" "$profile" \
	"$lh/warehouse/main/default/sales" "$dir/outside.txt" "$lh/shares/server.key" "$SERVE_ERR"
