"""The template as adopt and rollout see it: its checkout, its release tags, its renders, its checks.

The checks a generated project gets (contract, constraints, verify) are tapkit modules: the task carries
none of them, so adopt runs the same ones the hook and `python3 run.py check` run.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import yaml
from packaging.version import Version

import tapkit
from tapkit import constraints as _constraints, conventions
from tapkit.checks import contract as _contract, verify as _verify
from tapkit.lifecycle import conflicts as _conflicts
from tapkit.fleet import gitutil

ROOT = tapkit.ROOT
ANSWERS_FILE = conventions.ANSWERS_FILE
RENAMES_FILE = "tapkit/lifecycle/renames.json"
# Where releases before 0.5.0 kept their renames
OLD_RENAMES_FILES = ("hooks/renames.json",)


def contract() -> ModuleType:
    """The static TapStack call checker the hook runs (tapkit/checks/contract.py)."""
    return _contract


def constraints() -> ModuleType:
    """The Terraform constraint check (tapkit/constraints.py)."""
    return _constraints


def conflicts() -> ModuleType:
    """The scan for conflict markers and .rej files the post-update check uses (tapkit/lifecycle/conflicts.py)."""
    return _conflicts


def provider_version(python: str = sys.executable) -> str | None:
    """The AWS provider version the prebuilt bindings installed for `python` were generated for (verify's check)."""
    return _verify.provider_version(python)


def releases(source: Path | str) -> list[tuple[Version, str]]:
    """(version, tag) of the template's final releases, oldest first."""
    return gitutil.release_tags(source)


def config_at(source: Path, tag: str) -> dict:
    """copier.yml as released in `tag`."""
    return yaml.safe_load(gitutil.out(source, "show", f"{tag}:copier.yml")) or {}


def renames(source: Path | str, tag: str) -> list[tuple[Version, str, str]]:
    """(version, old, new) of every question renamed up to release `tag`, from its renames.json (tapkit/lifecycle/;
    hooks/ before 0.5.0).

    Renames only accumulate, so a release before 0.4.0 (which had no renames.json) gets this checkout's list,
    cut at its own version.
    """
    text = None
    for name in (RENAMES_FILE, *OLD_RENAMES_FILES):
        done = gitutil.git(source, "show", f"{tag}:{name}", check=False)
        if done.returncode == 0:
            text = done.stdout
            break
    if text is None:
        text = (ROOT / RENAMES_FILE).read_text(encoding="utf-8")
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
