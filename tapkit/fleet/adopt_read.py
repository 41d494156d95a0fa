"""adopt's first stages: the repo's git state (start) and what its code says (read)."""
from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from tapkit import conventions, pins
from tapkit.fleet import gitutil, handmade, template
from tapkit.fleet.adopt_outcome import HAND_MADE_FRAMEWORK, AdoptError, Options, Outcome


@dataclass(frozen=True)
class Start:
    """The commit adopt started from (what a failure restores) and the branch it commits on."""

    head: str
    branch: str | None


def start(repo: Path, outcome: Outcome) -> Start:
    """A clean git repository at the repo's root (made, when there was none)."""
    if not repo.is_dir():
        raise AdoptError(f"{repo} is not a directory")
    for answers in (conventions.ANSWERS_FILE, conventions.OLD_ANSWERS_FILE):
        if (repo / answers).exists():
            raise AdoptError(f"{repo / answers} exists: this repo is already a copier project; update it with "
                             f"`python3 run.py update {repo} --defaults` (or roll out with run.py rollout)")
    for required in ("tap.py", "lib/tap_stack.py"):
        if not (repo / required).is_file():
            raise AdoptError(f"{repo} has no {required}: adopt works on TAP repos (tap.py creating TapStack "
                             "from lib/tap_stack.py)")
    top = gitutil.toplevel(repo)
    if top is None:
        gitutil.init(repo, "The repo as it was before adopting the TAP copier template")
        outcome.notes.append("the repo was not a git repository: adopt made one and committed your files "
                             "as they were, first")
    elif top != repo:
        raise AdoptError(f"{repo} is inside the git repository {top}; adopt needs the TAP repo at the top of its "
                         "own git repository (copier update works per repository)")
    dirty = gitutil.status_lines(repo)
    if dirty:
        raise AdoptError(f"{repo} has uncommitted changes ({len(dirty)}, first: {dirty[0].strip()}); commit or "
                         "stash them first, so adopt's commit holds only its own changes")
    return Start(gitutil.out(repo, "rev-parse", "HEAD"), gitutil.current_branch(repo))


def read(options: Options, outcome: Outcome) -> handmade.Reading:
    """Infer the answers and the drift."""
    repo = options.repo
    reading = handmade.read(repo, template.provider_version(), template.contract())
    if options.layout:
        reading.infer("layout", options.layout, "--layout")
    elif options.framework != HAND_MADE_FRAMEWORK:
        reading.infer("layout", "standalone", f"--framework {options.framework}: the monorepo's root Pipfile "
                                              "installs cdktf only, so the task is a repo of its own")
    elif pins.find_monorepo(repo) is not None:
        reading.infer("layout", "monorepo", f"a task in a checkout of the task monorepo "
                                            f"({pins.find_monorepo(repo)}): its root Pipfile and settings "
                                            "are the monorepo's, and adopt leaves them alone")
    elif (repo / "Pipfile").is_file():
        reading.infer("layout", "standalone", "the repo has a Pipfile of its own: a repo of its own, with its own "
                                              "settings files (--layout monorepo for a task of the monorepo)")
    else:
        reading.infer("layout", "monorepo", "no Pipfile: a task of the monorepo, which holds its settings")
    # One findings object: the outcome's findings ARE the reading's (the same lists and dicts), so every later
    # stage records an answer, a note or a refusal once and the report and the render see the same.
    for found in fields(handmade.Findings):
        mine, theirs = getattr(outcome, found.name), getattr(reading, found.name)
        if isinstance(theirs, list):
            theirs[:0] = mine  # what adopt noted before reading (a git repository made)
        setattr(outcome, found.name, theirs)
    keep_readme(repo, reading)
    return reading


def keep_readme(repo: Path, reading: handmade.Reading) -> None:
    """A repo's own README stays the user's: the template renders none over it (answer own_readme)."""
    readme = repo / "README.md"
    if readme.is_file() and readme.read_text(encoding="utf-8", errors="replace").strip():
        reading.infer("own_readme", True, "README.md exists: yours, the template writes none")
