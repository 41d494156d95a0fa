"""The doctor on long-tail, hand-made shapes: no crash, no false error, and a real synth proves each TAP204 verdict.

Fixtures: tests/fixtures/longtail/doctor/<case>/ holds files laid over one copy of
the rendered default project (after deleting case.json's "remove" list). Classes
(case.json "class"): a, structs whose jsii signature is on one line (the doctor used
to crash on them); b, dicts passed straight as a struct argument (jsii converts
them: no finding); c, dicts inside a list of structs (jsii drops their snake_case
keys: TAP204); d, layouts and names other than the template's (warnings only).
Markers in the fixture source say what must happen:
  `# doctor: TAP204`             the doctor reports this error on this line; it reports no error without one
  `# json: ID PATH == VALUE`     in the synthesized JSON, the resource whose construct path ends in /ID has
                                 PATH (attribute[0].key) equal to VALUE (a Python literal; None: dropped)
Every project synthesizes in ONE Python process (one jsii runtime), each into its own cdktf.out.
"""
from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import pytest

from helpers import PYTHON, ROOT, run

from tapkit.checks import doctor
from tapkit.checks.provider_api import ApiIndex, parse_module

FIXTURES = ROOT / "tests" / "fixtures" / "longtail" / "doctor"
CASES = {p.name: json.loads((p / "case.json").read_text(encoding="utf-8"))
         for p in sorted(FIXTURES.iterdir()) if (p / "case.json").is_file()}
INDEX = ApiIndex()
DOCTOR_MARK = re.compile(r"#\s*doctor:\s*(TAP\d+)")
JSON_MARK = re.compile(r"#\s*json:\s*(\S+)\s+(\S+)\s*==\s*(.+?)\s*$")

# Runs each project's app (cdktf.json "app") in this one process: argv = base project, [[name, dir, script]].
SYNTH_ALL = r'''
import json, os, runpy, shutil, sys, traceback
base, jobs = sys.argv[1], json.loads(sys.argv[2])
root = os.path.dirname(base)
# jsii's Node process reads CDKTF_OUTDIR once, when it starts: every app writes here, then it moves.
shared = os.environ["CDKTF_OUTDIR"] = os.path.join(root, "_synth_out")
import tapkit.checks.lazy_provider  # bundled Node, lazy provider import: once, as a generated task's lib/ does
tapkit.checks.lazy_provider.install()
# The JSON is the proof: write it even where a guardrail refuses the stack (a dropped route is TAP347).
os.environ["CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS"] = "1"
results = {}
for name, project, script in jobs:
    for module in [m for m, v in sys.modules.items()
                   if (getattr(v, "__file__", None) or "").startswith(root) or
                   any(str(p).startswith(root) for p in (getattr(v, "__path__", None) or []))]:
        del sys.modules[module]
    os.chdir(project)
    shutil.rmtree(shared, ignore_errors=True)
    sys.path.insert(0, os.path.dirname(os.path.join(project, script)))
    try:
        runpy.run_path(os.path.join(project, script), run_name="__main__")
        results[name] = "ok"
    except BaseException:  # noqa: B036  (report every failure, SystemExit included, and go on)
        results[name] = traceback.format_exc()[-3000:]
    sys.path.pop(0)
    if os.path.isdir(shared):
        shutil.move(shared, os.path.join(project, "cdktf.out"))
print(json.dumps(results))
'''


def materialize(case: str, base: Path, dest: Path) -> Path:
    """The rendered project without case.json's "remove" files, with the fixture's files laid over it."""
    project = shutil.copytree(base, dest / case, ignore=shutil.ignore_patterns("cdktf.out", "__pycache__"))
    meta = CASES[case]
    for rel in meta.get("remove", []):
        target = project / rel
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
    shutil.copytree(FIXTURES / case, project, dirs_exist_ok=True, ignore=shutil.ignore_patterns("case.json"))
    if "cdktf_app" in meta:
        config = json.loads((project / "cdktf.json").read_text(encoding="utf-8"))
        config["app"] = meta["cdktf_app"]
        (project / "cdktf.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return project


def markers(case: str) -> tuple[set[tuple[str, int, str]], list[tuple[str, str, str, object]]]:
    """(path, line, rule) of every `# doctor:` marker; (file, id, path, value) of every `# json:` marker."""
    errors, values = set(), []
    for path in sorted((FIXTURES / case).rglob("*.py")):
        rel = path.relative_to(FIXTURES / case).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for rule in DOCTOR_MARK.findall(line):
                errors.add((rel, number, rule))
            found = JSON_MARK.search(line)
            if found:
                values.append((rel, found[1], found[2], ast.literal_eval(found[3])))
    return errors, values


@pytest.fixture(scope="module")
def synthesized(rendered, tmp_path_factory):
    """Every fixture as a project, synthesized once: name -> (project dir, "ok" or the traceback)."""
    root = tmp_path_factory.mktemp("longtail-doctor")
    base = shutil.copytree(rendered("default"), root / "_base", ignore=shutil.ignore_patterns("cdktf.out"))
    projects = {case: materialize(case, base, root) for case in CASES}
    jobs = [[case, str(project), doctor.app_scripts(json.loads(
        (project / "cdktf.json").read_text(encoding="utf-8"))["app"])[0]] for case, project in projects.items()]
    done = run([PYTHON, "-c", SYNTH_ALL, str(base), json.dumps(jobs)], root, timeout=300, PYTHONPATH=str(ROOT))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    return {case: (projects[case], results[case]) for case in CASES}


def describe(findings) -> str:
    """The findings, one per line with their severity, for an assertion message."""
    return "\n".join(f"{f.severity}: {f}" for f in findings) or "(no findings)"


def stack_json(project: Path) -> dict:
    """The one stack's cdk.tf.json under the project's cdktf.out."""
    (stack_file,) = (project / "cdktf.out").glob("stacks/*/cdk.tf.json")
    return json.loads(stack_file.read_text(encoding="utf-8"))


def lookup(doc: dict, construct_id: str, path: str):
    """PATH (a.b[0].c) of the one resource whose construct path ends in /construct_id; None where absent."""
    found = [config for named in doc.get("resource", {}).values() for config in named.values()
             if config.get("//", {}).get("metadata", {}).get("path", "").endswith("/" + construct_id)]
    assert len(found) == 1, f"{len(found)} resources end in /{construct_id}"
    value = found[0]
    for name, index in re.findall(r"([A-Za-z_][\w-]*)?(?:\[(\d+)\])?\.?", path):
        if name:
            value = value.get(name) if isinstance(value, dict) else None
        if index:
            value = value[int(index)] if isinstance(value, list) and len(value) > int(index) else None
    return value


def test_there_are_at_least_three_fixtures_of_each_class():
    counts = {kind: sum(meta["class"] == kind for meta in CASES.values()) for kind in "abcd"}
    assert min(counts.values()) >= 3, counts


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_doctor_reports_exactly_the_marked_errors_and_never_crashes(case, synthesized):
    project, _ = synthesized[case]
    findings = doctor.diagnose(project, index=INDEX)
    assert not [f for f in findings if f.rule == "TAP219"], describe(findings)
    expected, _ = markers(case)
    errors = {(f.path, f.line, f.rule) for f in findings if f.severity == "error"}
    assert errors == expected, describe(findings)
    warned = {f.rule for f in findings if f.severity == "warning"}
    assert set(CASES[case].get("warnings", [])) <= warned, describe(findings)
    if CASES[case]["class"] == "c":
        assert expected, "a list-of-dicts fixture must mark the TAP204 it proves"


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_synthesized_json_shows_what_the_doctor_says(case, synthesized):
    project, result = synthesized[case]
    assert result == "ok", result
    _, values = markers(case)
    assert values, "every fixture states what its JSON must hold"
    doc = stack_json(project)
    wrong = [f"{rel}: {cid} {path} is {lookup(doc, cid, path)!r}, not {want!r}"
             for rel, cid, path, want in values if lookup(doc, cid, path) != want]
    assert not wrong, "\n".join(wrong)
    if CASES[case]["class"] == "c":  # the proof of the finding: a value the code sets is missing from the JSON
        assert any(want is None for *_, want in values)


def test_the_command_runs_on_a_foreign_layout_with_warnings_only(synthesized):
    project, _ = synthesized["layout_app_in_bin"]
    done = run([PYTHON, "-m", "tapkit.checks.doctor", "--json", str(project)], project, PYTHONPATH=str(ROOT))
    listed = json.loads(done.stdout)
    assert done.returncode == 0 and listed, done.stdout + done.stderr
    assert {f["severity"] for f in listed} == {"warning"}


def test_an_internal_error_is_one_warning_naming_file_and_line(tmp_path, monkeypatch):
    project = shutil.copytree(FIXTURES.parent.parent / "seeds" / "_base", tmp_path / "crash")
    resources = project / "lib" / "resources.py"
    resources.write_text(resources.read_text(encoding="utf-8") + '''

def more(stack):
    from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
    SqsQueue(stack, "a", name="a")
    SqsQueue(stack, "b", name="b")
''', encoding="utf-8")

    real = doctor.SourceChecker._check_jsii_call  # pylint: disable=protected-access  # the fault goes in there

    def broken(self, call, info):  # the fault the one-line signatures caused, injected: none is left to find
        if info.name == "SqsQueue":
            raise KeyError("name")
        real(self, call, info)

    monkeypatch.setattr(doctor.SourceChecker, "_check_jsii_call", broken)
    findings = doctor.diagnose(project, index=INDEX)
    (crash,) = [f for f in findings if f.rule == "TAP219"]
    first_call = resources.read_text(encoding="utf-8").splitlines().index('    SqsQueue(stack, "a", name="a")') + 1
    assert (crash.path, crash.line, crash.severity) == ("lib/resources.py", first_call, "warning")
    assert crash.message == "internal error in the doctor: KeyError: 'name'; please report it"
    assert [f.rule for f in findings] == ["TAP219"], "one finding for both calls, and the other checks still ran"


@pytest.mark.parametrize("module", ["dynamodb_table", "lb_target_group", "instance", "cloudfront_distribution"])
def test_every_signature_of_big_provider_modules_is_read(module):
    """Each struct's parameters equal its jsii name mapping; every class with an __init__ has it read."""
    dotted = f"cdktf_cdktf_provider_aws.{module}"
    source = INDEX.module_file(dotted).read_text(encoding="utf-8")
    info = parse_module(dotted, source)
    inits = len(re.findall(r"^    def __init__\(", source, re.MULTILINE))
    assert sum(c.has_init for c in info.classes.values()) == inits
    conversions = len(re.findall(r"^        if isinstance\(\w+, dict\):", source, re.MULTILINE))
    assert sum(len(c.converts) for c in info.classes.values()) == conversions  # lifecycle's too (_cdktf_...)
    one_line = re.findall(r"^class (\w+).*\n    def __init__\(self, \*, [^\n]*\) -> None:$", source, re.MULTILINE)
    structs = [c for c in info.classes.values() if c.is_struct]
    assert structs and (one_line or module == "lb_target_group")
    for struct in structs:
        assert struct.has_init and set(struct.params) == set(struct.json_names), struct.name
        assert all(p.keyword_only for p in struct.params.values()), struct.name
    for name in one_line:
        assert info.classes[name].params, name
    no_fields = set(re.findall(r"^class (\w+).*\n    def __init__\(self\) -> None:$", source, re.MULTILINE))
    assert {s.name for s in structs if not s.params} == {s.name for s in structs} & no_fields


def test_no_crash_on_the_other_hand_made_repos_and_no_false_error_on_the_documented_ones():
    """The adopt fixtures are hand-made repos too, of other shapes: never a crash. tests/fixtures/handmade/README.md
    says which synthesize: of those, only stack-id-drift fails synth (tap.py passes keywords TapStack refuses)."""
    repos = [p for base in ("handmade", "longtail/adopt") for p in sorted((FIXTURES.parents[1] / base).iterdir())
             if (p / "tap.py").is_file() or (p / "cdktf.json").is_file()]
    assert len(repos) >= 5
    for repo in repos:
        findings = doctor.diagnose(repo, index=INDEX)
        assert not [f for f in findings if f.rule == "TAP219"], f"{repo.name}:\n{describe(findings)}"
        if repo.parent.name == "handmade":
            errors = {f.rule for f in findings if f.severity == "error"}
            want = {"TAP102"} if repo.name == "stack-id-drift" else set()
            assert errors == want, f"{repo.name}:\n{describe(findings)}"
