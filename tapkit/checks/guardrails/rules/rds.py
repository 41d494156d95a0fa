"""RDS and the other managed databases (Aurora, DocumentDB, Neptune, Redshift)."""
# Each check's one-line summary is its entry in tapkit/checks/guardrails/core.py RULES, not a docstring here.
# pylint: disable=missing-function-docstring
from __future__ import annotations

import re

from ..document import StackDoc, is_token, literal_str


def _global_members(doc: StackDoc) -> set[str]:
    """Names of aws_rds_cluster resources a global cluster is built from."""
    members = set()
    for _, _, config in doc.resources("aws_rds_global_cluster"):
        source = doc.ref(config.get("source_db_cluster_identifier"))
        if source and source[0] == "aws_rds_cluster":
            members.add(source[1])
    return members


def backtrack_on_global(doc: StackDoc):
    members = _global_members(doc)
    for rtype, name, config in doc.resources("aws_rds_cluster"):
        window = config.get("backtrack_window")
        in_global = bool(config.get("global_cluster_identifier")) or name in members
        if window not in (None, 0) and in_global:
            yield (doc.path(rtype, name, config),
                   f"backtrack_window={window} on a cluster of a global database "
                   "(AWS: Backtrack is not supported for global databases)",
                   "remove backtrack_window; use point-in-time recovery (backup_retention_period) instead")


_FINAL_SNAPSHOT_TYPES = ("aws_db_instance", "aws_rds_cluster", "aws_docdb_cluster", "aws_neptune_cluster",
                         "aws_redshift_cluster")


def final_snapshot(doc: StackDoc):
    for rtype, name, config in doc.resources(*_FINAL_SNAPSHOT_TYPES):
        if config.get("skip_final_snapshot") is not True and not is_token(config.get("skip_final_snapshot")):
            yield (doc.path(rtype, name, config),
                   f"{rtype} without skip_final_snapshot=True: destroy fails (no final_snapshot_identifier) or "
                   "leaves a snapshot whose name blocks the next deploy",
                   "pass skip_final_snapshot=True")


def serverless_v1(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_rds_cluster"):
        if config.get("engine_mode") == "serverless":
            yield (doc.path(rtype, name, config), "engine_mode='serverless' (Aurora Serverless v1) can no longer be "
                   "created", "use engine_mode='provisioned' with serverlessv2_scaling_configuration and "
                   "aws_rds_cluster_instance(instance_class='db.serverless')")


def db_passwords(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_db_instance", "aws_rds_cluster", "aws_docdb_cluster"):
        for key in ("password", "master_password"):
            password = literal_str(config.get(key))
            if password is not None and (len(password) < 8 or re.search(r'[/@" ]', password)):
                yield (doc.path(rtype, name, config), f"{key} is shorter than 8 characters or holds / @ \" or a "
                       "space (InvalidParameterValue)", "pass manage_master_user_password=True (or a generated "
                       "secret) instead of a literal password")
