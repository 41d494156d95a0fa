"""Checks of a TAP task the template runs on it: contract, doctor, guardrails, verify (the hook and run.py check)."""
