"""Throwaway template releases and fleets of generated repos.

The tests and bench/update_fleet.py use it; so can a template maintainer who
wants to rehearse a release on copies before rolling it out:

    releases = template_releases(ROOT, tmp / "template", [("0.2.0", None), ("0.3.0", sample_fixes)])
    fleet = generate_fleet(releases, "0.2.0", tmp / "fleet", 20)

A release is a commit of the template's files (copier.yml, includes/,
template/, hooks/ and the tapkit/ package they run) in a new git repository,
tagged with its PEP 440 version.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import yaml

import tapkit
from tapkit import conventions
from tapkit.fleet import gitutil

TEMPLATE_PARTS = ("copier.yml", "includes", "template", "hooks", "tapkit")
ROOT = tapkit.ROOT

Change = Callable[[Path], None]


def copy_template(source: Path, dest: Path) -> Path:
    """The files copier reads from a template checkout, copied into dest (caches left out)."""
    dest.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in TEMPLATE_PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, dest / part, ignore=ignore, dirs_exist_ok=True)
        else:
            shutil.copy2(source / part, dest / part)
    return dest


def template_releases(source: Path, dest: Path, releases: Iterable[tuple[str, Change | None]]) -> Path:
    """A template repository at dest: one commit and tag per (version, change applied first)."""
    copy_template(source, dest)
    gitutil.git(dest, "init", "-q", "-b", "main")
    for version, change in releases:
        if change is not None:
            change(dest)
        gitutil.commit_all(dest, f"template {version}")
        gitutil.git(dest, "tag", version)
    return dest


def replace_once(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of old in path; fail, naming the file, if it is not there exactly once."""
    text = path.read_text(encoding="utf-8")
    if text.count(old) != 1:
        raise AssertionError(
            f"{path}: expected exactly one {old!r}, found {text.count(old)}; the template changed shape, "
            "so update this sample change in tapkit/fleet/sandbox.py"
        )
    path.write_text(text.replace(old, new), encoding="utf-8")


def before_0_2_0(root: Path) -> None:
    """Turn the template's copier.yml back into its 0.1.0 form: question cdktf_version, no migrations."""
    path = root / "copier.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config.pop("_migrations")
    questions = {}
    for key, value in config.items():
        if key == "cdktf_version":
            continue  # the hidden alias 0.2.0 added
        if key == "cdktf_package_version":
            key = "cdktf_version"
            value = {**value, "default": "0.21.0",
                     "validator": value["validator"].replace("cdktf_package_version", "cdktf_version")}
        elif isinstance(value, dict) and isinstance(value.get("validator"), str):
            # later questions that check against the pin (the provider pin, the constraint) name it the old way
            value = {**value, "validator": value["validator"].replace("cdktf_package_version", "cdktf_version")}
        questions[key] = value
    path.write_text(yaml.safe_dump(questions, sort_keys=False, width=1000), encoding="utf-8")


def sample_fixes(root: Path) -> None:
    """A sample release: one change each to the entry point, the backend, the provider tags and the signature."""
    template = root / "template"
    # Entry point: no construct stack traces in the synthesized JSON.
    replace_once(template / "tap.py.jinja", "    app = App()\n", "    app = App(stack_traces=False)\n")
    # Backend: a workspace key prefix, and its test.
    replace_once(template / "lib" / "tap_stack.py.jinja", "            encrypt=True,\n",
                 "            encrypt=True,\n            workspace_key_prefix=\"tap\",\n")
    replace_once(template / "tests" / "unit" / "expected.json.jinja",
                 "{%- set backend_settings = {'encrypt': true} -%}",
                 "{%- set backend_settings = {'encrypt': true, 'workspace_key_prefix': 'tap'} -%}")
    # Provider tags: a ManagedBy tag, from TAP_MANAGED_BY or "tap-template".
    replace_once(root / "includes" / "stack_params.jinja", "selectattr(0, 'in', _chosen) | list -%}",
                 "selectattr(0, 'in', _chosen) | list + [('ManagedBy', 'TAP_MANAGED_BY', 'tap-template')] -%}")
    # Signature: a new keyword-only parameter, project_name, kept on the stack.
    replace_once(root / "includes" / "stack_params.jinja", "{%- set STACK_PARAMS = [\n",
                 "{%- set STACK_PARAMS = [\n  {'name': 'project_name', 'type': 'str', 'env': none, "
                 "'expr': project_name | to_json, 'test': none, 'doc': 'The task repo name.'},\n")
    replace_once(template / "lib" / "tap_stack.py.jinja", "        self.environment_suffix = environment_suffix\n",
                 "        self.environment_suffix = environment_suffix\n        self.project_name = project_name\n")


def current(root: Path) -> None:
    """Make the release hold this checkout's template files as they are now (and no file it no longer has)."""
    for part in TEMPLATE_PARTS:
        target = root / part
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    copy_template(ROOT, root)


# 0.1.0: before the cdktf_version rename; 0.2.0: this checkout; 0.3.0: sample fixes on top.
SAMPLE_RELEASES: list[tuple[str, Change]] = [("0.1.0", before_0_2_0), ("0.2.0", current), ("0.3.0", sample_fixes)]


def sample_releases(dest: Path) -> Path:
    """A template repository at dest with the tags 0.1.0, 0.2.0 and 0.3.0 (see SAMPLE_RELEASES)."""
    return template_releases(ROOT, dest, SAMPLE_RELEASES)


def copier(*args: str, cwd: Path | None = None, env: dict | None = None,
           timeout: int = 900) -> subprocess.CompletedProcess:
    """Run this interpreter's copier CLI; output captured as text, never raises on failure."""
    return subprocess.run([sys.executable, "-m", "copier", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def update(repo: Path, *args: str, env: dict | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    """`copier update --trust` in repo, with the answers file it has (lib/.copier-answers.yml from 0.5.0: copier
    looks only at the root one unless told)."""
    answers_file = conventions.answers_file(repo).relative_to(repo).as_posix()
    return copier("update", "--trust", f"--answers-file={answers_file}", *args, cwd=repo, env=env, timeout=timeout)


def generate(template: Path, version: str, dest: Path, data: dict | None = None) -> Path:
    """copier copy of one version (no tasks), committed as the project's first commit."""
    flags = [f"--data={k}={v if isinstance(v, str) else yaml.safe_dump(v, default_flow_style=True).strip()}"
             for k, v in (data or {}).items()]
    done = copier("copy", "--trust", "--defaults", "--skip-tasks", "--quiet", f"--vcs-ref={version}", *flags,
                  str(template.resolve()), str(dest))
    if done.returncode != 0:
        raise RuntimeError(f"copier copy of {template}@{version} into {dest} failed:\n{done.stdout}{done.stderr}")
    gitutil.init(dest, f"Generated from the TAP template {version}")
    return dest


def generate_fleet(template: Path, version: str, dest: Path, count: int, prefix: str = "task") -> list[Path]:
    """count identical repos from one render, each its own git repository.

    Rendering once and copying (with .git) is far faster than count copier runs,
    and for an update the repos need not differ.
    """
    dest.mkdir(parents=True, exist_ok=True)
    first = generate(template, version, dest / f"{prefix}-000")
    repos = [first]
    for index in range(1, count):
        repos.append(Path(shutil.copytree(first, dest / f"{prefix}-{index:03d}", symlinks=True)))
    return repos
