#!/usr/bin/env python3
"""tls.py - `tarn share serve --tls-cert --tls-key` from a recipient's
side, printing TAP (tls.sh starts the server).

usage: tls.py TARN LAKEHOUSE PORT DIR
The server runs on PORT with DIR/srv.crt and DIR/srv.key (self-signed,
the only CA the client trusts; DIR/other.* is another pair) and stderr in
DIR/serve.err; recipient r's profile names its https endpoint. Checked:
the endpoint reported and in the profile is https; list shares, query and
the signed file URLs (https, with Range) work over TLS; an untrusting
client and plain http fail; a certificate without its key, a missing file
or a key that does not match stop `share serve` at start with a clear
error."""
import base64
import http.client
import json
import re
import os
import ssl
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import tap
from tap import ok

tarn, lakehouse, port, d = sys.argv[1:5]
cert = os.path.join(d, "srv.crt")
table_dir = os.path.join(lakehouse, "warehouse", "main", "default", "t")
profile = json.load(open(os.path.join(lakehouse, "shares", "recipients", "r.share")))
endpoint, token = profile["endpoint"], profile["bearerToken"]
trusting = ssl.create_default_context(cafile=cert)


def req(url, method="GET", body=None, headers=None, ctx=trusting):
    h = {"Authorization": "Bearer " + token}
    h.update(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json; charset=utf-8"
    r = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(r, timeout=10, context=ctx) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


serve_err = open(os.path.join(d, "serve.err")).read().strip()
ok(serve_err.endswith("endpoint https://127.0.0.1:%s/delta-sharing" % port),
   "the server reports its https endpoint: %s" % serve_err)
ok(endpoint == "https://127.0.0.1:%s/delta-sharing" % port,
   "the profile names the https endpoint: %s" % endpoint)
s, b = req(endpoint + "/shares")
ok(s == 200 and [i["name"] for i in json.loads(b)["items"]] == ["s"],
   "list shares over https, the certificate verified: %d" % s)

s, b = req(endpoint + "/shares/s/schemas/pub/tables/t/query", "POST", {})
lines = [json.loads(ln) for ln in b.decode().split("\n") if ln]
urls = [ln["file"]["url"] for ln in lines if "file" in ln]
ok(s == 200 and len(urls) == 2, "query over https: %d, %d files" % (s, len(urls)))
ok(urls and all(u.startswith(endpoint + "/files/") for u in urls),
   "signed file URLs are https on the endpoint: %s" % (urls[0][:60] if urls else None))
for u in urls[:1]:
    b64 = urllib.parse.urlsplit(u).path.rsplit("/", 1)[1]
    rel = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)).decode()
    on_disk = open(os.path.join(table_dir, rel), "rb").read()
    s, b = req(u, headers={"Authorization": ""})
    ok(s == 200 and b == on_disk and b[:4] == b"PAR1",
       "a signed URL downloads over https: %d, %d bytes, the file on disk" % (s, len(b)))
    s, b = req(u, headers={"Range": "bytes=4-19"})
    ok(s == 206 and b == on_disk[4:20], "a Range over https: %d, %d bytes" % (s, len(b)))

# a client that does not trust the certificate stops at the handshake
try:
    req(endpoint + "/shares", ctx=ssl.create_default_context())
    ok(False, "an untrusting client refuses the self-signed certificate")
except urllib.error.URLError as e:
    ok(isinstance(e.reason, ssl.SSLCertVerificationError),
       "an untrusting client refuses the self-signed certificate: %s" % e.reason)

# plain http to the TLS port: no HTTP answer, only a closed connection
c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
try:
    c.request("GET", "/delta-sharing/shares", headers={"Authorization": "Bearer " + token})
    r = c.getresponse()
    body = r.read()
    ok(False, "plain http to the TLS port fails (it answered %d %r)" % (r.status, body[:80]))
except (OSError, http.client.HTTPException) as e:
    ok(True, "plain http to the TLS port fails: %s" % type(e).__name__)
finally:
    c.close()
s, b = req(endpoint + "/shares")
ok(s == 200, "https still served after the plain http attempt: %d" % s)



def bad_start(pattern, what, *args):
    """share serve with these TLS arguments stops at once with an error
    matching pattern (and no key material in it)."""
    try:
        p = subprocess.run([tarn, "-L", lakehouse, "share", "serve", "--listen", "127.0.0.1:0"] +
                           [a.replace("@", d + "/") for a in args],
                           capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired:
        ok(False, "%s: the server started" % what)
        return
    msg = (p.stderr + p.stdout).strip()
    ok(p.returncode != 0 and re.search(pattern, msg) and "PRIVATE KEY" not in msg,
       "%s: exit %d, %s" % (what, p.returncode, msg.splitlines()[0] if msg else "no message"))


bad_start("--tls-key", "a certificate without a key", "--tls-cert", "@srv.crt")
bad_start("--tls-cert", "a key without a certificate", "--tls-key", "@srv.key")
bad_start("--tls-cert .*nope.crt: No such file", "a missing certificate file",
          "--tls-cert", "@nope.crt", "--tls-key", "@srv.key")
bad_start("--tls-key .*nope.key: No such file", "a missing key file",
          "--tls-cert", "@srv.crt", "--tls-key", "@nope.key")
bad_start("--tls-key .*other.key.*do not match", "a key that is not the certificate's",
          "--tls-cert", "@srv.crt", "--tls-key", "@other.key")
bad_start("--tls-cert .*srv.key.*certificate", "certificate and key swapped",
          "--tls-cert", "@srv.key", "--tls-key", "@srv.crt")
bad_start("--tls-cert .*empty.crt.*certificate", "an empty certificate file",
          "--tls-cert", "@empty.crt", "--tls-key", "@srv.key")

print("1..%d" % tap.n)
sys.exit(1 if tap.failed else 0)
