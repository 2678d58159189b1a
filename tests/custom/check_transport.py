#!/usr/bin/env python3
"""Asserts which transport --backend custom used (the run record's custom_transport) and,
optionally, which algorithms ran per collective (the result records' algorithm field).

The shared-memory paths and the point-to-point paths give the same answers, so #wrong alone
cannot tell whether a run took the path it was meant to test.

Usage: check_transport.py RESULTS.jsonl TRANSPORT [COLLECTIVE=ALGO[,ALGO...] ...]
Each COLLECTIVE=... names exactly the set of algorithms its results must show.
"""
import json
import sys


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    path, expected = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    runs = [r for r in records if r.get("type") == "run"]
    if len(runs) != 1:
        print(f"{path}: expected one run record, found {len(runs)}", file=sys.stderr)
        return 1
    got = runs[0].get("custom_transport")
    if got != expected:
        print(f"{path}: custom_transport is {got!r}, expected {expected!r}", file=sys.stderr)
        return 1
    print(f"custom_transport: {got}")
    for spec in sys.argv[3:]:
        collective, _, names = spec.partition("=")
        want = set(names.split(","))
        seen = {r.get("algorithm") for r in records
                if r.get("type") == "result" and r.get("collective") == collective}
        if seen != want:
            print(f"{path}: {collective} ran {sorted(map(str, seen))}, expected {sorted(want)}",
                  file=sys.stderr)
            return 1
        print(f"{collective}: {', '.join(sorted(seen))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
