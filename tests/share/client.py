#!/usr/bin/env python3
"""client.py - a Delta Sharing protocol client of tarn's own, for tests:
checks a running `tarn share serve` endpoint by endpoint against the
protocol (../shared/specs/delta-sharing-PROTOCOL.md), printing TAP.

usage: client.py BASE_URL PROFILE SALES_TABLE_DIR OUTSIDE_FILE SERVER_KEY SERVE_STDERR
The lakehouse is the one server.sh makes: share s1 with pub.sales_eu (rows
of region 'eu', WITH HISTORY, 3 versions) and other.plain (no history);
share 'hidden' exists but is not granted."""
import json
import os
import sys
import urllib.error
import urllib.request

import tap
from tap import ok

base, profile_path, sales_dir, outside, key_path, serve_err = sys.argv[1:7]
token = json.load(open(profile_path))["bearerToken"]


def req(path, method="GET", body=None, tok=token, headers=None, url=None):
    h = dict(headers or {})
    if tok is not None:
        h["Authorization"] = "Bearer " + tok
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        h["Content-Type"] = "application/json; charset=utf-8"
    r = urllib.request.Request(url or base + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(r, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def hdr(h, name):
    for k, v in h.items():
        if k.lower() == name.lower():
            return v
    return None


def is_error(status, body, want):
    try:
        j = json.loads(body)
    except ValueError:
        return False
    return status == want and set(j) == {"errorCode", "message"}


def ndjson(body):
    text = body.decode()
    ok("\r" not in text and text.endswith("\n"), "NDJSON: lines end with \\n only")
    return [json.loads(l) for l in text.split("\n") if l]


T = "/shares/s1/schemas/pub/tables/sales_eu"

# ---- authentication: 401 and nothing more
for tok, what in ((None, "missing"), ("wrong-token", "wrong"), ("", "empty")):
    s, h, b = req("/shares", tok=tok)
    ok(is_error(s, b, 401), "%s token: 401 with errorCode and message" % what)
s, h, b = req(T + "/query", "POST", {}, tok="wrong")
ok(is_error(s, b, 401) and b"url" not in b, "wrong token on query: 401, no files")

# ---- list shares, pagination
s, h, b = req("/shares")
j = json.loads(b)
ok(s == 200 and [i["name"] for i in j["items"]] == ["s1"], "list shares: only the granted one")
ok(j["items"][0].get("id") and j["items"][0].get("comment") == "first share", "share id and comment")
s, h, b = req("/shares?maxResults=0")
j = json.loads(b)
ok(s == 200 and j.get("items", []) == [] and j.get("nextPageToken"), "maxResults=0: no items, a token")
s, h, b = req("/shares?maxResults=0&pageToken=" + j["nextPageToken"].replace("A", "B", 1))
ok(is_error(s, b, 400), "forged pageToken: 400")
for bad in ("-1", "x", "99999999999"):
    s, h, b = req("/shares?maxResults=" + bad)
    ok(is_error(s, b, 400), "maxResults=%s: 400" % bad)

# ---- get share
s, h, b = req("/shares/S1")
ok(s == 200 and json.loads(b)["share"]["name"] == "s1", "get share (case-insensitive)")
for p in ("/shares/hidden", "/shares/nope"):
    s, h, b = req(p)
    ok(is_error(s, b, 404), "get %s: 404 (not granted looks like absent)" % p)

# ---- schemas and tables
s, h, b = req("/shares/s1/schemas")
ok(s == 200 and [i["name"] for i in json.loads(b)["items"]] == ["other", "pub"], "list schemas")
s, h, b = req("/shares/s1/schemas/pub/tables")
items = json.loads(b)["items"]
ok(s == 200 and [(i["name"], i["schema"], i["share"]) for i in items] == [("sales_eu", "pub", "s1")],
   "list tables of a schema")
ok(all(i.get("id") and i.get("shareId") for i in items), "tables carry id and shareId")
s, h, b = req("/shares/s1/schemas/nope/tables")
ok(is_error(s, b, 404), "unknown schema: 404")
s, h, b = req("/shares/hidden/schemas")
ok(is_error(s, b, 404), "schemas of an ungranted share: 404")
names, tok_, pages = [], "", 0
while True:
    s, h, b = req("/shares/s1/all-tables?maxResults=1" + ("&pageToken=" + tok_ if tok_ else ""))
    j = json.loads(b)
    names += [i["name"] for i in j.get("items", [])]
    pages += 1
    tok_ = j.get("nextPageToken")
    if not tok_ or pages > 5:
        break
ok(names == ["plain", "sales_eu"] and pages == 2, "all-tables paged one at a time")
s, h, b = req("/shares/s1/all-tables?pageToken=" + tok_ if tok_ else "/shares/s1/all-tables?pageToken=zz")
ok(is_error(s, b, 400), "a bad pageToken for all-tables: 400")

# ---- version
s, h, b = req(T + "/version")
ok(s == 200 and hdr(h, "Delta-Table-Version") == "2", "GET version: Delta-Table-Version 2")
s, h, b = req(T, "HEAD")
ok(s == 200 and hdr(h, "Delta-Table-Version") == "2", "HEAD table: Delta-Table-Version")
s, h, b = req(T + "/version?startingTimestamp=2000-01-01T00:00:00Z")
ok(s == 200 and hdr(h, "Delta-Table-Version") == "0", "startingTimestamp before the table: version 0")
s, h, b = req(T + "/version?startingTimestamp=yesterday")
ok(is_error(s, b, 400), "bad startingTimestamp: 400")
s, h, b = req("/shares/s1/schemas/other/tables/plain/version?startingTimestamp=2000-01-01T00:00:00Z")
ok(is_error(s, b, 400), "startingTimestamp without history: 400")
s, h, b = req("/shares/s1/schemas/pub/tables/nope/version")
ok(is_error(s, b, 404), "unknown table: 404")

# ---- metadata
s, h, b = req(T + "/metadata")
lines = ndjson(b)
ok(s == 200 and hdr(h, "Delta-Table-Version") == "2" and
   hdr(h, "Content-Type").startswith("application/x-ndjson"), "metadata: 200, ndjson, version")
ok(list(lines[0]) == ["protocol"] and lines[0]["protocol"]["minReaderVersion"] == 1, "protocol line")
md = lines[1]["metaData"]
ok(md["partitionColumns"] == ["region"] and md["format"]["provider"] == "parquet" and
   json.loads(md["schemaString"])["type"] == "struct", "metaData line")
s, h, b = req(T + "/metadata", headers={"delta-sharing-capabilities": "responseformat=delta"})
lines = ndjson(b)
ok(s == 200 and "deltaProtocol" in lines[0]["protocol"] and "deltaMetadata" in lines[1]["metaData"]
   and "responseformat=delta" in (hdr(h, "delta-sharing-capabilities") or ""), "delta format metadata")
s, h, b = req(T + "/metadata?version=0")
ok(s == 200 and hdr(h, "Delta-Table-Version") == "0", "metadata at version 0 (history)")
s, h, b = req("/shares/s1/schemas/other/tables/plain/metadata?version=0")
ok(is_error(s, b, 400), "metadata by version without history: 400")

# ---- query
s, h, b = req(T + "/query", "POST", {})
lines = ndjson(b)
files = [l["file"] for l in lines[2:]]
ok(s == 200 and hdr(h, "Delta-Table-Version") == "2" and len(files) >= 1, "query: files")
ok(all(f["partitionValues"] == {"region": "eu"} for f in files), "only the share's partition is served")
ok(all(set(["url", "id", "partitionValues", "size"]) <= set(f) for f in files), "file fields")
s, h, b = req(T + "/query", "POST", {"predicateHints": ["region = 'us'"]})
ok(s == 200 and len(ndjson(b)) == 2, "predicateHints prune files (region = 'us': none)")
s, h, b = req(T + "/query", "POST", {"predicateHints": ["id > 100"]})
ok(s == 200 and len(ndjson(b)) == 2, "predicateHints use min/max stats (id > 100: none)")
jp = json.dumps({"op": "equal", "children": [{"op": "column", "name": "region", "valueType": "string"},
                                              {"op": "literal", "value": "eu", "valueType": "string"}]})
s, h, b = req(T + "/query", "POST", {"jsonPredicateHints": jp})
ok(s == 200 and len(ndjson(b)) - 2 == len(files), "jsonPredicateHints region = 'eu' keeps the files")
s, h, b = req(T + "/query", "POST", {"predicateHints": ["this is not sql"]})
ok(s == 200 and len(ndjson(b)) - 2 == len(files), "an unparsable hint is skipped (best effort)")
s, h, b = req(T + "/query", "POST", {"limitHint": 1})
ok(s == 200 and len(ndjson(b)) - 2 == 1, "limitHint 1: one file")
s, h, b = req(T + "/query", "POST", {"version": 1})
v1 = ndjson(b)[2:]
ok(s == 200 and hdr(h, "Delta-Table-Version") == "1" and len(v1) == 1 and v1[0]["file"]["version"] == 1,
   "query version 1: its files, with version")
s, h, b = req(T + "/query", "POST", {"version": 99})
ok(is_error(s, b, 400), "query of a version past the latest: 400")
s, h, b = req(T + "/query", "POST", {"startingVersion": 1})
acts = ndjson(b)[2:]
ok(s == 200 and hdr(h, "Delta-Table-Version") == "1" and acts and
   all(list(a)[0] in ("add", "remove", "metaData") for a in acts) and
   all(a["add"]["partitionValues"] == {"region": "eu"} for a in acts if "add" in a),
   "query startingVersion: data change files of the partition")
for body in (b"{not json", b"[1]", json.dumps({"limitHint": "x"}).encode(),
             json.dumps({"version": 1, "timestamp": "2020-01-01T00:00:00Z"}).encode()):
    s, h, b = req(T + "/query", "POST", body)
    ok(is_error(s, b, 400), "bad body %r: 400" % body[:30])
s, h, b = req("/shares/s1/schemas/other/tables/plain/query", "POST", {"version": 0})
ok(is_error(s, b, 400), "time travel without history: 400")
s, h, b = req("/shares/s1/schemas/other/tables/plain/query", "POST", {"startingVersion": 0})
ok(is_error(s, b, 400), "startingVersion without history: 400")
s, h, b = req(T + "/query", "POST", {}, headers={"delta-sharing-capabilities": "responseformat=delta"})
lines = ndjson(b)
ok(s == 200 and all("deltaSingleAction" in l["file"] for l in lines[2:]) and
   all(l["file"]["deltaSingleAction"]["add"]["path"].startswith("http") for l in lines[2:]),
   "delta format query: deltaSingleAction with URLs as paths")
s, h, b = req(T + "/query", "POST", {}, headers={"fileidhash": "bogus"})
ok(is_error(s, b, 400), "unsupported fileidhash: 400")
s, h, b = req(T + "/query", "POST", {}, headers={"fileidhash": "Parquet"})
ok(s == 200 and hdr(h, "fileidhash") == "parquet", "fileidhash echoed in lower case")

# ---- changes
s, h, b = req(T + "/changes?startingVersion=0&endingVersion=2")
acts = ndjson(b)[2:]
ok(s == 200 and hdr(h, "Delta-Table-Version") == "0" and acts and
   all(a[list(a)[0]].get("version") is not None for a in acts), "changes: files with versions")
ok(all(a[k]["partitionValues"].get("region") == "eu" for a in acts for k in a if k != "metaData"),
   "changes: only the share's partition")
s, h, b = req(T + "/changes")
ok(is_error(s, b, 400), "changes without a start: 400")
s, h, b = req(T + "/changes?startingVersion=9")
ok(is_error(s, b, 400), "changes past the latest version: 400")
s, h, b = req("/shares/s1/schemas/other/tables/plain/changes?startingVersion=0")
ok(is_error(s, b, 400), "changes without history: 400")

# ---- files: signed URLs, Range, tampering, traversal
s, h, b = req(T + "/query", "POST", {})
f = ndjson(b)[2]["file"]
url = f["url"]
s, h, data = req(None, tok=None, url=url)
ok(s == 200 and len(data) == f["size"] and data[:4] == b"PAR1", "the signed URL serves the file")
s, h, part = req(None, tok=None, url=url, headers={"Range": "bytes=0-3"})
ok(s == 206 and part == b"PAR1" and hdr(h, "Content-Range") == "bytes 0-3/%d" % f["size"], "Range: 206")
s, h, part = req(None, tok=None, url=url, headers={"Range": "bytes=-4"})
ok(s == 206 and part == data[-4:], "suffix Range")
s, h, part = req(None, tok=None, url=url, headers={"Range": "bytes=999999-"})
ok(s == 416, "unsatisfiable Range: 416")
s, h, part = req(None, "HEAD", tok=None, url=url)
ok(s == 200 and part == b"" and hdr(h, "Content-Length") == str(f["size"]), "HEAD: length, no body")
pre, q = url.split("?")
sig = q.split("s=")[1]
tampered = [
    pre + "?" + q.replace("s=" + sig, "s=" + ("0" if sig[0] != "0" else "1") + sig[1:]),
    pre + "?" + q.replace("e=", "e=9"),
    pre.rsplit("/", 1)[0] + "/Li4vLi4vLi4vZXRjL3Bhc3N3ZA?" + q,     # ../../../etc/passwd
    pre.rsplit("/", 1)[0] + "/%2e%2e%2f%2e%2e%2fetc%2fpasswd?" + q,
    base + "/files/../../../etc/passwd",
    pre + "?" + q.split("&")[0],
    pre.replace("/files/", "/files/00000000-0000-0000-0000-000000000000x/") + "?" + q,
]
for i, t in enumerate(tampered):
    s, h, b = req(None, tok=None, url=t)
    ok(s in (403, 404) and b"PAR1" not in b and b"root:" not in b, "tampered URL %d refused (%d)" % (i, s))
s, h, b = req(None, tok=None, url=pre + "?" + q.replace("e=", "e=1").split("&")[0] + "&s=" + sig)
ok(s == 403, "expired or re-dated URL: 403")
# a data file replaced by a symlink out of the table: never served
rel = None
for root, dirs, fs in os.walk(sales_dir):
    for name in fs:
        if name.endswith(".parquet") and os.path.getsize(os.path.join(root, name)) == f["size"]:
            rel = os.path.join(root, name)
if rel:
    os.rename(rel, rel + ".bak")
    os.symlink(outside, rel)
    s, h, b = req(None, tok=None, url=url)
    ok(s in (403, 404) and b"secret" not in b, "a symlink out of the table root is not followed")
    os.unlink(rel)
    os.rename(rel + ".bak", rel)
else:
    ok(False, "found the data file to replace with a symlink")

# ---- other endpoints and methods
s, h, b = req("/shares/s1/schemas/pub/tables/sales_eu/nope")
ok(is_error(s, b, 404), "unknown endpoint: 404")
s, h, b = req(T + "/query")
ok(s == 405, "GET on query: 405")

# ---- the server's secrets
st = os.stat(key_path)
ok(st.st_mode & 0o777 == 0o600 and st.st_size == 32, "server.key: 32 bytes, mode 0600")
ok(token not in open(serve_err).read(), "the bearer token is not in the server's output")

print("1..%d" % tap.n)
sys.exit(1 if tap.failed else 0)
