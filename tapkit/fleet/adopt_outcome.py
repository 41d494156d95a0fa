"""What every stage of an adoption shares (tapkit/fleet/adopt.py runs them): its options, the one findings object
it records into and reports (Outcome), the error that stops it, and the environments its proof synthesizes in."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tapkit import conventions
from tapkit.fleet import deployed, handmade
from tapkit.fleet.placing import FileAction

# Hand-made repos are cdktf repos; --framework cdktn adopts one into CDK Terrain.
HAND_MADE_FRAMEWORK = "cdktf"
LAYOUTS = ("monorepo", "standalone")  # copier.yml's layout choices
# The environments adopt's proof synthesizes in (tapkit.synth): the pipeline's per-deploy variables set to probe
# values, and all of them unset (the repo's own defaults: another suffix, the tags' fallbacks). The unset synth is
# the proof's second suffix; where the untouched repo does not synthesize unset, "suffix" (the probe values with
# deployed.SECOND_SUFFIX) takes its place, so a value that follows the suffix is always seen to.
MODES: tuple[str, ...] = ("probe", "unset")
MODE_TEXT = {"probe": f"the pipeline's variables set (suffix {conventions.PROBE_SUFFIX})",
             "unset": "the pipeline's variables unset",
             "suffix": f"the pipeline's variables set with another suffix ({deployed.SECOND_SUFFIX})"}


class AdoptError(Exception):
    """adopt stopped; the message says what, where and how to go on. The repo is as it was."""


@dataclass(frozen=True)
class Options:
    """What adopt() was asked, checked: the stages read their part of it."""

    repo: Path
    source: Path  # the template checkout with release tags
    version: str | None  # --version: the release to pin, else the newest
    verify: bool
    commit: bool
    accept: frozenset[str]
    framework: str
    layout: str | None


@dataclass
class Outcome(handmade.Findings):
    """Everything adopt found and did; printed as text, or written as JSON."""
    # pylint: disable=too-many-instance-attributes  # a report's fields (the JSON adopt writes)

    repo: str = ""
    template: str = ""
    version: str = ""
    newest: str = ""
    scores: dict[str, float] = field(default_factory=dict)
    files: list[FileAction] = field(default_factory=list)
    resources_before: list[str] | None = None
    resources_after: list[str] | None = None
    differences: list[str] = field(default_factory=list)  # every change in the deployed JSON (stackdiff)
    accepted: list[str] = field(default_factory=list)  # categories the user accepted (--accept)
    compared: bool = False  # the whole synthesized JSON was compared before and after
    compared_modes: list[str] = field(default_factory=list)  # the environments it was compared in
    # values that differ between two synths of the untouched repo: its own nondeterminism, not counted
    nondeterministic: list[str] = field(default_factory=list)
    synth_before_error: str | None = None
    first_update: list[str] = field(default_factory=list)
    commit: str | None = None
    branch: str | None = None
    framework: str = "cdktf"  # the framework adopted into (--framework)
    framework_only: list[str] = field(default_factory=list)  # differences the framework change makes by itself
