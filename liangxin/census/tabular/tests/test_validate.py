import dataclasses

import pytest

from liangxin.census.tabular import Place, Reference, read_census
from liangxin.census.tabular.columns import LABELS
from liangxin.census.tabular.validate import DEPARTMENT, TOWNSHIP, Validator

from .support import BANQIAO, LUBUGE, LUOXIONG, REFERENCE, U1, U3, U4, problem_list


def csv_file(*rows: list[str], header: list[str] | None = None) -> bytes:
    lines = [
        ",".join(
            header
            or ["组织名称", "统一社会信用代码", "组织类别", "组织类型", "所属乡镇", "所属村(社区)", "行业主管部门"]
        )
    ]
    lines += [",".join(r) for r in rows]
    return "\n".join(lines).encode()


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("罗雄街道", LUOXIONG),
        ("罗雄", LUOXIONG),
        ("罗雄街道办事处", LUOXIONG),
        ("530324001", LUOXIONG),
        ("板桥镇", BANQIAO),
        ("板桥", BANQIAO),
        ("板桥镇人民政府", BANQIAO),
        ("罗平县板桥镇", BANQIAO),
        ("鲁布革布依族苗族乡", LUBUGE),
        ("鲁布革乡", LUBUGE),
        ("鲁布革", LUBUGE),
        ("大河镇", None),
    ],
)
def test_township_names(written, code):
    assert REFERENCE.resolve(TOWNSHIP, written) == code


def test_villages_with_or_without_committee_suffix():
    assert REFERENCE.village(LUOXIONG, "九龙社区居民委员会") == "530324001001"
    assert REFERENCE.village(LUOXIONG, "九龙社区") == "530324001001"
    assert REFERENCE.village(LUOXIONG, "九龙") == "530324001001"
    assert REFERENCE.village(BANQIAO, "玉马村") == "530324102203"
    assert REFERENCE.village(BANQIAO, "玉马村委会") == "530324102203"
    assert REFERENCE.village(BANQIAO, "九龙社区") is None  # another township's
    assert REFERENCE.village("530324999", "九龙") is None


def test_departments_by_name_short_name_or_code():
    assert REFERENCE.resolve(DEPARTMENT, "县工商联") == "GSL"
    assert REFERENCE.resolve(DEPARTMENT, "工商联") == "GSL"
    assert REFERENCE.resolve(DEPARTMENT, "gsl") == "GSL"
    assert REFERENCE.resolve(DEPARTMENT, "罗平县市场监督管理局") == "SCJG"
    assert REFERENCE.resolve(DEPARTMENT, "市场监督管理局") == "SCJG"
    assert REFERENCE.resolve(DEPARTMENT, "工商局") is None
    assert REFERENCE.closest(DEPARTMENT, "县民政") == "县民政局"


@pytest.mark.parametrize(
    ("kind", "written", "expected"),
    [
        (TOWNSHIP, "大河镇", ("unknown_township", "乡镇“大河镇”不在本县乡镇名单中。")),
        (TOWNSHIP, "罗雄", ("out_of_scope", "“罗雄街道”不在本单位负责的范围内")),
        (DEPARTMENT, "县民政", ("unknown_department", "行业主管部门“县民政”不在部门名单中。是否应为“县民政局”?")),
        (DEPARTMENT, "工商联", ("out_of_scope", "“县工商联”主管的组织不由本单位负责")),
        (TOWNSHIP, "板桥", (None, None)),
        (DEPARTMENT, "民政局", (None, None)),
    ],
)
def test_townships_and_departments_are_resolved_by_one_rule(kind, written, expected):
    """One resolution for both (validate.PlaceKind): the name or a known short form, else a
    problem with the closest name as a hint, or out of scope for a unit that may not write it."""
    reference = dataclasses.replace(
        REFERENCE, allowed_townships=frozenset({BANQIAO}), allowed_departments=frozenset({"MZJ"})
    )
    code, issue = Validator(reference)._place(kind, written)
    if expected == (None, None):
        assert code is not None and issue is None
    else:
        assert issue is not None and issue[0] == expected[0] and issue[1].startswith(expected[1]), issue


def test_a_short_name_two_places_share_does_not_resolve():
    reference = Reference(townships=(Place("1", "新华镇"), Place("2", "新华乡")))
    assert reference.resolve(TOWNSHIP, "新华镇") == "1"
    assert reference.resolve(TOWNSHIP, "新华乡") == "2"
    assert reference.resolve(TOWNSHIP, "新华") is None


def test_scope_of_the_importing_unit():
    reference = dataclasses.replace(
        REFERENCE, allowed_townships=frozenset({BANQIAO}), allowed_departments=frozenset({"MZJ"})
    )
    data = csv_file(
        ["甲公司", U3, "新经济组织", "私营企业", "罗雄街道", "", ""],
        ["乙公司", U4.replace("P7R3009", "P7R3009"), "新经济组织", "私营企业", "板桥镇", "", "县工商联"],
    )
    result = read_census(data, "a.csv", reference)
    assert [(p.row, p.column, p.code) for p in result.problems if p.code == "out_of_scope"] == [
        (2, "所属乡镇", "out_of_scope"),
        (3, "行业主管部门", "out_of_scope"),
    ]


def test_resolved_codes_are_none_when_unknown_and_absent_without_the_column():
    result = read_census(
        csv_file(["甲公司", U3, "新经济组织", "私营企业", "大河镇", "某村", "某局"]), "a.csv", REFERENCE
    )
    values = result.rows[0].values
    assert (values["township_code"], values["village_code"], values["department_code"]) == (None, None, None)
    # The village is not checked when the township is unknown: one problem, not two.
    assert [p.code for p in result.problems] == ["unknown_township", "unknown_department"]
    result = read_census(
        csv_file(["甲公司", U3, "新经济组织"], header=["组织名称", "统一社会信用代码", "组织类别", "所属乡镇"]),
        "a.csv",
        REFERENCE,
    )
    assert "village_code" not in result.rows[0].values


def test_party_organization_flag_without_a_name_column():
    data = csv_file(
        ["甲公司", U3, "新经济组织", "板桥镇", "是"],
        header=["组织名称", "统一社会信用代码", "组织类别", "所属乡镇", "是否已建党组织"],
    )
    assert problem_list(read_census(data, "a.csv", REFERENCE)) == [
        (2, "是否已建党组织", "party_org_name_missing", "error")
    ]


def test_large_organization_with_unreadable_member_count_gets_one_problem():
    header = ["组织名称", "统一社会信用代码", "组织类别", "所属乡镇", "从业人员数", "正式党员数"]
    data = csv_file(
        ["甲公司", U3, "新经济组织", "板桥镇", "80", "不详"],
        ["乙公司", U1, "新经济组织", "罗雄", "80", ""],
        header=header,
    )
    assert problem_list(read_census(data, "a.csv", REFERENCE)) == [
        (2, "正式党员数", "invalid_number", "error"),
        (3, "正式党员数", "large_org_no_member", "warning"),  # a blank count is none
    ]


def test_a_row_with_only_context_columns_is_a_blank_template_row():
    rows = [["", "", "", "", "板桥镇", "", "县工商联"] for _ in range(3)]
    result = read_census(csv_file(*rows), "a.csv", REFERENCE)
    assert (result.rows, result.problems, result.skipped) == ([], [], [(2, "空行"), (3, "空行"), (4, "空行")])


def test_every_row_is_checked_never_only_the_first():
    header = ["组织名称", "统一社会信用代码", "组织类别", "所属乡镇", "从业人员数"]
    rows = [["", "", "", "", "5"] for _ in range(50)]
    result = read_census(csv_file(*rows, header=header), "a.csv", REFERENCE)
    assert len(result.rows) == 50
    assert len(result.errors) == 50 * 4  # name, category, township, USCC on every row


def test_template_written_with_english_keys_reads_too():
    data = csv_file(["甲公司", U3, "economic", "板桥镇"], header=["name", "uscc", "category", "township"])
    result = read_census(data, "a.csv", REFERENCE)
    assert result.problems == []
    assert result.rows[0].values["category"] == "economic"
    assert len(LABELS) == 27
