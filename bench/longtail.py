"""Every long-tail adopt fixture through adopt + update + tests; prints figures per class and in all.

    python3 run.py bench longtail [--jobs N] [NAME ...]

Figures: fixtures per class; adopted (without --accept) / refused as expected / behaved;
deployed-JSON changes without acceptance (must be 0); tests passing after adopt + update.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# A script (bench/run.py runs it by path): the checkout, for tapkit, and tests/, for longtail and helpers.
sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[1] / "tests")]
import longtail  # noqa: E402  pylint: disable=wrong-import-position  # tests/longtail.py


def main(argv: list[str]) -> int:
    """Run the fixtures (all, or those named), print the figures; 1 if any misbehaved."""
    parser = argparse.ArgumentParser(prog="python3 run.py bench longtail")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    fixtures = [f for f in longtail.cases() if not args.names or f.name in args.names]
    work = Path(tempfile.mkdtemp(prefix="tap-longtail-"))
    template = longtail.releases(work / "template")
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda f: longtail.run_case(f, template, work / f.name), fixtures))
    by_class = defaultdict(list)
    for result in results:
        by_class[result["class"]].append(result)
    print(f"{'class':<22} {'n':>3} {'behaved':>8} {'adopted':>8} {'refused':>8} {'changed':>8} {'tests ok':>9}")
    for name, group in sorted(by_class.items()):
        print(f"{name:<22} {len(group):>3} {sum(not longtail.verdict(r) for r in group):>8} "
              f"{sum(r['adopted'] and not r['refused'] for r in group):>8} {sum(bool(r['refused']) for r in group):>8} "
              f"{sum(bool(r['changes']) and r['expect'] == 'adopted' for r in group):>8} "
              f"{sum(bool(r['tests_ok']) for r in group):>9}")
    behaved = [r for r in results if not longtail.verdict(r)]
    print(f"\n{len(results)} fixtures, {len(behaved)} behaved as their case.json says "
          f"({100 * len(behaved) / max(len(results), 1):.0f}%); "
          f"adopt+update+tests passing: {sum(bool(r['tests_ok']) for r in results)}; "
          f"deployed JSON changed without --accept: "
          f"{sum(bool(r['changes']) and not r['refused'] for r in results)}; "
          f"{time.monotonic() - started:.0f} s with {args.jobs} jobs")
    for result in results:
        for problem in longtail.verdict(result):
            print(f"  {result['name']}: {problem[:600]}")
    (work / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"details: {work / 'results.json'}")
    return 0 if len(behaved) == len(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
