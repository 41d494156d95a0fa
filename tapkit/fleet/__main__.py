"""`python -m tapkit.fleet adopt|rollout ...`: what run.py's adopt and rollout jobs call."""
import importlib
import sys

COMMANDS = ("adopt", "rollout")

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(f"usage: python3 run.py {{{'|'.join(COMMANDS)}}} ...   (-h for help on each)")
    sys.exit(importlib.import_module(f"tapkit.fleet.{sys.argv[1]}").main(sys.argv[2:]))
