"""Which CDK framework a project is built on: cdktf, or CDK Terrain (cdktn), its community fork.

A generated task records the answer in tests/unit/expected.json ("framework") and in its copier answers;
the module and package names of each framework are data in conventions.json ("frameworks"). The template's
checks (guardrails, doctor, verify) ask here instead of naming `cdktf` themselves. Standard library only.
A project that records none (a hand-made repo the doctor reads) is cdktf's: the framework every repo made
before the question existed is built on.
"""
from __future__ import annotations

import functools
import importlib
import json
import re
from pathlib import Path
from types import ModuleType

from tapkit import conventions

DEFAULT = "cdktf"
EXPECTED_FILE = "tests/unit/expected.json"


def of_project(project: Path) -> str:
    """The framework `project` is built on (its expected.json, else its answers file, else cdktf)."""
    project = Path(project)
    chosen = None
    try:
        chosen = json.loads((project / EXPECTED_FILE).read_text(encoding="utf-8")).get("framework")
    except (OSError, ValueError, AttributeError):
        try:
            text = conventions.answers_file(project).read_text(encoding="utf-8")
            found = re.search(r"^framework:\s*['\"]?([\w-]+)", text, re.MULTILINE)
            chosen = found.group(1) if found else None
        except OSError:
            pass
    if chosen is None:
        return DEFAULT
    if chosen not in conventions.FRAMEWORKS:
        raise ValueError(f"{project} names framework {chosen!r}; use one of {sorted(conventions.FRAMEWORKS)} "
                         "(answer framework, then `copier update`)")
    return chosen


@functools.cache
def name(project: Path | None = None) -> str:
    """The framework of `project` (default: the working directory, where the checks run)."""
    return of_project(Path.cwd() if project is None else project)


def names(framework: str | None = None) -> dict[str, str]:
    """module, provider_module, package, provider_package, versions: of `framework` (default: this project's)."""
    return conventions.FRAMEWORKS[framework or name()]


def core() -> ModuleType:
    """The framework's Python module (cdktf or cdktn): App, TerraformStack, Aspects, Testing, ..."""
    return importlib.import_module(names()["module"])


def modules() -> tuple[str, ...]:
    """Every framework's core module name (cdktf, cdktn), whichever this project uses."""
    return tuple(f["module"] for f in conventions.FRAMEWORKS.values())


def provider_modules() -> tuple[str, ...]:
    """Every framework's prebuilt AWS provider module name."""
    return tuple(f["provider_module"] for f in conventions.FRAMEWORKS.values())


def import_probe(framework: str) -> str:
    """Python code that exits 0 when the framework's module and its AWS provider module can be imported (run
    with a candidate interpreter: the synth's and the toolchain's choice of Python)."""
    chosen = conventions.FRAMEWORKS[framework]
    return ("import importlib.util as u, sys; "
            f"sys.exit(not (u.find_spec({chosen['module']!r}) and u.find_spec({chosen['provider_module']!r})))")
