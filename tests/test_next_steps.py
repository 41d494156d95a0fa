"""The next steps copier prints after a copy are commands that work as printed, on this machine."""
from __future__ import annotations

import re
import shlex

from helpers import ROOT, run


def test_the_printed_check_command_runs_as_printed(tmp_path):
    """Copy through run.py (the front door), then run the `python3 run.py check ...` line it printed."""
    dest = tmp_path / "task"
    done = run(["python3", str(ROOT / "run.py"), "new", str(dest), "--defaults"], tmp_path, TAP_HOOK_SKIP_SYNTH="1")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Created the cdktf task" in output and "pipenv: command not found" not in output
    (line,) = [m.group(1) for m in re.finditer(r"^\s+(python3 run\.py check \S+)$", output, re.M)]
    for doc in ("PROMPT", "MODEL_RESPONSE", "IDEAL_RESPONSE", "MODEL_FAILURES"):  # step 2, as the author does
        (dest / "lib" / f"{doc}.md").write_text(
            f"# {doc}\n\nCreate an S3 bucket that triggers a Lambda function when a log file arrives. The Lambda "
            "function writes to a DynamoDB table, and CloudWatch alarms watch the function's errors.\n",
            encoding="utf-8")
    # lint and synth are tested elsewhere
    gates = "allowed-paths,metadata-schema,metadata-rules,required-docs,prompt-quality,unit-tests"
    checked = run([*shlex.split(line), "--only", gates], ROOT)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert len(re.findall(r"^\S+ +passed", checked.stdout, re.M)) == 6, checked.stdout
    assert f"Update later: python3 run.py update {dest}" in output, "the update command is printed too"
