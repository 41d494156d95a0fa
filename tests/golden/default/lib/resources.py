"""This task's AWS resources. TapStack calls add_resources(stack) once, last.

Yours: written once by the TAP cdktf copier template; `copier update` never touches it.
Declare resources with `stack` as their scope, so their logical ids stay short
and stable. Conventions the pipeline relies on:
  * every name carries the environment suffix: stack.name("orders") -> "orders-<suffix>";
  * everything is destroyable: S3 force_destroy=True, RDS skip_final_snapshot=True,
    no deletion protection;
  * resources in another region take provider=stack.providers["<region>"].
Replace the example bucket below with your own resources.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from cdktf import TerraformOutput
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket

if TYPE_CHECKING:  # pragma: no cover - import for type hints only, avoids a cycle
    from lib.tap_stack import TapStack


def add_resources(stack: TapStack) -> None:
    """Declare this task's resources on `stack`."""
    bucket = S3Bucket(
        stack,
        "example_bucket",
        bucket=stack.name("golden-task-example"),
        force_destroy=True,
    )
    TerraformOutput(stack, "example_bucket_name", value=bucket.bucket)
