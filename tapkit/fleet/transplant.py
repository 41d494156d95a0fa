"""Move a hand-made TapStack's resources into lib/resources.py, and point the repo's tests at the new stack.

A hand-made lib/tap_stack.py mixes the stack shell (provider, backend, the
settings it receives) with the task's resources. The template owns the shell;
the resources become `add_resources(stack)`, which the template's TapStack
calls last with itself as `stack`. The resource statements move as written,
with `self` renamed `stack`, so every construct keeps its scope and its id,
hence its logical id in the synthesized JSON. What the statements read from
the old shell is bound first, from the template's stack:

    environment_suffix -> stack.environment_suffix    aws_region -> stack.aws_region
    the stack id       -> stack.node.id               a provider -> stack.providers["<region>"]
    **kwargs           -> a dict of what tap.py passed, so kwargs.get(...) behaves as before

Helper methods become functions taking `stack`; class constants and the
module's own code (imports, constants, helpers) move along. Anything adopt
cannot move safely raises CannotMove, naming the line and what to do.
"""
# pylint: disable=too-many-lines  # the move and the callers' rewrite share their helpers; adopt_plan.py imports both
from __future__ import annotations

import ast
import builtins
import copy
import io
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from tapkit.fleet.handmade import (ENV_SETTINGS, SETTING_NAMES, STACK_BASES, STACK_FILE, Reading, Stack, TapPy,
                                   env_read, kwargs_key, param_default)
from tapkit.synth import PROBE

TEMPLATE_ATTRIBUTES = {"environment_suffix", "aws_region", "default_tags", "providers", "provider"}
SHELL_CALLS = {"AwsProvider", "S3Backend", "LocalBackend", "RemoteBackend", "CloudBackend", "GcsBackend",
               "AzurermBackend"}
PURE_CALLS = {"get", "pop", "getenv", "dict", "list", "str", "int", "bool", "AwsProviderDefaultTags"}
# lib/resources.py's module-level mapping of the settings the old TapStack received that the template's does
# not keep (tap.py's values, or the old defaults); tap_stack_as_before puts a test's values there while it builds.
SETTINGS = "ADOPTED_SETTINGS"
DEFAULTS = "ADOPTED_DEFAULTS"
ENVIRON = "_adopted_environ"  # reads a pipeline variable the way tap.py did; module-level, so no local shadows it
ADAPTER = "tap_stack_as_before"
ADAPTER_MODULE = "tests.adopted"
RESOURCES = Path("lib") / "resources.py"
ADOPTED_TESTS = Path("tests") / "adopted.py"
ADOPTED_CODE = Path("lib") / "adopted.py"  # the adapter, when code outside tests/ calls TapStack the old way
CODE_ADAPTER_MODULE = "lib.adopted"


CHOSEN = ("the template's TapStack makes the one the deployed JSON shows (the pipeline's variables set); "
          "the other branch goes")


class CannotMove(Exception):
    """Adopt cannot move this code safely; the message says where and what to change first."""


@dataclass
class Moved:
    """The new lib/resources.py and what went into it."""

    text: str
    names: set[str]  # module-level names now defined in lib.resources
    bound: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)  # old parameter -> the template setting tap.py fed it
    calls_stack: bool = False  # module code that moved builds the stack (through lib/adopted.py's adapter now)


def _called(node: ast.AST) -> str:
    if not isinstance(node, ast.Call):
        return ""
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _aliased_provider(node: ast.AST) -> bool:
    """An AwsProvider with an alias: the repo's own (a second region, us-east-1 for ACM, ...).

    It moves with the resources, as written, so its alias, region, tags and
    settings stay exactly what the resources that name it were deployed with.
    """
    return _called(node) == "AwsProvider" and any(k.arg == "alias" for k in node.keywords)


def _ternary_shell(value: ast.AST | None) -> str | None:
    """`S3Backend(...) if ci else LocalBackend(...)` (either side may be None): why it goes, or None."""
    if isinstance(value, ast.IfExp) and all(
            (isinstance(v, ast.Constant) and v.value is None)
            or _called(v) in SHELL_CALLS - {"AwsProvider"} for v in (value.body, value.orelse)):
        return f"chosen by `{ast.unparse(value.test)}`; " + CHOSEN
    return None


def _segment(lines: list[str], node: ast.AST) -> list[str]:
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return lines[first - 1:node.end_lineno]


def _is_self_attr(node: ast.AST, names: set[str] | None = None) -> str | None:
    if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
            and (names is None or node.attr in names)):
        return node.attr
    return None


def _loads(nodes: list[ast.AST]) -> set[str]:
    return {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _stores(nodes: list[ast.AST]) -> set[str]:
    found = set()
    for node in nodes:
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
                found.add(n.id)
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.add(n.name)
            elif isinstance(n, ast.arg):
                found.add(n.arg)
            elif isinstance(n, (ast.Import, ast.ImportFrom)):
                found.update((a.asname or a.name).split(".")[0] for a in n.names)
    return found


def _from_stack(expr: str) -> bool:
    """Whether an expression for a setting reads the template's stack (or the pipeline), not a constant."""
    return bool({n.id for n in ast.walk(ast.parse(expr, mode="eval")) if isinstance(n, ast.Name)} & {"stack", ENVIRON})


def _shares_rows(stmt: ast.stmt, others: list[ast.stmt]) -> bool:
    """Whether another statement starts or ends on one of stmt's rows (`a = 1; b = 2`)."""
    rows = range(stmt.lineno, stmt.end_lineno + 1)
    return any(o is not stmt and (o.lineno in rows or o.end_lineno in rows) for o in others)


def _pure(node: ast.AST) -> bool:
    """Whether evaluating node has no effect besides its value (so an unused assignment of it can go)."""
    return all(_called(n) in PURE_CALLS for n in ast.walk(node) if isinstance(n, ast.Call)) and not any(
        isinstance(n, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)) for n in ast.walk(node))


class Mover:
    """Builds lib/resources.py from a parsed hand-made TapStack."""

    def __init__(self, reading: Reading, answers: dict, root: Path):
        self.reading = reading
        self.tap = TapPy(root)
        self.stack: Stack = reading.stack
        self.answers = answers
        self.lines = self.stack.source.splitlines()
        self.moved = Moved("", set())
        self.scope_param = self.stack.scope_param
        self.nested: dict[int, str] = {}  # id of a statement inside a block of __init__ that goes -> why
        self.in_string = string_rows(self.stack.tree)
        self.settings: dict[str, str] = {}  # ADOPTED_SETTINGS: name -> expression of its value
        self.defaults: dict[str, str] = {}  # ADOPTED_DEFAULTS: the old parameters' defaults
        self.uses_environ = False
        clash = {SETTINGS, DEFAULTS, ENVIRON, ADAPTER} & {n.id for n in ast.walk(self.stack.tree)
                                                          if isinstance(n, ast.Name)}
        if clash:
            raise CannotMove(f"{STACK_FILE} uses the name {sorted(clash)[0]}, which adopt needs in lib/resources.py; "
                             "rename yours, commit, and run adopt again")

    # ---------------------------------------------------------------- classify __init__'s statements
    def shell_kind(self, stmt: ast.stmt) -> str | None:
        """Why a top-level statement of __init__ is part of the shell the template now owns, or None."""
        value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign, ast.AnnAssign)) else None
        special = self.factory_shell(stmt) or _ternary_shell(value)
        if special:
            return special + (self._unprobed(value.test) if isinstance(value, ast.IfExp) else "")
        if isinstance(value, ast.Call):
            func = value.func
            if (isinstance(func, ast.Attribute) and func.attr == "__init__") or (
                    isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)
                    and _called(func.value) == "super"):
                return "base class"
            if _called(value) in SHELL_CALLS and not _aliased_provider(value):
                return "shell"
            if (_called(value) == "add_override" and value.args and isinstance(value.args[0], ast.Constant)
                    and str(value.args[0].value).startswith(("terraform.backend", "terraform.required_providers"))):
                return "shell"
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and _is_self_attr(stmt.targets[0],
                                                                                    TEMPLATE_ATTRIBUTES):
            # The suffix made over (`environment_suffix.lower()[:8]`) moves: the names built from it after
            # this line, and the tests that check them, keep getting the old stack's value.
            reads = isinstance(stmt.value, (ast.Name, ast.Constant)) or kwargs_key(stmt.value, self.stack.kwarg)
            if stmt.targets[0].attr != "environment_suffix" or reads:
                return "set by the template's TapStack"
        return None

    def factory_shell(self, stmt: ast.stmt) -> str | None:
        """A factory's `stack = TerraformStack(scope, stack_id)` and `return stack`: why they go, or None."""
        me = self.stack.self_name
        if me == "self":
            return None
        returned = isinstance(stmt, ast.Return) and stmt.value is not None and ast.unparse(stmt.value) == me
        created = isinstance(stmt, ast.Assign) and _called(stmt.value) in STACK_BASES and [
            ast.unparse(t) for t in stmt.targets] == [me]
        return "the stack itself, which the template's TapStack is" if returned or created else None

    def conditional_shell(self, stmt: ast.stmt) -> str | None:
        """An `if` whose branches make the shell (a backend chosen by an environment variable: S3 in CI,
        local otherwise): why it goes as a whole, or None. Shell statements in an `if` that also holds
        resources go one by one (self.nested); the resources stay in their branch."""
        if not isinstance(stmt, ast.If):
            return None
        leaves, blocks = [], [stmt.body, stmt.orelse]
        while blocks:
            for inner in blocks.pop():
                if isinstance(inner, ast.If):
                    blocks += [inner.body, inner.orelse]
                elif not isinstance(inner, ast.Pass):
                    leaves.append(inner)
        # Backends only: a provider made under a condition may not exist at all (no else), which the template's
        # TapStack, always making one, cannot express; it stays refused (check_nested_shell).
        shell = [leaf for leaf in leaves if self.shell_kind(leaf) and not any(
            _called(n) == "AwsProvider" for n in ast.walk(leaf))]
        if not shell:
            return None
        why = f"chosen by `if {ast.unparse(stmt.test)}`; " + CHOSEN + self._unprobed(stmt.test)
        if len(shell) == len(leaves):
            return why
        for leaf in shell:
            self.nested[id(leaf)] = why
        return None

    def _unprobed(self, test: ast.expr) -> str:
        """What to check when a condition reads environment variables adopt's synth leaves unset (CI)."""
        nodes = [test]
        for name in {n.id for n in ast.walk(test) if isinstance(n, ast.Name)}:
            nodes += [s.value for s in self.stack.init.body if isinstance(s, ast.Assign)
                      and [ast.unparse(t) for t in s.targets] == [name]]
        variables = sorted({found[0] for node in nodes for n in ast.walk(node) for found in [env_read(n)] if found}
                           - set(PROBE))
        if not variables:
            return ""
        return (f". {', '.join(variables)} {'is' if len(variables) == 1 else 'are'} unset in adopt's synth: if "
                "your pipeline sets it, it deployed the other branch; check the backend answer "
                "(copier update --data backend=...) before deploying")

    def check_nested_shell(self, kept: list[ast.stmt]) -> None:
        """Refuse providers or backends created inside other blocks (loops, try, with): they cannot be told
        from resources."""
        going = {id(n) for stmt in kept for s in ast.walk(stmt) if id(s) in self.nested for n in ast.walk(s)}
        for stmt in kept:
            for node in ast.walk(stmt):
                if _called(node) in SHELL_CALLS and not _aliased_provider(node) and id(node) not in going:
                    raise CannotMove(
                        f"{STACK_FILE}:{node.lineno}: {_called(node)} is created inside a block of "
                        "TapStack.__init__, so adopt cannot tell it apart from your resources. Move it to the top "
                        "level of __init__ (or delete it if the template's provider and backend do the job), "
                        "commit, and run adopt again")

    def split_body(self) -> tuple[list[ast.stmt], list[tuple[ast.stmt, str]]]:
        """(statements that move, (statements left behind, why))."""
        body = list(self.stack.init.body)
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(
                body[0].value.value, str):
            body = body[1:]
        kept, removed = [], []
        for stmt in body:
            kind = self.shell_kind(stmt) or self.conditional_shell(stmt)
            if kind:
                removed.append((stmt, kind))
            else:
                kept.append(stmt)
        self.check_nested_shell(kept)
        changed = True
        while changed:  # drop settings reads only the shell used: `state_bucket = kwargs.get(...)`
            changed = False
            for stmt in list(kept):
                if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                        and _pure(stmt.value)):
                    others = [s for s in kept if s is not stmt] + self.methods()
                    if stmt.targets[0].id not in _loads(others) and not _shares_rows(stmt, kept):
                        kept.remove(stmt)
                        removed.append((stmt, "read only by the shell"))
                        changed = True
        return kept, removed

    def methods(self) -> list[ast.FunctionDef]:
        """TapStack's methods besides __init__."""
        return [n for n in self.stack.cls.body if isinstance(n, ast.FunctionDef) and n.name != "__init__"
                and n is not self.stack.init]

    # ---------------------------------------------------------------- what the kept code reads from the shell
    def provider_names(self, removed: list[tuple[ast.stmt, str]]) -> dict[str, str]:
        """Variable (or self.attr) holding a removed AwsProvider -> the expression for it on the new stack."""
        found = {}
        primary = self.answers.get("aws_region")
        for stmt, _kind in removed:
            if not isinstance(stmt, ast.Assign) or _called(stmt.value) != "AwsProvider":
                continue
            region_node = next((k.value for k in stmt.value.keywords if k.arg == "region"), None)
            value = self._region(region_node)
            aliased = any(k.arg == "alias" for k in stmt.value.keywords)
            expr = "stack.provider" if not aliased or value in (None, primary) else f"stack.providers[{value!r}]"
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                found[target.id] = expr
            elif _is_self_attr(target):
                found[f"self.{target.attr}"] = expr
        return found

    def _region(self, node: ast.AST | None) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            if self.stack.bindings.get(node.id) == "aws_region":
                return self.answers.get("aws_region")
            for stmt in self.stack.tree.body + self.stack.init.body:
                if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                        and stmt.targets[0].id == node.id and isinstance(stmt.value, ast.Constant)):
                    return stmt.value.value
        return None

    def setting_expr(self, setting: str) -> str:
        """How add_resources gets a setting the old TapStack received."""
        if setting == "environment_suffix":
            return "stack.environment_suffix"
        if setting == "aws_region":
            return "stack.aws_region"
        if setting == "stack_id":
            return "stack.node.id"
        if setting == "default_tags":
            shape = self.reading.tags_shape
            return {"nested": '{"tags": dict(stack.default_tags)}', "list": '[{"tags": dict(stack.default_tags)}]'}.get(
                shape, "dict(stack.default_tags)")
        variable = {v: k for k, v in ENV_SETTINGS.items()}[setting]
        self.uses_environ = True
        default = self.answers.get(setting)
        if default is None:  # no answer for it (no S3 backend): what tap.py passed with the variable unset
            passed = [expr for keyword, expr in self.reading.passed.items() if SETTING_NAMES.get(keyword) == setting]
            default = self._tap_constant(passed[0]) if passed else None
        return f'{ENVIRON}("{variable}", {default if default is not None else ""!r})'

    def passed_expr(self, keyword: str) -> str | None:
        """What tap.py passed for a keyword, as an expression add_resources can evaluate; None if unknown."""
        setting = SETTING_NAMES.get(keyword)
        if setting:
            return self.setting_expr(setting)
        tap = self.tap_args().get(keyword)
        variable = self.tap.env_of(tap)
        if variable in ENV_SETTINGS:  # `env` passed environment_suffix under another name
            self.moved.renamed[keyword] = ENV_SETTINGS[variable]
            return self.setting_expr(ENV_SETTINGS[variable])
        resolved = self._tap_constant(tap)
        if resolved is not None:
            return repr(resolved)
        try:  # a literal list, dict, tuple or set of constants: queues=["orders", "refunds"]
            return repr(ast.literal_eval(self.tap.mapping(tap))) if tap is not None else None
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None

    def tap_args(self) -> dict[str, ast.expr]:
        """What tap.py's TapStack(...) call passes, by parameter name: its keywords and its positional arguments."""
        found = dict(self.reading.passed)
        call = next((n for n in ast.walk(self.tap.tree) if isinstance(n, ast.Call)
                     and _called(n) in self.stack.callers), None)
        if call is not None:
            positional = [p.arg for p in self.stack.params if p in self.stack.init.args.args]
            found.update((name, arg) for name, arg in zip(positional, call.args[2:]) if name not in found)
        return found

    def _tap_constant(self, node: ast.AST | None):
        value = self.tap.resolve(node)
        return value.value if value is not None else None

    def bindings(self, kept: list[ast.stmt], removed: list[tuple[ast.stmt, str]]) -> list[str]:
        """Lines that bind what the kept code reads but no longer defines."""
        # pylint: disable=too-many-locals,too-many-branches  # one branch per way kept code can read a name
        module_names = top_names([n for n in self.stack.tree.body if n is not self.stack.definition])
        class_names = {t.id for n in self.stack.cls.body if isinstance(n, ast.Assign) for t in n.targets
                       if isinstance(t, ast.Name)}
        received = set(self.stack.bindings) | {p.arg for p in self.stack.params} | {self.scope_param}
        received |= {self.stack.kwarg} if self.stack.kwarg else set()
        loaded = _loads(kept)
        # What __init__ received is bound even when the code reassigns it (`suffix = suffix or "dev"` reads it first).
        free = ((loaded - _stores(kept)) | (loaded & received)) - module_names - class_names - set(dir(builtins)) - {
            m.name for m in self.methods()}
        providers = self.provider_names(removed)
        lines = []
        if self.stack.kwarg and self.stack.kwarg in free:
            entries = []
            for keyword in self.reading.passed:
                expr = self.passed_expr(keyword)
                if expr is not None and _from_stack(expr):
                    entries.append(f"        {keyword!r}: {expr},")
                    continue
                if expr is None:
                    self.moved.dropped.append(f"{self.stack.kwarg}[{keyword!r}]: tap.py's value is not a constant "
                                              f"adopt can carry over; add it to {SETTINGS} by hand")
                    continue
                self.settings[keyword] = expr
            lines.append(f"    {self.stack.kwarg} = {{  # what tap.py passed to TapStack before adoption")
            lines += entries + [f"        **{SETTINGS},", "    }"]
            passed = ", ".join(self.reading.passed)
            self.moved.bound.append(f"{self.stack.kwarg}: the settings tap.py passed ({passed})")
            free.discard(self.stack.kwarg)
        params = {p.arg: p for p in self.stack.params}
        for name in sorted(free):
            if name in providers:
                expr = providers[name]
            elif name in self.stack.bindings:
                expr = self.setting_expr(self.stack.bindings[name])
                if ENVIRON in expr and name in params:  # the template's stack does not keep it: a caller's
                    expr = self._setting_entry(name, expr, params[name])  # value reaches the code this way
            elif name == self.scope_param:
                expr = "stack.node.scope"
            elif name in params:
                value = self.passed_expr(name) or self._param_default(params[name])
                if value is None:
                    raise CannotMove(
                        f"{STACK_FILE}:{params[name].lineno}: TapStack's parameter {name} has no default and tap.py "
                        "does not pass a constant for it, so adopt cannot tell what your resources should get. "
                        "Give it a default (or pass a constant from tap.py), commit, and run adopt again")
                if _from_stack(value) and ENVIRON not in value:  # what tap.py passed is a setting the stack has
                    expr = value
                else:
                    expr = self._setting_entry(name, value, params[name])
            else:
                continue  # a module name adopt did not see defined: synth will tell
            lines.append(f"    {name} = {expr}")
            self.moved.bound.append(f"{name} = {expr}")
        for attr, expr in providers.items():
            if attr.startswith("self.") and f"stack.{attr[5:]}" != expr and self._uses_attr(kept, attr[5:]):
                lines.append(f"    stack.{attr[5:]} = {expr}")
                self.moved.bound.append(f"stack.{attr[5:]} = {expr}")
        return lines

    def _setting_entry(self, name: str, value: str, param: ast.arg) -> str:
        """Put a parameter's value (tap.py's) in ADOPTED_SETTINGS; the expression that reads it back."""
        self.settings[name] = value
        # A required one has no default: a caller that omits it failed before, so it keeps tap.py's.
        self.defaults[name] = self._param_default(param) or value
        return f"{SETTINGS}[{name!r}]"

    def _uses_attr(self, kept: list[ast.stmt], attr: str) -> bool:
        return any(_is_self_attr(n) == attr for node in kept + self.methods() for n in ast.walk(node))

    def _param_default(self, param: ast.arg) -> str | None:
        default = param_default(self.stack.init, param)
        return ast.unparse(default) if default is not None else None

    # ---------------------------------------------------------------- text
    def body_text(self, kept: list[ast.stmt], removed: list[tuple[ast.stmt, str]]) -> list[str]:
        """The kept statements' lines, with their comments, dedented to function level."""
        if not kept:
            return ["    pass  # TapStack.__init__ declared no resources of its own"]
        drop = set()
        for stmt, kind in removed:
            if _shares_rows(stmt, kept):
                raise CannotMove(
                    f"{STACK_FILE}:{stmt.lineno}: `{self.lines[stmt.lineno - 1].strip()[:60]}` puts the shell's "
                    f"{kind} statement on one line with code that moves (a `;`?); adopt moves whole lines. Give "
                    "each statement its own line, commit, and run adopt again")
            drop.update(range(stmt.lineno, stmt.end_lineno + 1))
            line = stmt.lineno - 1
            while line >= 1 and self.lines[line - 1].strip().startswith("#"):
                drop.add(line)
                line -= 1
            self.moved.dropped.append(f"{self.lines[stmt.lineno - 1].strip()[:60]} (line {stmt.lineno}: {kind})")
        replaced = self.drop_nested(kept, drop)
        first = kept[0].lineno
        while first > 1 and self.lines[first - 2].strip().startswith("#") and first - 1 not in drop:
            first -= 1
        rows = [row for row in range(first, kept[-1].end_lineno + 1) if row not in drop]
        body = self.reindent(rows, self.column(kept[0]), "    ", replaced)
        collapsed = []
        for row, line in zip(rows, body):  # runs of blank lines become one, except inside a string
            if line or row in self.in_string or (collapsed and collapsed[-1]):
                collapsed.append(line)
        return collapsed

    def drop_nested(self, kept: list[ast.stmt], drop: set[int]) -> dict[int, str]:
        """Drop the shell statements inside kept blocks (self.nested): their rows join `drop`; a block left
        empty gets a `pass` on its first row. {row: the line it becomes}."""
        replaced: dict[int, str] = {}
        blocks = [getattr(n, name) for stmt in kept for n in ast.walk(stmt)
                  for name in ("body", "orelse", "finalbody") if isinstance(getattr(n, name, None), list)]
        for block in blocks:
            going = [s for s in block if id(s) in self.nested]
            if not going:
                continue
            for stmt in going:
                if _shares_rows(stmt, [o for o in block if o not in going]):
                    raise CannotMove(f"{STACK_FILE}:{stmt.lineno}: a statement of the shell shares its line with "
                                     "code that moves (a `;`?); give each statement its own line, commit, and run "
                                     "adopt again")
                drop.update(range(stmt.lineno, stmt.end_lineno + 1))
                self.moved.dropped.append(f"{self.lines[stmt.lineno - 1].strip()[:60]} (line {stmt.lineno}: "
                                          f"{self.nested[id(stmt)]})")
            if len(going) == len(block):
                first = going[0].lineno
                line = self.lines[first - 1]
                indent = line[:len(line) - len(line.lstrip(" \t"))]
                replaced[first] = f"{indent}pass  # adopt: the template's TapStack makes the backend and provider"
                drop.discard(first)
        return replaced

    def column(self, node: ast.stmt) -> int:
        """The column a statement starts at, tabs counted as Python counts them."""
        return len(self.lines[node.lineno - 1][:node.col_offset].expandtabs(8))

    def reindent(self, rows: list[int], remove: int, add: str, replaced: dict[int, str] | None = None) -> list[str]:
        """Source rows moved from indentation `remove` to `add`.

        Not textwrap.dedent: a comment or a continuation line indented less than the code (a dict literal
        at column 0, a backslash continuation) would stop it from dedenting at all, and it rewrites the
        inside of multi-line strings. Only statement indentation matters to Python, so each line loses up
        to `remove` columns of leading blanks (tabs become spaces first, so that the spaces added cannot
        mix with them); lines inside a string stay byte for byte.
        """
        out = []
        for row in rows:
            line = (replaced or {}).get(row, self.lines[row - 1])
            if row in self.in_string:
                out.append(line)
            elif not line.strip():
                out.append("")
            else:
                blanks = len(line) - len(line.lstrip(" \t"))
                lead = line[:blanks].expandtabs(8)
                out.append(add + lead[min(len(lead), remove):] + line[blanks:])
        return out

    def method_text(self, method: ast.FunctionDef) -> list[str]:
        """A helper method's source, dedented to module level."""
        decorators = {ast.unparse(d) for d in method.decorator_list}
        if decorators - {"staticmethod"}:
            raise CannotMove(
                f"{STACK_FILE}:{method.lineno}: TapStack.{method.name} is decorated ({', '.join(sorted(decorators))}); "
                "adopt moves plain methods only. Turn it into a plain method or a module function, commit, and run "
                "adopt again")
        return self.reindent(list(range(method.lineno, method.end_lineno + 1)), self.column(method), "")

    def build(self) -> Moved:
        """Assemble lib/resources.py."""
        # pylint: disable=too-many-locals  # assembles lib/resources.py from parts made in order
        kept, removed = self.split_body()
        bound = self.bindings(kept, removed)
        body = self.body_text(kept, removed)
        methods = self.methods()
        method_lines: list[str] = []
        for method in methods:
            method_lines += ["", ""] + self.method_text(method)
            self.moved.functions.append(method.name)
        class_constants = [n for n in self.stack.cls.body if isinstance(n, (ast.Assign, ast.AnnAssign))]
        constant_lines = [line for node in class_constants for line in self.reindent(
            list(range(node.lineno, node.end_lineno + 1)), self.column(node), "")]
        moved_code = "\n".join(bound + body + method_lines)
        if self.stack.self_name != "self":  # a factory's stack variable: `stack` like a method's `self`
            moved_code = rename_name(moved_code, self.stack.self_name, "self")
        moved_code = rename_self(moved_code, {m.name for m in methods if not m.decorator_list},
                                 {m.name for m in methods if m.decorator_list}, top_names(class_constants),
                                 self.stack.name)
        module_parts = self.module_code()
        docstring = ast.get_docstring(self.stack.tree) or ""
        init_doc = ast.get_docstring(self.stack.init) or ""
        imported = top_names(ast.parse("\n".join(module_parts["imports"])).body)
        adopted = self.adopted_lines()
        needs_os = ("os.environ" in moved_code or self.uses_environ) and "os" not in imported
        head = [
            '"""This task\'s AWS resources. TapStack calls add_resources(stack) once, last.',
            "",
            "Yours: written once by the TAP cdktf copier template; `copier update` never touches it.",
            "`python3 run.py adopt` moved this code here from the hand-made lib/tap_stack.py",
            "(TapStack.__init__ and its helpers, `self` renamed `stack`). The scope is still the",
            "stack, so every resource keeps its logical id.",
        ]
        if docstring:
            head += ["", *[line.rstrip() for line in docstring.splitlines()]]
        head += ['"""', "from __future__ import annotations", ""]
        if needs_os:
            head += ["import os"]
        head += ["from typing import TYPE_CHECKING", ""]
        lines = head + module_parts["imports"] + [
            "", "if TYPE_CHECKING:  # pragma: no cover - type hints only, avoids an import cycle",
            "    from lib.tap_stack import TapStack", ""]
        if module_parts["code"] or constant_lines:
            lines += ["", *module_parts["code"], *constant_lines, ""]
        lines += adopted
        if self.moved.calls_stack:
            lines += FORWARD + [""]
        summary = init_doc.splitlines()[0] if init_doc else "Declare this task's resources on `stack`."
        lines += ["", "def add_resources(stack: TapStack) -> None:  # pylint: disable=too-many-locals,too-many-statements",
                  f'    """{summary.rstrip(".")} (moved from TapStack.__init__)."""']
        code = "\n".join(lines) + "\n" + moved_code + "\n"
        code = prune_imports(code)
        try:
            compile(code, str(RESOURCES), "exec")
        except SyntaxError as error:  # pragma: no cover - a bug in adopt, not in the repo
            raise CannotMove(f"adopt produced invalid Python for {RESOURCES} (line {error.lineno}: {error.msg}); "
                             "please report it with your lib/tap_stack.py") from error
        self.moved.text = code
        # Imports too: a test that patched lib.tap_stack.S3Bucket must now patch it where the moved code looks it up.
        self.moved.names = top_names([n for n in ast.parse(code).body if not isinstance(n, ast.If)]) - {
            "annotations", "TYPE_CHECKING", ADAPTER}
        return self.moved

    def adopted_lines(self) -> list[str]:
        """Module-level code the bindings read: ADOPTED_SETTINGS and the environment reader.

        At module level, not at the top of add_resources: a name the moved code imports or assigns later in
        the function (os, a helper, a constant) is local to all of add_resources, so reading it in an
        inserted first line would raise UnboundLocalError. Parameter defaults were evaluated once, when the
        module was imported, and still are.
        """
        lines = []
        if self.uses_environ:
            lines += ["", "",
                      f"def {ENVIRON}(variable: str, default: str) -> str:",
                      '    """A pipeline variable as tap.py read it: its value, or tap.py\'s default'
                      ' when unset or empty."""',
                      "    return os.environ.get(variable) or default"]
        if self.settings or self.stack.kwarg:
            lines += ["", "",
                      "# What the hand-made TapStack received that the template's TapStack does not keep: tap.py's",
                      "# values, or the old defaults. tests/adopted.py's tap_stack_as_before() puts the settings a",
                      "# test passes here while it builds the stack, so the test still gets what it asked for.",
                      f"{SETTINGS}: dict[str, object] = {{"]
            lines += [f"    {name!r}: {expr}," for name, expr in self.settings.items()]
            lines += ["}"]
            if self.defaults:
                lines += ["# The old TapStack's defaults: what a caller that does not pass a setting gets.",
                          f"{DEFAULTS}: dict[str, object] = {{"]
                lines += [f"    {name!r}: {expr}," for name, expr in self.defaults.items()]
                lines += ["}"]
        return lines + [""] if lines else lines

    def calling_adapter(self, node: ast.stmt, segment: list[str]) -> list[str]:
        """A module statement's lines with its calls of the old TapStack (a helper the tests use, a main())
        going through the adapter: lib/tap_stack.py's TapStack is the template's now, which takes other
        arguments, and lib/resources.py cannot import it at run time."""
        calls = [n.func for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                 and n.func.id in self.stack.callers]
        if not calls:
            return segment
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        lines = list(segment)
        for func in sorted(calls, key=lambda f: (f.lineno, f.col_offset), reverse=True):
            row = func.lineno - first
            raw = lines[row].encode("utf-8")
            lines[row] = (raw[:func.col_offset] + ADAPTER.encode() + raw[func.end_col_offset:]).decode("utf-8")
        self.moved.calls_stack = True
        return lines

    def module_code(self) -> dict[str, list[str]]:
        """tap_stack.py's own module code, split into imports and the rest (TapStack left out)."""
        imports, code = [], []
        body = self.stack.tree.body
        for index, node in enumerate(body):
            if node is self.stack.definition or (index == 0 and isinstance(node, ast.Expr)
                                          and isinstance(node.value, ast.Constant)):
                continue
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                continue
            if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test):
                continue
            segment = self.calling_adapter(node, _segment(self.lines, node))
            (imports if isinstance(node, (ast.Import, ast.ImportFrom)) else code).extend(
                segment + ([""] if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else []))
        return {"imports": imports, "code": code}


FORWARD = [
    "", "",
    f"def {ADAPTER}(*args, **settings):",
    '    """The stack built the way the hand-made TapStack was called (lib/adopted.py): the code adopt moved here',
    '    that called TapStack(...) calls this instead."""',
    "    # pylint: disable-next=import-outside-toplevel  # lib.adopted imports this module",
    f"    from {CODE_ADAPTER_MODULE} import {ADAPTER} as build",
    "",
    "    return build(*args, **settings)",
]


def rename_self(code: str, methods: set[str], static_methods: set[str], constants: set[str],
                class_name: str = "TapStack") -> str:
    """`self` becomes `stack`; stack.method(...) becomes method(stack, ...); stack.CONSTANT becomes CONSTANT."""
    text = rename_name(code, "self", "stack").rstrip("\n")
    for name in methods:
        text = re.sub(rf"\bstack\.{re.escape(name)}\(\s*\)", f"{name}(stack)", text)
        text = re.sub(rf"\bstack\.{re.escape(name)}\(", f"{name}(stack, ", text)
    for name in static_methods | constants:
        text = re.sub(rf"\b(stack|{re.escape(class_name)})\.{re.escape(name)}\b", name, text)
    return text


def _line_offsets(code: str) -> list[int]:
    offsets = [0]
    for line in code.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    return offsets


def rename_name(code: str, old: str, new: str) -> str:
    """Every Name `old` in code becomes `new`, inside f-string replacement fields too; literal text is never touched.

    Python 3.11 tokenizes a whole f-string as one STRING token, so its replacement fields are
    renamed by scanning the literal (_rename_in_fstring); 3.12+ yields their NAME tokens directly.
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return code
    offsets = _line_offsets(code)
    edits = []
    for token in tokens:
        start = offsets[token.start[0] - 1] + token.start[1]
        end = offsets[token.end[0] - 1] + token.end[1]
        if token.type == tokenize.NAME and token.string == old:
            edits.append((start, end, new))
        elif token.type == tokenize.STRING and "f" in _string_prefix(token.string).lower():
            renamed = _rename_in_fstring(token.string, old, new)
            if renamed != token.string:
                edits.append((start, end, renamed))
    for start, end, text in sorted(edits, reverse=True):
        code = code[:start] + text + code[end:]
    return code


def _string_prefix(literal: str) -> str:
    return literal[:len(literal) - len(literal.lstrip("rRbBuUfF"))]


def _rename_in_fstring(literal: str, old: str, new: str) -> str:
    """One f-string literal with `old` renamed in its replacement fields (format specs' nested fields included)."""
    prefix = _string_prefix(literal)
    quote = literal[len(prefix):len(prefix) + 3]
    quote = quote if quote in ('"""', "'''") else literal[len(prefix)]
    body = literal[len(prefix) + len(quote):len(literal) - len(quote)]
    raw = "r" in prefix.lower()
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if body.startswith(("{{", "}}"), i):
            out.append(body[i:i + 2])
            i += 2
        elif char == "\\" and not raw:
            end = body.find("}", i) + 1 if body.startswith("\\N{", i) else i + 2
            out.append(body[i:end])
            i = end
        elif char == "{":
            i = _rename_field(body, i + 1, old, new, out)
        else:
            out.append(char)
            i += 1
    return literal[:len(prefix) + len(quote)] + "".join(out) + quote


def _skip_string(text: str, i: int) -> int:
    """The index just after the string literal starting at text[i] (a quote)."""
    quote = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else text[i]
    j = i + len(quote)
    while j < len(text) and not text.startswith(quote, j):
        j += 2 if text[j] == "\\" else 1
    return j + len(quote)


def _rename_field(body: str, i: int, old: str, new: str, out: list[str]) -> int:
    """Copy the replacement field whose expression starts at body[i] into out, renamed; the index after its `}`."""
    out.append("{")
    depth, j = 0, i
    while j < len(body):
        char = body[j]
        if char in "'\"":
            j = _skip_string(body, j)
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and ((char == "!" and body[j + 1:j + 2] != "=") or char == ":"):
            break
        j += 1
    expression = body[i:j]
    # The expression is code: rename it as such (it may hold nested f-strings); parentheses let it span lines.
    out.append(rename_name("(" + expression + ")", old, new)[1:-1])
    if body[j:j + 1] == "!":
        end = j + 2
        out.append(body[j:end])
        j = end
    if body[j:j + 1] == ":":
        out.append(":")
        j += 1
        while j < len(body) and body[j] != "}":
            if body[j] == "{":
                j = _rename_field(body, j + 1, old, new, out)
            else:
                out.append(body[j])
                j += 1
    out.append("}")
    return j + 1


def string_rows(tree: ast.AST) -> set[int]:
    """Rows that start inside a string literal (the second and later rows of a multi-line string)."""
    rows: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes))):
            rows.update(range(node.lineno + 1, (node.end_lineno or node.lineno) + 1))
    return rows


def top_names(nodes: list[ast.stmt]) -> set[str]:
    """Names a list of module-level statements defines."""
    found = set()
    for node in nodes:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for target in getattr(node, "targets", [getattr(node, "target", None)]):
                found.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found.update((a.asname or a.name).split(".")[0] for a in node.names)
    return found


def prune_imports(code: str) -> str:
    """Drop imported names the module never uses (the shell's AwsProvider, S3Backend, ...)."""
    tree = ast.parse(code)
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    used |= {n.value.id for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)}
    lines = code.splitlines()
    replacements = []
    for node in tree.body:
        if not isinstance(node, (ast.Import, ast.ImportFrom)) or (
                isinstance(node, ast.ImportFrom) and node.module == "__future__"):
            continue
        keep = [a for a in node.names if (a.asname or a.name).split(".")[0] in used or a.name in {"*", "TYPE_CHECKING"}]
        if _shares_rows(node, tree.body):
            continue  # `import os; import sys`: replacing its lines would drop the other statement
        if len(keep) == len(node.names):
            continue
        new = ""
        if keep:
            node.names = keep
            new = ast.unparse(node)
        replacements.append((node.lineno, node.end_lineno, new))
    for first, last, new in sorted(replacements, reverse=True):
        lines[first - 1:last] = [new] if new else []
    return "\n".join(lines) + "\n"


def move_resources(reading: Reading, answers: dict, root: Path) -> Moved:
    """The lib/resources.py that holds the hand-made TapStack's resources."""
    return Mover(reading, answers, root).build()


# ---------------------------------------------------------------- the repo's tests
# The adapter modules adopt writes: programs/adopted.py.jinja is the adapter, rendered with Jinja for this repo's
# old signature (adapter_text()); programs/adopted_tests.py is tests/adopted.py when lib/adopted.py holds the
# adapter (non-test code calls it too), written as it is.
PROGRAMS = Path(__file__).resolve().parent / "programs"
ADAPTER_TEMPLATE = PROGRAMS / "adopted.py.jinja"
TESTS_REEXPORT_FILE = PROGRAMS / "adopted_tests.py"


@dataclass
class TestEdit:
    """One test file's new text and what changed in it."""

    path: Path
    text: str
    changes: list[str]


def adapter_text(stack: Stack, callers: str = "tests", renamed: dict[str, str] | None = None,
                 as_before: dict | None = None, moved_names: set[str] | None = None) -> str:
    """The adapter module for this repo's old TapStack signature (renamed: its own parameters fed a setting;
    as_before: {"defaults": {setting: the old TapStack's own default}, "fixed": {setting: the value it used
    whatever it was passed}})."""
    as_before = as_before or {}
    positional = [p.arg for p in stack.params if p in stack.init.args.args]
    renamed = {**{old: new for old, new in SETTING_NAMES.items() if old != new}, **(renamed or {})}
    return render_adapter(callers=callers, old_positional=positional, renamed=renamed,
                          open_settings=stack.kwarg is not None, old_defaults=as_before.get("defaults", {}),
                          fixed=as_before.get("fixed", {}), old_params=old_parameters(stack, moved_names),
                          old_name=stack.name)


def old_parameters(stack: Stack, moved_names: set[str] | None = None) -> str:
    """The old TapStack.__init__'s parameter list as source (`self, scope, construct_id, env="dev"`), for
    tests/adopted.py's TapStackAsBefore: annotations left out (their types may be gone), each default kept when
    it is a literal or a name that moved to lib/resources.py (`resources.NAME`), None otherwise."""
    args = copy.deepcopy(stack.init.args)
    for arg in args.posonlyargs + args.args + args.kwonlyargs + [a for a in (args.vararg, args.kwarg) if a]:
        arg.annotation = None
    if isinstance(stack.definition, ast.FunctionDef):  # a factory: the class's __init__ takes self first
        args.args.insert(0, ast.arg(arg="self"))

    def keep(default: ast.expr | None) -> ast.expr | None:
        if default is None:
            return None
        try:
            ast.literal_eval(default)
            return default
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            pass
        if isinstance(default, ast.Name) and default.id in (moved_names or set()):
            return ast.Attribute(value=ast.Name(id="resources", ctx=ast.Load()), attr=default.id, ctx=ast.Load())
        return ast.Constant(value=None)

    args.defaults = [keep(d) for d in args.defaults]
    args.kw_defaults = [keep(d) for d in args.kw_defaults]
    return ast.unparse(args)


def render_adapter(**values: object) -> str:
    """programs/adopted.py.jinja rendered with these values (`| py` writes a value as Python source)."""
    environment = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
                                     autoescape=False)
    environment.filters["py"] = repr
    return environment.from_string(ADAPTER_TEMPLATE.read_text(encoding="utf-8")).render(**values)


def adapter_files(stack: Stack, for_tests: bool, for_code: bool,
                  renamed: dict[str, str] | None = None, as_before: dict | None = None, *,
                  moved_names: set[str] | None = None) -> dict[str, str]:
    """{path: text} of the adapter modules the rewritten callers import: tests/adopted.py, lib/adopted.py."""
    if not for_code:
        return {ADOPTED_TESTS.as_posix(): adapter_text(stack, renamed=renamed, as_before=as_before,
                                                       moved_names=moved_names)} if for_tests else {}
    files = {ADOPTED_CODE.as_posix(): adapter_text(stack, "tests and other modules" if for_tests else "modules",
                                                   renamed, as_before, moved_names)}
    if for_tests:
        files[ADOPTED_TESTS.as_posix()] = TESTS_REEXPORT_FILE.read_text(encoding="utf-8")
    return files


RESOURCES_ALIAS = "adopted_resources"
STACK_MODULES = {"lib.tap_stack", "tap_stack"}


def _stack_module_names(tree: ast.Module) -> set[str]:
    """Names the file binds to the lib.tap_stack module
    (`from lib import tap_stack as m`, `import lib.tap_stack as m`)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "lib":
            found.update(a.asname or a.name for a in node.names if a.name == "tap_stack")
        elif isinstance(node, ast.Import):
            found.update(a.asname for a in node.names if a.name in STACK_MODULES and a.asname)
            found.update(a.name for a in node.names if a.name == "tap_stack" and not a.asname)
    return found


def _is_stack_module(node: ast.AST, names: set[str]) -> bool:
    return (isinstance(node, ast.Name) and node.id in names) or ast.unparse(node) == "lib.tap_stack"


def _only_called(tree: ast.Module, calls: list[ast.Call]) -> bool:
    """Whether every use of the name TapStack in the file is one of these calls."""
    called = {id(c.func) for c in calls}
    return all(id(n) in called for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "TapStack")


INSPECTORS = {"signature", "getfullargspec", "getargspec", "getcallargs"}
OLD_SIGNATURE = "TapStackAsBefore"


def _introspected(tree: ast.Module, callers: set[str]) -> list[ast.AST]:
    """The old TapStack's class where a test reads its signature: `inspect.signature(TapStack)`,
    `TapStack.__init__` (its __code__, its parameters); never a call, an import or `super().__init__`."""
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr == "__init__" and isinstance(node.value, ast.Name)
                and node.value.id in callers and isinstance(node.ctx, ast.Load)):
            found.append(node.value)
        elif isinstance(node, ast.Call) and _called(node) in INSPECTORS and node.args and isinstance(
                node.args[0], ast.Name) and node.args[0].id in callers:
            found.append(node.args[0])
    return list({id(n): n for n in found}.values())


def rewrite_test(path: Path, text: str, moved_names: set[str], adapter_module: str = ADAPTER_MODULE, *,
                 callers: set[str] | None = None, factories: set[str] | None = None) -> TestEdit | None:
    """The file with its TapStack(...) calls going through tap_stack_as_before and what it patches or imports
    from lib.tap_stack that moved (resources, the names their code uses, helpers) pointed at lib.resources;
    None if unchanged. Tests and other modules alike (adapter_module says where they import the adapter from)."""
    # One AST pass over the file: the edits it collects share its state.
    # pylint: disable=too-many-locals,too-many-branches,too-many-statements,too-many-boolean-expressions
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    callers = set(callers or ()) | {"TapStack"}
    factories = set(factories or ())  # callers that were factory functions, not classes
    moved_names = set(moved_names) - callers - {"annotations", "TYPE_CHECKING"}
    lines = text.splitlines(keepends=True)
    edits: dict[tuple[int, int, int, int], str] = {}  # (line, col, end line, end col) -> new text, 1-based lines
    changes = []
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and (
        (isinstance(n.func, ast.Name) and n.func.id in callers)
        or (isinstance(n.func, ast.Attribute) and n.func.attr in callers))]
    for call in calls:
        func = call.func
        edits[(func.lineno, func.col_offset, func.end_lineno, func.end_col_offset)] = ADAPTER
    if calls:
        changes.append(f"{len(calls)} TapStack(...) call(s) now go through {adapter_module}.{ADAPTER}")
    inspected = _introspected(tree, callers)
    for node in inspected:
        edits[(node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)] = OLD_SIGNATURE
    if inspected:
        changes.append(f"reads the old TapStack's signature from {adapter_module}.{OLD_SIGNATURE} (its parameters "
                       "and defaults as they were)")
    modules = _stack_module_names(tree)
    retargeted = []

    def retarget(node: ast.AST, name: str) -> None:
        edits[(node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)] = RESOURCES_ALIAS
        retargeted.append(name)

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in STACK_MODULES:
            moving = [a for a in node.names if a.name in moved_names]
            # In modules of lib/ (linted), TapStack itself once every use of it is a rewritten call; only at
            # module level, where removing a statement cannot empty a block. Tests keep their imports as written.
            unused = [a for a in node.names if a.name == "TapStack" and not a.asname and node in tree.body
                      and calls and adapter_module != ADAPTER_MODULE and _only_called(tree, calls)]
            # Another name the stack had (class InfraStack, a create_stack() factory): the template's module
            # has TapStack only. A class becomes TapStack under the old name (isinstance keeps working); a
            # factory, the adapter.
            other = [a for a in node.names if a.name in callers - {"TapStack"} and a not in moving + unused]
            if moving or unused or other:
                staying = [a for a in node.names if a not in moving and a not in unused and a not in other]
                staying += [ast.alias(name="TapStack", asname=a.asname or a.name) for a in other
                            if a.name not in factories]
                parts = []
                if staying:
                    parts.append(ast.unparse(ast.ImportFrom(module=node.module, names=staying, level=node.level)))
                factory = [ast.alias(name=ADAPTER, asname=a.asname or a.name) for a in other if a.name in factories]
                if factory:
                    parts.append(ast.unparse(ast.ImportFrom(module=adapter_module, names=factory, level=0)))
                    changes.append(f"imports {', '.join(a.asname for a in factory)} as {adapter_module}.{ADAPTER}")
                if moving:
                    parts.append(ast.unparse(ast.ImportFrom(module="lib.resources", names=moving, level=0)))
                    changes.append(f"imports {', '.join(a.name for a in moving)} from lib.resources, where they "
                                   "moved")
                indent = " " * node.col_offset
                if parts:
                    edits[(node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)] = (
                        "\n" + indent).join(parts)
                else:  # the whole line goes, with its comment (`# noqa: E402`)
                    edits[(node.lineno, 0, node.end_lineno, len(lines[node.end_lineno - 1].encode("utf-8")))] = ""
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("lib.tap_stack."):
            parts = node.value.split(".")
            # "lib.tap_stack.S3Bucket" or, for a helper method that became a function, "lib.tap_stack.TapStack._helper"
            name = parts[3] if parts[2] == "TapStack" and len(parts) > 3 else parts[2]
            if name in moved_names:
                new = ".".join(["lib", "resources", name, *parts[4 if parts[2] == "TapStack" else 3:]])
                edits[(node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)] = repr(new)
                changes.append(f"patches {node.value} at {new} now, where the code that uses it looks it up")
        # patch.object(tap_stack_module, "S3Bucket"), monkeypatch.setattr(tap_stack_module, "Fn", ...)
        if (isinstance(node, ast.Call) and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                and node.args[1].value in moved_names and (
                    _is_stack_module(node.args[0], modules)
                    or (isinstance(node.args[0], ast.Name) and node.args[0].id == "TapStack"))):
            retarget(node.args[0], node.args[1].value)
        # tap_stack_module.QUEUE_SIZE
        if isinstance(node, ast.Attribute) and node.attr in moved_names and _is_stack_module(node.value, modules):
            retarget(node.value, node.attr)
    if retargeted:
        changes.append(f"looks up {', '.join(sorted(set(retargeted)))} in lib.resources, where they moved")
    changes = list(dict.fromkeys(changes))  # one line per kind of change, not per occurrence
    if not edits:
        return None
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def position(line: int, col: int) -> int:
        return offsets[line - 1] + len(lines[line - 1].encode("utf-8")[:col].decode("utf-8", "ignore"))

    spans = [(position(line, col), position(end_line, end_col), new)
             for (line, col, end_line, end_col), new in edits.items()]
    added = ([f"from {adapter_module} import {ADAPTER}  # added by adopt"] if calls else []) + (
        [f"from {adapter_module} import {OLD_SIGNATURE}  # added by adopt"] if inspected else []) + (
        [f"from lib import resources as {RESOURCES_ALIAS}  # added by adopt"] if retargeted else [])
    if added:  # after the last top-level import (or the docstring, when there is none)
        imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        docstring = tree.body[:1] if tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(
            tree.body[0].value, ast.Constant) else []
        after = max((n.end_lineno for n in imports or docstring), default=0)
        at = offsets[after]
        newline = "" if at == 0 or "".join(lines)[at - 1] == "\n" else "\n"
        spans.append((at, at, newline + "".join(line + "\n" for line in added)))
    flat = "".join(lines)
    for start, end, new in sorted(spans, key=lambda span: span[:2], reverse=True):
        flat = flat[:start] + new + flat[end:]
    return TestEdit(path, flat, changes)


SKIPPED_DIRS = {"node_modules", "cdktf.out", "__pycache__", "venv", "env", "site-packages", "build", "dist"}
NOT_CALLERS = {"tap.py", STACK_FILE.as_posix(), RESOURCES.as_posix(), ADOPTED_TESTS.as_posix(),
               ADOPTED_CODE.as_posix()}


def _caller_files(repo: Path, tree) -> Iterator[tuple[Path, bool, str]]:
    """The repo's Python files that may build TapStack: (path, whether under tests/, text)."""
    for path in sorted(repo.rglob("*.py") if tree is None else tree.python_files()):
        rel = path.relative_to(repo)
        if rel.as_posix() in NOT_CALLERS or any(p.startswith(".") or p in SKIPPED_DIRS for p in rel.parts[:-1]):
            continue
        try:
            text = path.read_text(encoding="utf-8") if tree is None else tree.read_text(path)
        except (OSError, UnicodeDecodeError):
            continue
        yield path, rel.parts[0] == "tests", text


def rewrite_callers(repo: Path, stack: Stack, moved: Moved | set[str], as_before: dict | None = None, *,
                    tree=None) -> tuple[list[TestEdit], dict[str, str]]:
    """Every Python file of the repo (but tap.py and the stack itself, which the template replaces) rewritten so
    that its TapStack(...) calls keep working and what it takes from lib.tap_stack is found where it moved;
    and the adapter modules those files now import, {path: text}.

    Tests import the adapter from tests/adopted.py. Other code (a lib/main.py, a factory in lib/, a script in
    scripts/) cannot rely on tests/ being there, so when there is such code the adapter lives in lib/adopted.py.

    tree: the repo as a plan leaves it, read through its python_files() and read_text(path) (adopt plans before it
    writes: a test file it moves is read at its new path); the repo on disk by default.
    """
    moved_names, renamed = (moved.names, moved.renamed) if isinstance(moved, Moved) else (moved, {})
    # Code adopt moved to lib/resources.py that built the stack calls lib/adopted.py's adapter now.
    edits, for_tests, for_code = [], False, isinstance(moved, Moved) and moved.calls_stack
    for path, in_tests, text in _caller_files(repo, tree):
        edit = rewrite_test(path, text, moved_names, ADAPTER_MODULE if in_tests else CODE_ADAPTER_MODULE,
                            callers=stack.callers,
                            factories={stack.name} if isinstance(stack.definition, ast.FunctionDef) else set())
        if edit is None:
            continue
        edits.append(edit)
        calls = any("TapStack(...)" in change or OLD_SIGNATURE in change or ADAPTER in change
                    for change in edit.changes)
        for_tests |= calls and in_tests
        for_code |= calls and not in_tests
    return edits, adapter_files(stack, for_tests, for_code, renamed, as_before, moved_names=set(moved_names))
