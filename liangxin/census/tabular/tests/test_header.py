import pytest

from liangxin.census.tabular.header import locate_header
from liangxin.census.tabular.reading import Sheet


def sheet(*rows):
    return Sheet(name="Sheet1", rows=[list(r) for r in rows])


def test_title_units_and_blank_rows_are_passed_over():
    header = locate_header(
        sheet(
            ["板桥镇“两新”组织集中摸底情况统计表", "", "", ""],
            ["单位:人、万元"],
            [],
            ["序号", "单位名称", "乡镇", "类别", "职工人数"],
            [1, "甲公司", "板桥镇", "经济", 12],
        )
    )
    assert header is not None
    assert (header.row, header.data_start, header.serial_index, header.score) == (4, 4, 0, 4)
    assert header.mapping == {1: "name", 2: "township", 3: "category", 4: "employees"}
    assert header.written == {"name": "单位名称", "township": "乡镇", "category": "类别", "employees": "职工人数"}
    assert header.problems("a.xlsx", "Sheet1") == []


def test_no_header():
    assert locate_header(sheet(["标题"], ["甲", "乙", "丙"], [1, 2, 3])) is None
    assert locate_header(sheet(["组织名称"], ["甲公司"])) is None  # one column is not a census table
    assert locate_header(sheet(["组织名称", "乡镇"], ["甲公司", "板桥"])) is not None


def test_the_header_must_be_within_the_first_rows():
    rows = [[f"说明{i}"] for i in range(30)] + [["组织名称", "所属乡镇", "组织类别"]]
    assert locate_header(sheet(*rows)) is None
    assert locate_header(sheet(*rows), scan_rows=40) is not None


def test_unknown_duplicate_and_wrong_unit_columns():
    header = locate_header(
        sheet(
            ["组织名称", "所属乡镇", "组织类别", "经度", "企业名称", "工资总额(元)", "序号", "编号"],
            ["甲", "板桥", "经济"],
        )
    )
    assert header is not None
    assert header.mapping == {0: "name", 1: "township", 2: "category"}
    problems = [(p.column, p.field, p.code, p.severity) for p in header.problems("a.csv", "a")]
    assert problems == [
        ("经度", None, "unknown_column", "warning"),
        ("企业名称", "组织名称", "duplicate_column", "error"),
        ("编号", None, "unknown_column", "warning"),  # only the first running-number column is 序号
        ("工资总额(元)", "工资总额(万元)", "unit_mismatch", "error"),
    ]


def test_unknown_column_message_suggests_a_close_template_column():
    header = locate_header(sheet(["组织名称", "所属乡镇", "组织类别", "从业人员总人数"]))
    assert header is not None
    (problem,) = header.problems("a.csv", "a")
    assert "“从业人员数”" in problem.message


def test_missing_required_columns_are_reported_once():
    header = locate_header(sheet(["组织名称", "统一社会信用代码", "从业人员数"]))
    assert header is not None
    problems = [(p.field, p.code) for p in header.problems("a.csv", "a")]
    assert problems == [("组织类别", "required_column_missing"), ("所属乡镇", "required_column_missing")]


def test_two_row_header_with_a_merged_group_title():
    header = locate_header(
        sheet(
            ["序号", "组织名称", "所属乡镇", "组织类别", "党员数", "", "业主是否党员"],
            ["", "", "", "", "正式", "预备", ""],
            [1, "甲公司", "板桥", "经济", 3, 1, "是"],
        )
    )
    assert header is not None
    assert (header.top_row, header.row, header.data_start) == (1, 2, 2)
    assert header.mapping == {
        1: "name",
        2: "township",
        3: "category",
        4: "full_members",
        5: "probationary_members",
        6: "owner_is_member",
    }
    assert header.written["full_members"] == "党员数(正式)"


def test_a_first_data_row_is_not_taken_for_a_sub_header():
    header = locate_header(sheet(["组织名称", "所属乡镇", "组织类别"], ["正式", "板桥", "经济"]))
    assert header is not None
    assert (header.row, header.data_start, header.top_row) == (1, 1, None)


def test_user_override_maps_and_ignores_columns():
    rows = (["名录", "地区", "组织类别", "经度"], ["甲公司", "板桥", "经济", "104.3"])
    assert locate_header(sheet(*rows)) is None
    header = locate_header(sheet(*rows), override={"名录": "name", "地区": "所属乡镇", "经度": None})
    assert header is not None
    assert header.mapping == {0: "name", 1: "township", 2: "category"}
    assert header.problems("a.csv", "a") == []
    with pytest.raises(ValueError, match="not a template column"):
        locate_header(sheet(*rows), override={"名录": "nonsense"})
