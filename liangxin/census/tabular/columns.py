"""The canonical census template: its columns, their kinds, and the header alias table.

The template's column order is :data:`COLUMNS`. Each column has a stable English ``key`` (the key of
``CensusRow.values``), the Chinese ``label`` written in the template header, and a ``kind`` that
chooses the converter in :mod:`.normalize`:

========  ==================================================================
text      free text: NFKC, trimmed, line breaks and runs of spaces → one space
name      text, plus traditional → simplified (OpenCC t2s)
int       a head count (从业人员数, 党员数): non-negative integer
decimal   an amount in 万元: non-negative, two decimals
bool      是/否 and its many spellings
choice    one of a code list (vocab.py); the value becomes the English code
code      an identifier: upper case, spaces and dashes removed (USCC, 行业代码)
========  ==================================================================

Header matching (:func:`match_header`) uses ``aliases.csv``; see the comment at its top.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Final, Literal

from liangxin.core import chinese

Kind = Literal["text", "name", "int", "decimal", "bool", "choice", "code"]
DATA_DIR: Final = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    kind: Kind
    required: bool = False
    optional: bool = False  # an optional column of the template (may be left out of the file)
    max_length: int | None = None
    vocabulary: str | None = None  # for kind "choice": a key of vocab.VOCABULARIES


COLUMNS: Final[tuple[Column, ...]] = (
    Column("uscc", "统一社会信用代码", "code", required=True, max_length=18),
    Column("name", "组织名称", "name", required=True, max_length=200),
    Column("category", "组织类别", "choice", required=True, vocabulary="category"),
    Column("org_type", "组织类型", "choice", vocabulary="org_type"),
    Column("township", "所属乡镇", "text", required=True, max_length=100),
    Column("village", "所属村(社区)", "text", max_length=100),
    Column("department", "行业主管部门", "text", max_length=100),
    Column("industry_code", "行业代码", "code", max_length=5),
    Column("above_designated_size", "是否规模以上", "bool"),
    Column("operating_status", "经营状况", "choice", vocabulary="operating_status"),
    Column("employees", "从业人员数", "int"),
    Column("full_members", "正式党员数", "int"),
    Column("probationary_members", "预备党员数", "int"),
    Column("owner_is_member", "业主是否党员", "bool"),
    Column("owner_attitude", "业主对组建党组织态度", "choice", vocabulary="owner_attitude"),
    Column("secretary_candidate_available", "有无合适支部书记人选", "bool"),
    Column("has_party_organization", "是否已建党组织", "bool"),
    Column("party_organization_name", "党组织名称", "name", max_length=200),
    Column("payroll", "工资总额(万元)", "decimal"),
    Column("address", "地址", "text", max_length=200),
    Column("contact_person", "联系人", "text", max_length=50),
    Column("contact_phone", "联系电话", "text", max_length=32),
    Column("remarks", "备注", "text", max_length=1000),
    Column("has_union", "有无工会", "bool", optional=True),
    Column("has_youth_league", "有无共青团组织", "bool", optional=True),
    Column("has_womens_federation", "有无妇联组织", "bool", optional=True),
    Column("instructor", "党建指导员", "text", optional=True, max_length=50),
)

BY_KEY: Final = MappingProxyType({c.key: c for c in COLUMNS})
BY_LABEL: Final = MappingProxyType({c.label: c for c in COLUMNS})
KEYS: Final = tuple(c.key for c in COLUMNS)
LABELS: Final = tuple(c.label for c in COLUMNS)
# Columns whose figures a 合计 row adds up.
SUMMED_KEYS: Final = tuple(c.key for c in COLUMNS if c.kind in ("int", "decimal"))

# Headers of a running-number column, which is ignored.
SERIAL_HEADERS: Final = frozenset({"序号", "序", "编号", "no", "no.", "#", "num"})
# Units that may appear in brackets at the end of a header.
KNOWN_UNITS: Final = frozenset({"人", "名", "个", "家", "元", "万元", "千元", "亿元", "户"})

_SPACE = re.compile(r"\s+")
_BRACKETS = str.maketrans({"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")", "<": "(", ">": ")"})
_TRAILING_UNIT = re.compile(r"^(.+)\(([^()]+)\)$")


def header_text(value: object) -> str:
    """A header cell as written, for messages: line breaks and runs of spaces become one space."""
    return " ".join(str(value).split())


def normalize_header(value: str) -> str:
    """NFKC, simplified, no spaces, uniform brackets, no * mark or trailing colon, lower case."""
    text = chinese.to_simplified(unicodedata.normalize("NFKC", value))
    text = _SPACE.sub("", text).translate(_BRACKETS).lstrip("*★※").rstrip(":").lower()
    return text


def header_key(value: str) -> str:
    """The lookup key of a header: :func:`normalize_header` with the brackets removed."""
    return normalize_header(value).replace("(", "").replace(")", "")


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    key: str | None  # the canonical column key, or None
    unit: str | None = None  # a bracketed unit the header carried
    unit_ok: bool = True  # False: the unit is not one the column accepts (unit_mismatch)


def _alias_rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if line.strip() and not line.lstrip().startswith("#"))
        reader = csv.reader(lines)
        next(reader)  # the column titles
        yield from reader


@cache
def alias_table() -> tuple[MappingProxyType[str, str], MappingProxyType[str, frozenset[str]]]:
    """(header key → column key, column key → accepted units), from ``aliases.csv``."""
    aliases: dict[str, str] = {}
    units: dict[str, set[str]] = {c.key: set() for c in COLUMNS}
    for column in COLUMNS:
        aliases[header_key(column.label)] = column.key
        aliases[header_key(column.key)] = column.key
    for row in _alias_rows(DATA_DIR / "aliases.csv"):
        alias, label, unit_text = [*row, "", ""][:3]
        target = BY_LABEL.get(label.strip())
        if target is None:
            raise ValueError(f"aliases.csv: 标准列名 {label!r} is not a template column")
        key = header_key(alias)
        if aliases.get(key, target.key) != target.key:
            raise ValueError(f"aliases.csv: {alias!r} is mapped to two columns")
        aliases[key] = target.key
        units[target.key].update(u.strip() for u in unit_text.split("|") if u.strip())
    return MappingProxyType(aliases), MappingProxyType({k: frozenset(v) for k, v in units.items()})


def match_header(value: str, extra: dict[str, str | None] | None = None) -> HeaderMatch:
    """Which canonical column a header means.

    ``extra`` maps header keys (see :func:`header_key`) to column keys (or None to ignore the
    column); it is consulted first and is how a user's own mapping overrides the alias table.
    """
    aliases, units = alias_table()
    key = header_key(value)
    if extra is not None and key in extra:
        return HeaderMatch(extra[key])
    if key in aliases:
        return HeaderMatch(aliases[key])
    found = _TRAILING_UNIT.match(normalize_header(value))
    if found is not None and found.group(2) in KNOWN_UNITS:
        base = found.group(1).replace("(", "").replace(")", "")
        column_key = (extra or {}).get(base) or aliases.get(base)
        if column_key is not None:
            unit = found.group(2)
            return HeaderMatch(column_key, unit=unit, unit_ok=unit in units[column_key])
    return HeaderMatch(None)


def is_serial_header(value: str) -> bool:
    return header_key(value) in SERIAL_HEADERS


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
