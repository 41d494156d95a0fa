"""Synthesize a repo as `python tap.py` does, for adopt (tapctl/deployed.py runs it in the repo's directory).

    python synth_runner.py TOOLCHAIN_PY [--drop-refused-keywords]

The template's toolchain module (bundled Node, lazy provider import) is
installed first, as a generated project's lib/__init__.py does; then tap.py
runs as __main__. With --drop-refused-keywords, TapStack(...) calls lose the
keywords the template's TapStack does not declare (to synthesize a repo whose
old calls pass settings only its own code read).
"""
import importlib.util
import inspect
import runpy
import sys

# As `python -c` would have it: the repo (the working directory) first, not this folder.
sys.path[0] = ""
spec = importlib.util.spec_from_file_location("tap_adopt_toolchain", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.install()
sys.path.insert(0, ".")
if sys.argv[2:] == ["--drop-refused-keywords"]:
    # The repo's own module, found from its directory.
    import lib.tap_stack as stack_module  # pylint: disable=import-error

    Real = stack_module.TapStack
    accepted = inspect.signature(Real.__init__).parameters

    class TapStack(Real):  # pylint: disable=too-few-public-methods
        """The repo's TapStack, given only the keywords it declares."""

        def __init__(self, scope, stack_id, *args, **kwargs):
            super().__init__(scope, stack_id, *args, **{k: v for k, v in kwargs.items() if k in accepted})

    stack_module.TapStack = TapStack
sys.argv = ["tap.py"]
runpy.run_path("tap.py", run_name="__main__")
