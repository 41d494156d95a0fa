"""Check a task end to end: static contract, a real synth with the guardrails, the synthesized JSON.

The copier hook runs it after `copier copy` and `copier update` (`python -m
tapkit.checks.verify TASK` from the template checkout). It needs only the
standard library itself; the synth (tapkit.synth) runs the task's tap.py with
an interpreter that has the task's framework and its AWS provider (--python,
else this one), and applies the template's guardrails to every stack.

Steps, each timed:
  contract  tap.py's and the tests' TapStack(...) calls match TapStack.__init__ (ast only)
  doctor    provider classes, keywords, struct dicts, ${...} strings, project shape (tapkit.checks.doctor;
            reads the provider package as text, no import)
  synth     python tap.py into a temporary directory, pipeline variables unset, guardrails applied
  json      backend, provider regions, default_tags shape and values, provider
            constraint in cdktf.out/stacks/*/cdk.tf.json, as answered in copier
            (the task's tests/unit/expected.json)
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tapkit import framework, synth
from tapkit.checks import contract, doctor, expected as expectations
from tapkit.checks.doctor_rules import RULES
from tapkit.constraints import admits

@functools.cache
def promised(root: Path | None = None) -> dict:
    """What the answers promise (the task's tests/unit/expected.json, rendered by copier from its answers), with
    the pipeline variables unset. Read on first use, so the module imports where no project is (adopt)."""
    root = Path.cwd() if root is None else root
    return expectations.expected({}, expectations.load(root / framework.EXPECTED_FILE))


class CheckFailed(Exception):
    """A step found a problem; the message says what and how to fix it."""


def _python_with_cdktf(preferred: str | None) -> str:
    """An interpreter that has the project's framework and its AWS provider."""
    python = preferred or sys.executable
    if synth.can_import(python, framework.name()):
        return python
    names = framework.names()
    raise CheckFailed(f"{python} cannot import {names['module']} and {names['provider_module']}; pass --python with "
                      "an interpreter that has them")


def step_contract(root: Path) -> str:
    """Static contract; raises CheckFailed listing every finding."""
    findings = contract.check(root)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise CheckFailed("\n".join(str(f) for f in findings))
    warnings = "".join(f"\n    warning: {f}" for f in findings)
    return f"TapStack calls match TapStack.__init__{warnings}"


def step_doctor(root: Path, python: str | None) -> str:
    """The doctor's findings beyond the contract's (its rules, the step before); raises CheckFailed on errors."""
    findings = [f for f in doctor.diagnose(root, python) if RULES[f.rule].check != "contract"]
    if any(f.severity == "error" for f in findings):
        raise CheckFailed("\n".join(str(f) if f.severity == "error" else f"warning: {f}" for f in findings))
    warnings = "".join(f"\n    warning: {f}" for f in findings)
    return f"provider API, struct dicts, ${{...}} strings and project shape look right{warnings}"


def step_synth(root: Path, python: str, outdir: Path) -> str:
    """Run tap.py as the framework's CLI would, with the guardrails; raises CheckFailed with its whole output."""
    try:
        done = synth.synthesize(root, python, "unset", guardrails=True, outdir=outdir)
    except synth.SynthError as error:
        raise CheckFailed(f"python tap.py failed: {error}\n{error.output}".rstrip()
                          + "\n  fix the error above; `python3 run.py check` in the template reproduces it") from None
    warnings = [line for line in done.output.splitlines() if "TAP" in line and "warning" in line.lower()]
    return f"python tap.py ({Path(python).name}), guardrails applied" + "".join(f"\n    {w}" for w in warnings)


def load_stack_json(outdir: Path) -> tuple[str, dict]:
    """The one synthesized stack: (name, parsed cdk.tf.json)."""
    stacks = sorted(p for p in (outdir / "stacks").glob("*/cdk.tf.json"))
    if len(stacks) != 1:
        names = [p.parent.name for p in stacks]
        raise CheckFailed(f"expected one synthesized stack, found {len(stacks)}: {names}")
    return stacks[0].parent.name, json.loads(stacks[0].read_text(encoding="utf-8"))


def _backend_problems(terraform: dict, expected: dict) -> list[str]:
    backends = terraform.get("backend", {})
    if list(backends) != [expected["backend"]]:
        return [f"backend is {sorted(backends) or 'missing'}, expected {expected['backend']}"]
    config = backends[expected["backend"]]
    return [f"backend {expected['backend']}.{key} is {config.get(key)!r}, expected {value!r}"
            for key, value in expected["backend_config"].items() if config.get(key) != value]


def _tag_problem(provider: dict, expected: dict) -> str | None:
    where = f"provider aws ({provider.get('alias') or 'default'}, {provider.get('region')})"
    tags = provider.get("default_tags")
    ours = provider.get("alias") in expected.get("aliases", [None]) and provider.get("region") in expected["regions"]
    if tags is None and not ours:
        return None  # yours, without default tags: the guardrails say so, and you may suppress them
    if not (isinstance(tags, list) and len(tags) == 1 and isinstance(tags[0], dict) and list(tags[0]) == ["tags"]):
        return f"{where} default_tags must be [{{\"tags\": {{...}}}}], got {json.dumps(tags)}"
    if ours and tags[0]["tags"] != expected["tags"]:
        return f"{where} default tags are {tags[0]['tags']}, expected {expected['tags']}"
    return None


def _provider_problems(doc: dict, expected: dict) -> list[str]:
    problems = []
    providers = doc.get("provider", {}).get("aws")
    if not isinstance(providers, list) or not providers:
        problems.append("no AWS provider in the synthesized JSON")
        providers = []
    # Providers your code adds (aliased, e.g. us-east-1 for ACM) are yours: only their tag shape is checked.
    regions = [p.get("region") for p in providers]
    missing = [r for r in expected["regions"] if r not in regions]
    if missing:
        problems.append(f"AWS provider regions are {regions}, expected {expected['regions']} among them")
    problems += [problem for problem in (_tag_problem(p, expected) for p in providers) if problem]
    aliases = [p.get("alias") for p in providers if p.get("alias")]
    if len(providers) - len(aliases) != 1:
        problems.append(f"expected exactly one AWS provider without alias, found {len(providers) - len(aliases)}")
    return problems


def check_stack_json(name: str, doc: dict, expected: dict | None = None) -> list[str]:
    """Every way the synthesized stack differs from what the answers promise (default: promised())."""
    expected = promised() if expected is None else expected
    problems = []
    if name != expected["stack"]:
        problems.append(f"stack is {name}, expected {expected['stack']} (TapStack + ENVIRONMENT_SUFFIX default)")
    terraform = doc.get("terraform", {})
    problems += _backend_problems(terraform, expected)
    problems += _provider_problems(doc, expected)
    constraint = terraform.get("required_providers", {}).get("aws", {}).get("version")
    if constraint != expected["aws_provider_constraint"]:
        problems.append(f"required_providers.aws.version is {constraint!r}, "
                        f"expected {expected['aws_provider_constraint']!r}")
    return problems


def step_json(outdir: Path) -> str:
    """Check the synthesized JSON; raises CheckFailed listing every difference."""
    name, doc = load_stack_json(outdir)
    problems = check_stack_json(name, doc)
    if problems:
        raise CheckFailed("\n".join(f"{name}/cdk.tf.json: {p}" for p in problems))
    backend = doc["terraform"]["backend"]
    expected = promised()
    n_tags = len(expected["tags"])
    return (
        f"{name}: backend {json.dumps(backend, sort_keys=True)}; {len(expected['regions'])} AWS provider(s) "
        f"{expected['regions']} with default_tags [{{tags: {n_tags} keys}}]; aws {expected['aws_provider_constraint']}"
    )


def provider_version(python: str) -> str | None:
    """The Terraform AWS provider version the installed prebuilt package was generated for."""
    # find_spec of the package, not of .provider: that would import the package eagerly.
    module = framework.names()["provider_module"]
    code = f"import importlib.util as u; print(u.find_spec({module!r}).submodule_search_locations[0])"
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode:
        return None
    text = (Path(done.stdout.strip()) / "provider" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r"hashicorp/aws/(\d+\.\d+\.\d+)", text)
    return found.group(1) if found else None


def step_provider(python: str) -> str:
    """The constraint must admit the version the prebuilt bindings were generated for."""
    version = provider_version(python)
    if version is None:
        return "prebuilt provider version not found; constraint not compared"
    constraint = promised()["aws_provider_constraint"]
    if not admits(constraint, version):
        raise CheckFailed(
            f"the installed {framework.names()['provider_package']} was generated for AWS provider {version}, "
            f"which the constraint {constraint!r} excludes; pick a constraint that admits {version} "
            "(the answer aws_provider_constraint: --data aws_provider_constraint=... to copier) or pin a provider "
            "package built for it"
        )
    return f"AWS provider {version} (prebuilt bindings) satisfies {constraint!r}"


def _emit(out, mark: str, step: str, seconds: float, text: str) -> None:
    """One step's line (and its message's further lines, indented under it)."""
    lines = text.splitlines() or [""]
    out.write(f"  {mark:<7} {step:<9} {seconds:5.1f}s  {lines[0]}\n")
    for line in lines[1:]:
        out.write(f"                            {line}\n")
    out.flush()


def write_status(path: Path | None, step: str | None, message: str, seconds: float, skipped: bool) -> None:
    """The outcome as JSON for programs (the copier hook): ok, the failed step, its message."""
    if path is not None:
        status = {"ok": step is None, "step": step, "message": message, "seconds": round(seconds, 2),
                  "synth_skipped": skipped}
        path.write_text(json.dumps(status, indent=2) + "\n", encoding="utf-8")


Step = tuple[str, Callable[[], str] | None]  # (name, action); action None means skipped


def _steps(root: Path, python: str | None, skip_synth: bool, outdir: Path) -> list[Step]:
    """Every step in order."""
    steps: list[Step] = [("contract", lambda: step_contract(root))]
    if skip_synth:
        return steps + [("doctor", lambda: step_doctor(root, python)), ("synth", None)]
    chosen: list[str] = []
    return steps + [
        ("python", lambda: chosen.append(_python_with_cdktf(python)) or f"{chosen[0]}"),
        ("provider", lambda: step_provider(chosen[0])),
        ("doctor", lambda: step_doctor(root, chosen[0])),
        ("synth", lambda: step_synth(root, chosen[0], outdir)),
        ("json", lambda: step_json(outdir)),
    ]


def run(root: Path, python: str | None, skip_synth: bool, out=sys.stdout,
        status: Path | None = None) -> int:
    """Run every step, print one line each, return the exit status (and write it to `status` as JSON)."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tap-verify-") as tmp:
        for step, action in _steps(root, python, skip_synth, Path(tmp) / "cdktf.out"):
            if action is None:
                _emit(out, "SKIPPED", step, 0.0,
                      "synth and JSON checks skipped (--skip-synth): nothing proves this project synthesizes")
                continue
            t0 = time.perf_counter()
            try:
                text = action()
            except CheckFailed as failure:
                _emit(out, "FAILED", step, time.perf_counter() - t0, str(failure))
                out.write(f"tap verify: FAILED at step '{step}' after {time.perf_counter() - started:.1f}s\n")
                write_status(status, step, str(failure), time.perf_counter() - started, skip_synth)
                return 1
            _emit(out, "ok", step, time.perf_counter() - t0, text)
    out.write(f"tap verify: all checks passed in {time.perf_counter() - started:.1f}s\n")
    write_status(status, None, "all checks passed", time.perf_counter() - started, skip_synth)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m tapkit.checks.verify", description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", default=".", help="project directory (default: .)")
    parser.add_argument("--python", help="interpreter with the framework for the synth (default: this one)")
    parser.add_argument("--skip-synth", action="store_true", help="static checks only; says so in the output")
    parser.add_argument("--status", type=Path, help="also write the outcome to this file as JSON (ok, step, message)")
    args = parser.parse_args(argv)
    root = Path(args.project).resolve()
    os.chdir(root)  # the checks read "this project" (framework.name(), promised()) from the working directory
    return run(root, args.python, args.skip_synth, status=args.status)


if __name__ == "__main__":
    sys.exit(main())
