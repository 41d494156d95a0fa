"""Each validator refuses a bad answer with a reason, and accepts the good answers next to it."""
from __future__ import annotations

import pytest
from copier import run_copy

from helpers import ROOT

# (question, bad answer, a fragment of the reason, answers it depends on)
REFUSED = [
    ("project_name", "My Project", "must be a slug", {}),
    ("project_name", "-leading-hyphen", "must be a slug", {}),
    ("description", "   ", "one-sentence description", {}),
    ("description", "two\nlines", "one line", {}),
    ("environment_suffix", "Dev_1", "lowercase letters, digits and inner hyphens", {}),
    ("environment_suffix", "trailing-", "lowercase letters, digits and inner hyphens", {}),
    ("environment_suffix", "x" * 33, "1 to 32 characters", {}),
    ("aws_region", "us-east", "not an AWS region code", {}),
    ("aws_region", "US-EAST-1", "not an AWS region code", {}),
    ("extra_regions", "us-west-2", "must be a list of region codes", {}),
    ("extra_regions", ["us-west-9x"], "not an AWS region code", {}),
    ("extra_regions", ["us-east-1"], "already the primary region", {}),
    ("extra_regions", ["us-west-2", "us-west-2"], "listed twice", {}),
    ("state_bucket", "ab", "3 to 63 characters", {}),
    ("state_bucket", "My_Bucket", "only lowercase letters, digits, dots and hyphens", {}),
    ("state_bucket", "my..bucket", "two adjacent dots", {}),
    ("state_bucket", "192.168.5.4", "IP address", {}),
    ("state_bucket", "xn--states", "reserved prefix", {}),
    ("state_bucket", "states-s3alias", "reserved suffix", {}),
    ("state_bucket_region", "east", "not an AWS region code", {}),
    ("state_key_pattern", "{stack_id}.tfstate", "must contain {environment_suffix}", {}),
    ("state_key_pattern", "{environment_suffix}/{region}.tfstate", "only the placeholders", {}),
    ("state_key_pattern", "/{environment_suffix}/state", "must not start with a slash", {}),
    ("state_key_pattern", "{environment_suffix}/my state", "safe S3 key", {}),
    ("dynamodb_table", "ab", "3 to 255 characters", {"s3_locking": "dynamodb"}),
    ("dynamodb_table", "locks table", "3 to 255 characters", {"s3_locking": "dynamodb"}),
    ("aws_provider_constraint", "6.x", "not a Terraform version constraint", {}),
    ("aws_provider_constraint", "~> 6.0,", "not a Terraform version constraint", {}),
    ("cdktf_version", "latest", "one exact release", {}),
    ("aws_provider_package_version", ">=21", "one exact release", {}),
    ("author", " ", "Give an author", {}),
    ("team", "", "Give a team", {}),
    ("extra_tags", ["CostCenter"], "must be a mapping", {}),
    ("extra_tags", {"aws:owner": "me"}, "prefix aws:", {}),
    ("extra_tags", {"Environment": "prod"}, "set by tap.py", {}),
    ("extra_tags", {"CostCenter": 1234}, "not a string; quote it", {}),
    ("extra_tags", {"Bad<Key>": "x"}, "Tag key", {}),
    ("extra_tags", {"Owner": "a" * 257}, "at most 256 characters", {}),
    ("subject_labels", "networking", "must be a list of strings", {}),
    ("aws_services", ["S3", ""], "only non-empty strings", {}),
]

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
]


def copy(tmp_path, data):
    """Answer with `data` and defaults; render into tmp_path without running the hook."""
    return run_copy(str(ROOT), str(tmp_path / "out"), data=data, defaults=True, unsafe=True,
                    skip_tasks=True, quiet=True, vcs_ref="HEAD")


@pytest.mark.parametrize(("question", "value", "reason", "context"), REFUSED,
                         ids=[f"{q}-{i}" for i, (q, *_rest) in enumerate(REFUSED)])
def test_a_bad_answer_is_refused_with_a_reason(tmp_path, question, value, reason, context):
    with pytest.raises(ValueError, match=f"Validation error for question '{question}'") as refused:
        copy(tmp_path, {**context, question: value})
    assert reason in str(refused.value)
    assert not (tmp_path / "out").exists(), "a refused answer must not leave a half-rendered project"


@pytest.mark.parametrize(("question", "value"), ACCEPTED, ids=[f"{q}-{i}" for i, (q, _v) in enumerate(ACCEPTED)])
def test_a_good_answer_is_accepted(tmp_path, question, value):
    copy(tmp_path, {question: value})
    assert (tmp_path / "out" / "tap.py").is_file()


def test_every_question_has_help_and_a_default():
    import yaml  # pylint: disable=import-outside-toplevel

    config = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
    questions = {k: v for k, v in config.items() if not k.startswith("_")}
    assert len(questions) >= 15
    for name, spec in questions.items():
        assert spec.get("help"), f"{name} has no help"
        assert "default" in spec, f"{name} has no default"
