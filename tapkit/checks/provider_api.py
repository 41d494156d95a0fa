"""What the installed framework (cdktf or cdktn) and provider packages accept, read from their source as text.

The doctor needs class names, constructor keywords and struct fields of the
modules a project imports. Importing a prebuilt provider package costs seconds
(and jsii needs Node), so this module never imports it: it finds the package
directory with importlib.util.find_spec of the TOP-LEVEL package (a submodule's
find_spec would import the package) and reads <pkg>/<module>/__init__.py,
parsing only the class headers and __init__ signatures it needs.
Standard library only.
"""
from __future__ import annotations

import ast
import importlib.util
import re
from dataclasses import dataclass, field
from pathlib import Path

from tapkit import framework

# The project's prebuilt AWS provider (cdktf_cdktf_provider_aws or cdktn_provider_aws), per the framework the
# task's tests/unit/expected.json names.
PROVIDER_PACKAGE = framework.names()["provider_module"]
# Every framework's provider: a file is checked against the package it imports, whichever is installed.
PROVIDER_PACKAGES = framework.provider_modules()
# Other jsii packages a TAP project imports classes from (cdktf, cdktn, constructs); single-module packages.
CORE_PACKAGES = (*framework.modules(), "constructs")

_TOP_LEVEL = re.compile(r"^(?:class |def |@|__all__|publication\.)", re.MULTILINE)
# The generated code has two forms: one parameter a line, and (short ones) all on one line,
# `def __init__(self, *, name: builtins.str, type: builtins.str) -> None:`; _signature_text reads both.
_INIT = re.compile(r"^    def __init__\(", re.MULTILINE)
_MEMBER = re.compile(r"^    def (\w+)\(", re.MULTILINE)
_LIST_PROPERTY = re.compile(r"^    def (\w+)\(self\) -> typing\.(?:List|Sequence)\[", re.MULTILINE)
_CONVERTS = re.compile(r"^        if isinstance\((\w+), dict\):\n            \1 = [\w.]+\(\*\*\1\)", re.MULTILINE)
# `import cdktf as _cdktf_...` at the top (cdktf); indented under `if typing.TYPE_CHECKING:` (cdktn, lazy at runtime)
_ALIAS_IMPORT = re.compile(r"^[ \t]*import ([\w.]+) as (_\w+)$", re.MULTILINE)


@dataclass(frozen=True)
class Param:
    """One constructor parameter: name, annotation text, whether a caller must pass it."""

    name: str
    annotation: str
    required: bool
    keyword_only: bool


@dataclass
class ClassInfo:
    """A class of a jsii package: constructor parameters, members, struct key names."""

    module: str
    name: str
    is_struct: bool = False
    bases: list[str] = field(default_factory=list)
    params: dict[str, Param] = field(default_factory=dict)
    has_init: bool = False
    members: set[str] = field(default_factory=set)
    json_names: dict[str, str] = field(default_factory=dict)  # struct: python keyword -> jsii (camelCase) key
    list_members: set[str] = field(default_factory=set)  # properties that return a list (a list token at synth)
    # struct parameters whose dict the generated __init__ turns into the struct (X(**value), python keywords);
    # any other dict goes to jsii as it is, which reads its keys as camelCase names
    converts: set[str] = field(default_factory=set)

    @property
    def positional(self) -> list[Param]:
        """Parameters a caller may pass by position (after self)."""
        return [p for p in self.params.values() if not p.keyword_only]

    @property
    def required(self) -> list[str]:
        """Keyword-only parameters a caller must pass."""
        return [p.name for p in self.params.values() if p.required and p.keyword_only]


@dataclass
class ModuleInfo:
    """One module's public classes."""

    name: str
    classes: dict[str, ClassInfo]
    aliases: dict[str, str]  # import alias in the module source -> package name
    public: list[str]


def package_dir(package: str) -> Path | None:
    """Directory of an installed top-level package, found without importing it."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _json_names(decorator: str) -> dict[str, str]:
    found = re.search(r"name_mapping=(\{.*?\}),?\n\)", decorator, re.DOTALL)
    try:
        return dict(ast.literal_eval(found.group(1))) if found else {}
    except (ValueError, SyntaxError):
        return {}


def _signature_text(body: str) -> str | None:
    """The text between the parentheses of the class's own `def __init__(...)`, or None.

    Brackets are matched (annotations nest them, defaults may call functions), skipping string literals."""
    found = _INIT.search(body)
    if not found:
        return None
    depth, index, quote = 1, found.end(), ""
    while index < len(body):
        char = body[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return body[found.end():index]
        index += 1
    return None


def _params(signature: str) -> dict[str, Param] | None:
    """Parameters of `def __init__(<signature>)`, without self; None when the text does not parse."""
    try:
        func = ast.parse(f"def __init__(\n{signature}\n): pass").body[0]
    except SyntaxError:
        return None
    args = func.args
    params: dict[str, Param] = {}
    positional = args.posonlyargs + args.args
    first_default = len(positional) - len(args.defaults)
    for index, arg in enumerate(positional):
        if index == 0 and arg.arg == "self":
            continue
        params[arg.arg] = Param(arg.arg, _annotation(arg), index < first_default, False)
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        params[arg.arg] = Param(arg.arg, _annotation(arg), default is None, True)
    return params


def _annotation(arg: ast.arg) -> str:
    return ast.unparse(arg.annotation) if arg.annotation is not None else ""


def _class_info(module: str, block: str, decorator: str) -> ClassInfo:
    """One class from its source block (header and body) and the decorator text above it."""
    header_end = block.find(":\n")
    header = block[:header_end]
    info = ClassInfo(module, re.match(r"class (\w+)", header).group(1), is_struct=decorator.startswith(
        "@jsii.data_type("), json_names=_json_names(decorator))
    if "(" in header:
        inner = header[header.index("(") + 1:header.rindex(")")]
        info.bases = [b.strip() for b in inner.split(",") if b.strip() and "=" not in b]
    body = block[header_end:]
    signature = _signature_text(body)
    params = _params(signature) if signature is not None else None
    if params is not None:  # an unreadable signature leaves has_init False: its calls are not checked
        info.params, info.has_init = params, True
    info.members = set(_MEMBER.findall(body)) - {"__init__"}
    info.list_members = set(_LIST_PROPERTY.findall(body))
    info.converts = set(_CONVERTS.findall(body))
    return info


def parse_module(name: str, source: str) -> ModuleInfo:
    """The public classes of one generated jsii module's source."""
    aliases = {alias: package for package, alias in _ALIAS_IMPORT.findall(source)}
    public = re.search(r"^__all__ = \[(.*?)\]", source, re.MULTILINE | re.DOTALL)
    starts = [m.start() for m in _TOP_LEVEL.finditer(source)] + [len(source)]
    classes: dict[str, ClassInfo] = {}
    for index, start in enumerate(starts[:-1]):
        if not source.startswith("class ", start) or source.startswith("class _", start):
            continue
        before = source[starts[index - 1]:start] if index else ""
        info = _class_info(name, source[start:starts[index + 1]], before if before.startswith("@") else "")
        classes[info.name] = info
    names = re.findall(r'"(\w+)"', public.group(1)) if public else sorted(classes)
    return ModuleInfo(name, classes, aliases, names)


class ApiIndex:
    """Lazily parsed modules of the provider and core packages, by dotted module name."""

    def __init__(self, roots: dict[str, Path | None] | None = None) -> None:
        if roots is None:
            roots = {package: package_dir(package) for package in (*PROVIDER_PACKAGES, *CORE_PACKAGES)}
        self.roots = roots
        self._modules: dict[str, ModuleInfo | None] = {}

    def available(self, package: str) -> bool:
        """Whether the package was found (its checks can run)."""
        return self.roots.get(package) is not None

    def module_file(self, dotted: str) -> Path | None:
        """The __init__.py of `package` or `package.submodule`, if installed."""
        package, _, sub = dotted.partition(".")
        root = self.roots.get(package)
        if root is None:
            return None
        path = root / sub.replace(".", "/") / "__init__.py" if sub else root / "__init__.py"
        return path if path.is_file() else None

    def submodules(self, package: str) -> list[str]:
        """Names of a package's submodules (for 'did you mean')."""
        root = self.roots.get(package)
        return sorted(p.name for p in root.iterdir() if (p / "__init__.py").is_file()) if root else []

    def module(self, dotted: str) -> ModuleInfo | None:
        """The parsed module, or None when it does not exist."""
        if dotted not in self._modules:
            path = self.module_file(dotted)
            self._modules[dotted] = parse_module(dotted, path.read_text(encoding="utf-8")) if path else None
        return self._modules[dotted]

    def lookup(self, dotted: str, name: str) -> ClassInfo | None:
        """A class by module and name."""
        module = self.module(dotted)
        return module.classes.get(name) if module else None

    def resolve(self, module: ModuleInfo, reference: str) -> ClassInfo | None:
        """A class named in `module`'s source: Name, "Name" or _alias.Name."""
        reference = reference.strip().strip("\"'")
        alias, _, name = reference.rpartition(".")
        if not alias:
            return module.classes.get(name)
        package = module.aliases.get(alias)
        return self.lookup(package, name) if package else None

    def all_members(self, info: ClassInfo, depth: int = 8) -> set[str]:
        """Members of a class and its bases, across packages."""
        members = set(info.members) | set(info.params if info.is_struct else ())
        module = self.module(info.module)
        for base in info.bases if depth and module else ():
            parent = self.resolve(module, base)
            if parent is not None:
                members |= self.all_members(parent, depth - 1)
        return members
