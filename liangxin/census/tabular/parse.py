"""Turn the data rows of a sheet into :class:`CensusRow` records and cell-level problems.

Skipped without a record: blank rows (a pre-numbered 序号 alone, or only the township/village
filled in, count as blank), repeated header rows, a column-number row under the header
("1 2 3 …" or "甲 乙 丙 …"), footer rows ("填表人:…", "审核人:…") and 合计/总计/小计 rows,
whose figures are checked against the sum of the rows they total (a 小计 the rows since the last
小计, a 合计/总计 every row above it).

:class:`RowParser` streams: it reads rows as they come, sorts them into data rows and rows to skip,
and every ``chunk_rows`` data rows converts them and hands out a :class:`ParsedChunk`. The sums a
total row is checked against are kept as running sums, so no row is held after its chunk.

The per-cell path is the hot loop of an import, and a chunk is converted column by column. A column
starts with a table from cell to converted value that converts a cell the first time it is seen
(是, 否, 新经济组织, a township name and "12" repeat down a column, so most cells are a dictionary
hit): one C-level ``map`` over the column, no Python call per cell but the first time a value
appears. A column whose cells are nearly all different (names, codes, addresses, phone numbers)
gains nothing from a table and would make it grow with the file: when most cells of the first
chunk differ, or most cells of a later chunk were new to the table, the column is converted by
calling its converter directly from then on; a table that grows past :data:`MEMO_LIMIT` anyway is
emptied. Either way a cell converts to the same value and problem, whatever the chunk size.
A row that holds only empty cells, zeros or FALSE in the columns that count (all but the township,
village, department and category, which templates pre-fill) is a blank row.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
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
CHUNK_ROWS: Final = 20_000
MEMO_LIMIT: Final = 50_000  # distinct cells a column's table may hold before it is emptied
_MEMO_SAMPLE: Final = 1_000  # cells a chunk must have before its hit rate decides anything


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
class ParsedChunk:
    rows: list[CensusRow]
    problems: list[Problem]  # the cells of these rows that did not convert cleanly, by row then column


@dataclass(slots=True)
class _Plan:
    index: int
    key: str
    label: str
    written: str
    convert: Callable[[Cell], Any]
    counts: bool  # False for the context columns, whose values alone do not make a record
    summed: bool  # a figure a 合计 row adds up


@dataclass(slots=True)
class _Total:
    """A 合计/总计/小计 row, and how many data rows of its chunk come before it."""

    position: int
    excel_row: int
    label: str
    row: list[Cell]


@dataclass(slots=True)
class _Sums:
    """Running sums of the figure columns over the kept rows, and whether a cell in them was unreadable."""

    sums: list[Any]
    unreadable: list[bool]

    @classmethod
    def empty(cls, width: int) -> _Sums:
        return cls([0] * width, [False] * width)


def _is_column_number_row(row: list[Cell]) -> bool:
    cells = [cell_text(c).strip() for c in row if cell_text(c).strip()]
    return len(cells) >= 3 and all(c.isdigit() or c in _COLUMN_NUMBERS for c in cells)


def parse_sheet(sheet: Sheet, header: Header, file_name: str) -> ParseResult:
    """Every data row of ``sheet`` below ``header``; header problems come first in the result."""
    result = ParseResult(problems=header.problems(file_name, sheet.name))
    parser = RowParser(header, file_name, sheet.name, text_only=sheet.format == "csv")
    cell_problems: list[Problem] = []
    for chunk in parser.chunks(sheet.rows, chunk_rows=max(len(sheet.rows), 1)):
        result.rows.extend(chunk.rows)
        cell_problems.extend(chunk.problems)
    result.problems.extend(sort_problems(cell_problems + parser.total_problems))
    result.skipped = parser.skipped
    return result


class RowParser:
    """The data rows of one sheet below its header, read as a stream and converted a chunk at a time.

    After :meth:`chunks` is exhausted, :attr:`skipped` holds every row that is not a record (by
    Excel row) and :attr:`total_problems` the 合计 rows that do not add up.
    """

    def __init__(
        self,
        header: Header,
        file_name: str,
        sheet_name: str,
        *,
        text_only: bool = False,
        resolved_keys: tuple[str, ...] = (),
    ) -> None:
        """``resolved_keys``: keys the validator will add to every row's values (township_code, …),
        made room for up front, in that order, so that adding them costs no dict resize."""
        self.header = header
        self.file_name = file_name
        self.sheet_name = sheet_name
        self.text_only = text_only  # every cell is a str (CSV): no TRUE/FALSE cells to look out for
        written = header.written
        self.written = written
        self.plans = [
            _Plan(
                index=index,
                key=key,
                label=BY_KEY[key].label,
                written=written[key],
                convert=converter_for(BY_KEY[key]),
                counts=key not in CONTEXT_KEYS,
                summed=key in SUMMED_KEYS,
            )
            for index, key in sorted(header.mapping.items())
        ]
        plans = self.plans
        self.keys = tuple(plan.key for plan in plans)
        self.template = dict.fromkeys(self.keys + resolved_keys)  # every row's values start as a copy
        self.column_index = {plan.key: plan.index for plan in plans}
        self.width = max([p.index for p in plans] + [header.serial_index or 0]) + 1 if plans else 0
        self.name_index = next((p.index for p in plans if p.key == "name"), None)
        self.label_indexes = [i for i in (header.serial_index, self.name_index, 0) if i is not None]
        content = [p.index for p in plans if p.counts]
        self.content_cells = _getter(content) if content else None
        self.counted = [i for i, plan in enumerate(plans) if plan.counts]
        self.summed = [i for i, plan in enumerate(plans) if plan.summed]
        self.skipped: list[tuple[int, str]] = []
        self.total_problems: list[Problem] = []
        self._reset()

    def _reset(self) -> None:
        self.skipped = []
        self.total_problems = []
        self.tables: list[_Table | None] = [_Table(plan.convert) for plan in self.plans]
        self.first_chunk = True
        self.all_sums = _Sums.empty(len(self.plans))  # since the first row, for 合计 and 总计
        self.segment_sums = _Sums.empty(len(self.plans))  # since the last 小计

    def chunks(self, rows: Iterable[list[Cell]], chunk_rows: int = CHUNK_ROWS) -> Iterator[ParsedChunk]:
        """Parsed chunks of up to ``chunk_rows`` data rows; ``rows`` is the whole sheet from Excel
        row 1. Each call starts afresh."""
        self._reset()
        if not self.plans:
            return
        chunk_rows = max(chunk_rows, 1)
        header = self.header
        width = self.width
        pad: list[Cell] = [""] * width
        label_indexes = self.label_indexes
        name_index = self.name_index
        header_name = self.written.get("name")
        header_first = header_name[:1] if header_name else "\x00"
        header_name_length = len(header_name or "") + 8
        content_cells = self.content_cells
        text_only = self.text_only
        last_column_number_row = header.data_start + 2  # a column-number row comes right under the header
        footer_match = _FOOTER.match

        data: list[list[Cell]] = []
        excel_rows: list[int] = []
        totals: list[_Total] = []
        skipped: list[tuple[int, str]] = []
        slow: list[int] = []  # rows with a TRUE/FALSE cell: True == 1 as a dict key, so converted cell by cell
        for excel_row, row in enumerate(itertools.islice(rows, header.data_start, None), header.data_start + 1):
            if len(row) < width:
                row = row + pad[len(row) :]
            total_label = None
            for label_index in label_indexes:
                cell = row[label_index]
                if cell.__class__ is str and "计" in cell:
                    total_label = _total_label(row, label_indexes)
                    break
            if total_label is not None:
                totals.append(_Total(len(data), excel_row, total_label, row))
                skipped.append((excel_row, total_label))
                continue
            name_cell = row[name_index] if name_index is not None else ""
            if name_cell.__class__ is str:
                if (
                    header_first in name_cell
                    and len(name_cell) <= header_name_length
                    and " ".join(name_cell.split()) == header_name
                ):
                    skipped.append((excel_row, "重复的表头"))
                    continue
                footer_like = not name_cell.strip() or (name_cell[:1] in _FOOTER_START and footer_match(name_cell))
            else:
                footer_like = name_cell is None
            if footer_like and _is_footer(row):
                skipped.append((excel_row, "表尾说明"))
                continue
            if excel_row <= last_column_number_row and _is_column_number_row(row):
                skipped.append((excel_row, "列号行"))
                continue
            if content_cells is None or not any(content_cells(row)):
                skipped.append((excel_row, "空行"))  # nothing but a 序号 or a pre-filled township
                continue
            if not text_only and bool in map(type, row):
                slow.append(len(data))
            data.append(row)
            excel_rows.append(excel_row)
            if len(data) >= chunk_rows:
                chunk = self._convert(data, excel_rows, slow, totals, skipped)
                data, excel_rows, totals, skipped, slow = [], [], [], [], []
                if chunk.rows:
                    yield chunk
        chunk = self._convert(data, excel_rows, slow, totals, skipped)
        if chunk.rows:
            yield chunk

    def _convert(
        self,
        data: list[list[Cell]],
        excel_rows: list[int],
        slow: list[int],
        totals: list[_Total],
        skipped: list[tuple[int, str]],
    ) -> ParsedChunk:
        """Convert one chunk of data rows; check the totals among them; record the skipped rows."""
        plans = self.plans
        count = len(data)
        columns: list[list[Any]] = []
        issues: list[tuple[int, int, ValueProblem]] = []  # (data-row position, plan position, problem)
        by_column = list(zip(*data, strict=False)) if count else []  # every row is at least self.width long
        for plan_position, plan in enumerate(plans):
            cells: Any = by_column[plan.index] if count else ()
            if slow:
                cells = list(cells)
                for position in slow:
                    cells[position] = ""  # converted below, cell by cell
            table = self.tables[plan_position]
            if table is not None and self.first_chunk and count >= _MEMO_SAMPLE and len(set(cells)) * 2 > count:
                table = self.tables[plan_position] = None  # nearly every cell different: no table
            if table is not None:
                before = len(table)
                values = list(map(table.__getitem__, cells))
                failed = table.failed
                if failed:
                    for position in itertools.compress(range(count), map(failed.__contains__, cells)):
                        issues.append((position, plan_position, failed[cells[position]]))
                if count >= _MEMO_SAMPLE and (len(table) - before) * 2 > count:
                    self.tables[plan_position] = None  # nearly every cell new: call the converter directly
                elif len(table) > MEMO_LIMIT:
                    table.empty()
            else:
                convert = plan.convert
                try:
                    values = list(map(convert, cells))
                except ValueProblem:
                    values = []
                    for position, cell in enumerate(cells):
                        try:
                            values.append(convert(cell))
                        except ValueProblem as failure:
                            values.append(failure.value)
                            issues.append((position, plan_position, failure))
            columns.append(values)
        for position in slow:
            row = data[position]
            for plan_position, plan in enumerate(plans):
                value, found = _convert(plan.convert, row[plan.index])
                columns[plan_position][position] = value
                if found is not None:
                    issues.append((position, plan_position, found))

        self.first_chunk = False
        # Records, built by C-level maps: each row's values a copy of the template (every key in
        # place, so no dict grows), filled in a column at a time.
        file_name, sheet_name = self.file_name, self.sheet_name
        values_of = list(map(dict.copy, itertools.repeat(self.template, count)))
        for key, values in zip(self.keys, columns, strict=True):
            deque(map(operator.setitem, values_of, itertools.repeat(key), values), maxlen=0)
        kept: list[CensusRow | None] = list(
            map(
                CensusRow,
                itertools.repeat(file_name),
                itertools.repeat(sheet_name),
                excel_rows,
                values_of,
                itertools.repeat(self.written),
                data,
                itertools.repeat(self.column_index),
            )
        )
        # A row whose counted cells all read as empty (spaces, say), none of them unreadable, is
        # blank. Only a row whose first counted value is None can be one.
        if self.counted:
            counted = self.counted
            maybe_blank = itertools.compress(
                range(count), map(operator.is_, columns[counted[0]], itertools.repeat(None))
            )
            unreadable: set[int] | None = None
            for position in maybe_blank:
                if all(columns[plan_position][position] is None for plan_position in counted):
                    if unreadable is None:
                        unreadable = {
                            position for position, plan_position, _issue in issues if plans[plan_position].counts
                        }
                    if position not in unreadable:
                        skipped.append((excel_rows[position], "空行"))
                        kept[position] = None

        problems: list[Problem] = []
        issues.sort(key=itemgetter(0, 1))
        for position, plan_position, issue in issues:
            census_row = kept[position]
            if census_row is None:
                continue
            if issue.severity == "error":
                census_row.has_errors = True
            plan = plans[plan_position]
            problems.append(
                problem(
                    issue.code,
                    issue.message,
                    file=file_name,
                    sheet=sheet_name,
                    row=census_row.excel_row,
                    column=plan.written,
                    field=plan.label,
                    value=" ".join(cell_text(data[position][plan.index]).split()),
                )
            )
        self._add_up(data, columns, kept, totals)
        skipped.sort()
        self.skipped.extend(skipped)
        return ParsedChunk([row for row in kept if row is not None], problems)

    def _add_up(
        self, data: list[list[Cell]], columns: list[list[Any]], kept: list[CensusRow | None], totals: list[_Total]
    ) -> None:
        """Add the chunk's figures to the running sums, checking each total row where it stands."""
        start = 0
        for total in [*totals, None]:
            stop = len(data) if total is None else total.position
            if stop > start:
                for plan_position in self.summed:
                    values = columns[plan_position]
                    if start or stop < len(values):
                        values = values[start:stop]
                    added = sum(filter(None, values))  # zeros and empty cells add nothing
                    index = self.plans[plan_position].index
                    unreadable = None in values and any(
                        value is None and kept[position] is not None and not _blank(data[position][index])
                        for position, value in enumerate(values, start)
                    )
                    for sums in (self.all_sums, self.segment_sums):
                        if added:
                            sums.sums[plan_position] += added
                        if unreadable:
                            sums.unreadable[plan_position] = True
                start = stop
            if total is not None:
                subtotal = "小计" in total.label
                self.total_problems.extend(self._check_total(total, self.segment_sums if subtotal else self.all_sums))
                if subtotal:
                    self.segment_sums = _Sums.empty(len(self.plans))

    def _check_total(self, total: _Total, sums: _Sums) -> list[Problem]:
        found: list[Problem] = []
        for plan_position in self.summed:
            plan = self.plans[plan_position]
            cell = total.row[plan.index]
            if _blank(cell):
                continue
            stated, issue = _convert(plan.convert, cell)
            if stated is None or (issue is not None and issue.severity == "error"):
                continue
            if sums.unreadable[plan_position]:
                continue  # an unreadable cell in the column: the sum proves nothing (already an error)
            expected = sums.sums[plan_position]
            if _differs(stated, expected):
                found.append(
                    problem(
                        "total_mismatch",
                        f"{total.label}行的“{plan.written}”为{plain_number(stated)},但上面各行相加为{plain_number(expected)}。"
                        "请核对各行数字和合计数(合计行本身不会导入)。",
                        file=self.file_name,
                        sheet=self.sheet_name,
                        row=total.excel_row,
                        column=plan.written,
                        field=plan.label,
                        value=" ".join(cell_text(cell).split()),
                    )
                )
        return found


class _Table(dict[Any, Any]):
    """cell → converted value, converting on first sight; ``failed`` keeps the problems."""

    def __init__(self, convert: Callable[[Cell], Any]) -> None:
        super().__init__({"": None, None: None})
        self.convert = convert
        self.failed: dict[Any, ValueProblem] = {}

    def empty(self) -> None:
        self.clear()
        self.update({"": None, None: None})
        self.failed = {}

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


def _differs(value: Any, expected: Any) -> bool:
    if isinstance(value, Decimal) or isinstance(expected, Decimal):
        return abs(Decimal(value) - Decimal(expected)) > Decimal("0.005")
    return bool(value != expected)
