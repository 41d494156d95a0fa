"""adopt's proof: the adopted repo passes the contract check and the update's doctor (conforms), synthesizes in
every environment the untouched repo did (synthesize), and deploys what it did, or what was accepted (prove)."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from tapkit.fleet import deployed, template
from tapkit.fleet.adopt_infer import Before, admits
from tapkit.fleet.adopt_outcome import HAND_MADE_FRAMEWORK, MODE_TEXT, AdoptError, Options, Outcome
from tapkit.lifecycle import stackdiff

Synths = dict[str, dict[str, dict]]  # environment -> {stack: cdk.tf.json}


@dataclass(frozen=True)
class Refused:
    """The template's guardrails refuse the adopted repo's synth; these (construct path, rule id) findings are in
    what the repo deployed before, so adopt keeps them, suppressed (adopt_plan.plan_suppressions), and synthesizes
    again (synthesize_suppressed)."""

    findings: tuple[tuple[str, str], ...]


def conforms(repo: Path) -> None:
    """The adopted repo must pass the contract check and the doctor the update's hook runs (its rules beyond the
    contract's): an error there would fail the first `copier update`, so adopt refuses now, naming each finding,
    and restores the repo."""
    errors = [f for f in template.contract().check(repo) if f.severity == "error"]
    if errors:
        raise AdoptError("after the conversion, TapStack calls do not match its signature:\n  "
                         + "\n  ".join(map(str, errors)))
    from tapkit.checks import doctor, doctor_rules  # pylint: disable=import-outside-toplevel  # the provider index: only here

    errors = [f for f in doctor.diagnose(repo, sys.executable)
              if f.severity == "error" and doctor_rules.RULES[f.rule].check != "contract"]
    if errors:
        raise AdoptError("the update's hook would refuse the adopted repo: the template's doctor finds\n  "
                         + "\n  ".join(map(str, errors)) + "\nNothing was changed. Fix these in the repo (or "
                         "report a finding that is wrong: the repo synthesizes), commit, and run adopt again")


def synthesize(repo: Path, modes: tuple[str, ...], suppressible: bool) -> Synths | Refused:
    """Synth the adopted repo in every mode (one process). suppressible: adopt moved code and knows what the repo
    deployed, so guardrail findings come back as Refused, to suppress; any other failure refuses the adoption."""
    synths = deployed.synthesize_modes(repo, modes)
    if synths["probe"][1] is not None:
        findings = deployed.guardrail_findings(synths["probe"][1].output)
        if not (findings and suppressible):
            raise AdoptError(f"the adopted repo does not synthesize: {synths['probe'][1]}. Nothing was changed; "
                             "if the line above points into lib/resources.py, the code adopt moved needs a hand "
                             "(please report it with your lib/tap_stack.py)")
        return Refused(tuple(findings))
    return every_mode(synths)


def synthesize_suppressed(repo: Path, modes: tuple[str, ...]) -> Synths:
    """Synth the adopted repo again, its guardrail findings suppressed."""
    return every_mode(deployed.synthesize_modes(repo, modes))


def every_mode(synths: dict) -> Synths:
    """Each mode's synth; the adopted repo must synthesize in all."""
    for mode, (found, failed) in synths.items():
        if found is None:
            raise AdoptError(f"the adopted repo does not synthesize with {MODE_TEXT[mode]}: {failed}. "
                             "Nothing was changed")
    return {mode: found for mode, (found, _) in synths.items()}


def prove(after: Synths, before: Before | None, options: Options, outcome: Outcome) -> None:
    """The adopted repo deploys exactly what it did (or what was accepted), under the probe values and with the
    pipeline's variables unset (another suffix: the repo's default); refuses otherwise."""
    outcome.resources_after = sorted(deployed.addresses(after["probe"]))
    if before is None:
        return
    differences = local_state_moves(compare(before, after, options.accept, outcome), options.repo, outcome)
    outcome.compared = True
    outcome.compared_modes = [MODE_TEXT[mode] for mode in before.docs]
    if options.framework != HAND_MADE_FRAMEWORK:  # what the framework change makes by itself: not a change
        moved = [d for d in differences if stackdiff.framework_only(d)]
        outcome.framework_only = [str(d) for d in moved]
        differences = [d for d in differences if d not in moved]
    outcome.differences = [str(d) for d in differences]
    blocking = stackdiff.needing_acceptance(differences, options.accept)
    if blocking:
        raise AdoptError(stackdiff.refusal(blocking, outcome.compared_modes, len(outcome.nondeterministic),
                                           f"python3 run.py adopt {options.repo}", accepted=set(options.accept),
                                           fallbacks=MODE_TEXT["unset"]))


def compare(before: Before, after: Synths, accept: frozenset[str], outcome: Outcome) -> list[stackdiff.Difference]:
    """The differences between the repo as it was and as adopted, in every environment compared. Where some
    need accepting, the untouched repo is synthesized again there (a new process): what differs between its two
    synths is its own nondeterminism, left out of the comparison and listed with what would make it stable."""
    admitted = admits()
    raw = {mode: stackdiff.diff(docs, after[mode], admits=admitted) for mode, docs in before.docs.items()}
    doubtful = tuple(mode for mode, found in raw.items() if stackdiff.needing_acceptance(found, accept))
    again = deployed.synthesize_modes(before.copy, doubtful, before.flags, fresh=True)
    found: list[stackdiff.Difference] = []
    for mode, docs in before.docs.items():
        differences = raw[mode]
        second = again.get(mode, (None,))[0]
        unstable = deployed.unstable_paths(docs, second) if second is not None else []
        if unstable:
            note_unstable(mode, unstable, docs, second, outcome)
            differences = stackdiff.diff(deployed.masked(docs, unstable),
                                         deployed.masked(after[mode], unstable), admits=admitted)
        add_labelled(found, differences, mode)
    return found


def add_labelled(found: list[stackdiff.Difference], differences: list[stackdiff.Difference], mode: str) -> None:
    """One environment's differences added to those found, labelled with it but for the probe's; one the probe
    already showed is not listed again."""
    label = "" if mode == "probe" else f" ({MODE_TEXT[mode]})"
    for difference in differences:
        if label and any(d.category == difference.category and d.before == difference.before
                         and d.after == difference.after
                         and stackdiff.unlabelled(d.where, MODE_TEXT.values()) == difference.where
                         for d in found):
            continue
        found.append(stackdiff.Difference(difference.category, difference.where + label, difference.before,
                                          difference.after) if label else difference)


def local_state_moves(differences: list[stackdiff.Difference], repo: Path,
                      outcome: Outcome) -> list[stackdiff.Difference]:
    """A local backend's state file that moves (cdktf's default <project root>/terraform.<stack>.tfstate ->
    the template's relative path, which Terraform resolves under cdktf.out/stacks/<stack>/) needs
    --accept state-key when a state file is there to lose; without one, it is a note that says where it goes."""
    kept = []
    for difference in differences:
        old, new = difference.before, difference.after
        if not (difference.category == "state-key" and ".backend.local.path" in difference.where
                and isinstance(old, str) and isinstance(new, str)):
            kept.append(difference)
            continue
        shown = [deployed.state_file(Path("<project root>"), path) for path in (old, new)]
        there = deployed.state_file(repo, old).exists()
        if there:
            kept.append(difference)
        outcome.notes.append(f"the local state file moves from {shown[0]} to {shown[1]} (the template's "
                             "LocalBackend path, resolved in cdktf.out/stacks/<stack>/): " + (
                                 "move it there (mv) before the next deploy" if there else "there is none "
                                 "here, so nothing is lost; where one exists, move it there first"))
    return kept


def note_unstable(mode: str, paths: list[tuple], first: dict, second: dict, outcome: Outcome) -> None:
    """List the untouched repo's own nondeterminism (cdktf's `//` metadata left out), with what would fix it."""
    listed = outcome.nondeterministic
    for path in paths:
        if "//" in path:
            continue
        where = deployed.describe_path(path)
        known = next((i for i, line in enumerate(listed) if line.startswith(where + " (")), None)
        if known is None:
            listed.append(f"{where} ({MODE_TEXT[mode]}): {deployed.stabilizing(path, first, second)}")
        elif MODE_TEXT[mode] not in listed[known]:
            head, rest = listed[known].split("): ", 1)
            listed[known] = f"{head}; {MODE_TEXT[mode]}): {rest}"
