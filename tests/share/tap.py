"""tap.py - TAP output for the tests/share clients: ok(), diag(), done()."""
import sys

n = 0
failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (n, what), flush=True)


def diag(msg):
    print("# " + msg, flush=True)
