"""The TAP task monorepo's offline gates, as the template's own data and code: the preflight.

`python3 run.py check TASK_DIR` (= `python -m tapkit.pipeline TASK_DIR [--python PY] [--json] [--only G,...]`)
runs, in the pipeline's order, one module per gate and prints one line each: passed, or what fails and the fix.

  allowed-paths    allowed_paths.py     scripts/check-project-files.sh
  metadata-schema  metadata_schema.py   config/schemas/metadata.schema.json (schema.py: the draft-07 subset)
  metadata-rules   metadata_rules.py    scripts/detect-metadata.sh, .claude/scripts/validate-metadata.sh
  required-docs    required_docs.py     scripts/ci-check-required-docs.sh
  prompt-quality   prompt_quality.py    .claude/scripts/claude-validate-prompt-quality.sh
  lint             lint.py              scripts/lint.sh (pylint, root .pylintrc, score >= 7.0)
  unit-tests       unit_tests.py        scripts/unit-tests.sh (pytest tests/unit/, 90% branch coverage)
  synth            synthesis.py         scripts/synth.sh (tapkit.synth, with the guardrails)

The rules are the JSON files here (read through data.py, with conventions.json's metadata lists) and the
monorepo root's configuration copied as pylintrc, pytest.ini and coverage.toml. A gate whose tool is missing
says "not run" with how to get it, and counts as failed.
"""
