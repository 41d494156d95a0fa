"""What the synthesized stack must look like for a given environment, from tests/unit/expected.json.

copier renders the answers into the task's tests/unit/expected.json as data only;
this module applies them to the pipeline variables tap.py reads. The template's
verify (the copier hook, `python3 run.py check`) calls it with no variables (the
answers' defaults), the task's unit tests with their TEST_ENV, so both check
against one source. It is the same file in both places: template/tests/unit/expected.py
links here, so every task carries this module (standard library only).
"""
# Template-owned: rendered by the TAP cdktf copier template. Change it through the
# template and `copier update`; local edits are merged on update and may conflict.
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

DATA_FILE = Path(__file__).with_name("expected.json")


def load(path: Path = DATA_FILE) -> dict:
    """The rendered answers (expected.json) as a dict."""
    return json.loads(path.read_text(encoding="utf-8"))


def _setting(data: dict, environ: Mapping[str, str], name: str) -> str:
    """A variable as tap.py reads it: its value, or the answer's default when unset or empty."""
    return environ.get(name) or data["defaults"][name]


def _fill(pattern: str, suffix: str, stack: str) -> str:
    """A state key or path pattern with its placeholders filled (the only two the answers allow)."""
    return pattern.replace("{environment_suffix}", suffix).replace("{stack_id}", stack)


def expected(environ: Mapping[str, str] | None = None, data: dict | None = None) -> dict:
    """Stack name, backend, regions, provider aliases, tags and constraint that tap.py synthesizes with environ."""
    data = load() if data is None else data
    environ = {} if environ is None else environ
    suffix = _setting(data, environ, "ENVIRONMENT_SUFFIX")
    stack = data["stack_id"].replace("{environment_suffix}", suffix)
    if data["backend"] == "s3":
        variables = data["backend_variables"]
        config = {"bucket": _setting(data, environ, variables["bucket"]),
                  "key": _fill(data["state_key_pattern"], suffix, stack),
                  "region": _setting(data, environ, variables["region"])}
    else:
        config = {"path": _fill(data["local_state_path"], suffix, stack)}
    config.update(data["backend_settings"])
    tags = {data.get("environment_tag", "Environment"): suffix}
    tags.update({key: _setting(data, environ, name) for key, name in data["pipeline_tags"].items()})
    tags.update(data["extra_tags"])
    return {
        "stack": stack,
        "backend": data["backend"],
        "backend_config": config,
        "regions": [_setting(data, environ, "AWS_REGION"), *data["extra_regions"]],
        "aliases": [None, *(region.replace("-", "_") for region in data["extra_regions"])],
        "tags": tags,
        "aws_provider_constraint": data["aws_provider_constraint"],
    }


def pipeline_variables(data: dict | None = None) -> list[str]:
    """Every environment variable tap.py (and cdktf) reads; verify unsets them for its synth."""
    return list((load() if data is None else data)["pipeline_variables"])
