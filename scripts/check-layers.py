#!/usr/bin/env python3
"""Checks that every #include of a project header follows the folder layering in
docs/ARCHITECTURE.md: a folder includes only itself and the folders below it. Prints one line per
upward include (FILE:LINE: include "X": folder A may not include folder B) and exits 1 if any."""
import argparse
import pathlib
import re
import sys

# Each folder and the project folders it may include (besides itself). Lower layers first.
ALLOWED = {
    "core": set(),
    "runtime": {"core"},
    "kernels": {"core"},
    "topology": {"core"},
    "results": {"core"},
    "collectives": {"core", "kernels", "runtime"},
    "model": {"core", "collectives", "results"},
    "validation": {"core", "collectives", "topology", "results"},
    "harness": {"core", "runtime", "kernels", "topology", "results", "collectives", "model",
                "validation"},
}
# Tests and benchmarks sit above everything.
TOP = {"tests", "bench"}
SOURCES = {".cpp", ".hpp", ".cu", ".cuh", ".h", ".cc", ".in"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def violations(root: pathlib.Path):
    folders = set(ALLOWED) | TOP
    for path in sorted(root.rglob("*")):
        if path.suffix not in SOURCES or not path.is_file():
            continue
        rel = path.relative_to(root)
        if rel.parts[0] not in folders:
            continue  # build trees, generated or third-party files
        here = rel.parts[0]
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            target = match.group(1).split("/")[0]
            if target not in ALLOWED or target == here or here in TOP:
                continue
            if target not in ALLOWED[here]:
                yield f'{rel}:{number}: include "{match.group(1)}": {here}/ may not include {target}/'


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", nargs="?", default=pathlib.Path(__file__).resolve().parent.parent,
                        type=pathlib.Path, help="the source tree (default: this repository)")
    args = parser.parse_args()
    if not args.root.is_dir():
        print(f"check-layers: {args.root}: not a directory", file=sys.stderr)
        return 2
    found = list(violations(args.root))
    for line in found:
        print(line)
    print(f"check-layers: {len(found)} upward include(s)" if found else "check-layers: layering holds")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
