"""A rendered sample is checked in (tests/golden/default), so any change to the output is a visible diff.

After an intended change to the template, regenerate it and review the diff:
    UPDATE_GOLDEN=1 python3 run.py test tests/test_golden.py && git diff tests/golden
"""
from __future__ import annotations

import difflib
import os
import re
import shutil

from copier import run_copy

from helpers import ROOT

GOLDEN = ROOT / "tests" / "golden" / "default"
# Lines that name the template's checkout and commit, which differ between clones, and the copy's time
# (started_at, metadata.json's startedAt: the default is when copier ran).
VOLATILE = re.compile(r"^(_commit|_src_path|started_at): .*$", re.MULTILINE)
STARTED_AT = re.compile(r'^(  "startedAt": )"[^"]*"', re.MULTILINE)


def steady(text: str) -> str:
    """text with the volatile values replaced by a placeholder (metadata.json stays JSON)."""
    return STARTED_AT.sub(r'\1"<volatile>"', VOLATILE.sub(r"\1: <volatile>", text))


def files(tree):
    """{relative path: text} of every file in tree, volatile answer lines blanked."""
    out = {}
    for path in sorted(p for p in tree.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        out[path.relative_to(tree).as_posix()] = steady(path.read_text(encoding="utf-8"))
    return out


def test_default_render_matches_the_golden_sample(tmp_path):
    out = tmp_path / "golden-task"
    run_copy(str(ROOT), str(out), defaults=True, unsafe=True, skip_tasks=True, quiet=True, vcs_ref="HEAD")
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(out, GOLDEN)
        for path in [*GOLDEN.rglob(".copier-answers.yml"), GOLDEN / "metadata.json"]:
            path.write_text(steady(path.read_text(encoding="utf-8")), encoding="utf-8")
    want, got = files(GOLDEN), files(out)
    assert sorted(got) == sorted(want), "files added or removed; regenerate with UPDATE_GOLDEN=1"
    diffs = [
        "".join(difflib.unified_diff(text.splitlines(True), got[name].splitlines(True), f"golden/{name}", name))
        for name, text in want.items() if text != got[name]
    ]
    assert not diffs, "rendered output changed; review, then regenerate with UPDATE_GOLDEN=1:\n" + "\n".join(diffs)
