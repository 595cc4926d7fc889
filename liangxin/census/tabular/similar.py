"""Names alike enough to be one organization registered twice (the warning ``near_duplicate_name``).

A registered organization is a near duplicate of a new row when it is in the same township, its
name key (``core.text.normalize_name``) differs from the row's, the two are at least 90 % alike
(rapidfuzz ``fuzz.ratio``), and they begin alike: once the county's or the township's name is taken
off the front of either (``罗平县``, ``罗平``, ``罗雄街道``, ``罗雄``, ``罗平县罗雄`` …), their first two
characters are the same. So ``罗平县鑫源建材有限公司`` and ``罗平县鑫源建材有限责任公司`` are alike (a slip
in the middle or at the end of a name is found); a slip in the first two characters after the place
name is not.

Why the second condition: it lets the register be searched through its index on name keys, one
range of names per way the row's name can begin (``search_prefixes``), so a check reads the names
that begin like the file's rows, whatever the size of the register
(``census.selectors.similar_names``; the measured reason is in ARCHITECTURE.md, "Import"). Pure:
no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final

from rapidfuzz import fuzz, process

from liangxin.core.text import normalize_name

from .parse import CensusRow
from .problems import Problem
from .validate import _township_keys, row_problem

NEAR_DUPLICATE_SCORE: Final = 90
ALIKE_CHARACTERS: Final = 2
_COUNTY_KIND = re.compile(r"(自治县|县|市|区|旗)$")

Registered = tuple[str, str, str | None]  # (name key, name as written, USCC or None)


def place_prefixes(county: str, township: str) -> tuple[str, ...]:
    """The ways a name can begin with its place, longest first, ending with "" (no place)."""
    counties = {normalize_name(county)}
    counties.add(_COUNTY_KIND.sub("", next(iter(counties))))
    townships = set(_township_keys(township))
    forms = {""} | counties | townships | {c + t for c in counties for t in townships}
    return tuple(sorted(forms, key=lambda f: (-len(f), f)))


def core(key: str, places: Sequence[str]) -> str:
    """The name key without the place it begins with (the longest such)."""
    for place in places:
        if place and key.startswith(place) and len(key) > len(place):
            return key[len(place) :]
    return key


def search_prefixes(key: str, places: Sequence[str]) -> set[str]:
    """Every way a registered name beginning like ``key`` can begin: a place (or none) followed
    by the first characters of ``key`` after its own place."""
    start = core(key, places)[:ALIKE_CHARACTERS]
    return {place + start for place in places}


def by_start(registered: Iterable[Registered], places: Sequence[str]) -> dict[str, list[Registered]]:
    """Registered names grouped by how they begin (their first characters after the place)."""
    groups: dict[str, list[Registered]] = {}
    for entry in registered:
        groups.setdefault(core(entry[0], places)[:ALIKE_CHARACTERS], []).append(entry)
    return groups


def near_duplicate(key: str, groups: dict[str, list[Registered]], places: Sequence[str]) -> Registered | None:
    """The registered organization most like ``key`` (the first registered among equals), or None.
    ``groups``: :func:`by_start` of the township's registered names that begin like the rows."""
    candidates = [r for r in groups.get(core(key, places)[:ALIKE_CHARACTERS], ()) if r[0] != key]
    if not candidates:
        return None
    best = process.extractOne(key, [r[0] for r in candidates], scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE_SCORE)
    return None if best is None else candidates[best[2]]


def near_duplicate_problem(row: CensusRow, township_name: str, found: Registered) -> Problem:
    _key, other_name, other_uscc = found
    code_text = f"统一社会信用代码{other_uscc}" if other_uscc else "未登记统一社会信用代码"
    return row_problem(
        row,
        "near_duplicate_name",
        f"{township_name}已登记了名称相近的“{other_name}”({code_text})。"
        "如果是同一组织,请改用登记的名称和代码;如果不是,可忽略此提示。",
        "name",
    )
