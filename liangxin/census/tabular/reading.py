"""Read a spreadsheet file into sheets of cells, whatever program made it.

The file type is decided by its content, not its name: a ZIP container is XLSX (or XLSM/XLSB) or ODS
by what it holds, an OLE container is XLS (or an encrypted XLSX, which is refused), anything else is
text: CSV or tab-separated, in UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030.
Workbooks go through python-calamine. Row ``i`` of :attr:`Sheet.rows` is Excel row ``i + 1``,
whatever blank rows come first, so every number shown to a clerk is the one Excel shows.

Two ways in: :func:`read_workbook` holds every cell of every sheet in a :class:`Sheet`;
:func:`open_workbook` gives a :class:`SheetSource` per sheet, whose :meth:`~SheetSource.rows` streams
the rows again each time it is called (a text file is decoded and split as it is read; a workbook
sheet is held by calamine in its own compact form and turned into Python rows one at a time), so a
million-row file never exists as Python lists all at once.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Final, Literal

import charset_normalizer
from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

from .cells import Cell

Format = Literal["xlsx", "xls", "ods", "csv"]

ZIP_MAGIC: Final = b"PK\x03\x04"
OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE: Final = b"application/vnd.oasis.opendocument.spreadsheet"
DELIMITERS: Final = (",", "\t", ";", "，")
_ENCRYPTED_OOXML: Final = "EncryptionInfo".encode("utf-16-le")
_SNIFF_LINES: Final = 50
_SNIFF_CHARS: Final = 200_000
_DECODE_BLOCK: Final = 1 << 20  # bytes decoded at a time when an encoding is checked
_TEXT_CHUNK: Final = 1 << 16  # bytes the text stream decodes at a time
HEAD_ROWS: Final = 31  # rows kept of each sheet for header location (header.SCAN_ROWS + 1)


class ReadError(Exception):
    """The file cannot be read at all; ``message`` says why in Chinese, and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    rows: list[list[Cell]]  # rows[i] is Excel row i + 1; rows may differ in length
    visible: bool = True
    format: Format = "xlsx"
    encoding: str | None = None  # text files: the encoding found
    delimiter: str | None = None  # text files: the delimiter found
    width: int = field(default=0)

    @staticmethod
    def excel_row(index: int) -> int:
        return index + 1

    def is_empty(self) -> bool:
        return not any(any(cell not in ("", None) for cell in row) for row in self.rows)


def read_workbook(data: bytes, filename: str) -> list[Sheet]:
    """Every worksheet of the file, in workbook order (one sheet for a text file)."""
    kind = detect_format(data)
    if kind == "csv":
        return [read_text(data, filename)]
    return [source.to_sheet() for source in _calamine_sources(data, kind)]


def open_workbook(data: bytes, filename: str) -> list[SheetSource]:
    """Every worksheet of the file as a :class:`SheetSource`, in workbook order.

    Raises :class:`ReadError` for the same files :func:`read_workbook` refuses, except a text
    file damaged far down (a CSV quote left open): its :meth:`SheetSource.rows` raises ReadError
    when it gets there.
    """
    kind = detect_format(data)
    if kind == "csv":
        return [TextSource(data, filename)]
    return _open_calamine(data, kind)


class SheetSource(ABC):
    """One sheet that can be read as often as needed, a row at a time.

    :meth:`rows` starts at Excel row 1 on every call; :attr:`head` holds the first
    :data:`HEAD_ROWS` rows, read once, for finding the header.
    """

    name: str
    visible: bool
    format: Format
    encoding: str | None = None
    delimiter: str | None = None
    head: list[list[Cell]]
    _empty: bool | None = None
    # Errors :meth:`rows` may raise part-way, which :meth:`read_error` turns into a ReadError (a
    # reader that catches them itself costs a generator frame per row).
    errors: tuple[type[Exception], ...] = ()

    @abstractmethod
    def rows(self) -> Iterator[list[Cell]]:
        """Every row from Excel row 1, as cells."""

    def read_error(self, exc: Exception) -> ReadError:
        return exc if isinstance(exc, ReadError) else ReadError(str(exc))

    def is_empty(self) -> bool:
        """No cell holds anything; reads only as far as the first cell that does."""
        if self._empty is None:
            try:
                self._empty = not any(any(cell not in ("", None) for cell in row) for row in self.rows())
            except self.errors as exc:
                raise self.read_error(exc) from exc
        return self._empty

    def head_sheet(self) -> Sheet:
        """The first rows as a :class:`Sheet`, for :func:`~.header.locate_header`."""
        return Sheet(name=self.name, rows=self.head, visible=self.visible, format=self.format)

    def to_sheet(self) -> Sheet:
        try:
            rows = list(self.rows())
        except self.errors as exc:
            raise self.read_error(exc) from exc
        return Sheet(
            name=self.name,
            rows=rows,
            visible=self.visible,
            format=self.format,
            encoding=self.encoding,
            delimiter=self.delimiter,
            width=max((len(row) for row in rows), default=0),
        )


def _damaged(exc: Exception) -> ReadError:
    if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
        return ReadError("文件设置了打开密码。请在Excel或WPS中取消密码后另存,再上传。")
    return ReadError(
        f"文件已损坏或格式不受支持,无法读取({type(exc).__name__})。请用Excel或WPS打开后另存为.xlsx再上传。"
    )


class CalamineSource(SheetSource):
    """A workbook sheet: calamine has parsed it into its own cells; rows become Python lists as read.

    ``iter_rows`` starts each row at the first used column, so the columns before it are put back
    and row ``i`` is Excel row ``i + 1``, column ``j`` column ``j + 1``, as with ``to_python``.
    """

    def __init__(self, sheet: Any, name: str, visible: bool, kind: Format) -> None:
        self._sheet = sheet
        self.name = name
        self.visible = visible
        self.format = kind
        self.head = list(itertools.islice(self.rows(), HEAD_ROWS))

    def rows(self) -> Iterator[list[Cell]]:
        start = self._sheet.start
        if start is None:
            return iter(())
        rows: Iterator[list[Cell]] = self._sheet.iter_rows()
        if start[1]:
            rows = map(list.__add__, itertools.repeat([""] * start[1]), rows)
        return _guarded(rows, Exception, _damaged)


def _open_calamine(data: bytes, kind: Format) -> list[SheetSource]:
    return list(_calamine_sources(data, kind))


def _calamine_sources(data: bytes, kind: Format) -> Iterator[SheetSource]:
    """The worksheets one at a time, each parsed by calamine when it is reached (so that
    :func:`read_workbook` holds one sheet's calamine cells at a time, as it always did)."""
    found = False
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for meta in workbook.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            found = True
            yield CalamineSource(sheet, meta.name, meta.visible == SheetVisibleEnum.Visible, kind)
        workbook.close()  # the sheets keep their cells; the file's bytes are let go
    except PasswordError as exc:
        raise ReadError("文件设置了打开密码。请在Excel或WPS中取消密码后另存,再上传。") from exc
    except ReadError:
        raise
    except Exception as exc:  # calamine raises several error types for damaged files
        raise _damaged(exc) from exc
    if not found:
        raise ReadError("文件中没有工作表。")


def detect_format(data: bytes) -> Format:
    if not data or not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise ReadError("文件是空的。请确认上传的是填好的摸底表。")
    if data.startswith(ZIP_MAGIC):
        return _zip_format(data)
    if data.startswith(OLE_MAGIC):
        if _ENCRYPTED_OOXML in data:
            raise ReadError("文件设置了打开密码。请在Excel或WPS中取消密码(文件→信息→保护工作簿)后另存,再上传。")
        return "xls"
    if data.startswith(b"%PDF"):
        raise ReadError("这是PDF文件,无法读取其中的表格。请上传Excel(.xlsx/.xls)、WPS表格或CSV文件。")
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        raise ReadError("这是图片文件,无法读取。请上传Excel(.xlsx/.xls)、WPS表格或CSV文件。")
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<"):
        if b"<table" in data[:200_000].lower() or b"urn:schemas-microsoft-com:office:spreadsheet" in head:
            raise ReadError(
                "这个文件实际是网页(HTML/XML)格式,只是扩展名为表格。请用Excel或WPS打开后另存为.xlsx再上传。"
            )
        raise ReadError("这个文件是网页或XML格式,不是表格。请上传Excel(.xlsx/.xls)、WPS表格或CSV文件。")
    return "csv"


def _zip_format(data: bytes) -> Format:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype").strip() if "mimetype" in names else b""
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ReadError("文件已损坏,无法打开。请在Excel或WPS中打开确认后重新保存,再上传。") from exc
    if mimetype == ODS_MIMETYPE:
        return "ods"
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if "word/document.xml" in names or mimetype.startswith(b"application/vnd.oasis.opendocument.text"):
        raise ReadError("这是Word文档,不是表格。请把表格复制到Excel或WPS表格中保存为.xlsx后上传。")
    raise ReadError("这是一个压缩包,不是表格文件。请解压后上传其中的Excel或CSV文件。")


# ------------------------------------------------------------------------------------ text files
def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding): BOMs first, then strict UTF-8, then strict GB18030, then charset-normalizer."""
    encoding = detect_encoding(data)
    return data.decode(encoding), encoding


def _decodes(data: bytes, encoding: str) -> bool:
    """Whether all of ``data`` decodes strictly in ``encoding``, checked a block at a time (no
    copy of the whole text is made). Raises LookupError for an unknown encoding."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    view = memoryview(data)
    try:
        for start in range(0, len(data), _DECODE_BLOCK):
            decoder.decode(view[start : start + _DECODE_BLOCK])
        decoder.decode(b"", True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(data: bytes) -> str:
    """The encoding :func:`decode_text` decodes ``data`` with; ReadError when none fits."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            if _decodes(data, encoding):
                return encoding
            break
    if b"\x00" not in data[:4096]:
        for encoding in ("utf-8", "gb18030"):
            if _decodes(data, encoding):
                return encoding
    best = charset_normalizer.from_bytes(data[:1_000_000]).best()
    if best is not None and best.encoding:
        try:
            if _decodes(data, best.encoding):
                return best.encoding
        except LookupError:
            pass
    raise ReadError("无法识别文件的文字编码,它可能不是文本或表格文件。请用Excel或WPS打开后另存为.xlsx再上传。")


def sniff_delimiter(text: str) -> str:
    """The delimiter (comma, tab, semicolon or Chinese comma) that splits most lines alike."""
    lines = [line for line in text[:_SNIFF_CHARS].splitlines()[:_SNIFF_LINES] if line.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        counts = [line.count(delimiter) for line in lines]
        nonzero = [count for count in counts if count]
        if not nonzero:
            continue
        mode = max(set(nonzero), key=lambda c: (nonzero.count(c), c))
        score = (counts.count(mode), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_error(exc: Exception) -> ReadError:
    return ReadError(f"CSV文件格式有误,无法读取({exc})。请用Excel或WPS打开后另存为.xlsx再上传。")


class TextSource(SheetSource):
    """A CSV or tab-separated file: decoded a block at a time and split by ``csv.reader`` as read.

    The encoding is settled first by decoding the whole file in blocks (nothing kept), so that a
    byte that is not UTF-8 a hundred thousand rows down still makes the whole file GB18030, exactly
    as when the file is decoded at once.
    """

    errors = (csv.Error,)

    def __init__(self, data: bytes, filename: str) -> None:
        self._data = data
        self.name = PurePath(filename).stem or "Sheet1"
        self.visible = True
        self.format = "csv"
        self.encoding = detect_encoding(data)
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="strict")
        prefix = decoder.decode(data[: 5 * _SNIFF_CHARS], len(data) <= 5 * _SNIFF_CHARS)
        self.delimiter = sniff_delimiter(prefix[1:] if prefix.startswith("\ufeff") else prefix)
        try:
            self.head = list(itertools.islice(self.rows(), HEAD_ROWS))
            self._empty = not any(any(cell.strip() for cell in row) for row in self.rows())  # type: ignore[union-attr]
        except csv.Error as exc:
            raise _csv_error(exc) from exc
        if self._empty:
            raise ReadError("文件是空的。请确认上传的是填好的摸底表。")

    def rows(self) -> Iterator[list[Cell]]:
        """The rows as ``csv.reader`` splits them; it raises ``csv.Error`` (see :meth:`read_error`)
        where the file is broken. (Splitting plain lines with ``str.split`` instead is no faster:
        making the cells' str objects is most of the cost.)"""
        stream = io.TextIOWrapper(io.BytesIO(self._data), encoding=self.encoding, newline="")
        stream._CHUNK_SIZE = _TEXT_CHUNK  # type: ignore[attr-defined]  # larger reads: fewer decoder calls
        first = stream.readline()
        lines: Iterator[str] = itertools.chain((first[1:] if first.startswith("\ufeff") else first,), stream)
        return csv.reader(lines, delimiter=self.delimiter or ",")  # type: ignore[return-value]

    def read_error(self, exc: Exception) -> ReadError:
        return _csv_error(exc) if isinstance(exc, csv.Error) else super().read_error(exc)


def _guarded(rows: Iterator[Any], catch: type[Exception], error: Callable[[Any], ReadError]) -> Iterator[list[Cell]]:
    """``rows``, with an error of the reader underneath turned into a :class:`ReadError`."""
    try:
        yield from rows
    except ReadError:
        raise
    except catch as exc:
        raise error(exc) from exc


def read_text(data: bytes, filename: str) -> Sheet:
    return TextSource(data, filename).to_sheet()
