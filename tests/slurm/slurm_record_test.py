#!/usr/bin/env python3
"""The run record's `slurm` object from SLURM_* variables, without a cluster: well-formed values
are recorded with their types, malformed ones (not decimal, out of range, control characters,
too long) are left out, no job id means no object, and every record passes the schema.

Usage: slurm_record_test.py COLLBENCH SOURCE_DIR WORKDIR
"""
import json
import os
import shutil
import subprocess
import sys

import jsonschema

COLLBENCH, SOURCE, WORKDIR = sys.argv[1:4]
shutil.rmtree(WORKDIR, ignore_errors=True)
os.makedirs(WORKDIR)
with open(os.path.join(SOURCE, "results", "schema", "collbench-results.schema.json")) as handle:
    VALIDATOR = jsonschema.Draft202012Validator(json.load(handle))


def fail(message):
    print("FAILED:", message)
    sys.exit(1)


def slurm_of(name, variables):
    out = os.path.join(WORKDIR, name + ".jsonl")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    env.update(variables)
    proc = subprocess.run([COLLBENCH, "run", "all_reduce", "-b", "8", "-e", "8", "-n", "1", "-w",
                           "0", "--repeat", "1", "-J", out], env=env, capture_output=True,
                          text=True, timeout=120)
    if proc.returncode != 0:
        fail(f"{name}: collbench exited {proc.returncode}: {proc.stderr}")
    record = json.loads(open(out).readline())
    errors = list(VALIDATOR.iter_errors(record))
    if errors:
        fail(f"{name}: the run record does not match the schema: {errors[0].message}")
    return record.get("slurm")


got = slurm_of("job", {"SLURM_JOB_ID": "4242", "SLURM_STEP_ID": "7", "SLURM_JOB_NODELIST":
                       "gpu[001-016]", "SLURM_STEP_NODELIST": "gpu[001-002]",
                       "SLURM_JOB_NUM_NODES": "16", "SLURM_NTASKS": "128",
                       "SLURM_STEP_NUM_TASKS": "16", "SLURM_JOB_NAME": "nightly \"rack\" 3",
                       "SLURM_JOB_PARTITION": "h100", "SLURM_CLUSTER_NAME": "west"})
want = {"job_id": 4242, "step_id": 7, "node_list": "gpu[001-016]", "step_node_list": "gpu[001-002]",
        "nnodes": 16, "ntasks": 128, "step_ntasks": 16, "job_name": "nightly \"rack\" 3",
        "partition": "h100", "cluster": "west"}
if got != want:
    fail(f"slurm object {got}, expected {want}")

# Older spellings are read when the new ones are absent.
got = slurm_of("old_names", {"SLURM_JOBID": "5", "SLURM_NODELIST": "n1", "SLURM_NPROCS": "2"})
if got != {"job_id": 5, "node_list": "n1", "ntasks": 2}:
    fail(f"older variable names: {got}")

hostile = {"SLURM_JOB_ID": "4242", "SLURM_STEP_ID": "-1", "SLURM_NTASKS": "12x",
           "SLURM_JOB_NUM_NODES": "99999999999999999999", "SLURM_JOB_NAME": "a\nb",
           "SLURM_JOB_NODELIST": "n" * 5000, "SLURM_JOB_PARTITION": "", "SLURM_CLUSTER_NAME": "\x1b[31m"}
got = slurm_of("hostile", hostile)
if got != {"job_id": 4242}:
    fail(f"malformed values were recorded: {got}")
for bad in ("", "12a", "0x10", " 3", "1e3"):
    if slurm_of("bad_id", {"SLURM_JOB_ID": bad, "SLURM_JOB_NODELIST": "n1"}) is not None:
        fail(f"job id {bad!r} made a slurm object")
if slurm_of("outside", {}) is not None:
    fail("a run outside Slurm has a slurm object")
print("OK slurm record")
