"""Gate metadata-schema (config/schemas/metadata.schema.json, checked first in CI): metadata.json against
the schema as metadata_schema.json restates it, closed lists from conventions.json."""
from __future__ import annotations

from tapkit.pipeline import data, schema
from tapkit.pipeline.result import Problem, Result, judged
from tapkit.pipeline.task import Task

NAME = "metadata-schema"
UNREADABLE_FIX = "render the task with the template (python3 run.py new) or write it from the schema's fields"


def check(task: Task) -> Result:
    """The metadata-schema gate."""
    metadata, why = task.metadata
    if metadata is None:
        return judged(NAME, [Problem(why, UNREADABLE_FIX)])
    problems = schema.validate(metadata, data.schema())
    subtask = metadata.get("subtask")
    labels = data.METADATA["subtasks"].get(subtask) if isinstance(subtask, str) else None
    for problem in problems:  # a cdktf subtask's labels rather than the schema's whole list
        if labels and problem.what.startswith("subject_labels"):
            problem.fix = f"use labels of subtask {subtask!r}: " + ", ".join(f'"{x}"' for x in labels)
    return judged(NAME, problems, f"{len(metadata)} fields")
