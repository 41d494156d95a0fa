"""Gate allowed-paths (scripts/check-project-files.sh): every path the pull request adds or changes sits under
an allowed folder or is an allowed root file (allowed_paths.json).

In a git checkout with origin/main the paths are what would reach the pull request: committed, changed and
untracked (not ignored) files against the merge base with origin/main, as CI's `git diff origin/main...HEAD`
sees them once committed. Elsewhere, and when no path of the task differs from origin/main (the task is on
main already, as an archived task or a fixture committed in another repository is), the folder itself is
listed, without tool output (walk_skip). A task in a subfolder of a checkout is judged by its paths relative
to its own folder, as it will sit at the root.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tapkit.pipeline import data
from tapkit.pipeline.result import Problem, Result, judged
from tapkit.pipeline.task import Task

NAME = "allowed-paths"
GIT_TIMEOUT = 60


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False,
                              timeout=GIT_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def git_paths(root: Path) -> list[str] | None:
    """The task's paths a pull request against origin/main would carry, relative to `root`; None when `root`
    is not in a git checkout with origin/main or nothing under it differs from origin/main (no pull request to
    judge: an empty list would pass any folder)."""
    if _git(root, "rev-parse", "--verify", "--quiet", "origin/main^{commit}") is None:
        return None
    base = (_git(root, "merge-base", "origin/main", "HEAD") or "").strip()
    if not base:
        return None
    changed = _git(root, "diff", "--name-only", "--relative", "-z", base, "--", ".")
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", ".")
    if changed is None or untracked is None:
        return None
    return sorted({p for p in (changed + untracked).split("\0") if p}) or None


def walked_paths(root: Path) -> list[str]:
    """Every file under `root` (relative, '/'-separated), without the names walk_skip lists."""
    skip = set(data.load("allowed_paths")["walk_skip"]["names"])
    found: list[str] = []
    for folder, folders, files in os.walk(root):
        here = Path(folder)
        links = [name for name in folders if (here / name).is_symlink()]  # one path to git, as a file is
        folders[:] = sorted(name for name in folders if name not in skip and name not in links)
        base = here.relative_to(root)
        found += [(base / name).as_posix() for name in (*files, *links) if name not in skip]
    return sorted(found)


def refused(paths: list[str]) -> list[Problem]:
    """The paths check-project-files refuses, one problem per root file or root folder, with the fix."""
    rules = data.load("allowed_paths")
    folders, root_files, hints = rules["folders"], rules["root_files"], rules["hints"]
    grouped: dict[str, list[str]] = {}
    for path in paths:
        top, _, rest = path.partition("/")
        if (rest and top in folders) or (not rest and path in root_files):
            continue
        grouped.setdefault(top + "/" if rest else path, []).append(path)
    problems = []
    for key, group in grouped.items():
        what = key if len(group) == 1 and not key.endswith("/") else f"{key} ({len(group)} files)"
        fix = hints.get(key) or (
            f"a root folder outside {', '.join(f + '/' for f in folders)}: move it under lib/ or leave it out"
            if key.endswith("/") else
            "not an accepted root file: move it under lib/ or leave it out of the pull request")
        problems.append(Problem(f"{what} is not allowed", fix))
    return problems


def check(task: Task) -> Result:
    """The allowed-paths gate."""
    paths = git_paths(task.root)
    how = "against origin/main" if paths is not None else "in the folder"
    if paths is None:
        paths = walked_paths(task.root)
    return judged(NAME, refused(paths), f"{len(paths)} paths {how}")
