"""This TAP task's infrastructure code: tap_stack.py (the template's) and resources.py (yours)."""
# Template-owned: rendered by the TAP cdktf copier template. Change it through the
# template and `copier update`; local edits are merged on update and may conflict.
