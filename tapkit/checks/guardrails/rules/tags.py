"""Provider default tags, and deterministic names and tags."""
# Each check's one-line summary is its entry in tapkit/checks/guardrails/core.py RULES, not a docstring here.
# pylint: disable=missing-function-docstring
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from ..document import StackDoc, blocks
from .naming import name_values


def provider_default_tags(doc: StackDoc):
    for provider in doc.doc.get("provider", {}).get("aws", []):
        alias = provider.get("alias") or ""
        tags = blocks(provider.get("default_tags"))
        if not any(block.get("tags") for block in tags):
            yield (doc.provider_paths.get(alias, f"{doc.stack_path}/aws{'_' + alias if alias else ''}"),
                   f"AWS provider {alias or '(default)'} has no default_tags: its resources carry no Environment, "
                   "Repository or Team tag", "pass default_tags=[AwsProviderDefaultTags(tags=stack.default_tags)]")


_NONDETERMINISTIC = (
    (re.compile(r"\b(timestamp|plantimestamp|uuid|bcrypt)\(\)?"), "a Terraform function that changes on every run"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"), "a timestamp"),
    (re.compile(r"(?<!\d)(?:19|20)\d{6}[T_-]?\d{6}(?!\d)"), "a timestamp"),
    (re.compile(r"(?<!\d)1[5-9]\d{8}(?:\d{3})?(?!\d)"), "an epoch timestamp"),
    (re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"), "a random UUID"),
)


def nondeterministic(value, uuids: bool = True) -> str | None:
    """What makes a value differ between two synths (a timestamp, a UUID...), or None."""
    for pattern, what in _NONDETERMINISTIC:
        if isinstance(value, str) and pattern.search(value) and (uuids or what != "a random UUID"):
            return what
    return None


def _labelled_values(config: Mapping) -> Iterator[tuple[str, object, bool]]:
    """(label, value, is a name) of names and tags; a constant UUID is fine in a tag, not in a name."""
    for key, value in name_values(config):
        yield key, value, True
    for key in ("tags", "tags_all"):
        for tag, value in (config.get(key) or {}).items() if isinstance(config.get(key), dict) else ():
            yield f"{key}[{tag!r}]", value, False


def deterministic(doc: StackDoc):
    found = [(doc.path(rtype, name, config), config) for rtype, name, config in doc.resources()]
    for provider in doc.doc.get("provider", {}).get("aws", []):
        alias = provider.get("alias") or ""
        tags = {k: v for block in blocks(provider.get("default_tags")) for k, v in (block.get("tags") or {}).items()}
        found.append((doc.provider_paths.get(alias, f"{doc.stack_path}/aws"), {"tags": tags}))
    for path, config in found:
        for label, value, is_name in _labelled_values(config):
            what = nondeterministic(value, uuids=is_name)
            if what:
                yield (path, f"{label}={value!r} holds {what}: every synth differs, so every plan changes "
                       "(and a name change replaces the resource)",
                       "use a fixed value (the environment suffix, a commit id passed in by the pipeline)")
