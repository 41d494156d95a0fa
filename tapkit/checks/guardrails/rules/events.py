"""EventBridge and EventBridge Scheduler: schedule expressions."""
# Each check's one-line summary is its entry in tapkit/checks/guardrails/core.py RULES, not a docstring here.
# pylint: disable=missing-function-docstring
from __future__ import annotations

import re

from ..document import StackDoc, literal_str


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


def schedules(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_cloudwatch_event_rule", "aws_scheduler_schedule"):
        expression = literal_str(config.get("schedule_expression"))
        problem = expression is not None and schedule_problem(expression)
        if problem:
            yield (doc.path(rtype, name, config), f"schedule_expression {expression!r} is invalid "
                   "(ValidationException)", problem)
