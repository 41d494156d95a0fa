"""Post-generation hook: copier runs it in the new or updated project (see _tasks in copier.yml).

It never edits the project. It
  1. after `copier update`, refuses to pass while update conflicts are unresolved;
  2. picks an interpreter that has the project's framework (cdktf or cdktn) and its AWS provider;
  3. runs the template's checker on it, `python -m tapkit.checks.verify`: a static
     TapStack contract check, a real synth, checks on cdktf.out/stacks/*/cdk.tf.json;
  4. on failure says which check failed, how to re-run it and how to skip it.
`copier copy` deletes a destination it created when a task fails (not one that
existed before, nor with --no-cleanup), so then the hook first saves the
rendered project to a temporary folder, tap-failed-render-*; every hook run
deletes such folders older than a day (RENDER_KEEP_SECONDS).

Environment:
  TAP_HOOK_PYTHON=/path/python   interpreter for the synth (default: tapkit.synth.python_for(): copier's own,
                                 the project's .venv, $VIRTUAL_ENV, the template checkout's .venv, pipenv --py;
                                 when none has the framework, the shared toolchain environment for the pins CI
                                 will use (tapkit/toolchain.py: built once per machine in the user cache,
                                 TAP_TOOLCHAIN_CACHE overrides where))
  TAP_HOOK_SKIP_SYNTH=1          static checks only; the output says the synth was skipped
  TAP_HOOK_STATUS=/path.json     also write the outcome there as JSON (hooks/hook_status.py), for programs
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tapkit import conventions, module_env, synth
from tapkit.conventions import flag
from tapkit.lifecycle import hook_status
from tapkit.lifecycle.conflicts import conflict_report, find_conflicts

RENDER_PREFIX = "tap-failed-render-"
RENDER_KEEP_SECONDS = 24 * 3600
# Files every render writes: the oldest of their times is when the render started.
RENDERED = (conventions.ANSWERS_FILE, "tap.py", "cdktf.json", "metadata.json", "lib/tap_stack.py")


def save_render(project: Path) -> Path:
    """Copy the rendered project aside, since copier deletes it when this task fails."""
    saved = Path(tempfile.mkdtemp(prefix=RENDER_PREFIX)) / project.name
    shutil.copytree(project, saved, ignore=shutil.ignore_patterns("cdktf.out", "__pycache__", ".venv"))
    return saved


def clean_old_renders(now: float | None = None) -> list[Path]:
    """Delete renders saved by earlier failed copies once they are older than RENDER_KEEP_SECONDS."""
    now = time.time() if now is None else now
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{RENDER_PREFIX}*"):
        try:
            if folder.is_dir() and now - folder.stat().st_mtime > RENDER_KEEP_SECONDS:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        except OSError:
            continue
    return removed


def _birth_time(path: Path) -> float | None:
    """When path was created, where the platform tells (st_birthtime, or GNU stat's %W); else None."""
    born = getattr(os.stat(path), "st_birthtime", None)
    if born:
        return float(born)
    try:
        done = subprocess.run(["stat", "-c", "%W", str(path)], capture_output=True, text=True, check=False)
    except OSError:
        return None
    value = done.stdout.strip()
    return float(value) if done.returncode == 0 and value.isdigit() and int(value) > 0 else None


def existed_before(project: Path) -> bool:
    """Whether the destination was there before this copy (copier keeps such a destination on failure).

    The render rewrites the files it owns; anything older than them (an old file,
    a .git folder, the folder itself when the platform records creation times)
    was there before copier started.
    """
    times = [(project / rel).stat().st_mtime for rel in RENDERED if (project / rel).is_file()]
    if not times:
        return True  # not a render at all: never claim copier deletes it
    started = min(times) - 2.0
    born = _birth_time(project)
    if born is not None and born < started:
        return True
    for path in project.rglob("*"):
        try:
            if path.lstat().st_mtime < started:
                return True
        except OSError:
            continue
    return False


def _read_extra_tags(project: Path) -> tuple[dict | None, dict | None]:
    """(EXTRA_TAGS as tap.py writes it, extra_tags as .copier-answers.yml records it); None where unreadable."""
    in_code = None
    try:
        for node in ast.parse((project / "tap.py").read_text(encoding="utf-8")).body:
            target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
            if isinstance(target, ast.Name) and target.id == "EXTRA_TAGS" and node.value is not None:
                in_code = ast.literal_eval(node.value)
    except (OSError, SyntaxError, ValueError):
        pass
    answered = None
    try:
        # copier depends on PyYAML, so the interpreter running copier has it.
        import yaml  # pylint: disable=import-outside-toplevel

        answered = (yaml.safe_load(conventions.answers_file(project).read_text(encoding="utf-8")) or {}).get(
            "extra_tags", {})
    except (ImportError, OSError, ValueError, AttributeError):
        pass
    return in_code, answered


def extra_tags_hint(project: Path, operation: str) -> str | None:
    """When tap.py's EXTRA_TAGS was edited by hand, how to give the tags as the answer the checks follow."""
    in_code, answered = _read_extra_tags(project)
    if not isinstance(in_code, dict) or not isinstance(answered, dict) or in_code == answered:
        return None
    tags = json.dumps(in_code, ensure_ascii=False)
    redo = ("abandon this update (`git reset --hard && git clean -fd`), then run it again with the tags as an answer:"
            if operation == "update" else "give the tags as an answer:")
    return (
        f"tap.py's EXTRA_TAGS is {tags}, but the extra_tags answer in the answers file is "
        f"{json.dumps(answered, ensure_ascii=False)}. The template renders tap.py, its tests and these checks from "
        "the answers, so a tag added in tap.py by hand fails the json step. The fix: record the tags as the answer;\n"
        f"{redo}\n"
        f"  copier {operation} --trust --defaults --data 'extra_tags={tags}'\n"
        "(or set extra_tags in lib/.copier-answers.yml to those tags, commit, and update again)."
    )


def run_verify(verify: list[str], project: Path, env: dict) -> tuple[int, dict]:
    """Run the checks, their output going straight to ours; (exit status, verify's JSON status, {} if none)."""
    with tempfile.TemporaryDirectory(prefix="tap-hook-") as tmp:
        status_file = Path(tmp) / "verify.json"
        code = subprocess.run([*verify, "--status", str(status_file)], cwd=project, env=env, check=False).returncode
        try:
            return code, json.loads(status_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # verify died before it could say (an import error, a signal)
            return code, {}


def template_source(project: Path) -> str | None:
    """Where the user's copier took the template from (_src_path in the answers): a path or a URL."""
    try:
        text = conventions.answers_file(project).read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("_src_path:"):
            return line.split(":", 1)[1].strip().strip("'\"") or None
    return None


def rerun_command(project: Path, where: Path) -> str:
    """How to re-run every check on `where`: the template's `run.py check`, from where this template lives.

    copier runs this hook from a clone it deletes afterwards (for a git template, local or remote), so the
    command names the template the user gave copier: its own checkout when that is a folder, else a clone."""
    source = template_source(project)
    folder = Path(source).expanduser() if source and "://" not in source and not source.startswith("git@") else None
    if folder is not None and (folder / "run.py").is_file():
        return f"python3 {folder / 'run.py'} check {where}"
    if source and folder is None:
        return f"git clone {source} tap-template && python3 tap-template/run.py check {where}"
    return f"python3 <template checkout>/run.py check {where}"


def explain_failure(project: Path, operation: str, what: str, cleanup: bool = True) -> Path | None:
    """Everything a user needs to act on a failure, printed once; the saved render's path, if it saved one."""
    where, after = project, []
    if operation == "copy":
        if not cleanup:
            after = [f"copier keeps {project} (--no-cleanup), as rendered."]
        elif existed_before(project):
            after = [f"copier keeps {project}: it existed before this copy (copier cleans up only a destination "
                     "it created)."]
        else:
            where = save_render(project)
            after = [
                f"copier deletes {project} because it created it and a task failed; the rendered files were saved to:",
                f"  {where}",
                f"(saved renders older than a day are deleted by the next hook run; to keep {project} itself, "
                "add --no-cleanup (-C) to copier copy)",
            ]
    else:
        after = ["copier update keeps the project as it is now: nothing was deleted or rewritten by the hook."]
    lines = [
        "",
        f"TAP hook FAILED: {what}",
        "",
        "Re-run the checks after fixing (every pipeline gate the template knows, synth included):",
        f"  {rerun_command(project, where)}",
        f"  (the synth alone: cd {where} && python tap.py)",
        "Skip the hook (nothing is checked; say so in review):",
        f"  copier {operation} --skip-tasks ...",
        f"  (static checks only: TAP_HOOK_SKIP_SYNTH=1 copier {operation} ...)",
        *after,
    ]
    print("\n".join(lines), file=sys.stderr, flush=True)
    return where if where != project else None


def synth_python(project: Path) -> tuple[str | None, str]:
    """(an interpreter with the framework, "") or (None, why there is none and what to do)."""
    try:
        return synth.python_for(project), ""
    except synth.SynthError as error:
        return None, str(error)


def main(argv: list[str] | None = None) -> int:
    """Run the checks; the exit status is copier's task status (and TAP_HOOK_STATUS gets it as JSON)."""
    # pylint: disable=too-many-locals  # the checks in order, one status gathered from all
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operation", default=os.environ.get("COPIER_OPERATION", "copy"))
    parser.add_argument("--cleanup", default="True",
                        help="copier's cleanup_on_error, rendered (True/False): False with copier copy --no-cleanup")
    parser.add_argument("--after-merge", action="store_true",
                        help="run by the post-update check, after copier merged the user's edits")
    parser.add_argument("project", nargs="?", default=".")
    args = parser.parse_args(argv)
    project = Path(args.project).resolve()
    cleanup = flag(args.cleanup, default=True)
    started = time.perf_counter()
    print(f"TAP hook: checking {project} after copier {args.operation}", flush=True)
    clean_old_renders()

    def outcome(code: int, step: str | None, message: str, saved: Path | None = None, skipped: bool = False) -> int:
        hook_status.write(ok=code == 0, operation=args.operation, stage="hook", after_merge=args.after_merge,
                          step=step, message=message, saved_render=saved, project=project, synth_skipped=skipped,
                          seconds=round(time.perf_counter() - started, 2))
        return code

    if args.operation == "update":
        conflicts = find_conflicts(project)
        if conflicts:
            report = conflict_report(project, conflicts)
            return outcome(1, "conflicts", report, explain_failure(project, args.operation, report, cleanup))

    verify = [sys.executable, "-m", "tapkit.checks.verify", str(project)]
    skip_synth = flag(os.environ.get("TAP_HOOK_SKIP_SYNTH"))
    if skip_synth:
        verify.append("--skip-synth")
        print("TAP hook: TAP_HOOK_SKIP_SYNTH is set: static checks only, no synth", flush=True)
    else:
        python, problem = synth_python(project)
        if python is None:
            return outcome(1, "interpreter", problem, explain_failure(project, args.operation, problem, cleanup))
        # verify itself runs there too: its doctor compares interpreters by resolved path, and two venvs over one
        # base Python (copier's and the toolchain's) resolve alike, so from copier's it skipped the provider checks.
        verify[0] = python
        verify += ["--python", python]

    env = module_env()
    status, checked = run_verify(verify, project, env)
    if status != 0:
        what = "a check of the generated project failed (see the step marked FAILED above)"
        hint = extra_tags_hint(project, args.operation) if checked.get("step") == "json" else None
        what = f"{what}\n{hint}" if hint else what
        saved = explain_failure(project, args.operation, what, cleanup)
        message = "\n".join(filter(None, [checked.get("message") or what, hint]))
        return outcome(status, checked.get("step") or "verify", message, saved, skip_synth)
    print(f"TAP hook: passed in {time.perf_counter() - started:.1f}s", flush=True)
    return outcome(0, None, f"passed in {time.perf_counter() - started:.1f}s", skipped=skip_synth)


if __name__ == "__main__":
    sys.exit(main())
