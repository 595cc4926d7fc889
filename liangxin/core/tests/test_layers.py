"""The apps' layering, checked on the source like import-linter does: the register (``registry``)
is the base the other business apps build on, so none of its modules imports them, directly or
through another module. Its pages (``views.py``) are the interface layer and compose the apps
above it (the 注销 page calls ``formation.services.deregister_organization``, the list export
writes the census template's columns); only they may."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]  # liangxin/
ABOVE_THE_REGISTER = (
    "liangxin.formation",
    "liangxin.census",
    "liangxin.campaigns",
    "liangxin.mobility",
    "liangxin.funding",
    "liangxin.development",
    "liangxin.talent",
    "liangxin.training",
    "liangxin.liaison",
)
INTERFACE = frozenset({"liangxin.registry.views", "liangxin.registry.urls"})


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts and "tests" not in path.parts
    }


def _imports(name: str, path: Path) -> Iterator[str]:
    """Every module of the project ``name`` imports, at the top or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {
        name: {imported for imported in _imports(name, path) if imported in modules} for name, path in modules.items()
    }


def _chains_from(start: str, graph: dict[str, set[str]]) -> dict[str, list[str]]:
    """Every module reachable from ``start``, with one import chain leading to it."""
    chains = {start: [start]}
    todo = [start]
    while todo:
        current = todo.pop()
        for imported in sorted(graph[current]):
            if imported not in chains:
                chains[imported] = [*chains[current], imported]
                todo.append(imported)
    return chains


def test_the_register_imports_no_app_built_on_it():
    graph = _graph()
    registry = [name for name in graph if name.startswith("liangxin.registry") and name not in INTERFACE]
    assert "liangxin.registry.services" in registry and "liangxin.registry.models" in registry
    found = []
    for module in sorted(registry):
        for target, chain in _chains_from(module, graph).items():
            if target.startswith(ABOVE_THE_REGISTER):
                found.append(" → ".join(chain))
    assert not found, "the register imports an app built on it:\n" + "\n".join(found)


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text("def f():\n    from liangxin.formation.services import x\n", encoding="utf-8")
    assert "liangxin.formation.services" in set(_imports("liangxin.registry.sample", source))
