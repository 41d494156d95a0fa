"""Route53: reserved domains, A/AAAA record values, alias records."""
# Each check's one-line summary is its entry in tapkit/checks/guardrails/core.py RULES, not a docstring here.
# pylint: disable=missing-function-docstring
from __future__ import annotations

import ipaddress

from ..document import StackDoc, literal_str


RESERVED_DOMAINS = ("example.com", "example.net", "example.org")


def reserved_domain(name) -> str | None:
    """The reserved domain a DNS name falls under, if any."""
    text = literal_str(name)
    if text is None:
        return None
    text = text.rstrip(".").lower()
    return next((d for d in RESERVED_DOMAINS if text == d or text.endswith("." + d)), None)


def reserved_domains(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_route53_zone", "aws_route53_record"):
        domain = reserved_domain(config.get("name"))
        if domain:
            what = "hosted zone" if rtype == "aws_route53_zone" else "record"
            yield (doc.path(rtype, name, config),
                   f"{what} {config['name']!r} is under {domain}, which AWS reserves (InvalidDomainName)",
                   "use a domain you own, or a private zone under a non-reserved name such as "
                   "app-<suffix>.internal")


def record_values(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_route53_record"):
        kind = str(config.get("type", "")).upper()
        if kind not in ("A", "AAAA") or config.get("alias"):
            continue
        for value in config.get("records") or []:
            problem = _not_an_ip(value, 4 if kind == "A" else 6, doc)
            if problem:
                yield (doc.path(rtype, name, config), f"{kind} record value {problem}",
                       "A/AAAA records take IP addresses; to reach Lambda, API Gateway, a load balancer or "
                       "CloudFront use alias={name, zone_id, evaluate_target_health} with its domain, or a CNAME")


def _not_an_ip(value, version: int, doc: StackDoc) -> str | None:
    text = literal_str(value)
    if text is not None:
        try:
            if ipaddress.ip_address(text).version == version:
                return None
        except ValueError:
            pass
        return f"{text!r} is not an IPv{version} address"
    target = doc.ref(value)
    if target and "ip" not in target[2]:
        return f"{value} (the {target[2]} of {doc.where(*target[:2])}) is not an IPv{version} address"
    return None


def alias_conflicts(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_route53_record"):
        clash = [key for key in ("ttl", "records") if config.get("alias") and config.get(key) is not None]
        if clash:
            yield (doc.path(rtype, name, config), f"alias record also sets {' and '.join(clash)} (conflicts with "
                   "alias)", f"remove {' and '.join(clash)}: an alias takes its TTL and target from the alias")
