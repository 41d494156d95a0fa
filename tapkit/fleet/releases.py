"""Releases live in CHANGELOG.md, so a clone or mirror without tags still knows them.

A release X.Y.Z is the first commit of the branch whose CHANGELOG.md has the
heading `## X.Y.Z` not marked `(unreleased)`. A release made before that rule
names its commit in the heading: `## 0.1.0 (2026-11-23, commit f38b8d0)`.

copier, adopt and rollout read releases from git tags, and `git clone` of a
branch (or a mirror that drops tags) brings none, so every run.py job and the
test suite first call ensure_tags(), which recreates the missing ones.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from packaging.version import InvalidVersion, Version

from tapkit import ROOT
from tapkit.fleet import gitutil

CHANGELOG = "CHANGELOG.md"
HEADING = re.compile(r"^## +(?P<version>\d[^\s(]*)(?P<rest>.*)$", re.MULTILINE)
EXPLICIT = re.compile(r"\bcommit ([0-9a-f]{7,40})\b")


class ReleaseError(Exception):
    """A release cannot be made or found; the message says why and what to do."""


def headings(text: str) -> dict[Version, str]:
    """{version: rest of the heading line} of the released (not `(unreleased)`) headings of a CHANGELOG."""
    found = {}
    for match in HEADING.finditer(text):
        try:
            version = Version(match.group("version"))
        except InvalidVersion:
            continue
        if "unreleased" not in match.group("rest").lower():
            found[version] = match.group("rest")
    return found


def recorded(root: Path) -> dict[Version, str]:
    """{version: full commit hash} of every release CHANGELOG.md at HEAD records."""
    head = gitutil.git(root, "show", f"HEAD:{CHANGELOG}", check=False)
    if head.returncode != 0:
        return {}
    wanted = headings(head.stdout)
    found: dict[Version, str] = {}
    for version, rest in wanted.items():
        explicit = EXPLICIT.search(rest)
        if explicit:
            found[version] = gitutil.out(root, "rev-parse", "--verify", f"{explicit.group(1)}^{{commit}}")
    missing = set(wanted) - set(found)
    if missing:
        # Oldest first: the first commit whose CHANGELOG has the released heading is the release.
        commits = gitutil.out(root, "log", "--first-parent", "--reverse", "--format=%H", "HEAD", "--",
                              CHANGELOG).split()
        for commit in commits:
            text = gitutil.git(root, "show", f"{commit}:{CHANGELOG}", check=False).stdout
            for version in [v for v in missing if v in headings(text)]:
                found[version] = commit
                missing.discard(version)
            if not missing:
                break
    return dict(sorted(found.items()))


def problems(root: Path, version: Version, commit: str, releases: dict[Version, str]) -> list[str]:
    """Why `commit` cannot be release `version`: its copier.yml's migrations must name releases up to it."""
    import yaml  # pylint: disable=import-outside-toplevel  # run.py's venv has it; the module's other uses do not

    shown = gitutil.git(root, "show", f"{commit}:copier.yml", check=False)
    config = yaml.safe_load(shown.stdout) if shown.returncode == 0 else {}
    found = []
    for migration in (config or {}).get("_migrations", []) or []:
        if not isinstance(migration, dict) or "version" not in migration:
            continue
        named = Version(str(migration["version"]))
        if named not in releases or named > version:
            found.append(f"copier.yml has a migration for {named}, which is not a release in {CHANGELOG} up to "
                         f"{version}: a migration's version must be the first release that needs it")
    return found


def ensure_tags(root: Path, say=print) -> list[str]:
    """Create every release tag CHANGELOG.md records that the repository lacks; the tags created."""
    if gitutil.toplevel(root) is None:
        return []
    existing = set(gitutil.out(root, "tag", "--list").split())
    created = []
    releases = recorded(root)
    for version, commit in releases.items():
        tag = str(version)
        if tag in existing:
            continue
        wrong = problems(root, version, commit, releases)
        if wrong:  # `run.py release` would refuse it too: never tag it behind the user's back
            say(f"run.py: not tagging {tag}: {wrong[0]}", file=sys.stderr)
            continue
        gitutil.git(root, "tag", tag, commit)
        created.append(tag)
        say(f"run.py: recreated release tag {tag} at {commit[:7]} (recorded in {CHANGELOG}; this clone had no tag)",
            file=sys.stderr)
    return created


def release(root: Path, version: str) -> str:
    """Tag release `version` at the commit CHANGELOG.md records; the commit. Checks the release first."""
    try:
        wanted = Version(version)
    except InvalidVersion as error:
        raise ReleaseError(f"{version!r} is not a PEP 440 version (like 0.3.0)") from error
    if gitutil.status_lines(root):
        raise ReleaseError("the work tree has uncommitted changes: commit the release (CHANGELOG.md included) first")
    releases = recorded(root)
    if wanted not in releases:
        raise ReleaseError(f"{CHANGELOG} at HEAD has no heading `## {version} (YYYY-MM-DD)`: add the entry, commit it, "
                           "and run the release again")
    commit = releases[wanted]
    wrong = problems(root, wanted, commit, releases)
    if wrong:
        raise ReleaseError(wrong[0])
    existing = gitutil.git(root, "rev-parse", "--verify", "--quiet", f"refs/tags/{version}^{{commit}}", check=False)
    if existing.returncode == 0:
        if existing.stdout.strip() != commit:
            raise ReleaseError(f"tag {version} exists at {existing.stdout.strip()[:7]}, but {CHANGELOG} records the "
                               f"release at {commit[:7]}: delete the wrong one")
        return commit
    gitutil.git(root, "tag", version, commit)
    return commit


def main(argv: list[str]) -> int:
    """`python -m tapkit.fleet.releases` recreates missing tags; `... release X.Y.Z` makes a release."""
    root = ROOT
    if argv[:1] == ["release"] and len(argv) == 2:
        ensure_tags(root)
        try:
            commit = release(root, argv[1])
        except ReleaseError as error:
            print(f"run.py release: {error}", file=sys.stderr)
            return 1
        print(f"release {argv[1]}: tag {argv[1]} at {commit[:7]}; push it with `git push origin {argv[1]}`")
        return 0
    if argv:
        print("usage: python -m tapkit.fleet.releases [release X.Y.Z]", file=sys.stderr)
        return 2
    ensure_tags(root)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
