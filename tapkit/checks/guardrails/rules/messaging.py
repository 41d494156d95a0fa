"""SQS and SNS: queue visibility against the Lambda it triggers, FIFO names."""
# Each check's one-line summary is its entry in tapkit/checks/guardrails/core.py RULES, not a docstring here.
# pylint: disable=missing-function-docstring
from __future__ import annotations

from ..document import StackDoc, is_token, literal_str, number


def sqs_visibility(doc: StackDoc):
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


def fifo_names(doc: StackDoc):
    for rtype, flag in (("aws_sqs_queue", "fifo_queue"), ("aws_sns_topic", "fifo_topic")):
        for _, name, config in doc.resources(rtype):
            value = literal_str(config.get("name"))
            if value is not None and not is_token(config.get(flag)) and (config.get(flag) is True) != value.endswith(
                    ".fifo"):
                fix = 'end the name with ".fifo"' if config.get(flag) is True else f"pass {flag}=True"
                yield (doc.path(rtype, name, config), f"name {value!r} with {flag}={config.get(flag) is True}: "
                       "AWS requires FIFO names to end in .fifo and no others to", fix)
