"""Benchmark: time to `copier update` a fleet of generated repos with the local rollout.

    python3 run.py bench fleet [--sizes 20 100] [--modes no-synth,synth,synth-once] [--jobs 2] [--quick]

For each size N it builds a template repository with two releases (0.2.0 = this
checkout, 0.3.0 = tapkit.fleet.sandbox.sample_fixes), renders 0.2.0 once and copies
it into N git repos, then times `tapkit.fleet.rollout` updating all N to 0.3.0 with
--jobs workers. Modes:

  no-synth    rollout --skip-hook: copier --skip-tasks; the post-update check
              looks for conflicts only (no synth)
  synth       the hook as shipped: copier runs _tasks in each of the three
              trees of an update (old render, project, new render) and the
              post-update check runs the hook once more on the merged project
  synth-once  the same template with `when: "{{ _copier_operation == 'copy' }}"`
              on _tasks, so the hook runs once per update, after the merge
              (the change proposed in docs/lifecycle.md)

Prints wall time, time per repo (wall / N and each repo's own time), repos per
minute and the ratio to no-synth; writes bench/results/update_fleet.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# run.py bench puts the checkout on PYTHONPATH (as for every job).
from tapkit.fleet import rollout, sandbox  # noqa: E402  pylint: disable=wrong-import-position

MODES = ("no-synth", "synth", "synth-once")


def tasks_on_copy_only(root: Path) -> None:
    """The proposed copier.yml change: the hook as a task on copy only (the after-migration covers update).

    In both releases: copier runs the OLD release's _tasks on the old render.
    """
    anchor = '      - "{{ _copier_operation }}"\n'
    sandbox.replace_once(root / "copier.yml", anchor, anchor + "    when: \"{{ _copier_operation == 'copy' }}\"\n")


def releases(base: Path, mode: str) -> Path:
    """The template repository for a mode (built once): 0.2.0, then 0.3.0 with the sample fixes."""
    dest = base / f"template-{mode}"
    if not dest.is_dir():
        first = tasks_on_copy_only if mode == "synth-once" else None
        sandbox.template_releases(ROOT, dest, [("0.2.0", first), ("0.3.0", sandbox.sample_fixes)])
    return dest


def run(base: Path, mode: str, size: int, jobs: int) -> dict:
    """Update `size` fresh repos to 0.3.0; the figures of that run."""
    template = releases(base, mode)
    fleet = sandbox.generate_fleet(template, "0.2.0", base / f"fleet-{mode}-{size}", size)
    options = rollout.Options(to="0.3.0", skip_hook=mode == "no-synth", logs=base / f"logs-{mode}-{size}")
    with open(os.devnull, "w", encoding="utf-8") as quiet:
        started = time.perf_counter()
        results = rollout.rollout(fleet, jobs, options, progress=quiet)
        wall = time.perf_counter() - started
    statuses = {r.status for r in results}
    if statuses != {"updated"}:
        bad = [r for r in results if r.status != "updated"][:3]
        details = [(r.repo, r.status, r.reason) for r in bad]
        raise SystemExit(f"bench: {mode} N={size}: not every repo updated: {details}")
    own = [r.seconds for r in results]
    shutil.rmtree(base / f"fleet-{mode}-{size}", ignore_errors=True)
    return {"mode": mode, "n": size, "jobs": jobs, "wall_s": round(wall, 1), "per_repo_wall_s": round(wall / size, 2),
            "per_repo_own_median_s": round(statistics.median(own), 2), "per_repo_own_max_s": round(max(own), 2),
            "repos_per_min": round(60 * size / wall, 1)}


def table(rows: list[dict]) -> str:
    """The figures, one row per run, with the ratio to no-synth at the same N."""
    base = {row["n"]: row["wall_s"] for row in rows if row["mode"] == "no-synth"}
    head = f"{'mode':<11} {'N':>4} {'jobs':>4} {'wall s':>8} {'s/repo':>7} {'own median s':>12} {'own max s':>9} " \
           f"{'repos/min':>9} {'x no-synth':>10}"
    lines = [head, "-" * len(head)]
    for row in rows:
        ratio = f"{row['wall_s'] / base[row['n']]:.1f}" if row["n"] in base else "-"
        lines.append(f"{row['mode']:<11} {row['n']:>4} {row['jobs']:>4} {row['wall_s']:>8} {row['per_repo_wall_s']:>7} "
                     f"{row['per_repo_own_median_s']:>12} {row['per_repo_own_max_s']:>9} {row['repos_per_min']:>9} "
                     f"{ratio:>10}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Build, run and print every (size, mode)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 100])
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of {', '.join(MODES)}")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="N=4 only: a smoke run")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "update_fleet.json")
    args = parser.parse_args(argv)
    sizes = [4] if args.quick else args.sizes
    modes = [m for m in args.modes.split(",") if m]
    unknown = set(modes) - set(MODES)
    if unknown:
        parser.error(f"unknown mode(s) {sorted(unknown)}; use {', '.join(MODES)}")
    print(f"update_fleet: {platform.node()}, {os.cpu_count()} CPU(s), Python {platform.python_version()}, "
          f"jobs={args.jobs}, sizes={sizes}, modes={modes}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="tap-bench-fleet-") as tmp:
        for size in sizes:
            for mode in modes:
                row = run(Path(tmp), mode, size, args.jobs)
                rows.append(row)
                print(f"  {mode:<11} N={size:<4} {row['wall_s']:>7}s wall, {row['per_repo_wall_s']}s per repo",
                      flush=True)
    print()
    print(table(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"cpus": os.cpu_count(), "rows": rows}, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
