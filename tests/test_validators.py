"""Each validator refuses a bad answer with a reason, and accepts the good answers next to it."""
from __future__ import annotations

import pytest
from copier import run_copy

from helpers import ROOT, copy_template, run
from tapkit.fleet import gitutil, sandbox

# (question, bad answer, a fragment of the reason, answers it depends on): every message of every validator.
REFUSED = [
    ("project_name", "My Project", "Use a slug", {}),
    ("project_name", "-leading-hyphen", "Use a slug", {}),
    ("description", "   ", "Give one sentence", {}),
    ("description", "two\nlines", "Use one line", {}),
    ("environment_suffix", "Dev_1", "Use 1-32 of a-z, 0-9, inner hyphens", {}),
    ("environment_suffix", "trailing-", "Use 1-32 of a-z, 0-9, inner hyphens", {}),
    ("environment_suffix", "x" * 33, "Use 1-32 of a-z, 0-9, inner hyphens", {}),
    ("aws_region", "us-east", "Use a region code", {}),
    ("aws_region", "US-EAST-1" * 9, "Use a region code", {}),
    # The shape of a code is not enough: the region must exist (conventions.json aws_regions), nearest offered.
    ("aws_region", "zz-west-9", "Use an AWS region such as ca-west-1", {}),
    ("aws_region", "us-east-9", "Use an AWS region such as us-east-1", {}),
    ("state_bucket_region", "eu-west-7", "Use an AWS region such as eu-west-1", {}),
    ("extra_regions", ["ap-southeast-9"], "Use an AWS region such as ap-southeast-1", {}),
    ("extra_regions", "us-west-2", "Use a YAML list of region codes", {}),
    ("extra_regions", ["us-west-9x"], "Use a region code like us-east-1", {}),
    ("extra_regions", ["us-east-1"], "is the primary region", {}),
    ("extra_regions", ["us-west-2", "us-west-2"], "listed twice", {}),
    # Several problems: the first one only, as one line (issue 21: they used to run together).
    ("extra_regions", ["us-east-1", "eu-west-1", "eu-west-1"], "List only regions besides the primary; us-east-1", {}),
    ("state_bucket", "ab", "Use 3 to 63 characters", {}),
    ("state_bucket", "My_Bucket", "Use only a-z, 0-9, dots and hyphens", {}),
    ("state_bucket", "my..bucket", "two adjacent dots", {}),
    ("state_bucket", "192.168.5.4", "IP address", {}),
    ("state_bucket", "xn--states", "without the prefix xn--", {}),
    ("state_bucket", "states-s3alias", "without the suffix -s3alias", {}),
    ("state_bucket_region", "east", "Use a region code", {}),
    ("state_key_pattern", "", "Use a key pattern like", {}),
    ("state_key_pattern", "{stack_id}.tfstate", "Include {environment_suffix}", {}),
    ("state_key_pattern", "{environment_suffix}/{region}.tfstate", "only the placeholders", {}),
    ("state_key_pattern", "{environment_suffix}/my state", "safe S3 key", {}),
    ("state_key_pattern", "/{environment_suffix}/state", "no leading or trailing /", {}),
    ("state_key_pattern", "{environment_suffix}//state", "no empty, . or .. segment", {}),
    ("state_key_pattern", "{environment_suffix}/", "no leading or trailing /", {}),
    ("state_key_pattern", "../{environment_suffix}/x.tfstate", "no empty, . or .. segment", {}),
    ("state_key_pattern", "tap/../{environment_suffix}/x.tfstate", "no empty, . or .. segment", {}),
    ("state_key_pattern", "./{environment_suffix}/x.tfstate", "no empty, . or .. segment", {}),
    ("dynamodb_table", "ab", "Use 3 to 255", {"s3_locking": "dynamodb"}),
    ("dynamodb_table", "locks table", "Use 3 to 255", {"s3_locking": "dynamodb"}),
    ("aws_provider_constraint", "6.x", "Use a Terraform version constraint", {}),
    ("aws_provider_constraint", "~> 6.0," * 10, "Use a Terraform version constraint", {}),
    ("cdktf_package_version", "latest", "one exact release", {}),
    ("cdktf_version", "latest", "one exact release", {}),
    ("cdktf_version", "0.20.0", "cdktf_version was renamed cdktf_package_version", {"cdktf_package_version": "0.21.0"}),
    ("aws_provider_package_version", ">=21", "one exact release", {}),
    # A pin of the other framework's package (issue 14), by tapkit/pins.json's release lists (issue 21.9).
    ("cdktf_package_version", "0.24.0", "Use cdktf 0.0.3 to 0.21.0; 0.24.0 is a cdktn release", {}),
    ("cdktf_package_version", "0.20.12", "Use cdktn 0.0.1 to 0.24.0; 0.20.12 is a cdktf release",
     {"framework": "cdktn"}),
    ("aws_provider_package_version", "21.22.1", "Use cdktn-provider-aws 21.23.0 to 25.8.1; 21.22.1 is a cdktf",
     {"framework": "cdktn"}),
    ("aws_provider_package_version", "25.8.1", "Use cdktf-cdktf-provider-aws 19.0.0 to 21.22.1; 25.8.1 is a cdktn", {}),
    ("cdktf_version", "0.20.0", "Use cdktn 0.0.1 to 0.24.0; 0.20.0 is a cdktf release",
     {"framework": "cdktn"}),
    # issue 21.9: a version of neither framework was "a cdktn pin"; it is said to be neither's, with the nearest
    ("cdktf_package_version", "0.99.0", "Use cdktf 0.21.0; 0.99.0 is no cdktf or cdktn release", {}),
    ("aws_provider_package_version", "26.0.0", "Use provider 25.8.1; 26.0.0 is no cdktf or cdktn provider release",
     {"framework": "cdktn"}),
    # A constraint the default prebuilt provider was not generated for (6.25.0 for cdktf's, 6.69.1 for cdktn's).
    ("aws_provider_constraint", "~> 6.25.0", "admitting 6.69.1: cdktn-provider-aws 25.8.1", {"framework": "cdktn"}),
    ("aws_provider_constraint", ">= 6.30", "admitting 6.25.0: cdktf-cdktf-provider-aws 21.22.1", {}),
    ("aws_provider_constraint", "~> 5.0", "admitting 6.69.1", {"framework": "cdktn"}),
    ("framework", "cdktn", "Use layout standalone for cdktn", {"layout": "monorepo"}),
    ("author", " ", "Give an author", {}),
    ("po_id", " ", "Give the task's id", {}),
    ("po_id", "unknown", "Give the task's id", {}),
    ("po_id", " trainr9", "Use one line without surrounding spaces", {}),
    ("started_at", "yesterday", "Use an ISO 8601 date-time", {}),
    ("started_at", "2026-12-07T10:00:00", "Use an ISO 8601 date-time", {}),
    ("subject_labels", [], "Give at least one label", {}),
    ("extra_tags", ["CostCenter"], "Use a YAML mapping", {}),
    ("extra_tags", {f"Tag{n}": "x" for n in range(41)}, "at most 40 extra tags", {}),
    ("extra_tags", {"aws:owner": "me"}, "without the aws: prefix", {}),
    ("extra_tags", {"Environment": "prod"}, "tap.py sets", {}),
    ("extra_tags", {"CostCenter": 1234}, "Quote the value", {}),
    ("extra_tags", {"CostCenterOfTheWholeCompany": 12345678901234567890}, "Quote the value", {}),
    ("extra_tags", {"Bad<Key>" * 20: "x"}, "Use keys of 1-128", {}),
    ("extra_tags", {"Owner": "a" * 257}, "Use values of 0-256", {}),
    ("extra_tags", {"aws:a": "x", "aws:b": "y"}, "without the aws: prefix, which AWS reserves: \"aws:a\"", {}),
    ("aws_services", ["S3", ""], "only non-empty strings", {}),
    ("pipeline_tags", "Repository", "Use a YAML list drawn from", {}),
    ("pipeline_tags", ["Repository", "Branch" * 9], "Use only Repository", {}),
    ("pipeline_tags", ["Team", "Team"], "listed twice", {}),
    ("pipeline_tags", ["Foo", "Foo"], "Use only Repository", {}),
    ("aws_services", [1, 2], "only non-empty strings in the list; 1 is not one", {}),
]
# Closed lists (the pipeline's): copier itself refuses a value outside the choices, before any validator.
NOT_A_CHOICE = [
    ("team", ""),
    ("team", "platform"),
    ("subtask", "Networking"),
    ("subject_labels", ["caching"]),
    # A label of another subtask: only the chosen subtask's labels are choices.
    ("subject_labels", ["Web Application Deployment"]),
    ("provider", "gcp"),
    ("wave", "P2"),
    ("complexity", "easy"),
    ("turn_type", "double"),
    ("layout", "nested"),
]
# How every message starts: with what would be accepted, so the prompt's one line shows it first.
OPENINGS = ("Use ", "Give ", "Include ", "List ", "Quote ")
PROMPT_WIDTH = 80

ACCEPTED = [
    ("project_name", "orders-api-2"),
    ("environment_suffix", "pr7312"),
    ("environment_suffix", "qa-2"),
    ("aws_region", "ap-southeast-2"),
    ("aws_region", "us-gov-west-1"),
    ("extra_regions", ["us-west-2", "eu-central-1"]),
    ("state_bucket", "my.org-tf-states.2"),
    ("state_key_pattern", "tap/{environment_suffix}/{stack_id}/terraform.tfstate"),
    ("aws_provider_constraint", ">= 5.80, < 7.0"),
    ("extra_tags", {"CostCenter": "1234", "Owner": "team@example.org"}),
    ("framework", "cdktn"),  # standalone (copy() adds it): the monorepo layout refuses cdktn
    ("cdktf_package_version", "0.21.0"),  # cdktf's last release, and cdktn's first
    ("aws_provider_constraint", "~> 6.25.0"),
    ("aws_region", "mx-central-1"),
    ("aws_region", "cn-northwest-1"),
    ("team", "synth-2"),
    ("po_id", "trainr97"),
    ("started_at", "2026-12-07T10:00:00.123+01:00"),
    ("subject_labels", ["Environment Migration", "Cloud Environment Setup"]),
    ("layout", "standalone"),
]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The template's files without git: copier reads them in place instead of cloning the repo per answer."""
    return copy_template(tmp_path_factory.mktemp("validators") / "template")


def copy(template, tmp_path, data):
    """Answer with `data` and defaults; render into tmp_path without running the hook.

    A cdktn answer set is standalone unless it says otherwise (the monorepo layout refuses cdktn)."""
    if data.get("framework") == "cdktn":
        data = {"layout": "standalone", **data}
    return run_copy(str(template), str(tmp_path / "out"), data=data, defaults=True, unsafe=True,
                    skip_tasks=True, quiet=True)


@pytest.mark.parametrize(("question", "value", "reason", "context"), REFUSED,
                         ids=[f"{q}-{i}" for i, (q, *_rest) in enumerate(REFUSED)])
def test_a_bad_answer_is_refused_with_a_reason(template, tmp_path, question, value, reason, context):
    # pylint: disable=too-many-positional-arguments  # two fixtures and the four fields of a parametrized case
    with pytest.raises(ValueError, match=f"Validation error for question '{question}'") as refused:
        copy(template, tmp_path, {**context, question: value})
    message = str(refused.value).split(": ", 1)[1]
    assert reason in message
    assert len(message) < PROMPT_WIDTH, f"{len(message)} characters: the prompt cuts it: {message!r}"
    assert message.startswith(OPENINGS) and "\n" not in message, message
    assert not (tmp_path / "out").exists(), "a refused answer must not leave a half-rendered project"


@pytest.mark.parametrize(("question", "value"), NOT_A_CHOICE,
                         ids=[f"{q}-{i}" for i, (q, _v) in enumerate(NOT_A_CHOICE)])
def test_a_value_outside_a_closed_list_is_refused(template, tmp_path, question, value):
    with pytest.raises(ValueError, match=f"Invalid choice for '{question}'"):
        copy(template, tmp_path, {question: value})
    assert not (tmp_path / "out").exists()


def test_each_message_is_one_line_even_with_several_problems(template, tmp_path):
    """Every problem of the list is wrong; the message names the first, alone, within the prompt's width."""
    with pytest.raises(ValueError) as refused:
        copy(template, tmp_path, {"extra_tags": {"aws:x": 1, "Environment": 2, "Bad<>": 3}})
    message = str(refused.value).split(": ", 1)[1]
    assert message.count("Use ") == 1 and len(message) < PROMPT_WIDTH, message


def test_every_validated_question_has_its_refusals_checked():
    import yaml  # pylint: disable=import-outside-toplevel

    config = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
    validated = {name for name, spec in config.items() if isinstance(spec, dict) and spec.get("validator")}
    assert validated <= {question for question, *_rest in REFUSED}


@pytest.mark.parametrize(("question", "value"), ACCEPTED, ids=[f"{q}-{i}" for i, (q, _v) in enumerate(ACCEPTED)])
def test_a_good_answer_is_accepted(template, tmp_path, question, value):
    copy(template, tmp_path, {question: value})
    assert (tmp_path / "out" / "tap.py").is_file()


def test_every_question_has_help_and_a_default():
    import yaml  # pylint: disable=import-outside-toplevel

    config = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
    questions = {k: v for k, v in config.items() if not k.startswith("_")}
    assert len(questions) >= 15
    for name, spec in questions.items():
        assert spec.get("help"), f"{name} has no help"
        assert "default" in spec, f"{name} has no default"


def test_run_py_shows_a_refused_data_answer_without_a_traceback(tmp_path):
    done = run(["python3", str(ROOT / "run.py"), "new", str(tmp_path / "task"), "--defaults",
                "--data", "environment_suffix=Dev_1"], tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output and "ValueError" not in output
    assert "copier copy: the answer to environment_suffix was refused" in output
    assert "  value:  Dev_1\n" in output and "  reason: Use 1-32 of a-z, 0-9, inner hyphens" in output
    assert not (tmp_path / "task").exists()


def test_run_py_update_shows_a_refused_data_answer_without_a_traceback(tmp_path):
    releases = sandbox.template_releases(ROOT, tmp_path / "template", [("0.2.0", None)])
    project = sandbox.generate(releases, "0.2.0", tmp_path / "task")
    done = run(["python3", str(ROOT / "run.py"), "update", str(project), "--defaults", "--data=aws_region=mars"],
               tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output
    assert "copier update: the answer to aws_region was refused" in output
    assert "  value:  mars\n" in output and "  reason: Use a region code like us-east-1" in output
    assert not gitutil.status_lines(project), "nothing was written"
