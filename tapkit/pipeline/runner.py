"""Run the gates in the pipeline's order and report them, one line each (or JSON)."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from tapkit.pipeline import (allowed_paths, lint, metadata_rules, metadata_schema, prompt_quality, required_docs,
                             synthesis, unit_tests)
from tapkit.pipeline.result import Problem, Result, judged
from tapkit.pipeline.task import Task

GATES: dict[str, Callable[[Task], Result]] = {module.NAME: module.check for module in (
    allowed_paths, metadata_schema, metadata_rules, required_docs, prompt_quality, lint, unit_tests, synthesis)}


def unknown(names: Iterable[str]) -> list[str]:
    """The names that are no gate."""
    return [name for name in names if name not in GATES]


def run(root: str | Path, python: str | None = None, only: Iterable[str] | None = None,
        report: Callable[[Result], None] | None = None) -> list[Result]:
    """Every gate (or those in `only`) on the task at `root`, in the pipeline's order; `report` sees each
    result as soon as it is known. A gate that raises is reported failed with the error."""
    task, wanted, results = Task(Path(root), python), set(only or GATES), []
    for name, gate in GATES.items():
        if name not in wanted:
            continue
        try:
            result = gate(task)
        except Exception as error:  # pylint: disable=broad-exception-caught  # one gate's bug is that gate's line
            result = judged(name, [Problem(f"the check itself failed: {type(error).__name__}: {error}",
                                           "report it to the template's maintainers")])
        results.append(result)
        if report:
            report(result)
    return results


def as_json(root: Path, results: list[Result]) -> str:
    """The results as one JSON document."""
    return json.dumps({"task": str(root), "ok": all(r.ok for r in results),
                       "gates": [r.as_dict() for r in results]}, indent=2)
