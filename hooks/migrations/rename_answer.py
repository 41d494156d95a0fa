"""Migration: rename a recorded answer in the project's answers file.

copier runs it from `_migrations` (stage "before") when an update crosses the
version that renamed a question, so the new version renders with the old value:

    python rename_answer.py ANSWERS_FILE OLD_NAME NEW_NAME

It edits only the top-level `OLD_NAME:` entry (its line and any indented lines
that continue its value), keeps every other line as it is, and is idempotent:
when NEW_NAME is already recorded, OLD_NAME is dropped; when OLD_NAME is absent,
nothing changes. Standard library only: it runs in copier's own interpreter.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path


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


def main(argv: list[str]) -> int:
    """Entry point; the exit status is copier's migration status."""
    if len(argv) != 3:
        print(f"usage: {Path(__file__).name} ANSWERS_FILE OLD_NAME NEW_NAME", file=sys.stderr)
        return 2
    path, old, new = Path(argv[0]), argv[1], argv[2]
    if not path.is_file():
        print(
            f"TAP migration: {path.resolve()} not found, so the answer {old} cannot be renamed to {new}. "
            "Run copier update from the project's root, or pass --answers-file.",
            file=sys.stderr,
        )
        return 1
    text, said = rename(path.read_text(encoding="utf-8"), old, new)
    path.write_text(text, encoding="utf-8")
    print(f"TAP migration: {path}: {said}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
