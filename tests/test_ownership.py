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
from tapkit import conventions

TEMPLATE_OWNED = ("Template-owned: rendered by the TAP cdktf copier template. Change it through the",
                  "template and `copier update`; local edits are merged on update and may conflict.")
YOURS = "Yours: written once by the TAP cdktf copier template; `copier update` never touches it."
# Files that cannot carry the header, and why. Each must still be rendered (a stale entry fails).
NO_COMMENT = {
    conventions.ANSWERS_FILE: "copier writes it from the answers; its own first line says not to edit it",
    "cdktf.json": "JSON, read by the cdktf CLI: no comments, and no key of ours in its schema",
    "metadata.json": "JSON, read by the pipeline: its schema is closed, no key of ours",
    "tests/unit/expected.json": "JSON data the generated tests and verify read",
}


@pytest.fixture(scope="module", params=["monorepo", "standalone"])
def project(request, tmp_path_factory) -> Path:
    """The default answers (in each layout) rendered from this checkout's files (not git's HEAD), no hook."""
    base = tmp_path_factory.mktemp("ownership")
    source = copy_template(base / "template")
    copier.run_copy(str(source), str(base / "project"), data={"layout": request.param}, defaults=True,
                    unsafe=True, skip_tasks=True, quiet=True)
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
    assert len(files) >= 15 and "tests/unit/expected.py" in files, files
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
    assert all(rel.endswith(".json") or rel == conventions.ANSWERS_FILE for rel in NO_COMMENT), (
        "only JSON and copier's answers file are excused: every other format can hold a comment")


def test_the_tasks_copies_of_template_code_are_that_code(project):
    """tests/unit/expected.py and lazy_provider.py are tapkit's modules, copied: one source, never a fork."""
    for name in ("expected.py", "lazy_provider.py"):
        copy = project / "tests" / "unit" / name
        assert copy.read_bytes() == (ROOT / "tapkit" / "checks" / name).read_bytes(), name
