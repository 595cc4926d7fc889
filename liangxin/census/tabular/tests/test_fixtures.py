"""Every fixture file (see make_fixtures.py) read end to end: exact records, exact problems."""

from decimal import Decimal as D

import pytest

from liangxin.census.tabular.columns import KEYS

from .support import (
    BANQIAO,
    LUBUGE,
    LUOXIONG,
    MAJIE,
    ORG_CODE_AUTHORITY,
    U1,
    U2,
    U3,
    U4,
    U6,
    U7,
    U8,
    U9,
    U10,
    U11,
    V1,
    V2,
    V3,
    V4,
    V5,
    V6,
    V7,
    V8,
    problem_list,
    read_fixture,
    records,
)

RESOLVED = ("township_code", "village_code", "department_code")


def test_canonical_xlsx():
    result = read_fixture("canonical.xlsx")
    assert (result.sheet_name, result.header_row) == ("摸底表", 1)
    assert [c.key for c in result.mapping] == list(KEYS)
    first = result.rows[0]
    assert first.values == {
        "uscc": U1,
        "name": "罗平县蜂业有限公司",
        "category": "economic",
        "org_type": "limited_company",
        "township": "罗雄街道",
        "village": "九龙社区居民委员会",
        "department": "县工商联",
        "industry_code": "C13",
        "above_designated_size": True,
        "operating_status": "operating",
        "employees": 120,
        "full_members": 5,
        "probationary_members": 1,
        "owner_is_member": True,
        "owner_attitude": "supportive",
        "secretary_candidate_available": True,
        "has_party_organization": True,
        "party_organization_name": "罗平县蜂业有限公司党支部",
        "payroll": D("350.50"),
        "address": "罗雄街道九龙大道1号",
        "contact_person": "张三",
        "contact_phone": "13912345678",
        "remarks": None,
        "has_union": True,
        "has_youth_league": True,
        "has_womens_federation": False,
        "instructor": "李四",
        "township_code": LUOXIONG,
        "village_code": "530324001001",
        "department_code": "GSL",
    }
    assert first.raw["payroll"] == "350.5"
    assert first.raw["employees"] == "120"
    assert first.column_headers["payroll"] == "工资总额(万元)"
    assert records(result)[1:] == [
        (
            3,
            {
                "uscc": U2,
                "name": "罗平县蜂产业协会",
                "category": "social",
                "org_type": "industry_association",
                "township": "板桥镇",
                "village": "东胜社区居民委员会",
                "department": "县民政局",
                "industry_code": "S95",
                "above_designated_size": False,
                "operating_status": "operating",
                "employees": 8,
                "full_members": 3,
                "probationary_members": 0,
                "owner_is_member": False,
                "owner_attitude": "neutral",
                "secretary_candidate_available": True,
                "has_party_organization": False,
                "address": "板桥镇东胜路8号",
                "contact_person": "王芳",
                "contact_phone": "0874-8212345",
                "remarks": "2025年成立",
                "has_union": False,
                "has_youth_league": False,
                "has_womens_federation": True,
                "township_code": BANQIAO,
                "village_code": "530324102001",
                "department_code": "MZJ",
            },
        ),
        (
            4,
            {
                "name": "板桥镇小王餐馆",
                "category": "economic",
                "org_type": "individual_business",
                "township": "板桥镇",
                "industry_code": "H62",
                "above_designated_size": False,
                "operating_status": "operating",
                "employees": 3,
                "full_members": 0,
                "probationary_members": 0,
                "owner_is_member": False,
                "owner_attitude": "unsupportive",
                "secretary_candidate_available": False,
                "has_party_organization": False,
                "payroll": D("12.80"),
                "address": "板桥镇集镇",
                "contact_person": "王小二",
                "contact_phone": "13800000001",
                "township_code": BANQIAO,
            },
        ),
        (
            5,
            {
                "uscc": U3,
                "name": "马街镇恒达农机专业合作社",
                "category": "economic",
                "org_type": "farmers_cooperative",
                "township": "马街镇",
                "department": "县市场监督管理局",
                "industry_code": "A05",
                "above_designated_size": False,
                "operating_status": "suspended",
                "employees": 15,
                "full_members": 0,
                "probationary_members": 1,
                "owner_is_member": False,
                "owner_attitude": "neutral",
                "secretary_candidate_available": False,
                "has_party_organization": False,
                "payroll": D("30.00"),
                "address": "马街镇",
                "contact_person": "李强",
                "contact_phone": "13900000002",
                "remarks": "暂停生产",
                "township_code": MAJIE,
                "department_code": "SCJG",
            },
        ),
    ]
    assert problem_list(result) == [(4, "统一社会信用代码", "uscc_missing_individual", "warning")]
    assert result.skipped == []


WPS_RECORDS = [
    (
        5,
        {
            "name": "羅平縣興盛五金經營部",  # names are kept as written; the matching key folds them
            "uscc": U6,
            "category": "economic",
            "org_type": "private_enterprise",
            "township": "板桥",
            "village": "东胜社区",
            "department": "工商联",
            "employees": 12,
            "full_members": 3,
            "probationary_members": 0,
            "owner_is_member": True,
            "owner_attitude": "supportive",
            "secretary_candidate_available": True,
            "has_party_organization": False,
            "payroll": D("50.00"),
            "operating_status": "operating",
            "above_designated_size": False,
            "contact_person": "赵刚",
            "contact_phone": "13987654321",
            "township_code": BANQIAO,
            "village_code": "530324102001",
            "department_code": "GSL",
        },
    ),
    (
        6,
        {
            "name": "板桥镇兴隆商贸有限公司",
            "uscc": U7,
            "category": "economic",
            "org_type": "limited_company",
            "township": "板桥镇",
            "village": "玉马村",
            "department": "县工商联",
            "employees": 50,
            "full_members": 2,
            "probationary_members": 1,
            "owner_is_member": False,
            "owner_attitude": "supportive",
            "secretary_candidate_available": False,
            "has_party_organization": True,
            "party_organization_name": "板桥镇兴隆商贸有限公司党支部",
            "payroll": D("120.50"),
            "operating_status": "operating",
            "above_designated_size": True,
            "contact_person": "钱明",
            "contact_phone": "13800001111",
            "township_code": BANQIAO,
            "village_code": "530324102203",
            "department_code": "GSL",
        },
    ),
    (
        8,
        {
            "name": "板桥镇爱心养老服务中心",
            "uscc": U8,
            "category": "social",
            "org_type": "private_non_enterprise",
            "township": "板桥镇",
            "department": "县民政局",
            "employees": 30,
            "full_members": 1,
            "probationary_members": 0,
            "owner_is_member": True,
            "owner_attitude": "neutral",
            "secretary_candidate_available": True,
            "has_party_organization": False,
            "payroll": D("45.00"),
            "operating_status": "operating",
            "above_designated_size": False,
            "contact_person": "孙丽",
            "contact_phone": "0874-8210000",
            "remarks": "含 换行的备注",
            "township_code": BANQIAO,
            "department_code": "MZJ",
        },
    ),
    (
        9,
        {
            "name": "板桥镇小李理发店",
            "category": "economic",
            "org_type": "individual_business",
            "township": "板桥镇",
            "village": "东胜社区居民委员会",
            "employees": 2,
            "full_members": 0,
            "probationary_members": 0,
            "owner_is_member": False,
            "owner_attitude": "unsupportive",
            "secretary_candidate_available": False,
            "has_party_organization": False,
            "payroll": D("3.60"),
            "operating_status": "operating",
            "above_designated_size": False,
            "contact_person": "李四",
            "township_code": BANQIAO,
            "village_code": "530324102001",
        },
    ),
]
WPS_PROBLEMS = [
    (5, "工资总额 （万元）", "approximate_number", "warning"),
    (6, "职工人数 （人）", "approximate_number", "warning"),
    (9, "统一社会 信用代码", "uscc_missing_individual", "warning"),
]
WPS_SKIPPED = [(7, "空行"), (10, "合计"), (11, "空行"), (12, "表尾说明")]


def test_wps_style_xlsx():
    result = read_fixture("wps_style.xlsx")
    assert (result.sheet_name, result.header_row) == ("Sheet1", 4)
    assert [(c.letter, c.written, c.key) for c in result.mapping][:4] == [
        ("A", "序号", None),
        ("B", "单位名称", "name"),
        ("C", "统一社会 信用代码", "uscc"),
        ("D", "类 别", "category"),
    ]
    assert records(result) == WPS_RECORDS
    # Columns the file does not have are absent, not None: an update must leave them alone.
    assert "address" not in result.rows[0].values and "industry_code" not in result.rows[0].values
    assert result.rows[0].raw["employees"] == "１２人"
    assert problem_list(result) == WPS_PROBLEMS
    assert result.skipped == WPS_SKIPPED
    assert [p.value for p in result.problems] == ["约50", "约50", ""]


def test_a_wrong_total_row_is_a_warning_naming_both_figures():
    result = read_fixture("wrong_total.xlsx")
    assert records(result) == WPS_RECORDS
    assert problem_list(result) == [
        *WPS_PROBLEMS,
        (10, "职工人数 （人）", "total_mismatch", "warning"),
        (10, "工资总额 （万元）", "total_mismatch", "warning"),
    ]
    messages = [p.message for p in result.problems if p.code == "total_mismatch"]
    assert messages[0].startswith("合计行的“职工人数 （人）”为95,但上面各行相加为94。")
    assert messages[1].startswith("合计行的“工资总额 （万元）”为219.5,但上面各行相加为219.1。")
    assert result.skipped == WPS_SKIPPED


def test_two_row_header_xlsx():
    result = read_fixture("two_row_header.xlsx")
    assert (result.sheet_name, result.header_row) == ("社会组织", 3)
    assert records(result) == [
        (
            5,
            {
                "name": "罗平县民办启明学校",
                "uscc": U2,
                "category": "social",
                "org_type": "private_school",
                "township": "罗雄街道",
                "employees": 40,
                "full_members": 4,
                "probationary_members": 1,
                "has_party_organization": False,
                "township_code": LUOXIONG,
            },
        ),
        (
            6,
            {
                "name": "罗平县律师协会",
                "uscc": ORG_CODE_AUTHORITY,
                "category": "social",
                "org_type": "industry_association",
                "township": "罗雄街道",
                "employees": 6,
                "full_members": 2,
                "probationary_members": 0,
                "has_party_organization": False,
                "township_code": LUOXIONG,
            },
        ),
    ]
    assert result.rows[0].column_headers["full_members"] == "党员数(正式)"
    assert problem_list(result) == []
    assert result.skipped == [(4, "列号行")]


def test_legacy_xls():
    result = read_fixture("legacy.xls")
    assert (result.sheet_name, result.header_row) == ("鲁布革乡", 2)
    assert records(result) == [
        (
            3,
            {
                "uscc": U9,
                "name": "鲁布革水电开发有限公司",
                "category": "economic",
                "org_type": "limited_company",
                "township": "鲁布革乡",
                "employees": 65,
                "full_members": 7,
                "probationary_members": 0,
                "has_party_organization": True,
                "party_organization_name": "鲁布革水电开发有限公司党支部",
                "payroll": D("880.25"),
                "township_code": LUBUGE,
            },
        ),
        (
            4,
            {
                "uscc": U10,
                "name": "鲁布革乡布依刺绣专业合作社",
                "category": "economic",
                "org_type": "farmers_cooperative",
                "township": "鲁布革",
                "employees": 18,
                "full_members": 1,
                "probationary_members": 1,
                "has_party_organization": False,
                "payroll": D("21.00"),
                "township_code": LUBUGE,
            },
        ),
    ]
    assert problem_list(result) == []


def test_libre_ods():
    result = read_fixture("libre.ods")
    assert (result.sheet_name, result.header_row) == ("马街镇", 1)
    assert records(result) == [
        (
            2,
            {
                "name": "马街镇福源食品有限公司",
                "uscc": V1,
                "category": "economic",
                "org_type": "private_enterprise",
                "township": "马街镇",
                "operating_status": "operating",
                "employees": 45,
                "full_members": 2,
                "has_union": True,
                "has_youth_league": False,
                "has_womens_federation": True,
                "instructor": "周敏",
                "township_code": MAJIE,
            },
        ),
        (
            3,
            {
                "name": "马街镇顺达物流有限公司",
                "uscc": V2,
                "category": "economic",
                "org_type": "limited_company",
                "township": "马街",
                "operating_status": "closed",
                "employees": 9,
                "full_members": 0,
                "has_union": False,
                "has_youth_league": False,
                "has_womens_federation": False,
                "township_code": MAJIE,
            },
        ),
    ]
    assert problem_list(result) == []


TEXT_RECORDS = [
    (
        3,
        {
            "name": "罗平县蜂业有限公司",
            "uscc": U1,
            "category": "economic",
            "org_type": "limited_company",
            "township": "罗雄街道",
            "village": "九龙社区",
            "employees": 120,
            "full_members": 5,
            "probationary_members": 1,
            "owner_is_member": True,
            "has_party_organization": True,
            "party_organization_name": "罗平县蜂业有限公司党支部",
            "payroll": D("350.50"),
            "contact_phone": "13912345678",
            "remarks": "含,逗号的备注",
            "township_code": LUOXIONG,
            "village_code": "530324001001",
        },
    ),
    (
        4,
        {
            "name": "罗雄街道红星茶楼",
            "category": "economic",
            "org_type": "individual_business",
            "township": "罗雄街道",
            "village": "红星社区",
            "employees": 4,
            "full_members": 0,
            "probationary_members": 0,
            "owner_is_member": False,
            "has_party_organization": False,
            "payroll": D("2.40"),
            "remarks": "第一行 第二行",
            "township_code": LUOXIONG,
            "village_code": "530324001002",
        },
    ),
    (
        5,
        {
            "name": "罗平县餐饮行业协会",
            "uscc": U2,
            "category": "social",
            "org_type": "industry_association",
            "township": "罗雄街道",
            "employees": 12,
            "full_members": 4,
            "probationary_members": 0,
            "owner_is_member": False,
            "has_party_organization": False,
            "township_code": LUOXIONG,
        },
    ),
]


@pytest.mark.parametrize(
    "name", ["gbk.csv", "utf8.csv", "utf8_bom.csv", "tabs.txt", "utf16_tabs.txt", "semicolon.csv", "chinese_comma.csv"]
)
def test_text_files(name):
    result = read_fixture(name)
    assert (result.sheet_name, result.header_row) == (name.rsplit(".", 1)[0], 2)
    assert records(result) == TEXT_RECORDS
    assert result.rows[2].values["village"] is None and result.rows[2].values["village_code"] is None
    assert problem_list(result) == [(4, "统一社会信用代码", "uscc_missing_individual", "warning")]
    assert result.skipped == [(6, "合计")]


def test_a_file_with_many_problems():
    result = read_fixture("many_problems.xlsx")
    assert problem_list(result) == [
        (1, "经度", "unknown_column", "warning"),
        (1, "企业名称", "duplicate_column", "error"),
        (2, "统一社会信用代码", "uscc_format", "error"),
        (3, "统一社会信用代码", "uscc_checksum", "error"),
        (5, "统一社会信用代码", "duplicate_uscc", "error"),
        (6, "统一社会信用代码", "duplicate_uscc_other_unit", "error"),
        (7, "组织名称", "required_missing", "error"),
        (8, "组织类别", "required_missing", "error"),
        (8, "所属乡镇", "required_missing", "error"),
        (8, "统一社会信用代码", "required_missing", "error"),
        (9, "所属乡镇", "unknown_township", "error"),
        (9, "行业主管部门", "unknown_department", "error"),
        (10, "组织类型", "invalid_choice", "error"),
        (10, "是否规模以上", "invalid_choice", "error"),
        (11, "从业人员数", "invalid_number", "error"),
        (11, "正式党员数", "invalid_number", "error"),
        (11, "预备党员数", "invalid_number", "error"),
        (11, "工资总额(万元)", "negative_number", "error"),
        (12, "从业人员数", "invalid_number", "error"),
        (12, "正式党员数", "negative_number", "error"),
        (13, "党组织名称", "party_org_name_missing", "error"),
        (14, "组织类别", "uscc_category_mismatch", "warning"),
        (15, "组织类型", "category_type_mismatch", "warning"),
        (16, "正式党员数", "members_exceed_employees", "warning"),
        (17, "正式党员数", "large_org_no_member", "warning"),
        (19, "行业代码", "invalid_industry_code", "error"),
        (19, "工资总额(万元)", "rounded_number", "warning"),
        (19, "联系人", "text_too_long", "error"),
        (19, "所属村(社区)", "unknown_village", "warning"),
    ]
    by_row = {p.row: p for p in result.problems}
    assert by_row[5].message.startswith("统一社会信用代码与第4行重复")
    assert "马街镇" in by_row[6].message
    assert by_row[9].message.startswith("行业主管部门“工商局”不在部门名单中。是否应为“县工商联”?")
    assert "是否应为“个体工商户”" in result.problems[12].message
    # Every row is a record; the rows with errors are marked, the others can be imported.
    assert [row.excel_row for row in result.rows] == list(range(2, 20))
    assert [row.excel_row for row in result.valid_rows] == [4, 14, 15, 16, 17, 18]
    assert records(result)[0] == (
        2,
        {
            "name": "罗平县甲建材有限公司",
            "category": "economic",
            "org_type": "private_enterprise",
            "township": "罗雄街道",
            "township_code": LUOXIONG,
        },
    )
    assert result.rows[-1].values["payroll"] == D("12.35")
    assert result.rows[-1].values["contact_person"] is None
    assert {r.values.get("uscc") for r in result.rows} >= {U3, U4, U8, U9, U10, U11, V3, V4, V5, V6, V7, V8}


def test_multi_sheet_workbook():
    result = read_fixture("multi_sheet.xlsx")
    assert (result.sheet_name, result.header_row) == ("摸底表", 1)
    assert [(p.sheet, p.row, p.code, p.severity) for p in result.problems] == [
        ("二组", None, "extra_data_sheet", "error"),
        ("草稿", None, "sheet_ignored", "warning"),
    ]
    assert records(result) == [
        (
            2,
            {
                "name": "罗平县蜂业有限公司",
                "uscc": U1,
                "category": "economic",
                "org_type": "limited_company",
                "township": "罗雄街道",
                "employees": 120,
                "township_code": LUOXIONG,
            },
        ),
    ]
