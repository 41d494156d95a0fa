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

import copy
import hashlib
import re
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from tapkit import conventions, pins, synth

# Unset for every synth adopt runs, so nothing from the caller's shell leaks in.
PIPELINE_VARIABLES = conventions.PIPELINE_VARIABLES
SUFFIX_VARIABLE = conventions.STACK_VARIABLES["environment_suffix"]
# The per-deploy values the pipeline always sets (tapkit.synth's probe). Region and state bucket stay unset.
PROBE = synth.PROBE
# A second suffix, for the proof where the variables-unset synth cannot stand in for one (it fails before adoption).
SECOND_SUFFIX = "qa1"
# The project's root in a synth's JSON: paths under it (cdktf's default local state file, a Lambda zip built at
# synth) compare equal wherever the project sits, and stay apart from paths Terraform resolves in cdktf.out/.
ROOT_MARKER = "<project root>"
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


def synthesize(project: Path, *flags: str, mode: str | Mapping[str, str] = "probe",
               python: str | None = None) -> dict[str, dict]:
    """{stack name: cdk.tf.json} from `python tap.py` (tapkit.synth, with the lazy provider import a hand-made
    repo lacks) under `mode`: the probe environment by default; raises SynthFailed. The project's absolute path
    reads ROOT_MARKER in the result, so a synth in a scratch copy compares equal to one in the repo, and a path
    under the project root never equals a relative one (which Terraform resolves under cdktf.out/stacks/<stack>/)."""
    (done,) = synth.synthesize_each(project, [mode], python or sys.executable, flags=flags, relative=False)
    if isinstance(done, synth.SynthError):
        raise SynthFailed(str(done), done.output)
    return with_root_marker(done.stacks, str(Path(project).resolve()))


def with_root_marker(value: object, root: str) -> object:
    """value with the project's absolute path, in any string at any depth, written ROOT_MARKER."""
    return synth.replace_root(value, root, ROOT_MARKER + "/", ROOT_MARKER)


def state_file(repo: Path, path: str) -> Path:
    """Where Terraform keeps a local backend's state: a path under ROOT_MARKER is under the repo; a relative one is
    resolved in cdktf.out/stacks/<stack>/ (the stack read off the template's terraform.<stack>.tfstate)."""
    if path.startswith(ROOT_MARKER):
        return repo / path[len(ROOT_MARKER):].lstrip("/")
    stack = re.fullmatch(r"terraform\.(.+)\.tfstate", Path(path).name)
    return repo / "cdktf.out" / "stacks" / (stack.group(1) if stack else "<stack>") / path


def environment(mode: str) -> str | dict[str, str]:
    """The synth environment of one of adopt's modes: "probe", "unset", or "suffix" (the probe values with
    SECOND_SUFFIX)."""
    return {**PROBE, SUFFIX_VARIABLE: SECOND_SUFFIX} if mode == "suffix" else mode


def mentions_probe(value: object) -> str | None:
    """The first probe value a string holds (the suffix pr4719, the PR number, the probe author...), else None:
    a value read off the probe synth that holds one came from the pipeline's variables, not from the code."""
    if not isinstance(value, str):
        return None
    return next((probe for probe in sorted(set(PROBE.values()), key=len, reverse=True) if probe in value), None)


def synthesize_modes(project: Path, modes: tuple[str, ...], flags: tuple[str, ...] = (), fresh: bool = False
                     ) -> dict[str, tuple[dict[str, dict] | None, SynthFailed | None]]:
    """{mode: (its synth, None) or (None, the SynthFailed with what the program printed)}: the modes not cached
    synthesized in one warm runner (synth.synthesize_each: the jsii kernel starts once); a synth of the same files
    in the same environment is reused. `fresh`: a synth in a process of its own (a second synth of the untouched
    repo, to see its own nondeterminism, what differs between processes too), kept apart from the others: one
    cached is still another process's than theirs."""
    digest, kind = tree_digest(project), (*flags, "fresh") if fresh else tuple(flags)
    found = {mode: (copy.deepcopy(_SYNTHS[(digest, mode, kind)]), None) for mode in modes
             if (digest, mode, kind) in _SYNTHS}
    wanted = [mode for mode in modes if mode not in found]
    if wanted:
        root = str(Path(project).resolve())
        for mode, done in zip(wanted, synth.synthesize_each(project, [environment(m) for m in wanted],
                                                            sys.executable, flags=flags, relative=False,
                                                            fresh=fresh)):
            if isinstance(done, synth.SynthError):
                found[mode] = (None, SynthFailed(str(done), done.output))
                continue
            docs = with_root_marker(done.stacks, root)
            _remember((digest, mode, kind), docs)
            found[mode] = (docs, None)
    return {mode: found[mode] for mode in modes}


# Synths of identical inputs (the same files, environment and flags) are the same: an adoption refused and run
# again with --accept synthesizes the untouched repo and the converted one from the same files. Fresh ones are
# keyed apart (flags + "fresh").
_SYNTHS: dict[tuple[str, str, tuple[str, ...]], dict[str, dict]] = {}
_SYNTHS_KEPT = 64
SKIPPED_PARTS = {".git", "cdktf.out", "__pycache__", ".venv", "node_modules", ".pytest_cache"}


def task_entries(project: Path) -> list[Path] | None:
    """At the root of a checkout of the task monorepo, the task's own top-level paths (what the archive step keeps:
    tap.py, cdktf.json, metadata.json, lib/, tests/, ...): the rest is the monorepo's (archive/ holds thousands of
    tasks) and no synth reads it. None elsewhere: the whole directory is the project."""
    if pins.find_monorepo(project) != Path(project).resolve():
        return None
    keeps = set(conventions.DATA["metadata"]["archive_keeps"])
    return sorted(path for path in Path(project).iterdir() if path.name in keeps)


def copy_project(project: Path, dest: Path) -> None:
    """A copy of the project to synthesize apart (at a monorepo checkout's root: the task's own paths only)."""
    skipped = shutil.ignore_patterns(".git", "cdktf.out", "__pycache__", ".venv")
    entries = task_entries(project)
    if entries is None:
        shutil.copytree(project, dest, ignore=skipped)
        return
    dest.mkdir(parents=True)
    for entry in entries:
        if entry.is_dir():
            shutil.copytree(entry, dest / entry.name, ignore=skipped)
        else:
            shutil.copy2(entry, dest / entry.name)


def tree_digest(project: Path) -> str:
    """A digest of the project's files (paths and contents) outside git, output and caches."""
    digest = hashlib.sha256()
    entries = task_entries(project)
    paths = project.rglob("*") if entries is None else (p for e in entries for p in [e, *e.rglob("*")])
    for path in sorted(paths):
        rel = path.relative_to(project)
        if path.is_file() and not SKIPPED_PARTS & set(rel.parts):
            digest.update(rel.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _remember(key: tuple[str, str, tuple[str, ...]], docs: dict[str, dict]) -> None:
    if len(_SYNTHS) >= _SYNTHS_KEPT:
        _SYNTHS.pop(next(iter(_SYNTHS)))
    _SYNTHS.setdefault(key, copy.deepcopy(docs))


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

    def __init__(self, docs: dict[str, dict], admits: Callable[[str], bool] | None = None):
        """admits(constraint): whether the template takes it as aws_provider_constraint (it admits the version the
        prebuilt bindings were generated for); None: the constraint is not read."""
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
        self.read_constraint(admits)

    def read_constraint(self, admits: Callable[[str], bool] | None) -> None:
        """aws_provider_constraint as Terraform got it: required_providers.aws.version (the prebuilt provider
        pins its exact version there unless the repo overrode it), when the template can take it."""
        aws = ((self.doc.get("terraform") or {}).get("required_providers") or {}).get("aws")
        version = aws.get("version") if isinstance(aws, dict) else None
        if admits is None or not isinstance(version, str) or not version.strip():
            return
        if admits(version):
            self.infer("aws_provider_constraint", version,
                       "terraform.required_providers.aws.version (what Terraform resolved the provider with)")
        else:
            self.notes.append(f"the repo deployed with the AWS provider constraint {version!r}, which excludes the "
                              "version the template's prebuilt bindings were generated for: adopt refuses unless "
                              "you --accept provider-version")

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
            probe = mentions_probe(value)
            if probe:  # "tap-pr4719": the value follows a pipeline variable; a fixed tag would freeze the probe's
                del extra[key]
                self.notes.append(f"tag {key}={value!r} holds the probe value {probe!r}, so it follows a pipeline "
                                  "variable the template's tags do not: not kept as a fixed tag (adopt refuses "
                                  "unless you --accept default-tags)")
        for key, value in list(extra.items()):
            if TIMESTAMP.search(value):  # datetime.now() at synth: freezing it as a fixed tag would hide that
                del extra[key]
                self.notes.append(f"tag {key}={value!r} looks like a time computed at synth (a new value every "
                                  "deploy); it is not kept: adopt refuses unless you --accept default-tags")
        self.infer("extra_tags", extra, "default tags with fixed values")

    def follows_probe(self, question: str, value: str, key: str) -> bool:
        """Whether a backend value holds a probe value (a bucket named after the suffix): the template's answer is
        one fixed value for every environment, so adopt does not take it (noted; the proof then refuses)."""
        probe = mentions_probe(value)
        if probe:
            self.notes.append(f"{question}: terraform.backend.s3.{key} {value!r} holds the probe value {probe!r}: it "
                              "follows a pipeline variable, and the template's is one value for every environment; "
                              "not taken (adopt refuses unless you --accept backend / state-key)")
        return bool(probe)

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
        for question, key in (("state_bucket", "bucket"), ("state_bucket_region", "region"),
                              ("dynamodb_table", "dynamodb_table")):
            if isinstance(s3.get(key), str) and not self.follows_probe(question, s3[key], key):
                self.infer(question, s3[key], f"terraform.backend.s3.{key}")
        key = s3.get("key")
        if isinstance(key, str):
            pattern = key.replace(self.stack, "{stack_id}").replace(PROBE[SUFFIX_VARIABLE],
                                                                     "{environment_suffix}")
            if "{environment_suffix}" in pattern and not self.follows_probe("state_key_pattern", pattern, "key"):
                self.infer("state_key_pattern", pattern, f"terraform.backend.s3.key {key!r}")
        if isinstance(s3.get("dynamodb_table"), str):
            self.infer("s3_locking", "dynamodb", "terraform.backend.s3.dynamodb_table")
        elif s3.get("use_lockfile") is True:
            self.infer("s3_locking", "lockfile", "terraform.backend.s3.use_lockfile")
        else:
            self.infer("s3_locking", "none", "terraform.backend.s3 without locking")


def settings_code(overrides: dict[str, object], suppressions: list[tuple[str, str]],
                  suffix: str = conventions.PROBE_SUFFIX) -> list[str]:
    """The body of lib/resources.py's adopted_settings(stack): provider settings and guardrail suppressions
    (TapStack.suppress). Nothing in it holds a value of the synth it was read from: a construct id or setting that
    holds the suffix the synth ran with (`suffix`, the probe's) is written as an f-string of
    stack.environment_suffix (the stack's name as stack.node.id), so the code does the same under any suffix."""
    lines = []
    for key, value in overrides.items():
        lines.append(f"    stack.provider.add_override({key!r}, {python_value(value, suffix)})")
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


def python_value(value: object, suffix: str) -> str:
    """Python source for a JSON value read off a synth under `suffix`: in every string, the stack's name becomes
    stack.node.id and the suffix stack.environment_suffix (f-strings), so the value follows the stack's."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {python_value(v, suffix)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(python_value(v, suffix) for v in value) + "]"
    if not isinstance(value, str) or not suffix or suffix not in value:
        return repr(value)
    stack = f"TapStack{suffix}"
    parts = [[piece.replace("{", "{{").replace("}", "}}") for piece in chunk.split(suffix)]
             for chunk in value.split(stack)]
    return "f" + repr("{stack.node.id}".join("{stack.environment_suffix}".join(pieces) for pieces in parts))


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
    """A copy of doc with the value at each path replaced by UNSTABLE, added where the path's mapping exists but
    lacks the key: a value the untouched repo changes at every synth (a CreatedAt tag) counts for nothing, whether
    the adopted repo has another value or none."""
    def walk(value: object, here: tuple) -> object:
        if here in wanted:
            return UNSTABLE
        if isinstance(value, dict):
            return {k: walk(v, (*here, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, (*here, i)) for i, v in enumerate(value)]
        return value
    wanted = set(paths)
    out = walk(doc, ())
    for path in wanted:
        parent = _at(out, path[:-1])
        if path and isinstance(parent, dict) and path[-1] not in parent:
            parent[path[-1]] = UNSTABLE
    return out


def _at(doc: object, path: tuple) -> object:
    """The value at `path` (keys and list indexes) in doc, None where the path does not exist."""
    for part in path:
        doc = doc.get(part) if isinstance(doc, dict) else (
            doc[part] if isinstance(doc, list) and isinstance(part, int) and part < len(doc) else None)
    return doc


def stabilizing(path: tuple, first: object, second: object) -> str:
    """What would make one unstable value the same at every synth, for the report."""
    values = [_at(first, path), _at(second, path)]
    if isinstance(values[0], dict):
        return ("construct ids that change at every synth (uuid4() or a time in an id): use fixed ids, or every "
                "deploy replaces these resources")
    if any(isinstance(v, str) and TIMESTAMP.search(v) for v in values) or any(
            isinstance(v, str) and re.search(r"\b1[0-9]{9}\b", v) for v in values):
        return ("a time computed at synth (datetime.now(), time.time()): use a fixed value; the template's guardrail "
                "TAP322 and the doctor's TAP207 refuse it")
    if path and path[-1] in ("source_code_hash", "etag", "filename", "source_hash"):
        return ("an asset built at synth that differs every time (a zip with its build time, a temporary "
                "directory): build it reproducibly, or use a TerraformAsset")
    return ("a value that changes at every synth (random, uuid4(), a time): use a fixed value, or a resource "
            "that keeps it in the state (random_password, random_id); the doctor's TAP207 finds the call")


def describe_path(path: tuple) -> str:
    """A JSON path as the report shows it: stack: a.b[0].c."""
    stack, *rest = path or ("?",)
    shown = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in rest).lstrip(".")
    return f"{stack}: {shown or '(the whole stack)'}"
