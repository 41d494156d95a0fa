"""What a repo deploys: its synthesized JSON under the pipeline's variables, and the answers it implies.

adopt reads the answers that decide deployed infrastructure (region, backend,
state key, tags, provider settings) from the repo's own synthesized JSON, not
only from its source: the JSON is what Terraform gets, however the code
computed it (a signature default, lib/AWS_REGION, a helper, a constant).

The synth runs with the pipeline's per-deploy variables set to probe values
(PROBE) and the rest unset, as a deploy from the pipeline would: the probe
suffix and stack name are then recognisable in the state key, and each
variable-derived tag in the provider's default tags.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path

from tapkit import conventions, synth

# Unset for every synth adopt runs, so nothing from the caller's shell leaks in.
PIPELINE_VARIABLES = conventions.PIPELINE_VARIABLES
SUFFIX_VARIABLE = conventions.STACK_VARIABLES["environment_suffix"]
# The per-deploy values the pipeline always sets (tapkit.synth's probe). Region and state bucket stay unset.
PROBE = synth.PROBE
# The template's variable-derived tags: tag key -> variable.
PIPELINE_TAGS = conventions.PIPELINE_TAGS
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|^\d{10}(\.\d+)?$")
# Provider arguments the template's TapStack sets itself.
TEMPLATE_PROVIDER_KEYS = {"region", "default_tags", "alias"}


class SynthFailed(Exception):
    """`python tap.py` failed; .output holds what it printed."""

    def __init__(self, summary: str, output: str):
        super().__init__(summary)
        self.output = output


def synthesize(project: Path, outdir: Path | None, *flags: str, mode: str | Mapping[str, str] = "probe",
               python: str | None = None) -> dict[str, dict]:
    """{stack name: cdk.tf.json} from `python tap.py` (tapkit.synth, with the lazy provider import a hand-made
    repo lacks) under `mode`: the probe environment by default; raises SynthFailed. Paths under the project are
    relative in the result (tapkit.synth), so a synth in a scratch copy compares equal to one in the repo."""
    try:
        return synth.synthesize(project, python or sys.executable, mode, lazy=True, flags=flags,
                                outdir=outdir).stacks
    except synth.SynthError as error:
        raise SynthFailed(str(error), error.output) from error


def addresses(docs: dict[str, dict]) -> set[str]:
    """Resource, data source and output addresses of a synth."""
    found = set()
    for doc in docs.values():
        for rtype, items in (doc.get("resource") or {}).items():
            found.update(f"{rtype}.{name}" for name in items)
        for dtype, items in (doc.get("data") or {}).items():
            found.update(f"data.{dtype}.{name}" for name in items)
        found.update(f"output.{name}" for name in doc.get("output") or {})
    return found


def default_provider(doc: dict) -> dict | None:
    """The AWS provider block without alias (the template's TapStack makes exactly one)."""
    blocks = (doc.get("provider") or {}).get("aws") or []
    return next((b for b in blocks if not b.get("alias")), None)


ENV_DEFAULT = re.compile(r"""(?:getenv|environ\.get)\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*,\s*["']([^"'\n]*)["']""")
KNOWN_VARIABLES = set(PIPELINE_VARIABLES)


def variable_defaults(repo: Path) -> set[tuple[str, str]]:
    """(variable, default) of every os.getenv / os.environ.get with a string default in tap.py and lib/, except
    the pipeline's own variables (the template reads those)."""
    found = set()
    for path in [repo / "tap.py", *sorted((repo / "lib").rglob("*.py"))]:
        if path.is_file():
            found.update(ENV_DEFAULT.findall(path.read_text(encoding="utf-8", errors="replace")))
    return {(name, default) for name, default in found if name not in KNOWN_VARIABLES}


def guardrail_findings(output: str) -> list[tuple[str, str]]:
    """(construct path, rule id) of each guardrail error a refused synth printed."""
    return sorted(set(re.findall(r"\[([^\]\s]+)\] (TAP3\d\d) ", output)))


class Inferred:
    """Answers read off the repo's synthesized JSON, and what the template must set on top to match it."""

    def __init__(self, docs: dict[str, dict]):
        self.answers: dict[str, object] = {}
        self.sources: dict[str, str] = {}
        self.notes: list[str] = []
        self.provider_overrides: dict[str, object] = {}  # default provider keys the template does not set
        if len(docs) != 1:
            self.notes.append(f"the repo synthesizes {len(docs)} stacks; answers were read from its source only")
            return
        (self.stack, self.doc), = docs.items()
        self.where = f"the synthesized JSON (stack {self.stack})"
        self.read_provider()
        self.read_backend()

    def infer(self, question: str, value: object, detail: str) -> None:
        """Record an answer and where in the deployed JSON it was read."""
        self.answers[question] = value
        self.sources[question] = f"{self.where}: {detail}"

    def read_provider(self) -> None:
        """The region, provider settings and default tags of the default AWS provider."""
        provider = default_provider(self.doc)
        if provider is None:
            return
        if isinstance(provider.get("region"), str):
            self.infer("aws_region", provider["region"], "the default AWS provider's region")
        self.infer("extra_regions", [], "aliased providers stay in lib/resources.py as written")
        self.provider_overrides = {k: v for k, v in provider.items() if k not in TEMPLATE_PROVIDER_KEYS}
        tags = provider.get("default_tags")
        if isinstance(tags, list) and len(tags) == 1 and isinstance(tags[0], dict) and isinstance(
                tags[0].get("tags"), dict):
            self.read_tags(tags[0]["tags"])

    def read_tags(self, tags: dict) -> None:
        """pipeline_tags (tags whose value is the probe's) and extra_tags (fixed values) from default tags."""
        probes = set(PROBE.values())
        chosen = [key for key, variable in PIPELINE_TAGS.items() if tags.get(key) == PROBE[variable]]
        self.infer("pipeline_tags", chosen, "default tags whose value is the pipeline variable's")
        extra = {k: v for k, v in tags.items()
                 if k != conventions.ENVIRONMENT_TAG and k not in chosen and isinstance(v, str) and v not in probes}
        for key, value in list(extra.items()):
            if TIMESTAMP.search(value):  # datetime.now() at synth: freezing it as a fixed tag would hide that
                del extra[key]
                self.notes.append(f"tag {key}={value!r} looks like a time computed at synth (a new value every "
                                  "deploy); it is not kept: adopt refuses unless you --accept default-tags")
        self.infer("extra_tags", extra, "default tags with fixed values")

    def read_backend(self) -> None:
        """The backend answers: local, or s3 with its bucket, region, state key pattern and locking."""
        backend = (self.doc.get("terraform") or {}).get("backend") or {}
        if not backend or "local" in backend:
            self.infer("backend", "local", "no backend, or a local one" if not backend else "a local backend")
            return
        if "s3" not in backend:
            self.notes.append(f"backend {', '.join(backend)} is not one the template offers (s3, local)")
            return
        s3 = backend["s3"]
        self.infer("backend", "s3", "terraform.backend.s3")
        for question, key in (("state_bucket", "bucket"), ("state_bucket_region", "region")):
            if isinstance(s3.get(key), str):
                self.infer(question, s3[key], f"terraform.backend.s3.{key}")
        key = s3.get("key")
        if isinstance(key, str):
            pattern = key.replace(self.stack, "{stack_id}").replace(PROBE[SUFFIX_VARIABLE],
                                                                     "{environment_suffix}")
            if "{environment_suffix}" in pattern:
                self.infer("state_key_pattern", pattern, f"terraform.backend.s3.key {key!r}")
        if isinstance(s3.get("dynamodb_table"), str):
            self.infer("s3_locking", "dynamodb", "terraform.backend.s3.dynamodb_table")
            self.infer("dynamodb_table", s3["dynamodb_table"], "terraform.backend.s3.dynamodb_table")
        elif s3.get("use_lockfile") is True:
            self.infer("s3_locking", "lockfile", "terraform.backend.s3.use_lockfile")
        else:
            self.infer("s3_locking", "none", "terraform.backend.s3 without locking")


def settings_code(overrides: dict[str, object], suppressions: list[tuple[str, str]],
                  suffix: str = conventions.PROBE_SUFFIX) -> list[str]:
    """The body of lib/resources.py's adopted_settings(stack): provider settings and guardrail suppressions
    (TapStack.suppress). A construct id that holds the suffix the synth ran with (`suffix`, the probe's) is
    written as an f-string of stack.environment_suffix, so the code finds the construct under any suffix."""
    lines = []
    for key, value in overrides.items():
        lines.append(f"    stack.provider.add_override({key!r}, {value!r})")
    for path, rule in suppressions:
        parts = path.split("/")[1:]  # construct paths start with the stack's id
        target = "stack" + "".join(f".node.find_child({construct_id(part, suffix)})" for part in parts)
        lines.append(f"    stack.suppress({target}, {rule!r},")
        lines.append('                   reason="deployed like this before adoption (python3 run.py adopt); '
                     'fix it or keep it on purpose")')
    return lines


def construct_id(part: str, suffix: str) -> str:
    """Python source for a construct id read off a synth under `suffix`: the suffix becomes the stack's."""
    if not suffix or suffix not in part:
        return repr(part)
    pieces = [piece.replace("{", "{{").replace("}", "}}") for piece in part.split(suffix)]
    return "f" + repr("{stack.environment_suffix}".join(pieces))


# ---------------------------------------------------------------- the repo's own nondeterminism
UNSTABLE = "<differs between two synths of the untouched repo>"


def unstable_paths(first: object, second: object, path: tuple = ()) -> list[tuple]:
    """Where two synths of the same code in the same environment differ: JSON paths (keys and list indexes) of
    the leaves that differ, or of the mapping whose keys differ (a construct id with a random part)."""
    if isinstance(first, dict) and isinstance(second, dict):
        if set(first) != set(second):
            return [path]
        return [found for key in first for found in unstable_paths(first[key], second[key], (*path, key))]
    if isinstance(first, list) and isinstance(second, list) and len(first) == len(second):
        return [found for index, (a, b) in enumerate(zip(first, second))
                for found in unstable_paths(a, b, (*path, index))]
    return [] if first == second else [path]


def masked(doc: object, paths: list[tuple]) -> object:
    """A copy of doc with the value at each path (where it exists) replaced by UNSTABLE."""
    def walk(value: object, here: tuple) -> object:
        if here in wanted:
            return UNSTABLE
        if isinstance(value, dict):
            return {k: walk(v, (*here, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, (*here, i)) for i, v in enumerate(value)]
        return value
    wanted = set(paths)
    return walk(doc, ())


def describe_path(path: tuple) -> str:
    """A JSON path as the report shows it: stack: a.b[0].c."""
    stack, *rest = path or ("?",)
    shown = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in rest).lstrip(".")
    return f"{stack}: {shown or '(the whole stack)'}"
