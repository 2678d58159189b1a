#!/usr/bin/env python3
"""Runs a collbench command and checks its exit code and output, skipping (exit 77) when the
machine cannot say anything about the case:
  --needs-gpu     the machine has no NVIDIA GPU (asked of the kernel: /proc/driver/nvidia/gpus,
                  else PCI vendor 0x10de display/3D functions in /sys): skip. With a GPU present
                  the test runs, so a CUDA error (driver too old, not loaded) fails it.
  --needs-gpus N  as --needs-gpu, and skip when CUDA sees fewer than N devices (collbench's own
                  "-t x -g asks for N GPUs ... sees M" refusal): never faked with fewer GPUs.
  --needs-no-gpu  the machine has an NVIDIA GPU, or the run got past device discovery: skip (a
                  CPU-only test on a GPU machine)
"""
import argparse
import glob
import os
import re
import subprocess
import sys

SKIP = 77
NO_DEVICE = "no CUDA device visible"
TOO_FEW = re.compile(r"asks for (\d+) GPUs per process but .* sees (\d+)")


def nvidia_gpus_present():
    """NVIDIA GPUs the kernel knows of, whatever CUDA says (collectives/cuda/nvidia_hardware.hpp)."""
    gpus = glob.glob("/proc/driver/nvidia/gpus/*")
    if gpus:
        return len(gpus)
    count = 0
    for device in glob.glob("/sys/bus/pci/devices/*"):
        try:
            with open(os.path.join(device, "vendor")) as v, open(os.path.join(device, "class")) as c:
                if v.read().strip() == "0x10de" and c.read().strip().startswith("0x03"):
                    count += 1
        except OSError:
            pass
    return count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--expect-rc", type=int, required=True)
    parser.add_argument("--stdout-regex")
    parser.add_argument("--stderr-regex")
    parser.add_argument("--needs-gpu", action="store_true")
    parser.add_argument("--needs-gpus", type=int, default=0)
    parser.add_argument("--needs-no-gpu", action="store_true")
    parser.add_argument("--timeout", type=float, default=240)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if (args.needs_gpu or args.needs_gpus) and nvidia_gpus_present() == 0:
        print("skipped: no NVIDIA GPU on this machine")
        return SKIP
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    no_device = NO_DEVICE in done.stderr
    too_few = TOO_FEW.search(done.stderr)
    if args.needs_gpus and too_few and int(too_few.group(2)) < args.needs_gpus:
        print(f"skipped: needs {args.needs_gpus} GPUs, CUDA sees {too_few.group(2)}")
        return SKIP
    if args.needs_no_gpu and (nvidia_gpus_present() > 0 or (not no_device and done.returncode != 2)):
        print("skipped: this machine has a GPU")
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
