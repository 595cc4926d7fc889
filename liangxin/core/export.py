"""One row iterator feeds every export format (XLSX, CSV), and every export streams.

Cells that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, and the tab /
carriage-return variants) are prefixed with an apostrophe, so an exported file can never run
code in the clerk's Excel (CSV/formula injection); text is always written as text.

Time and memory follow the rows, never their square: a CSV is written to the response as the
rows come (``StreamingHttpResponse``); a workbook is written by XlsxWriter in constant-memory mode
(each row goes to a temporary file as it is appended, formats are shared objects, nothing is
looked up per cell) into a temporary file, which the response then sends in chunks
(``FileResponse``). Callers pass an iterator over the rows (a queryset read with ``iterator()``,
or a generator), never a list of them. ``bench/export_bench.py`` measures it at 100,000 rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import IO, Any, Literal

import xlsxwriter
from django.http import FileResponse, StreamingHttpResponse
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

Cell = str | int | float | Decimal | dt.date | bool | None

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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


# --- Workbooks -------------------------------------------------------------------------------

# How a row looks: "plain" (a simple list), "header" (bold), "title" (large, bold, centred),
# "body" (a printed register's cell: thin border, wrapped, top-aligned), "total" (body, bold).
Style = Literal["plain", "header", "title", "body", "total"]
_STYLES: dict[str, dict[str, Any]] = {
    "plain": {},
    "header": {"bold": True},
    "title": {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"},
    "body": {"border": 1, "text_wrap": True, "valign": "top"},
    "total": {"border": 1, "text_wrap": True, "valign": "top", "bold": True},
    "boxed_header": {"bold": True, "border": 1, "text_wrap": True, "align": "center", "valign": "vcenter"},
}
_DATE = "yyyy-mm-dd"
_DATETIME = "yyyy-mm-dd hh:mm:ss"


class XlsxBook:
    """A workbook written row by row in constant memory (XlsxWriter). Sheets are written one
    after the other, each from its first row down."""

    def __init__(self, file: IO[bytes]) -> None:
        self.workbook = xlsxwriter.Workbook(
            file,
            {
                "constant_memory": True,
                # Text stays text: no formula, link or number is ever made of a cell's string.
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self._formats: dict[tuple[str, str], Format] = {}

    def format(self, style: str, number: str = "") -> Format:
        key = (style, number)
        if key not in self._formats:
            self._formats[key] = self.workbook.add_format(_STYLES[style] | ({"num_format": number} if number else {}))
        return self._formats[key]

    def sheet(self, title: str, *, widths: Sequence[float] = ()) -> XlsxSheet:
        worksheet = self.workbook.add_worksheet(title[:31])
        for column, width in enumerate(widths):
            worksheet.set_column(column, column, width)
        return XlsxSheet(self, worksheet)

    def close(self) -> None:
        self.workbook.close()


class XlsxSheet:
    def __init__(self, book: XlsxBook, worksheet: Worksheet) -> None:
        self.book = book
        self.worksheet = worksheet
        self.row = 0  # the next row to write (0-based)

    def append(self, values: Sequence[Cell], style: Style | Literal["boxed_header"] = "plain") -> None:
        """Write one row of cells below the last one."""
        write = self.worksheet
        row = self.row
        for column, value in enumerate(values):
            if value is None or value == "":
                if style in ("body", "total", "boxed_header"):
                    write.write_blank(row, column, None, self.book.format(style))
            elif isinstance(value, bool):
                write.write_string(row, column, "是" if value else "否", self.book.format(style))
            elif isinstance(value, (int, float, Decimal)):
                write.write_number(
                    row, column, float(value) if isinstance(value, Decimal) else value, self.book.format(style)
                )
            elif isinstance(value, dt.datetime):
                write.write_datetime(row, column, value, self.book.format(style, _DATETIME))
            elif isinstance(value, dt.date):
                write.write_datetime(row, column, value, self.book.format(style, _DATE))
            else:
                write.write_string(row, column, str(neutralize(value)), self.book.format(style))
        self.row += 1

    def merged(self, first: int, last: int, value: str, style: Style = "plain", *, height: float | None = None) -> None:
        """Write ``value`` across columns ``first``–``last`` of the next row (and leave the row
        for ``append`` to continue when ``last`` is not the last column: call ``cell`` next)."""
        if height is not None:
            self.worksheet.set_row(self.row, height)
        if last > first:
            self.worksheet.merge_range(self.row, first, self.row, last, value, self.book.format(style))
        else:
            self.worksheet.write_string(self.row, first, value, self.book.format(style))

    def cell(self, column: int, value: str, style: Style = "plain") -> None:
        self.worksheet.write_string(self.row, column, value, self.book.format(style))

    def next_row(self) -> None:
        self.row += 1

    def freeze_below(self, rows: int) -> None:
        self.worksheet.freeze_panes(rows, 0)

    def print_landscape(self, *, repeat_row: int | None = None) -> None:
        """A4 landscape, one page wide, the header row on every page."""
        self.worksheet.set_landscape()
        self.worksheet.set_paper(9)  # A4
        self.worksheet.fit_to_pages(1, 0)
        if repeat_row is not None:
            self.worksheet.repeat_rows(repeat_row)


def write_table(book: XlsxBook, *, sheet_title: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
    """A plain sheet: a bold header row (frozen), then the rows."""
    sheet = book.sheet(sheet_title)
    sheet.append(list(header), "header")
    sheet.freeze_below(1)
    for row in rows:
        sheet.append(row)


def write_workbook(file: IO[bytes], write: Callable[[XlsxBook], None]) -> None:
    book = XlsxBook(file)
    try:
        write(book)
    finally:
        book.close()


def xlsx_bytes(*, sheet_title: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """A plain workbook as bytes (files written by commands, not responses)."""
    buffer = io.BytesIO()
    write_workbook(buffer, lambda book: write_table(book, sheet_title=sheet_title, header=header, rows=rows))
    return buffer.getvalue()


def _content_disposition(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"


def workbook_response(*, filename: str, write: Callable[[XlsxBook], None]) -> FileResponse:
    """The workbook ``write`` fills, written into a temporary file and sent from it in chunks:
    memory stays flat whatever the number of rows. The file goes when the response is closed."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it once sent
    try:
        write_workbook(file, write)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    response = FileResponse(file, content_type=XLSX_TYPE)
    response["Content-Disposition"] = _content_disposition(filename)
    return response


def xlsx_response(
    *, filename: str, sheet_title: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> FileResponse:
    return workbook_response(
        filename=filename,
        write=lambda book: write_table(book, sheet_title=sheet_title, header=header, rows=rows),
    )


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
