#!/usr/bin/env python3
"""The GPU machine's build, rehearsed on any machine: configures collbench with MPI, hwloc and
SQLite hidden (CMAKE_DISABLE_FIND_PACKAGE_*: as if they were not installed) and without
COLLBENCH_WERROR, as a user's plain cmake build would, builds the collbench binary only, and
checks that
  - the configure summary says MPI=OFF hwloc=OFF SQLite=OFF Werror=OFF;
  - no compile command has -Werror (a plain build must survive a compiler we never tried);
  - the build prints no warning (what -Werror would have caught, here in the code paths only
    this variant compiles);
  - `history` and `report --history` refuse with the reason and exit 2, while compare works.

Usage: no_deps_build.py SOURCE_DIR BUILD_DIR FIXTURE.jsonl [cmake -D options from the parent build...]
The build directory is kept, so a second run only builds what changed (removed after warnings,
so a rerun compiles the warning files again and fails again)."""
import json
import pathlib
import re
import shutil
import subprocess
import sys
import time


def fail(message):
    print(f"CHECK FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def run(command, **kwargs):
    return subprocess.run(command, text=True, capture_output=True, **kwargs)


def main():
    if len(sys.argv) < 4:
        print(__doc__.splitlines()[-2], file=sys.stderr)
        return 2
    source, build, fixture = (pathlib.Path(a) for a in sys.argv[1:4])
    parent_options = sys.argv[4:]
    started = time.monotonic()
    configure = ["cmake", "-S", str(source), "-B", str(build), *parent_options,
                 "-DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON", "-DCMAKE_DISABLE_FIND_PACKAGE_SQLite3=ON",
                 # hwloc is found through pkg-config: without it there is no hwloc.
                 "-DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON",
                 "-DCOLLBENCH_BUILD_TESTS=OFF", "-DCOLLBENCH_BUILD_BENCH=OFF"]
    done = run(configure)
    if done.returncode != 0:
        fail(f"configure failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    summary = re.search(r"collbench: (.*)", done.stdout)
    if not summary:
        fail(f"no 'collbench:' summary line in the configure output:\n{done.stdout}")
    for part in ("MPI=OFF", "hwloc=OFF", "SQLite=OFF", "Werror=OFF"):
        if part not in summary.group(1).split():
            fail(f"configure summary '{summary.group(1)}' lacks {part}")
    commands = json.loads((build / "compile_commands.json").read_text())
    with_werror = [c["file"] for c in commands if "-Werror" in c.get("command", "")]
    if with_werror:
        fail(f"-Werror in a plain build's compile commands: {with_werror[:3]}")

    done = run(["cmake", "--build", str(build), "--target", "collbench"])
    output = done.stdout + done.stderr
    if done.returncode != 0:
        fail(f"build failed (exit {done.returncode}):\n{output[-6000:]}")
    warnings = [line for line in output.splitlines() if re.search(r"warning", line, re.I)]
    if warnings:
        # An incremental build would not compile those files again: a rerun must not pass.
        shutil.rmtree(build)
        fail("the build warned (-Werror builds would fail):\n" + "\n".join(warnings[:20]))
    print(f"built collbench without MPI, hwloc and SQLite in {time.monotonic() - started:.0f} s "
          f"({summary.group(1)})")

    binary = str(build / "collbench")
    reason = "collbench was built without SQLite"
    for args, who in ((["history", "list"], "history"),
                      (["history", "add", str(fixture)], "history"),
                      (["report", "--history", str(build / "h.db"), str(fixture)],
                       "report --history")):
        done = run([binary, *args])
        expected = f"collbench: error: {who}: {reason}"
        if done.returncode != 2 or not done.stderr.startswith(expected) or \
                len(done.stderr.splitlines()) != 1:
            fail(f"collbench {' '.join(args)}: exit {done.returncode}, stderr {done.stderr!r}; "
                 f"expected exit 2 and one line starting {expected!r}")
    if (build / "h.db").exists():
        fail("report --history created a database in a build without SQLite")
    done = run([binary, "compare", str(fixture), str(fixture)])
    if done.returncode != 0 or "no regression" not in done.stdout:
        fail(f"compare without SQLite: exit {done.returncode}\n{done.stdout}{done.stderr}")
    print("history and report --history refuse with the reason (exit 2); compare works")
    return 0


if __name__ == "__main__":
    sys.exit(main())
