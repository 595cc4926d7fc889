import pytest

from liangxin.census.tabular.columns import (
    BY_KEY,
    COLUMNS,
    KEYS,
    LABELS,
    alias_table,
    column_letter,
    header_key,
    is_serial_header,
    match_header,
)


def test_the_template_columns_in_order():
    assert LABELS == (
        "统一社会信用代码",
        "组织名称",
        "组织类别",
        "组织类型",
        "所属乡镇",
        "所属村(社区)",
        "行业主管部门",
        "行业代码",
        "是否规模以上",
        "经营状况",
        "从业人员数",
        "正式党员数",
        "预备党员数",
        "业主是否党员",
        "业主对组建党组织态度",
        "有无合适支部书记人选",
        "是否已建党组织",
        "党组织名称",
        "工资总额(万元)",
        "地址",
        "联系人",
        "联系电话",
        "备注",
        "有无工会",
        "有无共青团组织",
        "有无妇联组织",
        "党建指导员",
    )
    assert KEYS[:5] == ("uscc", "name", "category", "org_type", "township")
    assert [c.key for c in COLUMNS if c.required] == ["uscc", "name", "category", "township"]
    assert [c.label for c in COLUMNS if c.optional] == ["有无工会", "有无共青团组织", "有无妇联组织", "党建指导员"]
    assert {c.kind for c in COLUMNS} == {"text", "name", "int", "decimal", "bool", "choice", "code"}


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("单位名称", "name"),
        ("企业名称", "name"),
        ("组织全称", "name"),
        ("组 织 名 称", "name"),
        ("*组织名称：", "name"),
        ("組織名稱", "name"),
        ("职工人数", "employees"),
        ("员工人数", "employees"),
        ("从业人数", "employees"),
        ("从业人员", "employees"),
        ("从业人员数（人）", "employees"),
        ("从业人员数\n(人)", "employees"),
        ("党员数(正式)", "full_members"),
        ("党员数（正式）", "full_members"),
        ("正式党员", "full_members"),
        ("乡镇", "township"),
        ("乡(镇)", "township"),
        ("乡（镇）", "township"),
        ("所在乡镇", "township"),
        ("乡镇(街道)", "township"),
        ("信用代码", "uscc"),
        ("社会信用代码", "uscc"),
        ("统一代码", "uscc"),
        ("统一社会\n信用代码", "uscc"),
        ("主管部门", "department"),
        ("业务主管单位", "department"),
        ("所属村 （社区）", "village"),
        ("所属村【社区】", "village"),
        ("工资总额(万元)", "payroll"),
        ("工资总额", "payroll"),
        ("工资总额\n（万元）", "payroll"),
        ("uscc", "uscc"),
        ("NAME", "name"),
        ("经度", None),
        ("", None),
    ],
)
def test_headers(header, key):
    assert match_header(header).key == key


def test_a_unit_the_column_does_not_take_is_flagged_not_dropped():
    found = match_header("工资总额（元）")
    assert (found.key, found.unit, found.unit_ok) == ("payroll", "元", False)
    assert match_header("从业人员数(户)").unit_ok is False
    assert match_header("年工资总额(万元)").unit_ok is True


def test_user_mapping_wins_over_the_alias_table():
    assert match_header("人数", {header_key("人数"): "full_members"}).key == "full_members"
    assert match_header("单位名称", {header_key("单位名称"): None}).key is None


def test_the_alias_table_is_consistent():
    aliases, units = alias_table()
    assert set(aliases.values()) == set(BY_KEY)
    for column in COLUMNS:
        assert aliases[header_key(column.label)] == column.key
    assert units["payroll"] == {"万元"}
    assert units["employees"] == {"人", "名"}


def test_serial_and_letters():
    assert is_serial_header("序 号")
    assert is_serial_header("No.")
    assert not is_serial_header("组织名称")
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
