#!/usr/bin/env python3
"""Rank 0's own work per measured step must not grow with ranks (docs/scale.md): Open MPI's pml
monitoring counts the harness's point-to-point messages to and from rank 0 at 4, 8 and 16 ranks;
per step (difference between 11 samples and 1) they must be the same few messages to at most 2
peers (the tree sync's children), whatever the rank count.

Usage: rank0_traffic_test.py COLLBENCH SOURCE_DIR
Exit 0 pass, 1 fail, 77 skip (an MPI without Open MPI's pml monitoring).
"""
import os
import subprocess
import sys

COLLBENCH, SOURCE = sys.argv[1:3]
sys.path.insert(0, os.path.join(SOURCE, "bench"))
import startup_scale  # noqa: E402

info = subprocess.run(["ompi_info", "--param", "pml", "monitoring"], capture_output=True,
                      text=True)
if info.returncode != 0 or "monitoring" not in info.stdout:
    print("SKIP: this MPI has no pml monitoring component to count messages with")
    sys.exit(77)

per_step = {}
for n in (4, 8, 16):
    one, _ = startup_scale.rank0_traffic(n, 1, COLLBENCH)
    many, peers = startup_scale.rank0_traffic(n, 11, COLLBENCH)
    per_step[n] = ((many - one) / 10 / 2, peers)  # 2 placements per sample count
    print(f"{n} ranks: rank 0 sends and receives {per_step[n][0]} harness messages per step, "
          f"{peers} peers")
if len({v for v in per_step.values()}) != 1:
    print(f"FAILED: rank 0's per-step traffic changes with ranks: {per_step}")
    sys.exit(1)
messages, peers = per_step[4]
if messages <= 0 or messages > 8 or peers > 2:
    print(f"FAILED: expected at most 8 messages with at most 2 peers per step, got {per_step[4]}")
    sys.exit(1)
print("OK rank 0 traffic is constant per step")
