"""Find what `copier update` leaves when a template change meets a user edit.

copier writes inline conflict markers (the default, --conflict inline) or a
`<file>.rej` next to the file (--conflict rej). Either must stop the hook: the
project is not in a state anyone should commit.
"""
from __future__ import annotations

from pathlib import Path

SKIPPED_DIRS = {".git", ".venv", "cdktf.out", "node_modules", "__pycache__", ".terraform"}
MARKERS = ("<<<<<<< ", ">>>>>>> ")


def _files(root: Path):
    for path in sorted(root.rglob("*")):
        if path.is_file() and not SKIPPED_DIRS.intersection(path.relative_to(root).parts):
            yield path


def find_conflicts(root: Path) -> list[str]:
    """One line per conflicted file: `path: N conflict(s)` or `path: rejected hunks`."""
    found = []
    for path in _files(root):
        rel = path.relative_to(root)
        if path.suffix == ".rej":
            found.append(f"{rel}: rejected hunks for {rel.with_suffix('')} (apply them by hand, then delete the .rej)")
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        starts = sum(1 for line in text.splitlines() if line.startswith(MARKERS[0]))
        if starts and any(line.startswith(MARKERS[1]) for line in text.splitlines()):
            found.append(f"{rel}: {starts} conflict(s) marked with <<<<<<< / >>>>>>>")
    return found


def conflict_report(project: Path, conflicts: list[str]) -> str:
    """What is wrong, where, and how to finish or abandon the update (shared by the hook and the update check)."""
    listing = "\n".join(f"  {line}" for line in conflicts)
    return (
        f"copier update left {len(conflicts)} file(s) with conflicts in {project}:\n"
        f"{listing}\n"
        "Your edits and the template's changed the same lines. Each unresolved conflict holds both versions,\n"
        "between '<<<<<<< before updating' (yours) and '>>>>>>> after updating' (the template's), or in the\n"
        ".rej file next to it. Nothing of yours was discarded.\n"
        "To finish: edit each file to the version you want, delete any .rej file, `git add` the files,\n"
        "then run the template's checks (`python3 run.py check PROJECT` in the template checkout) and commit.\n"
        "To abandon this update instead: `git reset --hard && git clean -fd` (back to your last commit)."
    )
