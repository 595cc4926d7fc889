"""One row iterator feeds every export format (XLSX, CSV).

Cells that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, and the tab /
carriage-return variants) are prefixed with an apostrophe, so an exported file can never run
code in the clerk's Excel (CSV/formula injection).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

Cell = str | int | float | Decimal | dt.date | bool | None

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def neutralize(value: Cell) -> Cell:
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_text(value: Cell) -> str:
    value = neutralize(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def xlsx_bytes(*, sheet_title: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title[:31])
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for title in header:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        ws.append([("是" if v else "否") if isinstance(v, bool) else neutralize(v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _content_disposition(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"


def xlsx_response(
    *, filename: str, sheet_title: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> HttpResponse:
    return workbook_response(filename=filename, data=xlsx_bytes(sheet_title=sheet_title, header=header, rows=rows))


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(*, filename: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> StreamingHttpResponse:
    """UTF-8 with BOM, so Excel on a Chinese Windows opens it without garbling."""
    writer = csv.writer(_Echo())

    def stream() -> Iterable[str]:
        yield "\ufeff" + writer.writerow(list(header))
        for row in rows:
            yield writer.writerow([_csv_text(v) for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _content_disposition(filename)
    return response


# --- Printable workbooks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintSheet:
    """One sheet a county office prints: a title, a line naming the unit and date, a bold header
    repeated on every page, the rows with borders, an optional bold total row and notes below.
    Money is given as ``Decimal`` and shown with two decimals (``#,##0.00``); dates as dates."""

    name: str  # the tab
    title: str
    subtitle: str
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    widths: Sequence[int] = ()
    total: Sequence[Cell] | None = None
    notes: Sequence[str] = ()


def print_header(ws: Any, header: Sequence[str], *, row: int = 3) -> None:
    """The header row (bold, bordered, centred) at ``row``, frozen and repeated on every printed
    page; landscape A4 pages fitting the width."""
    ws.append(list(header))
    for column in range(1, len(header) + 1):
        cell = ws.cell(row=row, column=column)
        cell.font = Font(bold=True)
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.freeze_panes = f"A{row + 1}"
    ws.print_title_rows = f"{row}:{row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def print_row(ws: Any, values: Sequence[Cell], *, bold: bool = False) -> None:
    """A bordered row; text neutralized (no formulas), money with two decimals, dates as dates."""
    ws.append([("是" if v else "否") if isinstance(v, bool) else neutralize(v) for v in values])
    for cell in ws[ws.max_row]:
        cell.border = _BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = Font(bold=True)
        if isinstance(cell.value, Decimal):
            cell.number_format = "#,##0.00"
        elif isinstance(cell.value, dt.date):
            cell.number_format = "yyyy-mm-dd"


def printable_workbook(sheets: Sequence[PrintSheet]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(title=_sheet_name(sheet.name, wb.sheetnames))
        width = max(1, len(sheet.header))
        ws.append([neutralize(sheet.title)])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        ws.cell(row=1, column=1).font = Font(bold=True, size=15)
        ws.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center")
        ws.row_dimensions[1].height = 28
        ws.append([neutralize(sheet.subtitle)])
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
        print_header(ws, sheet.header)
        for column, chars in enumerate(sheet.widths, start=1):
            ws.column_dimensions[get_column_letter(column)].width = chars
        for row in sheet.rows:
            print_row(ws, row)
        if sheet.total is not None:
            print_row(ws, sheet.total, bold=True)
        for note in sheet.notes:
            ws.append([neutralize(note)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _sheet_name(name: str, taken: Sequence[str]) -> str:
    """A tab name Excel takes: at most 31 characters, none of ``[]:*?/\\``, unique."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "Sheet"
    candidate, n = clean, 2
    while candidate in taken:
        suffix = f"({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    return candidate


def workbook_response(*, filename: str, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = _content_disposition(filename)
    return response
