"""TapStack: the stack shell every TAP task shares.

It owns what the pipeline relies on: the keyword-only signature tap.py calls,
the S3 state backend, one AWS provider per region with the same
default tags, and the required provider constraint. Your resources live in
lib/resources.py, which TapStack calls last.
"""
# Template-owned: rendered by the TAP cdktf copier template. Change it through the
# template and `copier update`; local edits are merged on update and may conflict.
import re
from collections.abc import Mapping, Sequence

from cdktf import App, S3Backend, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from lib.resources import add_resources

__all__ = ["App", "TapStack", "AWS_PROVIDER_CONSTRAINT"]

# Also in cdktf.json's terraformProviders: both render from one answer.
AWS_PROVIDER_CONSTRAINT = "~> 6.0"
# The questionnaire's rule for the suffix (the template's conventions.json, rendered here).
SUFFIX_RULE = re.compile("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
SUFFIX_PROBLEM = "Use 1-32 of a-z, 0-9, inner hyphens (dev, pr123, qa-2): it names every resource"
# Node metadata the template's guardrails read (`python3 run.py check`, the copier hook): see suppress().
GUARDRAIL_SUPPRESS_KEY = "tap:guardrails:suppress"


def _check_tags(default_tags: Mapping[str, str]) -> dict[str, str]:
    """Refuse the classic wrong shapes early, with the fix in the message."""
    if not isinstance(default_tags, Mapping):
        raise TypeError(f"default_tags must be a mapping of tag key to value, got {type(default_tags).__name__}")
    for key, value in default_tags.items():
        if not isinstance(value, str):
            raise TypeError(
                f"default_tags[{key!r}] is {type(value).__name__}, not str: pass the flat tags "
                '(for example {"Environment": "dev"}); TapStack wraps them as [{"tags": ...}] itself'
            )
    return dict(default_tags)


class TapStack(TerraformStack):
    """One TAP task's stack: backend, providers and tags, then lib.resources.add_resources(self).

    Attributes for your resources:
        environment_suffix: put it in every resource name (see name()).
        aws_region: region of `provider`, the default AWS provider.
        providers: region -> AwsProvider, the default one included.
        default_tags: the tags every provider applies.
    """

    def __init__(  # pylint: disable=too-many-arguments
        self,
        scope: Construct,
        stack_id: str,
        *,
        environment_suffix: str,
        aws_region: str,
        secondary_regions: Sequence[str],
        state_bucket: str,
        state_bucket_region: str,
        default_tags: Mapping[str, str],
    ) -> None:
        """Create the stack.

        Args:
            scope: the cdktf App.
            stack_id: the stack name, TapStack<environment_suffix>.
            environment_suffix: Suffix for the stack name and every resource name; the pipeline cleans up by it.
            aws_region: Region of the default AWS provider.
            secondary_regions: Further regions; each gets an aliased AWS provider with the same default tags.
            state_bucket: S3 bucket that holds the Terraform state.
            state_bucket_region: Region of the state bucket.
            default_tags: Flat tag mapping; TapStack gives it to every provider as default_tags=[{"tags": ...}].
        """
        super().__init__(scope, stack_id)
        # Empty is allowed here: adopted repos use it.
        if environment_suffix and not (SUFFIX_RULE.search(environment_suffix)
                                       and len(environment_suffix) <= 32):
            raise ValueError(f"environment_suffix {environment_suffix!r}: {SUFFIX_PROBLEM}")
        self.environment_suffix = environment_suffix
        self.aws_region = aws_region
        self.default_tags = _check_tags(default_tags)

        S3Backend(
            self,
            bucket=state_bucket,
            key=f"{environment_suffix}/{stack_id}.tfstate",
            region=state_bucket_region,
            encrypt=True,
        )
        # S3-native locking (Terraform >= 1.10); cdktf 0.21's S3Backend has no argument for it.
        self.add_override("terraform.backend.s3.use_lockfile", True)

        self.providers: dict[str, AwsProvider] = {}
        self.provider = self._add_provider(aws_region, alias=None)
        for region in secondary_regions:
            if region in self.providers:
                raise ValueError(f"region {region} appears twice (aws_region and secondary_regions)")
            self._add_provider(region, alias=region.replace("-", "_"))
        # The prebuilt provider pins the exact version it was generated for;
        # use the project's constraint so the JSON agrees with cdktf.json.
        self.add_override("terraform.required_providers.aws.version", AWS_PROVIDER_CONSTRAINT)

        add_resources(self)

    def _add_provider(self, region: str, alias: str | None) -> AwsProvider:
        provider = AwsProvider(
            self,
            "aws" if alias is None else f"aws_{alias}",
            region=region,
            alias=alias,
            default_tags=[AwsProviderDefaultTags(tags=self.default_tags)],
        )
        self.providers[region] = provider
        return provider

    @staticmethod
    def suppress(construct: Construct, rule: str, *, reason: str) -> Construct:
        """Accept one guardrail finding (rule TAPnnn) on construct and what it holds, for the reason given.

        The template's guardrails run at `python3 run.py check` and in the copier hook; they list every
        suppression with its reason.
        """
        if not reason.strip():
            raise ValueError(f"suppressing {rule} needs a reason: TapStack.suppress(construct, {rule!r}, reason='why')")
        construct.node.add_metadata(GUARDRAIL_SUPPRESS_KEY, {"rule": rule, "reason": reason.strip()})
        return construct

    def name(self, base: str) -> str:
        """A resource name that carries the environment suffix: name("orders") -> "orders-dev"."""
        return f"{base}-{self.environment_suffix}"
