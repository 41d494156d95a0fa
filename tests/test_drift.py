"""The generated project's own tests catch drift between tap.py and TapStack for the project's whole life.

The task's tests (test_tap_stack.py) compare tap.py's TapStack(...) keywords with TapStack.__init__ on their
own (a task carries no template code for it); the template's contract check (`python -m tapkit.checks.contract
PROJECT`, run by the hook and `python3 run.py check`) names the rule, the file and the line.
"""
from __future__ import annotations

import re
import shutil

import pytest

from helpers import PYTHON, run, run_unit_tests
from tapkit import module_env


@pytest.fixture
def project(rendered, tmp_path):
    """A private copy of the default project, free to break."""
    return shutil.copytree(rendered("default"), tmp_path / "project")


def test_an_extra_keyword_in_tap_py_fails_the_tests_by_name(project):
    tap = project / "tap.py"
    text = tap.read_text(encoding="utf-8")
    tap.write_text(text.replace("        default_tags=default_tags(",
                                "        enable_logging=True,\n        default_tags=default_tags("), encoding="utf-8")
    done = run_unit_tests(project)
    assert done.returncode != 0
    assert "tap.py passes ['enable_logging'] that TapStack.__init__ does not declare and leaves out nothing" \
        in done.stdout, done.stdout
    assert "unexpected keyword argument 'enable_logging'" in done.stdout
    contract = run([PYTHON, "-m", "tapkit.checks.contract", str(project)], project, **module_env({}))
    assert contract.returncode == 1
    assert "tap.py:" in contract.stdout and "TAP102 TapStack(...) passes keyword 'enable_logging'" in contract.stdout


def test_a_parameter_renamed_on_one_side_fails_the_tests_by_name(project):
    stack = project / "lib" / "tap_stack.py"
    stack.write_text(re.sub(r"\baws_region\b", "primary_region", stack.read_text(encoding="utf-8")), encoding="utf-8")
    done = run_unit_tests(project)
    assert done.returncode != 0
    assert "tap.py passes ['aws_region'] that TapStack.__init__ does not declare and leaves out ['primary_region']" \
        in done.stdout, done.stdout
    contract = run([PYTHON, "-m", "tapkit.checks.contract", str(project)], project, **module_env({}))
    assert "passes keyword 'aws_region', which TapStack.__init__" in contract.stdout
    assert "does not pass 'primary_region', which TapStack.__init__" in contract.stdout


def test_kwargs_in_the_signature_is_flagged(project):
    stack = project / "lib" / "tap_stack.py"
    stack.write_text(stack.read_text(encoding="utf-8").replace(
        "        default_tags: Mapping[str, str],\n    ) -> None:",
        "        default_tags: Mapping[str, str],\n        **kwargs,\n    ) -> None:"), encoding="utf-8")
    done = run([PYTHON, "-m", "tapkit.checks.contract", str(project)], project, **module_env({}))
    assert done.returncode == 1
    assert "TAP106 TapStack.__init__ takes **kwargs" in done.stdout


def test_a_test_that_builds_the_stack_a_third_way_is_flagged(project):
    (project / "tests" / "unit" / "test_mine.py").write_text(
        "from lib.tap_stack import TapStack\n\n\ndef test_it():\n    TapStack(None, 'x', environment_suffix='t')\n",
        encoding="utf-8",
    )
    done = run([PYTHON, "-m", "tapkit.checks.contract", str(project)], project, **module_env({}))
    assert done.returncode == 1
    assert "tests/unit/test_mine.py:5 TAP103 TapStack(...) does not pass 'aws_region'" in done.stdout
