"""Migration 0.5.0: a task made before 0.5.0 moves to the pipeline's layout, nothing of its owner's lost.

0.5.0 writes only tap.py, cdktf.json, metadata.json, lib/ and tests/ (answer
`layout: monorepo`), or those plus the settings of a repo of its own (Pipfile,
pytest.ini, .pylintrc, README.md, .gitignore: `layout: standalone`); the answers
move to lib/.copier-answers.yml and the template's tools (taptools/) leave the
task: they run from the template checkout. A plain `copier update` of a 0.4.0
project reads its root .copier-answers.yml, renders 0.5.0 (which writes
lib/.copier-answers.yml) and deletes what only the old release rendered: the
root answers file, taptools/, .gitattributes, renovate.json, tests/unit/test_guardrails.py,
and, in the monorepo layout, the standalone files. copier runs this twice
(`_migrations` in copier.yml, version 0.5.0):

    python hooks/migrations/layout.py before ANSWERS_FILE DATA_JSON
    python hooks/migrations/layout.py after ANSWERS_FILE RENAMES_JSON

before: a project from before 0.5.0 is a repo of its own with its own Pipfile,
so it records `layout: standalone` (its Pipfile, pytest.ini, .pylintrc and
README.md stay, template-owned) unless the update gives `--data layout=...`.
copier drops a recorded answer its question refuses and takes the default,
without a word; so before also reviews the answers 0.5.0's closed lists
(the pipeline's) refuse. Placeholders the old releases recorded when nobody
answered (team unknown, po_id "", subject_labels []) take 0.5.0's defaults,
named; another spelling of a valid choice is recorded as the list spells it;
labels that all belong to one subtask record that subtask. Any other refused
answer (team platform, a label no subtask has) stops the update before
anything is written, naming each value and the --data that resolves it.

after: the answers end in lib/.copier-answers.yml only (an update run with
`-a .copier-answers.yml` wrote them at the root); taptools/ leaves no cache
behind (files of the owner's in it stay, named); and the owner's Python stops
importing taptools: a simple `guardrails.suppress(construct, rule, reason=...)`
becomes `TapStack.suppress(...)` (or `stack.suppress(...)` on the stack the
function takes, as lib/resources.py has no TapStack at run time: importing it
there is circular) and its import goes. Any other use of taptools fails the
update, naming file:line and the fix, before any file is rewritten (all or
nothing; copier leaves the rest of the update in the tree, for review).
The calls and removed modules are data: renames.json "calls" and "removed".

Standard library only (the answers file is read with PyYAML, which copier has);
it runs under copier's Python.
"""
from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tapkit import conventions
from tapkit.lifecycle import hook_status
from tapkit.lifecycle.migrations.answers import read_by_update
from tapkit.lifecycle.migrations.rename_answer import _entry

PREFIX = "TAP migration (0.5.0 layout):"
VERSION = "0.5.0"
OLD_TOOLS = "taptools"
STANDALONE_FILES = ("Pipfile", "pytest.ini", ".pylintrc", "README.md", ".gitignore")
CACHES = ("__pycache__", ".pytest_cache", ".mypy_cache")
TYPE_CHECKING = "TYPE_CHECKING"


# ----------------------------------------------------------------- before: the layout answer
PLACEHOLDERS = ("", "unknown", "null", "none")  # what releases before 0.5.0 recorded when nobody answered


def _words(value: object) -> str:
    """A choice compared the forgiving way: case, spaces and punctuation aside ("Synth-1 " is synth-1)."""
    return " ".join(re.findall(r"[a-z0-9]+", str(value).casefold()))


@dataclass
class Review:
    """What 0.5.0's closed lists make of the recorded answers: edits to record, notes, and what stops the update."""
    edits: dict[str, object] = field(default_factory=dict)   # answer -> the value to record instead
    notes: list[str] = field(default_factory=list)           # placeholders that take 0.5.0's default, and mappings
    refused: list[str] = field(default_factory=list)         # real answers 0.5.0 would drop: the update stops
    flags: list[str] = field(default_factory=list)           # the --data that resolves each refusal


def _review_team(review: Review, team: object, teams: list[str]) -> None:
    if team is None or str(team) in teams:
        return
    if _words(team) in PLACEHOLDERS:
        review.notes.append(f"team {team!r} was a placeholder: it takes 0.5.0's default (synth); give --data "
                            "team=... to choose")
        return
    same = [choice for choice in teams if _words(choice) == _words(team)]
    if len(same) == 1:
        review.edits["team"] = same[0]
        review.notes.append(f"recorded team {team!r} as {same[0]!r}, its spelling in the pipeline's list")
        return
    review.refused.append(f"team {team!r} is not one of the pipeline's teams ({', '.join(teams)})")
    review.flags.append("--data team=TEAM")


def _review_po_id(review: Review, po_id: object) -> None:
    if po_id is not None and _words(po_id) in PLACEHOLDERS:
        review.notes.append(f"po_id {po_id!r} was a placeholder (the pipeline refuses it): it takes 0.5.0's "
                            "default (the project name); give --data po_id=... (the ticket's id)")


def _labels_refused(labels: list, unknown: list, named: list, subtask: str | None) -> str:
    """Why recorded subject_labels cannot stay, with the pipeline's labels by subtask."""
    metadata = conventions.DATA["metadata"]
    named = unknown or named
    verb = "is" if len(named) == 1 else "are"
    why = (f"{', '.join(map(repr, unknown))} {verb} no subtask's label" if unknown
           else f"{', '.join(map(repr, named))} {verb} not all of one subtask" if subtask is None
           else f"{', '.join(map(repr, named))} {verb} not of the subtask {subtask!r}")
    valid = "; ".join(f"{name}: {', '.join(offered)}" for name, offered in sorted(metadata["subtasks"].items())
                      if offered)
    other = metadata.get("other_platform_subtasks") or {}
    return (f"subject_labels {labels!r}: {why} (the pipeline's labels, by subtask: {valid}"
            + (f"; {', '.join(sorted(other))} need another platform than cdktf" if other else "") + ")")


def _review_labels(review: Review, labels: object, answers: dict, data: dict) -> None:
    if labels is None or not isinstance(labels, list):
        return
    if not labels:
        review.notes.append("subject_labels was empty (the pipeline refuses it): it takes 0.5.0's default, the "
                            "subtask's first label; give --data subject_labels=[...] to choose")
        return
    every = {_words(label): (subtask, label)
             for subtask, offered in conventions.DATA["metadata"]["subtasks"].items() for label in offered}
    found = [every.get(_words(label)) for label in labels]
    unknown = [label for label, hit in zip(labels, found) if hit is None]
    hits = [hit for hit in found if hit is not None]
    subtask = data.get("subtask", answers.get("subtask"))
    homes = sorted({home for home, _ in hits})
    if not unknown and subtask is None and len(homes) == 1:
        subtask = review.edits["subtask"] = homes[0]
        review.notes.append(f"recorded subtask {subtask!r}: the one whose labels subject_labels holds")
    misplaced = [label for home, label in hits if home != subtask]
    if unknown or misplaced or subtask is None:
        review.refused.append(_labels_refused(labels, unknown, misplaced, subtask))
        review.flags.append("--data subtask='SUBTASK' --data subject_labels='[LABEL, ...]'")
        return
    canonical = [label for _, label in hits]
    if canonical != labels:
        review.edits["subject_labels"] = canonical
        review.notes.append(f"recorded subject_labels {labels!r} as {canonical!r}, their spelling in the "
                            "pipeline's list")


def review_answers(answers: dict, data: dict) -> Review:
    """The recorded answers against 0.5.0's closed lists (an answer --data gives is copier's to check).

    copier drops a recorded answer its question refuses and takes the default, silently. A placeholder
    releases before 0.5.0 recorded (team unknown, an empty po_id or subject_labels) may go that way, named;
    a different spelling of a valid choice is recorded in the list's spelling; labels that all belong to one
    subtask record that subtask; any other refused answer is refused here, so nothing the owner chose is lost.
    """
    review = Review()
    if "team" not in data:
        _review_team(review, answers.get("team"), list(conventions.DATA["metadata"]["team"]))
    if "po_id" not in data:
        _review_po_id(review, answers.get("po_id"))
    if "subject_labels" not in data:
        _review_labels(review, answers.get("subject_labels"), answers, data)
    return review


def refusal(review: Review, answers_file: str = conventions.OLD_ANSWERS_FILE) -> str:
    """The message of an update stopped before it renders, for answers 0.5.0 would drop (`answers_file`: the
    one the update read, relative to the project)."""
    option = "" if answers_file == conventions.OLD_ANSWERS_FILE else f" -a {answers_file}"
    return (f"{len(review.refused)} recorded answer(s) are not accepted by 0.5.0, whose metadata questions take "
            "only the pipeline's values; copier would replace them with defaults, so the update stops here:\n"
            + "\n".join(f"  {line}" for line in review.refused) + "\n"
            "Nothing was changed. Run the update again with the values to record, for example:\n"
            f"  copier update --trust{option} {' '.join(review.flags)}\n"
            "(python3 run.py update PROJECT ... takes the same --data).")


def set_entry(text: str, name: str, value: object) -> str:
    """The answers text with the top-level entry `name` set to `value` (a JSON value is YAML), others as they are."""
    lines = text.splitlines(keepends=True)
    line = f"{name}: {json.dumps(value)}\n"
    found = _entry(lines, name)
    if found is None:
        ending = "" if not text or text.endswith("\n") else "\n"
        return text + ending + line
    first, end = found
    lines[first:end] = [line]
    return "".join(lines)


def record_layout(text: str, data: dict) -> tuple[str, str]:
    """The answers text with the layout recorded, and what was done."""
    if "layout" in data:
        chosen = data["layout"]
        if chosen == "monorepo":
            return text, ("layout monorepo (--data): the task keeps tap.py, cdktf.json, metadata.json, lib/ and "
                          f"tests/; {', '.join(STANDALONE_FILES)} go (the monorepo's root has its own; yours stay in "
                          "git)")
        return text, f"layout {chosen} (--data)"
    if _entry(text.splitlines(keepends=True), "layout") is not None:
        return text, "layout already recorded"
    return (set_entry(text, "layout", "standalone"),
            "recorded layout: standalone (a repo of its own, as releases before 0.5.0 made it: its "
            f"{', '.join(STANDALONE_FILES[:-1])} and .gitignore stay, template-owned). For the pipeline's monorepo "
            "layout update with --data layout=monorepo")


def _load(text: str) -> dict:
    try:
        import yaml  # pylint: disable=import-outside-toplevel  # copier depends on PyYAML

        answers = yaml.safe_load(text) or {}
    except (ImportError, ValueError):
        return {}
    return answers if isinstance(answers, dict) else {}


def first_commit_time(project: Path) -> str | None:
    """When the project's first commit was made (ISO 8601 with its offset), or None outside git."""
    done = subprocess.run(["git", "log", "--reverse", "--format=%aI", "HEAD"], cwd=project, capture_output=True,
                          text=True, check=False)
    lines = done.stdout.split() if done.returncode == 0 else []
    return lines[0] if lines and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)", lines[0]) else None


def before(given: str, data_json: str) -> int:
    """Record the layout in the answers file this update reads; 1 when a recorded answer would be lost."""
    data = json.loads(data_json or "{}")
    path = read_by_update(given)
    if not path.is_file():
        print(f"{PREFIX} no answers file at {path}; nothing recorded", flush=True)
        return 0
    text = path.read_text(encoding="utf-8")
    review = review_answers(_load(text), data)
    if review.refused:
        try:
            shown = path.resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            shown = str(path)
        message = refusal(review, shown)
        print(f"{PREFIX} FAILED: {message}", file=sys.stderr, flush=True)
        hook_status.write(ok=False, operation="update", stage="migration", after_merge=False, step="layout",
                          message=message, project=Path.cwd())
        return 1
    new, said = record_layout(text, data)
    started = first_commit_time(Path.cwd()) if "started_at" not in data and "started_at" not in _load(text) else None
    if started:
        review.edits["started_at"] = started
        review.notes.append(f"recorded started_at {started} (metadata.json startedAt), the time of the project's "
                            "first commit: releases before 0.5.0 recorded none; give --data started_at=... to choose")
    for name, value in review.edits.items():
        new = set_entry(new, name, value)
    if new != text:
        path.write_text(new, encoding="utf-8")
    print(f"{PREFIX} {said}", flush=True)
    for line in review.notes:
        print(f"{PREFIX} note: {line}", flush=True)
    return 0


# ----------------------------------------------------------------- after: answers file and leftovers
def relocate_answers(project: Path, given: str) -> list[str]:
    """The answers in lib/.copier-answers.yml only: the file this update wrote moved there, the root one gone."""
    new, old = project / conventions.ANSWERS_FILE, project / conventions.OLD_ANSWERS_FILE
    written = Path(given) if Path(given).is_absolute() else project / given
    said = []
    if written.resolve() == old.resolve() and old.is_file():  # `copier update -a .copier-answers.yml`
        new.parent.mkdir(parents=True, exist_ok=True)
        os.replace(old, new)
        said.append(f"moved the answers to {conventions.ANSWERS_FILE} (this update wrote them at the root; update "
                    f"with -a {conventions.ANSWERS_FILE} from now on)")
    elif old.is_file() and new.is_file():
        old.unlink()
        said.append(f"removed the root {conventions.OLD_ANSWERS_FILE}: the answers are in {conventions.ANSWERS_FILE}")
    return said


def clean_old_tools(project: Path) -> list[str]:
    """taptools/ without the caches the update left (copier removed the template's files); the owner's own
    files there stay and are named."""
    tools = project / OLD_TOOLS
    if not tools.is_dir():
        return []
    for cache in [p for name in CACHES for p in tools.rglob(name) if p.is_dir()]:
        shutil.rmtree(cache, ignore_errors=True)
    for stale in tools.rglob("*.pyc"):
        stale.unlink(missing_ok=True)
    for folder in sorted((p for p in tools.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    if not any(tools.iterdir()):
        tools.rmdir()
        return []
    left = sorted(p.relative_to(project).as_posix() for p in tools.rglob("*") if p.is_file())
    return [f"{OLD_TOOLS}/ is no longer the template's, and these files of yours stay in it: {', '.join(left)}. "
            "Move them into lib/ (the task's package) and remove the folder: the pipeline keeps only tap.py, "
            "cdktf.json, metadata.json, lib/ and tests/"]


def _git(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=False)


def removed_standalone_files(project: Path) -> list[str]:
    """The standalone layout's files the update removed (the monorepo layout), with where they still are."""
    gone = [name for name in STANDALONE_FILES
            if not (project / name).exists() and _git(project, "cat-file", "-e", f"HEAD:{name}").returncode == 0]
    if not gone:
        return []
    said = [f"removed {', '.join(gone)} (the monorepo layout: its root has them); your versions are in git: "
            f"git show HEAD:{gone[0]}"]
    if "Pipfile" in gone and (project / "Pipfile.lock").is_file():
        said.append("Pipfile.lock stays (it is yours) but belongs to no Pipfile now: delete it, the monorepo's root "
                    "has its own")
    return said


# ----------------------------------------------------------------- after: the owner's Python
@dataclass
class Rules:
    """What renames.json says about one release's removed modules."""
    calls: dict[str, str] = field(default_factory=dict)     # old qualified function -> "TapStack.suppress"
    removed: dict[str, str] = field(default_factory=dict)   # module -> the fix for a use of it

    @classmethod
    def load(cls, renames_file: Path, version: str = VERSION) -> Rules:
        """The release's entries of renames.json."""
        data = json.loads(Path(renames_file).read_text(encoding="utf-8"))
        return cls({e["old"]: e["new"] for e in data.get("calls", []) if str(e["version"]) == version},
                   {e["module"]: e["fix"] for e in data.get("removed", []) if str(e["version"]) == version})

    def fix(self, qualified: str) -> str:
        """The fix for a use of `qualified`: its longest removed module's."""
        parts = qualified.split(".")
        for cut in range(len(parts), 0, -1):
            if ".".join(parts[:cut]) in self.removed:
                return self.removed[".".join(parts[:cut])]
        return f"{parts[0]} is gone from the task: remove this use"

    def roots(self) -> set[str]:
        """The top-level package names of the removed modules (taptools)."""
        return {module.split(".")[0] for module in self.removed}


@dataclass
class FilePlan:
    """What the migration does to one file: its new bytes, what it says, what stops it."""
    path: Path
    before: bytes
    after: bytes
    said: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == TYPE_CHECKING) or (
        isinstance(test, ast.Attribute) and test.attr == TYPE_CHECKING)


def _runtime_tapstack(module: ast.Module) -> bool:
    """Whether the module binds TapStack at run time at its top level (not only under `if TYPE_CHECKING:`)."""
    for node in module.body:
        if isinstance(node, ast.ClassDef) and node.name == "TapStack":
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                (a.asname or a.name.split(".")[0]) == "TapStack" for a in node.names):
            return True
    return False


def _annotated_tapstack(annotation: ast.expr | None) -> bool:
    if annotation is None:
        return False
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return bool(re.search(r"\bTapStack\b", annotation.value))
    return any((isinstance(n, ast.Name) and n.id == "TapStack")
               or (isinstance(n, ast.Attribute) and n.attr == "TapStack") for n in ast.walk(annotation))


def _stack_parameter(functions: list[ast.AST]) -> str | None:
    """The innermost enclosing function's parameter that is the stack: annotated TapStack, else named stack."""
    for function in reversed(functions):
        arguments = function.args
        params = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        for param in params:
            if _annotated_tapstack(param.annotation):
                return param.arg
        if any(param.arg == "stack" for param in params):
            return "stack"
    return None


class _Source:
    """A file's bytes with (line, byte column) -> offset, as ast reports positions."""

    def __init__(self, data: bytes):
        self.data = data
        self.bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
        self.starts = [0]
        for line in data.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, line: int, column: int) -> int:
        """The byte offset of ast's (lineno, col_offset)."""
        return self.starts[line - 1] + column + (self.bom if line == 1 else 0)

    def span(self, node: ast.AST) -> tuple[int, int]:
        """The node's bytes, start and end."""
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def line(self, number: int) -> str:
        """Line `number`, stripped, for messages."""
        return self.data[self.starts[number - 1]:self.starts[number]].decode("utf-8", "replace").strip()


class _Planner(ast.NodeVisitor):
    """Finds every use of a removed module in one file and plans the edits of the simple suppress calls."""

    # pylint: disable=invalid-name,too-many-instance-attributes  # ast.NodeVisitor's method names; one file's state

    def __init__(self, rel: str, source: _Source, tree: ast.Module, rules: Rules):
        self.rel, self.source, self.tree, self.rules = rel, source, tree, rules
        self.bindings: dict[str, str] = {}      # local name -> the removed module or function it is bound to
        self.imports: list[ast.stmt] = []       # the statements that bind them
        self.edits: list[tuple[int, int, bytes]] = []
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.said: list[str] = []
        self.functions: list[ast.AST] = []
        self.runtime_tapstack = _runtime_tapstack(tree)
        self.parents: dict[ast.AST, ast.AST] = {
            child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}

    def problem(self, node: ast.AST, why: str, fix: str) -> None:
        """One use that stops the update."""
        self.problems.append(f"{self.rel}:{node.lineno}: {self.source.line(node.lineno)}\n"
                             f"      {why}. Fix: {fix}")

    # --- bindings
    def collect(self) -> None:
        """The names the file binds to removed modules, and the statements that bind them."""
        roots = self.rules.roots()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                ours = [a for a in node.names if a.name.split(".")[0] in roots]
                if ours:
                    for alias in ours:
                        if alias.asname:
                            self.bindings[alias.asname] = alias.name
                        else:
                            self.bindings[alias.name.split(".")[0]] = alias.name.split(".")[0]
                    self.imports.append(node)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module and \
                    node.module.split(".")[0] in roots:
                for alias in node.names:
                    if alias.name == "*":
                        self.problem(node, f"a star import from {node.module}, which 0.5.0 removed",
                                     self.rules.fix(node.module))
                        continue
                    self.bindings[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                self.imports.append(node)
        rebound = sorted({n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name)
                          and isinstance(n.ctx, (ast.Store, ast.Del)) and n.id in self.bindings}
                         | {n.arg for n in ast.walk(self.tree) if isinstance(n, ast.arg) and n.arg in self.bindings}
                         | {n.name for n in ast.walk(self.tree)
                            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                            and n.name in self.bindings})
        for name in rebound:
            self.problem(self._binding(name), f"{name} is bound to {self.bindings[name]} and to something else in "
                         "this file", f"change its uses by hand: {self.rules.fix(self.bindings[name])}")
            del self.bindings[name]

    def _binding(self, name: str) -> ast.stmt:
        """The import statement that binds `name`."""
        return next(node for node in self.imports
                    if any((alias.asname or alias.name.split(".")[0]) == name for alias in node.names))

    def qualified(self, node: ast.AST) -> str | None:
        """The removed module's dotted name `node` (a Name or attribute chain) spells, or None."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id in self.bindings:
            return ".".join([self.bindings[node.id], *reversed(parts)])
        return None

    # --- uses
    # pylint: disable=missing-function-docstring,unused-argument  # ast.NodeVisitor's callbacks, said here once
    def visit_Import(self, node: ast.Import) -> None:  # names in imports are bindings, not uses
        return

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        return

    def _visit_function(self, node: ast.AST) -> None:
        self.functions.append(node)
        self.generic_visit(node)
        self.functions.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _visit_function

    def visit_Call(self, node: ast.Call) -> None:
        qualified = self.qualified(node.func)
        if qualified in self.rules.calls:
            self.suppress_call(node, qualified)
            for child in [*node.args, *node.keywords]:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        qualified = self.qualified(node)
        if qualified is None:
            self.generic_visit(node)
        else:
            self.problem(node, f"uses {qualified}, which 0.5.0 removed from the task", self.rules.fix(qualified))

    def visit_Name(self, node: ast.Name) -> None:
        qualified = self.qualified(node)
        if qualified is not None:
            self.problem(node, f"uses {qualified}, which 0.5.0 removed from the task", self.rules.fix(qualified))

    def visit_Constant(self, node: ast.Constant) -> None:
        roots = "|".join(map(re.escape, sorted(self.rules.roots())))
        if isinstance(node.value, str) and (re.fullmatch(rf"({roots})(\.\w+)*", node.value.strip())
                                            or re.search(rf"\b(import|from)\s+({roots})\b", node.value)):
            self.warnings.append(f"{self.rel}:{node.lineno}: string {node.value!r} names a module 0.5.0 removed from "
                                 "the task; strings are not changed (a mock.patch target or import_module name fails "
                                 "now): change it by hand")

    def suppress_call(self, node: ast.Call, qualified: str) -> None:
        """Rewrite `suppress(construct, rule, reason=...)` to TapStack's, or say why it is not simple."""
        new = self.rules.calls[qualified]  # "TapStack.suppress"
        cls, _, method = new.rpartition(".")
        shape = (len(node.args) == 2 and not any(isinstance(a, ast.Starred) for a in node.args)
                 and [k.arg for k in node.keywords] == ["reason"])
        how = (f"write it {new}(construct, 'TAPnnn', reason='why') (lib/tap_stack.py; stack.{method}(...) in a "
               "function that takes the stack)")
        if not shape:
            self.problem(node, f"{qualified}(...) is not the simple call (construct, rule, reason=...)", how)
            return
        receiver = cls if self.runtime_tapstack else _stack_parameter(self.functions)
        if receiver is None:
            self.problem(node, f"{qualified}(...) has no {cls} at run time here (no stack parameter, and "
                               f"{cls} is not imported at the top of the file)", how)
            return
        start, end = self.source.span(node.func)
        replacement = f"{receiver}.{method}".encode()
        self.edits.append((start, end, replacement))
        self.realign(node, end - start, len(replacement))
        self.said.append(f"{self.rel}:{node.lineno}: {self.source.data[start:end].decode()}(...) -> "
                         f"{replacement.decode()}(...)")

    def realign(self, node: ast.Call, old: int, new: int) -> None:
        """Continuation lines aligned under the call's parenthesis move with it (never inside a string)."""
        if new == old or node.func.end_lineno != node.lineno or any(
                isinstance(n, ast.Constant) and isinstance(n.value, (str, bytes)) and n.lineno != n.end_lineno
                for n in ast.walk(node)):
            return
        column = node.func.end_col_offset + 1 + (self.source.bom if node.lineno == 1 else 0)
        for number in range(node.lineno + 1, node.end_lineno + 1):
            start = self.source.starts[number - 1]
            line = self.source.data[start:self.source.starts[number]]
            if len(line) - len(line.lstrip(b" ")) == column and line.strip():
                if new > old:
                    self.edits.append((start, start, b" " * (new - old)))
                else:
                    self.edits.append((start, start + (old - new), b""))

    # --- the imports that go
    def drop_imports(self) -> None:
        """Remove each import of a removed module once nothing uses what it binds (else its use is a problem)."""
        for node in self.imports:
            if isinstance(node, ast.Import) and len(node.names) != sum(
                    a.name.split(".")[0] in self.rules.roots() for a in node.names):
                self.problem(node, "one import statement names a removed module and others",
                             "import the other modules on a line of their own, then update again")
                continue
            start, end = self.source.span(node)
            line_start = self.source.starts[node.lineno - 1]
            line_end = self.source.starts[node.end_lineno]
            before = self.source.data[line_start:start]
            after = self.source.data[end:line_end]
            if before.strip() or (after.strip() and not after.strip().startswith(b"#")):
                self.problem(node, "this import shares its line with other code",
                             "put it on a line of its own and update again, or remove it by hand")
                continue
            parent = self.parents.get(node)
            body = next((getattr(parent, name) for name in ("body", "orelse", "finalbody", "handlers")
                         if node in getattr(parent, name, [])), [])
            if len(body) == 1:  # the block's only statement: `pass` keeps it valid
                self.edits.append((start, end, b"pass"))
            else:  # its lines, and one of the blank lines around it when both sides are blank
                after_end = self.source.starts[min(node.end_lineno + 1, len(self.source.starts) - 1)]
                blank_before = node.lineno > 1 and not self.source.line(node.lineno - 1)
                blank_after = (node.end_lineno < len(self.source.starts) - 1
                               and not self.source.line(node.end_lineno + 1))
                self.edits.append((line_start, after_end if blank_before and blank_after else line_end, b""))
            what = self.source.line(node.lineno)
            self.said.append(f"{self.rel}:{node.lineno}: removed `{what}`")

    def run(self) -> None:
        """Plan the whole file."""
        self.collect()
        if not self.bindings and not self.problems:
            self.visit(self.tree)  # strings only
            return
        self.visit(self.tree)
        if not self.problems:
            self.drop_imports()


def plan_file(project: Path, path: Path, rules: Rules) -> FilePlan | None:
    """What happens to one .py file, or None when it never names a removed module."""
    data = path.read_bytes()
    if not any(root.encode() in data for root in rules.roots()):
        return None
    rel = path.relative_to(project).as_posix()
    plan = FilePlan(path, data, data)
    try:
        data.decode("utf-8")
        tree = ast.parse(data, filename=rel)
    except (SyntaxError, ValueError, UnicodeDecodeError) as error:
        line = getattr(error, "lineno", None) or 1
        plan.problems.append(f"{rel}:{line}: cannot be read as Python ({error.__class__.__name__}: "
                             f"{getattr(error, 'msg', error)}) and names {', '.join(sorted(rules.roots()))}. Fix: "
                             "resolve the conflict or syntax error, then change its uses of the removed modules by "
                             "hand (renames.json \"removed\" gives each fix)")
        return plan
    planner = _Planner(rel, _Source(data), tree, rules)
    planner.run()
    plan.problems, plan.warnings, plan.said = planner.problems, planner.warnings, planner.said
    if not plan.problems and planner.edits:
        out, cursor = [], 0
        for start, end, replacement in sorted(planner.edits):
            out += [data[cursor:start], replacement]
            cursor = end
        plan.after = b"".join(out) + data[cursor:]
    return plan


def python_files(project: Path) -> list[Path]:
    """The .py files git sees in the project: tracked, or new and not ignored."""
    listed = _git(project, "ls-files", "-z", "--cached", "--others", "--exclude-standard").stdout.split("\0")
    return sorted({project / rel for rel in listed if rel.endswith(".py") and (project / rel).is_file()})


def plan_code(project: Path, rules: Rules, files: list[Path] | None = None) -> list[FilePlan]:
    """The plan of every .py file that names a removed module."""
    plans = [plan_file(project, path, rules) for path in (python_files(project) if files is None else files)]
    return [plan for plan in plans if plan is not None]


def failure(problems: list[str]) -> str:
    """The message of an update this migration stops."""
    return (f"{len(problems)} use(s) of the template's taptools package, which 0.5.0 took out of the task (its checks "
            "run from the template checkout now), would fail at the first import:\n"
            + "\n".join(f"  {line}" for line in problems) + "\n"
            "No file of yours was changed by this step, and the rest of the update is applied (git status, git diff) "
            "for review. Fix the lines above, then run the template's checks (python3 run.py check PROJECT in the "
            "template checkout) and commit; or abandon the update: git reset --hard && git clean -fd.")


def after(given: str, renames_file: str) -> int:
    """The answers file, taptools/'s leftovers, and the owner's Python; 1 when a use of taptools is left."""
    project = Path.cwd()
    said = relocate_answers(project, given) + removed_standalone_files(project)
    notes = clean_old_tools(project)
    plans = plan_code(project, Rules.load(Path(renames_file)))
    problems = [line for plan in plans for line in plan.problems]
    for line in said:
        print(f"{PREFIX} {line}", flush=True)
    if problems:
        message = failure(problems)
        print(f"{PREFIX} FAILED: {message}", file=sys.stderr, flush=True)
        hook_status.write(ok=False, operation="update", stage="migration", after_merge=True, step="layout",
                          message=message, project=project)
        return 1
    for plan in plans:
        if plan.after != plan.before:
            plan.path.write_bytes(plan.after)
        for line in plan.said:
            print(f"{PREFIX} {line}", flush=True)
    for line in notes + [w for plan in plans for w in plan.warnings]:
        print(f"{PREFIX} warning: {line}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; the exit status is copier's migration status."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 3 or argv[0] not in ("before", "after"):
        print("usage: layout.py before ANSWERS_FILE DATA_JSON | layout.py after ANSWERS_FILE RENAMES_JSON",
              file=sys.stderr)
        return 2
    return before(argv[1], argv[2]) if argv[0] == "before" else after(argv[1], argv[2])


if __name__ == "__main__":
    sys.exit(main())
