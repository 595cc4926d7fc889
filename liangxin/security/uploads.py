"""Checks on an uploaded spreadsheet before anything reads it: size, type by content (not by the
file name), and zip bombs.

XLSX, XLSM and ODS files are ZIP archives; a small archive can expand to gigabytes and exhaust
the server when a spreadsheet reader opens it. The archive is refused when its entries add up to
more than ``UPLOAD_MAX_UNCOMPRESSED_MB``, expand more than ``UPLOAD_MAX_COMPRESSION_RATIO``
times, or are more than ``UPLOAD_MAX_ZIP_ENTRIES``; the sizes are not taken from the archive's
directory on trust, every entry is decompressed (and its checksum checked) with the limits
applied as it goes.

The census import calls ``check_spreadsheet_upload(name, data)`` first.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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
                with archive.open(entry) as stream:
                    while chunk := stream.read(_CHUNK):
                        total += len(chunk)
                        if total > max_total or total / compressed > max_ratio:
                            raise bomb
    except ValidationError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise _refuse(_("文件已损坏或不是有效的电子表格,无法读取。"), "corrupt") from exc


def check_spreadsheet_upload(name: str, data: bytes) -> None:
    """Raise ``ValidationError`` (a message in Chinese for the clerk) unless ``data`` is an
    XLSX/XLSM, XLS, ODS or CSV/text file of acceptable size that is safe to open."""
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if not data:
        raise _refuse(_("上传的文件是空的。"), "empty")
    if len(data) > limit:
        raise _refuse(
            _("文件过大(%(size)s MB),上限为 %(limit)d MB。请拆分后分批上传。")
            % {"size": _mb(len(data)), "limit": settings.MAX_UPLOAD_MB},
            "too_large",
        )
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
