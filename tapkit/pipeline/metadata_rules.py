"""Gate metadata-rules (scripts/detect-metadata.sh and the .claude/scripts/validate-metadata.sh it runs):
the rules beyond the schema, from metadata_rules.json, subject_labels.json, teams.json and emoji.json.

Fields must be present and not blank ('', 'unknown', 'null'); closed lists and platform/language pairs;
each subject label must belong to the subtask in the validator's reference AND to the schema's list; labels
of other platforms need that platform; a synth* team needs the prompt and the model's answer; no emojis in
lib/*.md. One more, the template's own: platform and language are cdktf and py (the pipeline picks the lint,
test and synth tools by them).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tapkit.pipeline import data
from tapkit.pipeline.result import Problem, Result, judged
from tapkit.pipeline.task import Task
from tapkit.pipeline.metadata_schema import UNREADABLE_FIX

NAME = "metadata-rules"
SHOWN_LINES = 5


def text(value: Any, default: str = "") -> str:
    """A field as the scripts read it (`jq -r '.f // default'`): null and false are the default, a string is
    itself, anything else its JSON."""
    if value is None or value is False:
        return default
    return value if isinstance(value, str) else json.dumps(value)


def _quoted(values: list[str]) -> str:
    return ", ".join(f'"{v}"' for v in values)


def _presence(meta: dict[str, Any], said: set[str]) -> list[Problem]:
    """Fields missing (the validator), blank, 'unknown' or 'null' (the detector); each named once in `said`."""
    rules, problems = data.load("metadata_rules"), []
    for name in rules["present"]["fields"]:
        if meta.get(name) is None or meta.get(name) is False:
            problems.append(Problem(f"{name} is missing", f'add "{name}"'))
            said.add(name)
    for name in rules["not_blank"]["fields"]:
        if name not in said and text(meta.get(name)) in rules["not_blank"]["blank"]:
            problems.append(Problem(f"{name} is {text(meta.get(name))!r}", "give it a real value"))
            said.add(name)
    return problems


def _values(meta: dict[str, Any], said: set[str]) -> list[Problem]:
    """The validator's closed lists, platform/language pairs, the team pattern and the region's form."""
    rules, problems = data.load("metadata_rules"), []
    for name in rules["validator_choices"]["fields"]:
        value = text(meta.get(name))
        if name not in said and value and value not in data.choices(name):
            problems.append(Problem(f"{name} {value!r} is not allowed", f"use one of {_quoted(data.choices(name))}"))
            said.add(name)
    platform, language = text(meta.get("platform")), text(meta.get("language"))
    pairs = rules["platform_languages"]
    if platform in pairs and language and language not in pairs[platform]:
        problems.append(Problem(f"language {language!r} does not go with platform {platform!r}",
                                f"{platform} takes {', '.join(pairs[platform])}"))
    teams, team = data.load("teams"), text(meta.get("team"))
    if team and "team" not in said and not re.search(teams["pattern"], team):
        problems.append(Problem(f"team {team!r} is not allowed", f"use {teams['pattern_in_words']}"))
    for name, pattern in rules["optional_patterns"].items():
        if not name.startswith("_") and text(meta.get(name)) and not re.search(pattern, text(meta.get(name))):
            problems.append(Problem(f"{name} {text(meta.get(name))!r} does not match {pattern}", "correct it"))
    return problems


def _shapes(meta: dict[str, Any], said: set[str]) -> list[Problem]:
    """Lists that must be lists (and not empty); the template's own platform and language."""
    arrays, problems = data.load("metadata_rules")["arrays"], []
    for name in (n for n in arrays["fields"] if n not in said):
        value = meta.get(name)
        if value is not None and value is not False and not isinstance(value, list):
            problems.append(Problem(f"{name} is not a list", f'write it as a JSON list: "{name}": [...]'))
        elif name in arrays["non_empty"] and value == []:
            problems.append(Problem(f"{name} is empty", "give it at least one label"))
    for name in ("platform", "language"):
        value, want = text(meta.get(name)), data.METADATA[name]
        if value and value != want and name not in said:
            problems.append(Problem(f"{name} is {value!r}, the template's tasks are {want!r}",
                                    f'set "{name}": "{want}" (the pipeline picks lint, tests and synth by it)'))
    return problems


def field_problems(meta: dict[str, Any]) -> list[Problem]:
    """Presence, blankness, closed lists, the platform/language pair, arrays, the team pattern, the region."""
    said: set[str] = set()
    return _presence(meta, said) + _values(meta, said) + _shapes(meta, said)


def _label_fix(subtask: str) -> str:
    offered = data.METADATA["subtasks"].get(subtask)
    if offered:
        return f"use labels of subtask {subtask!r}: {_quoted(offered)}"
    if subtask in data.METADATA["other_platform_subtasks"]:
        return f"choose another subtask: this one needs platform {data.METADATA['other_platform_subtasks'][subtask]}"
    return "fix the subtask first"


def label_problems(meta: dict[str, Any]) -> list[Problem]:
    """Each label in the subtask's reference list and in the schema's list; other platforms' labels."""
    labels, subtask = meta.get("subject_labels"), text(meta.get("subtask"))
    if not isinstance(labels, list):
        return []
    platform, language = text(meta.get("platform")), text(meta.get("language"))
    reference, problems = data.reference_labels(subtask), []
    use = _label_fix(subtask)
    for label in (x for x in labels if isinstance(x, str)):
        if reference and (label not in reference or label not in data.schema_labels()):
            reason = data.refused_reason(subtask, label)
            said = f": {reason}" if reason else f" is not a label of subtask {subtask!r}"
            problems.append(Problem(f"subject label {label!r}{said}", use))
        needs = data.label_platform(label)
        if needs and (platform != needs[0] or language not in needs[1]):
            problems.append(Problem(f"subject label {label!r} needs platform {needs[0]!r} with language "
                                    f"{' or '.join(needs[1])}", use))
    for subtask_of, labels_of in data.other_platforms().items():
        other = data.METADATA["other_platform_subtasks"][subtask_of]
        if platform == other and not set(labels_of) & set(labels):
            problems.append(Problem(f"platform {other!r} needs one of the labels {_quoted(list(labels_of))}",
                                    "add one"))
    return problems


def doc_problems(root: Path, meta: dict[str, Any]) -> list[Problem]:
    """A synth* team's documents; emojis in lib/*.md (directly in lib/)."""
    problems = []
    team = text(meta.get("team"), "unknown")
    if team.startswith(data.load("teams")["synthetic"]["prefix"]):
        missing = [doc for doc in data.METADATA["synth_team_docs"] if not (root / doc).is_file()]
        if missing:
            problems.append(Problem(f"team {team!r} is a synthetic task without {', '.join(missing)}",
                                    "the task's author writes them (see the required-docs line)"))
    for path in sorted((root / "lib").glob("*.md")) if (root / "lib").is_dir() else []:
        if path.is_file():
            lines = data.emoji_in(path.read_text(encoding="utf-8", errors="replace"), "lib_markdown")
            if lines:
                shown = ", ".join(map(str, lines[:SHOWN_LINES])) + (", ..." if len(lines) > SHOWN_LINES else "")
                problems.append(Problem(f"emoji in lib/{path.name} (line {shown})", "remove every emoji"))
    return problems


def check(task: Task) -> Result:
    """The metadata-rules gate."""
    meta, why = task.metadata
    if meta is None:
        return judged(NAME, [Problem(why, UNREADABLE_FIX)])
    return judged(NAME, field_problems(meta) + label_problems(meta) + doc_problems(task.root, meta))
