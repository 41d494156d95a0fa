"""A clone of this repository as CI and new users get it: committed HEAD, no release tags."""
from __future__ import annotations

import subprocess
from pathlib import Path

from helpers import ROOT


def git(repo: Path, *args: str) -> str:
    """git's output in `repo`, stripped; raises if git fails."""
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout.strip()


def tagless_clone(dest: Path) -> Path:
    """`git clone --no-tags` of this checkout, sharing its .venv so run.py installs nothing.

    The clone holds what is committed, not this work tree's edits.
    """
    subprocess.run(["git", "clone", "-q", "--no-tags", str(ROOT), str(dest)], check=True)
    assert git(dest, "tag", "--list") == "", "the clone must start without tags"
    (dest / ".venv").symlink_to(ROOT / ".venv")  # same requirements.txt, so run.py's stamp matches
    with (dest / ".git" / "info" / "exclude").open("a", encoding="utf-8") as exclude:
        exclude.write("/.venv\n")  # .gitignore's `.venv/` does not match a symlink; release wants a clean tree
    return dest


def delete_tags(repo: Path) -> None:
    """Delete every tag of `repo`."""
    tags = git(repo, "tag", "--list").split()
    if tags:
        git(repo, "tag", "-d", *tags)
