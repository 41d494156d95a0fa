"""The hook's outcome as a JSON file, for programs that run copier (tapctl rollout) instead of reading its output.

A program sets TAP_HOOK_STATUS=/path/status.json in copier's environment; the
post-generation hook (tapkit/lifecycle/hook.py), the post-update check
(tapkit/lifecycle/migrations/after_update.py) and a migration that stops an
update (tapkit/lifecycle/migrations/layout.py) write their outcome there, the
last one to finish last. Unset, nothing is written. Fields:

  ok            true when the checks passed (or were skipped, see synth_skipped)
  operation     copy or update
  stage         "hook" (hook.py), "update-check" (after_update.py before it runs the hook) or "migration"
                (a migration that failed the update: step names it, e.g. "layout")
  after_merge   true when it ran after copier merged the user's edits (the update check, and the
                hook it re-runs); false for the hook copier runs as a task, before that merge
  step          what failed: conflicts, interpreter, layout, or a tapkit.checks.verify step (contract, python,
                provider, doctor, synth, json); null when ok
  message       what failed and how to fix it (or what passed)
  saved_render  where a failed copy's render was saved (copier deletes the destination), else null
  project       the project checked
  synth_skipped true when --skip-tasks or TAP_HOOK_SKIP_SYNTH left the synth out
  seconds       how long it took
  framework_move  only when the update changed the framework answer (framework_move.py): from, to,
                verdict (identical | different | refused | failed), differences, ignored (framework-only),
                strings (to fix by hand), rewritten (files), message, restored

Standard library only: it runs in copier's own interpreter.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

ENV = "TAP_HOOK_STATUS"
VERSION = 1


def write(**fields) -> Path | None:
    """Write the outcome where TAP_HOOK_STATUS says (nothing when unset); returns the path written."""
    where = os.environ.get(ENV)
    if not where:
        return None
    path = Path(where)
    status = {"version": VERSION, "ok": False, "operation": None, "stage": "hook", "after_merge": False,
              "step": None, "message": "", "saved_render": None, "project": None, "synth_skipped": False,
              "seconds": 0.0}
    status.update({key: str(value) if isinstance(value, Path) else value for key, value in fields.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(status, indent=2) + "\n", encoding="utf-8")
    return path


def amend(**fields) -> Path | None:
    """Add fields to the status already written (the hook's), or write them alone; nothing when unset."""
    where = os.environ.get(ENV)
    if not where:
        return None
    status = read(Path(where)) or {}
    return write(**{**status, **fields})


def read(path: Path) -> dict | None:
    """A status file's content, or None when it is missing or not this format (a release before 0.4.0)."""
    try:
        status = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return status if isinstance(status, dict) and "ok" in status else None
