"""Synth-time guardrails: refuse known deploy-blockers before Terraform ever sees them.

TapStack applies them with one call (guardrails.apply(self)). At synth, a cdktf
Aspect resolves the stack to its Terraform JSON and runs every rule below on
it. A violation becomes an annotation on the construct that caused it:
  error    `python tap.py` (app.synth) fails and prints
           [<construct path>] TAPnnn <what is wrong> (fix: <how>)
  warning  printed to stderr (and to cdktf.out/manifest.json); synth succeeds.
Unit tests see the same annotations: violations(stack) after Testing.synth.

Each rule targets a mistake that synthesizes fine but fails `terraform apply`
or `terraform destroy` (or leaves state that breaks the next deploy). The rule
list, severities and reasons are in the template's docs/guardrails.md;
`python -m lib.guardrails` prints them.

Suppress one rule on one construct (and the constructs inside it), with a reason:
    guardrails.suppress(bucket, "TAP310", reason="holds audit logs; emptied by the cleanup job")
A suppressed violation stays visible as an info annotation that quotes the reason.
"""
# Template-owned: rendered by the TAP cdktf copier template. Change it through the
# template and `copier update`; local edits are merged on update and may conflict.
# One registry of small, independent rules reads best as one file, longer than pylint's default.
# pylint: disable=too-many-lines
from __future__ import annotations

import ipaddress
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

import jsii
from cdktf import Annotations, Aspects, IAspect, TerraformProvider, TerraformStack
from constructs import IConstruct

SUPPRESS_KEY = "tap:guardrails:suppress"
ERROR, WARNING = "error", "warning"
_REF = re.compile(r"\$\{(?P<type>[a-z][a-z0-9_]*)\.(?P<name>[A-Za-z_][A-Za-z0-9_-]*)\.(?P<attr>[a-z0-9_]+)\}")


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
    """A registered check: id, severity, one-line title, and the function that finds violations."""

    rule_id: str
    severity: str
    title: str
    check: Callable[[StackDoc], Iterable[tuple[str, str, str]]]


RULES: dict[str, Rule] = {}


def rule(rule_id: str, severity: str, title: str):
    """Register a check that yields (construct path, message, fix) for each violation."""

    def register(func):
        RULES[rule_id] = Rule(rule_id, severity, title, func)
        return func

    return register


def is_token(value) -> bool:
    """Whether a synthesized value is (or contains) a Terraform expression, unknown until apply."""
    return isinstance(value, str) and "${" in value


def literal_str(value) -> str | None:
    """The value if it is a plain string known at synth, else None."""
    return value if isinstance(value, str) and not is_token(value) else None


def whole_expression(value) -> bool:
    """Whether a string is one Terraform expression (a reference, jsonencode(...)), built at apply."""
    return isinstance(value, str) and bool(re.fullmatch(r"\$\{[^{}]*\}", value))


def number(value) -> float | None:
    """The value if it is a plain number known at synth, else None."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def blocks(value) -> list[dict]:
    """A nested block as a list of dicts, whether synthesized as one dict or a list of them."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


class StackDoc:
    """The synthesized stack JSON with the look-ups the rules need."""

    def __init__(self, doc: Mapping, environment_suffix: str | None = None,
                 provider_paths: Mapping[str, str] | None = None) -> None:
        self.doc = doc
        self.environment_suffix = environment_suffix
        self.provider_paths = dict(provider_paths or {})
        self.stack_path = doc.get("//", {}).get("metadata", {}).get("stackName", "stack")

    def resources(self, *types: str) -> Iterator[tuple[str, str, dict]]:
        """(type, name, config) of every resource, or of the given types."""
        for rtype, named in self.doc.get("resource", {}).items():
            if types and rtype not in types:
                continue
            for name, config in named.items():
                yield rtype, name, config

    def resource(self, rtype: str, name: str) -> dict | None:
        """One resource's config, or None."""
        return self.doc.get("resource", {}).get(rtype, {}).get(name)

    @staticmethod
    def path(rtype: str, name: str, config: Mapping) -> str:
        """The construct path of a resource, as synth prints it."""
        return config.get("//", {}).get("metadata", {}).get("path", f"{rtype}.{name}")

    def deref(self, value, depth: int = 4):
        """Follow a reference like ${aws_vpc.main.cidr_block} to the literal it was given, if any."""
        while depth and isinstance(value, str):
            found = _REF.fullmatch(value)
            target = found and self.resource(found["type"], found["name"])
            if not target or found["attr"] not in target:
                break
            value, depth = target[found["attr"]], depth - 1
        return value

    def where(self, rtype: str, name: str) -> str:
        """The construct path of a referenced resource (its logical name if it is not in this stack)."""
        config = self.resource(rtype, name)
        return self.path(rtype, name, config) if config is not None else f"{rtype}.{name}"

    @staticmethod
    def ref(value) -> tuple[str, str, str] | None:
        """(type, name, attribute) when the value is exactly one resource reference."""
        found = _REF.fullmatch(value) if isinstance(value, str) else None
        return (found["type"], found["name"], found["attr"]) if found else None


# ----------------------------------------------------------------- AWS-side validation


LOG_RETENTION_DAYS = (0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                      2192, 2557, 2922, 3288, 3653)


@rule("TAP301", ERROR, "CloudWatch log group retention_in_days is a value CloudWatch Logs accepts")
def _log_retention(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_cloudwatch_log_group"):
        days = number(config.get("retention_in_days"))
        if days is not None and days not in LOG_RETENTION_DAYS:
            nearest = min(LOG_RETENTION_DAYS[1:], key=lambda allowed, d=days: (abs(allowed - d), -allowed))
            yield (doc.path(rtype, name, config),
                   f"retention_in_days={days:g} is not a retention CloudWatch Logs accepts",
                   f"use {nearest} (allowed: {', '.join(map(str, LOG_RETENTION_DAYS[1:]))}; 0 = never expire)")


RESERVED_DOMAINS = ("example.com", "example.net", "example.org")


def reserved_domain(name) -> str | None:
    """The reserved domain a DNS name falls under, if any."""
    text = literal_str(name)
    if text is None:
        return None
    text = text.rstrip(".").lower()
    return next((d for d in RESERVED_DOMAINS if text == d or text.endswith("." + d)), None)


@rule("TAP302", ERROR, "Route53 zones and records are not under a reserved domain (example.com/.net/.org)")
def _reserved_domains(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_route53_zone", "aws_route53_record"):
        domain = reserved_domain(config.get("name"))
        if domain:
            what = "hosted zone" if rtype == "aws_route53_zone" else "record"
            yield (doc.path(rtype, name, config),
                   f"{what} {config['name']!r} is under {domain}, which AWS reserves (InvalidDomainName)",
                   "use a domain you own, or a private zone under a non-reserved name such as "
                   "app-<suffix>.internal")


_PROTOCOLS = {"-1": "all", "all": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


def _permission_sources(block: Mapping, doc: StackDoc) -> list[str]:
    sources = []
    for key in ("cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6"):
        values = block.get(key)
        for value in values if isinstance(values, list) else [values] if values else []:
            value = doc.deref(value)
            try:
                sources.append(str(ipaddress.ip_network(value, strict=False)))
            except (TypeError, ValueError):
                sources.append(str(value))
    for key in ("prefix_list_ids", "prefix_list_id", "security_groups", "source_security_group_id",
                "referenced_security_group_id"):
        values = block.get(key)
        sources += [f"sg/pl {v}" for v in (values if isinstance(values, list) else [values] if values else [])]
    if block.get("self") is True:
        sources.append("self")
    return sources


def _permissions(block: Mapping, doc: StackDoc) -> list[tuple]:
    """The atomic permissions (protocol, from, to, source) one rule grants."""
    protocol = str(block.get("protocol", block.get("ip_protocol", ""))).lower()
    protocol = _PROTOCOLS.get(protocol, protocol)
    ports = ("*", "*") if protocol == "all" else (block.get("from_port"), block.get("to_port"))
    return [(protocol, *ports, source) for source in _permission_sources(block, doc)]


def _rule_entries(doc: StackDoc) -> Iterator[tuple[str, str, str, Mapping]]:
    """(group key, direction, where, rule block) of every inline and separate security-group rule."""
    for rtype, name, config in doc.resources("aws_security_group"):
        for direction in ("ingress", "egress"):
            for index, block in enumerate(blocks(config.get(direction))):
                yield (f"${{aws_security_group.{name}.id}}", direction,
                       f"{doc.path(rtype, name, config)} ({direction} #{index + 1})", block)
    for rtype, name, config in doc.resources("aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
                                             "aws_vpc_security_group_egress_rule"):
        if "count" in config or "for_each" in config:
            continue  # one config, many instances: their values differ at apply
        direction = config.get("type") or ("ingress" if rtype.endswith("ingress_rule") else "egress")
        yield str(config.get("security_group_id")), direction, doc.path(rtype, name, config), config


@rule("TAP303", ERROR, "a security group never gets the same permission twice (inline or as rule resources)")
def _duplicate_sg_rules(doc: StackDoc):
    seen: dict[tuple, str] = {}
    for group, direction, where, block in _rule_entries(doc):
        for permission in dict.fromkeys(_permissions(block, doc)):
            key = (group, direction, *permission)
            if key in seen:
                protocol, low, high, source = permission
                ports = "all ports" if protocol == "all" else f"port {low}" if low == high else f"ports {low}-{high}"
                yield (where.split(" (")[0],
                       f"{direction} {protocol} {ports} from {source} is granted twice: {where} repeats "
                       f"{seen[key]} (AWS: the same permission must not appear multiple times)",
                       "keep one rule for it: merge the descriptions, or drop the CIDR from one of them")
            else:
                seen[key] = where


@rule("TAP304", ERROR, "Route53 A/AAAA records hold IP addresses (use an alias for AWS services)")
def _record_values(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_route53_record"):
        kind = str(config.get("type", "")).upper()
        if kind not in ("A", "AAAA") or config.get("alias"):
            continue
        for value in config.get("records") or []:
            problem = _not_an_ip(value, 4 if kind == "A" else 6, doc)
            if problem:
                yield (doc.path(rtype, name, config), f"{kind} record value {problem}",
                       "A/AAAA records take IP addresses; to reach Lambda, API Gateway, a load balancer or "
                       "CloudFront use alias={name, zone_id, evaluate_target_health} with its domain, or a CNAME")


def _not_an_ip(value, version: int, doc: StackDoc) -> str | None:
    text = literal_str(value)
    if text is not None:
        try:
            if ipaddress.ip_address(text).version == version:
                return None
        except ValueError:
            pass
        return f"{text!r} is not an IPv{version} address"
    target = doc.ref(value)
    if target and "ip" not in target[2]:
        return f"{value} (the {target[2]} of {doc.where(*target[:2])}) is not an IPv{version} address"
    return None


def _global_members(doc: StackDoc) -> set[str]:
    """Names of aws_rds_cluster resources a global cluster is built from."""
    members = set()
    for _, _, config in doc.resources("aws_rds_global_cluster"):
        source = doc.ref(config.get("source_db_cluster_identifier"))
        if source and source[0] == "aws_rds_cluster":
            members.add(source[1])
    return members


@rule("TAP305", ERROR, "Aurora clusters in a global database do not set backtrack_window")
def _backtrack_on_global(doc: StackDoc):
    members = _global_members(doc)
    for rtype, name, config in doc.resources("aws_rds_cluster"):
        window = config.get("backtrack_window")
        in_global = bool(config.get("global_cluster_identifier")) or name in members
        if window not in (None, 0) and in_global:
            yield (doc.path(rtype, name, config),
                   f"backtrack_window={window} on a cluster of a global database "
                   "(AWS: Backtrack is not supported for global databases)",
                   "remove backtrack_window; use point-in-time recovery (backup_retention_period) instead")


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


@rule("TAP306", ERROR, "a KMS key that encrypts a log group lets the CloudWatch Logs service use it")
def _log_group_key(doc: StackDoc):
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


# ----------------------------------------------------------------- destroyability


@rule("TAP310", ERROR, "S3 buckets set force_destroy=True (the pipeline destroys every stack)")
def _bucket_force_destroy(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_s3_bucket"):
        if config.get("force_destroy") is not True and not is_token(config.get("force_destroy")):
            yield (doc.path(rtype, name, config),
                   "S3 bucket without force_destroy: destroy fails once it holds objects (BucketNotEmpty)",
                   "pass force_destroy=True")


_PROTECTION_KEYS = ("deletion_protection", "deletion_protection_enabled", "enable_deletion_protection",
                    "disable_api_termination")
_PROTECTED_BY_DEFAULT = {"aws_qldb_ledger": "deletion_protection"}


@rule("TAP311", ERROR, "no deletion or termination protection (the pipeline destroys every stack)")
def _deletion_protection(doc: StackDoc):
    for rtype, name, config in doc.resources():
        for key in _PROTECTION_KEYS:
            value = config.get(key, True if _PROTECTED_BY_DEFAULT.get(rtype) == key else None)
            if value is True or str(value).upper() in ("ACTIVE", "ENABLED"):
                off = '"INACTIVE"' if isinstance(value, str) else "False"
                yield (doc.path(rtype, name, config), f"{key} is on: `terraform destroy` cannot delete this {rtype}",
                       f"pass {key}={off}")


_FINAL_SNAPSHOT_TYPES = ("aws_db_instance", "aws_rds_cluster", "aws_docdb_cluster", "aws_neptune_cluster",
                         "aws_redshift_cluster")


@rule("TAP312", ERROR, "databases set skip_final_snapshot=True (destroy needs no snapshot name, leaves none)")
def _final_snapshot(doc: StackDoc):
    for rtype, name, config in doc.resources(*_FINAL_SNAPSHOT_TYPES):
        if config.get("skip_final_snapshot") is not True and not is_token(config.get("skip_final_snapshot")):
            yield (doc.path(rtype, name, config),
                   f"{rtype} without skip_final_snapshot=True: destroy fails (no final_snapshot_identifier) or "
                   "leaves a snapshot whose name blocks the next deploy",
                   "pass skip_final_snapshot=True")


@rule("TAP313", ERROR, "no lifecycle prevent_destroy (the pipeline destroys every stack)")
def _prevent_destroy(doc: StackDoc):
    for rtype, name, config in doc.resources():
        if blocks(config.get("lifecycle")) and blocks(config["lifecycle"])[0].get("prevent_destroy") is True:
            yield (doc.path(rtype, name, config), "lifecycle prevent_destroy=True: `terraform destroy` refuses the "
                   "whole stack", "remove prevent_destroy from the lifecycle")


# ----------------------------------------------------------------- conventions


@rule("TAP320", ERROR, "every AWS provider sets default_tags=[{tags: ...}]")
def _provider_tags(doc: StackDoc):
    for provider in doc.doc.get("provider", {}).get("aws", []):
        alias = provider.get("alias") or ""
        tags = blocks(provider.get("default_tags"))
        if not any(block.get("tags") for block in tags):
            yield (doc.provider_paths.get(alias, f"{doc.stack_path}/aws{'_' + alias if alias else ''}"),
                   f"AWS provider {alias or '(default)'} has no default_tags: its resources carry no Environment, "
                   "Repository or Team tag", "pass default_tags=[AwsProviderDefaultTags(tags=stack.default_tags)]")


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


def _names(config: Mapping) -> Iterator[tuple[str, str]]:
    for key in NAME_ATTRIBUTES:
        if isinstance(config.get(key), str):
            yield key, config[key]


@rule("TAP321", WARNING, "resource names carry the environment suffix (parallel deploys and cleanup rely on it)")
def _name_suffix(doc: StackDoc):
    suffix = (doc.environment_suffix or "").lower()
    for rtype, name, config in doc.resources():
        if not suffix or rtype in SCOPED_NAMES:
            continue
        for key, value in _names(config):
            if not key.endswith("_prefix") and literal_str(value) is not None and suffix not in value.lower():
                yield (doc.path(rtype, name, config),
                       f"{key}={value!r} lacks the environment suffix {suffix!r}: two environments collide on it",
                       f'build it with stack.name("{value}")')


_NONDETERMINISTIC = (
    (re.compile(r"\b(timestamp|plantimestamp|uuid|bcrypt)\(\)?"), "a Terraform function that changes on every run"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"), "a timestamp"),
    (re.compile(r"(?<!\d)(?:19|20)\d{6}[T_-]?\d{6}(?!\d)"), "a timestamp"),
    (re.compile(r"(?<!\d)1[5-9]\d{8}(?:\d{3})?(?!\d)"), "an epoch timestamp"),
    (re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"), "a random UUID"),
)


def nondeterministic(value, uuids: bool = True) -> str | None:
    """What makes a value differ between two synths (a timestamp, a UUID...), or None."""
    for pattern, what in _NONDETERMINISTIC:
        if isinstance(value, str) and pattern.search(value) and (uuids or what != "a random UUID"):
            return what
    return None


def _labelled_values(config: Mapping) -> Iterator[tuple[str, object, bool]]:
    """(label, value, is a name) of names and tags; a constant UUID is fine in a tag, not in a name."""
    for key, value in _names(config):
        yield key, value, True
    for key in ("tags", "tags_all"):
        for tag, value in (config.get(key) or {}).items() if isinstance(config.get(key), dict) else ():
            yield f"{key}[{tag!r}]", value, False


@rule("TAP322", ERROR, "names and tags are deterministic (no timestamps, uuid(), datetime.now())")
def _deterministic(doc: StackDoc):
    found = [(doc.path(rtype, name, config), config) for rtype, name, config in doc.resources()]
    for provider in doc.doc.get("provider", {}).get("aws", []):
        alias = provider.get("alias") or ""
        tags = {k: v for block in blocks(provider.get("default_tags")) for k, v in (block.get("tags") or {}).items()}
        found.append((doc.provider_paths.get(alias, f"{doc.stack_path}/aws"), {"tags": tags}))
    for path, config in found:
        for label, value, is_name in _labelled_values(config):
            what = nondeterministic(value, uuids=is_name)
            if what:
                yield (path, f"{label}={value!r} holds {what}: every synth differs, so every plan changes "
                       "(and a name change replaces the resource)",
                       "use a fixed value (the environment suffix, a commit id passed in by the pipeline)")


# ----------------------------------------------------------------- more AWS-side validation

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


@rule("TAP330", ERROR, "AWS managed service-role policies are referenced under policy/service-role/")
def _managed_policy_path(doc: StackDoc):
    for rtype, name, config in doc.resources():
        for text in _strings({k: v for k, v in config.items() if k != "//"}):
            found = _MANAGED_POLICY.fullmatch(text)
            if found and found[1] in SERVICE_ROLE_POLICIES:
                yield (doc.path(rtype, name, config), f"{text} does not exist (NoSuchEntity at attach)",
                       f"use arn:aws:iam::aws:policy/service-role/{found[1]}")


LAMBDA_RESERVED_VARIABLES = frozenset("""
    _HANDLER _X_AMZN_TRACE_ID AWS_DEFAULT_REGION AWS_REGION AWS_EXECUTION_ENV AWS_LAMBDA_FUNCTION_NAME
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE AWS_LAMBDA_FUNCTION_VERSION AWS_LAMBDA_INITIALIZATION_TYPE AWS_LAMBDA_LOG_GROUP_NAME
    AWS_LAMBDA_LOG_STREAM_NAME AWS_ACCESS_KEY AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
    AWS_LAMBDA_RUNTIME_API LAMBDA_TASK_ROOT LAMBDA_RUNTIME_DIR""".split())
# Runtimes for which AWS blocks creating functions.
LAMBDA_BLOCKED_RUNTIMES = frozenset("""
    python2.7 python3.6 python3.7 nodejs nodejs4.3 nodejs6.10 nodejs8.10 nodejs10.x nodejs12.x nodejs14.x dotnetcore1.0
    dotnetcore2.0 dotnetcore2.1 dotnetcore3.1 ruby2.5 ruby2.7 go1.x java8""".split())


@rule("TAP331", ERROR, "Lambda functions do not set reserved environment variables")
def _lambda_reserved_env(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_lambda_function"):
        for block in blocks(config.get("environment")):
            reserved = sorted(set(block.get("variables") or {}) & LAMBDA_RESERVED_VARIABLES)
            if reserved:
                yield (doc.path(rtype, name, config),
                       f"environment sets {', '.join(reserved)}, which Lambda reserves (InvalidParameterValue)",
                       "drop them: Lambda sets AWS_REGION and the others itself; use another name for your own")


@rule("TAP332", ERROR, "an SQS queue's visibility timeout is at least the timeout of the Lambda it triggers")
def _sqs_visibility(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_lambda_event_source_mapping"):
        source, function = doc.ref(config.get("event_source_arn")), doc.ref(config.get("function_name"))
        if not (source and function and source[0] == "aws_sqs_queue" and function[0] == "aws_lambda_function"):
            continue
        queue, func = doc.resource(*source[:2]) or {}, doc.resource(*function[:2]) or {}
        visibility = number(queue.get("visibility_timeout_seconds", 30))
        timeout = number(func.get("timeout", 3))
        if visibility is not None and timeout is not None and visibility < timeout:
            yield (doc.path(rtype, name, config),
                   f"queue {doc.where(*source[:2])} has visibility_timeout_seconds={visibility:g}, less than the "
                   f"timeout {timeout:g}s of function {doc.where(*function[:2])} (InvalidParameterValue at create)",
                   f"set visibility_timeout_seconds >= {timeout:g} on the queue (AWS advises 6x the timeout)")


_S3_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_LOWER_ID = r"[a-z][a-z0-9]*(-[a-z0-9]+)*"
_NAME_PATTERNS = {  # pattern -> what it allows, for the message
    r"(?!internal-)[A-Za-z0-9]+(-[A-Za-z0-9]+)*": "letters, digits, inner hyphens",
    r"[A-Za-z0-9_-]+(\.fifo)?": "letters, digits, - and _",
    r"[\w+=,.@-]+": "letters, digits and +=,.@_-",
    r"[.\-_A-Za-z0-9]+": "letters, digits and .-_",
    r"[A-Za-z0-9_.-]{3,}": "3+ letters, digits and _.-",
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


def s3_bucket_name_problem(name: str) -> str | None:
    """Why an S3 bucket name is invalid, or None."""
    if not _S3_NAME.fullmatch(name):
        return "needs 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
    if ".." in name or re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name):
        return "must not hold '..' or look like an IP address"
    if name.startswith(("xn--", "sthree-")) or name.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3")):
        return "uses a prefix or suffix S3 reserves"
    return None


@rule("TAP333", ERROR, "resource names fit AWS's length and character rules (S3 buckets, load balancers, ...)")
def _name_rules(doc: StackDoc):
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


_RATE = re.compile(r"rate\((\d+) (minute|hour|day)(s?)\)")


def _rate_problem(value: int, unit: str, plural: str) -> str | None:
    if value < 1:
        return "a rate must be at least 1"
    if (value == 1) == bool(plural):
        return f"write rate({value} {unit}{'' if value == 1 else 's'})"
    return None


def _cron_problem(fields: list[str]) -> str | None:
    if len(fields) != 6:
        return f"cron() takes 6 fields (minutes hours day-of-month month day-of-week year), got {len(fields)}"
    if (fields[2] == "?") == (fields[4] == "?"):
        return "exactly one of day-of-month (3rd field) and day-of-week (5th field) must be ?"
    return None


def schedule_problem(expression: str) -> str | None:
    """Why an EventBridge schedule expression is invalid, or None."""
    rate = _RATE.fullmatch(expression)
    cron = re.fullmatch(r"cron\((.*)\)", expression)
    if rate:
        return _rate_problem(int(rate[1]), rate[2], rate[3])
    if cron:
        return _cron_problem(cron[1].split())
    if expression.startswith("at("):
        return None
    return "write rate(<n> <unit>), cron(<6 fields>) or at(<time>)"


@rule("TAP334", ERROR, "EventBridge schedule expressions are valid rate()/cron()")
def _schedules(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_cloudwatch_event_rule", "aws_scheduler_schedule"):
        expression = literal_str(config.get("schedule_expression"))
        problem = expression is not None and schedule_problem(expression)
        if problem:
            yield (doc.path(rtype, name, config), f"schedule_expression {expression!r} is invalid "
                   "(ValidationException)", problem)


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


@rule("TAP335", ERROR, "IAM and resource policies are valid JSON documents")
def _policy_json(doc: StackDoc):
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


@rule("TAP336", ERROR, "Lambda timeout, memory and runtime are values Lambda accepts")
def _lambda_limits(doc: StackDoc):
    limits = (("timeout", 1, 900, "seconds"), ("memory_size", 128, 10240, "MB"))
    for rtype, name, config in doc.resources("aws_lambda_function"):
        for key, low, high, unit in limits:
            value = number(config.get(key))
            if value is not None and not low <= value <= high:
                yield doc.path(rtype, name, config), f"{key}={value:g} is outside {low}-{high} {unit}", \
                    f"use a {key} between {low} and {high}"
        runtime = config.get("runtime")
        if runtime in LAMBDA_BLOCKED_RUNTIMES:
            yield (doc.path(rtype, name, config), f"runtime {runtime} is deprecated: Lambda refuses new functions "
                   "on it", "use a supported runtime such as python3.12, nodejs20.x or java21")


@rule("TAP337", ERROR, "application load balancers and DB subnet groups span at least two subnets")
def _two_subnets(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_lb", "aws_alb", "aws_db_subnet_group", "aws_docdb_subnet_group",
                                             "aws_neptune_subnet_group"):
        is_lb = rtype in ("aws_lb", "aws_alb")
        if is_lb and (config.get("load_balancer_type", "application") != "application" or config.get("subnet_mapping")):
            continue
        subnets = config.get("subnets" if is_lb else "subnet_ids")
        if isinstance(subnets, list) and len(subnets) == 1 and not re.search(r"[*\[]", str(subnets[0])):
            yield (doc.path(rtype, name, config), f"{rtype} gets one subnet; AWS requires subnets in at least two "
                   "Availability Zones", "pass two or more subnets in different Availability Zones")


@rule("TAP338", ERROR, "an API Gateway deployment depends on its methods and integrations")
def _apigw_deployment(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_api_gateway_deployment"):
        api = doc.ref(config.get("rest_api_id"))
        api_config = api and api[0] == "aws_api_gateway_rest_api" and doc.resource(*api[:2])
        if not api_config or api_config.get("body"):
            continue  # an OpenAPI body defines the methods with the API itself
        text = json.dumps({k: v for k, v in config.items() if k != "//"})
        if not re.search(r"aws_api_gateway_(method|integration)\.", text):
            yield (doc.path(rtype, name, config), "deployment does not depend on any method or integration, so "
                   "Terraform may create it first (BadRequestException: The REST API doesn't contain any methods)",
                   "pass depends_on=[<the integrations>] (and triggers that hash them, to redeploy on change)")


@rule("TAP339", ERROR, "no Aurora Serverless v1 (engine_mode=serverless reached end of life)")
def _serverless_v1(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_rds_cluster"):
        if config.get("engine_mode") == "serverless":
            yield (doc.path(rtype, name, config), "engine_mode='serverless' (Aurora Serverless v1) can no longer be "
                   "created", "use engine_mode='provisioned' with serverlessv2_scaling_configuration and "
                   "aws_rds_cluster_instance(instance_class='db.serverless')")


@rule("TAP340", ERROR, "Route53 alias records set no ttl or records")
def _alias_conflicts(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_route53_record"):
        clash = [key for key in ("ttl", "records") if config.get("alias") and config.get(key) is not None]
        if clash:
            yield (doc.path(rtype, name, config), f"alias record also sets {' and '.join(clash)} (conflicts with "
                   "alias)", f"remove {' and '.join(clash)}: an alias takes its TTL and target from the alias")


@rule("TAP341", ERROR, "FIFO queues and topics are named *.fifo, and only they are")
def _fifo_names(doc: StackDoc):
    for rtype, flag in (("aws_sqs_queue", "fifo_queue"), ("aws_sns_topic", "fifo_topic")):
        for _, name, config in doc.resources(rtype):
            value = literal_str(config.get("name"))
            if value is not None and not is_token(config.get(flag)) and (config.get(flag) is True) != value.endswith(
                    ".fifo"):
                fix = 'end the name with ".fifo"' if config.get(flag) is True else f"pass {flag}=True"
                yield (doc.path(rtype, name, config), f"name {value!r} with {flag}={config.get(flag) is True}: "
                       "AWS requires FIFO names to end in .fifo and no others to", fix)


def _table_keys(config: Mapping) -> set:
    keys = {config.get("hash_key"), config.get("range_key")}
    for index in blocks(config.get("global_secondary_index")) + blocks(config.get("local_secondary_index")):
        keys |= {index.get("hash_key"), index.get("range_key")}
        keys |= {k.get("attribute_name") for k in blocks(index.get("key_schema"))}
    return {key for key in keys if key}


@rule("TAP342", ERROR, "DynamoDB tables define exactly their key attributes, and capacity when PROVISIONED")
def _dynamodb_tables(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_dynamodb_table"):
        path = doc.path(rtype, name, config)
        defined = {a.get("name") for a in blocks(config.get("attribute"))}
        keys = _table_keys(config)
        if all(literal_str(v) is not None for v in defined | keys):
            if defined - keys:
                yield (path, f"attribute(s) {', '.join(sorted(defined - keys))} are defined but no key or index uses "
                       "them (Terraform: all attributes must be indexed)", "define only key attributes; DynamoDB is "
                       "schemaless for the others")
            if keys - defined:
                yield (path, f"key(s) {', '.join(sorted(keys - defined))} have no attribute definition",
                       "add attribute=[DynamodbTableAttribute(name=..., type='S')] for each key")
        if config.get("billing_mode", "PROVISIONED") == "PROVISIONED" and not (
                config.get("read_capacity") and config.get("write_capacity")):
            yield (path, "billing_mode PROVISIONED (the default) without read_capacity and write_capacity",
                   "pass billing_mode='PAY_PER_REQUEST', or set read_capacity and write_capacity")


@rule("TAP347", ERROR, "every route of a route table has a destination (dict keys jsii dropped leave it empty)")
def _empty_routes(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_route_table"):
        for index, route in enumerate(blocks(config.get("route"))):
            if not any(route.get(k) for k in ("cidr_block", "ipv6_cidr_block", "destination_prefix_list_id")):
                yield (doc.path(rtype, name, config), f"route #{index + 1} has no destination (apply fails: one of "
                       "cidr_block, ipv6_cidr_block, destination_prefix_list_id must be specified)",
                       "use RouteTableRoute(cidr_block=..., gateway_id=...): a dict with snake_case keys is dropped")


@rule("TAP348", ERROR, "a Lambda zip (filename) is a cdktf asset or an existing absolute path")
def _lambda_files(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_lambda_function", "aws_lambda_layer_version"):
        path = literal_str(config.get("filename"))
        if path is None or path.startswith("assets/") or (os.path.isabs(path) and os.path.exists(path)):
            continue
        where = "does not exist" if os.path.isabs(path) else "is relative: Terraform runs in cdktf.out/stacks/<stack>"
        yield (doc.path(rtype, name, config), f"filename {path!r} {where}, so apply fails (no such file)",
               "package the code with TerraformAsset(scope, id, path=<dir>, type=AssetType.ARCHIVE) and pass "
               "filename=asset.path, source_code_hash=asset.asset_hash")


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
        for key, value in _names(config):
            if not key.endswith("_prefix") and literal_str(value) is not None:
                yield (rtype, key, value, region), f"{key}={value!r}", doc.path(rtype, name, config), value


@rule("TAP350", ERROR, "no two resources of one type share a name (or a Lambda permission statement_id)")
def _duplicate_names(doc: StackDoc):
    seen: dict[tuple, str] = {}
    for key, what, path, _ in _identities(doc):
        if key in seen:
            yield (path, f"{what} is also used by {seen[key]} (AlreadyExists at create)",
                   "give each resource its own name, e.g. stack.name(\"<purpose>\")")
        else:
            seen[key] = path


def _network(value) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value, strict=False) if literal_str(value) else None
    except ValueError:
        return None


@rule("TAP351", ERROR, "subnets lie inside their VPC's CIDR and do not overlap each other")
def _subnet_ranges(doc: StackDoc):
    placed: dict[str, list[tuple[object, str]]] = {}
    for rtype, name, config in doc.resources("aws_subnet"):
        subnet, vpc = _network(doc.deref(config.get("cidr_block"))), doc.ref(config.get("vpc_id"))
        vpc_cidr = _network(doc.deref(f"${{{vpc[0]}.{vpc[1]}.cidr_block}}")) if vpc else None
        if subnet is None or vpc is None:
            continue
        path = doc.path(rtype, name, config)
        if vpc_cidr is not None and not subnet.subnet_of(vpc_cidr):
            yield (path, f"cidr_block {subnet} is outside its VPC's {vpc_cidr} (InvalidSubnet.Range)",
                   f"pick a range inside {vpc_cidr}")
        clash = next((other for net, other in placed.get(vpc[1], []) if net.overlaps(subnet)), None)
        if clash:
            yield (path, f"cidr_block {subnet} overlaps subnet {clash} (InvalidSubnet.Conflict)",
                   "give each subnet its own range, e.g. 10.0.<i>.0/24")
        placed.setdefault(vpc[1], []).append((subnet, path))


# (resource type, attribute, the referenced attribute that is wrong there, the right one)
WRONG_REFERENCES = (
    ("aws_iam_role_policy_attachment", "role", "arn", "name"),
    ("aws_iam_role_policy", "role", "arn", "name"),
    ("aws_iam_instance_profile", "role", "arn", "name"),
    ("aws_lambda_function", "role", "name", "arn"),
    ("aws_lambda_function", "role", "id", "arn"),
    ("aws_api_gateway_integration", "uri", "arn", "invoke_arn"),
)


@rule("TAP352", ERROR, "references pass the attribute AWS expects (a role's name vs arn, a Lambda's invoke_arn)")
def _wrong_references(doc: StackDoc):
    for rtype, attribute, wrong, right in WRONG_REFERENCES:
        for _, name, config in doc.resources(rtype):
            target = doc.ref(config.get(attribute))
            if target and target[2] == wrong and target[0] in ("aws_iam_role", "aws_lambda_function"):
                yield (doc.path(rtype, name, config), f"{attribute} is the {wrong} of {doc.where(*target[:2])}; "
                       f"{rtype}.{attribute} takes its {right} (ValidationError at apply)",
                       f"pass <{target[0].replace('aws_', '')}>.{right}")


@rule("TAP353", ERROR, "literal database passwords are 8+ characters without / @ \" or spaces")
def _db_passwords(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_db_instance", "aws_rds_cluster", "aws_docdb_cluster"):
        for key in ("password", "master_password"):
            password = literal_str(config.get(key))
            if password is not None and (len(password) < 8 or re.search(r'[/@" ]', password)):
                yield (doc.path(rtype, name, config), f"{key} is shorter than 8 characters or holds / @ \" or a "
                       "space (InvalidParameterValue)", "pass manage_master_user_password=True (or a generated "
                       "secret) instead of a literal password")


@rule("TAP343", ERROR, "KMS key deletion_window_in_days is 7-30")
def _kms_window(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_kms_key"):
        days = number(config.get("deletion_window_in_days"))
        if days is not None and not 7 <= days <= 30:
            yield doc.path(rtype, name, config), f"deletion_window_in_days={days:g} is outside 7-30", \
                "use 7 (the shortest, best for stacks the pipeline destroys)"


@rule("TAP344", WARNING, "Secrets Manager secrets set recovery_window_in_days=0 (redeploys reuse the name)")
def _secret_recovery(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_secretsmanager_secret"):
        if config.get("recovery_window_in_days") != 0 and config.get("name"):
            yield (doc.path(rtype, name, config), "destroyed secrets stay scheduled for deletion (7-30 days), so the "
                   "next deploy with the same name fails", "pass recovery_window_in_days=0")


ALARM_STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
ALARM_OPERATORS = ("GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
                   "LessThanOrEqualToThreshold", "LessThanLowerOrGreaterThanUpperThreshold",
                   "LessThanLowerThreshold", "GreaterThanUpperThreshold")


@rule("TAP345", ERROR, "CloudWatch alarms use a valid period, statistic and comparison operator")
def _alarms(doc: StackDoc):
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


@rule("TAP346", ERROR, "Auto Scaling groups have min_size <= desired_capacity <= max_size")
def _asg_sizes(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_autoscaling_group"):
        low, want, high = (number(config.get(k)) for k in ("min_size", "desired_capacity", "max_size"))
        sizes = [s for s in (low, want, high) if s is not None]
        if sizes != sorted(sizes):
            yield (doc.path(rtype, name, config),
                   f"min_size={low}, desired_capacity={want}, max_size={high} are out of order (ValidationError)",
                   "make min_size <= desired_capacity <= max_size")


# ----------------------------------------------------------------- running the rules


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


@jsii.implements(IAspect)
class Guardrails:
    """The cdktf Aspect: on the stack's node, check its resolved JSON and annotate each violation.

    `annotations` keeps (level, construct path, text) of what it added, so tests read them without
    walking every construct's metadata through jsii.
    """

    def __init__(self, environment_suffix: str | None = None) -> None:
        self.environment_suffix = environment_suffix
        self.annotations: list[tuple[str, str, str]] = []

    def visit(self, node: IConstruct) -> None:
        """Called by cdktf for every construct at synth; acts once, on the stack."""
        if not isinstance(node, TerraformStack):
            return
        providers = {(c.alias or ""): c.node.path for c in node.node.find_all()
                     if isinstance(c, TerraformProvider) and c.terraform_resource_type == "aws"}
        for violation in check(node.to_terraform(), self.environment_suffix, providers):
            target = _find(node, violation.path)
            reason = suppression(target, violation.rule)
            if reason:
                level, text = "info", f"{violation.rule} suppressed ({reason}): {violation.message}"
            else:
                level, text = violation.severity, str(violation)
            if (level, target.node.path, text) in self.annotations:
                continue  # synth can run the aspects more than once
            self.annotations.append((level, target.node.path, text))
            if level == ERROR:
                Annotations.of(target).add_error(text)  # app.synth() raises, listing every error
            elif level == WARNING:
                Annotations.of(target).add_warning(text)
                # `python tap.py` prints no warnings itself (they go to cdktf.out/manifest.json): say it here.
                print(f"guardrails warning: [{target.node.path}] {text}", file=sys.stderr)
            else:
                Annotations.of(target).add_info(text)


def _find(stack: TerraformStack, path: str) -> IConstruct:
    """The construct at `path` (as synth prints it) under `stack`; the stack itself if there is none."""
    prefix = stack.node.path + "/"
    found = stack if path.startswith(prefix) else None
    for part in path[len(prefix):].split("/") if found else ():
        found = found.node.try_find_child(part)
        if found is None:
            break
    return found or stack


def apply(stack: TerraformStack, environment_suffix: str | None = None) -> Guardrails:
    """Check `stack` at every synth; the naming rule uses environment_suffix (default: stack.environment_suffix)."""
    aspect = Guardrails(environment_suffix or getattr(stack, "environment_suffix", None))
    Aspects.of(stack).add(aspect)
    return aspect


def violations(stack: TerraformStack, level: str = ERROR) -> list[str]:
    """'[path] TAPnnn ...' of every guardrail annotation at `level` (error, warning, info) after a synth."""
    return [f"[{path}] {text}" for aspect in Aspects.of(stack).all if isinstance(aspect, Guardrails)
            for kind, path, text in aspect.annotations if kind == level]


def main() -> None:
    """Print the rule list: id, severity, title."""
    for _, item in sorted(RULES.items()):
        print(f"{item.rule_id}  {item.severity:<7}  {item.title}")


if __name__ == "__main__":  # pragma: no cover - python -m lib.guardrails
    main()
