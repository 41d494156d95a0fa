"""The doctor's rules and findings: TAP1xx (the TapStack contract) and TAP2xx (the source and the project's shape).

RULES below is the one place that names every doctor rule: id, severity, what it finds (message), the usual
fix, and the module whose check reports it (contract, doctor, source_checks). A finding names its rule by id,
and Finding refuses an id RULES lacks; its message and fix say what this one occurrence is, and the fix
defaults to the rule's. The template's docs/guardrails.md doctor table is generated from RULES (its
tests/test_guardrail_docs.py; UPDATE_DOCS=1 rewrites it), and `python -m tapkit.checks.doctor --rules`
prints it. The guardrails (TAP3xx, synth time) have their own list: tapkit/checks/guardrails/core.py RULES.

Standard library only.
"""
from __future__ import annotations

from dataclasses import dataclass

ERROR, WARNING = "error", "warning"
CHECKS = ("contract", "doctor", "source_checks")  # the modules (tapkit/checks/<name>.py) that report findings


@dataclass(frozen=True)
class DoctorRule:
    """A rule: id, severity, what it finds, the usual fix, the module whose check reports it, more for the docs.

    severity is the rule's own: error, warning, or "error / warning" when the check decides per finding (the
    first is the default). The doctor reports any error as a warning where it cannot fail synth (a test file,
    a file tap.py never imports, an import under try/except ImportError); a warning rule is never an error.
    convention: the rule checks only the template's layout and names, so the doctor reports it as a warning."""

    rule_id: str
    severity: str
    message: str
    fix: str
    check: str
    detail: str = ""
    convention: bool = False

    @property
    def severities(self) -> tuple[str, ...]:
        """The severities the check itself gives, the default first."""
        return tuple(self.severity.split(" / "))


@dataclass(frozen=True)
class Finding:
    """One problem: where, which rule (an id of RULES), what is wrong and how to fix it.

    fix "" is the rule's usual fix; severity "" is the rule's default one."""

    path: str
    line: int
    rule: str
    message: str
    fix: str = ""
    severity: str = ""

    def __post_init__(self) -> None:
        known = RULES.get(self.rule)
        if known is None:
            raise ValueError(f"unknown doctor rule {self.rule!r}: add it to RULES in tapkit/checks/doctor_rules.py")
        if not self.severity:
            object.__setattr__(self, "severity", known.severities[0])
        if not self.fix:
            object.__setattr__(self, "fix", known.fix)
        if self.severity not in (ERROR, WARNING) or (self.severity == ERROR and ERROR not in known.severities):
            raise ValueError(f"{self.rule} is {known.severity}, not {self.severity!r}")

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.rule} {self.message} ({self.fix})"


def _rules(*rules: DoctorRule) -> dict[str, DoctorRule]:
    return {r.rule_id: r for r in sorted(rules, key=lambda r: r.rule_id)}


RULES: dict[str, DoctorRule] = _rules(
    # ---------------------------------------------------------------- TAP1xx: tapkit/checks/contract.py
    DoctorRule("TAP100", ERROR, "a syntax error in tap.py, lib/ or tests/",
               "fix the syntax; nothing can import this file", "contract"),
    DoctorRule("TAP101", ERROR, "tap.py or lib/tap_stack.py missing, or lib/tap_stack.py defines no TapStack",
               "restore it from the template (copier update) or create it", "contract",
               detail="A warning in the doctor (a template convention): a repo whose cdktf.json runs bin/app.py "
                      "or main.py, or whose stack class has another name, synthesizes fine.", convention=True),
    DoctorRule("TAP102", ERROR, "TapStack(...) passes a keyword TapStack.__init__ does not declare",
               "declare it in TapStack.__init__ or stop passing it", "contract"),
    DoctorRule("TAP103", ERROR, "TapStack(...) does not pass a parameter TapStack.__init__ requires",
               "pass it by keyword (tap.py's build_stack() shows every setting)", "contract"),
    DoctorRule("TAP104", ERROR, "TapStack(...) gets more positional arguments than TapStack.__init__ takes",
               "pass the stack settings as keywords", "contract"),
    DoctorRule("TAP105", WARNING, "TapStack(...) is called with *args or **kwargs, which cannot be checked",
               "pass each parameter by name", "contract"),
    DoctorRule("TAP106", ERROR, "TapStack.__init__ takes **kwargs, which silently swallows misspelt settings",
               "declare each setting as a typed keyword-only parameter", "contract",
               detail="A warning in the doctor: it synthesizes, but hides misspelt settings, which TAP218 names."),
    DoctorRule("TAP107", ERROR, "tap.py never calls TapStack(...)",
               "create the stack in tap.py: TapStack(app, f'TapStack{environment_suffix}', ...)", "contract",
               detail="A warning in the doctor (a template convention): tap.py may build the stack through a "
                      "factory.", convention=True),
    # ---------------------------------------------------------------- TAP2xx: tapkit/checks/source_checks.py
    DoctorRule("TAP200", ERROR, "import of a provider or framework module that does not exist",
               "import the module the message names (did you mean ...)", "source_checks"),
    DoctorRule("TAP201", ERROR, "import of a class the module does not have",
               "import the class the message names", "source_checks",
               detail="`S3BucketVersioning` -> `S3BucketVersioningA`; `S3BucketLifecycleConfigurationA` -> "
                      "`S3BucketLifecycleConfiguration`; `DynamodbTableStreamSpecification` -> \"pass "
                      "stream_enabled, stream_view_type to DynamodbTable\"; a class in another module -> that "
                      "module."),
    DoctorRule("TAP202", ERROR, "a keyword argument the class does not take",
               "use the keyword the message names", "source_checks",
               detail="`KmsAlias(alias=)` -> `name=`; `Route(instance_id=)` -> `network_interface_id=`; "
                      "`Eip(vpc=True)` -> `domain=\"vpc\"`; `S3Backend(use_lockfile=)` -> the override."),
    DoctorRule("TAP203", ERROR, "a required argument missing, or too many positional ones",
               "pass the arguments the class requires, by keyword", "source_checks"),
    DoctorRule("TAP204", "error / warning", "a dict literal where a typed struct is expected",
               "build the struct class the message names", "source_checks",
               detail="Read the way jsii reads it. Passed straight as a one-struct argument "
                      "(`LbTargetGroup(health_check={...})`), the generated `__init__` turns it into the struct "
                      "by Python keywords: snake_case keys are right; camelCase, unknown or missing required keys "
                      "are a TypeError at synth (error). Inside a list (`route=[{...}]`), a map, or under such a "
                      "dict, jsii reads the keys as the camelCase fields: a snake_case key that differs "
                      "(`cidr_block`) is silently dropped (error), a missing required field fails synth (error), "
                      "one-word and camelCase keys are right; an unknown key is dropped (warning)."),
    DoctorRule("TAP205", ERROR, "a single dict or struct where a list is expected, or a list for one struct",
               "wrap it in a list (default_tags=[AwsProviderDefaultTags(tags=...)]), or pass the one struct",
               "source_checks"),
    DoctorRule("TAP206", "error / warning", "Terraform ${...} interpolation in a Python string",
               "use the Fn function the message names, or a token attribute", "source_checks",
               detail="An error when it wraps a list token (`f\"${{element({azs.names}, {i})}}\"`: synth fails) "
                      "or holds an unescaped IAM variable (`${aws:username}`); otherwise a warning (raw "
                      "Terraform that cdktf cannot check)."),
    DoctorRule("TAP207", WARNING, "a value that changes at every synth: datetime.now(), uuid4(), Fn.timestamp()",
               "use a fixed value (a name or tag must be the same at every synth)", "source_checks"),
    DoctorRule("TAP208", ERROR, "an attribute or function a provider or framework class does not have",
               "use the attribute the message names (Fn.element, bucket.arn)", "source_checks"),
    DoctorRule("TAP209", ERROR, "a list token indexed or formatted in Python (azs.names[0], f\"{azs.names}\")",
               "use Fn.element(azs.names, 0)", "source_checks"),
    DoctorRule("TAP213", ERROR, "import of a project module or name that does not exist (lib/api.py missing)",
               "create the module or name, or fix the import", "source_checks",
               detail="Names a module binds at import time in `if`/`try` blocks or through `from x import *` "
                      "count as defined. TAP200, TAP201 and TAP213 on an import under `try: ... except "
                      "ImportError` or `if TYPE_CHECKING:` are warnings (it cannot fail synth)."),
    DoctorRule("TAP214", ERROR, "a call of a project class (a construct in lib/) that does not match its __init__",
               "pass what the class's __init__ declares", "source_checks"),
    DoctorRule("TAP215", ERROR, "an S3 backend override with a key Terraform's S3 backend does not have",
               "use one of the S3 backend's arguments (did you mean ...)", "source_checks",
               detail="`use_lockfile` **is** valid (S3-native locking, Terraform >= 1.10; cdktf 0.21's "
                      "`S3Backend` has no argument for it, hence the override)."),
    DoctorRule("TAP217", WARNING, "no state backend in the code synth runs",
               "add S3Backend(...) in TapStack (the template's does)", "source_checks"),
    DoctorRule("TAP219", WARNING, "internal error in the doctor on one file (the other checks still ran)",
               "the doctor's other checks still ran; check this line by synth (python tap.py)", "source_checks",
               detail="One per file, with file and line: the doctor never crashes on user code."),
    # ---------------------------------------------------------------- TAP2xx: tapkit/checks/doctor.py
    DoctorRule("TAP210", "error / warning", "cdktf.json missing, not JSON, or its app runs a file that does not "
               "exist", "point \"app\" at the entry point: pipenv run python tap.py", "doctor",
               detail="`cd dir && python x.py` and `python -m pkg` understood; `language` not `python` is a "
                      "warning (synth runs `app` whatever it says)."),
    DoctorRule("TAP211", WARNING, "metadata.json missing or not JSON; platform/language other than cdktf/py",
               "set \"platform\": \"cdktf\" and \"language\": \"py\"", "doctor",
               detail="The pipeline picks its toolchain from it; synth and deploy never read it."),
    DoctorRule("TAP212", WARNING, "lib/__init__.py missing",
               "create an empty lib/__init__.py", "doctor"),
    DoctorRule("TAP216", WARNING, "the provider package is not installed for this interpreter: API checks skipped",
               "run the doctor with the project's interpreter (--python)", "doctor"),
    DoctorRule("TAP218", WARNING, "with TapStack(**kwargs): a setting tap.py passes that the stack never reads, or one "
               "it reads that none passes", "read the setting in TapStack.__init__, or stop passing it",
               "doctor"),
)
INTERNAL_ERROR = "TAP219"


def of_check(check: str) -> dict[str, DoctorRule]:
    """The rules one module's check reports (check: contract, doctor or source_checks)."""
    return {rule_id: rule for rule_id, rule in RULES.items() if rule.check == check}


def main() -> None:
    """Print the rule list: id, severity, message."""
    for rule in RULES.values():
        print(f"{rule.rule_id}  {rule.severity:<15}  {rule.message}")
