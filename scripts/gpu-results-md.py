#!/usr/bin/env python3
"""Writes the markdown record of one GPU check (scripts/gpu-check.sh): the GPU, driver, CUDA and
NCCL versions; every step's outcome; the copy baselines; every collective and size measured per
backend; the peer kernels against the copy engine; all_reduce at 8 B with and without a CUDA graph. Missing inputs (a step that failed)
become a line saying so, never an error: the record of a half-failed check is still worth keeping.

Usage: gpu-results-md.py WORK_DIR OUTPUT.md
WORK_DIR holds what gpu-check.sh wrote: steps.tsv (step, outcome, seconds), gpu.txt (nvidia-smi's
name, driver, compute capability), copy.jsonl, run-<backend>.jsonl, peer-allreduce.log,
latency.jsonl and latency-graph.jsonl."""
import json
import pathlib
import sys


def records(path, kind):
    """The records of one type from a JSON Lines file; [] when it is missing or unreadable."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and record.get("type") == kind:
            out.append(record)
    return out


def size_text(n):
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} B"


def number(value, digits=2):
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) else "-"


def header(work):
    lines = []
    gpu = (work / "gpu.txt").read_text().strip() if (work / "gpu.txt").exists() else ""
    run = next((r for name in sorted(work.glob("run-*.jsonl")) for r in records(name, "run")), {})
    lines.append(f"- GPU (nvidia-smi: name, driver, compute capability): {gpu or 'not read'}")
    gpus = sorted({g.get("name", "?") for g in run.get("gpus", []) if isinstance(g, dict)})
    lines.append(f"- GPUs in the run record: {', '.join(gpus) or 'no run record'}")
    lines.append(f"- CUDA driver {run.get('cuda_driver', '?')}, runtime {run.get('cuda_runtime', '?')}; "
                 f"NCCL {run.get('nccl_version', '?')}; collbench {run.get('collbench_version', '?')} "
                 f"({run.get('git_revision', '?')}); started {run.get('timestamp', '?')}")
    return lines


def steps_table(work):
    path = work / "steps.tsv"
    if not path.exists():
        return ["No step outcomes recorded."]
    lines = ["| step | outcome | seconds |", "| --- | --- | ---: |"]
    for row in path.read_text().splitlines():
        parts = row.split("\t")
        if len(parts) == 3:
            lines.append(f"| {parts[0]} | {parts[1]} | {parts[2]} |")
    return lines


def copy_table(work):
    rows = records(work / "copy.jsonl", "copy")
    if not rows:
        return ["No copy baselines (the step failed or did not run)."]
    lines = ["| device | test | engine | host memory | bytes | time (us) | GB/s | traffic GB/s | "
             "efficiency | #wrong |", "| ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r.get('device', '?')} | {r.get('test', '?')} | {r.get('engine', '?')} | "
                     f"{r.get('host_memory', '?')} | {size_text(r.get('bytes', 0))} | "
                     f"{number(r.get('time_us'), 1)} | {number(r.get('GBps'), 1)} | "
                     f"{number(r.get('traffic_GBps'), 1)} | {number(r.get('efficiency'), 3)} | "
                     f"{r.get('wrong', '?')} |")
    # The kernels' target: the verify and reduce kernels move device memory at >= 90% of the d2d
    # copy engine's traffic (efficiency 0.90) at this size.
    for test in ("verify", "reduce"):
        kernels = [r for r in rows if r.get("test") == test and
                   isinstance(r.get("efficiency"), (int, float))]
        if not kernels:
            continue
        below = [f"{r.get('engine', '?')} {r['efficiency']:.2f}" for r in kernels
                 if r["efficiency"] < 0.9]
        lines += ["", f"{test} kernels at >= 0.90 of the d2d copy: "
                  f"{len(kernels) - len(below)}/{len(kernels)} datatypes"
                  + (f"; below: {', '.join(below)}" if below else "")]
    return lines


def collective_tables(work):
    lines = []
    files = sorted(work.glob("run-*.jsonl"))
    if not files:
        return ["No collective sweeps (the steps failed or did not run).", ""]
    for path in files:
        backend = path.stem[len("run-"):]
        results = records(path, "result")
        lines.append(f"### {backend}")
        lines.append("")
        if not results:
            lines += [f"No results in {path.name} (the step failed or did not run).", ""]
            continue
        run = next(iter(records(path, "run")), {})
        lines.append(f"`{run.get('command_line', '?')}`, "
                     f"{results[0].get('nranks', '?')} rank(s), {results[0].get('dtype', '?')} "
                     f"{results[0].get('redop', '?')}; time is the median sample")
        lines.append("")
        lines.append("| collective | bytes | placement | time (us) | algbw GB/s | busbw GB/s | #wrong |")
        lines.append("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
        for r in results:
            placement = "in-place" if r.get("inplace") else "out-of-place"
            lines.append(f"| {r.get('collective', '?')} | {size_text(r.get('bytes', 0))} | {placement} | "
                         f"{number(r.get('time_us'))} | {number(r.get('algbw_GBps'))} | "
                         f"{number(r.get('busbw_GBps'))} | {r.get('wrong', '?')} |")
        wrong = sum(max(r.get("wrong", 0), 0) for r in results if isinstance(r.get("wrong"), int))
        lines += ["", f"{len(results)} rows, {wrong} wrong elements.", ""]
    return lines


def peer_kernels(work):
    """bench_peer_allreduce's two result lines, as it printed them."""
    try:
        lines = (work / "peer-allreduce.log").read_text(errors="replace").splitlines()
    except OSError:
        lines = []
    found = [l for l in lines if l.startswith(("two_shot", "device-memory traffic"))]
    if not found:
        return ["Not measured (bench_peer_allreduce did not run or printed no result)."]
    return ["`bench/bench_peer_allreduce --ranks 2 --bytes 268435456 --iters 20` (two ranks in one "
            "process on one GPU; docs/performance.md):", "", "```"] + found + ["```"]


def latency(work):
    def time_of(name):
        rows = [r for r in records(work / name, "result") if not r.get("inplace")]
        return rows[0].get("time_us") if rows else None
    plain, graph = time_of("latency.jsonl"), time_of("latency-graph.jsonl")
    if not isinstance(plain, (int, float)) or not isinstance(graph, (int, float)) or plain <= 0:
        return [f"Not measured (without graph: {number(plain)} us, with -G 10: {number(graph)} us)."]
    gain = 1 - graph / plain
    return ["| all_reduce 8 B, out of place | time (us) |", "| --- | ---: |",
            f"| without a CUDA graph | {plain:.2f} |", f"| with `-G 10` | {graph:.2f} |", "",
            f"The graph is {100 * gain:.0f}% faster (target: at least 30%: "
            f"{'met' if gain >= 0.3 else 'NOT met'})."]


def main():
    if len(sys.argv) != 3:
        print("usage: gpu-results-md.py WORK_DIR OUTPUT.md", file=sys.stderr)
        return 2
    work, output = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    if not work.is_dir():
        print(f"gpu-results-md: {work}: not a directory", file=sys.stderr)
        return 2
    text = ["# collbench GPU check", "", "Written by `scripts/gpu-check.sh` on the GPU machine.", ""]
    text += header(work) + ["", "## Steps", ""] + steps_table(work)
    text += ["", "## Copy baselines", ""] + copy_table(work)
    text += ["", "## Collectives", ""] + collective_tables(work)
    text += ["## Peer kernels against the copy engine", ""] + peer_kernels(work) + [""]
    text += ["## Launch latency: graph vs no graph", ""] + latency(work) + [""]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(text), encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
