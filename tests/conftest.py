"""Session-wide renders: each answer set is copied (hook included) once and shared."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers import ROOT, SCENARIOS
from tapctl import releases


def pytest_configure(config):
    """A tag-less clone (CI's) gets its release tags back from CHANGELOG.md, once, before the workers start."""
    if not hasattr(config, "workerinput"):
        releases.ensure_tags(ROOT)


@pytest.fixture(scope="session")
def rendered(copie_session):
    """rendered(name) -> project directory of that scenario, copied once per session."""
    cache: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in cache:
            result = copie_session.copy(extra_answers=SCENARIOS[name])
            assert result.exit_code == 0, f"copier copy of {name} failed: {result.exception!r}"
            cache[name] = result.project_dir
        return cache[name]

    return get
