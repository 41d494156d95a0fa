"""Migration: a framework change takes the new framework's package pins, unless the update names others.

`copier update --data framework=cdktn` keeps every other recorded answer, so a
cdktf project would move with its cdktf pins: `cdktn = "==0.21.0"` (cdktn has
a 0.21.0 release, but cdktn-provider-aws 25.8.1 needs cdktn 0.24) and a
cdktf-cdktf-provider-aws version as the cdktn provider's. Before the new
version renders, copier runs this (stage "before", every update):

    python hooks/migrations/framework_pins.py ANSWERS_FILE DATA_JSON

DATA_JSON is the update's --data answers. When they change `framework` and
do not name a pin, the recorded pin is dropped, so it defaults from the new
framework (tapkit/conventions.json). ANSWERS_FILE is copier's; a project made
before 0.5.0 has its answers at the root, which is then the file edited
(tapkit/lifecycle/migrations/answers.py). Standard library only.
"""
from __future__ import annotations

import json
import sys

from tapkit.lifecycle.migrations.answers import read_by_update
from tapkit.lifecycle.migrations.rename_answer import _entry
from tapkit.framework import DEFAULT as DEFAULT_FRAMEWORK

PINS = ("cdktf_package_version", "aws_provider_package_version")


def recorded_framework(text: str) -> str:
    """The framework the answers file records (cdktf when it records none)."""
    for line in text.splitlines():
        if line.startswith("framework:"):
            return line.split(":", 1)[1].strip().strip("'\"") or DEFAULT_FRAMEWORK
    return DEFAULT_FRAMEWORK


def drop_pins(text: str, data: dict) -> tuple[str, list[str]]:
    """The answers text without the pins a framework change makes stale, and the names dropped."""
    wanted = str(data.get("framework") or "")
    if not wanted or wanted == recorded_framework(text):
        return text, []
    lines = text.splitlines(keepends=True)
    dropped = []
    for pin in PINS:
        found = _entry(lines, pin)
        if pin in data or found is None:
            continue
        del lines[found[0]:found[1]]
        dropped.append(pin)
    return "".join(lines), dropped


def main(argv: list[str] | None = None) -> int:
    """Entry point; the exit status is copier's migration status."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: framework_pins.py ANSWERS_FILE DATA_JSON", file=sys.stderr)
        return 2
    path, data = read_by_update(argv[0]), json.loads(argv[1] or "{}")
    if not path.is_file():
        return 0  # nothing recorded: the defaults already follow the framework
    text = path.read_text(encoding="utf-8")
    new, dropped = drop_pins(text, data)
    if dropped:
        path.write_text(new, encoding="utf-8")
        print(f"TAP migration: framework {recorded_framework(text)} -> {data['framework']}: "
              f"{' and '.join(dropped)} now default to {data['framework']}'s pins "
              "(give --data NAME=VERSION to choose others)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
