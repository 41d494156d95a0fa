"""S3: bucket names and force_destroy."""
# Template-owned: rendered by the TAP cdktf copier template. Change it through the
# template and `copier update`; local edits are merged on update and may conflict.
# Each check's one-line summary is its entry in taptools/guardrails/core.py RULES, not a docstring here.
# pylint: disable=missing-function-docstring
from __future__ import annotations

import re

from ..document import StackDoc, is_token


def force_destroy(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_s3_bucket"):
        if config.get("force_destroy") is not True and not is_token(config.get("force_destroy")):
            yield (doc.path(rtype, name, config),
                   "S3 bucket without force_destroy: destroy fails once it holds objects (BucketNotEmpty)",
                   "pass force_destroy=True")


_S3_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def s3_bucket_name_problem(name: str) -> str | None:
    """Why an S3 bucket name is invalid, or None."""
    if not _S3_NAME.fullmatch(name):
        return "needs 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
    if ".." in name or re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name):
        return "must not hold '..' or look like an IP address"
    if name.startswith(("xn--", "sthree-")) or name.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3")):
        return "uses a prefix or suffix S3 reserves"
    return None
