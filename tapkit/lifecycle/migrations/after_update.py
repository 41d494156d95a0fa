"""Check a project after `copier update` has merged the user's edits into the new template version.

copier runs `_tasks` (the post-generation hook) while it renders the new
version, BEFORE it re-applies the user's edits; conflicts only appear after
that. So copier.yml also runs this script as an unversioned "after" migration,
which copier executes at the very end of every update, in the project:

  1. any conflict marker or .rej file fails the update, listing every file and
     how to resolve it (nothing is discarded: both sides are in the file);
  2. metadata.json loses the fields the pipeline's archive step adds (author,
     coverage, dockerS3Location: migrations/archived.py), which its schema refuses
     and an update of an archived task would otherwise carry over;
  3. when the update changes the framework answer (--data framework=cdktn), the
     move (tapkit/lifecycle/framework_move.py): before/after synth, the codemod over the
     project's Python, the comparison; a difference or failure restores the
     project as it was before the update and fails it (also with --skip-tasks:
     the move is what proves nothing changed); conflicts during a move restore
     it too, since the move must start from a merged tree;
  4. unless the update ran with --skip-tasks, the post-generation hook
     (python -m tapkit.lifecycle.hook --operation update) re-checks the merged project:
     contract, synth and the synthesized JSON (a failure after a move restores
     the project as well).

    python hooks/migrations/after_update.py --skip-tasks=False

Standard library only: it runs under copier's Python.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from tapkit import module_env
from tapkit.lifecycle.conflicts import conflict_report, find_conflicts
from tapkit.lifecycle import framework_move
from tapkit.lifecycle import hook_status
from tapkit.lifecycle.migrations import archived
from tapkit.conventions import flag

PREFIX = "TAP update check:"


def main(argv: list[str] | None = None) -> int:
    """Run the checks in the current directory (copier's working directory for migrations)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-tasks", default="False", help="copier's --skip-tasks flag, rendered (True/False)")
    parser.add_argument("project", nargs="?", default=".")
    args = parser.parse_args(argv)
    project = Path(args.project).resolve()

    said = {"operation": "update", "stage": "update-check", "after_merge": True, "project": project}
    conflicts = find_conflicts(project)
    moving = framework_move.detect(project)
    if conflicts:
        report = conflict_report(project, conflicts)
        if moving:
            move = framework_move.Outcome(*moving, message=(
                f"{report}\nA framework move needs a merged tree. Update to the new release without changing the "
                f"framework first (`{framework_move.UPDATE}`), resolve and commit, then move: "
                f"`{framework_move.UPDATE} --data framework={moving[1]}`."))
            framework_move.fail(project, move)
            report, said["framework_move"] = move.message, move.status()
        print(f"{PREFIX} FAILED: {report}", file=sys.stderr, flush=True)
        hook_status.write(ok=False, step="conflicts", message=report, **said)
        return 1
    for line in archived.drop_archive_fields(project):
        print(f"{PREFIX} {line}", flush=True)
    move = framework_move.run(project) if moving else None
    if move is not None:
        said["framework_move"] = move.status()
        if move.verdict != "identical":
            hook_status.write(ok=False, step="framework-move", message=move.message, **said)
            return 1
    if flag(args.skip_tasks):
        message = ("no conflicts; the hook was skipped (--skip-tasks), so nothing proves the "
                   "merged project synthesizes: run the template's checks (`python3 run.py check PROJECT` in the "
                   "template checkout)")
        print(f"{PREFIX} {message}", flush=True)
        hook_status.write(ok=True, message=message, synth_skipped=True, **said)
        return 0
    print(f"{PREFIX} no conflicts; re-running the hook on the merged project", flush=True)
    # The hook writes TAP_HOOK_STATUS itself, with after_merge set.
    hook = [sys.executable, "-m", "tapkit.lifecycle.hook", "--operation", "update", "--after-merge", str(project)]
    code = subprocess.run(hook, cwd=project, env=module_env(), check=False).returncode
    if move is not None:
        if code != 0:  # any failure of a move puts the project back
            move.verdict = "failed"
            move.message = (f"the hook failed on the moved project (above). Fix it on {move.old}, commit, then run "
                            f"`{framework_move.UPDATE} --data framework={move.new}` again.")
            framework_move.fail(project, move)
        hook_status.amend(framework_move=move.status())
    return code


if __name__ == "__main__":
    sys.exit(main())
