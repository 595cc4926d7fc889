"""The stylesheets parse as written: a comment that ends early (a path such as ``a/*/b`` in it)
silently swallows the rule after it, which no page test notices."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
STYLESHEETS = sorted(Path(settings.BASE_DIR, "static", "css").glob("*.css"))


def stray_comment_marks(css: str) -> list[int]:
    """Line numbers of a comment mark left outside every comment."""
    outside = COMMENT.sub(lambda m: "\n" * m.group().count("\n"), css)
    return [n for n, line in enumerate(outside.splitlines(), 1) if "*/" in line or "/*" in line]


def test_a_comment_that_ends_inside_a_path_is_found():
    assert stray_comment_marks("/* ok */\na { }\n/* see app/*/tabs.html */\n.tabs { }\n") == [3]


@pytest.mark.parametrize("path", STYLESHEETS, ids=lambda p: p.name)
def test_no_comment_of_a_stylesheet_ends_early(path):
    assert STYLESHEETS
    assert stray_comment_marks(path.read_text(encoding="utf-8")) == []
