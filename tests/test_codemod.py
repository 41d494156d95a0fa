"""tapkit/lifecycle/codemod.py: module renames in real user code with real libcst, from Python and its command line."""
from __future__ import annotations

import io
import json
import shutil
import tokenize
import venv
from pathlib import Path

import pytest

from helpers import PYTHON, ROOT, run
from tapkit.lifecycle import codemod

FIXTURES = ROOT / "tests" / "fixtures" / "codemod"
CDKTN = {"cdktf": "cdktn", "cdktf_cdktf_provider_aws": "cdktn_provider_aws"}
TAPTOOLS = {"lib.guardrails": "taptools.guardrails", "lib.toolchain": "taptools.toolchain"}
CDKTN_ARGS = ["--map", "cdktf=cdktn", "--map", "cdktf_cdktf_provider_aws=cdktn_provider_aws"]

# How every caller runs it in another interpreter: `python -m`, the template checkout on PYTHONPATH (module_env).
MODULE = ["-m", "tapkit.lifecycle.codemod"]


def _project(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / "project", tmp_path / "project"))


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.py"))}


def _strings_and_comments(source: bytes) -> list[str]:
    tokens = tokenize.tokenize(io.BytesIO(source).readline)
    return [t.string for t in tokens if t.type in (tokenize.STRING, tokenize.COMMENT)]


def _cli(*args: str, cwd: Path = ROOT):
    return run([PYTHON, *MODULE, *args], cwd, PYTHONPATH=str(ROOT))


@pytest.mark.parametrize("name, mapping", [("cdktn", CDKTN), ("taptools", TAPTOOLS)])
def test_user_code_becomes_exactly_the_expected_files(tmp_path, name, mapping):
    project = _project(tmp_path)
    before = _tree(project)
    changes = codemod.plan([project], mapping)
    written = codemod.apply(changes)
    after = _tree(project)
    assert after == _tree(FIXTURES / "expected" / name)
    assert sorted(str(p.relative_to(project)) for p in written) == sorted(k for k in after if after[k] != before[k])
    for path, old in before.items():  # strings and comments are never touched
        assert _strings_and_comments(old) == _strings_and_comments(after[path]), path
    # Running it again finds nothing more to do.
    assert not any(c.changed for c in codemod.plan([project], mapping))


def test_strings_naming_a_renamed_module_are_reported_not_changed(tmp_path):
    project = _project(tmp_path)
    changes = codemod.plan([project], CDKTN)
    mentions = {(str(c.path.relative_to(project)), m.line, m.text, m.suggestion) for c in changes for m in c.mentions}
    assert mentions == {
        ("tests/unit/test_resources_extra.py", 24, "cdktf_cdktf_provider_aws.sqs_queue.SqsQueue",
         "cdktn_provider_aws.sqs_queue.SqsQueue"),
        ("tests/unit/test_resources_extra.py", 32, "cdktf.App.synth", "cdktn.App.synth"),
    }  # not "cdktf.out", "CDKTF_OUTDIR", "cdktf-team": files and words, not module paths
    taptools = codemod.plan([project], TAPTOOLS)
    assert [(m.line, m.text) for c in taptools for m in c.mentions] == [(12, "lib.toolchain")]


def test_names_that_are_not_the_imported_module_stay(tmp_path):
    source = (
        "import cdktf as x\n"
        "from cdktf import App\n"
        "\n"
        "def make(cdktf):  # a parameter that happens to be called cdktf\n"
        "    return cdktf.App, x.App, App, settings.cdktf\n"
    )
    path = tmp_path / "mod.py"
    path.write_text(source)
    codemod.apply(codemod.plan([path], {**CDKTN, "cdktf.App": "cdktn.Application"}))
    # An API renamed inside the module is followed through aliases and from-imports, keeping the local name.
    assert path.read_text() == (
        "import cdktn as x\n"
        "from cdktn import Application as App\n"
        "\n"
        "def make(cdktf):  # a parameter that happens to be called cdktf\n"
        "    return cdktf.App, x.Application, App, settings.cdktf\n"
    )


def test_crlf_bom_and_encoding_survive_byte_for_byte(tmp_path):
    path = tmp_path / "win.py"
    text = "\ufeff# -*- coding: utf-8 -*-\r\nimport cdktf\r\nNAME = 'caf\u00e9'\r\napp = cdktf.App()\r\n"
    path.write_bytes(text.encode("utf-8"))
    codemod.apply(codemod.plan([tmp_path], CDKTN))
    assert path.read_bytes() == text.replace("cdktf", "cdktn").encode("utf-8")


def test_cli_check_reports_and_writes_nothing(tmp_path):
    project = _project(tmp_path)
    before = _tree(project)
    done = _cli(*CDKTN_ARGS, "--check", str(project))
    assert done.returncode == 0, done.stderr
    assert _tree(project) == before
    assert ("lib/resources.py:10: import cdktf | from cdktf import (  ->  import cdktn | from cdktn import ("
            in done.stdout)
    assert "test_resources_extra.py:24: string 'cdktf_cdktf_provider_aws.sqs_queue.SqsQueue'" in done.stdout
    assert "codemod: would change 4 file(s)" in done.stdout
    report = json.loads(_cli(*CDKTN_ARGS, "--check", "--json", str(project)).stdout)
    assert sum(f["changed"] for f in report["files"]) == 4 and report["written"] is False
    done = _cli(*CDKTN_ARGS, str(project))
    assert done.returncode == 0 and _tree(project) == _tree(FIXTURES / "expected" / "cdktn")
    again = _cli(*CDKTN_ARGS, str(project))
    assert again.returncode == 0 and "changed 0 file(s) (nothing to do)" in again.stdout


@pytest.mark.parametrize("args, message", [
    (["{tmp}"], "no module mapping given"),
    (["--map", "cdktf", "{tmp}"], "write it as OLD=NEW"),
    (["--map", "cdk-tf=cdktn", "{tmp}"], "is not a dotted module name"),
    (["--map", "cdktf=cdktn", "/nonexistent/place"], "no such file or folder: /nonexistent/place"),
    (["--map", "cdktf=cdktn"], "the following arguments are required: PATH"),
])
def test_cli_usage_errors_exit_2(tmp_path, args, message):
    done = _cli(*(str(tmp_path) if a == "{tmp}" else a for a in args))
    assert done.returncode == 2 and message in done.stderr, done.stderr


def test_a_file_that_does_not_parse_refuses_the_whole_run(tmp_path):
    project = _project(tmp_path)
    (project / "lib" / "half_merged.py").write_text(
        "import cdktf\n<<<<<<< HEAD\nA = 1\n=======\nA = 2\n>>>>>>> theirs\n")
    before = _tree(project)
    done = _cli(*CDKTN_ARGS, str(project))
    assert done.returncode == 1
    assert f"{project / 'lib' / 'half_merged.py'}:2:1: cannot parse this file" in done.stderr, done.stderr
    assert "Nothing was changed in any file" in done.stderr and "merge conflict marker" in done.stderr
    assert _tree(project) == before  # resources.py, which sorts first, was not written either
    with pytest.raises(codemod.CodemodError):
        codemod.plan([project], CDKTN)


def test_without_libcst_it_says_how_to_install_it(tmp_path):
    venv.create(tmp_path / "bare", with_pip=False)  # the standard library only
    bare = tmp_path / "bare" / "bin" / "python"
    done = run([str(bare), *MODULE, *CDKTN_ARGS, str(_project(tmp_path))], tmp_path, PYTHONPATH=str(ROOT))
    assert done.returncode == 1
    assert f"libcst is not installed in this Python ({bare})" in done.stderr
    assert f"{bare} -m pip install libcst" in done.stderr


# The real move of a rendered project with this user code (codemod, cdktf and cdktn synths, the diff, the
# user's tests) is tests/test_framework_move.py: it runs the codemod through copier update as users do.
