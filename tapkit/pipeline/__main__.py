"""`python -m tapkit.pipeline TASK_DIR [--python PY] [--json] [--only GATE,...]`: the preflight.

Prints one line per gate; exit status 0 when every gate run passed, 1 otherwise, 2 for a usage error."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tapkit.pipeline import runner


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the gates, print the report."""
    parser = argparse.ArgumentParser(prog="python3 run.py check", description=(
        "Run the TAP monorepo pipeline's offline gates on a task, one line per gate."))
    parser.add_argument("task", type=Path, help="the task's folder (holds tap.py, metadata.json, lib/, tests/)")
    parser.add_argument("--python", help="the interpreter for lint, unit tests and synth (default: one that has "
                                         "the task's framework, else this one)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--only", help=f"comma-separated gates, of: {', '.join(runner.GATES)}")
    args = parser.parse_args(argv)
    only = [name.strip() for name in args.only.split(",") if name.strip()] if args.only else None
    if only and runner.unknown(only):
        parser.error(f"unknown gate {', '.join(runner.unknown(only))}; the gates: {', '.join(runner.GATES)}")
    if not args.task.is_dir():
        parser.error(f"{args.task} is not a folder")
    if args.json:
        results = runner.run(args.task, args.python, only)
        print(runner.as_json(args.task.resolve(), results))
    else:
        results = runner.run(args.task, args.python, only, report=lambda r: print(r.line(), flush=True))
    return 0 if results and all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
