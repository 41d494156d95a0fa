"""What adopt does with each template-owned file the repo already has: keep, replace or merge it.

A decision table (place()) and the merges it uses: the Pipfile's packages, the
.gitignore's lines, metadata.json without what the pipeline's archive step adds.
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass

from tapkit.lifecycle.migrations.archived import ARCHIVE_FIELDS

ENTRY_FILES = {"tap.py", "lib/tap_stack.py"}


@dataclass
class FileAction:
    """What adopt did to one path."""

    path: str
    action: str  # added | replaced | moved | rewritten | merged | kept | same
    detail: str = ""


def _trivial_python(text: str) -> bool:
    """Only a docstring, comments and blank lines."""
    stripped = re.sub(r'^\s*("""|\'\'\')[\s\S]*?\1\s*', "", text.strip())
    return all(not line.strip() or line.strip().startswith("#") for line in stripped.splitlines())


def merge_pipfile(rendered: str, mine: str) -> tuple[str, list[str]]:
    """The template's Pipfile plus the repo's packages it lacks, and their names."""
    # pylint: disable=too-many-locals  # merges two TOML documents section by section
    try:
        theirs, ours = tomllib.loads(rendered), tomllib.loads(mine)
    except tomllib.TOMLDecodeError:
        return rendered, []
    def canonical(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    known = {canonical(n) for section in ("packages", "dev-packages") for n in theirs.get(section, {})}
    lines, added = rendered.splitlines(), []
    for section in ("packages", "dev-packages"):
        extra = [n for n in ours.get(section, {}) if canonical(n) not in known]
        if not extra:
            continue
        header = lines.index(f"[{section}]") if f"[{section}]" in lines else None
        if header is None:
            lines += ["", f"[{section}]"]
            header = len(lines) - 1
        end = next((i for i in range(header + 1, len(lines)) if lines[i].startswith("[")), len(lines))
        while end > header + 1 and not lines[end - 1].strip():
            end -= 1
        new = ["# kept from this repo's own Pipfile (adopt)"]
        for name in extra:
            spec = ours[section][name]
            new.append(f'{name} = {json.dumps(spec) if isinstance(spec, str) else _inline_table(spec)}')
            added.append(name)
        lines[end:end] = new
    if "[[source]]" in mine and "[[source]]" not in rendered:
        block = mine[mine.index("[[source]]"):].split("\n\n", 1)[0]
        lines = block.splitlines() + [""] + lines
    return "\n".join(lines) + "\n", added


def _inline_table(spec: dict) -> str:
    return "{" + ", ".join(f"{k} = {json.dumps(v)}" for k, v in spec.items()) + "}"


def merge_lines(rendered: str, mine: str) -> tuple[str, list[str]]:
    """The template's .gitignore plus the repo's lines it lacks."""
    have = {line.strip() for line in rendered.splitlines()}
    extra = [line for line in mine.splitlines() if line.strip() and line.strip() not in have
             and not line.strip().startswith("#")]
    if not extra:
        return rendered, []
    return rendered.rstrip("\n") + "\n# kept from this repo's own .gitignore (adopt)\n" + "\n".join(extra) + "\n", extra


def place(rel: str, rendered: str, mine: str | None, answered_keys: set[str]) -> FileAction | tuple[FileAction, str]:
    """What to do with one template-owned file: (action, text to write) or an action that writes nothing."""
    # pylint: disable=too-many-return-statements,too-many-branches  # a decision table: one return per outcome
    if mine is None:
        return FileAction(rel, "added"), rendered
    if mine == rendered:
        return FileAction(rel, "same")
    if rel in ENTRY_FILES:
        return FileAction(rel, "replaced", "the template's; yours is in the commit before adoption"), rendered
    if rel.endswith("__init__.py"):
        if _trivial_python(mine):
            return FileAction(rel, "replaced", "yours held no code"), rendered
        return FileAction(rel, "kept", "it has code of yours; copier update merges template changes into it")
    if rel == "Pipfile":
        text, added = merge_pipfile(rendered, mine)
        return FileAction(rel, "merged", f"the template's, plus your {', '.join(added)}" if added else
                          "the template's; it has every package yours had"), text
    if rel == ".gitignore":
        text, extra = merge_lines(rendered, mine)
        if not extra:
            return FileAction(rel, "replaced", "yours had no line the template's lacks"), text
        return FileAction(rel, "merged", f"the template's, plus {len(extra)} line(s) of yours"), text
    if rel.endswith("conftest.py"):
        return FileAction(rel, "merged", "the template's fixtures, then yours (yours win on equal names)"), (
            rendered.rstrip("\n") + "\n\n\n# ---- kept from this repo's own conftest.py (adopt) ----\n" + mine)
    if rel.endswith(".json"):
        try:
            ours, theirs = json.loads(mine), json.loads(rendered)
        except json.JSONDecodeError:
            return FileAction(rel, "replaced", "yours was not valid JSON"), rendered
        if rel == "metadata.json" and isinstance(ours, dict) and isinstance(theirs, dict):
            return place_metadata(ours, theirs, rendered)
        if isinstance(ours, dict) and isinstance(theirs, dict) and set(ours) <= set(theirs) and all(
                ours[k] == theirs[k] for k in ours if k not in answered_keys):
            changed = sorted(k for k in ours if ours[k] != theirs[k])
            return FileAction(rel, "replaced", "the template's, from the answers" + (
                f" ({', '.join(changed)} changed)" if changed else "")), rendered
        if rel == "cdktf.json" and isinstance(ours, dict) and isinstance(theirs, dict):
            # Kept for its own keys, but the AWS constraint is an answer: the stack's required_providers and the
            # generated tests read it, so cdktf.json must agree with it.
            aws = [p for p in theirs.get("terraformProviders", []) if str(p).split("@", 1)[0].endswith("aws")]
            others = [p for p in ours.get("terraformProviders", []) if not str(p).split("@", 1)[0].endswith("aws")]
            if ours.get("terraformProviders") != aws + others:
                ours["terraformProviders"] = aws + others
                return FileAction(rel, "kept", "yours, with terraformProviders set to the answered "
                                               f"{', '.join(aws)}"), json.dumps(ours, indent=2) + "\n"
    return FileAction(rel, "kept", "yours differs from the template's; copier update merges template changes "
                                   "into it, and may mark conflicts there")


def place_metadata(ours: dict, theirs: dict, rendered: str) -> tuple[FileAction, str]:
    """metadata.json is the answers' (each field the template writes comes from an answer adopt read off this very
    file, or the template's default where the pipeline refuses the repo's value: the report says which), plus the
    repo's fields the template does not write, without what the archive step adds (the pipeline's schema refuses
    those, and the update's check would drop them, leaving the adopted repo dirty; the archived copy keeps them)."""
    archived = sorted(k for k in ARCHIVE_FIELDS if k in ours)
    extra = {k: v for k, v in ours.items() if k not in theirs and k not in ARCHIVE_FIELDS}
    changed = sorted(k for k in ours if k in theirs and ours[k] != theirs[k])
    details = ["the template's, from the answers" + (f" ({', '.join(changed)} changed)" if changed else "")]
    if extra:
        details.append(f"plus your {', '.join(extra)}")
    if archived:
        details.append(f"without {', '.join(archived)} (the archive step adds them; the pipeline's schema refuses "
                       "them)")
    if not extra:
        return FileAction("metadata.json", "replaced", "; ".join(details)), rendered
    return FileAction("metadata.json", "merged", "; ".join(details)), json.dumps({**theirs, **extra}, indent=2) + "\n"
