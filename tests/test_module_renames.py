"""0.4.0 moved lib.guardrails and lib.toolchain to taptools; the update rewrites the user's own imports of them.

Style of copier's migration tests: a template repository tagged 0.3.0 (the
real 0.3.0 release, from this repository's tag) and 0.4.0 (this checkout), a
project copied at 0.3.0 whose own code imports the old module, committed,
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
    """Releases 0.3.0 (this repository at that tag) and 0.4.0 (this checkout)."""
    dest = tmp_path_factory.mktemp("renames") / "template"
    return sandbox.template_releases(ROOT, dest, [("0.3.0", release_tree("0.3.0")), ("0.4.0", sandbox.current)])


def test_the_data_file_names_the_0_4_0_module_moves():
    assert rename_modules.module_renames(ROOT / "hooks" / "renames.json", "0.4.0") == {
        "lib.guardrails": "taptools.guardrails", "lib.toolchain": "taptools.toolchain"}
    assert rename_modules.module_renames(ROOT / "hooks" / "renames.json", "0.3.0") == {}


def test_update_to_0_4_0_rewrites_user_imports_and_the_hook_synthesizes(releases, tmp_path):
    project = sandbox.generate(releases, "0.3.0", tmp_path / "adopted")
    assert (project / "lib" / "guardrails.py").is_file()
    (project / "lib" / "resources.py").write_text(RESOURCES, encoding="utf-8")
    sandbox.gitutil.commit_all(project, "the task's resources")
    done = sandbox.copier("update", "--trust", "--defaults", "--vcs-ref=0.4.0", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert answers(project)["_commit"] == "0.4.0"
    assert not (project / "lib" / "guardrails.py").exists() and not (project / "lib" / "toolchain.py").exists()
    expected = (RESOURCES.replace("from lib import guardrails", "from taptools import guardrails")
                .replace("import lib.toolchain\n", "import taptools.toolchain\n")
                .replace("assert lib.toolchain.", "assert taptools.toolchain."))
    assert (project / "lib" / "resources.py").read_text(encoding="utf-8") == expected  # the strings stay
    assert "lib/resources.py: lib.guardrails -> taptools.guardrails" in done.stdout
    assert "TAP hook: passed" in done.stdout
