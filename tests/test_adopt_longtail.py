"""adopt on the long tail of hand-made repos: one fixture of each shape in tests/fixtures/longtail/adopt.

Each runs the path of tests/longtail.py: adopt without accepting anything, a
refusal that leaves every file as it was where the deployed JSON would change,
and the repo's own and the template's unit tests; the first also `copier update`
(a no-op: adopt pinned the newest release). The suite runs the first fixture of
every class but those in BENCH_ONLY (their path is another class's);
`python3 run.py bench longtail` runs all of them and prints the figures.
"""
from __future__ import annotations

import json

import pytest

import longtail

FIRST_OF_EACH_CLASS = {}
for _fixture in longtail.cases():
    FIRST_OF_EACH_CLASS.setdefault(json.loads((_fixture / "case.json").read_text(encoding="utf-8"))["class"], _fixture)
# Classes whose adopt path another test already runs end to end (each case costs ~15 s of CPU, and the
# suite must stay under 6 minutes): the region is read off the synthesized JSON however the repo spells it
# (the hand-made shapes of tests/test_adopt.py and extra-providers here run that path); moving TapStack's code
# (f-strings with self, **kwargs blocks, names bound late, other callers) is the transplant test-patches
# runs, with each shape unit-tested in tests/test_transplant.py (rewrite_callers for stray callers too); an
# empty suffix is TapStack's (checked by the generated tests); a refusal that names what to accept is
# state-and-name's and constraint-5's, and tags read off the JSON are tests/test_adopt.py's default-tags shapes.
# The proof's classes (issues 20 and 22): nondeterminism, path and probe-values run here; backend-settings'
# refusal path is state-and-name's (a refusal naming its --accept, then adopted with it) with its category unit-
# tested in tests/test_adopt.py; no-default-tags is tests/test_adopt.py's stack-id-drift refusal (which checks
# "the only change"); constraint-pin (the deployed constraint kept) is what every hand-made shape of
# tests/test_adopt.py goes through (their JSON pins the prebuilt provider's 6.25.0).
# `python3 run.py bench longtail` runs every fixture of every class.
BENCH_ONLY = {"region-default-arg", "region-file", "region-in-stack", "fstring-self", "kwargs-block", "late-name",
              "empty-suffix", "stray-caller", "own-tags", "backend-settings", "no-default-tags", "constraint-pin"}
IN_SUITE = {name: path for name, path in FIRST_OF_EACH_CLASS.items() if name not in BENCH_ONLY}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The template releases the long-tail fixtures are adopted from and updated to."""
    return longtail.releases(tmp_path_factory.mktemp("releases") / "template")


def test_every_class_of_the_issue_has_fixtures():
    wanted = {"region-default-arg", "region-file", "region-in-stack", "own-tags", "provider-settings",
              "state-and-name", "fstring-self", "kwargs-block", "late-name", "stray-caller", "test-patches",
              "constraint-5", "extra-providers", "empty-suffix", "guardrail-preexisting",
              # issues 20 and 22: the proof
              "nondeterminism", "path", "probe-values", "backend-settings", "no-default-tags", "constraint-pin"}
    assert wanted <= set(FIRST_OF_EACH_CLASS), sorted(wanted - set(FIRST_OF_EACH_CLASS))


def test_the_bench_only_classes_are_classes():
    assert BENCH_ONLY < set(FIRST_OF_EACH_CLASS)


@pytest.mark.parametrize("fixture", sorted(IN_SUITE.values()), ids=lambda p: p.name)
def test_adopt_keeps_what_deploys_and_the_tests_pass(fixture, template, tmp_path):
    # copier update on the first one only: adopt pinned the newest release, so it must change nothing
    # (`python3 run.py bench longtail` updates every fixture).
    result = longtail.run_case(fixture, template, tmp_path, update=fixture == min(IN_SUITE.values()))
    problems = longtail.verdict(result)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
    if result["expect"] == "adopted":
        assert result["changes"] == [], "adopt changed the deployed JSON without an --accept"
    if fixture.name.startswith("nondeterminism-"):  # listed, never a reason to refuse
        assert result["nondeterministic"], result["report"]


def test_the_doctor_finds_no_error_and_never_crashes_on_the_long_tail_as_it_is():
    """These repos synthesize and deploy: a doctor error on one is a false error (issue 10's target is 0)."""
    import subprocess  # pylint: disable=import-outside-toplevel
    import sys  # pylint: disable=import-outside-toplevel

    bad = {}
    for fixture in longtail.cases():
        done = subprocess.run([sys.executable, "-m", "tapkit.checks.doctor", str(fixture), "--json"],
                              cwd=longtail.ROOT, capture_output=True, text=True, check=False)
        findings = json.loads(done.stdout) if done.stdout.strip().startswith("[") else None
        if findings is None:
            bad[fixture.name] = done.stdout[-500:] + done.stderr[-500:]
            continue
        wrong = [f for f in findings if f.get("severity") == "error" or f.get("rule") == "TAP219"]
        if wrong:
            bad[fixture.name] = wrong
    assert not bad, bad
