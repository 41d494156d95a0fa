"""Run a project's tap.py as `cdktf synth` does, with the template's additions (tapkit.synth starts it).

    python -m tapkit.synth_runner [--lazy] [--guardrails] [--drop-refused-keywords] [--jobs FILE]

It runs in the project's directory with the template checkout on PYTHONPATH.
--lazy installs the bundled Node and lazy provider import first, as a generated
task's tests/unit/conftest.py does for its tests (its tap.py does not: the
pipeline's synth runs it as it is); tapkit.synth asks for it unless told not to. --guardrails applies
the template's guardrails to every stack the app synthesizes (a task carries
none of them: they run here, in the hook and in `python3 run.py check`).
--drop-refused-keywords gives TapStack(...) only the keywords it declares (adopt:
a repo whose calls pass settings only its own code read).
--jobs FILE runs tap.py once per job of a JSON list ({"env": {...}, "unset": [...],
"outdir": ...}), in this one process, and writes FILE.done (each job's error or
null). Starting the jsii kernel and loading the framework is most of a synth
(bench/speed.py measures it), so adopt's proof, which synthesizes one tree in
several environments, pays it once. Each job gets
the project's modules re-imported (module state cannot leak from one to the
next) and its own output folder; what the jsii side read at start (cdktf.json's
context) is the same for every job of one project.
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import runpy
import sys
import traceback
from pathlib import Path


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


def _forget_project_modules() -> None:
    """Drop every module imported from the project (the working directory), so the next run imports them anew."""
    root = os.getcwd() + os.sep
    def under(module) -> bool:
        places = [getattr(module, "__file__", None) or "", *(getattr(module, "__path__", None) or [])]
        return any(isinstance(p, str) and os.path.abspath(p).startswith(root) for p in places)
    for name in [name for name, module in list(sys.modules.items()) if module is not None and under(module)]:
        del sys.modules[name]


def _run_jobs(path: Path, drop_refused: bool) -> None:
    """Each job of the list in `path`: its environment, its output folder, then tap.py; errors in path.done."""
    from tapkit import framework  # pylint: disable=import-outside-toplevel

    app = framework.core().App
    real_init = app.__init__
    outdir: list[str] = [""]

    def init(self, *args, **kwargs):
        if kwargs.get("outdir") is None:  # as CDKTF_OUTDIR would, which the jsii side read once, at start
            kwargs["outdir"] = outdir[0]
        real_init(self, *args, **kwargs)

    app.__init__ = init
    results = []
    for job in json.loads(path.read_text(encoding="utf-8")):
        for name in job["unset"]:
            os.environ.pop(name, None)
        os.environ.update(job["env"])
        os.environ["CDKTF_OUTDIR"] = outdir[0] = job["outdir"]
        _forget_project_modules()
        try:
            if drop_refused:
                _drop_refused_keywords()
            sys.argv = ["tap.py"]
            runpy.run_path("tap.py", run_name="__main__")
            results.append(None)
        except SystemExit as stop:
            results.append(None if stop.code in (None, 0) else f"exit status {stop.code}")
        except Exception as error:  # pylint: disable=broad-exception-caught  # the job's failure, reported as synth's
            traceback.print_exc()
            results.append(f"{type(error).__name__}: {error}")
    Path(f"{path}.done").write_text(json.dumps(results), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Set up as asked, then run ./tap.py as __main__."""
    parser = argparse.ArgumentParser(prog="python -m tapkit.synth_runner")
    parser.add_argument("--lazy", action="store_true")
    parser.add_argument("--guardrails", action="store_true")
    parser.add_argument("--drop-refused-keywords", action="store_true")
    parser.add_argument("--jobs", type=Path)
    args = parser.parse_args(argv)
    # As `python tap.py` would have it: the project (the working directory) first.
    if sys.path[0] != "":
        sys.path.insert(0, "")
    if args.lazy:
        from tapkit.checks import lazy_provider  # pylint: disable=import-outside-toplevel

        lazy_provider.install()
    if args.guardrails:
        _apply_guardrails()
    if args.jobs:
        _run_jobs(args.jobs, args.drop_refused_keywords)
        return
    if args.drop_refused_keywords:
        _drop_refused_keywords()
    sys.argv = ["tap.py"]
    # The project's own program, not a module of ours: run as its entry point, as cdktf.json's app does.
    runpy.run_path("tap.py", run_name="__main__")


if __name__ == "__main__":
    main()
