"""Resource names: the environment suffix, AWS's length and character rules, no two alike."""
# Each check's one-line summary is its entry in tapkit/checks/guardrails/core.py RULES, not a docstring here.
# pylint: disable=missing-function-docstring
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from tapkit import conventions
from ..document import StackDoc, literal_str
from .s3 import s3_bucket_name_problem


NAME_ATTRIBUTES = ("name", "name_prefix", "bucket", "bucket_prefix", "function_name", "identifier",
                   "cluster_identifier", "replication_group_id", "cluster_id")


# Resources whose name is unique only inside a parent that already carries the suffix.
SCOPED_NAMES = frozenset((
    "aws_route53_record", "aws_route53_zone", "aws_iam_role_policy", "aws_lambda_alias", "aws_lambda_permission",
    "aws_api_gateway_stage", "aws_api_gateway_resource", "aws_apigatewayv2_stage", "aws_apigatewayv2_route",
    "aws_ecs_service", "aws_appautoscaling_policy", "aws_autoscaling_policy", "aws_cloudwatch_log_stream",
    "aws_glue_catalog_table", "aws_security_group", "aws_wafv2_ip_set", "aws_s3_object", "aws_ssm_document",
    "aws_lb_listener_rule", "aws_cloudwatch_event_target", "aws_lambda_function_url",
))


def name_values(config: Mapping) -> Iterator[tuple[str, str]]:
    for key in NAME_ATTRIBUTES:
        if isinstance(config.get(key), str):
            yield key, config[key]


def environment_suffix(doc: StackDoc):
    suffix = (doc.environment_suffix or "").lower()
    for rtype, name, config in doc.resources():
        if not suffix or rtype in SCOPED_NAMES:
            continue
        for key, value in name_values(config):
            if not key.endswith("_prefix") and literal_str(value) is not None and suffix not in value.lower():
                yield (doc.path(rtype, name, config),
                       f"{key}={value!r} lacks the environment suffix {suffix!r}: two environments collide on it",
                       f'build it with stack.name("{value}")')


_LOWER_ID = r"[a-z][a-z0-9]*(-[a-z0-9]+)*"


_NAME_PATTERNS = {  # pattern -> what it allows, for the message
    r"(?!internal-)[A-Za-z0-9]+(-[A-Za-z0-9]+)*": "letters, digits, inner hyphens",
    r"[A-Za-z0-9_-]+(\.fifo)?": "letters, digits, - and _",
    r"[\w+=,.@-]+": "letters, digits and +=,.@_-",
    r"[.\-_A-Za-z0-9]+": "letters, digits and .-_",
    conventions.DATA["rules"]["dynamodb_table"][0]["match"]: "3+ letters, digits and _.-",  # as the questionnaire
    _LOWER_ID: "lowercase letters, digits, single inner hyphens",
    r"[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*": "a letter, then letters, digits, single inner hyphens",
    r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*": "lowercase letters, digits and ._-/",
    r"alias/(?!aws/)[A-Za-z0-9/_-]+": "alias/ then letters, digits and /_-",
}


_LB, _WORD, _IAM, _EVENT, _TABLE, _, _CACHE, _ECR, _ALIAS = _NAME_PATTERNS


# (type, attribute, longest, pattern)
NAME_RULES = (
    ("aws_lb", "name", 32, _LB), ("aws_alb", "name", 32, _LB), ("aws_lb_target_group", "name", 32, _LB),
    ("aws_alb_target_group", "name", 32, _LB), ("aws_lambda_function", "function_name", 64, _WORD),
    ("aws_iam_role", "name", 64, _IAM), ("aws_iam_user", "name", 64, _IAM), ("aws_iam_policy", "name", 128, _IAM),
    ("aws_iam_instance_profile", "name", 128, _IAM), ("aws_sqs_queue", "name", 80, _WORD),
    ("aws_sns_topic", "name", 256, _WORD), ("aws_cloudwatch_event_rule", "name", 64, _EVENT),
    ("aws_sfn_state_machine", "name", 80, _WORD), ("aws_dynamodb_table", "name", 255, _TABLE),
    ("aws_db_instance", "identifier", 63, _LOWER_ID), ("aws_rds_cluster", "cluster_identifier", 63, _LOWER_ID),
    ("aws_elasticache_replication_group", "replication_group_id", 40, _CACHE),
    ("aws_elasticache_cluster", "cluster_id", 50, _CACHE), ("aws_ecr_repository", "name", 256, _ECR),
    ("aws_kms_alias", "name", 256, _ALIAS),
)


def name_rules(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_s3_bucket"):
        bucket = literal_str(config.get("bucket"))
        problem = bucket is not None and s3_bucket_name_problem(bucket)
        if problem:
            suggestion = re.sub(r"[^a-z0-9.-]+", "-", bucket.lower()).strip("-.")[:63].rstrip("-.") or "data"
            yield (doc.path(rtype, name, config), f"bucket name {bucket!r} is invalid: it {problem}",
                   f"use a valid name such as {suggestion!r}")
    for rtype, attribute, longest, pattern in NAME_RULES:
        for _, name, config in doc.resources(rtype):
            value = literal_str(config.get(attribute))
            if value is not None and (len(value) > longest or not re.fullmatch(pattern, value)):
                yield (doc.path(rtype, name, config),
                       f"{attribute}={value!r} ({len(value)} chars) is invalid for {rtype}: at most {longest} "
                       f"characters, {_NAME_PATTERNS[pattern]}", "shorten or rename it (keep the environment suffix)")


_GLOBAL_NAMES = ("aws_s3_bucket", "aws_iam_")


def _identities(doc: StackDoc) -> Iterator[tuple[tuple, str, str, str]]:
    """(identity key, what, path, name) for resources whose names must be unique in an account (and region)."""
    for rtype, name, config in doc.resources():
        if rtype == "aws_lambda_permission":
            function, sid = config.get("function_name"), literal_str(config.get("statement_id"))
            if sid is not None:
                yield (rtype, function, sid), f"statement_id {sid!r}", doc.path(rtype, name, config), sid
            continue
        if rtype in SCOPED_NAMES or "count" in config or "for_each" in config:
            continue
        region = None if rtype.startswith(_GLOBAL_NAMES) else config.get("provider", "aws")
        for key, value in name_values(config):
            if not key.endswith("_prefix") and literal_str(value) is not None:
                yield (rtype, key, value, region), f"{key}={value!r}", doc.path(rtype, name, config), value


def duplicate_names(doc: StackDoc):
    seen: dict[tuple, str] = {}
    for key, what, path, _ in _identities(doc):
        if key in seen:
            yield (path, f"{what} is also used by {seen[key]} (AlreadyExists at create)",
                   "give each resource its own name, e.g. stack.name(\"<purpose>\")")
        else:
            seen[key] = path
