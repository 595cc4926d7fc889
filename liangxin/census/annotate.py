"""A census file handed back with its problems marked, and the list of rows an import rejected.

:func:`annotate` writes the clerk's own file back as XLSX with every cell that has a problem filled
(red for an error, yellow for a warning) and a comment carrying the problem messages; problems that
belong to no cell (the file, a sheet, a whole row) are listed on a :data:`PROBLEM_SHEET` sheet. An
XLSX keeps its workbook (openpyxl: other sheets, formats and formulas stay; pictures and charts, which
openpyxl does not read, are lost); any other format (CSV, XLS, ODS) is rebuilt from the cells the
reader read, row for row, so that every row number in a message is the row the clerk sees, and every
text exactly as written (a text starting with "=" becomes a text cell, never a live formula).
:func:`rejected_rows` writes the rows an "import the valid rows" run left out, under the file's own
header, marked the same way, so the clerk can correct them and import that file.

Both take the problems as the import reported them (a :class:`~.tabular.Problem` has the sheet, the
Excel row and the column header as written) and find the cells again by locating the header the same
way the reader did. Both are used by ``python manage.py annotate_problems`` and will be by the import
page's "download the annotated file".

Sheet names and headers written here are file content that the reader recognises (it leaves
:data:`PROBLEM_SHEET` out quietly), so they are plain Chinese constants rather than gettext strings.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from .tabular import Header, Problem, ReadError, Sheet, locate_header, read_workbook
from .tabular.cells import Cell
from .tabular.columns import BY_LABEL, column_letter
from .tabular.problems import title_of

PROBLEM_SHEET: Final = "问题清单"
REJECTED_SHEET: Final = "退回行"
COMMENT_AUTHOR: Final = "两新党建管理系统"
ERROR_COLOR: Final = "FFC7CE"  # Excel's own "bad" red
WARNING_COLOR: Final = "FFEB9C"  # Excel's own "neutral" yellow
SEVERITY_LABELS: Final = {"error": "错误", "warning": "警告"}
# The problem lists lead with the problem in Chinese; the code stays, last, for whoever asks about it.
PROBLEM_LIST_HEADER: Final = ("文件", "工作表", "行", "列", "问题", "严重程度", "说明", "代码")
REJECTED_LIST_HEADER: Final = ("退回表中的行", "原文件中的行", "列", "问题", "严重程度", "说明", "代码")

_NO_FILL: Final = PatternFill(fill_type=None)
_BOLD: Final = Font(bold=True)
_SHEET_TITLE_JUNK = re.compile(r"[\[\]:*?/\\]")


def fill_for(severity: str) -> PatternFill:
    color = ERROR_COLOR if severity == "error" else WARNING_COLOR
    return PatternFill(fill_type="solid", fgColor=color, bgColor=color)


def _worst(problems: Sequence[Problem]) -> str:
    return "error" if any(p.is_error for p in problems) else "warning"


def comment_text(problems: Sequence[Problem]) -> str:
    """The comment on a cell: one line per problem, errors first, in the order reported; each
    led by its severity and Chinese title, the code last (for whoever asks about it)."""
    ordered = sorted(problems, key=lambda p: not p.is_error)
    return _clean(
        "\n".join(f"{SEVERITY_LABELS[p.severity]}·{title_of(p.code)}:{p.message}〔{p.code}〕" for p in ordered)
    )


def _comment(problems: Sequence[Problem]) -> Comment:
    text = comment_text(problems)
    comment = Comment(text, COMMENT_AUTHOR)
    # Big enough to read without resizing: about 30 characters a line at 12 pt.
    lines = sum(max(1, len(line) // 28 + 1) for line in text.splitlines())
    comment.width = 320
    comment.height = min(600, 24 + 18 * lines)
    return comment


def _clean(text: str) -> str:
    """Without the control characters XML cannot hold (a CSV may carry them)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


# --- Finding the cell of a problem ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CellRef:
    sheet: str
    row: int  # Excel row number
    column: int  # 0-based column index


class _Locator:
    """Finds the cell of each problem from the sheets and their headers (located on demand)."""

    def __init__(self, sheets: Sequence[Sheet], mapping_override: Mapping[str, str | None] | None) -> None:
        self.sheets = {sheet.name: sheet for sheet in sheets}
        self.override = mapping_override
        self._headers: dict[str, Header | None] = {}

    def header(self, sheet_name: str | None) -> Header | None:
        if sheet_name is None or sheet_name not in self.sheets:
            return None
        if sheet_name not in self._headers:
            self._headers[sheet_name] = locate_header(self.sheets[sheet_name], self.override)
        return self._headers[sheet_name]

    def cell_of(self, p: Problem) -> CellRef | None:
        if p.row is None or not p.column or p.sheet is None:
            return None
        header = self.header(p.sheet)
        if header is None:
            return None
        index = _header_cell(header, p) if p.row == header.row else _data_cell(header, p)
        return None if index is None else CellRef(p.sheet, p.row, index)

    def split(self, problems: Iterable[Problem]) -> tuple[dict[CellRef, list[Problem]], list[Problem]]:
        """(cell → its problems, problems that belong to no cell), both in the order given."""
        cells: dict[CellRef, list[Problem]] = defaultdict(list)
        others: list[Problem] = []
        for p in problems:
            ref = self.cell_of(p)
            if ref is None:
                others.append(p)
            else:
                cells[ref].append(p)
        return dict(cells), others


def _header_cell(header: Header, p: Problem) -> int | None:
    """A problem of the header row: among header cells written alike, the one its kind is about."""
    candidates = [c for c in header.columns if c.written == p.column]
    if not candidates:
        return None
    preferred = {
        "duplicate_column": list(header.duplicates),
        "unknown_column": list(header.unknown),
        "unit_mismatch": [c for c, _key in header.wrong_units],
    }.get(p.code, [])
    return next((c.index for c in candidates if c in preferred), candidates[0].index)


def _data_cell(header: Header, p: Problem) -> int | None:
    """A problem of a data (or total) row: the column that was read under that header."""
    written = header.written
    for index, key in header.mapping.items():
        if written[key] == p.column:
            return index
    column = BY_LABEL.get(p.field or "")
    if column is not None:
        for index, key in header.mapping.items():
            if key == column.key:
                return index
    return None


# --- Writing -------------------------------------------------------------------------------------


def _value(cell: Cell) -> Any:
    """A cell as read, as openpyxl should write it: 12.0 → 12, text without XML-illegal characters."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, str):
        return _clean(cell)
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e15:
        return int(cell)
    return cell


def _is_formula_like(value: Any) -> bool:
    # openpyxl writes a text starting with "=" as a formula. We hand back the clerk's text exactly
    # (no neutralising apostrophe: "-5" must still read as a negative number, not as "'-5"), as a
    # text cell, which Excel shows and never runs.
    return isinstance(value, str) and value.startswith("=")


def _sheet_title(name: str, taken: set[str]) -> str:
    base = _SHEET_TITLE_JUNK.sub("_", name).strip("'")[:31] or "Sheet"
    title, n = base, 1
    while title in taken:
        n += 1
        suffix = f"({n})"
        title = base[: 31 - len(suffix)] + suffix
    taken.add(title)
    return title


def _write_cell(ws: WriteOnlyWorksheet, value: Any, problems: Sequence[Problem] | None = None) -> Any:
    formula_like = _is_formula_like(value)
    if not problems and not formula_like:
        return value
    cell = WriteOnlyCell(ws, value=value)
    if formula_like:
        cell.data_type = "s"
    if problems:
        cell.fill = fill_for(_worst(problems))
        cell.comment = _comment(problems)
    return cell


def _write_row(ws: WriteOnlyWorksheet, row: Iterable[Cell]) -> list[Any]:
    return [_write_cell(ws, _value(cell)) for cell in row]


def _problem_list(
    wb: Workbook, problems: Sequence[Problem], header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    ws = wb.create_sheet(PROBLEM_SHEET)
    severity_at = header.index("严重程度")
    widths = {"A": 18, "B": 16, "C": 10, "D": 18, "E": 24, "F": 10, "G": 90, "H": 24}
    if isinstance(ws, Worksheet):
        for letter, width in widths.items():
            ws.column_dimensions[letter].width = width
        ws.freeze_panes = "A2"
        ws.append(list(header))
        for cell in ws[1]:
            cell.font = _BOLD
        for p, values in zip(problems, rows, strict=True):
            ws.append([_value(v) if isinstance(v, str) else v for v in values])
            for cell in ws[ws.max_row]:
                if _is_formula_like(cell.value):
                    cell.data_type = "s"
            ws.cell(row=ws.max_row, column=severity_at + 1).fill = fill_for(p.severity)
        return
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.append([_bold_cell(ws, title) for title in header])
    for p, values in zip(problems, rows, strict=True):
        cells: list[Any] = [_write_cell(ws, _value(v)) if isinstance(v, str) else v for v in values]
        severity = WriteOnlyCell(ws, value=cells[severity_at])
        severity.fill = fill_for(p.severity)
        cells[severity_at] = severity
        ws.append(cells)


def _bold_cell(ws: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.font = _BOLD
    return cell


def _listed(p: Problem) -> tuple[Any, ...]:
    return (p.file, p.sheet, p.row, p.column, title_of(p.code), SEVERITY_LABELS[p.severity], p.message, p.code)


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def annotate(
    data: bytes,
    filename: str,
    problems: list[Problem],
    *,
    mapping_override: Mapping[str, str | None] | None = None,
) -> bytes:
    """The file as XLSX with each problem cell filled and commented, the other problems on a
    :data:`PROBLEM_SHEET` sheet. ``mapping_override`` must be the one the import used, so that the
    header is located the same way."""
    try:
        sheets = read_workbook(data, filename)
    except ReadError:
        # Nothing to mark: the file's problems (it cannot be read) are the whole answer.
        wb = Workbook(write_only=True)
        _problem_list(wb, problems, PROBLEM_LIST_HEADER, map(_listed, problems))
        return _save(wb)
    cells, others = _Locator(sheets, mapping_override).split(problems)
    if sheets[0].format == "xlsx":
        try:
            wb = load_workbook(io.BytesIO(data))
        except Exception:  # openpyxl cannot load every workbook calamine reads (XLSB, odd WPS files)
            wb = None
        if wb is not None:
            return _annotate_workbook(wb, cells, others)
    return _annotate_rebuilt(sheets, cells, others)


def _annotate_workbook(wb: Workbook, cells: Mapping[CellRef, list[Problem]], others: Sequence[Problem]) -> bytes:
    """The clerk's own workbook: only fills and comments change (and our earlier ones go)."""
    if PROBLEM_SHEET in wb.sheetnames:
        del wb[PROBLEM_SHEET]  # left by an earlier annotation of this file
    for ws in wb.worksheets:
        _clear_earlier_marks(ws)
    for ref, found in cells.items():
        ws = wb[ref.sheet]
        cell = ws.cell(row=ref.row, column=ref.column + 1)
        if isinstance(cell, MergedCell):
            cell = _merged_anchor(ws, ref)
        cell.fill = fill_for(_worst(found))
        comment = _comment(found)
        if cell.comment is not None:
            # Keep the clerk's own note below ours.
            comment = Comment(f"{comment.text}\n——\n{cell.comment.text}", COMMENT_AUTHOR, comment.height, comment.width)
        cell.comment = comment
    if others:
        _problem_list(wb, others, PROBLEM_LIST_HEADER, map(_listed, others))
    return _save(wb)


def _clear_earlier_marks(ws: Worksheet) -> None:
    """A file annotated before, corrected and read again, must not keep the old red cells."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.comment is not None and cell.comment.author == COMMENT_AUTHOR:
                cell.comment = None
                cell.fill = _NO_FILL


def _merged_anchor(ws: Worksheet, ref: CellRef) -> Any:
    for merged in ws.merged_cells.ranges:
        if merged.min_row <= ref.row <= merged.max_row and merged.min_col <= ref.column + 1 <= merged.max_col:
            return ws.cell(row=merged.min_row, column=merged.min_col)
    return ws.cell(row=ref.row, column=ref.column + 1)


def _annotate_rebuilt(
    sheets: Sequence[Sheet], cells: Mapping[CellRef, list[Problem]], others: Sequence[Problem]
) -> bytes:
    """Every sheet as the reader read it, row for row, streamed (a CSV may have a million rows)."""
    wb = Workbook(write_only=True)
    by_row: dict[tuple[str, int], dict[int, list[Problem]]] = defaultdict(dict)
    for ref, found in cells.items():
        by_row[(ref.sheet, ref.row)][ref.column] = found
    taken: set[str] = set()
    locator = _Locator(sheets, None)
    for sheet in sheets:
        ws = wb.create_sheet(_sheet_title(sheet.name, taken))
        if not sheet.visible:
            ws.sheet_state = "hidden"
        for index in range(sheet.width):
            ws.column_dimensions[column_letter(index)].width = 16
        header = locator.header(sheet.name)
        if header is not None:
            ws.freeze_panes = f"A{header.row + 1}"
        width = max(sheet.width, 1 + max((ref.column for ref in cells if ref.sheet == sheet.name), default=0))
        for position, row in enumerate(sheet.rows):
            marks = by_row.get((sheet.name, position + 1))
            if marks is None:
                ws.append(_write_row(ws, row))
                continue
            padded = list(row) + [None] * (width - len(row))
            ws.append([_write_cell(ws, _value(cell), marks.get(index)) for index, cell in enumerate(padded)])
    if others:
        _problem_list(wb, others, PROBLEM_LIST_HEADER, map(_listed, others))
    return _save(wb)


# --- The rejected rows ---------------------------------------------------------------------------


def rejected_rows(
    data: bytes,
    filename: str,
    problems: list[Problem],
    *,
    mapping_override: Mapping[str, str | None] | None = None,
) -> bytes:
    """The rows that have an error (rejected by an "import the valid rows" run), under the file's
    header, with their problem cells marked, as XLSX; a :data:`PROBLEM_SHEET` sheet lists every
    problem of those rows with its row in this file and in the original.

    The header row's own problems (an unknown or duplicate column) reject no row and are left out.
    """
    wb = Workbook(write_only=True)
    try:
        sheets = read_workbook(data, filename)
    except ReadError:
        sheets = []
    locator = _Locator(sheets, mapping_override)
    rejected: dict[str, set[int]] = defaultdict(set)
    for p in problems:
        header = locator.header(p.sheet)
        if p.is_error and p.row is not None and p.sheet is not None and header is not None and p.row > header.row:
            rejected[p.sheet].add(p.row)
    # read_census reads one sheet, so the rejected rows are all on it; without any, the header alone.
    sheet = next((s for s in sheets if rejected.get(s.name)), None) or next(
        (s for s in sheets if locator.header(s.name) is not None), None
    )
    ws = wb.create_sheet(REJECTED_SHEET)
    listed: list[Problem] = []
    listed_rows: list[tuple[Any, ...]] = []
    if sheet is not None:
        header = locator.header(sheet.name)
        assert header is not None  # a sheet with rejected rows has one
        numbers = sorted(rejected[sheet.name])
        new_row = {old: position + 2 for position, old in enumerate(numbers)}
        cells, _others = locator.split(p for p in problems if p.sheet == sheet.name and p.row in new_row)
        written = {c.index: c.written for c in header.columns}
        width = max([sheet.width, *(i + 1 for i in written)])
        ws.freeze_panes = "A2"
        for index in range(width):
            ws.column_dimensions[column_letter(index)].width = 16
        ws.append([_bold_cell(ws, written.get(index)) for index in range(width)])
        for old in numbers:
            row = list(sheet.rows[old - 1]) + [None] * (width - len(sheet.rows[old - 1]))
            ws.append(
                [
                    _write_cell(ws, _value(cell), cells.get(CellRef(sheet.name, old, index)))
                    for index, cell in enumerate(row)
                ]
            )
        for p in problems:
            if p.sheet == sheet.name and p.row in new_row:
                listed.append(p)
                listed_rows.append(
                    (new_row[p.row], p.row, p.column, title_of(p.code), SEVERITY_LABELS[p.severity], p.message, p.code)
                )
    _problem_list(wb, listed, REJECTED_LIST_HEADER, listed_rows)
    return _save(wb)


__all__ = [
    "COMMENT_AUTHOR",
    "PROBLEM_SHEET",
    "REJECTED_SHEET",
    "CellRef",
    "annotate",
    "comment_text",
    "fill_for",
    "rejected_rows",
]
