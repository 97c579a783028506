#!/usr/bin/env python3
"""load.py - load test of a running `tarn share serve`, printing TAP.

usage: load.py BASE_URL LAKEHOUSE SERVER_PID SECONDS CLIENTS TARN PROFILE...

CLIENTS threads, each with a keep-alive connection of its own and the
token of one of the PROFILEs, mix every kind of request (list shares, list
all tables, table version, metadata, query of the latest and of an older
version in both response formats, downloads of signed file URLs with and
without Range) for SECONDS against share 'live' (pub.events, WITH HISTORY,
and pub.dim), while a writer thread commits to main.default.events with
`TARN -L LAKEHOUSE sql` (INSERTs, DELETEs that rewrite files, OPTIMIZE).

Checked: every response succeeds (200, or 206 for a Range) and no
connection fails; NDJSON is well formed; each query's files are exactly
the active files of the version it reports (replaying the table's
_delta_log), metadata's numFiles and size match that version too; a
client never sees the latest version go back; downloaded bytes equal the
file on disk; the server's open fds and RSS do not grow."""
import base64
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.parse

import tap
from tap import diag, ok

base, lakehouse, pid, seconds, nclients, tarn = sys.argv[1:7]
profiles = sys.argv[7:]
seconds, nclients, pid = float(seconds), int(nclients), int(pid)
tokens = [json.load(open(p))["bearerToken"] for p in profiles]
u = urllib.parse.urlsplit(base)
host, port, prefix = u.hostname, u.port, u.path.rstrip("/")
table_dir = os.path.join(lakehouse, "warehouse", "main", "default", "events")
T = prefix + "/shares/live/schemas/pub/tables/events"


# ---- the table's log, replayed: version -> {decoded path: size}
class Log:
    def __init__(self, root):
        self.dir = os.path.join(root, "_delta_log")
        self.lock = threading.Lock()
        self.states = []  # index: version
        self.cur = {}

    def active(self, v):
        with self.lock:
            while len(self.states) <= v:
                nv = len(self.states)
                path = os.path.join(self.dir, "%020d.json" % nv)
                try:
                    text = open(path).read()
                except FileNotFoundError:
                    return None
                for line in text.splitlines():
                    if not line.strip():
                        continue
                    a = json.loads(line)
                    if "add" in a:
                        self.cur[urllib.parse.unquote(a["add"]["path"])] = a["add"]["size"]
                    elif "remove" in a:
                        self.cur.pop(urllib.parse.unquote(a["remove"]["path"]), None)
                self.states.append(dict(self.cur))
            return self.states[v]


log = Log(table_dir)
stop = threading.Event()
lock = threading.Lock()
stats = {"requests": 0, "errors": 0, "ndjson_bad": 0, "inconsistent": 0, "queries": 0,
         "metadata": 0, "downloads": 0, "download_bad": 0, "went_back": 0}
kinds = {}
latencies = []
problems = []
versions_seen = set()


def problem(kind, msg):
    with lock:
        stats[kind] += 1
        if len(problems) < 20:
            problems.append("%s: %s" % (kind, msg))


def url_path(url):
    """The decoded table-relative path a signed file URL names."""
    p = urllib.parse.urlsplit(url).path
    b64 = p.rsplit("/", 1)[1]
    return base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)).decode()


class Client:
    def __init__(self, i):
        self.rnd = random.Random(i)
        self.token = tokens[i % len(tokens)]
        self.conn = None
        self.urls = []       # signed URLs of the last query: (url, path, size)
        self.latest = -1     # the newest latest-version seen
        self.lat = []
        self.kinds = {}

    def request(self, kind, method, path, body=None, headers=None):
        h = {"Authorization": "Bearer " + self.token}
        h.update(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json; charset=utf-8"
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(host, port, timeout=30)
            t0 = time.perf_counter()
            try:
                self.conn.request(method, path, body=data, headers=h)
                r = self.conn.getresponse()
                b = r.read()
            except (OSError, http.client.HTTPException) as e:
                self.conn.close()
                self.conn = None
                problem("errors", "%s %s: %s %r" % (kind, path[:80], type(e).__name__, e))
                return None, None, None
            self.lat.append(time.perf_counter() - t0)
            self.kinds[kind] = self.kinds.get(kind, 0) + 1
            if r.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return r.status, r, b
        return None, None, None

    def expect(self, kind, status, r, b, want=(200,)):
        if status is None:
            return False
        if status not in want:
            problem("errors", "%s: status %d %s" % (kind, status, b[:200]))
            return False
        return True

    def ndjson(self, kind, b):
        text = b.decode("utf-8", "replace")
        if "\r" in text or not text.endswith("\n"):
            problem("ndjson_bad", "%s: not \\n-terminated lines" % kind)
            return None
        try:
            lines = [json.loads(ln) for ln in text.split("\n")[:-1]]
        except ValueError as e:
            problem("ndjson_bad", "%s: %s" % (kind, e))
            return None
        if len(lines) < 2 or "protocol" not in lines[0] or "metaData" not in lines[1]:
            problem("ndjson_bad", "%s: no protocol and metaData lines first" % kind)
            return None
        return lines

    def header_version(self, kind, r):
        try:
            return int(r.getheader("Delta-Table-Version"))
        except (TypeError, ValueError):
            problem("ndjson_bad", "%s: no Delta-Table-Version" % kind)
            return None

    def check_latest(self, kind, v):
        if v < self.latest:
            problem("went_back", "%s: version %d after %d" % (kind, v, self.latest))
        self.latest = max(self.latest, v)

    def op_list(self):
        s, r, b = self.request("list shares", "GET", prefix + "/shares")
        if self.expect("list shares", s, r, b):
            names = [i["name"] for i in json.loads(b)["items"]]
            if names != ["live"]:
                problem("errors", "list shares: %r" % names)

    def op_all_tables(self):
        s, r, b = self.request("all tables", "GET", prefix + "/shares/live/all-tables")
        if self.expect("all tables", s, r, b):
            names = sorted(i["name"] for i in json.loads(b)["items"])
            if names != ["dim", "events"]:
                problem("errors", "all tables: %r" % names)

    def op_version(self):
        s, r, b = self.request("version", "GET", T + "/version")
        if self.expect("version", s, r, b):
            v = self.header_version("version", r)
            if v is not None:
                self.check_latest("version", v)
                with lock:
                    versions_seen.add(v)

    def op_metadata(self):
        s, r, b = self.request("metadata", "GET", T + "/metadata")
        if not self.expect("metadata", s, r, b):
            return
        v = self.header_version("metadata", r)
        lines = self.ndjson("metadata", b)
        if v is None or lines is None:
            return
        with lock:
            stats["metadata"] += 1
        self.check_latest("metadata", v)
        want = log.active(v)
        md = lines[1]["metaData"]
        if want is None or md.get("numFiles") != len(want) or \
                md.get("size") != sum(want.values()):
            problem("inconsistent", "metadata of version %d: numFiles %r size %r, the log: %r %r"
                    % (v, md.get("numFiles"), md.get("size"),
                       None if want is None else len(want),
                       None if want is None else sum(want.values())))

    def op_query(self, at=None, delta=False):
        kind = "query" + (" version" if at is not None else "") + (" delta" if delta else "")
        body = {} if at is None else {"version": at}
        hdr = {"delta-sharing-capabilities": "responseformat=delta"} if delta else {}
        s, r, b = self.request(kind, "POST", T + "/query", body, hdr)
        if not self.expect(kind, s, r, b):
            return
        v = self.header_version(kind, r)
        lines = self.ndjson(kind, b)
        if v is None or lines is None:
            return
        with lock:
            stats["queries"] += 1
            versions_seen.add(v)
        md = lines[1]["metaData"]
        if at is None:
            self.check_latest(kind, v)
        elif v != at or md.get("version") != at:
            problem("inconsistent", "%s %d: header %d, metaData version %r" %
                    (kind, at, v, md.get("version")))
        got, urls = {}, []
        for ln in lines[2:]:
            f = ln.get("file")
            if f is None:
                problem("ndjson_bad", "%s: a line that is not a file: %s" % (kind, str(ln)[:100]))
                return
            if delta:
                url = f["deltaSingleAction"]["add"]["path"]
                size = f["deltaSingleAction"]["add"]["size"]
            else:
                url, size = f["url"], f["size"]
            p = url_path(url)
            if p in got:
                problem("inconsistent", "%s: %s twice" % (kind, p))
            got[p] = size
            urls.append((url, p, size))
        want = log.active(v)
        if want != got:
            extra = sorted(set(got) - set(want or {}))[:3]
            missing = sorted(set(want or {}) - set(got))[:3]
            problem("inconsistent", "%s at %d: %d files, the log has %r; extra %r missing %r" %
                    (kind, v, len(got), None if want is None else len(want), extra, missing))
        elif delta and md.get("deltaMetadata") is None:
            problem("ndjson_bad", "%s: no deltaMetadata" % kind)
        elif not delta and md.get("numFiles") != len(got):
            problem("inconsistent", "%s: numFiles %r but %d files" % (kind, md.get("numFiles"),
                                                                      len(got)))
        if urls:
            self.urls = urls

    def op_download(self):
        if not self.urls:
            return self.op_query()
        url, p, size = self.rnd.choice(self.urls)
        sp = urllib.parse.urlsplit(url)
        path = sp.path + "?" + sp.query
        on_disk = open(os.path.join(table_dir, p), "rb").read()
        if self.rnd.random() < 0.3 or size < 2:
            s, r, b = self.request("download", "GET", path)
            want, code = on_disk, 200
        else:
            a = self.rnd.randrange(0, size - 1)
            z = self.rnd.randrange(a, size)
            s, r, b = self.request("download range", "GET", path, headers={"Range": "bytes=%d-%d"
                                                                            % (a, z)})
            want, code = on_disk[a:z + 1], 206
        if not self.expect("download", s, r, b, (code,)):
            return
        with lock:
            stats["downloads"] += 1
        if b != want:
            problem("download_bad", "%s: %d bytes, not the %d on disk" % (p, len(b), len(want)))

    def run(self):
        ops = [(self.op_list, 12), (self.op_all_tables, 12), (self.op_version, 14),
               (self.op_metadata, 14), (lambda: self.op_query(), 16),
               (lambda: self.op_query(delta=True), 6), (self.op_query_old, 10),
               (self.op_download, 16)]
        fns = [f for f, _ in ops]
        weights = [w for _, w in ops]
        while not stop.is_set():
            self.rnd.choices(fns, weights)[0]()
        if self.conn is not None:
            self.conn.close()
        with lock:
            latencies.extend(self.lat)
            for k, c in self.kinds.items():
                kinds[k] = kinds.get(k, 0) + c

    def op_query_old(self):
        if self.latest < 0:
            return self.op_version()
        self.op_query(at=self.rnd.randint(0, self.latest))


# ---- the writer
writer = {"commits": 0, "failures": 0, "last": ""}


def write_loop():
    i = 0
    while not stop.is_set():
        i += 1
        if i % 10 == 0:
            sql = "OPTIMIZE main.default.events"
        elif i % 10 == 5:
            sql = "DELETE FROM main.default.events WHERE id %% 7 = %d" % (i % 7)
        else:
            sql = "INSERT INTO main.default.events VALUES (%d, 'g%d'), (%d, 'g%d')" % (
                i * 2, i % 5, i * 2 + 1, i % 3)
        p = subprocess.run([tarn, "-L", lakehouse, "sql", "-c", sql], capture_output=True,
                           text=True)
        if p.returncode == 0:
            writer["commits"] += 1
        else:
            writer["failures"] += 1
            writer["last"] = (p.stderr or p.stdout).strip()[:300]


def sample():
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss, len(os.listdir("/proc/%d/fd" % pid))


def pct(v, p):
    return v[min(len(v) - 1, int(len(v) * p))] * 1000 if v else 0.0


rss_idle, fds_idle = sample()
clients = [Client(i) for i in range(nclients)]
threads = [threading.Thread(target=c.run) for c in clients]
wt = threading.Thread(target=write_loop)
t0 = time.monotonic()
wt.start()
for t in threads:
    t.start()
warm = min(10.0, seconds / 4)
time.sleep(warm)
rss_warm, fds_warm = sample()
time.sleep(max(0.0, seconds - warm - 0.5))
rss_end, fds_end = sample()  # still under load, every connection open
stop.set()
for t in threads:
    t.join()
wt.join()
elapsed = time.monotonic() - t0
time.sleep(1.0)  # the server closes the connections
rss_after, fds_after = sample()

latencies.sort()
nreq = len(latencies)
diag("RSS before %d kB after %d kB (idle %d kB, idle after %d kB), fds before %d after %d "
     "(idle %d, idle after %d), %d requests (%.0f/s), p50 %.2f ms p99 %.2f ms" %
     (rss_warm, rss_end, rss_idle, rss_after, fds_warm, fds_end, fds_idle, fds_after, nreq,
      nreq / elapsed, pct(latencies, 0.5), pct(latencies, 0.99)))
diag("requests: " + ", ".join("%s %d" % kv for kv in sorted(kinds.items())))
diag("writer: %d commits, %d failures; %d table versions seen by clients" %
     (writer["commits"], writer["failures"], len(versions_seen)))
for p in problems:
    diag(p)

ok(nreq > nclients and stats["errors"] == 0,
   "%d requests of %d clients: no errors, no failed connections (%d)" % (nreq, nclients,
                                                                        stats["errors"]))
ok(stats["ndjson_bad"] == 0, "every NDJSON response well formed (%d bad)" % stats["ndjson_bad"])
ok(stats["queries"] > 0 and stats["inconsistent"] == 0,
   "%d queries and %d metadata answers: the files of exactly the version reported (%d not)" %
   (stats["queries"], stats["metadata"], stats["inconsistent"]))
ok(stats["went_back"] == 0, "no client saw the latest version go back")
ok(stats["downloads"] > 0 and stats["download_bad"] == 0,
   "%d downloads (with and without Range): the bytes on disk (%d not)" %
   (stats["downloads"], stats["download_bad"]))
ok(writer["commits"] > 2 and writer["failures"] == 0,
   "the writer committed %d times meanwhile, no failures %s" % (writer["commits"], writer["last"]))
ok(len(versions_seen) > 2, "clients saw %d versions of the table" % len(versions_seen))
ok(fds_end <= fds_warm + 5 and fds_after <= fds_idle + 5,
   "open fds did not grow: %d -> %d under load, %d -> %d idle" % (fds_warm, fds_end, fds_idle,
                                                                  fds_after))
ok(rss_end <= rss_warm + 20 * 1024,
   "RSS grew by %d kB after the warm-up (at most 20 MB)" % (rss_end - rss_warm))
print("1..%d" % tap.n)
sys.exit(1 if tap.failed else 0)
