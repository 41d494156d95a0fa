"""tap_stack_as_before for this repo's tests: the adapter lives in lib/adopted.py (non-test code uses it too).

Yours: written by `python3 run.py adopt`; `copier update` never touches it.
"""
from lib.adopted import TapStackAsBefore, tap_stack_as_before

__all__ = ["TapStackAsBefore", "tap_stack_as_before"]
