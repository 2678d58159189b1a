#!/usr/bin/env python3
"""Tests of compare, history, report and export on crafted files and on real runs.

Usage: results_tools_test.py COLLBENCH WORKDIR SCENARIO [REAL_RUN.jsonl]
Each scenario exits 0 on success, 1 with a message on failure, 77 when it must be skipped.
"""
import copy
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

COLLBENCH, WORKDIR, SCENARIO = sys.argv[1], sys.argv[2], sys.argv[3]
REAL = sys.argv[4] if len(sys.argv) > 4 else None
os.makedirs(WORKDIR, exist_ok=True)


def fail(message):
    print("FAILED:", message)
    sys.exit(1)


def run(*args, expect=None):
    proc = subprocess.run([COLLBENCH, *args], capture_output=True, text=True)
    print("$ collbench", " ".join(args), "->", proc.returncode)
    print(proc.stdout[-3000:], proc.stderr[-2000:], sep="\n")
    if expect is not None and proc.returncode != expect:
        fail(f"exit code {proc.returncode}, expected {expect}")
    return proc


def run_record(timestamp="2026-11-01T00:00:00Z", command="collbench run all_reduce"):
    return {"type": "run", "schema_version": 1, "collbench_version": "0.1.0",
            "git_revision": "abc", "timestamp": timestamp, "command_line": command,
            "backend": "mpi", "nranks": 2, "hosts": [{"name": "node1", "ranks": 2}],
            "mpi_library": "Open MPI", "env": {}, "settings": {}}


def result(bytes_, time_us, spread=0.02, collective="all_reduce", dtype="float", wrong=0):
    algbw = bytes_ / (time_us * 1e3)
    return {"type": "result", "schema_version": 1, "collective": collective, "backend": "mpi",
            "dtype": dtype, "redop": "sum", "root": -1, "bytes": bytes_, "count": bytes_ // 4,
            "nranks": 2, "inplace": False, "time_us": time_us,
            "time_us_min": time_us * (1 - spread), "time_us_max": time_us * (1 + spread),
            "samples_us": [time_us], "algbw_GBps": algbw, "busbw_GBps": algbw, "wrong": wrong}


SIZES = [1024 * 4 ** i for i in range(8)]


def base_time(size):
    return 2.0 + size / 2000.0


def write(name, records, raw_tail=None):
    path = os.path.join(WORKDIR, name)
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")
        if raw_tail is not None:
            handle.write(raw_tail)
    return path


def crafted(name, factor=1.0, spread=0.02, timestamp="2026-11-01T00:00:00Z", **kw):
    """A run whose times are the baseline's times x factor."""
    return write(name, [run_record(timestamp)] +
                 [result(s, base_time(s) * factor, spread, **kw) for s in SIZES])


def scenario_compare():
    base = crafted("base.jsonl")
    # Noise: a few percent either way, inside the samples' spread.
    noise_records = [run_record()] + [result(s, base_time(s) * f, 0.05)
                                      for s, f in zip(SIZES, [1.03, 0.97, 1.04, 0.98, 1.02, 1.04, 0.96, 1.01])]
    noise = write("noise.jsonl", noise_records)
    drop = crafted("drop10.jsonl", factor=1 / 0.9, spread=0.01)  # busbw 10% lower
    better = crafted("better.jsonl", factor=0.8, spread=0.01)
    p = run("compare", base, noise, expect=0)
    if "worse (" in p.stdout or "no regression" not in p.stdout:
        fail("noise was called worse")
    p = run("compare", base, drop, expect=1)
    if len(re.findall(r" worse \(slower by 11%", p.stdout)) != len(SIZES):
        fail("the 10% busbw drop was not caught on every row")
    if "REGRESSION" not in p.stdout:
        fail("no regression summary line")
    p = run("compare", base, better, expect=0)
    if "better" not in p.stdout:
        fail("a 20% speed-up was not called better")
    p = run("compare", base, drop, "--format", "markdown", expect=1)
    # The verdict and the per-collective summary come first, then the table.
    if not p.stdout.startswith(f"**REGRESSION: {len(SIZES)} of {len(SIZES)} rows are worse**"):
        fail("markdown should open with the verdict")
    summary, table = p.stdout.find("| collective | rows |"), p.stdout.find("| collective | backend |")
    if not 0 < summary < table:
        fail("markdown: the summary should come before the table")
    if "busbw (GB/s)" not in p.stdout or "| 64 KiB |" not in p.stdout:
        fail("markdown: units in headers and human sizes")
    p = run("compare", base, drop, "--json", expect=1)
    data = json.loads(p.stdout)
    if not data["regressed"] or len(data["rows"]) != len(SIZES):
        fail("JSON output incomplete")
    # Wrong data is a regression even when fast.
    wrong = write("wrong.jsonl", [run_record()] + [result(s, base_time(s), wrong=3) for s in SIZES])
    run("compare", base, wrong, expect=1)


def noisy_run(name, seed, factor=1.0, stall_at=None, backend="mpi", nranks=2, sizes=SIZES,
              timestamp="2026-11-01T00:00:00Z"):
    """A run as a shared machine records it: 5 samples per row with ~2 % noise, and optionally one
    size where every sample was stalled 3x (a neighbour's job) -- noise a per-row test cannot see."""
    import random
    rng = random.Random(seed)
    records = [dict(run_record(timestamp, f"collbench run {seed}"), backend=backend, nranks=nranks)]
    for s in sizes:
        t = base_time(s) * factor * (3.0 if s == stall_at else 1.0)
        samples = sorted(t * rng.lognormvariate(0, 0.02) for _ in range(5))
        r = result(s, samples[2])
        r.update(samples_us=samples, time_us_min=samples[0], time_us_max=samples[-1],
                 backend=backend, nranks=nranks)
        records.append(r)
    return write(name, records)


def scenario_judging():
    """One rule for compare and history check: noise (run-to-run draws, a stalled size) gives no
    verdict in either; a real 10 % drop is worse at every size in both, on the same rows."""
    base = noisy_run("j-base.jsonl", 1)
    again = noisy_run("j-again.jsonl", 2, stall_at=SIZES[3])
    drop = noisy_run("j-drop.jsonl", 3, factor=1 / 0.9)
    p = run("compare", base, again, expect=0)
    if "  worse" in p.stdout or "isolated" not in p.stdout:
        fail("compare: two draws of the same machine (one size stalled) must not be worse")
    p = run("compare", base, drop, "--json", expect=1)
    worse_rows = {r["bytes"] for r in json.loads(p.stdout)["rows"] if r["verdict"] == "worse"}
    if worse_rows != set(SIZES):
        fail(f"compare: a 10% drop must be worse at every size, got {sorted(worse_rows)}")
    db = os.path.join(WORKDIR, "judging.db")
    if os.path.exists(db):
        os.remove(db)
    history = [noisy_run(f"j-h{i}.jsonl", 10 + i, timestamp=f"2026-11-0{i + 1}T00:00:00Z")
               for i in range(5)]
    run("history", "--db", db, "add", *history, expect=0)
    p = run("history", "--db", db, "check", again, expect=0)
    if "REGRESSION" in p.stdout:
        fail("history check: noise must not be a regression")
    p = run("history", "--db", db, "check", drop, expect=1)
    flagged = {int(m) for m in re.findall(r"^REGRESSION .* (\d+) B:", p.stdout, re.M)}
    if flagged != worse_rows:
        fail(f"history check and compare disagree: {sorted(flagged)} vs {sorted(worse_rows)}")


def scenario_compare_systems():
    """System A vs system B, NCCL vs custom: one command with --ignore; units, human sizes, the
    unmatched rows named."""
    a = noisy_run("sys-a.jsonl", 4, backend="nccl", nranks=8)
    b = noisy_run("sys-b.jsonl", 5, factor=0.5, backend="custom", nranks=16, sizes=SIZES[:-1])
    p = run("compare", a, b, expect=2)
    if "nothing to match" not in p.stderr or "--ignore backend,ranks" not in p.stderr:
        fail("different systems without --ignore: say how to compare them")
    p = run("compare", a, b, "--ignore", "backend,ranks,host", expect=0)
    for text in ("# matched ignoring: backend, ranks", "nccl vs custom", "8 vs 16", "base(GB/s)",
                 "busbw(GB/s)", "    1 KiB", "  4 MiB", "1 baseline rows and 0 current rows had no partner",
                 "baseline only: all_reduce nccl float sum out-of-place 8 ranks 16 MiB"):
        if text not in p.stdout:
            fail(f"compare --ignore: missing {text!r}")
    if p.stdout.count("  better") != len(SIZES) - 1:
        fail("system B is twice as fast at every matched size")
    p = run("compare", a, b, "--ignore", "switch", expect=2)
    if "--ignore: unknown key 'switch'" not in p.stderr:
        fail("an unknown --ignore key should be refused")


def scenario_bad_input():
    base = crafted("base.jsonl")
    cases = [
        ("schema2.jsonl", [dict(run_record(), schema_version=2)], None,
         r"schema2\.jsonl:1: schema_version 2 is not supported"),
        ("truncated.jsonl", [run_record(), result(1024, 3.0)], '{"type": "result", "schema_ver',
         r"truncated\.jsonl:3: truncated record"),
        ("malformed.jsonl", [run_record(), result(1024, 3.0)], "this is not json\n" +
         json.dumps(result(4096, 5.0)) + "\n", r"malformed\.jsonl:3: not valid JSON"),
        ("missing.jsonl", [run_record(), {k: v for k, v in result(1024, 3.0).items()
                                          if k != "busbw_GBps"}], None,
         r"missing\.jsonl:2: result record lacks 'busbw_GBps'"),
        ("notype.jsonl", [run_record(), {"schema_version": 1}], None,
         r"notype\.jsonl:2: not a collbench record"),
    ]
    for name, records, tail, pattern in cases:
        path = write(name, records, tail)
        for args in (["compare", base, path], ["report", path, "-o", os.path.join(WORKDIR, "x.html")],
                     ["export", path], ["history", "--db", os.path.join(WORKDIR, "bad.db"), "add", path]):
            p = run(*args, expect=2)
            if not re.search(pattern, p.stderr):
                fail(f"{args[0]} on {name}: stderr does not match {pattern!r}")
            if p.stderr.count("\n") != 1:
                fail(f"{args[0]} on {name}: expected one line on stderr")
    other = crafted("other.jsonl", collective="all_gather")
    p = run("compare", base, other, expect=2)
    if "nothing to match" not in p.stderr:
        fail("no 'nothing to match' message")
    p = run("compare", base, os.path.join(WORKDIR, "absent.jsonl"), expect=2)
    if "cannot read" not in p.stderr:
        fail("unreadable file not reported")
    if os.path.exists(os.path.join(WORKDIR, "x.html")):
        fail("a report was written from bad input")


def scenario_history():
    db = os.path.join(WORKDIR, "history.db")
    if os.path.exists(db):
        os.remove(db)
    factors = [1.00, 1.02, 0.98, 1.01, 0.99, 1.03]
    files = [crafted(f"night{i}.jsonl", factor=f, spread=0.02,
                     timestamp=f"2026-11-{i + 1:02d}T02:00:00Z") for i, f in enumerate(factors)]
    run("history", "--db", db, "add", *files, expect=0)
    p = run("history", "--db", db, "add", files[0], expect=0)
    if "already in the history" not in p.stdout:
        fail("a duplicate add was not recognised")
    p = run("history", "list", "--db", db, expect=0)
    if len([l for l in p.stdout.splitlines() if "night" in l]) != len(files):
        fail("history list does not show every run")
    p = run("history", "show", "--db", db, "--collective", "all_reduce", "--size", "64K", expect=0)
    if len([l for l in p.stdout.splitlines() if " 65536 " in l]) != len(files):
        fail("history show does not give one point per run")
    tonight = crafted("tonight.jsonl", factor=1.01, timestamp="2026-11-20T02:00:00Z")
    p = run("history", "check", "--db", db, tonight, expect=0)
    if f"{len(SIZES)} rows judged" not in p.stdout:
        fail("rows were not judged against history")
    slow = crafted("slow.jsonl", factor=1 / 0.9, timestamp="2026-11-21T02:00:00Z")
    p = run("history", "check", "--db", db, slow, expect=1)
    if p.stdout.count("REGRESSION") != len(SIZES):
        fail("a 10% busbw drop was not caught against history")


def scenario_history_concurrent():
    db = os.path.join(WORKDIR, "concurrent.db")
    if os.path.exists(db):
        os.remove(db)
    files = [crafted(f"writer{i}.jsonl", timestamp=f"2026-10-{i + 1:02d}T00:00:00Z")
             for i in range(8)]
    procs = [subprocess.Popen([COLLBENCH, "history", "--db", db, "add", f],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for f in files]
    codes = [p.wait() for p in procs]
    if any(codes):
        fail(f"concurrent writers failed: {codes}")
    con = sqlite3.connect(db)
    if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        fail("database corrupted")
    runs = con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    rows = con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    if runs != len(files) or rows != len(files) * len(SIZES):
        fail(f"{runs} runs and {rows} rows stored, expected {len(files)} and {len(files) * len(SIZES)}")


def scenario_export():
    older = crafted("old.jsonl", factor=2.0, timestamp="2026-01-01T00:00:00Z")
    newer = crafted("new.jsonl", factor=1.0, timestamp="2026-02-01T00:00:00Z")
    out = os.path.join(WORKDIR, "metrics.prom")
    run("export", "--format", "prometheus", older, newer, "-o", out, expect=0)
    text = open(out, encoding="utf-8").read()
    if not text.endswith("# EOF\n"):
        fail("the export must end with # EOF")
    lines = [l for l in text.splitlines() if l.startswith("collbench_busbw_bytes_per_second{")]
    if len(lines) != len(SIZES):
        fail(f"{len(lines)} busbw samples, expected {len(SIZES)}")
    first = [l for l in lines if 'size="1024"' in l][0]
    want = 1024 / (base_time(1024) * 1e3) * 1e9  # bytes per second
    if abs(float(first.split()[-1]) - want) > 1e-4 * want:
        fail("export did not keep the newest run's value")


def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def render(html):
    browser = chromium()
    if not browser:
        print("chromium is not installed: skipping the browser check")
        sys.exit(77)
    profile = tempfile.mkdtemp()
    args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
            "--virtual-time-budget=10000", "--dump-dom", "file://" + os.path.abspath(html)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    console = [l for l in proc.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
    if console:
        fail("console errors: " + " | ".join(console[:3]))
    match = re.search(r'data-rendered="(\d+)"', proc.stdout)
    if not match:
        fail("the page never finished drawing (no data-rendered attribute)")
    return int(match.group(1)), proc.stdout


def scenario_report():
    if not REAL:
        fail("needs a real run")
    hostile = run_record(command="</script><script>window.bad=1</script><b>x</b>")
    evil = write("evil.jsonl", [hostile] + [dict(result(s, base_time(s)), dtype="<img src=x onerror=1>")
                                            for s in SIZES])
    html = os.path.join(WORKDIR, "report.html")
    predictions = os.path.join(WORKDIR, "predictions.jsonl")
    run("model", "predict", "--preset", "hgx-h100-ndr400", "--ranks", "1024", "-b", "1K", "-e", "1G",
        "-f", "8", "-J", predictions, expect=0)
    run("report", REAL, evil, predictions, "-o", html, expect=0)
    text = open(html, encoding="utf-8").read()
    if "<script>window.bad" in text or "<img src=x" in text:
        fail("a string from a results file was not escaped")
    collectives = {json.loads(l)["collective"] for l in open(REAL) if '"type":"result"' in l}
    collectives |= {"all_reduce"}
    drawn, dom = render(html)
    # busbw (linear and log) and time per collective, and one prediction chart per modelled
    # collective; no ratio chart: the hostile run shares no configuration with the real one.
    expected = 3 * len(collectives) + 4
    if drawn != expected:
        fail(f"{drawn} charts drawn, expected {expected}")
    if "Predictions (scale model)" not in dom:
        fail("the predictions section is missing")
    if dom.count("<canvas") != drawn:
        fail("a chart canvas is missing")


def scenario_report_two_systems():
    """Two systems in one report: the summary table on top with ratios, a ratio chart per
    collective, legends outside the plots, the full tables folded away."""
    if not REAL:
        fail("needs a real run")
    slower = os.path.join(WORKDIR, "system-b.jsonl")
    with open(REAL, encoding="utf-8") as src, open(slower, "w", encoding="utf-8") as dst:
        for line in src:
            r = json.loads(line)
            if r.get("type") == "run":
                r["backend"] = "custom"
            if r.get("type") == "result":
                r["backend"] = "custom"
                for key in ("time_us", "time_us_min", "time_us_max"):
                    r[key] *= 1.25
                r["samples_us"] = [t * 1.25 for t in r["samples_us"]]
                r["algbw_GBps"] /= 1.25
                r["busbw_GBps"] /= 1.25
            dst.write(json.dumps(r) + "\n")
    html = os.path.join(WORKDIR, "two.html")
    run("report", REAL, slower, "-o", html, expect=0)
    text = open(html, encoding="utf-8").read()
    if not text.find("<h2>Summary</h2>") < text.find("<h2>Runs</h2>"):
        fail("the summary table should come first")
    collectives = {json.loads(l)["collective"] for l in open(REAL) if '"type":"result"' in l}
    if text.count("class=bad>0.80x</td>") != len(collectives):
        fail("the summary should show system B's peak busbw at 0.80x of system A's per collective")
    if text.count("busbw ratio against run 1") != len(collectives):
        fail("one ratio chart per collective")
    if text.count("<details><summary>Full table") != len(collectives):
        fail("the full tables should be folded away")
    drawn, dom = render(html)
    if drawn != 4 * len(collectives):
        fail(f"{drawn} charts drawn, expected {4 * len(collectives)}")
    if dom.count('class="legend"') != drawn:
        fail("every chart should have its legend outside the plot")


def scenario_real_compare():
    if not REAL:
        fail("needs a real run")
    p = run("compare", REAL, REAL, expect=0)
    if "worse (" in p.stdout or "better" in p.stdout.split("#")[0] or "no regression" not in p.stdout:
        fail("a run compared with itself must show no change")
    db = os.path.join(WORKDIR, "real.db")
    if os.path.exists(db):
        os.remove(db)
    run("history", "--db", db, "add", REAL, expect=0)
    run("export", REAL, expect=0)


globals()["scenario_" + SCENARIO]()
print("OK", SCENARIO)
