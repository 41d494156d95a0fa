"""IAM and resource policies: managed policy paths, policy JSON, role name vs arn references."""
# Each check's one-line summary is its entry in tapkit/checks/guardrails/core.py RULES, not a docstring here.
# pylint: disable=missing-function-docstring
from __future__ import annotations

import json
import re
from collections.abc import Iterator

from ..document import StackDoc


SERVICE_ROLE_POLICIES = frozenset("""
    AWSLambdaBasicExecutionRole AWSLambdaVPCAccessExecutionRole AWSLambdaKinesisExecutionRole AWSLambdaMSKExecutionRole
    AWSLambdaDynamoDBExecutionRole AWSLambdaSQSQueueExecutionRole AWSLambdaENIManagementAccess AWSGlueServiceRole
    AmazonECSTaskExecutionRolePolicy AmazonEC2ContainerServiceforEC2Role AmazonEC2ContainerServiceRole AWS_ConfigRole
    AmazonRDSEnhancedMonitoringRole AmazonAPIGatewayPushToCloudWatchLogs AWSBackupServiceRolePolicyForBackup
    AWSBackupServiceRolePolicyForRestores AmazonSSMAutomationRole AWSCodeDeployRole AWSAppSyncPushToCloudWatchLogs
    AmazonDMSVPCManagementRole AmazonDMSCloudWatchLogsRole AWSTransferLoggingAccess AmazonElasticMapReduceRole
    AmazonElasticMapReduceforEC2Role""".split())


_MANAGED_POLICY = re.compile(r"arn:aws:iam::aws:policy/([A-Za-z0-9_+=,.@-]+)")


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def managed_policy_path(doc: StackDoc):
    for rtype, name, config in doc.resources():
        for text in _strings({k: v for k, v in config.items() if k != "//"}):
            found = _MANAGED_POLICY.fullmatch(text)
            if found and found[1] in SERVICE_ROLE_POLICIES:
                yield (doc.path(rtype, name, config), f"{text} does not exist (NoSuchEntity at attach)",
                       f"use arn:aws:iam::aws:policy/service-role/{found[1]}")


POLICY_ATTRIBUTES = ("policy", "assume_role_policy", "access_policies", "redrive_policy")


_POLICY_VARIABLE = re.compile(r"(?<!\$)\$\{(?:aws|s3|ec2|iam|sts|saml|ssm|[a-z0-9.-]+\.com):[\w/-]+(?=\})")


def _expression_end(text: str, start: int) -> int:
    """Index just past the `}` that closes the `${` at `start` (nested braces counted), or len(text)."""
    depth = 0
    for index in range(start + 1, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return index + 1
    return len(text)


def terraform_json(text: str) -> tuple[str, bool]:
    """(text with every Terraform ${...} replaced by a same-length JSON stand-in, whether the whole text is one).

    Terraform evaluates the ${...} expressions (a reference, replace(...), jsonencode({...})) before AWS
    reads the JSON: inside a JSON string one stands for text, outside one for a value. Stand-ins keep
    offsets, so a JSON error's column is the column in the policy. `$${` is Terraform's escaped `${`."""
    out, index, in_string, whole = [], 0, False, False
    while index < len(text):
        char = text[index]
        if text.startswith("$${", index):
            out.append("$${")
            index += 3
            continue
        if text.startswith("${", index):
            end = _expression_end(text, index)
            whole = index == 0 and end == len(text)
            out.append(("x" * (end - index)) if in_string else "0" + " " * (end - index - 1))
            index = end
            continue
        if in_string and char == "\\":
            out.append(text[index:index + 2])
            index += 2
            continue
        in_string ^= char == '"'
        out.append(char)
        index += 1
    return "".join(out), whole


def policy_json(doc: StackDoc):
    for rtype, name, config in doc.resources():
        for key in POLICY_ATTRIBUTES:
            text = config.get(key)
            if not isinstance(text, str):
                continue
            variable = _POLICY_VARIABLE.search(text)
            if variable:
                yield (doc.path(rtype, name, config), f"{key} holds the IAM variable {variable[0]}}}, which Terraform "
                       "reads as its own interpolation (plan fails)", f"escape it in Python: '$${variable[0][1:]}}}'")
            plain, whole = terraform_json(text)
            if whole or re.search(r"(?<!%)%\{", text):
                continue  # a reference or jsonencode(...) Terraform builds, or a template directive: not ours to read
            try:
                parsed = json.loads(plain)
            except ValueError as error:
                tokens = "; each Terraform ${...} in it taken as a value" if plain != text else ""
                yield (doc.path(rtype, name, config), f"{key} is not valid JSON ({error}{tokens})",
                       "build it with json.dumps({...}) or Fn.jsonencode({...}) instead of formatting a string; "
                       "references such as bucket.arn may go inside either")
                continue
            if key != "redrive_policy" and "lifecycle" not in rtype and not (
                    isinstance(parsed, dict) and "Statement" in parsed):
                yield (doc.path(rtype, name, config), f"{key} has no Statement (MalformedPolicyDocument)",
                       'give it {"Version": "2012-10-17", "Statement": [...]}')


# (resource type, attribute, the referenced attribute that is wrong there, the right one)
WRONG_REFERENCES = (
    ("aws_iam_role_policy_attachment", "role", "arn", "name"),
    ("aws_iam_role_policy", "role", "arn", "name"),
    ("aws_iam_instance_profile", "role", "arn", "name"),
    ("aws_lambda_function", "role", "name", "arn"),
    ("aws_lambda_function", "role", "id", "arn"),
    ("aws_api_gateway_integration", "uri", "arn", "invoke_arn"),
)


def wrong_references(doc: StackDoc):
    for rtype, attribute, wrong, right in WRONG_REFERENCES:
        for _, name, config in doc.resources(rtype):
            target = doc.ref(config.get(attribute))
            if target and target[2] == wrong and target[0] in ("aws_iam_role", "aws_lambda_function"):
                yield (doc.path(rtype, name, config), f"{attribute} is the {wrong} of {doc.where(*target[:2])}; "
                       f"{rtype}.{attribute} takes its {right} (ValidationError at apply)",
                       f"pass <{target[0].replace('aws_', '')}>.{right}")
