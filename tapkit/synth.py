"""The one way the template synthesizes a project: which interpreter, which environment, which output.

Every caller (the hook's verify, `run.py check`, adopt's before/after proof, the
framework move, the tests, bench) synthesizes through synthesize() or
synthesize_each(): the project's tap.py run by a warm runner (`python -m
tapkit.synth_runner --serve`, one process kept for every synth of the same
project directory with the same interpreter, options and start environment:
Node's working directory is the project's; fresh=True for a process of its own),
with an interpreter that has the project's framework (find_python(), else the
shared toolchain: tapkit.toolchain), under one of three environments:

  "unset"   the pipeline's variables unset: what a local `python tap.py` gives (the answers' defaults)
  "probe"   the per-deploy variables set as a pipeline deploy sets them (conventions.json probe values),
            the region and state bucket left to the project's own defaults
  a mapping those variables exactly as given

Standard library only: it runs under copier's Python.
"""
from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tapkit import conventions, framework as frameworks, module_env
from tapkit.checks import lazy_provider

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


def _stacks(out: Path, root: str, relative: bool = True) -> dict[str, dict]:
    """{stack name: cdk.tf.json} a synth wrote under `out`, paths under the project relative unless told not."""
    stacks = {path.parent.name: json.loads(path.read_text(encoding="utf-8"))
              for path in sorted(out.glob("stacks/*/cdk.tf.json"))}
    return relative_to_project(stacks, root) if relative else stacks


# What the warm runner's process reads from its environment once, at start (the jsii kernel's Node, the lazy
# import's switch, cdktf's process.env, the interpreter's paths): runners started from other values are others.
# Everything else, the pipeline's variables included, is set per job.
_START_PREFIXES = ("JSII_", "NODE_", "CDKTF_", "PYTHON")
_START_NAMES = {"PATH", "HOME", "TMPDIR", "VIRTUAL_ENV", "SYNTH_HCL_OUTPUT", "TERRAFORM_BINARY_NAME", "TAP_SYSTEM_NODE"}
_PER_JOB = {"CDKTF_OUTDIR", "CDKTF_CONTEXT_JSON"}
RUNNER_JOBS = 40  # jobs per warm process before a new one (the kernel keeps every app's objects)
RUNNERS_KEPT = 3  # idle warm processes kept in all, the most recently used


def _start_key(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in env.items() if k not in _PER_JOB and k not in conventions.PIPELINE_VARIABLES
                        and (k in _START_NAMES or k.startswith(_START_PREFIXES))))


class _Runner:
    """One `python -m tapkit.synth_runner --serve` process: jsii, the framework and the provider loaded once, then a
    job per synth (each run as a process of its own would run it; tapkit/synth_runner.py)."""

    def __init__(self, python: str, options: tuple[str, ...], env: Mapping[str, str], framework: str, cwd: Path):
        self.folder = Path(tempfile.mkdtemp(prefix="tap-synth-runner-"))
        self.log = self.folder / "start.log"
        spawn = {k: v for k, v in env.items() if k not in _PER_JOB and k not in conventions.PIPELINE_VARIABLES}
        if "--lazy" not in options:  # eager on the Node side too, though this process installed the lazy import
            spawn = lazy_provider.without_lazy_node(spawn)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(  # pylint: disable=consider-using-with  # lives across calls; close()
                [python, "-m", "tapkit.synth_runner", *options, "--serve", str(self.log), "--framework", framework],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=spawn, cwd=cwd, text=True,
                encoding="utf-8")
        self.python = python
        self.answers: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.jobs = 0

    def _read(self) -> None:
        for line in self.process.stdout:
            self.answers.put(line)
        self.answers.put("")  # the process ended

    def started_output(self) -> str:
        """What the process printed outside its jobs (the kernel's start, an import error)."""
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.is_file() else ""

    def run(self, project: Path, env: Mapping[str, str], outdir: Path, drop_refused: bool,
            timeout: int) -> tuple[str | None, str]:
        """(None or why the synth failed, what it printed): tap.py run once in `project`, writing to `outdir`."""
        self.jobs += 1
        log = self.folder / f"job{self.jobs}.log"
        job = {"cwd": str(project), "environ": dict(env), "outdir": str(outdir), "context": cdktf_context(project),
               "log": str(log), "drop_refused": drop_refused}
        try:
            self.process.stdin.write(json.dumps(job) + "\n")
            self.process.stdin.flush()
            line = self.answers.get(timeout=timeout)
        except (OSError, ValueError):
            line = ""
        except queue.Empty:
            output = self._output(log)  # before close() removes the logs
            self.process.kill()  # it is inside tap.py: no use waiting for it to read the end of its jobs
            self.close()
            return f"python tap.py did not finish in {timeout}s", output
        if not line:  # the process died (an os._exit in tap.py, a crash, a failed start)
            self.process.wait()
            return f"the synth process ended (exit status {self.process.returncode})", self._output(log)
        return json.loads(line)["error"], self._output(log)

    def _output(self, log: Path) -> str:
        job = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
        return self.started_output() + job

    @property
    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.process.poll() is None

    def close(self) -> None:
        """Stop the process and remove its logs."""
        with contextlib.suppress(OSError, ValueError):
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_IDLE: dict[tuple, _Runner] = {}  # one idle runner per key, the least recently used first
_IDLE_LOCK = threading.Lock()


@contextlib.contextmanager
def _runner(python: str, options: tuple[str, ...], env: Mapping[str, str], project: Path, fresh: bool):
    """A warm runner for these start values and this project: the idle one, else a new one; kept for the next synth
    unless `fresh` (a process of its own, as a second synth of the untouched repo wants: its own nondeterminism
    shows). At most RUNNERS_KEPT stay idle (each holds a Node with the provider loaded: some 300 MB)."""
    framework = frameworks.of_project(project)
    # One per project directory too: the jsii kernel's Node keeps the directory it started in, and cdktf resolves a
    # local backend's default path and a relative TerraformAsset path against it (process.cwd()).
    key = (python, options, _start_key(env), framework, str(project))
    with _IDLE_LOCK:
        runner = None if fresh else _IDLE.pop(key, None)
    if runner is not None and not runner.alive:  # it ended while idle: its logs go, a new one starts
        runner.close()
        runner = None
    if runner is None:
        runner = _Runner(python, options, env, framework, project)
    stop = [runner]
    try:
        yield runner
    finally:
        if not fresh and runner.alive and runner.jobs < RUNNER_JOBS:
            stop = _keep(key, runner)
        for done in stop:
            done.close()


def _keep(key: tuple, runner: _Runner) -> list[_Runner]:
    """Make `runner` the idle one of its key, the most recently used; the runners that must stop for it."""
    with _IDLE_LOCK:
        stop = [_IDLE.pop(key)] if key in _IDLE else []  # another thread's, for the same project
        _IDLE[key] = runner
        while len(_IDLE) > RUNNERS_KEPT:
            stop.append(_IDLE.pop(next(iter(_IDLE))))
    return stop


@atexit.register
def close_runners() -> None:
    """Stop every idle warm runner (at exit; tests may call it)."""
    with _IDLE_LOCK:
        runners = list(_IDLE.values())
        _IDLE.clear()
    for runner in runners:
        runner.close()


def _options(lazy: bool, guardrails: bool) -> tuple[str, ...]:
    return (*(["--lazy"] if lazy else []), *(["--guardrails"] if guardrails else []))


def synthesize(project: Path, python: str | None = None, mode: str | Mapping[str, str] = "unset", *,
               guardrails: bool = False, lazy: bool = True, flags: tuple[str, ...] = (),
               outdir: Path | None = None, timeout: int = SYNTH_TIMEOUT, fresh: bool = False) -> Synth:
    """Run the project's tap.py as `cdktf synth` would and read what it wrote.

    guardrails: apply the template's guardrails to every stack first (an error fails the synth);
    lazy: install the lazy provider import and bundled Node first (default: a plain `python tap.py` imports the
    provider's ~2,200 modules, about 10 s more per synth, and needs a Node on PATH; the output is byte-identical,
    tests/test_toolchain.py); False runs tap.py exactly as the pipeline's `cdktf synth` does;
    flags: ("--drop-refused-keywords",) or none; outdir: keep the output there; fresh: in a process of its own,
    not a warm runner. Raises SynthError with the program's output.
    """
    (done,) = synthesize_each(project, [mode], python, guardrails=guardrails, lazy=lazy, flags=flags,
                              outdirs=[outdir], timeout=timeout, fresh=fresh)
    if isinstance(done, SynthError):
        raise done
    return done


def synthesize_each(project: Path, modes: list[str | Mapping[str, str]], python: str | None = None, *,
                    guardrails: bool = False, lazy: bool = True, flags: tuple[str, ...] = (), relative: bool = True,
                    outdirs: list[Path | None] | None = None, timeout: int = SYNTH_TIMEOUT,
                    fresh: bool = False) -> list[Synth | SynthError]:
    """synthesize(project, python, mode) for each mode, one after the other in one warm runner (the jsii kernel, the
    framework and the provider load once per runner, not per synth: ~3 s each; bench/speed.py). Each result is a
    Synth or the SynthError that mode raised, with what that run printed. relative=False: the JSON as written
    (absolute paths)."""
    project = Path(project).resolve()
    python = python or python_for(project)
    with tempfile.TemporaryDirectory(prefix="tap-synth-") as tmp:
        envs = [environment(project, mode, Path(out) if out else Path(tmp) / f"out{index}")
                for index, (mode, out) in enumerate(zip(modes, outdirs or [None] * len(modes)))]
        with _runner(python, _options(lazy, guardrails), envs[0] if envs else environment(project),
                     project, fresh) as runner:
            return [_synth_one(runner, project, env, drop_refused="--drop-refused-keywords" in flags,
                               relative=relative, timeout=timeout) for env in envs]


def _synth_one(runner: _Runner, project: Path, env: dict[str, str], *, drop_refused: bool, relative: bool,
               timeout: int) -> Synth | SynthError:
    """One synth in `runner` under `env` (its CDKTF_OUTDIR the output folder), read back."""
    out = Path(env["CDKTF_OUTDIR"])
    started = time.perf_counter()
    error, output = runner.run(project, env, out, drop_refused, timeout)
    stacks = {} if error else _stacks(out, str(project), relative)
    if error is None and not stacks:
        error = "python tap.py wrote no stack"
    if error:
        return SynthError(error, output)
    return Synth(stacks, output, time.perf_counter() - started, runner.python,
                 {k: v for k, v in env.items() if k in conventions.PIPELINE_VARIABLES})
