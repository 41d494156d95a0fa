"""The TAP cdktf template's own code: everything it runs from its checkout, under one import root.

What runs where:
  template/              inside the generated task (rendered by copier; the task carries nothing else)
  tapkit/lifecycle/      copy and update time: the post-generation hook, migrations, framework move, codemod
  tapkit/fleet/          adopt and rollout time: adopting hand-made repos, updating many, releases
  tapkit/checks/         the project checks the hook and `run.py check` run: contract, doctor, guardrails, verify
  tapkit/pipeline/       the task monorepo's offline gates, as data (`python3 run.py check TASK_DIR`)
  tapkit/synth.py        the one way to synthesize a project (with the interpreter found or built by toolchain.py)
  tapkit/conventions.*   every convention, once; copier's questions read the same JSON (includes/)
hooks/ holds only the entry points copier runs: each imports one tapkit module.
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the template checkout: copier.yml, template/, tapkit/
TEMPLATE = ROOT / "template"


def module_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """`env` (default os.environ) with the template checkout on PYTHONPATH, so another interpreter can run
    `python -m tapkit.X`: how tapkit code runs in a project's or the shared toolchain's interpreter."""
    env = dict(os.environ if env is None else env)
    paths = [str(ROOT), *(p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(ROOT))]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env
