"""Reading a registration list as the registering authority exports it.

Market regulation (市场监管) and civil affairs (民政) export different columns under many spellings;
each column here has its aliases, compared the way the census compares headers
(:func:`liangxin.census.tabular.columns.header_key`). The file goes through the census's spreadsheet
reader (XLSX, XLS, ODS, CSV in any encoding), and every problem is located by file, sheet, Excel row
and the column as written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final, Literal

from liangxin.census.tabular.cells import Cell, cell_text, is_blank
from liangxin.census.tabular.columns import header_key, header_text
from liangxin.census.tabular.normalize import to_uscc
from liangxin.census.tabular.problems import Problem, ValueProblem
from liangxin.census.tabular.reading import ReadError, SheetSource, open_workbook
from liangxin.core.text import clean_name, clean_text
from liangxin.registry.identifiers import clean_identifier

Source = Literal["market", "civil"]

# Column key → header spellings seen in exports of the two authorities.
ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码", "统一代码", "统一社会信用代码/注册号"),
    "reg_no": ("注册号", "工商注册号", "登记证号", "原注册号"),
    "name": (
        "名称",
        "企业名称",
        "主体名称",
        "市场主体名称",
        "单位名称",
        "组织名称",
        "社会组织名称",
        "个体户名称",
        "字号名称",
    ),
    "kind": ("类型", "企业类型", "主体类型", "市场主体类型", "组织类型", "社会组织类型", "企业类型(类别)", "类别"),
    "legal_rep": (
        "法定代表人",
        "经营者",
        "负责人",
        "法定代表人/经营者",
        "法定代表人(负责人)",
        "投资人",
        "执行事务合伙人",
    ),
    "founded": ("成立日期", "登记日期", "注册日期", "成立时间"),
    "status": ("登记状态", "经营状态", "状态", "企业状态", "主体状态"),
    "address": ("住所", "经营场所", "住所/经营场所", "地址", "注册地址", "住所(经营场所)"),
    "authority": ("登记机关", "登记管理机关"),
    "industry": ("行业", "所属行业", "行业门类", "国民经济行业"),
    "supervisor": ("业务主管单位",),
}
LABELS: Final[dict[str, str]] = {key: spellings[0] for key, spellings in ALIASES.items()}
_BY_HEADER: Final[dict[str, str]] = {header_key(s): key for key, spellings in ALIASES.items() for s in spellings}
_SCAN_ROWS: Final = 30


@dataclass(frozen=True, slots=True)
class ListEntry:
    row: int  # Excel row number
    name: str
    uscc: str = ""
    reg_no: str = ""
    kind: str = ""
    legal_rep: str = ""
    founded: str = ""
    status: str = ""
    address: str = ""
    authority: str = ""
    industry: str = ""
    supervisor: str = ""


@dataclass
class RegistrationList:
    file: str
    sheet: str | None = None
    header_row: int | None = None
    columns: dict[str, str] = field(default_factory=dict)  # key → header as written
    entries: list[ListEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


def _problem(
    listing: RegistrationList,
    code: str,
    message: str,
    *,
    severity: Literal["error", "warning"] = "error",
    row: int | None = None,
    key: str | None = None,
    value: str | None = None,
) -> Problem:
    return Problem(
        listing.file,
        listing.sheet,
        row,
        listing.columns.get(key, None) if key else None,
        LABELS.get(key, None) if key else None,
        value,
        severity,
        code,
        message,
    )


def _header(rows: list[list[Cell]]) -> tuple[int, dict[int, str], dict[int, str]] | None:
    """The header among the first rows: the row naming the most list columns, with a name column."""
    best: tuple[int, dict[int, str], dict[int, str]] | None = None
    for index, row in enumerate(rows[:_SCAN_ROWS]):
        keys: dict[int, str] = {}
        written: dict[int, str] = {}
        for col, cell in enumerate(row):
            if is_blank(cell):
                continue
            key = _BY_HEADER.get(header_key(cell_text(cell)))
            if key is not None and key not in keys.values():
                keys[col] = key
                written[col] = header_text(cell_text(cell))
        if "name" in keys.values() and (best is None or len(keys) > len(best[1])):
            best = (index, keys, written)
    return best


def read_list(data: bytes, filename: str) -> RegistrationList:
    """Every entry of the list and every problem; nothing is dropped silently."""
    listing = RegistrationList(file=filename)
    if not data.strip():  # the census reader's own message speaks of a census file
        listing.problems.append(_problem(listing, "empty_file", "文件是空的,没有可比对的登记记录。"))
        return listing
    try:
        sources = [s for s in open_workbook(data, filename) if not s.is_empty()]
    except ReadError as exc:
        listing.problems.append(_problem(listing, "unreadable", exc.message))
        return listing
    if not sources:
        listing.problems.append(_problem(listing, "empty_file", "文件是空的,没有可比对的登记记录。"))
        return listing
    found = [(s, h) for s in sources if (h := _header(s.head)) is not None]
    if not found:
        listing.problems.append(
            _problem(
                listing,
                "no_columns",
                "没有找到“名称”列:请确认文件是市场监管或民政部门导出的登记名单,表头含有“名称”“统一社会信用代码”等列。",
            )
        )
        return listing
    source, (index, keys, written) = max(found, key=lambda item: len(item[1][1]))
    listing.sheet = source.name
    listing.header_row = index + 1
    listing.columns = {key: written[col] for col, key in keys.items()}
    try:
        for number, row in _data_rows(source, index + 1):
            _read_row(listing, number, row, keys)
    except ReadError as exc:
        listing.problems.append(_problem(listing, "unreadable", exc.message))
    if not listing.entries and not listing.errors:
        listing.problems.append(_problem(listing, "no_rows", "表头下面没有登记记录。"))
    return listing


def _data_rows(source: SheetSource, start: int) -> Iterator[tuple[int, list[Cell]]]:
    try:
        for index, row in enumerate(source.rows()):
            if index >= start and any(not is_blank(c) for c in row):
                yield index + 1, row
    except source.errors as exc:
        raise source.read_error(exc) from exc


def _read_row(listing: RegistrationList, number: int, row: list[Cell], keys: dict[int, str]) -> None:
    values = {key: cell_text(row[col]).strip() if col < len(row) else "" for col, key in keys.items()}
    name = clean_name(values.get("name", ""))
    if not name:
        listing.problems.append(_problem(listing, "name_missing", "这一行没有名称,无法比对。", row=number, key="name"))
        return
    uscc = ""
    reg_no = values.get("reg_no", "")
    written_code = values.get("uscc", "")
    if written_code:
        try:
            uscc = to_uscc(written_code) or ""
        except ValueProblem as exc:
            # An old 13/15-digit registration number in the code column is common in older exports.
            cleaned = clean_identifier(written_code)
            if cleaned.isdigit() and len(cleaned) in (13, 15):
                reg_no = reg_no or cleaned
            else:
                listing.problems.append(
                    _problem(listing, exc.code, exc.message, row=number, key="uscc", value=written_code)
                )
                return
    get = values.get
    listing.entries.append(
        ListEntry(
            row=number,
            name=name,
            uscc=uscc,
            reg_no=clean_identifier(reg_no) if reg_no else "",
            kind=clean_text(get("kind", "")),
            # Shown to people, never compared: kept as written.
            legal_rep=get("legal_rep", ""),
            founded=get("founded", ""),
            status=clean_text(get("status", "")),
            address=clean_text(get("address", "")),
            authority=clean_text(get("authority", "")),
            industry=get("industry", ""),
            supervisor=get("supervisor", ""),
        )
    )
