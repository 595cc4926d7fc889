"""Text helpers for Chinese names: normalisation and pinyin keys used by search."""

from __future__ import annotations

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

_SPACES = re.compile(r"\s+")


def normalize_name(value: str) -> str:
    """NFKC (full-width → half-width), trimmed, inner whitespace removed.

    Chinese organization names carry no meaningful spaces, so two spellings that differ only in
    spacing or character width compare equal.
    """
    return _SPACES.sub("", unicodedata.normalize("NFKC", value)).strip()


def pinyin_initials(value: str) -> str:
    """``蜂产业协会`` → ``fcyxh``; Latin letters and digits are kept, everything else dropped."""
    parts = lazy_pinyin(normalize_name(value), style=Style.FIRST_LETTER, errors="default")
    return "".join(ch for ch in "".join(parts).lower() if ch.isalnum())


def pinyin_full(value: str) -> str:
    """``蜂产业协会`` → ``fengchanyexiehui``."""
    parts = lazy_pinyin(normalize_name(value), style=Style.NORMAL, errors="default")
    return "".join(ch for ch in "".join(parts).lower() if ch.isalnum())
