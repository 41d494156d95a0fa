"""Which answers file a migration edits: the one this `copier update` reads.

copier hands a migration `_copier_conf.answers_file`, which is `-a` when given,
else the NEW release's `_answers_file` (lib/.copier-answers.yml from 0.5.0). But
without `-a` copier reads the last answers from the root `.copier-answers.yml`,
which is where every release before 0.5.0 kept them. So a project made before
0.5.0 and updated with plain `copier update` has no file at the path copier
names, and its answers sit at the root: a "before" migration must edit that one,
or copier would not see the change. Standard library only.
"""
from __future__ import annotations

from pathlib import Path

from tapkit import conventions


def read_by_update(given: str | Path, project: Path | None = None) -> Path:
    """The answers file the update reads: `given` (relative to the project, the working directory of a
    migration) when it exists; else the project's answers file (lib/.copier-answers.yml, or the root one of a
    release before 0.5.0). A path that does not exist comes back as given, for the caller's message."""
    project = Path.cwd() if project is None else Path(project)
    given = Path(given)
    path = given if given.is_absolute() else project / given
    if path.is_file() or given.is_absolute():
        return path
    found = conventions.answers_file(project)
    return found if found.is_file() else path
