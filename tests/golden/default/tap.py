#!/usr/bin/env python
"""CDKTF entry point: `cdktf synth` and `cdktf deploy` run this file (see "app" in cdktf.json).

Reads the pipeline's environment, builds the one TapStack and synthesizes it.
The tests call build_stack() too, so they exercise exactly this code path.
"""
# Template-owned: rendered by the TAP cdktf copier template. Change it through the
# template and `copier update`; local edits are merged on update and may conflict.
import json
import os
from collections.abc import Mapping
from pathlib import Path

# App comes from lib.tap_stack, which imports it from the framework this task is built on.
from lib.tap_stack import App, TapStack

SECONDARY_REGIONS: tuple[str, ...] = ()
EXTRA_TAGS: Mapping[str, str] = {}


def _setting(environ: Mapping[str, str], name: str, default: str) -> str:
    """An environment variable, or the default when it is unset or empty."""
    return environ.get(name) or default


def default_tags(environ: Mapping[str, str], environment_suffix: str) -> dict[str, str]:
    """The flat tag mapping every AWS provider applies. Deterministic: no timestamps."""
    return {
        "Environment": environment_suffix,
        "Repository": _setting(environ, "REPOSITORY", "unknown"),
        "Author": _setting(environ, "COMMIT_AUTHOR", "unknown"),
        "PRNumber": _setting(environ, "PR_NUMBER", "unknown"),
        "Team": _setting(environ, "TEAM", "synth"),
        **EXTRA_TAGS,
    }


def build_stack(app: App, environ: Mapping[str, str] | None = None) -> TapStack:
    """Create TapStack{suffix} in `app` from the environment (os.environ by default)."""
    environ = os.environ if environ is None else environ
    environment_suffix = _setting(environ, "ENVIRONMENT_SUFFIX", "dev")
    return TapStack(
        app,
        f"TapStack{environment_suffix}",
        environment_suffix=environment_suffix,
        aws_region=_setting(environ, "AWS_REGION", "us-east-1"),
        secondary_regions=SECONDARY_REGIONS,
        state_bucket=_setting(environ, "TERRAFORM_STATE_BUCKET", "iac-rlhf-tf-states"),
        state_bucket_region=_setting(environ, "TERRAFORM_STATE_BUCKET_REGION", "us-east-1"),
        default_tags=default_tags(environ, environment_suffix),
    )


def main() -> None:
    """Synthesize into cdktf.out (or $CDKTF_OUTDIR) and say what was written, as `cdktf synth` does."""
    app = App()
    stack = build_stack(app)
    try:
        app.synth()
    except RuntimeError as error:
        if "Encountered Annotations" not in str(error):
            raise
        # An error annotation (a guardrail, say) refused the stack: show it, not jsii's traceback.
        raise SystemExit(str(error).removeprefix("Error: ")) from None
    written = Path(app.outdir) / "stacks" / stack.node.id / "cdk.tf.json"
    resources = json.loads(written.read_text(encoding="utf-8")).get("resource", {})
    count = sum(len(of_type) for of_type in resources.values())
    # One line, cdktf synth's own words, with what it does not say: how many resources, and where.
    print(f"Generated Terraform code for the stacks: {stack.node.id} ({count} resource{'' if count == 1 else 's'}) "
          f"in {written.parent}")


if __name__ == "__main__":
    main()
