"""Terraform version constraints: does a constraint admit a version? Standard library only.

Used by tapkit.checks.verify (the constraint must admit the version the prebuilt
provider bindings were generated for), tapkit.pins (the same rule on the releases
pins.json records) and the template's adopt command.
"""
from __future__ import annotations

import re

from tapkit import conventions

# One clause of the grammar the questionnaire validates (conventions.json): group 1 the operator, 2 the version.
_CLAUSE = re.compile(conventions.DATA["terraform_constraint"]["clause"])


def admits(constraint: str, version: str) -> bool:
    """Whether a Terraform version constraint admits `version` (=, !=, >, >=, <, <=, ~>)."""
    have = tuple(int(x) for x in version.split("."))
    for part in constraint.split(","):
        found = _CLAUSE.fullmatch(part)
        if not found:
            return False
        op, bound_text = found.group(1) or "=", found.group(2)
        bound = tuple(int(x) for x in bound_text.split("."))
        padded = bound + (0,) * (3 - len(bound))
        if op == "~>":  # the last given component may grow: ~> 6.0 is >= 6.0, < 7.0
            prefix = bound[:-1] if len(bound) > 1 else bound
            ok = have >= padded and have[: len(prefix)] == prefix
        else:
            ok = {
                "=": have == padded, "!=": have != padded, ">": have > padded,
                ">=": have >= padded, "<": have < padded, "<=": have <= padded,
            }[op]
        if not ok:
            return False
    return True
