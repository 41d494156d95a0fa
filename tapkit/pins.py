"""Which framework pins fit together: the releases in pins.json beside this file. Standard library only.

A project pins three things: the framework's Python package (cdktf, or cdktn), its prebuilt AWS provider
package (cdktf-cdktf-provider-aws, or cdktn-provider-aws) and the Terraform AWS provider constraint. pins.json
records, from PyPI, the releases of both packages and what each provider release requires (the framework
package and its range, constructs) and the hashicorp/aws version it was generated for.

    problems(framework, package_version, provider_version, constraint, constructs=None) -> list[str]
        every problem with the set, each one line: what would be accepted, then why (the style of
        includes/validators.jinja). includes/pins.jinja's pins_problem() prints the first, the same text:
        copier.yml's aws_provider_package_version and aws_provider_constraint validators print it.
    package_problem(framework, package_version) -> str: the framework package alone (its question comes
        first; pins.jinja package_problem() is the same).
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


def _releases_text(releases: list[str]) -> str:
    """0.21.0; 0.20.x (several, all of one minor); else 0.20.0 to 0.21.0."""
    minors = {tuple(v.split(".")[:2]) for v in releases}
    return ".".join(minors.pop()) + ".x" if len(releases) > 1 and len(minors) == 1 else _span(releases)


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


def _owner(framework: str, kind: str, version: str) -> str | None:
    """The other framework whose `kind` (package_releases, provider_releases) holds `version`."""
    return next((name for name, other in FRAMEWORKS.items() if name != framework and version in other[kind]), None)


def _nearest(releases: list[str], version: str) -> str:
    """The nearest releases below and above `version`, joined by " or " (includes/pins.jinja _nearest)."""
    below = [v for v in releases if _key(v) < _key(version)]
    above = [v for v in releases if _key(v) > _key(version)]
    return " or ".join([*([max(below, key=_key)] if below else []), *([min(above, key=_key)] if above else [])])


def _release_problem(framework: str, kind: str, version: str, first: str) -> str:
    """`version` is not a release of the framework's package (kind package_releases) or provider, from `first` on:
    whose release it is if another framework's; else, for a version, the release it equals as PyPI spells it, or the
    nearest releases and that it is a release of neither framework; else an example of a release."""
    fw = FRAMEWORKS[framework]
    package = kind == "package_releases"
    name = fw["package" if package else "provider_package"]
    owner = _owner(framework, kind, version)
    if owner:
        return f"Use {name} {_span([first, fw[kind][-1]])}; {_shown(version)} is a {owner} release"
    short = name if package else "provider"
    if not (isinstance(version, str) and _RELEASE.fullmatch(version)):
        return f"Use a {short} release like {fw[kind][-1]}; {_shown(version)} is not one"
    accepted = [v for v in fw[kind] if _key(v) >= _key(first)]
    same = next((v for v in accepted if _key(v) == _key(version)), None)
    if same:  # 0.21 for 0.21.0
        return f"Use {short} {same}, as PyPI spells {_shown(version)}"
    return (f"Use {short} {_nearest(accepted, version)}; {_shown(version)} is no {' or '.join(FRAMEWORKS)} "
            + ("release" if package else "provider release"))


def package_problem(framework: str, package_version: str) -> str:
    """The framework package alone, as its question checks it before the provider is asked: "" when it is one of
    the framework's releases (or the framework is unknown: problems() says so), else what to use and why."""
    fw = FRAMEWORKS.get(framework)
    if fw is None or package_version in fw["package_releases"]:
        return ""
    return _release_problem(framework, "package_releases", package_version, fw["package_releases"][0])


def _provider_major(framework: str, provider_version: str) -> tuple[str | None, dict[str, Any] | None]:
    """(the problem with the provider release, or None; its major in provider_majors, or None)."""
    fw = FRAMEWORKS[framework]
    since = fw["provider_data_from"]  # the first release whose requirements are recorded
    if provider_version not in fw["provider_releases"]:
        return _release_problem(framework, "provider_releases", provider_version, since), None
    if _key(provider_version) < _key(since):
        return f"Use {fw['provider_package']} {since} or later; {provider_version} predates the recorded data", None
    major = _major(fw, provider_version)
    if major is None:
        return f"Record {fw['provider_package']} {provider_version} in tapkit/pins.json: its needs are unknown", None
    return None, major


def _framework_problem(framework: str, package_version: str, provider_version: str,
                       major: dict[str, Any]) -> str | None:
    """The provider release's major requires another framework package, or a range without package_version."""
    fw = FRAMEWORKS[framework]
    package, needs = fw["package"], f"{major['requires']}{major['range']}"
    known = package_version in fw["package_releases"]
    own = [m for m in fw["provider_majors"] if m["requires"] == package]
    fitting = [m for m in own if known and _satisfies(package_version, m["range"])]
    if major["requires"] != package:
        return (f"Use {fw['provider_package']} {_majors_text(fitting or own)}: {provider_version} needs {needs}, "
                f"not {package}")
    if known and not _satisfies(package_version, major["range"]):
        releases = [v for v in fw["package_releases"] if _satisfies(v, major["range"])]
        return (f"Use {package} {_releases_text(releases)}"
                + (f" or provider {_majors_text(fitting)}" if fitting else "")
                + f": {provider_version} needs {needs}")
    return None


def _constraint_problem(framework: str, provider_version: str, constraint: Any,
                        major: dict[str, Any] | None) -> str | None:
    """The constraint's syntax, then whether it admits the aws version the provider was generated for."""
    clause = conventions.DATA["terraform_constraint"]["clause"]
    if not (isinstance(constraint, str) and re.fullmatch(f"{clause}(,{clause})*", constraint)):
        return conventions.DATA["terraform_constraint"]["message"]
    span = aws_span(framework, provider_version) if major is not None else None
    if span is None:
        return None
    low, high = span
    if low == high and not admits(constraint, low):
        provider = FRAMEWORKS[framework]["provider_package"]
        return f"Use a constraint admitting {low}: {provider} {provider_version} binds it"
    if low != high and not admits_any(constraint, low, high):
        return f"Use a constraint admitting {low} to {high}: provider {provider_version} was built for one"
    return None


def _constructs_problem(framework: str, package_version: str, provider_version: str, constructs: Any,
                        major: dict[str, Any] | None) -> str | None:
    """constructs within the provider's range, then the framework package's (where recorded)."""
    if not (isinstance(constructs, str) and _RELEASE.fullmatch(constructs)):
        return f"Use one exact constructs release like 10.4.3; {_shown(constructs)} is not one"
    fw = FRAMEWORKS[framework]
    ranges = []
    if major is not None:
        ranges.append((major["constructs"], f"{fw['provider_package']} {provider_version}"))
    if package_version in fw["package_requires"]:
        ranges.append((fw["package_requires"][package_version]["constructs"], f"{fw['package']} {package_version}"))
    return next((f"Use constructs{spec}: {who} requires it" for spec, who in ranges
                 if not _satisfies(constructs, spec)), None)


def problems(framework: str, package_version: str, provider_version: str, constraint: str | None,
             constructs: str | None = None) -> list[str]:
    """Every problem with these pins, each one line: what would be accepted, then why. [] when they fit.

    In this order (includes/pins.jinja pins_problem() prints the first): the framework package is one of
    its releases; the provider package is one of its recorded releases; the provider's major requires this
    package and a range holding package_version; the constraint (unless None) parses and admits the aws
    version the provider was generated for; constructs (unless None) is in the provider's and the package's
    ranges."""
    if framework not in FRAMEWORKS:
        return [f"Use framework {' or '.join(FRAMEWORKS)}; {_shown(framework)} is not one"]
    found: list[str | None] = [package_problem(framework, package_version)]
    problem, major = _provider_major(framework, provider_version)
    found.append(problem)
    if major is not None:
        found.append(_framework_problem(framework, package_version, provider_version, major))
    if constraint is not None:
        found.append(_constraint_problem(framework, provider_version, constraint, major))
    if constructs is not None:
        found.append(_constructs_problem(framework, package_version, provider_version, constructs, major))
    return [message for message in found if message]


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
