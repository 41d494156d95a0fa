"""Run the benchmarks: `python3 run.py bench [NAME] [options]` (NAME: speed, doctor, fleet, longtail; default speed).

Each benchmark is a script in this folder that prints its figures and ratios.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = {"speed": "speed.py", "doctor": "doctor_vs_mypy.py", "fleet": "update_fleet.py", "longtail": "longtail.py"}


def main(argv: list[str]) -> int:
    """Run benchmark NAME's script with the remaining arguments; its exit status."""
    name = argv[0] if argv and not argv[0].startswith("-") else "speed"
    rest = argv[1:] if argv and not argv[0].startswith("-") else argv
    if name not in SCRIPTS or not (HERE / SCRIPTS[name]).is_file():
        print(f"bench: unknown or missing benchmark {name!r}; available: "
              f"{', '.join(n for n, s in SCRIPTS.items() if (HERE / s).is_file())}", file=sys.stderr)
        return 2
    return subprocess.run([sys.executable, str(HERE / SCRIPTS[name]), *rest], check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
