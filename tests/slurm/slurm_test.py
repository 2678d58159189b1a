#!/usr/bin/env python3
"""collbench under a real one-host Slurm cluster (munge, slurmctld, slurmd from Debian).

Usage: slurm_test.py COLLBENCH SOURCE_DIR WORKDIR MPIEXEC
  1. `srun --mpi=pmix` (Open MPI here is built against PMIx; it has no PMI-2 client) runs
     collbench; its records have the format of an mpirun run of the same command, plus the
     Slurm fields (job id, step, node list, tasks).
     4 ranks oversubscribe a 2-CPU node (srun --overcommit, mpirun --oversubscribe).
  2. `sbatch --wait` of examples/slurm/run.sbatch and examples/slurm/validate-rack.sbatch, sized
     down for one node on the command line (Slurm refuses more tasks per node than CPUs even
     with --overcommit, so 2 ranks; validate makes each rank a virtual node).
Exit 0 pass, 1 fail, 77 skip (Slurm or munge not installed, or not root).
"""
import json
import os
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from slurm_cluster import NODE, SlurmCluster, Unavailable  # noqa: E402

COLLBENCH, SOURCE, WORKDIR, MPIEXEC = sys.argv[1:5]
SMALL = ["-b", "1K", "-e", "4K", "-n", "1", "-w", "0", "--repeat", "1", "--backend", "mpi"]


def fail(message, cluster=None):
    print("FAILED:", message)
    if cluster:
        print(cluster.logs())
    sys.exit(1)


def records(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def check_schema(path):
    import jsonschema
    with open(os.path.join(SOURCE, "results", "schema", "collbench-results.schema.json")) as f:
        validator = jsonschema.Draft202012Validator(json.load(f))
    for index, record in enumerate(records(path)):
        errors = list(validator.iter_errors(record))
        if errors:
            fail(f"{path} record {index}: {errors[0].message}")


def run(argv, env, cluster=None, timeout=240, cwd=None):
    print("$", " ".join(argv))
    try:
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout,
                              cwd=cwd or WORKDIR)
    except subprocess.TimeoutExpired:
        fail(f"{argv[0]} did not finish in {timeout} s", cluster)
    print(proc.stdout[-2500:], proc.stderr[-2500:], sep="\n")
    return proc


def check_slurm_fields(path, ntasks, cluster, job_id=None):
    run_record = records(path)[0]
    slurm = run_record.get("slurm")
    if not slurm:
        fail(f"{path}: the run record has no slurm fields", cluster)
    if not isinstance(slurm.get("job_id"), int) or slurm["job_id"] <= 0:
        fail(f"{path}: bad job id {slurm.get('job_id')}", cluster)
    if job_id is not None and slurm["job_id"] != job_id:
        fail(f"{path}: job id {slurm['job_id']}, sbatch said {job_id}", cluster)
    if not isinstance(slurm.get("step_id"), int):
        fail(f"{path}: no step id", cluster)
    if slurm.get("node_list") != NODE or slurm.get("step_node_list") != NODE:
        fail(f"{path}: node list {slurm.get('node_list')}, expected {NODE}", cluster)
    if slurm.get("step_ntasks") != ntasks or run_record["nranks"] != ntasks:
        fail(f"{path}: {slurm.get('step_ntasks')} tasks, {run_record['nranks']} ranks, "
             f"expected {ntasks}", cluster)
    return slurm


def same_format(reference, candidate, cluster):
    """The records of two runs of one command: same record types and fields, same rows."""
    ref, got = records(reference), records(candidate)
    ref_run, got_run = ref[0], got[0]
    if set(got_run) - {"slurm"} != set(ref_run):
        fail(f"run record fields differ: {sorted(set(got_run) ^ set(ref_run))}", cluster)
    if set(got_run["settings"]) != set(ref_run["settings"]):
        fail("settings differ", cluster)
    key = lambda r: (r["collective"], r["dtype"], r["bytes"], r["inplace"])  # noqa: E731
    ref_rows = {key(r): r for r in ref if r["type"] == "result"}
    got_rows = {key(r): r for r in got if r["type"] == "result"}
    if ref_rows.keys() != got_rows.keys():
        fail(f"result rows differ: {sorted(ref_rows.keys() ^ got_rows.keys())}", cluster)
    for k, r in got_rows.items():
        if set(r) != set(ref_rows[k]):
            fail(f"result fields differ for {k}: {sorted(set(r) ^ set(ref_rows[k]))}", cluster)
        if r["wrong"] != 0:
            fail(f"{k}: {r['wrong']} wrong elements under srun", cluster)


class Stopped(Exception):
    pass


def stop(signum, _frame):
    raise Stopped(f"signal {signum}")


def main():
    # Bounded: an alarm well inside ctest's TIMEOUT (600 s), and ctest's own SIGTERM, both unwind
    # through the cluster's __exit__, so no daemon outlives the test.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGALRM, stop)
    signal.alarm(480)
    os.makedirs(WORKDIR, exist_ok=True)
    launcher = [MPIEXEC, "--oversubscribe", "--mca", "btl", "self,vader", "-np", "4"]
    if os.geteuid() == 0:
        launcher.insert(1, "--allow-run-as-root")
    reference = os.path.join(WORKDIR, "mpirun.jsonl")
    command = ["run", "all_reduce", "all_to_all", *SMALL]
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    proc = run([*launcher, COLLBENCH, *command, "-J", reference], base_env)
    if proc.returncode != 0:
        fail("the mpirun reference run failed")
    try:
        cluster_cm = SlurmCluster()
        cluster = cluster_cm.__enter__()
    except Unavailable as why:
        print("SKIP:", why)
        sys.exit(77)
    try:
        # Loopback shared memory only, as the mpirun tests.
        env = dict(cluster.env, OMPI_MCA_btl="self,vader", COLLBENCH=COLLBENCH)
        mpi_list = run(["srun", "--mpi=list"], env, cluster)
        if "pmix" not in mpi_list.stdout + mpi_list.stderr:
            fail("this Slurm has no PMIx plugin, which Open MPI here needs", cluster)

        # 1. srun against mpirun.
        under_srun = os.path.join(WORKDIR, "srun.jsonl")
        proc = run(["srun", "--mpi=pmix", "-n", "4", "--overcommit", "--cpu-bind=cores", COLLBENCH,
                    *command, "-J", under_srun], env, cluster)
        if proc.returncode != 0:
            fail(f"srun exited {proc.returncode}", cluster)
        check_schema(under_srun)
        same_format(reference, under_srun, cluster)
        check_slurm_fields(under_srun, 4, cluster)
        if "slurm" in records(reference)[0]:
            fail("the mpirun run outside Slurm claims a Slurm job")

        # 2. The example batch scripts, as users submit them, sized for this node.
        out = os.path.join(WORKDIR, "sbatch-out")
        env_out = dict(env, COLLBENCH_OUT=out)
        size = ["--nodes=1", "--cpus-per-task=1", "--gpus-per-node=0", "--time=5"]
        proc = run(["sbatch", "--wait", "--parsable", *size, "--ntasks-per-node=2",
                    os.path.join(SOURCE, "examples", "slurm", "run.sbatch"), "all_reduce",
                    *SMALL], env_out, cluster)
        if proc.returncode != 0:
            fail(f"sbatch --wait run.sbatch exited {proc.returncode}", cluster)
        job = int(proc.stdout.strip().split(";")[0])
        result = os.path.join(out, f"run-{job}.jsonl")
        if not os.path.exists(result):
            fail(f"run.sbatch wrote no {result}", cluster)
        check_schema(result)
        check_slurm_fields(result, 2, cluster, job_id=job)
        job_log = open(os.path.join(WORKDIR, f"collbench-run-{job}.out")).read()
        if "lacks support" in job_log or "Avg bus bandwidth" not in job_log or \
                f"# Slurm: job {job} step 0 on {NODE}" not in job_log:
            fail(f"run.sbatch's output is not a clean run:\n{job_log[-2000:]}", cluster)

        proc = run(["sbatch", "--wait", "--parsable", *size, "--ntasks-per-node=2",
                    os.path.join(SOURCE, "examples", "slurm", "validate-rack.sbatch"),
                    "--ranks-per-node", "1", "--backend", "mpi", "-n", "2", "-w", "1", "--repeat",
                    "2", "--bytes", "8,256K"], env_out, cluster)
        if proc.returncode != 0:
            fail(f"sbatch --wait validate-rack.sbatch exited {proc.returncode}", cluster)
        job = int(proc.stdout.strip().split(";")[0])
        result = os.path.join(out, f"validate-{job}.jsonl")
        check_schema(result)
        check_slurm_fields(result, 2, cluster, job_id=job)
        nodes = {r["node"] for r in records(result)
                 if r["type"] == "verdict" and r["check"] == "overall"}
        if len(nodes) != 2:
            fail(f"validate-rack.sbatch judged nodes {nodes}, expected 2 virtual nodes", cluster)
    finally:
        cluster_cm.__exit__(None, None, None)
    print("OK slurm")


main()
