#!/usr/bin/env python3
"""Runs a collbench command and checks its exit code and output, skipping (exit 77) when the
machine cannot say anything about the case:
  --needs-gpu     the run reports "no CUDA device visible": skip (a GPU-only test on a CPU machine)
  --needs-no-gpu  the run got past device discovery: skip (a CPU-only test on a GPU machine)
"""
import argparse
import re
import subprocess
import sys

SKIP = 77
NO_DEVICE = "no CUDA device visible"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--expect-rc", type=int, required=True)
    parser.add_argument("--stdout-regex")
    parser.add_argument("--stderr-regex")
    parser.add_argument("--needs-gpu", action="store_true")
    parser.add_argument("--needs-no-gpu", action="store_true")
    parser.add_argument("--timeout", type=float, default=240)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    no_device = NO_DEVICE in done.stderr
    if args.needs_gpu and no_device:
        print("skipped: " + NO_DEVICE)
        return SKIP
    if args.needs_no_gpu and not no_device and done.returncode != 2:
        print("skipped: a CUDA device is visible")
        return SKIP
    failures = []
    if done.returncode != args.expect_rc:
        failures.append(f"exit code {done.returncode}, expected {args.expect_rc}")
    if args.stdout_regex and not re.search(args.stdout_regex, done.stdout, re.M):
        failures.append(f"stdout does not match {args.stdout_regex!r}")
    if args.stderr_regex and not re.search(args.stderr_regex, done.stderr, re.M):
        failures.append(f"stderr does not match {args.stderr_regex!r}")
    for failure in failures:
        print("FAIL: " + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
