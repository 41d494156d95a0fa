"""What would change in the deployed infrastructure: two synths of the same repo, compared.

adopt (and any move between template versions or frameworks) synthesizes the
repo before and after and compares every stack's whole cdk.tf.json: each
resource's and data source's arguments (its `provider`, hence its region,
included), provider blocks with their tags and settings, the backend, outputs
and stack names. cdktf's own bookkeeping (`//` metadata: construct paths, stack
traces, guardrail suppressions) is not infrastructure and is left out.

Each difference has a category; a caller refuses unless the user accepted
every category present (adopt --accept NAME). A changed `required_providers`
version constraint is one too (provider-constraint, or provider-version when the
old constraint excluded the bindings' version): Terraform may then install another
provider version. Differences that change how Terraform runs, not what it deploys
(backend settings such as `encrypt`, a constraint only respelled) are their own
category, backend-settings (NOT_INFRASTRUCTURE), which callers report apart.

Standard library only: tapkit/lifecycle/framework_move.py runs it under copier's Python (adopt uses it too).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

# Categories, with what accepting each means; the keys are the names --accept takes.
CATEGORIES = {
    "stack-name": "the stack gets another name (its state and every address follow it)",
    "backend": "the state backend changes (bucket, region, locking, type)",
    "state-key": "the state moves to another key in the same bucket (another file, for a local backend)",
    "default-tags": "the tags every resource gets from the provider change",
    "provider-settings": "a provider's own settings change (endpoints, credentials checks, ...)",
    "providers": "a provider block is added or removed (an alias appears or goes)",
    "resources": "a resource is added, removed or changed (its provider, hence region, included)",
    "data-sources": "a data source is added, removed or changed",
    "outputs": "an output is added, removed or changed",
    "other": "another top-level block (variables, locals, modules) changes",
    "provider-version": "Terraform resolves another AWS provider major version (the old constraint excluded the "
                        "one the prebuilt bindings were generated for)",
    "provider-constraint": "the AWS provider version constraint changes (Terraform may install another provider "
                           "version than before)",
    "backend-settings": "not infrastructure: a state backend setting (encrypt, skip_* checks) or a constraint "
                        "written another way that admits the same versions",
}
# Categories that change no deployed resource: reported apart (they still need their --accept).
NOT_INFRASTRUCTURE = ("backend-settings",)
# S3 backend keys that change how Terraform reads and writes the state, not where it is or how it is locked.
BACKEND_SETTINGS = {"encrypt", "skip_credentials_validation", "skip_region_validation", "skip_metadata_api_check",
                    "skip_requesting_account_id", "skip_s3_checksum", "max_retries", "force_path_style",
                    "use_path_style"}


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
        changes = _delta(self.before, self.after)
        if changes and isinstance(self.before, (dict, list)) and isinstance(self.after, (dict, list)):
            return f"{self.category}: {self.where}: " + "; ".join(changes[:6]) + (
                f"; ... ({len(changes) - 6} more)" if len(changes) > 6 else "")
        return f"{self.category}: {self.where}: {_short(self.before)} -> {_short(self.after)}"


def _delta(before: object, after: object, path: str = "") -> list[str]:
    """The leaves that differ between two JSON values, as `path: old -> new` (added, removed)."""
    if isinstance(before, dict) and isinstance(after, dict):
        return [change for key in sorted(set(before) | set(after), key=str)
                for change in _delta(before.get(key), after.get(key), f"{path}.{key}" if path else str(key))]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [change for index, (a, b) in enumerate(zip(before, after))
                for change in _delta(a, b, f"{path}[{index}]")]
    if before == after:
        return []
    where = path or "(value)"
    if before is None:
        return [f"{where} added: {_short(after, 80)}"]
    if after is None:
        return [f"{where} removed (was {_short(before, 80)})"]
    return [f"{where}: {_short(before, 80)} -> {_short(after, 80)}"]


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
            if not isinstance(block, dict):  # masked: the repo's own nondeterminism
                block = {"(masked)": block}
            found[(ptype, block.get("alias"))] = block
    return found


def _changed_keys(before: dict, after: dict) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def spelled_alike(old: str, new: str) -> bool:
    """Two constraints that differ only in spacing, clause order or an explicit `=` ("6.25.0" and "= 6.25.0")."""
    def clauses(text: str) -> set[str]:
        return {re.sub(r"^=", "", re.sub(r"\s+", "", part)) for part in text.split(",") if part.strip()}
    return clauses(old) == clauses(new)


def _constraint_category(before: object, after: object, admits: Callable[[str], bool] | None) -> str:
    """A changed version constraint lets Terraform install another provider version (6.25.0 -> ~> 6.0 does):
    provider-version when the old constraint excluded the bindings' version and the new admits it,
    provider-constraint otherwise; backend-settings when every provider's constraint is only respelled."""
    entries = (before if isinstance(before, dict) else {}), (after if isinstance(after, dict) else {})
    if set(entries[0]) == set(entries[1]) and all(
            isinstance(entries[0][name], dict) and isinstance(entries[1][name], dict)
            and {k: v for k, v in entries[0][name].items() if k != "version"}
            == {k: v for k, v in entries[1][name].items() if k != "version"}
            and isinstance(entries[0][name].get("version", ""), str) and isinstance(
                entries[1][name].get("version", ""), str)
            and spelled_alike(entries[0][name].get("version", ""), entries[1][name].get("version", ""))
            for name in entries[0]):
        return "backend-settings"
    old, new = ((entry.get("aws") or {}).get("version") for entry in entries)
    if admits is not None and isinstance(old, str) and isinstance(new, str) and not admits(old) and admits(new):
        return "provider-version"
    return "provider-constraint"


def diff_stack(before: dict, after: dict, prefix: str = "",
               admits: Callable[[str], bool] | None = None) -> list[Difference]:
    """Every difference between two synthesized stacks (already stripped of metadata).

    admits(constraint): whether it admits the AWS provider version the prebuilt bindings were generated for."""
    # pylint: disable=too-many-locals,too-many-branches  # one walk over both stacks; a branch per kind of change
    out: list[Difference] = []
    before, after = _walkable(before, after, prefix, out), _walkable(after, before, prefix, None)
    tf_before, tf_after = before.get("terraform", {}), after.get("terraform", {})
    backend_before, backend_after = tf_before.get("backend"), tf_after.get("backend")
    if backend_before != backend_after:
        if isinstance(backend_before, dict) and isinstance(backend_after, dict) and set(backend_before) == set(
                backend_after) and len(backend_before) == 1:
            kind = next(iter(backend_before))
            old, new = backend_before[kind], backend_after[kind]
            for key in _changed_keys(old, new):
                out.append(Difference("state-key" if key == "key" or (kind, key) == ("local", "path") else
                                      "backend-settings" if (
                    kind == "s3" and key in BACKEND_SETTINGS) else "backend",
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
            if not isinstance(named_before, dict) or not isinstance(named_after, dict):  # a masked mapping
                if named_before != named_after:
                    out.append(Difference(category, f"{prefix}{'data.' if block == 'data' else ''}{rtype}",
                                          named_before, named_after))
                continue
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


BLOCKS = {"terraform": "other", "provider": "providers", "resource": "resources", "data": "data-sources",
          "output": "outputs"}


def _walkable(doc: dict, other: dict, prefix: str, out: list[Difference] | None) -> dict:
    """doc with each top-level block that is not a mapping (a value masked as the repo's own nondeterminism)
    made empty, the difference recorded (in `out`, once) when the other side differs."""
    fixed = dict(doc)
    for block, category in BLOCKS.items():
        mine, theirs = doc.get(block), other.get(block)
        if (block in doc and not isinstance(mine, dict)) or (block in other and not isinstance(theirs, dict)):
            if out is not None and mine != theirs:
                out.append(Difference(category, f"{prefix}{block}", mine, theirs))
            fixed[block] = {}
    return fixed


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
    """The differences whose category the user did not accept (every category needs its --accept)."""
    return [d for d in differences if d.category not in accepted]


def unlabelled(where: str, labels) -> str:
    """A difference's place without the environment it was found in (" (the pipeline's variables unset)")."""
    for text in labels:
        if where.endswith(f" ({text})"):
            return where[:-len(text) - 3]
    return where


def refusal(blocking: list[Difference], compared: list[str], unstable: int, command: str, *,
            accepted: set[str] | None = None, fallbacks: str | None = None) -> str:
    """Why a caller (adopt) refuses: each difference with its kind and the --accept that takes it, what is not
    infrastructure apart, the repo's own nondeterminism (`unstable` values, not counted), and the one command
    (`command` plus every --accept) that goes on with them all. fallbacks: the label of the environment with the
    pipeline's variables unset; when every difference is found only there, the refusal says a pipeline deploy
    is unchanged."""
    def listed(items: list[Difference]) -> list[str]:
        shown = [f"  - {d}   [--accept {d.category}]" for d in items[:25]]
        return shown + ([f"  - ... and {len(items) - 25} more"] if len(items) > 25 else [])

    deploys = [d for d in blocking if d.category not in NOT_INFRASTRUCTURE]
    settings = [d for d in blocking if d.category in NOT_INFRASTRUCTURE]
    names = sorted({d.category for d in blocking})
    lines = []
    if deploys:
        lines.append(f"the adopted repo would deploy something else ({len(deploys)} difference(s) in the synthesized "
                     f"JSON, compared with {' and with '.join(compared) or 'the pipeline variables set'}):")
        lines += listed(deploys)
        kinds = sorted({d.category for d in deploys})
        places = sorted({unlabelled(d.where, compared) for d in deploys})
        if len(kinds) == 1:
            lines.append(f"That is the only change: {kinds[0]} ({CATEGORIES[kinds[0]]})"
                         + (f", at {places[0]}" if len(places) == 1 else "")
                         + ("; nothing else differs" if not settings else "")
                         + f"; --accept {kinds[0]} takes it")
        if fallbacks and all(d.where.endswith(f" ({fallbacks})") for d in deploys):
            lines.append(f"  (each only with {fallbacks}: the fallbacks differ, as a local `python tap.py` or deploy "
                         "without them sees; with the pipeline's variables set the adopted repo deploys the same)")
        if any(d.category == "default-tags" and d.before is None and d.where.startswith("provider.") for d in deploys):
            lines.append("  (the repo's default AWS provider had no default_tags: the template's TapStack tags every "
                         "resource through it, a real change to every taggable resource)")
    if settings:
        lines.append(("Not infrastructure" if deploys else "the adopted repo deploys the same infrastructure, but "
                      "Terraform would run it differently") + f" ({len(settings)} backend-settings difference(s): "
                     f"{CATEGORIES['backend-settings']}):")
        lines += listed(settings)
    if unstable:
        lines.append(f"Not counted: the repo's own nondeterminism ({unstable} value(s) that differ between two "
                     "synths of the untouched repo; see the report)")
    lines.append("Nothing was changed. If these changes are what you want, accept them by name: "
                 + " ".join(f"--accept {n}" for n in names) + " ("
                 + "; ".join(f"{n}: {CATEGORIES[n]}" for n in names) + ")")
    lines.append(f"  {command} " + " ".join(f"--accept {n}" for n in sorted(set(names) | set(accepted or ()))))
    return "\n".join(lines)
