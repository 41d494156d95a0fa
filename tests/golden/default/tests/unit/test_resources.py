"""Tests of your resources in lib/resources.py.

Yours: written once by the TAP cdktf copier template; `copier update` never touches it.
Use the session fixtures from conftest.py: `synthesized` (JSON string, for
cdktf's Testing matchers) and `stack_json` (parsed). They come from tap.py's
own code path, so never construct TapStack here yourself.
"""
# pylint: disable=missing-function-docstring
from cdktf import Testing
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket


def test_example_bucket_is_named_with_the_suffix_and_destroyable(synthesized):
    assert Testing.to_have_resource_with_properties(
        synthesized,
        S3Bucket.TF_RESOURCE_TYPE,
        {"bucket": "golden-task-example-pr4242", "force_destroy": True},
    )


def test_example_bucket_name_is_an_output(stack_json):
    assert "example_bucket_name" in stack_json["output"]
