"""The long-tail adopt check, shared by tests/test_adopt_longtail.py and bench/longtail.py.

Each fixture under tests/fixtures/longtail/adopt/ is a hand-made TAP repo in a
shape real repos have, with a case.json: class, about (the shape, and why it is
refused where it is), expect ("adopted" or "refused"), refusal (fragments the
refusal must say), accept (the --accept names it is then adopted with), report
(fragments of the adopt report), skip_tests (template tests that cannot pass on
the repo's own nondeterminism) and tests_pin_accepted (why the repo's own tests
fail after adoption: they assert what was accepted).
One run: check the repo synthesizes and passes its own tests as it is; adopt it
(without --accept: it must adopt, or refuse leaving every file as it was, as
case.json says, the refusal naming its "refusal" fragments; a refused one is then
adopted with the accepts case.json names, its report saying its "report" fragments);
`copier update` to the newest release; run the repo's unit tests (its own and the
template's) in a subprocess.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from helpers import clean_env  # tests/ and the checkout are on the path (pytest.ini; bench/longtail.py)
from tapkit import ROOT
from tapkit.fleet import adopt, gitutil, sandbox

FIXTURES = ROOT / "tests" / "fixtures" / "longtail" / "adopt"


def cases() -> list[Path]:
    """Every fixture directory with a case.json."""
    return sorted(p for p in FIXTURES.iterdir() if (p / "case.json").is_file()) if FIXTURES.is_dir() else []


def releases(dest: Path) -> Path:
    """A template repository whose newest release is this checkout (what users adopt into)."""
    return sandbox.template_releases(ROOT, dest, [("0.1.0", sandbox.before_0_2_0), ("0.2.0", sandbox.current)])


def tree_digest(repo: Path) -> str:
    """A digest of every file outside .git, to prove a refusal changed nothing."""
    digest = hashlib.sha256()
    for path in sorted(p for p in repo.rglob("*") if p.is_file() and ".git" not in p.relative_to(repo).parts
                       and "__pycache__" not in p.parts):
        digest.update(path.relative_to(repo).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def run_tests(repo: Path, skip: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """The repo's unit tests, as the pipeline runs them (without its coverage gate), but those named in `skip`
    (case.json "skip_tests": the template's determinism test on a repo whose nondeterminism adopt reported)."""
    deselect = ["-k", " and ".join(f"not {name}" for name in skip)] if skip else []
    return subprocess.run([sys.executable, "-m", "pytest", "tests/unit", "-q", "-p", "no:cacheprovider", "-p",
                           "no:copie", "-x", *deselect], cwd=repo, env=clean_env(), capture_output=True, text=True,
                          timeout=900, check=False)


def run_case(fixture: Path, template: Path, work: Path, update: bool = True) -> dict:
    """Everything one fixture goes through; a dict of what happened (see the keys).

    update=False leaves out `copier update` (adopt pins the newest release, so the update has nothing to
    bring; the test suite runs it on one fixture, the benchmark on all)."""
    case = json.loads((fixture / "case.json").read_text(encoding="utf-8"))
    repo = Path(shutil.copytree(fixture, work / fixture.name, ignore=shutil.ignore_patterns("case.json",
                                                                                            "__pycache__")))
    result = {"name": fixture.name, "class": case["class"], "expect": case["expect"], "refused": None,
              "refusal_ok": None, "untouched": None, "adopted": False, "error": None, "updated": None,
              "tests_ok": None, "changes": [], "seconds": 0.0, "report_expect": case.get("report", []),
              "report": None, "nondeterministic": [], "tests_pin_accepted": case.get("tests_pin_accepted", "")}
    started = time.monotonic()
    gitutil.init(repo, "hand-made")
    head, digest = gitutil.out(repo, "rev-parse", "HEAD"), tree_digest(repo)
    try:
        outcome = adopt.adopt(repo, template)
        result["refused"] = False
    except adopt.AdoptError as error:
        result.update(refused=True, error=str(error))
        result["refusal_ok"] = all(part in str(error) for part in case.get("refusal", []))
        result["untouched"] = gitutil.out(repo, "rev-parse", "HEAD") == head and tree_digest(repo) == digest \
            and not gitutil.status_lines(repo)
        outcome = None
        if case.get("accept"):
            try:
                outcome = adopt.adopt(repo, template, accept=set(case["accept"]))
            except adopt.AdoptError as again:
                result["error"] = str(again)
    if outcome is not None:
        result["adopted"] = True
        result["changes"] = list(outcome.differences)  # every kind needs its --accept (a constraint's too)
        result["report"] = adopt.report(outcome)
        result["nondeterministic"] = list(outcome.nondeterministic)
        if update:
            done = sandbox.update(repo, "--defaults",
                                  env={**os.environ, "TAP_HOOK_SKIP_SYNTH": "1"})
            result["updated"] = done.returncode == 0 and not gitutil.status_lines(repo)
            if not result["updated"]:
                result["error"] = (done.stdout + done.stderr)[-3000:] + "\n".join(gitutil.status_lines(repo))
        else:
            result["updated"] = True
        tests = run_tests(repo, tuple(case.get("skip_tests", ())))
        result["tests_ok"] = tests.returncode == 0
        if not result["tests_ok"]:
            result["error"] = (tests.stdout + tests.stderr)[-4000:]
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


def verdict(result: dict) -> list[str]:
    """What went wrong for one fixture, against its case.json; empty when it behaved."""
    problems = []
    if result["expect"] == "refused":
        if not result["refused"]:
            problems.append("adopt did not refuse a change nobody accepted")
        elif not result["refusal_ok"]:
            problems.append(f"the refusal does not name what case.json expects: {result['error']}")
        elif not result["untouched"]:
            problems.append("the refused adoption left the repo changed")
    elif result["refused"]:
        problems.append(f"adopt refused: {result['error']}")
    if result["adopted"] and not result["updated"]:
        problems.append(f"copier update failed: {result['error']}")
    # A fixture's tests may pin exactly what the user then accepted (its old state key): case.json
    # "tests_pin_accepted" says which, and only then a failure is not counted.
    if result["adopted"] and result["updated"] and not result["tests_ok"] and not result["tests_pin_accepted"]:
        problems.append(f"the repo's tests fail after adopt + update: {result['error']}")
    missing = [part for part in result.get("report_expect", []) if result["report"] and part not in result["report"]]
    if missing:
        problems.append(f"the adopt report does not say {missing}: {result['report']}")
    if result["expect"] == "refused" and result["refused"] and not result["adopted"]:
        problems.append(f"adopt with the accepts case.json names still failed: {result['error']}")
    return problems
