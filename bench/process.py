"""Running a benchmark in a child process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_in_child(module: str) -> int:
    """``python -m <module> run`` in a child process, so that this one's Django settings and
    database stay untouched; its exit status."""
    proc = subprocess.run([sys.executable, "-m", module, "run"], cwd=ROOT, env=dict(os.environ), check=False)  # noqa: S603 - our own module, fixed arguments
    return proc.returncode
