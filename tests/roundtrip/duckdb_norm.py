#!/usr/bin/env python3
"""duckdb_norm.py - rewrite canonical JSONL so that tarn's rows and DuckDB's
rows of the same Parquet file compare equal where the two can only differ
in spelling or in what DuckDB's types can hold.

    duckdb_norm.py IN.jsonl OUT.jsonl

Both sides of a comparison go through it. What it changes, and why:
  * UTC timestamps with nanoseconds ("...T12:34:56.123456789Z") lose their
    last three digits: DuckDB has no nanosecond TIMESTAMP WITH TIME ZONE and
    reads TIMESTAMP(NANOS, isAdjustedToUTC=true) as microseconds. (Timestamps
    without time zone keep their nanoseconds: DuckDB's TIMESTAMP_NS holds
    them, and they are compared exactly.) The test data's negative values
    are whole microseconds, so truncating and flooring agree.
  * Times of day ("HH:MM:SS.ffffff") lose trailing zeros of the fraction:
    canon.mjs prints a TIME_NS of a whole second without a fraction.
Everything else is left alone, and jsonl_compare.py does the comparing."""
import json
import re
import sys

TSZ_NS = re.compile(r'^(-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6})\d{3}Z$')
TIME = re.compile(r'^(\d\d:\d\d:\d\d)(?:\.(\d*))?$')


def norm(v):
    if isinstance(v, str):
        m = TSZ_NS.match(v)
        if m:
            return m.group(1) + 'Z'
        m = TIME.match(v)
        if m:
            frac = (m.group(2) or '').rstrip('0')
            return m.group(1) + ('.' + frac if frac else '')
        return v
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    return v


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2])
        return 2
    with open(argv[0], encoding='utf-8') as f, open(argv[1], 'w', encoding='utf-8') as out:
        for line in f:
            if line.strip():
                out.write(json.dumps(norm(json.loads(line)), ensure_ascii=False,
                                     separators=(',', ':')) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
