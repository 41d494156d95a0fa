"""0.4.0 moved lib.guardrails and lib.toolchain to taptools, and 0.5.0 took taptools out of the task: an update
across both rewrites the user's own imports, then their suppress calls to TapStack's, or names what it cannot.

Style of copier's migration tests: a template repository tagged 0.3.0 (the
real 0.3.0 release, from this repository's tag) and 0.5.0 (this checkout), a
project copied at 0.3.0 whose own code imports the old modules, committed,
then `copier update` with the real hook, which synthesizes the merged project.
"""
from __future__ import annotations

import io
import shutil
import subprocess
import tarfile

import pytest

from helpers import ROOT, answers
from tapkit.lifecycle.migrations import rename_modules
from tapkit.fleet import sandbox

RENAMES = ROOT / "tapkit" / "lifecycle" / "renames.json"

# An adopted repo's resources: adopt writes settings that suppress a guardrail through lib.guardrails.
RESOURCES = '''"""Logs bucket; its name was deployed without the suffix, so the naming warning is accepted."""
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket

from lib import guardrails
import lib.toolchain


def add_resources(stack) -> None:
    """The logs bucket (a string that names lib.guardrails stays as it is)."""
    assert lib.toolchain.bundled_node
    bucket = S3Bucket(stack, "logs", bucket="shared-logs-archive", force_destroy=True)
    guardrails.suppress(bucket, "TAP321", reason="deployed before the naming rule; see lib.guardrails")
'''


def release_tree(tag: str) -> sandbox.Change:
    """A sandbox change that makes the release hold this repository's files at `tag`."""
    def change(root):
        for part in sandbox.TEMPLATE_PARTS:
            target = root / part
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
        archive = subprocess.run(["git", "archive", tag], cwd=ROOT, capture_output=True, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            members = [m for m in tar.getmembers() if m.name.split("/")[0] in sandbox.TEMPLATE_PARTS]
            tar.extractall(root, members=members, filter="data")
    return change


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """Releases 0.3.0 (this repository at that tag) and 0.5.0 (this checkout)."""
    dest = tmp_path_factory.mktemp("renames") / "template"
    return sandbox.template_releases(ROOT, dest, [("0.3.0", release_tree("0.3.0")), ("0.5.0", sandbox.current)])


def test_the_data_file_names_the_0_4_0_module_moves():
    assert rename_modules.module_renames(RENAMES, "0.4.0") == {
        "lib.guardrails": "taptools.guardrails", "lib.toolchain": "taptools.toolchain"}
    assert rename_modules.module_renames(RENAMES, "0.3.0") == {}


def adopted_at_0_3_0(releases, dest, resources):
    """A project copied at 0.3.0 whose lib/resources.py is `resources`, committed."""
    project = sandbox.generate(releases, "0.3.0", dest)
    assert (project / "lib" / "guardrails.py").is_file()
    (project / "lib" / "resources.py").write_text(resources, encoding="utf-8")
    sandbox.gitutil.commit_all(project, "the task's resources")
    return project


def test_update_across_0_4_0_and_0_5_0_rewrites_user_imports_and_the_hook_synthesizes(releases, tmp_path):
    resources = RESOURCES.replace("import lib.toolchain\n", "").replace("    assert lib.toolchain.bundled_node\n", "")
    project = adopted_at_0_3_0(releases, tmp_path / "adopted", resources)
    done = sandbox.copier("update", "--trust", "--defaults", "--vcs-ref=0.5.0", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert answers(project)["_commit"] == "0.5.0"
    assert not (project / "lib" / "guardrails.py").exists() and not (project / "lib" / "toolchain.py").exists()
    assert not (project / "taptools").exists() and not (project / ".copier-answers.yml").exists()
    # 0.4.0's move to taptools, then 0.5.0's: the suppress call is the stack's (add_resources takes it), the
    # import goes, the strings stay.
    expected = (resources.replace("from lib import guardrails\n\n", "")
                .replace("    guardrails.suppress(", "    stack.suppress("))
    assert (project / "lib" / "resources.py").read_text(encoding="utf-8") == expected
    assert "lib/resources.py: lib.guardrails -> taptools.guardrails" in done.stdout
    assert "lib/resources.py:10: guardrails.suppress(...) -> stack.suppress(...)" in done.stdout, done.stdout
    assert "TAP hook: passed" in done.stdout


def test_a_use_of_taptools_left_fails_the_update_with_file_line_and_fix(releases, tmp_path):
    project = adopted_at_0_3_0(releases, tmp_path / "toolchain-user", RESOURCES)
    done = sandbox.copier("update", "--trust", "--defaults", "--skip-tasks", "--vcs-ref=0.5.0", cwd=project)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    assert "TAP migration (0.5.0 layout): FAILED: 1 use(s) of the template's taptools package" in done.stderr
    assert "lib/resources.py:10: assert taptools.toolchain.bundled_node" in done.stderr, done.stderr
    assert "the bundled Node and the lazy provider import are the template's now" in done.stderr
    # All or nothing: the suppress call this step could rewrite is left as 0.4.0's codemod made it.
    assert "    guardrails.suppress(bucket" in (project / "lib" / "resources.py").read_text(encoding="utf-8")
