"""The URL conf as a list: every named pattern with its full route (``namespace:name``, route
text). Walked by the scope test, which needs every object URL to have a case, and by the page
benchmark, which requests every page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


def named_routes() -> Iterator[tuple[str, str]]:
    def walk(patterns: list[Any], namespace: str, route: str) -> Iterator[tuple[str, str]]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry.url_patterns, ns, route + str(entry.pattern))
            elif isinstance(entry, URLPattern) and entry.name:
                yield f"{namespace}{entry.name}", route + str(entry.pattern)

    yield from walk(get_resolver().url_patterns, "", "")
