"""Roll a template release out to many repos: `copier update` each one, in parallel, on its own branch.

    python3 run.py rollout DIR|LIST [--jobs 2] [--to VERSION] [--data KEY=VALUE ...] [--skip-hook] [--stay]
                                    [--report FILE]

DIR is a directory of checkouts (each subdirectory a repo) or one repo; LIST is
a text file with one repo path per line (relative to the file; blank lines and
# comments ignored). For every repo, with at most --jobs at a time:

  skipped          not a git repository, not a copier project, uncommitted
                   changes (copier update needs a clean tree; nothing is touched),
                   or a branch from an earlier run still waiting for you
  already current  its .copier-answers.yml already records the target version (and
                   every --data answer), or its update branch holds that update
                   from an earlier run
  updated          on a new branch copier-update/<version>, copier update ran,
                   merged cleanly, the hook passed; committed on that branch, and
                   the repo is switched back to the branch it was on (--stay: not)
  conflicts        the update merged with conflicts: left uncommitted on the
                   branch, both sides in the files (or .rej files), to resolve
  hook failed      the post-update checks failed: left uncommitted on the branch
  move refused     --data framework=X and the framework move refused: what the
                   repo deploys would change, a file does not parse, or a step
                   failed; the update restored the repo (hooks/framework_move.py),
                   so it is back on its branch, the update branch deleted
  failed           copier itself failed (template unreachable, bad answers...)
  interrupted      Ctrl-C stopped the rollout before or while updating this repo;
                   a re-run names a repo whose update was cut short the same way

--data KEY=VALUE (repeatable) is passed to every `copier update`: with
`--data framework=cdktn` the rollout moves each repo to CDK Terrain, each on
copier-update/<version>-framework-cdktn, and the "move" column and the JSON
report's "move" field give the verdict of the framework move (identical,
different, refused, failed; "-" when the update changed no framework).

It never pushes, never commits to the branch you were on, and never discards
anything: a repo that needs you stays on its update branch, and the reason
holds the command that puts it back exactly as it was. Re-running is safe:
updated repos are "already current", repos left for you are named again.
Ctrl-C stops the running updates and starts no more; the report still follows.

Prints one line per finished repo, then a table and the full reason for every
repo that needs you; writes a JSON report (default rollout-report.json) and one
log of copier's output per repo next to it. Exit status 0 when every repo is
updated or already current, 1 otherwise (on every run), 2 on bad arguments.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import yaml
from packaging.version import InvalidVersion, Version

from tapkit import conventions
from tapkit.lifecycle import hook_status
from tapkit.fleet import gitutil, template

# lib/.copier-answers.yml (0.5.0 and later); .copier-answers.yml at the root of a project made before 0.5.0
ANSWERS_FILE = conventions.ANSWERS_FILE
ANSWERS_FILES = (conventions.ANSWERS_FILE, conventions.OLD_ANSWERS_FILE)
BRANCH_PREFIX = "copier-update/"
STATUSES = ("updated", "already current", "conflicts", "hook failed", "move refused", "failed", "skipped",
            "interrupted")
FINE = {"updated", "already current"}  # every other status makes the exit status 1
NEEDS_ATTENTION = set(STATUSES) - FINE
COPIER_TIMEOUT = 1800
# Kept in the update branch's own git config, so `git branch -D` removes them with the branch.
ORIGIN_KEY = "branch.{}.taprolloutfrom"  # the branch (or commit) the repo was on before the update
RUNNING_KEY = "branch.{}.taprolloutrunning"  # set while copier runs; left behind when it was cut short


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
    # The framework move's verdict (hooks/framework_move.py: identical, different, refused, failed) and its
    # differences, when the update changed the framework answer; None otherwise.
    move: str | None = None
    move_differences: list[str] = field(default_factory=list)


@dataclass
class Options:
    """Command-line settings that every repo's update shares."""

    to: str | None = None
    skip_hook: bool = False
    prerelease: bool = False
    commit: bool = True
    stay: bool = False
    logs: Path | None = None
    timeout: int = COPIER_TIMEOUT
    stopper: Stopper | None = None
    data: dict[str, str] = field(default_factory=dict)  # --data answers for every update

    def branch(self, target: str) -> str:
        """The update branch: one per target version and set of --data answers."""
        extra = "".join(f"-{key}-{value}" for key, value in sorted(self.data.items()))
        return BRANCH_PREFIX + target + re.sub(r"[^A-Za-z0-9._-]+", "-", extra)

    def answered(self, answers: dict) -> bool:
        """Whether answers already record every --data answer (compared as YAML reads the value)."""
        return all(key in answers and answers[key] == yaml.safe_load(value) for key, value in self.data.items())


class Stopper:
    """Ctrl-C for the whole rollout: start no more repos, stop the copier processes that run.

    copier runs in its own session, so the terminal's Ctrl-C reaches only this
    process; the handler then sends SIGINT to each copier process group (copier
    stops and removes its scratch renders), SIGTERM 10 s later and SIGKILL 20 s
    later to whatever is left. A second Ctrl-C kills at once.
    """

    GRACE = 10.0

    def __init__(self):
        self.event = threading.Event()
        self._running: set[subprocess.Popen] = set()
        self._lock = threading.Lock()

    @property
    def stopped(self) -> bool:
        """Whether stop() was called: start no more repos."""
        return self.event.is_set()

    def stop(self) -> None:
        """Start no more repos; signal the running ones (escalating on a second call)."""
        again = self.event.is_set()
        self.event.set()
        if again:
            self._signal(signal.SIGKILL)
            return
        self._signal(signal.SIGINT)
        for delay, sig in ((self.GRACE, signal.SIGTERM), (2 * self.GRACE, signal.SIGKILL)):
            timer = threading.Timer(delay, self._signal, [sig])
            timer.daemon = True
            timer.start()

    def _signal(self, sig: int) -> None:
        with self._lock:
            procs = list(self._running)
        for proc in procs:
            try:
                os.killpg(proc.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass

    def run(self, command: list[str], cwd: Path, timeout: int,
            env: dict[str, str] | None = None) -> tuple[int | None, str]:
        """(exit status or None on timeout, stdout + stderr) of a command in its own process group."""
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})}
        # pylint: disable-next=consider-using-with  # communicate() below reaps it on every path, timeout included
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        with self._lock:
            self._running.add(proc)
        if self.stopped:  # stopped between the check and the start
            self._signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=timeout)
            status: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            status = None
        finally:
            with self._lock:
                self._running.discard(proc)
        return status, (out or "") + (err or "")


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
    """The newest template release per template source, asked of copier once per run (thread-safe)."""

    def __init__(self, prerelease: bool):
        self.prerelease = prerelease
        self._newest: dict[str, str] = {}
        self._lock = threading.Lock()

    def newest(self, repo: Path, recorded: str) -> str:
        """The newest release of the template repo was made from; raises UpdateCheckError when copier cannot say.

        `copier check-update --output-format json` answers it, as copier would for `copier update`; the template's own
        releases are tagged with the bare version (tapkit/fleet/releases.py), so the version is the tag to update to.
        """
        key = template_key(repo, recorded)
        with self._lock:
            if key not in self._newest:
                self._newest[key] = check_update(repo, self.prerelease)["latest_version"]
            return self._newest[key]


class UpdateCheckError(Exception):
    """copier check-update failed; the message has copier's reason."""


def check_update(repo: Path, prerelease: bool = False) -> dict:
    """copier's own answer for repo: {"update_available", "current_version", "latest_version"}."""
    answers_file = conventions.answers_file(repo).relative_to(repo).as_posix()
    command = [sys.executable, "-m", "copier", "check-update", "--output-format", "json",
               f"--answers-file={answers_file}"]
    if prerelease:
        command.append("--prereleases")
    try:
        done = subprocess.run([*command, str(repo)], cwd=repo, capture_output=True, text=True, check=False,
                              timeout=600, env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
    except subprocess.TimeoutExpired as error:
        raise UpdateCheckError("copier check-update did not finish in 600 s: is the template reachable?") from error
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    try:
        data = json.loads(lines[-1]) if done.returncode == 0 and lines else None
    except ValueError:
        data = None
    if not isinstance(data, dict) or not data.get("latest_version"):
        said = [line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()][-1:]
        raise UpdateCheckError(f"copier check-update could not find the template's newest release: "
                               f"{said[0] if said else f'exit status {done.returncode}'}")
    return data


def template_key(repo: Path, recorded: str) -> str:
    """One key per template location: a relative _src_path is relative to the repo (copier runs there)."""
    if not re.match(r"^[a-z][a-z0-9+.-]*:", recorded) or recorded.startswith("file:"):  # a path
        path = Path(recorded.removeprefix("file://")).expanduser()
        return str(path if path.is_absolute() else (repo / path).resolve())
    return recorded


def read_answers(repo: Path) -> dict | None:
    """The repo's copier answers, or None when the file is missing or unreadable."""
    path = conventions.answers_file(repo)
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def abandon_recipe(branch: str, origin: str | None) -> str:
    """The command that drops an update left on branch and puts the repo back where it was."""
    if origin is None:
        back = "git switch -"
    elif re.fullmatch(r"[0-9a-f]{40}", origin):
        back = f"git switch --detach {origin}"
    else:
        back = f"git switch {shlex.quote(origin)}"
    # clean -fd too: the update's new files are untracked, and a leftover one makes the next rollout skip the repo.
    return f"git reset --hard && git clean -fd && {back} && git branch -D {shlex.quote(branch)}"


def holds_update(repo: Path, branch: str, target: str, options: Options | None = None) -> str | None:
    """The short commit of branch when its answers record target or later (a finished update) and every --data
    answer, else None."""
    done = next((shown for shown in (gitutil.git(repo, "show", f"{branch}:{rel}", check=False)
                                     for rel in ANSWERS_FILES) if shown.returncode == 0), None)
    try:
        answers = (yaml.safe_load(done.stdout) or {}) if done is not None else {}
        recorded = answers.get("_commit")
    except (yaml.YAMLError, AttributeError):
        return None
    if options is not None and not options.answered(answers):
        return None
    have, want = version_of(str(recorded) if recorded else None), version_of(target)
    if str(recorded) == target or (have is not None and want is not None and have >= want):
        return gitutil.out(repo, "rev-parse", "--short", branch)
    return None


def preflight(repo: Path, templates: Templates, options: Options) -> Result | tuple[str, str, str]:
    """A final Result (skip, already current, ...), or (from_version, target, branch) to go ahead."""
    # Each check that ends a repo's turn returns its Result.
    # pylint: disable=too-many-locals,too-many-return-statements,too-many-branches
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
    on = gitutil.current_branch(repo)
    if dirty:
        first = f"{len(dirty)} path(s), first: {dirty[0].strip()}"
        if on and on.startswith(BRANCH_PREFIX):
            recipe = abandon_recipe(on, gitutil.config_get(repo, ORIGIN_KEY.format(on)))
            if gitutil.config_get(repo, RUNNING_KEY.format(on)):
                return Result(name, "interrupted", f"an earlier rollout was interrupted (Ctrl-C) while copier updated "
                                                   f"{on}, which holds the partial update ({first}): abandon it with "
                                                   f"`{recipe}`, then re-run", from_version=str(recorded), branch=on)
            return Result(name, "skipped", f"{on} holds an earlier update with unresolved work ({first}): resolve "
                                           f"and commit it, or abandon it with `{recipe}`",
                          from_version=str(recorded), branch=on)
        return Result(name, "skipped", f"uncommitted changes ({len(dirty)}, first: {dirty[0].strip()}): commit or "
                                       "stash them, then re-run; nothing was touched",
                      from_version=str(recorded), branch=on)
    try:
        target = options.to or templates.newest(repo, str(source))
    except UpdateCheckError as error:
        return Result(name, "failed", str(error), from_version=str(recorded))
    have, want = version_of(str(recorded)), version_of(target)
    if (str(recorded) == target or (have is not None and want is not None and have >= want)) and (
            options.answered(answers)):
        given = "".join(f", {key}={value}" for key, value in options.data.items())
        return Result(name, "already current", f"{ANSWERS_FILE} records {recorded} (target {target}{given})",
                      from_version=str(recorded), to_version=target, branch=on)
    if have is not None and want is not None and have > want:  # only --data to apply: stay on its version
        target = str(recorded)
    branch = options.branch(target)
    if on != branch and gitutil.branch_exists(repo, branch):
        delete = f"`git branch -D {shlex.quote(branch)}`"
        if gitutil.config_get(repo, RUNNING_KEY.format(branch)):
            return Result(name, "interrupted", f"an earlier rollout was interrupted (Ctrl-C) while copier updated "
                                               f"{branch}: delete it ({delete}), then re-run",
                          from_version=str(recorded), to_version=target, branch=branch)
        commit = holds_update(repo, branch, target, options)
        if commit:
            return Result(name, "already current", f"{branch} ({commit}) holds the update to {target} from an "
                                                   "earlier run: review and merge it; nothing was done",
                          from_version=str(recorded), to_version=target, branch=branch)
        return Result(name, "skipped", f"branch {branch} exists but does not hold the update to {target}: review "
                                       f"it, or delete it ({delete}), then re-run",
                      from_version=str(recorded), to_version=target, branch=branch)
    return str(recorded), target, branch


def classify(repo: Path, done: int | None, output: str, branch: str,
             origin: str | None, hook: dict | None = None) -> tuple[str, str, list[str]]:
    """(status, reason, conflicted files) after copier update ran on branch.

    done is copier's exit status, hook what the template's hook wrote to TAP_HOOK_STATUS (None: it wrote
    nothing, so it did not run or failed before it could say; releases before 0.4.0 never write it).
    """
    # pylint: disable=too-many-positional-arguments  # the facts of one copier run, all read together
    conflicts = template.conflicts().find_conflicts(repo)
    unmerged = gitutil.git(repo, "diff", "--name-only", "--diff-filter=U").stdout.split()
    conflicts += [f"{path}: unmerged in git's index" for path in unmerged
                  if not any(line.startswith(f"{path}:") for line in conflicts)]
    back = (f"To go back without it: `{abandon_recipe(branch, origin)}` "
            "(your own work is in your branch's commits)")
    move = (hook or {}).get("framework_move") or {}
    if done != 0 and move.get("restored"):
        first = (move.get("message") or "").strip().splitlines()[:1] or ["no message"]
        return "move refused", f"the framework move {move.get('verdict')}: {first[0]} (the repo was restored)", []
    if conflicts:
        return ("conflicts", f"{len(conflicts)} conflicted file(s) left uncommitted on {branch}: your edits and the "
                             "template's are both in them; resolve, delete any .rej, commit. " + back, conflicts)
    if done is None:
        return "failed", f"copier update did not finish in time; left on {branch}. {back}", []
    if done == 0:
        return "updated", "", []
    if hook is not None and not hook.get("ok"):
        where = (f"after the merge; the merged update is left uncommitted on {branch} to inspect"
                 if hook.get("after_merge") else
                 "before copier re-applied your edits to template-owned files, so the working tree on "
                 f"{branch} shows the new version without them; your work is intact in the last commit")
        first = (hook.get("message") or "").strip().splitlines()[:1] or ["no message"]
        step = hook.get("step") or "an unnamed step"
        return "hook failed", f"TAP hook FAILED at {step}: {first[0]} ({where}). {back}", []
    last = [line for line in output.strip().splitlines() if line.strip()][-1:] or [f"exit status {done}"]
    return "failed", f"copier update failed: {last[0].strip()}. {back}", []


def untouched(repo: Path, origin: str) -> bool:
    """Whether the update branch still equals where it started, with a clean tree (nothing to keep)."""
    if origin == gitutil.current_branch(repo):  # resumed without a recorded origin: nowhere else to go
        return False
    start = gitutil.git(repo, "rev-parse", "--verify", "-q", f"{origin}^{{commit}}", check=False).stdout.strip()
    return not gitutil.status_lines(repo) and start == gitutil.head(repo)


def go_back(repo: Path, branch: str, origin: str) -> None:
    """Back to the branch (or commit) the repo was on; the update branch is deleted."""
    gitutil.switch_to(repo, origin)
    gitutil.git(repo, "branch", "-q", "-D", branch)


def update_one(repo: Path, templates: Templates, options: Options) -> Result:
    """Update one repo; never raises for problems in the repo itself."""
    # pylint: disable=too-many-locals,too-many-return-statements  # one repo's steps in order; each return is its Result
    started = time.perf_counter()
    stopper = options.stopper or Stopper()
    if stopper.stopped:
        return Result(str(repo), "interrupted", "not started: the rollout was interrupted (Ctrl-C) before this repo; "
                                                "nothing was touched; re-run to update it")
    checked = preflight(repo, templates, options)
    if isinstance(checked, Result):
        checked.seconds = round(time.perf_counter() - started, 2)
        return checked
    from_version, target, branch = checked
    on = gitutil.current_branch(repo)
    if on == branch:  # resuming an update a Ctrl-C cut short before copier changed anything
        origin = gitutil.config_get(repo, ORIGIN_KEY.format(branch)) or branch
    else:
        origin = on or gitutil.head(repo)
        gitutil.git(repo, "switch", "-q", "-c", branch)
        gitutil.config_set(repo, ORIGIN_KEY.format(branch), origin)
    gitutil.config_set(repo, RUNNING_KEY.format(branch), "true")
    answers_file = conventions.answers_file(repo).relative_to(repo).as_posix()
    command = [sys.executable, "-m", "copier", "update", "--trust", "--defaults", f"--vcs-ref={target}",
               f"--answers-file={answers_file}"]
    command += [arg for key, value in options.data.items() for arg in ("--data", f"{key}={value}")]
    if options.skip_hook:
        command.append("--skip-tasks")
    with tempfile.TemporaryDirectory(prefix="tap-rollout-") as tmp:
        hook_file = Path(tmp) / "hook-status.json"
        done, output = stopper.run(command, repo, options.timeout, env={hook_status.ENV: str(hook_file)})
        hook = hook_status.read(hook_file)
    log = None
    if options.logs is not None:
        options.logs.mkdir(parents=True, exist_ok=True)
        log = options.logs / f"{repo.name}-{hashlib.sha256(str(repo).encode()).hexdigest()[:8]}.log"
        log.write_text(f"$ {' '.join(command)}   (in {repo})\n{output}", encoding="utf-8")

    move = (hook or {}).get("framework_move") or {}

    def result(status: str, reason: str, conflicts: list[str] | None = None) -> Result:
        return Result(str(repo), status, reason, from_version, target, branch,
                      round(time.perf_counter() - started, 2), conflicts or [], str(log) if log else None,
                      move.get("verdict"), list(move.get("differences") or []))

    if stopper.stopped and done != 0:
        if untouched(repo, origin):
            go_back(repo, branch, origin)
            return result("interrupted", f"stopped (Ctrl-C) before copier changed anything; back on {origin} as "
                                         "before; re-run to update it")
        # The RUNNING_KEY stays, so the next rollout names this repo "interrupted" too.
        return result("interrupted", f"copier update was stopped (Ctrl-C) part way, so {branch} holds a partial "
                                     f"update: abandon it with `{abandon_recipe(branch, origin)}`, then re-run")
    status, reason, conflicts = classify(repo, done, output, branch, origin, hook)
    gitutil.config_set(repo, RUNNING_KEY.format(branch), None)
    if status == "updated":
        if not options.commit:
            return result(status, f"left uncommitted on {branch} (--no-commit)")
        given = "".join(f" --data {key}={value}" for key, value in options.data.items())
        moved = f"\nFramework move {move.get('from')} -> {move.get('to')}: {move.get('verdict')}." if move else ""
        commit = gitutil.commit_all(repo, f"Update from the TAP template {from_version} to {target}{given}\n\n"
                                          f"Made by `python3 run.py rollout` (copier update{given}).{moved}")
        if options.stay:
            return result(status, f"committed {commit} on {branch}; review and merge it (nothing was pushed)")
        gitutil.switch_to(repo, origin)
        return result(status, f"committed {commit} on {branch}, back on {origin}; review and merge it "
                              "(nothing was pushed)")
    if status in {"failed", "move refused"} and untouched(repo, origin):
        go_back(repo, branch, origin)
        reason = reason.split(". To go back", 1)[0] + f"; nothing was changed: back on {origin}, {branch} deleted"
    return result(status, reason, conflicts)


def rollout(repos: list[Path], jobs: int, options: Options, progress=None) -> list[Result]:
    """Update every repo with at most `jobs` at a time, one progress line each; results in the order given.

    Ctrl-C (in the main thread) stops the rollout cleanly: see Stopper. Every repo still gets a Result.
    """
    # pylint: disable=too-many-locals  # the pool, the Ctrl-C handler and the progress lines share them
    progress = progress or sys.stdout
    templates = Templates(options.prerelease)
    if options.stopper is None:
        options.stopper = Stopper()
    stopper = options.stopper
    results: dict[Path, Result] = {}
    lock = threading.Lock()
    started = time.perf_counter()

    def one(repo: Path) -> Result:
        try:
            return update_one(repo, templates, options)
        except gitutil.GitError as error:  # a git step failed: report it, keep going with the others
            # git runs in this process group, so a Ctrl-C can kill it mid-step.
            return Result(str(repo), "interrupted" if stopper.stopped else "failed", str(error))

    def on_ctrl_c(_signum, _frame):
        first = not stopper.stopped
        stopper.stop()
        progress.write("\nrollout: Ctrl-C: stopping the running update(s), starting no more; the report follows"
                       + (" (Ctrl-C again kills them now)\n" if first else "; killing them now\n"))
        progress.flush()

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(one, repo): repo for repo in repos}
            for count, future in enumerate(as_completed(futures), 1):
                result = future.result()
                results[futures[future]] = result
                with lock:
                    progress.write(f"[{count}/{len(repos)} {time.perf_counter() - started:6.1f}s] "
                                   f"{Path(result.repo).name}: {result.status} ({result.seconds:.1f}s)\n")
                    progress.flush()
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    return [results[repo] for repo in repos]


def table(results: list[Result]) -> str:
    """The summary table and the count per status."""
    rows = [("repo", "status", "version", "move", "seconds", "reason")]
    for r in results:
        version = f"{r.from_version or '?'} -> {r.to_version}" if r.to_version else (r.from_version or "-")
        reason = r.reason if len(r.reason) <= 110 else r.reason[:107] + "..."
        rows.append((Path(r.repo).name, r.status, version, r.move or "-", f"{r.seconds:.1f}", reason))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row[:5], widths)) + "  " + row[5] for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths) + "  ------")
    counts = {status: sum(r.status == status for r in results) for status in STATUSES}
    lines.append("")
    lines.append("  ".join(f"{status}: {n}" for status, n in counts.items()))
    # The table cuts reasons; the commands to finish or go back must be printed whole.
    attention = [r for r in results if r.status not in FINE]
    if attention:
        lines += ["", "Needs you:"]
        for r in attention:
            lines.append(f"  {Path(r.repo).name} ({r.status}): {r.reason}")
            lines += [f"      {difference}" for difference in r.move_differences]
    return "\n".join(lines)


def report(results: list[Result], options: Options, seconds: float, jobs: int) -> dict:
    """The JSON report's content."""
    return {
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(seconds, 2),
        "jobs": jobs,
        "target": options.to or "newest release of each repo's template",
        "hook": "skipped (--skip-hook)" if options.skip_hook else "ran",
        "data": options.data,
        "counts": {status: sum(r.status == status for r in results) for status in STATUSES},
        "repos": [asdict(r) for r in results],
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: Ctrl-C outside the updates themselves (see rollout()) just stops."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("\nrollout: stopped (Ctrl-C) outside any repo's update", file=sys.stderr)
        return 1


def _main(argv: list[str] | None = None) -> int:
    """Parse the arguments, roll out, print the table, write the report."""
    parser = argparse.ArgumentParser(prog="python3 run.py rollout", description=__doc__.split("\n\n", 1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("target", type=Path, help="a directory of repos, one repo, or a list file")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="repos updated at the same time (default 2)")
    parser.add_argument("--to", metavar="VERSION", help="template tag to update to (default: the newest release)")
    parser.add_argument("--data", "-d", action="append", default=[], metavar="KEY=VALUE",
                        help="an answer for every copier update (repeatable); --data framework=cdktn moves each "
                             "repo to CDK Terrain, verified (docs/lifecycle.md)")
    parser.add_argument("--skip-hook", action="store_true",
                        help="copier update --skip-tasks: no synth (conflicts are still checked)")
    parser.add_argument("--prerelease", action="store_true", help="consider pre-release tags for the newest")
    parser.add_argument("--no-commit", dest="commit", action="store_false",
                        help="leave successful updates uncommitted on their branch")
    parser.add_argument("--stay", action="store_true",
                        help="leave updated repos checked out on copier-update/<version> (default: switch each "
                             "back to the branch it was on)")
    parser.add_argument("--report", type=Path, default=Path("rollout-report.json"),
                        help="JSON report path (default rollout-report.json); logs go next to it")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be 1 or more")
    data = {}
    for given in args.data:
        key, sep, value = given.partition("=")
        if not sep or not key:
            parser.error(f"--data {given!r}: write it as KEY=VALUE, for example --data framework=cdktn")
        data[key] = value
    repos = find_repos(args.target)
    report_path = args.report.resolve()
    options = Options(to=args.to, skip_hook=args.skip_hook, prerelease=args.prerelease, commit=args.commit,
                      stay=args.stay, logs=report_path.with_name(report_path.stem + "-logs"), data=data)
    print(f"rollout: {len(repos)} repo(s), {args.jobs} at a time, target "
          f"{args.to or 'newest release'}, hook {'skipped' if args.skip_hook else 'on'}"
          + "".join(f", --data {key}={value}" for key, value in data.items()), flush=True)
    started = time.perf_counter()
    results = rollout(repos, args.jobs, options)
    seconds = time.perf_counter() - started
    print()
    print(table(results))
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report(results, options, seconds, args.jobs), indent=2) + "\n", encoding="utf-8")
    print(f"\nrollout: {seconds:.1f}s in total; report {report_path}; copier logs in {options.logs}")
    print("Nothing was pushed. Review each copier-update/* branch, then push or merge it yourself.")
    return 0 if all(r.status in FINE for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
