"""The post-generation hook: passes a good project, fails a broken one with what/where/how, never edits files."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import time
import venv
from pathlib import Path

import pytest
import yaml

from helpers import PYTHON, ROOT, clean_env, copy_template, run
from tapkit import conventions

HOOK = ROOT / "hooks" / "post_generate.py"


def snapshot(tree):
    """{path: sha256} of every file, to prove the hook changed nothing."""
    return {
        p.relative_to(tree).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(tree.rglob("*")) if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture
def project(rendered, tmp_path):
    """A private copy of the default project, free to break."""
    return shutil.copytree(rendered("default"), tmp_path / "project")


def hook(project, operation="update", **env):
    """Run the post-generate hook on `project` as copier would after `operation`."""
    return run([PYTHON, str(HOOK), "--operation", operation, str(project)], project, **env)


def edit(path, old, new):
    """Replace `old` (which must be there) by `new` in the file."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def status_of(path):
    """What the hook wrote to TAP_HOOK_STATUS (hooks/hook_status.py)."""
    return json.loads(path.read_text(encoding="utf-8"))


def test_a_good_project_passes_and_shows_each_step_with_its_time(project, tmp_path):
    done = hook(project, TAP_HOOK_STATUS=str(tmp_path / "status.json"))
    assert done.returncode == 0, done.stdout + done.stderr
    for step in ("contract", "python", "provider", "doctor", "synth", "json"):
        assert re.search(rf"ok\s+{step}\s+\d+\.\d+s", done.stdout), (step, done.stdout)
    assert re.search(r"TAP hook: passed in \d+\.\d+s", done.stdout)
    status = status_of(tmp_path / "status.json")
    assert status["ok"] is True and status["step"] is None and status["synth_skipped"] is False, status
    assert status["operation"] == "update" and status["after_merge"] is False and status["project"] == str(project)


def test_copy_fails_on_a_broken_template_and_keeps_the_render(tmp_path):
    template = copy_template(tmp_path / "template-src")
    edit(template / "template" / "tap.py.jinja", "        f\"TapStack{environment_suffix}\",\n",
         "        f\"TapStack{environment_suffix}\",\n        enable_logging=True,\n")
    dest = tmp_path / "new-task"
    status_file = tmp_path / "status.json"
    done = subprocess.run([PYTHON, "-m", "copier", "copy", "--trust", "--defaults", str(template), str(dest)],
                          capture_output=True, text=True, check=False,
                          env={**os.environ, "TAP_HOOK_STATUS": str(status_file)})
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "TAP102 TapStack(...) passes keyword 'enable_logging'" in output
    assert "FAILED at step 'contract'" in output and "TAP hook FAILED" in output
    assert "--skip-tasks" in output
    assert not dest.exists(), "copier removes a destination it created when a task fails"
    assert f"copier deletes {dest} because it created it" in output
    saved = re.search(r"rendered files were saved to:\n\s+(\S+)", output).group(1)
    assert "enable_logging=True" in (Path(saved) / "tap.py").read_text(encoding="utf-8")
    # The template copier read was a folder: the command runs its run.py on the saved files.
    assert f"python3 {template / 'run.py'} check {saved}" in output, "re-run the checks where the files still are"
    assert f"cd {saved} && python tap.py" in output
    assert f"cd {dest} &&" not in output
    status = status_of(status_file)
    assert (status["ok"], status["operation"], status["step"], status["saved_render"]) == (False, "copy", "contract",
                                                                                          saved), status
    assert "TAP102" in status["message"]


@pytest.fixture(scope="module")
def plain_template(tmp_path_factory):
    """This checkout's template files, without git, so copier renders the working tree."""
    return copy_template(tmp_path_factory.mktemp("plain") / "template")


@pytest.mark.parametrize("case", ["existing", "no-cleanup"])
def test_a_failed_copy_says_copier_keeps_what_it_keeps(plain_template, tmp_path, case):
    """A constraint that excludes the prebuilt provider fails the hook at step 'provider', before any synth."""
    dest = tmp_path / "task"
    flags = []
    if case == "existing":
        dest.mkdir()
        (dest / "NOTES.md").write_text("mine\n", encoding="utf-8")
        os.utime(dest / "NOTES.md", (time.time() - 60, time.time() - 60))
    else:
        flags.append("--no-cleanup")
    # The questionnaire knows 21.21.0 only as built for some AWS provider from 6.23.0 (21.20.0's) to 6.25.0
    # (21.22.1's), so it lets this constraint through; the hook reads what the installed package was built for,
    # 6.25.0, which the constraint excludes.
    done = subprocess.run([PYTHON, "-m", "copier", "copy", "--trust", "--defaults", *flags,
                           "--data", "aws_provider_package_version=21.21.0",
                           "--data", "aws_provider_constraint=>= 6.23.0, < 6.25.0", str(plain_template), str(dest)],
                          capture_output=True, text=True, check=False)
    output = done.stdout + done.stderr
    assert done.returncode != 0 and "FAILED at step 'provider'" in output, output
    assert (dest / "tap.py").is_file(), "copier keeps this destination"
    assert f"copier keeps {dest}" in output and "copier deletes" not in output and "saved to" not in output
    assert f"run.py check {dest}" in output and f"cd {dest} && python tap.py" in output
    assert "copier update" not in output, "nothing to update after a failed copy"
    assert "--data aws_provider_constraint=" in output


def test_old_saved_renders_are_deleted_by_the_next_hook_run(project, tmp_path):
    tmp = tmp_path / "tmp"
    old, fresh = tmp / "tap-failed-render-old", tmp / "tap-failed-render-fresh"
    for folder in (old, fresh):
        (folder / "task").mkdir(parents=True)
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    done = hook(project, TAP_HOOK_SKIP_SYNTH="1", TMPDIR=str(tmp))
    assert done.returncode == 0, done.stdout + done.stderr
    assert not old.exists() and fresh.is_dir()


def test_the_json_check_names_what_differs_and_hand_added_tags_get_the_answer_to_give(project):
    """One synth for both: a changed default region, and EXTRA_TAGS edited in tap.py (what an update then prints)."""
    edit(project / "tap.py", '"AWS_REGION", "us-east-1"', '"AWS_REGION", "us-east-2"')
    edit(project / "tap.py", "EXTRA_TAGS: Mapping[str, str] = {}", 'EXTRA_TAGS: Mapping[str, str] = {"Owner": "me"}')
    done = hook(project, "update", TAP_HOOK_STATUS=str(project.parent / "status.json"))
    assert done.returncode == 1
    assert "FAILED at step 'json'" in done.stdout
    status = status_of(project.parent / "status.json")
    assert status["ok"] is False and status["step"] == "json" and status["saved_render"] is None, status
    assert "expected ['us-east-1']" in status["message"] and "--data 'extra_tags=" in status["message"]
    assert "AWS provider regions are ['us-east-2'], expected ['us-east-1']" in done.stdout
    assert "tap.py's EXTRA_TAGS is {\"Owner\": \"me\"}" in done.stderr
    command = re.search(r"copier update --trust --defaults --data '(extra_tags=[^']+)'", done.stderr).group(1)
    assert yaml.safe_load(command.split("=", 1)[1]) == {"Owner": "me"}, "the --data value copier will parse"
    assert "git reset --hard && git clean -fd" in done.stderr and "extra_tags in lib/.copier-answers.yml" in done.stderr


def test_a_synth_failure_is_reported_whole_and_nothing_is_touched(project):
    # A failure only running the code shows (the doctor, which reads the source, passes it).
    edit(project / "lib" / "resources.py", "    bucket = S3Bucket(",
         "    if stack.environment_suffix == \"dev\":\n        raise RuntimeError(\"no dev buckets today\")\n"
         "    bucket = S3Bucket(")
    before = snapshot(project)
    done = hook(project)
    assert done.returncode == 1
    assert "FAILED at step 'synth'" in done.stdout and "python tap.py failed" in done.stdout
    assert "no dev buckets today" in done.stdout, "the synth's own error must be shown"
    assert "nothing was deleted or rewritten" in done.stderr
    assert snapshot(project) == before


@pytest.mark.parametrize("kind", ["markers", "rej"])
def test_unresolved_update_conflicts_fail_the_hook(project, kind):
    if kind == "markers":
        edit(project / "tap.py", "def main() -> None:\n",
             "<<<<<<< before updating\ndef main() -> None:\n=======\ndef main():\n>>>>>>> after updating\n")
    else:
        (project / "tap.py.rej").write_text("@@ -1 +1 @@\n-old\n+new\n", encoding="utf-8")
    done = hook(project, TAP_HOOK_STATUS=str(project.parent / "status.json"))
    assert done.returncode == 1
    assert "unresolved conflict" in done.stderr and "tap.py" in done.stderr
    assert "Nothing of yours was discarded" in done.stderr
    status = status_of(project.parent / "status.json")
    assert (status["ok"], status["step"]) == (False, "conflicts") and "tap.py" in status["message"], status


def test_no_interpreter_with_cdktf_is_a_clear_failure(project, tmp_path):
    bare = tmp_path / "bare"
    venv.EnvBuilder(with_pip=False).create(bare)
    done = hook(project, TAP_HOOK_PYTHON=str(bare / "bin" / "python"))
    assert done.returncode == 1
    assert "no interpreter can import cdktf" in done.stderr and "TAP_HOOK_PYTHON" in done.stderr


def test_skipping_the_synth_is_said_not_hidden(project):
    done = hook(project, TAP_HOOK_SKIP_SYNTH="1")
    assert done.returncode == 0
    assert "SKIPPED synth" in done.stdout and "nothing proves this project synthesizes" in done.stdout


def test_the_template_checkouts_venv_is_a_candidate(project, tmp_path):
    """Someone running their own copier (no cdktf) still gets a synth, from the venv run.py made here."""
    bare = tmp_path / "bare"
    venv.EnvBuilder(with_pip=False).create(bare)
    answers = project / conventions.ANSWERS_FILE
    answers.write_text(re.sub(r"(?m)^_src_path: .*$", f"_src_path: {ROOT}", answers.read_text(encoding="utf-8")),
                       encoding="utf-8")
    # The hook's own list (importing hooks/post_generate.py would run the whole hook), from a Python without cdktf
    # and outside any activated venv: an activated one is a candidate of its own, listed before the checkout's.
    code = ("import pathlib, sys; sys.path.insert(0, '.'); from tapkit import synth; "
            "print(synth.candidates(pathlib.Path(sys.argv[1])))")
    env = {k: v for k, v in clean_env().items() if k != "VIRTUAL_ENV"}
    done = subprocess.run([str(bare / "bin" / "python"), "-c", code, str(project)], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert str(ROOT / ".venv" / "bin" / "python") in done.stdout, done.stdout
