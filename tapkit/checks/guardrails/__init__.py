"""Synth-time guardrails: refuse known deploy-blockers before Terraform ever sees them.

The template applies them to every stack when it synthesizes a task (tapkit.synth with guardrails=True:
the copier hook and `python3 run.py check`); a task carries none of this code. At synth, a cdktf
Aspect resolves the stack to its Terraform JSON and runs every rule on it. A
violation becomes an annotation on the construct that caused it:
  error    `python tap.py` (app.synth) fails and prints
           [<construct path>] TAPnnn <what is wrong> (fix: <how>)
  warning  printed to stderr (and to cdktf.out/manifest.json); synth succeeds.
Unit tests see the same annotations: violations(stack) after Testing.synth.

Each rule targets a mistake that synthesizes fine but fails `terraform apply`
or `terraform destroy` (or leaves state that breaks the next deploy). The rule
list is RULES in core.py (docs/guardrails.md in the template explains each);
`python -m tapkit.checks.guardrails` prints it.

Suppress one rule on one construct (and the constructs inside it), with a reason, in the task's code:
    stack.suppress(bucket, "TAP310", reason="holds audit logs; emptied by the cleanup job")
(TapStack.suppress writes the node metadata suppression() reads; here, guardrails.suppress does the same.)
A suppressed violation stays visible as an info annotation that quotes the reason.

Layout: core (findings, the RULES list, suppress), document (the synthesized JSON
and its look-ups), rules/<service>.py (the checks), aspect (the cdktf Aspect).
"""
from tapkit.checks import lazy_provider

lazy_provider.install()  # before cdktf loads: bundled Node, lazy provider import (no-op when lib/ did it already)

# The toolchain must come first. pylint: disable=wrong-import-position
from .aspect import Guardrails, apply, violations  # noqa: E402
from .core import ERROR, RULES, SUPPRESS_KEY, WARNING, Rule, Violation, check, main, suppress, suppression  # noqa: E402
from .document import StackDoc  # noqa: E402
from .rules.events import schedule_problem  # noqa: E402
from .rules.s3 import s3_bucket_name_problem  # noqa: E402
from .rules.tags import nondeterministic  # noqa: E402

__all__ = ["ERROR", "WARNING", "SUPPRESS_KEY", "RULES", "Rule", "Violation", "StackDoc", "Guardrails", "apply",
           "check", "main", "nondeterministic", "s3_bucket_name_problem", "schedule_problem", "suppress",
           "suppression", "violations"]
