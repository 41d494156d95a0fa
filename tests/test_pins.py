"""Framework pins that fit together: tapkit/pins.py and includes/pins.jinja on tapkit/pins.json.

The same table through both: Python's first problem and the Jinja macro's message are the same text (copier's
own Jinja environment renders the macro). Then the data's own consistency, the constraint helpers, and
lock_pins / find_monorepo on small files written here. No render, no network.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from copier._main import Worker  # its jinja_env is the one copier renders validators with

from tapkit import conventions, pins
from tapkit.constraints import admits

ROOT = Path(__file__).resolve().parents[1]
PINS_JSON = ROOT / "tapkit" / "pins.json"
DEFAULTS = conventions.DATA["frameworks"]

# (id, framework, package, provider, constraint, constructs, the first problem: "" when the set fits)
CASES = [
    # what the task monorepo's CI installs (its Pipfile.lock)
    ("monorepo-lock", "cdktf", "0.21.0", "21.20.0", "~> 6.0", "10.4.3", ""),
    # the template's defaults, and the constructs range its Pipfile writes (>=10.6,<10.8)
    ("cdktf-defaults", "cdktf", DEFAULTS["cdktf"]["package_version"], DEFAULTS["cdktf"]["provider_package_version"],
     "~> 6.0", "10.7.0", ""),
    ("cdktn-defaults", "cdktn", DEFAULTS["cdktn"]["package_version"], DEFAULTS["cdktn"]["provider_package_version"],
     "~> 6.0", "10.7.0", ""),
    ("range-constraint", "cdktf", "0.21.0", "21.22.1", ">= 5.80, < 7.0", None, ""),
    # bug: a consistent 5.x pair was refused
    ("5x-pair-cdktf-0.21", "cdktf", "0.21.0", "20.1.0", "~> 5.0", None, ""),
    ("5x-pair-cdktf-0.20", "cdktf", "0.20.12", "19.65.1", "~> 5.0", "10.3.0", ""),
    ("5x-pair-unsampled", "cdktf", "0.20.0", "19.45.0", "~> 5.0", None, ""),
    ("5x-exact-sampled", "cdktf", "0.20.0", "19.40.0", "= 5.74.0", None, ""),
    ("5x-maybe-unsampled", "cdktf", "0.20.0", "19.15.0", "= 5.46.0", None, ""),  # 5.41.0..5.51.0: not known wrong
    ("5x-under-6x", "cdktf", "0.20.0", "19.40.0", "~> 6.0", None,
     "Use a constraint admitting 5.74.0: cdktf-cdktf-provider-aws 19.40.0 binds it"),
    ("5x-span-missed", "cdktf", "0.20.0", "19.15.0", "~> 5.60", None,
     "Use a constraint admitting 5.41.0 to 5.51.0: provider 19.15.0 was built for one"),
    ("6x-under-5x", "cdktf", "0.21.0", "21.22.1", "~> 5.0", None,
     "Use a constraint admitting 6.25.0: cdktf-cdktf-provider-aws 21.22.1 binds it"),
    # bug: an uninstallable pair passed
    ("provider-needs-newer-cdktf", "cdktf", "0.20.0", "21.22.1", "~> 6.0", None,
     "Use cdktf 0.21.0 or provider 19.x: 21.22.1 needs cdktf>=0.21.0,<0.22.0"),
    ("provider-needs-older-cdktf", "cdktf", "0.21.0", "19.65.1", "~> 5.0", None,
     "Use cdktf 0.20.x or provider 20.x/21.x: 19.65.1 needs cdktf>=0.20.0,<0.21.0"),
    ("old-cdktf-no-provider", "cdktf", "0.19.0", "19.0.0", "~> 5.0", None,
     "Use cdktf 0.20.x: 19.0.0 needs cdktf>=0.20.0,<0.21.0"),
    ("cdktn-provider-needs-older", "cdktn", "0.24.0", "24.12.0", "~> 6.0", None,
     "Use cdktn 0.23.x or provider 25.x: 24.12.0 needs cdktn>=0.23.0,<0.24.0"),
    ("cdktn-provider-on-cdktf", "cdktn", "0.24.0", "22.1.0", "~> 6.0", None,
     "Use cdktn-provider-aws 25.x: 22.1.0 needs cdktf>=0.21.0,<0.22.0, not cdktn"),
    # bug (issue 21.9): "0.99.0 is a cdktn pin" of a release of neither: say so, with the nearest releases
    ("unknown-cdktf", "cdktf", "0.99.0", "21.22.1", "~> 6.0", None,
     "Use cdktf 0.21.0; 0.99.0 is no cdktf or cdktn release"),
    ("unknown-cdktn", "cdktn", "0.99.0", "25.8.1", "~> 6.0", None,
     "Use cdktn 0.24.0; 0.99.0 is no cdktf or cdktn release"),
    ("between-cdktf", "cdktf", "0.20.13", "21.22.1", "~> 6.0", None,
     "Use cdktf 0.20.12 or 0.21.0; 0.20.13 is no cdktf or cdktn release"),
    ("between-cdktn", "cdktn", "0.23.5", "25.8.1", "~> 6.0", None,
     "Use cdktn 0.23.4 or 0.24.0; 0.23.5 is no cdktf or cdktn release"),
    ("short-spelling", "cdktf", "0.21", "21.22.1", "~> 6.0", None, "Use cdktf 0.21.0, as PyPI spells 0.21"),
    ("unknown-provider", "cdktf", "0.21.0", "21.99.0", "~> 6.0", None,
     "Use provider 21.22.1; 21.99.0 is no cdktf or cdktn provider release"),
    ("between-providers", "cdktf", "0.21.0", "21.21.5", "~> 6.0", None,
     "Use provider 21.21.0 or 21.22.0; 21.21.5 is no cdktf or cdktn provider release"),
    ("between-cdktn-providers", "cdktn", "0.24.0", "24.12.5", "~> 6.0", None,
     "Use provider 24.12.0 or 25.0.0; 24.12.5 is no cdktf or cdktn provider release"),
    ("provider-below-data", "cdktf", "0.20.0", "18.99.0", "~> 5.0", None,
     "Use provider 19.0.0; 18.99.0 is no cdktf or cdktn provider release"),
    ("not-a-version", "cdktf", "latest-and-greatest", "21.22.1", "~> 6.0", None,
     "Use a cdktf release like 0.21.0; latest-and-grea... is not one"),
    ("pre-release-provider", "cdktf", "0.21.0", "21.0.0rc1", "~> 6.0", None,
     "Use a provider release like 21.22.1; 21.0.0rc1 is not one"),
    ("provider-predates-data", "cdktf", "0.20.0", "18.2.0", "~> 5.0", None,
     "Use cdktf-cdktf-provider-aws 19.0.0 or later; 18.2.0 predates the recorded data"),
    # the other framework's pins
    ("cdktn-package-under-cdktf", "cdktf", "0.24.0", "21.22.1", "~> 6.0", None,
     "Use cdktf 0.0.3 to 0.21.0; 0.24.0 is a cdktn release"),
    ("cdktn-provider-under-cdktf", "cdktf", "0.21.0", "25.8.1", "~> 6.0", None,
     "Use cdktf-cdktf-provider-aws 19.0.0 to 21.22.1; 25.8.1 is a cdktn release"),
    ("cdktf-package-under-cdktn", "cdktn", "0.20.12", "25.8.1", "~> 6.0", None,
     "Use cdktn 0.0.1 to 0.24.0; 0.20.12 is a cdktf release"),
    ("cdktf-provider-under-cdktn", "cdktn", "0.24.0", "21.22.1", "~> 6.0", None,
     "Use cdktn-provider-aws 21.23.0 to 25.8.1; 21.22.1 is a cdktf release"),
    # constructs
    ("cdktn-constructs-too-new", "cdktn", "0.24.0", "25.8.1", "~> 6.0", "10.8.1",
     "Use constructs>=10.6.0,<10.8.0: cdktn-provider-aws 25.8.1 requires it"),
    ("cdktf-constructs-too-old", "cdktf", "0.21.0", "21.20.0", "~> 6.0", "10.3.0",
     "Use constructs>=10.4.2,<11.0.0: cdktf-cdktf-provider-aws 21.20.0 requires it"),
    ("cdktn-0.23-constructs", "cdktn", "0.23.0", "24.0.0", "~> 6.0", "10.5.1",
     "Use constructs>=10.6.0,<11.0.0: cdktn-provider-aws 24.0.0 requires it"),
    ("constructs-not-a-version", "cdktf", "0.21.0", "21.20.0", "~> 6.0", "^10",
     "Use one exact constructs release like 10.4.3; ^10 is not one"),
    # the constraint's syntax, the framework
    ("bad-constraint", "cdktf", "0.21.0", "21.22.1", "six", None, conventions.DATA["terraform_constraint"]["message"]),
    ("no-constraint", "cdktf", "0.21.0", "21.22.1", None, None, ""),
    ("unknown-framework", "pulumi", "0.21.0", "21.22.1", "~> 6.0", None,
     "Use framework cdktf or cdktn; pulumi is not one"),
]


@pytest.fixture(scope="module")
def jinja(tmp_path_factory):
    """copier's own Jinja environment, on a copy of the files the macro reads (copier.yml, includes/, the JSON)."""
    template = tmp_path_factory.mktemp("pins") / "template"
    (template / "tapkit").mkdir(parents=True)
    shutil.copy(ROOT / "copier.yml", template)
    shutil.copytree(ROOT / "includes", template / "includes")
    for data in (ROOT / "tapkit").glob("*.json"):
        shutil.copy(data, template / "tapkit")
    worker = Worker(src_path=str(template), dst_path=tmp_path_factory.mktemp("dst"), unsafe=True, defaults=True,
                    quiet=True)

    def render(source: str, **context) -> str:
        return worker.jinja_env.from_string(source).render(**context)

    return render


def _macro(jinja, *args) -> str:
    return jinja("{% from pathjoin('includes', 'pins.jinja') import pins_problem %}"
                 "{{ pins_problem(a, b, c, d, e) }}", **dict(zip("abcde", args)))


@pytest.mark.parametrize("case", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_python_and_jinja_verdicts(jinja, case):
    *pinned, expected = case  # framework, package, provider, constraint, constructs
    found = pins.problems(*pinned)
    assert (found[0] if found else "") == expected
    assert _macro(jinja, *pinned) == expected
    assert all(len(message) <= 80 for message in found), found


def test_every_problem_is_listed():
    found = pins.problems("cdktf", "0.99.0", "21.22.1", "~> 5.0", "10.3.0")
    assert found == [
        "Use cdktf 0.21.0; 0.99.0 is no cdktf or cdktn release",
        "Use a constraint admitting 6.25.0: cdktf-cdktf-provider-aws 21.22.1 binds it",
        "Use constructs>=10.4.2,<11.0.0: cdktf-cdktf-provider-aws 21.22.1 requires it",
    ]


def test_release_of_neither_framework_is_not_called_either():
    for framework in pins.FRAMEWORKS:
        found = pins.problems(framework, "0.99.0", "99.0.0", "~> 6.0")
        assert found and all("is a " not in message for message in found), found


def test_jinja_reads_the_same_data(jinja):
    assert json.loads(jinja("{% from pathjoin('includes', 'pins.jinja') import pins %}{{ pins | to_json }}")) \
        == pins.DATA


# ---------------------------------------------------------------- the data


def test_no_jinja_delimiters():
    text = PINS_JSON.read_text(encoding="utf-8")
    assert not any(mark in text for mark in ("{{", "{%", "{#")), "pins.json is included as text by Jinja"


@pytest.mark.parametrize("name", list(pins.FRAMEWORKS))
def test_data_is_consistent(name):
    fw = pins.FRAMEWORKS[name]
    key = pins._key  # pylint: disable=protected-access
    for kind in ("package_releases", "provider_releases"):
        assert fw[kind] == sorted(fw[kind], key=key) and len(set(fw[kind])) == len(fw[kind])
    recorded = [v for v in fw["provider_releases"] if key(v) >= key(fw["provider_data_from"])]
    assert recorded[0] == fw["provider_data_from"]
    for release in recorded:  # each recorded release in exactly one major
        assert sum(key(m["first"]) <= key(release) <= key(m["last"]) for m in fw["provider_majors"]) == 1, release
    for major in fw["provider_majors"]:
        assert major["requires"] in {f["package"] for f in pins.FRAMEWORKS.values()}
        assert {major["first"], major["last"]} <= set(fw["provider_samples"]), "a major's ends were looked up"
    assert set(fw["package_requires"]) <= set(fw["package_releases"])
    samples = sorted(fw["provider_samples"], key=key)
    assert set(samples) <= set(recorded)
    aws = [key(fw["provider_samples"][v]["aws"]) for v in samples]
    assert aws == sorted(aws), "the aws version grows with the provider release (aws_span relies on it)"


@pytest.mark.parametrize("name", list(pins.FRAMEWORKS))
def test_conventions_defaults_are_recorded(name):
    fw, default = pins.FRAMEWORKS[name], DEFAULTS[name]
    assert (fw["package"], fw["provider_package"]) == (default["package"], default["provider_package"])
    assert default["package_version"] in fw["package_releases"]
    assert fw["provider_samples"][default["provider_package_version"]]["aws"] == default["provider_terraform_version"]


# ---------------------------------------------------------------- constraints

CONSTRAINTS = ["~> 6.0", "~> 5.0", "~> 5.45", "~> 5.45.1", ">= 5.80, < 7.0", "= 5.46.0", "5.46.0", "!= 6.25.0",
               "> 5.51.0", "<= 5.41.0", "< 5.41.0", ">= 6", "~> 6", "v6.25.0", "~> 6.0-beta", "6.0.0, != 6.0.0"]
VERSIONS = ["5.31.0", "5.41.0", "5.45.0", "5.45.1", "5.46.0", "5.51.0", "5.51.1", "6.0.0", "6.25.0", "6.69.1"]


def test_jinja_admits_is_the_python_rule(jinja):
    table = [(c, v) for c in CONSTRAINTS for v in VERSIONS]
    rendered = jinja("{% from pathjoin('includes', 'pins.jinja') import admits %}"
                     "{% for c, v in table %}{{ 'Y' if admits(c, v) else 'n' }}{% endfor %}", table=table)
    assert rendered == "".join("Y" if admits(c, v) else "n" for c, v in table)


@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_admits_any_is_exact(constraint):
    """admits_any(low, high) is a search of every version between them (here, all 5.41.0 to 5.51.9)."""
    every = [f"5.{minor}.{patch}" for minor in range(41, 52) for patch in range(10)]
    span = [v for v in every if pins._key(v) <= pins._key("5.51.0")]  # pylint: disable=protected-access
    assert pins.admits_any(constraint, "5.41.0", "5.51.0") == any(admits(constraint, v) for v in span)


@pytest.mark.parametrize("provider", ["19.15.0", "19.40.0", "21.22.1"])
def test_constraint_verdicts_agree(jinja, provider):
    """Every constraint of the table against a provider release looked up (exact aws) and one between two."""
    package = "0.20.0" if provider.startswith("19.") else "0.21.0"
    python = [(pins.problems("cdktf", package, provider, c) or [""])[0] for c in CONSTRAINTS]
    assert [_macro(jinja, "cdktf", package, provider, c, None) for c in CONSTRAINTS] == python
    assert any(python) and not all(python)


def test_aws_span():
    assert pins.aws_span("cdktf", "21.22.1") == ("6.25.0", "6.25.0")
    assert pins.aws_span("cdktf", "19.15.0") == ("5.41.0", "5.51.0")
    assert pins.aws_span("cdktn", "25.8.0") == ("6.63.0", "6.69.1")


# ---------------------------------------------------------------- Pipfile.lock and the monorepo

LOCK = {
    "_meta": {"hash": {"sha256": "0"}, "pipfile-spec": 6, "requires": {"python_version": "3.12"}, "sources": []},
    "default": {
        "cdktf": {"hashes": [], "index": "pypi", "version": "==0.21.0"},
        "cdktf-cdktf-provider-aws": {"hashes": [], "index": "pypi", "version": "==21.20.0"},
        "Constructs": {"hashes": [], "index": "pypi", "version": "==10.4.3"},
        "jsii": {"hashes": [], "markers": "python_version ~= '3.9'", "version": "==1.120.0"},
        "requests": {"version": "==2.32.0"},
        "cdktn": {"git": "https://example.invalid/cdktn.git", "ref": "abc"},
    },
    "develop": {"jsii": {"version": "==1.1.0"}, "cdktn_provider_aws": {"version": "==25.8.1"}},
}


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_lock_pins(tmp_path):
    lock = _write(tmp_path / "Pipfile.lock", json.dumps(LOCK))
    expected = {"cdktf": "0.21.0", "cdktf-cdktf-provider-aws": "21.20.0", "constructs": "10.4.3",
                "jsii": "1.120.0", "cdktn-provider-aws": "25.8.1", "python": "3.12"}
    assert pins.lock_pins(lock) == expected
    assert pins.lock_pins(tmp_path) == expected  # the directory holding it
    found = pins.lock_pins(lock)
    assert pins.problems("cdktf", found["cdktf"], found["cdktf-cdktf-provider-aws"], "~> 6.0", found["constructs"]) \
        == []


MONOREPO_PIPFILE = '[packages]\ncdktf = "==0.21.0"\n\n[scripts]\ntest-py-unit = "pytest tests/unit"\n'
STANDALONE_PIPFILE = '[packages]\ncdktf = "==0.21.0"\n\n[scripts]\ntest = "pytest tests/unit"\n'


def test_find_monorepo_by_pipfile(tmp_path):
    repo = tmp_path / "iac-test-automations"
    _write(repo / "Pipfile", MONOREPO_PIPFILE)
    _write(repo / "Pipfile.lock", json.dumps(LOCK))
    deep = repo / "lib" / "nested"
    deep.mkdir(parents=True)
    assert pins.find_monorepo(deep) == repo.resolve()
    assert pins.find_monorepo(_write(repo / "lib" / "tap_stack.py", "")) == repo.resolve()  # a file: its folder
    assert pins.find_monorepo(repo) == repo.resolve()


def test_find_monorepo_by_script(tmp_path):
    repo = tmp_path / "checkout"
    _write(repo / "scripts" / "check-project-files.sh", "#!/bin/sh\n")
    assert pins.find_monorepo(repo / "scripts") == repo.resolve()


@pytest.mark.parametrize(("pipfile", "lock"), [
    (STANDALONE_PIPFILE, LOCK),  # a standalone project: its script is `test`
    (MONOREPO_PIPFILE, {"default": {"requests": {"version": "==2.32.0"}}}),  # a lock that pins no framework
    (MONOREPO_PIPFILE, None),  # no lock
    ("[scripts\nnot toml", LOCK),  # an unreadable Pipfile
], ids=["standalone", "no-framework", "no-lock", "bad-toml"])
def test_find_monorepo_none(tmp_path, pipfile, lock):
    repo = tmp_path / "project"
    _write(repo / "Pipfile", pipfile)
    if lock is not None:
        _write(repo / "Pipfile.lock", json.dumps(lock))
    assert pins.find_monorepo(repo) is None


def test_find_monorepo_nearest(tmp_path):
    outer, inner = tmp_path / "outer", tmp_path / "outer" / "inner"
    for repo in (outer, inner):
        _write(repo / "scripts" / "check-project-files.sh", "")
    assert pins.find_monorepo(inner / "x") == inner.resolve()


# ---------------------------------------------------------------- the package question alone


@pytest.mark.parametrize(("framework", "version", "expected"), [
    ("cdktf", "0.21.0", ""),
    ("cdktf", "0.20.13", "Use cdktf 0.20.12 or 0.21.0; 0.20.13 is no cdktf or cdktn release"),
    ("cdktn", "0.23.4", ""),
    ("cdktn", "0.20.12", "Use cdktn 0.0.1 to 0.24.0; 0.20.12 is a cdktf release"),
    ("pulumi", "1.0.0", ""),  # the framework question refuses it first; problems() names it
])
def test_package_problem(jinja, framework, version, expected):
    assert pins.package_problem(framework, version) == expected
    assert jinja("{% from pathjoin('includes', 'pins.jinja') import package_problem %}"
                 "{{ package_problem(a, b) }}", a=framework, b=version) == expected
    if expected:
        assert pins.problems(framework, version, "21.22.1", None)[0] == expected


# ---------------------------------------------------------------- at the prompt (issue 18.4)
# copier's own questions (copier.yml's validators through includes/validators.jinja and pins.jinja), rendered
# without the hook: a refused answer raises before anything is written, with the question and the reason.


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The template's files without git (copier reads them in place)."""
    from helpers import copy_template  # pylint: disable=import-outside-toplevel

    return copy_template(tmp_path_factory.mktemp("pins-prompt") / "template")


def _copy(template, dest: Path, **data):
    import copier  # pylint: disable=import-outside-toplevel

    copier.run_copy(str(template), str(dest), data=data, defaults=True, unsafe=True, skip_tasks=True, quiet=True)
    return dest


@pytest.mark.parametrize(("data", "question", "reason"), [
    # uninstallable: cdktf-cdktf-provider-aws 21.x requires cdktf 0.21 (pip: ResolutionImpossible)
    ({"cdktf_package_version": "0.20.0", "aws_provider_package_version": "21.22.1"}, "aws_provider_package_version",
     "Use cdktf 0.21.0 or provider 19.x: 21.22.1 needs cdktf>=0.21.0,<0.22.0"),
    ({"cdktf_package_version": "0.21.0", "aws_provider_package_version": "19.65.1",
      "aws_provider_constraint": "~> 5.0"}, "aws_provider_package_version",
     "Use cdktf 0.20.x or provider 20.x/21.x: 19.65.1 needs cdktf>=0.20.0,<0.21.0"),
    ({"framework": "cdktn", "layout": "standalone", "cdktf_package_version": "0.24.0",
      "aws_provider_package_version": "24.12.0"},
     "aws_provider_package_version", "Use cdktn 0.23.x or provider 25.x: 24.12.0 needs cdktn>=0.23.0,<0.24.0"),
    # a release that does not exist, inside the framework's range
    ({"cdktf_package_version": "0.20.13"}, "cdktf_package_version",
     "Use cdktf 0.20.12 or 0.21.0; 0.20.13 is no cdktf or cdktn release"),
    ({"aws_provider_package_version": "21.21.5"}, "aws_provider_package_version",
     "Use provider 21.21.0 or 21.22.0; 21.21.5 is no cdktf or cdktn provider release"),
    # issue 21.9: a version of neither framework was called the other's pin
    ({"cdktf_package_version": "0.99.0"}, "cdktf_package_version",
     "Use cdktf 0.21.0; 0.99.0 is no cdktf or cdktn release"),
    ({"framework": "cdktn", "layout": "standalone", "cdktf_package_version": "0.99.0"}, "cdktf_package_version",
     "Use cdktn 0.24.0; 0.99.0 is no cdktf or cdktn release"),
    ({"cdktf_package_version": "0.24.0"}, "cdktf_package_version",
     "Use cdktf 0.0.3 to 0.21.0; 0.24.0 is a cdktn release"),
    ({"aws_provider_package_version": "18.2.0", "aws_provider_constraint": "~> 5.0"}, "aws_provider_package_version",
     "Use cdktf-cdktf-provider-aws 19.0.0 or later; 18.2.0 predates the recorded data"),
    # a constraint the chosen (not only the default) provider release does not bind
    ({"cdktf_package_version": "0.20.0", "aws_provider_package_version": "19.40.0",
      "aws_provider_constraint": "~> 6.0"}, "aws_provider_constraint",
     "Use a constraint admitting 5.74.0: cdktf-cdktf-provider-aws 19.40.0 binds it"),
    ({"cdktf_package_version": "0.21.0", "aws_provider_package_version": "20.1.0", "aws_provider_constraint": "~> 6.0"},
     "aws_provider_constraint", "Use a constraint admitting 5.100.0: cdktf-cdktf-provider-aws 20.1.0 binds it"),
    ({"aws_provider_constraint": "~> 5.0"}, "aws_provider_constraint",
     "Use a constraint admitting 6.25.0: cdktf-cdktf-provider-aws 21.22.1 binds it"),
], ids=["provider-needs-newer-cdktf", "provider-needs-older-cdktf", "cdktn-provider-needs-older", "no-such-cdktf",
        "no-such-provider", "neither-cdktf", "neither-cdktn", "cdktn-pin-under-cdktf", "unrecorded-provider",
        "19x-under-6x", "20x-under-6x", "default-under-5x"])
def test_pins_that_do_not_fit_are_refused_at_the_prompt(template, tmp_path, data, question, reason):
    with pytest.raises(ValueError) as refused:
        _copy(template, tmp_path / "task", **data)
    assert str(refused.value) == f"Validation error for question '{question}': {reason}"
    assert not (tmp_path / "task").exists(), "nothing is written"


@pytest.mark.parametrize("pair", [
    ("0.20.12", "19.65.1", "~> 5.0", "5.99.1"),  # the last 5.x pair of cdktf 0.20
    ("0.21.0", "20.1.0", "~> 5.0", "5.100.0"),   # cdktf 0.21's 5.x provider (issue 18: this pair was refused)
    ("0.20.0", "19.15.0", "~> 5.45", "5.41.0 to 5.51.0"),  # not looked up: between two samples, not known wrong
    ("0.21.0", "21.20.0", "~> 6.0", "6.23.0"),   # the task monorepo's Pipfile.lock
], ids=["cdktf-0.20-5x", "cdktf-0.21-5x", "unsampled-5x", "monorepo-lock"])
def test_a_consistent_older_pair_is_accepted(template, tmp_path, pair):
    package, provider, constraint, aws = pair  # the aws version(s) that provider release was generated for
    project = _copy(template, tmp_path / "task", cdktf_package_version=package, aws_provider_package_version=provider,
                    aws_provider_constraint=constraint, layout="standalone")
    answers = (project / conventions.ANSWERS_FILE).read_text(encoding="utf-8")
    for line in (f"cdktf_package_version: {package}", f"aws_provider_package_version: {provider}",
                 f"aws_provider_constraint: {constraint}"):
        assert line in answers, answers
    pipfile = (project / "Pipfile").read_text(encoding="utf-8")
    assert f'cdktf = "=={package}"' in pipfile and f'cdktf-cdktf-provider-aws = "=={provider}"' in pipfile
    assert json.loads((project / "cdktf.json").read_text(encoding="utf-8"))["terraformProviders"] == [
        f"aws@{constraint}"]
    low, _, high = aws.partition(" to ")
    assert pins.aws_span("cdktf", provider) == (low, high or low)


def test_the_refusal_reads_as_one_line_through_run_py(tmp_path):
    """`python3 run.py new` (the README's way in): the question, the value and the reason, no traceback."""
    from helpers import run  # pylint: disable=import-outside-toplevel

    done = run(["python3", str(ROOT / "run.py"), "new", str(tmp_path / "task"), "--defaults",
                "--data", "cdktf_package_version=0.20.0", "--data", "aws_provider_package_version=21.22.1"], tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert "the answer to aws_provider_package_version was refused" in output
    assert "value:  21.22.1" in output
    assert "reason: Use cdktf 0.21.0 or provider 19.x: 21.22.1 needs cdktf>=0.21.0,<0.22.0" in output
    assert not (tmp_path / "task").exists()
