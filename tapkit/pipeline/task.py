"""The task the preflight judges: its folder, the monorepo checkout it sits in (if any), its metadata.json,
and the interpreters that can run its tools."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from tapkit import ROOT, conventions, framework as frameworks, pins, synth

MODULE_TIMEOUT = 120


def tool_env(**extra: str) -> dict[str, str]:
    """The environment the task's own tools (pylint, pytest) run in: the user's, without the template checkout
    on PYTHONPATH (CI's has no tapkit) and without a surrounding pytest's variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_CORE_"))}
    paths = [p for p in env.pop("PYTHONPATH", "").split(os.pathsep) if p and Path(p).resolve() != ROOT]
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


@dataclass
class Task:
    """A task folder; `python` is the interpreter the user chose (--python), or None to find one."""
    root: Path
    python: str | None = None
    _modules: dict[tuple[str, tuple[str, ...]], bool] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()

    @cached_property
    def monorepo(self) -> Path | None:
        """The checkout of the task monorepo at or above the task, whose root files (.pylintrc, pytest.ini,
        pyproject.toml) CI uses; None outside one."""
        return pins.find_monorepo(self.root)

    def monorepo_file(self, name: str) -> Path | None:
        """A root file of the monorepo checkout the task sits in, when there is one and it has the file."""
        path = self.monorepo / name if self.monorepo else None
        return path if path is not None and path.is_file() else None

    @cached_property
    def metadata(self) -> tuple[dict[str, Any] | None, str]:
        """(metadata.json's object, '') or (None, why it cannot be read)."""
        path = self.root / "metadata.json"
        if not path.is_file():
            return None, "metadata.json is missing"
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            return None, f"metadata.json is not JSON ({error})"
        if not isinstance(value, dict):
            return None, "metadata.json is not a JSON object"
        return value, ""

    @cached_property
    def framework(self) -> str:
        """cdktf or cdktn, as the task's answers or imports say."""
        return frameworks.of_project(self.root)

    @cached_property
    def framework_python(self) -> str | None:
        """An interpreter that has the task's framework and AWS provider (synth.find_python), or None."""
        return synth.find_python(self.root, self.framework)[0]

    def has_modules(self, python: str, modules: tuple[str, ...]) -> bool:
        """Whether `python` can import every one of `modules`."""
        key = (python, modules)
        if key not in self._modules:
            code = ("import importlib.util as u, sys; "
                    f"sys.exit(not all(u.find_spec(m) for m in {list(modules)!r}))")
            try:
                done = subprocess.run([python, "-c", code], capture_output=True, check=False,
                                      timeout=MODULE_TIMEOUT)
                self._modules[key] = done.returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                self._modules[key] = False
        return self._modules[key]

    def python_with(self, *modules: str, framework: bool = False) -> tuple[str | None, list[str]]:
        """(an interpreter with `modules` (and the framework, if asked) or None, the interpreters tried).

        The user's --python alone when given; else the one with the task's framework (what synth uses),
        then the one running this."""
        wanted = modules + ((conventions.FRAMEWORKS[self.framework]["module"],) if framework else ())
        tried = [self.python] if self.python else list(dict.fromkeys(
            p for p in (self.framework_python, sys.executable) if p))
        return next((p for p in tried if self.has_modules(p, wanted)), None), tried
