"""Build TapStack the way this repo's code did before it adopted the TAP template.

Yours: written by `python3 run.py adopt`; `copier update` never touches it.
This repo's tests used to construct the hand-made TapStack directly; the
template's TapStack takes keyword-only settings and its resources come from
lib/resources.py. tap_stack_as_before(scope, id, ...) accepts the old call,
turns old-style values into the new ones (tags as {"tags": {...}} or
[{"tags": {...}}] become a flat mapping), fills every setting the call does
not give from tap.py's own defaults, and hands the settings only your code
read (vpc_cidr=..., enable_logging=...) to lib/resources.py's ADOPTED_SETTINGS
while the stack is built. New code should use tap.build_stack() (tests: the
fixtures in tests/unit/conftest.py) instead.
"""
from __future__ import annotations

import functools
import importlib.util
import inspect
import warnings
from pathlib import Path

from lib import resources
from lib.tap_stack import TapStack

# The old TapStack's parameters after the id, in order, for positional calls.
OLD_POSITIONAL = []
# Old parameter names and the template's names for them.
RENAMED = {
}
# Whether the old TapStack took **kwargs, so that any keyword could reach its code.
OPEN_SETTINGS = False
# The old TapStack's own defaults for the template's settings (a call that gave none got these, not tap.py's).
OLD_DEFAULTS = {}
# Settings the old TapStack decided itself, whatever it was passed (a region fixed in the stack or read from
# lib/AWS_REGION): the deployed JSON showed it ignored tap.py's value.
FIXED = {}
TAP_PY = Path(__file__).resolve().parents[1] / "tap.py"


@functools.lru_cache(maxsize=1)
def _tap():
    """tap.py, loaded by its path: `import tap` finds lib/tap.py first when a script in lib/ runs."""
    spec = importlib.util.spec_from_file_location("_tap_as_adopted", TAP_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _flat_tags(tags):
    if isinstance(tags, list) and len(tags) == 1:
        tags = tags[0]
    if isinstance(tags, dict) and set(tags) == {"tags"}:
        tags = tags["tags"]
    return dict(tags or {})


def _template_settings(environment_suffix: str) -> dict:
    """Every keyword tap.py's build_stack() passes to TapStack, with the pipeline's variables unset."""
    captured = {}

    class _Capture:  # pylint: disable=too-few-public-methods
        def __init__(self, _scope, _stack_id, **settings):
            captured.update(settings)

    tap = _tap()
    real = tap.TapStack
    tap.TapStack = _Capture
    try:
        tap.build_stack(None, environ={"ENVIRONMENT_SUFFIX": environment_suffix})
    finally:
        tap.TapStack = real
    return captured


def tap_stack_as_before(scope, stack_id, *args, **settings):
    """TapStack(scope, stack_id, ...) called the old way."""
    settings.update(zip(OLD_POSITIONAL, args))
    settings = {RENAMED.get(name, name): value for name, value in settings.items()}
    accepted = inspect.signature(TapStack.__init__).parameters
    for name, value in OLD_DEFAULTS.items():
        settings.setdefault(name, value)
    suffix = settings.get("environment_suffix")
    if suffix is None:
        suffix = _template_settings("dev")["environment_suffix"]
    merged = _template_settings(suffix)
    if suffix == "":  # tap.py treats an empty variable as unset; the old stack took it as it was
        merged["environment_suffix"] = ""
    # lib/resources.py's settings only its code reads (absent when the old TapStack received none).
    known = hasattr(resources, "ADOPTED_SETTINGS")
    adopted = getattr(resources, "ADOPTED_SETTINGS", {})
    extra = {}
    for name, value in settings.items():
        if name in accepted:
            if value is not None:
                merged[name] = _flat_tags(value) if name == "default_tags" else value
        if known and (OPEN_SETTINGS or name in adopted):
            extra[name] = value  # your code reads it too (the state bucket, a **kwargs key)
        elif name not in accepted:
            warnings.warn(f"tap_stack_as_before: neither the template's TapStack nor lib/resources.py reads "
                          f"{name!r}; ignored", stacklevel=2)
    for name, value in FIXED.items():
        if name == "default_tags":  # tags the old stack added to whatever it was given
            merged[name] = {**_flat_tags(merged.get(name)), **value}
        elif name in accepted:
            merged[name] = value
    if not known:
        return TapStack(scope, stack_id, **merged)
    # ADOPTED_SETTINGS holds what tap.py passed; this caller gets what it passes, and the rest as the old
    # TapStack gave it: its defaults (or, for **kwargs, nothing).
    saved = dict(adopted)
    if OPEN_SETTINGS:
        adopted.clear()
    adopted.update(getattr(resources, "ADOPTED_DEFAULTS", {}))
    adopted.update(extra)
    try:
        return TapStack(scope, stack_id, **merged)
    finally:
        adopted.clear()
        adopted.update(saved)
