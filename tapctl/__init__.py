"""Lifecycle commands for repos made from the TAP cdktf copier template.

    python3 run.py adopt REPO        give a hand-made TAP repo a .copier-answers.yml (tapctl.adopt)
    python3 run.py rollout DIR|LIST  copier update many repos, in parallel, on branches (tapctl.rollout)

tapctl.sandbox builds throwaway template releases and fleets of generated repos,
for the tests, the benchmark and rehearsing a release before rolling it out.
Standard library, PyYAML and copier only.
"""
