"""tapkit/constraints.py: the Terraform constraint check the hook and adopt rely on."""
from __future__ import annotations

import pytest

from tapkit import constraints, module_env


@pytest.mark.parametrize(("constraint", "version", "admitted"), [
    ("~> 6.0", "6.25.0", True),
    ("~> 6.0", "7.0.0", False),
    ("~> 5.0", "6.25.0", False),
    ("~> 6.25.0", "6.25.3", True),
    ("~> 6.25.0", "6.26.0", False),
    (">= 5.80, < 7.0", "6.25.0", True),
    (">= 6.30", "6.25.0", False),
    ("= 6.25.0", "6.25.0", True),
    ("!= 6.25.0", "6.25.0", False),
    ("6.x", "6.25.0", False),
])
def test_admits(constraint, version, admitted):
    assert constraints.admits(constraint, version) is admitted


def test_a_constraint_that_excludes_the_prebuilt_provider_fails_the_hook(rendered, tmp_path):
    import shutil  # pylint: disable=import-outside-toplevel

    from helpers import PYTHON, run  # pylint: disable=import-outside-toplevel

    project = shutil.copytree(rendered("default"), tmp_path / "project")
    promised = project / "tests" / "unit" / "expected.json"  # the answers verify checks against
    promised.write_text(promised.read_text(encoding="utf-8").replace('"~> 6.0"', '"~> 5.0"'), encoding="utf-8")
    done = run([PYTHON, "-m", "tapkit.checks.verify", str(project)], project, **module_env({}))
    assert done.returncode == 1
    assert "FAILED   provider" in done.stdout or "FAILED  provider" in done.stdout, done.stdout
    assert "generated for AWS provider 6.25.0, which the constraint '~> 5.0' excludes" in done.stdout
