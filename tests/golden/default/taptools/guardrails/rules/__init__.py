"""The guardrail checks, one module per AWS service (or concern across services).

Each check takes the StackDoc and yields (construct path, message, fix). Which
checks run, under which id and severity, is the RULES list in ../core.py.
"""
# Template-owned: rendered by the TAP cdktf copier template. Change it through the
# template and `copier update`; local edits are merged on update and may conflict.
