import io

from openpyxl import Workbook

from liangxin.census.tabular import read_census

from .support import REFERENCE, U1, U3, U7, problem_list


def test_an_unreadable_file_is_one_problem_not_an_exception():
    result = read_census(b"%PDF-1.4", "摸底表.pdf", REFERENCE)
    assert (result.sheet_name, result.header_row, result.rows) == (None, None, [])
    assert [(p.file, p.code, p.severity) for p in result.problems] == [("摸底表.pdf", "unreadable_file", "error")]
    assert "PDF" in result.problems[0].message


def test_an_empty_workbook_says_so():
    wb = Workbook()
    buffer = io.BytesIO()
    wb.save(buffer)
    result = read_census(buffer.getvalue(), "空.xlsx", REFERENCE)
    assert [(p.code, p.message) for p in result.problems] == [
        ("unreadable_file", "文件中没有任何数据。请确认上传的是填好的摸底表。")
    ]


def test_no_header_names_the_sheet():
    result = read_census("甲,乙,丙\n1,2,3\n".encode(), "x.csv", REFERENCE)
    assert [(p.sheet, p.code) for p in result.problems] == [("x", "no_header")]
    assert result.rows == []


def test_the_mapping_override_reaches_the_reader():
    data = "名录,地区,类别\n甲公司,板桥镇,经济\n".encode()
    assert problem_list(read_census(data, "x.csv", REFERENCE))[0][2] == "no_header"
    result = read_census(data, "x.csv", REFERENCE, mapping_override={"名录": "name", "地区": "township"})
    assert [(c.written, c.key) for c in result.mapping] == [
        ("名录", "name"),
        ("地区", "township"),
        ("类别", "category"),
    ]
    assert problem_list(result) == [(2, None, "required_missing", "error")]  # no USCC column, not an individual


def test_subtotals_totals_footers_and_repeated_headers():
    text = "\n".join(
        [
            "序号,组织名称,统一社会信用代码,组织类别,所属乡镇,从业人员数,正式党员数",
            "1,甲公司," + U1 + ",新经济组织,罗雄,10,1",
            "2,乙公司," + U3 + ",新经济组织,罗雄,20,2",
            "小计,,,,,30,4",
            "序号,组织名称,统一社会信用代码,组织类别,所属乡镇,从业人员数,正式党员数",
            "3,丙公司," + U7 + ",新经济组织,板桥,5,0",
            "小  计,,,,,5,0",
            "总计,,,,,35,4",
            "4,,,,,,",
            "5,,,,,,",
            "注:党员数含预备党员,,,,,,",
            ",,,审核人:张三,,,",
        ]
    )
    result = read_census(text.encode("gbk"), "x.csv", REFERENCE)
    assert [r.excel_row for r in result.rows] == [2, 3, 6]
    assert result.skipped == [
        (4, "小计"),
        (5, "重复的表头"),
        (7, "小计"),
        (8, "总计"),
        (9, "空行"),
        (10, "空行"),
        (11, "表尾说明"),
        (12, "表尾说明"),
    ]
    assert problem_list(result) == [
        (4, "正式党员数", "total_mismatch", "warning"),
        (8, "正式党员数", "total_mismatch", "warning"),
    ]
    assert result.problems[0].message.startswith("小计行的“正式党员数”为4,但上面各行相加为3。")


def test_a_total_is_not_checked_against_a_column_with_an_unreadable_cell():
    text = "组织名称,统一社会信用代码,组织类别,所属乡镇,从业人员数\n甲公司," + U1 + ",经济,罗雄,不详\n合计,,,,99\n"
    assert problem_list(read_census(text.encode(), "x.csv", REFERENCE)) == [
        (2, "从业人员数", "invalid_number", "error")
    ]


def test_a_row_with_only_an_unreadable_cell_is_kept_and_reported():
    text = "组织名称,统一社会信用代码,组织类别,所属乡镇,从业人员数\n,,,,不详\n"
    result = read_census(text.encode(), "x.csv", REFERENCE)
    assert [r.excel_row for r in result.rows] == [2]
    assert [p.code for p in result.problems] == [
        "invalid_number",
        "required_missing",
        "required_missing",
        "required_missing",
        "required_missing",
    ]


def test_result_helpers():
    text = "组织名称,统一社会信用代码,组织类别,所属乡镇\n甲公司," + U1 + ",经济,罗雄\n乙公司,,经济,罗雄\n"
    result = read_census(text.encode(), "x.csv", REFERENCE)
    assert [r.excel_row for r in result.valid_rows] == [2]
    assert [p.code for p in result.errors] == ["required_missing"]
    assert result.warnings == []
    assert result.problems[0].to_dict()["field"] == "统一社会信用代码"


def test_an_exported_formula_like_name_reads_back_without_the_apostrophe():
    text = f'统一社会信用代码,组织名称,组织类别,所属乡镇\n{U1},\'=HYPERLINK("http://x"),新经济组织,罗雄街道\n'
    result = read_census(text.encode("utf-8-sig"), "x.csv", REFERENCE)
    assert [row.values["name"] for row in result.rows] == ['=HYPERLINK("http://x")']


def test_the_problem_list_of_an_annotated_file_is_left_out_quietly():
    wb = Workbook()
    data = wb.active
    data.title = "摸底表"
    data.append(["统一社会信用代码", "组织名称", "组织类别", "所属乡镇"])
    data.append([U1, "甲公司", "新经济组织", "罗雄街道"])
    listing = wb.create_sheet("问题清单")
    listing.append(["文件", "工作表", "行", "列", "代码", "严重程度", "说明"])
    listing.append(["x.xlsx", "摸底表", None, None, "sheet_ignored", "警告", "……"])
    buffer = io.BytesIO()
    wb.save(buffer)
    result = read_census(buffer.getvalue(), "x.xlsx", REFERENCE)
    assert result.sheet_name == "摸底表" and len(result.rows) == 1
    assert result.problems == []
