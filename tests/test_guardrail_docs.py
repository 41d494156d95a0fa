"""docs/guardrails.md's rule table is generated from the rule list (RULES in tapkit/checks/guardrails/core.py).

The test fails when the two differ. To rewrite the table from the list:
    UPDATE_DOCS=1 python3 run.py test tests/test_guardrail_docs.py
"""
from __future__ import annotations

import dataclasses
import os

from helpers import ROOT
from tapkit.checks.guardrails import core

DOC = ROOT / "docs" / "guardrails.md"
BEGIN = ("<!-- rule table: generated from RULES in tapkit/checks/guardrails/core.py; "
         "rewrite with UPDATE_DOCS=1 python3 run.py test tests/test_guardrail_docs.py -->")
END = "<!-- end of the generated rule table -->"


def cell(text: str) -> str:
    """`text` for a Markdown table cell (pipes escaped)."""
    return text.replace("|", "\\|")


def table(rules=None) -> str:
    """The Markdown table: id, severity (warnings in bold), rule, why, the module with the check."""
    rows = ["| id | severity | rule | why | check |", "| --- | --- | --- | --- | --- |"]
    for item in (core.RULES if rules is None else rules).values():
        severity = item.severity if item.severity == core.ERROR else f"**{item.severity}**"
        module = item.check.__module__.rpartition(".")[2]
        rows.append(f"| {item.rule_id} | {severity} | {cell(item.title)} | {cell(item.why)} | `rules/{module}.py` |")
    return "\n".join(rows)


def split(text: str) -> tuple[str, str, str]:
    """The doc before the table's markers, the table between them, the rest."""
    assert text.count(BEGIN) == 1 and text.count(END) == 1, f"{DOC} must hold the markers {BEGIN!r} and {END!r} once"
    before, rest = text.split(BEGIN)
    current, after = rest.split(END)
    return before, current, after


def test_the_rule_table_is_the_rule_list():
    before, current, after = split(DOC.read_text(encoding="utf-8"))
    wanted = "\n\n" + table() + "\n\n"  # blank lines: the comments and the table are separate Markdown blocks
    if current != wanted and os.environ.get("UPDATE_DOCS") == "1":
        DOC.write_text(before + BEGIN + wanted + END + after, encoding="utf-8")
        current = split(DOC.read_text(encoding="utf-8"))[1]
    assert current == wanted, (f"{DOC.relative_to(ROOT)}'s rule table differs from RULES in "
                               "tapkit/checks/guardrails/core.py; rewrite it with "
                               "UPDATE_DOCS=1 python3 run.py test tests/test_guardrail_docs.py")


def test_every_rule_has_a_why_and_its_check_module_exists():
    for item in core.RULES.values():
        assert item.why.strip(), f"{item.rule_id} has no why: the docs' table would have an empty cell"
        module = item.check.__module__.rpartition(".")[2]
        assert (ROOT / "tapkit" / "checks" / "guardrails" / "rules" / f"{module}.py").is_file()


def test_a_changed_rule_changes_the_table():
    """So the comparison above can fail: a retitled rule gives another table."""
    first = next(iter(core.RULES))
    changed = {**core.RULES, first: dataclasses.replace(core.RULES[first], title="something else")}
    assert table(changed) != table()
    assert "| something else |" in table(changed)
