"""This TAP task's infrastructure code: tap_stack.py (the template's) and resources.py (yours)."""
