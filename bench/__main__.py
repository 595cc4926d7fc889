"""`make bench`: runs every benchmark module and prints ratios against same-run baselines.

The import and coverage benchmarks arrive with their issues; until then there is nothing to
measure and this says so instead of printing invented figures.
"""

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).parent
    names = [m.name for m in pkgutil.iter_modules([str(here)]) if m.name.endswith("_bench")]
    if not names:
        print("no benchmarks yet")
        return 0
    for name in sorted(names):
        module = importlib.import_module(f"bench.{name}")
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
