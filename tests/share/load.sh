#!/usr/bin/env bash
# load.sh - `tarn share serve` under load: 100 concurrent clients for 60
# seconds (TARN_LOAD_SECONDS, TARN_LOAD_CLIENTS for quick runs) while a
# writer commits to the shared table; load.py checks that every response
# succeeds and is consistent (the files of one version) and that the
# server's fds and RSS do not grow. The clients use 20 recipients (five
# clients a token) so that the per-recipient rate limit is not what is
# measured.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/serve.sh"
share_init
SECONDS_=${TARN_LOAD_SECONDS:-60}
CLIENTS=${TARN_LOAD_CLIENTS:-100}
NREC=$(((CLIENTS + 4) / 5))

{
	echo "CREATE TABLE main.default.events (id BIGINT, grp STRING);"
	echo "INSERT INTO main.default.events VALUES (0, 'g0'), (1, 'g1');"
	echo "CREATE TABLE main.default.dim (k INT, v STRING);"
	echo "INSERT INTO main.default.dim VALUES (1, 'a');"
	echo "CREATE SHARE live;"
	echo "ALTER SHARE live ADD TABLE main.default.events AS pub.events WITH HISTORY;"
	echo "ALTER SHARE live ADD TABLE main.default.dim AS pub.dim;"
	for i in $(seq 0 $((NREC - 1))); do
		echo "CREATE RECIPIENT r$i;"
		echo "GRANT SELECT ON SHARE live TO RECIPIENT r$i;"
	done
} >"$dir/setup.sql"
"$TARN_BIN" -L "$lh" sql -f "$dir/setup.sql" >"$dir/setup.log" 2>&1 ||
	{ cat "$dir/setup.log"; echo "Bail out! setup failed"; exit 1; }

serve_start "$lh" "$dir/serve.err"

python3 "$TARN_SRCDIR/tests/share/load.py" "http://127.0.0.1:$port/delta-sharing" "$lh" "$pid" \
	"$SECONDS_" "$CLIENTS" "$TARN_BIN" "$lh"/shares/recipients/r*.share
rc=$?
kill -0 "$pid" 2>/dev/null || { echo "Bail out! the server died"; cat "$SERVE_ERR"; exit 1; }
exit $rc
