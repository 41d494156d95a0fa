#!/usr/bin/env python3
"""The template's front door: one command per job, each installs what it needs.

    python3 run.py new DEST [copier options]   create a TAP task repo (interactive)
    python3 run.py update DEST [options]       copier update an existing repo
    python3 run.py adopt REPO [options]        give a hand-made TAP repo copier answers (docs/lifecycle.md)
    python3 run.py rollout DIR|LIST [options]  copier update many repos, each on its own branch, never pushing
    python3 run.py check TASK_DIR [options]    the TAP pipeline's offline gates on a task, one line each
                                               (--python PY, --json, --only GATE,...; tapkit/pipeline/)
    python3 run.py test [pytest options]       the template's whole test suite
    python3 run.py bench [speed|doctor|fleet]  the benchmarks in bench/
    python3 run.py release X.Y.Z               tag a release recorded in CHANGELOG.md

Every job first recreates release tags a tag-less clone lacks, from CHANGELOG.md.

Needs only Python 3.11+. The first run creates .venv/ here and installs
requirements.txt into it (about a minute; the AWS provider is large); later runs
reuse it until requirements.txt changes.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements.txt"
STAMP = VENV / ".requirements.sha256"
ANSWERS_FILE = "lib/.copier-answers.yml"  # copier.yml _answers_file (tapkit/conventions.json "answers_file")

# `copier` for new and update, run in the venv. A refused answer: copier raises a ValueError (some 40
# lines of traceback for --data); show the question, the value and the reason instead. At the prompt,
# copier puts "Validation error for question '<name>': " before the reason, which pushes the reason
# (accepted form first) off an 80-column line; the question is on screen already, so drop that prefix.
COPIER = r"""
import re, sys
from copier._cli import CopierApp
try:
    from copier._user_data import Question
    _structure = Question.get_questionary_structure
    def _structure_without_prefix(self):
        result = _structure(self)
        check, prefix = result.get("validate"), f"Validation error for question '{self.var_name}': "
        if callable(check):
            def validate(answer, question=self):
                said = check(answer)
                if said == "Invalid input" and question.type == "yaml":
                    return _yaml_form(question)  # copier's bare words for text that is not YAML
                return said.removeprefix(prefix) if isinstance(said, str) else said
            result["validate"] = validate
        return result
    def _yaml_form(question):
        import yaml
        try:
            default = yaml.safe_load(str(question.get_default_rendered()))
        except Exception:
            default = None
        if isinstance(default, list):
            return "Use a YAML list like [us-west-2, eu-west-1]; [] for none"
        if isinstance(default, dict):
            return 'Use a YAML mapping like {CostCenter: "1234"}; {} for none'
        return "Use YAML: a list like [a, b] or a mapping like {Key: value}"
    Question.get_questionary_structure = _structure_without_prefix
except (ImportError, AttributeError):
    pass  # another copier version: its own messages, unchanged
args = sys.argv[1:]
try:
    CopierApp.run(["copier", *args])
except ValueError as error:
    refused = re.fullmatch(r"(?:Validation error for question|Invalid choice for) '([^']+)': (.*)", str(error), re.S)
    if not refused:
        raise
    question, reason = refused.groups()
    given = [b.split("=", 1)[1] for a, b in zip(["", *args], args) if a in ("-d", "--data") and b.startswith(question + "=")]
    given += [a.split("=", 2)[2] for a in args if a.startswith(f"--data={question}=")]
    print(f"copier {args[0]}: the answer to {question} was refused", file=sys.stderr)
    print(f"  value:  {given[-1] if given else '(from --data-file or the recorded answers)'}", file=sys.stderr)
    print(f"  reason: {reason}", file=sys.stderr)
    print(f"Give another value (--data {question}=...), or leave it out to be asked.", file=sys.stderr)
    sys.exit(1)
"""


def venv_python() -> Path:
    """The virtual environment's interpreter."""
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv() -> Path:
    """Create .venv and install requirements.txt, unless it is already up to date."""
    if sys.version_info < (3, 11):
        sys.exit(f"run.py needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    python = venv_python()
    if python.is_file() and STAMP.is_file() and STAMP.read_text(encoding="utf-8").strip() == digest:
        return python
    if not python.is_file():
        print(f"run.py: creating {VENV}", file=sys.stderr, flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("run.py: installing requirements.txt into .venv (first run: about 1.5 minutes, ~600 MB; the AWS "
          "provider alone is ~490 MB). pip names each package as it goes:", file=sys.stderr, flush=True)
    started = time.monotonic()
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "on"]
    subprocess.run(pip + ["-r", str(REQUIREMENTS)], check=True)
    print(f"run.py: installed in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    STAMP.write_text(digest + "\n", encoding="utf-8")
    return python


# Options whose value is a path, and options whose value is not (so the words after them are not positionals).
# A positional argument of these jobs is always a path: the destination, the repo, the directory or list of repos.
PATH_OPTIONS = {
    "new": {"--data-file"},
    "update": {"--data-file"},
    "adopt": {"--template", "--json"},
    "rollout": {"--report"},
    "check": set(),
}
VALUE_OPTIONS = {
    # --answers-file is relative to the destination, as copier documents it: passed as given.
    "new": {"-a", "--answers-file", "--ask", "-d", "--data", "-r", "--vcs-ref", "-s", "--skip", "-x", "--exclude"},
    "update": {"-a", "--answers-file", "--ask", "-d", "--data", "-r", "--vcs-ref", "-s", "--skip", "-x", "--exclude",
               "-c", "--context-lines", "-o", "--conflict"},
    "adopt": {"--version", "--accept", "--framework"},
    "rollout": {"-j", "--jobs", "--to", "-d", "--data"},
    "check": {"--python", "--only"},  # --python may name a command (python3.12): passed as given
}


def resolve_paths(job: str, args: list[str]) -> list[str]:
    """The job's path arguments made absolute with symlinks resolved; every other argument as given.

    copier compares the destination it is given with paths it resolves itself, so `../my-task` ended in its
    ValueError ("... is not in the subpath of ..."), and a symlinked destination could too; git and adopt
    resolve differently again. Resolving here makes relative, absolute and symlinked paths behave the same.
    """
    if job not in PATH_OPTIONS:
        return args  # test and bench take paths relative to this checkout; release takes a version
    resolved, takes_path, takes_value = [], PATH_OPTIONS[job], VALUE_OPTIONS[job]
    expect = None  # what the previous word asked for: "path", "value" or None
    for arg in args:
        if expect == "value":
            resolved.append(arg)
        elif expect == "path" or not arg.startswith("-") or arg == "-":
            resolved.append(str(Path(arg).expanduser().resolve()) if arg and arg != "-" else arg)
        elif "=" in arg and arg.split("=", 1)[0] in takes_path:
            option, value = arg.split("=", 1)
            resolved.append(f"{option}={Path(value).expanduser().resolve()}")
        else:
            resolved.append(arg)
        expect = None if expect else ("path" if arg in takes_path else "value" if arg in takes_value else None)
    return resolved


def answers_file_option(args: list[str]) -> list[str]:
    """`-a lib/.copier-answers.yml` for an update of a task that keeps its answers there (0.5.0 and later), unless
    the user names an answers file: copier looks for .copier-answers.yml at the root unless told otherwise."""
    if any(arg in {"-a", "--answers-file"} or arg.startswith("--answers-file=") for arg in args):
        return []
    destinations = [arg for arg in args if not arg.startswith("-")] or ["."]
    return ["-a", ANSWERS_FILE] if (Path(destinations[-1]) / ANSWERS_FILE).is_file() else []


def main(argv: list[str]) -> int:
    """Dispatch one job."""
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0 if argv else 2
    job = argv[0]
    rest = resolve_paths(job, argv[1:])
    jobs = {
        # This checkout as it is (HEAD), unless the user names a release with --vcs-ref.
        "new": lambda py: [str(py), "-c", COPIER, "copy", "--trust",
                           *([] if any(a.startswith(("--vcs-ref", "-r")) for a in rest) else ["--vcs-ref=HEAD"]),
                           str(ROOT), *rest],
        "update": lambda py: [str(py), "-c", COPIER, "update", "--trust", *answers_file_option(rest), *rest],
        "test": lambda py: [str(py), "-m", "pytest", *rest],
        "bench": lambda py: [str(py), str(ROOT / "bench" / "run.py"), *rest],
        "adopt": lambda py: [str(py), "-m", "tapkit.fleet", "adopt", *rest],
        "rollout": lambda py: [str(py), "-m", "tapkit.fleet", "rollout", *rest],
        "check": lambda py: [str(py), "-m", "tapkit.pipeline", *rest],
        "release": lambda py: [str(py), "-m", "tapkit.fleet.releases", "release", *rest],
    }
    if job not in jobs:
        print(f"run.py: unknown job {job!r}; one of: {', '.join(jobs)}\n{__doc__}", file=sys.stderr)
        return 2
    python = ensure_venv()
    # copier, adopt and rollout find releases by tag; a clone of the branch alone has none.
    subprocess.run([str(python), "-m", "tapkit.fleet.releases"], cwd=ROOT, check=False)
    cwd = ROOT if job in {"test", "bench", "release"} else Path.cwd()
    # The template's own package (tapkit) is importable from this checkout: put it on the path of every job.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(jobs[job](python), cwd=cwd, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
