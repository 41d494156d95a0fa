"""`python -m tapkit.checks.guardrails`: print every rule (id, severity, title)."""
from .core import main

main()
