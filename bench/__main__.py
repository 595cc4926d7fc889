"""`make bench`: runs every benchmark and prints ratios against baselines measured in the same run.

Each benchmark works on its own database (``var/bench/*.sqlite3``, or ``DATABASE_URL`` when set),
never on the development database. ``BENCH_SCALE`` (default 1.0) shrinks the data sizes for a
quick run; generated inputs are cached under ``var/bench/``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.endswith("_bench"))
    wanted = [a for a in argv if not a.startswith("-")]
    if wanted:
        names = [n for n in names if n in wanted or n.removesuffix("_bench") in wanted]
    if not names:
        print("no benchmarks")
        return 0
    status = 0
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        status |= int(module.main() or 0)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
