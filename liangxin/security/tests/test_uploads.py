"""Spreadsheet uploads: type by content, size, and zip bombs refused with a clear message."""

from __future__ import annotations

import io
import itertools
import struct
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from liangxin.security.uploads import check_spreadsheet_upload, detect_spreadsheet_kind
from liangxin.testing.hostile_files import long_cell_xlsx, one_huge_cell, ordinary_text, zip_with

FIXTURES = Path(__file__).resolve().parents[2] / "census" / "tabular" / "tests" / "fixtures"


def xlsx_bytes(rows=3):
    wb = Workbook()
    ws = wb.active
    ws.append(["组织名称", "从业人员"])
    for n in range(rows):
        ws.append([f"罗平县第{n}公司", n])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def ods_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def refused(name, data):
    with pytest.raises(ValidationError) as exc_info:
        check_spreadsheet_upload(name, data)
    return exc_info.value.code, " ".join(exc_info.value.messages)


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("普查表.xlsx", xlsx_bytes(), "xlsx"),
        ("普查表.xlsm", xlsx_bytes(), "xlsx"),
        ("普查表.ods", ods_bytes(), "ods"),
        ("旧表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "xls"),
        ("表.csv", "组织名称,从业人员\n罗平县蜂产业协会,40\n".encode(), "csv"),
        ("表.csv", "组织名称,从业人员\n罗平县蜂产业协会,40\n".encode("gbk"), "csv"),
        ("表.txt", "组织名称\t从业人员\n协会\t40\n".encode("utf-16"), "csv"),
        # A renamed file is judged by what it is: an old .xls saved as .xlsx still opens.
        ("改过名.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "xls"),
    ],
)
def test_spreadsheets_are_accepted(name, data, kind):
    check_spreadsheet_upload(name, data)
    assert detect_spreadsheet_kind(data) == kind


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="the census fixtures are not in this tree")
def test_the_census_fixture_files_are_accepted():
    files = [p for p in FIXTURES.iterdir() if p.suffix in {".xlsx", ".xls", ".ods", ".csv", ".txt"}]
    assert files
    for path in files:
        check_spreadsheet_upload(path.name, path.read_bytes())


@pytest.mark.parametrize(
    ("name", "data", "text"),
    [
        ("病毒.xlsx", b"MZ\x90\x00" + b"\x00" * 100, "EXE"),
        ("扫描件.xlsx", b"%PDF-1.7\n" + b"x" * 100, "PDF"),
        ("照片.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "PNG"),
        ("二进制.csv", bytes(range(256)) * 4, "不是 Excel"),
        ("压缩包.xlsx", b"PK\x03\x04garbage", "不是 Excel"),
    ],
)
def test_other_content_is_refused_whatever_the_name(name, data, text):
    code, message = refused(name, data)
    assert code == "bad_content" and text in message


def test_a_plain_zip_named_xlsx_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert refused("a.xlsx", buffer.getvalue())[0] == "bad_content"


@pytest.mark.parametrize("name", ["a.exe", "a.docx", "a.pdf", "noextension", "a.xlsx.exe"])
def test_other_extensions_are_refused(name):
    code, message = refused(name, xlsx_bytes())
    assert code == "bad_type" and "不支持的文件类型" in message


def test_empty_and_too_large_files_are_refused(settings):
    assert refused("a.csv", b"")[0] == "empty"
    settings.MAX_UPLOAD_MB = 1
    code, message = refused("a.csv", b"a,b\n" * 300_000)
    assert code == "too_large" and "上限为 1 MB" in message


def test_a_zip_bomb_is_refused(settings):
    settings.UPLOAD_MAX_UNCOMPRESSED_MB = 5
    bomb = zip_with([("xl/worksheets/sheet1.xml", b"0" * (6 * 1024 * 1024))])
    assert len(bomb) < 50_000
    code, message = refused("炸弹.xlsx", bomb)
    assert code == "zip_bomb" and "压缩炸弹" in message


def test_a_high_compression_ratio_is_refused():
    code, _message = refused("比例.xlsx", zip_with([("xl/sharedStrings.xml", b"A" * (3 * 1024 * 1024))]))
    assert code == "zip_bomb"


def test_too_many_entries_are_refused(settings):
    settings.UPLOAD_MAX_ZIP_ENTRIES = 50
    data = zip_with([(f"xl/f{n}.xml", b"<x/>") for n in range(60)], compression=zipfile.ZIP_STORED)
    assert refused("多.xlsx", data)[0] == "zip_entries"


def test_a_lying_size_in_the_archive_directory_is_caught(settings):
    """A bomb that declares small sizes: decompression stops at the declared size and the
    checksum fails, or the real total trips the limit."""
    settings.UPLOAD_MAX_UNCOMPRESSED_MB = 5
    data = bytearray(zip_with([("xl/worksheets/sheet1.xml", b"0" * (6 * 1024 * 1024))]))
    # Rewrite every declared uncompressed size (local headers and central directory) to 1000.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            data[at + offset : at + offset + 4] = struct.pack("<I", 1000)
            start = at + 4
    code, _message = refused("说谎.xlsx", bytes(data))
    assert code in {"zip_bomb", "corrupt"}


def test_a_corrupt_archive_is_refused():
    data = xlsx_bytes()
    assert refused("坏.xlsx", data[: len(data) // 2])[0] in {"bad_content", "corrupt"}


def test_a_normal_large_sheet_passes():
    check_spreadsheet_upload("大表.xlsx", xlsx_bytes(rows=5000))


# --- Huge cells --------------------------------------------------------------------------------


def test_a_cell_longer_than_the_limit_is_refused_in_an_xlsx(settings):
    """A cell that compresses no better than normal text: no zip bomb, but one huge string.
    (Excel and openpyxl never write such a cell; an attacker's file does.)"""
    data = long_cell_xlsx(300_000)
    code, message = refused("长单元格.xlsx", data)
    assert code == "huge_cell" and "256 KB" in message and "32767" in message
    settings.UPLOAD_MAX_CELL_KB = 512
    check_spreadsheet_upload("长单元格.xlsx", data)


def test_a_cell_across_the_reading_chunks_is_measured_whole(settings):
    settings.UPLOAD_MAX_CELL_KB = 1200
    data = long_cell_xlsx(1_300_000)  # spans two chunks of 1 MiB
    assert refused("跨块.xlsx", data)[0] == "huge_cell"


def test_a_cell_longer_than_the_limit_is_refused_in_a_csv():
    field = ordinary_text(300_000)
    assert refused("长.csv", f"组织名称,说明\n甲,{field}\n".encode())[0] == "huge_cell"
    # Many ordinary rows add up to more than the limit: nothing is refused.
    check_spreadsheet_upload("长表.csv", ("罗平县第1公司,40\n" * 40_000).encode())


def test_the_reported_attack_one_huge_cell_in_a_small_file_is_refused():
    data = one_huge_cell()
    assert len(data) < 600_000
    assert refused("炸弹.xlsx", data)[0] in {"zip_bomb", "huge_cell"}


@given(
    pieces=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=30),
    cuts=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=10),
    limit=st.integers(min_value=1, max_value=30),
)
@settings(max_examples=200, derandomize=True, deadline=None)
def test_the_run_gauge_finds_exactly_the_runs_longer_than_its_limit(pieces, cuts, limit):
    """Checked against the plain answer: the longest stretch between two tags."""
    from liangxin.security.uploads import _RunGauge

    stream = b"<".join(b"x" * n for n in pieces)
    expected = max(pieces) > limit
    gauge = _RunGauge(limit)
    found, at = False, 0
    for size in itertools.cycle(cuts):
        chunk = stream[at : at + size]
        if not chunk:
            break
        found = found or gauge.too_long(chunk)
        at += size
    assert found == expected
