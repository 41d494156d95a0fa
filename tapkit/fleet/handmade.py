"""Read a hand-made TAP repo: what tap.py, TapStack, cdktf.json, metadata.json and the Pipfile say.

Static only (ast, json, tomllib): nothing here imports or runs the repo. The
result is a Reading: the copier answers the repo implies, where each came from,
what could not be inferred, and where tap.py and TapStack disagree (drift).
tapctl.transplant uses the parsed TapStack to move its resources.
"""
from __future__ import annotations

import ast
import difflib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tapkit import conventions

# Settings a TapStack receives, by the names hand-made stacks use, and the template's name for each.
SETTING_NAMES = {
    "environment_suffix": "environment_suffix", "env_suffix": "environment_suffix", "suffix": "environment_suffix",
    "aws_region": "aws_region", "region": "aws_region",
    "state_bucket": "state_bucket", "state_bucket_region": "state_bucket_region",
    "default_tags": "default_tags", "tags": "default_tags",
}
# Environment variables tap.py reads, and the setting each feeds.
ENV_SETTINGS = {variable: setting for setting, variable in conventions.STACK_VARIABLES.items()}
RESERVED_TAGS = conventions.RESERVED_TAGS
BACKENDS = {"S3Backend", "LocalBackend", "RemoteBackend", "CloudBackend", "GcsBackend", "AzurermBackend"}
STACK_FILE = Path("lib") / "tap_stack.py"
# metadata.json startedAt as copier.yml's started_at validator accepts it
STARTED_AT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})")


class NotATapRepo(Exception):
    """The directory lacks what every TAP repo has; the message says what and how to go on."""


@dataclass
class Value:
    """A statically known value and where it came from (file:line and the expression)."""

    value: object
    source: str


@dataclass
class TapCall:
    """tap.py's TapStack(...) call."""

    line: int
    stack_name: ast.expr | None
    keywords: dict[str, ast.expr]
    n_positional: int


@dataclass
class Stack:  # pylint: disable=too-many-instance-attributes  # the parsed parts transplant reads
    """lib/tap_stack.py's TapStack, parsed."""

    source: str
    tree: ast.Module
    cls: ast.ClassDef
    init: ast.FunctionDef
    id_param: str
    params: list[ast.arg]  # after scope and the id, in order
    kwarg: str | None
    bindings: dict[str, str] = field(default_factory=dict)  # local name -> setting ("stack_id" for the id)
    kwargs_read: dict[str, int] = field(default_factory=dict)  # key read from **kwargs -> line
    name: str = "TapStack"  # the class (or factory function) in lib/tap_stack.py that builds the stack
    callers: set[str] = field(default_factory=lambda: {"TapStack"})  # names tap.py and the tests call it by
    scope_param: str = "scope"
    self_name: str = "self"  # what __init__ calls the stack (a factory: the variable holding its TerraformStack)
    definition: ast.stmt | None = None  # the module statement that goes (the class, or the factory function)


@dataclass
class Findings:
    """What adopt reports: the answers with their sources, and what did not fit."""

    answers: dict[str, object] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    could_not: list[str] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)  # tap.py (or a test) and TapStack disagree
    mismatches: list[str] = field(default_factory=list)  # a config file disagrees with what really runs
    notes: list[str] = field(default_factory=list)


@dataclass
class Reading(Findings):
    """Everything adopt learned from the repo."""

    tags_shape: str = "flat"  # how tap.py hands tags to TapStack: flat | nested | list | none
    passed: dict[str, ast.expr] = field(default_factory=dict)  # what tap.py passes, by keyword
    stack: Stack | None = None

    def infer(self, question: str, value: object, source: str) -> None:
        """Record an answer and its source."""
        self.answers[question] = value
        self.sources[question] = source


def _parse(path: Path, root: Path) -> ast.Module:
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as error:
        raise NotATapRepo(f"{path.relative_to(root)}:{error.lineno}: syntax error ({error.msg}); fix it, then "
                          "re-run adopt") from error


def _called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def env_read(node: ast.AST) -> tuple[str, object] | None:
    """(variable, default) for os.getenv("X", d), os.environ.get("X", d), environ["X"]; else None."""
    if isinstance(node, ast.Call) and _called(node) in {"getenv", "get"} and node.args:
        func = node.func
        base = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
        if _called(node) == "get" and not base.endswith("environ"):
            return None
        name = node.args[0]
        if isinstance(name, ast.Constant) and isinstance(name.value, str):
            default = node.args[1] if len(node.args) > 1 else None
            return name.value, default.value if isinstance(default, ast.Constant) else None
    if isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("environ"):
        if isinstance(node.slice, ast.Constant):
            return node.slice.value, None
    return None


def kwargs_key(node: ast.AST, kwarg: str | None) -> tuple[str, ast.expr | None] | None:
    """(key, default expression) for kwargs.get("k", d), kwargs.pop("k", d), kwargs["k"]; else None."""
    # pylint: disable=too-many-boolean-expressions  # each condition matches one kwargs access's AST shape whole
    if not kwarg:
        return None
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"get", "pop"}
            and isinstance(node.func.value, ast.Name) and node.func.value.id == kwarg and node.args
            and isinstance(node.args[0], ast.Constant)):
        return node.args[0].value, node.args[1] if len(node.args) > 1 else None
    if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == kwarg
            and isinstance(node.slice, ast.Constant)):
        return node.slice.value, None
    return None


class TapPy:
    """tap.py: its environment defaults, its names resolved where possible, its TapStack call."""

    def __init__(self, root: Path):
        self.root = root
        self.path = root / "tap.py"
        self.tree = _parse(self.path, root)
        self.assigned: dict[str, ast.expr] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                self.assigned.setdefault(node.targets[0].id, node.value)
        self.stack_name = stack_entry(root)[1]  # what tap.py calls the stack's class (or factory) by
        calls = [n for n in ast.walk(self.tree) if isinstance(n, ast.Call) and _called(n) == self.stack_name]
        self.call = None
        if calls:
            call = calls[0]
            keywords = {}
            for keyword in call.keywords:  # `**config`: a dict literal's entries are keywords like the others
                found = self.mapping(keyword.value) if keyword.arg is None else None
                if isinstance(found, ast.Dict):
                    keywords.update((k.value, v) for k, v in zip(found.keys, found.values)
                                    if isinstance(k, ast.Constant) and isinstance(k.value, str))
                elif keyword.arg:
                    keywords[keyword.arg] = keyword.value
            self.call = TapCall(call.lineno, call.args[1] if len(call.args) > 1 else None, keywords, len(call.args))
        self.env = {}
        for node in ast.walk(self.tree):
            found = env_read(node)
            if found:
                self.env.setdefault(found[0], Value(found[1], f"tap.py:{node.lineno} {ast.unparse(node)}"))

    def resolve(self, node: ast.AST | None, depth: int = 0) -> Value | None:
        """The constant an expression of tap.py evaluates to with the pipeline's variables unset, if static."""
        if node is None or depth > 8:
            return None
        where = f"tap.py:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Constant):
            return Value(node.value, f"{where} {ast.unparse(node)}")
        found = env_read(node)
        if found:
            return Value(found[1], f"{where} {ast.unparse(node)}") if found[1] is not None else None
        if isinstance(node, ast.Name) and node.id in self.assigned:
            inner = self.resolve(self.assigned[node.id], depth + 1)
            return Value(inner.value, inner.source) if inner else None
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            for value in node.values:
                inner = self.resolve(value, depth + 1)
                if inner is not None and inner.value:
                    return inner
        return None

    def env_of(self, node: ast.AST | None, depth: int = 0) -> str | None:
        """The environment variable an expression reads (through names), if any."""
        if node is None or depth > 8:
            return None
        found = env_read(node)
        if found:
            return found[0]
        if isinstance(node, ast.Name) and node.id in self.assigned:
            return self.env_of(self.assigned[node.id], depth + 1)
        if isinstance(node, ast.BoolOp):
            return next((v for v in (self.env_of(x, depth + 1) for x in node.values) if v), None)
        return None

    def mapping(self, node: ast.AST | None, depth: int = 0) -> ast.AST | None:
        """Follow names to the literal (dict, list, call) they were assigned."""
        while isinstance(node, ast.Name) and node.id in self.assigned and depth < 8:
            node, depth = self.assigned[node.id], depth + 1
        return node


def read_stack(root: Path) -> Stack:
    """Parse lib/tap_stack.py's TapStack."""
    path = root / STACK_FILE
    if not path.is_file():
        raise NotATapRepo(f"{STACK_FILE} not found in {root}: adopt needs the TapStack class there")
    source = path.read_text(encoding="utf-8")
    tree = _parse(path, root)
    name, local = stack_entry(root)
    definition = next((n for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef)) and n.name == name),
                      None)
    if definition is None:
        raise NotATapRepo(f"{STACK_FILE} defines no top-level class TapStack (and tap.py imports no other class or "
                          "factory function from it); adopt moves your resources from there. Name the stack's class "
                          "TapStack (or import it in tap.py: from lib.tap_stack import MyStack), commit, and run adopt "
                          "again")
    if isinstance(definition, ast.FunctionDef):
        return read_factory(source, tree, definition, local)
    cls = definition
    init = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    if init is None:
        raise NotATapRepo(f"{STACK_FILE}: {name} has no __init__, so it declares no resources to keep")
    args = init.args
    positional = (args.posonlyargs + args.args)[1:]  # drop self
    if len(positional) < 2:
        raise NotATapRepo(f"{STACK_FILE}:{init.lineno}: {name}.__init__ should take (self, scope, id, ...)")
    stack = Stack(source, tree, cls, init, positional[1].arg, positional[2:] + args.kwonlyargs,
                  args.kwarg.arg if args.kwarg else None, name=name, callers={"TapStack", name, local},
                  scope_param=positional[0].arg, self_name=(args.posonlyargs + args.args)[0].arg,
                  definition=cls)
    return _bind(stack)


def stack_entry(root: Path) -> tuple[str, str]:
    """(the name lib/tap_stack.py defines the stack under, the name tap.py calls it by).

    TapStack when lib/tap_stack.py defines that class; otherwise the class or function tap.py imports from
    lib.tap_stack (`from lib.tap_stack import InfraStack as TapStack`, `... import create_stack`)."""
    try:
        stack_tree = ast.parse((root / STACK_FILE).read_text(encoding="utf-8"))
        tap_tree = ast.parse((root / "tap.py").read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return "TapStack", "TapStack"
    defined = {n.name: n for n in stack_tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    if isinstance(defined.get("TapStack"), ast.ClassDef):
        imported = {(a.asname or a.name): a.name for n in ast.walk(tap_tree) if isinstance(n, ast.ImportFrom)
                    and n.module in {"lib.tap_stack", "tap_stack"} for a in n.names}
        return "TapStack", next((local for local, name in imported.items() if name == "TapStack"), "TapStack")
    imports = [a for n in ast.walk(tap_tree) if isinstance(n, ast.ImportFrom) and n.module in {"lib.tap_stack",
                                                                                               "tap_stack"}
               for a in n.names if a.name in defined]
    called = {_called(n) for n in ast.walk(tap_tree) if isinstance(n, ast.Call)}
    # A class before a function (tap.py may import a helper too); either must be called by tap.py.
    for wanted in (ast.ClassDef, ast.FunctionDef):
        for alias in imports:
            if isinstance(defined[alias.name], wanted) and (alias.asname or alias.name) in called:
                return alias.name, alias.asname or alias.name
    return "TapStack", "TapStack"


STACK_BASES = {"TerraformStack", "Stack"}


def read_factory(source: str, tree: ast.Module, func: ast.FunctionDef, local: str) -> Stack:
    """A factory function `create_stack(app, stack_id, ...)` that builds a bare TerraformStack, read as if it
    were TapStack.__init__: the variable holding the stack plays `self`, and the function's body moves."""
    args = func.args
    positional = args.posonlyargs + args.args
    created = next((s for s in func.body if isinstance(s, ast.Assign) and len(s.targets) == 1
                    and isinstance(s.targets[0], ast.Name) and isinstance(s.value, ast.Call)
                    and _called(s.value) in STACK_BASES), None)
    where = f"{STACK_FILE}:{func.lineno}"
    if created is None:
        built = next((_called(n) for n in ast.walk(func) if isinstance(n, ast.Call)
                      and _called(n)[:1].isupper()), "another class")
        raise NotATapRepo(
            f"{where}: tap.py builds the stack with {func.name}(), which does not create a TerraformStack itself "
            f"(it calls {built}); adopt moves a stack class's __init__ or a factory that writes "
            f"`stack = TerraformStack(scope, stack_id)`. Call the stack's class from tap.py (name it TapStack), "
            "commit, and run adopt again")
    call = created.value
    ids = [a.id for a in call.args[:2] if isinstance(a, ast.Name)]
    names = [a.arg for a in positional]
    if len(ids) < 2 or names[:2] != ids:
        raise NotATapRepo(
            f"{STACK_FILE}:{created.lineno}: {func.name}() creates `{ast.unparse(call)}`; adopt needs the factory to "
            f"take the scope and the stack id first and pass them on: def {func.name}(scope, stack_id, ...) with "
            "TerraformStack(scope, stack_id). Change it (and its callers), commit, and run adopt again")
    cls = ast.ClassDef(name=func.name, bases=[], keywords=[], body=[func], decorator_list=[])
    stack = Stack(source, tree, cls, func, names[1], positional[2:] + args.kwonlyargs,
                  args.kwarg.arg if args.kwarg else None, name=func.name, callers={func.name, local},
                  scope_param=names[0], self_name=created.targets[0].id, definition=func)
    return _bind(stack)


def _bind(stack: Stack) -> Stack:
    """What each of the stack's names holds: its settings, by parameter and by the locals read from them."""
    init = stack.init
    stack.bindings[stack.id_param] = "stack_id"
    for param in stack.params:
        if param.arg in SETTING_NAMES:
            stack.bindings[param.arg] = SETTING_NAMES[param.arg]
    for node in ast.walk(init):
        found = kwargs_key(node, stack.kwarg)
        if found:
            stack.kwargs_read.setdefault(found[0], node.lineno)
    for stmt in init.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name, value = stmt.targets[0].id, stmt.value
            key = kwargs_key(value, stack.kwarg)
            env = env_read(value)
            if key and key[0] in SETTING_NAMES:
                stack.bindings[name] = SETTING_NAMES[key[0]]
            elif env and env[0] in ENV_SETTINGS:
                stack.bindings[name] = ENV_SETTINGS[env[0]]
            elif (key or env) and name in SETTING_NAMES:  # named like a setting, read under another key
                stack.bindings[name] = SETTING_NAMES[name]
    return stack


def stack_calls(stack: Stack, name: str) -> list[tuple[ast.stmt, ast.Call, bool]]:
    """(statement, call, at the top of __init__) for every call of `name` in TapStack.__init__."""
    found = []
    top = {id(s) for s in stack.init.body}
    for stmt in ast.walk(stack.init):
        if not isinstance(stmt, ast.stmt) or stmt is stack.init:
            continue
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and _called(node) == name and not any(
                    node in ast.walk(child) for child in ast.iter_child_nodes(stmt) if isinstance(child, ast.stmt)):
                found.append((stmt, node, id(stmt) in top))
    return found


class Reader:
    """Infers the answers; fills a Reading."""
    # pylint: disable=too-many-public-methods  # one method per answer it infers, all sharing one Reading

    def __init__(self, root: Path, provider_version: str | None, contract=None):
        self.root = root
        self.contract = contract  # the template's taptools/contract.py, for the static call check
        self.reading = Reading()
        self.provider_version = provider_version
        for required in ("tap.py", str(STACK_FILE)):
            if not (root / required).is_file():
                raise NotATapRepo(f"{root} has no {required}: adopt works on TAP repos (tap.py creating TapStack "
                                  "from lib/tap_stack.py)")
        self.tap = TapPy(root)
        self.stack = read_stack(root)
        self.reading.stack = self.stack

    # ---------------------------------------------------------------- values of settings
    def setting_value(self, setting: str) -> Value | None:
        """What TapStack received for a setting when tap.py ran with the pipeline's variables unset."""
        call = self.tap.call
        if call:
            for keyword, expr in call.keywords.items():
                if SETTING_NAMES.get(keyword) == setting:
                    return self.tap.resolve(expr)
        for param in self.stack.params:  # not passed: the stack's own default
            if SETTING_NAMES.get(param.arg) == setting:
                default = param_default(self.stack.init, param)
                return Value(default.value, f"{STACK_FILE}:{param.lineno} default of {param.arg}") if isinstance(
                    default, ast.Constant) else None
        return None

    def stack_value(self, node: ast.AST | None) -> Value | None:
        """The value an expression inside TapStack.__init__ has, given what tap.py passes."""
        # pylint: disable=too-many-return-statements  # one return per kind of expression it can evaluate
        if node is None:
            return None
        where = f"{STACK_FILE}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Constant):
            return Value(node.value, f"{where} {ast.unparse(node)} (fixed in the stack)")
        if isinstance(node, ast.Name):
            setting = self.stack.bindings.get(node.id)
            if setting and setting != "stack_id":
                return self.setting_value(setting) or self._binding_default(node.id)
            for stmt in self.stack.init.body:  # a plain local constant: REGION = "us-west-2"
                if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                        and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == node.id):
                    return self.stack_value(stmt.value)
            for stmt in self.stack.tree.body:  # a module constant
                if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                        and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == node.id
                        and isinstance(stmt.value, ast.Constant)):
                    return Value(stmt.value.value, f"{STACK_FILE}:{stmt.lineno} {node.id} (fixed in the stack)")
            return None
        key = kwargs_key(node, self.stack.kwarg)
        if key:
            setting = SETTING_NAMES.get(key[0])
            passed = self.setting_value(setting) if setting else None
            if passed is not None and key[0] in (self.tap.call.keywords if self.tap.call else {}):
                return passed
            return Value(key[1].value, f"{where} default of kwargs[{key[0]!r}]") if isinstance(
                key[1], ast.Constant) else None
        env = env_read(node)
        if env:
            return Value(env[1], f"{where} {ast.unparse(node)}") if env[1] is not None else None
        return None

    def _binding_default(self, name: str) -> Value | None:
        for stmt in self.stack.init.body:
            if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                    and stmt.targets[0].id == name):
                return self.stack_value(stmt.value)
        return None

    # ---------------------------------------------------------------- the parts
    def read(self) -> Reading:
        """Infer everything; never raises for a repo that merely lacks something (that goes to could_not)."""
        self.read_stack_name()
        self.read_environment()
        self.read_provider()
        self.read_backend()
        self.read_tags()
        self.read_cdktf_json()
        self.read_metadata()
        self.read_pipfile()
        self.read_project()
        self.read_drift()
        self.read_test_suffixes()
        self.refuse_closed_values()
        return self.reading

    def refuse_closed_values(self) -> None:
        """An answer outside its closed list (team from a tag's fallback in tap.py, say) is not one copier takes:
        dropped, and reported with what the task gets instead."""
        reading = self.reading
        for question in ("team", "provider", "wave", "complexity", "turn_type"):
            choices = conventions.DATA["metadata"][question]
            value = reading.answers.get(question)
            if question in reading.answers and value not in choices:
                source = reading.sources.pop(question, "?")
                del reading.answers[question]
                if any(line.startswith(f"{question}:") and repr(value) in line for line in reading.could_not):
                    continue  # metadata.json said the same, reported already
                reading.could_not.append(
                    f"{question}: {value!r} (from {source}) is not one of the pipeline's {', '.join(choices)}; kept "
                    f"the template's default" + (", which is also the Team tag's fallback when TEAM is unset"
                                                  if question == "team" else "")
                    + f": choose one (copier update --data {question}=...)")

    def read_stack_name(self) -> None:
        """The stack name tap.py gives: the template always uses TapStack{suffix}."""
        call, reading = self.tap.call, self.reading
        if call is None:
            reading.drift.append("tap.py never calls TapStack(...): nothing creates the stack the pipeline deploys")
            return
        reading.passed = dict(call.keywords)
        name = call.stack_name
        env = self.tap.env_of(next((v for v in ast.walk(name) if isinstance(v, ast.Name)), None)) if name else None
        text = ast.unparse(self.tap.mapping(name)) if name is not None else "?"
        if not (name is not None and "TapStack" in text and (env == "ENVIRONMENT_SUFFIX" or "suffix" in text)):
            reading.could_not.append(
                f"stack name: tap.py:{call.line} names the stack {text}; the template always uses "
                "TapStack{ENVIRONMENT_SUFFIX}. The state key and every resource address follow the stack name, "
                "so deploying the adopted repo creates a new state: plan the move (terraform state mv) first")

    def read_environment(self) -> None:
        """environment_suffix: tap.py's ENVIRONMENT_SUFFIX default."""
        suffix = self.tap.env.get("ENVIRONMENT_SUFFIX")
        if suffix and isinstance(suffix.value, str):
            self.reading.infer("environment_suffix", suffix.value, suffix.source)
        else:
            self.reading.could_not.append("environment_suffix: tap.py reads no ENVIRONMENT_SUFFIX with a default; "
                                          "kept the template's default, dev")

    def providers(self) -> list[tuple[ast.stmt, ast.Call, bool]]:
        """Every AwsProvider(...) in TapStack.__init__."""
        return stack_calls(self.stack, "AwsProvider")

    def provider_region(self, call: ast.Call) -> Value | None:
        """The region an AwsProvider(...) gets."""
        region = next((k.value for k in call.keywords if k.arg == "region"), None)
        return self.stack_value(region)

    def read_provider(self) -> None:
        """aws_region and extra_regions, from the providers."""
        reading = self.reading
        providers = self.providers()
        if not providers:
            reading.could_not.append("aws_region: TapStack creates no AwsProvider; kept the default us-east-1")
            return
        primary = next((p for p in providers if not any(k.arg == "alias" for k in p[1].keywords)), providers[0])
        region = self.provider_region(primary[1])
        if region and isinstance(region.value, str):
            reading.infer("aws_region", region.value, region.source)
            tap_region = self.tap.env.get("AWS_REGION")
            passes = any(SETTING_NAMES.get(k) == "aws_region" for k in reading.passed)
            if "fixed in the stack" in region.source and tap_region and passes:
                reading.drift.append(
                    f"region: tap.py reads AWS_REGION ({tap_region.source}) and passes it, but TapStack's provider "
                    f"uses {region.value!r} ({region.source}): AWS_REGION has no effect")
            elif "fixed in the stack" in region.source:
                reading.notes.append(f"aws_region: the provider region {region.value!r} was fixed in the stack; the "
                                     "template reads AWS_REGION with that default")
        else:
            reading.could_not.append(f"aws_region: the provider region at {STACK_FILE}:{primary[1].lineno} is not a "
                                     "value adopt can read; kept the default us-east-1 (set it with copier update "
                                     "--data aws_region=...)")
        for _stmt, call, _ in providers:
            if call is primary[1]:
                continue
            value = self.provider_region(call)
            alias = next((ast.unparse(k.value) for k in call.keywords if k.arg == "alias"), "?")
            region = value.value if value and isinstance(value.value, str) else "its region"
            # Kept as written, not turned into extra_regions: the template would name the alias after the region,
            # and Terraform cannot plan resources whose provider alias disappeared from the configuration.
            reading.notes.append(f"provider alias {alias} ({region}, {STACK_FILE}:{call.lineno}) moves to "
                                 "lib/resources.py as written: its resources keep their provider and region")

    def read_backend(self) -> None:
        """backend, state bucket, region, key pattern and locking, from the backend call."""
        reading = self.reading
        backends = [(stmt, call, top) for name in BACKENDS for stmt, call, top in stack_calls(self.stack, name)]
        if not backends:
            reading.infer("backend", "local", f"{STACK_FILE}: TapStack declares no backend")
            reading.notes.append("backend: TapStack declared none, so state stayed local; adopted as backend=local. "
                                 "The pipeline's setting is s3: switch with `copier update --data backend=s3`")
            return
        stmt, call, _ = backends[0]
        kind = _called(call)
        if kind == "LocalBackend":
            reading.infer("backend", "local", f"{STACK_FILE}:{call.lineno} LocalBackend")
            return
        if kind != "S3Backend":
            reading.could_not.append(f"backend: {kind} at {STACK_FILE}:{call.lineno} is not one the template offers "
                                     "(s3, local); adopted as s3, so check the state location before deploying")
        reading.infer("backend", "s3", f"{STACK_FILE}:{call.lineno} {kind}")
        args = {k.arg: k.value for k in call.keywords}
        for question, keyword in (("state_bucket", "bucket"), ("state_bucket_region", "region")):
            value = self.stack_value(args.get(keyword))
            if value and isinstance(value.value, str):
                reading.infer(question, value.value, value.source)
            else:
                reading.could_not.append(f"{question}: S3Backend's {keyword} at {STACK_FILE}:{call.lineno} is not a "
                                         "value adopt can read; kept the template's default")
        key = self.key_pattern(args.get("key"))
        if key:
            reading.infer("state_key_pattern", key, f"{STACK_FILE}:{call.lineno} key={ast.unparse(args['key'])}")
        else:
            text = ast.unparse(args["key"]) if "key" in args else "missing"
            reading.could_not.append(
                f"state_key_pattern: S3Backend's key {text} at {STACK_FILE}:{call.lineno} cannot be written with "
                "{environment_suffix} and {stack_id}; kept the default {environment_suffix}/{stack_id}.tfstate, "
                "so the state moves: copy it to the new key before deploying")
        lock_table = self.stack_value(args.get("dynamodb_table"))
        lockfile = any(
            isinstance(n, ast.Call) and _called(n) == "add_override" and n.args
            and isinstance(n.args[0], ast.Constant) and n.args[0].value == "terraform.backend.s3.use_lockfile"
            for n in ast.walk(self.stack.init))
        if lock_table and isinstance(lock_table.value, str):
            reading.infer("s3_locking", "dynamodb", lock_table.source)
            reading.infer("dynamodb_table", lock_table.value, lock_table.source)
        elif lockfile:
            reading.infer("s3_locking", "lockfile", f"{STACK_FILE}: add_override('terraform.backend.s3.use_lockfile')")
        else:
            reading.infer("s3_locking", "none", f"{STACK_FILE}:{call.lineno} S3Backend without locking")

    def key_pattern(self, node: ast.AST | None) -> str | None:
        """The state key as a template pattern, or None when it has parts adopt cannot name."""
        if not isinstance(node, ast.JoinedStr):
            return None
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue) and isinstance(value.value, ast.Name):
                setting = self.stack.bindings.get(value.value.id)
                if setting not in {"environment_suffix", "stack_id"}:
                    return None
                parts.append("{" + setting + "}")
            else:
                return None
        pattern = "".join(parts)
        return pattern if "{environment_suffix}" in pattern else None

    def tags_node(self) -> ast.AST | None:
        """The literal tap.py passes as default_tags, names followed."""
        call = self.tap.call
        if call is None:
            return None
        expr = next((v for k, v in call.keywords.items() if SETTING_NAMES.get(k) == "default_tags"), None)
        return self.tap.mapping(expr)

    def read_tags(self) -> None:
        """The tag shape, author and team from pipeline tags, fixed tags as extra_tags."""
        # pylint: disable=too-many-branches  # one branch per shape of tag entry hand-made stacks write
        reading = self.reading
        node = self.tags_node()
        entries: dict[str, ast.expr] = {}
        if isinstance(node, ast.List) and len(node.elts) == 1:
            node = self.tap.mapping(node.elts[0])
            reading.tags_shape = "list"
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            if keys == ["tags"]:
                if reading.tags_shape != "list":
                    reading.tags_shape = "nested"
                node = self.tap.mapping(node.values[0])
            elif reading.tags_shape != "list":
                reading.tags_shape = "flat"
        if isinstance(node, ast.Dict):
            entries = {k.value: v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant)}
            source = "tap.py default_tags"
        else:
            reading.tags_shape = "none" if node is None else reading.tags_shape
            entries, source = self.stack_own_tags(), f"{STACK_FILE}: the provider's own default_tags"
        extra = {}
        for key, expr in entries.items():
            env = self.tap.env_of(expr) if source.startswith("tap.py") else None
            value = self.tap.resolve(expr) if source.startswith("tap.py") else (
                Value(expr.value, source) if isinstance(expr, ast.Constant) else None)
            if key in RESERVED_TAGS:
                if env in conventions.TAG_FALLBACK_ANSWERS and value and isinstance(value.value, str):
                    question = conventions.TAG_FALLBACK_ANSWERS[env]
                    if question not in reading.answers:
                        reading.infer(question, value.value, value.source)
                continue
            if value is not None and isinstance(value.value, str) and env is None:
                extra[key] = value.value
            else:
                reading.notes.append(
                    f"tag {key}: its value {ast.unparse(expr)} is computed at synth time (or comes from a variable "
                    "the template does not read), so every synth differed; dropped. Put a fixed value in extra_tags "
                    "if you need the tag")
        if extra:
            reading.infer("extra_tags", extra, source)

    def stack_own_tags(self) -> dict[str, ast.expr]:
        """Tags the stack's provider sets itself, when tap.py passes none."""
        for _stmt, call, _ in self.providers():
            for keyword in call.keywords:
                if keyword.arg == "default_tags":
                    for node in ast.walk(keyword.value):
                        if isinstance(node, ast.Dict) and node.keys and all(
                                isinstance(k, ast.Constant) for k in node.keys) and not any(
                                    k.value == "tags" for k in node.keys):
                            return {k.value: v for k, v in zip(node.keys, node.values)}
        return {}

    def load(self, name: str, parse, missing: str | None) -> dict | None:
        """A config file of the repo, parsed; None (said in could_not) when it is missing or broken."""
        path = self.root / name
        if not path.is_file():
            if missing:
                self.reading.could_not.append(f"{name} not found: {missing}")
            return None
        try:
            data = parse(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
            self.reading.could_not.append(f"{name}: not valid ({error}); the template's replaces it")
            return None
        return data if isinstance(data, dict) else None

    def read_cdktf_json(self) -> None:
        """aws_provider_constraint (checked against the installed bindings), app, language."""
        reading = self.reading
        config = self.load("cdktf.json", json.loads, "the template adds one (app: pipenv run python tap.py)")
        if config is None:
            return
        if config.get("language") not in (None, "python"):
            reading.mismatches.append(f"cdktf.json: language is {config.get('language')!r}, not python")
        app = str(config.get("app", ""))
        if "tap.py" not in app:
            reading.mismatches.append(f"cdktf.json: app is {app!r}, which does not run tap.py")
        aws = [p for p in config.get("terraformProviders", [])
               if isinstance(p, str) and p.split("@")[0].endswith("aws")]
        constraint = aws[0].split("@", 1)[1].strip() if aws and "@" in aws[0] else None
        if constraint is None:
            reading.could_not.append("aws_provider_constraint: cdktf.json lists no aws@<constraint>; kept ~> 6.0")
            return
        have = self.provider_version
        if have and not admits(constraint, have):
            major = have.split(".")[0]
            reading.infer("aws_provider_constraint", f"~> {major}.0",
                          f"the installed provider bindings ({have}); cdktf.json said {constraint}")
            reading.mismatches.append(
                f"provider version: cdktf.json asks for aws@{constraint}, but the prebuilt bindings the repo "
                f"synthesizes with were generated for AWS provider {have}, and they pin {have} in the synthesized "
                f"JSON, so {constraint} never took effect. Adopted as ~> {major}.0, which admits {have}")
        else:
            reading.infer("aws_provider_constraint", constraint, f"cdktf.json terraformProviders {aws[0]}")

    def read_metadata(self) -> None:
        """The metadata answers (team, po_id, subtask, subject_labels, provider, wave, complexity, turn_type,
        aws_services, started_at, migrated_from; author where tap.py has no fallback of its own) from metadata.json.
        A value outside the pipeline's closed lists (conventions.json "metadata") is not an answer copier takes:
        it is reported in could_not, with the default the answers keep and the --data that would choose another."""
        reading = self.reading
        meta = self.load("metadata.json", json.loads, "the template adds one; check complexity, team, aws_services")
        if not isinstance(meta, dict):
            return
        closed = conventions.DATA["metadata"]
        if isinstance(meta.get("author"), str) and meta["author"].strip() and "author" not in reading.answers:
            reading.infer("author", meta["author"], "metadata.json author")
        po_id = meta.get("po_id")
        if isinstance(po_id, str) and po_id.strip() and po_id.strip().lower() not in {"unknown", "null"}:
            reading.infer("po_id", po_id.strip(), "metadata.json po_id")
        elif "po_id" in meta:
            reading.could_not.append(f"po_id: metadata.json says {po_id!r}, which the pipeline refuses (empty, "
                                     "unknown, null); kept the project name as a placeholder: give the ticket's id")
        for question in ("team", "provider", "wave", "complexity", "turn_type"):
            self.closed_answer(meta, question, question, closed[question])
        self.read_subtask(meta, closed["subtasks"])
        services = meta.get("aws_services")
        if isinstance(services, list) and services and all(isinstance(v, str) and v.strip() for v in services):
            reading.infer("aws_services", services, "metadata.json aws_services")
        started = meta.get("startedAt")
        if isinstance(started, str) and STARTED_AT.fullmatch(started):
            reading.infer("started_at", started, "metadata.json startedAt")
        elif started is not None:
            reading.could_not.append(f"started_at: metadata.json startedAt is {started!r}, not an ISO 8601 date-time "
                                     "like 2026-12-07T10:00:00Z; kept the time of adoption")
        if isinstance(meta.get("migrated_from"), dict) and meta["migrated_from"]:
            reading.infer("migrated_from", meta["migrated_from"], "metadata.json migrated_from")
        for key, wanted in (("platform", closed["platform"]), ("language", closed["language"])):
            if key in meta and meta[key] != wanted:
                reading.mismatches.append(f"metadata.json: {key} is {meta[key]!r}; the pipeline expects {wanted!r}")

    def closed_answer(self, meta: dict, key: str, question: str, choices: list[str]) -> None:
        """metadata.json's `key` as the answer `question` when it is one of the choices; reported otherwise."""
        if key not in meta:
            return
        value = meta[key]
        if value in choices:
            self.reading.infer(question, value, f"metadata.json {key}")
            return
        spelled = next((c for c in choices if isinstance(value, str) and c.lower() == value.strip().lower()), None)
        if spelled is not None:
            self.reading.infer(question, spelled, f"metadata.json {key} {value!r}, as the pipeline spells it")
            return
        self.reading.could_not.append(
            f"{question}: metadata.json says {value!r}, which is not one of the pipeline's {', '.join(choices)}; "
            f"kept the template's default: choose one (copier update --data {question}=...)")

    def read_subtask(self, meta: dict, subtasks: dict[str, list[str]]) -> None:
        """subtask and subject_labels: the labels must be the subtask's (the pipeline checks both lists). Without
        a subtask, the one subtask every label belongs to."""
        reading = self.reading
        labels = meta.get("subject_labels")
        labels = labels if isinstance(labels, list) and all(isinstance(v, str) for v in labels) else None
        subtask = meta.get("subtask")
        offered = {name for name, allowed in subtasks.items() if allowed}
        if subtask is not None and subtask not in offered:
            reading.could_not.append(f"subtask: metadata.json says {subtask!r}, which is not one of the subtasks "
                                     f"a cdktf task can have ({', '.join(sorted(offered))}); kept the template's "
                                     "default: choose one (copier update --data subtask=...)")
            subtask = None
        if subtask is None and labels:
            owners = {name for name in offered if set(labels) <= set(subtasks[name])}
            if len(owners) == 1:
                subtask = owners.pop()
                reading.infer("subtask", subtask, "the one subtask whose labels include metadata.json's "
                                                  "subject_labels")
        elif subtask is not None:
            reading.infer("subtask", subtask, "metadata.json subtask")
        if not labels:
            if "subject_labels" in meta:
                reading.could_not.append(f"subject_labels: metadata.json has {meta['subject_labels']!r}; the "
                                         "pipeline needs at least one label: kept the subtask's first")
            return
        allowed = subtasks.get(subtask or "", [])
        wrong = [label for label in labels if label not in allowed]
        if wrong:
            reading.could_not.append(
                f"subject_labels: metadata.json has {', '.join(map(repr, wrong))}, not a label of the subtask "
                f"{subtask or '(none given)'!r} ({', '.join(allowed) or 'no label'}); kept the subtask's first "
                "label: choose them (copier update --data subject_labels=[...])")
            return
        reading.infer("subject_labels", labels, "metadata.json subject_labels")

    def read_pipfile(self) -> None:
        """Exact cdktf and provider pins, python_version."""
        reading = self.reading
        pipfile = self.load("Pipfile", tomllib.loads, None)
        if pipfile is None:
            return
        packages = pipfile.get("packages", {})
        for question, package in (("cdktf_package_version", "cdktf"),
                                  ("aws_provider_package_version", "cdktf-cdktf-provider-aws")):
            spec = packages.get(package)
            spec = spec.get("version") if isinstance(spec, dict) else spec
            found = re.fullmatch(r"==\s*([0-9]+(\.[0-9]+){1,3})", str(spec or "").strip())
            if found:
                reading.infer(question, found.group(1), f"Pipfile {package} = {spec!r}")
            elif spec:
                reading.notes.append(f"{question}: the Pipfile asks for {package} {spec!r}, not one exact release; "
                                     "the template pins one (its default)")
        python = str(pipfile.get("requires", {}).get("python_version", ""))
        if python in {"3.11", "3.12", "3.13"}:
            reading.infer("python_version", python, "Pipfile [requires] python_version")
        elif python:
            reading.could_not.append(f"python_version: the Pipfile requires {python}, which the template does not "
                                     "offer (3.11, 3.12, 3.13); kept 3.11")

    def read_project(self) -> None:
        """project_name, description, include_integration_tests."""
        reading = self.reading
        slug = re.sub(r"[^a-z0-9]+", "-", self.root.name.lower()).strip("-")
        slug = re.sub(r"^[^a-z]+", "", slug)[:63].strip("-") or "tap-task"
        reading.infer("project_name", slug, f"the directory name {self.root.name!r}")
        readme = self.root / "README.md"
        if readme.is_file():
            for line in readme.read_text(encoding="utf-8").splitlines():
                text = line.strip()
                if text and not text.startswith(("#", "<", "!", "|", "`", "-", "*")):
                    reading.infer("description", text[:200], "README.md, first paragraph")
                    break
        integration = self.root / "tests" / "integration"
        reading.infer("include_integration_tests", integration.is_dir(),
                      "tests/integration " + ("exists" if integration.is_dir() else "does not exist"))

    # ---------------------------------------------------------------- drift
    def read_drift(self) -> None:
        """Where tap.py and TapStack disagree: kwargs read but not passed, passed but not used."""
        reading, stack, call = self.reading, self.stack, self.tap.call
        if call is None:
            return
        passed = set(call.keywords)
        if stack.kwarg:
            reads = stack.kwargs_read
            for key in sorted(set(reads) - passed):
                close = difflib.get_close_matches(key, passed, n=1)
                hint = f" (tap.py passes {close[0]!r}: a misspelling?)" if close else ""
                reading.drift.append(f"TapStack reads {stack.kwarg}[{key!r}] ({STACK_FILE}:{reads[key]}), which "
                                     f"tap.py never passes{hint}: it always gets its default")
            for key in sorted(passed - set(reads)):
                reading.drift.append(f"tap.py:{call.line} passes {key}=..., which TapStack never reads "
                                     f"(it takes **{stack.kwarg} and ignores it)")
        else:
            used = {n.id for n in ast.walk(stack.init) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
            for param in stack.params:
                if param.arg in passed and param.arg not in used:
                    reading.drift.append(f"tap.py:{call.line} passes {param.arg}=..., which TapStack declares "
                                         f"({STACK_FILE}:{param.lineno}) but never uses")
        self.read_tag_shape_drift()
        self.read_contract_drift()

    def read_test_suffixes(self) -> None:
        """Tests that build the stack with a suffix longer than the template's TapStack takes: they fail after
        adoption (ValueError), said before anything is written. (One the rule's characters refuse, 'Production',
        still builds: tap_stack_as_before lets an old-style call through as the old stack did.)"""
        rule = conventions.DATA["rules"]["environment_suffix"][0]
        limit = rule.get("max_length")
        tests = self.root / "tests"
        if not limit or not tests.is_dir():
            return
        positional = [p.arg for p in self.stack.params if p in self.stack.init.args.args]
        for path in sorted(tests.rglob("*.py")):
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"))
            except (OSError, SyntaxError, UnicodeDecodeError):
                continue
            for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call) and _called(n) in self.stack.callers):
                given = {k.arg: k.value for k in call.keywords if k.arg}
                given.update((name, arg) for name, arg in zip(positional, call.args[2:]) if name not in given)
                for name, value in given.items():
                    if (SETTING_NAMES.get(name) == "environment_suffix" and isinstance(value, ast.Constant)
                            and isinstance(value.value, str) and len(value.value) > limit):
                        self.reading.drift.append(
                            f"{path.relative_to(self.root)}:{call.lineno} builds the stack with {name}="
                            f"{value.value!r} ({len(value.value)} characters): the template's TapStack refuses a "
                            f"suffix longer than {limit}, so this test will fail after adoption with ValueError "
                            f"(the pipeline's rule: {rule['message']}). Shorten it in the test")

    def read_contract_drift(self) -> None:
        """Calls of TapStack (tap.py and the tests) that its signature refuses: TypeErrors waiting to happen."""
        if self.contract is None:
            return
        grouped: dict[tuple[str, int, str], list[str]] = {}
        for finding in self.contract.check(self.root):
            if finding.rule == "TAP100":
                self.reading.could_not.append(f"{finding.path}:{finding.line} {finding.message}")
            elif finding.rule in {"TAP102", "TAP103"}:
                name = re.search(r"'([^']+)'", finding.message)
                key = (finding.path, finding.line, finding.rule)
                grouped.setdefault(key, []).append(name.group(1) if name else "?")
            elif finding.rule == "TAP104":
                self.reading.drift.append(f"{finding.path}:{finding.line} {finding.message}")
        where = f"TapStack.__init__ ({STACK_FILE}:{self.stack.init.lineno})"
        for (path, line, rule), names in grouped.items():
            verb = "passes" if rule == "TAP102" else "does not pass"
            what = "does not declare" if rule == "TAP102" else "requires"
            self.reading.drift.append(f"{path}:{line} TapStack(...) {verb} {', '.join(sorted(names))}, which {where} "
                                      f"{what}: a TypeError when it runs")

    def read_tag_shape_drift(self) -> None:
        """tap.py's tag shape against what TapStack does with it."""
        reading, stack = self.reading, self.stack
        tag_param = next((name for name, setting in stack.bindings.items() if setting == "default_tags"), None)
        if tag_param is None or reading.tags_shape == "none":
            return
        shape = reading.tags_shape
        described = {"nested": '{"tags": {...}}', "flat": "a flat mapping", "list": '[{"tags": {...}}]'}[shape]
        for _stmt, call, _ in stack_calls(stack, "AwsProvider"):
            given = next((k.value for k in call.keywords if k.arg == "default_tags"), None)
            if given is None:
                continue
            given = self._through_locals(given)
            element = given.elts[0] if isinstance(given, ast.List) and len(given.elts) == 1 else None
            wraps = (isinstance(element, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "tags"
                                                            for k in element.keys)) or (
                isinstance(element, ast.Call) and _called(element) == "AwsProviderDefaultTags")
            if isinstance(given, ast.Name):
                ok = shape == "list"
            elif element is not None:
                ok = shape == "flat" if wraps else shape == "nested"
            else:
                ok = False
            if not ok:
                reading.drift.append(
                    f"tags: tap.py passes default_tags as {described} and TapStack gives AwsProvider "
                    f"default_tags={ast.unparse(given)} ({STACK_FILE}:{call.lineno}); the provider needs "
                    "[{'tags': {...}}]")

    def _through_locals(self, node: ast.AST) -> ast.AST:
        for _ in range(4):
            if not isinstance(node, ast.Name):
                return node
            for stmt in self.stack.init.body:
                if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                        and stmt.targets[0].id == node.id and not kwargs_key(stmt.value, self.stack.kwarg)):
                    node = stmt.value
                    break
            else:
                return node
        return node


def param_default(func: ast.FunctionDef, param: ast.arg) -> ast.expr | None:
    """The default expression of a parameter, or None."""
    args = func.args
    positional = args.posonlyargs + args.args
    if param in positional:
        offset = len(positional) - len(args.defaults)
        index = positional.index(param)
        return args.defaults[index - offset] if index >= offset else None
    if param in args.kwonlyargs:
        return args.kw_defaults[args.kwonlyargs.index(param)]
    return None


def admits(constraint: str, version: str) -> bool:
    """Whether a Terraform version constraint admits `version` (the template's own check)."""
    from tapkit.fleet import template  # pylint: disable=import-outside-toplevel  # template imports nothing of ours back

    return template.constraints().admits(constraint, version)


def read(root: Path, provider_version: str | None, contract=None) -> Reading:
    """Everything adopt can learn from the hand-made repo at root."""
    return Reader(root, provider_version, contract).read()
