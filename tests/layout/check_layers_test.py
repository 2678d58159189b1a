#!/usr/bin/env python3
"""The layering check passes on this repository and fails, naming the file, line and folders, on a
tree with one upward include (so the check itself can fail)."""
import pathlib
import subprocess
import sys
import tempfile

checker = pathlib.Path(sys.argv[1])
repo = pathlib.Path(sys.argv[2])

clean = subprocess.run([sys.executable, checker, repo], capture_output=True, text=True)
assert clean.returncode == 0, f"repository breaks the layering:\n{clean.stdout}{clean.stderr}"

with tempfile.TemporaryDirectory() as tmp:
    root = pathlib.Path(tmp)
    (root / "core").mkdir()
    (root / "harness").mkdir()
    (root / "harness" / "measure.hpp").write_text('#include "core/errors.hpp"\n')
    (root / "core" / "errors.hpp").write_text('#pragma once\n#include "harness/measure.hpp"\n')
    bad = subprocess.run([sys.executable, checker, root], capture_output=True, text=True)
    assert bad.returncode == 1, bad
    assert 'core/errors.hpp:2: include "harness/measure.hpp": core/ may not include harness/' in bad.stdout, bad.stdout
    assert "measure.hpp:1" not in bad.stdout, "a downward include was reported"
print("check_layers_test: ok")
