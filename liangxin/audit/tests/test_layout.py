"""One module owns the record hash (``audit.chain``), and the audit modules import each other
without a cycle — not even one hidden in a function-level import."""

from __future__ import annotations

import ast
from pathlib import Path

AUDIT = Path(__file__).resolve().parent.parent
PACKAGE = AUDIT.parent


def _modules() -> dict[str, ast.Module]:
    return {
        path.stem: ast.parse(path.read_text(encoding="utf-8")) for path in AUDIT.glob("*.py") if path.stem != "__init__"
    }


def _audit_imports(tree: ast.Module, names: set[str]) -> set[str]:
    """The sibling audit modules ``tree`` imports, at any depth."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level == 1 and base in names:  # from .services import x
                found.add(base)
            elif node.level == 1 and not base:  # from . import chain
                found.update(alias.name for alias in node.names if alias.name in names)
            elif base.startswith("liangxin.audit"):
                rest = base.removeprefix("liangxin.audit").lstrip(".")
                if rest in names:
                    found.add(rest)
                elif not rest:
                    found.update(alias.name for alias in node.names if alias.name in names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                rest = alias.name.removeprefix("liangxin.audit.")
                if rest in names:
                    found.add(rest)
    return found


def test_the_audit_modules_import_each_other_without_a_cycle():
    modules = _modules()
    graph = {name: _audit_imports(tree, set(modules)) - {name} for name, tree in modules.items()}
    assert "services" in graph["views"] and "chain" in graph["services"]

    def cycle_from(start: str, path: list[str]) -> list[str] | None:
        for nxt in sorted(graph[path[-1]]):
            if nxt == start:
                return [*path, nxt]
            if nxt not in path:
                found = cycle_from(start, [*path, nxt])
                if found:
                    return found
        return None

    cycles = [c for name in graph if (c := cycle_from(name, [name]))]
    assert cycles == []


def test_only_the_chain_module_computes_a_record_hash():
    owners = []
    for path in PACKAGE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in {"record_hash", "legacy_hash", "content_hash"}:
                owners.append(f"{path.relative_to(PACKAGE).as_posix()}:{node.name}")
    assert sorted(owners) == ["audit/chain.py:legacy_hash", "audit/chain.py:record_hash"]
