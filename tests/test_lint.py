"""The pipeline's lint gate, `pylint tap.py lib`, scores 10/10 out of the box (its floor is 7.0)."""
from __future__ import annotations

import re

import pytest

from helpers import PYTHON, run


@pytest.mark.parametrize("scenario", ["default", "dynamodb-multi-region", "local-backend", "cdktn-lockfile"])
def test_pylint_scores_ten(rendered, scenario):
    done = run([PYTHON, "-m", "pylint", "tap.py", "lib"], rendered(scenario))
    score = re.search(r"rated at ([\d.]+)/10", done.stdout)
    assert score and float(score.group(1)) == 10.0, done.stdout + done.stderr
