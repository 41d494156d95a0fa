"""The Aspect that runs the rules at synth and turns each finding into an annotation.

It is built on the project's framework (cdktf or cdktn, as the task's tests/unit/expected.json names it): a
jsii Aspect must implement that framework's IAspect, and only its TerraformStack and TerraformProvider are the
stack's classes.
"""
from __future__ import annotations

import sys

import jsii
from constructs import IConstruct

from tapkit import framework
from .core import ERROR, RULES, SUPPRESS_KEY, WARNING, check, suppression

_CDK = framework.core()
Annotations, Aspects, IAspect = _CDK.Annotations, _CDK.Aspects, _CDK.IAspect
TerraformProvider, TerraformStack = _CDK.TerraformProvider, _CDK.TerraformStack


@jsii.implements(IAspect)
class Guardrails:
    """The Aspect: on the stack's node, check its resolved JSON and annotate each violation.

    `annotations` keeps (level, construct path, text) of what it added, so tests read them without
    walking every construct's metadata through jsii.
    """

    def __init__(self, environment_suffix: str | None = None) -> None:
        self.environment_suffix = environment_suffix
        self.annotations: list[tuple[str, str, str]] = []

    def visit(self, node: IConstruct) -> None:
        """Called by the framework for every construct at synth; acts once, on the stack."""
        if not isinstance(node, TerraformStack):
            return
        constructs = node.node.find_all()
        providers = {(c.alias or ""): c.node.path for c in constructs
                     if isinstance(c, TerraformProvider) and c.terraform_resource_type == "aws"}
        self._unknown_suppressions(constructs)
        for violation in check(node.to_terraform(), self.environment_suffix, providers):
            target = _find(node, violation.path)
            reason = suppression(target, violation.rule)
            if reason:
                level, text = "info", f"{violation.rule} suppressed ({reason}): {violation.message}"
            else:
                level, text = violation.severity, str(violation)
            if (level, target.node.path, text) in self.annotations:
                continue  # synth can run the aspects more than once
            self.annotations.append((level, target.node.path, text))
            if level == ERROR:
                Annotations.of(target).add_error(text)  # app.synth() raises, listing every error
            elif level == WARNING:
                Annotations.of(target).add_warning(text)
                # `python tap.py` prints no warnings itself (they go to cdktf.out/manifest.json): say it here.
                print(f"guardrails warning: [{target.node.path}] {text}", file=sys.stderr)
            else:
                Annotations.of(target).add_info(text)


    def _unknown_suppressions(self, constructs) -> None:
        """A suppression (TapStack.suppress in the task, which cannot know the rules) of a rule that does not
        exist suppresses nothing: say so, as a warning on its construct."""
        for construct in constructs:
            for entry in construct.node.metadata:
                rule = entry.data.get("rule") if entry.type == SUPPRESS_KEY and isinstance(entry.data, dict) else None
                if rule is None or rule in RULES:
                    continue
                text = (f"suppression of {rule!r} has no effect: no guardrail has that id (fix: name one of "
                        "`python -m tapkit.checks.guardrails`)")
                if (WARNING, construct.node.path, text) not in self.annotations:
                    self.annotations.append((WARNING, construct.node.path, text))
                    Annotations.of(construct).add_warning(text)
                    print(f"guardrails warning: [{construct.node.path}] {text}", file=sys.stderr)


def _find(stack: TerraformStack, path: str) -> IConstruct:
    """The construct at `path` (as synth prints it) under `stack`; the stack itself if there is none."""
    prefix = stack.node.path + "/"
    found = stack if path.startswith(prefix) else None
    for part in path[len(prefix):].split("/") if found else ():
        found = found.node.try_find_child(part)
        if found is None:
            break
    return found or stack


def apply(stack: TerraformStack, environment_suffix: str | None = None) -> Guardrails:
    """Check `stack` at every synth; the naming rule uses environment_suffix (default: stack.environment_suffix)."""
    if not isinstance(stack, TerraformStack):
        # The other framework's Aspects would take the aspect and never run it: the guardrails would go silent.
        raise TypeError(
            f"guardrails.apply() got a {type(stack).__module__}.{type(stack).__name__}, not a "
            f"{framework.names()['module']}.TerraformStack: this project is built on {framework.name()} "
            f"({framework.EXPECTED_FILE}); make the stack's imports and the answer framework agree (copier update "
            "--data framework=...)")
    aspect = Guardrails(environment_suffix or getattr(stack, "environment_suffix", None))
    Aspects.of(stack).add(aspect)
    return aspect


def violations(stack: TerraformStack, level: str = ERROR) -> list[str]:
    """'[path] TAPnnn ...' of every guardrail annotation at `level` (error, warning, info) after a synth."""
    return [f"[{path}] {text}" for aspect in Aspects.of(stack).all if isinstance(aspect, Guardrails)
            for kind, path, text in aspect.annotations if kind == level]
