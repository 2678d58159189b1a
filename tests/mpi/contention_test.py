#!/usr/bin/env python3
"""A sweep with a busy process pinned to a CPU the ranks run on: the header names it and rows are
marked unstable. The same sweep on a quiet machine: no busy-process warning and no marks (up to
three attempts, since a shared VM has noise of its own; each attempt is judged whole).

Usage: contention_test.py LAUNCHER... -- COLLBENCH"""
import os
import re
import subprocess
import sys
import time

sep = sys.argv.index("--")
launcher, collbench = sys.argv[1:sep], sys.argv[sep + 1]
sweep = ["run", "all_reduce", "-b", "8", "-e", "64K", "-f", "4", "-n", "20", "-w", "2",
         "--bind", "none", "-T", "120"]


def run_sweep():
    p = subprocess.run(launcher + [collbench] + sweep, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"rc {p.returncode}\n{p.stdout}\n{p.stderr}"
    rows = [line for line in p.stdout.splitlines() if re.match(r"^\s+\d+\s+\d+\s", line)]
    assert len(rows) == 7, p.stdout
    unstable = [line for line in rows if "~ unstable" in line]
    return p.stdout, rows, unstable


def busy_loop(cpu):
    """A process spinning on one CPU, started through Python so its name is predictable."""
    code = f"import os\nos.sched_setaffinity(0, {{{cpu}}})\nwhile True: pass\n"
    return subprocess.Popen([sys.executable, "-c", code])


cpus = sorted(os.sched_getaffinity(0))
quiet_ok = False
for attempt in range(3):
    out, rows, unstable = run_sweep()
    busy_warning = "busy process" in out
    print(f"quiet attempt {attempt + 1}: {len(unstable)} of {len(rows)} rows unstable, "
          f"busy-process warning: {busy_warning}")
    if not unstable and not busy_warning:
        quiet_ok = True
        break
    time.sleep(2)
assert quiet_ok, "a quiet sweep kept unstable rows or a busy-process warning:\n" + out

spinner = busy_loop(cpus[-1])
try:
    time.sleep(0.5)
    out, rows, unstable = run_sweep()
finally:
    spinner.kill()
    spinner.wait()
print(f"contended: {len(unstable)} of {len(rows)} rows unstable")
warning = re.search(r"# WARNING: .*busy process\(es\) on the ranks' CPUs: .*\(pid (\d+), cpu (\d+)\)",
                    out)
assert warning, "no busy-process warning in the header:\n" + out
assert str(spinner.pid) in out, f"the spinner (pid {spinner.pid}) is not named:\n{out}"
assert unstable, "no row was marked unstable with a busy process on a rank's CPU:\n" + out
assert "# ~ unstable:" in out, "no legend line:\n" + out
print("contention_test: ok")
