"""Roll a template release out to many repos: `copier update` each one, in parallel, on its own branch.

    python3 run.py rollout DIR|LIST [--jobs 2] [--to VERSION] [--skip-hook] [--report FILE]

DIR is a directory of checkouts (each subdirectory a repo) or one repo; LIST is
a text file with one repo path per line (relative to the file; blank lines and
# comments ignored). For every repo, with at most --jobs at a time:

  skipped          not a git repository, not a copier project, uncommitted
                   changes (copier update needs a clean tree; nothing is touched),
                   or a branch from an earlier run still waiting for review
  already current  its .copier-answers.yml already records the target version
  updated          on a new branch copier-update/<version>, copier update ran,
                   merged cleanly, the hook passed; committed on that branch
  conflicts        the update merged with conflicts: left uncommitted on the
                   branch, both sides in the files (or .rej files), to resolve
  hook failed      the post-update checks failed: left uncommitted on the branch
  failed           copier itself failed (template unreachable, bad answers...)

It never pushes, never touches the branch you were on, and never discards
anything: a failed repo stays on its update branch for you to inspect (the
report says how to go back). Re-running is safe: updated repos are "already
current", repos left for review are skipped with the reason.

Prints one line per finished repo, then a table; writes a JSON report (default
rollout-report.json) and one log of copier's output per repo next to it.
Exit status 0 when nothing needs attention, 1 when a repo has conflicts or
failed, 2 on bad arguments.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import yaml
from packaging.version import InvalidVersion, Version

from tapctl import gitutil, template

ANSWERS_FILE = ".copier-answers.yml"
BRANCH_PREFIX = "copier-update/"
STATUSES = ("updated", "already current", "conflicts", "hook failed", "failed", "skipped")
NEEDS_ATTENTION = {"conflicts", "hook failed", "failed"}
COPIER_TIMEOUT = 1800


@dataclass
class Result:
    """What happened to one repo."""

    repo: str
    status: str
    reason: str
    from_version: str | None = None
    to_version: str | None = None
    branch: str | None = None
    seconds: float = 0.0
    conflicts: list[str] = field(default_factory=list)
    log: str | None = None


@dataclass
class Options:
    """Command-line settings that every repo's update shares."""

    to: str | None = None
    skip_hook: bool = False
    prerelease: bool = False
    commit: bool = True
    logs: Path | None = None
    timeout: int = COPIER_TIMEOUT


def find_repos(target: Path) -> list[Path]:
    """The repos named by DIR (a repo, or a directory of them) or by a LIST file."""
    target = target.expanduser()
    if target.is_file():
        repos = []
        for raw in target.read_text(encoding="utf-8").splitlines():
            line = raw.split("#", 1)[0].strip()
            if line:
                path = Path(line).expanduser()
                repos.append((path if path.is_absolute() else target.parent / path).resolve())
        return repos
    if not target.is_dir():
        raise SystemExit(f"rollout: {target} is neither a directory of repos nor a list file")
    if (target / ".git").exists():
        return [target.resolve()]
    return sorted(p.resolve() for p in target.iterdir() if p.is_dir() and not p.name.startswith("."))


def version_of(commit: str | None) -> Version | None:
    """The PEP 440 version of a recorded _commit: a tag, or `<tag>-<n>-g<hash>` from git describe."""
    if not commit:
        return None
    described = re.fullmatch(r"(.+)-(\d+)-g[0-9a-f]+", commit)
    try:
        return Version(f"{described.group(1)}.post{described.group(2)}" if described else commit)
    except InvalidVersion:
        return None


class Templates:
    """Release tags per template source, listed once per run (thread-safe)."""

    def __init__(self, prerelease: bool):
        self.prerelease = prerelease
        self._tags: dict[str, list] = {}
        self._lock = threading.Lock()

    def newest(self, source: str) -> str:
        """The newest release tag of the template at source; raises GitError when it has none."""
        with self._lock:
            if source not in self._tags:
                self._tags[source] = gitutil.release_tags(source, self.prerelease)
        tags = self._tags[source]
        if not tags:
            raise gitutil.GitError(f"template {source} has no release tags (PEP 440, such as 0.2.0)")
        return tags[-1][1]


def template_source(repo: Path, recorded: str) -> str:
    """The template location copier will use when run in repo, in a form git understands.

    copier resolves a relative _src_path against its working directory, which
    is the repo here; URLs and gh:/gl: shorthands go through copier's own parser.
    """
    if not re.match(r"^[a-z][a-z0-9+.-]*:", recorded) or recorded.startswith("file:"):  # a path
        path = Path(recorded.removeprefix("file://")).expanduser()
        return str(path if path.is_absolute() else (repo / path).resolve())
    from copier._vcs import get_repo  # pylint: disable=import-outside-toplevel

    return get_repo(recorded) or recorded


def read_answers(repo: Path) -> dict | None:
    """The repo's copier answers, or None when the file is missing or unreadable."""
    path = repo / ANSWERS_FILE
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def preflight(repo: Path, templates: Templates, options: Options) -> Result | tuple[str, str, str]:
    """A final Result (skip, already current), or (from_version, target, branch) to go ahead."""
    name = str(repo)
    if not repo.is_dir():
        return Result(name, "skipped", "no such directory")
    if gitutil.toplevel(repo) != repo:
        return Result(name, "skipped", "not a git repository (or not its top directory): copier update needs git")
    answers = read_answers(repo)
    if answers is None:
        return Result(name, "skipped", f"not a copier project: no readable {ANSWERS_FILE}; a hand-made TAP repo "
                                       f"needs `python3 run.py adopt {repo}` first")
    recorded, source = answers.get("_commit"), answers.get("_src_path")
    if not recorded or not source:
        return Result(name, "skipped", f"{ANSWERS_FILE} has no _commit or _src_path, so copier cannot tell which "
                                       "template version it came from; re-create it with `python3 run.py adopt`")
    dirty = gitutil.status_lines(repo)
    on = gitutil.current_branch(repo) or "a detached HEAD"
    if dirty:
        reason = (f"uncommitted changes ({len(dirty)}, first: {dirty[0].strip()}): commit or stash them, then re-run; "
                  "nothing was touched")
        if on.startswith(BRANCH_PREFIX):
            reason = (f"{on} holds an earlier update with unresolved work ({len(dirty)} path(s), first: "
                      f"{dirty[0].strip()}): resolve and commit it, or abandon it with `git reset --hard && "
                      f"git switch - && git branch -D {on}`")
        return Result(name, "skipped", reason, from_version=str(recorded), branch=on)
    try:
        target = options.to or templates.newest(template_source(repo, str(source)))
    except gitutil.GitError as error:
        return Result(name, "failed", str(error), from_version=str(recorded))
    have, want = version_of(str(recorded)), version_of(target)
    if str(recorded) == target or (have is not None and want is not None and have >= want):
        return Result(name, "already current", f"{ANSWERS_FILE} records {recorded} (target {target})",
                      from_version=str(recorded), to_version=target, branch=on)
    branch = f"{BRANCH_PREFIX}{target}"
    if on != branch and gitutil.branch_exists(repo, branch):
        return Result(name, "skipped", f"branch {branch} exists from an earlier run and is not checked out: review "
                                       f"and merge it, or delete it (`git branch -D {branch}`), then re-run",
                      from_version=str(recorded), to_version=target, branch=branch)
    return str(recorded), target, branch


def classify(repo: Path, done: subprocess.CompletedProcess | None, output: str,
             branch: str) -> tuple[str, str, list[str]]:
    """(status, reason, conflicted files) after copier update ran on branch."""
    conflicts = template.conflicts().find_conflicts(repo)
    unmerged = gitutil.git(repo, "diff", "--name-only", "--diff-filter=U").stdout.split()
    conflicts += [f"{path}: unmerged in git's index" for path in unmerged
                  if not any(line.startswith(f"{path}:") for line in conflicts)]
    back = (f"To go back without it: `git reset --hard && git clean -fd && git switch - && git branch -D {branch}` "
            "(your own work is in your branch's commits)")
    if conflicts:
        return ("conflicts", f"{len(conflicts)} conflicted file(s) left uncommitted on {branch}: your edits and the "
                             "template's are both in them; resolve, delete any .rej, commit. " + back, conflicts)
    if done is None:
        return "failed", f"copier update did not finish in time; left on {branch}. {back}", []
    if done.returncode == 0:
        return "updated", "", []
    failed_lines = [line.strip() for line in output.splitlines() if "FAILED" in line]
    if "TAP hook FAILED" in output or "TAP update check: FAILED" in output:
        merged = "TAP update check:" in output
        where = (f"after the merge; the merged update is left uncommitted on {branch} to inspect" if merged else
                 "before copier re-applied your edits to template-owned files, so the working tree on "
                 f"{branch} shows the new version without them; your work is intact in the last commit")
        return "hook failed", f"{'; '.join(failed_lines[:3])} ({where}). {back}", []
    last = [line for line in output.strip().splitlines() if line.strip()][-1:] or [f"exit status {done.returncode}"]
    return "failed", f"copier update failed: {last[0].strip()}. {back}", []


def update_one(repo: Path, templates: Templates, options: Options) -> Result:
    """Update one repo; never raises for problems in the repo itself."""
    started = time.perf_counter()
    checked = preflight(repo, templates, options)
    if isinstance(checked, Result):
        checked.seconds = round(time.perf_counter() - started, 2)
        return checked
    from_version, target, branch = checked
    if gitutil.current_branch(repo) != branch:
        gitutil.git(repo, "switch", "-q", "-c", branch)
    command = [sys.executable, "-m", "copier", "update", "--trust", "--defaults", f"--vcs-ref={target}"]
    if options.skip_hook:
        command.append("--skip-tasks")
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    try:
        done = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True,
                              timeout=options.timeout, check=False)
        output = done.stdout + done.stderr
    except subprocess.TimeoutExpired as timeout:
        done, output = None, f"{timeout.stdout or ''}{timeout.stderr or ''}"
    log = None
    if options.logs is not None:
        options.logs.mkdir(parents=True, exist_ok=True)
        log = options.logs / f"{repo.name}-{hashlib.sha256(str(repo).encode()).hexdigest()[:8]}.log"
        log.write_text(f"$ {' '.join(command)}   (in {repo})\n{output}", encoding="utf-8")
    status, reason, conflicts = classify(repo, done, output, branch)
    if status == "updated":
        if options.commit:
            commit = gitutil.commit_all(repo, f"Update from the TAP template {from_version} to {target}\n\n"
                                              "Made by `python3 run.py rollout` (copier update).")
            reason = f"committed {commit} on {branch}; review and merge it (nothing was pushed)"
        else:
            reason = f"left uncommitted on {branch} (--no-commit)"
    return Result(str(repo), status, reason, from_version, target, branch,
                  round(time.perf_counter() - started, 2), conflicts, str(log) if log else None)


def rollout(repos: list[Path], jobs: int, options: Options, progress=None) -> list[Result]:
    """Update every repo with at most `jobs` at a time, one progress line each; results in the order given."""
    progress = progress or sys.stdout
    templates = Templates(options.prerelease)
    results: dict[Path, Result] = {}
    lock = threading.Lock()
    started = time.perf_counter()

    def one(repo: Path) -> Result:
        try:
            return update_one(repo, templates, options)
        except gitutil.GitError as error:  # a git step failed: report it, keep going with the others
            return Result(str(repo), "failed", str(error))

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(one, repo): repo for repo in repos}
        for count, future in enumerate(as_completed(futures), 1):
            result = future.result()
            results[futures[future]] = result
            with lock:
                progress.write(f"[{count}/{len(repos)} {time.perf_counter() - started:6.1f}s] "
                               f"{Path(result.repo).name}: {result.status} ({result.seconds:.1f}s)\n")
                progress.flush()
    return [results[repo] for repo in repos]


def table(results: list[Result]) -> str:
    """The summary table and the count per status."""
    rows = [("repo", "status", "version", "seconds", "reason")]
    for r in results:
        version = f"{r.from_version or '?'} -> {r.to_version}" if r.to_version else (r.from_version or "-")
        reason = r.reason if len(r.reason) <= 110 else r.reason[:107] + "..."
        rows.append((Path(r.repo).name, r.status, version, f"{r.seconds:.1f}", reason))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths)) + "  " + row[4] for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths) + "  ------")
    counts = {status: sum(r.status == status for r in results) for status in STATUSES}
    lines.append("")
    lines.append("  ".join(f"{status}: {n}" for status, n in counts.items()))
    return "\n".join(lines)


def report(results: list[Result], options: Options, seconds: float, jobs: int) -> dict:
    """The JSON report's content."""
    return {
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(seconds, 2),
        "jobs": jobs,
        "target": options.to or "newest release of each repo's template",
        "hook": "skipped (--skip-hook)" if options.skip_hook else "ran",
        "counts": {status: sum(r.status == status for r in results) for status in STATUSES},
        "repos": [asdict(r) for r in results],
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python3 run.py rollout", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("target", type=Path, help="a directory of repos, one repo, or a list file")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="repos updated at the same time (default 2)")
    parser.add_argument("--to", metavar="VERSION", help="template tag to update to (default: the newest release)")
    parser.add_argument("--skip-hook", action="store_true",
                        help="copier update --skip-tasks: no synth (conflicts are still checked)")
    parser.add_argument("--prerelease", action="store_true", help="consider pre-release tags for the newest")
    parser.add_argument("--no-commit", dest="commit", action="store_false",
                        help="leave successful updates uncommitted on their branch")
    parser.add_argument("--report", type=Path, default=Path("rollout-report.json"),
                        help="JSON report path (default rollout-report.json); logs go next to it")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be 1 or more")
    repos = find_repos(args.target)
    report_path = args.report.resolve()
    options = Options(to=args.to, skip_hook=args.skip_hook, prerelease=args.prerelease, commit=args.commit,
                      logs=report_path.with_name(report_path.stem + "-logs"))
    print(f"rollout: {len(repos)} repo(s), {args.jobs} at a time, target "
          f"{args.to or 'newest release'}, hook {'skipped' if args.skip_hook else 'on'}", flush=True)
    started = time.perf_counter()
    results = rollout(repos, args.jobs, options)
    seconds = time.perf_counter() - started
    print()
    print(table(results))
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report(results, options, seconds, args.jobs), indent=2) + "\n", encoding="utf-8")
    print(f"\nrollout: {seconds:.1f}s in total; report {report_path}; copier logs in {options.logs}")
    print("Nothing was pushed. Review each copier-update/* branch, then push or merge it yourself.")
    return 1 if any(r.status in NEEDS_ATTENTION for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
