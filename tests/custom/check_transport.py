#!/usr/bin/env python3
"""Asserts which transport --backend custom used: the run record's custom_transport field.

The shared-memory paths and the point-to-point paths give the same answers, so #wrong alone
cannot tell whether a run took the path it was meant to test.
"""
import json
import sys


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: check_transport.py RESULTS.jsonl EXPECTED_TRANSPORT", file=sys.stderr)
        return 2
    path, expected = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        runs = [r for r in map(json.loads, filter(str.strip, f)) if r.get("type") == "run"]
    if len(runs) != 1:
        print(f"{path}: expected one run record, found {len(runs)}", file=sys.stderr)
        return 1
    got = runs[0].get("custom_transport")
    if got != expected:
        print(f"{path}: custom_transport is {got!r}, expected {expected!r}", file=sys.stderr)
        return 1
    print(f"custom_transport: {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
