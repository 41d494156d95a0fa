"""Gate prompt-quality (.claude/scripts/claude-validate-prompt-quality.sh): what the step rejects in
lib/PROMPT.md, from prompt_quality.json (and emoji.json's 'prompt' ranges).

It fails on: addressing a group; marks of generated text (emoji, en or em dashes, square brackets, more than
one round or curly bracket, formal abbreviations); fewer than two connectivity patterns or AWS services;
a security-focused prompt that asks for wildcards or admin access. Many semicolons only warn.
"""
from __future__ import annotations

import re

from tapkit.pipeline import data
from tapkit.pipeline.result import Problem, Result, judged
from tapkit.pipeline.task import Task

NAME = "prompt-quality"
SHOWN = 3


def _where(lines: list[int]) -> str:
    return "line " + ", ".join(map(str, lines[:SHOWN])) + (", ..." if len(lines) > SHOWN else "")


def _search(patterns: list[str], text: str) -> list[str]:
    """The patterns found in some line of `text` (grep -iE: case-insensitive, within a line)."""
    return [p for p in patterns if any(re.search(p, line, re.IGNORECASE) for line in text.splitlines())]


def _contains(literals: list[str], text: str) -> list[str]:
    """The plain-text entries found in `text`, case-insensitively (grep -i)."""
    lowered = text.lower()
    return [x for x in literals if x.lower() in lowered]


def generated_marks(text: str) -> list[Problem]:
    """Emoji, the characters prompt_quality.json lists, too many brackets, formal abbreviations."""
    rules, problems = data.load("prompt_quality"), []
    emoji = data.emoji_in(text, "prompt")
    if emoji:
        problems.append(Problem(f"emoji ({_where(emoji)})", "remove every emoji"))
    for char, rule in rules["characters"].items():
        if not char.startswith("_") and char in text:
            lines = [number for number, line in enumerate(text.splitlines(), 1) if char in line]
            problems.append(Problem(f"{text.count(char)} {rule['name']} {char!r} ({_where(lines)})", rule["fix"]))
    brackets = rules["brackets"]
    count = sum(text.count(b) for b in brackets["count"])
    if count > brackets["max"]:
        problems.append(Problem(f"{count} round or curly brackets (at most {brackets['max']})", brackets["fix"]))
    found = _search(rules["abbreviations"]["patterns"], text)
    if found:
        shown = ", ".join(p.replace("\\", "") for p in found)
        problems.append(Problem(f"formal abbreviations ({shown})", rules["abbreviations"]["fix"]))
    return problems


def content_problems(text: str) -> list[Problem]:
    """Group address, too little connectivity or too few services, insecure asks in a security prompt."""
    rules, problems = data.load("prompt_quality"), []
    group = _contains(rules["group_address"]["literal"], text)
    if group:
        problems.append(Problem(f"addresses a group ({', '.join(repr(g) for g in group)})",
                                rules["group_address"]["fix"]))
    for key, find in (("connectivity", lambda r: _search(r["patterns"], text)),
                      ("services", lambda r: _contains(r["literal"], text))):
        found = find(rules[key])
        if len(found) < rules[key]["min"]:
            problems.append(Problem(f"{len(found)} {key} {'pattern' if key == 'connectivity' else 'name'}(s) found "
                                    f"(needs {rules[key]['min']})", rules[key]["fix"]))
    security = rules["security"]
    insecure = _search(security["insecure"], text) if _search(security["focus"], text) else []
    if insecure:
        problems.append(Problem(f"security-focused prompt asks for broad access ({', '.join(insecure)})",
                                security["fix"]))
    return problems


def check(task: Task) -> Result:
    """The prompt-quality gate."""
    rules = data.load("prompt_quality")
    path = task.root / rules["file"]
    if not path.is_file():
        about = data.load("docs")["about"].get(rules["file"], "the task's prompt")
        return judged(NAME, [Problem(f"{rules['file']} is missing", f"the task's author writes it ({about})")])
    text = path.read_text(encoding="utf-8", errors="replace")
    semicolons = text.count(";")
    warn = (f"warning: {semicolons} semicolons, the step warns above {rules['semicolons']['max']}"
            if semicolons > rules["semicolons"]["max"] else "")
    return judged(NAME, content_problems(text) + generated_marks(text), warn)
