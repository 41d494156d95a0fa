"""EC2 and VPC: security-group rules, subnets, route tables, load balancers, Auto Scaling groups."""
# Each check's one-line summary is its entry in tapkit/checks/guardrails/core.py RULES, not a docstring here.
# pylint: disable=missing-function-docstring
from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping

from ..document import StackDoc, blocks, literal_str, number


_PROTOCOLS = {"-1": "all", "all": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


def _permission_sources(block: Mapping, doc: StackDoc) -> list[str]:
    sources = []
    for key in ("cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6"):
        values = block.get(key)
        for value in values if isinstance(values, list) else [values] if values else []:
            value = doc.deref(value)
            try:
                sources.append(str(ipaddress.ip_network(value, strict=False)))
            except (TypeError, ValueError):
                sources.append(str(value))
    for key in ("prefix_list_ids", "prefix_list_id", "security_groups", "source_security_group_id",
                "referenced_security_group_id"):
        values = block.get(key)
        sources += [f"sg/pl {v}" for v in (values if isinstance(values, list) else [values] if values else [])]
    if block.get("self") is True:
        sources.append("self")
    return sources


def _permissions(block: Mapping, doc: StackDoc) -> list[tuple]:
    """The atomic permissions (protocol, from, to, source) one rule grants."""
    protocol = str(block.get("protocol", block.get("ip_protocol", ""))).lower()
    protocol = _PROTOCOLS.get(protocol, protocol)
    ports = ("*", "*") if protocol == "all" else (block.get("from_port"), block.get("to_port"))
    return [(protocol, *ports, source) for source in _permission_sources(block, doc)]


def _rule_entries(doc: StackDoc) -> Iterator[tuple[str, str, str, Mapping]]:
    """(group key, direction, where, rule block) of every inline and separate security-group rule."""
    for rtype, name, config in doc.resources("aws_security_group"):
        for direction in ("ingress", "egress"):
            for index, block in enumerate(blocks(config.get(direction))):
                yield (f"${{aws_security_group.{name}.id}}", direction,
                       f"{doc.path(rtype, name, config)} ({direction} #{index + 1})", block)
    for rtype, name, config in doc.resources("aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
                                             "aws_vpc_security_group_egress_rule"):
        if "count" in config or "for_each" in config:
            continue  # one config, many instances: their values differ at apply
        direction = config.get("type") or ("ingress" if rtype.endswith("ingress_rule") else "egress")
        yield str(config.get("security_group_id")), direction, doc.path(rtype, name, config), config


def duplicate_sg_rules(doc: StackDoc):
    seen: dict[tuple, str] = {}
    for group, direction, where, block in _rule_entries(doc):
        for permission in dict.fromkeys(_permissions(block, doc)):
            key = (group, direction, *permission)
            if key in seen:
                protocol, low, high, source = permission
                ports = "all ports" if protocol == "all" else f"port {low}" if low == high else f"ports {low}-{high}"
                yield (where.split(" (")[0],
                       f"{direction} {protocol} {ports} from {source} is granted twice: {where} repeats "
                       f"{seen[key]} (AWS: the same permission must not appear multiple times)",
                       "keep one rule for it: merge the descriptions, or drop the CIDR from one of them")
            else:
                seen[key] = where


def two_subnets(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_lb", "aws_alb", "aws_db_subnet_group", "aws_docdb_subnet_group",
                                             "aws_neptune_subnet_group"):
        is_lb = rtype in ("aws_lb", "aws_alb")
        if is_lb and (config.get("load_balancer_type", "application") != "application" or config.get("subnet_mapping")):
            continue
        subnets = config.get("subnets" if is_lb else "subnet_ids")
        if isinstance(subnets, list) and len(subnets) == 1 and not re.search(r"[*\[]", str(subnets[0])):
            yield (doc.path(rtype, name, config), f"{rtype} gets one subnet; AWS requires subnets in at least two "
                   "Availability Zones", "pass two or more subnets in different Availability Zones")


def empty_routes(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_route_table"):
        for index, route in enumerate(blocks(config.get("route"))):
            if not any(route.get(k) for k in ("cidr_block", "ipv6_cidr_block", "destination_prefix_list_id")):
                yield (doc.path(rtype, name, config), f"route #{index + 1} has no destination (apply fails: one of "
                       "cidr_block, ipv6_cidr_block, destination_prefix_list_id must be specified)",
                       "use RouteTableRoute(cidr_block=..., gateway_id=...): a dict with snake_case keys is dropped")


def _network(value) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value, strict=False) if literal_str(value) else None
    except ValueError:
        return None


def subnet_ranges(doc: StackDoc):
    placed: dict[str, list[tuple[object, str]]] = {}
    for rtype, name, config in doc.resources("aws_subnet"):
        subnet, vpc = _network(doc.deref(config.get("cidr_block"))), doc.ref(config.get("vpc_id"))
        vpc_cidr = _network(doc.deref(f"${{{vpc[0]}.{vpc[1]}.cidr_block}}")) if vpc else None
        if subnet is None or vpc is None:
            continue
        path = doc.path(rtype, name, config)
        if vpc_cidr is not None and not subnet.subnet_of(vpc_cidr):
            yield (path, f"cidr_block {subnet} is outside its VPC's {vpc_cidr} (InvalidSubnet.Range)",
                   f"pick a range inside {vpc_cidr}")
        clash = next((other for net, other in placed.get(vpc[1], []) if net.overlaps(subnet)), None)
        if clash:
            yield (path, f"cidr_block {subnet} overlaps subnet {clash} (InvalidSubnet.Conflict)",
                   "give each subnet its own range, e.g. 10.0.<i>.0/24")
        placed.setdefault(vpc[1], []).append((subnet, path))


def asg_sizes(doc: StackDoc):
    for rtype, name, config in doc.resources("aws_autoscaling_group"):
        low, want, high = (number(config.get(k)) for k in ("min_size", "desired_capacity", "max_size"))
        sizes = [s for s in (low, want, high) if s is not None]
        if sizes != sorted(sizes):
            yield (doc.path(rtype, name, config),
                   f"min_size={low}, desired_capacity={want}, max_size={high} are out of order (ValidationError)",
                   "make min_size <= desired_capacity <= max_size")
