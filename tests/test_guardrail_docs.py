"""docs/guardrails.md's rule tables are generated from the rule lists: the guardrails' (RULES in
tapkit/checks/guardrails/core.py) and the doctor's (RULES in tapkit/checks/doctor_rules.py).

The test fails when a table and its list differ. To rewrite the tables from the lists:
    UPDATE_DOCS=1 python3 run.py test tests/test_guardrail_docs.py
"""
from __future__ import annotations

import dataclasses
import os

import pytest

from helpers import ROOT
from tapkit.checks import doctor_rules
from tapkit.checks.guardrails import core

DOC = ROOT / "docs" / "guardrails.md"
BEGIN = ("<!-- rule table: generated from RULES in tapkit/checks/guardrails/core.py; "
         "rewrite with UPDATE_DOCS=1 python3 run.py test tests/test_guardrail_docs.py -->")
END = "<!-- end of the generated rule table -->"
DOCTOR_BEGIN = ("<!-- doctor rule table: generated from RULES in tapkit/checks/doctor_rules.py; "
                "rewrite with UPDATE_DOCS=1 python3 run.py test tests/test_guardrail_docs.py -->")
DOCTOR_END = "<!-- end of the generated doctor rule table -->"


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


def doctor_table(rules=None) -> str:
    """The doctor's Markdown table: id, severity (warnings in bold), what it finds (and more), the usual fix, the
    module whose check reports it."""
    rows = ["| id | severity | finding | usual fix | check |", "| --- | --- | --- | --- | --- |"]
    for item in (doctor_rules.RULES if rules is None else rules).values():
        severity = " / ".join(s if s == doctor_rules.ERROR else f"**{s}**" for s in item.severities)
        finding = item.message + (f". {item.detail}" if item.detail else "")
        rows.append(f"| {item.rule_id} | {severity} | {cell(finding)} | {cell(item.fix)} | `{item.check}.py` |")
    return "\n".join(rows)


def split(text: str, begin: str = BEGIN, end: str = END) -> tuple[str, str, str]:
    """The doc before the table's markers, the table between them, the rest."""
    assert text.count(begin) == 1 and text.count(end) == 1, f"{DOC} must hold the markers {begin!r} and {end!r} once"
    before, rest = text.split(begin)
    current, after = rest.split(end)
    return before, current, after


TABLES = {  # each table: its markers, how it is made, the list it is made from
    "guardrails": (BEGIN, END, table, "tapkit/checks/guardrails/core.py"),
    "doctor": (DOCTOR_BEGIN, DOCTOR_END, doctor_table, "tapkit/checks/doctor_rules.py"),
}


@pytest.mark.parametrize("name", TABLES)
def test_the_rule_table_is_the_rule_list(name):
    begin, end, make, source = TABLES[name]
    before, current, after = split(DOC.read_text(encoding="utf-8"), begin, end)
    wanted = "\n\n" + make() + "\n\n"  # blank lines: the comments and the table are separate Markdown blocks
    if current != wanted and os.environ.get("UPDATE_DOCS") == "1":
        DOC.write_text(before + begin + wanted + end + after, encoding="utf-8")
        current = split(DOC.read_text(encoding="utf-8"), begin, end)[1]
    assert current == wanted, (f"{DOC.relative_to(ROOT)}'s {name} rule table differs from RULES in {source}; "
                               "rewrite it with UPDATE_DOCS=1 python3 run.py test tests/test_guardrail_docs.py")


def test_every_rule_has_a_why_and_its_check_module_exists():
    for item in core.RULES.values():
        assert item.why.strip(), f"{item.rule_id} has no why: the docs' table would have an empty cell"
        module = item.check.__module__.rpartition(".")[2]
        assert (ROOT / "tapkit" / "checks" / "guardrails" / "rules" / f"{module}.py").is_file()
    for item in doctor_rules.RULES.values():
        assert item.message.strip() and item.fix.strip(), f"{item.rule_id}: the docs' table would have an empty cell"
        assert (ROOT / "tapkit" / "checks" / f"{item.check}.py").is_file()


@pytest.mark.parametrize(("make", "rules", "field", "shown"), [
    (table, core.RULES, "title", "| something else |"),
    (doctor_table, doctor_rules.RULES, "fix", "| something else |"),
], ids=["guardrails", "doctor"])
def test_a_changed_rule_changes_the_table(make, rules, field, shown):
    """So the comparison above can fail: a changed rule gives another table."""
    first = next(iter(rules))
    changed = {**rules, first: dataclasses.replace(rules[first], **{field: "something else"})}
    assert make(changed) != make()
    assert shown in make(changed)
