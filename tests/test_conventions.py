"""One source per convention: tapkit/conventions.json.

Two proofs. No second copy: the template repo's own code (copier.yml, includes/,
template/, tapkit/, hooks/, bench/, tests/*.py) holds none of the convention
values outside conventions.json. Same verdict: the Jinja validators (copier's
real Jinja environment) and tapkit.conventions accept and refuse the same
values with the same message, and the rendered TapStack applies the same suffix rule.

A file the task carries that cannot read tapkit (tests/unit/lazy_provider.py, a
link to tapkit/checks/lazy_provider.py: copier copies it into the task) is scanned
once, under its own path; the values it must hold are listed in KEPT_EQUAL, and a
test keeps them equal to conventions.json.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from copier import run_copy
from copier._main import Worker  # its jinja_env is the one copier renders validators with

from helpers import ROOT, conventions, copy_template

CONVENTIONS_JSON = ROOT / "tapkit" / "conventions.json"
DATA = conventions.DATA
# Copies a file must hold because it runs where tapkit cannot be imported: path -> {what: why}. Each is checked
# equal to conventions.json by test_kept_copies_equal_the_json.
KEPT_EQUAL = {
    "tapkit/checks/lazy_provider.py": {
        "true/false words": "every task's tests/unit/lazy_provider.py, imported before cdktf: it reads no data file",
    },
}

# ---------------------------------------------------------------- no second copy


def _source_files() -> list[Path]:
    """The files that make the template and its tooling (not the golden sample, fixtures or prose). A link
    (template/tests/unit/expected.py, lazy_provider.py -> tapkit/checks/) is its target's text: scanned once, under
    the target's path."""
    found = [ROOT / "copier.yml", *sorted((ROOT / "tests").glob("*.py"))]
    for part in ("includes", "template", "tapkit", "hooks", "bench"):
        found += [p for p in sorted((ROOT / part).rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    found = list(dict.fromkeys(p.resolve() for p in found))
    return [p for p in found if p not in (CONVENTIONS_JSON, Path(__file__).resolve())]


def _regexes() -> list[str]:
    rules = [check[k] for checks in DATA["rules"].values() for check in checks for k in ("match", "refuse")
             if k in check]
    tags = DATA["tags"]
    return [*rules, DATA["terraform_constraint"]["clause"], DATA["state_key"]["characters"],
            tags["key"], tags["value"], tags["reserved_prefix"]]


def _needles() -> dict[str, str]:
    """Literal text whose presence means a second copy of a rule: needle -> the convention it copies."""
    needles = {}
    for regex in _regexes():
        # as Python source writes it (raw string) and as JSON or a Jinja string literal writes it
        needles[regex] = needles[regex.replace("\\", "\\\\")] = f"regex {regex}"
    for check in DATA["rules"]["s3_bucket"]:
        for affix in check.get("prefixes", []) + check.get("suffixes", []):
            for quote in "\"'":  # a reserved part as a string of its own; example names like "xn--data" are fine
                needles[quote + affix + quote] = f"S3 reserved {affix}"
    # Copies written in another form than the JSON's (how the drifted ones were written)
    needles.update({
        "northeast|northwest": "region pattern", "~>|>=|<=|!=": "Terraform constraint operators",
        r"\d+\.\d+\.\d+\.\d+": "S3 IP-address form", "[a-z0-9-]{0,30}": "environment suffix pattern",
        "A-Za-z0-9!_.*()/{}=-": "state key characters", r"\w .:/=+@-": "tag characters",
        "[A-Za-z0-9_.-]{3,}": "DynamoDB table names",
    })
    return needles


def _quoted(names) -> re.Pattern:
    alternatives = "|".join(re.escape(n) for n in names)
    return re.compile(rf"""["']({alternatives})["']""")


# Name lists: a window of lines quoting at least `least` of these names is a copy of the list.
NAME_LISTS = {
    "pipeline variables": (conventions.PIPELINE_VARIABLES, 3),
    "tag keys": ((conventions.ENVIRONMENT_TAG, *conventions.PIPELINE_TAGS), 3),
    "true/false words": ((*DATA["flags"]["true"], *DATA["flags"]["false"]), 3),
}
WINDOW = 3


def _copies(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return []
    found = [f"{what}: {needle!r} (line {text[:text.index(needle)].count(chr(10)) + 1})"
             for needle, what in _needles().items() if needle in text]
    lines = text.splitlines()
    kept = KEPT_EQUAL.get(path.relative_to(ROOT).as_posix(), {}) if path.is_relative_to(ROOT) else {}
    for what, (names, least) in NAME_LISTS.items():
        if what in kept:
            continue
        pattern = _quoted(names)
        for number, line in enumerate(lines, 1):
            window = "\n".join(lines[number - 1:number - 1 + WINDOW])
            if pattern.search(line) and len(set(pattern.findall(window))) >= least:
                found.append(f"{what} listed again (line {number}): {line.strip()[:80]}")
                break
    return found


def test_the_scan_sees_the_files_it_must():
    names = {p.relative_to(ROOT).as_posix() for p in _source_files()}
    for expected in ("copier.yml", "includes/validators.jinja", "includes/stack_params.jinja",
                     "tapkit/fleet/deployed.py", "tapkit/fleet/handmade.py", "tests/helpers.py", "bench/speed.py",
                     "tapkit/constraints.py",
                     "tapkit/synth.py", "tapkit/checks/guardrails/core.py", "tapkit/checks/lazy_provider.py",
                     "template/lib/tap_stack.py.jinja", "template/tests/unit/conftest.py.jinja",
                     "hooks/post_generate.py"):
        assert expected in names
    assert "template/tests/unit/lazy_provider.py" not in names, "a link: scanned as its target"
    assert "tapkit/conventions.json" not in names


def test_kept_copies_equal_the_json():
    """lazy_provider.py's own copies (KEPT_EQUAL) are conventions.json's values."""
    from tapkit.checks import lazy_provider  # pylint: disable=import-outside-toplevel

    assert lazy_provider.YES_WORDS == tuple(DATA["flags"]["true"])
    assert set(lazy_provider.PROVIDER_PREFIXES) == {f["provider_module"].removesuffix("aws")
                                                    for f in DATA["frameworks"].values()}
    assert set(KEPT_EQUAL) == {"tapkit/checks/lazy_provider.py"}


def test_the_scan_finds_a_copy_when_there_is_one(tmp_path):
    """The detector itself: each kind of copy the old code held is found."""
    old = tmp_path / "old.py"
    old.write_text(
        'PIPELINE = ("ENVIRONMENT_SUFFIX", "AWS_REGION",\n    "REPOSITORY", "TEAM")\n'
        'RESERVED = {"Environment", "Repository", "Author"}\n'
        '_SUFFIX = re.compile(r"^([a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?)?$")\n'
        'if name.startswith(("xn--", "sthree-")):\n'
        '    return value.lower() in {"1", "true", "yes"}\n', encoding="utf-8")
    found = "\n".join(_copies(old))
    for what in ("pipeline variables", "tag keys", "environment suffix pattern", "S3 reserved xn--", "true/false"):
        assert what in found, found


@pytest.mark.parametrize("path", _source_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_second_copy_of_a_convention(path):
    assert not _copies(path), (
        f"{path.relative_to(ROOT)} repeats conventions defined in tapkit/conventions.json: "
        f"{_copies(path)}; read them from there (Python: tapkit.conventions; Jinja: includes/conventions.jinja)")


def test_the_json_can_be_included_by_jinja():
    """includes/conventions.jinja includes the JSON as template text: Jinja delimiters in it would be rendered."""
    text = CONVENTIONS_JSON.read_text(encoding="utf-8")
    assert not re.search(r"\{[{%#]|[}%#]\}", text)
    assert json.loads(text) == DATA


def test_frameworks_name_each_module_once():
    assert DATA["frameworks"]["cdktf"]["provider_module"] == "cdktf_cdktf_provider_aws"
    assert DATA["frameworks"]["cdktn"]["provider_module"] == "cdktn_provider_aws"
    keys = {"module", "provider_module", "package", "provider_package", "package_version",
            "provider_package_version", "provider_terraform_version", "package_releases", "provider_package_releases",
            "s3_backend_use_lockfile", "provider_imports_lazily", "title", "archived"}
    assert all(set(f) == keys for f in DATA["frameworks"].values())


def test_flags_read_one_way():
    assert [conventions.flag(v) for v in ("1", "TRUE", " yes ", "on")] == [True] * 4
    assert [conventions.flag(v, default=True) for v in ("0", "False", "no", "off")] == [False] * 4
    assert conventions.flag("", default=True) and not conventions.flag(None) and not conventions.flag("maybe")


# ---------------------------------------------------------------- same verdict, Jinja and Python

# (validator macro, Python check, values): good and bad values next to each other.
RULE_CASES = [
    ("slug", lambda v: conventions.problem("slug", v),
     ["orders-api", "a", "My Project", "-x", "x--y", "a" * 63, "a" * 64, 7, ""]),
    ("env_suffix", lambda v: conventions.problem("environment_suffix", v),
     ["dev", "pr123", "qa-2", "Dev_1", "trailing-", "-lead", "x" * 32, "x" * 33, "", None]),
    ("aws_region", lambda v: conventions.problem("aws_region", v),
     ["us-east-1", "us-gov-west-1", "ap-southeast-2", "us-east", "mars", "US-EAST-1", "eu-west-0", 3]),
    ("s3_bucket", lambda v: conventions.problem("s3_bucket", v),
     ["iac-rlhf-tf-states", "my.org-tf-states.2", "ab", "a" * 64, "My_Bucket", "-x-", "my..bucket",
      "192.168.5.4", "xn--states", "sthree-x", "amzn-s3-demo-bucket", "states-s3alias", "a--ol-s3", "b.mrap",
      "c--x-s3", "d--table-s3", 12]),
    ("dynamodb_table", lambda v: conventions.problem("dynamodb_table", v),
     ["iac-rlhf-tf-state-locks", "A.b_c-1", "ab", "locks table", "x" * 256, None]),
    ("version_pin", lambda v: conventions.problem("version_pin", v),
     ["0.21.0", "21.22.1", "1.2", "1.2.3.4", "latest", ">=21", "1.2.3.4.5", "1"]),
    ("tf_constraint", conventions.constraint_problem,
     ["~> 6.0", ">= 5.80, < 7.0", "= 6.25.0", "!= 6.1.0", "v6.0", "6.25.0-beta1", "6.x", "~> 6.0," * 10,
      "6.0.0.1", "", ">=", 6]),
    ("state_key", conventions.state_key_problem,
     ["{environment_suffix}/{stack_id}.tfstate", "tap/{environment_suffix}/{stack_id}/terraform.tfstate", "",
      "{stack_id}.tfstate", "{environment_suffix}/{region}.tfstate", "{environment_suffix}/my state",
      "/{environment_suffix}/state", "{environment_suffix}//state", "{environment_suffix}/",
      "../{environment_suffix}/x", "./{environment_suffix}/x", "{environment_suffix}}", None]),
]
RESERVED = ["Environment", *conventions.PIPELINE_TAGS]
TAG_CASES = [
    {}, {"CostCenter": "1234", "Owner": "team@example.org"}, ["CostCenter"], {f"Tag{n}": "x" for n in range(41)},
    {"aws:owner": "me"}, {"AWS:Owner": "me"}, {"Environment": "prod"}, {"Team": "x"}, {"CostCenter": 1234},
    {"CostCenterOfTheWholeCompany": 12345678901234567890}, {"Flag": True}, {"Bad<Key>" * 20: "x"},
    {"Owner": "a" * 257}, {"Owner": "a<b"}, {"Owner": ""}, {"": "x"},
]


@pytest.fixture(scope="module")
def jinja(tmp_path_factory):
    """copier's own Jinja environment for the template (the one that runs the validators)."""
    template = copy_template(tmp_path_factory.mktemp("conventions") / "template")
    worker = Worker(src_path=str(template), dst_path=tmp_path_factory.mktemp("dst"), unsafe=True, defaults=True,
                    quiet=True)

    def render(source: str, **context) -> str:
        return worker.jinja_env.from_string(source).render(**context)

    return render


def _validator(jinja, macro: str, *args) -> str:
    names = ", ".join(f"a{i}" for i in range(len(args)))
    return jinja(f"{{% from pathjoin('includes', 'validators.jinja') import {macro} %}}{{{{ {macro}({names}) }}}}",
                 **{f"a{i}": a for i, a in enumerate(args)})


def test_jinja_reads_the_same_data(jinja):
    assert json.loads(jinja("{% from pathjoin('includes', 'conventions.jinja') import conv %}{{ conv | to_json }}")) \
        == DATA


@pytest.mark.parametrize(("macro", "check", "values"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_jinja_and_python_give_the_same_verdict(jinja, macro, check, values):
    verdicts = [(value, _validator(jinja, macro, value), check(value)) for value in values]
    assert [v for v in verdicts if v[1] != v[2]] == []
    assert any(v[1] for v in verdicts) and any(not v[1] for v in verdicts), "each table has good and bad values"


@pytest.mark.parametrize("tags", TAG_CASES, ids=range(len(TAG_CASES)))
def test_extra_tags_same_verdict(jinja, tags):
    assert _validator(jinja, "extra_tags", tags, RESERVED) == conventions.extra_tags_problem(tags, RESERVED)


def test_constraints_admit_only_what_the_validator_accepts():
    """tapkit.constraints parses with the validator's grammar: whatever it refuses, admits() never admits."""
    from tapkit import constraints  # pylint: disable=import-outside-toplevel

    for value in [c for macro, _check, values in RULE_CASES if macro == "tf_constraint" for c in values]:
        if not isinstance(value, str):
            continue
        if conventions.constraint_problem(value):
            assert constraints.admits(value, "6.25.0") is False, value
    assert constraints.admits(">= v6.0, != 6.1.0", "6.25.0") and constraints.admits("6.25.0-beta1", "6.25.0")


def _suffix_rule(source: str) -> tuple[str, str, int]:
    """(SUFFIX_RULE's pattern, SUFFIX_PROBLEM, the length bound __init__ compares with) of a rendered tap_stack.py."""
    tree = ast.parse(source)
    values = {node.targets[0].id: node.value for node in tree.body
              if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)}
    pattern = values["SUFFIX_RULE"]
    assert isinstance(pattern, ast.Call) and ast.unparse(pattern.func) == "re.compile"
    bounds = [node.comparators[0].value for node in ast.walk(tree) if isinstance(node, ast.Compare)
              and ast.unparse(node.left) == "len(environment_suffix)" and isinstance(node.ops[0], ast.LtE)]
    (bound,) = bounds
    return pattern.args[0].value, values["SUFFIX_PROBLEM"].value, bound


def test_the_rendered_tapstack_judges_the_suffix_with_the_conventions_rule(tmp_path):
    """lib/tap_stack.py (which the task carries without tapkit) holds conventions.json's suffix rule, rendered
    from it: it accepts a suffix exactly when the questionnaire does (and also the empty one), with the same
    message. The generated test_tap_stack.py checks it refuses."""
    template = copy_template(tmp_path / "template")
    run_copy(str(template), str(tmp_path / "out"), defaults=True, unsafe=True, skip_tasks=True, quiet=True)
    source = (tmp_path / "out" / "lib" / "tap_stack.py").read_text(encoding="utf-8")
    pattern, message, bound = _suffix_rule(source)
    (rule,) = DATA["rules"]["environment_suffix"]  # one check: the rendered file applies all of it
    assert (pattern, message, bound) == (rule["match"], rule["message"], rule["max_length"])
    values = [v for macro, _check, vs in RULE_CASES if macro == "env_suffix" for v in vs if isinstance(v, str) and v]
    rendered = [message if not (re.search(pattern, v) and len(v) <= bound) else "" for v in values]
    assert rendered == [conventions.problem("environment_suffix", v) for v in values]
    assert any(rendered) and not all(rendered)


def test_the_guardrail_judges_bucket_names_as_the_questionnaire_does(jinja):
    """TAP333 once accepted amzn-s3-demo-* and *--table-s3, which the questionnaire refused."""
    from tapkit.checks.guardrails import s3_bucket_name_problem  # pylint: disable=import-outside-toplevel

    names = [v for macro, _check, values in RULE_CASES if macro == "s3_bucket" for v in values if isinstance(v, str)]
    verdicts = [(name, s3_bucket_name_problem(name) is None, not _validator(jinja, "s3_bucket", name))
                for name in names]
    assert [v for v in verdicts if v[1] != v[2]] == []


def test_the_guardrail_judges_table_names_as_the_questionnaire_does():
    from tapkit.checks.guardrails.rules import naming  # pylint: disable=import-outside-toplevel

    rule = next((longest, pattern) for rtype, _attr, longest, pattern in naming.NAME_RULES
                if rtype == "aws_dynamodb_table")
    for name in [v for macro, _check, values in RULE_CASES if macro == "dynamodb_table" for v in values]:
        if isinstance(name, str):
            guardrail_ok = len(name) <= rule[0] and re.fullmatch(rule[1], name) is not None
            assert guardrail_ok == (not conventions.problem("dynamodb_table", name)), name
