"""Gate required-docs (scripts/ci-check-required-docs.sh): the documents conventions.json metadata.required_docs
lists are files. The template cannot write them: the task's author does (docs.json says what each one is)."""
from __future__ import annotations

from tapkit.pipeline import data
from tapkit.pipeline.result import Problem, Result, judged
from tapkit.pipeline.task import Task

NAME = "required-docs"


def check(task: Task) -> Result:
    """The required-docs gate."""
    required = data.METADATA["required_docs"]
    missing = [doc for doc in required if not (task.root / doc).is_file()]
    if not missing:
        return judged(NAME, [], f"{len(required)} documents")
    about = data.load("docs")["about"]
    what = "; ".join(f"{doc.removeprefix('lib/')}, {about[doc]}" if doc in about else doc for doc in missing)
    return judged(NAME, [Problem(f"missing {', '.join(missing)}",
                                 f"the task's author writes {'it' if len(missing) == 1 else 'them'} ({what})")])
