#!/usr/bin/env python3
"""Hostile input and data safety (issue 15): injection, outputs, numbers, matching, errors.

Usage: hostile_input_test.py COLLBENCH WORKDIR SCENARIO
Each scenario exits 0 on success, 1 with a message on failure, 77 when it must be skipped.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

COLLBENCH, WORKDIR, SCENARIO = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(WORKDIR, exist_ok=True)
CLEAN_ENV = {k: v for k, v in os.environ.items()
             if k not in ("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID",
                          "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS")}


def fail(message):
    print("FAILED:", message)
    sys.exit(1)


def run(*args, expect=None, env=None, timeout=120):
    proc = subprocess.run([COLLBENCH, *args], capture_output=True, text=True, timeout=timeout,
                          env=env if env is not None else CLEAN_ENV)
    print("$ collbench", " ".join(args), "->", proc.returncode)
    print(proc.stdout[-2000:], proc.stderr[-2000:], sep="\n")
    if expect is not None and proc.returncode != expect:
        fail(f"collbench {' '.join(args)}: exit code {proc.returncode}, expected {expect}")
    return proc


def one_error_line(proc, pattern):
    if proc.stderr.count("\n") != 1 or not re.search(pattern, proc.stderr):
        fail(f"expected one stderr line matching {pattern!r}, got {proc.stderr!r}")


def run_record(timestamp="2026-11-01T00:00:00Z", **changes):
    record = {"type": "run", "schema_version": 1, "collbench_version": "0.1.0",
              "git_revision": "abc", "timestamp": timestamp,
              "command_line": "collbench run all_reduce", "backend": "mpi", "nranks": 2,
              "hosts": [{"name": "node1", "ranks": 2}], "mpi_library": "Open MPI", "env": {},
              "settings": {}}
    record.update(changes)
    return record


def result(bytes_, time_us, spread=0.02, cycle=0, samples=None, **changes):
    algbw = bytes_ / (time_us * 1e3)
    record = {"type": "result", "schema_version": 1, "collective": "all_reduce",
              "backend": "mpi", "dtype": "float", "redop": "sum", "root": -1, "bytes": bytes_,
              "count": bytes_ // 4, "nranks": 2, "inplace": False, "cycle": cycle,
              "time_us": time_us, "time_us_min": time_us * (1 - spread),
              "time_us_max": time_us * (1 + spread),
              "samples_us": samples or [time_us], "algbw_GBps": algbw, "busbw_GBps": algbw,
              "wrong": 0}
    record.update(changes)
    return record


def write(name, records, raw_tail=""):
    path = os.path.join(WORKDIR, name)
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write((record if isinstance(record, str) else json.dumps(record)) + "\n")
        handle.write(raw_tail)
    return path


# ---------------------------------------------------------------------------------------------
# 1. Injection into the HTML report, for every record type the report reads.

def payload(tag):
    """Markup that, if it reached the DOM, would add an element and run a handler."""
    return (f"</script><script>document.body.setAttribute('data-pwned','{tag}')</script>"
            f"<img src=x id=pwn-{tag} onerror=\"document.body.setAttribute('data-pwned','{tag}')\">"
            f"<svg onload=\"document.body.setAttribute('data-pwned','{tag}')\"></svg><xpwn>{tag}</xpwn>")


def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def dump_dom(html):
    browser = chromium()
    if not browser:
        print("chromium is not installed: skipping the browser check")
        sys.exit(77)
    profile = tempfile.mkdtemp()
    args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={profile}", "--virtual-time-budget=10000",
            "--run-all-compositor-stages-before-draw", "--dump-dom",
            "file://" + os.path.abspath(html)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=180)
    shutil.rmtree(profile, ignore_errors=True)
    return proc.stdout


def hostile_records():
    """Every record type the report reads, with markup in every field it shows, and objects and
    arrays where the report accepts any JSON type."""
    run = run_record(timestamp=payload("run-timestamp"), collbench_version=payload("run-version"),
                     git_revision=payload("run-revision"), backend=payload("run-backend"),
                     mpi_library=payload("run-mpi"), command_line=payload("run-command"),
                     hosts=[{"name": payload("run-host"), "ranks": 2}],
                     validate={"spec": payload("run-spec"), "pairing": payload("run-pairing")})
    results = [result(1024 * 4 ** i, 2.0 + i, collective=payload("result-collective"),
                      backend=payload("result-backend"), dtype=payload("result-dtype"),
                      redop=payload("result-redop"), algorithm=payload("result-algorithm"))
               for i in range(3)]
    overall = {"type": "verdict", "schema_version": 1, "check": "overall",
               "node": payload("overall-node"), "status": payload("overall-status"),
               "measured": payload("overall-measured"),
               "expected": {"x": payload("overall-expected-object")},
               "failed": [payload("overall-failed-array")], "warned": payload("overall-warned")}
    overall_array = dict(overall, measured=[payload("overall-measured-array")],
                         expected=payload("overall-expected"))
    evidence = {"type": "verdict", "schema_version": 1, "check": payload("evidence-check"),
                "node": payload("evidence-node"), "status": "FAIL",
                "partner": payload("evidence-partner"),
                "measured": {"v": payload("evidence-measured-object")},
                "expected": [payload("evidence-expected-array")], "unit": payload("evidence-unit"),
                "detail": payload("evidence-detail")}
    evidence_strings = dict(evidence, status=payload("evidence-status"),
                            measured=payload("evidence-measured"),
                            expected=payload("evidence-expected"))
    prediction = {"type": "prediction", "schema_version": 1,
                  "collective": payload("prediction-collective"),
                  "algorithm": payload("prediction-algorithm"), "nranks": payload("prediction-nranks"),
                  "bytes": 1024, "busbw_GBps": 1.5}
    prediction_object = dict(prediction, algorithm={"a": payload("prediction-algorithm-object")},
                             bytes=4096)
    return [run] + results + [overall, overall_array, evidence, evidence_strings, prediction,
                              prediction_object]


def scenario_report_injection():
    records = hostile_records()
    path = write("hostile.jsonl", records)
    html = os.path.join(WORKDIR, "hostile.html")
    if os.path.exists(html):
        os.remove(html)
    run("report", path, "-o", html, expect=0)
    text = open(html, encoding="utf-8").read()
    for marker in ("<xpwn", "<img", "<svg", "onerror=\"", "<script>document"):
        if marker in text:
            fail(f"unescaped markup {marker!r} in the HTML")
    # Every field carried its tag into the page (escaped), so the test covered every field.
    not_shown = {"result-backend", "result-algorithm"}  # the report's tables have no such column
    for tag in re.findall(r"<xpwn>([^<]+)</xpwn>", json.dumps(records)):
        if tag not in text and tag not in not_shown:
            fail(f"field {tag} did not reach the report at all; the test does not cover it")
    dom = dump_dom(html)
    if "data-rendered=" not in dom:
        fail("the page never finished drawing (no data-rendered attribute)")
    body = re.search(r"<body[^>]*>", dom).group(0)
    if "data-pwned" in body:
        fail(f"an injected handler ran: {body}")
    # In the serialised DOM a text node's '<' is '&lt;', so a literal tag is a real element.
    for element in ("<xpwn", "<img", "<svg"):
        if element in dom:
            fail(f"an injected element {element} reached the DOM")
    if dom.count("<script") != 3:
        fail(f"{dom.count('<script')} script elements in the DOM, expected the report's 3")


# ---------------------------------------------------------------------------------------------
# 7. Thresholds that are not numbers.

def scenario_compare_numbers():
    base = write("base.jsonl", [run_record()] + [result(4096, 10.0, spread=0.01)])
    slow = write("slow.jsonl", [run_record()] + [result(4096, 100.0, spread=0.01)])
    run("compare", base, slow, expect=1)
    for value in ("nan", "-1", "inf", "-nan"):
        p = run("compare", base, slow, "--threshold", value, expect=2)
        one_error_line(p, r"--threshold: must be a finite number")
    db = os.path.join(WORKDIR, "numbers.db")
    if os.path.exists(db):
        os.remove(db)
    history = [write(f"night{i}.jsonl", [run_record(timestamp=f"2026-11-0{i + 1}T00:00:00Z")] +
                     [result(4096, 10.0 + 0.1 * i)]) for i in range(4)]
    run("history", "--db", db, "add", *history, expect=0)
    run("history", "--db", db, "check", slow, expect=1)
    for flag in ("--mad", "--threshold"):
        for value in ("nan", "-3", "inf"):
            p = run("history", "--db", db, "check", slow, flag, value, expect=2)
            one_error_line(p, flag + r": must be a finite number")


# ---------------------------------------------------------------------------------------------
# 10. The matching rule of compare: one judgement per configuration over all cycles' samples.

def scenario_compare_matching():
    # Baseline: two cycles of 10 us. Current: cycle 0 fast, cycle 1 ten times slower. Judged per
    # configuration over all samples, the pooled current samples straddle the baseline's: the
    # verdict must be one row, not two rows against baseline cycle 0.
    base = write("cycles_base.jsonl", [run_record()] +
                 [result(4096, 10.0, cycle=c, samples=[9.9, 10.0, 10.1]) for c in (0, 1)])
    cur = write("cycles_cur.jsonl", [run_record()] +
                [result(4096, 10.0, cycle=0, samples=[9.9, 10.0, 10.1]),
                 result(4096, 100.0, cycle=1, samples=[99.0, 100.0, 101.0])])
    p = run("compare", base, cur, "--json", expect=None)
    data = json.loads(p.stdout)
    if len(data["rows"]) != 1:
        fail(f"{len(data['rows'])} compared rows for one configuration, expected 1")
    if data["unmatched_baseline"] or data["unmatched_current"]:
        fail("rows of repeated cycles reported as unmatched")
    # Both current cycles slow: the pooled judgement is worse, and counted once.
    slow = write("cycles_slow.jsonl", [run_record()] +
                 [result(4096, 100.0, cycle=c, samples=[99.0, 100.0, 101.0]) for c in (0, 1)])
    p = run("compare", base, slow, "--json", expect=1)
    data = json.loads(p.stdout)
    if len(data["rows"]) != 1 or data["summary"][0]["worse"] != 1:
        fail("a slow configuration with two cycles must be one worse row")
    # Two sizes that round to 0 bytes share a key: a file compared with itself matches fully.
    zero = write("zero.jsonl", [run_record()] +
                 [result(0, 1.0, collective="all_to_all", count=0),
                  result(0, 1.1, collective="all_to_all", count=0), result(4096, 10.0)])
    p = run("compare", zero, zero, "--json", expect=0)
    data = json.loads(p.stdout)
    if data["unmatched_baseline"] or data["unmatched_current"]:
        fail("a file compared with itself has unmatched rows")
    if any(r["verdict"] != "same" for r in data["rows"]):
        fail("a file compared with itself shows a change")
    # Two runs in one file are refused, naming the second run record's line.
    two = write("two_runs.jsonl", [run_record(), result(4096, 10.0),
                                   run_record(timestamp="2026-11-02T00:00:00Z"), result(4096, 10.0)])
    p = run("compare", base, two, expect=2)
    one_error_line(p, r"two_runs\.jsonl:3: run: a second run record")


globals()["scenario_" + SCENARIO]()
print("OK", SCENARIO)
