"""Read a spreadsheet file into sheets of cells, whatever program made it.

The file type is decided by its content, not its name: a ZIP container is XLSX (or XLSM/XLSB) or ODS
by what it holds, an OLE container is XLS (or an encrypted XLSX, which is refused), anything else is
text: CSV or tab-separated, in UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030.
Workbooks go through python-calamine. Row ``i`` of :attr:`Sheet.rows` is Excel row ``i + 1``,
whatever blank rows come first, so every number shown to a clerk is the one Excel shows.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Final, Literal

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
    return _read_calamine(data, kind)


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


def _read_calamine(data: bytes, kind: Format) -> list[Sheet]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in workbook.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            rows = workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            sheets.append(
                Sheet(
                    name=meta.name,
                    rows=rows,  # type: ignore[arg-type]  # list[list[...]] is a list[list[Cell]]
                    visible=meta.visible == SheetVisibleEnum.Visible,
                    format=kind,
                    width=max((len(row) for row in rows), default=0),
                )
            )
    except PasswordError as exc:
        raise ReadError("文件设置了打开密码。请在Excel或WPS中取消密码后另存,再上传。") from exc
    except Exception as exc:  # calamine raises several error types for damaged files
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise ReadError("文件设置了打开密码。请在Excel或WPS中取消密码后另存,再上传。") from exc
        raise ReadError(
            f"文件已损坏或格式不受支持,无法读取({type(exc).__name__})。请用Excel或WPS打开后另存为.xlsx再上传。"
        ) from exc
    if not sheets:
        raise ReadError("文件中没有工作表。")
    return sheets


# ------------------------------------------------------------------------------------ text files
def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding): BOMs first, then strict UTF-8, then strict GB18030, then charset-normalizer."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                break
    if b"\x00" not in data[:4096]:
        for encoding in ("utf-8", "gb18030"):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                continue
    best = charset_normalizer.from_bytes(data[:1_000_000]).best()
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    raise ReadError("无法识别文件的文字编码,它可能不是文本或表格文件。请用Excel或WPS打开后另存为.xlsx再上传。")


def sniff_delimiter(text: str) -> str:
    """The delimiter (comma, tab, semicolon or Chinese comma) that splits most lines alike."""
    lines = [line for line in text[:200_000].splitlines()[:_SNIFF_LINES] if line.strip()]
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


def read_text(data: bytes, filename: str) -> Sheet:
    text, encoding = decode_text(data)
    if text.startswith("\ufeff"):
        text = text[1:]
    delimiter = sniff_delimiter(text)
    try:
        rows: list[list[Cell]] = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))  # type: ignore[arg-type]
    except csv.Error as exc:
        raise ReadError(f"CSV文件格式有误,无法读取({exc})。请用Excel或WPS打开后另存为.xlsx再上传。") from exc
    if not any(any(cell.strip() for cell in row if isinstance(cell, str)) for row in rows):
        raise ReadError("文件是空的。请确认上传的是填好的摸底表。")
    return Sheet(
        name=PurePath(filename).stem or "Sheet1",
        rows=rows,
        format="csv",
        encoding=encoding,
        delimiter=delimiter,
        width=max((len(row) for row in rows), default=0),
    )
