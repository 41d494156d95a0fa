"""CloudWatch: log groups (retention, KMS key policy) and metric alarms."""
# Each check's one-line summary is its entry in tapkit/checks/guardrails/core.py RULES, not a docstring here.
# pylint: disable=missing-function-docstring
from __future__ import annotations

import json

from ..document import StackDoc, blocks, literal_str, number, whole_expression


LOG_RETENTION_DAYS = (0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                      2192, 2557, 2922, 3288, 3653)


def log_retention(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_cloudwatch_log_group"):
        days = number(config.get("retention_in_days"))
        if days is not None and days not in LOG_RETENTION_DAYS:
            nearest = min(LOG_RETENTION_DAYS[1:], key=lambda allowed, d=days: (abs(allowed - d), -allowed))
            yield (doc.path(rtype, name, config),
                   f"retention_in_days={days:g} is not a retention CloudWatch Logs accepts",
                   f"use {nearest} (allowed: {', '.join(map(str, LOG_RETENTION_DAYS[1:]))}; 0 = never expire)")


def _key_policy(doc: StackDoc, key_name: str):
    for _, _, config in doc.resources("aws_kms_key_policy"):
        target = doc.ref(config.get("key_id"))
        if target and target[:2] == ("aws_kms_key", key_name):
            return config.get("policy")
    return doc.resource("aws_kms_key", key_name).get("policy")


def _allows_logs(policy: str) -> bool:
    try:
        statements = blocks(json.loads(policy).get("Statement"))
    except (ValueError, AttributeError):
        return True  # TAP335 reports a policy that is not JSON
    return any(s.get("Effect") == "Allow" and "logs." in json.dumps(s.get("Principal")) for s in statements)


def log_group_key(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_cloudwatch_log_group"):
        key = doc.ref(config.get("kms_key_id"))
        if not key or key[0] != "aws_kms_key" or doc.resource("aws_kms_key", key[1]) is None:
            continue
        policy = _key_policy(doc, key[1])
        if policy is None or not whole_expression(policy) and not _allows_logs(policy):
            yield (doc.path(rtype, name, config),
                   f"log group is encrypted with KMS key {doc.where(*key[:2])}, whose key policy does not allow the "
                   "CloudWatch Logs service principal (AccessDeniedException at create)",
                   'add a statement allowing Principal {"Service": "logs.<region>.amazonaws.com"} kms:Encrypt*, '
                   "kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey*, kms:Describe* to the key policy")


ALARM_STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")


ALARM_OPERATORS = ("GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
                   "LessThanOrEqualToThreshold", "LessThanLowerOrGreaterThanUpperThreshold",
                   "LessThanLowerThreshold", "GreaterThanUpperThreshold")


def alarms(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_cloudwatch_metric_alarm"):
        path, period = doc.path(rtype, name, config), number(config.get("period"))
        if period is not None and period not in (10, 20, 30) and period % 60:
            yield path, f"period={period:g} is not 10, 20, 30 or a multiple of 60", "use 60 (or 300)"
        statistic = literal_str(config.get("statistic"))
        if statistic is not None and statistic not in ALARM_STATISTICS:
            yield path, f"statistic={statistic!r} is not one of {', '.join(ALARM_STATISTICS)}", \
                "use one of those, or extended_statistic='p99' for percentiles"
        operator = literal_str(config.get("comparison_operator"))
        if operator is not None and operator not in ALARM_OPERATORS:
            yield path, f"comparison_operator={operator!r} is invalid", f"use one of {', '.join(ALARM_OPERATORS)}"
