"""A pylint plugin for this repo's own gate (.pylintrc load-plugins): jsii bindings are never parsed.

pylint's ignored-modules skips member checks on the jsii packages, and astroid refuses to build a module named
there, but only by its exact name: `from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket` still had astroid
parse the submodule and the package's 1.4 MB __init__ (about 7 s of every run, for nothing the gate reports).
This makes the refusal cover every submodule of an ignored package.
"""
from __future__ import annotations

from astroid import MANAGER
from astroid.manager import AstroidManager


class _PackagesAndSubmodules(set):
    """A set of module names that also holds every submodule of each name in it."""

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(set.__contains__(self, name.rsplit(".", depth)[0])
                                             for depth in range(name.count(".") + 1))


def register(linter) -> None:  # pylint: disable=unused-argument  # pylint's plugin entry point
    """Swap astroid's denylist for one that refuses submodules too (pylint fills it from ignored-modules)."""
    # A new AstroidManager() takes the denylist from the shared brain, pylint fills astroid.MANAGER's: swap both.
    denylist = _PackagesAndSubmodules(MANAGER.module_denylist)
    AstroidManager.brain["module_denylist"] = MANAGER.module_denylist = denylist
