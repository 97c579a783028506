#!/usr/bin/env python3
"""flaky_proxy.py - a misbehaving network between tarn's sharing client and
`tarn share serve`, for tests/share/mount.sh.

Usage: flaky_proxy.py PORTFILE UPSTREAMFILE LOG
Listens on 127.0.0.1 (a free port, written to PORTFILE), forwards every
request to the server whose port is in UPSTREAMFILE (read when the first
request comes) and misbehaves once of each kind, logging what it did:
  - the first API request gets 503 (the client must retry);
  - the first data file download is held for 3.5 s, so that with
    `serve --url-ttl 2` its signed URL expires (the server answers 403 and
    the client must ask for the table again: fresh URLs);
  - the next file download is cut in the middle: the headers promise the
    whole file, half of it comes and the connection closes (the client
    must resume with Range);
Every Range header it forwards is logged too.
"""
import http.client
import http.server
import sys
import threading
import time

portfile, upstreamfile, logpath = sys.argv[1:4]
lock = threading.Lock()
state = {"api503": False, "held": False, "cut": False}
log = open(logpath, "a", buffering=1)


def upstream_port():
    with open(upstreamfile) as f:
        return int(f.read().strip())


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def forward(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        is_file = "/files/" in self.path
        with lock:
            misbehave = None
            if not is_file and not state["api503"]:
                state["api503"] = misbehave = "api503"
            elif is_file and not state["held"]:
                state["held"] = misbehave = "held"
            elif is_file and state["held"] and not state["cut"] and \
                    "Range" not in self.headers:
                state["cut"] = misbehave = "cut"
        if is_file and method == "GET":
            log.write("file\n")
        if "Range" in self.headers:
            log.write("range %s\n" % self.headers["Range"])
        if misbehave == "api503":
            log.write("api503 %s\n" % self.path.split("?")[0])
            msg = b'{"errorCode":"TEMPORARILY_UNAVAILABLE","message":"try again"}'
            self.send_response(503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)
            return
        if misbehave == "held":
            log.write("held\n")
            time.sleep(3.5)
        conn = http.client.HTTPConnection("127.0.0.1", upstream_port(), timeout=30)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("host", "connection")}
        conn.request(method, self.path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        if misbehave == "held":
            log.write("held-status %d\n" % r.status)
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        if misbehave == "cut" and r.status == 200 and len(data) > 16:
            log.write("cut %d of %d\n" % (len(data) // 2, len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(data)
        conn.close()

    def do_GET(self):
        self.forward("GET")

    def do_POST(self):
        self.forward("POST")

    def do_HEAD(self):
        self.forward("HEAD")


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
