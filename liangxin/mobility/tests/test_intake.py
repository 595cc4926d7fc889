"""The police file reader: aliases, every problem with its row, column and code, townships."""

import datetime as dt
import io

from openpyxl import Workbook

from liangxin.mobility import intake
from liangxin.testing.factories import valid_id_number

_TOWNSHIPS, _VILLAGES = intake.township_names(
    [
        ("530324001", "罗雄街道", None),
        ("530324102", "板桥镇", None),
        ("530324001001", "九龙社区居民委员会", "530324001"),
    ]
)
REFERENCE = intake.Reference(today=dt.date(2026, 6, 1), townships=_TOWNSHIPS, villages=_VILLAGES)
GOOD = valid_id_number(11, birth=dt.date(1990, 5, 4), region="522301")
OTHER = valid_id_number(12, birth=dt.date(1992, 7, 8), region="522301")


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_aliases_a_title_row_and_townships_from_the_address():
    data = _xlsx(
        [
            ["罗平县流动人口党员信息采集表"],
            ["序号", "名字", "身份证号码", "户籍所在地", "居住地址", "流入日期", "工作单位", "手机"],
            [1, "赵一", GOOD, "贵州省兴义市", "罗平县板桥镇街上", "2026-02-01", "星火煤业", "13800001111"],
            [2, "钱二", OTHER, "", "九龙社区3组", dt.datetime(2026, 3, 1), "", ""],
        ]
    )
    result = intake.read_migrants(data, "公安.xlsx", REFERENCE)
    assert (result.header_row, result.error_count) == (2, 0), result.problems
    first, second = result.rows
    assert (first.row, first.name, first.township, first.origin_code) == (3, "赵一", "530324102", "522301")
    assert (first.arrived_on, first.employer, first.phone, first.sex) == (
        dt.date(2026, 2, 1),
        "星火煤业",
        "13800001111",
        "M",
    )
    # The village names its township; the ID number tells the origin when the address is empty.
    assert (second.row, second.township, second.origin_code) == (4, "530324001", "522301")


def test_every_problem_is_reported_with_row_column_and_code():
    bad_check = GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")
    csv = (
        "姓名,公民身份号码,性别,现住址,来县日期\n"
        f"赵一,{GOOD},女,板桥镇,2026-02-01\n"  # sex disagrees: a warning only
        f"钱二,{bad_check},男,板桥镇,2026-02-01\n"
        f",{OTHER},女,板桥镇,不知道\n"
        f"孙三,{GOOD},男,板桥镇,2030-01-01\n"
        f"李四,{OTHER},女,县城某处,\n"
    ).encode()
    result = intake.read_migrants(csv, "公安.csv", REFERENCE)
    found = [(p.row, p.column, p.code, p.severity) for p in result.problems]
    assert found == [
        (2, "性别", "sex_mismatch", "warning"),
        (3, "公民身份号码", "id_number_checksum", "error"),
        (4, "来县日期", "invalid_date", "error"),
        (4, "姓名", "required_missing", "error"),
        (5, "公民身份号码", "duplicate_id_number", "error"),
        (5, "来县日期", "future_date", "error"),
        (6, "公民身份号码", "duplicate_id_number", "error"),  # row 4's number, refused there for other reasons
        (6, "现住址", "unknown_township", "error"),
    ]
    assert [r.row for r in result.rows] == [2]
    assert result.rejected_rows() == {3, 4, 5, 6}


def test_an_id_number_stored_as_a_number_is_refused():
    result = intake.read_migrants(
        _xlsx([["姓名", "公民身份号码", "现住址"], ["赵一", 522301199005040110, "板桥镇"]]), "a.xlsx", REFERENCE
    )
    assert [p.code for p in result.problems] == ["id_number_as_number"]


def test_a_unit_township_takes_every_row_and_warns_when_the_address_says_otherwise():
    reference = intake.Reference(today=REFERENCE.today, townships=REFERENCE.townships, unit_township="530324102")
    csv = f"姓名,公民身份号码,现住址\n赵一,{GOOD},罗雄街道\n钱二,{OTHER},\n".encode()
    result = intake.read_migrants(csv, "a.csv", reference)
    assert [r.township for r in result.rows] == ["530324102", "530324102"]
    assert [(p.row, p.code) for p in result.problems] == [(2, "township_differs")]


def test_a_file_without_the_required_columns_or_header():
    result = intake.read_migrants("姓名,电话\n赵一,1\n".encode(), "a.csv", REFERENCE)
    assert [(p.row, p.code, p.field) for p in result.problems] == [(1, "required_column_missing", "公民身份号码")]
    assert result.file_errors
    result = intake.read_migrants("甲,乙\n1,2\n".encode(), "a.csv", REFERENCE)
    assert [p.code for p in result.problems] == ["no_header"]
    assert [p.code for p in intake.read_migrants(b"", "a.csv", REFERENCE).problems] == ["unreadable_file"]
