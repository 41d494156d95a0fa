"""Any resource: settings that stop `terraform destroy` (the pipeline destroys every stack)."""
# Each check's one-line summary is its entry in tapkit/checks/guardrails/core.py RULES, not a docstring here.
# pylint: disable=missing-function-docstring
from __future__ import annotations

from ..document import StackDoc, blocks


_PROTECTION_KEYS = ("deletion_protection", "deletion_protection_enabled", "enable_deletion_protection",
                    "disable_api_termination")


_PROTECTED_BY_DEFAULT = {"aws_qldb_ledger": "deletion_protection"}


def deletion_protection(doc: StackDoc):
    for rtype, name, config in doc.resources():
        for key in _PROTECTION_KEYS:
            value = config.get(key, True if _PROTECTED_BY_DEFAULT.get(rtype) == key else None)
            if value is True or str(value).upper() in ("ACTIVE", "ENABLED"):
                off = '"INACTIVE"' if isinstance(value, str) else "False"
                yield (doc.path(rtype, name, config), f"{key} is on: `terraform destroy` cannot delete this {rtype}",
                       f"pass {key}={off}")


def prevent_destroy(doc: StackDoc):
    for rtype, name, config in doc.resources():
        if blocks(config.get("lifecycle")) and blocks(config["lifecycle"])[0].get("prevent_destroy") is True:
            yield (doc.path(rtype, name, config), "lifecycle prevent_destroy=True: `terraform destroy` refuses the "
                   "whole stack", "remove prevent_destroy from the lifecycle")
