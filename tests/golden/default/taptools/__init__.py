"""The template's tools in a TAP task repo: contract check, verify, doctor (standard library only), the
toolchain set-up and the synth-time guardrails (cdktf). The template tests them; the repo's own gates
(`pipenv run lint`, `pipenv run test`) measure tap.py and lib/, the task's code."""
# Template-owned: rendered by the TAP cdktf copier template. Change it through the
# template and `copier update`; local edits are merged on update and may conflict.
