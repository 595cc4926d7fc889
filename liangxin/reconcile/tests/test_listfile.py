"""Registration lists as the authorities export them: aliases, encodings, and every problem located."""

from __future__ import annotations

import io

import openpyxl

from liangxin.reconcile.listfile import read_list
from liangxin.testing.factories import valid_uscc


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "企业名单"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_market_export_in_gbk_with_a_title_row_and_alias_headers():
    text = (
        "罗平县市场主体登记名单(截至2026年11月)\n"
        "序号,主体名称,统一社会信用代码/注册号,市场主体类型,经营者,成立日期,登记状态,住所(经营场所),登记机关\n"
        f"1,罗平县（九龙）砖沙有限责任公司,{valid_uscc(1)},有限责任公司,张三,2015-03-02,存续,罗平县九龙街道,罗平县市场监督管理局\n"
        "2,老王小吃店,530324600012345,个体工商户,王五,2009-01-01,在业,板桥镇,罗平县市场监督管理局\n"
    )
    listing = read_list(text.encode("gbk"), "名单.csv")
    assert listing.problems == []
    assert listing.header_row == 2
    assert listing.columns["name"] == "主体名称" and listing.columns["address"] == "住所(经营场所)"
    first, second = listing.entries
    assert (first.row, first.name, first.uscc, first.legal_rep) == (
        3,
        "罗平县（九龙）砖沙有限责任公司",
        valid_uscc(1),
        "张三",
    )
    # An old 15-digit registration number in the code column is kept as such, not an error.
    assert (second.uscc, second.reg_no, second.status) == ("", "530324600012345", "在业")


def test_a_civil_affairs_export_in_xlsx():
    data = _xlsx(
        [
            ["社会组织名称", "统一社会信用代码", "社会组织类型", "业务主管单位", "法定代表人", "住所", "登记状态"],
            [
                "罗平县茶叶协会",
                valid_uscc(2, authority="5"),
                "社会团体",
                "罗平县农业农村局",
                "李四",
                "罗雄街道",
                "正常",
            ],
        ]
    )
    listing = read_list(data, "民政.xlsx")
    assert listing.problems == [] and listing.sheet == "企业名单"
    [entry] = listing.entries
    assert (entry.kind, entry.supervisor, entry.row) == ("社会团体", "罗平县农业农村局", 2)


def test_every_bad_row_is_reported_with_file_row_and_column_as_written():
    data = _xlsx(
        [
            ["企业名称", "信用代码", "类型"],
            ["甲公司", "91530324MA6K0000X0", "有限责任公司"],
            ["", valid_uscc(3), "有限责任公司"],
            ["乙公司", valid_uscc(4), "有限责任公司"],
        ]
    )
    listing = read_list(data, "名单.xlsx")
    problems = [(p.file, p.row, p.column, p.code) for p in listing.problems]
    assert problems == [("名单.xlsx", 2, "信用代码", "uscc_checksum"), ("名单.xlsx", 3, "企业名称", "name_missing")]
    assert [e.name for e in listing.entries] == ["乙公司"]


def test_an_empty_file_and_a_file_without_recognizable_columns_are_clear_errors():
    empty = read_list(b"", "empty.csv")
    assert [p.code for p in empty.errors] == ["empty_file"]
    other = read_list("姓名,电话\n张三,123\n".encode(), "other.csv")
    assert [p.code for p in other.errors] == ["no_columns"] and "名称" in other.errors[0].message
    header_only = read_list("名称,统一社会信用代码\n".encode(), "h.csv")
    assert [p.code for p in header_only.errors] == ["no_rows"]
