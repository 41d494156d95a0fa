"""adopt's plan and its application: what the conversion does to the repo, as an ordered list of file actions
computed without touching it (plan), and apply(), the one place that writes them into the repo.

Three plans apply in turn: the conversion; after it, the move into another framework (--framework), planned from
the converted repo, whose code the codemod reads; and, where the proof meets guardrail findings the repo deployed
with, lib/resources.py again with each suppressed (plan_suppressions)."""
from __future__ import annotations

import ast
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tapkit import conventions
from tapkit.fleet import deployed, gitutil, handmade, template, transplant
from tapkit.fleet.adopt_infer import Inferred, as_before
from tapkit.fleet.adopt_outcome import HAND_MADE_FRAMEWORK, AdoptError, Outcome
from tapkit.fleet.adopt_release import Release
from tapkit.fleet.placing import FileAction, place

if TYPE_CHECKING:
    from tapkit.lifecycle.codemod import FileChange

STUB = '''"""{what}

Yours: written once by the TAP cdktf copier template; `copier update` never touches it.
`python3 run.py adopt` left it without tests: this repo's own tests kept their files.
{fixtures}
"""
'''
STUBS = {
    "tests/unit/test_resources.py": STUB.format(
        what="Tests of your resources in lib/resources.py.",
        fixtures="Use the fixtures in conftest.py: `synthesized` (JSON string) and `stack_json` (parsed)."),
    "tests/integration/test_resources_integration.py": STUB.format(
        what="Integration tests against the deployed stack, through its outputs.",
        fixtures="Use the `outputs` fixture in conftest.py (cfn-outputs/flat-outputs.json)."),
}
# Where a test file of the repo goes when the template owns its path.
TEST_HOMES = {"tests/unit/test_tap_stack.py": "tests/unit/test_resources.py"}


# ---------------------------------------------------------------- file actions
@dataclass(frozen=True, kw_only=True)
class Action:
    """One file action of a plan, and the line it adds to the report's Files (None: it adds none)."""

    report: FileAction | None = None

    def apply(self, repo: Path) -> None:
        """Do it to the repo (apply() calls it, in the plan's order)."""


def _made(repo: Path, rel: str) -> Path:
    """The repo's path rel, its folders made."""
    target = repo / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


@dataclass(frozen=True)
class Write(Action):
    """Write text to a path of the repo."""

    path: str
    text: str

    def apply(self, repo: Path) -> None:
        _made(repo, self.path).write_text(self.text, encoding="utf-8")


@dataclass(frozen=True)
class Move(Action):
    """Move a file of the repo with git mv, so that its history follows it."""

    path: str
    to: str

    def apply(self, repo: Path) -> None:
        gitutil.git(repo, "mv", self.path, self.to)


@dataclass(frozen=True)
class Copy(Action):
    """Copy a file (with its metadata) to a path of the repo."""

    source: Path
    path: str

    def apply(self, repo: Path) -> None:
        shutil.copy2(self.source, _made(repo, self.path))


@dataclass(frozen=True)
class Leave(Action):
    """Leave a file of the repo as it is; the report says why."""


@dataclass(frozen=True)
class Recode(Action):
    """One Python file's imports moved to another framework, as tapkit/lifecycle/codemod.py planned them."""

    change: FileChange
    framework: str

    def apply(self, repo: Path) -> None:
        """Write the file through the codemod (a temporary file, the file's mode kept)."""
        from tapkit.lifecycle import codemod  # pylint: disable=import-outside-toplevel  # libcst: only here

        try:
            codemod.apply([self.change])
        except codemod.CodemodError as error:
            raise AdoptError(f"cannot move the repo's code to {self.framework}: {error}") from error


@dataclass(frozen=True)
class Resources:
    """What lib/resources.py is made of: the code moved out of TapStack, and the default provider's settings the
    repo deployed beyond the answers (in adopted_settings(stack), with any guardrail suppressions)."""

    moved: str
    overrides: dict[str, object]

    def text(self, suppressions: tuple[tuple[str, str], ...] = ()) -> str:
        """lib/resources.py: the moved code, plus adopted_settings(stack) when the template needs settings on top."""
        text = self.moved
        body = deployed.settings_code(self.overrides, list(suppressions))
        if body and text:
            tree = ast.parse(text)
            function = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "add_resources")
            last = function.body[-1]
            lines = text.splitlines()
            call = "    adopted_settings(stack)  # added by adopt: what the repo deployed beyond the template's answers"
            at = last.lineno - 1 if isinstance(last, ast.Return) else function.end_lineno
            lines[at:at] = [call]
            text = "\n".join(lines) + "\n" + "\n\ndef adopted_settings(stack: TapStack) -> None:\n" + (
                '    """Kept by adopt: provider settings and guardrail exceptions the repo deployed with."""\n'
                + "\n".join(body) + "\n")
        return text


@dataclass(frozen=True)
class Plan:
    """File actions in the order they apply; the conversion's also says what lib/resources.py is made of, for the
    suppressions the proof may add."""

    actions: tuple[Action, ...]
    resources: Resources | None = None


def apply(plan: Plan, repo: Path) -> list[FileAction]:
    """Carry out the plan's actions in order: the only place adopt writes into the repo. What they did, to report."""
    for action in plan.actions:
        action.apply(repo)
    return [action.report for action in plan.actions if action.report is not None]


class Planned:
    """The repo as the actions planned so far leave it, read without writing to it: a later action reads what an
    earlier one planned (a test file moved, a caller rewritten) as apply() will have left it."""

    def __init__(self, repo: Path):
        self.repo = repo
        self.actions: list[Action] = []
        # path -> the text planned there, or the file (as it is now) planned to be there: moved or copied
        self.files: dict[str, str | Path] = {}
        self.gone: set[str] = set()  # paths moved away

    def add(self, action: Action) -> None:
        """Plan one more action."""
        self.actions.append(action)
        if isinstance(action, Move):
            self.files[action.to] = self.files.pop(action.path, self.repo / action.path)
            self.gone.add(action.path)
            self.gone.discard(action.to)
        elif isinstance(action, (Write, Copy)):
            self.files[action.path] = action.text if isinstance(action, Write) else action.source
            self.gone.discard(action.path)

    def is_file(self, rel: str) -> bool:
        """Whether a file will be at rel."""
        return rel in self.files or rel not in self.gone and (self.repo / rel).is_file()

    def exists(self, rel: str) -> bool:
        """Whether anything (a file, a folder) will be at rel."""
        return rel in self.files or rel not in self.gone and (self.repo / rel).exists()

    def read(self, rel: str) -> str:
        """The text a file will have."""
        found = self.files.get(rel, self.repo / rel)
        return found.read_text(encoding="utf-8") if isinstance(found, Path) else found

    def read_text(self, path: Path) -> str:
        """read(), by absolute path (as transplant.rewrite_callers reads a tree)."""
        return self.read(path.relative_to(self.repo).as_posix())

    def python_files(self) -> list[Path]:
        """The repo's *.py paths as they will be."""
        rels = {path.relative_to(self.repo).as_posix() for path in self.repo.rglob("*.py")} - self.gone
        return [self.repo / rel for rel in rels | {rel for rel in self.files if rel.endswith(".py")}]


# ---------------------------------------------------------------- the plans
def plan(repo: Path, reading: handmade.Reading, release: Release, inferred: Inferred, outcome: Outcome) -> Plan:
    """Turn the repo into the release's render plus its own work: the file actions, in order, nothing written."""
    # pylint: disable=too-many-locals  # one stretch per kind of file the conversion meets, in the order they apply
    render, config, planned = release.render, release.config, Planned(repo)
    if (repo / transplant.RESOURCES).exists():
        raise AdoptError(f"{repo / transplant.RESOURCES} exists already; the template keeps your resources "
                         "there. Rename it (and its imports), commit, and run adopt again")
    moved = transplant.move_resources(reading, outcome.answers, repo)
    resources = Resources(moved.text or "", inferred.overrides)
    detail = "TapStack.__init__'s resources" + (f" and {', '.join(moved.functions)}" if moved.functions else "")
    planned.add(Write(str(transplant.RESOURCES), resources.text(),
                      report=FileAction(f"lib/tap_stack.py -> {transplant.RESOURCES}", "moved", detail)))
    if moved.dropped:
        outcome.notes.append("left behind in the old TapStack, as the template's TapStack does it from the "
                             "answers: " + "; ".join(moved.dropped))
    owned = release.owned
    move_tests(planned, owned)
    # Tests and other code that built TapStack the old way go through tap_stack_as_before
    # (tests/adopted.py, or lib/adopted.py when code outside tests/ calls it too).
    edits, adapters = transplant.rewrite_callers(repo, reading.stack, moved,
                                                 as_before(reading, repo, inferred.deployed_answers, outcome),
                                                 tree=planned)
    for edit in edits:
        rel = edit.path.relative_to(repo).as_posix()
        planned.add(Write(rel, edit.text, report=FileAction(rel, "rewritten", "; ".join(edit.changes))))
    for rel, text in adapters.items():
        planned.add(Write(rel, text, report=FileAction(rel, "added", "tap_stack_as_before(), for the code above that "
                                                                     "calls TapStack the old way")))
    # User-owned files the template would otherwise fill with its example.
    for rel in template.skip_if_exists(config):
        if rel in STUBS and (render / rel).exists() and not planned.exists(rel):
            planned.add(Write(rel, STUBS[rel], report=FileAction(rel, "added", "yours, empty: the template's example "
                                                                               "tests test its example resources")))
    place_owned(planned, render, owned, {"projectId", "terraformProviders", "app", *outcome.answers})
    reports = [action.report for action in planned.actions if action.report is not None]
    if planned.is_file("Pipfile.lock") and any(a.path == "Pipfile" and a.action in {"merged", "replaced"}
                                               for a in reports):
        outcome.notes.append("Pipfile.lock no longer matches the Pipfile: run `pipenv lock` and commit it")
    answers = release.answers_file
    planned.add(Copy(render / answers, answers, report=FileAction(answers, "added", f"the answers, pinned to "
                                                                                    f"{outcome.version}")))
    kept_changed = sorted({a.path for a in reports if a.action in {"kept", "merged"}} & set(release.changed_by_update))
    if kept_changed:
        outcome.first_update.append(f"may mark conflicts in {', '.join(kept_changed)}: you keep your "
                                    "version and the update changes the template's")
    return Plan(tuple(planned.actions), resources)


def move_tests(planned: Planned, owned: list[str]) -> None:
    """Test files on template-owned paths move to user-owned ones."""
    for rel in owned:
        if rel.startswith("tests/") and Path(rel).name.startswith("test_") and planned.is_file(rel):
            home = TEST_HOMES.get(rel)
            if home is None or planned.exists(home):
                home = str(Path(rel).with_name(Path(rel).stem + "_adopted.py"))
            moving = FileAction(f"{rel} -> {home}", "moved", "the template owns the old path")
            planned.add(Move(rel, home, report=moving))


def place_owned(planned: Planned, render: Path, owned: list[str], answered: set[str]) -> None:
    """Each template-owned file the render has: the repo's kept, replaced or merged with the template's (place())."""
    for rel in owned:
        result = place(rel, (render / rel).read_text(encoding="utf-8"),
                       planned.read(rel) if planned.is_file(rel) else None, answered)
        action, text = result if isinstance(result, tuple) else (result, None)
        report = action if action.action != "same" else None
        if text is not None:
            planned.add(Write(rel, text, report=report))
        elif report is not None:
            planned.add(Leave(report=report))


def plan_framework_move(repo: Path, framework: str, outcome: Outcome) -> Plan:
    """Adopting into another framework than the repo's (cdktf): its Python's imports rewritten, as the update's
    move does (hooks/framework_move.py), planned from the converted repo; strings naming cdktf modules become
    notes."""
    if framework == HAND_MADE_FRAMEWORK:
        return Plan(())
    from tapkit.lifecycle import codemod, framework_move  # pylint: disable=import-outside-toplevel  # libcst: only here

    actions: list[Action] = pipfile_packages(repo, framework)
    listed = gitutil.git(repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard").stdout
    files = sorted(repo / rel for rel in set(listed.split("\0")) if rel.endswith(".py") and (repo / rel).is_file())
    try:
        changes = codemod.plan(files, framework_move.mapping(HAND_MADE_FRAMEWORK, framework))
    except (codemod.CodemodError, framework_move.MoveFailed) as error:
        raise AdoptError(f"cannot move the repo's code to {framework}: {error}") from error
    for change in changes:
        rel = change.path.relative_to(repo).as_posix()
        if change.changed:
            actions.append(Recode(change, framework,
                                  report=FileAction(rel, "rewritten", f"imports moved to {framework}")))
        if framework_move.template_owned(change.path):
            continue
        outcome.notes += [f"{rel}:{m.line}: string {m.text!r} names a cdktf module; strings are not changed: "
                          f"make it {m.suggestion!r} (a mock.patch target still reaches cdktf)"
                          for m in change.mentions]
    return Plan(tuple(actions))


def pipfile_packages(repo: Path, framework: str) -> list[Action]:
    """The Pipfile merge kept the repo's own packages, cdktf's among them: the new framework's replace them."""
    old = conventions.FRAMEWORKS[HAND_MADE_FRAMEWORK]
    pipfile = repo / "Pipfile"
    if not pipfile.is_file():
        return []
    text = pipfile.read_text(encoding="utf-8")
    kept = re.sub(rf'(?m)^"?({re.escape(old["package"])}|{re.escape(old["provider_package"])})"?\s*=.*\n', "", text)
    if kept == text:
        return []
    return [Write("Pipfile", kept, report=FileAction("Pipfile", "rewritten", f"{old['package']} and "
                                                     f"{old['provider_package']} left for the {framework} "
                                                     "packages"))]


def plan_suppressions(resources: Resources, findings: tuple[tuple[str, str], ...], outcome: Outcome) -> Plan:
    """lib/resources.py again, each guardrail finding the repo deployed with suppressed with a reason in
    adopted_settings(), said so."""
    outcome.notes.append("the template's guardrails refuse what the repo deployed before; adopt kept it, each "
                         "suppressed with a reason in lib/resources.py adopted_settings() (fix them when you can): "
                         + ", ".join(f"{rule} at {path}" for path, rule in findings))
    return Plan((Write(str(transplant.RESOURCES), resources.text(findings)),))
