"""Gate synth (scripts/synth.sh: `cdktf synth`, which runs tap.py): the task synthesized as a pipeline deploy
would (tapkit.synth, the probe environment) with the template's guardrails, whose errors fail it, as a deploy
would fail later. cdktf.json must keep the default codeMakerOutput: CI restores or generates .gen/ and
synth.sh requires the provider there."""
from __future__ import annotations

import json

from tapkit import synth
from tapkit.pipeline.result import Problem, Result, judged, not_run
from tapkit.pipeline.task import Task

NAME = "synth"
GEN = ".gen"
SHOWN_LINES = 3


def cdktf_json_problems(task: Task) -> list[Problem]:
    """cdktf.json is there, is JSON, and leaves codeMakerOutput at .gen."""
    path = task.root / "cdktf.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        return [Problem("cdktf.json is missing", "render the task with the template")]
    except ValueError as error:
        return [Problem(f"cdktf.json is not JSON ({error})", "correct it")]
    output = config.get("codeMakerOutput", GEN) if isinstance(config, dict) else GEN
    if str(output).rstrip("/").removeprefix("./") != GEN:
        return [Problem(f"cdktf.json sets codeMakerOutput {output!r}",
                        f"remove it (the default, {GEN}, is where CI's cache and synth.sh look for the provider)")]
    return []


def check(task: Task) -> Result:
    """The synth gate."""
    problems = cdktf_json_problems(task)
    if not (task.root / "tap.py").is_file():
        return judged(NAME, [*problems, Problem("tap.py is missing", "render the task with the template")])
    try:
        python = task.python or synth.python_for(task.root, task.framework)
    except synth.SynthError as error:
        return not_run(NAME, str(error).split("\n", 1)[0], "install cdktf and its AWS provider, or pass --python")
    try:
        done = synth.synthesize(task.root, python, "probe", guardrails=True)
    except synth.SynthError as error:
        tail = [line for line in error.output.strip().splitlines() if line.strip()][-SHOWN_LINES:]
        said = str(error) + (f" | {' | '.join(tail)}" if tail and tail[-1] != str(error) else "")
        return judged(NAME, [*problems, Problem(f"synth failed: {said}",
                                                "fix tap.py or lib/ (run: python3 run.py check TASK --only synth)")])
    return judged(NAME, problems, f"{len(done.stacks)} stack{'s' * (len(done.stacks) != 1)}, "
                         f"{done.resources} resource{'s' * (done.resources != 1)}, {done.seconds:.0f}s")
