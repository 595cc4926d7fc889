"""Traditional → simplified Chinese (OpenCC ``t2s``), made cheap for text that needs no conversion.

OpenCC costs about 2 µs a call. Almost every cell in a county's census is already simplified, so
:func:`to_simplified` first checks the text against the set of characters that t2s changes (built
once, in a few milliseconds, by converting every CJK character) and calls OpenCC only when one is
present. OpenCC's phrase tables then still decide the conversion of the whole text (乾隆 stays 乾隆).
The check is one regular-expression search over a character class (:func:`has_traditional`): a
``frozenset.isdisjoint`` over the text would make a str object of every character first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import opencc

# CJK Unified Ideographs, Extension A and the Compatibility Ideographs.
_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@cache
def traditional_characters() -> frozenset[str]:
    """Characters that t2s converts when they stand alone."""
    chars = [chr(code) for start, stop in _RANGES for code in range(start, stop)]
    # One call with a line per character: no dictionary phrase spans a line break.
    converted = _converter().convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # pragma: no cover — would mean OpenCC changed line breaks
        raise RuntimeError("OpenCC changed the number of lines")
    return frozenset(a for a, b in zip(chars, converted, strict=True) if a != b)


@cache
def traditional_search() -> Callable[[str], re.Match[str] | None]:
    """``search(text)``: the first character of ``text`` that t2s converts, or None."""
    return re.compile("[" + "".join(re.escape(ch) for ch in sorted(traditional_characters())) + "]").search


def has_traditional(text: str) -> bool:
    """Whether ``text`` holds a character that t2s converts."""
    return traditional_search()(text) is not None


def to_simplified(text: str) -> str:
    if text.isascii() or traditional_search()(text) is None:
        return text
    return str(_converter().convert(text))
