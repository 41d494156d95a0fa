"""tapkit.synth.synthesize_each: several environments synthesized in one process give what one process each gives.

A tiny cdktf app (no provider: the point is the runner, not the bindings) whose
stack reads the pipeline's suffix, keeps module state in a project module (a
counter that would leak from one job into the next if the project's modules
were not imported anew) and fails on purpose under one suffix.
"""
from __future__ import annotations

import json
import textwrap

import pytest

from helpers import PYTHON
from tapkit import synth

TAP = '''\
import os
from cdktf import App, TerraformOutput, TerraformStack
from lib import counter

suffix = os.environ.get("ENVIRONMENT_SUFFIX", "dev")
if suffix == "broken":
    raise RuntimeError("no stack for broken")
app = App()
stack = TerraformStack(app, f"TapStack{suffix}")
TerraformOutput(stack, "built", value=f"{suffix}-{counter.next_number()}")
app.synth()
'''
COUNTER = '''\
BUILT = []


def next_number():
    BUILT.append(1)
    return len(BUILT)
'''
MODES = ["probe", "unset", {"ENVIRONMENT_SUFFIX": "broken"}, {"ENVIRONMENT_SUFFIX": "qa1"}]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The tiny app, written once for the module."""
    root = tmp_path_factory.mktemp("tiny")
    (root / "lib").mkdir()
    (root / "tap.py").write_text(TAP, encoding="utf-8")
    (root / "lib" / "__init__.py").write_text("", encoding="utf-8")
    (root / "lib" / "counter.py").write_text(textwrap.dedent(COUNTER), encoding="utf-8")
    (root / "cdktf.json").write_text(json.dumps({"app": "python tap.py", "language": "python"}), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def each(project):
    """Every mode synthesized in one process, once for the module."""
    return synth.synthesize_each(project, MODES, PYTHON, lazy=False)


def _output(done: synth.Synth) -> str:
    (doc,) = done.stacks.values()
    return doc["output"]["built"]["value"]


def test_each_job_gets_its_own_environment_and_fresh_project_modules(each):
    assert [list(done.stacks) for done in (each[0], each[1], each[3])] == [["TapStackpr4719"], ["TapStackdev"],
                                                                           ["TapStackqa1"]]
    # The counter restarts in every job: the project's modules are imported anew, as in a process of its own.
    assert [_output(done) for done in (each[0], each[1], each[3])] == ["pr4719-1", "dev-1", "qa1-1"]


def test_a_failing_job_is_reported_alone_and_the_next_still_runs(each):
    assert isinstance(each[2], synth.SynthError) and "no stack for broken" in str(each[2])
    assert isinstance(each[3], synth.Synth)


def test_one_process_gives_what_one_process_per_environment_gives(project, each):
    alone = synth.synthesize(project, PYTHON, MODES[3], lazy=False)
    assert alone.stacks == each[3].stacks
