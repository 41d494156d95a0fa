"""The TAP conventions, read from conventions.json beside this file. Standard library only.

conventions.json is the one definition: copier's questions and the rendered files
read it through includes/conventions.jinja, Python reads it here. Rules are data
(regex + message), interpreted the same way on both sides, so a validator and a
guardrail cannot disagree about a name. The Jinja side searches with ansible's
regex_search, which is Python's re.search and counts an empty match as no match:
_search() does the same.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

DATA: dict[str, Any] = json.loads((Path(__file__).with_name("conventions.json")).read_text(encoding="utf-8"))

FRAMEWORKS: dict[str, dict[str, Any]] = DATA["frameworks"]
# answer name -> the variable tap.py reads for it
STACK_VARIABLES: dict[str, str] = DATA["pipeline"]["stack_variables"]
ENVIRONMENT_TAG: str = DATA["pipeline"]["environment_tag"]
# tag key -> the variable tap.py derives it from, in the template's order
PIPELINE_TAGS: dict[str, str] = {t["key"]: t["variable"] for t in DATA["pipeline"]["tags"]}
# variable -> the answer that is its tag's fallback (author, team)
TAG_FALLBACK_ANSWERS: dict[str, str] = {
    t["variable"]: t["fallback_answer"] for t in DATA["pipeline"]["tags"] if "fallback_answer" in t}
# variable -> a value like the pipeline's, recognisable in a synthesized JSON (adopt sets them)
TAG_PROBES: dict[str, str] = {t["variable"]: t["probe"] for t in DATA["pipeline"]["tags"]}
SYNTH_VARIABLES: tuple[str, ...] = tuple(DATA["pipeline"]["synth_variables"])
# ENVIRONMENT_SUFFIX as a pipeline deploy sets it, for synths that must look like one (adopt, the framework move)
PROBE_SUFFIX: str = DATA["pipeline"]["probe_suffix"]
ANSWERS_FILE: str = DATA["answers_file"]["path"]
OLD_ANSWERS_FILE: str = DATA["answers_file"]["before_0_5"]


def answers_file(project: Path) -> Path:
    """The project's copier answers file: lib/.copier-answers.yml, or the root one of a release before 0.5.0."""
    new, old = project / ANSWERS_FILE, project / OLD_ANSWERS_FILE
    return new if new.is_file() or not old.is_file() else old
# every variable that changes what a generated project synthesizes
PIPELINE_VARIABLES: tuple[str, ...] = (*STACK_VARIABLES.values(), *PIPELINE_TAGS.values(), *SYNTH_VARIABLES)
# tag keys tap.py always sets from the pipeline (with every pipeline tag chosen)
RESERVED_TAGS: frozenset[str] = frozenset({ENVIRONMENT_TAG, *PIPELINE_TAGS})
S3_RESERVED_PREFIXES: tuple[str, ...] = tuple(
    next(c["prefixes"] for c in DATA["rules"]["s3_bucket"] if "prefixes" in c))
S3_RESERVED_SUFFIXES: tuple[str, ...] = tuple(
    next(c["suffixes"] for c in DATA["rules"]["s3_bucket"] if "suffixes" in c))


def flag(value: str | None, default: bool = False) -> bool:
    """Read a yes/no setting (the words in conventions.json "flags", any case); anything else is `default`."""
    text = (value or "").strip().lower()
    if text in DATA["flags"]["true"]:
        return True
    if text in DATA["flags"]["false"]:
        return False
    return default


def _search(pattern: str, value: str) -> bool:
    found = re.search(pattern, value)
    return bool(found and found.group())


def got(value: Any, width: int = 18) -> str:
    """The value as a validator message quotes it: JSON, cut to `width` characters."""
    shown = json.dumps(value)
    return shown if len(shown) <= width else shown[: width - 3] + "..."


def listed(name: str) -> list[str]:
    """Every value of a list section of conventions.json (aws_regions: its partitions' codes, in order)."""
    return [value for key, values in DATA[name].items() if not key.startswith("_") for value in values]


def nearest(value: str, choices: list[str]) -> str:
    """The choice sharing most dash-separated parts with `value` (the first such); the first choice if none."""
    parts = set(value.split("-"))
    return max(choices, key=lambda choice: len(parts & set(choice.split("-"))))


def _check_fails(check: Mapping[str, Any], value: str) -> str:
    """The message of one check that `value` fails, else ""."""
    if "one_of" in check:
        choices = listed(check["one_of"])
        if value in choices:
            return ""
        return check["message"].replace("{nearest}", nearest(value, choices)).replace("{got}", got(value))
    if "prefixes" in check:
        hit = next((p for p in check["prefixes"] if value.startswith(p)), None)
        return check["message"].replace("{prefix}", hit) if hit else ""
    if "suffixes" in check:
        hit = next((s for s in check["suffixes"] if value.endswith(s)), None)
        return check["message"].replace("{suffix}", hit) if hit else ""
    bad = (
        len(value) < check.get("min_length", 0)
        or len(value) > check.get("max_length", len(value))
        or ("match" in check and not _search(check["match"], value))
        or ("refuse" in check and _search(check["refuse"], value))
    )
    return check["message"].replace("{got}", got(value)) if bad else ""


def problem(rule: str, value: Any) -> str:
    """Why `value` breaks the rule named in conventions.json's "rules" (the validator's message), or ""."""
    checks = DATA["rules"][rule]
    if not isinstance(value, str):
        return checks[0]["message"].replace("{got}", got(value))
    for check in checks:
        message = _check_fails(check, value)
        if message:
            return message
    return ""


def constraint_pattern() -> str:
    """The regex a whole Terraform version constraint (clauses joined by commas) matches."""
    clause = DATA["terraform_constraint"]["clause"]
    return "^" + clause + "(," + clause + ")*$"


def constraint_problem(value: Any) -> str:
    """Why a Terraform version constraint does not parse (the validator's message), or ""."""
    if isinstance(value, str) and _search(constraint_pattern(), value):
        return ""
    return DATA["terraform_constraint"]["message"]


def state_key_problem(value: Any) -> str:
    """Why a state key pattern is unusable (the validator's message), or ""."""
    spec = DATA["state_key"]
    messages = spec["messages"]
    if not isinstance(value, str) or not value:
        return messages["empty"]
    if "{" + spec["required"] + "}" not in value:
        return messages["required"]
    stripped = re.sub(r"\{(" + "|".join(spec["placeholders"]) + r")\}", "", value)
    if "{" in stripped or "}" in stripped:
        return messages["placeholders"]
    if not _search(spec["characters"], value):
        return messages["characters"]
    if any(segment in spec["bad_segments"] for segment in value.split("/")):
        return messages["segments"]
    return ""


def extra_tags_problem(tags: Any, reserved: Iterable[str]) -> str:
    """Why an extra_tags answer is refused (the validator's message), or ""."""
    # pylint: disable=too-many-return-statements  # one per message of conventions.json "tags", in order
    spec = DATA["tags"]
    messages = spec["messages"]
    reserved = list(reserved)
    if not isinstance(tags, Mapping):
        return messages["mapping"]
    if len(tags) > spec["max_extra"]:
        return (messages["too_many"].replace("{max_extra}", str(spec["max_extra"]))
                .replace("{aws_limit}", str(spec["aws_limit"])).replace("{reserved}", str(len(reserved))))
    for key, value in tags.items():
        if not (isinstance(key, str) and _search(spec["key"], key)):
            return messages["key"].replace("{got12}", got(key, 12))
        if _search(spec["reserved_prefix"], key.lower()):
            return messages["reserved_prefix"].replace("{got}", got(key))
        if key in reserved:
            return messages["reserved"].replace("{got}", got(key))
        if not isinstance(value, str):
            return (messages["not_string"].replace("{key16}", str(key)[:16])
                    .replace("{value12}", _jinja_string(value)[:12]))
        if not _search(spec["value"], value):
            return messages["value"].replace("{got12}", got(key, 12))
    return ""


def _jinja_string(value: Any) -> str:
    """str() as Jinja's `string` filter shows YAML scalars (True, 1.5, None)."""
    return str(value)
