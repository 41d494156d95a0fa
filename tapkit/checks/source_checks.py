"""The doctor's checks of Python source against the provider API (ast only, no imports).

For each project file it resolves imports of the framework (cdktf or cdktn), its
AWS provider package and constructs, and of the project's own modules, then checks every call of an
imported class: the class exists, each keyword exists, required ones are
passed, dict literals match the struct the parameter expects, and strings hold
no raw Terraform interpolation. Its rules (ids, severity, message, fix) are
tapkit/checks/doctor_rules.py RULES with check "source_checks".

No user code may crash it: an exception while checking a node becomes one TAP219
warning for its file (internal_error), and the other files are still checked.
"""
from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from tapkit import framework
from tapkit.checks.contract import read_signature
from tapkit.checks.doctor_rules import ERROR, INTERNAL_ERROR, RULES, WARNING, Finding
from tapkit.checks.provider_api import CORE_PACKAGES, PROVIDER_PACKAGES, ApiIndex, ClassInfo

JSII_PACKAGES = (*PROVIDER_PACKAGES, *CORE_PACKAGES)
FRAMEWORK_MODULES = framework.modules()
# Renames a keyword search cannot guess: (class, wrong keyword) -> what to write instead.
KEYWORD_FIXES = {
    ("KmsAlias", "alias"): "name=",
    ("Route", "instance_id"): "network_interface_id=<instance>.primary_network_interface_id",
    ("Eip", "vpc"): 'domain="vpc"',
    ("S3Backend", "use_lockfile"): 'stack.add_override("terraform.backend.s3.use_lockfile", True)',
    ("LambdaFunction", "code"): "filename= (a zip built with TerraformAsset) or s3_bucket=/s3_key=",
}
# Terraform (>= 1.10) S3 backend arguments, for add_override("terraform.backend.s3.<key>", ...).
S3_BACKEND_KEYS = frozenset((
    "bucket", "key", "region", "encrypt", "use_lockfile", "dynamodb_table", "kms_key_id", "sse_customer_key",
    "acl", "workspace_key_prefix", "access_key", "secret_key", "token", "profile", "shared_config_files",
    "shared_credentials_files", "shared_credentials_file", "skip_credentials_validation", "skip_metadata_api_check",
    "skip_region_validation", "skip_requesting_account_id", "skip_s3_checksum", "sts_region",
    "use_dualstack_endpoint", "use_fips_endpoint", "use_path_style", "force_path_style", "max_retries", "retry_mode",
    "custom_ca_bundle", "ec2_metadata_service_endpoint", "ec2_metadata_service_endpoint_mode", "http_proxy",
    "https_proxy", "no_proxy", "insecure", "allowed_account_ids", "forbidden_account_ids", "assume_role",
    "assume_role_with_web_identity", "endpoints", "endpoint", "iam_endpoint", "sts_endpoint", "dynamodb_endpoint",
    "role_arn", "session_name", "external_id", "assume_role_duration_seconds", "assume_role_policy",
    "assume_role_policy_arns", "assume_role_tags", "assume_role_transitive_tag_keys",
))
NONDETERMINISTIC_CALLS = {
    ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"), ("time", "time"),
    ("time", "time_ns"), ("uuid", "uuid1"), ("uuid", "uuid4"), ("Fn", "timestamp"), ("Fn", "uuid"),
    ("Fn", "plantimestamp"), ("random", "random"), ("random", "randint"), ("random", "choice"),
}
_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
_IAM_VARIABLE = re.compile(r"^(aws|s3|ec2|iam|sts|saml|ssm|kms|sns|sqs|[a-z0-9.-]+\.com):[\w/-]+$")


@dataclass
class SourceFile:
    """One parsed project file."""

    path: Path
    rel: str
    module: str
    tree: ast.Module
    reachable: bool = True


@dataclass
class Local:
    """A class defined in the project, with its constructor signature."""

    module: str
    name: str
    where: str
    signature: object  # contract.Signature


@dataclass
class Scope:
    """Names bound in one file: jsii modules and classes, project modules and classes."""

    names: dict[str, tuple] = field(default_factory=dict)


def internal_error(path: str, line: int, error: BaseException) -> Finding:
    """The one finding a crash of the doctor on a file becomes (a warning: the user's code may well be fine)."""
    return Finding(path, line, INTERNAL_ERROR, f"internal error in the doctor: {type(error).__name__}: {error}; "
                   "please report it")  # the rule's fix, a warning


def _guarded_imports(tree: ast.Module) -> set[int]:
    """ids of import statements that cannot fail synth: under `if TYPE_CHECKING` or a try that catches ImportError."""
    guarded: set[int] = set()
    for node in ast.walk(tree):
        bodies = []
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            bodies = node.body
        elif isinstance(node, ast.Try) and any(
                h.type is None or {n.id if isinstance(n, ast.Name) else getattr(n, "attr", "") for n in (
                    h.type.elts if isinstance(h.type, ast.Tuple) else [h.type])} & _IMPORT_ERRORS
                for h in node.handlers):
            bodies = node.body
        for statement in bodies:
            guarded |= {id(n) for n in ast.walk(statement) if isinstance(n, (ast.Import, ast.ImportFrom))}
    return guarded


def _module_level(body: list[ast.stmt]):
    """Statements that run at import: the module's own, and those inside its if/try/with/for blocks."""
    for node in body:
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for field_name in ("body", "orelse", "finalbody", "handlers"):
                yield from _module_level(getattr(node, field_name, []))


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _close(word: str, options, cutoff: float = 0.6) -> list[str]:
    return difflib.get_close_matches(word, sorted(options), n=3, cutoff=cutoff)


class SourceChecker:
    """Runs every source rule over the project's files."""

    def __init__(self, files: list[SourceFile], index: ApiIndex, local_packages: set[str],
                 unparsed: set[str] = frozenset()) -> None:
        self.files = {f.module: f for f in files}
        self.unparsed = set(unparsed)
        self.index = index
        self.local_packages = local_packages
        self.findings: list[Finding] = []
        self.locals: dict[tuple[str, str], Local] = {}
        for source in files:
            self._collect_locals(source)
        self._current: SourceFile | None = None
        self._backend_seen = False
        self._file_instances: dict[str, ClassInfo] = {}
        self._assigned: dict[str, list[ast.AST]] = {}  # name -> values assigned to it in the current file
        self._guarded: set[int] = set()  # import nodes of the current file that cannot fail synth
        self._crashed: set[str] = set()  # files that already have their TAP219

    # ------------------------------------------------------------- reporting

    def report(self, node: ast.AST, rule: str, message: str, fix: str = "", severity: str = "") -> None:
        """Record a finding of `rule` (doctor_rules.RULES; severity "": the rule's default) at `node` in the
        current file; errors in files synth never imports become warnings."""
        source = self._current
        severity = severity or RULES[rule].severities[0]
        if severity == ERROR and not source.reachable:
            severity, message = WARNING, message + " [file not imported by tap.py]"
        elif severity == ERROR and id(node) in self._guarded:
            severity, message = WARNING, message + " [import guarded by try/except ImportError or TYPE_CHECKING]"
        self.findings.append(Finding(source.rel, getattr(node, "lineno", 1), rule, message, fix, severity))

    # ------------------------------------------------------------- local classes

    def _collect_locals(self, source: SourceFile) -> None:
        for node in source.tree.body:
            if isinstance(node, ast.ClassDef) and any(isinstance(i, ast.FunctionDef) and i.name == "__init__"
                                                     for i in node.body):
                self.locals[(source.module, node.name)] = Local(
                    source.module, node.name, f"{source.rel}:{node.lineno}", read_signature(source.tree, node.name))

    def _module_defines(self, module: str, name: str) -> bool:
        source = self.files[module]
        for node in _module_level(source.tree.body):
            if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                return True  # whatever the star import brings: cannot tell without importing it
            if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
                return True
            if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
                return True
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, (ast.AnnAssign, ast.AugAssign)) else []
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return True
            if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                    (a.asname or a.name.split(".")[0]) == name for a in node.names):
                return True
        return f"{module}.{name}" in self.files

    # ------------------------------------------------------------- imports

    def _local_module(self, source: SourceFile, node: ast.ImportFrom) -> str | None:
        if node.level:
            package = source.module if source.path.name == "__init__.py" else source.module.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            return f"{package}.{node.module}" if node.module else package
        top = (node.module or "").split(".")[0]
        return node.module if top in self.local_packages else None

    def _bind_imports(self, source: SourceFile) -> Scope:
        scope = Scope()
        for node in ast.walk(source.tree):
            try:
                if isinstance(node, ast.ImportFrom):
                    self._import_from(source, node, scope)
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        self._import(node, alias, scope)
            except Exception as error:  # pylint: disable=broad-except  # one bad import must not hide the file
                self._crash(node, error)
        return scope

    def _import(self, node: ast.Import, alias: ast.alias, scope: Scope) -> None:
        top = alias.name.split(".")[0]
        if top in JSII_PACKAGES and self.index.available(top):
            if not self._check_module(node, alias.name):
                return
            scope.names[alias.asname or top] = ("module", alias.name if alias.asname else top)
        elif top in self.local_packages:
            if alias.name not in self.files:
                self._missing_module(node, alias.name)
            elif alias.asname:
                scope.names[alias.asname] = ("local_module", alias.name)

    def _import_from(self, source: SourceFile, node: ast.ImportFrom, scope: Scope) -> None:
        module = node.module or ""
        local = self._local_module(source, node)
        if local is not None:
            self._import_local(node, local, scope)
            return
        top = module.split(".")[0]
        if node.level or top not in JSII_PACKAGES or not self.index.available(top):
            return
        if not self._check_module(node, module):
            return
        info = self.index.module(module)
        for alias in node.names:
            bound = alias.asname or alias.name
            if f"{module}.{alias.name}" != module and self.index.module_file(f"{module}.{alias.name}"):
                scope.names[bound] = ("module", f"{module}.{alias.name}")
            elif alias.name in info.classes:
                scope.names[bound] = ("class", info.classes[alias.name])
            elif alias.name != "*" and alias.name not in info.public:
                self._missing_class(node, module, alias.name)

    def _check_module(self, node: ast.AST, dotted: str) -> bool:
        if self.index.module_file(dotted):
            return True
        package, _, sub = dotted.partition(".")
        guesses = _close(sub, self.index.submodules(package), 0.75)
        self.report(node, "TAP200", f"module {dotted} does not exist in the installed {package} "
                    "(ModuleNotFoundError at synth)",
                    f"did you mean {', '.join(f'{package}.{g}' for g in guesses)}?" if guesses else
                    f"check the module name in {package}'s directory (one module per Terraform resource type)")
        return False

    def _missing_class(self, node: ast.AST, module: str, name: str) -> None:
        info = self.index.module(module)
        twins = [g for g in (name + "A", name[:-1] if name.endswith("A") else "") if g in info.public]
        elsewhere = self._class_elsewhere(module.split(".")[0], name, module)
        owners = [c for c in info.classes.values() if name.startswith(c.name) and name != c.name and any(
            b.endswith(("TerraformResource", "TerraformDataSource")) for b in c.bases)]
        owner = max(owners, key=lambda c: len(c.name)) if owners else None
        keywords = [p for p in owner.params if p.startswith(_snake(name[len(owner.name):]).split("_")[0] + "_")
                    ] if owner else []
        guesses = _close(name, info.public)
        if twins:
            fix = f"did you mean {twins[0]}?"
        elif elsewhere:
            fix = f"import it from {elsewhere}"
        elif keywords:
            fix = f"there is no such class: pass {', '.join(keywords)} to {owner.name}"
        elif guesses:
            fix = f"did you mean {guesses[0]}?"
        else:
            fix = f"remove the import; {module} has {', '.join(info.public[:6])}"
        self.report(node, "TAP201", f"{name} does not exist in {module} (ImportError at synth)", fix)

    def _class_elsewhere(self, package: str, name: str, module: str) -> str | None:
        """Another module that has this class (or its A-suffixed twin): module names follow class names."""
        for candidate in dict.fromkeys((name, name + "A", name[:-1] if name.endswith("A") else name)):
            base = candidate[:-1] if candidate.endswith("A") and candidate != name else candidate
            for dotted in dict.fromkeys((f"{package}.{_snake(candidate)}", f"{package}.{_snake(base)}")):
                found = dotted != module and self.index.module(dotted)
                if found and candidate in found.public:
                    return f"{dotted} (as {candidate})" if candidate != name else dotted
        return None

    def _import_local(self, node: ast.ImportFrom, module: str, scope: Scope) -> None:
        if module not in self.files:
            self._missing_module(node, module)
            return
        for alias in node.names:
            bound = alias.asname or alias.name
            if f"{module}.{alias.name}" in self.files:
                scope.names[bound] = ("local_module", f"{module}.{alias.name}")
            elif alias.name == "*":
                continue
            elif not self._module_defines(module, alias.name):
                self.report(node, "TAP213", f"{self.files[module].rel} defines no {alias.name} (ImportError at synth)",
                            f"define {alias.name} in {self.files[module].rel} or fix the import")
            elif (module, alias.name) in self.locals:
                scope.names[bound] = ("local_class", self.locals[(module, alias.name)])

    def _missing_module(self, node: ast.AST, module: str) -> None:
        if module in self.unparsed:
            return  # it exists but does not parse: the contract check reports the syntax error (TAP100)
        rel = module.replace(".", "/")
        self.report(node, "TAP213", f"{rel}.py is missing, but this file imports {module} "
                    "(ModuleNotFoundError at synth)", f"create {rel}.py (or {rel}/__init__.py) or fix the import")

    # ------------------------------------------------------------- resolution

    def resolve(self, expr: ast.AST, scope: Scope):
        """What an expression names: ("module", dotted), ("class", ClassInfo), ("local_class", Local) or None."""
        if isinstance(expr, ast.Name):
            return scope.names.get(expr.id)
        if not isinstance(expr, ast.Attribute):
            return None
        base = self.resolve(expr.value, scope)
        if base and base[0] == "module":
            dotted = f"{base[1]}.{expr.attr}"
            if self.index.module_file(dotted):
                return ("module", dotted)
            info = self.index.module(base[1])
            return ("class", info.classes[expr.attr]) if info and expr.attr in info.classes else None
        if base and base[0] == "local_module":
            found = self.locals.get((base[1], expr.attr))
            return ("local_class", found) if found else None
        return None

    # ------------------------------------------------------------- the checks

    def _crash(self, node: ast.AST, error: Exception) -> None:
        """Record an internal error: one finding per file, the first one's line."""
        if self._current.rel not in self._crashed:
            self._crashed.add(self._current.rel)
            self.findings.append(internal_error(self._current.rel, getattr(node, "lineno", 1), error))

    def run(self) -> list[Finding]:
        """Check every file; the findings, in file order. A crash on one node is reported and skipped."""
        for source in self.files.values():
            self._current = source
            try:
                scope = self._prepare(source)
            except Exception as error:  # pylint: disable=broad-except  # never crash on user code
                self._crash(source.tree, error)
                continue
            for node in ast.walk(source.tree):
                try:
                    self._check_node(node, scope)
                except Exception as error:  # pylint: disable=broad-except
                    self._crash(node, error)
            try:
                self._check_attributes(source.tree, scope)
            except Exception as error:  # pylint: disable=broad-except
                self._crash(source.tree, error)
        try:
            self._check_backend()
        except Exception as error:  # pylint: disable=broad-except
            if self._current is not None:
                self._crash(self._current.tree, error)
        return list(dict.fromkeys(self.findings))

    def _prepare(self, source: SourceFile) -> Scope:
        """The names the file binds, the jsii instances it creates, the values it assigns."""
        self._guarded = _guarded_imports(source.tree)
        scope = self._bind_imports(source)
        for (module, name), local in self.locals.items():
            if module == source.module:
                scope.names.setdefault(name, ("local_class", local))
        self._file_instances = {**self._instances(source.tree, scope, on_self=False),
                                **self._instances(source.tree, scope, on_self=True)}
        self._assigned = {}
        for node in ast.walk(source.tree):
            for target in node.targets if isinstance(node, ast.Assign) else ():
                if isinstance(target, ast.Name):
                    self._assigned.setdefault(target.id, []).append(node.value)
        return scope

    def _check_node(self, node: ast.AST, scope: Scope) -> None:
        if isinstance(node, ast.Call):
            self._check_call(node, scope)
        elif isinstance(node, ast.Subscript) and self._list_token(node.value) and not isinstance(
                node.slice, ast.Slice):
            shown = ast.unparse(node)
            self.report(node, "TAP209", f"{shown} indexes a list token in Python: at synth the list is one "
                        "placeholder (Found an encoded list token string in a scalar string context)",
                        f"use Fn.element({ast.unparse(node.value)}, {ast.unparse(node.slice)})")

    def _check_backend(self) -> None:
        """TAP217: no state backend anywhere synth runs (warning; a LocalBackend counts as a choice)."""
        stack = self.files.get("lib.tap_stack") or self.files.get("tap")
        if self._backend_seen or stack is None or not any(map(self.index.available, FRAMEWORK_MODULES)):
            return
        self._current = stack
        self.report(stack.tree, "TAP217", "no state backend (S3Backend, or an override of terraform.backend): "
                    "Terraform keeps the state on the CI runner, and the pipeline cannot destroy what it deployed",
                    "add S3Backend(self, bucket=state_bucket, key=f\"{environment_suffix}/{stack_id}.tfstate\", "
                    "region=state_bucket_region, encrypt=True)", "warning")

    def _check_call(self, call: ast.Call, scope: Scope) -> None:
        func = call.func
        if isinstance(func, ast.Attribute):
            owner = self.resolve(func.value, scope)
            self._check_member_call(call, func, owner)
            self._check_nondeterministic(call, func)
            if func.attr == "add_override":
                self._check_override(call)
                first = call.args[0] if call.args else None
                self._backend_seen |= isinstance(first, ast.Constant) and str(first.value).startswith(
                    "terraform.backend") and self._current.reachable
            if owner and owner[0] == "module" and not self.resolve(func, scope):
                module = self.index.module(owner[1])
                if module and func.attr not in module.public and func.attr not in module.classes:
                    self._missing_class(call, owner[1], func.attr)
        target = self.resolve(func, scope)
        if target and target[0] == "class":
            self._check_jsii_call(call, target[1])
            self._backend_seen |= target[1].module in FRAMEWORK_MODULES and target[1].name.endswith("Backend") and \
                self._current.reachable
        elif target and target[0] == "local_class" and target[1].name != "TapStack":
            self._check_local_call(call, target[1])

    def _check_member_call(self, call: ast.Call, func: ast.Attribute, owner) -> None:
        if not owner or owner[0] != "class" or func.attr.startswith("_"):
            return
        info = owner[1]
        if any("enum" in base.lower() for base in info.bases):
            return
        members = self.index.all_members(info)
        if members and func.attr not in members:
            guesses = _close(func.attr, members) or _close(_snake(func.attr), members)
            self.report(call, "TAP208", f"{info.name}.{func.attr} does not exist (AttributeError at synth)",
                        f"did you mean {info.name}.{guesses[0]}?" if guesses else f"see {info.module}.{info.name}")

    def _check_nondeterministic(self, call: ast.Call, func: ast.Attribute) -> None:
        owner = func.value
        name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
        if (name, func.attr) in NONDETERMINISTIC_CALLS:
            self.report(call, "TAP207", f"{name}.{func.attr}() gives a new value at every synth: in a name or tag it "
                        "changes every plan (and replaces named resources)",
                        "use a fixed value (the environment suffix, or a value the pipeline passes in)", "warning")

    def _check_override(self, call: ast.Call) -> None:
        if not call.args or not isinstance(call.args[0], ast.Constant) or not isinstance(call.args[0].value, str):
            return
        path = call.args[0].value
        keys: list[str] = []
        if path.startswith("terraform.backend.s3."):
            keys = [path.split(".")[3]]
        elif path in ("terraform.backend.s3", "terraform.backend") and len(call.args) > 1 and isinstance(
                call.args[1], ast.Dict):
            value = call.args[1]
            if path == "terraform.backend":
                inner = dict(zip((k.value for k in value.keys if isinstance(k, ast.Constant)), value.values))
                value = inner.get("s3") if isinstance(inner.get("s3"), ast.Dict) else ast.Dict(keys=[], values=[])
            keys = [k.value for k in value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
        for key in keys:
            if key not in S3_BACKEND_KEYS:
                guesses = _close(key, S3_BACKEND_KEYS)
                self.report(call, "TAP215", f"S3 backend has no argument {key!r} (terraform init: "
                            "Extraneous JSON object property)",
                            f"did you mean {guesses[0]!r}?" if guesses else "see Terraform's S3 backend arguments")

    def _check_jsii_call(self, call: ast.Call, info: ClassInfo) -> None:
        if not info.has_init:
            return
        spread = any(k.arg is None for k in call.keywords)
        starred = any(isinstance(a, ast.Starred) for a in call.args)
        positional = info.positional
        if not starred and len(call.args) > len(positional):
            self.report(call, "TAP203", f"{info.name}(...) gets {len(call.args)} positional arguments; it takes "
                        f"{len(positional)} ({', '.join(p.name for p in positional) or 'none'})",
                        "pass the settings as keywords")
        passed = {k.arg for k in call.keywords if k.arg}
        for keyword in call.keywords:
            if keyword.arg and keyword.arg not in info.params:
                self._unknown_keyword(keyword, info)
            elif keyword.arg:
                self._check_value(keyword.value, info, keyword.arg)
        if spread or starred:
            return
        covered = passed | {p.name for p in positional[:len(call.args)]}
        missing = [p.name for p in info.params.values() if p.required and p.name not in covered]
        if missing:
            self.report(call, "TAP203", f"{info.name}(...) does not pass {', '.join(missing)}, which it requires "
                        "(TypeError at synth)", f"pass {', '.join(m + '=...' for m in missing)}")

    def _unknown_keyword(self, keyword: ast.keyword, info: ClassInfo) -> None:
        known = KEYWORD_FIXES.get((info.name, keyword.arg))
        options = [p for p in info.params if p not in ("scope", "id_")]
        guesses = ([known] if known else []) + [f"{g}=" for g in _close(_snake(keyword.arg), options)]
        self.report(keyword.value, "TAP202", f"{info.name}(...) has no keyword {keyword.arg!r} "
                    "(TypeError: unexpected keyword argument at synth)",
                    f"did you mean {guesses[0]}?" if guesses else f"its keywords: {', '.join(options[:12])}")

    # ------------------------------------------------------------- struct-shaped values
    # A dict reaches a struct parameter one of two ways, which read its keys differently (proven by real synth
    # in the template's tests/test_doctor_longtail.py):
    #   converted: passed straight as a one-struct argument, LbTargetGroup(health_check={...}); the generated
    #     __init__ calls LbTargetGroupHealthCheck(**value), so the keys are Python keywords (a wrong one is a
    #     TypeError at synth) and the JSON is right;
    #   raw: inside a list (route=[{...}]) or a map, or anywhere under such a dict; jsii reads the keys as the
    #     camelCase names, so a snake_case key that differs (cidr_block) is silently dropped (an empty block)
    #     and a missing required field fails synth ("Missing required properties").

    def _expects(self, info: ClassInfo, keyword: str) -> tuple[str, ClassInfo | None]:
        """("struct" | "list" | "map" | "other", struct class) for one parameter's annotation."""
        param = info.params.get(keyword)
        module = self.index.module(info.module)
        if param is None or module is None:
            return "other", None
        try:
            tree = ast.parse(param.annotation, mode="eval")
        except SyntaxError:
            return "other", None
        found = self._walk_annotation(tree.body, module, "struct")
        if len({struct.name for _, struct in found}) != 1:
            return "other", None  # no struct, or a union of several (connection=SSH or WinRM): jsii picks
        return found[0]

    def _walk_annotation(self, node: ast.AST, module, kind: str) -> list[tuple[str, ClassInfo]]:
        if isinstance(node, ast.Subscript):
            container = ast.unparse(node.value).rsplit(".", 1)[-1]
            inner = "list" if container in ("Sequence", "List") else "map" if container == "Mapping" else kind
            return self._walk_annotation(node.slice, module, inner)
        if isinstance(node, ast.Tuple):
            return [found for item in node.elts for found in self._walk_annotation(item, module, kind)]
        reference = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else (
            ast.unparse(node) if isinstance(node, (ast.Name, ast.Attribute)) else None)
        struct = self.index.resolve(module, reference) if reference else None
        return [(kind, struct)] if struct is not None and struct.is_struct else []

    def _converts(self, info: ClassInfo, keyword: str) -> bool:
        """Whether a dict passed as `keyword` becomes the struct in Python (by the class's XConfig for a resource)."""
        if keyword in info.converts:
            return True
        config = None if info.is_struct else self.index.lookup(info.module, f"{info.name}Config")
        return config is not None and keyword in config.converts

    def _check_value(self, value: ast.AST, info: ClassInfo, keyword: str, raw: bool = False) -> None:
        kind, struct = self._expects(info, keyword)
        self._check_strings(value)
        if struct is None:
            return
        value = self._literal(value)
        where = f"{info.name}({keyword}=...)"
        if kind == "list" and (isinstance(value, ast.Dict) or self._is_call_of(value, struct)):
            fields = ", ".join(f"{k}=..." for k in struct.required or list(struct.params)[:3])
            self.report(value, "TAP205", f"{where} expects a list of {struct.name}, got a single "
                        f"{'dict' if isinstance(value, ast.Dict) else struct.name} (jsii: Unable to deserialize)",
                        f"wrap it in a list: {keyword}=[{struct.name}({fields})]")
            return
        if kind == "struct" and isinstance(value, (ast.List, ast.Tuple)):
            self.report(value, "TAP205", f"{where} expects one {struct.name}, got a list (TypeError at synth)",
                        f"pass {keyword}={struct.name}(...) without the list")
            return
        if kind == "struct":
            items, raw = [value], raw or not self._converts(info, keyword)
        elif kind == "map":
            items, raw = (value.values if isinstance(value, ast.Dict) else []), True
        else:
            items, raw = _elements(value), True
        for item in items:
            item = self._literal(item)
            if isinstance(item, ast.Dict):
                self._check_dict(item, struct, where, raw)

    def _check_dict(self, node: ast.Dict, struct: ClassInfo, where: str, raw: bool) -> None:
        keys = [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
        if struct.json_names and not struct.params:
            return  # a struct whose signature was not read: nothing to compare with
        by_jsii = {j: p for p, j in struct.json_names.items()}
        python = [by_jsii.get(k, k) if raw else k for k in keys]
        # with **spread or computed keys only the literal keys are known: they can be wrong, not missing
        missing = [p for p in struct.required if p not in python] if len(keys) == len(node.keys) else []
        if raw:
            self._raw_dict(node, struct, where, keys, missing)
        else:
            self._converted_dict(node, struct, where, keys, missing)
        for key_node, item in zip(node.keys, node.values):
            key = key_node.value if isinstance(key_node, ast.Constant) and isinstance(key_node.value, str) else None
            field_name = by_jsii.get(key) if raw else (key if key in struct.params else None)
            if field_name:
                self._check_value(item, struct, field_name, raw)

    def _raw_dict(self, node: ast.Dict, struct: ClassInfo, where: str, keys: list[str], missing: list[str]) -> None:
        """A dict jsii deserializes itself: keys are the camelCase field names."""
        jsii_keys = set(struct.json_names.values())
        by_jsii = {j: p for p, j in struct.json_names.items()}
        args = ", ".join(f"{by_jsii.get(k, k)}=..." for k in keys if by_jsii.get(k, k) in struct.params)
        dropped = [k for k in keys if k not in jsii_keys and k in struct.params]
        unknown = [k for k in keys if k not in jsii_keys and k not in struct.params]
        if dropped:
            self.report(node, "TAP204", f"{where}: dict with snake_case key(s) {', '.join(dropped)} inside a "
                        f"list where {struct.name} is expected; jsii reads these keys as camelCase, so they are "
                        "dropped (an empty block in the JSON, or 'Missing required properties' at synth)",
                        f"use {struct.name}({args})")
        elif missing:
            self.report(node, "TAP204", f"{where}: dict for {struct.name} lacks {', '.join(missing)} (jsii: "
                        "Missing required properties at synth)", f"use {struct.name}({args}) and pass "
                        + ", ".join(f"{m}=..." for m in missing))
        if unknown:
            self.report(node, "TAP204", f"{where}: {struct.name} has no field {', '.join(unknown)}: jsii drops "
                        "it from the JSON", _did_you_mean(unknown[0], struct), "warning")

    def _converted_dict(self, node: ast.Dict, struct: ClassInfo, where: str, keys: list[str],
                        missing: list[str]) -> None:
        """A dict the generated __init__ turns into the struct with **: keys are the Python keywords."""
        by_jsii = {j: p for p, j in struct.json_names.items()}
        camel = [k for k in keys if k not in struct.params and k in by_jsii]
        unknown = [k for k in keys if k not in struct.params and k not in by_jsii]
        if not (camel or unknown or missing):
            return
        problems = ([f"camelCase key(s) {', '.join(camel)}"] if camel else []) + (
            [f"unknown key(s) {', '.join(unknown)}"] if unknown else []) + (
            [f"missing {', '.join(missing)}"] if missing else [])
        fix = f"use {struct.name}(...) with keywords {', '.join(list(struct.params)[:10])}"
        if camel:
            fix = "use the Python keywords: " + ", ".join(f"{by_jsii[k]}=" for k in camel)
        self.report(node, "TAP204", f"{where}: this dict becomes {struct.name}(**dict), which takes Python "
                    f"keywords; it has {'; '.join(problems)} (TypeError at synth)", fix)

    @staticmethod
    def _is_call_of(value: ast.AST, struct: ClassInfo) -> bool:
        return isinstance(value, ast.Call) and (ast.unparse(value.func).rsplit(".", 1)[-1] == struct.name)

    def _literal(self, value: ast.AST) -> ast.AST:
        """A Name bound once, in its function, to a literal: that literal; else the value itself."""
        if not isinstance(value, ast.Name):
            return value
        assigned = self._assigned.get(value.id, [])
        if len(assigned) == 1 and isinstance(assigned[0], (ast.Dict, ast.List, ast.Tuple)):
            return assigned[0]
        return value

    # ------------------------------------------------------------- interpolation strings

    def _check_strings(self, value: ast.AST) -> None:
        """Strings that reach a jsii call: in its arguments, or in a variable assigned once to a string."""
        for node in _walk_strings(value):
            node = self._string_value(node) if isinstance(node, ast.Name) else node
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for inner in _interpolations(node.value):
                    self._constant_interpolation(node, inner)
            elif isinstance(node, ast.JoinedStr):
                self._check_fstring(node)

    def _string_value(self, name: ast.Name) -> ast.AST:
        assigned = self._assigned.get(name.id, [])
        return assigned[0] if len(assigned) == 1 and isinstance(assigned[0], (ast.Constant, ast.JoinedStr)) else name

    def _constant_interpolation(self, node: ast.AST, inner: str) -> None:
        if _IAM_VARIABLE.match(inner):
            self.report(node, "TAP206", f"'${{{inner}}}' is an IAM policy variable, but Terraform reads ${{...}} "
                        "as its own interpolation (plan fails: invalid reference)", f"escape it: '$${{{inner}}}'")
        else:
            self.report(node, "TAP206", f"raw Terraform interpolation '${{{inner}}}' in a Python string: cdktf "
                        "cannot check it or track the dependency", _fn_fix(inner, self.index), "warning")

    def _list_token(self, expr: ast.AST) -> bool:
        """Whether expr is a list attribute of a provider resource (x.names with x = DataAwsAvailabilityZones(...))."""
        if not isinstance(expr, ast.Attribute):
            return False
        info = self._file_instances.get(_dotted(expr.value) or "")
        return info is not None and expr.attr in info.list_members

    def _check_fstring(self, node: ast.JoinedStr) -> None:
        text = "".join(v.value if isinstance(v, ast.Constant) else "\0" for v in node.values)
        placeholders = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
        lists = [ast.unparse(v) for v in placeholders if self._list_token(v)]
        inside = []
        for inner in _interpolations(text):
            count = inner.count("\0")
            if not count:
                self._constant_interpolation(node, inner)
                continue
            before = text[:text.find("${" + inner)].count("\0")
            shown = inner.replace("\0", "{...}")
            if any(self._list_token(v) for v in placeholders[before:before + count]):
                inside.append(inner)
                self.report(node, "TAP206", f"f-string builds '${{{shown}}}' around the list token "
                            f"{', '.join(lists)}: synth fails (Found an encoded list token string in a scalar "
                            "string context)", _fn_fix(inner, self.index))
            else:
                self.report(node, "TAP206", f"f-string builds a raw Terraform expression '${{{shown}}}': cdktf "
                            "cannot check it", _fn_fix(inner, self.index), "warning")
        if lists and not inside:
            self.report(node, "TAP209", f"f-string formats the list token {', '.join(lists)} into a string: synth "
                        "fails (Found an encoded list token string in a scalar string context)",
                        f"use Fn.join(\",\", {lists[0]}) or Fn.element({lists[0]}, i) in place of the f-string")

    # ------------------------------------------------------------- calls of project classes

    def _check_local_call(self, call: ast.Call, local: Local) -> None:
        sig = local.signature
        if any(k.arg is None for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
            return
        passed = {k.arg for k in call.keywords}
        if not sig.var_keyword:
            for name in sorted(passed - sig.keywords):
                guesses = _close(name, sig.keywords, 0.8)
                self.report(call, "TAP214", f"{local.name}(...) passes keyword '{name}', which {local.name}.__init__ "
                            f"({local.where}) does not declare (TypeError at synth)",
                            f"did you mean '{guesses[0]}'?" if guesses else
                            f"declare '{name}' in {local.name}.__init__ or stop passing it")
        if len(call.args) > len(sig.positional) and not sig.var_positional:
            self.report(call, "TAP214", f"{local.name}(...) gets {len(call.args)} positional arguments; "
                        f"{local.name}.__init__ ({local.where}) takes {len(sig.positional)}", "pass keywords")
        covered = set(sig.positional[:len(call.args)]) | passed
        missing = [p for p in sig.positional[:sig.required_positional] if p not in covered]
        missing += [p for p in sig.required_keyword_only if p not in covered]
        if missing:
            self.report(call, "TAP214", f"{local.name}(...) does not pass {', '.join(missing)}, which "
                        f"{local.name}.__init__ ({local.where}) requires (TypeError at synth)",
                        f"pass {', '.join(m + '=...' for m in missing)}")

    # ------------------------------------------------------------- attributes of resources

    def _check_attributes(self, tree: ast.Module, scope: Scope) -> None:
        """x.attr where x = SomeResource(...) once in the same function, or self.x once in the same class."""
        for owner in ast.walk(tree):
            if not isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            bound = self._instances(owner, scope, on_self=isinstance(owner, ast.ClassDef))
            for node in ast.walk(owner) if bound else ():
                if not isinstance(node, ast.Attribute) or not isinstance(node.ctx, ast.Load) or node.attr[0] == "_":
                    continue
                key = _dotted(node.value)
                info = bound.get(key)
                members = self.index.all_members(info) if info else set()
                if members and node.attr not in members:
                    guesses = _close(node.attr, members)
                    self.report(node, "TAP208", f"{key} is a {info.name}, which has no attribute {node.attr!r} "
                                "(AttributeError at synth)",
                                f"did you mean {key}.{guesses[0]}?" if guesses else f"see {info.module}")

    def _instances(self, owner: ast.AST, scope: Scope, on_self: bool) -> dict[str, ClassInfo]:
        """Variables (self.x in a class, plain names in a function) assigned exactly once, from a jsii class call."""
        found: dict[str, list] = {}
        for node in ast.walk(owner):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, (ast.AnnAssign, ast.AugAssign, ast.For)) else []
            value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
            for target in targets:
                key = _dotted(target)
                if key is None or key.startswith("self.") != on_self:
                    continue
                resolved = self.resolve(value.func, scope) if isinstance(value, ast.Call) else None
                found.setdefault(key, []).append(resolved[1] if resolved and resolved[0] == "class" and
                                                 isinstance(node, ast.Assign) else None)
            if isinstance(node, ast.Assign):
                for target in node.targets:  # x.attr = ... sets an attribute of its own: do not check x
                    key = _dotted(target.value) if isinstance(target, ast.Attribute) else None
                    found.setdefault(key, []).append(None)
        return {name: infos[0] for name, infos in found.items()
                if name and len(infos) == 1 and infos[0] is not None and not infos[0].is_struct}


def _elements(value: ast.AST) -> list[ast.AST]:
    """The items a list expression holds: a literal's elements, or a comprehension's element."""
    if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        return [e for e in value.elts if not isinstance(e, ast.Starred)]
    if isinstance(value, (ast.ListComp, ast.GeneratorExp)):
        return [value.elt]
    return []


def _did_you_mean(key: str, struct: ClassInfo) -> str:
    guesses = _close(_snake(key), struct.params)
    if guesses:
        return f"did you mean {guesses[0]!r}?"
    return f"{struct.name}'s fields: {', '.join(list(struct.params)[:10])}"


def _dotted(node: ast.AST) -> str | None:
    """'x' or 'self.x' for a Name or a one-level attribute of a Name, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def _walk_strings(node: ast.AST):
    """Every node under `node`, without descending into f-strings (their parts are not whole strings)."""
    yield node
    if not isinstance(node, ast.JoinedStr):
        for child in ast.iter_child_nodes(node):
            yield from _walk_strings(child)


def _interpolations(text: str) -> list[str]:
    """The insides of every ${...} in text, skipping escaped $${...}."""
    found = []
    index = text.find("${")
    while index >= 0:
        depth, end = 0, index + 1
        for end in range(index + 1, len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                break
        if index == 0 or text[index - 1] != "$":
            found.append(text[index + 2:end])
        index = text.find("${", end)
    return found


def _fn_fix(inner: str, index: ApiIndex) -> str:
    """How to write a Terraform expression with the framework: Fn.<function> or a resource attribute."""
    call = re.match(r"([a-z_][a-z0-9_]*)\(", inner)
    fn = next(filter(None, (index.lookup(module, "Fn") for module in FRAMEWORK_MODULES)), None)
    members = index.all_members(fn) if fn else set()
    if call:
        name = call.group(1)
        for candidate in (name, f"{name}_of", f"{name}_"):
            if candidate in members:
                return f"use Fn.{candidate}(...) with the tokens themselves (e.g. Fn.element(azs.names, i))"
        return f"use the Fn.* function for {name}() with the tokens themselves"
    return "use the resource's attribute (e.g. bucket.arn) or a data source's, not a ${...} string"
