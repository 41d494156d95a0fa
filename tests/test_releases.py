"""Releases travel with the repository: a tag-less clone recreates them from CHANGELOG.md and behaves as one with tags.

Everything here runs in `git clone --no-tags` of this checkout (what CI and a
mirror give), through `python3 run.py`, with the real copier.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from helpers import PYTHON, ROOT, answers, run
from tagless import delete_tags, git, tagless_clone

FIRST = "f38b8d0"  # CHANGELOG.md: "## 0.1.0 (..., commit f38b8d0)"


def run_py(clone: Path, *args: str, cwd: Path | None = None):
    """The clone's `python3 run.py ARGS`, from `cwd` (default: the clone)."""
    return run([PYTHON, str(clone / "run.py"), *args], cwd or clone)


def newest(clone: Path) -> str:
    """The newest `## X.Y.Z` heading of the clone's CHANGELOG.md that is released."""
    text = (clone / "CHANGELOG.md").read_text(encoding="utf-8")
    found = [m.group(1) for m in re.finditer(r"^## (\d+\.\d+\.\d+)(.*)$", text, re.M) if "unreleased" not in m.group(2)]
    return max(found, key=lambda v: tuple(int(p) for p in v.split(".")))


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A tagless clone of this checkout, shared by the module's tests."""
    return tagless_clone(tmp_path_factory.mktemp("tagless") / "template")


def test_a_tagless_clone_recreates_the_releases_at_the_commits_changelog_records(clone):
    done = run([PYTHON, "-m", "tapkit.fleet.releases"], clone)
    assert done.returncode == 0, done.stderr
    assert re.search(rf"recreated release tag 0\.1\.0 at {FIRST}", done.stderr), done.stderr
    assert "recreated release tag 0.2.0" in done.stderr, done.stderr
    assert git(clone, "rev-parse", "0.1.0^{commit}") == git(clone, "rev-parse", FIRST)
    # 0.2.0 is the commit that released its heading: `## 0.2.0 (date)` there, `(unreleased)` in its parent.
    released = git(clone, "rev-parse", "0.2.0^{commit}")
    assert re.search(r"^## 0\.2\.0 \(\d{4}-\d\d-\d\d\)$", git(clone, "show", f"{released}:CHANGELOG.md"), re.M)
    assert "## 0.2.0 (unreleased)" in git(clone, "show", f"{released}^:CHANGELOG.md")
    again = run([PYTHON, "-m", "tapkit.fleet.releases"], clone)
    assert again.returncode == 0 and "recreated" not in again.stderr, "tags that exist are left alone"


def test_a_project_copied_at_0_1_0_updates_to_the_newest_release_with_the_migration(clone, tmp_path):
    delete_tags(clone)
    project = tmp_path / "my-task"
    # A pin other than the default, so only the migration can carry it over to the renamed question.
    made = run_py(clone, "new", str(project), "--defaults", "--vcs-ref=0.1.0", "--skip-tasks",
                  "--data", "cdktf_version=0.20.0")
    assert made.returncode == 0, made.stdout + made.stderr
    assert "recreated release tag 0.1.0" in made.stderr
    assert answers(project)["_commit"] == "0.1.0"
    assert answers(project)["cdktf_version"] == "0.20.0"
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "at 0.1.0")

    delete_tags(clone)
    updated = run_py(clone, "update", str(project), "--defaults", "--skip-tasks")
    assert updated.returncode == 0, updated.stdout + updated.stderr
    after = answers(project)
    assert after["_commit"] == newest(clone), "updated to the newest release, recorded by its name"
    assert after["cdktf_package_version"] == "0.20.0" and "cdktf_version" not in after, after
    assert 'cdktf = "==0.20.0"' in (project / "Pipfile").read_text(encoding="utf-8")


def test_copier_in_the_clone_records_a_release_once_the_tags_are_back(clone, tmp_path):
    delete_tags(clone)
    before = tmp_path / "before"
    done = run([PYTHON, "-m", "copier", "copy", "--trust", "--defaults", "--skip-tasks", str(clone), str(before)],
               tmp_path)
    assert done.returncode == 0, done.stderr
    recorded = str(answers(before)["_commit"])
    assert not re.fullmatch(r"\d+\.\d+\.\d+", recorded), f"without tags copier names no release, but {recorded}"
    run([PYTHON, "-m", "tapkit.fleet.releases"], clone)  # what every run.py job and the suite do first
    after = tmp_path / "after"
    done = run([PYTHON, "-m", "copier", "copy", "--trust", "--defaults", "--skip-tasks", str(clone), str(after)],
               tmp_path)
    assert done.returncode == 0, done.stderr
    assert answers(after)["_commit"] == newest(clone)


def commit_release(clone: Path, version: str, migration: str | None = None) -> None:
    """Commit a CHANGELOG heading for `version`, and optionally point the 0.2.0 migration at another version."""
    changelog = clone / "CHANGELOG.md"
    # A version still being prepared (its migrations already in copier.yml) is released along, as a real
    # release above it would have to be.
    text = re.sub(r"^(## +\S+) \(unreleased\)$", r"\1 (2026-12-01)", changelog.read_text(encoding="utf-8"),
                  flags=re.M)
    first = re.search(r"^## ", text, re.M).start()
    changelog.write_text(text[:first] + f"## {version} (2026-12-01)\n\n### Changed\n- nothing\n\n" + text[first:],
                         encoding="utf-8")
    if migration:
        config = clone / "copier.yml"
        old = config.read_text(encoding="utf-8")
        new = old.replace('  - version: "0.2.0"\n', f'  - version: "{migration}"\n', 1)
        assert new != old
        config.write_text(new, encoding="utf-8")
    git(clone, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", f"Release {version}")


def test_release_refuses_a_version_without_a_changelog_heading(tmp_path):
    clone = tagless_clone(tmp_path / "template")
    done = run_py(clone, "release", "9.9.9", cwd=tmp_path)
    assert done.returncode == 1
    assert "has no heading `## 9.9.9" in done.stderr, done.stderr
    assert "9.9.9" not in git(clone, "tag", "--list").split()


def test_release_refuses_a_migration_that_names_no_release(tmp_path):
    clone = tagless_clone(tmp_path / "template")
    commit_release(clone, "9.9.9", migration="9.9.8")
    done = run_py(clone, "release", "9.9.9")
    assert done.returncode == 1
    assert "migration for 9.9.8, which is not a release" in done.stderr, done.stderr


def test_a_refused_release_is_not_tagged(tmp_path):
    clone = tagless_clone(tmp_path / "template")
    commit_release(clone, "9.9.9", migration="9.9.8")
    assert run_py(clone, "release", "9.9.9").returncode == 1
    assert "9.9.9" not in git(clone, "tag", "--list").split()


def test_release_tags_the_commit_that_adds_its_heading(tmp_path):
    clone = tagless_clone(tmp_path / "template")
    commit_release(clone, "9.9.9")
    done = run_py(clone, "release", "9.9.9")
    assert done.returncode == 0, done.stderr
    assert "release 9.9.9: tag 9.9.9 at" in done.stdout
    assert git(clone, "rev-parse", "9.9.9^{commit}") == git(clone, "rev-parse", "HEAD")


def test_rollout_and_adopt_find_their_release_in_a_tagless_clone(clone, tmp_path):
    run([PYTHON, "-m", "tapkit.fleet.releases"], clone)
    fleet = tmp_path / "fleet"
    repo = fleet / "task-a"
    made = run([PYTHON, "-m", "copier", "copy", "--trust", "--defaults", "--skip-tasks", "--vcs-ref=0.1.0",
                str(clone), str(repo)], tmp_path)
    assert made.returncode == 0, made.stderr
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "at 0.1.0")
    handmade = shutil.copytree(ROOT / "tests" / "fixtures" / "handmade" / "explicit-id", tmp_path / "handmade")

    delete_tags(clone)
    report = tmp_path / "report.json"
    done = run_py(clone, "rollout", str(fleet), "--skip-hook", "--report", str(report))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "recreated release tag" in done.stderr
    (result,) = json.loads(report.read_text(encoding="utf-8"))["repos"]
    assert (result["status"], result["to_version"]) == ("updated", newest(clone)), result
    updated = yaml.safe_load(git(repo, "show", f"{result['branch']}:.copier-answers.yml"))
    assert updated["_commit"] == newest(clone)

    delete_tags(clone)
    done = run_py(clone, "adopt", str(handmade), "--no-verify")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "recreated release tag" in done.stderr
    assert answers(handmade)["_commit"] == newest(clone)
