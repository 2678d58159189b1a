#!/usr/bin/env python3
"""`collbench validate` end to end on virtual nodes (--ranks-per-node 2) of one machine:

1. a clean run without a spec measures and passes (exit 0);
2. --make-spec derives a spec from it;
3. a clean run against that spec has no FAIL (no false alarm);
4. a rank slowed by a sleep in every operation (test-slow) and a rank that corrupts its output
   (test-corrupt) are each named with their node, and only that node FAILs (exit 1).

Every JSON Lines file is checked against the results schema.

Usage: validate_scenarios.py --np N --fault-rank R --workdir DIR --schema FILE -- launcher... collbench
"""
import argparse
import json
import os
import re
import subprocess
import sys

# The thresholds are a tenth of the clean medians: on 2 shared cores a clean probe can be several
# times slower than usual (once 12x), while a 20 ms sleep per operation makes 256 KiB probes
# 20-100x slower; two retries keep one busy moment from failing a probe.
MARGIN = "0.9"
COMMON = ["--ranks-per-node", "2", "--bytes", "256K", "-n", "5", "-w", "1", "--repeat", "3",
          "--retries", "2"]


def fail(message):
    print(f"CHECK FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def load(path, validator):
    records = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            record = json.loads(line)
            errors = list(validator.iter_errors(record))
            if errors:
                fail(f"{path}:{number} does not match the schema: {errors[0].message}")
            records.append(record)
    return records


def run(command, expect_rc):
    print("+ " + " ".join(command), flush=True)
    done = subprocess.run(command, capture_output=True, text=True, timeout=240)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    if done.returncode != expect_rc:
        fail(f"exit code {done.returncode}, expected {expect_rc}")
    return done.stdout


def overall(records):
    return {r["node"]: r["status"] for r in records
            if r["type"] == "verdict" and r["check"] == "overall"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--np", type=int, required=True)
    parser.add_argument("--fault-rank", type=int, required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    collbench = command[-1:]
    import jsonschema
    with open(args.schema, encoding="utf-8") as handle:
        validator = jsonschema.Draft202012Validator(json.load(handle))
    os.makedirs(args.workdir, exist_ok=True)
    path = lambda name: os.path.join(args.workdir, name)
    nodes = args.np // 2
    bad_node = args.fault_rank // 2

    # 1. Known-good run, no spec.
    for name in ("good.jsonl", "spec.json"):
        if os.path.exists(path(name)):
            os.remove(path(name))
    out = run(command + ["validate"] + COMMON + ["-J", path("good.jsonl")], 0)
    if "no spec: measuring and reporting only" not in out:
        fail("a run without spec should say it only measures")
    good = load(path("good.jsonl"), validator)
    names = overall(good)
    if len(names) != nodes or any(s != "PASS" for s in names.values()):
        fail(f"clean run without spec: expected {nodes} PASS nodes, got {names}")
    if not all(re.fullmatch(r".+/v[0-9]+", n) for n in names):
        fail(f"virtual nodes are named HOST/vN: {sorted(names)}")

    # 2. A spec from it.
    run(collbench + ["validate", "--make-spec", path("good.jsonl"), "-o", path("spec.json"),
                     "--margin", MARGIN, "--name", "ci"], 0)
    with open(path("spec.json"), encoding="utf-8") as handle:
        spec = json.load(handle)
    phases = {c["phase"] for c in spec["checks"]}
    if not {"node", "pair", "rail", "fleet"} <= phases:
        fail(f"the derived spec should judge every phase, has {sorted(phases)}")

    # 3. Clean against the spec: no false FAIL.
    run(command + ["validate", "--spec", path("spec.json")] + COMMON +
        ["-J", path("clean.jsonl")], 0)
    clean = load(path("clean.jsonl"), validator)
    failed = [r for r in clean if r["type"] == "verdict" and r["status"] == "FAIL"]
    if failed:
        fail(f"false FAIL on a clean run: {failed[0]}")

    # 4. Faults on one rank: its node, and only its node, FAILs.
    host = next(iter(names)).rsplit("/v", 1)[0]
    culprit = f"{host}/v{bad_node}"
    for backend in ("test-slow", "test-corrupt"):
        out = run(command + ["validate", "--spec", path("spec.json"), "--backend", backend,
                             "--fault-rank", str(args.fault_rank)] + COMMON +
                  ["-J", path(f"{backend}.jsonl")], 1)
        records = load(path(f"{backend}.jsonl"), validator)
        verdicts = overall(records)
        failing = sorted(n for n, s in verdicts.items() if s == "FAIL")
        if failing != [culprit]:
            fail(f"{backend} on rank {args.fault_rank}: expected only {culprit} to FAIL, got "
                 f"{verdicts}")
        if not re.search(rf"^\s+{re.escape(culprit)}\s+FAIL", out, re.M):
            fail(f"{backend}: the table should show {culprit} FAIL")
        # Rails name the device: the faulty rank's local index on its node.
        rail = f"rail {args.fault_rank % 2}"
        if not any(r["type"] == "verdict" and r["node"] == culprit and r.get("device") == rail
                   and r["status"] == "FAIL" for r in records):
            fail(f"{backend}: expected a FAIL verdict for {culprit} {rail}")
        bisected = [r for r in records if r["type"] == "verdict" and
                    r["check"].startswith("bisect")]
        if [r["node"] for r in bisected] != [culprit]:
            fail(f"{backend}: the fleet bisection should name {culprit} alone: {bisected}")
    # 5. The HTML report shows the verdicts: the culprit FAILs, the clean run passes.
    html = path("report.html")
    run(collbench + ["report", path("clean.jsonl"), path("test-slow.jsonl"), "-o", html], 0)
    with open(html, encoding="utf-8") as handle:
        page = handle.read()
    if "<h2>Validation</h2>" not in page:
        fail("the report has no validation section")
    if not re.search(rf"<td class=text>{re.escape(culprit)}</td><td class=\"text bad\">FAIL",
                     page):
        fail(f"the report should show {culprit} as FAIL")
    if f"all {nodes} nodes pass" not in page:
        fail("the report should show the clean run passing")
    print("validate scenarios: OK")


if __name__ == "__main__":
    main()
