"""The framework question (issue 14): cdktf or CDK Terrain (cdktn), followed by every rendered file.

The matrix (tests/test_matrix.py, the cdktn-* answer sets) proves that cdktn projects render, synthesize as
answered and pass their own tests; tests/test_validators.py that pins of the other framework's packages and
constraints the prebuilt provider does not satisfy are refused. Here: an unknown framework, the one
definition of the module names, the Jinja and Python constraint checks agreeing, and the framework-aware
tools (doctor, guardrails, toolchain) on a real cdktn project.
"""
# pylint: disable=missing-function-docstring,redefined-outer-name,protected-access
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import copier
import pytest
from copier._main import Worker  # its jinja_env is the one copier renders validators with

from helpers import PYTHON, ROOT, copy_template, run
from tapkit import constraints, conventions, framework, module_env, synth
from tapkit.checks import provider_api, lazy_provider as toolchain

NAMES = {name for fw in conventions.FRAMEWORKS.values()
         for name in (fw["module"], fw["provider_module"], fw["package"], fw["provider_package"])}
ANY_NAME = "|".join(map(re.escape, NAMES))
IMPORT = re.compile(rf"^\s*(?:from|import)\s+({ANY_NAME})\b", re.MULTILINE)
QUOTED = re.compile(rf"""["']({ANY_NAME})["']""")
# Where a framework's name is quoted on purpose, and why.
ALLOWED = {
    "tapkit/framework.py": "DEFAULT names the framework (a key of conventions.json), not a module",
    "tapkit/checks/doctor.py": "metadata.json's platform value the pipeline reads is \"cdktf\" for both",
    "template/metadata.json.jinja": "the pipeline's platform value, \"cdktf\" for both frameworks",
    "includes/framework.jinja": "a repo answered before the question existed is cdktf (a framework name)",
    "tapkit/lifecycle/codemod.py": "the codemod's examples and tests name the modules it maps (H2's tool)",
    "tapkit/pins.py": "the packages a Pipfile.lock pins, by the names the lock file spells (lock_pins)",
}
# Where one expression names a framework on purpose (file -> the exact text, and why): the rest of the file is scanned.
ALLOWED_TEXT = {
    "copier.yml": ("framework == 'cdktn' and layout == 'monorepo'",
                   "the framework question refuses one framework (a key of conventions.json) in the monorepo layout"),
}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return copy_template(tmp_path_factory.mktemp("framework") / "template")


@pytest.fixture(scope="module")
def cdktn_project(template, tmp_path_factory) -> Path:
    """A default cdktn project in the standalone layout (its own Pipfile), rendered without the hook."""
    dest = tmp_path_factory.mktemp("cdktn") / "terrain"
    copier.run_copy(str(template), str(dest), data={"framework": "cdktn", "layout": "standalone"}, defaults=True,
                    unsafe=True, skip_tasks=True, quiet=True)
    return dest


def _sources() -> list[Path]:
    found = [ROOT / "copier.yml"]
    # tapkit/ but fleet/ (adopt reads hand-made repos, which are cdktf's by definition: tapctl/ before 0.5.0)
    for part in ("template", "includes", "hooks", "tapkit"):
        found += [p for p in sorted((ROOT / part).rglob("*")) if p.is_file() and "__pycache__" not in p.parts
                  and p.suffix in (".py", ".jinja", ".yml")
                  and "fleet" not in p.relative_to(ROOT).parts]
    return found


def test_module_names_live_only_in_conventions_json():
    copies = []
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        if rel in ALLOWED_TEXT:
            text = text.replace(ALLOWED_TEXT[rel][0], "")
        hits = IMPORT.findall(text) + ([] if rel in ALLOWED else QUOTED.findall(text))
        copies += [f"{rel}: {hit}" for hit in hits]
    assert not copies, ("name the framework's modules through conventions.json (Jinja: includes/framework.jinja "
                        "fw; Python: tapkit.framework):\n" + "\n".join(copies))


def test_an_unknown_framework_is_refused_with_the_reason_and_nothing_is_written(tmp_path):
    done = run(["python3", str(ROOT / "run.py"), "new", str(tmp_path / "task"), "--defaults",
                "--data", "framework=cdktfn"], tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert "the answer to framework was refused" in output
    assert "reason: 'cdktfn' is not in ['cdktf', 'cdktn']" in output
    assert not (tmp_path / "task").exists()


def test_the_pins_follow_the_framework(cdktn_project):
    answers = (cdktn_project / conventions.ANSWERS_FILE).read_text(encoding="utf-8")
    assert "cdktf_package_version: 0.24.0" in answers and "aws_provider_package_version: 25.8.1" in answers
    pipfile = (cdktn_project / "Pipfile").read_text(encoding="utf-8")  # layout standalone: the task's own Pipfile
    assert 'cdktn = "==0.24.0"' in pipfile and 'cdktn-provider-aws = "==25.8.1"' in pipfile
    assert not re.search(r"^cdktf", pipfile, re.MULTILINE), pipfile
    stack = (cdktn_project / "lib" / "tap_stack.py").read_text(encoding="utf-8")
    assert "from cdktn import App, S3Backend, TerraformStack" in stack
    assert "use_lockfile=True" in stack and "add_override(\"terraform.backend.s3.use_lockfile\"" not in stack
    assert json.loads((cdktn_project / framework.EXPECTED_FILE).read_text(encoding="utf-8"))["framework"] == "cdktn"
    assert framework.of_project(cdktn_project) == "cdktn"


@pytest.fixture(scope="module")
def jinja(template, tmp_path_factory):
    worker = Worker(src_path=str(template), dst_path=tmp_path_factory.mktemp("dst"), unsafe=True, defaults=True,
                    quiet=True)
    return lambda source, **context: worker.jinja_env.from_string(source).render(**context)


CONSTRAINTS = ["~> 6.0", "~> 6.25", "~> 6.25.0", "~> 6.69.0", ">= 6.30", ">= 5.80, < 7.0", "= 6.25.0", "!= 6.69.1",
               "< 6.69.1", "<= 6.69.1", "> 6.25.0", "~> 5.0", "~> 6", "6.69.1", ">= v6.0, != 6.1.0", "~> 7.0"]


@pytest.mark.parametrize("name", sorted(conventions.FRAMEWORKS))
def test_jinja_and_python_agree_on_what_a_constraint_admits(jinja, name):
    """The constraint's validator (includes/validators.jinja, on pins.jinja) and tapkit.constraints.admits: same
    verdicts on the default pins."""
    names = conventions.FRAMEWORKS[name]
    source = ("{% from pathjoin('includes', 'validators.jinja') import provider_constraint %}"
              "{{ provider_constraint(value, name, pin, package) }}")
    verdicts = [(value, not jinja(source, value=value, name=name, pin=names["provider_package_version"],
                                  package=names["package_version"]),
                 constraints.admits(value, names["provider_terraform_version"])) for value in CONSTRAINTS]
    assert [v for v in verdicts if v[1] != v[2]] == []
    assert {v[1] for v in verdicts} == {True, False}, "the cases must include both verdicts"
    # An older pair of the framework's: the constraint is judged by what that provider release binds
    # (tapkit/pins.json), not by the default pin's version.
    package, pin, admitted, excluded = OLDER_PAIRS[name]
    assert not jinja(source, value=admitted, name=name, pin=pin, package=package)
    assert jinja(source, value=excluded, name=name, pin=pin, package=package).startswith("Use a constraint admitting")


# (framework package, provider release, a constraint it binds, one it does not): tapkit/pins.json samples.
OLDER_PAIRS = {"cdktf": ("0.20.0", "19.40.0", "~> 5.0", "~> 6.0"),  # built for aws 5.74.0
               "cdktn": ("0.23.0", "24.0.0", "~> 6.44.0", "~> 6.69.0")}  # built for aws 6.44.0


def _project(root: Path, expected: str | None = None, answers: str | None = None,
             old_answers: str | None = None) -> Path:
    root.mkdir()
    for rel, text in ((framework.EXPECTED_FILE, expected), (conventions.ANSWERS_FILE, answers),
                      (conventions.OLD_ANSWERS_FILE, old_answers)):
        if text is not None:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
    return root


def test_the_project_names_the_framework(tmp_path):
    """tests/unit/expected.json first, else the answers (lib/, else the root file of a release before 0.5.0)."""
    assert framework.of_project(_project(tmp_path / "none")) == "cdktf", "nothing: a repo made before the question"
    assert framework.of_project(_project(tmp_path / "expected", expected='{"framework": "cdktn"}')) == "cdktn"
    assert framework.of_project(_project(tmp_path / "answers", answers="_commit: 0.5.0\nframework: cdktn\n")) \
        == "cdktn"
    assert framework.of_project(_project(tmp_path / "old", old_answers="framework: 'cdktn'\n")) == "cdktn"
    assert framework.of_project(_project(tmp_path / "both", expected='{"framework": "cdktf"}',
                                         answers="framework: cdktn\n")) == "cdktf", "expected.json first"
    for name, files in (("bad-expected", {"expected": '{"framework": "pulumi"}'}),
                        ("bad-answers", {"answers": "framework: pulumi\n"})):
        with pytest.raises(ValueError, match=r"names framework 'pulumi'; use one of \['cdktf', 'cdktn'\]"):
            framework.of_project(_project(tmp_path / name, **files))


def test_the_lazy_provider_import_is_kept_only_where_it_helps():
    """cdktf's provider __init__ imports ~2,200 submodules: lazy loader. cdktn's imports them on first access
    itself: the normal import (measured: no gain from the shim, and it would lose the bytecode cache)."""
    finder = toolchain.LazyProviderFinder()
    assert set(toolchain.PROVIDER_PREFIXES) == {"cdktf_cdktf_provider_", "cdktn_provider_"}
    for name in ("cdktf_cdktf_provider_aws", "cdktn_provider_aws"):
        assert importlib.util.find_spec(name) is not None, f"{name} must be installed for this test"
    assert isinstance(finder.find_spec("cdktf_cdktf_provider_aws", None).loader, toolchain._LazyInitLoader)
    assert finder.find_spec("cdktn_provider_aws", None) is None


def test_the_doctor_reads_the_cdktn_provider(cdktn_project):
    resources = cdktn_project / "lib" / "resources.py"
    resources.write_text(resources.read_text(encoding="utf-8").replace("force_destroy=True", "force_destory=True"),
                         encoding="utf-8")
    done = run([PYTHON, "-m", "tapkit.checks.doctor", str(cdktn_project), "--json"], cdktn_project,
               **module_env({}))
    findings = json.loads(done.stdout)
    assert not [f for f in findings if f["rule"] == "TAP216"], findings
    wrong = [f for f in findings if f["path"] == "lib/resources.py"]
    assert wrong and "force_destory" in wrong[0]["message"] and "force_destroy" in wrong[0]["fix"], findings


def test_a_guardrail_error_fails_a_cdktn_synth(cdktn_project, tmp_path):
    """The Aspect implements cdktn's IAspect (the framework in tests/unit/expected.json), so cdktn runs it at
    synth: the template's synth with guardrails (the hook's, `run.py check`'s) fails on the error."""
    resources = cdktn_project / "lib" / "resources.py"
    resources.write_text(resources.read_text(encoding="utf-8").replace("force_destory=True", "force_destroy=False")
                         .replace("force_destroy=True", "force_destroy=False"), encoding="utf-8")
    with pytest.raises(synth.SynthError) as failed:
        synth.synthesize(cdktn_project, PYTHON, guardrails=True, outdir=tmp_path / "out")
    assert "TAP310" in failed.value.output, failed.value.output


def test_the_doctor_sees_inherited_members_in_cdktn_classes():
    """cdktn's modules import the core under `if typing.TYPE_CHECKING:` (lazily at runtime); the base classes
    must still resolve, or every inherited member (add_override, node, ...) would look unknown."""
    index = provider_api.ApiIndex()
    for module, name in (("s3_bucket", "S3Bucket"), ("security_group", "SecurityGroup")):
        old = index.all_members(index.lookup(f"cdktf_cdktf_provider_aws.{module}", name))
        new = index.all_members(index.lookup(f"cdktn_provider_aws.{module}", name))
        assert {"add_override", "override_logical_id"} <= new and old <= new, sorted(old - new)


def test_guardrails_refuse_a_stack_of_the_other_framework():
    """In the template's checkout (no expected.json, no answers) the framework is cdktf: a cdktn stack is refused,
    by name."""
    import cdktn  # pylint: disable=import-outside-toplevel

    from tapkit.checks import guardrails  # pylint: disable=import-outside-toplevel

    stack = cdktn.TerraformStack(cdktn.Testing.app(), "Other")
    with pytest.raises(TypeError, match=r"got a cdktn\..*TerraformStack, not a cdktf.TerraformStack: "
                                        r"this project is built on cdktf \(tests/unit/expected.json\)"):
        guardrails.apply(stack)
