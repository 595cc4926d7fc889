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
pypinyin's ``lazy_pinyin`` on a whole name costs ~100 µs, which alone would take minutes on a
province-size import. We take pypinyin's own pieces in its own order — the runs of characters it
has readings for (its ``RE_HANS``), each cut into words by its segmenter (which chooses a
polyphone's reading), each word read by its converter — and cache the runs and the words, since
names repeat them (罗平县, 有限公司, trades): the same readings as ``lazy_pinyin`` on the whole name
(a property test holds us to it), without its per-character splitting or a second segmentation.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, load_phrases_dict
from pypinyin.constants import RE_HANS
from pypinyin.converter import DefaultConverter
from pypinyin.seg.mmseg import seg as _segmenter

from .chinese import to_simplified

_SPACES = re.compile(r"\s+")
_SPACE_NEXT_TO_CJK = re.compile(r" (?=[^\x00-\x7f])|(?<=[^\x00-\x7f]) ")

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


# Phrases common in organization names that pypinyin's dictionary lacks (行 of a bank branch is háng).
load_phrases_dict(
    {
        "支行": [["zhī"], ["háng"]],
        "分行": [["fēn"], ["háng"]],
        "总行": [["zǒng"], ["háng"]],
        "车行": [["chē"], ["háng"]],
        "商行": [["shāng"], ["háng"]],
    }
)
_CONVERTER = DefaultConverter()

# RE_HANS is ``^(?:[…])+$``, one character class: its runs split a name as pypinyin's own first
# splitting does. Runs are segmented and read; what lies between them pypinyin does not read, and
# the keys keep its Latin letters and digits.
_HANS_CLASS = RE_HANS.pattern.removeprefix("^(?:").removesuffix(")+$")
if not (_HANS_CLASS.startswith("[") and _HANS_CLASS.endswith("]")):
    raise ImportError("pypinyin's RE_HANS is no longer one character class: liangxin.core.text must follow it")
_HANS_RUNS = re.compile(f"({_HANS_CLASS}+)")


@lru_cache(maxsize=100_000)
def _word_syllables(word: str) -> tuple[str, ...]:
    """One word of the segmentation, read by pypinyin's converter (as ``lazy_pinyin`` reads it)."""
    return tuple(reading[0] for reading in _CONVERTER.convert(word, Style.NORMAL, False, "ignore", True) if reading)


# Runs repeat where names share a place and a trade (罗平县…建材); a name's own run rarely does, so
# the cache is kept small.
@lru_cache(maxsize=20_000)
def _run_syllables(run: str) -> tuple[str, ...]:
    """A run of Chinese characters, cut into words as pypinyin cuts it, read word by word."""
    return tuple(s for word in _segmenter.cut(run) for s in _word_syllables(word))


def syllables(value: str) -> list[str]:
    """Toneless pinyin syllables of a name (ü written v, as pinyin input methods type it), as
    pypinyin reads it: its segmentation chooses the reading of a polyphone (行业 → hang ye,
    银行 → yin hang); Latin letters and digits kept as themselves, lower case."""
    found: list[str] = []
    # split() alternates: outside a run, a run, outside, …
    for index, part in enumerate(_HANS_RUNS.split(normalize_name(value))):
        if index % 2:
            found.extend(_run_syllables(part))
        elif part:
            found.extend(ch.lower() for ch in part if ch.isascii() and ch.isalnum())
    return found


def pinyin_keys(value: str) -> tuple[str, str]:
    """``蜂产业协会`` → (``fcyxh``, ``fengchanyexiehui``), computed in one pass."""
    parts = syllables(value)
    return "".join(p[0] for p in parts), "".join(parts)


def pinyin_initials(value: str) -> str:
    return pinyin_keys(value)[0]


def pinyin_full(value: str) -> str:
    return pinyin_keys(value)[1]
