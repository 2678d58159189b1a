#!/usr/bin/env python3
"""Held-out check of the fitted model on this machine: fit on runs at 2 and 4 ranks, predict 3,
6 and 8 ranks, print the error against the measured runs. The goal is 15 % at 64 KiB and above.
Accuracy is a measurement, not a test condition (timings on a shared 2-core CI machine, with 6 and
8 ranks oversubscribed, swing by several times from run to run): the test asserts the mechanics --
every held-out rank count is predicted, with finite positive times -- and prints the errors, which
docs/model.md records.

Usage: heldout_test.py COLLBENCH WORKDIR LAUNCHER...
"""
import json
import os
import subprocess
import sys

collbench, work, launcher = sys.argv[1], sys.argv[2], sys.argv[3:]
os.makedirs(work, exist_ok=True)
runs = {}
for n in (2, 3, 4, 6, 8):
    path = os.path.join(work, f"run{n}.jsonl")
    cmd = launcher + ["-np", str(n), collbench, "run", "all_reduce", "all_to_all", "-b", "1K",
                      "-e", "4M", "-f", "4", "-n", "5", "-w", "2", "--repeat", "3", "-c", "0",
                      "--outofplace", "-J", path]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    runs[n] = path
fit = os.path.join(work, "fit.json")
subprocess.run([collbench, "model", "fit", runs[2], runs[4], "-o", fit], check=True)
report = os.path.join(work, "check.json")
out = subprocess.run([collbench, "model", "check", "--fit", fit, runs[3], runs[6], runs[8],
                      "--json", report], check=True, capture_output=True, text=True)
print(out.stdout)
summary = json.load(open(report))["summary"]
seen = {(s["collective"], s["nranks"]) for s in summary}
for collective in ("all_reduce", "all_to_all"):
    for n in (3, 6, 8):
        if (collective, n) not in seen:
            print(f"FAILED: no prediction for {collective} at {n} ranks")
            sys.exit(1)
rows = json.load(open(report))["rows"]
if not rows or any(not (r["predicted_us"] > 0 and r["predicted_us"] < float("inf")) for r in rows):
    print("FAILED: a prediction is not a finite positive time")
    sys.exit(1)
worst = max(s["median_abs_error"] for s in summary)
print(f"worst median error at >= 64 KiB: {100 * worst:.1f}% (goal 15%)")
