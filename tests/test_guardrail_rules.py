"""tapkit/checks/guardrails: each rule refuses its deploy-blocker at synth and accepts the fix.

Two small stacks are synthesized once per module: one holds every blocker, each
under a construct named after its rule, the other holds every fix. Each rule
must name its construct in the first and stay silent in the second. (That a
generated task passes every rule is the hook's verify on every render, and tests/test_guardrails.py.)
"""
# wrong-import-order: guardrails first (it installs the bundled Node and the lazy provider import), then cdktf
# and the provider.
# pylint: disable=missing-function-docstring,wrong-import-order
import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from helpers import ROOT
from tapkit.checks import guardrails  # first: it installs the bundled Node and lazy provider import before cdktf loads

from cdktf import App, AssetType, TerraformAsset, TerraformResourceLifecycle, TerraformStack, Testing
from cdktf_cdktf_provider_aws.api_gateway_deployment import ApiGatewayDeployment
from cdktf_cdktf_provider_aws.api_gateway_integration import ApiGatewayIntegration
from cdktf_cdktf_provider_aws.api_gateway_method import ApiGatewayMethod
from cdktf_cdktf_provider_aws.api_gateway_resource import ApiGatewayResource
from cdktf_cdktf_provider_aws.api_gateway_rest_api import ApiGatewayRestApi
from cdktf_cdktf_provider_aws.autoscaling_group import AutoscalingGroup
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.db_instance import DbInstance
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableAttribute
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.lambda_event_source_mapping import LambdaEventSourceMapping
from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction, LambdaFunctionEnvironment
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from cdktf_cdktf_provider_aws.lb import Lb
from cdktf_cdktf_provider_aws.lb_target_group import LbTargetGroup
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster, RdsClusterServerlessv2ScalingConfiguration
from cdktf_cdktf_provider_aws.rds_global_cluster import RdsGlobalCluster
from cdktf_cdktf_provider_aws.route53_record import Route53Record, Route53RecordAlias
from cdktf_cdktf_provider_aws.route53_zone import Route53Zone
from cdktf_cdktf_provider_aws.route_table import RouteTable, RouteTableRoute
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret
from cdktf_cdktf_provider_aws.security_group import SecurityGroup, SecurityGroupIngress
from cdktf_cdktf_provider_aws.security_group_rule import SecurityGroupRule
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct


SUFFIX = "gr1"
TAGS = {"Environment": SUFFIX}
ASSUME_LAMBDA = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
LOGS_KEY_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"},
    {"Effect": "Allow", "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
     "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*", "kms:Describe*"], "Resource": "*"}]})


def n(base: str) -> str:
    return f"{base}-{SUFFIX}"


def function(scope, cid="fn", **overrides) -> LambdaFunction:
    base = f"{scope.node.id.lower()}-{cid}"
    role = IamRole(scope, f"{cid}-role", name=n(f"{base}-role"), assume_role_policy=ASSUME_LAMBDA)
    code = TerraformAsset(scope, f"{cid}-code", path=str(Path(__file__).parent), type=AssetType.ARCHIVE)
    settings = {"function_name": n(base), "role": role.arn, "runtime": "python3.12", "handler": "index.handler",
                "filename": code.path, "timeout": 30, **overrides}
    return LambdaFunction(scope, cid, **settings)


def vpc_with_subnets(scope, count: int):
    vpc = Vpc(scope, "vpc", cidr_block="10.0.0.0/16")
    subnets = [Subnet(scope, f"subnet{i}", vpc_id=vpc.id, cidr_block=f"10.0.{i}.0/24",
                      availability_zone=f"us-east-1{'abc'[i]}") for i in range(count)]
    return vpc, subnets


def zone(scope):
    return Route53Zone(scope, "zone", name=f"app-{SUFFIX}.internal")


# Each rule: (the blocker, its fix). Both get a fresh construct scope named after the rule.
def tap301(s, fixed):
    CloudwatchLogGroup(s, "logs", name=n("/app/logs"), retention_in_days=2557 if fixed else 2555)


def tap302(s, fixed):
    domain = f"app-{SUFFIX}.internal" if fixed else f"app-{SUFFIX}.example.com"
    hosted = Route53Zone(s, "zone", name=domain)
    Route53Record(s, "api", zone_id=hosted.zone_id, name=f"api.{domain}", type="CNAME", ttl=60,
                  records=[f"origin.{SUFFIX}.internal"])


def tap303(s, fixed):
    vpc = Vpc(s, "vpc", cidr_block="10.0.0.0/16")
    postgres = [SecurityGroupIngress(description="PostgreSQL from DMS", from_port=5432, to_port=5432,
                                     protocol="tcp", cidr_blocks=[vpc.cidr_block])]
    if not fixed:
        postgres.append(SecurityGroupIngress(description="PostgreSQL from VPC", from_port=5432, to_port=5432,
                                             protocol="tcp", cidr_blocks=["10.0.0.0/16"]))
    group = SecurityGroup(s, "db-sg", name=n("db"), vpc_id=vpc.id, ingress=postgres)
    SecurityGroupRule(s, "https", type="ingress", security_group_id=group.id, protocol="tcp", from_port=443,
                      to_port=443, cidr_blocks=["10.1.0.0/16"])
    VpcSecurityGroupIngressRule(s, "https-again", security_group_id=group.id, ip_protocol="6", from_port=443,
                                to_port=443, cidr_ipv4="10.2.0.0/16" if fixed else "10.1.0.0/16")


def tap304(s, fixed):
    handler = function(s)
    Route53Record(s, "api", zone_id=zone(s).zone_id, name=f"api.app-{SUFFIX}.internal", type="A", ttl=60,
                  records=["203.0.113.10"] if fixed else [handler.arn])


def tap305(s, fixed):
    world = RdsGlobalCluster(s, "global", global_cluster_identifier=n("global"), engine="aurora-mysql")
    RdsCluster(s, "primary", cluster_identifier=n("primary"), engine="aurora-mysql", skip_final_snapshot=True,
               global_cluster_identifier=world.id, manage_master_user_password=True, master_username="admin_user",
               **({} if fixed else {"backtrack_window": 259200}))


def tap306(s, fixed):
    key = KmsKey(s, "key", description="logs key", deletion_window_in_days=7,
                 **({"policy": LOGS_KEY_POLICY} if fixed else {}))
    CloudwatchLogGroup(s, "logs", name=n("/app/audit"), retention_in_days=30, kms_key_id=key.arn)


def tap310(s, fixed):
    S3Bucket(s, "data", bucket=n("data"), **({"force_destroy": True} if fixed else {}))


def tap311(s, fixed):
    DynamodbTable(s, "table", name=n("orders"), billing_mode="PAY_PER_REQUEST", hash_key="id",
                  attribute=[DynamodbTableAttribute(name="id", type="S")], deletion_protection_enabled=not fixed)


def tap312(s, fixed):
    DbInstance(s, "db", identifier=n("db"), engine="postgres", instance_class="db.t3.micro", allocated_storage=20,
               username="app_admin", manage_master_user_password=True,
               **({"skip_final_snapshot": True} if fixed else {}))


def tap313(s, fixed):
    SqsQueue(s, "queue", name=n("jobs"),
             **({} if fixed else {"lifecycle": TerraformResourceLifecycle(prevent_destroy=True)}))


def tap320(s, fixed):
    AwsProvider(s, "aws_west", region="us-west-2", alias="west",
                **({"default_tags": [AwsProviderDefaultTags(tags=TAGS)]} if fixed else {}))


def tap321(s, fixed):
    S3Bucket(s, "shared", bucket=n("shared-data") if fixed else "shared-data-bucket", force_destroy=True)


def tap322(s, fixed):
    created = "2024-01-01" if fixed else datetime.now(timezone.utc).isoformat()
    S3Bucket(s, "stamped", bucket=n("stamped"), force_destroy=True, tags={"Release": created})


def tap330(s, fixed):
    role = IamRole(s, "role", name=n("worker"), assume_role_policy=ASSUME_LAMBDA)
    prefix = "arn:aws:iam::aws:policy/service-role/" if fixed else "arn:aws:iam::aws:policy/"
    IamRolePolicyAttachment(s, "basic", role=role.name, policy_arn=prefix + "AWSLambdaBasicExecutionRole")


def tap331(s, fixed):
    function(s, environment=LambdaFunctionEnvironment(variables={"APP_REGION" if fixed else "AWS_REGION": "x"}))


def tap332(s, fixed):
    queue = SqsQueue(s, "queue", name=n("tasks"), visibility_timeout_seconds=360 if fixed else 30)
    worker = function(s, timeout=60)
    LambdaEventSourceMapping(s, "trigger", event_source_arn=queue.arn, function_name=worker.arn)


def tap333(s, fixed):
    LbTargetGroup(s, "targets", name=n("pay-tg") if fixed else n("payments-processing-targets"), port=80,
                  protocol="HTTP", target_type="ip", vpc_id="vpc-12345678")
    S3Bucket(s, "bucket", bucket=n("reports") if fixed else n("Reports_Bucket"), force_destroy=True)


def tap334(s, fixed):
    CloudwatchEventRule(s, "every-minute", name=n("tick"),
                        schedule_expression="rate(1 minute)" if fixed else "rate(1 minutes)")
    CloudwatchEventRule(s, "noon", name=n("noon"),
                        schedule_expression="cron(0 12 * * ? *)" if fixed else "cron(0 12 * * * *)")


def tap335(s, fixed):
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    text = json.dumps(policy) if fixed else json.dumps(policy)[:-2] + ",]}"
    IamPolicy(s, "read", name=n("read"), policy=text)
    home = "arn:aws:s3:::home-bucket/" + ("$${aws:username}" if fixed else "${aws:username}") + "/*"
    policy["Statement"][0]["Resource"] = home
    IamPolicy(s, "home", name=n("home"), policy=json.dumps(policy))


def tap336(s, fixed):
    function(s, timeout=900 if fixed else 1200, runtime="python3.12" if fixed else "python3.7")


def tap337(s, fixed):
    _, subnets = vpc_with_subnets(s, 2 if fixed else 1)
    Lb(s, "alb", name=n("alb"), load_balancer_type="application", subnets=[x.id for x in subnets])
    DbSubnetGroup(s, "db-subnets", name=n("db"), subnet_ids=[x.id for x in subnets])


def tap338(s, fixed):
    api = ApiGatewayRestApi(s, "api", name=n("api"))
    res = ApiGatewayResource(s, "items", rest_api_id=api.id, parent_id=api.root_resource_id, path_part="items")
    method = ApiGatewayMethod(s, "get", rest_api_id=api.id, resource_id=res.id, http_method="GET",
                              authorization="NONE")
    mock = ApiGatewayIntegration(s, "mock", rest_api_id=api.id, resource_id=res.id, http_method=method.http_method,
                                 type="MOCK")
    ApiGatewayDeployment(s, "deployment", rest_api_id=api.id, **({"depends_on": [mock]} if fixed else {}))


def tap339(s, fixed):
    scaling = {"serverlessv2_scaling_configuration": RdsClusterServerlessv2ScalingConfiguration(
        min_capacity=0.5, max_capacity=2)} if fixed else {}
    RdsCluster(s, "aurora", cluster_identifier=n("aurora"), engine="aurora-postgresql", skip_final_snapshot=True,
               engine_mode="provisioned" if fixed else "serverless", master_username="app_admin",
               manage_master_user_password=True, **scaling)


def tap340(s, fixed):
    target = Route53RecordAlias(name="d111111abcdef8.cloudfront.net", zone_id="Z2FDTNDATAQYW2",
                                evaluate_target_health=False)
    Route53Record(s, "cdn", zone_id=zone(s).zone_id, name=f"cdn.app-{SUFFIX}.internal", type="A", alias=target,
                  **({} if fixed else {"ttl": 300}))


def tap341(s, fixed):
    SqsQueue(s, "orders", name=n("orders") + (".fifo" if fixed else ""), fifo_queue=True)


def tap342(s, fixed):
    extra = [] if fixed else [DynamodbTableAttribute(name="status", type="S")]
    DynamodbTable(s, "orders", name=n("orders-index"), billing_mode="PAY_PER_REQUEST", hash_key="id",
                  attribute=[DynamodbTableAttribute(name="id", type="S"), *extra])
    DynamodbTable(s, "events", name=n("events"), hash_key="id", attribute=[DynamodbTableAttribute(name="id", type="S")],
                  **({"read_capacity": 5, "write_capacity": 5} if fixed else {}))


def tap347(s, fixed):
    route = RouteTableRoute(cidr_block="0.0.0.0/0", gateway_id="igw-1") if fixed else {
        "cidr_block": "0.0.0.0/0", "gateway_id": "igw-1"}
    RouteTable(s, "public", vpc_id="vpc-12345678", route=[route])


def tap348(s, fixed):
    function(s, **({} if fixed else {"filename": "lambda_function.zip"}))


def tap350(s, fixed):
    SqsQueue(s, "first", name=n("events"))
    SqsQueue(s, "second", name=n("events-dlq" if fixed else "events"))
    worker = function(s)
    for cid in ("allow-sns", "allow-s3"):
        LambdaPermission(s, cid, function_name=worker.function_name, action="lambda:InvokeFunction",
                         principal=f"{cid[6:]}.amazonaws.com", statement_id=cid if fixed else "AllowInvoke")


def tap351(s, fixed):
    vpc = Vpc(s, "vpc", cidr_block="10.0.0.0/16")
    ranges = ("10.0.1.0/24", "10.0.2.0/24") if fixed else ("10.1.1.0/24", "10.0.0.0/16")
    for i, cidr in enumerate(("10.0.0.0/24", *ranges)):
        Subnet(s, f"subnet{i}", vpc_id=vpc.id, cidr_block=cidr)


def tap352(s, fixed):
    role = IamRole(s, "role", name=n("reader"), assume_role_policy=ASSUME_LAMBDA)
    IamRolePolicyAttachment(s, "read", role=role.name if fixed else role.arn,
                            policy_arn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")


def tap353(s, fixed):
    secret = {"manage_master_user_password": True} if fixed else {"password": "p@ss word"}
    DbInstance(s, "db", identifier=n("reports"), engine="postgres", instance_class="db.t3.micro",
               allocated_storage=20, username="app_admin", skip_final_snapshot=True, **secret)


def tap343(s, fixed):
    KmsKey(s, "key", description="data key", deletion_window_in_days=7 if fixed else 3)


def tap344(s, fixed):
    SecretsmanagerSecret(s, "db-secret", name=n("db"), **({"recovery_window_in_days": 0} if fixed else {}))


def tap345(s, fixed):
    CloudwatchMetricAlarm(s, "errors", alarm_name=n("errors"), namespace="AWS/Lambda", metric_name="Errors",
                          comparison_operator="GreaterThanThreshold", evaluation_periods=1, threshold=1,
                          period=60 if fixed else 45, statistic="Sum" if fixed else "Total")


def tap346(s, fixed):
    AutoscalingGroup(s, "workers", name=n("workers"), min_size=1, max_size=3, desired_capacity=2 if fixed else 5,
                     availability_zones=["us-east-1a"])


CASES = {name.upper(): case for name, case in globals().items() if name.startswith("tap3")}


def build(fixed: bool):
    stack = TerraformStack(Testing.app(), "fixed" if fixed else "broken")
    AwsProvider(stack, "aws", region="us-east-1", default_tags=[AwsProviderDefaultTags(tags=TAGS)])
    for rule_id, case in CASES.items():
        case(Construct(stack, rule_id), fixed)
    kept = S3Bucket(stack, "kept", bucket=n("kept"))
    guardrails.suppress(kept, "TAP310", reason="audit evidence; the cleanup job empties it")
    guardrails.apply(stack, environment_suffix=SUFFIX)
    Testing.synth(stack)
    return stack


@pytest.fixture(scope="module")
def broken():
    stack = build(fixed=False)
    return {level: guardrails.violations(stack, level) for level in ("error", "warning", "info")}


@pytest.fixture(scope="module")
def fixed():
    stack = build(fixed=True)
    return {level: guardrails.violations(stack, level) for level in ("error", "warning", "info")}


def test_every_rule_has_a_case():
    assert sorted(CASES) == sorted(guardrails.RULES)


def test_each_blocker_is_refused_by_its_own_rule_with_a_fix(broken):
    missing, stray = [], []
    for rule_id, rule in guardrails.RULES.items():
        mine = [v for v in broken[rule.severity] if v.startswith(f"[broken/{rule_id}/")]
        missing += [rule_id] if not mine else []
        stray += [v for v in broken["error"] + broken["warning"]
                  if v.startswith(f"[broken/{rule_id}/") and (f"] {rule_id} " not in v or "(fix: " not in v)]
    assert not missing, f"no annotation for {missing}; got:\n" + "\n".join(broken["error"] + broken["warning"])
    assert not stray, "blockers flagged by another rule, or without a fix:\n" + "\n".join(stray)


def test_the_fixed_stack_is_clean_and_a_suppression_is_shown_with_its_reason(fixed):
    assert fixed["error"] == [] and fixed["warning"] == [], fixed
    assert fixed["info"] == [
        "[fixed/kept] TAP310 suppressed (audit evidence; the cleanup job empties it): "
        "S3 bucket without force_destroy: destroy fails once it holds objects (BucketNotEmpty)"]


def test_messages_name_the_value_and_the_fix(broken):
    text = "\n".join(broken["error"])
    assert "retention_in_days=2555 is not a retention CloudWatch Logs accepts (fix: use 2557" in text
    assert "from 10.0.0.0/16 is granted twice" in text
    assert "A record value ${aws_lambda_function." in text and "(the arn of broken/TAP304/fn) is not an IPv4" in text
    assert "use arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" in text
    assert "IAM variable ${aws:username}, which Terraform reads as its own interpolation" in text
    assert "escape it in Python: '$${aws:username}'" in text


def test_app_synth_fails_naming_construct_rule_and_fix(tmp_path):
    app = App(outdir=str(tmp_path))
    stack = TerraformStack(app, "blocked")
    AwsProvider(stack, "aws", region="us-east-1", default_tags=[AwsProviderDefaultTags(tags=TAGS)])
    tap301(Construct(stack, "audit"), fixed=False)
    guardrails.apply(stack)
    with pytest.raises(RuntimeError, match=r"\[blocked/audit/logs\] TAP301 retention_in_days=2555 .*\(fix: use 2557"):
        app.synth()


def test_a_suppression_written_as_tapstack_does_it_of_an_unknown_rule_is_a_warning():
    """TapStack.suppress (in the task, without the rule list) writes the metadata unchecked: at synth, a rule id
    that does not exist is a warning on its construct (it suppresses nothing), a known one suppresses."""
    stack = TerraformStack(Testing.app(), "typo")
    AwsProvider(stack, "aws", region="us-east-1", default_tags=[AwsProviderDefaultTags(tags=TAGS)])
    kept = S3Bucket(stack, "kept", bucket=n("kept"))
    kept.node.add_metadata(guardrails.SUPPRESS_KEY, {"rule": "TAP3100", "reason": "audit evidence"})
    logs = S3Bucket(stack, "logs", bucket=n("logs"))
    logs.node.add_metadata(guardrails.SUPPRESS_KEY, {"rule": "TAP310", "reason": "audit evidence"})
    guardrails.apply(stack, environment_suffix=SUFFIX)
    Testing.synth(stack)
    assert guardrails.violations(stack, "warning") == [
        "[typo/kept] suppression of 'TAP3100' has no effect: no guardrail has that id (fix: name one of "
        "`python -m tapkit.checks.guardrails`)"]
    assert [v.split(" suppressed")[0] for v in guardrails.violations(stack, "info")] == ["[typo/logs] TAP310"]
    assert [v.split("]")[0] for v in guardrails.violations(stack, "error")] == ["[typo/kept"]  # TAP310 still


def test_suppress_needs_a_known_rule_and_a_reason():
    scope = Construct(Testing.app(), "scope")
    with pytest.raises(ValueError, match="unknown guardrail rule"):
        guardrails.suppress(scope, "TAP999", reason="x")
    with pytest.raises(ValueError, match="needs a reason"):
        guardrails.suppress(scope, "TAP310", reason="  ")


@pytest.mark.parametrize("expression, problem", [
    ("rate(5 minutes)", None), ("rate(1 hour)", None), ("cron(0 8 ? * MON-FRI *)", None),
    ("at(2030-01-01T00:00:00)", None),
    ("rate(0 minutes)", "at least 1"), ("rate(5 minute)", "rate(5 minutes)"), ("cron(0 8 * * ?)", "6 fields"),
    ("cron(0 8 ? * ? *)", "exactly one"), ("every 5 minutes", "rate(<n> <unit>)"),
])
def test_schedule_expressions(expression, problem):
    found = guardrails.schedule_problem(expression)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize("name, ok", [
    ("orders-pr1", True), ("ab", False), ("a..b", False), ("192.168.1.1", False), ("xn--orders", False),
    ("orders-s3alias", False),
])
def test_s3_bucket_names(name, ok):
    assert (guardrails.s3_bucket_name_problem(name) is None) == ok


@pytest.mark.parametrize("value, what", [
    ("orders-pr1", None), ("${uuid()}", "Terraform function"), ("build-20240101-120000", "timestamp"),
    ("job-1732380000", "epoch"), ("id-123e4567-e89b-12d3-a456-426614174000", "UUID"), (42, None),
])
def test_nondeterministic_values(value, what):
    found = guardrails.nondeterministic(value)
    assert (found is None) if what is None else (what in found)
    assert guardrails.nondeterministic(value, uuids=False) == (None if what == "UUID" else found)


def test_references_are_followed_to_their_literal():
    doc = guardrails.StackDoc({"resource": {"aws_vpc": {"a": {"cidr_block": "${aws_vpc.b.cidr_block}"},
                                                        "b": {"cidr_block": "10.9.0.0/16"}}}})
    assert doc.deref("${aws_vpc.a.cidr_block}") == "10.9.0.0/16"
    assert doc.deref("${aws_vpc.a.id}") == "${aws_vpc.a.id}"
    assert doc.ref("plain") is None


def test_edge_cases_on_plain_documents():
    doc = {"resource": {
        "aws_route53_record": {"r": {"type": "A", "records": ["${aws_eip.ip.public_ip}", "10.0.0.1"]},
                               "v6": {"type": "AAAA", "records": ["10.0.0.1"]}},
        "aws_kms_key": {"k": {"policy": "not json"}},
        "aws_cloudwatch_log_group": {"l": {"kms_key_id": "${aws_kms_key.k.arn}"}},
        "aws_secretsmanager_secret": {"s": {"name_prefix": "db-"}},
        "aws_lb": {"nlb": {"load_balancer_type": "network", "subnets": ["subnet-1"]}},
        "aws_sqs_queue": {"q": {"name": "q-pr1", "policy": "${data.aws_iam_policy_document.p.json}",
                                "tags": {"ProjectId": "123e4567-e89b-12d3-a456-426614174000"}}},
        "aws_ecr_lifecycle_policy": {"keep": {"repository": "r", "policy": '{"rules": []}'}},
        "aws_elasticache_replication_group": {"cache": {"replication_group_id": "Cache-pr1", "description": "c"}},
        "aws_api_gateway_deployment": {"d": {"rest_api_id": "${aws_api_gateway_rest_api.open.id}"}},
        "aws_api_gateway_rest_api": {"open": {"name": "open-pr1", "body": "{}"}},
    }, "provider": {"aws": [{"region": "us-east-1", "default_tags": [{"tags": {"Environment": "pr1"}}]}]}}
    found = guardrails.check(doc, "pr1")
    assert [(v.rule, v.path) for v in found] == [("TAP304", "aws_route53_record.v6"), ("TAP335", "aws_kms_key.k")]
    assert "'10.0.0.1' is not an IPv6 address" in found[0].message


def test_rule_list_is_printed(capsys):
    guardrails.main()
    out = capsys.readouterr().out
    assert out.count("\n") == len(guardrails.RULES) and "TAP301  error" in out and "TAP321  warning" in out


def test_the_code_the_task_carries_lints_clean():
    """The pipeline's lint gate measures tap.py and lib/ only, so the template lints the two modules of its own a
    task carries, tests/unit/expected.py and lazy_provider.py (links to tapkit/checks/), as a task's tests/unit
    files (the guardrails and the other checks run from the template: tests/test_lint.py lints tapkit/)."""
    unit = ROOT / "template" / "tests" / "unit"
    shipped = sorted(p.name for p in unit.iterdir() if p.is_symlink())
    assert shipped == ["expected.py", "lazy_provider.py"], shipped
    done = subprocess.run([sys.executable, "-m", "pylint", "--rcfile", str(ROOT / ".pylintrc"), *shipped], cwd=unit,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
