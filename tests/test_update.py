"""`copier update` brings template fixes into a project its user has changed, and never drops the user's code.

Style of copier's own update tests: a template repository tagged 0.2.0 (this
checkout) and 0.3.0 (tapkit.fleet.sandbox.sample_fixes: one change each to the entry
point, the backend, the provider tags and TapStack's signature); a project
copied at 0.2.0, changed by its user and committed; then `copier update`.
"""
from __future__ import annotations

import hashlib
import os

import pytest

from helpers import answers, run_unit_tests, synth
from tapkit import conventions
from tapkit.fleet import sandbox

# The user's work: resources, a module of their own, unit and integration tests.
USER_FILES = {
    "lib/resources.py": '''"""Orders: a queue and an archive bucket."""
from __future__ import annotations

from typing import TYPE_CHECKING

from cdktf import TerraformOutput
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue

from lib.naming import retention_seconds

if TYPE_CHECKING:  # pragma: no cover
    from lib.tap_stack import TapStack


def add_resources(stack: TapStack) -> None:
    """The orders queue and its archive."""
    queue = SqsQueue(stack, "orders_queue", name=stack.name("orders"),
                     message_retention_seconds=retention_seconds(4))
    S3Bucket(stack, "orders_archive", bucket=stack.name("orders-archive"), force_destroy=True)
    TerraformOutput(stack, "orders_queue_url", value=queue.url)
''',
    "lib/naming.py": '''"""Helpers of this task."""


def retention_seconds(days: int) -> int:
    """Days in seconds."""
    return days * 24 * 3600
''',
    "tests/unit/test_resources.py": '''from cdktf import Testing


def test_orders_queue_keeps_messages_four_days(synthesized):
    assert Testing.to_have_resource_with_properties(
        synthesized, "aws_sqs_queue", {"name": "orders-pr4242", "message_retention_seconds": 345600})


def test_archive_is_destroyable(stack_json):
    assert stack_json["resource"]["aws_s3_bucket"]["orders_archive"]["force_destroy"] is True
''',
    "tests/unit/test_naming.py": '''from lib.naming import retention_seconds


def test_retention_seconds():
    assert retention_seconds(1) == 86400
''',
    "tests/integration/test_resources_integration.py": '''import pytest

pytestmark = pytest.mark.integration


def test_queue_url_is_an_output(outputs):
    assert outputs["orders_queue_url"].startswith("https://")
''',
}


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """Template repository with the tags 0.1.0, 0.2.0 and 0.3.0."""
    return sandbox.sample_releases(tmp_path_factory.mktemp("releases") / "template")


def sha(path):
    """The file's SHA-256."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def project_with_user_work(releases, dest):
    """A project copied at 0.2.0 plus USER_FILES, committed."""
    project = sandbox.generate(releases, "0.2.0", dest)
    for rel, text in USER_FILES.items():
        (project / rel).write_text(text, encoding="utf-8")
    sandbox.gitutil.commit_all(project, "orders resources and tests")
    return project


def update(project, *flags, **env):
    """copier update the project to 0.3.0, with `flags` and extra environment."""
    return sandbox.copier("update", "--trust", "--defaults", "--vcs-ref=0.3.0", "-a", conventions.ANSWERS_FILE, *flags,
                          cwd=project,
                          env={**os.environ, **env})


def test_template_fixes_arrive_and_user_work_survives(releases, tmp_path):
    project = project_with_user_work(releases, tmp_path / "orders")
    before = {rel: sha(project / rel) for rel in USER_FILES}

    done = update(project)  # the real hook, synth included
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    # The hook re-checked the merged project, after copier re-applied the user's edits.
    merged_check = output.index("TAP update check: no conflicts; re-running the hook on the merged project")
    assert "TAP hook: passed" in output[merged_check:] and "ok      synth" in output[merged_check:]

    assert answers(project)["_commit"] == "0.3.0"
    assert {rel: sha(project / rel) for rel in USER_FILES} == before, "user files must be untouched"
    changed = {line[3:] for line in sandbox.gitutil.status_lines(project)}
    assert not changed & set(USER_FILES), changed
    tap = (project / "tap.py").read_text(encoding="utf-8")
    stack = (project / "lib" / "tap_stack.py").read_text(encoding="utf-8")
    assert "app = App(stack_traces=False)" in tap  # entry point
    assert "project_name=" in tap and "project_name: str," in stack  # signature, both sides

    doc = synth(project, tmp_path / "out")
    assert doc["terraform"]["backend"]["s3"]["workspace_key_prefix"] == "tap"  # backend
    assert doc["provider"]["aws"][0]["default_tags"][0]["tags"]["ManagedBy"] == "tap-template"  # tags
    assert set(doc["resource"]) == {"aws_sqs_queue", "aws_s3_bucket"}
    assert "orders_archive" in doc["resource"]["aws_s3_bucket"] and "orders_queue_url" in doc["output"]

    tests = run_unit_tests(project, "-vv")  # -vv: one line per test despite its -q
    assert tests.returncode == 0, tests.stdout + tests.stderr
    for test in ("test_resources.py::test_orders_queue_keeps_messages_four_days",
                 "test_naming.py::test_retention_seconds",
                 "test_tap_stack.py::test_backend_is_configured_from_the_environment"):
        assert f"{test} PASSED" in tests.stdout, test


@pytest.mark.parametrize(("conflict", "flags"), [
    ("inline", []),
    ("rej", []),
    ("inline", ["--skip-tasks"]),
], ids=["inline-markers", "rej-files", "inline-with-skip-tasks"])
def test_an_edit_of_the_same_lines_ends_in_a_visible_conflict_and_a_failure(releases, tmp_path, conflict, flags):
    project = sandbox.generate(releases, "0.2.0", tmp_path / "edited")
    tap = project / "tap.py"
    tap.write_text(tap.read_text(encoding="utf-8").replace(
        "    app = App()\n", '    app = App(context={"team": "orders"})\n'), encoding="utf-8")
    sandbox.gitutil.commit_all(project, "my own App context")

    done = update(project, f"--conflict={conflict}", *flags, TAP_HOOK_SKIP_SYNTH="1")
    assert done.returncode != 0, "a conflicted update must not pass"
    assert "TAP update check: FAILED: copier update left 1 file(s) with conflicts" in done.stderr
    assert "tap.py" in done.stderr and "Nothing of yours was discarded" in done.stderr
    mine, theirs = '    app = App(context={"team": "orders"})', "    app = App(stack_traces=False)"
    text = tap.read_text(encoding="utf-8")
    if conflict == "inline":
        assert "<<<<<<< before updating" in text and ">>>>>>> after updating" in text
        assert mine in text and theirs in text
    else:
        rejected = (project / "tap.py.rej").read_text(encoding="utf-8")
        assert theirs in text and mine in rejected and "tap.py.rej: rejected hunks" in done.stderr
    assert answers(project)["_commit"] == "0.3.0", "the rest of the update is applied, for review"


def test_a_user_test_that_builds_the_stack_by_hand_fails_the_update_by_name(releases, tmp_path):
    project = sandbox.generate(releases, "0.2.0", tmp_path / "hand-built")
    (project / "tests" / "unit" / "test_by_hand.py").write_text(
        "from lib.tap_stack import TapStack\n\n\ndef test_it():\n"
        "    TapStack(None, 'x', environment_suffix='t', aws_region='us-east-1', secondary_regions=(),\n"
        "             state_bucket='b', state_bucket_region='us-east-1', default_tags={})\n", encoding="utf-8")
    sandbox.gitutil.commit_all(project, "a test of my own")

    done = update(project, TAP_HOOK_SKIP_SYNTH="1")
    assert done.returncode != 0
    assert "tests/unit/test_by_hand.py:5 TAP103 TapStack(...) does not pass 'project_name'" in done.stdout
    assert "TAP hook FAILED" in done.stderr
