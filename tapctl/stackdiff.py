"""The synth comparison lives in hooks/stackdiff.py: the update's framework move (hooks/framework_move.py) runs it
under copier's own Python, where tapctl is not importable. tapctl's callers keep this name."""
from hooks.stackdiff import (  # noqa: F401  pylint: disable=unused-import
    CATEGORIES, INFO_ONLY, Difference, diff, diff_stack, framework_only, needing_acceptance, strip_metadata)
