"""The template as tapctl sees it: its checkout, its release tags, its renders, its own helper modules."""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from types import ModuleType

import yaml
from packaging.version import Version

from tapctl import gitutil

ROOT = Path(__file__).resolve().parents[1]
ANSWERS_FILE = ".copier-answers.yml"


def load_file(path: Path, name: str) -> ModuleType:
    """Import a module from a file outside any package (hooks/, template/taptools/)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@cache
def contract() -> ModuleType:
    """The generated projects' static TapStack call checker (template/taptools/contract.py)."""
    return load_file(ROOT / "template" / "taptools" / "contract.py", "tap_template_contract")


@cache
def constraints() -> ModuleType:
    """The generated projects' Terraform constraint check (template/taptools/constraints.py)."""
    return load_file(ROOT / "template" / "taptools" / "constraints.py", "tap_template_constraints")


def conflicts() -> ModuleType:
    """The scan for conflict markers and .rej files the post-update check uses (hooks/conflicts.py)."""
    return load_file(ROOT / "hooks" / "conflicts.py", "tap_hook_conflicts")


TOOLCHAIN = ROOT / "template" / "taptools" / "toolchain.py"


def provider_version(python: str = sys.executable) -> str | None:
    """The AWS provider version the prebuilt bindings installed for `python` were generated for."""
    code = ("import importlib.util as u, pathlib, re; s = u.find_spec('cdktf_cdktf_provider_aws'); "
            "t = (pathlib.Path(s.submodule_search_locations[0]) / 'provider' / '__init__.py').read_text() "
            "if s else ''; "
            "m = re.search(r'hashicorp/aws/(\\d+\\.\\d+\\.\\d+)', t); print(m.group(1) if m else '')")
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    return done.stdout.strip() or None


def releases(source: Path | str) -> list[tuple[Version, str]]:
    """(version, tag) of the template's final releases, oldest first."""
    return gitutil.release_tags(source)


def config_at(source: Path, tag: str) -> dict:
    """copier.yml as released in `tag`."""
    return yaml.safe_load(gitutil.out(source, "show", f"{tag}:copier.yml")) or {}


def renames(config: dict) -> list[tuple[Version, str, str]]:
    """(version, old, new) of every question renamed by a rename_answer.py migration in a copier.yml."""
    found = []
    for migration in config.get("_migrations", []) or []:
        if not isinstance(migration, dict) or "version" not in migration:
            continue
        command = migration.get("command", [])
        if isinstance(command, list) and any("rename_answer.py" in str(part) for part in command):
            found.append((Version(str(migration["version"])), str(command[-2]), str(command[-1])))
    return found


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
