"""The TAP doctor vs mypy on the seed fixtures: what each finds, and how long it takes cold and warm.

Every fixture in tests/fixtures/seeds (the _base project with a case's broken/ or
fixed/ files laid over it) is checked by
  doctor  python -m tapkit.checks.doctor --json (from the template checkout), a fresh process each run;
          it keeps no cache, so "cold" is its first run and "warm" a second one;
  mypy    python -m mypy tap.py lib, the tool a user would reach for; "cold" is a
          fresh --cache-dir, "warm" a cache that already holds cdktf and the AWS provider;
  synth   (ground truth, unless --no-synth) tap.py through the template's synth (tapkit.synth) with
          its lazy provider import, no guardrails: does the broken one really fail, the fixed one pass?
Caught: for the doctor, it reports the rules case.json expects (errors or
warnings) on the broken version; for mypy, the broken version has an error the
fixed one does not (same code, file and message: line numbers move). False
positives: findings on the fixed versions (doctor: any; mypy: errors).
mypy runs as a user would run it (`mypy tap.py lib tests`, default options: the
bodies of unannotated functions, such as most tests, are not checked).

mypy is only for this benchmark: it is pinned in bench/requirements.txt and
installed into the running interpreter on first use.

    python3 run.py bench doctor [--cases a,b] [--no-synth] [--cold-runs N]

Writes bench/results/doctor_vs_mypy.json.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tapkit import module_env, synth  # the checkout is on PYTHONPATH (python3 run.py bench sets it)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
PYTHON = sys.executable
MYPY_LINE = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+): error: (?P<message>.*?)(?:  \[(?P<code>[\w-]+)\])?$",
                       re.MULTILINE)


def ensure_mypy() -> str:
    """mypy's version, installing bench/requirements.txt first if needed."""
    if importlib.util.find_spec("mypy") is None:
        print("bench: installing mypy (bench/requirements.txt)", file=sys.stderr, flush=True)
        subprocess.run([PYTHON, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r",
                        str(ROOT / "bench" / "requirements.txt")], check=True)
    return subprocess.run([PYTHON, "-m", "mypy", "--version"], capture_output=True, text=True,
                          check=True).stdout.split()[1]


def materialize(case: str, kind: str, dest: Path) -> Path:
    """_base with one case's common/ then broken/ or fixed/ files over it (as tests/test_doctor.py builds them)."""
    meta = json.loads((SEEDS / case / "case.json").read_text(encoding="utf-8"))
    project = shutil.copytree(SEEDS / "_base", dest / f"{case}-{kind}")
    for layer in ("common", kind):  # files both versions share, then the version's own
        if (SEEDS / case / layer).is_dir():
            shutil.copytree(SEEDS / case / layer, project, dirs_exist_ok=True)
    for rel in meta.get(f"{kind}_remove", []):
        (project / rel).unlink()
    return project


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without pytest's and mypy's variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "MYPY"))}
    env.update(extra)
    return env


def timed(cmd: list[str], cwd: Path, **env: str) -> tuple[float, subprocess.CompletedProcess]:
    """Seconds a command took in a clean environment (plus `env`), and its result."""
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=clean_env(**env), capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done


def run_doctor(project: Path) -> tuple[float, set[tuple]]:
    """Seconds, and {(rule, path, message, severity)} of its findings."""
    seconds, done = timed([PYTHON, "-m", "tapkit.checks.doctor", str(project), "--json"], project,
                          PYTHONPATH=module_env({})["PYTHONPATH"])
    findings = json.loads(done.stdout)
    return seconds, {(f["rule"], f["path"], f["message"], f["severity"]) for f in findings}


def run_mypy(project: Path, cache: Path) -> tuple[float, set[tuple]]:
    """Seconds, and {(code, path, message)} of its errors, on tap.py, lib/ and tests/ (what the doctor reads)."""
    targets = [t for t in ("tap.py", "lib", "tests") if (project / t).exists()]
    seconds, done = timed([PYTHON, "-m", "mypy", "--cache-dir", str(cache), "--no-color-output",
                           "--show-error-codes", "--no-error-summary", *targets], project)
    if done.returncode not in (0, 1):
        raise SystemExit(f"bench: mypy crashed on {project}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds, {(m["code"] or "error", m["path"], m["message"]) for m in MYPY_LINE.finditer(done.stdout)}


def run_synth(project: Path) -> tuple[bool, str]:
    """Whether `python tap.py` succeeds (the template's one synth), and the line that says why it failed."""
    if not (project / "tap.py").is_file():
        return False, "no tap.py"
    try:
        synth.synthesize(project, PYTHON, "unset", lazy=True, outdir=project / "cdktf.out")
    except synth.SynthError as error:
        lines = error.output.strip().splitlines() or [str(error)]
        return False, next((line for line in reversed(lines) if "Error" in line), lines[-1])
    return True, ""


def measure_cold(cold_runs: int, work: Path) -> dict:
    """Cold wall time of both tools on the base project: fresh process, fresh mypy cache."""
    base = shutil.copytree(SEEDS / "_base", work / "cold-base")
    doctor = [run_doctor(base)[0] for _ in range(cold_runs)]
    mypy = []
    for index in range(cold_runs):
        mypy.append(run_mypy(base, work / f"cold-cache-{index}")[0])
        print(f"  mypy cold run {index + 1}: {mypy[-1]:.1f}s", file=sys.stderr, flush=True)
    return {"doctor_cold_s": min(doctor), "mypy_cold_s": min(mypy), "runs": cold_runs}


def main(argv: list[str] | None = None) -> int:
    """Run both tools on every case, print the table and the ratios, write bench/results/."""
    # pylint: disable=too-many-locals  # the run's steps in order, sharing the table's rows
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    parser.add_argument("--no-synth", action="store_true", help="skip the ground-truth synth of each fixture")
    parser.add_argument("--cold-runs", type=int, default=1, help="cold runs of each tool (best is kept)")
    args = parser.parse_args(argv)
    version = ensure_mypy()
    cases = sorted(p.name for p in SEEDS.iterdir() if (p / "case.json").is_file())
    if args.cases:
        cases = [c for c in cases if c in args.cases.split(",")]
    rows, results = [], {"mypy_version": version, "python": sys.version.split()[0], "cases": {}}
    with tempfile.TemporaryDirectory(prefix="bench-doctor-") as tmp:
        work = Path(tmp)
        print("bench: cold runs (mypy analyses cdktf and the whole AWS provider: minutes)", file=sys.stderr)
        results["cold"] = measure_cold(args.cold_runs, work)
        warm_cache = work / "cold-cache-0"
        for case in cases:
            meta = json.loads((SEEDS / case / "case.json").read_text(encoding="utf-8"))
            row = {"case": case, "doctor_rules": meta["doctor_rules"], "guardrail_rules": meta["guardrail_rules"]}
            found = {}
            for kind in ("broken", "fixed"):
                project = materialize(case, kind, work)
                _, found[("doctor", kind)] = run_doctor(project)  # first run of this project: file cache cold
                row[f"doctor_{kind}_s"], found[("doctor", kind)] = run_doctor(project)
                row[f"mypy_{kind}_s"], found[("mypy", kind)] = run_mypy(project, warm_cache)
                if not args.no_synth:
                    row[f"synth_{kind}_ok"], row[f"synth_{kind}_says"] = run_synth(project)
            doctor_rules = {f[0] for f in found[("doctor", "broken")]}
            row["doctor_broken"] = sorted(doctor_rules)
            row["doctor_fixed_findings"] = len(found[("doctor", "fixed")])
            row["doctor_caught"] = bool(meta["doctor_rules"]) and set(meta["doctor_rules"]) <= doctor_rules
            new = found[("mypy", "broken")] - found[("mypy", "fixed")]
            row["mypy_broken"] = sorted({f[0] for f in new})
            row["mypy_fixed_errors"] = len(found[("mypy", "fixed")])
            row["mypy_caught"] = bool(new)
            rows.append(row)
            results["cases"][case] = row
            print(f"  {case}: doctor {row['doctor_broken']} mypy {row['mypy_broken']}", file=sys.stderr, flush=True)
    print_table(rows, results)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "doctor_vs_mypy.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {out / 'doctor_vs_mypy.json'}")
    return 0


def print_table(rows: list[dict], results: dict) -> None:
    """The comparison, one line per fixture, then the totals and the cold/warm times."""
    synth = "synth_broken_ok" in (rows[0] if rows else {})
    head = f"{'fixture':<27} {'doctor reports':<26} {'mypy reports':<30} {'caught d/m':<10}"
    head += f" {'synth broken/fixed':<19}" if synth else ""
    print("\n" + head + " warm doctor / mypy")
    print("-" * len(head) + "-" * 20)
    for row in rows:
        line = (f"{row['case']:<27} {','.join(row['doctor_broken']) or '-':<26.26} "
                f"{','.join(row['mypy_broken']) or '-':<30.30} "
                f"{'Y' if row['doctor_caught'] else '.'}/{'Y' if row['mypy_caught'] else '.':<8}")
        if synth:
            line += (f" {'fails' if not row['synth_broken_ok'] else 'passes':<6}"
                     f"/{'ok' if row['synth_fixed_ok'] else 'FAILS':<12}")
        line += f" {row['doctor_broken_s']:.2f}s / {row['mypy_broken_s']:.1f}s"
        print(line)
    static = [r for r in rows if r["doctor_rules"]]
    print(f"\ncaught, of the {len(static)} fixtures a static check can see: doctor "
          f"{sum(r['doctor_caught'] for r in static)}, mypy {sum(r['mypy_caught'] for r in static)}; "
          f"the other {len(rows) - len(static)} are the guardrails' (synth time: tests/test_guardrails.py), "
          f"and mypy caught {sum(r['mypy_caught'] for r in rows if not r['doctor_rules'])} of them")
    print("findings on the FIXED versions (false positives): doctor "
          f"{sum(r['doctor_fixed_findings'] for r in rows)}, mypy {sum(r['mypy_fixed_errors'] for r in rows)} errors")
    cold = results["cold"]
    warm_doctor = sorted(r["doctor_broken_s"] for r in rows)[len(rows) // 2] if rows else 0.0
    warm_mypy = sorted(r["mypy_broken_s"] for r in rows)[len(rows) // 2] if rows else 0.0
    results["warm"] = {"doctor_median_s": warm_doctor, "mypy_median_s": warm_mypy}
    print(f"cold (fresh process, fresh mypy cache, base project): doctor {cold['doctor_cold_s']:.2f}s, "
          f"mypy {cold['mypy_cold_s']:.1f}s, ratio {cold['mypy_cold_s'] / cold['doctor_cold_s']:.0f}x")
    print(f"warm (median per fixture, mypy cache holding the provider): doctor {warm_doctor:.2f}s, "
          f"mypy {warm_mypy:.1f}s, ratio {warm_mypy / warm_doctor:.0f}x")


if __name__ == "__main__":
    sys.exit(main())
