"""0.2.0 renamed the question cdktf_version to cdktf_package_version; the migration carries recorded pins over.

Style of copier's own tests: a template repository tagged 0.1.0 (the old
question) and 0.2.0 (this checkout), a project copied at 0.1.0 and committed,
then `copier update` to 0.2.0.
"""
from __future__ import annotations

import json
import os

import pytest
import yaml
from copier import run_copy

from helpers import ROOT, answers
from tapkit import conventions
from tapkit.lifecycle.migrations import rename_answer
from tapkit.fleet import sandbox, template

RENAMES = ROOT / "tapkit" / "lifecycle" / "renames.json"
# What installs with cdktf 0.20.0 (the prompt refuses 0.20.0 with the default provider, built for cdktf 0.21), in a
# layout with a Pipfile, where the pin shows.
PAIR = {"aws_provider_package_version": "19.65.1", "aws_provider_constraint": "~> 5.0", "layout": "standalone"}

ANSWERS = "# header\n_commit: 0.1.0\naws_services:\n- S3\n- EC2\ncdktf_version: 0.20.0\ncomplexity: medium\n"


def test_rename_keeps_the_value_and_every_other_line():
    text, said = rename_answer.rename(ANSWERS, "cdktf_version", "cdktf_package_version")
    assert text == ANSWERS.replace("cdktf_version:", "cdktf_package_version:")
    assert said == "renamed the recorded answer cdktf_version to cdktf_package_version"


def test_rename_moves_a_multi_line_value_whole():
    text, _ = rename_answer.rename(ANSWERS, "aws_services", "services")
    assert yaml.safe_load(text)["services"] == ["S3", "EC2"] and "aws_services" not in text


def test_rename_is_idempotent():
    once, _ = rename_answer.rename(ANSWERS, "cdktf_version", "cdktf_package_version")
    twice, said = rename_answer.rename(once, "cdktf_version", "cdktf_package_version")
    assert twice == once and "not recorded" in said


def test_the_new_name_wins_when_both_are_recorded():
    text, said = rename_answer.rename(ANSWERS + "cdktf_package_version: 0.21.0\n", "cdktf_version",
                                      "cdktf_package_version")
    expected = {k: v for k, v in yaml.safe_load(ANSWERS).items() if k != "cdktf_version"}
    assert yaml.safe_load(text) == {**expected, "cdktf_package_version": "0.21.0"}
    assert "dropped the old cdktf_version" in said


def test_a_missing_answers_file_is_a_clear_failure(tmp_path, capsys):
    assert rename_answer.main([str(tmp_path / "nope.yml"), str(RENAMES), "0.2.0"]) == 1
    err = capsys.readouterr().err
    assert "not found" in err and "cdktf_version to cdktf_package_version" in err


def test_the_migration_applies_the_renames_of_its_release_from_the_data_file(tmp_path, capsys):
    renames = tmp_path / "renames.json"
    renames.write_text(json.dumps({"answers": [
        {"version": "0.2.0", "old": "cdktf_version", "new": "cdktf_package_version"},
        {"version": "0.2.0", "old": "complexity", "new": "difficulty"},
        {"version": "0.5.0", "old": "aws_services", "new": "services"}], "modules": []}), encoding="utf-8")
    path = tmp_path / "answers.yml"
    path.write_text(ANSWERS, encoding="utf-8")
    assert rename_answer.main([str(path), str(renames), "0.2.0"]) == 0
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == {
        "_commit": "0.1.0", "aws_services": ["S3", "EC2"], "cdktf_package_version": "0.20.0", "difficulty": "medium"}
    assert rename_answer.main([str(path), str(renames), "0.3.0"]) == 0
    assert "lists no answer renamed in 0.3.0" in capsys.readouterr().out


def test_copier_yml_and_tapkit_fleet_take_the_renames_from_the_one_data_file():
    data = json.loads((RENAMES).read_text(encoding="utf-8"))
    config = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
    renaming = [m for m in config["_migrations"] if "rename_answer.py" in " ".join(map(str, m["command"]))]
    assert {str(m["version"]) for m in renaming} == {str(e["version"]) for e in data["answers"]}
    for migration in renaming:  # the file and the release, never names
        assert migration["command"][-2].endswith("/tapkit/lifecycle/renames.json")
        assert migration["command"][-1] == migration["version"]
    assert [(str(v), old, new) for v, old, new in template.renames(ROOT, "0.3.0")] == [
        (e["version"], e["old"], e["new"]) for e in data["answers"]]


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """The sample template releases (0.1.0 ... 0.3.0) in a git repo."""
    return sandbox.sample_releases(tmp_path_factory.mktemp("releases") / "template")


@pytest.fixture(scope="module")
def releases_without_the_migration(tmp_path_factory):
    """Like releases, but 0.2.0's copier.yml lacks the rename migration: the control experiment."""
    def drop_rename(root):
        sandbox.current(root)
        config = yaml.safe_load((root / "copier.yml").read_text(encoding="utf-8"))
        config["_migrations"] = [m for m in config["_migrations"] if "version" not in m]
        (root / "copier.yml").write_text(yaml.safe_dump(config, sort_keys=False, width=1000), encoding="utf-8")

    dest = tmp_path_factory.mktemp("control") / "template"
    return sandbox.template_releases(ROOT, dest, [("0.1.0", sandbox.before_0_2_0), ("0.2.0", drop_rename)])


def update_pinned_project(template, tmp_path):
    """A project copied at 0.1.0 with cdktf_version answered, updated to 0.2.0; (project, copier's result).

    The sample releases hold this checkout's layout (answers in lib/), standalone so the pin shows in a Pipfile.
    """
    project = sandbox.generate(template, "0.1.0", tmp_path / "pinned", {"cdktf_version": "0.20.0", **PAIR})
    assert answers(project)["cdktf_version"] == "0.20.0"
    done = sandbox.copier("update", "--trust", "--defaults", "--vcs-ref=0.2.0", "-a", conventions.ANSWERS_FILE,
                          cwd=project,
                          env={**os.environ, "TAP_HOOK_SKIP_SYNTH": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    return project, done


def test_update_across_0_2_0_keeps_a_custom_cdktf_pin(releases, tmp_path):
    project, done = update_pinned_project(releases, tmp_path)
    recorded = answers(project)
    assert recorded["_commit"] == "0.2.0"
    assert recorded["cdktf_package_version"] == "0.20.0" and "cdktf_version" not in recorded
    assert 'cdktf = "==0.20.0"' in (project / "Pipfile").read_text(encoding="utf-8")
    assert "renamed the recorded answer cdktf_version to cdktf_package_version" in done.stdout


def test_without_the_migration_the_pin_would_be_lost(releases_without_the_migration, tmp_path):
    project, _ = update_pinned_project(releases_without_the_migration, tmp_path)
    assert answers(project)["cdktf_package_version"] == "0.21.0"
    assert 'cdktf = "==0.21.0"' in (project / "Pipfile").read_text(encoding="utf-8")


def copy_now(tmp_path, data):
    """This checkout's HEAD copied with `data` as answers (tasks skipped)."""
    run_copy(str(ROOT), str(tmp_path / "out"), data=data, defaults=True, unsafe=True, skip_tasks=True,
             quiet=True, vcs_ref="HEAD")
    return tmp_path / "out"


def test_the_old_name_still_works_on_copy_and_is_recorded_under_the_new_one(tmp_path):
    project = copy_now(tmp_path, {"cdktf_version": "0.20.0", **PAIR})
    recorded = answers(project)
    assert recorded["cdktf_package_version"] == "0.20.0" and "cdktf_version" not in recorded
    assert 'cdktf = "==0.20.0"' in (project / "Pipfile").read_text(encoding="utf-8")


def test_both_names_with_different_values_are_refused(tmp_path):
    with pytest.raises(ValueError, match="cdktf_version was renamed cdktf_package_version"):
        copy_now(tmp_path, {"cdktf_version": "0.20.0", "cdktf_package_version": "0.21.0"})


def test_every_migration_version_is_a_changelog_release():
    import re  # pylint: disable=import-outside-toplevel

    from packaging.version import Version  # pylint: disable=import-outside-toplevel

    config = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    released = {str(Version(v)) for v in re.findall(r"^## +([0-9][^\s]*)", changelog, re.MULTILINE)}
    assert "0.1.0" in released
    versions = {str(Version(str(m["version"]))) for m in config["_migrations"] if "version" in m}
    assert versions and versions <= released, f"migrations for {versions - released} have no CHANGELOG entry"
    for migration in config["_migrations"]:
        script = re.search(r"hooks/migrations/\S+\.py", " ".join(map(str, migration["command"])))
        assert script and (ROOT / script.group(0)).is_file(), migration
