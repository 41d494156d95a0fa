"""What would change in the deployed infrastructure: two synths of the same repo, compared.

adopt (and any move between template versions or frameworks) synthesizes the
repo before and after and compares every stack's whole cdk.tf.json: each
resource's and data source's arguments (its `provider`, hence its region,
included), provider blocks with their tags and settings, the backend, outputs
and stack names. cdktf's own bookkeeping (`//` metadata: construct paths, stack
traces, guardrail suppressions) is not infrastructure and is left out.

Each difference has a category; a caller refuses unless the user accepted
every category present (adopt --accept NAME). `required_providers` (the version
constraint Terraform resolves the provider with) is reported but changes no
resource, so it needs no acceptance.

Standard library only: tapkit/lifecycle/framework_move.py runs it under copier's Python (adopt uses it too).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

# Categories, with what accepting each means; the keys are the names --accept takes.
CATEGORIES = {
    "stack-name": "the stack gets another name (its state and every address follow it)",
    "backend": "the state backend changes (bucket, region, locking, type)",
    "state-key": "the state moves to another key in the same bucket",
    "default-tags": "the tags every resource gets from the provider change",
    "provider-settings": "a provider's own settings change (endpoints, credentials checks, ...)",
    "providers": "a provider block is added or removed (an alias appears or goes)",
    "resources": "a resource is added, removed or changed (its provider, hence region, included)",
    "data-sources": "a data source is added, removed or changed",
    "outputs": "an output is added, removed or changed",
    "other": "another top-level block (variables, locals, modules) changes",
    "provider-version": "Terraform resolves another AWS provider major version (the old constraint excluded the "
                        "one the prebuilt bindings were generated for)",
}
INFO_ONLY = "required-providers"


@dataclass(frozen=True)
class Difference:
    """One change between the two synths."""

    category: str
    where: str
    before: object
    after: object

    def __str__(self) -> str:
        if self.before is None:
            return f"{self.category}: {self.where} added: {_short(self.after)}"
        if self.after is None:
            return f"{self.category}: {self.where} removed (was {_short(self.before)})"
        return f"{self.category}: {self.where}: {_short(self.before)} -> {_short(self.after)}"


def _short(value: object, limit: int = 160) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def strip_metadata(value: object) -> object:
    """The value without cdktf's `//` bookkeeping keys, at any depth."""
    if isinstance(value, dict):
        return {k: strip_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [strip_metadata(v) for v in value]
    return value


def _providers(doc: dict) -> dict[tuple[str, str | None], dict]:
    """(provider type, alias) -> its block."""
    found = {}
    for ptype, blocks in (doc.get("provider") or {}).items():
        for block in blocks if isinstance(blocks, list) else [blocks]:
            found[(ptype, block.get("alias"))] = block
    return found


def _changed_keys(before: dict, after: dict) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def _constraint_category(before: object, after: object, admits: Callable[[str], bool] | None) -> str:
    """required_providers changes no resource, unless the old constraint kept Terraform on another provider
    version than the bindings' (a repo on aws ~> 5.0 with 6.x bindings) and the new one moves it."""
    if admits is None:
        return INFO_ONLY
    old = ((before or {}).get("aws") or {}).get("version") if isinstance(before, dict) else None
    new = ((after or {}).get("aws") or {}).get("version") if isinstance(after, dict) else None
    if isinstance(old, str) and isinstance(new, str) and not admits(old) and admits(new):
        return "provider-version"
    return INFO_ONLY


def diff_stack(before: dict, after: dict, prefix: str = "",
               admits: Callable[[str], bool] | None = None) -> list[Difference]:
    """Every difference between two synthesized stacks (already stripped of metadata).

    admits(constraint): whether it admits the AWS provider version the prebuilt bindings were generated for."""
    # pylint: disable=too-many-locals,too-many-branches  # one walk over both stacks; a branch per kind of change
    out: list[Difference] = []
    tf_before, tf_after = before.get("terraform", {}), after.get("terraform", {})
    backend_before, backend_after = tf_before.get("backend"), tf_after.get("backend")
    if backend_before != backend_after:
        if isinstance(backend_before, dict) and isinstance(backend_after, dict) and set(backend_before) == set(
                backend_after) and len(backend_before) == 1:
            kind = next(iter(backend_before))
            old, new = backend_before[kind], backend_after[kind]
            for key in _changed_keys(old, new):
                out.append(Difference("state-key" if key == "key" else "backend",
                                      f"{prefix}terraform.backend.{kind}.{key}", old.get(key), new.get(key)))
        else:
            out.append(Difference("backend", f"{prefix}terraform.backend", backend_before, backend_after))
    for key in _changed_keys(tf_before, tf_after):
        if key == "backend":
            continue
        category = _constraint_category(tf_before.get(key), tf_after.get(key), admits) if (
            key == "required_providers") else "other"
        out.append(Difference(category, f"{prefix}terraform.{key}", tf_before.get(key), tf_after.get(key)))
    providers_before, providers_after = _providers(before), _providers(after)
    for ptype, alias in sorted(set(providers_before) | set(providers_after), key=str):
        old, new = providers_before.get((ptype, alias)), providers_after.get((ptype, alias))
        where = f"{prefix}provider.{ptype}" + (f" (alias {alias})" if alias else " (default)")
        if old is None or new is None:
            out.append(Difference("providers", where, old, new))
            continue
        for key in _changed_keys(old, new):
            category = "default-tags" if key == "default_tags" else "provider-settings"
            out.append(Difference(category, f"{where}.{key}", old.get(key), new.get(key)))
    for block, category in (("resource", "resources"), ("data", "data-sources")):
        items_before, items_after = before.get(block) or {}, after.get(block) or {}
        for rtype in sorted(set(items_before) | set(items_after)):
            named_before, named_after = items_before.get(rtype) or {}, items_after.get(rtype) or {}
            for name in sorted(set(named_before) | set(named_after)):
                old, new = named_before.get(name), named_after.get(name)
                where = f"{prefix}{'data.' if block == 'data' else ''}{rtype}.{name}"
                if old is None or new is None:
                    out.append(Difference(category, where, old, new))
                    continue
                for key in _changed_keys(old, new):
                    label = f"{where}.{key}" + (" (its provider, hence its region)" if key == "provider" else "")
                    out.append(Difference(category, label, old.get(key), new.get(key)))
    outputs_before, outputs_after = before.get("output") or {}, after.get("output") or {}
    for name in _changed_keys(outputs_before, outputs_after):
        out.append(Difference("outputs", f"{prefix}output.{name}", outputs_before.get(name), outputs_after.get(name)))
    for key in _changed_keys(before, after):
        if key not in {"terraform", "provider", "resource", "data", "output"}:
            out.append(Difference("other", f"{prefix}{key}", before.get(key), after.get(key)))
    return out


def diff(before: dict[str, dict], after: dict[str, dict],
         admits: Callable[[str], bool] | None = None) -> list[Difference]:
    """Differences between two synths: {stack name: cdk.tf.json} each."""
    before = {name: strip_metadata(doc) for name, doc in before.items()}
    after = {name: strip_metadata(doc) for name, doc in after.items()}
    out: list[Difference] = []
    if len(before) == 1 and len(after) == 1 and set(before) != set(after):
        (old_name, old), (new_name, new) = next(iter(before.items())), next(iter(after.items()))
        out.append(Difference("stack-name", "stack", old_name, new_name))
        return out + diff_stack(old, new, admits=admits)
    for name in sorted(set(before) | set(after)):
        if name not in before or name not in after:
            out.append(Difference("stack-name", f"stack {name}", name if name in before else None,
                                  name if name in after else None))
            continue
        out += diff_stack(before[name], after[name], f"{name}: " if len(before) > 1 else "", admits)
    return out


def framework_only(difference: Difference) -> bool:
    """Whether a difference is one a framework move (cdktf -> cdktn) makes by itself, changing no resource:
    required_providers' source spelling ("aws" -> "hashicorp/aws": the same provider on Terraform's default
    registry) or version constraint. cdktf's and cdktn's `//` metadata is stripped before diffing."""
    if not difference.where.endswith("terraform.required_providers"):
        return False
    before, after = difference.before, difference.after
    if not isinstance(before, dict) or not isinstance(after, dict) or set(before) != set(after):
        return False

    def rest(entry: object) -> object:
        return {k: v for k, v in entry.items() if k not in ("source", "version")} if isinstance(entry, dict) else entry
    return all(isinstance(before[name], dict) and rest(before[name]) == rest(after[name]) for name in before)


def needing_acceptance(differences: list[Difference], accepted: set[str]) -> list[Difference]:
    """The differences that change infrastructure and whose category the user did not accept."""
    return [d for d in differences if d.category != INFO_ONLY and d.category not in accepted]
