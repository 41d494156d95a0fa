"""Rename modules in Python code: imports and the qualified names that use them, nothing else.

Moving a project from cdktf to CDK Terrain renames two modules (cdktf -> cdktn,
cdktf_cdktf_provider_aws -> cdktn_provider_aws); moving template code renames
others (lib.guardrails -> taptools.guardrails). Users' files must keep every
byte except those names, so this works on libcst's concrete syntax tree (which
round-trips comments, blank lines and odd spacing exactly) and resolves names
with its scope analysis: `cdktf.App` is renamed only where `cdktf` is the
imported module, not a local variable of that name. A regex cannot tell those
apart, nor `from lib import guardrails` (a module) from a string.

Strings and comments are never changed; strings that name a renamed module
(mock.patch("cdktf.App"), importlib.import_module("cdktf")) are reported with
file and line so a human changes them.

All or nothing: every file is parsed before anything is written; one file that
does not parse refuses the whole run, naming the file, line and fix.

    python -m tapkit.lifecycle.codemod --map cdktf=cdktn \
        --map cdktf_cdktf_provider_aws=cdktn_provider_aws [--check] PATH...

Exit status: 0 done (or nothing to do; with --check nothing is written),
1 refused (a file does not parse, or cannot be written), 2 usage error (no or bad --map, a missing PATH).
Needs only the standard library and libcst.
"""
from __future__ import annotations

import argparse
import ast
import difflib
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

try:
    import libcst as cst
    from libcst.helpers import get_full_name_for_node
    from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider, QualifiedNameSource
except ImportError:  # pragma: no cover - exercised by hand only
    cst = None
    MetadataWrapper = PositionProvider = QualifiedNameProvider = QualifiedNameSource = None

INSTALL_HINT = ("libcst is not installed in this Python ({python}): install it with "
                "`{python} -m pip install libcst` (or `pipenv install --dev libcst` in the project), then run again")

# Folders that hold no user code (installed packages, synth output, caches).
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "cdktf.out", "__pycache__", ".pytest_cache", ".mypy_cache"}
# "cdktf.json" and "cdktf.out" look like dotted names but are files CDK Terrain still reads and writes.
FILE_SUFFIXES = {"json", "out", "py", "txt", "yml", "yaml", "toml", "md", "cfg", "ini", "log", "lock", "tfstate"}
_DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


class CodemodError(Exception):
    """The run is refused; nothing was written. The message says why and how to fix it."""


@dataclass(frozen=True)
class Edit:
    """One changed line."""

    line: int
    before: str
    after: str


@dataclass(frozen=True)
class Mention:
    """A string that names a renamed module: left unchanged, for a human to look at."""

    line: int
    text: str
    suggestion: str

    def describe(self, path: Path) -> str:
        """The warning line for this string in path."""
        return (f"{path}:{self.line}: string {self.text!r} names a renamed module; strings are not changed: "
                f"make it {self.suggestion!r} by hand if it is a module path (mock.patch, import_module)")


@dataclass
class FileChange:
    """What the codemod does to one file."""

    path: Path
    before: bytes
    after: bytes
    edits: list[Edit] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the file's bytes change."""
        return self.before != self.after


def check_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    """The mapping, validated: dotted module names on both sides."""
    if not mapping:
        raise ValueError("no module mapping given: pass --map OLD=NEW (for example --map cdktf=cdktn)")
    for old, new in mapping.items():
        for name in (old, new):
            if not _DOTTED.fullmatch(name):
                raise ValueError(f"{name!r} is not a dotted module name (like cdktf or lib.guardrails)")
    return dict(mapping)


def rename(dotted: str, mapping: Mapping[str, str]) -> str:
    """dotted with its longest mapped prefix (whole components only) replaced, once."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in mapping:
            return ".".join([mapping[prefix], *parts[cut:]])
    return dotted


def _dotted_node(dotted: str) -> cst.BaseExpression:
    return cst.parse_expression(dotted)


def _rewrite_chain(node: cst.BaseExpression, new_dotted: str) -> cst.BaseExpression:
    """node (a Name or Attribute chain) spelling new_dotted; keeps its spacing when the length is the same."""
    new_parts = new_dotted.split(".")
    chain = []
    cursor = node
    while isinstance(cursor, cst.Attribute):
        chain.append(cursor)
        cursor = cursor.value
    if not isinstance(cursor, cst.Name) or len(chain) + 1 != len(new_parts):
        return _dotted_node(new_dotted).with_changes(lpar=getattr(node, "lpar", ()), rpar=getattr(node, "rpar", ()))

    def build(current: cst.BaseExpression, index: int) -> cst.BaseExpression:
        if isinstance(current, cst.Name):
            return current.with_changes(value=new_parts[0])
        return current.with_changes(value=build(current.value, index - 1),
                                    attr=current.attr.with_changes(value=new_parts[index]))
    return build(node, len(new_parts) - 1)


class _Renamer(cst.CSTTransformer if cst else object):
    """Rewrites import statements and the qualified names bound by them."""

    # libcst passes visit/leave arguments by position, whether a method uses them or not.
    # pylint: disable=unused-argument

    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider)

    def __init__(self, mapping: Mapping[str, str], package: str | None = None) -> None:
        super().__init__()
        self.mapping = mapping
        self.package = package  # the file's package, to resolve relative imports; None outside a package
        self.unresolved: list[str] = []
        self.mentions: list[Mention] = []

    # --- import statements (their own names are handled here, not by leave_Name/Attribute)
    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        names = []
        for alias in updated_node.names:
            old = get_full_name_for_node(alias.name)
            new = rename(old, self.mapping)
            names.append(alias if new == old else alias.with_changes(name=_rewrite_chain(alias.name, new)))
        return updated_node.with_changes(names=names)

    def _absolute_module(self, node: cst.ImportFrom) -> str | None:
        """The module a from-import names, relative ones resolved against the file's package."""
        if not node.relative:
            return get_full_name_for_node(node.module)
        if self.package is None:
            return None
        parts = self.package.split(".")
        up = len(node.relative) - 1
        if up >= len(parts):
            return None
        return ".".join(parts[:len(parts) - up] + ([get_full_name_for_node(node.module)] if node.module else []))

    def _from_groups(self, node: cst.ImportFrom) -> list[tuple[str, list[cst.ImportAlias]]] | None:
        """[(new module, its aliases)] in order, or None when nothing changes."""
        module = self._absolute_module(node)
        if module is None:
            return None
        if isinstance(node.names, cst.ImportStar):
            new = rename(module, self.mapping)
            return None if new == module else [(new, [])]
        groups: list[tuple[str, list[cst.ImportAlias]]] = []
        changed = False
        for alias in node.names:
            old_name = get_full_name_for_node(alias.name)
            new_full = rename(f"{module}.{old_name}", self.mapping)
            new_module, _, new_name = new_full.rpartition(".")
            if new_full != f"{module}.{old_name}":
                changed = True
                # Keep the name the file uses: `from lib import a` -> `from pkg import b as a`.
                keep_as = alias.asname is None and new_name != old_name
                alias = alias.with_changes(name=_rewrite_chain(alias.name, new_name))
                if keep_as:
                    alias = alias.with_changes(asname=cst.AsName(name=cst.Name(old_name)))
            if groups and groups[-1][0] == new_module:
                groups[-1][1].append(alias)
            else:
                groups.append((new_module, [alias]))
        return groups if changed else None

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
        groups = self._from_groups(updated_node)
        if groups is None or len(groups) > 1:
            return updated_node  # several target modules: leave_SimpleStatementLine splits the line
        new_module, aliases = groups[0]
        if updated_node.relative:  # the target moved out of this package: name it absolutely
            changes = {"relative": (), "module": _dotted_node(new_module)}
        else:
            changes = {"module": _rewrite_chain(updated_node.module, new_module)}
        if aliases:
            changes["names"] = aliases
        return updated_node.with_changes(**changes)

    def leave_SimpleStatementLine(self, original_node, updated_node):
        if len(updated_node.body) != 1 or not isinstance(updated_node.body[0], cst.ImportFrom):
            return updated_node
        statement = updated_node.body[0]
        groups = self._from_groups(statement)
        if groups is None or len(groups) == 1:
            return updated_node
        # `from lib import guardrails, resources` with only guardrails moved: one line per module.
        lines = []
        unchanged = self._absolute_module(statement)
        for index, (module, aliases) in enumerate(groups):
            aliases = [*aliases[:-1], aliases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
            # The names that stay keep the statement's own spelling (relative or not).
            target = {} if module == unchanged else {"relative": (), "module": _dotted_node(module)}
            line = updated_node.with_changes(body=[statement.with_changes(names=aliases, **target)])
            lines.append(line if index == 0 else line.with_changes(leading_lines=()))
        return cst.FlattenSentinel(lines)

    # --- uses: names bound by an import, and attribute chains on them
    def _imported_name(self, node: cst.CSTNode) -> str | None:
        names = {q.name for q in self.get_metadata(QualifiedNameProvider, node, set())
                 if q.source == QualifiedNameSource.IMPORT}
        return next(iter(names)) if len(names) == 1 else None

    def _rewrite_use(self, original: cst.BaseExpression, updated: cst.BaseExpression) -> cst.BaseExpression:
        qualified = self._imported_name(original)
        if qualified is None or qualified not in self.mapping:
            return updated  # only the node that is exactly a mapped name changes; its parents follow
        root = original
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name):
            return updated
        bound_to = self._imported_name(root)
        text = get_full_name_for_node(original)
        new_qualified = rename(qualified, self.mapping)
        if bound_to == root.value:
            # Bound by a plain `import a.b`: the rewritten import binds the new top-level name.
            return _rewrite_chain(updated, new_qualified)
        new_binding = rename(bound_to, self.mapping)
        if new_qualified == new_binding or new_qualified.startswith(new_binding + "."):
            new_text = root.value + new_qualified[len(new_binding):]
            return updated if new_text == text else _rewrite_chain(updated, new_text)
        line = self.get_metadata(PositionProvider, original).start.line
        self.unresolved.append(f"line {line}: {text} ({qualified} -> {new_qualified}) cannot be spelled through "
                               f"{root.value} (now {new_binding}): change it by hand")
        return updated

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        return self._rewrite_use(original_node, updated_node)

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        return self._rewrite_use(original_node, updated_node)

    # --- strings: reported, never changed
    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        try:
            value = node.evaluated_value
        except Exception:  # pylint: disable=broad-except  # an odd literal is just not reported
            return
        if isinstance(value, bytes):
            return
        suggestion = self._string_suggestion(value)
        if suggestion is not None:
            line = self.get_metadata(PositionProvider, node).start.line
            self.mentions.append(Mention(line, value, suggestion))

    def _string_suggestion(self, value: str) -> str | None:
        stripped = value.strip()
        if _DOTTED.fullmatch(stripped):
            if stripped.rpartition(".")[2] in FILE_SUFFIXES and "." in stripped:
                return None
            new = rename(stripped, self.mapping)
            return None if new == stripped else new
        # Code in a string (python -c "import cdktf"): name the module it imports.
        found = re.findall(r"\b(?:import|from)\s+([A-Za-z_][\w.]*)", value)
        renamed = {name: rename(name, self.mapping) for name in found}
        if any(old != new for old, new in renamed.items()):
            out = value
            for old, new in renamed.items():
                out = re.sub(rf"\b((?:import|from)\s+){re.escape(old)}\b", rf"\g<1>{new}", out)
            return out
        return None


def python_files(paths: Iterable[Path | str]) -> list[Path]:
    """The .py files named, and those under the folders named (not in SKIP_DIRS), sorted, each once."""
    found: dict[Path, None] = {}
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
                for name in sorted(files):
                    if name.endswith(".py"):
                        found[Path(root) / name] = None
        elif path.is_file():
            found[path] = None
        else:
            raise CodemodError(f"{path}: no such file or folder; name the project's folder or its .py files")
    return list(found)


def package_of(path: Path) -> str | None:
    """The dotted package a .py file belongs to (folders with __init__.py above it), or None."""
    parts: list[str] = []
    folder = path.resolve().parent
    while (folder / "__init__.py").is_file() and folder.name.isidentifier():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts) or None


def _parse(path: Path, source: bytes) -> cst.Module:
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        line, column, message, context = error.editor_line, error.editor_column, error.message, error.context
    except (UnicodeDecodeError, SyntaxError) as error:
        raise CodemodError(f"{path}: cannot read it as Python source ({error}). Nothing was changed in any file. "
                           f"Save it as UTF-8 Python (or leave it out), then run again.") from None
    try:  # Python's own parser places the error where `python -m py_compile` does; libcst's is less exact
        compile(source, str(path), "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as python_error:
        line, column = python_error.lineno or line, python_error.offset or column
        message, context = python_error.msg, (python_error.text or "").rstrip("\n")
    except ValueError:  # null bytes: keep libcst's account
        pass
    raise CodemodError(
        f"{path}:{line}:{column}: cannot parse this file: {message}\n    {context or ''}".rstrip() + "\n"
        f"Nothing was changed in any file. Fix the syntax error (`python -m py_compile {path}` shows it; a "
        f"merge conflict marker or a half-done edit is the usual cause), or leave the file out, then run again."
    )


def _edits(before: str, after: str) -> list[Edit]:
    """The changed hunks: first old line, old lines, new lines (several lines joined by newlines)."""
    old, new = before.splitlines(), after.splitlines()
    return [Edit(i1 + 1, "\n".join(old[i1:i2]), "\n".join(new[j1:j2]))
            for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
            if tag != "equal"]


def plan(paths: Sequence[Path | str], mapping: Mapping[str, str]) -> list[FileChange]:
    """What the codemod would do to every .py file under paths: [FileChange] for the files it changes or
    whose strings name a renamed module. Raises CodemodError (before anything is written) when a file does not
    parse."""
    if cst is None:
        raise CodemodError(INSTALL_HINT.format(python=sys.executable))
    mapping = check_mapping(mapping)
    files = python_files(paths)
    parsed = []
    for path in files:  # parse everything first: one bad file refuses the whole run
        source = path.read_bytes()
        parsed.append((path, source, _parse(path, source)))
    changes = []
    roots = {old.split(".")[0] for old in mapping}
    for path, source, module in parsed:
        package = package_of(path)
        if not any(root.encode() in source for root in roots) and (package or "").partition(".")[0] not in roots:
            continue  # cannot import or name a mapped module; name resolution is the slow part, skip it
        renamer = _Renamer(mapping, package)
        new_module = MetadataWrapper(module, unsafe_skip_copy=True).visit(renamer)
        after = new_module.bytes
        change = FileChange(path, source, after, mentions=renamer.mentions, unresolved=renamer.unresolved)
        if change.changed:
            encoding = module.encoding
            change.edits = _edits(source.decode(encoding), after.decode(encoding))
        if change.changed or change.mentions or change.unresolved:
            changes.append(change)
    return changes


def apply(changes: Sequence[FileChange]) -> list[Path]:
    """Write the changed files: each through a temporary file, and put every one back if any write fails."""
    pending = [c for c in changes if c.changed]
    written: list[FileChange] = []
    temporaries: list[tuple[FileChange, str]] = []
    try:
        for change in pending:
            handle, temp = tempfile.mkstemp(dir=change.path.parent, prefix=f".{change.path.name}.", suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                out.write(change.after)
            os.chmod(temp, change.path.stat().st_mode & 0o7777)
            temporaries.append((change, temp))
        for change, temp in temporaries:
            os.replace(temp, change.path)
            written.append(change)
    except OSError as error:
        for change in written:
            change.path.write_bytes(change.before)
        for _, temp in temporaries:
            if os.path.exists(temp):
                os.unlink(temp)
        raise CodemodError(f"cannot write {error.filename}: {error.strerror}; every file was put back as it was. "
                           f"Make the files writable, then run again.") from None
    return [c.path for c in written]


def parse_map(values: Sequence[str]) -> dict[str, str]:
    """--map OLD=NEW values as a checked mapping; ValueError says what is wrong."""
    mapping = {}
    for value in values:
        old, sep, new = value.partition("=")
        if not sep or not old or not new:
            raise ValueError(f"--map {value!r}: write it as OLD=NEW, for example --map cdktf=cdktn")
        if old in mapping:
            raise ValueError(f"--map {old}=...: given twice")
        mapping[old] = new
    return check_mapping(mapping)


def report(changes: Sequence[FileChange], check: bool) -> dict:
    """The JSON form of a run (--json)."""
    return {
        "written": not check,
        "files": [{
            "path": str(c.path), "changed": c.changed,
            "edits": [vars(e) for e in c.edits],
            "strings": [vars(m) for m in c.mentions],
            "unresolved": c.unresolved,
        } for c in changes],
    }


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--map", action="append", default=[], metavar="OLD=NEW",
                        help="rename module OLD (and its submodules) to NEW; repeat for several")
    parser.add_argument("--check", action="store_true", help="show what would change, write nothing")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="a .py file or a folder (searched for .py files)")
    args = parser.parse_args(argv)
    try:
        mapping = parse_map(args.map)
        missing = [path for path in args.paths if not Path(path).exists()]
        if missing:
            raise ValueError(f"no such file or folder: {', '.join(missing)}; "
                             "name the project's folder or its .py files")
    except ValueError as error:
        parser.print_usage(sys.stderr)
        print(f"codemod: {error}", file=sys.stderr)
        return 2
    try:
        changes = plan(args.paths, mapping)
        if not args.check:
            apply(changes)
    except CodemodError as error:
        print(f"codemod: refused: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report(changes, args.check), indent=2))
        return 0
    verb = "would change" if args.check else "changed"
    for change in changes:
        for edit in change.edits:
            before, after = (" | ".join(part.strip() for part in text.splitlines())
                             for text in (edit.before, edit.after))
            print(f"{change.path}:{edit.line}: {before}  ->  {after}")
        for mention in change.mentions:
            print(f"warning: {mention.describe(change.path)}")
        for problem in change.unresolved:
            print(f"warning: {change.path}: {problem}")
    count = sum(c.changed for c in changes)
    print(f"codemod: {verb} {count} file(s)" + ("" if count else " (nothing to do)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
