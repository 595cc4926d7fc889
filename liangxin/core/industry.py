"""GB/T 4754-2017 国民经济行业分类: its 20 sections (门类, A–T) and 97 divisions (大类, 01–97), kept as
data in ``data/gbt4754-2017.csv`` beside this module, and the one reading of an industry code. Pure
Python (no Django): the census reader and the register's forms both use it.

A code is stored as the section letter alone (``C``) or followed by the digits of a division or a
finer level (``C13``, ``C131``, ``C1311``); the finer levels are accepted without being listed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Final

DATA: Final = Path(__file__).resolve().parent / "data" / "gbt4754-2017.csv"
_CODE: Final = re.compile(r"([A-T])?(\d{2,4})?")


@dataclass(frozen=True, slots=True)
class Industry:
    code: str  # "C" (a section) or "C13" (a division)
    name: str
    section: str  # the section letter

    @property
    def is_section(self) -> bool:
        return len(self.code) == 1

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


@cache
def entries() -> tuple[Industry, ...]:
    """Every section followed by its divisions, in the standard's order (117 entries)."""
    with DATA.open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if line.strip() and not line.startswith("#"))
        rows = list(csv.DictReader(lines))
    return tuple(
        Industry(code=row["section"] + row["division"], name=row["name"], section=row["section"]) for row in rows
    )


@cache
def _by_code() -> Mapping[str, Industry]:
    return MappingProxyType({e.code: e for e in entries()})


@cache
def sections() -> Mapping[str, tuple[int, int, str]]:
    """Section letter → (its first division, its last division, its name)."""
    result: dict[str, tuple[int, int, str]] = {}
    for entry in entries():
        if entry.is_section:
            result[entry.code] = (0, 0, entry.name)
            continue
        number = int(entry.code[1:])
        first, _last, name = result[entry.section]
        result[entry.section] = (first or number, number, name)
    return MappingProxyType(result)


def section_for_division(division: int) -> str | None:
    """The section letter of a two-digit division number, or None when no section has it."""
    for letter, (first, last, _name) in sections().items():
        if first <= division <= last:
            return letter
    return None


def parse(text: str) -> str:
    """The stored form of a code written as ``C``, ``C13``, ``C1311``, ``13`` or ``1311`` (the letter
    added when missing), compact and upper case. Raises ValueError when it is none of these or the
    letter and the digits disagree (``F13``)."""
    found = _CODE.fullmatch(text.strip().upper())
    if found is not None and (found[1] or found[2]):
        letter, digits = found[1], found[2]
        if digits is None:
            return letter
        section = section_for_division(int(digits[:2]))
        if section is not None and letter in (None, section):
            return section + digits
    raise ValueError(text)


def describe(code: str) -> str:
    """What a stored code means: the name of its division (or section) — "" when unknown."""
    entry = _by_code().get(code[:3]) or _by_code().get(code[:1])
    return entry.name if entry is not None else ""
