"""Benchmark-only packages stay out of what `make run` and `make test` install, and out of the code
they run: `make bench` installs them from ``requirements-bench.txt``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
BENCH_ONLY = {"duckdb": "duckdb", "django-import-export": "import_export", "tablib": "tablib"}


def _pinned(name: str, seen: set[str] | None = None) -> dict[str, str]:
    """Package name (lower case) → pinned version of a requirements file and the files it includes."""
    seen = seen if seen is not None else set()
    if name in seen:
        return {}
    seen.add(name)
    pins: dict[str, str] = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins |= _pinned(line[3:].strip(), seen)
        elif line:
            package, version = re.split(r"==", line, maxsplit=1)
            pins[package.strip().lower()] = version.strip()
    return pins


def test_make_run_and_make_test_install_no_benchmark_package():
    installed = _pinned("requirements-dev.txt")
    assert "django" in installed  # the runtime file is included
    assert sorted(set(BENCH_ONLY) & set(installed)) == []


def test_make_bench_installs_them_pinned():
    bench = _pinned("requirements-bench.txt")
    for package in BENCH_ONLY:
        assert re.fullmatch(r"[0-9][0-9A-Za-z.]*", bench.get(package, "")), package
    assert "django" in bench


def test_no_application_module_imports_a_benchmark_package():
    modules = set(BENCH_ONLY.values())
    found = []
    for path in (ROOT / "liangxin").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in modules]
    assert found == []
