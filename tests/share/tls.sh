#!/usr/bin/env bash
# tls.sh - `tarn share serve --tls-cert F --tls-key F` with a self-signed
# certificate made by openssl (srv, and another one); tls.py checks https
# end to end and the start-up errors.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/serve.sh"
command -v openssl >/dev/null || skip_all "openssl is not installed"
share_init

cert() { # cert NAME: NAME.crt and NAME.key, for 127.0.0.1
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
		-addext "subjectAltName=IP:127.0.0.1" -keyout "$dir/$1.key" -out "$dir/$1.crt" \
		>"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log"; echo "Bail out! openssl failed"; exit 1; }
}
cert srv
cert other
: >"$dir/empty.crt"
"$TARN_BIN" -L "$lh" sql -c "
CREATE TABLE main.default.t (a INT, b STRING);
INSERT INTO main.default.t VALUES (1, 'x');
INSERT INTO main.default.t VALUES (2, 'y');
CREATE SHARE s;
ALTER SHARE s ADD TABLE main.default.t AS pub.t;
" >"$dir/setup.log" 2>&1 || { cat "$dir/setup.log"; echo "Bail out! setup failed"; exit 1; }

serve_start "$lh" "$dir/serve.err" --tls-cert "$dir/srv.crt" --tls-key "$dir/srv.key"
# a recipient whose profile names that endpoint
"$TARN_BIN" -L "$lh" sql -c "
SET tarn.share.endpoint = 'https://127.0.0.1:$port/delta-sharing';
CREATE RECIPIENT r;
GRANT SELECT ON SHARE s TO RECIPIENT r;
" >"$dir/r.log" 2>&1 || { cat "$dir/r.log"; echo "Bail out! no recipient"; exit 1; }

python3 "$TARN_SRCDIR/tests/share/tls.py" "$TARN_BIN" "$lh" "$port" "$dir"
