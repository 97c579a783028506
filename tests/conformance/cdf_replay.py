#!/usr/bin/env python3
"""cdf_replay.py - check a Delta table's change data feed against its
snapshots: starting from nothing, applying the changes of each version
(inserts and update_postimages add rows, deletes and update_preimages take
them away) must give exactly the rows `tarn cat --version v` reads, at every
version.

    cdf_replay.py TARN TABLE_DIR

Prints one line per version and exits 1 on the first mismatch."""
import collections, json, subprocess, sys

tarn, table = sys.argv[1:3]
CDF = ('_change_type', '_commit_version', '_commit_timestamp')


def rows(args):
    out = subprocess.run([tarn] + args, capture_output=True, text=True)
    if out.returncode != 0:
        print('tarn %s failed: %s' % (' '.join(args), out.stderr.strip()))
        sys.exit(1)
    return [json.loads(l) for l in out.stdout.splitlines() if l.strip()]


def key(r):
    return json.dumps({k: v for k, v in r.items() if k not in CDF}, sort_keys=True)


latest = json.loads(subprocess.run([tarn, 'inspect', '--format', 'json', table],
                                   capture_output=True, text=True).stdout)['version']
# Where the first commits were cleaned up after a checkpoint, start from the
# snapshot before the earliest commit left.
first = min(r['version'] for r in rows(['history', '--format', 'jsonl', table]))
state = collections.Counter()
if first > 0:
    # the oldest snapshot that can be read (a checkpoint) is the base
    base = next(v for v in range(first - 1, latest + 1)
                if subprocess.run([tarn, 'inspect', '--version', str(v), table],
                                  capture_output=True).returncode == 0)
    state = collections.Counter(key(r) for r in rows(['cat', '--format', 'jsonl', '--version', str(base), table]))
    first = base + 1
changes = rows(['changes', '--from', str(first), '--format', 'jsonl', table]) if first <= latest else []
for v in range(first, latest + 1):
    for c in changes:
        if c['_commit_version'] != v:
            continue
        if c['_change_type'] in ('insert', 'update_postimage'):
            state[key(c)] += 1
        elif c['_change_type'] in ('delete', 'update_preimage'):
            state[key(c)] -= 1
        else:
            print('version %d: unknown _change_type %r' % (v, c['_change_type']))
            sys.exit(1)
    want = collections.Counter(key(r) for r in rows(['cat', '--format', 'jsonl', '--version', str(v), table]))
    have = +state
    if want != have or any(n < 0 for n in state.values()):
        print('version %d: replayed changes give %d rows, the snapshot has %d' %
              (v, sum(have.values()), sum(want.values())))
        for k in list((have - want).keys())[:3]:
            print('  extra   ', k)
        for k in list((want - have).keys())[:3]:
            print('  missing ', k)
        sys.exit(1)
    print('version %d: %d rows agree' % (v, sum(want.values())))
print('changes replay to every snapshot (versions %d to %d)' % (first, latest))
