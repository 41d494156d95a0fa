"""The preflight (`python3 run.py check TASK_DIR`, tapkit.pipeline): each of the pipeline's offline gates passes
a good task and fails a bad one with the fix; a rendered task passes all of them once its author writes the docs.

Hand-made tasks are in tests/fixtures/pipeline/ (task/ is a complete one; the others hold only what their gate
reads). Only the render's test runs lint, unit tests and synth on real cdktf code; the failing cases of those
gates run the real tools on tiny tasks that need no provider.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

from helpers import PYTHON, ROOT, run
from tapkit import conventions
from tapkit.pipeline import (allowed_paths, data, lint, metadata_rules, metadata_schema, prompt_quality,
                             required_docs, runner, schema, synthesis, unit_tests)
from tapkit.pipeline.result import FAILED, NOT_RUN, PASSED
from tapkit.pipeline.task import Task

FIXTURES = ROOT / "tests" / "fixtures" / "pipeline"
GOOD = FIXTURES / "task"
STATIC = ["allowed-paths", "metadata-schema", "metadata-rules", "required-docs", "prompt-quality"]


def fixture(name: str) -> Task:
    """The hand-made task tests/fixtures/pipeline/<name>."""
    return Task(FIXTURES / name)


def said(result) -> str:
    """A result's problems as its line shows them."""
    return "; ".join(str(problem) for problem in result.problems)


def copy_of(name: str, dest: Path) -> Path:
    """A copy of a hand-made task to change."""
    shutil.copytree(FIXTURES / name, dest)
    return dest


def write_metadata(dest: Path, **changes) -> Path:
    """`dest` with the good task's metadata.json, changed (None drops a field), team 3 unless given."""
    meta = json.loads((GOOD / "metadata.json").read_text(encoding="utf-8"))
    meta.update({"team": "3", **changes})  # not a synth team: no documents needed
    meta = {k: v for k, v in meta.items() if v is not None}
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    return dest


def git(cwd: Path, *args: str) -> str:
    """Run git with an identity; its output."""
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd,
                          capture_output=True, text=True, check=True)
    return done.stdout


def monorepo_clone(tmp_path: Path) -> Path:
    """A repository whose main has one file, cloned (origin/main) and on a task branch."""
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "main")
    (upstream / ".gitignore").write_text("cdktf.out/\n", encoding="utf-8")
    git(upstream, "add", ".gitignore")
    git(upstream, "commit", "-q", "-m", "main")
    git(tmp_path, "clone", "-q", str(upstream), "work")
    work = tmp_path / "work"
    git(work, "checkout", "-q", "-b", "task")
    return work


# --- allowed-paths -----------------------------------------------------------------------------------------


def test_the_hand_made_task_passes_every_static_gate():
    results = runner.run(GOOD, only=STATIC)
    assert [(r.gate, r.status) for r in results] == [(gate, PASSED) for gate in STATIC], \
        [r.line() for r in results]


def test_a_stray_root_file_and_a_root_folder_are_refused_with_the_fix():
    result = allowed_paths.check(fixture("stray-root-file"))
    assert result.status == FAILED
    assert [p.what for p in result.problems] == [".pylintrc is not allowed", "taptools/ (2 files) is not allowed"]
    hints = data.load("allowed_paths")["hints"]
    assert [p.fix for p in result.problems] == [hints[".pylintrc"], hints["taptools/"]]


def test_outside_git_the_walk_skips_tool_output(tmp_path):
    task = copy_of("task", tmp_path / "task")
    for name in ("cdktf.out/stacks/x/cdk.tf.json", ".venv/bin/python", "lib/__pycache__/x.pyc", "cov.json"):
        (task / name).parent.mkdir(parents=True, exist_ok=True)
        (task / name).write_text("", encoding="utf-8")
    (task / "renovate.json").write_text("{}", encoding="utf-8")
    result = allowed_paths.check(Task(task))
    assert said(result) == f"renovate.json is not allowed -> {data.load('allowed_paths')['hints']['renovate.json']}"


def test_in_a_checkout_the_paths_are_the_pull_requests(tmp_path):
    work = monorepo_clone(tmp_path)
    shutil.copytree(GOOD, work, dirs_exist_ok=True)
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "feat: task")
    assert allowed_paths.check(Task(work)).detail == "12 paths against origin/main"
    (work / "cdktf.out").mkdir()
    (work / "cdktf.out" / "manifest.json").write_text("{}", encoding="utf-8")  # ignored: never in the PR
    (work / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # untracked: in the PR once committed
    result = allowed_paths.check(Task(work))
    assert [p.what for p in result.problems] == ["pytest.ini is not allowed"]


def test_a_task_in_a_subfolder_is_judged_as_it_will_sit_at_the_root(tmp_path):
    work = monorepo_clone(tmp_path)
    task = work / "tasks" / "mine"
    shutil.copytree(GOOD, task)
    (work / "elsewhere.txt").write_text("not the task's\n", encoding="utf-8")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "feat: task")
    assert allowed_paths.check(Task(task)).status == PASSED
    (task / ".copier-answers.yml").write_text("_commit: v1\n", encoding="utf-8")
    result = allowed_paths.check(Task(task))
    assert [p.what for p in result.problems] == [".copier-answers.yml is not allowed"]


def test_a_task_already_on_main_is_judged_by_its_files(tmp_path):
    """No pull request to read (nothing differs from origin/main): the folder's own files are judged, as for this
    repository's fixtures in a clone of it."""
    upstream = tmp_path / "upstream"
    shutil.copytree(fixture("stray-root-file").root, upstream / "tasks" / "stray")
    git(upstream, "init", "-q", "-b", "main")
    git(upstream, "add", "-A")
    git(upstream, "commit", "-q", "-m", "main")
    git(tmp_path, "clone", "-q", str(upstream), "work")
    result = allowed_paths.check(Task(tmp_path / "work" / "tasks" / "stray"))
    assert [p.what for p in result.problems] == [".pylintrc is not allowed", "taptools/ (2 files) is not allowed"]


# --- metadata-schema ---------------------------------------------------------------------------------------


def test_metadata_with_author_and_without_wave_fails_the_schema():
    result = metadata_schema.check(fixture("author-no-wave"))
    assert said(result) == (
        'wave is missing -> add "wave": one of "P0", "P1"; '
        "author is not a schema field -> the pipeline adds author when it archives the merged task: remove it "
        "from metadata.json")


def test_a_missing_metadata_json_fails_both_metadata_gates(tmp_path):
    for gate in (metadata_schema, metadata_rules):
        result = gate.check(Task(tmp_path))
        assert result.status == FAILED and result.problems[0].what == "metadata.json is missing"


@pytest.mark.parametrize("changes, problem", [
    ({"startedAt": "2025-01-15T10:00:00"}, "startedAt '2025-01-15T10:00:00' is not an RFC 3339 date-time"),
    ({"startedAt": "2025-02-29T10:00:00Z"}, "startedAt '2025-02-29T10:00:00Z' is not an RFC 3339 date-time"),
    ({"training_quality": 11}, "training_quality is 11"),
    ({"training_quality": "9"}, "training_quality is string"),
    ({"migrated_from": {"po_id": "trainr1", "pr": "7179"}}, "migrated_from.pr '7179' does not match ^Pr[0-9]+$"),
    ({"migrated_from": {"po_id": "trainr1", "pr": "Pr7179", "note": "x"}}, "migrated_from.note is not a schema field"),
    ({"subject_labels": []}, "subject_labels is empty"),
    ({"subject_labels": ["Caching"]}, "subject_labels[0] 'Caching' is not allowed"),
    ({"aws_services": "S3"}, "aws_services is string"),
    ({"team": 3}, "team is integer"),
])
def test_the_schema_subset_refuses(tmp_path, changes, problem):
    result = metadata_schema.check(Task(write_metadata(tmp_path, **changes)))
    assert [p.what for p in result.problems] == [problem]


def test_the_schema_subset_accepts_the_optional_fields_and_zones(tmp_path):
    task = write_metadata(tmp_path, startedAt="2024-02-29T23:59:60.5+00:00", training_quality=10.0,
                          migrated_from={"po_id": "trainr1", "pr": "Pr7179"})
    assert metadata_schema.check(Task(task)).status == PASSED
    assert schema.is_date_time("2025-01-15 10:00:00-05:30") and not schema.is_date_time("2025-01-15T23:59:60Z ")


def test_the_schemas_closed_lists_are_conventions_lists():
    metadata = conventions.DATA["metadata"]
    for field in ("complexity", "turn_type", "team", "provider", "wave"):
        assert data.choices(field) == metadata[field]
    assert data.choices("subtask") == list(metadata["subtasks"])
    labels = set(data.schema_labels())
    assert {label for offered in metadata["subtasks"].values() for label in offered} < labels
    assert set(metadata["disagreeing_labels"]) < labels
    assert len(labels) == 12 and "Multi-Environment Consistency and Replication" not in labels


# --- metadata-rules ----------------------------------------------------------------------------------------


def test_labels_must_belong_to_the_subtask_and_to_the_schema():
    result = metadata_rules.check(fixture("labels-not-of-subtask"))
    fix = "use labels of subtask 'Provisioning of Infrastructure Environments': " \
          '"Environment Migration", "Cloud Environment Setup"'
    assert [p.what.split(":")[0] for p in result.problems] == [
        "subject label 'Web Application Deployment' is not a label of subtask 'Provisioning of Infrastructure "
        "Environments'", "subject label 'Multi-Environment Consistency'"]
    assert "and Replication" in result.problems[1].what and {p.fix for p in result.problems} == {fix}


def test_a_label_of_another_platform_needs_that_platform(tmp_path):
    task = write_metadata(tmp_path, subtask="CI/CD Pipeline Integration", subject_labels=["CI/CD Pipeline"])
    assert [str(p) for p in metadata_rules.check(Task(task)).problems] == [
        "subject label 'CI/CD Pipeline' needs platform 'cicd' with language yaml or yml -> choose another subtask: "
        "this one needs platform cicd"]


def test_team_unknown_and_an_empty_po_id_fail_the_rules_and_the_schema():
    rules = metadata_rules.check(fixture("team-unknown"))
    assert [p.what for p in rules.problems] == ["team is 'unknown'", "po_id is ''"]
    schema_said = said(metadata_schema.check(fixture("team-unknown")))
    assert "po_id is empty" in schema_said and "team 'unknown' is not allowed" in schema_said


def test_a_synth_team_needs_the_prompt_and_the_model_response(tmp_path):
    result = metadata_rules.check(Task(write_metadata(tmp_path / "synth", team="synth-2")))
    assert [p.what for p in result.problems] == [
        "team 'synth-2' is a synthetic task without lib/PROMPT.md, lib/MODEL_RESPONSE.md"]
    assert metadata_rules.check(Task(write_metadata(tmp_path / "three", team="3"))).status == PASSED


def test_emojis_in_lib_markdown_fail_the_rules():
    result = metadata_rules.check(fixture("prompt-dash-emoji"))
    assert [str(p) for p in result.problems] == [
        "team 'synth' is a synthetic task without lib/MODEL_RESPONSE.md -> the task's author writes them (see the "
        "required-docs line)", "emoji in lib/PROMPT.md (line 1) -> remove every emoji"]


def test_the_template_platform_and_language_are_required(tmp_path):
    result = metadata_rules.check(Task(write_metadata(tmp_path, platform="cdk", language="go")))
    assert [p.what for p in result.problems] == ["platform is 'cdk', the template's tasks are 'cdktf'",
                                                 "language is 'go', the template's tasks are 'py'"]


# --- required-docs -----------------------------------------------------------------------------------------


def test_missing_docs_are_named_and_left_to_the_author():
    result = required_docs.check(fixture("missing-docs"))
    assert result.status == FAILED
    assert result.problems[0].what == "missing lib/MODEL_RESPONSE.md, lib/IDEAL_RESPONSE.md, lib/MODEL_FAILURES.md"
    assert result.problems[0].fix.startswith("the task's author writes them (MODEL_RESPONSE.md, the model's answer")
    assert required_docs.check(Task(GOOD)).detail == "4 documents"


def test_every_required_doc_is_described():
    assert set(conventions.DATA["metadata"]["required_docs"]) == set(data.load("docs")["about"])


# --- prompt-quality ----------------------------------------------------------------------------------------


def test_a_prompt_with_an_em_dash_an_emoji_and_a_group_greeting_fails():
    result = prompt_quality.check(fixture("prompt-dash-emoji"))
    assert [p.what for p in result.problems] == [
        "addresses a group ('hey team', 'team,')", "emoji (line 1)", "1 em dash '—' (line 3)",
        "2 round or curly brackets (at most 1)", "formal abbreviations (e.g.)"]


@pytest.mark.parametrize("prompt, problems", [
    ("Deploy S3 and EC2.\n", ["0 connectivity pattern(s) found (needs 2)"]),
    ("Create a Lambda function.\n", ["0 connectivity pattern(s) found (needs 2)",
                                     "1 services name(s) found (needs 2)"]),
    ("An S3 bucket triggers a Lambda that writes to DynamoDB. Give its IAM role AdministratorAccess.\n",
     ["security-focused prompt asks for broad access (AdministratorAccess)"]),
    ("An S3 bucket triggers a Lambda that writes to DynamoDB; see [the doc].\n",
     ["1 square bracket '[' (line 1)"]),
])
def test_the_prompt_rules(tmp_path, prompt, problems):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "PROMPT.md").write_text(prompt, encoding="utf-8")
    assert [p.what for p in prompt_quality.check(Task(tmp_path)).problems] == problems


def test_many_semicolons_only_warn(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "PROMPT.md").write_text(
        "An S3 bucket triggers a Lambda; it writes to DynamoDB; then SNS; then SQS.\n", encoding="utf-8")
    result = prompt_quality.check(Task(tmp_path))
    assert result.status == PASSED and result.detail == "warning: 3 semicolons, the step warns above 2"


def test_a_missing_prompt_fails_prompt_quality(tmp_path):
    assert said(prompt_quality.check(Task(tmp_path))).startswith("lib/PROMPT.md is missing -> the task's author")


# --- lint, unit-tests, synth on tiny tasks (real pylint, pytest, synth runner) -------------------------------


def test_lint_errors_score_under_seven_with_the_monorepo_rules():
    result = lint.check(fixture("lint-error"))
    assert result.status == FAILED and "is under 7.0" in result.problems[0].what, result.line()
    assert "E0602" in result.problems[0].what and result.detail.endswith("pylintrc of the template's copy")


def test_lint_uses_the_rules_of_the_monorepo_checkout_it_sits_in(tmp_path):
    root = copy_of("lint-error", tmp_path / "monorepo")
    (root / "scripts").mkdir()
    (root / "scripts" / "check-project-files.sh").write_text("#!/bin/bash\n", encoding="utf-8")
    (root / ".pylintrc").write_text("[MESSAGES CONTROL]\ndisable=E,C,W,R\n", encoding="utf-8")  # all but fatal
    result = lint.check(Task(root))
    assert result.status == PASSED
    assert result.detail == "score 10.00/10, at least 7.0, .pylintrc of the monorepo checkout"


def test_failing_tests_and_low_coverage_fail_the_unit_tests():
    result = unit_tests.check(fixture("failing-tests"))
    assert [p.what.split(":")[0] for p in result.problems] == ["1 failed, 1 passed", "coverage 37.50% is under 90%"]
    assert not (FIXTURES / "failing-tests" / "cov.json").exists()
    assert not (FIXTURES / "failing-tests" / ".coverage").exists()


def test_unit_tests_use_the_coverage_settings_of_the_monorepo_checkout(tmp_path):
    root = copy_of("failing-tests", tmp_path / "monorepo")
    (root / "scripts").mkdir()
    (root / "scripts" / "check-project-files.sh").write_text("#!/bin/bash\n", encoding="utf-8")
    (root / "pyproject.toml").write_text('[tool.coverage.run]\nomit = ["lib/calc.py"]\n', encoding="utf-8")
    (root / "lib" / "covered.py").write_text('"""Covered."""\nVALUE = 1\n', encoding="utf-8")
    (root / "tests" / "unit" / "test_calc.py").write_text(
        "from lib.covered import VALUE\n\n\ndef test_value():\n    assert VALUE == 1\n", encoding="utf-8")
    result = unit_tests.check(Task(root))
    assert result.status == PASSED and result.detail == "1 passed; coverage 100.00% of lib/ (lines and branches)"


def test_synth_names_the_error_and_the_code_maker_output(tmp_path):
    (tmp_path / "tap.py").write_text('raise SystemExit("TapStack needs a region")\n', encoding="utf-8")
    (tmp_path / "cdktf.json").write_text('{"app": "python tap.py", "codeMakerOutput": "imports"}', encoding="utf-8")
    result = synthesis.check(Task(tmp_path, PYTHON))
    assert [p.what for p in result.problems] == ["cdktf.json sets codeMakerOutput 'imports'",
                                                 "synth failed: TapStack needs a region"]
    assert said(synthesis.check(Task(tmp_path / "nothing"))).startswith("cdktf.json is missing")


def test_a_missing_tool_is_not_run_and_fails(tmp_path):
    bare = tmp_path / "bare"
    venv.EnvBuilder(with_pip=False).create(bare)
    done = run([PYTHON, "-m", "tapkit.pipeline", str(GOOD), "--python", str(bare / "bin" / "python"),
                "--only", "lint,unit-tests"], ROOT, PYTHONPATH=str(ROOT))
    lines = done.stdout.splitlines()
    assert done.returncode == 1 and [line.split()[0] for line in lines] == ["lint", "unit-tests"], done.stdout
    assert all(f" {NOT_RUN}: no interpreter with " in line for line in lines)
    assert "pip install pylint==4.0.4" in lines[0] and "pip install pytest==9.0.1" in lines[1]


# --- the command ---------------------------------------------------------------------------------------------


def test_run_py_check_prints_one_line_per_gate_and_exits_zero_when_all_pass():
    done = run([PYTHON, str(ROOT / "run.py"), "check", str(GOOD), "--only", ",".join(STATIC)], ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [line.split()[:2] for line in done.stdout.splitlines()] == [[gate, PASSED] for gate in STATIC]


def test_an_unknown_gate_is_a_usage_error():
    done = run([PYTHON, "-m", "tapkit.pipeline", str(GOOD), "--only", "lint,deploy"], ROOT, PYTHONPATH=str(ROOT))
    assert done.returncode == 2 and "unknown gate deploy" in done.stderr


def test_a_rendered_task_passes_every_gate_once_its_author_writes_the_docs(rendered, tmp_path):
    project = rendered("default")
    before = required_docs.check(Task(project))
    assert before.status == FAILED and before.problems[0].what.startswith("missing lib/PROMPT.md")
    task = tmp_path / "task"
    shutil.copytree(project, task, symlinks=True)
    for doc in conventions.DATA["metadata"]["required_docs"]:
        shutil.copy(GOOD / doc, task / doc)
    done = run([PYTHON, "-m", "tapkit.pipeline", str(task), "--json"], ROOT, PYTHONPATH=str(ROOT))
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["ok"], done.stdout + done.stderr
    gates = {gate["gate"]: gate for gate in report["gates"]}
    assert list(gates) == list(runner.GATES) and all(g["status"] == PASSED for g in gates.values())
    assert "coverage 100.00% of lib/" in gates["unit-tests"]["detail"]
    assert gates["lint"]["detail"].startswith("score 10.00/10")
    assert gates["synth"]["detail"].startswith("1 stack, ")
    assert sorted(p.name for p in task.iterdir()) == sorted(p.name for p in project.iterdir())  # nothing written
