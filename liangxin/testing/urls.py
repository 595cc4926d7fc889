"""The URL conf as a list of (view name, route), for the tests that walk every URL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


def _walk(patterns: list[Any], namespace: str = "", route: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, ns, route + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", route + str(entry.pattern), entry


def url_patterns() -> dict[str, tuple[str, URLPattern]]:
    """Every named URL: view name → (route, pattern)."""
    return {name: (route, pattern) for name, route, pattern in _walk(get_resolver().url_patterns)}
