"""Adopt and rollout time: commands for repos made from (or brought to) the TAP cdktf copier template.

    python3 run.py adopt REPO        give a hand-made TAP repo copier answers (tapkit.fleet.adopt)
    python3 run.py rollout DIR|LIST  copier update many repos, in parallel, on branches (tapkit.fleet.rollout)

tapkit.fleet.sandbox builds throwaway template releases and fleets of generated repos,
for the tests, the benchmark and rehearsing a release before rolling it out.
Standard library, PyYAML and copier only.
"""
