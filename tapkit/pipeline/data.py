"""The pipeline's rules as data: the JSON files beside this module, plus what conventions.json already holds.

A list lives in one place. conventions.json's "metadata" section is the template's (the questions offer its
lists); the files here hold what it leaves out (the schema's other fields, the detector's and validator's
rules, the allowed paths, the prompt rules). Every reader goes through this module, which resolves the
schema's references to conventions.json and derives the label lists. Standard library only.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from tapkit import conventions

HERE = Path(__file__).resolve().parent
METADATA: dict[str, Any] = conventions.DATA["metadata"]


@cache
def load(name: str) -> dict[str, Any]:
    """One data file of this folder (`name` without .json)."""
    return json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))


def other_platforms() -> dict[str, dict[str, list[str]]]:
    """{subtask of another platform: {label: the languages that label requires}}."""
    return {k: v for k, v in load("subject_labels")["other_platforms"].items() if not k.startswith("_")}


def label_platform(label: str) -> tuple[str, list[str]] | None:
    """(platform, languages) a label requires, or None for a label any IaC platform may carry."""
    for subtask, labels in other_platforms().items():
        if label in labels:
            return METADATA["other_platform_subtasks"][subtask], labels[label]
    return None


def reference_only() -> dict[str, dict[str, str]]:
    """{subtask: {label the validator's reference gives it but the schema lacks: why}}."""
    return {k: v for k, v in load("subject_labels")["reference_only"].items() if not k.startswith("_")}


def both_accept(subtask: str) -> list[str]:
    """The labels of `subtask` that both the schema and the validator accept (for its own platform)."""
    labels = METADATA["subtasks"].get(subtask) or []
    return list(labels) or list(other_platforms().get(subtask, {}))


def reference_labels(subtask: str) -> list[str]:
    """The labels the validator's reference gives `subtask` ([] for a subtask it does not know)."""
    if subtask not in METADATA["subtasks"]:
        return []
    return [*both_accept(subtask), *reference_only().get(subtask, {})]


def schema_labels() -> list[str]:
    """The schema's closed list of subject labels."""
    labels = [label for subtask in METADATA["subtasks"] for label in both_accept(subtask)]
    return list(dict.fromkeys([*labels, *METADATA["disagreeing_labels"]]))


def refused_reason(subtask: str, label: str) -> str | None:
    """Why a label one of the two lists accepts fails the other, or None."""
    return reference_only().get(subtask, {}).get(label) or METADATA["disagreeing_labels"].get(label)


def _resolve(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    spec = dict(spec)
    if spec.get("choices") == "conventions":
        listed = METADATA["subtasks" if name == "subtask" else name]
        spec["choices"] = list(listed)
    elif spec.get("choices") == "subject_labels.json":
        spec["choices"] = schema_labels()
    if "items" in spec:
        spec["items"] = _resolve(name, spec["items"])
    if "fields" in spec:
        spec["fields"] = {k: _resolve(k, v) for k, v in spec["fields"].items()}
    return spec


@cache
def schema() -> dict[str, Any]:
    """metadata_schema.json with every closed list in place (conventions.json's, the derived label list)."""
    return _resolve("", load("metadata_schema"))


def choices(field: str) -> list[str]:
    """The schema's closed list for a top-level field ([] when it has none)."""
    return list(schema()["fields"].get(field, {}).get("choices") or [])


def emoji_ranges(kind: str) -> list[tuple[int, int]]:
    """emoji.json's inclusive code point ranges of `kind` ('lib_markdown' or 'prompt')."""
    return [(int(low, 16), int(high, 16)) for low, high in load("emoji")[kind]]


def emoji_in(text: str, kind: str) -> list[int]:
    """Line numbers (1-based) of `text` holding a character of emoji.json's `kind` ranges."""
    ranges = emoji_ranges(kind)
    return [number for number, line in enumerate(text.splitlines(), 1)
            if any(low <= ord(char) <= high for char in line for low, high in ranges)]
