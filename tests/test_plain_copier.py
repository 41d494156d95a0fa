"""A new user's `copier copy --trust <git url>` with nothing but copier installed.

The hook then has no interpreter with cdktf: it uses (or builds) the shared
toolchain environment of tapkit/toolchain.py. Building one downloads
~140 MB from PyPI, too slow for the suite, so the success test seeds the cache
(TAP_TOOLCHAIN_CACHE, a temporary folder) with a complete environment whose
packages are this checkout's .venv; the failure tests let the real build run
against an unreachable index. The copier here sees only copier 9.19.1 and its
dependencies (symlinked from .venv): it cannot import cdktf.
"""
from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from helpers import ROOT, clean_env, copy_template
from tapkit import toolchain as toolchain_env
from tapkit.conventions import ANSWERS_FILE

UNREACHABLE = "http://127.0.0.1:9/"  # the discard port: nothing listens, the connection is refused at once


def copier_closure() -> list[importlib.metadata.Distribution]:
    """copier and every distribution it needs, as installed in .venv."""
    found: dict[str, importlib.metadata.Distribution] = {}
    todo = ["copier"]
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in found:
            continue
        dist = found[name] = importlib.metadata.distribution(name)
        for text in dist.requires or []:
            req = Requirement(text)
            if not req.marker or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return list(found.values())


def make_venv(path: Path) -> Path:
    """A bare virtual environment at `path` (no pip); its interpreter."""
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(path)
    return toolchain_env.env_python(path)


def site_packages(python: Path) -> Path:
    """The interpreter's site-packages directory."""
    done = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True)
    return Path(done.stdout.strip())


@pytest.fixture(scope="module")
def plain_copier(tmp_path_factory) -> Path:
    """The interpreter of a venv holding copier 9.19.1 and its dependencies only."""
    base = tmp_path_factory.mktemp("plain")
    python = make_venv(base / "venv")
    shelf = base / "copier-only"
    shelf.mkdir()
    for dist in copier_closure():
        for top in {f.parts[0] for f in dist.files or [] if f.parts[0] not in {"..", "__pycache__"}}:
            if not (shelf / top).exists():
                (shelf / top).symlink_to(Path(dist.locate_file(top)))
    (site_packages(python) / "copier-only.pth").write_text(f"{shelf}\n", encoding="utf-8")
    check = subprocess.run([str(python), "-c", "import copier, importlib.util as u; "
                            "assert u.find_spec('cdktf') is None and u.find_spec('cdktf_cdktf_provider_aws') is None"],
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, f"the plain copier must have copier and no cdktf: {check.stderr}"
    return python


@pytest.fixture(scope="module")
def template_url(tmp_path_factory) -> str:
    """This work tree's template as a git repository, given to copier as a git+file URL like a user's gh:org/repo."""
    src = copy_template(tmp_path_factory.mktemp("url") / "template.src")
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "t"]):
        subprocess.run(["git", "-C", str(src), *args], check=True, capture_output=True)
    return f"git+file://{src}"


def default_pins() -> toolchain_env.Pins:
    """The key a default project's hook computes: the default framework's pins from its answers (copier.yml's
    defaults read them from conventions.json) and the toolchain's own Node pin (a monorepo task has no Pipfile)."""
    names = toolchain_env.conventions.FRAMEWORKS[toolchain_env.frameworks.DEFAULT]
    return toolchain_env.Pins(python=f"{sys.version_info.major}.{sys.version_info.minor}",
                              cdktf=names["package_version"], provider=names["provider_package_version"])


def seed(env: Path, complete: bool) -> None:
    """An environment whose packages are .venv's; marked complete only if `complete` (else: a half-built one)."""
    python = make_venv(env)
    (site_packages(python) / "tap-seed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    if complete:
        (env / toolchain_env.MARKER).write_text(json.dumps({"seeded": "tests/test_plain_copier.py"}), encoding="utf-8")


def copier_copy(python: Path, url: str, dest: Path, cache: Path, **env: str) -> subprocess.CompletedProcess:
    """`copier copy --trust --defaults URL DEST` with that interpreter's copier and nothing else set up."""
    environment = clean_env(TAP_TOOLCHAIN_CACHE=str(cache), **env)
    for name in ("VIRTUAL_ENV", "TAP_HOOK_PYTHON", "TAP_HOOK_SKIP_SYNTH", "PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL"):
        environment.pop(name, None)  # nothing but copier, as on a new user's machine
    return subprocess.run([str(python), "-m", "copier", "copy", "--trust", "--defaults", url, str(dest)],
                          cwd=dest.parent, env=environment, capture_output=True, text=True, timeout=600, check=False)


def test_plain_copier_from_a_url_uses_the_shared_toolchain(plain_copier, template_url, tmp_path):
    cache = tmp_path / "cache"
    env = cache / default_pins().key()
    seed(env, complete=True)
    dest = tmp_path / "my-task"
    done = copier_copy(plain_copier, template_url, dest, cache)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert f"using the shared toolchain {env}" in output
    assert re.search(r"ok\s+synth\s+\d", output) and "TAP hook: passed" in output, output
    assert "TAP216" not in output, "the doctor's provider-API checks ran with the toolchain's provider"
    assert (dest / "tap.py").is_file()


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_no_network_says_so_and_how_to_proceed_and_keeps_the_render(plain_copier, template_url, tmp_path, installer):
    cache = tmp_path / "cache"
    env = cache / default_pins().key()
    seed(env, complete=False)  # half-built (no marker): must not be used even though it could import cdktf
    dest = tmp_path / "my-task"
    done = copier_copy(plain_copier, template_url, dest, cache, PIP_INDEX_URL=UNREACHABLE, UV_INDEX_URL=UNREACHABLE,
                       PIP_RETRIES="0", PIP_CONFIG_FILE=os.devnull, TAP_TOOLCHAIN_INSTALLER=installer)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert f"could not build the toolchain environment {env}" in output, output
    assert "the package index could not be reached" in output, output
    for way_out in ("python3 run.py new", "TAP_HOOK_PYTHON", "--skip-tasks", "TAP_TOOLCHAIN_CACHE"):
        assert way_out in output, way_out
    saved = Path(re.search(r"rendered files were saved to:\n\s+(\S+)", output).group(1))
    assert (saved / "tap.py").is_file(), "the rendered files are kept, as with any failed check"
    assert not (env / toolchain_env.MARKER).exists(), "a failed build never marks an environment complete"
    assert not list(cache.glob(f".{default_pins().key()}.*")), "the temporary build folder is removed"


def test_a_hook_waits_for_another_ones_build_and_uses_it(tmp_path):
    """The lock: while another process holds a key's lock, a hook waits, then uses what that one completed."""
    import fcntl  # pylint: disable=import-outside-toplevel  # POSIX; the hook uses msvcrt on Windows

    pins = default_pins()
    project = tmp_path / "project"
    project.mkdir()
    (project / "lib").mkdir()
    (project / ANSWERS_FILE).write_text(
        f"cdktf_package_version: {pins.cdktf}\naws_provider_package_version: {pins.provider}\n", encoding="utf-8")
    cache = tmp_path / "cache"
    cache.mkdir()
    env = cache / pins.key()
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from tapkit import toolchain; import pathlib; "
            "print('PICKED', toolchain.provide(pathlib.Path(sys.argv[2])), flush=True)")
    environment = clean_env(TAP_TOOLCHAIN_CACHE=str(cache), PIP_INDEX_URL=UNREACHABLE, UV_INDEX_URL=UNREACHABLE,
                            PIP_RETRIES="0", PIP_CONFIG_FILE=os.devnull)
    with (cache / f"{pins.key()}.lock").open("a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        # pylint: disable-next=consider-using-with  # communicate() below reaps it
        waiting = subprocess.Popen([sys.executable, "-c", code, str(ROOT), str(project)], env=environment,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert waiting.stdout is not None
        first = waiting.stdout.readline()
        assert "another process is building this toolchain; waiting" in first, first
        seed(env, complete=True)  # what the other build leaves, renamed into place, before it unlocks
    rest = waiting.communicate(timeout=60)[0]
    assert waiting.returncode == 0, first + rest
    assert f"PICKED {toolchain_env.env_python(env)}" in rest and "building" not in rest, rest
