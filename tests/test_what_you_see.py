"""What a person sees (issue 21): a refused answer with plain copier, a hand-edited tag, `python tap.py`.

The project is rendered once (no hook) from a copy of the template; the generated tests and tap.py run in
subprocesses, as the pipeline runs them.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from copier import run_copy

from helpers import PYTHON, copy_template, run
from tapkit import synth as synthesis

# copier's own command, beside the interpreter running these tests: no run.py, no patch of its messages.
COPIER = Path(sys.executable).with_name("copier")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The template's files without git (copier reads them in place)."""
    return copy_template(tmp_path_factory.mktemp("seen") / "template")


@pytest.fixture(scope="module")
def project(template, tmp_path_factory) -> Path:
    """The default answers, rendered."""
    dest = tmp_path_factory.mktemp("seen-project") / "task"
    run_copy(str(template), str(dest), defaults=True, unsafe=True, skip_tasks=True, quiet=True)
    return dest


# ---------------------------------------------------------------- item 4: a refused --data answer, plain copier


@pytest.mark.parametrize(("data", "question", "reason"), [
    ("aws_provider_constraint=~> 5.0", "aws_provider_constraint",
     "Use a constraint admitting 6.25.0: cdktf-cdktf-provider-aws 21.22.1 binds it"),
    ("cdktf_package_version=0.99.0", "cdktf_package_version", "Use cdktf 0.21.0; 0.99.0 is no cdktf or cdktn release"),
    ("environment_suffix=Prod", "environment_suffix", None),
], ids=["constraint", "package", "suffix"])
def test_plain_copier_ends_with_the_question_and_a_self_contained_reason(template, tmp_path, data, question, reason):
    """A template cannot replace copier's traceback (copier loads Jinja extensions from its own Python, not from the
    template, unless copier-templates-extensions is installed beside it): its last line, the one read first under
    a traceback, names the question and gives the whole reason, what to use first, on one line."""
    if not COPIER.is_file():
        pytest.skip(f"no copier command beside {sys.executable}")
    done = run([str(COPIER), "copy", "--trust", "--defaults", "--data", data, str(template), str(tmp_path / "task")],
               tmp_path)
    assert done.returncode != 0, done.stdout + done.stderr
    last = done.stderr.strip().splitlines()[-1]
    prefix = f"ValueError: Validation error for question '{question}': "
    assert last.startswith(prefix), done.stderr
    said = last.removeprefix(prefix)
    assert said == reason if reason else said.startswith("Use "), last
    assert len(said) < 80, said
    assert not (tmp_path / "task").exists(), "nothing is written"


def test_run_py_new_shows_the_reason_first(tmp_path):
    """The short form the README points to: the reason without the traceback."""
    from helpers import ROOT  # pylint: disable=import-outside-toplevel

    done = run(["python3", str(ROOT / "run.py"), "new", str(tmp_path / "task"), "--defaults",
                "--data", "aws_provider_constraint=~> 5.0"], tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if not line.startswith(("run.py:", " ", "warn("))
             and "Warning" not in line]
    assert lines[0] == "copier copy: the answer to aws_provider_constraint was refused", done.stderr
    assert "  reason: Use a constraint admitting 6.25.0: cdktf-cdktf-provider-aws 21.22.1 binds it" in done.stderr


# ---------------------------------------------------------------- item 8: tags edited by hand in tap.py

TAG_TESTS = ["tests/unit/test_tap_stack.py::test_every_provider_has_default_tags_as_one_tags_block",
             "tests/unit/test_tap_stack.py::test_secondary_regions_get_aliased_providers"]


def _tag_tests(project: Path):
    # -rN: no short summary, whose length follows the terminal width (CI's wide one repeats the reason)
    return run([PYTHON, "-m", "pytest", "-q", "-rN", "-p", "no:cacheprovider", "-p", "no:copie", *TAG_TESTS], project,
               PYTHONDONTWRITEBYTECODE="1")


def test_a_tag_edited_in_tap_py_fails_with_where_tags_come_from(project, tmp_path):
    assert _tag_tests(project).returncode == 0, "the rendered project passes them"
    edited = tmp_path / "edited"
    shutil.copytree(project, edited)
    tap = edited / "tap.py"
    text = tap.read_text(encoding="utf-8")
    assert "EXTRA_TAGS: Mapping[str, str] = {}" in text
    text = text.replace("EXTRA_TAGS: Mapping[str, str] = {}", 'EXTRA_TAGS: Mapping[str, str] = {"Owner": "me"}')
    tap.write_text(text.replace('        "Team": _setting(environ, "TEAM", "synth"),\n', ""), encoding="utf-8")

    done = _tag_tests(edited)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "2 failed" in output, output
    for provider in ("aws", "ca_central_1"):  # the default provider, then the secondary-region test's
        assert f"provider {provider}: its tags differ from the copier answers' (Owner added; Team missing)." in output
    assert output.count("Tags come from the copier answers (extra_tags, pipeline_tags in lib/.copier-answers.yml)") == 2
    assert ("copier update --trust --defaults -a lib/.copier-answers.yml --data 'extra_tags={\"Owner\": \"me\"}' "
            "--data 'pipeline_tags=[\"Repository\", \"Author\", \"PRNumber\"]'") in output, output
    assert "copier copy --data 'extra_tags=...'" in output
    # the reason, not pytest's dict diff nor the test's source
    assert "At index 0 diff" not in output and "assert [{" not in output and "def test_" not in output, output


# ---------------------------------------------------------------- item 7: what `python tap.py` says


def test_tap_py_says_what_it_synthesized_and_where(project, tmp_path):
    """tap.py's own main() (run as __main__, as cdktf.json's app runs it; the lazy provider import only saves
    time, the output is the same): one line, as `cdktf synth` prints, with the resource count and the folder."""
    outdir = tmp_path / "out"
    done = synthesis.synthesize(project, PYTHON, {}, outdir=outdir)
    said = [line for line in done.output.splitlines() if line.startswith("Generated Terraform code")]
    line = f"Generated Terraform code for the stacks: TapStackdev (1 resource) in {outdir}/stacks/TapStackdev"
    assert said == [line], done.output
    assert done.output.splitlines()[0] == said[0], "it is the first thing printed"
    assert (outdir / "stacks" / "TapStackdev" / "cdk.tf.json").is_file()
