# serve.sh - sourced by the tests/share scripts after tests/lib.sh:
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
