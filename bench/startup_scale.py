#!/usr/bin/env python3
"""How collbench's start-up and its own per-step work grow with ranks (docs/scale.md).

Usage: bench/startup_scale.py BUILD_DIR [RANKS...]   (default 1 2 4 8 16 32 64; run it niced)

For each rank count, on this machine (oversubscribed beyond its cores):
  bare_s     wall time of mpirun + a bare MPI program (init, one 8 B MPI_Allreduce, finalize):
             the launcher's and MPI's floor
  init_s     wall time of `collbench run` with one sample, minus bare_s: collbench's own
             start-up (host names, topology and binding, backend, run record, output)
  step_ms    wall time per measured step (barrier, one 8 B MPI_Allreduce, the result sync):
             (time with K samples - time with 1) / (K - 1) / 2 placements, K grown until the
             difference is at least 3 s, so launch noise is small against it
  r0_msgs    point-to-point messages rank 0's harness sends and receives per step, counted by
             Open MPI's pml monitoring (its "external" traffic; the collective under test is
             "internal" and not counted), and r0_peers: how many ranks it talks to
"""
import glob
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = sys.argv[1] if __name__ == "__main__" else ""
COLLBENCH = os.path.join(BUILD, "collbench")
BARE = os.path.join(BUILD, "bench", "bare_mpi_allreduce")


def launcher(n, extra=()):
    cmd = ["mpirun", "--oversubscribe", "--mca", "btl", "self,vader", *extra, "-np", str(n)]
    if os.geteuid() == 0:
        cmd.insert(1, "--allow-run-as-root")
    return cmd


def wall(cmd):
    start = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=600)
    return time.monotonic() - start


def collbench(n, repeat, extra=(), binary=None):
    # Exactly `repeat` samples: adaptive sampling (--max-repeat) would add samples to rows that
    # an oversubscribed machine makes unstable, and the per-step count needs a known number.
    return launcher(n, extra) + [binary or COLLBENCH, "run", "all_reduce", "-b", "8", "-e", "8", "-n", "1",
                                 "-w", "0", "-c", "0", "--repeat", str(repeat),
                                 "--max-repeat", str(repeat)]


def rank0_traffic(n, repeat, binary=None):
    """(messages rank 0 sends + receives, its peers) in the harness's own point-to-point."""
    with tempfile.TemporaryDirectory() as tmp:
        prefix = os.path.join(tmp, "prof")
        subprocess.run(collbench(n, repeat, ["--mca", "pml_monitoring_enable", "2",
                                             "--mca", "pml_monitoring_enable_output", "3",
                                             "--mca", "pml_monitoring_filename", prefix],
                                 binary),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=600)
        messages, peers = 0, set()
        for path in glob.glob(prefix + ".*.prof"):
            for line in open(path):
                m = re.match(r"E\t(\d+)\t(\d+)\t\d+ bytes\t(\d+) msgs sent", line)
                if m and "0" in (m.group(1), m.group(2)):
                    src, dst, count = int(m.group(1)), int(m.group(2)), int(m.group(3))
                    if src == 0 or dst == 0:
                        messages += count
                        peers.add(dst if src == 0 else src)
        return messages, len(peers)


def main():
    print(f"{'ranks':>5} {'bare_s':>8} {'init_s':>8} {'step_ms':>8} {'samples':>8} {'r0_msgs':>8} "
          f"{'r0_peers':>8}")
    for n in [int(r) for r in sys.argv[2:]] or [1, 2, 4, 8, 16, 32, 64]:
        bare = statistics.median(wall(launcher(n) + [BARE, "8", "1", "0"]) for _ in range(3))
        one = statistics.median(wall(collbench(n, 1)) for _ in range(3))
        samples = 51
        while True:
            many = statistics.median(wall(collbench(n, samples)) for _ in range(3))
            if many - one >= 3 or samples >= 20000:
                break
            samples = min(20000, int(samples * max(2.0, 4.0 / max(many - one, 0.05))))
        step = (many - one) / (samples - 1) / 2
        m1, _ = rank0_traffic(n, 1)
        m2, peers = rank0_traffic(n, 51)
        per_step = (m2 - m1) / 50 / 2
        print(f"{n:5d} {bare:8.2f} {one - bare:8.2f} {step * 1e3:8.3f} {samples:8d} {per_step:8.1f} "
              f"{peers:8d}",
              flush=True)


if __name__ == "__main__":
    main()
