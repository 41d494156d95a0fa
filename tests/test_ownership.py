"""Every file a generated repo gets says who owns it: the template (changed through `copier update`) or you.

Renders the template with the default answers (no hook: only the files copier writes matter here) and reads
each file: one in copier.yml's _skip_if_exists carries the "Yours" header, every other one the
"Template-owned" header of includes/header.jinja, except the few formats below that cannot hold a comment.
"""
from __future__ import annotations

from pathlib import Path

import copier
import pytest
import yaml

from helpers import ROOT, copy_template

TEMPLATE_OWNED = ("Template-owned: rendered by the TAP cdktf copier template. Change it through the",
                  "template and `copier update`; local edits are merged on update and may conflict.")
YOURS = "Yours: written once by the TAP cdktf copier template; `copier update` never touches it."
# Files that cannot carry the header, and why. Each must still be rendered (a stale entry fails).
NO_COMMENT = {
    ".copier-answers.yml": "copier writes it from the answers; its own first line says not to edit it",
    "cdktf.json": "JSON, read by the cdktf CLI: no comments, and no key of ours in its schema",
    "metadata.json": "JSON, read by the pipeline: no comments, and no key of ours in its schema",
    "renovate.json": "JSON: says it in its \"description\" instead",
    "taptools/conventions.json": "JSON: says it in its \"_about\" instead",
    "taptools/expected.json": "JSON data the generated tests and verify read",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The default answers rendered from this checkout's files (not git's HEAD), without the hook."""
    base = tmp_path_factory.mktemp("ownership")
    source = copy_template(base / "template")
    copier.run_copy(str(source), str(base / "project"), defaults=True, unsafe=True, skip_tasks=True, quiet=True)
    return base / "project"


def rendered_files(project: Path) -> list[str]:
    """Every file of the project, relative and sorted."""
    return sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file())


def has_template_header(text: str) -> bool:
    """The two header lines, one after the other, whatever the comment prefix (#, <!--)."""
    lines = text.splitlines()
    return any(TEMPLATE_OWNED[0] in line and TEMPLATE_OWNED[1] in after for line, after in zip(lines, lines[1:]))


def test_every_template_owned_file_carries_the_header(project):
    skip = set(yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))["_skip_if_exists"])
    files = rendered_files(project)
    assert len(files) > 30 and "taptools/guardrails/core.py" in files, files
    missing = [rel for rel in files if rel not in skip and rel not in NO_COMMENT
               and not has_template_header((project / rel).read_text(encoding="utf-8"))]
    assert not missing, ("these template-owned files lack the ownership header (includes/header.jinja "
                         "template_owned(), or its two lines in a file that is not rendered by Jinja):\n"
                         + "\n".join(missing))


def test_your_files_say_they_are_yours(project):
    skip = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))["_skip_if_exists"]
    for rel in skip:
        text = (project / rel).read_text(encoding="utf-8")
        assert YOURS in text and not has_template_header(text), f"{rel} is yours: it must say so, and only that"


def test_the_exceptions_are_rendered_and_cannot_carry_a_comment(project):
    files = rendered_files(project)
    stale = [rel for rel in NO_COMMENT if rel not in files]
    assert not stale, f"NO_COMMENT lists files the template no longer renders: {stale}"
    assert all(rel.endswith(".json") or rel == ".copier-answers.yml" for rel in NO_COMMENT), (
        "only JSON and copier's answers file are excused: every other format can hold a comment")


def test_copied_tooling_is_marked_generated(project):
    attributes = (project / ".gitattributes").read_text(encoding="utf-8").splitlines()
    assert "taptools/** linguist-generated=true" in attributes
    # In the template repository the file is .gitattributes.jinja: git must not fold the template's own source.
    assert not (ROOT / "template" / ".gitattributes").exists()
