"""The template's synth refuses the seed post-mortems' deploy-blockers in a generated task, naming each, and
accepts the fixes.

A task carries no guardrails (issue 18: only tap.py, cdktf.json, metadata.json, lib/, tests/): they run from
the template checkout, `python -m tapkit.synth_runner --guardrails` (tapkit.synth, guardrails=True), which
the copier hook's verify and `python3 run.py check` use. The blockers are the seed fixtures in
tests/fixtures/seeds/<case>/ that the guardrails catch ("guardrail_rules" in case.json): each holds a broken
and a fixed lib/resources.py. All of them go into one copy of a rendered project at once, each under its own
construct named after the case, so one synth must name every blocker.
"""
from __future__ import annotations

import json
import re
import shutil

import pytest

from helpers import PYTHON, ROOT, run, run_unit_tests
from tapkit import module_env, synth

SEEDS = ROOT / "tests" / "fixtures" / "seeds"
CASES = {
    case.name: meta
    for case in sorted(SEEDS.iterdir()) if (case / "case.json").is_file()
    for meta in [json.loads((case / "case.json").read_text(encoding="utf-8"))] if meta["guardrail_rules"]
}
STACK = "TapStackdev"


def install_cases(project, kind: str, extra: str = "") -> None:
    """Each case's lib/resources.py as lib/seed_<case>.py; lib/resources.py calls them, one construct each."""
    for name in CASES:
        shutil.copy(SEEDS / name / kind / "lib" / "resources.py", project / "lib" / f"seed_{name}.py")
    write_case_resources(project, f"Seed fixtures ({kind})", "seed", CASES, extra)


def write_case_resources(project, title: str, prefix: str, names, extra: str = "") -> None:
    """lib/resources.py calling lib/<prefix>_<name>.add_resources under a construct named after each case."""
    imports = "\n".join(f"from lib import {prefix}_{name}" for name in names)
    calls = ", ".join(f'("{name}", {prefix}_{name})' for name in names)
    (project / "lib" / "resources.py").write_text(f'''"""{title}, one construct each."""
from constructs import Construct

{imports}


def add_resources(stack) -> None:
    """Every case under a construct named after it."""
    for name, module in ({calls},):
        scope = Construct(stack, name)
        scope.environment_suffix = stack.environment_suffix
        module.add_resources(scope)
{extra}''', encoding="utf-8")
    for test in (project / "tests" / "unit").glob("test_resources.py"):
        test.unlink()  # it asserts on the example bucket these cases replace


@pytest.fixture
def project(rendered, tmp_path):
    """A private copy of the default project."""
    return shutil.copytree(rendered("default"), tmp_path / "project", ignore=shutil.ignore_patterns("cdktf.out"))


def test_every_guardrail_case_exists_both_ways():
    assert len(CASES) >= 9
    for name in CASES:
        assert (SEEDS / name / "broken" / "lib" / "resources.py").is_file()
        assert (SEEDS / name / "fixed" / "lib" / "resources.py").is_file()


def guarded_synth(project, outdir, **env: str) -> tuple[bool, str]:
    """The template's synth with the guardrails, pipeline variables unset but `env`: (succeeded, its output)."""
    try:
        return True, synth.synthesize(project, PYTHON, dict(env), guardrails=True, outdir=outdir).output
    except synth.SynthError as error:
        return False, error.output


def test_synth_refuses_every_seed_blocker_naming_construct_rule_and_fix(project, tmp_path):
    install_cases(project, "broken")
    ok, output = guarded_synth(project, tmp_path / "out")
    assert not ok, output
    missing = [
        f"{name}: {rule}" for name, meta in CASES.items() for rule in meta["guardrail_rules"]
        if not re.search(rf"\[{STACK}/{name}/[^\]]+\] {rule} [^\n]+\(fix: ", output)
    ]
    assert not missing, f"synth did not name these blockers: {missing}\n{output[-4000:]}"
    assert "Encountered Annotations with level \"ERROR\"" in output
    assert "Traceback" not in output, "tap.py shows the findings, not jsii's traceback"


def test_the_hooks_check_fails_on_a_blocker_and_the_tasks_own_tests_do_not_run_guardrails(project):
    """verify (the copier hook's check, from the template checkout) fails at its synth step naming the blocker;
    the task's own unit tests (the pipeline's step) pass: the guardrails are the template's, not the task's."""
    shutil.copy(SEEDS / "log_retention" / "broken" / "lib" / "resources.py", project / "lib" / "seed_log_retention.py")
    write_case_resources(project, "One seed blocker", "seed", ["log_retention"])
    done = run([PYTHON, "-m", "tapkit.checks.verify", str(project), "--python", PYTHON], project, **module_env({}))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED  synth" in done.stdout and "run.py check" in done.stdout, done.stdout
    assert re.search(rf"\[{STACK}/log_retention/[^\]]+\] TAP301 retention_in_days=2555[^\n]+\(fix: ", done.stdout), \
        done.stdout
    assert not [p for p in project.rglob("*") if "guardrails" in p.name or p.name == "tapkit"], "the task carries none"
    tests = run_unit_tests(project, "--cov-fail-under=0")
    assert tests.returncode == 0, tests.stdout + tests.stderr


def test_the_fixes_synthesize_without_a_guardrail_finding(project, tmp_path):
    install_cases(project, "fixed")
    ok, output = guarded_synth(project, tmp_path / "out")
    assert ok, output
    assert "guardrails warning" not in output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["stacks"][STACK]["annotations"] == []


def test_a_suppression_with_a_reason_lets_one_blocker_through_and_says_so(project, tmp_path):
    install_cases(project, "fixed", extra='''
    retention = Construct(stack, "legacy")
    from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup  # pylint: disable=all
    CloudwatchLogGroup(retention, "logs", name=stack.name("legacy"), retention_in_days=2555)
    stack.suppress(retention, "TAP301", reason="imported from the legacy account as is")  # TapStack.suppress
''')
    ok, output = guarded_synth(project, tmp_path / "out")
    assert ok, output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    (note,) = manifest["stacks"][STACK]["annotations"]
    assert note["constructPath"] == f"{STACK}/legacy/logs" and note["level"] == "@cdktf/info"
    assert note["message"].startswith("TAP301 suppressed (imported from the legacy account as is)")


def test_a_warning_is_printed_and_synth_still_succeeds(project, tmp_path):
    resources = project / "lib" / "resources.py"
    resources.write_text(resources.read_text(encoding="utf-8") + '''
    S3Bucket(stack, "shared", bucket="shared-artifacts", force_destroy=True)
''', encoding="utf-8")
    ok, output = guarded_synth(project, tmp_path / "out")
    assert ok, output
    assert f"guardrails warning: [{STACK}/shared] TAP321 bucket='shared-artifacts' lacks the environment suffix" in (
        output)


LONGTAIL = ROOT / "tests" / "fixtures" / "longtail" / "guardrails"
POLICY_CASES = {case.name: json.loads((case / "case.json").read_text(encoding="utf-8"))
                for case in sorted(LONGTAIL.iterdir()) if (case / "case.json").is_file()}


def install_policy_cases(project) -> None:
    """Each long-tail policy case's lib/resources.py as lib/policy_<case>.py (helpers as they are),
    one construct each."""
    helpers: dict[str, str] = {}
    for name in POLICY_CASES:
        for module in (LONGTAIL / name / "lib").glob("*.py"):
            if module.name == "resources.py":
                shutil.copy(module, project / "lib" / f"policy_{name}.py")
            else:
                assert helpers.setdefault(module.name, name) == name, f"two cases define lib/{module.name}"
                shutil.copy(module, project / "lib" / module.name)
    write_case_resources(project, "Long-tail policy cases", "policy", POLICY_CASES)


def test_policy_cases_of_both_kinds_exist():
    kinds = [meta["tap335"] for meta in POLICY_CASES.values()]
    assert kinds.count("accepted") >= 3 and kinds.count("refused") >= 3, kinds


def test_tap335_accepts_terraform_expressions_and_refuses_only_invalid_json(project, tmp_path):
    """One synth of every case: TAP335 names exactly the refused constructs; the JSON shows the accepted shapes."""
    install_policy_cases(project)
    # Synth to the end despite the refused cases, to read every annotation and the JSON they are about.
    ok, output = guarded_synth(project, tmp_path / "out", CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS="1")
    assert ok, output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    errors = {(note["constructPath"], note["message"].split()[0]) for note in manifest["stacks"][STACK]["annotations"]
              if note["level"] == "@cdktf/error"}
    refused = {(f"{STACK}/{name}/{construct}", "TAP335")
               for name, meta in POLICY_CASES.items() if meta["tap335"] == "refused" for construct in meta["refused"]}
    assert errors == refused, manifest["stacks"][STACK]["annotations"]
    for note in manifest["stacks"][STACK]["annotations"]:
        if note["message"].startswith("TAP335"):
            assert "not valid JSON" in note["message"] and "Fn.jsonencode({...})" in note["message"]
    (stack_file,) = (tmp_path / "out").glob("stacks/*/cdk.tf.json")
    accepted = {name for name, meta in POLICY_CASES.items() if meta["tap335"] == "accepted"}
    policies = [config[key] for named in json.loads(stack_file.read_text(encoding="utf-8"))["resource"].values()
                for config in named.values() for key in ("policy", "assume_role_policy") if key in config
                and config["//"]["metadata"]["path"].split("/")[1] in accepted]
    for shape in (r"^\$\{jsonencode\(\{", r'"\$\{replace\(aws_sqs_queue\.', r'"\$\{aws_s3_bucket\.[\w-]+\.arn\}',
                  r"^\$\{data\.aws_iam_policy_document\.[\w-]+\.json\}$", r'"\$\{join\(""'):
        assert any(re.search(shape, policy) for policy in policies), f"no accepted policy shows {shape}: {policies}"
