"""Turn the data rows of a sheet into :class:`CensusRow` records and cell-level problems.

Skipped without a record: blank rows (a pre-numbered 序号 alone, or only the township/village
filled in, count as blank), repeated header rows, a column-number row under the header
("1 2 3 …" or "甲 乙 丙 …"), footer rows ("填表人:…", "审核人:…") and 合计/总计/小计 rows,
whose figures are checked against the sum of the rows they total.

The per-cell path is the hot loop of an import. Each column has a table from cell to converted value
that converts a cell the first time it is seen (是, 否, 新经济组织, a township name and "12" repeat
down a column, so most cells are a dictionary hit), and a row is converted by one C-level ``map``
over the tables: no Python function call per cell except the first time a value appears. A row
that holds only empty cells, zeros or FALSE in the columns that count (all but the township,
village, department and category, which templates pre-fill) is a blank row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from typing import Any, Final

from .cells import Cell, cell_text
from .columns import BY_KEY, SUMMED_KEYS
from .header import Header
from .normalize import converter_for, plain_number
from .problems import Problem, ValueProblem, problem, sort_problems
from .reading import Sheet

# Values of these columns alone do not make a row an organization (templates pre-fill them).
CONTEXT_KEYS: Final = frozenset({"township", "village", "department", "category"})
_TOTAL = re.compile(r"(全[县镇乡]|本[镇乡])?(合计|总计|小计|共计|总合计)[:\uff1a]?")
_FOOTER = re.compile(
    r"(填表|填报|审核|制表|统计|单位)(人|单位|日期|时间|负责人)|负责人[:\uff1a]|说明[:\uff1a]|注[:\uff1a]|备注[:\uff1a]|联系电话[:\uff1a]"
)
_FOOTER_START: Final = frozenset("填审制统单负说注备联")
_COLUMN_NUMBERS: Final = frozenset("甲乙丙丁戊己庚辛壬癸")


@dataclass(slots=True)
class CensusRow:
    """One organization as written on one row.

    ``values`` holds the typed value of every column the file has (None for an empty or unreadable
    cell); a column the file does not have is absent, so an import can leave that field alone.
    :func:`~.validate.validate_rows` adds ``township_code``, ``village_code`` and ``department_code``.
    ``raw`` is each cell as the user sees it; ``column_headers`` each column's header as written.
    ``cells`` is the row as read and ``column_index`` the column of each key (shared by all rows).
    """

    file: str
    sheet: str
    excel_row: int
    values: dict[str, Any]
    column_headers: dict[str, str]
    cells: list[Cell]
    column_index: dict[str, int]
    has_errors: bool = False

    @property
    def raw(self) -> dict[str, str]:
        """Every read column's cell as the user sees it (``12.0`` → ``"12"``)."""
        cells = self.cells
        return {key: cell_text(cells[index]) for key, index in self.column_index.items()}

    def raw_text(self, key: str) -> str:
        """One cell as the user sees it; "" for a column the file does not have."""
        index = self.column_index.get(key)
        return "" if index is None else cell_text(self.cells[index])


@dataclass(slots=True)
class ParseResult:
    rows: list[CensusRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (Excel row, reason)


@dataclass(slots=True)
class _Plan:
    index: int
    key: str
    label: str
    written: str
    convert: Callable[[Cell], Any]
    counts: bool  # False for the context columns, whose values alone do not make a record


@dataclass(slots=True)
class _Total:
    """A 合计/总计/小计 row: where it sits among the data rows, and the segment it totals."""

    excel_row: int
    label: str
    row: list[Cell]
    start: int  # first data-row position it totals
    stop: int  # data-row position after the last one it totals


def _is_column_number_row(row: list[Cell]) -> bool:
    cells = [cell_text(c).strip() for c in row if cell_text(c).strip()]
    return len(cells) >= 3 and all(c.isdigit() or c in _COLUMN_NUMBERS for c in cells)


def parse_sheet(sheet: Sheet, header: Header, file_name: str) -> ParseResult:
    """Every data row of ``sheet`` below ``header``; header problems come first in the result.

    Two passes: the first sorts rows into data rows and rows to skip (totals, footers, …), the
    second converts the data rows through the per-column tables.
    """
    result = ParseResult(problems=header.problems(file_name, sheet.name))
    written = header.written
    plans = [
        _Plan(
            index=index,
            key=key,
            label=BY_KEY[key].label,
            written=written[key],
            convert=converter_for(BY_KEY[key]),
            counts=key not in CONTEXT_KEYS,
        )
        for index, key in sorted(header.mapping.items())
    ]
    if not plans:
        return result
    width = max([p.index for p in plans] + [header.serial_index or 0]) + 1
    name_index = next((p.index for p in plans if p.key == "name"), None)
    label_indexes = [i for i in (header.serial_index, name_index, 0) if i is not None]
    header_name = written.get("name")
    content = [p.index for p in plans if p.counts]
    content_cells = _getter(content) if content else None

    # Pass 1: which rows are data rows.
    data: list[list[Cell]] = []
    excel_rows: list[int] = []
    totals: list[_Total] = []
    segment_start = 0
    skipped = result.skipped
    text_only = sheet.format == "csv"
    slow_rows: set[int] = set()
    header_name_length = len(header_name or "")
    for index in range(header.data_start, len(sheet.rows)):
        row = sheet.rows[index]
        if len(row) < width:
            row = row + [""] * (width - len(row))
        excel_row = index + 1
        total_label = None
        for label_index in label_indexes:
            cell = row[label_index]
            if cell.__class__ is str and "计" in cell:
                total_label = _total_label(row, label_indexes)
                break
        if total_label is not None:
            subtotal = "小计" in total_label
            totals.append(_Total(excel_row, total_label, row, segment_start if subtotal else 0, len(data)))
            if subtotal:
                segment_start = len(data)
            skipped.append((excel_row, total_label))
            continue
        name_cell = row[name_index] if name_index is not None else ""
        if name_cell.__class__ is str:
            if len(name_cell) <= header_name_length + 8 and " ".join(name_cell.split()) == header_name:
                skipped.append((excel_row, "重复的表头"))
                continue
            footer_like = not name_cell.strip() or (name_cell[:1] in _FOOTER_START and _FOOTER.match(name_cell))
        else:
            footer_like = name_cell is None
        if footer_like and _is_footer(row):
            skipped.append((excel_row, "表尾说明"))
            continue
        if index - header.data_start < 2 and _is_column_number_row(row):
            skipped.append((excel_row, "列号行"))
            continue
        if content_cells is None or not any(content_cells(row)):
            skipped.append((excel_row, "空行"))  # nothing but a 序号 or a pre-filled township
            continue
        if not text_only and bool in map(type, row):
            slow_rows.add(len(data))  # True == 1 as a dict key: convert this row cell by cell
        data.append(row)
        excel_rows.append(excel_row)

    # Pass 2: convert. Each column has a table cell → value that converts a cell the first time it
    # is seen (_Table.__missing__); a row is then one C-level map over the tables.
    keys = [plan.key for plan in plans]
    tables = [_Table(plan.convert) for plan in plans]
    cells_of = _getter([plan.index for plan in plans])
    counted_of = _getter([i for i, plan in enumerate(plans) if plan.counts])
    counted_width = sum(plan.counts for plan in plans)
    column_index = {plan.key: plan.index for plan in plans}
    lookup = dict.__getitem__
    by_position: list[CensusRow | None] = []
    for position, row in enumerate(data):
        if position in slow_rows:
            converted = tuple(_convert(plan.convert, row[plan.index])[0] for plan in plans)
        else:
            converted = tuple(map(lookup, tables, cells_of(row)))
        census_row = None
        if (
            counted_width
            and counted_of(converted).count(None) == counted_width
            and not any(
                row[plan.index] in table.failed for plan, table in zip(plans, tables, strict=True) if plan.counts
            )
        ):
            skipped.append((excel_rows[position], "空行"))  # its cells all read as empty (spaces, say)
        else:
            census_row = CensusRow(
                file_name,
                sheet.name,
                excel_rows[position],
                dict(zip(keys, converted, strict=True)),
                written,
                row,
                column_index,
            )
        by_position.append(census_row)
    result.rows.extend(row for row in by_position if row is not None)

    # Cells that did not convert: find them again, column by column.
    issues: list[tuple[int, int, ValueProblem]] = []  # (data-row position, plan position, problem)
    for plan_position, (plan, table) in enumerate(zip(plans, tables, strict=True)):
        if table.failed:
            failed = table.failed
            for position, cell in enumerate(map(itemgetter(plan.index), data)):
                if cell in failed and position not in slow_rows:
                    issues.append((position, plan_position, failed[cell]))
    for position in slow_rows:
        for plan_position, plan in enumerate(plans):
            issue = _convert(plan.convert, data[position][plan.index])[1]
            if issue is not None:
                issues.append((position, plan_position, issue))
    cell_problems = []
    for position, plan_position, issue in sorted(issues, key=lambda item: (item[0], item[1])):
        kept = by_position[position]
        if kept is None:
            continue
        if issue.severity == "error":
            kept.has_errors = True
        plan = plans[plan_position]
        cell_problems.append(
            problem(
                issue.code,
                issue.message,
                file=file_name,
                sheet=sheet.name,
                row=excel_rows[position],
                column=plan.written,
                field=plan.label,
                value=" ".join(cell_text(data[position][plan.index]).split()),
            )
        )
    total_problems = [p for total in totals for p in _check_totals(total, plans, by_position, file_name, sheet.name)]
    result.problems.extend(sort_problems(cell_problems + total_problems))
    skipped.sort()
    return result


class _Table(dict[Any, Any]):
    """cell → converted value, converting on first sight; ``failed`` keeps the problems."""

    def __init__(self, convert: Callable[[Cell], Any]) -> None:
        super().__init__({"": None, None: None})
        self.convert = convert
        self.failed: dict[Any, ValueProblem] = {}

    def __missing__(self, cell: Cell) -> Any:
        try:
            value = self.convert(cell)
        except ValueProblem as issue:
            value = issue.value
            self.failed[cell] = issue
        self[cell] = value
        return value


def _getter(indexes: list[int]) -> Callable[[Any], tuple[Any, ...]]:
    if len(indexes) > 1:
        return itemgetter(*indexes)
    if len(indexes) == 1:
        index = indexes[0]
        return lambda row: (row[index],)
    return lambda row: ()


def _total_label(row: list[Cell], label_indexes: list[int]) -> str | None:
    """合计/总计/小计 when the 序号, name or first cell says so."""
    for index in label_indexes:
        cell = row[index]
        if isinstance(cell, str) and "计" in cell and len(cell) <= 12:
            compact = "".join(cell.split())
            if _TOTAL.fullmatch(compact):
                return compact.rstrip(":\uff1a")
    return None


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _is_footer(row: list[Cell]) -> bool:
    first = next((cell_text(c).strip() for c in row if not _blank(c)), "")
    return bool(first) and _FOOTER.match("".join(first.split())) is not None


def _convert(convert: Callable[[Cell], Any], cell: Cell) -> tuple[Any, ValueProblem | None]:
    if cell == "" or cell is None:
        return None, None
    try:
        return convert(cell), None
    except ValueProblem as issue:
        return issue.value, issue


def _check_totals(
    total: _Total,
    plans: list[_Plan],
    by_position: list[CensusRow | None],
    file_name: str,
    sheet_name: str,
) -> list[Problem]:
    found: list[Problem] = []
    rows = [row for row in by_position[total.start : total.stop] if row is not None]
    for plan in plans:
        if plan.key not in SUMMED_KEYS:
            continue
        cell = total.row[plan.index]
        if _blank(cell):
            continue
        stated, issue = _convert(plan.convert, cell)
        if stated is None or (issue is not None and issue.severity == "error"):
            continue
        column = [(row.values[plan.key], row.cells[plan.index]) for row in rows]
        if any(value is None and not _blank(written) for value, written in column):
            continue  # an unreadable cell in the column: the sum proves nothing (already an error)
        expected = sum(value for value, _cell in column if value is not None)
        if _differs(stated, expected):
            found.append(
                problem(
                    "total_mismatch",
                    f"{total.label}行的“{plan.written}”为{plain_number(stated)},但上面各行相加为{plain_number(expected)}。"
                    "请核对各行数字和合计数(合计行本身不会导入)。",
                    file=file_name,
                    sheet=sheet_name,
                    row=total.excel_row,
                    column=plan.written,
                    field=plan.label,
                    value=" ".join(cell_text(cell).split()),
                )
            )
    return found


def _differs(value: Any, expected: Any) -> bool:
    if isinstance(value, Decimal) or isinstance(expected, Decimal):
        return abs(Decimal(value) - Decimal(expected)) > Decimal("0.005")
    return bool(value != expected)
