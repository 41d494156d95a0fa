"""Lifecycle commands for repos made from the TAP cdktf copier template.

    python3 run.py adopt REPO        give a hand-made TAP repo a .copier-answers.yml (tapctl.adopt)
    python3 run.py rollout DIR|LIST  copier update many repos, in parallel, on branches (tapctl.rollout)

tapctl.sandbox builds throwaway template releases and fleets of generated repos,
for the tests, the benchmark and rehearsing a release before rolling it out.
Standard library, PyYAML and copier only.
"""
import sys as _sys
from pathlib import Path as _Path

TEMPLATE = _Path(__file__).resolve().parents[1] / "template"


def use_template_modules() -> None:
    """Put the template's own directory first on sys.path, so `import taptools.conventions` is the one
    generated repos get (the conventions live there once: template/taptools/conventions.json)."""
    if str(TEMPLATE) not in _sys.path:
        _sys.path.insert(0, str(TEMPLATE))


use_template_modules()
