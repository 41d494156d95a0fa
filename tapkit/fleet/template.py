"""The template as tapctl sees it: its checkout, its release tags, its renders, its own helper modules.

The template's modules import normally: tapctl puts template/ on sys.path (tapctl/__init__.py), so
`taptools.*` is what generated repos get, and hooks/ is a namespace package of the checkout's root.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import tapkit.constraints
import tapkit.checks.contract
import tapkit.checks.verify
import yaml
from packaging.version import Version

from tapkit.lifecycle import conflicts as _conflicts
from tapkit.fleet import gitutil

ROOT = Path(__file__).resolve().parents[1]
ANSWERS_FILE = ".copier-answers.yml"
RENAMES_FILE = "hooks/renames.json"


def contract() -> ModuleType:
    """The generated projects' static TapStack call checker (template/taptools/contract.py)."""
    return taptools.contract


def constraints() -> ModuleType:
    """The generated projects' Terraform constraint check (template/taptools/constraints.py)."""
    return taptools.constraints


def conflicts() -> ModuleType:
    """The scan for conflict markers and .rej files the post-update check uses (hooks/conflicts.py)."""
    return _conflicts


TOOLCHAIN = ROOT / "template" / "taptools" / "toolchain.py"


def provider_version(python: str = sys.executable) -> str | None:
    """The AWS provider version the prebuilt bindings installed for `python` were generated for (verify's check)."""
    return taptools.verify.provider_version(python)


def releases(source: Path | str) -> list[tuple[Version, str]]:
    """(version, tag) of the template's final releases, oldest first."""
    return gitutil.release_tags(source)


def config_at(source: Path, tag: str) -> dict:
    """copier.yml as released in `tag`."""
    return yaml.safe_load(gitutil.out(source, "show", f"{tag}:copier.yml")) or {}


def renames(source: Path | str, tag: str) -> list[tuple[Version, str, str]]:
    """(version, old, new) of every question renamed up to release `tag`, from its hooks/renames.json.

    Renames only accumulate, so a release before 0.4.0 (which had no renames.json) gets this checkout's list,
    cut at its own version.
    """
    done = gitutil.git(source, "show", f"{tag}:{RENAMES_FILE}", check=False)
    text = done.stdout if done.returncode == 0 else (ROOT / RENAMES_FILE).read_text(encoding="utf-8")
    upto = Version(tag) if re.fullmatch(r"\d+(\.\d+)*", tag) else None
    found = [(Version(str(entry["version"])), entry["old"], entry["new"]) for entry in json.loads(text)["answers"]]
    return [entry for entry in found if upto is None or entry[0] <= upto]


def answers_for(answers: dict, version: Version, renamed: list[tuple[Version, str, str]]) -> dict:
    """The answers with each question under the name it had in `version`."""
    out = dict(answers)
    for since, old, new in sorted(renamed, reverse=True):
        if version < since and new in out:
            out[old] = out.pop(new)
    return out


def render(source: Path | str, tag: str, answers: dict, dest: Path) -> subprocess.CompletedProcess:
    """copier copy of one release with these answers (no tasks) into dest."""
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False, encoding="utf-8") as handle:
        yaml.safe_dump(answers, handle, sort_keys=True)
        data_file = handle.name
    try:
        return subprocess.run(
            [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--skip-tasks", "--quiet",
             f"--vcs-ref={tag}", f"--data-file={data_file}", str(source), str(dest)],
            capture_output=True, text=True, check=False, timeout=600)
    finally:
        Path(data_file).unlink(missing_ok=True)


def skip_if_exists(config: dict) -> list[str]:
    """The user-owned paths of a release (copier's _skip_if_exists)."""
    return [str(p) for p in config.get("_skip_if_exists", []) or []]


def changelog_between(source: Path, tag: str, old: Version, new: Version) -> list[str]:
    """The CHANGELOG.md headings (as released in tag) of the versions after old up to new."""
    done = gitutil.git(source, "show", f"{tag}:CHANGELOG.md", check=False)
    if done.returncode != 0:
        return []
    lines = []
    for heading in re.findall(r"^## +(\S+)(.*)$", done.stdout, re.MULTILINE):
        try:
            version = Version(heading[0])
        except ValueError:
            continue
        if old < version <= new:
            lines.append(f"{heading[0]}{heading[1]}")
    return lines
