"""The one way the template synthesizes a project: which interpreter, which environment, which output.

Every caller (the hook's verify, `run.py check`, adopt's before/after proof, the
framework move, the tests, bench) synthesizes through synthesize(): `python -m
tapkit.synth_runner` in the project directory, with an interpreter that has the
project's framework (find_python(), else the shared toolchain: tapkit.toolchain),
under one of three environments:

  "unset"   the pipeline's variables unset: what a local `python tap.py` gives (the answers' defaults)
  "probe"   the per-deploy variables set as a pipeline deploy sets them (conventions.json probe values),
            the region and state bucket left to the project's own defaults
  a mapping those variables exactly as given

Standard library only: it runs under copier's Python.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tapkit import conventions, framework as frameworks, module_env

SYNTH_TIMEOUT = 900
PROBE: dict[str, str] = {conventions.STACK_VARIABLES["environment_suffix"]: conventions.PROBE_SUFFIX,
                         **conventions.TAG_PROBES}


class SynthError(Exception):
    """The project could not be synthesized; .output holds what the program printed."""

    def __init__(self, summary: str, output: str = ""):
        super().__init__(summary)
        self.output = output


@dataclass
class Synth:
    """What one synth wrote: {stack name: cdk.tf.json}, what it printed, how long it took."""
    stacks: dict[str, dict]
    output: str = ""
    seconds: float = 0.0
    python: str = ""
    env: dict[str, str] = field(default_factory=dict)

    @property
    def resources(self) -> int:
        """How many resources all stacks declare."""
        return sum(len(of_type) for doc in self.stacks.values() for of_type in (doc.get("resource") or {}).values())


def can_import(python: str, framework: str) -> bool:
    """Whether `python` has the framework and its AWS provider."""
    try:
        return subprocess.run([python, "-c", frameworks.import_probe(framework)], capture_output=True,
                              check=False, timeout=300).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def candidates(project: Path) -> list[str]:
    """Interpreters that may have the framework, best first: $TAP_HOOK_PYTHON alone if set; else the one running
    this, the project's .venv, $VIRTUAL_ENV, the template checkout's .venv, pipenv's."""
    if os.environ.get("TAP_HOOK_PYTHON"):
        return [os.environ["TAP_HOOK_PYTHON"]]
    from tapkit import ROOT  # pylint: disable=import-outside-toplevel

    found = [sys.executable]
    for venv in (project / ".venv", Path(os.environ.get("VIRTUAL_ENV", "/nonexistent")), ROOT / ".venv"):
        for python in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
            if python.is_file():
                found.append(str(python))
    if shutil.which("pipenv") and (project / "Pipfile").is_file():
        done = subprocess.run(["pipenv", "--py"], cwd=project, capture_output=True, text=True, check=False)
        if done.returncode == 0 and done.stdout.strip():
            found.append(done.stdout.strip())
    return list(dict.fromkeys(found))


def find_python(project: Path, framework: str | None = None) -> tuple[str | None, list[str]]:
    """(the first candidate with the project's framework or None, every candidate tried)."""
    framework = framework or frameworks.of_project(project)
    tried = candidates(project)
    return next((python for python in tried if can_import(python, framework)), None), tried


def python_for(project: Path, framework: str | None = None) -> str:
    """An interpreter that can synthesize the project: found, else the shared toolchain for its pins (built once
    per machine). Raises SynthError saying what was tried and what to do."""
    from tapkit import toolchain  # pylint: disable=import-outside-toplevel

    framework = framework or frameworks.of_project(project)
    python, tried = find_python(project, framework)
    if python:
        return python
    problem = None
    if not os.environ.get("TAP_HOOK_PYTHON"):  # the user's own choice is never overridden
        try:
            return toolchain.provide(project, framework)
        except toolchain.ToolchainError as error:
            problem = str(error)
    names = conventions.FRAMEWORKS[framework]
    raise SynthError(
        f"no interpreter can import {names['module']} and {names['provider_module']}, so the project cannot be "
        f"synthesized. Tried: {', '.join(tried)}.\n"
        + (f"The shared toolchain {problem}" if problem else
           "Install them where copier runs (the template README's command does), or point TAP_HOOK_PYTHON at an "
           "interpreter that has them."))


def environment(project: Path, mode: str | Mapping[str, str] = "unset", outdir: Path | None = None,
                base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a synth: `base` (default os.environ) without the pipeline's variables, then `mode`'s
    values, cdktf.json's context as the cdktf CLI hands it to the app, and CDKTF_OUTDIR."""
    env = {k: v for k, v in (os.environ if base is None else base).items()
           if k not in conventions.PIPELINE_VARIABLES}
    if mode == "probe":
        env.update(PROBE)
    elif isinstance(mode, Mapping):
        env.update(mode)
    elif mode != "unset":
        raise ValueError(f"synth environment {mode!r}: use 'unset', 'probe' or a mapping")
    context = cdktf_context(project)
    if context:  # feature flags such as excludeStackIdFromLogicalIds
        env["CDKTF_CONTEXT_JSON"] = json.dumps(context)
    if outdir is not None:
        env["CDKTF_OUTDIR"] = str(outdir)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return module_env(env)


def cdktf_context(project: Path) -> dict:
    """cdktf.json's context; {} when there is none."""
    try:
        context = json.loads((project / "cdktf.json").read_text(encoding="utf-8")).get("context")
    except (OSError, ValueError, AttributeError):
        return {}
    return context if isinstance(context, dict) else {}


def replace_root(value, root: str, inside: str, itself: str):
    """`value` with the project's absolute path `root`, in every string (and key) at any depth, rewritten: a path
    under it starts with `inside` instead, the root alone reads `itself`."""
    if isinstance(value, dict):
        return {replace_root(k, root, inside, itself): replace_root(v, root, inside, itself) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_root(v, root, inside, itself) for v in value]
    if isinstance(value, str) and root in value:
        return value.replace(root + os.sep, inside).replace(root, itself)
    return value


def relative_to_project(value, root: str):
    """`value` with every string that starts with the project's absolute path made relative to it: a synth's
    JSON must not depend on where the project sits (local state paths, asset files such as a Lambda zip)."""
    return replace_root(value, root, "", ".")


def _last_line(done: subprocess.CompletedProcess) -> str:
    """A failed run's summary: the last line it printed (a traceback's exception), else its exit status."""
    lines = [line for line in (done.stderr or done.stdout or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines else f"exit status {done.returncode}"


def _stacks(out: Path, root: str, relative: bool = True) -> dict[str, dict]:
    """{stack name: cdk.tf.json} a synth wrote under `out`, paths under the project relative unless told not."""
    stacks = {path.parent.name: json.loads(path.read_text(encoding="utf-8"))
              for path in sorted(out.glob("stacks/*/cdk.tf.json"))}
    return relative_to_project(stacks, root) if relative else stacks


def synthesize(project: Path, python: str | None = None, mode: str | Mapping[str, str] = "unset", *,
               guardrails: bool = False, lazy: bool = True, flags: tuple[str, ...] = (),
               outdir: Path | None = None, timeout: int = SYNTH_TIMEOUT) -> Synth:
    """Run the project's tap.py as `cdktf synth` would and read what it wrote.

    guardrails: apply the template's guardrails to every stack first (an error fails the synth);
    lazy: install the lazy provider import and bundled Node first (default: a plain `python tap.py` imports the
    provider's ~2,200 modules, about 10 s more per synth, and needs a Node on PATH; the output is byte-identical,
    tests/test_toolchain.py); False runs tap.py exactly as the pipeline's `cdktf synth` does;
    flags: further synth_runner options (--drop-refused-keywords); outdir: keep the output there.
    Raises SynthError with the program's output.
    """
    # pylint: disable=too-many-locals  # one run, start to finish: command, environment, output, result
    project = Path(project).resolve()
    python = python or python_for(project)
    keep = outdir is not None
    out = Path(outdir) if keep else Path(tempfile.mkdtemp(prefix="tap-synth-"))
    env = environment(project, mode, out)
    cmd = [python, "-m", "tapkit.synth_runner", *(["--guardrails"] if guardrails else []),
           *(["--lazy"] if lazy else []), *flags]
    started = time.perf_counter()
    try:
        try:
            done = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired as error:
            raise SynthError(f"python tap.py did not finish in {timeout}s") from error
        output = (done.stdout or "") + (done.stderr or "")
        if done.returncode != 0:
            raise SynthError(_last_line(done), output)
        stacks = _stacks(out, str(project))
    finally:
        if not keep:
            shutil.rmtree(out, ignore_errors=True)
    if not stacks:
        raise SynthError("python tap.py wrote no stack", output)
    return Synth(stacks, output, time.perf_counter() - started, python,
                 {k: v for k, v in env.items() if k in conventions.PIPELINE_VARIABLES})


def synthesize_each(project: Path, modes: list[str | Mapping[str, str]], python: str | None = None, *,
                    lazy: bool = True, flags: tuple[str, ...] = (), relative: bool = True) -> list[Synth | SynthError]:
    """synthesize(project, python, mode) for each mode, in ONE process (synth_runner --jobs): the jsii kernel and
    the framework load once, not once per mode. Each result is a Synth or the SynthError that mode raised; the
    output (what the program printed) is the whole run's. relative=False: the JSON as written (absolute paths)."""
    # pylint: disable=too-many-locals  # one run of many jobs: command, environment, jobs, results
    project = Path(project).resolve()
    python = python or python_for(project)
    with tempfile.TemporaryDirectory(prefix="tap-synth-jobs-") as tmp:
        jobs, outs = [], []
        for index, mode in enumerate(modes):
            out = Path(tmp) / f"out{index}"
            env = environment(project, mode, out, base={})
            jobs.append({"env": {k: v for k, v in env.items() if k in conventions.PIPELINE_VARIABLES},
                         "unset": list(conventions.PIPELINE_VARIABLES), "outdir": str(out)})
            outs.append(out)
        listed = Path(tmp) / "jobs.json"
        listed.write_text(json.dumps(jobs), encoding="utf-8")
        env = environment(project, "unset", outs[0] if outs else None)
        cmd = [python, "-m", "tapkit.synth_runner", *(["--lazy"] if lazy else []), *flags, "--jobs", str(listed)]
        started = time.perf_counter()
        try:
            done = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True,
                                  timeout=SYNTH_TIMEOUT * max(1, len(modes)), check=False)
        except subprocess.TimeoutExpired as error:
            raise SynthError(f"python tap.py did not finish in {SYNTH_TIMEOUT * len(modes)}s") from error
        output = (done.stdout or "") + (done.stderr or "")
        seconds = (time.perf_counter() - started) / max(1, len(modes))
        try:
            errors = json.loads(Path(f"{listed}.done").read_text(encoding="utf-8"))
        except (OSError, ValueError):  # the runner itself failed: every mode failed the same way
            return [SynthError(_last_line(done), output) for _ in modes]
        results: list[Synth | SynthError] = []
        for job, out, error in zip(jobs, outs, errors):
            stacks = _stacks(out, str(project), relative)
            if error is None and not stacks:
                error = "python tap.py wrote no stack"
            results.append(SynthError(error, output) if error else Synth(stacks, output, seconds, python,
                                                                          job["env"]))
        return results
