"""Run a project's tap.py as `cdktf synth` does, with the template's additions (tapkit.synth starts it).

    python -m tapkit.synth_runner [--lazy] [--guardrails] [--drop-refused-keywords]

It runs in the project's directory with the template checkout on PYTHONPATH.
--lazy installs the bundled Node and lazy provider import first, as a generated
task's tests/unit/conftest.py does for its tests (its tap.py does not: the
pipeline's synth runs it as it is); tapkit.synth asks for it unless told not to. --guardrails applies
the template's guardrails to every stack the app synthesizes (a task carries
none of them: they run here, in the hook and in `python3 run.py check`).
--drop-refused-keywords gives TapStack(...) only the keywords it declares (adopt:
a repo whose calls pass settings only its own code read).
"""
from __future__ import annotations

import argparse
import inspect
import runpy
import sys


def _drop_refused_keywords() -> None:
    import lib.tap_stack as stack_module  # pylint: disable=import-outside-toplevel,import-error,no-name-in-module  # the project's

    real = stack_module.TapStack
    accepted = inspect.signature(real.__init__).parameters

    class TapStack(real):  # pylint: disable=too-few-public-methods
        """The repo's TapStack, given only the keywords it declares."""

        def __init__(self, scope, stack_id, *args, **kwargs):
            super().__init__(scope, stack_id, *args, **{k: v for k, v in kwargs.items() if k in accepted})

    stack_module.TapStack = TapStack


def _apply_guardrails() -> None:
    """Wrap App.synth so that every stack gets the guardrails before it is synthesized."""
    from tapkit import framework  # pylint: disable=import-outside-toplevel
    from tapkit.checks import guardrails  # pylint: disable=import-outside-toplevel

    core = framework.core()
    synth = core.App.synth

    def synth_with_guardrails(app):
        for child in app.node.children:
            if isinstance(child, core.TerraformStack):
                guardrails.apply(child)
        return synth(app)

    core.App.synth = synth_with_guardrails


def main(argv: list[str] | None = None) -> None:
    """Set up as asked, then run ./tap.py as __main__."""
    parser = argparse.ArgumentParser(prog="python -m tapkit.synth_runner")
    parser.add_argument("--lazy", action="store_true")
    parser.add_argument("--guardrails", action="store_true")
    parser.add_argument("--drop-refused-keywords", action="store_true")
    args = parser.parse_args(argv)
    # As `python tap.py` would have it: the project (the working directory) first.
    if sys.path[0] != "":
        sys.path.insert(0, "")
    if args.lazy:
        from tapkit.checks import lazy_provider  # pylint: disable=import-outside-toplevel

        lazy_provider.install()
    if args.drop_refused_keywords:
        _drop_refused_keywords()
    if args.guardrails:
        _apply_guardrails()
    sys.argv = ["tap.py"]
    # The project's own program, not a module of ours: run as its entry point, as cdktf.json's app does.
    runpy.run_path("tap.py", run_name="__main__")


if __name__ == "__main__":
    main()
