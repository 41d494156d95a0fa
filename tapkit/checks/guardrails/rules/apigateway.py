"""API Gateway (REST): deployments and what they depend on."""
# Each check's one-line summary is its entry in tapkit/checks/guardrails/core.py RULES, not a docstring here.
# pylint: disable=missing-function-docstring
from __future__ import annotations

import json
import re

from ..document import StackDoc


def deployment_dependencies(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_api_gateway_deployment"):
        api = doc.ref(config.get("rest_api_id"))
        api_config = api and api[0] == "aws_api_gateway_rest_api" and doc.resource(*api[:2])
        if not api_config or api_config.get("body"):
            continue  # an OpenAPI body defines the methods with the API itself
        text = json.dumps({k: v for k, v in config.items() if k != "//"})
        if not re.search(r"aws_api_gateway_(method|integration)\.", text):
            yield (doc.path(rtype, name, config), "deployment does not depend on any method or integration, so "
                   "Terraform may create it first (BadRequestException: The REST API doesn't contain any methods)",
                   "pass depends_on=[<the integrations>] (and triggers that hash them, to redeploy on change)")
