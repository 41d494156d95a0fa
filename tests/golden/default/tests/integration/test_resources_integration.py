"""Integration tests against the deployed stack, through its outputs.

Yours: written once by the TAP cdktf copier template; `copier update` never touches it.
"""
# pylint: disable=missing-function-docstring
import os

import pytest

pytestmark = pytest.mark.integration


def test_example_bucket_was_deployed_with_the_suffix(outputs):
    suffix = os.environ.get("ENVIRONMENT_SUFFIX", "dev")
    assert outputs["example_bucket_name"].endswith(f"-{suffix}")
