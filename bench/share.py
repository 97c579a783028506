#!/usr/bin/env python3
"""share.py - the client (and the peer server) of bench/share.sh.

  share.py peer DIR               serve DIR over HTTP/1.1 with keep-alive
                                  (python's http.server), print the port
  share.py lat URL N [METHOD [BODY [CAPS]]]
                                  N requests on one keep-alive connection
                                  (http.client) after 20 of warm-up;
                                  prints "p50_ms p99_ms bytes"
  share.py dl URL N               N whole downloads (readinto a reused
                                  buffer), prints the best MB/s

The bearer token is $TOKEN (none for the peer)."""
import http.client
import http.server
import os
import sys
import time
import urllib.parse


def conn_of(url):
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    return c, u.path + ("?" + u.query if u.query else "")


def headers(caps=None, body=None):
    h = {}
    if os.environ.get("TOKEN"):
        h["Authorization"] = "Bearer " + os.environ["TOKEN"]
    if caps:
        h["delta-sharing-capabilities"] = caps
    if body is not None:
        h["Content-Type"] = "application/json; charset=utf-8"
    return h


def lat(url, n, method="GET", body=None, caps=None):
    c, path = conn_of(url)
    h = headers(caps, body)
    data = body.encode() if body is not None else None
    times, size = [], 0
    for i in range(n + 20):
        t0 = time.perf_counter()
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        b = r.read()
        t = time.perf_counter() - t0
        if r.status != 200:
            sys.exit("%s: status %d %s" % (url, r.status, b[:200]))
        if i >= 20:
            times.append(t)
        size = len(b)
    times.sort()
    print("%.3f %.3f %d" % (times[len(times) // 2] * 1e3, times[int(len(times) * 0.99)] * 1e3,
                            size))


def dl(url, n):
    best = 0.0
    buf = bytearray(1 << 20)
    for _ in range(n):
        c, path = conn_of(url)
        t0 = time.perf_counter()
        c.request("GET", path, headers=headers())
        r = c.getresponse()
        if r.status != 200:
            sys.exit("%s: status %d" % (url, r.status))
        total = 0
        while True:
            k = r.readinto(buf)
            if not k:
                break
            total += k
        t = time.perf_counter() - t0
        c.close()
        best = max(best, total / t / 1e6)
    print("%.0f" % best)


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the tarn client gets
    disable_nagle_algorithm = True  # or headers and body wait for the delayed ACK

    def log_message(self, *args):
        pass


def peer(d):
    os.chdir(d)
    s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(s.server_address[1], flush=True)
    s.serve_forever()


cmd = sys.argv[1]
if cmd == "peer":
    peer(sys.argv[2])
elif cmd == "lat":
    a = sys.argv[2:]
    lat(a[0], int(a[1]), *(a[2:]))
elif cmd == "dl":
    dl(sys.argv[2], int(sys.argv[3]))
