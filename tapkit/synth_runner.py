"""Run a project's tap.py as `cdktf synth` does, with the template's additions (tapkit.synth starts it).

    python -m tapkit.synth_runner [--lazy] [--guardrails] [--drop-refused-keywords] [--serve LOG]

Without --serve it runs ./tap.py once, in the working directory, as `python tap.py` would.
--lazy installs the bundled Node and lazy provider import first, as a generated
task's tests/unit/conftest.py does for its tests (its tap.py does not: the
pipeline's synth runs it as it is); tapkit.synth asks for it unless told not to. --guardrails applies
the template's guardrails to every stack the app synthesizes (a task carries
none of them: they run here, in the hook and in `python3 run.py check`).
--drop-refused-keywords gives TapStack(...) only the keywords it declares (adopt:
a repo whose calls pass settings only its own code read).

--serve LOG keeps one process for many synths (tapkit.synth's warm runners). Starting
the jsii kernel and loading the framework and the AWS provider is ~3 s of every synth;
running tap.py again in a warm process takes ~0.1 s (bench/speed.py measures both).
It reads one JSON job per line on stdin ({"cwd", "environ", "outdir", "context",
"log", "drop_refused"}) and answers each with one line ({"error": null or the
failure}). A job runs as a process of its own would run it: in its project directory,
with exactly its environment, the project's modules imported anew (module state cannot
leak from one job to the next), sys.path and sys.argv as `python tap.py` has them, its
output (file descriptors 1 and 2) in its own log. What the jsii side reads from the
environment once, at start, is given per job instead: the output folder and cdktf.json's
context reach App() as its outdir and context (CDKTF_CONTEXT_JSON's place: after the
app's own context). LOG holds what the process printed outside a job (the kernel's start).
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import json
import os
import runpy
import sys
import traceback
from pathlib import Path


def _drop_refused_keywords() -> None:
    import lib.tap_stack as stack_module  # pylint: disable=import-outside-toplevel,import-error  # the project's

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


def _run_tap(drop_refused: bool) -> str | None:
    """./tap.py as its entry point (as cdktf.json's app runs it): None, or why it failed."""
    try:
        if drop_refused:
            _drop_refused_keywords()
        sys.argv = ["tap.py"]
        runpy.run_path("tap.py", run_name="__main__")
        return None
    except SystemExit as stop:
        if stop.code in (None, 0):
            return None
        if not isinstance(stop.code, int):  # sys.exit(message): printed, as the interpreter prints it
            print(stop.code, file=sys.stderr)
            lines = [line for line in str(stop.code).splitlines() if line.strip()]
            return lines[-1] if lines else "exit status 1"
        return f"exit status {stop.code}"
    except Exception as error:  # pylint: disable=broad-exception-caught  # the job's failure, reported as synth's
        traceback.print_exc()
        return f"{type(error).__name__}: {error}"


@contextlib.contextmanager
def _output_to(path: str):
    """File descriptors 1 and 2 (Python's prints, tracebacks and the jsii kernel's relayed lines) into `path`."""
    sys.stdout.flush()
    sys.stderr.flush()
    target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    saved = os.dup(1), os.dup(2)
    os.dup2(target, 1)
    os.dup2(target, 2)
    os.close(target)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)


def _homes() -> tuple[str, ...]:
    """Where modules kept warm come from: the interpreter's installation (stdlib, site-packages) and tapkit."""
    from tapkit import ROOT  # pylint: disable=import-outside-toplevel

    return tuple({os.path.abspath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, ROOT / "tapkit")})


def _installed(module, homes: tuple[str, ...]) -> bool:
    """Whether a module comes from one of `homes` (kept warm), not from a project (imported anew by every job)."""
    places = [getattr(module, "__file__", None) or "", *(getattr(module, "__path__", None) or [])]
    files = [os.path.abspath(p) for p in places if isinstance(p, str) and p]
    return not files or all(f.startswith(homes) for f in files)


class _Jobs:
    """The warm process's state between jobs: what App() is given, and what a job must leave as it found."""

    def __init__(self, framework: str) -> None:
        from tapkit import framework as frameworks  # pylint: disable=import-outside-toplevel

        self.outdir, self.context, self.homes = "", {}, _homes()
        app = importlib.import_module(frameworks.names(framework)["module"]).App
        real_init = app.__init__
        jobs = self

        def init(self, *args, **kwargs):
            if kwargs.get("outdir") is None:  # as CDKTF_OUTDIR would (the jsii side read the environment at start)
                kwargs["outdir"] = jobs.outdir
            if jobs.context:  # as CDKTF_CONTEXT_JSON would: set after the app's own context, so it wins
                kwargs["context"] = {**(kwargs.get("context") or {}), **jobs.context}
            real_init(self, *args, **kwargs)

        app.__init__ = init

    def run(self, job: dict) -> str | None:
        """One job, as a process of its own would run it; the project's modules are forgotten afterwards."""
        self.outdir, self.context = job["outdir"], job.get("context") or {}
        path, argv, modules = list(sys.path), sys.argv, set(sys.modules)
        os.chdir(job["cwd"])
        os.environ.clear()
        os.environ.update(job["environ"])
        importlib.invalidate_caches()  # the files may have changed since the last job (adopt converts in place)
        try:
            with _output_to(job["log"]):
                return _run_tap(job.get("drop_refused", False))
        finally:
            sys.path[:], sys.argv = path, argv
            for name in set(sys.modules) - modules:
                module = sys.modules.get(name)
                if module is not None and not _installed(module, self.homes):
                    del sys.modules[name]


def _warm_up(framework: str, provider: bool) -> None:
    """Start the jsii kernel and load the framework (and the provider's assembly), before the first job asks."""
    from tapkit import framework as frameworks  # pylint: disable=import-outside-toplevel

    names = frameworks.names(framework)
    importlib.import_module(names["module"])
    if provider:
        with contextlib.suppress(ImportError):
            importlib.import_module(names["provider_module"] + "._jsii")  # the assembly, not its 2,200 modules


def _serve(log: Path, framework: str, provider: bool) -> None:
    """Answer jobs from stdin until it closes: one JSON line in, one JSON line out."""
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)  # a tap.py that reads stdin gets nothing, not the next job
    with _output_to(str(log)):
        _warm_up(framework, provider)
        jobs = _Jobs(framework)
    for line in requests:
        if line.strip():
            answers.write(json.dumps({"error": jobs.run(json.loads(line))}) + "\n")


def framework_of_cwd() -> str:
    """The framework of the project in the working directory."""
    from tapkit import framework  # pylint: disable=import-outside-toplevel

    return framework.name()


def main(argv: list[str] | None = None) -> None:
    """Set up as asked, then run ./tap.py as __main__ (or serve jobs)."""
    parser = argparse.ArgumentParser(prog="python -m tapkit.synth_runner")
    parser.add_argument("--lazy", action="store_true")
    parser.add_argument("--guardrails", action="store_true")
    parser.add_argument("--drop-refused-keywords", action="store_true")
    parser.add_argument("--serve", type=Path, metavar="LOG")
    parser.add_argument("--framework", help="with --serve: the projects' framework (conventions.json FRAMEWORKS)")
    args = parser.parse_args(argv)
    # As `python tap.py` would have it: the project (the working directory) first.
    if sys.path[0] != "":
        sys.path.insert(0, "")
    if args.lazy:
        from tapkit.checks import lazy_provider  # pylint: disable=import-outside-toplevel

        lazy_provider.install()
    if args.guardrails:
        _apply_guardrails()
    if args.serve:
        # the provider's assembly is loaded ahead only lazily (eagerly, its modules are ~10 s: when tap.py asks)
        _serve(args.serve, args.framework or framework_of_cwd(), args.lazy)
        return
    sys.exit(1 if _run_tap(args.drop_refused_keywords) else 0)


if __name__ == "__main__":
    main()
