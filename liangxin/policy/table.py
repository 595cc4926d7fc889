"""Organization facts from a table in the census template's columns, for the engine.

Reading goes through the census reader (``liangxin.census.tabular``: any encoding, CSV/XLS/XLSX/
ODS, header aliases, 是/否 and code-list spellings), so a file means the same here as in an import.
Only what the engine needs is checked; the import's other checks (USCC checksums, unknown
townships, …) are not this command's business and do not stop a recommendation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from liangxin.census.tabular import BY_KEY, ReadError, locate_header, parse_sheet, read_workbook

from .engine import OrgFacts
from .names import read_party_organization_name


class TableError(Exception):
    """The table cannot be used at all; ``message`` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Columns without which a recommendation would be wrong rather than merely less precise.
REQUIRED: Final = ("name", "township", "full_members", "probationary_members", "has_party_organization")
# Columns the engine reads: an error in one of these cells leaves the row without a recommendation.
USED: Final = (
    *REQUIRED,
    "category",
    "org_type",
    "village",
    "department",
    "industry_code",
    "operating_status",
    "employees",
    "owner_attitude",
    "secretary_candidate_available",
    "party_organization_name",
)
_USED_LABELS: Final = frozenset(BY_KEY[key].label for key in USED)


@dataclass(frozen=True, slots=True)
class FactsRow:
    """One organization of the table: its Excel row, and either its facts or why there are none."""

    row: int
    uscc: str
    name: str
    facts: OrgFacts | None
    errors: tuple[str, ...] = ()


def read_facts(data: bytes, filename: str) -> list[FactsRow]:
    """Every organization row of the file's census sheet. Raises :class:`TableError` when the
    file cannot be read, has no census header, or lacks a column in :data:`REQUIRED`."""
    try:
        sheets = read_workbook(data, filename)
    except ReadError as exc:
        raise TableError(exc.message) from exc
    found = [(sheet, header) for sheet in sheets if (header := locate_header(sheet)) is not None]
    if not found:
        raise TableError("文件中找不到摸底表的表头(应有“组织名称”“所属乡镇”“正式党员数”等列名)。请使用摸底模板。")
    sheet, header = max(found, key=lambda pair: pair[1].score)
    missing = [BY_KEY[key].label for key in REQUIRED if key not in header.written]
    if missing:
        raise TableError(
            f"工作表“{sheet.name}”第{header.row}行的表头缺少“{'”“'.join(missing)}”列,无法给出组建建议。请按摸底模板补上这些列。"
        )
    parsed = parse_sheet(sheet, header, filename)
    errors: dict[int, list[str]] = {}
    for problem in parsed.problems:
        if problem.is_error and problem.row is not None and problem.field in _USED_LABELS:
            errors.setdefault(problem.row, []).append(problem.message)
    return [_facts_row(row.excel_row, row.values, errors.get(row.excel_row, [])) for row in parsed.rows]


def _text(values: Mapping[str, Any], key: str) -> str:
    value = values.get(key)
    return "" if value is None else str(value).strip()


def _facts_row(excel_row: int, values: Mapping[str, Any], errors: list[str]) -> FactsRow:
    uscc, name = _text(values, "uscc"), _text(values, "name")
    if not name:
        errors = [*errors, "组织名称为空。"]
    if errors:
        return FactsRow(excel_row, uscc, name, None, tuple(errors))
    township, village = _text(values, "township"), _text(values, "village")
    party_name = _text(values, "party_organization_name")
    has_party = values.get("has_party_organization")
    return FactsRow(
        excel_row,
        uscc,
        name,
        OrgFacts(
            # A row without a code is named by its row, which is what a clerk can find it by.
            id=uscc or f"第{excel_row}行",
            name=name,
            category=_text(values, "category"),
            org_type=_text(values, "org_type"),
            township_code=township,
            # Villages are compared within their township: two townships may each have a 新村.
            village_code=f"{township}/{village}" if village else "",
            village_name=village,
            industry_code=_text(values, "industry_code"),
            department=_text(values, "department"),
            operating_status=_text(values, "operating_status") or "operating",
            employees=values.get("employees") or 0,
            # An empty count is written as nothing rather than 0 on most census sheets.
            full_members=values.get("full_members") or 0,
            probationary_members=values.get("probationary_members") or 0,
            owner_attitude=_text(values, "owner_attitude"),
            secretary_candidate_available=values.get("secretary_candidate_available"),
            # 是否已建党组织 left empty but a party organization named: it has one.
            has_party_organization=bool(has_party) or (has_party is None and bool(party_name)),
            party_organization_kind=read_party_organization_name(party_name).kind,
            party_organization_name=party_name,
        ),
    )
