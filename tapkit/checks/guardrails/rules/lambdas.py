"""Lambda: reserved environment variables, limits and runtimes, deployment packages."""
# Each check's one-line summary is its entry in tapkit/checks/guardrails/core.py RULES, not a docstring here.
# pylint: disable=missing-function-docstring
from __future__ import annotations

import os

from ..document import StackDoc, blocks, literal_str, number


LAMBDA_RESERVED_VARIABLES = frozenset("""
    _HANDLER _X_AMZN_TRACE_ID AWS_DEFAULT_REGION AWS_REGION AWS_EXECUTION_ENV AWS_LAMBDA_FUNCTION_NAME
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE AWS_LAMBDA_FUNCTION_VERSION AWS_LAMBDA_INITIALIZATION_TYPE AWS_LAMBDA_LOG_GROUP_NAME
    AWS_LAMBDA_LOG_STREAM_NAME AWS_ACCESS_KEY AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
    AWS_LAMBDA_RUNTIME_API LAMBDA_TASK_ROOT LAMBDA_RUNTIME_DIR""".split())


# Runtimes for which AWS blocks creating functions.
LAMBDA_BLOCKED_RUNTIMES = frozenset("""
    python2.7 python3.6 python3.7 nodejs nodejs4.3 nodejs6.10 nodejs8.10 nodejs10.x nodejs12.x nodejs14.x dotnetcore1.0
    dotnetcore2.0 dotnetcore2.1 dotnetcore3.1 ruby2.5 ruby2.7 go1.x java8""".split())


def reserved_environment(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_lambda_function"):
        for block in blocks(config.get("environment")):
            reserved = sorted(set(block.get("variables") or {}) & LAMBDA_RESERVED_VARIABLES)
            if reserved:
                yield (doc.path(rtype, name, config),
                       f"environment sets {', '.join(reserved)}, which Lambda reserves (InvalidParameterValue)",
                       "drop them: Lambda sets AWS_REGION and the others itself; use another name for your own")


def limits_and_runtimes(doc: StackDoc):
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


def zip_files(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_lambda_function", "aws_lambda_layer_version"):
        path = literal_str(config.get("filename"))
        if path is None or path.startswith("assets/") or (os.path.isabs(path) and os.path.exists(path)):
            continue
        where = "does not exist" if os.path.isabs(path) else "is relative: Terraform runs in cdktf.out/stacks/<stack>"
        yield (doc.path(rtype, name, config), f"filename {path!r} {where}, so apply fails (no such file)",
               "package the code with TerraformAsset(scope, id, path=<dir>, type=AssetType.ARCHIVE) and pass "
               "filename=asset.path, source_code_hash=asset.asset_hash")
