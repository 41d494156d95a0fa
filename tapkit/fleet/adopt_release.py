"""adopt's choice of the release to pin: each candidate rendered with the inferred answers, the closest to the repo
kept, and what the first `copier update` from it will change."""
from __future__ import annotations

import difflib
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from tapkit import conventions
from tapkit.fleet import gitutil, handmade, template
from tapkit.fleet.adopt_outcome import HAND_MADE_FRAMEWORK, AdoptError, Options, Outcome

# Answers that pin cdktf's packages: an adoption into another framework takes that framework's defaults.
PINS = {"cdktf_package_version", "cdktf_version", "aws_provider_package_version"}


@dataclass(frozen=True)
class Release:
    """The chosen release's render (in adopt's temporary directory), its copier.yml, and the template-owned paths
    the first update changes (a file the repo keeps there may conflict)."""

    render: Path
    config: dict
    changed_by_update: tuple[str, ...] = ()

    @property
    def answers_file(self) -> str:
        """Where the render keeps copier's answers, relative."""
        return answers_path(self.render)

    @property
    def owned(self) -> list[str]:
        """The render's template-owned files."""
        return template_owned(self.render, self.config)


def answers_path(render: Path) -> str:
    """Where a render keeps copier's answers, relative: lib/.copier-answers.yml (the root before 0.5.0)."""
    return conventions.answers_file(render).relative_to(render).as_posix()


def template_owned(render: Path, config: dict) -> list[str]:
    """A render's files that copier update rewrites (not the user's)."""
    user = set(template.skip_if_exists(config)) | {answers_path(render)}
    return sorted(p.relative_to(render).as_posix() for p in render.rglob("*")
                  if p.is_file() and p.relative_to(render).as_posix() not in user)


def choose(reading: handmade.Reading, options: Options, tmp: Path, outcome: Outcome) -> Release:
    """Render the release to pin (the newest, or --version) with the answers."""
    # pylint: disable=too-many-locals  # picks the release, renders it and checks the render, in order
    source, framework = options.source, options.framework
    try:
        tags = template.releases(source)
    except gitutil.GitError as error:
        raise AdoptError(f"cannot read the template's releases: {error}") from error
    if not tags:
        raise AdoptError(f"the template at {source} has no release tag (a PEP 440 version such as 0.2.0), "
                         "and copier update needs one to start from: tag a release there (see CHANGELOG.md), "
                         "or pass --template with a released checkout")
    newest_version, newest = tags[-1]
    outcome.newest = newest
    if options.version:
        tags = [t for t in tags if t[1] == options.version]
        if not tags:
            raise AdoptError(f"--version {options.version} is not a release tag of {source}")
    renamed = template.renames(source, newest)
    results = {}
    # The newest release by default: it is what `copier update` brings anyway, and verifying the repo at an
    # older one (without the newest doctor and guardrails) let the first update fail where adopt had passed.
    for version, tag in tags[-1:]:
        config = template.config_at(source, tag)
        questions = {k for k in config if not k.startswith("_")}
        answers = {k: v for k, v in template.answers_for(reading.answers, version, renamed).items()
                   if k in questions}
        if framework != HAND_MADE_FRAMEWORK:
            if "framework" not in questions:
                raise AdoptError(f"release {tag} has no framework question; adopt into "
                                 f"{framework} needs 0.4.0 or later (--version)")
            # The repo's pins are cdktf's packages: the chosen framework's own defaults replace them.
            dropped = sorted(PINS & set(answers))
            answers = {k: v for k, v in answers.items() if k not in PINS}
            answers["framework"] = framework
            if dropped:
                outcome.notes.append(f"framework {framework}: {', '.join(dropped)} take "
                                     f"{framework}'s defaults, not the repo's cdktf pins")
        dest = tmp / "render" / tag / options.repo.name
        done = render(source, tag, answers, dest, reading, outcome)
        if done.returncode != 0:
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
            outcome.notes.append(f"release {tag} cannot take these answers: {last[0]}")
            continue
        results[tag] = (similarity(options.repo, dest, config), dest, config, version)
    if not results:
        refusals = [note for note in outcome.notes if note.startswith("release ")]
        raise AdoptError("no release of the template accepts the inferred answers:\n  " + "\n  ".join(refusals)
                         + "\nFix the value named there in the repo, commit, and run adopt again")
    outcome.scores = {tag: round(r[0], 3) for tag, r in results.items()}
    best = max(results, key=lambda tag: (results[tag][0], results[tag][3]))
    outcome.version = best
    _score, dest, config, version = results[best]
    chosen = Release(dest, config)
    if best == newest:
        outcome.first_update.append(f"nothing yet: {best} is the newest release; later releases arrive with "
                                    "copier update")
        return chosen
    newest_render = results[newest][1] if newest in results else tmp / "render-newest" / options.repo.name
    changed = preview(chosen, version, (newest_version, newest), newest_render, source, reading.answers, renamed,
                      outcome)
    return replace(chosen, changed_by_update=tuple(changed))


def render(source: Path, tag: str, answers: dict, dest: Path, reading: handmade.Reading, outcome: Outcome):
    """Render one release; an inferred answer its validator refuses falls back to the default, said so."""
    # pylint: disable=too-many-positional-arguments  # the release, its answers and where the refusals are noted
    for _ in range(len(answers) + 1):
        done = template.render(source, tag, answers, dest)
        refused = re.search(r"Validation error for question '([^']+)': (.*)", done.stderr + done.stdout)
        if done.returncode == 0 or not refused or refused.group(1) not in answers:
            return done
        shutil.rmtree(dest, ignore_errors=True)
        question = refused.group(1)
        answers.pop(question)
        reading.answers.pop(question, None)
        outcome.could_not.append(f"{question}: the repo says {reading.sources.get(question, '?')}, which the "
                                 f"template refuses ({refused.group(2).strip()}); kept its default")
    return done


def similarity(repo: Path, render: Path, config: dict) -> float:
    """Mean line similarity of the release's template-owned files to the repo's files of the same path."""
    owned = template_owned(render, config)
    if not owned:
        return 0.0
    total = 0.0
    for rel in owned:
        mine = repo / rel
        if mine.is_file():
            a = (render / rel).read_text(encoding="utf-8", errors="replace").splitlines()
            b = mine.read_text(encoding="utf-8", errors="replace").splitlines()
            total += difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    return total / len(owned)


def preview(chosen: Release, version, newest: tuple, dest: Path, source: Path, answered: dict, renamed,
            outcome: Outcome) -> list[str]:
    """What the first copier update (pinned release -> newest) will change; the template-owned files it changes.
    dest: the newest release's render (rendered here when it was not among the candidates: --version)."""
    # pylint: disable=too-many-positional-arguments,too-many-locals  # the parts choose() rendered, passed on
    newest_version, newest_tag = newest
    config_new = template.config_at(source, newest_tag)
    answers = {k: v for k, v in template.answers_for(answered, newest_version, renamed).items()
               if not k.startswith("_") and k in config_new}
    if not dest.is_dir() and template.render(source, newest_tag, answers, dest).returncode != 0:
        outcome.first_update.append(f"{outcome.version} -> {newest_tag}: the newest release does not "
                                    "render with these answers; copier update will ask")
        return []
    old, new = set(chosen.owned), set(template_owned(dest, config_new))
    changed = sorted(p for p in old & new if (chosen.render / p).read_bytes() != (dest / p).read_bytes())
    lines = [f"{outcome.version} -> {newest_tag}"]
    if changed:
        lines.append(f"changes {len(changed)} template-owned file(s): {', '.join(changed)}")
    if new - old:
        lines.append(f"adds {', '.join(sorted(new - old))}")
    if old - new:
        lines.append(f"removes {', '.join(sorted(old - new))}")
    outcome.first_update.append("; ".join(lines))
    for since, old_name, new_name in renamed:
        if version < since <= newest_version:
            outcome.first_update.append(f"migration {since}: renames the answer {old_name} to {new_name}")
    for heading in template.changelog_between(source, newest_tag, version, newest_version):
        outcome.first_update.append(f"CHANGELOG {heading}")
    return changed
