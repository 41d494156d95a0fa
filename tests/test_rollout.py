"""`python3 run.py rollout`: a fleet of repos in every state, each reported correctly, nothing pushed, nothing lost."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from helpers import ROOT, answers
from tapkit import conventions, module_env
from tapkit.fleet import gitutil, rollout, sandbox

HAND_BUILT_TEST = (
    "from lib.tap_stack import TapStack\n\n\ndef test_it():\n"
    "    TapStack(None, 'x', environment_suffix='t', aws_region='us-east-1', secondary_regions=(),\n"
    "             state_bucket='b', state_bucket_region='us-east-1', default_tags={})\n"
)


def refs(repo):
    """Every branch and its commit: what `nothing moved` means."""
    return gitutil.out(repo, "for-each-ref", "--format=%(refname) %(objectname)")


def state(repo):
    """Everything `exactly as before` covers: HEAD, refs, local config, status, and every non-ignored file."""
    files = {}
    for rel in gitutil.git(repo, "ls-files", "-co", "--exclude-standard", "-z").stdout.split("\0"):
        if rel and (repo / rel).is_file():
            files[rel] = hashlib.sha256((repo / rel).read_bytes()).hexdigest()
    head = gitutil.git(repo, "symbolic-ref", "-q", "HEAD", check=False).stdout.strip() or gitutil.head(repo)
    config = gitutil.git(repo, "config", "--local", "--list").stdout
    return {"head": head, "refs": refs(repo), "config": config, "status": gitutil.status_lines(repo), "files": files}


def recipe(reason):
    """The one shell command (in backquotes) a reason tells the user to run."""
    (command,) = [c for c in re.findall(r"`([^`]+)`", reason) if c.startswith("git ")]
    return command


def follow(repo, reason):
    """Run the printed recipe in repo, as the user would paste it."""
    done = subprocess.run(["sh", "-c", recipe(reason)], cwd=repo, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def strays(root):
    """Beside the fleet: a git repo without answers (returned) and a folder that is no repo."""
    stray = root / "hand-made"
    stray.mkdir()
    (stray / "tap.py").write_text("print('no answers file')\n", encoding="utf-8")
    gitutil.init(stray, "hand-made")
    (root / "not-a-repo").mkdir()
    return stray


def with_remote(repo, remote):
    """Give `repo` an origin: a bare clone of it at `remote` (returned)."""
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(remote)], check=True)
    gitutil.git(repo, "remote", "add", "origin", str(remote))
    return remote


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """Repos at 0.2.0 (clean, dirty, edited like the template, hand-built test), one at 0.3.0, and strays."""
    base = tmp_path_factory.mktemp("rollout")
    releases = sandbox.sample_releases(base / "template")
    root = base / "fleet"
    # pylint: disable-next=unbalanced-tuple-unpacking  # pylint counts the list literal, not count=5
    clean, pushed, dirty, edited, broken = sandbox.generate_fleet(releases, "0.2.0", root, 5)
    with (dirty / "lib" / "resources.py").open("a", encoding="utf-8") as handle:
        handle.write("# work in progress\n")
    tap = edited / "tap.py"
    tap.write_text(tap.read_text(encoding="utf-8").replace("    app = App()\n", "    app = App(stack_traces=True)\n"),
                   encoding="utf-8")
    gitutil.commit_all(edited, "traces on")
    (broken / "tests" / "unit" / "test_by_hand.py").write_text(HAND_BUILT_TEST, encoding="utf-8")
    gitutil.commit_all(broken, "a test that builds TapStack itself")
    sandbox.generate(releases, "0.3.0", root / "task-current")
    stray = strays(root)
    # Pristine copies, outside the fleet, for the tests that need a repo as it was before any rollout.
    spare = base / "spare"
    for name, repo in (("clean", clean), ("edited", edited)):
        shutil.copytree(repo, spare / name, symlinks=True)
    return {"root": root, "clean": clean, "pushed": pushed, "dirty": dirty, "edited": edited, "broken": broken,
            "current": root / "task-current", "stray": stray, "remote": with_remote(pushed, base / "remote.git"),
            "spare": spare, "releases": releases}


@pytest.fixture(scope="module")
def first_run(fleet, tmp_path_factory):
    """Roll 0.3.0 out to the fleet: the hook runs its static checks (synth skipped for speed)."""
    report = tmp_path_factory.mktemp("report") / "report.json"
    remote_before = refs(fleet["remote"])
    before = {name: state(fleet[name]) for name in ("clean", "pushed", "dirty", "edited", "broken")}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TAP_HOOK_SKIP_SYNTH", "1")
        out = _capture(lambda: rollout.main([str(fleet["root"]), "--jobs", "2", "--report", str(report)]))
    return {"status": out[0], "stdout": out[1], "report": json.loads(report.read_text(encoding="utf-8")),
            "report_path": report, "remote_before": remote_before, "before": before}


def _capture(call):
    import contextlib  # pylint: disable=import-outside-toplevel
    import io  # pylint: disable=import-outside-toplevel

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = call()
    return status, buffer.getvalue()


def by_name(report):
    """The report's results by repo directory name."""
    return {r["repo"].rsplit("/", 1)[-1]: r for r in report["repos"]}


def test_each_repo_gets_the_right_status(fleet, first_run):
    results = by_name(first_run["report"])
    expected = {
        fleet["clean"].name: "updated", fleet["pushed"].name: "updated", fleet["dirty"].name: "skipped",
        fleet["edited"].name: "conflicts", fleet["broken"].name: "hook failed", "task-current": "already current",
        "hand-made": "skipped", "not-a-repo": "skipped",
    }
    assert {name: r["status"] for name, r in results.items()} == expected
    assert first_run["status"] == 1, "conflicts and hook failures need attention"
    assert first_run["report"]["counts"] == {"updated": 2, "already current": 1, "conflicts": 1, "hook failed": 1,
                                             "move refused": 0, "failed": 0, "skipped": 3, "interrupted": 0}


def test_every_status_says_why(fleet, first_run):
    results = by_name(first_run["report"])
    assert "uncommitted changes (1, first: M lib/resources.py)" in results[fleet["dirty"].name]["reason"]
    assert "not a copier project" in results["hand-made"]["reason"] and "run.py adopt" in results["hand-made"]["reason"]
    assert "not a git repository" in results["not-a-repo"]["reason"]
    assert "records 0.3.0" in results["task-current"]["reason"]
    assert results[fleet["edited"].name]["conflicts"] == ["tap.py: 1 conflict(s) marked with <<<<<<< / >>>>>>>"]
    assert "TAP103" not in results[fleet["edited"].name]["reason"]
    broken = results[fleet["broken"].name]["reason"]
    assert "FAILED" in broken and "copier-update/0.3.0" in broken and "git switch main" in broken
    # From the hook's status file (TAP_HOOK_STATUS), not its printed text: the step, its finding, when it ran.
    assert "TAP hook FAILED at contract: " in broken and "TAP103" in broken and "after the merge" in broken
    for name in (fleet["clean"].name, fleet["pushed"].name):
        assert results[name]["reason"].startswith("committed ") and "nothing was pushed" in results[name]["reason"]
        assert results[name]["from_version"] == "0.2.0" and results[name]["to_version"] == "0.3.0"
    log = results[fleet["broken"].name]["log"]
    with open(log, encoding="utf-8") as text:
        assert "TAP103 TapStack(...) does not pass 'project_name'" in text.read()


def test_progress_table_and_report_are_shown(first_run):
    stdout = first_run["stdout"]
    assert stdout.count("/8 ") == 8, "one progress line per repo"
    assert "repo" in stdout and "status" in stdout and "updated: 2  already current: 1  conflicts: 1" in stdout
    assert str(first_run["report_path"]) in stdout and "Nothing was pushed" in stdout


def test_updates_are_committed_on_a_new_branch_and_the_repo_goes_back_to_its_branch(fleet, first_run):
    for repo in (fleet["clean"], fleet["pushed"]):
        assert gitutil.current_branch(repo) == "main", "back on the branch it was on"
        assert not gitutil.status_lines(repo)
        assert answers(repo)["_commit"] == "0.2.0"
        assert "_commit: 0.3.0" in gitutil.out(repo, "show", "copier-update/0.3.0:lib/.copier-answers.yml")
        assert gitutil.out(repo, "rev-parse", "main") == gitutil.out(repo, "rev-parse", "copier-update/0.3.0~1")
    assert "App(stack_traces=False)" in gitutil.out(fleet["clean"], "show", "copier-update/0.3.0:tap.py")
    assert "back on main" in by_name(first_run["report"])[fleet["clean"].name]["reason"]


def test_nothing_is_pushed(fleet, first_run):
    assert refs(fleet["remote"]) == first_run["remote_before"]
    assert "copier-update" not in refs(fleet["remote"])


@pytest.mark.usefixtures("first_run")
def test_nothing_is_lost(fleet):
    dirty = fleet["dirty"]
    assert (dirty / "lib" / "resources.py").read_text(encoding="utf-8").endswith("\n# work in progress\n")
    assert gitutil.current_branch(dirty) == "main" and not gitutil.branch_exists(dirty, "copier-update/0.3.0")
    edited = fleet["edited"]
    assert gitutil.current_branch(edited) == "copier-update/0.3.0"
    text = (edited / "tap.py").read_text(encoding="utf-8")
    assert "app = App(stack_traces=True)" in text and "<<<<<<< before updating" in text
    assert "App(stack_traces=True)" in gitutil.out(edited, "show", "main:tap.py")


@pytest.mark.usefixtures("first_run")
def test_a_second_run_changes_nothing_says_why_and_still_fails(fleet, tmp_path):
    before = {name: refs(fleet[name]) for name in ("clean", "pushed", "dirty", "edited", "broken", "current")}
    status, stdout = _capture(lambda: rollout.main([str(fleet["root"]), "--report", str(tmp_path / "again.json")]))
    results = by_name(json.loads((tmp_path / "again.json").read_text(encoding="utf-8")))
    clean = results[fleet["clean"].name]
    assert clean["status"] == "already current" and "holds the update to 0.3.0" in clean["reason"]
    assert results[fleet["edited"].name]["status"] == "skipped"
    assert "holds an earlier update with unresolved work" in results[fleet["edited"].name]["reason"]
    assert results[fleet["broken"].name]["status"] == "skipped"
    assert {name: refs(fleet[name]) for name in before} == before
    assert status == 1, "repos still hold conflicts, a failed hook and uncommitted changes"
    assert "updated: 0" in stdout
    needs_you = stdout.split("Needs you:", 1)[1]
    assert recipe(results[fleet["edited"].name]["reason"]) in needs_you, "printed whole, not cut by the table"


@pytest.mark.parametrize("name", ["edited", "broken"])
def test_each_printed_recipe_puts_the_repo_back_exactly_as_before(fleet, first_run, tmp_path, name):
    """The recipe of the first run's reason, and the one a re-run prints, each restore the pre-rollout repo."""
    first = by_name(first_run["report"])[fleet[name].name]
    copy = shutil.copytree(fleet[name], tmp_path / "first", symlinks=True)
    follow(copy, first["reason"])
    assert state(copy) == first_run["before"][name]
    copy = shutil.copytree(fleet[name], tmp_path / "again", symlinks=True)
    again = rollout.update_one(copy, rollout.Templates(False), rollout.Options())
    assert again.status == "skipped" and "git clean -fd" in again.reason
    follow(copy, again.reason)
    assert state(copy) == first_run["before"][name], "clean again, so the next rollout does not skip it as dirty"


def test_the_plain_update_abandon_recipe_restores_the_repo(fleet, tmp_path):
    repo = shutil.copytree(fleet["spare"] / "edited", tmp_path / "edited", symlinks=True)
    before = state(repo)
    done = sandbox.update(repo, "--defaults", "--skip-tasks", "--vcs-ref=0.3.0")
    assert done.returncode != 0 and "conflicts" in done.stderr
    command = re.search(r"To abandon this update instead: `([^`]+)`", done.stderr).group(1)
    subprocess.run(["sh", "-c", command], cwd=repo, check=True)
    assert state(repo) == before


@pytest.mark.usefixtures("first_run")
def test_a_branch_that_does_not_hold_the_update_is_not_reused_silently(fleet, tmp_path):
    repo = shutil.copytree(fleet["spare"] / "clean", tmp_path / "hand-branch", symlinks=True)
    before = state(repo)
    gitutil.git(repo, "branch", "copier-update/0.3.0")
    result = rollout.update_one(repo, rollout.Templates(False), rollout.Options())
    assert result.status == "skipped" and "does not hold the update" in result.reason
    assert gitutil.current_branch(repo) == "main"
    follow(repo, result.reason)
    assert state(repo) == before


def test_ctrl_c_stops_cleanly_reports_and_the_rerun_names_the_interrupted_repo(fleet, tmp_path):
    """SIGINT to the rollout's process group, as a terminal sends it, while copier merges the first repo."""
    # pylint: disable=too-many-locals  # the two repos, the process and what it printed, checked in turn
    group = tmp_path / "fleet"
    first, second = (shutil.copytree(fleet["spare"] / "clean", group / f"task-{n}", symlinks=True) for n in "ab")
    before = state(first)
    report = tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if k != "TAP_HOOK_SKIP_SYNTH"}
    # pylint: disable-next=consider-using-with  # communicate() or the kill in `finally` below ends it
    proc = subprocess.Popen([sys.executable, "-m", "tapkit.fleet", "rollout", str(group), "--jobs", "1",
                             "--report", str(report)], cwd=tmp_path, env=module_env(env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        # The new release's tap.py in the tree: copier has merged and its after-update hook (a synth) runs.
        deadline = time.monotonic() + 120
        while "stack_traces=False" not in (first / "tap.py").read_text(encoding="utf-8"):
            assert time.monotonic() < deadline and proc.poll() is None, "copier never reached the merge"
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "Traceback" not in stderr + stdout and "KeyboardInterrupt" not in stderr + stdout, stderr
    assert proc.returncode == 1 and "Ctrl-C" in stdout
    results = by_name(json.loads(report.read_text(encoding="utf-8")))
    assert results["task-a"]["status"] == "interrupted" and "part way" in results["task-a"]["reason"]
    assert results["task-a"]["log"] and os.path.isfile(results["task-a"]["log"])
    assert results["task-b"]["status"] == "interrupted" and "not started" in results["task-b"]["reason"]
    assert gitutil.current_branch(second) == "main" and not gitutil.branch_exists(second, "copier-update/0.3.0")

    again = tmp_path / "again.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TAP_HOOK_SKIP_SYNTH", "1")
        status, _ = _capture(lambda: rollout.main([str(group), "--stay", "--report", str(again)]))
    results = by_name(json.loads(again.read_text(encoding="utf-8")))
    assert status == 1
    assert results["task-a"]["status"] == "interrupted", results["task-a"]
    assert "earlier rollout was interrupted" in results["task-a"]["reason"]
    assert results["task-b"]["status"] == "updated"
    assert gitutil.current_branch(second) == "copier-update/0.3.0", "--stay keeps the update checked out"
    follow(first, results["task-a"]["reason"])
    assert state(first) == before


def test_a_list_file_names_repos_relative_to_itself(fleet, tmp_path):
    listing = tmp_path / "repos.txt"
    listing.write_text(f"# my fleet\n{fleet['clean']}\n\n{fleet['root'].name}/task-current  # done already\n",
                       encoding="utf-8")
    shutil.copytree(fleet["current"], tmp_path / fleet["root"].name / "task-current")
    assert rollout.find_repos(listing) == [fleet["clean"], (tmp_path / fleet["root"].name / "task-current").resolve()]


def test_the_newest_release_comes_from_copier_check_update(fleet):
    repo = fleet["spare"] / "clean"
    assert rollout.check_update(repo) == {"update_available": True, "current_version": "0.2.0",
                                          "latest_version": "0.3.0"}
    assert rollout.Templates(False).newest(repo, str(fleet["releases"])) == "0.3.0"


def test_run_py_exposes_the_command():
    done = subprocess.run(["python3", str(ROOT / "run.py"), "rollout", "--help"], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0 and "already current" in done.stdout and "--jobs" in done.stdout


# ---------------------------------------------------------------- Renovate, the org-wide alternative
# The copier manager's default managerFilePatterns (docs.renovatebot.com/modules/manager/copier).
COPIER_MANAGER_FILES = r"(^|/)\.copier-answers(\..+)?\.ya?ml"


def test_the_answers_file_is_where_renovates_copier_manager_looks(rendered):
    """0.5.0 tasks carry no renovate.json (the monorepo owns its settings), but an org-wide Renovate config's copier
    manager still finds lib/.copier-answers.yml by its default pattern, with the template and version it reads."""
    project = rendered("default")
    assert not (project / "renovate.json").exists()
    assert re.search(COPIER_MANAGER_FILES, conventions.ANSWERS_FILE)
    recorded = answers(project)
    assert recorded["_src_path"] and recorded["_commit"], "what the copier manager reads: template and version"
