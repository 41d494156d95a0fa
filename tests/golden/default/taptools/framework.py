"""Which CDK framework this project is built on: cdktf, or CDK Terrain (cdktn), its community fork.

copier renders the answer into framework.json beside this module; the module and package names of each
framework are data in conventions.json ("frameworks"). Template-owned Python that is the same file in every
project (guardrails, doctor, verify) asks here instead of naming `cdktf` itself. Standard library only.
Where no framework.json is (the template's own checkout, a hand-made repo the doctor reads), it is cdktf:
the framework every repo made before the question existed is built on.
"""
# Template-owned: rendered by the TAP cdktf copier template. Change it through the
# template and `copier update`; local edits are merged on update and may conflict.
from __future__ import annotations

import functools
import importlib
import json
from pathlib import Path
from types import ModuleType

from taptools import conventions

DATA_FILE = Path(__file__).with_name("framework.json")
DEFAULT = "cdktf"


@functools.cache
def name(path: Path = DATA_FILE) -> str:
    """The framework's name (a key of conventions.json "frameworks")."""
    try:
        chosen = json.loads(path.read_text(encoding="utf-8"))["framework"]
    except FileNotFoundError:
        return DEFAULT
    if chosen not in conventions.FRAMEWORKS:
        raise ValueError(f"{path} names framework {chosen!r}; use one of {sorted(conventions.FRAMEWORKS)} "
                         "(answer framework, then `copier update`)")
    return chosen


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
