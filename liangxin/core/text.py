"""Text helpers for Chinese names: how a name is kept, the one key names are compared by, and the
pinyin keys used by search.

Two different things, never mixed up:

- :func:`clean_name` (and :func:`clean_text` for other free text) is how a value is *stored*: a
  registered name keeps its characters as written — the full-width brackets of ``罗平县（九龙）砖沙协会``
  stay full-width in the register and in every export. Only whitespace is tidied.
- :func:`normalize_name` is the *matching key* (``name_normalized``): NFKC, traditional → simplified,
  no whitespace. Every comparison of organization or party-organization names goes through it — the
  census import's matching, the register's search and sort, and every later matching (registration
  lists, migrant records). It is the one folding function; do not fold names anywhere else.

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

from .chinese import to_simplified

_SPACES = re.compile(r"\s+")
_SPACE_NEXT_TO_CJK = re.compile(r" (?=[^\x00-\x7f])|(?<=[^\x00-\x7f]) ")
_MAX_PHRASE = 5  # longer dictionary phrases are idioms, not parts of organization names

# Our exports (``liangxin.core.export.neutralize``) put an apostrophe before a text that a spreadsheet
# would run as a formula ("=HYPERLINK(…)" → "'=HYPERLINK(…)"). In a file Excel saved, such an
# apostrophe is only a display prefix and never reaches us; when we do see one before =, +, -, @ (or a
# tab / CR), it is that neutralising mark, and it is removed so that an exported file re-imports as the
# value it exported.
_NEUTRALIZED_STARTS = frozenset("=+-@\t\r")


def strip_neutralizing_apostrophe(text: str) -> str:
    """``"'=SUM(A1)"`` → ``"=SUM(A1)"``; any other text unchanged (one apostrophe only)."""
    if text[:1] == "'" and text[1:2] in _NEUTRALIZED_STARTS:
        return text[1:]
    return text


def clean_text(value: str) -> str:
    """Free text as the register keeps it (addresses, contact names, phone numbers): NFKC, trimmed,
    line breaks and runs of spaces inside become one space, an export's formula-neutralising
    apostrophe removed. "" for nothing. The census reader and the register's forms both use it, so
    a value typed in a form and the same value read from a spreadsheet are stored alike."""
    if value[:1] == "'":
        value = strip_neutralizing_apostrophe(value)
    return " ".join((value if value.isascii() else unicodedata.normalize("NFKC", value)).split())


def clean_name(value: str) -> str:
    """A name as written, for storing (organizations, party organizations): trimmed, line breaks and
    runs of spaces inside become one space, no space next to a Chinese character, an export's
    formula-neutralising apostrophe removed. Width and characters are kept (（…） stays （…）); compare
    names by :func:`normalize_name`. "" for nothing."""
    if value[:1] == "'":
        value = strip_neutralizing_apostrophe(value)
    text = " ".join(value.split())
    if " " in text and not text.isascii():
        text = _SPACE_NEXT_TO_CJK.sub("", text)
    return text


@lru_cache(maxsize=65536)
def normalize_name(value: str) -> str:
    """The matching key of a name: NFKC (full-width → half-width, （ → (), traditional → simplified
    (OpenCC t2s), every whitespace removed.

    Chinese organization names carry no meaningful spaces, so two spellings that differ only in
    spacing, character width or traditional characters are one name. Stored beside the name as
    ``name_normalized``, never instead of it. Cached: an import keys each name of a chunk (20,000
    rows) several times — reading, matching, planning, writing.
    """
    return to_simplified(_SPACES.sub("", unicodedata.normalize("NFKC", value)))


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
