"""Session-wide renders: each answer set is copied (hook included) once and shared, across xdist workers too."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from plumbum import local

from helpers import ROOT, SCENARIOS
from tapkit.fleet import releases

# A render (copy + the hook's synth) takes 8-15 s; a worker waiting for another's is idle that long at most.
RENDER_WAIT_SECONDS = 900


def pytest_xdist_auto_num_workers(config):  # pylint: disable=unused-argument  # pytest-xdist's hook signature
    """`-n auto` (pytest.ini): one worker more than the cores this process may use. A test spends part of its time
    waiting for its subprocesses to start and for files (copier, git, jsii's Node); on the 2-core machine the suite
    took 298 s with 2 workers, 258 s with 3 and 345 s with 4 (`python3 run.py test -n N`)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return cores + 1


def pytest_configure(config):
    """A tag-less clone (CI's) gets its release tags back from CHANGELOG.md, once, before the workers start."""
    if not hasattr(config, "workerinput"):
        releases.ensure_tags(ROOT)


# The renders whose hook runs whole (contract, doctor, synth, JSON checks): one per framework. The others'
# hooks run the static checks only: test_matrix synthesizes every scenario and checks the JSON against the
# answers, and the generated tests check it against taptools/expected.json, which is what the hook's JSON step
# reads; a second synth per scenario would only cost time.
FULL_HOOK = {"default", "cdktn-lockfile"}


def _render(copie_session, name: str) -> Path:
    # copier hands its tasks plumbum's `local.env`, a copy of os.environ taken when plumbum was imported: a variable
    # set in os.environ now would not reach the hook, one set in local.env does.
    skip = {} if name in FULL_HOOK else {"TAP_HOOK_SKIP_SYNTH": "1"}
    with local.env(**skip):
        result = copie_session.copy(extra_answers=SCENARIOS[name])
    assert result.exit_code == 0, f"copier copy of {name} failed: {result.exception!r}"
    return result.project_dir


def _shared_render(copie_session, shared: Path, name: str) -> Path:
    """The scenario rendered once for all workers: the first to ask renders it, the others wait for it.

    Tests treat renders as read-only (they copy before editing), so workers can share one. The render is
    copied into the run's shared folder because pytest-copie deletes its own when its worker's session ends.
    """
    shared.mkdir(exist_ok=True)
    project, failed = shared / name, shared / f"{name}.failed"
    try:
        (shared / f"{name}.lock").mkdir()  # atomic: exactly one worker renders
    except FileExistsError:
        deadline = time.monotonic() + RENDER_WAIT_SECONDS
        while not (shared / f"{name}.done").exists():
            if failed.exists():
                pytest.fail(f"copier copy of {name} failed in another worker: {failed.read_text(encoding='utf-8')}")
            if time.monotonic() > deadline:
                pytest.fail(f"copier copy of {name} did not finish in another worker within {RENDER_WAIT_SECONDS} s")
            time.sleep(0.2)
        return project
    try:
        shutil.copytree(_render(copie_session, name), project, symlinks=True)
    except BaseException as error:
        failed.write_text(repr(error), encoding="utf-8")
        raise
    (shared / f"{name}.done").touch()
    return project


@pytest.fixture(scope="session")
def rendered(copie_session, tmp_path_factory):
    """rendered(name) -> project directory of that scenario, copied once per run."""
    cache: dict[str, Path] = {}
    # Under xdist every worker's base temp sits in one folder for the run: share renders there.
    shared = tmp_path_factory.getbasetemp().parent / "rendered" if os.environ.get("PYTEST_XDIST_WORKER") else None

    def get(name: str) -> Path:
        if name not in cache:
            cache[name] = _shared_render(copie_session, shared, name) if shared else _render(copie_session, name)
        return cache[name]

    return get
