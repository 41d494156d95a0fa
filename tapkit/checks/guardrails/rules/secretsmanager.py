"""Secrets Manager: recovery window."""
# Each check's one-line summary is its entry in tapkit/checks/guardrails/core.py RULES, not a docstring here.
# pylint: disable=missing-function-docstring
from __future__ import annotations

from ..document import StackDoc


def recovery_window(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_secretsmanager_secret"):
        if config.get("recovery_window_in_days") != 0 and config.get("name"):
            yield (doc.path(rtype, name, config), "destroyed secrets stay scheduled for deletion (7-30 days), so the "
                   "next deploy with the same name fails", "pass recovery_window_in_days=0")
