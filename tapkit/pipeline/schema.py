"""The part of JSON Schema draft-07 the metadata schema uses, over metadata_schema.json's own form:
closed objects, required fields, JSON types, closed lists, minLength, minItems, items, date-time, pattern,
integer ranges. Standard library only (the template runs under copier's Python, with no jsonschema).

Formats and patterns behave as the pipeline's validator (schemasafe, in JavaScript) has them: date-time is
RFC 3339 with a time zone and a real calendar date; a pattern is searched, and `$` ends the string.
"""
from __future__ import annotations

import calendar
import re
from typing import Any

from tapkit.pipeline.result import Problem

TYPES = {"string": str, "array": list, "object": dict, "boolean": bool}
DATE_TIME = re.compile(r"(\d{4})-(0[1-9]|1[0-2])-([0-2]\d|3[01])[tT ]([01]\d|2[0-3]):([0-5]\d):([0-5]\d|60)"
                       r"(?:\.\d+)?(?:[zZ]|([+-])([01]\d|2[0-3])(?::?([0-5]\d))?)")
DATE_TIME_MAX = 10 + 1 + 9 + 12 + 6


def json_type(value: Any) -> str:
    """The JSON name of a parsed value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "integer" if isinstance(value, int) or value.is_integer() else "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def is_type(value: Any, wanted: str) -> bool:
    """JSON Schema's type test: integer is a number without a fraction (1.0 too), booleans are not numbers."""
    if wanted in ("integer", "number"):
        return json_type(value) == "integer" or (wanted == "number" and json_type(value) == "number")
    return isinstance(value, TYPES[wanted])


def is_date_time(text: str) -> bool:
    """RFC 3339 date-time with a time zone, on a real calendar day; second 60 only at 23:59 UTC."""
    found = DATE_TIME.fullmatch(text) if len(text) <= DATE_TIME_MAX else None
    if not found:
        return False
    year, month, day, hour, minute, second, sign, zone_hour, zone_minute = found.groups()
    if int(day) == 0 or int(day) > calendar.monthrange(int(year), int(month))[1]:
        return False
    if second == "60":
        offset = (int(zone_hour or 0) * 60 + int(zone_minute or 0)) * (-1 if sign == "+" else 1)
        return (int(hour) * 60 + int(minute) + offset) % (24 * 60) == 23 * 60 + 59
    return True


def matches(pattern: str, text: str) -> bool:
    """ECMAScript's test(): a search, where an unescaped final `$` ends the string (no trailing newline)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.search(pattern, text) is not None


def _shown(choices: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in choices)


def _missing_fix(name: str, spec: dict[str, Any], examples: dict[str, str]) -> str:
    if spec.get("choices"):
        return f'add "{name}": one of {_shown(spec["choices"])}'
    if spec.get("items", {}).get("choices"):
        return f'add "{name}": a list of {_shown(spec["items"]["choices"])}'
    return "add " + examples.get(name, f'"{name}" (a {spec["type"]})')


def _value_problems(name: str, value: Any, spec: dict[str, Any]) -> list[Problem]:
    """The problems of one present value: type first (nothing else is checked on a wrong type)."""
    if not is_type(value, spec["type"]):
        article = "an" if spec["type"][0] in "aeiou" else "a"
        return [Problem(f"{name} is {json_type(value)}", f"make it {article} {spec['type']}")]
    problems = []
    if spec.get("choices") and value not in spec["choices"]:
        problems.append(Problem(f"{name} {value!r} is not allowed", f"use one of {_shown(spec['choices'])}"))
    if isinstance(value, str) and len(value) < spec.get("min_length", 0):
        problems.append(Problem(f"{name} is empty", "give it a value"))
    if spec.get("format") == "date-time" and not is_date_time(value):
        problems.append(Problem(f"{name} {value!r} is not an RFC 3339 date-time",
                                'write it like "2025-01-15T10:00:00Z" (date, time and time zone)'))
    if "pattern" in spec and not matches(spec["pattern"], value):
        problems.append(Problem(f"{name} {value!r} does not match {spec['pattern']}",
                                f"write it like {spec.get('example', 'the pattern says')!r}"))
    for bound, compare, word in (("minimum", float.__lt__, "at least"), ("maximum", float.__gt__, "at most")):
        if bound in spec and compare(float(value), float(spec[bound])):
            problems.append(Problem(f"{name} is {value}", f"make it {word} {spec[bound]}"))
    if isinstance(value, list):
        if len(value) < spec.get("min_items", 0):
            problems.append(Problem(f"{name} is empty", f"give it at least {spec['min_items']} item"
                                    + (f" of {_shown(spec['items']['choices'])}" if "choices" in spec.get("items", {})
                                       else "")))
        for index, item in enumerate(value):
            problems += _value_problems(f"{name}[{index}]", item, spec["items"]) if "items" in spec else []
    if isinstance(value, dict):
        problems += validate(value, spec, prefix=f"{name}.")
    return problems


def validate(document: dict[str, Any], spec: dict[str, Any], prefix: str = "") -> list[Problem]:
    """Every problem of an object against a spec of the form {closed, fields, examples, extra_field_hints}."""
    fields, problems = spec["fields"], []
    examples, hints = spec.get("examples", {}), spec.get("extra_field_hints", {})
    for name, field in fields.items():
        if name in document:
            problems += _value_problems(prefix + name, document[name], field)
        elif field.get("required"):
            problems.append(Problem(f"{prefix}{name} is missing", _missing_fix(name, field, examples)))
    if spec.get("closed"):
        for name in document:
            if name not in fields:
                problems.append(Problem(f"{prefix}{name} is not a schema field", hints.get(
                    name, f"remove it: the schema allows only {', '.join(fields)}")))
    return problems
