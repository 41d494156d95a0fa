"""DynamoDB: key attributes and capacity."""
# Each check's one-line summary is its entry in tapkit/checks/guardrails/core.py RULES, not a docstring here.
# pylint: disable=missing-function-docstring
from __future__ import annotations

from collections.abc import Mapping

from ..document import StackDoc, blocks, literal_str


def _table_keys(config: Mapping) -> set:
    keys = {config.get("hash_key"), config.get("range_key")}
    for index in blocks(config.get("global_secondary_index")) + blocks(config.get("local_secondary_index")):
        keys |= {index.get("hash_key"), index.get("range_key")}
        keys |= {k.get("attribute_name") for k in blocks(index.get("key_schema"))}
    return {key for key in keys if key}


def tables(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_dynamodb_table"):
        path = doc.path(rtype, name, config)
        defined = {a.get("name") for a in blocks(config.get("attribute"))}
        keys = _table_keys(config)
        if all(literal_str(v) is not None for v in defined | keys):
            if defined - keys:
                yield (path, f"attribute(s) {', '.join(sorted(defined - keys))} are defined but no key or index uses "
                       "them (Terraform: all attributes must be indexed)", "define only key attributes; DynamoDB is "
                       "schemaless for the others")
            if keys - defined:
                yield (path, f"key(s) {', '.join(sorted(keys - defined))} have no attribute definition",
                       "add attribute=[DynamodbTableAttribute(name=..., type='S')] for each key")
        if config.get("billing_mode", "PROVISIONED") == "PROVISIONED" and not (
                config.get("read_capacity") and config.get("write_capacity")):
            yield (path, "billing_mode PROVISIONED (the default) without read_capacity and write_capacity",
                   "pass billing_mode='PAY_PER_REQUEST', or set read_capacity and write_capacity")
