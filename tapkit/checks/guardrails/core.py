"""The findings, the rule list, and suppressing one rule on one construct.

RULES below is the one place that names every rule: id, severity, one-line
summary, the check that finds it and why it matters. The template's
docs/guardrails.md rule table is generated from it (its
tests/test_guardrail_docs.py; UPDATE_DOCS=1 rewrites it), and
`python -m tapkit.checks.guardrails` prints it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from constructs import IConstruct

from tapkit import conventions
from .document import StackDoc
from .rules import (apigateway, cloudwatch, destroy, dynamodb, ec2, events, iam, kms, lambdas, messaging, naming, rds,
                    route53, s3, secretsmanager, tags)

# The node metadata TapStack.suppress() writes in the task (lib/tap_stack.py renders the same key).
SUPPRESS_KEY: str = conventions.DATA["pipeline"]["guardrail_suppress_key"]
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
    """A rule: id, severity, one-line title, the check that yields (construct path, message, fix), and why
    AWS or Terraform refuses what it finds (Markdown, for docs/guardrails.md's table)."""

    rule_id: str
    severity: str
    title: str
    check: Callable[[StackDoc], Iterable[tuple[str, str, str]]]
    why: str = ""


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
         cloudwatch.log_retention,
         why="accepted: 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, "
             "2557, 2922, 3288, 3653; 2555 (7 x 365) is refused at create, and the fix names the nearest "
             "value (2557)"),
    Rule("TAP302", ERROR, "Route53 zones and records are not under a reserved domain (example.com/.net/.org)",
         route53.reserved_domains,
         why="`InvalidDomainName: ... is reserved by AWS`"),
    Rule("TAP303", ERROR, "a security group never gets the same permission twice (inline or as rule resources)",
         ec2.duplicate_sg_rules,
         why="\"the same permission must not appear multiple times\": same direction, protocol, ports and "
             "source, inline (`ingress`/`egress`) or as `aws_security_group_rule` / "
             "`aws_vpc_security_group_*_rule`; sources are compared after following references "
             "(`vpc.cidr_block` = `\"10.0.0.0/16\"`) and normalizing CIDRs and protocol numbers"),
    Rule("TAP304", ERROR, "Route53 A/AAAA records hold IP addresses (use an alias for AWS services)",
         route53.record_values,
         why="records without `alias`: a Lambda ARN (or any `arn`/`id`/`url` attribute) is rejected; use an "
             "alias to API Gateway/ALB/CloudFront, or a CNAME"),
    Rule("TAP305", ERROR, "Aurora clusters in a global database do not set backtrack_window",
         rds.backtrack_on_global,
         why="\"Backtrack is not supported for global databases\" (a member: `global_cluster_identifier`, or "
             "the source of an `aws_rds_global_cluster`)"),
    Rule("TAP306", ERROR, "a KMS key that encrypts a log group lets the CloudWatch Logs service use it",
         cloudwatch.log_group_key,
         why="otherwise `AccessDeniedException` at create (the default key policy does not allow it)"),
    Rule("TAP310", ERROR, "S3 buckets set force_destroy=True (the pipeline destroys every stack)",
         s3.force_destroy,
         why="a bucket with objects refuses to be destroyed (`BucketNotEmpty`)"),
    Rule("TAP311", ERROR, "no deletion or termination protection (the pipeline destroys every stack)",
         destroy.deletion_protection,
         why="`terraform destroy` cannot delete a protected resource: `deletion_protection`, "
             "`deletion_protection_enabled`, `enable_deletion_protection`, `disable_api_termination` (and "
             "QLDB's default-on protection, turned off)"),
    Rule("TAP312", ERROR, "databases set skip_final_snapshot=True (destroy needs no snapshot name, leaves none)",
         rds.final_snapshot,
         why="`aws_db_instance`, `aws_rds_cluster`, DocumentDB, Neptune, Redshift: without it destroy fails "
             "(no `final_snapshot_identifier`) or leaves a snapshot whose name blocks the next deploy"),
    Rule("TAP313", ERROR, "no lifecycle prevent_destroy (the pipeline destroys every stack)",
         destroy.prevent_destroy,
         why="destroy refuses the whole stack"),
    Rule("TAP320", ERROR, "every AWS provider sets default_tags=[{tags: ...}]",
         tags.provider_default_tags,
         why="resources without Environment/Repository/Team tags cannot be attributed or audited; an extra "
             "provider (another region) is where this is forgotten"),
    Rule("TAP321", WARNING, "resource names carry the environment suffix (parallel deploys and cleanup rely on it)",
         naming.environment_suffix,
         why="literal `name`, `bucket`, `function_name`, `identifier`, ...; a warning: see below"),
    Rule("TAP322", ERROR, "names and tags are deterministic (no timestamps, uuid(), datetime.now())",
         tags.deterministic,
         why="timestamps, epochs, random UUIDs, `timestamp()`/`uuid()`: every synth differs, every plan shows"
             " changes, and a changed name replaces the resource"),
    Rule("TAP330", ERROR, "AWS managed service-role policies are referenced under policy/service-role/",
         iam.managed_policy_path,
         why="`arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole` does not exist (`NoSuchEntity`)"),
    Rule("TAP331", ERROR, "Lambda functions do not set reserved environment variables",
         lambdas.reserved_environment,
         why="`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `_HANDLER`, ...: `InvalidParameterValueException` at create"),
    Rule("TAP332", ERROR, "an SQS queue's visibility timeout is at least the timeout of the Lambda it triggers",
         messaging.sqs_visibility,
         why="`visibility_timeout_seconds` (default 30) below the function's timeout is refused at create of "
             "the event source mapping"),
    Rule("TAP333", ERROR, "resource names fit AWS's length and character rules (S3 buckets, load balancers, ...)",
         naming.name_rules,
         why="S3 bucket names; load balancer and target group names (32 chars); Lambda (64), IAM role/user "
             "(64), SQS (80), RDS/ElastiCache identifiers, ECR repositories, KMS aliases (`alias/`, not "
             "`alias/aws/`): a suffix appended to a long name breaks the limit at apply"),
    Rule("TAP334", ERROR, "EventBridge schedule expressions are valid rate()/cron()",
         events.schedules,
         why="`rate(1 minute)`, `rate(5 minutes)`, or a 6-field `cron()` with exactly one `?`; anything else "
             "is a `ValidationException`"),
    Rule("TAP335", ERROR, "IAM and resource policies are valid JSON documents",
         iam.policy_json,
         why="`policy`, `assume_role_policy`, `access_policies` need a `Statement`; each Terraform `${...}` "
             "in them (a reference, `${replace(...)}`) is taken as a value, and a policy that is one "
             "expression (`Fn.jsonencode(...)`, `data.aws_iam_policy_document.x.json`) is Terraform's to "
             "build; a string-formatted policy is easily invalid JSON, and Terraform reads `${aws:username}` "
             "as its own interpolation (escape it: `$${aws:username}`)"),
    Rule("TAP336", ERROR, "Lambda timeout, memory and runtime are values Lambda accepts",
         lambdas.limits_and_runtimes,
         why="`timeout` 1-900, `memory_size` 128-10240, no runtime AWS blocks for new functions (python3.7, "
             "nodejs14.x, go1.x, ...): refused at create"),
    Rule("TAP337", ERROR, "application load balancers and DB subnet groups span at least two subnets",
         ec2.two_subnets,
         why="\"at least two Availability Zones\" (DB, DocumentDB and Neptune subnet groups too)"),
    Rule("TAP338", ERROR, "an API Gateway deployment depends on its methods and integrations",
         apigateway.deployment_dependencies,
         why="otherwise Terraform may create it first: \"The REST API doesn't contain any methods\""),
    Rule("TAP339", ERROR, "no Aurora Serverless v1 (engine_mode=serverless reached end of life)",
         rds.serverless_v1,
         why="end of life; new clusters are refused"),
    Rule("TAP340", ERROR, "Route53 alias records set no ttl or records",
         route53.alias_conflicts,
         why="conflicts with `alias`"),
    Rule("TAP341", ERROR, "FIFO queues and topics are named *.fifo, and only they are",
         messaging.fifo_names,
         why="refused at create"),
    Rule("TAP342", ERROR, "DynamoDB tables define exactly their key attributes, and capacity when PROVISIONED",
         dynamodb.tables,
         why="\"all attributes must be indexed\"; `PROVISIONED` (the default) requires read and write capacity"),
    Rule("TAP343", ERROR, "KMS key deletion_window_in_days is 7-30",
         kms.deletion_window,
         why="refused"),
    Rule("TAP344", WARNING, "Secrets Manager secrets set recovery_window_in_days=0 (redeploys reuse the name)",
         secretsmanager.recovery_window,
         why="a warning: a destroyed secret with a fixed name stays scheduled for deletion, so the next "
             "deploy with the same name fails"),
    Rule("TAP345", ERROR, "CloudWatch alarms use a valid period, statistic and comparison operator",
         cloudwatch.alarms,
         why="period 10, 20, 30 or a multiple of 60; anything else is refused"),
    Rule("TAP346", ERROR, "Auto Scaling groups have min_size <= desired_capacity <= max_size",
         ec2.asg_sizes,
         why="refused"),
    Rule("TAP347", ERROR, "every route of a route table has a destination (dict keys jsii dropped leave it empty)",
         ec2.empty_routes,
         why="an empty route is what a dict with snake_case keys becomes (`RouteTable(route=[{\"cidr_block\": "
             "...}])`)"),
    Rule("TAP348", ERROR, "a Lambda zip (filename) is a cdktf asset or an existing absolute path",
         lambdas.zip_files,
         why="Terraform runs in `cdktf.out/stacks/<stack>`, so `filename=\"lambda.zip\"` is not found at apply;"
             " use `TerraformAsset(...).path`"),
    Rule("TAP350", ERROR, "no two resources of one type share a name (or a Lambda permission statement_id)",
         naming.duplicate_names,
         why="literal names, per region (S3 and IAM names account-wide): the second one fails with "
             "AlreadyExists"),
    Rule("TAP351", ERROR, "subnets lie inside their VPC's CIDR and do not overlap each other",
         ec2.subnet_ranges,
         why="references followed: `InvalidSubnet.Range` / `InvalidSubnet.Conflict`"),
    Rule("TAP352", ERROR, "references pass the attribute AWS expects (a role's name vs arn, a Lambda's invoke_arn)",
         iam.wrong_references,
         why="a role's `name` to "
             "`aws_iam_role_policy_attachment`/`aws_iam_role_policy`/`aws_iam_instance_profile`, its `arn` to"
             " a Lambda, a Lambda's `invoke_arn` to an API Gateway integration `uri`: ValidationError / "
             "\"Invalid ARN\" at apply"),
    Rule("TAP353", ERROR, "literal database passwords are 8+ characters without / @ \" or spaces",
         rds.db_passwords,
         why="InvalidParameterValue; better: `manage_master_user_password=True`"),
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
