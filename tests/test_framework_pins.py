"""A framework change drops the recorded package pins (hooks/migrations/framework_pins.py), and only then."""
from __future__ import annotations

import yaml

from tapkit.lifecycle.migrations import framework_pins

ANSWERS = "# header\n_commit: 0.4.0\naws_provider_package_version: 21.22.1\ncdktf_package_version: 0.21.0\n" \
          "framework: cdktf\nproject_name: orders\n"


def test_moving_to_cdktn_drops_both_pins_and_keeps_every_other_line():
    text, dropped = framework_pins.drop_pins(ANSWERS, {"framework": "cdktn"})
    assert dropped == ["cdktf_package_version", "aws_provider_package_version"]
    assert yaml.safe_load(text) == {"_commit": "0.4.0", "framework": "cdktf", "project_name": "orders"}
    assert text.startswith("# header\n")


def test_a_pin_given_with_the_move_is_kept():
    _, dropped = framework_pins.drop_pins(ANSWERS, {"framework": "cdktn", "cdktf_package_version": "0.23.4"})
    assert dropped == ["aws_provider_package_version"]


def test_no_framework_change_keeps_the_pins():
    for data in ({}, {"framework": "cdktf"}, {"project_name": "x"}):
        assert framework_pins.drop_pins(ANSWERS, data) == (ANSWERS, [])


def test_a_project_from_before_the_question_is_cdktf():
    old = ANSWERS.replace("framework: cdktf\n", "")
    assert framework_pins.recorded_framework(old) == "cdktf"
    assert framework_pins.drop_pins(old, {"framework": "cdktf"})[1] == []
    assert framework_pins.drop_pins(old, {"framework": "cdktn"})[1] == ["cdktf_package_version",
                                                                        "aws_provider_package_version"]
