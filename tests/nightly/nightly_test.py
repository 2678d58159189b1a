#!/usr/bin/env python3
"""The nightly path: where the history lives, the report's history section, and the example
nightly script run for real.

Usage: nightly_test.py COLLBENCH WORKDIR SCENARIO [SOURCE_DIR]
Scenarios:
  history_location  COLLBENCH_HISTORY_DB, XDG_DATA_HOME and HOME decide the database, whatever the
                    current directory; `history add` prints it; no place at all is exit 2
  report_history    `report --history DB --rows ...`: busbw over time, the slow night (and only
                    it) marked REGRESSION, the chart drawn by a browser when chromium is present
  nightly_script    scripts/nightly-example.sh with extra run arguments writes the run, the
                    history, the report and promtool-clean metrics under one printed directory
Exit 0 pass, 1 fail.
"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

COLLBENCH, WORKDIR, SCENARIO = sys.argv[1:4]
SOURCE = sys.argv[4] if len(sys.argv) > 4 else None
shutil.rmtree(WORKDIR, ignore_errors=True)
os.makedirs(WORKDIR)


def fail(message):
    print("FAILED:", message)
    sys.exit(1)


def run(*args, expect=None, env=None, cwd=None):
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("COLLBENCH_HISTORY_DB", "XDG_DATA_HOME")}
    full_env.update(env or {})
    for key in [k for k, v in full_env.items() if v is None]:
        del full_env[key]
    proc = subprocess.run([COLLBENCH, *args], capture_output=True, text=True, env=full_env,
                          cwd=cwd or WORKDIR, timeout=120)
    print("$ collbench", " ".join(args), "->", proc.returncode)
    print(proc.stdout[-2000:], proc.stderr[-2000:], sep="\n")
    if expect is not None and proc.returncode != expect:
        fail(f"exit code {proc.returncode}, expected {expect}")
    return proc


def night(index, factor, collective="all_reduce"):
    """A crafted run: busbw = the baseline's x 1/factor, at 1 KiB and 1 MiB."""
    stamp = f"2026-11-{index + 1:02d}T02:00:00Z"
    records = [{"type": "run", "schema_version": 1, "collbench_version": "0.1.0",
                "git_revision": f"rev{index}", "timestamp": stamp, "command_line": f"night {index}",
                "backend": "mpi", "nranks": 2, "hosts": [{"name": "node1", "ranks": 2}],
                "mpi_library": "Open MPI", "env": {}, "settings": {}}]
    for size in (1024, 1 << 20):
        t = (2 + size / 2000.0) * factor
        bw = size / (t * 1e3)
        records.append({"type": "result", "schema_version": 1, "collective": collective,
                        "backend": "mpi", "dtype": "float", "redop": "sum", "root": -1,
                        "bytes": size, "count": size // 4, "nranks": 2, "inplace": False,
                        "time_us": t, "time_us_min": t, "time_us_max": t, "algbw_GBps": bw,
                        "busbw_GBps": bw, "wrong": 0})
    path = os.path.join(WORKDIR, f"night{index}.jsonl")
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in records)
    return path


def stored_runs(db):
    with sqlite3.connect(db) as con:
        return con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]


def scenario_history_location():
    first, second = night(0, 1.0), night(1, 1.0)
    home = os.path.join(WORKDIR, "home")
    elsewhere = os.path.join(WORKDIR, "cron-cwd")
    os.makedirs(elsewhere)
    # HOME only: ~/.local/share/collbench/history.db, from two different directories.
    default = os.path.join(home, ".local", "share", "collbench", "history.db")
    p = run("history", "add", first, expect=0, env={"HOME": home})
    if f"history: {default}" not in p.stdout:
        fail("history add does not print where it wrote")
    run("history", "add", second, expect=0, env={"HOME": home}, cwd=elsewhere)
    if not os.path.exists(default) or stored_runs(default) != 2:
        fail(f"runs added from two directories are not in one database at {default}")
    if os.path.exists(os.path.join(WORKDIR, "results")) or os.path.exists(os.path.join(elsewhere, "results")):
        fail("a history was created relative to the current directory")
    p = run("history", "list", expect=0, env={"HOME": home}, cwd=elsewhere)
    if len([l for l in p.stdout.splitlines() if "night" in l]) != 2:
        fail("history list from another directory does not see both runs")
    # XDG_DATA_HOME when absolute; ignored when relative (the XDG rule).
    xdg = os.path.join(WORKDIR, "xdg")
    p = run("history", "add", first, expect=0, env={"HOME": home, "XDG_DATA_HOME": xdg})
    if f"history: {xdg}/collbench/history.db" not in p.stdout:
        fail("XDG_DATA_HOME is not used")
    p = run("history", "add", first, expect=0, env={"HOME": home, "XDG_DATA_HOME": "relative"})
    if f"history: {default}" not in p.stdout:
        fail("a relative XDG_DATA_HOME was not ignored")
    # COLLBENCH_HISTORY_DB wins; --db wins over it.
    chosen = os.path.join(WORKDIR, "chosen", "h.db")
    p = run("history", "add", first, expect=0, env={"HOME": home, "COLLBENCH_HISTORY_DB": chosen})
    if f"history: {chosen}" not in p.stdout or stored_runs(chosen) != 1:
        fail("COLLBENCH_HISTORY_DB is not used")
    flag = os.path.join(WORKDIR, "flag.db")
    p = run("history", "--db", flag, "add", first, expect=0,
            env={"HOME": home, "COLLBENCH_HISTORY_DB": chosen})
    if f"history: {flag}" not in p.stdout:
        fail("--db does not win over COLLBENCH_HISTORY_DB")
    # Nowhere to put it: exit 2 with one line.
    p = run("history", "add", first, expect=2, env={"HOME": None})
    if p.stderr.count("\n") != 1 or "COLLBENCH_HISTORY_DB" not in p.stderr:
        fail("no HOME and no COLLBENCH_HISTORY_DB must be one clear line")


def render(html):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        print("chromium is not installed: the history chart is not drawn by a browser here")
        return None
    profile = tempfile.mkdtemp()
    try:
        proc = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                               "--no-first-run", "--disable-background-networking",
                               "--disable-component-update", "--disable-sync",
                               f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                               "--virtual-time-budget=10000", "--dump-dom", "file://" + html],
                              capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    errors = [l for l in proc.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
    if errors:
        fail("console errors: " + " | ".join(errors[:3]))
    match = re.search(r'data-rendered="(\d+)"', proc.stdout)
    if not match:
        fail("the page never finished drawing")
    return int(match.group(1))


def scenario_report_history():
    db = os.path.join(WORKDIR, "history.db")
    factors = [1.00, 1.01, 0.99, 1.00, 1.02, 1.25, 1.00, 0.98]  # night 5 is 20 % slower
    files = [night(i, f) for i, f in enumerate(factors)]
    files.append(night(20, 1.0, collective="all_to_all"))
    run("history", "--db", db, "add", *files, expect=0)
    html = os.path.join(WORKDIR, "report.html")
    run("report", files[-2], "--history", db, "--rows", "all_reduce:1M,all_to_all", "-o", html,
        expect=0)
    text = open(html, encoding="utf-8").read()
    verdicts = re.findall(r"<td class=text>(2026-11-\d\dT[^<]*)</td><td class=text>rev\d+</td>"
                          r"(?:<td>[^<]*</td>){3}<td class=[^>]*>([^<]*)</td>", text)
    if len([v for v in verdicts if v[0].startswith("2026-11-0")]) != len(factors):
        fail(f"expected one all_reduce 1 MiB point per night, table has {verdicts}")
    marked = [stamp for stamp, verdict in verdicts if verdict.startswith("REGRESSION")]
    if marked != ["2026-11-06T02:00:00Z"]:
        fail(f"regressions marked at {marked}, expected only the slow night 2026-11-06")
    if "all_reduce 1 MiB" not in text or "all_to_all 1 MiB" not in text:
        fail("a chosen row has no history chart")
    if "all_reduce 1 KiB" in text:
        fail("a row that was not chosen was drawn")
    data = json.loads(re.search(r'id="collbench-data">(.*?)</script>', text, re.S).group(1))
    history = [c for c in data["charts"] if c.get("xTime")]
    if len(history) != 2:
        fail(f"{len(history)} history charts, expected 2")
    series = history[0]["series"][0]
    if sum(series["marks"]) != 1 or len(series["points"]) != len(factors):
        fail("the chart's regression marks do not match the table")
    drawn = render(html)
    # Every chart of the page is drawn: the run's own (busbw on linear and log scales, time) and
    # the two history charts.
    if drawn is not None and (drawn != len(data["charts"]) or len(data["charts"]) < 4):
        fail(f"{drawn} charts drawn, expected all {len(data['charts'])}")
    # Bad requests: one line, exit 2, no file.
    os.remove(html)
    for args, pattern in ((["--rows", "all_gather"], "no such results"),
                          (["--rows", "all_reduce:3K"], "no such results"),
                          (["--rows", ":1M"], "names no collective"),
                          (["--last", "0"], "--last")):
        p = run("report", "--history", db, *args, "-o", html, expect=2)
        if p.stderr.count("\n") != 1 or pattern not in p.stderr:
            fail(f"{args}: expected one line naming {pattern!r}")
    # A results file where the database belongs (`report --history tonight.jsonl`).
    for args in (["report", "--history", files[0], "-o", html], ["history", "--db", files[0], "list"]):
        p = run(*args, expect=2)
        if p.stderr.count("\n") != 1 or "not a history database" not in p.stderr:
            fail(f"{args}: a results file as the database must be one clear line, exit 2")
    p = run("report", "--history", os.path.join(WORKDIR, "absent.db"), "-o", html, expect=2)
    if "no history database" not in p.stderr:
        fail("a missing history database is not named")
    if os.path.exists(html) or os.path.exists(os.path.join(WORKDIR, "absent.db")):
        fail("a bad request wrote a report or created a database")


def scenario_nightly_script():
    if not SOURCE:
        fail("needs the source directory")
    out = os.path.join(WORKDIR, "nightly")
    env = {k: v for k, v in os.environ.items() if k != "COLLBENCH_HISTORY_DB"}
    textfile = os.path.join(WORKDIR, "textfile")
    os.makedirs(textfile)
    env.update({"COLLBENCH_NIGHTLY_DIR": out, "COLLBENCH_BUILD_DIR": os.path.dirname(COLLBENCH),
                "COLLBENCH_TEXTFILE_DIR": textfile})
    extra = ["-b", "1K", "-e", "4K", "-n", "1", "-w", "0", "--repeat", "1", "-d", "int32"]
    for night_number in range(2):
        proc = subprocess.run([os.path.join(SOURCE, "scripts", "nightly-example.sh"), *extra],
                              capture_output=True, text=True, env=env, timeout=300, cwd=WORKDIR)
        print(proc.stdout[-3000:], proc.stderr[-2000:], sep="\n")
        if proc.returncode not in (0, 1):  # 1: a noisy night judged a regression is allowed
            fail(f"nightly-example.sh exited {proc.returncode}")
        if f"# nightly: writing under {out}" not in proc.stdout:
            fail("the script does not print its directory")
    runs = sorted(os.listdir(os.path.join(out, "runs")))
    if len(runs) != 2:
        fail(f"expected 2 runs under {out}/runs, found {runs}")
    records = [json.loads(l) for l in open(os.path.join(out, "runs", runs[-1]))]
    settings = records[0]["settings"]
    if settings["max_bytes"] != 4096 or settings["min_bytes"] != 1024:
        fail("the extra arguments did not reach collbench run")
    if {r["dtype"] for r in records if r["type"] == "result"} != {"int32"}:
        fail("-d int32 did not reach collbench run")
    if stored_runs(os.path.join(out, "history.db")) != 2:
        fail("the history under the nightly directory does not hold both nights")
    report = open(os.path.join(out, "report.html"), encoding="utf-8").read()
    if "<h2>History</h2>" not in report:
        fail("the nightly report has no history section")
    promtool = shutil.which("promtool")
    if promtool:
        with open(os.path.join(out, "collbench.prom"), "rb") as handle:
            check = subprocess.run([promtool, "check", "metrics"], stdin=handle,
                                   capture_output=True, text=True, timeout=60)
        if check.returncode != 0:
            fail(f"promtool rejects the nightly metrics: {check.stdout}{check.stderr}")
    else:
        print("promtool not installed: the metrics file is not linted here")
    if open(os.path.join(textfile, "collbench.prom")).read() != \
            open(os.path.join(out, "collbench.prom")).read():
        fail("COLLBENCH_TEXTFILE_DIR did not get the night's metrics")
    leftovers = set(os.listdir(out)) - {"runs", "history.db", "report.html", "collbench.prom"}
    if {name for name in leftovers if not name.startswith("history.db-")}:
        fail(f"unexpected files under {out}: {leftovers}")


globals()["scenario_" + SCENARIO]()
print("OK", SCENARIO)
