"""KMS: key deletion window."""
# Each check's one-line summary is its entry in tapkit/checks/guardrails/core.py RULES, not a docstring here.
# pylint: disable=missing-function-docstring
from __future__ import annotations

from ..document import StackDoc, number


def deletion_window(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_kms_key"):
        days = number(config.get("deletion_window_in_days"))
        if days is not None and not 7 <= days <= 30:
            yield doc.path(rtype, name, config), f"deletion_window_in_days={days:g} is outside 7-30", \
                "use 7 (the shortest, best for stacks the pipeline destroys)"
