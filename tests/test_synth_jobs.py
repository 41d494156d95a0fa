"""tapkit.synth's warm runner: synths in one process give what one process each gives.

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


# The warm runner (tapkit/synth_runner.py --serve) keeps one process for many synths: each must still see only
# its own project, environment and cdktf.json context, as a process of its own would.
PROBE_TAP = '''\
import json, os, sys
from cdktf import App, TerraformOutput, TerraformStack
from lib import counter

app = App()
stack = TerraformStack(app, "Probe")
seen = {"pid": os.getpid(), "extra": os.environ.get("PROBE_EXTRA"), "flag": app.node.try_get_context("flag"),
        "counter": counter.NAME, "path0": sys.path[0], "cwd": os.getcwd()}
TerraformOutput(stack, "seen", value=json.dumps(seen))
if os.environ.get("PROBE_EXIT"):
    os._exit(3)
app.synth()
'''


def _probe_project(root, name: str, flag: str | None):
    (root / "lib").mkdir(parents=True)
    (root / "tap.py").write_text(PROBE_TAP, encoding="utf-8")
    (root / "lib" / "__init__.py").write_text("", encoding="utf-8")
    (root / "lib" / "counter.py").write_text(f"NAME = {name!r}\n", encoding="utf-8")
    config = {"app": "python tap.py", "language": "python", **({"context": {"flag": flag}} if flag else {})}
    (root / "cdktf.json").write_text(json.dumps(config), encoding="utf-8")
    return root


def _seen(done: synth.Synth) -> dict:
    (doc,) = done.stacks.values()
    return json.loads(doc["output"]["seen"]["value"])


@pytest.fixture(scope="module")
def two_projects(tmp_path_factory):
    """Two tiny apps whose `lib.counter` differ and whose cdktf.json context differs (one has none)."""
    base = tmp_path_factory.mktemp("two")
    return _probe_project(base / "one", "one", "on"), _probe_project(base / "two", "two", None)


def test_one_warm_process_serves_each_synth_as_its_own_process_would(two_projects):
    one, two = two_projects
    first = _seen(synth.synthesize(one, PYTHON, {"PROBE_EXTRA": "set"}, lazy=False))
    second = _seen(synth.synthesize(two, PYTHON, "unset", lazy=False))
    third = _seen(synth.synthesize(one, PYTHON, "unset", lazy=False))
    assert first["pid"] == third["pid"] != second["pid"], "one warm process per project directory"
    # each job: its own project's modules, its own cdktf.json context, only its own environment
    assert [first["counter"], second["counter"], third["counter"]] == ["one", "two", "one"]
    assert [first["flag"], second["flag"], third["flag"]] == ["on", None, "on"]
    assert [first["extra"], second["extra"], third["extra"]] == ["set", None, None]
    # in its own project's directory (the JSON writes the project's path relative to it: ".")
    assert first["cwd"] == second["cwd"] == "."
    assert first["path0"] == "" and second["path0"] == "", "the project first on sys.path, as `python tap.py`"


def test_fresh_is_a_process_of_its_own(two_projects):
    one, _ = two_projects
    warm = _seen(synth.synthesize(one, PYTHON, "unset", lazy=False))
    fresh = _seen(synth.synthesize(one, PYTHON, "unset", lazy=False, fresh=True))
    assert fresh["pid"] != warm["pid"]
    assert fresh == {**warm, "pid": fresh["pid"]}


def test_a_process_that_dies_in_a_job_fails_that_synth_and_the_next_gets_a_new_one(two_projects):
    one, _ = two_projects
    before = _seen(synth.synthesize(one, PYTHON, "unset", lazy=False))
    with pytest.raises(synth.SynthError, match="the synth process ended"):
        synth.synthesize(one, PYTHON, {"PROBE_EXIT": "1"}, lazy=False)
    after = _seen(synth.synthesize(one, PYTHON, "unset", lazy=False))
    assert after["pid"] != before["pid"] and after["counter"] == "one"


LOCAL_TAP = '''\
from cdktf import App, LocalBackend, TerraformOutput, TerraformStack

app = App()
stack = TerraformStack(app, "Local")
LocalBackend(stack)  # cdktf's default path: the working directory of the jsii kernel's Node
TerraformOutput(stack, "x", value="x")
app.synth()
'''


def test_node_works_in_the_projects_directory_as_its_own_process_would(tmp_path):
    """cdktf resolves a local backend's default path against Node's working directory: each project's synth
    writes its own (a runner serves one project directory)."""
    paths = []
    for name in ("first", "second"):
        project = tmp_path / name
        project.mkdir()
        (project / "tap.py").write_text(LOCAL_TAP, encoding="utf-8")
        (project / "cdktf.json").write_text(json.dumps({"app": "python tap.py", "language": "python"}),
                                            encoding="utf-8")
        done = synth.synthesize(project, PYTHON, "unset", lazy=False)
        (doc,) = done.stacks.values()
        paths.append(doc["terraform"]["backend"]["local"]["path"])
    # under its own project (written relative to it), not under the first project's directory
    assert paths == ["terraform.Local.tfstate", "terraform.Local.tfstate"]


def test_adopts_fresh_synths_are_cached_apart_from_the_warm_ones(tmp_path):
    """deployed.synthesize_modes: a fresh synth (adopt's second synth of the untouched repo) is another process's
    than the warm one, and a second fresh one of the same files is the first (a refused adopt run again)."""
    from tapkit.fleet import deployed  # pylint: disable=import-outside-toplevel

    project = _probe_project(tmp_path / "cached", "cached", None)

    def pid(fresh: bool) -> int:
        stacks, failed = deployed.synthesize_modes(project, ("unset",), fresh=fresh)["unset"]
        assert failed is None, failed
        (doc,) = stacks.values()
        return json.loads(doc["output"]["seen"]["value"])["pid"]

    warm, fresh = pid(False), pid(True)
    assert fresh != warm
    assert (pid(False), pid(True)) == (warm, fresh), "each kind reused from its own cache entry"


def test_a_synth_that_does_not_finish_fails_with_what_it_printed(tmp_path):
    project = tmp_path / "slow"
    project.mkdir()
    (project / "tap.py").write_text('import time\nprint("started the slow part", flush=True)\ntime.sleep(60)\n',
                                    encoding="utf-8")
    (project / "cdktf.json").write_text(json.dumps({"app": "python tap.py", "language": "python"}), encoding="utf-8")
    with pytest.raises(synth.SynthError, match="did not finish in 3s") as failed:
        synth.synthesize(project, PYTHON, "unset", lazy=False, timeout=3)
    assert "started the slow part" in failed.value.output
