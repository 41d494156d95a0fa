"""Post-generation hook: copier runs it in the new or updated project (see _tasks in copier.yml).

It never edits the project. It
  1. after `copier update`, refuses to pass while update conflicts are unresolved;
  2. picks an interpreter that has cdktf and the AWS provider;
  3. runs the project's own checker, `python -m taptools.verify`: a static
     TapStack contract check, a real synth, checks on cdktf.out/stacks/*/cdk.tf.json;
  4. on failure says which check failed, how to re-run it and how to skip it.
`copier copy` deletes a destination it created when a task fails, so on that
path the hook first saves the rendered project to a temporary folder.

Environment:
  TAP_HOOK_PYTHON=/path/python   interpreter for the synth (default: the first of candidates() with cdktf:
                                 copier's own, the project's .venv, $VIRTUAL_ENV, the template checkout's
                                 .venv, pipenv --py)
  TAP_HOOK_SKIP_SYNTH=1          static checks only; the output says the synth was skipped
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conflicts import conflict_report, find_conflicts  # noqa: E402  (hooks/ is not a package)

PROBE = "import importlib.util as u, sys; sys.exit(not (u.find_spec('cdktf') and u.find_spec('cdktf_cdktf_provider_aws')))"


def candidates(project: Path) -> list[str]:
    """Interpreters to try for the synth, best first."""
    found = []
    if os.environ.get("TAP_HOOK_PYTHON"):
        return [os.environ["TAP_HOOK_PYTHON"]]
    found.append(sys.executable)  # the one running copier: the README's command installs cdktf there
    venvs = [project / ".venv", Path(os.environ.get("VIRTUAL_ENV", "/nonexistent"))]
    template_checkout = _answered_src_path(project)
    if template_checkout is not None:
        venvs.append(template_checkout / ".venv")  # made by the template's run.py
    for venv in venvs:
        for python in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
            if python.is_file():
                found.append(str(python))
    if shutil.which("pipenv") and (project / "Pipfile").is_file():
        done = subprocess.run(["pipenv", "--py"], cwd=project, capture_output=True, text=True, check=False)
        if done.returncode == 0 and done.stdout.strip():
            found.append(done.stdout.strip())
    return list(dict.fromkeys(found))


def _answered_src_path(project: Path) -> Path | None:
    """The template checkout the project was made from, when copier recorded a local path."""
    answers = project / ".copier-answers.yml"
    if not answers.is_file():
        return None
    for line in answers.read_text(encoding="utf-8").splitlines():
        if line.startswith("_src_path:"):
            path = Path(line.split(":", 1)[1].strip().strip("'\""))
            return path if path.is_dir() else None
    return None


def pick_python(project: Path) -> tuple[str | None, list[str]]:
    """The first candidate that can import cdktf and the AWS provider, and all that were tried."""
    tried = candidates(project)
    for python in tried:
        if subprocess.run([python, "-c", PROBE], capture_output=True, check=False).returncode == 0:
            return python, tried
    return None, tried


def save_render(project: Path) -> Path:
    """Copy the rendered project aside, since copier deletes it when this task fails."""
    saved = Path(tempfile.mkdtemp(prefix="tap-failed-render-")) / project.name
    shutil.copytree(project, saved, ignore=shutil.ignore_patterns("cdktf.out", "__pycache__", ".venv"))
    return saved


def explain_failure(project: Path, operation: str, what: str) -> None:
    """Everything a user needs to act on a failure, printed once."""
    lines = [
        "",
        f"TAP hook FAILED: {what}",
        "",
        "Re-run the checks after fixing:",
        f"  cd {project} && python -m taptools.verify        (or: pipenv run verify)",
        "Skip the hook (nothing is checked, say so in review):",
        f"  copier {operation} --skip-tasks ...              static checks only: TAP_HOOK_SKIP_SYNTH=1",
    ]
    if operation == "copy":
        saved = save_render(project)
        lines += [
            "copier deletes the new project because a task failed; the rendered files were saved to:",
            f"  {saved}",
            "To keep the destination itself, add --no-cleanup (-C) to copier copy.",
        ]
    else:
        lines += ["copier update keeps the project as it is now: nothing was deleted or rewritten by the hook."]
    print("\n".join(lines), file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the checks; the exit status is copier's task status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operation", default=os.environ.get("COPIER_OPERATION", "copy"))
    parser.add_argument("project", nargs="?", default=".")
    args = parser.parse_args(argv)
    project = Path(args.project).resolve()
    started = time.perf_counter()
    print(f"TAP hook: checking {project} after copier {args.operation}", flush=True)

    if args.operation == "update":
        conflicts = find_conflicts(project)
        if conflicts:
            explain_failure(project, args.operation, conflict_report(project, conflicts))
            return 1

    verify = [sys.executable, "-m", "taptools.verify", str(project)]
    if os.environ.get("TAP_HOOK_SKIP_SYNTH", "").lower() in {"1", "true", "yes"}:
        verify.append("--skip-synth")
        print("TAP hook: TAP_HOOK_SKIP_SYNTH is set: static checks only, no synth", flush=True)
    else:
        python, tried = pick_python(project)
        if python is None:
            explain_failure(project, args.operation, (
                "no interpreter can import cdktf and cdktf_cdktf_provider_aws, so the project cannot be "
                f"synthesized. Tried: {', '.join(tried)}.\n"
                "Install them where copier runs (the template README's command does), or run "
                "`pipenv install --dev` in the project and set TAP_HOOK_PYTHON=$(pipenv --py)."
            ))
            return 1
        verify += ["--python", python]

    env = {**os.environ, "PYTHONPATH": str(project)}
    status = subprocess.run(verify, cwd=project, env=env, check=False).returncode
    if status != 0:
        explain_failure(project, args.operation, "a check of the generated project failed (see the step marked FAILED above)")
        return status
    print(f"TAP hook: passed in {time.perf_counter() - started:.1f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
