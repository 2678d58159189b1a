#!/usr/bin/env python3
"""scripts/gpu-results-md.py, the GPU check's markdown record, on a fake check directory: the
versions, every step's outcome, the copy rows, every collective and size per backend, the peer
kernels' ratio and the graph latency are in it; a check whose GPU steps failed still gives a record that says so.

Usage: gpu_results_md_test.py SCRIPT WORK_DIR"""
import json
import pathlib
import shutil
import subprocess
import sys


def fail(message):
    print(f"CHECK FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def run_record(command):
    return {"type": "run", "schema_version": 1, "collbench_version": "0.1.0",
            "git_revision": "abc1234", "timestamp": "2026-12-01T10:00:00Z",
            "command_line": command, "cuda_driver": "13.0", "cuda_runtime": "13.0",
            "nccl_version": "2.28.9", "gpus": [{"rank": 0, "name": "NVIDIA H200"}]}


def result(collective, size, inplace, time_us, busbw, wrong=0):
    return {"type": "result", "schema_version": 1, "collective": collective, "backend": "nccl",
            "dtype": "float", "redop": "sum", "nranks": 1, "bytes": size, "inplace": inplace,
            "time_us": time_us, "algbw_GBps": busbw, "busbw_GBps": busbw, "wrong": wrong}


def make(script, work, output):
    done = subprocess.run([sys.executable, script, str(work), str(output)], text=True,
                          capture_output=True)
    if done.returncode != 0:
        fail(f"exit {done.returncode}: {done.stderr}")
    return output.read_text()


def main():
    script, base = sys.argv[1], pathlib.Path(sys.argv[2])
    shutil.rmtree(base, ignore_errors=True)
    work = base / "check"
    work.mkdir(parents=True)
    (work / "gpu.txt").write_text("NVIDIA H200, 580.159.04, 9.0\n")
    (work / "steps.tsv").write_text("machine\tok\t1\nbuild\tok\t95\n"
                                    "sweep-custom\tskipped: needs MPI\t0\n")
    jsonl(work / "copy.jsonl", [
        {"type": "copy", "device": 0, "test": "d2d", "engine": "copy engine", "host_memory": "-",
         "bytes": 256 << 20, "time_us": 125.0, "GBps": 2147.5, "traffic_GBps": 4295.0,
         "efficiency": 1.0, "wrong": 0},
        {"type": "copy", "device": 0, "test": "h2d", "engine": "copy engine",
         "host_memory": "node 0 (near)", "bytes": 256 << 20, "time_us": 5000.0, "GBps": 53.7,
         "traffic_GBps": 53.7, "efficiency": 0.0125, "wrong": 0},
        {"type": "copy", "device": 0, "test": "reduce", "engine": "float", "host_memory": "-",
         "bytes": 256 << 20, "time_us": 190.0, "GBps": 1400.0, "traffic_GBps": 4200.0,
         "efficiency": 0.98, "wrong": 0},
        {"type": "copy", "device": 0, "test": "reduce", "engine": "bfloat16", "host_memory": "-",
         "bytes": 256 << 20, "time_us": 250.0, "GBps": 1070.0, "traffic_GBps": 3200.0,
         "efficiency": 0.75, "wrong": 0}])
    sweep = [run_record("collbench run all --backend nccl -g 1 -b 8 -e 256M")]
    for collective in ("all_reduce", "all_to_all", "sendrecv"):
        for size in (8, 1024, 256 << 20):
            sweep.append(result(collective, size, False, 10.0, 1.5))
            sweep.append(result(collective, size, True, 11.0, 1.4))
    jsonl(work / "run-nccl.jsonl", sweep)
    (work / "peer-allreduce.log").write_text(
        "two_shot all_reduce float sum, 2 ranks on GPU 0, 268435456 B: 420.0 us, algbw 639.1 "
        "GB/s, busbw 639.1 GB/s\ndevice-memory traffic 3514.0 GB/s; d2d copy engine 4300.0 GB/s; "
        "ratio 0.82 (target >= 0.80)\n")
    jsonl(work / "latency.jsonl", [run_record("x"), result("all_reduce", 8, False, 10.0, 0)])
    jsonl(work / "latency-graph.jsonl", [run_record("x"), result("all_reduce", 8, False, 6.0, 0)])

    text = make(script, work, base / "out" / "nvidia-h200.md")
    expected = [
        "NVIDIA H200, 580.159.04, 9.0",
        "CUDA driver 13.0, runtime 13.0; NCCL 2.28.9",
        "| build | ok | 95 |",
        "| sweep-custom | skipped: needs MPI | 0 |",
        "| 0 | d2d | copy engine | - | 256 MiB | 125.0 | 2147.5 | 4295.0 | 1.000 | 0 |",
        "| 0 | h2d | copy engine | node 0 (near) | 256 MiB |",
        "reduce kernels at >= 0.90 of the d2d copy: 1/2 datatypes; below: bfloat16 0.75",
        "### nccl",
        "`collbench run all --backend nccl -g 1 -b 8 -e 256M`",
        "| sendrecv | 256 MiB | in-place | 11.00 | 1.40 | 1.40 | 0 |",
        "| all_to_all | 1 KiB | out-of-place | 10.00 |",
        "| all_reduce | 8 B | out-of-place |",
        "18 rows, 0 wrong elements.",
        "two_shot all_reduce float sum, 2 ranks on GPU 0, 268435456 B: 420.0 us",
        "ratio 0.82 (target >= 0.80)",
        "| without a CUDA graph | 10.00 |",
        "| with `-G 10` | 6.00 |",
        "The graph is 40% faster (target: at least 30%: met).",
    ]
    for line in expected:
        if line not in text:
            fail(f"missing {line!r} in:\n{text}")

    # The GPU steps failed: no measurements, yet a record that says what is missing.
    for name in ("copy.jsonl", "run-nccl.jsonl", "peer-allreduce.log", "latency.jsonl",
                 "latency-graph.jsonl"):
        (work / name).unlink()
    text = make(script, work, base / "out" / "failed.md")
    for line in ("No copy baselines (the step failed or did not run).",
                 "No collective sweeps (the steps failed or did not run).",
                 "Not measured (bench_peer_allreduce", "Not measured (without graph",
                 "| build | ok | 95 |"):
        if line not in text:
            fail(f"missing {line!r} in the record of a failed check:\n{text}")
    done = subprocess.run([sys.executable, script, str(base / "none"), str(base / "x.md")],
                          text=True, capture_output=True)
    if done.returncode != 2 or len(done.stderr.splitlines()) != 1:
        fail(f"a missing directory: exit {done.returncode}, stderr {done.stderr!r}")
    print("gpu-results-md: complete and failed checks recorded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
