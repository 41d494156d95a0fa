"""run.py resolves path arguments: relative, absolute, spaced or symlinked, every job acts on the same place.

`python3 run.py update ../my-task` used to end in copier's
`ValueError: '.../tmpl/../my-task' is not in the subpath of '.../my-task'`.
One test per job; `release` takes a version, not a path (its test shows a
version is never taken for one, from any working directory).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import PYTHON, ROOT, answers, run
from tagless import git, tagless_clone
from tapkit.fleet import releases

RUN_PY = ROOT / "run.py"


def run_py(cwd: Path, *args: str):
    """`python3 run.py ARGS` from `cwd`; fails the test on a traceback."""
    done = run([PYTHON, str(RUN_PY), *args], cwd)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def newest() -> str:
    """This checkout's newest recorded release."""
    return str(max(releases.recorded(ROOT)))


def files(project: Path) -> set[str]:
    """The project's files outside .git, relative."""
    return {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file() and ".git" not in p.parts}


@pytest.fixture(scope="module")
def old_project(tmp_path_factory):
    """A project copied at 0.1.0 and committed, for update and rollout to move to the newest release."""
    project = tmp_path_factory.mktemp("paths") / "at 0.1.0"
    done = run([PYTHON, "-m", "copier", "copy", "--trust", "--defaults", "--skip-tasks", "--vcs-ref=0.1.0",
                str(ROOT), str(project)], project.parent)
    assert done.returncode == 0, done.stderr
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "at 0.1.0")
    return project


def test_new_relative_absolute_spaces_and_symlink(tmp_path):
    work = tmp_path / "my work" / "here"
    work.mkdir(parents=True)
    linked = tmp_path / "real place" / "linked task"
    linked.mkdir(parents=True)
    (work / "link").symlink_to(linked)
    targets = {"../new task": tmp_path / "my work" / "new task",
               str(tmp_path / "abs task"): tmp_path / "abs task",
               "link": linked}
    made = {}
    for given, target in targets.items():
        done = run_py(work, "new", given, "--defaults", "--skip-tasks")
        assert done.returncode == 0, (given, done.stdout + done.stderr)
        assert (target / "tap.py").is_file(), given
        made[given] = files(target)
    assert (work / "link").is_symlink(), "the link itself is left as it was"
    assert len({frozenset(f) for f in made.values()}) == 1, "every form renders the same project"


def test_update_relative_and_symlinked_destination(old_project, tmp_path):
    relative = shutil.copytree(old_project, tmp_path / "my work" / "the task", symlinks=True)
    (tmp_path / "my work" / "sub").mkdir()
    done = run_py(tmp_path / "my work" / "sub", "update", "../the task", "--defaults", "--skip-tasks")
    assert done.returncode == 0, done.stdout + done.stderr
    assert answers(relative)["_commit"] == newest()

    real = shutil.copytree(old_project, tmp_path / "real dir" / "task", symlinks=True)
    (tmp_path / "task link").symlink_to(real)
    done = run_py(tmp_path, "update", "task link", "--defaults", "--skip-tasks")
    assert done.returncode == 0, done.stdout + done.stderr
    assert answers(real)["_commit"] == newest()


def test_adopt_relative_path_with_spaces_through_a_symlink(tmp_path):
    repo = shutil.copytree(ROOT / "tests" / "fixtures" / "handmade" / "explicit-id", tmp_path / "hand made" / "my repo")
    (tmp_path / "hand made" / "repo link").symlink_to(repo)
    (tmp_path / "hand made" / "sub").mkdir()
    done = run_py(tmp_path / "hand made" / "sub", "adopt", "../repo link", "--no-verify", "--json", "../found it.json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert answers(repo)["_commit"] == newest()
    assert json.loads((tmp_path / "hand made" / "found it.json").read_text(encoding="utf-8"))


def test_rollout_relative_directory_and_report_with_spaces_through_a_symlink(old_project, tmp_path):
    fleet = tmp_path / "my fleet"
    shutil.copytree(old_project, fleet / "task a", symlinks=True)
    (tmp_path / "fleet link").symlink_to(fleet)
    (tmp_path / "elsewhere").mkdir()
    done = run_py(tmp_path / "elsewhere", "rollout", "../fleet link", "--skip-hook", "--report", "../the report.json")
    assert done.returncode == 0, done.stdout + done.stderr
    (result,) = json.loads((tmp_path / "the report.json").read_text(encoding="utf-8"))["repos"]
    assert (result["status"], result["to_version"]) == ("updated", newest()), result
    assert Path(result["repo"]) == (fleet / "task a").resolve()


def test_release_takes_a_version_not_a_path_from_any_directory(tmp_path):
    import run as front_door  # pylint: disable=import-outside-toplevel  # run.py, this checkout's front door

    assert front_door.resolve_paths("release", ["0.2.0"]) == ["0.2.0"]
    clone = tagless_clone(tmp_path / "template")
    (tmp_path / "some dir").mkdir()
    done = run([PYTHON, str(clone / "run.py"), "release", "0.2.0"], tmp_path / "some dir")
    assert done.returncode == 0, done.stderr
    assert f"tag 0.2.0 at {git(clone, 'rev-parse', '--short=7', '0.2.0')}" in done.stdout
