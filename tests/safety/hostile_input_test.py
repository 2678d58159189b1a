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


# ---------------------------------------------------------------------------------------------
# 8, 9. Malformed and out-of-range values: FILE:LINE: field: reason, exit 2, never truncated.

def no_library_text(proc):
    if "json.exception" in proc.stderr or "terminate called" in proc.stderr:
        fail("a raw library message reached the user: " + proc.stderr)


def scenario_malformed_values():
    base = write("base.jsonl", [run_record(), result(4096, 10.0)])
    cases = [  # name, records, (line, field) the message must name
        ("version_string", [dict(run_record(), schema_version="1")], "1: schema_version: must be an integer"),
        ("version_fraction", [dict(run_record(), schema_version=1.9)], "1: schema_version: must be a whole number"),
        ("number_overflow", [run_record(), '{"type": "result", "schema_version": 1, "time_us": 1e400}'],
         "2: not valid JSON: number overflow"),
        ("nranks_wraps", [run_record(), result(4096, 10.0, nranks=4294967298)],
         "2: nranks: 4294967298 is out of range"),
        ("bytes_string", [run_record(), result(4096, 10.0, bytes="4096")], "2: bytes: must be an integer"),
        ("bytes_negative", [run_record(), result(4096, 10.0, bytes=-8)], "2: bytes: must not be negative"),
        ("samples_string", [run_record(), result(4096, 10.0, samples=["x"])], "2: samples_us: must be a number"),
        ("algorithm_number", [run_record(), result(4096, 10.0, algorithm=5)], "2: algorithm: must be a string"),
        ("run_nranks_string", [run_record(nranks="two"), result(4096, 10.0)], "1: nranks: must be an integer"),
        ("run_nranks_wraps", [run_record(nranks=4294967298), result(4096, 10.0)], "1: nranks: 4294967298 is out of range"),
        ("run_timestamp_number", [run_record(timestamp=5), result(4096, 10.0)], "1: timestamp: must be a string"),
        ("run_hosts_string", [run_record(hosts="node1"), result(4096, 10.0)], "1: hosts: must be a list"),
        ("run_host_ranks", [run_record(hosts=[{"name": "a", "ranks": "2"}]), result(4096, 10.0)],
         "1: ranks: must be an integer"),
    ]
    db = os.path.join(WORKDIR, "malformed.db")
    for name, records, message in cases:
        path = write(name + ".jsonl", records)
        for args in (["compare", base, path], ["report", path, "-o", os.path.join(WORKDIR, "x.html")],
                     ["export", path], ["history", "--db", db, "add", path]):
            p = run(*args, expect=2)
            no_library_text(p)
            one_error_line(p, re.escape(f"{name}.jsonl:{message}"))
    if os.path.exists(os.path.join(WORKDIR, "x.html")):
        fail("a report was written from bad input")
    # A directory is not an empty file, nor a library's read error.
    p = run("compare", base, WORKDIR, expect=2)
    one_error_line(p, "is a directory")
    for args in (["validate", "--spec", WORKDIR], ["model", "predict", "--cluster", WORKDIR, "--ranks", "8"],
                 ["model", "check", "--fit", WORKDIR, base]):
        p = run(*args, expect=2)
        one_error_line(p, "it is a directory")
    # Validate specs: 4294967296 GPUs is not 0 GPUs; 1e400 is not a parse crash.
    spec = {"collbench_spec": 1, "name": "x", "topology": {"gpus": 4294967296}, "checks": []}
    for name, text, message in [
            ("gpus_wrap", json.dumps(spec), "topology.gpus: 4294967296 is out of range"),
            ("gpus_fraction", json.dumps(dict(spec, topology={"gpus": 8.5})), "topology.gpus: must be a whole number"),
            ("overflow", '{"collbench_spec": 1, "checks": [{"min_GBps": 1e400}]}', "not valid JSON: number overflow"),
            ("bytes_wrap", json.dumps(dict(spec, topology={}, checks=[
                {"phase": "node", "test": "all_reduce", "bytes": 18446744073709551615, "min_GBps": 1}])),
             "checks[0].bytes: 18446744073709551615 is out of range")]:
        path = write(f"spec_{name}.json", [text])
        p = run("validate", "--spec", path, expect=2)
        no_library_text(p)
        one_error_line(p, re.escape(message))
    # Cluster files of the scale model.
    for name, text, message in [
            ("nics_wrap", '{"nics_per_node": 4294967298}', "nics_per_node: 4294967298 is out of range"),
            ("tiers_string", '{"tiers": "3"}', "tiers: expected an array"),
            ("radix_fraction", '{"tiers": [{"radix": 2.5}]}', "radix: must be a whole number"),
            ("overflow", '{"nic_Gbps": 1e400}', "not valid JSON (number overflow"),
            ("oversubscription", '{"tiers": [{"radix": 64, "oversubscription": "x"}]}',
             "oversubscription: must be a number"),
            # Zero, negative and huge values in the tiers and elsewhere: a latency of 1e308 us
            # or a NIC of 1e-300 Gb/s made infinite predictions, written as null.
            ("radix_zero", '{"tiers": [{"radix": 0}]}', "tiers[0].radix: must be 2 to 4096"),
            ("radix_negative", '{"tiers": [{"radix": 64}, {"radix": -64}]}',
             "tiers[1].radix: must be 2 to 4096"),
            ("radix_huge", '{"tiers": [{"radix": 4294967360}]}', "radix: 4294967360 is out of range"),
            ("oversubscription_zero", '{"tiers": [{"radix": 64, "oversubscription": 0}, {"radix": 64}]}',
             "tiers[0].oversubscription: must be 1 (non-blocking) to 64"),
            ("oversubscription_negative", '{"tiers": [{"radix": 64, "oversubscription": -2}, {"radix": 64}]}',
             "tiers[0].oversubscription: must be 1 (non-blocking) to 64"),
            ("oversubscription_huge", '{"tiers": [{"radix": 64, "oversubscription": 1e300}, {"radix": 64}]}',
             "tiers[0].oversubscription: must be 1 (non-blocking) to 64"),
            ("nic_zero", '{"gpus": 64, "nic_Gbps": 0}', "nic_Gbps: must be 1 to 100,000"),
            ("nic_tiny", '{"gpus": 64, "nic_Gbps": 1e-300}', "nic_Gbps: must be 1 to 100,000"),
            ("nic_huge", '{"gpus": 64, "nic_Gbps": 1e308}', "nic_Gbps: must be 1 to 100,000"),
            ("nics_huge", '{"gpus": 64, "nics_per_node": 2147483647}', "nics_per_node: must be 0 to 64"),
            ("per_node_huge", '{"gpus": 64, "gpus_per_node": 2147483647, "gpus_per_domain": 2147483647}',
             "gpus_per_node: must be 1 to 1,024"),
            ("hop_huge", '{"gpus": 64, "hop_latency_us": 1e308}', "hop_latency_us: must be 0 to 1,000"),
            ("hop_negative", '{"gpus": 64, "hop_latency_us": -0.1}', "hop_latency_us: must be 0 to 1,000"),
            ("launch_huge", '{"gpus": 64, "launch_us": 1e308}', "launch_us: must be 0 to 1,000,000"),
            ("mnnvl_huge", '{"preset": "gb200-nvl72-xdr800", "gpus": 64, "mnnvl_rank_us": 1e308}',
             "mnnvl_rank_us: must be 0 to 1,000")]:
        path = write(f"cluster_{name}.json", [text])
        p = run("model", "predict", "--cluster", path, "--ranks", "64", expect=2)
        no_library_text(p)
        # FILE:LINE: field: reason, each file being one line; unparsable JSON names no field.
        line = "" if name == "overflow" else ":1"
        one_error_line(p, re.escape(f"cluster_{name}.json{line}: ") + ".*" + re.escape(message))


# ---------------------------------------------------------------------------------------------
# 11. Rank variables in the environment silence only ranks of a running job.

def scenario_error_env_ranks():
    bad = write("bad.jsonl", ["not json"])
    for variables in ({"OMPI_COMM_WORLD_RANK": "3"}, {"PMI_RANK": "1"}, {"PMIX_RANK": "2"},
                      {"SLURM_PROCID": "5"}, {"SLURM_PROCID": "1", "SLURM_NTASKS": "4"},
                      {"OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "2"}):
        env = dict(CLEAN_ENV, **variables)
        # Single-process commands always speak, inside a job step or not.
        for args in (["compare", bad, bad], ["history", "--db", os.path.join(WORKDIR, "h.db"), "check", bad],
                     ["report", bad, "-o", os.path.join(WORKDIR, "r.html")], ["export", bad]):
            p = run(*args, expect=2, env=env)
            one_error_line(p, r"bad\.jsonl:1: not valid JSON")
    # A stale rank variable without a job around it does not silence `run`.
    p = run("run", "-n", "0", expect=2, env=dict(CLEAN_ENV, OMPI_COMM_WORLD_RANK="3"))
    one_error_line(p, r"-n/--iters 0")
    # Rank 1 of a running 2-rank job stays quiet about `run`'s flags: rank 0 says it.
    p = run("run", "-n", "0", expect=2,
            env=dict(CLEAN_ENV, OMPI_COMM_WORLD_RANK="1", OMPI_COMM_WORLD_SIZE="2"))
    if p.stderr:
        fail("rank 1 of a running job repeated rank 0's error")


# ---------------------------------------------------------------------------------------------
# 12. Under mpirun, rank 0's error line is never lost to the launcher's kill.

def scenario_error_line_under_mpirun():
    mpirun = shutil.which("mpirun")
    if not mpirun:
        print("no mpirun: skipping")
        sys.exit(77)
    for trial in range(12):
        proc = subprocess.run([mpirun, "--oversubscribe", "--allow-run-as-root", "-np", "6",
                               COLLBENCH, "run", "-n", "0"], capture_output=True, text=True,
                              timeout=120, env=CLEAN_ENV)
        lines = [l for l in (proc.stdout + proc.stderr).splitlines() if "collbench: error" in l]
        print(f"trial {trial}: exit {proc.returncode}, {len(lines)} error lines")
        if proc.returncode != 2 or len(lines) != 1:
            fail(f"trial {trial}: exit {proc.returncode} with {len(lines)} error lines, expected 2 "
                 f"and exactly one:\n{proc.stdout}{proc.stderr}")


# ---------------------------------------------------------------------------------------------
# 14 (in part). Control characters from a file neither cut an error line nor reach outputs raw.

def scenario_control_characters():
    spec = {"collbench_spec": 1, "checks": [{"phase": "node", "test": "x\u0000y\nz", "bytes": 8,
                                             "min_GBps": 1}]}
    path = write("nul_spec.json", [json.dumps(spec)])
    p = run("validate", "--spec", path, expect=2)
    one_error_line(p, r"unknown collective 'x\\x00y\\x0az'")
    nul = write("nul.jsonl", [run_record(), result(4096, 10.0, dtype="fl\u0000oat\u0007")])
    out = os.path.join(WORKDIR, "nul.prom")
    run("export", nul, "-o", out, expect=0)
    data = open(out, "rb").read()
    if b"\0" in data or b"\x07" in data:
        fail("a control character reached the OpenMetrics file raw")
    if 'dtype="fl\ufffdoat\ufffd"' not in data.decode("utf-8"):
        fail("control characters in a label were not replaced by U+FFFD")


# ---------------------------------------------------------------------------------------------
# 2-4. Outputs: links, FIFOs and devices are not replaced; modes are kept; an output is never an
# input; a failed or killed run never loses the old results.

def inputs():
    """Small inputs every writer can be pointed at."""
    base = write("base.jsonl", [run_record()] + [result(1024 * 4 ** i, 2.0 + i) for i in range(5)])
    base4 = write("base4.jsonl", [run_record(nranks=4)] +
                  [result(1024 * 4 ** i, 3.0 + i, nranks=4) for i in range(5)])
    fit = os.path.join(WORKDIR, "fit.json")
    if not os.path.exists(fit):
        run("model", "fit", base, base4, "-o", fit, expect=0)
    probes = os.path.join(WORKDIR, "probes.jsonl")
    if not os.path.exists(probes):
        run("validate", "--phases", "node", "-n", "2", "-w", "1", "--repeat", "1", "-J", probes,
            expect=0)
    return base, base4, fit, probes


def writers(out):
    """Every command that writes a file, writing `out`."""
    base, base4, fit, probes = inputs()
    return {
        "report": ["report", base, "-o", out],
        "export": ["export", base, "-o", out],
        "model fit": ["model", "fit", base, base4, "-o", out],
        "model check": ["model", "check", "--fit", fit, base, "--json", out],
        "model predict": ["model", "predict", "--preset", "hgx-h100-ndr400", "--ranks", "64",
                          "-b", "1K", "-e", "4K", "-J", out],
        "topo": ["topo", "--json", out],
        "validate --make-spec": ["validate", "--make-spec", probes, "-o", out],
        "validate -J": ["validate", "--phases", "node", "-n", "2", "-w", "1", "--repeat", "1",
                        "-J", out],
        "run -J": ["run", "all_reduce", "-b", "8", "-e", "64", "-n", "1", "-w", "0", "--repeat",
                   "1", "-J", out],
        "run --csv": ["run", "all_reduce", "-b", "8", "-e", "64", "-n", "1", "-w", "0",
                      "--repeat", "1", "--csv", out],
    }


def scenario_output_targets():
    import stat
    import threading
    for name in writers("x"):
        slug = re.sub(r"[^a-z]+", "_", name)
        # A symbolic link: its target is replaced, the link stays.
        real = write(f"{slug}_real.txt", ["old"])
        link = os.path.join(WORKDIR, f"{slug}_link")
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(os.path.basename(real), link)
        run(*writers(link)[name], expect=0)
        if not os.path.islink(link):
            fail(f"{name}: the symbolic link was replaced by a regular file")
        if open(real).read() == "old\n":
            fail(f"{name}: the link's target was not written")
        # An existing file keeps its permission bits.
        moded = write(f"{slug}_mode.txt", ["old"])
        os.chmod(moded, 0o640)
        run(*writers(moded)[name], expect=0)
        mode = stat.S_IMODE(os.stat(moded).st_mode)
        if mode != 0o640:
            fail(f"{name}: the output's mode changed from 0640 to {mode:04o}")
        # A FIFO is written through, and stays a FIFO.
        fifo = os.path.join(WORKDIR, f"{slug}_fifo")
        if os.path.lexists(fifo):
            os.remove(fifo)
        os.mkfifo(fifo)
        received = []
        reader = threading.Thread(target=lambda: received.append(open(fifo, "rb").read()),
                                  daemon=True)
        reader.start()
        run(*writers(fifo)[name], expect=0)
        reader.join(timeout=60)
        if not stat.S_ISFIFO(os.lstat(fifo).st_mode):
            fail(f"{name}: the FIFO was replaced by a regular file")
        if not received or not received[0]:
            fail(f"{name}: nothing was written through the FIFO")
        # A character device (a private copy of /dev/null, where this test may make one).
        device = os.path.join(WORKDIR, f"{slug}_null")
        if not os.path.lexists(device):
            try:
                os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
            except OSError:
                device = None
        if device:
            run(*writers(device)[name], expect=0)
            if not stat.S_ISCHR(os.lstat(device).st_mode):
                fail(f"{name}: the character device was replaced by a regular file")
        # A directory is refused, saying so, and nothing is left beside it.
        directory = os.path.join(WORKDIR, f"{slug}_dir")
        os.makedirs(directory, exist_ok=True)
        p = run(*writers(directory)[name], expect=2)
        one_error_line(p, "is a directory")
        # No temporary or partial file is left behind by any of this.
        leftovers = [f for f in os.listdir(WORKDIR) if ".tmp." in f or f.endswith(".partial")]
        if leftovers:
            fail(f"{name}: left {leftovers}")


def scenario_output_is_input():
    base, base4, fit, probes = inputs()
    before = {path: open(path, "rb").read() for path in (base, fit, probes)}
    same = os.path.join(WORKDIR, "same.out")
    alias = os.path.join(WORKDIR, "alias.jsonl")
    if os.path.lexists(alias):
        os.remove(alias)
    os.symlink("base.jsonl", alias)
    cases = [
        ["report", base, "-o", base],
        ["report", base, "-o", alias],  # the same file by another name
        ["report", base, "-o", os.path.join(WORKDIR, ".", "base.jsonl")],
        ["export", base, "-o", base],
        ["model", "fit", base, base4, "-o", base4],
        ["model", "check", "--fit", fit, base, "--json", fit],
        ["model", "predict", "--ranks", "64", "--cluster", base, "-J", base],
        ["validate", "--make-spec", probes, "-o", probes],
        ["run", "all_reduce", "-b", "8", "-e", "8", "-J", same, "--csv", same],
        ["run", "all_reduce", "-b", "8", "-e", "8", "-J", "", "-n", "1"],
        ["run", "all_reduce", "-b", "8", "-e", "8", "--csv", ""],
    ]
    for args in cases:
        p = run(*args, expect=2)
        one_error_line(p, r"is also|the path is empty")
    for path, content in before.items():
        if open(path, "rb").read() != content:
            fail(f"{path} was changed by a refused command")
    if os.path.exists(same):
        fail("a refused run wrote its output")


def scenario_failed_run_keeps_results():
    old = write("results.jsonl", ["old results"])
    # A run that fails (a rank stuck inside an operation, exit 3) leaves the old file as it was.
    p = run("run", "all_reduce", "--backend", "test-hang", "-T", "3", "-b", "8", "-e", "64",
            "-J", old, expect=3)
    if open(old).read() != "old results\n":
        fail("a failed run replaced the old results")
    partial = old + ".partial"
    records = [json.loads(l) for l in open(partial)] if os.path.exists(partial) else []
    if not records or records[0]["type"] != "run":
        fail("the failed run's records are not in results.jsonl.partial")
    # A killed run: the old file stays, and the partial file holds complete records only.
    proc = subprocess.Popen([COLLBENCH, "run", "all_reduce", "--backend", "test-slow", "-b", "8",
                             "-e", "1M", "-n", "2", "-w", "0", "--repeat", "2", "-J", old],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=CLEAN_ENV)
    deadline = 60
    import time
    while deadline > 0:
        time.sleep(0.5)
        deadline -= 0.5
        if os.path.exists(partial) and open(partial).read().count('"type":"result"') >= 2:
            break
    proc.kill()
    proc.wait()
    if open(old).read() != "old results\n":
        fail("a killed run replaced the old results")
    text = open(partial).read()
    if not text.endswith("\n"):
        fail("the killed run's partial file ends inside a record")
    results = [json.loads(l) for l in text.splitlines() if l]
    if sum(r["type"] == "result" for r in results) < 2:
        fail("the killed run's finished records are missing")
    # A run that completes replaces the file, keeps its mode, and leaves no partial file.
    os.chmod(old, 0o600)
    run("run", "all_reduce", "-b", "8", "-e", "64", "-n", "1", "-w", "0", "--repeat", "1",
        "-J", old, expect=0)
    if os.path.exists(partial):
        fail("a completed run left its partial file")
    if json.loads(open(old).readline())["type"] != "run":
        fail("the completed run's results are not in place")
    if os.stat(old).st_mode & 0o777 != 0o600:
        fail("the completed run changed the file's mode")


# ---------------------------------------------------------------------------------------------
# 5, 6. History: runs never merged by timestamp, files without a run refused, missing databases
# refused, nothing to judge is not a pass.

def fresh_db(name):
    db = os.path.join(WORKDIR, name)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    return db


def scenario_history_identity():
    db = fresh_db("identity.db")
    # Two different runs started in the same second, same revision and command line.
    first = write("same_second_a.jsonl", [run_record()] + [result(4096, 10.0)])
    second = write("same_second_b.jsonl", [run_record()] + [result(4096, 12.0)])
    run("history", "--db", db, "add", first, expect=0)
    p = run("history", "--db", db, "add", second, expect=0)
    if "already in the history" in p.stdout:
        fail("a different run started in the same second was taken for a stored one")
    p = run("history", "--db", db, "add", first, expect=0)
    if "already in the history" not in p.stdout:
        fail("adding the same file again stored it twice")
    # Real runs carry a run_id, so two runs of the same second stay apart.
    a = os.path.join(WORKDIR, "real_a.jsonl")
    b = os.path.join(WORKDIR, "real_b.jsonl")
    for path in (a, b):
        run("run", "all_reduce", "-b", "8", "-e", "8", "-n", "1", "-w", "0", "--repeat", "1",
            "-J", path, expect=0)
    ids = [json.loads(open(path).readline()).get("run_id") for path in (a, b)]
    if not all(isinstance(i, str) and re.fullmatch(r"[0-9a-f]{32}", i) for i in ids) or ids[0] == ids[1]:
        fail(f"run records lack distinct run_ids: {ids}")
    run("history", "--db", db, "add", a, b, expect=0)
    p = run("history", "list", "--db", db, expect=0)
    if not ("real_a.jsonl" in p.stdout and "real_b.jsonl" in p.stdout):
        fail("two real runs were not both stored")
    # Files without a run record are refused, every one of them, before anything is stored.
    bare1 = write("bare1.jsonl", [result(4096, 10.0)])
    bare2 = write("bare2.jsonl", [result(8192, 10.0)])
    good = write("good_new.jsonl", [run_record(timestamp="2026-11-05T00:00:00Z"), result(4096, 9.0)])
    p = run("history", "--db", db, "add", good, bare1, bare2, expect=2)
    one_error_line(p, r"bare1\.jsonl: no run record")
    p = run("history", "--db", db, "list", expect=0)
    if "good_new.jsonl" in p.stdout:
        fail("a file was stored although another file of the same add was refused")
    two = write("two_runs.jsonl", [run_record(), result(4096, 10.0),
                                   run_record(timestamp="2026-11-02T00:00:00Z"), result(4096, 10.0)])
    p = run("history", "--db", db, "add", two, expect=2)
    one_error_line(p, r"two_runs\.jsonl:3: run: a second run record")


def scenario_history_missing_db():
    missing = os.path.join(WORKDIR, "no", "such.db")
    run_file = write("tonight.jsonl", [run_record()] + [result(4096, 10.0)])
    for args in (["list"], ["show", "--collective", "all_reduce"], ["check", run_file]):
        p = run("history", "--db", missing, *args, expect=2)
        one_error_line(p, "does not exist")
    if os.path.exists(missing) or os.path.exists(os.path.dirname(missing)):
        fail("a reading command created the database")
    # A database without enough history for any row: check says so and does not pass.
    db = fresh_db("thin.db")
    run("history", "--db", db, "add", write("one.jsonl", [run_record(timestamp="2026-10-01T00:00:00Z"),
                                                       result(4096, 10.0)]), expect=0)
    p = run("history", "--db", db, "check", run_file, expect=2)
    one_error_line(p, "nothing to judge")


# ---------------------------------------------------------------------------------------------
# 13. A sweep larger than memory is refused before anything is allocated.

def scenario_memory_check():
    p = run("run", "all_reduce", "-b", "1T", "-e", "1T", expect=2)
    one_error_line(p, r"needs 2\.0 TiB of host memory .* but only .* is available")
    mpirun = shutil.which("mpirun")
    if mpirun:
        proc = subprocess.run([mpirun, "--oversubscribe", "--allow-run-as-root", "-np", "2",
                               COLLBENCH, "run", "all_gather", "-b", "1T", "-e", "1T"],
                              capture_output=True, text=True, timeout=120, env=CLEAN_ENV)
        text = proc.stdout + proc.stderr
        print(text)
        if proc.returncode != 2 or text.count("collbench: error") != 1 or "bad_alloc" in text:
            fail(f"under mpirun: exit {proc.returncode}, expected 2 and one error line")
    # A validate spec asking for a probe of 2^53 bytes: refused before allocating, naming the check.
    spec = os.path.join(WORKDIR, "huge-probe-spec.json")
    with open(spec, "w", encoding="utf-8") as handle:
        json.dump({"collbench_spec": 1, "name": "huge", "checks": [
            {"phase": "node", "test": "all_reduce", "bytes": 2 ** 53, "min_GBps": 1}]}, handle)
    p = run("validate", "--spec", spec, expect=2)
    if "bad_alloc" in p.stdout + p.stderr or not re.search(
            r"the all_reduce probe of 8192 TiB needs .* of host memory .* in the spec", p.stderr):
        fail("validate's probe larger than memory should be refused with its size")
    # A sweep that fits still runs.
    run("run", "all_reduce", "-b", "1K", "-e", "4K", "-n", "1", "-w", "0", "--repeat", "1",
        expect=0)


# ---------------------------------------------------------------------------------------------
# 14. Flags that were ignored silently, and misleading text.

def scenario_ignored_flags():
    quick = ["-n", "1", "-w", "0", "--repeat", "1"]
    p = run("run", "all_reduce", "-z", "2", *quick, expect=2)
    one_error_line(p, r"-z/--blocking: choose 0 or 1")
    p = run("topo", "-T", "-1", expect=2)
    one_error_line(p, r"-T/--timeout")
    # With -c 0 nothing is verified, and the summary must not say "0 OK".
    p = run("run", "all_reduce", "-b", "8", "-e", "64", "-c", "0", *quick, expect=0)
    if "Out of bounds values : N/A" not in p.stdout or "0 OK" in p.stdout:
        fail("with -c 0 the summary still claims a verification")
    # The smallest size named in the message is the one that runs.
    p = run("run", "all_reduce", "-b", "2", "-e", "2", *quick, expect=2)
    one_error_line(p, r"needs at least 4 B")
    run("run", "all_reduce", "-b", "4", "-e", "4", *quick, expect=0)


globals()["scenario_" + SCENARIO]()
print("OK", SCENARIO)
