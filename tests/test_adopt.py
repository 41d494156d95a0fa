"""`python3 run.py adopt`: hand-made TAP repos of every shape get answers, keep their resources and tests, and update.

Each repo in tests/fixtures/handmade is copied, adopted against a template
repository tagged 0.1.0, 0.2.0 and 0.3.0, then updated with `copier update`
to 0.3.0; its resources, its tests and the drift report are checked. The five
shapes run two at a time (adopt and update are mostly subprocesses).
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers import PYTHON, ROOT, answers, clean_env
from tapkit.fleet import adopt, adopt_plan, deployed, gitutil, handmade, placing, sandbox, template, transplant
from tapkit.lifecycle import stackdiff

HANDMADE = ROOT / "tests" / "fixtures" / "handmade"
SHAPES = sorted(p.name for p in HANDMADE.iterdir() if p.is_dir())

# What adopt must infer (a subset of the answers) and which drift it must report, per shape.
EXPECTED = {
    "classic-kwargs": {
        "answers": {"state_key_pattern": "{environment_suffix}/{stack_id}.tfstate", "s3_locking": "lockfile",
                    # author: tap.py's own COMMIT_AUTHOR fallback ("unknown"), not metadata.json's "maria": the
                    # Author tag of a local synth stays what it was (issue 22)
                    # the constraint Terraform got from the prebuilt provider, not cdktf.json's spelling: the
                    # same provider release is installed after adopt (issue 22)
                    "aws_provider_constraint": "6.25.0", "author": "unknown", "team": "synth-2",
                    "python_version": "3.12", "include_integration_tests": True, "own_readme": True},
        "drift": [],
    },
    "explicit-id": {
        "answers": {"extra_regions": [], "s3_locking": "dynamodb",
                    "dynamodb_table": "iac-rlhf-tf-state-locks",
                    "state_key_pattern": "tap/{environment_suffix}/terraform.tfstate",
                    "extra_tags": {"CostCenter": "4410"}, "aws_provider_constraint": "6.25.0", "layout": "standalone"},
        "drift": [],
        # outside the pipeline's closed lists: reported, the template's default kept
        "could_not": ["team: metadata.json says 'inventory', which is not one of the pipeline's",
                      "subject_labels: metadata.json has 'Multi-region', not a label of the subtask"],
        "mismatch": "cdktf.json asks for aws@~> 5.0",
    },
    "ns-suffix-only": {
        "answers": {"aws_region": "us-west-2", "backend": "local", "extra_tags": {"Project": "alerts"},
                    "include_integration_tests": False, "layout": "monorepo"},
        "drift": [],
        "mismatch": "cdktf.json asks for aws@~> 5.0",
    },
    "stack-id-drift": {
        "answers": {"state_bucket": "iac-rlhf-tf-states", "s3_locking": "none", "complexity": "expert"},
        "drift": ["passes aws_region, default_tags, environment_suffix, state_bucket, state_bucket_region, which "
                  "TapStack.__init__ (lib/tap_stack.py:14) does not declare",
                  "tap.py reads AWS_REGION"],
    },
    "kwargs-typo-drift": {
        "answers": {"s3_locking": "none", "aws_region": "us-east-1"},
        "drift": ["TapStack reads kwargs['enviroment_suffix']", "a misspelling?", "passes enable_logging=...",
                  "passes environment_suffix=..., which TapStack never reads"],
    },
}


# What each shape's adoption changes in what it deploys, so adopt refuses without these --accept names.
ACCEPT = {
    # its CreatedAt tag from datetime.now() is dropped, but it differs between two synths of the untouched repo:
    # the repo's own nondeterminism, listed and not counted. Its tap.py's TEAM fallback ("unknown") is not a team
    # the questionnaire takes: with the variables unset, the Team tag changes (a fallback change, accepted by name)
    "classic-kwargs": {"default-tags"},
    # its team "inventory" is outside the pipeline's list: with the variables unset, its Team tag's fallback
    # becomes the template's default (a fallback change, accepted by name)
    "explicit-id": {"default-tags"},
    "ns-suffix-only": set(),
    "stack-id-drift": {"default-tags"},  # its provider had no default tags
    # TapStack read kwargs["enviroment_suffix"]: the key always said dev; its Team fallback "unknown" becomes the
    # answered team with the variables unset (a fallback change)
    "kwargs-typo-drift": {"state-key", "default-tags"},
}


def test_every_fixture_has_expectations():
    assert sorted(EXPECTED) == SHAPES == sorted(ACCEPT)


def defined_tests(tree_root: Path) -> dict[str, set[str]]:
    """{test file: names of its test functions} under tests/."""
    found = {}
    for path in sorted((tree_root / "tests").rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("test")}
        if names:
            found[path.relative_to(tree_root).as_posix()] = names
    return found


def synth_resources(project: Path) -> set[str]:
    """The resources `python tap.py` synthesizes in `project` (adopt's own synth); fails the test on an error."""
    return deployed.addresses(deployed.synthesize(project))


def adopt_and_update(releases: Path, shape: str, base: Path) -> dict:
    """Adopt a copy of hand-made repo `shape` at 0.2.0, then copier update it to 0.3.0; what each step left."""
    repo = shutil.copytree(HANDMADE / shape, base / shape)
    before_tests = defined_tests(repo)
    # Pinned to 0.2.0 (this checkout) so that the update to 0.3.0 brings the sample fixes.
    outcome = adopt.adopt(repo, releases, version="0.2.0", accept=ACCEPT[shape])
    result = {"repo": repo, "outcome": outcome, "report": adopt.report(outcome), "before_tests": before_tests,
              "adopted_answers": answers(repo), "adopted_status": gitutil.status_lines(repo)}
    result["update"] = sandbox.update(repo, "--defaults", "--vcs-ref=0.3.0",
                                      env={**os.environ, "TAP_HOOK_SKIP_SYNTH": "1"})
    result["after"] = synth_resources(repo)
    own = [t for t in defined_tests(repo) if not t.startswith(("tests/unit/test_tap_stack.py",
                                                               "tests/unit/test_toolchain.py",
                                                               "tests/unit/test_guardrails.py"))]
    result["tests"] = subprocess.run([PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", *own],
                                     cwd=repo, env=clean_env(), capture_output=True, text=True, check=False)
    return result


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """The sample template releases (0.1.0 ... 0.3.0) in a git repo."""
    return sandbox.sample_releases(tmp_path_factory.mktemp("releases") / "template")


@pytest.fixture(scope="module")
def adopted(releases, tmp_path_factory):
    """Every shape adopted and updated to 0.3.0, two at a time."""
    base = tmp_path_factory.mktemp("adopted")
    template.contract()  # load once, before the threads
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {shape: pool.submit(adopt_and_update, releases, shape, base) for shape in SHAPES}
        return {shape: future.result() for shape, future in futures.items()}


@pytest.mark.parametrize("shape", SHAPES)
def test_adopt_infers_the_answers_and_pins_a_release(adopted, shape):
    result = adopted[shape]
    for key, value in EXPECTED[shape]["answers"].items():
        assert result["outcome"].answers[key] == value, (key, result["report"])
        assert result["adopted_answers"][key] == value, key
    assert result["adopted_answers"]["_commit"] == result["outcome"].version
    assert result["outcome"].version in {"0.1.0", "0.2.0", "0.3.0"}
    assert not result["adopted_status"], "adopt commits its work, so copier update can run"
    assert f"Committed {result['outcome'].commit}" in result["report"]
    for fragment in EXPECTED[shape].get("could_not", []):
        assert any(fragment in line for line in result["outcome"].could_not), (fragment, result["outcome"].could_not)
    assert not (result["repo"] / "taptools").exists() and not (result["repo"] / ".copier-answers.yml").exists()


@pytest.mark.parametrize("shape", SHAPES)
def test_drift_is_reported_not_hidden(adopted, shape):
    outcome, report = adopted[shape]["outcome"], adopted[shape]["report"]
    wanted = EXPECTED[shape]["drift"]
    if not wanted:
        assert outcome.drift == [] and "Drift between tap.py and TapStack: none found" in report
    for fragment in wanted:
        assert any(fragment in line for line in outcome.drift), (fragment, outcome.drift)
    if wanted:
        assert f"Drift between tap.py and TapStack ({len(outcome.drift)}):" in report
    if "mismatch" in EXPECTED[shape]:
        assert any(EXPECTED[shape]["mismatch"] in line for line in outcome.mismatches)


@pytest.mark.parametrize("shape", SHAPES)
def test_adopt_keeps_every_resource(adopted, shape):
    outcome = adopted[shape]["outcome"]
    assert outcome.resources_before, "adopt lists the resources the repo had (for drift repos, with a repaired call)"
    assert set(outcome.resources_before) <= set(outcome.resources_after)
    assert "every one kept" in adopted[shape]["report"]
    assert outcome.compared
    changed = {d.split(":")[0] for d in outcome.differences} - {"required-providers"}
    assert changed == ACCEPT[shape], outcome.differences


# One shape per kind of change (classic-kwargs' default-tags refusal is stack-id-drift's; ~12 s of CPU each).
@pytest.mark.parametrize("shape", ["stack-id-drift", "kwargs-typo-drift"])
def test_a_change_to_what_deploys_is_refused_unless_accepted(releases, tmp_path, shape):
    repo = git_repo(tmp_path, shape)
    head = gitutil.out(repo, "rev-parse", "HEAD")
    with pytest.raises(adopt.AdoptError, match="would deploy something else") as refused:
        adopt.adopt(repo, releases, version="0.2.0")
    for name in ACCEPT[shape]:
        assert f"--accept {name}" in str(refused.value)
    if shape == "stack-id-drift":  # a provider without default_tags: the template's tags are the only change
        assert "That is the only change: default-tags" in str(refused.value), str(refused.value)
        assert "had no default_tags" in str(refused.value)
    assert gitutil.out(repo, "rev-parse", "HEAD") == head and not gitutil.status_lines(repo)
    assert not (repo / "lib" / "resources.py").exists() and not (repo / "lib" / ".copier-answers.yml").exists()


@pytest.mark.parametrize("shape", SHAPES)
def test_after_the_update_it_synthesizes_its_resources_and_keeps_its_tests(adopted, shape):
    result = adopted[shape]
    update = result["update"]
    assert update.returncode == 0, update.stdout + update.stderr
    repo = result["repo"]
    assert answers(repo)["_commit"] == "0.3.0"
    assert "App(stack_traces=False)" in (repo / "tap.py").read_text(encoding="utf-8"), "the update arrived"
    assert set(result["outcome"].resources_before) <= result["after"]
    before, after = result["before_tests"], defined_tests(repo)
    kept = set().union(*after.values())
    for path, names in before.items():
        assert names <= kept, (path, names - kept)
    tests = result["tests"]
    assert tests.returncode == 0, tests.stdout + tests.stderr


def test_the_report_says_what_moved_and_what_the_update_brings(adopted):
    report = adopted["classic-kwargs"]["report"]
    assert "moved     lib/tap_stack.py -> lib/resources.py  (TapStack.__init__'s resources and _queue)" in report
    assert "moved     tests/unit/test_tap_stack.py -> tests/unit/test_resources.py" in report
    assert "merged    Pipfile  (the template's, plus your boto3)" in report
    assert "tag CreatedAt" in report and "every synth differed" in report
    outcome = adopted["classic-kwargs"]["outcome"]
    if outcome.version != "0.3.0":
        assert any(line.startswith(f"{outcome.version} -> 0.3.0") for line in outcome.first_update)


def test_user_files_outside_the_template_are_untouched(adopted):
    for shape, files in {"explicit-id": ["lib/storage.py", "tests/unit/test_storage.py",
                                         "tests/integration/test_tap_stack.py"],
                         "classic-kwargs": ["lib/PROMPT.md", "tests/integration/test_tap_stack.py",
                                            "README.md"]}.items():
        for rel in files:
            assert (adopted[shape]["repo"] / rel).read_bytes() == (HANDMADE / shape / rel).read_bytes(), (shape, rel)


# ---------------------------------------------------------------- refusals, each leaving the repo as it was
def git_repo(tmp_path, shape="classic-kwargs"):
    """A copy of hand-made repo `shape`, committed in a new git repository."""
    repo = shutil.copytree(HANDMADE / shape, tmp_path / shape)
    gitutil.init(repo, "hand-made")
    return repo


@pytest.mark.parametrize("answers_file", [".copier-answers.yml", "lib/.copier-answers.yml"])
def test_a_copier_project_is_refused(releases, tmp_path, answers_file):
    repo = git_repo(tmp_path)
    (repo / answers_file).write_text("_commit: 0.2.0\n", encoding="utf-8")
    with pytest.raises(adopt.AdoptError, match="already a copier project"):
        adopt.adopt(repo, releases)


def test_a_dirty_repo_is_refused_and_untouched(releases, tmp_path):
    repo = git_repo(tmp_path)
    (repo / "tap.py").write_text("# work in progress\n", encoding="utf-8")
    with pytest.raises(adopt.AdoptError, match="uncommitted changes"):
        adopt.adopt(repo, releases)
    assert (repo / "tap.py").read_text(encoding="utf-8") == "# work in progress\n"


def test_a_template_without_releases_is_a_clear_error(tmp_path):
    bare = sandbox.copy_template(ROOT, tmp_path / "untagged")
    gitutil.init(bare, "no tag")
    with pytest.raises(adopt.AdoptError, match="has no release tag"):
        adopt.adopt(git_repo(tmp_path), bare)


def test_a_write_that_fails_half_way_restores_the_repo(releases, tmp_path, monkeypatch):
    """A disk that fills up in the middle of the plan's writes: the repo is as it was, the error says why."""
    repo = git_repo(tmp_path)
    head = gitutil.out(repo, "rev-parse", "HEAD")
    write, written = adopt_plan.Write.apply, []

    def fills_up(action, into):
        if written:
            raise OSError(28, "No space left on device")
        written.append(action.path)
        write(action, into)

    monkeypatch.setattr(adopt_plan.Write, "apply", fills_up)
    with pytest.raises(adopt.AdoptError, match="No space left on device"):
        adopt.adopt(repo, releases, version="0.2.0", verify=False)
    assert written and gitutil.out(repo, "rev-parse", "HEAD") == head and not gitutil.status_lines(repo)


def test_code_adopt_cannot_move_stops_it_and_restores_the_repo(releases, tmp_path):
    repo = git_repo(tmp_path)
    stack = repo / "lib" / "tap_stack.py"
    stack.write_text(stack.read_text(encoding="utf-8").replace(
        "        AwsProvider(\n", "        if aws_region:\n          AwsProvider(\n"), encoding="utf-8")
    gitutil.commit_all(repo, "provider in a block")
    head = gitutil.out(repo, "rev-parse", "HEAD")
    with pytest.raises(adopt.AdoptError, match=r"lib/tap_stack.py:\d+: AwsProvider is created inside a block"):
        adopt.adopt(repo, releases, version="0.2.0", verify=False)
    assert gitutil.out(repo, "rev-parse", "HEAD") == head and not gitutil.status_lines(repo)
    assert not (repo / "lib" / "resources.py").exists()


def test_run_py_exposes_the_command_and_fails_readably(tmp_path):
    done = subprocess.run(["python3", str(ROOT / "run.py"), "adopt", str(tmp_path / "nothing-here")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1 and "adopt: FAILED" in done.stderr and "is not a directory" in done.stderr


# ---------------------------------------------------------------- the parts, on small inputs
def test_tags_given_flat_but_wrapped_as_a_tags_block_twice_are_drift(tmp_path):
    repo = shutil.copytree(HANDMADE / "classic-kwargs", tmp_path / "repo")
    tap = repo / "tap.py"
    text = tap.read_text(encoding="utf-8")
    tap.write_text(text.replace('default_tags = {\n    "tags": {', 'default_tags = {\n    "flat": {'), encoding="utf-8")
    reading = handmade.read(repo, "6.25.0", template.contract())
    assert any("tags: tap.py passes default_tags as a flat mapping" in line for line in reading.drift)


def test_self_becomes_stack_and_helper_calls_take_it():
    code = "    self.bucket = self._make(self, 'x')\n    self.queue = self._queue()\n    n = self.LIMIT + 'self'\n"
    out = transplant.rename_self(code, {"_make", "_queue"}, set(), {"LIMIT"})
    assert out == ("    stack.bucket = _make(stack, stack, 'x')\n    stack.queue = _queue(stack)\n"
                   "    n = LIMIT + 'self'")


def test_test_calls_go_through_the_adapter_and_moved_names_are_imported_from_resources(tmp_path):
    text = ("import json\nfrom lib.tap_stack import TapStack, QUEUE_SIZE\n\n\ndef test_x():\n"
            "    stack = TapStack(None, 'x', environment_suffix='t')\n    assert json and stack and QUEUE_SIZE\n"
            "    patch('lib.tap_stack.QUEUE_SIZE')\n")
    edit = transplant.rewrite_test(tmp_path / "t.py", text, {"QUEUE_SIZE", "add_resources"})
    assert "tap_stack_as_before(None, 'x', environment_suffix='t')" in edit.text
    assert "from lib.tap_stack import TapStack\nfrom lib.resources import QUEUE_SIZE" in edit.text
    assert "from tests.adopted import tap_stack_as_before  # added by adopt" in edit.text
    assert "'lib.resources.QUEUE_SIZE'" in edit.text
    ast.parse(edit.text)


def test_the_pipfile_merge_keeps_the_repo_packages_the_template_lacks():
    rendered = ('[packages]\ncdktf = "==0.21.0"\n\n[dev-packages]\npytest = ">=8"\n\n'
                '[requires]\npython_version = "3.11"\n')
    mine = '[packages]\ncdktf = "~=0.21"\nboto3 = "*"\n\n[dev-packages]\nmoto = {version = "*", extras = ["s3"]}\n'
    merged, added = placing.merge_pipfile(rendered, mine)
    assert added == ["boto3", "moto"]
    assert 'cdktf = "==0.21.0"\n# kept from this repo\'s own Pipfile (adopt)\nboto3 = "*"\n' in merged
    assert 'moto = {version = "*", extras = ["s3"]}' in merged
    assert json.dumps(__import__("tomllib").loads(merged)["packages"]) == '{"cdktf": "==0.21.0", "boto3": "*"}'


def test_a_parameter_the_stack_reassigns_is_still_bound_first(tmp_path):
    repo = shutil.copytree(HANDMADE / "explicit-id", tmp_path / "repo")
    stack = repo / "lib" / "tap_stack.py"
    stack.write_text(stack.read_text(encoding="utf-8").replace(
        "        super().__init__(scope, id)\n",
        "        super().__init__(scope, id)\n        environment_suffix = environment_suffix or 'test'\n"),
        encoding="utf-8")
    reading = handmade.read(repo, "6.25.0", template.contract())
    text = transplant.move_resources(reading, reading.answers, repo).text
    bound = text.index("    environment_suffix = stack.environment_suffix\n")
    assert bound < text.index("    environment_suffix = environment_suffix or 'test'\n")


# ---------------------------------------------------------------- the proof's parts (issues 20 and 22), no synth
def test_a_constraint_change_is_a_difference_to_accept_and_a_respelling_is_not_infrastructure():
    def required(version):
        return {"S": {"terraform": {"required_providers": {"aws": {"source": "aws", "version": version}}}}}
    [changed] = stackdiff.diff(required("6.25.0"), required("~> 6.0"), admits=lambda c: True)
    assert changed.category == "provider-constraint" and changed in stackdiff.needing_acceptance([changed], set())
    [respelled] = stackdiff.diff(required("6.25.0"), required("= 6.25.0"))
    assert respelled.category == "backend-settings" and "backend-settings" in stackdiff.NOT_INFRASTRUCTURE
    [moved] = stackdiff.diff(required("~> 5.0"), required("~> 6.0"), admits=lambda c: c.startswith("~> 6"))
    assert moved.category == "provider-version"


def test_backend_settings_and_a_local_state_file_have_their_own_kinds():
    def backend(kind, **settings):
        return {"S": {"terraform": {"backend": {kind: settings}}}}
    [encrypt] = stackdiff.diff(backend("s3", bucket="b", key="k"), backend("s3", bucket="b", key="k", encrypt=True))
    assert (encrypt.category, encrypt.where) == ("backend-settings", "terraform.backend.s3.encrypt")
    [moved] = stackdiff.diff(backend("local", path=f"{deployed.ROOT_MARKER}/terraform.S.tfstate"),
                             backend("local", path="terraform.S.tfstate"))
    assert moved.category == "state-key"
    assert deployed.state_file(Path("/r"), moved.before) == Path("/r/terraform.S.tfstate")
    assert deployed.state_file(Path("/r"), moved.after) == Path("/r/cdktf.out/stacks/S/terraform.S.tfstate")


def test_the_refusal_names_each_difference_its_kind_and_the_accept_and_says_when_it_is_the_only_change():
    tags = stackdiff.Difference("default-tags", "provider.aws (default).default_tags", None, [{"tags": {"A": "b"}}])
    unset = stackdiff.Difference("default-tags", "provider.aws (default).default_tags (the pipeline's variables "
                                                 "unset)", None, [{"tags": {"A": "c"}}])
    encrypt = stackdiff.Difference("backend-settings", "terraform.backend.s3.encrypt", None, True)
    text = stackdiff.refusal([tags, unset, encrypt], list(adopt.MODE_TEXT.values())[:2], 1, "python3 run.py adopt R")
    assert "added: [{\"tags\": {\"A\": \"b\"}}]   [--accept default-tags]" in text
    assert "That is the only change: default-tags" in text and "had no default_tags" in text
    assert text.index("Not infrastructure (1 backend-settings") > text.index("only change")
    assert "terraform.backend.s3.encrypt added: true   [--accept backend-settings]" in text
    assert "Not counted: the repo's own nondeterminism (1 value(s)" in text
    assert text.endswith("python3 run.py adopt R --accept backend-settings --accept default-tags")
    # Found only with the variables unset: a fallback, which a pipeline deploy never sees; the refusal says so.
    fallbacks = adopt.MODE_TEXT["unset"]
    assert "each only with the pipeline's variables unset" in stackdiff.refusal(
        [unset], list(adopt.MODE_TEXT.values())[:2], 0, "adopt R", fallbacks=fallbacks)
    assert "each only with" not in stackdiff.refusal([tags, unset], list(adopt.MODE_TEXT.values())[:2], 0, "adopt R",
                                                     fallbacks=fallbacks)


def test_the_repo_own_nondeterminism_is_masked_where_the_adopted_repo_has_another_value_or_none():
    first = {"S": {"provider": {"aws": [{"default_tags": [{"tags": {"CreatedAt": "2026-01-01T10:00:01", "A": "1"}}]}]},
                   "resource": {"aws_sqs_queue": {"jobs-1a2b": {"name": "jobs"}}}}}
    second = {"S": {"provider": {"aws": [{"default_tags": [{"tags": {"CreatedAt": "2026-01-01T10:00:04", "A": "1"}}]}]},
                    "resource": {"aws_sqs_queue": {"jobs-9f8e": {"name": "jobs"}}}}}
    paths = deployed.unstable_paths(first, second)
    assert ("S", "resource", "aws_sqs_queue") in paths
    adopted_repo = {"S": {"provider": {"aws": [{"default_tags": [{"tags": {"A": "1"}}]}]},
                          "resource": {"aws_sqs_queue": {"jobs-7c6d": {"name": "jobs"}}}}}
    assert stackdiff.diff(deployed.masked(first, paths), deployed.masked(adopted_repo, paths)) == []
    tag = next(p for p in paths if p[-1] == "CreatedAt")
    assert "TAP322" in deployed.stabilizing(tag, first, second)
    assert "construct ids" in deployed.stabilizing(("S", "resource", "aws_sqs_queue"), first, second)


def test_the_project_root_is_marked_not_stripped():
    doc = {"filename": "/w/repo/build/fn.zip", "hash": '${filebase64sha256("/w/repo/build/fn.zip")}',
           "path": "terraform.S.tfstate"}
    assert deployed.with_root_marker(doc, "/w/repo") == {
        "filename": "<project root>/build/fn.zip", "hash": '${filebase64sha256("<project root>/build/fn.zip")}',
        "path": "terraform.S.tfstate"}


def test_nothing_adopt_writes_holds_a_probe_value():
    suffix = deployed.PROBE[deployed.SUFFIX_VARIABLE]
    doc = {"provider": {"aws": [{"region": "us-east-1", "default_tags": [{"tags": {
               "Environment": suffix, "Stage": f"stage-{suffix}", "Project": "orders"}}],
               "assume_role": [{"session_name": f"deploy-{suffix}"}]}]},
           "terraform": {"backend": {"s3": {"bucket": f"terraform-state-{suffix}-orders", "region": "us-east-1",
                                            "key": f"{suffix}/TapStack{suffix}.tfstate",
                                            "dynamodb_table": f"tf-locks-{suffix}"}},
                         "required_providers": {"aws": {"source": "aws", "version": "6.25.0"}}}}
    inferred = deployed.Inferred({f"TapStack{suffix}": doc}, admits=lambda c: c == "6.25.0")
    assert inferred.answers["extra_tags"] == {"Project": "orders"}
    assert "state_bucket" not in inferred.answers and "dynamodb_table" not in inferred.answers
    assert inferred.answers["s3_locking"] == "dynamodb" and inferred.answers["aws_provider_constraint"] == "6.25.0"
    assert inferred.answers["state_key_pattern"] == "{environment_suffix}/{stack_id}.tfstate"
    code = "\n".join(deployed.settings_code(inferred.provider_overrides, [(f"TapStack{suffix}/logs-{suffix}",
                                                                          "TAP310")]))
    assert suffix not in code, code
    assert "f'deploy-{stack.environment_suffix}'" in code
    assert "find_child(f'logs-{stack.environment_suffix}')" in code


def test_adopt_drops_the_archive_steps_fields_from_metadata_json():
    """A task brought back from archive/ carries author, coverage...: the pipeline's schema refuses them and the
    update's check would drop them, leaving the adopted repo dirty; adopt drops them and keeps the repo's fields
    the template does not write."""
    rendered = json.dumps({"platform": "cdktf", "team": "synth"}, indent=2) + "\n"
    action, text = placing.place("metadata.json", rendered, json.dumps(
        {"platform": "cdktf", "team": "synth", "author": "maria", "coverage": {"lines": 91}}), {"team"})
    assert (action.action, text) == ("replaced", rendered) and "without author, coverage" in action.detail
    action, text = placing.place("metadata.json", rendered, json.dumps(
        {"platform": "cdktf", "team": "synth", "author": "maria", "notes": "mine"}), {"team"})
    assert action.action == "merged" and json.loads(text) == {"platform": "cdktf", "team": "synth", "notes": "mine"}
    # A field the template writes takes the answers' value (read off this file, or the default the report names).
    action, text = placing.place("metadata.json", rendered, json.dumps({"platform": "cdktf", "team": "unknown"}),
                                 set())
    assert (action.action, text) == ("replaced", rendered) and "team changed" in action.detail


def test_a_finding_the_updates_hook_refuses_stops_adopt_and_changes_nothing(releases, tmp_path):
    """The update's hook runs the doctor: code it refuses (an import of a project module that is gone, in a branch
    the pipeline never takes, so the repo synthesizes) fails the first copier update, so adopt names it and stops
    first (issue 22.5)."""
    repo = git_repo(tmp_path, "explicit-id")
    stack = repo / "lib" / "tap_stack.py"
    stack.write_text(stack.read_text(encoding="utf-8").replace(
        '        self.storage = StorageConstruct(',
        '        if self.node.try_get_context("legacy_monitoring"):  # never set\n'
        '            from lib.monitoring import add_monitoring  # pylint: disable=import-outside-toplevel\n'
        '            add_monitoring(self)\n'
        '        self.storage = StorageConstruct('),
        encoding="utf-8")
    gitutil.commit_all(repo, "legacy monitoring")
    head = gitutil.out(repo, "rev-parse", "HEAD")
    with pytest.raises(adopt.AdoptError, match="the update's hook would refuse the adopted repo") as refused:
        adopt.adopt(repo, releases, version="0.2.0", accept={"default-tags"})
    assert "TAP213" in str(refused.value) and "lib/resources.py" in str(refused.value), str(refused.value)
    assert gitutil.out(repo, "rev-parse", "HEAD") == head and not gitutil.status_lines(repo)
