"""Migration: rewrite the project's own Python for the modules a release renamed (renames.json "modules").

0.4.0 moved the template's tooling out of the task's package: `lib.guardrails`
became `taptools.guardrails` and `lib.toolchain` became `taptools.toolchain`.
copier re-renders the files the template owns, but user code (an adopted repo's
lib/resources.py calls `guardrails.suppress`) still imports the old module and
would stop at the first synth. copier runs this from `_migrations` (stage
"after", before the hook re-checks the merged project):

    python hooks/migrations/rename_modules.py RENAMES_JSON VERSION

It renames imports and qualified names only, with tapkit.lifecycle.codemod (libcst:
strings and comments untouched, formatting kept, all files or none). A project
that never names an old module is left alone without loading libcst; when
this interpreter has no libcst, it runs again in the shared toolchain
(tapkit/toolchain.py), which has it: `python -m` this module, with the template
checkout on PYTHONPATH (tapkit.module_env).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tapkit import module_env

PREFIX = "TAP migration (module renames):"
# Set when this script re-runs itself in the toolchain, so it never loops.
REEXEC = "TAP_RENAME_MODULES_REEXEC"
MODULE = "tapkit.lifecycle.migrations.rename_modules"  # what the re-run imports (never __main__)


def module_renames(renames_file: Path, version: str) -> dict[str, str]:
    """old -> new of the modules renamed in `version`, as renames.json lists them."""
    data = json.loads(renames_file.read_text(encoding="utf-8"))
    return {entry["old"]: entry["new"] for entry in data.get("modules", []) if str(entry["version"]) == version}


def mentions(project: Path, mapping: dict[str, str]) -> list[Path]:
    """The project's .py files whose text names an old module (a cheap filter before parsing)."""
    from tapkit.lifecycle import codemod  # pylint: disable=import-outside-toplevel  # stdlib-only at import; libcst is needed to plan

    words = {part for old in mapping for part in (old, old.rsplit(".", 1)[-1])}
    found = []
    for path in codemod.python_files([project]):
        text = path.read_text(encoding="utf-8", errors="replace")
        if any(word in text for word in words):
            found.append(path)
    return found


def _in_toolchain(project: Path, argv: list[str]) -> int:
    """Run this migration again with the shared toolchain's interpreter (it has libcst)."""
    from tapkit import toolchain  # pylint: disable=import-outside-toplevel

    try:
        python = toolchain.provide(project)
    except toolchain.ToolchainError as error:
        print(f"{PREFIX} FAILED: libcst is needed to rewrite your imports, and {error}\n"
              "Rewrite them by hand or with: python -m tapkit.lifecycle.codemod "
              + " ".join(f"--map {old}={new}" for old, new in module_renames(Path(argv[0]), argv[1]).items())
              + " .", file=sys.stderr)
        return 1
    return subprocess.run([python, "-m", MODULE, *argv], env={**module_env(), REEXEC: "1"}, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    """Entry point; the exit status is copier's migration status."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: rename_modules.py RENAMES_JSON VERSION", file=sys.stderr)
        return 2
    project = Path.cwd()
    mapping = module_renames(Path(argv[0]), argv[1])
    files = mentions(project, mapping) if mapping else []
    if not files:
        return 0
    from tapkit.lifecycle import codemod  # pylint: disable=import-outside-toplevel

    if codemod.cst is None:
        if os.environ.get(REEXEC):
            print(f"{PREFIX} FAILED: {codemod.INSTALL_HINT.format(python=sys.executable)}", file=sys.stderr)
            return 1
        return _in_toolchain(project, argv)
    try:
        changes = codemod.plan(files, mapping)
        codemod.apply(changes)
    except codemod.CodemodError as error:
        print(f"{PREFIX} FAILED, nothing rewritten: {error}", file=sys.stderr)
        return 1
    for change in changes:
        if change.changed:
            print(f"{PREFIX} {change.path.relative_to(project)}: " + ", ".join(
                f"{old} -> {new}" for old, new in mapping.items()))
        for mention in change.mentions:
            print(f"{PREFIX} warning: {mention.describe(change.path.relative_to(project))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
