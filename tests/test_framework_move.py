"""Moving a cdktf project to CDK Terrain: `copier update --data framework=cdktn` (tapkit/lifecycle/framework_move.py).

Real copier, real synths (cdktf before, cdktn after: both are installed in the venv), real codemod. One cdktf
project with user code is rendered per module (a template release 0.5.0 of this checkout, layout standalone: a
cdktn task needs a Pipfile of its own, the monorepo's root Pipfile has no cdktn); each test updates a copy of it.
"""
from __future__ import annotations

import ast
import json
import shutil
import sys
from pathlib import Path

import pytest

from helpers import ROOT, answers, clean_env, run, run_unit_tests
from tapkit import conventions
from tapkit.fleet import adopt, gitutil, sandbox

FIXTURES = ROOT / "tests" / "fixtures" / "codemod" / "project"
VERSION = "0.5.0"
USER_TEST = '''"""The task's own tests of its resources."""
import json

from cdktf import Testing

from lib.tap_stack import TapStack


def test_two_buckets_a_queue_and_a_policy_that_reads_them():
    stack = TapStack(Testing.app(), "TapStacktest", environment_suffix="test", aws_region="us-east-1",
                     secondary_regions=(), state_bucket="b", state_bucket_region="us-east-1",
                     default_tags={"Environment": "test"})
    resources = json.loads(Testing.synth(stack))["resource"]
    assert len(resources["aws_s3_bucket"]) == 2 and "aws_sqs_queue" in resources
    assert "aws_sqs_queue.events.arn" in resources["aws_iam_role_policy"]["reader_policy"]["policy"]
'''
TAP_EDIT = 'LOCAL_NOTE = "kept by the move"  # a local edit in a template-owned file\n'


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A cdktf project at 0.5.0 with the user's work committed: resources referencing each other
    (lib/resources.py), an extra module (lib/naming.py), extra tests with mock.patch strings, an edit in tap.py."""
    root = tmp_path_factory.mktemp("move")
    template = sandbox.template_releases(ROOT, root / "template", [(VERSION, None)])
    project = sandbox.generate(template, VERSION, root / "base", {"layout": "standalone"})
    for rel in ("lib/resources.py", "lib/naming.py", "tests/unit/test_resources_extra.py"):
        shutil.copy(FIXTURES / rel, project / rel)
    # The user-owned test file tested the example bucket, now gone (deleted, copier update would bring it back).
    (project / "tests" / "unit" / "test_resources.py").write_text(USER_TEST, encoding="utf-8")
    tap = project / "tap.py"
    tap.write_text(tap.read_text(encoding="utf-8").replace("\n\ndef _setting", f"\n{TAP_EDIT}\n\ndef _setting", 1),
                   encoding="utf-8")
    gitutil.commit_all(project, "the task's resources, a module, tests, a note in tap.py")
    return project


def _copy(base: Path, dest: Path) -> Path:
    return Path(shutil.copytree(base, dest, symlinks=True))


def _move(project: Path, status: Path, *flags: str):
    return sandbox.copier("update", "--trust", "--defaults", f"--vcs-ref={VERSION}", "-a", conventions.ANSWERS_FILE,
                          "--data", "framework=cdktn", *flags, cwd=project, env=clean_env(TAP_HOOK_STATUS=str(status)))


def _files(project: Path) -> dict[str, bytes]:
    return {str(p.relative_to(project)): p.read_bytes() for p in sorted(project.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(project).parts}


def _state(project: Path) -> tuple:
    """Everything a restore must bring back: HEAD, git's view (ignored files included) and every byte."""
    return (gitutil.head(project), gitutil.git(project, "status", "--porcelain", "--ignored").stdout, _files(project))


def _fix_reported_strings(project: Path, strings: list[str]) -> None:
    """What the user does with each warning: put the suggested module path in place of the string."""
    for line in strings:
        where, _, rest = line.partition(": string ")
        rel, number = where.rsplit(":", 1)
        old, new = rest.split(" names ", 1)[0], rest.split("make it ", 1)[1].split(" (", 1)[0]
        path = project / rel
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        fixed = lines[int(number) - 1].replace(f'"{old[1:-1]}"', f'"{new[1:-1]}"')
        assert fixed != lines[int(number) - 1], line
        lines[int(number) - 1] = fixed
        path.write_text("".join(lines), encoding="utf-8")


def _check_the_identical_move(project: Path, log: str) -> None:
    """What a move leaves: cdktn answers, pins and imports, the user's comments and local edit, the reported
    strings (which the user fixes), and the user's tests passing."""
    assert "identical in every stack" in log, log[-3000:]
    recorded = answers(project)
    assert recorded["framework"] == "cdktn"
    # The cdktf pins did not carry over: the move takes cdktn's (a cdktf pin would not install with cdktn's provider).
    assert (recorded["cdktf_package_version"], recorded["aws_provider_package_version"]) == ("0.24.0", "25.8.1")
    assert 'cdktn = "==0.24.0"' in (project / "Pipfile").read_text(encoding="utf-8")
    assert "cdktf_package_version and aws_provider_package_version now default to cdktn's pins" in log
    assert json.loads((project / "tests" / "unit" / "expected.json").read_text())["framework"] == "cdktn"
    resources = (project / "lib" / "resources.py").read_text(encoding="utf-8")
    assert "from cdktn_provider_aws.s3_bucket import S3Bucket" in resources and "cdktn.Fn.jsonencode(" in resources
    assert "# cdktf_cdktf_provider_aws.s3_bucket.S3Bucket is the one" in resources, "comments stay as written"
    assert TAP_EDIT in (project / "tap.py").read_text(encoding="utf-8"), "the local edit in tap.py survives"
    # Strings are reported with file:line and the fix, and only in the user's files.
    prefix = "TAP framework move: warning: "
    strings = [line.removeprefix(prefix) for line in log.splitlines() if line.startswith(prefix)]
    assert strings and all(s.startswith("tests/unit/test_resources_extra.py:") for s in strings), strings
    assert any("'cdktf.App.synth'" in s and "make it 'cdktn.App.synth'" in s for s in strings), strings
    _fix_reported_strings(project, strings)
    tests = run_unit_tests(project)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]


def test_a_user_file_that_does_not_parse_stops_the_move_and_changes_nothing(base, tmp_path):
    project = _copy(base, tmp_path / "project")
    (project / "lib" / "half_done.py").write_text("import cdktf\n\ndef broken(:\n    pass\n", encoding="utf-8")
    gitutil.commit_all(project, "a half-done edit")
    before = _state(project)
    status_file = tmp_path / "status.json"
    done = _move(project, status_file)
    assert done.returncode != 0, done.stdout[-3000:]
    assert "lib/half_done.py:3:" in done.stderr and "cannot parse this file" in done.stderr, done.stderr[-3000:]
    assert ("Fix the file named above, commit, then run `copier update --trust --defaults -a lib/.copier-answers.yml "
            "--data framework=cdktn`") in done.stderr
    assert _state(project) == before, "the repo must be exactly as it was: same HEAD, clean, same bytes"
    move = json.loads(status_file.read_text(encoding="utf-8"))["framework_move"]
    assert (move["verdict"], move["restored"]) == ("refused", True)


def test_rollout_moves_a_fleet_to_cdktn_and_a_move_that_would_change_a_resource_fails_and_restores(base, tmp_path):
    """Two repos: one moves (identical: its answers, pins, code, strings and tests are checked), one names a
    bucket after the framework module (cdktf.__name__), so its resources would differ: that update fails with
    the diff and leaves the repo byte-identical. (The status file's own fields: the parse-failure test.)"""
    fleet = tmp_path / "fleet"
    same, different = _copy(base, fleet / "task-a"), _copy(base, fleet / "task-b")
    resources = different / "lib" / "resources.py"
    resources.write_text(resources.read_text(encoding="utf-8").replace(
        'stack.name("logs")', 'stack.name(cdktf.__name__ + "-logs")', 1), encoding="utf-8")
    gitutil.commit_all(different, "the logs bucket named after the framework")
    head, before = gitutil.head(same), _state(different)
    report = tmp_path / "report.json"
    done = run(["python3", str(ROOT / "run.py"), "rollout", str(fleet), "--data", "framework=cdktn", "--to", VERSION,
                "--jobs", "2", "--stay", "--report", str(report)], tmp_path, timeout=900, TAP_HOOK_SKIP_SYNTH="1")
    assert done.returncode == 1, done.stdout[-4000:] + done.stderr[-4000:]
    results = {Path(r["repo"]).name: r for r in json.loads(report.read_text(encoding="utf-8"))["repos"]}
    assert (results["task-a"]["status"], results["task-a"]["move"]) == ("updated", "identical"), results["task-a"]
    assert (results["task-b"]["status"], results["task-b"]["move"]) == ("move refused", "different"), results["task-b"]
    difference = 'resources: aws_s3_bucket.logs.bucket: "cdktf-logs-pr4719" -> "cdktn-logs-pr4719"'
    assert results["task-b"]["move_differences"] == [difference]
    header = next(line for line in done.stdout.splitlines() if line.startswith("repo "))
    assert header.split()[:4] == ["repo", "status", "version", "move"]
    assert any(line.startswith("task-a ") and " identical " in line for line in done.stdout.splitlines())
    assert f"      {difference}" in done.stdout, "the differences are listed under the repo that needs you"
    # task-a: the move committed on its own branch (--stay keeps it checked out), on top of the user's work.
    branch = f"copier-update/{VERSION}-framework-cdktn"
    assert results["task-a"]["branch"] == branch and gitutil.current_branch(same) == branch
    assert gitutil.git(same, "rev-parse", "HEAD~1").stdout.strip() == head
    assert "import cdktn\n" in (same / "lib" / "resources.py").read_text(encoding="utf-8")
    _check_the_identical_move(same, Path(results["task-a"]["log"]).read_text(encoding="utf-8"))
    # task-b: copier update failed with the diff and the recovery, and restored the repo exactly; no branch left.
    log = Path(results["task-b"]["log"]).read_text(encoding="utf-8")
    assert "changes what the project deploys (1 difference(s))" in log and difference in log, log[-3000:]
    assert "make it framework-neutral" in log and "restored exactly as it was before this update" in log
    assert _state(different) == before, "same HEAD, clean, every byte as before"
    assert not gitutil.branch_exists(different, branch)


def _imported_roots(repo: Path) -> set[str]:
    found = set()
    for path in repo.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_bytes())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def test_adopt_takes_a_hand_made_cdktf_repo_straight_into_cdktn(base, tmp_path):
    repo = Path(shutil.copytree(ROOT / "tests" / "fixtures" / "handmade" / "explicit-id", tmp_path / "repo"))
    assert {"cdktf", "cdktf_cdktf_provider_aws"} <= _imported_roots(repo)
    template = Path(answers(base)["_src_path"])
    # Its team "inventory" is outside the pipeline's list: with the variables unset its Team tag's fallback
    # becomes the template's default, a fallback change adopt takes only by name (as in test_adopt.py).
    outcome = adopt.adopt(repo, template, framework="cdktn", accept={"default-tags"})
    assert outcome.compared and {d.split(":")[0] for d in outcome.differences} == {"default-tags"}, \
        outcome.differences
    # What the framework change makes by itself is set apart, not refused.
    assert len(outcome.framework_only) == 1 and '"hashicorp/aws"' in outcome.framework_only[0], \
        outcome.framework_only
    assert answers(repo)["framework"] == "cdktn" and not gitutil.status_lines(repo)
    assert not {"cdktf", "cdktf_cdktf_provider_aws"} & _imported_roots(repo), "every import moved to cdktn"
    pipfile = (repo / "Pipfile").read_text(encoding="utf-8")
    assert 'cdktn-provider-aws = "==25.8.1"' in pipfile and "\ncdktf" not in pipfile
    tests = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/unit"], repo)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]
