#!/usr/bin/env python3
"""Runs a collbench command and checks what it did: exit code, JSON Lines against the schema,
#wrong, row counts, the bus-bandwidth factor, output patterns and elapsed time.

Usage: run_and_check.py [checks...] -- command [args...]
"""
import argparse
import json
import re
import subprocess
import sys
import time

BUS_FACTOR = {
    "all_reduce": lambda n: 2.0 * (n - 1) / n,
    "all_gather": lambda n: (n - 1) / n,
    "reduce_scatter": lambda n: (n - 1) / n,
    "all_to_all": lambda n: (n - 1) / n,
    "broadcast": lambda n: 1.0,
    "reduce": lambda n: 1.0,
    "sendrecv": lambda n: 1.0,
}


def fail(message):
    print(f"CHECK FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def load_records(path):
    records = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                fail(f"{path}:{number}: empty line")
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                fail(f"{path}:{number}: not JSON: {error}")
    return records


def validate_schema(records, schema_path):
    try:
        import jsonschema
    except ImportError:
        fail("python3-jsonschema is not installed (scripts/install-deps.sh installs it)")
    with open(schema_path, encoding="utf-8") as handle:
        schema = json.load(handle)
    validator = jsonschema.Draft202012Validator(schema)
    for index, record in enumerate(records, 1):
        errors = sorted(validator.iter_errors(record), key=lambda e: e.path)
        if errors:
            fail(f"record {index} does not match the schema: {errors[0].message}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--expect-rc", type=int, default=0)
    parser.add_argument("--json")
    parser.add_argument("--schema")
    parser.add_argument("--expect-wrong", choices=["zero", "positive"])
    parser.add_argument("--expect-rows", type=int)
    parser.add_argument("--check-bus-factor", action="store_true")
    parser.add_argument("--stdout-regex", action="append", default=[])
    parser.add_argument("--stderr-regex", action="append", default=[])
    parser.add_argument("--stdout-count", nargs=2, action="append", default=[],
                        metavar=("REGEX", "N"), help="stdout matches REGEX exactly N times")
    parser.add_argument("--max-seconds", type=float)
    parser.add_argument("--run-field", nargs=2, action="append", default=[],
                        metavar=("KEY", "REGEX"),
                        help="the run record has KEY and its JSON text matches REGEX")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        fail("no command given")

    start = time.monotonic()
    proc = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    sys.stdout.write(proc.stdout[-6000:])
    sys.stderr.write(proc.stderr[-3000:])
    print(f"[run_and_check] exit code {proc.returncode} after {elapsed:.1f} s")

    if proc.returncode != args.expect_rc:
        fail(f"exit code {proc.returncode}, expected {args.expect_rc}")
    if args.max_seconds is not None and elapsed > args.max_seconds:
        fail(f"took {elapsed:.1f} s, limit {args.max_seconds} s")
    for pattern in args.stdout_regex:
        if not re.search(pattern, proc.stdout, re.MULTILINE):
            fail(f"stdout does not match {pattern!r}")
    for pattern in args.stderr_regex:
        if not re.search(pattern, proc.stderr, re.MULTILINE):
            fail(f"stderr does not match {pattern!r}")
    for pattern, count in args.stdout_count:
        found = len(re.findall(pattern, proc.stdout, re.MULTILINE))
        if found != int(count):
            fail(f"stdout matches {pattern!r} {found} times, expected {count}")

    needs_json = (args.expect_wrong or args.expect_rows is not None or args.check_bus_factor or
                  args.run_field)
    if args.json and (needs_json or args.schema) and args.expect_rc in (0, 1):
        records = load_records(args.json)
        if args.schema:
            validate_schema(records, args.schema)
        results = [r for r in records if r.get("type") == "result"]
        if not records or records[0].get("type") != "run":
            fail("the first record is not the run record")
        for key, pattern in args.run_field:
            if key not in records[0]:
                fail(f"the run record has no {key!r}")
            text = json.dumps(records[0][key])
            if not re.search(pattern, text):
                fail(f"the run record's {key} {text} does not match {pattern!r}")
        if args.expect_rows is not None and len(results) != args.expect_rows:
            fail(f"{len(results)} result records, expected {args.expect_rows}")
        if needs_json and not results:
            fail("no result records")
        if args.expect_wrong == "zero":
            bad = [r for r in results if r["wrong"] != 0]
            if bad:
                r = bad[0]
                fail(f"{len(bad)} rows with wrong elements, first: {r['collective']} "
                     f"{r['bytes']} B {r['dtype']} inplace={r['inplace']} wrong={r['wrong']}")
        if args.expect_wrong == "positive" and not any(r["wrong"] > 0 for r in results):
            fail("expected wrong elements, found none")
        if args.check_bus_factor:
            for r in results:
                factor = BUS_FACTOR[r["collective"]](r["nranks"])
                if r["algbw_GBps"] > 0 and abs(r["busbw_GBps"] / r["algbw_GBps"] - factor) > 1e-9:
                    fail(f"busbw/algbw {r['busbw_GBps'] / r['algbw_GBps']} != {factor} "
                         f"for {r['collective']} at {r['nranks']} ranks")
                if r["time_us"] > 0 and abs(r["algbw_GBps"] - r["bytes"] / (r["time_us"] * 1e3)) > \
                        1e-9 * max(1.0, r["algbw_GBps"]):
                    fail(f"algbw is not bytes/time for {r['collective']} {r['bytes']} B")
        print(f"[run_and_check] {len(results)} result records checked")


if __name__ == "__main__":
    main()
