"""Shared helpers for the template's tests: answer sets, rendering, subprocess runs."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
from tapkit import conventions  # noqa: E402  pylint: disable=wrong-import-position
from tapkit.checks import lazy_provider  # noqa: E402  pylint: disable=wrong-import-position

# Answer sets the matrix renders. Together they cover: backend s3/local, each
# S3 locking mode, one and several regions, integration tests on and off,
# non-default suffix, region, key pattern, constraint and tags.
SCENARIOS: dict[str, dict] = {
    "default": {},
    "dynamodb-multi-region": {
        "project_name": "orders-dr",
        "environment_suffix": "qa-2",
        "aws_region": "eu-west-1",
        "extra_regions": ["us-west-2", "ap-southeast-2"],
        "s3_locking": "dynamodb",
        "dynamodb_table": "tap-locks",
        "extra_tags": {"CostCenter": "1234", "Project": "orders"},
        "team": "3",
        "author": "jane",
        "subtask": "Failure Recovery and High Availability",
        "subject_labels": ["Failure Recovery Automation"],
        "provider": "localstack",
        "wave": "P0",
    },
    # One render for what used to be two (suite time): no locking with a custom bucket and key, and one extra
    # region with a range constraint, Python 3.12 and metadata answers. Lockfile is default's, dynamodb's below.
    "no-locking-custom-key-extra-region": {
        "project_name": "payments-api",
        "state_bucket": "my-org-tf-states",
        "state_bucket_region": "eu-central-1",
        "state_key_pattern": "tap/{environment_suffix}/{stack_id}/terraform.tfstate",
        "s3_locking": "none",
        "include_integration_tests": False,
        "environment_suffix": "pr7312",
        "extra_regions": ["us-west-2"],
        "aws_provider_constraint": ">= 6.0, < 7.0",
        "complexity": "expert",
        "turn_type": "multi",
        "po_id": "trainr97",
        "aws_services": ["S3", "CloudFront"],
        "subtask": "Application Deployment",
        "subject_labels": ["Web Application Deployment", "Serverless Infrastructure (Functions as Code)"],
    },
    "local-backend": {
        "project_name": "offline-lab",
        "backend": "local",
        "aws_region": "ap-southeast-2",
        "include_integration_tests": False,
    },
    # CDK Terrain (issue 14): S3 with the lock file (native use_lockfile), multi-region, local backend.
    "cdktn-lockfile": {
        "project_name": "terrain-lock",
        "framework": "cdktn",
        "layout": "standalone",  # the monorepo installs cdktf only: copier.yml refuses cdktn there
    },
    "cdktn-multi-region": {
        "project_name": "terrain-dr",
        "framework": "cdktn",
        "layout": "standalone",
        "aws_region": "eu-west-1",
        "extra_regions": ["us-west-2", "ap-southeast-2"],
        "s3_locking": "dynamodb",
        "dynamodb_table": "tap-locks",
        "extra_tags": {"CostCenter": "1234"},
        "include_integration_tests": False,
    },
    "cdktn-local-backend": {
        "project_name": "terrain-lab",
        "framework": "cdktn",
        "backend": "local",
        "layout": "standalone",
        "python_version": "3.11",
        "include_integration_tests": False,
    },
}

# Variables that would change what the generated project synthesizes.
PIPELINE_VARIABLES = conventions.PIPELINE_VARIABLES


def clean_env(**extra: str) -> dict[str, str]:
    """os.environ without the pipeline's variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in PIPELINE_VARIABLES and not k.startswith("PYTEST_")}
    env.pop("COV_CORE_SOURCE", None)
    # Set in this process when a test imports tapkit.checks.lazy_provider (the guardrail tests do): never inherited.
    env.pop("JSII_NODE", None)
    env = lazy_provider.without_lazy_node(env)
    env.update(extra)
    return env


def run(cmd: list[str], cwd: Path, timeout: int = 600, **env: str) -> subprocess.CompletedProcess:
    """Run a command, capture its output as text, never raise on a non-zero exit."""
    return subprocess.run(
        cmd, cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=timeout, check=False
    )


def run_unit_tests(project: Path, *extra: str, **env: str) -> subprocess.CompletedProcess:
    """The monorepo pipeline's unit-test step (`pipenv run test-py-unit`), cov.json and the coverage data file
    kept out of the project (it is shared by other tests, which read its files)."""
    env.setdefault("COVERAGE_FILE", str(project.parent / (project.name + ".coverage")))
    return run(
        [PYTHON, "-m", "pytest", "-s", "tests/unit/", "--cov=lib", "--cov-report=term-missing",
         f"--cov-report=json:{project.parent / (project.name + '-cov.json')}", "--cov-fail-under=90", "--cov-branch",
         "-l", "-q", "-p", "no:cacheprovider", "-p", "no:copie", *extra],
        project, PYTHONDONTWRITEBYTECODE="1", **env,
    )


def synth(project: Path, outdir: Path, **env: str) -> dict:
    """The project synthesized the template's one way (tapkit.synth), variables as given; its one stack's JSON."""
    from tapkit import synth as synthesis  # pylint: disable=import-outside-toplevel

    done = synthesis.synthesize(project, PYTHON, dict(env), outdir=outdir)
    (stack,) = done.stacks.values()
    return stack


def copy_template(dest: Path) -> Path:
    """A private copy of the template (the files copier reads), to change without touching this one."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in ("copier.yml", "includes", "template", "hooks", "tapkit", "run.py", "requirements.txt"):
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(ROOT / part, dest / part)
    return dest


def answers(project: Path) -> dict:
    """The project's recorded copier answers (lib/.copier-answers.yml; the root file before 0.5.0)."""
    return yaml.safe_load(conventions.answers_file(project).read_text(encoding="utf-8"))
