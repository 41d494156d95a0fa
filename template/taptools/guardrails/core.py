"""The findings, the rule list, and suppressing one rule on one construct.

RULES below is the one place that names every rule: id, severity, one-line
summary and the check that finds it. docs/guardrails.md's rule table is
generated from it (the template's tests/test_guardrail_docs.py), and
`python -m taptools.guardrails` prints it.
"""
# Template-owned: rendered by the TAP cdktf copier template. Change it through the
# template and `copier update`; local edits are merged on update and may conflict.
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from constructs import IConstruct

from .document import StackDoc
from .rules import (apigateway, cloudwatch, destroy, dynamodb, ec2, events, iam, kms, lambdas, messaging, naming, rds,
                    route53, s3, secretsmanager, tags)

SUPPRESS_KEY = "tap:guardrails:suppress"
ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Violation:
    """One broken rule: which construct, which rule, what is wrong and how to fix it."""

    rule: str
    path: str
    message: str
    fix: str
    severity: str = ERROR

    def __str__(self) -> str:
        return f"{self.rule} {self.message} (fix: {self.fix})"


@dataclass(frozen=True)
class Rule:
    """A rule: id, severity, one-line title, and the check that yields (construct path, message, fix)."""

    rule_id: str
    severity: str
    title: str
    check: Callable[[StackDoc], Iterable[tuple[str, str, str]]]


def _by_id(rules: Iterable[Rule]) -> dict[str, Rule]:
    table: dict[str, Rule] = {}
    for item in rules:
        if table.setdefault(item.rule_id, item) is not item:
            raise ValueError(f"two guardrail rules have the id {item.rule_id}: give the new one the next free id")
    return table


# Every rule, in id order (the order checks run and findings come out). 30x: values AWS rejects at apply;
# 31x: what stops `terraform destroy`; 32x: the pipeline's conventions; 33x and up: more of AWS's own checks.
RULES: dict[str, Rule] = _by_id((
    Rule("TAP301", ERROR, "CloudWatch log group retention_in_days is a value CloudWatch Logs accepts",
         cloudwatch.log_retention),
    Rule("TAP302", ERROR, "Route53 zones and records are not under a reserved domain (example.com/.net/.org)",
         route53.reserved_domains),
    Rule("TAP303", ERROR, "a security group never gets the same permission twice (inline or as rule resources)",
         ec2.duplicate_sg_rules),
    Rule("TAP304", ERROR, "Route53 A/AAAA records hold IP addresses (use an alias for AWS services)",
         route53.record_values),
    Rule("TAP305", ERROR, "Aurora clusters in a global database do not set backtrack_window", rds.backtrack_on_global),
    Rule("TAP306", ERROR, "a KMS key that encrypts a log group lets the CloudWatch Logs service use it",
         cloudwatch.log_group_key),
    Rule("TAP310", ERROR, "S3 buckets set force_destroy=True (the pipeline destroys every stack)", s3.force_destroy),
    Rule("TAP311", ERROR, "no deletion or termination protection (the pipeline destroys every stack)",
         destroy.deletion_protection),
    Rule("TAP312", ERROR, "databases set skip_final_snapshot=True (destroy needs no snapshot name, leaves none)",
         rds.final_snapshot),
    Rule("TAP313", ERROR, "no lifecycle prevent_destroy (the pipeline destroys every stack)", destroy.prevent_destroy),
    Rule("TAP320", ERROR, "every AWS provider sets default_tags=[{tags: ...}]", tags.provider_default_tags),
    Rule("TAP321", WARNING, "resource names carry the environment suffix (parallel deploys and cleanup rely on it)",
         naming.environment_suffix),
    Rule("TAP322", ERROR, "names and tags are deterministic (no timestamps, uuid(), datetime.now())",
         tags.deterministic),
    Rule("TAP330", ERROR, "AWS managed service-role policies are referenced under policy/service-role/",
         iam.managed_policy_path),
    Rule("TAP331", ERROR, "Lambda functions do not set reserved environment variables", lambdas.reserved_environment),
    Rule("TAP332", ERROR, "an SQS queue's visibility timeout is at least the timeout of the Lambda it triggers",
         messaging.sqs_visibility),
    Rule("TAP333", ERROR, "resource names fit AWS's length and character rules (S3 buckets, load balancers, ...)",
         naming.name_rules),
    Rule("TAP334", ERROR, "EventBridge schedule expressions are valid rate()/cron()", events.schedules),
    Rule("TAP335", ERROR, "IAM and resource policies are valid JSON documents", iam.policy_json),
    Rule("TAP336", ERROR, "Lambda timeout, memory and runtime are values Lambda accepts", lambdas.limits_and_runtimes),
    Rule("TAP337", ERROR, "application load balancers and DB subnet groups span at least two subnets", ec2.two_subnets),
    Rule("TAP338", ERROR, "an API Gateway deployment depends on its methods and integrations",
         apigateway.deployment_dependencies),
    Rule("TAP339", ERROR, "no Aurora Serverless v1 (engine_mode=serverless reached end of life)", rds.serverless_v1),
    Rule("TAP340", ERROR, "Route53 alias records set no ttl or records", route53.alias_conflicts),
    Rule("TAP341", ERROR, "FIFO queues and topics are named *.fifo, and only they are", messaging.fifo_names),
    Rule("TAP342", ERROR, "DynamoDB tables define exactly their key attributes, and capacity when PROVISIONED",
         dynamodb.tables),
    Rule("TAP343", ERROR, "KMS key deletion_window_in_days is 7-30", kms.deletion_window),
    Rule("TAP344", WARNING, "Secrets Manager secrets set recovery_window_in_days=0 (redeploys reuse the name)",
         secretsmanager.recovery_window),
    Rule("TAP345", ERROR, "CloudWatch alarms use a valid period, statistic and comparison operator", cloudwatch.alarms),
    Rule("TAP346", ERROR, "Auto Scaling groups have min_size <= desired_capacity <= max_size", ec2.asg_sizes),
    Rule("TAP347", ERROR, "every route of a route table has a destination (dict keys jsii dropped leave it empty)",
         ec2.empty_routes),
    Rule("TAP348", ERROR, "a Lambda zip (filename) is a cdktf asset or an existing absolute path", lambdas.zip_files),
    Rule("TAP350", ERROR, "no two resources of one type share a name (or a Lambda permission statement_id)",
         naming.duplicate_names),
    Rule("TAP351", ERROR, "subnets lie inside their VPC's CIDR and do not overlap each other", ec2.subnet_ranges),
    Rule("TAP352", ERROR, "references pass the attribute AWS expects (a role's name vs arn, a Lambda's invoke_arn)",
         iam.wrong_references),
    Rule("TAP353", ERROR, "literal database passwords are 8+ characters without / @ \" or spaces", rds.db_passwords),
))


def check(doc: Mapping, environment_suffix: str | None = None,
          provider_paths: Mapping[str, str] | None = None) -> list[Violation]:
    """Every violation in one synthesized stack document (a parsed cdk.tf.json)."""
    stack = StackDoc(doc, environment_suffix, provider_paths)
    return [
        Violation(item.rule_id, path, message, fix, item.severity)
        for item in RULES.values()
        for path, message, fix in item.check(stack)
    ]


def suppress(construct: IConstruct, rule_id: str, *, reason: str) -> IConstruct:
    """Turn one rule off for `construct` and everything inside it; the reason is shown at every synth."""
    if rule_id not in RULES:
        raise ValueError(f"unknown guardrail rule {rule_id!r}; the rules are {', '.join(RULES)}")
    if not reason or not reason.strip():
        raise ValueError(f"suppressing {rule_id} needs a reason: suppress(construct, {rule_id!r}, reason='why')")
    construct.node.add_metadata(SUPPRESS_KEY, {"rule": rule_id, "reason": reason.strip()})
    return construct


def suppression(construct: IConstruct, rule_id: str) -> str | None:
    """The reason `rule_id` is suppressed on `construct` or a scope around it, or None."""
    for scope in reversed(construct.node.scopes):
        for entry in scope.node.metadata:
            if entry.type == SUPPRESS_KEY and entry.data.get("rule") == rule_id:
                return entry.data.get("reason")
    return None


def main() -> None:
    """Print the rule list: id, severity, title."""
    for item in RULES.values():
        print(f"{item.rule_id}  {item.severity:<7}  {item.title}")
