#!/usr/bin/env python3
"""The Prometheus export against the real tools, and the Grafana dashboard against the export.

Usage: dashboards_test.py COLLBENCH WORKDIR SCENARIO RUN.jsonl VALIDATE.jsonl [DASHBOARD.json]
Scenarios:
  promtool       every file `collbench export` writes passes `promtool check metrics`, values are
                 in base units, and hostile label values come back unchanged after escaping
  node_exporter  a prometheus-node-exporter started here (127.0.0.1, textfile collector only)
                 serves the exported metrics over HTTP with the same values
  grafana        the dashboard's structure, and every query uses only metric names we export
Exit 0 pass, 1 fail, 77 skip (a tool is not installed).
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

COLLBENCH, WORKDIR, SCENARIO, RUN, VALIDATE = sys.argv[1:6]
DASHBOARD = sys.argv[6] if len(sys.argv) > 6 else None
os.makedirs(WORKDIR, exist_ok=True)


def fail(message):
    print("FAILED:", message)
    sys.exit(1)


def need(tool, package):
    path = shutil.which(tool)
    if not path:
        print(f"SKIP: {tool} not found (apt-get install {package})")
        sys.exit(77)
    return path


def export(*files):
    out = os.path.join(WORKDIR, "collbench.prom")
    proc = subprocess.run([COLLBENCH, "export", "--format", "prometheus", *files, "-o", out],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        fail(f"export exited {proc.returncode}: {proc.stderr}")
    with open(out, encoding="utf-8") as handle:
        return out, handle.read()


LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')


def unescape(value):
    return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), value)


def parse(text):
    """Samples of the text exposition format: [(name, {label: value}, float)]."""
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = LINE.match(line)
        if not match:
            fail(f"unparsable sample line: {line!r}")
        name, body, value = match.groups()
        labels = {k: unescape(v) for k, v in LABEL.findall(body or "")}
        samples.append((name, labels, float(value)))
    return samples


def records(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def check_with_promtool(path):
    promtool = need("promtool", "prometheus")
    with open(path, "rb") as handle:
        proc = subprocess.run([promtool, "check", "metrics"], stdin=handle, capture_output=True,
                              text=True, timeout=60)
    if proc.returncode != 0:
        fail(f"promtool check metrics rejected {path}: {proc.stdout} {proc.stderr}")


def hostile_files():
    """A run and a validate run whose strings need escaping in label values."""
    nasty = 'a"b\\c\nd}e,f='
    run = records(RUN)
    run[0]["backend"] = nasty
    for r in run[1:]:
        if r["type"] == "result":
            r["backend"] = nasty
    validate = records(VALIDATE)
    for r in validate:
        if r["type"] == "verdict":
            r["node"] = nasty + r["node"]
    paths = []
    for name, recs in (("hostile_run.jsonl", run), ("hostile_validate.jsonl", validate)):
        path = os.path.join(WORKDIR, name)
        with open(path, "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(r) + "\n" for r in recs)
        paths.append(path)
    return nasty, paths


def scenario_promtool():
    need("promtool", "prometheus")
    # Every combination the nightly job and a fleet dashboard write.
    for files in ([RUN], [VALIDATE], [RUN, VALIDATE]):
        path, text = export(*files)
        check_with_promtool(path)
    samples = parse(text)
    names = {s[0] for s in samples}
    for name in ("collbench_build_info", "collbench_run_timestamp_seconds",
                 "collbench_busbw_bytes_per_second", "collbench_time_seconds",
                 "collbench_validate_verdict", "collbench_validate_check"):
        if name not in names:
            fail(f"{name} is not exported")
    for old in ("collbench_busbw_gbps", "collbench_time_us"):
        if old in names:
            fail(f"the old name {old} is still written")

    # Base units: the exported busbw and time equal the JSON's GB/s and us scaled.
    results = [r for r in records(RUN) if r["type"] == "result"]
    run = records(RUN)[0]
    for r in results:
        want = {"collective": r["collective"], "dtype": r["dtype"], "op": r["redop"],
                "size": str(r["bytes"]), "ranks": str(r["nranks"]),
                "placement": "in_place" if r["inplace"] else "out_of_place",
                "hosts": str(len(run["hosts"])), "backend": r["backend"]}
        got = {s[0]: s[2] for s in samples if s[1] == want}
        if abs(got.get("collbench_busbw_bytes_per_second", -1) - r["busbw_GBps"] * 1e9) > \
                1e-6 * max(1.0, r["busbw_GBps"] * 1e9):
            fail(f"busbw of {want} is not {r['busbw_GBps']} GB/s in bytes per second")
        if abs(got.get("collbench_time_seconds", -1) - r["time_us"] * 1e-6) > 1e-12 + 1e-9 * r["time_us"]:
            fail(f"time of {want} is not {r['time_us']} us in seconds")
    info = [s for s in samples if s[0] == "collbench_build_info"]
    if not info or any(s[2] != 1 for s in info) or \
            {"version", "revision", "backend", "ranks", "hosts"} - set(info[0][1]):
        fail(f"collbench_build_info is not an info metric with the build's labels: {info}")
    stamps = [s for s in samples if s[0] == "collbench_run_timestamp_seconds"]
    if abs(max(s[2] for s in stamps) - time.time()) > 24 * 3600:
        fail(f"run timestamp {stamps} is not a recent time in seconds since the epoch")

    # Validation: one overall verdict per node, and every probe's check, pass = 0.
    verdicts = [r for r in records(VALIDATE) if r["type"] == "verdict" and r["check"] == "overall"]
    for v in verdicts:
        got = [s for s in samples if s[0] == "collbench_validate_verdict"
               and s[1]["node"] == v["node"] and s[1]["check"] == "overall"]
        code = {"PASS": 0, "WARN": 1, "FAIL": 2}[v["status"]]
        if len(got) != 1 or got[0][2] != code:
            fail(f"node {v['node']}: verdict {got}, expected {code}")
    nodes = {n for r in records(VALIDATE) if r["type"] == "probe" and r.get("phase") == "node"
             for n in r["nodes"]}
    measured = {s[1]["node"] for s in samples
                if s[0] == "collbench_validate_check_measured_bytes_per_second"
                and s[1]["phase"] == "node"}
    if nodes != measured:
        fail(f"measured bandwidth per node missing: {nodes} vs {measured}")
    # A failing check shows as 2, and a node failing overall too.
    bad = records(VALIDATE)
    for r in bad:
        if r["type"] == "probe" and r.get("phase") == "node":
            r["status"] = "FAIL"
            break
    for r in bad:
        if r["type"] == "verdict" and r["check"] == "overall":
            r["status"] = "FAIL"
            break
    bad_path = os.path.join(WORKDIR, "failing_validate.jsonl")
    with open(bad_path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in bad)
    path, text = export(bad_path)
    check_with_promtool(path)
    values = parse(text)
    if not any(s[0] == "collbench_validate_check" and s[2] == 2 for s in values) or \
            not any(s[0] == "collbench_validate_verdict" and s[2] == 2 for s in values):
        fail("a FAIL is not exported as 2")

    # Escaping: promtool accepts the file and every label value reads back as written.
    nasty, paths = hostile_files()
    path, text = export(*paths)
    check_with_promtool(path)
    values = parse(text)
    if not any(s[1].get("backend") == nasty for s in values if s[0] == "collbench_busbw_bytes_per_second"):
        fail("a backend name with quotes, backslash and newline did not survive escaping")
    if not any(s[1].get("node", "").startswith(nasty) for s in values
               if s[0] == "collbench_validate_verdict"):
        fail("a node name with quotes, backslash and newline did not survive escaping")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(url, deadline):
    last = None
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode("utf-8")
        except OSError as error:
            last = error
            time.sleep(0.2)
    fail(f"no answer from {url} in time: {last}")


def stop(signum, _frame):
    raise SystemExit(f"stopped by signal {signum}")


def scenario_node_exporter():
    exporter = need("prometheus-node-exporter", "prometheus-node-exporter")
    # ctest's SIGTERM and a 100 s alarm (inside its 120 s TIMEOUT) unwind through the finally
    # below, so the exporter never outlives the test.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGALRM, stop)
    signal.alarm(100)
    textdir = os.path.join(WORKDIR, "textfile")
    shutil.rmtree(textdir, ignore_errors=True)
    os.makedirs(textdir)
    out, text = export(RUN, VALIDATE)
    shutil.copy(out, os.path.join(textdir, "collbench.prom"))
    port = free_port()
    log = open(os.path.join(WORKDIR, "node_exporter.log"), "w", encoding="utf-8")
    proc = subprocess.Popen([exporter, f"--web.listen-address=127.0.0.1:{port}",
                             "--collector.disable-defaults", "--collector.textfile",
                             f"--collector.textfile.directory={textdir}"],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        served = scrape(f"http://127.0.0.1:{port}/metrics", time.time() + 30)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    errors = [s for s in parse(served) if s[0] == "node_textfile_scrape_error"]
    if not errors or errors[0][2] != 0:
        fail(f"the textfile collector reported an error: {errors}; see node_exporter.log")
    ours = {(n, tuple(sorted(l.items()))): v for n, l, v in parse(text)}
    theirs = {(n, tuple(sorted(l.items()))): v for n, l, v in parse(served)
              if n.startswith("collbench_")}
    if ours.keys() != theirs.keys():
        fail(f"served series differ: missing {list(ours.keys() - theirs.keys())[:3]}, "
             f"extra {list(theirs.keys() - ours.keys())[:3]}")
    for key, value in ours.items():
        if abs(theirs[key] - value) > 1e-9 * max(1.0, abs(value)):
            fail(f"{key}: served {theirs[key]}, exported {value}")
    print(f"node exporter on 127.0.0.1:{port} served {len(theirs)} collbench samples")


def scenario_grafana():
    if not DASHBOARD:
        fail("needs the dashboard file")
    with open(DASHBOARD, encoding="utf-8") as handle:
        dash = json.load(handle)
    # A validate run with a spec gives expected values too: give every probe one.
    with_spec = os.path.join(WORKDIR, "validate_with_spec.jsonl")
    with open(with_spec, "w", encoding="utf-8") as handle:
        for r in records(VALIDATE):
            if r["type"] == "probe" and isinstance(r.get("measured"), (int, float)):
                r["expected"] = r["measured"]
            handle.write(json.dumps(r) + "\n")
    _, text = export(RUN, with_spec)
    exported = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
    for key in ("title", "uid", "panels", "schemaVersion", "templating"):
        if key not in dash:
            fail(f"dashboard lacks '{key}'")
    variables = {v["name"] for v in dash["templating"]["list"]}
    ids = [p["id"] for p in dash["panels"]]
    if len(ids) != len(set(ids)):
        fail("panel ids are not unique")
    used = set()
    for panel in dash["panels"]:
        for key in ("type", "title", "gridPos", "targets", "datasource"):
            if key not in panel:
                fail(f"panel {panel.get('title')} lacks '{key}'")
        grid = panel["gridPos"]
        if not (0 <= grid["x"] and grid["x"] + grid["w"] <= 24 and grid["h"] > 0):
            fail(f"panel {panel['title']} does not fit the 24-column grid")
        if not panel["targets"]:
            fail(f"panel {panel['title']} has no query")
        for target in panel["targets"]:
            expr = target.get("expr", "")
            names = set(re.findall(r"\bcollbench_[a-z0-9_]+", expr))
            if not names:
                fail(f"panel {panel['title']}: query {expr!r} uses no collbench metric")
            for name in names - exported:
                fail(f"panel {panel['title']}: {name} is not a metric collbench exports")
            for var in re.findall(r"\$(\w+)", expr + panel["title"]):
                if var not in variables and not var.startswith("__"):
                    fail(f"panel {panel['title']}: variable ${var} is not defined")
            used |= names
    for var in dash["templating"]["list"]:
        query = var.get("definition", "")
        for name in set(re.findall(r"\bcollbench_[a-z0-9_]+", query)) - exported:
            fail(f"variable {var['name']}: {name} is not a metric collbench exports")
    # The latency panel's size matcher (Prometheus anchors it) keeps exactly sizes up to 64 KiB.
    latency = [p for p in dash["panels"] if p["title"].startswith("Latency")]
    if len(latency) != 1:
        fail("no latency panel")
    matcher = re.search(r'size=~"([^"]+)"', latency[0]["targets"][0]["expr"]).group(1)
    wrong = [n for n in list(range(0, 70000)) + [2 ** k for k in range(17, 34)]
             if bool(re.fullmatch(matcher, str(n))) != (n <= 65536)]
    if wrong:
        fail(f"the latency panel's size matcher is wrong for {wrong[:5]}")
    for wanted in ("collbench_busbw_bytes_per_second", "collbench_time_seconds",
                   "collbench_validate_verdict"):
        if wanted not in used:
            fail(f"no panel shows {wanted}")


globals()["scenario_" + SCENARIO]()
print("OK", SCENARIO)
