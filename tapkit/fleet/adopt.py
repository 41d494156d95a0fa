"""Adopt a hand-made TAP repo, so that `copier update` can maintain it from now on.

    python3 run.py adopt REPO [--accept KIND ...] [--template PATH] [--version X.Y.Z] [--framework cdktf|cdktn]
                              [--no-verify] [--no-commit] [--json FILE]

Many TAP repos were made by copying files by hand: no .copier-answers.yml, so
copier cannot update them. adopt reads the repo (tap.py's environment defaults
and TapStack call, TapStack's signature, provider and backend, cdktf.json,
metadata.json, the Pipfile), infers the template's answers, and prints what it
inferred (and from where), what it could not, where tap.py and TapStack
already disagree (drift), and what the first update will change.

Why adopt also converts the repo. `copier update` re-renders the pinned
version with the answers and applies the repo's differences from that render
to the new version. A hand-made tap.py or lib/tap_stack.py differs from the
render almost line by line, so an answers file alone would make every update a
wall of conflicts, or, where the render happened to match, overwrite code.
So adopt makes the repo what `copier copy` of the matched release would have
made plus the repo's own work, and pins that release:

  * TapStack's resources move, as written, into lib/resources.py
    (add_resources(stack), user-owned; see tapkit/fleet/transplant.py): same scopes,
    same ids, same logical ids; tap.py and lib/tap_stack.py become the
    template's (their old versions stay in git history);
  * the repo's tests keep their functions: a test file on a template-owned path
    (tests/unit/test_tap_stack.py) moves to the user-owned
    tests/unit/test_resources.py, and TapStack(...) calls in tests go through
    tests/adopted.py, which accepts the old call;
  * its own modules, docs and other tests are untouched; its Pipfile packages
    and .gitignore lines are merged into the template's; a README.md stays yours
    (answer own_readme: the template writes none); metadata.json is the
    answers' plus the repo's fields the template does not write, without the
    archive step's (tapkit/fleet/placing.py); at a monorepo checkout's root only
    the task's paths are copied, compared and written (layout monorepo);
  * what decides deployed infrastructure is read off the repo's own synthesized
    JSON (tapkit/fleet/deployed.py): the default provider's region, tags and settings,
    the backend and state key; the repo's aliased providers move with its code,
    as written, so their aliases and regions stay;
  * it synthesizes the repo before and after, with the pipeline's variables
    set (probe values) and unset (another suffix, the tags' fallbacks),
    compares the whole JSON (tapkit/lifecycle/stackdiff.py) and refuses,
    restoring the repo, unless every difference is of a kind the user accepted
    by name (--accept state-key, ...); what differs between two synths of the
    untouched repo is its own nondeterminism, listed, not counted. Guardrail
    findings the repo deployed with become suppressions with a reason.

--framework cdktn adopts a hand-made cdktf repo straight into CDK Terrain: the
render answers framework=cdktn (with cdktn's default pins, not the repo's cdktf
ones), the repo's own Python then gets its imports rewritten by hooks/codemod.py
(as `copier update --data framework=cdktn` does; strings that name a cdktf
module are reported), and the comparison ignores what the framework change makes
by itself (required_providers' source and version, `//` metadata).

The release pinned is the newest (or --version): adopt verifies the repo with
that release's doctor, guardrails and tests, so `copier update` has nothing
left to break. adopt commits its
work as one commit (a repo without git first gets a commit of its files as
they were), because copier update needs a clean tree. It never pushes.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from tapkit import conventions
from tapkit.fleet import gitutil, handmade, template, transplant
from tapkit.fleet.adopt_infer import Before, infer, snapshot
from tapkit.fleet.adopt_outcome import HAND_MADE_FRAMEWORK, LAYOUTS, MODE_TEXT, AdoptError, Options, Outcome
from tapkit.fleet.adopt_plan import Resources, apply, plan, plan_framework_move, plan_suppressions
from tapkit.fleet.adopt_prove import Refused, conforms, prove, synthesize, synthesize_suppressed
from tapkit.fleet.adopt_read import read, start
from tapkit.fleet.adopt_release import choose
from tapkit.lifecycle import stackdiff

# Each stage lives in the module named for it and hands the next stage what it found, so nothing but the one
# findings object (Outcome) carries an adoption across them: adopt_read (start, read), adopt_infer (snapshot,
# infer), adopt_release (choose), adopt_plan (plan; apply, the one place that writes into the repo), adopt_prove.
# Callers (tests, the long tail's bench) use these of adopt, whichever module defines them.
__all__ = ["MODE_TEXT", "AdoptError", "Outcome", "adopt", "main", "report"]


def adopt(repo: Path, source: Path = template.ROOT, version: str | None = None, verify: bool = True,
          commit: bool = True, accept: set[str] | None = None, framework: str = HAND_MADE_FRAMEWORK,
          layout: str | None = None) -> Outcome:
    """Adopt the repo; raises AdoptError (repo left as it was) when it cannot, or when what it deploys would
    change in a category (stackdiff.CATEGORIES) not in `accept`."""
    # pylint: disable=too-many-positional-arguments  # adopt()'s options in the CLI's order; callers name them
    unknown = set(accept or ()) - set(stackdiff.CATEGORIES)
    if unknown:
        raise AdoptError(f"--accept {', '.join(sorted(unknown))}: not a kind of change; one of "
                         f"{', '.join(stackdiff.CATEGORIES)}")
    if framework not in conventions.FRAMEWORKS:
        raise AdoptError(f"--framework {framework}: one of {', '.join(conventions.FRAMEWORKS)}")
    if layout not in (None, *LAYOUTS):
        raise AdoptError(f"--layout {layout}: one of {', '.join(LAYOUTS)}")
    return run(Options(repo.resolve(), source.resolve(), version, verify, commit, frozenset(accept or ()), framework,
                       layout))


def run(options: Options) -> Outcome:
    """Every stage, each handing its values to the next; once one has written into the repo, any failure puts the
    repo back as it was (the commit adopt started from)."""
    repo = options.repo
    outcome = Outcome(repo=str(repo), template=str(options.source), accepted=sorted(options.accept),
                      framework=options.framework)
    tmp = Path(tempfile.mkdtemp(prefix="tap-adopt-"))
    restore_to: str | None = None
    try:
        started = start(repo, outcome)
        outcome.branch = started.branch
        reading = read(options, outcome)
        before = snapshot(repo, tmp, outcome) if options.verify else None
        inferred = infer(reading, before, repo, outcome)
        release = choose(reading, options, tmp, outcome)
        conversion = plan(repo, reading, release, inferred, outcome)
        restore_to = started.head  # the repo is written to from here on
        outcome.files += apply(conversion, repo)
        # Planned once the conversion is applied: the codemod reads the converted files.
        outcome.files += apply(plan_framework_move(repo, options.framework, outcome), repo)
        check(options, before, conversion.resources, outcome)
        finish(options, release.answers_file, outcome)
        return outcome
    except (AdoptError, handmade.NotATapRepo, transplant.CannotMove, gitutil.GitError, OSError) as error:
        # OSError too: a write that fails half-way (disk full, permissions) must not leave the repo half-converted
        if restore_to is not None:
            restore(repo, restore_to)
        raise AdoptError(str(error)) from error
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check(options: Options, before: Before | None, resources: Resources, outcome: Outcome) -> None:
    """The adopted repo conforms, synthesizes and deploys what it did (adopt_prove). The one place where the proof
    feeds back into the plan: guardrail findings the repo deployed with are planned as suppressions in
    lib/resources.py, applied, and the repo synthesized again."""
    repo = options.repo
    conforms(repo)
    if not options.verify:
        outcome.notes.append("--no-verify: the adopted repo was not synthesized; nothing proves it deploys "
                             f"what it did; run `python3 run.py check {repo}` from the template")
        return
    modes = ("probe", *(mode for mode in (before.docs if before else ()) if mode != "probe"))
    after = synthesize(repo, modes, suppressible=before is not None and bool(resources.moved))
    if isinstance(after, Refused):
        outcome.files += apply(plan_suppressions(resources, after.findings, outcome), repo)
        after = synthesize_suppressed(repo, modes)
    prove(after, before, options, outcome)


def finish(options: Options, answers_file: str, outcome: Outcome) -> None:
    """Commit adopt's work."""
    if not options.commit:
        outcome.notes.append("--no-commit: commit the changes yourself before copier update "
                             "(it refuses a dirty tree)")
        return
    message = (f"Adopt the TAP copier template {outcome.version}\n\n"
               "Made by `python3 run.py adopt`: resources moved to lib/resources.py, template files from "
               f"release {outcome.version}, answers in {answers_file}.")
    outcome.commit = gitutil.commit_all(options.repo, message)


def restore(repo: Path, head: str) -> None:
    """Back to the commit adopt started from."""
    gitutil.git(repo, "reset", "-q", "--hard", head, check=False)
    gitutil.git(repo, "clean", "-fdq", check=False)


# ---------------------------------------------------------------- report
def report(outcome: Outcome) -> str:
    """The text report adopt prints."""
    out = [f"adopt: {outcome.repo}",
           f"template {outcome.template}: pinned release {outcome.version} (newest {outcome.newest}); "
           f"closeness of each release's render to the repo: "
           + ", ".join(f"{tag} {score:.2f}" for tag, score in outcome.scores.items()), ""]
    out.append(f"Inferred ({len(outcome.answers)}; every other question keeps the template's default):")
    width = max((len(k) for k in outcome.answers), default=10)
    for key, value in outcome.answers.items():
        shown = json.dumps(value) if not isinstance(value, str) else value
        out.append(f"  {key:<{width}}  {shown:<28}  from {outcome.sources.get(key, '?')}")

    def section(title: str, items: list[str], empty: str | None = None) -> None:
        if items or empty:
            out.append("")
            out.append(f"{title} ({len(items)}):" if items else f"{title}: {empty}")
            out.extend(f"  - {item}" for item in items)

    section("Could not infer", outcome.could_not, "nothing")
    section("Drift between tap.py and TapStack", outcome.drift, "none found")
    section("Other mismatches", outcome.mismatches)
    section("Notes", outcome.notes)
    out += ["", "Files:"]
    for action in outcome.files:
        out.append(f"  {action.action:<9} {action.path}" + (f"  ({action.detail})" if action.detail else ""))
    out.append("")
    if outcome.compared:
        info = [d for d in outcome.differences if d.startswith(stackdiff.NOT_INFRASTRUCTURE)]
        changes = [d for d in outcome.differences if d not in info]
        if changes:
            out.append(f"Deployed infrastructure: {len(changes)} accepted change(s) "
                       f"(--accept {' '.join(outcome.accepted)}):")
            out.extend(f"  - {d}" for d in changes)
        else:
            out.append("Deployed infrastructure: unchanged. The whole synthesized JSON was compared before and after "
                       "(every resource's and data source's arguments and provider, provider blocks with their tags "
                       "and settings, backend, outputs, stack names), with "
                       + " and with ".join(outcome.compared_modes or ["the pipeline's variables set"]) + ".")
        if info:
            out.append(f"Not infrastructure: {len(info)} accepted backend-settings change(s) (how Terraform runs, "
                       "not what it deploys):")
            out.extend(f"  - {d}" for d in info)
        if outcome.nondeterministic:
            out.append(f"The repo's own nondeterminism ({len(outcome.nondeterministic)}: these differ between two "
                       "synths of the untouched repo, so they are not counted; each with what would make it stable, "
                       "or every deploy changes it):")
            out.extend(f"  - {where}" for where in outcome.nondeterministic)
            out.append("  The template's tests/unit/test_tap_stack.py::test_synth_is_deterministic fails until they "
                       "are stable: two synths of one commit must deploy the same")
    if outcome.resources_after is not None:
        before = outcome.resources_before
        kept = "every one kept" if before is not None and set(before) <= set(outcome.resources_after) else (
            "nothing to compare with" if before is None else "SOME MISSING")
        out.append(f"Resources, data sources and outputs: {len(before) if before is not None else '?'} before, "
                   f"{len(outcome.resources_after)} after, {kept}: {', '.join(outcome.resources_after)}")
    section("The first copier update will", outcome.first_update)
    out.append("")
    if outcome.commit:
        out.append(f"Committed {outcome.commit} on {outcome.branch or 'a detached HEAD'} (nothing pushed). Next:")
    else:
        out.append("Not committed. Commit, then:")
    out.append(f"  python3 run.py update {outcome.repo} --defaults    # copier update to {outcome.newest}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python3 run.py adopt", description=__doc__.split("\n\n", 1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("repo", type=Path, help="the hand-made TAP repo")
    parser.add_argument("--template", type=Path, default=template.ROOT,
                        help=f"template checkout with release tags (default {template.ROOT})")
    parser.add_argument("--version", help="pin this release instead of the newest")
    parser.add_argument("--no-verify", dest="verify", action="store_false",
                        help="do not synthesize before and after (faster; nothing proves the resources are kept)")
    parser.add_argument("--no-commit", dest="commit", action="store_false", help="leave the changes uncommitted")
    parser.add_argument("--accept", action="append", default=[], metavar="KIND",
                        choices=sorted(stackdiff.CATEGORIES),
                        help="accept this kind of change to what the repo deploys (repeatable): "
                             + "; ".join(f"{k}: {v}" for k, v in stackdiff.CATEGORIES.items()))
    parser.add_argument("--framework", default=HAND_MADE_FRAMEWORK, choices=sorted(conventions.FRAMEWORKS),
                        help="the framework to adopt into (default cdktf, what hand-made repos use); cdktn moves the "
                             "repo to CDK Terrain in the same step, verified")
    parser.add_argument("--layout", choices=LAYOUTS,
                        help="the task's layout (default: standalone when the repo has its own Pipfile, else "
                             "monorepo)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the findings as JSON")
    args = parser.parse_args(argv)
    try:
        outcome = adopt(args.repo, args.template, args.version, args.verify, args.commit, set(args.accept),
                        args.framework, args.layout)
    except AdoptError as error:
        print(f"adopt: FAILED for {args.repo.resolve()}: {error}", file=sys.stderr)
        return 1
    print(report(outcome))
    if args.json:
        args.json.write_text(json.dumps(asdict(outcome), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
