"""Migration: rename recorded answers in the project's answers file, as tapkit/lifecycle/renames.json lists them.

copier runs it from `_migrations` (stage "before") when an update crosses a
version that renamed a question, so the new version renders with the old value:

    python hooks/migrations/rename_answer.py ANSWERS_FILE RENAMES_JSON VERSION

It applies the "answers" renames of RENAMES_JSON whose "version" is VERSION.
For each, it edits only the top-level `OLD_NAME:` entry (its line and any
indented lines that continue its value), keeps every other line as it is, and
is idempotent:
when NEW_NAME is already recorded, OLD_NAME is dropped; when OLD_NAME is absent,
nothing changes. ANSWERS_FILE is copier's `_copier_conf.answers_file`; a project made
before 0.5.0 keeps its answers at the root, which is then the file edited
(tapkit/lifecycle/migrations/answers.py). Standard library only: it runs in
copier's own interpreter.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from tapkit.lifecycle.migrations.answers import read_by_update


def _entry(lines: list[str], name: str) -> tuple[int, int] | None:
    """(first, end) line indexes of the top-level entry `name:`, or None."""
    key = re.compile(rf"^{re.escape(name)}\s*:(\s|$)")
    for first, line in enumerate(lines):
        if key.match(line):
            end = first + 1
            while end < len(lines) and lines[end].startswith((" ", "\t", "-")):  # its value goes on
                end += 1
            return first, end
    return None


def rename(text: str, old: str, new: str) -> tuple[str, str]:
    """The answers text with `old` renamed to `new`, and one line saying what was done."""
    lines = text.splitlines(keepends=True)
    found = _entry(lines, old)
    if found is None:
        return text, f"{old} is not recorded; nothing to rename"
    first, end = found
    if _entry(lines, new) is not None:
        del lines[first:end]
        return "".join(lines), f"{new} is already recorded; dropped the old {old}"
    lines[first] = re.sub(rf"^{re.escape(old)}", new, lines[first], count=1)
    return "".join(lines), f"renamed the recorded answer {old} to {new}"


def answer_renames(renames_file: Path, version: str) -> list[tuple[str, str]]:
    """(old, new) of the answers renamed in `version`, in the order renames.json lists them."""
    data = json.loads(renames_file.read_text(encoding="utf-8"))
    return [(entry["old"], entry["new"]) for entry in data.get("answers", []) if str(entry["version"]) == version]


def main(argv: list[str] | None = None) -> int:
    """Entry point; the exit status is copier's migration status."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 3:
        print("usage: rename_answer.py ANSWERS_FILE RENAMES_JSON VERSION", file=sys.stderr)
        return 2
    path, renames_file, version = read_by_update(argv[0]), Path(argv[1]), argv[2]
    try:
        renames = answer_renames(renames_file, version)
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"TAP migration: cannot read the renames of {version} from {renames_file}: {error}. "
              "It is the template's own file: check the template checkout or report it.", file=sys.stderr)
        return 1
    if not renames:
        print(f"TAP migration: {renames_file} lists no answer renamed in {version}; nothing to do", flush=True)
        return 0
    if not path.is_file():
        names = ", ".join(f"{old} to {new}" for old, new in renames)
        print(
            f"TAP migration: {path.resolve()} not found, so the answers cannot be renamed ({names}). "
            "Run copier update from the project's root, or pass --answers-file.",
            file=sys.stderr,
        )
        return 1
    text = path.read_text(encoding="utf-8")
    for old, new in renames:
        text, said = rename(text, old, new)
        print(f"TAP migration: {path}: {said}", flush=True)
    path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
