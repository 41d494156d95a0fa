"""Generated tests clean up after themselves: cdktf's Testing.app() outdirs do not pile up in $TMPDIR."""
from __future__ import annotations

import shutil

from helpers import PYTHON, run


def test_generated_unit_tests_leave_nothing_in_the_temporary_directory(rendered, tmp_path):
    project = shutil.copytree(rendered("default"), tmp_path / "project")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    done = run([PYTHON, "-m", "pytest", "tests/unit", "-q", "-p", "no:cacheprovider", "-p", "no:copie",
                "-p", "no:cov"], project, TMPDIR=str(tmp))
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout
    # pytest's own pytest-of-<user> (it keeps the last three runs) is not ours to delete.
    left = sorted(p.name for p in tmp.iterdir() if not p.name.startswith("pytest-of-"))
    assert not left, f"the generated tests left {left} in $TMPDIR (cdktf.outdir.* from Testing.app())"
