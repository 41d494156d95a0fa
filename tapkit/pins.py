"""Which framework pins fit together: the releases in pins.json beside this file. Standard library only.

A project pins three things: the framework's Python package (cdktf, or cdktn), its prebuilt AWS provider
package (cdktf-cdktf-provider-aws, or cdktn-provider-aws) and the Terraform AWS provider constraint. pins.json
records, from PyPI, the releases of both packages and what each provider release requires (the framework
package and its range, constructs) and the hashicorp/aws version it was generated for.

    problems(framework, package_version, provider_version, constraint, constructs=None) -> list[str]
        every problem with the set, each one line: what would be accepted, then why (the style of
        includes/validators.jinja). includes/pins.jinja's pins_problem() prints the first, the same text.
    lock_pins(pipfile_lock) -> dict: the versions a Pipfile.lock pins (the packages in LOCKED, and python).
    find_monorepo(path) -> Path | None: the checkout of the task monorepo at or above path.

What is not recorded is not judged: a provider release between two looked-up ones was generated for an aws
version between theirs, so a constraint is refused only if it admits none of that span.
"""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from tapkit import conventions
from tapkit.constraints import admits

DATA: dict[str, Any] = json.loads(Path(__file__).with_name("pins.json").read_text(encoding="utf-8"))
FRAMEWORKS: dict[str, dict[str, Any]] = DATA["frameworks"]

# The packages lock_pins() reads, as a Pipfile.lock names them.
LOCKED = ("cdktf", "cdktf-cdktf-provider-aws", "cdktn", "cdktn-provider-aws", "constructs", "jsii")

_RELEASE = re.compile(r"[0-9]+(\.[0-9]+)*")
_CLAUSE = re.compile(conventions.DATA["terraform_constraint"]["clause"])
_SHOWN = 18  # a value quoted in a message is cut to this many characters


def _key(version: str) -> tuple[int, ...]:
    """A release as a sortable tuple of 4 (includes/pins.jinja's _key pads the same way)."""
    return tuple((int(x) for x in [*version.split("."), "0", "0", "0"][:4]))


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN - 3] + "..."


def _satisfies(version: str, spec: str) -> bool:
    """Whether `version` is in a PEP 440 range as pins.json writes them (">=0.21.0,<0.22.0")."""
    for part in spec.split(","):
        op, bound = re.fullmatch(r"(>=|<=|==|!=|>|<)(.+)", part.strip()).groups()
        have, want = _key(version), _key(bound)
        if not {">=": have >= want, "<=": have <= want, "==": have == want, "!=": have != want,
                ">": have > want, "<": have < want}[op]:
            return False
    return True


def _span(versions: list[str]) -> str:
    return versions[0] if len(versions) == 1 else f"{versions[0]} to {versions[-1]}"


def _majors_text(majors: list[dict[str, Any]]) -> str:
    return "/".join(m["first"].split(".")[0] + ".x" for m in majors)


def _major(fw: dict[str, Any], provider_version: str) -> dict[str, Any] | None:
    for major in fw["provider_majors"]:
        if _key(major["first"]) <= _key(provider_version) <= _key(major["last"]):
            return major
    return None


def aws_span(framework: str, provider_version: str) -> tuple[str, str] | None:
    """(low, high): the hashicorp/aws versions the provider release was generated for lies between (low ==
    high when that release was looked up); None when no looked-up release follows it."""
    fw = FRAMEWORKS[framework]
    samples = fw["provider_samples"]
    if provider_version in samples:
        return samples[provider_version]["aws"], samples[provider_version]["aws"]
    before = [v for v in samples if _key(v) < _key(provider_version)]
    after = [v for v in samples if _key(v) > _key(provider_version)]
    if not before or not after:
        return None
    low = max(before, key=_key)
    high = min(after, key=_key)
    return samples[low]["aws"], samples[high]["aws"]


def admits_any(constraint: str, low: str, high: str) -> bool:
    """Whether the constraint admits some version from low to high: it does if it admits one of the ends, a
    bound it names or the patch after one (its admitted set is intervals that start or end at those)."""
    candidates = [low, high]
    for part in constraint.split(","):
        found = _CLAUSE.fullmatch(part)
        if found:
            bound = [*found.group(2).split("."), "0", "0"][:3]
            candidates += [".".join(bound), ".".join([*bound[:2], str(int(bound[2]) + 1)])]
    return any(_key(low) <= _key(v) <= _key(high) and admits(constraint, v) for v in candidates)


def problems(framework: str, package_version: str, provider_version: str, constraint: str | None,
             constructs: str | None = None) -> list[str]:
    """Every problem with these pins, each one line: what would be accepted, then why. [] when they fit."""
    if framework not in FRAMEWORKS:
        return [f"Use framework {' or '.join(FRAMEWORKS)}; {_shown(framework)} is not one"]
    fw = FRAMEWORKS[framework]
    others = {name: other for name, other in FRAMEWORKS.items() if name != framework}
    package, provider = fw["package"], fw["provider_package"]
    found: list[str] = []

    # The framework package: one of its releases.
    known_package = package_version in fw["package_releases"]
    if not known_package:
        owner = next((n for n, o in others.items() if package_version in o["package_releases"]), None)
        found.append(f"Use {package} {_span([fw['package_releases'][0], fw['package_releases'][-1]])}; "
                     f"{_shown(package_version)} is " + (f"a {owner} release" if owner else "not a release"))

    # The provider package: one of its releases whose requirements are recorded (provider_data_from on).
    since = fw["provider_data_from"]
    major = None
    if provider_version not in fw["provider_releases"]:
        owner = next((n for n, o in others.items() if provider_version in o["provider_releases"]), None)
        found.append(f"Use {provider} {_span([since, fw['provider_releases'][-1]])}; {_shown(provider_version)} is "
                     + (f"a {owner} release" if owner else "not a release"))
    elif _key(provider_version) < _key(since):
        found.append(f"Use {provider} {fw['provider_data_from']} or later; {provider_version} predates the "
                     f"recorded data")
    else:
        major = _major(fw, provider_version)
        if major is None:
            found.append(f"Record {provider} {provider_version} in tapkit/pins.json: its needs are unknown")

    # The provider's framework requirement.
    if major is not None:
        needs = f"{major['requires']}{major['range']}"
        own = [m for m in fw["provider_majors"] if m["requires"] == package]
        fitting = [m for m in own if known_package and _satisfies(package_version, m["range"])]
        if major["requires"] != package:
            found.append(f"Use {provider} {_majors_text(fitting or own)}: {provider_version} needs {needs}, "
                         f"not {package}")
        elif known_package and not _satisfies(package_version, major["range"]):
            releases = [v for v in fw["package_releases"] if _satisfies(v, major["range"])]
            found.append(f"Use {package} {_span(releases)}"
                         + (f" or provider {_majors_text(fitting)}" if fitting else "")
                         + f": {provider_version} needs {needs}")

    # The Terraform constraint: its syntax, then the aws version the provider was generated for.
    if constraint is not None:
        clause = conventions.DATA["terraform_constraint"]["clause"]
        if not (isinstance(constraint, str) and re.fullmatch(f"{clause}(,{clause})*", constraint)):
            found.append(conventions.DATA["terraform_constraint"]["message"])
        elif major is not None and (span := aws_span(framework, provider_version)):
            low, high = span
            if low == high and not admits(constraint, low):
                found.append(f"Use a constraint admitting {low}: {provider} {provider_version} binds it")
            elif low != high and not admits_any(constraint, low, high):
                found.append(f"Use a constraint admitting {low} to {high}: provider {provider_version} was "
                             f"built for one")

    # constructs: within the provider's range and the framework package's (where recorded).
    if constructs is not None:
        if not (isinstance(constructs, str) and _RELEASE.fullmatch(constructs)):
            found.append(f"Use one exact constructs release like 10.4.3; {_shown(constructs)} is not one")
        else:
            ranges = []
            if major is not None:
                ranges.append((major["constructs"], f"{provider} {provider_version}"))
            if package_version in fw["package_requires"]:
                ranges.append((fw["package_requires"][package_version]["constructs"], f"{package} {package_version}"))
            for spec, who in ranges:
                if not _satisfies(constructs, spec):
                    found.append(f"Use constructs{spec}: {who} requires it")
                    break
    return found


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_pins(pipfile_lock: str | Path) -> dict[str, str]:
    """The exact versions a Pipfile.lock pins for LOCKED ("default" first, then "develop"), and "python" from
    _meta.requires.python_version. A package the lock does not pin with == is left out. `pipfile_lock` may be
    the lock file or the directory holding it."""
    path = Path(pipfile_lock)
    if path.is_dir():
        path = path / "Pipfile.lock"
    lock = json.loads(path.read_text(encoding="utf-8"))
    pins: dict[str, str] = {}
    for section in ("default", "develop"):
        for name, entry in (lock.get(section) or {}).items():
            name = _canonical(name)
            version = entry.get("version") if isinstance(entry, dict) else None
            if name in LOCKED and name not in pins and isinstance(version, str) and version.startswith("=="):
                pins[name] = version[2:].strip()
    python = ((lock.get("_meta") or {}).get("requires") or {}).get("python_version")
    if isinstance(python, str):
        pins["python"] = python
    return pins


def _is_monorepo(directory: Path) -> bool:
    """The markers of a checkout of the task monorepo (see find_monorepo)."""
    if (directory / "scripts" / "check-project-files.sh").is_file():
        return True
    lock, pipfile = directory / "Pipfile.lock", directory / "Pipfile"
    if not (lock.is_file() and pipfile.is_file()):
        return False
    try:
        pinned = lock_pins(lock)
        scripts = tomllib.loads(pipfile.read_text(encoding="utf-8")).get("scripts") or {}
    except (OSError, ValueError, AttributeError):
        return False
    return ("cdktf" in pinned or "cdktn" in pinned) and "test-py-unit" in scripts


def find_monorepo(path: str | Path) -> Path | None:
    """The nearest directory at or above `path` that is a checkout of the task monorepo, or None.

    Its markers, either of: scripts/check-project-files.sh (the monorepo's project-files gate), or a
    Pipfile.lock pinning cdktf (or cdktn) with ==, beside a Pipfile whose [scripts] has test-py-unit (what
    CI runs; a standalone project's Pipfile names its script `test`)."""
    start = Path(path).resolve()
    if not start.is_dir():
        start = start.parent
    for directory in (start, *start.parents):
        if _is_monorepo(directory):
            return directory
    return None
