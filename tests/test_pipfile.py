"""The Pipfile pins cdktf from cdktf_package_version, not from the hidden, deprecated cdktf_version."""
from __future__ import annotations

import yaml
from copier import run_copy

from helpers import copy_template


def test_the_pipfile_reads_cdktf_package_version(tmp_path):
    """Renders a template whose copier.yml no longer has the hidden alias, as a later release will."""
    template = copy_template(tmp_path / "template")
    config = yaml.safe_load((template / "copier.yml").read_text(encoding="utf-8"))
    assert config.pop("cdktf_version")["when"] is False, "the alias this test removes is the hidden one"
    (template / "copier.yml").write_text(yaml.safe_dump(config, sort_keys=False, width=1000), encoding="utf-8")
    run_copy(str(template), str(tmp_path / "out"), data={"cdktf_package_version": "0.20.12", "layout": "standalone",
                   # the provider major that binds cdktf 0.20 (the default pin needs 0.21)
                   "aws_provider_package_version": "19.65.1", "aws_provider_constraint": "~> 5.0"},
             defaults=True,
             unsafe=True, skip_tasks=True, quiet=True)
    pipfile = (tmp_path / "out" / "Pipfile").read_text(encoding="utf-8")
    assert 'cdktf = "==0.20.12"' in pipfile
