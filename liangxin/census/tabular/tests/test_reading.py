import codecs
import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook

from liangxin.census.tabular.reading import (
    OLE_MAGIC,
    ReadError,
    decode_text,
    detect_format,
    read_text,
    read_workbook,
    sniff_delimiter,
)

from .support import FIXTURES


@pytest.mark.parametrize(
    ("name", "kind"),
    [("canonical.xlsx", "xlsx"), ("legacy.xls", "xls"), ("libre.ods", "ods"), ("gbk.csv", "csv"), ("tabs.txt", "csv")],
)
def test_the_type_comes_from_the_content(name, kind):
    assert detect_format((FIXTURES / name).read_bytes()) == kind


def test_a_misnamed_file_is_read_by_its_content():
    data = (FIXTURES / "legacy.xls").read_bytes()
    sheets = read_workbook(data, "摸底表.xlsx")
    assert sheets[0].format == "xls"
    assert sheets[0].rows[1][1] == "组织名称"


def test_rows_keep_excel_row_numbers_over_leading_blank_rows():
    wb = Workbook()
    wb.active["C4"] = "组织名称"
    wb.active["C5"] = 12
    wb.active["D5"] = dt.date(2026, 11, 26)
    buffer = io.BytesIO()
    wb.save(buffer)
    sheet = read_workbook(buffer.getvalue(), "a.xlsx")[0]
    assert sheet.rows[3][2] == "组织名称"
    assert sheet.rows[4][2] == 12.0
    assert sheet.rows[4][3] == dt.date(2026, 11, 26)
    assert sheet.excel_row(3) == 4


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter"),
    [
        ("gbk.csv", "gb18030", ","),
        ("utf8.csv", "utf-8", ","),
        ("utf8_bom.csv", "utf-8-sig", ","),
        ("tabs.txt", "utf-8", "\t"),
        ("utf16_tabs.txt", "utf-16", "\t"),
        ("semicolon.csv", "gb18030", ";"),
        ("chinese_comma.csv", "utf-8", "，"),
    ],
)
def test_text_files(name, encoding, delimiter):
    sheet = read_text((FIXTURES / name).read_bytes(), name)
    assert (sheet.encoding, sheet.delimiter, sheet.format) == (encoding, delimiter, "csv")
    assert sheet.name == name.rsplit(".", 1)[0]
    assert sheet.rows[0][0] == "罗雄街道“两新”组织摸底表"
    assert sheet.rows[1][:3] == ["序号", "组织名称", "统一社会信用代码"]
    assert sheet.rows[3][-1] == "第一行\n第二行"  # one record, two lines: still Excel row 4
    assert sheet.rows[4][1] == "罗平县餐饮行业协会"


def test_decoding_order():
    assert decode_text("组织名称".encode()) == ("组织名称", "utf-8")
    assert decode_text(codecs.BOM_UTF8 + "组织名称".encode()) == ("组织名称", "utf-8-sig")
    assert decode_text("組織名稱".encode("big5"))[0] != ""  # charset-normalizer or GB18030: something readable
    assert decode_text("组织名称,罗平".encode("gbk")) == ("组织名称,罗平", "gb18030")


def test_delimiter_sniffing():
    assert sniff_delimiter("a,b,c\n1,2,3\n") == ","
    assert sniff_delimiter("a\tb\tc\n1\t2,5\t3\n") == "\t"
    assert sniff_delimiter("a;b;c\n1;2;3\n") == ";"
    assert sniff_delimiter("名称，乡镇，类别\n甲，乙，丙\n") == "，"
    assert sniff_delimiter('标题\n名称,乡镇,地址\n甲,乙,"a,b"\n丙,丁,戊\n') == ","
    assert sniff_delimiter("只有一列\n") == ","


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "空"),
        (b"  \r\n\r\n", "空"),
        (codecs.BOM_UTF8 + b",,,\r\n,,\r\n", "空"),
        (OLE_MAGIC + b"\x00" * 100 + "EncryptionInfo".encode("utf-16-le"), "密码"),
        (OLE_MAGIC + b"\x00" * 600, "损坏"),
        (b"PK\x03\x04garbage", "损坏"),
        (_zip({"word/document.xml": b"<w/>", "[Content_Types].xml": b"<x/>"}), "Word"),
        (_zip({"a.txt": b"hello"}), "压缩包"),
        (b"%PDF-1.7 ...", "PDF"),
        (b"\x89PNG\r\n\x1a\n", "图片"),
        ("<html><body><table><tr><td>组织名称</td></tr></table>".encode(), "网页"),
        (b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">', "网页"),
        (bytes(range(256)) * 20, "编码"),
    ],
)
def test_unreadable_files_say_why_in_chinese(data, words):
    with pytest.raises(ReadError) as info:
        read_workbook(data, "x.xlsx")
    assert words in info.value.message


def test_every_sheet_is_read_with_its_visibility():
    sheets = read_workbook((FIXTURES / "multi_sheet.xlsx").read_bytes(), "multi_sheet.xlsx")
    assert [(s.name, s.visible, s.is_empty()) for s in sheets] == [
        ("填表说明", True, False),
        ("摸底表", True, False),
        ("二组", True, False),
        ("草稿", True, False),
        ("空表", True, True),
        ("选项列表", False, False),
    ]
