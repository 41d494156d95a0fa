"""Gate unit-tests (scripts/unit-tests.sh: `pipenv run test-py-unit` = pytest tests/unit/ with line and branch
coverage of lib/ of at least 90%, under the monorepo root pytest.ini and the coverage settings of its
pyproject.toml). Uses the checkout's files when the task sits in one, else the copies beside this module.
cov.json, .coverage and pytest's cache go to a scratch folder: the task is left as it was."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from tapkit.pipeline import data
from tapkit.pipeline.result import Problem, Result, judged, not_run
from tapkit.pipeline.task import Task, tool_env

NAME = "unit-tests"
TIMEOUT = 1200
SUMMARY = re.compile(r"^=+ (.*\d+ (?:passed|failed|error|errors|skipped|deselected).*) in [\d.]+s.*=+$", re.MULTILINE)


def _config(task: Task, which: dict[str, str]) -> Path:
    return task.monorepo_file(which["monorepo"]) or data.HERE / which["stored"]


def command(task: Task, python: str, scratch: Path) -> list[str]:
    """test-py-unit's command, its ini and coverage settings the monorepo's, its reports in `scratch`."""
    step = data.load("steps")["unit_tests"]
    ini = scratch / "pytest.ini"  # a copy: the ini's folder is where its relative paths point, not the template
    shutil.copyfile(_config(task, step["config"]), ini)
    plugin = step["output_plugin"]
    # rootdir and confcutdir the task: as at the monorepo root in CI, no conftest.py above the task is read
    return [python, "-m", "pytest", "-c", str(ini), "--rootdir", str(task.root), "--confcutdir", str(task.root),
            *step["args"],
            f"--cov-report=json:{scratch / 'cov.json'}", f"--cov-config={_config(task, step['coverage_config'])}",
            "-p", "no:cacheprovider", *([plugin["option"]] if task.has_modules(python, (plugin["module"],)) else [])]


def _outcome(done: subprocess.CompletedProcess, scratch: Path, fail_under: float) -> Result:
    summary = SUMMARY.findall(done.stdout)
    said = summary[-1] if summary else f"exit status {done.returncode}"
    try:
        percent = json.loads((scratch / "cov.json").read_text(encoding="utf-8"))["totals"]["percent_covered"]
    except (OSError, ValueError, KeyError):
        percent = None
    detail = f"{said}; coverage {percent:.2f}% of lib/ (lines and branches)" if percent is not None else said
    problems = []
    if re.search(r"\d+ (failed|errors?)", said) or (done.returncode not in (0, 1) and percent is None):
        tail = [line for line in done.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))][:3]
        problems.append(Problem(f"{said}" + (f": {'; '.join(tail)}" if tail else ""),
                                "fix the tests or the code (run: python -m pytest tests/unit/)"))
    if percent is not None and percent < fail_under:
        problems.append(Problem(f"coverage {percent:.2f}% is under {fail_under}%",
                                "test the uncovered lines and branches of lib/ (the term-missing report lists them)"))
    if done.returncode != 0 and not problems:
        problems.append(Problem(f"pytest exited {done.returncode}: {said}", "run: python -m pytest tests/unit/"))
    return judged(NAME, problems, detail)


def check(task: Task) -> Result:
    """The unit-tests gate."""
    step = data.load("steps")["unit_tests"]
    if not (task.root / "tests" / "unit").is_dir():
        return judged(NAME, [Problem("tests/unit/ is missing", "render the task with the template, or add tests")])
    python, tried = task.python_with(*step["needs"], framework=True)
    if python is None:
        return not_run(NAME, f"no interpreter with {', '.join(step['needs'])} and {task.framework} "
                             f"(tried {', '.join(tried)})", f"{step['install']} where cdktf is, or pass --python")
    scratch = Path(tempfile.mkdtemp(prefix="tap-preflight-"))
    try:
        done = subprocess.run(command(task, python, scratch), cwd=task.root, capture_output=True, text=True,
                              env=tool_env(COVERAGE_FILE=str(scratch / ".coverage")), check=False, timeout=TIMEOUT)
        return _outcome(done, scratch, step["fail_under"])
    except subprocess.TimeoutExpired:
        return judged(NAME, [Problem(f"pytest did not finish in {TIMEOUT}s", "run: python -m pytest tests/unit/")])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
