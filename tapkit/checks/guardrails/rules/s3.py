"""S3: bucket names and force_destroy."""
# Each check's one-line summary is its entry in tapkit/checks/guardrails/core.py RULES, not a docstring here.
# pylint: disable=missing-function-docstring
from __future__ import annotations

from tapkit import conventions
from ..document import StackDoc, is_token


def force_destroy(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_s3_bucket"):
        if config.get("force_destroy") is not True and not is_token(config.get("force_destroy")):
            yield (doc.path(rtype, name, config),
                   "S3 bucket without force_destroy: destroy fails once it holds objects (BucketNotEmpty)",
                   "pass force_destroy=True")


def s3_bucket_name_problem(name: str) -> str | None:
    """Why an S3 bucket name is invalid, or None: the questionnaire's rule (tapkit/conventions.json), same verdict."""
    problem = conventions.problem("s3_bucket", name)
    return f"breaks S3 bucket naming: {problem[0].lower()}{problem[1:]}" if problem else None
