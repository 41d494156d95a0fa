"""Gate lint (scripts/lint.sh: `pipenv run lint` = pylint tap.py lib --disable=duplicate-code with the monorepo
root .pylintrc; the score must be at least 7.0). Uses the checkout's .pylintrc when the task sits in one, else
the copy beside this module (pylintrc)."""
from __future__ import annotations

import re
import subprocess

from tapkit.pipeline import data
from tapkit.pipeline.result import Problem, Result, judged, not_run
from tapkit.pipeline.task import Task, tool_env

NAME = "lint"
TIMEOUT = 600
SHOWN = 3
SCORE = re.compile(r"rated at (-?[\d.]+)/10")
MESSAGE = re.compile(r"^\S+:\d+:\d+: [CRWEF]\d{4}: .*$", re.MULTILINE)


def check(task: Task) -> Result:
    """The lint gate."""
    step = data.load("steps")["lint"]
    python, tried = task.python_with("pylint")
    if python is None:
        return not_run(NAME, f"no interpreter with pylint (tried {', '.join(tried)})",
                       f"{step['install']}, or pass --python")
    rcfile = task.monorepo_file(step["config"]["monorepo"]) or data.HERE / step["config"]["stored"]
    command = [python, "-m", "pylint", "--rcfile", str(rcfile), "--persistent=n", *step["args"]]
    try:
        done = subprocess.run(command, cwd=task.root, env=tool_env(), capture_output=True, text=True,
                              check=False, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return judged(NAME, [Problem(f"pylint did not finish in {TIMEOUT}s", "run it yourself to see why")])
    found = SCORE.search(done.stdout)
    rerun = f"run: python -m pylint --rcfile {rcfile} {' '.join(step['args'])}"
    if not found:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        return judged(NAME, [Problem(f"pylint gave no score: {last[0]}", rerun)])
    score = float(found.group(1))
    detail = f"score {score:.2f}/10, at least {step['min_score']}, {rcfile.name} of " + (
        "the monorepo checkout" if task.monorepo_file(step["config"]["monorepo"]) else "the template's copy")
    if score >= step["min_score"]:
        return judged(NAME, [], detail)
    messages = MESSAGE.findall(done.stdout)
    shown = "; ".join(messages[:SHOWN]) + (f"; and {len(messages) - SHOWN} more" if len(messages) > SHOWN else "")
    return judged(NAME, [Problem(f"score {score:.2f}/10 is under {step['min_score']}: {shown}",
                                 f"fix those messages ({rerun})")], detail)
