"""`copier update` of a task where the TAP pipeline keeps it (issue 18, item 6), and 0.4.0 projects moving to 0.5.0.

Style of copier's update tests, with real copier and the real migrations:
  * a task at the ROOT of a checkout of the task monorepo (tests/fixtures/monorepo: its Pipfile, Pipfile.lock,
    package.json, scripts/, plus the root .pylintrc and pytest.ini the preflight keeps in tapkit/pipeline/): the
    update keeps the user's code and touches no path outside tap.py, cdktf.json, metadata.json, lib/**, tests/**;
  * a task the pipeline archived (only lib bin test tests cdk.json metadata.json tap.py ... kept, metadata.json
    given coverage, author and dockerS3Location) and brought back to the root: the answers in lib/ survived, the
    update works and the task passes the preflight;
  * a project made by 0.4.0 (the real release, from its tag): standalone by default, monorepo with
    --data layout=monorepo, and recorded answers 0.5.0 refuses stop the update instead of being dropped.
The template releases are sandbox repositories: 0.2.0 is this checkout, 0.3.0 the sample fixes on top of it.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from helpers import PYTHON, ROOT, answers, run, run_unit_tests
from test_module_renames import release_tree
from test_update import USER_FILES
from tapkit import conventions
from tapkit.fleet import gitutil, sandbox
from tapkit.pipeline import runner

MONOREPO = ROOT / "tests" / "fixtures" / "monorepo"
ROOT_FILES = ("Pipfile", "Pipfile.lock", "package.json", "scripts/check-project-files.sh", ".pylintrc", "pytest.ini")
TASK_FILES, TASK_DIRS = ("tap.py", "cdktf.json", "metadata.json"), ("lib/", "tests/")
DOCS = ROOT / "tests" / "fixtures" / "pipeline" / "task" / "lib"
STARTED = "2026-11-02T09:30:00+01:00"
UPDATE = ("update", "--trust", "--defaults", "-a", conventions.ANSWERS_FILE)


def sha(path: Path) -> str:
    """The file's SHA-256."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def monorepo(dest: Path) -> Path:
    """A small checkout of the task monorepo: its root files, committed, and that commit as origin/main (what a
    task branch is compared with: the preflight's allowed-paths gate, like CI, judges only what the branch adds)."""
    shutil.copytree(MONOREPO, dest)
    shutil.copy(ROOT / "tapkit" / "pipeline" / "pylintrc", dest / ".pylintrc")
    shutil.copy(ROOT / "tapkit" / "pipeline" / "pytest.ini", dest / "pytest.ini")
    gitutil.init(dest, "the monorepo")
    gitutil.git(dest, "update-ref", "refs/remotes/origin/main", "HEAD")
    return dest


def changed(root: Path) -> list[str]:
    """Every path git sees changed, added or deleted since HEAD (untracked files one by one)."""
    done = gitutil.git(root, "status", "--porcelain", "--untracked-files=all", "--no-renames")
    return sorted(line[3:] for line in done.stdout.splitlines())


def outside_the_task(paths: list[str]) -> list[str]:
    """The paths a task may not add to the monorepo."""
    return [p for p in paths if p not in TASK_FILES and not p.startswith(TASK_DIRS)]


def copy_task(releases: Path, root: Path, version: str, **data: str) -> None:
    """copier copy of `version` into the monorepo root (no tasks), only the task's paths written, committed."""
    flags = [f"--data={key}={value}" for key, value in {"started_at": STARTED, **data}.items()]
    done = sandbox.copier("copy", "--trust", "--defaults", "--skip-tasks", "--quiet", f"--vcs-ref={version}",
                          *flags, str(releases), str(root))
    assert done.returncode == 0, done.stdout + done.stderr
    assert changed(root) and not outside_the_task(changed(root)), changed(root)
    for rel, text in USER_FILES.items():
        (root / rel).write_text(text, encoding="utf-8")
    for doc in DOCS.glob("*.md"):  # the author's documents, as the pipeline requires them
        shutil.copy(doc, root / "lib" / doc.name)
    gitutil.commit_all(root, "the task")


def update(root: Path, *flags: str):
    """copier update to 0.3.0 with the hook's static checks (its synth is the preflight's, below)."""
    return sandbox.copier(*UPDATE, "--vcs-ref=0.3.0", *flags, cwd=root,
                          env={**os.environ, "TAP_HOOK_SKIP_SYNTH": "1"})


def check_updated(root: Path, done, mono: dict[str, str], mine: dict[str, str]) -> None:
    """What every update of a task in the monorepo leaves: the fixes, only the task's paths, the user's code."""
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr
    assert answers(root)["_commit"] == "0.3.0"
    assert "app = App(stack_traces=False)" in (root / "tap.py").read_text(encoding="utf-8")
    assert changed(root) and not outside_the_task(changed(root)), changed(root)
    assert {rel: sha(root / rel) for rel in ROOT_FILES} == mono, "the monorepo's own files are untouched"
    assert {rel: sha(root / rel) for rel in mine} == mine, "the user's files are untouched"
    metadata = json.loads((root / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["startedAt"] == STARTED, "startedAt is written once, at copy time"


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """Template repository with the tags 0.1.0, 0.2.0 (this checkout) and 0.3.0 (sample fixes)."""
    return sandbox.sample_releases(tmp_path_factory.mktemp("releases") / "template")


def test_an_update_at_the_root_of_a_monorepo_checkout_touches_only_the_task(releases, tmp_path):
    root = monorepo(tmp_path / "monorepo")
    copy_task(releases, root, "0.2.0")
    mono = {rel: sha(root / rel) for rel in ROOT_FILES}
    mine = {rel: sha(root / rel) for rel in [*USER_FILES, "lib/PROMPT.md"]}

    done = update(root)
    check_updated(root, done, mono, mine)
    assert "TAP hook: passed" in done.stdout, done.stdout[-3000:]
    # The pipeline's unit-test step under the monorepo's root pytest.ini: the user's tests and the template's pass.
    tests = run_unit_tests(root, "-vv")
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]
    for test in ("test_resources.py::test_orders_queue_keeps_messages_four_days",
                 "test_naming.py::test_retention_seconds"):
        assert f"{test} PASSED" in tests.stdout, test


def archive(root: Path, number: int) -> Path:
    """What the pipeline does once the task's PR is merged (scripts/ci-archive-folders.sh): metadata.json gets
    coverage, author and dockerS3Location (jq's layout), and only the archive list moves to archive/...; the
    rest of the PR is not kept."""
    path = root / "metadata.json"
    metadata = json.loads(path.read_text(encoding="utf-8"))
    metadata.update({"coverage": {"lines": 100, "branches": 100}, "author": "jane", "dockerS3Location": ""})
    path.write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
    folder = root / "archive" / "cdktf-py" / f"Pr{number}"
    folder.mkdir(parents=True)
    for name in conventions.DATA["metadata"]["archive_keeps"]:
        if (root / name).exists():
            shutil.move(root / name, folder / name)
    gitutil.commit_all(root, f"archive Pr{number}")
    return folder


def test_an_archived_task_brought_back_to_the_root_updates_and_passes_the_preflight(releases, tmp_path):
    root = monorepo(tmp_path / "monorepo")
    copy_task(releases, root, "0.2.0", po_id="trainr4242")
    rendered = json.loads((root / "metadata.json").read_text(encoding="utf-8"))
    folder = archive(root, 4242)
    assert (folder / conventions.ANSWERS_FILE).is_file(), "the answers file survives the archive step"
    # A LocalStack migration task: the archived task back at the root of a branch of the monorepo.
    for path in sorted(folder.iterdir()):
        shutil.move(path, root / path.name)
    shutil.rmtree(root / "archive")
    gitutil.commit_all(root, "Pr4242 back at the root")
    mono = {rel: sha(root / rel) for rel in ROOT_FILES}
    mine = {rel: sha(root / rel) for rel in [*USER_FILES, "lib/PROMPT.md"]}

    done = update(root)
    check_updated(root, done, mono, mine)
    assert "removed coverage, author, dockerS3Location from metadata.json" in done.stdout, done.stdout[-3000:]
    assert json.loads((root / "metadata.json").read_text(encoding="utf-8")) == rendered, \
        "metadata.json is the answers' again: the archive step's fields go (the schema refuses them)"
    gitutil.commit_all(root, "update to 0.3.0")
    # The pipeline's offline gates, from the template checkout (python3 run.py check TASK_DIR), but lint: the
    # template's code is linted by the full gate run of tests/test_pipeline_gates.py, the user's files are
    # this test's, and what the archive step changes (metadata.json, the answers' place) pylint does not read.
    gates = [gate for gate in runner.GATES if gate != "lint"]
    check = run([PYTHON, "-m", "tapkit.pipeline", str(root), "--only", ",".join(gates)], ROOT, timeout=600)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]


# ---------------------------------------------------------------- 0.4.0 projects
@pytest.fixture(scope="module")
def releases_0_4_0(tmp_path_factory):
    """Releases 0.4.0 (this repository at that tag) and 0.5.0 (this checkout)."""
    dest = tmp_path_factory.mktemp("layout") / "template"
    return sandbox.template_releases(ROOT, dest, [("0.4.0", release_tree("0.4.0")), ("0.5.0", sandbox.current)])


def made_by_0_4_0(releases: Path, dest: Path, data: dict | None = None) -> tuple[Path, dict[str, str]]:
    """A project copied at 0.4.0 with the user's work committed; (project, the user's files' hashes)."""
    project = sandbox.generate(releases, "0.4.0", dest, data)
    assert (project / ".copier-answers.yml").is_file() and (project / "taptools").is_dir()
    for rel, text in USER_FILES.items():
        (project / rel).write_text(text, encoding="utf-8")
    gitutil.commit_all(project, "orders resources and tests")
    return project, {rel: sha(project / rel) for rel in USER_FILES}


def check_0_5_0(project: Path, mine: dict[str, str]) -> dict:
    """What any 0.4.0 project is after the update: answers only in lib/, no taptools/, the user's code; the
    answers."""
    recorded = answers(project)
    assert recorded["_commit"] == "0.5.0"
    assert (project / conventions.ANSWERS_FILE).is_file() and not (project / conventions.OLD_ANSWERS_FILE).exists()
    for gone in ("taptools", ".gitattributes", "renovate.json", "tests/unit/test_guardrails.py"):
        assert not (project / gone).exists(), gone
    assert {rel: sha(project / rel) for rel in mine} == mine, "the user's files are untouched"
    metadata = json.loads((project / "metadata.json").read_text(encoding="utf-8"))
    assert "author" not in metadata and metadata["startedAt"] == recorded["started_at"]
    first = gitutil.git(project, "log", "--reverse", "--format=%aI", "HEAD").stdout.split()[0]
    assert recorded["started_at"] == first, "a project made before 0.5.0 started with its first commit"
    return recorded


def test_a_0_4_0_project_with_answers_0_5_0_refuses_stops_then_moves_standalone(releases_0_4_0, tmp_path):
    project, mine = made_by_0_4_0(releases_0_4_0, tmp_path / "old",
                                  {"team": "platform", "subject_labels": ["caching"], "po_id": "trainr42"})
    head = gitutil.head(project)
    stopped = sandbox.copier("update", "--trust", "--defaults", "--skip-tasks", "--vcs-ref=0.5.0", cwd=project)
    assert stopped.returncode != 0
    assert "Traceback" not in stopped.stderr, stopped.stderr
    assert "TAP migration (0.5.0 layout): FAILED: 2 recorded answer(s) are not accepted by 0.5.0" in stopped.stderr
    assert "team 'platform' is not one of the pipeline's teams" in stopped.stderr
    assert "subject_labels ['caching']: 'caching' is no subtask's label" in stopped.stderr
    assert "--data team=TEAM --data subtask='SUBTASK' --data subject_labels='[LABEL, ...]'" in stopped.stderr
    assert gitutil.head(project) == head and changed(project) == [], "nothing was written"

    done = sandbox.copier("update", "--trust", "--defaults", "--skip-tasks", "--vcs-ref=0.5.0", "--data", "team=3",
                          "--data", "subtask=Security, Compliance, and Governance",
                          "--data", "subject_labels=[Security Configuration as Code]", cwd=project)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "recorded layout: standalone" in done.stdout
    recorded = check_0_5_0(project, mine)
    assert (recorded["layout"], recorded["team"], recorded["po_id"]) == ("standalone", "3", "trainr42")
    assert recorded["subject_labels"] == ["Security Configuration as Code"]
    for kept in ("Pipfile", "pytest.ini", ".pylintrc", "README.md", ".gitignore"):
        assert (project / kept).is_file(), kept
    tests = run_unit_tests(project)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]


def test_a_0_4_0_project_moves_to_the_monorepo_layout_with_data_layout_monorepo(releases_0_4_0, tmp_path):
    project, mine = made_by_0_4_0(releases_0_4_0, tmp_path / "old")  # 0.4.0's placeholders: team unknown, ...
    done = sandbox.copier("update", "--trust", "--defaults", "--skip-tasks", "--vcs-ref=0.5.0",
                          "--data", "layout=monorepo", cwd=project)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "team 'unknown' was a placeholder" in done.stdout and "po_id '' was a placeholder" in done.stdout
    assert "removed Pipfile, pytest.ini, .pylintrc, README.md, .gitignore" in done.stdout, done.stdout[-3000:]
    recorded = check_0_5_0(project, mine)
    assert (recorded["layout"], recorded["team"], recorded["po_id"]) == ("monorepo", "synth", "old")
    files = sorted(p.relative_to(project).as_posix() for p in project.rglob("*")
                   if p.is_file() and ".git" not in p.relative_to(project).parts)
    assert not outside_the_task(files), outside_the_task(files)


def test_only_the_archive_steps_fields_leave_metadata_json(tmp_path):
    from tapkit.lifecycle.migrations import archived  # pylint: disable=import-outside-toplevel
    from tapkit.pipeline import data  # pylint: disable=import-outside-toplevel

    fields = data.load("metadata_schema")["fields"]
    assert not set(archived.ARCHIVE_FIELDS) & set(fields), "each is a field the schema refuses"
    kept = {"platform": "cdktf", "po_id": "trainr1", "region": "us-east-1", "migrated_from": {"po_id": "x", "pr": 1}}
    (tmp_path / "metadata.json").write_text(json.dumps({**kept, "author": "jane", "coverage": {"lines": 99}},
                                                       indent=2) + "\n", encoding="utf-8")
    said = archived.drop_archive_fields(tmp_path)
    assert said and said[0].startswith("removed coverage, author from metadata.json")
    assert (tmp_path / "metadata.json").read_text(encoding="utf-8") == json.dumps(kept, indent=2) + "\n"
    assert archived.drop_archive_fields(tmp_path) == []  # nothing left to do
    (tmp_path / "metadata.json").write_text("[1, 2", encoding="utf-8")
    assert archived.drop_archive_fields(tmp_path) == [] and (tmp_path / "metadata.json").read_text() == "[1, 2"
