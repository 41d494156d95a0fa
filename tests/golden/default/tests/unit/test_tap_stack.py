"""The stack shell every TAP task relies on: name, backend, providers, tags, constraint.

These tests assert on the JSON that tap.py's real code path synthesizes, and on
the static contract between tap.py, the tests and TapStack.__init__.
"""
# Template-owned: rendered by the TAP cdktf copier template. Change it through the
# template and `copier update`; local edits are merged on update and may conflict.
# pylint: disable=missing-function-docstring
import ast
import inspect
import json
from pathlib import Path

import pytest
from cdktf import Testing

import tap
from lib.tap_stack import TapStack

from .conftest import TEST_ENV
from .expected import expected, load

ROOT = Path(__file__).resolve().parents[2]
# What the answers promise (expected.json beside this file, which the template's checks read too), applied to
# TEST_ENV and to no variables.
EXPECTED = expected(TEST_ENV)
DEFAULTS = expected({})
EXPECTED_TAGS = EXPECTED["tags"]
ANSWERS = load()  # expected.json: the answers' tag keys (environment_tag, pipeline_tags, extra_tags)
# (alias, region) of every AWS provider: the default one has no alias.
EXPECTED_PROVIDERS = list(zip(EXPECTED["aliases"], EXPECTED["regions"]))
# A region the project does not use yet, to add as a secondary one.
SPARE_REGION = next(r for r in ("ca-central-1", "eu-north-1", "sa-east-1") if r not in EXPECTED["regions"])


def synth(environ) -> dict:
    """Synthesize a fresh stack through tap.py with `environ`."""
    return json.loads(Testing.synth(tap.build_stack(Testing.app(), environ=environ)))


def test_tap_py_calls_match_tap_stack_signature():
    declared = {name for name, p in inspect.signature(TapStack.__init__).parameters.items() if p.kind == p.KEYWORD_ONLY}
    passed = {keyword.arg for node in ast.walk(ast.parse((ROOT / "tap.py").read_text(encoding="utf-8")))
              if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "TapStack" for keyword in node.keywords}
    assert passed == declared, (
        f"tap.py passes {sorted(passed - declared) or 'nothing'} that TapStack.__init__ does not declare and leaves out "
        f"{sorted(declared - passed) or 'nothing'}: both render from the template's one parameter list, so change them "
        "through the template (copier update), not by hand")


def test_suppress_records_the_reason_for_the_guardrails(stack):
    marked = TapStack.suppress(stack.provider, "TAP310", reason=" why ")
    assert marked.node.metadata[-1].data == {"rule": "TAP310", "reason": "why"}
    with pytest.raises(ValueError, match="needs a reason"):
        TapStack.suppress(stack.provider, "TAP310", reason=" ")


def test_stack_is_named_from_the_suffix(stack):
    assert stack.node.id == EXPECTED["stack"]


def test_backend_is_configured_from_the_environment(stack_json):
    assert stack_json["terraform"]["backend"] == {EXPECTED["backend"]: EXPECTED["backend_config"]}


def template_providers(stack_json) -> list[dict]:
    """The AWS providers TapStack itself creates (your code may add more aliased ones)."""
    return [p for p in stack_json["provider"]["aws"] if (p.get("alias"), p.get("region")) in EXPECTED_PROVIDERS]


def tags_problem(provider: dict) -> str:
    """"" when the provider's default_tags are the tags the answers promise; else what differs, where the tags come
    from (the copier answers, rendered into tap.py) and the copier command that changes them."""
    blocks = provider.get("default_tags")
    found = blocks[0].get("tags") if isinstance(blocks, list) and len(blocks) == 1 and isinstance(blocks[0], dict) \
        else None
    if found == EXPECTED_TAGS:
        return ""
    name = provider.get("alias") or "aws"
    if not isinstance(found, dict):
        return f"provider {name}: default_tags is {blocks!r}, not one block " + "[{'tags': <mapping>}] (TapStack's)"
    differs = [f"{key} added" for key in found if key not in EXPECTED_TAGS]
    differs += [f"{key} missing" for key in EXPECTED_TAGS if key not in found]
    differs += [f"{key} is {found[key]!r}, not {value!r}" for key, value in EXPECTED_TAGS.items()
                if key in found and found[key] != value]
    fixed = {ANSWERS["environment_tag"], *ANSWERS["pipeline_tags"]}
    extra_tags = {key: value for key, value in found.items() if key not in fixed}
    pipeline_tags = [key for key in ANSWERS["pipeline_tags"] if key in found]
    change = f"--data 'extra_tags={json.dumps(extra_tags)}'"
    if pipeline_tags != list(ANSWERS["pipeline_tags"]):
        change += f" --data 'pipeline_tags={json.dumps(pipeline_tags)}'"
    return (
        f"provider {name}: its tags differ from the copier answers' ({'; '.join(differs)}).\n"
        "Tags come from the copier answers (extra_tags, pipeline_tags in lib/.copier-answers.yml), rendered into "
        "tap.py and tests/unit/expected.json; the next copier update renders tap.py from them again, so change the "
        "answers:\n"
        f"  copier update --trust --defaults -a lib/.copier-answers.yml {change}\n"
        "  (from the template's checkout: python3 run.py update <this task> --data ...; "
        "a new task: copier copy --data 'extra_tags=...')\n"
        f"{ANSWERS['environment_tag']} and the pipeline_tags are set from the pipeline's variables, not by extra_tags.")


def test_every_provider_has_default_tags_as_one_tags_block(stack_json):
    for provider in template_providers(stack_json):
        if problem := tags_problem(provider):
            pytest.fail(problem, pytrace=False)
    for provider in stack_json["provider"]["aws"]:  # yours too, where they set tags: the shape AwsProvider needs
        tags = provider.get("default_tags", [{"tags": {}}])
        assert isinstance(tags, list) and len(tags) == 1 and list(tags[0]) == ["tags"], provider


def test_one_provider_per_region(stack_json):
    found = [(p.get("alias"), p["region"]) for p in template_providers(stack_json)]
    assert sorted(found, key=str) == sorted(EXPECTED_PROVIDERS, key=str)
    unaliased = [p for p in stack_json["provider"]["aws"] if not p.get("alias")]
    assert len(unaliased) == 1, "only TapStack's default provider may go without an alias"


def test_required_provider_constraint_matches_cdktf_json(stack_json):
    cdktf_json = json.loads((ROOT / "cdktf.json").read_text(encoding="utf-8"))
    constraint = stack_json["terraform"]["required_providers"]["aws"]["version"]
    assert constraint == EXPECTED["aws_provider_constraint"]
    aws = [p for p in cdktf_json["terraformProviders"] if p.split("@")[0].endswith("aws")]
    assert aws == [f"aws@{constraint}"]


def test_cdktf_json_runs_tap_py():
    cdktf_json = json.loads((ROOT / "cdktf.json").read_text(encoding="utf-8"))
    assert cdktf_json["language"] == "python"
    assert cdktf_json["app"].split()[-1] == "tap.py" and (ROOT / "tap.py").is_file()


def test_synth_is_deterministic(synthesized):
    assert json.loads(synthesized) == synth(TEST_ENV)


def test_defaults_apply_when_the_pipeline_sets_nothing():
    for environ in ({}, {name: "" for name in TEST_ENV}):
        stack_json = synth(environ)
        tags = stack_json["provider"]["aws"][0]["default_tags"][0]["tags"]
        assert tags["Environment"] == DEFAULTS["tags"]["Environment"]
        assert stack_json["terraform"]["backend"] == {DEFAULTS["backend"]: DEFAULTS["backend_config"]}


def test_secondary_regions_get_aliased_providers(monkeypatch):
    # Keep the project's own regions: resources may use stack.providers["<region>"].
    monkeypatch.setattr(tap, "SECONDARY_REGIONS", (*tap.SECONDARY_REGIONS, SPARE_REGION))
    providers = synth(TEST_ENV)["provider"]["aws"]
    extra = [p for p in providers if p.get("alias") == SPARE_REGION.replace("-", "_")]
    assert len(extra) == 1 and extra[0]["region"] == SPARE_REGION
    if problem := tags_problem(extra[0]):
        pytest.fail(problem, pytrace=False)


def test_a_region_listed_twice_is_refused(monkeypatch):
    monkeypatch.setattr(tap, "SECONDARY_REGIONS", (TEST_ENV["AWS_REGION"],))
    with pytest.raises(ValueError, match="appears twice"):
        tap.build_stack(Testing.app(), environ=TEST_ENV)


def test_nested_tags_are_refused_with_the_fix(monkeypatch):
    monkeypatch.setattr(tap, "default_tags", lambda environ, suffix: {"tags": {"Environment": suffix}})
    with pytest.raises(TypeError, match="wraps them"):
        tap.build_stack(Testing.app(), environ=TEST_ENV)


def test_tags_must_be_a_mapping(monkeypatch):
    monkeypatch.setattr(tap, "default_tags", lambda environ, suffix: [("Environment", suffix)])
    with pytest.raises(TypeError, match="mapping"):
        tap.build_stack(Testing.app(), environ=TEST_ENV)


def test_a_bad_suffix_is_refused():
    with pytest.raises(ValueError, match="environment_suffix"):
        tap.build_stack(Testing.app(), environ={**TEST_ENV, "ENVIRONMENT_SUFFIX": "Not_Valid"})


def test_names_carry_the_suffix(stack):
    assert stack.name("orders") == f"orders-{TEST_ENV['ENVIRONMENT_SUFFIX']}"
