#!/usr/bin/env bash
# formats.sh - the delta response format for deletion vectors and column
# mapping, and the parquet format refused for such tables: formats.py
# against a lakehouse with one table of each (and a plain one).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/serve.sh"
share_init

"$TARN_BIN" -L "$lh" sql -c "
CREATE TABLE main.default.dv (id BIGINT, v STRING)
  TBLPROPERTIES ('delta.enableDeletionVectors' = 'true', 'delta.enableChangeDataFeed' = 'true');
INSERT INTO main.default.dv SELECT value, 'v' || value FROM (WITH RECURSIVE s(value) AS
  (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < 100) SELECT value FROM s);
DELETE FROM main.default.dv WHERE id % 10 = 0;
CREATE TABLE main.default.cm (id BIGINT, nm STRING) TBLPROPERTIES ('delta.columnMapping.mode' = 'name');
INSERT INTO main.default.cm VALUES (1, 'a'), (2, 'b');
ALTER TABLE main.default.cm RENAME COLUMN nm TO name;
INSERT INTO main.default.cm VALUES (3, 'c');
CREATE TABLE main.default.plain (k INT);
INSERT INTO main.default.plain VALUES (1);
CREATE SHARE s;
ALTER SHARE s ADD TABLE main.default.dv AS pub.dv WITH HISTORY;
ALTER SHARE s ADD TABLE main.default.cm AS pub.cm WITH HISTORY;
ALTER SHARE s ADD TABLE main.default.plain AS pub.plain WITH HISTORY;
CREATE RECIPIENT r;
GRANT SELECT ON SHARE s TO RECIPIENT r;
" >"$dir/setup.log" 2>&1 || { cat "$dir/setup.log"; echo "Bail out! setup failed"; exit 1; }

serve_start "$lh" "$dir/serve.err"
python3 "$TARN_SRCDIR/tests/share/formats.py" "http://127.0.0.1:$port/delta-sharing" "$lh"
