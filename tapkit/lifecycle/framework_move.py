"""Move a project to another CDK framework (cdktf -> CDK Terrain) inside `copier update`, proven to change nothing.

    copier update --trust --defaults -a lib/.copier-answers.yml --data framework=cdktn

copier re-renders the template-owned files for the new framework; the user's
own Python (lib/resources.py, their modules and tests, their edits in tap.py)
still imports cdktf. tapkit/lifecycle/migrations/after_update.py calls run() once copier
has merged the user's edits and found no conflicts, before the hook re-checks
the project. When the framework answer changed (the answers file at git HEAD,
i.e. before the update, against the working tree's: lib/.copier-answers.yml,
or the root one of a release before 0.5.0; no answer means cdktf), it

  1. rewrites the imports and qualified names of every Python file git sees
     (tracked, or new and not ignored) with tapkit/lifecycle/codemod.py (libcst): module
     names from conventions.json "frameworks", never strings or comments; a
     file that does not parse refuses the move before anything is written;
     strings that name an old module (mock.patch targets) are reported;
  2. "before": exports HEAD (git archive) to a temporary folder and synthesizes
     it with an interpreter that has the OLD framework;
  3. "after": synthesizes the working tree with the NEW framework;
  4. compares every stack (hooks/stackdiff.py): resources, data sources,
     outputs, backend, provider blocks (tapkit/lifecycle/stackdiff.py). Only required_providers' source and
     version and the frameworks' `//` metadata may differ.

Any difference or failure restores the project exactly as it was before the
update (copier update starts from a clean tree: `git reset --hard HEAD` plus
`git clean -fd`, which removes only the untracked files the update created and
never ignored ones such as .venv) and fails the update. The verdict goes to
TAP_HOOK_STATUS (tapkit/lifecycle/hook_status.py) as "framework_move".

Standard library only: it runs under copier's Python. Both synths are tapkit.synth's ("probe"
environment: the per-deploy variables set as a pipeline deploy sets them), each with an interpreter that has
its framework (tapkit.synth.python_for: the hook's candidates, else the shared toolchain); the codemod runs
as `python -m tapkit.lifecycle.codemod` in an interpreter that has libcst.
"""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tapkit import conventions, module_env, synth
from tapkit.lifecycle import stackdiff
# DEFAULT: a project answered before the question existed is built on cdktf.
from tapkit.framework import DEFAULT

PREFIX = "TAP framework move:"
OWNED_MARK = "Template-owned: rendered by the TAP"  # includes/header.jinja
PROBE_LIBCST = "import libcst"
LIBCST_HINT = "pip install libcst==1.9.0"
# How the user re-runs an update (from 0.5.0 the answers are in lib/, and copier reads the root file without -a).
UPDATE = f"copier update --trust --defaults -a {conventions.ANSWERS_FILE}"


class MoveFailed(Exception):
    """The move cannot go on; .verdict says how (refused, failed, different), the message what to do."""

    def __init__(self, verdict: str, message: str):
        super().__init__(message)
        self.verdict = verdict


@dataclass
class Outcome:
    """What the move did: the hook status's "framework_move"."""

    old: str
    new: str
    verdict: str = "failed"  # identical | different | refused | failed
    differences: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)
    message: str = ""
    restored: bool = False

    def status(self) -> dict:
        """The JSON form (from/to rather than old/new)."""
        fields = asdict(self)
        fields["from"], fields["to"] = fields.pop("old"), fields.pop("new")
        return fields


# ----------------------------------------------------------------- which framework, before and now
def _framework_in(text: str | None) -> str:
    if not text:
        return DEFAULT
    try:
        import yaml  # pylint: disable=import-outside-toplevel  # copier depends on PyYAML
        answers = yaml.safe_load(text) or {}
        value = answers.get("framework") if isinstance(answers, dict) else None
    except (ImportError, ValueError):
        found = re.search(r"^framework:\s*['\"]?([\w-]+)", text, re.MULTILINE)
        value = found.group(1) if found else None
    return str(value) if value else DEFAULT


def git(project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """git in the project; MoveFailed when it fails and check is set."""
    done = subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise MoveFailed("failed", f"git {' '.join(args)} failed in {project}: {done.stderr.strip()}")
    return done


def answers_at_head(project: Path) -> str | None:
    """The answers file's text as committed at HEAD (lib/.copier-answers.yml, or the root one of a release before
    0.5.0), or None when HEAD records none."""
    for rel in (conventions.ANSWERS_FILE, conventions.OLD_ANSWERS_FILE):
        at_head = git(project, "show", f"HEAD:{rel}", check=False)
        if at_head.returncode == 0:
            return at_head.stdout
    return None


def detect(project: Path) -> tuple[str, str] | None:
    """(old framework, new framework) when this update changes the answer, else None."""
    if git(project, "rev-parse", "--verify", "-q", "HEAD", check=False).returncode != 0:
        return None
    old = _framework_in(answers_at_head(project))
    try:
        new = _framework_in(conventions.answers_file(project).read_text(encoding="utf-8"))
    except OSError:
        return None
    return (old, new) if old != new else None


def mapping(old: str, new: str) -> dict[str, str]:
    """Module renames between two frameworks, from conventions.json "frameworks"."""
    for name in (old, new):
        if name not in conventions.FRAMEWORKS:
            raise MoveFailed("failed", f"framework {name!r} is not one of {sorted(conventions.FRAMEWORKS)}")
    a, b = conventions.FRAMEWORKS[old], conventions.FRAMEWORKS[new]
    return {a["module"]: b["module"], a["provider_module"]: b["provider_module"]}


# ----------------------------------------------------------------- interpreters
def _runs(python: str, code: str) -> bool:
    try:
        return subprocess.run([python, "-c", code], capture_output=True, check=False, timeout=300).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def interpreter(framework: str, tree: Path, project: Path) -> str:
    """An interpreter that has `framework` and its provider: one of the project's candidates (tapkit.synth:
    copier's own, the project's .venv, pipenv's, the template checkout's .venv), else the shared toolchain for
    tree's pins (tree: the project, or its HEAD exported for the "before" synth)."""
    try:
        if Path(tree).resolve() != Path(project).resolve():
            found, _ = synth.find_python(project, framework)  # the project's own .venv may have the old framework
            if found:
                return found
        return synth.python_for(tree, framework)
    except synth.SynthError as error:
        raise MoveFailed("failed", f"no interpreter has {framework}, needed to synthesize the project with it: "
                                   f"{error}") from error


def libcst_interpreter(project: Path, *pythons: str) -> str:
    """An interpreter with libcst (the codemod's): copier's, one of pythons, else the shared toolchain (it has it)."""
    from tapkit import toolchain  # pylint: disable=import-outside-toplevel

    tried = list(dict.fromkeys([sys.executable, *pythons]))
    for python in tried:
        if _runs(python, PROBE_LIBCST):
            return python
    try:
        built = toolchain.provide(project)
    except toolchain.ToolchainError as error:
        built = None
        tried.append(f"the shared toolchain ({error})")
    if built and _runs(built, PROBE_LIBCST):
        return built
    raise MoveFailed("failed", f"libcst is needed to rewrite your imports and none of {', '.join(tried)} has it: "
                               f"install it in one of them ({LIBCST_HINT}), then update again")


# ----------------------------------------------------------------- synth
def export_head(project: Path, dest: Path) -> Path:
    """The project as committed at HEAD (what it was before this update), in dest."""
    archive = subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=project, capture_output=True,
                             check=False)
    if archive.returncode != 0:
        raise MoveFailed("failed", f"git archive HEAD failed: {archive.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def synthesize(tree: Path, python: str, label: str) -> dict[str, dict]:
    """{stack name: cdk.tf.json} of the project in tree, synthesized the template's one way (tapkit.synth) with
    the pipeline's probe values, so both synths see the same environment."""
    try:
        return synth.synthesize(tree, python, "probe").stacks
    except synth.SynthError as error:
        tail = "\n".join(f"    {line}" for line in (error.output or str(error)).strip().splitlines()[-15:])
        raise MoveFailed("failed", f"the {label} synth (`{python} -m tapkit.synth_runner` in {tree}) failed: "
                                   f"{error}\n{tail}") from error


# ----------------------------------------------------------------- codemod
def python_files(project: Path) -> list[str]:
    """The .py files git sees: tracked, or new and not ignored (never .venv and the like)."""
    listed = git(project, "ls-files", "-z", "--cached", "--others", "--exclude-standard").stdout.split("\0")
    return sorted({rel for rel in listed if rel.endswith(".py") and (project / rel).is_file()})


def template_owned(path: Path) -> bool:
    """Whether the file carries the template's ownership header (as a comment, after the docstring)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(line.startswith(f"# {OWNED_MARK}") for line in text.splitlines())


def codemod(project: Path, python: str, renames: dict[str, str], outcome: Outcome) -> None:
    """Rewrite the project's imports; MoveFailed("refused") when a file does not parse (nothing written)."""
    files = python_files(project)
    maps = [arg for old, new in renames.items() for arg in ("--map", f"{old}={new}")]
    done = subprocess.run([python, "-m", "tapkit.lifecycle.codemod", "--json", *maps, *files], cwd=project,
                          env=module_env(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().removeprefix("codemod: refused: ")
        raise MoveFailed("refused" if done.returncode == 1 else "failed", f"the codemod refused: {said}")
    report = json.loads(done.stdout)
    for entry in report["files"]:
        path = entry["path"]
        if entry["changed"]:
            outcome.rewritten.append(path)
            for edit in entry["edits"]:
                print(f"{PREFIX}   {path}:{edit['line']}: {' | '.join(s.strip() for s in edit['before'].splitlines())}"
                      f"  ->  {' | '.join(s.strip() for s in edit['after'].splitlines())}", flush=True)
        if template_owned(project / path):
            continue  # its strings are the template's (re-rendered for the new framework)
        for string in entry["strings"]:
            outcome.strings.append(
                f"{path}:{string['line']}: string {string['text']!r} names a {outcome.old} module; strings are not "
                f"changed: make it {string['suggestion']!r} (a mock.patch target or import_module name still "
                f"reaches {outcome.old})")
        outcome.strings += [f"{path}: {problem}" for problem in entry["unresolved"]]


# ----------------------------------------------------------------- compare, restore
def compare(before: dict[str, dict], after: dict[str, dict], outcome: Outcome) -> None:
    """Every stack diffed; framework-only differences set apart, the rest decide the verdict."""
    for difference in stackdiff.diff(before, after):
        (outcome.ignored if stackdiff.framework_only(difference) else outcome.differences).append(str(difference))
    outcome.verdict = "different" if outcome.differences else "identical"


def restore(project: Path) -> None:
    """The project as it was before the update: HEAD, and no file the update added (ignored files stay)."""
    git(project, "reset", "-q", "--hard", "HEAD")
    git(project, "clean", "-q", "-fd")


def recovery(outcome: Outcome) -> str:
    """What the user does after a failed move."""
    command = f"{UPDATE} --data framework={outcome.new}"
    if outcome.verdict == "refused":
        return f"Fix the file named above, commit, then run `{command}` again."
    if outcome.verdict == "different":
        return ("What the project deploys would change. Find the code that depends on the framework itself (a "
                f"name built from {outcome.old}.__name__ or __version__, a check of the installed package), make "
                f"it framework-neutral, commit, then run `{command}` again.")
    return f"Fix the cause above, commit, then run `{command}` again (or stay on {outcome.old}: nothing changed)."


def run(project: Path) -> Outcome | None:
    """The move, when this update changes the framework (None when it does not). On any failure the project is
    restored and the Outcome has verdict != identical; the caller fails the update."""
    frameworks = detect(project)
    if frameworks is None:
        return None
    outcome = Outcome(*frameworks)
    print(f"{PREFIX} {outcome.old} -> {outcome.new}: synthesizing before, rewriting your imports, synthesizing "
          "after, comparing", flush=True)
    try:
        renames = mapping(outcome.old, outcome.new)
        new_python = interpreter(outcome.new, project, project)
        # First, as it refuses cheaply (a file that does not parse); "before" is HEAD, which it does not touch.
        codemod(project, libcst_interpreter(project, new_python), renames, outcome)
        with tempfile.TemporaryDirectory(prefix="tap-move-before-") as tmp:
            tree = export_head(project, Path(tmp))
            before = synthesize(tree, interpreter(outcome.old, tree, project), f"before ({outcome.old})")
        after = synthesize(project, new_python, f"after ({outcome.new})")
        compare(before, after, outcome)
        if outcome.differences:
            raise MoveFailed("different", f"moving to {outcome.new} changes what the project deploys "
                                          f"({len(outcome.differences)} difference(s)):\n"
                             + "\n".join(f"    {line}" for line in outcome.differences))
    except MoveFailed as error:
        outcome.verdict = error.verdict
        outcome.message = f"{error}\n{recovery(outcome)}"
        fail(project, outcome)
        return outcome
    for line in outcome.strings:
        print(f"{PREFIX} warning: {line}", flush=True)
    kept = "; ".join(outcome.ignored) or "none"
    outcome.message = (f"{outcome.old} -> {outcome.new}: resources, data sources, outputs, backend and providers "
                       f"identical in every stack; framework-only differences: {kept}; {len(outcome.rewritten)} "
                       f"file(s) rewritten, {len(outcome.strings)} string(s) to check by hand")
    print(f"{PREFIX} {outcome.message}", flush=True)
    return outcome


def fail(project: Path, outcome: Outcome) -> None:
    """Report the failure and put the project back as it was before the update."""
    try:
        restore(project)
        outcome.restored = True
        back = "The project was restored exactly as it was before this update (git reset --hard HEAD; git clean -fd)."
    except MoveFailed as error:
        back = f"Restoring it failed ({error}): run `git reset --hard HEAD && git clean -fd` in {project}."
    outcome.message = f"{outcome.message}\n{back}"
    print(f"{PREFIX} FAILED ({outcome.verdict}): {outcome.message}", file=sys.stderr, flush=True)
