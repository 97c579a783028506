#!/usr/bin/env python3
"""log_check.py - every action of the commits in the given _delta_log
directories has the fields the Delta protocol requires, of the right JSON
types: commitInfo (as tarn writes it), protocol, metaData, add (with
stats.numRecords), remove, cdc (dataChange false), and deletion vector
descriptors.

    log_check.py LOG_DIR...

Prints one line (the actions checked, or the first bad fields); exit 1
when any is bad.
"""
import glob, json, sys

NEED = {
    'commitInfo': {'timestamp': int, 'operation': str, 'operationParameters': dict,
                   'engineInfo': str, 'isolationLevel': str, 'isBlindAppend': bool,
                   'operationMetrics': dict},
    'protocol': {'minReaderVersion': int, 'minWriterVersion': int},
    'metaData': {'id': str, 'format': dict, 'schemaString': str, 'partitionColumns': list,
                 'configuration': dict, 'createdTime': int},
    'add': {'path': str, 'partitionValues': dict, 'size': int, 'modificationTime': int,
            'dataChange': bool, 'stats': str},
    'remove': {'path': str, 'deletionTimestamp': int, 'dataChange': bool},
    'cdc': {'path': str, 'partitionValues': dict, 'size': int, 'dataChange': bool},
}
DV = {'storageType': str, 'pathOrInlineDv': str, 'sizeInBytes': int, 'cardinality': int}


def typed(v, t):
    return isinstance(v, t) and not (t is int and isinstance(v, bool))


def main(dirs):
    bad, n = [], 0
    for d in dirs:
        for f in sorted(glob.glob(d + '/*.json')):
            for ln, line in enumerate(open(f), 1):
                (kind, body), = json.loads(line).items()
                n += 1
                where = '%s:%d %s' % (f, ln, kind)
                bad += [where + '.' + k for k, t in NEED.get(kind, {}).items()
                        if not typed(body.get(k), t)]
                if kind == 'cdc' and body.get('dataChange') is not False:
                    bad.append(where + '.dataChange is not false')
                if kind in ('add', 'remove') and 'deletionVector' in body:
                    bad += [where + '.deletionVector.' + k for k, t in DV.items()
                            if not typed(body['deletionVector'].get(k), t)]
                if kind == 'add' and not typed(json.loads(body['stats']).get('numRecords'), int):
                    bad.append(where + '.stats.numRecords')
                if kind == 'metaData':
                    json.loads(body['schemaString'])
    print('bad: ' + ', '.join(bad[:10]) if bad else
          'every action has its required fields (%d actions)' % n)
    return 1 if bad else 0


sys.exit(main(sys.argv[1:]))
