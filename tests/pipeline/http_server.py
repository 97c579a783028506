#!/usr/bin/env python3
"""http_server.py - a small JSON API for the read_http tests.

Serves the records of a JSON-lines file (read on every request, so a test
can append to it) on 127.0.0.1, on a port the system picks: the first line
printed is the port. Every request is appended to --log as
"METHOD PATH?QUERY" (one line). Pages hold --page-size records (or
?limit=N); records are sorted by "id".

  /pages?page=N            {"data": [...]} (page-number pagination from 1;
                           a page past the end is empty)
  /cursor?offset=N         {"data": [...], "paging": {"next": "cursor?offset=M"}}
                           (a relative next URL; null on the last page)
  /linked?offset=N         a bare array, the next page in a
                           Link: <absolute url>; rel="next" header
  /nested                  {"result": {"rows": [all records]}}
  /auth                    like /pages, but 401 without "X-Token: secret"
  /loop                    {"data": [], "next": "/loop"}, for ever
  /slow                    {"data": []} after 3 seconds
  /rel?offset=N            like /linked, with two Link headers, an unquoted
                           rel and a multi-valued one (rel="prefetch next")
  /error                   HTTP 500 with a JSON body
  /invalid                 HTTP 200 with a body that is not JSON
  /not-records             {"message": "hello"}

Every list takes ?since=X: only records whose watermark field (?field=,
default updated_at) is >= X (inclusive, as many APIs are), compared as
numbers when both are numbers. With --fail-file F: while F exists,
requests for pages after the first fail with HTTP 500 (a failure half way
through a fetch). The server exits when its parent does."""

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

ARGS = None


def load():
    out = []
    with open(ARGS.data, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line))
    return sorted(out, key=lambda r: r.get("id", 0))


def number(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def since_filter(recs, q):
    if "since" not in q:
        return recs
    since, field = q["since"][0], q.get("field", ["updated_at"])[0]
    out = []
    for r in recs:
        v = r.get(field)
        a, b = number(v), number(since)
        if isinstance(v, (int, float)) and b is not None:
            keep = a >= b
        else:
            keep = str(v) >= since
        if keep:
            out.append(r)
    return out


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):  # quiet: the test reads stdout
        pass

    def send(self, status, body, headers=None, ctype="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers or []:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        u = urlsplit(self.path)
        q = parse_qs(u.query)
        if ARGS.log:
            with open(ARGS.log, "a", encoding="utf-8") as f:
                f.write("GET %s\n" % self.path)
        size = int(q.get("limit", [ARGS.page_size])[0])
        page = int(q.get("page", ["1"])[0])
        offset = int(q.get("offset", ["0"])[0])
        later = page > 1 or offset > 0
        if ARGS.fail_file and os.path.exists(ARGS.fail_file) and later:
            return self.send(500, {"error": "injected failure"})
        path = u.path
        if path == "/error":
            return self.send(500, {"error": "boom"})
        if path == "/invalid":
            return self.send(200, b"{\"data\": [1, 2", ctype="application/json")
        if path == "/not-records":
            return self.send(200, {"message": "hello"})
        if path == "/loop":
            return self.send(200, {"data": [], "next": "/loop"})
        if path == "/slow":
            time.sleep(3)
            return self.send(200, {"data": []})
        if path == "/auth" and self.headers.get("X-Token") != "secret":
            return self.send(401, {"error": "no token"})
        recs = since_filter(load(), q)
        if path in ("/pages", "/auth"):
            start = (page - 1) * size
            return self.send(200, {"data": recs[start:start + size]})
        if path == "/cursor":
            rest = dict((k, v[0]) for k, v in q.items() if k != "offset")
            nxt = None
            if offset + size < len(recs):
                rest["offset"] = offset + size
                nxt = "cursor?" + urlencode(rest)
            return self.send(200, {"data": recs[offset:offset + size], "paging": {"next": nxt}})
        if path in ("/linked", "/rel"):
            headers = []
            if offset + size < len(recs):
                rest = dict((k, v[0]) for k, v in q.items() if k != "offset")
                rest["offset"] = offset + size
                url = "http://127.0.0.1:%d%s?%s" % (self.server.server_port, path, urlencode(rest))
                first = "http://127.0.0.1:%d%s" % (self.server.server_port, path)
                if path == "/linked":
                    headers.append(("Link", '<%s>; rel="next", <%s>; rel="first"' % (url, first)))
                else:
                    headers.append(("Link", '<%s>; rel=first' % first))
                    headers.append(("Link", '<%s>; title="a, b"; rel="prefetch next"' % url))
            return self.send(200, recs[offset:offset + size], headers)
        if path == "/nested":
            return self.send(200, {"result": {"rows": recs}})
        return self.send(404, {"error": "no such path"})


def watch_parent(ppid):
    while os.getppid() == ppid:
        time.sleep(0.5)
    os._exit(0)


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True, help="JSON-lines file of records")
    p.add_argument("--log", help="append each request line here")
    p.add_argument("--page-size", type=int, default=2)
    p.add_argument("--fail-file", help="while this file exists, later pages fail")
    ARGS = p.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(srv.server_port, flush=True)
    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
