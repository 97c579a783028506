#!/usr/bin/env python3
"""compare.py - compare tarn's rows of a test file with DuckDB's, applying
the file's entries in parquet_quirks.tsv (see there).

    compare.py QUIRKS FILE EXPECTED|- ACTUAL JSONL_COMPARE

Prints one summary line last; exit 0 when equal (or the check holds)."""
import base64, json, os, re, subprocess, sys, tempfile

quirks_path, name, expected, actual, jsonl_compare = sys.argv[1:6]
quirks = []
for line in open(quirks_path, encoding='utf-8'):
    if line.startswith('#') or not line.strip():
        continue
    f = line.rstrip('\n').split('\t')
    if f[0] == name:
        quirks.append((f[1], f[2]))

def duckdb_blob(s):
    out = bytearray()
    i = 0
    while i < len(s):
        if s[i] == '\\' and s[i + 1:i + 2] == 'x':
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        else:
            out += s[i].encode('utf-8')
            i += 1
    return base64.b64encode(bytes(out)).decode()

rows = [json.loads(l) for l in open(actual, encoding='utf-8') if l.strip()]
for kind, arg in quirks:
    if kind == 'check':
        ok = eval(arg, {'rows': rows})
        print(('check holds: ' if ok else 'check FAILED: ') + arg)
        sys.exit(0 if ok else 1)

if expected == '-':
    print('no expected rows and no check in the quirks file')
    sys.exit(1)

def lines(path):
    if path.endswith('.zst'):
        return subprocess.run(['zstd', '-dc', path], check=True, capture_output=True,
                              text=True).stdout.splitlines()
    return open(path, encoding='utf-8').read().splitlines()

exp = [l for l in lines(expected) if l.strip()]
act = [l for l in lines(actual) if l.strip()]
for kind, arg in quirks:
    if kind == 'duckdb-blob':
        cols = arg.split(',')
        fixed = []
        for l in exp:
            r = json.loads(l)
            for c in cols:
                if isinstance(r.get(c), str):
                    r[c] = duckdb_blob(r[c])
            fixed.append(json.dumps(r))
        exp = fixed
    elif kind == 'sub-expected':
        pat, rep = arg.split('|', 1)
        exp = [re.sub(pat, rep, l) for l in exp]
    elif kind == 'drop-rows':
        e_re, a_re = arg.split('|', 1)
        exp = [l for l in exp if not re.search(e_re, l)]
        act = [l for l in act if not re.search(a_re, l)]

with tempfile.TemporaryDirectory() as d:
    for n, data in (('e', exp), ('a', act)):
        with open(os.path.join(d, n), 'w', encoding='utf-8') as f:
            f.write('\n'.join(data) + ('\n' if data else ''))
    r = subprocess.run([sys.executable, jsonl_compare, os.path.join(d, 'e'), os.path.join(d, 'a')])
    if quirks:
        print('(with quirks: ' + ', '.join(k for k, _ in quirks) + ')')
    sys.exit(r.returncode)
