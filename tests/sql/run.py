#!/usr/bin/env python3
"""run.py - run a statement-and-result file (tests/sql/*.test) through
`tarn sql -f` and compare, printing TAP.

A .test file is a list of records separated by blank lines:

    # a comment
    statement ok
    CREATE TABLE t (id BIGINT)

    statement error already exists
    CREATE TABLE t (id BIGINT)

    query
    SELECT * FROM t ORDER BY id
    ----
    {"id":1}

    query rowsort
    SELECT ...
    ----
    ...

`file PATH` writes the lines that follow to PATH before the script runs.
`statement ok` must succeed; `statement error TEXT` must fail with TEXT in
its message; `query` must print exactly the rows after `----` in the
canonical JSON-lines format (`rowsort`: in any order; `keys=a,b`: only
those keys of each row are compared; `grep`: each line after ---- is a
regular expression that some row must match). `@TMP@` in SQL is
replaced by a scratch directory, `@DATA@` by the test data folder.

The whole file runs as ONE script in ONE `tarn sql -f` process (so USE,
BEGIN ... COMMIT and the catalog carry over): each record's statement is
preceded by a marker query, and the combined stdout+stderr of
`tarn sql -f F --format jsonl --continue` is cut at the markers.
"""
import os
import subprocess
import sys
import tempfile


def parse(path):
    records, cur = [], None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.startswith("#"):
            i += 1
            continue
        head = line.split(None, 1)
        rec = {"line": i + 1, "kind": head[0], "arg": head[1] if len(head) > 1 else ""}
        i += 1
        sql = []
        while i < len(lines) and lines[i].strip() and lines[i] != "----":
            sql.append(lines[i])
            i += 1
        rec["sql"] = "\n".join(sql)
        rec["expect"] = []
        if i < len(lines) and lines[i] == "----":
            i += 1
            while i < len(lines) and lines[i].strip():
                rec["expect"].append(lines[i])
                i += 1
        if rec["kind"] not in ("statement", "query", "file"):
            sys.exit("%s:%d: unknown record %r" % (path, rec["line"], rec["kind"]))
        records.append(rec)
    return records


def main():
    tarn, test = sys.argv[1], sys.argv[2]
    data = os.environ.get("TARN_TESTDATA", "")
    records = parse(test)
    with tempfile.TemporaryDirectory(prefix="tarn-sqltest.") as tmp:
        lake = os.path.join(tmp, "lake")
        # `file PATH` records: PATH (with @TMP@) gets the lines that follow
        for r in [r for r in records if r["kind"] == "file"]:
            path = r["arg"].replace("@TMP@", tmp)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(r["sql"] + "\n")
        records = [r for r in records if r["kind"] != "file"]
        script = []
        for n, r in enumerate(records):
            script.append("SELECT '@@record %d' AS marker;" % n)
            sql = r["sql"].replace("@TMP@", tmp).replace("@DATA@", data).replace("@LAKE@", lake).rstrip()
            if not sql.endswith(";"):
                sql += ";"
            script.append(sql)
        sf = os.path.join(tmp, "script.sql")
        with open(sf, "w", encoding="utf-8") as f:
            f.write("\n".join(script) + "\n")
        env = dict(os.environ, TARN_HOME=lake)
        p = subprocess.run([tarn, "--lakehouse", lake, "sql", "--format", "jsonl",
                            "--continue", "-f", sf],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        out = p.stdout.decode("utf-8", "replace").split("\n")
        chunks, cur = {}, None
        for line in out:
            if line.startswith('{"marker":"@@record '):
                cur = int(line.split("@@record ")[1].split('"')[0])
                chunks[cur] = []
            elif cur is not None and line != "":
                chunks[cur].append(line)
        print("1..%d" % len(records))
        failed = 0
        for n, r in enumerate(records):
            got = chunks.get(n)
            first = r["sql"].split("\n")[0][:60]
            desc = "%s:%d %s %s: %s" % (os.path.basename(test), r["line"], r["kind"], r["arg"], first)
            ok, why = True, ""
            if got is None:
                ok, why = False, "did not run (an earlier statement stopped the script?)"
            elif r["kind"] == "statement" and r["arg"] == "ok":
                errs = [l for l in got if l.startswith("tarn sql:")]
                if errs:
                    ok, why = False, "failed: " + " | ".join(errs)
            elif r["kind"] == "statement":
                want = r["arg"].split(None, 1)[1] if r["arg"].startswith("error") and " " in r["arg"] else ""
                errs = [l for l in got if l.startswith("tarn sql:")]
                text = "\n".join(got)
                if not errs:
                    ok, why = False, "succeeded, but an error was expected"
                elif want and want.lower() not in text.lower():
                    ok, why = False, "error does not say %r: %s" % (want, text)
            else:
                rows = [l for l in got if l.startswith("{") or l.startswith("[")]
                errs = [l for l in got if l.startswith("tarn sql:")]
                import getpass
                exp = [l.replace("@USER@", getpass.getuser()).replace("@LAKE@", lake)
                       for l in r["expect"]]
                keys = [a[5:].split(",") for a in r["arg"].split() if a.startswith("keys=")]
                if keys:
                    import json
                    def pick(l):
                        o = json.loads(l)
                        return json.dumps({k: o.get(k) for k in keys[0]}, separators=(",", ":"),
                                          ensure_ascii=False)
                    rows = [pick(l) for l in rows]
                if "rowsort" in r["arg"]:
                    rows, exp = sorted(rows), sorted(exp)
                if "grep" in r["arg"]:
                    import re
                    missing = [x for x in exp if not any(re.search(x, l) for l in rows)]
                    if errs:
                        ok, why = False, "failed: " + " | ".join(errs)
                    elif missing:
                        ok, why = False, "no row matches " + " | ".join(missing)
                elif errs:
                    ok, why = False, "failed: " + " | ".join(errs)
                elif rows != exp:
                    ok, why = False, "rows differ"
            print("%s %d - %s" % ("ok" if ok else "not ok", n + 1, desc))
            if not ok:
                failed += 1
                print("# " + why)
                if r["kind"] == "query":
                    for l in r["expect"]:
                        print("#   want " + l)
                    for l in (got or []):
                        print("#   got  " + l)
        sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
