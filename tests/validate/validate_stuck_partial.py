#!/usr/bin/env python3
"""A node that hangs after the node phase costs only the step it hangs in: `collbench validate -J
FILE` ends with exit 3 naming the stuck rank, FILE.partial holds the run record and the node
phase's probes and FAIL verdicts of every node (written as that step ended), and an older FILE is
left as it was.

Usage: validate_stuck_partial.py --workdir DIR --stuck-rank R --nodes N -- launcher... collbench
"""
import argparse
import json
import os
import re
import subprocess
import sys


def fail(message):
    print(f"CHECK FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--stuck-rank", type=int, required=True)
    parser.add_argument("--nodes", type=int, required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    os.makedirs(args.workdir, exist_ok=True)
    out = os.path.join(args.workdir, "stuck.jsonl")
    old = '{"type": "an older result that must survive"}\n'
    with open(out, "w", encoding="utf-8") as handle:
        handle.write(old)
    if os.path.exists(out + ".partial"):
        os.remove(out + ".partial")
    # A spec no node can meet, so the node phase settles FAIL verdicts before the hang.
    spec = os.path.join(args.workdir, "unreachable.json")
    with open(spec, "w", encoding="utf-8") as handle:
        json.dump({"collbench_spec": 1, "name": "unreachable", "checks": [
            {"phase": "node", "test": "all_reduce", "bytes": 4096, "min_GBps": 1e6},
            {"phase": "pair", "test": "all_reduce", "bytes": 4096, "min_GBps": 1e6}]}, handle)
    # The stalling rank hangs only in groups of 4 ranks or more: the pairs, after the node phase.
    env = dict(os.environ, COLLBENCH_TEST_STALL_MIN_RANKS="4")
    done = subprocess.run(command + ["validate", "--ranks-per-node", "2", "--spec", spec, "-n", "2",
                                     "-w", "1", "--repeat", "2", "--backend", "test-stall",
                                     "--fault-rank", str(args.stuck_rank), "-T", "5", "-J", out],
                          capture_output=True, text=True, timeout=120, env=env)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    if done.returncode != 3:
        fail(f"exit code {done.returncode}, expected 3")
    if not re.search(rf"ranks that never arrived: .*{args.stuck_rank} \(", done.stderr):
        fail("the stuck rank should be named")
    if not re.search(r"^# progress .*node phase: .* nodes measured", done.stdout, re.M):
        fail("the node phase's progress line should be printed before the hang")
    with open(out, encoding="utf-8") as handle:
        if handle.read() != old:
            fail(f"{out} was changed by a run that did not finish")
    with open(out + ".partial", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    if not records or records[0].get("type") != "run":
        fail("the partial file should start with the run record")
    measured = {tuple(r["nodes"]) for r in records
                if r.get("type") == "probe" and r.get("phase") == "node"}
    if len(measured) != args.nodes:
        fail(f"the partial file should hold the node phase of all {args.nodes} nodes: {measured}")
    # The node phase's verdicts are settled when it ends: written before the hang, not lost with it.
    failed = {r["node"] for r in records if r.get("type") == "verdict" and r.get("phase") == "node"
              and r.get("status") == "FAIL"}
    if len(failed) != args.nodes:
        fail(f"the partial file should hold the node phase's FAIL verdicts of all {args.nodes} "
             f"nodes: {sorted(failed)}")
    if any(r.get("type") == "verdict" and r.get("phase") == "pair" for r in records):
        fail("no pair verdict can be settled before the pair phase finishes")
    print(f"stuck after the node phase: exit 3, {len(records)} records kept in {out}.partial, "
          f"{out} unchanged")


if __name__ == "__main__":
    main()
