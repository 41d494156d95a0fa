"""The guardrail checks, one module per AWS service (or concern across services).

Each check takes the StackDoc and yields (construct path, message, fix). Which
checks run, under which id and severity, is the RULES list in ../core.py.
"""
