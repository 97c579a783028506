#!/usr/bin/env python3
"""dml_model.py - what DELETE, UPDATE and MERGE should do to a table's rows,
for tests/conformance/delta_dml.sh to check tarn against.

    dml_model.py delete STATE COND
    dml_model.py update STATE COND SET_JSON
    dml_model.py merge STATE SOURCE KEY MATCHED NOT_MATCHED BY_SOURCE [BY_SOURCE_COND]
    dml_model.py touched CHANGED PREV_SNAPSHOT_JSON TABLE TARN COMMIT_JSON [--subset]

STATE is a JSONL file of the rows (rewritten in place); COND a Python
expression over a row `r` (SQL semantics: a None operand makes it false);
SET_JSON an object of new values; MATCHED update|delete|ignore, NOT_MATCHED
insert|ignore, BY_SOURCE delete|ignore. Each change writes STATE.changes
(the change feed rows it should give, with _change_type) and STATE.changed
(the keys of the rows it changed, one a line).

touched: the files of the previous snapshot (`tarn inspect --format json`)
that hold a changed key (read with TARN cat) must be exactly the files the
commit removes (with --subset: the commit removes no other file; deletion
vectors keep deleted rows in the files, so a file may hold a key that is
no longer live in it).
"""
import json, subprocess, sys


def load(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def save(path, rows):
    with open(path, 'w') as f:
        for r in rows:
            f.write(json.dumps(r) + '\n')


def holds(cond, r):
    try:
        return bool(eval(cond, {}, {'r': r}))
    except TypeError:  # a comparison with None: unknown, not true
        return False


def finish(state, rows, changes, changed):
    save(state, rows)
    save(state + '.changes', changes)
    with open(state + '.changed', 'w') as f:
        for k in changed:
            f.write(json.dumps(k) + '\n')


def tag(r, t):
    return dict(r, _change_type=t)


def main(a):
    op = a[0]
    if op == 'touched':
        changed = {l.strip() for l in open(a[1]) if l.strip()}
        snap = json.load(open(a[2]))
        files = {f['path'] for f in snap['files']}
        hold = {}
        for p in files:
            out = subprocess.run([a[4], 'cat', '--format', 'jsonl', '--columns', 'id',
                                  a[3] + '/' + p], capture_output=True, text=True, check=True)
            hold[p] = {json.dumps(json.loads(l)['id']) for l in out.stdout.splitlines()}
        want = {p for p in files if hold[p] & changed}
        removed = set()
        for l in open(a[5]):
            act = json.loads(l)
            if 'remove' in act:
                removed.add(act['remove']['path'])
        from urllib.parse import unquote
        removed = {unquote(p) for p in removed}
        ok = removed <= want if '--subset' in a else removed == want
        print('%d files removed or given a deletion vector, %d hold changed rows%s' %
              (len(removed), len(want), '' if ok else ': removed %s, want %s' %
               (sorted(removed), sorted(want))))
        sys.exit(0 if ok else 1)
    state = a[1]
    rows = load(state)
    changes, changed, out = [], [], []
    if op == 'delete':
        for r in rows:
            if holds(a[2], r):
                changes.append(tag(r, 'delete'))
                changed.append(r['id'])
            else:
                out.append(r)
    elif op == 'update':
        new = json.loads(a[3])
        for r in rows:
            if holds(a[2], r):
                u = dict(r, **new)
                changes += [tag(r, 'update_preimage'), tag(u, 'update_postimage')]
                changed.append(r['id'])
                out.append(u)
            else:
                out.append(r)
    elif op == 'merge':
        src, key, matched, not_matched, by_source = load(a[2]), a[3], a[4], a[5], a[6]
        cond = a[7] if len(a) > 7 else 'True'
        keys = {s[key] for s in src if s[key] is not None}
        by_key = {s[key]: s for s in src if s[key] is not None}
        for r in rows:
            k = r[key]
            if k is not None and k in keys and matched != 'ignore':
                changed.append(k)
                if matched == 'delete':
                    changes.append(tag(r, 'delete'))
                    continue
                u = {c: by_key[k][c] for c in r}
                changes += [tag(r, 'update_preimage'), tag(u, 'update_postimage')]
                out.append(u)
            elif (k is None or k not in keys) and by_source == 'delete' and holds(cond, r):
                changed.append(k)
                changes.append(tag(r, 'delete'))
            else:
                out.append(r)
        targets = {r[key] for r in rows}
        if not_matched == 'insert':
            for s in src:
                if s[key] is None or s[key] not in targets:
                    ins = {c: s.get(c) for c in rows[0]} if rows else dict(s)
                    out.append(ins)
                    changes.append(tag(ins, 'insert'))
    else:
        sys.exit('dml_model.py: unknown operation ' + op)
    finish(state, out, changes, changed)


main(sys.argv[1:])
