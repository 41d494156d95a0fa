"""`python tapctl adopt|rollout ...`: what run.py's adopt and rollout jobs call."""
import importlib
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a directory: make the package importable from the repo root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COMMANDS = ("adopt", "rollout")

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(f"usage: python3 run.py {{{'|'.join(COMMANDS)}}} ...   (-h for help on each)")
    sys.exit(importlib.import_module(f"tapctl.{sys.argv[1]}").main(sys.argv[2:]))
