"""Integration-test fixtures: outputs of the deployed stack.

The pipeline writes cfn-outputs/flat-outputs.json after `cdktf deploy`; before
that, every integration test is skipped with the reason.
"""
# Template-owned: rendered by the TAP cdktf copier template. Change it through the
# template and `copier update`; local edits are merged on update and may conflict.
import json
from pathlib import Path

import pytest

OUTPUTS_FILE = Path(__file__).resolve().parents[2] / "cfn-outputs" / "flat-outputs.json"


def flatten(outputs: dict) -> dict:
    """Accept both {"key": value} and {"TapStackdev": {"key": value}}."""
    flat = {}
    for key, value in outputs.items():
        if isinstance(value, dict):
            flat.update(value)
        else:
            flat[key] = value
    return flat


@pytest.fixture(scope="session")
def outputs() -> dict:
    """The deployed stack's outputs, flattened to {output name: value}."""
    if not OUTPUTS_FILE.is_file():
        pytest.skip(f"{OUTPUTS_FILE.relative_to(OUTPUTS_FILE.parents[1])} not found: deploy the stack first")
    return flatten(json.loads(OUTPUTS_FILE.read_text(encoding="utf-8")))
