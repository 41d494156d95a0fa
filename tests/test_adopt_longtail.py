"""adopt on the long tail of hand-made repos: one fixture of each shape in tests/fixtures/longtail/adopt.

Each runs the path of tests/longtail.py: adopt without accepting anything, a
refusal that leaves every file as it was where the deployed JSON would change,
and the repo's own and the template's unit tests; one (UPDATED) also `copier update`
(a no-op: adopt pinned the newest release). The suite runs the first fixture of
the classes in IN_SUITE_CLASSES (the others' paths are these or other tests');
`python3 run.py bench longtail` runs all of them, in CI too, and prints the figures.
"""
from __future__ import annotations

import json

import pytest

import longtail

FIRST_OF_EACH_CLASS = {}
for _fixture in longtail.cases():
    FIRST_OF_EACH_CLASS.setdefault(json.loads((_fixture / "case.json").read_text(encoding="utf-8"))["class"], _fixture)
# The suite runs one fixture of each class whose path no other test of the suite runs end to end: the proof's
# classes (issues 20 and 22: nondeterminism, path, probe-values), a refusal naming its --accept then adopted with it
# and updated (state-and-name), signature drift (shape-signature), tests that patch what moved (test-patches),
# aliased providers moved with the code as written (extra-providers).
# The others' paths are one of these, or tests/test_adopt.py's hand-made shapes, or unit-tested:
#   region-*          the region read off the synthesized JSON however the repo spells it (test_adopt.py's shapes)
#   fstring-self, kwargs-block, late-name, stray-caller   moving TapStack's code: test-patches here, each shape
#                     unit-tested in tests/test_transplant.py (rewrite_callers for stray callers too)
#   empty-suffix      TapStack's, checked by the generated tests
#   own-tags, no-default-tags, constraint-5   a refusal that names what to accept: state-and-name here, and
#                     test_adopt.py's stack-id-drift refusal (which checks "the only change")
#   backend-settings  the category unit-tested in tests/test_adopt.py, its refusal path state-and-name's
#   constraint-pin    the deployed constraint kept: every hand-made shape of tests/test_adopt.py (6.25.0)
#   shape-factory, shape-if-backend   the answers read off the JSON, not the code: test_adopt.py's shapes
#   provider-settings, guardrail-preexisting   settings and suppressions adopt writes (adopted_settings):
#                     probe-values-id-in-suppression here, deployed.settings_code in tests/test_adopt.py
# Every fixture of every class runs in CI (.ci/run: `python3 run.py bench longtail`, which fails unless all behave
# as their case.json says) and with `python3 run.py bench longtail` locally.
IN_SUITE_CLASSES = {"nondeterminism", "path", "probe-values", "state-and-name", "shape-signature", "test-patches",
                    "extra-providers"}
UPDATED = "state-and-name"  # the one the suite also `copier update`s: refused, adopted with its accepts, updated
IN_SUITE = {name: path for name, path in FIRST_OF_EACH_CLASS.items() if name in IN_SUITE_CLASSES}


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


def test_the_suites_classes_are_classes():
    assert IN_SUITE_CLASSES < set(FIRST_OF_EACH_CLASS)


@pytest.mark.parametrize("fixture", sorted(IN_SUITE.values()), ids=lambda p: p.name)
def test_adopt_keeps_what_deploys_and_the_tests_pass(fixture, template, tmp_path):
    # copier update on the first one only: adopt pinned the newest release, so it must change nothing
    # (`python3 run.py bench longtail` updates every fixture).
    result = longtail.run_case(fixture, template, tmp_path, update=fixture == IN_SUITE[UPDATED])
    problems = longtail.verdict(result)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
    if result["expect"] == "adopted":
        assert result["changes"] == [], "adopt changed the deployed JSON without an --accept"
    if fixture.name.startswith("nondeterminism-"):  # listed, never a reason to refuse
        assert result["nondeterministic"], result["report"]


def test_the_doctor_finds_no_error_and_never_crashes_on_the_long_tail_as_it_is():
    """These repos synthesize and deploy: a doctor error on one is a false error (issue 10's target is 0). One
    provider index for all (tests/test_doctor_longtail.py does the same); an internal error is TAP219."""
    from tapkit.checks import doctor  # pylint: disable=import-outside-toplevel
    from tapkit.checks.provider_api import ApiIndex  # pylint: disable=import-outside-toplevel

    index, bad = ApiIndex(), {}
    for fixture in longtail.cases():
        wrong = [f for f in doctor.diagnose(fixture, index=index) if f.severity == "error" or f.rule == "TAP219"]
        if wrong:
            bad[fixture.name] = [str(f) for f in wrong]
    assert not bad, bad
