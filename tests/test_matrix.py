"""Every answer set renders a project whose files parse, which synthesizes as answered, and whose own tests pass."""
from __future__ import annotations

import ast
import configparser
import json
import re
import tomllib

import pytest
import yaml

from helpers import SCENARIOS, answers, run_unit_tests, synth
from tapkit import conventions

PARSERS = {
    ".json": json.loads,
    ".yml": yaml.safe_load,
    ".yaml": yaml.safe_load,
    ".toml": tomllib.loads,
    ".py": ast.parse,
    ".ini": lambda text: configparser.ConfigParser().read_string(text),
}
JINJA_LEFTOVER = re.compile(r"\{%|\{\{ [^{}]* \}\}")
NAMED_PARSERS = {"Pipfile": PARSERS[".toml"], ".pylintrc": PARSERS[".ini"]}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_rendered_file_parses(rendered, scenario):
    project = rendered(scenario)
    parsed = []
    for path in sorted(p for p in project.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        parse = NAMED_PARSERS.get(path.name) or PARSERS.get(path.suffix)
        if parse:
            parse(path.read_text(encoding="utf-8"))
            parsed.append(path.relative_to(project).as_posix())
        assert ".jinja" not in path.name and not JINJA_LEFTOVER.search(path.read_text(encoding="utf-8")), path
    required = ["tap.py", "cdktf.json", "metadata.json", "lib/tap_stack.py", conventions.ANSWERS_FILE]
    if answers(project)["layout"] == "standalone":
        required += ["Pipfile", "pytest.ini", ".pylintrc"]
    assert set(required) <= set(parsed)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_task_layout_holds_only_what_the_pipeline_accepts(rendered, scenario):
    """monorepo: tap.py, cdktf.json, metadata.json, lib/**, tests/** and nothing else (the pipeline's file gate)."""
    project = rendered(scenario)
    top = sorted(p.name for p in project.iterdir() if p.name != "__pycache__")
    if answers(project)["layout"] == "monorepo":
        assert top == ["cdktf.json", "lib", "metadata.json", "tap.py", "tests"]
    else:
        assert {"Pipfile", "pytest.ini", ".pylintrc", ".gitignore"} <= set(top)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_synth_has_the_answered_backend_regions_and_list_shaped_tags(rendered, scenario, tmp_path):
    project = rendered(scenario)
    given = answers(project)
    doc = synth(project, tmp_path / "out")
    backend = doc["terraform"]["backend"]
    assert list(backend) == [given["backend"]]
    if given["backend"] == "s3":
        s3 = backend["s3"]
        assert s3["bucket"] == given["state_bucket"] and s3["encrypt"] is True
        assert s3["key"].startswith(given["state_key_pattern"].split("{")[0])
        assert s3.get("use_lockfile") is (True if given["s3_locking"] == "lockfile" else None)
        assert s3.get("dynamodb_table") == (given.get("dynamodb_table") if given["s3_locking"] == "dynamodb" else None)
    providers = doc["provider"]["aws"]
    assert sorted(p["region"] for p in providers) == sorted([given["aws_region"], *given["extra_regions"]])
    for provider in providers:
        (block,) = provider["default_tags"]
        assert list(block) == ["tags"]
        assert block["tags"][conventions.DATA["pipeline"]["environment_tag"]] == given["environment_suffix"]
        # The pipeline's variables are unset here: each tag falls back to its answer (team: as in metadata.json).
        for tag in conventions.DATA["pipeline"]["tags"]:
            assert block["tags"][tag["key"]] == (given[tag["fallback_answer"]] if "fallback_answer" in tag
                                                 else tag["fallback"])
        assert given["extra_tags"].items() <= block["tags"].items()
    assert doc["terraform"]["required_providers"]["aws"]["version"] == given["aws_provider_constraint"]
    cdktf_json = json.loads((project / "cdktf.json").read_text(encoding="utf-8"))
    assert cdktf_json["terraformProviders"] == [f"aws@{given['aws_provider_constraint']}"]
    # The answered framework synthesized it: its version is in the stack's metadata (cdktf 0.21.0, cdktn 0.24.0).
    names = conventions.FRAMEWORKS[given["framework"]]
    assert doc["//"]["metadata"]["version"] == given["cdktf_package_version"] == names["package_version"]
    if given["layout"] == "standalone":
        pins = tomllib.loads((project / "Pipfile").read_text(encoding="utf-8"))["packages"]
        assert pins[names["package"]] == f"=={given['cdktf_package_version']}"
        assert pins[names["provider_package"]] == f"=={given['aws_provider_package_version']}"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_metadata_and_tags_read_the_same_answers(rendered, scenario):
    """metadata.json holds the pipeline's fields from the answers, and only those (its schema is closed)."""
    project = rendered(scenario)
    given = answers(project)
    metadata = json.loads((project / "metadata.json").read_text(encoding="utf-8"))
    fields = {"platform": "cdktf", "language": "py", "complexity": given["complexity"],
              "turn_type": given["turn_type"], "po_id": given["po_id"], "team": given["team"],
              "startedAt": given["started_at"], "subtask": given["subtask"], "provider": given["provider"],
              "subject_labels": given["subject_labels"], "aws_services": given["aws_services"],
              "wave": given["wave"]}
    assert metadata == fields


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_generated_unit_tests_pass_with_coverage_and_leave_nothing_in_tmpdir(rendered, scenario, tmp_path):
    done = run_unit_tests(rendered(scenario), TMPDIR=str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Required test coverage of 90% reached" in done.stdout
    # Not one warning: pytest collecting cdktf's Testing class warned in every test module that imports it
    assert "warnings summary" not in done.stdout, done.stdout
    # Testing.app() outdirs (cdktf.outdir.*) must not pile up; pytest's own pytest-of-<user> is not ours.
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("pytest-of-"))
    assert not left, f"the generated tests left {left} in $TMPDIR (cdktf.outdir.* from Testing.app())"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_integration_tests_follow_the_answer(rendered, scenario):
    project = rendered(scenario)
    wanted = answers(project)["include_integration_tests"]
    assert (project / "tests" / "integration").is_dir() is wanted
    if answers(project)["layout"] == "standalone":
        assert ("test-integration" in (project / "Pipfile").read_text(encoding="utf-8")) is wanted
