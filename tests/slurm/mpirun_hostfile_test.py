#!/usr/bin/env python3
"""examples/mpirun/{run,validate}-hostfile.sh for real on a hostfile naming this machine, and
their answers to bad input.

Usage: mpirun_hostfile_test.py COLLBENCH SOURCE_DIR WORKDIR
"""
import json
import os
import shutil
import subprocess
import sys

COLLBENCH, SOURCE, WORKDIR = sys.argv[1:4]
SMALL = ["-n", "1", "-w", "0", "--repeat", "1", "--backend", "mpi"]


def fail(message):
    print("FAILED:", message)
    sys.exit(1)


def script(name, *args, env_extra=None, expect=0):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    env.update({"COLLBENCH": COLLBENCH, "GPUS_PER_NODE": "2",
                # One host: more ranks than cores is fine here, and only shared memory.
                "MPIRUN_ARGS": "--oversubscribe --mca btl self,vader"})
    env.update(env_extra or {})
    argv = [os.path.join(SOURCE, "examples", "mpirun", name), *args]
    print("$", " ".join(argv))
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=240, cwd=WORKDIR)
    print(proc.stdout[-2000:], proc.stderr[-2000:], sep="\n")
    if proc.returncode != expect:
        fail(f"{name} exited {proc.returncode}, expected {expect}")
    return proc


def records(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


shutil.rmtree(WORKDIR, ignore_errors=True)
os.makedirs(WORKDIR)
hostfile = os.path.join(WORKDIR, "hosts.txt")
with open(hostfile, "w", encoding="utf-8") as handle:
    handle.write("# this machine only\nlocalhost slots=2\n")

out = os.path.join(WORKDIR, "run")
script("run-hostfile.sh", hostfile, "all_reduce", "-b", "1K", "-e", "4K", *SMALL,
       env_extra={"COLLBENCH_OUT": out})
run = records(os.path.join(out, "run.jsonl"))
if run[0]["nranks"] != 2 or not any(r["type"] == "result" for r in run):
    fail("run-hostfile.sh did not run 2 ranks (GPUS_PER_NODE x nodes of the hostfile)")
if "slurm" in run[0]:
    fail("a run outside Slurm claims a Slurm job")

out = os.path.join(WORKDIR, "validate")
script("validate-hostfile.sh", hostfile, "--ranks-per-node", "1", "--bytes", "8,256K", *SMALL,
       env_extra={"COLLBENCH_OUT": out})
nodes = {r["node"] for r in records(os.path.join(out, "validate.jsonl"))
         if r["type"] == "verdict" and r["check"] == "overall"}
if len(nodes) != 2:
    fail(f"validate-hostfile.sh judged {nodes}, expected 2 virtual nodes")

for name in ("run-hostfile.sh", "validate-hostfile.sh"):
    p = script(name, os.path.join(WORKDIR, "absent.txt"), expect=2)
    if "usage" not in p.stderr:
        fail(f"{name}: a missing hostfile is not a usage error")
    p = script(name, hostfile, env_extra={"GPUS_PER_NODE": "eight"}, expect=2)
    if "GPUS_PER_NODE" not in p.stderr:
        fail(f"{name}: a bad GPUS_PER_NODE is not named")
print("OK mpirun hostfile")
