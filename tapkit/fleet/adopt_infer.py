"""What adopt infers beyond the repo's source: what the untouched repo synthesizes (snapshot), the answers read off
that JSON (infer), and what the old TapStack decided itself, for the adapter (as_before)."""
from __future__ import annotations

import ast
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tapkit.fleet import deployed, handmade, template
from tapkit.fleet.adopt_outcome import MODE_TEXT, MODES, Outcome

DROP_REFUSED = ("--drop-refused-keywords",)
# The template's settings with plain string values, and those the deployed JSON shows directly.
SCALAR_SETTINGS = {"environment_suffix", "aws_region", "state_bucket", "state_bucket_region"}
FIXABLE_SETTINGS = {"aws_region", "state_bucket", "state_bucket_region"}


@dataclass(frozen=True)
class Before:
    """The untouched repo's synth in each environment it synthesizes in ({mode: {stack: cdk.tf.json}}, "probe"
    always among them), the copy it was synthesized from and the flags tap.py needed: the proof compares with it,
    and synthesizes that copy again to tell the repo's own nondeterminism."""

    docs: dict[str, dict[str, dict]]
    copy: Path
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Inferred:
    """What the repo deploys that the answers alone do not say: the answers read off its JSON (which the old
    stack may have decided whatever tap.py passed) and the default provider's own settings."""

    deployed_answers: dict[str, object] = field(default_factory=dict)
    overrides: dict[str, object] = field(default_factory=dict)


def admits() -> Callable[[str], bool] | None:
    """Whether the template takes a provider constraint (it admits the version its prebuilt bindings were generated
    for); None where the bindings' version is unknown: constraints are then not read."""
    bindings = template.provider_version()
    return (lambda constraint: handmade.admits(constraint, bindings)) if bindings else None


def snapshot(repo: Path, tmp: Path, outcome: Outcome) -> Before | None:
    """What the repo synthesizes as it is, {stack: cdk.tf.json}, under the probe values (from a copy, so
    nothing in it changes); the same with the pipeline's variables unset (or, where that fails, the probe values
    with another suffix) is kept for the proof, synthesized in the same process (tapkit.synth.synthesize_each).
    None where it does not synthesize: nothing is compared."""
    scratch, flags = tmp / "before" / repo.name, ()
    deployed.copy_project(repo, scratch)
    synths = deployed.synthesize_modes(scratch, MODES)
    docs, failed = synths["probe"]
    error = None if failed is None else str(failed)
    if docs is None:
        outcome.synth_before_error = error
        if "TypeError" in error and "TapStack" in error:
            retried = deployed.synthesize_modes(scratch, MODES, DROP_REFUSED)
            if retried["probe"][0] is not None:
                flags, synths, docs = DROP_REFUSED, retried, retried["probe"][0]
                outcome.notes.append(
                    f"the repo did not synthesize before adoption ({error}); its infrastructure was read from a "
                    "synth where tap.py's keywords TapStack refuses were dropped, and compared with that")
            else:
                error = str(retried["probe"][1])
    if docs is None:
        outcome.notes.append(f"the repo did not synthesize before adoption ({error}), so nothing proves "
                             "what it deploys; answers come from its source, and the adopted repo's "
                             "resources are shown")
        return None
    if synths.get("unset", (None,))[0] is None:  # no unset synth to stand in for a second suffix
        synths.update(deployed.synthesize_modes(scratch, ("suffix",), flags))
    for mode, (found, failed) in synths.items():
        if found is None:
            outcome.notes.append(f"the repo as it was does not synthesize with {MODE_TEXT[mode]} ({failed});"
                                 " the adopted repo is not compared with it there")
    outcome.resources_before = sorted(deployed.addresses(docs))
    return Before({mode: found for mode, (found, _) in synths.items() if found is not None}, scratch, flags)


def infer(reading: handmade.Reading, before: Before | None, repo: Path, outcome: Outcome) -> Inferred:
    """Answers read off the synthesized JSON win over those read from the source: they are what deploys."""
    if before is None:
        return Inferred()
    inferred = deployed.Inferred(before.docs["probe"], admits())
    outcome.notes.extend(inferred.notes)
    for question, value in inferred.answers.items():
        old = reading.answers.get(question)
        if question in reading.answers and old != value:
            outcome.notes.append(f"{question}: the source suggested {json.dumps(old)} "
                                 f"({reading.sources.get(question, '?')}); the repo deploys "
                                 f"{json.dumps(value)}, which adopt keeps")
        reading.infer(question, value, inferred.sources[question])
        reading.could_not[:] = [c for c in reading.could_not if not c.startswith(f"{question}:")]
    keep_variable_tags(reading, repo, outcome)
    overrides = inferred.provider_overrides
    if overrides:
        outcome.notes.append("the default AWS provider's own settings ("
                             + ", ".join(sorted(overrides)) + ") are kept in lib/resources.py "
                             "adopted_settings(), with the values the repo deployed")
    return Inferred(dict(inferred.answers), overrides)


def keep_variable_tags(reading: handmade.Reading, repo: Path, outcome: Outcome) -> None:
    """A tag whose value is the default of a variable the repo reads is not fixed: setting the variable at
    deploy changed it, and the template's fixed extra_tags would not. Such a tag stays out (adopt refuses)."""
    tags = reading.answers.get("extra_tags")
    if not isinstance(tags, dict):
        return
    defaults = deployed.variable_defaults(repo)
    for key, value in list(tags.items()):
        variables = sorted(name for name, default in defaults if default == value)
        if variables:
            del tags[key]
            outcome.notes.append(
                f"tag {key}={value!r} is the default of {', '.join(variables)}, which the repo reads and the "
                "template does not: not kept as a fixed tag (adopt refuses unless you --accept default-tags)")
    reading.answers["extra_tags"] = tags


def as_before(reading: handmade.Reading, repo: Path, deployed_answers: dict[str, object],
              outcome: Outcome) -> dict:
    """What the adapter needs to build the template's TapStack as the old one behaved when code called it
    directly: the old stack's own defaults, and the settings it decided itself whatever it was passed.
    Planned with the adapter, not inferred with the answers: it reads the answers the chosen release kept."""
    # pylint: disable=too-many-locals  # one pass over the old stack's parameters and body
    stack, defaults, fixed = reading.stack, {}, {}
    for param in stack.params:
        setting = handmade.SETTING_NAMES.get(param.arg)
        default = handmade.param_default(stack.init, param)
        if setting in SCALAR_SETTINGS and isinstance(default, ast.Constant) and isinstance(default.value, str):
            defaults[setting] = default.value
    for node in ast.walk(stack.init):
        found = handmade.kwargs_key(node, stack.kwarg)
        if found and handmade.SETTING_NAMES.get(found[0]) in SCALAR_SETTINGS and isinstance(
                found[1], ast.Constant) and isinstance(found[1].value, str):
            defaults.setdefault(handmade.SETTING_NAMES[found[0]], found[1].value)
    tap = handmade.TapPy(repo)
    for keyword, expr in reading.passed.items():
        setting = handmade.SETTING_NAMES.get(keyword)
        deployed_value = deployed_answers.get(setting)
        passed = tap.resolve(expr)
        if setting in FIXABLE_SETTINGS and isinstance(deployed_value, str) and passed is not None and (
                passed.value != deployed_value):
            fixed[setting] = deployed_value
            outcome.notes.append(
                f"{setting}: tap.py passed {passed.value!r}, but the old TapStack deployed {deployed_value!r} "
                "whatever it was passed; code that builds the stack the old way still gets "
                f"{deployed_value!r} (tap_stack_as_before)")
    own_tags = stack_own_tags(reading, tap, outcome.answers)
    if own_tags:
        fixed["default_tags"] = own_tags
    return {"defaults": defaults, "fixed": fixed}


def stack_own_tags(reading: handmade.Reading, tap: handmade.TapPy, answers: dict[str, object]) -> dict[str, str]:
    """Fixed tags the deployed provider had that tap.py's default_tags did not: the old stack added them."""
    extra = answers.get("extra_tags")
    expr = next((v for k, v in reading.passed.items() if handmade.SETTING_NAMES.get(k) == "default_tags"), None)
    if not isinstance(extra, dict) or not extra or expr is None:
        return {}
    node = tap.mapping(expr)
    for _ in range(3):  # [{"tags": {...}}] and {"tags": {...}} down to the flat mapping
        if isinstance(node, ast.List) and len(node.elts) == 1:
            node = tap.mapping(node.elts[0])
        elif isinstance(node, ast.Dict) and [getattr(k, "value", None) for k in node.keys] == ["tags"]:
            node = tap.mapping(node.values[0])
    if not isinstance(node, ast.Dict) or None in node.keys:
        return {}
    given = {k.value for k in node.keys if isinstance(k, ast.Constant)}
    return {key: value for key, value in extra.items() if key not in given}
