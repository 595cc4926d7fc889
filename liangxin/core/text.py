"""Text helpers for Chinese names: normalisation and pinyin keys used by search.

The pinyin keys are computed for every organization an import writes, so they must be cheap:
pypinyin's own ``lazy_pinyin`` costs ~200 µs a name, which alone would take minutes on a
province-size import. We use pypinyin's dictionaries directly with a greedy longest-phrase
match (phrases resolve polyphones: 行业 → hang ye, 银行 → yin hang) and per-character caching,
about 10 µs a name with the same readings for ordinary organization names.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

_SPACES = re.compile(r"\s+")
_MAX_PHRASE = 5  # longer dictionary phrases are idioms, not parts of organization names


@lru_cache(maxsize=65536)
def normalize_name(value: str) -> str:
    """NFKC (full-width → half-width), trimmed, inner whitespace removed.

    Chinese organization names carry no meaningful spaces, so two spellings that differ only in
    spacing or character width compare equal. Cached: an import normalises each name of a chunk
    (20,000 rows) several times — reading, matching, planning, writing.
    """
    return _SPACES.sub("", unicodedata.normalize("NFKC", value)).strip()


# Phrases common in organization names that pypinyin's dictionary lacks.
_EXTRA_PHRASES: dict[str, list[list[str]]] = {
    "支行": [["zhī"], ["háng"]],
    "分行": [["fēn"], ["háng"]],
    "总行": [["zǒng"], ["háng"]],
    "车行": [["chē"], ["háng"]],
    "商行": [["shāng"], ["háng"]],
}


@lru_cache(maxsize=4096)
def _toneless(syllable: str) -> str:
    out: list[str] = []
    for ch in unicodedata.normalize("NFKD", syllable):
        if ch == "\u0308":  # the diaeresis of ü: pinyin input methods type it as v
            out[-1] = "v"
        elif not unicodedata.combining(ch):
            out.append(ch)
    return "".join(out).lower()


@lru_cache(maxsize=65536)
def _char_syllable(ch: str) -> str:
    readings = PINYIN_DICT.get(ord(ch))
    if not readings:
        return ch.lower() if ch.isascii() and ch.isalnum() else ""
    return _toneless(readings.split(",")[0])


@lru_cache(maxsize=65536)
def _phrase_syllables(text: str) -> tuple[str, ...] | None:
    readings = _EXTRA_PHRASES.get(text) or PHRASES_DICT.get(text)
    if readings is None:
        return None
    return tuple(_toneless(r[0]) for r in readings)


def _longest_phrase_by_first_char() -> dict[str, int]:
    longest: dict[str, int] = {}
    for phrase in (*PHRASES_DICT, *_EXTRA_PHRASES):
        if 1 < len(phrase) <= _MAX_PHRASE and longest.get(phrase[0], 0) < len(phrase):
            longest[phrase[0]] = len(phrase)
    return longest


_LONGEST_FROM = _longest_phrase_by_first_char()


_HAN_RUN = re.compile(r"([\u3400-\u9fff]+)")


def syllables(value: str) -> list[str]:
    """Toneless pinyin syllables of a name; Latin letters and digits kept as themselves."""
    out: list[str] = []
    for part in _HAN_RUN.split(normalize_name(value)):
        if not part:
            continue
        if "\u3400" <= part[0] <= "\u9fff":
            out.extend(_run_syllables(part))
        else:
            out.extend(filter(None, map(_char_syllable, part)))
    return out


@lru_cache(maxsize=200_000)
def _run_syllables(text: str) -> tuple[str, ...]:
    """One run of Chinese characters. Names share runs (罗平县, 有限责任公司), hence the cache;
    phrases never span a digit or a Latin letter, so a run is planned on its own."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        for length in range(min(_LONGEST_FROM.get(text[i], 0), n - i), 1, -1):
            phrase = _phrase_syllables(text[i : i + length])
            if phrase is not None:
                out.extend(phrase)
                i += length
                break
        else:
            syllable = _char_syllable(text[i])
            if syllable:
                out.append(syllable)
            i += 1
    return tuple(out)


def pinyin_keys(value: str) -> tuple[str, str]:
    """``蜂产业协会`` → (``fcyxh``, ``fengchanyexiehui``), computed in one pass."""
    parts = syllables(value)
    return "".join(p[0] for p in parts), "".join(parts)


def pinyin_initials(value: str) -> str:
    return pinyin_keys(value)[0]


def pinyin_full(value: str) -> str:
    return pinyin_keys(value)[1]
