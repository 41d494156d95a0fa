"""This task's stack passes every synth-time guardrail (taptools/guardrails).

The rules themselves are tested in the template's own suite; here the real
TapStack, built by tap.py's code path, must raise no guardrail error.
"""
# Template-owned: rendered by the TAP cdktf copier template. Change it through the
# template and `copier update`; local edits are merged on update and may conflict.
# pylint: disable=missing-function-docstring
from cdktf import Aspects

from taptools import guardrails


def test_the_tap_stack_passes_every_guardrail(stack, synthesized):  # pylint: disable=unused-argument
    assert any(isinstance(a, guardrails.Guardrails) for a in Aspects.of(stack).all), "TapStack applies no guardrails"
    errors = guardrails.violations(stack, "error")
    assert not errors, "fix these, or suppress one with a reason (taptools/guardrails):\n" + "\n".join(errors)
