"""The one gate every uploaded file passes before anything reads it: size, type by content (not
by the file name or the browser's content type), zip bombs and huge cells.

Every form that takes a file declares it as an ``UploadField``; a test walks the URL conf and
fails on an upload URL that does not, and feeds every known one hostile files
(``core/tests/test_upload_gate.py``). A view reads the file only from the form's cleaned data.
Uploads of other kinds (evidence, certificates) get their content check here, beside the
spreadsheet's, as a new ``UploadKind``.

XLSX, XLSM and ODS files are ZIP archives; a small archive can expand to gigabytes and exhaust
the server when a spreadsheet reader opens it. The archive is refused when its entries add up to
more than ``UPLOAD_MAX_UNCOMPRESSED_MB``, expand more than ``UPLOAD_MAX_COMPRESSION_RATIO``
times, or are more than ``UPLOAD_MAX_ZIP_ENTRIES``; the sizes are not taken from the archive's
directory on trust, every entry is decompressed (and its checksum checked) with the limits
applied as it goes. A single cell longer than ``UPLOAD_MAX_CELL_KB`` (Excel itself holds at most
32,767 characters in a cell) is refused too: one such cell, within the limits above, would still
be read into memory whole.

``check_spreadsheet_upload(name, data)`` is the check itself, for the command line as well.
"""

from __future__ import annotations

import io
import re
import zipfile
from enum import Enum
from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

XLSX = "xlsx"
XLS = "xls"
ODS = "ods"
CSV = "csv"

ALLOWED_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt", ".tsv"}
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# Formats that are no spreadsheet, but which a renamed file often is.
_OTHER_MAGIC = {
    b"%PDF": "PDF",
    b"\x89PNG": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF8": "GIF",
    b"MZ": "EXE",
    b"\x7fELF": "ELF",
    b"Rar!": "RAR",
    b"7z\xbc\xaf": "7z",
    b"\x1f\x8b": "gzip",
}
_CHUNK = 1024 * 1024
# What ends a cell's text: a tag in the XML of XLSX and ODS, a delimiter or a line end in a CSV
# (UTF-16 text has the same bytes, with a NUL beside them).
_XML_TAG = b"<"
_CSV_BREAKS = re.compile(rb"[,\t;|\r\n]")


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}"


def detect_spreadsheet_kind(data: bytes) -> str | None:
    """``xlsx`` (also xlsm), ``ods``, ``xls`` or ``csv`` (text) from the bytes, or None."""
    if data.startswith(_ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "[Content_Types].xml" in names:
                    return XLSX
                if "mimetype" in names:
                    with archive.open("mimetype") as stream:
                        if stream.read(len(_ODS_MIMETYPE) + 2).strip() == _ODS_MIMETYPE:
                            return ODS
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
            return None
        return None
    if data.startswith(_OLE2_MAGIC):
        return XLS
    if _looks_like_text(data):
        return CSV
    return None


def _looks_like_text(data: bytes) -> bool:
    sample = data[: 64 * 1024]
    if not sample.strip():
        return False
    if any(sample.startswith(magic) for magic in _OTHER_MAGIC):
        return False
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte-order mark
        return True
    if b"\x00" in sample:
        return False
    # Control characters other than tab, CR, LF and form feed mean binary data.
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls <= len(sample) // 100


def _huge_cell() -> ValidationError:
    return _refuse(
        _(
            "文件中有单元格的内容超过 %(kb)d KB(Excel 一个单元格最多 32767 个字符),"
            "不是正常的电子表格,已拒绝。请检查文件内容。"
        )
        % {"kb": settings.UPLOAD_MAX_CELL_KB},
        "huge_cell",
    )


class _RunGauge:
    """Finds a run of more than ``limit`` bytes without a ``<`` in a stream fed in chunks: a cell
    whose text is that long. Tiles of half the limit are probed with ``bytes.find`` (a run
    longer than the limit holds a whole tile without a tag); only a tile without one is measured
    exactly, so a normal sheet costs a few probes per megabyte."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.tile = max(1, limit // 2)
        self.run = 0  # the run at the end of the bytes fed so far

    def too_long(self, chunk: bytes) -> bool:
        first = chunk.find(_XML_TAG)
        if first < 0:
            self.run += len(chunk)
            return self.run > self.limit
        if self.run + first > self.limit:
            return True
        last = chunk.rfind(_XML_TAG)
        start = first + 1
        while start < last:
            end = min(start + self.tile, last)
            if chunk.find(_XML_TAG, start, end) >= 0:
                start = end
                continue
            before = chunk.rfind(_XML_TAG, first, start)
            after = chunk.find(_XML_TAG, end, last + 1)
            if after - before - 1 > self.limit:
                return True
            start = after + 1
        self.run = len(chunk) - last - 1
        return self.run > self.limit


def _check_text_cells(data: bytes) -> None:
    limit = settings.UPLOAD_MAX_CELL_KB * 1024
    if len(data) > limit and max(map(len, _CSV_BREAKS.split(data))) > limit:
        raise _huge_cell()


def _check_zip(data: bytes) -> None:
    max_total = settings.UPLOAD_MAX_UNCOMPRESSED_MB * 1024 * 1024
    max_ratio = settings.UPLOAD_MAX_COMPRESSION_RATIO
    bomb = _refuse(
        _(
            "文件解压后过大(超过 %(mb)s MB 或压缩比超过 %(ratio)s 倍),疑似“压缩炸弹”,已拒绝。"
            "请确认文件来源,或将数据拆分为多个文件。"
        )
        % {"mb": settings.UPLOAD_MAX_UNCOMPRESSED_MB, "ratio": max_ratio},
        "zip_bomb",
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > settings.UPLOAD_MAX_ZIP_ENTRIES:
                raise _refuse(
                    _("文件内部条目过多(%(n)d 个),不是正常的电子表格,已拒绝。") % {"n": len(entries)},
                    "zip_entries",
                )
            declared = sum(e.file_size for e in entries)
            compressed = max(1, sum(e.compress_size for e in entries))
            if declared > max_total or declared / compressed > max_ratio:
                raise bomb
            # The declared sizes may lie: decompress for real, counting as we go.
            total = 0
            for entry in entries:
                if entry.is_dir():
                    continue
                gauge = _RunGauge(settings.UPLOAD_MAX_CELL_KB * 1024) if entry.filename.endswith(".xml") else None
                with archive.open(entry) as stream:
                    while chunk := stream.read(_CHUNK):
                        total += len(chunk)
                        if total > max_total or total / compressed > max_ratio:
                            raise bomb
                        if gauge is not None and gauge.too_long(chunk):
                            raise _huge_cell()
    except ValidationError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise _refuse(_("文件已损坏或不是有效的电子表格,无法读取。"), "corrupt") from exc


def _check_size(size: int) -> None:
    if not size:
        raise _refuse(_("上传的文件是空的。"), "empty")
    if size > settings.MAX_UPLOAD_MB * 1024 * 1024:
        raise _refuse(
            _("文件过大(%(size)s MB),上限为 %(limit)d MB。请拆分后分批上传。")
            % {"size": _mb(size), "limit": settings.MAX_UPLOAD_MB},
            "too_large",
        )


def check_spreadsheet_upload(name: str, data: bytes) -> None:
    """Raise ``ValidationError`` (a message in Chinese for the clerk) unless ``data`` is an
    XLSX/XLSM, XLS, ODS or CSV/text file of acceptable size that is safe to open."""
    _check_size(len(data))
    suffix = PurePath(name or "").suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise _refuse(
            _("不支持的文件类型“%(suffix)s”。请上传 Excel(.xlsx、.xls)、WPS/LibreOffice(.ods)或 CSV 文件。")
            % {"suffix": suffix or _("无扩展名")},
            "bad_type",
        )
    kind = detect_spreadsheet_kind(data)
    if kind is None:
        other = next((label for magic, label in _OTHER_MAGIC.items() if data.startswith(magic)), None)
        if other:
            message = _("文件内容是 %(kind)s,不是电子表格(扩展名可能被改过)。") % {"kind": other}
        else:
            message = _("文件内容不是 Excel、ODS 或 CSV 电子表格(扩展名可能被改过),无法导入。")
        raise _refuse(message, "bad_content")
    if kind in (XLSX, ODS):
        _check_zip(data)
    elif kind == CSV:
        _check_text_cells(data)


class UploadKind(Enum):
    SPREADSHEET = "spreadsheet"


_ACCEPT = {UploadKind.SPREADSHEET: ",".join(sorted(ALLOWED_SUFFIXES))}


def _spreadsheet_help() -> str:
    return _("Excel(.xlsx、.xls)、WPS/LibreOffice(.ods)或 CSV 文件,不超过 %(mb)s MB。") % {"mb": settings.MAX_UPLOAD_MB}


class UploadField(forms.FileField):
    """A file field that lets a file through only after the checks of its kind. Its cleaned
    value is the uploaded file, checked and rewound, so the view reads it as before."""

    default_error_messages = {"empty": gettext_lazy("上传的文件是空的。")}

    def __init__(self, *, kind: UploadKind = UploadKind.SPREADSHEET, **kwargs: Any) -> None:
        self.kind = kind
        kwargs.setdefault("help_text", lazy(_spreadsheet_help, str)())
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", _ACCEPT[kind])
        self.widget.attrs.setdefault("data-max-bytes", str(settings.MAX_UPLOAD_MB * 1024 * 1024))

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if not isinstance(upload, UploadedFile):
            return upload
        try:
            _check_size(upload.size or 0)  # before reading it
            check_spreadsheet_upload(upload.name or "", upload.read())
        except ValidationError as exc:
            raise ValidationError(exc.messages, code=exc.code) from exc
        upload.seek(0)
        return upload
