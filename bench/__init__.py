"""The benchmarks: scripts that `python3 run.py bench NAME` runs by path (see bench/run.py).

A package only so that one pylint run over the repo tells bench/run.py and bench/longtail.py
apart from run.py and tests/longtail.py (scripts outside a package are linted by bare file name).
"""
