"""The few git operations tapctl needs, each a plain `git` subprocess."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from packaging.version import InvalidVersion, Version

# Used only when the repository has no identity configured, so a commit never fails for that.
FALLBACK_IDENTITY = {"user.name": "tapctl", "user.email": "tapctl@localhost"}


class GitError(RuntimeError):
    """A git command failed; the message holds the command, where, and git's own output."""


def git(cwd: Path | str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run `git args` in cwd; with check, raise GitError on failure."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, check=False)
    if check and done.returncode != 0:
        raise GitError(f"`git {' '.join(args)}` failed in {cwd}: {(done.stderr or done.stdout).strip()}")
    return done


def out(cwd: Path | str, *args: str) -> str:
    """Stripped stdout of a git command that must succeed."""
    return git(cwd, *args).stdout.strip()


def toplevel(path: Path) -> Path | None:
    """The root of the git work tree holding path, or None when path is not in one."""
    done = git(path, "rev-parse", "--show-toplevel", check=False) if path.is_dir() else None
    return Path(done.stdout.strip()).resolve() if done and done.returncode == 0 else None


def status_lines(repo: Path) -> list[str]:
    """`git status --porcelain` lines: modified, staged, untracked and unmerged paths (ignored ones excluded)."""
    return [line for line in git(repo, "status", "--porcelain").stdout.splitlines() if line.strip()]


def current_branch(repo: Path) -> str | None:
    """The checked-out branch, or None on a detached HEAD."""
    done = git(repo, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    return done.stdout.strip() if done.returncode == 0 else None


def branch_exists(repo: Path, name: str) -> bool:
    """Whether a local branch of that name exists."""
    return git(repo, "show-ref", "--verify", "--quiet", f"refs/heads/{name}", check=False).returncode == 0


def head(repo: Path) -> str:
    """The full hash of the checked-out commit."""
    return out(repo, "rev-parse", "HEAD")


def config_get(repo: Path, key: str) -> str | None:
    """A repository-local config value, or None when unset."""
    done = git(repo, "config", "--local", "--get", key, check=False)
    return done.stdout.strip() if done.returncode == 0 else None


def config_set(repo: Path, key: str, value: str | None) -> None:
    """Set a repository-local config value; None unsets it (no error when it was not set)."""
    if value is None:
        git(repo, "config", "--local", "--unset-all", key, check=False)
    else:
        git(repo, "config", "--local", key, value)


def switch_to(repo: Path, where: str) -> None:
    """Check out a branch, or a commit as a detached HEAD when `where` is a full hash."""
    if branch_exists(repo, where):
        git(repo, "switch", "-q", where)
    else:
        git(repo, "switch", "-q", "--detach", where)


def identity_args(repo: Path) -> list[str]:
    """`-c user.name=... -c user.email=...` for whatever identity the repository lacks."""
    args = []
    for key, value in FALLBACK_IDENTITY.items():
        if not git(repo, "config", key, check=False).stdout.strip():
            args += ["-c", f"{key}={value}"]
    return args


def commit_all(repo: Path, message: str) -> str:
    """Stage everything (ignored files stay out) and commit; the new commit's short hash."""
    git(repo, "add", "-A")
    git(repo, *identity_args(repo), "commit", "-q", "--no-verify", "-m", message)
    return out(repo, "rev-parse", "--short", "HEAD")


def init(repo: Path, message: str) -> str:
    """Make repo a git repository on branch main with everything in one commit."""
    git(repo, "init", "-q", "-b", "main")
    return commit_all(repo, message)


def release_tags(source: str | Path, prereleases: bool = False) -> list[tuple[Version, str]]:
    """(version, tag) of the PEP 440 tags of a template repository (path or URL), oldest first."""
    done = git(Path.cwd(), "ls-remote", "--tags", "--refs", str(source), check=False)
    if done.returncode != 0:
        raise GitError(f"cannot list the tags of template {source}: {(done.stderr or done.stdout).strip()}")
    found = []
    for line in done.stdout.splitlines():
        tag = line.split("refs/tags/", 1)[-1]
        try:
            version = Version(tag)
        except InvalidVersion:
            continue
        if prereleases or not version.is_prerelease:
            found.append((version, tag))
    return sorted(found)
