# serve.sh - sourced by the tests/share scripts after tests/lib.sh.
# share_init: skip without python3; $dir, a directory removed at exit (when
# the server $pid is killed too), and $lh, a lakehouse path in it.
share_init() {
	command -v python3 >/dev/null || skip_all "python3 is not installed"
	dir=$(mktemp -d)
	pid=""
	trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir" "$TEST_TMP"' EXIT
	lh="$dir/lh"
}
# serve_start LAKEHOUSE ERRFILE [ARGS...] starts `tarn share serve --listen
# 127.0.0.1:0 ARGS...` with its stderr in ERRFILE (also $SERVE_ERR), and
# sets $pid and $port (the bound port, read from the "listening on" line);
# a Bail out when it does not start. The caller's EXIT trap kills $pid.
serve_start() {
	local lh=$1
	SERVE_ERR=$2
	shift 2
	"$TARN_BIN" -L "$lh" share serve --listen 127.0.0.1:0 "$@" 2>"$SERVE_ERR" &
	pid=$!
	port=""
	for _ in $(seq 50); do
		port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$SERVE_ERR")
		[ -n "$port" ] && return 0
		sleep 0.1
	done
	cat "$SERVE_ERR"
	echo "Bail out! the server did not start"
	exit 1
}
