"""`make bench [ONLY=<group>]`: run the benchmarks and print `BENCH <name> <value> <unit>` lines.

Each group is a module ``bench/<group>.py`` with a ``run(report)`` function; ``report(name, value,
unit)`` prints one figure. Every group measures its own baseline in the same run (these machines
are shared and noisy), so compare a figure with its baseline, not with yesterday's number.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path


def _groups() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))


def report(name: str, value: float, unit: str) -> None:
    if isinstance(value, float):
        text = f"{value:.3f}" if abs(value) < 1000 else f"{value:.1f}"
    else:
        text = str(value)
    print(f"BENCH {name} {text} {unit}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description="Gongkai benchmarks")
    parser.add_argument("--only", help="run one group: " + ", ".join(_groups()))
    args = parser.parse_args()
    groups = _groups()
    if args.only:
        # ONLY=hotline runs "hotline" and its companions such as "hotline_routing".
        chosen = [g for g in groups if g == args.only or g.startswith(args.only + "_")]
        if not chosen:
            print(f"unknown group {args.only!r}; groups: {', '.join(groups)}", file=sys.stderr)
            return 2
        groups = chosen
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongkai.settings.test")
    for group in groups:
        started = time.perf_counter()
        print(f"# group {group}", flush=True)
        module = importlib.import_module(f"bench.{group}")
        module.run(report)
        print(f"# group {group} took {time.perf_counter() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
