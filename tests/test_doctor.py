"""The doctor (tapkit/checks/doctor.py) flags every seed failure class it covers, passes the fixes,
and is silent on fresh projects.

Fixtures: tests/fixtures/seeds/_base is a small hand-written TAP repo (the shape
of the old, copied template); each case overlays it with common/ files, then
broken/ or fixed/ ones (a fixed/ that is absent means the base is the fix);
case.json says which rules the doctor must report on the broken one, and which
files the broken one lacks. The doctor runs in-process (tapkit.checks.doctor), and as
the command the hook and `run.py check` run on rendered projects (`python -m
tapkit.checks.doctor PROJECT` with the template checkout on PYTHONPATH: a task
carries none of the checks).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import PYTHON, ROOT, SCENARIOS, run
from tapkit import module_env
from tapkit.checks import doctor
from tapkit.checks.provider_api import ApiIndex, parse_module

SEEDS = ROOT / "tests" / "fixtures" / "seeds"
CASES = {p.name: json.loads((p / "case.json").read_text(encoding="utf-8"))
         for p in sorted(SEEDS.iterdir()) if (p / "case.json").is_file()}
INDEX = ApiIndex()


def materialize(case: str, kind: str, dest: Path) -> Path:
    """_base with the case's common/ files, then its broken/ or fixed/ ones, laid over it."""
    project = shutil.copytree(SEEDS / "_base", dest / f"{case}-{kind}")
    for layer in ("common", kind):  # files both versions share, then the version's own
        if (SEEDS / case / layer).is_dir():
            shutil.copytree(SEEDS / case / layer, project, dirs_exist_ok=True)
    for rel in CASES[case].get(f"{kind}_remove", []):
        (project / rel).unlink()
    return project


def describe(findings) -> str:
    """The findings, one per line with their severity, for an assertion message."""
    return "\n".join(f"{f.severity}: {f}" for f in findings) or "(no findings)"


def test_there_is_a_case_for_every_seed_post_mortem():
    seeds = {seed.split()[0] for meta in CASES.values() for seed in meta["seeds"]}
    assert {"000", "001", "002", "003", "004"} <= seeds
    assert all(meta["doctor_rules"] or meta["guardrail_rules"] for meta in CASES.values())


def test_the_base_project_is_clean(tmp_path):
    findings = doctor.diagnose(shutil.copytree(SEEDS / "_base", tmp_path / "base"), index=INDEX)
    assert findings == [], describe(findings)


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_is_flagged_with_the_expected_rules(case, tmp_path):
    findings = doctor.diagnose(materialize(case, "broken", tmp_path), index=INDEX)
    expected = set(CASES[case]["doctor_rules"])
    assert expected <= {f.rule for f in findings}, describe(findings)
    for finding in findings:
        assert finding.path and finding.message and finding.fix, finding
    if not expected:  # the guardrails catch it at synth (tests/test_guardrails.py); the doctor must not guess
        assert not [f for f in findings if f.severity == "error"], describe(findings)


@pytest.mark.parametrize("case", sorted(CASES))
def test_fixed_is_clean(case, tmp_path):
    findings = doctor.diagnose(materialize(case, "fixed", tmp_path), index=INDEX)
    assert findings == [], describe(findings)


def test_findings_name_the_fix(tmp_path):
    fixes = {
        "kms_alias_keyword": "did you mean name=?",
        "route_instance_id": "network_interface_id=<instance>.primary_network_interface_id",
        "s3_class_names": "did you mean S3BucketVersioningA?",
        "lifecycle_class_suffix": "did you mean S3BucketLifecycleConfiguration?",
        "nonexistent_struct_import": "pass stream_enabled, stream_view_type to DynamodbTable",
        "dynamodb_gsi_dict": "use DynamodbTableGlobalSecondaryIndex(name=..., hash_key=...",
        "default_tags_dict": "default_tags=[AwsProviderDefaultTags(tags=...)]",
        "terraform_interpolation": "Fn.element(",
        "s3_backend_override": "did you mean 'use_lockfile'?",
        "missing_lib_module": "create lib/api.py",
    }
    for case, fix in fixes.items():
        text = "\n".join(str(f) for f in doctor.diagnose(materialize(case, "broken", tmp_path), index=INDEX))
        assert fix in text, f"{case}: {text}"


def test_use_lockfile_as_an_override_is_valid(tmp_path):
    project = materialize("s3_backend_override", "fixed", tmp_path)
    assert 'add_override("terraform.backend.s3.use_lockfile", True)' in (project / "lib" / "tap_stack.py").read_text()
    assert doctor.diagnose(project, index=INDEX) == []


def test_errors_in_files_synth_never_imports_are_warnings(tmp_path):
    project = materialize("kms_alias_keyword", "broken", tmp_path)
    (project / "lib" / "resources.py").rename(project / "lib" / "unused.py")
    shutil.copy(SEEDS / "_base" / "lib" / "resources.py", project / "lib" / "resources.py")
    (finding,) = doctor.diagnose(project, index=INDEX)
    assert (finding.rule, finding.severity, finding.path) == ("TAP202", "warning", "lib/unused.py")
    assert "[file not imported by tap.py]" in finding.message


def test_more_provider_mistakes(tmp_path):
    project = shutil.copytree(SEEDS / "_base", tmp_path / "more")
    (project / "lib" / "resources.py").write_text('''"""Mistakes beyond the seeds."""
import json

from cdktf import Fn, TerraformOutput
from cdktf_cdktf_provider_aws import s3_bucket
from cdktf_cdktf_provider_aws.data_aws_availability_zones import DataAwsAvailabilityZones
from cdktf_cdktf_provider_aws.eip import Eip
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioningA
from cdktf_cdktf_provider_aws.s3_bucketz import S3Bucketz


def add_resources(stack) -> None:
    """Declare the resources."""
    bucket = s3_bucket.S3Bucket(stack, "data", bucket="data-dev", force_destroy=True)
    Eip(stack, "nat-ip", vpc=True)
    S3BucketVersioningA(stack, "versioning", bucket=bucket.id, versioning_configuration=[{"status": "Enabled"}])
    S3BucketVersioningA(stack, "versioning-2", bucket=bucket.id)
    TerraformOutput(stack, "arn", value=bucket.bucket_arn)
    TerraformOutput(stack, "first", value=Fn.elementt(["a"], 0))
    IamPolicy(stack, "home", name="home-dev", policy=json.dumps({"Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*"}]}))
    TerraformOutput(stack, "raw", value="${aws_s3_bucket.data.arn}")
    azs = DataAwsAvailabilityZones(stack, "azs", state="available")
    TerraformOutput(stack, "first-az", value=azs.names[0])
    TerraformOutput(stack, "all-azs", value=f"zones: {azs.names}")
    TerraformOutput(stack, "upper", value=f"${{upper({bucket.bucket})}}")
    assert S3Bucketz
''', encoding="utf-8")
    found = {(f.rule, f.severity, f.line) for f in doctor.diagnose(project, index=INDEX)}
    assert found == {
        ("TAP200", "error", 10), ("TAP202", "error", 16), ("TAP205", "error", 17), ("TAP203", "error", 18),
        ("TAP208", "error", 19), ("TAP208", "error", 20), ("TAP206", "error", 22), ("TAP206", "warning", 23),
        ("TAP209", "error", 25), ("TAP209", "error", 26), ("TAP206", "warning", 27),
    }, describe(doctor.diagnose(project, index=INDEX))


def test_kwargs_in_the_stack_is_a_warning_that_names_what_it_hides(tmp_path):
    project = materialize("stack_kwargs", "broken", tmp_path)
    stack = project / "lib" / "tap_stack.py"
    stack.write_text(stack.read_text(encoding="utf-8").replace('kwargs.get("environment_suffix"',
                                                               'kwargs.get("enviroment_suffix"'), encoding="utf-8")
    found = {(f.rule, f.severity, f.path) for f in doctor.diagnose(project, index=INDEX)}
    assert ("TAP106", "warning", "lib/tap_stack.py") in found
    assert ("TAP218", "warning", "lib/tap_stack.py") in found  # reads enviroment_suffix, which nobody passes
    assert ("TAP218", "warning", "tap.py") in found  # passes environment_suffix, state_bucket..., never read
    assert not [f for f in found if f[1] == "error"]


def test_project_shape(tmp_path):
    project = shutil.copytree(SEEDS / "_base", tmp_path / "shape")
    (project / "cdktf.json").write_text('{"language": "typescript", "app": "python main.py"}', encoding="utf-8")
    (project / "metadata.json").write_text('{"platform": "cdk", "language": "py"', encoding="utf-8")
    (project / "lib" / "__init__.py").unlink()
    found = {(f.rule, f.severity, f.message.split(":")[0]) for f in doctor.diagnose(project, index=INDEX)}
    assert found == {
        ("TAP210", "warning", "language is 'typescript', not 'python'"),  # synth runs "app" anyway
        ("TAP210", "error", "app 'python main.py' runs main.py, which does not exist"),
        ("TAP211", "warning", "metadata.json is not valid JSON"),  # the pipeline reads it, synth does not
        ("TAP212", "warning", "lib/ has no __init__.py"),
    }


def test_a_namespace_lib_package_imports_fine(tmp_path):
    project = shutil.copytree(SEEDS / "_base", tmp_path / "namespace")
    (project / "lib" / "__init__.py").unlink()
    stack = project / "lib" / "tap_stack.py"
    stack.write_text(stack.read_text(encoding="utf-8").replace(
        "from lib.resources import add_resources", "from lib import resources").replace(
        "        add_resources(self)", "        resources.add_resources(self)"), encoding="utf-8")
    assert [f.rule for f in doctor.diagnose(project, index=INDEX)] == ["TAP212"]


def test_without_the_provider_package_the_api_checks_are_skipped_with_a_warning(tmp_path):
    project = materialize("kms_alias_keyword", "broken", tmp_path)
    bare = ApiIndex({"cdktf_cdktf_provider_aws": None, "cdktf": None, "constructs": None})
    (finding,) = doctor.diagnose(project, index=bare)
    assert (finding.rule, finding.severity) == ("TAP216", "warning")


def test_parse_module_reads_structs_and_signatures():
    info = parse_module("m", '''
import cdktf as _cdktf_alias


@jsii.data_type(
    jsii_type="m.Thing",
    name_mapping={"hash_key": "hashKey"},
)
class Thing:
    def __init__(
        self,
        *,
        hash_key: builtins.str,
        note: typing.Optional[builtins.str] = None,
    ) -> None:
        pass


class Widget(_cdktf_alias.TerraformResource, metaclass=jsii.JSIIMeta):
    def __init__(
        self,
        scope: Construct,
        id_: builtins.str,
        *,
        thing: typing.Union["Thing", typing.Dict[builtins.str, typing.Any]],
    ) -> None:
        pass

    @builtins.property
    def arn(self) -> builtins.str:
        pass

__all__ = [
    "Thing",
    "Widget",
]
''')
    thing, widget = info.classes["Thing"], info.classes["Widget"]
    assert thing.is_struct and thing.json_names == {"hash_key": "hashKey"} and thing.required == ["hash_key"]
    assert not widget.is_struct and widget.bases == ["_cdktf_alias.TerraformResource"]
    assert [p.name for p in widget.positional] == ["scope", "id_"] and widget.members == {"arn"}
    assert info.aliases == {"_cdktf_alias": "cdktf"} and info.public == ["Thing", "Widget"]


# The hook already runs the doctor on every render (verify's first step); this asks for no finding at all
# (warnings included) on one render per backend and framework, each doctor run costing ~8 s of CPU.
DOCTOR_SCENARIOS = ["default", "local-backend", "dynamodb-multi-region", "cdktn-lockfile", "cdktn-local-backend"]


def test_the_doctor_scenarios_exist():
    assert set(DOCTOR_SCENARIOS) <= set(SCENARIOS)


@pytest.mark.parametrize("scenario", DOCTOR_SCENARIOS)
def test_fresh_projects_are_clean(rendered, scenario):
    project = rendered(scenario)
    done = run([PYTHON, "-m", "tapkit.checks.doctor", str(project), "--json"], project, **module_env({}))
    assert done.returncode == 0 and json.loads(done.stdout) == [], done.stdout + done.stderr


def test_the_command_prints_file_line_rule_message_fix_and_fails(rendered, tmp_path):
    project = shutil.copytree(rendered("default"), tmp_path / "project", ignore=shutil.ignore_patterns("cdktf.out"))
    resources = project / "lib" / "resources.py"
    resources.write_text(resources.read_text(encoding="utf-8").replace(
        "from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket",
        "from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket\n"
        "from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioning  # noqa"), encoding="utf-8")
    line = resources.read_text(encoding="utf-8").splitlines().index(
        "from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioning  # noqa") + 1
    done = run([PYTHON, "-m", "tapkit.checks.doctor"], project, **module_env({}))  # the project: "."
    assert done.returncode == 1
    assert (f"lib/resources.py:{line} TAP201 S3BucketVersioning does not exist in cdktf_cdktf_provider_aws."
            "s3_bucket_versioning (ImportError at synth) (did you mean S3BucketVersioningA?)") in done.stdout
    assert "tap doctor: 1 error(s), 0 warning(s)" in done.stdout
    listed = json.loads(run([PYTHON, "-m", "tapkit.checks.doctor", ".", "--json"], project, **module_env({})).stdout)
    assert [(f["path"], f["rule"], f["severity"]) for f in listed] == [("lib/resources.py", "TAP201", "error")]
    verify = run([PYTHON, "-m", "tapkit.checks.verify", str(project), "--python", PYTHON], project, **module_env({}))
    assert verify.returncode == 1 and "FAILED  doctor" in verify.stdout and "TAP201" in verify.stdout


def test_the_doctor_never_imports_cdktf_jsii_or_the_provider(rendered):
    code = ("import sys; from tapkit.checks import doctor; findings = doctor.diagnose('.'); "
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('cdktf', 'jsii', 'constructs', "
            "'cdktf_cdktf_provider_aws')); print(loaded, len(findings))")
    done = run([PYTHON, "-c", code], rendered("default"), **module_env({}))
    assert done.stdout.strip() == "[] 0", done.stdout + done.stderr


def test_imports_that_cannot_fail_synth_are_not_errors(tmp_path):
    """A guarded optional import, names a module binds in if/try blocks or by `import *`: no error."""
    project = shutil.copytree(SEEDS / "_base", tmp_path / "guarded")
    (project / "lib" / "config.py").write_text('''"""Settings, some chosen at import."""
import os

if os.getenv("LOCALSTACK"):
    ENDPOINT = "http://localhost:4566"
else:
    ENDPOINT = None
try:
    from lib.local_overrides import OVERRIDES
except ImportError:
    OVERRIDES = {}
''', encoding="utf-8")
    (project / "lib" / "settings.py").write_text("from lib.config import *  # noqa: F401,F403\n", encoding="utf-8")
    resources = project / "lib" / "resources.py"
    resources.write_text('''"""Resources."""
from typing import TYPE_CHECKING

from lib.config import ENDPOINT, OVERRIDES
from lib.settings import ENDPOINT as SAME

if TYPE_CHECKING:
    from lib.tap_stack_types import StackLike
try:
    from cdktf_cdktf_provider_aws.s3_bucket_v3 import S3BucketV3
except ImportError:
    S3BucketV3 = None


def add_resources(stack) -> None:
    """Nothing to add."""
    assert (ENDPOINT, OVERRIDES, SAME, S3BucketV3, stack) is not None
''', encoding="utf-8")
    findings = doctor.diagnose(project, index=INDEX)
    assert not [f for f in findings if f.severity == "error"], describe(findings)
    guarded = {(f.path, f.line, f.rule) for f in findings if "[import guarded" in f.message}
    assert guarded == {("lib/config.py", 9, "TAP213"), ("lib/resources.py", 8, "TAP213"),
                       ("lib/resources.py", 10, "TAP200")}, describe(findings)


# ---------------------------------------------------------------- the rule registry (tapkit/checks/doctor_rules.py)


def test_every_rule_id_in_the_checks_is_registered_and_every_registered_rule_is_reported_by_its_check():
    import re  # pylint: disable=import-outside-toplevel

    from tapkit.checks import doctor_rules  # pylint: disable=import-outside-toplevel

    checks = ROOT / "tapkit" / "checks"
    used = {check: set(re.findall(r"\bTAP[12]\d\d\b", (checks / f"{check}.py").read_text(encoding="utf-8")))
            for check in doctor_rules.CHECKS}
    assert set().union(*used.values()) - set(doctor_rules.RULES) == set(), "ids the registry lacks"
    reported = {check: {r for r in found if f'"{r}"' in (checks / f"{check}.py").read_text(encoding="utf-8")}
                for check, found in used.items()}
    reported["source_checks"].add(doctor_rules.INTERNAL_ERROR)  # source_checks.internal_error() reports it by name
    for rule_id, rule in doctor_rules.RULES.items():
        assert rule_id in reported[rule.check], f"{rule_id}: {rule.check}.py does not report it"
        assert rule.severities[0] in (doctor_rules.ERROR, doctor_rules.WARNING) and len(rule.message) <= 110, rule


def test_a_finding_names_a_registered_rule_and_takes_its_default_severity_and_fix():
    from tapkit.checks.doctor_rules import RULES, Finding  # pylint: disable=import-outside-toplevel

    assert Finding("lib/__init__.py", 1, "TAP212", "lib/ has no __init__.py").severity == "warning"
    assert Finding("lib/__init__.py", 1, "TAP212", "x").fix == RULES["TAP212"].fix
    assert Finding("tap.py", 3, "TAP102", "x", "y").severity == "error"
    with pytest.raises(ValueError, match="unknown doctor rule 'TAP299'"):
        Finding("tap.py", 1, "TAP299", "x")
    with pytest.raises(ValueError, match="TAP212 is warning, not 'error'"):
        Finding("lib/__init__.py", 1, "TAP212", "x", severity="error")


def test_the_rule_list_is_printed(capsys):
    from tapkit.checks.doctor_rules import RULES  # pylint: disable=import-outside-toplevel

    assert doctor.main(["--rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(RULES)
    assert "TAP212  warning" in "\n".join(lines) and "TAP204  error / warning" in "\n".join(lines)
