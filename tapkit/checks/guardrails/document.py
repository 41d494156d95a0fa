"""The synthesized stack document the rules read, and the value tests they share."""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

_REF = re.compile(r"\$\{(?P<type>[a-z][a-z0-9_]*)\.(?P<name>[A-Za-z_][A-Za-z0-9_-]*)\.(?P<attr>[a-z0-9_]+)\}")


def is_token(value) -> bool:
    """Whether a synthesized value is (or contains) a Terraform expression, unknown until apply."""
    return isinstance(value, str) and "${" in value


def literal_str(value) -> str | None:
    """The value if it is a plain string known at synth, else None."""
    return value if isinstance(value, str) and not is_token(value) else None


def whole_expression(value) -> bool:
    """Whether a string is one Terraform expression (a reference, jsonencode(...)), built at apply."""
    return isinstance(value, str) and bool(re.fullmatch(r"\$\{[^{}]*\}", value))


def number(value) -> float | None:
    """The value if it is a plain number known at synth, else None."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def blocks(value) -> list[dict]:
    """A nested block as a list of dicts, whether synthesized as one dict or a list of them."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


class StackDoc:
    """The synthesized stack JSON with the look-ups the rules need."""

    def __init__(self, doc: Mapping, environment_suffix: str | None = None,
                 provider_paths: Mapping[str, str] | None = None) -> None:
        self.doc = doc
        self.environment_suffix = environment_suffix
        self.provider_paths = dict(provider_paths or {})
        self.stack_path = doc.get("//", {}).get("metadata", {}).get("stackName", "stack")

    def resources(self, *types: str) -> Iterator[tuple[str, str, dict]]:
        """(type, name, config) of every resource, or of the given types."""
        for rtype, named in self.doc.get("resource", {}).items():
            if types and rtype not in types:
                continue
            for name, config in named.items():
                yield rtype, name, config

    def resource(self, rtype: str, name: str) -> dict | None:
        """One resource's config, or None."""
        return self.doc.get("resource", {}).get(rtype, {}).get(name)

    @staticmethod
    def path(rtype: str, name: str, config: Mapping) -> str:
        """The construct path of a resource, as synth prints it."""
        return config.get("//", {}).get("metadata", {}).get("path", f"{rtype}.{name}")

    def deref(self, value, depth: int = 4):
        """Follow a reference like ${aws_vpc.main.cidr_block} to the literal it was given, if any."""
        while depth and isinstance(value, str):
            found = _REF.fullmatch(value)
            target = found and self.resource(found["type"], found["name"])
            if not target or found["attr"] not in target:
                break
            value, depth = target[found["attr"]], depth - 1
        return value

    def where(self, rtype: str, name: str) -> str:
        """The construct path of a referenced resource (its logical name if it is not in this stack)."""
        config = self.resource(rtype, name)
        return self.path(rtype, name, config) if config is not None else f"{rtype}.{name}"

    @staticmethod
    def ref(value) -> tuple[str, str, str] | None:
        """(type, name, attribute) when the value is exactly one resource reference."""
        found = _REF.fullmatch(value) if isinstance(value, str) else None
        return (found["type"], found["name"], found["attr"]) if found else None
