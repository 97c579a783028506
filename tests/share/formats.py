#!/usr/bin/env python3
"""formats.py - the delta response format of `tarn share serve` for
deletion vectors and column mapping, and its refusal to serve such tables
in the parquet format, printing TAP (formats.sh makes the lakehouse and
starts the server).

usage: formats.py BASE_URL LAKEHOUSE
Share s holds, all WITH HISTORY:
  pub.dv   deletion vectors and the change data feed: 100 rows (version
           1), then rows with id % 10 = 0 deleted (version 2, a DV);
  pub.cm   column mapping by name: 2 rows (version 1), column nm renamed
           to name (version 2), one row more (version 3);
  pub.plain  a reader-version-1 table.
Recipient r's profile is LAKEHOUSE/shares/recipients/r.share."""
import base64
import json
import os
import struct
import sys
import urllib.error
import urllib.parse
import urllib.request

import tap
from tap import ok

base, lakehouse = sys.argv[1:3]
token = json.load(open(os.path.join(lakehouse, "shares", "recipients", "r.share")))["bearerToken"]
tables = os.path.join(lakehouse, "warehouse", "main", "default")
CAPS = "responseformat=delta;readerfeatures=deletionvectors,columnmapping"
DV_MAGIC = 1681511377


def req(path, method="GET", body=None, caps=None, headers=None, url=None):
    h = {"Authorization": "Bearer " + token}
    if caps is not None:
        h["delta-sharing-capabilities"] = caps
    h.update(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json; charset=utf-8"
    r = urllib.request.Request(url or base + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(r, timeout=10) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def lines_of(b):
    text = b.decode()
    if "\r" in text or not text.endswith("\n"):
        return None
    return [json.loads(ln) for ln in text.split("\n")[:-1]]


def query(t, body=None, caps=CAPS):
    s, h, b = req("/shares/s/schemas/pub/tables/%s/query" % t, "POST", body or {}, caps)
    return s, h, b, (lines_of(b) if s == 200 else None)


def rel_of(url):
    """The table-relative path a signed URL names."""
    b64 = urllib.parse.urlsplit(url).path.rsplit("/", 1)[1]
    return base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)).decode()


def signed(url):
    return url.startswith(base + "/files/") and "e=" in url and "s=" in url


def download(url):
    s, h, b = req(None, url=url, headers={"Authorization": ""})
    return s, b


def roaring32(b, pos):
    """The values of a portable 32-bit roaring bitmap at b[pos:]; and the
    position after it."""
    cookie = struct.unpack_from("<I", b, pos)[0]
    pos += 4
    if cookie & 0xFFFF == 12347:
        n = (cookie >> 16) + 1
        runs = b[pos:pos + (n + 7) // 8]
        pos += (n + 7) // 8
        has_offsets = n >= 4
    elif cookie == 12346:
        n = struct.unpack_from("<I", b, pos)[0]
        pos += 4
        runs = bytes((n + 7) // 8)
        has_offsets = True
    else:
        raise ValueError("not a portable roaring bitmap: cookie %d" % cookie)
    head = [struct.unpack_from("<HH", b, pos + 4 * i) for i in range(n)]
    pos += 4 * n + (4 * n if has_offsets else 0)
    out = []
    for i, (key, card1) in enumerate(head):
        hi = key << 16
        if runs[i // 8] >> (i % 8) & 1:
            nr = struct.unpack_from("<H", b, pos)[0]
            for j in range(nr):
                start, length = struct.unpack_from("<HH", b, pos + 2 + 4 * j)
                out += [hi | v for v in range(start, start + length + 1)]
            pos += 2 + 4 * nr
        elif card1 + 1 <= 4096:
            out += [hi | v for v in struct.unpack_from("<%dH" % (card1 + 1), b, pos)]
            pos += 2 * (card1 + 1)
        else:
            words = struct.unpack_from("<1024Q", b, pos)
            out += [hi | (w * 64 + k) for w in range(1024) for k in range(64) if words[w] >> k & 1]
            pos += 8192
    return out, pos


def dv_rows(blob, offset, size):
    """The row indexes a DV stored at offset of a DV file marks deleted:
    u32 size (big-endian), the magic, a 64-bit portable roaring bitmap
    (u64 count, then u32 key and a 32-bit bitmap each), a CRC."""
    if struct.unpack_from(">I", blob, offset)[0] != size:
        raise ValueError("the size at the offset is not sizeInBytes")
    if struct.unpack_from("<I", blob, offset + 4)[0] != DV_MAGIC:
        raise ValueError("no DV magic")
    pos = offset + 8
    count = struct.unpack_from("<Q", blob, pos)[0]
    pos += 8
    rows = []
    for _ in range(count):
        key = struct.unpack_from("<I", blob, pos)[0]
        vals, pos = roaring32(blob, pos + 4)
        rows += [(key << 32) | v for v in vals]
    return rows


# ---------------------------------------------------------------- DVs
s, h, b, L = query("dv")
ok(s == 200 and L is not None and h.get("delta-sharing-capabilities") == "responseformat=delta",
   "DV table, delta asked: 200 in the delta format (%d, %s)" % (s, h.get("delta-sharing-capabilities")))
L = L or [{}, {}]
proto = L[0].get("protocol", {})
ok(set(proto) == {"deltaProtocol"} and proto["deltaProtocol"].get("minReaderVersion") == 3 and
   "deletionVectors" in proto["deltaProtocol"].get("readerFeatures", []),
   "protocol line: deltaProtocol, reader version 3 with deletionVectors: %s" % json.dumps(proto))
md = L[1].get("metaData", {})
dmd = md.get("deltaMetadata", {})
ok(dmd.get("id") and dmd.get("schemaString") and
   dmd.get("configuration", {}).get("delta.enableDeletionVectors") == "true" and
   dmd.get("format", {}).get("provider") == "parquet" and "schemaString" not in md,
   "metaData line: deltaMetadata as the log has it (id, format, schemaString, configuration)")
ok(h.get("delta-table-version") == "2", "Delta-Table-Version 2: %s" % h.get("delta-table-version"))
files = [ln["file"] for ln in L[2:] if "file" in ln]
ok(len(files) == 1 and len(L) == 3, "one file line: %d of %d lines" % (len(files), len(L) - 2))
f = files[0] if files else {"deltaSingleAction": {"add": {}}}
add = f["deltaSingleAction"].get("add", {})
dv = add.get("deletionVector", {})
ok(f.get("id") and f.get("expirationTimestamp") and signed(add.get("path", "")) and
   add.get("size") and add.get("dataChange") is True and "url" not in f,
   "the file: id, expirationTimestamp, deltaSingleAction.add with a signed URL as its path")
ok(dv.get("storageType") == "p" and signed(dv.get("pathOrInlineDv", "")) and
   dv.get("cardinality") == 10 and isinstance(dv.get("offset"), int) and dv.get("sizeInBytes"),
   "its deletion vector: storageType p at a signed URL, cardinality 10: %s" %
   {k: v for k, v in dv.items() if k != "pathOrInlineDv"})
ok(f.get("deletionVectorFileId") and f.get("deletionVectorFileId") != f.get("id"),
   "deletionVectorFileId given")
dv_files = [n for n in os.listdir(os.path.join(tables, "dv")) if n.endswith(".bin")]
if dv.get("pathOrInlineDv"):
    st, blob = download(dv["pathOrInlineDv"])
    disk = open(os.path.join(tables, "dv", dv_files[0]), "rb").read() if len(dv_files) == 1 else None
    ok(st == 200 and blob == disk and rel_of(dv["pathOrInlineDv"]) == dv_files[0],
       "the DV URL downloads the DV file: %d, %d bytes" % (st, len(blob)))
    try:
        rows = dv_rows(blob, dv["offset"], dv["sizeInBytes"])
    except (ValueError, struct.error) as e:
        rows = str(e)
    ok(rows == [i * 10 + 9 for i in range(10)],
       "the DV at its offset marks rows 9, 19, ..., 99 (ids 10, 20, ..., 100): %s" % rows)
    st, part = download(add["path"])
    ok(st == 200 and part[:4] == b"PAR1" and
       part == open(os.path.join(tables, "dv", rel_of(add["path"])), "rb").read(),
       "the data file's URL downloads it: %d, %d bytes" % (st, len(part)))
s2, h2, b2, L2 = query("dv")
f2 = L2[2]["file"] if L2 and len(L2) > 2 else {}
ok(f2.get("id") == f.get("id") and f2.get("deletionVectorFileId") == f.get("deletionVectorFileId"),
   "file and DV ids are the same on a second query")

s, h, b = req("/shares/s/schemas/pub/tables/dv/metadata", caps=CAPS)
M = lines_of(b) if s == 200 else None
ok(M is not None and len(M) == 2 and "deltaProtocol" in M[0].get("protocol", {}) and
   M[1].get("metaData", {}).get("deltaMetadata", {}).get("id") == dmd.get("id"),
   "metadata in the delta format: deltaProtocol and deltaMetadata (%d)" % s)

s, h, b, L = query("dv", {"version": 1})
vf = [ln["file"] for ln in (L or [])[2:]]
ok(s == 200 and len(vf) == 1 and vf[0].get("version") == 1 and
   "deletionVector" not in vf[0]["deltaSingleAction"]["add"] and
   L[1]["metaData"].get("version") == 1,
   "version 1 (before the DELETE): the file without a DV, version 1 on the file and metaData")

s, h, b, L = query("dv", {"startingVersion": 2})
acts = [(k, a) for ln in (L or [])[2:] if "file" in ln
        for k, a in ln["file"]["deltaSingleAction"].items()]
ok(s == 200 and sorted(k for k, _ in acts) == ["add", "remove"] and
   all(signed(a["path"]) for _, a in acts) and
   any(k == "add" and a.get("deletionVector", {}).get("storageType") == "p" for k, a in acts),
   "startingVersion 2: the remove and the add with its DV, every path a signed URL: %s" %
   sorted(k for k, _ in acts))

s, h, b = req("/shares/s/schemas/pub/tables/dv/changes?startingVersion=2", caps=CAPS)
C = lines_of(b) if s == 200 else None
cacts = [(k, a) for ln in (C or [])[2:] if "file" in ln
         for k, a in ln["file"]["deltaSingleAction"].items()]
good = bool(cacts) and all(signed(a["path"]) and download(a["path"])[0] == 200 for _, a in cacts)
ok(s == 200 and C is not None and "deltaProtocol" in C[0].get("protocol", {}) and good and
   all(len(ln["file"]["deltaSingleAction"]) == 1 for ln in C[2:]),
   "changes from version 2 in the delta format: %s, each URL downloads" %
   sorted(k for k, _ in cacts))


def refused(path, method, caps, what):
    body = {} if method == "POST" else None
    s, h, b = req(path, method, body, caps)
    try:
        j = json.loads(b)
    except ValueError:
        j = {}
    ok(s == 400 and set(j) == {"errorCode", "message"} and b"url" not in b and
       b"/files/" not in b and "delta-table-version" not in h,
       "%s: refused, 400 %s" % (what, j.get("errorCode")))
    return j.get("message", "")


T = "/shares/s/schemas/pub/tables/"
msg = refused(T + "dv/query", "POST", None, "DV table, query with no capabilities header")
ok("responseformat=delta" in msg, "the message says what to ask for: %s" % msg)
refused(T + "dv/query", "POST", "responseformat=parquet", "DV table, query in parquet")
refused(T + "dv/metadata", "GET", "responseformat=parquet", "DV table, metadata in parquet")
refused(T + "dv/changes?startingVersion=1", "GET", None, "DV table, changes in parquet")
msg = refused(T + "dv/query", "POST", "responseformat=delta",
              "DV table, delta without deletionvectors in readerfeatures")
ok("deletionVectors" in msg, "the message names the reader feature: %s" % msg)

# ---------------------------------------------------------------- column mapping
s, h, b, L = query("cm")
ok(s == 200 and L is not None and h.get("delta-table-version") == "3",
   "column mapping table, delta asked: 200, version 3 (%d)" % s)
L = L or [{}, {}]
dp = L[0].get("protocol", {}).get("deltaProtocol", {})
ok(dp.get("minReaderVersion", 0) >= 2 and
   (dp.get("minReaderVersion") == 2 or "columnMapping" in dp.get("readerFeatures", [])),
   "deltaProtocol needs column mapping: %s" % json.dumps(dp))
dmd = L[1].get("metaData", {}).get("deltaMetadata", {})
schema = json.loads(dmd.get("schemaString", "{}"))
fields = schema.get("fields", [])
ok([fl["name"] for fl in fields] == ["id", "name"] and
   all("delta.columnMapping.physicalName" in fl.get("metadata", {}) and
       "delta.columnMapping.id" in fl.get("metadata", {}) for fl in fields) and
   dmd.get("configuration", {}).get("delta.columnMapping.mode") == "name",
   "deltaMetadata: the logical names after the rename, each with its column mapping id and "
   "physical name; mode name in the configuration")
files = [ln["file"]["deltaSingleAction"]["add"] for ln in L[2:] if "file" in ln]
phys = [fl.get("metadata", {}).get("delta.columnMapping.physicalName", "?") for fl in fields]
ok(len(files) == 2 and all(signed(a["path"]) for a in files) and
   all(set(json.loads(a["stats"])["minValues"]) == set(phys) for a in files),
   "two files, signed URLs, their stats by physical name as in the log")
if files:
    st, part = download(files[0]["path"])
    ok(st == 200 and part[:4] == b"PAR1" and all(p.encode() in part for p in phys),
       "a file downloads; its columns are the physical names: %d, %d bytes" % (st, len(part)))
s, h, b, L = query("cm", {"version": 1})
ok(s == 200 and L and [fl["name"] for fl in json.loads(
    L[1]["metaData"]["deltaMetadata"]["schemaString"])["fields"]] == ["id", "nm"],
   "version 1 (before the rename): the schema names nm")
refused(T + "cm/query", "POST", None, "column mapping table, query with no capabilities header")
refused(T + "cm/query", "POST", "responseformat=parquet", "column mapping table, query in parquet")
refused(T + "cm/metadata", "GET", "responseformat=parquet",
        "column mapping table, metadata in parquet")

# ---------------------------------------------------------------- negotiation
s, h, b, L = query("plain", caps="responseformat=delta,parquet")
ok(s == 200 and h.get("delta-sharing-capabilities") == "responseformat=parquet" and L and
   L[0] == {"protocol": {"minReaderVersion": 1}} and "url" in L[2].get("file", {}),
   "a reader-version-1 table, delta or parquet asked: parquet (%s)" %
   h.get("delta-sharing-capabilities"))
s, h, b, L = query("plain", caps="responseformat=delta")
ok(s == 200 and h.get("delta-sharing-capabilities") == "responseformat=delta" and L and
   L[0]["protocol"].get("deltaProtocol", {}).get("minReaderVersion") == 1 and
   signed(L[2]["file"]["deltaSingleAction"]["add"]["path"]),
   "the same table, only delta asked: delta, as the spec requires")
s, h, b, L = query("dv", caps="ResponseFormat=DELTA;ReaderFeatures=DeletionVectors")
ok(s == 200 and L and "deltaProtocol" in L[0]["protocol"],
   "capability keys and values are case-insensitive (%d)" % s)

print("1..%d" % tap.n)
sys.exit(1 if tap.failed else 0)
